//! hyperfine importer: the JSON hyperfine writes with `--export-json` (hyperfine 1.10 and later:
//! `parameters` as a map; `memory_usage_byte` from 1.20) → one results file.
//!
//! # Metric ids
//!
//! Each entry of `results` is one command. Its id is `hyperfine/<command>`, the command as
//! hyperfine wrote it (the `--command-name` when one was given), followed by one path part per
//! parameter of a `--parameter-scan` or `--parameter-list`, `<name>=<value>`, in name order
//! (`hyperfine/sort {n}/n=1000`). Two entries with the same id are an error (name them apart
//! with `--command-name`).
//!
//! - `hyperfine/<cmd>` — wall-clock time per run, in seconds (hyperfine's unit, values kept
//!   exactly as written); the samples are `times`, one per run, so the sample count is the
//!   number of runs; the value is their median. The runs of one hyperfine invocation share the
//!   machine state of that job, like the iterations of one criterion run, so they are
//!   [`SampleKind::Iterations`]: a comparison of separate jobs adds the job-to-job drift (from
//!   history, or the uncalibrated margin) instead of treating every run as an independent job.
//! - `hyperfine/<cmd>/user`, `hyperfine/<cmd>/system` — only with `--cpu-times`: mean user and
//!   system CPU time per run, in seconds. hyperfine exports their means alone, without a spread,
//!   so they compare as single values with no noise estimate; a system time of 0.3 ms that
//!   doubles by scheduler noise alone would then fail a 5 % budget on `hyperfine/**`. They are
//!   worth gating when they are large (an I/O-bound command's system time); opt in for that.
//! - `hyperfine/<cmd>/memory` — peak memory of each run, in bytes (`memory_usage_byte`, hyperfine
//!   1.20 and later), median as the value.
//!
//! Lower is better for all of them. Runs that exited with a non-zero code or a signal (kept by
//! `--ignore-failure`) are still samples, and a warning names how many there were: a command that
//! now fails fast would otherwise look like a speed-up.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{sniff, ImportError};
use crate::model::input_file::read_document;
use crate::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use crate::stats::describe::median;

#[derive(Deserialize)]
struct HfExport {
    results: Vec<HfResult>,
}

#[derive(Deserialize)]
struct HfResult {
    command: String,
    mean: f64,
    #[serde(default)]
    median: Option<f64>,
    #[serde(default)]
    user: Option<f64>,
    #[serde(default)]
    system: Option<f64>,
    #[serde(default)]
    times: Option<Vec<f64>>,
    #[serde(default)]
    memory_usage_byte: Option<Vec<u64>>,
    #[serde(default)]
    exit_codes: Option<Vec<Option<i64>>>,
    #[serde(default)]
    parameters: BTreeMap<String, HfParameter>,
}

/// A parameter value: hyperfine writes strings; a number is accepted as its text.
#[derive(Deserialize)]
#[serde(untagged)]
enum HfParameter {
    Text(String),
    Number(serde_json::Number),
}

impl HfParameter {
    fn text(&self) -> String {
        match self {
            HfParameter::Text(t) => t.clone(),
            HfParameter::Number(n) => n.to_string(),
        }
    }
}

/// What to import besides wall-clock times and peak memory.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Also the mean user and system CPU times (`…/user`, `…/system`).
    pub cpu_times: bool,
}

/// Imports hyperfine `--export-json` files; see the module documentation for the ids. Several
/// files are merged; a command found in two files is an error.
pub fn import(files: &[PathBuf], options: Options) -> Result<ResultsFile, ImportError> {
    if files.is_empty() {
        return Err(ImportError::Nothing("no hyperfine file given".into()));
    }
    let mut results = ResultsFile::new();
    for path in files {
        let bytes = read_document(path).map_err(|e| ImportError::io(path, e))?;
        let one = import_bytes(path, &bytes, options)?;
        results
            .merge(one)
            .map_err(|e| ImportError::format(path, e.to_string()))?;
    }
    Ok(results)
}

/// Imports one hyperfine export given as bytes; `path` names it in messages.
pub fn import_bytes(
    path: &Path,
    bytes: &[u8],
    options: Options,
) -> Result<ResultsFile, ImportError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ImportError::format(
            path,
            format!(
                "not hyperfine `--export-json` output: not complete JSON ({e}){}",
                sniff::instead(bytes)
            ),
        )
    })?;
    if !value
        .get("results")
        .is_some_and(serde_json::Value::is_array)
    {
        return Err(ImportError::format(
            path,
            format!(
                "not hyperfine `--export-json` output: no `results` array at the top{}",
                sniff::instead(bytes)
            ),
        ));
    }
    let export: HfExport = serde_path_to_error::deserialize(value)
        .map_err(|e| ImportError::field(path, e.path().to_string(), e.into_inner().to_string()))?;
    if export.results.is_empty() {
        return Err(ImportError::field(
            path,
            "results",
            "empty: hyperfine measured no command",
        ));
    }
    let mut results = ResultsFile::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (i, r) in export.results.iter().enumerate() {
        let field = |name: &str| format!("results[{i}].{name}");
        if r.command.trim().is_empty() {
            return Err(ImportError::field(path, field("command"), "empty"));
        }
        let mut id = format!("hyperfine/{}", r.command);
        for (name, value) in &r.parameters {
            id.push_str(&format!("/{name}={}", value.text()));
        }
        if let Some(first) = ids.insert(id.clone(), i) {
            return Err(ImportError::field(
                path,
                field("command"),
                format!("{id:?} again (as results[{first}]): give the commands distinct names with `--command-name`"),
            ));
        }
        let time = match &r.times {
            Some(times) if !times.is_empty() => {
                Metric::new(&id, Unit::Seconds, Direction::Lower, median(times))
                    .with_samples(SampleKind::Iterations, times.clone())
            }
            Some(_) => {
                return Err(ImportError::field(
                    path,
                    field("times"),
                    "empty: the command has no run",
                ))
            }
            None => {
                results.warnings.push(format!(
                    "{}: {id}: no `times`, only the summary: compared as a single value",
                    path.display()
                ));
                Metric::new(
                    &id,
                    Unit::Seconds,
                    Direction::Lower,
                    r.median.unwrap_or(r.mean),
                )
            }
        };
        let runs = r.times.as_ref().map_or(1, Vec::len);
        if let Some(codes) = &r.exit_codes {
            if r.times.is_some() && codes.len() != runs {
                return Err(ImportError::field(
                    path,
                    field("exit_codes"),
                    format!("{} entries for {runs} runs in `times`", codes.len()),
                ));
            }
            let failed: Vec<String> = codes
                .iter()
                .filter(|c| **c != Some(0))
                .map(|c| c.map_or_else(|| "a signal".to_string(), |c| format!("code {c}")))
                .collect();
            if !failed.is_empty() {
                let mut kinds = failed.clone();
                kinds.sort();
                kinds.dedup();
                results.warnings.push(format!(
                    "{}: {id}: {} of {} runs failed ({}); their times are still samples (hyperfine ran with --ignore-failure)",
                    path.display(),
                    failed.len(),
                    codes.len(),
                    kinds.join(", ")
                ));
            }
        }
        results.metrics.push(time);
        for (name, v) in [("user", r.user), ("system", r.system)] {
            if let Some(v) = v.filter(|_| options.cpu_times) {
                results.metrics.push(Metric::new(
                    format!("{id}/{name}"),
                    Unit::Seconds,
                    Direction::Lower,
                    v,
                ));
            }
        }
        if let Some(memory) = &r.memory_usage_byte {
            if memory.len() != runs {
                return Err(ImportError::field(
                    path,
                    field("memory_usage_byte"),
                    format!("{} entries for {runs} runs in `times`", memory.len()),
                ));
            }
            // Peak sizes in bytes: far below 2^53, exact as f64.
            let bytes: Vec<f64> = memory.iter().map(|&b| b as f64).collect();
            results.metrics.push(
                Metric::new(
                    format!("{id}/memory"),
                    Unit::Bytes,
                    Direction::Lower,
                    median(&bytes),
                )
                .with_samples(SampleKind::Iterations, bytes),
            );
        }
    }
    ImportError::check_output(results, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import_str(text: &str) -> Result<ResultsFile, ImportError> {
        import_bytes(
            Path::new("h.json"),
            text.as_bytes(),
            Options { cpu_times: true },
        )
    }

    #[test]
    fn times_user_system_memory_and_parameters() {
        let r = import_str(
            r#"{"results": [{"command": "sort {n}", "mean": 0.2, "stddev": 0.01, "median": 0.2,
              "user": 0.15, "system": 0.01, "min": 0.1, "max": 0.3,
              "times": [0.1, 0.3, 0.2], "memory_usage_byte": [1000, 3000, 2000],
              "exit_codes": [0, 0, 0], "parameters": {"n": "100", "a": "x"}}]}"#,
        )
        .unwrap();
        let m = r.metric("hyperfine/sort {n}/a=x/n=100").unwrap();
        assert_eq!(m.samples, vec![0.1, 0.3, 0.2]);
        assert_eq!(m.value, 0.2);
        assert_eq!(m.unit, Unit::Seconds);
        assert_eq!(m.sample_kind, Some(SampleKind::Iterations));
        assert_eq!(
            r.metric("hyperfine/sort {n}/a=x/n=100/user").unwrap().value,
            0.15
        );
        assert_eq!(
            r.metric("hyperfine/sort {n}/a=x/n=100/system")
                .unwrap()
                .value,
            0.01
        );
        let mem = r.metric("hyperfine/sort {n}/a=x/n=100/memory").unwrap();
        assert_eq!((mem.value, mem.unit), (2000.0, Unit::Bytes));
        assert!(r.warnings.is_empty());
        let without = import_bytes(
            Path::new("h.json"),
            br#"{"results": [{"command": "a", "mean": 1, "user": 0.5, "system": 0.1, "times": [1]}]}"#,
            Options::default(),
        )
        .unwrap();
        let ids: Vec<&str> = without.metrics.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["hyperfine/a"]);
    }

    #[test]
    fn failed_runs_are_warned_about() {
        let r = import_str(
            r#"{"results": [{"command": "false", "mean": 0.001, "times": [0.001, 0.002],
              "exit_codes": [1, null]}]}"#,
        )
        .unwrap();
        assert!(
            r.warnings[0].contains("2 of 2 runs failed (a signal, code 1)"),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let err = |t: &str| import_str(t).unwrap_err().to_string();
        let e = err(r#"{"results": [{"command": "a", "mean": 1, "times": [1, "x"]}]}"#);
        assert!(e.contains("results[0].times[1]"), "{e}");
        let e = err(r#"{"results": [{"mean": 1}]}"#);
        assert!(e.contains("results[0]") && e.contains("command"), "{e}");
        let e = err(r#"{"results": [{"command": "a", "mean": 1, "times": []}]}"#);
        assert!(
            e.contains("results[0].times") && e.contains("no run"),
            "{e}"
        );
        let e = err(r#"{"results": [{"command": "a", "mean": 1, "times": [-1]}]}"#);
        assert!(e.contains("negative"), "{e}");
        let e = err(
            r#"{"results": [{"command": "a", "mean": 1, "times": [1]}, {"command": "a", "mean": 1, "times": [1]}]}"#,
        );
        assert!(
            e.contains("results[1].command") && e.contains("--command-name"),
            "{e}"
        );
        let e = err(
            r#"{"results": [{"command": "a", "mean": 1, "times": [1, 2], "exit_codes": [0]}]}"#,
        );
        assert!(e.contains("results[0].exit_codes"), "{e}");
        let e = err(r#"{"results": [{"command": "a", "mean": 1, "ti"#);
        assert!(
            e.contains("h.json") && e.contains("not complete JSON"),
            "{e}"
        );
        let e = err(r#"{"bench": {"latency": {"value": 1}}}"#);
        assert!(e.contains("looks like Bencher Metric Format"), "{e}");
    }
}
