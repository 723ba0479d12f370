//! Wall time with divan: arguments, generic types, byte/item/char throughput and nested modules,
//! so that every shape of divan's table appears. `mix` is the benchmark the `slow` feature slows.

use std::hint::black_box;

use divan::counter::{BytesCount, CharsCount, ItemsCount};
use divan::Bencher;
use perf_budget_harness_crate as kernels;

// Allocation counts and sizes below each benchmark that allocates (`max alloc:`, `alloc:` …).
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// The slowed benchmark: no arguments, no counter.
#[divan::bench]
fn mix(bencher: Bencher) {
    let data = kernels::words(4096);
    bencher.bench(|| kernels::mix(black_box(&data)));
}

/// Arguments as a tree level, bytes throughput.
#[divan::bench(args = [1024, 16384])]
fn checksum(bencher: Bencher, len: usize) {
    let bytes = vec![7u8; len];
    bencher
        .counter(BytesCount::new(len))
        .bench(|| kernels::checksum(black_box(&bytes)));
}

/// Items throughput.
#[divan::bench]
fn parse_sum(bencher: Bencher) {
    let text = kernels::number_list(500);
    bencher
        .counter(ItemsCount::new(500usize))
        .bench(|| kernels::parse_sum(black_box(&text)));
}

/// Chars throughput.
#[divan::bench]
fn vowels(bencher: Bencher) {
    let text = "the quick brown fox jumps over the lazy dog ".repeat(40);
    bencher
        .counter(CharsCount::of_str(&text))
        .bench(|| kernels::vowels(black_box(&text)));
}

/// Shown as `(ignored)`.
#[divan::bench(ignore)]
fn ignored_one() -> u64 {
    black_box(2u64) * 3
}

/// Thread counts as a tree level (`t=1`, `t=2`).
#[divan::bench(threads = [1, 2])]
fn shared_counter(bencher: Bencher) {
    let counter = std::sync::atomic::AtomicU64::new(0);
    bencher.bench(|| counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
}

/// Milliseconds.
#[divan::bench(sample_count = 20)]
fn long_sort(bencher: Bencher) {
    let data = kernels::words(100_000);
    bencher.bench(|| kernels::sorted(black_box(&data)));
}

/// Generic types as a tree level, and arguments below them.
mod generic {
    use super::*;

    #[divan::bench(types = [u16, u32, u128], args = [100, 1000])]
    fn sort<T: From<u16> + Ord + Clone + Send + Sync>(bencher: Bencher, n: usize) {
        let data: Vec<T> = kernels::words(n)
            .iter()
            .map(|w| T::from((*w % 60_000) as u16))
            .collect();
        bencher.bench(|| kernels::sorted(black_box(&data)));
    }
}
