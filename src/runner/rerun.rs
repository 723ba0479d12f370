//! The same-job rerun: check out the base commit (at a stable place, so its build is
//! incremental across runs, see `worktree.rs`), build base and head once each, then measure
//! them interleaved — base, head; head, base; … — for `rounds` rounds, and pool each side's
//! samples. Interleaving makes both sides share the machine's slow phases: on shared CI runners
//! it is the single biggest noise reduction there is.
//!
//! Before anything is built the whole plan is checked: the bench targets exist, the base commit
//! is there, and every flag fits the criterion release each side's benches use (criterion 0.3
//! takes whole seconds only). Each round runs with the benches' own warm-up and measurement
//! times unless `[criterion] warm-up`/`measurement` set them. Every sample keeps the round it
//! came from (`Metric::rounds`, 1-based), so evaluation can estimate the round-to-round noise.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, Oid, Repository};

use super::cargo_bench::{
    absolute_manifest, build, head_commit, import_run, run_args, run_binary, BenchBinary,
    BenchOptions, Metadata, Requirement, Selection, Tree,
};
use super::interrupt::{self, ScratchDir};
use super::shard::{self, Shard};
use super::worktree::{build_location, short_sha, BaseWorktree};
use super::{Progress, RunError};
use crate::model::{Environment, Metric, ResultsFile};

/// Bootstrap resamples per round: criterion's confidence intervals are not used (samples are
/// evaluated by us), and its default of 100 000 per round would dominate short rounds.
const ROUND_RESAMPLES: &str = "10000";

/// What to rerun.
#[derive(Debug, Clone)]
pub struct RerunOptions {
    /// The package, benches and bench arguments (the head side; the base side uses the same
    /// package path inside the base checkout).
    pub bench: BenchOptions,
    /// The base revision (`check` passes the commit it resolved once, see [`resolve_base`]);
    /// `None`: `git merge-base HEAD <main_branch>`.
    pub base_rev: Option<String>,
    /// The main branch for `git merge-base`.
    pub main_branch: String,
    /// Interleaved rounds (at least 1; default 3 in the budget file).
    pub rounds: u32,
    /// A/A: measure HEAD against itself (one build, run as both "base" and "head").
    pub aa: bool,
    /// Only these benchmarks (criterion's full ids); empty: every benchmark.
    pub only: Vec<String>,
    /// The number of the first round (1, or the next one when more rounds are added).
    pub first_round: u32,
    /// Seeds which side goes first in each pair of rounds ([`base_first`]).
    pub seed: u64,
    /// Measure only this shard's share of the benchmarks (`check --shard K/N`).
    pub shard: Option<Shard>,
}

/// Both sides of a rerun, each with its commit and environment set.
#[derive(Debug, Clone)]
pub struct RerunResults {
    /// The base commit's results (HEAD's own in A/A mode).
    pub base: ResultsFile,
    /// HEAD's results.
    pub head: ResultsFile,
    /// For the report: what each round measured (criterion release, times, flags) and how the
    /// base was built.
    pub notes: Vec<String>,
    /// Each round's own results, base then head, before pooling: more rounds added later are
    /// pooled with these ([`pool_rounds`]).
    pub per_round: Vec<(u32, ResultsFile, ResultsFile)>,
}

/// Resolves the base commit to a full SHA: `base_rev` when given; else `pull_request_base`, the
/// pull request's base SHA as the CI event gives it (`github::Context::pull_request_base`); else
/// `git merge-base HEAD <main_branch>`. A commit missing from a shallow clone is an error that
/// names the `git fetch` that would bring it.
pub fn resolve_base(
    repo_dir: &Path,
    base_rev: Option<&str>,
    main_branch: &str,
    pull_request_base: Option<&str>,
) -> Result<String, RunError> {
    let repo = open_repository(repo_dir)?;
    if let Some(rev) = base_rev {
        return revision(&repo, rev).map(|oid| oid.to_string());
    }
    if let Some(sha) = pull_request_base {
        let oid = Oid::from_str(sha).map_err(|_| RunError::Event {
            message: format!(
                "the pull request's base `pull_request.base.sha` is {sha:?}, not a commit SHA"
            ),
        })?;
        return match repo.find_commit(oid) {
            Ok(_) => Ok(oid.to_string()),
            Err(e) if e.code() == ErrorCode::NotFound => Err(RunError::MissingCommit {
                message: format!(
                    "the pull request's base commit {sha} is not in this clone{}",
                    shallow_note(&repo)
                ),
                fetch: format!("git fetch --no-tags --depth=1 origin {sha}"),
            }),
            Err(e) => Err(RunError::git(format!("reading the base commit {sha}"), e)),
        };
    }
    merge_base(&repo, main_branch).map(|oid| oid.to_string())
}

fn open_repository(dir: &Path) -> Result<Repository, RunError> {
    Repository::discover(dir).map_err(|e| {
        if e.code() == ErrorCode::NotFound {
            RunError::NotARepository {
                path: dir.to_path_buf(),
            }
        } else {
            RunError::git(
                format!("opening the git repository at {}", dir.display()),
                e,
            )
        }
    })
}

fn shallow_note(repo: &Repository) -> &'static str {
    if repo.is_shallow() {
        " (a shallow clone)"
    } else {
        ""
    }
}

fn revision(repo: &Repository, rev: &str) -> Result<Oid, RunError> {
    match repo.revparse_single(rev).and_then(|o| o.peel_to_commit()) {
        Ok(commit) => Ok(commit.id()),
        Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::Ambiguous) => {
            Err(RunError::MissingCommit {
                message: format!(
                    "the base revision `{rev}` is not in this clone{}",
                    shallow_note(repo)
                ),
                fetch: if looks_like_sha(rev) {
                    format!("git fetch --no-tags --depth=1 origin {rev}")
                } else {
                    format!("git fetch --no-tags origin {rev}")
                },
            })
        }
        Err(e) => Err(RunError::git(
            format!("resolving the base revision `{rev}`"),
            e,
        )),
    }
}

fn looks_like_sha(rev: &str) -> bool {
    rev.len() >= 7 && rev.chars().all(|c| c.is_ascii_hexdigit())
}

fn merge_base(repo: &Repository, main_branch: &str) -> Result<Oid, RunError> {
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| RunError::git("reading HEAD", e))?
        .id();
    let main = [
        format!("refs/heads/{main_branch}"),
        format!("refs/remotes/origin/{main_branch}"),
    ]
    .iter()
    .find_map(|name| repo.refname_to_id(name).ok())
    .or_else(|| {
        repo.revparse_single(main_branch)
            .and_then(|o| o.peel_to_commit())
            .ok()
            .map(|c| c.id())
    })
    .ok_or_else(|| RunError::MissingCommit {
        message: format!(
            "the main branch `{main_branch}` is not in this clone{} (set `main-branch` in \
             [settings] or pass --base-rev if it has another name)",
            shallow_note(repo)
        ),
        fetch: format!("git fetch --no-tags origin {main_branch}"),
    })?;
    match repo.merge_base(head, main) {
        Ok(oid) => Ok(oid),
        Err(e) if e.code() == ErrorCode::NotFound => {
            if repo.is_shallow() {
                Err(RunError::MissingCommit {
                    message: format!(
                        "HEAD and `{main_branch}` have no common ancestor in this shallow clone"
                    ),
                    fetch: format!("git fetch --no-tags --deepen=200 origin {main_branch}"),
                })
            } else {
                Err(RunError::git(
                    format!(
                        "HEAD and `{main_branch}` have no common ancestor; pass --base-rev to \
                         say what to compare with"
                    ),
                    e,
                ))
            }
        }
        Err(e) => Err(RunError::git(
            format!("git merge-base HEAD {main_branch}"),
            e,
        )),
    }
}

/// A checkout of the base commit that several measurements of one `check` share (the criterion
/// rerun and the interleaved Lighthouse runs), so the base is checked out once. Reused by the
/// next check (see `worktree.rs`).
#[derive(Debug)]
pub struct BaseCheckout {
    worktree: BaseWorktree,
    sha: String,
    workdir: PathBuf,
}

impl BaseCheckout {
    /// The base commit's full SHA.
    pub fn sha(&self) -> &str {
        &self.sha
    }

    /// The root of the checkout (the repository's top level at the base commit).
    pub fn path(&self) -> &Path {
        self.worktree.path()
    }

    /// The top level of the user's work tree it was made from (canonical).
    pub fn source_workdir(&self) -> &Path {
        &self.workdir
    }

    /// "base (abcd1234)", for progress and messages.
    pub fn label(&self) -> String {
        format!("base ({})", crate::model::sha::short_sha(&self.sha))
    }
}

/// Resolves `base_rev` (`None`: `git merge-base HEAD <main_branch>`) in the repository
/// `repo_dir` is in and checks it
/// out at the stable place under cargo's target directory (`.git/perf-budget` without a
/// `Cargo.toml` in `repo_dir`); the user's work tree, index, HEAD and branches are untouched.
pub fn checkout_base(
    repo_dir: &Path,
    base_rev: Option<&str>,
    main_branch: &str,
) -> Result<BaseCheckout, RunError> {
    let repo = open_repository(repo_dir)?;
    let workdir = repo.workdir().ok_or_else(|| RunError::NotARepository {
        path: repo_dir.to_path_buf(),
    })?;
    let workdir = workdir
        .canonicalize()
        .map_err(|e| RunError::io(workdir, e))?;
    let sha = resolve_base(&workdir, base_rev, main_branch, None)?;
    let oid = Oid::from_str(&sha).map_err(|e| RunError::git(format!("base commit {sha}"), e))?;
    // Where the criterion rerun would put it, so both share one stable checkout.
    let manifest = repo_dir.join("Cargo.toml");
    let (location, extra) = match manifest.is_file() {
        true => {
            let metadata = Metadata::read_no_deps(&manifest)?;
            let extra = head_lockfile(&metadata, &workdir);
            (metadata.target_directory.join(STABLE_CHECKOUT), extra)
        }
        false => (
            repo.path().join("perf-budget").join("base-worktree"),
            Vec::new(),
        ),
    };
    let worktree = BaseWorktree::create(&repo, oid, &location, &extra, || {
        eprintln!("waiting for another check using {}", location.display())
    })?;
    Ok(BaseCheckout {
        worktree,
        sha,
        workdir,
    })
}

/// Builds and measures base and head interleaved; see the module documentation.
pub fn run(opts: &RerunOptions) -> Result<RerunResults, RunError> {
    run_in(opts, None)
}

/// [`run`], measuring the base in `checkout` when it is a checkout of the package's repository
/// (else, or when `None`, in a checkout of its own at the stable place).
pub fn run_in(
    opts: &RerunOptions,
    checkout: Option<&BaseCheckout>,
) -> Result<RerunResults, RunError> {
    let progress = Progress::new(opts.bench.quiet);
    let result = run_with(opts, checkout, &progress);
    progress.finish();
    result
}

/// Where the stable base checkout lives, under the head's cargo target directory.
const STABLE_CHECKOUT: &str = "perf-budget/base-worktree";

/// One side of the rerun: its label, its built benches, its arguments, its results per round.
struct Side {
    label: String,
    binaries: Vec<BenchBinary>,
    args: Vec<String>,
    rounds: Vec<(u32, ResultsFile)>,
    home: PathBuf,
}

/// What will run on the base side, decided before anything is built.
struct BasePlan {
    tree: Tree,
    /// `None`: nothing to measure there (every benchmark is new); the note says why.
    selection: Option<Selection>,
    args: Vec<String>,
    note: String,
}

fn run_with(
    opts: &RerunOptions,
    shared: Option<&BaseCheckout>,
    progress: &Progress,
) -> Result<RerunResults, RunError> {
    if opts.rounds == 0 {
        return Err(RunError::Config("`rounds` must be at least 1".into()));
    }
    interrupt::install_handler();
    let manifest = absolute_manifest(&opts.bench.manifest_path)?;
    let package_dir = manifest.parent().unwrap_or(Path::new("/")).to_path_buf();
    // A/A needs no repository (the commit is then unknown); a real rerun needs the base from one.
    let head_sha = head_commit(&package_dir);
    let config = &opts.bench.config;
    let mut notes = Vec::new();

    // The plan, checked before anything is built: the head's benches and their flags first,
    // then the base commit (it must be in the clone) and its checkout.
    progress.spinner();
    progress.status("Checking", "benches, criterion releases and flags");
    let head = plan_head(opts, &manifest, &mut notes)?;
    let (base_sha, base_plan, worktree) = if opts.aa {
        (head_sha.clone(), None, None)
    } else {
        let base = prepare_base(
            opts,
            shared,
            &manifest,
            &package_dir,
            &head.metadata,
            progress,
        )?;
        (Some(base.sha), Some(base.plan), base.worktree)
    };
    notes.push(rounds_note(opts.rounds, &head.note, base_plan.as_ref()));
    notes.push(order_note(opts));

    // Head first: the pull request's own build errors are the likelier ones, and cheap to find.
    let head_binaries = build(&head.tree, config, &head.selection, progress)?;
    let (base_binaries, base_args, base_warning) = match &base_plan {
        None => (head_binaries.clone(), head.args.clone(), None),
        Some(plan) => match &plan.selection {
            Some(selection) => (
                build(&plan.tree, config, selection, progress)?,
                plan.args.clone(),
                None,
            ),
            None => (Vec::new(), Vec::new(), Some(plan.note.clone())),
        },
    };

    let sharded;
    let opts = match opts.shard {
        None => opts,
        Some(shard) => {
            let mine = shard_share(opts, shard, &head_binaries, &base_binaries, &mut notes)?;
            if mine.is_empty() {
                let (base, head) =
                    stamp_sides(ResultsFile::new(), ResultsFile::new(), base_sha, head_sha);
                return Ok(RerunResults {
                    base,
                    head,
                    notes,
                    per_round: Vec::new(),
                });
            }
            sharded = RerunOptions {
                only: mine,
                ..opts.clone()
            };
            &sharded
        }
    };

    let scratch =
        ScratchDir::new("perf-budget-rerun-").map_err(|e| RunError::io(std::env::temp_dir(), e))?;
    let mut base = Side {
        label: base_plan
            .as_ref()
            .map(|p| p.tree.label.clone())
            .unwrap_or_else(|| "base (A/A)".into()),
        binaries: base_binaries,
        args: base_args,
        rounds: Vec::new(),
        home: scratch.path().join("base"),
    };
    let mut head = Side {
        label: "head".into(),
        binaries: head_binaries,
        args: head.args,
        rounds: Vec::new(),
        home: scratch.path().join("head"),
    };
    measure_rounds(&mut base, &mut head, opts, progress)?;
    drop(worktree);

    let per_round = base
        .rounds
        .iter()
        .zip(&head.rounds)
        .map(|((round, b), (_, h))| (*round, b.clone(), h.clone()))
        .collect();
    let (mut base_results, mut head_results) = stamp_sides(
        pool_rounds(std::mem::take(&mut base.rounds)),
        pool_rounds(std::mem::take(&mut head.rounds)),
        base_sha,
        head_sha,
    );
    let environment = Environment::detect();
    base_results.environment = environment.clone();
    base_results.warnings.extend(base_warning);
    head_results.environment = environment;
    Ok(RerunResults {
        base: base_results,
        head: head_results,
        notes,
        per_round,
    })
}

/// The head's side of the plan: its tree, its benches and the arguments of a round.
struct HeadPlan {
    tree: Tree,
    metadata: Metadata,
    selection: Selection,
    args: Vec<String>,
    /// What a round of head measures, in words.
    note: String,
}

/// Reads the head's benches and checks their criterion releases and flags, before anything is
/// built; bench targets that are not criterion's are named in `notes`.
fn plan_head(
    opts: &RerunOptions,
    manifest: &Path,
    notes: &mut Vec<String>,
) -> Result<HeadPlan, RunError> {
    let config = &opts.bench.config;
    let tree = Tree {
        label: "head".into(),
        manifest: manifest.to_path_buf(),
        target_dir: opts.bench.target_dir.clone(),
    };
    let metadata = Metadata::read(manifest)?;
    let selection = metadata
        .select(config, manifest, Requirement::Strict)?
        .ok_or_else(|| RunError::Config("no benches to run".into()))?;
    let (args, note) = side_args(config, &selection, "head")?;
    if !selection.skipped.is_empty() {
        notes.push(format!(
            "not measured: bench targets that do not use criterion: {}",
            selection.skipped.join(", ")
        ));
    }
    Ok(HeadPlan {
        tree,
        metadata,
        selection,
        args,
        note,
    })
}

/// The base of a real rerun: its commit, its plan, and the checkout this run made (kept until
/// the measuring is over; `None` when a shared checkout serves).
struct PreparedBase {
    sha: String,
    plan: BasePlan,
    worktree: Option<BaseWorktree>,
}

/// Resolves the base commit and checks it out (or takes the shared checkout of the same
/// repository), then plans its benches.
fn prepare_base(
    opts: &RerunOptions,
    shared: Option<&BaseCheckout>,
    manifest: &Path,
    package_dir: &Path,
    head_metadata: &Metadata,
    progress: &Progress,
) -> Result<PreparedBase, RunError> {
    let repo = open_repository(package_dir)?;
    let workdir = repo.workdir().ok_or_else(|| RunError::NotARepository {
        path: package_dir.to_path_buf(),
    })?;
    let relative = relative_to_workdir(manifest, workdir)?;
    let canonical = workdir.canonicalize().ok();
    let shared = shared.filter(|c| canonical.as_deref() == Some(c.source_workdir()));
    let head_target = match &opts.bench.target_dir {
        Some(dir) => dir.clone(),
        None => head_metadata.target_directory.clone(),
    };
    let mut worktree: Option<BaseWorktree> = None;
    let (sha, label, checkout) = match shared {
        Some(c) => (c.sha().to_string(), c.label(), c.path().to_path_buf()),
        None => {
            let base_sha =
                resolve_base(workdir, opts.base_rev.as_deref(), &opts.main_branch, None)?;
            let oid = Oid::from_str(&base_sha)
                .map_err(|e| RunError::git(format!("base commit {base_sha}"), e))?;
            let label = format!("base ({})", short_sha(oid));
            progress.status("Preparing", &format!("{label}: checkout"));
            let location =
                build_location(&repo, oid, &relative, &head_target.join(STABLE_CHECKOUT));
            let extra = head_lockfile(head_metadata, workdir);
            let own = worktree.insert(BaseWorktree::create(&repo, oid, &location, &extra, || {
                progress.status(
                    "Waiting",
                    &format!("for another check using {}", location.display()),
                )
            })?);
            if own.reused() {
                progress.detail("reused the checkout of an earlier run");
            }
            (base_sha, label, own.path().to_path_buf())
        }
    };
    let tree = Tree {
        label,
        manifest: checkout.join(relative),
        target_dir: Some(head_target.join("perf-budget").join("base")),
    };
    Ok(PreparedBase {
        sha,
        plan: plan_base(tree, &opts.bench.config)?,
        worktree,
    })
}

/// The benchmark ids of this run's shard (of those the options allow), from both sides' binaries;
/// a note says how many of how many.
fn shard_share(
    opts: &RerunOptions,
    shard: Shard,
    head_binaries: &[BenchBinary],
    base_binaries: &[BenchBinary],
    notes: &mut Vec<String>,
) -> Result<Vec<String>, RunError> {
    let mut ids = BTreeSet::new();
    for binary in head_binaries.iter().chain(base_binaries) {
        ids.extend(shard::list(binary)?);
    }
    let total = ids.len();
    let mine: Vec<String> = ids
        .into_iter()
        .filter(|id| shard.contains(id))
        .filter(|id| opts.only.is_empty() || opts.only.contains(id))
        .collect();
    notes.push(format!(
        "shard {shard}: {} of the {total} benchmarks (chosen by a hash of each id; `merge` the shards for one verdict)",
        mine.len()
    ));
    Ok(mine)
}

/// Marks both sides' results as measured together: each side's commit, and the other's as the
/// one it was interleaved with.
fn stamp_sides(
    mut base: ResultsFile,
    mut head: ResultsFile,
    base_sha: Option<String>,
    head_sha: Option<String>,
) -> (ResultsFile, ResultsFile) {
    base.interleaved_with = head_sha.clone();
    base.commit = base_sha;
    head.interleaved_with = base.commit.clone();
    head.commit = head_sha;
    (base, head)
}

/// The round arguments of one side ([`round_args`]) and what they measure, in words.
fn side_args(
    config: &crate::budget::CriterionConfig,
    selection: &Selection,
    side: &str,
) -> Result<(Vec<String>, String), RunError> {
    let (args, measured) = run_args(config, selection, side)?;
    let args = round_args(&args, selection.criterion.is_some());
    let note = format!("{measured}; arguments: {}", args.join(" "));
    Ok((args, note))
}

/// The report note on the rounds: how many, and what each side's runs measured.
fn rounds_note(rounds: u32, head: &str, base: Option<&BasePlan>) -> String {
    let what = match base {
        None => format!("each run: {head}"),
        Some(plan) if plan.selection.is_none() => format!("head: {head}"),
        Some(plan) if plan.note == head => format!("each run, base and head: {head}"),
        Some(plan) => format!("head: {head}; {}: {}", plan.tree.label, plan.note),
    };
    format!("criterion: {rounds} interleaved round(s) a side; {what}")
}

/// Reads the base's benches and checks their flags, before anything is built. A base without
/// the package or any of the benches measures nothing (its metrics are reported as new).
fn plan_base(tree: Tree, config: &crate::budget::CriterionConfig) -> Result<BasePlan, RunError> {
    let nothing = |tree: Tree, why: String| {
        let note = format!("{}: {why}; every benchmark is new", tree.label);
        Ok(BasePlan {
            tree,
            selection: None,
            args: Vec::new(),
            note,
        })
    };
    if !tree.manifest.is_file() {
        let why = format!("{} does not exist", tree.manifest.display());
        return nothing(tree, why);
    }
    let metadata = Metadata::read(&tree.manifest)?;
    match metadata.select(config, &tree.manifest, Requirement::Available)? {
        Some(selection) => {
            let (args, note) = side_args(config, &selection, &tree.label)?;
            Ok(BasePlan {
                tree,
                selection: Some(selection),
                args,
                note,
            })
        }
        None => nothing(tree, "none of the configured benches exist there".into()),
    }
}

/// The head's `Cargo.lock` as an extra file for the base checkout: when the base commit has
/// none of its own (a library that does not commit one), both sides then build the same
/// dependency versions where they can (cargo adapts it to the base's manifests), and the base's
/// dependencies stay built from one check to the next.
fn head_lockfile(head: &Metadata, workdir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let lock = head.workspace_root.join("Cargo.lock");
    let relative = workdir
        .canonicalize()
        .ok()
        .and_then(|w| lock.strip_prefix(w).ok().map(Path::to_path_buf));
    match (relative, std::fs::read(&lock)) {
        (Some(relative), Ok(content)) => vec![(relative, content)],
        _ => Vec::new(),
    }
}

fn relative_to_workdir(manifest: &Path, workdir: &Path) -> Result<PathBuf, RunError> {
    let workdir = workdir
        .canonicalize()
        .map_err(|e| RunError::io(workdir, e))?;
    manifest
        .strip_prefix(&workdir)
        .map(Path::to_path_buf)
        .map_err(|_| {
            RunError::Config(format!(
                "{} is outside the git work tree {}, so it has no base version to check out",
                manifest.display(),
                workdir.display()
            ))
        })
}

/// Whether the base runs first in `round` (1-based): rounds come in pairs, one base-first and
/// one head-first (counterbalanced), and which of the pair comes first is drawn from `seed`
/// (randomised), so a drift that repeats with the rounds cannot line up with one side.
pub fn base_first(seed: u64, round: u32) -> bool {
    let pair = u64::from(round.saturating_sub(1) / 2);
    // splitmix64 of (seed, pair): a fixed, documented mixing, so a seed repeats an order.
    let mut z = seed ^ pair.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let flip = z & 1 == 1;
    (round % 2 == 1) != flip
}

/// The report note on the order of the sides: the seed, and which rounds ran base first.
fn order_note(opts: &RerunOptions) -> String {
    let first = opts.first_round.max(1);
    let base_first: Vec<String> = (first..first + opts.rounds)
        .filter(|r| base_first(opts.seed, *r))
        .map(|r| r.to_string())
        .collect();
    format!(
        "order: counterbalanced in pairs of rounds, randomised with seed {} (`--seed {}` repeats it); base first in round(s) {}",
        opts.seed,
        opts.seed,
        if base_first.is_empty() { "none".to_string() } else { base_first.join(", ") }
    )
}

/// Runs the rounds, the side that goes first as [`base_first`] says; within a round, each bench
/// target of one side right after the same target of the other.
fn measure_rounds(
    base: &mut Side,
    head: &mut Side,
    opts: &RerunOptions,
    progress: &Progress,
) -> Result<(), RunError> {
    let config = &opts.bench.config;
    // The same bench of both sides pairs up by target and package directory name (two
    // workspace members may both have a bench called `algos`).
    let targets: Vec<(String, Option<OsString>)> = {
        let mut seen = BTreeSet::new();
        head.binaries
            .iter()
            .chain(&base.binaries)
            .map(BenchBinary::pairing_key)
            .filter(|key| seen.insert(key.clone()))
            .collect()
    };
    let runs_per_round = base.binaries.len() + head.binaries.len();
    progress.start_steps(u64::from(opts.rounds) * runs_per_round as u64);
    let first = opts.first_round.max(1);
    let last = first + opts.rounds - 1;
    let filter = only_filter(&opts.only);
    let args_of =
        |side: &Side| -> Vec<String> { side.args.iter().cloned().chain(filter.clone()).collect() };
    let (base_args, head_args) = (args_of(base), args_of(head));
    for round in first..=last {
        let order: [&Side; 2] = if base_first(opts.seed, round) {
            [base, head]
        } else {
            [head, base]
        };
        for key in &targets {
            for side in order {
                let Some(binary) = side.binaries.iter().find(|b| &b.pairing_key() == key) else {
                    continue;
                };
                let what = format!(
                    "{} round {round}/{last} (bench: {})",
                    side.label, binary.target
                );
                progress.status("Running", &what);
                let home = round_home(&side.home, round);
                let args = if std::ptr::eq(side, &*base) {
                    &base_args
                } else {
                    &head_args
                };
                run_binary(&side.label, binary, config, args, &home, progress)?;
                progress.step();
            }
        }
        for side in [&mut *base, &mut *head] {
            let label = format!("{} round {round}", side.label);
            let results = import_run(&label, &round_home(&side.home, round))?;
            side.rounds.push((round, results));
        }
    }
    progress.spinner();
    Ok(())
}

/// criterion's filter (a regular expression on the benchmark's full id) that selects exactly
/// `ids`; `None` for every benchmark.
fn only_filter(ids: &[String]) -> Option<String> {
    if ids.is_empty() {
        return None;
    }
    let escape = |id: &str| {
        id.chars().fold(String::new(), |mut out, c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                out.push('\\');
            }
            out.push(c);
            out
        })
    };
    let alternatives: Vec<String> = ids.iter().map(|id| escape(id)).collect();
    Some(format!("^({})$", alternatives.join("|")))
}

fn round_home(side_home: &Path, round: u32) -> PathBuf {
    side_home.join(format!("round-{round}"))
}

/// The bench arguments for one round: those of every run ([`run_args`]), plus — when the
/// benches' criterion release is known and the user did not set them — no plots and fewer
/// bootstrap resamples (the samples are evaluated here, not criterion's intervals). Warm-up and
/// measurement times are left to the benches unless the budget file sets them.
pub(crate) fn round_args(args: &[String], known_release: bool) -> Vec<String> {
    let mut out = args.to_vec();
    if !known_release {
        return out;
    }
    let has = |flag: &str| {
        args.iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
    };
    if !has("--noplot") {
        out.push("--noplot".into());
    }
    if !has("--nresamples") {
        out.extend(["--nresamples".into(), ROUND_RESAMPLES.into()]);
    }
    out
}

/// Pools the per-round results of one side: per metric, the samples of all rounds with the
/// round of each sample in `rounds`, and as `value` the median of the per-round values.
/// A metric missing from some rounds is pooled from the rounds that have it.
pub fn pool_rounds(rounds: Vec<(u32, ResultsFile)>) -> ResultsFile {
    let mut pooled = ResultsFile::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    for (round, results) in rounds {
        // The same note from every round (a benchmark with few samples) is said once.
        for warning in results.warnings {
            if !pooled.warnings.contains(&warning) {
                pooled.warnings.push(warning);
            }
        }
        pooled.thresholds.extend(results.thresholds);
        for metric in results.metrics {
            let index = match pooled.metrics.iter().position(|m| m.id == metric.id) {
                Some(index) => index,
                None => {
                    let mut first = Metric {
                        samples: Vec::new(),
                        rounds: Vec::new(),
                        ..metric.clone()
                    };
                    first.failure = None;
                    pooled.metrics.push(first);
                    values.push(Vec::new());
                    pooled.metrics.len() - 1
                }
            };
            let target = &mut pooled.metrics[index];
            target
                .rounds
                .extend(std::iter::repeat_n(round, metric.samples.len()));
            target.samples.extend(metric.samples);
            if target.sample_kind.is_none() {
                target.sample_kind = metric.sample_kind;
            }
            match metric.failure {
                Some(failure) if target.failure.is_none() => target.failure = Some(failure),
                Some(_) => {}
                None => values[index].push(metric.value),
            }
        }
    }
    for (metric, values) in pooled.metrics.iter_mut().zip(values) {
        if let Some(median) = median(values) {
            metric.value = median;
        }
    }
    pooled
}

/// The median of the finite values; `None` without any.
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|v| v.is_finite());
    (!values.is_empty()).then(|| crate::stats::describe::median_in_place(&mut values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, SampleKind, Unit};

    fn round(values: &[(&str, f64, &[f64])]) -> ResultsFile {
        let mut file = ResultsFile::new();
        for (id, value, samples) in values {
            file.metrics.push(
                Metric::new(*id, Unit::Nanoseconds, Direction::Lower, *value)
                    .with_samples(SampleKind::Iterations, samples.to_vec()),
            );
        }
        file
    }

    #[test]
    fn pools_samples_with_their_rounds_and_takes_the_median_of_round_values() {
        let pooled = pool_rounds(vec![
            (
                1,
                round(&[
                    ("criterion/a", 10.0, &[9.0, 11.0]),
                    ("criterion/b", 1.0, &[1.0]),
                ]),
            ),
            (2, round(&[("criterion/a", 30.0, &[29.0, 31.0])])),
            (
                3,
                round(&[("criterion/a", 12.0, &[12.0]), ("criterion/b", 3.0, &[3.0])]),
            ),
        ]);
        let a = pooled.metric("criterion/a").unwrap();
        assert_eq!(a.samples, [9.0, 11.0, 29.0, 31.0, 12.0]);
        assert_eq!(a.rounds, [1, 1, 2, 2, 3]);
        assert_eq!(a.value, 12.0);
        assert_eq!(a.sample_kind, Some(SampleKind::Iterations));
        let b = pooled.metric("criterion/b").unwrap();
        assert_eq!((b.value, b.rounds.as_slice()), (2.0, &[1, 3][..]));
        // The pooled file is a valid results file (rounds parallel to samples).
        ResultsFile::from_json(&pooled.to_json(), "pooled").unwrap();
    }

    #[test]
    fn metrics_without_samples_keep_no_rounds() {
        let mut file = ResultsFile::new();
        file.metrics.push(Metric::new(
            "criterion/a/throughput",
            Unit::Nanoseconds,
            Direction::Higher,
            5.0,
        ));
        let pooled = pool_rounds(vec![(1, file.clone()), (2, file)]);
        let m = &pooled.metrics[0];
        assert!(m.samples.is_empty() && m.rounds.is_empty());
        assert_eq!(m.value, 5.0);
    }

    #[test]
    fn rounds_keep_the_benches_times_and_add_only_known_flags() {
        assert_eq!(
            round_args(&[], true).join(" "),
            "--noplot --nresamples 10000"
        );
        let user: Vec<String> = ["--measurement-time=2", "--noplot"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            round_args(&user, true).join(" "),
            "--measurement-time=2 --noplot --nresamples 10000"
        );
        assert_eq!(
            round_args(&["--nresamples".into(), "500".into()], true).join(" "),
            "--nresamples 500 --noplot"
        );
        // A criterion of unknown release gets nothing it might reject.
        assert_eq!(round_args(&user, false), user);
    }

    #[test]
    fn the_order_is_counterbalanced_in_pairs_randomised_and_repeatable() {
        let mut orientations = std::collections::BTreeSet::new();
        for seed in 0..64u64 {
            for pair in 0..8u32 {
                let (a, b) = (2 * pair + 1, 2 * pair + 2);
                assert_ne!(
                    base_first(seed, a),
                    base_first(seed, b),
                    "seed {seed} pair {pair}"
                );
                orientations.insert(base_first(seed, a));
            }
            let order: Vec<bool> = (1..=12).map(|r| base_first(seed, r)).collect();
            assert_eq!(
                order,
                (1..=12).map(|r| base_first(seed, r)).collect::<Vec<_>>()
            );
        }
        assert_eq!(orientations.len(), 2, "both orientations are drawn");
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }
}
