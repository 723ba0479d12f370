//! What comparing one metric gives, and the floor zero-valued metrics are compared from: shared
//! by the comparisons of every kind of metric.

use crate::model::{Dimension, Unit};
use crate::stats::compare::LogComparison;

/// What comparing one metric gave.
pub(super) enum Compared {
    /// A comparison, where its noise estimate came from, the noise margin it tested against, and
    /// the per-round changes (ratio − 1, oriented) when the round was the unit.
    Log {
        comparison: LogComparison,
        noise: String,
        margin: f64,
        rounds: Option<Vec<f64>>,
    },
    NoNoise {
        change: f64,
        method: &'static str,
        why: String,
        /// The zero floor the values were raised to, formatted, when there was one.
        floor: Option<String>,
        /// A change far beyond the budget may still fail (`no-noise-factor`); false when even
        /// that would be more confident than the data (a single interleaved round: its change
        /// is as large as the machine's swings, which nothing here has measured).
        decisive: bool,
    },
    /// Exactly the same values on both sides (`what` describes them, e.g. "0 → 0").
    Identical { what: String },
    /// Exact counts on both sides (`Metric::exact`): the change is what it is, no noise.
    Exact { change: f64 },
}

/// The smallest amount of a metric that matters, in the metric's unit, used when a side holds
/// zeros and so cannot be compared on the log scale.
///
/// Lighthouse's total blocking time and cumulative layout shift, k6's TLS handshake time on plain
/// HTTP, an error rate that was clean: zero is a common, legitimate value, and a ratio against
/// zero is undefined. Rather than give up ("inconclusive", which hides a 0 → 0.2 CLS jump) or call
/// every 0 → tiny change an infinite regression (a false alarm on the next 1 ms of TBT), relative
/// rules on zero-valued metrics compare on an absolute floor: every value below the floor counts
/// as the floor, so the change is measured as `max(head, floor) / max(base, floor) − 1`.
/// 0 → 0 (or 0 → anything below the floor) is then no change; 0 → 0.2 CLS against a 0.01 floor is
/// +1900 %, which fails a relative budget. The floors are "the least a user could notice":
/// 10 ms of time (below a frame; TBT and k6 connection phases jitter by that much), 0.01 of a
/// plain number (CLS; 1/10 of Lighthouse's "good" limit of 0.1) or a score (one Lighthouse
/// point), 0.1 % of a fraction (error rates), one count, 1 KiB of data, 1 KiB/s and 1/s.
pub(super) fn zero_floor(unit: Unit) -> f64 {
    match unit.dimension() {
        Dimension::Time => 1e7 / unit.to_base(),
        Dimension::Bytes | Dimension::ByteRate => 1024.0,
        Dimension::Rate => 1.0,
        Dimension::Fraction if unit == Unit::Fraction => 0.001,
        Dimension::Fraction => 0.01,
        Dimension::Number if unit == Unit::Count => 1.0,
        Dimension::Number => 0.01,
    }
}

impl Compared {
    /// A comparison without per-round changes.
    pub(super) fn log(comparison: LogComparison, noise: String, margin: f64) -> Compared {
        Compared::Log {
            comparison,
            noise,
            margin,
            rounds: None,
        }
    }
}
