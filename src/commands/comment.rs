//! `comment` (not yet written).

use super::Outcome;
use crate::cli::{CommentArgs, GlobalArgs};

/// Runs `comment`.
pub fn run(_args: &CommentArgs, _global: &GlobalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`comment` is not available in this build yet")
}
