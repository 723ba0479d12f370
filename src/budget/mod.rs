//! The budget file (`budgets.toml`): its schema, validation with line and column for every
//! problem, and the evaluation of every rule against base and head results.

mod config;
pub mod evaluate;
pub mod parse;

pub use config::*;
