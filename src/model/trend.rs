//! Stored trends: one value of a metric per commit ([`TrendPoint`], what the report carries for
//! charts of regressed metrics) and the walked history narrowed to chosen metrics
//! ([`HistoryView`], what `history` renders).

use serde::{Deserialize, Serialize};

use super::{Direction, Unit};

/// One stored value of a metric on one commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// The commit (full SHA).
    pub commit: String,
    /// The metric's summary value on that commit.
    pub value: f64,
}

/// A metric shown in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewMetric {
    /// Metric id.
    pub id: String,
    /// Unit of its values (the newest run's; older values in another unit of the same dimension
    /// are converted).
    pub unit: Unit,
    /// Which way is better.
    pub direction: Direction,
}

/// One stored run (commit and suite) with the chosen metrics' values.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewRow {
    /// Full SHA.
    pub commit: String,
    /// First line of the commit message.
    pub subject: String,
    /// Commit time (RFC 3339).
    pub commit_time: String,
    /// Suite.
    pub suite: String,
    /// Measurement time from the results, when known.
    pub time: Option<String>,
    /// Values parallel to [`HistoryView::metrics`]; `None` where the run lacks the metric.
    pub values: Vec<Option<f64>>,
}

/// The chosen metrics along the walked history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryView {
    /// The commit the walk started from.
    pub start: String,
    /// The metrics, by id.
    pub metrics: Vec<ViewMetric>,
    /// Runs, newest first.
    pub rows: Vec<ViewRow>,
    /// Problems to show: unreadable entries, where the walk stopped, unit changes.
    pub notes: Vec<String>,
}

impl HistoryView {
    /// One metric's values with the index of their row, oldest first.
    pub fn series(&self, metric: usize) -> Vec<(usize, f64)> {
        self.rows
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(r, row)| row.values.get(metric).copied().flatten().map(|v| (r, v)))
            .collect()
    }

    pub(crate) fn suites(&self) -> Vec<&str> {
        let mut s: Vec<&str> = self.rows.iter().map(|r| r.suite.as_str()).collect();
        s.sort_unstable();
        s.dedup();
        s
    }

    pub(crate) fn commit_count(&self) -> usize {
        let mut c: Vec<&str> = self.rows.iter().map(|r| r.commit.as_str()).collect();
        c.dedup();
        c.len()
    }
}
