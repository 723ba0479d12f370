//! The statistics core: pure functions, one test or estimator a file, no I/O.
//!
//! Every relative comparison goes through [`compare`]: it works on the log scale (`ln(head/base)`),
//! so changes are ratios and multiplicative noise becomes additive. Raw samples (criterion) use
//! Yuen's 20 %-trimmed Welch test ([`yuen`]); few runs (Lighthouse, k6) use a variance from the
//! metric's history. [`decision`] turns the one-sided p-values of one run into verdicts after
//! Benjamini–Hochberg ([`multiple`]). Formulas and their sources: `docs/statistics.md`.
//!
//! Conventions throughout: `x` is the PR head and `y` the base; [`Alternative::Greater`] means
//! "head larger than base", which is a regression for lower-is-better metrics. Functions return
//! `None` (never panic) when the input cannot support the statistic: too few values, NaN or
//! infinite values, or parameters out of range.

pub mod compare;
pub mod decision;
pub mod describe;
pub mod dist;
pub mod empirical_null;
pub mod hodges_lehmann;
pub mod mann_whitney;
pub mod multiple;
pub mod power;
pub mod proportions;
pub mod rounds;
pub mod run_variance;
pub mod welch;
pub mod yuen;

pub use compare::{compare_runs, compare_samples, LogComparison, Method, NoiseModel};
pub use decision::{decide, Decision, Outcome, RelativeCheck};
pub use describe::OutlierCounts;
pub use mann_whitney::{mann_whitney, MannWhitney};
pub use multiple::{adjust, Correction};
pub use proportions::{
    difference_interval, ratio_interval, ratio_p, two_proportions, two_proportions_dispersed,
    Dispersion, ProportionTest,
};

/// The alternative hypothesis of a two-sample test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alternative {
    /// The two samples differ in either direction.
    TwoSided,
    /// `x` (head) is larger than `y` (base): a regression for lower-is-better metrics.
    Greater,
    /// `x` (head) is smaller than `y` (base).
    Less,
}

/// The result of a two-sample t-type test (Welch or Yuen).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    /// Difference of the (trimmed) means, `x − y`, without the margin.
    pub estimate: f64,
    /// Standard error of the difference.
    pub se: f64,
    /// Welch–Satterthwaite degrees of freedom (`+∞` when both sides have zero variance).
    pub df: f64,
    /// `(estimate − margin) / se`; `±∞` (or 0) when the difference is deterministic.
    pub t: f64,
    /// p-value for the requested alternative.
    pub p: f64,
}

/// p-value of a t statistic for `alt`, with the deterministic cases (t = ±∞ from a zero standard
/// error) mapped to 0 or 1 instead of NaN.
pub(crate) fn t_p_value(t: f64, df: f64, alt: Alternative) -> f64 {
    match alt {
        Alternative::Greater => dist::t_sf(t, df),
        Alternative::Less => dist::t_cdf(t, df),
        Alternative::TwoSided => (2.0 * dist::t_sf(t.abs(), df)).min(1.0),
    }
}

/// The t statistic and p-value of `(estimate − margin) / se`, treating `se == 0` as a deterministic
/// difference: no evidence at all when it equals the margin (p = 1), certainty otherwise.
pub(crate) fn t_from_estimate(
    estimate: f64,
    margin: f64,
    se: f64,
    df: f64,
    alt: Alternative,
) -> (f64, f64) {
    let diff = estimate - margin;
    if se > 0.0 {
        let t = diff / se;
        return (t, t_p_value(t, df, alt));
    }
    if diff == 0.0 {
        return (0.0, 1.0);
    }
    let t = if diff > 0.0 {
        f64::INFINITY
    } else {
        f64::NEG_INFINITY
    };
    (t, t_p_value(t, df, alt))
}

/// True when every value is finite (not NaN, not ±∞).
pub(crate) fn all_finite(x: &[f64]) -> bool {
    x.iter().all(|v| v.is_finite())
}
