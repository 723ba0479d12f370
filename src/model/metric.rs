//! One measured metric: id, unit, direction, summary value and its samples.

use serde::{Deserialize, Serialize};

use super::{Direction, Unit};

/// What the samples of a metric are, which decides the statistics that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SampleKind {
    /// Many per-iteration measurements from one run (criterion): two-sample tests on the samples.
    Iterations,
    /// One value per independent run (Lighthouse runs, repeated k6 runs): few-runs statistics
    /// with the run-to-run variance from history.
    Runs,
    /// Window statistics from one long run (k6 NDJSON stream, e.g. p95 per 10 s window).
    Windows,
}

/// Successes and failures behind a rate, so error rates can be compared as two proportions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proportion {
    /// Number of failed events (e.g. failed requests).
    pub failures: u64,
    /// Number of events in total.
    pub total: u64,
}

/// Over-dispersion of a rate's events across the windows of one run (quasi-binomial).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Overdispersion {
    /// `φ`: 1 for independent events, 5 when the windows differ five times more than coin flips.
    pub factor: f64,
    /// Degrees of freedom of the estimate (windows − 1).
    pub df: f64,
}

/// A metric of one results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metric {
    /// Stable id, `source/…` (`criterion/parse/1000`, `lighthouse/home/largest-contentful-paint`).
    pub id: String,
    /// Unit of `value` and `samples`.
    pub unit: Unit,
    /// Which way is better.
    pub direction: Direction,
    /// The robust summary used for absolute budgets: the typical per-iteration time for
    /// criterion, the median of runs for Lighthouse, k6's own statistic for k6.
    pub value: f64,
    /// Raw samples when the tool gives them (empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<f64>,
    /// What the samples are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_kind: Option<SampleKind>,
    /// Failures and total events behind a rate (k6 `http_req_failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proportion: Option<Proportion>,
    /// How much more a rate's events vary across the 10 s windows of the run than independent
    /// events would, when the k6 stream showed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdispersion: Option<Overdispersion>,
    /// Set when the measurement failed (a Lighthouse `runtimeError`): the value is not data and
    /// every rule on this metric fails, naming this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Which rounds of a same-job rerun each sample came from (parallel to `samples`), so the
    /// round-to-round noise can be estimated. Empty when not rerun.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<u32>,
    /// Other statistics the tool printed for this measurement, by name (divan's `fastest`,
    /// `slowest`, `mean` in the metric's unit, its `samples` and `iters` counts; libtest's
    /// `spread`; BMF's `lower_value` and `upper_value`): kept for people and later tools. No rule
    /// judges them; the spreads only sort single values by noise when separate runs without
    /// history are judged against the run's own null.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub stats: std::collections::BTreeMap<String, f64>,
    /// The value is an exact count that the same code and inputs reproduce (instructions
    /// under Callgrind, a file's size): a relative rule compares the two values as they are,
    /// without sampling statistics, and decides pass or fail, never inconclusive.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
}

impl Metric {
    /// A metric with a single value and no samples.
    pub fn new(id: impl Into<String>, unit: Unit, direction: Direction, value: f64) -> Metric {
        Metric {
            id: id.into(),
            unit,
            direction,
            value,
            samples: Vec::new(),
            sample_kind: None,
            proportion: None,
            overdispersion: None,
            failure: None,
            rounds: Vec::new(),
            stats: std::collections::BTreeMap::new(),
            exact: false,
        }
    }

    /// Attaches samples of the given kind.
    pub fn with_samples(mut self, kind: SampleKind, samples: Vec<f64>) -> Metric {
        self.sample_kind = Some(kind);
        self.samples = samples;
        self
    }

    /// Number of observations behind `value`: the sample count, or 1 for a single value.
    pub fn n(&self) -> usize {
        self.samples.len().max(1)
    }
}

/// A pass/fail threshold evaluated by the tool itself (k6 thresholds), imported and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ToolThreshold {
    /// The metric id the threshold belongs to.
    pub metric: String,
    /// The expression as the tool shows it (`p(95)<300`).
    pub expression: String,
    /// Whether the tool said the threshold held.
    pub ok: bool,
}
