//! Safe wrappers around statrs' Student t, normal, χ² and F distributions.
//!
//! statrs' constructors return errors and its `inverse_cdf` panics for a probability outside
//! `[0, 1]`; these wrappers never panic. Invalid arguments (NaN, df ≤ 0, p outside `[0, 1]`)
//! give NaN.
//!
//! Student's t needs more care than a wrapper:
//!
//! * statrs' `inverse_cdf` is off by ~1e-7 relative near the median for df ≥ 100, by ~1e-5 at
//!   df = 1e5, wrong in the far tails at df = 1 (t.ppf(1e-10, 1) = −3.2e9, statrs −8.9e7) and does
//!   not return at all for df ≥ 1e8. [`t_quantile`] refines a starting guess with safeguarded
//!   Newton steps on `sf`, so the quantile is as accurate as the tail function.
//! * statrs' `sf` loses the digits that separate it from ½ near the median; there we use the
//!   complementary incomplete-beta form (see `students_t_sf`).
//! * Its incomplete beta loses accuracy for df in the millions (1.7e-8 relative at 1e7, against
//!   ≤ 4e-10 up to 1e6, checked with mpmath). Above [`ASYMPTOTIC_DF`] we use Abramowitz & Stegun
//!   26.7.8 (as R's `pt` does above 4e5), whose error is O(1/df²) (≤ 2e-9 at |t| ≤ 8 there), with
//!   its exact inverse for the quantile; at df = +∞ it is the standard normal.

use statrs::distribution::{
    Beta, ChiSquared, Continuous, ContinuousCDF, FisherSnedecor, Normal, StudentsT,
};

/// Degrees of freedom above which Student's t uses the A&S 26.7.8 normal approximation
/// `Φ̄(t(1 − 1/(4ν)) / √(1 + t²/(2ν)))`; it is the standard normal at `ν = +∞`.
pub const ASYMPTOTIC_DF: f64 = 2e6;

fn students_t(df: f64) -> Option<StudentsT> {
    if df.is_nan() || df <= 0.0 || df > ASYMPTOTIC_DF {
        return None;
    }
    StudentsT::new(0.0, 1.0, df).ok()
}

fn df_is_valid(df: f64) -> bool {
    !df.is_nan() && df > 0.0
}

/// The normal deviate of A&S 26.7.8 for `t` at large `df` (`t` itself at `df = +∞`).
fn asymptotic_z(t: f64, df: f64) -> f64 {
    let v = 1.0 / (4.0 * df);
    t * (1.0 - v) / (1.0 + 2.0 * v * t * t).sqrt()
}

/// Inverse of [`asymptotic_z`]: `t = z / √((1 − v)² − 2vz²)` with `v = 1/(4ν)`.
fn asymptotic_t(z: f64, df: f64) -> f64 {
    let v = 1.0 / (4.0 * df);
    let denominator = (1.0 - v) * (1.0 - v) - 2.0 * v * z * z;
    if denominator <= 0.0 {
        // Only for |z| > ~450 at the smallest df this branch serves: beyond any f64 tail.
        return z.signum() * f64::INFINITY;
    }
    z / denominator.sqrt()
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
        Some(_) => students_t_sf(t, df),
        None => normal_sf(asymptotic_z(t, df)),
    }
}

/// `sf` of Student's t from the incomplete beta function (a Beta distribution's cdf, as statrs'
/// own `StudentsT::sf` computes it), with two repairs:
///
/// * statrs uses `I_h(ν/2, ½)` with `h = ν/(ν + t²)`, which for `t² ≪ ν` is 1 minus a tiny number
///   and loses the digits that separate `sf` from ½ (this made quantile iterations stall). For
///   |t| < 0.8 the complementary form is exact: `P(|T| < t) = I_x(½, ν/2)` with
///   `x = t²/(ν + t²)`; there `P(|T| < t) < 0.6` for every ν, so `½ − central` keeps full
///   relative precision.
/// * `t²` overflows for |t| > 1e154, which made the heavy tails of small df vanish; `h` is
///   computed from `r = √ν/|t|` instead (good until `r²` underflows, |t| ≈ 1e160·√ν).
fn students_t_sf(t: f64, df: f64) -> f64 {
    if t.abs() < 0.8 {
        let t2 = t * t;
        let Ok(beta) = Beta::new(0.5, df / 2.0) else {
            return f64::NAN;
        };
        let central = 0.5 * beta.cdf(t2 / (df + t2));
        return if t >= 0.0 {
            0.5 - central
        } else {
            0.5 + central
        };
    }
    let Ok(beta) = Beta::new(df / 2.0, 0.5) else {
        return f64::NAN;
    };
    let r = df.sqrt() / t.abs();
    let h = r * r / (1.0 + r * r);
    let tail = 0.5 * beta.cdf(h);
    if t > 0.0 {
        tail
    } else {
        1.0 - tail
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
    if p == 0.5 {
        return 0.0;
    }
    let Some(d) = students_t(df) else {
        return asymptotic_t(normal_quantile(p), df);
    };
    // Solve in the upper tail, sf(t) = s with s < 0.5, and mirror: the small tail probability
    // keeps its relative precision.
    if p > 0.5 {
        upper_tail_quantile(&d, 1.0 - p, df)
    } else {
        -upper_tail_quantile(&d, p, df)
    }
}

/// The `t > 0` with `sf(t) = s`, for `0 < s < 0.5`.
fn upper_tail_quantile(d: &StudentsT, s: f64, df: f64) -> f64 {
    // Cornish–Fisher is excellent at large df and a fair start elsewhere; the solver does the
    // rest. (statrs' inverse_cdf is not used even as a start: it panics for tiny p.)
    let guess = cornish_fisher(-normal_quantile(s), df.max(1.0));
    solve_tail(|t| students_t_sf(t, df), |t| d.pdf(t), s, false, guess)
}

/// Solve `tail(x) = target` for `x > 0`, where `tail` is a tail probability of a distribution on
/// `(0, ∞)` (or the positive half of a symmetric one): decreasing with derivative `−density`
/// (an upper tail), or increasing with derivative `density` (a lower tail, `increasing`).
///
/// Safeguarded Newton steps on `ln tail` against `ln x`, which is close to linear for power-law
/// and normal-like tails alike, so it converges from a rough guess across hundreds of orders of
/// magnitude; a step that leaves the bracket is replaced by geometric bisection (or by moving a
/// factor e while one end is still open). At most 400 steps; in practice under 10.
fn solve_tail(
    tail: impl Fn(f64) -> f64,
    density: impl Fn(f64) -> f64,
    target: f64,
    increasing: bool,
    guess: f64,
) -> f64 {
    let ln_target = target.ln();
    // Bracket in u = ln x: the root lies in (lo, hi); ±∞ while an end is still unknown.
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    let mut u = if guess.is_finite() && guess > 0.0 {
        guess.ln()
    } else {
        0.0
    };
    for _ in 0..400 {
        let x = u.exp();
        let value = tail(x);
        if value == target {
            return x;
        }
        // Which side of the root are we on?
        if (value > target) != increasing {
            lo = u;
        } else {
            hi = u;
        }
        // d ln(tail)/du = ±x·density/tail.
        let slope = x * density(x) / value;
        let step = (ln_target - value.ln()) / if increasing { slope } else { -slope };
        let newton = u + step;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else if lo.is_finite() && hi.is_finite() {
            0.5 * (lo + hi)
        } else if lo.is_finite() {
            u + 1.0_f64.max(u.abs())
        } else {
            u - 1.0_f64.max(u.abs())
        };
        if (next - u).abs() <= 4.0 * f64::EPSILON * u.abs().max(1.0) || next == lo || next == hi {
            return next.exp();
        }
        u = next;
    }
    u.exp()
}

/// Cornish–Fisher expansion of the t quantile around the normal quantile `z` (terms to ν⁻³).
fn cornish_fisher(z: f64, df: f64) -> f64 {
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    z + g1 / df + g2 / (df * df) + g3 / (df * df * df)
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
    if df > LARGE_DF {
        return wilson_hilferty(p, df);
    }
    match ChiSquared::new(df) {
        Ok(d) => d.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// Above this many degrees of freedom the χ² and F quantiles use their large-df forms: statrs'
/// incomplete gamma does not return for shapes near 1e150, and at 1e5 degrees of freedom the
/// Wilson–Hilferty cube is already accurate to about 1e-9 relative in the centre.
const LARGE_DF: f64 = 1e5;

/// Wilson–Hilferty: `(χ²_df / df)^(1/3)` is nearly normal with mean `1 − 2/(9 df)` and variance
/// `2/(9 df)`.
fn wilson_hilferty(p: f64, df: f64) -> f64 {
    let v = 2.0 / (9.0 * df);
    let z = normal_quantile(p);
    df * (1.0 - v + z * v.sqrt()).max(0.0).powi(3)
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
    // Large degrees of freedom: the F ratio tends to χ²_df1/df1 (df2 → ∞), df2/χ²_df2 (df1 → ∞)
    // or 1 (both), which statrs' beta functions cannot reach without stalling.
    match (df1 > LARGE_DF, df2 > LARGE_DF) {
        (true, true) => {
            return (normal_quantile(p) * (2.0 / df1 + 2.0 / df2).sqrt()).exp();
        }
        (false, true) => return chi_squared_quantile(p, df1) / df1,
        (true, false) => return df2 / chi_squared_quantile(1.0 - p, df2),
        (false, false) => {}
    }
    let Ok(d) = FisherSnedecor::new(df1, df2) else {
        return f64::NAN;
    };
    let (Ok(lower), Ok(upper)) = (
        Beta::new(df1 / 2.0, df2 / 2.0),
        Beta::new(df2 / 2.0, df1 / 2.0),
    ) else {
        return f64::NAN;
    };
    // statrs' own inverse_cdf panics for tiny p (its AS 64 inverse incomplete beta) and its cdf
    // for huge df (d1·x overflows to a NaN beta argument); solve on the smaller tail with the
    // beta argument computed from the ratio d2/(d1·x), which stays in [0, ∞].
    let split = |x: f64| {
        let ratio = df2 / (df1 * x);
        if ratio.is_infinite() {
            (0.0, 1.0)
        } else {
            (1.0 / (1.0 + ratio), ratio / (1.0 + ratio))
        }
    };
    if p <= 0.5 {
        solve_tail(|x| lower.cdf(split(x).0), |x| d.pdf(x), p, true, 1.0)
    } else {
        solve_tail(|x| upper.cdf(split(x).1), |x| d.pdf(x), 1.0 - p, false, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_degrees_of_freedom_return_instead_of_stalling() {
        // Found by the no-panic property test: statrs' χ² inverse never returned here.
        let x = chi_squared_quantile(4.772_946_492_540_976e-106, 5.855_987_045_853_053e153);
        assert!(x.is_finite() && x > 0.0, "{x}");
        for (p, d1, d2) in [
            (0.3, 1e150, 1e150),
            (1e-100, 3.0, 1e200),
            (0.99, 1e200, 7.0),
        ] {
            let f = f_quantile(p, d1, d2);
            assert!(f.is_finite() && f > 0.0, "{p} {d1} {d2}: {f}");
        }
        // At the switch the large-df forms agree with statrs' exact quantiles.
        let exact = ChiSquared::new(LARGE_DF).unwrap().inverse_cdf(0.975);
        let approx = wilson_hilferty(0.975, LARGE_DF);
        assert!(((approx - exact) / exact).abs() < 1e-8, "{approx} {exact}");
        let just_below = f_quantile(0.95, 4.0, LARGE_DF);
        let above = f_quantile(0.95, 4.0, LARGE_DF * 1.0001);
        assert!(
            ((just_below - above) / above).abs() < 1e-4,
            "{just_below} {above}"
        );
    }

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
        assert_eq!(t_sf(2.0, f64::INFINITY), normal_sf(2.0));
        // t.ppf(0.975, 1e6) − z ≈ (z³ + z)/(4·1e6) = 2.37e-6.
        let q = t_quantile(0.975, 1e6);
        assert!((q - z - (z.powi(3) + z) / 4e6).abs() < 1e-9, "{q}");
        assert!((t_sf(2.0, 1e12) / normal_sf(2.0) - 1.0).abs() < 1e-11);
    }

    #[test]
    fn asymptotic_switch_is_seamless() {
        let (below, above) = (ASYMPTOTIC_DF * (1.0 - 1e-9), ASYMPTOTIC_DF * (1.0 + 1e-9));
        for t in [0.3, 1.0, 2.0, 4.0, 6.0, -3.0] {
            let (a, b) = (t_sf(t, below), t_sf(t, above));
            assert!(((a - b) / b).abs() < 1e-8, "t={t}: {a} vs {b}");
        }
    }

    #[test]
    fn quantile_inverts_the_tail_function() {
        // Round trips where statrs' own inverse_cdf is inaccurate: near the median, at large df,
        // and in the far tails of heavy-tailed t.
        for df in [0.05, 0.5, 1.0, 2.5, 10.0, 100.0, 1e3, 1e5, 3e5, 1.5e6, 5e6] {
            for p in [
                1e-300, 1e-100, 1e-10, 0.01, 0.4999999, 0.5000001, 0.6, 0.8, 0.975, 0.999999,
            ] {
                let q = t_quantile(p, df);
                if q.abs() > 1e150 {
                    // Only the far tails of df ≤ 1, where h = ν/(ν + t²) underflows.
                    assert!(df <= 1.0, "df={df} p={p} q={q}");
                    continue;
                }
                let (got, want) = if p > 0.5 {
                    (t_sf(q, df), 1.0 - p)
                } else {
                    (t_cdf(q, df), p)
                };
                assert!(((got - want) / want).abs() < 1e-10, "df={df} p={p} q={q}");
            }
        }
        // The far tail of df = 0.05 (t ≈ −10^6000) is beyond f64: a huge negative number.
        assert!(t_quantile(1e-300, 0.05) < -1e150);
        // t with 1 df is Cauchy: quantile = tan(π(p − ½)) = −1/tan(πp).
        let q = t_quantile(1e-10, 1.0);
        let exact = -1.0 / (std::f64::consts::PI * 1e-10).tan();
        assert!(((q - exact) / exact).abs() < 1e-8, "{q} {exact}");
    }

    #[test]
    fn f_quantile_survives_extreme_probabilities() {
        for (d1, d2) in [
            (1.0, 1.0),
            (5.5, 12.25),
            (1e5, 1e5),
            (0.01, 0.01),
            (1e6, 2.0),
        ] {
            for p in [1e-300, 1e-20, 0.3, 0.9, 1.0 - 1e-12] {
                let q = f_quantile(p, d1, d2);
                assert!(q >= 0.0, "p={p} d1={d1} d2={d2}: {q}");
            }
        }
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
