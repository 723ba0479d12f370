//! The demo's divan benchmarks: hashing and word counting again, measured by a second harness
//! (divan prints a table of medians; `[[divan]]` in budgets.toml has `check` run it on both
//! sides). Few samples and a short time per benchmark keep a run of all of them under a second.

use std::hint::black_box;

use divan::counter::BytesCount;
use divan::Bencher;
use perf_budget_demo::{fnv1a, word_count};

fn main() {
    divan::main();
}

/// FNV-1a over 4 KiB and 64 KiB, with bytes throughput.
#[divan::bench(args = [4096, 65536], sample_count = 50)]
fn fnv1a_bytes(bencher: Bencher, len: usize) {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    bencher
        .counter(BytesCount::new(len))
        .bench(|| fnv1a(black_box(&bytes)));
}

/// Word counting of a 4,400-byte text.
#[divan::bench(sample_count = 50)]
fn word_count_text(bencher: Bencher) {
    let text = "the quick brown fox jumps over the lazy dog ".repeat(100);
    bencher.bench(|| word_count(black_box(&text)));
}
