//! k6 importer: end-of-test summaries (`--summary-export`, `handleSummary` data, the k6 ≥1.5
//! machine-readable summary) and the `--out json` NDJSON stream, recognised by content, into
//! metrics `k6/<name>/<metric>[{tag:value}]/<stat>` (the ids the README lists under "Metric
//! ids") plus k6's own threshold results.
//!
//! A summary and a stream of the same run may be given together: the numbers k6 printed stay
//! the summary's, and the stream adds what the summary cannot give: 10 s window statistics as
//! samples (per-request latencies are autocorrelated, so single requests are never treated as
//! independent samples), percentiles the summary lacks (`p(99)` …), and sub-metrics named by
//! thresholds or by the caller. Damaged stream lines are skipped with a warning; everything
//! else that is wrong is an [`ImportError`] naming the file and the field.

mod kind;
mod line;
mod selector;
mod sketch;
mod stream;
mod summary;
pub mod synthetic;

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use globset::GlobMatcher;

use self::kind::{direction_for, failures, unit_for, Contains, K6Type};
use self::selector::{default_trend_stats, parse_wanted, threshold_stat, MetricKey, Stat};
use self::stream::{Computed, StreamData, StreamPlan};
use self::summary::{SummaryData, SummaryMetric};
use super::ImportError;
use crate::model::input_file::{open_stream, CappedReader, MAX_DOCUMENT_BYTES, MAX_STREAM_BYTES};
use crate::model::{Metric, Proportion, ResultsFile, SampleKind, ToolThreshold};

/// Bytes read to recognise a file.
const SNIFF: u64 = 64 << 10;
/// A summary is read whole, like every JSON document; nothing k6 writes comes near this.
const MAX_SUMMARY: u64 = MAX_DOCUMENT_BYTES;
/// Relative difference above which a summary and a stream are reported as disagreeing.
const AGREEMENT: f64 = 1e-3;

/// Imports k6 outputs (summary export, handleSummary JSON, NDJSON stream; recognised by
/// content) under the label `name`. At most one summary and one stream, of the same run.
/// The stream yields every trend untagged, the sub-metrics its thresholds or the summary name,
/// and the statistics thresholds name, besides k6's default ones.
pub fn import(files: &[PathBuf], name: &str) -> Result<ResultsFile, ImportError> {
    import_with(files, name, &[])
}

/// Like [`import`], and also computes what `wanted` names from the stream. Each entry is a
/// metric id or selector, `[k6/<name>/]<metric>[{tag:value,…}][/<stat>]`
/// (`k6/api/http_req_duration{name:slow}/p(99)`, `http_req_duration{status:500}`,
/// `http_req_duration/p(99.9)`); without a stat, k6's default trend statistics. Entries for
/// other sources or labels are ignored. A glob (`k6/api/*/p(99)`) adds its literal statistic
/// to every series whose id it matches; it cannot create tag filters.
pub fn import_with(
    files: &[PathBuf],
    name: &str,
    wanted: &[String],
) -> Result<ResultsFile, ImportError> {
    import_with_exact_limit(files, name, wanted, None)
}

/// [`import_with`] keeping at most `exact_limit` trend values of the stream exactly before
/// sketching (default: 8 Mi values). For benchmarks and tests of both paths on small streams.
#[doc(hidden)]
pub fn import_with_exact_limit(
    files: &[PathBuf],
    name: &str,
    wanted: &[String],
    exact_limit: Option<usize>,
) -> Result<ResultsFile, ImportError> {
    let inputs = files
        .iter()
        .map(|path| {
            let file = open_stream(path, MAX_STREAM_BYTES).map_err(|e| match e.kind() {
                std::io::ErrorKind::IsADirectory => ImportError::format(
                    path,
                    "is a directory; expected a k6 summary JSON or --out json stream file",
                ),
                _ => ImportError::io(path, e),
            })?;
            Ok((path.clone(), Box::new(file) as Box<dyn Read>))
        })
        .collect::<Result<Vec<_>, _>>()?;
    import_inputs(inputs, name, wanted, exact_limit)
}

/// Imports one k6 output held in memory; `origin` names it in messages. For fuzzing and tests.
pub fn import_bytes(origin: &Path, bytes: &[u8], name: &str) -> Result<ResultsFile, ImportError> {
    import_inputs(
        vec![(origin.to_path_buf(), Box::new(bytes) as Box<dyn Read + '_>)],
        name,
        &[],
        None,
    )
}

/// A file opened, decompressed if gzip, with its first bytes read to tell what it is.
struct Sniffed<'a> {
    path: PathBuf,
    prefix: Vec<u8>,
    rest: Box<dyn Read + 'a>,
}

impl<'a> Sniffed<'a> {
    fn reader(self) -> impl Read + 'a {
        Cursor::new(self.prefix).chain(self.rest)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Summary,
    Stream,
}

fn read_prefix(path: &Path, r: &mut dyn Read) -> Result<Vec<u8>, ImportError> {
    let mut prefix = Vec::new();
    r.take(SNIFF)
        .read_to_end(&mut prefix)
        .map_err(|e| ImportError::io(path, e))?;
    Ok(prefix)
}

fn sniff<'a>(path: PathBuf, mut rest: Box<dyn Read + 'a>) -> Result<Sniffed<'a>, ImportError> {
    let mut prefix = read_prefix(&path, &mut rest)?;
    if prefix.starts_with(&[0x1f, 0x8b]) {
        // `--out json=file.gz`: k6 gzips the stream when the name ends in .gz.
        // The cap holds for what the stream decompresses to, too (a small file can inflate to
        // any size).
        let mut gz: Box<dyn Read + 'a> = Box::new(CappedReader::new(
            flate2::read::MultiGzDecoder::new(Cursor::new(prefix).chain(rest)),
            MAX_STREAM_BYTES,
        ));
        prefix = read_prefix(&path, &mut gz)?;
        rest = gz;
    }
    Ok(Sniffed { path, prefix, rest })
}

fn classify(s: &Sniffed<'_>) -> Result<FileKind, ImportError> {
    let text = s.prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&s.prefix);
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(ImportError::format(
            &s.path,
            "empty file; expected a k6 summary JSON or an --out json stream",
        ));
    };
    let text = &text[start..];
    if text[0] != b'{' {
        let shown = String::from_utf8_lossy(&text[..text.len().min(24)]).into_owned();
        return Err(ImportError::format(
            &s.path,
            format!("not a k6 output: expected a JSON object, found {shown:?}…"),
        ));
    }
    let first_line = &text[..memchr::memchr(b'\n', text).unwrap_or(text.len())];
    let has = |needle: &[u8]| memchr::memmem::find(first_line, needle).is_some();
    let compact_k6 = has(br#""type":"Point""#) || has(br#""type":"Metric""#);
    let spaced_k6 = serde_json::from_slice::<serde_json::Value>(first_line)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string))
        .is_some_and(|t| t == "Point" || t == "Metric");
    Ok(if compact_k6 || spaced_k6 {
        FileKind::Stream
    } else {
        FileKind::Summary
    })
}

fn import_inputs<'a>(
    inputs: Vec<(PathBuf, Box<dyn Read + 'a>)>,
    name: &str,
    wanted: &[String],
    exact_limit: Option<usize>,
) -> Result<ResultsFile, ImportError> {
    if name.is_empty() || name.contains('/') || name.trim() != name {
        return Err(ImportError::Nothing(format!(
            "k6 label {name:?}: expected a non-empty name without `/` or surrounding spaces (it becomes part of metric ids k6/<name>/…)"
        )));
    }
    if inputs.is_empty() {
        return Err(ImportError::Nothing(format!(
            "k6 `{name}`: no files given; expected a summary JSON and/or an --out json stream"
        )));
    }
    let (summary_file, stream_file) = summary_and_stream(inputs, name)?;
    let mut warnings = Vec::new();
    let summary = summary_file
        .map(|s| read_summary(s, &mut warnings))
        .transpose()?;
    let request = Request::new(name, wanted);
    let plan = stream_plan(summary.as_ref().map(|(_, d)| d), &request, exact_limit);
    let stream = stream_file
        .map(|s| read_stream(s, &plan, &mut warnings))
        .transpose()?;

    let mut assembly = Assembly {
        name,
        request: &request,
        metrics: Vec::new(),
        thresholds: Vec::new(),
        warnings,
        mismatches: Vec::new(),
        unknown_units: Vec::new(),
        ids: HashSet::new(),
    };
    let origin = stream
        .as_ref()
        .map(|(p, _)| p.clone())
        .or_else(|| summary.as_ref().map(|(p, _)| p.clone()))
        .unwrap_or_default();
    assembly.build(summary.as_ref(), stream);
    ImportError::check_output(assembly.finish(), &origin)
}

/// Tells the given files apart by their first bytes: at most one summary and one stream, of one
/// run.
fn summary_and_stream<'a>(
    inputs: Vec<(PathBuf, Box<dyn Read + 'a>)>,
    name: &str,
) -> Result<(Option<Sniffed<'a>>, Option<Sniffed<'a>>), ImportError> {
    let mut summary_file: Option<Sniffed<'a>> = None;
    let mut stream_file: Option<Sniffed<'a>> = None;
    for (path, reader) in inputs {
        let sniffed = sniff(path, reader)?;
        let kind = classify(&sniffed)?;
        let (slot, what) = match kind {
            FileKind::Summary => (&mut summary_file, "summary"),
            FileKind::Stream => (&mut stream_file, "--out json stream"),
        };
        if let Some(previous) = slot {
            return Err(ImportError::format(
                &sniffed.path,
                format!(
                    "a second k6 {what} for `{name}` (the first is {}); give one summary and/or one stream of one run, and import other runs separately",
                    previous.path.display()
                ),
            ));
        }
        *slot = Some(sniffed);
    }
    Ok((summary_file, stream_file))
}

/// Reads and parses a summary (at most [`MAX_SUMMARY`] bytes); its warnings join `warnings`.
fn read_summary(
    s: Sniffed<'_>,
    warnings: &mut Vec<String>,
) -> Result<(PathBuf, SummaryData), ImportError> {
    let path = s.path.clone();
    let mut text = Vec::new();
    s.reader()
        .take(MAX_SUMMARY + 1)
        .read_to_end(&mut text)
        .map_err(|e| ImportError::io(&path, e))?;
    if text.len() as u64 > MAX_SUMMARY {
        return Err(ImportError::format(
            &path,
            format!(
                "larger than {} MiB, the most read for a JSON document: not a k6 summary",
                MAX_SUMMARY >> 20
            ),
        ));
    }
    let data = summary::parse(&path, &text)?;
    warnings.extend(data.warnings.iter().cloned());
    Ok((path, data))
}

/// What the stream must compute: every sub-metric the summary or the request names, and the
/// metric types the summary already knows.
fn stream_plan(
    summary: Option<&SummaryData>,
    request: &Request,
    exact_limit: Option<usize>,
) -> StreamPlan {
    let mut plan = StreamPlan {
        exact_limit,
        ..StreamPlan::default()
    };
    for m in summary.iter().flat_map(|data| &data.metrics) {
        plan.add_sub(&m.key);
        plan.known_types
            .entry(m.key.name.clone())
            .or_insert((m.kind, m.contains));
    }
    for w in &request.exact {
        plan.add_sub(&w.0);
    }
    plan
}

/// Reads an `--out json` stream under `plan`; damaged lines, sketched percentiles and foreign
/// lines are said in `warnings`, and a stream with no valid line is an error.
fn read_stream(
    s: Sniffed<'_>,
    plan: &StreamPlan,
    warnings: &mut Vec<String>,
) -> Result<(PathBuf, StreamData), ImportError> {
    let path = s.path.clone();
    let data = stream::read(s.reader(), &path, plan)?;
    if data.points == 0 && data.metrics.is_empty() {
        let first = data
            .damage
            .examples
            .first()
            .map(|(line, why)| format!("; line {line}: {why}"))
            .unwrap_or_default();
        return Err(ImportError::format(
            &path,
            format!(
                "no valid k6 --out json line ({} damaged){first}",
                data.damage.count
            ),
        ));
    }
    if data.damage.count > 0 {
        let examples: Vec<String> = data
            .damage
            .examples
            .iter()
            .map(|(line, why)| format!("line {line}: {why}"))
            .collect();
        warnings.push(format!(
            "{}: skipped {} damaged line{} ({}{})",
            path.display(),
            data.damage.count,
            if data.damage.count == 1 { "" } else { "s" },
            examples.join("; "),
            if data.damage.count as usize > examples.len() {
                "; …"
            } else {
                ""
            }
        ));
    }
    if let Some(limit) = data.sketched_beyond {
        warnings.push(format!(
            "{}: more than {limit} trend values; percentiles from the stream are estimates from a quantile sketch (relative error at most {} %), not exact",
            path.display(),
            sketch::RELATIVE_ERROR * 100.0
        ));
    }
    if data.other_lines > 0 {
        warnings.push(format!(
            "{}: ignored {} line(s) that are neither k6 Points nor Metrics",
            path.display(),
            data.other_lines
        ));
    }
    Ok((path, data))
}

/// What the caller asked for beyond the defaults.
struct Request {
    /// Exact selectors: a series, and a statistic (or `None`: the default ones).
    exact: Vec<(MetricKey, Option<Stat>)>,
    /// Globs over ids with the literal statistic they end in.
    globs: Vec<(GlobMatcher, Stat)>,
}

impl Request {
    fn new(name: &str, wanted: &[String]) -> Request {
        let mut exact = Vec::new();
        let mut globs = Vec::new();
        for text in wanted {
            if let Some(w) = parse_wanted(text, name) {
                exact.push((w.key, w.stat));
            } else if let Some(stat) = text.rsplit_once('/').and_then(|(_, s)| Stat::parse(s)) {
                if text.contains(['*', '?', '[']) {
                    // An unusable glob selects nothing here; the budget file's own check
                    // reports it with its line.
                    if let Ok(matcher) = crate::budget::compile_path_glob(text) {
                        globs.push((matcher, stat));
                    }
                }
            }
        }
        Request { exact, globs }
    }

    /// Extra statistics asked for `key`; `all` is the id prefix `k6/<name>/<key>/`.
    fn stats_for(&self, key: &MetricKey, prefix: &str) -> Vec<Stat> {
        let mut out = Vec::new();
        for (k, stat) in &self.exact {
            if k == key {
                match stat {
                    Some(s) => out.push(s.clone()),
                    None => out.extend(default_trend_stats()),
                }
            }
        }
        for (glob, stat) in &self.globs {
            if glob.is_match(format!("{prefix}{stat}")) {
                out.push(stat.clone());
            }
        }
        out
    }
}

/// Whether a statistic exists for a metric type.
fn stat_fits(kind: K6Type, stat: &Stat) -> bool {
    match kind {
        K6Type::Trend => !matches!(stat, Stat::Rate | Stat::Value),
        K6Type::Counter => matches!(stat, Stat::Count | Stat::Rate),
        K6Type::Rate => *stat == Stat::Rate,
        K6Type::Gauge => matches!(stat, Stat::Value | Stat::Min | Stat::Max),
    }
}

fn default_stats(kind: K6Type) -> Vec<Stat> {
    match kind {
        K6Type::Trend => default_trend_stats(),
        K6Type::Counter => vec![Stat::Count, Stat::Rate],
        K6Type::Rate => vec![Stat::Rate],
        K6Type::Gauge => vec![Stat::Value, Stat::Min, Stat::Max],
    }
}

fn push_unique(list: &mut Vec<Stat>, extra: impl IntoIterator<Item = Stat>, kind: K6Type) {
    for s in extra {
        if stat_fits(kind, &s) && !list.contains(&s) {
            list.push(s);
        }
    }
}

/// Builds the results from a summary and/or a stream.
struct Assembly<'n> {
    name: &'n str,
    request: &'n Request,
    metrics: Vec<(MetricKey, (u8, f64), Metric)>,
    thresholds: Vec<ToolThreshold>,
    warnings: Vec<String>,
    mismatches: Vec<String>,
    unknown_units: Vec<String>,
    ids: HashSet<String>,
}

/// Everything known about one series when its metrics are made.
struct SeriesFacts<'a> {
    key: &'a MetricKey,
    kind: K6Type,
    contains: Contains,
    matches_total: Option<(u64, u64)>,
}

impl Assembly<'_> {
    fn prefix(&self, key: &MetricKey) -> String {
        format!("k6/{}/{key}/", self.name)
    }

    fn build(
        &mut self,
        summary: Option<&(PathBuf, SummaryData)>,
        stream: Option<(PathBuf, StreamData)>,
    ) {
        let (stream_path, mut stream) = match stream {
            Some((p, d)) => (Some(p), Some(d)),
            None => (None, None),
        };
        let by_key: HashMap<MetricKey, usize> = stream
            .as_ref()
            .map(|s| {
                s.series
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.count > 0)
                    .map(|(i, x)| (x.key.clone(), i))
                    .collect()
            })
            .unwrap_or_default();
        let mut done: HashSet<MetricKey> = HashSet::new();

        if let Some((summary_path, data)) = summary {
            for m in &data.metrics {
                if !done.insert(m.key.clone()) {
                    self.warnings.push(format!(
                        "{}: `{}` appears twice; the first is used",
                        summary_path.display(),
                        m.key
                    ));
                    continue;
                }
                let index = by_key.get(&m.key).copied();
                self.summary_metric(m, stream.as_mut().zip(index));
            }
            if let (Some(stream_path), false) = (&stream_path, self.mismatches.is_empty()) {
                self.warnings.push(format!(
                    "{} and {} disagree (not the same run?): {}; the summary's numbers are used",
                    summary_path.display(),
                    stream_path.display(),
                    self.mismatches.join(", ")
                ));
            }
        }

        if let (Some(stream), Some(stream_path)) = (stream.as_mut(), &stream_path) {
            let mut counters_from_stream = false;
            let mut untyped = Vec::new();
            for index in 0..stream.series.len() {
                let series = &stream.series[index];
                if series.count == 0 || done.contains(&series.key) {
                    continue;
                }
                let info = stream.info(series);
                let Some(kind) = info.kind else {
                    untyped.push(series.key.to_string());
                    continue;
                };
                let key = series.key.clone();
                let contains = info.contains;
                let mut stats = default_stats(kind);
                if !key.is_sub() {
                    let from_thresholds: Vec<Stat> = info
                        .thresholds
                        .iter()
                        .filter_map(|t| threshold_stat(t))
                        .collect();
                    push_unique(&mut stats, from_thresholds, kind);
                }
                push_unique(
                    &mut stats,
                    self.request.stats_for(&key, &self.prefix(&key)),
                    kind,
                );
                counters_from_stream |= kind == K6Type::Counter;
                let matches_total = Some(series.matches_total());
                let computed = stream.compute(index, &stats);
                let facts = SeriesFacts {
                    key: &key,
                    kind,
                    contains,
                    matches_total,
                };
                for c in computed {
                    if let Some(value) = c.value.filter(|v| v.is_finite()) {
                        self.push(&facts, c.stat, value, c.windows, c.dispersion);
                    }
                }
                done.insert(key);
            }
            if !untyped.is_empty() {
                self.warnings.push(format!(
                    "{}: no Metric line says the type of {}; not imported",
                    stream_path.display(),
                    untyped.join(", ")
                ));
            }
            if counters_from_stream && summary.is_none() {
                let seconds = stream.duration_s().unwrap_or(0.0);
                self.warnings.push(format!(
                    "{}: no summary given: counter rates use the first-to-last sample time ({seconds:.1} s) as the test duration, where k6 uses the executor's run time",
                    stream_path.display()
                ));
            }
        }
        for (key, stat) in &self.request.exact {
            if let Some(stat) = stat {
                let id = format!("{}{stat}", self.prefix(key));
                if !self.metrics.iter().any(|(_, _, m)| m.id == id) {
                    self.warnings.push(format!(
                        "{id} was asked for but the k6 outputs do not give it{}",
                        if stream_path.is_none() {
                            " (the --out json stream would)"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
        if !self.unknown_units.is_empty() {
            self.warnings.push(format!(
                "k6 `{}`: the summary does not say the unit of {} (the legacy --summary-export has no `contains`); imported unitless (give the handleSummary JSON or the stream to get ms)",
                self.name,
                self.unknown_units.join(", ")
            ));
        }
    }

    /// One metric of the summary, with what the stream adds when it has the same series.
    fn summary_metric(&mut self, m: &SummaryMetric, stream: Option<(&mut StreamData, usize)>) {
        self.tool_thresholds(m);
        if m.no_samples {
            return;
        }
        let mut contains = m.contains;
        if let Some((s, index)) = &stream {
            if contains == Contains::Unknown {
                contains = s.info(&s.series[*index]).contains;
            }
        }
        if contains == Contains::Unknown && m.kind == K6Type::Trend {
            self.unknown_units.push(m.key.to_string());
        }
        let mut stats: Vec<Stat> = m.stats.iter().map(|(s, _)| s.clone()).collect();
        let mut extra: Vec<Stat> = m
            .thresholds
            .iter()
            .filter_map(|(expr, _)| threshold_stat(expr))
            .collect();
        extra.extend(self.request.stats_for(&m.key, &self.prefix(&m.key)));
        push_unique(&mut stats, extra, m.kind);
        let computed = match stream {
            Some((s, index)) => {
                let total = s.series[index].matches_total();
                Some((s.compute(index, &stats), total))
            }
            None => None,
        };
        let matches_total = m.matches_total.or(computed.as_ref().map(|c| c.1));
        let facts = SeriesFacts {
            key: &m.key,
            kind: m.kind,
            contains,
            matches_total,
        };
        for stat in &stats {
            let printed = m.stats.iter().find(|(s, _)| s == stat).map(|(_, v)| *v);
            let from_stream = computed
                .as_ref()
                .and_then(|(c, _)| c.iter().find(|c| c.stat == *stat));
            if let (Some(a), Some(Computed { value: Some(b), .. })) = (printed, from_stream) {
                let compared = match m.kind {
                    K6Type::Trend => true,
                    K6Type::Counter => *stat == Stat::Count,
                    K6Type::Rate => true,
                    K6Type::Gauge => false,
                };
                if compared && (a - b).abs() > AGREEMENT * a.abs().max(b.abs()) + 1e-9 {
                    self.mismatches.push(format!("{} {stat} {a} vs {b}", m.key));
                }
            }
            let Some(value) = printed
                .or(from_stream.and_then(|c| c.value))
                .filter(|v| v.is_finite())
            else {
                continue;
            };
            let windows = from_stream.map(|c| c.windows.clone()).unwrap_or_default();
            let dispersion = from_stream.and_then(|c| c.dispersion);
            self.push(&facts, stat.clone(), value, windows, dispersion);
        }
        if let (Some((_, (_, stream_total))), Some((_, total))) = (&computed, m.matches_total) {
            if *stream_total != total {
                self.mismatches
                    .push(format!("{} samples {total} vs {stream_total}", m.key));
            }
        }
    }

    fn tool_thresholds(&mut self, m: &SummaryMetric) {
        for (expression, ok) in &m.thresholds {
            let metric = match threshold_stat(expression).filter(|s| stat_fits(m.kind, s)) {
                Some(stat) => format!("{}{stat}", self.prefix(&m.key)),
                None => format!("k6/{}/{}", self.name, m.key),
            };
            self.thresholds.push(ToolThreshold {
                metric,
                expression: expression.clone(),
                ok: *ok,
            });
        }
    }

    fn push(
        &mut self,
        facts: &SeriesFacts<'_>,
        stat: Stat,
        value: f64,
        windows: Vec<f64>,
        dispersion: Option<crate::model::Overdispersion>,
    ) {
        let key = facts.key;
        let unit = unit_for(&key.name, facts.kind, facts.contains, &stat);
        let direction = direction_for(&key.name, facts.kind, &stat);
        let id = format!("{}{stat}", self.prefix(key));
        if !self.ids.insert(id.clone()) {
            // Only malformed names collide (a metric literally named `m{t:v}` and the sub-metric
            // `m{t:v}`); keep the first rather than write a file with a duplicate id.
            self.warnings.push(format!(
                "{id} appears twice (malformed metric names?); the first is kept"
            ));
            return;
        }
        let mut metric = Metric::new(id, unit, direction, value);
        if !windows.is_empty() {
            metric = metric.with_samples(SampleKind::Windows, windows);
        }
        if facts.kind == K6Type::Rate && stat == Stat::Rate {
            if let Some((matches, total)) = facts.matches_total {
                metric.proportion = Some(Proportion {
                    failures: failures(direction, matches, total),
                    total,
                });
                metric.overdispersion = dispersion;
            }
        }
        self.metrics.push((key.clone(), stat.order(), metric));
    }

    fn finish(mut self) -> ResultsFile {
        self.metrics.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1 .0.cmp(&b.1 .0))
                .then(a.1 .1.total_cmp(&b.1 .1))
        });
        self.thresholds
            .sort_by(|a, b| (&a.metric, &a.expression).cmp(&(&b.metric, &b.expression)));
        let mut results = ResultsFile::new();
        results.metrics = self.metrics.into_iter().map(|(_, _, m)| m).collect();
        results.thresholds = self.thresholds;
        results.warnings = self.warnings;
        results
    }
}
