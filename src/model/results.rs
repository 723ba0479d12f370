//! The results file, `perf-budget/results/v1`: what importers write, the store keeps and
//! `compare` reads.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Environment, Metric, ToolThreshold};

/// Schema tag of the current results format.
pub const RESULTS_SCHEMA: &str = "perf-budget/results/v1";

/// Why a results file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON or does not have the expected shape.
    #[error("{path}: not a results file: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What was wrong, with line and column.
        message: String,
    },
    /// The file names a schema this version does not know.
    #[error("{path}: field `schema` is {found:?}; this version reads \"{RESULTS_SCHEMA}\" (upgrade cargo-perf-budget, or re-import the data)")]
    Schema {
        /// The file.
        path: String,
        /// The schema found.
        found: String,
    },
    /// A metric holds a value that is not data.
    #[error("{path}: metric {id:?}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The metric id.
        id: String,
        /// What was wrong.
        message: String,
    },
}

/// A set of metrics measured on one commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResultsFile {
    /// Always [`RESULTS_SCHEMA`] when written by this version.
    pub schema: String,
    /// The commit measured, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// When it was measured (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Suite name, so several jobs can keep separate results for one commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// Where it was measured.
    #[serde(default)]
    pub environment: Environment,
    /// The metrics.
    pub metrics: Vec<Metric>,
    /// Thresholds the tool evaluated itself (k6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<ToolThreshold>,
    /// Things the importer noticed and the user should see (skipped lines, failed runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Default for ResultsFile {
    fn default() -> Self {
        ResultsFile::new()
    }
}

impl ResultsFile {
    /// An empty results file stamped with the current time.
    pub fn new() -> ResultsFile {
        ResultsFile {
            schema: RESULTS_SCHEMA.to_string(),
            commit: None,
            time: Some(jiff::Timestamp::now().to_string()),
            suite: None,
            environment: Environment::default(),
            metrics: Vec::new(),
            thresholds: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Reads and validates a results file.
    pub fn load(path: &Path) -> Result<ResultsFile, ResultsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ResultsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        ResultsFile::from_json(&text, &path.display().to_string())
    }

    /// Parses and validates a results file from text; `origin` names it in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<ResultsFile, ResultsError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ResultsError::Parse {
                path: origin.to_string(),
                message: e.to_string(),
            })?;
        match value.get("schema").and_then(|s| s.as_str()) {
            Some(RESULTS_SCHEMA) => {}
            Some(other) => {
                return Err(ResultsError::Schema { path: origin.to_string(), found: other.to_string() })
            }
            None => {
                return Err(ResultsError::Parse {
                    path: origin.to_string(),
                    message: format!(
                        "field `schema` is missing; expected \"{RESULTS_SCHEMA}\" (a raw tool output? use `cargo perf-budget import`)"
                    ),
                })
            }
        }
        let file: ResultsFile = serde_json::from_value(value).map_err(|e| ResultsError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        file.validate(origin)?;
        Ok(file)
    }

    fn validate(&self, origin: &str) -> Result<(), ResultsError> {
        let mut seen = std::collections::HashSet::new();
        for m in &self.metrics {
            let invalid = |message: String| ResultsError::Invalid {
                path: origin.to_string(),
                id: m.id.clone(),
                message,
            };
            if m.id.is_empty() {
                return Err(invalid("empty metric id".into()));
            }
            if !seen.insert(m.id.as_str()) {
                return Err(invalid("appears twice".into()));
            }
            if m.failure.is_none() && !m.value.is_finite() {
                return Err(invalid(format!("value {} is not a finite number", m.value)));
            }
            if let Some(bad) = m.samples.iter().find(|v| !v.is_finite()) {
                return Err(invalid(format!("sample {bad} is not a finite number")));
            }
            if !m.rounds.is_empty() && m.rounds.len() != m.samples.len() {
                return Err(invalid("`rounds` and `samples` differ in length".into()));
            }
            if let Some(p) = m.proportion {
                if p.failures > p.total {
                    return Err(invalid(format!(
                        "`proportion`: {} failures of {} events; expected failures ≤ total",
                        p.failures, p.total
                    )));
                }
            }
            if let Some(o) = m.overdispersion {
                if !(o.factor.is_finite() && o.factor >= 0.0 && o.df.is_finite() && o.df > 0.0) {
                    return Err(invalid(format!(
                        "`overdispersion`: factor {} with {} df; expected a factor ≥ 0 and df > 0",
                        o.factor, o.df
                    )));
                }
            }
        }
        Ok(())
    }

    /// Pretty JSON text of this file.
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Writes the file, creating parent directories.
    pub fn save(&self, path: &Path) -> Result<(), ResultsError> {
        let io = |source| ResultsError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(path, self.to_json()).map_err(io)
    }

    /// Adds another file's metrics (several importers or jobs into one). A metric id that
    /// exists in both is an error: silently keeping one would lose data.
    pub fn merge(&mut self, other: ResultsFile) -> Result<(), String> {
        for m in &other.metrics {
            if self.metrics.iter().any(|x| x.id == m.id) {
                return Err(format!("metric {:?} appears in more than one input", m.id));
            }
        }
        if self.commit.is_none() {
            self.commit = other.commit;
        }
        if self.environment == Environment::default() {
            self.environment = other.environment;
        }
        self.metrics.extend(other.metrics);
        self.thresholds.extend(other.thresholds);
        self.warnings.extend(other.warnings);
        Ok(())
    }

    /// The metric with this id.
    pub fn metric(&self, id: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Unit};

    #[test]
    fn round_trips_and_rejects_unknown_schema() {
        let mut f = ResultsFile::new();
        f.metrics.push(Metric::new(
            "criterion/a",
            Unit::Nanoseconds,
            Direction::Lower,
            1.0,
        ));
        let back = ResultsFile::from_json(&f.to_json(), "x.json").unwrap();
        assert_eq!(back, f);
        let other = f
            .to_json()
            .replace(RESULTS_SCHEMA, "perf-budget/results/v9");
        let err = ResultsFile::from_json(&other, "x.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.json") && err.contains("v9"), "{err}");
        let err = ResultsFile::from_json("{\"metrics\": []}", "y.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("y.json") && err.contains("schema"), "{err}");
    }

    #[test]
    fn impossible_counts_and_dispersions_are_named() {
        let mut f = ResultsFile::new();
        let mut m = Metric::new("k6/api/checks/rate", Unit::Fraction, Direction::Higher, 0.5);
        m.proportion = Some(crate::model::Proportion {
            failures: 5,
            total: 3,
        });
        f.metrics.push(m);
        let err = ResultsFile::from_json(&f.to_json(), "r.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("r.json")
                && err.contains("k6/api/checks/rate")
                && err.contains("5 failures of 3"),
            "{err}"
        );
        f.metrics[0].proportion = None;
        f.metrics[0].overdispersion = Some(crate::model::Overdispersion {
            factor: 2.0,
            df: 0.0,
        });
        let err = ResultsFile::from_json(&f.to_json(), "r.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("overdispersion"), "{err}");
    }
}
