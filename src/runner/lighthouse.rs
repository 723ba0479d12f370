//! Lighthouse runner (placeholder until the Lighthouse work lands).

use std::path::Path;

use crate::budget::LighthouseConfig;
use crate::model::ResultsFile;

/// Runs or imports the Lighthouse results a `[[lighthouse]]` table names.
pub fn collect(
    cfg: &LighthouseConfig,
    _budget_dir: &Path,
    _quiet: bool,
) -> Result<ResultsFile, crate::import::ImportError> {
    Err(crate::import::ImportError::Nothing(format!(
        "Lighthouse {:?}: not available in this build yet",
        cfg.name
    )))
}
