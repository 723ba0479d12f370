//! The empirical null of one run: how far unchanged benchmarks drift between two separate jobs,
//! estimated from the run's own benchmarks.
//!
//! Base and head measured in different jobs differ by more than their within-run standard errors
//! say: each benchmark drifts from job to job by a few percent, and the whole machine may be
//! faster or slower. Without stored history nothing outside the run measures that drift, but the
//! run itself does: most benchmarks of a pull request did not change, so the spread of their
//! log-ratios beyond the within-run part *is* the job-to-job drift (Efron 2004, "Large-scale
//! simultaneous hypothesis testing: the choice of a null hypothesis", JASA 99:96–104: estimate the
//! null distribution from the bulk of the test statistics instead of assuming it).
//!
//! The model of benchmark `i`'s log-ratio `d_i = ln(head/base)`, with within-run squared standard
//! error `v_i`:
//!
//! ```text
//! d_i = μ + θ_i + e_i + ε_i,   e_i ~ N(0, τ²_s(i)),   ε_i ~ N(0, v_i)
//! ```
//!
//! `μ` is the shift common to every benchmark (a faster or slower runner, or a change touching
//! everything), `θ_i` a real change (0 for most), `τ²_s` the drift variance of benchmarks of
//! similar within-run noise (stratum `s`). The estimates:
//!
//! * `μ̂`: Huber's M-estimate of location (k = 1.345, scale 1.4826·MAD) of the `d_i`, with the
//!   sandwich standard error (Huber & Ronchetti 2009, *Robust Statistics*, §3.2, §6.5): a few real
//!   changes move it little.
//! * `τ̂²_s`: the value that makes the 75th percentile of `|d_i − μ̂| / √(v_i + τ²)` in the stratum
//!   equal that of `|N(0, 1)|` (1.1503): Efron's central matching, on the scale only, with each
//!   benchmark's own within-run variance. Up to a quarter of a stratum may have really changed.
//!   Strata are equal-count groups of benchmarks sorted by `v_i` (at least [`MIN_STRATUM`] each),
//!   and each stratum's estimate is shrunk towards the whole run's by [`SHRINK_BENCHMARKS`]
//!   pseudo-benchmarks.
//!
//! Per-benchmark checks are then judged *relative to the shared shift*: `d_i − μ̂` with variance
//! `v_i + τ̂²_s + Var(μ̂)`. The shift itself is never subtracted silently: [`ShiftCheck`] judges it
//! against the budget on its own, with the runner-to-runner variance `2·MACHINE_SHIFT_SD²` added,
//! since a machine-wide shift cannot be told apart from a faster or slower runner by the run alone.
//! Formulas and the simulation behind the constants: `docs/statistics.md`.

use super::compare::{from_estimate, LogComparison, Method, NoiseModel};
use super::welch::satterthwaite_df;
use super::{describe, dist};

/// Fewest benchmarks an empirical null is estimated from. Below this `None`: the caller falls back
/// to the raised noise margin. With 20 benchmarks the drift variance has about 12 degrees of
/// freedom (a t quantile of 1.78 against 1.65), and in simulation the false-alarm rate of unchanged
/// pull requests stays within target down to this size (`docs/statistics.md`).
pub const MIN_BENCHMARKS: usize = 20;

/// Fewest benchmarks in one stratum of similar within-run noise.
pub const MIN_STRATUM: usize = 25;

/// Most strata.
pub const MAX_STRATA: usize = 4;

/// Weight, in benchmarks, of the whole run's drift variance when a stratum's estimate is shrunk
/// towards it: `τ²_s ← (n_s τ̂²_s + n₀ τ̂²) / (n_s + n₀)`.
pub const SHRINK_BENCHMARKS: f64 = 20.0;

/// Standard deviation of one runner's speed from job to job, on the log scale: the shift between
/// two jobs' runners then has variance `2·MACHINE_SHIFT_SD²` (sd 2.8 %). CodSpeed measured a 2.66 %
/// coefficient of variation between runs on GitHub-hosted runners.
pub const MACHINE_SHIFT_SD: f64 = 0.02;

/// Degrees of freedom with which one benchmark's own drift variance is known from its stratum's.
/// Benchmarks of similar within-run noise still drift by different amounts, and one run cannot
/// tell which drift more: each benchmark's drift variance is taken to scatter around the
/// stratum's as a scaled inverse χ² with this many degrees of freedom (the prior of Smyth 2004),
/// which makes its residual a scaled Student t. Combined with the estimate's own degrees of freedom
/// as `1/df = 1/DRIFT_PRIOR_DF + 1/df_estimate`. The value is a prior, not estimable from one run;
/// the simulation in `docs/statistics.md` shows what it buys.
pub const DRIFT_PRIOR_DF: f64 = 6.0;

/// Huber's tuning constant: 95 % efficiency at the normal.
const HUBER_K: f64 = 1.345;

/// Consistency factor of the median absolute deviation for the normal.
const MAD_TO_SD: f64 = 1.482_602_218_505_602;

/// The share of standardised residuals matched to the normal null (central matching).
const MATCH_QUANTILE: f64 = 0.75;

/// What the empirical null needs from one benchmark's within-run comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchmarkEstimate {
    /// `ln(head/base)`, oriented so that larger is worse.
    pub log_ratio: f64,
    /// Its within-run squared standard error.
    pub within_se2: f64,
    /// Degrees of freedom of `within_se2` (`+∞` if known).
    pub within_df: f64,
}

impl BenchmarkEstimate {
    /// The estimate of a comparison made without any noise model (within-run variance only).
    pub fn from_comparison(c: &LogComparison) -> BenchmarkEstimate {
        BenchmarkEstimate {
            log_ratio: c.log_ratio,
            within_se2: c.se * c.se,
            within_df: c.df,
        }
    }

    fn is_valid(&self) -> bool {
        self.log_ratio.is_finite()
            && self.within_se2.is_finite()
            && self.within_se2 >= 0.0
            && self.within_df > 0.0
    }
}

/// Benchmarks of similar within-run noise, sharing one drift variance.
#[derive(Debug, Clone, PartialEq)]
pub struct Stratum {
    /// Benchmarks in the stratum.
    pub benchmarks: usize,
    /// Smallest and largest within-run squared standard error in the stratum.
    pub within_se2_range: (f64, f64),
    /// The stratum's own estimate of the drift variance, before shrinking.
    pub own_drift_var: f64,
    /// Drift variance of one benchmark's log-ratio (shrunk towards the whole run's).
    pub drift_var: f64,
    /// Degrees of freedom of the estimate `drift_var` (`2·τ̂⁴ / Var(τ̂²)`).
    pub estimate_df: f64,
    /// Degrees of freedom of one benchmark's drift variance, the estimate's combined with
    /// [`DRIFT_PRIOR_DF`]: `1 / (1/DRIFT_PRIOR_DF + 1/estimate_df)`.
    pub drift_df: f64,
}

impl Stratum {
    fn new(
        benchmarks: usize,
        within_se2_range: (f64, f64),
        own_drift_var: f64,
        drift_var: f64,
        var_of_drift_var: f64,
    ) -> Stratum {
        let estimate_df = variance_df(drift_var, var_of_drift_var);
        Stratum {
            benchmarks,
            within_se2_range,
            own_drift_var,
            drift_var,
            estimate_df,
            drift_df: 1.0 / (1.0 / DRIFT_PRIOR_DF + 1.0 / estimate_df),
        }
    }
}

/// The empirical null of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct EmpiricalNull {
    /// Benchmarks it rests on.
    pub benchmarks: usize,
    /// `μ̂`: the shift common to every benchmark, on the log scale.
    pub shift: f64,
    /// Standard error of `shift` from the spread of the benchmarks (no runner term).
    pub shift_se: f64,
    /// Degrees of freedom of `shift_se` (`n − 1`).
    pub shift_df: f64,
    /// Drift variance of the whole run (the target of the strata's shrinking).
    pub drift_var: f64,
    /// Degrees of freedom of `drift_var`.
    pub drift_df: f64,
    /// The strata, by increasing within-run noise.
    pub strata: Vec<Stratum>,
}

/// One benchmark's check relative to the shared shift.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidualCheck {
    /// `d_i − μ̂`.
    pub log_ratio: f64,
    /// Within-run squared standard error, as given.
    pub within_se2: f64,
    /// Extra variance beyond the within-run part: `τ̂²_s + Var(μ̂)`.
    pub extra_var: f64,
    /// Degrees of freedom of `extra_var` (Satterthwaite).
    pub extra_df: f64,
    /// Standard error of `log_ratio`: `√(within_se2 + extra_var)`.
    pub se: f64,
    /// Degrees of freedom of `se` (Satterthwaite over the within-run part and `extra_var`).
    pub df: f64,
    /// Index into [`EmpiricalNull::strata`].
    pub stratum: usize,
}

impl ResidualCheck {
    /// The noise model that makes [`super::compare_samples`] on head samples divided by
    /// `exp(shift)` reproduce this check (`extra_var`, `extra_df`).
    pub fn noise_model(&self) -> NoiseModel {
        NoiseModel {
            extra_var: self.extra_var,
            df: self.extra_df,
            source: "empirical null of this run (separate jobs, no history)".to_string(),
        }
    }

    /// The check as a comparison (method `"empirical-null"`), for [`super::RelativeCheck`].
    pub fn comparison(&self, delta: f64, alpha: f64) -> Option<LogComparison> {
        from_estimate(
            Method::EmpiricalNull,
            self.log_ratio,
            self.se,
            self.df,
            delta,
            alpha,
        )
    }
}

/// The check of the shared shift against the budget, with the runner-to-runner variance.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftCheck {
    /// `μ̂`, on the log scale.
    pub log_ratio: f64,
    /// `√(Var(μ̂) + 2·machine_sd²)`.
    pub se: f64,
    /// Degrees of freedom (Satterthwaite; the runner term counts as known).
    pub df: f64,
    /// The runner standard deviation assumed.
    pub machine_sd: f64,
}

impl ShiftCheck {
    /// The check as a comparison (method `"empirical-null-shift"`), for [`super::RelativeCheck`].
    pub fn comparison(&self, delta: f64, alpha: f64) -> Option<LogComparison> {
        from_estimate(
            Method::EmpiricalNullShift,
            self.log_ratio,
            self.se,
            self.df,
            delta,
            alpha,
        )
    }
}

/// Everything a caller needs to judge a run of separate jobs without history.
#[derive(Debug, Clone, PartialEq)]
pub struct SeparateRuns {
    /// The estimated null.
    pub null: EmpiricalNull,
    /// One check per input benchmark, in input order, relative to the shared shift.
    pub benchmarks: Vec<ResidualCheck>,
    /// The shared shift, judged on its own.
    pub shift: ShiftCheck,
}

/// Estimates the empirical null of `inputs` and derives every benchmark's check relative to the
/// shared shift, and the check of the shift itself with runner standard deviation `machine_sd`
/// ([`MACHINE_SHIFT_SD`] unless the caller knows better).
///
/// `None` with fewer than [`MIN_BENCHMARKS`] benchmarks, any invalid input (non-finite log-ratio,
/// negative or non-finite squared standard error, df ≤ 0 or NaN), or an invalid `machine_sd`.
pub fn separate_runs(inputs: &[BenchmarkEstimate], machine_sd: f64) -> Option<SeparateRuns> {
    if !(machine_sd.is_finite() && machine_sd >= 0.0) {
        return None;
    }
    let null = EmpiricalNull::estimate(inputs)?;
    let shift_var = null.shift_se * null.shift_se;
    let benchmarks = inputs
        .iter()
        .zip(null.assign(inputs))
        .map(|(b, s)| {
            let st = &null.strata[s];
            let extra_var = st.drift_var + shift_var;
            let extra_df =
                satterthwaite_df(&[(st.drift_var, st.drift_df), (shift_var, null.shift_df)]);
            let df = satterthwaite_df(&[
                (b.within_se2, b.within_df),
                (st.drift_var, st.drift_df),
                (shift_var, null.shift_df),
            ]);
            ResidualCheck {
                log_ratio: b.log_ratio - null.shift,
                within_se2: b.within_se2,
                extra_var,
                extra_df,
                se: (b.within_se2 + extra_var).sqrt(),
                df,
                stratum: s,
            }
        })
        .collect();
    let machine_var = 2.0 * machine_sd * machine_sd;
    let shift = ShiftCheck {
        log_ratio: null.shift,
        se: (shift_var + machine_var).sqrt(),
        df: satterthwaite_df(&[(shift_var, null.shift_df), (machine_var, f64::INFINITY)]),
        machine_sd,
    };
    Some(SeparateRuns {
        null,
        benchmarks,
        shift,
    })
}

impl EmpiricalNull {
    /// Estimates the shared shift and the drift variances from the run's benchmarks.
    ///
    /// `None` with fewer than [`MIN_BENCHMARKS`] benchmarks or any invalid input.
    pub fn estimate(inputs: &[BenchmarkEstimate]) -> Option<EmpiricalNull> {
        let n = inputs.len();
        if n < MIN_BENCHMARKS || !inputs.iter().all(BenchmarkEstimate::is_valid) {
            return None;
        }
        let d: Vec<f64> = inputs.iter().map(|b| b.log_ratio).collect();
        let (shift, shift_se) = huber_location(&d)?;
        let residuals: Vec<(f64, f64)> = inputs
            .iter()
            .map(|b| (b.log_ratio - shift, b.within_se2))
            .collect();
        let (drift_var, drift_var_var) = matched_drift_var(&residuals)?;

        // Equal-count strata by within-run variance; the remainder goes to the first strata.
        let k = (n / MIN_STRATUM).clamp(1, MAX_STRATA);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| inputs[a].within_se2.total_cmp(&inputs[b].within_se2));
        let mut strata = Vec::with_capacity(k);
        let mut start = 0;
        for s in 0..k {
            let size = n / k + usize::from(s < n % k);
            let members = &order[start..start + size];
            start += size;
            let part: Vec<(f64, f64)> = members.iter().map(|&i| residuals[i]).collect();
            let range = (part[0].1, part[part.len() - 1].1);
            let stratum = if k == 1 {
                Stratum::new(size, range, drift_var, drift_var, drift_var_var)
            } else {
                let (own, own_var) = matched_drift_var(&part)?;
                let w = size as f64 / (size as f64 + SHRINK_BENCHMARKS);
                let shrunk = w * own + (1.0 - w) * drift_var;
                // The two estimates overlap (the stratum is part of the run); treating them as
                // independent understates the variance a little, less than the shrinking gains.
                let shrunk_var = w * w * own_var + (1.0 - w) * (1.0 - w) * drift_var_var;
                Stratum::new(size, range, own, shrunk, shrunk_var)
            };
            strata.push(stratum);
        }
        Some(EmpiricalNull {
            benchmarks: n,
            shift,
            shift_se,
            shift_df: (n - 1) as f64,
            drift_var,
            drift_df: variance_df(drift_var, drift_var_var),
            strata,
        })
    }

    /// The stratum of each input, by within-run squared standard error (ties to the lower one).
    fn assign(&self, inputs: &[BenchmarkEstimate]) -> Vec<usize> {
        inputs
            .iter()
            .map(|b| {
                self.strata
                    .iter()
                    .position(|s| b.within_se2 <= s.within_se2_range.1)
                    .unwrap_or(self.strata.len() - 1)
            })
            .collect()
    }
}

/// χ²-equivalent degrees of freedom of a variance estimate: `2·v² / Var(v̂)`; `+∞` when its
/// variance is 0 and the estimate positive, and a nominal 1 when both are 0 (the term is then 0
/// and drops out of any Satterthwaite sum).
fn variance_df(v: f64, var_of_v: f64) -> f64 {
    if var_of_v > 0.0 {
        (2.0 * v * v / var_of_v).max(1.0)
    } else if v > 0.0 {
        f64::INFINITY
    } else {
        1.0
    }
}

/// Efficiency of the MAD as a scale estimate at the normal: its variance is that of the sample
/// standard deviation divided by 0.37 (Huber & Ronchetti 2009, §5.1).
const MAD_EFFICIENCY: f64 = 0.367;

/// How far one of a job's samples scatters: when there is neither history nor an empirical null
/// (too few benchmarks), the evidence the job itself holds of how unsteady its machine was (samples
/// of one job share its machine state; a loaded machine that spreads its samples by 50 % can move
/// a whole job's level as much). The caller counts the scatter beyond the raised margin as
/// job-to-job drift (`docs/statistics.md`, "Fallback"). Returns the squared robust standard deviation of `log_samples`
/// (`1.4826·MAD`) and its degrees of freedom (`0.37·(n − 1)`, the MAD's efficiency); `None` with
/// fewer than two values or a non-finite one.
pub fn sample_scatter_var(log_samples: &[f64]) -> Option<(f64, f64)> {
    let n = log_samples.len();
    if n < 2 || !log_samples.iter().all(|v| v.is_finite()) {
        return None;
    }
    let centre = describe::median(log_samples);
    let deviations: Vec<f64> = log_samples.iter().map(|v| (v - centre).abs()).collect();
    let sd = MAD_TO_SD * describe::median(&deviations);
    sd.is_finite()
        .then(|| (sd * sd, (MAD_EFFICIENCY * (n - 1) as f64).max(1.0)))
}

/// Huber's M-estimate of location (scale fixed at 1.4826·MAD about the median) and its sandwich
/// standard error `S·√(mean ψ² / (mean ψ')² / n)`. With a MAD of 0 (more than half the values
/// equal) the median, with standard error 0.
fn huber_location(d: &[f64]) -> Option<(f64, f64)> {
    let n = d.len() as f64;
    let median = describe::median(d);
    let deviations: Vec<f64> = d.iter().map(|x| (x - median).abs()).collect();
    let scale = MAD_TO_SD * describe::median(&deviations);
    if !(median.is_finite() && scale.is_finite()) {
        return None;
    }
    if scale == 0.0 {
        return Some((median, 0.0));
    }
    let mut mu = median;
    for _ in 0..100 {
        let (mut psi, mut slope) = (0.0, 0.0);
        for x in d {
            let r = (x - mu) / scale;
            psi += r.clamp(-HUBER_K, HUBER_K);
            slope += f64::from(u8::from(r.abs() <= HUBER_K));
        }
        if slope == 0.0 {
            break;
        }
        let step = scale * psi / slope;
        mu += step;
        if step.abs() <= 1e-12 * scale {
            break;
        }
    }
    let (mut psi2, mut slope) = (0.0, 0.0);
    for x in d {
        let r = (x - mu) / scale;
        psi2 += r.clamp(-HUBER_K, HUBER_K).powi(2);
        slope += f64::from(u8::from(r.abs() <= HUBER_K));
    }
    if slope == 0.0 {
        return Some((median, 1.253_314_137_315_500_3 * scale / n.sqrt()));
    }
    let var = scale * scale * (psi2 / n) / (slope / n).powi(2) / n;
    (mu.is_finite() && var.is_finite()).then(|| (mu, var.sqrt()))
}

/// The drift variance `τ²` of residuals `(d_i − μ̂, v_i)` by central matching: the
/// [`MATCH_QUANTILE`] quantile of `|d_i − μ̂| / √(v_i + τ²)` equals that of `|N(0, 1)|`; 0 when the
/// within-run variances alone already spread them that little. Also the variance of the estimate:
/// a quantile-based scale estimate of `m` values has `Var(σ̂²)/σ⁴ ≈ 4p(1−p)/(m·(2φ(z)·z)²)` at
/// the normal (`p` the quantile, `z` its normal value), taken at the typical total variance
/// `τ² + median v_i`.
fn matched_drift_var(residuals: &[(f64, f64)]) -> Option<(f64, f64)> {
    let m = residuals.len();
    if m == 0 {
        return None;
    }
    let z = dist::normal_quantile(0.5 + MATCH_QUANTILE / 2.0);
    let matched = |tau2: f64| -> f64 {
        let standardised: Vec<f64> = residuals
            .iter()
            .map(|&(e, v)| {
                let total = v + tau2;
                if total > 0.0 {
                    e.abs() / total.sqrt()
                } else if e == 0.0 {
                    0.0
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        describe::quantile_type7(&describe::sorted(&standardised), MATCH_QUANTILE)
    };
    let tau2 = if matched(0.0) <= z {
        0.0
    } else {
        // The quantile falls as τ² grows; the largest squared residual is always enough.
        let mut lo = 0.0;
        let mut hi = residuals.iter().map(|&(e, _)| e * e).fold(0.0, f64::max) / (z * z);
        if !(hi.is_finite() && hi > 0.0) {
            return None;
        }
        while matched(hi) > z {
            hi *= 2.0;
            if !hi.is_finite() {
                return None;
            }
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if matched(mid) > z {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= 1e-12 * hi {
                break;
            }
        }
        hi
    };
    let p = MATCH_QUANTILE;
    let density = 2.0 * (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let rel_var_sd = p * (1.0 - p) / ((density * z).powi(2) * m as f64);
    let within: Vec<f64> = residuals.iter().map(|&(_, v)| v).collect();
    let typical = tau2 + describe::median(&within);
    let var_of_tau2 = 4.0 * rel_var_sd * typical * typical;
    (tau2.is_finite() && var_of_tau2.is_finite()).then_some((tau2, var_of_tau2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` log-ratios at normal quantiles around `shift` with total variance `v_i + tau2`, in a
    /// scrambled order so that the within-run variances are not sorted with the residuals.
    fn exact_null(
        n: usize,
        shift: f64,
        tau2: f64,
        within: impl Fn(usize) -> f64,
    ) -> Vec<BenchmarkEstimate> {
        (0..n)
            .map(|i| {
                let j = (i * 37 + 11) % n;
                let z = dist::normal_quantile((j as f64 + 0.5) / n as f64);
                let v = within(i);
                BenchmarkEstimate {
                    log_ratio: shift + z * (v + tau2).sqrt(),
                    within_se2: v,
                    within_df: 60.0,
                }
            })
            .collect()
    }

    #[test]
    fn too_few_or_invalid_benchmarks_have_no_null() {
        let ok = exact_null(MIN_BENCHMARKS, 0.0, 1e-4, |_| 1e-5);
        assert!(separate_runs(&ok, MACHINE_SHIFT_SD).is_some());
        assert!(separate_runs(&ok[1..], MACHINE_SHIFT_SD).is_none());
        for bad in [
            BenchmarkEstimate {
                log_ratio: f64::NAN,
                ..ok[0]
            },
            BenchmarkEstimate {
                within_se2: -1e-6,
                ..ok[0]
            },
            BenchmarkEstimate {
                within_se2: f64::INFINITY,
                ..ok[0]
            },
            BenchmarkEstimate {
                within_df: 0.0,
                ..ok[0]
            },
            BenchmarkEstimate {
                within_df: f64::NAN,
                ..ok[0]
            },
        ] {
            let mut inputs = ok.clone();
            inputs[3] = bad;
            assert!(
                separate_runs(&inputs, MACHINE_SHIFT_SD).is_none(),
                "{bad:?}"
            );
        }
        assert!(separate_runs(&ok, f64::NAN).is_none());
        assert!(separate_runs(&ok, -0.01).is_none());
    }

    #[test]
    fn recovers_the_shift_and_the_drift_of_an_exact_normal_sample() {
        let tau2 = 0.02f64.powi(2);
        let inputs = exact_null(200, 0.03, tau2, |i| {
            (0.001 + 0.0001 * (i % 50) as f64).powi(2)
        });
        let runs = separate_runs(&inputs, MACHINE_SHIFT_SD).unwrap();
        let null = &runs.null;
        assert_eq!(null.benchmarks, 200);
        assert!((null.shift - 0.03).abs() < 1e-3, "{}", null.shift);
        // Huber at the normal: SE ≈ σ/√(0.95 n), σ ≈ 2.0–2.1 %.
        let expected_se = 0.0205 / (0.95f64 * 200.0).sqrt();
        assert!(
            (null.shift_se / expected_se - 1.0).abs() < 0.1,
            "{}",
            null.shift_se
        );
        assert!(
            (null.drift_var / tau2 - 1.0).abs() < 0.05,
            "{}",
            null.drift_var
        );
        assert_eq!(null.strata.len(), 4);
        assert_eq!(null.strata.iter().map(|s| s.benchmarks).sum::<usize>(), 200);
        for s in &null.strata {
            assert!((s.drift_var / tau2 - 1.0).abs() < 0.3, "{s:?}");
            assert!(s.estimate_df > 10.0 && s.estimate_df < 200.0, "{s:?}");
            // One benchmark's drift is known no better than the prior allows.
            assert!(
                s.drift_df < DRIFT_PRIOR_DF && s.drift_df > 0.8 * DRIFT_PRIOR_DF,
                "{s:?}"
            );
        }
        // Residuals are relative to the shift; their variance has every part.
        let b = &runs.benchmarks[7];
        assert!((b.log_ratio - (inputs[7].log_ratio - null.shift)).abs() < 1e-15);
        let st = &null.strata[b.stratum];
        let var = inputs[7].within_se2 + st.drift_var + null.shift_se.powi(2);
        assert!((b.se * b.se - var).abs() < 1e-15);
        assert!((b.extra_var - (var - inputs[7].within_se2)).abs() < 1e-15);
        assert!(b.df > 4.0 && b.df < 60.0, "{}", b.df);
        // The shift check carries the runner-to-runner variance.
        let shift_var = null.shift_se.powi(2) + 2.0 * MACHINE_SHIFT_SD.powi(2);
        assert!((runs.shift.se.powi(2) - shift_var).abs() < 1e-15);
        assert_eq!(runs.shift.log_ratio, null.shift);
        assert!(runs.shift.df > 1e4, "{}", runs.shift.df);
    }

    #[test]
    fn within_run_noise_alone_is_no_drift() {
        let inputs = exact_null(100, 0.0, 0.0, |i| (0.002 + 0.0002 * i as f64).powi(2));
        let null = EmpiricalNull::estimate(&inputs).unwrap();
        // The exact quantiles spread exactly as the within-run errors say: τ² ≈ 0.
        assert!(null.drift_var < 1e-6, "{}", null.drift_var);
    }

    #[test]
    fn a_few_real_changes_barely_move_the_null() {
        let tau2 = 0.015f64.powi(2);
        let clean = exact_null(200, 0.0, tau2, |_| 1e-5);
        let mut changed = clean.clone();
        for b in changed.iter_mut().step_by(25) {
            b.log_ratio += 0.3f64.ln_1p();
        }
        let a = EmpiricalNull::estimate(&clean).unwrap();
        let b = EmpiricalNull::estimate(&changed).unwrap();
        assert!((b.shift - a.shift).abs() < 0.002, "{} {}", a.shift, b.shift);
        assert!(
            b.drift_var / a.drift_var < 1.25,
            "{} {}",
            a.drift_var,
            b.drift_var
        );
        // The changed ones stand out relative to the shift.
        let runs = separate_runs(&changed, MACHINE_SHIFT_SD).unwrap();
        let c = runs.benchmarks[0].comparison(0.01, 0.05).unwrap();
        // +30 % against a 1.5 % drift: ~17 standard errors, in a t with ~5 degrees of freedom.
        assert!(c.p_regression < 1e-4, "{}", c.p_regression);
        assert_eq!(c.method, "empirical-null");
    }

    #[test]
    fn a_uniform_slowdown_is_the_shift_not_the_benchmarks() {
        let inputs = exact_null(200, 0.1f64.ln_1p(), 0.01f64.powi(2), |_| 1e-5);
        let runs = separate_runs(&inputs, MACHINE_SHIFT_SD).unwrap();
        let shift = runs.shift.comparison(0.01, 0.05).unwrap();
        assert!((shift.change - 0.1).abs() < 0.002, "{}", shift.change);
        assert_eq!(shift.method, "empirical-null-shift");
        // (ln 1.1 − ln 1.01) / 2.83 % ≈ 3.0 standard errors.
        assert!(
            shift.p_regression < 0.002 && shift.p_regression > 0.0005,
            "{}",
            shift.p_regression
        );
        let residual_max = runs
            .benchmarks
            .iter()
            .map(|b| b.log_ratio.abs())
            .fold(0.0, f64::max);
        assert!(residual_max < 0.04, "{residual_max}");
        // Without a runner term the same shift is certain.
        let exact = separate_runs(&inputs, 0.0).unwrap().shift;
        assert!(exact.se < 0.002);
    }

    #[test]
    fn when_most_benchmarks_moved_the_shift_carries_it_and_no_benchmark_is_blamed() {
        // 60 % of the benchmarks +10 % (say, an allocator change), the rest unchanged: the
        // centre follows the majority, the drift estimate swells (the run is not "mostly
        // unchanged"), so no single benchmark is called a regression, while the shift check
        // still reports the run-wide slowdown.
        let mut inputs = exact_null(200, 0.0, 0.01f64.powi(2), |_| 1e-5);
        for (i, b) in inputs.iter_mut().enumerate() {
            if i % 5 < 3 {
                b.log_ratio += 0.1f64.ln_1p();
            }
        }
        let runs = separate_runs(&inputs, MACHINE_SHIFT_SD).unwrap();
        assert!(runs.null.shift > 0.05, "{}", runs.null.shift);
        assert!(runs.null.drift_var.sqrt() > 0.03, "{}", runs.null.drift_var);
        let shift = runs.shift.comparison(0.01, 0.05).unwrap();
        assert!(shift.p_regression < 0.05, "{}", shift.p_regression);
        for b in &runs.benchmarks {
            let c = b.comparison(0.01, 0.05).unwrap();
            assert!(c.p_regression > 0.01, "{c:?}");
        }
    }

    #[test]
    fn sample_scatter_is_the_robust_sd_of_the_log_samples() {
        assert_eq!(sample_scatter_var(&[0.1]), None);
        assert_eq!(sample_scatter_var(&[0.1, f64::NAN, 0.2]), None);
        // Exact normal quantiles with sd 0.05: the MAD-based sd recovers it; df = 0.367·(n − 1).
        let x: Vec<f64> = (0..199)
            .map(|i| 0.05 * dist::normal_quantile((i as f64 + 0.5) / 199.0))
            .collect();
        let (var, df) = sample_scatter_var(&x).unwrap();
        assert!((var.sqrt() / 0.05 - 1.0).abs() < 0.02, "{var}");
        assert!((df - 0.367 * 198.0).abs() < 1e-9, "{df}");
        // One wild sample barely moves it.
        let mut y = x.clone();
        y[0] = 5.0;
        assert!((sample_scatter_var(&y).unwrap().0.sqrt() / 0.05 - 1.0).abs() < 0.03);
    }

    #[test]
    fn identical_log_ratios_are_a_deterministic_shift() {
        let inputs: Vec<BenchmarkEstimate> = (0..30)
            .map(|_| BenchmarkEstimate {
                log_ratio: 0.05,
                within_se2: 0.0,
                within_df: 60.0,
            })
            .collect();
        let runs = separate_runs(&inputs, MACHINE_SHIFT_SD).unwrap();
        assert_eq!(runs.null.shift, 0.05);
        assert_eq!(runs.null.shift_se, 0.0);
        assert_eq!(runs.null.drift_var, 0.0);
        assert!(runs
            .benchmarks
            .iter()
            .all(|b| b.log_ratio == 0.0 && b.se == 0.0));
        let c = runs.benchmarks[0].comparison(0.01, 0.05).unwrap();
        assert_eq!(c.p_regression, 1.0);
    }
}
