//! Moving the store between clones with the `git` program (libgit2 cannot see the credentials
//! `actions/checkout` keeps in `http.<url>.extraheader`).
//!
//! The refspecs are plain:
//!
//! ```text
//! git fetch <remote> +refs/perf-budget/results:refs/perf-budget/incoming   # then merged locally
//! git push  <remote> refs/perf-budget/results:refs/perf-budget/results     # fast-forward only
//! ```
//!
//! A push that loses a race (another job pushed first: `non-fast-forward`, `fetch first`, or the
//! remote's ref lock) fetches the remote's store, merges it into ours (the union of results, see
//! [`super::GitStore::merge_from`]) and pushes again, up to [`PUSH_ATTEMPTS`] times with a growing,
//! jittered pause. Nothing is ever force-pushed, so no writer can erase another's results.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::git::{GitStore, MergeOutcome};
use super::layout::{INCOMING_REF, STORE_REF};
use super::StoreError;

/// Pushes tried before giving up on a busy remote.
pub const PUSH_ATTEMPTS: u32 = 8;

/// What `fetch` did to the local store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// The remote has no store yet.
    RemoteEmpty,
    /// The local store already had everything.
    UpToDate,
    /// There was no local store; it is now the remote's.
    Created,
    /// The local store moved forward to the remote's.
    FastForward,
    /// Both had results the other lacked; the local store now holds the union.
    Merged {
        /// `commit/suite` entries taken from the remote.
        taken: usize,
        /// Entries on both sides with different results, decided by their `time`.
        conflicts: usize,
    },
}

impl std::fmt::Display for FetchOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchOutcome::RemoteEmpty => f.write_str("the remote has no stored results yet"),
            FetchOutcome::UpToDate => f.write_str("already up to date"),
            FetchOutcome::Created => f.write_str("created the local store from the remote's"),
            FetchOutcome::FastForward => f.write_str("fast-forwarded to the remote's store"),
            FetchOutcome::Merged { taken, conflicts } => write!(
                f,
                "merged the remote's store: {taken} entries taken, {conflicts} present on both sides decided by time"
            ),
        }
    }
}

/// What `push` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    /// Pushes tried (1 when there was no race).
    pub attempts: u32,
    /// Times the remote's results were merged in before pushing again.
    pub merges: u32,
    /// True when there was no local store, so nothing was pushed.
    pub nothing_to_push: bool,
}

/// Fetches the remote's store and merges it into the local one (never losing local results).
pub fn fetch(repo_dir: &Path, remote: &str) -> Result<FetchOutcome, StoreError> {
    let store = GitStore::open(repo_dir)?;
    fetch_into(&store, remote)
}

fn fetch_into(store: &GitStore, remote: &str) -> Result<FetchOutcome, StoreError> {
    check_remote(remote)?;
    let dir = store.git_dir_for_commands();
    let refspec = format!("+{STORE_REF}:{INCOMING_REF}");
    // `--no-write-fetch-head` keeps a user's pending `git merge FETCH_HEAD` from picking up the
    // store; git older than 2.29 does not know it, so fall back to plain fetch there.
    let mut args = vec![
        "fetch",
        "--no-tags",
        "--no-write-fetch-head",
        "--no-recurse-submodules",
        "--quiet",
        // Whatever follows is a remote and a refspec, never an option (`--upload-pack=…`).
        "--end-of-options",
        remote,
        &refspec,
    ];
    let mut out = run_git(&dir, &args)?;
    if !out.ok && out.stderr.contains("no-write-fetch-head") {
        args.retain(|a| *a != "--no-write-fetch-head");
        out = run_git(&dir, &args)?;
    }
    if !out.ok {
        if out.stderr.contains("couldn't find remote ref") {
            return Ok(FetchOutcome::RemoteEmpty);
        }
        return Err(out.into_error(&args));
    }
    let incoming = store
        .repository()
        .refname_to_id(INCOMING_REF)
        .map_err(|e| StoreError::git(format!("reading {INCOMING_REF} after fetching"), e))?;
    let merged = store.merge_from(incoming);
    // The incoming ref only carried the remote tip to the merge; a later `git push --mirror`
    // should not publish it.
    if let Ok(mut r) = store.repository().find_reference(INCOMING_REF) {
        let _ = r.delete();
    }
    Ok(match merged? {
        MergeOutcome::UpToDate => FetchOutcome::UpToDate,
        MergeOutcome::Created => FetchOutcome::Created,
        MergeOutcome::FastForward => FetchOutcome::FastForward,
        MergeOutcome::Merged { taken, conflicts } => FetchOutcome::Merged { taken, conflicts },
    })
}

/// Pushes the local store to `remote`, fetching and merging the remote's results and retrying
/// when another writer pushed first.
pub fn push(repo_dir: &Path, remote: &str) -> Result<PushOutcome, StoreError> {
    check_remote(remote)?;
    let store = GitStore::open(repo_dir)?;
    let dir = store.git_dir_for_commands();
    let mut outcome = PushOutcome {
        attempts: 0,
        merges: 0,
        nothing_to_push: false,
    };
    if store.tip()?.is_none() {
        outcome.nothing_to_push = true;
        return Ok(outcome);
    }
    let refspec = format!("{STORE_REF}:{STORE_REF}");
    let args = ["push", "--porcelain", "--end-of-options", remote, &refspec];
    let mut last_stderr = String::new();
    for attempt in 1..=PUSH_ATTEMPTS {
        outcome.attempts = attempt;
        let out = run_git(&dir, &args)?;
        if out.ok {
            return Ok(outcome);
        }
        if !lost_race(&out) {
            return Err(out.into_error(&args));
        }
        last_stderr = out.describe();
        if attempt == PUSH_ATTEMPTS {
            break;
        }
        std::thread::sleep(backoff(attempt));
        if let FetchOutcome::Merged { .. } | FetchOutcome::FastForward = fetch_into(&store, remote)?
        {
            outcome.merges += 1;
        }
    }
    Err(StoreError::PushRaceLost {
        remote: remote.to_string(),
        attempts: PUSH_ATTEMPTS,
        stderr: last_stderr,
    })
}

/// Refuses a remote name `git` could read as an option (`--upload-pack=…` runs a command) or
/// that no remote can have. `--end-of-options` guards the commands as well; this says clearly
/// what was wrong instead of a confusing git error.
pub fn check_remote(remote: &str) -> Result<(), StoreError> {
    let reason = if remote.trim().is_empty() {
        Some("it is empty")
    } else if remote.starts_with('-') {
        Some("it starts with `-`, so git would read it as an option")
    } else if remote.chars().any(char::is_control) {
        Some("it contains control characters")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(StoreError::InvalidRemote {
            remote: remote.chars().take(120).collect(),
            reason,
        }),
    }
}

/// True when a failed push was refused because the remote moved (another writer), as opposed to
/// a permission, network or configuration problem that retrying cannot fix.
fn lost_race(out: &GitOutput) -> bool {
    let text = format!("{}\n{}", out.stdout, out.stderr);
    [
        "non-fast-forward",
        "fetch first",
        "stale info",
        "cannot lock ref",
        "failed to update ref",
        "failed to lock",
        "incorrect old value",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// A pause that grows with the attempt and is jittered so that racing jobs do not retry in step.
fn backoff(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    let jitter = h.finish() % 400;
    Duration::from_millis(100 * u64::from(attempt) + jitter)
}

struct GitOutput {
    ok: bool,
    status: String,
    stdout: String,
    stderr: String,
}

impl GitOutput {
    fn describe(&self) -> String {
        let text = if self.stderr.trim().is_empty() {
            self.stdout.trim()
        } else {
            self.stderr.trim()
        };
        text.to_string()
    }

    fn into_error(self, args: &[&str]) -> StoreError {
        StoreError::GitCommand {
            command: format!("git {}", args.join(" ")),
            status: self.status.clone(),
            stderr: self.describe(),
        }
    }
}

fn run_git(dir: &Path, args: &[&str]) -> Result<GitOutput, StoreError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // Untranslated messages (we recognise a lost race by them) and no credential prompt
        // that would hang a CI job.
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| StoreError::GitCommand {
            command: format!("git {}", args.join(" ")),
            status: "not started".into(),
            stderr: format!("{e} (is git installed and on PATH?)"),
        })?;
    Ok(GitOutput {
        ok: out.status.success(),
        status: out.status.to_string(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Whether a remote with this name is configured (used to fetch the store automatically).
pub(crate) fn has_remote(store: &GitStore, remote: &str) -> bool {
    store.repository().find_remote(remote).is_ok()
}

/// Fetches the store from `remote` into `store`; used when a lookup finds no local store.
pub(crate) fn fetch_store_into(store: &GitStore, remote: &str) -> Result<FetchOutcome, StoreError> {
    fetch_into(store, remote)
}
