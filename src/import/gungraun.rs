//! gungraun (formerly iai-callgrind) importer: the `summary.json` files its runner writes with
//! `--save-summary` (or `GUNGRAUN_SAVE_SUMMARY` / `IAI_CALLGRIND_SAVE_SUMMARY`), one per
//! benchmark, under `target/gungraun` (`target/iai` for iai-callgrind).
//!
//! Every event of every tool in a summary becomes a metric
//! `gungraun/<module path…>/<function>[/<id>]/<event>`: Callgrind's events by their own name
//! (`Ir`, `EstimatedCycles`, `L1hits` …); Cachegrind's the same way when Callgrind did not run
//! (the `cachegrind` feature makes it the default tool), else under `cachegrind/`; the other
//! tools' metrics under the tool's name (`dhat/TotalBytes`, `memcheck/Errors`). Counts are
//! exact, single values (no samples: one run of a deterministic measurement), lower is better;
//! hit rates are fractions, higher is better. Only the current run's value is read: gungraun
//! keeps the previous run's (`old`, or `Right` in iai-callgrind's summaries) beside it, which is
//! never imported.
//!
//! Summary schemas read: gungraun 0.20 (`"version": "7"`: `profiles[].data.total.metrics`,
//! `{"new": …, "old": …}`), iai-callgrind 0.15–0.16 (`"4"`–`"6"`:
//! `profiles[].summaries.total.summary.<Tool>`, `{"Left"|"Right"|"Both": …}`) and iai-callgrind
//! 0.14 and older (`"1"`–`"3"`: `callgrind_summary.callgrind_run.total.summary` and
//! `tool_summaries[].summaries.total.<Tool>Summary`). See docs/harnesses.md.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ImportError;
use crate::model::input_file::read_document;
use crate::model::{Direction, Metric, ResultsFile, Unit};

/// The file name gungraun and iai-callgrind give every benchmark's summary.
pub const SUMMARY_FILE: &str = "summary.json";

/// Events of Callgrind's and Cachegrind's cache simulation: they depend on where code and data
/// land in memory, so a rebuild of unchanged code can move them by a few misses.
const CACHE_SIM_EVENTS: &[&str] = &[
    "I1mr",
    "D1mr",
    "D1mw",
    "ILmr",
    "DLmr",
    "DLmw",
    "I1MissRate",
    "LLiMissRate",
    "D1MissRate",
    "LLdMissRate",
    "LLMissRate",
    "L1hits",
    "LLhits",
    "RamHits",
    "L1HitRate",
    "LLHitRate",
    "RamHitRate",
    "EstimatedCycles",
    "ILdmr",
    "DLdmr",
    "DLdmw",
    "AcCost1",
    "AcCost2",
    "SpLoss1",
    "SpLoss2",
    "Bcm",
    "Bim",
];

/// What one summary file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The benchmark's metrics.
    pub metrics: Vec<Metric>,
    /// What the user should know (events only the previous run had).
    pub warnings: Vec<String>,
}

/// Imports every `summary.json` under `path` (a directory such as `target/gungraun`, or one
/// summary file). Metric ids are unique across the files; two summaries of one benchmark (a
/// stale copy) are an error naming both.
pub fn import(path: &Path) -> Result<ResultsFile, ImportError> {
    let files = summary_files(path)?;
    if files.is_empty() {
        return Err(ImportError::Nothing(format!(
            "{}: no {SUMMARY_FILE} found; run the benches with `--save-summary` (or GUNGRAUN_SAVE_SUMMARY=json, IAI_CALLGRIND_SAVE_SUMMARY=json for iai-callgrind) and import target/gungraun (target/iai)",
            path.display()
        )));
    }
    let mut results = ResultsFile::new();
    let mut owners: HashMap<String, PathBuf> = HashMap::new();
    let mut cache_sim = false;
    for file in &files {
        let bytes = read_document(file).map_err(|e| ImportError::io(file, e))?;
        let summary = parse_summary(&bytes, file)?;
        for metric in summary.metrics {
            if let Some(other) = owners.get(&metric.id) {
                return Err(ImportError::format(
                    file,
                    format!(
                        "metric {:?} also comes from {}; each benchmark has one summary, so one of these is stale or was copied in (import the directories separately)",
                        metric.id,
                        other.display()
                    ),
                ));
            }
            cache_sim |= is_cache_sim(&metric.id);
            owners.insert(metric.id.clone(), file.clone());
            // Counts outside the cache and branch simulations are reproduced exactly by the
            // same code and inputs (docs/harnesses.md: 0 movement between runs and builds).
            let mut metric = metric;
            metric.exact = !is_cache_sim(&metric.id) && metric.unit != Unit::Fraction;
            results.metrics.push(metric);
        }
        results.warnings.extend(summary.warnings);
    }
    if cache_sim {
        results.warnings.push(
            "gungraun: cache-simulation events (misses, hits, hit rates, EstimatedCycles) can move by a few counts on unchanged code when the code or data layout shifts; budget instructions (`gungraun/**/Ir`) for a gate that does not cry wolf".into(),
        );
    }
    results.metrics.sort_by(|a, b| a.id.cmp(&b.id));
    ImportError::check_output(results, path)
}

/// Whether a gungraun metric id names a cache-simulation event.
fn is_cache_sim(id: &str) -> bool {
    id.rsplit('/')
        .next()
        .is_some_and(|event| CACHE_SIM_EVENTS.contains(&event))
}

/// The summary files under `path`, in name order; `path` itself when it is a file.
fn summary_files(path: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let meta = std::fs::metadata(path).map_err(|e| ImportError::io(path, e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(path).follow_links(false) {
        let entry = entry.map_err(|e| {
            let at = e.path().unwrap_or(path).to_path_buf();
            ImportError::io(&at, e.into())
        })?;
        if entry.file_type().is_file() && entry.file_name() == SUMMARY_FILE {
            files.push(entry.into_path());
        }
    }
    files.sort();
    Ok(files)
}

/// Parses one summary file's bytes; `origin` names it in errors.
pub fn parse_summary(bytes: &[u8], origin: &Path) -> Result<Summary, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ImportError::format(
            origin,
            format!(
                "not UTF-8 text (invalid byte at offset {}); expected a gungraun summary.json",
                e.valid_up_to()
            ),
        )
    })?;
    let root: Value = serde_json::from_str(text).map_err(|e| {
        ImportError::format(
            origin,
            format!("not a gungraun summary (truncated or not JSON?): {e}"),
        )
    })?;
    let root = root.as_object().ok_or_else(|| {
        ImportError::format(
            origin,
            "not a gungraun summary: expected a JSON object with `version`, `module_path` and `profiles`",
        )
    })?;
    let reader = Reader { origin };
    let version = reader.string(root, "version", "version")?;
    let base = reader.benchmark_path(root)?;
    let mut found = Found::default();
    if let Some(profiles) = root.get("profiles") {
        let profiles = profiles
            .as_array()
            .ok_or_else(|| reader.bad("profiles", "expected an array of profiles"))?;
        for (i, profile) in profiles.iter().enumerate() {
            reader.profile(profile, &format!("profiles[{i}]"), &mut found)?;
        }
    } else if root.contains_key("callgrind_summary") || root.contains_key("tool_summaries") {
        reader.legacy(root, &mut found)?;
    } else {
        return Err(reader.bad(
            "profiles",
            format!("missing; a gungraun summary (version {version:?}) lists its tool runs there (iai-callgrind ≤ 0.14: `callgrind_summary`)"),
        ));
    }
    let has_callgrind = found.tables.iter().any(|t| t.tool == "callgrind");
    let mut metrics: Vec<Metric> = Vec::new();
    let mut warnings = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for table in found.tables {
        let prefix = match table.tool.as_str() {
            "callgrind" => String::new(),
            "cachegrind" if !has_callgrind => String::new(),
            other => format!("{other}/"),
        };
        for entry in table.entries {
            let id = format!("{base}/{prefix}{}", entry.name);
            if !seen.insert(id.clone()) {
                return Err(ImportError::format(
                    origin,
                    format!(
                        "{id}: two tool runs of `{}` report this event; expected one",
                        table.tool
                    ),
                ));
            }
            match entry.current {
                Some(value) => {
                    let (unit, direction, value) = event_unit(&entry.name, value);
                    if unit == Unit::Fraction && value > 1.0 {
                        return Err(ImportError::format(
                            origin,
                            format!("{id}: {} % is not a rate (0–100 %)", value * 100.0),
                        ));
                    }
                    metrics.push(Metric::new(id, unit, direction, value));
                }
                None => warnings.push(format!(
                    "{}: {id}: only the previous run has this event (the current run did not record it); left out",
                    origin.display()
                )),
            }
        }
    }
    Ok(Summary { metrics, warnings })
}

/// The unit and direction of an event, and its value in that unit.
fn event_unit(name: &str, value: f64) -> (Unit, Direction, f64) {
    if name.ends_with("HitRate") {
        (Unit::Fraction, Direction::Higher, value / 100.0)
    } else if name.ends_with("MissRate") {
        (Unit::Fraction, Direction::Lower, value / 100.0)
    } else if name.ends_with("Bytes") {
        (Unit::Bytes, Direction::Lower, value)
    } else if matches!(name, "SysTime" | "SysCpuTime") {
        (Unit::Unitless, Direction::Lower, value)
    } else {
        (Unit::Count, Direction::Lower, value)
    }
}

/// The metric tables of one summary, by tool.
#[derive(Default)]
struct Found {
    tables: Vec<Table>,
}

struct Table {
    /// Lower-case tool name (`callgrind`, `dhat`, `memcheck` …).
    tool: String,
    entries: Vec<Entry>,
}

struct Entry {
    name: String,
    /// The current run's value; `None` when only the previous run has the event.
    current: Option<f64>,
}

/// Field access with errors that name the file and the field's path.
struct Reader<'a> {
    origin: &'a Path,
}

impl Reader<'_> {
    fn bad(&self, field: impl Into<String>, message: impl Into<String>) -> ImportError {
        ImportError::field(self.origin, field, message)
    }

    fn string<'v>(
        &self,
        object: &'v Map<String, Value>,
        key: &str,
        field: &str,
    ) -> Result<&'v str, ImportError> {
        match object.get(key) {
            Some(Value::String(s)) => Ok(s),
            Some(other) => {
                Err(self.bad(field, format!("expected a string, found {}", kind(other))))
            }
            None => Err(self.bad(field, "missing")),
        }
    }

    fn object<'v>(
        &self,
        value: &'v Value,
        field: &str,
    ) -> Result<&'v Map<String, Value>, ImportError> {
        value
            .as_object()
            .ok_or_else(|| self.bad(field, format!("expected an object, found {}", kind(value))))
    }

    fn get<'v>(
        &self,
        object: &'v Map<String, Value>,
        key: &str,
        field: &str,
    ) -> Result<&'v Value, ImportError> {
        object
            .get(key)
            .ok_or_else(|| self.bad(format!("{field}.{key}").trim_start_matches('.'), "missing"))
    }

    /// `gungraun/<module path…>/<function>[/<id>]`, from `module_path`, `function_name`, `id`.
    fn benchmark_path(&self, root: &Map<String, Value>) -> Result<String, ImportError> {
        let module = self.string(root, "module_path", "module_path")?;
        let function = self.string(root, "function_name", "function_name")?;
        let id = match root.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => {
                return Err(self.bad(
                    "id",
                    format!("expected a string or null, found {}", kind(other)),
                ))
            }
        };
        let mut parts: Vec<&str> = module.split("::").filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return Err(self.bad(
                "module_path",
                "empty; expected `bench_file::group::function`",
            ));
        }
        if function.is_empty() {
            return Err(self.bad("function_name", "empty"));
        }
        if parts.last() != Some(&function) {
            parts.push(function);
        }
        if let Some(id) = id.filter(|s| !s.is_empty()) {
            parts.push(id);
        }
        Ok(format!("gungraun/{}", parts.join("/")))
    }

    /// One entry of `profiles` (gungraun 0.20, iai-callgrind 0.15–0.16).
    fn profile(&self, profile: &Value, field: &str, found: &mut Found) -> Result<(), ImportError> {
        let profile = self.object(profile, field)?;
        let tool = self.string(profile, "tool", &format!("{field}.tool"))?;
        // gungraun 0.20 keeps the run in `data.total.metrics`; iai-callgrind 0.15–0.16 in
        // `summaries.total.summary`, wrapped in the tool's name.
        if let Some(data) = profile.get("data") {
            let data_field = format!("{field}.data");
            let total = self.get(self.object(data, &data_field)?, "total", &data_field)?;
            let total_field = format!("{data_field}.total");
            let metrics = self.get(self.object(total, &total_field)?, "metrics", &total_field)?;
            let metrics_field = format!("{total_field}.metrics");
            let table = self.metric_table(self.object(metrics, &metrics_field)?, &metrics_field)?;
            found.tables.push(Table {
                tool: tool.to_ascii_lowercase(),
                entries: table,
            });
            return Ok(());
        }
        let summaries_field = format!("{field}.summaries");
        let summaries = self.get(profile, "summaries", field).map_err(|_| {
            self.bad(
                format!("{field}.data"),
                "missing (and no `summaries`): expected the tool run's data",
            )
        })?;
        let total = self.get(
            self.object(summaries, &summaries_field)?,
            "total",
            &summaries_field,
        )?;
        let total_field = format!("{summaries_field}.total");
        let summary = self.get(self.object(total, &total_field)?, "summary", &total_field)?;
        self.wrapped(summary, &format!("{total_field}.summary"), tool, found)
    }

    /// A tool's metrics wrapped in its variant name (`{"Callgrind": {…}}`,
    /// `{"CallgrindSummary": {…}}`) or `"None"` (Massif, BBV: no metrics).
    fn wrapped(
        &self,
        value: &Value,
        field: &str,
        tool: &str,
        found: &mut Found,
    ) -> Result<(), ImportError> {
        if value.as_str() == Some("None") {
            return Ok(());
        }
        let object = self.object(value, field)?;
        let mut entries = object.iter();
        let (Some((variant, inner)), None) = (entries.next(), entries.next()) else {
            return Err(self.bad(
                field,
                "expected one tool's metrics, as {\"Callgrind\": {…}} or \"None\"",
            ));
        };
        let inner_field = format!("{field}.{variant}");
        let table = self.metric_table(self.object(inner, &inner_field)?, &inner_field)?;
        let name = variant.strip_suffix("Summary").unwrap_or(variant);
        // Error-reporting tools share one variant (`ErrorTool`, `ErrorSummary`): the profile's
        // own tool name says which ran.
        let tool = if matches!(name, "ErrorTool" | "Error") {
            tool
        } else {
            name
        };
        found.tables.push(Table {
            tool: tool.to_ascii_lowercase(),
            entries: table,
        });
        Ok(())
    }

    /// iai-callgrind ≤ 0.14: `callgrind_summary` and `tool_summaries`.
    fn legacy(&self, root: &Map<String, Value>, found: &mut Found) -> Result<(), ImportError> {
        match root.get("callgrind_summary") {
            None | Some(Value::Null) => {}
            Some(summary) => {
                let field = "callgrind_summary";
                let run = self.get(self.object(summary, field)?, "callgrind_run", field)?;
                let run_field = "callgrind_summary.callgrind_run";
                let total = self.get(self.object(run, run_field)?, "total", run_field)?;
                let total_field = format!("{run_field}.total");
                let table = self.get(self.object(total, &total_field)?, "summary", &total_field)?;
                let table_field = format!("{total_field}.summary");
                let entries = self.metric_table(self.object(table, &table_field)?, &table_field)?;
                found.tables.push(Table {
                    tool: "callgrind".into(),
                    entries,
                });
            }
        }
        if let Some(tools) = root.get("tool_summaries") {
            let tools = tools
                .as_array()
                .ok_or_else(|| self.bad("tool_summaries", "expected an array"))?;
            for (i, t) in tools.iter().enumerate() {
                let field = format!("tool_summaries[{i}]");
                let t = self.object(t, &field)?;
                let tool = self.string(t, "tool", &format!("{field}.tool"))?;
                let summaries = self.get(t, "summaries", &field)?;
                let summaries_field = format!("{field}.summaries");
                let total = self.get(
                    self.object(summaries, &summaries_field)?,
                    "total",
                    &summaries_field,
                )?;
                let total_field = format!("{summaries_field}.total");
                // v3 wraps the total once more in `{summary, regressions}`.
                let total = match total.as_object().and_then(|o| o.get("summary")) {
                    Some(inner) => inner,
                    None => total,
                };
                self.wrapped(total, &total_field, tool, found)?;
            }
        }
        Ok(())
    }

    /// The events of one tool run: `name → {values: {new, old}}` (gungraun) or
    /// `name → {metrics: {Left|Right|Both}}` (iai-callgrind).
    fn metric_table(
        &self,
        table: &Map<String, Value>,
        field: &str,
    ) -> Result<Vec<Entry>, ImportError> {
        let mut entries = Vec::with_capacity(table.len());
        for (name, value) in table {
            let field = format!("{field}.{name}");
            if name.is_empty() || name.contains('/') {
                return Err(self.bad(&field, "expected an event name (`Ir`, `TotalBytes` …)"));
            }
            let object = self.object(value, &field)?;
            let current = if let Some(values) = object.get("values") {
                self.new_old(values, &format!("{field}.values"))?
            } else if let Some(metrics) = object.get("metrics") {
                self.left_right(metrics, &format!("{field}.metrics"))?
            } else {
                return Err(self.bad(
                    &field,
                    "expected `values` (gungraun) or `metrics` (iai-callgrind) with the run's count",
                ));
            };
            entries.push(Entry {
                name: name.clone(),
                current,
            });
        }
        Ok(entries)
    }

    /// gungraun's `{"new": n, "old": n}`: the current run is `new`.
    fn new_old(&self, values: &Value, field: &str) -> Result<Option<f64>, ImportError> {
        let object = self.object(values, field)?;
        match object.get("new") {
            Some(v) => self.number(v, &format!("{field}.new")).map(Some),
            None if object.contains_key("old") => Ok(None),
            None => Err(self.bad(field, "expected `new` and/or `old`")),
        }
    }

    /// iai-callgrind's `{"Left": n}`, `{"Right": n}` or `{"Both": [new, old]}`: the current run
    /// is on the left.
    fn left_right(&self, metrics: &Value, field: &str) -> Result<Option<f64>, ImportError> {
        let object = self.object(metrics, field)?;
        if let Some(v) = object.get("Left") {
            return self.number(v, &format!("{field}.Left")).map(Some);
        }
        if let Some(both) = object.get("Both") {
            let pair = both
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or_else(|| self.bad(format!("{field}.Both"), "expected [new, old]"))?;
            return self.number(&pair[0], &format!("{field}.Both[0]")).map(Some);
        }
        if object.contains_key("Right") {
            return Ok(None);
        }
        Err(self.bad(field, "expected `Left`, `Right` or `Both`"))
    }

    /// A count or rate: a non-negative finite number, or perf's `{"value": n, …}`.
    fn number(&self, value: &Value, field: &str) -> Result<f64, ImportError> {
        let (v, field) = match value {
            Value::Object(o) => match o.get("value") {
                Some(v) => (v, format!("{field}.value")),
                None => return Err(self.bad(field, "expected a number or {\"value\": number}")),
            },
            other => (other, field.to_string()),
        };
        match v.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 => Ok(n),
            Some(n) => Err(self.bad(
                &field,
                format!("{n} is not a count (negative or not finite)"),
            )),
            None => Err(self.bad(&field, format!("expected a number, found {}", kind(v)))),
        }
    }
}

/// What a JSON value is, for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
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

    fn parse(text: &str) -> Result<Summary, ImportError> {
        parse_summary(text.as_bytes(), Path::new("summary.json"))
    }

    fn gungraun(metrics: &str, id: &str) -> String {
        format!(
            r#"{{"version": "7", "kind": "LibraryBenchmark", "module_path": "benches::group::bench_fn",
              "function_name": "bench_fn", "id": {id},
              "profiles": [{{"tool": "Callgrind", "data": {{"parts": [], "total": {{"metrics": {metrics}, "regressions": []}}}}}}]}}"#
        )
    }

    #[test]
    fn reads_the_new_value_never_the_old() {
        let s = parse(&gungraun(
            r#"{"Ir": {"values": {"new": 1200, "old": 1000}, "change": {"diff_pct": 20.0, "factor": 1.2}},
                "L1HitRate": {"values": {"new": 99.5}}, "Dr": {"values": {"old": 5}}}"#,
            r#""small""#,
        ))
        .unwrap();
        let ir = &s.metrics[0];
        assert_eq!(ir.id, "gungraun/benches/group/bench_fn/small/Ir");
        assert_eq!(
            (ir.value, ir.unit, ir.direction),
            (1200.0, Unit::Count, Direction::Lower)
        );
        assert!(ir.samples.is_empty());
        let rate = &s.metrics[1];
        assert_eq!(
            (rate.unit, rate.direction),
            (Unit::Fraction, Direction::Higher)
        );
        assert!((rate.value - 0.995).abs() < 1e-12);
        assert_eq!(
            s.metrics.len(),
            2,
            "an event only the old run has is left out"
        );
        assert!(
            s.warnings[0].contains("only the previous run"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn iai_callgrind_shapes_read_the_left_side() {
        let v6 = r#"{"version": "6", "module_path": "b::g::f", "function_name": "f", "id": null,
            "profiles": [
              {"tool": "Callgrind", "summaries": {"parts": [], "total": {"summary": {"Callgrind": {"Ir": {"metrics": {"Both": [7, 9]}, "diffs": null}}}, "regressions": []}}},
              {"tool": "DHAT", "summaries": {"parts": [], "total": {"summary": {"Dhat": {"TotalBytes": {"metrics": {"Left": 64}}}}, "regressions": []}}},
              {"tool": "Memcheck", "summaries": {"parts": [], "total": {"summary": {"ErrorTool": {"Errors": {"metrics": {"Left": 0}}}}, "regressions": []}}},
              {"tool": "Massif", "summaries": {"parts": [], "total": {"summary": "None", "regressions": []}}}]}"#;
        let s = parse(v6).unwrap();
        let ids: Vec<(&str, f64)> = s.metrics.iter().map(|m| (m.id.as_str(), m.value)).collect();
        assert_eq!(
            ids,
            [
                ("gungraun/b/g/f/Ir", 7.0),
                ("gungraun/b/g/f/dhat/TotalBytes", 64.0),
                ("gungraun/b/g/f/memcheck/Errors", 0.0)
            ]
        );
        assert_eq!(s.metrics[1].unit, Unit::Bytes);
        let v3 = r#"{"version": "3", "module_path": "b::g::f", "function_name": "f", "id": "x",
            "callgrind_summary": {"callgrind_run": {"segments": [], "total": {"summary": {"Ir": {"metrics": {"Both": [11, 10]}}, "EstimatedCycles": {"metrics": {"Left": 20}}}, "regressions": []}}},
            "tool_summaries": [{"tool": "DHAT", "log_paths": [], "out_paths": [], "summaries": {"segments": [], "total": {"DhatSummary": {"TotalBlocks": {"metrics": {"Left": 3}}}}}}]}"#;
        let s = parse(v3).unwrap();
        let ids: Vec<(&str, f64)> = s.metrics.iter().map(|m| (m.id.as_str(), m.value)).collect();
        assert_eq!(
            ids,
            [
                ("gungraun/b/g/f/x/EstimatedCycles", 20.0),
                ("gungraun/b/g/f/x/Ir", 11.0),
                ("gungraun/b/g/f/x/dhat/TotalBlocks", 3.0)
            ]
        );
    }

    #[test]
    fn damaged_summaries_name_the_file_and_field() {
        let cases = [
            (
                r#"{"version": "7", "module_path": "a::b"#.to_string(),
                "truncated",
            ),
            ("[]".to_string(), "JSON object"),
            (
                gungraun(r#"{"Ir": {"values": {"new": -3}}}"#, "null"),
                "metrics.Ir.values.new",
            ),
            (
                gungraun(r#"{"Ir": {"values": {"new": "12"}}}"#, "null"),
                "expected a number",
            ),
            (
                gungraun(r#"{"Ir": {"values": {}}}"#, "null"),
                "`new` and/or `old`",
            ),
            (gungraun(r#"{"Ir": 5}"#, "null"), "expected an object"),
            (gungraun("{}", "7"), "`id`"),
            (
                r#"{"version": "7", "module_path": "a::f", "function_name": "f"}"#.to_string(),
                "`profiles`",
            ),
        ];
        for (text, says) in cases {
            let err = parse(&text).unwrap_err().to_string();
            assert!(
                err.contains("summary.json") && err.contains(says),
                "{says}: {err}"
            );
        }
    }
}
