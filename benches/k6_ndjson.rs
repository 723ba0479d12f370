//! Throughput and peak memory of the k6 `--out json` importer on a synthetic stream shaped like
//! k6 1.x output (target: hundreds of MB/s on one core; memory bounded whatever the stream size).
//!
//! Two paths are measured on the same stream: `exact` (every trend value kept as `f32`, what a
//! stream below 8 Mi trend values gets) and `sketched` (every value beyond the first thousand
//! counted in quantile sketches, what a larger stream gets past that bound). Before timing, each
//! prints the peak resident memory of the whole process during one import (Linux `VmHWM`, reset
//! through `/proc/self/clear_refs`), so that the two paths can be compared on one stream size and
//! across sizes.
//!
//! `K6_BENCH_MB` sets the stream size (default 64 MB). For a one-off 1 GB measurement with peak
//! RSS, see `k6::large_stream_import` in `tests/integration/k6.rs`.

use std::hint::black_box;

use cargo_perf_budget::import::k6::synthetic::{write_stream, StreamShape};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Resets the peak resident set size of this process (Linux: `/proc/self/clear_refs`).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM`: peak resident set size
/// since the last reset; `VmRSS`: now), in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The paths measured: name and how many trend values are kept exactly. The sketched path goes
/// first: memory the allocator keeps after an import stays resident and would count for the
/// import after it.
const PATHS: [(&str, Option<usize>); 2] = [("sketched", Some(1_000)), ("exact", None)];

fn k6_ndjson(c: &mut Criterion) {
    let mb: u64 = std::env::var("K6_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = tempfile::tempdir().expect("temporary directory for the bench stream");
    let path = dir.path().join("points.ndjson");
    let file = std::fs::File::create(&path).expect("create the bench stream");
    let bytes = write_stream(file, mb << 20, &StreamShape::default()).expect("write the stream");
    let files = [path];
    let wanted = ["k6/bench/http_req_duration/p(99.9)".to_string()];
    let import = |limit: Option<usize>| {
        cargo_perf_budget::import::k6::import_with_exact_limit(
            black_box(&files),
            "bench",
            &wanted,
            limit,
        )
        .expect("the synthetic stream imports")
    };

    for (name, limit) in PATHS {
        let reset = reset_peak_rss();
        let before = status_bytes("VmRSS:");
        let r = import(limit);
        let peak = match (reset, before, status_bytes("VmHWM:")) {
            (true, Some(before), Some(peak)) => format!(
                "{:.1} MB, {:.1} MB above the RSS before the import",
                peak as f64 / 1e6,
                peak.saturating_sub(before) as f64 / 1e6
            ),
            _ => "n/a".to_string(),
        };
        eprintln!(
            "k6_ndjson/{name}: {mb} MB stream, {} metrics, peak RSS {peak}",
            r.metrics.len()
        );
    }

    let mut group = c.benchmark_group("k6_ndjson");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    for (name, limit) in PATHS {
        group.bench_function(name, |b| b.iter(|| black_box(import(limit).metrics.len())));
    }
    group.finish();
}

criterion_group!(benches, k6_ndjson);
criterion_main!(benches);
