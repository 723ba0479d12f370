//! The JSON report, `perf-budget/report/v1`: the machine contract. Fields may be added; the
//! existing ones never change meaning.

use super::Report;

/// Renders the report as pretty JSON (non-finite numbers, which JSON cannot hold, become `null`).
pub fn render(report: &Report) -> String {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}
