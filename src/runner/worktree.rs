//! The temporary, detached checkout of the base commit that the rerun builds and measures.
//!
//! It is a linked git worktree in a fresh temporary directory, made with git2. libgit2 can only
//! add a worktree for a branch, so a short-lived branch with a private name is created, the new
//! worktree is detached at the commit and the branch deleted again at once; the user's work
//! tree, index, HEAD and branches are never touched. Removal (prune, delete the directory) runs
//! on drop, on every path out including errors, and from the Ctrl-C handler; it is idempotent.

use std::path::{Path, PathBuf};

use git2::{BranchType, Oid, Repository, WorktreeAddOptions, WorktreePruneOptions};

use super::{interrupt, RunError};

/// Names of our worktrees and their temporary branches start with this.
const PREFIX: &str = "perf-budget-base-";

/// A checkout of the base commit; removed when dropped.
#[derive(Debug)]
pub(crate) struct BaseWorktree {
    checkout: PathBuf,
    cleanup: u64,
}

impl BaseWorktree {
    /// Checks out `commit` of `repo` in a new temporary worktree.
    pub(crate) fn create(repo: &Repository, commit: Oid) -> Result<BaseWorktree, RunError> {
        interrupt::install_handler();
        remove_stale(repo);
        let parent = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir()
            .map_err(|e| RunError::io(std::env::temp_dir(), e))?
            .keep();
        let name = parent
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(PREFIX)
            .to_string();
        // The checkout is named like the user's project so compiler messages read naturally.
        let project = repo
            .workdir()
            .and_then(|w| w.file_name())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("base"));
        let checkout = parent.join(project);

        let cleanup = {
            let git_dir = repo.path().to_path_buf();
            let name = name.clone();
            let parent = parent.clone();
            interrupt::register(Box::new(move || remove(&git_dir, &name, &parent)))
        };
        let worktree = BaseWorktree { checkout, cleanup };
        worktree.add(repo, &name, commit)?;
        Ok(worktree)
    }

    fn add(&self, repo: &Repository, name: &str, commit: Oid) -> Result<(), RunError> {
        let short = short_sha(commit);
        let context = |what: &str| format!("creating the base worktree for {short} ({what})");
        let target = repo
            .find_commit(commit)
            .map_err(|e| RunError::git(context("finding the commit"), e))?;
        let branch = repo
            .branch(name, &target, false)
            .map_err(|e| RunError::git(context("temporary branch"), e))?;
        let reference = branch.into_reference();
        let mut options = WorktreeAddOptions::new();
        options.reference(Some(&reference));
        repo.worktree(name, &self.checkout, Some(&options))
            .map_err(|e| RunError::git(context(&self.checkout.display().to_string()), e))?;
        let checkout = Repository::open(&self.checkout)
            .map_err(|e| RunError::git(context("opening the worktree"), e))?;
        checkout
            .set_head_detached(commit)
            .map_err(|e| RunError::git(context("detaching HEAD"), e))?;
        drop(reference);
        repo.find_branch(name, BranchType::Local)
            .and_then(|mut b| b.delete())
            .map_err(|e| RunError::git(context("deleting the temporary branch"), e))?;
        Ok(())
    }

    /// The root of the checkout (the repository's top level at the base commit).
    pub(crate) fn path(&self) -> &Path {
        &self.checkout
    }
}

impl Drop for BaseWorktree {
    fn drop(&mut self) {
        interrupt::run(self.cleanup);
    }
}

/// Prunes the worktree `name`, deletes its temporary branch and its directory. Each step skips
/// what is already gone, so running it twice is harmless. Failures are printed, not returned:
/// this runs on error paths and in the signal handler, where the first error matters more.
fn remove(git_dir: &Path, name: &str, parent: &Path) {
    let mut problems = Vec::new();
    match Repository::open(git_dir) {
        Ok(repo) => {
            if let Ok(worktree) = repo.find_worktree(name) {
                let mut options = WorktreePruneOptions::new();
                options.valid(true).locked(true).working_tree(true);
                if let Err(e) = worktree.prune(Some(&mut options)) {
                    problems.push(format!("git worktree prune: {e}"));
                }
            }
            if let Ok(mut branch) = repo.find_branch(name, BranchType::Local) {
                if let Err(e) = branch.delete() {
                    problems.push(format!("deleting branch {name}: {e}"));
                }
            }
        }
        Err(e) => problems.push(format!("opening {}: {e}", git_dir.display())),
    }
    match std::fs::remove_dir_all(parent) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => problems.push(format!("{}: {e}", parent.display())),
    }
    if !problems.is_empty() {
        eprintln!(
            "warning: could not fully remove the temporary base worktree {name} ({}); \
             `git worktree prune` and deleting {} finish the job",
            problems.join("; "),
            parent.display()
        );
    }
}

/// Removes what a killed earlier run (SIGKILL, power loss) left: our worktrees whose directory
/// is gone, and temporary branches no worktree uses.
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

/// The first 8 hex digits of a commit, for messages.
pub(crate) fn short_sha(oid: Oid) -> String {
    oid.to_string().chars().take(8).collect()
}
