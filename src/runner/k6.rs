//! k6 runner (placeholder until the k6 work lands).

use std::path::Path;

use crate::budget::K6Config;
use crate::model::ResultsFile;

/// Runs or imports the k6 results a `[[k6]]` table names.
pub fn collect(
    cfg: &K6Config,
    _budget_dir: &Path,
    _quiet: bool,
) -> Result<ResultsFile, crate::import::ImportError> {
    Err(crate::import::ImportError::Nothing(format!(
        "k6 {:?}: not available in this build yet",
        cfg.name
    )))
}
