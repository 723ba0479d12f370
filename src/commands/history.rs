//! `history` (not yet written).

use super::Outcome;
use crate::cli::{GlobalArgs, HistoryArgs};

/// Runs `history`.
pub fn run(_args: &HistoryArgs, _global: &GlobalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`history` is not available in this build yet")
}
