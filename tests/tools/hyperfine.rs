//! End to end with the real hyperfine: it measures commands, `import hyperfine` reads its export,
//! and `compare` fails the command that got slower. hyperfine comes from Debian (`.ci/run`);
//! `PERF_BUDGET_HYPERFINE` names another binary.
//!
//! Without hyperfine the tests are reported as ignored, with the reason; with
//! `PERF_BUDGET_REQUIRE_HYPERFINE=1` (CI sets it) a missing hyperfine fails them instead.
//!
//! Only facts that hold at any machine speed are asserted about timing: `sleep 0.2` takes at
//! least 200 ms, `true` a small fraction of that on any machine that can run the tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_perf_budget::import::hyperfine::{import, Options};
use cargo_perf_budget::model::{ResultsFile, SampleKind};

/// The hyperfine to run: `PERF_BUDGET_HYPERFINE`, else `hyperfine` on PATH.
fn hyperfine_program() -> String {
    std::env::var("PERF_BUDGET_HYPERFINE").unwrap_or_else(|_| "hyperfine".into())
}

/// Why the real-hyperfine tests cannot run here, if they cannot.
pub fn missing() -> Option<String> {
    let works = Command::new(hyperfine_program())
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (!works).then(|| {
        format!(
            "hyperfine not found (`{} --version` failed); install it with `apt-get install hyperfine`",
            hyperfine_program()
        )
    })
}

/// Runs hyperfine with `args`, exporting to `dir/name`.
fn hyperfine(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let export = dir.join(name);
    let out = Command::new(hyperfine_program())
        .args(["--shell=none", "--style=none", "--export-json"])
        .arg(&export)
        .args(args)
        .output()
        .expect("hyperfine runs");
    assert!(
        out.status.success(),
        "hyperfine failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    export
}

/// A base where both commands are quick and a head where `work` sleeps 200 ms: imported through
/// the binary, the sample counts are the runs, and `compare` with `max-regression = "5%"` on
/// `hyperfine/**` fails `work`. Whether the unchanged `noop` passes depends on how much the
/// machine's load moved between the two invocations (on a loaded machine a 1 ms command can
/// differ by tens of percent), so it is not asserted; the recorded fixtures in the integration
/// tests check "the slowed command fails alone".
pub fn real_hyperfine_runs_are_samples_and_the_slowed_command_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = hyperfine(
        d,
        "base-export.json",
        &[
            "--runs",
            "10",
            "-n",
            "work",
            "sleep 0.001",
            "-n",
            "noop",
            "true",
        ],
    );
    let head = hyperfine(
        d,
        "head-export.json",
        &[
            "--runs",
            "10",
            "-n",
            "work",
            "sleep 0.2",
            "-n",
            "noop",
            "true",
        ],
    );
    let imported = import(std::slice::from_ref(&head), Options::default()).unwrap();
    for id in ["hyperfine/work", "hyperfine/noop"] {
        let m = imported.metric(id).unwrap();
        assert_eq!(m.samples.len(), 10, "{id}: one sample per run");
        assert_eq!(m.sample_kind, Some(SampleKind::Iterations));
    }
    assert!(imported.metric("hyperfine/work").unwrap().value >= 0.2);

    let cli_import = |export: &Path, out: &str| {
        let path = d.join(out);
        crate::support::cli()
            .args(["import", "hyperfine"])
            .arg(export)
            .arg("--output")
            .arg(&path)
            .assert()
            .code(0);
        path
    };
    let (b, h) = (
        cli_import(&base, "base.json"),
        cli_import(&head, "head.json"),
    );
    let budgets = d.join("budgets.toml");
    std::fs::write(
        &budgets,
        "[[budget]]\nmetric = \"hyperfine/**\"\nmax-regression = \"5%\"\n",
    )
    .unwrap();
    let report = d.join("report.json");
    let out = crate::support::cli()
        .arg("compare")
        .arg(&b)
        .arg(&h)
        .arg("--budget")
        .arg(&budgets)
        .args(["--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let failed: Vec<&str> = raw["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(out.status.code(), Some(1), "{raw}");
    assert!(failed.contains(&"hyperfine/work"), "{failed:?}");
    let work = raw["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "hyperfine/work")
        .unwrap();
    assert_eq!(
        (work["base"]["n"].as_u64(), work["head"]["n"].as_u64()),
        (Some(10), Some(10)),
        "{work}"
    );
}

/// A parameter scan and a failing command kept with `--ignore-failure`: one id per parameter
/// value, and a warning that names the failed runs.
pub fn real_hyperfine_parameter_scans_and_failed_runs() {
    let dir = tempfile::tempdir().unwrap();
    let scan = hyperfine(
        dir.path(),
        "scan.json",
        &["--runs", "3", "-P", "n", "1", "2", "sleep 0.00{n}"],
    );
    let r: ResultsFile = import(&[scan], Options { cpu_times: true }).unwrap();
    let ids: Vec<&str> = r.metrics.iter().map(|m| m.id.as_str()).collect();
    assert!(ids.contains(&"hyperfine/sleep 0.001/n=1"), "{ids:?}");
    assert!(ids.contains(&"hyperfine/sleep 0.002/n=2/user"), "{ids:?}");
    let failing = hyperfine(
        dir.path(),
        "failing.json",
        &["--runs", "3", "--ignore-failure", "false"],
    );
    let r = import(&[failing], Options::default()).unwrap();
    assert_eq!(r.metric("hyperfine/false").unwrap().samples.len(), 3);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("3 of 3 runs failed (code 1)")),
        "{:?}",
        r.warnings
    );
}

/// `check` with a `[[hyperfine]]` table in a git repository: hyperfine (from PATH) times the
/// commands for base and head interleaved in rounds, after the table's `build` ran in each
/// side's tree. The base's `work` sleeps 50 ms and head's 90 ms (the delay comes from a file the
/// build reads, so the base checkout must be built to get it); `noop` sleeps 50 ms on both. A
/// sleep takes at least its time on any machine, and a loaded one adds a little to both sides
/// alike, which the rounds share: `work` fails, `noop` does not, and A/A passes. Every sample is
/// a run, in its round. About 10 s.
pub fn check_times_base_and_head_interleaved_and_fails_the_slowed_command() {
    if std::env::var_os("PERF_BUDGET_HYPERFINE").is_some() {
        // `check` runs the `hyperfine` on PATH; the test cannot point it elsewhere.
        eprintln!("PERF_BUDGET_HYPERFINE is set: `check` still runs `hyperfine` from PATH");
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let git = |args: &[&str]| crate::support::git(root, args);
    std::fs::write(
        root.join("budgets.toml"),
        r#"[settings]
main-branch = "main"
rounds = 4

[[hyperfine]]
name = "cli"
commands = { work = "sh work.sh", noop = "sleep 0.05" }
build = "printf 'sleep %s\n' $(cat delay) > work.sh"
runs = 4
warmup = 1

[[budget]]
metric = "hyperfine/**"
max-regression = "10%"
"#,
    )
    .unwrap();
    std::fs::write(root.join("delay"), "0.05\n").unwrap();
    std::fs::write(root.join(".gitignore"), "work.sh\n").unwrap();
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    git(&["checkout", "-q", "-b", "pr"]);
    std::fs::write(root.join("delay"), "0.09\n").unwrap();
    git(&["commit", "-q", "-am", "work sleeps longer"]);

    let report = root.join("report.json");
    let out = crate::support::cli()
        .current_dir(root)
        .args(["check", "--seed", "3", "--format", "json", "-o"])
        .arg(&report)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = json["results"].as_array().unwrap();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id}: {text}"))
    };
    assert_eq!(row("hyperfine/work")["status"], "fail", "{text}");
    assert_ne!(row("hyperfine/noop")["status"], "fail", "{text}");
    for id in ["hyperfine/work", "hyperfine/noop"] {
        // 4 rounds of 4 runs a side.
        assert_eq!(row(id)["base"]["n"], 16, "{id}: {text}");
        assert_eq!(row(id)["head"]["n"], 16, "{id}: {text}");
    }
    assert!(row("hyperfine/work")["base"]["value"].as_f64().unwrap() >= 0.05);
    assert!(row("hyperfine/work")["head"]["value"].as_f64().unwrap() >= 0.09);

    let out = crate::support::cli()
        .current_dir(root)
        .args(["check", "--aa", "--seed", "3", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}
