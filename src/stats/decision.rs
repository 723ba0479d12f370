//! The decision rule for relative checks (statistics notes §2.3), over the family of one run.
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
    fn empty_family_is_empty() {
        assert!(decide(&[], 0.05, 0.01, Correction::BenjaminiHochberg).is_empty());
    }
}
