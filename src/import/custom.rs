//! github-action-benchmark custom JSON importer: the arrays of `{"name", "unit", "value",
//! "range"?, "extra"?}` that action reads as `customSmallerIsBetter` and `customBiggerIsBetter`
//! → one results file.
//!
//! # Metric ids
//!
//! `custom/<name>`, the name as written. The format does not say which way is better: lower is,
//! unless the import is given `--bigger-is-better` (github-action-benchmark's
//! `customBiggerIsBetter`); one import holds one direction.
//!
//! Units are mapped by name ([`super::unit_names::map_unit`]): times (`ns`, `us`/`µs`, `ms`, `s`,
//! spelled out or with `/iter`) keep their value in that unit; sizes (`B`, `KB`, `MB`, `KiB`,
//! `MiB`, `bytes`, `Megabytes` …) become bytes; rates (`ops/s`, `req/sec`, `MB/s` …) events or
//! bytes per second. Any other unit (`Percent`, `frames`) is kept as an opaque unit and the import
//! warns which: relative rules work on it, and an absolute limit on it is a bare number in the
//! tool's unit. `range` (a string such as `"± 300"`, or a number) and `extra` (free text) have no
//! place in the results model and are not kept; when present they must be a string or a number.
//!
//! # Runs
//!
//! A name found in several files is measured once per file: its values become the samples of
//! one metric and few-runs statistics apply ([`super::runs::pool`]).

use std::path::{Path, PathBuf};

use super::unit_names::map_unit;
use super::{bmf, sniff, ImportError};
use crate::model::input_file::read_document;
use crate::model::{Direction, Metric, ResultsFile, Unit};

/// Imports custom JSON files with the given direction; see the module documentation.
pub fn import(files: &[PathBuf], direction: Direction) -> Result<ResultsFile, ImportError> {
    if files.is_empty() {
        return Err(ImportError::Nothing("no custom JSON file given".into()));
    }
    let mut read = Vec::new();
    let mut warnings = Vec::new();
    for path in files {
        let bytes = read_document(path).map_err(|e| ImportError::io(path, e))?;
        let (metrics, w) = parse(path, &bytes, direction)?;
        for w in w {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        read.push((path.clone(), metrics));
    }
    bmf::finish(read, warnings, files)
}

/// Imports one custom JSON document given as bytes; `path` names it in messages.
pub fn import_bytes(
    path: &Path,
    bytes: &[u8],
    direction: Direction,
) -> Result<ResultsFile, ImportError> {
    let (metrics, warnings) = parse(path, bytes, direction)?;
    bmf::finish(
        vec![(path.to_path_buf(), metrics)],
        warnings,
        &[path.to_path_buf()],
    )
}

fn parse(
    path: &Path,
    bytes: &[u8],
    direction: Direction,
) -> Result<(Vec<Metric>, Vec<String>), ImportError> {
    use serde_json::Value;
    let not_custom = |why: String| {
        ImportError::format(
            path,
            format!(
                "not github-action-benchmark custom JSON: {why}{}",
                sniff::instead(bytes)
            ),
        )
    };
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| not_custom(format!("not complete JSON ({e})")))?;
    if let Some(duplicate) = super::json_keys::first_duplicate(bytes) {
        return Err(ImportError::format(
            path,
            format!("{duplicate}: one of the two values would be lost"),
        ));
    }
    let Value::Array(items) = &value else {
        return Err(not_custom(format!(
            "expected an array of {{name, unit, value}} objects, found {}",
            bmf::kind(&value)
        )));
    };
    if items.is_empty() {
        return Err(not_custom("the array is empty".into()));
    }
    let mut metrics = Vec::new();
    let mut warnings = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = |field: &str| format!("[{i}].{field}");
        let Value::Object(item) = item else {
            return Err(ImportError::field(
                path,
                format!("[{i}]"),
                format!(
                    "expected an object with `name`, `unit` and `value`, found {}",
                    bmf::kind(item)
                ),
            ));
        };
        let text = |field: &str| -> Result<&str, ImportError> {
            match item.get(field) {
                Some(Value::String(s)) => Ok(s),
                Some(other) => Err(ImportError::field(
                    path,
                    at(field),
                    format!("expected a string, found {}", bmf::kind(other)),
                )),
                None => Err(ImportError::field(path, at(field), "missing")),
            }
        };
        let name = text("name")?;
        if name.trim().is_empty() {
            return Err(ImportError::field(path, at("name"), "empty"));
        }
        let unit_name = text("unit")?;
        let value = match item.get("value") {
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|v| v.is_finite())
                .ok_or_else(|| ImportError::field(path, at("value"), "not a finite number"))?,
            Some(other) => {
                return Err(ImportError::field(
                    path,
                    at("value"),
                    format!("expected a number, found {}", bmf::kind(other)),
                ))
            }
            None => return Err(ImportError::field(path, at("value"), "missing")),
        };
        for optional in ["range", "extra"] {
            match item.get(optional) {
                None | Some(Value::String(_)) | Some(Value::Number(_)) => {}
                Some(other) => {
                    return Err(ImportError::field(
                        path,
                        at(optional),
                        format!("expected a string, found {}", bmf::kind(other)),
                    ))
                }
            }
        }
        let mapped = map_unit(unit_name);
        if mapped.unit == Unit::Opaque {
            let w = format!(
                "custom unit {unit_name:?} is not one cargo-perf-budget knows: kept as an opaque unit (relative rules work; an absolute limit is a bare number in {unit_name:?})"
            );
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        metrics.push(Metric::new(
            format!("custom/{name}"),
            mapped.unit,
            direction,
            value * mapped.factor,
        ));
    }
    Ok((metrics, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import_str(text: &str, d: Direction) -> Result<ResultsFile, ImportError> {
        import_bytes(Path::new("c.json"), text.as_bytes(), d)
    }

    #[test]
    fn units_map_direction_follows_the_flag() {
        let r = import_str(
            r#"[{"name": "parse", "unit": "ns/iter", "value": 120, "range": "± 3", "extra": "x"},
                {"name": "Memory Used", "unit": "Megabytes", "value": 1.5},
                {"name": "CPU Load", "unit": "Percent", "value": 50}]"#,
            Direction::Lower,
        )
        .unwrap();
        let m = |id: &str| r.metric(id).unwrap();
        assert_eq!(
            (m("custom/parse").value, m("custom/parse").unit),
            (120.0, Unit::Nanoseconds)
        );
        assert_eq!(
            (m("custom/Memory Used").value, m("custom/Memory Used").unit),
            (1.5e6, Unit::Bytes)
        );
        assert_eq!(m("custom/CPU Load").unit, Unit::Opaque);
        assert!(r.warnings.len() == 1 && r.warnings[0].contains("\"Percent\""));
        let r = import_str(
            r#"[{"name": "rps", "unit": "req/s", "value": 900}]"#,
            Direction::Higher,
        )
        .unwrap();
        assert_eq!(r.metrics[0].direction, Direction::Higher);
        assert_eq!(r.metrics[0].unit, Unit::PerSecond);
    }

    #[test]
    fn bad_fields_are_named() {
        let err = |t: &str| import_str(t, Direction::Lower).unwrap_err().to_string();
        let e = err(r#"[{"name": "a", "unit": "ms", "value": "1"}]"#);
        assert!(e.contains("[0].value") && e.contains("a string"), "{e}");
        let e = err(r#"[{"name": "a", "unit": "ms", "value": 1}, {"name": "b", "value": 1}]"#);
        assert!(e.contains("[1].unit") && e.contains("missing"), "{e}");
        let e = err(r#"[{"name": "a", "unit": "ms", "value": 1, "range": [1]}]"#);
        assert!(e.contains("[0].range"), "{e}");
        let e = err(
            r#"[{"name": "a", "unit": "ms", "value": 1}, {"name": "a", "unit": "ms", "value": 2}]"#,
        );
        assert!(e.contains("twice"), "{e}");
        let e = err(r#"[{"name": "a", "unit": "ms", "value": 1, "value": 2}]"#);
        assert!(e.contains("\"value\" appears twice"), "{e}");
        let e = err(r#"[{"name": "a", "unit": "ms", "val"#);
        assert!(
            e.contains("c.json") && e.contains("not complete JSON"),
            "{e}"
        );
        let e = err(r#"{"a": {"latency": {"value": 1}}}"#);
        assert!(e.contains("looks like Bencher"), "{e}");
        let e = err(r#"[{"name": "a", "unit": "ms", "value": -3}]"#);
        assert!(e.contains("negative"), "{e}");
    }
}
