//! The results model every stage shares: a results file (`perf-budget/results/v1`) holding the
//! commit, the environment and a list of metrics, each with an id, a unit, a direction, a summary
//! value and, when the tool gives them, its samples.
//!
//! Importers convert foreign formats into this model once; the store saves it; evaluation reads
//! two of them (base and head) and produces a [`crate::report::Report`].

mod direction;
pub mod echo;
mod environment;
pub mod input_file;
mod metric;
mod noise;
mod results;
pub mod sha;
mod trend;
mod unit;

pub use direction::Direction;
pub use environment::Environment;
pub use metric::{Metric, Overdispersion, Proportion, SampleKind, ToolThreshold};
pub use noise::{NoiseEstimate, NoiseMap};
pub use results::{ResultsError, ResultsFile, RESULTS_SCHEMA};

/// Schema tag of the JSON report (`report::Report`); here so that a results reader can tell a
/// report given by mistake without depending on the report stage.
pub const REPORT_SCHEMA: &str = "perf-budget/report/v1";
pub use trend::{HistoryView, TrendPoint, ViewMetric, ViewRow};
pub use unit::{Dimension, Quantity, Unit, UnitError};
