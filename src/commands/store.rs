//! `store push` / `store fetch` (not yet written).

use super::Outcome;
use crate::cli::{GlobalArgs, StoreCommand};

/// Runs `store`.
pub fn run(_cmd: StoreCommand, _global: &GlobalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`store` is not available in this build yet")
}
