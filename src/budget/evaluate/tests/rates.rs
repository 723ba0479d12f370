//! Error rates as counts, and metrics measured in a few runs with stored scatter.

use super::*;
const FAILED: &str = "k6/api/http_req_failed/rate";

fn error_rate(failures: u64, total: u64) -> Metric {
    let mut m = Metric::new(
        FAILED,
        Unit::Fraction,
        Direction::Lower,
        failures as f64 / total as f64,
    );
    m.proportion = Some(crate::model::Proportion { failures, total });
    m
}

fn rate_result(base: Metric, head: Metric, budget_fraction: f64) -> MetricResult {
    let b = relative(FAILED, budget_fraction);
    let opts = EvalOptions::new(BaselineSource::Store);
    let report = evaluate(&b, &file(vec![base]), &file(vec![head]), &opts).unwrap();
    report.results.into_iter().next().unwrap()
}

#[test]
fn error_rates_are_compared_as_two_proportions_on_the_request_counts() {
    // 1 % → 2 % of 20,000 requests: +100 %, far beyond binomial noise.
    let r = rate_result(error_rate(200, 20_000), error_rate(400, 20_000), 0.10);
    assert_eq!(r.method, "two-proportions");
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert!((r.change.unwrap() - 1.0).abs() < 1e-12);
    let [lo, hi] = r.ci.unwrap();
    assert!(lo > 0.6 && hi < 1.45, "{lo} {hi}");
    let noise = r.details.noise.as_deref().unwrap();
    assert!(
        noise.contains("400 of 20000 failed in head vs 200 of 20000 in base"),
        "{noise}"
    );

    // 7 of 450 on both sides (k6's own end-to-end figure): no change.
    let r = rate_result(error_rate(7, 450), error_rate(7, 450), 0.10);
    assert_eq!(r.status, Status::Pass, "{r:?}");

    // 7 of 450 → 9 of 450: +29 %, but two more failures are well within binomial noise.
    let r = rate_result(error_rate(7, 450), error_rate(9, 450), 0.10);
    assert_eq!(r.method, "two-proportions");
    assert_eq!(r.status, Status::Inconclusive, "{r:?}");
    assert!(r.details.mde.unwrap() > 0.5, "{:?}", r.details.mde);

    // A large, clean service: 0.10 % → 0.102 % of a million requests is within a 10 % budget.
    let r = rate_result(
        error_rate(1_000, 1_000_000),
        error_rate(1_020, 1_000_000),
        0.10,
    );
    assert_eq!(r.status, Status::Pass, "{r:?}");
    assert_eq!(r.kind, Kind::Unchanged);

    // Fewer failures is an improvement, never a failure.
    let r = rate_result(error_rate(400, 20_000), error_rate(100, 20_000), 0.10);
    assert_eq!(r.status, Status::Pass);
    assert_eq!(r.kind, Kind::Improvement, "{r:?}");
}

#[test]
fn error_rates_near_zero_are_measured_from_the_floor() {
    // 0 → 3 of 10,000 (0.03 %) is below the 0.1 % floor: no change, whatever the budget.
    let r = rate_result(error_rate(0, 10_000), error_rate(3, 10_000), 0.05);
    assert_eq!(r.status, Status::Pass, "{r:?}");
    assert_eq!(r.change, Some(0.0));
    // 0 → 100 of 10,000 (1 %) is +900 % from the floor, and significant.
    let r = rate_result(error_rate(0, 10_000), error_rate(100, 10_000), 0.05);
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert!((r.change.unwrap() - 9.0).abs() < 1e-9, "{:?}", r.change);
    // 0 → 2 of 100 requests: a 2 % rate, but two failures in a small run are not evidence
    // (Fisher's exact test); the change is not hidden either: it is inconclusive, not a pass.
    let r = rate_result(error_rate(0, 100), error_rate(2, 100), 0.05);
    assert_eq!(r.status, Status::Inconclusive, "{r:?}");
}

#[test]
fn a_pass_rate_fails_when_more_checks_fail() {
    // k6 `checks`: higher is better; 99 % → 95 % passed of 5,000 checks.
    let checks = |passed: u64, total: u64| {
        let mut m = Metric::new(
            "k6/api/checks/rate",
            Unit::Fraction,
            Direction::Higher,
            passed as f64 / total as f64,
        );
        m.proportion = Some(crate::model::Proportion {
            failures: total - passed,
            total,
        });
        m
    };
    let b = relative("k6/api/checks/rate", 0.02);
    let opts = EvalOptions::new(BaselineSource::Store);
    let report = evaluate(
        &b,
        &file(vec![checks(4_950, 5_000)]),
        &file(vec![checks(4_750, 5_000)]),
        &opts,
    )
    .unwrap();
    let r = &report.results[0];
    assert_eq!(r.status, Status::Fail, "{r:?}");
    // Reported as the pass rate's own change: 99 % → 95 % is −4.04 %.
    assert!((r.change.unwrap() + 0.0404).abs() < 1e-3, "{:?}", r.change);
    let same = evaluate(
        &b,
        &file(vec![checks(4_950, 5_000)]),
        &file(vec![checks(4_948, 5_000)]),
        &opts,
    )
    .unwrap();
    assert_eq!(
        same.results[0].status,
        Status::Pass,
        "{:?}",
        same.results[0]
    );
}

fn with_rounds(mut m: Metric) -> Metric {
    m.rounds = (1..=m.samples.len() as u32).collect();
    m
}

#[test]
fn stored_scatter_of_runs_narrows_a_few_runs_comparison() {
    // 3 runs a side that happen to scatter by ~8 %: alone, 4 degrees of freedom and a wide
    // interval, so +15 % is inconclusive. 30 stored jobs of 3 runs say the scatter is
    // typically 4 % (60 df): pooled, the smallest detectable change shrinks and +15 % fails.
    let lcp = "lighthouse/home/largest-contentful-paint";
    let b = relative("lighthouse/**", 0.1);
    let base = [1000.0, 1090.0, 935.0];
    let head: Vec<f64> = base.iter().map(|v| v * 1.15).collect();
    let mut alone = EvalOptions::new(BaselineSource::Store);
    alone.noise.insert(
        lcp.into(),
        crate::model::NoiseEstimate::run_to_run(0.0001, 29.0, 30),
    );
    let mut pooled = alone.clone();
    pooled.noise.insert(
        lcp.into(),
        crate::model::NoiseEstimate {
            within_var: 0.04f64.powi(2),
            within_df: 60.0,
            ..crate::model::NoiseEstimate::run_to_run(0.0001, 29.0, 30)
        },
    );
    let eval = |opts: &EvalOptions| {
        evaluate(
            &b,
            &file(vec![runs(lcp, Unit::Milliseconds, &base)]),
            &file(vec![runs(lcp, Unit::Milliseconds, &head)]),
            opts,
        )
        .unwrap()
        .results
        .remove(0)
    };
    let (a, p) = (eval(&alone), eval(&pooled));
    assert_eq!(a.status, Status::Inconclusive, "{a:?}");
    assert!(
        p.details.mde.unwrap() < 0.6 * a.details.mde.unwrap(),
        "{:?} vs {:?}",
        p.details.mde,
        a.details.mde
    );
    assert_eq!(p.status, Status::Fail, "{p:?}");
    assert!(
        p.details
            .noise
            .as_deref()
            .unwrap()
            .contains("pooled with the stored runs' scatter"),
        "{p:?}"
    );
}

#[test]
fn runs_interleaved_in_one_job_leave_out_the_job_to_job_shift() {
    // Stored jobs differ by ~6 % (a shift shared by all runs of a job); within a job the
    // runs scatter by 1 %. Base and head from separate jobs: +8 % cannot be told from a
    // job shift. Measured interleaved in one job, it is a clear regression.
    let lcp = "lighthouse/home/largest-contentful-paint";
    let b = relative("lighthouse/**", 0.05);
    let noise = crate::model::NoiseEstimate {
        within_var: 0.01f64.powi(2),
        within_df: 60.0,
        ..crate::model::NoiseEstimate::run_to_run(0.06f64.powi(2), 29.0, 30)
    };
    let base = runs(lcp, Unit::Milliseconds, &[1000.0, 1010.0, 992.0]);
    let head = runs(lcp, Unit::Milliseconds, &[1080.0, 1091.0, 1071.0]);
    let mut store = EvalOptions::new(BaselineSource::Store);
    store.noise.insert(lcp.into(), noise);
    let separate = evaluate(
        &b,
        &file(vec![base.clone()]),
        &file(vec![head.clone()]),
        &store,
    )
    .unwrap()
    .results
    .remove(0);
    assert_eq!(separate.status, Status::Inconclusive, "{separate:?}");

    let mut rerun = EvalOptions::new(BaselineSource::Rerun);
    rerun.noise.insert(lcp.into(), noise);
    let together = evaluate(
        &b,
        &file(vec![with_rounds(base)]),
        &file(vec![with_rounds(head)]),
        &rerun,
    )
    .unwrap()
    .results
    .remove(0);
    assert_eq!(together.status, Status::Fail, "{together:?}");
    assert!(
        together
            .details
            .noise
            .as_deref()
            .unwrap()
            .contains("interleaved in this job"),
        "{together:?}"
    );
}

#[test]
fn in_a_rerun_a_metric_whose_base_came_from_the_store_is_judged_as_separate_runs() {
    // check in rerun mode measures the benches on both sides (rounds recorded) but takes
    // k6's base from the store: that comparison carries run-to-run noise.
    let p95 = "k6/api/http_req_duration/p(95)";
    let windows = |center: f64, seed: u64| {
        Metric::new(p95, Unit::Milliseconds, Direction::Lower, center)
            .with_samples(SampleKind::Windows, samples(center, 12, seed))
    };
    let b = relative("**", 0.05);
    let base = file(vec![bench("criterion/a", 100.0, 1), windows(200.0, 2)]);
    let head = file(vec![bench("criterion/a", 100.0, 3), windows(202.0, 4)]);
    let mut opts = EvalOptions::new(BaselineSource::Rerun);
    opts.stored_base.insert(p95.into());
    let report = evaluate(&b, &base, &head, &opts).unwrap();
    let noise = |id: &str| {
        report
            .results
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.details.noise.clone())
            .unwrap()
    };
    assert!(
        noise("criterion/a").contains("same job"),
        "{}",
        noise("criterion/a")
    );
    assert!(noise(p95).contains("uncalibrated"), "{}", noise(p95));

    // The stored run was measured on another machine: widened, and said.
    let mut head = head.clone();
    head.environment.cpu_model = Some("AMD EPYC 7763".into());
    let stored = crate::model::Environment {
        cpu_model: Some("Intel Xeon 8370C".into()),
        ..Default::default()
    };
    opts.stored_environment = Some(stored);
    let report = evaluate(&b, &base, &head, &opts).unwrap();
    let p95_noise = report
        .results
        .iter()
        .find(|r| r.id == p95)
        .and_then(|r| r.details.noise.clone())
        .unwrap();
    assert!(p95_noise.contains("machine change"), "{p95_noise}");
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("ran on another machine")),
        "{:?}",
        report.notes
    );
    let bench = report
        .results
        .iter()
        .find(|r| r.id == "criterion/a")
        .unwrap();
    let bench_noise = bench.details.noise.clone().unwrap();
    assert!(!bench_noise.contains("machine"), "{bench_noise}");
}

#[test]
fn a_rate_that_wanders_between_stored_runs_is_not_judged_as_coin_flips() {
    // 1.0 % → 1.4 % of 10,000 requests: as coin flips a significant +40 %. The stored main
    // runs say this rate moves by ~20 % from run to run (4× the binomial variance): then
    // the same counts are not evidence of a regression.
    let b = relative(FAILED, 0.10);
    let (base, head) = (error_rate(100, 10_000), error_rate(140, 10_000));
    let plain = evaluate(
        &b,
        &file(vec![base.clone()]),
        &file(vec![head.clone()]),
        &EvalOptions::new(BaselineSource::Store),
    )
    .unwrap()
    .results
    .remove(0);
    assert_eq!(plain.status, Status::Fail, "{plain:?}");
    let mut opts = EvalOptions::new(BaselineSource::Store);
    opts.noise.insert(
        FAILED.into(),
        crate::model::NoiseEstimate::run_to_run(0.2f64.powi(2), 29.0, 30),
    );
    let calibrated = evaluate(&b, &file(vec![base]), &file(vec![head]), &opts)
        .unwrap()
        .results
        .remove(0);
    assert_eq!(calibrated.status, Status::Inconclusive, "{calibrated:?}");
    let noise = calibrated.details.noise.as_deref().unwrap();
    assert!(
        noise.contains("over 30 stored runs: counts divided by 4.0"),
        "{noise}"
    );
}

#[test]
fn a_burst_of_failures_in_head_is_evidence_not_noise() {
    // The base's windows show independent failures (φ ≈ 1); the PR causes an outage in one
    // window. The outage makes head's own windows very uneven, which must not excuse it.
    let b = relative(FAILED, 0.10);
    let mut base = error_rate(14, 10_000);
    base.overdispersion = Some(crate::model::Overdispersion {
        factor: 1.1,
        df: 29.0,
    });
    let mut head = error_rate(308, 10_000);
    head.overdispersion = Some(crate::model::Overdispersion {
        factor: 300.0,
        df: 29.0,
    });
    let r = evaluate(
        &b,
        &file(vec![base]),
        &file(vec![head]),
        &EvalOptions::new(BaselineSource::Store),
    )
    .unwrap()
    .results
    .remove(0);
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert!(
        r.details.noise.as_deref().unwrap().contains("×1.1"),
        "{:?}",
        r.details.noise
    );
}

#[test]
fn small_counts_do_not_claim_a_rate_is_within_a_wide_budget() {
    // 10 of 1,000 failed on both sides. The base's 1 % is itself uncertain: the ratio's
    // one-sided 95 % bound is about ×2.1, so "no more than +100 %" is not shown. (Treating
    // the base's rate as known put the bound at ×1.78 and called it within budget.)
    let r = rate_result(error_rate(10, 1_000), error_rate(11, 1_000), 1.0);
    assert_eq!(r.status, Status::Inconclusive, "{r:?}");
    assert!(r
        .details
        .noise
        .as_deref()
        .unwrap()
        .contains("ratio score test"));
    // With ten times the requests it is.
    let r = rate_result(error_rate(100, 10_000), error_rate(110, 10_000), 1.0);
    assert_eq!(r.status, Status::Pass, "{r:?}");
}

#[test]
fn one_more_base_failure_never_makes_the_head_look_worse() {
    // Across the floor (0.1 %) the base's rate goes from "counts as the floor" to "counts as
    // itself": the verdict must not jump. Head 20 of 10,000 against a base of 5 … 15.
    let rank = |s: Status| match s {
        Status::Pass => 0,
        Status::Inconclusive => 1,
        _ => 2,
    };
    let mut previous: Option<(Status, f64, f64)> = None;
    for base_failures in 5..=15 {
        let r = rate_result(
            error_rate(base_failures, 10_000),
            error_rate(20, 10_000),
            2.5,
        );
        let (change, upper) = (r.change.unwrap(), r.ci.unwrap()[1]);
        assert!(upper.is_finite() && r.p.unwrap().is_finite(), "{r:?}");
        if let Some((status, prev_change, prev_upper)) = previous {
            assert!(
                rank(r.status) <= rank(status),
                "base {base_failures}: {r:?}"
            );
            assert!(
                change <= prev_change + 1e-12,
                "{change} after {prev_change}"
            );
            assert!(
                upper <= prev_upper * 1.02,
                "base {base_failures}: {upper} after {prev_upper}"
            );
        }
        previous = Some((r.status, change, upper));
    }
}
