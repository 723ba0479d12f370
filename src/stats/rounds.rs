//! Rounds of a same-job rerun: base and head benchmarks run alternately, several times, and the
//! samples of one round share the machine's state of that moment. This module measures how much
//! the per-round change of one benchmark varies from round to round, beyond what the samples
//! within a round explain.
//!
//! Inputs are a side's samples (positive, already oriented so that larger is worse) with the
//! round each was taken in.

use std::collections::BTreeMap;

use super::describe::{quantile_type7, sorted, trimmed_mean, winsorized_variance};

/// Degrees of freedom the run-wide prior is worth when moderating a metric's round variance.
/// With 3 rounds a metric's own estimate has 2 degrees of freedom: a t quantile of 4.3 for a 95 %
/// interval, so on a busy machine even a 2× regression came out "inconclusive". The machine state
/// that makes rounds differ is shared by every benchmark of the run, so the run's typical round
/// variance is real information about each metric (empirical Bayes, as limma moderates variances:
/// Smyth 2004, docs/statistics.md).
pub const ROUND_PRIOR_DF: f64 = 4.0;

/// Least rounds for a benchmark's own round-to-round variance.
pub const MIN_ROUNDS: usize = 3;

/// Least samples a side in a round for that round's trimmed mean and its standard error.
pub const MIN_ROUND_SAMPLES: usize = 5;

/// Trimming of each round's mean (as Yuen's test trims).
const TRIM: f64 = 0.2;

/// Per-round statistics of one benchmark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundStats {
    /// Variance of the per-round differences of log trimmed means (head − base).
    pub var: f64,
    /// Mean within-round variance of those differences.
    pub within: f64,
    /// Rounds.
    pub k: f64,
}

/// A side's log values by round.
fn by_round(samples: &[f64], rounds: &[u32]) -> BTreeMap<u32, Vec<f64>> {
    let mut map: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for (v, r) in samples.iter().zip(rounds) {
        map.entry(*r).or_default().push(v.ln());
    }
    map
}

/// Round statistics of one benchmark: `None` when a value is not positive, fewer than
/// [`MIN_ROUNDS`] rounds have both sides, or a round has fewer than [`MIN_ROUND_SAMPLES`] a side.
pub fn round_stats(
    base: &[f64],
    base_rounds: &[u32],
    head: &[f64],
    head_rounds: &[u32],
) -> Option<RoundStats> {
    if base.iter().chain(head).any(|v| *v <= 0.0) {
        return None;
    }
    let (b, h) = (by_round(base, base_rounds), by_round(head, head_rounds));
    let rounds: Vec<u32> = b.keys().filter(|k| h.contains_key(k)).copied().collect();
    if rounds.len() < MIN_ROUNDS {
        return None;
    }
    let mut diffs = Vec::new();
    let mut within = Vec::new();
    for r in &rounds {
        let (xb, xh) = (&b[r], &h[r]);
        if xb.len() < MIN_ROUND_SAMPLES || xh.len() < MIN_ROUND_SAMPLES {
            return None;
        }
        diffs.push(trimmed_mean(xh, TRIM) - trimmed_mean(xb, TRIM));
        let se2 = |x: &[f64]| {
            let n = x.len() as f64;
            let hn = n - 2.0 * (TRIM * n).floor();
            (n - 1.0) * winsorized_variance(x, TRIM) / (hn * (hn - 1.0))
        };
        within.push(se2(xh) + se2(xb));
    }
    let k = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / k;
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let within = within.iter().sum::<f64>() / k;
    Some(RoundStats { var, within, k })
}

/// Round-to-round noise of one benchmark: the variance of its per-round differences, moderated
/// towards the run's typical value (`prior`), beyond what the within-round variance explains,
/// divided by the number of rounds (the pooled estimate averages over them). Returns the extra
/// variance of the log-ratio and its degrees of freedom; `None` when there is no extra variance.
pub fn round_noise(stats: RoundStats, prior: Option<f64>) -> Option<(f64, f64)> {
    let own_df = stats.k - 1.0;
    let (var, df) = match prior {
        Some(s0) => (
            (ROUND_PRIOR_DF * s0 + own_df * stats.var) / (ROUND_PRIOR_DF + own_df),
            ROUND_PRIOR_DF + own_df,
        ),
        None => (stats.var, own_df),
    };
    let extra = (var - stats.within).max(0.0) / stats.k;
    (extra.is_finite() && extra > 0.0).then_some((extra, df))
}

/// The run's typical round variance: the median of its benchmarks' round variances, when at
/// least three benchmarks have them.
pub fn round_prior(vars: &[f64]) -> Option<f64> {
    let vars: Vec<f64> = vars.iter().copied().filter(|v| v.is_finite()).collect();
    if vars.len() < 3 {
        return None;
    }
    Some(quantile_type7(&sorted(&vars), 0.5))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounds(k: u32, n: usize) -> Vec<u32> {
        (1..=k).flat_map(|r| std::iter::repeat_n(r, n)).collect()
    }

    #[test]
    fn round_differences_and_their_variance() {
        // Three rounds of 5 equal samples: head is 10 %, 20 %, 30 % above base.
        let base = vec![100.0; 15];
        let head: Vec<f64> = [110.0, 120.0, 130.0]
            .iter()
            .flat_map(|&v| std::iter::repeat_n(v, 5))
            .collect();
        let st = round_stats(&base, &rounds(3, 5), &head, &rounds(3, 5)).unwrap();
        let d: Vec<f64> = [1.1f64, 1.2, 1.3].iter().map(|r| r.ln()).collect();
        let m = d.iter().sum::<f64>() / 3.0;
        let var = d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 2.0;
        assert!((st.var - var).abs() < 1e-12);
        assert_eq!((st.within, st.k), (0.0, 3.0));
        let (extra, df) = round_noise(st, None).unwrap();
        assert!((extra - var / 3.0).abs() < 1e-12 && df == 2.0);
        // A prior of 0 with 4 df pulls the variance down: (4·0 + 2·var) / 6.
        let (extra, df) = round_noise(st, Some(0.0)).unwrap();
        assert!((extra - var / 3.0 / 3.0).abs() < 1e-12 && df == 6.0);
    }

    #[test]
    fn too_few_rounds_or_samples_give_nothing() {
        let x = vec![1.0; 10];
        assert!(round_stats(&x, &rounds(2, 5), &x, &rounds(2, 5)).is_none());
        assert!(round_stats(&x, &rounds(3, 3), &x[..9], &rounds(3, 3)).is_none());
        assert!(round_prior(&[1.0, f64::NAN, 2.0]).is_none());
        assert_eq!(round_prior(&[3.0, 1.0, 2.0]), Some(2.0));
    }
}
