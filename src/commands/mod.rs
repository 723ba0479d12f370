//! One file per subcommand. Commands glue the library together with `anyhow` context; every
//! error they return is reported with its chain and exit code 2. A violated budget is not an
//! error: it is [`Outcome::Fail`], exit code 1.

mod check;
mod comment;
mod compare;
mod history;
mod import;
mod init;
mod output;
mod run;
mod store;

use anyhow::Context;

use crate::budget::BudgetFile;
use crate::cli::{Cli, Command, GlobalArgs};

/// How a command ended when nothing went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every budget met (exit 0).
    Pass,
    /// A budget violated (exit 1).
    Fail,
}

impl Outcome {
    /// The process exit code.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
        }
    }
}

/// Whether error messages on stderr are coloured (`--color`, `CARGO_TERM_COLOR`, `NO_COLOR`).
pub fn error_color(global: &GlobalArgs) -> bool {
    output::use_color_stderr(global)
}

/// Runs the command the user asked for.
pub fn dispatch(cli: Cli) -> anyhow::Result<Outcome> {
    if let Some(problem) = cli.leading_problem() {
        anyhow::bail!(problem);
    }
    let g = &cli.global();
    match cli.command {
        Command::Check(args) => check::run(&args, g),
        Command::Run(args) => run::run(&args, g),
        Command::Import(args) => import::run(args.kind, g),
        Command::Compare(args) => compare::run(&args, g),
        Command::Comment(args) => comment::run(&args, g),
        Command::History(args) => history::run(&args, g),
        Command::Store(args) => store::run(args.action, g),
        Command::Init(args) => init::run(&args, g),
    }
}

/// Loads the budget file: `--budget`, else `budgets.toml` next to the manifest or in the current
/// directory. A missing file is an error: a gate without budgets would pass silently.
pub(crate) fn load_budget(global: &GlobalArgs) -> anyhow::Result<BudgetFile> {
    let path = match &global.budget {
        Some(p) => p.clone(),
        None => crate::budget::parse::default_budget_path(
            global.manifest_path.as_deref().and_then(|m| m.parent()),
        ),
    };
    // Only a path that is really absent is "not found"; a symbolic-link loop or a directory
    // without permission goes on to `load`, whose error carries what the OS said.
    if std::fs::symlink_metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        anyhow::bail!(
            "budget file {} not found (create one with `cargo perf-budget init`, or pass --budget PATH)",
            path.display()
        );
    }
    crate::budget::parse::load(&path)
        .with_context(|| format!("reading budget file {}", path.display()))
}
