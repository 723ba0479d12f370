//! Budget file parsing (placeholder until the parser lands).

use std::path::{Path, PathBuf};

use super::BudgetFile;

/// Why a budget file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BudgetError(String);

/// Reads and validates a budget file.
pub fn load(path: &Path) -> Result<BudgetFile, BudgetError> {
    Err(BudgetError(format!(
        "{}: the budget parser is not available yet",
        path.display()
    )))
}

/// `budgets.toml` next to `Cargo.toml`, else in the current directory.
pub fn default_budget_path(manifest_dir: Option<&Path>) -> PathBuf {
    manifest_dir.unwrap_or(Path::new(".")).join("budgets.toml")
}
