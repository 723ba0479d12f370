//! Bencher Metric Format importer: `{"<benchmark>": {"<measure>": {"value": …, "lower_value": …,
//! "upper_value": …}}}`, the JSON any harness can write for Bencher → one results file.
//!
//! # Metric ids
//!
//! `bmf/<benchmark>/<measure>`, both as written (a benchmark named `/bin/sh -c ./build.sh` gives
//! `bmf//bin/sh -c ./build.sh/build-time`). BMF carries no units: Bencher's built-in measures
//! say theirs, and are mapped to ours:
//!
//! | measure | unit | better |
//! |---|---|---|
//! | `latency` | ns | lower |
//! | `throughput` | /s (operations per second) | higher |
//! | `build-time` | s | lower |
//! | `file-size` | B | lower |
//! | `instructions`, `cycles`, `estimated-cycles`, `l1-accesses`, `l2-accesses`, `ram-accesses`, `total-accesses` | count | lower |
//!
//! Any other measure is kept in an opaque unit, lower is better, and the import warns once per
//! such measure: relative rules work on it; an absolute limit on it is a bare number.
//! `lower_value` and `upper_value` must be numbers when present; they are kept in the metric's
//! `stats` under their own names (for people, and to tell noisy benchmarks from quiet ones when
//! separate runs without history are judged against the run's own null).
//!
//! # Runs
//!
//! A benchmark and measure found in several files are runs: their values become the samples of
//! one metric and few-runs statistics apply ([`super::runs::pool`]). Files holding different
//! benchmarks are simply merged.

use std::path::{Path, PathBuf};

use super::{runs, sniff, ImportError};
use crate::model::input_file::read_document;
use crate::model::{Direction, Metric, ResultsFile, Unit};

/// Imports BMF files; see the module documentation.
pub fn import(files: &[PathBuf]) -> Result<ResultsFile, ImportError> {
    if files.is_empty() {
        return Err(ImportError::Nothing("no BMF file given".into()));
    }
    let mut read = Vec::new();
    let mut warnings = Vec::new();
    for path in files {
        let bytes = read_document(path).map_err(|e| ImportError::io(path, e))?;
        let (metrics, w) = parse(path, &bytes)?;
        for w in w {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        read.push((path.clone(), metrics));
    }
    finish(read, warnings, files)
}

/// Imports one BMF document given as bytes; `path` names it in messages.
pub fn import_bytes(path: &Path, bytes: &[u8]) -> Result<ResultsFile, ImportError> {
    let (metrics, warnings) = parse(path, bytes)?;
    finish(
        vec![(path.to_path_buf(), metrics)],
        warnings,
        &[path.to_path_buf()],
    )
}

pub(super) fn finish(
    read: Vec<(PathBuf, Vec<Metric>)>,
    warnings: Vec<String>,
    files: &[PathBuf],
) -> Result<ResultsFile, ImportError> {
    let mut results = runs::pool(read)?;
    let mut all = warnings;
    all.append(&mut results.warnings);
    results.warnings = all;
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    ImportError::check_output(results, Path::new(&shown.join(", ")))
}

/// Unit and direction of a Bencher measure, or `None` for one Bencher does not define.
fn measure_unit(measure: &str) -> Option<(Unit, Direction)> {
    Some(match measure {
        "latency" => (Unit::Nanoseconds, Direction::Lower),
        "throughput" => (Unit::PerSecond, Direction::Higher),
        "build-time" => (Unit::Seconds, Direction::Lower),
        "file-size" => (Unit::Bytes, Direction::Lower),
        "instructions" | "cycles" | "estimated-cycles" | "l1-accesses" | "l2-accesses"
        | "ram-accesses" | "total-accesses" => (Unit::Count, Direction::Lower),
        _ => return None,
    })
}

fn parse(path: &Path, bytes: &[u8]) -> Result<(Vec<Metric>, Vec<String>), ImportError> {
    use serde_json::Value;
    let not_bmf = |why: String| {
        ImportError::format(
            path,
            format!(
                "not Bencher Metric Format JSON: {why}{}",
                sniff::instead(bytes)
            ),
        )
    };
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| not_bmf(format!("not complete JSON ({e})")))?;
    if let Some(duplicate) = super::json_keys::first_duplicate(bytes) {
        return Err(ImportError::format(
            path,
            format!("{duplicate}: one of the two measurements would be lost"),
        ));
    }
    let Value::Object(benchmarks) = &value else {
        return Err(not_bmf(
            "expected an object of benchmarks at the top".into(),
        ));
    };
    if benchmarks.is_empty() {
        return Err(not_bmf("no benchmark in it".into()));
    }
    // A hyperfine export or another tool's object is not a map of measure maps: say what it is
    // before complaining about its first field.
    if sniff::looks_like(bytes).is_some_and(|w| !w.contains("Bencher")) {
        return Err(not_bmf("not a map of benchmarks to measures".into()));
    }
    let mut metrics = Vec::new();
    let mut warnings = Vec::new();
    for (benchmark, measures) in benchmarks {
        let Value::Object(measures) = measures else {
            return Err(ImportError::field(
                path,
                format!("{benchmark:?}"),
                format!("expected an object of measures, found {}", kind(measures)),
            ));
        };
        if measures.is_empty() {
            return Err(ImportError::field(
                path,
                format!("{benchmark:?}"),
                "no measure in it",
            ));
        }
        for (measure, metric) in measures {
            let at = |field: &str| format!("{benchmark:?}.{measure:?}{field}");
            let Value::Object(metric) = metric else {
                return Err(ImportError::field(
                    path,
                    at(""),
                    format!("expected an object with `value`, found {}", kind(metric)),
                ));
            };
            let value = match metric.get("value") {
                Some(Value::Number(n)) => n.as_f64(),
                Some(other) => {
                    return Err(ImportError::field(
                        path,
                        at(".value"),
                        format!("expected a number, found {}", kind(other)),
                    ))
                }
                None => {
                    return Err(ImportError::field(path, at(".value"), "missing"));
                }
            };
            let Some(value) = value.filter(|v| v.is_finite()) else {
                return Err(ImportError::field(
                    path,
                    at(".value"),
                    "not a finite number",
                ));
            };
            let mut stats = std::collections::BTreeMap::new();
            for bound in ["lower_value", "upper_value"] {
                match metric.get(bound) {
                    None => {}
                    Some(Value::Number(n)) => {
                        if let Some(v) = n.as_f64().filter(|v| v.is_finite()) {
                            stats.insert(bound.to_string(), v);
                        }
                    }
                    Some(other) => {
                        return Err(ImportError::field(
                            path,
                            at(&format!(".{bound}")),
                            format!("expected a number, found {}", kind(other)),
                        ))
                    }
                }
            }
            let (unit, direction) = measure_unit(measure).unwrap_or_else(|| {
                let w = format!(
                    "BMF measure {measure:?} is not one of Bencher's built-in measures: its values are kept in an opaque unit, lower is better (relative rules work; an absolute limit is a bare number)"
                );
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
                (Unit::Opaque, Direction::Lower)
            });
            let mut m = Metric::new(format!("bmf/{benchmark}/{measure}"), unit, direction, value);
            m.stats = stats;
            metrics.push(m);
        }
    }
    Ok((metrics, warnings))
}

/// What a JSON value is, for messages.
pub(super) fn kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import_str(text: &str) -> Result<ResultsFile, ImportError> {
        import_bytes(Path::new("bmf.json"), text.as_bytes())
    }

    #[test]
    fn built_in_measures_map_and_others_are_opaque() {
        let r = import_str(
            r#"{"parse": {"latency": {"value": 88.0, "lower_value": 87.4, "upper_value": 88.9},
                          "throughput": {"value": 5.5}},
                "/bin/sh -c ./build.sh": {"build-time": {"value": 87.0}},
                "app": {"file-size": {"value": 42}, "frames": {"value": 3}}}"#,
        )
        .unwrap();
        let m = |id: &str| r.metric(id).unwrap();
        assert_eq!(m("bmf/parse/latency").unit, Unit::Nanoseconds);
        assert_eq!(m("bmf/parse/latency").value, 88.0);
        // The tool's own bounds are kept as statistics.
        assert_eq!(m("bmf/parse/latency").stats["lower_value"], 87.4);
        assert_eq!(m("bmf/parse/latency").stats["upper_value"], 88.9);
        assert!(m("bmf/parse/throughput").stats.is_empty());
        assert_eq!(m("bmf/parse/throughput").direction, Direction::Higher);
        assert_eq!(
            m("bmf//bin/sh -c ./build.sh/build-time").unit,
            Unit::Seconds
        );
        assert_eq!(m("bmf/app/file-size").unit, Unit::Bytes);
        assert_eq!(m("bmf/app/frames").unit, Unit::Opaque);
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("\"frames\""), "{:?}", r.warnings);
    }

    #[test]
    fn bad_fields_are_named() {
        let err = |t: &str| import_str(t).unwrap_err().to_string();
        let e = err(r#"{"a": {"latency": {"value": "1"}}}"#);
        assert!(
            e.contains(r#""a"."latency".value"#) && e.contains("a string"),
            "{e}"
        );
        let e = err(r#"{"a": {"latency": {"lower_value": 1}}}"#);
        assert!(e.contains(".value") && e.contains("missing"), "{e}");
        let e = err(r#"{"a": {"latency": {"value": 1, "upper_value": null}}}"#);
        assert!(e.contains(".upper_value"), "{e}");
        let e = err(r#"{"a": [1]}"#);
        assert!(e.contains(r#"field `"a"`"#), "{e}");
        let e = err(r#"{"a": {"latency": {"value": -1}}}"#);
        assert!(e.contains("negative"), "{e}");
        let e = err(r#"{"a": {"latency": {"val"#);
        assert!(
            e.contains("bmf.json") && e.contains("not complete JSON"),
            "{e}"
        );
        let e = err(r#"{"results": [{"command": "x", "mean": 1, "times": [1]}]}"#);
        assert!(e.contains("looks like hyperfine"), "{e}");
        let e = err(r#"{"a": {"latency": {"value": 1}}, "a": {"latency": {"value": 2}}}"#);
        assert!(e.contains("\"a\" appears twice"), "{e}");
        let e = err("[]");
        assert!(e.contains("object of benchmarks"), "{e}");
    }
}
