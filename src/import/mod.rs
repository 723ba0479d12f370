//! Importers: convert tool outputs (criterion trees, Lighthouse reports, k6 summaries and
//! streams, hyperfine exports, libtest bench output, Bencher Metric Format and
//! github-action-benchmark custom JSON) into the shared results model, once. Foreign serde types
//! stay private to each file.

pub mod bmf;
pub mod criterion;
pub mod custom;
pub mod divan;
pub mod gungraun;
pub mod hyperfine;
mod json_keys;
pub mod k6;
pub mod libtest;
pub mod lighthouse;
pub mod runs;
pub mod sniff;
pub mod unit_names;

/// Why an import failed. Every variant names the file, and where it can, the field.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is readable but a field is missing, of the wrong type or not a finite number.
    #[error("{path}: field `{field}`: {message}")]
    Field {
        /// The file.
        path: String,
        /// The field, as a path (`times[3]`, `audits.largest-contentful-paint.numericValue`).
        field: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A file is not the format it claims to be (truncated, empty, not JSON, another tool's output).
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Nothing to import was found.
    #[error("{0}")]
    Nothing(String),
}

impl ImportError {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> ImportError {
        ImportError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// A bad field in `path`.
    pub fn field(
        path: &std::path::Path,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ImportError {
        ImportError::Field {
            path: path.display().to_string(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// Checks an importer's output with the rules every results file is read with (finite
    /// values, no negative durations, sizes or counts, fractions within 0…1), so a damaged tool
    /// output is an error naming its file and metric here rather than a results file nothing
    /// can read later.
    pub fn check_output(
        results: crate::model::ResultsFile,
        origin: &std::path::Path,
    ) -> Result<crate::model::ResultsFile, ImportError> {
        match results.validate(&origin.display().to_string()) {
            Ok(()) => Ok(results),
            Err(crate::model::ResultsError::Invalid { path, id, message }) => {
                Err(ImportError::Format {
                    path,
                    message: format!("metric {id:?}: {message}"),
                })
            }
            Err(other) => Err(ImportError::Format {
                path: origin.display().to_string(),
                message: other.to_string(),
            }),
        }
    }

    /// A file that is not what it claims to be.
    pub fn format(path: &std::path::Path, message: impl Into<String>) -> ImportError {
        ImportError::Format {
            path: path.display().to_string(),
            message: message.into(),
        }
    }
}
