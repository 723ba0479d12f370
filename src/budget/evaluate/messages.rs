//! What the report says about each rule and about the run, in words.

use crate::model::{Direction, Environment, ResultsFile};
use crate::report::format::{p_value, percent, percent_signed};
use crate::report::{MetricResult, SideValue};
use crate::stats::compare::LogComparison;
use crate::stats::decision::Outcome;
use crate::stats::describe::OutlierCounts;

use super::compare::signed_change;

/// A relative rule's verdict (`None`: undecided) and message after the family's decision.
pub(super) fn relative(
    outcome: Outcome,
    budget: f64,
    cmp: &LogComparison,
    q: f64,
    result: &MetricResult,
) -> (Option<bool>, String) {
    let change = result.change.unwrap_or(0.0);
    // The interval the decision used, so that no message contradicts its own verdict.
    let ci = result
        .details
        .decision_ci
        .or(result.ci)
        .map(|[lo, hi]| format!(" [{}, {}]", percent_signed(lo), percent_signed(hi)))
        .unwrap_or_default();
    let est = format!("{}{ci}", percent_signed(change));
    match outcome {
        Outcome::Regression => (
            Some(false),
            format!(
                "{est} is a significant regression beyond the {} budget (q = {})",
                percent(budget),
                p_value(q)
            ),
        ),
        Outcome::RegressionWithinBudget => (
            Some(true),
            format!(
                "{est}: a significant regression, within the {} budget",
                percent(budget)
            ),
        ),
        Outcome::WithinBudget => (
            Some(true),
            format!("{est}: within the {} budget", percent(budget)),
        ),
        Outcome::Inconclusive => {
            let n = |s: &Option<SideValue>| s.map(|s| s.n).unwrap_or(0);
            let data = match (&result.details.rounds, cmp.method.on_samples()) {
                (Some(r), _) => format!("{} interleaved rounds", r.len()),
                (None, true) => format!("{} vs {} samples", n(&result.head), n(&result.base)),
                (None, false) if cmp.method == crate::stats::compare::Method::EmpiricalNull => {
                    "this run's drift between jobs".to_string()
                }
                (None, false) => format!("{} vs {} runs", n(&result.head), n(&result.base)),
            };
            (
                None,
                format!(
                    "{est}: inconclusive; with {data} the smallest change this can see is ~{}",
                    percent(cmp.mde)
                ),
            )
        }
    }
}

/// A relative rule on a metric whose two sides hold the same values.
pub(super) fn identical(what: &str, budget: f64) -> (Option<bool>, String) {
    (
        Some(true),
        format!("no change ({what}): within the {} budget", percent(budget)),
    )
}

/// A relative rule on exact counts: beyond the budget fails, within it passes; `worse` is the
/// change oriented so that positive is worse.
pub(super) fn exact(change: f64, budget: f64, worse: f64) -> (Option<bool>, String) {
    if worse > budget {
        (
            Some(false),
            format!(
                "{} on exact counts: beyond the {} budget",
                percent_signed(change),
                percent(budget)
            ),
        )
    } else {
        (
            Some(true),
            format!(
                "{} on exact counts: within the {} budget",
                percent_signed(change),
                percent(budget)
            ),
        )
    }
}

/// A relative rule with no noise estimate: it fails only beyond `factor ×` the budget, and never
/// without a factor (nothing bounds the noise at all).
pub(super) fn no_noise(
    change: f64,
    direction: Direction,
    budget: f64,
    factor: Option<f64>,
    floor: Option<&str>,
) -> (Option<bool>, String) {
    // `change` is head/base − 1; oriented, positive is worse.
    let worse = signed_change(change, direction);
    let floor = floor
        .map(|f| format!(", measured from the floor {f} (values below it count as {f})"))
        .unwrap_or_default();
    let Some(factor) = factor else {
        return (
            None,
            format!(
                "{}{floor} but no noise estimate: a single interleaved round cannot tell any change from the machine's own swings (run 2 or more rounds)",
                percent_signed(change)
            ),
        );
    };
    let far = factor * budget;
    if worse > far {
        (
            Some(false),
            format!(
                "{}{floor} with no noise estimate: fails because it is beyond {}× the budget ({})",
                percent_signed(change),
                factor,
                percent(far)
            ),
        )
    } else {
        (
            None,
            format!(
                "{}{floor} but no noise estimate (too few runs and no stored history): cannot tell a change below {} from noise",
                percent_signed(change),
                percent(far)
            ),
        )
    }
}

/// Why a relative rule could not compare the two sides.
pub(super) fn not_compared(base: &Option<SideValue>, head: &Option<SideValue>) -> String {
    match (base, head) {
        (None, _) => "new metric: nothing to compare with".into(),
        (_, None) => "missing in head".into(),
        _ => "not comparable".into(),
    }
}

/// Tukey outlier counts of both sides.
pub(super) fn outliers(head: OutlierCounts, base: OutlierCounts) -> String {
    format!(
        "head {} mild, {} severe; base {} mild, {} severe",
        head.low_mild + head.high_mild,
        head.low_severe + head.high_severe,
        base.low_mild + base.high_mild,
        base.low_severe + base.high_severe
    )
}

/// Base and head ran on different machines.
pub(super) fn machine_note(base: &Environment, head: &Environment) -> String {
    format!(
        "base and head ran on different machines ({} vs {}): run-to-run noise widened instead of blaming the PR",
        describe_machine(base),
        describe_machine(head)
    )
}

/// In a rerun, the metrics whose base came from the store ran on another machine.
pub(super) fn stored_machine_note(stored: &Environment, head: &Environment) -> String {
    format!(
        "metrics whose base came from the store ran on another machine ({} vs {}): their run-to-run noise is widened",
        describe_machine(stored),
        describe_machine(head)
    )
}

/// The rounds of a rerun varied far more than their samples predict, and by several percent.
pub(super) fn noisy_machine_note(round_sd: f64, inflation: f64, benchmarks: usize) -> String {
    format!(
        "the machine was noisy during this run: one round's change typically varied by ±{} from the next (×{inflation:.0} what the samples within a round predict; median over {benchmarks} benchmarks); verdicts rest on the round-to-round variance, so small changes may be inconclusive (more rounds or a quieter runner help)",
        percent(round_sd)
    )
}

fn describe_machine(env: &Environment) -> String {
    env.cpu_model
        .clone()
        .or_else(|| env.runner.clone())
        .or_else(|| env.os.clone())
        .unwrap_or_else(|| "unknown".into())
}

/// What the inputs themselves said: importer warnings and the tools' own thresholds crossed.
pub(super) fn input_notes(base: &ResultsFile, head: &ResultsFile) -> Vec<String> {
    let mut notes: Vec<String> = head.warnings.iter().map(|w| format!("head: {w}")).collect();
    notes.extend(base.warnings.iter().map(|w| format!("base: {w}")));
    for t in head.thresholds.iter().filter(|t| !t.ok) {
        notes.push(format!(
            "tool threshold crossed in head: {} {}",
            t.metric, t.expression
        ));
    }
    notes
}
