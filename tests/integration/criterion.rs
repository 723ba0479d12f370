//! The criterion importer against recorded real trees (criterion 0.8.2), hand-crafted trees for
//! each trap (sanitized, cut and `_2`-suffixed names, Flat sampling, the legacy format, every
//! throughput variant, broken files), synthetic trees with seeded noise, a real `cargo bench` run
//! of `tests/bench-crate`, and arbitrary file contents (which must never panic).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_perf_budget::import::criterion::import;
use cargo_perf_budget::import::ImportError;
use cargo_perf_budget::model::{Direction, ResultsFile, SampleKind, Unit};
use proptest::prelude::*;

use crate::criterion_tree::{self, write_tree, SyntheticBench, TreeSpec, SCENARIO_SLOWED};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criterion")
}

fn ids(file: &ResultsFile) -> Vec<&str> {
    file.metrics.iter().map(|m| m.id.as_str()).collect()
}

fn value(file: &ResultsFile, id: &str) -> f64 {
    match file.metric(id) {
        Some(m) => m.value,
        None => panic!("no metric {id:?} in {:?}", ids(file)),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// An error message with the fixture directory replaced, for snapshots.
fn relative(err: &ImportError) -> String {
    err.to_string()
        .replace(&fixtures().display().to_string(), "<fixtures>")
}

const REAL_IDS: [&str; 7] = [
    "criterion/fib 20",
    "criterion/parse/sum_sq/1000",
    "criterion/parse/sum_sq/1000/throughput",
    "criterion/parse/sum_sq/10000",
    "criterion/parse/sum_sq/10000/throughput",
    "criterion/sort/unstable copy/5000",
    "criterion/sort/unstable copy/5000/throughput",
];

#[test]
fn real_tree_yields_the_same_ids_from_benchmark_json_for_every_baseline() {
    for baseline in ["main", "pr", "new"] {
        let file = import(&fixtures().join("real"), baseline).unwrap();
        assert_eq!(ids(&file), REAL_IDS, "baseline {baseline}");
        assert_eq!(file.commit, None);
        assert!(file.warnings.is_empty(), "{:?}", file.warnings);
        // Stamped with when the samples were written, not with "now".
        assert!(file.time.is_some());
        for m in &file.metrics {
            assert_eq!(m.samples.len(), 30, "{}", m.id);
            assert_eq!(m.sample_kind, Some(SampleKind::Iterations));
        }
        // The file is valid by the results schema's own rules.
        ResultsFile::from_json(&file.to_json(), "import").unwrap();
    }
}

#[test]
fn real_tree_values_are_criterions_typical_estimate_and_per_iteration_samples() {
    let main = import(&fixtures().join("real"), "main").unwrap();
    let fib = main.metric("criterion/fib 20").unwrap();
    assert_eq!(fib.unit, Unit::Nanoseconds);
    assert_eq!(fib.direction, Direction::Lower);
    // slope.point_estimate of main/estimates.json (Linear sampling).
    assert_eq!(fib.value, 13053.102845259573);
    // times[0] / iters[0] of main/sample.json.
    assert_eq!(fib.samples[0], 4352655.0 / 311.0);

    // The head code made fib ~1.8× slower and sort ~20 % faster; criterion's verdicts agree.
    let pr = import(&fixtures().join("real"), "pr").unwrap();
    let ratio = |id: &str| value(&pr, id) / value(&main, id);
    assert!((1.7..1.9).contains(&ratio("criterion/fib 20")));
    assert!((0.75..0.85).contains(&ratio("criterion/sort/unstable copy/5000")));
    assert!((0.95..1.05).contains(&ratio("criterion/parse/sum_sq/10000")));
}

#[test]
fn real_throughput_is_the_amount_over_the_typical_time_and_over_each_sample() {
    let main = import(&fixtures().join("real"), "main").unwrap();
    let time = main.metric("criterion/sort/unstable copy/5000").unwrap();
    let rate = main
        .metric("criterion/sort/unstable copy/5000/throughput")
        .unwrap();
    assert_eq!(rate.unit, Unit::BytesPerSecond);
    assert_eq!(rate.direction, Direction::Higher);
    assert_eq!(rate.value, 40000.0 / (time.value * 1e-9));
    assert_eq!(rate.samples.len(), time.samples.len());
    for (r, t) in rate.samples.iter().zip(&time.samples) {
        assert_eq!(*r, 40000.0 / (t * 1e-9));
    }
    let elements = main
        .metric("criterion/parse/sum_sq/1000/throughput")
        .unwrap();
    assert_eq!(elements.unit, Unit::PerSecond);
    // ≈ 4.05 Gelem/s, what criterion printed for this run.
    assert!(
        (4.0e9..4.1e9).contains(&elements.value),
        "{}",
        elements.value
    );
}

#[test]
fn finds_the_tree_from_a_project_root_or_a_cargo_target_directory() {
    let project = tempfile::tempdir().unwrap();
    let target = project.path().join("target");
    copy_dir(&fixtures().join("real"), &target.join("criterion"));
    std::fs::write(
        target.join("CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55",
    )
    .unwrap();
    // Unrelated build output next to criterion/ is not searched.
    std::fs::create_dir_all(target.join("release/build/x/out")).unwrap();
    for dir in [project.path(), target.as_path(), &target.join("criterion")] {
        let file = import(dir, "main").unwrap();
        assert_eq!(ids(&file), REAL_IDS, "from {}", dir.display());
    }
}

#[test]
fn a_missing_baseline_lists_the_baselines_present() {
    let err = import(&fixtures().join("real"), "base").unwrap_err();
    assert!(matches!(err, ImportError::Nothing(_)));
    assert_eq!(
        relative(&err),
        "<fixtures>/real: no criterion benchmark has a `base` baseline; baselines present: main, new, pr"
    );
    let err = import(&fixtures().join("real"), "change").unwrap_err();
    assert!(
        relative(&err).contains("`change/` holds criterion's comparison"),
        "{err}"
    );
    let err = import(&fixtures().join("real"), "../real").unwrap_err();
    assert!(
        err.to_string().contains("not a criterion baseline"),
        "{err}"
    );
}

/// The ids in `handmade/odd-names` with a `main` baseline.
fn odd_ids() -> Vec<String> {
    let long = format!("criterion/{}éé-tail beyond the cut/f", "L".repeat(61));
    let mut ids: Vec<String> = [
        long.as_str(),
        "criterion/a:b",
        "criterion/a|b",
        "criterion/ctor",
        "criterion/ctor/new",
        "criterion/flat/slow",
        "criterion/fmt: a|b/x \"quoted\"/<1KB>",
        "criterion/html/report",
        "criterion/tp/bits",
        "criterion/tp/bits/throughput",
        "criterion/tp/both",
        "criterion/tp/both/throughput",
        "criterion/tp/bytes",
        "criterion/tp/bytes/throughput",
        "criterion/tp/bytes_decimal",
        "criterion/tp/bytes_decimal/throughput",
        "criterion/tp/elements",
        "criterion/tp/elements/throughput",
        "criterion/tp/future",
        "criterion/with spaces/and (parens)",
    ]
    .map(String::from)
    .to_vec();
    ids.sort();
    ids
}

#[test]
fn odd_names_come_from_benchmark_json_not_from_sanitized_cut_or_suffixed_directories() {
    let odd = fixtures().join("handmade/odd-names");
    // The directories really are different from the ids.
    assert!(odd.join("a_b/main").is_dir() && odd.join("a_b_2/main").is_dir());
    assert!(odd.join("fmt_ a_b/x _quoted_/_1KB_/main").is_dir());
    assert!(odd.join(format!("{}é/f/main", "L".repeat(61))).is_dir());

    let main = import(&odd, "main").unwrap();
    assert_eq!(ids(&main), odd_ids());
    // `only-new` has no `main` baseline: left out, and present in `new`.
    let new = import(&odd, "new").unwrap();
    assert_eq!(new.metrics.len(), main.metrics.len() + 1);
    assert!(new.metric("criterion/only-new").is_some());
    // a:b and a|b are distinct benchmarks with their own data.
    assert_ne!(value(&main, "criterion/a:b"), value(&main, "criterion/a|b"));
}

#[test]
fn flat_sampling_without_a_slope_uses_the_mean() {
    let file = import(&fixtures().join("handmade/odd-names"), "main").unwrap();
    let flat = file.metric("criterion/flat/slow").unwrap();
    let estimates: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            fixtures().join("handmade/odd-names/flat/slow/main/estimates.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(estimates["slope"].is_null());
    assert_eq!(
        flat.value,
        estimates["mean"]["point_estimate"].as_f64().unwrap()
    );
    assert_eq!(flat.samples.len(), 10);
}

#[test]
fn every_throughput_variant_becomes_bytes_or_elements_per_second() {
    let file = import(&fixtures().join("handmade/odd-names"), "main").unwrap();
    let check = |name: &str, unit: Unit, per_iteration: f64| {
        let time = value(&file, &format!("criterion/tp/{name}"));
        let rate = file
            .metric(&format!("criterion/tp/{name}/throughput"))
            .unwrap();
        assert_eq!(rate.unit, unit, "{name}");
        assert_eq!(rate.direction, Direction::Higher);
        let expected = per_iteration / (time * 1e-9);
        assert!(
            (rate.value / expected - 1.0).abs() < 1e-12,
            "{name}: {} vs {expected}",
            rate.value
        );
    };
    check("bytes", Unit::BytesPerSecond, 1024.0);
    check("bytes_decimal", Unit::BytesPerSecond, 1000.0);
    check("bits", Unit::BytesPerSecond, 1000.0); // 8000 bits
    check("elements", Unit::PerSecond, 100.0);
    check("both", Unit::PerSecond, 10.0); // elements are ElementsAndBytes' primary quantity
}

#[test]
fn an_unknown_throughput_variant_is_a_warning_not_an_error() {
    let file = import(&fixtures().join("handmade/odd-names"), "main").unwrap();
    assert!(file.metric("criterion/tp/future").is_some());
    assert!(file.metric("criterion/tp/future/throughput").is_none());
    insta::assert_snapshot!(file.warnings.join("\n").replace(&fixtures().display().to_string(), "<fixtures>"), @r#"criterion/tp/future: throughput {"Pages":{"count":3}} is not a variant this version knows (Bytes, BytesDecimal, Bits, Elements, ElementsAndBytes) (in <fixtures>/handmade/odd-names/tp/future/main/benchmark.json); imported without a throughput metric"#);
}

#[test]
fn legacy_files_import_with_capitalised_estimates_and_tuple_samples() {
    let legacy = fixtures().join("handmade/legacy");
    // criterion ≤ 0.3.2 kept benchmark.json in new/ only; base/ borrows it.
    assert!(!legacy.join("fib/base/benchmark.json").exists());
    for baseline in ["new", "base"] {
        let file = import(&legacy, baseline).unwrap();
        assert_eq!(
            ids(&file),
            ["criterion/fib", "criterion/legacy group/fn/64"]
        );
        let fib = file.metric("criterion/fib").unwrap();
        let estimates: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(legacy.join(format!("fib/{baseline}/estimates.json")))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            fib.value,
            estimates["Slope"]["point_estimate"].as_f64().unwrap()
        );
        assert_eq!(fib.samples.len(), 20);
        // Different samples in base/ and new/: no "base is a copy" warning.
        assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    }
}

#[test]
fn base_copied_from_new_by_a_plain_run_is_flagged() {
    let tree = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("real"), tree.path());
    for bench in [
        "fib 20",
        "parse_sum_sq/1000",
        "parse_sum_sq/10000",
        "sort/unstable copy/5000",
    ] {
        copy_dir(
            &tree.path().join(bench).join("new"),
            &tree.path().join(bench).join("base"),
        );
    }
    let file = import(tree.path(), "base").unwrap();
    assert_eq!(ids(&file), REAL_IDS);
    insta::assert_snapshot!(file.warnings.join("\n"), @"`base/` holds the same samples as `new/`: a plain `cargo bench` copies the latest run into `base/`, so this is not the previous run; save baselines by name (`cargo bench -- --save-baseline main`)");
}

#[test]
fn broken_files_fail_naming_the_file_and_the_field() {
    let report: Vec<String> = [
        "truncated-sample",
        "nan-times",
        "empty-estimates",
        "not-json",
        "zero-iters",
        "length-mismatch",
        "duplicate-id",
    ]
    .iter()
    .map(|case| {
        let err = import(&fixtures().join("handmade").join(case), "new").unwrap_err();
        let kind = match err {
            ImportError::Io { .. } => "io",
            ImportError::Field { .. } => "field",
            ImportError::Format { .. } => "format",
            ImportError::Nothing(_) => "nothing",
        };
        format!("{case} ({kind}): {}", relative(&err))
    })
    .collect();
    insta::assert_snapshot!(report.join("\n"));
}

#[test]
fn a_missing_estimates_file_falls_back_to_the_trimmed_mean_with_a_warning() {
    let dir = fixtures().join("handmade/no-estimates");
    let file = import(&dir, "new").unwrap();
    let bare = file.metric("criterion/bare").unwrap();
    let mut sorted = bare.samples.clone();
    sorted.sort_by(f64::total_cmp);
    let kept = &sorted[4..16]; // 20 samples, 4 cut each side
    let mean = kept.iter().sum::<f64>() / kept.len() as f64;
    assert!((bare.value / mean - 1.0).abs() < 1e-12);
    insta::assert_snapshot!(file.warnings.join("\n"), @"1 benchmark(s) have no `new/estimates.json`; their value is the 20 % trimmed mean of the samples: criterion/bare");
}

#[test]
fn a_custom_measurement_named_in_raw_csv_is_imported_without_a_time_unit() {
    let file = import(&fixtures().join("handmade/custom-measurement"), "new").unwrap();
    assert_eq!(
        ids(&file),
        ["criterion/cycles, \"counted\"", "criterion/wall"]
    );
    let cycles = file.metric("criterion/cycles, \"counted\"").unwrap();
    assert_eq!(cycles.unit, Unit::Unitless);
    assert_eq!(cycles.direction, Direction::Lower);
    assert_eq!(
        file.metric("criterion/wall").unwrap().unit,
        Unit::Nanoseconds
    );
    insta::assert_snapshot!(
        file.warnings.join("\n").replace(&fixtures().display().to_string(), "<fixtures>"),
        @r#"criterion/cycles, "counted": <fixtures>/handmade/custom-measurement/cycles, _counted_/new/raw.csv says the measurement unit is "cycles", not nanoseconds (a custom criterion measurement); imported without a unit, so time limits and throughput do not apply"#
    );
}

#[test]
fn inputs_that_are_not_a_tree_are_clear_errors() {
    let empty = tempfile::tempdir().unwrap();
    let err = import(empty.path(), "new").unwrap_err();
    assert!(matches!(err, ImportError::Nothing(_)));
    assert!(err.to_string().contains("run `cargo bench` first"), "{err}");

    let err = import(&empty.path().join("absent"), "new").unwrap_err();
    assert!(matches!(err, ImportError::Io { .. }));
    assert!(err.to_string().contains("absent"), "{err}");

    let file = empty.path().join("results.json");
    std::fs::write(&file, "{}").unwrap();
    let err = import(&file, "new").unwrap_err();
    assert!(err.to_string().contains("is a file"), "{err}");

    // A baseline directory without its own benchmark.json and no new/ to borrow from.
    let orphan = empty.path().join("tree/bench/main");
    std::fs::create_dir_all(&orphan).unwrap();
    std::fs::write(orphan.join("sample.json"), r#"{"iters":[1],"times":[1]}"#).unwrap();
    let err = import(&empty.path().join("tree"), "main").unwrap_err();
    assert!(err.to_string().contains("benchmark id is unknown"), "{err}");
}

#[test]
fn nested_baseline_names_from_save_baseline_with_a_slash() {
    let tree = tempfile::tempdir().unwrap();
    let bench = tree.path().join("fib 20");
    copy_dir(
        &fixtures().join("real/fib 20/main"),
        &bench.join("release/1.0"),
    );
    copy_dir(&fixtures().join("real/fib 20/new"), &bench.join("new"));
    let file = import(tree.path(), "release/1.0").unwrap();
    assert_eq!(ids(&file), ["criterion/fib 20"]);
    assert_eq!(value(&file, "criterion/fib 20"), 13053.102845259573);
}

#[cfg(unix)]
#[test]
fn symbolic_link_cycles_do_not_trap_the_walk() {
    let tree = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("real"), tree.path());
    std::os::unix::fs::symlink(tree.path(), tree.path().join("fib 20/loop")).unwrap();
    let file = import(tree.path(), "main").unwrap();
    assert_eq!(ids(&file), REAL_IDS);
}

#[test]
fn the_scenario_tree_imports_with_ids_from_benchmark_json_and_the_planted_slowdowns() {
    let project = tempfile::tempdir().unwrap();
    let root = project.path().join("target/criterion");
    let spec = TreeSpec::scenario(7);
    let dirs = write_tree(&root, &spec).unwrap();
    // Criterion's sanitizing happened: collisions and cuts on disk.
    assert!(dirs.iter().any(|d| d.ends_with("a_b_2")));
    assert!(dirs.iter().any(|d| d.ends_with("json_escape_/report")));

    let a = import(project.path(), "A").unwrap();
    let b = import(project.path(), "B").unwrap();
    let mut expected: BTreeSet<String> =
        spec.benches.iter().map(SyntheticBench::metric_id).collect();
    for bench in spec.benches.iter().filter(|b| b.throughput.is_some()) {
        expected.insert(format!("{}/throughput", bench.metric_id()));
    }
    for file in [&a, &b] {
        let found: BTreeSet<String> = ids(file).into_iter().map(String::from).collect();
        assert_eq!(found, expected);
        assert!(file.metrics.iter().all(|m| m.samples.len() == 100));
    }
    let slowed: Vec<String> = SCENARIO_SLOWED
        .iter()
        .map(|&i| spec.benches[i].metric_id())
        .collect();
    assert_eq!(spec.changed_in("B"), slowed);
    for bench in &spec.benches {
        let id = bench.metric_id();
        let ratio = value(&b, &id) / value(&a, &id);
        let planted = if slowed.contains(&id) { 1.15 } else { 1.0 };
        assert!((ratio / planted - 1.0).abs() < 0.02, "{id}: {ratio}");
    }
    // `new/` is the last baseline written.
    let new = import(project.path(), "new").unwrap();
    assert_eq!(new.metrics, b.metrics);
}

#[test]
fn filename_safe_matches_criterions_rules() {
    assert_eq!(
        criterion_tree::filename_safe("a/b:c|d<e>\"f\"?*^\\"),
        "a_b_c_d_e__f_____"
    );
    let cut = criterion_tree::filename_safe(&format!("{}é", "x".repeat(63)));
    assert_eq!(cut, "x".repeat(63));
}

/// Runs `cargo bench` on `tests/bench-crate` twice (plain, then with the `slow` feature, which
/// makes `checksum` do a fifth more work) and imports the real tree. It builds in the fixtures'
/// shared target directory, so criterion is compiled once for the whole suite.
#[test]
fn a_real_cargo_bench_run_imports() {
    let _serial = crate::support::serial();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = tempfile::tempdir().unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for (features, baseline) in [(None, "fast"), (Some("slow"), "slow")] {
        let mut bench = Command::new(&cargo);
        bench
            .current_dir(repo.join("tests/bench-crate"))
            .args(["bench", "--bench", "kernels"])
            .args(features.map(|f| ["--features", f]).into_iter().flatten())
            .args(["--", "--save-baseline", baseline])
            .env("CARGO_TARGET_DIR", crate::support::fixture_target())
            // A fresh output root: no baselines left over from earlier runs.
            .env("CRITERION_HOME", home.path());
        let out = bench.output().unwrap();
        assert!(
            out.status.success(),
            "cargo bench failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // criterion sanitized the names on disk …
    assert!(home
        .path()
        .join("checksum_ fnv_64/4 KiB/fast/sample.json")
        .is_file());
    assert!(home.path().join("sort _u32_/slow/sample.json").is_file());
    // … and the importer reads the real ids.
    let expected = [
        "criterion/checksum: fnv|64/4 KiB",
        "criterion/checksum: fnv|64/4 KiB/throughput",
        "criterion/parse/ints/200",
        "criterion/parse/ints/200/throughput",
        "criterion/sort <u32>",
    ];
    let fast = import(home.path(), "fast").unwrap();
    let slow = import(home.path(), "slow").unwrap();
    for file in [&fast, &slow] {
        assert_eq!(ids(file), expected);
        assert!(file.metrics.iter().all(|m| m.samples.len() == 10));
        assert_eq!(
            file.metric("criterion/checksum: fnv|64/4 KiB/throughput")
                .map(|m| m.unit),
            Some(Unit::BytesPerSecond)
        );
        ResultsFile::from_json(&file.to_json(), "import").unwrap();
    }
    // new/ is the last run.
    let new = import(home.path(), "new").unwrap();
    assert_eq!(new.metrics, slow.metrics);
}

/// A JSON value built from criterion's own keys and awkward numbers, so that generated files
/// get past the parser into the checks.
fn criterion_like_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let number = prop_oneof![
        Just(0.0),
        Just(-1.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        (1u32..1000).prop_map(f64::from),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number.prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec!["Linear", "Flat", "Auto", "", "a/b", "x\"y"])
            .prop_map(|s| Value::String(s.into())),
    ];
    let keys = prop::sample::select(vec![
        "full_id",
        "throughput",
        "sampling_mode",
        "iters",
        "times",
        "mean",
        "slope",
        "Mean",
        "Slope",
        "point_estimate",
        "Bytes",
        "Bits",
        "Elements",
        "ElementsAndBytes",
        "elements",
    ]);
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// One file's content: random bytes, criterion-like JSON, or a real file cut short.
fn file_content(real: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        criterion_like_json().prop_map(|v| v.to_string().into_bytes()),
        (0..=real.len()).prop_map(move |cut| real.as_bytes()[..cut].to_vec()),
        Just(real.as_bytes().to_vec()),
    ]
}

const REAL_BENCHMARK: &str = r#"{"group_id":"g","function_id":null,"value_str":"1","throughput":{"Bytes":8},"full_id":"g/1","directory_name":"g/1","title":"g/1"}"#;
const REAL_SAMPLE: &str =
    r#"{"sampling_mode":"Linear","iters":[1.0,2.0,3.0],"times":[10.0,21.0,29.0]}"#;
const REAL_ESTIMATES: &str = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":9.0,"upper_bound":11.0},"point_estimate":10.0,"standard_error":0.5},"slope":null}"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the three files hold, the import returns (no panic), and what it returns is a
    /// valid results file: every value and sample finite.
    #[test]
    fn arbitrary_files_never_panic_and_never_yield_non_finite_values(
        benchmark in file_content(REAL_BENCHMARK),
        sample in file_content(REAL_SAMPLE),
        estimates in prop::option::of(file_content(REAL_ESTIMATES)),
    ) {
        let tree = tempfile::tempdir().unwrap();
        let data = tree.path().join("g/1/new");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("benchmark.json"), &benchmark).unwrap();
        std::fs::write(data.join("sample.json"), &sample).unwrap();
        if let Some(estimates) = &estimates {
            std::fs::write(data.join("estimates.json"), estimates).unwrap();
        }
        match import(tree.path(), "new") {
            Ok(file) => {
                prop_assert!(!file.metrics.is_empty());
                if let Err(e) = ResultsFile::from_json(&file.to_json(), "import") {
                    return Err(TestCaseError::fail(format!("invalid results: {e}")));
                }
            }
            Err(err) => {
                let message = err.to_string();
                prop_assert!(message.contains(&tree.path().display().to_string()), "{}", message);
            }
        }
    }
}
