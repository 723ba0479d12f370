//! Evaluation: every budget rule against base and head results, with the statistics of SPEC §7,
//! producing one [`Report`].
//!
//! Two phases. First each metric is compared on its own (relative comparison on the log scale,
//! absolute rules on the head's robust summary). Then the relative checks of the whole run form
//! one family: their p-values are adjusted together (Benjamini–Hochberg by default) and the
//! decision rule of the statistics notes is applied. Only then are statuses final.

use std::collections::{BTreeMap, BTreeSet};

use crate::budget::{BudgetFile, BudgetRule, CorrectionSetting, UnmatchedPolicy, Waiver};
use crate::model::{
    Dimension, Direction, Metric, NoiseMap, ResultsFile, SampleKind, TrendPoint, Unit,
};
use crate::report::format::{p_value, percent, percent_signed};
use crate::report::{
    Details, Kind, MethodInfo, MetricResult, Report, RuleOutcome, Side, SideValue, Status, Summary,
    Verdict, REPORT_SCHEMA,
};
use crate::stats::compare::{compare_runs, compare_samples, LogComparison, NoiseModel};
use crate::stats::decision::{decide, Outcome, RelativeCheck};
use crate::stats::multiple::Correction;

/// The least number of samples per side for a two-sample test on raw samples.
const MIN_SAMPLES: usize = 10;
/// Noise margin used when base and head come from different runs and no history calibrates the
/// comparison: within-run variance alone is known to be far too small (statistics notes §5).
const UNCALIBRATED_MARGIN: f64 = 0.03;
/// Run-to-run standard deviation assumed when base and head ran on different machines and no
/// history says better (CodSpeed measured 2.66 % between runs on hosted runners).
const MACHINE_SHIFT_SD: f64 = 0.02;

/// A configuration problem found while evaluating (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct EvalError {
    /// Every problem, each naming the budget file and line.
    pub problems: Vec<String>,
}

/// How base and head were obtained, which decides how much run-to-run noise to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineSource {
    /// Measured in the same job, interleaved (`check` rerun mode).
    Rerun,
    /// From the result store (another job, maybe another machine).
    Store,
    /// From a results file given by the user.
    File,
}

impl BaselineSource {
    fn as_str(self) -> &'static str {
        match self {
            BaselineSource::Rerun => "rerun",
            BaselineSource::Store => "store",
            BaselineSource::File => "file",
        }
    }
}

/// Inputs besides the budget and the two results files.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// How the base was obtained.
    pub baseline: BaselineSource,
    /// Run-to-run noise by metric id, from stored history.
    pub noise: NoiseMap,
    /// Stored trend of metrics, copied into the report for charts.
    pub history: BTreeMap<String, Vec<TrendPoint>>,
    /// Today, for waiver expiry.
    pub today: jiff::civil::Date,
    /// Inconclusive results fail (`--strict` or `settings.strict`).
    pub strict: bool,
    /// Metrics whose base came from the result store although the baseline is a rerun (k6,
    /// Lighthouse pages `check` cannot serve for the base): they are separate runs.
    pub stored_base: BTreeSet<String>,
    /// Where the stored run behind `stored_base` was measured (the base file's environment is
    /// the rerun's own).
    pub stored_environment: Option<crate::model::Environment>,
}

impl EvalOptions {
    /// Options for a comparison of two files with no history.
    pub fn new(baseline: BaselineSource) -> EvalOptions {
        EvalOptions {
            baseline,
            noise: NoiseMap::new(),
            history: BTreeMap::new(),
            today: jiff::Zoned::now().date(),
            strict: false,
            stored_base: BTreeSet::new(),
            stored_environment: None,
        }
    }
}

/// The rule keys that apply to one metric, each from the most specific block that sets it.
#[derive(Default)]
struct Applied<'a> {
    max: Option<&'a BudgetRule>,
    min: Option<&'a BudgetRule>,
    max_regression: Option<&'a BudgetRule>,
    direction: Option<&'a BudgetRule>,
}

fn applicable<'a>(rules: &'a [BudgetRule], id: &str) -> Applied<'a> {
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

/// Per-metric work carried from the first phase to the second.
struct Pending {
    result: MetricResult,
    comparison: Option<LogComparison>,
    /// Index into the relative-check family, when the metric has a relative rule.
    check: Option<usize>,
    /// Index into the descriptive family (metrics compared without a relative rule).
    descriptive: Option<usize>,
    /// The relative rule's position in `result.rules`.
    relative_rule: Option<usize>,
    /// Budget fraction of the relative rule.
    budget: f64,
    /// The change can only be judged against `no_noise_factor × budget` (no noise estimate).
    no_noise: bool,
    /// Both sides hold exactly the same values: no change, whatever the noise (the text says so).
    identical: Option<String>,
    /// Zero values were raised to this floor (already formatted) before comparing.
    floor: Option<String>,
}

/// Evaluates `budget` on `base` and `head`.
pub fn evaluate(
    budget: &BudgetFile,
    base: &ResultsFile,
    head: &ResultsFile,
    opts: &EvalOptions,
) -> Result<Report, EvalError> {
    let settings = &budget.settings;
    let file = budget.path.display().to_string();
    let mut problems = Vec::new();
    let mut notes = Vec::new();

    let ids: BTreeSet<&str> = base
        .metrics
        .iter()
        .chain(&head.metrics)
        .map(|m| m.id.as_str())
        .collect();

    for rule in &budget.budgets {
        if !ids.iter().any(|id| rule.matcher.is_match(id)) {
            let msg = format!(
                "{file}:{}: [[budget]] metric = {:?} matches no metric{}",
                rule.location.line,
                rule.metric,
                closest_id(&rule.metric, &ids)
                    .map(|c| format!(" (did you mean {c:?}?)"))
                    .unwrap_or_default()
            );
            match settings.unmatched {
                UnmatchedPolicy::Error => problems.push(msg),
                UnmatchedPolicy::Warn => notes.push(msg),
            }
        }
    }

    let waivers: Vec<&Waiver> = budget
        .waivers
        .iter()
        .filter(|w| {
            let active = w.expires.is_none_or(|d| d >= opts.today);
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
        .collect();

    let same_job = opts.baseline == BaselineSource::Rerun;
    let machine_shift = !same_job && base.environment.differs_from(&head.environment);
    // In a rerun, the metrics whose base came from the store ran on the stored run's machine.
    let stored_shift = same_job
        && !opts.stored_base.is_empty()
        && opts
            .stored_environment
            .as_ref()
            .is_some_and(|e| e.differs_from(&head.environment));
    if stored_shift {
        if let Some(e) = &opts.stored_environment {
            notes.push(format!(
                "metrics whose base came from the store ran on another machine ({} vs {}): their run-to-run noise is widened",
                describe_machine(e),
                describe_machine(&head.environment)
            ));
        }
    }
    if machine_shift {
        notes.push(format!(
            "base and head ran on different machines ({} vs {}): run-to-run noise widened instead of blaming the PR",
            describe_machine(&base.environment),
            describe_machine(&head.environment)
        ));
    }

    let round_prior = if same_job {
        round_prior(base, head)
    } else {
        None
    };
    let mut pending = Vec::new();
    let mut checks: Vec<RelativeCheck> = Vec::new();
    let mut descriptive: Vec<RelativeCheck> = Vec::new();
    // The noise margin each comparison was tested against (raised when uncalibrated), so that
    // the decision calls "regression within budget" and "improvement" on the same margin.
    let mut check_margins: Vec<f64> = Vec::new();
    let mut descriptive_margins: Vec<f64> = Vec::new();
    for id in &ids {
        let b = base.metric(id);
        let h = head.metric(id);
        let applied = applicable(&budget.budgets, id);
        let Some(any) = h.or(b) else { continue };
        let direction = applied
            .direction
            .and_then(|r| r.direction)
            .unwrap_or(any.direction);
        let mut result = MetricResult {
            id: id.to_string(),
            unit: any.unit,
            direction,
            base: b.map(side_value),
            head: h.map(side_value),
            change: None,
            ci: None,
            p: None,
            q: None,
            status: Status::Pass,
            kind: Kind::Unknown,
            rules: Vec::new(),
            method: "none".into(),
            details: Details::default(),
        };
        if let (Some(b), Some(h)) = (b, h) {
            if b.unit.dimension() != h.unit.dimension() {
                problems.push(format!(
                    "metric {id}: base is in {} but head in {}; they cannot be compared",
                    b.unit, h.unit
                ));
                continue;
            }
        }

        // Absolute rules on the head's robust summary.
        for (rule, is_max) in [(applied.max, true), (applied.min, false)] {
            let Some(rule) = rule else { continue };
            let Some(q) = (if is_max { &rule.max } else { &rule.min }) else {
                continue;
            };
            let unit = any.unit;
            let limit = match q.in_unit(unit, id) {
                Ok(l) => l,
                Err(e) => {
                    problems.push(format!("{file}:{}: {e}", rule.location.line));
                    continue;
                }
            };
            let name = if is_max { "max" } else { "min" };
            let mut outcome = RuleOutcome {
                rule: format!("{name} {}", q.text),
                ok: None,
                source: Some(source(&file, rule)),
                message: None,
                waived: None,
            };
            match h {
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
            result.rules.push(outcome);
        }

        let mut p = Pending {
            result,
            comparison: None,
            check: None,
            descriptive: None,
            relative_rule: None,
            budget: f64::INFINITY,
            no_noise: false,
            identical: None,
            floor: None,
        };

        // Relative comparison.
        let failure = h
            .and_then(|h| h.failure.clone())
            .or_else(|| b.and_then(|b| b.failure.clone()));
        if let Some(rule) = applied.max_regression {
            p.budget = rule.max_regression.unwrap_or(f64::INFINITY);
            p.relative_rule = Some(p.result.rules.len());
            p.result.rules.push(RuleOutcome {
                rule: format!("max-regression {}", percent(p.budget)),
                ok: None,
                source: Some(source(&file, rule)),
                message: None,
                waived: None,
            });
        }
        match (b, h, failure) {
            (_, _, Some(reason)) => {
                if let Some(i) = p.relative_rule {
                    p.result.rules[i].ok = Some(false);
                    p.result.rules[i].message = Some(reason);
                }
            }
            (Some(b), Some(h), None) => {
                let margin = settings.noise;
                // In a rerun, metrics whose base came from the store (k6, Lighthouse pages
                // `check` cannot serve for the base) get the separate-run treatment.
                let from_store = opts.stored_base.contains(*id);
                let measured_together = same_job && !from_store;
                let shifted = if same_job {
                    from_store && stored_shift
                } else {
                    machine_shift
                };
                let cmp = compare(
                    b,
                    h,
                    direction,
                    margin,
                    settings.alpha,
                    opts,
                    measured_together,
                    shifted,
                    round_prior,
                );
                match cmp {
                    Compared::Log(c, noise, used_margin) => {
                        p.result.change = Some(signed_change(c.change, direction));
                        p.result.ci = Some(signed_ci(c.ci95, direction));
                        p.result.p = Some(c.p_regression);
                        p.result.method = c.method.to_string();
                        p.result.details.mwu_p = c.mwu_p;
                        p.result.details.hl_change =
                            c.hl_shift.map(|s| signed_change(s, direction));
                        p.result.details.mde = Some(c.mde);
                        p.result.details.noise = Some(noise);
                        if let Some((ho, bo)) = c.outliers {
                            p.result.details.outliers = Some(format!(
                                "head {} mild, {} severe; base {} mild, {} severe",
                                ho.low_mild + ho.high_mild,
                                ho.low_severe + ho.high_severe,
                                bo.low_mild + bo.high_mild,
                                bo.low_severe + bo.high_severe
                            ));
                        }
                        let check = RelativeCheck {
                            p_regression: c.p_regression,
                            change: c.change,
                            upper_one_sided: c.upper_one_sided,
                            ci95: c.ci95,
                            budget: p.budget,
                        };
                        if p.relative_rule.is_some() {
                            p.check = Some(checks.len());
                            checks.push(check);
                            check_margins.push(used_margin);
                        } else {
                            p.descriptive = Some(descriptive.len());
                            descriptive.push(check);
                            descriptive_margins.push(used_margin);
                        }
                        p.comparison = Some(c);
                    }
                    Compared::NoNoise {
                        change,
                        method,
                        why,
                        floor,
                    } => {
                        p.result.change = Some(signed_change(change, direction));
                        p.result.method = method.into();
                        p.result.details.noise = Some(why);
                        p.no_noise = true;
                        p.floor = floor;
                    }
                    Compared::Identical { what } => {
                        p.result.change = Some(0.0);
                        p.result.ci = Some([0.0, 0.0]);
                        p.result.method = "identical".into();
                        p.result.kind = Kind::Unchanged;
                        p.result.details.noise = Some(
                            "identical values on both sides: no noise can hide a change".into(),
                        );
                        p.identical = Some(what);
                    }
                }
            }
            _ => {}
        }
        pending.push(p);
    }

    if !problems.is_empty() {
        return Err(EvalError { problems });
    }

    let correction = match settings.correction {
        CorrectionSetting::Bh => Correction::BenjaminiHochberg,
        CorrectionSetting::Holm => Correction::Holm,
        CorrectionSetting::None => Correction::None,
    };
    let decisions = decide_each(&checks, &check_margins, settings.alpha, correction);
    let described = decide_each(
        &descriptive,
        &descriptive_margins,
        settings.alpha,
        correction,
    );
    // The margin the report states: the one every relative check used, else the configured one
    // (some metrics calibrated by history, others raised; each says which in `details.noise`).
    let stated_margin = match check_margins.split_first() {
        Some((first, rest)) if rest.iter().all(|m| m == first) => *first,
        _ => settings.noise,
    };

    let mut results = Vec::with_capacity(pending.len());
    for mut p in pending {
        let decision = p
            .check
            .map(|i| &decisions[i])
            .or_else(|| p.descriptive.map(|i| &described[i]));
        if let Some(d) = decision {
            p.result.q = Some(d.q);
            p.result.kind = if d.improvement {
                Kind::Improvement
            } else if matches!(
                d.outcome,
                Outcome::Regression | Outcome::RegressionWithinBudget
            ) {
                Kind::Regression
            } else {
                Kind::Unchanged
            };
        }
        if let (Some(i), Some(d)) = (p.relative_rule, p.check.map(|i| &decisions[i])) {
            let change = p.result.change.unwrap_or(0.0);
            let (ok, message) = relative_message(
                d.outcome,
                change,
                p.budget,
                p.comparison.as_ref(),
                d.q,
                &p.result,
            );
            let rule = &mut p.result.rules[i];
            rule.ok = ok;
            rule.message = Some(message);
        } else if let (Some(i), Some(what)) = (p.relative_rule, &p.identical) {
            let rule = &mut p.result.rules[i];
            rule.ok = Some(true);
            rule.message = Some(format!(
                "no change ({what}): within the {} budget",
                percent(p.budget)
            ));
        } else if let (Some(i), true) = (p.relative_rule, p.no_noise) {
            let change = p.result.change.unwrap_or(0.0);
            let worse = worse_change(change, p.result.direction);
            let far = settings.no_noise_factor * p.budget;
            let floor = p
                .floor
                .as_ref()
                .map(|f| format!(", measured from the floor {f} (values below it count as {f})"))
                .unwrap_or_default();
            let rule = &mut p.result.rules[i];
            if worse > far {
                rule.ok = Some(false);
                rule.message = Some(format!(
                    "{}{floor} with no noise estimate: fails because it is beyond {}× the budget ({})",
                    percent_signed(change),
                    settings.no_noise_factor,
                    percent(far)
                ));
            } else {
                rule.message = Some(format!(
                    "{}{floor} but no noise estimate (too few runs and no stored history): cannot tell a change below {} from noise",
                    percent_signed(change),
                    percent(far)
                ));
            }
        } else if let Some(i) = p.relative_rule {
            if p.result.rules[i].ok.is_none() && p.result.rules[i].message.is_none() {
                p.result.rules[i].message = Some(match (&p.result.base, &p.result.head) {
                    (None, _) => "new metric: nothing to compare with".into(),
                    (_, None) => "missing in head".into(),
                    _ => "not comparable".into(),
                });
            }
        }

        p.result.status = status_of(&p.result);
        if p.result.status == Status::Fail {
            if let Some(w) = waivers.iter().find(|w| w.matcher.is_match(&p.result.id)) {
                for rule in p.result.rules.iter_mut().filter(|r| r.ok == Some(false)) {
                    rule.ok = Some(true);
                    rule.waived = Some(format!("{} ({file}:{})", w.reason, w.location.line));
                }
                p.result.status = Status::Pass;
            }
        }
        results.push(p.result);
    }

    for w in &waivers {
        if !ids.iter().any(|id| w.matcher.is_match(id)) {
            notes.push(format!(
                "waiver for {:?} ({file}:{}) matches no metric",
                w.metric, w.location.line
            ));
        }
    }
    notes.extend(head.warnings.iter().map(|w| format!("head: {w}")));
    notes.extend(base.warnings.iter().map(|w| format!("base: {w}")));
    for t in head.thresholds.iter().filter(|t| !t.ok) {
        notes.push(format!(
            "tool threshold crossed in head: {} {}",
            t.metric, t.expression
        ));
    }

    let history = opts
        .history
        .iter()
        .filter(|(id, _)| {
            results
                .iter()
                .any(|r| &r.id == *id && (r.status == Status::Fail || r.kind == Kind::Regression))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();

    let mut report = Report {
        schema: REPORT_SCHEMA.into(),
        verdict: Verdict::Pass,
        base: Side {
            commit: base.commit.clone(),
        },
        head: Side {
            commit: head.commit.clone(),
        },
        summary: Summary::default(),
        results,
        notes,
        method: MethodInfo {
            alpha: settings.alpha,
            noise: stated_margin,
            correction: match settings.correction {
                CorrectionSetting::Bh => "bh",
                CorrectionSetting::Holm => "holm",
                CorrectionSetting::None => "none",
            }
            .into(),
            baseline: opts.baseline.as_str().into(),
            family: checks.len(),
            strict: opts.strict || settings.strict,
        },
        history,
    };
    report.finish();
    Ok(report)
}

/// [`decide`] over the whole family (one adjustment), each check judged against the noise
/// margin its p-value was computed with.
fn decide_each(
    checks: &[RelativeCheck],
    margins: &[f64],
    alpha: f64,
    correction: Correction,
) -> Vec<crate::stats::decision::Decision> {
    let mut distinct: Vec<f64> = Vec::new();
    for m in margins {
        if !distinct.contains(m) {
            distinct.push(*m);
        }
    }
    let by_margin: Vec<_> = distinct
        .iter()
        .map(|&m| decide(checks, alpha, m, correction))
        .collect();
    margins
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let which = distinct.iter().position(|d| d == m).unwrap_or(0);
            by_margin[which][i]
        })
        .collect()
}

enum Compared {
    /// A comparison, where its noise estimate came from, and the noise margin it tested against.
    Log(LogComparison, String, f64),
    NoNoise {
        change: f64,
        method: &'static str,
        why: String,
        /// The zero floor the values were raised to, formatted, when there was one.
        floor: Option<String>,
    },
    /// Exactly the same values on both sides (`what` describes them, e.g. "0 → 0").
    Identical { what: String },
}

/// The smallest amount of a metric that matters, in the metric's unit, used when a side holds
/// zeros and so cannot be compared on the log scale.
///
/// Lighthouse's total blocking time and cumulative layout shift, k6's TLS handshake time on plain
/// HTTP, an error rate that was clean: zero is a common, legitimate value, and a ratio against
/// zero is undefined. Rather than give up ("inconclusive", which hides a 0 → 0.2 CLS jump) or call
/// every 0 → tiny change an infinite regression (a false alarm on the next 1 ms of TBT), relative
/// rules on zero-valued metrics compare on an absolute floor: every value below the floor counts
/// as the floor, so the change is measured as `max(head, floor) / max(base, floor) − 1`.
/// 0 → 0 (or 0 → anything below the floor) is then no change; 0 → 0.2 CLS against a 0.01 floor is
/// +1900 %, which fails a relative budget. The floors are "the least a user could notice":
/// 10 ms of time (below a frame; TBT and k6 connection phases jitter by that much), 0.01 of a
/// plain number (CLS; 1/10 of Lighthouse's "good" limit of 0.1) or a score (one Lighthouse
/// point), 0.1 % of a fraction (error rates), one count, 1 KiB of data, 1 KiB/s and 1/s.
fn zero_floor(unit: Unit) -> f64 {
    match unit.dimension() {
        Dimension::Time => 1e7 / unit.to_base(),
        Dimension::Bytes | Dimension::ByteRate => 1024.0,
        Dimension::Rate => 1.0,
        Dimension::Fraction if unit == Unit::Fraction => 0.001,
        Dimension::Fraction => 0.01,
        Dimension::Number if unit == Unit::Count => 1.0,
        Dimension::Number => 0.01,
    }
}

/// Every value of a metric: its samples, or its single value.
fn values(m: &Metric) -> Vec<f64> {
    if m.samples.is_empty() {
        vec![m.value]
    } else {
        m.samples.clone()
    }
}

/// The metric with every value below `floor` raised to it.
fn floored(m: &Metric, floor: f64) -> Metric {
    let mut m = m.clone();
    m.value = m.value.max(floor);
    for v in &mut m.samples {
        *v = v.max(floor);
    }
    m
}

/// Exactly the same measurements on both sides (the same summary and the same samples, in any
/// order): nothing changed, so no noise model is needed to say so. Describes them for the report.
/// This is what a PR that does not touch the measured code sees when the tool's output is
/// deterministic (byte weights, counts, a CLS of 0) or when the same reports are checked twice.
fn identical(base: &Metric, head: &Metric) -> Option<String> {
    let sorted = |m: &Metric| {
        let mut v = m.samples.clone();
        v.sort_by(f64::total_cmp);
        v
    };
    let finite = |m: &Metric| m.value.is_finite() && m.samples.iter().all(|v| v.is_finite());
    if !(finite(base) && finite(head) && base.value == head.value && sorted(base) == sorted(head)) {
        return None;
    }
    let v = base.unit.format(base.value);
    Some(if base.samples.iter().all(|&s| s == base.value) {
        format!("{v} → {v}")
    } else {
        format!("the same {} values on both sides", base.samples.len())
    })
}

#[allow(clippy::too_many_arguments)]
fn compare(
    base: &Metric,
    head: &Metric,
    direction: Direction,
    margin: f64,
    alpha: f64,
    opts: &EvalOptions,
    same_job: bool,
    machine_shift: bool,
    round_prior: Option<f64>,
) -> Compared {
    if let Some(what) = identical(base, head) {
        return Compared::Identical { what };
    }
    if let (Some(_), Some(_)) = (base.proportion, head.proportion) {
        let history = opts.noise.get(&head.id);
        if let Some(c) = compare_proportions(base, head, direction, margin, alpha, history) {
            return c;
        }
    }
    let positive = |m: &Metric| m.samples.iter().all(|&v| v > 0.0) && m.value > 0.0;
    if positive(base) && positive(head) {
        return compare_positive(
            base,
            head,
            direction,
            margin,
            alpha,
            opts,
            same_job,
            machine_shift,
            round_prior,
        );
    }
    let usable = |m: &Metric| values(m).iter().all(|v| v.is_finite() && *v >= 0.0);
    if !usable(base) || !usable(head) {
        return Compared::NoNoise {
            change: ratio_change(base.value, head.value, direction),
            method: "none",
            why: "values are negative or not numbers: no log-scale comparison".into(),
            floor: None,
        };
    }
    // Zeros: compare on the absolute floor (see `zero_floor`).
    let floor = zero_floor(head.unit);
    let (fb, fh) = (floored(base, floor), floored(head, floor));
    let shown = head.unit.format(floor);
    if identical(&fb, &fh).is_some() {
        let fmt = |m: &Metric| head.unit.format(robust_summary(m));
        return Compared::Identical {
            what: format!(
                "{} → {}, both at or below the floor {shown}",
                fmt(base),
                fmt(head)
            ),
        };
    }
    // History calibrates ln(value) of runs without zeros; it says nothing about how often a
    // metric flips between zero and a small value, so the floored comparison stands on the runs'
    // own variance or, with too few runs, on the no-noise rule.
    let runs = |m: &Metric| -> Vec<f64> {
        values(m)
            .iter()
            .map(|&v| direction.orient(v.max(floor)))
            .collect()
    };
    let (hr, br) = (runs(&fh), runs(&fb));
    if let Some(c) = compare_runs(&hr, &br, margin, alpha, None) {
        let why = format!(
            "zero values: compared with values below the floor {shown} counted as {shown}; variance of {} vs {} runs",
            hr.len(),
            br.len()
        );
        return Compared::Log(c, why, margin);
    }
    Compared::NoNoise {
        change: ratio_change(robust_summary(&fb), robust_summary(&fh), direction),
        method: "floor",
        why: format!(
            "no noise estimate: zero values, compared with values below the floor {shown} counted as {shown} ({} vs {} runs)",
            hr.len(),
            br.len()
        ),
        floor: Some(shown),
    }
}

/// An error rate (k6 `http_req_failed`, `checks`) compared as two proportions on the request
/// counts behind it (SPEC §7), not as a log-ratio of two single values that carry no noise.
///
/// The budget keeps its meaning for every metric: `max-regression = "10%"` on a rate is a
/// relative change of the rate, measured, like every zero-valued metric, from the zero floor of
/// fractions (0.1 %): 1 % → 1.2 % failed requests is +20 %, 0 % → 0.05 % is no change (both at or
/// below the floor), 0 % → 1 % is +900 %. Which way is worse follows the metric's direction:
/// for `checks` (a pass rate, higher is better) the change is that of the pass rate.
///
/// When the base's rate is at or above the floor, the change is a ratio of rates and is tested
/// as one: the Farrington–Manning score test of `H0: ratio ≤ 1 + δ` (for a pass rate, `≥ 1/(1+δ)`)
/// and its inverted interval, so both sides' uncertainty counts. Below the floor the base counts
/// as the floor and the change is a difference from it: the score test of `H0: p_head − p_base ≤ m`
/// (`m` the increase at which the change is δ; Fisher's exact test for sparse tables), with
/// Newcombe's interval of the difference mapped through the change. Either way "significant"
/// means what it means for every other metric (beyond δ, after Benjamini–Hochberg over the run).
///
/// Requests are not independent trials when failures come in bursts (a dependency that is down
/// for twenty seconds): the counts then vary far more than a binomial, and a test that trusts them
/// cries wolf. The base's over-dispersion — from the k6 stream's 10 s windows, else from the
/// stored runs on main — divides both sides' counts and puts the test on Student's t with its
/// degrees of freedom. Never the head's: a burst of failures the PR causes is evidence against
/// it, not noise that excuses it. With neither, the requests are taken as independent, as the
/// report says.
fn compare_proportions(
    base_metric: &Metric,
    head_metric: &Metric,
    direction: Direction,
    margin: f64,
    alpha: f64,
    history: Option<&crate::model::NoiseEstimate>,
) -> Option<Compared> {
    use crate::stats::proportions::{
        difference_interval, ratio_interval, ratio_p, two_proportions_dispersed, Dispersion,
    };
    let (base, head) = (base_metric.proportion?, head_metric.proportion?);
    if base.total == 0
        || head.total == 0
        || base.failures > base.total
        || head.failures > head.total
    {
        return None;
    }
    let unit = head_metric.unit;
    let windows = base_metric
        .overdispersion
        .filter(|o| o.factor.is_finite() && o.factor >= 0.0 && o.df > 0.0)
        .map(|o| Dispersion {
            factor: o.factor.max(1.0),
            df: o.df,
        });
    let stored = history.and_then(|n| stored_dispersion(n, base, direction));
    let dispersion = windows.or(stored.map(|s| s.0)).unwrap_or(Dispersion::NONE);
    let floor = zero_floor(unit);
    let fail_b = base.failures as f64 / base.total as f64;
    let fail_h = head.failures as f64 / head.total as f64;
    // The metric's own value for a failure rate, and the oriented relative change (worse > 0)
    // of a head whose failure rate is `fail`.
    let value_of = |fail: f64| match direction {
        Direction::Lower => fail.clamp(0.0, 1.0),
        Direction::Higher => (1.0 - fail).clamp(0.0, 1.0),
    };
    let change_at = |fail: f64| {
        if !fail.is_finite() {
            return f64::NAN;
        }
        let (vb, vh) = (value_of(fail_b).max(floor), value_of(fail).max(floor));
        match direction {
            Direction::Lower => vh / vb - 1.0,
            Direction::Higher => vb / vh - 1.0,
        }
    };
    let change = change_at(fail_h);
    // The events whose rate is the metric's value: failures, or passes for a pass rate.
    let events = |p: crate::model::Proportion| match direction {
        Direction::Lower => p.failures,
        Direction::Higher => p.total.saturating_sub(p.failures),
    };
    let vb = value_of(fail_b);
    // The failure-rate increase at which the relative change is exactly δ.
    let vf = vb.max(floor);
    let m = match direction {
        Direction::Lower => vf * (1.0 + margin) - fail_b,
        Direction::Higher => vb - vf / (1.0 + margin),
    };
    let m = m.clamp(0.0, 0.999_999);
    let (test_name, p, ci95, upper) = if events(base) > 0 && vb > 0.0 {
        // The change as a function of the ratio r = value_head / value_base, both values
        // counted from the floor: the same relative change as `change_at`, continuous as the
        // base's rate crosses the floor.
        let change_of = |r: f64| {
            if !r.is_finite() {
                return f64::NAN;
            }
            let vh = (r * vb).max(floor);
            match direction {
                Direction::Lower => vh / vf - 1.0,
                Direction::Higher => vf / vh - 1.0,
            }
        };
        let (eh, eb) = (events(head), events(base));
        // The ratio at which the change is exactly δ.
        let (theta, greater) = match direction {
            Direction::Lower => ((1.0 + margin) * vf / vb, true),
            Direction::Higher => (vf / ((1.0 + margin) * vb), false),
        };
        let p = ratio_p(eh, head.total, eb, base.total, theta, greater, dispersion)?;
        let (l95, u95) = ratio_interval(eh, head.total, eb, base.total, 0.95, dispersion)?;
        let (l1, u1) = ratio_interval(
            eh,
            head.total,
            eb,
            base.total,
            1.0 - 2.0 * alpha,
            dispersion,
        )?;
        let (ci95, upper) = match direction {
            Direction::Lower => ((change_of(l95), change_of(u95)), change_of(u1)),
            Direction::Higher => ((change_of(u95), change_of(l95)), change_of(l1)),
        };
        ("ratio score test", p, ci95, upper)
    } else {
        let (hf, hn, bf, bn) = (head.failures, head.total, base.failures, base.total);
        let test = two_proportions_dispersed(hf, hn, bf, bn, m, dispersion)?;
        let ci95 = difference_interval(hf, hn, bf, bn, 0.95, dispersion)?;
        let one_sided = difference_interval(hf, hn, bf, bn, 1.0 - 2.0 * alpha, dispersion)?;
        let name = if test.method == "fisher-exact" {
            "Fisher exact test"
        } else {
            "score test of the difference"
        };
        (
            name,
            test.p,
            (change_at(fail_b + ci95.0), change_at(fail_b + ci95.1)),
            change_at(fail_b + one_sided.1),
        )
    };
    // Smallest detectable change: the failure-rate increase found with 80 % power at level α
    // beyond the margin, at the base's rate (or the floor), with the dispersion.
    let p0 = fail_b.max(floor).min(0.5);
    let se0 =
        (dispersion.factor * p0 * (1.0 - p0) * (1.0 / head.total as f64 + 1.0 / base.total as f64))
            .sqrt();
    let z =
        crate::stats::dist::normal_quantile(1.0 - alpha) + crate::stats::dist::normal_quantile(0.8);
    let mde = change_at((fail_b + m + z * se0).min(1.0));
    let log_ratio = change.ln_1p();
    let c = LogComparison {
        method: "two-proportions",
        log_ratio,
        se: ((upper.ln_1p() - log_ratio) / crate::stats::dist::normal_quantile(1.0 - alpha))
            .max(0.0),
        df: dispersion.df,
        change,
        ci95,
        upper_one_sided: upper,
        p_regression: p,
        mde,
        mwu_p: None,
        hl_shift: None,
        outliers: None,
    };
    let what = match direction {
        Direction::Lower => "failed",
        Direction::Higher => "not passed",
    };
    let dispersed = match (windows, stored) {
        (Some(d), _) if d.factor > 1.0 => format!(
            "; base failures over-dispersed across {:.0} windows of 10 s (×{:.1} the binomial variance): counts divided by {:.1}",
            d.df + 1.0,
            d.factor,
            d.factor
        ),
        (Some(_), _) => "; the base's 10 s windows show no over-dispersion".into(),
        (None, Some((d, runs))) if d.factor > 1.0 => format!(
            "; the rate varies ×{:.1} more than coin flips over {runs} stored runs: counts divided by {:.1}",
            d.factor, d.factor
        ),
        (None, Some((_, runs))) => format!("; {runs} stored runs show no over-dispersion"),
        (None, None) => {
            "; requests taken as independent (no window rates or stored runs to check for bursts)"
                .into()
        }
    };
    let why = format!(
        "two proportions: {} of {} {what} in head vs {} of {} in base ({test_name}; rates below the floor {} count as {}{dispersed})",
        head.failures,
        head.total,
        base.failures,
        base.total,
        unit.format(floor),
        unit.format(floor)
    );
    Some(Compared::Log(c, why, margin))
}

/// Over-dispersion of a rate from its stored run-to-run noise (a summary alone has no windows):
/// calibration stores the variance `σ²` of `ln(value)` over the stored runs, where the value is
/// the failure rate (`http_req_failed`) or the pass rate (`checks`, higher is better). For
/// single values a run (a summary, the only case this is used for: a base with a stream brings
/// its own windows) nothing was subtracted from that variance, so it holds the binomial part
/// too and `φ = max(1, …)` is the quasi-binomial factor. The
/// variance of the value is then `v² σ²`, against the binomial variance of one run of the base's
/// size, `p (1 − p) / n` (the same for a rate and its complement). Returns the factor (at least
/// 1) and the runs behind it; `None` with fewer than 5 degrees of freedom or a rate of 0 or 1.
fn stored_dispersion(
    noise: &crate::model::NoiseEstimate,
    base: crate::model::Proportion,
    direction: Direction,
) -> Option<(crate::stats::proportions::Dispersion, usize)> {
    let p = base.failures as f64 / base.total as f64;
    if !(p > 0.0 && p < 1.0) || noise.df < 5.0 || !noise.log_var.is_finite() {
        return None;
    }
    let v = match direction {
        Direction::Lower => p,
        Direction::Higher => 1.0 - p,
    };
    let phi = v * v * noise.log_var * base.total as f64 / (p * (1.0 - p));
    phi.is_finite().then_some((
        crate::stats::proportions::Dispersion {
            factor: phi.max(1.0),
            df: noise.df,
        },
        noise.runs,
    ))
}

/// [`compare`] for metrics whose values are all positive.
#[allow(clippy::too_many_arguments)]
fn compare_positive(
    base: &Metric,
    head: &Metric,
    direction: Direction,
    margin: f64,
    alpha: f64,
    opts: &EvalOptions,
    same_job: bool,
    machine_shift: bool,
    round_prior: Option<f64>,
) -> Compared {
    let orient =
        |m: &Metric| -> Vec<f64> { m.samples.iter().map(|&v| direction.orient(v)).collect() };
    let history = opts.noise.get(&head.id);
    let many = |m: &Metric| {
        m.samples.len() >= MIN_SAMPLES
            && matches!(
                m.sample_kind,
                Some(SampleKind::Iterations) | Some(SampleKind::Windows)
            )
    };
    if many(base) && many(head) {
        let mut extra_var = 0.0;
        let mut df = f64::INFINITY;
        let mut label = Vec::new();
        let mut margin = margin;
        if same_job {
            if let Some((v, d)) = round_noise(base, head, direction, round_prior) {
                extra_var += v;
                df = d;
                let rounds = head.rounds.iter().collect::<BTreeSet<_>>().len();
                label.push(format!(
                    "round-to-round variance of {rounds} interleaved rounds{}",
                    if round_prior.is_some() {
                        ", moderated by the run's other benchmarks"
                    } else {
                        ""
                    }
                ));
            } else {
                label.push("within-run (same job, interleaved)".to_string());
            }
        } else if let Some(n) = history {
            extra_var += 2.0 * n.log_var;
            df = n.df;
            label.push(format!(
                "within-run + run-to-run variance from {} stored runs",
                n.runs
            ));
        } else {
            margin = margin.max(UNCALIBRATED_MARGIN);
            label.push(format!(
                "within-run only, uncalibrated (no stored history): noise margin raised to {}",
                percent(margin)
            ));
        }
        if machine_shift {
            extra_var += 2.0 * MACHINE_SHIFT_SD * MACHINE_SHIFT_SD;
            label.push("widened for a machine change".into());
        }
        let noise = NoiseModel {
            extra_var,
            df,
            source: label.join("; "),
        };
        let model = (extra_var > 0.0).then_some(&noise);
        if let Some(c) = compare_samples(&orient(head), &orient(base), margin, alpha, model) {
            return Compared::Log(c, noise.source, margin);
        }
    }

    // Few runs or single values: the run-to-run variance must come from history.
    let runs = |m: &Metric| -> Vec<f64> {
        if m.samples.is_empty() || m.sample_kind == Some(SampleKind::Iterations) {
            vec![direction.orient(m.value)]
        } else {
            orient(m)
        }
    };
    let (hr, br) = (runs(head), runs(base));
    // Both sides measured in this job, alternating (`check` runs Lighthouse on base and head
    // ABBA when it can serve both): the job-level shift that separate jobs carry is shared, so
    // only the scatter of the runs themselves remains.
    let interleaved = same_job;
    let mut hist = history.copied();
    if machine_shift {
        if let Some(n) = hist.as_mut() {
            n.log_var += MACHINE_SHIFT_SD * MACHINE_SHIFT_SD;
        }
    }
    let hist = hist.and_then(|n| per_run_variance(&n, interleaved, &hr, &br));
    if let Some(c) = compare_runs(
        &hr,
        &br,
        margin,
        alpha,
        hist.as_ref().map(|h| (h.var, h.df)),
    ) {
        let runs = format!("{} vs {} runs", hr.len(), br.len());
        let why = match (history, &hist) {
            (Some(n), Some(h)) if interleaved => format!(
                "within-job variance of {runs}, interleaved in this job, pooled with {} stored runs' scatter ({:.0} df)",
                n.runs, h.df
            ),
            (Some(n), Some(h)) if h.within_df > 0.0 => format!(
                "run-to-run variance from {} stored runs + within-run variance of {runs}{}",
                n.runs,
                if n.within_df > 0.0 {
                    " pooled with the stored runs' scatter"
                } else {
                    ""
                }
            ),
            (Some(n), _) => format!("run-to-run variance from {} stored runs", n.runs),
            (None, _) if interleaved => format!("variance of {runs}, interleaved in this job"),
            (None, _) => format!("variance of {runs}"),
        };
        return Compared::Log(c, why, margin);
    }
    Compared::NoNoise {
        change: ratio_change(base.value, head.value, direction),
        method: "none",
        why: format!(
            "no noise estimate: {} vs {} runs and no stored history",
            hr.len(),
            br.len()
        ),
        floor: None,
    }
}

/// The per-run variance [`compare_runs`] expects, built from the stored noise estimate.
#[derive(Debug)]
struct RunVariance {
    /// Variance of one run's `ln(value)`, so that `SE² = var·(1/n_head + 1/n_base)`.
    var: f64,
    /// Its degrees of freedom.
    df: f64,
    /// Degrees of freedom of the within-run part (0: none was estimated).
    within_df: f64,
}

/// Turns the stored noise estimate into the per-run variance `compare_runs` uses.
///
/// The two do not mean the same thing. Calibration stores `σ²_run`, the variance of a stored
/// run's mean `ln` value *beyond* its within-run part (`Var(T_r) − mean SE²_r`): a shift shared by
/// every Lighthouse run of one job. `compare_runs` wants the variance of one run, divided by the
/// number of runs per side. With several runs a side the difference of the two means has variance
/// `2σ²_run + s²_within·(1/n_h + 1/n_b)`: the job-level shift does not average out over the
/// runs of one job, and the runs' own scatter still counts. Passing `σ²_run` as is divided the
/// shift by the number of runs and dropped the scatter; with Lighthouse's within-job scatter
/// larger than its job-to-job shift, `σ²_run` is 0 and every difference looked certain.
///
/// `s²_within` pools both sides' own runs (those with two or more) with the scatter of the
/// stored runs (`within_var`): three runs a side alone give 4 degrees of freedom and a wide
/// interval; thirty stored jobs of three runs add 60. When base and head were interleaved in
/// this job the job-level term is left out (`interleaved`), as the shift is common to both.
/// The degrees of freedom of the sum come from Satterthwaite. With one value a side (k6) and
/// separate jobs this is `σ²_run` unchanged, as calibration then stores the whole per-run
/// variance. `None` when nothing is known (interleaved, no scatter anywhere).
fn per_run_variance(
    noise: &crate::model::NoiseEstimate,
    interleaved: bool,
    head: &[f64],
    base: &[f64],
) -> Option<RunVariance> {
    let (nh, nb) = (head.len() as f64, base.len() as f64);
    let k = 1.0 / nh + 1.0 / nb;
    let mut ss = 0.0;
    let mut own_df = 0.0;
    for side in [head, base] {
        if side.len() < 2 {
            continue;
        }
        let logs: Vec<f64> = side.iter().map(|v| v.ln()).collect();
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        ss += logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
        own_df += (side.len() - 1) as f64;
    }
    if !ss.is_finite() {
        (ss, own_df) = (0.0, 0.0);
    }
    let stored = noise.within_df > 0.0 && noise.within_var.is_finite() && noise.within_var >= 0.0;
    // Own scatter counts only when there is some to pool (a side of one value has none).
    let (ss, within_df) = if stored {
        (
            ss + noise.within_var * noise.within_df,
            own_df + noise.within_df,
        )
    } else {
        (ss, own_df)
    };
    let run_term = if interleaved {
        0.0
    } else {
        2.0 * noise.log_var
    };
    // Interleaved, the runs' scatter is all there is; runs that never differ (a quantised score,
    // 0.98 and 0.98) have not shown it, and a variance of 0 would make any difference certain.
    if interleaved && ss == 0.0 {
        return None;
    }
    if within_df == 0.0 {
        return (!interleaved).then_some(RunVariance {
            var: run_term / k,
            df: noise.df,
            within_df: 0.0,
        });
    }
    let within_term = ss / within_df * k;
    let se2 = run_term + within_term;
    let df = if interleaved {
        within_df
    } else {
        crate::stats::welch::satterthwaite_df(&[(run_term, noise.df), (within_term, within_df)])
    };
    Some(RunVariance {
        var: se2 / k,
        df,
        within_df,
    })
}

/// Degrees of freedom the run-wide prior is worth when moderating a metric's round variance.
/// With 3 rounds a metric's own estimate has 2 degrees of freedom: a t quantile of 4.3 for a 95 %
/// interval, so on a busy machine even a 2× regression came out "inconclusive". The machine state
/// that makes rounds differ is shared by every benchmark of the run, so the run's typical round
/// variance is real information about each metric (empirical Bayes, as limma moderates variances).
const ROUND_PRIOR_DF: f64 = 4.0;

/// Per-round statistics of one metric in a same-job rerun.
#[derive(Debug, Clone, Copy)]
struct RoundStats {
    /// Variance of the per-round differences of log trimmed means (head − base).
    var: f64,
    /// Mean within-round variance of those differences.
    within: f64,
    /// Rounds.
    k: f64,
}

/// Round-to-round noise from the rounds of a same-job rerun: the variance of the per-round
/// differences of log trimmed means, moderated towards the run's typical value (`prior`),
/// beyond what the within-round variance explains, divided by the number of rounds (the pooled
/// estimate averages over them). Returns the extra variance and its degrees of freedom.
fn round_noise(
    base: &Metric,
    head: &Metric,
    direction: Direction,
    prior: Option<f64>,
) -> Option<(f64, f64)> {
    let st = round_stats(base, head, direction)?;
    let own_df = st.k - 1.0;
    let (var, df) = match prior {
        Some(s0) => (
            (ROUND_PRIOR_DF * s0 + own_df * st.var) / (ROUND_PRIOR_DF + own_df),
            ROUND_PRIOR_DF + own_df,
        ),
        None => (st.var, own_df),
    };
    let extra = (var - st.within).max(0.0) / st.k;
    (extra.is_finite() && extra > 0.0).then_some((extra, df))
}

/// The run's typical round variance: the median over metrics, when at least three have rounds.
fn round_prior(base: &ResultsFile, head: &ResultsFile) -> Option<f64> {
    let mut vars: Vec<f64> = head
        .metrics
        .iter()
        .filter_map(|h| round_stats(base.metric(&h.id)?, h, Direction::Lower))
        .map(|s| s.var)
        .filter(|v| v.is_finite())
        .collect();
    if vars.len() < 3 {
        return None;
    }
    vars.sort_by(f64::total_cmp);
    Some(crate::stats::describe::quantile_type7(&vars, 0.5))
}

fn round_stats(base: &Metric, head: &Metric, direction: Direction) -> Option<RoundStats> {
    use crate::stats::describe::{trimmed_mean, winsorized_variance};
    if base.samples.iter().chain(&head.samples).any(|v| *v <= 0.0) {
        return None;
    }
    let per_round = |m: &Metric| -> BTreeMap<u32, Vec<f64>> {
        let mut map: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for (v, r) in m.samples.iter().zip(&m.rounds) {
            map.entry(*r).or_default().push(direction.orient(*v).ln());
        }
        map
    };
    let (b, h) = (per_round(base), per_round(head));
    let rounds: Vec<u32> = b.keys().filter(|k| h.contains_key(k)).copied().collect();
    if rounds.len() < 3 {
        return None;
    }
    let mut diffs = Vec::new();
    let mut within = Vec::new();
    for r in &rounds {
        let (xb, xh) = (&b[r], &h[r]);
        if xb.len() < 5 || xh.len() < 5 {
            return None;
        }
        diffs.push(trimmed_mean(xh, 0.2) - trimmed_mean(xb, 0.2));
        let se2 = |x: &[f64]| {
            let n = x.len() as f64;
            let hn = n - 2.0 * (0.2 * n).floor();
            (n - 1.0) * winsorized_variance(x, 0.2) / (hn * (hn - 1.0))
        };
        within.push(se2(xh) + se2(xb));
    }
    let k = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / k;
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let within = within.iter().sum::<f64>() / k;
    Some(RoundStats { var, within, k })
}

fn relative_message(
    outcome: Outcome,
    change: f64,
    budget: f64,
    cmp: Option<&LogComparison>,
    q: f64,
    result: &MetricResult,
) -> (Option<bool>, String) {
    let ci = result
        .ci
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
            let mde = cmp.map(|c| c.mde).unwrap_or(f64::NAN);
            (
                None,
                format!(
                    "{est}: inconclusive; with {} vs {} {} the smallest change this can see is ~{}",
                    n(&result.head),
                    n(&result.base),
                    if result.method.starts_with("yuen") {
                        "samples"
                    } else {
                        "runs"
                    },
                    percent(mde)
                ),
            )
        }
    }
}

fn status_of(r: &MetricResult) -> Status {
    if r.rules.iter().any(|x| x.ok == Some(false)) {
        return Status::Fail;
    }
    match (&r.base, &r.head) {
        (None, Some(_)) => return Status::New,
        (Some(_), None) => return Status::Missing,
        _ => {}
    }
    if r.rules.iter().any(|x| x.ok.is_none()) {
        Status::Inconclusive
    } else {
        Status::Pass
    }
}

/// The value absolute budgets compare: the 20 %-trimmed mean of per-iteration samples, the
/// median of runs, or the tool's own statistic.
fn robust_summary(m: &Metric) -> f64 {
    use crate::stats::describe::{median, trimmed_mean};
    match m.sample_kind {
        Some(SampleKind::Iterations) if m.samples.len() >= MIN_SAMPLES => {
            trimmed_mean(&m.samples, 0.2)
        }
        Some(SampleKind::Runs) if !m.samples.is_empty() => median(&m.samples),
        _ => m.value,
    }
}

fn side_value(m: &Metric) -> SideValue {
    SideValue {
        value: robust_summary(m),
        n: m.n(),
    }
}

/// `change` is computed on oriented values (worse = larger); turn it back into head/base − 1.
fn signed_change(oriented: f64, direction: Direction) -> f64 {
    match direction {
        Direction::Lower => oriented,
        Direction::Higher => 1.0 / (1.0 + oriented) - 1.0,
    }
}

fn signed_ci(ci: (f64, f64), direction: Direction) -> [f64; 2] {
    let (a, b) = (
        signed_change(ci.0, direction),
        signed_change(ci.1, direction),
    );
    [a.min(b), a.max(b)]
}

fn worse_change(change: f64, direction: Direction) -> f64 {
    match direction {
        Direction::Lower => change,
        Direction::Higher => 1.0 / (1.0 + change) - 1.0,
    }
}

/// head/base − 1 of single values, oriented so that positive is worse.
fn ratio_change(base: f64, head: f64, direction: Direction) -> f64 {
    let r = direction.orient(head) / direction.orient(base);
    if r.is_finite() {
        r - 1.0
    } else {
        0.0
    }
}

fn source(file: &str, rule: &BudgetRule) -> String {
    let name = std::path::Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    format!("{name}:{} ({})", rule.location.line, rule.metric)
}

fn describe_machine(env: &crate::model::Environment) -> String {
    env.cpu_model
        .clone()
        .or_else(|| env.runner.clone())
        .or_else(|| env.os.clone())
        .unwrap_or_else(|| "unknown".into())
}

fn closest_id<'a>(glob: &str, ids: &BTreeSet<&'a str>) -> Option<&'a str> {
    ids.iter()
        .map(|id| (strsim::jaro_winkler(glob, id), *id))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::{Location, Settings};
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

    /// A benchmark's samples, all from one round (as a rerun of one round records them; outside
    /// a rerun the rounds are not looked at).
    fn bench(id: &str, center: f64, seed: u64) -> Metric {
        let mut m = Metric::new(id, Unit::Nanoseconds, Direction::Lower, center)
            .with_samples(SampleKind::Iterations, samples(center, 100, seed));
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
    }

    #[test]
    fn improvements_never_fail_and_higher_is_better_is_oriented() {
        let mut r = rule(0, "k/**");
        r.max_regression = Some(0.05);
        let b = budget(vec![r]);
        let tp = |c: f64, s: u64| {
            Metric::new("k/throughput", Unit::PerSecond, Direction::Higher, c)
                .with_samples(SampleKind::Iterations, samples(c, 100, s))
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
            err.to_string().contains("budgets.toml:1")
                && err.to_string().contains("matches no metric"),
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
    fn one_value_a_side_keeps_the_stored_variance_as_is() {
        let n = |var| crate::model::NoiseEstimate::run_to_run(var, 29.0, 30);
        let v = per_run_variance(&n(0.0004), false, &[100.0], &[90.0]).unwrap();
        assert_eq!((v.var, v.df, v.within_df), (0.0004, 29.0, 0.0));
        // Two equal runs a side: SE² = 2σ²_run + 0, which is var·(1/2 + 1/2).
        let v = per_run_variance(&n(0.0004), false, &[100.0, 100.0], &[90.0, 90.0]).unwrap();
        assert!(
            (v.var - 0.0008).abs() < 1e-15 && v.within_df == 2.0,
            "{}",
            v.var
        );
        // With scatter and no run-to-run part, the runs' own variance and df stand alone.
        let v = per_run_variance(&n(0.0), false, &[100.0, 110.0], &[90.0, 99.0]).unwrap();
        let s2 = (110.0f64 / 100.0).ln().powi(2) / 2.0;
        assert!(
            (v.var - s2).abs() < 1e-12 && v.df == 2.0,
            "{} {}",
            v.var,
            v.df
        );
        // Interleaved in one job: the run-to-run part is left out; with no scatter anywhere
        // there is nothing to go on.
        let v = per_run_variance(&n(0.5), true, &[100.0, 110.0], &[90.0, 99.0]).unwrap();
        assert!((v.var - s2).abs() < 1e-12, "{}", v.var);
        assert!(per_run_variance(&n(0.5), true, &[100.0], &[90.0]).is_none());
        // Stored scatter pools with the runs' own: (ss + s²·df) / (own df + df).
        let stored = crate::model::NoiseEstimate {
            within_var: 0.0009,
            within_df: 58.0,
            ..n(0.0)
        };
        let v = per_run_variance(&stored, false, &[100.0, 110.0], &[90.0, 99.0]).unwrap();
        let pooled = (2.0 * s2 + 0.0009 * 58.0) / 60.0;
        assert!(
            (v.var - pooled).abs() < 1e-12 && v.within_df == 60.0,
            "{v:?}"
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
        let calibrated =
            evaluate(&b, &file(vec![m(100.0)]), &file(vec![m(112.0)]), &history).unwrap();
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
}
