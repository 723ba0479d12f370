//! cargo-perf-budget: a performance-budget gate for pull requests.
//!
//! The pipeline, one module a stage:
//!
//! ```text
//! import (criterion, lighthouse, k6) ─┐
//! runner (cargo bench, base worktree) ├─> model::ResultsFile ─┐
//! store (a git ref of its own)  ──────┘                       │
//! budget (budgets.toml: parse, validate) ─────────────────────┼─> budget::evaluate ─> report::Report
//! stats (Yuen, Welch, Mann–Whitney, BH)  ─────────────────────┘        │
//!                                      report (terminal, markdown, json) ─> github (comment, summary)
//! ```
//!
//! `gate` plans and carries out one `check` (where the base comes from, measuring through the
//! runners, reading the store) and `commands` wraps each subcommand around the stages.
//!
//! This crate is built as a library so its tests and benchmarks can reach the stages; the
//! library is not a stable API. The stable contracts are the command line, the budget file, the
//! results file and the JSON report (see `docs/`).
#![forbid(unsafe_code)]

pub mod budget;
pub mod cli;
pub mod commands;
pub mod gate;
pub mod github;
pub mod import;
pub mod model;
pub mod report;
pub mod runner;
pub mod stats;
pub mod store;
