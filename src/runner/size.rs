//! `[[size]]`: the size of build outputs (a release binary, a wasm bundle) as an exact metric,
//! `size/<name>/bytes`, after the table's optional `build` command. The same code gives the same
//! bytes, so a relative rule decides on the two sizes as they are (`Metric::exact`).

use std::path::{Path, PathBuf};

use super::interrupt;
use crate::budget::SizeConfig;
use crate::model::{Direction, Metric, ResultsFile, Unit};

/// Why a size could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum SizeError {
    /// The build command failed or could not start.
    #[error("[[size]] {name:?}: `{command}` in {dir} {what}")]
    Build {
        /// The table's name.
        name: String,
        /// The build command.
        command: String,
        /// Where it ran.
        dir: String,
        /// What went wrong.
        what: String,
    },
    /// A file or glob matched nothing, or a match could not be read.
    #[error("[[size]] {name:?}: {message}")]
    Files {
        /// The table's name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// Builds (when the table says how) and weighs the table's files in `dir` (the budget file's
/// folder, or the same folder in the base checkout).
pub fn measure(cfg: &SizeConfig, dir: &Path, quiet: bool) -> Result<ResultsFile, SizeError> {
    if let Some(build) = &cfg.build {
        if !quiet {
            eprintln!("{:>12} [[size]] {}: {build}", "Building", cfg.name);
        }
        run_build(cfg, build, dir)?;
    }
    let mut total: u64 = 0;
    let mut weighed: Vec<PathBuf> = Vec::new();
    for pattern in &cfg.files {
        let files = super::lighthouse::expand_glob(pattern, dir).map_err(|e| SizeError::Files {
            name: cfg.name.clone(),
            message: e.to_string(),
        })?;
        let files: Vec<PathBuf> = files.into_iter().filter(|f| f.is_file()).collect();
        if files.is_empty() {
            return Err(SizeError::Files {
                name: cfg.name.clone(),
                message: format!(
                    "`{pattern}` matches no file in {}{}",
                    dir.display(),
                    if cfg.build.is_some() {
                        " after the build"
                    } else {
                        " (set `build` to make it)"
                    }
                ),
            });
        }
        for file in files {
            if weighed.contains(&file) {
                continue;
            }
            let len = std::fs::metadata(&file)
                .map_err(|e| SizeError::Files {
                    name: cfg.name.clone(),
                    message: format!("{}: {e}", file.display()),
                })?
                .len();
            total = total.saturating_add(len);
            weighed.push(file);
        }
    }
    let mut metric = Metric::new(
        format!("size/{}/bytes", cfg.name),
        Unit::Bytes,
        Direction::Lower,
        total as f64,
    );
    metric.exact = true;
    let mut out = ResultsFile::new();
    out.metrics.push(metric);
    Ok(out)
}

fn run_build(cfg: &SizeConfig, build: &str, dir: &Path) -> Result<(), SizeError> {
    let fail = |what: String| SizeError::Build {
        name: cfg.name.clone(),
        command: build.to_string(),
        dir: dir.display().to_string(),
        what,
    };
    interrupt::shell(build, dir).map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(files: &[&str], build: Option<&str>) -> SizeConfig {
        SizeConfig {
            name: "app".into(),
            files: files.iter().map(|f| f.to_string()).collect(),
            build: build.map(str::to_string),
        }
    }

    #[test]
    fn builds_then_sums_every_matched_file_once_as_an_exact_byte_count() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(
            &["out/*.bin", "out/a.bin"],
            Some("mkdir -p out && printf 12345 > out/a.bin && printf 123 > out/b.bin"),
        );
        let results = measure(&cfg, dir.path(), true).unwrap();
        let m = &results.metrics[0];
        assert_eq!(m.id, "size/app/bytes");
        assert_eq!(m.value, 8.0, "a.bin counted once although matched twice");
        assert!(m.exact);
        assert_eq!(m.unit, Unit::Bytes);
    }

    #[test]
    fn a_failed_build_or_a_glob_matching_nothing_is_an_error_naming_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let err = measure(
            &config(&["x"], Some("echo broken >&2; exit 3")),
            dir.path(),
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"app\"") && err.contains("broken"), "{err}");
        let err = measure(&config(&["target/none"], None), dir.path(), true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("matches no file") && err.contains("set `build`"),
            "{err}"
        );
    }
}
