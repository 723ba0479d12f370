//! Lighthouse importer (not yet written).

use std::path::PathBuf;

use super::ImportError;
use crate::model::ResultsFile;

/// Imports Lighthouse reports (runs of one page), flow reports or a Lighthouse CI folder under
/// the label `name`.
pub fn import(files: &[PathBuf], name: &str) -> Result<ResultsFile, ImportError> {
    Err(ImportError::Nothing(format!(
        "{} files for {name}: Lighthouse import is not available yet",
        files.len()
    )))
}
