//! Kernels the benches measure. Each does a known, fixed amount of work; `slow` makes `mix` do a
//! fifth more.

/// Rounds of `mix`: 20 % more with the `slow` feature.
const MIX_ROUNDS: u32 = if cfg!(feature = "slow") { 6 } else { 5 };

/// A hash-like mixing loop over `data`, `MIX_ROUNDS` times.
pub fn mix(data: &[u64]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..MIX_ROUNDS {
        for &x in data {
            h = (h ^ x).wrapping_mul(0x0100_0000_01b3).rotate_left(17);
        }
    }
    h
}

/// Adler-style checksum of bytes.
pub fn checksum(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// Sums the numbers of a comma-separated list.
pub fn parse_sum(text: &str) -> u64 {
    text.split(',').filter_map(|s| s.trim().parse::<u64>().ok()).sum()
}

/// Counts the vowels of a text (a per-character loop).
pub fn vowels(text: &str) -> usize {
    text.chars().filter(|c| "aeiouAEIOU".contains(*c)).count()
}

/// Sorts a copy of `values`.
pub fn sorted<T: Ord + Clone>(values: &[T]) -> Vec<T> {
    let mut v = values.to_vec();
    v.sort_unstable();
    v
}

/// `n` pseudo-random words.
pub fn words(n: usize) -> Vec<u64> {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

/// `n` numbers as a comma-separated list.
pub fn number_list(n: usize) -> String {
    words(n)
        .iter()
        .map(|w| (w % 100_000).to_string())
        .collect::<Vec<_>>()
        .join(",")
}
