//! `cargo perf-budget check` end to end through the real binary, in a real git repository with
//! a real criterion crate (`tests/fixtures/runner/bench-crate`): a head commit that makes one of
//! three benchmarks 1.5× slower fails exactly that benchmark (exit 1), A/A on the same
//! repository passes (exit 0), a base that does not compile is an error with cargo's message
//! (exit 2); every path leaves the user's repository as it was and never panics.
//!
//! The crate builds in [`fixture_target`] (through `CARGO_TARGET_DIR`, as a user's CI would set
//! it), and these tests take turns with the others that build there ([`serial`]).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::runner::{fixture, write_crate};
use crate::support::{cli, fixture_target, git, serial};

/// Short rounds so the suite stays quick; three rounds (the default) so that evaluation has a
/// round-to-round noise estimate.
const BUDGETS: &str = r#"[settings]
rounds = 3
main-branch = "main"

[criterion]
args = ["--sample-size", "20", "--measurement-time", "0.5", "--warm-up-time", "0.2"]

[[budget]]
metric = "criterion/**"
max-regression = "5%"
"#;

pub(crate) struct CheckRepo {
    dir: tempfile::TempDir,
    root: PathBuf,
    krate: PathBuf,
}

impl CheckRepo {
    /// `main` holds the crate with `base_lib`; the checked-out branch `feature` has one more
    /// commit with `lib-head.rs` (checksum does 1.5× the work; sum and sorted are unchanged).
    /// Both sides bench the same three functions.
    pub(crate) fn new(base_lib: &str) -> CheckRepo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        let krate = root.join("benchfix");
        std::fs::create_dir_all(&root).unwrap();
        git(&root, &["init", "-q"]);
        std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
        write_crate(&krate, base_lib, "benches/algos-base.rs");
        std::fs::write(krate.join("budgets.toml"), BUDGETS).unwrap();
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "base"]);
        git(&root, &["checkout", "-q", "-b", "feature"]);
        std::fs::copy(fixture("lib-head.rs"), krate.join("src/lib.rs")).unwrap();
        git(&root, &["commit", "-q", "-am", "checksum 1.5x slower"]);
        CheckRepo { dir, root, krate }
    }

    fn sha(&self, rev: &str) -> String {
        git(&self.root, &["rev-parse", rev]).trim().to_string()
    }

    /// Runs `cargo perf-budget check <args>` in the crate; returns the exit code and stderr.
    pub(crate) fn check(&self, args: &[&str]) -> (i32, String) {
        let output = cli()
            .arg("check")
            .args(args)
            .current_dir(&self.krate)
            .env("CARGO_TARGET_DIR", fixture_target())
            .env_remove("CARGO_TERM_PROGRESS_WHEN")
            .output()
            .expect("cargo-perf-budget runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        eprintln!("{stderr}");
        assert!(!stderr.contains("panicked"), "no panic: {stderr}");
        (output.status.code().expect("exited, not killed"), stderr)
    }

    /// A report path outside the repository (so it does not dirty the work tree).
    pub(crate) fn report_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// As in `runner::TestRepo::assert_untouched`: clean, on `feature` at `head`, one worktree
    /// and no worktree metadata left, no branch added.
    fn assert_untouched(&self, head: &str) {
        assert_eq!(git(&self.root, &["status", "--porcelain"]), "");
        assert_eq!(
            git(&self.root, &["symbolic-ref", "HEAD"]).trim(),
            "refs/heads/feature"
        );
        assert_eq!(self.sha("HEAD"), head);
        let worktrees = git(&self.root, &["worktree", "list", "--porcelain"]);
        assert_eq!(
            worktrees.matches("worktree ").count(),
            1,
            "only the main tree: {worktrees}"
        );
        let branches = git(
            &self.root,
            &["branch", "--list", "--format=%(refname:short)"],
        );
        assert_eq!(branches.lines().collect::<Vec<_>>(), ["feature", "main"]);
        let admin = self.root.join(".git/worktrees");
        assert!(
            !admin.exists() || std::fs::read_dir(&admin).unwrap().next().is_none(),
            "worktree metadata left in {}",
            admin.display()
        );
    }
}

pub(crate) fn read_report(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("report {} missing: {e}", path.display()));
    let report: Value = serde_json::from_str(&text).expect("the report is JSON");
    assert_eq!(report["schema"], "perf-budget/report/v1");
    report
}

/// `(id, status)` of every result, sorted by id.
pub(crate) fn statuses(report: &Value) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = report["results"]
        .as_array()
        .expect("results is an array")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_string(),
                r["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn check_fails_exactly_the_slower_benchmark_and_aa_passes_on_the_same_repository() {
    let _serial = serial();
    let repo = CheckRepo::new("lib-base.rs");
    let head = repo.sha("HEAD");
    let base = repo.sha("HEAD~1");

    let out = repo.report_path("R.json");
    let out_arg = out.to_str().unwrap();
    let (code, stderr) = repo.check(&[
        "--base-rev",
        "HEAD~1",
        "--format",
        "json",
        "--output",
        out_arg,
    ]);
    let report = read_report(&out);
    // The round is the unit: on a machine whose rounds vary far more than their samples (other
    // builds running), three rounds may not be enough to show the 1.5× benchmark beyond doubt.
    // Then the report must say the machine was noisy, and the slower benchmark is inconclusive,
    // never a pass; on a quiet machine it fails.
    //
    // The unchanged `sum` and `sorted` compile to the same instructions at the same addresses on
    // both sides (the fixture changes `checksum` through a constant only), so no code-layout
    // shift can make them differ. On a quiet machine neither may fail. On a noisy one a false
    // alarm stays possible at the rate the test allows (that rate is measured by the simulations
    // in `stats_*`, not here), but never one the size of the real change.
    let noisy = report["notes"].as_array().is_some_and(|n| {
        n.iter()
            .any(|n| n.as_str().unwrap_or("").contains("machine was noisy"))
    });
    let rows = statuses(&report);
    let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        ["criterion/checksum", "criterion/sorted", "criterion/sum"]
    );
    for (id, status) in &rows {
        if id == "criterion/checksum" {
            if noisy && status == "inconclusive" {
                eprintln!("noisy machine: the 1.5x benchmark is inconclusive: {report:#}");
            } else {
                assert_eq!(status, "fail", "{report:#}");
            }
        } else if status == "fail" {
            let change = |id: &str| {
                report["results"]
                    .as_array()
                    .and_then(|r| r.iter().find(|r| r["id"] == id))
                    .and_then(|r| r["change"].as_f64())
                    .unwrap_or(f64::NAN)
            };
            let (this, slower) = (change(id), change("criterion/checksum"));
            assert!(
                noisy && this < 0.3 && this < slower / 2.0,
                "{id}, unchanged, failed at {this} (the 1.5x one: {slower}): {report:#}"
            );
            eprintln!("{id}: unchanged, a false alarm at {this:+.3} on a noisy machine");
        } else {
            assert!(
                status == "pass" || status == "inconclusive",
                "{id} is {status}: {report:#}"
            );
        }
    }
    let failed = report["summary"]["fail"].as_u64();
    assert_eq!(code, if failed >= Some(1) { 1 } else { 0 }, "{report:#}");
    assert_eq!(report["verdict"], if code == 1 { "fail" } else { "pass" });
    assert_eq!(report["base"]["commit"], base.as_str());
    assert_eq!(report["head"]["commit"], head.as_str());
    let checksum_failed = rows
        .iter()
        .any(|(id, status)| id == "criterion/checksum" && status == "fail");
    assert!(
        noisy || checksum_failed,
        "a quiet machine must fail the 1.5x benchmark: {report:#}"
    );
    for result in report["results"].as_array().unwrap() {
        assert_eq!(
            result["base"]["n"],
            3 * 20,
            "three rounds of 20: {result:#}"
        );
        assert_eq!(
            result["head"]["n"],
            3 * 20,
            "three rounds of 20: {result:#}"
        );
    }
    // On a pipe the progress is cargo-style status lines, one per phase.
    for line in [
        &format!("Preparing base ({})", &base[..7]),
        "Building head",
        "Running head round 3/3",
    ] {
        assert!(stderr.contains(line), "{line:?} in {stderr}");
    }
    repo.assert_untouched(&head);
    assert!(!repo.krate.join("target").exists(), "nothing built in-tree");

    // A/A on the same repository: HEAD against itself passes; --quiet silences the progress.
    let out = repo.report_path("R-aa.json");
    let (code, stderr) = repo.check(&[
        "--aa",
        "--quiet",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    let report = read_report(&out);
    assert_eq!(code, 0, "A/A passes: {report:#}");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["summary"]["fail"], 0);
    assert_eq!(statuses(&report).len(), 3);
    // Both sides are HEAD, measured in three interleaved rounds of 20 samples each.
    assert_eq!(report["base"]["commit"], head.as_str());
    assert_eq!(report["head"]["commit"], head.as_str());
    for result in report["results"].as_array().unwrap() {
        assert_eq!(result["base"]["n"], 3 * 20, "{result:#}");
        assert_eq!(result["head"]["n"], 3 * 20, "{result:#}");
    }
    assert_eq!(stderr.trim(), "", "--quiet: nothing on stderr");
    repo.assert_untouched(&head);
}

#[test]
fn check_with_a_base_that_does_not_compile_exits_2_with_cargos_error() {
    let _serial = serial();
    let repo = CheckRepo::new("lib-broken.rs");
    let head = repo.sha("HEAD");
    let out = repo.report_path("R.json");

    // Errors found before anything is built: also exit 2, named, no panic.
    let (code, stderr) = repo.check(&["--base-rev", "no-such-rev"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`no-such-rev`")
            && stderr.contains("git fetch --no-tags origin no-such-rev"),
        "{stderr}"
    );
    let (code, stderr) = repo.check(&["--base-rev", "HEAD~1", "--rounds", "0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--rounds must be between 1 and 50, found 0"),
        "{stderr}"
    );
    repo.assert_untouched(&head);

    let (code, stderr) = repo.check(&[
        "--base-rev",
        "HEAD~1",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    // The child runs without GITHUB_EVENT_PATH (`cli`), so the base is `HEAD~1` of this
    // repository on every machine, a GitHub runner too, and the error names that side.
    let base = repo.sha("HEAD~1");
    assert!(
        stderr.contains(&format!("base ({})", &base[..7])),
        "names the side: {stderr}"
    );
    assert!(
        stderr.contains("error: ") && stderr.contains("mismatched types"),
        "cargo's error text: {stderr}"
    );
    assert!(stderr.contains("src/lib.rs"), "{stderr}");
    assert!(!out.exists(), "no report for a run that could not measure");
    repo.assert_untouched(&head);
}
