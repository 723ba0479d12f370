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
//! * the drift's tails: a Student t whose degrees of freedom are fitted to the run's standardised
//!   residuals by profile maximum likelihood (Lange, Little & Taylor 1989), on the heavy side of
//!   the estimate; for the [`LEAVE_ONE_OUT`] benchmarks farthest from the null, fitted without
//!   the benchmark itself, so a real regression cannot hide behind the tails it makes heavier.
//!
//! Per-benchmark checks are then judged *relative to the shared shift*: `d_i − μ̂` with variance
//! `v_i + τ̂²_s + Var(μ̂)`, against a t whose degrees of freedom give the exact tail of the
//! t-distributed drift plus the normal terms at level `α/n` ([`TailMixture`]), and an upper bound
//! "within budget" whose df matches that tail at level `α`. The shift itself is never subtracted
//! silently: [`ShiftCheck`] judges it against the budget on its own, with the runner-to-runner
//! variance `2·MACHINE_SHIFT_SD²` added, since a machine-wide shift cannot be told apart from a
//! faster or slower runner by the run alone.
//! Formulas and the simulation behind the constants: `docs/statistics.md`.

use super::compare::{from_estimate, upper_one_sided, LogComparison, Method, NoiseModel};
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

/// Fewest and most degrees of freedom the tails of the drift are given (see [`tail_df`]). The
/// floor keeps a run whose residuals look heavier than anything a t describes from a variance it
/// cannot have; the ceiling keeps a run whose residuals look normal from being judged as if its
/// farthest tails (which 200 residuals cannot show) were normal too.
pub const MIN_TAIL_DF: f64 = 2.5;
/// See [`MIN_TAIL_DF`].
pub const MAX_TAIL_DF: f64 = 30.0;

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
    /// What strata are cut by: how noisy the benchmark is within a run. `within_se2` for a
    /// comparison of samples; for single values, the square of the harness's own relative spread
    /// (0 when it gave none).
    pub noise: f64,
}

impl BenchmarkEstimate {
    /// The estimate of a comparison made without any noise model (within-run variance only).
    pub fn from_comparison(c: &LogComparison) -> BenchmarkEstimate {
        BenchmarkEstimate {
            log_ratio: c.log_ratio,
            within_se2: c.se * c.se,
            within_df: c.df,
            noise: c.se * c.se,
        }
    }

    /// A benchmark measured once a side (values oriented so that larger is worse): its
    /// within-run error is unknown, so it is 0 here and the drift the null estimates covers it.
    pub fn single_values(base: f64, head: f64) -> BenchmarkEstimate {
        BenchmarkEstimate {
            log_ratio: (head / base).ln(),
            within_se2: 0.0,
            within_df: f64::INFINITY,
            noise: 0.0,
        }
    }

    /// The same, ordered among the run's single values by `spread²`: the harness's own spread of
    /// its samples relative to its value (libtest's `+/-`, divan's slowest over fastest, BMF's
    /// bounds), both sides together. It only sorts benchmarks into strata; no variance is taken
    /// from it.
    pub fn with_spread(self, spread: f64) -> BenchmarkEstimate {
        BenchmarkEstimate {
            noise: spread * spread,
            ..self
        }
    }

    fn is_valid(&self) -> bool {
        self.log_ratio.is_finite()
            && self.within_se2.is_finite()
            && self.within_se2 >= 0.0
            && self.within_df > 0.0
            && self.noise.is_finite()
            && self.noise >= 0.0
    }
}

/// Benchmarks of similar within-run noise, sharing one drift variance.
#[derive(Debug, Clone, PartialEq)]
pub struct Stratum {
    /// Benchmarks in the stratum.
    pub benchmarks: usize,
    /// Smallest and largest [`BenchmarkEstimate::noise`] in the stratum.
    pub noise_range: (f64, f64),
    /// The stratum's own estimate of the drift variance, before shrinking (normal-matched).
    pub own_drift_var: f64,
    /// The normal-matched drift variance, shrunk towards the whole run's: the variance of a
    /// normal whose central quantile the stratum's residuals match.
    pub matched_var: f64,
    /// Squared scale of the drift's Student t (`drift_df` degrees of freedom): `matched_var`
    /// rescaled so that the t's central quantile is the matched one.
    pub drift_var: f64,
    /// Degrees of freedom of the estimate `matched_var` (`2·τ̂⁴ / Var(τ̂²)`).
    pub estimate_df: f64,
    /// Degrees of freedom of one benchmark's drift: the run's tail estimate combined with the
    /// estimate's, `1 / (1/tail_df + 1/estimate_df)`.
    pub drift_df: f64,
}

impl Stratum {
    fn new(
        benchmarks: usize,
        noise_range: (f64, f64),
        own_drift_var: f64,
        matched_var: f64,
        var_of_matched_var: f64,
    ) -> Stratum {
        Stratum {
            benchmarks,
            noise_range,
            own_drift_var,
            matched_var,
            drift_var: matched_var,
            estimate_df: variance_df(matched_var, var_of_matched_var),
            drift_df: f64::INFINITY,
        }
    }

    /// Gives the drift the tails of a t with `tail_df` degrees of freedom (combined with the
    /// estimate's own) and the scale at which that t matches the centre of the residuals.
    fn with_tails(mut self, tail_df: f64) -> Stratum {
        self.drift_df = 1.0 / (1.0 / tail_df + 1.0 / self.estimate_df);
        let z = dist::normal_quantile(0.5 + MATCH_QUANTILE / 2.0);
        let t = dist::t_quantile(0.5 + MATCH_QUANTILE / 2.0, self.drift_df);
        if t.is_finite() && t > 0.0 {
            self.drift_var = self.matched_var * (z / t).powi(2);
        }
        self
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
    /// Degrees of freedom of the drift's tails, estimated from the run ([`tail_df`]).
    pub tail_df: f64,
    /// Each benchmark's standardised residual `(d_i − μ̂) / √(v_i + τ²_s)`, in input order.
    pub standardised: Vec<f64>,
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
    /// Degrees of freedom of `se` for the test of a regression: the tail of the residual matched
    /// at the level the smallest of n adjusted p-values is judged at (`α/n`).
    pub df: f64,
    /// Degrees of freedom of `se` for the one-sided `1 − α` upper bound "within budget" is judged
    /// on: the same tail matched at level `α`, where a t-distributed drift is less heavy than
    /// far out.
    pub bound_df: f64,
    /// The `α` both were matched at.
    pub alpha: f64,
    /// Index into [`EmpiricalNull::strata`].
    pub stratum: usize,
}

impl ResidualCheck {
    /// The noise model that makes [`super::compare_samples`] on head samples divided by
    /// `exp(shift)` reproduce this check's log-ratio and standard error (`extra_var`,
    /// `extra_df`); its degrees of freedom are Satterthwaite's, lighter-tailed than [`Self::df`].
    pub fn noise_model(&self) -> NoiseModel {
        NoiseModel {
            extra_var: self.extra_var,
            df: self.extra_df,
            source: "empirical null of this run (separate jobs, no history)".to_string(),
        }
    }

    /// The check as a comparison (method `"empirical-null"`), for [`super::RelativeCheck`]: the
    /// test with [`Self::df`], the upper bound with [`Self::bound_df`] (matched at [`Self::alpha`]; for a
    /// smaller `alpha`, whose quantile lies farther out, with the test's heavier df instead).
    pub fn comparison(&self, delta: f64, alpha: f64) -> Option<LogComparison> {
        let mut c = from_estimate(
            Method::EmpiricalNull,
            self.log_ratio,
            self.se,
            self.df,
            delta,
            alpha,
        )?;
        let bound_df = if alpha >= self.alpha {
            self.bound_df
        } else {
            self.df
        };
        let upper = upper_one_sided(self.log_ratio, self.se, bound_df, alpha);
        if !upper.is_nan() {
            c.upper_one_sided = upper;
        }
        Some(c)
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
/// ([`MACHINE_SHIFT_SD`] unless the caller knows better). The checks' tails are matched for the
/// run's `alpha`: the test's at `α/n`, where Benjamini–Hochberg judges the smallest of n
/// p-values, the upper bound's at `α`.
///
/// `None` with fewer than [`MIN_BENCHMARKS`] benchmarks, any invalid input (non-finite log-ratio,
/// negative or non-finite squared standard error, df ≤ 0 or NaN), an invalid `machine_sd`, or
/// `alpha` outside (0, 1).
pub fn separate_runs(
    inputs: &[BenchmarkEstimate],
    machine_sd: f64,
    alpha: f64,
) -> Option<SeparateRuns> {
    if !(machine_sd.is_finite() && machine_sd >= 0.0 && alpha > 0.0 && alpha < 1.0) {
        return None;
    }
    let null = EmpiricalNull::estimate(inputs)?;
    let shift_var = null.shift_se * null.shift_se;
    let level = alpha / inputs.len() as f64;
    let tables = |st: &Stratum| StratumTables {
        test: MatchedDf::new(st.drift_df, level),
        bound: MatchedDf::new(st.drift_df, alpha),
    };
    let tails: Vec<StratumTables> = null.strata.iter().map(tables).collect();
    // The benchmarks farthest from the null have their tails fitted without themselves: a real
    // regression must not make the tails it is judged against heavier (leave-one-out).
    let mut farthest: Vec<usize> = (0..inputs.len()).collect();
    farthest.sort_by(|&a, &b| {
        null.standardised[b]
            .abs()
            .total_cmp(&null.standardised[a].abs())
    });
    farthest.truncate(LEAVE_ONE_OUT);
    let benchmarks = inputs
        .iter()
        .zip(null.assign(inputs))
        .enumerate()
        .map(|(i, (b, s))| {
            let own;
            let own_table;
            let (st, table) = if farthest.contains(&i) {
                let others: Vec<f64> = null
                    .standardised
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, &z)| z)
                    .collect();
                own = null.strata[s].clone().with_tails(tail_df(&others));
                own_table = tables(&own);
                (&own, &own_table)
            } else {
                (&null.strata[s], &tails[s])
            };
            let extra_var = st.drift_var + shift_var;
            let extra_df =
                satterthwaite_df(&[(st.drift_var, st.drift_df), (shift_var, null.shift_df)]);
            // The drift is heavy-tailed (a t with `drift_df`), the other terms normal. Far out,
            // where a false alarm is decided, their sum has the drift's tails, which
            // Satterthwaite's df (made for mixing variance estimates) would thin. The df used is
            // the one at which a t with the same standard error has the sum's exact tail at the
            // level the smallest of n adjusted p-values is judged at; the upper bound "within
            // budget" is a quantile at level α, and gets the df matched there.
            let satterthwaite = || {
                satterthwaite_df(&[
                    (b.within_se2, b.within_df),
                    (st.drift_var, st.drift_df),
                    (shift_var, null.shift_df),
                ])
            };
            let share = st.drift_var / (b.within_se2 + shift_var + st.drift_var);
            let matched = |table: &Option<MatchedDf>| match table {
                Some(table) if st.drift_var > 0.0 => table.df(share),
                _ => satterthwaite(),
            };
            let (df, bound_df) = (matched(&table.test), matched(&table.bound));
            ResidualCheck {
                log_ratio: b.log_ratio - null.shift,
                within_se2: b.within_se2,
                extra_var,
                extra_df,
                se: (b.within_se2 + extra_var).sqrt(),
                df,
                bound_df,
                alpha,
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

        // Equal-count strata by noise (the within-run variance, or a single value's spread); the
        // remainder goes to the first strata. When every benchmark is alike (single values without
        // a spread) there is nothing to sort by, and one stratum.
        let same = inputs.iter().all(|b| b.noise == inputs[0].noise);
        let k = if same {
            1
        } else {
            (n / MIN_STRATUM).clamp(1, MAX_STRATA)
        };
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| inputs[a].noise.total_cmp(&inputs[b].noise));
        let mut strata = Vec::with_capacity(k);
        let mut start = 0;
        for s in 0..k {
            let size = n / k + usize::from(s < n % k);
            let members = &order[start..start + size];
            start += size;
            let part: Vec<(f64, f64)> = members.iter().map(|&i| residuals[i]).collect();
            let range = (inputs[members[0]].noise, inputs[members[size - 1]].noise);
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
        let mut null = EmpiricalNull {
            benchmarks: n,
            shift,
            shift_se,
            shift_df: (n - 1) as f64,
            drift_var,
            drift_df: variance_df(drift_var, drift_var_var),
            tail_df: MAX_TAIL_DF,
            standardised: Vec::new(),
            strata,
        };
        let standardised: Vec<f64> = residuals
            .iter()
            .zip(null.assign(inputs))
            .map(|(&(e, v), s)| {
                let total = v + null.strata[s].matched_var;
                if total > 0.0 {
                    e / total.sqrt()
                } else {
                    0.0
                }
            })
            .collect();
        null.tail_df = tail_df(&standardised);
        null.standardised = standardised;
        null.strata = null
            .strata
            .into_iter()
            .map(|s| s.with_tails(null.tail_df))
            .collect();
        Some(null)
    }

    /// The stratum of each input, by its noise (ties to the lower one).
    fn assign(&self, inputs: &[BenchmarkEstimate]) -> Vec<usize> {
        inputs
            .iter()
            .map(|b| {
                self.strata
                    .iter()
                    .position(|s| b.noise <= s.noise_range.1)
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

/// The tails of the drift, as the degrees of freedom of a Student t fitted by maximum likelihood
/// to standardised residuals `(d_i − μ̂) / √(v_i + τ²_s)` (location 0, scale free), profiled over
/// a grid of ν (Lange, Little & Taylor 1989). Within [[`MIN_TAIL_DF`], [`MAX_TAIL_DF`]].
fn tail_df(standardised: &[f64]) -> f64 {
    let z: Vec<f64> = standardised
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if z.len() < 3 || z.iter().all(|&v| v == 0.0) {
        return MIN_TAIL_DF;
    }
    let n = z.len() as f64;
    let profile: Vec<(f64, f64)> = TAIL_DF_GRID
        .iter()
        .map(|&nu| (nu, t_scale_loglik(&z, nu, n)))
        .collect();
    let best = profile
        .iter()
        .map(|&(_, l)| l)
        .fold(f64::NEG_INFINITY, f64::max);
    if !best.is_finite() {
        return MIN_TAIL_DF;
    }
    // The heaviest ν the data do not reject (profile likelihood within TAIL_BOUND_LOGLIK).
    profile
        .iter()
        .find(|&&(_, l)| best - l <= TAIL_BOUND_LOGLIK)
        .map_or(MIN_TAIL_DF, |&(nu, _)| nu)
}

/// Log-likelihood distance from the maximum within which the heaviest ν is taken: 2Δℓ ≤ 1, a
/// likelihood-ratio bound of about one standard error (one-sided ~84 %).
const TAIL_BOUND_LOGLIK: f64 = 0.5;

/// The degrees of freedom [`tail_df`] chooses among, from [`MIN_TAIL_DF`] to [`MAX_TAIL_DF`].
const TAIL_DF_GRID: [f64; 14] = [
    2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0,
];

/// The log-likelihood of `z` under a Student t with `nu` degrees of freedom, location 0 and the
/// scale that maximises it (the EM iteration `σ² ← mean(w_i z_i²)`, `w_i = (ν + 1) / (ν + z_i²/σ²)`).
fn t_scale_loglik(z: &[f64], nu: f64, n: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    let mut s2 = z.iter().map(|v| v * v).sum::<f64>() / n;
    for _ in 0..200 {
        let next = z
            .iter()
            .map(|v| v * v * (nu + 1.0) / (nu + v * v / s2))
            .sum::<f64>()
            / n;
        let done = (next - s2).abs() <= 1e-10 * s2;
        s2 = next;
        if done || s2 <= 0.0 {
            break;
        }
    }
    if !(s2 > 0.0 && s2.is_finite()) {
        return f64::NEG_INFINITY;
    }
    let constant = ln_gamma((nu + 1.0) / 2.0)
        - ln_gamma(nu / 2.0)
        - 0.5 * (nu * std::f64::consts::PI * s2).ln();
    z.iter()
        .map(|v| constant - (nu + 1.0) / 2.0 * (v * v / (nu * s2)).ln_1p())
        .sum()
}

/// Benchmarks, the farthest from the null first, whose tails are fitted without themselves.
const LEAVE_ONE_OUT: usize = 10;

/// Probability nodes of the quadrature over the t's mixing variable, in (0, 1/2] geometric.
const MIXTURE_TAIL_NODES: usize = 48;
/// … and in (1/2, 1) uniform.
const MIXTURE_BODY_NODES: usize = 12;

/// Steps of the drift's share of a residual's variance at which [`MatchedDf`] is tabulated.
const SHARE_STEPS: usize = 16;

/// A stratum's matched df: at `α/n` for the test, at `α` for the upper bound.
struct StratumTables {
    test: Option<MatchedDf>,
    bound: Option<MatchedDf>,
}

/// [`TailMixture::matched_df`] of one stratum, tabulated over the drift's share of the variance
/// (it depends on nothing else). Read at the tabulated share at or above the one asked for: more
/// drift, heavier tails, so the table errs on the heavy side.
struct MatchedDf {
    /// `1/df` at shares `i / SHARE_STEPS`.
    inverse: Vec<f64>,
}

impl MatchedDf {
    fn new(nu: f64, level: f64) -> Option<MatchedDf> {
        let mixture = TailMixture::new(nu)?;
        let inverse = (0..=SHARE_STEPS)
            .map(|i| {
                let share = i as f64 / SHARE_STEPS as f64;
                1.0 / mixture.matched_df(1.0 - share, share, level)
            })
            .collect();
        Some(MatchedDf { inverse })
    }

    /// The df for a residual whose variance is `share` drift.
    fn df(&self, share: f64) -> f64 {
        let i = (share.clamp(0.0, 1.0) * SHARE_STEPS as f64).ceil() as usize;
        1.0 / self.inverse[i.min(SHARE_STEPS)]
    }
}

/// A Student t with ν degrees of freedom as a scale mixture of normals (`T = Z·√(ν/W)`,
/// `W ~ χ²_ν`), by quadrature over the probabilities of `W`: the nodes `ν/W_k` and their weights.
/// Used to compute tail probabilities of a t-distributed drift plus normal noise exactly.
struct TailMixture {
    /// `(ν/W_k, weight)`.
    nodes: Vec<(f64, f64)>,
}

impl TailMixture {
    fn new(nu: f64) -> Option<TailMixture> {
        if !(nu.is_finite() && nu > 0.0) {
            return None;
        }
        let mut edges = Vec::with_capacity(MIXTURE_TAIL_NODES + MIXTURE_BODY_NODES + 2);
        edges.push(0.0);
        let lowest: f64 = 1e-12;
        for i in 0..=MIXTURE_TAIL_NODES {
            let f = i as f64 / MIXTURE_TAIL_NODES as f64;
            edges.push((lowest.ln() + f * (0.5f64.ln() - lowest.ln())).exp());
        }
        for i in 1..=MIXTURE_BODY_NODES {
            edges.push(0.5 + 0.5 * i as f64 / MIXTURE_BODY_NODES as f64);
        }
        let nodes: Vec<(f64, f64)> = edges
            .windows(2)
            .map(|w| {
                let mid = 0.5 * (w[0] + w[1]);
                (nu / dist::chi_squared_quantile(mid, nu), w[1] - w[0])
            })
            .collect();
        nodes
            .iter()
            .all(|&(m, w)| m.is_finite() && m > 0.0 && w > 0.0)
            .then_some(TailMixture { nodes })
    }

    /// `P(N(0, normal_var) + s·T > c)` with `s² = t_var`.
    fn upper_tail(&self, c: f64, normal_var: f64, t_var: f64) -> f64 {
        self.nodes
            .iter()
            .map(|&(m, w)| w * dist::normal_sf(c / (normal_var + t_var * m).sqrt()))
            .sum()
    }

    /// The degrees of freedom at which `√(normal_var + t_var)·T_df` has the same upper tail
    /// probability `p` as `N(0, normal_var) + √t_var·T_ν` at that tail's `1 − p` quantile.
    /// Between 1 and `+∞`.
    fn matched_df(&self, normal_var: f64, t_var: f64, p: f64) -> f64 {
        let se = (normal_var + t_var).sqrt();
        if !(se > 0.0 && p > 0.0 && p < 0.5) {
            return f64::INFINITY;
        }
        // The sum's 1 − p quantile, by bisection (the tail falls as c grows).
        let (mut lo, mut hi) = (0.0, se);
        while self.upper_tail(hi, normal_var, t_var) > p {
            hi *= 2.0;
            if !hi.is_finite() {
                return 1.0;
            }
        }
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            if self.upper_tail(mid, normal_var, t_var) > p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let x = hi / se;
        if dist::normal_sf(x) >= p {
            return f64::INFINITY;
        }
        if dist::t_sf(x, 1.0) <= p {
            return 1.0;
        }
        // t_sf(x, df) falls as df grows (x beyond the centre): bisect on ln df.
        let (mut lo, mut hi) = (0.0f64, 1e4f64.ln());
        if dist::t_sf(x, hi.exp()) > p {
            return f64::INFINITY;
        }
        for _ in 0..30 {
            let mid = 0.5 * (lo + hi);
            if dist::t_sf(x, mid.exp()) > p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo.exp()
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
mod tests;
