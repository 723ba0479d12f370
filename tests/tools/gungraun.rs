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
