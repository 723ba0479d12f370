//! `comment`: post or update the sticky PR comment from saved JSON reports (several are merged
//! into one comment). It runs nothing, so it is what the privileged `workflow_run` half of the
//! fork-safe pattern calls on an artifact from the untrusted half.
//!
//! Exit codes: 0 when the comment was posted, updated or already current, and also when the
//! report is stale (the PR has a newer head: the newer run posts; overwriting it would show
//! old numbers); 2 for every error (no token, 401/403/404, GitHub unavailable, bad report).
//! The report's own verdict does not change the exit code: `check` is the gate.

use super::output::print_stderr;
use std::path::Path;

use anyhow::Context as _;

use super::Outcome;
use crate::cli::{CommentArgs, GlobalArgs};
use crate::github::{self, ClientConfig, CommentOptions, Context, Token};
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
    let ctx = Context::from_env();
    if let Some(problem) = &ctx.event_problem {
        print_stderr(&format!("warning: {problem}"));
    }
    let opts = CommentOptions {
        pr: args.pr,
        comment_id: args.id.clone(),
        token_env: args.token_env.clone(),
        summary_url: args.summary_url.clone(),
        comment_on: args.comment_on.into(),
    };
    let token = Token::from_env(&args.token_env);
    let result = github::comment_report(&ctx, token, &report, &opts, ClientConfig::default())?;
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
