//! `init` (not yet written).

use super::Outcome;
use crate::cli::{GlobalArgs, InitArgs};

/// Runs `init`.
pub fn run(_args: &InitArgs, _global: &GlobalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`init` is not available in this build yet")
}
