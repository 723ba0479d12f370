//! The git result store: results of every measured commit kept in the repository itself, so users
//! need no server. [`GitStore`] reads and writes it (tests use one in a temporary directory); the
//! gate reads it through the small `gate::Store` interface, which its unit tests fake.
//!
//! # Where the results live, and why there
//!
//! Results are kept under a ref of our own, **`refs/perf-budget/results`**, whose commits hold a
//! tree with one directory per measured commit and one directory per suite inside it:
//!
//! ```text
//! refs/perf-budget/results ─> commit ─> tree
//!   ab/                                   first two hex digits of the measured commit (fan-out)
//!     cdef…(38 more)/                     the rest of the measured commit's SHA
//!       default/                          suite (`--suite`, `settings.suite`, else `default`)
//!         results.json                    {"store": "perf-budget/store/v1", "results": <results file>}
//!         summary.json                    per-metric log summaries, so `history` never parses samples
//!       lighthouse/
//!         results.json
//!         summary.json
//! ```
//!
//! We chose a tree of our own over git notes (`refs/notes/perf-budget`, one blob per commit)
//! because of the two things that go wrong with notes:
//!
//! * **Several suites per commit.** A note is one blob, so two CI jobs (a criterion suite and a
//!   Lighthouse suite) that annotate the same commit would both rewrite that blob. With a file per
//!   suite, different suites never touch the same path, and a race between them merges at the
//!   tree level without looking into any file.
//! * **Merging on a push race.** `git notes merge` can only concatenate note texts (`union`,
//!   `cat_sort_uniq`), which breaks JSON. We merge two store tips ourselves: the union of all
//!   `commit/suite` directories; when both sides hold the same commit and suite, the entry with the
//!   newer `time` wins (ties: the larger blob id, so every clone converges on the same result).
//!   The losing entry is not destroyed: the merge commit keeps both parents, so it stays in the
//!   store's own history.
//!
//! The store ref's commits reference only their own trees and blobs, never the measured commits,
//! so fetching the store never pulls source history, and a shallow clone can fetch all of it.
//!
//! # Moving the store between clones
//!
//! Plain refspecs work (the GitHub Action runs them through `cargo perf-budget store push|fetch`,
//! which also merges on a race and retries):
//!
//! ```text
//! git fetch origin +refs/perf-budget/results:refs/perf-budget/results   # replaces the local store
//! git push origin refs/perf-budget/results:refs/perf-budget/results     # fast-forward only
//! ```
//!
//! Push and fetch run the `git` program, because in GitHub Actions the credentials that
//! `actions/checkout` sets up live in `http.<url>.extraheader`, which libgit2 does not read.
//! Everything else (reading, saving, merging) uses git2 and never touches the work tree, the index
//! or `HEAD`.
//!
//! # Versions
//!
//! Each entry carries its store format (`perf-budget/store/v1`) next to the results file's own
//! `schema`. A bare results file without the envelope (for example added by hand with
//! `git hash-object`) still loads as format "v0". An entry in a format this version does not know,
//! or one that does not parse, is reported with its commit and skipped: it is never taken as data.

mod baseline;
mod calibration;
mod git;
mod layout;
mod remote;
mod summary;
mod view;

use std::path::PathBuf;

pub use baseline::{find_base, find_base_detailed, find_base_reporting, BaseLookup};
pub(crate) use calibration::noise_map_from_runs;
pub use calibration::{
    calibration_for, calibration_reporting, environment_shift, level_shifts, noise_map, LevelShift,
};
pub use git::GitStore;
pub use layout::{validate_suite, DEFAULT_SUITE, STORE_FORMAT, STORE_REF};
pub use remote::{check_remote, fetch, push, FetchOutcome, PushOutcome};
pub use summary::{MetricSummary, RunSummary};
pub use view::history_view;

use crate::model::ResultsFile;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory is not inside a git repository.
    #[error("{path}: not inside a git repository (the result store lives in the repository's refs): {source}")]
    NotARepository {
        /// The directory searched from.
        path: PathBuf,
        /// What libgit2 said.
        #[source]
        source: git2::Error,
    },
    /// A git operation failed.
    #[error("{context}: {source}")]
    Git {
        /// What we were doing.
        context: String,
        /// What libgit2 said.
        #[source]
        source: git2::Error,
    },
    /// A suite name that cannot be a directory name in the store.
    #[error("suite name {name:?} is not allowed: {reason}")]
    InvalidSuite {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A revision that does not name a commit here.
    #[error("{rev:?} does not name a commit in this repository{hint}")]
    UnknownRevision {
        /// The revision as given.
        rev: String,
        /// A suggestion (a `git fetch` to run), starting with "; ", or empty.
        hint: String,
    },
    /// The history needed is not in this (shallow or partial) clone.
    #[error("{what}; run `{fetch}` and try again")]
    MissingHistory {
        /// What is missing, naming the commit.
        what: String,
        /// The exact `git fetch` command that brings it.
        fetch: String,
    },
    /// No result store in this repository.
    #[error("no results are stored in this repository (ref {STORE_REF} does not exist){hint}")]
    NoStore {
        /// How to get one, starting with "; ".
        hint: String,
    },
    /// A remote name that cannot be handed to `git` (it would be read as an option).
    #[error("remote {remote:?} is not allowed: {reason}")]
    InvalidRemote {
        /// The name as given (cut to a bound).
        remote: String,
        /// Why.
        reason: &'static str,
    },
    /// `git push`/`git fetch` failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    GitCommand {
        /// The command line, for the user to rerun.
        command: String,
        /// Exit status.
        status: String,
        /// What git printed on stderr.
        stderr: String,
    },
    /// Pushing kept losing races with other writers.
    #[error("pushing {STORE_REF} to {remote} was rejected {attempts} times in a row, even after fetching and merging the remote's results; last error: {stderr}")]
    PushRaceLost {
        /// The remote.
        remote: String,
        /// How many pushes were tried.
        attempts: u32,
        /// What git said the last time.
        stderr: String,
    },
    /// The results to save are not usable.
    #[error("cannot save results for commit {commit}: {message}")]
    InvalidResults {
        /// The commit they were meant for.
        commit: String,
        /// What is wrong.
        message: String,
    },
}

impl StoreError {
    pub(crate) fn git(context: impl Into<String>, source: git2::Error) -> StoreError {
        StoreError::Git {
            context: context.into(),
            source,
        }
    }
}

/// A store entry that could not be read. It is reported and skipped, never taken as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblem {
    /// The measured commit the entry belongs to (full SHA); empty when a store directory is
    /// damaged without a commit in view (`message` names the directory).
    pub commit: String,
    /// The suite directory; empty when the damage is above the suites (`message` says where).
    pub suite: String,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.commit.is_empty(), self.suite.is_empty()) {
            (true, _) => write!(f, "{}", self.message),
            (false, true) => write!(
                f,
                "stored results of commit {} were skipped: {}",
                self.commit, self.message
            ),
            (false, false) => write!(
                f,
                "stored results of commit {} (suite {}) are unreadable and were skipped: {}",
                self.commit, self.suite, self.message
            ),
        }
    }
}

/// The problems as lines for a report's notes, each once (a damaged directory can be met on
/// behalf of many commits).
pub fn problem_notes(problems: &[EntryProblem]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    problems
        .iter()
        .map(|p| p.to_string())
        .filter(|line| seen.insert(line.clone()))
        .collect()
}

/// Every suite stored for one commit.
#[derive(Debug, Clone, Default)]
pub struct CommitResults {
    /// The commit (full SHA).
    pub commit: String,
    /// Results by suite.
    pub suites: std::collections::BTreeMap<String, ResultsFile>,
    /// Entries of this commit that could not be read.
    pub problems: Vec<EntryProblem>,
}

/// What `save` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveOutcome {
    /// The measured commit the results were attached to (full SHA).
    pub commit: String,
    /// The suite.
    pub suite: String,
    /// The new tip of the store ref.
    pub store_tip: String,
    /// True when results for this commit and suite already existed and were replaced (the old
    /// ones stay in the store ref's history).
    pub replaced: bool,
    /// True when identical results were already stored, so nothing was written.
    pub unchanged: bool,
}

/// Which history to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Start here [default: `HEAD`].
    pub from_rev: Option<String>,
    /// Follow only first parents (the main line of a merge-based workflow).
    pub first_parent: bool,
    /// Stop after this many commits that have results.
    pub last_n: Option<usize>,
    /// Only this suite [default: all suites].
    pub suite: Option<String>,
    /// Walk at most this many commits.
    pub max_walk: usize,
}

impl Default for HistoryQuery {
    fn default() -> Self {
        HistoryQuery {
            from_rev: None,
            first_parent: true,
            last_n: None,
            suite: None,
            max_walk: 1_000_000,
        }
    }
}

/// One commit of the walked history that has results.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryCommit {
    /// Full SHA.
    pub commit: String,
    /// First line of the commit message.
    pub subject: String,
    /// Commit time, RFC 3339 (UTC).
    pub commit_time: String,
    /// One summary per stored suite (filtered by the query), ordered by suite name.
    pub runs: Vec<RunSummary>,
}

/// Why a history walk stopped before the root or the requested number of commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkStop {
    /// The clone is shallow and the walk reached its boundary.
    Shallow {
        /// The last commit reachable.
        boundary: String,
        /// The `git fetch` that brings more history.
        fetch: String,
    },
    /// A commit (or parent) is not in this repository.
    MissingCommit {
        /// The missing commit.
        commit: String,
        /// The `git fetch` that brings it.
        fetch: String,
    },
    /// The walk limit was reached.
    Limit {
        /// How many commits were walked.
        walked: usize,
    },
}

impl std::fmt::Display for WalkStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WalkStop::Shallow { boundary, fetch } => write!(
                f,
                "history stops at {boundary}: this clone is shallow; run `{fetch}` to see older results"
            ),
            WalkStop::MissingCommit { commit, fetch } => write!(
                f,
                "commit {commit} is not in this clone; run `{fetch}` to see older results"
            ),
            WalkStop::Limit { walked } => {
                write!(f, "stopped after walking {walked} commits")
            }
        }
    }
}

/// The stored history along a walk of the commit graph.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The commit the walk started from (full SHA).
    pub start: String,
    /// Commits with results, newest first.
    pub commits: Vec<HistoryCommit>,
    /// Entries skipped because they could not be read.
    pub problems: Vec<EntryProblem>,
    /// Set when the walk ended early (shallow clone, missing commit, walk limit).
    pub stopped: Option<WalkStop>,
    /// Commits walked.
    pub walked: usize,
}
