//! `check`: the whole gate. Read the budget, collect head results (criterion benches, Lighthouse,
//! k6), obtain the base (same-job rerun, the result store, or a file), calibrate from stored
//! history, evaluate, report, publish to GitHub when on Actions, exit.
//!
//! In rerun mode one temporary checkout of the base commit serves both the criterion rerun and
//! the Lighthouse tables that can start the base's site (`url`, `runs` and `serve`): those are
//! measured on both sides here, interleaved; every other metric's base comes from the store.
//!
//! Order matters for users: the report file and the job summary are written before anything is
//! posted, so a failed post never loses the report, and a failed post never changes the verdict.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{output, Outcome};
use crate::budget::evaluate::{evaluate, BaselineSource, EvalOptions};
use crate::budget::{BaselineMode, BudgetFile, LighthouseConfig};
use crate::cli::{BaselineArg, CheckArgs, GlobalArgs};
use crate::model::ResultsFile;
use crate::report::format::short_sha;
use crate::report::{Report, Verdict};
use crate::runner::cargo_bench::{measure_head, BenchOptions};
use crate::runner::lighthouse::{self, BaseSite};
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
    let Collected {
        base,
        head,
        source,
        mut notes,
        stored_base,
        stored_environment,
    } = if let Some(dir) = &args.fake_runner {
        let head =
            ResultsFile::load(&dir.join("head.json")).context("fake runner: head results")?;
        let base_path = args.base.clone().unwrap_or_else(|| dir.join("base.json"));
        let base = ResultsFile::load(&base_path).context("fake runner: base results")?;
        Collected {
            base,
            head,
            source: BaselineSource::File,
            notes: Vec::new(),
            stored_base: BTreeSet::new(),
            stored_environment: None,
        }
    } else {
        collect(args, global, &budget, &budget_dir)?
    };
    if let Some(path) = &args.save_head {
        head.save(path)
            .context("writing the head results (--save-head)")?;
    }

    let mut opts = EvalOptions::new(source);
    opts.stored_base = stored_base;
    opts.stored_environment = stored_environment;
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
    // A gate that measured nothing its budgets name is an error, never a pass.
    if let (Verdict::Pass, Some(problem)) = (report.verdict, report.gate_error()) {
        anyhow::bail!("{problem}");
    }
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

/// Base and head results, how the base was obtained, notes for the report, and the metrics whose
/// base came from the store in a rerun.
struct Collected {
    base: ResultsFile,
    head: ResultsFile,
    source: BaselineSource,
    notes: Vec<String>,
    stored_base: BTreeSet<String>,
    stored_environment: Option<crate::model::Environment>,
}

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
    let rerun_mode = args.base.is_none() && (args.aa || mode == BaselineMode::Rerun);
    let mut stored_base = BTreeSet::new();
    let mut stored_environment = None;

    // Lighthouse tables whose site `check` can start for the base too are measured on both
    // sides in this job; the base checkout is then made once and shared with the benches.
    let interleaved: Vec<&LighthouseConfig> = if rerun_mode {
        budget
            .lighthouse
            .iter()
            .filter(|lh| lighthouse::can_interleave(lh))
            .collect()
    } else {
        Vec::new()
    };
    let checkout = if interleaved.is_empty() || args.aa {
        None
    } else {
        Some(
            rerun::checkout_base(budget_dir, args.base_rev.as_deref(), &settings.main_branch)
                .context("checking out the base commit")?,
        )
    };

    if let Some(criterion) = &budget.criterion {
        let manifest = global
            .manifest_path
            .clone()
            .unwrap_or_else(|| budget_dir.join("Cargo.toml"));
        let bench = BenchOptions::new(manifest, criterion.clone(), global.quiet);
        if rerun_mode {
            let rounds = match args.rounds {
                // The budget file's `rounds` is checked when it is read; the flag here, with
                // the same range, so the error names the flag rather than the budget file.
                Some(n) if !(1..=MAX_ROUNDS).contains(&n) => {
                    anyhow::bail!("--rounds must be between 1 and {MAX_ROUNDS}, found {n}")
                }
                Some(n) => n,
                None => settings.rounds,
            };
            let r = rerun::run_in(
                &RerunOptions {
                    bench,
                    base_rev: args.base_rev.clone(),
                    main_branch: settings.main_branch.clone(),
                    rounds,
                    aa: args.aa,
                },
                checkout.as_ref(),
            )
            .context("measuring base and head interleaved")?;
            notes.extend(r.notes);
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
    if !interleaved.is_empty() {
        let (base_site, base_commit) = match &checkout {
            Some(c) => (
                BaseSite {
                    dir: c
                        .path()
                        .join(relative_to_repository(budget_dir, c.source_workdir())?),
                    label: c.label(),
                },
                Some(c.sha().to_string()),
            ),
            // A/A: both sides are served from the work tree.
            None => (
                BaseSite {
                    dir: budget_dir.to_path_buf(),
                    label: "base (A/A)".into(),
                },
                head_commit(budget_dir),
            ),
        };
        for lh in &interleaved {
            let r = lighthouse::interleave(lh, budget_dir, &base_site, global.quiet)
                .with_context(|| format!("Lighthouse {:?}, base and head interleaved", lh.name))?;
            merge(&mut head, r.head, "head")?;
            merge(&mut base, r.base, "base")?;
        }
        if !base_from_rerun {
            base.commit = base_commit;
            base.environment = crate::model::Environment::detect();
            source = BaselineSource::Rerun;
            base_from_rerun = true;
        }
    }
    drop(checkout);
    if rerun_mode && !budget.lighthouse.is_empty() {
        notes.extend(lighthouse_notes(budget, args.aa));
    }
    merge(
        &mut head,
        collect_tools(global, budget, budget_dir, &interleaved)?,
        "head",
    )?;
    if head.commit.is_none() {
        head.commit = head_commit(budget_dir);
    }

    if let Some(path) = &args.base {
        let file = ResultsFile::load(path).context("reading the base results (--base)")?;
        return Ok(Collected {
            base: file,
            head,
            source: BaselineSource::File,
            notes,
            stored_base: BTreeSet::new(),
            stored_environment: None,
        });
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
                        short_sha(&base_commit),
                        short_sha(&commit)
                    ));
                }
                let stored_env = stored.environment.clone();
                for m in stored.metrics {
                    // A page measured on both sides here never takes a stored base, not even
                    // for a metric the base's runs did not give (that metric is then new).
                    let measured_here = interleaved
                        .iter()
                        .any(|lh| m.id.starts_with(&format!("lighthouse/{}/", lh.name)));
                    if base.metric(&m.id).is_none() && head.metric(&m.id).is_some() && !measured_here {
                        stored_base.insert(m.id.clone());
                        base.metrics.push(m);
                    }
                }
                if base_from_rerun {
                    stored_environment = Some(stored_env);
                } else {
                    base.commit = Some(commit);
                    base.environment = stored_env;
                    source = BaselineSource::Store;
                }
            }
            Ok(None) => notes.push(format!(
                "no stored results for base {} or its recent ancestors: metrics not measured in this job are new (save results on main with `cargo perf-budget run`)",
                short_sha(&base_commit)
            )),
            Err(e) if base_from_rerun || budget.criterion.is_none() => {
                notes.push(format!("result store unavailable: {e}"));
            }
            Err(e) => return Err(anyhow::Error::from(e).context("reading the base results from the store")),
        }
    }
    // Outside a rerun every base metric is a separate run anyway.
    if source != BaselineSource::Rerun {
        stored_base.clear();
    }
    Ok(Collected {
        base,
        head,
        source,
        notes,
        stored_base,
        stored_environment,
    })
}

/// Which pages were measured on both sides in this job and which take their base from the
/// result store, for the report's notes (rerun mode only).
fn lighthouse_notes(budget: &BudgetFile, aa: bool) -> Vec<String> {
    let describe = |lh: &LighthouseConfig| match &lh.url {
        Some(url) => format!("{:?} ({url})", lh.name),
        None => format!("{:?}", lh.name),
    };
    let (both, stored): (Vec<&LighthouseConfig>, Vec<&LighthouseConfig>) = budget
        .lighthouse
        .iter()
        .partition(|lh| lighthouse::can_interleave(lh));
    let mut notes = Vec::new();
    if !both.is_empty() {
        let runs = |lh: &LighthouseConfig| lh.runs.unwrap_or(0);
        let pages: Vec<String> = both
            .iter()
            .map(|lh| format!("{} ({} runs a side)", describe(lh), runs(lh)))
            .collect();
        notes.push(format!(
            "Lighthouse {}: base and head measured in this job, interleaved (base, head, head, base, …), each served by `serve` from its own checkout",
            pages.join(", ")
        ));
    }
    if !stored.is_empty() {
        let pages: Vec<String> = stored.iter().map(|lh| describe(lh)).collect();
        let whence = if aa {
            "have no base in an A/A check"
        } else {
            "take their base from the result store"
        };
        notes.push(format!(
            "Lighthouse {} {whence}: only head can be measured here (set `url`, `runs` and `serve` to measure the base in this job too)",
            pages.join(", ")
        ));
    }
    notes
}

/// `dir` relative to the top level of its git work tree `workdir`: where the budget file's
/// folder is in the base checkout.
fn relative_to_repository(dir: &Path, workdir: &Path) -> anyhow::Result<PathBuf> {
    let absolute = dir
        .canonicalize()
        .with_context(|| format!("reading {}", dir.display()))?;
    absolute
        .strip_prefix(workdir)
        .map(Path::to_path_buf)
        .map_err(|_| {
            anyhow::anyhow!(
                "the budget file's folder {} is outside the git work tree {}, so it has no base version to serve",
                absolute.display(),
                workdir.display()
            )
        })
}

/// Runs or imports every `[[lighthouse]]` and `[[k6]]` table of the budget file, except the
/// Lighthouse tables in `skip` (already measured).
fn collect_tools(
    global: &GlobalArgs,
    budget: &BudgetFile,
    budget_dir: &Path,
    skip: &[&LighthouseConfig],
) -> anyhow::Result<ResultsFile> {
    let mut out = ResultsFile::new();
    for lh in &budget.lighthouse {
        if skip.iter().any(|s| std::ptr::eq(*s, lh)) {
            continue;
        }
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
        collect_tools(global, budget, &budget_dir, &[])?,
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
        comment_on: args
            .comment_on
            .map(Into::into)
            .unwrap_or(budget.settings.comment_on),
    };
    let outcome = crate::github::publish_with_token(report, Some(&budget.path), &opts, token);
    for m in outcome.messages {
        output::print_stderr(&m);
    }
}
