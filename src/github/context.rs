//! Where we are running: the GitHub Actions environment variables and the event payload at
//! `GITHUB_EVENT_PATH`, read once into a [`Context`]. Locally none of it is set and the context
//! says so; nothing here fails.
//!
//! The event JSON is mirrored by private `Ev*` structs in which every field is optional: the
//! payload differs between events and GitHub versions, and a field we do not strictly need must
//! never stop the report from being written.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Default REST API root (github.com).
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Default web root (github.com).
pub const DEFAULT_SERVER_URL: &str = "https://github.com";

/// `owner/name` of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// The owner (user or organisation).
    pub owner: String,
    /// The repository name.
    pub name: String,
}

impl Repo {
    /// Parses `owner/name`; `None` for anything else.
    pub fn parse(full_name: &str) -> Option<Repo> {
        let (owner, name) = full_name.trim().split_once('/')?;
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        (ok(owner) && ok(name)).then(|| Repo {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// The event payload cannot give what is asked of it: the message names the file and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EventError(pub String);

/// The pull request a `pull_request` / `pull_request_target` event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestEvent {
    /// PR number.
    pub number: u64,
    /// The PR's head commit (not `GITHUB_SHA`, which is the test merge commit).
    pub head_sha: Option<String>,
    /// Where the base branch pointed when the event fired.
    pub base_sha: Option<String>,
    /// The head lives in another repository (or in a deleted one).
    pub fork: bool,
}

/// The run a `workflow_run` event is about (the fork-safe second workflow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRunEvent {
    /// Run id of the triggering run.
    pub id: Option<u64>,
    /// The event that triggered that run (`pull_request`).
    pub event: Option<String>,
    /// The commit that run measured (the PR head for `pull_request` runs).
    pub head_sha: Option<String>,
    /// The branch of that commit, in the head repository.
    pub head_branch: Option<String>,
    /// Owner of the head repository (the fork's owner for fork PRs).
    pub head_owner: Option<String>,
    /// Link to that run, whose job summary holds the full report.
    pub html_url: Option<String>,
    /// PR numbers GitHub attached to the run (empty for fork PRs).
    pub pull_requests: Vec<u64>,
}

/// The GitHub Actions context of this process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// `GITHUB_ACTIONS=true`.
    pub actions: bool,
    /// `GITHUB_REPOSITORY`, else the event's `repository.full_name`.
    pub repository: Option<Repo>,
    /// REST API root: `GITHUB_API_URL` (GitHub Enterprise: `https://HOST/api/v3`).
    pub api_url: String,
    /// Web root: `GITHUB_SERVER_URL`.
    pub server_url: String,
    /// `GITHUB_RUN_ID`.
    pub run_id: Option<String>,
    /// `GITHUB_RUN_ATTEMPT`.
    pub run_attempt: Option<u32>,
    /// `GITHUB_EVENT_NAME`.
    pub event_name: Option<String>,
    /// The pull request, for `pull_request` and `pull_request_target` events.
    pub pull_request: Option<PullRequestEvent>,
    /// The triggering run, for `workflow_run` events.
    pub workflow_run: Option<WorkflowRunEvent>,
    /// `GITHUB_STEP_SUMMARY`.
    pub step_summary: Option<PathBuf>,
    /// `GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
    /// `GITHUB_WORKSPACE`, to make annotation paths relative to the repository root.
    pub workspace: Option<PathBuf>,
    /// `RUNNER_TEMP`.
    pub runner_temp: Option<PathBuf>,
    /// Why the event payload could not be read, when it could not.
    pub event_problem: Option<String>,
    /// `GITHUB_EVENT_PATH`, when set: errors about the event name it.
    pub event_path: Option<PathBuf>,
    /// `PERF_BUDGET_COMMENT_AUTHOR`: the login our comments carry, for tokens that cannot ask
    /// `GET /user` and are not the workflow token (a GitHub App's `my-app[bot]`).
    pub comment_author: Option<String>,
}

impl Context {
    /// Reads the context from the process environment.
    pub fn from_env() -> Context {
        Context::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the context through `var`, which returns an environment variable's value.
    /// Tests pass a map instead of touching the process environment.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Context {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let path = |name: &str| get(name).map(PathBuf::from);
        let mut ctx = Context {
            actions: get("GITHUB_ACTIONS").is_some_and(|v| v.trim() == "true"),
            repository: get("GITHUB_REPOSITORY").and_then(|r| Repo::parse(&r)),
            api_url: get("GITHUB_API_URL")
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
            server_url: get("GITHUB_SERVER_URL")
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned()),
            run_id: get("GITHUB_RUN_ID").map(|v| v.trim().to_owned()),
            run_attempt: get("GITHUB_RUN_ATTEMPT").and_then(|v| v.trim().parse().ok()),
            event_name: get("GITHUB_EVENT_NAME").map(|v| v.trim().to_owned()),
            step_summary: path("GITHUB_STEP_SUMMARY"),
            output: path("GITHUB_OUTPUT"),
            workspace: path("GITHUB_WORKSPACE"),
            runner_temp: path("RUNNER_TEMP"),
            comment_author: get("PERF_BUDGET_COMMENT_AUTHOR").map(|v| v.trim().to_owned()),
            ..Context::default()
        };
        ctx.event_path = path("GITHUB_EVENT_PATH");
        if let Some(event_path) = ctx.event_path.clone() {
            match read_event(&event_path) {
                Ok(event) => ctx.apply_event(event),
                Err(problem) => ctx.event_problem = Some(problem),
            }
        }
        ctx
    }

    fn apply_event(&mut self, event: EvPayload) {
        let base_repo = event.repository.as_ref().and_then(|r| r.full_name.clone());
        if self.repository.is_none() {
            self.repository = base_repo.as_deref().and_then(Repo::parse);
        }
        if let Some(pr) = event.pull_request {
            let number = pr.number.or(event.number);
            if let Some(number) = number {
                let head_repo = pr.head.as_ref().and_then(|h| h.repo.as_ref());
                // A deleted fork leaves `head.repo` null: that is a fork too.
                let fork = match head_repo {
                    None => true,
                    Some(repo) => {
                        repo.fork == Some(true)
                            || match (&repo.full_name, &base_repo) {
                                (Some(head), Some(base)) => !head.eq_ignore_ascii_case(base),
                                _ => false,
                            }
                    }
                };
                self.pull_request = Some(PullRequestEvent {
                    number,
                    head_sha: pr.head.and_then(|h| h.sha),
                    base_sha: pr.base.and_then(|b| b.sha),
                    fork,
                });
            }
        }
        if let Some(run) = event.workflow_run {
            self.workflow_run = Some(WorkflowRunEvent {
                id: run.id,
                event: run.event,
                head_sha: run.head_sha,
                head_branch: run.head_branch,
                head_owner: run.head_repository.and_then(|r| {
                    r.owner.and_then(|o| o.login).or_else(|| {
                        r.full_name
                            .and_then(|f| f.split_once('/').map(|(o, _)| o.to_owned()))
                    })
                }),
                html_url: run.html_url,
                pull_requests: run
                    .pull_requests
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|p| p.number)
                    .collect(),
            });
        }
    }

    /// The PR this event is about, if any: the `pull_request` event's, else the single PR GitHub
    /// attached to a `workflow_run` (empty for fork PRs; see [`crate::github::comment`]).
    pub fn pr_number(&self) -> Option<u64> {
        self.pull_request.as_ref().map(|p| p.number).or_else(|| {
            self.workflow_run
                .as_ref()
                .and_then(|r| match r.pull_requests.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                })
        })
    }

    /// The commit whose measurements this run reports, as far as the event knows: the PR head
    /// for `pull_request*`, the triggering run's head for `workflow_run`.
    pub fn event_head_sha(&self) -> Option<&str> {
        self.pull_request
            .as_ref()
            .and_then(|p| p.head_sha.as_deref())
            .or_else(|| {
                self.workflow_run
                    .as_ref()
                    .and_then(|r| r.head_sha.as_deref())
            })
    }

    /// The pull request's base commit, as the event says (`pull_request.base.sha`); `None` when
    /// the event is not about a pull request or there is no event. An event that cannot be read,
    /// or a pull request without a base SHA, is an error: the base would otherwise quietly become
    /// `git merge-base`, another commit than the one the pull request targets.
    pub fn pull_request_base(&self) -> Result<Option<&str>, EventError> {
        if let Some(problem) = &self.event_problem {
            return Err(EventError(problem.clone()));
        }
        match &self.pull_request {
            None => Ok(None),
            Some(pr) => match pr.base_sha.as_deref() {
                Some(sha) => Ok(Some(sha)),
                None => Err(EventError(format!(
                    "the event payload {} has a pull request without `pull_request.base.sha`",
                    self.event_path
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "(GITHUB_EVENT_PATH)".into())
                ))),
            },
        }
    }

    /// True when the token is certainly read-only: a `pull_request` event from a fork.
    /// (`pull_request_target` and `workflow_run` get a write token even for forks.)
    pub fn read_only_token(&self) -> bool {
        self.event_name.as_deref() == Some("pull_request")
            && self.pull_request.as_ref().is_some_and(|p| p.fork)
    }

    /// Link to the job summary that holds the full report: the triggering run for a
    /// `workflow_run` event, else this run.
    pub fn summary_url(&self) -> Option<String> {
        if let Some(url) = self.workflow_run.as_ref().and_then(|r| r.html_url.clone()) {
            return Some(url);
        }
        let repo = self.repository.as_ref()?;
        let run = self.run_id.as_ref()?;
        let mut url = format!(
            "{}/{}/actions/runs/{run}",
            self.server_url,
            repo.full_name()
        );
        if let Some(attempt) = self.run_attempt.filter(|a| *a > 1) {
            url.push_str(&format!("/attempts/{attempt}"));
        }
        Some(url)
    }
}

/// Reads the event payload; the error says which file and what is wrong with it.
fn read_event(path: &Path) -> Result<EvPayload, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the event payload {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "the event payload {} is not the JSON GitHub writes: {e}",
            path.display()
        )
    })
}

#[derive(Deserialize)]
struct EvPayload {
    number: Option<u64>,
    pull_request: Option<EvPullRequest>,
    repository: Option<EvRepo>,
    workflow_run: Option<EvWorkflowRun>,
}

#[derive(Deserialize)]
struct EvPullRequest {
    number: Option<u64>,
    head: Option<EvRef>,
    base: Option<EvRef>,
}

#[derive(Deserialize)]
struct EvRef {
    sha: Option<String>,
    repo: Option<EvRepo>,
}

#[derive(Deserialize)]
struct EvRepo {
    full_name: Option<String>,
    fork: Option<bool>,
    owner: Option<EvOwner>,
}

#[derive(Deserialize)]
struct EvOwner {
    login: Option<String>,
}

#[derive(Deserialize)]
struct EvWorkflowRun {
    id: Option<u64>,
    event: Option<String>,
    head_sha: Option<String>,
    head_branch: Option<String>,
    head_repository: Option<EvRepo>,
    html_url: Option<String>,
    pull_requests: Option<Vec<EvPrRef>>,
}

#[derive(Deserialize)]
struct EvPrRef {
    number: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ctx(vars: &[(&str, &str)], event: Option<&str>) -> Context {
        let dir = tempfile::tempdir().unwrap();
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(event) = event {
            let p = dir.path().join("event.json");
            std::fs::write(&p, event).unwrap();
            map.insert("GITHUB_EVENT_PATH".into(), p.display().to_string());
        }
        Context::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn locally_nothing_is_set_and_defaults_apply() {
        let c = ctx(&[], None);
        assert!(!c.actions);
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert_eq!(c.pr_number(), None);
        assert_eq!(c.summary_url(), None);
        assert!(!c.read_only_token());
    }

    #[test]
    fn same_repo_pull_request() {
        let c = ctx(
            &[
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_EVENT_NAME", "pull_request"),
                ("GITHUB_REPOSITORY", "acme/widgets"),
                ("GITHUB_API_URL", "https://ghe.example.com/api/v3/"),
                ("GITHUB_SERVER_URL", "https://ghe.example.com"),
                ("GITHUB_RUN_ID", "42"),
                ("GITHUB_RUN_ATTEMPT", "2"),
            ],
            Some(
                r#"{"action":"synchronize","number":7,"pull_request":{"number":7,
                "head":{"sha":"aaa","repo":{"full_name":"acme/widgets","fork":false}},
                "base":{"sha":"bbb","repo":{"full_name":"acme/widgets"}}},
                "repository":{"full_name":"acme/widgets"}}"#,
            ),
        );
        assert!(c.actions);
        assert_eq!(c.api_url, "https://ghe.example.com/api/v3");
        let pr = c.pull_request.clone().unwrap();
        assert_eq!(pr.number, 7);
        assert_eq!(pr.head_sha.as_deref(), Some("aaa"));
        assert_eq!(pr.base_sha.as_deref(), Some("bbb"));
        assert!(!pr.fork);
        assert!(!c.read_only_token());
        assert_eq!(
            c.summary_url().as_deref(),
            Some("https://ghe.example.com/acme/widgets/actions/runs/42/attempts/2")
        );
    }

    #[test]
    fn fork_pull_request_has_a_read_only_token_but_pull_request_target_does_not() {
        let event = r#"{"number":9,"pull_request":{"number":9,
            "head":{"sha":"aaa","repo":{"full_name":"mallory/widgets","fork":true}},
            "base":{"sha":"bbb"}},"repository":{"full_name":"acme/widgets"}}"#;
        let c = ctx(&[("GITHUB_EVENT_NAME", "pull_request")], Some(event));
        assert!(c.pull_request.as_ref().unwrap().fork);
        assert!(c.read_only_token());
        assert_eq!(c.repository, Repo::parse("acme/widgets"));
        let c = ctx(&[("GITHUB_EVENT_NAME", "pull_request_target")], Some(event));
        assert!(!c.read_only_token());
    }

    #[test]
    fn deleted_fork_counts_as_fork() {
        let c = ctx(
            &[("GITHUB_EVENT_NAME", "pull_request")],
            Some(
                r#"{"pull_request":{"number":3,"head":{"sha":"a","repo":null}},"repository":{"full_name":"a/b"}}"#,
            ),
        );
        assert!(c.read_only_token());
    }

    #[test]
    fn workflow_run_event() {
        let c = ctx(
            &[("GITHUB_EVENT_NAME", "workflow_run")],
            Some(
                r#"{"workflow_run":{"id":99,"event":"pull_request","head_sha":"ccc",
                "head_branch":"feature","html_url":"https://github.com/acme/widgets/actions/runs/99",
                "head_repository":{"full_name":"mallory/widgets","owner":{"login":"mallory"}},
                "pull_requests":[]},"repository":{"full_name":"acme/widgets"}}"#,
            ),
        );
        let run = c.workflow_run.clone().unwrap();
        assert_eq!(run.head_owner.as_deref(), Some("mallory"));
        assert_eq!(c.pr_number(), None, "fork PRs are not attached to the run");
        assert_eq!(c.event_head_sha(), Some("ccc"));
        assert_eq!(
            c.summary_url().as_deref(),
            Some("https://github.com/acme/widgets/actions/runs/99")
        );
    }

    #[test]
    fn unreadable_event_is_reported_not_fatal() {
        let c = ctx(&[("GITHUB_REPOSITORY", "a/b")], Some("{ not json"));
        assert!(c.event_problem.unwrap().contains("event.json"));
        assert_eq!(c.repository, Repo::parse("a/b"));
    }

    #[test]
    fn repo_names_are_validated() {
        assert!(Repo::parse("a/b/c").is_none());
        assert!(Repo::parse("/b").is_none());
        assert!(Repo::parse("a b/c").is_none());
        assert_eq!(Repo::parse("rust-lang/rust.vim").unwrap().name, "rust.vim");
    }

    #[test]
    fn the_pull_request_base_comes_from_the_event_and_a_bad_event_is_an_error() {
        let c = ctx(
            &[],
            Some(r#"{"pull_request":{"number":7,"base":{"sha":"abc"}}}"#),
        );
        assert_eq!(c.pull_request_base().unwrap(), Some("abc"));
        let c = ctx(&[], Some(r#"{"ref":"refs/heads/main"}"#));
        assert_eq!(c.pull_request_base().unwrap(), None, "not a pull request");
        assert_eq!(
            ctx(&[], None).pull_request_base().unwrap(),
            None,
            "no event"
        );
        let err = ctx(&[], Some(r#"{"pull_request":{"number":7,"base":{}}}"#))
            .pull_request_base()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pull_request.base.sha") && err.contains("event.json"),
            "{err}"
        );
        let err = ctx(&[], Some("{"))
            .pull_request_base()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not the JSON") && err.contains("event.json"),
            "{err}"
        );
    }
}
