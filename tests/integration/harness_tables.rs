//! `[[hyperfine]]` and `[[divan]]` tables: every mistake in them is an error naming the file,
//! the field and what was expected (exit 2), and `check` in rerun mode runs real divan benches of
//! `tests/harness-crate` on both sides of a git repository, interleaved in rounds. The real
//! hyperfine end-to-end test is in the `tools` target (it needs hyperfine installed).

use std::path::Path;

use crate::support::{cli, fixture_target, git, serial};

/// `check` on a budget file holding `text`: exit code and stderr.
fn check_budget(text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("budgets.toml"), text).unwrap();
    let out = cli()
        .current_dir(dir.path())
        .args(["check", "--baseline", "store"])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_mistake_in_a_hyperfine_or_divan_table_is_named_with_its_line_and_exit_2() {
    let cases: &[(&str, &[&str])] = &[
        (
            "[[hyperfine]]\nname = \"cli\"\n",
            &["budgets.toml", "[[hyperfine]] is missing `commands`"],
        ),
        (
            "[[hyperfine]]\nname = \"cli\"\ncommands = \"./app\"\n",
            &[
                "`commands` in [[hyperfine]] must be a table of command name = \"shell command\", or an array of shell commands",
                "found the string \"./app\"",
            ],
        ),
        (
            "[[hyperfine]]\nname = \"cli\"\ncommands = { parse = 3 }\n",
            &["`commands.parse` in [[hyperfine]] must be a shell command (a string), found the integer 3"],
        ),
        (
            "[[hyperfine]]\nname = \"cli\"\ncommands = {}\n",
            &["`commands` in [[hyperfine]] is empty"],
        ),
        (
            "[[hyperfine]]\nname = \"cli\"\ncommands = { parse = \"  \" }\n",
            &["the command \"parse\" is empty"],
        ),
        (
            "[[hyperfine]]\nname = \"a\"\ncommands = { parse = \"./a\" }\n\n[[hyperfine]]\nname = \"b\"\ncommands = { parse = \"./b\" }\n",
            &["budgets.toml:7", "the command name \"parse\" is used twice (first on line 3)"],
        ),
        (
            "[[hyperfine]]\nname = \"cli\"\ncommands = [\"./a\"]\nruns = 1\n",
            &["budgets.toml:4", "`runs` in [[hyperfine]] must be an integer from 2 to 1000, found 1"],
        ),
        (
            "[[hyperfine]]\nname = \"cli\"\ncommands = [\"./a\"]\nwarmup = \"2\"\n",
            &["`warmup` in [[hyperfine]] must be an integer from 0 to 1000", "remove the quotes"],
        ),
        (
            "[[hyperfine]]\ncommands = [\"./a\"]\nbuidl = \"make\"\n",
            &["[[hyperfine]] is missing `name`", "unknown key `buidl` in [[hyperfine]]", "did you mean `build`?"],
        ),
        (
            "[[divan]]\nargs = [\"--sample-count\", \"10\"]\n",
            &["[[divan]] is missing `benches`"],
        ),
        (
            "[[divan]]\nbenches = \"walltime\"\n",
            &["`benches` in [[divan]] must be an array of strings", "write `benches = [\"walltime\"]`"],
        ),
        (
            "[[divan]]\nbenches = []\n",
            &["`benches` in [[divan]] is empty"],
        ),
        (
            "[[divan]]\nbenches = [\"walltime\", \"walltime\"]\n",
            &["budgets.toml:2", "`benches` in [[divan]] names \"walltime\" twice"],
        ),
        (
            "[[divan]]\nbenches = [\"walltime\"]\nargs = [10]\n",
            &["`args` in [[divan]] must be an array of strings, but item 1 is the integer 10"],
        ),
        (
            "[divan]\nbenches = [\"walltime\"]\n",
            &["`[divan]` must be written `[[divan]]`"],
        ),
    ];
    for (text, expected) in cases {
        let (code, stderr) = check_budget(text);
        assert_eq!(code, Some(2), "{text}\n{stderr}");
        for e in *expected {
            assert!(stderr.contains(e), "{text}\nexpected {e:?} in:\n{stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_budget_with_only_hyperfine_or_divan_tables_reruns_the_base_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("budgets.toml");
    for text in [
        "[[divan]]\nbenches = [\"walltime\"]\n",
        "[[hyperfine]]\nname = \"cli\"\ncommands = [\"true\"]\n",
    ] {
        std::fs::write(&path, text).unwrap();
        let budget = cargo_perf_budget::budget::load(&path).unwrap();
        assert_eq!(
            budget.settings.baseline,
            cargo_perf_budget::budget::BaselineMode::Rerun,
            "{text}"
        );
    }
    std::fs::write(
        &path,
        "[settings]\nbaseline = \"store\"\n\n[[hyperfine]]\nname = \"cli\"\ncommands = { parse = \"./app parse\", sort = \"./app sort\" }\nbuild = \"make\"\nruns = 20\nwarmup = 3\n",
    )
    .unwrap();
    let budget = cargo_perf_budget::budget::load(&path).unwrap();
    assert_eq!(
        budget.settings.baseline,
        cargo_perf_budget::budget::BaselineMode::Store
    );
    let hf = &budget.hyperfine[0];
    assert_eq!(
        hf.commands,
        [
            ("parse".to_string(), "./app parse".to_string()),
            ("sort".to_string(), "./app sort".to_string())
        ]
    );
    assert_eq!((hf.runs, hf.warmup), (20, 3));
    assert_eq!(hf.build.as_deref(), Some("make"));
}

/// A git repository holding a copy of `tests/harness-crate` with a budget file: `main` as it
/// is, and the branch `pr` where `mix` works on a fifth more data. The amount is read from the
/// file `mix-words` when the bench starts, so both sides run the same code: a change of the code
/// (the crate's `slow` feature) also moves the other kernels in memory, which changes their
/// speed for real by up to 12 % (see docs/harnesses.md), and this test is about the gate.
/// Replaces `from` by `to` in the file at `path`, which must contain it.
fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{}: no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

fn divan_repository(root: &Path, budget: &str) {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/harness-crate");
    for entry in [
        "Cargo.toml",
        "Cargo.lock",
        "src/lib.rs",
        "benches/walltime.rs",
        "benches/instructions.rs",
    ] {
        let to = root.join(entry);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(crate_dir.join(entry), &to).unwrap();
    }
    replace_in(
        &root.join("benches/walltime.rs"),
        "let data = kernels::words(4096);\n    bencher.bench(|| kernels::mix(",
        "let words = std::fs::read_to_string(\"mix-words\").map_or(4096, |s| s.trim().parse().unwrap());\n    let data = kernels::words(words);\n    bencher.bench(|| kernels::mix(",
    );
    std::fs::write(root.join("mix-words"), "4096\n").unwrap();
    std::fs::write(root.join("budgets.toml"), budget).unwrap();
    std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    git(root, &["checkout", "-q", "-b", "pr"]);
    std::fs::write(root.join("mix-words"), "4915\n").unwrap();
    git(
        root,
        &["commit", "-q", "-am", "mix works on a fifth more data"],
    );
}

/// The divan benchmarks the test gates: a few of the crate's, each short.
const DIVAN_BUDGET: &str = r#"[settings]
main-branch = "main"
rounds = 6

[[divan]]
benches = ["walltime"]
# Only these benchmarks (divan's filters), few samples: the rounds make the statistics.
args = ["mix", "vowels", "parse_sum", "--sample-count", "50"]

[[budget]]
metric = "divan/**"
max-regression = "5%"
"#;

#[test]
fn check_reruns_divan_benches_interleaved_and_fails_exactly_the_slowed_one() {
    let _turn = serial();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    divan_repository(root, DIVAN_BUDGET);

    let report = root.join("report.json");
    let out = cli()
        .current_dir(root)
        .env("CARGO_TARGET_DIR", fixture_target())
        .args(["check", "--seed", "7", "--format", "json", "-o"])
        .arg(&report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = json["results"].as_array().unwrap();
    let status = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .map(|r| r["status"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(
        status("divan/walltime/mix").as_deref(),
        Some("fail"),
        "{text}"
    );
    let failing: Vec<&str> = rows
        .iter()
        .filter(|r| r["status"] == "fail")
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(failing, ["divan/walltime/mix"], "{text}");
    for id in ["divan/walltime/vowels", "divan/walltime/parse_sum"] {
        assert!(status(id).is_some(), "{id} measured on both sides: {text}");
    }
    // Each side's samples are its rounds' medians, one per round.
    let mix = rows
        .iter()
        .find(|r| r["id"] == "divan/walltime/mix")
        .unwrap();
    assert_eq!(mix["head"]["n"], 6, "{mix:#}");
    assert_eq!(mix["base"]["n"], 6, "{mix:#}");

    // A/A: head against itself, interleaved the same way, passes. Identical code still fails at
    // the rate α allows, and more where a benchmark's speed depends on its process (divan's
    // `parse_sum` is bimodal from one process to the next, and six runs a side are few): about one
    // run in thirty at α = 0.05. The suite runs on every change, so the A/A is judged at
    // α = 0.01, which keeps a product false alarm visible here without failing one suite run in
    // thirty.
    std::fs::write(
        root.join("budgets.toml"),
        DIVAN_BUDGET.replace("rounds = 6\n", "rounds = 6\nalpha = 0.01\n"),
    )
    .unwrap();
    git(
        root,
        &["commit", "-q", "-am", "judge the A/A at alpha 0.01"],
    );
    let out = cli()
        .current_dir(root)
        .env("CARGO_TARGET_DIR", fixture_target())
        .args(["check", "--aa", "--seed", "7", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let aa: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(aa["method"]["alpha"], 0.01, "{aa:#}");
}

#[test]
fn hyperfine_missing_is_an_error_naming_the_table_and_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("budgets.toml"),
        "[[hyperfine]]\nname = \"cli\"\ncommands = [\"true\"]\n\n[[budget]]\nmetric = \"hyperfine/**\"\nmax-regression = \"5%\"\n",
    )
    .unwrap();
    // Head alone against a base from a file, and base and head interleaved (A/A).
    crate::support::write_results(
        dir.path(),
        "base.json",
        "1111111111111111111111111111111111111111",
        vec![crate::support::bench("criterion/x", 1.0, 1)],
    );
    for args in [
        &["check", "--aa"][..],
        &["check", "--base", "base.json"][..],
    ] {
        let out = cli()
            .current_dir(dir.path())
            .env("PATH", empty.path())
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("[[hyperfine]] \"cli\"")
                && stderr.contains("hyperfine is not installed")
                && stderr.contains("apt install hyperfine"),
            "{args:?}: {stderr}"
        );
    }
}

/// `check --aa` with `extra` arguments in `root`, building in the shared fixture target.
fn check_aa(root: &Path, extra: &[&str]) -> std::process::Output {
    cli()
        .current_dir(root)
        .env("CARGO_TARGET_DIR", fixture_target())
        .args(["check", "--aa"])
        .args(extra)
        .output()
        .unwrap()
}

/// The divan repository with `budget`, and the standard error of `check --aa`, which must be a
/// configuration error (exit 2).
fn divan_check_refused(budget: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    divan_repository(dir.path(), budget);
    let out = check_aa(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    (dir, stderr)
}

#[test]
fn a_divan_bench_the_package_does_not_have_is_an_error_listing_the_ones_it_has() {
    let (_dir, stderr) = divan_check_refused(
        "[[divan]]\nbenches = [\"walltime\", \"wall_time\"]\n\n[[budget]]\nmetric = \"divan/**\"\nmax-regression = \"5%\"\n",
    );
    assert!(
        stderr.contains("no bench target named `wall_time`")
            && stderr.contains("(bench targets: instructions, walltime)"),
        "{stderr}"
    );
}

#[test]
fn a_divan_table_builds_the_package_it_names_and_one_not_in_the_workspace_has_no_benches() {
    let (dir, stderr) = divan_check_refused(
        "[[divan]]\nbenches = [\"walltime\"]\npackage = \"perf-budget-harness\"\n\n[[budget]]\nmetric = \"divan/**\"\nmax-regression = \"5%\"\n",
    );
    let root = dir.path();
    assert!(
        stderr.contains("no bench target named `walltime` in package `perf-budget-harness` of")
            && stderr.contains("(bench targets: none)"),
        "{stderr}"
    );
    // The package's real name: built with `-p` and measured. The bench now needs a feature,
    // which only the table's `features` gives cargo (without it cargo refuses to build it).
    replace_in(
        &root.join("budgets.toml"),
        "package = \"perf-budget-harness\"",
        "package = \"perf-budget-harness-crate\"\nfeatures = [\"slow\"]",
    );
    replace_in(
        &root.join("Cargo.toml"),
        "name = \"walltime\"\nharness = false",
        "name = \"walltime\"\nharness = false\nrequired-features = [\"slow\"]",
    );
    let out = check_aa(root, &["--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = crate::check_rerun::statuses(&report);
    assert!(
        !rows.is_empty() && rows.iter().all(|(id, _)| id.starts_with("divan/walltime/")),
        "{rows:?}"
    );
}
