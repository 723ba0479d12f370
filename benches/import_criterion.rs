//! Importing a large criterion tree: 1,000 benchmarks × 100 samples in two baselines (`main` and
//! `new`, the second one also walked past), a tenth with throughput, names with spaces and `/`.
//! The import reads three JSON files a benchmark; the goal is well under a second.

use std::path::Path;

use cargo_perf_budget::import::criterion::import;
use criterion::{criterion_group, criterion_main, Criterion};

/// A criterion-like tree under `root`, deterministic (no noise needed to measure parsing).
fn write_tree(root: &Path) -> std::io::Result<()> {
    for i in 0..1000u32 {
        let group = format!("group {:02}", i / 20);
        let function = format!("case/{}", i % 20);
        let full_id = format!("{group}/{function}");
        let dir = root.join(&group).join(function.replace('/', "_"));
        let throughput = if i % 10 == 0 {
            r#"{"Bytes":4096}"#
        } else {
            "null"
        };
        let ns = 100.0 + f64::from(i);
        let iters: Vec<String> = (1..=100).map(|k| format!("{}.0", 10 * k)).collect();
        let times: Vec<String> = (1..=100u32)
            .map(|k| {
                format!(
                    "{}.0",
                    (f64::from(10 * k) * ns * (1.0 + f64::from(k % 7) / 100.0)).round()
                )
            })
            .collect();
        let estimate = |v: f64| {
            format!(
                r#"{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{},"upper_bound":{}}},"point_estimate":{v},"standard_error":{}}}"#,
                v * 0.99,
                v * 1.01,
                v * 0.005
            )
        };
        for baseline in ["main", "new"] {
            let data = dir.join(baseline);
            std::fs::create_dir_all(&data)?;
            std::fs::write(
                data.join("benchmark.json"),
                format!(
                    r#"{{"group_id":"{group}","function_id":"case/{}","value_str":null,"throughput":{throughput},"full_id":"{full_id}","directory_name":"{}","title":"{full_id}"}}"#,
                    i % 20,
                    dir.strip_prefix(root)
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
            )?;
            std::fs::write(
                data.join("sample.json"),
                format!(
                    r#"{{"sampling_mode":"Linear","iters":[{}],"times":[{}]}}"#,
                    iters.join(","),
                    times.join(",")
                ),
            )?;
            std::fs::write(
                data.join("estimates.json"),
                format!(
                    r#"{{"mean":{},"median":{},"median_abs_dev":{},"slope":{},"std_dev":{}}}"#,
                    estimate(ns * 1.03),
                    estimate(ns * 1.03),
                    estimate(ns * 0.02),
                    estimate(ns * 1.03),
                    estimate(ns * 0.02)
                ),
            )?;
            std::fs::write(data.join("tukey.json"), "[0.0,1.0,2.0,3.0]")?;
        }
    }
    Ok(())
}

fn import_large_tree(c: &mut Criterion) {
    let tree = tempfile::tempdir().expect("a temporary directory");
    write_tree(tree.path()).expect("writing the synthetic tree");
    let file = import(tree.path(), "main").expect("the synthetic tree imports");
    assert_eq!(file.metrics.len(), 1100);
    c.bench_function("import criterion 1000 × 100", |b| {
        b.iter(|| import(tree.path(), "main"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = import_large_tree
}
criterion_main!(benches);
