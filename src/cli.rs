//! The command line: clap derive types only. `cargo` runs us as `cargo-perf-budget perf-budget …`,
//! so the top level is a one-variant enum named after the subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  every budget is met (inconclusive results pass unless --strict)
  1  a budget is violated
  2  usage, configuration or input error (bad budget file, unreadable data, git failure),
     or nothing measured that any budget rule names";

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
    /// When to use colour, in what the command prints and in error messages [env:
    /// CARGO_TERM_COLOR; NO_COLOR is honoured].
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,
    /// Options written before the subcommand name, as earlier versions took them.
    #[command(flatten)]
    pub leading: LeadingArgs,
}

/// The options every subcommand used to accept, also before its name
/// (`cargo perf-budget --budget b.toml import k6 …`). Still accepted there, hidden from the help,
/// for the subcommands that use them; [`Cli::leading_problem`] refuses the others.
#[derive(Debug, Args, Clone, Default)]
pub struct LeadingArgs {
    #[arg(long = "budget", hide = true, value_name = "PATH")]
    budget: Option<PathBuf>,
    #[arg(long = "format", hide = true, value_enum)]
    format: Option<Format>,
    #[arg(long = "output", short = 'o', hide = true, value_name = "PATH")]
    output: Option<PathBuf>,
    #[arg(long = "quiet", short = 'q', hide = true)]
    quiet: bool,
    #[arg(long = "verbose", short = 'v', hide = true)]
    verbose: bool,
    #[arg(long = "manifest-path", hide = true, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
}

/// Which of the [`LeadingArgs`] a subcommand uses.
struct Uses {
    budget: bool,
    format: bool,
    output: bool,
    verbose: bool,
    manifest_path: bool,
}

impl Cli {
    fn uses(&self) -> Uses {
        let (budget, format, output, verbose, manifest_path) = match &self.command {
            Command::Check(_) | Command::Compare(_) => (true, true, true, true, true),
            Command::Run(_) | Command::Init(_) => (true, false, false, false, true),
            Command::Import(a) => (
                matches!(a.kind, ImportCommand::K6 { .. }),
                false,
                true,
                false,
                false,
            ),
            Command::Comment(_) => (true, false, false, false, false),
            Command::History(_) => (true, true, true, false, true),
            Command::Store(_) => (false, false, false, false, true),
        };
        Uses {
            budget,
            format,
            output,
            verbose,
            manifest_path,
        }
    }

    fn name(&self) -> &'static str {
        match &self.command {
            Command::Check(_) => "check",
            Command::Run(_) => "run",
            Command::Import(_) => "import",
            Command::Compare(_) => "compare",
            Command::Comment(_) => "comment",
            Command::History(_) => "history",
            Command::Store(_) => "store",
            Command::Init(_) => "init",
        }
    }

    /// An option written before the subcommand name that this subcommand does not use
    /// (`cargo perf-budget --format json init`): refused rather than ignored.
    pub fn leading_problem(&self) -> Option<String> {
        let l = &self.leading;
        let u = self.uses();
        let unused = [
            ("--budget", l.budget.is_some() && !u.budget),
            ("--format", l.format.is_some() && !u.format),
            ("--output", l.output.is_some() && !u.output),
            ("--verbose", l.verbose && !u.verbose),
            (
                "--manifest-path",
                l.manifest_path.is_some() && !u.manifest_path,
            ),
        ];
        let (flag, _) = unused.iter().find(|(_, bad)| *bad)?;
        Some(format!(
            "{flag} does not apply to `{}` (see `cargo perf-budget {} --help`)",
            self.name(),
            self.name()
        ))
    }

    /// The options the commands read, gathered from the subcommand that was given: each
    /// subcommand accepts only the options it uses, and what it does not use stays unset here.
    pub fn global(&self) -> GlobalArgs {
        let mut g = GlobalArgs {
            color: self.color,
            ..GlobalArgs::default()
        };
        let report = |g: &mut GlobalArgs, r: &ReportArgs| {
            g.format = r.format;
            g.output = r.output.clone();
            g.verbose = r.verbose;
        };
        match &self.command {
            Command::Check(a) => {
                g.budget = a.budget.clone();
                g.manifest_path = a.manifest_path.clone();
                g.quiet = a.quiet;
                report(&mut g, &a.report);
            }
            Command::Run(a) => {
                g.budget = a.budget.clone();
                g.manifest_path = a.manifest_path.clone();
                g.quiet = a.quiet;
            }
            Command::Import(a) => {
                g.output = a.output.clone();
                g.quiet = a.quiet;
                if let ImportCommand::K6 { budget, .. } = &a.kind {
                    g.budget = budget.clone();
                }
            }
            Command::Compare(a) => {
                g.budget = a.budget.clone();
                g.manifest_path = a.manifest_path.clone();
                g.quiet = a.quiet;
                report(&mut g, &a.report);
            }
            Command::Comment(a) => {
                g.budget = a.budget.clone();
                g.quiet = a.quiet;
            }
            Command::History(a) => {
                g.budget = a.budget.clone();
                g.manifest_path = a.manifest_path.clone();
                g.quiet = a.quiet;
                g.format = a.format.map(Into::into);
                g.output = a.output.clone();
            }
            Command::Store(a) => {
                g.manifest_path = a.manifest_path.clone();
                g.quiet = a.quiet;
            }
            Command::Init(a) => {
                g.budget = a.budget.clone();
                g.manifest_path = a.manifest_path.clone();
                g.quiet = a.quiet;
            }
        }
        // Options before the subcommand name fill in what it was not given after it.
        let l = &self.leading;
        let u = self.uses();
        if u.budget && g.budget.is_none() {
            g.budget = l.budget.clone();
        }
        if u.format && g.format.is_none() {
            g.format = l.format;
        }
        if u.output && g.output.is_none() {
            g.output = l.output.clone();
        }
        if u.verbose {
            g.verbose |= l.verbose;
        }
        if u.manifest_path && g.manifest_path.is_none() {
            g.manifest_path = l.manifest_path.clone();
        }
        g.quiet |= l.quiet;
        g
    }
}

/// The options the commands read, whichever subcommand they came from (see [`Cli::global`]).
#[derive(Debug, Clone, Default)]
pub struct GlobalArgs {
    /// `--budget`.
    pub budget: Option<PathBuf>,
    /// `--format` (history's formats mapped onto the same three).
    pub format: Option<Format>,
    /// `--output`.
    pub output: Option<PathBuf>,
    /// `--color`.
    pub color: Option<ColorChoice>,
    /// `--quiet`.
    pub quiet: bool,
    /// `--verbose`.
    pub verbose: bool,
    /// `--manifest-path`.
    pub manifest_path: Option<PathBuf>,
}

/// How `check` and `compare` write their report.
#[derive(Debug, Args, Clone, Default)]
pub struct ReportArgs {
    /// Format of the report [default: terminal on stdout; with --output, from the file's
    /// extension (.md markdown, .txt terminal), else json].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Show every metric in the report, with the rules' sources and secondary statistics.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people at a terminal.
    Terminal,
    /// Markdown, as posted in the PR comment and the job summary.
    Markdown,
    /// JSON: the report (`perf-budget/report/v1`, the machine contract).
    Json,
}

/// Formats of `history`'s table of stored values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// A table for people at a terminal.
    Terminal,
    /// A Markdown table.
    Markdown,
    /// JSON: the stored values per commit (not a report).
    Json,
}

impl From<HistoryFormat> for Format {
    fn from(f: HistoryFormat) -> Self {
        match f {
            HistoryFormat::Terminal => Format::Terminal,
            HistoryFormat::Markdown => Format::Markdown,
            HistoryFormat::Json => Format::Json,
        }
    }
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
    Import(ImportArgs),
    /// Evaluate the budgets on two results files; same report and exit codes as `check`.
    Compare(CompareArgs),
    /// Post or update the sticky PR comment from saved reports; runs nothing.
    Comment(CommentArgs),
    /// Show the stored trend of metrics, as a table, JSON, Markdown or an SVG chart.
    History(HistoryArgs),
    /// Push or fetch the result store ref.
    Store(StoreArgs),
    /// Write a commented budgets.toml for this project (never overwrites).
    Init(InitArgs),
}

/// `check`.
#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    /// Budget file [default: budgets.toml next to the --manifest-path Cargo.toml, else in the
    /// current directory].
    #[arg(long, value_name = "PATH")]
    pub budget: Option<PathBuf>,
    /// Path to Cargo.toml of the package to benchmark.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// How to write the report.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Print only errors, warnings and a one-line verdict: no progress, no table.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Compare against these results files (several are merged) instead of rerunning or reading
    /// the store.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["base_rev", "aa"])]
    pub base: Vec<PathBuf>,
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
    /// Seed of the order of base and head within pairs of rounds (the report records the one
    /// drawn) [default: a fresh one].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
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
    /// When to post the PR comment [default: settings.comment-on, else always]; the job summary
    /// always has the full report.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub comment_on: Option<CommentOnArg>,
    /// Environment variable holding the GitHub token.
    #[arg(long, value_name = "NAME", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
    /// Evaluate these head results (measured elsewhere; several are merged, e.g. the shards of a
    /// matrix) instead of measuring; the base comes from --base or the result store.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["aa", "rounds", "shard"])]
    pub results: Vec<PathBuf>,
    /// Measure only this share of the criterion benchmarks (K of N, e.g. 2/3), for a matrix of
    /// jobs; save both sides (--save-head, --save-base) and evaluate them together with
    /// `check --results … --base …`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::runner::shard::Shard>,
    /// Also write the base results to this file.
    #[arg(long, value_name = "FILE")]
    pub save_base: Option<PathBuf>,
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
    /// Budget file: what to measure, and the suite [default: budgets.toml next to the
    /// --manifest-path Cargo.toml, else in the current directory; optional with --results].
    #[arg(long, value_name = "PATH")]
    pub budget: Option<PathBuf>,
    /// Path to Cargo.toml of the package to measure; the store is in its repository.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Print only errors and warnings: no progress, no line about what was saved.
    #[arg(long, short)]
    pub quiet: bool,
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
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What to import.
    #[command(subcommand)]
    pub kind: ImportCommand,
    /// Write the results file (`perf-budget/results/v1` JSON) here instead of to stdout.
    #[arg(long, short = 'o', global = true, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Print nothing but errors: no warnings, no summary line.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// The tools `import` reads.
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
        /// Budget file: also compute the statistics its rules name that only the `--out json`
        /// stream can give (percentiles such as `p(99.9)`).
        #[arg(long, value_name = "PATH")]
        budget: Option<PathBuf>,
    },
    /// hyperfine `--export-json` files (`hyperfine/<command>…`).
    Hyperfine {
        /// Export files; several are merged.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also import the mean user and system CPU times (single values without a spread:
        /// small ones move by scheduler noise alone).
        #[arg(long)]
        cpu_times: bool,
    },
    /// libtest bench output (`cargo +nightly bench` of `#[bench]` functions): `libtest/<name>`.
    Libtest {
        /// Saved outputs; several of the same benches are runs of them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Bencher Metric Format JSON (`bmf/<benchmark>/<measure>`).
    Bmf {
        /// BMF files; a benchmark found in several files has one run per file.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// github-action-benchmark custom JSON, `[{name, unit, value}]` (`custom/<name>`).
    Custom {
        /// JSON files; a name found in several files has one run per file.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Higher values are better (github-action-benchmark's `customBiggerIsBetter`);
        /// lower is better otherwise.
        #[arg(long)]
        bigger_is_better: bool,
    },
    /// gungraun (iai-callgrind) `summary.json` files (`--save-summary`): `target/gungraun`.
    #[command(visible_alias = "iai-callgrind")]
    Gungraun {
        /// A directory holding summaries (`target/gungraun`, `target/iai`) or one summary file.
        dir: PathBuf,
    },
    /// The text table divan prints (`cargo bench` output saved to a file).
    Divan {
        /// The saved output.
        file: PathBuf,
        /// Bench target in metric ids (`divan/<name>/…`) [default: the table's root].
        #[arg(long)]
        name: Option<String>,
    },
}

/// `compare`.
#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    /// Base results file (`perf-budget/results/v1`, as `import` or `check --save-head` writes;
    /// a report is not a results file).
    #[arg(value_name = "BASE.json")]
    pub base: PathBuf,
    /// Head results file.
    #[arg(value_name = "HEAD.json")]
    pub head: PathBuf,
    /// Inconclusive results fail the gate.
    #[arg(long)]
    pub strict: bool,
    /// Budget file [default: budgets.toml next to the --manifest-path Cargo.toml, else in the
    /// current directory].
    #[arg(long, value_name = "PATH")]
    pub budget: Option<PathBuf>,
    /// Path to a Cargo.toml: the default budget file is next to it.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// How to write the report.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Print only errors, warnings and a one-line verdict instead of the table.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
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
    /// Link to the workflow run whose job summary has the full report [default: the run from
    /// the Actions variables].
    #[arg(long, value_name = "URL")]
    pub summary_url: Option<String>,
    /// When to post: `failure` and `change` only create a comment when the report fails or
    /// shows a change, but always update one already there [default: `comment-on` of the
    /// --budget file, else always].
    #[arg(long, value_enum, value_name = "WHEN")]
    pub comment_on: Option<CommentOnArg>,
    /// Never fail over the comment itself: outside a pull request, on a fork's read-only token,
    /// without a token or when GitHub refuses, say so and exit 0, as `check` does when it posts.
    /// For the step that posts right after `check --no-comment`; a bad report is still an error.
    #[arg(long)]
    pub best_effort: bool,
    /// Budget file whose `comment-on` applies when --comment-on is not given (nothing else in
    /// it is read).
    #[arg(long, value_name = "PATH")]
    pub budget: Option<PathBuf>,
    /// Print only errors and warnings, not what happened to the comment.
    #[arg(long, short)]
    pub quiet: bool,
}

/// When to post the PR comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommentOnArg {
    /// On every run.
    Always,
    /// Only when the gate fails (an existing comment is still updated).
    Failure,
    /// Only when a budgeted metric moved, failed or needs attention (an existing comment is
    /// still updated).
    Change,
}

impl From<CommentOnArg> for crate::budget::CommentOn {
    fn from(a: CommentOnArg) -> Self {
        match a {
            CommentOnArg::Always => crate::budget::CommentOn::Always,
            CommentOnArg::Failure => crate::budget::CommentOn::Failure,
            CommentOnArg::Change => crate::budget::CommentOn::Change,
        }
    }
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
    /// Format of the table of stored values [default: terminal].
    #[arg(long, value_enum)]
    pub format: Option<HistoryFormat>,
    /// Write the table to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Budget file whose limits are drawn on --chart and --html [default: budgets.toml next to
    /// the --manifest-path Cargo.toml or in the current directory, when there is one].
    #[arg(long, value_name = "PATH")]
    pub budget: Option<PathBuf>,
    /// Path to a Cargo.toml: the store is in its repository, the default budget file next to it.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Print no notes; with --chart or --html, no table on stdout either.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `store`.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Push or fetch.
    #[command(subcommand)]
    pub action: StoreCommand,
    /// Path to a Cargo.toml: the store is in its repository [default: the current directory's].
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Print only errors: no line about what was pushed or fetched.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// What `store` does.
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
    /// Where to write, when PATH is not given (the same as PATH).
    #[arg(long, value_name = "PATH")]
    pub budget: Option<PathBuf>,
    /// Path to Cargo.toml of the package to write a budget file for [default: the nearest one
    /// at or above the current directory].
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Print nothing but errors: no summary of what was written.
    #[arg(long, short)]
    pub quiet: bool,
}
