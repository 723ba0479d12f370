//! Adaptive rounds: when budgeted benchmarks are still inconclusive after the planned rounds,
//! run more rounds of just those, within `max-rounds` and `extra-time`, and decide again.
//!
//! Looking at the data more than once inflates both error rates unless each look pays for it.
//! The number of looks is fixed before the first one — the planned rounds, then batches of as
//! many rounds again up to `max-rounds` — and every look decides at α / looks (Bonferroni over
//! looks: the simplest alpha-spending rule, valid whenever and however often the data is looked
//! at, at the price of some power at the first look). A benchmark decided at one look keeps that
//! decision; only the undecided ones are measured again. See docs/noise-model.md.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::budget::evaluate::time_row_of;
use crate::budget::{BudgetFile, CriterionConfig};
use crate::model::ResultsFile;
use crate::report::{Report, Status};
use crate::runner::rerun::pool_rounds;

use super::measure::Measure;
use super::plan::Plan;

/// The looks of one check: how many, and how many rounds each adds after the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Looks {
    /// Looks at the data in all (1: no extra rounds).
    pub total: u32,
    /// Rounds a look after the first adds.
    pub batch: u32,
    /// The most rounds in all.
    pub max_rounds: u32,
}

impl Looks {
    /// The looks `budget` allows for `plan`: more than one only when the benches are
    /// interleaved here and `max-rounds` exceeds the planned rounds.
    pub fn of(budget: &BudgetFile, plan: &Plan) -> Looks {
        let rounds = plan.rounds.max(1);
        let max_rounds = match budget.settings.max_rounds {
            Some(max) if max > rounds && plan.interleaves() && budget.criterion.is_some() => max,
            _ => rounds,
        };
        Looks {
            total: 1 + (max_rounds - rounds).div_ceil(rounds),
            batch: rounds,
            max_rounds,
        }
    }
}

/// What the extra rounds need from the first look.
pub struct FirstLook<'a> {
    /// The budget file as evaluated (α already divided over the looks).
    pub budget: &'a BudgetFile,
    /// The criterion table.
    pub criterion: &'a CriterionConfig,
    /// The base commit measured here (`None`: A/A).
    pub base_commit: Option<&'a str>,
    /// The planned rounds.
    pub rounds: u32,
    /// How long the planned rounds took.
    pub time: Duration,
    /// The looks planned.
    pub looks: Looks,
}

/// Runs more rounds of the budgeted benchmarks `report` leaves inconclusive, look by look,
/// re-evaluating with `evaluate` after each; returns the combined report and a note.
pub fn more_rounds(
    first: &FirstLook<'_>,
    measure: &dyn Measure,
    per_round: &mut Vec<(u32, ResultsFile, ResultsFile)>,
    base: &mut ResultsFile,
    head: &mut ResultsFile,
    mut report: Report,
    evaluate: impl Fn(&ResultsFile, &ResultsFile) -> anyhow::Result<Report>,
) -> anyhow::Result<(Report, Option<String>)> {
    let looks = first.looks;
    let started = Instant::now();
    let extra_time = first.budget.settings.extra_time;
    let total_benches = count_benches(&report).max(1);
    // Time a round of every benchmark takes; the planned rounds' time includes the builds, so
    // this errs on the long side.
    let mut round_time = first.time / first.rounds.max(1);
    let mut rounds = first.rounds;
    let mut look = 1;
    let initially = pending(&report);
    let mut stopped_by_time = false;
    while look < looks.total && rounds < looks.max_rounds {
        let ids = pending(&report);
        if ids.is_empty() {
            break;
        }
        let batch = looks.batch.min(looks.max_rounds - rounds);
        let share = ids.len() as f64 / total_benches as f64;
        let estimate = round_time.mul_f64(f64::from(batch) * share.min(1.0));
        if started.elapsed() + estimate > extra_time {
            stopped_by_time = true;
            break;
        }
        let t0 = Instant::now();
        let more = measure.benches_interleaved(
            first.criterion,
            first.base_commit,
            batch,
            &ids,
            rounds + 1,
        )?;
        if share > 0.0 {
            round_time = t0.elapsed().div_f64(f64::from(batch) * share);
        }
        per_round.extend(more.per_round);
        rounds += batch;
        look += 1;
        replace_pooled(
            base,
            per_round.iter().map(|(n, b, _)| (*n, b.clone())).collect(),
        );
        replace_pooled(
            head,
            per_round.iter().map(|(n, _, h)| (*n, h.clone())).collect(),
        );
        report = combine(report, evaluate(base, head)?);
    }
    if rounds == first.rounds && !stopped_by_time {
        return Ok((report, None));
    }
    let still = pending(&report).len();
    let decided = initially.len().saturating_sub(still);
    let mut note = format!(
        "adaptive rounds: {} budgeted benchmark(s) were inconclusive after {} round(s); ",
        initially.len(),
        first.rounds
    );
    if rounds > first.rounds {
        note.push_str(&format!(
            "{} more round(s) of just those ({} in all, `max-rounds` {}) decided {decided}, {still} still inconclusive",
            rounds - first.rounds,
            rounds,
            looks.max_rounds
        ));
    } else {
        note.push_str("no more rounds were run");
    }
    if stopped_by_time {
        note.push_str(&format!(
            "; stopped by `extra-time` ({} s)",
            extra_time.as_secs()
        ));
    }
    note.push_str(&format!(
        "; every look decided at α / {} (up to {} looks), so the error rates hold however often the data was looked at",
        looks.total, looks.total
    ));
    Ok((report, Some(note)))
}

/// The criterion full ids of budgeted benchmarks whose verdict is still open.
fn pending(report: &Report) -> Vec<String> {
    let ids: BTreeSet<String> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Inconclusive && !r.rules.is_empty())
        .filter_map(|r| {
            // A throughput row stands for its benchmark's time row.
            let time = time_row_of(&r.id)
                .filter(|t| report.results.iter().any(|x| x.id == *t))
                .unwrap_or(&r.id);
            time.strip_prefix("criterion/")
        })
        .map(str::to_string)
        .collect();
    ids.into_iter().collect()
}

fn count_benches(report: &Report) -> usize {
    report
        .results
        .iter()
        .filter(|r| r.id.starts_with("criterion/") && time_row_of(&r.id).is_none())
        .count()
}

/// Pools every round again and puts the pooled metrics in place of the old ones.
fn replace_pooled(file: &mut ResultsFile, rounds: Vec<(u32, ResultsFile)>) {
    let at: std::collections::HashMap<String, usize> = file
        .metrics
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.clone(), i))
        .collect();
    for metric in pool_rounds(rounds).metrics {
        if let Some(&i) = at.get(&metric.id) {
            file.metrics[i] = metric;
        }
    }
}

/// The later look's rows, but a row decided at an earlier look keeps that decision.
fn combine(earlier: Report, mut later: Report) -> Report {
    let mut decided: std::collections::HashMap<String, _> = earlier
        .results
        .into_iter()
        .filter(|r| matches!(r.status, Status::Pass | Status::Fail))
        .map(|r| (r.id.clone(), r))
        .collect();
    for row in &mut later.results {
        if let Some(old) = decided.remove(&row.id) {
            *row = old;
        }
    }
    later.finish();
    later
}
