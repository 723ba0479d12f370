//! The report: one [`Report`] value per run, rendered as JSON (the machine contract,
//! `perf-budget/report/v1`), a terminal table and Markdown (PR comment and job summary).
//! Renderers return strings and do no I/O.

pub mod chart;
pub mod escape;
pub mod format;
pub mod history;
pub mod html;
pub mod json;
pub mod markdown;
pub mod terminal;

use serde::{Deserialize, Serialize};

use crate::model::{Direction, ToolThreshold, TrendPoint, Unit};

/// Schema tag of the report format.
pub use crate::model::REPORT_SCHEMA;

/// A saved report that cannot be read: which file, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ReportError {
    /// The file (or stream) the report came from.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

/// The gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every budget met (inconclusive results do not fail unless strict).
    Pass,
    /// At least one budget violated.
    Fail,
}

/// The status of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every rule on the metric holds.
    Pass,
    /// A rule is violated.
    Fail,
    /// The data cannot tell whether a relative rule holds.
    Inconclusive,
    /// The metric exists only in head.
    New,
    /// The metric exists only in base.
    Missing,
}

impl Status {
    /// The name used in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Inconclusive => "inconclusive",
            Status::New => "new",
            Status::Missing => "missing",
        }
    }
}

/// What the change is, whatever the budget says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Significantly worse beyond the noise margin.
    Regression,
    /// Significantly better beyond the noise margin.
    Improvement,
    /// No significant change.
    Unchanged,
    /// No comparison was possible (no base, no noise estimate).
    Unknown,
}

/// Commit of one side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// The commit SHA, when known.
    pub commit: Option<String>,
    /// Head side of a pull request run: the PR's head commit as the event named it. On
    /// `pull_request` events the checkout (`commit`) is GitHub's test merge commit, so this is
    /// what `comment` compares with the PR's current head to refuse stale reports.
    #[serde(default, rename = "pr-head", skip_serializing_if = "Option::is_none")]
    pub pr_head: Option<String>,
}

/// Counts of results by status. `pass`, `fail`, `inconclusive`, `new` and `missing` count
/// budgeted metrics (at least one rule applied); a metric no rule names is counted in
/// `unbudgeted` only: it was shown, not gated, and is never a pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Budgeted metrics that passed.
    pub pass: usize,
    /// Metrics that failed.
    pub fail: usize,
    /// Budgeted metrics whose relative rule could not be decided.
    pub inconclusive: usize,
    /// Budgeted metrics only in head.
    pub new: usize,
    /// Budgeted metrics only in base.
    pub missing: usize,
    /// Metrics that no budget rule names (whatever their status): shown, not gated.
    #[serde(default)]
    pub unbudgeted: usize,
}

impl Summary {
    /// Metrics at least one rule applied to.
    pub fn budgeted(&self) -> usize {
        self.pass + self.fail + self.inconclusive + self.new + self.missing
    }
}

/// Summary of one side of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SideValue {
    /// The robust summary value, in the metric's unit.
    pub value: f64,
    /// Number of samples or runs behind it.
    pub n: usize,
}

/// The outcome of one budget rule on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    /// The rule as people read it: `max-regression 5%`, `max 2 ms`, `min 0.9`.
    pub rule: String,
    /// Whether it holds. `null` when it could not be decided (inconclusive).
    pub ok: Option<bool>,
    /// Where the rule comes from: `budgets.toml:12` and the block's metric glob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Why it failed or could not be decided, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Set when a waiver turned a failure into a pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
}

/// Secondary statistics shown in details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Details {
    /// Two-sided Mann–Whitney p-value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mwu_p: Option<f64>,
    /// Hodges–Lehmann shift of the log values, as a ratio − 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hl_change: Option<f64>,
    /// Smallest change this comparison could detect (80 % power), as a ratio − 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mde: Option<f64>,
    /// Where the noise estimate came from (`within-run`, `rounds`, `history (30 runs)`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<String>,
    /// Outlier counts, `head` and `base`, as criterion classifies them (Tukey fences).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outliers: Option<String>,
    /// The interval the decision used (head/base − 1): the lower bound adjusted over the run's
    /// family as the decision was, the upper bound the one "within budget" is judged on. An
    /// interval wholly beyond the budget is a failure; wholly below it, a pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_ci: Option<[f64; 2]>,
    /// The change in each interleaved round (head/base − 1), when the round was the unit of
    /// the test: whether the rounds agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<Vec<f64>>,
}

/// One metric's comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricResult {
    /// Metric id.
    pub id: String,
    /// Unit of `base.value` and `head.value`.
    pub unit: Unit,
    /// Which way is better.
    pub direction: Direction,
    /// Base side, absent for new metrics.
    pub base: Option<SideValue>,
    /// Head side, absent for missing metrics.
    pub head: Option<SideValue>,
    /// head/base − 1 (estimated on the log scale for sampled metrics).
    pub change: Option<f64>,
    /// 95 % confidence interval of `change`.
    pub ci: Option<[f64; 2]>,
    /// Raw one-sided p-value of "worse by more than the noise margin".
    pub p: Option<f64>,
    /// `p` adjusted over all relative checks of the run (Benjamini–Hochberg by default).
    pub q: Option<f64>,
    /// The verdict for this metric.
    pub status: Status,
    /// What the change is.
    pub kind: Kind,
    /// Every rule that applied, and its outcome.
    pub rules: Vec<RuleOutcome>,
    /// The statistical method (`yuen-log`, `welch-log-pooled`, `prediction-interval`,
    /// `two-proportions`, `absolute`, `none`).
    pub method: String,
    /// Secondary statistics.
    #[serde(default)]
    pub details: Details,
    /// Set when the tool's run failed for this metric (a Lighthouse `runtimeError`): the values
    /// are placeholders, not data, and every rule on the metric failed naming this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl MetricResult {
    /// True when no budget rule applied to this metric: it is shown but not gated.
    pub fn unbudgeted(&self) -> bool {
        self.rules.is_empty()
    }
}

/// The whole run's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_SCHEMA`].
    pub schema: String,
    /// Pass or fail.
    pub verdict: Verdict,
    /// Base commit.
    pub base: Side,
    /// Head commit.
    pub head: Side,
    /// Counts by status.
    pub summary: Summary,
    /// One entry per metric, failing first.
    pub results: Vec<MetricResult>,
    /// Things the user should know (expired waivers, runner shift, k6 thresholds, failed runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How the run was evaluated.
    #[serde(default)]
    pub method: MethodInfo,
    /// Stored history of metrics (oldest first), for trend charts of regressed metrics.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub history: std::collections::BTreeMap<String, Vec<TrendPoint>>,
    /// The tools' own thresholds that head crossed (k6 thresholds, Lighthouse CI assertions):
    /// they do not change the verdict, but every headline names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_thresholds: Vec<ToolThreshold>,
}

/// The statistical settings of the run, for the "how to read this" footer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MethodInfo {
    /// False discovery rate over the relative checks.
    pub alpha: f64,
    /// Noise margin δ.
    pub noise: f64,
    /// Multiple-testing correction (`bh`, `holm`, `none`).
    pub correction: String,
    /// How the base was obtained (`file`, `rerun`, `store`).
    pub baseline: String,
    /// Number of relative checks in the family.
    pub family: usize,
    /// Whether inconclusive results fail.
    pub strict: bool,
    /// Relative checks whose base and head came from separate runs with no stored history to
    /// calibrate them: their noise margin was raised and their verdicts are weaker.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub uncalibrated: usize,
    /// Relative checks with no noise estimate at all (too few runs, a single round).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub no_noise: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl MethodInfo {
    /// A sentence for the headline of every output when some verdicts rest on a weak noise model
    /// (and what would make them decisive); `None` when every check was calibrated.
    pub fn caveat(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.uncalibrated > 0 {
            parts.push(format!(
                "{} of {} relative checks compare separate runs with no stored history (uncalibrated: noise margin raised to {})",
                self.uncalibrated,
                self.family,
                format::percent(self.noise.max(0.03))
            ));
        }
        if self.no_noise > 0 {
            parts.push(format!(
                "{} relative check{} had no noise estimate",
                self.no_noise,
                if self.no_noise == 1 { "" } else { "s" }
            ));
        }
        (!parts.is_empty()).then(|| {
            format!(
                "{}; stored history on main (`cargo perf-budget run` on every push), rerun mode (`check` measures base and head interleaved) or more rounds make them decisive",
                parts.join("; ")
            )
        })
    }
}

impl Default for MethodInfo {
    fn default() -> Self {
        MethodInfo {
            alpha: 0.05,
            noise: 0.01,
            correction: "bh".into(),
            baseline: "file".into(),
            family: 0,
            strict: false,
            uncalibrated: 0,
            no_noise: 0,
        }
    }
}

impl Report {
    /// Recomputes the summary counts and the verdict from the results, and orders the results:
    /// failing first, then inconclusive, regressions, and the rest by id.
    pub fn finish(&mut self) {
        let mut s = Summary::default();
        for r in &self.results {
            if r.unbudgeted() && r.status != Status::Fail {
                s.unbudgeted += 1;
                continue;
            }
            match r.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Inconclusive => s.inconclusive += 1,
                Status::New => s.new += 1,
                Status::Missing => s.missing += 1,
            }
        }
        self.summary = s;
        let failed = s.fail > 0 || (self.method.strict && s.inconclusive > 0);
        self.verdict = if failed { Verdict::Fail } else { Verdict::Pass };
        self.results
            .sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.id.cmp(&b.id)));
    }

    /// Reads a saved JSON report.
    pub fn from_json(text: &str, origin: &str) -> Result<Report, ReportError> {
        let fail = |message: String| ReportError {
            origin: origin.to_string(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| fail(format!("not JSON: {e}")))?;
        match value.get("schema").and_then(|s| s.as_str()) {
            Some(REPORT_SCHEMA) => {}
            other => {
                return Err(fail(format!(
                    "field `schema` is {other:?}; expected \"{REPORT_SCHEMA}\" (a report written by `check` or `compare --format json`)"
                )))
            }
        }
        serde_json::from_value(value).map_err(|e| fail(format!("not a report: {e}")))
    }

    /// Merges several reports (matrix jobs, one per suite) into one: results are concatenated,
    /// and a metric id that appears in more than one report is kept from each, with a note that
    /// says so.
    pub fn merge(reports: Vec<Report>) -> Option<Report> {
        let mut it = reports.into_iter();
        let mut first = it.next()?;
        for r in it {
            for res in r.results {
                if first.results.iter().any(|x| x.id == res.id) {
                    first.notes.push(format!(
                        "metric {} appears in more than one report; kept both",
                        res.id
                    ));
                }
                first.results.push(res);
            }
            first.notes.extend(r.notes);
            first.tool_thresholds.extend(r.tool_thresholds);
            first.method.family += r.method.family;
            first.method.strict |= r.method.strict;
            if first.base.commit.is_none() {
                first.base = r.base;
            }
            if first.head.commit.is_none() {
                first.head = r.head;
            }
        }
        first.finish();
        Some(first)
    }

    /// Results that failed.
    pub fn failed(&self) -> impl Iterator<Item = &MetricResult> {
        self.results.iter().filter(|r| r.status == Status::Fail)
    }

    /// Why this run cannot be a pass although no rule failed: nothing was measured, or nothing
    /// that any budget rule names. A gate that measured nothing it was asked to judge is an
    /// error (exit code 2), never a silent pass. `None` when some budgeted metric has a head
    /// value.
    pub fn gate_error(&self) -> Option<String> {
        if self
            .results
            .iter()
            .any(|r| !r.unbudgeted() && r.head.is_some())
        {
            return None;
        }
        let measured = self.results.iter().filter(|r| r.head.is_some()).count();
        Some(if measured == 0 {
            "nothing was measured in head: no benchmark, Lighthouse or k6 metric to judge (check the [criterion], [[lighthouse]] and [[k6]] tables, or the results file given as head)".to_string()
        } else if self.results.iter().all(MetricResult::unbudgeted) {
            format!(
                "no budget rule names any of the {measured} measured metric{}: every [[budget]] glob matched nothing, so nothing was gated",
                if measured == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "none of the metrics the budget rules name was measured in head ({measured} other metric{} measured, not gated)",
                if measured == 1 { " was" } else { "s were" }
            )
        })
    }

    /// What every headline must say before any table: tool thresholds crossed, failed tool runs,
    /// and [`Report::gate_error`]. Plain text (renderers escape it), most important first.
    pub fn alerts(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(e) = self.gate_error() {
            out.push(e);
        }
        for t in &self.tool_thresholds {
            let tool = match t.metric.split('/').next() {
                Some("k6") => "k6 threshold",
                Some("lighthouse") => "Lighthouse CI assertion",
                _ => "tool threshold",
            };
            out.push(format!("{tool} crossed: {} {}", t.metric, t.expression));
        }
        // One line per distinct failure, not one per metric of the failed page.
        let mut failures: Vec<(&str, Vec<&str>)> = Vec::new();
        for r in &self.results {
            if let Some(f) = &r.failure {
                match failures
                    .iter_mut()
                    .find(|(reason, _)| *reason == f.as_str())
                {
                    Some((_, ids)) => ids.push(&r.id),
                    None => failures.push((f, vec![&r.id])),
                }
            }
        }
        for (reason, ids) in failures {
            let tool = if ids.iter().all(|i| i.starts_with("lighthouse/")) {
                "Lighthouse run failed"
            } else {
                "tool run failed"
            };
            let first = ids[0];
            let more = match ids.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            out.push(format!("{tool}: {reason}; no data for {first}{more}"));
        }
        out
    }
}

fn rank(r: &MetricResult) -> u8 {
    match (r.status, r.kind) {
        (Status::Fail, _) => 0,
        (Status::Inconclusive, _) => 2,
        (_, Kind::Regression) => 1,
        (Status::Missing, _) => 3,
        (Status::New, _) => 4,
        (_, Kind::Improvement) => 5,
        _ => 6,
    }
}
