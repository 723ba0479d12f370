//! The k6 `--out json` NDJSON stream (formats.md §3.6), read in one pass with memory that does
//! not grow with the file size beyond a fixed bound.
//!
//! Lines are cut from a fixed 4 MiB buffer; `Point` lines in k6's own layout are read by the
//! byte scanner in `line.rs`, everything else by serde. Each wanted series (a metric, or a
//! sub-metric: the parent's points filtered by tags) keeps running aggregates and, for trends,
//! every value as `f32`, up to [`MAX_EXACT_VALUES`] values over all series (32 MB; with the growth
//! slack of the buffers and the sorted copy of one series, under 100 MB). That bounds
//! the relative error of a stored value, and so of every percentile interpolated from stored
//! values, by 2⁻²⁴ ≈ 6·10⁻⁸ (0.06 µs on a 1 s latency). Beyond that bound, every series that
//! receives another value turns its values into quantile sketches (`sketch.rs`: relative error
//! 1 %, one entry per occupied logarithmic bucket) and counts further values there; the import
//! then says that its percentiles are estimates. `avg`, `min` and `max` are kept exactly in f64
//! either way. Samples are grouped by 10 s window from the first point so window statistics can
//! serve as the (autocorrelation-aware) samples of a metric.
//!
//! Damaged lines (a `NaN` token, a truncated last line, garbage) are counted and skipped.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;
use std::path::Path;

use memchr::memchr;
use serde_json::Value;

use super::kind::{Contains, K6Type};
use super::line::{self, FastPoint};
use super::selector::{MetricKey, Stat};
use super::sketch::Sketch;
use crate::import::ImportError;
use crate::model::Overdispersion;

/// Width of the windows whose statistics become a metric's samples.
pub(crate) const WINDOW_NS: i64 = 10_000_000_000;
/// A window with fewer samples than this gives no window statistic (a p95 of 5 values is noise).
pub(crate) const MIN_WINDOW_SAMPLES: u64 = 20;
/// Read buffer: lines are cut from it without copying.
const CHUNK: usize = 4 << 20;
/// A line longer than this is not something k6 writes; it is skipped as damaged.
const MAX_LINE: usize = 64 << 20;
/// Larger sample values are not measurements (k6 records ms, bytes and counts) and would not
/// survive `f32` storage.
const MAX_VALUE: f64 = 1e30;
/// How many damaged lines are described in the warning (all are counted).
const DAMAGE_EXAMPLES: usize = 3;
/// Trend values kept exactly (as `f32`, over all series) before percentiles are sketched.
pub(crate) const MAX_EXACT_VALUES: usize = 8 << 20;

/// What to track beyond every metric's own series: sub-metrics (tag filters) by metric name,
/// and the types known from a summary for metrics whose `Metric` line is missing.
#[derive(Debug, Default, Clone)]
pub(crate) struct StreamPlan {
    pub subs: HashMap<String, Vec<MetricKey>>,
    pub known_types: HashMap<String, (K6Type, Contains)>,
    /// Trend values kept exactly before sketching [default: [`MAX_EXACT_VALUES`]].
    pub exact_limit: Option<usize>,
}

impl StreamPlan {
    pub fn add_sub(&mut self, key: &MetricKey) {
        if key.is_sub() {
            let list = self.subs.entry(key.name.clone()).or_default();
            if !list.contains(key) {
                list.push(key.clone());
            }
        }
    }
}

/// One 10 s window of a series.
#[derive(Debug, Clone, Default)]
struct Window {
    id: i64,
    count: u64,
    sum: f64,
    nonzero: u64,
    values: Vec<f32>,
    /// The values once the series is sketched (then `values` is empty).
    sketch: Sketch,
}

/// One series: a metric, or a sub-metric.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub key: MetricKey,
    metric: usize,
    pub count: u64,
    sum: f64,
    min: f64,
    max: f64,
    nonzero: u64,
    last_time: i64,
    last_value: f64,
    keep_values: bool,
    /// Values are counted in per-window sketches instead of kept.
    sketched: bool,
    windows: Vec<Window>,
}

impl Series {
    fn new(key: MetricKey, metric: usize, keep_values: bool) -> Series {
        Series {
            key,
            metric,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            nonzero: 0,
            last_time: i64::MIN,
            last_value: 0.0,
            keep_values,
            sketched: false,
            windows: Vec::new(),
        }
    }

    /// Moves the kept values into per-window sketches and frees them.
    fn sketch(&mut self) {
        for w in &mut self.windows {
            w.sketch = Sketch::of(&w.values);
            w.values = Vec::new();
        }
        self.sketched = true;
    }

    /// Counts a value; `sketching` once the exact values are used up. True when the value
    /// was kept exactly.
    #[inline]
    fn add(&mut self, window: i64, time: i64, value: f64, sketching: bool) -> bool {
        if sketching && self.keep_values && !self.sketched {
            self.sketch();
        }
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        let nonzero = u64::from(value != 0.0);
        self.nonzero += nonzero;
        if time >= self.last_time {
            self.last_time = time;
            self.last_value = value;
        }
        // Points arrive nearly in time order: the current window is almost always the last.
        let w = match self.windows.last() {
            Some(last) if last.id == window => self.windows.len() - 1,
            _ => match self.windows.binary_search_by_key(&window, |w| w.id) {
                Ok(i) => i,
                Err(i) => {
                    self.windows.insert(
                        i,
                        Window {
                            id: window,
                            ..Window::default()
                        },
                    );
                    i
                }
            },
        };
        let w = &mut self.windows[w];
        w.count += 1;
        w.sum += value;
        w.nonzero += nonzero;
        if !self.keep_values {
            false
        } else if self.sketched {
            w.sketch.add(value);
            false
        } else {
            w.values.push(value as f32);
            true
        }
    }

    /// Non-zero samples (k6's "passes" of a rate) and all samples.
    pub fn matches_total(&self) -> (u64, u64) {
        (self.nonzero, self.count)
    }
}

/// A statistic computed from the stream, with its per-window values.
#[derive(Debug, Clone)]
pub(crate) struct Computed {
    pub stat: Stat,
    pub value: Option<f64>,
    pub windows: Vec<f64>,
    /// For a rate: how much more its 10 s windows differ than independent events would
    /// (see [`overdispersion`]).
    pub dispersion: Option<Overdispersion>,
}

/// Quasi-binomial over-dispersion of a rate across windows, weighted by each window's events:
/// `φ = Σ n_w (r_w − p)² / ((k − 1) · p (1 − p))`, with `p` the rate over those windows.
/// 1 for independent events (the expectation of each term is `p (1 − p)`), large when failures
/// come in bursts; `k − 1` degrees of freedom. `None` with fewer than three windows or a rate
/// of 0 or 1.
fn overdispersion(windows: &[Window]) -> Option<Overdispersion> {
    let used: Vec<&Window> = windows.iter().filter(|w| w.count > 0).collect();
    if used.len() < 3 {
        return None;
    }
    let events: u64 = used.iter().map(|w| w.count).sum();
    let hits: u64 = used.iter().map(|w| w.nonzero).sum();
    let p = hits as f64 / events as f64;
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let pearson: f64 = used
        .iter()
        .map(|w| {
            let r = w.nonzero as f64 / w.count as f64;
            w.count as f64 * (r - p).powi(2)
        })
        .sum();
    let df = (used.len() - 1) as f64;
    let factor = pearson / (df * p * (1.0 - p));
    factor.is_finite().then_some(Overdispersion { factor, df })
}

/// k6's percentile of sorted values: linear interpolation between the closest ranks,
/// `i = p·(n−1)`, `v[⌊i⌋] + (v[⌈i⌉] − v[⌊i⌋])·(i − ⌊i⌋)` (metrics/sink.go, k6 ≤ 2.2).
pub(crate) fn percentile(sorted: &[f32], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let i = p.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = i.floor();
    let (j, k) = (
        f64::from(sorted[lo as usize]),
        f64::from(sorted[i.ceil() as usize]),
    );
    Some(j + (k - j) * (i - lo))
}

fn sort_f32(values: &mut [f32]) {
    values.sort_unstable_by(f32::total_cmp);
}

/// The metric a series belongs to, as its `Metric` line describes it.
#[derive(Debug, Clone)]
pub(crate) struct MetricInfo {
    pub kind: Option<K6Type>,
    pub contains: Contains,
    pub thresholds: Vec<String>,
    root: usize,
    subs: Vec<usize>,
}

/// Skipped lines: how many, and the first few with their reason.
#[derive(Debug, Clone, Default)]
pub(crate) struct Damage {
    pub count: u64,
    pub examples: Vec<(u64, String)>,
}

impl Damage {
    fn record(&mut self, line: u64, reason: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < DAMAGE_EXAMPLES {
            self.examples.push((line, reason()));
        }
    }
}

/// Everything read from one stream.
#[derive(Debug, Clone)]
pub(crate) struct StreamData {
    pub metrics: Vec<MetricInfo>,
    pub series: Vec<Series>,
    pub damage: Damage,
    /// Lines that were not Points or Metrics (other `type`s).
    pub other_lines: u64,
    pub points: u64,
    /// First and last point time (ns since the epoch).
    pub span: Option<(i64, i64)>,
    /// Set when trend values beyond this many were counted in sketches, not kept.
    pub sketched_beyond: Option<usize>,
}

impl StreamData {
    /// Seconds from the first to the last point: an approximation of k6's test duration
    /// (k6 uses the executor's run time, which the stream does not record).
    pub fn duration_s(&self) -> Option<f64> {
        self.span
            .map(|(a, b)| (b - a) as f64 / 1e9)
            .filter(|d| *d > 0.0)
    }

    pub fn info(&self, series: &Series) -> &MetricInfo {
        &self.metrics[series.metric]
    }

    /// Computes `stats` for one series, with per-window values when the stream has at least
    /// two usable windows. Percentiles are computed on a sorted copy that is dropped at once,
    /// so only one series at a time needs the extra memory.
    pub fn compute(&mut self, index: usize, stats: &[Stat]) -> Vec<Computed> {
        let sketched = self.series[index].sketched;
        let needs_sorted = stats.iter().any(|st| st.quantile().is_some())
            && self.series[index].keep_values
            && !sketched;
        let mut all: Vec<f32> = Vec::new();
        let mut merged = Sketch::default();
        if sketched {
            for w in &self.series[index].windows {
                merged.merge(&w.sketch);
            }
        }
        if needs_sorted {
            let s = &mut self.series[index];
            all.reserve_exact(s.count as usize);
            for w in &mut s.windows {
                all.extend_from_slice(&w.values);
                sort_f32(&mut w.values);
            }
            sort_f32(&mut all);
        }
        let s = &self.series[index];
        let kind = self.metrics[s.metric].kind;
        let last_time = self.span.map_or(i64::MIN, |x| x.1);
        let first_time = self.span.map_or(0, |x| x.0);
        let complete = |w: &Window| first_time + (w.id + 1) * WINDOW_NS <= last_time;
        stats
            .iter()
            .map(|stat| {
                let (value, windows): (Option<f64>, Vec<f64>) = if s.count == 0 {
                    (None, Vec::new())
                } else {
                    match (kind, stat) {
                        (_, Stat::Avg) => (
                            Some(s.sum / s.count as f64),
                            big_windows(s).map(|w| w.sum / w.count as f64).collect(),
                        ),
                        (_, Stat::Min) => (Some(s.min), Vec::new()),
                        (_, Stat::Max) => (Some(s.max), Vec::new()),
                        (Some(K6Type::Counter), Stat::Count) => (Some(s.sum), Vec::new()),
                        (_, Stat::Count) => (Some(s.count as f64), Vec::new()),
                        (Some(K6Type::Counter), Stat::Rate) => (
                            self.duration_s().map(|d| s.sum / d),
                            s.windows
                                .iter()
                                .filter(|w| complete(w))
                                .map(|w| w.sum / (WINDOW_NS as f64 / 1e9))
                                .collect(),
                        ),
                        (_, Stat::Rate) => (
                            Some(s.nonzero as f64 / s.count as f64),
                            big_windows(s)
                                .map(|w| w.nonzero as f64 / w.count as f64)
                                .collect(),
                        ),
                        (_, Stat::Value) => (Some(s.last_value), Vec::new()),
                        (_, q) if sketched => {
                            let p = q.quantile().unwrap_or(0.5);
                            let windows = big_windows(s)
                                .filter_map(|w| w.sketch.quantile(p))
                                .collect();
                            (merged.quantile(p), windows)
                        }
                        (_, q) => {
                            let p = q.quantile().unwrap_or(0.5);
                            let windows = if needs_sorted {
                                big_windows(s)
                                    .filter_map(|w| percentile(&w.values, p))
                                    .collect()
                            } else {
                                Vec::new()
                            };
                            (percentile(&all, p), windows)
                        }
                    }
                };
                let dispersion = match (kind, stat) {
                    (Some(K6Type::Rate), Stat::Rate) => overdispersion(&s.windows),
                    _ => None,
                };
                Computed {
                    stat: stat.clone(),
                    value,
                    dispersion,
                    windows: if windows.len() >= 2 {
                        windows
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect()
    }
}

fn big_windows(s: &Series) -> impl Iterator<Item = &Window> {
    s.windows.iter().filter(|w| w.count >= MIN_WINDOW_SAMPLES)
}

/// FNV-1a: metric names are short and trusted enough; SipHash would cost more than the lookup.
#[derive(Default)]
struct NameHasher(u64);

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type NameMap = HashMap<Box<[u8]>, usize, BuildHasherDefault<NameHasher>>;

/// The reader's state while it goes through the lines.
struct Reader<'p> {
    plan: &'p StreamPlan,
    by_name: NameMap,
    data: StreamData,
    t0: Option<i64>,
    /// Trend values kept exactly so far, over all series.
    exact: usize,
}

enum Tags<'a> {
    None,
    Raw(&'a [u8]),
    Parsed(&'a serde_json::Map<String, Value>),
}

impl<'p> Reader<'p> {
    fn metric_index(&mut self, name: &[u8]) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        let name_str = String::from_utf8_lossy(name).into_owned();
        let (kind, contains) = match self.plan.known_types.get(&name_str) {
            Some(&(k, c)) => (Some(k), c),
            None => (None, Contains::of_builtin(&name_str)),
        };
        let index = self.data.metrics.len();
        let root = self.data.series.len();
        // Unknown type: keep values in case it turns out to be a trend.
        let keep = kind.is_none_or(|k| k == K6Type::Trend);
        self.data
            .series
            .push(Series::new(MetricKey::plain(&name_str), index, keep));
        let mut info = MetricInfo {
            kind,
            contains,
            thresholds: Vec::new(),
            root,
            subs: Vec::new(),
        };
        for key in self.plan.subs.get(&name_str).into_iter().flatten() {
            info.subs.push(self.data.series.len());
            self.data.series.push(Series::new(key.clone(), index, keep));
        }
        self.data.metrics.push(info);
        self.by_name.insert(name.into(), index);
        index
    }

    #[inline]
    fn add_point(&mut self, name: &[u8], time: i64, value: f64, tags: Tags<'_>) {
        let m = self.metric_index(name);
        let t0 = *self.t0.get_or_insert(time);
        self.data.points += 1;
        self.data.span = Some(match self.data.span {
            Some((a, b)) => (a.min(time), b.max(time)),
            None => (time, time),
        });
        let window = (time - t0).div_euclid(WINDOW_NS);
        let limit = self.plan.exact_limit.unwrap_or(MAX_EXACT_VALUES);
        let sketching = self.exact >= limit;
        if sketching && self.data.sketched_beyond.is_none() {
            self.data.sketched_beyond = Some(limit);
        }
        let info = &self.data.metrics[m];
        let kept = self.data.series[info.root].add(window, time, value, sketching);
        self.exact += usize::from(kept);
        if info.subs.is_empty() {
            return;
        }
        let parsed: Vec<(Cow<'_, str>, Cow<'_, str>)> = match tags {
            Tags::None => Vec::new(),
            Tags::Raw(raw) => line::parse_tags(raw).unwrap_or_default(),
            Tags::Parsed(map) => map
                .iter()
                .filter_map(|(k, v)| Some((Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str()?))))
                .collect(),
        };
        let lookup = |k: &str| {
            parsed
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_ref())
        };
        for &s in &self.data.metrics[m].subs {
            if self.data.series[s].key.matches(lookup) {
                let kept = self.data.series[s].add(window, time, value, sketching);
                self.exact += usize::from(kept);
            }
        }
    }

    fn line(&mut self, raw: &[u8], number: u64) {
        let line = trim_ascii(raw);
        if line.is_empty() {
            return;
        }
        if let Some(FastPoint {
            metric,
            time_ns,
            value,
            tags,
        }) = line::parse_point(line)
        {
            if value.abs() > MAX_VALUE {
                self.data.damage.record(number, out_of_range);
                return;
            }
            let tags = tags.map_or(Tags::None, Tags::Raw);
            self.add_point(metric, time_ns, value, tags);
            return;
        }
        self.slow_line(line, number);
    }

    /// Any line the fast path did not take: parsed with serde, in any key order.
    fn slow_line(&mut self, line: &[u8], number: u64) {
        let v: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => {
                self.data.damage.record(number, || damage_reason(line, &e));
                return;
            }
        };
        let kind = v.get("type").and_then(Value::as_str);
        match kind {
            Some("Point") => {
                let metric = v.get("metric").and_then(Value::as_str);
                let data = v.get("data");
                let time = data
                    .and_then(|d| d.get("time"))
                    .and_then(Value::as_str)
                    .and_then(|t| line::parse_time(t.as_bytes()));
                let value = data.and_then(|d| d.get("value")).and_then(Value::as_f64);
                match (metric, time, value) {
                    (Some(_), Some(_), Some(value)) if value.abs() > MAX_VALUE => {
                        self.data.damage.record(number, out_of_range)
                    }
                    (Some(metric), Some(time), Some(value)) => {
                        let tags = match data.and_then(|d| d.get("tags")) {
                            Some(Value::Object(map)) => Tags::Parsed(map),
                            _ => Tags::None,
                        };
                        self.add_point(metric.as_bytes(), time, value, tags);
                    }
                    _ => self.data.damage.record(number, || {
                        "Point line without a `metric`, an RFC 3339 `data.time` or a numeric `data.value`"
                            .to_string()
                    }),
                }
            }
            Some("Metric") => self.metric_line(&v),
            _ => self.data.other_lines += 1,
        }
    }

    /// A `Metric` line: type, content, thresholds and sub-metrics of one metric.
    fn metric_line(&mut self, v: &Value) {
        let data = v.get("data");
        let Some(name) = data
            .and_then(|d| d.get("name"))
            .or_else(|| v.get("metric"))
            .and_then(Value::as_str)
        else {
            self.data.other_lines += 1;
            return;
        };
        let m = self.metric_index(name.as_bytes());
        let kind = data
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .and_then(K6Type::parse);
        let contains = data
            .and_then(|d| d.get("contains"))
            .and_then(Value::as_str)
            .and_then(Contains::parse);
        let info = &mut self.data.metrics[m];
        if let Some(kind) = kind {
            info.kind = Some(kind);
        }
        if let Some(contains) = contains {
            info.contains = contains;
        }
        if let Some(Value::Array(list)) = data.and_then(|d| d.get("thresholds")) {
            for t in list {
                let expr = t
                    .as_str()
                    .or_else(|| t.get("threshold").and_then(Value::as_str));
                if let Some(expr) = expr {
                    if !info.thresholds.iter().any(|x| x == expr) {
                        info.thresholds.push(expr.to_string());
                    }
                }
            }
        }
        let keep = info.kind.is_none_or(|k| k == K6Type::Trend);
        let own: Vec<usize> = std::iter::once(info.root)
            .chain(info.subs.iter().copied())
            .collect();
        for s in own {
            self.data.series[s].keep_values &= keep;
        }
        if let Some(Value::Array(subs)) = data.and_then(|d| d.get("submetrics")) {
            for sub in subs {
                let key = match sub.get("name").and_then(Value::as_str) {
                    Some(n) => MetricKey::parse(n),
                    None => continue,
                };
                if !key.is_sub() || key.name != name {
                    continue;
                }
                let exists = self.data.metrics[m]
                    .subs
                    .iter()
                    .any(|&s| self.data.series[s].key == key);
                if !exists {
                    let s = self.data.series.len();
                    self.data.series.push(Series::new(key, m, keep));
                    self.data.metrics[m].subs.push(s);
                }
            }
        }
    }
}

fn out_of_range() -> String {
    format!("value beyond ±{MAX_VALUE:e}: not a k6 sample")
}

fn trim_ascii(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn damage_reason(line: &[u8], e: &serde_json::Error) -> String {
    let text = String::from_utf8_lossy(&line[..line.len().min(200)]);
    if ["NaN", "Infinity", "+Inf", "-Inf"]
        .iter()
        .any(|t| text.contains(t))
    {
        "a NaN/Inf token (k6 ≤1.x writes non-finite samples as invalid JSON)".to_string()
    } else if e.is_eof() {
        "truncated (k6 stopped mid-line?)".to_string()
    } else {
        format!("not valid JSON ({e})")
    }
}

/// Reads a whole stream. `path` names it in errors.
pub(crate) fn read(
    mut input: impl Read,
    path: &Path,
    plan: &StreamPlan,
) -> Result<StreamData, ImportError> {
    let mut reader = Reader {
        plan,
        by_name: NameMap::default(),
        data: StreamData {
            metrics: Vec::new(),
            series: Vec::new(),
            damage: Damage::default(),
            other_lines: 0,
            points: 0,
            span: None,
            sketched_beyond: None,
        },
        t0: None,
        exact: 0,
    };
    let mut buf = vec![0u8; CHUNK];
    let (mut start, mut end) = (0usize, 0usize);
    let mut number = 1u64;
    // Inside a line longer than MAX_LINE: drop bytes until its end.
    let mut skipping = false;
    loop {
        while let Some(nl) = memchr(b'\n', &buf[start..end]) {
            if skipping {
                skipping = false;
            } else {
                reader.line(&buf[start..start + nl], number);
            }
            number += 1;
            start += nl + 1;
        }
        if skipping {
            start = end;
        }
        if start > 0 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        if end == buf.len() {
            if buf.len() >= MAX_LINE {
                reader
                    .data
                    .damage
                    .record(number, || format!("longer than {} MiB", MAX_LINE >> 20));
                skipping = true;
                end = 0;
            } else {
                buf.resize(buf.len() * 2, 0);
            }
        }
        let n = loop {
            match input.read(&mut buf[end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ImportError::io(path, e)),
            }
        };
        if n == 0 {
            if end > 0 && !skipping {
                reader.line(&buf[..end], number);
            }
            break;
        }
        end += n;
    }
    Ok(reader.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_k6s_interpolation() {
        let v: Vec<f32> = (1..=10).map(|x| x as f32).collect();
        assert_eq!(percentile(&v, 0.5), Some(5.5));
        assert!((percentile(&v, 0.95).unwrap() - 9.55).abs() < 1e-12);
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 1.0), Some(10.0));
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.9), None);
    }

    fn point(metric: &str, sec: u32, value: &str, tags: &str) -> String {
        format!(
            r#"{{"metric":"{metric}","type":"Point","data":{{"time":"2026-01-01T00:{:02}:{:02}Z","value":{value},"tags":{tags}}}}}"#,
            sec / 60,
            sec % 60
        )
    }

    #[test]
    fn reads_series_windows_and_damage() {
        let mut text = String::new();
        text.push_str(r#"{"type":"Metric","data":{"name":"d","type":"trend","contains":"time","thresholds":["p(99)<9"],"submetrics":[{"name":"d{name:a}","suffix":"name:a","tags":{"name":"a"}}]},"metric":"d"}"#);
        text.push('\n');
        for i in 0..60u32 {
            let name = if i % 2 == 0 { "a" } else { "b" };
            text.push_str(&point(
                "d",
                i / 2,
                &format!("{}", i + 1),
                &format!(r#"{{"name":"{name}"}}"#),
            ));
            text.push_str("\r\n");
        }
        text.push_str("garbage\n");
        text.push_str(&point("d", 3, "NaN", "{}"));
        text.push('\n');
        let full = point("d", 3, "1", "{}");
        text.push_str(&full[..full.len() - 5]);
        let plan = StreamPlan::default();
        let mut data = read(text.as_bytes(), Path::new("p.ndjson"), &plan).unwrap();
        assert_eq!(data.points, 60);
        assert_eq!(data.damage.count, 3);
        assert!(
            data.damage.examples[1].1.contains("NaN"),
            "{:?}",
            data.damage
        );
        assert!(
            data.damage.examples[2].1.contains("truncated"),
            "{:?}",
            data.damage
        );
        assert_eq!(data.metrics[0].kind, Some(K6Type::Trend));
        assert_eq!(data.metrics[0].thresholds, vec!["p(99)<9".to_string()]);
        assert_eq!(data.series.len(), 2);
        let sub = &data.series[1];
        assert_eq!(sub.key.to_string(), "d{name:a}");
        assert_eq!(sub.count, 30);
        let c = data.compute(1, &[Stat::Max, Stat::Med, Stat::Count]);
        assert_eq!(c[0].value, Some(59.0));
        assert_eq!(c[1].value, Some(30.0));
        assert_eq!(c[2].value, Some(30.0));
        // 30 s of points in 10 s windows of 20 samples each (root series): 3 window medians.
        let c = data.compute(0, &[Stat::Med]);
        assert_eq!(c[0].windows.len(), 3);
    }

    #[test]
    fn overlong_lines_and_buffer_growth() {
        // A 5 MiB line (grows the buffer) followed by a good one.
        let mut text = vec![b'x'; 5 << 20];
        text.push(b'\n');
        text.extend_from_slice(point("vus", 1, "3", "{}").as_bytes());
        let data = read(&text[..], Path::new("p"), &StreamPlan::default()).unwrap();
        assert_eq!(data.points, 1);
        assert_eq!(data.damage.count, 1);
    }
}
