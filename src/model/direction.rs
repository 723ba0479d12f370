//! Which way is better for a metric: latency lower, throughput and scores higher.

use serde::{Deserialize, Serialize};

/// Whether lower or higher values of a metric are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Lower is better (times, bytes, error rates).
    Lower,
    /// Higher is better (throughput, scores).
    Higher,
}

impl Direction {
    /// The name used in budget files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Lower => "lower",
            Direction::Higher => "higher",
        }
    }

    /// Orients a value so that larger means worse: the identity for lower-is-better metrics and
    /// the reciprocal for higher-is-better ones. Relative statistics run on oriented values, so a
    /// regression is always "head/base > 1" on the log scale.
    pub fn orient(self, value: f64) -> f64 {
        match self {
            Direction::Lower => value,
            Direction::Higher => 1.0 / value,
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
