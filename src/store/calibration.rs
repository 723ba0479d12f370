//! Noise calibration from stored main-branch history (`statistics.md` §2.4): how much a metric
//! moves from one run to the next beyond what its own samples show. Without it, within-run tests
//! alarm on almost every unchanged PR with many benchmarks.
//!
//! For every metric, each stored run gives a log summary `T_r` (20 %-trimmed mean of the log
//! samples, or the log of the single value) and its within-run variance `SE²_r`. Then:
//!
//! 1. **Level shifts.** Real changes on main (a merged optimisation, a new runner image) move the
//!    level for good; they are not noise. The series is cut at big level shifts (binary
//!    segmentation on medians, judged against the robust scale of run-to-run differences), and the
//!    residuals are taken around each segment's mean, so a shift costs one degree of freedom
//!    instead of inflating the variance.
//! 2. **Outliers.** Residuals are winsorised at 4 robust standard deviations (MAD of the
//!    residuals), so one broken run cannot dominate.
//! 3. **Run-to-run variance** `σ²_run = max(0, Var(T_r) − mean(SE²_r))`, with `df = runs − segments`.
//! 4. **Shrinkage.** Each metric's estimate is pooled with the median estimate of similar metrics
//!    (same source and dimension, else the whole suite) as if the median came from
//!    [`PRIOR_DF`] extra runs: `σ² = (df·s² + d₀·median)/(df + d₀)`, `df = df + d₀`
//!    (empirical Bayes, as limma does for gene-wise variances). Metrics with few runs lean on their
//!    neighbours; metrics with many runs keep their own.
//! 5. Metrics with fewer than [`MIN_RUNS`] usable runs get no estimate: "no noise estimate" is
//!    better than a made-up one.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use git2::Oid;

use crate::model::TrendPoint;
use crate::model::{Dimension, Environment, NoiseEstimate, NoiseMap, ResultsFile};
use crate::stats::describe::median_in_place;

use super::git::{EntryRead, GitStore, WalkEnd};
use super::layout::validate_suite;
use super::summary::RunSummary;
use super::{EntryProblem, StoreError};

/// Fewer usable runs than this and a metric gets no noise estimate.
pub const MIN_RUNS: usize = 5;

/// Weight of the suite-wide prior, in runs (d₀ of the empirical-Bayes shrinkage).
pub const PRIOR_DF: f64 = 4.0;

/// Shortest segment between two level shifts.
const MIN_SEGMENT: usize = 3;

/// A shift is "big" when its z-score against the run-to-run scale exceeds this …
const SHIFT_Z: f64 = 5.0;

/// … and it is larger than this many run-to-run standard deviations.
const SHIFT_SIGMAS: f64 = 3.0;

/// Residuals beyond this many robust standard deviations are winsorised.
const WINSOR_SIGMAS: f64 = 4.0;

/// Similar metrics with an estimate needed before their median is used as the prior.
const MIN_GROUP: usize = 3;

/// Stored runs with this many values or more are raw samples (trimmed), not a few runs of a page.
const WITHIN_MAX_VALUES: usize = 10;

/// Commits walked on the main branch looking for `depth` stored runs.
const MAIN_WALK_LIMIT: usize = 10_000;

/// Run-to-run noise of every metric from stored main-branch runs (newest first).
pub fn noise_map(history: &[ResultsFile]) -> NoiseMap {
    let runs: Vec<RunSummary> = history
        .iter()
        .map(|r| {
            RunSummary::from_results(
                r.commit.as_deref().unwrap_or(""),
                r.suite.as_deref().unwrap_or(""),
                r,
            )
        })
        .collect();
    noise_map_from_runs(&runs)
}

/// [`noise_map`] on summaries (which already hold `T_r` and `SE²_r`).
pub(crate) fn noise_map_from_runs(runs: &[RunSummary]) -> NoiseMap {
    struct Series {
        group: (String, Dimension),
        points: Vec<(f64, f64)>,
        /// Σ (n − 1)·s² and Σ (n − 1) over runs with 2–9 values (Lighthouse runs of one job).
        within: (f64, f64),
    }
    let mut series: BTreeMap<&str, Series> = BTreeMap::new();
    // Oldest first, so segments run forward in time.
    for run in runs.iter().rev() {
        for m in &run.metrics {
            let (Some(t), Some(se2), None) = (m.log_center, m.log_se2, &m.failure) else {
                continue;
            };
            if !(t.is_finite() && se2.is_finite() && se2 >= 0.0) {
                continue;
            }
            let source = m.id.split('/').next().unwrap_or("").to_string();
            let s = series.entry(m.id.as_str()).or_insert_with(|| Series {
                group: (source, m.unit.dimension()),
                points: Vec::new(),
                within: (0.0, 0.0),
            });
            s.points.push((t, se2));
            if (2..WITHIN_MAX_VALUES).contains(&m.n) {
                // `log_se2` of a run with a few values is s²/n of their logs.
                let df = (m.n - 1) as f64;
                s.within.0 += df * se2 * m.n as f64;
                s.within.1 += df;
            }
        }
    }
    let raw: BTreeMap<&str, (Raw, &(String, Dimension))> = series
        .iter()
        .filter(|(_, s)| s.points.len() >= MIN_RUNS)
        .filter_map(|(id, s)| {
            raw_estimate(&s.points).map(|mut r| {
                if s.within.1 > 0.0 {
                    r.within = (s.within.0 / s.within.1, s.within.1);
                }
                (*id, (r, &s.group))
            })
        })
        .collect();
    let mut by_group: HashMap<&(String, Dimension), Vec<f64>> = HashMap::new();
    for (r, group) in raw.values() {
        by_group.entry(*group).or_default().push(r.var_run);
    }
    let suite_prior = median(raw.values().map(|(r, _)| r.var_run).collect());
    let suite_prior = (raw.len() >= MIN_GROUP).then_some(suite_prior);
    let group_prior: HashMap<&(String, Dimension), f64> = by_group
        .into_iter()
        .filter(|(_, v)| v.len() >= MIN_GROUP)
        .map(|(g, v)| (g, median(v)))
        .collect();
    raw.into_iter()
        .map(|(id, (r, group))| {
            let prior = group_prior.get(group).copied().or(suite_prior);
            let (log_var, df) = match prior {
                Some(p) => (
                    (r.df * r.var_run + PRIOR_DF * p) / (r.df + PRIOR_DF),
                    r.df + PRIOR_DF,
                ),
                None => (r.var_run, r.df),
            };
            (
                id.to_string(),
                NoiseEstimate {
                    log_var,
                    df,
                    runs: r.runs,
                    within_var: r.within.0,
                    within_df: r.within.1,
                },
            )
        })
        .collect()
}

struct Raw {
    var_run: f64,
    df: f64,
    runs: usize,
    /// Pooled within-run variance of one value and its degrees of freedom (0, 0 when unknown).
    within: (f64, f64),
}

/// `σ²_run` and its degrees of freedom from one metric's `(T_r, SE²_r)`, oldest first.
fn raw_estimate(points: &[(f64, f64)]) -> Option<Raw> {
    let t: Vec<f64> = points.iter().map(|p| p.0).collect();
    let segments = level_segments(&t);
    let df = t.len().checked_sub(segments.len())? as f64;
    if df < 2.0 {
        return None;
    }
    // Residuals around each segment's median, winsorised, then re-centred on their segment mean:
    // a broken run can neither pull the centre nor dominate the sum of squares.
    let mut resid: Vec<f64> = Vec::with_capacity(t.len());
    for seg in &segments {
        let centre = median(t[seg.clone()].to_vec());
        resid.extend(t[seg.clone()].iter().map(|x| x - centre));
    }
    let scale = 1.4826 * mad(&resid);
    if scale > 0.0 {
        let cap = WINSOR_SIGMAS * scale;
        for r in &mut resid {
            *r = r.clamp(-cap, cap);
        }
    }
    for seg in &segments {
        let part = &mut resid[seg.clone()];
        let mean = part.iter().sum::<f64>() / part.len() as f64;
        for r in part.iter_mut() {
            *r -= mean;
        }
    }
    let var_obs = resid.iter().map(|r| r * r).sum::<f64>() / df;
    let within = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    Some(Raw {
        var_run: (var_obs - within).max(0.0),
        df,
        runs: t.len(),
        within: (0.0, 0.0),
    })
}

/// Cuts a series at big level shifts (recursive binary segmentation on medians).
fn level_segments(t: &[f64]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    split(t, 0..t.len(), diff_sigma(t), &mut out);
    out.sort_by_key(|r| r.start);
    out
}

/// The scale of run-to-run noise from first differences, which level shifts do not inflate.
fn diff_sigma(t: &[f64]) -> f64 {
    let diffs: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
    1.4826 * mad(&diffs) / std::f64::consts::SQRT_2
}

/// A big level shift in a series of log values: where the calibration cuts it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelShift {
    /// The first point of the new level.
    pub index: usize,
    /// Median of the new segment minus median of the one before (a log ratio).
    pub shift: f64,
    /// Standard error of `shift`, from the run-to-run scale of the whole series.
    pub se: f64,
}

/// The level shifts of a series of log values, oldest first, each with its size and standard
/// error: the cuts the noise calibration makes, placed on their commit and kept only when they
/// stand out from the noise, so a chart marks where the level moved and nothing else.
///
/// Segmentation on medians finds a shift but not always its commit: a median moves as soon as
/// half of a window is past the shift, so its best cut may sit a point or two early or late.
/// Each cut is therefore placed again, between its neighbouring cuts, where a two-level fit
/// leaves the least squared error. And on a short series the run-to-run scale from first
/// differences can come out small by chance; a shift must also be big against the scatter
/// around the levels (the larger of the two scales is used), else it is dropped.
pub fn level_shifts(t: &[f64]) -> Vec<LevelShift> {
    let mut cuts: Vec<usize> = level_segments(t).iter().skip(1).map(|r| r.start).collect();
    loop {
        for j in 0..cuts.len() {
            let lo = if j == 0 { 0 } else { cuts[j - 1] };
            let hi = cuts.get(j + 1).copied().unwrap_or(t.len());
            cuts[j] = best_cut(&t[lo..hi]).map_or(cuts[j], |k| lo + k);
        }
        let mut bounds = vec![0];
        bounds.extend(&cuts);
        bounds.push(t.len());
        let mut resid = Vec::with_capacity(t.len());
        for w in bounds.windows(2) {
            let centre = median(t[w[0]..w[1]].to_vec());
            resid.extend(t[w[0]..w[1]].iter().map(|x| x - centre));
        }
        let sigma = diff_sigma(t).max(1.4826 * mad(&resid));
        let shifts: Vec<LevelShift> = bounds
            .windows(3)
            .map(|w| {
                let (a, b) = (w[0]..w[1], w[1]..w[2]);
                LevelShift {
                    index: b.start,
                    shift: median(t[b.clone()].to_vec()) - median(t[a.clone()].to_vec()),
                    // As in `split`: √(π/2) times the standard error of a difference of means.
                    se: sigma * (1.0 / a.len() as f64 + 1.0 / b.len() as f64).sqrt() * 1.2533,
                }
            })
            .collect();
        let big = |s: &LevelShift| {
            let z = if s.se > 0.0 {
                s.shift.abs() / s.se
            } else if s.shift != 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            (z, s.shift.abs())
        };
        let long = bounds.windows(2).all(|w| w[1] - w[0] >= MIN_SEGMENT);
        if shifts.is_empty() {
            return shifts;
        }
        if long
            && shifts
                .iter()
                .map(big)
                .all(|(z, size)| z > SHIFT_Z && size > SHIFT_SIGMAS * sigma)
        {
            return shifts;
        }
        // Drop the weakest and judge the rest again on the merged levels.
        let weakest = shifts
            .iter()
            .enumerate()
            .min_by(|a, b| {
                let (za, sa) = big(a.1);
                let (zb, sb) = big(b.1);
                za.total_cmp(&zb).then(sa.total_cmp(&sb))
            })
            .map(|(i, _)| i)
            .unwrap_or(0);
        cuts.remove(weakest);
    }
}

/// Where one level shift in `t` leaves the least squared error around two means (at least two
/// points on each side), or `None` when `t` is too short to say.
fn best_cut(t: &[f64]) -> Option<usize> {
    let n = t.len();
    if n < 4 {
        return None;
    }
    let total: f64 = t.iter().sum();
    let mut left = 0.0;
    let mut best: Option<(usize, f64)> = None;
    for k in 1..n {
        left += t[k - 1];
        if k < 2 || n - k < 2 {
            continue;
        }
        let (na, nb) = (k as f64, (n - k) as f64);
        let diff = (total - left) / nb - left / na;
        // The between-level sum of squares; the largest leaves the least error.
        let between = diff * diff * na * nb / (na + nb);
        if best.is_none_or(|b| between > b.1) {
            best = Some((k, between));
        }
    }
    best.map(|b| b.0)
}

fn split(
    t: &[f64],
    range: std::ops::Range<usize>,
    sigma: f64,
    out: &mut Vec<std::ops::Range<usize>>,
) {
    let len = range.len();
    if len < 2 * MIN_SEGMENT {
        out.push(range);
        return;
    }
    let part = &t[range.clone()];
    let mut best: Option<(usize, f64, f64)> = None;
    // Every prefix's and suffix's median in O(n log n): a history of 1,000 runs (the dashboard)
    // would take O(n² log n) with a selection per cut.
    let before = running_medians(part.iter().copied());
    let mut after = running_medians(part.iter().rev().copied());
    after.reverse();
    for k in MIN_SEGMENT..=len - MIN_SEGMENT {
        // `before[k - 1]` is the median of `part[..k]`, `after[k]` that of `part[k..]`.
        let shift = after[k] - before[k - 1];
        // Standard error of a difference of medians: √(π/2) times that of means.
        let se = sigma * (1.0 / k as f64 + 1.0 / (len - k) as f64).sqrt() * 1.2533;
        let z = if se > 0.0 {
            shift.abs() / se
        } else if shift != 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        if best.is_none_or(|b| z > b.1) {
            best = Some((k, z, shift));
        }
    }
    match best {
        Some((k, z, shift)) if z > SHIFT_Z && shift.abs() > SHIFT_SIGMAS * sigma => {
            let cut = range.start + k;
            split(t, range.start..cut, sigma, out);
            split(t, cut..range.end, sigma, out);
        }
        _ => out.push(range),
    }
}

/// A value ordered by `f64::total_cmp`, as [`median_in_place`] orders them.
#[derive(Clone, Copy, PartialEq)]
struct Total(f64);

impl Eq for Total {}

impl PartialOrd for Total {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Total {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The median of the first 1, 2, … values: element `i` is the median of `values[..=i]`, the same
/// value [`median_in_place`] gives (the mean of the two middle values for an even count).
fn running_medians(values: impl Iterator<Item = f64>) -> Vec<f64> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    // `low` holds the smaller half (⌊n/2⌋ values), `high` the larger (⌈n/2⌉).
    let mut low: BinaryHeap<Total> = BinaryHeap::new();
    let mut high: BinaryHeap<Reverse<Total>> = BinaryHeap::new();
    let mut out = Vec::new();
    for v in values {
        match low.peek() {
            Some(top) if Total(v) < *top => {
                low.push(Total(v));
                if let Some(moved) = low.pop() {
                    high.push(Reverse(moved));
                }
            }
            _ => high.push(Reverse(Total(v))),
        }
        if high.len() > low.len() + 1 {
            if let Some(Reverse(moved)) = high.pop() {
                low.push(moved);
            }
        }
        let upper = high.peek().map_or(f64::NAN, |r| r.0 .0);
        out.push(if high.len() > low.len() {
            upper
        } else {
            let lower = low.peek().map_or(f64::NAN, |t| t.0);
            (lower + upper) / 2.0
        });
    }
    out
}

/// The median of owned values (see [`median_in_place`]).
fn median(mut v: Vec<f64>) -> f64 {
    median_in_place(&mut v)
}

/// Median absolute deviation from the median.
fn mad(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let m = median(v.to_vec());
    median(v.iter().map(|x| (x - m).abs()).collect())
}

/// Describes how the machine or toolchain changed between base and head (CPU model, core count,
/// OS, architecture, rustc), or `None` when nothing known differs. Runner names are not compared:
/// hosted runners get a new name every job.
pub fn environment_shift(base: &ResultsFile, head: &ResultsFile) -> Option<String> {
    let (b, h): (&Environment, &Environment) = (&base.environment, &head.environment);
    let mut changes = Vec::new();
    let mut differ = |what: &str, x: &Option<String>, y: &Option<String>| {
        if let (Some(x), Some(y)) = (x, y) {
            if x != y {
                changes.push(format!("{what} {x} → {y}"));
            }
        }
    };
    differ("CPU", &b.cpu_model, &h.cpu_model);
    differ(
        "cores",
        &b.cores.map(|c| c.to_string()),
        &h.cores.map(|c| c.to_string()),
    );
    differ("OS", &b.os, &h.os);
    differ("architecture", &b.arch, &h.arch);
    differ("toolchain", &b.rustc, &h.rustc);
    (!changes.is_empty()).then(|| {
        format!(
            "base and head were measured on different machines or toolchains ({}); expect extra noise",
            changes.join(", ")
        )
    })
}

/// The summary of one stored run, or `None` with the problem listed in `skipped`.
fn summary_or_problem(
    store: &GitStore,
    sha: &str,
    suite: &str,
    oid: Oid,
    skipped: &mut Vec<EntryProblem>,
) -> Option<RunSummary> {
    match store.read_summary(sha, suite, oid) {
        EntryRead::Found(r) => Some(r),
        EntryRead::Missing => None,
        EntryRead::Corrupt(message) => {
            skipped.push(EntryProblem {
                commit: sha.to_string(),
                suite: suite.to_string(),
                message,
            });
            None
        }
    }
}

/// Loads up to `depth` stored runs of `suite` from the main branch (first parents from the tip of
/// `origin/<main_branch>`, else `<main_branch>`, else `head_commit`; `head_commit`'s own results
/// are left out) and returns their noise map plus every metric's trend points, oldest first, for
/// the report's trend charts.
///
/// In a shallow clone the main branch's history stops early; the remaining runs are then taken
/// from the store itself, newest measurement time first (the store holds what `run` saved on the
/// main branch). No store, or no runs: empty maps.
pub fn calibration_for(
    repo_dir: &Path,
    head_commit: &str,
    suite: &str,
    main_branch: &str,
    depth: usize,
) -> Result<(NoiseMap, BTreeMap<String, Vec<TrendPoint>>), StoreError> {
    calibration_reporting(
        repo_dir,
        head_commit,
        suite,
        main_branch,
        depth,
        &mut Vec::new(),
    )
}

/// [`calibration_for`] that lists in `skipped` the stored runs it met but could not read (they
/// are left out of the calibration; the caller reports them).
pub fn calibration_reporting(
    repo_dir: &Path,
    head_commit: &str,
    suite: &str,
    main_branch: &str,
    depth: usize,
    skipped: &mut Vec<EntryProblem>,
) -> Result<(NoiseMap, BTreeMap<String, Vec<TrendPoint>>), StoreError> {
    validate_suite(suite)?;
    let store = GitStore::open(repo_dir)?;
    let Some(tree) = store.tip_tree()? else {
        return Ok((NoiseMap::new(), BTreeMap::new()));
    };
    let head = store.resolve_commit(head_commit).ok();
    let start = [
        format!("refs/remotes/origin/{main_branch}"),
        format!("refs/heads/{main_branch}"),
        main_branch.to_string(),
    ]
    .iter()
    .find_map(|rev| store.resolve_commit(rev).ok())
    .or_else(|| head.clone());
    let mut runs: Vec<RunSummary> = Vec::new();
    let mut complete = true;
    if let Some(start) = start.and_then(|s| Oid::from_str(&s).ok()) {
        let (_, end) = store.walk_first_parent(start, MAIN_WALK_LIMIT, |c| {
            let sha = c.id().to_string();
            if Some(&sha) != head.as_ref() {
                match store.suites_in_checked(&tree, &sha) {
                    Ok(suites) => {
                        if let Some(&oid) = suites.get(suite) {
                            if let Some(r) = summary_or_problem(&store, &sha, suite, oid, skipped) {
                                runs.push(r);
                            }
                        }
                    }
                    Err(problem) => skipped.push(problem),
                }
            }
            runs.len() < depth
        });
        complete = !matches!(end, WalkEnd::Stopped(_));
    }
    if runs.len() < depth && !complete {
        let mut extra: Vec<RunSummary> = Vec::new();
        for (sha, suites) in store.all_entries_checked(&tree, skipped)? {
            if Some(&sha) == head.as_ref() || runs.iter().any(|r| r.commit == sha) {
                continue;
            }
            if let Some(&oid) = suites.get(suite) {
                // Entries already met (and reported) on the main-branch walk are not read twice.
                if skipped.iter().any(|p| p.commit == sha) {
                    continue;
                }
                if let Some(r) = summary_or_problem(&store, &sha, suite, oid, skipped) {
                    extra.push(r);
                }
            }
        }
        let time = |r: &RunSummary| {
            r.time
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        };
        extra.sort_by_key(|r| std::cmp::Reverse(time(r)));
        runs.extend(extra.into_iter().take(depth - runs.len()));
    }
    let noise = noise_map_from_runs(&runs);
    let mut trends: BTreeMap<String, Vec<TrendPoint>> = BTreeMap::new();
    for run in runs.iter().rev() {
        for m in run.metrics.iter().filter(|m| m.failure.is_none()) {
            trends.entry(m.id.clone()).or_default().push(TrendPoint {
                commit: run.commit.clone(),
                value: m.value,
            });
        }
    }
    Ok((noise, trends))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Metric, Unit};

    fn run(values: &[(&str, f64)]) -> RunSummary {
        let mut f = ResultsFile::new();
        for (id, v) in values {
            f.metrics
                .push(Metric::new(*id, Unit::Milliseconds, Direction::Lower, *v));
        }
        RunSummary::from_results("c", "s", &f)
    }

    /// A deterministic pseudo-normal sequence (sum of uniforms), so these unit tests need no rand.
    fn noise(i: usize, salt: u64) -> f64 {
        let mut x = (i as u64 + 1)
            .wrapping_mul(6364136223846793005)
            .wrapping_add(salt);
        let mut s = 0.0;
        for _ in 0..12 {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51afd7ed558ccd);
            x ^= x >> 33;
            s += (x >> 11) as f64 / (1u64 << 53) as f64;
        }
        s - 6.0
    }

    #[test]
    fn too_few_runs_give_no_estimate() {
        let runs: Vec<_> = (0..4).map(|i| run(&[("k6/a", 100.0 + i as f64)])).collect();
        assert!(noise_map_from_runs(&runs).is_empty());
    }

    #[test]
    fn estimates_the_run_to_run_variance_of_single_values() {
        let runs: Vec<_> = (0..40)
            .map(|i| run(&[("k6/a", 100.0 * (0.02 * noise(i, 1)).exp())]))
            .collect();
        let map = noise_map_from_runs(&runs);
        let e = map["k6/a"];
        let sd = e.log_var.sqrt();
        assert!((0.013..0.03).contains(&sd), "sd {sd}");
        assert_eq!(e.runs, 40);
        assert!(e.df >= 38.0);
    }

    #[test]
    fn a_level_shift_is_not_noise_and_an_outlier_does_not_dominate() {
        // 20 runs at 100, then 20 at 130 (a real change on main), 1 % noise, one broken run.
        let runs: Vec<_> = (0..40)
            .map(|i| {
                let level = if i < 20 { 130.0 } else { 100.0 };
                let broken = if i == 7 { 3.0 } else { 1.0 };
                run(&[("k6/a", level * broken * (0.01 * noise(i, 2)).exp())])
            })
            .collect();
        let e = noise_map_from_runs(&runs)["k6/a"];
        let sd = e.log_var.sqrt();
        assert!(
            sd < 0.02,
            "sd {sd}: the shift or the outlier leaked into the noise"
        );
        assert!(sd > 0.005, "sd {sd}");
    }

    #[test]
    fn few_runs_lean_on_similar_metrics() {
        // Ten metrics with 2 % noise and 40 runs; one with 5 runs that happen to be almost equal.
        let runs: Vec<_> = (0..40)
            .map(|i| {
                let mut v: Vec<(String, f64)> = (0..10)
                    .map(|m| {
                        (
                            format!("k6/m{m}"),
                            100.0 * (0.02 * noise(i, 10 + m as u64)).exp(),
                        )
                    })
                    .collect();
                if i < 5 {
                    v.push(("k6/new".into(), 100.0 + 0.001 * i as f64));
                }
                let refs: Vec<(&str, f64)> = v.iter().map(|(a, b)| (a.as_str(), *b)).collect();
                run(&refs)
            })
            .collect();
        let map = noise_map_from_runs(&runs);
        let new = map["k6/new"];
        assert_eq!(new.runs, 5);
        assert_eq!(new.df, 4.0 + PRIOR_DF);
        // Half of the weight is the neighbours' ~2 % noise.
        assert!(new.log_var.sqrt() > 0.01, "{}", new.log_var.sqrt());
    }

    #[test]
    fn within_run_variance_is_subtracted() {
        let runs: Vec<_> = (0..60)
            .map(|i| {
                let mut f = ResultsFile::new();
                let samples: Vec<f64> = (0..100)
                    .map(|j| 100.0 * (0.03 * noise(i * 1000 + j, 3)).exp())
                    .collect();
                f.metrics.push(
                    Metric::new("criterion/a", Unit::Nanoseconds, Direction::Lower, 100.0)
                        .with_samples(crate::model::SampleKind::Iterations, samples),
                );
                RunSummary::from_results("c", "s", &f)
            })
            .collect();
        // No run-to-run component at all: the estimate must be well below the within-run
        // variance of the trimmed mean, which a naive variance of T_r would return.
        let within = runs
            .iter()
            .map(|r| r.metrics[0].log_se2.unwrap())
            .sum::<f64>()
            / runs.len() as f64;
        let e = noise_map_from_runs(&runs)["criterion/a"];
        assert!(within > 0.0);
        assert!(e.log_var < 0.5 * within, "{} vs {within}", e.log_var);
    }

    #[test]
    fn the_scatter_of_a_jobs_few_runs_is_pooled_over_the_stored_jobs() {
        // 30 jobs of 3 Lighthouse runs: a 2 % shift per job, a 4 % scatter between the runs of
        // one job. Both parts are estimated: σ²_run ≈ 0.02², the pooled scatter ≈ 0.04² on 60 df.
        let runs: Vec<_> = (0..30)
            .map(|i| {
                let job = 0.02 * noise(i, 7);
                let values: Vec<f64> = (0..3)
                    .map(|j| 1000.0 * (job + 0.04 * noise(i * 10 + j, 8)).exp())
                    .collect();
                let mut f = ResultsFile::new();
                f.metrics.push(
                    Metric::new(
                        "lighthouse/home/lcp",
                        Unit::Milliseconds,
                        Direction::Lower,
                        1000.0,
                    )
                    .with_samples(crate::model::SampleKind::Runs, values),
                );
                RunSummary::from_results("c", "s", &f)
            })
            .collect();
        let e = noise_map_from_runs(&runs)["lighthouse/home/lcp"];
        assert_eq!(e.within_df, 60.0);
        let within_sd = e.within_var.sqrt();
        assert!((0.03..0.05).contains(&within_sd), "{within_sd}");
        let run_sd = e.log_var.sqrt();
        assert!((0.008..0.035).contains(&run_sd), "{run_sd}");
        // Single values per run (k6) have no scatter to pool.
        let single: Vec<_> = (0..10)
            .map(|i| run(&[("k6/a", 100.0 + i as f64)]))
            .collect();
        assert_eq!(noise_map_from_runs(&single)["k6/a"].within_df, 0.0);
    }

    #[test]
    fn running_medians_are_the_medians_of_every_prefix() {
        let values: Vec<f64> = (0..40).map(|i| noise(i, 9) + (i % 7) as f64).collect();
        let running = running_medians(values.iter().copied());
        for k in 1..=values.len() {
            assert_eq!(
                running[k - 1],
                median(values[..k].to_vec()),
                "prefix of {k}"
            );
        }
        assert_eq!(
            running_medians([2.0, 2.0, 1.0, 1.0].into_iter()),
            [2.0, 2.0, 2.0, 1.5]
        );
    }

    #[test]
    fn level_shifts_mark_the_first_commit_of_the_new_level_once() {
        let t: Vec<f64> = (0..12)
            .map(|i| {
                let level: f64 = if i < 7 { 100.0 } else { 120.0 };
                (level * (0.005 * noise(i, 4)).exp()).ln()
            })
            .collect();
        let shifts = level_shifts(&t);
        assert_eq!(shifts.len(), 1, "{shifts:?}");
        assert_eq!(shifts[0].index, 7);
        let ratio = shifts[0].shift.exp() - 1.0;
        assert!((0.18..0.22).contains(&ratio), "{ratio}");
        assert!(shifts[0].se > 0.0 && shifts[0].se < 0.02, "{:?}", shifts[0]);
        let flat: Vec<f64> = (0..12).map(|i| (0.005 * noise(i, 5)).exp().ln()).collect();
        assert!(
            level_shifts(&flat).is_empty(),
            "{flat:?} {:?}",
            level_shifts(&flat)
        );
        assert!(level_shifts(&[]).is_empty());
        // Exactly flat levels: every median split of a step has the same shift, the balanced
        // one the largest z; the mark still lands on the first point of the new level.
        for step in 3..=9 {
            let t: Vec<f64> = (0..12)
                .map(|i| if i < step { 100f64 } else { 120f64 }.ln())
                .collect();
            let shifts = level_shifts(&t);
            assert_eq!(shifts.len(), 1, "step {step}: {shifts:?}");
            assert_eq!(shifts[0].index, step, "step {step}: {shifts:?}");
        }
    }

    #[test]
    fn environment_shift_names_what_changed() {
        let mut a = ResultsFile::new();
        let mut b = ResultsFile::new();
        assert_eq!(environment_shift(&a, &b), None);
        a.environment.cpu_model = Some("Intel Xeon 8370C".into());
        b.environment.cpu_model = Some("AMD EPYC 7763".into());
        a.environment.runner = Some("GitHub Actions 1".into());
        b.environment.runner = Some("GitHub Actions 2".into());
        let s = environment_shift(&a, &b).unwrap();
        assert!(s.contains("Intel Xeon 8370C → AMD EPYC 7763"), "{s}");
        assert!(!s.contains("GitHub Actions"), "{s}");
        b.environment.cpu_model = a.environment.cpu_model.clone();
        assert_eq!(environment_shift(&a, &b), None);
    }
}
