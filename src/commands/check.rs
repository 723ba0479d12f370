//! `check`: the whole gate. Read the budget, collect head results (criterion benches, Lighthouse,
//! k6), obtain the base (same-job rerun, the result store, or a file), evaluate, report, exit.

use anyhow::Context;

use super::{output, Outcome};
use crate::budget::evaluate::{evaluate, BaselineSource, EvalOptions};
use crate::cli::{CheckArgs, GlobalArgs};
use crate::model::ResultsFile;
use crate::report::Verdict;

/// Runs `check`.
pub fn run(args: &CheckArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let budget = super::load_budget(global)?;
    let (base, head, source) = if let Some(dir) = &args.fake_runner {
        let head =
            ResultsFile::load(&dir.join("head.json")).context("fake runner: head results")?;
        let base_path = args.base.clone().unwrap_or_else(|| dir.join("base.json"));
        let base = ResultsFile::load(&base_path).context("fake runner: base results")?;
        (base, head, BaselineSource::File)
    } else if let Some(path) = &args.base {
        let base = ResultsFile::load(path).context("reading the base results (--base)")?;
        anyhow::bail!(
            "measuring head is not available in this build yet (base {} has {} metrics)",
            path.display(),
            base.metrics.len()
        );
    } else {
        anyhow::bail!("`check` without --base is not available in this build yet");
    };
    if let Some(path) = &args.save_head {
        head.save(path)
            .context("writing the head results (--save-head)")?;
    }
    let mut opts = EvalOptions::new(source);
    opts.strict = args.strict;
    let report = evaluate(&budget, &base, &head, &opts)
        .with_context(|| format!("evaluating {}", budget.path.display()))?;
    output::emit(&report, global)?;
    Ok(match report.verdict {
        Verdict::Pass => Outcome::Pass,
        Verdict::Fail => Outcome::Fail,
    })
}
