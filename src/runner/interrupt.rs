//! Ctrl-C and termination (CI cancellation): stop the children we started (cargo and the
//! compilers it runs, bench binaries, `serve` commands, k6, Lighthouse and Chromium) and run the
//! registered cleanups (remove temporary files) before exiting with 130, so an interrupted check
//! leaves neither processes nor files behind.
//!
//! Every child starts in its own process group ([`own_process_group`]) and is registered with a
//! [`ChildGuard`] while it runs; on interrupt the whole group is signalled (TERM, then KILL after
//! a grace period), so grandchildren such as `rustc` under `cargo` stop too. (A terminal's Ctrl-C
//! reaches only the foreground group, which is why the handler must do it.) A run killed with
//! SIGKILL cannot do any of this; its base checkout is repaired by the next run (`worktree`).
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
    let groups: Vec<u32> = registry.children.drain(..).collect();
    stop_groups(&groups);
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

/// Starts `cmd` in a process group of its own (unix), so that it and everything it starts can
/// be signalled together; pair the spawned child with a [`ChildGuard`].
pub(crate) fn own_process_group(cmd: &mut std::process::Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    #[cfg(not(unix))]
    let _ = cmd;
}

/// Why [`output`] has no output to give.
#[derive(Debug)]
pub(crate) enum ChildFailure {
    /// The program could not be started.
    Start(std::io::Error),
    /// It started, but waiting for it failed.
    Wait(std::io::Error),
    /// It ended unsuccessfully; the last lines of its stderr.
    Exit {
        status: std::process::ExitStatus,
        stderr_tail: String,
    },
}

impl std::fmt::Display for ChildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChildFailure::Start(e) => write!(f, "could not start: {e}"),
            ChildFailure::Wait(e) => write!(f, "could not be waited for: {e}"),
            ChildFailure::Exit {
                status,
                stderr_tail,
            } => write!(f, "failed ({status}):\n{stderr_tail}"),
        }
    }
}

impl From<ChildFailure> for std::io::Error {
    fn from(failure: ChildFailure) -> std::io::Error {
        match failure {
            ChildFailure::Start(e) | ChildFailure::Wait(e) => e,
            exit @ ChildFailure::Exit { .. } => std::io::Error::other(exit.to_string()),
        }
    }
}

/// Runs `cmd` to its end as every child of a check runs: in a process group of its own,
/// registered so that an interrupt stops it with everything it started. Its stdin is closed;
/// stdout and stderr are whatever `cmd` says (captured in the output when piped).
pub(crate) fn output(
    cmd: &mut std::process::Command,
) -> Result<std::process::Output, ChildFailure> {
    cmd.stdin(std::process::Stdio::null());
    own_process_group(cmd);
    let child = cmd.spawn().map_err(ChildFailure::Start)?;
    let _guard = ChildGuard::new(child.id());
    child.wait_with_output().map_err(ChildFailure::Wait)
}

/// Runs the shell command `script` in `dir` to its end (as [`output`] runs a child), its stdout
/// discarded; an unsuccessful exit is an error with the last 20 lines of its stderr.
pub(crate) fn shell(script: &str, dir: &std::path::Path) -> Result<(), ChildFailure> {
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let out = output(&mut command)?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut tail: Vec<&str> = stderr.lines().rev().take(20).collect();
    tail.reverse();
    Err(ChildFailure::Exit {
        status: out.status,
        stderr_tail: tail.join("\n"),
    })
}

/// A child started with [`own_process_group`] whose group the handler stops on interrupt, while
/// this guard lives.
pub(crate) struct ChildGuard(u32);

impl ChildGuard {
    /// Registers the child `pid` (the leader of its own process group) and makes sure the
    /// handler is installed.
    pub(crate) fn new(pid: u32) -> ChildGuard {
        install_handler();
        registry().children.push(pid);
        ChildGuard(pid)
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        registry().children.retain(|p| *p != self.0);
    }
}

/// How long the groups get to end after TERM before they are killed.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Stops the process groups led by `groups`: TERM to each, then KILL to what is left after
/// [`STOP_GRACE`] (or as soon as nothing is left).
fn stop_groups(groups: &[u32]) {
    if groups.is_empty() {
        return;
    }
    for &group in groups {
        signal_group(group, "TERM");
    }
    let start = std::time::Instant::now();
    while start.elapsed() < STOP_GRACE && groups.iter().any(|&g| group_alive(g)) {
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    for &group in groups {
        signal_group(group, "KILL");
    }
}

/// Sends `signal` to the process group `group` (on Windows: ends the process tree).
fn signal_group(group: u32, signal: &str) {
    // `unsafe` is forbidden in this crate, so no direct kill(2): the shell's own `kill` builtin
    // does it (no procps needed; a negative pid names the group; dash rejects `--`).
    let mut command = if cfg!(windows) {
        let mut c = std::process::Command::new("taskkill");
        c.args(["/F", "/T", "/PID", &group.to_string()]);
        c
    } else {
        let mut c = std::process::Command::new("sh");
        c.arg("-c")
            .arg(format!("kill -{signal} -{group} 2>/dev/null"));
        c
    };
    let _ = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// Whether a process of group `pgid` is still running (zombies, which are only waiting to be
/// reaped, do not count). Without /proc, asks `kill -0`, which counts zombies too.
pub(crate) fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("kill -0 -{pgid} 2>/dev/null"))
            .stdin(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .any(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // After the command name in parentheses: state, ppid, pgrp.
            let Some((_, after)) = stat.rsplit_once(')') else {
                return false;
            };
            let mut fields = after.split_whitespace();
            let state = fields.next();
            let pgrp = fields.nth(1).and_then(|g| g.parse::<u32>().ok());
            pgrp == Some(pgid) && state != Some("Z") && state != Some("X")
        })
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
