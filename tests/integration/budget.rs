//! The budget file: parsing valid files into domain types, the diagnostics people read for
//! invalid ones (snapshots), robustness on arbitrary input, the shipped example, and `init`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use cargo_perf_budget::budget::parse::{TableKind, SCHEMA};
use cargo_perf_budget::budget::{
    default_budget_path, load, parse, BaselineMode, BudgetError, BudgetFile, CorrectionSetting,
    Diagnostic, UnmatchedPolicy,
};
use cargo_perf_budget::model::{Dimension, Direction};
use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../../budgets.example.toml");

fn parsed(text: &str) -> BudgetFile {
    match parse(text, Path::new("budgets.toml")) {
        Ok(file) => file,
        Err(err) => panic!("expected a valid budget file, got:\n{err}"),
    }
}

fn invalid(text: &str) -> (String, Vec<Diagnostic>) {
    match parse(text, Path::new("budgets.toml")) {
        Ok(file) => panic!("expected diagnostics, parsed: {file:?}"),
        Err(err @ BudgetError::Invalid { .. }) => {
            let rendered = err.to_string();
            let BudgetError::Invalid { diagnostics, .. } = err else {
                unreachable!()
            };
            (rendered, diagnostics)
        }
        Err(err) => panic!("expected diagnostics, got {err}"),
    }
}

fn positions(diagnostics: &[Diagnostic]) -> Vec<(usize, usize)> {
    diagnostics.iter().map(|d| (d.line, d.column)).collect()
}

#[test]
fn a_full_file_becomes_domain_types() {
    let file = parsed(
        r#"
[settings]
alpha = 0.1
noise = "2%"
rounds = 5
main-branch = "trunk"
correction = "holm"
strict = true
unmatched = "warn"
no-noise-factor = 3
suite = "web"

[[lighthouse]]
name = "home"
reports = ".lighthouseci/lhr-*.json"

[[k6]]
name = "api"
summary = "k6/summary.json"

[[budget]]
metric = "criterion/parse/*"
max-regression = "5%"
max = "2 ms"

[[budget]]
metric = "lighthouse/*/score/performance"
min = 0.9
direction = "higher"

[[waiver]]
metric = "criterion/sort/*"
reason = "accepted in #123"
expires = "2027-01-31"
"#,
    );
    let s = &file.settings;
    assert_eq!(s.alpha, 0.1);
    assert!((s.noise - 0.02).abs() < 1e-12);
    assert_eq!(s.rounds, 5);
    assert_eq!(s.main_branch, "trunk");
    assert_eq!(s.correction, CorrectionSetting::Holm);
    assert!(s.strict);
    assert_eq!(s.unmatched, UnmatchedPolicy::Warn);
    assert_eq!(s.no_noise_factor, 3.0);
    assert_eq!(s.suite, "web");
    // No [criterion]: nothing to rerun, so the base comes from the store.
    assert_eq!(s.baseline, BaselineMode::Store);
    assert_eq!(file.lighthouse[0].name, "home");
    assert_eq!(file.k6[0].summary.as_deref(), Some("k6/summary.json"));

    let rule = &file.budgets[0];
    assert_eq!(rule.index, 0);
    assert_eq!((rule.location.line, rule.location.column), (22, 1));
    assert!((rule.max_regression.unwrap_or_default() - 0.05).abs() < 1e-12);
    let max = rule.max.as_ref().map(|q| (q.base_value, q.dimension));
    assert_eq!(max, Some((2e6, Some(Dimension::Time))));
    assert!(rule.matcher.is_match("criterion/parse/sum"));
    assert!(!rule.matcher.is_match("criterion/parse/sum/1000"));
    let rule = &file.budgets[1];
    assert_eq!(rule.index, 1);
    assert_eq!(
        rule.min.as_ref().map(|q| (q.base_value, q.dimension)),
        Some((0.9, None))
    );
    assert_eq!(rule.direction, Some(Direction::Higher));

    let waiver = &file.waivers[0];
    assert_eq!(waiver.reason, "accepted in #123");
    assert_eq!(waiver.expires, Some(jiff::civil::date(2027, 1, 31)));
    assert_eq!(waiver.location.line, 32);
}

#[test]
fn an_empty_file_is_valid_with_defaults() {
    for text in ["", "\n\n# only a comment\n", "\u{feff}"] {
        let file = parsed(text);
        assert!(file.budgets.is_empty() && file.waivers.is_empty());
        assert!(file.criterion.is_none() && file.lighthouse.is_empty() && file.k6.is_empty());
        assert_eq!(file.settings.alpha, 0.05);
        assert_eq!(file.settings.noise, 0.01);
        assert_eq!(file.settings.rounds, 3);
        assert_eq!(file.settings.baseline, BaselineMode::Store);
        assert_eq!(file.path, PathBuf::from("budgets.toml"));
    }
}

#[test]
fn baseline_defaults_to_rerun_when_benches_are_configured() {
    let file = parsed("[criterion]\n");
    assert_eq!(file.settings.baseline, BaselineMode::Rerun);
    let file = parsed("[criterion]\n[settings]\nbaseline = \"store\"\n");
    assert_eq!(file.settings.baseline, BaselineMode::Store);
}

#[test]
fn waiver_dates_may_be_toml_dates_or_strings() {
    let file = parsed(
        "[[waiver]]\nmetric = \"a/*\"\nreason = \"r\"\nexpires = 2028-02-29\n\
         [[waiver]]\nmetric = \"b/*\"\nreason = \"r\"\n",
    );
    assert_eq!(
        file.waivers[0].expires,
        Some(jiff::civil::date(2028, 2, 29))
    );
    assert_eq!(file.waivers[1].expires, None);
}

#[test]
fn k6_tagged_metric_ids_match_their_own_glob() {
    let file = parsed(
        "[[budget]]\nmetric = \"k6/api/http_req_duration{name:slow}/p(95)\"\nmax = \"300 ms\"\n",
    );
    let matcher = &file.budgets[0].matcher;
    assert!(matcher.is_match("k6/api/http_req_duration{name:slow}/p(95)"));
    assert!(!matcher.is_match("k6/api/http_req_duration/p(95)"));
}

#[test]
fn three_mistakes_give_three_diagnostics_at_their_positions() {
    let (_, diagnostics) = invalid(
        "[settings]\nalpha = 0.7\n\n[[budget]]\nmetric = \"criterion/*\"\nmax-regresion = \"5%\"\nmax = \"2 parsecs\"\n",
    );
    assert_eq!(positions(&diagnostics), vec![(2, 9), (6, 1), (7, 7)]);
    assert_eq!(diagnostics[0].key.as_deref(), Some("settings.alpha"));
    assert_eq!(
        diagnostics[1].key.as_deref(),
        Some("budget[0].max-regresion")
    );
    assert_eq!(
        diagnostics[1].help.as_deref(),
        Some("did you mean `max-regression`?")
    );
    assert_eq!(diagnostics[2].key.as_deref(), Some("budget[0].max"));
}

#[test]
fn snapshot_misspelt_key() {
    let (rendered, diagnostics) =
        invalid("[[budget]]\nmetric = \"criterion/parse/*\"\nmax-regresion = \"5%\"\n");
    insta::assert_snapshot!(rendered);
    assert_eq!(positions(&diagnostics), vec![(3, 1)]);
}

#[test]
fn snapshot_several_errors_at_once() {
    let (rendered, diagnostics) = invalid(
        r#"[settings]
alpah = 0.05
rounds = 0
baseline = "rerum"

[criterion]
benches = "algos"

[[lighthouse]]
name = "home/page"

[[budget]]
metric = "criterion/[parse"
max_regression = "5%"

[[budget]]
metric = "lighthouse/*/score/performance"

[[waiver]]
metric = "criterion/sort/*"
reason = ""
"#,
    );
    insta::assert_snapshot!(rendered);
    assert_eq!(diagnostics.len(), 10, "{rendered}");
}

#[test]
fn snapshot_bad_unit() {
    let (rendered, diagnostics) =
        invalid("[[budget]]\nmetric = \"criterion/*\"\nmax = \"2 parsecs\"\nmin = \"1 mss\"\n");
    insta::assert_snapshot!(rendered);
    assert_eq!(positions(&diagnostics), vec![(3, 7), (4, 7)]);
    assert_eq!(diagnostics[1].help.as_deref(), Some("did you mean `ms`?"));
}

#[test]
fn snapshot_bad_percentage() {
    let (rendered, diagnostics) = invalid(
        "[settings]\nnoise = \"60%\"\n\n[[budget]]\nmetric = \"a/*\"\nmax-regression = 0.05\n\n\
         [[budget]]\nmetric = \"b/*\"\nmax-regression = \"five%\"\n\n\
         [[budget]]\nmetric = \"c/*\"\nmax-regression = \"0%\"\n",
    );
    insta::assert_snapshot!(rendered);
    assert_eq!(diagnostics.len(), 4);
    assert_eq!(
        diagnostics[1].help.as_deref(),
        Some("write `max-regression = \"5%\"`")
    );
}

#[test]
fn snapshot_unknown_table() {
    let (rendered, diagnostics) = invalid(
        "alpha = 0.1\n\n[setting]\nalpha = 0.05\n\n[[budgets]]\nmetric = \"a/*\"\nmax = \"1 ms\"\n\n[cache]\ndir = \"x\"\n",
    );
    insta::assert_snapshot!(rendered);
    assert_eq!(diagnostics.len(), 4);
}

#[test]
fn snapshot_wrong_type() {
    let (rendered, diagnostics) = invalid(
        "[settings]\nrounds = \"3\"\nstrict = \"yes\"\nalpha = \"0.05\"\n\n[criterion]\nargs = [\"--quick\", 3]\n\n\
         [budget]\nmetric = 42\nmax = true\n",
    );
    insta::assert_snapshot!(rendered);
    assert_eq!(diagnostics.len(), 7, "{rendered}");
}

#[test]
fn snapshot_missing_reason_in_waiver() {
    let (rendered, diagnostics) =
        invalid("[[waiver]]\nmetric = \"criterion/sort/*\"\nexpires = 2027-01-31\n");
    insta::assert_snapshot!(rendered);
    assert_eq!(positions(&diagnostics), vec![(1, 1)]);
    assert_eq!(diagnostics[0].key.as_deref(), Some("waiver[0].reason"));
}

#[test]
fn snapshot_bad_date() {
    let (rendered, diagnostics) = invalid(
        "[[waiver]]\nmetric = \"a/*\"\nreason = \"r\"\nexpires = \"2027-02-30\"\n\n\
         [[waiver]]\nmetric = \"b/*\"\nreason = \"r\"\nexpires = \"31/01/2027\"\n\n\
         [[waiver]]\nmetric = \"c/*\"\nreason = \"r\"\nexpires = 2027-01-31T12:00:00\n",
    );
    insta::assert_snapshot!(rendered);
    assert_eq!(positions(&diagnostics), vec![(4, 11), (9, 11), (14, 11)]);
}

#[test]
fn snapshot_impossible_toml_date() {
    // toml itself refuses 30 February in a date literal; the diagnostic keeps its position.
    let (rendered, diagnostics) =
        invalid("[[waiver]]\nmetric = \"a/*\"\nreason = \"r\"\nexpires = 2027-02-30\n");
    insta::assert_snapshot!(rendered);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].line, 4);
}

#[test]
fn snapshot_not_toml() {
    let (rendered, diagnostics) =
        invalid("This is not TOML.\nJust prose, with words = and [brackets.\n");
    insta::assert_snapshot!(rendered);
    assert_eq!(diagnostics.len(), 1);
}

#[test]
fn snapshot_block_problems() {
    let (rendered, _) = invalid(
        r#"[[lighthouse]]
name = "home"

[[lighthouse]]
name = "home"
reports = "a.json"

[[k6]]
name = "api"

[[budget]]
max = "1 ms"

[[budget]]
metric = "criterion/*"
min = "3 ms"
max = "2 ms"
"#,
    );
    insta::assert_snapshot!(rendered);
}

#[test]
fn every_problem_points_inside_the_file() {
    let text = "[settings]\r\nalpha = 2\r\n[[budget]]\r\nmetric = \"\"\r\nmax = \"µµ\"\r\n";
    let (_, diagnostics) = invalid(text);
    assert_eq!(positions(&diagnostics), vec![(2, 9), (4, 10), (5, 7)]);
    for d in &diagnostics {
        let snippet = d
            .snippet
            .as_ref()
            .map(|s| s.text.as_str())
            .unwrap_or_default();
        assert!(!snippet.contains('\r'), "{snippet:?}");
    }
}

#[test]
fn the_example_file_parses_and_covers_every_key() {
    let file = parsed(EXAMPLE);
    assert!(file.criterion.is_some());
    assert_eq!(file.lighthouse.len(), 2);
    assert_eq!(file.k6.len(), 2);
    assert_eq!(file.budgets.len(), 5);
    assert_eq!(file.waivers.len(), 1);

    let table: toml::Table = EXAMPLE.parse().unwrap_or_default();
    for (name, kind, keys) in SCHEMA {
        let blocks: Vec<&toml::Table> = match (kind, table.get(*name)) {
            (TableKind::Single, Some(toml::Value::Table(t))) => vec![t],
            (TableKind::Array, Some(toml::Value::Array(items))) => {
                items.iter().filter_map(toml::Value::as_table).collect()
            }
            _ => panic!("budgets.example.toml has no `{name}` table"),
        };
        for key in *keys {
            assert!(
                blocks.iter().any(|b| b.contains_key(*key)),
                "budgets.example.toml does not show `{key}` in `{name}`"
            );
            // Every key is explained by a comment somewhere above its first use.
            let first = EXAMPLE
                .lines()
                .position(|l| l.starts_with(&format!("{key} =")))
                .unwrap_or(0);
            assert!(
                first > 0
                    && EXAMPLE
                        .lines()
                        .nth(first - 1)
                        .is_some_and(|l| l.starts_with('#')),
                "`{key}` in budgets.example.toml has no comment above it"
            );
        }
    }
}

#[test]
fn load_names_the_file_when_it_cannot_be_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.toml");
    let err = load(&missing)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("nope.toml"), "{err}");
    assert!(err.contains("cargo perf-budget init"), "{err}");

    let binary = dir.path().join("budgets.toml");
    std::fs::write(&binary, b"[settings]\nalpha = \xff\n").expect("write");
    let Err(BudgetError::Invalid { diagnostics, path }) = load(&binary) else {
        panic!("non-UTF-8 file accepted");
    };
    assert_eq!(path, binary);
    assert_eq!(positions(&diagnostics), vec![(2, 9)]);

    std::fs::write(&binary, EXAMPLE).expect("write");
    assert_eq!(load(&binary).map(|f| f.path).ok(), Some(binary));
}

#[test]
fn default_path_is_next_to_the_manifest() {
    assert_eq!(
        default_budget_path(Some(Path::new("crates/app"))),
        Path::new("crates/app/budgets.toml")
    );
    // The test runs in the package directory, which has a Cargo.toml.
    assert_eq!(default_budget_path(None), Path::new("budgets.toml"));
}

/// Mutations of a valid file: cut, duplicate or insert text at arbitrary places.
fn mutated_example() -> impl Strategy<Value = String> {
    let len = EXAMPLE.len();
    (0..len, 0..len, any::<String>(), 0..4u8).prop_map(|(a, b, insert, op)| {
        let floor = |mut i: usize| {
            while !EXAMPLE.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (lo, hi) = (floor(a.min(b)), floor(a.max(b)));
        match op {
            0 => format!("{}{}", &EXAMPLE[..lo], &EXAMPLE[hi..]),
            1 => format!("{}{insert}{}", &EXAMPLE[..lo], &EXAMPLE[lo..]),
            2 => format!("{}{}", &EXAMPLE[..hi], &EXAMPLE[lo..]),
            _ => format!("{}{insert}{}", &EXAMPLE[..lo], &EXAMPLE[hi..]),
        }
    })
}

fn check_never_panics(text: &str) {
    match parse(text, Path::new("budgets.toml")) {
        Ok(file) => assert!(file.budgets.len() <= text.len()),
        Err(err) => {
            let rendered = err.to_string();
            let BudgetError::Invalid { diagnostics, .. } = err else {
                panic!("parse returned an I/O error");
            };
            assert!(!diagnostics.is_empty());
            let lines = text.lines().count() + 1;
            for d in &diagnostics {
                assert!(d.line >= 1 && d.line <= lines && d.column >= 1, "{d:?}");
            }
            // Every diagnostic is rendered, in order.
            let headlines: Vec<&str> = rendered
                .lines()
                .filter(|l| l.starts_with("budgets.toml:"))
                .collect();
            assert_eq!(headlines.len(), diagnostics.len(), "{rendered}");
            for (headline, d) in headlines.iter().zip(&diagnostics) {
                assert!(
                    headline.starts_with(&format!("budgets.toml:{}:{}: error:", d.line, d.column))
                );
            }
        }
    }
}

// 256 cases each by default; `PROPTEST_CASES=20000` for a longer hunt.
proptest! {
    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        check_never_panics(&text);
    }

    #[test]
    fn toml_like_strings_never_panic(text in "(\\[{1,2}[a-z-]{0,12}\\]{1,2}\n|[a-z-]{1,16} = (\"[^\"\n]{0,12}\"|[0-9.e+-]{1,8}|true|\\[\\]|[0-9]{4}-[0-9]{2}-[0-9]{2})\n){0,12}") {
        check_never_panics(&text);
    }

    #[test]
    fn mutated_example_files_never_panic(text in mutated_example()) {
        check_never_panics(&text);
    }
}

// ---- `init` ----

fn init_command(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("cargo-perf-budget").expect("binary");
    cmd.current_dir(dir).args(["perf-budget", "init"]);
    cmd.env_remove("CARGO_TERM_COLOR").env("NO_COLOR", "1");
    crate::support::without_ci_context(&mut cmd);
    cmd
}

/// A project with a criterion bench, a libtest bench, Lighthouse CI config and a k6 script.
fn sample_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    };
    write(
        "Cargo.toml",
        "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dev-dependencies]\ncriterion = \"0.8\"\n\n\
         [[bench]]\nname = \"algos\"\nharness = false\n",
    );
    write("src/lib.rs", "");
    write("benches/algos.rs", "fn main() {}\n");
    write("benches/nightly.rs", "#![feature(test)]\n");
    write(
        "lighthouserc.json",
        r#"{"ci":{"collect":{"url":["http://127.0.0.1:8081/","http://127.0.0.1:8081/pricing.html"]}}}"#,
    );
    write(
        "load/api.js",
        "import http from 'k6/http';\nexport default function () { http.get('http://127.0.0.1:8080/'); }\n",
    );
    write("load/helpers.js", "export const x = 1;\n");
    write(
        "load/node_modules/k6lib/index.js",
        "import http from 'k6/http';\n",
    );
    dir
}

#[test]
fn init_writes_a_valid_budget_file_for_the_project_and_never_overwrites() {
    let project = sample_project();
    let output = init_command(project.path()).output().expect("run init");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Wrote budgets.toml"), "{stdout}");
    assert!(stdout.contains("Next steps"), "{stdout}");

    let path = project.path().join("budgets.toml");
    let written = std::fs::read_to_string(&path).expect("budgets.toml written");
    let file = match load(&path) {
        Ok(file) => file,
        Err(err) => panic!("init wrote an invalid file:\n{err}\n{written}"),
    };
    let criterion = file.criterion.as_ref().expect("[criterion]");
    // A libtest bench exists, so the criterion one must be named.
    assert_eq!(criterion.benches, vec!["algos".to_string()]);
    let pages: Vec<_> = file.lighthouse.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(pages, vec!["home", "pricing"]);
    let scripts: Vec<_> = file.k6.iter().map(|k| k.script.as_deref()).collect();
    assert_eq!(scripts, vec![Some("load/api.js")]);
    assert_eq!(file.settings.baseline, BaselineMode::Rerun);
    assert!(file.budgets.iter().any(|b| b.metric == "criterion/**"));
    insta::assert_snapshot!(written);

    let again = init_command(project.path())
        .output()
        .expect("run init again");
    assert_eq!(again.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("budgets.toml already exists"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("still there"),
        written
    );
}

#[test]
fn init_from_a_subdirectory_writes_next_to_cargo_toml_with_relative_paths() {
    let project = sample_project();
    let sub = project.path().join("src");
    init_command(&sub).assert().success();
    assert!(project.path().join("budgets.toml").is_file());
    assert!(!sub.join("budgets.toml").exists());

    // An explicit path elsewhere: paths inside are relative to that file.
    init_command(project.path())
        .arg("ci/perf.toml")
        .assert()
        .success();
    let file = load(&project.path().join("ci/perf.toml")).expect("valid");
    assert_eq!(file.k6[0].script.as_deref(), Some("../load/api.js"));
    assert_eq!(
        file.lighthouse[0].reports.as_deref(),
        Some("../.lighthouseci/lhr-*.json")
    );
}

#[test]
fn init_honours_manifest_path_and_works_without_cargo() {
    let project = sample_project();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    init_command(elsewhere.path())
        .arg("--manifest-path")
        .arg(project.path().join("Cargo.toml"))
        .assert()
        .success();
    assert!(project.path().join("budgets.toml").is_file());

    // A web project without Cargo.toml: a commented file in the current directory.
    let web = tempfile::tempdir().expect("tempdir");
    let output = init_command(web.path()).output().expect("run init");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let file = load(&web.path().join("budgets.toml")).expect("valid");
    assert!(file.budgets.is_empty() && file.criterion.is_none());
    assert_eq!(file.settings.baseline, BaselineMode::Store);

    let output = init_command(web.path())
        .args(["--manifest-path", "missing/Cargo.toml", "other.toml"])
        .output()
        .expect("run init");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("missing/Cargo.toml not found"), "{stderr}");
    assert!(!web.path().join("other.toml").exists());
}

#[test]
fn deeply_nested_and_huge_inputs_never_panic() {
    for text in [
        format!("a = {}", "[".repeat(100_000)),
        format!("a = {}", "{b = ".repeat(100_000)),
        format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("a = {}1{}", "{b = ".repeat(100_000), "}".repeat(100_000)),
        format!(
            "[[budget]]\nmetric = \"{}\"\nmax = \"1 ms\"\n",
            "*/".repeat(5_000)
        ),
        format!("{}\n", "[[budget]]\nmetric = \"a\"\n".repeat(2_000)),
        format!(
            "{}\n",
            "[[budget]]\nmetric = \"a\"\nmax = 1\n".repeat(2_000)
        ),
    ] {
        check_never_panics(&text);
    }
}

#[test]
fn init_finds_criterion_benches_in_a_workspace_member() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
    write(
        "crates/core/Cargo.toml",
        "[package]\nname = \"core\"\n\n[dev-dependencies.criterion]\nversion = \"0.8\"\n\n\
         [[bench]]\nname = \"parse\"\nharness = false\n",
    );
    write("crates/core/benches/parse.rs", "fn main() {}\n");
    // harness = false without criterion (a custom harness) is not ours to run.
    write(
        "crates/cli/Cargo.toml",
        "[package]\nname = \"cli\"\n\n[[bench]]\nname = \"custom\"\nharness = false\n",
    );
    let output = init_command(dir.path())
        .arg("--quiet")
        .output()
        .expect("run init");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stdout.is_empty(), "--quiet printed {output:?}");
    let file = load(&dir.path().join("budgets.toml")).expect("valid");
    let criterion = file.criterion.expect("[criterion]");
    assert_eq!(criterion.package.as_deref(), Some("core"));
    // Every bench of `core` uses criterion: the list stays a comment, all benches run.
    assert!(criterion.benches.is_empty());
    let text = std::fs::read_to_string(dir.path().join("budgets.toml")).expect("read");
    assert!(text.contains("# benches = [\"parse\"]"), "{text}");
}
