//! gungraun (instruction counts under Callgrind) and divan (wall time, text table): the real
//! outputs recorded from `tests/harness-crate` (tests/fixtures/gungraun/record.sh) through
//! `import` and `compare`, damaged copies of them, and arbitrary input.
//!
//! The recordings: `base`; `aa-1`, the same binary run again; `aa-2`, a second build of the same
//! code from another directory; `head`, built with the `slow` feature, where `mix` does a fifth
//! more work and nothing else changes.

use std::path::{Path, PathBuf};

use cargo_perf_budget::import::{divan, gungraun};
use cargo_perf_budget::model::{Direction, ResultsFile, Unit};
use proptest::prelude::*;

fn fixtures(tool: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(tool)
}

fn gungraun_run(name: &str) -> PathBuf {
    fixtures("gungraun").join(name)
}

fn divan_run(name: &str) -> PathBuf {
    fixtures("divan").join(format!("{name}.txt"))
}

/// The id prefix of the benchmark `slow` slows.
const GUNGRAUN_MIX: &str = "gungraun/instructions/kernels_group/mix/words_4k/";
const DIVAN_MIX: &str = "divan/walltime/mix";

const BUDGET: &str = r#"
[[budget]]
metric = "HARNESS/**"
max-regression = "5%"
"#;

/// `import <harness> INPUT --output DIR/OUT`, which must succeed.
fn import_cli(harness: &str, input: &Path, dir: &Path, out: &str) -> PathBuf {
    let path = dir.join(out);
    crate::support::cli()
        .args(["import", harness])
        .arg(input)
        .arg("--output")
        .arg(&path)
        .assert()
        .code(0);
    path
}

/// `compare` with `max-regression = "5%"` on `<harness>/**`: the exit code and the failing ids.
fn compare_cli(harness: &str, dir: &Path, base: &Path, head: &Path) -> (i32, Vec<String>) {
    let budget = dir.join("budgets.toml");
    std::fs::write(&budget, BUDGET.replace("HARNESS", harness)).unwrap();
    let report = dir.join("report.json");
    let out = crate::support::cli()
        .arg("compare")
        .arg(base)
        .arg(head)
        .arg("--budget")
        .arg(&budget)
        .args(["--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    let raw: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap_or_default()).unwrap_or_default();
    let mut failed: Vec<String> = raw["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .filter(|r| r["status"] == "fail")
                .map(|r| r["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    failed.sort();
    (out.status.code().unwrap_or(-1), failed)
}

/// Every `summary.json` under a recording, with the JSON of each.
fn summaries(run: &Path) -> Vec<(PathBuf, serde_json::Value)> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(run) {
        let entry = entry.unwrap();
        if entry.file_name() == "summary.json" {
            let json = serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
            found.push((entry.into_path(), json));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// The Callgrind `Ir` of a gungraun 0.20 summary, `new` or `old`.
fn callgrind_ir(summary: &serde_json::Value, side: &str) -> Option<f64> {
    summary["profiles"]
        .as_array()?
        .iter()
        .find(|p| p["tool"] == "Callgrind")?["data"]["total"]["metrics"]["Ir"]["values"][side]
        .as_f64()
}

// ---------------------------------------------------------------------------------------------
// gungraun

#[test]
fn gungraun_base_and_head_fail_exactly_the_slowed_benchmark_on_its_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let base = import_cli("gungraun", &gungraun_run("base"), dir.path(), "base.json");
    let head = import_cli("gungraun", &gungraun_run("head"), dir.path(), "head.json");
    let (code, failed) = compare_cli("gungraun", dir.path(), &base, &head);
    assert_eq!(code, 1, "{failed:?}");
    assert!(
        failed.contains(&format!("{GUNGRAUN_MIX}Ir")),
        "mix's instructions must fail: {failed:?}"
    );
    let others: Vec<&String> = failed
        .iter()
        .filter(|id| !id.starts_with(GUNGRAUN_MIX))
        .collect();
    assert!(others.is_empty(), "only mix may fail: {others:?}");
    // The slowdown is the planted fifth more rounds: about +20 % instructions.
    let b = ResultsFile::load(&base).unwrap();
    let h = ResultsFile::load(&head).unwrap();
    let id = format!("{GUNGRAUN_MIX}Ir");
    let ratio = h.metric(&id).unwrap().value / b.metric(&id).unwrap().value;
    assert!((1.15..1.25).contains(&ratio), "{ratio}");
}

#[test]
fn gungraun_instruction_counts_are_the_current_runs_counts_in_the_files() {
    for run in ["base", "head", "aa-1", "aa-2"] {
        let imported = gungraun::import(&gungraun_run(run)).unwrap();
        let files = summaries(&gungraun_run(run));
        assert_eq!(files.len(), 5, "{run}");
        for (path, json) in files {
            let module = json["module_path"].as_str().unwrap().replace("::", "/");
            let id = match json["id"].as_str() {
                Some(bench_id) => format!("gungraun/{module}/{bench_id}/Ir"),
                None => format!("gungraun/{module}/Ir"),
            };
            let metric = imported
                .metric(&id)
                .unwrap_or_else(|| panic!("{run}: {id} from {}", path.display()));
            let new = callgrind_ir(&json, "new").unwrap();
            assert_eq!(metric.value, new, "{run}: {id}");
            assert_eq!(
                (metric.unit, metric.direction),
                (Unit::Count, Direction::Lower)
            );
            assert!(metric.samples.is_empty(), "one exact count, no samples");
        }
    }
    // head was recorded over aa-1's output: its files keep aa-1's counts as `old`, which must
    // not be what is imported.
    let head = summaries(&gungraun_run("head"));
    let mix = head
        .iter()
        .find(|(_, j)| j["function_name"] == "mix")
        .unwrap();
    let (new, old) = (
        callgrind_ir(&mix.1, "new").unwrap(),
        callgrind_ir(&mix.1, "old").unwrap(),
    );
    assert!(new > old * 1.15, "new {new}, old {old}");
    let imported = gungraun::import(&gungraun_run("head")).unwrap();
    assert_eq!(
        imported.metric(&format!("{GUNGRAUN_MIX}Ir")).unwrap().value,
        new
    );
}

#[test]
fn gungraun_every_event_and_tool_becomes_a_metric() {
    let imported = gungraun::import(&gungraun_run("base")).unwrap();
    let ids: Vec<&str> = imported.metrics.iter().map(|m| m.id.as_str()).collect();
    for want in [
        "gungraun/instructions/kernels_group/mix/words_4k/Ir",
        "gungraun/instructions/kernels_group/mix/words_4k/EstimatedCycles",
        "gungraun/instructions/kernels_group/mix/words_4k/L1hits",
        "gungraun/instructions/kernels_group/mix/words_4k/D1mr",
        "gungraun/instructions/kernels_group/checksum/small/Ir",
        "gungraun/instructions/kernels_group/checksum/large/Ir",
        "gungraun/instructions/sort_group/sort_words/Ir",
        "gungraun/instructions/sort_group/sort_words/dhat/TotalBytes",
    ] {
        assert!(ids.contains(&want), "{want} in {ids:?}");
    }
    let rate = imported
        .metric("gungraun/instructions/kernels_group/mix/words_4k/L1HitRate")
        .unwrap();
    assert_eq!(
        (rate.unit, rate.direction),
        (Unit::Fraction, Direction::Higher)
    );
    assert!(rate.value > 0.9 && rate.value <= 1.0, "{}", rate.value);
    let bytes = imported
        .metric("gungraun/instructions/sort_group/sort_words/dhat/TotalBytes")
        .unwrap();
    assert_eq!(bytes.unit, Unit::Bytes);
    assert!(
        imported
            .warnings
            .iter()
            .any(|w| w.contains("cache-simulation")),
        "{:?}",
        imported.warnings
    );
}

/// Events of the cache simulation, which a rebuild of unchanged code can move.
const CACHE_SIM: &[&str] = &[
    "I1mr",
    "D1mr",
    "D1mw",
    "ILmr",
    "DLmr",
    "DLmw",
    "L1hits",
    "LLhits",
    "RamHits",
    "I1MissRate",
    "LLiMissRate",
    "D1MissRate",
    "LLdMissRate",
    "LLMissRate",
    "L1HitRate",
    "LLHitRate",
    "RamHitRate",
    "EstimatedCycles",
];

#[test]
fn gungraun_two_runs_pass_and_two_builds_pass_on_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let base = import_cli("gungraun", &gungraun_run("base"), dir.path(), "base.json");
    // Two runs of one binary: every event, cache simulation included, is the same.
    let again = import_cli("gungraun", &gungraun_run("aa-1"), dir.path(), "aa-1.json");
    assert_eq!(
        compare_cli("gungraun", dir.path(), &base, &again),
        (0, Vec::new())
    );
    // Two builds of the same code: instructions do not move; cache-simulation events may (the
    // layout moved), and nothing else may fail.
    let rebuilt = import_cli("gungraun", &gungraun_run("aa-2"), dir.path(), "aa-2.json");
    let budget = dir.path().join("ir.toml");
    std::fs::write(
        &budget,
        "[[budget]]\nmetric = \"gungraun/**/Ir\"\nmax-regression = \"5%\"\n",
    )
    .unwrap();
    crate::support::cli()
        .arg("compare")
        .arg(&base)
        .arg(&rebuilt)
        .arg("--budget")
        .arg(&budget)
        .assert()
        .code(0);
    let (_, failed) = compare_cli("gungraun", dir.path(), &base, &rebuilt);
    for id in &failed {
        let event = id.rsplit('/').next().unwrap();
        assert!(CACHE_SIM.contains(&event), "{id} failed between two builds");
    }
    let b = ResultsFile::load(&base).unwrap();
    let r = ResultsFile::load(&rebuilt).unwrap();
    for m in b.metrics.iter().filter(|m| m.id.ends_with("/Ir")) {
        assert_eq!(Some(m.value), r.metric(&m.id).map(|x| x.value), "{}", m.id);
    }
}

#[test]
fn iai_callgrind_0_14_summary_imports() {
    let dir = fixtures("gungraun").join("iai-callgrind-0.14");
    let imported = gungraun::import(&dir).unwrap();
    let files = summaries(&dir);
    assert!(!files.is_empty());
    for (_, json) in files {
        assert_eq!(json["version"], "3");
        let module = json["module_path"].as_str().unwrap().replace("::", "/");
        let id = match json["id"].as_str() {
            Some(bench_id) => format!("gungraun/{module}/{bench_id}/Ir"),
            None => format!("gungraun/{module}/Ir"),
        };
        let ir = &json["callgrind_summary"]["callgrind_run"]["total"]["summary"]["Ir"]["metrics"];
        let new = ir["Left"]
            .as_f64()
            .or_else(|| ir["Both"][0].as_f64())
            .unwrap();
        assert_eq!(imported.metric(&id).map(|m| m.value), Some(new), "{id}");
    }
}

#[test]
fn truncated_gungraun_summaries_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = summaries(&gungraun_run("base")).remove(0);
    let text = std::fs::read(&path).unwrap();
    for cut in [0, 1, text.len() / 3, text.len() / 2, text.len() - 2] {
        let file = dir.path().join("summary.json");
        std::fs::write(&file, &text[..cut]).unwrap();
        let out = crate::support::cli()
            .args(["import", "gungraun"])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "cut at {cut}: {stderr}");
        assert!(stderr.contains("summary.json"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // The alias reads the same way.
    crate::support::cli()
        .args(["import", "iai-callgrind"])
        .arg(gungraun_run("base"))
        .assert()
        .code(0);
}

#[test]
fn an_empty_directory_says_how_to_save_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::support::cli()
        .args(["import", "gungraun"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--save-summary"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// divan

/// The failing metrics of `compare` of two divan imports, each with its change (positive is
/// worse).
fn failing_changes(dir: &Path, base: &Path, head: &Path) -> (i32, Vec<(String, f64)>) {
    let (code, failed) = compare_cli("divan", dir, base, head);
    let b = ResultsFile::load(base).unwrap();
    let h = ResultsFile::load(head).unwrap();
    let changes = failed
        .into_iter()
        .map(|id| {
            let (hm, bm) = (h.metric(&id).unwrap(), b.metric(&id).unwrap());
            // Oriented as the budget reads it: positive is worse.
            let worse = match hm.direction {
                Direction::Lower => hm.value / bm.value,
                Direction::Higher => bm.value / hm.value,
            };
            (id, worse - 1.0)
        })
        .collect();
    (code, changes)
}

// divan prints no samples, so without stored history a 5 % budget fails a change only beyond
// `no-noise-factor` × 5 % = 10 %. The fixtures were recorded on a shared 2-core machine under a
// load average of 12–17, where the medians of unchanged benchmarks moved by up to 10–30 %
// between recordings (docs/harnesses.md): there "exactly `mix` fails" and "A/A passes" do not
// hold, and these tests check what does: `mix` fails with its planted change, and every other
// failure is a change beyond the no-noise limit, never a small one.
#[test]
fn divan_base_and_head_fail_the_slowed_benchmark() {
    let dir = tempfile::tempdir().unwrap();
    let base = import_cli("divan", &divan_run("base"), dir.path(), "base.json");
    let head = import_cli("divan", &divan_run("head"), dir.path(), "head.json");
    let (code, changes) = failing_changes(dir.path(), &base, &head);
    assert_eq!(code, 1, "{changes:?}");
    let mix = changes.iter().find(|(id, _)| id == DIVAN_MIX);
    assert!(
        mix.is_some_and(|(_, c)| (0.15..0.25).contains(c)),
        "{changes:?}"
    );
    for (id, change) in &changes {
        assert!(
            *change > 0.10,
            "{id}: {change} fails below the no-noise limit"
        );
    }
}

#[test]
fn divan_unchanged_benchmarks_fail_only_beyond_the_no_noise_limit() {
    let dir = tempfile::tempdir().unwrap();
    let base = import_cli("divan", &divan_run("base"), dir.path(), "base.json");
    let same = import_cli("divan", &divan_run("base"), dir.path(), "same.json");
    assert_eq!(
        compare_cli("divan", dir.path(), &base, &same),
        (0, Vec::new())
    );
    for other in ["aa-1", "aa-2"] {
        let aa = import_cli("divan", &divan_run(other), dir.path(), "aa.json");
        let (_, changes) = failing_changes(dir.path(), &base, &aa);
        for (id, change) in &changes {
            assert!(
                *change > 0.10,
                "base vs {other}: {id}: {change} fails below the no-noise limit"
            );
        }
    }
}

#[test]
fn divan_real_output_has_every_shape() {
    let imported = divan::import(&divan_run("base"), None).unwrap();
    let ids: Vec<&str> = imported.metrics.iter().map(|m| m.id.as_str()).collect();
    for want in [
        "divan/walltime/mix",
        "divan/walltime/checksum/1024",
        "divan/walltime/checksum/1024/throughput",
        "divan/walltime/checksum/16384/throughput",
        "divan/walltime/parse_sum/throughput",
        "divan/walltime/vowels/throughput",
        "divan/walltime/long_sort",
        "divan/walltime/shared_counter/t=1",
        "divan/walltime/shared_counter/t=2",
        "divan/walltime/generic/sort/u16/100",
        "divan/walltime/generic/sort/u128/1000",
    ] {
        assert!(ids.contains(&want), "{want} in {ids:?}");
    }
    let text = std::fs::read_to_string(divan_run("base")).unwrap();
    // The median of `mix`, as divan printed it.
    let row = text.lines().find(|l| l.contains("─ mix ")).unwrap();
    let median = row.split('│').nth(2).unwrap().trim();
    let mix = imported.metric(DIVAN_MIX).unwrap();
    assert_eq!(Some(mix.value), divan::parse_time(median), "{row}");
    assert_eq!(mix.unit, Unit::Nanoseconds);
    for key in ["fastest", "slowest", "mean", "samples", "iters"] {
        assert!(mix.stats.contains_key(key), "{key}: {:?}", mix.stats);
    }
    let bytes = imported
        .metric("divan/walltime/checksum/1024/throughput")
        .unwrap();
    assert_eq!(
        (bytes.unit, bytes.direction),
        (Unit::BytesPerSecond, Direction::Higher)
    );
    let sort = imported.metric("divan/walltime/long_sort").unwrap();
    assert!(sort.stats.contains_key("alloc-bytes"), "{:?}", sort.stats);
    assert!(
        imported.warnings.iter().any(|w| w.contains("ignored_one")),
        "{:?}",
        imported.warnings
    );
    // --name replaces the target.
    let named = divan::import(&divan_run("base"), Some("kernels")).unwrap();
    assert!(named.metric("divan/kernels/mix").is_some());
}

#[test]
fn truncated_divan_output_is_an_error_naming_file_and_line() {
    let text = std::fs::read_to_string(divan_run("base")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.iter().position(|l| l.ends_with("iters")).unwrap();
    let full = divan::parse(&text, Path::new("base.txt"), None).unwrap();
    let mut errors = 0;
    for cut in header + 1..lines.len() {
        // Cut at a line boundary, and in the middle of the line.
        let whole = lines[..cut].join("\n");
        let half: String = lines[cut]
            .chars()
            .take(lines[cut].chars().count() / 2)
            .collect();
        for cut_text in [whole.clone(), format!("{whole}\n{half}")] {
            match divan::parse(&cut_text, Path::new("base.txt"), None) {
                Err(e) => {
                    let e = e.to_string();
                    assert!(e.contains("base.txt"), "{e}");
                    errors += 1;
                }
                // A cut that ends on a complete last benchmark cannot be told from the end of
                // the table; what it gives must then be exactly what the full output gives.
                Ok(p) => {
                    for m in &p.metrics {
                        let same = full.metrics.iter().find(|f| f.id == m.id);
                        assert_eq!(same.map(|f| f.value), Some(m.value), "cut {cut}: {}", m.id);
                    }
                }
            }
        }
    }
    assert!(
        errors > (lines.len() - header),
        "most cuts must be errors: {errors}"
    );
    // Through the binary: exit 2, the file and the line named, no panic.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cut.txt");
    std::fs::write(&file, lines[..header + 4].join("\n")).unwrap();
    let out = crate::support::cli()
        .args(["import", "divan"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cut.txt") && stderr.contains("line"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Arbitrary input never panics, and what is accepted is a valid results file.

fn valid(metrics: Vec<cargo_perf_budget::model::Metric>) {
    let mut file = ResultsFile::new();
    file.metrics = metrics;
    file.validate("accepted").unwrap();
    ResultsFile::from_json(&file.to_json(), "round trip").unwrap();
}

fn real_divan_line() -> impl Strategy<Value = String> {
    let text = std::fs::read_to_string(divan_run("base")).unwrap();
    let lines: Vec<String> = text.lines().map(String::from).collect();
    proptest::sample::select(lines)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn divan_lines_shuffled_and_mangled_never_panic(
        picked in proptest::collection::vec(real_divan_line(), 0..40),
        noise in "[ │├╰─0-9a-z.µ/]{0,30}",
        at in 0usize..40,
    ) {
        let mut lines = picked;
        let at = at.min(lines.len());
        lines.insert(at, noise);
        let text = lines.join("\n");
        if let Ok(p) = divan::parse(&text, Path::new("x.txt"), None) {
            valid(p.metrics);
        }
    }

    #[test]
    fn gungraun_summaries_with_bytes_changed_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let (path, _) = summaries(&gungraun_run("head")).remove(0);
        let mut bytes = std::fs::read(path).unwrap();
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(s) = gungraun::parse_summary(&bytes, Path::new("summary.json")) {
            valid(s.metrics);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        if let Ok(p) = divan::parse(&text, Path::new("x.txt"), None) {
            valid(p.metrics);
        }
        if let Ok(s) = gungraun::parse_summary(text.as_bytes(), Path::new("summary.json")) {
            valid(s.metrics);
        }
    }
}
