//! Two-proportion test for error rates (k6 `http_req_failed`): is the head's failure rate higher
//! than the base's by more than a margin?
//!
//! One-sided test of `H0: p_head − p_base ≤ margin`. The statistic is the Farrington–Manning score
//! test: the variance is taken at the maximum-likelihood rates under `p_head − p_base = margin`,
//! which keeps the test honest near 0 % error rates where the Wald (unpooled) variance collapses.
//! With a zero margin and small expected counts (any expected cell < 5) the exact one-sided Fisher
//! test is used instead: conservative, and exact where the normal approximation is poorest. The 95 %
//! interval of the difference is Newcombe's hybrid score interval (method 10), which behaves at
//! 0 and 1 and needs no iteration.

use super::dist;

/// Result of [`two_proportions`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProportionTest {
    /// Head failure rate `head_fail / head_n`.
    pub head_rate: f64,
    /// Base failure rate `base_fail / base_n`.
    pub base_rate: f64,
    /// `head_rate − base_rate`.
    pub difference: f64,
    /// Two-sided 95 % confidence interval of the difference (Newcombe hybrid score).
    pub ci: (f64, f64),
    /// One-sided p-value of `H0: p_head − p_base ≤ margin`.
    pub p: f64,
    /// `"score"` (Farrington–Manning) or `"fisher-exact"`.
    pub method: &'static str,
}

/// Expected cell count below which a zero-margin test switches to Fisher's exact test.
const EXACT_BELOW_EXPECTED: f64 = 5.0;

/// Largest hypergeometric support summed by the exact test (memory and time stay bounded).
const EXACT_MAX_SUPPORT: u64 = 1 << 20;

/// Test whether the head's failure rate exceeds the base's by more than `margin` (a difference of
/// proportions, e.g. 0.001 for 0.1 percentage points; 0 for "any increase").
///
/// `None` when a side has no trials, failures exceed trials, or `margin` is not in `(−1, 1)`.
pub fn two_proportions(
    head_fail: u64,
    head_n: u64,
    base_fail: u64,
    base_n: u64,
    margin: f64,
) -> Option<ProportionTest> {
    if head_n == 0 || base_n == 0 || head_fail > head_n || base_fail > base_n {
        return None;
    }
    // Counts beyond 2^53 are not representable anyway; this only rules out overflow.
    head_n.checked_add(base_n)?;
    if !(margin > -1.0 && margin < 1.0) {
        return None;
    }
    let (x1, n1, x2, n2) = (
        head_fail as f64,
        head_n as f64,
        base_fail as f64,
        base_n as f64,
    );
    let head_rate = x1 / n1;
    let base_rate = x2 / n2;
    let difference = head_rate - base_rate;
    let ci = newcombe_interval(x1, n1, x2, n2, 0.95);

    let pooled = (x1 + x2) / (n1 + n2);
    let min_expected = [n1, n2]
        .iter()
        .flat_map(|&n| [n * pooled, n * (1.0 - pooled)])
        .fold(f64::INFINITY, f64::min);
    let support = head_fail.saturating_add(base_fail).min(head_n);
    let (p, method) =
        if margin == 0.0 && min_expected < EXACT_BELOW_EXPECTED && support <= EXACT_MAX_SUPPORT {
            (
                fisher_greater(head_fail, head_n, base_fail, base_n),
                "fisher-exact",
            )
        } else {
            (score_p(x1, n1, x2, n2, margin), "score")
        };
    Some(ProportionTest {
        head_rate,
        base_rate,
        difference,
        ci,
        p,
        method,
    })
}

/// Over-dispersion of binary events: their counts vary `factor` times more than independent
/// trials would (bursts of failures), estimated with `df` degrees of freedom. Counts are divided
/// by the factor (the effective number of independent trials) and, as for any estimated scale,
/// statistics are referred to Student's t with `df` degrees of freedom instead of the normal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dispersion {
    /// At least 1.
    pub factor: f64,
    /// Degrees of freedom of the estimate; `+∞` when the factor is taken as known.
    pub df: f64,
}

impl Dispersion {
    /// Independent trials.
    pub const NONE: Dispersion = Dispersion {
        factor: 1.0,
        df: f64::INFINITY,
    };

    fn is_valid(self) -> bool {
        self.factor >= 1.0 && self.factor.is_finite() && self.df > 0.0
    }

    /// The critical value for a two-sided interval at `level`, and that value as a normal
    /// level (for the Wilson intervals inside Newcombe's).
    fn critical(self, level: f64) -> (f64, f64) {
        let crit = dist::t_quantile(0.5 + level / 2.0, self.df);
        (crit, 2.0 * dist::normal_cdf(crit) - 1.0)
    }

    fn counts(self, head_fail: u64, head_n: u64, base_fail: u64, base_n: u64) -> [f64; 4] {
        [head_fail, head_n, base_fail, base_n].map(|c| c as f64 / self.factor)
    }
}

fn valid_counts(head_fail: u64, head_n: u64, base_fail: u64, base_n: u64) -> bool {
    head_n > 0
        && base_n > 0
        && head_fail <= head_n
        && base_fail <= base_n
        && head_n.checked_add(base_n).is_some()
}

/// The effective counts, critical value and normal-equivalent level of an interval, or `None`
/// for invalid counts, a level outside `(0, 1)` or an invalid dispersion.
fn interval_inputs(
    head_fail: u64,
    head_n: u64,
    base_fail: u64,
    base_n: u64,
    level: f64,
    dispersion: Dispersion,
) -> Option<([f64; 4], f64, f64)> {
    let valid = valid_counts(head_fail, head_n, base_fail, base_n)
        && level > 0.0
        && level < 1.0
        && dispersion.is_valid();
    if !valid {
        return None;
    }
    let (crit, normal_level) = dispersion.critical(level);
    Some((
        dispersion.counts(head_fail, head_n, base_fail, base_n),
        crit,
        normal_level,
    ))
}

/// Newcombe's hybrid score interval of `p_head − p_base` at confidence `level` (0.95 for a
/// two-sided 95 % interval; `1 − 2α` gives the one-sided `1 − α` upper bound as its upper end),
/// for events with the given [`Dispersion`].
///
/// `None` for the same invalid counts as [`two_proportions`], a level outside `(0, 1)` or an
/// invalid dispersion.
pub fn difference_interval(
    head_fail: u64,
    head_n: u64,
    base_fail: u64,
    base_n: u64,
    level: f64,
    dispersion: Dispersion,
) -> Option<(f64, f64)> {
    let ([x1, n1, x2, n2], _, normal_level) =
        interval_inputs(head_fail, head_n, base_fail, base_n, level, dispersion)?;
    Some(newcombe_interval(x1, n1, x2, n2, normal_level))
}

/// [`two_proportions`] for over-dispersed events (see [`Dispersion`]): the score test on the
/// effective counts, referred to Student's t (never Fisher's exact test: the effective counts
/// are not integers). The rates are unchanged. [`Dispersion::NONE`] is [`two_proportions`].
pub fn two_proportions_dispersed(
    head_fail: u64,
    head_n: u64,
    base_fail: u64,
    base_n: u64,
    margin: f64,
    dispersion: Dispersion,
) -> Option<ProportionTest> {
    if !dispersion.is_valid() {
        return None;
    }
    let plain = two_proportions(head_fail, head_n, base_fail, base_n, margin)?;
    if dispersion == Dispersion::NONE {
        return Some(plain);
    }
    let [x1, n1, x2, n2] = dispersion.counts(head_fail, head_n, base_fail, base_n);
    let (_, normal_level) = dispersion.critical(0.95);
    let p = match score_z(x1, n1, x2, n2, margin) {
        Ok(z) => dist::t_sf(z, dispersion.df),
        Err(p) => p,
    };
    Some(ProportionTest {
        ci: newcombe_interval(x1, n1, x2, n2, normal_level),
        p,
        method: "score",
        ..plain
    })
}

/// Farrington–Manning score statistic for the ratio `H0: p_head / p_base = θ`, with the rates
/// restricted to the null by maximum likelihood (closed form, Farrington & Manning 1990).
/// Large when the head's rate exceeds `θ` times the base's. `None` when the base has no events
/// (the ratio is undefined) or `θ` is not positive.
fn ratio_z(x1: f64, n1: f64, x2: f64, n2: f64, theta: f64) -> Option<f64> {
    if !(x2 > 0.0 && theta > 0.0 && theta.is_finite()) {
        return None;
    }
    let a = (n1 + n2) * theta;
    let b = -(n1 * theta + x1 + n2 + x2 * theta);
    let c = x1 + x2;
    let disc = (b * b - 4.0 * a * c).max(0.0);
    // The smaller root, written without the cancellation of −b − √disc (b < 0 here).
    let denom = -b + disc.sqrt();
    let p2 = if denom > 0.0 { 2.0 * c / denom } else { 0.0 };
    let p1 = theta * p2;
    let var = p1 * (1.0 - p1) / n1 + theta * theta * p2 * (1.0 - p2) / n2;
    let diff = x1 / n1 - theta * x2 / n2;
    if var.is_nan() || var <= 0.0 {
        return Some(if diff > 0.0 {
            f64::INFINITY
        } else if diff < 0.0 {
            f64::NEG_INFINITY
        } else {
            0.0
        });
    }
    Some(diff / var.sqrt())
}

/// One-sided p-value of the ratio of rates `p_head / p_base` against `θ`: `greater = true` tests
/// `H1: ratio > θ`, `false` tests `H1: ratio < θ`. Farrington–Manning score test on the
/// effective counts, referred to Student's t with the dispersion's degrees of freedom. `None`
/// without base events, for invalid counts or `θ ≤ 0`.
pub fn ratio_p(
    head_fail: u64,
    head_n: u64,
    base_fail: u64,
    base_n: u64,
    theta: f64,
    greater: bool,
    dispersion: Dispersion,
) -> Option<f64> {
    if !valid_counts(head_fail, head_n, base_fail, base_n) || !dispersion.is_valid() {
        return None;
    }
    let [x1, n1, x2, n2] = dispersion.counts(head_fail, head_n, base_fail, base_n);
    let z = ratio_z(x1, n1, x2, n2, theta)?;
    Some(if greater {
        dist::t_sf(z, dispersion.df)
    } else {
        dist::t_sf(-z, dispersion.df)
    })
}

/// Two-sided interval of the ratio `p_head / p_base` at confidence `level`, by inverting the
/// Farrington–Manning score test (so both rates' uncertainty counts: mapping an interval of the
/// difference through the base's estimated rate treats the base as known and is too narrow with
/// small counts). The lower end is 0 when the head has no events. `None` without base events.
pub fn ratio_interval(
    head_fail: u64,
    head_n: u64,
    base_fail: u64,
    base_n: u64,
    level: f64,
    dispersion: Dispersion,
) -> Option<(f64, f64)> {
    let ([x1, n1, x2, n2], crit, _) =
        interval_inputs(head_fail, head_n, base_fail, base_n, level, dispersion)?;
    // z(θ) decreases in θ: the bounds are where it crosses ±crit.
    let z = |log_theta: f64| ratio_z(x1, n1, x2, n2, log_theta.exp()).unwrap_or(f64::NAN);
    let solve = |target: f64| {
        let (mut lo, mut hi) = (-30.0f64, 30.0f64);
        if z(lo) <= target {
            return lo.exp();
        }
        if z(hi) >= target {
            return hi.exp();
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if z(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (0.5 * (lo + hi)).exp()
    };
    ratio_z(x1, n1, x2, n2, 1.0)?;
    let lower = if head_fail == 0 { 0.0 } else { solve(crit) };
    Some((lower, solve(-crit)))
}

/// Farrington–Manning one-sided p-value for `H1: p1 − p2 > margin`.
fn score_p(x1: f64, n1: f64, x2: f64, n2: f64, margin: f64) -> f64 {
    match score_z(x1, n1, x2, n2, margin) {
        Ok(z) => dist::normal_sf(z),
        Err(p) => p,
    }
}

/// The Farrington–Manning statistic for `H1: p1 − p2 > margin`, or (as `Err`) the p-value itself
/// when both rates are pinned at 0 or 1 under H0 and the data are simply beyond the margin or not.
fn score_z(x1: f64, n1: f64, x2: f64, n2: f64, margin: f64) -> Result<f64, f64> {
    let difference = x1 / n1 - x2 / n2;
    let p2 = restricted_mle_p2(x1, n1, x2, n2, margin);
    let p1 = p2 + margin;
    let var = p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2;
    if var.is_nan() || var <= 0.0 {
        return Err(if difference > margin { 0.0 } else { 1.0 });
    }
    Ok((difference - margin) / var.sqrt())
}

/// Maximum-likelihood `p2` under the constraint `p1 = p2 + margin`.
///
/// The constrained log-likelihood is concave in `p2`, so bisection on the sign of its derivative
/// finds the maximum (interior root or boundary) without the branch choices of the closed-form
/// cubic solution, which misbehaves at 0 and 1 counts.
fn restricted_mle_p2(x1: f64, n1: f64, x2: f64, n2: f64, margin: f64) -> f64 {
    let term = |count: f64, prob: f64| if count > 0.0 { count / prob } else { 0.0 };
    let slope = |p2: f64| {
        let p1 = p2 + margin;
        term(x1, p1) - term(n1 - x1, 1.0 - p1) + term(x2, p2) - term(n2 - x2, 1.0 - p2)
    };
    let (mut lo, mut hi) = ((-margin).max(0.0), (1.0 - margin).min(1.0));
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if slope(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Wilson score interval of `x/n`.
fn wilson(x: f64, n: f64, z: f64) -> (f64, f64) {
    let p = x / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Newcombe's hybrid score interval (1998, method 10) for `p1 − p2`.
fn newcombe_interval(x1: f64, n1: f64, x2: f64, n2: f64, level: f64) -> (f64, f64) {
    let z = dist::normal_quantile(0.5 + level / 2.0);
    let (p1, p2) = (x1 / n1, x2 / n2);
    let (l1, u1) = wilson(x1, n1, z);
    let (l2, u2) = wilson(x2, n2, z);
    let d = p1 - p2;
    let lower = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let upper = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    (lower.max(-1.0), upper.min(1.0))
}

/// One-sided Fisher exact p-value `P(X ≥ x1)` for the head's failures given the total failures
/// (hypergeometric), computed from log pmf ratios so large trial counts cannot overflow.
/// The caller guarantees `n1 + n2` does not overflow.
fn fisher_greater(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    let failures = x1 + x2;
    let k_min = failures.saturating_sub(n2);
    let k_max = failures.min(n1);
    if x1 <= k_min {
        return 1.0;
    }
    // log w_k relative to w_{k_min}; w_{k+1}/w_k = (K−k)(n1−k) / ((k+1)(N−K−n1+k+1)).
    let mut log_w = Vec::with_capacity((k_max - k_min + 1) as usize);
    let mut current = 0.0;
    log_w.push(current);
    for k in k_min..k_max {
        // n2 − K + k + 1 ≥ 1 because k ≥ k_min = K − n2.
        let ratio = ((failures - k) as f64 * (n1 - k) as f64)
            / ((k + 1) as f64 * (n2 - (failures - k) + 1) as f64);
        current += ratio.ln();
        log_w.push(current);
    }
    let peak = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = log_w.iter().map(|l| (l - peak).exp()).collect();
    let all: f64 = weights.iter().sum();
    let tail: f64 = weights[(x1 - k_min) as usize..].iter().sum();
    (tail / all).clamp(0.0, 1.0)
}

/// Over-dispersion of a rate from its stored run-to-run noise (a summary alone has no windows):
/// calibration stores the variance `σ²` (`log_var`, with `df` degrees of freedom) of `ln(value)`
/// over the stored runs, where the value is the failure rate or, for a pass rate
/// (`pass_rate`), its complement. For single values a run nothing was subtracted from that
/// variance, so it holds the binomial part too and `φ = max(1, …)` is the quasi-binomial factor.
/// The variance of the value is then `v² σ²`, against the binomial variance of one run of the
/// base's size, `p (1 − p) / n` (the same for a rate and its complement). `None` with fewer than 5
/// degrees of freedom, a rate of 0 or 1, or values that are not numbers.
pub fn dispersion_from_runs(
    log_var: f64,
    df: f64,
    failures: u64,
    total: u64,
    pass_rate: bool,
) -> Option<Dispersion> {
    let p = failures as f64 / total as f64;
    if !(p > 0.0 && p < 1.0) || df < 5.0 || !log_var.is_finite() {
        return None;
    }
    let v = if pass_rate { 1.0 - p } else { p };
    let phi = v * v * log_var * total as f64 / (p * (1.0 - p));
    phi.is_finite().then_some(Dispersion {
        factor: phi.max(1.0),
        df,
    })
}

/// The failure-rate increase detected with 80 % power by a one-sided test at level `alpha` of
/// `H0: increase ≤ margin`, at a base rate `p0` (clamped to at most 0.5), with `n_head` and
/// `n_base` trials discounted by `dispersion`: `margin + (z₁₋α + z₀.₈)·SE₀`. A normal
/// approximation: a guide printed next to "inconclusive", not part of any decision.
pub fn detectable_increase(
    p0: f64,
    margin: f64,
    n_head: u64,
    n_base: u64,
    alpha: f64,
    dispersion: Dispersion,
) -> f64 {
    let p0 = p0.min(0.5);
    let se0 =
        (dispersion.factor * p0 * (1.0 - p0) * (1.0 / n_head as f64 + 1.0 / n_base as f64)).sqrt();
    let z = super::dist::normal_quantile(1.0 - alpha) + super::dist::normal_quantile(0.8);
    margin + z * se0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_counts_are_none() {
        assert!(two_proportions(1, 0, 0, 10, 0.0).is_none());
        assert!(two_proportions(11, 10, 0, 10, 0.0).is_none());
        assert!(two_proportions(1, 10, 0, 10, 1.0).is_none());
        assert!(two_proportions(1, 10, 0, 10, f64::NAN).is_none());
    }

    #[test]
    fn fisher_matches_the_tea_tasting_table() {
        // [[3, 1], [1, 3]]: P(X ≥ 3) = 17/70.
        assert!((fisher_greater(3, 4, 1, 4) - 17.0 / 70.0).abs() < 1e-14);
        assert_eq!(fisher_greater(0, 4, 1, 4), 1.0);
    }

    #[test]
    fn newcombe_matches_the_published_examples() {
        // Newcombe (1998), Table II, method 10.
        let (l, u) = newcombe_interval(56.0, 70.0, 48.0, 80.0, 0.95);
        assert!(
            (l - 0.0524).abs() < 5e-5 && (u - 0.3339).abs() < 5e-5,
            "{l} {u}"
        );
        let (l, u) = newcombe_interval(9.0, 10.0, 3.0, 10.0, 0.95);
        assert!(
            (l - 0.1705).abs() < 5e-5 && (u - 0.8090).abs() < 5e-5,
            "{l} {u}"
        );
    }

    #[test]
    fn restricted_mle_maximises_the_likelihood() {
        let loglik = |p2: f64, x1: f64, n1: f64, x2: f64, n2: f64, m: f64| {
            let p1 = p2 + m;
            let f = |x: f64, p: f64| if x > 0.0 { x * p.ln() } else { 0.0 };
            f(x1, p1) + f(n1 - x1, 1.0 - p1) + f(x2, p2) + f(n2 - x2, 1.0 - p2)
        };
        for (x1, n1, x2, n2, m) in [
            (12.0, 1000.0, 5.0, 1200.0, 0.002),
            (0.0, 500.0, 0.0, 400.0, 0.01),
            (30.0, 50.0, 10.0, 60.0, -0.1),
            (7.0, 7.0, 2.0, 9.0, 0.3),
        ] {
            let best = restricted_mle_p2(x1, n1, x2, n2, m);
            let at_best = loglik(best, x1, n1, x2, n2, m);
            for step in [1e-4, -1e-4] {
                let q = best + step;
                if q >= (-m).max(0.0) && q <= (1.0 - m).min(1.0) {
                    assert!(loglik(q, x1, n1, x2, n2, m) <= at_best + 1e-9);
                }
            }
        }
    }

    #[test]
    fn zero_margin_large_counts_is_the_pooled_z_test() {
        let r = two_proportions(60, 1000, 40, 1000, 0.0).unwrap();
        assert_eq!(r.method, "score");
        let pooled: f64 = 0.05;
        let z = 0.02 / (pooled * (1.0 - pooled) * 2.0 / 1000.0).sqrt();
        assert!((r.p - dist::normal_sf(z)).abs() < 1e-12);
    }

    #[test]
    fn no_failures_anywhere_is_not_a_regression() {
        let r = two_proportions(0, 10_000, 0, 10_000, 0.0).unwrap();
        assert_eq!(r.p, 1.0);
        let r = two_proportions(0, 10_000, 0, 10_000, 0.001).unwrap();
        assert!(r.p > 0.5);
    }

    #[test]
    fn many_new_failures_are_a_regression() {
        let r = two_proportions(50, 10_000, 2, 10_000, 0.001).unwrap();
        assert!(r.p < 1e-6, "{r:?}");
        assert!(r.ci.0 > 0.0);
    }

    #[test]
    fn over_dispersion_divides_the_evidence_not_the_rates() {
        let plain = two_proportions(150, 10_000, 100, 10_000, 0.0).unwrap();
        assert_eq!(
            two_proportions_dispersed(150, 10_000, 100, 10_000, 0.0, Dispersion::NONE),
            Some(plain)
        );
        let four = Dispersion {
            factor: 4.0,
            df: f64::INFINITY,
        };
        let bursty = two_proportions_dispersed(150, 10_000, 100, 10_000, 0.0, four).unwrap();
        assert_eq!(
            (bursty.head_rate, bursty.base_rate),
            (plain.head_rate, plain.base_rate)
        );
        // Four times the variance: the same 0.5-point difference is far less certain, and the
        // interval about twice as wide.
        assert!(
            plain.p < 0.001 && bursty.p > 0.02,
            "{} {}",
            plain.p,
            bursty.p
        );
        let width = |t: &ProportionTest| t.ci.1 - t.ci.0;
        assert!((width(&bursty) / width(&plain) - 2.0).abs() < 0.15);
        // An estimated factor (11 df) is less certain still.
        let estimated = Dispersion { df: 11.0, ..four };
        let t = two_proportions_dispersed(150, 10_000, 100, 10_000, 0.0, estimated).unwrap();
        assert!(t.p > bursty.p && width(&t) > width(&bursty));
        let bad = Dispersion {
            factor: 0.5,
            df: 3.0,
        };
        assert!(two_proportions_dispersed(1, 10, 1, 10, 0.0, bad).is_none());
        assert!(difference_interval(1, 10, 1, 10, 0.95, bad).is_none());
    }

    #[test]
    fn ratio_interval_counts_the_base_uncertainty() {
        // 10/1000 vs 10/1000: the ratio's 90 % interval reaches about ×2.1 (log-ratio bounds say
        // ×2.08); the difference interval mapped through the base's 1 % says only ×1.78.
        let (lo, hi) = ratio_interval(10, 1000, 10, 1000, 0.90, Dispersion::NONE).unwrap();
        assert!(
            (1.95..2.3).contains(&hi) && (0.43..0.52).contains(&lo),
            "{lo} {hi}"
        );
        // Inverting the test: at the bounds the one-sided p-values are 5 %.
        let p = ratio_p(10, 1000, 10, 1000, hi, false, Dispersion::NONE).unwrap();
        assert!((p - 0.05).abs() < 1e-6, "{p}");
        // No head events: the lower end is 0; no base events: no ratio.
        assert_eq!(
            ratio_interval(0, 1000, 10, 1000, 0.95, Dispersion::NONE)
                .unwrap()
                .0,
            0.0
        );
        assert!(ratio_interval(3, 1000, 0, 1000, 0.95, Dispersion::NONE).is_none());
        // Large counts: close to the log-ratio (Katz) interval.
        let (lo, hi) =
            ratio_interval(2000, 100_000, 1000, 100_000, 0.95, Dispersion::NONE).unwrap();
        let se = (1.0f64 / 2000.0 - 1.0 / 100_000.0 + 1.0 / 1000.0 - 1.0 / 100_000.0).sqrt();
        let katz = ((2f64.ln() - 1.96 * se).exp(), (2f64.ln() + 1.96 * se).exp());
        assert!(
            (lo - katz.0).abs() < 0.01 && (hi - katz.1).abs() < 0.01,
            "{lo} {hi} {katz:?}"
        );
        // A doubling is significant against "no more than +10 %", an unchanged rate is not.
        assert!(ratio_p(200, 10_000, 100, 10_000, 1.1, true, Dispersion::NONE).unwrap() < 1e-6);
        assert!(ratio_p(100, 10_000, 100, 10_000, 1.1, true, Dispersion::NONE).unwrap() > 0.5);
    }
}
