//! Posting a report as the sticky PR comment: finding the pull request (also for a
//! `workflow_run` from a fork, whose event carries no PR number), refusing to let a stale
//! report overwrite a newer one, and rendering the body within GitHub's limit.
//!
//! Staleness: a report is posted only when both the event and the report are about the PR's
//! current head (as the API says). The event's head (`pull_request.head.sha`,
//! `workflow_run.head_sha`) is what GitHub says this run is about; this stops a forged PR number
//! in an artifact from reaching another PR's comment. The report's own claim is its `pr-head`
//! (which `check` records on pull request events, where the checkout is a test merge commit),
//! else its head commit, which must then be the PR head or GitHub's current test merge commit;
//! this stops a saved report of an older commit from being posted over the newer one. If either
//! names an older commit, the comment is left alone: the run for the newer commit will post.

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
    /// The PR head the event names (what this run is about), if any.
    pub event_head: Option<String>,
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
    if let Some(measured) = stale_commit(plan.event_head.as_deref(), plan.report, &pull) {
        return Ok(Posted::Stale {
            measured,
            current: pull.head_sha,
        });
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

/// The PR head the event names, if any.
pub fn event_head(ctx: &Context) -> Option<String> {
    ctx.event_head_sha()
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
}

/// The commit that makes the report stale for `pull`, if any: the event's head when the PR has
/// moved on from it, else the report's `pr-head`, else its head commit when that is neither the
/// PR head nor GitHub's current test merge commit. A report that names no commit is checked
/// through the event alone.
pub fn stale_commit(
    event_head: Option<&str>,
    report: &Report,
    pull: &PullRequest,
) -> Option<String> {
    let current = pull.head_sha.as_str();
    let named = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if let Some(event) = event_head.filter(|e| !same_commit(e, current)) {
        return Some(event.to_owned());
    }
    if let Some(pr_head) = named(&report.head.pr_head) {
        return (!same_commit(&pr_head, current)).then_some(pr_head);
    }
    let commit = named(&report.head.commit)?;
    let merge = pull
        .merge_commit_sha
        .as_deref()
        .is_some_and(|m| same_commit(&commit, m));
    (!same_commit(&commit, current) && !merge).then_some(commit)
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
