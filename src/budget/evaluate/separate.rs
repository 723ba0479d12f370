//! Separate runs without stored history: the drift between jobs, which within-run variance cannot
//! see, estimated from the run itself (`stats::empirical_null`), and the shift every benchmark
//! shares, judged as its own check so a uniform slowdown is never silently subtracted.

use std::collections::{BTreeMap, BTreeSet};

use crate::budget::BudgetFile;
use crate::model::{Dimension, Direction, Metric, ResultsFile, Unit};
use crate::report::format::{percent, percent_signed};
use crate::report::{Details, Kind, MetricResult, RuleOutcome, SideValue, Status};
use crate::stats::compare::{compare_samples, LogComparison};
use crate::stats::empirical_null::{
    separate_runs, BenchmarkEstimate, MACHINE_SHIFT_SD, MIN_BENCHMARKS,
};

use super::compare::{identical, many_samples, reciprocal_of_another, NullCheck, Pairing};
use super::{rules, Relative, Row, RunContext};

/// Id of the shared-shift check in the report.
pub(super) const SHIFT_ID: &str = "separate-runs/shared-shift";

/// A metric that may join the run's empirical null.
struct Candidate {
    id: String,
    /// The within-run comparison of its samples (none for single values).
    samples: Option<LogComparison>,
    input: BenchmarkEstimate,
    /// A single value whose harness printed no spread.
    no_spread: bool,
    /// Its relative budget and where that comes from.
    rule: Option<(f64, String)>,
}

/// Single values sorted by their spread only when every one has a spread: one without would
/// count as the quietest.
fn spread_for_all(mut values: Vec<Candidate>) -> Vec<Candidate> {
    if values.iter().any(|c| c.no_spread) {
        for c in &mut values {
            c.input.noise = 0.0;
        }
    }
    values
}

/// The empirical null of a run of separate jobs, and the check of its shared shift.
pub(super) struct SeparateNull {
    /// Each benchmark's check relative to the shared shift, by metric id.
    pub checks: BTreeMap<String, NullCheck>,
    /// The shift's row, ready to be decided on its own.
    pub shift_row: Option<Row>,
}

/// What a metric of separate runs with no stored history brings to the run's empirical null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Raw samples on both sides: each change with its within-run standard error.
    Samples,
    /// A single time a side from a benchmark harness (divan, libtest, Bencher Metric Format): no
    /// within-run error is known, so the spread of the run's changes stands for within-run noise
    /// and drift together.
    Values,
}

/// Harnesses whose single values are benchmarks, one measurement each: their times may form a
/// null. A k6 summary's or a Lighthouse report's values are many statistics of a few measurements
/// (p(90), p(95) and the mean of one request duration), not benchmarks that mostly did not
/// change independently; a BMF throughput is its latency again.
const SINGLE_VALUE_BENCHMARKS: [&str; 3] = ["divan/", "libtest/", "bmf/"];

/// A single-value benchmark's time.
fn benchmark_time(m: &Metric) -> bool {
    SINGLE_VALUE_BENCHMARKS.iter().any(|p| m.id.starts_with(p))
        && m.unit.dimension() == Dimension::Time
}

/// A single value's spread relative to it, as its harness printed it (`None` when it printed
/// none): libtest's `+/-` (the range of its winsorized per-iteration estimates) over the median,
/// divan's `ln(slowest/fastest)`, BMF's `ln(upper_value/lower_value)`. Only the order matters:
/// it sorts the run's single values into strata of similar noise.
fn relative_spread(m: &Metric) -> Option<f64> {
    let stat = |k: &str| m.stats.get(k).copied().filter(|v| v.is_finite());
    let log_range = |lo: Option<f64>, hi: Option<f64>| match (lo, hi) {
        (Some(lo), Some(hi)) if lo > 0.0 && hi >= lo => Some((hi / lo).ln()),
        _ => None,
    };
    let spread = if m.id.starts_with("libtest/") {
        stat("spread").map(|s| s / m.value)
    } else if m.id.starts_with("divan/") {
        log_range(stat("fastest"), stat("slowest"))
    } else {
        log_range(stat("lower_value"), stat("upper_value"))
    };
    spread.filter(|s| s.is_finite() && *s >= 0.0)
}

/// Whether (and how) a metric compared as separate runs with no stored history joins the null.
fn candidate(b: &Metric, h: &Metric, opts: &super::EvalOptions, run: &RunContext) -> Option<Class> {
    let positive = |m: &Metric| {
        m.samples.iter().all(|v| v.is_finite() && *v > 0.0) && m.value.is_finite() && m.value > 0.0
    };
    let comparable = matches!(run.pairing(&h.id, opts), Pairing::Separate { .. })
        && !opts.noise.contains_key(&h.id)
        && b.failure.is_none()
        && h.failure.is_none()
        && b.proportion.is_none()
        && h.proportion.is_none()
        && !(b.exact || h.exact)
        && b.unit.dimension() == h.unit.dimension()
        && positive(b)
        && positive(h)
        && identical(b, h).is_none();
    if !comparable {
        None
    } else if many_samples(b) && many_samples(h) {
        Some(Class::Samples)
    } else if b.samples.is_empty() && h.samples.is_empty() && benchmark_time(h) {
        Some(Class::Values)
    } else {
        None
    }
}

/// The run's empirical null over its separate-run benchmarks, or `None` when there are too few
/// of them (then each keeps the raised margin and says so).
pub(super) fn null(
    budget: &BudgetFile,
    base: &ResultsFile,
    head: &ResultsFile,
    ids: &BTreeSet<&str>,
    opts: &super::EvalOptions,
    run: &RunContext,
) -> Option<SeparateNull> {
    let settings = &budget.settings;
    let (mut with_samples, mut single_values) = (Vec::new(), Vec::new());
    for id in ids {
        let (Some(b), Some(h)) = (base.metric(id), head.metric(id)) else {
            continue;
        };
        let Some(class) = candidate(b, h, opts, run) else {
            continue;
        };
        if reciprocal_of_another(id, ids) {
            continue;
        }
        let applied = rules::applicable(&budget.budgets, id);
        let direction = applied
            .direction
            .and_then(|r| r.direction)
            .unwrap_or(h.direction);
        let (samples, input, no_spread) = match class {
            Class::Samples => {
                let orient = |m: &Metric| -> Vec<f64> {
                    m.samples.iter().map(|&v| direction.orient(v)).collect()
                };
                let Some(c) =
                    compare_samples(&orient(h), &orient(b), settings.noise, settings.alpha, None)
                else {
                    continue;
                };
                let input = BenchmarkEstimate::from_comparison(&c);
                (Some(c), input, false)
            }
            Class::Values => {
                let input = BenchmarkEstimate::single_values(
                    direction.orient(b.value),
                    direction.orient(h.value),
                );
                let spread = relative_spread(b).zip(relative_spread(h));
                let no_spread = spread.is_none();
                let input = spread.map_or(input, |(b, h)| input.with_spread(b.hypot(h)));
                (None, input, no_spread)
            }
        };
        let rule = applied.max_regression.map(|rule| {
            (
                rule.max_regression.unwrap_or(f64::INFINITY),
                rules::source(&budget.path.display().to_string(), rule),
            )
        });
        let to = match class {
            Class::Samples => &mut with_samples,
            Class::Values => &mut single_values,
        };
        to.push(Candidate {
            id: id.to_string(),
            samples,
            input,
            no_spread,
            rule,
        });
    }
    // One null per run: benchmarks with samples when there are enough of them, else single
    // values. Pooling the two would judge a single value (its within-run noise unknown, so part of
    // its drift) against the drift of benchmarks whose within-run error is known; and two nulls
    // would need two shared shifts.
    let chosen = if with_samples.len() >= MIN_BENCHMARKS {
        with_samples
    } else {
        spread_for_all(single_values)
    };
    let inputs: Vec<BenchmarkEstimate> = chosen.iter().map(|c| c.input).collect();
    let tightest = chosen
        .iter()
        .filter_map(|c| c.rule.clone())
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let runs = separate_runs(&inputs, MACHINE_SHIFT_SD, settings.alpha)?;
    let n = inputs.len();
    let mut checks: BTreeMap<String, NullCheck> = chosen
        .into_iter()
        .zip(runs.benchmarks)
        .map(|(c, check)| {
            (
                c.id,
                NullCheck {
                    check,
                    shift: runs.shift.log_ratio,
                    benchmarks: n,
                    samples: c.samples,
                },
            )
        })
        .collect();
    // A throughput row is its time row's measurement, oriented the same way: it is judged against
    // the time row's check (whether it mirrors that row's verdict or has a rule of its own).
    let mirrored: Vec<(String, NullCheck)> = ids
        .iter()
        .filter(|id| !checks.contains_key(**id))
        .filter_map(|id| {
            let time_row = super::compare::time_row_of(id)?;
            Some((id.to_string(), checks.get(time_row)?.clone()))
        })
        .collect();
    checks.extend(mirrored);
    let shift_row = tightest.and_then(|(budget_x, source)| {
        let comparison = runs.shift.comparison(settings.noise, settings.alpha)?;
        let change = comparison.change;
        let result = MetricResult {
            id: SHIFT_ID.into(),
            unit: Unit::Unitless,
            direction: Direction::Lower,
            base: Some(SideValue { value: 1.0, n }),
            head: Some(SideValue {
                value: runs.shift.log_ratio.exp(),
                n,
            }),
            change: Some(change),
            ci: Some([comparison.ci95.0, comparison.ci95.1]),
            p: Some(comparison.p_regression),
            q: None,
            status: Status::Pass,
            kind: Kind::Unknown,
            rules: vec![RuleOutcome {
                rule: format!("max-regression {}", percent(budget_x)),
                ok: None,
                source: Some(format!("{source}, the tightest relative budget of the run")),
                message: None,
                waived: None,
            }],
            method: comparison.method.to_string(),
            details: Details {
                mde: Some(comparison.mde),
                noise: Some(format!(
                    "the change all {n} benchmarks share between the two separate runs ({}), with {} runner-to-runner noise: a slower runner cannot be told from a change that touched everything, so the shift is judged on its own, never subtracted silently",
                    percent_signed(change),
                    percent(MACHINE_SHIFT_SD * std::f64::consts::SQRT_2)
                )),
                ..Details::default()
            },
            failure: None,
        };
        Some(Row {
            result,
            relative_rule: Some(0),
            budget: budget_x,
            relative: Relative::Tested {
                comparison,
                margin: settings.noise,
                decision: None,
            },
            own_family: true,
            names_throughput: false,
            mirror: None,
        })
    });
    Some(SeparateNull { checks, shift_row })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_stats(id: &str, value: f64, stats: &[(&str, f64)]) -> Metric {
        let mut m = Metric::new(id, Unit::Nanoseconds, Direction::Lower, value);
        m.stats = stats.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        m
    }

    #[test]
    fn each_harness_s_spread_is_read_relative_to_its_value() {
        // libtest's `+/-` over the median.
        let m = with_stats("libtest/parse", 200.0, &[("spread", 10.0)]);
        assert_eq!(relative_spread(&m), Some(0.05));
        // divan's slowest over fastest, and BMF's upper over lower bound, on the log scale.
        let m = with_stats(
            "divan/walltime/parse",
            100.0,
            &[("fastest", 90.0), ("slowest", 120.0)],
        );
        assert_eq!(relative_spread(&m), Some((120.0f64 / 90.0).ln()));
        let m = with_stats(
            "bmf/parse/latency",
            88.0,
            &[("lower_value", 87.4), ("upper_value", 88.9)],
        );
        assert_eq!(relative_spread(&m), Some((88.9f64 / 87.4).ln()));
        // Another harness's statistics are not read; missing or inverted bounds give none.
        assert_eq!(
            relative_spread(&with_stats("divan/a", 1.0, &[("spread", 0.1)])),
            None
        );
        let inverted = [("lower_value", 2.0), ("upper_value", 1.0)];
        assert_eq!(
            relative_spread(&with_stats("bmf/a/latency", 1.5, &inverted)),
            None
        );
        let zero = [("fastest", 0.0), ("slowest", 1.0)];
        assert_eq!(relative_spread(&with_stats("divan/a", 0.5, &zero)), None);
        assert_eq!(relative_spread(&with_stats("libtest/a", 1.0, &[])), None);
    }
}
