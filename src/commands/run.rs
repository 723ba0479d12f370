//! `run`: measure HEAD (the budget file's criterion benches, Lighthouse and k6 runs) or take
//! `--results FILE`, and save the results to the git result store under the commit (`--commit`,
//! default HEAD) and suite (`--suite`, else `settings.suite`, else `default`); `--push REMOTE`
//! publishes the store afterwards. Used on pushes to the main branch so that history and noise
//! calibration accumulate.

use super::output::print_stderr;
use anyhow::Context;

use super::store::{race_note, repo_dir};
use super::Outcome;
use crate::budget::BudgetFile;
use crate::cli::{GlobalArgs, RunArgs};
use crate::model::ResultsFile;
use crate::store::{self, GitStore, DEFAULT_SUITE, STORE_REF};

/// Runs `run`.
pub fn run(args: &RunArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let dir = repo_dir(global);
    // A remote that cannot be pushed to is refused before anything is saved.
    if let Some(remote) = &args.push {
        store::check_remote(remote).context("choosing the remote to push to (--push)")?;
    }
    let store = GitStore::open(&dir)?;
    // The budget file names the suite and what to measure; with --results it is optional.
    let budget = if args.results.is_some() && global.budget.is_none() {
        let path = crate::budget::default_budget_path(
            global.manifest_path.as_deref().and_then(|m| m.parent()),
        );
        if path.exists() {
            Some(
                crate::budget::load(&path)
                    .with_context(|| format!("reading budget file {}", path.display()))?,
            )
        } else {
            None
        }
    } else {
        Some(super::load_budget(global)?)
    };
    let suite = match (&args.suite, &budget) {
        (Some(s), _) => s.clone(),
        (None, Some(b)) => b.settings.suite.clone(),
        (None, None) => DEFAULT_SUITE.to_string(),
    };
    store::validate_suite(&suite).context("choosing the suite (--suite or settings.suite)")?;
    let rev = args.commit.as_deref().unwrap_or("HEAD");
    let commit = store
        .resolve_commit(rev)
        .with_context(|| format!("choosing the commit to attach the results to (`{rev}`)"))?;
    let results = match &args.results {
        Some(path) => ResultsFile::load(path)?,
        None => measure(
            budget
                .as_ref()
                .context("no budget file says what to measure; pass --results FILE")?,
            global,
        )?,
    };
    if args.commit.is_none() {
        if let Some(measured) = results
            .commit
            .as_deref()
            .filter(|c| !c.is_empty() && !commit.starts_with(*c))
        {
            print_stderr(&format!(
                "warning: the results say they measured commit {measured}, but are saved for HEAD ({commit}); pass --commit to choose"
            ));
        }
    }
    if results.metrics.is_empty() {
        print_stderr("warning: the results hold no metrics; saving them anyway");
    }
    let saved = store
        .save(&commit, &suite, &results)
        .with_context(|| format!("saving results for {commit} in {STORE_REF}"))?;
    if !global.quiet {
        let what = if saved.unchanged {
            "already stored (unchanged):"
        } else if saved.replaced {
            "replaced the stored results of"
        } else {
            "saved results of"
        };
        print_stderr(&format!(
            "{what} {commit} (suite {suite}, {} metrics) in {STORE_REF}",
            results.metrics.len()
        ));
    }
    if let Some(remote) = &args.push {
        let pushed = store::push(&dir, remote)
            .with_context(|| format!("pushing the result store to {remote}"))?;
        if !global.quiet {
            print_stderr(&format!(
                "pushed {STORE_REF} to {remote}{}",
                race_note(pushed.merges)
            ));
        }
    }
    Ok(Outcome::Pass)
}

/// Measures HEAD as the budget file configures it: criterion benches, Lighthouse, k6 (the same
/// collection `check` does for head, without a base).
fn measure(budget: &BudgetFile, global: &GlobalArgs) -> anyhow::Result<ResultsFile> {
    if budget.criterion.is_none()
        && budget.lighthouse.is_empty()
        && budget.k6.is_empty()
        && budget.hyperfine.is_empty()
        && budget.divan.is_empty()
    {
        anyhow::bail!(
            "{} configures nothing to measure ([criterion], [[lighthouse]], [[k6]], [[hyperfine]] or [[divan]]); pass --results FILE to save existing results",
            budget.path.display()
        );
    }
    let budget_dir = super::check::budget_dir(budget);
    let measure = crate::gate::ProjectMeasure::new(
        &budget_dir,
        global.manifest_path.clone(),
        &budget.settings.main_branch,
        global.quiet,
        false,
        0,
    );
    crate::gate::measure_head(budget, &measure)
}
