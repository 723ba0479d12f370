//! Run-to-run noise of a metric, estimated from stored history (the git result store) and used to
//! calibrate relative tests when base and head come from different runs.

use serde::{Deserialize, Serialize};

/// The run-to-run variance of `ln(value)` of one metric, from repeated runs on the main branch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NoiseEstimate {
    /// Variance of the per-run log summary between runs, beyond the within-run variance
    /// (σ²_run in the statistics notes; already shrunk towards the suite-wide value when the
    /// metric has few runs).
    pub log_var: f64,
    /// Degrees of freedom of the estimate (runs − 1, or more after pooling).
    pub df: f64,
    /// Runs the estimate rests on.
    pub runs: usize,
}

/// Noise estimates by metric id.
pub type NoiseMap = std::collections::HashMap<String, NoiseEstimate>;
