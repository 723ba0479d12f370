//! Per-run summaries of stored results: for each metric its value plus the log-scale summary the
//! noise calibration needs (the 20 %-trimmed mean of the log samples and its Yuen standard error,
//! or the log of the single value). They are computed once when results are saved and stored next
//! to them as `summary.json`, so reading a long history never parses raw samples.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Direction, Environment, Metric, ResultsFile, SampleKind, Unit};

use super::layout::SUMMARY_FORMAT;

/// Samples at or above this count are summarised by a 20 %-trimmed mean (Yuen); fewer by a plain
/// mean (a handful of Lighthouse runs cannot be trimmed).
const TRIM_MIN_SAMPLES: usize = 10;

/// One metric of one stored run, without its raw samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MetricSummary {
    /// Metric id.
    pub id: String,
    /// Unit of `value`.
    pub unit: Unit,
    /// Which way is better.
    pub direction: Direction,
    /// The metric's summary value (as in the results file).
    pub value: f64,
    /// Samples (or runs) behind it.
    pub n: usize,
    /// Per-run log summary `T_r`: the 20 %-trimmed mean of `ln(sample)` (≥ 10 samples), the mean
    /// of `ln(sample)` (2–9 samples) or `ln(value)`. Absent when a value is not positive or the
    /// measurement failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_center: Option<f64>,
    /// Within-run variance of `log_center` (`SE²_r`: Yuen's `d`, `s²/n`, or 0 for one value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_se2: Option<f64>,
    /// Set when the measurement failed; `value` is then not data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// One stored run (one commit, one suite) without raw samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RunSummary {
    /// The measured commit (full SHA).
    pub commit: String,
    /// The suite.
    pub suite: String,
    /// When it was measured (RFC 3339), as the results file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Where it was measured.
    #[serde(default)]
    pub environment: Environment,
    /// The metrics.
    pub metrics: Vec<MetricSummary>,
}

impl RunSummary {
    /// Summarises a results file stored for `commit` and `suite`.
    pub fn from_results(commit: &str, suite: &str, results: &ResultsFile) -> RunSummary {
        RunSummary {
            commit: commit.to_string(),
            suite: suite.to_string(),
            time: results.time.clone(),
            environment: results.environment.clone(),
            metrics: results
                .metrics
                .iter()
                .map(MetricSummary::from_metric)
                .collect(),
        }
    }

    /// The metric with this id.
    pub fn metric(&self, id: &str) -> Option<&MetricSummary> {
        self.metrics.iter().find(|m| m.id == id)
    }
}

impl MetricSummary {
    /// Summarises one metric.
    pub fn from_metric(m: &Metric) -> MetricSummary {
        let log = if m.failure.is_some() {
            None
        } else {
            log_summary(m)
        };
        MetricSummary {
            id: m.id.clone(),
            unit: m.unit,
            direction: m.direction,
            value: m.value,
            n: m.n(),
            log_center: log.map(|l| l.0),
            log_se2: log.map(|l| l.1),
            failure: m.failure.clone(),
        }
    }
}

/// `(T_r, SE²_r)` of a metric on the log scale, or `None` when a value is not positive.
fn log_summary(m: &Metric) -> Option<(f64, f64)> {
    let samples_are_runs = matches!(m.sample_kind, Some(SampleKind::Runs));
    if m.samples.len() >= TRIM_MIN_SAMPLES && !samples_are_runs {
        let mut logs = logs_of(&m.samples)?;
        logs.sort_by(f64::total_cmp);
        return Some(yuen_trimmed(&logs));
    }
    if m.samples.len() >= 2 {
        let logs = logs_of(&m.samples)?;
        let n = logs.len() as f64;
        let mean = logs.iter().sum::<f64>() / n;
        let var = logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        return Some((mean, var / n));
    }
    if m.samples.len() == 1 {
        return logs_of(&m.samples).map(|l| (l[0], 0.0));
    }
    (m.value > 0.0 && m.value.is_finite()).then(|| (m.value.ln(), 0.0))
}

fn logs_of(values: &[f64]) -> Option<Vec<f64>> {
    values
        .iter()
        .map(|&v| (v > 0.0 && v.is_finite()).then(|| v.ln()))
        .collect()
}

/// 20 %-trimmed mean of sorted values and Yuen's variance of it: `g = ⌊0.2 n⌋`, `h = n − 2g`,
/// winsorised variance `s²_w`, `d = (n − 1) s²_w / (h (h − 1))`.
fn yuen_trimmed(sorted: &[f64]) -> (f64, f64) {
    let n = sorted.len();
    let g = (0.2 * n as f64).floor() as usize;
    let h = n - 2 * g;
    let trimmed = &sorted[g..n - g];
    let tmean = trimmed.iter().sum::<f64>() / h as f64;
    let (lo, hi) = (sorted[g], sorted[n - g - 1]);
    let wins: Vec<f64> = sorted.iter().map(|&x| x.clamp(lo, hi)).collect();
    let wmean = wins.iter().sum::<f64>() / n as f64;
    let s2w = wins.iter().map(|x| (x - wmean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let d = (n as f64 - 1.0) * s2w / (h as f64 * (h as f64 - 1.0));
    (tmean, d)
}

// Columns rather than one object per metric: a long history holds hundreds of thousands of
// metric summaries, and per-object keys made reading it several times slower. The envelope repeats
// the fields of `RunSummary` instead of `#[serde(flatten)]`, which would buffer every value.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SummaryOut<'a> {
    store: &'static str,
    commit: &'a str,
    suite: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: &'a Option<String>,
    environment: &'a Environment,
    ids: Vec<&'a str>,
    units: Vec<Unit>,
    directions: Vec<Direction>,
    values: Vec<f64>,
    n: Vec<usize>,
    log_center: Vec<Option<f64>>,
    log_se2: Vec<Option<f64>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    failures: BTreeMap<usize, &'a str>,
    /// The id of the `results.json` blob this summary was computed from: a summary is trusted
    /// only next to exactly those results, so a damaged or replaced `results.json` is noticed.
    results_blob: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct SummaryIn {
    store: String,
    commit: String,
    suite: String,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    environment: Environment,
    ids: Vec<String>,
    units: Vec<Unit>,
    directions: Vec<Direction>,
    values: Vec<f64>,
    n: Vec<usize>,
    log_center: Vec<Option<f64>>,
    log_se2: Vec<Option<f64>>,
    #[serde(default)]
    failures: BTreeMap<usize, String>,
    #[serde(default)]
    results_blob: Option<String>,
}

/// The bytes of `summary.json` for a run whose `results.json` is the blob `results_blob`.
pub(crate) fn encode_summary(run: &RunSummary, results_blob: &str) -> Vec<u8> {
    let m = &run.metrics;
    let out = SummaryOut {
        store: SUMMARY_FORMAT,
        commit: &run.commit,
        suite: &run.suite,
        time: &run.time,
        environment: &run.environment,
        ids: m.iter().map(|m| m.id.as_str()).collect(),
        units: m.iter().map(|m| m.unit).collect(),
        directions: m.iter().map(|m| m.direction).collect(),
        // A failed measurement's value is not data (and JSON has no NaN).
        values: m
            .iter()
            .map(|m| if m.value.is_finite() { m.value } else { 0.0 })
            .collect(),
        n: m.iter().map(|m| m.n).collect(),
        log_center: m.iter().map(|m| m.log_center).collect(),
        log_se2: m.iter().map(|m| m.log_se2).collect(),
        failures: m
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.failure.as_deref().map(|f| (i, f)))
            .collect(),
        results_blob,
    };
    // Plain data with string keys: serialising cannot fail.
    serde_json::to_vec(&out).unwrap_or_default()
}

/// Reads `summary.json` stored next to the `results.json` blob `results_blob`; `None` when it is
/// not one this version wrote, its columns disagree, or it was not computed from that very blob
/// (older summaries do not say which): the caller then reads the full results, which are the
/// source of truth, so damaged results behind an intact summary are reported, never shown.
pub(crate) fn decode_summary(bytes: &[u8], results_blob: &str) -> Option<RunSummary> {
    let s: SummaryIn = serde_json::from_slice(bytes).ok()?;
    let len = s.ids.len();
    let columns_agree = [
        s.units.len(),
        s.directions.len(),
        s.values.len(),
        s.n.len(),
        s.log_center.len(),
        s.log_se2.len(),
    ]
    .iter()
    .all(|&l| l == len);
    if s.store != SUMMARY_FORMAT
        || !columns_agree
        || s.results_blob.as_deref() != Some(results_blob)
    {
        return None;
    }
    let mut failures = s.failures;
    let metrics = s
        .ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| MetricSummary {
            id,
            unit: s.units[i],
            direction: s.directions[i],
            value: s.values[i],
            n: s.n[i],
            log_center: s.log_center[i],
            log_se2: s.log_se2[i],
            failure: failures.remove(&i),
        })
        .collect();
    Some(RunSummary {
        commit: s.commit,
        suite: s.suite,
        time: s.time,
        environment: s.environment,
        metrics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuen_matches_the_reference_formula() {
        // 10 values: g = 2, h = 6; winsorised to [3, 8].
        let xs: Vec<f64> = (1..=10).map(f64::from).collect();
        let (t, d) = yuen_trimmed(&xs);
        assert!((t - 5.5).abs() < 1e-12);
        let wins = [3.0, 3.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 8.0, 8.0];
        let wm = wins.iter().sum::<f64>() / 10.0;
        let s2w = wins.iter().map(|x| (x - wm) * (x - wm)).sum::<f64>() / 9.0;
        assert!((d - 9.0 * s2w / 30.0).abs() < 1e-12);
    }

    #[test]
    fn summaries_handle_every_shape_of_metric() {
        let single = Metric::new("k6/a", Unit::Milliseconds, Direction::Lower, 300.0);
        let s = MetricSummary::from_metric(&single);
        assert_eq!(s.log_center, Some(300f64.ln()));
        assert_eq!(s.log_se2, Some(0.0));
        let zero = Metric::new("lighthouse/x/cls", Unit::Unitless, Direction::Lower, 0.0);
        assert_eq!(MetricSummary::from_metric(&zero).log_center, None);
        let runs = Metric::new(
            "lighthouse/x/lcp",
            Unit::Milliseconds,
            Direction::Lower,
            2.0,
        )
        .with_samples(SampleKind::Runs, vec![1.0, 2.0, 4.0]);
        let s = MetricSummary::from_metric(&runs);
        assert!((s.log_center.unwrap() - 2f64.ln()).abs() < 1e-12);
        assert!(s.log_se2.unwrap() > 0.0);
        let mut failed = single.clone();
        failed.failure = Some("runtimeError".into());
        assert_eq!(MetricSummary::from_metric(&failed).log_center, None);
        let iters = Metric::new("criterion/a", Unit::Nanoseconds, Direction::Lower, 5.0)
            .with_samples(SampleKind::Iterations, (1..=20).map(f64::from).collect());
        assert_eq!(MetricSummary::from_metric(&iters).n, 20);
    }

    #[test]
    fn summary_blobs_round_trip_and_reject_other_formats() {
        let run = RunSummary {
            commit: "a".repeat(40),
            suite: "default".into(),
            time: Some("2026-01-01T00:00:00Z".into()),
            environment: Environment::default(),
            metrics: vec![
                MetricSummary::from_metric(&Metric::new(
                    "criterion/a",
                    Unit::Nanoseconds,
                    Direction::Lower,
                    1.0,
                )),
                MetricSummary::from_metric(&Metric::new(
                    "lighthouse/x/cls",
                    Unit::Unitless,
                    Direction::Lower,
                    0.0,
                )),
                MetricSummary::from_metric(&Metric {
                    failure: Some("runtimeError NO_FCP".into()),
                    ..Metric::new(
                        "lighthouse/x/lcp",
                        Unit::Milliseconds,
                        Direction::Lower,
                        0.0,
                    )
                }),
            ],
        };
        let bytes = encode_summary(&run, "b1");
        assert_eq!(decode_summary(&bytes, "b1"), Some(run.clone()));
        // Next to other results than it was computed from, a summary is not trusted.
        assert_eq!(decode_summary(&bytes, "b2"), None);
        let text = String::from_utf8(bytes).unwrap();
        let short = text.replacen("\"n\":[1,1,1]", "\"n\":[1,1]", 1);
        assert_ne!(short, text);
        assert_eq!(
            decode_summary(short.as_bytes(), "b1"),
            None,
            "columns of different lengths"
        );
        assert_eq!(decode_summary(b"{\"store\": \"x\"}", "b1"), None);
        assert_eq!(decode_summary(b"garbage", "b1"), None);
    }
}
