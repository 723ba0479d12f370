//! The base results for `check` with `baseline = "store"`: the stored results of the base commit,
//! or of its nearest first-parent ancestor that has some (at most [`BASE_SEARCH_DEPTH`] commits
//! back). Shallow clones are handled: a base commit that is not in the clone is still found by
//! its SHA when it has results; otherwise the error names the exact `git fetch` that is missing.

use std::path::Path;

use git2::Oid;

use crate::model::ResultsFile;

use super::git::{EntryRead, GitStore, WalkEnd};
use super::layout::{is_full_sha, validate_suite};
use super::remote::{fetch_store_into, has_remote, FetchOutcome};
use super::{EntryProblem, StoreError, WalkStop};

/// How many first-parent commits back from the base commit results are looked for.
pub const BASE_SEARCH_DEPTH: usize = 200;

/// The remote fetched from automatically when the local store cannot answer.
const DEFAULT_REMOTE: &str = "origin";

/// The base results found in the store.
#[derive(Debug, Clone)]
pub struct BaseLookup {
    /// The commit whose results are used (full SHA): the base commit or an ancestor.
    pub commit: String,
    /// The base commit asked for, resolved to a full SHA.
    pub requested: String,
    /// First-parent steps from the requested commit (0: its own results).
    pub distance: usize,
    /// The results.
    pub results: ResultsFile,
    /// Unreadable entries met on the way (reported, skipped).
    pub skipped: Vec<EntryProblem>,
    /// Things the user should know (the store was fetched, an ancestor was used).
    pub notes: Vec<String>,
}

/// Finds the stored results of `base_commit` (any revision; a full SHA works even when the commit
/// is not in a shallow clone) for `suite`, or of its nearest first-parent ancestor that has some.
/// Returns the commit used and its results, `None` when no commit within [`BASE_SEARCH_DEPTH`]
/// has results for the suite.
pub fn find_base(
    repo_dir: &Path,
    base_commit: &str,
    suite: &str,
) -> Result<Option<(String, ResultsFile)>, StoreError> {
    Ok(find_base_detailed(repo_dir, base_commit, suite)?.map(|b| (b.commit, b.results)))
}

/// [`find_base`] with everything that happened on the way: distance, skipped entries, notes.
///
/// When the local store is missing, or the walk needs history this clone does not have, the store
/// is fetched from `origin` once (it is small and never pulls source history) and the lookup
/// repeated; what is still missing is named as a `git fetch` command in the error.
pub fn find_base_detailed(
    repo_dir: &Path,
    base_commit: &str,
    suite: &str,
) -> Result<Option<BaseLookup>, StoreError> {
    let mut skipped = Vec::new();
    let found = find_base_reporting(repo_dir, base_commit, suite, &mut skipped)?;
    Ok(found.map(|b| BaseLookup { skipped, ..b }))
}

/// [`find_base_detailed`] that lists the unreadable entries met on the way in `skipped` whether
/// or not a base is found (without one they are why there is none).
pub fn find_base_reporting(
    repo_dir: &Path,
    base_commit: &str,
    suite: &str,
    skipped: &mut Vec<EntryProblem>,
) -> Result<Option<BaseLookup>, StoreError> {
    validate_suite(suite)?;
    let store = GitStore::open(repo_dir)?;
    let mut notes = Vec::new();
    let mut fetched = false;
    if store.tip()?.is_none() {
        if !has_remote(&store, DEFAULT_REMOTE) {
            return Err(StoreError::NoStore {
                hint: "; `cargo perf-budget run` on the main branch saves results, `cargo perf-budget store fetch <remote>` fetches them".into(),
            });
        }
        fetched = true;
        match fetch_store_into(&store, DEFAULT_REMOTE) {
            Ok(FetchOutcome::RemoteEmpty) => {
                return Err(StoreError::NoStore {
                    hint: format!("; {DEFAULT_REMOTE} has none either: `cargo perf-budget run` on the main branch saves results (with `--push {DEFAULT_REMOTE}`)"),
                })
            }
            Ok(_) => notes.push(format!("fetched the result store from {DEFAULT_REMOTE}")),
            Err(e) => {
                return Err(StoreError::NoStore {
                    hint: format!("; fetching it from {DEFAULT_REMOTE} failed: {e}"),
                })
            }
        }
    }
    let requested = store.resolve_commit(base_commit)?;
    loop {
        match lookup(&store, &requested, suite, skipped)? {
            Lookup::Found {
                commit,
                distance,
                results,
            } => {
                if distance > 0 {
                    notes.push(format!(
                        "base commit {requested} has no stored results for suite {suite}; used its first-parent ancestor {commit}, {distance} commit{} back",
                        if distance == 1 { "" } else { "s" }
                    ));
                }
                return Ok(Some(BaseLookup {
                    commit,
                    requested,
                    distance,
                    results: *results,
                    skipped: skipped.clone(),
                    notes,
                }));
            }
            Lookup::Exhausted => return Ok(None),
            Lookup::Stopped { stop, walked } => {
                // The local store may be older than the remote's: fetch it once and look again
                // before asking the user for more source history.
                if !fetched && has_remote(&store, DEFAULT_REMOTE) {
                    fetched = true;
                    skipped.clear();
                    if let Ok(outcome) = fetch_store_into(&store, DEFAULT_REMOTE) {
                        if !matches!(outcome, FetchOutcome::UpToDate | FetchOutcome::RemoteEmpty) {
                            notes.push(format!("fetched the result store from {DEFAULT_REMOTE}"));
                        }
                        continue;
                    }
                }
                let (what, fetch) = match stop {
                    WalkStop::Shallow { boundary, fetch } if walked == 0 => (
                        format!(
                            "no stored results for suite {suite} on {requested}, and this shallow clone has none of its history to search (it stops at {boundary})"
                        ),
                        fetch,
                    ),
                    WalkStop::Shallow { boundary, fetch } => (
                        format!(
                            "no stored results for suite {suite} on {requested} or the {walked} first-parent commit{} before it that this shallow clone has (it stops at {boundary})",
                            if walked == 1 { "" } else { "s" }
                        ),
                        fetch,
                    ),
                    WalkStop::MissingCommit { commit, fetch } if walked == 0 => (
                        format!(
                            "base commit {commit} has no stored results for suite {suite} and is not in this clone, so its ancestors cannot be searched"
                        ),
                        fetch,
                    ),
                    WalkStop::MissingCommit { commit, fetch } => (
                        format!(
                            "no stored results for suite {suite} on {requested} or the {walked} first-parent commits before it; commit {commit} is not in this clone"
                        ),
                        fetch,
                    ),
                    WalkStop::Limit { .. } => return Ok(None),
                };
                return Err(StoreError::MissingHistory { what, fetch });
            }
        }
    }
}

enum Lookup {
    Found {
        commit: String,
        distance: usize,
        results: Box<ResultsFile>,
    },
    Exhausted,
    Stopped {
        stop: WalkStop,
        walked: usize,
    },
}

fn lookup(
    store: &GitStore,
    requested: &str,
    suite: &str,
    skipped: &mut Vec<EntryProblem>,
) -> Result<Lookup, StoreError> {
    let Some(tree) = store.tip_tree()? else {
        return Ok(Lookup::Exhausted);
    };
    let read = |sha: &str, skipped: &mut Vec<EntryProblem>| -> Option<ResultsFile> {
        let suites = match store.suites_in_checked(&tree, sha) {
            Ok(suites) => suites,
            Err(problem) => {
                skipped.push(problem);
                return None;
            }
        };
        let oid = *suites.get(suite)?;
        match store.read_results(sha, suite, oid) {
            EntryRead::Found(r) => Some(r),
            EntryRead::Missing => None,
            EntryRead::Corrupt(message) => {
                skipped.push(EntryProblem {
                    commit: sha.to_string(),
                    suite: suite.to_string(),
                    message,
                });
                None
            }
        }
    };
    // By SHA first: in a shallow clone the base commit itself may be absent but still have results.
    if let Some(results) = read(requested, skipped) {
        return Ok(Lookup::Found {
            commit: requested.to_string(),
            distance: 0,
            results: Box::new(results),
        });
    }
    if !is_full_sha(requested) {
        return Ok(Lookup::Exhausted);
    }
    let start = Oid::from_str(requested).map_err(|e| StoreError::git("reading a commit id", e))?;
    let mut found = None;
    let mut distance = 0;
    let (walked, end) = store.walk_first_parent(start, BASE_SEARCH_DEPTH + 1, |c| {
        if distance > 0 {
            let sha = c.id().to_string();
            if let Some(r) = read(&sha, skipped) {
                found = Some((sha, r));
                return false;
            }
        }
        distance += 1;
        true
    });
    if let Some((commit, results)) = found {
        return Ok(Lookup::Found {
            commit,
            distance,
            results: Box::new(results),
        });
    }
    Ok(match end {
        WalkEnd::Complete => Lookup::Exhausted,
        WalkEnd::Stopped(WalkStop::Limit { .. }) => Lookup::Exhausted,
        WalkEnd::Stopped(stop) => Lookup::Stopped {
            stop,
            walked: walked.saturating_sub(1),
        },
    })
}
