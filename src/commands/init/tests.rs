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
fn divan_and_gungraun_dev_dependencies_get_a_proposal_that_still_parses() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n\n[dev-dependencies]\ndivan = \"0.1\"\niai = { package = \"iai-callgrind\", version = \"0.14\" }\n",
    )
    .unwrap();
    let project = super::discover::Project::discover(dir.path(), true).unwrap();
    assert_eq!(project.harnesses, ["divan", "gungraun"]);
    let text = super::render::render(&project, "");
    assert!(
        text.contains("import divan") && text.contains("gungraun/**/Ir"),
        "{text}"
    );
    crate::budget::parse::parse(&text, Path::new("budgets.toml")).unwrap();
}
