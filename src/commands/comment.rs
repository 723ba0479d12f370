//! `comment`: post or update the sticky PR comment from saved JSON reports (several are merged
//! into one comment). It runs nothing, so it is what the privileged `workflow_run` half of the
//! fork-safe pattern calls on an artifact from the untrusted half.
//!
//! It is also how the action posts after `check`: `check --no-comment` runs the pull request's
//! code in a step that holds no token, then `comment --best-effort` posts its report from a step
//! that holds the token and runs nothing else.
//!
//! Exit codes: 0 when the comment was posted, updated or already current, and also when the
//! report is stale (the PR has a newer head: the newer run posts; overwriting it would show
//! old numbers); 2 for every error (no token, 401/403/404, GitHub unavailable, bad report).
//! With `--best-effort` only an unreadable report or budget file is an error. The report's own
//! verdict does not change the exit code: `check` is the gate.

use super::output::print_stderr;
use std::path::Path;

use anyhow::Context as _;

use super::Outcome;
use crate::budget::CommentOn;
use crate::cli::{CommentArgs, GlobalArgs};
use crate::github::{self, ClientConfig, CommentOptions, Context, GitHubError, Token};
use crate::report::Report;

/// A report artifact can come from an untrusted fork; refuse absurd sizes before reading.
const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Runs `comment`.
pub fn run(args: &CommentArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let mut reports = Vec::with_capacity(args.report.len());
    for path in &args.report {
        reports.push(read_report(path)?);
    }
    let report = Report::merge(reports).context("no report given (--report REPORT.json)")?;
    let comment_on = comment_on(args, global.budget.as_deref())?;
    let ctx = Context::from_env();
    if let Some(problem) = &ctx.event_problem {
        print_stderr(&format!("warning: {problem}"));
    }
    let opts = CommentOptions {
        pr: args.pr,
        comment_id: args.id.clone(),
        token_env: args.token_env.clone(),
        summary_url: args.summary_url.clone(),
        comment_on,
    };
    let token = Token::from_env(&args.token_env);
    let result = if args.best_effort {
        match best_effort(&ctx, token, &report, &opts, &args.report) {
            Some(result) => result,
            None => return Ok(Outcome::Pass),
        }
    } else {
        github::comment_report(&ctx, token, &report, &opts, ClientConfig::default())?
    };
    for w in &result.warnings {
        print_stderr(&format!("warning: {w}"));
    }
    if !global.quiet {
        super::output::print_stdout(&format!("{}\n", result.message))?;
    }
    if let (Some(path), Some(url)) = (&ctx.output, &result.comment_url) {
        github::workflow::write_outputs(path, &[("comment-url", url.clone())])
            .with_context(|| format!("writing the step outputs {}", path.display()))?;
    }
    Ok(Outcome::Pass)
}

/// `--comment-on`, else the `comment-on` of the budget file given with `--budget` (only that
/// setting is read), else `always`.
fn comment_on(args: &CommentArgs, budget: Option<&Path>) -> anyhow::Result<CommentOn> {
    if let Some(on) = args.comment_on {
        return Ok(on.into());
    }
    let Some(path) = budget else {
        return Ok(CommentOn::Always);
    };
    let budget = crate::budget::parse::load(path)
        .with_context(|| format!("reading budget file {}", path.display()))?;
    Ok(budget.settings.comment_on)
}

/// `--best-effort`: posts like `check` does, where nothing about the comment fails the step.
/// `None` when there is nothing to post (not a pull request, a fork's read-only token) or the
/// post failed; the reason has been printed.
fn best_effort(
    ctx: &Context,
    token: Option<Token>,
    report: &Report,
    opts: &CommentOptions,
    paths: &[std::path::PathBuf],
) -> Option<github::CommentResult> {
    let where_report = github::where_report(&paths.first().cloned(), ctx);
    if opts.pr.is_none() && ctx.pr_number().is_none() && ctx.workflow_run.is_none() {
        // A push or a manual run: nothing to comment on, as with `check`.
        return None;
    }
    if ctx.read_only_token() {
        print_stderr(&github::fork_message(&where_report));
        return None;
    }
    match github::comment_report(ctx, token, report, opts, ClientConfig::default()) {
        Ok(result) => Some(result),
        Err(GitHubError::Forbidden {
            integration: true, ..
        }) if ctx.pull_request.as_ref().is_some_and(|p| p.fork) => {
            print_stderr(&github::fork_message(&where_report));
            None
        }
        Err(e) => {
            print_stderr(&format!(
                "warning: could not post the PR comment: {e}{where_report}"
            ));
            None
        }
    }
}

pub(crate) fn read_report(path: &Path) -> anyhow::Result<Report> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading report {}", path.display()))?
        .len();
    if size > MAX_REPORT_BYTES {
        anyhow::bail!(
            "report {} is {size} bytes; a report over {MAX_REPORT_BYTES} bytes is not one `check` writes",
            path.display()
        );
    }
    // Through the shared reader: a FIFO given as report would block in `open`.
    let bytes = crate::model::input_file::read_document(path)
        .with_context(|| format!("reading report {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("reading report {}: not UTF-8 text", path.display()))?;
    Report::from_json(&text, &path.display().to_string()).map_err(anyhow::Error::from)
}
