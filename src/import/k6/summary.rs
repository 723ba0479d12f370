//! k6 end-of-test summaries, in their three JSON shapes (formats.md §3.3–3.5), read into one
//! list of metrics with their statistics and threshold results:
//!
//! - the legacy `--summary-export` file: flat `metrics.<m>.{avg,…}`, no `type`/`contains`,
//!   threshold booleans that are `true` when the threshold FAILED;
//! - the `handleSummary(data)` object: `metrics.<m>.{type,contains,values,thresholds{ok}}`;
//! - the k6 ≥1.5 machine-readable summary: `version` + `results.metrics[]`, rates as
//!   `{matches,total,rate}`, counters without `rate`, no thresholds.

use std::path::Path;

use serde_json::{Map, Value};

use super::kind::{Contains, K6Type};
use super::selector::{MetricKey, Stat};
use crate::import::ImportError;

/// Which of k6's summary shapes a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    LegacyExport,
    HandleSummary,
    MachineReadable,
}

/// One metric or sub-metric of a summary.
#[derive(Debug, Clone)]
pub(crate) struct SummaryMetric {
    pub key: MetricKey,
    pub kind: K6Type,
    pub contains: Contains,
    /// The statistics k6 printed, in file order.
    pub stats: Vec<(Stat, f64)>,
    /// For a rate: non-zero samples (k6's "passes" / "matches") and all samples.
    pub matches_total: Option<(u64, u64)>,
    /// Threshold source text and whether it held.
    pub thresholds: Vec<(String, bool)>,
    /// The entry exists only because a threshold names it: its zeros are not measurements,
    /// only its threshold results are kept.
    pub no_samples: bool,
}

/// A parsed summary file.
#[derive(Debug, Clone)]
pub(crate) struct SummaryData {
    pub metrics: Vec<SummaryMetric>,
    pub warnings: Vec<String>,
}

/// Parses a summary file's text (`path` names it in errors).
pub(crate) fn parse(path: &Path, text: &[u8]) -> Result<SummaryData, ImportError> {
    let root: Value = serde_json::from_slice(text).map_err(|e| {
        let what = if e.is_eof() {
            "the JSON ends early (truncated file?)"
        } else {
            "not valid JSON"
        };
        ImportError::format(
            path,
            format!("{what}: {e}; expected a k6 summary (--summary-export or handleSummary JSON)"),
        )
    })?;
    let Some(obj) = root.as_object() else {
        return Err(ImportError::format(
            path,
            format!(
                "expected a JSON object (a k6 summary), found {}",
                json_kind(&root)
            ),
        ));
    };
    let shape = detect(path, obj)?;
    let mut data = SummaryData {
        metrics: Vec::new(),
        warnings: Vec::new(),
    };
    match shape {
        Shape::LegacyExport | Shape::HandleSummary => {
            let metrics = obj.get("metrics").and_then(Value::as_object);
            for (key, entry) in metrics.into_iter().flatten() {
                let field = format!("metrics.{key}");
                let entry = entry.as_object().ok_or_else(|| {
                    ImportError::field(
                        path,
                        &field,
                        format!("expected an object, found {}", json_kind(entry)),
                    )
                })?;
                let metric = if shape == Shape::LegacyExport {
                    legacy_metric(path, &field, key, entry, &mut data.warnings)?
                } else {
                    handle_summary_metric(path, &field, key, entry, &mut data.warnings)?
                };
                data.metrics.push(metric);
            }
        }
        Shape::MachineReadable => machine_readable(path, obj, &mut data)?,
    }
    group_checks(path, obj, shape, &mut data)?;
    drop_metrics_without_samples(path, &mut data);
    Ok(data)
}

/// Per-check pass rates: one rate `checks{check:<name>}` per check name, summed over the groups
/// that hold a check of that name, as k6's own sub-metric `checks{check:<name>}` counts them.
/// `--summary-export` and `handleSummary` list checks in `root_group` and its nested `groups`
/// (objects keyed by name in the first, arrays in the second); the k6 ≥ 1.5 machine-readable
/// summary in `results.checks.results`. A sub-metric of the same name that a threshold already
/// made is kept as it is.
fn group_checks(
    path: &Path,
    obj: &Map<String, Value>,
    shape: Shape,
    data: &mut SummaryData,
) -> Result<(), ImportError> {
    let mut totals: Vec<(String, u64, u64)> = Vec::new();
    if shape == Shape::MachineReadable {
        let list = obj
            .get("results")
            .and_then(|r| r.get("checks"))
            .and_then(|c| c.get("results"));
        if let Some(list) = list {
            add_checks(path, "results.checks.results", list, &mut totals)?;
        }
    } else if let Some(root) = obj.get("root_group") {
        // Every group is visited once, without recursion: a hostile file can neither loop nor
        // overflow the stack.
        let mut pending = vec![("root_group".to_string(), root)];
        while let Some((field, group)) = pending.pop() {
            let Some(group) = group.as_object() else {
                return Err(ImportError::field(
                    path,
                    &field,
                    format!("expected a group object, found {}", json_kind(group)),
                ));
            };
            if let Some(list) = group.get("checks") {
                add_checks(path, &format!("{field}.checks"), list, &mut totals)?;
            }
            if let Some(groups) = group.get("groups") {
                pending.extend(entries(path, &format!("{field}.groups"), groups)?);
            }
        }
    }
    for (name, passes, total) in totals {
        let key = MetricKey {
            name: "checks".into(),
            tags: vec![("check".into(), name)],
        };
        if total == 0 || data.metrics.iter().any(|m| m.key == key) {
            continue;
        }
        data.metrics.push(SummaryMetric {
            key,
            kind: K6Type::Rate,
            contains: Contains::Default,
            stats: vec![(Stat::Rate, passes as f64 / total as f64)],
            matches_total: Some((passes, total)),
            thresholds: Vec::new(),
            no_samples: false,
        });
    }
    Ok(())
}

/// The members of an object (keyed) or an array, each with its field path; nothing for null.
fn entries<'a>(
    path: &Path,
    field: &str,
    v: &'a Value,
) -> Result<Vec<(String, &'a Value)>, ImportError> {
    Ok(match v {
        Value::Null => Vec::new(),
        Value::Object(m) => m.iter().map(|(k, v)| (format!("{field}.{k}"), v)).collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{field}[{i}]"), v))
            .collect(),
        other => {
            return Err(ImportError::field(
                path,
                field,
                format!("expected an object or an array, found {}", json_kind(other)),
            ))
        }
    })
}

/// Adds each check of `list` (`{name, passes, fails}`) to the totals by name.
fn add_checks(
    path: &Path,
    field: &str,
    list: &Value,
    totals: &mut Vec<(String, u64, u64)>,
) -> Result<(), ImportError> {
    for (f, entry) in entries(path, field, list)? {
        let Some(check) = entry.as_object() else {
            return Err(ImportError::field(
                path,
                &f,
                format!("expected a check object, found {}", json_kind(entry)),
            ));
        };
        let Some(Value::String(name)) = check.get("name") else {
            return Err(ImportError::field(
                path,
                format!("{f}.name"),
                "expected the check's name as a string",
            ));
        };
        let (passes, total) = passes_fails(path, &f, check)?;
        match totals.iter_mut().find(|t| &t.0 == name) {
            Some(t) => {
                t.1 = t.1.saturating_add(passes);
                t.2 = t.2.saturating_add(total);
            }
            None => totals.push((name.clone(), passes, total)),
        }
    }
    Ok(())
}

fn detect(path: &Path, obj: &Map<String, Value>) -> Result<Shape, ImportError> {
    if obj.get("version").is_some_and(Value::is_string) && obj.contains_key("results") {
        return Ok(Shape::MachineReadable);
    }
    match obj.get("metrics") {
        Some(Value::Object(metrics)) => {
            let nested = metrics
                .values()
                .any(|m| m.get("values").is_some_and(Value::is_object) || m.get("type").is_some());
            Ok(if nested {
                Shape::HandleSummary
            } else {
                Shape::LegacyExport
            })
        }
        Some(other) => Err(ImportError::field(
            path,
            "metrics",
            format!(
                "expected an object of k6 metrics, found {}",
                json_kind(other)
            ),
        )),
        None => {
            let hint = if obj.contains_key("lighthouseVersion") {
                " (this is a Lighthouse report: use `import lighthouse`)".to_string()
            } else if obj.contains_key("mean") || obj.contains_key("Mean") {
                " (this looks like criterion's estimates.json: use `import criterion`)".to_string()
            } else {
                let keys: Vec<&str> = obj.keys().take(6).map(String::as_str).collect();
                format!(" (top-level keys: {})", keys.join(", "))
            };
            Err(ImportError::format(
                path,
                format!(
                    "not a k6 output: no `metrics` object, no machine-readable `version`+`results`, \
                     and not an --out json stream{hint}"
                ),
            ))
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A statistic's value: a finite number. JavaScript's `JSON.stringify` writes NaN as `null`,
/// which is not data: that stat is skipped with a warning.
fn number(
    path: &Path,
    field: &str,
    v: &Value,
    warnings: &mut Vec<String>,
) -> Result<Option<f64>, ImportError> {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(ImportError::field(path, field, "number out of range")),
        },
        Value::Null => {
            warnings.push(format!(
                "{}: `{field}` is null (k6 writes NaN as null); skipped",
                path.display()
            ));
            Ok(None)
        }
        other => Err(ImportError::field(
            path,
            field,
            format!("expected a number, found {}", json_kind(other)),
        )),
    }
}

/// A count that k6 stores as a float: must be a non-negative whole number.
fn count(path: &Path, field: &str, v: &Value) -> Result<u64, ImportError> {
    let x = v.as_f64().ok_or_else(|| {
        ImportError::field(
            path,
            field,
            format!("expected a count, found {}", json_kind(v)),
        )
    })?;
    let rounded = x.round();
    if !(0.0..9.0e15).contains(&rounded) || (x - rounded).abs() > 1e-6 {
        return Err(ImportError::field(
            path,
            field,
            format!("expected a whole non-negative count, found {x}"),
        ));
    }
    Ok(rounded as u64)
}

fn legacy_type(entry: &Map<String, Value>) -> K6Type {
    let has = |k: &str| entry.contains_key(k);
    if has("passes") || has("fails") {
        K6Type::Rate
    } else if has("count") && has("rate") {
        K6Type::Counter
    } else if has("value") && has("min") && has("max") {
        K6Type::Gauge
    } else {
        K6Type::Trend
    }
}

fn legacy_metric(
    path: &Path,
    field: &str,
    key: &str,
    entry: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Result<SummaryMetric, ImportError> {
    let parsed_key = MetricKey::parse(key);
    let kind = legacy_type(entry);
    let mut metric = SummaryMetric {
        contains: Contains::of_builtin(&parsed_key.name),
        key: parsed_key,
        kind,
        stats: Vec::new(),
        matches_total: None,
        thresholds: Vec::new(),
        no_samples: false,
    };
    for (name, v) in entry {
        let f = format!("{field}.{name}");
        match name.as_str() {
            "thresholds" => {
                let map = v.as_object().ok_or_else(|| {
                    ImportError::field(
                        path,
                        &f,
                        format!(
                            "expected an object of threshold → boolean, found {}",
                            json_kind(v)
                        ),
                    )
                })?;
                for (expr, failed) in map {
                    // The trap: in the legacy export `true` means the threshold FAILED.
                    let failed = failed.as_bool().ok_or_else(|| {
                        ImportError::field(
                            path,
                            format!("{f}.{expr}"),
                            format!(
                                "expected a boolean (true = threshold failed), found {}",
                                json_kind(failed)
                            ),
                        )
                    })?;
                    metric.thresholds.push((expr.clone(), !failed));
                }
            }
            "passes" | "fails" if kind == K6Type::Rate => {}
            // A rate's `rate` is called `value` in the export.
            "value" if kind == K6Type::Rate => {
                if let Some(x) = number(path, &f, v, warnings)? {
                    metric.stats.push((Stat::Rate, x));
                }
            }
            _ => {
                if let Some(stat) = Stat::parse(name) {
                    if let Some(x) = number(path, &f, v, warnings)? {
                        metric.stats.push((stat, x));
                    }
                }
            }
        }
    }
    if kind == K6Type::Rate {
        metric.matches_total = Some(passes_fails(path, field, entry)?);
    }
    Ok(metric)
}

fn passes_fails(
    path: &Path,
    field: &str,
    values: &Map<String, Value>,
) -> Result<(u64, u64), ImportError> {
    let get = |k: &str| -> Result<u64, ImportError> {
        match values.get(k) {
            Some(v) => count(path, &format!("{field}.{k}"), v),
            None => Err(ImportError::field(
                path,
                format!("{field}.{k}"),
                "missing: a rate metric needs `passes` and `fails`",
            )),
        }
    };
    let passes = get("passes")?;
    let fails = get("fails")?;
    Ok((passes, passes + fails))
}

fn handle_summary_metric(
    path: &Path,
    field: &str,
    key: &str,
    entry: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Result<SummaryMetric, ImportError> {
    let parsed_key = MetricKey::parse(key);
    let values = match entry.get("values") {
        Some(Value::Object(v)) => v,
        other => {
            return Err(ImportError::field(
                path,
                format!("{field}.values"),
                format!(
                    "expected an object of statistics, found {}",
                    other.map_or("nothing", json_kind)
                ),
            ))
        }
    };
    let kind = match entry.get("type") {
        Some(Value::String(t)) => K6Type::parse(t).ok_or_else(|| {
            ImportError::field(
                path,
                format!("{field}.type"),
                format!("expected counter, gauge, rate or trend, found {t:?}"),
            )
        })?,
        Some(other) => {
            return Err(ImportError::field(
                path,
                format!("{field}.type"),
                format!("expected a string, found {}", json_kind(other)),
            ))
        }
        None => legacy_type(values),
    };
    let contains = match entry.get("contains").and_then(Value::as_str) {
        Some(c) => Contains::parse(c).unwrap_or(Contains::Unknown),
        None => Contains::of_builtin(&parsed_key.name),
    };
    let mut metric = SummaryMetric {
        key: parsed_key,
        kind,
        contains,
        stats: Vec::new(),
        matches_total: None,
        thresholds: Vec::new(),
        no_samples: false,
    };
    for (name, v) in values {
        if kind == K6Type::Rate && matches!(name.as_str(), "passes" | "fails") {
            continue;
        }
        if let Some(stat) = Stat::parse(name) {
            if let Some(x) = number(path, &format!("{field}.values.{name}"), v, warnings)? {
                metric.stats.push((stat, x));
            }
        }
    }
    if kind == K6Type::Rate {
        metric.matches_total = Some(passes_fails(path, &format!("{field}.values"), values)?);
    }
    if let Some(thresholds) = entry.get("thresholds") {
        let f = format!("{field}.thresholds");
        let map = thresholds.as_object().ok_or_else(|| {
            ImportError::field(
                path,
                &f,
                format!(
                    "expected an object of threshold → {{\"ok\": bool}}, found {}",
                    json_kind(thresholds)
                ),
            )
        })?;
        for (expr, result) in map {
            let ok = result.get("ok").and_then(Value::as_bool).ok_or_else(|| {
                ImportError::field(
                    path,
                    format!("{f}.{expr}"),
                    format!(
                        "expected {{\"ok\": true|false}}, found {}",
                        json_kind(result)
                    ),
                )
            })?;
            metric.thresholds.push((expr.clone(), ok));
        }
    }
    Ok(metric)
}

fn machine_readable(
    path: &Path,
    obj: &Map<String, Value>,
    data: &mut SummaryData,
) -> Result<(), ImportError> {
    let version = obj.get("version").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("1.") {
        data.warnings.push(format!(
            "{}: machine-readable summary version {version:?}; read as 1.x (fields may be missing)",
            path.display()
        ));
    }
    // Seconds; the divisor k6 uses for counter rates, which this shape leaves out.
    let duration = obj
        .get("config")
        .and_then(|c| c.get("duration"))
        .and_then(Value::as_f64)
        .filter(|d| d.is_finite() && *d > 0.0);
    let results = obj
        .get("results")
        .and_then(Value::as_object)
        .ok_or_else(|| ImportError::field(path, "results", "expected an object with `metrics`"))?;
    let mut entries: Vec<(String, &Value)> = Vec::new();
    match results.get("metrics") {
        Some(Value::Array(list)) => entries.extend(
            list.iter()
                .enumerate()
                .map(|(i, m)| (format!("results.metrics[{i}]"), m)),
        ),
        None | Some(Value::Null) => {}
        Some(other) => {
            return Err(ImportError::field(
                path,
                "results.metrics",
                format!("expected an array, found {}", json_kind(other)),
            ))
        }
    }
    if let Some(Value::Array(list)) = results.get("checks").and_then(|c| c.get("metrics")) {
        entries.extend(
            list.iter()
                .enumerate()
                .map(|(i, m)| (format!("results.checks.metrics[{i}]"), m)),
        );
    }
    for (field, entry) in entries {
        let name = entry.get("name").and_then(Value::as_str).ok_or_else(|| {
            ImportError::field(path, format!("{field}.name"), "expected a metric name")
        })?;
        let name = match name {
            // `checks_succeeded` is the old `checks` rate under a new name; keep the id budgets use.
            "checks_succeeded" => "checks",
            // Derived from `checks` (its complement and its total): nothing new.
            "checks_failed" | "checks_total" => continue,
            other => other,
        };
        let Some(values) = entry.get("values").and_then(Value::as_object) else {
            data.warnings.push(format!(
                "{}: `{field}` ({name}) has no values; skipped",
                path.display()
            ));
            continue;
        };
        let key = MetricKey::parse(name);
        let kind = entry
            .get("type")
            .and_then(Value::as_str)
            .and_then(K6Type::parse)
            .unwrap_or_else(|| legacy_type(values));
        let contains = entry
            .get("contains")
            .and_then(Value::as_str)
            .and_then(Contains::parse)
            .unwrap_or_else(|| Contains::of_builtin(&key.name));
        let mut metric = SummaryMetric {
            key,
            kind,
            contains,
            stats: Vec::new(),
            matches_total: None,
            thresholds: Vec::new(),
            no_samples: false,
        };
        for (stat_name, v) in values {
            if matches!(stat_name.as_str(), "matches" | "total" | "passes" | "fails") {
                continue;
            }
            if let Some(stat) = Stat::parse(stat_name) {
                let f = format!("{field}.values.{stat_name}");
                if let Some(x) = number(path, &f, v, &mut data.warnings)? {
                    metric.stats.push((stat, x));
                }
            }
        }
        if kind == K6Type::Rate {
            let f = format!("{field}.values");
            metric.matches_total = Some(match (values.get("matches"), values.get("total")) {
                (Some(m), Some(t)) => {
                    let (m, t) = (
                        count(path, &format!("{f}.matches"), m)?,
                        count(path, &format!("{f}.total"), t)?,
                    );
                    if m > t {
                        return Err(ImportError::field(
                            path,
                            format!("{f}.matches"),
                            format!("{m} matches out of a total of {t}"),
                        ));
                    }
                    (m, t)
                }
                // The schema repository's example uses passes/fails; accept it too.
                _ => passes_fails(path, &f, values)?,
            });
        }
        if kind == K6Type::Counter && !metric.stats.iter().any(|(s, _)| *s == Stat::Rate) {
            let count = metric
                .stats
                .iter()
                .find(|(s, _)| *s == Stat::Count)
                .map(|x| x.1);
            if let (Some(count), Some(duration)) = (count, duration) {
                metric.stats.push((Stat::Rate, count / duration));
            }
        }
        data.metrics.push(metric);
    }
    Ok(())
}

/// k6 writes an all-zero entry for a metric that only a threshold created (no samples). Zero is
/// then not a measurement; importing it would let a budget pass on no data.
fn drop_metrics_without_samples(path: &Path, data: &mut SummaryData) {
    let mut dropped = Vec::new();
    for m in &mut data.metrics {
        let empty = match m.kind {
            K6Type::Rate => m.matches_total.is_some_and(|(_, total)| total == 0),
            K6Type::Trend => {
                let zero_count = m.stats.iter().any(|(s, v)| *s == Stat::Count && *v == 0.0);
                zero_count
                    || (!m.thresholds.is_empty()
                        && !m.stats.is_empty()
                        && m.stats.iter().all(|(_, v)| *v == 0.0))
            }
            K6Type::Counter | K6Type::Gauge => false,
        };
        if empty {
            dropped.push(m.key.to_string());
            m.no_samples = true;
            m.stats.clear();
        }
    }
    if !dropped.is_empty() {
        data.warnings.push(format!(
            "{}: {} received no samples (k6 writes zeros for a threshold on an empty metric); only threshold results imported: {}",
            path.display(),
            if dropped.len() == 1 { "a metric" } else { "metrics" },
            dropped.join(", ")
        ));
    }
}
