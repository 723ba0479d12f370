//! Importers: convert tool outputs (criterion trees, Lighthouse reports, k6 summaries and
//! streams) into the shared results model, once. Foreign serde types stay private to each file.

pub mod criterion;
pub mod k6;
pub mod lighthouse;

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

    /// A file that is not what it claims to be.
    pub fn format(path: &std::path::Path, message: impl Into<String>) -> ImportError {
        ImportError::Format {
            path: path.display().to_string(),
            message: message.into(),
        }
    }
}
