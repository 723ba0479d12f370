//! Throughput of the k6 `--out json` importer on a synthetic stream shaped like k6 1.x output
//! (target: hundreds of MB/s on one core, memory bounded by the number of series).
//!
//! `K6_BENCH_MB` sets the stream size (default 64 MB). For a one-off 1 GB measurement with peak
//! memory, see `k6::large_stream_import` in `tests/integration/k6.rs`.

use std::hint::black_box;

use cargo_perf_budget::import::k6::synthetic::{write_stream, StreamShape};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

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

    let mut group = c.benchmark_group("k6_ndjson");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.bench_function("import", |b| {
        b.iter(|| {
            let r = cargo_perf_budget::import::k6::import(black_box(&files), "bench")
                .expect("the synthetic stream imports");
            black_box(r.metrics.len())
        })
    });
    group.finish();
}

criterion_group!(benches, k6_ndjson);
criterion_main!(benches);
