//! The command line: clap derive types only. `cargo` runs us as `cargo-perf-budget perf-budget …`,
//! so the top level is a one-variant enum named after the subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  every budget is met (inconclusive results pass unless --strict)
  1  a budget is violated
  2  usage, configuration or input error (bad budget file, unreadable data, git failure)";

/// `cargo perf-budget`, as cargo invokes it.
#[derive(Debug, Parser)]
#[command(bin_name = "cargo", version, styles = clap::builder::styling::Styles::styled())]
pub enum CargoCli {
    /// A performance-budget gate for pull requests.
    PerfBudget(Cli),
}

/// A performance-budget gate for pull requests: criterion, Lighthouse and k6 results against one
/// budget file, with significance tests that do not cry wolf on noisy CI runners.
#[derive(Debug, Args)]
// Without a display name clap shows the subcommand as `cargo-perf-budget-perf-budget`.
#[command(
    version,
    display_name = "cargo-perf-budget",
    after_help = EXIT_CODES,
    after_long_help = EXIT_CODES
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
    /// Options shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options shared by every command.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Budget file [default: budgets.toml next to Cargo.toml, else in the current directory].
    #[arg(long, global = true, value_name = "PATH")]
    pub budget: Option<PathBuf>,
    /// Report format on stdout (or in --output).
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Write the report (or imported results) to this file instead of stdout.
    #[arg(long, short = 'o', global = true, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// When to use colour [env: CARGO_TERM_COLOR; NO_COLOR is honoured].
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,
    /// Print only errors and the verdict.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail (every metric, secondary statistics).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Path to Cargo.toml of the package to benchmark.
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people at a terminal.
    Terminal,
    /// Markdown, as posted in the PR comment and the job summary.
    Markdown,
    /// The JSON report (`perf-budget/report/v1`), the machine contract.
    Json,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole gate: measure head, obtain the base, evaluate every budget, report, exit.
    Check(CheckArgs),
    /// Measure HEAD (or take --results) and save the results to the git result store.
    Run(RunArgs),
    /// Convert tool outputs into a results file (`perf-budget/results/v1`).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Evaluate the budgets on two results files; same report and exit codes as `check`.
    Compare(CompareArgs),
    /// Post or update the sticky PR comment from saved reports; runs nothing.
    Comment(CommentArgs),
    /// Show the stored trend of metrics, as a table, JSON, Markdown or an SVG chart.
    History(HistoryArgs),
    /// Push or fetch the result store ref.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Write a commented budgets.toml for this project (never overwrites).
    Init(InitArgs),
}

/// `check`.
#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    /// Compare against this results file instead of rerunning or reading the store.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["base_rev", "aa"])]
    pub base: Option<PathBuf>,
    /// Base revision to rerun [default: the PR base SHA, else `git merge-base HEAD <main-branch>`].
    #[arg(long, value_name = "REV")]
    pub base_rev: Option<String>,
    /// Measure HEAD against itself, interleaved, to see the false-alarm rate on this machine.
    #[arg(long)]
    pub aa: bool,
    /// Where the base comes from [default: settings.baseline].
    #[arg(long, value_enum)]
    pub baseline: Option<BaselineArg>,
    /// Interleaved base/head rounds [default: settings.rounds].
    #[arg(long, value_name = "N")]
    pub rounds: Option<u32>,
    /// Inconclusive results fail the gate.
    #[arg(long)]
    pub strict: bool,
    /// Also write the head results to this file.
    #[arg(long, value_name = "FILE")]
    pub save_head: Option<PathBuf>,
    /// Do not post a PR comment even when running on a PR with a token that can write.
    #[arg(long)]
    pub no_comment: bool,
    /// Sticky comment id, so several suites can each keep one comment.
    #[arg(long, value_name = "ID")]
    pub comment_id: Option<String>,
    /// Environment variable holding the GitHub token.
    #[arg(long, value_name = "NAME", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
    /// Testing aid: take head (and base) results from this directory's `head.json`/`base.json`
    /// instead of running benchmarks.
    #[arg(long, hide = true, value_name = "DIR")]
    pub fake_runner: Option<PathBuf>,
}

/// Baseline choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineArg {
    /// Build and measure the base commit in this job, interleaved with head.
    Rerun,
    /// Use the stored results of the base commit (or its nearest ancestor that has some).
    Store,
}

/// `run`.
#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// Save this results file instead of measuring.
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
    /// Attach the results to this commit [default: HEAD].
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Suite name [default: settings.suite, else `default`].
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
    /// Push the store to this remote afterwards.
    #[arg(long, value_name = "REMOTE")]
    pub push: Option<String>,
}

/// `import`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A criterion output tree (`target/criterion`, or a directory holding one).
    Criterion {
        /// The directory.
        dir: PathBuf,
        /// The criterion baseline to read (`new` is the latest run; any `--save-baseline` name).
        #[arg(long, default_value = "new", value_name = "NAME")]
        baseline: String,
    },
    /// Lighthouse reports (runs of one page), a flow report or a Lighthouse CI folder.
    Lighthouse {
        /// Report files or folders.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Label used in metric ids (`lighthouse/<name>/…`).
        #[arg(long)]
        name: String,
    },
    /// k6 output: `--summary-export` JSON, `handleSummary` JSON or the `--out json` stream.
    K6 {
        /// Files (recognised by content); a summary and a stream may be given together.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Label used in metric ids (`k6/<name>/…`).
        #[arg(long)]
        name: String,
    },
}

/// `compare`.
#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    /// Base results file(s); several are merged.
    #[arg(value_name = "BASE.json")]
    pub base: PathBuf,
    /// Head results file.
    #[arg(value_name = "HEAD.json")]
    pub head: PathBuf,
    /// Inconclusive results fail the gate.
    #[arg(long)]
    pub strict: bool,
}

/// `comment`.
#[derive(Debug, Args, Clone)]
pub struct CommentArgs {
    /// Saved JSON report(s); several are merged into one comment.
    #[arg(long, required = true, value_name = "REPORT.json")]
    pub report: Vec<PathBuf>,
    /// Pull request number [default: from GITHUB_EVENT_PATH].
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// Sticky comment id.
    #[arg(long, default_value = "default", value_name = "ID")]
    pub id: String,
    /// Environment variable holding the GitHub token.
    #[arg(long, value_name = "NAME", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
    /// Link to the full job summary, used when the comment must be shortened.
    #[arg(long, value_name = "URL")]
    pub summary_url: Option<String>,
}

/// `history`.
#[derive(Debug, Args, Clone, Default)]
pub struct HistoryArgs {
    /// Metric ids to show (glob) [default: all].
    #[arg(value_name = "METRIC-GLOB")]
    pub metric: Option<String>,
    /// Only the last N commits with results.
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
    /// Suite [default: all suites].
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
    /// Draw an SVG trend chart to this file.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Start walking from this revision [default: HEAD].
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Write a static dashboard (index.html with everything inlined) into this directory.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
    /// With --html: draw this report's head values (a PR's `check --format json`) after the last commit.
    #[arg(long, value_name = "FILE", requires = "html")]
    pub report: Option<PathBuf>,
    /// With --html: link of a commit, `{sha}` standing for its SHA [default: GitHub's, from the
    /// `origin` remote when it is on github.com].
    #[arg(long, value_name = "TEMPLATE", requires = "html")]
    pub commit_url: Option<String>,
}

/// `store`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Push the result store ref (merging with the remote's on a race).
    Push {
        /// Remote name or URL.
        #[arg(default_value = "origin")]
        remote: String,
    },
    /// Fetch the result store ref and merge it into the local one.
    Fetch {
        /// Remote name or URL.
        #[arg(default_value = "origin")]
        remote: String,
    },
}

/// `init`.
#[derive(Debug, Args, Clone, Default)]
pub struct InitArgs {
    /// Where to write [default: budgets.toml next to Cargo.toml].
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
}
