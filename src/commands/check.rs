//! `check` (not yet written).

use super::Outcome;
use crate::cli::{CheckArgs, GlobalArgs};

/// Runs `check`.
pub fn run(_args: &CheckArgs, _global: &GlobalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`check` is not available in this build yet")
}
