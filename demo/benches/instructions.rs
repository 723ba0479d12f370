//! The same functions counted in instructions under Valgrind's Callgrind (gungraun): a count
//! does not depend on how busy the machine is, so a small change is seen as exactly what it is.
//! Needs valgrind and `gungraun-runner` of the same version as the `gungraun` dev-dependency.

use std::hint::black_box;

use gungraun::{library_benchmark, library_benchmark_group, main};
use perf_budget_demo::{fnv1a, parse_csv, top_k};

fn csv(n: u64) -> String {
    (0..n).map(|i| format!("{},", i * 7919 % 10_007)).collect()
}

#[library_benchmark]
#[bench::fields_1000(csv(1000))]
fn parse(text: String) -> Vec<u64> {
    black_box(parse_csv(black_box(&text)))
}

#[library_benchmark]
#[bench::top_10_of_10k((0..10_000u64).map(|i| i.wrapping_mul(2_654_435_761) % 1_000_003).collect())]
fn top(values: Vec<u64>) -> Vec<u64> {
    black_box(top_k(black_box(&values), 10))
}

#[library_benchmark]
#[bench::kib_4((0..4096u32).map(|i| (i * 31 % 251) as u8).collect())]
fn hash(bytes: Vec<u8>) -> u64 {
    black_box(fnv1a(black_box(&bytes)))
}

library_benchmark_group!(name = demo, benchmarks = [parse, top, hash]);
main!(library_benchmark_groups = demo);
