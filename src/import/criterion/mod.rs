//! criterion importer: turns one baseline of a `target/criterion` tree into a results file.
//!
//! Each benchmark yields `criterion/<full_id>` (nanoseconds per iteration, lower is better, the
//! per-iteration samples `times[i]/iters[i]`, and criterion's "typical" estimate as the value),
//! and benchmarks with a throughput also yield `criterion/<full_id>/throughput` (bytes or
//! elements per second, higher is better). Ids come from `benchmark.json`, never from directory
//! names, which criterion sanitizes, cuts at 64 bytes and suffixes with `_2` on collisions.
//!
//! [`discover`] finds the benchmarks, [`files`] reads criterion's JSON in both generations;
//! this file assembles metrics and the warnings a user should see.

mod discover;
mod files;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::ImportError;
use crate::model::input_file::read_document;
use crate::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use discover::{Discovery, Located};
use files::{CSamplingMode, CThroughput};

/// Fewer samples than this cannot carry a significance test (criterion's `--quick` leaves 2).
const FEW_SAMPLES: usize = 10;

/// Imports a criterion output tree (`target/criterion` or a directory holding one) for one
/// baseline name (`new` is the latest run; `main` for `--save-baseline main`).
///
/// Benchmarks that lack the baseline are left out; when none has it the error lists the
/// baselines that do exist. The results file has no commit and a default environment (the
/// files do not say where they were measured); its time is that of the newest sample file.
pub fn import(dir: &Path, baseline: &str) -> Result<ResultsFile, ImportError> {
    check_baseline_name(baseline)?;
    let root = discover::locate_root(dir)?;
    let discovery = discover::discover(&root, baseline)?;
    if discovery.found.is_empty() {
        return Err(nothing_found(dir, baseline, &discovery));
    }

    let mut file = ResultsFile::new();
    file.commit = None;
    let mut notes = Notes::default();
    let mut owners: HashMap<String, PathBuf> = HashMap::new();
    let mut newest: Option<SystemTime> = None;
    for located in &discovery.found {
        let bench = read_benchmark(located, baseline, &mut notes)?;
        for metric in bench.metrics {
            if let Some(other) = owners.get(&metric.id) {
                return Err(ImportError::format(
                    &located.bench_dir,
                    format!(
                        "metric {:?} also comes from {}; criterion writes each benchmark id once, so one of these directories is stale or was copied in (remove it, or import the trees separately)",
                        metric.id,
                        other.display()
                    ),
                ));
            }
            owners.insert(metric.id.clone(), located.bench_dir.clone());
            file.metrics.push(metric);
        }
        newest = newest.max(bench.modified);
    }
    file.metrics.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(time) = newest.and_then(|t| jiff::Timestamp::try_from(t).ok()) {
        file.time = Some(time.to_string());
    }
    file.warnings = notes.into_warnings(baseline);
    Ok(file)
}

/// A baseline is a directory name (possibly nested, as `--save-baseline a/b` creates); anything
/// that would leave the benchmark directory cannot be one.
fn check_baseline_name(baseline: &str) -> Result<(), ImportError> {
    let escapes = baseline.is_empty()
        || baseline.starts_with('/')
        || baseline.contains('\\')
        || baseline
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if escapes {
        return Err(ImportError::Nothing(format!(
            "baseline name {baseline:?} is not a criterion baseline (a directory name such as `new`, `base` or `main`)"
        )));
    }
    Ok(())
}

fn nothing_found(dir: &Path, baseline: &str, discovery: &Discovery) -> ImportError {
    let seen: Vec<&str> = discovery
        .baselines_seen
        .iter()
        .map(String::as_str)
        .filter(|b| *b != baseline)
        .collect();
    let message = if seen.is_empty() {
        format!(
            "{}: no criterion results found (looked for benchmark directories holding `{baseline}/sample.json`); run `cargo bench` first, or point at the `target/criterion` directory",
            dir.display()
        )
    } else {
        let hint = if baseline == "change" {
            " (`change/` holds criterion's comparison, not measurements)"
        } else {
            ""
        };
        format!(
            "{}: no criterion benchmark has a `{baseline}` baseline{hint}; baselines present: {}",
            dir.display(),
            seen.join(", ")
        )
    };
    ImportError::Nothing(message)
}

/// The metrics of one benchmark and when its samples were written.
struct BenchmarkMetrics {
    metrics: Vec<Metric>,
    modified: Option<SystemTime>,
}

fn read_benchmark(
    located: &Located,
    baseline: &str,
    notes: &mut Notes,
) -> Result<BenchmarkMetrics, ImportError> {
    let info = {
        let path = &located.benchmark_json;
        files::parse_benchmark(path, &files::parse_json(path, &files::read_bytes(path)?)?)?
    };
    let id = format!("criterion/{}", info.full_id);

    let sample_path = located.data_dir.join("sample.json");
    let sample_bytes = files::read_bytes(&sample_path)?;
    let samples = files::parse_sample(
        &sample_path,
        &files::parse_json(&sample_path, &sample_bytes)?,
    )?;
    let modified = std::fs::metadata(&sample_path)
        .and_then(|m| m.modified())
        .ok();
    if let CSamplingMode::Other(mode) = &samples.mode {
        notes.list.push(format!(
            "{id}: unknown sampling_mode {mode:?} in {}; read as per-iteration samples",
            sample_path.display()
        ));
    }
    if samples.per_iteration.len() < FEW_SAMPLES {
        notes
            .few_samples
            .push(format!("{id} ({})", samples.per_iteration.len()));
    }
    if baseline == "base" {
        notes.note_base_copy(&located.bench_dir, &sample_bytes);
    }

    let estimates_path = located.data_dir.join("estimates.json");
    let typical = if estimates_path.exists() {
        files::parse_typical(
            &estimates_path,
            &files::parse_json(&estimates_path, &files::read_bytes(&estimates_path)?)?,
        )?
    } else {
        notes.without_estimates.push(id.clone());
        trimmed_mean(&samples.per_iteration)
    };

    // Wall time is in nanoseconds; a custom measurement says otherwise only in raw.csv.
    let mut unit = Unit::Nanoseconds;
    let mut throughput_kind = info.throughput;
    let raw_csv = located.data_dir.join("raw.csv");
    if raw_csv.exists() {
        let text = String::from_utf8_lossy(&files::read_bytes(&raw_csv)?).into_owned();
        match files::raw_csv_unit(&text) {
            Some(u) if u != "ns" => {
                notes.list.push(format!(
                    "{id}: {} says the measurement unit is {u:?}, not nanoseconds (a custom criterion measurement); imported without a unit, so time limits and throughput do not apply",
                    raw_csv.display()
                ));
                unit = Unit::Unitless;
                throughput_kind = CThroughput::None;
            }
            _ => {}
        }
    }

    let mut metrics = Vec::with_capacity(2);
    let throughput = match throughput_kind {
        CThroughput::None => None,
        CThroughput::Bytes(n) => Some((Unit::BytesPerSecond, n)),
        CThroughput::Elements(n) => Some((Unit::PerSecond, n)),
        CThroughput::Unsupported(message) => {
            notes.list.push(format!(
                "{id}: {message} (in {}); imported without a throughput metric",
                located.benchmark_json.display()
            ));
            None
        }
    };
    if let Some((unit, per_iteration)) = throughput {
        if per_iteration > 0.0 {
            // Criterion's own definition: amount per iteration over the time of one iteration.
            let rate = |ns: f64| per_iteration / (ns * 1e-9);
            let samples: Vec<f64> = samples.per_iteration.iter().map(|&t| rate(t)).collect();
            let value = rate(typical);
            if !value.is_finite() || samples.iter().any(|s| !s.is_finite()) {
                return Err(ImportError::format(
                    &sample_path,
                    format!(
                        "{id}: per-iteration times are too small to compute a finite throughput"
                    ),
                ));
            }
            metrics.push(
                Metric::new(format!("{id}/throughput"), unit, Direction::Higher, value)
                    .with_samples(SampleKind::Iterations, samples),
            );
        } else {
            notes.list.push(format!(
                "{id}: throughput of 0 per iteration in {}; imported without a throughput metric",
                located.benchmark_json.display()
            ));
        }
    }
    metrics.insert(
        0,
        Metric::new(id, unit, Direction::Lower, typical)
            .with_samples(SampleKind::Iterations, samples.per_iteration),
    );
    Ok(BenchmarkMetrics { metrics, modified })
}

/// The 20 % trimmed mean, criterion's robust stand-in when `estimates.json` is missing.
/// `values` is non-empty and finite (checked when the samples were read).
fn trimmed_mean(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let cut = sorted.len() / 5;
    let kept = &sorted[cut..sorted.len() - cut];
    // Divide before summing so that huge values cannot overflow.
    let n = kept.len() as f64;
    kept.iter().map(|v| v / n).sum()
}

/// Things the user should know about an import, gathered over all benchmarks so that a tree
/// with a thousand benchmarks gives a few lines rather than a thousand.
#[derive(Default)]
struct Notes {
    list: Vec<String>,
    without_estimates: Vec<String>,
    few_samples: Vec<String>,
    /// Benchmarks whose `base/` sample equals `new/`'s, and how many were compared.
    base_copies: usize,
    base_compared: usize,
}

impl Notes {
    fn note_base_copy(&mut self, bench_dir: &Path, base_sample: &[u8]) {
        if let Ok(latest) = read_document(&bench_dir.join("new").join("sample.json")) {
            self.base_compared += 1;
            if latest == base_sample {
                self.base_copies += 1;
            }
        }
    }

    fn into_warnings(self, baseline: &str) -> Vec<String> {
        let mut warnings = self.list;
        let listed = |ids: &[String]| {
            let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
            let more = ids.len().saturating_sub(shown.len());
            if more > 0 {
                format!("{} and {more} more", shown.join(", "))
            } else {
                shown.join(", ")
            }
        };
        if !self.without_estimates.is_empty() {
            warnings.push(format!(
                "{} benchmark(s) have no `{baseline}/estimates.json`; their value is the 20 % trimmed mean of the samples: {}",
                self.without_estimates.len(),
                listed(&self.without_estimates)
            ));
        }
        if !self.few_samples.is_empty() {
            warnings.push(format!(
                "{} benchmark(s) have fewer than {FEW_SAMPLES} samples (criterion --quick?), too few for a significance test: {}",
                self.few_samples.len(),
                listed(&self.few_samples)
            ));
        }
        if self.base_compared > 0 && self.base_copies == self.base_compared {
            warnings.push(
                "`base/` holds the same samples as `new/`: a plain `cargo bench` copies the latest run into `base/`, so this is not the previous run; save baselines by name (`cargo bench -- --save-baseline main`)".to_string(),
            );
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_mean_drops_a_fifth_each_side() {
        let v = [1.0, 2.0, 3.0, 4.0, 100.0];
        assert_eq!(trimmed_mean(&v), 3.0);
        assert_eq!(trimmed_mean(&[7.0]), 7.0);
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        // Drops 1, 2 and 9, 10: mean of 3..=8.
        assert!((trimmed_mean(&ten) - 5.5).abs() < 1e-12);
    }

    #[test]
    fn baseline_names_cannot_leave_the_benchmark_directory() {
        for bad in ["", "..", "a/../b", "/abs", "a//b", "a\\b", "./x"] {
            assert!(check_baseline_name(bad).is_err(), "{bad:?}");
        }
        for good in ["new", "main", "v1.20", "a/b", "phase44-before"] {
            assert!(check_baseline_name(good).is_ok(), "{good:?}");
        }
    }
}
