//! Running the tools that measure: `cargo bench` for HEAD and, interleaved, for the base commit
//! in a reused checkout of it; Lighthouse, k6, hyperfine and divan when the budget file asks
//! `check` to run them.

pub mod cargo_bench;
pub mod criterion_cli;
pub mod divan;
mod error;
pub mod gungraun;
pub mod hyperfine;
mod interrupt;
pub mod k6;
pub mod lighthouse;
mod progress;
pub mod rerun;
pub mod shard;
pub mod size;
mod worktree;

pub use error::RunError;
pub use progress::Progress;

/// A line to stderr for the person watching a run: under GitHub Actions, workflow commands in it
/// (from a URL, a page name, a command's output) are neutralised, as everywhere the tool prints.
pub(crate) fn say(line: &str) {
    eprintln!("{}", crate::github::workflow::guard_output(line));
}
