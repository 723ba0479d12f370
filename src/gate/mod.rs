//! The gate behind `check`: decide once where the base comes from ([`plan`]), measure or read
//! both sides through a [`Measure`] and a [`Store`] ([`collect`]), calibrate the noise from
//! stored history, evaluate every budget. The command around it turns the report into output,
//! GitHub messages and an exit code; this module prints nothing and reads no flags.
//!
//! Measuring and the result store sit behind two small traits so the whole plan — which metric's
//! base comes from where, what is calibrated, what the report notes — is tested without building
//! or running anything (`tests.rs`).

pub mod adaptive;
mod collect;
pub mod measure;
pub mod plan;
pub mod store;
#[cfg(test)]
mod tests;

use anyhow::Context;

use crate::budget::evaluate::{evaluate, BaselineSource, EvalOptions};
use crate::budget::BudgetFile;
use crate::model::ResultsFile;
use crate::report::Report;

pub use collect::Collected;
pub use measure::{Measure, ProjectMeasure};
pub use plan::{BasePlan, HeadPlan, Plan};
pub use store::{GitResults, Store};

/// How many stored main-branch runs calibrate the noise.
pub const CALIBRATION_DEPTH: usize = 30;

/// What the gate gives back: the report, and the head results it evaluated (for `--save-head`).
#[derive(Debug)]
pub struct Gated {
    /// The evaluated report, notes included.
    pub report: Report,
    /// Head's results as measured or read.
    pub head: ResultsFile,
    /// The base's results as measured or read: only what was measured with head in this job
    /// (metrics whose base came from the store are left out, so a later merge of shards takes
    /// them from the store again rather than as interleaved pairs).
    pub base: ResultsFile,
}

/// Runs the gate: collect both sides as `plan` says, calibrate from the store when base and
/// head are separate runs, evaluate.
pub fn run(
    budget: &BudgetFile,
    plan: &Plan,
    strict: bool,
    measure: &dyn Measure,
    store: &dyn Store,
) -> anyhow::Result<Gated> {
    let Collected {
        mut base,
        mut head,
        source,
        mut notes,
        stored_base,
        stored_environment,
        mut bench_rounds,
        bench_time,
    } = collect::collect(budget, plan, measure, store)?;
    let looks = adaptive::Looks::of(budget, plan);
    let divided;
    let budget = if looks.total > 1 {
        // Every look decides at α / looks (see `adaptive`).
        let mut b = budget.clone();
        b.settings.alpha /= f64::from(looks.total);
        divided = b;
        &divided
    } else {
        budget
    };

    let mut opts = EvalOptions::new(source);
    opts.stored_base = stored_base;
    opts.stored_environment = stored_environment;
    opts.strict = strict;
    if source != BaselineSource::Rerun || !budget.lighthouse.is_empty() || !budget.k6.is_empty() {
        // Base and head from different runs: calibrate with the stored history, when there is one.
        let head_commit = head.commit.clone().unwrap_or_else(|| "HEAD".into());
        match store.calibration(
            &head_commit,
            &budget.settings.suite,
            &budget.settings.main_branch,
            CALIBRATION_DEPTH,
        ) {
            Ok(calibration) => {
                notes.extend(calibration.skipped);
                opts.noise = calibration.noise;
                opts.history = calibration.history;
            }
            Err(e) => notes.push(format!("no stored history for calibration: {e}")),
        }
    }

    let evaluate_now = |base: &ResultsFile, head: &ResultsFile| {
        evaluate(budget, base, head, &opts)
            .with_context(|| format!("evaluating {}", budget.path.display()))
    };
    let mut report = evaluate_now(&base, &head)?;
    if let (true, Some(criterion)) = (looks.total > 1, &budget.criterion) {
        let first = adaptive::FirstLook {
            budget,
            criterion,
            base_commit: plan.rerun_commit(),
            rounds: plan.rounds,
            time: bench_time,
            looks,
        };
        let (combined, note) = adaptive::more_rounds(
            &first,
            measure,
            &mut bench_rounds,
            &mut base,
            &mut head,
            report,
            evaluate_now,
        )?;
        report = combined;
        notes.extend(note);
    }
    report.notes.splice(0..0, notes);
    base.metrics.retain(|m| !opts.stored_base.contains(&m.id));
    Ok(Gated { report, head, base })
}

/// Measures HEAD once (no base): criterion benches, Lighthouse and k6, as `run` saves them.
pub fn measure_head(budget: &BudgetFile, measure: &dyn Measure) -> anyhow::Result<ResultsFile> {
    let mut head = collect::head_only(budget, measure)?;
    if head.commit.is_none() {
        head.commit = measure.head_commit();
    }
    Ok(head)
}
