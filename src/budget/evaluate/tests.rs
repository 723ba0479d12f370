//! Evaluation end to end on small hand-made results.

use super::compare::UNCALIBRATED_MARGIN;
use super::*;
use crate::budget::{BudgetRule, Location, Settings};
use crate::model::{Direction, SampleKind};
use crate::model::{Metric, Quantity, Unit};

fn rule(index: usize, glob: &str) -> BudgetRule {
    BudgetRule {
        index,
        location: Location {
            line: index + 1,
            column: 1,
        },
        metric: glob.into(),
        matcher: globset::GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .unwrap()
            .compile_matcher(),
        max: None,
        min: None,
        max_regression: None,
        direction: None,
        spans: Vec::new(),
    }
}

fn budget(rules: Vec<BudgetRule>) -> BudgetFile {
    BudgetFile {
        path: "budgets.toml".into(),
        settings: Settings::default(),
        criterion: None,
        lighthouse: vec![],
        k6: vec![],
        budgets: rules,
        waivers: vec![],
        source: String::new(),
    }
}

/// Deterministic pseudo-lognormal samples: a fixed pattern of ±3 % around `center`.
fn samples(center: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            center * (0.03 * (u - 0.5) * 3.46).exp()
        })
        .collect()
}

fn file(metrics: Vec<Metric>) -> ResultsFile {
    let mut f = ResultsFile::new();
    f.metrics = metrics;
    f
}

/// A benchmark's samples, taken in five rounds of 20 as a rerun records them (outside a rerun
/// the rounds are not looked at).
fn bench(id: &str, center: f64, seed: u64) -> Metric {
    let mut m = Metric::new(id, Unit::Nanoseconds, Direction::Lower, center)
        .with_samples(SampleKind::Iterations, samples(center, 100, seed));
    m.rounds = (0..m.samples.len()).map(|i| (i / 20 + 1) as u32).collect();
    m
}

/// The same benchmark, every sample from one round.
fn one_round(mut m: Metric) -> Metric {
    m.rounds = vec![1; m.samples.len()];
    m
}

#[test]
fn fails_real_regression_and_passes_unchanged() {
    let mut r = rule(0, "criterion/**");
    r.max_regression = Some(0.05);
    let b = budget(vec![r]);
    let base = file(vec![
        bench("criterion/a", 100.0, 1),
        bench("criterion/b", 100.0, 2),
    ]);
    let head = file(vec![
        bench("criterion/a", 115.0, 3),
        bench("criterion/b", 100.0, 4),
    ]);
    let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
    assert_eq!(report.verdict, Verdict::Fail);
    let a = report
        .results
        .iter()
        .find(|r| r.id == "criterion/a")
        .unwrap();
    assert_eq!(a.status, Status::Fail);
    assert_eq!(a.kind, Kind::Regression);
    assert!((a.change.unwrap() - 0.15).abs() < 0.02, "{:?}", a.change);
    let bb = report
        .results
        .iter()
        .find(|r| r.id == "criterion/b")
        .unwrap();
    assert_eq!(bb.status, Status::Pass);
    assert_eq!(report.method.family, 2);
}

#[test]
fn uncalibrated_runs_judge_and_state_the_raised_margin() {
    // Separate runs, no history: the margin is 3 %, so a 2–2.5 % difference is neither an
    // improvement nor a regression, and the report states 3 %, not the configured 1 %.
    let mut r = rule(0, "criterion/**");
    r.max_regression = Some(0.05);
    let b = budget(vec![r]);
    let base = file(vec![
        bench("criterion/faster", 100.0, 1),
        bench("criterion/slower", 100.0, 2),
    ]);
    let head = file(vec![
        bench("criterion/faster", 97.5, 3),
        bench("criterion/slower", 102.0, 4),
    ]);
    let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::File)).unwrap();
    for m in &report.results {
        assert_eq!((m.status, m.kind), (Status::Pass, Kind::Unchanged), "{m:?}");
    }
    assert_eq!(report.method.noise, UNCALIBRATED_MARGIN);
    // The headline of every output says so, and what would make the verdicts decisive.
    assert_eq!(report.method.uncalibrated, 2);
    let caveat = report.method.caveat().unwrap();
    assert!(
        caveat.contains("uncalibrated") && caveat.contains("stored history"),
        "{caveat}"
    );
    let terminal = crate::report::terminal::render(&report, false, false);
    assert!(terminal.contains("uncalibrated"), "{terminal}");
    let markdown = crate::report::markdown::render(
        &report,
        &crate::report::markdown::MarkdownOptions::default(),
    );
    let headline: String = markdown.lines().take(6).collect::<Vec<_>>().join("\n");
    assert!(headline.contains("uncalibrated"), "{markdown}");
    // Measured in the same job the configured 1 % applies.
    let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
    let slower = report
        .results
        .iter()
        .find(|m| m.id == "criterion/slower")
        .unwrap();
    assert_eq!(
        (slower.status, slower.kind),
        (Status::Pass, Kind::Regression)
    );
    assert_eq!(report.method.noise, 0.01);
    assert!(report.method.caveat().is_none());
}

#[test]
fn improvements_never_fail_and_higher_is_better_is_oriented() {
    let mut r = rule(0, "k/**");
    r.max_regression = Some(0.05);
    let b = budget(vec![r]);
    let tp = |c: f64, s: u64| {
        let mut m = Metric::new("k/throughput", Unit::PerSecond, Direction::Higher, c)
            .with_samples(SampleKind::Iterations, samples(c, 100, s));
        m.rounds = (0..100).map(|i| i / 20 + 1).collect();
        m
    };
    // Throughput up 20 %: an improvement.
    let report = evaluate(
        &b,
        &file(vec![tp(100.0, 1)]),
        &file(vec![tp(120.0, 2)]),
        &EvalOptions::new(BaselineSource::Rerun),
    )
    .unwrap();
    let m = &report.results[0];
    assert_eq!((m.status, m.kind), (Status::Pass, Kind::Improvement));
    assert!(m.change.unwrap() > 0.15);
    // Throughput down 20 %: a regression.
    let report = evaluate(
        &b,
        &file(vec![tp(100.0, 1)]),
        &file(vec![tp(80.0, 2)]),
        &EvalOptions::new(BaselineSource::Rerun),
    )
    .unwrap();
    let m = &report.results[0];
    assert_eq!((m.status, m.kind), (Status::Fail, Kind::Regression));
    assert!(m.change.unwrap() < -0.15);
}

#[test]
fn absolute_rules_use_units_and_most_specific_wins() {
    let mut general = rule(0, "criterion/**");
    general.max = Some(Quantity::parse("1 us").unwrap());
    let mut specific = rule(1, "criterion/slow");
    specific.max = Some(Quantity::parse("2 ms").unwrap());
    let b = budget(vec![general, specific]);
    let base = file(vec![
        bench("criterion/slow", 1.5e6, 1),
        bench("criterion/fast", 500.0, 2),
    ]);
    let head = file(vec![
        bench("criterion/slow", 1.5e6, 3),
        bench("criterion/fast", 1500.0, 4),
    ]);
    let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
    let slow = report
        .results
        .iter()
        .find(|r| r.id == "criterion/slow")
        .unwrap();
    assert_eq!(slow.status, Status::Pass, "{slow:?}");
    assert_eq!(slow.rules[0].rule, "max 2 ms");
    assert!(slow.rules[0]
        .source
        .as_deref()
        .unwrap()
        .starts_with("budgets.toml:2"));
    let fast = report
        .results
        .iter()
        .find(|r| r.id == "criterion/fast")
        .unwrap();
    assert_eq!(fast.status, Status::Fail);
}

#[test]
fn unmatched_glob_and_unit_mismatch_are_configuration_errors() {
    let mut typo = rule(0, "criterion/prase/*");
    typo.max_regression = Some(0.05);
    let err = evaluate(
        &budget(vec![typo]),
        &file(vec![bench("criterion/parse/1", 1.0, 1)]),
        &file(vec![bench("criterion/parse/1", 1.0, 2)]),
        &EvalOptions::new(BaselineSource::File),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("budgets.toml:1") && err.to_string().contains("matches no metric"),
        "{err}"
    );
    let mut bytes = rule(0, "criterion/**");
    bytes.max = Some(Quantity::parse("2 KiB").unwrap());
    let err = evaluate(
        &budget(vec![bytes]),
        &file(vec![bench("criterion/x", 1.0, 1)]),
        &file(vec![bench("criterion/x", 1.0, 2)]),
        &EvalOptions::new(BaselineSource::File),
    )
    .unwrap_err();
    assert!(err.to_string().contains("KiB"), "{err}");
}

#[test]
fn failed_runs_fail_every_rule_and_waivers_apply_until_expiry() {
    let mut r = rule(0, "lighthouse/**");
    r.max = Some(Quantity::parse("2500 ms").unwrap());
    let mut b = budget(vec![r]);
    let mut failed = Metric::new(
        "lighthouse/home/largest-contentful-paint",
        Unit::Milliseconds,
        Direction::Lower,
        f64::NAN,
    );
    failed.failure = Some("ERRORED_DOCUMENT_REQUEST (slow.json)".into());
    let ok = Metric::new(
        "lighthouse/home/largest-contentful-paint",
        Unit::Milliseconds,
        Direction::Lower,
        1000.0,
    );
    let report = evaluate(
        &b,
        &file(vec![ok.clone()]),
        &file(vec![failed.clone()]),
        &EvalOptions::new(BaselineSource::File),
    )
    .unwrap();
    assert_eq!(report.results[0].status, Status::Fail);
    assert!(report.results[0].rules[0]
        .message
        .as_deref()
        .unwrap()
        .contains("ERRORED_DOCUMENT_REQUEST"));

    let slow = Metric::new(
        "lighthouse/home/largest-contentful-paint",
        Unit::Milliseconds,
        Direction::Lower,
        3000.0,
    );
    b.waivers.push(Waiver {
        location: Location { line: 9, column: 1 },
        metric: "lighthouse/**".into(),
        matcher: globset::Glob::new("lighthouse/**")
            .unwrap()
            .compile_matcher(),
        reason: "accepted in #12".into(),
        expires: Some(jiff::civil::date(2026, 1, 31)),
    });
    let mut opts = EvalOptions::new(BaselineSource::File);
    opts.today = jiff::civil::date(2026, 1, 31);
    let report = evaluate(
        &b,
        &file(vec![ok.clone()]),
        &file(vec![slow.clone()]),
        &opts,
    )
    .unwrap();
    assert_eq!(report.results[0].status, Status::Pass);
    assert!(report.results[0].rules[0].waived.is_some());
    opts.today = jiff::civil::date(2026, 2, 1);
    let report = evaluate(&b, &file(vec![ok]), &file(vec![slow]), &opts).unwrap();
    assert_eq!(report.results[0].status, Status::Fail);
    assert!(report.notes.iter().any(|n| n.contains("expired")));
}

#[test]
fn new_and_missing_metrics_are_reported_not_failed() {
    let mut r = rule(0, "criterion/**");
    r.max_regression = Some(0.05);
    let report = evaluate(
        &budget(vec![r]),
        &file(vec![bench("criterion/old", 1.0, 1)]),
        &file(vec![bench("criterion/new", 1.0, 2)]),
        &EvalOptions::new(BaselineSource::Rerun),
    )
    .unwrap();
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!((report.summary.new, report.summary.missing), (1, 1));
}

fn runs(id: &str, unit: Unit, values: &[f64]) -> Metric {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Metric::new(id, unit, Direction::Lower, sorted[sorted.len() / 2])
        .with_samples(SampleKind::Runs, values.to_vec())
}

fn relative(glob: &str, fraction: f64) -> BudgetFile {
    let mut r = rule(0, glob);
    r.max_regression = Some(fraction);
    budget(vec![r])
}

const CLS: &str = "lighthouse/home/cumulative-layout-shift";
const TBT: &str = "lighthouse/home/total-blocking-time";

#[test]
fn zero_to_zero_is_no_change_and_passes_a_relative_rule() {
    let b = relative("lighthouse/**", 0.1);
    let opts = EvalOptions::new(BaselineSource::Store);
    let report = evaluate(
        &b,
        &file(vec![runs(CLS, Unit::Unitless, &[0.0, 0.0, 0.0])]),
        &file(vec![runs(CLS, Unit::Unitless, &[0.0, 0.0, 0.0])]),
        &opts,
    )
    .unwrap();
    let m = &report.results[0];
    assert_eq!((m.status, m.kind), (Status::Pass, Kind::Unchanged), "{m:?}");
    assert_eq!(m.rules[0].ok, Some(true));
    assert_eq!(m.change, Some(0.0));
    assert!(
        m.rules[0].message.as_deref().unwrap().contains("no change"),
        "{m:?}"
    );
}

#[test]
fn zero_to_a_visible_layout_shift_fails_measured_from_the_floor() {
    let b = relative("lighthouse/**", 0.1);
    let opts = EvalOptions::new(BaselineSource::Store);
    let report = evaluate(
        &b,
        &file(vec![runs(CLS, Unit::Unitless, &[0.0, 0.0, 0.0])]),
        &file(vec![runs(CLS, Unit::Unitless, &[0.2, 0.2, 0.21])]),
        &opts,
    )
    .unwrap();
    let m = &report.results[0];
    assert_eq!((m.status, report.verdict), (Status::Fail, Verdict::Fail));
    let msg = m.rules[0].message.as_deref().unwrap();
    assert!(msg.contains("floor 0.010"), "{msg}");
    // 0.2 against the 0.01 floor.
    assert!((m.change.unwrap() - 19.0).abs() < 1e-9, "{m:?}");
    assert!(m.details.noise.as_deref().unwrap().contains("floor"));
}

#[test]
fn changes_below_the_zero_floor_are_no_change_and_small_ones_above_it_are_not_failed() {
    let b = relative("lighthouse/**", 0.1);
    let opts = EvalOptions::new(BaselineSource::Store);
    // TBT 0 → a few ms: below the 10 ms floor on both sides.
    let report = evaluate(
        &b,
        &file(vec![runs(TBT, Unit::Milliseconds, &[0.0, 0.0, 4.0])]),
        &file(vec![runs(TBT, Unit::Milliseconds, &[3.0, 0.0, 9.5])]),
        &opts,
    )
    .unwrap();
    let m = &report.results[0];
    assert_eq!(
        (m.status, m.rules[0].ok),
        (Status::Pass, Some(true)),
        "{m:?}"
    );
    assert!(
        m.rules[0].message.as_deref().unwrap().contains("10.0 ms"),
        "{m:?}"
    );
    // 0 → 11 ms: +10 % of the floor, within twice the budget, so without a noise estimate
    // it is inconclusive rather than a false alarm.
    let report = evaluate(
        &b,
        &file(vec![runs(TBT, Unit::Milliseconds, &[0.0, 0.0, 0.0])]),
        &file(vec![runs(TBT, Unit::Milliseconds, &[11.0, 11.0, 11.0])]),
        &opts,
    )
    .unwrap();
    assert_eq!(report.results[0].status, Status::Inconclusive);
    assert_eq!(report.verdict, Verdict::Pass);
}

#[test]
fn negative_values_are_not_floored() {
    let b = relative("lighthouse/**", 0.1);
    let report = evaluate(
        &b,
        &file(vec![runs(CLS, Unit::Unitless, &[0.0, 0.1, 0.0])]),
        &file(vec![runs(CLS, Unit::Unitless, &[-0.5, 0.1, 0.0])]),
        &EvalOptions::new(BaselineSource::Store),
    )
    .unwrap();
    let m = &report.results[0];
    assert_eq!(m.status, Status::Inconclusive, "{m:?}");
    assert!(m.details.noise.as_deref().unwrap().contains("negative"));
}

#[test]
fn the_same_runs_on_both_sides_are_no_change_even_without_history() {
    let lcp = "lighthouse/home/largest-contentful-paint";
    let b = relative("lighthouse/**", 0.1);
    let report = evaluate(
        &b,
        &file(vec![runs(lcp, Unit::Milliseconds, &[905.0, 753.0, 901.0])]),
        &file(vec![runs(lcp, Unit::Milliseconds, &[901.0, 905.0, 753.0])]),
        &EvalOptions::new(BaselineSource::Store),
    )
    .unwrap();
    let m = &report.results[0];
    assert_eq!(
        (m.status, m.rules[0].ok),
        (Status::Pass, Some(true)),
        "{m:?}"
    );
    assert_eq!(m.method, "identical");
}

#[test]
fn lighthouse_runs_count_their_own_scatter_on_top_of_the_stored_run_to_run_noise() {
    // Calibration stores the run-to-run variance beyond the within-run part. When the runs
    // of one job scatter more than jobs differ, that is 0; the comparison must still see the
    // scatter of the 3 runs a side instead of calling a +15 % difference of means certain.
    let lcp = "lighthouse/home/largest-contentful-paint";
    let b = relative("lighthouse/**", 0.1);
    let mut opts = EvalOptions::new(BaselineSource::Store);
    opts.noise.insert(
        lcp.into(),
        crate::model::NoiseEstimate::run_to_run(0.0, 20.0, 21),
    );
    let base = [905.0, 753.0, 901.0];
    let head: Vec<f64> = [830.0, 1040.0, 1040.0].to_vec();
    let report = evaluate(
        &b,
        &file(vec![runs(lcp, Unit::Milliseconds, &base)]),
        &file(vec![runs(lcp, Unit::Milliseconds, &head)]),
        &opts,
    )
    .unwrap();
    let m = &report.results[0];
    assert_ne!(m.status, Status::Fail, "{m:?}");
    let [lo, hi] = m.ci.unwrap();
    assert!(
        lo < 0.0 && hi > 0.3,
        "the interval must show the scatter: {m:?}"
    );
    assert!(m
        .details
        .noise
        .as_deref()
        .unwrap()
        .contains("within-run variance of 3 vs 3 runs"));
    // A page that got three times slower is still caught.
    let slow: Vec<f64> = base.iter().map(|v| v * 3.0).collect();
    let report = evaluate(
        &b,
        &file(vec![runs(lcp, Unit::Milliseconds, &base)]),
        &file(vec![runs(lcp, Unit::Milliseconds, &slow)]),
        &opts,
    )
    .unwrap();
    assert_eq!(report.results[0].status, Status::Fail);
}

#[test]
fn single_values_without_history_say_no_noise_estimate() {
    let mut r = rule(0, "k6/**");
    r.max_regression = Some(0.05);
    let m = |v| {
        Metric::new(
            "k6/api/http_req_duration/p(95)",
            Unit::Milliseconds,
            Direction::Lower,
            v,
        )
    };
    let b = budget(vec![r]);
    let opts = EvalOptions::new(BaselineSource::Store);
    let small = evaluate(&b, &file(vec![m(100.0)]), &file(vec![m(104.0)]), &opts).unwrap();
    assert_eq!(small.results[0].status, Status::Inconclusive);
    assert!(small.results[0]
        .details
        .noise
        .as_deref()
        .unwrap()
        .contains("no noise estimate"));
    let far = evaluate(&b, &file(vec![m(100.0)]), &file(vec![m(130.0)]), &opts).unwrap();
    assert_eq!(far.results[0].status, Status::Fail);
    let mut history = EvalOptions::new(BaselineSource::Store);
    history.noise.insert(
        "k6/api/http_req_duration/p(95)".into(),
        crate::model::NoiseEstimate::run_to_run(0.0001, 29.0, 30),
    );
    let calibrated = evaluate(&b, &file(vec![m(100.0)]), &file(vec![m(112.0)]), &history).unwrap();
    assert_eq!(
        calibrated.results[0].status,
        Status::Fail,
        "{:?}",
        calibrated.results[0]
    );
}

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

/// Seeded standard normals (Box–Muller on a 64-bit LCG): no dependency for one test.
fn normals(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    move || {
        let (u, v) = (next(), next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// A rerun of `rounds` rounds of 20 samples a side on a machine whose speed moves by `round_sd`
/// (log scale) between the moments each side of each round ran, as a busy runner does.
fn noisy_rerun(
    ids: &[&str],
    slower: &[f64],
    rounds: u32,
    round_sd: f64,
    seed: u64,
) -> (ResultsFile, ResultsFile) {
    let mut z = normals(seed);
    let mut side = |id: &str, factor: f64| {
        let mut s = Vec::new();
        let mut r = Vec::new();
        for round in 1..=rounds {
            let machine = (round_sd * z()).exp();
            for _ in 0..20 {
                s.push(1000.0 * factor * machine * (0.03 * z()).exp());
                r.push(round);
            }
        }
        let mut m = Metric::new(id, Unit::Nanoseconds, Direction::Lower, 1000.0 * factor)
            .with_samples(SampleKind::Iterations, s);
        m.rounds = r;
        m
    };
    let base = file(ids.iter().map(|id| side(id, 1.0)).collect());
    let head = file(ids.iter().zip(slower).map(|(id, f)| side(id, *f)).collect());
    (base, head)
}

/// No row's printed interval contradicts its verdict: an interval wholly beyond the budget is a
/// failure, a failure's interval lies above the noise margin, and a pass "within budget" has an
/// upper bound below it.
fn assert_intervals_agree(report: &Report, budget: f64, margin: f64) {
    for r in &report.results {
        let Some([lo, hi]) = r.details.decision_ci else {
            continue;
        };
        let worse = |x: f64| match r.direction {
            Direction::Lower => x,
            Direction::Higher => 1.0 / (1.0 + x) - 1.0,
        };
        let (lo, hi) = {
            let (a, b) = (worse(lo), worse(hi));
            (a.min(b), a.max(b))
        };
        let change = worse(r.change.unwrap());
        if lo > budget {
            assert_eq!(r.status, Status::Fail, "{r:#?}");
        }
        if r.status == Status::Fail {
            assert!(lo > margin && change >= budget, "{r:#?}");
        }
        if r.status == Status::Inconclusive {
            assert!(lo <= margin || change < budget, "{r:#?}");
            assert!(hi >= budget, "{r:#?}");
        }
    }
}

#[test]
fn samples_of_one_round_are_never_taken_as_independent() {
    // One round of 100 samples a side, head's half of the round on a machine 12 % slower: a
    // sample-level test calls that certain. With one round nothing has shown how much rounds
    // vary, so it is no noise estimate, and 12 % is within 2× the budget: undecided, not failed.
    let b = relative("criterion/**", 0.05);
    let mk = |center: f64, seed: u64| one_round(bench("criterion/a", center, seed));
    let report = evaluate(
        &b,
        &file(vec![mk(100.0, 1)]),
        &file(vec![mk(112.0, 2)]),
        &EvalOptions::new(BaselineSource::Rerun),
    )
    .unwrap();
    let r = &report.results[0];
    assert_eq!(r.status, Status::Inconclusive, "{r:#?}");
    assert!(
        r.details
            .noise
            .as_deref()
            .unwrap()
            .contains("not independent"),
        "{r:#?}"
    );
}

#[test]
fn a_busy_machine_between_rounds_raises_no_false_alarm_at_any_round_count() {
    // 100 A/A reruns of three benchmarks at each round count, the machine's speed moving by
    // 8 % between the moments base and head ran. Identical code must not fail: at most a share
    // α of runs by chance (5 of 100), and here none of the rounds' own luck may be taken for a
    // change.
    let b = relative("criterion/**", 0.05);
    let ids = ["criterion/a", "criterion/b", "criterion/c"];
    for rounds in [1, 2, 3, 5] {
        let mut failed = 0;
        for seed in 0..100 {
            let (base, head) =
                noisy_rerun(&ids, &[1.0; 3], rounds, 0.08, seed * 31 + rounds as u64);
            let report =
                evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
            assert_intervals_agree(&report, 0.05, 0.01);
            if report.verdict == Verdict::Fail {
                failed += 1;
            }
        }
        eprintln!("{rounds} rounds: {failed} of 100 A/A reruns failed");
        assert!(
            failed <= 5,
            "{rounds} rounds: {failed} of 100 A/A reruns failed"
        );
    }
}

#[test]
fn a_real_slowdown_under_the_same_noise_never_passes_and_fails_on_a_quiet_machine() {
    let b = relative("criterion/**", 0.05);
    let ids = ["criterion/a", "criterion/b", "criterion/c"];
    for seed in 0..50 {
        let (base, head) = noisy_rerun(&ids, &[1.2, 1.0, 1.0], 3, 0.08, 1000 + seed);
        let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
        assert_intervals_agree(&report, 0.05, 0.01);
        let a = &report.results[0];
        assert_ne!(a.status, Status::Pass, "+20 % passed under noise: {a:#?}");
        // Quiet machine: 0.5 % between rounds; +20 % fails.
        let (base, head) = noisy_rerun(&ids, &[1.2, 1.0, 1.0], 3, 0.005, 2000 + seed);
        let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
        assert_eq!(
            report.results[0].status,
            Status::Fail,
            "{:#?}",
            report.results[0]
        );
        assert_eq!(report.summary.fail, 1);
    }
}

#[test]
fn a_noisy_machine_is_named_in_the_notes() {
    let b = relative("criterion/**", 0.05);
    let ids = ["criterion/a", "criterion/b", "criterion/c"];
    let (base, head) = noisy_rerun(&ids, &[1.0; 3], 5, 0.08, 7);
    let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
    assert!(
        report.notes.iter().any(|n| n.contains("machine was noisy")),
        "{:?}",
        report.notes
    );
    let (base, head) = noisy_rerun(&ids, &[1.0; 3], 5, 0.0, 7);
    let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
    assert!(
        !report.notes.iter().any(|n| n.contains("machine was noisy")),
        "{:?}",
        report.notes
    );
}

/// Two results files from separate jobs: 60 benchmarks, each drifting between jobs by
/// `drift_sd` (log scale), every benchmark of head shifted by `shift`, benchmark `i` of head
/// slower by `slower[i]`.
fn separate_jobs(
    drift_sd: f64,
    shift: f64,
    slower: &[(usize, f64)],
    seed: u64,
) -> (ResultsFile, ResultsFile) {
    let mut z = normals(seed);
    let mut base = Vec::new();
    let mut head = Vec::new();
    for i in 0..60 {
        let id = format!("criterion/bench{i:02}");
        let factor = slower
            .iter()
            .find(|(j, _)| *j == i)
            .map_or(1.0, |(_, f)| *f);
        for (side, level) in [
            (&mut base, (drift_sd * z() / 2f64.sqrt()).exp()),
            (
                &mut head,
                (drift_sd * z() / 2f64.sqrt() + shift).exp() * factor,
            ),
        ] {
            let samples: Vec<f64> = (0..100)
                .map(|_| 1000.0 * level * (0.03 * z()).exp())
                .collect();
            side.push(
                Metric::new(&id, Unit::Nanoseconds, Direction::Lower, 1000.0 * level)
                    .with_samples(SampleKind::Iterations, samples),
            );
        }
    }
    (file(base), file(head))
}

#[test]
fn separate_runs_without_history_judge_drift_from_the_run_itself() {
    let b = relative("criterion/**", 0.05);
    let opts = EvalOptions::new(BaselineSource::File);
    // Unchanged code, 1.5 % drift per benchmark between jobs and a 2 % faster runner: no
    // failure, and most benchmarks pass outright (with 3 % drift, a 5 % budget cannot be
    // certified from one pair of jobs: inconclusive, never failed).
    for seed in 0..10 {
        let drift = if seed < 5 { 0.015 } else { 0.03 };
        let (base, head) = separate_jobs(drift, -0.02, &[], 100 + seed);
        let report = evaluate(&b, &base, &head, &opts).unwrap();
        assert_eq!(
            report.verdict,
            Verdict::Pass,
            "{:#?}",
            report.failed().collect::<Vec<_>>()
        );
        let passed = report
            .results
            .iter()
            .filter(|r| r.id.starts_with("criterion/") && r.status == Status::Pass)
            .count();
        if drift < 0.02 {
            assert!(passed >= 45, "{passed} of 60 passed");
        }
        let shift = report
            .results
            .iter()
            .find(|r| r.id == separate::SHIFT_ID)
            .unwrap();
        assert_ne!(shift.status, Status::Fail, "{shift:#?}");
        assert_eq!(report.method.uncalibrated, 0);
        // Every benchmark row was judged against the run's null, relative to the shared shift.
        for r in report
            .results
            .iter()
            .filter(|r| r.id.starts_with("criterion/"))
        {
            assert_eq!(r.method, "empirical-null", "{r:#?}");
            assert!(
                r.details
                    .noise
                    .as_deref()
                    .is_some_and(|n| n.contains("empirical null") && n.contains("60 benchmarks")),
                "{r:#?}"
            );
            assert!(
                r.details.mwu_p.is_some(),
                "secondary statistics kept: {r:#?}"
            );
        }
    }
    // One benchmark 30 % slower: caught, by itself.
    let (base, head) = separate_jobs(0.03, 0.0, &[(7, 1.3)], 7);
    let report = evaluate(&b, &base, &head, &opts).unwrap();
    let failed: Vec<&str> = report.failed().map(|r| r.id.as_str()).collect();
    assert_eq!(failed, ["criterion/bench07"]);
    // Everything 12 % slower: no single benchmark stands out, but the shared shift fails.
    let (base, head) = separate_jobs(0.03, 0.12, &[], 8);
    let report = evaluate(&b, &base, &head, &opts).unwrap();
    let failed: Vec<&str> = report.failed().map(|r| r.id.as_str()).collect();
    assert_eq!(failed, [separate::SHIFT_ID], "{:#?}", report.results[0]);
}

#[test]
fn a_throughput_row_takes_its_time_rows_verdict_and_is_not_a_second_check() {
    let b = relative("criterion/**", 0.05);
    let throughput = |m: &Metric| {
        let mut t = Metric::new(
            format!("{}/throughput", m.id),
            Unit::BytesPerSecond,
            Direction::Higher,
            1e9 / m.value,
        )
        .with_samples(
            SampleKind::Iterations,
            m.samples.iter().map(|v| 1e9 / v).collect(),
        );
        t.rounds = m.rounds.clone();
        t
    };
    let mk = |ids: &[(&str, f64, u64)]| {
        let mut v = Vec::new();
        for (id, c, seed) in ids {
            let m = bench(id, *c, *seed);
            v.push(throughput(&m));
            v.push(m);
        }
        file(v)
    };
    let base = mk(&[("criterion/a", 100.0, 1), ("criterion/b", 100.0, 2)]);
    let head = mk(&[("criterion/a", 130.0, 3), ("criterion/b", 100.0, 4)]);
    let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
    assert_eq!(report.method.family, 2, "{:#?}", report.method);
    let status = |id: &str| report.results.iter().find(|r| r.id == id).unwrap();
    assert_eq!(status("criterion/a").status, Status::Fail);
    assert_eq!(status("criterion/a/throughput").status, Status::Fail);
    assert_eq!(status("criterion/a/throughput").q, status("criterion/a").q);
    assert_ne!(status("criterion/b/throughput").status, Status::Fail);
    assert!(report.notes.iter().any(|n| n.contains("reciprocal")));
    // A rule that names throughput makes it a check of its own.
    let mut r = rule(1, "criterion/**/throughput");
    r.max_regression = Some(0.05);
    let mut b2 = relative("criterion/**", 0.05);
    b2.budgets.push(r);
    let report = evaluate(&b2, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
    assert_eq!(report.method.family, 4);
}
