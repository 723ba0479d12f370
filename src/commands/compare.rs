//! `compare BASE.json HEAD.json`: evaluate the budgets on two results files, with the same report
//! and exit codes as `check`.

use anyhow::Context;

use super::{output, Outcome};
use crate::budget::evaluate::{evaluate, BaselineSource, EvalOptions};
use crate::cli::{CompareArgs, GlobalArgs};
use crate::model::ResultsFile;
use crate::report::Verdict;

/// Runs `compare`.
pub fn run(args: &CompareArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let budget = super::load_budget(global)?;
    let base = ResultsFile::load(&args.base).context("reading the base results")?;
    let head = ResultsFile::load(&args.head).context("reading the head results")?;
    let mut opts = EvalOptions::new(BaselineSource::File);
    opts.strict = args.strict;
    let report = evaluate(&budget, &base, &head, &opts)
        .with_context(|| format!("evaluating {}", budget.path.display()))?;
    output::emit(&report, global)?;
    // A comparison with nothing it was asked to judge is an error, never a pass.
    if let (Verdict::Pass, Some(problem)) = (report.verdict, report.gate_error()) {
        anyhow::bail!("{problem}");
    }
    Ok(match report.verdict {
        Verdict::Pass => Outcome::Pass,
        Verdict::Fail => Outcome::Fail,
    })
}
