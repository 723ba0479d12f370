//! Error rates (k6 `http_req_failed`, `checks`) compared as two proportions on their counts.

use crate::model::{Direction, Metric, NoiseEstimate, Proportion};
use crate::stats::compare::{LogComparison, Method};
use crate::stats::dist::normal_quantile;
use crate::stats::proportions::{
    detectable_increase, difference_interval, dispersion_from_runs, ratio_interval, ratio_p,
    two_proportions_dispersed, Dispersion,
};

use super::compared::{zero_floor, Compared};

/// An error rate (k6 `http_req_failed`, `checks`) compared as two proportions on the request
/// counts behind it, not as a log-ratio of two single values that carry no noise.
///
/// The budget keeps its meaning for every metric: `max-regression = "10%"` on a rate is a
/// relative change of the rate, measured, like every zero-valued metric, from the zero floor of
/// fractions (0.1 %): 1 % → 1.2 % failed requests is +20 %, 0 % → 0.05 % is no change (both at or
/// below the floor), 0 % → 1 % is +900 %. Which way is worse follows the metric's direction:
/// for `checks` (a pass rate, higher is better) the change is that of the pass rate.
///
/// When the base's rate is at or above the floor, the change is a ratio of rates and is tested
/// as one: the Farrington–Manning score test of `H0: ratio ≤ 1 + δ` (for a pass rate, `≥ 1/(1+δ)`)
/// and its inverted interval, so both sides' uncertainty counts. Below the floor the base counts
/// as the floor and the change is a difference from it: the score test of `H0: p_head − p_base ≤ m`
/// (`m` the increase at which the change is δ; Fisher's exact test for sparse tables), with
/// Newcombe's interval of the difference mapped through the change. Either way "significant"
/// means what it means for every other metric (beyond δ, after Benjamini–Hochberg over the run).
///
/// Requests are not independent trials when failures come in bursts (a dependency that is down
/// for twenty seconds): the counts then vary far more than a binomial, and a test that trusts them
/// cries wolf. The base's over-dispersion — from the k6 stream's 10 s windows, else from the
/// stored runs on main — divides both sides' counts and puts the test on Student's t with its
/// degrees of freedom. Never the head's: a burst of failures the PR causes is evidence against
/// it, not noise that excuses it. With neither, the requests are taken as independent, as the
/// report says.
pub(super) fn compare_proportions(
    base_metric: &Metric,
    head_metric: &Metric,
    direction: Direction,
    margin: f64,
    alpha: f64,
    history: Option<&NoiseEstimate>,
) -> Option<Compared> {
    let (base, head) = (base_metric.proportion?, head_metric.proportion?);
    if base.total == 0
        || head.total == 0
        || base.failures > base.total
        || head.failures > head.total
    {
        return None;
    }
    let unit = head_metric.unit;
    let windows = base_metric
        .overdispersion
        .filter(|o| o.factor.is_finite() && o.factor >= 0.0 && o.df > 0.0)
        .map(|o| Dispersion {
            factor: o.factor.max(1.0),
            df: o.df,
        });
    let stored = history.and_then(|n| stored_dispersion(n, base, direction));
    let dispersion = windows.or(stored.map(|s| s.0)).unwrap_or(Dispersion::NONE);
    let rates = Rates {
        direction,
        floor: zero_floor(unit),
        fail_b: base.failures as f64 / base.total as f64,
    };
    let change = rates.change_at(head.failures as f64 / head.total as f64);
    let m = rates.increase_at_margin(margin);
    let test = if rates.events(base) > 0 && rates.base_value() > 0.0 {
        ratio_test(&rates, base, head, margin, alpha, dispersion)?
    } else {
        difference_test(&rates, base, head, m, alpha, dispersion)?
    };
    // Smallest detectable change: the failure-rate increase found with 80 % power at level α
    // beyond the margin, at the base's rate (or the floor), with the dispersion.
    let increase = detectable_increase(
        rates.fail_b.max(rates.floor),
        m,
        head.total,
        base.total,
        alpha,
        dispersion,
    );
    let mde = rates.change_at((rates.fail_b + increase).min(1.0));
    let log_ratio = change.ln_1p();
    let c = LogComparison {
        method: Method::TwoProportions,
        log_ratio,
        se: ((test.upper.ln_1p() - log_ratio) / normal_quantile(1.0 - alpha)).max(0.0),
        df: dispersion.df,
        change,
        ci95: test.ci95,
        upper_one_sided: test.upper,
        p_regression: test.p,
        mde,
        mwu_p: None,
        hl_shift: None,
        outliers: None,
    };
    let what = match direction {
        Direction::Lower => "failed",
        Direction::Higher => "not passed",
    };
    let dispersed = dispersion_note(windows, stored);
    let why = format!(
        "two proportions: {} of {} {what} in head vs {} of {} in base ({}; rates below the floor {} count as {}{dispersed})",
        head.failures,
        head.total,
        base.failures,
        base.total,
        test.name,
        unit.format(rates.floor),
        unit.format(rates.floor)
    );
    Some(Compared::log(c, why, margin))
}

/// The base's failure rate, and how a head's failure rate maps to the metric's value and to its
/// oriented relative change (worse > 0), both counted from the zero floor.
struct Rates {
    direction: Direction,
    floor: f64,
    /// The base's failure rate.
    fail_b: f64,
}

impl Rates {
    /// The metric's own value for a failure rate: the failure rate, or the pass rate.
    fn value_of(&self, fail: f64) -> f64 {
        match self.direction {
            Direction::Lower => fail.clamp(0.0, 1.0),
            Direction::Higher => (1.0 - fail).clamp(0.0, 1.0),
        }
    }

    fn base_value(&self) -> f64 {
        self.value_of(self.fail_b)
    }

    /// The oriented relative change of a head whose failure rate is `fail`.
    fn change_at(&self, fail: f64) -> f64 {
        if !fail.is_finite() {
            return f64::NAN;
        }
        let vb = self.base_value().max(self.floor);
        let vh = self.value_of(fail).max(self.floor);
        match self.direction {
            Direction::Lower => vh / vb - 1.0,
            Direction::Higher => vb / vh - 1.0,
        }
    }

    /// The change as a function of the ratio `r = value_head / value_base`, both values counted
    /// from the floor: the same relative change as [`Rates::change_at`], continuous as the base's
    /// rate crosses the floor.
    fn change_of_ratio(&self, r: f64) -> f64 {
        if !r.is_finite() {
            return f64::NAN;
        }
        let vf = self.base_value().max(self.floor);
        let vh = (r * self.base_value()).max(self.floor);
        match self.direction {
            Direction::Lower => vh / vf - 1.0,
            Direction::Higher => vf / vh - 1.0,
        }
    }

    /// The events whose rate is the metric's value: failures, or passes for a pass rate.
    fn events(&self, p: Proportion) -> u64 {
        match self.direction {
            Direction::Lower => p.failures,
            Direction::Higher => p.total.saturating_sub(p.failures),
        }
    }

    /// The failure-rate increase at which the relative change is exactly `margin`.
    fn increase_at_margin(&self, margin: f64) -> f64 {
        let (vb, vf) = (self.base_value(), self.base_value().max(self.floor));
        let m = match self.direction {
            Direction::Lower => vf * (1.0 + margin) - self.fail_b,
            Direction::Higher => vb - vf / (1.0 + margin),
        };
        m.clamp(0.0, 0.999_999)
    }
}

/// What one of the two tests found, as changes of the metric.
struct RateTest {
    name: &'static str,
    p: f64,
    ci95: (f64, f64),
    /// The one-sided `1 − α` upper bound of the change.
    upper: f64,
}

/// The base's rate is above 0: the Farrington–Manning score test of the ratio of rates beyond the
/// margin, and its inverted intervals.
fn ratio_test(
    rates: &Rates,
    base: Proportion,
    head: Proportion,
    margin: f64,
    alpha: f64,
    dispersion: Dispersion,
) -> Option<RateTest> {
    let (eh, eb) = (rates.events(head), rates.events(base));
    let (vb, vf) = (rates.base_value(), rates.base_value().max(rates.floor));
    // The ratio at which the change is exactly δ.
    let (theta, greater) = match rates.direction {
        Direction::Lower => ((1.0 + margin) * vf / vb, true),
        Direction::Higher => (vf / ((1.0 + margin) * vb), false),
    };
    let (hn, bn) = (head.total, base.total);
    let p = ratio_p(eh, hn, eb, bn, theta, greater, dispersion)?;
    let (l95, u95) = ratio_interval(eh, hn, eb, bn, 0.95, dispersion)?;
    let (l1, u1) = ratio_interval(eh, hn, eb, bn, 1.0 - 2.0 * alpha, dispersion)?;
    let change = |r: f64| rates.change_of_ratio(r);
    let (ci95, upper) = match rates.direction {
        Direction::Lower => ((change(l95), change(u95)), change(u1)),
        Direction::Higher => ((change(u95), change(l95)), change(l1)),
    };
    Some(RateTest {
        name: "ratio score test",
        p,
        ci95,
        upper,
    })
}

/// The base has no events (its rate is 0): the score test of the difference of failure rates
/// beyond `m` (Fisher's exact test for sparse tables), with Newcombe's interval of the difference.
fn difference_test(
    rates: &Rates,
    base: Proportion,
    head: Proportion,
    m: f64,
    alpha: f64,
    dispersion: Dispersion,
) -> Option<RateTest> {
    let (hf, hn, bf, bn) = (head.failures, head.total, base.failures, base.total);
    let test = two_proportions_dispersed(hf, hn, bf, bn, m, dispersion)?;
    let ci95 = difference_interval(hf, hn, bf, bn, 0.95, dispersion)?;
    let one_sided = difference_interval(hf, hn, bf, bn, 1.0 - 2.0 * alpha, dispersion)?;
    let name = if test.method == "fisher-exact" {
        "Fisher exact test"
    } else {
        "score test of the difference"
    };
    let at = |d: f64| rates.change_at(rates.fail_b + d);
    Some(RateTest {
        name,
        p: test.p,
        ci95: (at(ci95.0), at(ci95.1)),
        upper: at(one_sided.1),
    })
}

/// The over-dispersion stored history shows for a rate like the base's, with its number of runs.
fn stored_dispersion(
    n: &NoiseEstimate,
    base: Proportion,
    direction: Direction,
) -> Option<(Dispersion, usize)> {
    dispersion_from_runs(
        n.log_var,
        n.df,
        base.failures,
        base.total,
        direction == Direction::Higher,
    )
    .map(|d| (d, n.runs))
}

/// How the report says where the dispersion came from (or that there was none to find).
fn dispersion_note(windows: Option<Dispersion>, stored: Option<(Dispersion, usize)>) -> String {
    match (windows, stored) {
        (Some(d), _) if d.factor > 1.0 => format!(
            "; base failures over-dispersed across {:.0} windows of 10 s (×{:.1} the binomial variance): counts divided by {:.1}",
            d.df + 1.0,
            d.factor,
            d.factor
        ),
        (Some(_), _) => "; the base's 10 s windows show no over-dispersion".into(),
        (None, Some((d, runs))) if d.factor > 1.0 => format!(
            "; the rate varies ×{:.1} more than coin flips over {runs} stored runs: counts divided by {:.1}",
            d.factor, d.factor
        ),
        (None, Some((_, runs))) => format!("; {runs} stored runs show no over-dispersion"),
        (None, None) => {
            "; requests taken as independent (no window rates or stored runs to check for bursts)"
                .into()
        }
    }
}
