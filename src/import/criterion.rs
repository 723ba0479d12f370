//! criterion importer (not yet written).

use std::path::Path;

use super::ImportError;
use crate::model::ResultsFile;

/// Imports a criterion output tree (`target/criterion` or a directory holding one) for one
/// baseline name (`new` is the latest run).
pub fn import(dir: &Path, baseline: &str) -> Result<ResultsFile, ImportError> {
    Err(ImportError::Nothing(format!(
        "{}: criterion import ({baseline}) is not available yet",
        dir.display()
    )))
}
