//! Yuen's trimmed-means test: Welch's test on trimmed means with winsorized variances.
//!
//! With `trim = 0.2` this is `scipy.stats.ttest_ind(x, y, equal_var=False, trim=0.2)`. Trimming
//! makes the test robust to the spikes and slow iterations of benchmark samples, which destroy the
//! mean (and with it Welch's power) while leaving the bulk of the distribution untouched.

use super::welch::{combine, SeTerm};
use super::{all_finite, describe, Alternative};

pub use super::TTest;

/// The Yuen term of one sample: trimmed mean, `(n−1)·s²_w/(h(h−1))` and `h − 1`, where
/// `g = floor(trim·n)` values are cut from each end and `h = n − 2g` remain.
///
/// `None` when `trim ∉ [0, 0.5)`, any value is not finite, or fewer than two values remain.
pub fn yuen_term(x: &[f64], trim: f64) -> Option<SeTerm> {
    if !(0.0..0.5).contains(&trim) || !all_finite(x) {
        return None;
    }
    let s = describe::sorted(x);
    yuen_term_sorted(&s, trim)
}

/// [`yuen_term`] for data already sorted ascending and known to be finite.
pub(crate) fn yuen_term_sorted(s: &[f64], trim: f64) -> Option<SeTerm> {
    let n = s.len();
    let g = describe::trim_count(n, trim);
    let h = n.checked_sub(2 * g)?;
    if h < 2 {
        return None;
    }
    let location = describe::mean(&s[g..n - g]);
    let sw2 = describe::winsorized_variance_sorted(s, g);
    let se2 = (n - 1) as f64 * sw2 / (h * (h - 1)) as f64;
    (location.is_finite() && se2.is_finite()).then_some(SeTerm {
        location,
        se2,
        df: (h - 1) as f64,
    })
}

/// Yuen's test of `H0: trimmed_mean(x) − trimmed_mean(y) = margin` against `alt`.
///
/// `estimate` is the difference of trimmed means, `se² = dx + dy` with
/// `d = (n−1)·s²_w/(h(h−1))`, and df is Welch–Satterthwaite on `d` with `h − 1` per side. Zero
/// winsorized variance on both sides is handled as in [`super::welch::welch`] (deterministic).
/// `None` when a side has fewer than two values left after trimming, any value or the margin is
/// not finite, or `trim ∉ [0, 0.5)`.
pub fn yuen(x: &[f64], y: &[f64], trim: f64, margin: f64, alt: Alternative) -> Option<TTest> {
    combine(yuen_term(x, trim)?, yuen_term(y, trim)?, margin, alt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_trim_is_welch() {
        let x = [1.0, 2.5, 3.0, 4.5, 7.0];
        let y = [0.5, 1.0, 2.0, 2.0, 2.5, 3.0];
        let a = yuen(&x, &y, 0.0, 0.3, Alternative::Greater).unwrap();
        let b = super::super::welch::welch(&x, &y, 0.3, Alternative::Greater).unwrap();
        assert!((a.t - b.t).abs() < 1e-12 && (a.df - b.df).abs() < 1e-9);
    }

    #[test]
    fn too_few_after_trimming_is_none() {
        assert!(yuen(&[1.0], &[1.0, 2.0, 3.0], 0.2, 0.0, Alternative::TwoSided).is_none());
        assert!(yuen(&[1.0, 2.0], &[1.0, 2.0], 0.5, 0.0, Alternative::TwoSided).is_none());
        assert!(yuen(&[1.0, 2.0], &[1.0, 2.0], -0.1, 0.0, Alternative::TwoSided).is_none());
        // n = 5, g = 1, h = 3: still fine.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!(yuen(&x, &x, 0.2, 0.0, Alternative::TwoSided).is_some());
    }

    #[test]
    fn all_equal_is_deterministic() {
        let r = yuen(&[3.0; 12], &[3.0; 10], 0.2, 0.0, Alternative::Greater).unwrap();
        assert_eq!((r.estimate, r.t, r.p), (0.0, 0.0, 1.0));
    }
}
