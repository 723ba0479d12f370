//! gungraun end to end: `cargo bench` of `tests/harness-crate`'s gungraun bench under the real
//! valgrind, as it is and with the `slow` feature; `import gungraun` of both summaries and
//! `compare` must fail `mix` (a fifth more instructions) and nothing else.

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_perf_budget::model::ResultsFile;

/// The gungraun version the harness crate pins; the runner must be the same.
const GUNGRAUN: &str = "0.20.0";

/// Why the test cannot run here, if it cannot.
pub fn missing() -> Option<String> {
    let version = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    if version("valgrind").is_none() {
        return Some("valgrind not found; install it with `apt-get install valgrind`".into());
    }
    match version("gungraun-runner") {
        None => Some(format!(
            "gungraun-runner not found; install it with `cargo install --locked gungraun-runner --version {GUNGRAUN}`"
        )),
        Some(v) if !v.contains(GUNGRAUN) => Some(format!(
            "gungraun-runner is {}, the harness crate needs {GUNGRAUN}",
            v.trim()
        )),
        Some(_) => None,
    }
}

fn crate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/harness-crate")
}

/// Runs the gungraun bench into `target` (with `features`) and imports its summaries.
fn bench_and_import(target: &Path, features: &[&str], out: &Path) -> ResultsFile {
    let run = Command::new(env!("CARGO"))
        .current_dir(crate_dir())
        .env("CARGO_TARGET_DIR", target)
        .args(["bench", "--locked", "--quiet", "--bench", "instructions"])
        .args(features)
        .args(["--", "--save-summary=json"])
        .output()
        .expect("runs cargo bench");
    assert!(
        run.status.success(),
        "cargo bench of the harness crate failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    crate::support::cli()
        .args(["import", "gungraun"])
        .arg(target.join("gungraun"))
        .arg("--output")
        .arg(out)
        .assert()
        .code(0);
    ResultsFile::load(out).expect("reads the imported results")
}

pub fn real_gungraun_counts_the_slowed_benchmark_and_nothing_else() {
    let _turn = crate::support::serial();
    let target = crate::support::fixture_target().join("harness-crate");
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let head = dir.path().join("head.json");
    let b = bench_and_import(&target, &[], &base);
    let mix = "gungraun/instructions/kernels_group/mix/words_4k/Ir";
    assert!(
        b.metric(mix).is_some_and(|m| m.value > 10_000.0),
        "{:?}",
        b.metric(mix)
    );
    assert!(b
        .metric("gungraun/instructions/sort_group/sort_words/dhat/TotalBytes")
        .is_some());
    let h = bench_and_import(&target, &["--features", "slow"], &head);
    let ratio = h.metric(mix).unwrap().value / b.metric(mix).unwrap().value;
    assert!((1.15..1.25).contains(&ratio), "mix: ×{ratio}");

    let budget = dir.path().join("budgets.toml");
    std::fs::write(
        &budget,
        "[[budget]]\nmetric = \"gungraun/**/Ir\"\nmax-regression = \"5%\"\n",
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let out = crate::support::cli()
        .arg("compare")
        .arg(&base)
        .arg(&head)
        .arg("--budget")
        .arg(&budget)
        .args(["--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    let raw: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let failed: Vec<&str> = raw["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!((out.status.code(), failed), (Some(1), vec![mix]));
}

/// The budget file of the `check` test: gungraun's benches run by `check` on both sides, a 5 %
/// budget on instructions.
const CHECK_BUDGETS: &str = r#"[settings]
main-branch = "main"

[[gungraun]]
benches = ["instructions"]

[[budget]]
metric = "gungraun/**/Ir"
max-regression = "5%"
"#;

/// A git repository holding the harness crate: `main` as it is, then a commit that touches only
/// the README (A/A: the same code, built again), then one that makes `mix` do a fifth more
/// rounds. Returns the repository and the crate's folder in it.
fn check_repo(dir: &Path) -> PathBuf {
    let root = dir.join("project");
    let krate = root.join("kernels");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::create_dir_all(krate.join("benches")).unwrap();
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "src/lib.rs",
        "benches/instructions.rs",
        "benches/walltime.rs",
    ] {
        std::fs::copy(crate_dir().join(file), krate.join(file)).unwrap();
    }
    std::fs::write(krate.join("budgets.toml"), CHECK_BUDGETS).unwrap();
    std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
    let git = |args: &[&str]| crate::support::git(&root, args);
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    git(&["checkout", "-q", "-b", "feature"]);
    std::fs::write(root.join("README.md"), "kernels\n").unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "docs only"]);
    root
}

/// `check` in `krate` against `base`; the exit code, the `(id, status)` of every result and
/// stderr.
fn check(
    krate: &Path,
    base: &str,
    report: &Path,
    env: &[(&str, &str)],
) -> (i32, Vec<(String, String)>, String) {
    let target = crate::support::fixture_target().join("harness-crate");
    let mut cmd = crate::support::cli();
    cmd.arg("check")
        .args([
            "--base-rev",
            base,
            "--no-comment",
            "--format",
            "json",
            "--output",
        ])
        .arg(report)
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", &target);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("cargo-perf-budget runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let mut rows = Vec::new();
    if let Ok(text) = std::fs::read_to_string(report) {
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
        for r in raw["results"].as_array().unwrap() {
            rows.push((
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            ));
        }
        rows.sort();
    }
    (out.status.code().expect("exited"), rows, stderr)
}

pub fn check_runs_gungraun_on_both_sides_and_fails_only_the_grown_benchmark() {
    let _turn = crate::support::serial();
    let dir = tempfile::tempdir().unwrap();
    let root = check_repo(dir.path());
    let krate = root.join("kernels");
    let base = crate::support::git(&root, &["rev-parse", "main"]);
    let base = base.trim();
    let irs = [
        "gungraun/instructions/kernels_group/checksum/large/Ir",
        "gungraun/instructions/kernels_group/checksum/small/Ir",
        "gungraun/instructions/kernels_group/mix/words_4k/Ir",
        "gungraun/instructions/kernels_group/parse_sum/list_500/Ir",
        "gungraun/instructions/sort_group/sort_words/Ir",
    ];

    // A/A: head only changed the README; two builds of the same code count the same.
    // Every event is reported; the budget names instructions only.
    let budgeted = |rows: &[(String, String)]| -> Vec<(String, String)> {
        rows.iter()
            .filter(|(id, _)| id.ends_with("/Ir"))
            .cloned()
            .collect()
    };
    let (code, rows, stderr) = check(&krate, base, &dir.path().join("aa.json"), &[]);
    let ir = budgeted(&rows);
    let ids: Vec<&str> = ir.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, irs, "{stderr}");
    assert!(ir.iter().all(|(_, s)| s == "pass"), "{ir:?}\n{stderr}");
    assert!(rows.iter().all(|(_, s)| s != "fail"), "{rows:?}");
    assert_eq!(code, 0, "{stderr}");

    // Head: `mix` does a fifth more rounds; exactly its instructions fail.
    let lib = krate.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    let slowed = text.replace(
        "if cfg!(feature = \"slow\") { 6 } else { 5 }",
        "if cfg!(feature = \"slow\") { 7 } else { 6 }",
    );
    assert_ne!(slowed, text, "the harness crate still has MIX_ROUNDS");
    std::fs::write(&lib, slowed).unwrap();
    crate::support::git(&root, &["commit", "-q", "-am", "mix does more rounds"]);
    let (code, rows, stderr) = check(&krate, base, &dir.path().join("head.json"), &[]);
    let failed: Vec<&str> = rows
        .iter()
        .filter(|(_, s)| s == "fail")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(failed, [irs[2]], "{rows:?}\n{stderr}");
    let ir = budgeted(&rows);
    assert_eq!(ir.len(), irs.len(), "{ir:?}");
    assert!(
        ir.iter().all(|(id, s)| id == irs[2] || s == "pass"),
        "{ir:?}"
    );
    assert_eq!(code, 1, "{stderr}");

    // A runner that is not there: exit 2 with the command that installs the right one.
    let (code, _, stderr) = check(
        &krate,
        base,
        &dir.path().join("none.json"),
        &[("GUNGRAUN_RUNNER", "/nonexistent/gungraun-runner")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cargo install --locked gungraun-runner --version {GUNGRAUN}"
        )),
        "{stderr}"
    );
}
