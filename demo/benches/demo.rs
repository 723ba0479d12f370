//! The demo's benchmarks. Short measurement settings keep a full `cargo bench` well under half a
//! minute; cargo-perf-budget's statistics work on the per-iteration samples criterion saves.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use perf_budget_demo::{fnv1a, parse_config, parse_csv, top_k, word_count};

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse/csv");
    for n in [100u64, 1000] {
        let text: String = (0..n).map(|i| format!("{},", i * 7919 % 10_007)).collect();
        group.throughput(Throughput::Elements(n));
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| parse_csv(black_box(text)))
        });
    }
    group.finish();

    let config: String = (0..50)
        .map(|i| format!("# setting {i}\nkey_{i} = value {i}\n"))
        .collect();
    c.bench_function("parse/config", |b| b.iter(|| parse_config(black_box(&config))));
}

fn sorting(c: &mut Criterion) {
    let values: Vec<u64> = (0..10_000u64).map(|i| i.wrapping_mul(2_654_435_761) % 1_000_003).collect();
    c.bench_function("sort/top 10 of 10k", |b| b.iter(|| top_k(black_box(&values), 10)));
}

fn hashing(c: &mut Criterion) {
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 31 % 251) as u8).collect();
    let mut group = c.benchmark_group("hash");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("fnv1a/4 KiB", |b| b.iter(|| fnv1a(black_box(&bytes))));
    group.finish();

    let text = "the quick brown fox jumps over the lazy dog ".repeat(100);
    c.bench_function("hash/word count", |b| b.iter(|| word_count(black_box(&text))));
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1));
    targets = parsing, sorting, hashing
}
criterion_main!(benches);
