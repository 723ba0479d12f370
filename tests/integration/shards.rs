//! Matrix shards to one verdict: `check --shard K/N` measures a deterministic share of the
//! benchmarks and saves both sides; `check --results … --base …` over every shard's files
//! evaluates them as one run — one family over all shards, compared as interleaved pairs.

use std::path::Path;

use cargo_perf_budget::model::ResultsFile;
use cargo_perf_budget::runner::shard::Shard;
use serde_json::Value;

use crate::check_rerun::{read_report, CheckRepo};
use crate::support::serial;

fn ids(path: &Path) -> Vec<String> {
    let mut ids: Vec<String> = ResultsFile::load(path)
        .unwrap()
        .metrics
        .into_iter()
        .map(|m| m.id)
        .collect();
    ids.sort();
    ids
}

/// What must not differ between a merged and an unsharded evaluation of the same data.
fn verdict_and_rows(report: &Value) -> (Value, Value, Vec<(Value, Value, Value)>) {
    let mut rows: Vec<(Value, Value, Value)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].clone(), r["status"].clone(), r["q"].clone()))
        .collect();
    rows.sort_by_key(|r| r.0.to_string());
    (
        report["verdict"].clone(),
        report["method"]["family"].clone(),
        rows,
    )
}

#[test]
fn three_shards_measure_disjoint_shares_and_merge_into_the_unsharded_verdict_and_family() {
    let _serial = serial();
    let repo = CheckRepo::new("lib-base.rs");
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    let mut heads = Vec::new();
    let mut bases = Vec::new();
    let mut measured = Vec::new();
    for k in 1..=3 {
        let (head, base) = (
            path(&format!("head-{k}.json")),
            path(&format!("base-{k}.json")),
        );
        let (code, output) = repo.check(&[
            "--base-rev",
            "HEAD~1",
            "--shard",
            &format!("{k}/3"),
            "--save-head",
            &head,
            "--save-base",
            &base,
            "--format",
            "json",
            "--output",
            &path(&format!("R{k}.json")),
        ]);
        assert_ne!(code, 2, "shard {k}/3: {output}");
        let shard = Shard { index: k, count: 3 };
        for id in ids(Path::new(&head)) {
            let bench = id.trim_start_matches("criterion/");
            assert!(shard.contains(bench), "{id} measured by shard {k}/3");
            measured.push(id);
        }
        heads.push(head);
        bases.push(base);
    }
    measured.sort();
    assert_eq!(
        measured,
        ["criterion/checksum", "criterion/sorted", "criterion/sum"],
        "every benchmark in exactly one shard"
    );

    // The merge: every shard's files, one evaluation.
    let merged = path("merged.json");
    let mut args = vec!["--results"];
    args.extend(heads.iter().map(String::as_str));
    args.push("--base");
    args.extend(bases.iter().map(String::as_str));
    args.extend(["--format", "json", "--output", &merged]);
    let (code, output) = repo.check(&args);
    assert!(code == 0 || code == 1, "{output}");
    let merged_report = read_report(Path::new(&merged));
    assert_eq!(
        merged_report["method"]["baseline"], "rerun",
        "{merged_report:#}"
    );
    assert!(
        merged_report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap_or("").contains("interleaved pairs")),
        "{merged_report:#}"
    );

    // The same data in one file a side: the same verdict, family and rows.
    let join = |files: &[String], out: &str| {
        let mut all = ResultsFile::new();
        for f in files {
            all.merge(ResultsFile::load(Path::new(f)).unwrap()).unwrap();
        }
        all.save(Path::new(out)).unwrap();
    };
    let (head_all, base_all) = (path("head-all.json"), path("base-all.json"));
    join(&heads, &head_all);
    join(&bases, &base_all);
    let single = path("single.json");
    let (code_single, output) = repo.check(&[
        "--results",
        &head_all,
        "--base",
        &base_all,
        "--format",
        "json",
        "--output",
        &single,
    ]);
    assert_eq!(code_single, code, "{output}");
    let single_report = read_report(Path::new(&single));
    assert_eq!(
        verdict_and_rows(&merged_report),
        verdict_and_rows(&single_report)
    );
    assert_eq!(
        merged_report["method"]["family"], 3,
        "one family over all shards: {merged_report:#}"
    );
}

#[test]
fn a_shard_outside_a_rerun_is_refused() {
    let repo = CheckRepo::new("lib-base.rs");
    let (code, output) = repo.check(&["--shard", "1/2", "--baseline", "store"]);
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("--shard 1/2"), "{output}");
    let (code, output) = repo.check(&["--shard", "3/2"]);
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("K/N"), "{output}");
}
