//! Ctrl-C and termination (CI cancellation): stop the children we started (cargo, bench
//! binaries) and run the registered cleanups (remove the base worktree) before exiting with
//! 130, so an interrupted check leaves the repository as it found it.
//!
//! Cleanups are registered by id and run at most once: by their owner's `Drop` on the normal
//! and error paths, or by the signal handler, whichever comes first.

use std::sync::{Mutex, MutexGuard, Once};

type Cleanup = Box<dyn FnOnce() + Send>;

struct Registry {
    next_id: u64,
    cleanups: Vec<(u64, Cleanup)>,
    children: Vec<u32>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next_id: 0,
    cleanups: Vec::new(),
    children: Vec::new(),
});
static INSTALL: Once = Once::new();

fn registry() -> MutexGuard<'static, Registry> {
    // A panic while holding the lock must not stop later cleanups.
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Installs the process-wide handler once. If another part of the program already installed
/// one, ours is not needed for correctness (the `Drop` guards still clean up on errors), so
/// the failure is ignored.
pub(crate) fn install_handler() {
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(on_interrupt);
    });
}

fn on_interrupt() {
    let mut registry = registry();
    for pid in registry.children.drain(..) {
        kill(pid);
    }
    let cleanups: Vec<(u64, Cleanup)> = registry.cleanups.drain(..).collect();
    let removed = !cleanups.is_empty();
    for (_, cleanup) in cleanups {
        cleanup();
    }
    if removed {
        eprintln!("interrupted: stopped the benchmarks and removed their temporary files");
    }
    // Holding the lock while exiting keeps a racing `Drop` from starting a second cleanup.
    std::process::exit(130);
}

/// Registers a cleanup; returns the id to run it with.
pub(crate) fn register(cleanup: Cleanup) -> u64 {
    let mut registry = registry();
    registry.next_id += 1;
    let id = registry.next_id;
    registry.cleanups.push((id, cleanup));
    id
}

/// Runs the cleanup `id` unless it already ran.
pub(crate) fn run(id: u64) {
    let cleanup = {
        let mut registry = registry();
        let position = registry.cleanups.iter().position(|(i, _)| *i == id);
        position.map(|p| registry.cleanups.remove(p).1)
    };
    if let Some(cleanup) = cleanup {
        cleanup();
    }
}

/// Drops the cleanup `id` without running it (its owner cleaned up in another way).
pub(crate) fn forget(id: u64) {
    registry().cleanups.retain(|(i, _)| *i != id);
}

/// A temporary directory (criterion's output) that is also removed on interrupt, where no
/// destructor runs. Removed when dropped.
pub(crate) struct ScratchDir {
    path: std::path::PathBuf,
    cleanup: u64,
}

impl ScratchDir {
    /// A new empty directory in the system's temporary directory, named `<prefix>…`.
    pub(crate) fn new(prefix: &str) -> std::io::Result<ScratchDir> {
        let path = tempfile::Builder::new().prefix(prefix).tempdir()?.keep();
        let removed = path.clone();
        let cleanup = register(Box::new(move || {
            let _ = std::fs::remove_dir_all(&removed);
        }));
        Ok(ScratchDir { path, cleanup })
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        run(self.cleanup);
    }
}

/// A child process that the handler stops on interrupt, while this guard lives.
pub(crate) struct ChildGuard(u32);

impl ChildGuard {
    pub(crate) fn new(pid: u32) -> ChildGuard {
        registry().children.push(pid);
        ChildGuard(pid)
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        registry().children.retain(|p| *p != self.0);
    }
}

fn kill(pid: u32) {
    // `unsafe` is forbidden in this crate, so no direct kill(2): the system's own tool does it.
    let mut command = if cfg!(windows) {
        let mut c = std::process::Command::new("taskkill");
        c.args(["/F", "/T", "/PID", &pid.to_string()]);
        c
    } else {
        let mut c = std::process::Command::new("kill");
        c.args(["-TERM", &pid.to_string()]);
        c
    };
    let _ = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_cleanup_runs_once() {
        let count = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&count);
        let id = register(Box::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
        }));
        run(id);
        run(id);
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }
}
