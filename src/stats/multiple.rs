//! Multiple-testing adjustments across the relative checks of one run.
//!
//! Benjamini–Hochberg is the default: under the global null (a typical PR where nothing changed)
//! it bounds the probability of any false alarm by q, and it keeps power when several metrics do
//! regress. Holm gives family-wise control under any dependence; Bonferroni is only a baseline
//! (Holm dominates it). Adjusted p-values match `scipy.stats.false_discovery_control` (BH, BY)
//! and the textbook step-down formula (Holm).

/// Which adjustment to apply to a family of p-values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Correction {
    /// Benjamini–Hochberg step-up (false discovery rate).
    #[default]
    BenjaminiHochberg,
    /// Holm's step-down Bonferroni (family-wise error rate, any dependence).
    Holm,
    /// Bonferroni: `min(1, m·p)`.
    Bonferroni,
    /// No adjustment.
    None,
}

/// p-values as probabilities: NaN (a test that could not be computed) counts as 1, never as
/// evidence, and values outside `[0, 1]` are clamped.
fn sanitised(p: &[f64]) -> Vec<f64> {
    p.iter()
        .map(|&v| if v.is_nan() { 1.0 } else { v.clamp(0.0, 1.0) })
        .collect()
}

/// Indices of `p` in ascending order of p (stable, so ties keep their input order).
fn ascending(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    order
}

/// Adjusted p-values, in the same order as the input. NaN p-values are treated as 1.
///
/// Reject the hypotheses whose adjusted p is `≤ q`.
pub fn adjust(p: &[f64], correction: Correction) -> Vec<f64> {
    let p = sanitised(p);
    let m = p.len() as f64;
    match correction {
        Correction::None => p,
        Correction::Bonferroni => p.iter().map(|v| (v * m).min(1.0)).collect(),
        Correction::BenjaminiHochberg => step_up(&p, 1.0),
        Correction::Holm => {
            let order = ascending(&p);
            let mut adjusted = vec![0.0; p.len()];
            let mut running_max: f64 = 0.0;
            for (rank, &i) in order.iter().enumerate() {
                // adj_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j)), with 1-based j = rank + 1.
                let value = ((m - rank as f64) * p[i]).min(1.0);
                running_max = running_max.max(value);
                adjusted[i] = running_max;
            }
            adjusted
        }
    }
}

/// Benjamini–Yekutieli adjusted p-values (BH times `Σ 1/i`), valid under any dependence.
///
/// Not a [`Correction`] variant: the notes judge its cost (≈ 5.9× for 200 metrics) not worth it
/// for benchmark families, but it is here for reporting and comparison.
pub fn benjamini_yekutieli(p: &[f64]) -> Vec<f64> {
    let harmonic: f64 = (1..=p.len()).map(|i| 1.0 / i as f64).sum();
    step_up(&sanitised(p), harmonic)
}

/// BH-type step-up: `adj_(i) = min_{j ≥ i} min(1, c·m·p_(j)/j)`.
fn step_up(p: &[f64], c: f64) -> Vec<f64> {
    let m = p.len() as f64;
    let order = ascending(p);
    let mut adjusted = vec![0.0; p.len()];
    let mut running_min: f64 = 1.0;
    for (rank, &i) in order.iter().enumerate().rev() {
        let value = (c * m * p[i] / (rank + 1) as f64).min(1.0);
        running_min = running_min.min(value);
        adjusted[i] = running_min;
    }
    adjusted
}

/// The selection threshold λ of conditionalised Benjamini–Hochberg ([`adjust_interval_nulls`]).
pub const CONDITIONAL_LAMBDA: f64 = 0.5;

/// Fewest hypotheses for which [`adjust_interval_nulls`] conditionalises: below this a family
/// rarely holds enough hypotheses deep inside their nulls to pay for dividing by λ.
pub const CONDITIONAL_MIN_FAMILY: usize = 20;

/// Adjusted p-values of one-sided *interval* nulls (`H0: change ≤ δ`), the form of every relative
/// check: Benjamini–Hochberg conditionalised on `p ≤ λ` for families of at least
/// [`CONDITIONAL_MIN_FAMILY`] (Ellis, Pečanka & Goeman 2020, "Gaining power in multiple testing of
/// interval hypotheses via conditionalization", *Biostatistics* 21(2):e65–e79; Zhao, Small & Su
/// 2019, *JASA* 114:1291–1304). Most benchmarks of a pull request did not change: their true
/// change sits well inside the null, so their p-values are larger than uniform, and counting them
/// in `m` at full weight spends the error budget on hypotheses that could never be rejected. A
/// p-value of a null inside the interval is *uniformly conservative*: given `p ≤ λ`, `p/λ` is
/// still at least uniform. So the family is the hypotheses with `p ≤ λ`, each tested at `p/λ`;
/// the others are not rejected (adjusted p 1). Other corrections, and smaller families, are
/// [`adjust`] unchanged: Holm and Bonferroni promise control under any dependence, which the
/// conditional argument does not give.
pub fn adjust_interval_nulls(p: &[f64], correction: Correction) -> Vec<f64> {
    if correction != Correction::BenjaminiHochberg || p.len() < CONDITIONAL_MIN_FAMILY {
        return adjust(p, correction);
    }
    let p = sanitised(p);
    let selected: Vec<usize> = (0..p.len())
        .filter(|&i| p[i] <= CONDITIONAL_LAMBDA)
        .collect();
    let conditional: Vec<f64> = selected
        .iter()
        .map(|&i| p[i] / CONDITIONAL_LAMBDA)
        .collect();
    let mut adjusted = vec![1.0; p.len()];
    for (&i, q) in selected.iter().zip(step_up(&conditional, 1.0)) {
        adjusted[i] = q;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_nulls_are_conditionalised_only_for_large_bh_families() {
        // Small family, or another correction: plain adjustment.
        let small = [0.001, 0.03, 0.6];
        assert_eq!(
            adjust_interval_nulls(&small, Correction::BenjaminiHochberg),
            adjust(&small, Correction::BenjaminiHochberg)
        );
        let mut large = vec![0.9; 198];
        large.extend([0.0001, 0.2]);
        assert_eq!(
            adjust_interval_nulls(&large, Correction::Holm),
            adjust(&large, Correction::Holm)
        );
        // Large BH family: 2 of 200 below λ, so the smallest is judged among 2 at p/λ.
        let q = adjust_interval_nulls(&large, Correction::BenjaminiHochberg);
        assert!((q[198] - 0.0001 / 0.5 * 2.0).abs() < 1e-15, "{}", q[198]);
        assert!((q[199] - 0.2 / 0.5).abs() < 1e-15, "{}", q[199]);
        assert!(q[..198].iter().all(|&v| v == 1.0));
        // Plain BH would have judged it among 200.
        let plain = adjust(&large, Correction::BenjaminiHochberg);
        assert!(plain[198] > q[198] * 40.0);
        // NaN is never evidence.
        large[0] = f64::NAN;
        assert_eq!(
            adjust_interval_nulls(&large, Correction::BenjaminiHochberg)[0],
            1.0
        );
    }

    #[test]
    fn empty_family_is_empty() {
        for c in [
            Correction::BenjaminiHochberg,
            Correction::Holm,
            Correction::Bonferroni,
            Correction::None,
        ] {
            assert!(adjust(&[], c).is_empty());
        }
    }

    #[test]
    fn nan_counts_as_one_and_out_of_range_is_clamped() {
        let adj = adjust(&[f64::NAN, 0.01, 1.5, -0.2], Correction::None);
        assert_eq!(adj, vec![1.0, 0.01, 1.0, 0.0]);
        let bh = adjust(&[f64::NAN, 0.01], Correction::BenjaminiHochberg);
        assert_eq!(bh, vec![1.0, 0.02]);
    }

    #[test]
    fn single_test_is_unchanged() {
        for c in [
            Correction::BenjaminiHochberg,
            Correction::Holm,
            Correction::Bonferroni,
        ] {
            assert_eq!(adjust(&[0.03], c), vec![0.03]);
        }
    }
}
