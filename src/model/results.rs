//! The results file, `perf-budget/results/v1`: what importers write, the store keeps and
//! `compare` reads.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::echo::shorten;
use super::input_file::read_document;
use super::{Dimension, Environment, Metric, ToolThreshold, Unit};

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
    #[error("{}", schema_message(path, found))]
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
    /// Two inputs merged into one run both have this metric.
    #[error("metric {id:?} appears in more than one input")]
    Duplicate {
        /// The metric id.
        id: String,
    },
}

/// What a file with the wrong `schema` is, and what to do: a report is not results; a newer
/// results version needs a newer tool.
fn schema_message(path: &str, found: &str) -> String {
    if found == super::REPORT_SCHEMA {
        format!(
            "{path} is a report (\"{found}\"), not a results file: `compare` and `check --base` take results files (\"{RESULTS_SCHEMA}\", written by `import`, `run --results` or `check --save-head`); a report is what `comment --report` reads"
        )
    } else if found.starts_with("perf-budget/results/") {
        format!(
            "{path}: field `schema` is {found:?}; this version reads \"{RESULTS_SCHEMA}\" (upgrade cargo-perf-budget, or re-import the data)"
        )
    } else {
        format!(
            "{path}: field `schema` is {found:?}, not a results file (\"{RESULTS_SCHEMA}\", written by `import`, `run --results` or `check --save-head`)"
        )
    }
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
    /// The commit of the other side when both were measured in one job, interleaved (`check`
    /// in rerun mode): a base file names its head, a head file its base. Two files that name
    /// each other are compared as an interleaved pair, not as separate runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interleaved_with: Option<String>,
    /// The metrics.
    pub metrics: Vec<Metric>,
    /// Thresholds the tool evaluated itself (k6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<ToolThreshold>,
    /// Things the importer noticed and the user should see (skipped lines, failed runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Positions of `metrics` by id, for [`ResultsFile::metric`].
    #[serde(skip)]
    index: MetricIndex,
}

/// Where each metric id stands in `metrics`, built on the first lookup so that finding every
/// metric of a file is linear overall rather than a scan per id. `metrics` is a public field
/// that callers push to, so the index remembers the length and buffer it was built from and is
/// rebuilt when either changed; a hit is also checked against the id it claims to find. An id
/// changed in place (same length, same buffer) is only seen once a lookup of the old id or a
/// change of length rebuilds the index.
#[derive(Default)]
struct MetricIndex {
    built: std::sync::Mutex<Option<BuiltIndex>>,
}

struct BuiltIndex {
    len: usize,
    buffer: usize,
    positions: std::collections::HashMap<String, usize>,
}

impl MetricIndex {
    fn position(&self, metrics: &[Metric], id: &str) -> Option<usize> {
        let mut built = self
            .built
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let buffer = metrics.as_ptr() as usize;
        let fresh = built
            .as_ref()
            .is_some_and(|b| b.len == metrics.len() && b.buffer == buffer);
        if !fresh {
            let mut positions = std::collections::HashMap::with_capacity(metrics.len());
            for (i, m) in metrics.iter().enumerate() {
                // The first of two equal ids wins, as a scan from the front would find it.
                positions.entry(m.id.clone()).or_insert(i);
            }
            *built = Some(BuiltIndex {
                len: metrics.len(),
                buffer,
                positions,
            });
        }
        let i = *built.as_ref()?.positions.get(id)?;
        if metrics.get(i).is_some_and(|m| m.id == id) {
            Some(i)
        } else {
            // An id was changed in place after the index was built: scan, and rebuild next time.
            *built = None;
            metrics.iter().position(|m| m.id == id)
        }
    }
}

impl Clone for MetricIndex {
    fn clone(&self) -> Self {
        MetricIndex::default()
    }
}

// A cache, not data: two files with the same metrics are equal however they were looked up.
impl PartialEq for MetricIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for MetricIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricIndex")
    }
}

/// The first metric of a parsed results file that does not have the shape of a metric, as an
/// error naming its id (or its index when it has no id) and the field: serde alone would say
/// "invalid type: string, expected f64" for the whole file without saying where.
fn first_bad_metric(value: &serde_json::Value, origin: &str) -> Option<ResultsError> {
    let metrics = value.get("metrics")?.as_array()?;
    metrics.iter().enumerate().find_map(|(i, m)| {
        let err = serde_path_to_error::deserialize::<_, Metric>(m).err()?;
        let id = m
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| format!("metrics[{i}]"), |id| shorten(id).into_owned());
        let field = err.path().to_string();
        let field = if field == "." {
            String::new()
        } else {
            format!("field `{field}`: ")
        };
        Some(ResultsError::Invalid {
            path: origin.to_string(),
            id,
            message: format!("{field}{}", err.into_inner()),
        })
    })
}

/// Why `value` cannot be a measurement in `unit`, if it cannot: not finite, a negative duration,
/// size, rate or count, a fraction or score outside 0…1. Plain numbers may be anything finite.
fn impossible_value(unit: Unit, value: f64) -> Option<String> {
    if !value.is_finite() {
        return Some(format!("{value} is not a finite number"));
    }
    let what = match unit.dimension() {
        Dimension::Time => "a duration",
        Dimension::Bytes => "a size",
        Dimension::ByteRate | Dimension::Rate => "a rate",
        Dimension::Number if unit == Unit::Count => "a count",
        Dimension::Fraction if !(0.0..=1.0).contains(&value) => {
            return Some(format!(
                "{value} is outside 0…1, the range of a {}",
                if unit == Unit::Score {
                    "score"
                } else {
                    "fraction"
                }
            ))
        }
        Dimension::Fraction | Dimension::Number => return None,
    };
    (value < 0.0).then(|| {
        format!(
            "{value} {} is negative; {what} cannot be (a broken measurement or importer?)",
            unit.as_str()
        )
    })
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
            interleaved_with: None,
            metrics: Vec::new(),
            thresholds: Vec::new(),
            warnings: Vec::new(),
            index: MetricIndex::default(),
        }
    }

    /// Reads and validates a results file.
    pub fn load(path: &Path) -> Result<ResultsFile, ResultsError> {
        let bytes = read_document(path).map_err(|source| ResultsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ResultsError::Parse {
            path: path.display().to_string(),
            message: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
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
        if let Some(err) = first_bad_metric(&value, origin) {
            return Err(err);
        }
        let file: ResultsFile = serde_json::from_value(value).map_err(|e| ResultsError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        file.validate(origin)?;
        Ok(file)
    }

    /// Checks what loading checks: non-empty unique ids, finite values and samples that fit
    /// their unit, consistent rounds, proportions and over-dispersion; `origin` names the file.
    pub fn validate(&self, origin: &str) -> Result<(), ResultsError> {
        let mut seen = std::collections::HashSet::new();
        for m in &self.metrics {
            let invalid = |message: String| ResultsError::Invalid {
                path: origin.to_string(),
                id: shorten(&m.id).into_owned(),
                message,
            };
            if m.id.is_empty() {
                return Err(invalid("empty metric id".into()));
            }
            if !seen.insert(m.id.as_str()) {
                return Err(invalid("appears twice".into()));
            }
            if m.failure.is_none() {
                if let Some(problem) = impossible_value(m.unit, m.value) {
                    return Err(invalid(format!("field `value`: {problem}")));
                }
            }
            if let Some((i, problem)) = m
                .samples
                .iter()
                .enumerate()
                .find_map(|(i, v)| impossible_value(m.unit, *v).map(|p| (i, p)))
            {
                return Err(invalid(format!("field `samples[{i}]`: {problem}")));
            }
            if let Some((name, v)) = m.stats.iter().find(|(_, v)| !v.is_finite()) {
                return Err(invalid(format!(
                    "field `stats.{name}`: {v} is not a finite number"
                )));
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
    pub fn merge(&mut self, other: ResultsFile) -> Result<(), ResultsError> {
        if let Some(m) = other.metrics.iter().find(|m| self.metric(&m.id).is_some()) {
            return Err(ResultsError::Duplicate { id: m.id.clone() });
        }
        if self.commit.is_none() {
            self.commit = other.commit;
        }
        if self.environment == Environment::default() {
            self.environment = other.environment;
        }
        if self.interleaved_with.is_none() {
            self.interleaved_with = other.interleaved_with;
        }
        self.metrics.extend(other.metrics);
        self.thresholds.extend(other.thresholds);
        self.warnings.extend(other.warnings);
        Ok(())
    }

    /// The metric with this id (the first, should there be two). Constant time after the first
    /// lookup, which indexes the metrics.
    pub fn metric(&self, id: &str) -> Option<&Metric> {
        let i = self.index.position(&self.metrics, id)?;
        self.metrics.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Direction;

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

    #[test]
    fn impossible_values_and_samples_are_named_with_their_field() {
        let cases = [
            (Unit::Nanoseconds, -1.0, "negative"),
            (Unit::Bytes, -5.0, "negative"),
            (Unit::PerSecond, -0.5, "negative"),
            (Unit::Count, -1.0, "negative"),
            (Unit::Fraction, 1.5, "outside 0…1"),
            (Unit::Score, -0.1, "outside 0…1"),
        ];
        for (unit, bad, says) in cases {
            let mut f = ResultsFile::new();
            f.metrics
                .push(Metric::new("criterion/a", unit, Direction::Lower, bad));
            let err = ResultsFile::from_json(&f.to_json(), "h.json")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("h.json")
                    && err.contains("criterion/a")
                    && err.contains("`value`")
                    && err.contains(says),
                "{unit}: {err}"
            );
            f.metrics[0].value = 0.5;
            f.metrics[0].samples = vec![0.5, bad];
            let err = ResultsFile::from_json(&f.to_json(), "h.json")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("`samples[1]`") && err.contains(says),
                "{unit}: {err}"
            );
        }
        // Zero is a real measurement (no blocking time, no failed requests); plain numbers may
        // be negative.
        let mut f = ResultsFile::new();
        f.metrics.push(Metric::new(
            "lighthouse/home/tbt",
            Unit::Milliseconds,
            Direction::Lower,
            0.0,
        ));
        f.metrics.push(Metric::new(
            "criterion/delta",
            Unit::Unitless,
            Direction::Lower,
            -3.0,
        ));
        ResultsFile::from_json(&f.to_json(), "ok.json").unwrap();
    }

    #[test]
    fn lookups_follow_pushes_in_place_renames_and_duplicates() {
        let mut f = ResultsFile::new();
        for i in 0..100 {
            f.metrics.push(Metric::new(
                format!("m/{i}"),
                Unit::Count,
                Direction::Lower,
                i as f64,
            ));
        }
        assert_eq!(f.metric("m/42").map(|m| m.value), Some(42.0));
        assert!(f.metric("m/100").is_none());
        f.metrics
            .push(Metric::new("m/100", Unit::Count, Direction::Lower, 100.0));
        assert_eq!(f.metric("m/100").map(|m| m.value), Some(100.0));
        f.metrics[5].id = "renamed".into();
        assert!(f.metric("m/5").is_none());
        f.metrics.swap(1, 2);
        assert_eq!(f.metric("m/1").map(|m| m.value), Some(1.0));
        f.metrics
            .push(Metric::new("m/7", Unit::Count, Direction::Lower, -1.0));
        assert_eq!(
            f.metric("m/7").map(|m| m.value),
            Some(7.0),
            "the first of two wins"
        );
        let copy = f.clone();
        assert_eq!(copy, f);
        assert_eq!(copy.metric("m/99").map(|m| m.value), Some(99.0));
    }
}
