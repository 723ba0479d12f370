//! `run` (not yet written).

use super::Outcome;
use crate::cli::{GlobalArgs, RunArgs};

/// Runs `run`.
pub fn run(_args: &RunArgs, _global: &GlobalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`run` is not available in this build yet")
}
