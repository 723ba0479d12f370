//! Tests of `cargo_bench`.

use super::metadata::*;
use super::*;

#[test]
fn takes_bench_executables_from_cargo_messages() {
    let bench = r#"{"reason":"compiler-artifact","package_id":"path+file:///p#x@0.1.0","manifest_path":"/p/Cargo.toml","target":{"kind":["bench"],"crate_types":["bin"],"name":"algos","src_path":"/p/benches/algos.rs","edition":"2021","doc":false,"doctest":false,"test":false},"profile":{"test":false},"features":[],"filenames":["/t/release/deps/algos-1"],"executable":"/t/release/deps/algos-1","fresh":true}"#;
    let lib = r#"{"reason":"compiler-artifact","manifest_path":"/p/Cargo.toml","target":{"kind":["lib"],"name":"x"},"executable":null}"#;
    let lib_tests = r#"{"reason":"compiler-artifact","manifest_path":"/p/Cargo.toml","target":{"kind":["lib"],"name":"x"},"executable":"/t/release/deps/x-2"}"#;
    let done = r#"{"reason":"build-finished","success":true}"#;
    assert_eq!(
        bench_artifact(bench),
        Some(BenchBinary {
            target: "algos".into(),
            executable: "/t/release/deps/algos-1".into(),
            package_dir: "/p".into(),
        })
    );
    for other in [lib, lib_tests, done, "not json", "{broken"] {
        assert_eq!(bench_artifact(other), None, "{other}");
    }
}

#[test]
fn benchmark_names_come_from_criterion_status_lines() {
    assert_eq!(
        benchmark_name("Benchmarking fib 20: Warming up for 3.0000 s"),
        Some("fib 20")
    );
    assert_eq!(
        benchmark_name("Benchmarking parse/sum_sq/1000: Collecting 100 samples in estimated 5.0 s (1M iterations)"),
        Some("parse/sum_sq/1000")
    );
    assert_eq!(benchmark_name("Benchmarking a: b"), Some("a: b"));
    assert_eq!(benchmark_name("fib 20  time: [1 ns 2 ns 3 ns]"), None);
}

/// Packages `a` (benches `algos`, `io` on criterion 0.3.6, `plain` on libtest's harness)
/// and `b` (bench `other`, criterion 0.5.1 through a wrapper crate), with real manifests
/// in `dir`.
fn metadata(dir: &Path) -> Metadata {
    let package = |name: &str, benches: &[&str], manifest: &str| {
        let path = dir.join(name).join("Cargo.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, manifest).unwrap();
        CargoPackage {
            id: format!("path+file:///{name}#0.1.0"),
            name: name.into(),
            version: "0.1.0".into(),
            manifest_path: path,
            targets: benches
                .iter()
                .map(|b| CargoTarget {
                    name: b.to_string(),
                    kind: vec!["bench".into()],
                    src_path: PathBuf::new(),
                })
                .chain(std::iter::once(CargoTarget {
                    name: name.into(),
                    kind: vec!["lib".into()],
                    src_path: PathBuf::new(),
                }))
                .collect(),
        }
    };
    let a = package(
        "a",
        &["algos", "io", "plain"],
        "[[bench]]\nname = \"algos\"\nharness = false\n\
         [[bench]]\nname = \"io\"\nharness = false\n",
    );
    let b = package(
        "b",
        &["other"],
        "[[bench]]\nname = \"other\"\nharness = false\n",
    );
    let dep = |id: &str, name: &str, version: &str| CargoPackage {
        id: id.into(),
        name: name.into(),
        version: version.into(),
        manifest_path: "/registry/Cargo.toml".into(),
        targets: Vec::new(),
    };
    let parsed = CargoMetadata {
        workspace_members: vec![a.id.clone(), b.id.clone()],
        resolve: Some(CargoResolve {
            nodes: vec![
                CargoNode {
                    id: a.id.clone(),
                    dependencies: vec!["c3".into()],
                },
                CargoNode {
                    id: b.id.clone(),
                    dependencies: vec!["wrap".into()],
                },
                CargoNode {
                    id: "wrap".into(),
                    dependencies: vec!["c5".into()],
                },
            ],
        }),
        packages: vec![
            a,
            b,
            dep("c3", "criterion", "0.3.6"),
            dep("c5", "criterion", "0.5.1"),
            dep("wrap", "criterion-wrapper", "1.0.0"),
        ],
        target_directory: "/t".into(),
        workspace_root: dir.to_path_buf(),
    };
    Metadata::from_cargo(parsed)
}

#[test]
fn bench_targets_are_those_of_one_member_when_a_package_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let meta = metadata(dir.path());
    let all: Vec<String> = meta.bench_targets(None).into_iter().collect();
    assert_eq!(all, ["algos", "io", "other", "plain"]);
    let b: Vec<String> = meta.bench_targets(Some("b")).into_iter().collect();
    assert_eq!(b, ["other"]);
    assert!(meta.bench_targets(Some("nope")).is_empty());
}

#[test]
fn divan_and_gungraun_benches_are_told_from_criterion_ones_by_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let divan = file(
        "d.rs",
        "fn main() { divan::main(); }\n#[divan::bench] fn f() {}",
    );
    let gungraun = file("g.rs", "gungraun::main!(library_benchmark_groups = g);");
    // How gungraun's own examples (and the demo) write it: `main` imported, the macro bare.
    let imported = file(
        "i.rs",
        "use gungraun::{library_benchmark, library_benchmark_group, main};\nmain!(library_benchmark_groups = g);",
    );
    let iai = file(
        "a.rs",
        "use iai_callgrind::{main, library_benchmark_group};\nmain!(library_benchmark_groups = g);",
    );
    let divan_attribute = file("e.rs", "#[divan::bench]\nfn f() {}\nfn main() { run() }");
    let criterion = file("c.rs", "criterion_group!(b, f); criterion_main!(b);");
    let both = file("b.rs", "// divan::main in a comment\ncriterion_main!(b);");
    assert_eq!(harness_in_source(&divan), Some("divan"));
    assert_eq!(harness_in_source(&gungraun), Some("gungraun"));
    assert_eq!(harness_in_source(&imported), Some("gungraun"));
    assert_eq!(harness_in_source(&iai), Some("gungraun"));
    assert_eq!(harness_in_source(&divan_attribute), Some("divan"));
    assert_eq!(harness_in_source(&criterion), None);
    assert_eq!(harness_in_source(&both), None);
    assert_eq!(harness_in_source(&dir.path().join("missing.rs")), None);
}

#[test]
fn selects_benches_of_the_package_and_checks_names_on_head_only() {
    let dir = tempfile::tempdir().unwrap();
    let meta = metadata(dir.path());
    let manifest = dir.path().join("a/Cargo.toml");
    let manifest = manifest.as_path();
    let all = CriterionConfig::default();
    let pick = meta
        .select(&all, manifest, Requirement::Strict)
        .unwrap()
        .unwrap();
    assert_eq!(pick.benches, ["algos", "io"]);
    assert_eq!(pick.skipped, ["plain (libtest)"]);
    assert_eq!(pick.criterion, CriterionVersion::parse("0.3.6"));

    let named = CriterionConfig {
        benches: vec!["io".into(), "gone".into()],
        ..Default::default()
    };
    let err = meta
        .select(&named, manifest, Requirement::Strict)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`gone`") && err.contains("algos, io"), "{err}");
    let base = meta
        .select(&named, manifest, Requirement::Available)
        .unwrap();
    assert_eq!(base.unwrap().benches, ["io"]);

    let libtest = CriterionConfig {
        benches: vec!["plain".into()],
        ..Default::default()
    };
    let err = meta
        .select(&libtest, manifest, Requirement::Strict)
        .unwrap_err()
        .to_string();
    assert!(err.contains("harness = false"), "{err}");

    let other = CriterionConfig {
        package: Some("b".into()),
        ..Default::default()
    };
    let pick = meta.select(&other, manifest, Requirement::Strict).unwrap();
    let pick = pick.unwrap();
    assert_eq!(pick.benches, ["other"]);
    assert_eq!(pick.criterion, CriterionVersion::parse("0.5.1"));

    let missing = CriterionConfig {
        package: Some("c".into()),
        ..Default::default()
    };
    let err = meta
        .select(&missing, manifest, Requirement::Strict)
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"c\"") && err.contains("a, b"), "{err}");
    assert_eq!(
        meta.select(&missing, manifest, Requirement::Available)
            .unwrap(),
        None
    );
}

fn selection(criterion: &str) -> Selection {
    Selection {
        benches: vec!["algos".into()],
        criterion: CriterionVersion::parse(criterion),
        skipped: Vec::new(),
    }
}

#[test]
fn run_args_fit_the_criterion_release() {
    let mut config = CriterionConfig::default();
    let (args, note) = run_args(&config, &selection("0.3.6"), "head").unwrap();
    assert!(args.is_empty());
    assert!(
        note.contains("0.3.6") && note.contains("benches' own"),
        "{note}"
    );

    config.warm_up = Some(std::time::Duration::from_millis(100));
    let err = run_args(&config, &selection("0.3.6"), "head")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`warm-up`") && err.contains("whole seconds") && err.contains("0.3.6"),
        "{err}"
    );
    let (args, note) = run_args(&config, &selection("0.5.1"), "head").unwrap();
    assert_eq!(args, ["--warm-up-time", "0.1"]);
    assert!(note.contains("warm-up 100ms"), "{note}");

    config.warm_up = Some(std::time::Duration::from_secs(1));
    config.measurement = Some(std::time::Duration::from_secs(2));
    let (args, _) = run_args(&config, &selection("0.3.0"), "head").unwrap();
    assert_eq!(args, ["--warm-up-time", "1", "--measurement-time", "2"]);

    config.args = vec!["--warm-up-time".into(), "1".into()];
    let err = run_args(&config, &selection("0.5.1"), "head")
        .unwrap_err()
        .to_string();
    assert!(err.contains("keep one"), "{err}");

    let old = CriterionConfig {
        args: vec!["--measurement-time".into(), "1.667".into()],
        ..Default::default()
    };
    let err = run_args(&old, &selection("0.3.6"), "base (1234abcd)")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("base (1234abcd)") && err.contains("`args`"),
        "{err}"
    );
    let err = run_args(&CriterionConfig::default(), &selection("0.2.11"), "head")
        .unwrap_err()
        .to_string();
    assert!(err.contains("0.3 or later"), "{err}");
}

#[test]
fn build_command_respects_package_features_and_target_dir() {
    let tree = Tree {
        label: "base (12345678)".into(),
        manifest: "/w/Cargo.toml".into(),
        target_dir: Some("/t/perf-budget/base".into()),
    };
    let config = CriterionConfig {
        package: Some("core".into()),
        features: vec!["simd".into(), "std".into()],
        ..Default::default()
    };
    let selection = Selection {
        benches: vec!["algos".into(), "io".into()],
        criterion: None,
        skipped: Vec::new(),
    };
    assert_eq!(
        display_args(&build_args(&tree, &config, &selection)),
        "bench --no-run --message-format=json-render-diagnostics --manifest-path /w/Cargo.toml \
         -p core --features simd,std --bench algos --bench io --target-dir /t/perf-budget/base"
    );
}

#[test]
fn copies_only_benchmarks_written_by_this_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let home = dir.path().join("home");
    let write = |bench: &str| {
        let new = out.join(bench).join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(new.join("benchmark.json"), "{}").unwrap();
        std::fs::write(new.join("sample.json"), "{}").unwrap();
    };
    write("old");
    let since = SystemTime::now() + std::time::Duration::from_millis(1);
    std::thread::sleep(std::time::Duration::from_millis(20));
    write("group/fresh");
    copy_fresh_benchmarks(&out, &out, &home, since).unwrap();
    assert!(home.join("group/fresh/new/sample.json").is_file());
    assert!(!home.join("old").exists());
}

#[test]
fn keeps_the_end_of_long_output() {
    let lines: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    assert_eq!(tail(&lines, 3), "[… 7 earlier lines]\n7\n8\n9");
    assert_eq!(tail(&lines[..2], 3), "0\n1");
}
