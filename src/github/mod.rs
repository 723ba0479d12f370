//! GitHub: where a report goes after the gate has decided. [`publish`] (called by `check`)
//! writes the job summary, the step outputs and annotations, then posts the sticky PR comment;
//! [`comment_report`] (the `comment` command) only posts, for the fork-safe `workflow_run`
//! pattern.
//!
//! Nothing here changes the verdict or loses the report: the summary and the report file are
//! written before any network call, and a failed post is a message, not an error, in `check`.
//! Locally (no `GITHUB_ACTIONS`, no event, no token) nothing is written or posted.
//!
//! tokio lives inside [`client::Client`] (a current-thread runtime and `block_on`); every
//! function here is synchronous.

pub mod body;
pub mod client;
pub mod comment;
pub mod context;
pub mod error;
pub mod retry;
pub mod sticky;
pub mod token;
pub mod workflow;

use std::path::{Path, PathBuf};

pub use client::{Client, ClientConfig};
pub use context::{Context, Repo};
pub use error::GitHubError;
pub use retry::RetryPolicy;
pub use token::Token;

use crate::report::format::short_sha;
use crate::report::{Report, Verdict};
use comment::{CommentPlan, Posted};
use sticky::StickyAction;

/// How `check` publishes.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Sticky comment id.
    pub comment_id: String,
    /// Environment variable holding the token.
    pub token_env: String,
    /// Do not post a comment.
    pub no_comment: bool,
    /// Where the JSON report was written, if it was (`--output`); otherwise, on Actions, it is
    /// written to `$RUNNER_TEMP/perf-budget-report.json` so the `report` output always names one.
    pub report_path: Option<PathBuf>,
    /// Keep only warnings in the messages.
    pub quiet: bool,
    /// When a new comment is posted (an existing one is always updated; the job summary is
    /// always written).
    pub comment_on: crate::budget::CommentOn,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            comment_id: "default".into(),
            token_env: "GITHUB_TOKEN".into(),
            no_comment: false,
            report_path: None,
            quiet: false,
            comment_on: crate::budget::CommentOn::Always,
        }
    }
}

/// What [`publish`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishOutcome {
    /// What happened, one line each, for the caller to print (on stderr).
    pub messages: Vec<String>,
    /// Link to the PR comment, when one was posted or found current.
    pub comment_url: Option<String>,
    /// Where the JSON report is, when it was written.
    pub report_path: Option<PathBuf>,
}

/// Publishes a report from `check`: job summary, outputs, annotations (on stderr, where the
/// runner reads workflow commands without mixing them into a report on stdout), then the
/// sticky comment. Never fails; problems become messages.
pub fn publish(
    report: &Report,
    budget_path: Option<&Path>,
    opts: &PublishOptions,
) -> PublishOutcome {
    publish_with_token(report, budget_path, opts, Token::from_env(&opts.token_env))
}

/// [`publish`] with a token read earlier: `check` takes it out of the environment (see
/// [`Token::take_from_env`]) before it runs the pull request's code.
pub fn publish_with_token(
    report: &Report,
    budget_path: Option<&Path>,
    opts: &PublishOptions,
    token: Option<Token>,
) -> PublishOutcome {
    let ctx = Context::from_env();
    publish_in(
        &ctx,
        token,
        report,
        budget_path,
        opts,
        ClientConfig::default(),
    )
}

/// [`publish`] with the context, token and client settings given (for tests).
pub fn publish_in(
    ctx: &Context,
    token: Option<Token>,
    report: &Report,
    budget_path: Option<&Path>,
    opts: &PublishOptions,
    config: ClientConfig,
) -> PublishOutcome {
    let mut out = PublishOutcome::default();
    if let Some(problem) = &ctx.event_problem {
        out.messages.push(format!("warning: {problem}"));
    }
    // The report file and the summary first: whatever happens later, they exist.
    write_files(ctx, report, budget_path, opts, &mut out);
    if !opts.no_comment {
        post_comment(ctx, token, report, opts, config, &mut out);
    }
    out
}

/// Records `m` unless told to be quiet.
fn info(out: &mut PublishOutcome, opts: &PublishOptions, m: String) {
    if !opts.quiet {
        out.messages.push(m);
    }
}

/// The JSON report, the job summary, the step outputs and the annotations.
fn write_files(
    ctx: &Context,
    report: &Report,
    budget_path: Option<&Path>,
    opts: &PublishOptions,
    out: &mut PublishOutcome,
) {
    // Absolute, because the `report` output is read by later steps, which run in the workspace
    // root rather than in the action's `working-directory`.
    out.report_path = opts.report_path.as_deref().map(absolute);
    if out.report_path.is_none() && ctx.actions {
        let dir = ctx.runner_temp.clone().unwrap_or_else(std::env::temp_dir);
        let path = dir.join("perf-budget-report.json");
        match serde_json::to_string_pretty(report)
            .map_err(std::io::Error::other)
            .and_then(|json| std::fs::write(&path, json + "\n"))
        {
            Ok(()) => out.report_path = Some(path),
            Err(e) => out.messages.push(format!(
                "warning: could not save the JSON report to {}: {e}",
                path.display()
            )),
        }
    }
    if let Some(path) = &ctx.step_summary {
        match workflow::append_step_summary(path, &body::summary(report)) {
            Ok(()) => info(out, opts, "wrote the report to the job summary".into()),
            Err(e) => out.messages.push(format!(
                "warning: could not write the job summary {}: {e}",
                path.display()
            )),
        }
    }
    if let Some(path) = &ctx.output {
        let outputs = [
            (
                "verdict",
                // The exit code's word: a gate that measured nothing its budgets name exits 2.
                match (report.verdict, report.gate_error()) {
                    (Verdict::Fail, _) => "fail",
                    (Verdict::Pass, Some(_)) => "error",
                    (Verdict::Pass, None) => "pass",
                }
                .to_owned(),
            ),
            ("failed", report.summary.fail.to_string()),
            (
                "report",
                out.report_path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
        ];
        if let Err(e) = workflow::write_outputs(path, &outputs) {
            out.messages.push(format!(
                "warning: could not write the step outputs {}: {e}",
                path.display()
            ));
        }
    }
    if ctx.actions {
        let file = budget_path.map(|p| workflow::annotation_path(p, ctx.workspace.as_deref()));
        for a in workflow::annotations(report, file.as_deref()) {
            eprintln!("{}", a.command());
        }
    }
}

/// The sticky comment, when this is a pull request and a token may write to it.
fn post_comment(
    ctx: &Context,
    token: Option<Token>,
    report: &Report,
    opts: &PublishOptions,
    config: ClientConfig,
    out: &mut PublishOutcome,
) {
    let Some(pr) = ctx.pr_number() else {
        // Not a pull request (a push, a local run): nothing to comment on.
        return;
    };
    let where_report = where_report(&out.report_path, ctx);
    if ctx.read_only_token() {
        out.messages.push(fork_message(&where_report));
        return;
    }
    let Some(repo) = ctx.repository.clone() else {
        out.messages
            .push("warning: not commenting: GITHUB_REPOSITORY is not set".into());
        return;
    };
    let Some(token) = token else {
        out.messages.push(format!(
            "warning: not commenting on #{pr}: no token in {env} (add `env: {env}: ${{{{ github.token }}}}` and `permissions: pull-requests: write`)",
            env = opts.token_env
        ));
        return;
    };
    if let Err(e) = sticky::validate_id(&opts.comment_id) {
        out.messages.push(format!("warning: not commenting: {e}"));
        return;
    }
    let client = match Client::new(&ctx.api_url, token, &opts.token_env, config) {
        Ok(c) => c,
        Err(e) => {
            out.messages
                .push(format!("warning: not commenting: {e}{where_report}"));
            return;
        }
    };
    let plan = CommentPlan {
        report,
        repo,
        pr,
        comment_id: opts.comment_id.clone(),
        summary_url: ctx.summary_url(),
        event_head: comment::event_head(ctx),
        author: ctx.comment_author.clone(),
        comment_on: opts.comment_on,
    };
    match comment::post(&client, &plan) {
        Ok(posted) => {
            let (line, url) = describe(&posted, pr);
            if let (Some(path), Some(url)) = (&ctx.output, &url) {
                if let Err(e) = workflow::write_outputs(path, &[("comment-url", url.clone())]) {
                    out.messages.push(format!(
                        "warning: could not write the step outputs {}: {e}",
                        path.display()
                    ));
                }
            }
            out.comment_url = url;
            info(out, opts, line);
            if let Posted::Comment(o) = &posted {
                for note in &o.notes {
                    out.messages.push(format!("warning: {note}"));
                }
            }
        }
        Err(GitHubError::Forbidden {
            integration: true, ..
        }) if ctx.pull_request.as_ref().is_some_and(|p| p.fork) => {
            out.messages.push(fork_message(&where_report));
        }
        Err(e) => out.messages.push(format!(
            "warning: could not post the PR comment: {e}{where_report}"
        )),
    }
}

/// `path` made absolute against the current directory (unchanged if that is unknown).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_owned();
    }
    std::env::current_dir()
        .map(|dir| dir.join(path))
        .unwrap_or_else(|_| path.to_owned())
}

/// `; the report is in the job summary and at PATH`.
pub(crate) fn where_report(report_path: &Option<PathBuf>, ctx: &Context) -> String {
    match (ctx.step_summary.is_some(), report_path) {
        (true, Some(p)) => format!("; the report is in the job summary and at {}", p.display()),
        (true, None) => "; the report is in the job summary".into(),
        (false, Some(p)) => format!("; the report is at {}", p.display()),
        (false, None) => String::new(),
    }
}

/// What to do when a fork's read-only token cannot comment.
pub(crate) fn fork_message(where_report: &str) -> String {
    format!(
        "note: this pull request comes from a fork, so its token is read-only and cannot comment{where_report}. \
         To comment anyway, upload the report as an artifact in this workflow and post it from a \
         `workflow_run` workflow with `cargo perf-budget comment --report REPORT.json` \
         (see examples/perf-budget-fork-comment.yml)"
    )
}

/// One line about what happened to the comment, and its link.
fn describe(posted: &Posted, pr: u64) -> (String, Option<String>) {
    match posted {
        Posted::Comment(o) => {
            let what = match o.action {
                StickyAction::Created => "posted the comment on",
                StickyAction::Updated => "updated the comment on",
                StickyAction::Unchanged => "the comment is already current on",
            };
            let mut line = format!("{what} #{pr}");
            if let Some(url) = &o.html_url {
                line.push_str(&format!(": {url}"));
            }
            if o.shrunk {
                line.push_str(" (shortened: GitHub said the body was too long)");
            }
            if o.duplicates_removed > 0 {
                line.push_str(&format!(
                    " (removed {} duplicate comment(s))",
                    o.duplicates_removed
                ));
            }
            (line, o.html_url.clone())
        }
        Posted::Skipped { comment_on } => (
            format!(
                "no comment on #{pr}: comment-on = \"{}\" and this report has {} (the job summary has the full report)",
                comment_on.as_str(),
                match comment_on {
                    crate::budget::CommentOn::Failure => "no failure",
                    _ => "no change",
                }
            ),
            None,
        ),
        Posted::Stale { measured, current } => (
            format!(
                "not updating the comment on #{pr}: this report is for {}, but the pull request is now at {}; the run for the newer commit will post",
                short_sha(measured),
                short_sha(current)
            ),
            None,
        ),
    }
}

/// How `comment` posts.
#[derive(Debug, Clone)]
pub struct CommentOptions {
    /// `--pr`.
    pub pr: Option<u64>,
    /// `--id`.
    pub comment_id: String,
    /// `--token-env`.
    pub token_env: String,
    /// `--summary-url`.
    pub summary_url: Option<String>,
    /// `--comment-on`.
    pub comment_on: crate::budget::CommentOn,
}

/// What `comment` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentResult {
    /// One line about what happened.
    pub message: String,
    /// Warnings that did not stop it.
    pub warnings: Vec<String>,
    /// Link to the comment.
    pub comment_url: Option<String>,
}

/// The `comment` command: posts `report` as the sticky comment of the PR from `--pr`, the event,
/// or (a `workflow_run` for a fork) the PR whose head the run measured. A stale report is
/// skipped successfully; every other problem is an error.
pub fn comment_report(
    ctx: &Context,
    token: Option<Token>,
    report: &Report,
    opts: &CommentOptions,
    config: ClientConfig,
) -> Result<CommentResult, GitHubError> {
    sticky::validate_id(&opts.comment_id).map_err(GitHubError::BadCommentId)?;
    let repo = ctx.repository.clone().ok_or(GitHubError::NoRepository)?;
    let token = token.ok_or_else(|| GitHubError::NoToken {
        env: opts.token_env.clone(),
    })?;
    let client = Client::new(&ctx.api_url, token, &opts.token_env, config)?;
    let pr =
        comment::resolve_pr(ctx, opts.pr, &client)?.ok_or_else(|| GitHubError::NoPullRequest {
            detail: match &ctx.workflow_run {
                Some(run) => format!(
                    " (no open pull request has head {}:{} at {})",
                    run.head_owner.as_deref().unwrap_or("?"),
                    run.head_branch.as_deref().unwrap_or("?"),
                    run.head_sha.as_deref().unwrap_or("?")
                ),
                None => String::new(),
            },
        })?;
    let plan = CommentPlan {
        report,
        repo,
        pr,
        comment_id: opts.comment_id.clone(),
        summary_url: opts.summary_url.clone().or_else(|| ctx.summary_url()),
        event_head: comment::event_head(ctx),
        author: ctx.comment_author.clone(),
        comment_on: opts.comment_on,
    };
    let posted = comment::post(&client, &plan)?;
    let (message, comment_url) = describe(&posted, pr);
    let warnings = match &posted {
        Posted::Comment(o) => o.notes.clone(),
        Posted::Stale { .. } | Posted::Skipped { .. } => Vec::new(),
    };
    Ok(CommentResult {
        message,
        warnings,
        comment_url,
    })
}
