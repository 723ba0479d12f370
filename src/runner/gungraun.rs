//! `[[gungraun]]`: runs gungraun benches (instruction counts under Valgrind's Callgrind) with
//! `cargo bench` and imports the summaries they write (`gungraun/…` metrics, see
//! `import::gungraun`).
//!
//! Each side writes into an output directory of its own (`GUNGRAUN_HOME`), emptied first, so base
//! and head summaries never mix and the previous run's counts that gungraun keeps beside the new
//! ones (`old`) never exist to be read. The two sides are not interleaved: a count of executed
//! instructions does not depend on the machine's load, so running head, then the base, compares
//! like with like.
//!
//! Before anything runs, the programs are checked: valgrind must start, and `gungraun-runner`
//! must be there in exactly the version of the `gungraun` library the package resolves to (the
//! library refuses any other); otherwise the error says how to install it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::interrupt;
use crate::budget::GungraunConfig;
use crate::import::ImportError;
use crate::model::ResultsFile;

/// Why gungraun benches could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum GungraunError {
    /// A program the benches need is missing or of the wrong version; the message says how to
    /// install the right one.
    #[error("[[gungraun]]: {0}")]
    Tool(String),
    /// The package and the table do not fit (no gungraun dependency, no such bench target).
    #[error("[[gungraun]] {benches}: {message}")]
    Config {
        /// The table's benches, to name it.
        benches: String,
        /// What is wrong.
        message: String,
    },
    /// `cargo metadata` or `cargo bench` could not start or failed.
    #[error("[[gungraun]] {benches}: `{command}` for {side} {what}")]
    Command {
        /// The table's benches, to name it.
        benches: String,
        /// The command line.
        command: String,
        /// `head` or `base (<sha>)`.
        side: String,
        /// What went wrong, with the end of what the command printed.
        what: String,
    },
    /// The output directory could not be emptied or made.
    #[error("[[gungraun]]: {path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The summaries the benches wrote could not be imported.
    #[error("[[gungraun]] {benches} on {side}: {source}")]
    Import {
        /// The table's benches, to name it.
        benches: String,
        /// `head` or `base (<sha>)`.
        side: String,
        /// The importer's error.
        #[source]
        source: ImportError,
    },
}

/// One side to measure: its package, where cargo builds it and where gungraun writes.
#[derive(Debug, Clone)]
pub struct Side {
    /// `head` or `base (<sha>)`, for messages.
    pub label: String,
    /// The package's `Cargo.toml` (absolute).
    pub manifest: PathBuf,
    /// `--target-dir` for the build (`None`: cargo's own).
    pub target_dir: Option<PathBuf>,
    /// gungraun's output directory for this side (`GUNGRAUN_HOME`); emptied before the run.
    pub home: PathBuf,
    /// Whether a bench target the table names may be missing (the base, before the pull request
    /// added it): it is then not measured and its benchmarks are new.
    pub may_lack_benches: bool,
}

/// What `cargo metadata` says that matters here.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageFacts {
    /// cargo's target directory.
    pub target_directory: PathBuf,
    /// The versions of `gungraun` in the resolved graph.
    pub library_versions: Vec<String>,
    /// The bench targets of the workspace's members (of the table's `package` when it names
    /// one).
    pub bench_targets: Vec<String>,
}

/// Reads `cargo metadata` of `manifest`.
pub fn package_facts(
    cfg: &GungraunConfig,
    manifest: &Path,
    label: &str,
) -> Result<PackageFacts, GungraunError> {
    let mut command = Command::new(cargo());
    command
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(manifest)
        .stdin(Stdio::null());
    let command_line = format!("cargo metadata --manifest-path {}", manifest.display());
    let fail = |what: String| GungraunError::Command {
        benches: names(cfg),
        command: command_line.clone(),
        side: label.to_string(),
        what,
    };
    let output = command
        .output()
        .map_err(|e| fail(format!("could not start: {e}")))?;
    if !output.status.success() {
        return Err(fail(format!(
            "failed ({}):\n{}",
            output.status,
            tail(&output.stderr)
        )));
    }
    let value: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| fail(format!("printed something that is not JSON: {e}")))?;
    parse_facts(&value, cfg.package.as_deref())
        .ok_or_else(|| fail("printed an unexpected document".into()))
}

/// The facts from a `cargo metadata` document, the bench targets those of the member `only`
/// names (of every member when `None`); `None` when it lacks what every one has.
pub fn parse_facts(value: &Value, only: Option<&str>) -> Option<PackageFacts> {
    let target_directory = PathBuf::from(value.get("target_directory")?.as_str()?);
    let packages = value.get("packages")?.as_array()?;
    let members: Vec<&str> = value
        .get("workspace_members")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut library_versions = Vec::new();
    let mut bench_targets = Vec::new();
    for package in packages {
        let name = package.get("name").and_then(Value::as_str);
        if name == Some("gungraun") {
            if let Some(version) = package.get("version").and_then(Value::as_str) {
                if !library_versions.iter().any(|v| v == version) {
                    library_versions.push(version.to_string());
                }
            }
        }
        let id = package.get("id").and_then(Value::as_str).unwrap_or("");
        if !members.contains(&id) || only.is_some_and(|only| name != Some(only)) {
            continue;
        }
        let targets = package.get("targets").and_then(Value::as_array);
        for target in targets.into_iter().flatten() {
            let is_bench = target
                .get("kind")
                .and_then(Value::as_array)
                .is_some_and(|k| k.iter().any(|k| k == "bench"));
            if let (true, Some(name)) = (is_bench, target.get("name").and_then(Value::as_str)) {
                bench_targets.push(name.to_string());
            }
        }
    }
    Some(PackageFacts {
        target_directory,
        library_versions,
        bench_targets,
    })
}

/// Runs the table's benches on `side` and imports their summaries.
pub fn measure(
    cfg: &GungraunConfig,
    side: &Side,
    facts: &PackageFacts,
    quiet: bool,
) -> Result<ResultsFile, GungraunError> {
    let missing: Vec<&String> = cfg
        .benches
        .iter()
        .filter(|b| !facts.bench_targets.contains(b))
        .collect();
    let benches: Vec<&String> = cfg
        .benches
        .iter()
        .filter(|b| facts.bench_targets.contains(b))
        .collect();
    let mut warnings = Vec::new();
    if !missing.is_empty() {
        let list = quoted(missing.iter().map(|s| s.as_str()));
        if !side.may_lack_benches {
            return Err(GungraunError::Config {
                benches: names(cfg),
                message: format!(
                    "no bench target {list} in {}; its bench targets: {}",
                    side.manifest.display(),
                    if facts.bench_targets.is_empty() {
                        "none".to_string()
                    } else {
                        quoted(facts.bench_targets.iter().map(String::as_str))
                    }
                ),
            });
        }
        warnings.push(format!(
            "[[gungraun]] {list}: no such bench target on {}, so its benchmarks are new",
            side.label
        ));
    }
    if benches.is_empty() {
        let mut out = ResultsFile::new();
        out.warnings = warnings;
        return Ok(out);
    }
    let library = library_version(cfg, facts, &side.label)?;
    check_tools(&library)?;
    match std::fs::remove_dir_all(&side.home) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(GungraunError::Io {
                path: side.home.clone(),
                source,
            })
        }
    }
    std::fs::create_dir_all(&side.home).map_err(|source| GungraunError::Io {
        path: side.home.clone(),
        source,
    })?;

    let args = bench_args(cfg, side, &benches);
    let command_line = format!(
        "GUNGRAUN_HOME={} cargo {}",
        side.home.display(),
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    if !quiet {
        super::say(&format!(
            "{:>12} [[gungraun]] {} on {} (under valgrind)",
            "Running",
            quoted(benches.iter().map(|s| s.as_str())),
            side.label
        ));
    }
    let fail = |what: String| GungraunError::Command {
        benches: names(cfg),
        command: command_line.clone(),
        side: side.label.clone(),
        what,
    };
    let mut command = Command::new(cargo());
    command
        .args(&args)
        .env("GUNGRAUN_HOME", &side.home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = side.manifest.parent() {
        command.current_dir(dir);
    }
    let output = interrupt::output(&mut command).map_err(|e| fail(e.to_string()))?;
    if !output.status.success() {
        let mut printed = tail(&output.stderr);
        if printed.trim().is_empty() {
            printed = tail(&output.stdout);
        }
        return Err(fail(format!("failed ({}):\n{printed}", output.status)));
    }
    let mut results =
        crate::import::gungraun::import(&side.home).map_err(|source| GungraunError::Import {
            benches: names(cfg),
            side: side.label.clone(),
            source,
        })?;
    results.warnings.extend(warnings);
    Ok(results)
}

/// Whether the table can run on head: its bench targets exist, the package depends on one
/// gungraun version and valgrind and that version's runner are installed. Checked before anything
/// is measured, so that a missing program stops the gate in seconds, not after the other benches.
pub fn ready(
    cfg: &GungraunConfig,
    facts: &PackageFacts,
    manifest: &Path,
) -> Result<(), GungraunError> {
    if let Some(missing) = cfg
        .benches
        .iter()
        .find(|b| !facts.bench_targets.contains(b))
    {
        return Err(GungraunError::Config {
            benches: names(cfg),
            message: format!(
                "no bench target `{missing}` in {}; its bench targets: {}",
                manifest.display(),
                if facts.bench_targets.is_empty() {
                    "none".to_string()
                } else {
                    quoted(facts.bench_targets.iter().map(String::as_str))
                }
            ),
        });
    }
    check_tools(&library_version(cfg, facts, "head")?)
}

/// `cargo bench` for the selected benches, the summary as JSON, then the table's own arguments.
fn bench_args(cfg: &GungraunConfig, side: &Side, benches: &[&String]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "bench".into(),
        "--manifest-path".into(),
        side.manifest.clone().into(),
    ];
    args.extend(super::cargo_bench::package_args(
        cfg.package.as_deref(),
        &cfg.features,
    ));
    if let Some(dir) = &side.target_dir {
        args.push("--target-dir".into());
        args.push(dir.clone().into());
    }
    for bench in benches {
        args.push("--bench".into());
        args.push((*bench).into());
    }
    args.push("--".into());
    args.push("--save-summary=json".into());
    args.extend(cfg.args.iter().map(OsString::from));
    args
}

/// The one gungraun version the package resolves to.
fn library_version(
    cfg: &GungraunConfig,
    facts: &PackageFacts,
    label: &str,
) -> Result<String, GungraunError> {
    match facts.library_versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(GungraunError::Config {
            benches: names(cfg),
            message: format!(
                "{label} does not depend on the `gungraun` crate (add it to [dev-dependencies]; iai-callgrind benches are not run by `check`: run them yourself and `import gungraun` their summaries)"
            ),
        }),
        several => Err(GungraunError::Config {
            benches: names(cfg),
            message: format!(
                "{label} resolves to several gungraun versions ({}); one gungraun-runner can run only one of them",
                several.join(", ")
            ),
        }),
    }
}

/// The runner gungraun's benches start: `GUNGRAUN_RUNNER` when set, else `gungraun-runner` on
/// PATH.
fn runner_program() -> OsString {
    std::env::var_os("GUNGRAUN_RUNNER").unwrap_or_else(|| "gungraun-runner".into())
}

/// The command that installs the runner `library` needs.
pub fn install_command(library: &str) -> String {
    format!("cargo install --locked gungraun-runner --version {library}")
}

/// Valgrind starts, and the runner is there in the library's version.
pub fn check_tools(library: &str) -> Result<(), GungraunError> {
    check_programs("valgrind".as_ref(), &runner_program(), library)
}

fn check_programs(
    valgrind: &std::ffi::OsStr,
    runner: &std::ffi::OsStr,
    library: &str,
) -> Result<(), GungraunError> {
    if version_of(valgrind).is_none() {
        return Err(GungraunError::Tool(
            "valgrind not found (gungraun counts instructions under Valgrind); install it, e.g. `sudo apt-get install valgrind`".into(),
        ));
    }
    match version_of(runner) {
        None => Err(GungraunError::Tool(format!(
            "{} not found; the benches use gungraun {library}: install its runner with `{}`",
            runner.to_string_lossy(),
            install_command(library)
        ))),
        Some(printed) => match runner_version(&printed) {
            Some(v) if v == library => Ok(()),
            found => Err(GungraunError::Tool(format!(
                "{} is {}, but the benches use gungraun {library} and the two must match: install the right runner with `{}`",
                runner.to_string_lossy(),
                found.unwrap_or_else(|| format!("of an unknown version ({:?})", printed.trim())),
                install_command(library)
            ))),
        },
    }
}

/// The version `gungraun-runner --version` prints (`gungraun-runner 0.20.0`).
pub fn runner_version(printed: &str) -> Option<String> {
    let word = printed.split_whitespace().last()?;
    word.chars()
        .next()
        .filter(char::is_ascii_digit)
        .map(|_| word.to_string())
}

/// What `program --version` prints on stdout, when it starts and succeeds.
fn version_of(program: &std::ffi::OsStr) -> Option<String> {
    let output = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The cargo to run: the one that started us (`cargo perf-budget` sets `CARGO`), else `cargo`.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The table, named by its benches.
fn names(cfg: &GungraunConfig) -> String {
    quoted(cfg.benches.iter().map(String::as_str))
}

fn quoted<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last 20 lines of what a command printed.
fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(benches: &[&str]) -> GungraunConfig {
        GungraunConfig {
            benches: benches.iter().map(|b| b.to_string()).collect(),
            args: vec!["--callgrind-args=--dump-instr=no".into()],
            ..GungraunConfig::default()
        }
    }

    fn facts(versions: &[&str], benches: &[&str]) -> PackageFacts {
        PackageFacts {
            target_directory: PathBuf::from("/nowhere/target"),
            library_versions: versions.iter().map(|v| v.to_string()).collect(),
            bench_targets: benches.iter().map(|b| b.to_string()).collect(),
        }
    }

    fn side(may_lack_benches: bool) -> Side {
        Side {
            label: "head".into(),
            manifest: PathBuf::from("/nowhere/Cargo.toml"),
            target_dir: None,
            home: PathBuf::from("/nowhere/target/perf-budget/gungraun/head"),
            may_lack_benches,
        }
    }

    #[test]
    fn cargo_metadata_gives_the_library_version_and_the_members_bench_targets() {
        let doc = serde_json::json!({
            "target_directory": "/p/target",
            "workspace_members": ["app 0.1.0 (path+file:///p)"],
            "packages": [
                {"id": "app 0.1.0 (path+file:///p)", "name": "app", "version": "0.1.0",
                 "targets": [
                    {"name": "app", "kind": ["lib"]},
                    {"name": "instructions", "kind": ["bench"]},
                    {"name": "walltime", "kind": ["bench"]}]},
                {"id": "registry+…#gungraun@0.20.0", "name": "gungraun", "version": "0.20.0",
                 "targets": [{"name": "gungraun_bench", "kind": ["bench"]}]}
            ]
        });
        let f = parse_facts(&doc, None).unwrap();
        assert_eq!(f.target_directory, PathBuf::from("/p/target"));
        assert_eq!(f.library_versions, vec!["0.20.0"]);
        assert_eq!(f.bench_targets, vec!["instructions", "walltime"]);
        assert_eq!(
            parse_facts(&serde_json::json!({"packages": []}), None),
            None
        );
        // A table that names its package sees that member's bench targets only.
        let other = parse_facts(&doc, Some("other")).unwrap();
        assert!(other.bench_targets.is_empty());
        assert_eq!(other.library_versions, vec!["0.20.0"]);
        assert_eq!(
            parse_facts(&doc, Some("app")).unwrap().bench_targets,
            vec!["instructions", "walltime"]
        );
    }

    #[test]
    fn the_runner_version_is_the_last_word_of_its_version_line() {
        assert_eq!(
            runner_version("gungraun-runner 0.20.0\n").as_deref(),
            Some("0.20.0")
        );
        assert_eq!(runner_version("gungraun-runner\n"), None);
        assert_eq!(runner_version(""), None);
        assert_eq!(
            install_command("0.20.0"),
            "cargo install --locked gungraun-runner --version 0.20.0"
        );
    }

    #[test]
    fn the_bench_command_names_each_bench_and_saves_json_summaries() {
        let mut s = side(false);
        s.target_dir = Some(PathBuf::from("/t/base"));
        let cfg = config(&["a", "b"]);
        let benches: Vec<&String> = cfg.benches.iter().collect();
        let args: Vec<String> = bench_args(&cfg, &s, &benches)
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "bench",
                "--manifest-path",
                "/nowhere/Cargo.toml",
                "--target-dir",
                "/t/base",
                "--bench",
                "a",
                "--bench",
                "b",
                "--",
                "--save-summary=json",
                "--callgrind-args=--dump-instr=no"
            ]
        );
        let cfg = GungraunConfig {
            package: Some("core".into()),
            features: vec!["simd".into(), "alloc".into()],
            ..config(&["a"])
        };
        let args: Vec<String> = bench_args(&cfg, &s, &[&cfg.benches[0]])
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args[3..7],
            ["-p", "core", "--features", "simd,alloc"],
            "{args:?}"
        );
    }

    #[test]
    fn a_bench_target_missing_on_head_is_an_error_and_on_the_base_its_benchmarks_are_new() {
        let cfg = config(&["instructions"]);
        let err = measure(&cfg, &side(false), &facts(&["0.20.0"], &["walltime"]), true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no bench target `instructions`") && err.contains("`walltime`"),
            "{err}"
        );
        // Nothing to run on the base: no program is needed, the benchmarks are new.
        let base = measure(&cfg, &side(true), &facts(&[], &[]), true).unwrap();
        assert!(base.metrics.is_empty());
        assert!(
            base.warnings[0].contains("benchmarks are new"),
            "{:?}",
            base.warnings
        );
    }

    #[test]
    fn a_missing_valgrind_or_runner_and_a_runner_of_another_version_say_how_to_install() {
        let dir = tempfile::tempdir().unwrap();
        let fake = |name: &str, line: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, format!("#!/bin/sh\necho '{line}'\n")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        };
        let valgrind = fake("valgrind", "valgrind-3.19.0");
        let old_runner = fake("runner-old", "gungraun-runner 0.19.0");
        let runner = fake("runner", "gungraun-runner 0.20.0");
        let nowhere = dir.path().join("absent");
        let err = |v: &Path, r: &Path| {
            check_programs(v.as_os_str(), r.as_os_str(), "0.20.0")
                .unwrap_err()
                .to_string()
        };
        let e = err(&nowhere, &runner);
        assert!(
            e.contains("valgrind not found") && e.contains("apt-get install valgrind"),
            "{e}"
        );
        let e = err(&valgrind, &nowhere);
        assert!(
            e.contains("not found")
                && e.contains("`cargo install --locked gungraun-runner --version 0.20.0`"),
            "{e}"
        );
        let e = err(&valgrind, &old_runner);
        assert!(
            e.contains("is 0.19.0") && e.contains("--version 0.20.0"),
            "{e}"
        );
        check_programs(valgrind.as_os_str(), runner.as_os_str(), "0.20.0").unwrap();
    }

    #[test]
    fn a_package_without_gungraun_or_with_two_versions_is_a_configuration_error() {
        let cfg = config(&["instructions"]);
        let err = library_version(&cfg, &facts(&[], &["instructions"]), "head")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("does not depend on the `gungraun` crate"),
            "{err}"
        );
        let err = library_version(
            &cfg,
            &facts(&["0.19.0", "0.20.0"], &["instructions"]),
            "head",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("0.19.0, 0.20.0"), "{err}");
    }
}
