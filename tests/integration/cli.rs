//! The real binary on results files: exit codes, the JSON contract, errors naming files.

use cargo_perf_budget::report::{Report, Status};

use crate::support::{bench, cli, write_results};

const BUDGET: &str = r#"
[[budget]]
metric = "criterion/**"
max-regression = "5%"

[[budget]]
metric = "criterion/parse|pipe/*"
max = "2 ms"
"#;

fn names() -> Vec<&'static str> {
    vec![
        "criterion/parse|pipe/1000",
        "criterion/fib 20",
        "criterion/<img src=x>",
        "criterion/quote\"d: @someone #123",
    ]
}

#[test]
fn compare_fails_exactly_the_regressed_benchmark_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let base = write_results(
        dir.path(),
        "base.json",
        "aaaaaaa1",
        names()
            .iter()
            .enumerate()
            .map(|(i, n)| bench(n, 1000.0, i as u64))
            .collect(),
    );
    let head = write_results(
        dir.path(),
        "head.json",
        "bbbbbbb2",
        names()
            .iter()
            .enumerate()
            .map(|(i, n)| bench(n, if i == 1 { 1150.0 } else { 1000.0 }, 100 + i as u64))
            .collect(),
    );
    std::fs::write(dir.path().join("budgets.toml"), BUDGET).unwrap();
    let report_path = dir.path().join("R.json");
    cli()
        .args(["compare"])
        .arg(&base)
        .arg(&head)
        .arg("--budget")
        .arg(dir.path().join("budgets.toml"))
        .args(["--format", "json", "--output"])
        .arg(&report_path)
        .assert()
        .code(1);
    let report =
        Report::from_json(&std::fs::read_to_string(&report_path).unwrap(), "R.json").unwrap();
    let failed: Vec<&str> = report.failed().map(|r| r.id.as_str()).collect();
    assert_eq!(failed, vec!["criterion/fib 20"]);
    for r in report.results.iter().filter(|r| r.id != "criterion/fib 20") {
        assert_eq!(r.status, Status::Pass, "{r:?}");
    }
    assert_eq!(report.head.commit.as_deref(), Some("bbbbbbb2"));
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(raw["schema"], "perf-budget/report/v1");
    assert_eq!(raw["verdict"], "fail");
    assert_eq!(raw["summary"]["fail"], 1);
    for key in [
        "id",
        "unit",
        "direction",
        "base",
        "head",
        "change",
        "ci",
        "p",
        "q",
        "status",
        "kind",
        "rules",
        "method",
    ] {
        assert!(raw["results"][0].get(key).is_some(), "missing {key}");
    }
}

#[test]
fn compare_passes_unchanged_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let base = write_results(
        dir.path(),
        "base.json",
        "a",
        names()
            .iter()
            .enumerate()
            .map(|(i, n)| bench(n, 1000.0, i as u64))
            .collect(),
    );
    let head = write_results(
        dir.path(),
        "head.json",
        "b",
        names()
            .iter()
            .enumerate()
            .map(|(i, n)| bench(n, 1000.0, 50 + i as u64))
            .collect(),
    );
    std::fs::write(dir.path().join("budgets.toml"), BUDGET).unwrap();
    cli()
        .arg("compare")
        .arg(&base)
        .arg(&head)
        .arg("--budget")
        .arg(dir.path().join("budgets.toml"))
        .assert()
        .code(0);
}

#[test]
fn misspelt_budget_key_is_exit_2_naming_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let base = write_results(
        dir.path(),
        "base.json",
        "a",
        vec![bench("criterion/x", 1.0, 1)],
    );
    std::fs::write(
        dir.path().join("budgets.toml"),
        "[[budget]]\nmetric = \"criterion/**\"\nmax-regresion = \"5%\"\n",
    )
    .unwrap();
    let out = cli()
        .arg("compare")
        .arg(&base)
        .arg(&base)
        .arg("--budget")
        .arg(dir.path().join("budgets.toml"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("max-regresion") && err.contains(":3:"),
        "{err}"
    );
    assert!(
        err.contains("max-regression"),
        "suggests the right key: {err}"
    );
}

#[test]
fn unreadable_or_foreign_results_are_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("budgets.toml"), BUDGET).unwrap();
    std::fs::write(
        dir.path().join("trunc.json"),
        "{\"schema\": \"perf-budget/results/v1\", \"metrics\": [",
    )
    .unwrap();
    let out = cli()
        .arg("compare")
        .arg(dir.path().join("trunc.json"))
        .arg(dir.path().join("nope.json"))
        .arg("--budget")
        .arg(dir.path().join("budgets.toml"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("trunc.json"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn help_documents_exit_codes() {
    let out = cli().arg("--help").assert().code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("Exit codes") && text.contains("budget is violated"),
        "{text}"
    );
}

#[test]
fn works_with_and_without_the_cargo_subcommand_name() {
    let mut bare = assert_cmd::Command::cargo_bin("cargo-perf-budget").unwrap();
    bare.arg("--version").assert().code(0);
    cli().arg("--version").assert().code(0);
}

/// Every command path below `perf-budget` (`["check"]`, `["import", "k6"]`, …), from the
/// command-line definition itself, so a new subcommand gets its help snapshot without anyone
/// remembering to add it.
fn command_paths() -> Vec<Vec<String>> {
    use clap::CommandFactory;
    fn walk(command: &clap::Command, prefix: &[String], paths: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            paths.push(path.clone());
            walk(sub, &path, paths);
        }
    }
    let cargo = cargo_perf_budget::cli::CargoCli::command();
    let root = cargo
        .find_subcommand("perf-budget")
        .expect("cargo runs us as `cargo perf-budget`");
    let mut paths = vec![Vec::new()];
    walk(root, &[], &mut paths);
    paths
}

/// `--help` of the top level and of every subcommand, as a person reads it in a 100-column
/// terminal: the snapshots show every change to what the commands say about themselves.
#[test]
fn help_of_every_subcommand() {
    let paths = command_paths();
    let names: Vec<String> = paths.iter().map(|p| p.join(" ")).collect();
    // The commands the README documents are all there (a walk that found nothing would pass).
    for documented in [
        "check",
        "run",
        "import criterion",
        "import lighthouse",
        "import k6",
        "compare",
        "comment",
        "history",
        "init",
    ] {
        assert!(
            names.iter().any(|n| n == documented),
            "{documented} in {names:?}"
        );
    }
    for path in paths {
        let out = cli()
            .args(&path)
            .arg("--help")
            .env("COLUMNS", "100")
            .env_remove("CARGO_TERM_COLOR")
            .output()
            .expect("the binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{path:?} --help: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let name = if path.is_empty() {
            "help".to_string()
        } else {
            format!("help_{}", path.join("_"))
        };
        insta::assert_snapshot!(name, stdout);
    }
}

#[test]
fn compare_where_nothing_a_rule_names_was_measured_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = |seed| vec![bench("criterion/other", 1000.0, seed)];
    let base = write_results(dir.path(), "base.json", "a", metrics(1));
    let head = write_results(dir.path(), "head.json", "b", metrics(2));
    // The block matches nothing; under `unmatched = "warn"` evaluation itself succeeds.
    std::fs::write(
        dir.path().join("budgets.toml"),
        "[settings]\nunmatched = \"warn\"\n\n[[budget]]\nmetric = \"criterion/parse/**\"\nmax-regression = \"5%\"\n",
    )
    .unwrap();
    let out = cli()
        .arg("compare")
        .arg(&base)
        .arg(&head)
        .arg("--budget")
        .arg(dir.path().join("budgets.toml"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("no budget rule names any"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("ERROR"), "{stdout}");
}

#[test]
fn a_report_given_as_results_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let base = write_results(
        dir.path(),
        "base.json",
        "a",
        vec![bench("criterion/x", 1.0, 1)],
    );
    let report = dir.path().join("report.json");
    std::fs::write(
        &report,
        r#"{"schema": "perf-budget/report/v1", "verdict": "pass", "base": {}, "head": {}, "summary": {"pass": 0, "fail": 0, "inconclusive": 0, "new": 0, "missing": 0}, "results": []}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("budgets.toml"), BUDGET).unwrap();
    let out = cli()
        .arg("compare")
        .arg(&base)
        .arg(&report)
        .arg("--budget")
        .arg(dir.path().join("budgets.toml"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("is a report"), "{stderr}");
    assert!(stderr.contains("not a results file"), "{stderr}");
    assert!(!stderr.contains("upgrade"), "{stderr}");
}

#[test]
fn errors_are_coloured_with_color_always() {
    let out = cli()
        .args([
            "compare",
            "nope-base.json",
            "nope-head.json",
            "--color",
            "always",
        ])
        .arg("--budget")
        .arg("nope.toml")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.starts_with("\u{1b}["), "{stderr:?}");
    assert!(stderr.contains("error:"), "{stderr:?}");
    let out = cli()
        .args([
            "compare",
            "nope-base.json",
            "nope-head.json",
            "--color",
            "never",
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn evaluation_errors_show_the_file_line_and_the_offending_key() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = |seed| vec![bench("criterion/parse", 1000.0, seed)];
    let base = write_results(dir.path(), "base.json", "a", metrics(1));
    let head = write_results(dir.path(), "head.json", "b", metrics(2));
    let budget = dir.path().join("budgets.toml");
    let run = |text: &str| {
        std::fs::write(&budget, text).unwrap();
        let out = cli()
            .arg("compare")
            .arg(&base)
            .arg(&head)
            .arg("--budget")
            .arg(&budget)
            .assert()
            .code(2);
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    // A size limit on a time: the error points at `max`, not at `metric`.
    let stderr = run("[[budget]]\nmetric = \"criterion/**\"\nmax = \"2 KB\"\n");
    assert!(stderr.contains("budgets.toml:3:7: error:"), "{stderr}");
    assert!(stderr.contains("3 | max = \"2 KB\""), "{stderr}");
    assert!(stderr.contains("^^^^^^"), "{stderr}");
    // A glob matching nothing: at its `metric` line, with the line shown.
    let stderr = run("[[budget]]\nmetric = \"criterion/prase\"\nmax-regression = \"5%\"\n");
    assert!(stderr.contains("budgets.toml:2:10: error:"), "{stderr}");
    assert!(
        stderr.contains("2 | metric = \"criterion/prase\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean \"criterion/parse\""),
        "{stderr}"
    );
}

/// The long options of the command at `path` below `perf-budget`, without `--help`,
/// `--version` and the global `--color`, as its `--help` lists them.
fn listed_options(path: &[&str]) -> Vec<String> {
    use clap::CommandFactory;
    let mut cargo = cargo_perf_budget::cli::CargoCli::command();
    // Building propagates global options (`--color`, `import`'s `--output`) to subcommands.
    cargo.build();
    let mut cmd = cargo
        .find_subcommand("perf-budget")
        .expect("perf-budget")
        .clone();
    for name in path {
        cmd = cmd
            .find_subcommand(name)
            .unwrap_or_else(|| panic!("no subcommand {name}"))
            .clone();
    }
    let mut longs: Vec<String> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long().map(str::to_owned))
        .filter(|l| !["help", "version", "color"].contains(&l.as_str()))
        .collect();
    longs.sort();
    longs
}

#[test]
fn each_subcommand_lists_only_the_options_it_uses() {
    let shared_report = ["format", "output", "verbose"];
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec![], vec![]),
        (
            vec!["check"],
            [
                &[
                    "aa",
                    "base",
                    "base-rev",
                    "baseline",
                    "budget",
                    "comment-id",
                    "comment-on",
                    "manifest-path",
                    "no-comment",
                    "quiet",
                    "results",
                    "rounds",
                    "save-base",
                    "save-head",
                    "seed",
                    "shard",
                    "strict",
                    "token-env",
                ][..],
                &shared_report[..],
            ]
            .concat(),
        ),
        (
            vec!["run"],
            vec![
                "budget",
                "commit",
                "manifest-path",
                "push",
                "quiet",
                "results",
                "suite",
            ],
        ),
        (
            vec!["compare"],
            [
                &["budget", "manifest-path", "quiet", "strict"][..],
                &shared_report[..],
            ]
            .concat(),
        ),
        (
            vec!["comment"],
            vec![
                "best-effort",
                "budget",
                "comment-on",
                "id",
                "pr",
                "quiet",
                "report",
                "summary-url",
                "token-env",
            ],
        ),
        (
            vec!["history"],
            vec![
                "budget",
                "chart",
                "commit-url",
                "format",
                "html",
                "last",
                "manifest-path",
                "output",
                "quiet",
                "report",
                "rev",
                "suite",
            ],
        ),
        (vec!["init"], vec!["budget", "manifest-path", "quiet"]),
        (vec!["store"], vec!["manifest-path", "quiet"]),
        (vec!["store", "push"], vec!["manifest-path", "quiet"]),
        (vec!["import"], vec!["output", "quiet"]),
        (
            vec!["import", "criterion"],
            vec!["baseline", "output", "quiet"],
        ),
        (
            vec!["import", "lighthouse"],
            vec!["name", "output", "quiet"],
        ),
        (
            vec!["import", "k6"],
            vec!["budget", "name", "output", "quiet"],
        ),
        (vec!["import", "libtest"], vec!["output", "quiet"]),
    ];
    for (path, expected) in cases {
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(listed_options(&path), expected, "{path:?}");
    }
}

#[test]
fn options_a_subcommand_never_used_are_refused_and_leading_ones_still_work() {
    let dir = tempfile::tempdir().unwrap();
    // Accepted and ignored before; refused now, after or before the subcommand name.
    for args in [
        &["init", "--format", "json"][..],
        &["--format", "json", "init"][..],
        &["history", "--verbose"][..],
        &["import", "criterion", "x", "--budget", "b.toml"][..],
        &["--budget", "b.toml", "import", "criterion", "x"][..],
        &["store", "push", "--budget", "b.toml"][..],
        &["run", "--output", "x.json"][..],
        &[
            "comment",
            "--report",
            "r.json",
            "--manifest-path",
            "Cargo.toml",
        ][..],
    ] {
        let out = cli().current_dir(dir.path()).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let flag = args.iter().find(|a| a.starts_with("--")).unwrap();
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(
            !dir.path().join("budgets.toml").exists(),
            "{args:?} ran anyway"
        );
    }
    // Options before the subcommand name still reach the subcommands that use them.
    let out = cli()
        .current_dir(dir.path())
        .args(["--quiet", "--budget", "mine.toml", "init"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(dir.path().join("mine.toml").is_file());
    assert!(out.stdout.is_empty(), "--quiet reached init: {out:?}");
}
