//! The sticky comment: one comment per pull request and id, found by its hidden marker
//! (`<!-- cargo-perf-budget:<id> -->`) *and* its author, updated in place on every run.
//!
//! The rules that keep it to one comment:
//! - every page of comments is read (ours may be on page 3 of a busy PR);
//! - a comment carrying our marker but written by someone else is never touched;
//! - a create (`POST`) is never repeated blindly: after a 5xx, a timeout or a rate limit, the
//!   comments are listed again and whatever is there is updated, so a retry cannot post twice;
//! - after a create, the comments are listed once more: if a concurrent job created one too,
//!   the oldest is kept (with our body) and the others are deleted.

use super::client::{Client, IssueComment};
use super::context::Repo;
pub use super::error::InvalidCommentId;
use super::error::{Class, Failure, GitHubError};

/// GitHub's limit on a comment body, in characters.
pub const COMMENT_LIMIT: usize = 65_536;
/// What we ask the renderer for first: well under the limit, whatever GitHub counts (UTF-16
/// units, code points) and whatever the renderer's own count is off by.
pub const FIRST_BUDGET: usize = 60_000;
/// What we ask for after GitHub still said "Body is too long".
pub const SHRUNK_BUDGET: usize = 20_000;

/// The hidden marker of comment `id` (the renderer writes it; we must look for the same text).
pub fn marker(id: &str) -> String {
    crate::report::markdown::marker(id)
}

/// Checks a comment id: it is written into an HTML comment, so it must not be able to end it.
pub fn validate_id(id: &str) -> Result<(), InvalidCommentId> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok {
        Ok(())
    } else {
        Err(InvalidCommentId(id.to_string()))
    }
}

/// Where the comment goes and whose it is.
#[derive(Debug, Clone)]
pub struct Target {
    /// The repository.
    pub repo: Repo,
    /// The pull request number.
    pub pr: u64,
    /// The comment id (several suites can each keep one comment).
    pub id: String,
    /// The login our comments carry.
    pub author: String,
}

/// What happened to the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StickyOutcome {
    /// Created, updated or left alone.
    pub action: StickyAction,
    /// The comment's id.
    pub comment_id: u64,
    /// Link to it.
    pub html_url: Option<String>,
    /// Our duplicates that were deleted (from an earlier race).
    pub duplicates_removed: usize,
    /// GitHub said the body was too long and a shorter one was sent.
    pub shrunk: bool,
    /// Things that went wrong without stopping us (a duplicate that could not be deleted).
    pub notes: Vec<String>,
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StickyAction {
    /// A new comment was posted.
    Created,
    /// The existing comment was edited.
    Updated,
    /// The existing comment already said exactly this.
    Unchanged,
}

/// True when `a` and `b` are the same account. The REST API calls the workflow token's user
/// `github-actions[bot]`, GraphQL calls it `github-actions`; logins are case-insensitive.
pub fn same_login(a: &str, b: &str) -> bool {
    let strip = |s: &str| s.trim().trim_end_matches("[bot]").to_ascii_lowercase();
    !a.trim().is_empty() && strip(a) == strip(b)
}

/// True when `comment` is our comment `marker`, written by `author`.
pub fn is_ours(comment: &IssueComment, marker: &str, author: &str) -> bool {
    same_login(&comment.author, author) && comment.body.lines().any(|l| l.trim() == marker)
}

/// Updates the comment when it exists; creates it only when `create` is true. `None` when there
/// was no comment and none was created (`comment-on = "failure"` on a passing run).
pub fn upsert_if(
    client: &Client,
    target: &Target,
    render: &dyn Fn(usize) -> String,
    create: bool,
) -> Result<Option<StickyOutcome>, GitHubError> {
    if !create && find_ours(client, target, &marker(&target.id))?.is_empty() {
        return Ok(None);
    }
    upsert(client, target, render).map(Some)
}

/// Creates or updates the comment. `render(max_chars)` returns the body; it is called again
/// with a smaller budget if GitHub rejects the first as too long.
pub fn upsert(
    client: &Client,
    target: &Target,
    render: &dyn Fn(usize) -> String,
) -> Result<StickyOutcome, GitHubError> {
    let marker = marker(&target.id);
    let mut shrunk = false;
    let mut body = with_marker(render(FIRST_BUDGET), &marker);
    let mut ours = find_ours(client, target, &marker)?;
    let mut creates = 0;
    loop {
        if let Some(existing) = ours.first().cloned() {
            let (action, comment) = if existing.body.trim_end() == body.trim_end() {
                (StickyAction::Unchanged, existing.clone())
            } else {
                match client.update_comment(&target.repo, existing.id, &body) {
                    Ok(updated) => (StickyAction::Updated, updated),
                    Err(GitHubError::BodyTooLong { .. }) if !shrunk => {
                        shrunk = true;
                        body = with_marker(render(SHRUNK_BUDGET), &marker);
                        continue;
                    }
                    // Deleted since we listed: fall through to the next, or to creating one.
                    Err(GitHubError::NotFound { .. }) => {
                        ours.remove(0);
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            };
            let mut outcome = StickyOutcome {
                action,
                comment_id: comment.id,
                html_url: comment.html_url.or(existing.html_url),
                duplicates_removed: 0,
                shrunk,
                notes: Vec::new(),
            };
            remove_duplicates(client, target, &ours[1..], &mut outcome);
            return Ok(outcome);
        }

        creates += 1;
        let failure = match client.create_comment(&target.repo, target.pr, &body) {
            Ok(created) => return Ok(settle_race(client, target, &marker, &body, created, shrunk)),
            Err(failure) => failure,
        };
        if failure.is_body_too_long() && !shrunk {
            shrunk = true;
            body = with_marker(render(SHRUNK_BUDGET), &marker);
            continue;
        }
        let op = Client::create_operation(&target.repo, target.pr);
        // The request may have been stored even though we got no usable answer: 5xx, timeout,
        // rate limit, or a 2xx we could not read. Look before trying again.
        let ambiguous = matches!(failure.class(), Class::Transient | Class::RateLimited(_))
            || matches!(failure, Failure::Decode(_));
        if !ambiguous {
            return Err(client.error(failure, &op, creates));
        }
        match client.wait_after(&failure, creates) {
            Some(wait) => client.sleep(wait),
            None if matches!(failure, Failure::Decode(_)) && creates == 1 => {}
            None => return Err(client.error(failure, &op, creates)),
        }
        ours = find_ours(client, target, &marker)?;
        if ours.is_empty() && matches!(failure, Failure::Decode(_)) {
            return Err(client.error(failure, &op, creates));
        }
    }
}

/// Our comments (marker and author), oldest first.
fn find_ours(
    client: &Client,
    target: &Target,
    marker: &str,
) -> Result<Vec<IssueComment>, GitHubError> {
    let mut ours: Vec<IssueComment> = client
        .list_comments(&target.repo, target.pr)?
        .into_iter()
        .filter(|c| is_ours(c, marker, &target.author))
        .collect();
    ours.sort_by_key(|c| c.id);
    Ok(ours)
}

/// After a create: if a concurrent job created one too, keep the oldest, give it our body
/// and delete the rest. Failures here are notes: our comment exists either way.
fn settle_race(
    client: &Client,
    target: &Target,
    marker: &str,
    body: &str,
    created: IssueComment,
    shrunk: bool,
) -> StickyOutcome {
    let mut outcome = StickyOutcome {
        action: StickyAction::Created,
        comment_id: created.id,
        html_url: created.html_url.clone(),
        duplicates_removed: 0,
        shrunk,
        notes: Vec::new(),
    };
    let ours = match find_ours(client, target, marker) {
        Ok(ours) => ours,
        Err(e) => {
            outcome
                .notes
                .push(format!("could not check for a duplicate comment: {e}"));
            return outcome;
        }
    };
    let Some(oldest) = ours.first() else {
        return outcome;
    };
    if oldest.id != created.id {
        if oldest.body.trim_end() != body.trim_end() {
            if let Err(e) = client.update_comment(&target.repo, oldest.id, body) {
                outcome.notes.push(format!(
                    "another job created comment {} at the same time and it could not be updated: {e}",
                    oldest.id
                ));
                return outcome;
            }
        }
        outcome.action = StickyAction::Updated;
        outcome.comment_id = oldest.id;
        outcome.html_url = oldest.html_url.clone();
    }
    remove_duplicates(client, target, &ours[1..], &mut outcome);
    outcome
}

fn remove_duplicates(
    client: &Client,
    target: &Target,
    duplicates: &[IssueComment],
    outcome: &mut StickyOutcome,
) {
    for dup in duplicates {
        match client.delete_comment(&target.repo, dup.id) {
            Ok(()) => outcome.duplicates_removed += 1,
            Err(e) => outcome.notes.push(format!(
                "could not delete duplicate comment {}: {e}",
                dup.id
            )),
        }
    }
}

/// Makes sure the marker line is in the body (the renderer puts it on the first line; if it
/// ever does not, the comment would never be found again and every run would add one).
fn with_marker(body: String, marker: &str) -> String {
    if body.lines().any(|l| l.trim() == marker) {
        body
    } else {
        format!("{marker}\n{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(author: &str, body: &str) -> IssueComment {
        IssueComment {
            id: 1,
            author: author.into(),
            body: body.into(),
            html_url: None,
        }
    }

    #[test]
    fn ours_needs_marker_line_and_author() {
        let m = marker("default");
        assert!(is_ours(
            &comment("github-actions[bot]", &format!("{m}\n## Perf")),
            &m,
            "github-actions[bot]"
        ));
        assert!(is_ours(
            &comment("github-actions[bot]", &format!("{m}\nx")),
            &m,
            "github-actions"
        ));
        // A decoy: someone else pasted our marker.
        assert!(!is_ours(
            &comment("mallory", &format!("{m}\nx")),
            &m,
            "github-actions[bot]"
        ));
        // Another id whose marker starts like ours.
        assert!(!is_ours(
            &comment("github-actions[bot]", &marker("default2")),
            &m,
            "github-actions[bot]"
        ));
        // Quoted in a reply.
        assert!(!is_ours(
            &comment("github-actions[bot]", &format!("> {m}")),
            &m,
            "github-actions[bot]"
        ));
        assert!(!is_ours(&comment("", &m), &m, ""));
    }

    #[test]
    fn ids_cannot_break_out_of_the_html_comment() {
        assert!(validate_id("default").is_ok());
        assert!(validate_id("web/lighthouse-1.2").is_ok());
        assert!(validate_id("x -->").is_err());
        assert!(validate_id("").is_err());
        assert!(validate_id("a\nb").is_err());
    }

    #[test]
    fn marker_is_added_when_missing() {
        let m = marker("a");
        assert_eq!(with_marker("body".into(), &m), format!("{m}\nbody"));
        let already = format!("{m}\nbody");
        assert_eq!(with_marker(already.clone(), &m), already);
    }
}
