//! Which rules apply to a metric, the absolute rules (`max`, `min`) on the head's value, and
//! waivers.

use std::collections::BTreeSet;

use crate::budget::{BudgetFile, BudgetRule, UnmatchedPolicy, Waiver};
use crate::model::{Metric, Unit};
use crate::report::{MetricResult, RuleOutcome, Status};

use super::compare::robust_summary;

/// The rule keys that apply to one metric, each from the most specific block that sets it.
#[derive(Default)]
pub(super) struct Applied<'a> {
    pub max: Option<&'a BudgetRule>,
    pub min: Option<&'a BudgetRule>,
    pub max_regression: Option<&'a BudgetRule>,
    pub direction: Option<&'a BudgetRule>,
}

pub(super) fn applicable<'a>(rules: &'a [BudgetRule], id: &str) -> Applied<'a> {
    let mut applied = Applied::default();
    // Later blocks win ties, so iterate in file order and replace on `>=`.
    let better = |current: Option<&BudgetRule>, candidate: &BudgetRule| {
        current.is_none_or(|c| candidate.specificity() >= c.specificity())
    };
    for rule in rules.iter().filter(|r| r.matcher.is_match(id)) {
        if rule.max.is_some() && better(applied.max, rule) {
            applied.max = Some(rule);
        }
        if rule.min.is_some() && better(applied.min, rule) {
            applied.min = Some(rule);
        }
        if rule.max_regression.is_some() && better(applied.max_regression, rule) {
            applied.max_regression = Some(rule);
        }
        if rule.direction.is_some() && better(applied.direction, rule) {
            applied.direction = Some(rule);
        }
    }
    applied
}

/// A `[[budget]]` block whose glob matches no metric: an error, or a note under
/// `unmatched = "warn"`.
pub(super) fn check_unmatched(
    budget: &BudgetFile,
    ids: &BTreeSet<&str>,
    file: &str,
    problems: &mut Vec<String>,
    notes: &mut Vec<String>,
) {
    for rule in &budget.budgets {
        if !ids.iter().any(|id| rule.matcher.is_match(id)) {
            let what = format!(
                "[[budget]] metric = {:?} matches no metric{}",
                rule.metric,
                closest_id(&rule.metric, ids)
                    .map(|c| format!(" (did you mean {c:?}?)"))
                    .unwrap_or_default()
            );
            match budget.settings.unmatched {
                UnmatchedPolicy::Error => problems.push(budget.problem_at(
                    rule,
                    "metric",
                    &what,
                    Some("no metric of this run has an id this glob matches; `unmatched = \"warn\"` in [settings] makes it a note"),
                )),
                UnmatchedPolicy::Warn => {
                    notes.push(format!("{file}:{}: {what}", rule.location.line))
                }
            }
        }
    }
}

/// The waivers still in force today; each expired one is noted.
pub(super) fn active_waivers<'a>(
    budget: &'a BudgetFile,
    today: jiff::civil::Date,
    file: &str,
    notes: &mut Vec<String>,
) -> Vec<&'a Waiver> {
    budget
        .waivers
        .iter()
        .filter(|w| {
            let active = w.expires.is_none_or(|d| d >= today);
            if !active {
                notes.push(format!(
                    "waiver for {:?} ({file}:{}) expired on {}: it no longer applies",
                    w.metric,
                    w.location.line,
                    w.expires.map(|d| d.to_string()).unwrap_or_default()
                ));
            }
            active
        })
        .collect()
}

/// Notes for the waivers that match no metric of the run.
pub(super) fn unused_waivers(waivers: &[&Waiver], ids: &BTreeSet<&str>, file: &str) -> Vec<String> {
    waivers
        .iter()
        .filter(|w| !ids.iter().any(|id| w.matcher.is_match(id)))
        .map(|w| {
            format!(
                "waiver for {:?} ({file}:{}) matches no metric",
                w.metric, w.location.line
            )
        })
        .collect()
}

/// A failed metric that a waiver names passes; each failed rule says why.
pub(super) fn apply_waiver(result: &mut MetricResult, waivers: &[&Waiver], file: &str) {
    if let Some(w) = waivers.iter().find(|w| w.matcher.is_match(&result.id)) {
        for rule in result.rules.iter_mut().filter(|r| r.ok == Some(false)) {
            rule.ok = Some(true);
            rule.waived = Some(format!("{} ({file}:{})", w.reason, w.location.line));
        }
        result.status = Status::Pass;
    }
}

/// The absolute rules (`max`, `min`) on the head's robust summary. A limit that cannot be put
/// in the metric's unit is a configuration problem.
pub(super) fn absolute(
    budget: &BudgetFile,
    applied: &Applied,
    unit: Unit,
    id: &str,
    head: Option<&Metric>,
    file: &str,
    problems: &mut Vec<String>,
) -> Vec<RuleOutcome> {
    let mut outcomes = Vec::new();
    for (rule, is_max) in [(applied.max, true), (applied.min, false)] {
        let Some(rule) = rule else { continue };
        let Some(q) = (if is_max { &rule.max } else { &rule.min }) else {
            continue;
        };
        let limit = match q.in_unit(unit, id) {
            Ok(l) => l,
            Err(e) => {
                let key = if is_max { "max" } else { "min" };
                problems.push(budget.problem_at(rule, key, &e.to_string(), None));
                continue;
            }
        };
        let name = if is_max { "max" } else { "min" };
        // A bare number fits fractions, scores and counts, none of which can be negative: such
        // a `max` fails every value and such a `min` passes every one.
        if limit < 0.0 && matches!(unit, Unit::Fraction | Unit::Score | Unit::Count) {
            problems.push(format!(
                "{file}:{}: `{name}` = {} is below zero, but metric {id} is in {unit}, which cannot be negative; write a limit of zero or more",
                rule.location.line,
                crate::model::echo::echo(&q.text),
            ));
            continue;
        }
        let mut outcome = RuleOutcome {
            rule: format!("{name} {}", q.text),
            ok: None,
            source: Some(source(file, rule)),
            message: None,
            waived: None,
        };
        match head {
            Some(h) if h.failure.is_some() => {
                outcome.ok = Some(false);
                outcome.message = h.failure.clone();
            }
            Some(h) => {
                let value = robust_summary(h);
                let ok = if is_max {
                    value <= limit
                } else {
                    value >= limit
                };
                outcome.ok = Some(ok);
                let (v, l) = (h.unit.format(value), h.unit.format(limit));
                outcome.message = Some(match (is_max, ok) {
                    (true, true) => format!("{v} is within the limit {l}"),
                    (true, false) => format!("{v} exceeds the limit {l}"),
                    (false, true) => format!("{v} meets the minimum {l}"),
                    (false, false) => format!("{v} is below the minimum {l}"),
                });
            }
            None => {
                outcome.message = Some("no head measurement".into());
            }
        }
        outcomes.push(outcome);
    }
    outcomes
}

/// Where a rule comes from: `budgets.toml:12 (criterion/**)`.
pub(super) fn source(file: &str, rule: &BudgetRule) -> String {
    let name = std::path::Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    format!("{name}:{} ({})", rule.location.line, rule.metric)
}

fn closest_id<'a>(glob: &str, ids: &BTreeSet<&'a str>) -> Option<&'a str> {
    ids.iter()
        .map(|id| (strsim::jaro_winkler(glob, id), *id))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}
