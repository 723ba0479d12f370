//! The statistics chosen for one metric: how base and head were paired and what data each side
//! has decide the noise model; the tests themselves live in `stats`.

use std::collections::BTreeSet;

use crate::model::{Direction, Metric, NoiseEstimate, ResultsFile, SampleKind};
use crate::report::format::percent;
use crate::report::SideValue;
use crate::stats::compare::{
    compare_runs, compare_samples, from_estimate, LogComparison, Method, NoiseModel,
};
use crate::stats::empirical_null::{sample_scatter_var, ResidualCheck, MACHINE_SHIFT_SD};
use crate::stats::rounds::{self, RoundPrior};
use crate::stats::run_variance::{per_run_variance, StoredNoise};
use crate::stats::welch::satterthwaite_df;

use super::compared::{zero_floor, Compared};
use super::proportions::compare_proportions;

/// The least number of samples per side for a two-sample test on raw samples.
const MIN_SAMPLES: usize = 10;
/// Noise margin used when base and head come from different runs and no history calibrates the
/// comparison: within-run variance alone is known to be far too small (docs/statistics.md).
pub(super) const UNCALIBRATED_MARGIN: f64 = 0.03;
/// Robust scatter (log-scale sd) of one job's samples up to which its machine counts as steady
/// when nothing else measures the drift between jobs: criterion's samples on a steady machine
/// scatter by 1–5 %. Beyond it the excess counts as job-to-job drift (docs/statistics.md).
pub(super) const STEADY_SCATTER: f64 = 0.10;

/// What is known about a metric's noise besides its own samples.
#[derive(Debug, Clone, Copy)]
pub(super) struct Noise<'a> {
    /// Run-to-run noise from the stored history on main.
    pub history: Option<&'a NoiseEstimate>,
    /// How base and head were paired.
    pub pairing: Pairing,
    /// The run's round prior (interleaved reruns).
    pub round_prior: Option<RoundPrior>,
    /// The run's empirical null (separate runs without history, enough benchmarks).
    pub null: Option<&'a NullCheck>,
}

/// Raw per-iteration (or per-window) samples, enough for a two-sample test on samples.
pub(super) fn many_samples(m: &Metric) -> bool {
    m.samples.len() >= MIN_SAMPLES
        && matches!(
            m.sample_kind,
            Some(SampleKind::Iterations) | Some(SampleKind::Windows)
        )
}

/// The time row a criterion throughput row is the exact reciprocal of (`…/throughput` → `…`).
pub(crate) fn time_row_of(id: &str) -> Option<&str> {
    id.strip_suffix("/throughput")
}

/// A criterion throughput row is the exact reciprocal of its time row: the same measurement,
/// which must not count twice in the null or in the family (it would double every real change's
/// weight).
pub(super) fn reciprocal_of_another(id: &str, ids: &BTreeSet<&str>) -> bool {
    time_row_of(id).is_some_and(|time| ids.contains(time))
}

/// A benchmark's check against the run's empirical null (see `stats::empirical_null`).
#[derive(Debug, Clone)]
pub(super) struct NullCheck {
    /// The benchmark's change relative to the shared shift, with the drift between jobs.
    pub check: ResidualCheck,
    /// The shared shift (log scale).
    pub shift: f64,
    /// Benchmarks the null rests on.
    pub benchmarks: usize,
    /// The within-run comparison of the samples the null was estimated from (its secondary
    /// statistics are reported with the check); none for single values.
    pub samples: Option<LogComparison>,
}

impl NullCheck {
    fn describe(&self) -> String {
        let what = if self.samples.is_some() {
            "benchmarks"
        } else {
            "single values (no samples: the spread of their changes covers within-run noise and drift together)"
        };
        format!(
            "separate runs without stored history: the drift between jobs estimated from this run's {} {what} (empirical null, {:.0} df); change relative to the shift every benchmark shares ({}), which is judged as its own check",
            self.benchmarks,
            self.check.df,
            crate::report::format::percent_signed(self.shift.exp_m1())
        )
    }

    /// The check, when it can be made, with what it rests on.
    fn compared(&self, margin: f64, alpha: f64) -> Option<Compared> {
        let mut c = self.check.comparison(margin, alpha)?;
        // The null was built from this very comparison of the samples: its secondary statistics
        // are reused, not computed again.
        if let Some(s) = &self.samples {
            c.mwu_p = s.mwu_p;
            c.hl_shift = s.hl_shift;
            c.outliers = s.outliers;
        }
        Some(Compared::log(c, self.describe(), margin))
    }
}

/// How base and head of one metric were measured, which decides the noise model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pairing {
    /// In this job, interleaved round by round (`check` rerun): the job's own shift is shared
    /// by both sides; only round-to-round and within-round noise remain.
    Interleaved,
    /// In separate runs (the store, a file, or a stored base inside a rerun): run-to-run noise
    /// counts, and more when the machines differ.
    Separate {
        /// Base and head ran on different machines.
        machine_shift: bool,
    },
}

/// Every value of a metric: its samples, or its single value.
fn values(m: &Metric) -> Vec<f64> {
    if m.samples.is_empty() {
        vec![m.value]
    } else {
        m.samples.clone()
    }
}

/// The metric with every value below `floor` raised to it.
fn floored(m: &Metric, floor: f64) -> Metric {
    let mut m = m.clone();
    m.value = m.value.max(floor);
    for v in &mut m.samples {
        *v = v.max(floor);
    }
    m
}

/// Exactly the same measurements on both sides (the same summary and the same samples, in any
/// order): nothing changed, so no noise model is needed to say so. Describes them for the report.
/// This is what a PR that does not touch the measured code sees when the tool's output is
/// deterministic (byte weights, counts, a CLS of 0) or when the same reports are checked twice.
pub(super) fn identical(base: &Metric, head: &Metric) -> Option<String> {
    let sorted = |m: &Metric| {
        let mut v = m.samples.clone();
        v.sort_by(f64::total_cmp);
        v
    };
    let finite = |m: &Metric| m.value.is_finite() && m.samples.iter().all(|v| v.is_finite());
    if !(finite(base) && finite(head) && base.value == head.value && sorted(base) == sorted(head)) {
        return None;
    }
    let v = base.unit.format(base.value);
    Some(if base.samples.iter().all(|&s| s == base.value) {
        format!("{v} → {v}")
    } else {
        format!("the same {} values on both sides", base.samples.len())
    })
}

/// Compares one metric's head with its base: identical values, error rates as proportions,
/// positive values on the log scale, zeros from a floor.
pub(super) fn compare(
    base: &Metric,
    head: &Metric,
    direction: Direction,
    margin: f64,
    alpha: f64,
    noise: Noise,
) -> Compared {
    let history = noise.history;
    if let Some(what) = identical(base, head) {
        return Compared::Identical { what };
    }
    if base.exact && head.exact && base.value > 0.0 && head.value.is_finite() && head.value >= 0.0 {
        return Compared::Exact {
            change: ratio_change(base.value, head.value, direction),
        };
    }
    if let (Some(_), Some(_)) = (base.proportion, head.proportion) {
        if let Some(c) = compare_proportions(base, head, direction, margin, alpha, history) {
            return c;
        }
    }
    let positive = |m: &Metric| m.samples.iter().all(|&v| v > 0.0) && m.value > 0.0;
    if positive(base) && positive(head) {
        return compare_positive(base, head, direction, margin, alpha, noise);
    }
    let usable = |m: &Metric| values(m).iter().all(|v| v.is_finite() && *v >= 0.0);
    if !usable(base) || !usable(head) {
        return Compared::NoNoise {
            change: ratio_change(base.value, head.value, direction),
            method: "none",
            why: "values are negative or not numbers: no log-scale comparison".into(),
            floor: None,
            decisive: true,
        };
    }
    // Zeros: compare on the absolute floor (see `zero_floor`).
    let floor = zero_floor(head.unit);
    let (fb, fh) = (floored(base, floor), floored(head, floor));
    let shown = head.unit.format(floor);
    if identical(&fb, &fh).is_some() {
        let fmt = |m: &Metric| head.unit.format(robust_summary(m));
        return Compared::Identical {
            what: format!(
                "{} → {}, both at or below the floor {shown}",
                fmt(base),
                fmt(head)
            ),
        };
    }
    // History calibrates ln(value) of runs without zeros; it says nothing about how often a
    // metric flips between zero and a small value, so the floored comparison stands on the runs'
    // own variance or, with too few runs, on the no-noise rule.
    let runs = |m: &Metric| -> Vec<f64> {
        values(m)
            .iter()
            .map(|&v| direction.orient(v.max(floor)))
            .collect()
    };
    let (hr, br) = (runs(&fh), runs(&fb));
    if let Some(c) = compare_runs(&hr, &br, margin, alpha, None) {
        let why = format!(
            "zero values: compared with values below the floor {shown} counted as {shown}; variance of {} vs {} runs",
            hr.len(),
            br.len()
        );
        return Compared::log(c, why, margin);
    }
    Compared::NoNoise {
        change: ratio_change(robust_summary(&fb), robust_summary(&fh), direction),
        method: "floor",
        why: format!(
            "no noise estimate: zero values, compared with values below the floor {shown} counted as {shown} ({} vs {} runs)",
            hr.len(),
            br.len()
        ),
        floor: Some(shown),
        decisive: true,
    }
}

/// [`compare`] for metrics whose values are all positive.
fn compare_positive(
    base: &Metric,
    head: &Metric,
    direction: Direction,
    margin: f64,
    alpha: f64,
    noise: Noise,
) -> Compared {
    if many_samples(base) && many_samples(head) {
        if noise.pairing == Pairing::Interleaved {
            return compare_rounds(base, head, direction, margin, alpha, noise.round_prior);
        }
        if let Some(c) = compare_sample_sets(base, head, direction, margin, alpha, &noise) {
            return c;
        }
    }
    compare_few_runs(base, head, direction, margin, alpha, &noise)
}

/// Whether the comparison is of separate runs whose machines may differ.
fn machine_shift(noise: &Noise) -> bool {
    noise.pairing
        == Pairing::Separate {
            machine_shift: true,
        }
}

/// The samples of `m`, oriented so that larger is worse.
fn oriented(m: &Metric, direction: Direction) -> Vec<f64> {
    m.samples.iter().map(|&v| direction.orient(v)).collect()
}

/// Two sets of samples from separate jobs: judged against the run's empirical null when there is
/// one and no history, else on the samples with the run-to-run variance of the stored history, or
/// without history with the raised margin and the job-level noise the samples' scatter shows.
fn compare_sample_sets(
    base: &Metric,
    head: &Metric,
    direction: Direction,
    margin: f64,
    alpha: f64,
    noise: &Noise,
) -> Option<Compared> {
    if let (None, Some(nc)) = (noise.history, noise.null) {
        if let Some(c) = nc.compared(margin, alpha) {
            return Some(c);
        }
    }
    let (mut model, margin) = match noise.history {
        Some(n) => (
            NoiseModel {
                extra_var: 2.0 * n.log_var,
                df: n.df,
                source: format!(
                    "within-run + run-to-run variance from {} stored runs",
                    n.runs
                ),
            },
            margin,
        ),
        None => {
            let margin = margin.max(UNCALIBRATED_MARGIN);
            (uncalibrated_noise(base, head, margin), margin)
        }
    };
    if machine_shift(noise) {
        model.extra_var += 2.0 * MACHINE_SHIFT_SD * MACHINE_SHIFT_SD;
        model.source.push_str("; widened for a machine change");
    }
    let used = (model.extra_var > 0.0).then_some(&model);
    let c = compare_samples(
        &oriented(head, direction),
        &oriented(base, direction),
        margin,
        alpha,
        used,
    )?;
    Some(Compared::log(c, model.source, margin))
}

/// Separate jobs with neither history nor an empirical null: the raised `margin` stands for the
/// drift between jobs of a steady machine, whose samples scatter by a few percent. Scatter beyond
/// `STEADY_SCATTER` is the job's own evidence of an unsteady machine, and the excess counts as
/// job-level noise per side.
fn uncalibrated_noise(base: &Metric, head: &Metric, margin: f64) -> NoiseModel {
    let log = |m: &Metric| -> Vec<f64> { m.samples.iter().map(|v| v.ln()).collect() };
    let excess = |m: &Metric| {
        sample_scatter_var(&log(m)).map(|(v, df)| ((v - STEADY_SCATTER.powi(2)).max(0.0), df))
    };
    match (excess(base), excess(head)) {
        (Some(b), Some(h)) if b.0 + h.0 > 0.0 => NoiseModel {
            extra_var: b.0 + h.0,
            df: satterthwaite_df(&[b, h]),
            source: format!(
                "uncalibrated (no stored history, too few benchmarks for the run's own estimate of the drift between jobs): noise margin raised to {}; samples scattering by more than {} show an unsteady machine, and each side's level is taken to drift between jobs as far as the excess (±{} together)",
                percent(margin),
                percent(STEADY_SCATTER),
                percent((b.0 + h.0).sqrt())
            ),
        },
        _ => NoiseModel {
            extra_var: 0.0,
            df: f64::INFINITY,
            source: format!(
                "within-run only, uncalibrated (no stored history): noise margin raised to {}",
                percent(margin)
            ),
        },
    }
}

/// Few runs or single values: the run-to-run variance must come from history.
fn compare_few_runs(
    base: &Metric,
    head: &Metric,
    direction: Direction,
    margin: f64,
    alpha: f64,
    noise: &Noise,
) -> Compared {
    // Single values of separate jobs with no history, in a run with enough of them: judged
    // against the run's own null.
    if let (None, Some(nc)) = (noise.history, noise.null) {
        if let Some(c) = nc.compared(margin, alpha) {
            return c;
        }
    }
    let interleaved = noise.pairing == Pairing::Interleaved;
    let runs = |m: &Metric| -> Vec<f64> {
        if m.samples.is_empty() || m.sample_kind == Some(SampleKind::Iterations) {
            vec![direction.orient(m.value)]
        } else {
            oriented(m, direction)
        }
    };
    let (hr, br) = (runs(head), runs(base));
    // Both sides measured in this job, alternating (`check` runs Lighthouse on base and head
    // ABBA when it can serve both): the job-level shift that separate jobs carry is shared, so
    // only the scatter of the runs themselves remains.
    let mut hist = noise.history.copied();
    if machine_shift(noise) {
        if let Some(n) = hist.as_mut() {
            n.log_var += MACHINE_SHIFT_SD * MACHINE_SHIFT_SD;
        }
    }
    let hist = hist.and_then(|n| per_run_variance(&stored_noise(&n), interleaved, &hr, &br));
    // Runs of separate jobs with no history: their scatter is within each job, and the shift
    // between the jobs does not average out over the runs; as for samples, the raised margin
    // stands for it.
    let uncalibrated = noise.history.is_none() && !interleaved;
    let margin = if uncalibrated {
        margin.max(UNCALIBRATED_MARGIN)
    } else {
        margin
    };
    if let Some(c) = compare_runs(
        &hr,
        &br,
        margin,
        alpha,
        hist.as_ref().map(|h| (h.var, h.df)),
    ) {
        let runs = format!("{} vs {} runs", hr.len(), br.len());
        let why = match (noise.history, &hist) {
            (Some(n), Some(h)) if interleaved => format!(
                "within-job variance of {runs}, interleaved in this job, pooled with {} stored runs' scatter ({:.0} df)",
                n.runs, h.df
            ),
            (Some(n), Some(h)) if h.within_df > 0.0 => format!(
                "run-to-run variance from {} stored runs + within-run variance of {runs}{}",
                n.runs,
                if n.within_df > 0.0 {
                    " pooled with the stored runs' scatter"
                } else {
                    ""
                }
            ),
            (Some(n), _) => format!("run-to-run variance from {} stored runs", n.runs),
            (None, _) if interleaved => format!("variance of {runs}, interleaved in this job"),
            (None, _) => format!(
                "variance of {runs} within each job, uncalibrated (no stored history): noise margin raised to {}",
                percent(margin)
            ),
        };
        return Compared::log(c, why, margin);
    }
    Compared::NoNoise {
        change: ratio_change(base.value, head.value, direction),
        method: "none",
        why: format!(
            "no noise estimate: {} vs {} runs and no stored history",
            hr.len(),
            br.len()
        ),
        floor: None,
        decisive: true,
    }
}

/// The stored noise estimate in the form `stats` takes.
fn stored_noise(n: &NoiseEstimate) -> StoredNoise {
    StoredNoise {
        log_var: n.log_var,
        df: n.df,
        within_var: n.within_var,
        within_df: n.within_df,
    }
}

/// A benchmark measured in interleaved rounds: the round is the unit of replication (see
/// [`rounds`]). The change is the mean of the per-round changes; its uncertainty comes from how
/// much they vary, moderated by the run's other benchmarks when there are enough of them to
/// speak for each one ([`rounds::FEW_BENCHMARKS`]). Samples of one round are never
/// counted as independent observations of the change: with a single round and nothing to borrow
/// from, there is no noise estimate. Mann–Whitney, Hodges–Lehmann and the outlier counts of the
/// samples are kept as descriptions only.
fn compare_rounds(
    base: &Metric,
    head: &Metric,
    direction: Direction,
    margin: f64,
    alpha: f64,
    prior: Option<RoundPrior>,
) -> Compared {
    let orient =
        |m: &Metric| -> Vec<f64> { m.samples.iter().map(|&v| direction.orient(v)).collect() };
    let (ob, oh) = (orient(base), orient(head));
    let changes = rounds::round_changes(&ob, &base.rounds, &oh, &head.rounds);
    let estimate = changes
        .as_ref()
        .and_then(|c| rounds::round_estimate(c, prior));
    let tested = estimate.and_then(|e| {
        from_estimate(Method::YuenRounds, e.log_ratio, e.se, e.df, margin, alpha).map(|c| (e, c))
    });
    let Some((e, mut c)) = tested else {
        let k = changes.as_ref().map_or(0, |c| c.rounds());
        return Compared::NoNoise {
            change: ratio_change(robust_summary(base), robust_summary(head), direction),
            method: "none",
            why: format!(
                "no noise estimate: {k} interleaved round{} and no other benchmark with two or more to borrow from; samples of one round share its machine state and are not independent (run 2 or more rounds)",
                if k == 1 { "" } else { "s" }
            ),
            floor: None,
            decisive: false,
        };
    };
    if let Some(s) = compare_samples(&oh, &ob, margin, alpha, None) {
        c.mwu_p = s.mwu_p;
        c.hl_shift = s.hl_shift;
        c.outliers = s.outliers;
    }
    let per_round: Vec<f64> = changes
        .map(|ch| ch.diffs.iter().map(|d| d.exp_m1()).collect())
        .unwrap_or_default();
    let why = format!(
        "same job, interleaved: round-to-round variance of {} rounds{}{} ({:.0} df); the round is the unit, not the sample",
        e.rounds,
        if e.moderated {
            ", moderated by the run's other benchmarks"
        } else {
            ""
        },
        if e.machine_floor {
            ", raised to the noisy machine's typical round variance (its own rounds agreed more)"
        } else {
            ""
        },
        e.df
    );
    Compared::Log {
        comparison: c,
        noise: why,
        margin,
        rounds: Some(per_round),
    }
}

/// The run's round prior over its benchmarks (see [`rounds::round_prior`]). A criterion
/// throughput row is its time row's measurement again and does not count as another benchmark.
pub(super) fn round_prior(base: &ResultsFile, head: &ResultsFile) -> Option<RoundPrior> {
    let ids: BTreeSet<&str> = head.metrics.iter().map(|m| m.id.as_str()).collect();
    let changes: Vec<rounds::RoundChanges> = head
        .metrics
        .iter()
        .filter(|h| h.sample_kind == Some(SampleKind::Iterations))
        .filter(|h| !reciprocal_of_another(&h.id, &ids))
        .filter_map(|h| {
            let b = base.metric(&h.id)?;
            rounds::round_changes(&b.samples, &b.rounds, &h.samples, &h.rounds)
        })
        .collect();
    let refs: Vec<&rounds::RoundChanges> = changes.iter().collect();
    rounds::round_prior(&refs)
}

/// The value absolute budgets compare: the 20 %-trimmed mean of per-iteration samples, the
/// median of runs, or the tool's own statistic.
pub(super) fn robust_summary(m: &Metric) -> f64 {
    use crate::stats::describe::{median, trimmed_mean};
    match m.sample_kind {
        Some(SampleKind::Iterations) if m.samples.len() >= MIN_SAMPLES => {
            trimmed_mean(&m.samples, 0.2)
        }
        Some(SampleKind::Runs) if !m.samples.is_empty() => median(&m.samples),
        _ => m.value,
    }
}

pub(super) fn side_value(m: &Metric) -> SideValue {
    SideValue {
        value: robust_summary(m),
        n: m.n(),
    }
}

/// `change` is computed on oriented values (worse = larger); turn it back into head/base − 1.
pub(super) fn signed_change(oriented: f64, direction: Direction) -> f64 {
    match direction {
        Direction::Lower => oriented,
        Direction::Higher => 1.0 / (1.0 + oriented) - 1.0,
    }
}

pub(super) fn signed_ci(ci: (f64, f64), direction: Direction) -> [f64; 2] {
    let (a, b) = (
        signed_change(ci.0, direction),
        signed_change(ci.1, direction),
    );
    [a.min(b), a.max(b)]
}

/// head/base − 1 of single values, oriented so that positive is worse.
pub(super) fn ratio_change(base: f64, head: f64, direction: Direction) -> f64 {
    let r = direction.orient(head) / direction.orient(base);
    if r.is_finite() {
        r - 1.0
    } else {
        0.0
    }
}
