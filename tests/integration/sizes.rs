//! `[[size]]` through the real binary in a real git repository: the build command runs for head
//! and, in rerun mode, in the base checkout; the sizes are exact, so a growth beyond the budget
//! fails and A/A passes.

use crate::support::{cli, git};

const BUDGETS: &str = r#"[settings]
baseline = "rerun"
main-branch = "main"

[[size]]
name = "bundle"
files = ["out/bundle.js"]
build = "mkdir -p out && head -c $(cat weight) /dev/zero > out/bundle.js"

[[budget]]
metric = "size/**"
max-regression = "5%"
"#;

#[test]
fn a_bundle_that_grew_beyond_its_budget_fails_and_a_a_passes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    std::fs::write(root.join("budgets.toml"), BUDGETS).unwrap();
    std::fs::write(root.join(".gitignore"), "out/\n").unwrap();
    std::fs::write(root.join("weight"), "1000").unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    git(root, &["checkout", "-q", "-b", "pr"]);
    std::fs::write(root.join("weight"), "1100").unwrap();
    git(root, &["commit", "-q", "-am", "a tenth heavier"]);

    let report = root.join("R.json");
    let out = cli()
        .current_dir(root)
        .args(["check", "--format", "json", "-o"])
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
    let row = &json["results"][0];
    assert_eq!(row["id"], "size/bundle/bytes");
    assert_eq!(row["base"]["value"], 1000.0);
    assert_eq!(row["head"]["value"], 1100.0);
    assert_eq!(row["method"], "exact");
    assert_eq!(row["status"], "fail");

    let out = cli()
        .current_dir(root)
        .args(["check", "--aa", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
