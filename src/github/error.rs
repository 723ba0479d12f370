//! What can go wrong talking to GitHub, in words a user can act on: which permission is
//! missing, which token was rejected, what to do about a fork. [`Failure`] is one failed HTTP
//! attempt as octocrab reported it, classified for the retry policy; [`GitHubError`] is what a
//! caller gets after the policy gave up. Every piece of text that came from outside passes
//! through [`Token::scrub`] on the way in, so no message can carry the token.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::token::Token;

/// A comment id that cannot be used, with the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("comment id {0:?} must be 1 to 100 characters of letters, digits, `-`, `_`, `.` and `/`")]
pub struct InvalidCommentId(pub String);

/// What we were doing when a request failed, and which `permissions:` entry it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// In words: `listing the comments of pull request #7 in acme/widgets`.
    pub what: String,
    /// The permission the workflow token needs for it, e.g. `pull-requests: write`.
    pub permission: &'static str,
    /// The request creates content (a comment); such a request is never blindly repeated.
    pub creates: bool,
}

/// Why talking to GitHub failed, after retries.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// No token in the named environment variable.
    #[error("no GitHub token: the environment variable {env} is not set. In a workflow, pass it with `env: {env}: ${{{{ github.token }}}}` (and `permissions: pull-requests: write`)")]
    NoToken {
        /// The variable we looked in.
        env: String,
    },
    /// The token cannot be sent (control characters, non-ASCII).
    #[error("the token in {env} contains characters that cannot be sent in an HTTP header (is it the token, or a file holding it?)")]
    MalformedToken {
        /// The variable we looked in.
        env: String,
    },
    /// Nothing says which repository to comment on.
    #[error("no repository: GITHUB_REPOSITORY is not set (expected `owner/name`)")]
    NoRepository,
    /// Nothing says which pull request to comment on.
    #[error("no pull request to comment on: pass --pr N, or run on a `pull_request` or `workflow_run` event{detail}")]
    NoPullRequest {
        /// What we tried.
        detail: String,
    },
    /// The comment id cannot be used.
    #[error(transparent)]
    BadCommentId(#[from] InvalidCommentId),
    /// The API URL is not a URL.
    #[error("GITHUB_API_URL {url:?} is not a usable URL: {detail}")]
    BadApiUrl {
        /// The URL as given.
        url: String,
        /// What is wrong.
        detail: String,
    },
    /// 401: the token is wrong.
    #[error("GitHub rejected the token in {env} while {what} (401 {message}): it is missing, expired or revoked. In a workflow use `${{{{ github.token }}}}` or a current personal access token")]
    Unauthorized {
        /// The operation.
        what: String,
        /// The variable the token came from.
        env: String,
        /// GitHub's message.
        message: String,
    },
    /// 403 without a rate-limit signal: the token may not do this.
    #[error("GitHub refused {what} (403 {message}): the token lacks `{permission}`. Add `permissions: {permission}` to the job{fork_hint}")]
    Forbidden {
        /// The operation.
        what: String,
        /// GitHub's message.
        message: String,
        /// The permission it needs.
        permission: &'static str,
        /// Advice for the fork case.
        fork_hint: &'static str,
        /// GitHub said "Resource not accessible by integration": the workflow token's scope
        /// (or a fork PR's read-only token).
        integration: bool,
    },
    /// 404: wrong repository or number, or a private repository the token cannot see.
    #[error("GitHub found nothing while {what} (404 {message}): check the repository and pull request number; for a private repository the token also needs `{permission}`")]
    NotFound {
        /// The operation.
        what: String,
        /// GitHub's message.
        message: String,
        /// The permission that makes it visible.
        permission: &'static str,
    },
    /// 422 "Body is too long".
    #[error("GitHub rejected the comment while {what}: {message}")]
    BodyTooLong {
        /// The operation.
        what: String,
        /// GitHub's message.
        message: String,
    },
    /// Rate limited for longer than we are prepared to wait.
    #[error("GitHub rate-limited {what} ({status} {message}){wait}; giving up so the job is not held up (the report is in the job summary)")]
    RateLimited {
        /// The operation.
        what: String,
        /// 403 or 429.
        status: u16,
        /// GitHub's message.
        message: String,
        /// `; it asked to wait N s` when it said.
        wait: String,
    },
    /// 5xx (or a transport failure) on every attempt.
    #[error("GitHub kept failing while {what} ({attempts} attempts; last: {last})")]
    Unavailable {
        /// The operation.
        what: String,
        /// How many requests we sent.
        attempts: u32,
        /// The last failure, in words.
        last: String,
    },
    /// Any other status, or an answer we cannot read.
    #[error("GitHub answered unexpectedly while {what}: {detail}")]
    Unexpected {
        /// The operation.
        what: String,
        /// The status and message, or the decoding problem.
        detail: String,
    },
}

impl GitHubError {
    /// True for errors that mean "this token may not write here", which on a fork PR is
    /// expected and must not fail the gate.
    pub fn is_permission(&self) -> bool {
        matches!(self, GitHubError::Forbidden { .. })
    }
}

/// One failed attempt.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// GitHub answered with a non-2xx status.
    Status {
        status: u16,
        /// `message` plus the `errors[].message` entries, scrubbed.
        message: String,
        /// `Retry-After`, in seconds.
        retry_after: Option<Duration>,
        /// `x-ratelimit-remaining: 0` and the time until `x-ratelimit-reset`.
        reset_in: Option<Duration>,
    },
    /// No answer: connect error, timeout, reset connection.
    Transport(String),
    /// A 2xx whose body is not what GitHub documents.
    Decode(String),
}

/// How the retry policy treats a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// 5xx or transport: try again after a backoff.
    Transient,
    /// 429, or 403 with a rate-limit signal: wait as told (or a minute), then try again.
    RateLimited(Option<Duration>),
    /// Anything else: retrying cannot help.
    Fatal,
}

impl Failure {
    /// Converts octocrab's error, scrubbing the token from every piece of text.
    pub(crate) fn from_octocrab(err: octocrab::Error, token: &Token) -> Failure {
        match err {
            octocrab::Error::GitHub { source, .. } => {
                let mut message = source.message.trim().to_owned();
                for e in source.errors.iter().flatten() {
                    let detail = e
                        .get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_owned)
                        .or_else(|| e.as_str().map(str::to_owned));
                    if let Some(detail) = detail {
                        if !message.contains(&detail) {
                            message.push_str(": ");
                            message.push_str(&detail);
                        }
                    }
                }
                // Proxies answer 5xx with whole HTML pages; keep the first line, bounded.
                let mut message = message.lines().next().unwrap_or("").to_owned();
                if message.len() > 300 {
                    let cut = (0..=300).rev().find(|i| message.is_char_boundary(*i));
                    message.truncate(cut.unwrap_or(0));
                    message.push('…');
                }
                let headers = source.headers.as_ref();
                let header = |name: &str| {
                    headers
                        .and_then(|h| h.get(name))
                        .and_then(|v| v.to_str().ok())
                        .map(str::trim)
                };
                let retry_after = header("retry-after")
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(Duration::from_secs);
                let reset_in = (header("x-ratelimit-remaining") == Some("0"))
                    .then(|| header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok()))
                    .flatten()
                    .map(|reset| {
                        let now = SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .map(|d| d.as_secs())
                            .unwrap_or(0);
                        // One second more, so we do not arrive just before the reset.
                        Duration::from_secs(reset.saturating_sub(now) + 1)
                    });
                Failure::Status {
                    status: source.status_code.as_u16(),
                    message: token.scrub(&message),
                    retry_after,
                    reset_in,
                }
            }
            octocrab::Error::Json { .. } | octocrab::Error::Serde { .. } => {
                Failure::Decode(token.scrub(&chain(&err)))
            }
            other => Failure::Transport(token.scrub(&chain(&other))),
        }
    }

    pub(crate) fn class(&self) -> Class {
        match self {
            Failure::Transport(_) => Class::Transient,
            Failure::Decode(_) => Class::Fatal,
            Failure::Status {
                status,
                message,
                retry_after,
                reset_in,
            } => {
                let limited = *status == 429
                    || (*status == 403
                        && (retry_after.is_some()
                            || reset_in.is_some()
                            || message.to_ascii_lowercase().contains("rate limit")));
                if limited {
                    Class::RateLimited(retry_after.or(*reset_in))
                } else if *status >= 500 {
                    Class::Transient
                } else {
                    Class::Fatal
                }
            }
        }
    }

    /// True for GitHub's 422 "Body is too long".
    pub(crate) fn is_body_too_long(&self) -> bool {
        matches!(self, Failure::Status { status: 422, message, .. }
            if message.to_ascii_lowercase().contains("too long"))
    }

    /// Short description for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Failure::Status {
                status, message, ..
            } => format!("{status} {message}"),
            Failure::Transport(detail) => format!("no answer: {detail}"),
            Failure::Decode(detail) => format!("unreadable answer: {detail}"),
        }
    }

    /// The error a caller sees when this failure is final.
    pub(crate) fn into_error(self, op: &Operation, token_env: &str, attempts: u32) -> GitHubError {
        let what = op.what.clone();
        match (&self, self.class()) {
            (_, Class::Transient) => GitHubError::Unavailable {
                what,
                attempts,
                last: self.describe(),
            },
            (
                Failure::Status {
                    status, message, ..
                },
                Class::RateLimited(wait),
            ) => GitHubError::RateLimited {
                what,
                status: *status,
                message: message.clone(),
                wait: wait
                    .map(|w| format!("; it asked to wait {} s", w.as_secs()))
                    .unwrap_or_default(),
            },
            (
                Failure::Status {
                    status, message, ..
                },
                _,
            ) => match status {
                401 => GitHubError::Unauthorized {
                    what,
                    env: token_env.to_owned(),
                    message: message.clone(),
                },
                403 => {
                    let integration = message
                        .to_ascii_lowercase()
                        .contains("not accessible by integration");
                    GitHubError::Forbidden {
                        what,
                        message: message.clone(),
                        permission: op.permission,
                        fork_hint: if op.creates || op.permission.ends_with("write") {
                            " (or `issues: write`). On a pull request from a fork the token is read-only whatever the job asks for: post from a `workflow_run` workflow with `cargo perf-budget comment` (see docs/github.md)"
                        } else {
                            ""
                        },
                        integration,
                    }
                }
                404 => GitHubError::NotFound {
                    what,
                    message: message.clone(),
                    permission: op.permission,
                },
                422 if self.is_body_too_long() => GitHubError::BodyTooLong {
                    what,
                    message: message.clone(),
                },
                _ => GitHubError::Unexpected {
                    what,
                    detail: format!("{status} {message}"),
                },
            },
            (Failure::Decode(detail), _) | (Failure::Transport(detail), _) => {
                GitHubError::Unexpected {
                    what,
                    detail: detail.clone(),
                }
            }
        }
    }
}

/// An error and its sources, joined with `: ` (octocrab's own `Display` says only "GitHub" or
/// "Service Error").
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let level = s.to_string();
        if !text.contains(&level) {
            text.push_str(": ");
            text.push_str(&level);
        }
        source = s.source();
    }
    // snafu's backtrace is not part of Display, but "Found at" lines are: drop them.
    text.lines()
        .take_while(|l| !l.trim_start().starts_with("Found at"))
        .collect::<Vec<_>>()
        .join(" ")
}
