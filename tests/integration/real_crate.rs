//! `init` and `check` on a crate as real projects have them (`tests/fixtures/runner/
//! criterion03-crate`): criterion 0.3, which takes whole seconds only, benches that set their
//! own (short) timings in code, and a `master` default branch.
//!
//! - `init` writes a budget file that works as written (`main-branch = "master"`, the criterion
//!   release), and `check --aa` with it passes, passing criterion 0.3 only flags it accepts and
//!   leaving the benches' own timings alone;
//! - a second `check` reuses the base's build: nothing under the base's target directory is
//!   rebuilt (cargo's fingerprints are untouched), dependencies included;
//! - a bench name that does not exist, a base commit that is missing and a fractional time for
//!   criterion 0.3 fail with exit 2 before anything is built (the target directory stays empty).
//!
//! The crate builds into the target directory the `runner` tests use, and takes turns with them
//! (`runner::serial`), so criterion 0.3's dependencies compile once per side for the suite.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::support::cli;
use crate::support::{fixture_target as shared_target, git, serial};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runner/criterion03-crate")
        .join(name)
}

struct Project {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Project {
    /// A repository whose default branch is `master`, holding the crate; `init` runs on it.
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        // A name of its own: the stable base checkout is `<target>/perf-budget/base-worktree/
        // <repository folder>`, and the other tests' repositories are called `project`.
        let root = dir.path().join("crit03-project");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("benches")).unwrap();
        git(&root, &["init", "-q", "-b", "master"]);
        std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
        std::fs::copy(fixture("manifest.toml"), root.join("Cargo.toml")).unwrap();
        std::fs::copy(fixture("Cargo.lock"), root.join("Cargo.lock")).unwrap();
        std::fs::copy(fixture("lib.rs"), root.join("src/lib.rs")).unwrap();
        std::fs::copy(fixture("parse.rs"), root.join("benches/parse.rs")).unwrap();
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "crate"]);
        Project { dir, root }
    }

    fn run(&self, args: &[&str], target: &Path) -> (i32, String) {
        let output = cli()
            .args(args)
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", target)
            .env_remove("GITHUB_EVENT_PATH")
            .env_remove("CARGO_TERM_PROGRESS_WHEN")
            .output()
            .expect("cargo-perf-budget runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        eprintln!("{stdout}{stderr}");
        assert!(!stderr.contains("panicked"), "no panic: {stderr}");
        (
            output.status.code().expect("exited, not killed"),
            format!("{stdout}{stderr}"),
        )
    }

    fn report(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn read_report(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("report {} missing: {e}", path.display()));
    serde_json::from_str(&text).expect("the report is JSON")
}

/// The note on what the criterion rounds measured.
fn rounds_note(report: &Value) -> String {
    report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(Value::as_str)
        .find(|n| n.starts_with("criterion: "))
        .unwrap_or_else(|| panic!("a note on the rounds: {report:#}"))
        .to_string()
}

/// Every file under `dir` with its modification time.
fn modification_times(dir: &Path) -> Vec<(PathBuf, SystemTime)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_file() {
            let modified = entry.metadata().unwrap().modified().unwrap();
            out.push((entry.path().to_path_buf(), modified));
        }
    }
    out.sort();
    out
}

#[test]
fn init_then_check_on_a_criterion_03_crate_on_master_reuses_the_base_build() {
    let _serial = serial();
    let project = Project::new();
    let target = shared_target();

    let (code, output) = project.run(&["init"], &target);
    assert_eq!(code, 0, "{output}");
    let budget = std::fs::read_to_string(project.root.join("budgets.toml")).unwrap();
    assert!(
        budget.contains("main-branch = \"master\""),
        "init found the main branch: {budget}"
    );
    assert!(budget.contains("criterion 0.3.6"), "{budget}");
    assert!(budget.contains("whole seconds only"), "{budget}");
    git(&project.root, &["add", "budgets.toml"]);
    git(&project.root, &["commit", "-q", "-m", "budgets"]);
    let base = git(&project.root, &["rev-parse", "HEAD"])
        .trim()
        .to_string();

    // A/A with the file as written: criterion 0.3 gets only flags it accepts, and the benches'
    // own 0.1 s timings stay (no --warm-up-time or --measurement-time is added).
    let out = project.report("aa.json");
    let (code, output) = project.run(
        &[
            "check",
            "--aa",
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ],
        &target,
    );
    let report = read_report(&out);
    assert_eq!(code, 0, "A/A passes: {output}\n{report:#}");
    assert_eq!(report["verdict"], "pass");
    let note = rounds_note(&report);
    assert!(note.contains("criterion 0.3.6"), "{note}");
    assert!(
        note.contains("the benches' own warm-up and measurement"),
        "{note}"
    );
    assert!(
        note.contains("arguments: --noplot --nresamples 10000"),
        "{note}"
    );
    assert!(!note.contains("--warm-up-time") && !note.contains("--measurement-time"));
    let ids: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "both benchmarks measured: {ids:?}");

    // A pull request on top of master; the base is found through `main-branch`.
    git(&project.root, &["checkout", "-q", "-b", "feature"]);
    let lib = project.root.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("{text}\n// A comment-only change.\n")).unwrap();
    git(&project.root, &["commit", "-q", "-am", "comment"]);

    let base_target = target.join("perf-budget/base/release");
    let out = project.report("first.json");
    let (code, output) = project.run(
        &["check", "--format", "json", "-o", out.to_str().unwrap()],
        &target,
    );
    assert!(code == 0 || code == 1, "a verdict: {output}");
    let report = read_report(&out);
    assert_eq!(report["base"]["commit"], base.as_str(), "{report:#}");
    assert!(
        rounds_note(&report).contains("each run, base and head: criterion 0.3.6"),
        "{report:#}"
    );
    let checkout = target.join("perf-budget/base-worktree/crit03-project");
    assert!(checkout.join("benches/parse.rs").is_file());
    let fingerprints = modification_times(&base_target.join(".fingerprint"));
    assert!(
        fingerprints
            .iter()
            .any(|(p, _)| p.to_string_lossy().contains("/criterion-")),
        "the base's dependencies are built in its own target directory"
    );

    // The second check of the same base rebuilds nothing there: not the dependencies, not the
    // crate (the checkout kept its files and their modification times).
    let out = project.report("second.json");
    let (code, output) = project.run(
        &["check", "--format", "json", "-o", out.to_str().unwrap()],
        &target,
    );
    assert!(code == 0 || code == 1, "a verdict: {output}");
    assert_eq!(
        modification_times(&base_target.join(".fingerprint")),
        fingerprints,
        "cargo rebuilt part of the unchanged base"
    );
    // The user's repository: clean, no worktree, no branch added.
    assert_eq!(git(&project.root, &["status", "--porcelain"]), "");
    let worktrees = git(&project.root, &["worktree", "list", "--porcelain"]);
    assert_eq!(worktrees.matches("worktree ").count(), 1, "{worktrees}");
    let branches = git(&project.root, &["branch", "--format=%(refname:short)"]);
    assert_eq!(branches.lines().collect::<Vec<_>>(), ["feature", "master"]);
}

#[test]
fn a_plan_that_cannot_work_fails_before_anything_is_built() {
    let project = Project::new();
    // An empty target directory: whatever is built would show up in it.
    let target = tempfile::tempdir().unwrap();
    let nothing_built = || {
        let built: Vec<_> = std::fs::read_dir(target.path())
            .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            !built
                .iter()
                .any(|name| name == "release" || name == "debug"),
            "nothing compiled: {built:?}"
        );
    };
    let write_budget = |criterion: &str| {
        std::fs::write(
            project.root.join("budgets.toml"),
            format!(
                "[settings]\nmain-branch = \"master\"\n\n[criterion]\n{criterion}\n\n\
                 [[budget]]\nmetric = \"criterion/**\"\nmax-regression = \"5%\"\n"
            ),
        )
        .unwrap();
    };

    write_budget("benches = [\"parse\", \"nope\"]");
    let (code, output) = project.run(&["check", "--aa"], target.path());
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains("no bench target named `nope`") && output.contains("parse"),
        "{output}"
    );
    nothing_built();

    write_budget("warm-up = \"100ms\"");
    let (code, output) = project.run(&["check", "--aa"], target.path());
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains("`warm-up`")
            && output.contains("criterion 0.3.6 accepts whole seconds only")
            && output.contains("upgrade criterion to 0.4"),
        "cause and fix: {output}"
    );
    nothing_built();

    write_budget("args = [\"--measurement-time\", \"1.667\"]");
    let (code, output) = project.run(&["check", "--aa"], target.path());
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("whole seconds only"), "{output}");
    nothing_built();

    write_budget("");
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let (code, output) = project.run(&["check", "--base-rev", missing], target.path());
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains(missing) && output.contains("git fetch"),
        "{output}"
    );
    nothing_built();
}
