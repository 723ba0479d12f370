//! Run-to-run noise of a metric, estimated from stored history (the git result store) and used to
//! calibrate relative tests when base and head come from different runs.

use serde::{Deserialize, Serialize};

/// The run-to-run variance of `ln(value)` of one metric, from repeated runs on the main branch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NoiseEstimate {
    /// Variance of the per-run log summary between runs, beyond the within-run variance
    /// (σ²_run in `docs/statistics.md`; already shrunk towards the suite-wide value when the
    /// metric has few runs).
    pub log_var: f64,
    /// Degrees of freedom of the estimate (runs − 1, or more after pooling).
    pub df: f64,
    /// Runs the estimate rests on.
    pub runs: usize,
    /// Pooled within-run variance of one value's `ln` (the scatter between the several
    /// Lighthouse runs of one job), from stored runs that had 2–9 values each; 0 when none had.
    #[serde(default)]
    pub within_var: f64,
    /// Degrees of freedom of `within_var` (Σ (values − 1) over those runs; 0 when none).
    #[serde(default)]
    pub within_df: f64,
}

impl NoiseEstimate {
    /// An estimate of the run-to-run variance alone (no within-run scatter known).
    pub fn run_to_run(log_var: f64, df: f64, runs: usize) -> NoiseEstimate {
        NoiseEstimate {
            log_var,
            df,
            runs,
            within_var: 0.0,
            within_df: 0.0,
        }
    }
}

/// Noise estimates by metric id.
pub type NoiseMap = std::collections::HashMap<String, NoiseEstimate>;
