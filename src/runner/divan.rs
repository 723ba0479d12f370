//! `[[divan]]`: divan bench targets, built with `cargo bench --no-run` and run directly, their
//! printed table read by the divan importer (`divan/<target>/<path…>`).
//!
//! divan prints one median per benchmark and no raw samples. For head alone (the store, or a
//! base from a file) each target runs once and each benchmark is that one value, as `import
//! divan` gives it. In rerun mode both sides' bench binaries are built once, then run in
//! interleaved rounds in the counterbalanced, seeded order of the criterion rounds
//! ([`super::rerun::base_first`]); each round's median of each benchmark is one sample of that
//! round (`SampleKind::Runs`, `Metric::rounds`), so the rounds are compared as runs measured in
//! this job.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::cargo_bench::{build, BenchBinary, Metadata, Selection, Tree};
use super::interrupt;
use super::lighthouse::InterleavedResults;
use super::rerun::{base_first, pool_rounds};
use super::{Progress, RunError};
use crate::budget::{CriterionConfig, DivanConfig};
use crate::import::ImportError;
use crate::model::{Environment, ResultsFile, SampleKind};

/// The fewest interleaved rounds divan benches run in a rerun: each round gives one median a
/// side, and below this many runs a side the few-runs statistics have no noise estimate of their
/// own (a change would then fail only beyond twice its budget). divan benches are short, so they
/// run this many rounds even when `rounds` (for criterion's longer ones) is smaller.
pub const MIN_ROUNDS: u32 = crate::stats::compare::MIN_RUNS_WITHOUT_HISTORY as u32;

/// Why a `[[divan]]` table could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum DivanError {
    /// Building or starting the benches failed.
    #[error("[[divan]]: {0}")]
    Run(#[from] RunError),
    /// A configured bench target does not exist in head.
    #[error("[[divan]] `benches` in the budget file: no bench target named {missing} in {place} (bench targets: {available})")]
    NoSuchBench {
        /// The missing names, quoted.
        missing: String,
        /// The manifest, and the table's `package` when it names one.
        place: String,
        /// The bench targets there are.
        available: String,
    },
    /// A bench binary exited with an error.
    #[error("[[divan]]: the bench `{bench}` of {side} failed ({status}):\n{output}")]
    Bench {
        /// `head`, `base (abcd1234)`.
        side: String,
        /// The bench target.
        bench: String,
        /// The exit status.
        status: String,
        /// The end of what it printed.
        output: String,
    },
    /// What a bench printed is not a divan table.
    #[error("[[divan]]: the output of the bench `{bench}` of {side}: {source}")]
    Parse {
        /// `head round 2` ….
        side: String,
        /// The bench target.
        bench: String,
        /// The importer's error.
        #[source]
        source: ImportError,
    },
}

/// The base side of an interleaved measurement: the package in the base checkout.
#[derive(Debug, Clone)]
pub struct BaseTree {
    /// The package's `Cargo.toml` in the base checkout (need not exist: then every benchmark
    /// is new).
    pub manifest: PathBuf,
    /// `base (abcd1234)`.
    pub label: String,
}

/// Builds the table's benches in the package of `manifest` and runs each once.
pub fn measure(cfg: &DivanConfig, manifest: &Path, quiet: bool) -> Result<ResultsFile, DivanError> {
    let progress = Progress::new(quiet);
    let result = measure_with(cfg, manifest, &progress);
    progress.finish();
    result
}

fn measure_with(
    cfg: &DivanConfig,
    manifest: &Path,
    progress: &Progress,
) -> Result<ResultsFile, DivanError> {
    let (tree, _) = head_tree(cfg, manifest)?;
    let binaries = build_side(&tree, cfg, &cfg.benches, progress)?;
    let mut out = ResultsFile::new();
    for binary in &binaries {
        progress.status("Running", &format!("head (divan bench: {})", binary.target));
        let results = run_binary(cfg, binary, "head")?;
        out.merge(results).map_err(|e| DivanError::Parse {
            side: "head".into(),
            bench: binary.target.clone(),
            source: ImportError::Nothing(e.to_string()),
        })?;
    }
    out.environment = Environment::detect();
    Ok(out)
}

/// Builds head and base (`None`: A/A, head as both sides) once each, then runs the benches for
/// `rounds` rounds, base and head alternating as [`base_first`] says for `seed`.
pub fn interleave(
    cfg: &DivanConfig,
    manifest: &Path,
    base: Option<&BaseTree>,
    rounds: u32,
    seed: u64,
    quiet: bool,
) -> Result<InterleavedResults, DivanError> {
    let progress = Progress::new(quiet);
    let result = interleave_with(cfg, manifest, base, rounds, seed, &progress);
    progress.finish();
    result
}

fn interleave_with(
    cfg: &DivanConfig,
    manifest: &Path,
    base: Option<&BaseTree>,
    rounds: u32,
    seed: u64,
    progress: &Progress,
) -> Result<InterleavedResults, DivanError> {
    let (head_tree, head_target_dir) = head_tree(cfg, manifest)?;
    let head_binaries = build_side(&head_tree, cfg, &cfg.benches, progress)?;
    let (base_label, base_binaries) = match base {
        None => ("base (A/A)".to_string(), head_binaries.clone()),
        Some(base) => {
            let tree = Tree {
                label: base.label.clone(),
                manifest: base.manifest.clone(),
                // Where the criterion rerun builds the base, so the two share its build.
                target_dir: Some(head_target_dir.join("perf-budget").join("base")),
            };
            // A bench the base does not have yet is new: its benchmarks have no base.
            let present: Vec<String> = if base.manifest.is_file() {
                let targets =
                    Metadata::read_no_deps(&base.manifest)?.bench_targets(cfg.package.as_deref());
                cfg.benches
                    .iter()
                    .filter(|b| targets.contains(*b))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            let binaries = if present.is_empty() {
                Vec::new()
            } else {
                build_side(&tree, cfg, &present, progress)?
            };
            (base.label.clone(), binaries)
        }
    };
    let head_label = "head".to_string();
    let last = rounds.max(1);
    progress.start_steps(u64::from(last) * (head_binaries.len() + base_binaries.len()) as u64);
    let mut base_rounds = Vec::new();
    let mut head_rounds = Vec::new();
    for round in 1..=last {
        let mut base_round = ResultsFile::new();
        let mut head_round = ResultsFile::new();
        for target in &cfg.benches {
            let sides = [
                (&base_label, &base_binaries, true),
                (&head_label, &head_binaries, false),
            ];
            let order = if base_first(seed, round) {
                [&sides[0], &sides[1]]
            } else {
                [&sides[1], &sides[0]]
            };
            for (label, binaries, is_base) in order {
                let Some(binary) = binaries.iter().find(|b| &b.target == target) else {
                    continue;
                };
                let side = format!("{label} round {round}/{last}");
                progress.status("Running", &format!("{side} (divan bench: {target})"));
                let results = as_round_sample(run_binary(cfg, binary, &side)?);
                let into = if *is_base {
                    &mut base_round
                } else {
                    &mut head_round
                };
                into.merge(results).map_err(|e| DivanError::Parse {
                    side: side.clone(),
                    bench: target.clone(),
                    source: ImportError::Nothing(e.to_string()),
                })?;
                progress.step();
            }
        }
        base_rounds.push((round, base_round));
        head_rounds.push((round, head_round));
    }
    progress.spinner();
    let environment = Environment::detect();
    let mut out = InterleavedResults {
        base: pool_rounds(base_rounds),
        head: pool_rounds(head_rounds),
    };
    for side in [&mut out.base, &mut out.head] {
        side.environment = environment.clone();
        // The statistics divan printed (fastest, slowest, mean) belong to one round; the pooled
        // metric is the rounds' medians, and keeps none of them.
        for m in &mut side.metrics {
            m.stats.clear();
        }
    }
    Ok(out)
}

/// The head package's tree, after checking that every configured bench target exists there;
/// also head's target directory (the base builds under it).
fn head_tree(cfg: &DivanConfig, manifest: &Path) -> Result<(Tree, PathBuf), DivanError> {
    interrupt::install_handler();
    let manifest = super::cargo_bench::absolute_manifest(manifest)?;
    let metadata = Metadata::read_no_deps(&manifest)?;
    let targets = metadata.bench_targets(cfg.package.as_deref());
    let missing: Vec<String> = cfg
        .benches
        .iter()
        .filter(|b| !targets.contains(*b))
        .map(|b| format!("`{b}`"))
        .collect();
    if !missing.is_empty() {
        return Err(DivanError::NoSuchBench {
            missing: missing.join(", "),
            place: match &cfg.package {
                Some(package) => format!("package `{package}` of {}", manifest.display()),
                None => manifest.display().to_string(),
            },
            available: super::cargo_bench::list_or_none(&targets),
        });
    }
    Ok((
        Tree {
            label: "head".into(),
            manifest,
            target_dir: None,
        },
        metadata.target_directory,
    ))
}

/// `cargo bench --no-run --bench …` for `benches` in `tree`, with the table's package and
/// features.
fn build_side(
    tree: &Tree,
    cfg: &DivanConfig,
    benches: &[String],
    progress: &Progress,
) -> Result<Vec<BenchBinary>, DivanError> {
    let selection = Selection {
        benches: benches.to_vec(),
        criterion: None,
        skipped: Vec::new(),
    };
    Ok(build(tree, &cargo_config(cfg), &selection, progress)?)
}

/// What `cargo bench --no-run` takes from a `[[divan]]` table: the package and features.
fn cargo_config(cfg: &DivanConfig) -> CriterionConfig {
    CriterionConfig {
        package: cfg.package.clone(),
        features: cfg.features.clone(),
        ..CriterionConfig::default()
    }
}

/// Each benchmark's one value of this round as the round's one sample.
fn as_round_sample(mut results: ResultsFile) -> ResultsFile {
    for m in &mut results.metrics {
        if m.failure.is_none() && m.value.is_finite() {
            m.samples = vec![m.value];
            m.sample_kind = Some(SampleKind::Runs);
        }
    }
    results
}

/// Runs one divan bench executable (`--bench` and the table's `args`, in its package's folder as
/// cargo would) and reads the table it prints.
fn run_binary(
    cfg: &DivanConfig,
    binary: &BenchBinary,
    side: &str,
) -> Result<ResultsFile, DivanError> {
    let mut command = Command::new(&binary.executable);
    command
        .arg("--bench")
        .args(&cfg.args)
        .current_dir(&binary.package_dir)
        .env("CARGO_MANIFEST_DIR", &binary.package_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = interrupt::output(&mut command).map_err(|e| {
        DivanError::Run(RunError::Spawn {
            program: binary.executable.display().to_string(),
            source: e.into(),
        })
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let mut text = stdout.into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        let lines: Vec<&str> = text.lines().collect();
        return Err(DivanError::Bench {
            side: side.to_string(),
            bench: binary.target.clone(),
            status: output.status.to_string(),
            output: lines[lines.len().saturating_sub(40)..].join("\n"),
        });
    }
    let origin = PathBuf::from(format!("output of {}", binary.executable.display()));
    let parsed =
        crate::import::divan::parse(&stdout, &origin, Some(&binary.target)).map_err(|source| {
            DivanError::Parse {
                side: side.to_string(),
                bench: binary.target.clone(),
                source,
            }
        })?;
    let mut results = ResultsFile::new();
    results.metrics = parsed.metrics;
    results.warnings = parsed.warnings;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Metric, Unit};

    #[test]
    fn a_round_gives_each_benchmark_its_median_as_one_run() {
        let mut file = ResultsFile::new();
        file.metrics.push(Metric::new(
            "divan/walltime/mix",
            Unit::Nanoseconds,
            Direction::Lower,
            25.4,
        ));
        let round = as_round_sample(file);
        let m = &round.metrics[0];
        assert_eq!(m.samples, [25.4]);
        assert_eq!(m.sample_kind, Some(SampleKind::Runs));
        let pooled = pool_rounds(vec![(1, round.clone()), (2, round)]);
        assert_eq!(pooled.metrics[0].rounds, [1, 2]);
        assert_eq!(pooled.metrics[0].samples, [25.4, 25.4]);
    }

    #[test]
    fn the_build_takes_the_tables_package_and_features() {
        let cfg = DivanConfig {
            benches: vec!["walltime".into()],
            args: vec!["--sample-count".into(), "20".into()],
            package: Some("core".into()),
            features: vec!["simd".into()],
        };
        let cargo = cargo_config(&cfg);
        assert_eq!(cargo.package.as_deref(), Some("core"));
        assert_eq!(cargo.features, ["simd"]);
        // The bench binaries' own arguments are not cargo's.
        assert!(cargo.args.is_empty());
        assert_eq!(cargo_config(&DivanConfig::default()).package, None);
    }
}
