//! The relative comparison every importer's data goes through: head against base on the log scale.
//!
//! The quantity of interest is `r = head/base`; we estimate `ln r`, test the minimum-effect
//! hypothesis `H0: ln r ≤ ln(1 + δ)` one-sided, and report `r − 1` with its intervals. Samples
//! are already oriented so that larger is worse (the caller passes `1/x` for higher-is-better
//! metrics), so "greater" is always "regression".
//!
//! Two entry points, by how much data a side has:
//!
//! * [`compare_samples`]: raw samples (criterion, ≥ 10 a side). Yuen's 20 %-trimmed test on log
//!   values, robust to spikes; run-to-run noise from a [`NoiseModel`] is added to the standard
//!   error, because within-run variance alone makes every test alarm on shared CI runners.
//! * [`compare_runs`]: a few runs a side (Lighthouse, k6). The variance comes from the metric's
//!   history on main; with no history only ≥ 5 runs a side are compared (on their own variance).

use super::describe::{self, OutlierCounts};
use super::welch::{combine, satterthwaite_df, welch_term, SeTerm};
use super::{dist, hodges_lehmann, mann_whitney, power, t_from_estimate, yuen, Alternative};

/// Minimum samples per side for [`compare_samples`] (Yuen with 20 % trimming keeps ≥ 6).
pub const MIN_SAMPLES: usize = 10;

/// Minimum runs per side for [`compare_runs`] without a history variance.
pub const MIN_RUNS_WITHOUT_HISTORY: usize = 5;

/// Trimming proportion of the primary test on raw samples.
pub const TRIM: f64 = 0.2;

/// Power at which the minimum detectable effect is reported.
pub const MDE_POWER: f64 = 0.8;

/// Variance of the log-ratio that the within-run samples cannot see (run-to-run noise), with the
/// degrees of freedom of its estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct NoiseModel {
    /// σ²_extra, added to the squared standard error of the log-ratio.
    pub extra_var: f64,
    /// Degrees of freedom of `extra_var` (`+∞` if treated as known).
    pub df: f64,
    /// Where the estimate came from, for the report (`"history (30 runs)"`, `"rounds"`, …).
    pub source: String,
}

impl NoiseModel {
    /// Calibrate from A/A comparisons (`docs/statistics.md`, "Calibration from history"): `log_ratios` are the estimated
    /// log-ratios of comparisons where nothing changed (base vs base, or consecutive main runs)
    /// and `within_se2` their within-run squared standard errors. The extra variance is what the
    /// spread of the A/A log-ratios shows beyond the within-run part:
    /// `σ²_extra = max(0, Var(d) − mean(SE²))`, with `H − 1` degrees of freedom.
    ///
    /// `None` with fewer than two pairs, mismatched lengths, or non-finite / negative values.
    pub fn from_aa(
        log_ratios: &[f64],
        within_se2: &[f64],
        source: impl Into<String>,
    ) -> Option<NoiseModel> {
        let h = log_ratios.len();
        if h < 2 || within_se2.len() != h {
            return None;
        }
        if !super::all_finite(log_ratios) || !within_se2.iter().all(|v| v.is_finite() && *v >= 0.0)
        {
            return None;
        }
        let extra_var = (describe::variance(log_ratios) - describe::mean(within_se2)).max(0.0);
        extra_var.is_finite().then(|| NoiseModel {
            extra_var,
            df: (h - 1) as f64,
            source: source.into(),
        })
    }

    fn is_valid(&self) -> bool {
        self.extra_var.is_finite() && self.extra_var >= 0.0 && !self.df.is_nan() && self.df > 0.0
    }
}

/// The test behind a [`LogComparison`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Yuen's 20 %-trimmed Welch test on log samples (raw samples, criterion).
    YuenLog,
    /// Welch's test on the log values of a few runs a side, their own variances.
    WelchLog,
    /// A few runs a side with the stored history's variance.
    WelchLogPooled,
    /// One new value against the base runs, with the stored history's variance.
    PredictionInterval,
    /// Two proportions on their counts (error rates).
    TwoProportions,
    /// The per-round changes of interleaved rounds (each round's 20 %-trimmed means), tested
    /// with their round-to-round variance: the round is the unit.
    YuenRounds,
    /// Separate runs without history: a benchmark's change relative to the run's shared shift,
    /// with the drift between jobs estimated from the run's other benchmarks.
    EmpiricalNull,
    /// The run's shared shift itself, with the runner-to-runner variance.
    EmpiricalNullShift,
}

impl Method {
    /// The name the report uses (`details` and `method` in the JSON report).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::YuenLog => "yuen-log",
            Method::WelchLog => "welch-log",
            Method::WelchLogPooled => "welch-log-pooled",
            Method::PredictionInterval => "prediction-interval",
            Method::TwoProportions => "two-proportions",
            Method::YuenRounds => "yuen-rounds",
            Method::EmpiricalNull => "empirical-null",
            Method::EmpiricalNullShift => "empirical-null-shift",
        }
    }

    /// The test counts samples within runs (otherwise it counts runs).
    pub fn on_samples(self) -> bool {
        self == Method::YuenLog
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Method {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A relative comparison of head against base.
#[derive(Debug, Clone, PartialEq)]
pub struct LogComparison {
    /// The test.
    pub method: Method,
    /// Estimate of `ln(head/base)`.
    pub log_ratio: f64,
    /// Standard error of `log_ratio`, including any calibrated extra variance.
    pub se: f64,
    /// Degrees of freedom of the t reference (`+∞` when the variance is known or zero).
    pub df: f64,
    /// Point estimate of the change, `expm1(log_ratio)`.
    pub change: f64,
    /// Two-sided 95 % confidence interval of the change.
    pub ci95: (f64, f64),
    /// One-sided `1 − alpha` upper confidence bound of the change ("within budget" when below X).
    pub upper_one_sided: f64,
    /// One-sided p-value of `H0: ln r ≤ ln(1 + δ)` (regression beyond the noise margin).
    pub p_regression: f64,
    /// Smallest change detected with 80 % power at level `alpha`, noise margin included.
    pub mde: f64,
    /// Two-sided Mann–Whitney p-value (secondary; None when too few values to reach 0.05).
    pub mwu_p: Option<f64>,
    /// Hodges–Lehmann shift of the log values, as a ratio − 1 (secondary).
    pub hl_shift: Option<f64>,
    /// Tukey outlier counts of the log values (head, base), for raw samples.
    pub outliers: Option<(OutlierCounts, OutlierCounts)>,
}

fn valid_common(delta: f64, alpha: f64) -> bool {
    delta.is_finite() && delta > -1.0 && alpha > 0.0 && alpha < 1.0
}

/// Natural logs of positive finite values, `None` if any value is not.
fn logs(x: &[f64]) -> Option<Vec<f64>> {
    x.iter()
        .map(|&v| (v.is_finite() && v > 0.0).then(|| v.ln()))
        .collect()
}

/// A comparison from an estimate of `ln(head/base)` (oriented: larger is worse), its standard
/// error and degrees of freedom, computed elsewhere (the round-level test): intervals, the
/// one-sided p-value beyond `delta` and the MDE. `None` when the inputs are not numbers or out
/// of range.
pub fn from_estimate(
    method: Method,
    log_ratio: f64,
    se: f64,
    df: f64,
    delta: f64,
    alpha: f64,
) -> Option<LogComparison> {
    if !valid_common(delta, alpha) || se < 0.0 || df.is_nan() || df <= 0.0 {
        return None;
    }
    finish(method, log_ratio, se, df, delta, alpha)
}

/// The one-sided `1 − alpha` upper confidence bound of the change `r − 1` from an estimate of
/// `ln r`, its standard error and degrees of freedom ("within budget" when below X).
pub fn upper_one_sided(log_ratio: f64, se: f64, df: f64, alpha: f64) -> f64 {
    (log_ratio + dist::t_quantile(1.0 - alpha, df) * se).exp_m1()
}

/// Intervals, p-value and MDE from an estimate, its standard error and df.
fn finish(
    method: Method,
    log_ratio: f64,
    se: f64,
    df: f64,
    delta: f64,
    alpha: f64,
) -> Option<LogComparison> {
    if !log_ratio.is_finite() || !se.is_finite() {
        return None;
    }
    let margin = delta.ln_1p();
    let (_, p_regression) = t_from_estimate(log_ratio, margin, se, df, Alternative::Greater);
    let t_two = dist::t_quantile(0.975, df);
    // With se = 0 the products are 0 (t quantiles are finite for 0 < p < 1): a point interval.
    let ci95 = (
        (log_ratio - t_two * se).exp_m1(),
        (log_ratio + t_two * se).exp_m1(),
    );
    Some(LogComparison {
        method,
        log_ratio,
        se,
        df,
        change: log_ratio.exp_m1(),
        ci95,
        upper_one_sided: upper_one_sided(log_ratio, se, df, alpha),
        p_regression,
        mde: power::min_detectable_effect_with_margin(se, df, alpha, MDE_POWER, delta),
        mwu_p: None,
        hl_shift: None,
        outliers: None,
    })
}

/// Compare raw samples (≥ [`MIN_SAMPLES`] per side, positive and finite) on the log scale.
///
/// Primary: Yuen's 20 %-trimmed test on `ln` values; `SE² = d_head + d_base + noise.extra_var`,
/// df by Satterthwaite over all three terms (so the noise estimate's df takes over when its
/// variance dominates). Secondary: two-sided Mann–Whitney p and the Hodges–Lehmann shift of the
/// logs, and Tukey outlier counts per side. `delta` is the noise margin (0.01 = 1 %), `alpha` the
/// one-sided level of `upper_one_sided` and of the MDE.
///
/// Zero variance on both sides without extra noise makes the comparison deterministic: p is 0 or
/// 1 and the intervals collapse to the point estimate.
///
/// `None` for too few samples, non-positive or non-finite values, or invalid parameters.
pub fn compare_samples(
    head: &[f64],
    base: &[f64],
    delta: f64,
    alpha: f64,
    noise: Option<&NoiseModel>,
) -> Option<LogComparison> {
    if head.len() < MIN_SAMPLES || base.len() < MIN_SAMPLES || !valid_common(delta, alpha) {
        return None;
    }
    if noise.is_some_and(|n| !n.is_valid()) {
        return None;
    }
    let mut lh = logs(head)?;
    let mut lb = logs(base)?;
    lh.sort_unstable_by(f64::total_cmp);
    lb.sort_unstable_by(f64::total_cmp);
    let h = yuen::yuen_term_sorted(&lh, TRIM)?;
    let b = yuen::yuen_term_sorted(&lb, TRIM)?;
    let (extra, extra_df) = noise.map_or((0.0, f64::INFINITY), |n| (n.extra_var, n.df));
    let se2 = h.se2 + b.se2 + extra;
    let df = satterthwaite_df(&[(h.se2, h.df), (b.se2, b.df), (extra, extra_df)]);
    let mut result = finish(
        Method::YuenLog,
        h.location - b.location,
        se2.sqrt(),
        df,
        delta,
        alpha,
    )?;
    result.mwu_p = mann_whitney::mann_whitney_sorted(
        &lh,
        &lb,
        Alternative::TwoSided,
        mann_whitney::Method::Auto,
    )
    .map(|m| m.p);
    result.hl_shift = hodges_lehmann::hodges_lehmann_sorted(&lh, &lb).map(f64::exp_m1);
    result.outliers = Some((
        describe::tukey_outliers_sorted(&lh),
        describe::tukey_outliers_sorted(&lb),
    ));
    Some(result)
}

/// Compare a few runs per side (one value per run: a Lighthouse metric, a k6 statistic) on the
/// log scale.
///
/// With `hist = Some((var, df))`, the per-run variance of `ln(metric)` from the metric's history
/// on main (already including run-to-run noise) and its degrees of freedom (`H − 1`):
/// `SE² = var·(1/n_head + 1/n_base)`, t with `df`. A single head run is a prediction-interval
/// test of the new value against the base runs (method `"prediction-interval"`), otherwise
/// `"welch-log-pooled"`.
///
/// Without history the runs' own variances are used (Welch on logs, `"welch-log"`) only with at
/// least [`MIN_RUNS_WITHOUT_HISTORY`] runs a side; below that `None`, and the caller reports
/// "no noise estimate" rather than pretending.
///
/// `None` also for empty sides, non-positive or non-finite values, or invalid parameters.
pub fn compare_runs(
    head: &[f64],
    base: &[f64],
    delta: f64,
    alpha: f64,
    hist: Option<(f64, f64)>,
) -> Option<LogComparison> {
    if head.is_empty() || base.is_empty() || !valid_common(delta, alpha) {
        return None;
    }
    let lh = logs(head)?;
    let lb = logs(base)?;
    let mut result = match hist {
        Some((var, df)) => {
            if !(var.is_finite() && var >= 0.0) || df.is_nan() || df <= 0.0 {
                return None;
            }
            let (nh, nb) = (lh.len() as f64, lb.len() as f64);
            let h = SeTerm {
                location: describe::mean(&lh),
                se2: var / nh,
                df,
            };
            let b = SeTerm {
                location: describe::mean(&lb),
                se2: var / nb,
                df,
            };
            let method = if lh.len() == 1 {
                Method::PredictionInterval
            } else {
                Method::WelchLogPooled
            };
            // One shared variance estimate: its df, not a Satterthwaite sum of two copies.
            let test = combine(h, b, 0.0, Alternative::Greater)?;
            finish(method, test.estimate, test.se, df, delta, alpha)?
        }
        None => {
            if lh.len() < MIN_RUNS_WITHOUT_HISTORY || lb.len() < MIN_RUNS_WITHOUT_HISTORY {
                return None;
            }
            let test = combine(
                welch_term(&lh)?,
                welch_term(&lb)?,
                0.0,
                Alternative::Greater,
            )?;
            finish(
                Method::WelchLog,
                test.estimate,
                test.se,
                test.df,
                delta,
                alpha,
            )?
        }
    };
    // Below 4 runs a side Mann–Whitney cannot reach p < 0.05 two-sided: not worth showing.
    if lh.len().min(lb.len()) >= 4 {
        result.mwu_p = mann_whitney::mann_whitney(&lh, &lb, Alternative::TwoSided).map(|m| m.p);
    }
    result.hl_shift = hodges_lehmann::hodges_lehmann(&lh, &lb).map(f64::exp_m1);
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(centre: f64, n: usize, step: f64) -> Vec<f64> {
        (0..n)
            .map(|i| centre * (1.0 + step * (i as f64 - n as f64 / 2.0)))
            .collect()
    }

    #[test]
    fn rejects_bad_input() {
        let ok = spread(100.0, 20, 0.001);
        assert!(compare_samples(&ok[..9], &ok, 0.01, 0.05, None).is_none());
        let mut bad = ok.clone();
        bad[3] = 0.0;
        assert!(compare_samples(&bad, &ok, 0.01, 0.05, None).is_none());
        bad[3] = f64::NAN;
        assert!(compare_samples(&ok, &bad, 0.01, 0.05, None).is_none());
        assert!(compare_samples(&ok, &ok, 0.01, 0.0, None).is_none());
        assert!(compare_samples(&ok, &ok, -1.0, 0.05, None).is_none());
        let noise = NoiseModel {
            extra_var: -1.0,
            df: 5.0,
            source: "test".into(),
        };
        assert!(compare_samples(&ok, &ok, 0.01, 0.05, Some(&noise)).is_none());
        assert!(compare_runs(&[], &[1.0], 0.01, 0.05, Some((0.01, 9.0))).is_none());
        assert!(compare_runs(&[1.0], &[1.0], 0.01, 0.05, Some((f64::NAN, 9.0))).is_none());
        assert!(compare_runs(&[1.0; 4], &[1.0; 4], 0.01, 0.05, None).is_none());
    }

    #[test]
    fn identical_constant_samples_are_deterministic_no_change() {
        let c = compare_samples(&[7.0; 12], &[7.0; 15], 0.01, 0.05, None).unwrap();
        assert_eq!((c.change, c.p_regression, c.se), (0.0, 1.0, 0.0));
        assert_eq!(c.ci95, (0.0, 0.0));
        assert_eq!(c.upper_one_sided, 0.0);
        assert_eq!(c.mwu_p, Some(1.0));
        let up = compare_samples(&[7.7; 12], &[7.0; 15], 0.01, 0.05, None).unwrap();
        assert_eq!(up.p_regression, 0.0);
        assert!((up.change - 0.1).abs() < 1e-12);
    }

    #[test]
    fn noise_model_widens_the_interval_and_takes_its_df() {
        let head = spread(103.0, 100, 0.0005);
        let base = spread(100.0, 100, 0.0005);
        let plain = compare_samples(&head, &base, 0.01, 0.05, None).unwrap();
        let noise = NoiseModel {
            extra_var: 0.02f64.powi(2),
            df: 29.0,
            source: "history (30 runs)".into(),
        };
        let calibrated = compare_samples(&head, &base, 0.01, 0.05, Some(&noise)).unwrap();
        assert_eq!(plain.log_ratio, calibrated.log_ratio);
        assert!(calibrated.se > plain.se && calibrated.p_regression > plain.p_regression);
        assert!(
            calibrated.df > 29.0 && calibrated.df < 31.0,
            "{}",
            calibrated.df
        );
        assert!(plain.p_regression < 1e-10);
    }

    #[test]
    fn single_runs_with_history_are_a_prediction_interval() {
        let var: f64 = 0.02f64.powi(2);
        let c = compare_runs(&[110.0], &[100.0], 0.01, 0.05, Some((var, 29.0))).unwrap();
        assert_eq!(c.method, "prediction-interval");
        let se = (2.0 * var).sqrt();
        assert!((c.se - se).abs() < 1e-15);
        let t = (1.1f64.ln() - 1.01f64.ln()) / se;
        assert!((c.p_regression - dist::t_sf(t, 29.0)).abs() < 1e-15);
        assert_eq!(c.df, 29.0);
        assert!(c.mwu_p.is_none());
    }

    #[test]
    fn aa_calibration_subtracts_the_within_part() {
        let d = [0.01, -0.01, 0.02, -0.02, 0.0];
        let se2 = [1e-5; 5];
        let n = NoiseModel::from_aa(&d, &se2, "aa").unwrap();
        assert!((n.extra_var - (describe::variance(&d) - 1e-5)).abs() < 1e-15);
        assert_eq!(n.df, 4.0);
        assert_eq!(
            NoiseModel::from_aa(&d, &[1.0; 5], "aa").unwrap().extra_var,
            0.0
        );
        assert!(NoiseModel::from_aa(&d[..1], &se2[..1], "aa").is_none());
    }
}
