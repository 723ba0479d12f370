//! The validated budget file: domain types that the rest of the program uses. The raw serde
//! mirror and its validation live in `parse.rs`.

use std::path::PathBuf;
use std::time::Duration;

use globset::GlobMatcher;

use crate::model::{Direction, Quantity};

/// A validated budget file.
#[derive(Debug, Clone)]
pub struct BudgetFile {
    /// Where it was read from (for messages); `budgets.toml` when built in memory.
    pub path: PathBuf,
    /// `[settings]`.
    pub settings: Settings,
    /// `[criterion]`, when the project has criterion benches.
    pub criterion: Option<CriterionConfig>,
    /// `[[lighthouse]]` tables.
    pub lighthouse: Vec<LighthouseConfig>,
    /// `[[k6]]` tables.
    pub k6: Vec<K6Config>,
    /// `[[gungraun]]` tables.
    pub gungraun: Vec<GungraunConfig>,
    /// `[[size]]` tables.
    pub sizes: Vec<SizeConfig>,
    /// `[[hyperfine]]` tables.
    pub hyperfine: Vec<HyperfineConfig>,
    /// `[[divan]]` tables.
    pub divan: Vec<DivanConfig>,
    /// `[[budget]]` blocks, in file order.
    pub budgets: Vec<BudgetRule>,
    /// `[[waiver]]` blocks, in file order.
    pub waivers: Vec<Waiver>,
    /// The file's text, so that problems found while evaluating (a glob that matches nothing, a
    /// limit of the wrong dimension) show the offending line; empty when built in memory.
    pub source: String,
}

impl BudgetFile {
    /// A problem with `key` of `rule`, found after parsing: `path:line:col: error: …` with the
    /// source line and a caret under the key's value when the text is known, else
    /// `path:line: …` at the block's `metric` line.
    pub fn problem_at(
        &self,
        rule: &BudgetRule,
        key: &str,
        message: &str,
        help: Option<&str>,
    ) -> String {
        match rule.spans.iter().find(|(k, _)| *k == key) {
            Some((_, span)) if !self.source.is_empty() && span.end <= self.source.len() => {
                let mut d = super::Diagnostic::at(&self.source, span.clone(), message)
                    .with_key(format!("budget[{}].{key}", rule.index));
                if let Some(h) = help {
                    d = d.with_help(h);
                }
                d.render(&self.path).trim_end().to_string()
            }
            _ => format!("{}:{}: {message}", self.path.display(), rule.location.line),
        }
    }
}

/// Where the base results come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineMode {
    /// Build the base commit in a worktree and measure both sides interleaved in this job.
    Rerun,
    /// Read the base commit's results from the git result store.
    Store,
}

/// Multiple-testing correction over the relative checks of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrectionSetting {
    /// Benjamini–Hochberg false discovery rate (default).
    Bh,
    /// Holm step-down (family-wise error rate).
    Holm,
    /// No correction.
    None,
}

/// What to do with a budget glob that matches no metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnmatchedPolicy {
    /// A configuration error (default): a typo must not pass silently.
    Error,
    /// A note in the report.
    Warn,
}

/// When the sticky PR comment is posted (`comment-on` in `[settings]`, `--comment-on`). The job
/// summary always carries the full report, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommentOn {
    /// On every run (default).
    #[default]
    Always,
    /// Only when the gate fails (a budget violated, or nothing to judge); a comment already on
    /// the pull request is still updated, so it never keeps showing a fixed failure.
    Failure,
    /// Only when something moved or needs attention: a failure, a significant regression or
    /// improvement of a budgeted metric, an inconclusive, new or missing budgeted metric, a
    /// crossed tool threshold or a failed run; an existing comment is still updated.
    Change,
}

impl CommentOn {
    /// The word used in the budget file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentOn::Always => "always",
            CommentOn::Failure => "failure",
            CommentOn::Change => "change",
        }
    }
}

/// `[settings]`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// False discovery rate over all relative checks of one run (default 0.05).
    pub alpha: f64,
    /// Noise margin δ as a fraction: changes below it are never regressions (default 0.01).
    pub noise: f64,
    /// Where the base comes from (default `rerun` when benches are configured, else `store`).
    pub baseline: BaselineMode,
    /// Interleaved base/head rounds when rerunning (default 3).
    pub rounds: u32,
    /// Up to how many rounds a rerun may grow while budgeted benchmarks are inconclusive
    /// (default: `rounds`, no extra rounds).
    pub max_rounds: Option<u32>,
    /// Wall-clock time the extra rounds may take (default 10 minutes).
    pub extra_time: std::time::Duration,
    /// The main branch, for `git merge-base` (default `main`).
    pub main_branch: String,
    /// Multiple-testing correction (default `bh`).
    pub correction: CorrectionSetting,
    /// Whether inconclusive results fail the gate (default false; `--strict` sets it).
    pub strict: bool,
    /// A budget glob that matches nothing (default error).
    pub unmatched: UnmatchedPolicy,
    /// Without a noise estimate a relative rule fails only when the change exceeds this many
    /// times its budget (default 2.0: a 5 % budget fails on a +10 % change).
    pub no_noise_factor: f64,
    /// Suite name for the store and the comment id (default `default`).
    pub suite: String,
    /// When the PR comment is posted (default `always`).
    pub comment_on: CommentOn,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            alpha: 0.05,
            noise: 0.01,
            baseline: BaselineMode::Rerun,
            rounds: 3,
            max_rounds: None,
            extra_time: std::time::Duration::from_secs(600),
            main_branch: "main".into(),
            correction: CorrectionSetting::Bh,
            strict: false,
            unmatched: UnmatchedPolicy::Error,
            no_noise_factor: 2.0,
            suite: "default".into(),
            comment_on: CommentOn::Always,
        }
    }
}

/// `[criterion]`.
#[derive(Debug, Clone, Default)]
pub struct CriterionConfig {
    /// `cargo bench --bench NAME` for each; empty means all benches.
    pub benches: Vec<String>,
    /// Extra arguments to the bench binaries (after `--`).
    pub args: Vec<String>,
    /// Package to bench in a workspace (`-p`).
    pub package: Option<String>,
    /// Cargo features to enable.
    pub features: Vec<String>,
    /// Where criterion writes its results, relative to the package (default `target/criterion`).
    pub output: Option<PathBuf>,
    /// `warm-up`: criterion's warm-up time per round (`--warm-up-time`); `None` keeps what the
    /// benches set in code (or criterion's default).
    pub warm_up: Option<Duration>,
    /// `measurement`: criterion's measurement time per round (`--measurement-time`); `None`
    /// keeps what the benches set in code (or criterion's default).
    pub measurement: Option<Duration>,
}

/// `[[lighthouse]]`.
#[derive(Debug, Clone, Default)]
pub struct LighthouseConfig {
    /// Label in metric ids (`lighthouse/<name>/…`).
    pub name: String,
    /// Glob of report files to import (one or many runs, a flow report, an LHCI folder).
    pub reports: Option<String>,
    /// URL to run Lighthouse against (when `check` runs Lighthouse itself), or a filter on
    /// `requestedUrl`/`finalUrl` when importing an LHCI folder with several pages.
    pub url: Option<String>,
    /// Runs per side when `check` runs Lighthouse itself. In rerun mode, with `url` and
    /// `serve`, base and head get `runs` runs each, interleaved B H H B B H H B … (ABBA).
    pub runs: Option<u32>,
    /// Shell command that starts the site, when it is not already served; run with `sh -c` in
    /// the budget file's folder. In rerun mode (with `url` and `runs`) it also starts the base's
    /// site, in the same folder of the base commit's temporary checkout, one side at a time on
    /// the same URL: it must build or install what it needs there (a fresh checkout has no
    /// `node_modules` and no build output). Without `serve` only head can be measured and the
    /// base comes from the result store.
    pub serve: Option<String>,
    /// Extra Lighthouse CLI arguments.
    pub args: Vec<String>,
}

/// `[[k6]]`.
#[derive(Debug, Clone, Default)]
pub struct K6Config {
    /// Label in metric ids (`k6/<name>/…`).
    pub name: String,
    /// `--summary-export` or `handleSummary` JSON.
    pub summary: Option<String>,
    /// Optional NDJSON stream (`--out json`) for exact percentiles and samples.
    pub points: Option<String>,
    /// k6 script to run when `check` runs k6 itself.
    pub script: Option<String>,
    /// Shell command that starts the server under test.
    pub serve: Option<String>,
    /// Extra k6 arguments.
    pub args: Vec<String>,
    /// The budget file's metric globs, so the stream also yields what only it can give (a
    /// sub-metric's `p(99.9)`…) when a budget names it. Filled in from the `[[budget]]` blocks.
    pub wanted: Vec<String>,
}

/// `[[gungraun]]`: gungraun (instruction counts under Valgrind) bench targets that `check` runs
/// on head and, in rerun mode, on the base checkout, then imports as `gungraun/…` metrics.
#[derive(Debug, Clone, Default)]
pub struct GungraunConfig {
    /// `cargo bench --bench NAME` for each (at least one).
    pub benches: Vec<String>,
    /// Extra arguments to the bench binaries (after `--`), such as `--callgrind-args=…`.
    pub args: Vec<String>,
    /// The workspace package whose benches these are (`cargo bench -p`), when the budget file's
    /// manifest is not that package's.
    pub package: Option<String>,
    /// Cargo features to build the benches with (`--features`).
    pub features: Vec<String>,
}

/// `[[size]]`: the size of build outputs, `size/<name>/bytes`.
#[derive(Debug, Clone, Default)]
pub struct SizeConfig {
    /// Label in metric ids (`size/<name>/bytes`).
    pub name: String,
    /// Files or globs, relative to the budget file's folder; their sizes are summed.
    pub files: Vec<String>,
    /// Shell command that builds them (run in the budget file's folder, and in rerun mode in
    /// the base checkout too); without it the files must exist and the base comes from the store.
    pub build: Option<String>,
}

/// `[[hyperfine]]`: shell commands timed by hyperfine, `hyperfine/<command name>`.
#[derive(Debug, Clone, Default)]
pub struct HyperfineConfig {
    /// The table's name, for messages (ids are the command names, as `import hyperfine` gives).
    pub name: String,
    /// The commands to time, each with its name (`hyperfine -n NAME COMMAND`); from a list,
    /// the name is the command itself.
    pub commands: Vec<(String, String)>,
    /// Shell command run first in the budget file's folder (and, in rerun mode, in the same
    /// folder of the base checkout), e.g. `cargo build --release`.
    pub build: Option<String>,
    /// Timed runs per command and round (`--runs`).
    pub runs: u32,
    /// Untimed warm-up runs per command and round (`--warmup`).
    pub warmup: u32,
}

/// Timed runs per command and round when `[[hyperfine]]` does not set `runs`.
pub const HYPERFINE_DEFAULT_RUNS: u32 = 10;

/// `[[divan]]`: divan bench targets, `divan/<target>/<path…>`.
#[derive(Debug, Clone, Default)]
pub struct DivanConfig {
    /// Bench target names (`cargo bench --bench NAME`), each a divan bench.
    pub benches: Vec<String>,
    /// Extra arguments to the bench binaries (`--sample-count 20`, `--min-time 0.01` …).
    pub args: Vec<String>,
    /// The workspace package whose benches these are (`cargo bench -p`), when the budget file's
    /// manifest is not that package's.
    pub package: Option<String>,
    /// Cargo features to build the benches with (`--features`).
    pub features: Vec<String>,
}

/// Where in the budget file something was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A `[[budget]]` block.
#[derive(Debug, Clone)]
pub struct BudgetRule {
    /// Position among the `[[budget]]` blocks (0-based).
    pub index: usize,
    /// Where the block's `metric` key is.
    pub location: Location,
    /// The glob as written.
    pub metric: String,
    /// The compiled glob (`*` does not cross `/`; `**` does).
    pub matcher: GlobMatcher,
    /// Absolute upper limit.
    pub max: Option<Quantity>,
    /// Absolute lower limit.
    pub min: Option<Quantity>,
    /// Relative rule: the largest accepted regression, as a fraction (0.05 for `5%`).
    pub max_regression: Option<f64>,
    /// Overrides the metric's own direction.
    pub direction: Option<Direction>,
    /// Byte spans of the values of the block's keys (`metric`, `max`, `min`), for problems
    /// found while evaluating ([`BudgetFile::problem_at`]); empty when built in memory.
    pub spans: Vec<(&'static str, std::ops::Range<usize>)>,
}

impl BudgetRule {
    /// How specific the glob is: more literal characters and fewer wildcards win.
    pub fn specificity(&self) -> (usize, usize) {
        let wildcards = self
            .metric
            .chars()
            .filter(|c| matches!(c, '*' | '?' | '[' | '{'))
            .count();
        let literal = self.metric.chars().count() - wildcards;
        (usize::from(wildcards == 0), literal)
    }
}

/// A `[[waiver]]` block: a known, accepted regression.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// Where the block's `metric` key is.
    pub location: Location,
    /// The glob as written.
    pub metric: String,
    /// The compiled glob.
    pub matcher: GlobMatcher,
    /// Why the regression is accepted.
    pub reason: String,
    /// The last day the waiver applies (inclusive); `None` never expires.
    pub expires: Option<jiff::civil::Date>,
}
