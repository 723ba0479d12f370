//! Welch's unequal-variance t-test, with a margin (`H0: μx − μy = margin`).
//!
//! Identical to `scipy.stats.ttest_ind(x − margin, y, equal_var=False, alternative=…)`. The
//! variance terms are exposed so callers can add further variance components (calibrated
//! run-to-run noise) and recombine the degrees of freedom.

use super::{all_finite, describe, t_from_estimate, Alternative};

pub use super::TTest;

/// One side's contribution to a Welch-type standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeTerm {
    /// The location estimate (mean, or trimmed mean for Yuen).
    pub location: f64,
    /// Its squared standard error (`s²/n` for Welch, `(n−1)s²_w/(h(h−1))` for Yuen).
    pub se2: f64,
    /// Degrees of freedom of `se2` (`n − 1`, or `h − 1` for Yuen).
    pub df: f64,
}

/// The Welch term of one sample: mean, `s²/n` and `n − 1`. `None` for fewer than two values or
/// non-finite input (or a variance that overflows).
pub fn welch_term(x: &[f64]) -> Option<SeTerm> {
    if x.len() < 2 || !all_finite(x) {
        return None;
    }
    let location = describe::mean(x);
    let se2 = describe::variance(x) / x.len() as f64;
    (location.is_finite() && se2.is_finite()).then_some(SeTerm {
        location,
        se2,
        df: (x.len() - 1) as f64,
    })
}

/// Satterthwaite's approximate degrees of freedom of a sum of independent variance terms
/// `(se², df)`. Terms with infinite df (known variances) add nothing to the denominator. When
/// every term is zero the sum is known exactly: `+∞`.
pub fn satterthwaite_df(terms: &[(f64, f64)]) -> f64 {
    let total: f64 = terms.iter().map(|&(v, _)| v).sum();
    let denominator: f64 = terms
        .iter()
        .filter(|&&(v, df)| v > 0.0 && df.is_finite())
        .map(|&(v, df)| v * v / df)
        .sum();
    if total <= 0.0 || denominator <= 0.0 {
        return f64::INFINITY;
    }
    // Scale-free form: (Σv)²/Σ(v²/df) overflows only when the variances themselves do.
    let df = (total / denominator) * total;
    if df.is_finite() {
        df
    } else {
        f64::INFINITY
    }
}

/// Combine two sides into a test of `x − y − margin`.
pub(crate) fn combine(x: SeTerm, y: SeTerm, margin: f64, alt: Alternative) -> Option<TTest> {
    let estimate = x.location - y.location;
    let se2 = x.se2 + y.se2;
    if !estimate.is_finite() || !se2.is_finite() || !margin.is_finite() {
        return None;
    }
    let se = se2.sqrt();
    let df = satterthwaite_df(&[(x.se2, x.df), (y.se2, y.df)]);
    let (t, p) = t_from_estimate(estimate, margin, se, df, alt);
    Some(TTest {
        estimate,
        se,
        df,
        t,
        p,
    })
}

/// Welch's t-test of `H0: mean(x) − mean(y) = margin` against `alt`.
///
/// `t = (x̄ − ȳ − margin)/√(s²x/nx + s²y/ny)`, Welch–Satterthwaite df. One side with zero
/// variance gives df = n_other − 1; both sides with zero variance make the difference
/// deterministic: t = ±∞ (p = 0 or 1) or, when it equals the margin, t = 0 and p = 1.
/// `None` if a side has fewer than two values or any value (or the margin) is not finite.
pub fn welch(x: &[f64], y: &[f64], margin: f64, alt: Alternative) -> Option<TTest> {
    combine(welch_term(x)?, welch_term(y)?, margin, alt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_few_or_non_finite_is_none() {
        assert!(welch(&[], &[1.0, 2.0], 0.0, Alternative::TwoSided).is_none());
        assert!(welch(&[1.0], &[1.0, 2.0], 0.0, Alternative::TwoSided).is_none());
        assert!(welch(&[1.0, f64::NAN], &[1.0, 2.0], 0.0, Alternative::Less).is_none());
        assert!(welch(&[1.0, 2.0], &[1.0, f64::INFINITY], 0.0, Alternative::Less).is_none());
        assert!(welch(&[1.0, 2.0], &[1.0, 3.0], f64::NAN, Alternative::Less).is_none());
    }

    #[test]
    fn zero_variance_both_sides_is_deterministic() {
        let same = welch(&[5.0; 4], &[5.0; 6], 0.0, Alternative::TwoSided).unwrap();
        assert_eq!((same.t, same.p, same.se), (0.0, 1.0, 0.0));
        assert_eq!(same.df, f64::INFINITY);
        let up = welch(&[6.0; 4], &[5.0; 6], 0.0, Alternative::Greater).unwrap();
        assert_eq!((up.t, up.p), (f64::INFINITY, 0.0));
        let up_less = welch(&[6.0; 4], &[5.0; 6], 0.0, Alternative::Less).unwrap();
        assert_eq!(up_less.p, 1.0);
        // Beyond the margin in the other direction: certainly not greater.
        let below = welch(&[6.0; 4], &[5.0; 6], 2.0, Alternative::Greater).unwrap();
        assert_eq!((below.t, below.p), (f64::NEG_INFINITY, 1.0));
    }

    #[test]
    fn satterthwaite_ignores_known_variances() {
        assert_eq!(satterthwaite_df(&[(0.0, 4.0), (0.0, 5.0)]), f64::INFINITY);
        assert_eq!(satterthwaite_df(&[(1.0, 4.0), (0.0, 5.0)]), 4.0);
        assert_eq!(satterthwaite_df(&[(1.0, f64::INFINITY)]), f64::INFINITY);
        let df = satterthwaite_df(&[(1.0, 9.0), (1.0, f64::INFINITY)]);
        assert!((df - 36.0).abs() < 1e-12);
    }
}
