//! The Mann–Whitney U test (Wilcoxon rank-sum), with our own exact distribution.
//!
//! statrs ships one too, but its exact p-value is wrong whenever the first sample is not the
//! larger one (see `docs/statistics.md`, "Mann–Whitney"), and it enumerates subsets. Here the exact null
//! distribution of U comes from the recurrence `c(m, n, u) = c(m, n−1, u) + c(m−1, n, u−n)` in
//! O(m²n²/4) additions of positive numbers (no cancellation), and the asymptotic p-value uses the
//! tie-corrected variance and continuity correction. Both match `scipy.stats.mannwhitneyu`.

use super::{all_finite, describe, dist, Alternative};

/// Upper bound on the work of the exact distribution (`m²n²/4` additions); beyond it `Auto`
/// uses the normal approximation, which is excellent at such sizes, and `Exact` gives `None`.
pub const EXACT_MAX_WORK: f64 = 5e7;

/// Largest smaller-sample size for which `Auto` uses the exact distribution (as scipy).
pub const AUTO_EXACT_MAX_N: usize = 8;

/// How the p-value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Exact when there are no ties and `min(n1, n2) ≤ 8`, else asymptotic with continuity
    /// correction (scipy's `method='auto'`).
    Auto,
    /// The exact permutation distribution; `None` with ties or above [`EXACT_MAX_WORK`].
    Exact,
    /// Normal approximation with tie-corrected variance.
    Asymptotic {
        /// Apply the ±0.5 continuity correction (scipy's default).
        continuity: bool,
    },
}

/// Result of a Mann–Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of `x` (head): rank sum of `x` minus `n1(n1+1)/2`; ties count half.
    pub u1: f64,
    /// p-value for the requested alternative.
    pub p: f64,
    /// Whether the exact distribution was used.
    pub exact: bool,
}

impl MannWhitney {
    /// Probability of superiority `P(X > Y) + ½P(X = Y)` estimated as `U1/(n1·n2)`.
    pub fn prob_superiority(&self, n1: usize, n2: usize) -> f64 {
        self.u1 / (n1 as f64 * n2 as f64)
    }
}

/// Mann–Whitney U test of `x` against `y` with [`Method::Auto`].
///
/// `None` when either side is empty or any value is not finite.
pub fn mann_whitney(x: &[f64], y: &[f64], alt: Alternative) -> Option<MannWhitney> {
    mann_whitney_with(x, y, alt, Method::Auto)
}

/// Mann–Whitney U test of `x` against `y` with an explicit [`Method`].
///
/// All values tied (zero variance of U): p = 1, as there is no evidence either way.
pub fn mann_whitney_with(
    x: &[f64],
    y: &[f64],
    alt: Alternative,
    method: Method,
) -> Option<MannWhitney> {
    if x.is_empty() || y.is_empty() || !all_finite(x) || !all_finite(y) {
        return None;
    }
    mann_whitney_sorted(&describe::sorted(x), &describe::sorted(y), alt, method)
}

/// [`mann_whitney_with`] for samples already sorted ascending and known to be finite and
/// non-empty.
pub(crate) fn mann_whitney_sorted(
    x: &[f64],
    y: &[f64],
    alt: Alternative,
    method: Method,
) -> Option<MannWhitney> {
    let ranks = rank_sums(x, y);
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let u1 = ranks.rank_sum_x - n1 * (n1 + 1.0) / 2.0;
    let u2 = n1 * n2 - u1;
    let exact_possible = ranks.tie_term == 0.0 && exact_work(x.len(), y.len()) <= EXACT_MAX_WORK;
    let use_exact = match method {
        Method::Auto => exact_possible && x.len().min(y.len()) <= AUTO_EXACT_MAX_N,
        Method::Exact if exact_possible => true,
        Method::Exact => return None,
        Method::Asymptotic { .. } => false,
    };
    let p = if use_exact {
        let counts = u_distribution(x.len(), y.len());
        match alt {
            Alternative::Greater => exact_sf(&counts, u1),
            Alternative::Less => exact_sf(&counts, u2),
            Alternative::TwoSided => (2.0 * exact_sf(&counts, u1.max(u2))).min(1.0),
        }
    } else {
        let continuity = !matches!(method, Method::Asymptotic { continuity: false });
        asymptotic_p(u1, u2, n1, n2, ranks.tie_term, alt, continuity)
    };
    Some(MannWhitney {
        u1,
        p,
        exact: use_exact,
    })
}

struct RankSums {
    rank_sum_x: f64,
    /// `Σ (t³ − t)` over groups of tied values.
    tie_term: f64,
}

/// Average ranks of the pooled sample (1-based), summed over `x`, by merging the sorted samples.
fn rank_sums(x: &[f64], y: &[f64]) -> RankSums {
    let (mut i, mut j) = (0, 0);
    let (mut rank_sum_x, mut tie_term) = (0.0, 0.0);
    // Ranks already assigned.
    let mut assigned = 0usize;
    while i < x.len() || j < y.len() {
        // The smallest remaining value; `==` below groups -0.0 with 0.0 (same measurement).
        let v = match (x.get(i), y.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let from_x = x[i..].iter().take_while(|&&a| a == v).count();
        let from_y = y[j..].iter().take_while(|&&b| b == v).count();
        i += from_x;
        j += from_y;
        let t = (from_x + from_y) as f64;
        // Ranks assigned+1 ..= assigned+t share their average.
        let avg = assigned as f64 + (t + 1.0) / 2.0;
        rank_sum_x += avg * from_x as f64;
        tie_term += t * t * t - t;
        assigned += from_x + from_y;
    }
    RankSums {
        rank_sum_x,
        tie_term,
    }
}

fn asymptotic_p(
    u1: f64,
    u2: f64,
    n1: f64,
    n2: f64,
    tie_term: f64,
    alt: Alternative,
    continuity: bool,
) -> f64 {
    let n = n1 + n2;
    let mu = n1 * n2 / 2.0;
    let tie_fraction = if n > 1.0 {
        tie_term / (n * (n - 1.0))
    } else {
        0.0
    };
    let var = n1 * n2 / 12.0 * ((n + 1.0) - tie_fraction);
    if var.is_nan() || var <= 0.0 {
        // Every value tied: U carries no information.
        return 1.0;
    }
    let (u, factor) = match alt {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let correction = if continuity { 0.5 } else { 0.0 };
    let z = (u - mu - correction) / var.sqrt();
    (factor * dist::normal_sf(z)).clamp(0.0, 1.0)
}

fn exact_work(n1: usize, n2: usize) -> f64 {
    let (m, n) = (n1.min(n2) as f64, n1.max(n2) as f64);
    m * m * n * n / 4.0
}

/// Counts `c[u]` of arrangements with `U = u` for samples of sizes `n1` and `n2` (the
/// distribution is symmetric in the two sizes, so the smaller one drives the recurrence).
fn u_distribution(n1: usize, n2: usize) -> Vec<f64> {
    let (m, n) = (n1.min(n2), n1.max(n2));
    let len = m * n + 1;
    // c[k] holds c(k, j, ·) for the current j; c(0, j, ·) = [1, 0, …] for every j.
    let mut c: Vec<Vec<f64>> = (0..=m)
        .map(|k| {
            let mut v = vec![0.0; len];
            if k == 0 {
                v[0] = 1.0;
            }
            v
        })
        .collect();
    // c(k, 0, ·) = [1, 0, …] too: k values of x and no y give U = 0.
    for v in c.iter_mut() {
        v[0] = 1.0;
    }
    for j in 1..=n {
        for k in 1..=m {
            let (lower, upper) = c.split_at_mut(k);
            let prev = &lower[k - 1];
            let cur = &mut upper[0];
            // c(k, j, u) = c(k, j−1, u) + c(k−1, j, u−j), for u up to k·j.
            for u in j..=k * j {
                cur[u] += prev[u - j];
            }
        }
    }
    c.pop().unwrap_or_default()
}

/// `P(U ≥ u)` from the counts of the exact distribution.
fn exact_sf(counts: &[f64], u: f64) -> f64 {
    let total: f64 = counts.iter().sum();
    let start = u.ceil().max(0.0) as usize;
    if start >= counts.len() {
        return 0.0;
    }
    // Sum the smaller tail, so the result keeps its relative precision when it is tiny.
    let upper: f64 = counts[start..].iter().sum();
    (upper / total).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binomial(n: u64, k: u64) -> f64 {
        (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
    }

    #[test]
    fn exact_distribution_sums_to_binomial_and_is_symmetric() {
        for (m, n) in [(1, 1), (2, 3), (5, 6), (8, 20), (3, 3)] {
            let c = u_distribution(m, n);
            assert_eq!(c.len(), m * n + 1);
            let total: f64 = c.iter().sum();
            assert!((total - binomial((m + n) as u64, m as u64)).abs() < 1e-6);
            for u in 0..c.len() {
                assert_eq!(c[u], c[c.len() - 1 - u]);
            }
            assert_eq!(u_distribution(n, m), c);
        }
    }

    #[test]
    fn minimum_exact_p_values_match_the_notes() {
        // n vs n completely separated: two-sided p = 2/C(2n, n).
        for n in 2..=8 {
            let x: Vec<f64> = (0..n).map(|i| 100.0 + i as f64).collect();
            let y: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let r = mann_whitney(&x, &y, Alternative::TwoSided).unwrap();
            assert!(r.exact);
            let expect = 2.0 / binomial(2 * n as u64, n as u64);
            assert!((r.p - expect).abs() < 1e-15, "n={n}");
        }
    }

    #[test]
    fn all_tied_gives_p_one() {
        let r = mann_whitney(&[2.0; 5], &[2.0; 7], Alternative::TwoSided).unwrap();
        assert_eq!((r.u1, r.p, r.exact), (17.5, 1.0, false));
    }

    #[test]
    fn exact_refuses_ties_and_huge_samples() {
        let x = [1.0, 2.0, 2.0];
        assert!(mann_whitney_with(&x, &[2.0, 3.0], Alternative::Less, Method::Exact).is_none());
        let big: Vec<f64> = (0..200).map(f64::from).collect();
        let r = mann_whitney_with(&big, &big, Alternative::Less, Method::Exact);
        assert!(r.is_none());
    }

    #[test]
    fn empty_or_non_finite_is_none() {
        assert!(mann_whitney(&[], &[1.0], Alternative::TwoSided).is_none());
        assert!(mann_whitney(&[1.0, f64::NAN], &[1.0], Alternative::TwoSided).is_none());
    }
}
