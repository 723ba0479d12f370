//! Rounds of a same-job rerun: base and head benchmarks run alternately, several times, and the
//! samples of one round share the machine's state of that moment (its clock, its cache, its
//! neighbours). The round, not the sample, is the unit of replication: a benchmark's change is
//! estimated by the mean of its per-round changes, and its uncertainty by how much those vary
//! from round to round, never by the scatter of samples that shared one round's luck.
//!
//! With few rounds a benchmark's own round variance has few degrees of freedom (1 with two
//! rounds), so in a run of [`FEW_BENCHMARKS`] benchmarks or more it is moderated towards what
//! the run's other benchmarks show (empirical Bayes, as limma moderates gene-wise variances:
//! Smyth 2004); fewer cannot show whether one of them is noisier than the rest, and each is
//! judged on its own rounds. See `docs/noise-model.md`.
//!
//! Inputs are a side's samples (positive, already oriented so that larger is worse) with the
//! round each was taken in.

use std::collections::BTreeMap;

use super::describe::{mean, quantile_type7, sorted, trimmed_mean, variance, winsorized_variance};
use super::dist::chi_squared_quantile;

/// Degrees of freedom the run-wide prior is worth at most when moderating a benchmark's round
/// variance. With 3 rounds a benchmark's own estimate has 2 degrees of freedom: a t quantile of
/// 4.3 for a 95 % interval, so on a busy machine even a 2× regression came out "inconclusive".
/// The machine state that makes rounds differ is shared by every benchmark of the run, so the
/// run's typical round variance is real information about each benchmark; but benchmarks differ,
/// so the prior never counts for more than this.
pub const ROUND_PRIOR_DF: f64 = 4.0;

/// Benchmarks a run needs before its prior moderates anything. The prior is the typical
/// benchmark's round variance; a benchmark whose speed depends on its process (its memory
/// layout: a sort of a fresh allocation) varies several times more from round to round than its
/// neighbours, and a handful of benchmarks cannot show whether one of them does. Measured on a
/// real three-benchmark crate (16 A/A reruns of 3 rounds, quiet machine): one benchmark's round
/// variance was 17× the other two's; moderated towards theirs it failed identical code in ~5 %
/// of A/A reruns. Below this many, each benchmark is judged on its own rounds alone (adaptive
/// rounds, with `max-rounds` set, add more where that leaves it undecided); the prior still
/// names a noisy machine.
pub const FEW_BENCHMARKS: usize = 10;

/// Least samples a side in a round for that round's 20 %-trimmed mean; shorter rounds use the
/// plain mean of their log values.
pub const MIN_TRIMMED: usize = 5;

/// Trimming of each round's mean (as Yuen's test trims).
const TRIM: f64 = 0.2;

/// The per-round changes of one benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundChanges {
    /// Per round, `ln(head/base)` of the round's (trimmed) means, in round order.
    pub diffs: Vec<f64>,
    /// Per round, the within-round squared standard error of that difference (0 when a side
    /// had a single sample).
    pub within: Vec<f64>,
}

impl RoundChanges {
    /// Rounds.
    pub fn rounds(&self) -> usize {
        self.diffs.len()
    }

    /// Variance of the per-round differences (`None` with fewer than two rounds).
    pub fn variance(&self) -> Option<f64> {
        (self.diffs.len() >= 2).then(|| variance(&self.diffs))
    }

    /// Mean within-round squared standard error.
    pub fn mean_within(&self) -> f64 {
        mean(&self.within)
    }
}

/// A side's log values by round.
fn by_round(samples: &[f64], rounds: &[u32]) -> BTreeMap<u32, Vec<f64>> {
    let mut map: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for (v, r) in samples.iter().zip(rounds) {
        map.entry(*r).or_default().push(v.ln());
    }
    map
}

/// Location and squared standard error of one side of one round.
fn round_location(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    if x.len() >= MIN_TRIMMED {
        let hn = n - 2.0 * (TRIM * n).floor();
        let se2 = (n - 1.0) * winsorized_variance(x, TRIM) / (hn * (hn - 1.0));
        (trimmed_mean(x, TRIM), se2)
    } else if x.len() >= 2 {
        (mean(x), variance(x) / n)
    } else {
        (mean(x), 0.0)
    }
}

/// The per-round changes of one benchmark over the rounds both sides ran. `None` when a value is
/// not positive and finite, the sample and round lists differ in length, or no round has both
/// sides.
pub fn round_changes(
    base: &[f64],
    base_rounds: &[u32],
    head: &[f64],
    head_rounds: &[u32],
) -> Option<RoundChanges> {
    if base.len() != base_rounds.len() || head.len() != head_rounds.len() {
        return None;
    }
    if base
        .iter()
        .chain(head)
        .any(|v| !(v.is_finite() && *v > 0.0))
    {
        return None;
    }
    let (b, h) = (by_round(base, base_rounds), by_round(head, head_rounds));
    let mut diffs = Vec::new();
    let mut within = Vec::new();
    for (r, xb) in &b {
        let Some(xh) = h.get(r) else { continue };
        let ((lb, wb), (lh, wh)) = (round_location(xb), round_location(xh));
        diffs.push(lh - lb);
        within.push(wb + wh);
    }
    (!diffs.is_empty()).then_some(RoundChanges { diffs, within })
}

/// What the run's benchmarks say about round-to-round noise, for moderating each one's own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundPrior {
    /// Typical variance of a benchmark's per-round differences (the machine's shared part).
    pub var: f64,
    /// Typical ratio of that variance to the benchmark's own within-round variance (at least 1):
    /// how much more the rounds differ than their samples predict.
    pub inflation: f64,
    /// Degrees of freedom the prior is worth (0: it moderates nothing, see [`FEW_BENCHMARKS`]).
    pub df: f64,
    /// Benchmarks it rests on.
    pub benchmarks: usize,
}

/// Rounds that vary this many times more than their samples predict (the run's median over its
/// benchmarks), and by at least [`NOISY_ROUND_SD`], or by [`NOISY_ROUND_SD_ALONE`] whatever the
/// ratio, mean the machine itself was noisy ([`RoundPrior::noisy_machine`]).
pub const NOISY_MACHINE: f64 = 4.0;

/// The typical standard deviation of one round's head/base change (log scale) from which a run
/// counts as noisy. The ratio alone is not enough: criterion's samples within a round are taken
/// back to back and agree far more closely than rounds minutes apart, so on a quiet machine the
/// rounds vary ×10–×30 more than the samples predict while differing by under 1 %.
pub const NOISY_ROUND_SD: f64 = 0.02;

/// The typical standard deviation of one round's change from which a run counts as noisy
/// whatever its samples did: under a heavy load the samples within a round scatter as widely as
/// the rounds (bursts land inside rounds too), so the ratio above stays small, yet rounds that
/// differ by ±10 % are a noisy machine by any measure.
pub const NOISY_ROUND_SD_ALONE: f64 = 0.10;

impl RoundPrior {
    /// Whether the run's rounds say the machine itself was noisy: they varied by
    /// [`NOISY_ROUND_SD`] or more and [`NOISY_MACHINE`] times what their samples predict, or by
    /// [`NOISY_ROUND_SD_ALONE`] or more whatever the samples did.
    pub fn noisy_machine(&self) -> bool {
        let sd = self.var.sqrt();
        sd >= NOISY_ROUND_SD && (self.inflation >= NOISY_MACHINE || sd >= NOISY_ROUND_SD_ALONE)
    }

    /// The prior variance for a benchmark whose mean within-round variance is `within`: the
    /// larger of the run's typical round variance and the typical inflation of its own
    /// within-round variance (noisier benchmarks vary more from round to round too).
    pub fn for_within(&self, within: f64) -> f64 {
        self.var.max(self.inflation * within)
    }
}

/// The run's round prior from its benchmarks' per-round changes: robust (medians, so a
/// benchmark that really changed or one with a wild round does not set it) and unbiased for
/// the skew of a variance with few degrees of freedom (the median of `χ²_ν/ν` is below 1:
/// 0.45 for one degree of freedom). `None` with fewer than three benchmarks of two rounds or
/// more.
pub fn round_prior(benchmarks: &[&RoundChanges]) -> Option<RoundPrior> {
    let mut scaled = Vec::new();
    let mut ratios = Vec::new();
    let mut total_df = 0.0;
    for b in benchmarks {
        let Some(v) = b.variance() else { continue };
        if !v.is_finite() {
            continue;
        }
        let nu = (b.rounds() - 1) as f64;
        let median_chi2 = chi_squared_quantile(0.5, nu) / nu;
        if !(median_chi2.is_finite() && median_chi2 > 0.0) {
            continue;
        }
        scaled.push(v / median_chi2);
        let w = b.mean_within();
        if w > 0.0 && w.is_finite() {
            ratios.push(v / w / median_chi2);
        }
        total_df += nu;
    }
    if scaled.len() < 3 {
        return None;
    }
    let var = quantile_type7(&sorted(&scaled), 0.5);
    let inflation = if ratios.len() >= 3 {
        quantile_type7(&sorted(&ratios), 0.5).max(1.0)
    } else {
        1.0
    };
    // A median of variances uses about half the information of their mean (its efficiency for
    // normal data is 2/π and lower for skewed χ² values): the prior is worth half the degrees of
    // freedom it rests on, and never more than ROUND_PRIOR_DF; with few benchmarks, which cannot
    // show whether one of them varies more than the rest, nothing.
    let df = if scaled.len() < FEW_BENCHMARKS {
        0.0
    } else {
        ROUND_PRIOR_DF.min(total_df / 2.0)
    };
    Some(RoundPrior {
        var,
        inflation,
        df,
        benchmarks: scaled.len(),
    })
}

/// The round-level test's inputs for one benchmark: the mean per-round change of `ln` values,
/// its standard error, and the degrees of freedom of that standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundEstimate {
    /// Mean of the per-round differences, `ln(head/base)`.
    pub log_ratio: f64,
    /// Its standard error.
    pub se: f64,
    /// Degrees of freedom of the t reference.
    pub df: f64,
    /// The variance of one round's difference that was used.
    pub round_var: f64,
    /// Rounds.
    pub rounds: usize,
    /// Whether the run's prior moderated the benchmark's own round variance.
    pub moderated: bool,
    /// Whether the variance was raised to a noisy machine's typical round variance.
    pub machine_floor: bool,
}

/// The round-level estimate of one benchmark. The variance of one round's difference is the
/// benchmark's own (with `k − 1` degrees of freedom) moderated towards the prior,
/// `(d₀·s₀² + (k − 1)·s²) / (d₀ + k − 1)` with `d₀ + k − 1` degrees of freedom, and never below
/// the benchmark's mean within-round variance (rounds cannot vary less than their samples
/// predict; a lucky small spread would otherwise make any difference look certain). On a noisy
/// machine ([`RoundPrior::noisy_machine`]) it is also never below the prior `s₀²`, the run's
/// typical round variance: the noise is the machine's, and a benchmark whose few rounds agree
/// (bursts of a neighbour that happened to land on the same side in every round) has not shown
/// itself quieter than the machine. The degrees of freedom are not raised by that floor. The
/// standard error is that variance over `k` rounds.
///
/// `None` when nothing can be said: a single round and no prior (nothing has shown how much
/// rounds vary), or values that are not numbers.
pub fn round_estimate(changes: &RoundChanges, prior: Option<RoundPrior>) -> Option<RoundEstimate> {
    let k = changes.rounds();
    if k == 0 {
        return None;
    }
    let within = changes.mean_within();
    let own = changes.variance();
    let nu = (k - 1) as f64;
    let (var, df, moderated) = match (prior.filter(|p| p.df > 0.0), own) {
        (Some(p), Some(s2)) => {
            let s0 = p.for_within(within);
            ((p.df * s0 + nu * s2) / (p.df + nu), p.df + nu, true)
        }
        (Some(p), None) => (p.for_within(within), p.df, true),
        (None, Some(s2)) => (s2, nu, false),
        (None, None) => return None,
    };
    let machine = prior
        .filter(RoundPrior::noisy_machine)
        .map_or(0.0, |p| p.for_within(within));
    let machine_floor = machine > var.max(within);
    let var = var.max(within).max(machine);
    let log_ratio = mean(&changes.diffs);
    let se = (var / k as f64).sqrt();
    (log_ratio.is_finite() && se.is_finite() && df > 0.0).then_some(RoundEstimate {
        log_ratio,
        se,
        df,
        round_var: var,
        rounds: k,
        moderated,
        machine_floor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounds(k: u32, n: usize) -> Vec<u32> {
        (1..=k).flat_map(|r| std::iter::repeat_n(r, n)).collect()
    }

    fn steps(levels: &[f64], n: usize) -> Vec<f64> {
        levels
            .iter()
            .flat_map(|&v| std::iter::repeat_n(v, n))
            .collect()
    }

    #[test]
    fn the_change_is_the_mean_of_the_rounds_and_its_error_their_spread() {
        // Three rounds of 5 equal samples: head is 10 %, 20 %, 30 % above base.
        let base = vec![100.0; 15];
        let head = steps(&[110.0, 120.0, 130.0], 5);
        let ch = round_changes(&base, &rounds(3, 5), &head, &rounds(3, 5)).unwrap();
        let d: Vec<f64> = [1.1f64, 1.2, 1.3].iter().map(|r| r.ln()).collect();
        let m = d.iter().sum::<f64>() / 3.0;
        let var = d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 2.0;
        assert!((ch.variance().unwrap() - var).abs() < 1e-12);
        assert_eq!(ch.mean_within(), 0.0);
        let e = round_estimate(&ch, None).unwrap();
        assert!((e.log_ratio - m).abs() < 1e-12);
        assert!((e.se - (var / 3.0).sqrt()).abs() < 1e-12 && e.df == 2.0);
        // A prior of 0 with 4 df pulls the variance down: (4·0 + 2·var) / 6, on 6 df.
        let prior = RoundPrior {
            var: 0.0,
            inflation: 1.0,
            df: 4.0,
            benchmarks: 3,
        };
        let e = round_estimate(&ch, Some(prior)).unwrap();
        assert!((e.se - (var / 3.0 / 3.0).sqrt()).abs() < 1e-12 && e.df == 6.0);
    }

    #[test]
    fn samples_of_one_round_never_stand_for_many() {
        // One round of 100 samples each: no round-to-round variance is known, so no estimate
        // without a prior, however many samples.
        let base: Vec<f64> = (0..100).map(|i| 100.0 + (i % 7) as f64).collect();
        let head: Vec<f64> = (0..100).map(|i| 110.0 + (i % 7) as f64).collect();
        let ch = round_changes(&base, &[1; 100], &head, &[1; 100]).unwrap();
        assert_eq!(ch.rounds(), 1);
        assert!(round_estimate(&ch, None).is_none());
        // With the run's prior, the single round borrows its variance (and its df only).
        let prior = RoundPrior {
            var: 0.01,
            inflation: 1.0,
            df: 4.0,
            benchmarks: 5,
        };
        let e = round_estimate(&ch, Some(prior)).unwrap();
        assert_eq!(e.df, 4.0);
        assert!((e.se - 0.1).abs() < 1e-12);
    }

    #[test]
    fn rounds_never_vary_less_than_their_samples_predict() {
        // Two rounds whose differences agree exactly, from noisy samples: the within-round
        // variance is the floor.
        let base = [100.0, 120.0, 80.0, 100.0, 120.0, 80.0];
        let head = [110.0, 132.0, 88.0, 110.0, 132.0, 88.0];
        let r = [1, 1, 1, 2, 2, 2];
        let ch = round_changes(&base, &r, &head, &r).unwrap();
        assert_eq!(ch.variance(), Some(0.0));
        let e = round_estimate(&ch, None).unwrap();
        assert!(e.round_var > 0.0 && (e.round_var - ch.mean_within()).abs() < 1e-15);
    }

    #[test]
    fn the_prior_is_robust_and_corrects_the_skew_of_few_degrees_of_freedom() {
        let mk = |diffs: Vec<f64>| RoundChanges {
            within: vec![0.0; diffs.len()],
            diffs,
        };
        let a = mk(vec![0.0, 0.02]);
        let b = mk(vec![0.0, 0.04]);
        let c = mk(vec![0.0, 0.06]);
        let wild = mk(vec![0.0, 2.0]);
        let p = round_prior(&[&a, &b, &c, &wild]).unwrap();
        // Median of the variances 0.0002, 0.0008, 0.0018, 2 is 0.0013; over the median of χ²₁.
        let expected = 0.0013 / chi_squared_quantile(0.5, 1.0);
        assert!((p.var - expected).abs() < 1e-9, "{p:?}");
        // Four benchmarks cannot show whether one of them varies more than the rest: the prior
        // is worth nothing, and a benchmark is judged on its own rounds.
        assert_eq!((p.df, p.benchmarks), (0.0, 4));
        let own = round_estimate(&c, None).unwrap();
        assert_eq!(round_estimate(&c, Some(p)), Some(own));
        assert!(!own.moderated && own.df == 1.0);
        assert!(round_prior(&[&a, &b]).is_none());
        // Half the degrees of freedom it rests on from FEW_BENCHMARKS benchmarks on, at most
        // ROUND_PRIOR_DF.
        let three_rounds = |i: usize| mk(vec![0.0, 0.01 * i as f64, 0.0]);
        let nine: Vec<RoundChanges> = (0..9).map(three_rounds).collect();
        let refs: Vec<&RoundChanges> = nine.iter().collect();
        assert_eq!(round_prior(&refs).unwrap().df, 0.0);
        let ten: Vec<RoundChanges> = (0..10).map(three_rounds).collect();
        let refs: Vec<&RoundChanges> = ten.iter().collect();
        assert_eq!(round_prior(&refs).unwrap().df, ROUND_PRIOR_DF);
        let ten_two_rounds: Vec<RoundChanges> =
            (0..10).map(|i| mk(vec![0.0, 0.01 * i as f64])).collect();
        let refs: Vec<&RoundChanges> = ten_two_rounds.iter().collect();
        assert_eq!(round_prior(&refs).unwrap().df, ROUND_PRIOR_DF);
        let many: Vec<RoundChanges> = (0..20).map(|i| mk(vec![0.0, 0.01 * i as f64])).collect();
        let refs: Vec<&RoundChanges> = many.iter().collect();
        assert_eq!(round_prior(&refs).unwrap().df, ROUND_PRIOR_DF);
    }

    #[test]
    fn bad_input_gives_nothing() {
        assert!(round_changes(&[1.0, -1.0], &[1, 1], &[1.0, 1.0], &[1, 1]).is_none());
        assert!(round_changes(&[1.0], &[1, 2], &[1.0], &[1]).is_none());
        assert!(round_changes(&[1.0], &[1], &[1.0], &[2]).is_none());
    }

    #[test]
    fn on_a_noisy_machine_rounds_that_agree_do_not_make_a_benchmark_quieter_than_the_machine() {
        // Three rounds of 5 samples each: head 50 %, 49 %, 51 % above base, samples exact.
        let base = vec![100.0; 15];
        let head = steps(&[150.0, 149.0, 151.0], 5);
        let ch = round_changes(&base, &rounds(3, 5), &head, &rounds(3, 5)).unwrap();
        let own = ch.variance().unwrap();
        // A machine whose rounds typically vary by ±20 %: noisy, whatever the samples did.
        let noisy = RoundPrior {
            var: 0.04,
            inflation: 1.5,
            df: 0.0,
            benchmarks: 3,
        };
        assert!(noisy.noisy_machine());
        let e = round_estimate(&ch, Some(noisy)).unwrap();
        assert!(e.machine_floor && !e.moderated && e.df == 2.0, "{e:?}");
        assert!((e.round_var - 0.04).abs() < 1e-15 && e.round_var > own);
        // A quiet machine (rounds ±0.5 %, ×25 their samples): the benchmark's own rounds.
        let quiet = RoundPrior {
            var: 0.005f64.powi(2),
            inflation: 25.0,
            df: 0.0,
            benchmarks: 3,
        };
        assert!(!quiet.noisy_machine());
        let e = round_estimate(&ch, Some(quiet)).unwrap();
        assert!(
            !e.machine_floor && (e.round_var - own).abs() < 1e-15,
            "{e:?}"
        );
        // Noisy by the ratio: ±3 % rounds at ×5 what the samples predict.
        let ratio = RoundPrior {
            var: 0.03f64.powi(2),
            inflation: 5.0,
            df: 0.0,
            benchmarks: 3,
        };
        assert!(ratio.noisy_machine());
        // A benchmark noisier than the machine keeps its own variance.
        let wild = steps(&[200.0, 110.0, 150.0], 5);
        let ch = round_changes(&base, &rounds(3, 5), &wild, &rounds(3, 5)).unwrap();
        let e = round_estimate(&ch, Some(noisy)).unwrap();
        assert!(!e.machine_floor && (e.round_var - ch.variance().unwrap()).abs() < 1e-15);
    }
}
