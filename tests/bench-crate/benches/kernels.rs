//! Benchmarks with names criterion has to sanitize (`:`, `|`, `/`, `<`, spaces), throughput in
//! bytes and elements, and very short measurement settings so a run takes a few seconds.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use perf_budget_bench_crate::{checksum, parse_sum, sorted};

fn kernels(c: &mut Criterion) {
    let data: Vec<u8> = (0..4096u32).map(|i| (i * 31 % 251) as u8).collect();
    let mut group = c.benchmark_group("checksum: fnv|64");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("4 KiB", |b| b.iter(|| checksum(black_box(&data))));
    group.finish();

    let text: String = (0..200).map(|i| format!("{i},")).collect();
    let mut group = c.benchmark_group("parse/ints");
    group.throughput(Throughput::Elements(200));
    group.bench_with_input(BenchmarkId::from_parameter(200), &text, |b, t| {
        b.iter(|| parse_sum(black_box(t)))
    });
    group.finish();

    let values: Vec<u32> = (0..1000u32).map(|i| i.wrapping_mul(2_654_435_761)).collect();
    c.bench_function("sort <u32>", |b| b.iter(|| sorted(black_box(&values))));
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_millis(300));
    targets = kernels
}
criterion_main!(benches);
