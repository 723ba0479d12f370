//! k6 importer (not yet written).

use std::path::PathBuf;

use super::ImportError;
use crate::model::ResultsFile;

/// Imports k6 outputs (summary export, handleSummary JSON, NDJSON stream; recognised by
/// content) under the label `name`.
pub fn import(files: &[PathBuf], name: &str) -> Result<ResultsFile, ImportError> {
    Err(ImportError::Nothing(format!(
        "{} files for {name}: k6 import is not available yet",
        files.len()
    )))
}
