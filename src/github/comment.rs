//! Posting a report as the sticky PR comment: finding the pull request (also for a
//! `workflow_run` from a fork, whose event carries no PR number), refusing to let a stale
//! report overwrite a newer one, and rendering the body within GitHub's limit.
//!
//! Staleness: the commit a report measured is the PR head named by the event
//! (`pull_request.head.sha`, `workflow_run.head_sha`), else the report's own head commit. If the
//! PR has moved on since, the comment is left alone: the run for the newer commit will post.
//! This also stops a forged PR number in an artifact from reaching another PR's comment.

use super::body;
use super::client::{Client, PullRequest};
use super::context::{Context, Repo};
use super::error::GitHubError;
use super::sticky::{self, StickyOutcome, Target};
use crate::budget::CommentOn;
use crate::report::{Kind, Report, Status, Verdict};

/// What to post where.
#[derive(Debug, Clone)]
pub struct CommentPlan<'a> {
    /// The (merged) report.
    pub report: &'a Report,
    /// The repository.
    pub repo: Repo,
    /// The pull request.
    pub pr: u64,
    /// The sticky comment id.
    pub comment_id: String,
    /// Link to the full report, shown when the comment had to be shortened.
    pub summary_url: Option<String>,
    /// The commit the report is about, if known.
    pub measured_head: Option<String>,
    /// The login our comments carry, when known without asking GitHub.
    pub author: Option<String>,
    /// When a new comment is created (an existing one is always updated).
    pub comment_on: CommentOn,
}

/// Whether `report` warrants a new comment under `on`. An existing comment is updated whatever
/// this says, so it never keeps showing a failure that was fixed.
pub fn warrants_comment(report: &Report, on: CommentOn) -> bool {
    let failed = report.verdict == Verdict::Fail || report.gate_error().is_some();
    match on {
        CommentOn::Always => true,
        CommentOn::Failure => failed,
        CommentOn::Change => {
            failed
                || !report.alerts().is_empty()
                || report.results.iter().any(|r| {
                    !r.unbudgeted()
                        && (matches!(
                            r.status,
                            Status::Inconclusive | Status::New | Status::Missing
                        ) || matches!(r.kind, Kind::Regression | Kind::Improvement))
                })
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// The comment was created, updated or already current.
    Comment(StickyOutcome),
    /// `comment-on` asked for no new comment on this report and there was none to update.
    Skipped {
        /// The `comment-on` setting that decided.
        comment_on: CommentOn,
    },
    /// The PR's head is no longer the measured commit; nothing was changed.
    Stale {
        /// The commit the report measured.
        measured: String,
        /// The PR's head now.
        current: String,
    },
}

/// Posts (or updates) the comment, unless the report is stale.
pub fn post(client: &Client, plan: &CommentPlan<'_>) -> Result<Posted, GitHubError> {
    let pull: PullRequest = client.pull_request(&plan.repo, plan.pr)?;
    if let Some(measured) = &plan.measured_head {
        if !same_commit(measured, &pull.head_sha) {
            return Ok(Posted::Stale {
                measured: measured.clone(),
                current: pull.head_sha,
            });
        }
    }
    let author = match &plan.author {
        Some(login) => login.clone(),
        None => client.current_login()?,
    };
    let target = Target {
        repo: plan.repo.clone(),
        pr: plan.pr,
        id: plan.comment_id.clone(),
        author,
    };
    let render = |max_chars: usize| {
        body::comment(
            plan.report,
            &plan.comment_id,
            max_chars,
            plan.summary_url.as_deref(),
        )
    };
    let create = warrants_comment(plan.report, plan.comment_on);
    Ok(match sticky::upsert_if(client, &target, &render, create)? {
        Some(outcome) => Posted::Comment(outcome),
        None => Posted::Skipped {
            comment_on: plan.comment_on,
        },
    })
}

/// The pull request to comment on: `explicit` (`--pr`), else the event's, else, for a
/// `workflow_run` from a fork, the open PR whose head is the run's branch at the run's commit.
pub fn resolve_pr(
    ctx: &Context,
    explicit: Option<u64>,
    client: &Client,
) -> Result<Option<u64>, GitHubError> {
    if let Some(n) = explicit.or_else(|| ctx.pr_number()) {
        return Ok(Some(n));
    }
    let (Some(repo), Some(run)) = (&ctx.repository, &ctx.workflow_run) else {
        return Ok(None);
    };
    match (&run.head_owner, &run.head_branch, &run.head_sha) {
        (Some(owner), Some(branch), Some(sha)) => Ok(client
            .pull_request_by_head(repo, owner, branch, sha)?
            .map(|p| p.number)),
        _ => Ok(None),
    }
}

/// The commit the report measured: the event's PR head, else the report's head.
pub fn measured_head(ctx: &Context, report: &Report) -> Option<String> {
    ctx.event_head_sha()
        .map(str::to_owned)
        .or_else(|| report.head.commit.clone())
        .filter(|s| !s.trim().is_empty())
}

/// Same commit, allowing one side to be abbreviated (at least 7 hex digits).
pub fn same_commit(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_ascii_lowercase(), b.trim().to_ascii_lowercase());
    if a.len() == b.len() {
        return a == b;
    }
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    short.len() >= 7 && long.starts_with(&short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_compare_with_abbreviations() {
        let full = "0123456789abcdef0123456789abcdef01234567";
        assert!(same_commit(full, full));
        assert!(same_commit("0123456", full));
        assert!(same_commit(full, "0123456789AB"));
        assert!(!same_commit("012345", full));
        assert!(!same_commit("1123456789", full));
    }
}
