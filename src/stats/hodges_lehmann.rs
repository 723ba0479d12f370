//! The Hodges–Lehmann shift: the median of all pairwise differences `x_i − y_j`.
//!
//! It is the location shift that Mann–Whitney's U "sees", so it is the natural effect size to
//! print next to the U test. `compare` of 1,000 benchmarks × 100×100 samples must stay well under
//! a second, so the `n1·n2` differences are never sorted: small products use a linear-time
//! selection, large ones a search over the value range that counts differences `≤ v` in
//! O(n1 + n2) per step with two pointers on the sorted samples (at most 64 steps: the search runs
//! over the bit patterns of f64, so it is exact, not a tolerance).

use super::{all_finite, describe};

/// Products `n1·n2` up to this size materialise the differences (faster for small inputs).
const MATERIALISE_MAX: usize = 1 << 16;

/// Median of all differences `x_i − y_j` (the average of the two middle ones for an even count),
/// as `numpy.median(x[:, None] − y[None, :])`.
///
/// `None` when a side is empty or any value is not finite.
pub fn hodges_lehmann(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.is_empty() || y.is_empty() || !all_finite(x) || !all_finite(y) {
        return None;
    }
    let total = x.len().checked_mul(y.len())?;
    if total <= MATERIALISE_MAX {
        Some(by_selection(x, y))
    } else {
        Some(by_counting(&describe::sorted(x), &describe::sorted(y)))
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

/// The `k`-th smallest difference (0-based) by bisection over ordered bit patterns: the smallest
/// representable `v` with `count_at_most(v) > k` is that difference itself.
fn kth_difference(x: &[f64], y: &[f64], k: usize) -> f64 {
    let lowest = x[0] - y[y.len() - 1];
    let highest = x[x.len() - 1] - y[0];
    let (mut lo, mut hi) = (key(lowest), key(highest));
    // Invariant: count(from_key(hi)) > k; the answer lies in [lo, hi].
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let v = from_key(mid);
        // -0.0 and 0.0 compare equal; either bit pattern gives the same count.
        if count_at_most(x, y, v) > k {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    from_key(hi)
}

fn by_counting(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() * y.len();
    let upper = kth_difference(x, y, n / 2);
    if n % 2 == 1 {
        return upper;
    }
    midpoint(kth_difference(x, y, n / 2 - 1), upper)
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
        for (n1, n2) in [(1, 1), (1, 2), (3, 4), (7, 7), (10, 13), (40, 31)] {
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
