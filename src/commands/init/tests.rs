//! `init`'s discovery and rendering, on small projects in temporary folders.
use std::collections::BTreeSet;

use super::discover::*;
use super::*;

#[test]
fn page_names_come_from_the_url_path() {
    assert_eq!(page_name("http://127.0.0.1:8081/"), "home");
    assert_eq!(page_name("http://localhost/index.html"), "home");
    assert_eq!(
        page_name("https://example.com/docs/Intro?x=1"),
        "docs-intro"
    );
    assert_eq!(page_name("/pricing.html"), "pricing");
}

#[test]
fn relative_paths_walk_up_and_down() -> anyhow::Result<()> {
    assert_eq!(relative_path(Path::new("a/b"), Path::new("a/b"))?, "");
    assert_eq!(relative_path(Path::new("a/b/ci"), Path::new("a/b"))?, "../");
    assert_eq!(relative_path(Path::new("a"), Path::new("a/web"))?, "web/");
    Ok(())
}

#[test]
fn the_criterion_release_comes_from_the_lockfile_entry_of_the_package() {
    let lock: toml::Table = r#"
        [[package]]
        name = "app"
        version = "0.1.0"
        dependencies = ["criterion 0.3.6", "serde"]

        [[package]]
        name = "lib"
        version = "0.1.0"
        dependencies = ["criterion"]

        [[package]]
        name = "criterion"
        version = "0.3.6"
    "#
    .parse()
    .unwrap();
    let release = |p| criterion_release(&lock, p);
    assert_eq!(release("app"), Some(("criterion".into(), "0.3.6".into())));
    assert_eq!(release("lib"), Some(("criterion".into(), "0.3.6".into())));
    assert_eq!(release("criterion"), None);
    assert_eq!(release("missing"), None);
    let manifest: toml::Table = "[dev-dependencies]\ncriterion = { version = \"0.3.5\" }\n"
        .parse()
        .unwrap();
    assert_eq!(
        criterion_requirement(&manifest),
        Some(("criterion".into(), "0.3.5".into()))
    );
}

#[test]
fn the_main_branch_is_the_remotes_default_else_main_or_master() {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    let found =
        |repo: &git2::Repository| main_branch(repo.workdir().unwrap()).map(|m| (m.name, m.source));
    // No commit, no branch: nothing to tell.
    assert_eq!(found(&repo).map(|f| f.0), None);
    let sig = git2::Signature::now("t", "t@example.invalid").unwrap();
    let tree = repo
        .find_tree(repo.index().unwrap().write_tree().unwrap())
        .unwrap();
    let commit = repo.commit(None, &sig, &sig, "c", &tree, &[]).unwrap();
    let commit = repo.find_commit(commit).unwrap();
    repo.branch("master", &commit, false).unwrap();
    repo.branch("feature", &commit, false).unwrap();
    repo.set_head("refs/heads/feature").unwrap();
    assert_eq!(found(&repo).unwrap().0, "master");
    repo.set_head("refs/heads/master").unwrap();
    assert_eq!(found(&repo).unwrap().1, "the current branch");
    repo.branch("main", &commit, false).unwrap();
    repo.set_head("refs/heads/feature").unwrap();
    // Both exist and neither is checked out: no guess.
    assert_eq!(found(&repo), None);
    repo.reference("refs/remotes/origin/trunk", commit.id(), false, "t")
        .unwrap();
    repo.reference_symbolic(
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/trunk",
        false,
        "t",
    )
    .unwrap();
    assert_eq!(
        found(&repo),
        Some(("trunk".into(), "the default branch of origin"))
    );
}

#[test]
fn names_are_unique() {
    let mut taken = BTreeSet::new();
    assert_eq!(unique_name("home", &mut taken), "home");
    assert_eq!(unique_name("home", &mut taken), "home-2");
    assert_eq!(unique_name("", &mut taken), "script");
}

#[test]
fn divan_and_gungraun_dev_dependencies_without_targets_get_advice_that_still_parses() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n\n[dev-dependencies]\ndivan = \"0.1\"\ngungraun = \"0.20\"\n",
    )
    .unwrap();
    let project = super::discover::Project::discover(dir.path(), true).unwrap();
    let found: Vec<(&str, usize)> = project
        .harnesses
        .iter()
        .map(|h| (h.harness, h.benches.len()))
        .collect();
    assert_eq!(found, [("divan", 0), ("gungraun", 0)]);
    assert!(project.is_empty());
    let text = super::render::render(&project, "");
    assert!(
        text.contains("calls `divan::main()`") && text.contains("# metric = \"gungraun/**/Ir\""),
        "{text}"
    );
    assert!(
        !text.contains("[[divan]]\n") && !text.contains("[[gungraun]]\n"),
        "{text}"
    );
    crate::budget::parse::parse(&text, Path::new("budgets.toml")).unwrap();
}

/// A package with bench targets of every kind: criterion, divan and gungraun (`harness =
/// false`, told apart by their source, as `check` does) and a libtest bench cargo finds alone.
fn mixed_package(criterion: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let benches = dir.path().join("benches");
    std::fs::create_dir_all(&benches).unwrap();
    let mut manifest = String::from(
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n\n[dev-dependencies]\ndivan = \"0.1\"\ngungraun = \"0.17\"\n",
    );
    if criterion {
        manifest.push_str("criterion = \"0.5\"\n\n[[bench]]\nname = \"speed\"\nharness = false\n");
        std::fs::write(
            benches.join("speed.rs"),
            "use criterion::*;\nfn b(c: &mut Criterion) {}\ncriterion_group!(g, b);\ncriterion_main!(g);\n",
        )
        .unwrap();
    }
    manifest.push_str(
        "\n[[bench]]\nname = \"wall\"\nharness = false\n\n[[bench]]\nname = \"counts\"\npath = \"benches/iai/main.rs\"\nharness = false\n",
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::write(
        benches.join("wall.rs"),
        "fn main() { divan::main(); }\n#[divan::bench] fn f() {}\n",
    )
    .unwrap();
    std::fs::create_dir_all(benches.join("iai")).unwrap();
    std::fs::write(
        benches.join("iai/main.rs"),
        "use gungraun::{library_benchmark_group, main};\nmain!(library_benchmark_groups = g);\n",
    )
    .unwrap();
    std::fs::write(benches.join("old.rs"), "#![feature(test)]\n").unwrap();
    dir
}

#[test]
fn bench_targets_of_each_harness_get_their_own_table_and_budget() {
    let dir = mixed_package(true);
    let manifest = read_manifest(&dir.path().join("Cargo.toml")).unwrap();
    let targets: Vec<(String, bool, Option<&str>)> = bench_targets(dir.path(), &manifest)
        .into_iter()
        .map(|t| (t.name, t.libtest, t.harness))
        .collect();
    // `benches/iai/main.rs` is the declared `counts`, not a target cargo infers as `iai`.
    assert_eq!(
        targets,
        [
            ("speed".to_string(), false, None),
            ("wall".to_string(), false, Some("divan")),
            ("counts".to_string(), false, Some("gungraun")),
            ("old".to_string(), true, None),
        ]
    );
    let project = super::discover::Project::discover(dir.path(), true).unwrap();
    let criterion = project.criterion.as_ref().expect("criterion benches");
    assert_eq!(criterion.benches, ["speed"]);
    assert!(
        criterion.has_other_benches,
        "divan, gungraun and libtest benches exist too"
    );
    let found: Vec<(&str, Vec<String>)> = project
        .harnesses
        .iter()
        .map(|h| (h.harness, h.benches.clone()))
        .collect();
    assert_eq!(
        found,
        [
            ("divan", vec!["wall".to_string()]),
            ("gungraun", vec!["counts".to_string()])
        ]
    );
    let text = super::render::render(&project, "");
    for wanted in [
        "benches = [\"speed\"]",
        "[[divan]]\nbenches = [\"wall\"]",
        "[[gungraun]]\nbenches = [\"counts\"]",
        "[[budget]]\nmetric = \"divan/**\"",
        "[[budget]]\nmetric = \"gungraun/**/Ir\"",
    ] {
        assert!(text.contains(wanted), "{wanted:?} in {text}");
    }
    let file = crate::budget::parse::parse(&text, Path::new("budgets.toml")).unwrap();
    assert_eq!(file.divan.len(), 1);
    assert_eq!(file.gungraun.len(), 1);
}

#[test]
fn a_divan_and_gungraun_package_without_criterion_is_proposed_for_a_rerun() {
    let dir = mixed_package(false);
    let project = super::discover::Project::discover(dir.path(), true).unwrap();
    assert!(project.criterion.is_none());
    assert!(!project.is_empty() && project.reruns());
    let text = super::render::render(&project, "");
    assert!(text.contains("(default with benches to run)"), "{text}");
    assert!(!text.contains("No criterion benches"), "{text}");
    let file = crate::budget::parse::parse(&text, Path::new("budgets.toml")).unwrap();
    assert_eq!(file.settings.baseline, crate::budget::BaselineMode::Rerun);
    assert_eq!(file.divan.len(), 1);
}

#[test]
fn iai_callgrind_benches_get_the_import_advice_not_a_table_check_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("benches")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n\n[dev-dependencies]\niai-callgrind = \"0.14\"\n\n[[bench]]\nname = \"counts\"\nharness = false\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("benches/counts.rs"),
        "use iai_callgrind::{library_benchmark_group, main};\nmain!(library_benchmark_groups = g);\n",
    )
    .unwrap();
    let project = super::discover::Project::discover(dir.path(), true).unwrap();
    let found: Vec<(&str, Vec<String>)> = project
        .harnesses
        .iter()
        .map(|h| (h.harness, h.benches.clone()))
        .collect();
    assert_eq!(found, [("iai-callgrind", vec!["counts".to_string()])]);
    assert!(project.is_empty() && !project.reruns());
    let text = super::render::render(&project, "");
    assert!(!text.contains("[[gungraun]]\nbenches"), "{text}");
    assert!(
        text.contains("iai-callgrind benches (counts)") && text.contains("import gungraun"),
        "{text}"
    );
    let file = crate::budget::parse::parse(&text, Path::new("budgets.toml")).unwrap();
    assert!(file.gungraun.is_empty());
}
