//! Instruction counts under Callgrind (gungraun). `mix` is the benchmark the `slow` feature
//! slows; the others must not move.

use std::hint::black_box;

use gungraun::{library_benchmark, library_benchmark_group, main, Dhat, LibraryBenchmarkConfig};
use perf_budget_harness_crate as kernels;

#[library_benchmark]
#[bench::words_4k(kernels::words(4096))]
fn mix(data: Vec<u64>) -> u64 {
    black_box(kernels::mix(black_box(&data)))
}

#[library_benchmark]
#[bench::small(vec![7u8; 1024])]
#[bench::large(vec![7u8; 16 * 1024])]
fn checksum(bytes: Vec<u8>) -> u32 {
    black_box(kernels::checksum(black_box(&bytes)))
}

#[library_benchmark]
#[bench::list_500(kernels::number_list(500))]
fn parse_sum(text: String) -> u64 {
    black_box(kernels::parse_sum(black_box(&text)))
}

// No `#[bench]` id: the metric id has no id part.
#[library_benchmark]
fn sort_words() -> Vec<u64> {
    black_box(kernels::sorted(black_box(&kernels::words(2048))))
}

library_benchmark_group!(name = kernels_group, benchmarks = [mix, checksum, parse_sum]);

// A second group, which also runs DHAT: heap metrics beside Callgrind's events.
library_benchmark_group!(
    name = sort_group,
    config = LibraryBenchmarkConfig::default().tool(Dhat::default()),
    benchmarks = sort_words
);

main!(library_benchmark_groups = [kernels_group, sort_group]);
