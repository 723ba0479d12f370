//! cargo-perf-budget: a performance-budget gate for pull requests.
//!
//! The pipeline, one module a stage:
//!
//! ```text
//! import (criterion, lighthouse, k6) ─┐
//! runner (cargo bench, base worktree) ├─> model::ResultsFile ─┐
//! store (git ref history)    ─────────┘                       │
//! budget (budgets.toml: parse, validate) ─────────────────────┼─> budget::evaluate ─> report::Report
//! stats (Yuen, Welch, Mann–Whitney, BH)  ─────────────────────┘        │
//!                                      report (terminal, markdown, json) ─> github (comment, summary)
//! ```
#![forbid(unsafe_code)]

pub mod budget;
pub mod cli;
pub mod commands;
pub mod github;
pub mod import;
pub mod model;
pub mod report;
pub mod runner;
pub mod stats;
pub mod store;
