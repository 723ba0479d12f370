//! `compare` (not yet written).

use super::Outcome;
use crate::cli::{CompareArgs, GlobalArgs};

/// Runs `compare`.
pub fn run(_args: &CompareArgs, _global: &GlobalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`compare` is not available in this build yet")
}
