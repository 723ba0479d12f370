//! Minimum detectable effect: the smallest change a comparison can see.
//!
//! An inconclusive result is only useful with this number next to it ("with 3 runs per side and
//! 5 % noise, the smallest change this can see is ~13 %"). For a one-sided level-α t test with
//! standard error `se` of the log-ratio, a true log-ratio of `(t_{1−α} + t_{power})·se` is detected
//! with probability `power`.

use super::dist;

/// Minimum detectable effect as a ratio minus one: `expm1((t_{1−α,df} + t_{power,df})·se_log)`.
///
/// NaN for invalid arguments (`se_log < 0` or not finite, `df ≤ 0`, `alpha` or `power` outside
/// `(0, 1)`). `df = +∞` uses the normal distribution.
pub fn min_detectable_effect(se_log: f64, df: f64, alpha: f64, power: f64) -> f64 {
    min_detectable_effect_with_margin(se_log, df, alpha, power, 0.0)
}

/// Minimum detectable effect of the minimum-effect test `H0: ratio ≤ 1 + margin`:
/// `expm1(ln(1 + margin) + (t_{1−α,df} + t_{power,df})·se_log)`.
///
/// This is what a "regression" verdict needs (the noise margin has to be cleared as well), so it
/// is the number reported with relative comparisons. NaN for invalid arguments or
/// `margin ≤ −1`.
pub fn min_detectable_effect_with_margin(
    se_log: f64,
    df: f64,
    alpha: f64,
    power: f64,
    margin: f64,
) -> f64 {
    let in_unit = |v: f64| v > 0.0 && v < 1.0;
    let valid = se_log >= 0.0
        && se_log.is_finite()
        && in_unit(alpha)
        && in_unit(power)
        && margin > -1.0
        && margin.is_finite();
    if !valid {
        return f64::NAN;
    }
    let z = dist::t_quantile(1.0 - alpha, df) + dist::t_quantile(power, df);
    (margin.ln_1p() + z * se_log).exp_m1()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_mde_table_of_the_notes() {
        // §2.8: n = 3 per side, CV 5 %, α = 0.05 → 13.4 %; n = 10, CV 2 % → 2.3 %.
        let se = |cv: f64, n: f64| cv * (2.0 / n).sqrt();
        let mde = min_detectable_effect(se(0.05, 3.0), 4.0, 0.05, 0.8);
        assert!((mde - 0.134).abs() < 0.0005, "{mde}");
        let mde = min_detectable_effect(se(0.02, 10.0), 18.0, 0.05, 0.8);
        assert!((mde - 0.023).abs() < 0.0005, "{mde}");
    }

    #[test]
    fn invalid_arguments_are_nan() {
        assert!(min_detectable_effect(-1.0, 5.0, 0.05, 0.8).is_nan());
        assert!(min_detectable_effect(0.01, 0.0, 0.05, 0.8).is_nan());
        assert!(min_detectable_effect(0.01, 5.0, 0.0, 0.8).is_nan());
        assert!(min_detectable_effect(0.01, 5.0, 0.05, 1.0).is_nan());
        assert!(min_detectable_effect_with_margin(0.01, 5.0, 0.05, 0.8, -1.0).is_nan());
    }

    #[test]
    fn zero_noise_detects_anything_beyond_the_margin() {
        assert_eq!(min_detectable_effect(0.0, f64::INFINITY, 0.05, 0.8), 0.0);
        let m = min_detectable_effect_with_margin(0.0, 10.0, 0.05, 0.8, 0.01);
        assert!((m - 0.01).abs() < 1e-15);
    }
}
