//! The decision rule for relative checks over the family of one run (`docs/statistics.md`,
//! "The decision rule").
//!
//! Significance and practical size are separate conditions. The one-sided p-values of
//! `H0: r ≤ 1 + δ` of all relative checks of a run are adjusted together (Benjamini–Hochberg by
//! default); then, row by row:
//!
//! | condition | outcome |
//! |---|---|
//! | adjusted q ≤ α and change ≥ X | [`Outcome::Regression`]: the budget fails |
//! | adjusted q ≤ α and δ < change < X | [`Outcome::RegressionWithinBudget`]: passes, reported |
//! | one-sided upper bound < X | [`Outcome::WithinBudget`]: passes |
//! | otherwise | [`Outcome::Inconclusive`]: report the MDE |
//!
//! Improvements (whole 95 % interval below −δ) are flagged but never fail.

use super::compare::LogComparison;
use super::multiple::{adjust, Correction};

/// What [`decide`] needs from one relative comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelativeCheck {
    /// One-sided p-value of `H0: r ≤ 1 + δ`.
    pub p_regression: f64,
    /// Point estimate of the change `r − 1`.
    pub change: f64,
    /// One-sided `1 − α` upper confidence bound of the change.
    pub upper_one_sided: f64,
    /// Two-sided 95 % confidence interval of the change.
    pub ci95: (f64, f64),
    /// The budget X of this check (0.05 for "no regression beyond 5 %").
    pub budget: f64,
}

impl RelativeCheck {
    /// The check of a [`super::LogComparison`] against budget `budget`.
    pub fn from_comparison(c: &super::LogComparison, budget: f64) -> RelativeCheck {
        RelativeCheck {
            p_regression: c.p_regression,
            change: c.change,
            upper_one_sided: c.upper_one_sided,
            ci95: c.ci95,
            budget,
        }
    }
}

/// The verdict of one relative check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Significant (after adjustment) and the estimate is at or beyond the budget: fail.
    Regression,
    /// Significant but the estimate is between δ and the budget: pass, reported.
    RegressionWithinBudget,
    /// The one-sided upper bound is below the budget: pass.
    WithinBudget,
    /// Neither shown to exceed nor to stay within the budget: more data needed.
    Inconclusive,
}

impl Outcome {
    /// Whether this outcome fails the gate.
    pub fn fails(self) -> bool {
        self == Outcome::Regression
    }
}

/// The decision for one check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// The verdict.
    pub outcome: Outcome,
    /// The adjusted p-value (q) of this check within its family.
    pub q: f64,
    /// The whole 95 % interval lies below `−δ`: a significant improvement (never a failure).
    pub improvement: bool,
}

/// Decide every check of one run. The slice is the family: `correction` adjusts the p-values
/// across all of it; `alpha` is the level applied to the adjusted values (the false discovery
/// rate for Benjamini–Hochberg). NaN p-values count as 1 and NaN estimates never fail.
///
/// Returns one decision per check, in the same order.
pub fn decide(
    checks: &[RelativeCheck],
    alpha: f64,
    delta: f64,
    correction: Correction,
) -> Vec<Decision> {
    let p: Vec<f64> = checks.iter().map(|c| c.p_regression).collect();
    let q = adjust(&p, correction);
    checks
        .iter()
        .zip(q)
        .map(|(c, q)| {
            let significant = q <= alpha;
            let outcome = if significant && c.change >= c.budget {
                Outcome::Regression
            } else if significant && c.change > delta && c.change < c.budget {
                Outcome::RegressionWithinBudget
            } else if c.upper_one_sided < c.budget {
                Outcome::WithinBudget
            } else {
                Outcome::Inconclusive
            };
            Decision {
                outcome,
                q,
                improvement: c.ci95.1 < -delta,
            }
        })
        .collect()
}

/// One-sided p-value of `H0: ln r ≥ ln(1 − δ)` — the evidence for an improvement beyond the noise
/// margin — from an estimate of `ln r` (oriented: larger is worse), its standard error and
/// degrees of freedom. Adjusted over the family like the regression p-values, it calls an
/// improvement on the same standard as a regression.
pub fn p_improvement(log_ratio: f64, se: f64, df: f64, delta: f64) -> f64 {
    if !(log_ratio.is_finite() && se.is_finite() && se >= 0.0 && delta > -1.0 && delta < 1.0) {
        return 1.0;
    }
    let (_, p) = super::t_from_estimate(
        log_ratio,
        (-delta).ln_1p(),
        se,
        df,
        super::Alternative::Less,
    );
    if p.is_nan() {
        1.0
    } else {
        p
    }
}

/// The interval a decision used, as changes `r − 1` (oriented): the lower bound at the one-sided
/// level the family's adjustment gave this check (`α·p/q`, with `p` the check's own one-sided
/// p-value and `q` its adjusted one: the bound is above δ exactly when `q ≤ α`), the upper bound
/// the one "within budget" was judged on (the check's `upper_one_sided`, taken as it is so that
/// the two can never differ). A printed interval that lies wholly beyond the budget is then a
/// failure, never "inconclusive", and one wholly below it a pass. `None` for inputs that are not
/// numbers.
pub fn decision_interval(c: &LogComparison, alpha: f64, q: f64) -> Option<(f64, f64)> {
    let (log_ratio, se, p) = (c.log_ratio, c.se, c.p_regression);
    if !(log_ratio.is_finite()
        && se.is_finite()
        && se >= 0.0
        && alpha > 0.0
        && alpha < 1.0
        && !c.upper_one_sided.is_nan())
    {
        return None;
    }
    let level = if q > 0.0 && p.is_finite() && q.is_finite() {
        (alpha * p / q).clamp(f64::MIN_POSITIVE, alpha)
    } else {
        alpha
    };
    let lower = log_ratio - super::dist::t_quantile(1.0 - level, c.df) * se;
    (lower.is_finite() || lower == f64::NEG_INFINITY)
        .then(|| (lower.exp_m1(), c.upper_one_sided))
        .filter(|(l, _)| !l.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: f64, change: f64, upper: f64) -> RelativeCheck {
        RelativeCheck {
            p_regression: p,
            change,
            upper_one_sided: upper,
            ci95: (change - 0.01, upper + 0.005),
            budget: 0.05,
        }
    }

    #[test]
    fn rows_are_evaluated_in_order() {
        let checks = [
            check(1e-6, 0.08, 0.09),  // significant, beyond budget
            check(1e-6, 0.03, 0.035), // significant, within budget
            check(0.6, 0.001, 0.01),  // clearly within budget
            check(0.2, 0.04, 0.07),   // not significant, bound beyond budget
            check(f64::NAN, f64::NAN, f64::NAN),
        ];
        let d = decide(&checks, 0.05, 0.01, Correction::BenjaminiHochberg);
        let outcomes: Vec<Outcome> = d.iter().map(|d| d.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Regression,
                Outcome::RegressionWithinBudget,
                Outcome::WithinBudget,
                Outcome::Inconclusive,
                Outcome::Inconclusive
            ]
        );
        assert_eq!(d[4].q, 1.0);
        assert!(d.iter().filter(|d| d.outcome.fails()).count() == 1);
    }

    #[test]
    fn adjustment_uses_the_whole_family() {
        // Alone, p = 0.03 is significant; among 10 with nothing else small it is not.
        let one = decide(
            &[check(0.03, 0.08, 0.1)],
            0.05,
            0.01,
            Correction::BenjaminiHochberg,
        );
        assert_eq!(one[0].outcome, Outcome::Regression);
        let mut family = vec![check(0.03, 0.08, 0.1)];
        family.extend(std::iter::repeat_n(check(0.9, 0.0, 0.02), 9));
        let many = decide(&family, 0.05, 0.01, Correction::BenjaminiHochberg);
        assert_eq!(many[0].outcome, Outcome::Inconclusive);
        assert!((many[0].q - 0.3).abs() < 1e-12);
    }

    #[test]
    fn improvements_are_flagged_and_pass() {
        let c = RelativeCheck {
            p_regression: 1.0,
            change: -0.1,
            upper_one_sided: -0.08,
            ci95: (-0.12, -0.07),
            budget: 0.05,
        };
        let d = decide(&[c], 0.05, 0.01, Correction::Holm);
        assert!(d[0].improvement);
        assert_eq!(d[0].outcome, Outcome::WithinBudget);
    }

    #[test]
    fn the_decision_interval_agrees_with_the_adjusted_decision() {
        use super::super::compare::{from_estimate, Method};
        use super::super::dist::t_sf;
        // An estimate of +20 % whose unadjusted p is 0.01 but adjusted q 0.1: not significant,
        // so its lower bound must not clear δ = 1 %.
        let (lr, df, delta) = (0.2f64.ln_1p(), 30.0, 0.01f64);
        // Find se giving p = 0.01 against ln(1.01).
        let t = super::super::dist::t_quantile(0.99, df);
        let se = (lr - delta.ln_1p()) / t;
        let c = from_estimate(Method::YuenLog, lr, se, df, delta, 0.05).unwrap();
        assert!((t_sf((lr - delta.ln_1p()) / se, df) - 0.01).abs() < 1e-9);
        assert!((c.p_regression - 0.01).abs() < 1e-9);
        let (lo, hi) = decision_interval(&c, 0.05, 0.1).unwrap();
        assert!(lo < delta && hi > 0.2, "{lo} {hi}");
        // The same check with q = 0.04 (significant): the lower bound clears δ.
        let (lo, _) = decision_interval(&c, 0.05, 0.04).unwrap();
        assert!(lo > delta, "{lo}");
        // Unadjusted (q = p): the lower bound is the one-sided 1 − α bound; the upper bound is
        // the check's own, whatever it was computed with.
        let (lo, hi) = decision_interval(&c, 0.05, c.p_regression).unwrap();
        let z = super::super::dist::t_quantile(0.95, df) * se;
        assert!(((lr - z).exp_m1() - lo).abs() < 1e-12 && hi == c.upper_one_sided);
        let mut narrower = c.clone();
        narrower.upper_one_sided = 0.04;
        assert_eq!(decision_interval(&narrower, 0.05, 0.1).unwrap().1, 0.04);
        let mut broken = c.clone();
        broken.log_ratio = f64::NAN;
        assert!(decision_interval(&broken, 0.05, 0.01).is_none());
        broken = c;
        broken.upper_one_sided = f64::NAN;
        assert!(decision_interval(&broken, 0.05, 0.01).is_none());
    }

    #[test]
    fn improvement_p_values() {
        // −10 % with a small standard error: strong evidence of an improvement beyond 1 %.
        assert!(p_improvement((-0.1f64).ln_1p(), 0.01, 30.0, 0.01) < 1e-6);
        // +10 %: none.
        assert!(p_improvement(0.1f64.ln_1p(), 0.01, 30.0, 0.01) > 0.999);
        assert_eq!(p_improvement(f64::NAN, 0.01, 30.0, 0.01), 1.0);
    }

    #[test]
    fn empty_family_is_empty() {
        assert!(decide(&[], 0.05, 0.01, Correction::BenjaminiHochberg).is_empty());
    }
}
