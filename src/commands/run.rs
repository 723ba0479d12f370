//! `run`: measure HEAD (or take `--results FILE`) and save the results to the git result store
//! under the commit (`--commit`, default HEAD) and suite (`--suite`, else `settings.suite`, else
//! `default`); `--push REMOTE` publishes the store afterwards. Used on pushes to the main branch so
//! that history and noise calibration accumulate.

use anyhow::Context;

use super::store::{race_note, repo_dir};
use super::Outcome;
use crate::cli::{GlobalArgs, RunArgs};
use crate::model::ResultsFile;
use crate::store::{self, GitStore, ResultStore, DEFAULT_SUITE, STORE_REF};

/// Runs `run`.
pub fn run(args: &RunArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let dir = repo_dir(global);
    let store = GitStore::open(&dir)?;
    if let Some(suite) = &args.suite {
        store::validate_suite(suite).context("--suite")?;
    }
    let rev = args.commit.as_deref().unwrap_or("HEAD");
    let commit = store
        .resolve_commit(rev)
        .with_context(|| format!("choosing the commit to attach the results to (`{rev}`)"))?;
    // Measuring reads the budget file; it also names the suite `check` will look under.
    let (results, measured_suite) = match &args.results {
        Some(path) => (ResultsFile::load(path)?, None),
        None => {
            let (results, suite) = super::check::measure_head_for_store(global)
                .context("measuring HEAD as the budget file configures")?;
            (results, Some(suite))
        }
    };
    let suite = match (&args.suite, measured_suite) {
        (Some(s), _) => s.clone(),
        (None, Some(s)) => s,
        (None, None) => budget_suite(global)?.unwrap_or_else(|| DEFAULT_SUITE.to_string()),
    };
    store::validate_suite(&suite).context("--suite")?;
    if args.commit.is_none() {
        if let Some(measured) = results
            .commit
            .as_deref()
            .filter(|c| !commit.starts_with(*c))
        {
            eprintln!(
                "warning: the results say they measured commit {measured}, but are saved for HEAD ({commit}); pass --commit to choose"
            );
        }
    }
    if results.metrics.is_empty() {
        eprintln!("warning: the results hold no metrics; saving them anyway");
    }
    let saved = store
        .save(&commit, &suite, &results)
        .with_context(|| format!("saving results for {commit} in {STORE_REF}"))?;
    if !global.quiet {
        let what = if saved.unchanged {
            "already stored (unchanged)"
        } else if saved.replaced {
            "replaced the stored results of"
        } else {
            "saved results of"
        };
        eprintln!(
            "{what} {commit} (suite {suite}, {} metrics) in {STORE_REF}",
            results.metrics.len()
        );
    }
    if let Some(remote) = &args.push {
        let pushed = store::push(&dir, remote)
            .with_context(|| format!("pushing the result store to {remote}"))?;
        if !global.quiet {
            eprintln!("pushed {STORE_REF} to {remote}{}", race_note(pushed.merges));
        }
    }
    Ok(Outcome::Pass)
}

/// `settings.suite` of the budget file, when there is one (`check` reads the store under it, so
/// `run` must save under it too). A budget file that exists but does not load is an error.
fn budget_suite(global: &GlobalArgs) -> anyhow::Result<Option<String>> {
    let path = match &global.budget {
        Some(p) => p.clone(),
        None => crate::budget::parse::default_budget_path(
            global.manifest_path.as_deref().and_then(|m| m.parent()),
        ),
    };
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(super::load_budget(global)?.settings.suite))
}
