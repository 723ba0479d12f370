//! Hostile input: huge globs, impossible values, FIFOs and devices, workflow commands smuggled
//! into output, argument injection into `git`, racing writers, misleading errors. Each test drives
//! the real binary where a user would meet the problem.

use std::path::{Path, PathBuf};

use cargo_perf_budget::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use tempfile::TempDir;

use crate::support::{bench, cli, write_results};

/// Writes a budget file and returns its path.
fn budget(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("budgets.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `compare` with a budget file on two small results files; returns (exit code, stderr).
fn compare_with_budget(dir: &Path, budget_text: &str) -> (i32, String) {
    let base = write_results(
        dir,
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let head = write_results(
        dir,
        "head.json",
        "h",
        vec![bench("criterion/parse", 100.0, 2)],
    );
    let budget = budget(dir, budget_text);
    let out = cli()
        .arg("compare")
        .arg("--budget")
        .arg(&budget)
        .arg(&base)
        .arg(&head)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_huge_metric_glob_is_an_error_naming_the_file_and_field_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let glob = "*".repeat(88_000);
    let (code, stderr) = compare_with_budget(
        dir.path(),
        &format!("[[budget]]\nmetric = \"{glob}\"\nmax = \"5 ms\"\n"),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("budgets.toml") && stderr.contains("metric") && stderr.contains("4096"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_huge_file_glob_is_an_error_naming_the_file_and_field() {
    let dir = TempDir::new().unwrap();
    let glob = "*".repeat(88_000);
    let (code, stderr) = compare_with_budget(
        dir.path(),
        &format!("[[lighthouse]]\nname = \"home\"\nreports = \"{glob}\"\n\n[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n"),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("budgets.toml") && stderr.contains("reports") && stderr.contains("4096"),
        "{stderr}"
    );
}

#[test]
fn a_huge_history_glob_is_an_error_not_a_panic() {
    let dir = TempDir::new().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    let out = cli()
        .current_dir(dir.path())
        .arg("history")
        .arg("*".repeat(88_000))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("4096") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn a_head_with_negative_times_is_an_error_not_a_pass() {
    let dir = TempDir::new().unwrap();
    let base = write_results(
        dir.path(),
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let mut head = ResultsFile::new();
    head.metrics.push(
        Metric::new("criterion/parse", Unit::Nanoseconds, Direction::Lower, -1.0)
            .with_samples(SampleKind::Iterations, vec![-1.0; 100]),
    );
    let head_path = dir.path().join("head.json");
    head.save(&head_path).unwrap();
    let budget = budget(
        dir.path(),
        "[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\nmax-regression = \"5%\"\n",
    );
    let out = cli()
        .arg("compare")
        .arg("--budget")
        .arg(&budget)
        .arg(&base)
        .arg(&head_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("head.json")
            && stderr.contains("criterion/parse")
            && stderr.contains("`value`")
            && stderr.contains("negative"),
        "{stderr}"
    );
}

#[test]
fn impossible_budget_values_are_errors_naming_file_line_and_key() {
    let cases = [
        (
            "[[budget]]\nmetric = \"criterion/*\"\nmax = \"-5 ms\"\n",
            "budgets.toml:3:",
            "max",
        ),
        (
            "[[budget]]\nmetric = \"criterion/*\"\nmax-regression = \"5000%\"\n",
            "budgets.toml:3:",
            "max-regression",
        ),
        (
            "[settings]\nno-noise-factor = 1e308\n\n[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n",
            "budgets.toml:2:",
            "no-noise-factor",
        ),
        (
            "[settings]\nmain-branch = \"--upload-pack=touch pwned\"\n\n[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n",
            "budgets.toml:2:",
            "main-branch",
        ),
        (
            "[settings]\nmain-branch = \"main\\n::warning::x\"\n\n[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n",
            "budgets.toml:2:",
            "main-branch",
        ),
    ];
    for (text, location, key) in cases {
        let dir = TempDir::new().unwrap();
        let (code, stderr) = compare_with_budget(dir.path(), text);
        assert_eq!(code, 2, "{text}\n{stderr}");
        assert!(
            stderr.contains(location) && stderr.contains(&format!("`{key}`")),
            "{text}\n{stderr}"
        );
    }
}
