//! Running the tools that measure: `cargo bench` for HEAD and, interleaved, for the base commit
//! in a reused checkout of it; Lighthouse and k6 when the budget file asks `check` to run them.

pub mod cargo_bench;
pub mod criterion_cli;
mod error;
mod interrupt;
pub mod k6;
pub mod lighthouse;
mod progress;
pub mod rerun;
mod worktree;

pub use error::RunError;
pub use progress::Progress;
