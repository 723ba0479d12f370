//! The gate behind `check`: decide once where the base comes from ([`plan`]), measure or read
//! both sides through a [`Measure`] and a [`Store`] ([`collect`]), calibrate the noise from
//! stored history, evaluate every budget. The command around it turns the report into output,
//! GitHub messages and an exit code; this module prints nothing and reads no flags.
//!
//! Measuring and the result store sit behind two small traits so the whole plan — which metric's
//! base comes from where, what is calibrated, what the report notes — is tested without building
//! or running anything (`tests.rs`).

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
        base,
        head,
        source,
        mut notes,
        stored_base,
        stored_environment,
    } = collect::collect(budget, plan, measure, store)?;

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

    let mut report = evaluate(budget, &base, &head, &opts)
        .with_context(|| format!("evaluating {}", budget.path.display()))?;
    report.notes.splice(0..0, notes);
    Ok(Gated { report, head })
}

/// Measures HEAD once (no base): criterion benches, Lighthouse and k6, as `run` saves them.
pub fn measure_head(budget: &BudgetFile, measure: &dyn Measure) -> anyhow::Result<ResultsFile> {
    let mut head = collect::head_only(budget, measure)?;
    if head.commit.is_none() {
        head.commit = measure.head_commit();
    }
    Ok(head)
}
