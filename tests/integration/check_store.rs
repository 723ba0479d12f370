//! The product's promise end to end, through the real binary: one budget file covering Lighthouse
//! and k6, the base taken from the git result store, the noise calibrated from the results stored
//! for earlier main-branch commits, one verdict and exit code.
//!
//! A temporary repository gets ten commits on `main` whose results (the fast page and the base
//! k6 run with seeded noise) are saved with `run --results … --commit <sha>`, then C1 on `main`
//! whose head results `check --save-head` writes and `run` stores, then a `pr` branch. On the
//! branch, the slow page and the regressed k6 run fail exactly the budgets they break; the fast
//! outputs of C1, unchanged or 5 % slower, pass.

use std::path::{Path, PathBuf};

use cargo_perf_budget::model::{Dimension, ResultsFile};
use git2::{Repository, Signature};
use rand::{rngs::SmallRng, SeedableRng};
use rand_distr::{Distribution, Normal};
use serde_json::Value;
use tempfile::TempDir;

use crate::support::cli;

const BUDGET: &str = r#"
[settings]
baseline = "store"

[[lighthouse]]
name = "home"
reports = "lh/*.json"

[[k6]]
name = "api"
summary = "k6/summary.json"

[[budget]]
metric = "lighthouse/home/largest-contentful-paint"
max = "2500 ms"
max-regression = "10%"

[[budget]]
metric = "lighthouse/home/score/performance"
min = 0.9

# Often exactly 0: relative rules on zero-valued metrics compare on an absolute floor.
[[budget]]
metric = "lighthouse/home/cumulative-layout-shift"
max-regression = "10%"

[[budget]]
metric = "k6/api/http_req_duration/p(95)"
max = "300 ms"
max-regression = "10%"

[[budget]]
metric = "k6/api/http_req_failed/rate"
max = "1%"
"#;

const LCP: &str = "lighthouse/home/largest-contentful-paint";
const SCORE: &str = "lighthouse/home/score/performance";
const CLS: &str = "lighthouse/home/cumulative-layout-shift";
const P95: &str = "k6/api/http_req_duration/p(95)";
const FAILED: &str = "k6/api/http_req_failed/rate";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Commits `name` with `text` on HEAD through the index, as a developer would.
fn commit_file(repo: &Repository, name: &str, text: &str, message: &str) -> String {
    let workdir = repo.workdir().unwrap();
    std::fs::write(workdir.join(name), text).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new(name)).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("Dev", "dev@example.com").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
        .to_string()
}

/// HEAD, the index file and the work tree status: everything `run` must leave alone.
fn snapshot(repo: &Repository) -> (String, Vec<u8>, Vec<(String, git2::Status)>) {
    let head = repo.head().unwrap().target().unwrap().to_string();
    let index = std::fs::read(repo.path().join("index")).unwrap_or_default();
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).include_ignored(true);
    let statuses = repo
        .statuses(Some(&mut opts))
        .unwrap()
        .iter()
        .map(|s| (s.path().unwrap_or("").to_string(), s.status()))
        .collect();
    (head, index, statuses)
}

/// Puts these Lighthouse reports and this k6 summary where the budget file looks for them.
fn place_outputs(dir: &Path, reports: &[PathBuf], k6_summary: &Path) {
    let lh = dir.join("lh");
    let _ = std::fs::remove_dir_all(&lh);
    std::fs::create_dir_all(&lh).unwrap();
    for r in reports {
        std::fs::copy(r, lh.join(r.file_name().unwrap())).unwrap();
    }
    std::fs::create_dir_all(dir.join("k6")).unwrap();
    std::fs::copy(k6_summary, dir.join("k6/summary.json")).unwrap();
}

fn fast_reports() -> Vec<PathBuf> {
    (1..=3)
        .map(|i| fixtures().join(format!("lighthouse/lh12/fast-{i}.json")))
        .collect()
}

fn slow_reports() -> Vec<PathBuf> {
    (1..=3)
        .map(|i| fixtures().join(format!("lighthouse/lh12/slow-{i}.json")))
        .collect()
}

fn base_k6() -> PathBuf {
    fixtures().join("k6/recorded/base/summary-export.json")
}

fn regressed_k6() -> PathBuf {
    fixtures().join("k6/recorded/head-regressed/summary-export.json")
}

/// Runs the binary in `dir` and returns its exit code, asserting it printed no panic.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = cli().current_dir(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    (out.status.code().unwrap_or(-1), stderr)
}

/// `check` with the JSON report written to `report`; returns the exit code and the report.
fn check(dir: &Path, report: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "check",
        "--no-comment",
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, stderr) = run_in(dir, &args);
    assert!(
        code == 0 || code == 1,
        "check ended with {code} (expected a verdict): {stderr}"
    );
    let text = std::fs::read_to_string(report)
        .unwrap_or_else(|e| panic!("no report at {}: {e}; {stderr}", report.display()));
    (code, serde_json::from_str(&text).unwrap())
}

fn result<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the report"))
}

/// The rule of `result` whose text starts with `prefix` (`"max "`, `"max-regression"` …).
fn rule<'a>(result: &'a Value, prefix: &str) -> &'a Value {
    result["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("{} has no {prefix:?} rule: {result:#}", result["id"]))
}

fn failing_ids(report: &Value) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn notes(report: &Value) -> String {
    report["notes"]
        .as_array()
        .map(|n| {
            n.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// The relative rule is judged against a noise estimate from the stored runs.
fn assert_calibrated(result: &Value) {
    let noise = result["details"]["noise"].as_str().unwrap_or_default();
    assert!(
        noise.contains("stored runs") && !noise.contains("no noise estimate"),
        "{}: {noise:?}",
        result["id"]
    );
    assert_ne!(result["method"], "none", "{result:#}");
}

/// One main-branch run: `template` with every duration moved by seeded noise (a shift shared by
/// the job and a little per Lighthouse run), sizes, counts and scores as they were.
fn noisy_run(template: &ResultsFile, seed: u64, day: usize) -> ResultsFile {
    let mut rng = SmallRng::seed_from_u64(seed);
    let job = Normal::new(0.0_f64, 0.03).unwrap();
    let per_run = Normal::new(0.0_f64, 0.02).unwrap();
    let mut run = template.clone();
    run.time = Some(format!("2026-11-{day:02}T12:00:00Z"));
    for m in &mut run.metrics {
        if m.unit.dimension() != Dimension::Time {
            continue;
        }
        let shift = job.sample(&mut rng);
        m.value *= shift.exp();
        for s in &mut m.samples {
            *s *= (shift + per_run.sample(&mut rng)).exp();
        }
    }
    run
}

/// The fast page's reports with every timing `factor` times longer.
fn scaled_fast_reports(dir: &Path, factor: f64) -> Vec<PathBuf> {
    fast_reports()
        .iter()
        .map(|path| {
            let mut lhr: Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            for audit in lhr["audits"].as_object_mut().unwrap().values_mut() {
                if audit["numericUnit"] == "millisecond" {
                    if let Some(v) = audit["numericValue"].as_f64() {
                        audit["numericValue"] = serde_json::json!(v * factor);
                    }
                }
            }
            let out = dir.join(path.file_name().unwrap());
            std::fs::write(&out, serde_json::to_vec(&lhr).unwrap()).unwrap();
            out
        })
        .collect()
}

/// The base k6 summary with every `http_req_duration` statistic `factor` times longer.
fn scaled_k6(dir: &Path, factor: f64) -> PathBuf {
    let mut summary: Value =
        serde_json::from_str(&std::fs::read_to_string(base_k6()).unwrap()).unwrap();
    for v in summary["metrics"]["http_req_duration"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        if let Some(x) = v.as_f64() {
            *v = serde_json::json!(x * factor);
        }
    }
    let out = dir.join("k6-scaled.json");
    std::fs::write(&out, serde_json::to_vec(&summary).unwrap()).unwrap();
    out
}

#[test]
fn one_budget_one_verdict_lighthouse_and_k6_against_the_stored_base_with_calibration() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("repo");
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&scratch).unwrap();
    let repo = Repository::init(&dir).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    commit_file(&repo, ".gitignore", "lh/\nk6/\n", "ignore tool outputs");
    commit_file(&repo, "budgets.toml", BUDGET, "budgets");

    // Ten earlier main commits with stored results: the fast page and the base k6 run, each with
    // its own seeded run-to-run noise, so calibration has a history to learn from.
    place_outputs(&dir, &fast_reports(), &base_k6());
    let lh = scratch.join("lh.json");
    let k6 = scratch.join("k6.json");
    let (code, err) = run_in(
        &dir,
        &[
            "import",
            "lighthouse",
            "lh/fast-1.json",
            "lh/fast-2.json",
            "lh/fast-3.json",
            "--name",
            "home",
            "-o",
            lh.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, err) = run_in(
        &dir,
        &[
            "import",
            "k6",
            "k6/summary.json",
            "--name",
            "api",
            "-o",
            k6.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let mut template = ResultsFile::load(&lh).unwrap();
    template.merge(ResultsFile::load(&k6).unwrap()).unwrap();
    for i in 1..=10 {
        let sha = commit_file(&repo, "src.txt", &format!("v{i}\n"), &format!("main {i}"));
        let path = scratch.join(format!("main-{i}.json"));
        noisy_run(&template, i, i as usize).save(&path).unwrap();
        let (code, err) = run_in(
            &dir,
            &["run", "--results", path.to_str().unwrap(), "--commit", &sha],
        );
        assert_eq!(code, 0, "run for main {i}: {err}");
    }
    let last_main = repo.head().unwrap().target().unwrap().to_string();

    // C1 on main: `check` compares against the nearest stored ancestor and says so; its head
    // results, saved with --save-head, become C1's stored results.
    let c1 = commit_file(&repo, "src.txt", "c1\n", "C1");
    let head_c1 = scratch.join("head-c1.json");
    let (code, report) = check(
        &dir,
        &scratch.join("report-c1.json"),
        &[
            "--baseline",
            "store",
            "--save-head",
            head_c1.to_str().unwrap(),
        ],
    );
    assert_eq!(
        code, 0,
        "the fast page against its own noisy history: {report:#}"
    );
    assert_eq!(report["base"]["commit"], last_main.as_str());
    assert_eq!(report["head"]["commit"], c1.as_str());
    let n = notes(&report);
    assert!(
        n.contains("nearest ancestor") && n.contains(&c1[..7]) && n.contains(&last_main[..7]),
        "{n}"
    );
    assert_calibrated(result(&report, LCP));
    assert_calibrated(result(&report, P95));

    let before = snapshot(&repo);
    let (code, err) = run_in(&dir, &["run", "--results", head_c1.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&c1), "run saves for HEAD = C1: {err}");
    assert_eq!(
        snapshot(&repo),
        before,
        "run touched HEAD, the index or the work tree"
    );

    // C2 on a PR branch: the slow page and the regressed k6 run.
    let c1_commit = repo.find_commit(git2::Oid::from_str(&c1).unwrap()).unwrap();
    repo.branch("pr", &c1_commit, false).unwrap();
    repo.set_head("refs/heads/pr").unwrap();
    let c2 = commit_file(&repo, "src.txt", "c2\n", "C2: the PR");
    place_outputs(&dir, &slow_reports(), &regressed_k6());
    let (code, report) = check(&dir, &scratch.join("report-c2.json"), &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verdict"], "fail");
    assert_eq!(
        report["base"]["commit"],
        c1.as_str(),
        "the base is C1 itself"
    );
    assert_eq!(report["head"]["commit"], c2.as_str());
    assert_eq!(report["method"]["baseline"], "store");
    assert!(!notes(&report).contains("nearest ancestor"), "{report:#}");

    let mut failing = failing_ids(&report);
    failing.sort();
    assert_eq!(failing, [P95, CLS, LCP, SCORE], "{report:#}");

    let lcp = result(&report, LCP);
    assert_eq!(rule(lcp, "max ")["ok"], false, "{lcp:#}");
    assert_eq!(rule(lcp, "max-regression")["ok"], false, "{lcp:#}");
    assert_eq!(lcp["kind"], "regression");
    assert_calibrated(lcp);
    let score = result(&report, SCORE);
    assert_eq!(rule(score, "min ")["ok"], false, "{score:#}");
    let p95 = result(&report, P95);
    // 91.5 ms is within the absolute 300 ms but +23 % over the base: only the relative rule fails.
    assert_eq!(rule(p95, "max ")["ok"], true, "{p95:#}");
    assert_eq!(rule(p95, "max-regression")["ok"], false, "{p95:#}");
    assert_calibrated(p95);
    let change = p95["change"].as_f64().unwrap();
    assert!((change - 0.234).abs() < 0.01, "{p95:#}");
    // CLS 0 → 0.13: measured from the 0.01 floor, far beyond the budget.
    let cls = result(&report, CLS);
    assert_eq!(rule(cls, "max-regression")["ok"], false, "{cls:#}");
    assert!(
        rule(cls, "max-regression")["message"]
            .as_str()
            .unwrap()
            .contains("floor"),
        "{cls:#}"
    );
    assert_eq!(result(&report, FAILED)["status"], "pass");

    // The same fast outputs as C1: nothing changed, the gate passes; 0 → 0 CLS is no change.
    let c3 = commit_file(&repo, "src.txt", "c3\n", "C3: revert the slowness");
    place_outputs(&dir, &fast_reports(), &base_k6());
    let (code, report) = check(&dir, &scratch.join("report-c3.json"), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["base"]["commit"], c1.as_str());
    assert_eq!(report["head"]["commit"], c3.as_str());
    assert_eq!(report["summary"]["fail"], 0);
    for id in [LCP, CLS, P95] {
        let r = result(&report, id);
        assert_eq!(rule(r, "max-regression")["ok"], true, "{r:#}");
    }

    // Every timing 5 % slower: within the noise the history shows, not a failure.
    let slower = scratch.join("slower");
    std::fs::create_dir_all(&slower).unwrap();
    place_outputs(
        &dir,
        &scaled_fast_reports(&slower, 1.05),
        &scaled_k6(&slower, 1.05),
    );
    let (code, report) = check(&dir, &scratch.join("report-c3-slower.json"), &[]);
    assert_eq!(code, 0, "{report:#}");
    for id in [LCP, P95] {
        let r = result(&report, id);
        assert_calibrated(r);
        assert_ne!(rule(r, "max-regression")["ok"], false, "{r:#}");
        let change = r["change"].as_f64().unwrap();
        assert!((change - 0.05).abs() < 0.01, "{r:#}");
        eprintln!(
            "{id}: +5 % → {}, smallest detectable change {:.1} % ({})",
            r["status"],
            100.0 * r["details"]["mde"].as_f64().unwrap_or(f64::NAN),
            r["details"]["noise"]
        );
    }
}

#[test]
fn run_without_results_measures_what_the_budget_configures_under_its_suite() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("repo");
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&scratch).unwrap();
    let repo = Repository::init(&dir).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    commit_file(&repo, ".gitignore", "lh/\nk6/\n", "ignore tool outputs");
    let budget = BUDGET.replace(
        "baseline = \"store\"",
        "baseline = \"store\"\nsuite = \"web\"",
    );
    let c1 = commit_file(&repo, "budgets.toml", &budget, "C1: budgets");
    place_outputs(&dir, &fast_reports(), &base_k6());

    let before = snapshot(&repo);
    let (code, err) = run_in(&dir, &["run"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&c1) && err.contains("suite web"), "{err}");
    assert_eq!(
        snapshot(&repo),
        before,
        "run touched HEAD, the index or the work tree"
    );

    let c1_commit = repo.find_commit(git2::Oid::from_str(&c1).unwrap()).unwrap();
    repo.branch("pr", &c1_commit, false).unwrap();
    repo.set_head("refs/heads/pr").unwrap();
    commit_file(&repo, "src.txt", "c2\n", "C2");
    place_outputs(&dir, &slow_reports(), &regressed_k6());
    let (code, report) = check(&dir, &scratch.join("report.json"), &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["base"]["commit"], c1.as_str(), "{report:#}");
    // Stored under `web`, found under `web`: every metric has a base.
    assert_eq!(report["summary"]["new"], 0, "{report:#}");
    assert_eq!(rule(result(&report, LCP), "max ")["ok"], false);
    // No history yet: the relative rule says so instead of pretending.
    let p95 = result(&report, P95);
    assert!(
        p95["details"]["noise"]
            .as_str()
            .unwrap()
            .contains("no noise estimate"),
        "{p95:#}"
    );
}
