//! Safe wrappers around statrs' Student t, normal, χ² and F distributions.
//!
//! statrs' constructors return errors and its `inverse_cdf` panics for a probability outside
//! `[0, 1]`; these wrappers never panic. Invalid arguments (NaN, df ≤ 0, p outside `[0, 1]`)
//! give NaN. Student t with infinite or very large df is the standard normal: statrs' incomplete
//! beta is slow and loses accuracy there, and the difference is below 1e-9 anyway.

use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor, Normal, StudentsT};

/// Degrees of freedom above which Student's t is replaced by the normal distribution.
///
/// At df = 1e9 the t and normal tails differ by about 1e-9 relative at |t| ≤ 6, far below the
/// tolerance of anything computed from data.
pub const NORMAL_DF: f64 = 1e9;

fn students_t(df: f64) -> Option<StudentsT> {
    if df.is_nan() || df <= 0.0 || df > NORMAL_DF {
        return None;
    }
    StudentsT::new(0.0, 1.0, df).ok()
}

fn df_is_valid(df: f64) -> bool {
    !df.is_nan() && df > 0.0
}

/// Upper tail `P(T > t)` of Student's t with `df` degrees of freedom.
pub fn t_sf(t: f64, df: f64) -> f64 {
    if !df_is_valid(df) || t.is_nan() {
        return f64::NAN;
    }
    if t == f64::INFINITY {
        return 0.0;
    }
    if t == f64::NEG_INFINITY {
        return 1.0;
    }
    match students_t(df) {
        Some(d) => d.sf(t),
        None => normal_sf(t),
    }
}

/// Lower tail `P(T ≤ t)` of Student's t with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() {
        return f64::NAN;
    }
    // By symmetry; this keeps the small lower tail accurate (no `1 − sf` cancellation).
    t_sf(-t, df)
}

/// Quantile of Student's t: the `t` with `P(T ≤ t) = p`. `p = 0` and `p = 1` give `∓∞`.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !df_is_valid(df) || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    match students_t(df) {
        Some(d) => d.inverse_cdf(p),
        None => normal_quantile(p),
    }
}

/// Upper tail `P(Z > z)` of the standard normal distribution.
pub fn normal_sf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    Normal::standard().sf(z)
}

/// Lower tail `P(Z ≤ z)` of the standard normal distribution.
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    Normal::standard().cdf(z)
}

/// Quantile of the standard normal distribution. `p = 0` and `p = 1` give `∓∞`.
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    Normal::standard().inverse_cdf(p)
}

/// Quantile of the χ² distribution with `df` degrees of freedom (for variance intervals).
pub fn chi_squared_quantile(p: f64, df: f64) -> f64 {
    if !df_is_valid(df) || df.is_infinite() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// Quantile of the F distribution with `df1` and `df2` degrees of freedom (variance ratios).
pub fn f_quantile(p: f64, df1: f64, df2: f64) -> f64 {
    let finite_positive = |d: f64| d.is_finite() && d > 0.0;
    if !finite_positive(df1) || !finite_positive(df2) || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    match FisherSnedecor::new(df1, df2) {
        Ok(d) => d.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_arguments_give_nan_not_panic() {
        assert!(t_quantile(1.5, 3.0).is_nan());
        assert!(t_quantile(-0.1, 3.0).is_nan());
        assert!(t_quantile(0.5, 0.0).is_nan());
        assert!(t_quantile(f64::NAN, 3.0).is_nan());
        assert!(t_sf(1.0, f64::NAN).is_nan());
        assert!(t_sf(1.0, -2.0).is_nan());
        assert!(normal_quantile(2.0).is_nan());
        assert!(chi_squared_quantile(0.5, 0.0).is_nan());
        assert!(f_quantile(0.5, 1.0, f64::INFINITY).is_nan());
    }

    #[test]
    fn infinite_and_huge_df_is_normal() {
        let z = normal_quantile(0.975);
        assert_eq!(t_quantile(0.975, f64::INFINITY), z);
        assert!((t_quantile(0.975, 1e8) - z).abs() < 1e-7);
        assert!((t_quantile(0.975, 2e9) - z).abs() < 1e-12);
        assert!((t_sf(2.0, 1e12) - normal_sf(2.0)).abs() < 1e-15);
    }

    #[test]
    fn infinite_statistics_give_certain_tails() {
        assert_eq!(t_sf(f64::INFINITY, 5.0), 0.0);
        assert_eq!(t_sf(f64::NEG_INFINITY, 5.0), 1.0);
        assert_eq!(t_cdf(f64::INFINITY, 5.0), 1.0);
        assert_eq!(t_quantile(0.0, 5.0), f64::NEG_INFINITY);
        assert_eq!(t_quantile(1.0, 5.0), f64::INFINITY);
    }
}
