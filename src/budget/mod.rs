//! The budget file (`budgets.toml`): its schema, validation with line and column for every
//! problem, and the evaluation of every rule against base and head results.

mod config;
pub mod diagnostics;
pub mod evaluate;
pub mod metric_glob;
pub mod parse;

pub use config::*;
pub use diagnostics::{Diagnostic, Snippet};
pub use metric_glob::{compile_metric_glob, compile_path_glob, GlobError, MAX_GLOB_CHARS};
pub use parse::{default_budget_path, load, parse, BudgetError};
