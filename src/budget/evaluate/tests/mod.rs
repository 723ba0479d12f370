//! Evaluation end to end on small hand-made results: rules, units, waivers, new and missing
//! metrics, the zero floor (here); error rates and few-runs metrics (`rates`); rounds, busy
//! machines and separate runs (`noise`).

mod noise;
mod rates;
mod round_defaults;

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
        gungraun: vec![],
        sizes: vec![],
        hyperfine: vec![],
        divan: vec![],
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
fn runs_of_separate_jobs_without_history_raise_the_margin_like_samples() {
    // Five Lighthouse runs a side from two jobs, no history: the runs' scatter is within each
    // job, and the shift between the jobs does not average out over them. A +2.5 % change with
    // tight runs is then no regression (the margin is 3 %, as for samples), and the report counts
    // the row as uncalibrated; a +12 % change still fails. In this job, interleaved, the
    // configured 1 % applies.
    const LCP: &str = "lighthouse/home/largest-contentful-paint";
    let b = relative("lighthouse/**", 0.05);
    let base = file(vec![runs(
        LCP,
        Unit::Milliseconds,
        &[1000.0, 1002.0, 998.0, 1001.0, 999.0],
    )]);
    let head = |f: f64| {
        file(vec![runs(
            LCP,
            Unit::Milliseconds,
            &[1000.0 * f, 1002.0 * f, 998.0 * f, 1001.0 * f, 999.0 * f],
        )])
    };
    let opts = EvalOptions::new(BaselineSource::Store);
    let small = evaluate(&b, &base, &head(1.025), &opts).unwrap();
    let row = &small.results[0];
    assert_ne!(row.kind, Kind::Regression, "{row:?}");
    assert_ne!(row.status, Status::Fail, "{row:?}");
    assert!(
        row.details
            .noise
            .as_deref()
            .unwrap()
            .contains("raised to 3"),
        "{row:?}"
    );
    assert_eq!(small.method.uncalibrated, 1);
    let large = evaluate(&b, &base, &head(1.12), &opts).unwrap();
    assert_eq!(
        large.results[0].status,
        Status::Fail,
        "{:?}",
        large.results[0]
    );
    let interleaved = evaluate(
        &b,
        &base,
        &head(1.025),
        &EvalOptions::new(BaselineSource::Rerun),
    )
    .unwrap();
    assert_eq!(interleaved.method.uncalibrated, 0);
    assert_eq!(
        interleaved.results[0].kind,
        Kind::Regression,
        "{:?}",
        interleaved.results[0]
    );
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

#[test]
fn exact_counts_decide_pass_or_fail_without_noise() {
    let exact = |id: &str, v: f64| {
        let mut m = Metric::new(id, Unit::Count, Direction::Lower, v);
        m.exact = true;
        m
    };
    let base = file(vec![
        exact("gungraun/a/Ir", 1000.0),
        exact("gungraun/b/Ir", 1000.0),
        exact("gungraun/c/Ir", 1000.0),
    ]);
    let head = file(vec![
        exact("gungraun/a/Ir", 1030.0),
        exact("gungraun/b/Ir", 1060.0),
        exact("gungraun/c/Ir", 990.0),
    ]);
    let mut r = rule(0, "gungraun/**");
    r.max_regression = Some(0.05);
    let report = evaluate(
        &budget(vec![r]),
        &base,
        &head,
        &EvalOptions::new(BaselineSource::File),
    )
    .unwrap();
    let row = |id: &str| report.results.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row("gungraun/a/Ir").status, Status::Pass, "+3 % within 5 %");
    assert_eq!(row("gungraun/a/Ir").kind, Kind::Regression);
    assert_eq!(row("gungraun/b/Ir").status, Status::Fail, "+6 % beyond 5 %");
    assert_eq!(row("gungraun/c/Ir").kind, Kind::Improvement);
    assert_eq!(row("gungraun/b/Ir").method, "exact");
    assert_eq!(report.summary.inconclusive, 0);
}

/// Seeded standard normals (Box–Muller on a 64-bit LCG): shared by the simulations of these tests.
pub(super) fn normals(seed: u64) -> impl FnMut() -> f64 {
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
