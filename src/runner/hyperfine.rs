//! `[[hyperfine]]`: shell commands timed by hyperfine, for head alone or for base and head
//! interleaved in rounds. hyperfine times one set of commands per invocation and knows nothing of
//! a base; here each round runs hyperfine once per side (`--export-json`), the sides in the
//! counterbalanced, seeded order of the criterion rounds ([`super::rerun::base_first`]), so both
//! share the machine's slow phases. Each round's per-run times are that round's samples
//! (`Metric::rounds`), and the statistics take the round as the unit, as for criterion.
//!
//! Ids are those of `import hyperfine`: `hyperfine/<command name>` (and `…/memory` with hyperfine
//! 1.20 or later).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::interrupt::{self, ScratchDir};
use super::lighthouse::InterleavedResults;
use super::rerun::{base_first, pool_rounds};
use crate::budget::HyperfineConfig;
use crate::import::ImportError;
use crate::model::ResultsFile;

/// The program run, and how to install it when it is missing.
const PROGRAM: &str = "hyperfine";

/// Why a `[[hyperfine]]` table could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum HyperfineError {
    /// hyperfine is not installed (or not on `PATH`).
    #[error("[[hyperfine]] {table:?}: hyperfine is not installed or not on PATH ({why}); install it with `apt install hyperfine` (or `cargo install hyperfine`)")]
    Missing {
        /// The table's name.
        table: String,
        /// What starting it said.
        why: String,
    },
    /// The table's `build` command failed or could not start.
    #[error("[[hyperfine]] {table:?}: `build` (`{command}`) in {dir} {what}")]
    Build {
        /// The table's name.
        table: String,
        /// The build command.
        command: String,
        /// Where it ran.
        dir: String,
        /// What went wrong.
        what: String,
    },
    /// hyperfine failed (a command exited with an error, a bad option).
    #[error("[[hyperfine]] {table:?} on {side}: hyperfine {what}")]
    Run {
        /// The table's name.
        table: String,
        /// `head`, `base (abcd1234)` ….
        side: String,
        /// What went wrong, with the end of hyperfine's output.
        what: String,
    },
    /// hyperfine's export could not be read.
    #[error("[[hyperfine]] {table:?} on {side}: {source}")]
    Import {
        /// The table's name.
        table: String,
        /// `head`, `base (abcd1234) round 2` ….
        side: String,
        /// The importer's error.
        #[source]
        source: ImportError,
    },
    /// A temporary directory could not be made.
    #[error("[[hyperfine]] {table:?}: a temporary directory in {dir}: {source}")]
    Scratch {
        /// The table's name.
        table: String,
        /// The system's temporary directory.
        dir: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// One side of an interleaved measurement: where its commands run, and its name in messages.
#[derive(Debug, Clone)]
pub struct SideDir {
    /// The folder the commands (and `build`) run in.
    pub dir: PathBuf,
    /// `base (abcd1234)`.
    pub label: String,
}

/// Builds (when the table says how) and times the table's commands once in `dir`, the budget
/// file's folder.
pub fn measure(
    cfg: &HyperfineConfig,
    dir: &Path,
    quiet: bool,
) -> Result<ResultsFile, HyperfineError> {
    ensure_installed(cfg)?;
    build(cfg, dir, "head", quiet)?;
    let scratch = scratch(cfg)?;
    run_once(cfg, dir, "head", &scratch.path().join("head.json"), quiet)
}

/// Builds both sides, then times the commands for `rounds` rounds, base and head alternating as
/// [`base_first`] says for `seed`; `base: None` is A/A (the work tree as both sides, built once).
/// Rounds are numbered from 1.
pub fn interleave(
    cfg: &HyperfineConfig,
    head_dir: &Path,
    base: Option<&SideDir>,
    rounds: u32,
    seed: u64,
    quiet: bool,
) -> Result<InterleavedResults, HyperfineError> {
    ensure_installed(cfg)?;
    build(cfg, head_dir, "head", quiet)?;
    let base = match base {
        Some(side) => {
            build(cfg, &side.dir, &side.label, quiet)?;
            side.clone()
        }
        None => SideDir {
            dir: head_dir.to_path_buf(),
            label: "base (A/A)".into(),
        },
    };
    let head = SideDir {
        dir: head_dir.to_path_buf(),
        label: "head".into(),
    };
    let scratch = scratch(cfg)?;
    let mut base_rounds = Vec::new();
    let mut head_rounds = Vec::new();
    for round in 1..=rounds.max(1) {
        let order = if base_first(seed, round) {
            [(&base, true), (&head, false)]
        } else {
            [(&head, false), (&base, true)]
        };
        for (side, is_base) in order {
            let label = format!("{} round {round}/{rounds}", side.label);
            let export = scratch.path().join(format!(
                "{}-{round}.json",
                if is_base { "base" } else { "head" }
            ));
            let results = run_once(cfg, &side.dir, &label, &export, quiet)?;
            if is_base {
                base_rounds.push((round, results));
            } else {
                head_rounds.push((round, results));
            }
        }
    }
    Ok(InterleavedResults {
        base: pool_rounds(base_rounds),
        head: pool_rounds(head_rounds),
    })
}

fn scratch(cfg: &HyperfineConfig) -> Result<ScratchDir, HyperfineError> {
    ScratchDir::new("perf-budget-hyperfine-").map_err(|source| HyperfineError::Scratch {
        table: cfg.name.clone(),
        dir: std::env::temp_dir(),
        source,
    })
}

/// hyperfine answers `--version`: checked before anything is built.
fn ensure_installed(cfg: &HyperfineConfig) -> Result<(), HyperfineError> {
    let missing = |why: String| HyperfineError::Missing {
        table: cfg.name.clone(),
        why,
    };
    match Command::new(PROGRAM)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(missing(format!(
            "`hyperfine --version` exited with {status}"
        ))),
        Err(e) => Err(missing(e.to_string())),
    }
}

/// The arguments of one hyperfine invocation that writes its export to `export`.
fn arguments(cfg: &HyperfineConfig, export: &Path) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec![
        "--style".into(),
        "basic".into(),
        "--runs".into(),
        cfg.runs.to_string().into(),
        "--warmup".into(),
        cfg.warmup.to_string().into(),
        "--export-json".into(),
        export.into(),
    ];
    for (name, command) in &cfg.commands {
        args.push("--command-name".into());
        args.push(name.into());
        args.push(command.into());
    }
    args
}

/// One hyperfine invocation in `dir`, imported as `import hyperfine` would.
fn run_once(
    cfg: &HyperfineConfig,
    dir: &Path,
    label: &str,
    export: &Path,
    quiet: bool,
) -> Result<ResultsFile, HyperfineError> {
    if !quiet {
        super::say(&format!(
            "{:>12} [[hyperfine]] {} on {label}: {} command(s), {} run(s) each",
            "Timing",
            cfg.name,
            cfg.commands.len(),
            cfg.runs
        ));
    }
    let fail = |what: String| HyperfineError::Run {
        table: cfg.name.clone(),
        side: label.to_string(),
        what,
    };
    let mut command = Command::new(PROGRAM);
    command
        .args(arguments(cfg, export))
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output =
        interrupt::output(&mut command).map_err(|e| fail(format!("in {}: {e}", dir.display())))?;
    if !output.status.success() {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        return Err(fail(format!(
            "failed in {} ({}):\n{}",
            dir.display(),
            output.status,
            tail(&text, 20)
        )));
    }
    crate::import::hyperfine::import(
        &[export.to_path_buf()],
        crate::import::hyperfine::Options::default(),
    )
    .map_err(|source| HyperfineError::Import {
        table: cfg.name.clone(),
        side: label.to_string(),
        source,
    })
}

/// Runs the table's `build` command (if any) with `sh -c` in `dir`.
fn build(
    cfg: &HyperfineConfig,
    dir: &Path,
    label: &str,
    quiet: bool,
) -> Result<(), HyperfineError> {
    let Some(build) = &cfg.build else {
        return Ok(());
    };
    if !quiet {
        super::say(&format!(
            "{:>12} [[hyperfine]] {} on {label}: {build}",
            "Building", cfg.name
        ));
    }
    let fail = |what: String| HyperfineError::Build {
        table: cfg.name.clone(),
        command: build.clone(),
        dir: dir.display().to_string(),
        what,
    };
    interrupt::shell(build, dir).map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> HyperfineConfig {
        HyperfineConfig {
            name: "cli".into(),
            commands: vec![
                ("parse".into(), "./app parse big.csv".into()),
                ("echo hi".into(), "echo hi".into()),
            ],
            build: None,
            runs: 12,
            warmup: 2,
        }
    }

    #[test]
    fn every_command_is_named_so_the_ids_are_the_names() {
        let args: Vec<String> = arguments(&config(), Path::new("/tmp/x.json"))
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args.join(" "),
            "--style basic --runs 12 --warmup 2 --export-json /tmp/x.json \
             --command-name parse ./app parse big.csv --command-name echo hi echo hi"
        );
    }

    #[test]
    fn a_failed_build_names_the_table_the_command_and_what_it_printed() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config();
        cfg.build = Some("echo no compiler >&2; exit 4".into());
        let err = build(&cfg, dir.path(), "head", true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[[hyperfine]] \"cli\"") && err.contains("no compiler"),
            "{err}"
        );
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
