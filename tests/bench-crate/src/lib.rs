//! Tiny kernels whose speed the tests control: with the `slow` feature, [`checksum`] makes one
//! extra pass over a fifth of its input, about 20 % more work.

/// FNV-1a over `data`, folded to 64 bits.
pub fn checksum(data: &[u8]) -> u64 {
    let mut hash = fnv(0xcbf2_9ce4_8422_2325, data);
    if cfg!(feature = "slow") {
        hash = fnv(hash, &data[..data.len() / 5]);
    }
    hash
}

fn fnv(mut hash: u64, data: &[u8]) -> u64 {
    for &byte in data {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Parses comma-separated unsigned integers and returns their sum; skips what does not parse.
pub fn parse_sum(text: &str) -> u64 {
    text.split(',').filter_map(|s| s.trim().parse::<u64>().ok()).sum()
}

/// A sorted copy of `values`.
pub fn sorted(values: &[u32]) -> Vec<u32> {
    let mut copy = values.to_vec();
    copy.sort_unstable();
    copy
}
