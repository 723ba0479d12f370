//! The three JSON files criterion writes for each benchmark and baseline (`benchmark.json`,
//! `sample.json`, `estimates.json`), read in both generations (legacy ≤ 0.3.2 and current
//! ≥ 0.3.3) and checked number by number, so that a bad value is reported with its file and
//! field (`times[3]`) instead of being carried into the statistics.
//!
//! The files are walked as `serde_json::Value` rather than derived structs: the shapes differ
//! between generations (a tuple or an object for samples, CapitalCase or snake_case keys for
//! estimates), and a `null` where serde wrote NaN must be reported with its exact position.

use std::path::Path;

use serde_json::Value;

use crate::import::ImportError;

/// How much one iteration of a benchmark processes, as criterion's `throughput` field says.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum CThroughput {
    /// No throughput configured (`null` or absent).
    None,
    /// Bytes per iteration (`Bytes`, `BytesDecimal`, and `Bits` divided by 8).
    Bytes(f64),
    /// Elements per iteration (`Elements`, and the primary quantity of `ElementsAndBytes`).
    Elements(f64),
    /// A shape this version does not know (a future variant): skipped with this warning.
    Unsupported(String),
}

/// What `benchmark.json` tells us: the id and the throughput.
#[derive(Debug, Clone)]
pub(super) struct CBenchmark {
    /// The unsanitized id, e.g. `parse/sum_sq/1000`.
    pub full_id: String,
    /// The configured throughput.
    pub throughput: CThroughput,
}

/// The sampling mode recorded in `sample.json`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum CSamplingMode {
    /// Iteration counts `d, 2d, … n·d`; also the legacy tuple format, which was always linear.
    Linear,
    /// Equal iteration counts; criterion writes no slope.
    Flat,
    /// A mode this version does not know; the samples still mean the same thing.
    Other(String),
}

/// Per-iteration measurements of one baseline: `times[i] / iters[i]`.
#[derive(Debug, Clone)]
pub(super) struct CSamples {
    /// The recorded sampling mode.
    pub mode: CSamplingMode,
    /// Per-iteration values, in the measurement's unit (nanoseconds for wall time).
    pub per_iteration: Vec<f64>,
}

/// Reads a file's bytes, naming the file on failure.
pub(super) fn read_bytes(path: &Path) -> Result<Vec<u8>, ImportError> {
    crate::model::input_file::read_document(path).map_err(|e| ImportError::io(path, e))
}

/// Parses a file's bytes as JSON; an empty, truncated or non-JSON file is a format error naming
/// it.
pub(super) fn parse_json(path: &Path, bytes: &[u8]) -> Result<Value, ImportError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::format(
            path,
            "the file is empty (an interrupted benchmark run?)",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let what = if e.is_eof() {
            "the file ends in the middle of the JSON (truncated?)"
        } else {
            "not valid JSON"
        };
        ImportError::format(path, format!("{what}: {e}"))
    })
}

/// Reads the id and throughput from a parsed `benchmark.json`.
pub(super) fn parse_benchmark(path: &Path, json: &Value) -> Result<CBenchmark, ImportError> {
    let object = json.as_object().ok_or_else(|| {
        ImportError::format(
            path,
            format!(
                "expected criterion's benchmark.json (an object with `full_id`), found {}",
                describe(json)
            ),
        )
    })?;
    let full_id = match object.get("full_id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) => {
            return Err(ImportError::field(
                path,
                "full_id",
                "is empty; expected the benchmark id",
            ))
        }
        Some(other) => {
            return Err(ImportError::field(
                path,
                "full_id",
                format!("expected a string, found {}", describe(other)),
            ))
        }
        None => {
            return Err(ImportError::field(
                path,
                "full_id",
                "is missing; expected the benchmark id criterion writes (e.g. \"parse/1000\")",
            ))
        }
    };
    let throughput = parse_throughput(path, object.get("throughput"))?;
    Ok(CBenchmark {
        full_id,
        throughput,
    })
}

fn parse_throughput(path: &Path, value: Option<&Value>) -> Result<CThroughput, ImportError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(CThroughput::None);
    };
    let unsupported = || {
        CThroughput::Unsupported(format!(
            "throughput {} is not a variant this version knows (Bytes, BytesDecimal, Bits, Elements, ElementsAndBytes)",
            compact(value)
        ))
    };
    // Criterion serialises the enum externally tagged: exactly one key.
    let Some((variant, payload)) = value
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
    else {
        return Ok(unsupported());
    };
    let count = |field: String, v: Option<&Value>| -> Result<u64, ImportError> {
        v.and_then(Value::as_u64).ok_or_else(|| {
            ImportError::field(
                path,
                field,
                format!(
                    "expected a whole number per iteration, found {}",
                    v.map_or("nothing".to_string(), describe)
                ),
            )
        })
    };
    let field = format!("throughput.{variant}");
    Ok(match variant.as_str() {
        "Bytes" | "BytesDecimal" => CThroughput::Bytes(count(field, Some(payload))? as f64),
        "Bits" => CThroughput::Bytes(count(field, Some(payload))? as f64 / 8.0),
        "Elements" => CThroughput::Elements(count(field, Some(payload))? as f64),
        // Elements is the primary quantity of this variant (criterion 0.8 reports it first).
        "ElementsAndBytes" => CThroughput::Elements(count(
            format!("{field}.elements"),
            payload.get("elements"),
        )? as f64),
        _ => unsupported(),
    })
}

/// Reads the samples of a parsed `sample.json` in either generation and divides each total by
/// its iteration count.
pub(super) fn parse_sample(path: &Path, json: &Value) -> Result<CSamples, ImportError> {
    let (mode, iters, times) = match json {
        Value::Object(object) => {
            let mode = match object.get("sampling_mode") {
                None | Some(Value::Null) => CSamplingMode::Linear,
                Some(Value::String(s)) if s == "Linear" => CSamplingMode::Linear,
                Some(Value::String(s)) if s == "Flat" => CSamplingMode::Flat,
                Some(Value::String(s)) => CSamplingMode::Other(s.clone()),
                Some(other) => {
                    return Err(ImportError::field(
                        path,
                        "sampling_mode",
                        format!("expected \"Linear\" or \"Flat\", found {}", describe(other)),
                    ))
                }
            };
            let array = |name: &str| -> Result<&Vec<Value>, ImportError> {
                match object.get(name) {
                    Some(Value::Array(a)) => Ok(a),
                    Some(other) => Err(ImportError::field(
                        path,
                        name,
                        format!("expected an array of numbers, found {}", describe(other)),
                    )),
                    None => Err(ImportError::field(
                        path,
                        name,
                        "is missing; expected an array of numbers",
                    )),
                }
            };
            (mode, array("iters")?, array("times")?)
        }
        // Legacy (≤ 0.3.2): a bare `[[iters…], [times…]]`, always linear.
        Value::Array(pair) => match pair.as_slice() {
            [Value::Array(iters), Value::Array(times)] => (CSamplingMode::Linear, iters, times),
            _ => {
                return Err(ImportError::format(
                    path,
                    "expected criterion's legacy sample format `[[iters…], [times…]]`",
                ))
            }
        },
        other => {
            return Err(ImportError::format(
                path,
                format!(
                "expected criterion's sample.json (an object with `iters` and `times`), found {}",
                describe(other)
            ),
            ))
        }
    };
    if iters.is_empty() {
        return Err(ImportError::field(
            path,
            "iters",
            "is empty; expected at least one sample",
        ));
    }
    if iters.len() != times.len() {
        return Err(ImportError::field(
            path,
            "times",
            format!(
                "has {} entries but `iters` has {}; every sample needs both",
                times.len(),
                iters.len()
            ),
        ));
    }
    let mut per_iteration = Vec::with_capacity(iters.len());
    for (i, (n, t)) in iters.iter().zip(times).enumerate() {
        let n = positive_number(path, &format!("iters[{i}]"), n, "an iteration count")?;
        let field = format!("times[{i}]");
        let t = positive_number(path, &field, t, "a total measured time")?;
        let one = t / n;
        // Extreme but valid inputs can underflow or overflow the division.
        if !(one.is_finite() && one > 0.0) {
            return Err(ImportError::field(
                path,
                field,
                format!("divided by iters[{i}] gives {one}, not a usable per-iteration value"),
            ));
        }
        per_iteration.push(one);
    }
    Ok(CSamples {
        mode,
        per_iteration,
    })
}

/// Criterion's "typical" per-iteration value from a parsed `estimates.json`: the slope when
/// present, otherwise the mean (Flat sampling writes `slope: null`).
pub(super) fn parse_typical(path: &Path, json: &Value) -> Result<f64, ImportError> {
    let object = json.as_object().ok_or_else(|| {
        ImportError::format(
            path,
            format!(
                "expected criterion's estimates.json (an object with `mean` and `slope`), found {}",
                describe(json)
            ),
        )
    })?;
    // Current files use snake_case struct fields, legacy ones (≤ 0.3.2) the enum names.
    for (key, legacy) in [("slope", "Slope"), ("mean", "Mean")] {
        let found = [key, legacy]
            .into_iter()
            .find_map(|k| object.get(k).filter(|v| !v.is_null()).map(|v| (k, v)));
        let Some((name, estimate)) = found else {
            continue;
        };
        let field = format!("{name}.point_estimate");
        let point = estimate
            .get("point_estimate")
            .ok_or_else(|| ImportError::field(path, &field, "is missing; expected a number"))?;
        return positive_number(path, &field, point, "a per-iteration estimate");
    }
    Err(ImportError::field(
        path,
        "mean",
        "is missing (and `slope` is missing or null); expected criterion's estimates",
    ))
}

/// The measurement unit recorded in `raw.csv` (written only with criterion's `csv_output`
/// feature): the `unit` column of the first sample row. This is the only place a custom
/// measurement (cycles, instructions) shows that the numbers are not nanoseconds. `None` when
/// the file has no such column or no rows.
pub(super) fn raw_csv_unit(text: &str) -> Option<String> {
    let mut records = csv_records(text);
    let header = records.next()?;
    let column = header.iter().position(|h| h == "unit")?;
    records.next()?.get(column).cloned()
}

/// Minimal CSV records (RFC 4180 quoting, as the `csv` crate writes): enough to read a header
/// and one row, whatever commas or quotes benchmark names hold.
fn csv_records(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    let mut chars = text.chars().peekable();
    std::iter::from_fn(move || {
        chars.peek()?;
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = !quoted,
                ',' if !quoted => record.push(std::mem::take(&mut field)),
                '\n' if !quoted => break,
                '\r' if !quoted => {}
                _ => field.push(c),
            }
        }
        record.push(field);
        Some(record)
    })
}

/// A finite, strictly positive number, or an error naming the field. `null` is how serde_json
/// writes NaN and infinities, so it gets its own explanation.
fn positive_number(
    path: &Path,
    field: &str,
    value: &Value,
    what: &str,
) -> Result<f64, ImportError> {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(v) if v.is_finite() && v > 0.0 => Ok(v),
            _ => Err(ImportError::field(
                path,
                field,
                format!("expected {what} greater than zero, found {n}"),
            )),
        },
        Value::Null => Err(ImportError::field(
            path,
            field,
            format!("is null: the benchmark produced NaN or infinity here, expected {what}"),
        )),
        other => Err(ImportError::field(
            path,
            field,
            format!("expected {what} (a number), found {}", describe(other)),
        )),
    }
}

/// A short description of a JSON value's type for error messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", compact(&Value::String(s.clone()))),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// A value as compact JSON, cut to a readable length.
fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p() -> &'static Path {
        Path::new("x.json")
    }

    #[test]
    fn throughput_variants_map_to_bytes_or_elements() {
        let parse = |t: Value| {
            parse_benchmark(p(), &json!({"full_id": "a", "throughput": t}))
                .map(|b| b.throughput)
                .map_err(|e| e.to_string())
        };
        assert_eq!(parse(json!({"Bytes": 8})), Ok(CThroughput::Bytes(8.0)));
        assert_eq!(
            parse(json!({"BytesDecimal": 8})),
            Ok(CThroughput::Bytes(8.0))
        );
        assert_eq!(parse(json!({"Bits": 8})), Ok(CThroughput::Bytes(1.0)));
        assert_eq!(
            parse(json!({"Elements": 3})),
            Ok(CThroughput::Elements(3.0))
        );
        assert_eq!(
            parse(json!({"ElementsAndBytes": {"elements": 3, "bytes": 24}})),
            Ok(CThroughput::Elements(3.0))
        );
        assert_eq!(parse(Value::Null), Ok(CThroughput::None));
        assert!(matches!(
            parse(json!({"Pages": 2})),
            Ok(CThroughput::Unsupported(m)) if m.contains("Pages")
        ));
        let err = parse(json!({"Bytes": -1})).unwrap_err();
        assert!(err.contains("throughput.Bytes"), "{err}");
        let err = parse(json!({"ElementsAndBytes": {"bytes": 2}})).unwrap_err();
        assert!(
            err.contains("throughput.ElementsAndBytes.elements"),
            "{err}"
        );
    }

    #[test]
    fn samples_in_both_generations_divide_by_iterations() {
        let current = json!({"sampling_mode": "Flat", "iters": [2.0, 2.0], "times": [10.0, 12.0]});
        let s = parse_sample(p(), &current).unwrap();
        assert_eq!(s.mode, CSamplingMode::Flat);
        assert_eq!(s.per_iteration, vec![5.0, 6.0]);
        let legacy = json!([[1.0, 2.0], [10.0, 22.0]]);
        let s = parse_sample(p(), &legacy).unwrap();
        assert_eq!(s.mode, CSamplingMode::Linear);
        assert_eq!(s.per_iteration, vec![10.0, 11.0]);
    }

    #[test]
    fn bad_sample_numbers_name_their_slot() {
        let err = |v: Value| parse_sample(p(), &v).unwrap_err().to_string();
        let e = err(json!({"sampling_mode":"Linear","iters":[1,2,3,4],"times":[1,2,3,null]}));
        assert!(e.contains("times[3]") && e.contains("NaN"), "{e}");
        let e = err(json!({"sampling_mode":"Linear","iters":[1,0],"times":[1,2]}));
        assert!(e.contains("iters[1]"), "{e}");
        let e = err(json!({"sampling_mode":"Linear","iters":[1,-2],"times":[1,2]}));
        assert!(e.contains("iters[1]"), "{e}");
        let e = err(json!({"sampling_mode":"Linear","iters":[1,2],"times":[1]}));
        assert!(e.contains("`times`") && e.contains("has 1 entries"), "{e}");
        let e = err(json!({"sampling_mode":"Linear","iters":[],"times":[]}));
        assert!(e.contains("`iters`") && e.contains("empty"), "{e}");
        let e = err(json!({"sampling_mode":"Linear","iters":[1],"times":["1"]}));
        assert!(e.contains("times[0]") && e.contains("string"), "{e}");
        let e = err(json!([[1.0]]));
        assert!(e.contains("legacy"), "{e}");
    }

    #[test]
    fn raw_csv_unit_reads_the_unit_column_past_quoted_commas() {
        let text = "group,function,value,throughput_num,throughput_type,sample_measured_value,unit,iteration_count\n\
                    \"a,\"\"b\"\"\",f,,,,12.0,cycles,3\n";
        assert_eq!(raw_csv_unit(text).as_deref(), Some("cycles"));
        assert_eq!(
            raw_csv_unit("group,unit\r\ng,ns\r\n").as_deref(),
            Some("ns")
        );
        assert_eq!(raw_csv_unit("group,unit\n"), None);
        assert_eq!(raw_csv_unit("group\ng\n"), None);
        assert_eq!(raw_csv_unit(""), None);
    }

    #[test]
    fn typical_is_slope_else_mean_in_both_key_styles() {
        let est = |pe: Value| json!({"point_estimate": pe, "standard_error": 1.0});
        let t = |v: Value| parse_typical(p(), &v).map_err(|e| e.to_string());
        assert_eq!(
            t(json!({"mean": est(json!(5.0)), "slope": est(json!(4.0))})),
            Ok(4.0)
        );
        assert_eq!(t(json!({"mean": est(json!(5.0)), "slope": null})), Ok(5.0));
        assert_eq!(
            t(json!({"Mean": est(json!(5.0)), "Slope": est(json!(3.0))})),
            Ok(3.0)
        );
        assert_eq!(t(json!({"Mean": est(json!(5.0))})), Ok(5.0));
        let e = t(json!({"mean": est(Value::Null), "slope": null})).unwrap_err();
        assert!(
            e.contains("mean.point_estimate") && e.contains("null"),
            "{e}"
        );
        let e = t(json!({"median": est(json!(1.0))})).unwrap_err();
        assert!(e.contains("`mean`"), "{e}");
    }
}
