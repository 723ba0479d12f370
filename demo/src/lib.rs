//! A tiny library to benchmark: parsing numbers out of text, picking the largest values, and
//! hashing bytes. Each function is small enough to read at a glance, so that a change to one of
//! them (and its effect on the benchmarks) is easy to follow in a pull request.

use std::collections::HashMap;

/// Parses a comma-separated list of unsigned integers, skipping fields that are not numbers.
pub fn parse_csv(text: &str) -> Vec<u64> {
    text.split(',')
        .filter_map(|field| field.trim().parse().ok())
        .collect()
}

/// Parses `key = value` lines into a map; lines without `=` and `#` comments are ignored.
pub fn parse_config(text: &str) -> HashMap<&str, &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim(), value.trim()))
        .collect()
}

/// The `k` largest values, largest first.
pub fn top_k(values: &[u64], k: usize) -> Vec<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.truncate(k);
    sorted
}

/// 64-bit FNV-1a hash of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// How often each whitespace-separated word occurs.
pub fn word_count(text: &str) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_do_what_they_say() {
        assert_eq!(parse_csv("1, 2,x,3"), vec![1, 2, 3]);
        let config = parse_config("# comment\nname = demo\nbad line\n");
        assert_eq!(config.get("name"), Some(&"demo"));
        assert_eq!(config.len(), 1);
        assert_eq!(top_k(&[3, 9, 1, 7], 2), vec![9, 7]);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(word_count("a b a")["a"], 2);
    }
}
