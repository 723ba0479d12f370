//! `import` (not yet written).

use super::Outcome;
use crate::cli::{GlobalArgs, ImportCommand};

/// Runs `import`.
pub fn run(_cmd: ImportCommand, _global: &GlobalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`import` is not available in this build yet")
}
