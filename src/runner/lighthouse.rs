//! Lighthouse for `check` and `run`: either run the Lighthouse CLI against the configured URL
//! (`[[lighthouse]] url` and `runs`), starting the site with `serve` first and stopping it
//! afterwards, or import the reports named by the `reports` glob. Either way the result is the
//! importer's results file.
//!
//! Running: the CLI is `node_modules/.bin/lighthouse` in the budget file's folder or an
//! ancestor (the version the project pins), else `lighthouse` on `PATH`. Chromium is
//! `$CHROME_PATH`, else `/usr/bin/chromium`, else `chromium`, `chromium-browser`,
//! `google-chrome-stable` or `google-chrome` on `PATH`. Each run gets headless CI flags, its own
//! temporary profile (Lighthouse's default) and `--only-categories=performance`, unless the
//! `args` of the budget file give their own `--chrome-flags` or `--only-categories`. A run that
//! writes a report is imported even when Lighthouse exits non-zero (a `runtimeError` becomes a
//! failed run there); a run that writes none is an error.
//!
//! In rerun mode `check` measures a table with `url`, `runs` and `serve` on base and head,
//! interleaved (ABBA), each side served from its own checkout: see [`interleave`].

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod interleave;

pub use interleave::{abba_order, can_interleave, interleave, BaseSite, InterleavedResults, Side};

use crate::budget::LighthouseConfig;
use crate::import::lighthouse::import;
use crate::import::lighthouse::import_filtered;
use crate::import::ImportError;
use crate::model::ResultsFile;

use super::interrupt::own_process_group;

/// Chromium flags for headless runs on CI machines (containers without a sandbox or GPU, small
/// `/dev/shm`, no background traffic that would disturb the measurement).
pub const CHROME_FLAGS: &str = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --disable-sync --no-first-run";

/// How long `serve` may take until the URL answers.
const SERVE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one Lighthouse run may take before it is stopped (Lighthouse itself gives up on a
/// page load after 45 s; this only catches a hung browser).
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// Why Lighthouse results could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum LighthouseRunError {
    /// The `[[lighthouse]]` table does not say what to do.
    #[error("[[lighthouse]] {name:?}: {message}")]
    Config {
        /// The table's `name`.
        name: String,
        /// What is missing or wrong.
        message: String,
    },
    /// The Lighthouse CLI or Chromium is not installed where we look.
    #[error("{0}")]
    ToolMissing(String),
    /// The `serve` command failed or the site never answered.
    #[error("[[lighthouse]] {name:?}: {message}")]
    Serve {
        /// The table's `name`.
        name: String,
        /// What happened, with the end of the command's output.
        message: String,
    },
    /// A Lighthouse run wrote no report.
    #[error("[[lighthouse]] {name:?}: {message}")]
    Run {
        /// The table's `name`.
        name: String,
        /// What happened, with the end of Lighthouse's output.
        message: String,
    },
    /// The reports could not be imported.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A temporary file or folder could not be made.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn io_error(path: &Path, source: std::io::Error) -> LighthouseRunError {
    LighthouseRunError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Collects the results of one `[[lighthouse]]` table: runs Lighthouse `runs` times against
/// `url` when both are set (starting `serve` first, if given), else imports the `reports` glob
/// (relative to `budget_dir`), keeping only the runs of `url` when it is set. Progress goes to
/// stderr unless `quiet`.
pub fn collect(
    cfg: &LighthouseConfig,
    budget_dir: &Path,
    quiet: bool,
) -> Result<ResultsFile, LighthouseRunError> {
    let config = |message: String| LighthouseRunError::Config {
        name: cfg.name.clone(),
        message,
    };
    match (&cfg.url, cfg.runs, &cfg.reports) {
        (Some(url), Some(runs), _) => {
            if runs == 0 {
                return Err(config("`runs` is 0; Lighthouse must run at least once".into()));
            }
            run_lighthouse(cfg, url, runs, budget_dir, quiet)
        }
        (url, None, Some(pattern)) => {
            let files = expand_glob(pattern, budget_dir)?;
            if files.is_empty() {
                return Err(config(format!(
                    "`reports = {pattern:?}` matches no file in {}",
                    budget_dir.display()
                )));
            }
            Ok(import_filtered(&files, &cfg.name, url.as_deref())?)
        }
        (Some(_), None, None) => Err(config(
            "`url` is set but `runs` is not: set `runs` to run Lighthouse, or `reports` to import existing reports".into(),
        )),
        (None, Some(_), _) => Err(config(
            "`runs` is set but `url` is not: set the URL Lighthouse should load".into(),
        )),
        (None, None, None) => Err(config(
            "set `reports` (a glob of Lighthouse reports), or `url` and `runs` to run Lighthouse".into(),
        )),
    }
}

/// The Lighthouse CLI and Chromium for a measurement, and a scratch folder for its reports.
pub(crate) struct Tools {
    /// The Lighthouse CLI.
    pub lighthouse: PathBuf,
    /// The Chromium binary.
    pub chrome: PathBuf,
    /// Reports and logs; removed when dropped.
    pub scratch: tempfile::TempDir,
}

impl Tools {
    /// Finds the tools for the project in `dir` (see the module documentation).
    pub(crate) fn find(dir: &Path) -> Result<Tools, LighthouseRunError> {
        Ok(Tools {
            lighthouse: find_lighthouse(dir, std::env::var_os("PATH"))?,
            chrome: find_chrome(std::env::var_os("CHROME_PATH"), std::env::var_os("PATH"))?,
            scratch: tempfile::Builder::new()
                .prefix("perf-budget-lighthouse-")
                .tempdir()
                .map_err(|e| io_error(&std::env::temp_dir(), e))?,
        })
    }
}

fn run_lighthouse(
    cfg: &LighthouseConfig,
    url: &str,
    runs: u32,
    budget_dir: &Path,
    quiet: bool,
) -> Result<ResultsFile, LighthouseRunError> {
    let Tools {
        lighthouse,
        chrome,
        scratch: tmp,
    } = Tools::find(budget_dir)?;

    // Dropped (and so stopped) on every way out of this function, errors included.
    let _served = match &cfg.serve {
        Some(command) => {
            let mut served = Served::start(command, budget_dir, &tmp.path().join("serve.log"))
                .map_err(|e| LighthouseRunError::Serve {
                    name: cfg.name.clone(),
                    message: format!("could not start `serve` command {command:?}: {e}"),
                })?;
            if !quiet {
                crate::runner::say(&format!(
                    "lighthouse {}: started `{command}`, waiting for {url}",
                    cfg.name
                ));
            }
            wait_until_answers(url, SERVE_TIMEOUT, Some(&mut served)).map_err(|message| {
                LighthouseRunError::Serve {
                    name: cfg.name.clone(),
                    message: format!("`serve` command {command:?}: {message}"),
                }
            })?;
            Some(served)
        }
        None => {
            // Without `serve` the site must already be up; saying so now beats a report full
            // of CHROME_INTERSTITIAL_ERROR.
            wait_until_answers(url, Duration::from_secs(10), None).map_err(|message| {
                LighthouseRunError::Serve {
                    name: cfg.name.clone(),
                    message: format!("{message}; start the site first or set `serve`"),
                }
            })?;
            None
        }
    };

    let mut reports = Vec::new();
    for run in 1..=runs {
        if !quiet {
            crate::runner::say(&format!(
                "lighthouse {}: run {run}/{runs} of {url}",
                cfg.name
            ));
        }
        let started = Instant::now();
        let report = tmp.path().join(format!("run-{run}.json"));
        let log = tmp.path().join(format!("run-{run}.log"));
        let status =
            run_once(&lighthouse, &chrome, url, &cfg.args, &report, &log).map_err(|message| {
                LighthouseRunError::Run {
                    name: cfg.name.clone(),
                    message: format!("run {run}/{runs} of {url}: {message}"),
                }
            })?;
        if !report.is_file() {
            return Err(LighthouseRunError::Run {
                name: cfg.name.clone(),
                message: format!(
                    "run {run}/{runs} of {url}: {} exited with {status} and wrote no report{}",
                    lighthouse.display(),
                    log_tail(&log)
                ),
            });
        }
        if !quiet {
            crate::runner::say(&format!(
                "lighthouse {}: run {run}/{runs} done in {:.1} s: {}",
                cfg.name,
                started.elapsed().as_secs_f64(),
                headline(&report, &cfg.name)
            ));
        }
        reports.push(report);
    }
    Ok(import(&reports, &cfg.name)?)
}

/// "LCP 905 ms, CLS 0, performance 1" or the failure, for the progress line.
fn headline(report: &Path, name: &str) -> String {
    match import(&[report.to_path_buf()], name) {
        Ok(file) => headline_of(&file, name),
        Err(_) => "report written".into(),
    }
}

/// [`headline`] of one run's imported report.
fn headline_of(file: &ResultsFile, name: &str) -> String {
    if let Some(why) = file.metrics.iter().find_map(|m| m.failure.clone()) {
        return format!("failed: {why}");
    }
    let mut parts = Vec::new();
    for (audit, label) in [
        ("largest-contentful-paint", "LCP"),
        ("cumulative-layout-shift", "CLS"),
        ("total-blocking-time", "TBT"),
        ("score/performance", "performance"),
    ] {
        if let Some(m) = file.metric(&format!("lighthouse/{name}/{audit}")) {
            parts.push(format!("{label} {}", m.unit.format(m.value)));
        }
    }
    parts.join(", ")
}

fn has_flag(args: &[String], flag: &str) -> bool {
    args.iter()
        .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
}

fn run_once(
    lighthouse: &Path,
    chrome: &Path,
    url: &str,
    args: &[String],
    report: &Path,
    log: &Path,
) -> Result<std::process::ExitStatus, String> {
    let mut cmd = Command::new(lighthouse);
    cmd.arg(url)
        .arg("--output=json")
        .arg(format!("--output-path={}", report.display()))
        .arg("--quiet");
    if !has_flag(args, "--chrome-flags") {
        cmd.arg(format!("--chrome-flags={CHROME_FLAGS}"));
    }
    if !has_flag(args, "--only-categories") {
        cmd.arg("--only-categories=performance");
    }
    cmd.args(args).env("CHROME_PATH", chrome);
    let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    own_process_group(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", lighthouse.display()))?;
    // Lighthouse and the Chromium it starts stop with us on interrupt.
    let _registered = super::interrupt::ChildGuard::new(child.id());
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if started.elapsed() > RUN_TIMEOUT => {
                stop_group(&mut child);
                return Err(format!(
                    "Lighthouse did not finish within {} s and was stopped{}",
                    RUN_TIMEOUT.as_secs(),
                    log_tail(log)
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("waiting for Lighthouse: {e}")),
        }
    }
}

/// Loads `url` once in headless Chromium without measuring it (its own temporary profile, the
/// page's scripts and subresources fetched), so the first measured run after a server start does
/// not pay for the server's cold caches alone. Best effort: a failure or a timeout is returned as
/// a message for the progress output, never an error (a broken site shows in the measured runs).
fn warm_up(chrome: &Path, url: &str, scratch: &Path) -> Result<(), String> {
    let profile = scratch.join("warm-up-profile");
    let mut cmd = Command::new(chrome);
    cmd.args(CHROME_FLAGS.split_whitespace())
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    own_process_group(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", chrome.display()))?;
    let _registered = super::interrupt::ChildGuard::new(child.id());
    let started = Instant::now();
    let result = loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break Ok(()),
            Ok(Some(status)) => break Err(format!("Chromium exited with {status}")),
            Ok(None) if started.elapsed() > WARM_UP_TIMEOUT => {
                stop_group(&mut child);
                break Err(format!(
                    "no page load within {} s",
                    WARM_UP_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => break Err(e.to_string()),
        }
    };
    let _ = std::fs::remove_dir_all(&profile);
    result
}

/// How long the unmeasured warm-up load may take.
const WARM_UP_TIMEOUT: Duration = Duration::from_secs(60);

/// The last lines of a log, as a suffix for an error message.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(15)..];
    format!("; its output ends:\n  {}", tail.join("\n  "))
}

/// Looks for an executable `name` in the folders of a `PATH` value.
fn on_path(name: &str, path_env: Option<&OsString>) -> Option<PathBuf> {
    let path_env = path_env?;
    std::env::split_paths(path_env)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The Lighthouse CLI: `node_modules/.bin/lighthouse` in `start` or an ancestor (a version the
/// project pins wins, as with `npx`), else `lighthouse` on `PATH`.
pub fn find_lighthouse(
    start: &Path,
    path_env: Option<OsString>,
) -> Result<PathBuf, LighthouseRunError> {
    let bin = if cfg!(windows) {
        "lighthouse.cmd"
    } else {
        "lighthouse"
    };
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in start.ancestors() {
        let candidate = dir.join("node_modules").join(".bin").join(bin);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    on_path(bin, path_env.as_ref()).ok_or_else(|| {
        LighthouseRunError::ToolMissing(format!(
            "the Lighthouse CLI was not found: no node_modules/.bin/{bin} in {} or its parents, and no `{bin}` on PATH; install it with `npm install --save-dev lighthouse` (or `npm install -g lighthouse`)",
            start.display()
        ))
    })
}

/// Chromium for Lighthouse: `$CHROME_PATH`, else `/usr/bin/chromium`, else a Chrome or
/// Chromium on `PATH`.
pub fn find_chrome(
    chrome_path: Option<OsString>,
    path_env: Option<OsString>,
) -> Result<PathBuf, LighthouseRunError> {
    if let Some(explicit) = chrome_path.filter(|p| !p.is_empty()) {
        let explicit = PathBuf::from(explicit);
        return if is_executable(&explicit) {
            Ok(explicit)
        } else {
            Err(LighthouseRunError::ToolMissing(format!(
                "CHROME_PATH is {}, which is not an executable file",
                explicit.display()
            )))
        };
    }
    let default = Path::new("/usr/bin/chromium");
    if is_executable(default) {
        return Ok(default.to_path_buf());
    }
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome-stable",
        "google-chrome",
    ] {
        if let Some(found) = on_path(name, path_env.as_ref()) {
            return Ok(found);
        }
    }
    Err(LighthouseRunError::ToolMissing(
        "no Chromium for Lighthouse: CHROME_PATH is not set, /usr/bin/chromium does not exist and no chromium or google-chrome is on PATH; install it (Debian/Ubuntu: `apt-get install chromium`) or set CHROME_PATH".into(),
    ))
}

/// Stops a child started with [`own_process_group`] and everything it started: TERM to the
/// group, KILL after 5 s.
fn stop_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let signal = |sig: &str| {
            // The shell's own `kill` builtin (no procps needed); dash rejects `--`.
            let _ = Command::new("sh")
                .arg("-c")
                .arg(format!("kill -{sig} {group} 2>/dev/null"))
                .status();
        };
        signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                // The leader is gone; make sure nothing else of its group lingers.
                signal("KILL");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal("KILL");
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A `serve` command that is running; stopped (with everything it started) when dropped, and
/// by the Ctrl-C handler (it runs in its own process group, which the terminal's Ctrl-C does
/// not reach).
pub struct Served {
    child: Child,
    log: PathBuf,
    cleanup: u64,
}

impl Served {
    /// Starts `command` with `sh -c` in `dir`, its output going to `log`.
    pub fn start(command: &str, dir: &Path, log: &Path) -> std::io::Result<Served> {
        let out = std::fs::File::create(log)?;
        let err = out.try_clone()?;
        let mut cmd = if cfg!(windows) {
            let mut c = Command::new("cmd");
            c.arg("/C").arg(command);
            c
        } else {
            let mut c = Command::new("sh");
            c.arg("-c").arg(command);
            c
        };
        cmd.current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        own_process_group(&mut cmd);
        super::interrupt::install_handler();
        let child = cmd.spawn()?;
        let group = child.id();
        let cleanup = super::interrupt::register(Box::new(move || {
            #[cfg(unix)]
            let _ = Command::new("sh")
                .arg("-c")
                .arg(format!("kill -KILL -{group} 2>/dev/null"))
                .status();
            #[cfg(not(unix))]
            let _ = group;
        }));
        Ok(Served {
            child,
            log: log.to_path_buf(),
            cleanup,
        })
    }

    /// The process id of the `sh` that runs the command.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Set when the command has already ended, with the end of its output.
    fn ended(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("exited with {status}{}", log_tail(&self.log))),
            _ => None,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        stop_group(&mut self.child);
        super::interrupt::forget(self.cleanup);
    }
}

/// Polls `url` until it answers (any HTTP response; for non-HTTP URLs, an open port), the
/// `served` command ends, or `timeout` passes.
pub fn wait_until_answers(
    url: &str,
    timeout: Duration,
    mut served: Option<&mut Served>,
) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("`url = {url:?}` is not a URL: {e}"))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("`url = {url:?}` has no host"))?
        .to_string();
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| format!("`url = {url:?}` has no port"))?;
    let started = Instant::now();
    loop {
        if let Some(why) = served.as_mut().and_then(|s| s.ended()) {
            return Err(format!("ended before {url} answered: {why}"));
        }
        let last = match probe(&parsed, &host, port) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if started.elapsed() > timeout {
            return Err(format!(
                "nothing answered at {url} within {} s ({last})",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn probe(url: &url::Url, host: &str, port: u16) -> Result<(), String> {
    use std::net::ToSocketAddrs;
    // Brackets of an IPv6 host are not part of the address to resolve.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<_> = (bare, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("no address for {host}");
    for addr in addrs {
        let mut stream = match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(s) => s,
            Err(e) => {
                last = format!("{addr}: {e}");
                continue;
            }
        };
        if url.scheme() != "http" {
            // An open port is all we can check without TLS.
            return Ok(());
        }
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let request =
            format!("GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
        if let Err(e) = stream.write_all(request.as_bytes()) {
            last = format!("{addr}: {e}");
            continue;
        }
        let mut head = [0u8; 5];
        match stream.read_exact(&mut head) {
            Ok(()) if &head == b"HTTP/" => return Ok(()),
            Ok(()) => last = format!("{addr}: the answer is not HTTP"),
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(last)
}

/// Files and folders matching `pattern` (a glob such as `.lighthouseci/lhr-*.json`, relative to
/// `base` unless absolute), sorted. A pattern without glob characters is a plain path.
pub fn expand_glob(pattern: &str, base: &Path) -> Result<Vec<PathBuf>, LighthouseRunError> {
    let is_meta = |c: char| matches!(c, '*' | '?' | '[' | '{');
    let full = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        base.join(pattern)
    };
    if !pattern.contains(is_meta) {
        return Ok(if full.exists() {
            vec![full]
        } else {
            Vec::new()
        });
    }
    // Walk from the longest leading part without glob characters.
    let mut root = PathBuf::new();
    let mut rest = Vec::new();
    for component in full.components() {
        let text = component.as_os_str().to_string_lossy();
        if rest.is_empty() && !text.contains(is_meta) {
            root.push(component);
        } else {
            rest.push(text.into_owned());
        }
    }
    let depth = if rest.iter().any(|c| c.contains("**")) {
        usize::MAX
    } else {
        rest.len()
    };
    let full_text = full.to_string_lossy().replace('\\', "/");
    let matcher =
        crate::budget::compile_path_glob(&full_text).map_err(|e| LighthouseRunError::Config {
            name: String::new(),
            message: format!("`reports = {pattern:?}` is not a valid glob: {e}"),
        })?;
    if !root.exists() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&root).min_depth(1).max_depth(depth) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(&root).to_path_buf();
            io_error(
                &path,
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk failed")),
            )
        })?;
        let text = entry.path().to_string_lossy().replace('\\', "/");
        if matcher.is_match(&text) {
            found.push(entry.into_path());
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "{}").unwrap();
    }

    #[test]
    fn globs_expand_relative_to_the_budget_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            ".lighthouseci/lhr-2.json",
            ".lighthouseci/lhr-1.json",
            ".lighthouseci/links.json",
            "reports/a/home.json",
            "reports/b/home.json",
        ] {
            touch(&d.join(f));
        }
        let rel = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.strip_prefix(d).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(
            rel(expand_glob(".lighthouseci/lhr-*.json", d).unwrap()),
            [".lighthouseci/lhr-1.json", ".lighthouseci/lhr-2.json"]
        );
        assert_eq!(
            rel(expand_glob("reports/**/home.json", d).unwrap()),
            ["reports/a/home.json", "reports/b/home.json"]
        );
        assert_eq!(
            rel(expand_glob("reports/*/home.json", d).unwrap()),
            ["reports/a/home.json", "reports/b/home.json"]
        );
        // `*` does not cross folders.
        assert!(expand_glob("reports/*.json", d).unwrap().is_empty());
        assert_eq!(
            rel(expand_glob(".lighthouseci", d).unwrap()),
            [".lighthouseci"]
        );
        assert!(expand_glob("missing/*.json", d).unwrap().is_empty());
        assert!(expand_glob("nothing.json", d).unwrap().is_empty());
        let abs = format!("{}/reports/a/*.json", d.display());
        assert_eq!(
            rel(expand_glob(&abs, Path::new("/elsewhere")).unwrap()),
            ["reports/a/home.json"]
        );
    }

    #[test]
    fn missing_tools_are_named_with_how_to_install_them() {
        let dir = tempfile::tempdir().unwrap();
        let err = find_lighthouse(dir.path(), Some(OsString::from(dir.path()))).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("node_modules/.bin/lighthouse")
                && text.contains("PATH")
                && text.contains("npm install"),
            "{text}"
        );

        let err = find_chrome(Some(dir.path().join("nochrome").into()), None).unwrap_err();
        assert!(err.to_string().contains("CHROME_PATH"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_project_local_lighthouse_wins_over_path() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("node_modules/.bin/lighthouse");
        touch(&local);
        std::fs::set_permissions(&local, std::fs::Permissions::from_mode(0o755)).unwrap();
        let nested = dir.path().join("site/perf");
        std::fs::create_dir_all(&nested).unwrap();
        let found = find_lighthouse(&nested, Some(OsString::from("/usr/bin"))).unwrap();
        assert_eq!(found, local);
    }

    #[test]
    fn a_table_that_says_nothing_is_a_config_error() {
        let cfg = LighthouseConfig {
            name: "home".into(),
            ..LighthouseConfig::default()
        };
        let err = collect(&cfg, Path::new("."), true).unwrap_err().to_string();
        assert!(
            err.contains("\"home\"") && err.contains("reports") && err.contains("runs"),
            "{err}"
        );
        let cfg = LighthouseConfig {
            name: "home".into(),
            url: Some("http://127.0.0.1:1/".into()),
            ..LighthouseConfig::default()
        };
        assert!(collect(&cfg, Path::new("."), true)
            .unwrap_err()
            .to_string()
            .contains("`runs`"));
        let cfg = LighthouseConfig {
            name: "home".into(),
            reports: Some("nothing-here/*.json".into()),
            ..LighthouseConfig::default()
        };
        let err = collect(&cfg, Path::new("."), true).unwrap_err().to_string();
        assert!(err.contains("matches no file"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn serve_is_stopped_with_everything_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        // The command starts a grandchild and waits: stopping only `sh` would leave it behind.
        let served = Served::start(
            &format!("sleep 600 & echo $! > {}; wait", pid_file.display()),
            dir.path(),
            &dir.path().join("log"),
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let grandchild = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
            {
                break pid;
            }
            assert!(Instant::now() < deadline, "the serve command never started");
            std::thread::sleep(Duration::from_millis(20));
        };
        let alive = |pid: u32| {
            Command::new("sh")
                .arg("-c")
                .arg(format!("kill -0 {pid} 2>/dev/null"))
                .status()
                .unwrap()
                .success()
        };
        assert!(alive(grandchild));
        drop(served);
        // `sleep` is reaped by init once killed; give it a moment.
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive(grandchild) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(grandchild), "pid {grandchild} survived");
    }

    #[test]
    fn waiting_gives_up_when_serve_ends_or_nothing_answers() {
        let dir = tempfile::tempdir().unwrap();
        let mut served = Served::start(
            "echo broken config >&2; exit 3",
            dir.path(),
            &dir.path().join("log"),
        )
        .unwrap();
        // A port nothing listens on: bind one and let it go.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/");
        let err = wait_until_answers(&url, Duration::from_secs(30), Some(&mut served)).unwrap_err();
        assert!(
            err.contains("exit status: 3") && err.contains("broken config"),
            "{err}"
        );
        let err = wait_until_answers(&url, Duration::from_millis(300), None).unwrap_err();
        assert!(err.contains("nothing answered"), "{err}");
        assert!(wait_until_answers("not a url", Duration::from_secs(1), None).is_err());
    }

    #[test]
    fn an_http_server_answers() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.0 404 Not Found\r\n\r\n");
            }
        });
        wait_until_answers(
            &format!("http://127.0.0.1:{port}/x?y=1"),
            Duration::from_secs(10),
            None,
        )
        .unwrap();
    }
}
