//! The REST calls we make, on octocrab with timeouts and no built-in retries, behind a
//! synchronous facade: a current-thread tokio runtime lives inside [`Client`] and every call is
//! a `block_on`, so the rest of the program stays synchronous.
//!
//! GitHub's JSON is mirrored by private `Gh*` structs holding only what we read, converted once
//! into [`IssueComment`] and [`PullRequest`]. Comment updates use `PATCH`, as GitHub documents
//! (octocrab's typed `update_comment` sends `POST`).

use std::future::Future;
use std::time::Duration;

use octocrab::{Octocrab, Page};
use serde::Deserialize;

use super::context::Repo;
use super::error::{Failure, GitHubError, Operation};
use super::retry::RetryPolicy;
use super::token::Token;

/// The login `GITHUB_TOKEN` comments as. `GET /user` is forbidden to that token, so when it
/// answers 403 we assume this one.
pub const ACTIONS_BOT_LOGIN: &str = "github-actions[bot]";

/// Comments per page when listing (GitHub's maximum).
const PER_PAGE: &str = "100";
/// A PR with more than 100,000 comments is not a PR; a `Link` loop must not spin forever.
const MAX_PAGES: usize = 1000;

/// Timeouts and retries of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Longest silence while reading an answer.
    pub read_timeout: Duration,
    /// Longest stall while sending a request.
    pub write_timeout: Duration,
    /// The retry policy.
    pub retry: RetryPolicy,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// An issue (PR conversation) comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueComment {
    /// Comment id.
    pub id: u64,
    /// Author login (`github-actions[bot]` for the workflow token).
    pub author: String,
    /// Markdown body.
    pub body: String,
    /// Link to the comment.
    pub html_url: Option<String>,
}

/// What we need to know about a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// PR number.
    pub number: u64,
    /// Its current head commit.
    pub head_sha: String,
    /// GitHub's test merge commit of head into base, when GitHub has computed one.
    pub merge_commit_sha: Option<String>,
    /// `open` or `closed`.
    pub state: String,
}

/// A GitHub REST client for one token and API root.
pub struct Client {
    crab: Octocrab,
    runtime: tokio::runtime::Runtime,
    token: Token,
    token_env: String,
    policy: RetryPolicy,
    waited: std::cell::Cell<Duration>,
    requests: std::cell::Cell<u32>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("token", &self.token)
            .field("token_env", &self.token_env)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client for `api_url` (`https://api.github.com`, or `https://HOST/api/v3` on
    /// GitHub Enterprise Server). `token_env` names where the token came from, for messages.
    pub fn new(
        api_url: &str,
        token: Token,
        token_env: &str,
        config: ClientConfig,
    ) -> Result<Client, GitHubError> {
        if !token.expose().bytes().all(|b| b.is_ascii_graphic()) {
            // octocrab would panic building the header from it.
            return Err(GitHubError::MalformedToken {
                env: token_env.to_owned(),
            });
        }
        let bad_url = |detail: String| GitHubError::BadApiUrl {
            url: api_url.to_owned(),
            detail,
        };
        let uri: http::Uri = api_url.parse().map_err(|e| bad_url(format!("{e}")))?;
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(bad_url("expected http(s)://host[/path]".into()));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| GitHubError::Unexpected {
                what: "starting the HTTP runtime".into(),
                detail: e.to_string(),
            })?;
        // octocrab spawns its request buffer on the ambient runtime while building.
        let crab = {
            let _guard = runtime.enter();
            Octocrab::builder()
                .personal_token(token.expose().to_owned())
                .base_uri(uri)
                .map_err(|e| bad_url(token.scrub(&e.to_string())))?
                .add_header(
                    http::header::ACCEPT,
                    "application/vnd.github+json".to_owned(),
                )
                .set_connect_timeout(Some(config.connect_timeout))
                .set_read_timeout(Some(config.read_timeout))
                .set_write_timeout(Some(config.write_timeout))
                .build()
                .map_err(|e| bad_url(token.scrub(&e.to_string())))?
        };
        Ok(Client {
            crab,
            runtime,
            token,
            token_env: token_env.to_owned(),
            policy: config.retry,
            waited: std::cell::Cell::new(Duration::ZERO),
            requests: std::cell::Cell::new(0),
        })
    }

    /// Number of HTTP requests sent so far (every attempt counts).
    pub fn requests_sent(&self) -> u32 {
        self.requests.get()
    }

    /// Runs one attempt of a request.
    fn once<T, Fut>(&self, request: impl FnOnce(Octocrab) -> Fut) -> Result<T, Failure>
    where
        Fut: Future<Output = octocrab::Result<T>>,
    {
        self.requests.set(self.requests.get() + 1);
        self.runtime
            .block_on(request(self.crab.clone()))
            .map_err(|e| Failure::from_octocrab(e, &self.token))
    }

    /// Runs a request that is safe to repeat, retrying as the policy allows.
    fn retrying<T, Fut>(
        &self,
        op: &Operation,
        request: impl Fn(Octocrab) -> Fut,
    ) -> Result<T, GitHubError>
    where
        Fut: Future<Output = octocrab::Result<T>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.once(&request) {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            match self.policy.wait_after(&failure, attempt, self.waited.get()) {
                Some(wait) => self.sleep(wait),
                None => return Err(failure.into_error(op, &self.token_env, attempt)),
            }
        }
    }

    /// Waits, counting against the client's budget.
    pub(crate) fn sleep(&self, wait: Duration) {
        self.waited.set(self.waited.get() + wait);
        std::thread::sleep(wait);
    }

    /// The wait the policy allows before trying again after `failure`, if any.
    pub(crate) fn wait_after(&self, failure: &Failure, attempt: u32) -> Option<Duration> {
        self.policy.wait_after(failure, attempt, self.waited.get())
    }

    /// Turns a final failure into the caller's error.
    pub(crate) fn error(&self, failure: Failure, op: &Operation, attempts: u32) -> GitHubError {
        failure.into_error(op, &self.token_env, attempts)
    }

    /// The login comments made with this token carry. A workflow or app installation token may
    /// not read `/user` (403); that token is `github-actions[bot]`.
    pub fn current_login(&self) -> Result<String, GitHubError> {
        let op = Operation {
            what: "asking GitHub who the token belongs to (GET /user)".into(),
            permission: "contents: read",
            creates: false,
        };
        match self.retrying(&op, |crab| async move {
            crab.get::<GhUser, _, _>("/user", None::<&()>).await
        }) {
            Ok(user) => Ok(user.login),
            Err(GitHubError::Forbidden { .. }) | Err(GitHubError::NotFound { .. }) => {
                Ok(ACTIONS_BOT_LOGIN.to_owned())
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /repos/{o}/{r}/pulls/{n}`.
    pub fn pull_request(&self, repo: &Repo, number: u64) -> Result<PullRequest, GitHubError> {
        let op = Operation {
            what: format!("reading pull request #{number} of {}", repo.full_name()),
            permission: "pull-requests: read",
            creates: false,
        };
        let route = format!("/repos/{}/{}/pulls/{number}", repo.owner, repo.name);
        let pull: GhPull = self.retrying(&op, |crab| {
            let route = route.clone();
            async move { crab.get(route, None::<&()>).await }
        })?;
        Ok(pull.into())
    }

    /// The open PR whose head is `owner:branch` at `sha` (how a `workflow_run` for a fork PR,
    /// which carries no PR number, finds its PR).
    pub fn pull_request_by_head(
        &self,
        repo: &Repo,
        head_owner: &str,
        head_branch: &str,
        sha: &str,
    ) -> Result<Option<PullRequest>, GitHubError> {
        let op = Operation {
            what: format!(
                "looking up the pull request for {head_owner}:{head_branch} in {}",
                repo.full_name()
            ),
            permission: "pull-requests: read",
            creates: false,
        };
        let route = format!("/repos/{}/{}/pulls", repo.owner, repo.name);
        let head = format!("{head_owner}:{head_branch}");
        let pulls: Vec<GhPull> = self.retrying(&op, |crab| {
            let route = route.clone();
            let params = [
                ("head", head.clone()),
                ("state", "open".to_owned()),
                ("per_page", PER_PAGE.to_owned()),
            ];
            async move { crab.get(route, Some(&params)).await }
        })?;
        Ok(pulls
            .into_iter()
            .map(PullRequest::from)
            .find(|p| p.head_sha == sha))
    }

    /// Every comment of issue or PR `number`, following `Link: rel="next"` to the last page.
    pub fn list_comments(
        &self,
        repo: &Repo,
        number: u64,
    ) -> Result<Vec<IssueComment>, GitHubError> {
        let op = Operation {
            what: format!(
                "listing the comments of pull request #{number} in {}",
                repo.full_name()
            ),
            permission: "pull-requests: read",
            creates: false,
        };
        let route = format!(
            "/repos/{}/{}/issues/{number}/comments",
            repo.owner, repo.name
        );
        let mut page: Page<GhComment> = self.retrying(&op, |crab| {
            let route = route.clone();
            async move { crab.get(route, Some(&[("per_page", PER_PAGE)])).await }
        })?;
        let mut comments: Vec<IssueComment> =
            page.take_items().into_iter().map(Into::into).collect();
        let mut pages = 1;
        while let Some(next) = page.next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(GitHubError::Unexpected {
                    what: op.what,
                    detail: format!("more than {MAX_PAGES} pages of comments"),
                });
            }
            let next = Some(next);
            page = self
                .retrying(&op, |crab| {
                    let next = next.clone();
                    async move { crab.get_page::<GhComment>(&next).await }
                })?
                .ok_or_else(|| GitHubError::Unexpected {
                    what: op.what.clone(),
                    detail: "a next page link without a page".into(),
                })?;
            comments.extend(page.take_items().into_iter().map(IssueComment::from));
        }
        Ok(comments)
    }

    /// `POST /repos/{o}/{r}/issues/{n}/comments`, exactly once. On failure the caller must find
    /// out whether the comment was stored before trying again.
    pub(crate) fn create_comment(
        &self,
        repo: &Repo,
        number: u64,
        body: &str,
    ) -> Result<IssueComment, Failure> {
        let route = format!(
            "/repos/{}/{}/issues/{number}/comments",
            repo.owner, repo.name
        );
        let payload = serde_json::json!({ "body": body });
        self.once(|crab| async move { crab.post::<_, GhComment>(route, Some(&payload)).await })
            .map(Into::into)
    }

    /// The operation of creating a comment, for messages.
    pub(crate) fn create_operation(repo: &Repo, number: u64) -> Operation {
        Operation {
            what: format!(
                "creating a comment on pull request #{number} in {}",
                repo.full_name()
            ),
            permission: "pull-requests: write",
            creates: true,
        }
    }

    /// `PATCH /repos/{o}/{r}/issues/comments/{id}` (repeatable: it sets the same body).
    /// A 422 is returned after one attempt so the caller can shrink the body.
    pub fn update_comment(
        &self,
        repo: &Repo,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, GitHubError> {
        let op = Operation {
            what: format!("updating comment {id} in {}", repo.full_name()),
            permission: "pull-requests: write",
            creates: false,
        };
        let route = format!("/repos/{}/{}/issues/comments/{id}", repo.owner, repo.name);
        let payload = serde_json::json!({ "body": body });
        let comment: GhComment = self.retrying(&op, |crab| {
            let route = route.clone();
            let payload = payload.clone();
            async move { crab.patch(route, Some(&payload)).await }
        })?;
        Ok(comment.into())
    }

    /// `DELETE /repos/{o}/{r}/issues/comments/{id}`; a comment that is already gone is fine.
    pub fn delete_comment(&self, repo: &Repo, id: u64) -> Result<(), GitHubError> {
        let op = Operation {
            what: format!("deleting duplicate comment {id} in {}", repo.full_name()),
            permission: "pull-requests: write",
            creates: false,
        };
        let route = format!("/repos/{}/{}/issues/comments/{id}", repo.owner, repo.name);
        match self.retrying(&op, |crab| {
            let route = route.clone();
            async move {
                let response = crab._delete(route.as_str(), None::<&()>).await?;
                octocrab::map_github_error(response).await.map(|_| ())
            }
        }) {
            Ok(()) | Err(GitHubError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[derive(Deserialize)]
struct GhUser {
    login: String,
}

#[derive(Deserialize)]
struct GhComment {
    id: u64,
    body: Option<String>,
    // A deleted account ("ghost") can leave `user` null.
    user: Option<GhUser>,
    html_url: Option<String>,
}

impl From<GhComment> for IssueComment {
    fn from(c: GhComment) -> Self {
        IssueComment {
            id: c.id,
            author: c.user.map(|u| u.login).unwrap_or_default(),
            body: c.body.unwrap_or_default(),
            html_url: c.html_url,
        }
    }
}

#[derive(Deserialize)]
struct GhPull {
    number: u64,
    state: Option<String>,
    head: GhPullHead,
    #[serde(default)]
    merge_commit_sha: Option<String>,
}

#[derive(Deserialize)]
struct GhPullHead {
    sha: String,
}

impl From<GhPull> for PullRequest {
    fn from(p: GhPull) -> Self {
        PullRequest {
            number: p.number,
            head_sha: p.head.sha,
            merge_commit_sha: p.merge_commit_sha,
            state: p.state.unwrap_or_default(),
        }
    }
}
