//! The checkout of the base commit that the rerun builds and measures.
//!
//! It lives at a stable place (`<cargo target dir>/perf-budget/base-worktree/<project>`), is
//! reused by every `check` and brought to the base commit by writing only the files that
//! differ from it and deleting the ones the commit does not have. Unchanged files keep their
//! modification times, so cargo's fingerprints see an unchanged base and the base build of a
//! second `check` only compiles what the base commit changed; dependencies are not rebuilt.
//!
//! It is a plain directory written from git's objects with git2, not a registered git
//! worktree: the user's repository (worktrees, branches, index, HEAD) is never touched. A
//! lock file next to it keeps two concurrent checks of the same target directory apart (the
//! second waits: they would overwrite each other's base build and disturb each other's
//! measurements). The operating system releases the lock when its process ends, however it
//! ends, so nothing stale is left to reclaim; a checkout that a killed or interrupted run left
//! half-written is repaired by the next one, which compares every file with the commit anyway.

use std::collections::HashSet;
use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use git2::{BranchType, ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use super::{interrupt, RunError};

/// Names of the temporary worktrees and branches of earlier versions start with this.
const PREFIX: &str = "perf-budget-base-";
/// The lock file in the stable location.
const LOCK: &str = "lock";

/// A checkout of the base commit, held (locked) while this value lives.
#[derive(Debug)]
pub(crate) struct BaseWorktree {
    checkout: PathBuf,
    /// Released when dropped, or by the operating system when the process ends.
    _lock: File,
    reused: bool,
}

impl BaseWorktree {
    /// Brings the checkout in `location` to `commit` of `repo`. While another process holds
    /// `location`, calls `waiting` once and waits for it: two checks sharing a target directory
    /// would overwrite each other's base build (and disturb each other's measurements).
    ///
    /// `extra` are files (relative path, content) to add where the commit has none, such as the
    /// head's `Cargo.lock` for a base that commits none; they are kept like the commit's own.
    pub(crate) fn create(
        repo: &Repository,
        commit: Oid,
        location: &Path,
        extra: &[(PathBuf, Vec<u8>)],
        waiting: impl FnOnce(),
    ) -> Result<BaseWorktree, RunError> {
        interrupt::install_handler();
        remove_stale(repo);
        let lock = match BaseWorktree::try_lock(location)? {
            Ok(lock) => lock,
            Err(lock) => {
                waiting();
                let path = location.join(LOCK);
                lock.lock().map_err(|e| RunError::io(&path, e))?;
                lock
            }
        };
        BaseWorktree::with_lock(repo, commit, location, extra, lock)
    }

    /// Opens the lock file of `location` and tries to lock it: `Err(file)` while another
    /// process (or another handle in this one) holds it.
    fn try_lock(location: &Path) -> Result<Result<File, File>, RunError> {
        std::fs::create_dir_all(location).map_err(|e| RunError::io(location, e))?;
        let path = location.join(LOCK);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| RunError::io(&path, e))?;
        match lock.try_lock() {
            Ok(()) => Ok(Ok(lock)),
            Err(TryLockError::WouldBlock) => Ok(Err(lock)),
            Err(TryLockError::Error(e)) => Err(RunError::io(&path, e)),
        }
    }

    fn with_lock(
        repo: &Repository,
        commit: Oid,
        location: &Path,
        extra: &[(PathBuf, Vec<u8>)],
        mut lock: File,
    ) -> Result<BaseWorktree, RunError> {
        // Who holds it, for a person looking at a waiting check.
        let _ = lock.set_len(0);
        let _ = writeln!(lock, "{}", std::process::id());
        // The checkout is named like the user's project so compiler messages read naturally.
        let project = repo
            .workdir()
            .and_then(|w| w.file_name())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("base"));
        let checkout = location.join(project);
        let reused = checkout.is_dir();
        sync(repo, commit, &checkout, extra)?;
        Ok(BaseWorktree {
            checkout,
            _lock: lock,
            reused,
        })
    }

    /// The root of the checkout (the repository's top level at the base commit).
    pub(crate) fn path(&self) -> &Path {
        &self.checkout
    }

    /// Whether an earlier run left this checkout (only changed files were rewritten).
    pub(crate) fn reused(&self) -> bool {
        self.reused
    }
}

/// Where to check `commit` out for building the package whose manifest is `manifest` (relative
/// to the repository's top level): `preferred` (under the head's target directory), unless
/// cargo would then take the base package for a member of a workspace around that place — the
/// package is in no workspace of its own at `commit` but a folder above `preferred` has a
/// `Cargo.toml` with `[workspace]` (the head's, when a pull request turns the project into a
/// workspace). Then a folder named after `preferred` in the system's temporary directory, as
/// stable across runs as that directory is.
pub(crate) fn build_location(
    repo: &Repository,
    commit: Oid,
    manifest: &Path,
    preferred: &Path,
) -> PathBuf {
    if in_own_workspace(repo, commit, manifest) || !under_a_workspace(preferred) {
        return preferred.to_path_buf();
    }
    // FNV-1a: a short stable name for the preferred place (no cryptography needed).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in preferred.to_string_lossy().bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    std::env::temp_dir().join(format!("{PREFIX}{hash:016x}"))
}

/// Whether `manifest` or a `Cargo.toml` in a folder above it, within `commit`, has a
/// `[workspace]` table.
fn in_own_workspace(repo: &Repository, commit: Oid, manifest: &Path) -> bool {
    let Ok(tree) = repo.find_commit(commit).and_then(|c| c.tree()) else {
        return false;
    };
    let mut dir = manifest.parent();
    while let Some(folder) = dir {
        let candidate = folder.join("Cargo.toml");
        let text = tree
            .get_path(&candidate)
            .and_then(|entry| entry.to_object(repo))
            .ok()
            .and_then(|object| object.into_blob().ok())
            .map(|blob| String::from_utf8_lossy(blob.content()).into_owned());
        if text.is_some_and(|t| has_workspace_table(&t)) {
            return true;
        }
        dir = folder.parent();
    }
    false
}

/// Whether a folder above `dir` has a `Cargo.toml` with a `[workspace]` table.
fn under_a_workspace(dir: &Path) -> bool {
    dir.ancestors().skip(1).any(|folder| {
        std::fs::read_to_string(folder.join("Cargo.toml")).is_ok_and(|t| has_workspace_table(&t))
    })
}

fn has_workspace_table(manifest: &str) -> bool {
    manifest
        .parse::<toml::Table>()
        .is_ok_and(|t| t.contains_key("workspace"))
}

/// Makes `dir` hold exactly the files of `commit`: writes what is missing or differs (content,
/// executable bit, symlink target), deletes what the commit does not have, leaves the rest
/// untouched. Submodules become empty directories, as in a fresh clone. `extra` files are
/// added where the commit has no file of that name (and kept, not rewritten, when unchanged).
pub(crate) fn sync(
    repo: &Repository,
    commit: Oid,
    dir: &Path,
    extra: &[(PathBuf, Vec<u8>)],
) -> Result<(), RunError> {
    let short = short_sha(commit);
    let context = |what: &str| format!("checking out the base {short} ({what})");
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| RunError::git(context("reading the commit"), e))?;
    let mut entries: Vec<(PathBuf, Oid, i32)> = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |root, entry| {
        if let Ok(name) = entry.name() {
            entries.push((Path::new(root).join(name), entry.id(), entry.filemode()));
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| RunError::git(context("listing its files"), e))?;

    std::fs::create_dir_all(dir).map_err(|e| RunError::io(dir, e))?;
    let mut expected: HashSet<PathBuf> = HashSet::new();
    for (relative, id, mode) in &entries {
        expected.insert(relative.clone());
        let path = dir.join(relative);
        match *mode {
            // Directories come first in a pre-order walk.
            0o040000 | 0o160000 => ensure_dir(&path)?,
            0o120000 => {
                let blob = repo
                    .find_blob(*id)
                    .map_err(|e| RunError::git(context(&relative.display().to_string()), e))?;
                write_link(&path, blob.content())?;
            }
            _ => {
                let executable = *mode == 0o100755;
                if !same_file_content(&path, *id, executable) {
                    let blob = repo
                        .find_blob(*id)
                        .map_err(|e| RunError::git(context(&relative.display().to_string()), e))?;
                    write_file(&path, blob.content(), executable)?;
                }
            }
        }
    }
    for (relative, content) in extra {
        // Only into a folder of the commit (or its top level), and never over its own file.
        let folder = relative.parent().unwrap_or(Path::new(""));
        let in_commit = folder.as_os_str().is_empty() || expected.contains(folder);
        if expected.contains(relative) || !in_commit {
            continue;
        }
        expected.insert(relative.clone());
        let path = dir.join(relative);
        if !std::fs::read(&path).is_ok_and(|current| &current == content) {
            write_file(&path, content, false)?;
        }
    }
    remove_extra(dir, dir, &expected)
}

fn ensure_dir(path: &Path) -> Result<(), RunError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => {
            std::fs::remove_file(path).map_err(|e| RunError::io(path, e))?;
            std::fs::create_dir(path).map_err(|e| RunError::io(path, e))
        }
        Err(_) => std::fs::create_dir_all(path).map_err(|e| RunError::io(path, e)),
    }
}

/// Whether `path` is a regular file with the blob `id`'s content and the executable bit.
fn same_file_content(path: &Path, id: Oid, executable: bool) -> bool {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !metadata.is_file() || is_executable(&metadata) != executable {
        return false;
    }
    Oid::hash_file(ObjectType::Blob, path).is_ok_and(|hash| hash == id)
}

#[cfg(unix)]
fn is_executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

fn remove_any(path: &Path) -> Result<(), RunError> {
    let result = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    result.map_err(|e| RunError::io(path, e))
}

fn write_file(path: &Path, content: &[u8], executable: bool) -> Result<(), RunError> {
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if !m.is_file() {
            remove_any(path)?;
        }
    }
    std::fs::write(path, content).map_err(|e| RunError::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| RunError::io(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    Ok(())
}

#[cfg(unix)]
fn write_link(path: &Path, target: &[u8]) -> Result<(), RunError> {
    use std::os::unix::ffi::OsStrExt;
    let target = Path::new(std::ffi::OsStr::from_bytes(target));
    if std::fs::read_link(path).is_ok_and(|current| current == target) {
        return Ok(());
    }
    remove_any(path)?;
    std::os::unix::fs::symlink(target, path).map_err(|e| RunError::io(path, e))
}

#[cfg(not(unix))]
fn write_link(path: &Path, target: &[u8]) -> Result<(), RunError> {
    // As git does without symlink support: a file holding the link's target.
    if std::fs::read(path).is_ok_and(|c| c == target) {
        return Ok(());
    }
    write_file(path, target, false)
}

/// Deletes everything under `dir` that is not in `expected` (paths relative to `root`).
fn remove_extra(root: &Path, dir: &Path, expected: &HashSet<PathBuf>) -> Result<(), RunError> {
    let entries = std::fs::read_dir(dir).map_err(|e| RunError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| RunError::io(dir, e))?;
        let path = entry.path();
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if !expected.contains(&relative) {
            remove_any(&path)?;
        } else if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_extra(root, &path, expected)?;
        }
    }
    Ok(())
}

/// Removes what earlier versions, which made a temporary linked worktree per run, left behind
/// when killed: our worktrees whose directory is gone, and temporary branches no worktree uses.
fn remove_stale(repo: &Repository) {
    if let Ok(names) = repo.worktrees() {
        // Names that are not UTF-8 (an error) or absent cannot be ours.
        let ours = names.iter().flatten().flatten();
        for name in ours.filter(|n| n.starts_with(PREFIX)) {
            if let Ok(worktree) = repo.find_worktree(name) {
                if worktree.validate().is_err() {
                    let _ = worktree.prune(None);
                }
            }
        }
    }
    if let Ok(branches) = repo.branches(Some(BranchType::Local)) {
        for (mut branch, _) in branches.flatten() {
            let ours = branch
                .name()
                .ok()
                .flatten()
                .is_some_and(|n| n.starts_with(PREFIX));
            if ours && !branch.is_head() {
                // Fails (and is skipped) while a live worktree still has it checked out.
                let _ = branch.delete();
            }
        }
    }
}

/// A commit as every message shows it (`report::format::short_sha`: 7 hex digits).
pub(crate) fn short_sha(oid: Oid) -> String {
    crate::model::sha::short_sha(&oid.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(repo: &Repository, files: &[(&str, &str)], parent: Option<Oid>) -> Oid {
        let mut builder = repo.treebuilder(None).unwrap();
        let mut sub = repo.treebuilder(None).unwrap();
        for (name, content) in files {
            let blob = repo.blob(content.as_bytes()).unwrap();
            match name.strip_prefix("src/") {
                Some(inner) => sub.insert(inner, blob, 0o100644).unwrap(),
                None => builder.insert(name, blob, 0o100644).unwrap(),
            };
        }
        let sub = sub.write().unwrap();
        builder.insert("src", sub, 0o040000).unwrap();
        let tree = repo.find_tree(builder.write().unwrap()).unwrap();
        let sig = git2::Signature::now("t", "t@example.invalid").unwrap();
        let parents: Vec<git2::Commit> = parent
            .map(|p| repo.find_commit(p).unwrap())
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        repo.commit(None, &sig, &sig, "c", &tree, &parents).unwrap()
    }

    #[test]
    fn sync_rewrites_only_what_differs_and_removes_extra_files() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path().join("repo")).unwrap();
        let one = commit(
            &repo,
            &[
                ("Cargo.toml", "a"),
                ("src/lib.rs", "x"),
                ("src/old.rs", "o"),
            ],
            None,
        );
        let two = commit(
            &repo,
            &[("Cargo.toml", "a"), ("src/lib.rs", "y")],
            Some(one),
        );
        let out = dir.path().join("out");
        let lock = [(PathBuf::from("Cargo.lock"), b"head's".to_vec())];
        sync(&repo, one, &out, &[]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("src/old.rs")).unwrap(),
            "o"
        );
        std::fs::write(out.join("Cargo.lock"), "generated").unwrap();
        std::fs::create_dir_all(out.join("junk/deep")).unwrap();
        let manifest = out.join("Cargo.toml");
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        File::options()
            .write(true)
            .open(&manifest)
            .unwrap()
            .set_modified(old)
            .unwrap();

        sync(&repo, two, &out, &lock).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("src/lib.rs")).unwrap(),
            "y"
        );
        assert!(!out.join("src/old.rs").exists());
        assert!(!out.join("junk").exists());
        // Unchanged: not rewritten, so its modification time is the old one.
        assert_eq!(
            std::fs::metadata(&manifest).unwrap().modified().unwrap(),
            old
        );
        // The extra file replaces what was there, and stays as long as it is unchanged.
        let lockfile = out.join("Cargo.lock");
        assert_eq!(std::fs::read_to_string(&lockfile).unwrap(), "head's");
        File::options()
            .write(true)
            .open(&lockfile)
            .unwrap()
            .set_modified(old)
            .unwrap();
        sync(&repo, two, &out, &lock).unwrap();
        assert_eq!(
            std::fs::metadata(&lockfile).unwrap().modified().unwrap(),
            old
        );
        sync(&repo, two, &out, &[]).unwrap();
        assert!(!lockfile.exists());

        // A half-written file (an interrupted run) is repaired.
        std::fs::write(out.join("src/lib.rs"), "").unwrap();
        sync(&repo, two, &out, &lock).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("src/lib.rs")).unwrap(),
            "y"
        );
    }

    #[test]
    fn a_base_outside_any_workspace_is_not_checked_out_inside_one() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path().join("repo")).unwrap();
        let plain = commit(&repo, &[("Cargo.toml", "[package]\nname = \"p\"\n")], None);
        let rooted = commit(
            &repo,
            &[("Cargo.toml", "[package]\nname = \"p\"\n[workspace]\n")],
            None,
        );
        let manifest = Path::new("Cargo.toml");
        let head = dir.path().join("head");
        let preferred = head.join("target/perf-budget/base-worktree");
        std::fs::create_dir_all(&preferred).unwrap();
        // No workspace around the target directory: the preferred place.
        assert_eq!(
            build_location(&repo, plain, manifest, &preferred),
            preferred
        );
        std::fs::write(head.join("Cargo.toml"), "[workspace]\nmembers = [\"a\"]\n").unwrap();
        // The base has its own workspace root: still the preferred place.
        assert_eq!(
            build_location(&repo, rooted, manifest, &preferred),
            preferred
        );
        // A plain package there would join the head's workspace: elsewhere, stably.
        let elsewhere = build_location(&repo, plain, manifest, &preferred);
        assert!(!elsewhere.starts_with(&head), "{}", elsewhere.display());
        assert_eq!(
            elsewhere,
            build_location(&repo, plain, manifest, &preferred)
        );
    }

    #[test]
    fn a_held_location_is_waited_for_and_reused_after() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path().join("repo")).unwrap();
        let one = commit(&repo, &[("Cargo.toml", "a")], None);
        let location = dir.path().join("stable");
        let first = BaseWorktree::create(&repo, one, &location, &[], || panic!("free")).unwrap();
        assert!(!first.reused());
        assert_eq!(first.path(), location.join("repo"));
        assert!(first.path().join("Cargo.toml").is_file());
        // Held: a second user would wait.
        assert!(BaseWorktree::try_lock(&location).unwrap().is_err());
        drop(first);
        // Free again, though a child another test of this process forks in the meantime may hold
        // the lock's descriptor until it execs (then close-on-exec drops it): waiting is allowed,
        // and returns.
        let again = BaseWorktree::create(&repo, one, &location, &[], || {}).unwrap();
        assert!(again.reused());
    }
}
