//! The GitHub side against a local stand-in for the REST API: the real octocrab client (through
//! the library, and through the real binary's `comment` command) talks to a wiremock server
//! that keeps comments in memory and answers with GitHub's documented JSON shapes, Link
//! pagination and error bodies, with faults injected where a test asks for them.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use cargo_perf_budget::budget::CommentOn;
use cargo_perf_budget::github::{
    self, ClientConfig, CommentOptions, Context, PublishOptions, Repo, RetryPolicy, Token,
};
use cargo_perf_budget::report::Report;
use serde_json::{json, Value};
use wiremock::matchers::{any, method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub(super) const OWNER: &str = "acme";
pub(super) const REPO: &str = "widgets";
pub(super) const PR: u64 = 7;
pub(super) const TOKEN: &str = "ghs_TESTtoken0123456789abcdefSECRET";
pub(super) const HEAD: &str = "1111111111111111111111111111111111111111";
pub(super) const BASE: &str = "2222222222222222222222222222222222222222";
pub(super) const BOT: &str = "github-actions[bot]";

// ---------------------------------------------------------------------------------------------
// A fake GitHub: comments in memory, served with the REST shapes octocrab and we rely on.

/// A fault for the next comment POST.
#[derive(Debug, Clone)]
enum PostFault {
    /// Store the comment, then answer 502 (the answer was lost on the way back).
    StoreThen502,
    /// Store the comment, then answer slowly (longer than the client's read timeout).
    StoreThenStall(Duration),
    /// Secondary rate limit: 403 with `Retry-After` and nothing stored.
    RateLimited { retry_after: u64 },
}

struct State {
    base: String,
    prefix: String,
    comments: Vec<Value>,
    next_id: u64,
    pr_head: String,
    /// `GET /user` answers 403 like it does for a workflow token.
    user_forbidden: bool,
    login: String,
    /// Longest body the fake accepts (GitHub: 65,536 characters).
    max_body: usize,
    post_faults: VecDeque<PostFault>,
}

#[derive(Clone)]
pub(super) struct FakeGitHub(Arc<Mutex<State>>);

fn user(login: &str, id: u64, kind: &str) -> Value {
    let u = format!(
        "https://api.github.com/users/{}",
        login.replace('[', "%5B").replace(']', "%5D")
    );
    json!({
        "login": login, "id": id, "node_id": format!("MDQ6VXNlcn{id}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "", "url": u, "html_url": format!("https://github.com/{login}"),
        "followers_url": format!("{u}/followers"), "following_url": format!("{u}/following{{/other_user}}"),
        "gists_url": format!("{u}/gists{{/gist_id}}"), "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{u}/subscriptions"), "organizations_url": format!("{u}/orgs"),
        "repos_url": format!("{u}/repos"), "events_url": format!("{u}/events{{/privacy}}"),
        "received_events_url": format!("{u}/received_events"), "type": kind, "site_admin": false
    })
}

fn author(login: &str) -> Value {
    if login.ends_with("[bot]") {
        user(login, 41898282, "Bot")
    } else {
        user(login, 583231, "User")
    }
}

fn comment_json(id: u64, login: &str, body: &str) -> Value {
    let api = format!("https://api.github.com/repos/{OWNER}/{REPO}");
    json!({
        "id": id, "node_id": format!("IC_kwDOA{id}"),
        "url": format!("{api}/issues/comments/{id}"),
        "html_url": format!("https://github.com/{OWNER}/{REPO}/pull/{PR}#issuecomment-{id}"),
        "issue_url": format!("{api}/issues/{PR}"),
        "body": body, "user": author(login),
        "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z",
        "author_association": if login.ends_with("[bot]") { "NONE" } else { "MEMBER" },
        "performed_via_github_app": null
    })
}

pub(super) fn error_json(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "message": message,
        "documentation_url": "https://docs.github.com/rest",
        "status": status.to_string()
    }))
}

impl FakeGitHub {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    fn list(&self, req: &Request) -> ResponseTemplate {
        let s = self.state();
        let q = |k: &str| {
            req.url
                .query_pairs()
                .find(|(key, _)| key == k)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let per_page = q("per_page").unwrap_or(30).min(100);
        let page = q("page").unwrap_or(1).max(1);
        let pages = s.comments.len().div_ceil(per_page).max(1);
        let items: Vec<Value> = s
            .comments
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .cloned()
            .collect();
        let link = |p: usize, rel: &str| {
            format!(
                "<{}{}/repos/{OWNER}/{REPO}/issues/{PR}/comments?per_page={per_page}&page={p}>; rel=\"{rel}\"",
                s.base, s.prefix
            )
        };
        let mut links = Vec::new();
        if page < pages {
            links.push(link(page + 1, "next"));
            links.push(link(pages, "last"));
        }
        if page > 1 {
            links.push(link(1, "first"));
            links.push(link(page - 1, "prev"));
        }
        let mut t = ResponseTemplate::new(200).set_body_json(items);
        if !links.is_empty() {
            t = t.insert_header("link", links.join(", "));
        }
        t
    }

    fn create(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state();
        let body = match req.body_json::<Value>() {
            Ok(v) => v["body"].as_str().unwrap_or_default().to_owned(),
            Err(_) => return error_json(400, "Problems parsing JSON"),
        };
        let fault = s.post_faults.pop_front();
        if let Some(PostFault::RateLimited { retry_after }) = fault {
            return error_json(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            )
            .insert_header("retry-after", retry_after.to_string());
        }
        if body.chars().count() > s.max_body {
            return too_long(s.max_body);
        }
        let id = s.next_id;
        s.next_id += 1;
        let login = s.login.clone();
        let c = comment_json(id, &login, &body);
        s.comments.push(c.clone());
        match fault {
            Some(PostFault::StoreThen502) => ResponseTemplate::new(502)
                .set_body_string("<html><body><h1>502 Bad Gateway</h1></body></html>"),
            Some(PostFault::StoreThenStall(d)) => {
                ResponseTemplate::new(201).set_body_json(c).set_delay(d)
            }
            _ => ResponseTemplate::new(201).set_body_json(c),
        }
    }

    fn update_or_delete(&self, req: &Request, id: u64) -> ResponseTemplate {
        let mut s = self.state();
        let Some(pos) = s.comments.iter().position(|c| c["id"] == id) else {
            return error_json(404, "Not Found");
        };
        if req.method.as_str() == "DELETE" {
            s.comments.remove(pos);
            return ResponseTemplate::new(204);
        }
        let body = req.body_json::<Value>().unwrap_or_default()["body"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if body.chars().count() > s.max_body {
            return too_long(s.max_body);
        }
        s.comments[pos]["body"] = json!(body);
        s.comments[pos]["updated_at"] = json!("2026-11-21T10:00:00Z");
        ResponseTemplate::new(200).set_body_json(s.comments[pos].clone())
    }
}

fn too_long(max: usize) -> ResponseTemplate {
    ResponseTemplate::new(422).set_body_json(json!({
        "message": "Validation Failed",
        "errors": [{"resource": "IssueComment", "code": "unprocessable", "field": "data",
                    "message": format!("Body is too long (maximum is {max} characters)")}],
        "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
        "status": "422"
    }))
}

impl Respond for FakeGitHub {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let prefix = self.state().prefix.clone();
        let path = req
            .url
            .path()
            .strip_prefix(&prefix)
            .unwrap_or("")
            .to_owned();
        let repo = format!("/repos/{OWNER}/{REPO}");
        let m = req.method.as_str();
        if path == "/user" {
            let s = self.state();
            return if s.user_forbidden {
                error_json(403, "Resource not accessible by integration")
            } else {
                ResponseTemplate::new(200).set_body_json(author(&s.login))
            };
        }
        if path == format!("{repo}/pulls/{PR}") {
            let head = self.state().pr_head.clone();
            return ResponseTemplate::new(200).set_body_json(json!({
                "url": format!("https://api.github.com{repo}/pulls/{PR}"), "id": 1, "number": PR,
                "state": "open", "title": "Faster parser", "user": author("alice"),
                "head": {"label": "alice:feature", "ref": "feature", "sha": head,
                         "repo": {"id": 2, "full_name": "alice/widgets", "fork": true}},
                "base": {"label": "acme:main", "ref": "main", "sha": BASE,
                         "repo": {"id": 1, "full_name": format!("{OWNER}/{REPO}"), "fork": false}}
            }));
        }
        if path == format!("{repo}/issues/{PR}/comments") {
            return match m {
                "GET" => self.list(req),
                "POST" => self.create(req),
                _ => error_json(404, "Not Found"),
            };
        }
        if let Some(id) = path
            .strip_prefix(&format!("{repo}/issues/comments/"))
            .and_then(|id| id.parse::<u64>().ok())
        {
            if matches!(m, "PATCH" | "POST" | "DELETE") {
                return self.update_or_delete(req, id);
            }
        }
        error_json(404, "Not Found")
    }
}

/// A running fake: the mock server (on its own thread) and a small runtime to talk to it.
pub(super) struct Fake {
    rt: tokio::runtime::Runtime,
    server: MockServer,
    pub(super) gh: FakeGitHub,
}

impl Fake {
    pub(super) fn start() -> Fake {
        Fake::start_at("")
    }

    /// `prefix` is `/api/v3` to play GitHub Enterprise Server.
    pub(super) fn start_at(prefix: &str) -> Fake {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(MockServer::start());
        let gh = FakeGitHub(Arc::new(Mutex::new(State {
            base: server.uri(),
            prefix: prefix.to_owned(),
            comments: Vec::new(),
            next_id: 1_000_000,
            pr_head: HEAD.to_owned(),
            user_forbidden: true,
            login: BOT.to_owned(),
            max_body: 65_536,
            post_faults: VecDeque::new(),
        })));
        rt.block_on(Mock::given(any()).respond_with(gh.clone()).mount(&server));
        Fake { rt, server, gh }
    }

    pub(super) fn api_url(&self) -> String {
        format!("{}{}", self.server.uri(), self.gh.state().prefix)
    }

    /// A mock that takes precedence over the fake.
    pub(super) fn mount_first(&self, mock: Mock) {
        self.rt.block_on(mock.with_priority(1).mount(&self.server));
    }

    pub(super) fn seed(&self, login: &str, body: &str) -> u64 {
        let mut s = self.gh.state();
        let id = s.next_id;
        s.next_id += 1;
        s.comments.push(comment_json(id, login, body));
        id
    }

    pub(super) fn comments(&self) -> Vec<Value> {
        self.gh.state().comments.clone()
    }

    pub(super) fn requests(&self) -> Vec<Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    pub(super) fn count(&self, method: &str, path_suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method.as_str() == method && r.url.path().ends_with(path_suffix))
            .count()
    }

    pub(super) fn posts(&self) -> usize {
        self.count("POST", &format!("/issues/{PR}/comments"))
    }

    pub(super) fn patches(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method.as_str() == "PATCH" && r.url.path().contains("/issues/comments/"))
            .count()
    }

    /// Bodies of our comments (by marker), in order.
    pub(super) fn ours(&self, id: &str) -> Vec<(String, String)> {
        let marker = github::sticky::marker(id);
        self.comments()
            .iter()
            .filter(|c| c["body"].as_str().unwrap_or("").contains(&marker))
            .map(|c| {
                (
                    c["user"]["login"].as_str().unwrap_or("").to_owned(),
                    c["body"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    /// The token was sent in every request's `Authorization` header and nowhere else.
    pub(super) fn assert_token_only_in_authorization(&self) {
        let requests = self.requests();
        assert!(!requests.is_empty());
        for r in &requests {
            let auth = r
                .headers
                .get("authorization")
                .map(|v| v.to_str().unwrap_or(""));
            assert_eq!(
                auth,
                Some(format!("Bearer {TOKEN}").as_str()),
                "{} {}",
                r.method,
                r.url
            );
            assert!(!r.url.as_str().contains(TOKEN), "token in URL {}", r.url);
            assert!(
                !String::from_utf8_lossy(&r.body).contains(TOKEN),
                "token in a body"
            );
            for (name, value) in r.headers.iter() {
                if name.as_str() != "authorization" {
                    assert!(
                        !value.to_str().unwrap_or("").contains(TOKEN),
                        "token in {name}"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reports.

fn metric(id: &str, status: &str, kind: &str, change: f64) -> Value {
    let ok = status != "fail";
    json!({
        "id": id, "unit": "ns", "direction": "lower",
        "base": {"value": 1000.0, "n": 100}, "head": {"value": 1000.0 * (1.0 + change), "n": 100},
        "change": change, "ci": [change - 0.01, change + 0.01], "p": 0.001, "q": 0.004,
        "status": status, "kind": kind,
        "rules": [{"rule": "max-regression 5%", "ok": ok, "source": "budgets.toml:12"}],
        "method": "yuen-log", "details": {}
    })
}

fn report_of(results: Vec<Value>, head: &str) -> Report {
    let fail = results.iter().filter(|r| r["status"] == "fail").count();
    let pass = results.len() - fail;
    let text = json!({
        "schema": "perf-budget/report/v1",
        "verdict": if fail > 0 { "fail" } else { "pass" },
        "base": {"commit": BASE}, "head": {"commit": head},
        "summary": {"pass": pass, "fail": fail, "inconclusive": 0, "new": 0, "missing": 0},
        "results": results
    })
    .to_string();
    let mut report = Report::from_json(&text, "test").unwrap();
    report.finish();
    report
}

fn small_report() -> Report {
    report_of(
        vec![
            metric("criterion/parse/sum_sq/1000", "fail", "regression", 0.123),
            metric("criterion/parse/sum_sq/10", "pass", "regression", 0.021),
            metric("criterion/fib 20", "pass", "unchanged", 0.002),
        ],
        HEAD,
    )
}

/// A metric id as the Markdown shows it (escaped: `_` becomes `\_`).
fn md(id: &str) -> String {
    cargo_perf_budget::report::escape::markdown(id)
}

fn write_report(dir: &Path, name: &str, report: &Report) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(report).unwrap()).unwrap();
    p
}

// ---------------------------------------------------------------------------------------------
// Driving the binary and the library.

/// `cargo-perf-budget perf-budget comment …` with a clean environment pointing at the fake.
fn comment_cmd(fake: &Fake, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("cargo-perf-budget").unwrap();
    cmd.env_clear()
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
        .env("GITHUB_TOKEN", TOKEN)
        .args(["perf-budget", "comment"])
        .args(args);
    cmd
}

fn fast_config() -> ClientConfig {
    ClientConfig {
        retry: RetryPolicy {
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            ..RetryPolicy::default()
        },
        ..ClientConfig::default()
    }
}

fn ctx_for(fake: &Fake) -> Context {
    Context {
        actions: true,
        repository: Repo::parse(&format!("{OWNER}/{REPO}")),
        api_url: fake.api_url(),
        server_url: "https://github.com".into(),
        run_id: Some("99".into()),
        event_name: Some("pull_request".into()),
        pull_request: Some(github::context::PullRequestEvent {
            number: PR,
            head_sha: Some(HEAD.into()),
            base_sha: Some(BASE.into()),
            fork: false,
        }),
        ..Context::default()
    }
}

fn comment_lib(fake: &Fake, report: &Report, id: &str) -> github::CommentResult {
    let opts = CommentOptions {
        pr: Some(PR),
        comment_id: id.into(),
        token_env: "GITHUB_TOKEN".into(),
        summary_url: None,
        comment_on: Default::default(),
    };
    github::comment_report(
        &ctx_for(fake),
        Token::new(TOKEN.into()),
        report,
        &opts,
        fast_config(),
    )
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn first_run_posts_one_comment_second_run_patches_it_third_changes_nothing() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let first = write_report(dir.path(), "r1.json", &small_report());

    let out = comment_cmd(&fake, &["--report", first.to_str().unwrap(), "--pr", "7"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stdout.contains("posted the comment on #7"), "{stdout}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    assert_eq!((fake.posts(), fake.patches()), (1, 0));
    assert_eq!(fake.ours("default").len(), 1);
    // GET pull, GET /user (403: the workflow bot), list, POST, list again for a racing job.
    assert_eq!(fake.requests().len(), 5);

    // A new push: different numbers, same comment.
    let mut second = small_report();
    second.results[0].change = Some(0.2);
    let second = write_report(dir.path(), "r2.json", &second);
    comment_cmd(&fake, &["--report", second.to_str().unwrap(), "--pr", "7"])
        .assert()
        .success()
        .stdout(predicates::str::contains("updated the comment on #7"));
    assert_eq!((fake.posts(), fake.patches()), (1, 1));
    assert_eq!(
        fake.requests().len(),
        5 + 4,
        "GET pull, GET /user, list, PATCH"
    );

    // A rerun with the same report: nothing to change, no notification.
    comment_cmd(&fake, &["--report", second.to_str().unwrap(), "--pr", "7"])
        .assert()
        .success()
        .stdout(predicates::str::contains("already current"));
    assert_eq!((fake.posts(), fake.patches()), (1, 1));
    let ours = fake.ours("default");
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].0, BOT);
    assert!(ours[0].1.starts_with("<!-- cargo-perf-budget:default -->"));
    fake.assert_token_only_in_authorization();
}

#[test]
fn our_comment_on_page_three_is_found_and_decoys_are_never_touched() {
    let fake = Fake::start();
    let marker = github::sticky::marker("default");
    // A decoy on page 1: our marker, someone else's comment.
    let decoy_body = format!("{marker}\nI copied the bot's comment");
    let decoy = fake.seed("mallory", &decoy_body);
    for i in 0..230 {
        fake.seed(
            if i % 3 == 0 { "alice" } else { "bob" },
            &format!("review note {i}"),
        );
    }
    let ours = fake.seed(BOT, &format!("{marker}\nold numbers"));
    for i in 0..40 {
        fake.seed("carol", &format!("late note {i}"));
    }
    // Another bot's comment with our marker (a different app): not ours either.
    fake.seed("renovate[bot]", &format!("{marker}\nnot ours"));

    let result = comment_lib(&fake, &small_report(), "default");
    assert!(result.message.contains("updated"), "{}", result.message);
    assert_eq!(fake.posts(), 0);
    assert_eq!(fake.patches(), 1);
    let patched: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method.as_str() == "PATCH")
        .collect();
    assert!(patched[0]
        .url
        .path()
        .ends_with(&format!("/issues/comments/{ours}")));
    // Three pages were read, each with the token.
    let pages: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.method.as_str() == "GET" && r.url.path().ends_with("/comments"))
        .map(|r| r.url.query().unwrap_or("").to_owned())
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[2].contains("page=3"));
    let decoy_now = fake
        .comments()
        .into_iter()
        .find(|c| c["id"] == decoy)
        .unwrap();
    assert_eq!(decoy_now["body"], decoy_body);
    fake.assert_token_only_in_authorization();
}

#[test]
fn a_personal_token_matches_its_own_login() {
    let fake = Fake::start();
    {
        let mut s = fake.gh.state();
        s.user_forbidden = false;
        s.login = "perf-robot".into();
    }
    let marker = github::sticky::marker("default");
    let workflow_bots = fake.seed(BOT, &format!("{marker}\nposted by the workflow token"));
    let robots = fake.seed("perf-robot", &format!("{marker}\nold"));
    comment_lib(&fake, &small_report(), "default");
    assert_eq!(fake.posts(), 0);
    let by_id = |id: u64| fake.comments().into_iter().find(|c| c["id"] == id).unwrap();
    assert_ne!(by_id(robots)["body"], format!("{marker}\nold"));
    assert_eq!(
        by_id(workflow_bots)["body"],
        format!("{marker}\nposted by the workflow token")
    );
}

#[test]
fn an_app_token_uses_the_configured_author() {
    let fake = Fake::start();
    fake.gh.state().login = "perf-app[bot]".into();
    let marker = github::sticky::marker("default");
    let apps = fake.seed("perf-app[bot]", &format!("{marker}\nold"));
    let mut ctx = ctx_for(&fake);
    ctx.comment_author = Some("perf-app[bot]".into());
    let opts = CommentOptions {
        pr: Some(PR),
        comment_id: "default".into(),
        token_env: "GITHUB_TOKEN".into(),
        summary_url: None,
        comment_on: Default::default(),
    };
    github::comment_report(
        &ctx,
        Token::new(TOKEN.into()),
        &small_report(),
        &opts,
        fast_config(),
    )
    .unwrap();
    assert_eq!((fake.posts(), fake.patches()), (0, 1));
    assert_eq!(fake.count("GET", "/user"), 0, "no need to ask");
    let patched = fake
        .comments()
        .into_iter()
        .find(|c| c["id"] == apps)
        .unwrap();
    assert_ne!(patched["body"], format!("{marker}\nold"));
}

#[test]
fn another_id_gets_its_own_comment() {
    let fake = Fake::start();
    comment_lib(&fake, &small_report(), "default");
    comment_lib(&fake, &small_report(), "web");
    comment_lib(&fake, &small_report(), "web");
    assert_eq!(fake.posts(), 2);
    assert_eq!(fake.ours("default").len(), 1);
    assert_eq!(fake.ours("web").len(), 1);
}

#[test]
fn a_502_after_the_comment_was_stored_does_not_post_twice() {
    let fake = Fake::start();
    fake.gh
        .state()
        .post_faults
        .push_back(PostFault::StoreThen502);
    let dir = tempfile::tempdir().unwrap();
    let report = write_report(dir.path(), "r.json", &small_report());
    comment_cmd(&fake, &["--report", report.to_str().unwrap(), "--pr", "7"])
        .assert()
        .success()
        .stdout(predicates::str::contains("already current on #7"));
    assert_eq!(
        fake.posts(),
        1,
        "a lost answer must not be answered with a second POST"
    );
    assert_eq!(fake.ours("default").len(), 1);
}

#[test]
fn a_timeout_after_the_comment_was_stored_does_not_post_twice() {
    let fake = Fake::start();
    fake.gh
        .state()
        .post_faults
        .push_back(PostFault::StoreThenStall(Duration::from_secs(5)));
    let opts = CommentOptions {
        pr: Some(PR),
        comment_id: "default".into(),
        token_env: "GITHUB_TOKEN".into(),
        summary_url: None,
        comment_on: Default::default(),
    };
    let config = ClientConfig {
        read_timeout: Duration::from_millis(500),
        ..fast_config()
    };
    let result = github::comment_report(
        &ctx_for(&fake),
        Token::new(TOKEN.into()),
        &small_report(),
        &opts,
        config,
    )
    .unwrap();
    assert!(
        result.message.contains("already current"),
        "{}",
        result.message
    );
    assert_eq!(fake.posts(), 1);
    assert_eq!(fake.ours("default").len(), 1);
}

#[test]
fn a_secondary_rate_limit_is_waited_out() {
    let fake = Fake::start();
    fake.gh
        .state()
        .post_faults
        .push_back(PostFault::RateLimited { retry_after: 1 });
    let dir = tempfile::tempdir().unwrap();
    let report = write_report(dir.path(), "r.json", &small_report());
    comment_cmd(&fake, &["--report", report.to_str().unwrap(), "--pr", "7"])
        .assert()
        .success()
        .stdout(predicates::str::contains("posted the comment on #7"));
    // Refused once (nothing stored), looked again, posted once more.
    assert_eq!(fake.posts(), 2);
    assert_eq!(fake.ours("default").len(), 1);
}

#[test]
fn a_401_exits_2_with_a_clear_message_and_never_shows_the_token() {
    let fake = Fake::start();
    fake.mount_first(
        Mock::given(any()).respond_with(error_json(401, &format!("Bad credentials for {TOKEN}"))),
    );
    let dir = tempfile::tempdir().unwrap();
    let report = write_report(dir.path(), "r.json", &small_report());
    let out = comment_cmd(&fake, &["--report", report.to_str().unwrap(), "--pr", "7"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stderr.contains("GitHub rejected the token in GITHUB_TOKEN"),
        "{stderr}"
    );
    assert!(stderr.contains("401"), "{stderr}");
    assert!(
        !stderr.contains(TOKEN) && !stdout.contains(TOKEN),
        "{stderr}"
    );
    assert!(stderr.contains("Bad credentials for ***"), "{stderr}");
    assert_eq!(fake.posts(), 0);
    fake.assert_token_only_in_authorization();
}

#[test]
fn a_403_names_the_missing_permission() {
    let fake = Fake::start();
    fake.mount_first(
        Mock::given(method("POST"))
            .and(path_regex(r"/issues/\d+/comments$"))
            .respond_with(error_json(403, "Resource not accessible by integration")),
    );
    let dir = tempfile::tempdir().unwrap();
    let report = write_report(dir.path(), "r.json", &small_report());
    let out = comment_cmd(&fake, &["--report", report.to_str().unwrap(), "--pr", "7"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("pull-requests: write"), "{stderr}");
    assert!(stderr.contains("issues: write"), "{stderr}");
    assert!(stderr.contains("workflow_run"), "{stderr}");
    assert_eq!(fake.posts(), 1, "a 403 is not retried");
}

#[test]
fn a_404_pull_request_exits_2() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let report = write_report(dir.path(), "r.json", &small_report());
    let out = comment_cmd(&fake, &["--report", report.to_str().unwrap(), "--pr", "8"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("reading pull request #8 of acme/widgets"),
        "{stderr}"
    );
    assert!(stderr.contains("404"), "{stderr}");
}

#[test]
fn body_too_long_is_shrunk_and_retried_once() {
    let fake = Fake::start();
    let many: Vec<Value> = (0..400)
        .map(|i| {
            metric(
                &format!("criterion/group/bench_{i:04}"),
                "pass",
                "unchanged",
                0.0,
            )
        })
        .chain([metric("criterion/parse/slow", "fail", "regression", 0.3)])
        .collect();
    // This server's limit is lower than what we first send.
    fake.gh.state().max_body = 20_000;
    let result = comment_lib(&fake, &report_of(many, HEAD), "default");
    assert!(result.message.contains("shortened"), "{}", result.message);
    assert_eq!(fake.posts(), 2);
    let ours = fake.ours("default");
    assert_eq!(ours.len(), 1);
    assert!(ours[0].1.contains(&md("criterion/parse/slow")));
}

#[test]
fn thousands_of_benchmarks_fit_and_still_say_what_failed() {
    let fake = Fake::start();
    let results: Vec<Value> = (0..5000)
        .map(|i| {
            if i % 125 == 0 {
                metric(
                    &format!("criterion/suite_{}/case_{i:05}", i % 7),
                    "fail",
                    "regression",
                    0.25,
                )
            } else {
                metric(
                    &format!("criterion/suite_{}/case_{i:05}", i % 7),
                    "pass",
                    "unchanged",
                    0.001,
                )
            }
        })
        .collect();
    let report = report_of(results, HEAD);
    assert_eq!(report.summary.fail, 40);
    comment_lib(&fake, &report, "default");
    let ours = fake.ours("default");
    assert_eq!(ours.len(), 1);
    let body = &ours[0].1;
    assert!(
        body.chars().count() < 65_536,
        "{} characters",
        body.chars().count()
    );
    assert!(body.len() < 65_536, "{} bytes", body.len());
    assert!(
        body.contains(&md("criterion/suite_0/case_00000")),
        "the first failure is named"
    );
    assert!(body.contains("40"), "the failure count is given");
    assert_eq!(fake.posts(), 1, "no 422 round trip was needed");
}

#[test]
fn a_stale_report_does_not_overwrite_a_newer_one() {
    let fake = Fake::start();
    fake.gh.state().pr_head = "3333333333333333333333333333333333333333".into();
    let dir = tempfile::tempdir().unwrap();
    let report = write_report(dir.path(), "r.json", &small_report());
    comment_cmd(&fake, &["--report", report.to_str().unwrap(), "--pr", "7"])
        .assert()
        .success()
        .stdout(predicates::str::contains("not updating the comment on #7"));
    assert_eq!(fake.posts() + fake.patches(), 0);
}

#[test]
fn several_reports_become_one_comment() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let a = write_report(dir.path(), "a.json", &small_report());
    let b = write_report(
        dir.path(),
        "b.json",
        &report_of(
            vec![metric(
                "lighthouse/home/largest-contentful-paint",
                "fail",
                "regression",
                0.4,
            )],
            HEAD,
        ),
    );
    comment_cmd(
        &fake,
        &[
            "--report",
            a.to_str().unwrap(),
            "--report",
            b.to_str().unwrap(),
            "--pr",
            "7",
        ],
    )
    .assert()
    .success();
    let ours = fake.ours("default");
    assert_eq!(ours.len(), 1);
    assert!(ours[0].1.contains(&md("criterion/parse/sum_sq/1000")));
    assert!(ours[0]
        .1
        .contains(&md("lighthouse/home/largest-contentful-paint")));
}

#[test]
fn enterprise_server_api_prefix_and_pagination() {
    let fake = Fake::start_at("/api/v3");
    for i in 0..150 {
        fake.seed("alice", &format!("note {i}"));
    }
    comment_lib(&fake, &small_report(), "default");
    comment_lib(&fake, &small_report(), "default");
    assert_eq!(fake.posts(), 1);
    assert!(fake
        .requests()
        .iter()
        .all(|r| r.url.path().starts_with("/api/v3/")));
    fake.assert_token_only_in_authorization();
}

#[test]
fn workflow_run_for_a_fork_finds_its_pull_request_by_head() {
    let fake = Fake::start();
    fake.mount_first(
        Mock::given(method("GET"))
            .and(path_regex(r"/repos/acme/widgets/pulls$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
                "url": "https://api.github.com/repos/acme/widgets/pulls/7", "id": 1,
                "number": 7, "state": "open",
                "head": {"ref": "feature", "sha": HEAD, "label": "alice:feature"},
                "base": {"ref": "main", "sha": BASE, "label": "acme:main"}
            }]))),
    );
    let mut ctx = ctx_for(&fake);
    ctx.event_name = Some("workflow_run".into());
    ctx.pull_request = None;
    ctx.workflow_run = Some(github::context::WorkflowRunEvent {
        id: Some(99),
        event: Some("pull_request".into()),
        head_sha: Some(HEAD.into()),
        head_branch: Some("feature".into()),
        head_owner: Some("alice".into()),
        html_url: Some("https://github.com/acme/widgets/actions/runs/99".into()),
        pull_requests: vec![],
    });
    let opts = CommentOptions {
        pr: None,
        comment_id: "default".into(),
        token_env: "GITHUB_TOKEN".into(),
        summary_url: None,
        comment_on: Default::default(),
    };
    let r = github::comment_report(
        &ctx,
        Token::new(TOKEN.into()),
        &small_report(),
        &opts,
        fast_config(),
    )
    .unwrap();
    assert!(r.message.contains("#7"), "{}", r.message);
    let lookup = fake
        .requests()
        .into_iter()
        .find(|r| r.url.path().ends_with("/pulls"))
        .unwrap();
    assert!(lookup.url.query().unwrap().contains("head=alice%3Afeature"));

    // An artifact that names another PR is refused: PR #7's head is not what this run measured.
    ctx.workflow_run.as_mut().unwrap().head_sha =
        Some("4444444444444444444444444444444444444444".into());
    let opts = CommentOptions {
        pr: Some(PR),
        ..opts
    };
    let r = github::comment_report(
        &ctx,
        Token::new(TOKEN.into()),
        &small_report(),
        &opts,
        fast_config(),
    )
    .unwrap();
    assert!(r.message.contains("not updating"), "{}", r.message);
    assert_eq!(fake.posts(), 1);
}

#[test]
fn publish_writes_summary_outputs_and_comment() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let output = dir.path().join("output");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let mut ctx = ctx_for(&fake);
    ctx.step_summary = Some(summary.clone());
    ctx.output = Some(output.clone());
    ctx.runner_temp = Some(dir.path().to_owned());
    let out = github::publish_in(
        &ctx,
        Token::new(TOKEN.into()),
        &small_report(),
        None,
        &PublishOptions::default(),
        fast_config(),
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n"));
    assert!(text.contains(&md("criterion/parse/sum_sq/1000")));
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(outputs.contains("verdict<<"), "{outputs}");
    let lines: Vec<&str> = outputs.lines().collect();
    assert_eq!(lines[1], "fail");
    assert_eq!(lines[4], "1", "{outputs}");
    let report_path = dir.path().join("perf-budget-report.json");
    assert_eq!(lines[7], report_path.display().to_string());
    let saved =
        Report::from_json(&std::fs::read_to_string(&report_path).unwrap(), "saved").unwrap();
    assert_eq!(saved, small_report());
    assert_eq!(fake.posts(), 1);
    assert!(out.comment_url.is_some(), "{:?}", out.messages);
    assert!(
        out.messages
            .iter()
            .any(|m| m.contains("posted the comment on #7")),
        "{:?}",
        out.messages
    );
}

#[test]
fn publish_on_a_fork_writes_everything_but_does_not_try_to_comment() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ctx_for(&fake);
    ctx.pull_request.as_mut().unwrap().fork = true;
    ctx.step_summary = Some(dir.path().join("summary.md"));
    ctx.output = Some(dir.path().join("output"));
    let out = github::publish_in(
        &ctx,
        Token::new(TOKEN.into()),
        &small_report(),
        None,
        &PublishOptions {
            report_path: Some(dir.path().join("report.json")),
            ..PublishOptions::default()
        },
        fast_config(),
    );
    assert!(std::fs::read_to_string(dir.path().join("summary.md"))
        .unwrap()
        .contains(&md("criterion/")));
    assert!(std::fs::read_to_string(dir.path().join("output"))
        .unwrap()
        .contains("report.json"));
    let note = out.messages.iter().find(|m| m.contains("fork")).unwrap();
    assert!(
        note.contains("workflow_run") && note.contains("cargo perf-budget comment"),
        "{note}"
    );
    assert!(
        fake.requests().is_empty(),
        "no request with a read-only token"
    );
}

#[test]
fn publish_survives_a_read_only_token_it_did_not_expect() {
    // A same-repo event, but the repository's default token is read-only.
    let fake = Fake::start();
    fake.mount_first(
        Mock::given(method("POST"))
            .and(path_regex(r"/issues/\d+/comments$"))
            .respond_with(error_json(403, "Resource not accessible by integration")),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ctx_for(&fake);
    ctx.step_summary = Some(dir.path().join("summary.md"));
    let out = github::publish_in(
        &ctx,
        Token::new(TOKEN.into()),
        &small_report(),
        None,
        &PublishOptions::default(),
        fast_config(),
    );
    let warning = out
        .messages
        .iter()
        .find(|m| m.contains("could not post"))
        .unwrap_or_else(|| panic!("{:?}", out.messages));
    assert!(warning.contains("pull-requests: write"), "{warning}");
    assert!(warning.contains("job summary"), "{warning}");
    assert!(!format!("{:?}", out).contains(TOKEN));
}

#[test]
fn locally_nothing_is_written_or_posted() {
    let out = github::publish_in(
        &Context::from_lookup(|_| None),
        Token::new(TOKEN.into()),
        &small_report(),
        None,
        &PublishOptions::default(),
        fast_config(),
    );
    assert_eq!(out, github::PublishOutcome::default());
}

#[test]
fn no_token_is_a_clear_error_from_comment() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let report = write_report(dir.path(), "r.json", &small_report());
    comment_cmd(&fake, &["--report", report.to_str().unwrap(), "--pr", "7"])
        .env_remove("GITHUB_TOKEN")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no GitHub token"));
    assert!(fake.requests().is_empty());
}

#[test]
fn hostile_benchmark_names_are_harmless_in_the_posted_body() {
    let fake = Fake::start();
    let names = [
        "criterion/<img src=x onerror=alert(1)>",
        "criterion/ping @someone about it",
        "criterion/fixes #123",
        "criterion/a|b|c",
        "criterion/``tick`` and `x`",
        "criterion/</details><script>x</script>",
    ];
    let results = names
        .iter()
        .map(|n| metric(n, "fail", "regression", 0.2))
        .collect();
    comment_lib(&fake, &report_of(results, HEAD), "default");
    let body = fake.ours("default").remove(0).1;
    assert!(!body.contains("<img"), "{body}");
    assert!(!body.contains("<script"), "{body}");
    assert!(!body.contains("@someone"), "a mention would notify: {body}");
    assert!(
        !body.contains("#123"),
        "a reference would cross-link: {body}"
    );
    // Every table row keeps its column count: pipes in names are escaped.
    let mut columns = None;
    for line in body.lines().filter(|l| l.starts_with('|')) {
        let cells = unescaped_pipes(line);
        match columns {
            None => columns = Some(cells),
            Some(c) => assert_eq!(cells, c, "row broke the table: {line}"),
        }
    }
    assert!(columns.is_some(), "the failures are in a table: {body}");
}

fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for ch in line.chars() {
        match ch {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count
}

#[test]
fn comment_body_snapshot() {
    let fake = Fake::start();
    let mut report = small_report();
    report.results.push(
        serde_json::from_value(metric(
            "criterion/render/page",
            "pass",
            "improvement",
            -0.08,
        ))
        .unwrap(),
    );
    report.finish();
    comment_lib(&fake, &report, "default");
    insta::assert_snapshot!(fake.ours("default").remove(0).1);
}

#[test]
fn reads_are_retried_through_5xx_and_give_up_with_a_message() {
    let fake = Fake::start();
    fake.mount_first(
        Mock::given(method("GET"))
            .and(path_regex(r"/issues/\d+/comments$"))
            .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
            .up_to_n_times(2),
    );
    comment_lib(&fake, &small_report(), "default");
    assert_eq!(fake.posts(), 1);

    let fake = Fake::start();
    fake.mount_first(
        Mock::given(method("GET"))
            .and(path_regex(r"/issues/\d+/comments$"))
            .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>")),
    );
    let opts = CommentOptions {
        pr: Some(PR),
        comment_id: "default".into(),
        token_env: "GITHUB_TOKEN".into(),
        summary_url: None,
        comment_on: Default::default(),
    };
    let err = github::comment_report(
        &ctx_for(&fake),
        Token::new(TOKEN.into()),
        &small_report(),
        &opts,
        fast_config(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("kept failing while listing the comments of pull request #7"),
        "{err}"
    );
    assert!(err.contains("4 attempts") && err.contains("502"), "{err}");
    assert_eq!(
        fake.posts(),
        0,
        "nothing is posted without knowing what is there"
    );
}

#[test]
fn debug_output_never_contains_the_token() {
    let client = github::Client::new(
        "https://api.github.com",
        Token::new(TOKEN.into()).unwrap(),
        "GITHUB_TOKEN",
        ClientConfig::default(),
    )
    .unwrap();
    let shown = format!("{client:?} {:?}", Token::new(TOKEN.into()));
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("Token(***)"), "{shown}");
    // A token that cannot go into a header is refused by name, not echoed (octocrab would panic).
    let err = github::Client::new(
        "https://api.github.com",
        Token::new(format!("{TOKEN}\u{e9}")).unwrap(),
        "MY_TOKEN",
        ClientConfig::default(),
    )
    .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("MY_TOKEN") && !text.contains(TOKEN), "{text}");
}

/// A report where every budgeted metric passed without moving.
fn quiet_report() -> Report {
    report_of(
        vec![
            metric("criterion/parse/sum_sq/1000", "pass", "unchanged", 0.001),
            metric("criterion/fib 20", "pass", "unchanged", -0.002),
        ],
        HEAD,
    )
}

fn publish_with(
    fake: &Fake,
    report: &Report,
    on: CommentOn,
    summary: &Path,
) -> github::PublishOutcome {
    let mut ctx = ctx_for(fake);
    ctx.step_summary = Some(summary.to_owned());
    github::publish_in(
        &ctx,
        Token::new(TOKEN.into()),
        report,
        None,
        &PublishOptions {
            comment_on: on,
            ..PublishOptions::default()
        },
        fast_config(),
    )
}

#[test]
fn comment_on_failure_posts_only_failures_but_updates_a_comment_already_there() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");

    // A passing run: no comment, but the job summary has the full report.
    let out = publish_with(&fake, &quiet_report(), CommentOn::Failure, &summary);
    assert_eq!(fake.posts(), 0, "{:?}", out.messages);
    assert!(fake.ours("default").is_empty());
    assert!(
        out.messages
            .iter()
            .any(|m| m.contains("comment-on = \"failure\"")),
        "{:?}",
        out.messages
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.contains(&md("criterion/parse/sum_sq/1000")), "{text}");

    // A failing run posts.
    publish_with(&fake, &small_report(), CommentOn::Failure, &summary);
    assert_eq!(fake.posts(), 1);

    // The fix passes: the comment that showed the failure is updated, not left behind.
    publish_with(&fake, &quiet_report(), CommentOn::Failure, &summary);
    assert_eq!((fake.posts(), fake.patches()), (1, 1));
    let ours = fake.ours("default");
    assert_eq!(ours.len(), 1);
    assert!(ours[0].1.contains("**pass**"), "{}", ours[0].1);
}

#[test]
fn comment_on_change_posts_when_a_budgeted_metric_moved() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    publish_with(&fake, &quiet_report(), CommentOn::Change, &summary);
    assert_eq!(fake.posts(), 0);
    // A significant regression within budget is a change worth a comment, though it passes.
    let moved = report_of(
        vec![metric(
            "criterion/parse/sum_sq/10",
            "pass",
            "regression",
            0.021,
        )],
        HEAD,
    );
    assert_eq!(moved.verdict, cargo_perf_budget::report::Verdict::Pass);
    publish_with(&fake, &moved, CommentOn::Change, &summary);
    assert_eq!(fake.posts(), 1);
    // `always` posts a quiet report too (here: updates the comment).
    publish_with(&fake, &quiet_report(), CommentOn::Always, &summary);
    assert_eq!((fake.posts(), fake.patches()), (1, 1));
}

#[test]
fn the_comment_command_honours_comment_on() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let quiet = write_report(dir.path(), "quiet.json", &quiet_report());
    comment_cmd(
        &fake,
        &[
            "--report",
            quiet.to_str().unwrap(),
            "--pr",
            "7",
            "--comment-on",
            "failure",
        ],
    )
    .assert()
    .success()
    .stdout(predicates::str::contains("no comment on #7"));
    assert_eq!(fake.posts(), 0);
    comment_cmd(
        &fake,
        &[
            "--report",
            quiet.to_str().unwrap(),
            "--pr",
            "7",
            "--comment-on",
            "always",
        ],
    )
    .assert()
    .success();
    assert_eq!(fake.posts(), 1);
}

#[test]
fn the_posted_comment_links_the_workflow_run() {
    let fake = Fake::start();
    // GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID as Actions sets them.
    let out = comment_cmd(
        &fake,
        &[
            "--report",
            write_report(
                tempfile::tempdir().unwrap().path(),
                "r.json",
                &small_report(),
            )
            .to_str()
            .unwrap(),
            "--pr",
            "7",
        ],
    )
    .env("GITHUB_SERVER_URL", "https://github.com")
    .env("GITHUB_RUN_ID", "4242")
    .assert();
    out.success();
    let ours = fake.ours("default");
    assert_eq!(ours.len(), 1);
    assert!(
        ours[0]
            .1
            .contains("[workflow run](https://github.com/acme/widgets/actions/runs/4242)"),
        "{}",
        ours[0].1
    );
}
