//! `check` on GitHub Actions, through the real binary: the runner's environment files and event
//! payload, a budget file, head/base results files (`--results`, `--base`), and the
//! wiremock GitHub of [`super::github`]. What a user sees in a pull request's run: the job
//! summary, the step outputs, `::error` annotations pointing at the budget line, one sticky
//! comment, and an exit code that is the gate's whatever happened to the comment.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use cargo_perf_budget::report::Report;
use serde_json::json;
use wiremock::matchers::{any, method, path_regex};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use super::github::{error_json, Fake, FakeGitHub, BASE, HEAD, OWNER, PR, REPO, TOKEN};
use super::support::{bench, write_results};

/// The rule that fails is the one whose `metric` is on line 7.
const BUDGET: &str = r#"[settings]
noise = "1%"
suite = "parser"

# Relative: nothing in the parser gets more than 5 % slower.
[[budget]]
metric = "criterion/parse/*"
max-regression = "5%"

# Absolute ceiling for fib.
[[budget]]
metric = "criterion/fib 20"
max = "2 ms"
"#;

const FAILING: &str = "criterion/parse/big";

/// A project directory as a PR job sees it: budget, results, runner files and event.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    /// Head is 25 % slower than base on `criterion/parse/big` when `regress`, else unchanged.
    fn new(regress: bool, fork: bool) -> Job {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("budgets.toml"), BUDGET).unwrap();
        let runs = root.join("runs");
        std::fs::create_dir(&runs).unwrap();
        let big = if regress { 1250.0 } else { 1000.0 };
        write_results(
            &runs,
            "base.json",
            BASE,
            vec![
                bench(FAILING, 1000.0, 1),
                bench("criterion/parse/small", 100.0, 2),
                bench("criterion/fib 20", 50_000.0, 3),
            ],
        );
        write_results(
            &runs,
            "head.json",
            HEAD,
            vec![
                bench(FAILING, big, 11),
                bench("criterion/parse/small", 100.0, 12),
                bench("criterion/fib 20", 50_000.0, 13),
            ],
        );
        let head_repo = if fork {
            "mallory/widgets"
        } else {
            "acme/widgets"
        };
        let event = json!({
            "action": "synchronize",
            "number": PR,
            "pull_request": {
                "number": PR,
                "head": {"sha": HEAD, "ref": "feature",
                         "repo": {"full_name": head_repo, "fork": fork}},
                "base": {"sha": BASE, "ref": "main", "repo": {"full_name": "acme/widgets"}}
            },
            "repository": {"full_name": "acme/widgets"}
        });
        std::fs::write(root.join("event.json"), event.to_string()).unwrap();
        std::fs::write(root.join("summary.md"), "# Earlier step\n").unwrap();
        Job { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name))
            .unwrap_or_else(|e| panic!("{name} not written: {e}"))
    }

    /// `cargo perf-budget check` with the environment of a `pull_request` job and nothing else
    /// (the test itself may run on Actions: none of its `GITHUB_*` variables leak in).
    fn check(&self, fake: &Fake, extra: &[&str]) -> Command {
        let mut cmd = self.check_to_stdout(fake, &["--output", "R.json"]);
        cmd.args(extra);
        cmd
    }

    /// [`Job::check`] without `--output`: the report goes to stdout.
    fn check_to_stdout(&self, fake: &Fake, extra: &[&str]) -> Command {
        let root = self.dir.path();
        let mut cmd = Command::cargo_bin("cargo-perf-budget").unwrap();
        cmd.env_clear()
            .current_dir(root)
            .env("NO_COLOR", "1")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", root.join("event.json"))
            .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
            .env("GITHUB_API_URL", fake.api_url())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_STEP_SUMMARY", root.join("summary.md"))
            .env("GITHUB_OUTPUT", root.join("output"))
            .env("GITHUB_WORKSPACE", root)
            .env("RUNNER_TEMP", root)
            .env("GITHUB_TOKEN", TOKEN)
            .args([
                "perf-budget",
                "check",
                "--results",
                "runs/head.json",
                "--base",
                "runs/base.json",
            ])
            .args(extra);
        cmd
    }

    /// The step outputs, as the runner parses the heredoc form.
    fn outputs(&self) -> Vec<(String, String)> {
        let text = self.read("output");
        let mut out = Vec::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let (name, delimiter) = line
                .split_once("<<")
                .unwrap_or_else(|| panic!("not the heredoc form: {line:?} in {text}"));
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            out.push((name.to_owned(), value.join("\n")));
        }
        out
    }

    fn output(&self, name: &str) -> String {
        self.outputs()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no output {name}: {:?}", self.outputs()))
    }

    fn report(&self) -> Report {
        Report::from_json(&self.read("R.json"), "R.json").unwrap()
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The `::error` workflow commands on stderr.
fn errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect()
}

/// Answers the comment POST through the fake, after recording what was on disk at that moment.
struct SeenAtPost {
    gh: FakeGitHub,
    files: Vec<PathBuf>,
    seen: Arc<Mutex<Vec<Vec<Option<String>>>>>,
}

impl Respond for SeenAtPost {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let now = self
            .files
            .iter()
            .map(|p| std::fs::read_to_string(p).ok())
            .collect();
        self.seen.lock().unwrap().push(now);
        self.gh.respond(req)
    }
}

#[test]
fn a_failing_pr_gets_summary_outputs_annotations_one_comment_and_exit_1() {
    let fake = Fake::start();
    let job = Job::new(true, false);
    let seen = Arc::new(Mutex::new(Vec::new()));
    fake.mount_first(
        Mock::given(method("POST"))
            .and(path_regex(r"/issues/\d+/comments$"))
            .respond_with(SeenAtPost {
                gh: fake.gh.clone(),
                files: vec![job.path("R.json"), job.path("summary.md")],
                seen: seen.clone(),
            }),
    );

    let r = run(job.check(&fake, &[]));
    assert_eq!(r.code, 1, "{r}");

    // The job summary: appended after the earlier step, the full Markdown report.
    let summary = job.read("summary.md");
    assert!(summary.starts_with("# Earlier step\n"), "{summary}");
    let ours = &summary["# Earlier step\n".len()..];
    let escaped = cargo_perf_budget::report::escape::markdown(FAILING);
    assert!(ours.contains(&escaped), "{ours}");
    assert!(ours.contains('|'), "a Markdown table: {ours}");
    for id in ["criterion/parse/small", "criterion/fib 20"] {
        assert!(
            ours.contains(&cargo_perf_budget::report::escape::markdown(id)),
            "every metric is in the summary: {id}\n{ours}"
        );
    }

    // The outputs.
    assert_eq!(job.output("verdict"), "fail");
    assert_eq!(job.output("failed"), "1");
    assert_eq!(
        PathBuf::from(job.output("report")),
        job.path("R.json"),
        "absolute: later steps run in another directory"
    );
    let report = job.report();
    assert_eq!(report.summary.fail, 1);
    assert_eq!(report.failed().next().map(|m| m.id.as_str()), Some(FAILING));

    // One `::error`, at the budget file and the line of the broken rule, on stderr only.
    let errs = errors(&r.stderr);
    assert_eq!(errs.len(), 1, "{r}");
    assert!(
        errs[0].starts_with("::error file=budgets.toml,line="),
        "{}",
        errs[0]
    );
    let line: u32 = errs[0]["::error file=budgets.toml,line=".len()..]
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(line, 7, "the `criterion/parse/*` rule: {}", errs[0]);
    assert!(errs[0].contains("criterion/parse/big"), "{}", errs[0]);
    assert!(
        !r.stdout.contains("::error"),
        "stdout is for the report: {r}"
    );
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));

    // Exactly one comment, ours, about the failure; the report file and the summary existed
    // when it was posted.
    assert_eq!(fake.posts(), 1, "{r}");
    let comments = fake.ours("parser");
    assert_eq!(comments.len(), 1, "{:?}", fake.comments());
    assert!(comments[0].1.contains(&escaped), "{}", comments[0].1);
    assert!(
        comments[0].1.contains("Performance budget: **fail**"),
        "{}",
        comments[0].1
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let report_then = seen[0][0].as_deref().expect("R.json existed at the POST");
    assert_eq!(
        Report::from_json(report_then, "R.json at POST").unwrap(),
        report
    );
    assert!(seen[0][1].as_deref().is_some_and(|s| s.contains(&escaped)));
    assert!(
        r.stderr.contains("posted the comment on #7"),
        "the link is reported: {r}"
    );
    assert_eq!(
        job.output("comment-url"),
        format!("https://github.com/{OWNER}/{REPO}/pull/{PR}#issuecomment-1000000")
    );
    fake.assert_token_only_in_authorization();
}

#[test]
fn a_second_run_updates_the_same_comment_and_a_fix_turns_it_green() {
    let fake = Fake::start();
    let failing = Job::new(true, false);
    assert_eq!(run(failing.check(&fake, &[])).code, 1);
    let fixed = Job::new(false, false);
    let r = run(fixed.check(&fake, &[]));
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(fixed.output("verdict"), "pass");
    assert_eq!(fixed.output("failed"), "0");
    assert!(errors(&r.stderr).is_empty(), "{r}");
    assert_eq!(fake.posts(), 1, "one comment, created once");
    assert_eq!(fake.patches(), 1, "then updated in place");
    let comments = fake.ours("parser");
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0].1.contains("Performance budget: **pass**"),
        "the comment now shows the passing report: {}",
        comments[0].1
    );
}

#[test]
fn a_server_failing_everywhere_changes_nothing_but_a_warning() {
    let fake = Fake::start();
    fake.mount_first(Mock::given(any()).respond_with(error_json(500, "Server Error")));
    let job = Job::new(true, false);
    let r = run(job.check(&fake, &[]));
    assert_eq!(r.code, 1, "the gate's code, not the comment's: {r}");
    assert!(
        r.stderr.contains("warning: could not post the PR comment"),
        "{r}"
    );
    assert!(
        r.stderr.contains("job summary") && r.stderr.contains("R.json"),
        "says where the report is: {r}"
    );
    assert_eq!(errors(&r.stderr).len(), 1, "{r}");
    assert_eq!(job.report().summary.fail, 1);
    assert_eq!(job.output("verdict"), "fail");
    assert!(job
        .read("summary.md")
        .contains(&cargo_perf_budget::report::escape::markdown(FAILING)));
    assert_eq!(fake.posts(), 0, "no create after failed reads");
    assert!(
        !job.outputs().iter().any(|(name, _)| name == "comment-url"),
        "no link to a comment that does not exist"
    );
}

#[test]
fn a_passing_gate_still_passes_when_the_post_fails() {
    let fake = Fake::start();
    fake.mount_first(
        Mock::given(method("POST"))
            .and(path_regex(r"/issues/\d+/comments$"))
            .respond_with(error_json(500, "Server Error")),
    );
    let job = Job::new(false, false);
    let r = run(job.check(&fake, &[]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("could not post the PR comment"), "{r}");
    assert_eq!(job.output("verdict"), "pass");
}

#[test]
fn a_fork_pr_is_not_commented_on_but_gets_everything_else_and_exit_1() {
    let fake = Fake::start();
    fake.mount_first(
        Mock::given(any()).respond_with(error_json(403, "Resource not accessible by integration")),
    );
    let job = Job::new(true, true);
    let r = run(job.check(&fake, &[]));
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains("comes from a fork") && r.stderr.contains("workflow_run"),
        "{r}"
    );
    assert!(fake.requests().is_empty(), "a read-only token is not tried");
    assert_eq!(errors(&r.stderr).len(), 1, "{r}");
    assert_eq!(job.output("verdict"), "fail");
    assert_eq!(PathBuf::from(job.output("report")), job.path("R.json"));
    assert_eq!(job.report().summary.fail, 1);
}

#[test]
fn a_read_only_token_on_a_same_repo_pr_is_a_warning_not_a_failure() {
    // Repositories created since 2023 default to read-only workflow tokens.
    let fake = Fake::start();
    fake.mount_first(
        Mock::given(method("POST"))
            .and(path_regex(r"/issues/\d+/comments$"))
            .respond_with(error_json(403, "Resource not accessible by integration")),
    );
    let job = Job::new(false, false);
    let r = run(job.check(&fake, &[]));
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("pull-requests: write"), "{r}");
    assert_eq!(fake.posts(), 1, "tried once, not repeated");
}

#[test]
fn no_comment_and_no_event_post_nothing() {
    let fake = Fake::start();
    let job = Job::new(true, false);
    let r = run(job.check(&fake, &["--no-comment"]));
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(job.output("verdict"), "fail");
    assert!(fake.requests().is_empty());

    // A push (no pull request in the event): summary and outputs, no comment.
    let push = Job::new(true, false);
    std::fs::write(
        push.path("event.json"),
        json!({"ref": "refs/heads/main", "repository": {"full_name": "acme/widgets"}}).to_string(),
    )
    .unwrap();
    let mut cmd = push.check(&fake, &[]);
    cmd.env("GITHUB_EVENT_NAME", "push");
    let r = run(cmd);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(push.output("failed"), "1");
    assert!(fake.requests().is_empty());
}

#[test]
fn without_output_the_report_goes_to_runner_temp() {
    let fake = Fake::start();
    let job = Job::new(true, false);
    let mut cmd = Command::cargo_bin("cargo-perf-budget").unwrap();
    // The same job without `--output`: rebuild the command from its parts.
    let root = job.dir.path();
    cmd.env_clear()
        .current_dir(root)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", root.join("summary.md"))
        .env("GITHUB_OUTPUT", root.join("output"))
        .env("RUNNER_TEMP", root.join("tmp"))
        .args([
            "perf-budget",
            "check",
            "--results",
            "runs/head.json",
            "--base",
            "runs/base.json",
            "--quiet",
        ]);
    std::fs::create_dir(root.join("tmp")).unwrap();
    let r = run(cmd);
    assert_eq!(r.code, 1, "{r}");
    let path = job.output("report");
    assert_eq!(Path::new(&path), root.join("tmp/perf-budget-report.json"));
    let report = Report::from_json(&std::fs::read_to_string(&path).unwrap(), "report").unwrap();
    assert_eq!(report.summary.fail, 1);
    assert!(fake.requests().is_empty());
}

#[test]
fn benchmark_names_cannot_inject_workflow_commands() {
    let fake = Fake::start();
    let job = Job::new(true, false);
    let hostile = "criterion/parse/x\n::add-mask::secretvalue\r  ::error title=pwned::injected ##[warning]legacy";
    let relative_only = BUDGET.split("\n# Absolute").next().unwrap();
    std::fs::write(job.path("budgets.toml"), relative_only).unwrap();
    let runs = job.path("runs");
    write_results(&runs, "base.json", BASE, vec![bench(hostile, 1000.0, 1)]);
    write_results(&runs, "head.json", HEAD, vec![bench(hostile, 1300.0, 2)]);
    let formats: [&[&str]; 4] = [
        &["--output", "R.json"],
        &["--format", "terminal"],
        &["--format", "markdown"],
        &["--format", "json"],
    ];
    for args in formats {
        let mut cmd = job.check_to_stdout(&fake, &["--no-comment"]);
        cmd.args(args);
        let r = run(cmd);
        assert_eq!(r.code, 1, "{r}");
        for line in r.stdout.split(['\n', '\r']) {
            assert!(
                !line.trim_start().starts_with("::"),
                "stdout {args:?}: {line:?}"
            );
        }
        for line in r.stderr.split(['\n', '\r']) {
            let body = line.trim_start();
            assert!(
                !body.starts_with("::") || body.starts_with("::error file=budgets.toml,line=7,"),
                "stderr: only our own, escaped annotation: {line:?}"
            );
        }
        assert!(
            !r.stdout.contains("##[") && !r.stderr.contains("##["),
            "{r}"
        );
        if args != ["--output", "R.json"] {
            // With --output the report goes only to the file.
            assert!(r.stdout.contains("secretvalue"), "the name is shown: {r}");
        }
        if args == ["--format", "json"] {
            // JSON on stdout still carries the exact name.
            let report = Report::from_json(&r.stdout, "stdout").unwrap();
            assert_eq!(report.results[0].id, hostile);
        }
    }
    assert_eq!(job.report().results[0].id, hostile, "the file is untouched");
}

impl Job {
    /// `comment --best-effort` as the action's posting step runs it after `check --no-comment`:
    /// the same runner environment, the token, and only the report and the budget file.
    fn post(&self, fake: &Fake, extra: &[&str]) -> Command {
        self.post_with(fake, true, extra)
    }

    fn post_with(&self, fake: &Fake, best_effort: bool, extra: &[&str]) -> Command {
        let root = self.dir.path();
        let mut cmd = Command::cargo_bin("cargo-perf-budget").unwrap();
        cmd.env_clear()
            .current_dir(root)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", root.join("event.json"))
            .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
            .env("GITHUB_API_URL", fake.api_url())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_OUTPUT", root.join("output"))
            .env("PERF_BUDGET_TOKEN", TOKEN)
            .args([
                "perf-budget",
                "comment",
                "--report",
                "R.json",
                "--token-env",
                "PERF_BUDGET_TOKEN",
            ])
            .args(best_effort.then_some("--best-effort"))
            .args(extra);
        cmd
    }

    /// `check --no-comment` with no token anywhere in its environment.
    fn check_without_token(&self, fake: &Fake) -> Run {
        let mut cmd = self.check(fake, &["--no-comment"]);
        cmd.env_remove("GITHUB_TOKEN");
        run(cmd)
    }
}

#[test]
fn check_without_a_token_then_comment_posts_the_same_report_once() {
    let fake = Fake::start();
    let job = Job::new(true, false);
    let r = job.check_without_token(&fake);
    assert_eq!(r.code, 1, "{r}");
    assert!(fake.requests().is_empty(), "check posts nothing");
    assert_eq!(job.output("verdict"), "fail");

    let p = run(job.post(&fake, &["--budget", "budgets.toml"]));
    assert_eq!(p.code, 0, "{p}");
    assert_eq!(fake.posts(), 1, "{p}");
    let ours = fake.ours("default");
    assert_eq!(ours.len(), 1);
    assert!(
        ours[0]
            .1
            .contains(&cargo_perf_budget::report::escape::markdown(FAILING)),
        "{}",
        ours[0].1
    );
    assert!(job.output("comment-url").contains("issuecomment"), "{p}");
    fake.assert_token_only_in_authorization();
}

#[test]
fn comment_takes_comment_on_from_the_budget_file_unless_told_otherwise() {
    let fake = Fake::start();
    let job = Job::new(false, false);
    let budget = BUDGET.replace("[settings]\n", "[settings]\ncomment-on = \"failure\"\n");
    std::fs::write(job.path("budgets.toml"), budget).unwrap();
    assert_eq!(job.check_without_token(&fake).code, 0);

    // A passing report under `comment-on = "failure"`: no new comment.
    let p = run(job.post(&fake, &["--budget", "budgets.toml"]));
    assert_eq!(p.code, 0, "{p}");
    assert!(p.stdout.contains("comment-on = \"failure\""), "{p}");
    assert_eq!(fake.posts(), 0, "{p}");
    // Without the budget file nothing says `failure`: always.
    let p = run(job.post(&fake, &[]));
    assert_eq!((p.code, fake.posts()), (0, 1), "{p}");
    // The comment now there is kept current whatever the setting (same report: unchanged).
    let p = run(job.post(
        &fake,
        &["--budget", "budgets.toml", "--comment-on", "change"],
    ));
    assert_eq!(p.code, 0, "{p}");
    assert!(p.stdout.contains("already current"), "{p}");
    assert_eq!(fake.posts(), 1, "{p}");
    // The flag wins over the file: `always` posts where `failure` did not.
    let other = run(job.post(
        &fake,
        &[
            "--budget",
            "budgets.toml",
            "--comment-on",
            "always",
            "--id",
            "x",
        ],
    ));
    assert_eq!((other.code, fake.posts()), (0, 2), "{other}");

    // A broken budget file is an error, not a guess.
    std::fs::write(job.path("broken.toml"), "[settings]\ncomment-on = 3\n").unwrap();
    let p = run(job.post(&fake, &["--budget", "broken.toml"]));
    assert_eq!(p.code, 2, "{p}");
    assert!(p.stderr.contains("broken.toml"), "{p}");
}

#[test]
fn best_effort_comment_never_fails_over_github_but_does_over_a_bad_report() {
    let fake = Fake::start();
    fake.mount_first(
        Mock::given(method("POST"))
            .and(path_regex(r"/issues/\d+/comments$"))
            .respond_with(error_json(403, "Resource not accessible by integration")),
    );
    let job = Job::new(true, false);
    assert_eq!(job.check_without_token(&fake).code, 1);
    let p = run(job.post(&fake, &[]));
    assert_eq!(p.code, 0, "{p}");
    assert!(
        p.stderr.contains("could not post the PR comment") && p.stderr.contains("R.json"),
        "{p}"
    );
    // Without --best-effort the same refusal is exit 2.
    let s = run(job.post_with(&fake, false, &[]));
    assert_eq!(s.code, 2, "{s}");
    assert!(s.stderr.contains("pull-requests: write"), "{s}");

    // No token: a warning, exit 0.
    let mut no_token = job.post(&fake, &[]);
    no_token.env_remove("PERF_BUDGET_TOKEN");
    let p = run(no_token);
    assert_eq!(p.code, 0, "{p}");
    assert!(p.stderr.contains("no GitHub token"), "{p}");

    // A fork's read-only token: the note, no request.
    let fork = Job::new(true, true);
    let before = fake.requests().len();
    assert_eq!(fork.check_without_token(&fake).code, 1);
    let p = run(fork.post(&fake, &[]));
    assert_eq!(p.code, 0, "{p}");
    assert!(p.stderr.contains("comes from a fork"), "{p}");
    assert_eq!(fake.requests().len(), before);

    // A push: nothing to comment on, silently.
    let mut push = job.post(&fake, &[]);
    push.env("GITHUB_EVENT_NAME", "push")
        .env_remove("GITHUB_EVENT_PATH");
    let p = run(push);
    assert_eq!((p.code, p.stderr.as_str()), (0, ""), "{p}");
    assert_eq!(fake.requests().len(), before);

    // A report that is not one is still an error.
    std::fs::write(job.path("R.json"), "{").unwrap();
    let p = run(job.post(&fake, &[]));
    assert_eq!(p.code, 2, "{p}");
    assert!(p.stderr.contains("R.json"), "{p}");
}

#[test]
fn a_gate_that_judged_nothing_says_error_in_its_verdict_output() {
    let fake = Fake::start();
    let job = Job::new(false, false);
    // Head measured none of what the budgets name.
    write_results(
        &job.path("runs"),
        "head.json",
        HEAD,
        vec![bench("criterion/other", 100.0, 21)],
    );
    let r = job.check_without_token(&fake);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(job.output("verdict"), "error", "{r}");
}
