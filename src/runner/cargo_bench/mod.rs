//! Running criterion benches: build them once with `cargo bench --no-run`, take the bench
//! executables from cargo's JSON messages, run each executable directly with `--bench` and a
//! private `CRITERION_HOME`, and import what criterion wrote.
//!
//! [`measure_head`] measures the current tree once (for `check --base FILE` and `run`); the
//! interleaved base/head rerun in [`super::rerun`] uses the same pieces per side and round.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::SystemTime;

use serde::Deserialize;

use super::criterion_cli::{self, CriterionVersion};
use super::{interrupt, Progress, RunError};
use crate::budget::CriterionConfig;
use crate::model::{Environment, ResultsFile};
use metadata::CargoTarget;
pub(crate) use metadata::{Metadata, Requirement, Selection};

/// What to benchmark and how.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// `Cargo.toml` of the package to benchmark (a workspace root selects its members).
    pub manifest_path: PathBuf,
    /// `[criterion]` of the budget file: which benches, package, features, extra arguments.
    pub config: CriterionConfig,
    /// No progress output.
    pub quiet: bool,
    /// Overrides cargo's target directory for head (`--target-dir`); `None` uses cargo's own
    /// choice (`CARGO_TARGET_DIR`, `.cargo/config.toml`, `target/`). The base side of a rerun
    /// builds in `<head target>/perf-budget/base`.
    pub target_dir: Option<PathBuf>,
}

impl BenchOptions {
    /// Options for the package at `manifest_path` with cargo's default target directory.
    pub fn new(manifest_path: impl Into<PathBuf>, config: CriterionConfig, quiet: bool) -> Self {
        BenchOptions {
            manifest_path: manifest_path.into(),
            config,
            quiet,
            target_dir: None,
        }
    }
}

/// Builds and runs the configured benches of the current tree once and imports the results.
///
/// criterion writes into a temporary `CRITERION_HOME`, so the user's `target/criterion`
/// baselines are left alone. The bench arguments are `[criterion] args`, plus `warm-up` and
/// `measurement` when the budget file sets them ([`run_args`]): otherwise this is what a plain
/// `cargo bench` measures. The result carries the HEAD commit (when the package is
/// in a git repository) and the environment.
pub fn measure_head(opts: &BenchOptions) -> Result<ResultsFile, RunError> {
    let progress = Progress::new(opts.quiet);
    let result = measure_head_with(opts, &progress);
    progress.finish();
    result
}

fn measure_head_with(opts: &BenchOptions, progress: &Progress) -> Result<ResultsFile, RunError> {
    interrupt::install_handler();
    let manifest = absolute_manifest(&opts.manifest_path)?;
    let tree = Tree {
        label: "head".into(),
        manifest,
        target_dir: opts.target_dir.clone(),
    };
    let metadata = Metadata::read(&tree.manifest)?;
    let selection = metadata
        .select(&opts.config, &tree.manifest, Requirement::Strict)?
        .ok_or_else(|| RunError::Config("no benches to run".into()))?;
    // Checked before building, so a flag criterion would reject fails in seconds.
    let (args, _) = run_args(&opts.config, &selection, "head")?;
    let binaries = build(&tree, &opts.config, &selection, progress)?;
    let home = interrupt::ScratchDir::new("perf-budget-criterion-")
        .map_err(|e| RunError::io(std::env::temp_dir(), e))?;
    progress.start_steps(binaries.len() as u64);
    for binary in &binaries {
        progress.status("Running", &format!("head (bench: {})", binary.target));
        run_binary(
            &tree.label,
            binary,
            &opts.config,
            &args,
            home.path(),
            progress,
        )?;
        progress.step();
    }
    progress.spinner();
    let mut results = import_run("head", home.path())?;
    results.commit = head_commit(tree.manifest.parent().unwrap_or(Path::new(".")));
    results.environment = Environment::detect();
    Ok(results)
}

/// One source tree to build and measure: the user's (head) or the base worktree.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    /// `head` or `base (<sha>)`, for messages.
    pub label: String,
    /// The package manifest in this tree.
    pub manifest: PathBuf,
    /// `--target-dir`, when not cargo's default.
    pub target_dir: Option<PathBuf>,
}

/// A built bench executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BenchBinary {
    /// The bench target's name (`[[bench]] name`).
    pub target: String,
    /// The executable cargo built.
    pub executable: PathBuf,
    /// The package directory: cargo runs benches there, so criterion's relative paths work.
    pub package_dir: PathBuf,
}

impl BenchBinary {
    /// What identifies the same bench in the base and the head tree: the target name and the
    /// package's directory name (the trees live in different places).
    pub(crate) fn pairing_key(&self) -> (String, Option<OsString>) {
        (
            self.target.clone(),
            self.package_dir.file_name().map(|n| n.to_os_string()),
        )
    }
}

/// One line of `cargo --message-format=json`; only compiler artifacts matter here.
#[derive(Debug, Deserialize)]
struct CargoMessage {
    reason: String,
    #[serde(default)]
    target: Option<CargoTarget>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    manifest_path: Option<PathBuf>,
}

/// The arguments every run of the selected benches gets: `[criterion] args`, then
/// `--warm-up-time`/`--measurement-time` when the budget file sets `warm-up`/`measurement`,
/// each checked against the benches' criterion release. Also returns what the runs measure, in
/// words, for the report's notes. `side` names the tree in errors.
pub(crate) fn run_args(
    config: &CriterionConfig,
    selection: &Selection,
    side: &str,
) -> Result<(Vec<String>, String), RunError> {
    let version = selection.criterion;
    let fail = |field: &str, message: String| {
        let uses = match version {
            Some(v) => format!("the benches of {side} use criterion {v}"),
            None => side.to_string(),
        };
        RunError::Config(format!("`{field}`: {message} ({uses})"))
    };
    if let Some(version) = version {
        if !version.supported() {
            return Err(fail(
                "benches",
                format!(
                    "criterion {version} is older than 0.3, whose command line this runner \
                     does not know; upgrade criterion to 0.3 or later"
                ),
            ));
        }
        // The message names the argument in `args` itself.
        criterion_cli::check_args(&config.args, version).map_err(|m| {
            RunError::Config(format!(
                "{m} (the benches of {side} use criterion {version})"
            ))
        })?;
    }
    let mut args = config.args.clone();
    let mut described = Vec::new();
    for (field, flag, time) in [
        ("warm-up", "--warm-up-time", config.warm_up),
        ("measurement", "--measurement-time", config.measurement),
    ] {
        let Some(time) = time else { continue };
        let set_in_args = config
            .args
            .iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")));
        if set_in_args {
            return Err(fail(
                field,
                format!("`{flag}` is in `args` too; keep one of them"),
            ));
        }
        let value = match version {
            Some(v) => criterion_cli::seconds_arg(time, v).map_err(|m| fail(field, m))?,
            // A criterion fork of unknown release: whole seconds are what every release takes.
            None => criterion_cli::seconds_arg(time, CriterionVersion::OLDEST_KNOWN)
                .or_else(|_| criterion_cli::seconds_arg(time, CriterionVersion::NEWEST_KNOWN))
                .map_err(|m| fail(field, m))?,
        };
        described.push(format!(
            "{field} {} (`{flag} {value}`)",
            criterion_cli::describe(time)
        ));
        args.push(flag.into());
        args.push(value);
    }
    let own = |flag: &str| {
        config
            .args
            .iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
    };
    let timing = match (
        described.is_empty(),
        own("--warm-up-time"),
        own("--measurement-time"),
    ) {
        (false, _, _) => format!("{} per run, from the budget file", described.join(" and ")),
        (true, false, false) => {
            "the benches' own warm-up and measurement times (set in code, else criterion's \
             defaults)"
                .to_string()
        }
        (true, _, _) => "the warm-up and measurement times in `[criterion] args`".to_string(),
    };
    let release = match version {
        Some(v) => format!("criterion {v}"),
        None => "a criterion of unknown release (no `criterion` among the dependencies)".into(),
    };
    Ok((args, format!("{release}; {timing}")))
}

/// Names joined with commas for an error message, or `none`.
pub(crate) fn list_or_none<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    let names: Vec<S> = names.into_iter().collect();
    if names.is_empty() {
        "none".into()
    } else {
        names
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<&str>>()
            .join(", ")
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The manifest as an absolute path, so commands run elsewhere still find it.
pub(crate) fn absolute_manifest(manifest: &Path) -> Result<PathBuf, RunError> {
    manifest
        .canonicalize()
        .map_err(|e| RunError::io(manifest, e))
}

/// The cargo to run: the one that started us (`cargo perf-budget` sets `CARGO`), else `cargo`.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo bench --no-run` in `tree`; returns the bench executables (possibly fresh, i.e. not
/// rebuilt). A failed build is an error carrying cargo's stderr with the compiler messages.
pub(crate) fn build(
    tree: &Tree,
    config: &CriterionConfig,
    selection: &Selection,
    progress: &Progress,
) -> Result<Vec<BenchBinary>, RunError> {
    let args = build_args(tree, config, selection);
    let command_line = format!("cargo {}", display_args(&args));
    progress.spinner();
    progress.status(
        "Building",
        &format!("{} (cargo bench --no-run)", tree.label),
    );
    let mut command = Command::new(cargo());
    command.args(&args);
    let mut binaries: Vec<BenchBinary> = Vec::new();
    let captured = run_streaming(
        &mut command,
        |line| {
            if let Some(binary) = bench_artifact(line) {
                if !binaries.contains(&binary) {
                    binaries.push(binary);
                }
            }
        },
        |line| {
            let line = line.trim();
            if !line.is_empty() {
                progress.detail(line);
            }
        },
    )
    .map_err(|source| RunError::Spawn {
        program: command_line.clone(),
        source,
    })?;
    if !captured.status.success() {
        return Err(RunError::Build {
            side: tree.label.clone(),
            command: command_line,
            stderr: captured.stderr_tail(),
        });
    }
    // Keep the configured order, so runs go in the order the user listed the benches.
    binaries.sort_by_key(|b| {
        selection
            .benches
            .iter()
            .position(|n| n == &b.target)
            .unwrap_or(usize::MAX)
    });
    progress.done(
        "Built",
        &format!("{} ({})", tree.label, bench_list(&binaries)),
    );
    Ok(binaries)
}

fn bench_list(binaries: &[BenchBinary]) -> String {
    let names: Vec<&str> = binaries.iter().map(|b| b.target.as_str()).collect();
    format!("benches: {}", names.join(", "))
}

fn build_args(tree: &Tree, config: &CriterionConfig, selection: &Selection) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "bench".into(),
        "--no-run".into(),
        // Diagnostics rendered on stderr (for the error message), artifacts as JSON on stdout.
        "--message-format=json-render-diagnostics".into(),
        "--manifest-path".into(),
        tree.manifest.clone().into(),
    ];
    args.extend(package_args(config.package.as_deref(), &config.features));
    for bench in &selection.benches {
        args.push("--bench".into());
        args.push(bench.into());
    }
    if let Some(dir) = &tree.target_dir {
        args.push("--target-dir".into());
        args.push(dir.clone().into());
    }
    args
}

/// `-p PACKAGE` and `--features A,B` for `cargo bench`, when given.
pub(crate) fn package_args(package: Option<&str>, features: &[String]) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    if let Some(package) = package {
        args.push("-p".into());
        args.push(package.into());
    }
    if !features.is_empty() {
        args.push("--features".into());
        args.push(features.join(",").into());
    }
    args
}

fn display_args(args: &[OsString]) -> String {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bench executable announced by one line of cargo's JSON output, if it is one.
fn bench_artifact(line: &str) -> Option<BenchBinary> {
    if !line.starts_with('{') {
        return None;
    }
    let message: CargoMessage = serde_json::from_str(line).ok()?;
    if message.reason != "compiler-artifact" {
        return None;
    }
    let target = message.target?;
    if !target.kind.iter().any(|k| k == "bench") {
        return None;
    }
    let executable = message.executable?;
    let package_dir = message
        .manifest_path
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .or_else(|| executable.parent().map(Path::to_path_buf))?;
    Some(BenchBinary {
        target: target.name,
        executable,
        package_dir,
    })
}

/// Runs one bench executable with `--bench` and `args`, criterion writing into `home`.
pub(crate) fn run_binary(
    side: &str,
    binary: &BenchBinary,
    config: &CriterionConfig,
    args: &[String],
    home: &Path,
    progress: &Progress,
) -> Result<(), RunError> {
    std::fs::create_dir_all(home).map_err(|e| RunError::io(home, e))?;
    let started = SystemTime::now();
    let mut command = Command::new(&binary.executable);
    command
        .arg("--bench")
        .args(args)
        .current_dir(&binary.package_dir)
        .env("CRITERION_HOME", home)
        .env("CARGO_MANIFEST_DIR", &binary.package_dir);
    let command_line = format!("{} --bench {}", binary.executable.display(), args.join(" "));
    let mut recent: Vec<String> = Vec::new();
    let captured = run_streaming(
        &mut command,
        |line| {
            if let Some(name) = benchmark_name(line) {
                progress.detail(name);
            }
            keep_tail(&mut recent, line);
        },
        |_| {},
    )
    .map_err(|source| RunError::Spawn {
        program: binary.executable.display().to_string(),
        source,
    })?;
    if !captured.status.success() {
        let mut output = recent;
        output.extend(captured.stderr);
        return Err(RunError::Bench {
            side: side.to_string(),
            bench: binary.target.clone(),
            command: command_line,
            status: captured.status.to_string(),
            output: tail(&output, OUTPUT_TAIL_LINES),
        });
    }
    if let Some(output) = &config.output {
        // The bench chose its output directory in code, so CRITERION_HOME was ignored: take
        // what this run wrote there.
        let dir = binary.package_dir.join(output);
        copy_fresh_benchmarks(&dir, &dir, home, started)?;
    }
    Ok(())
}

/// `Benchmarking <name>: Warming up …` → `<name>`.
fn benchmark_name(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("Benchmarking ")?;
    for phase in [
        ": Warming up",
        ": Collecting",
        ": Analyzing",
        ": Complete",
        ": Profiling",
    ] {
        if let Some(index) = rest.find(phase) {
            return Some(&rest[..index]);
        }
    }
    Some(rest)
}

/// Copies the benchmark directories under `dir` whose `new/` was written since `since` into
/// the same relative place under `home` (only `new/`; older baselines stay where they are).
fn copy_fresh_benchmarks(
    root: &Path,
    dir: &Path,
    home: &Path,
    since: SystemTime,
) -> Result<(), RunError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(RunError::io(dir, e)),
    };
    let new = dir.join("new");
    let fresh = std::fs::metadata(new.join("benchmark.json"))
        .and_then(|m| m.modified())
        .is_ok_and(|modified| modified >= since);
    if fresh {
        let relative = dir.strip_prefix(root).unwrap_or(Path::new(""));
        let target = home.join(relative).join("new");
        std::fs::create_dir_all(&target).map_err(|e| RunError::io(&target, e))?;
        for entry in std::fs::read_dir(&new).map_err(|e| RunError::io(&new, e))? {
            let entry = entry.map_err(|e| RunError::io(&new, e))?;
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                let to = target.join(entry.file_name());
                std::fs::copy(entry.path(), &to).map_err(|e| RunError::io(&to, e))?;
            }
        }
    }
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let name = entry.file_name();
        if is_dir && name != "new" && name != "report" {
            copy_fresh_benchmarks(root, &entry.path(), home, since)?;
        }
    }
    Ok(())
}

/// Imports what criterion wrote into `home`; nothing written means no metrics.
pub(crate) fn import_run(label: &str, home: &Path) -> Result<ResultsFile, RunError> {
    let wrote_anything = std::fs::read_dir(home)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if !wrote_anything {
        let mut empty = ResultsFile::new();
        empty.warnings.push(format!(
            "{label}: the benches ran but criterion wrote no results"
        ));
        return Ok(empty);
    }
    crate::import::criterion::import(home, "new").map_err(|source| RunError::Import {
        side: label.to_string(),
        source,
    })
}

/// The harness a `harness = false` bench target's source uses when it is not criterion: divan
/// (`divan::main`, `#[divan::bench]`) or gungraun (iai-callgrind; its `main!`, usually imported
/// and written bare), whose binaries do not take criterion's flags. Criterion when the source
/// says so, or cannot be read (then criterion's own errors speak).
pub(crate) fn harness_in_source(src: &Path) -> Option<&'static str> {
    let bytes = crate::model::input_file::read_document(src).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    if text.contains("criterion_main") || text.contains("criterion_group") {
        return None;
    }
    // gungraun's `main!` is usually imported (`use gungraun::{…, main}`) and written bare.
    let gungraun =
        (text.contains("gungraun") || text.contains("iai_callgrind")) && text.contains("main!");
    if text.contains("divan::main") || text.contains("#[divan::bench") {
        Some("divan")
    } else if gungraun {
        Some("gungraun")
    } else {
        None
    }
}

/// The SHA of HEAD of the repository containing `dir`, if it is in one.
pub(crate) fn head_commit(dir: &Path) -> Option<String> {
    let repo = git2::Repository::discover(dir).ok()?;
    let head = repo.head().ok()?.peel_to_commit().ok()?;
    Some(head.id().to_string())
}

const OUTPUT_TAIL_LINES: usize = 60;
const STDERR_TAIL_LINES: usize = 200;

/// What a finished child printed.
struct Captured {
    status: ExitStatus,
    stderr: Vec<String>,
}

impl Captured {
    fn stderr_tail(&self) -> String {
        tail(&self.stderr, STDERR_TAIL_LINES)
    }
}

fn keep_tail(lines: &mut Vec<String>, line: &str) {
    lines.push(line.to_string());
    if lines.len() > 2 * OUTPUT_TAIL_LINES {
        lines.drain(..OUTPUT_TAIL_LINES);
    }
}

fn tail(lines: &[String], n: usize) -> String {
    let start = lines.len().saturating_sub(n);
    let mut text = String::new();
    if start > 0 {
        text.push_str(&format!("[… {start} earlier lines]\n"));
    }
    text.push_str(&lines[start..].join("\n"));
    text
}

/// Runs `command` with stdout and stderr piped, handing every line to the callbacks as it
/// comes (stderr on a second thread), and keeps stderr. The child is registered with the
/// interrupt handler while it runs.
fn run_streaming(
    command: &mut Command,
    mut on_stdout: impl FnMut(&str),
    on_stderr: impl FnMut(&str) + Send,
) -> std::io::Result<Captured> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own group: on interrupt the handler stops cargo with every rustc it started.
    interrupt::own_process_group(command);
    let mut child = command.spawn()?;
    let _registered = interrupt::ChildGuard::new(child.id());
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let stderr_lines = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut on_stderr = on_stderr;
            let mut kept = Vec::new();
            if let Some(stderr) = stderr {
                for_each_line(stderr, |line| {
                    on_stderr(line);
                    kept.push(line.to_string());
                });
            }
            kept
        });
        if let Some(stdout) = stdout {
            for_each_line(stdout, &mut on_stdout);
        }
        reader.join().unwrap_or_default()
    });
    let status = child.wait()?;
    Ok(Captured {
        status,
        stderr: stderr_lines,
    })
}

/// Calls `f` on every line of `input`, decoding lossily (a bench may print anything).
fn for_each_line(input: impl Read, mut f: impl FnMut(&str)) {
    let mut reader = BufReader::new(input);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buffer);
                f(line.trim_end_matches(['\n', '\r']));
            }
        }
    }
}

mod metadata;
#[cfg(test)]
mod tests;
