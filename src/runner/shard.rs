//! Matrix shards: `check --shard K/N` measures a deterministic share of the benchmarks, so a
//! project that outgrows one job can split its benches over N jobs and `merge` their results
//! into one verdict. A benchmark's shard depends only on its id (a fixed hash), so every job
//! agrees on the split without talking to the others, and a benchmark stays in its shard as
//! others are added or removed.

use std::process::{Command, Stdio};

use super::cargo_bench::BenchBinary;
use super::interrupt;
use super::RunError;

/// `K/N`: the K-th of N shards, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, 1..=count.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("expected K/N with 1 ≤ K ≤ N ≤ 256 (e.g. 2/3), found {text:?}");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count || count > 256 {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the benchmark `id` (criterion's full id) belongs to this shard: FNV-1a of the id,
    /// modulo the count.
    pub fn contains(&self, id: &str) -> bool {
        let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        hash % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// The benchmark ids a built bench binary has (`--bench --list`, which criterion answers with
/// `<id>: benchmark` lines, or `: bench` in older releases).
pub(crate) fn list(binary: &BenchBinary) -> Result<Vec<String>, RunError> {
    let spawn_error = |source| RunError::Spawn {
        program: binary.executable.display().to_string(),
        source,
    };
    let mut command = Command::new(&binary.executable);
    command
        .args(["--bench", "--list"])
        .current_dir(&binary.package_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Like every child of a check: its own process group, stopped with the check on interrupt.
    let output = interrupt::output(&mut command).map_err(|e| spawn_error(e.into()))?;
    if !output.status.success() {
        return Err(RunError::Config(format!(
            "listing the benchmarks of bench target `{}` (`--bench --list`) failed with {}: {}",
            binary.target,
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(parse_list(&String::from_utf8_lossy(&output.stdout)))
}

fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            line.strip_suffix(": benchmark")
                .or_else(|| line.strip_suffix(": bench"))
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_strictly() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "1/257", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_benchmark_is_in_exactly_one_shard_and_the_split_is_even_enough() {
        let ids: Vec<String> = (0..600).map(|i| format!("group/bench/{i}")).collect();
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { index: k, count: 3 }).collect();
        let mut sizes = [0usize; 3];
        for id in &ids {
            let owners: Vec<usize> = (0..3).filter(|s| shards[*s].contains(id)).collect();
            assert_eq!(owners.len(), 1, "{id}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|n| (150..=250).contains(n)), "{sizes:?}");
    }

    #[test]
    fn criterion_lists_are_read_in_both_spellings() {
        let text = "parse/csv/100: benchmark\nsort/top 10 of 10k: benchmark\nold: bench\n\nnoise";
        assert_eq!(
            parse_list(text),
            ["parse/csv/100", "sort/top 10 of 10k", "old"]
        );
    }
}
