//! Evaluation: every budget rule against base and head results, producing one [`Report`].
//!
//! Two phases. First each metric is assessed on its own ([`assess`]: absolute rules on the
//! head's robust summary, then the relative comparison on the log scale, [`compare`]). Then the
//! relative checks of the whole run form one family: their p-values are adjusted together
//! (Benjamini–Hochberg by default) and the decision rule of `docs/statistics.md` is applied
//! ([`family`]). Only then are statuses and messages final ([`finish`]).
//!
//! One file a concept: [`rules`] picks the rules that apply and the waivers, [`compare`] chooses
//! the statistics for a pair of metrics, [`proportions`] compares error rates as counts,
//! [`messages`] writes what the report says.

mod compare;
mod compared;
mod messages;
mod proportions;
mod rules;
mod separate;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::budget::{BudgetFile, CorrectionSetting, Settings, Waiver};
use crate::model::{Metric, NoiseMap, ResultsFile, TrendPoint};
use crate::report::{
    Details, Kind, MethodInfo, MetricResult, Report, RuleOutcome, Side, Status, Summary, Verdict,
    REPORT_SCHEMA,
};
use crate::stats::compare::LogComparison;
use crate::stats::decision::{decision_interval, p_improvement, Decision, Outcome, RelativeCheck};
use crate::stats::multiple::Correction;

pub(crate) use compare::time_row_of;
use compare::Pairing;
use compared::Compared;

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

/// One metric on its way through evaluation.
struct Row {
    result: MetricResult,
    /// The relative rule's position in `result.rules`, when the metric has one.
    relative_rule: Option<usize>,
    /// Budget fraction of the relative rule (∞ without one).
    budget: f64,
    relative: Relative,
    /// Decided alone, not in the run's family (the shared shift of separate runs).
    own_family: bool,
    /// The relative rule names throughput explicitly (`criterion/**/throughput`).
    names_throughput: bool,
    /// A throughput row takes the decision of its time row (at this index): the two are exact
    /// reciprocals, one measurement, which must not count twice in the family.
    mirror: Option<usize>,
}

/// What the relative comparison of a metric gave.
enum Relative {
    /// Nothing to compare: a side is missing or failed (the rule already says why).
    Nothing,
    /// A test; budgeted metrics form the run's family, the others are described with the same
    /// standard. `decision` is filled in by [`family`].
    Tested {
        comparison: LogComparison,
        /// The noise margin the p-value was computed against (raised when uncalibrated).
        margin: f64,
        decision: Option<Decision>,
    },
    /// The change can only be judged against `no_noise_factor × budget` (no noise estimate).
    NoNoise {
        /// Zero values were raised to this floor (formatted) before comparing.
        floor: Option<String>,
        /// A change beyond `no_noise_factor × budget` fails (see [`Compared::NoNoise`]).
        decisive: bool,
    },
    /// Both sides hold exactly the same values (described for the report).
    Identical { what: String },
    /// Exact counts: the change decides on its own.
    Exact,
}

/// What every metric of the run shares: how base and head were paired, and the run's typical
/// round variance.
struct RunContext {
    /// Base and head were measured in this job (`check` rerun).
    same_job: bool,
    /// Base and head ran on different machines (separate runs).
    machine_shift: bool,
    /// In a rerun, the metrics whose base came from the store ran on another machine.
    stored_shift: bool,
    /// What the run's benchmarks say about round-to-round noise (interleaved reruns).
    round_prior: Option<crate::stats::rounds::RoundPrior>,
    /// The empirical null of separate runs without history.
    null: Option<separate::SeparateNull>,
}

impl RunContext {
    fn new(
        base: &ResultsFile,
        head: &ResultsFile,
        opts: &EvalOptions,
        notes: &mut Vec<String>,
    ) -> RunContext {
        let same_job = opts.baseline == BaselineSource::Rerun;
        let machine_shift = !same_job && base.environment.differs_from(&head.environment);
        let stored_shift = same_job
            && !opts.stored_base.is_empty()
            && opts
                .stored_environment
                .as_ref()
                .is_some_and(|e| e.differs_from(&head.environment));
        if stored_shift {
            if let Some(e) = &opts.stored_environment {
                notes.push(messages::stored_machine_note(e, &head.environment));
            }
        }
        if machine_shift {
            notes.push(messages::machine_note(&base.environment, &head.environment));
        }
        let round_prior = if same_job {
            compare::round_prior(base, head)
        } else {
            None
        };
        if let Some(p) = round_prior.filter(|p| p.noisy_machine()) {
            notes.push(messages::noisy_machine_note(
                p.var.sqrt(),
                p.inflation,
                p.benchmarks,
            ));
        }
        RunContext {
            same_job,
            machine_shift,
            stored_shift,
            round_prior,
            null: None,
        }
    }

    /// How one metric's base and head were paired: interleaved in this job, or separate runs
    /// (in a rerun, a metric whose base came from the store is a separate run).
    fn pairing(&self, id: &str, opts: &EvalOptions) -> Pairing {
        let from_store = opts.stored_base.contains(id);
        match (self.same_job, from_store) {
            (true, false) => Pairing::Interleaved,
            (true, true) => Pairing::Separate {
                machine_shift: self.stored_shift,
            },
            (false, _) => Pairing::Separate {
                machine_shift: self.machine_shift,
            },
        }
    }
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
    rules::check_unmatched(budget, &ids, &file, &mut problems, &mut notes);
    let waivers = rules::active_waivers(budget, opts.today, &file, &mut notes);
    let mut run = RunContext::new(base, head, opts, &mut notes);
    run.null = separate::null(budget, base, head, &ids, opts, &run);
    let shift_row = run.null.as_mut().and_then(|n| n.shift_row.take());

    let mut rows: Vec<Row> = ids
        .iter()
        .filter_map(|id| {
            assess(
                id,
                budget,
                base.metric(id),
                head.metric(id),
                opts,
                &run,
                &mut problems,
            )
        })
        .collect();
    if !problems.is_empty() {
        return Err(EvalError { problems });
    }
    rows.extend(shift_row);
    link_mirrors(&mut rows, &mut notes);
    let stated_margin = family(&mut rows, settings);
    let method = method_info(&rows, settings, opts, stated_margin);
    let results: Vec<MetricResult> = rows
        .into_iter()
        .map(|row| finish(row, settings, &waivers, &file))
        .collect();

    notes.extend(rules::unused_waivers(&waivers, &ids, &file));
    notes.extend(messages::input_notes(base, head));
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
            ..Side::default()
        },
        head: Side {
            commit: head.commit.clone(),
            ..Side::default()
        },
        summary: Summary::default(),
        results,
        notes,
        method,
        history,
        tool_thresholds: head.thresholds.iter().filter(|t| !t.ok).cloned().collect(),
    };
    report.finish();
    Ok(report)
}

/// The first phase for one metric: its absolute rules, and its relative comparison (tested,
/// but not yet decided). `None` when the metric cannot be evaluated at all (the problem is in
/// `problems`).
fn assess(
    id: &str,
    budget: &BudgetFile,
    b: Option<&Metric>,
    h: Option<&Metric>,
    opts: &EvalOptions,
    run: &RunContext,
    problems: &mut Vec<String>,
) -> Option<Row> {
    let settings = &budget.settings;
    let file = budget.path.display().to_string();
    let applied = rules::applicable(&budget.budgets, id);
    let any = h.or(b)?;
    let direction = applied
        .direction
        .and_then(|r| r.direction)
        .unwrap_or(any.direction);
    if let (Some(b), Some(h)) = (b, h) {
        if b.unit.dimension() != h.unit.dimension() {
            problems.push(format!(
                "metric {id}: base is in {} but head in {}; they cannot be compared",
                b.unit, h.unit
            ));
            return None;
        }
    }
    let mut result = MetricResult {
        id: id.to_string(),
        unit: any.unit,
        direction,
        base: b.map(compare::side_value),
        head: h.map(compare::side_value),
        change: None,
        ci: None,
        p: None,
        q: None,
        status: Status::Pass,
        kind: Kind::Unknown,
        rules: rules::absolute(budget, &applied, any.unit, id, h, &file, problems),
        method: "none".into(),
        details: Details::default(),
        failure: h.and_then(|h| h.failure.clone()),
    };

    let mut row_budget = f64::INFINITY;
    let mut relative_rule = None;
    if let Some(rule) = applied.max_regression {
        row_budget = rule.max_regression.unwrap_or(f64::INFINITY);
        relative_rule = Some(result.rules.len());
        result.rules.push(RuleOutcome {
            rule: format!(
                "max-regression {}",
                crate::report::format::percent(row_budget)
            ),
            ok: None,
            source: Some(rules::source(&file, rule)),
            message: None,
            waived: None,
        });
    }

    let failure = h
        .and_then(|h| h.failure.clone())
        .or_else(|| b.and_then(|b| b.failure.clone()));
    let relative = match (b, h, failure) {
        (_, _, Some(reason)) => {
            if let Some(i) = relative_rule {
                result.rules[i].ok = Some(false);
                result.rules[i].message = Some(reason);
            }
            Relative::Nothing
        }
        (Some(b), Some(h), None) => {
            let noise = compare::Noise {
                history: opts.noise.get(id),
                pairing: run.pairing(id, opts),
                round_prior: run.round_prior,
                null: run.null.as_ref().and_then(|n| n.checks.get(id)),
            };
            let compared = compare::compare(b, h, direction, settings.noise, settings.alpha, noise);
            record(&mut result, compared)
        }
        _ => Relative::Nothing,
    };
    Some(Row {
        result,
        relative_rule,
        budget: row_budget,
        relative,
        own_family: false,
        names_throughput: applied
            .max_regression
            .is_some_and(|r| r.metric.contains("throughput")),
        mirror: None,
    })
}

/// Copies a comparison's figures into the result and keeps what the second phase needs.
fn record(result: &mut MetricResult, compared: Compared) -> Relative {
    let direction = result.direction;
    match compared {
        Compared::Log {
            comparison: c,
            noise,
            margin,
            rounds,
        } => {
            result.change = Some(compare::signed_change(c.change, direction));
            result.ci = Some(compare::signed_ci(c.ci95, direction));
            result.p = Some(c.p_regression);
            result.method = c.method.to_string();
            result.details.mwu_p = c.mwu_p;
            result.details.hl_change = c.hl_shift.map(|s| compare::signed_change(s, direction));
            result.details.mde = Some(c.mde);
            result.details.noise = Some(noise);
            result.details.outliers = c.outliers.map(|(h, b)| messages::outliers(h, b));
            result.details.rounds = rounds.map(|r| {
                r.iter()
                    .map(|&d| compare::signed_change(d, direction))
                    .collect()
            });
            Relative::Tested {
                comparison: c,
                margin,
                decision: None,
            }
        }
        Compared::NoNoise {
            change,
            method,
            why,
            floor,
            decisive,
        } => {
            result.change = Some(compare::signed_change(change, direction));
            result.method = method.into();
            result.details.noise = Some(why);
            Relative::NoNoise { floor, decisive }
        }
        Compared::Exact { change } => {
            let signed = compare::signed_change(change, direction);
            result.change = Some(signed);
            result.ci = Some([signed, signed]);
            result.method = "exact".into();
            result.details.noise = Some(
                "exact counts on both sides (the same code and inputs give the same value): compared as they are, no sampling noise".into(),
            );
            Relative::Exact
        }
        Compared::Identical { what } => {
            result.change = Some(0.0);
            result.ci = Some([0.0, 0.0]);
            result.method = "identical".into();
            result.kind = Kind::Unchanged;
            result.details.noise =
                Some("identical values on both sides: no noise can hide a change".into());
            Relative::Identical { what }
        }
    }
}

/// How the run was evaluated: the settings, the family's size (measurements, not mirrors) and
/// how many budgeted checks rest on a weak noise model.
fn method_info(
    rows: &[Row],
    settings: &Settings,
    opts: &EvalOptions,
    stated_margin: f64,
) -> MethodInfo {
    let checked = |r: &&Row| r.relative_rule.is_some() && r.mirror.is_none() && !r.own_family;
    let count = |f: &dyn Fn(&Relative) -> bool| {
        rows.iter()
            .filter(checked)
            .filter(|r| f(&r.relative))
            .count()
    };
    MethodInfo {
        alpha: settings.alpha,
        noise: stated_margin,
        correction: match settings.correction {
            CorrectionSetting::Bh => "bh",
            CorrectionSetting::Holm => "holm",
            CorrectionSetting::None => "none",
        }
        .into(),
        baseline: opts.baseline.as_str().into(),
        family: count(&|r| matches!(r, Relative::Tested { .. })),
        strict: opts.strict || settings.strict,
        uncalibrated: count(
            &|r| matches!(r, Relative::Tested { margin, .. } if *margin > settings.noise),
        ),
        no_noise: count(&|r| matches!(r, Relative::NoNoise { .. })),
    }
}

/// Marks each criterion throughput row whose time row is tested too: it will take that row's
/// decision instead of counting as a second check (unless its rule names throughput).
fn link_mirrors(rows: &mut [Row], notes: &mut Vec<String>) {
    let index: BTreeMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.result.id.clone(), i))
        .collect();
    for i in 0..rows.len() {
        let time = compare::time_row_of(&rows[i].result.id).map(str::to_string);
        let Some(&j) = time.as_ref().and_then(|t| index.get(t)) else {
            continue;
        };
        let tested = |r: &Row| matches!(r.relative, Relative::Tested { .. });
        let row = &rows[i];
        if tested(row)
            && tested(&rows[j])
            && !row.names_throughput
            && row.relative_rule.is_some() == rows[j].relative_rule.is_some()
        {
            rows[i].mirror = Some(j);
        }
    }
    let mirrors = rows.iter().filter(|r| r.mirror.is_some()).count();
    if mirrors > 0 {
        notes.push(format!(
            "{mirrors} throughput row{} take{} the verdict of {} time row{}: a throughput is the exact reciprocal of its time, one measurement, counted once in the family",
            if mirrors == 1 { "" } else { "s" },
            if mirrors == 1 { "s" } else { "" },
            if mirrors == 1 { "its" } else { "their" },
            if mirrors == 1 { "" } else { "s" },
        ));
    }
}

/// The second phase: the tested relative checks of budgeted metrics form one family (one
/// adjustment over the run); the metrics compared without a relative rule form another, judged
/// by the same standard; a check of its own family (the shared shift of separate runs, which tests
/// the run as a whole) is adjusted alone. A throughput row that mirrors its time row is no member
/// of any family: it takes that row's decision. Each check is judged against the noise margin its
/// p-value was computed with. Returns the margin the report states: the one every budgeted check
/// used, else the configured one (some calibrated by history, others raised; each says which in
/// its details).
fn family(rows: &mut [Row], settings: &Settings) -> f64 {
    let correction = match settings.correction {
        CorrectionSetting::Bh => Correction::BenjaminiHochberg,
        CorrectionSetting::Holm => Correction::Holm,
        CorrectionSetting::None => Correction::None,
    };
    let tested = |r: &Row| matches!(r.relative, Relative::Tested { .. }) && r.mirror.is_none();
    let mut families: Vec<(bool, Vec<usize>)> = [true, false]
        .into_iter()
        .map(|budgeted| {
            let members = (0..rows.len())
                .filter(|&i| {
                    let r = &rows[i];
                    tested(r) && !r.own_family && r.relative_rule.is_some() == budgeted
                })
                .collect();
            (budgeted, members)
        })
        .collect();
    families.extend(
        (0..rows.len())
            .filter(|&i| tested(&rows[i]) && rows[i].own_family)
            .map(|i| (false, vec![i])),
    );
    let mut stated = settings.noise;
    for (budgeted, members) in families {
        let margins = decide_family(rows, &members, settings, correction);
        if let (true, Some((first, rest))) = (budgeted, margins.split_first()) {
            if rest.iter().all(|m| m == first) {
                stated = *first;
            }
        }
    }
    for i in 0..rows.len() {
        let Some(j) = rows[i].mirror else { continue };
        let decided = match &rows[j].relative {
            Relative::Tested { decision, .. } => *decision,
            _ => None,
        };
        let row = &mut rows[i];
        if let Relative::Tested {
            comparison: c,
            decision,
            ..
        } = &mut row.relative
        {
            if let Some(d) = decided {
                let interval = decision_interval(c, settings.alpha, d.q);
                row.result.details.decision_ci =
                    interval.map(|iv| compare::signed_ci(iv, row.result.direction));
            }
            *decision = decided;
        }
    }
    stated
}

/// Decides the tested checks of `members` as one family (one adjustment) and records each
/// decision and its interval in the row. Returns the members' noise margins.
fn decide_family(
    rows: &mut [Row],
    members: &[usize],
    settings: &Settings,
    correction: Correction,
) -> Vec<f64> {
    let mut checks = Vec::with_capacity(members.len());
    let mut margins = Vec::with_capacity(members.len());
    for &i in members {
        if let Relative::Tested {
            comparison, margin, ..
        } = &rows[i].relative
        {
            checks.push(RelativeCheck {
                p_regression: comparison.p_regression,
                change: comparison.change,
                upper_one_sided: comparison.upper_one_sided,
                ci95: comparison.ci95,
                budget: rows[i].budget,
            });
            margins.push(*margin);
        }
    }
    let mut decisions = decide_each(&checks, &margins, settings.alpha, correction);
    // An improvement is called on the same standard as a regression: its own one-sided
    // p-values, adjusted over the same family.
    let p_better: Vec<f64> = members
        .iter()
        .zip(&margins)
        .map(|(&i, &m)| match &rows[i].relative {
            Relative::Tested { comparison: c, .. } => p_improvement(c.log_ratio, c.se, c.df, m),
            _ => 1.0,
        })
        .collect();
    let q_better = crate::stats::multiple::adjust(&p_better, correction);
    for (d, q) in decisions.iter_mut().zip(q_better) {
        d.improvement = q <= settings.alpha;
    }
    for (&i, d) in members.iter().zip(decisions) {
        let row = &mut rows[i];
        if let Relative::Tested {
            comparison: c,
            decision,
            ..
        } = &mut row.relative
        {
            let interval = decision_interval(c, settings.alpha, d.q);
            row.result.details.decision_ci =
                interval.map(|iv| compare::signed_ci(iv, row.result.direction));
            *decision = Some(d);
        }
    }
    margins
}

/// [`crate::stats::decision::decide`] over the whole family (one adjustment), each check judged
/// against the noise margin its p-value was computed with.
fn decide_each(
    checks: &[RelativeCheck],
    margins: &[f64],
    alpha: f64,
    correction: Correction,
) -> Vec<Decision> {
    let mut distinct: Vec<f64> = Vec::new();
    for m in margins {
        if !distinct.contains(m) {
            distinct.push(*m);
        }
    }
    let by_margin: Vec<_> = distinct
        .iter()
        .map(|&m| crate::stats::decision::decide(checks, alpha, m, correction))
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

/// The last step for one metric: kind, the relative rule's verdict and message, status, waiver.
fn finish(mut row: Row, settings: &Settings, waivers: &[&Waiver], file: &str) -> MetricResult {
    let result = &mut row.result;
    if let Relative::Tested {
        decision: Some(d), ..
    } = &row.relative
    {
        result.q = Some(d.q);
        result.kind = if d.improvement {
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
    if let Some(i) = row.relative_rule {
        let verdict = match &row.relative {
            Relative::Tested {
                comparison,
                decision: Some(d),
                ..
            } => Some(messages::relative(
                d.outcome, row.budget, comparison, d.q, result,
            )),
            Relative::Identical { what } => Some(messages::identical(what, row.budget)),
            Relative::Exact => {
                let change = result.change.unwrap_or(0.0);
                let worse = compare::signed_change(change, result.direction);
                result.kind = if worse > settings.noise {
                    Kind::Regression
                } else if -worse > settings.noise {
                    Kind::Improvement
                } else {
                    Kind::Unchanged
                };
                Some(messages::exact(change, row.budget, worse))
            }
            Relative::NoNoise { floor, decisive } => Some(messages::no_noise(
                result.change.unwrap_or(0.0),
                result.direction,
                row.budget,
                decisive.then_some(settings.no_noise_factor),
                floor.as_deref(),
            )),
            _ => None,
        };
        let rule = &mut result.rules[i];
        match verdict {
            Some((ok, message)) => {
                rule.ok = ok;
                rule.message = Some(message);
            }
            None if rule.ok.is_none() && rule.message.is_none() => {
                rule.message = Some(messages::not_compared(&result.base, &result.head));
            }
            None => {}
        }
    }
    result.status = status_of(result);
    if result.status == Status::Fail {
        rules::apply_waiver(result, waivers, file);
    }
    row.result
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
