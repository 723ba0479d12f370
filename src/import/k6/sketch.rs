//! A mergeable quantile sketch with a guaranteed relative error, for trend values beyond what the
//! stream reader keeps exactly (DDSketch's logarithmic buckets: Masson, Rim and Lee, "DDSketch: a
//! fast and fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019).
//!
//! A positive value `x` is counted in bucket `k = ⌈log_γ x⌉` with `γ = (1 + α) / (1 − α)`; the
//! bucket stands for `2γᵏ / (γ + 1)`, which is within a factor `1 ± α` of every value in it. So a
//! quantile read from the sketch is within relative error [`RELATIVE_ERROR`] of a value of the
//! right rank. Negative values are mirrored, values closer to zero than [`MIN_MAGNITUDE`] count
//! as zero. Memory is one entry per occupied bucket: about 700 for values between 0.1 ms and
//! 60 s, however many values there are. Two sketches merge by adding counts, so per-window
//! sketches give the whole series' sketch.

/// The relative error of every quantile the sketch gives (α).
pub(crate) const RELATIVE_ERROR: f64 = 0.01;

/// Magnitudes below this count as zero (k6 records ms, bytes and counts).
const MIN_MAGNITUDE: f64 = 1e-9;

/// Counts of values by logarithmic bucket.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sketch {
    zero: u64,
    /// `(bucket, count)` of positive values, sorted by bucket.
    positive: Vec<(i32, u64)>,
    /// `(bucket of |x|, count)` of negative values, sorted by bucket.
    negative: Vec<(i32, u64)>,
    count: u64,
}

fn ln_gamma() -> f64 {
    ((1.0 + RELATIVE_ERROR) / (1.0 - RELATIVE_ERROR)).ln()
}

fn bucket(magnitude: f64) -> i32 {
    // |x| ≤ 1e30 (the reader refuses larger values): at most ~3,500 buckets either way.
    (magnitude.ln() / ln_gamma()).ceil() as i32
}

fn representative(k: i32) -> f64 {
    let gamma = ln_gamma().exp();
    2.0 * (f64::from(k) * ln_gamma()).exp() / (gamma + 1.0)
}

fn bump(buckets: &mut Vec<(i32, u64)>, k: i32, n: u64) {
    match buckets.binary_search_by_key(&k, |b| b.0) {
        Ok(i) => buckets[i].1 += n,
        Err(i) => buckets.insert(i, (k, n)),
    }
}

impl Sketch {
    /// Counts one value.
    pub fn add(&mut self, x: f64) {
        self.count += 1;
        if x.abs() < MIN_MAGNITUDE {
            self.zero += 1;
        } else if x > 0.0 {
            bump(&mut self.positive, bucket(x), 1);
        } else {
            bump(&mut self.negative, bucket(-x), 1);
        }
    }

    /// A sketch of `values`.
    pub fn of(values: &[f32]) -> Sketch {
        let mut s = Sketch::default();
        for &v in values {
            s.add(f64::from(v));
        }
        s
    }

    /// Adds `other`'s counts to this sketch.
    pub fn merge(&mut self, other: &Sketch) {
        self.count += other.count;
        self.zero += other.zero;
        for &(k, n) in &other.positive {
            bump(&mut self.positive, k, n);
        }
        for &(k, n) in &other.negative {
            bump(&mut self.negative, k, n);
        }
    }

    /// How many values were counted.
    #[cfg(test)]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The value of 0-based rank `r` (ascending), within the relative error.
    fn at_rank(&self, mut r: u64) -> f64 {
        for &(k, n) in self.negative.iter().rev() {
            if r < n {
                return -representative(k);
            }
            r -= n;
        }
        if r < self.zero {
            return 0.0;
        }
        r -= self.zero;
        for &(k, n) in &self.positive {
            if r < n {
                return representative(k);
            }
            r -= n;
        }
        self.positive
            .last()
            .map_or(0.0, |&(k, _)| representative(k))
    }

    /// The `p` quantile with k6's interpolation between the closest ranks (as
    /// `stream::percentile` on exact values), each rank's value within the relative error.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let i = p.clamp(0.0, 1.0) * (self.count - 1) as f64;
        let lo = i.floor();
        let (a, b) = (self.at_rank(lo as u64), self.at_rank(i.ceil() as u64));
        Some(a + (b - a) * (i - lo))
    }

    /// Bytes this sketch holds on the heap.
    #[cfg(test)]
    pub fn heap_bytes(&self) -> usize {
        (self.positive.capacity() + self.negative.capacity()) * std::mem::size_of::<(i32, u64)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::k6::stream::percentile;

    #[test]
    fn quantiles_are_within_the_relative_error_of_exact_ones() {
        // Latency-like values over five orders of magnitude, and zeros and negatives.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut values: Vec<f32> = (0..200_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                (0.1 * (u * 11.5).exp()) as f32
            })
            .collect();
        values.extend([0.0; 500]);
        values.extend((1..=300).map(|i| -(i as f32)));
        let sketch = Sketch::of(&values);
        values.sort_unstable_by(f32::total_cmp);
        for p in [0.0, 0.001, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let exact = percentile(&values, p).unwrap();
            let estimate = sketch.quantile(p).unwrap();
            // Interpolation between two ranks each within α stays within α (plus f32 storage).
            assert!(
                (estimate - exact).abs() <= RELATIVE_ERROR * exact.abs() * 1.0001 + 1e-6,
                "p {p}: exact {exact}, sketch {estimate}"
            );
        }
        // Bounded by the range of the values, not their number.
        assert!(sketch.heap_bytes() < 64 << 10, "{}", sketch.heap_bytes());
    }

    #[test]
    fn merged_sketches_equal_the_sketch_of_all_values() {
        let a: Vec<f32> = (1..1000).map(|i| i as f32 * 0.37).collect();
        let b: Vec<f32> = (1..500).map(|i| i as f32 * 3.1).collect();
        let mut merged = Sketch::of(&a);
        merged.merge(&Sketch::of(&b));
        let all: Vec<f32> = a.iter().chain(&b).copied().collect();
        let whole = Sketch::of(&all);
        assert_eq!(merged.count(), whole.count());
        for p in [0.1, 0.5, 0.99] {
            assert_eq!(merged.quantile(p), whole.quantile(p));
        }
        assert_eq!(Sketch::default().quantile(0.5), None);
    }
}
