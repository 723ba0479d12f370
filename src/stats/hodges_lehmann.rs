//! The Hodges–Lehmann shift: the median of all pairwise differences `x_i − y_j`.
//!
//! It is the location shift that Mann–Whitney's U "sees", so it is the natural effect size to
//! print next to the U test. `compare` of 1,000 benchmarks × 100×100 samples must stay well under
//! a second, so the `n1·n2` differences are not materialised. After sorting both samples, the
//! number of differences `≤ v` is counted in O(n1 + n2) with two pointers; a search over `v`
//! (interpolation on the counts, every other step a bisection of the f64 bit patterns, so it
//! always terminates) narrows a bracket until it holds at most a few hundred differences, which
//! are then collected and selected exactly. At 100×100 that is ~5 counting passes instead of
//! sorting or selecting 10,000 values. Tiny inputs use plain selection.

use super::{all_finite, describe};

/// Products `n1·n2` up to this size materialise the differences (simplest for tiny inputs).
const MATERIALISE_MAX: usize = 256;

/// Median of all differences `x_i − y_j` (the average of the two middle ones for an even count),
/// as `numpy.median(x[:, None] − y[None, :])`.
///
/// `None` when a side is empty or any value is not finite.
pub fn hodges_lehmann(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.is_empty() || y.is_empty() || !all_finite(x) || !all_finite(y) {
        return None;
    }
    hodges_lehmann_sorted(&describe::sorted(x), &describe::sorted(y))
}

/// [`hodges_lehmann`] for samples already sorted ascending and known to be finite.
pub(crate) fn hodges_lehmann_sorted(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let total = x.len().checked_mul(y.len())?;
    if total <= MATERIALISE_MAX {
        Some(by_selection(x, y))
    } else {
        Some(by_counting(x, y))
    }
}

fn by_selection(x: &[f64], y: &[f64]) -> f64 {
    let mut d: Vec<f64> = Vec::with_capacity(x.len() * y.len());
    for &a in x {
        d.extend(y.iter().map(|&b| a - b));
    }
    let n = d.len();
    let mid = n / 2;
    let (below, &mut upper, _) = d.select_nth_unstable_by(mid, f64::total_cmp);
    if n % 2 == 1 {
        return upper;
    }
    // The lower middle is the largest of the elements placed before `mid`.
    let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    midpoint(lower, upper)
}

/// Midpoint that cannot overflow for large finite values of the same sign.
fn midpoint(a: f64, b: f64) -> f64 {
    let m = (a + b) / 2.0;
    if m.is_finite() {
        m
    } else {
        a / 2.0 + b / 2.0
    }
}

/// Number of pairs with `x_i − y_j ≤ v` (as computed in floating point, which is monotone in
/// both arguments), for sorted `x` and `y`.
fn count_at_most(x: &[f64], y: &[f64], v: f64) -> usize {
    // For ascending x_i, the y_j with x_i − y_j ≤ v form a suffix of y starting at `j`, and
    // `j` only moves right as x_i grows.
    let mut j = 0;
    let mut count = 0;
    for &a in x {
        while j < y.len() && a - y[j] > v {
            j += 1;
        }
        count += y.len() - j;
    }
    count
}

/// Order-preserving map from f64 to u64 (for finite and infinite values).
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

fn from_key(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// The differences in `(lo, hi]`, for sorted `x` and `y`.
fn collect_between(x: &[f64], y: &[f64], lo: f64, hi: f64, out: &mut Vec<f64>) {
    // For ascending x_i, the j with x_i − y_j ≤ hi start at `j_hi` and those with
    // x_i − y_j ≤ lo at `j_lo`; both only move right.
    let (mut j_hi, mut j_lo) = (0, 0);
    for &a in x {
        while j_hi < y.len() && a - y[j_hi] > hi {
            j_hi += 1;
        }
        while j_lo < y.len() && a - y[j_lo] > lo {
            j_lo += 1;
        }
        out.extend(y[j_hi..j_lo].iter().map(|&b| a - b));
    }
}

/// The smallest difference strictly above `v`, if any.
fn next_difference_above(x: &[f64], y: &[f64], v: f64) -> Option<f64> {
    // For each x_i the smallest difference above v is x_i − y_j for the largest j with
    // x_i − y_j > v, i.e. just before the first j with x_i − y_j ≤ v.
    let mut j = 0;
    let mut best: Option<f64> = None;
    for &a in x {
        while j < y.len() && a - y[j] > v {
            j += 1;
        }
        if j > 0 {
            let d = a - y[j - 1];
            best = Some(best.map_or(d, |b: f64| b.min(d)));
        }
    }
    best
}

/// Brackets with at most this many differences are finished by selection.
const COLLECT_MAX: usize = 512;

/// The `k`-th smallest difference (0-based) of sorted `x` and `y`.
fn kth_difference(x: &[f64], y: &[f64], k: usize) -> f64 {
    let total = x.len() * y.len();
    // Invariant: count(lo) ≤ k < count(hi), so the answer is in (lo, hi].
    let mut hi = x[x.len() - 1] - y[0];
    let mut lo = (x[0] - y[y.len() - 1]).next_down();
    let (mut count_lo, mut count_hi) = (0usize, total);
    let limit = COLLECT_MAX.max(x.len() + y.len());
    let mut interpolate = true;
    loop {
        if key(hi) - key(lo) <= 1 {
            // No representable value strictly between: the answer is `hi` itself.
            return hi;
        }
        if count_hi - count_lo <= limit {
            let mut between = Vec::with_capacity(count_hi - count_lo);
            collect_between(x, y, lo, hi, &mut between);
            let rank = k - count_lo;
            if rank < between.len() {
                let (_, &mut v, _) = between.select_nth_unstable_by(rank, f64::total_cmp);
                return v;
            }
            // Unreachable for consistent counts; fall back to narrowing.
        }
        let bisect = from_key(key(lo) + (key(hi) - key(lo)) / 2);
        let v = if interpolate {
            let share = (k - count_lo) as f64 + 0.5;
            let guess = lo + (hi - lo) * (share / (count_hi - count_lo) as f64);
            if guess > lo && guess < hi {
                guess
            } else {
                bisect
            }
        } else {
            bisect
        };
        // Alternating guarantees at most ~128 steps even when interpolation is useless.
        interpolate = !interpolate;
        let c = count_at_most(x, y, v);
        if c <= k {
            (lo, count_lo) = (v, c);
        } else {
            (hi, count_hi) = (v, c);
        }
    }
}

fn by_counting(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() * y.len();
    if n % 2 == 1 {
        return kth_difference(x, y, n / 2);
    }
    let lower = kth_difference(x, y, n / 2 - 1);
    // The upper middle is the same value when it is repeated, else the next difference up.
    let upper = if count_at_most(x, y, lower) > n / 2 {
        lower
    } else {
        next_difference_above(x, y, lower).unwrap_or(lower)
    };
    midpoint(lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_agrees_with_selection() {
        // Deterministic pseudo-random values with ties and negative numbers.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % 1000) as f64 / 7.0 - 50.0
        };
        for (n1, n2) in [
            (1, 1),
            (1, 2),
            (3, 4),
            (7, 7),
            (10, 13),
            (40, 31),
            (100, 100),
            (150, 99),
        ] {
            let x: Vec<f64> = (0..n1).map(|_| next()).collect();
            let y: Vec<f64> = (0..n2).map(|_| next()).collect();
            let a = by_selection(&x, &y);
            let b = by_counting(&describe::sorted(&x), &describe::sorted(&y));
            assert_eq!(a, b, "{n1}x{n2}");
        }
    }

    #[test]
    fn key_preserves_order() {
        let v = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -0.0,
            0.0,
            1e-300,
            1.0,
            f64::INFINITY,
        ];
        for w in v.windows(2) {
            assert!(key(w[0]) <= key(w[1]));
            assert_eq!(from_key(key(w[0])).to_bits(), w[0].to_bits());
        }
    }

    #[test]
    fn large_inputs_use_counting() {
        let x: Vec<f64> = (0..400).map(|i| f64::from(i) * 0.5 + 3.0).collect();
        let y: Vec<f64> = (0..300).map(|i| f64::from(i) * 0.5).collect();
        let hl = hodges_lehmann(&x, &y).unwrap();
        assert_eq!(hl, by_selection(&x, &y));
    }

    #[test]
    fn empty_or_non_finite_is_none() {
        assert!(hodges_lehmann(&[], &[1.0]).is_none());
        assert!(hodges_lehmann(&[f64::INFINITY], &[1.0]).is_none());
    }
}
