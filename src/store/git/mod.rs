//! [`GitStore`]: the result store on a git repository, through git2 only. Saving builds a new tree
//! from the current store tip with the changed paths and moves `refs/perf-budget/results` with a
//! compare-and-swap, so the work tree, the index and `HEAD` are never touched and two local writers
//! cannot lose each other's results. Merging two store tips (after a fetch) is the union of their
//! `commit/suite` entries.

mod history;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{ErrorCode, FileMode, ObjectType, Oid, Repository, Signature, Tree};

use crate::model::ResultsFile;

use super::layout::{
    commit_dir, decode_entry, encode_entry, entry_path, is_full_sha, validate_suite, RESULTS_FILE,
    STORE_REF, SUMMARY_FILE,
};
use super::summary::{decode_summary, encode_summary, RunSummary};
use super::{CommitResults, EntryProblem, SaveOutcome, StoreError, WalkStop};

/// How often a local compare-and-swap of the store ref is tried before giving up. Each failed
/// try waits a little longer (see [`cas_backoff`]), so this covers many seconds of contention.
const LOCAL_CAS_ATTEMPTS: usize = 200;

/// The longest pause between two tries of a local compare-and-swap.
const CAS_BACKOFF_MAX: std::time::Duration = std::time::Duration::from_millis(100);

/// The pause after the `attempt`-th failed compare-and-swap (counting from 0): exponential from
/// 1 ms up to [`CAS_BACKOFF_MAX`], with full jitter so that racing processes spread out instead
/// of colliding again in step. Retrying at once was the problem: the winner still holds the
/// ref's lock file while it writes the reflog, and twenty immediate retries all met that lock.
fn cas_backoff(attempt: usize) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};
    let ceiling = CAS_BACKOFF_MAX.as_micros().min(1000u128 << attempt.min(16)) as u64;
    // A fresh RandomState is randomly keyed: a cheap source of jitter without a dependency.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(attempt);
    h.write_u32(std::process::id());
    std::time::Duration::from_micros(ceiling / 2 + h.finish() % (ceiling / 2 + 1))
}

/// The result store in a git repository.
pub struct GitStore {
    repo: Repository,
}

/// How one suite entry of one commit reads.
pub(crate) enum EntryRead<T> {
    /// No such entry.
    Missing,
    /// The entry.
    Found(T),
    /// The entry exists but cannot be read.
    Corrupt(String),
}

/// Why a first-parent walk ended.
pub(crate) enum WalkEnd {
    /// At a root commit (or the caller stopped it).
    Complete,
    /// Somewhere the history is not in this clone.
    Stopped(WalkStop),
}

/// What a merge of another store tip into ours did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeOutcome {
    /// Our store already contained theirs.
    UpToDate,
    /// There was no local store; theirs became it.
    Created,
    /// Ours was behind and moved forward to theirs.
    FastForward,
    /// Both had new results; a merge commit holds the union.
    Merged {
        /// `commit/suite` entries taken from theirs.
        taken: usize,
        /// Entries present on both sides with different results, decided by `time`.
        conflicts: usize,
    },
}

impl GitStore {
    /// Opens the repository containing `dir` (searching parent directories like git does).
    pub fn open(dir: &Path) -> Result<GitStore, StoreError> {
        // libgit2 re-hashes every object it reads (SHA-1 with collision detection), which was a
        // third of the time of reading a long history. git itself does not do that on reads
        // either; corruption is still caught by zlib's checksum and by our JSON validation.
        static RELAX: std::sync::Once = std::sync::Once::new();
        RELAX.call_once(|| git2::opts::strict_hash_verification(false));
        let repo = Repository::discover(dir).map_err(|source| StoreError::NotARepository {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(GitStore { repo })
    }

    /// The underlying repository.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// The directory to run the `git` program in: the work tree, or the git directory of a bare
    /// repository.
    pub fn git_dir_for_commands(&self) -> PathBuf {
        self.repo
            .workdir()
            .unwrap_or_else(|| self.repo.path())
            .to_path_buf()
    }

    /// Resolves a revision (`HEAD`, a branch, a short or full SHA) to a full commit SHA. A full SHA
    /// that is not in this clone (shallow CI checkouts) is returned as is: results are keyed by
    /// SHA and need no commit object.
    pub fn resolve_commit(&self, rev: &str) -> Result<String, StoreError> {
        match self
            .repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
        {
            Ok(c) => Ok(c.id().to_string()),
            Err(_) if is_full_sha(rev) => Ok(rev.to_string()),
            Err(e) => Err(StoreError::UnknownRevision {
                rev: rev.to_string(),
                hint: if self.repo.is_shallow() {
                    format!(
                        "; this clone is shallow, `git fetch --deepen=200 origin` or `git fetch origin {rev}` may bring it ({})",
                        e.message()
                    )
                } else {
                    format!(" ({})", e.message())
                },
            }),
        }
    }

    /// The current tip of the store ref, if there is a store.
    pub fn tip(&self) -> Result<Option<Oid>, StoreError> {
        match self.repo.refname_to_id(STORE_REF) {
            Ok(oid) => Ok(Some(oid)),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(StoreError::git(format!("reading {STORE_REF}"), e)),
        }
    }

    fn tree_of(&self, commit: Oid) -> Result<Tree<'_>, StoreError> {
        self.repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| StoreError::git(format!("reading store commit {commit}"), e))
    }

    /// The tree of the store tip, if there is a store.
    pub(crate) fn tip_tree(&self) -> Result<Option<Tree<'_>>, StoreError> {
        match self.tip()? {
            Some(oid) => self.tree_of(oid).map(Some),
            None => Ok(None),
        }
    }

    fn empty_tree(&self) -> Result<Tree<'_>, StoreError> {
        let oid = self
            .repo
            .treebuilder(None)
            .and_then(|b| b.write())
            .map_err(|e| StoreError::git("creating an empty tree", e))?;
        self.repo
            .find_tree(oid)
            .map_err(|e| StoreError::git("creating an empty tree", e))
    }

    fn signature(&self) -> Result<Signature<'static>, StoreError> {
        // CI machines often have no user.name; the store commits then carry the tool's name.
        self.repo
            .signature()
            .or_else(|_| Signature::now("cargo-perf-budget", "cargo-perf-budget@localhost"))
            .map_err(|e| StoreError::git("creating a commit signature", e))
    }

    /// [`GitStore::suites_in`], or the problem when a store directory on the commit's path is a
    /// file: whatever results the commit had cannot be read then.
    pub(crate) fn suites_in_checked(
        &self,
        tree: &Tree<'_>,
        sha: &str,
    ) -> Result<BTreeMap<String, Oid>, EntryProblem> {
        if is_full_sha(sha) {
            let dir = commit_dir(sha);
            for path in [&dir[..2], dir.as_str()] {
                if let Ok(entry) = tree.get_path(Path::new(path)) {
                    if entry.kind() != Some(ObjectType::Tree) {
                        let mut problem = damaged(&format!("{path}/"), "it is not a directory");
                        problem.commit = sha.to_string();
                        return Err(problem);
                    }
                }
            }
        }
        Ok(self.suites_in(tree, sha))
    }

    /// The suite directories stored for a commit in `tree`: name → tree id.
    pub(crate) fn suites_in(&self, tree: &Tree<'_>, sha: &str) -> BTreeMap<String, Oid> {
        let mut out = BTreeMap::new();
        if !is_full_sha(sha) {
            return out;
        }
        let Ok(entry) = tree.get_path(Path::new(&commit_dir(sha))) else {
            return out;
        };
        if entry.kind() != Some(ObjectType::Tree) {
            return out;
        }
        if let Ok(dir) = self.repo.find_tree(entry.id()) {
            for e in dir.iter() {
                if let Ok(name) = e.name() {
                    out.insert(name.to_string(), e.id());
                }
            }
        }
        out
    }

    fn read_blob_in(&self, suite_tree: Oid, file: &str) -> EntryRead<Vec<u8>> {
        let tree = match self.repo.find_tree(suite_tree) {
            Ok(t) => t,
            Err(_) => return EntryRead::Corrupt("the suite entry is not a directory".into()),
        };
        let Some(entry) = tree.get_name(file) else {
            return EntryRead::Missing;
        };
        match self.repo.find_blob(entry.id()) {
            Ok(b) => EntryRead::Found(b.content().to_vec()),
            Err(e) => EntryRead::Corrupt(format!("{file} cannot be read: {}", e.message())),
        }
    }

    /// The full results of one suite entry (a tree holding `results.json`).
    pub(crate) fn read_results(
        &self,
        sha: &str,
        suite: &str,
        suite_tree: Oid,
    ) -> EntryRead<ResultsFile> {
        let origin = format!("{STORE_REF}:{}", entry_path(sha, suite, RESULTS_FILE));
        match self.read_blob_in(suite_tree, RESULTS_FILE) {
            EntryRead::Found(bytes) => match decode_entry(&bytes, &origin) {
                Ok(e) => EntryRead::Found(e.results),
                Err(message) => EntryRead::Corrupt(message),
            },
            EntryRead::Missing => EntryRead::Corrupt(format!("{RESULTS_FILE} is missing")),
            EntryRead::Corrupt(m) => EntryRead::Corrupt(m),
        }
    }

    /// The id of the `results.json` blob of a suite entry, if it has one.
    fn results_blob_in(&self, suite_tree: Oid) -> Option<String> {
        let tree = self.repo.find_tree(suite_tree).ok()?;
        let id = tree.get_name(RESULTS_FILE)?.id();
        Some(id.to_string())
    }

    /// The summary of one suite entry; falls back to summarising the full results when the
    /// summary is absent, in a format this version did not write, or not computed from the
    /// entry's `results.json` as it is now.
    pub(crate) fn read_summary(
        &self,
        sha: &str,
        suite: &str,
        suite_tree: Oid,
    ) -> EntryRead<RunSummary> {
        if let (EntryRead::Found(bytes), Some(results_blob)) = (
            self.read_blob_in(suite_tree, SUMMARY_FILE),
            self.results_blob_in(suite_tree),
        ) {
            if let Some(s) = decode_summary(&bytes, &results_blob) {
                if s.commit == sha && s.suite == suite {
                    return EntryRead::Found(s);
                }
            }
        }
        match self.read_results(sha, suite, suite_tree) {
            EntryRead::Found(r) => EntryRead::Found(RunSummary::from_results(sha, suite, &r)),
            EntryRead::Missing => EntryRead::Missing,
            EntryRead::Corrupt(m) => EntryRead::Corrupt(m),
        }
    }

    /// Every `(commit, suite)` entry of a store tree: commit SHA → suite → suite tree id.
    pub(crate) fn all_entries(
        &self,
        tree: &Tree<'_>,
    ) -> Result<BTreeMap<String, BTreeMap<String, Oid>>, StoreError> {
        self.all_entries_checked(tree, &mut Vec::new())
    }

    /// [`GitStore::all_entries`], listing in `problems` what in the tree is not a store entry
    /// (a file where a fan-out or commit directory belongs, a name that is no SHA): the results
    /// it may have held cannot be read, and that is reported rather than passed over.
    pub(crate) fn all_entries_checked(
        &self,
        tree: &Tree<'_>,
        problems: &mut Vec<EntryProblem>,
    ) -> Result<BTreeMap<String, BTreeMap<String, Oid>>, StoreError> {
        let mut out: BTreeMap<String, BTreeMap<String, Oid>> = BTreeMap::new();
        let read = |oid: Oid| {
            self.repo
                .find_tree(oid)
                .map_err(|e| StoreError::git("reading the store tree", e))
        };
        for fan in tree.iter() {
            let prefix = String::from_utf8_lossy(fan.name_bytes()).into_owned();
            if let Some(problem) = damaged_dir(&prefix, fan.kind(), true) {
                problems.push(problem);
                continue;
            }
            for commit in read(fan.id())?.iter() {
                let rest = String::from_utf8_lossy(commit.name_bytes()).into_owned();
                let path = format!("{prefix}/{rest}");
                if let Some(problem) = damaged_dir(&path, commit.kind(), false) {
                    problems.push(problem);
                    continue;
                }
                let sha = format!("{prefix}{rest}");
                if !is_full_sha(&sha) {
                    continue;
                }
                let suites = out.entry(sha).or_default();
                for suite in read(commit.id())?.iter() {
                    if let Ok(name) = suite.name() {
                        suites.insert(name.to_string(), suite.id());
                    }
                }
            }
        }
        Ok(out)
    }

    /// Builds the store tree that results from applying `updates` (path → suite tree) to `base`.
    fn updated_tree(&self, base: &Tree<'_>, updates: &[(String, Oid)]) -> Result<Oid, StoreError> {
        let mut builder = TreeUpdateBuilder::new();
        for (path, oid) in updates {
            builder.upsert(path.as_str(), *oid, FileMode::Tree);
        }
        builder
            .create_updated(&self.repo, base)
            .map_err(|e| StoreError::git("building the store tree", e))
    }

    /// Writes a store commit with `tree` on top of `parents` and moves the store ref from
    /// `expected` to it. Returns `Ok(None)` when the ref moved meanwhile (the caller retries).
    fn commit_and_swap(
        &self,
        tree: Oid,
        parents: &[Oid],
        expected: Option<Oid>,
        message: &str,
    ) -> Result<Option<Oid>, StoreError> {
        let sig = self.signature()?;
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(|e| StoreError::git("reading the new store tree", e))?;
        let parent_commits = parents
            .iter()
            .map(|p| self.repo.find_commit(*p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::git("reading the store tip", e))?;
        let parent_refs: Vec<&git2::Commit<'_>> = parent_commits.iter().collect();
        let commit = self
            .repo
            .commit(None, &sig, &sig, message, &tree, &parent_refs)
            .map_err(|e| StoreError::git("writing a store commit", e))?;
        self.swap_ref(expected, commit, message)
    }

    /// Moves the store ref from `expected` to `new` atomically; `Ok(None)` when it had moved.
    fn swap_ref(
        &self,
        expected: Option<Oid>,
        new: Oid,
        message: &str,
    ) -> Result<Option<Oid>, StoreError> {
        // "No ref yet" is compared under the ref's lock as the zero id. `reference(…, force:
        // false)` checks for an existing ref *before* taking the lock, so two processes creating
        // the store at once could both pass the check, and the second overwrote the first's
        // commit: a save that had reported success was gone.
        let old = expected.unwrap_or(Oid::ZERO_SHA1);
        let result = self
            .repo
            .reference_matching(STORE_REF, new, true, old, message);
        match result {
            Ok(_) => Ok(self.still_contains(new)?.then_some(new)),
            Err(e)
                if matches!(
                    e.code(),
                    ErrorCode::Modified | ErrorCode::Exists | ErrorCode::Locked
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(StoreError::git(format!("updating {STORE_REF}"), e)),
        }
    }

    /// Whether the store tip is `commit` or descends from it, read back after moving the ref: a
    /// save reports success only when its commit is in the store. Later writers build on the
    /// tip, so a commit that was ever the tip stays reachable unless the ref was overwritten.
    fn still_contains(&self, commit: Oid) -> Result<bool, StoreError> {
        match self.tip()? {
            Some(tip) if tip == commit => Ok(true),
            Some(tip) => self.is_ancestor(commit, tip),
            None => Ok(false),
        }
    }

    /// Merges another store tip (fetched from a remote) into the local store.
    pub fn merge_from(&self, theirs: Oid) -> Result<MergeOutcome, StoreError> {
        for attempt in 0..LOCAL_CAS_ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(cas_backoff(attempt - 1));
            }
            let ours = self.tip()?;
            let Some(ours) = ours else {
                if self
                    .swap_ref(None, theirs, "perf-budget: fetched store")?
                    .is_some()
                {
                    return Ok(MergeOutcome::Created);
                }
                continue;
            };
            if ours == theirs || self.is_ancestor(theirs, ours)? {
                return Ok(MergeOutcome::UpToDate);
            }
            if self.is_ancestor(ours, theirs)? {
                if self
                    .swap_ref(
                        Some(ours),
                        theirs,
                        "perf-budget: fast-forward to fetched store",
                    )?
                    .is_some()
                {
                    return Ok(MergeOutcome::FastForward);
                }
                continue;
            }
            let our_tree = self.tree_of(ours)?;
            let their_tree = self.tree_of(theirs)?;
            let our_entries = self.all_entries(&our_tree)?;
            let their_entries = self.all_entries(&their_tree)?;
            let mut updates = Vec::new();
            let mut conflicts = 0;
            for (sha, suites) in &their_entries {
                for (suite, &their_oid) in suites {
                    let path = format!("{}/{suite}", commit_dir(sha));
                    match our_entries.get(sha).and_then(|s| s.get(suite)) {
                        None => updates.push((path, their_oid)),
                        Some(&our_oid) if our_oid == their_oid => {}
                        Some(&our_oid) => {
                            conflicts += 1;
                            if self.newer_entry(sha, their_oid, our_oid) {
                                updates.push((path, their_oid));
                            }
                        }
                    }
                }
            }
            let taken = updates.len();
            let tree = self.updated_tree(&our_tree, &updates)?;
            let message = format!(
                "perf-budget: merge fetched store ({taken} entries taken, {conflicts} decided by time)"
            );
            if self
                .commit_and_swap(tree, &[ours, theirs], Some(ours), &message)?
                .is_some()
            {
                return Ok(MergeOutcome::Merged { taken, conflicts });
            }
        }
        Err(StoreError::git(
            format!("updating {STORE_REF}"),
            git2::Error::from_str("another process kept moving the ref; try again"),
        ))
    }

    /// True when `candidate` should replace `current` for the same commit and suite: its results'
    /// `time` is later, then its save time (an unreadable side always loses; equal times: the
    /// larger tree id, so every clone decides the same way).
    fn newer_entry(&self, sha: &str, candidate: Oid, current: Oid) -> bool {
        let stamp = |t: Option<&str>| t.and_then(|t| t.parse::<jiff::Timestamp>().ok());
        let key = |oid: Oid| {
            let bytes = match self.read_blob_in(oid, RESULTS_FILE) {
                EntryRead::Found(b) => b,
                _ => return None,
            };
            let entry = decode_entry(&bytes, sha).ok()?;
            Some((
                stamp(entry.results.time.as_deref()),
                stamp(entry.saved_at.as_deref()),
            ))
        };
        match (key(candidate), key(current)) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(a), Some(b)) if a != b => a > b,
            _ => candidate > current,
        }
    }

    fn is_ancestor(&self, ancestor: Oid, of: Oid) -> Result<bool, StoreError> {
        self.repo
            .graph_descendant_of(of, ancestor)
            .map_err(|e| StoreError::git("comparing store tips", e))
    }
}

/// A problem with a store directory (`path`, ending in `/`) rather than with one suite entry.
fn damaged(path: &str, why: &str) -> EntryProblem {
    EntryProblem {
        commit: String::new(),
        suite: String::new(),
        message: format!(
            "store directory {} is damaged ({why}); the results it may hold cannot be read",
            crate::model::echo::echo(path)
        ),
    }
}

/// The problem with a store tree entry at `path` that should be a directory named by hex digits:
/// a fan-out directory (2 digits) or a commit directory (the other 38 or 62), if any.
fn damaged_dir(path: &str, kind: Option<ObjectType>, fan_out: bool) -> Option<EntryProblem> {
    let dir = format!("{path}/");
    if kind != Some(ObjectType::Tree) {
        return Some(damaged(&dir, "it is not a directory"));
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let hex = name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let length = if fan_out {
        name.len() == 2
    } else {
        name.len() == 38 || name.len() == 62
    };
    (!hex || !length).then(|| damaged(&dir, "its name is not part of a commit SHA"))
}

impl GitStore {
    /// Saves `results` for `commit` (a full SHA) under `suite`, replacing earlier results of the
    /// same commit and suite.
    pub fn save(
        &self,
        commit: &str,
        suite: &str,
        results: &ResultsFile,
    ) -> Result<SaveOutcome, StoreError> {
        validate_suite(suite)?;
        if !is_full_sha(commit) {
            return Err(StoreError::InvalidResults {
                commit: commit.to_string(),
                message: "results are keyed by a full lowercase commit SHA".into(),
            });
        }
        let mut results = results.clone();
        results.commit = Some(commit.to_string());
        results.suite = Some(suite.to_string());
        if results.time.is_none() {
            results.time = Some(jiff::Timestamp::now().to_string());
        }
        for m in &mut results.metrics {
            // A failed measurement's value is not data; JSON cannot hold NaN, so store 0.
            if m.failure.is_some() && !m.value.is_finite() {
                m.value = 0.0;
            }
        }
        let entry = encode_entry(&results);
        // Refuse to store what could not be read back: that would lose the results later.
        if let Err(message) = decode_entry(&entry, "the entry to save") {
            return Err(StoreError::InvalidResults {
                commit: commit.to_string(),
                message,
            });
        }
        let blob = |bytes: &[u8]| {
            self.repo
                .blob(bytes)
                .map_err(|e| StoreError::git("writing a store blob", e))
        };
        let entry_oid = blob(&entry)?;
        let summary = encode_summary(
            &RunSummary::from_results(commit, suite, &results),
            &entry_oid.to_string(),
        );
        let summary_oid = blob(&summary)?;
        let mut suite_tree = self
            .repo
            .treebuilder(None)
            .map_err(|e| StoreError::git("building a suite tree", e))?;
        for (name, oid) in [(RESULTS_FILE, entry_oid), (SUMMARY_FILE, summary_oid)] {
            suite_tree
                .insert(name, oid, FileMode::Blob.into())
                .map_err(|e| StoreError::git("building a suite tree", e))?;
        }
        let suite_oid = suite_tree
            .write()
            .map_err(|e| StoreError::git("building a suite tree", e))?;
        let path = format!("{}/{suite}", commit_dir(commit));
        for attempt in 0..LOCAL_CAS_ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(cas_backoff(attempt - 1));
            }
            let tip = self.tip()?;
            let base = match tip {
                Some(t) => self.tree_of(t)?,
                None => self.empty_tree()?,
            };
            let existing = self.suites_in(&base, commit).get(suite).copied();
            // Saving the same results twice (a rerun CI job) writes nothing.
            let same = existing.is_some_and(|oid| {
                matches!(self.read_results(commit, suite, oid), EntryRead::Found(r) if r == results)
            });
            if same {
                return Ok(SaveOutcome {
                    commit: commit.to_string(),
                    suite: suite.to_string(),
                    store_tip: tip.map(|t| t.to_string()).unwrap_or_default(),
                    replaced: false,
                    unchanged: true,
                });
            }
            let tree = self.updated_tree(&base, &[(path.clone(), suite_oid)])?;
            let short = &commit[..commit.len().min(12)];
            let message = format!(
                "perf-budget: {} {} metrics of suite {suite} for {short}",
                if existing.is_some() {
                    "replace"
                } else {
                    "save"
                },
                results.metrics.len()
            );
            let parents: Vec<Oid> = tip.into_iter().collect();
            if let Some(new_tip) = self.commit_and_swap(tree, &parents, tip, &message)? {
                return Ok(SaveOutcome {
                    commit: commit.to_string(),
                    suite: suite.to_string(),
                    store_tip: new_tip.to_string(),
                    replaced: existing.is_some(),
                    unchanged: false,
                });
            }
        }
        Err(StoreError::git(
            format!("updating {STORE_REF}"),
            git2::Error::from_str("another process kept moving the ref; try again"),
        ))
    }

    /// Every suite stored for `commit` (a full SHA); unreadable entries are listed, not returned.
    pub fn load(&self, commit: &str) -> Result<CommitResults, StoreError> {
        let mut out = CommitResults {
            commit: commit.to_string(),
            ..CommitResults::default()
        };
        let Some(tree) = self.tip_tree()? else {
            return Ok(out);
        };
        for (suite, oid) in self.suites_in(&tree, commit) {
            match self.read_results(commit, &suite, oid) {
                EntryRead::Found(r) => {
                    out.suites.insert(suite, r);
                }
                EntryRead::Missing => {}
                EntryRead::Corrupt(message) => out.problems.push(EntryProblem {
                    commit: commit.to_string(),
                    suite,
                    message,
                }),
            }
        }
        Ok(out)
    }
}
