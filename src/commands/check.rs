//! `check`: the whole gate. Read the budget, collect head results (criterion benches, Lighthouse,
//! k6), obtain the base (same-job rerun, the result store, or a file), calibrate from stored
//! history, evaluate, report, publish to GitHub when on Actions, exit.
//!
//! Order matters for users: the report file and the job summary are written before anything is
//! posted, so a failed post never loses the report, and a failed post never changes the verdict.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{output, Outcome};
use crate::budget::evaluate::{evaluate, BaselineSource, EvalOptions};
use crate::budget::{BaselineMode, BudgetFile};
use crate::cli::{BaselineArg, CheckArgs, GlobalArgs};
use crate::model::ResultsFile;
use crate::report::{Report, Verdict};
use crate::runner::cargo_bench::{measure_head, BenchOptions};
use crate::runner::rerun::{self, RerunOptions};

/// How many stored main-branch runs calibrate the noise.
const CALIBRATION_DEPTH: usize = 30;
/// The most interleaved rounds `--rounds` accepts (as `rounds` in the budget file).
const MAX_ROUNDS: u32 = 50;

/// Runs `check`.
pub fn run(args: &CheckArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    // Before anything runs the pull request's code (builds, benchmarks, servers): they must
    // not inherit a token that can write to the repository.
    let token = crate::github::Token::take_from_env(&args.token_env);
    let budget = super::load_budget(global)?;
    let budget_dir = budget_dir(&budget);
    let (base, head, source, mut notes) = if let Some(dir) = &args.fake_runner {
        let head =
            ResultsFile::load(&dir.join("head.json")).context("fake runner: head results")?;
        let base_path = args.base.clone().unwrap_or_else(|| dir.join("base.json"));
        let base = ResultsFile::load(&base_path).context("fake runner: base results")?;
        (base, head, BaselineSource::File, Vec::new())
    } else {
        collect(args, global, &budget, &budget_dir)?
    };
    if let Some(path) = &args.save_head {
        head.save(path)
            .context("writing the head results (--save-head)")?;
    }

    let mut opts = EvalOptions::new(source);
    opts.strict = args.strict;
    if source != BaselineSource::Rerun || !budget.lighthouse.is_empty() || !budget.k6.is_empty() {
        // Base and head from different runs: calibrate with the stored history, when there is one.
        let head_commit = head.commit.clone().unwrap_or_else(|| "HEAD".into());
        match crate::store::calibration_for(
            &budget_dir,
            &head_commit,
            &budget.settings.suite,
            &budget.settings.main_branch,
            CALIBRATION_DEPTH,
        ) {
            Ok((noise, history)) => {
                opts.noise = noise;
                opts.history = history;
            }
            Err(e) => notes.push(format!("no stored history for calibration: {e}")),
        }
    }

    let mut report = evaluate(&budget, &base, &head, &opts)
        .with_context(|| format!("evaluating {}", budget.path.display()))?;
    report.notes.splice(0..0, notes);
    output::emit(&report, global)?;
    publish(&report, args, global, &budget, token);
    Ok(match report.verdict {
        Verdict::Pass => Outcome::Pass,
        Verdict::Fail => Outcome::Fail,
    })
}

/// The directory the budget file's relative paths start from.
fn budget_dir(budget: &BudgetFile) -> PathBuf {
    match budget.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

type Collected = (ResultsFile, ResultsFile, BaselineSource, Vec<String>);

/// Measures head and obtains the base as the budget file and the flags say.
fn collect(
    args: &CheckArgs,
    global: &GlobalArgs,
    budget: &BudgetFile,
    budget_dir: &Path,
) -> anyhow::Result<Collected> {
    let settings = &budget.settings;
    let mode = match args.baseline {
        Some(BaselineArg::Rerun) => BaselineMode::Rerun,
        Some(BaselineArg::Store) => BaselineMode::Store,
        None => settings.baseline,
    };
    let mut notes = Vec::new();
    let mut head = ResultsFile::new();
    head.environment = crate::model::Environment::detect();
    let mut base = ResultsFile::new();
    let mut source = BaselineSource::Store;
    let mut base_from_rerun = false;

    if let Some(criterion) = &budget.criterion {
        let manifest = global
            .manifest_path
            .clone()
            .unwrap_or_else(|| budget_dir.join("Cargo.toml"));
        let bench = BenchOptions::new(manifest, criterion.clone(), global.quiet);
        if args.base.is_none() && (args.aa || mode == BaselineMode::Rerun) {
            let rounds = match args.rounds {
                // The budget file's `rounds` is checked when it is read; the flag here, with
                // the same range, so the error names the flag rather than the budget file.
                Some(n) if !(1..=MAX_ROUNDS).contains(&n) => {
                    anyhow::bail!("--rounds must be between 1 and {MAX_ROUNDS}, found {n}")
                }
                Some(n) => n,
                None => settings.rounds,
            };
            let r = rerun::run(&RerunOptions {
                bench,
                base_rev: args.base_rev.clone(),
                main_branch: settings.main_branch.clone(),
                rounds,
                aa: args.aa,
            })
            .context("measuring base and head interleaved")?;
            merge(&mut head, r.head, "head")?;
            merge(&mut base, r.base, "base")?;
            source = BaselineSource::Rerun;
            base_from_rerun = true;
        } else {
            merge(
                &mut head,
                measure_head(&bench).context("running the benchmarks")?,
                "head",
            )?;
        }
    }
    merge(
        &mut head,
        collect_tools(global, budget, budget_dir)?,
        "head",
    )?;
    if head.commit.is_none() {
        head.commit = head_commit(budget_dir);
    }

    if let Some(path) = &args.base {
        let file = ResultsFile::load(path).context("reading the base results (--base)")?;
        return Ok((file, head, BaselineSource::File, notes));
    }
    // Metrics the rerun did not measure (Lighthouse, k6, or every metric in store mode) come from
    // the stored results of the base commit.
    let needs_store = head.metrics.iter().any(|m| base.metric(&m.id).is_none());
    if needs_store && !args.aa {
        let base_commit =
            rerun::resolve_base(budget_dir, args.base_rev.as_deref(), &settings.main_branch)
                .context("finding the base commit")?;
        match crate::store::find_base(budget_dir, &base_commit, &settings.suite) {
            Ok(Some((commit, stored))) => {
                if commit != base_commit {
                    notes.push(format!(
                        "base {} has no stored results; used its nearest ancestor with results, {}",
                        short(&base_commit),
                        short(&commit)
                    ));
                }
                let stored_env = stored.environment.clone();
                for m in stored.metrics {
                    if base.metric(&m.id).is_none() && head.metric(&m.id).is_some() {
                        base.metrics.push(m);
                    }
                }
                if !base_from_rerun {
                    base.commit = Some(commit);
                    base.environment = stored_env;
                    source = BaselineSource::Store;
                }
            }
            Ok(None) => notes.push(format!(
                "no stored results for base {} or its recent ancestors: metrics not measured in this job are new (save results on main with `cargo perf-budget run`)",
                short(&base_commit)
            )),
            Err(e) if base_from_rerun || budget.criterion.is_none() => {
                notes.push(format!("result store unavailable: {e}"));
            }
            Err(e) => return Err(anyhow::Error::from(e).context("reading the base results from the store")),
        }
    }
    Ok((base, head, source, notes))
}

/// Runs or imports every `[[lighthouse]]` and `[[k6]]` table of the budget file.
fn collect_tools(
    global: &GlobalArgs,
    budget: &BudgetFile,
    budget_dir: &Path,
) -> anyhow::Result<ResultsFile> {
    let mut out = ResultsFile::new();
    for lh in &budget.lighthouse {
        let r = crate::runner::lighthouse::collect(lh, budget_dir, global.quiet)
            .with_context(|| format!("Lighthouse {:?}", lh.name))?;
        merge(&mut out, r, "head")?;
    }
    for k in &budget.k6 {
        let r = crate::runner::k6::collect(k, budget_dir, global.quiet)
            .with_context(|| format!("k6 {:?}", k.name))?;
        merge(&mut out, r, "head")?;
    }
    Ok(out)
}

/// Measures HEAD once (no base): criterion benches, Lighthouse and k6, as `run` saves them.
pub(crate) fn measure_head_only(
    global: &GlobalArgs,
    budget: &BudgetFile,
) -> anyhow::Result<ResultsFile> {
    let budget_dir = budget_dir(budget);
    let mut head = ResultsFile::new();
    head.environment = crate::model::Environment::detect();
    if let Some(criterion) = &budget.criterion {
        let manifest = global
            .manifest_path
            .clone()
            .unwrap_or_else(|| budget_dir.join("Cargo.toml"));
        let bench = BenchOptions::new(manifest, criterion.clone(), global.quiet);
        merge(
            &mut head,
            measure_head(&bench).context("running the benchmarks")?,
            "head",
        )?;
    }
    merge(
        &mut head,
        collect_tools(global, budget, &budget_dir)?,
        "head",
    )?;
    if head.commit.is_none() {
        head.commit = head_commit(&budget_dir);
    }
    Ok(head)
}

fn head_commit(dir: &Path) -> Option<String> {
    crate::store::GitStore::open(dir)
        .ok()
        .and_then(|s| s.resolve_commit("HEAD").ok())
}

fn merge(into: &mut ResultsFile, from: ResultsFile, side: &str) -> anyhow::Result<()> {
    into.merge(from)
        .map_err(|e| anyhow::anyhow!("{side} results: {e}"))
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

/// Job summary, outputs, annotations and the sticky comment; never changes the verdict.
fn publish(
    report: &Report,
    args: &CheckArgs,
    global: &GlobalArgs,
    budget: &BudgetFile,
    token: Option<crate::github::Token>,
) {
    let opts = crate::github::PublishOptions {
        comment_id: args
            .comment_id
            .clone()
            .unwrap_or_else(|| budget.settings.suite.clone()),
        token_env: args.token_env.clone(),
        no_comment: args.no_comment,
        report_path: global.output.clone(),
        quiet: global.quiet,
    };
    let outcome = crate::github::publish_with_token(report, Some(&budget.path), &opts, token);
    for m in outcome.messages {
        eprintln!("{m}");
    }
}
