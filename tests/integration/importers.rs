//! The hyperfine, libtest, BMF and custom JSON importers through the binary: recorded real
//! hyperfine and libtest outputs and BMF / custom files written from their public specifications,
//! base and head with exactly one benchmark ~20 % slower, imported and compared against
//! `max-regression = "5%"`; truncated and foreign files; property tests that the parsers never
//! panic and keep what they are given.

use std::path::{Path, PathBuf};

use cargo_perf_budget::import::{bmf, custom, hyperfine, libtest};
use cargo_perf_budget::model::{Direction, ResultsFile, SampleKind, Unit};
use proptest::prelude::*;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// `cargo perf-budget import <kind> FILES… [extra] --output OUT`.
fn import_cli(dir: &Path, kind: &str, out: &str, files: &[PathBuf], extra: &[&str]) -> PathBuf {
    let path = dir.join(out);
    crate::support::cli()
        .args(["import", kind])
        .args(files)
        .args(extra)
        .arg("--output")
        .arg(&path)
        .assert()
        .code(0);
    path
}

/// `compare BASE HEAD` with `max-regression = "5%"` on `<harness>/**`: the exit code and the
/// ids that failed, sorted.
fn compare_cli(dir: &Path, harness: &str, base: &Path, head: &Path) -> (i32, Vec<String>) {
    let budgets = dir.join("budgets.toml");
    std::fs::write(
        &budgets,
        format!("[[budget]]\nmetric = \"{harness}/**\"\nmax-regression = \"5%\"\n"),
    )
    .unwrap();
    let report = dir.join("report.json");
    let out = crate::support::cli()
        .arg("compare")
        .arg(base)
        .arg(head)
        .arg("--budget")
        .arg(&budgets)
        .args(["--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let mut failed: Vec<String> = raw["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    failed.sort();
    (out.status.code().unwrap_or(-1), failed)
}

/// Imports the base and head fixtures of `kind` and compares them.
fn base_vs_head(
    kind: &str,
    harness: &str,
    base: &str,
    head: &str,
    extra: &[&str],
) -> (i32, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let b = import_cli(dir.path(), kind, "base.json", &[fixture(base)], extra);
    let h = import_cli(dir.path(), kind, "head.json", &[fixture(head)], extra);
    compare_cli(dir.path(), harness, &b, &h)
}

/// Runs `import <kind> FILE` on `bytes` and returns the exit code and stderr.
fn import_bytes_cli(kind: &str, name: &str, bytes: &[u8]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = crate::support::cli()
        .args(["import", kind])
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every cut of `bytes` at `step`-byte intervals: exit 2 naming the file, never a panic.
fn truncations_exit_2(kind: &str, name: &str, bytes: &[u8], step: usize) {
    let mut cuts: Vec<usize> = (1..bytes.len()).step_by(step).collect();
    cuts.push(bytes.len() * 2 / 3);
    for cut in cuts {
        let (code, stderr) = import_bytes_cli(kind, name, &bytes[..cut]);
        assert_eq!(code, 2, "{kind} cut at {cut}: {stderr}");
        assert!(stderr.contains(name), "{kind} cut at {cut}: {stderr}");
        assert!(
            !stderr.contains("panicked"),
            "{kind} cut at {cut}: {stderr}"
        );
    }
}

// hyperfine

const COMMANDS: [&str; 3] = ["sum", "concat", "split"];

/// The recorded hyperfine exports of one side, one file per command.
fn hyperfine_side(side: &str) -> Vec<PathBuf> {
    COMMANDS
        .iter()
        .map(|c| fixture(&format!("hyperfine/{side}/{c}.json")))
        .collect()
}

#[test]
fn hyperfine_recorded_runs_are_the_samples() {
    let files = hyperfine_side("base");
    let r = hyperfine::import(&files, hyperfine::Options { cpu_times: true }).unwrap();
    assert_eq!(
        r.metrics.len(),
        9,
        "three commands, each with user and system"
    );
    for file in &files {
        let raw: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let entry = &raw["results"][0];
        let id = format!("hyperfine/{}", entry["command"].as_str().unwrap());
        let m = r.metric(&id).unwrap();
        let times: Vec<f64> = entry["times"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_f64().unwrap())
            .collect();
        // One sample per run, the very numbers hyperfine wrote.
        assert_eq!(m.samples, times, "{id}");
        assert_eq!(
            m.samples.len(),
            entry["exit_codes"].as_array().unwrap().len()
        );
        assert_eq!(m.samples.len(), 30, "{id}: recorded with --runs 30");
        assert_eq!((m.unit, m.direction), (Unit::Seconds, Direction::Lower));
        assert_eq!(m.sample_kind, Some(SampleKind::Iterations));
        let median = entry["median"].as_f64().unwrap();
        assert!(
            (m.value - median).abs() <= 1e-12 * median,
            "{id}: {} vs {median}",
            m.value
        );
        assert_eq!(
            r.metric(&format!("{id}/user")).unwrap().value,
            entry["user"].as_f64().unwrap()
        );
        assert_eq!(
            r.metric(&format!("{id}/system")).unwrap().value,
            entry["system"].as_f64().unwrap()
        );
    }
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // Without --cpu-times, the wall-clock times alone.
    let r = hyperfine::import(&files, Default::default()).unwrap();
    let ids: Vec<&str> = r.metrics.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        ["hyperfine/sum", "hyperfine/concat", "hyperfine/split"]
    );
}

#[test]
fn hyperfine_parameter_scans_get_one_path_part_per_parameter() {
    let r = hyperfine::import(&[fixture("hyperfine/scan.json")], Default::default()).unwrap();
    let times: Vec<&str> = r
        .metrics
        .iter()
        .filter(|m| m.unit == Unit::Seconds && m.sample_kind.is_some())
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(times.len(), 3, "{times:?}");
    for (i, id) in times.iter().enumerate() {
        assert!(id.ends_with(&format!("/n={}", i + 1)), "{id}");
        assert_eq!(r.metric(id).unwrap().samples.len(), 10, "{id}");
    }
}

#[test]
fn hyperfine_1_20_peak_memory_is_a_metric_per_run() {
    let r =
        hyperfine::import(&[fixture("hyperfine/memory-1.20.json")], Default::default()).unwrap();
    let raw: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("hyperfine/memory-1.20.json")).unwrap(),
    )
    .unwrap();
    let entry = &raw["results"][0];
    // A named parameter scan: `-P n 1 2 -n 'fill {n}'`.
    let id = format!(
        "hyperfine/{}/n={}/memory",
        entry["command"].as_str().unwrap(),
        entry["parameters"]["n"].as_str().unwrap()
    );
    assert_eq!(id, "hyperfine/fill 1/n=1/memory");
    let m = r.metric(&id).unwrap();
    let bytes: Vec<f64> = entry["memory_usage_byte"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as f64)
        .collect();
    assert_eq!(m.samples, bytes);
    assert_eq!((m.unit, m.direction), (Unit::Bytes, Direction::Lower));
}

#[test]
fn hyperfine_one_slower_command_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let b = import_cli(
        dir.path(),
        "hyperfine",
        "base.json",
        &hyperfine_side("base"),
        &[],
    );
    let h = import_cli(
        dir.path(),
        "hyperfine",
        "head.json",
        &hyperfine_side("head"),
        &[],
    );
    let (code, failed) = compare_cli(dir.path(), "hyperfine", &b, &h);
    assert_eq!((code, failed), (1, vec!["hyperfine/sum".to_string()]));
}

#[test]
fn hyperfine_truncated_exports_exit_2() {
    let bytes = std::fs::read(fixture("hyperfine/base/sum.json")).unwrap();
    truncations_exit_2("hyperfine", "cut.json", &bytes, 97);
}

// libtest

#[test]
fn libtest_recorded_output_gives_one_value_per_bench() {
    let r = libtest::import(&[fixture("libtest/base.txt")]).unwrap();
    let text = std::fs::read_to_string(fixture("libtest/base.txt")).unwrap();
    let benches: Vec<&str> = text.lines().filter(|l| l.contains("bench:")).collect();
    assert_eq!(benches.len(), 3);
    for id in ["libtest/checksum/fnv", "libtest/sort_10k", "libtest/words"] {
        let m = r.metric(id).unwrap();
        assert_eq!(
            (m.unit, m.direction),
            (Unit::Nanoseconds, Direction::Lower),
            "{id}"
        );
        assert!(m.samples.is_empty(), "{id}: libtest prints no samples");
    }
    // The median as printed (`297,652.57 ns/iter`); its MB/s is not a second metric.
    assert_eq!(r.metric("libtest/checksum/fnv").unwrap().value, 297_652.57);
    assert_eq!(r.metrics.len(), 3);
    // The output with cargo's own lines reads the same way.
    let with_cargo = libtest::import(&[fixture("libtest/head-with-cargo-lines.txt")]).unwrap();
    let head = libtest::import(&[fixture("libtest/head.txt")]).unwrap();
    assert_eq!(with_cargo.metrics, head.metrics);
}

#[test]
fn libtest_several_files_are_runs() {
    let r = libtest::import(&[
        fixture("libtest/base.txt"),
        fixture("libtest/head.txt"),
        fixture("libtest/base.txt"),
    ])
    .unwrap();
    let m = r.metric("libtest/words").unwrap();
    assert_eq!(m.samples.len(), 3);
    assert_eq!(m.sample_kind, Some(SampleKind::Runs));
    assert_eq!(m.value, m.samples[0], "the median of a, b, a is a");
}

#[test]
fn libtest_one_slower_bench_fails_alone() {
    let (code, failed) = base_vs_head(
        "libtest",
        "libtest",
        "libtest/base.txt",
        "libtest/head.txt",
        &[],
    );
    assert_eq!(
        (code, failed),
        (1, vec!["libtest/checksum/fnv".to_string()])
    );
}

#[test]
fn libtest_truncated_outputs_exit_2() {
    let bytes = std::fs::read(fixture("libtest/base.txt")).unwrap();
    // Cut anywhere from inside the first bench line to just before `test result:`.
    let first = String::from_utf8_lossy(&bytes).find("bench:").unwrap();
    let last = String::from_utf8_lossy(&bytes)
        .find("test result:")
        .unwrap();
    for cut in (first..last).step_by(7) {
        let (code, stderr) = import_bytes_cli("libtest", "cut.txt", &bytes[..cut]);
        assert_eq!(code, 2, "cut at {cut}: {stderr}");
        assert!(
            stderr.contains("cut.txt") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

#[test]
fn libtest_json_recorded_output_gives_the_medians_it_holds() {
    let r = libtest::import(&[fixture("libtest/base.jsonl")]).unwrap();
    let text = std::fs::read_to_string(fixture("libtest/base.jsonl")).unwrap();
    let mut medians = Vec::new();
    for line in text.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        if event["type"] == "bench" {
            let name = event["name"].as_str().unwrap().replace("::", "/");
            medians.push((format!("libtest/{name}"), event["median"].as_f64().unwrap()));
        }
    }
    assert_eq!(medians.len(), 3);
    let got: Vec<(String, f64)> = r.metrics.iter().map(|m| (m.id.clone(), m.value)).collect();
    assert_eq!(got, medians, "every bench event's median, exactly");
    assert!(r
        .metrics
        .iter()
        .all(|m| m.unit == Unit::Nanoseconds && m.samples.is_empty()));
    // Text and JSON outputs are runs of the same benches.
    let mixed =
        libtest::import(&[fixture("libtest/base.txt"), fixture("libtest/base.jsonl")]).unwrap();
    assert_eq!(mixed.metric("libtest/words").unwrap().samples.len(), 2);
}

#[test]
fn libtest_json_one_slower_bench_fails_alone() {
    let (code, failed) = base_vs_head(
        "libtest",
        "libtest",
        "libtest/base.jsonl",
        "libtest/head.jsonl",
        &[],
    );
    assert_eq!(
        (code, failed),
        (1, vec!["libtest/checksum/fnv".to_string()])
    );
}

#[test]
fn libtest_json_truncated_outputs_exit_2() {
    let bytes = std::fs::read(fixture("libtest/base.jsonl")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    // Cut anywhere from inside the first bench event to inside the suite's end event.
    let first = text.find("\"bench\"").unwrap();
    let last = bytes.len() - 2;
    for cut in (first..last).step_by(5) {
        let (code, stderr) = import_bytes_cli("libtest", "cut.jsonl", &bytes[..cut]);
        assert_eq!(code, 2, "cut at {cut}: {stderr}");
        assert!(
            stderr.contains("cut.jsonl") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

// BMF

#[test]
fn bmf_one_slower_benchmark_fails_alone() {
    let (code, failed) = base_vs_head("bmf", "bmf", "bmf/base.json", "bmf/head.json", &[]);
    // Its latency and its throughput both moved by 20 %; nothing else failed.
    assert_eq!(
        (code, failed),
        (
            1,
            vec![
                "bmf/parse::json/latency".to_string(),
                "bmf/parse::json/throughput".to_string()
            ]
        )
    );
}

#[test]
fn bmf_values_units_and_an_unknown_measure() {
    let r = bmf::import(&[fixture("bmf/base.json")]).unwrap();
    let m = r.metric("bmf/parse::csv/latency").unwrap();
    assert_eq!((m.value, m.unit), (14812.0, Unit::Nanoseconds));
    assert_eq!(
        r.metric("bmf/my_binary/file-size").unwrap().unit,
        Unit::Bytes
    );
    assert_eq!(r.metric("bmf/render/frames").unwrap().unit, Unit::Opaque);
    assert!(r.warnings.iter().any(|w| w.contains("\"frames\"")));
}

#[test]
fn bmf_truncated_files_exit_2() {
    let bytes = std::fs::read(fixture("bmf/base.json")).unwrap();
    truncations_exit_2("bmf", "cut.json", &bytes, 37);
}

// custom

#[test]
fn custom_one_slower_benchmark_fails_alone() {
    let (code, failed) = base_vs_head(
        "custom",
        "custom",
        "custom/base.json",
        "custom/head.json",
        &[],
    );
    assert_eq!(
        (code, failed),
        (1, vec!["custom/Decapsulation".to_string()])
    );
}

#[test]
fn custom_bigger_is_better_fails_on_a_drop() {
    let (code, failed) = base_vs_head(
        "custom",
        "custom",
        "custom/bigger-base.json",
        "custom/bigger-head.json",
        &["--bigger-is-better"],
    );
    assert_eq!(
        (code, failed),
        (
            1,
            vec!["custom/My Custom Bigger Is Better Benchmark - Throughput".to_string()]
        )
    );
    // The same drop read as smaller-is-better is an improvement: nothing fails.
    let (code, failed) = base_vs_head(
        "custom",
        "custom",
        "custom/bigger-base.json",
        "custom/bigger-head.json",
        &[],
    );
    assert_eq!((code, failed), (0, Vec::<String>::new()));
}

#[test]
fn custom_truncated_files_exit_2() {
    let bytes = std::fs::read(fixture("custom/base.json")).unwrap();
    truncations_exit_2("custom", "cut.json", &bytes, 41);
}

#[test]
fn an_absolute_limit_with_a_unit_on_an_opaque_metric_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let base = import_cli(
        dir.path(),
        "custom",
        "base.json",
        &[fixture("custom/base.json")],
        &[],
    );
    let budgets = dir.path().join("budgets.toml");
    std::fs::write(
        &budgets,
        "[[budget]]\nmetric = \"custom/My Custom Smaller Is Better Benchmark - CPU Load\"\nmax = \"80%\"\n",
    )
    .unwrap();
    let out = crate::support::cli()
        .arg("compare")
        .arg(&base)
        .arg(&base)
        .arg("--budget")
        .arg(&budgets)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("CPU Load") && stderr.contains("does not know"),
        "{stderr}"
    );
    // A bare number is a limit in the tool's own unit.
    std::fs::write(
        &budgets,
        "[[budget]]\nmetric = \"custom/My Custom Smaller Is Better Benchmark - CPU Load\"\nmax = 40\n",
    )
    .unwrap();
    let out = crate::support::cli()
        .arg("compare")
        .arg(&base)
        .arg(&base)
        .arg("--budget")
        .arg(&budgets)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "50 is above 40");
}

#[cfg(unix)]
#[test]
fn fifos_and_directories_are_refused_instead_of_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for kind in ["hyperfine", "libtest", "bmf", "custom"] {
        for (path, what) in [(&fifo, "FIFO"), (&dir.path().to_path_buf(), "directory")] {
            let out = crate::support::cli()
                .args(["import", kind])
                .arg(path)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{kind}: {stderr}");
            assert!(stderr.contains(what), "{kind}: {stderr}");
        }
    }
}

// Recognised by content

#[test]
fn a_file_given_to_the_wrong_importer_is_named_for_what_it_is() {
    let hf = std::fs::read(fixture("hyperfine/base/sum.json")).unwrap();
    let bmf_bytes = std::fs::read(fixture("bmf/base.json")).unwrap();
    let custom_bytes = std::fs::read(fixture("custom/base.json")).unwrap();
    let lt = std::fs::read(fixture("libtest/base.txt")).unwrap();
    for (kind, bytes, expected) in [
        ("bmf", &hf, "looks like hyperfine"),
        ("custom", &hf, "looks like hyperfine"),
        ("libtest", &hf, "looks like hyperfine"),
        ("hyperfine", &bmf_bytes, "looks like Bencher Metric Format"),
        ("custom", &bmf_bytes, "looks like Bencher Metric Format"),
        (
            "hyperfine",
            &custom_bytes,
            "looks like github-action-benchmark custom JSON",
        ),
        (
            "bmf",
            &custom_bytes,
            "looks like github-action-benchmark custom JSON",
        ),
        ("hyperfine", &lt, "looks like libtest bench output"),
        ("bmf", &lt, "looks like libtest bench output"),
    ] {
        let (code, stderr) = import_bytes_cli(kind, "given.json", bytes);
        assert_eq!(code, 2, "{kind}: {stderr}");
        assert!(
            stderr.contains("given.json") && stderr.contains(expected),
            "{kind}: {stderr}"
        );
    }
}

// Property tests

fn check_valid(r: &ResultsFile) {
    if let Err(e) = ResultsFile::from_json(&r.to_json(), "p") {
        panic!("the import produced an invalid results file: {e}");
    }
}

/// A bench name as libtest prints it: module path segments joined by `::`.
fn bench_name() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-z_][a-z0-9_]{0,8}", 1..4).prop_map(|parts| parts.join("::"))
}

/// libtest's number format: thousands separated by `,`, with an optional two-digit fraction.
fn libtest_number(v: u64, cents: Option<u8>) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    match cents {
        Some(c) => format!("{out}.{:02}", c % 100),
        None => out,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn libtest_lines_round_trip(
        benches in proptest::collection::btree_map(bench_name(), (0u64..10_000_000_000, any::<Option<u8>>(), 0u64..1_000_000, any::<Option<u32>>()), 1..6)
    ) {
        let mut text = String::from("running tests\n");
        for (name, (v, cents, dev, mb)) in &benches {
            text.push_str(&format!(
                "test {name:<20} ... bench: {:>15} ns/iter (+/- {})",
                libtest_number(*v, *cents),
                libtest_number(*dev, *cents)
            ));
            if let Some(mb) = mb {
                text.push_str(&format!(" = {mb} MB/s"));
            }
            text.push('\n');
        }
        text.push_str("\ntest result: ok. 0 passed; 0 failed; 0 ignored\n");
        let r = libtest::import_bytes(Path::new("p.txt"), text.as_bytes()).unwrap();
        check_valid(&r);
        for (name, (v, cents, _, mb)) in &benches {
            let id = libtest::metric_id(name);
            let expected = *v as f64 + cents.map_or(0.0, |c| f64::from(c % 100) / 100.0);
            let m = r.metric(&id).unwrap();
            prop_assert!((m.value - expected).abs() <= 1e-9 * expected.max(1.0), "{} vs {}", m.value, expected);
            prop_assert!(r.metric(&format!("{id}/throughput")).is_none(), "{:?}", mb);
        }
    }

    #[test]
    fn libtest_json_events_round_trip(
        benches in proptest::collection::btree_map(bench_name(), (0.0f64..1e10, 0.0f64..1e9, any::<Option<u32>>()), 1..6)
    ) {
        let mut text = String::from("{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": 1 }\n");
        for (name, (median, deviation, mib)) in &benches {
            let mut event = serde_json::json!({"type": "bench", "name": name, "median": median, "deviation": deviation});
            if let Some(mib) = mib {
                event["mib_per_second"] = serde_json::json!(mib);
            }
            text.push_str(&format!("{{ \"type\": \"test\", \"event\": \"started\", \"name\": {} }}\n", serde_json::json!(name)));
            text.push_str(&event.to_string());
            text.push('\n');
        }
        text.push_str("{ \"type\": \"suite\", \"event\": \"ok\", \"passed\": 0 }\n");
        let r = libtest::import_bytes(Path::new("p.jsonl"), text.as_bytes()).unwrap();
        check_valid(&r);
        prop_assert_eq!(r.metrics.len(), benches.len());
        for (name, (median, _, _)) in &benches {
            prop_assert_eq!(r.metric(&libtest::metric_id(name)).unwrap().value, *median);
        }
        // Cut before the suite's end event: refused.
        let cut = text.rfind("{ \"type\": \"suite\"").unwrap();
        prop_assert!(libtest::import_bytes(Path::new("p.jsonl"), &text.as_bytes()[..cut]).is_err());
    }

    #[test]
    fn hyperfine_exports_round_trip(
        commands in proptest::collection::btree_map("[a-z ./{}=-]{1,12}", proptest::collection::vec(0.0f64..100.0, 1..40), 1..5),
        memory in any::<bool>(),
    ) {
        let results: Vec<serde_json::Value> = commands.iter().map(|(cmd, times)| {
            let mut v = serde_json::json!({
                "command": cmd, "mean": times.iter().sum::<f64>() / times.len() as f64,
                "stddev": null, "median": 0.0, "user": 0.5, "system": 0.1, "min": 0.0, "max": 0.0,
                "times": times, "exit_codes": vec![0; times.len()],
            });
            if memory {
                v["memory_usage_byte"] = serde_json::json!(times.iter().map(|t| (t * 1e6) as u64).collect::<Vec<_>>());
            }
            v
        }).collect();
        let text = serde_json::json!({"results": results}).to_string();
        let r = hyperfine::import_bytes(Path::new("p.json"), text.as_bytes(), Default::default());
        // Commands differing only in surrounding spaces are still distinct ids; all-space
        // commands are refused.
        if commands.keys().any(|c| c.trim().is_empty()) {
            prop_assert!(r.is_err());
            return Ok(());
        }
        let r = r.unwrap();
        check_valid(&r);
        for (cmd, times) in &commands {
            let m = r.metric(&format!("hyperfine/{cmd}")).unwrap();
            prop_assert_eq!(&m.samples, times);
            prop_assert_eq!(r.metric(&format!("hyperfine/{cmd}/memory")).is_some(), memory);
        }
    }

    #[test]
    fn bmf_and_custom_round_trip(
        values in proptest::collection::btree_map("[A-Za-z0-9:/_-][A-Za-z0-9 :/_-]{0,11}", (0.0f64..1e12, 0usize..4), 1..8),
        bigger in any::<bool>(),
    ) {
        let measures = ["latency", "throughput", "file-size", "widgets"];
        let mut doc = serde_json::Map::new();
        let mut items = Vec::new();
        for (name, (v, measure)) in &values {
            doc.insert(name.clone(), serde_json::json!({measures[*measure]: {"value": v, "lower_value": v * 0.9}}));
            let unit = ["ns", "ms", "MB", "frames"][*measure];
            items.push(serde_json::json!({"name": name, "unit": unit, "value": v}));
        }
        let r = bmf::import_bytes(Path::new("p.json"), serde_json::Value::Object(doc).to_string().as_bytes()).unwrap();
        check_valid(&r);
        let direction = if bigger { Direction::Higher } else { Direction::Lower };
        let c = custom::import_bytes(Path::new("p.json"), serde_json::Value::Array(items).to_string().as_bytes(), direction).unwrap();
        check_valid(&c);
        for (name, (v, measure)) in &values {
            prop_assert_eq!(r.metric(&format!("bmf/{name}/{}", measures[*measure])).unwrap().value, *v);
            let m = c.metric(&format!("custom/{name}")).unwrap();
            let factor = if *measure == 2 { 1e6 } else { 1.0 };
            prop_assert_eq!(m.value, v * factor);
            prop_assert_eq!(m.direction, direction);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let p = Path::new("p");
        for r in [
            hyperfine::import_bytes(p, &bytes, hyperfine::Options { cpu_times: true }),
            libtest::import_bytes(p, &bytes),
            bmf::import_bytes(p, &bytes),
            custom::import_bytes(p, &bytes, Direction::Lower),
        ].into_iter().flatten() {
            check_valid(&r);
        }
    }

    #[test]
    fn mutated_json_never_panics(
        doc in prop_oneof![
            Just(include_str!("../fixtures/bmf/base.json")),
            Just(include_str!("../fixtures/custom/base.json")),
            Just(include_str!("../fixtures/libtest/base.jsonl")),
        ],
        cut in 0usize..2000,
        insert in "[\\[\\]{}\",:0-9a-z -]{0,6}",
    ) {
        let cut = cut.min(doc.len());
        let cut = (0..=cut).rev().find(|&i| doc.is_char_boundary(i)).unwrap_or(0);
        let bytes = format!("{}{insert}{}", &doc[..cut], &doc[cut..]);
        let p = Path::new("p");
        for r in [
            hyperfine::import_bytes(p, bytes.as_bytes(), Default::default()),
            bmf::import_bytes(p, bytes.as_bytes()),
            custom::import_bytes(p, bytes.as_bytes(), Direction::Higher),
            libtest::import_bytes(p, bytes.as_bytes()),
        ].into_iter().flatten() {
            check_valid(&r);
        }
    }
}
