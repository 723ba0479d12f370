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

#[cfg(test)]
mod tests {
    use super::*;

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
