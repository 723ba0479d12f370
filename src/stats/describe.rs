//! Descriptive statistics: mean, variance, median, type-7 quantiles, trimmed and winsorized
//! summaries, and criterion-compatible Tukey outlier counts.
//!
//! Empty input (or too little for the statistic) gives NaN; callers that need a verdict check
//! the length first. Values are not checked for NaN here: the tests validate their input once.

/// Arithmetic mean; NaN for an empty slice.
///
/// Computed as `x₀ + mean(x − x₀)`: the shift keeps precision for values far from zero (log
/// nanoseconds, timestamps) and makes the mean of identical values exactly that value, so a
/// zero-variance sample never looks different from itself.
pub fn mean(x: &[f64]) -> f64 {
    let Some(&first) = x.first() else {
        return f64::NAN;
    };
    let shifted: f64 = x.iter().map(|v| v - first).sum();
    first + shifted / x.len() as f64
}

/// Sample variance with `n − 1` in the denominator; NaN for fewer than two values.
///
/// Two-pass with the compensation term of Chan, Golub and LeVeque, so rounding in the mean does
/// not leak into the variance (identical values give exactly 0).
pub fn variance(x: &[f64]) -> f64 {
    let n = x.len();
    if n < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    let (mut ss, mut s) = (0.0, 0.0);
    for v in x {
        let d = v - m;
        ss += d * d;
        s += d;
    }
    ((ss - s * s / n as f64) / (n - 1) as f64).max(0.0)
}

/// A sorted copy of `x` (total order, so NaN cannot make the sort panic).
pub fn sorted(x: &[f64]) -> Vec<f64> {
    let mut s = x.to_vec();
    s.sort_unstable_by(f64::total_cmp);
    s
}

/// Median (average of the two middle values for even n); NaN for an empty slice.
pub fn median(x: &[f64]) -> f64 {
    quantile_type7(&sorted(x), 0.5)
}

/// [`median`] by selection, reordering `x` in place (no full sort: for many medians of short
/// slices). The same value as [`median`]; NaN for an empty slice.
pub fn median_in_place(x: &mut [f64]) -> f64 {
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    let (below, mid, _) = x.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *mid;
    if n % 2 == 1 {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// Quantile of sorted data by linear interpolation between order statistics (Hyndman–Fan type 7:
/// numpy's default and criterion's `Percentiles::at`). NaN when empty or `p ∉ [0, 1]`.
pub fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 1.0 {
        return sorted[n - 1];
    }
    let rank = p * (n - 1) as f64;
    let lo = rank.floor();
    let frac = rank - lo;
    let i = lo as usize;
    if i + 1 >= n {
        return sorted[n - 1];
    }
    sorted[i] + (sorted[i + 1] - sorted[i]) * frac
}

/// Number of values cut from each end when trimming a proportion `trim` of `n` values:
/// `floor(trim · n)`, as in scipy's `trim_mean` and `ttest_ind(trim=…)`.
pub fn trim_count(n: usize, trim: f64) -> usize {
    // Plain floating-point floor, exactly like scipy's `int(n * trim)`, so `g` always agrees.
    (trim * n as f64).floor() as usize
}

fn valid_trim(trim: f64) -> bool {
    (0.0..0.5).contains(&trim)
}

/// Mean after removing `floor(trim · n)` values from each end; NaN when `trim ∉ [0, 0.5)` or
/// nothing is left.
pub fn trimmed_mean(x: &[f64], trim: f64) -> f64 {
    if !valid_trim(trim) {
        return f64::NAN;
    }
    let s = sorted(x);
    let g = trim_count(s.len(), trim);
    if s.len() <= 2 * g {
        return f64::NAN;
    }
    mean(&s[g..s.len() - g])
}

/// Winsorized variance (`n − 1` denominator): the `g = floor(trim · n)` smallest values are
/// replaced by the next one up and the `g` largest by the next one down. NaN when
/// `trim ∉ [0, 0.5)` or fewer than two values.
pub fn winsorized_variance(x: &[f64], trim: f64) -> f64 {
    if !valid_trim(trim) {
        return f64::NAN;
    }
    winsorized_variance_sorted(&sorted(x), trim_count(x.len(), trim))
}

/// Winsorized variance of already sorted data with `g` values replaced at each end.
pub(crate) fn winsorized_variance_sorted(s: &[f64], g: usize) -> f64 {
    let n = s.len();
    if n < 2 || n <= 2 * g {
        return f64::NAN;
    }
    let (lo, hi) = (s[g], s[n - g - 1]);
    // Not `clamp`: it panics when a bound is NaN, and this function does not vet its input.
    let w: Vec<f64> = s.iter().map(|&v| v.max(lo).min(hi)).collect();
    variance(&w)
}

/// Counts of Tukey outliers, as criterion reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct OutlierCounts {
    /// Below `Q1 − 3·IQR`.
    pub low_severe: usize,
    /// Between `Q1 − 3·IQR` and `Q1 − 1.5·IQR`.
    pub low_mild: usize,
    /// Between `Q3 + 1.5·IQR` and `Q3 + 3·IQR`.
    pub high_mild: usize,
    /// Above `Q3 + 3·IQR`.
    pub high_severe: usize,
}

impl OutlierCounts {
    /// All outliers, mild and severe, on both sides.
    pub fn total(&self) -> usize {
        self.low_severe + self.low_mild + self.high_mild + self.high_severe
    }
}

/// Classify values with Tukey's fences on type-7 quartiles, exactly like criterion
/// (`stats::univariate::outliers::tukey::classify`): strict inequalities, severe checked first.
/// Outliers are only counted, never removed. NaN values are not counted.
pub fn tukey_outliers(x: &[f64]) -> OutlierCounts {
    tukey_outliers_sorted(&sorted(x))
}

/// [`tukey_outliers`] for data already sorted ascending.
pub(crate) fn tukey_outliers_sorted(s: &[f64]) -> OutlierCounts {
    let mut counts = OutlierCounts::default();
    if s.is_empty() {
        return counts;
    }
    let q1 = quantile_type7(s, 0.25);
    let q3 = quantile_type7(s, 0.75);
    let iqr = q3 - q1;
    let (low_severe, low_mild) = (q1 - 3.0 * iqr, q1 - 1.5 * iqr);
    let (high_mild, high_severe) = (q3 + 1.5 * iqr, q3 + 3.0 * iqr);
    for &v in s {
        if v < low_severe {
            counts.low_severe += 1;
        } else if v > high_severe {
            counts.high_severe += 1;
        } else if v < low_mild {
            counts.low_mild += 1;
        } else if v > high_mild {
            counts.high_mild += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_by_selection_is_the_median() {
        for x in [
            vec![3.0, 1.0, 2.0],
            vec![4.0, 1.0, 3.0, 2.0],
            vec![5.0],
            vec![2.0, 2.0, 1.0, 9.0, 7.0, 7.0],
        ] {
            assert_eq!(median_in_place(&mut x.clone()), median(&x), "{x:?}");
        }
        assert!(median_in_place(&mut []).is_nan());
    }

    #[test]
    fn empty_and_tiny_inputs_are_nan() {
        assert!(mean(&[]).is_nan());
        assert!(variance(&[1.0]).is_nan());
        assert!(median(&[]).is_nan());
        assert!(quantile_type7(&[], 0.5).is_nan());
        assert!(quantile_type7(&[1.0], 1.5).is_nan());
        assert!(trimmed_mean(&[], 0.2).is_nan());
        assert!(trimmed_mean(&[1.0, 2.0], 0.5).is_nan());
        assert!(winsorized_variance(&[1.0], 0.2).is_nan());
        assert_eq!(tukey_outliers(&[]), OutlierCounts::default());
    }

    #[test]
    fn identical_values_have_exact_mean_and_zero_variance() {
        let x = [0.1; 7];
        assert_eq!(mean(&x), 0.1);
        assert_eq!(variance(&x), 0.0);
        assert_eq!(winsorized_variance(&x, 0.2), 0.0);
    }

    #[test]
    fn trimming_follows_scipy_counts() {
        assert_eq!(trim_count(10, 0.2), 2);
        assert_eq!(trim_count(9, 0.2), 1);
        assert_eq!(trim_count(100, 0.2), 20);
        assert_eq!(trim_count(4, 0.2), 0);
        // 1..=10 trimmed by 2 each end: mean of 3..=8.
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(trimmed_mean(&x, 0.2), 5.5);
        // Winsorized: [3,3,3,4,5,6,7,8,8,8].
        let w = [3.0, 3.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 8.0, 8.0];
        assert!((winsorized_variance(&x, 0.2) - variance(&w)).abs() < 1e-12);
    }

    #[test]
    fn tukey_matches_criterion_fences() {
        // Quartiles of 1..=8 (type 7): 2.75 and 6.25, IQR 3.5: mild above 11.5, severe above 16.75.
        let mut x: Vec<f64> = (1..=8).map(f64::from).collect();
        x.extend([12.0, 17.0, -20.0]);
        let s = sorted(&x);
        let (q1, q3) = (quantile_type7(&s, 0.25), quantile_type7(&s, 0.75));
        let iqr = q3 - q1;
        let c = tukey_outliers(&x);
        let expect = |v: f64, lo: f64, hi: f64| v < lo || v > hi;
        assert_eq!(
            c.total(),
            x.iter()
                .filter(|&&v| expect(v, q1 - 1.5 * iqr, q3 + 1.5 * iqr))
                .count()
        );
        assert_eq!(c.low_severe, 1);
    }
}
