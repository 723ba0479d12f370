//! The bench runner against real git repositories holding a real small criterion crate
//! (`tests/fixtures/runner/bench-crate`): the interleaved base/head rerun in a temporary
//! worktree, HEAD-only measurement, base resolution in full and shallow clones, and
//! that the user's repository is left exactly as it was. A/A mode and a base that does not
//! compile are `check_rerun`'s, through the binary.
//!
//! The crates build in [`fixture_target`], so criterion is compiled once for the whole suite, and
//! the tests take turns ([`serial`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_perf_budget::budget::CriterionConfig;
use cargo_perf_budget::model::ResultsFile;
use cargo_perf_budget::runner::cargo_bench::{measure_head, BenchOptions};
use cargo_perf_budget::runner::rerun::{self, resolve_base, RerunOptions};

use crate::support::{fixture_target, git, serial};

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runner/bench-crate")
        .join(name)
}

/// The crate's files at one commit: `lib` and `bench` name fixture files.
pub(crate) fn write_crate(dir: &Path, lib: &str, bench: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("benches")).unwrap();
    std::fs::copy(fixture("manifest.toml"), dir.join("Cargo.toml")).unwrap();
    std::fs::copy(fixture("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::copy(fixture(lib), dir.join("src/lib.rs")).unwrap();
    std::fs::copy(fixture(bench), dir.join("benches/algos.rs")).unwrap();
}

struct TestRepo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    manifest: PathBuf,
}

impl TestRepo {
    /// A repository whose crate lives in `benchfix/`: `main` has the base code, the checked-out
    /// branch `feature` the head code.
    fn new(base_lib: &str, head_lib: &str) -> TestRepo {
        TestRepo::with_base(Some(base_lib), head_lib)
    }

    /// Like [`TestRepo::new`]; without `base_lib` the crate is new on `feature`.
    fn with_base(base_lib: Option<&str>, head_lib: &str) -> TestRepo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        std::fs::create_dir_all(&root).unwrap();
        let krate = root.join("benchfix");
        git(&root, &["init", "-q"]);
        std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
        std::fs::write(root.join("README.md"), "test project\n").unwrap();
        if let Some(base_lib) = base_lib {
            write_crate(&krate, base_lib, "benches/algos-base.rs");
        }
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "base"]);
        git(&root, &["checkout", "-q", "-b", "feature"]);
        write_crate(&krate, head_lib, "benches/algos-head.rs");
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "head"]);
        TestRepo {
            _dir: dir,
            manifest: krate.join("Cargo.toml"),
            root,
        }
    }

    fn sha(&self, rev: &str) -> String {
        git(&self.root, &["rev-parse", rev]).trim().to_string()
    }

    fn bench_options(&self) -> BenchOptions {
        let config = CriterionConfig {
            // Short rounds for the suite (the scaled default would be 1 s + 1.7 s per round).
            args: ["--warm-up-time", "0.1", "--measurement-time", "0.3"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        };
        let mut options = BenchOptions::new(&self.manifest, config, false);
        options.target_dir = Some(fixture_target());
        options
    }

    /// The user's repository is as it was: clean, on `feature` at the same commit, one
    /// worktree, no extra branches.
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
        let admin = self.root.join(".git/worktrees");
        assert!(
            !admin.exists() || std::fs::read_dir(&admin).unwrap().next().is_none(),
            "worktree metadata left in {}",
            admin.display()
        );
        let branches = git(
            &self.root,
            &["branch", "--list", "--format=%(refname:short)"],
        );
        assert_eq!(branches.lines().collect::<Vec<_>>(), ["feature", "main"]);
    }
}

fn metric_ids(results: &ResultsFile) -> Vec<&str> {
    let mut ids: Vec<&str> = results.metrics.iter().map(|m| m.id.as_str()).collect();
    ids.sort();
    ids
}

fn value(results: &ResultsFile, id: &str) -> f64 {
    results
        .metric(id)
        .unwrap_or_else(|| panic!("{id} missing from {:?}", metric_ids(results)))
        .value
}

#[test]
fn rerun_interleaves_base_and_head_and_leaves_the_repository_untouched() {
    let _serial = serial();
    let repo = TestRepo::new("lib-base.rs", "lib-head.rs");
    let head_sha = repo.sha("HEAD");
    let results = rerun::run(&RerunOptions {
        bench: repo.bench_options(),
        base_rev: Some("main".into()),
        main_branch: "main".into(),
        rounds: 3,
        aa: false,
        only: Vec::new(),
        first_round: 1,
        seed: 1,
        shard: None,
    })
    .expect("rerun succeeds");

    let (base, head) = (&results.base, &results.head);
    assert_eq!(base.commit.as_deref(), Some(repo.sha("main").as_str()));
    assert_eq!(head.commit.as_deref(), Some(head_sha.as_str()));
    assert!(base.environment.os.is_some() && head.environment.os.is_some());
    // `added` exists only in head: absent from base, not an error.
    assert_eq!(
        metric_ids(base),
        ["criterion/checksum", "criterion/sorted", "criterion/sum"]
    );
    assert_eq!(
        metric_ids(head),
        [
            "criterion/added",
            "criterion/checksum",
            "criterion/sorted",
            "criterion/sum"
        ]
    );
    for metric in base.metrics.iter().chain(&head.metrics) {
        assert_eq!(
            metric.samples.len(),
            3 * 20,
            "{}: 20 samples a round",
            metric.id
        );
        assert_eq!(metric.rounds.len(), metric.samples.len(), "{}", metric.id);
        for round in 1..=3u32 {
            assert_eq!(
                metric.rounds.iter().filter(|r| **r == round).count(),
                20,
                "{}: round {round}",
                metric.id
            );
        }
    }
    // Which side is which is proven by `added` above, not by timing (tests here must not depend
    // on the machine's speed); the ratio of the 1.5x bench is printed for a person to read.
    let ratio = value(head, "criterion/checksum") / value(base, "criterion/checksum");
    eprintln!("checksum head/base = {ratio:.3} (1.5x the work)");
    assert!(
        ratio.is_finite() && ratio > 0.0,
        "checksum head/base = {ratio}"
    );
    // The pooled files are valid results files.
    ResultsFile::from_json(&base.to_json(), "base").unwrap();
    ResultsFile::from_json(&head.to_json(), "head").unwrap();
    assert_eq!(
        results.per_round.len(),
        3,
        "each round's own results are kept"
    );

    // More rounds of one benchmark only, numbered after the first three (adaptive rounds).
    let more = rerun::run(&RerunOptions {
        bench: repo.bench_options(),
        base_rev: Some("main".into()),
        main_branch: "main".into(),
        rounds: 1,
        aa: false,
        only: vec!["checksum".into()],
        first_round: 4,
        seed: 1,
        shard: None,
    })
    .expect("more rounds succeed");
    assert_eq!(metric_ids(&more.base), ["criterion/checksum"]);
    assert_eq!(metric_ids(&more.head), ["criterion/checksum"]);
    assert!(more.head.metrics[0].rounds.iter().all(|r| *r == 4));
    assert_eq!(more.per_round.iter().map(|r| r.0).collect::<Vec<_>>(), [4]);

    repo.assert_untouched(&head_sha);
    assert!(!repo.root.join("benchfix/target").exists());
}

#[test]
fn a_package_new_in_head_has_an_empty_base_with_a_note() {
    let _serial = serial();
    let repo = TestRepo::with_base(None, "lib-head.rs");
    let results = rerun::run(&RerunOptions {
        bench: repo.bench_options(),
        base_rev: Some("main".into()),
        main_branch: "main".into(),
        rounds: 1,
        aa: false,
        only: Vec::new(),
        first_round: 1,
        seed: 1,
        shard: None,
    })
    .expect("a missing base is not an error");
    assert!(results.base.metrics.is_empty());
    assert!(
        results
            .base
            .warnings
            .iter()
            .any(|w| w.contains("does not exist")),
        "{:?}",
        results.base.warnings
    );
    assert_eq!(metric_ids(&results.head).len(), 4);
    assert!(results
        .head
        .metrics
        .iter()
        .all(|m| m.rounds.iter().all(|r| *r == 1)));
    repo.assert_untouched(&repo.sha("HEAD"));
}

#[test]
fn measure_head_runs_once_into_a_private_criterion_home() {
    let _serial = serial();
    let repo = TestRepo::new("lib-base.rs", "lib-head.rs");
    let mut options = repo.bench_options();
    // As a plain `cargo bench` would: the bench's own settings (20 samples), no extra flags.
    options.config.args.clear();
    let results = measure_head(&options).expect("head is measured");
    assert_eq!(results.commit.as_deref(), Some(repo.sha("HEAD").as_str()));
    assert!(results.environment.os.is_some());
    assert_eq!(metric_ids(&results).len(), 4);
    for metric in &results.metrics {
        assert_eq!(metric.samples.len(), 20, "{}", metric.id);
        assert!(metric.rounds.is_empty(), "{}: not a rerun", metric.id);
        assert!(metric.value > 0.0);
    }
    // criterion's default output, relative to the package, stays untouched.
    assert!(!repo.root.join("benchfix/target/criterion").exists());
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
}

#[test]
fn unknown_benches_in_the_config_are_named_before_building() {
    let repo = TestRepo::new("lib-base.rs", "lib-head.rs");
    let mut options = repo.bench_options();
    options.config.benches = vec!["nope".into()];
    let err = measure_head(&options).unwrap_err().to_string();
    assert!(
        err.contains("`nope`") && err.contains("bench targets: algos"),
        "{err}"
    );
}

#[test]
fn base_is_the_merge_base_the_event_base_or_the_given_revision() {
    let repo = TestRepo::new("lib-base.rs", "lib-head.rs");
    let fork_point = repo.sha("main");
    // main moves on after the branch was made: the base is still the fork point.
    git(&repo.root, &["checkout", "-q", "main"]);
    std::fs::write(repo.root.join("README.md"), "main moved on\n").unwrap();
    git(&repo.root, &["commit", "-q", "-am", "later on main"]);
    let later = repo.sha("main");
    git(&repo.root, &["checkout", "-q", "feature"]);

    let resolve = |rev: Option<&str>, pull_request_base: Option<&str>| {
        resolve_base(&repo.root.join("benchfix"), rev, "main", pull_request_base)
    };
    assert_eq!(resolve(None, None).unwrap(), fork_point);
    assert_eq!(resolve(Some("main"), None).unwrap(), later);
    assert_eq!(resolve(Some("HEAD~1"), None).unwrap(), fork_point);
    // The pull request's base (from the CI event) wins over the merge base; --base-rev over both.
    assert_eq!(resolve(None, Some(&later)).unwrap(), later);
    assert_eq!(resolve(Some("HEAD~1"), Some(&later)).unwrap(), fork_point);
    let err = resolve(None, Some("not-a-sha")).unwrap_err().to_string();
    assert!(
        err.contains("pull_request.base.sha") && err.contains("not-a-sha"),
        "{err}"
    );

    let err = resolve_base(&repo.root, None, "trunk", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`trunk`") && err.contains("git fetch --no-tags origin trunk"),
        "{err}"
    );
}

#[test]
fn a_shallow_clone_says_which_fetch_is_missing() {
    let repo = TestRepo::new("lib-base.rs", "lib-head.rs");
    let fork_point = repo.sha("main");
    let clone = repo._dir.path().join("shallow");
    let url = format!("file://{}", repo.root.display());
    git(
        repo._dir.path(),
        &[
            "clone",
            "-q",
            "--depth=1",
            "--branch=feature",
            &url,
            "shallow",
        ],
    );

    let err = resolve_base(&clone, None, "main", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("shallow clone") && err.contains("git fetch --no-tags origin main"),
        "{err}"
    );
    let err = resolve_base(&clone, Some(&fork_point), "main", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "git fetch --no-tags --depth=1 origin {fork_point}"
        )),
        "{err}"
    );
    let err = resolve_base(&clone, None, "main", Some(&fork_point))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pull request's base commit")
            && err.contains(&format!(
                "git fetch --no-tags --depth=1 origin {fork_point}"
            )),
        "{err}"
    );

    // Fetching main (depth 1) brings the branch but not the history that joins them.
    git(
        &clone,
        &[
            "fetch",
            "-q",
            "--depth=1",
            "origin",
            "main:refs/remotes/origin/main",
        ],
    );
    let err = resolve_base(&clone, None, "main", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("git fetch --no-tags --deepen="), "{err}");
    git(&clone, &["fetch", "-q", "--unshallow", "origin"]);
    assert_eq!(
        resolve_base(&clone, None, "main", None).unwrap(),
        fork_point
    );
}

#[test]
fn outside_a_repository_there_is_no_base() {
    let dir = tempfile::tempdir().unwrap();
    let err = resolve_base(dir.path(), None, "main", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not inside a git repository"), "{err}");
}

/// Not a test but the measurement behind "a rerun costs about two plain `cargo bench` runs":
/// `cargo test --release --test integration runner::rerun_cost -- --ignored --nocapture`.
/// Same total samples per side (plain: 30 samples with criterion's default 3 s + 5 s; rerun:
/// 3 rounds of 10 with the rerun's default scaled times), builds included on both sides (the
/// plain pair checks out base and head in one tree, as a CI job without the rerun would).
#[test]
#[ignore = "a measurement of several minutes, run by hand"]
fn rerun_cost_compared_with_two_plain_cargo_bench_runs() {
    let _serial = serial();
    let repo = TestRepo::new("lib-base.rs", "lib-head.rs");
    let krate = repo.root.join("benchfix");
    let plain_pair = || {
        let start = std::time::Instant::now();
        for branch in ["main", "feature"] {
            git(&repo.root, &["checkout", "-q", branch]);
            let status = Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()))
                .args(["bench", "--bench", "algos", "--target-dir"])
                .arg(fixture_target())
                .args(["--", "--sample-size", "30", "--warm-up-time", "3"])
                .args(["--measurement-time", "5"])
                .current_dir(&krate)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        }
        start.elapsed().as_secs_f64()
    };
    let rerun = || {
        let mut bench = repo.bench_options();
        bench.config.args = vec!["--sample-size".into(), "10".into()];
        let start = std::time::Instant::now();
        let results = rerun::run(&RerunOptions {
            bench,
            base_rev: Some("main".into()),
            main_branch: "main".into(),
            rounds: 3,
            aa: false,
            only: Vec::new(),
            first_round: 1,
            seed: 1,
            shard: None,
        })
        .unwrap();
        assert_eq!(results.base.metrics[0].samples.len(), 30);
        start.elapsed().as_secs_f64()
    };
    let mut ratios = Vec::new();
    for attempt in 1..=2 {
        let plain = plain_pair();
        let rerun = rerun();
        println!("attempt {attempt}: two plain cargo bench {plain:.1} s, 3-round rerun {rerun:.1} s, ratio {:.2}", rerun / plain);
        ratios.push(rerun / plain);
    }
    println!("ratios {ratios:?}");
}
