//! One Lighthouse result (LHR) → one [`Run`]: the metric audits, category scores and
//! `resource-summary` rows it measured, or the reason it failed.
//!
//! LHRs are read as untyped JSON and picked apart field by field, so that every problem names the
//! field path (`steps[1].lhr.audits.largest-contentful-paint.numericValue`) and so that the many
//! audits we do not use (tables, screenshots, insights that change every release) can never make
//! a report unreadable. The few nested objects we do use whole are mirrored by private `Lh*`
//! serde structs.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::import::ImportError;
use crate::model::{Direction, Unit};

/// The metric audits we import, with the unit to assume when a failed run does not say.
/// Order is the order of the metrics in a results file.
const METRIC_AUDITS: &[(&str, Unit)] = &[
    ("first-contentful-paint", Unit::Milliseconds),
    ("largest-contentful-paint", Unit::Milliseconds),
    ("speed-index", Unit::Milliseconds),
    ("total-blocking-time", Unit::Milliseconds),
    ("cumulative-layout-shift", Unit::Unitless),
    ("interactive", Unit::Milliseconds),
    ("max-potential-fid", Unit::Milliseconds),
    ("server-response-time", Unit::Milliseconds),
    ("interaction-to-next-paint", Unit::Milliseconds),
    ("first-meaningful-paint", Unit::Milliseconds),
    // Informative audits that measure the page itself (not savings estimates, not the network
    // of the test machine): people put budgets on page weight, DOM size and main-thread work.
    ("total-byte-weight", Unit::Bytes),
    ("dom-size", Unit::Count),
    ("mainthread-work-breakdown", Unit::Milliseconds),
    ("bootup-time", Unit::Milliseconds),
];

/// Audit ids renamed across versions, mapped to the current id so metric ids stay stable when a
/// project upgrades Lighthouse (`experimental-interaction-to-next-paint` became
/// `interaction-to-next-paint` in 11.0).
const RENAMED_AUDITS: &[(&str, &str)] = &[(
    "experimental-interaction-to-next-paint",
    "interaction-to-next-paint",
)];

/// The `resource-summary` row types, used to name the metrics of a failed run that has no rows.
pub(super) const RESOURCE_TYPES: &[&str] = &[
    "total",
    "document",
    "script",
    "stylesheet",
    "image",
    "media",
    "font",
    "other",
    "third-party",
];

/// Where a run's metrics go: a page (grouped by URL) or a step of a user flow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Page {
    /// A page loaded by URL; runs with the same key are runs of one page.
    Url {
        /// The path and query of `requestedUrl`, else of the final URL: the grouping key. Scheme,
        /// host and port are left out, so a run served on another port (a retry, a server on a
        /// free port) is a run of the same page.
        key: String,
    },
    /// A step of a user flow, by its position-independent slug (`click-slow-button`).
    FlowStep {
        /// The slug of the step name, made unique within its flow.
        slug: String,
    },
}

/// Why a run is not a sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RunFailure {
    /// Lighthouse's error code (`CHROME_INTERSTITIAL_ERROR`, `NO_LCP`), when it gave one.
    pub code: Option<String>,
    /// Lighthouse's message, or ours when the run failed without a `runtimeError`.
    pub message: String,
}

impl RunFailure {
    /// `CODE: message`, the form used in `Metric.failure` and warnings.
    pub fn describe(&self) -> String {
        match &self.code {
            Some(code) => format!("{code}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// One value a run measured, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Observation {
    /// The metric id after `lighthouse/<name>/[<page>/]`: `largest-contentful-paint`,
    /// `score/performance`, `resources/script/bytes`.
    pub suffix: String,
    /// Unit of the value.
    pub unit: Unit,
    /// Which way is better.
    pub direction: Direction,
    /// The value, or why this run has none (the audit errored, the category score is null).
    pub value: Result<f64, String>,
}

/// One Lighthouse run of one page, or one step of a flow.
#[derive(Debug, Clone)]
pub(super) struct Run {
    /// The file it came from, for messages.
    pub file: PathBuf,
    /// What it measured.
    pub page: Page,
    /// The URLs the LHR names (requested, main document, final displayed, final), for the
    /// `url` filter and page labels.
    pub urls: Vec<String>,
    /// The URL to label the page with: requested, else final.
    pub label_url: Option<String>,
    /// `fetchTime`, used to order runs and to drop the same run given twice.
    pub fetch_time: Option<String>,
    /// `lighthouseVersion`.
    pub version: String,
    /// `configSettings.formFactor`: scores of mobile and desktop runs are not comparable.
    pub form_factor: Option<String>,
    /// `configSettings.throttlingMethod`: simulated and applied throttling are not comparable.
    pub throttling: Option<String>,
    /// Set when the run failed; then no observation is a sample.
    pub failure: Option<RunFailure>,
    /// What the run measured (for a failed run: what it would have measured, all `Err`).
    pub observations: Vec<Observation>,
    /// Lighthouse's `runWarnings`.
    pub run_warnings: Vec<String>,
    /// Things we noticed while reading it (an unknown unit on a metric audit).
    pub notes: Vec<String>,
}

/// `runtimeError`.
#[derive(Debug, Deserialize)]
struct LhRuntimeError {
    code: Option<String>,
    message: Option<String>,
}

/// One entry of `categories.<id>.auditRefs`.
#[derive(Debug, Deserialize)]
struct LhAuditRef {
    id: String,
    #[serde(default)]
    weight: Option<f64>,
    #[serde(default)]
    group: Option<String>,
}

/// One row of `audits.resource-summary.details.items`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LhResourceRow {
    resource_type: String,
    request_count: f64,
    transfer_size: f64,
}

/// Reads fields of one JSON object, naming them by their full path in errors.
struct Fields<'a> {
    file: &'a Path,
    prefix: &'a str,
}

impl Fields<'_> {
    fn path(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    fn error(&self, field: &str, message: impl Into<String>) -> ImportError {
        ImportError::field(self.file, self.path(field), message)
    }

    fn optional_str<'v>(
        &self,
        obj: &'v Map<String, Value>,
        field: &str,
    ) -> Result<Option<&'v str>, ImportError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.error(
                field,
                format!("expected a string, found {}", describe(other)),
            )),
        }
    }

    fn typed<T: serde::de::DeserializeOwned>(
        &self,
        value: &Value,
        field: &str,
    ) -> Result<T, ImportError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let inner = e.path().to_string();
            let field = if inner == "." {
                field.to_string()
            } else if inner.starts_with('[') {
                format!("{field}{inner}")
            } else {
                format!("{field}.{inner}")
            };
            self.error(&field, e.into_inner().to_string())
        })
    }
}

/// A short description of a JSON value's type for messages.
pub(super) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The step of a user flow an LHR belongs to.
pub(super) struct FlowStep {
    /// Unique slug within the flow.
    pub slug: String,
}

/// Converts one LHR (`value`, found at field path `prefix` in `file`) into a run.
pub(super) fn parse_lhr(
    value: &Value,
    file: &Path,
    prefix: &str,
    step: Option<FlowStep>,
) -> Result<Run, ImportError> {
    let root_name = prefix.trim_end_matches('.');
    let obj = value.as_object().ok_or_else(|| {
        ImportError::field(
            file,
            if root_name.is_empty() {
                "(root)"
            } else {
                root_name
            },
            format!(
                "expected a Lighthouse result object, found {}",
                describe(value)
            ),
        )
    })?;
    let f = Fields { file, prefix };

    let version = f
        .optional_str(obj, "lighthouseVersion")?
        .ok_or_else(|| f.error("lighthouseVersion", "missing: not a Lighthouse result"))?
        .to_string();
    let fetch_time = f.optional_str(obj, "fetchTime")?.map(str::to_string);

    let (urls, label_url) = urls(&f, obj)?;
    let (form_factor, throttling) = config_settings(&f, obj)?;

    let run_warnings = match obj.get("runWarnings") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|w| w.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };

    let audits = match obj.get("audits") {
        Some(Value::Object(a)) => a,
        Some(other) => {
            return Err(f.error(
                "audits",
                format!("expected an object, found {}", describe(other)),
            ))
        }
        None => return Err(f.error("audits", "missing: not a Lighthouse result")),
    };
    let empty = Map::new();
    let categories = match obj.get("categories") {
        Some(Value::Object(c)) => c,
        None | Some(Value::Null) => &empty,
        Some(other) => {
            return Err(f.error(
                "categories",
                format!("expected an object, found {}", describe(other)),
            ))
        }
    };

    let mut notes = Vec::new();
    let parsed_categories = parse_categories(&f, categories, audits)?;
    let mut observations = observations(&f, audits, &parsed_categories, &mut notes)?;

    // A null performance score means a weighted metric could not be measured (NO_LCP, a trace
    // error): the run did not measure the page, so it is a failed run even without a
    // runtimeError.
    let failure = runtime_failure(&f, obj)?.or_else(|| {
        parsed_categories
            .iter()
            .find(|c| c.id == "performance" && c.meaningful && c.score.is_none())
            .map(|c| RunFailure {
                code: c.null_code.clone(),
                message: c.null_reason.clone(),
            })
    });
    if let Some(failure) = &failure {
        // A failed report lists the audits it would have run; FMP is one of them, but from
        // 12.1 on it is never measured, so it is not a metric this page would have had.
        if !measures_fmp(&version) {
            observations.retain(|o| o.suffix != "first-meaningful-paint");
        }
        for o in &mut observations {
            o.value = Err(failure.describe());
        }
    }

    let page = match step {
        Some(step) => Page::FlowStep { slug: step.slug },
        None => Page::Url {
            key: label_url
                .as_deref()
                .map(super::pages::page_key)
                .unwrap_or_default(),
        },
    };
    Ok(Run {
        file: file.to_path_buf(),
        page,
        urls,
        label_url,
        fetch_time,
        version,
        form_factor,
        throttling,
        failure,
        observations,
        run_warnings,
        notes,
    })
}

/// Every URL the run names (requested, main document, final), and the one that labels it.
fn urls(
    f: &Fields<'_>,
    obj: &Map<String, Value>,
) -> Result<(Vec<String>, Option<String>), ImportError> {
    let mut urls = Vec::new();
    for key in [
        "requestedUrl",
        "mainDocumentUrl",
        "finalDisplayedUrl",
        "finalUrl",
    ] {
        if let Some(u) = f.optional_str(obj, key)? {
            if !urls.iter().any(|x| x == u) {
                urls.push(u.to_string());
            }
        }
    }
    let label_url = f
        .optional_str(obj, "requestedUrl")?
        .or(f.optional_str(obj, "finalDisplayedUrl")?)
        .or(f.optional_str(obj, "finalUrl")?)
        .or(f.optional_str(obj, "mainDocumentUrl")?)
        .map(str::to_string);
    Ok((urls, label_url))
}

/// The run's form factor and throttling method, from `configSettings`.
fn config_settings(
    f: &Fields<'_>,
    obj: &Map<String, Value>,
) -> Result<(Option<String>, Option<String>), ImportError> {
    let Some(Value::Object(settings)) = obj.get("configSettings") else {
        return Ok((None, None));
    };
    let sf = Fields {
        file: f.file,
        prefix: &format!("{}configSettings.", f.prefix),
    };
    // Lighthouse ≤ 6 called it `emulatedFormFactor`.
    let form = match sf.optional_str(settings, "formFactor")? {
        Some(x) => Some(x.to_string()),
        None => sf
            .optional_str(settings, "emulatedFormFactor")?
            .map(str::to_string),
    };
    let throttling = sf
        .optional_str(settings, "throttlingMethod")?
        .map(str::to_string);
    Ok((form, throttling))
}

/// The failure a `runtimeError` reports, if any.
fn runtime_failure(
    f: &Fields<'_>,
    obj: &Map<String, Value>,
) -> Result<Option<RunFailure>, ImportError> {
    let Some(err) = obj.get("runtimeError").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let err: LhRuntimeError = f.typed(err, "runtimeError")?;
    let code = err.code.unwrap_or_else(|| "UNKNOWN_ERROR".to_string());
    // Lighthouse ≤ 4 always wrote a runtimeError, with `NO_ERROR` on success.
    if code == "NO_ERROR" {
        return Ok(None);
    }
    Ok(Some(RunFailure {
        code: Some(code),
        message: err
            .message
            .unwrap_or_else(|| "Lighthouse reported a runtime error".into()),
    }))
}

/// Every value the run holds: its audits' metrics, its categories' scores, its resources.
fn observations(
    f: &Fields<'_>,
    audits: &Map<String, Value>,
    categories: &[ParsedCategory],
    notes: &mut Vec<String>,
) -> Result<Vec<Observation>, ImportError> {
    let metric_group: Vec<&str> = categories
        .iter()
        .flat_map(|c| c.metric_group.iter().map(String::as_str))
        .collect();
    let mut observations = audit_observations(f, audits, &metric_group, notes)?;
    for cat in categories {
        if cat.meaningful {
            observations.push(Observation {
                suffix: format!("score/{}", super::pages::slug(&cat.id)),
                unit: Unit::Score,
                direction: Direction::Higher,
                value: cat.score.ok_or_else(|| cat.null_reason.clone()),
            });
        }
    }
    observations.extend(resource_observations(f, audits)?);
    Ok(observations)
}

struct ParsedCategory {
    id: String,
    score: Option<f64>,
    /// False when no audit has weight > 0 (snapshot mode's performance): the score is a
    /// meaningless 0 and is not imported.
    meaningful: bool,
    /// Why the score is null, naming the weighted audits that errored.
    null_reason: String,
    /// The error code found in the first errored audit's message, if any.
    null_code: Option<String>,
    /// Audit ids of this category's `metrics` group.
    metric_group: Vec<String>,
}

fn parse_categories(
    f: &Fields<'_>,
    categories: &Map<String, Value>,
    audits: &Map<String, Value>,
) -> Result<Vec<ParsedCategory>, ImportError> {
    let mut out = Vec::new();
    for (id, cat) in categories {
        let field = format!("categories.{id}");
        let cat = cat.as_object().ok_or_else(|| {
            f.error(
                &field,
                format!("expected an object, found {}", describe(cat)),
            )
        })?;
        let score = match cat.get("score") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_f64()
                    .filter(|s| s.is_finite() && (0.0..=1.0).contains(s))
                    .ok_or_else(|| {
                        f.error(
                            &format!("{field}.score"),
                            format!("expected a number from 0 to 1 or null, found {v}"),
                        )
                    })?,
            ),
        };
        let refs: Vec<LhAuditRef> = match cat.get("auditRefs") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => f.typed(v, &format!("{field}.auditRefs"))?,
        };
        let meaningful = refs.is_empty() || refs.iter().any(|r| r.weight.unwrap_or(0.0) > 0.0);
        let errored: Vec<(&str, Option<&str>)> = refs
            .iter()
            .filter(|r| r.weight.unwrap_or(0.0) > 0.0)
            .filter_map(|r| {
                let audit = audits.get(&r.id)?.as_object()?;
                let mode = audit.get("scoreDisplayMode").and_then(Value::as_str);
                let null_score = audit.get("score").is_none_or(Value::is_null);
                (mode == Some("error") || (null_score && mode == Some("numeric"))).then(|| {
                    (
                        r.id.as_str(),
                        audit.get("errorMessage").and_then(Value::as_str),
                    )
                })
            })
            .collect();
        let null_reason = if errored.is_empty() {
            format!("the {id} score is null")
        } else {
            let list: Vec<String> = errored
                .iter()
                .map(|(a, m)| match m {
                    Some(m) => format!("{a} errored: {m}"),
                    None => format!("{a} errored"),
                })
                .collect();
            format!("the {id} score is null because {}", list.join("; "))
        };
        let null_code = errored
            .iter()
            .find_map(|(_, m)| m.and_then(trailing_error_code));
        out.push(ParsedCategory {
            id: id.clone(),
            score,
            meaningful,
            null_reason,
            null_code,
            metric_group: refs
                .iter()
                .filter(|r| r.group.as_deref() == Some("metrics"))
                .map(|r| r.id.clone())
                .collect(),
        });
    }
    Ok(out)
}

/// Whether a Lighthouse version still measures first-meaningful-paint (it is a
/// `notApplicable` stub from 12.1 and gone in 13).
fn measures_fmp(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) < (12, 1)
}

/// Lighthouse ends its error messages with the code in parentheses: `… try again. (NO_LCP)`.
fn trailing_error_code(message: &str) -> Option<String> {
    let inner = message.trim_end().strip_suffix(')')?;
    let code = &inner[inner.rfind('(')? + 1..];
    // Every Lighthouse error code has an underscore (NO_LCP, PAGE_HUNG); "(LCP)" is prose.
    (code.contains('_')
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
    .then(|| code.to_string())
}

fn canonical_audit_id(id: &str) -> &str {
    RENAMED_AUDITS
        .iter()
        .find(|(old, _)| *old == id)
        .map(|(_, new)| *new)
        .unwrap_or(id)
}

fn unit_of(numeric_unit: &str) -> Option<Unit> {
    Some(match numeric_unit {
        "millisecond" => Unit::Milliseconds,
        "unitless" => Unit::Unitless,
        "byte" => Unit::Bytes,
        "element" => Unit::Count,
        _ => return None,
    })
}

fn audit_observations(
    f: &Fields<'_>,
    audits: &Map<String, Value>,
    metric_group: &[&str],
    notes: &mut Vec<String>,
) -> Result<Vec<Observation>, ImportError> {
    // Known metric audits first, in table order, then other `metrics`-group audits by id.
    let mut wanted: Vec<(&str, &str, Option<Unit>)> = Vec::new();
    for (id, unit) in METRIC_AUDITS {
        for (raw, _) in audits.iter() {
            if canonical_audit_id(raw) == *id {
                wanted.push((raw.as_str(), id, Some(*unit)));
            }
        }
    }
    for raw in metric_group {
        let id = canonical_audit_id(raw);
        // Ids of audits we do not know become part of metric ids: they must be slugs.
        if audits.contains_key(*raw)
            && id == super::pages::slug(id)
            && !wanted.iter().any(|(_, c, _)| *c == id)
        {
            wanted.push((raw, id, None));
        }
    }

    let mut out = Vec::new();
    for (raw, id, default_unit) in wanted {
        let field = format!("audits.{raw}");
        let Some(audit) = audits.get(raw) else {
            continue;
        };
        let audit = audit.as_object().ok_or_else(|| {
            f.error(
                &field,
                format!("expected an object, found {}", describe(audit)),
            )
        })?;
        let audit_prefix = format!("{}{field}.", f.prefix);
        let af = Fields {
            file: f.file,
            prefix: &audit_prefix,
        };
        let mode = af.optional_str(audit, "scoreDisplayMode")?.unwrap_or("");
        let unit = match af.optional_str(audit, "numericUnit")? {
            Some(name) => match unit_of(name) {
                Some(u) => u,
                None => {
                    notes.push(format!(
                        "{}: audit {raw} has numericUnit {name:?}, which this version does not know; skipped",
                        f.file.display()
                    ));
                    continue;
                }
            },
            None => match default_unit {
                Some(u) => u,
                // A metrics-group audit of a future version with no unit: nothing to go on.
                None => continue,
            },
        };
        let value = match audit.get("numericValue") {
            Some(Value::Number(n)) => {
                let v = n.as_f64().filter(|v| v.is_finite() && *v >= 0.0);
                match v {
                    Some(v) => Ok(v),
                    None => {
                        return Err(f.error(
                            &format!("{field}.numericValue"),
                            format!("expected a finite non-negative number, found {n}"),
                        ))
                    }
                }
            }
            Some(Value::Null) | None => {
                if mode == "error" {
                    let message = audit
                        .get("errorMessage")
                        .and_then(Value::as_str)
                        .unwrap_or("no error message");
                    Err(format!("audit {raw} errored: {message}"))
                } else if audit.get("numericValue").is_some() && mode == "numeric" {
                    // JSON.stringify(NaN) is null: Lighthouse computed no number.
                    Err(format!("audit {raw} has numericValue null (not a number)"))
                } else {
                    // notApplicable, manual, or a mode that does not measure it.
                    continue;
                }
            }
            Some(other) => {
                return Err(f.error(
                    &format!("{field}.numericValue"),
                    format!("expected a number, found {}", describe(other)),
                ))
            }
        };
        out.push(Observation {
            suffix: id.to_string(),
            unit,
            direction: Direction::Lower,
            value,
        });
    }
    Ok(out)
}

fn resource_observations(
    f: &Fields<'_>,
    audits: &Map<String, Value>,
) -> Result<Vec<Observation>, ImportError> {
    let field = "audits.resource-summary";
    let Some(audit) = audits.get("resource-summary") else {
        // Not in Lighthouse 11.0–11.3, or excluded by onlyAudits/skipAudits.
        return Ok(Vec::new());
    };
    let audit = audit.as_object().ok_or_else(|| {
        f.error(
            field,
            format!("expected an object, found {}", describe(audit)),
        )
    })?;
    let items = audit
        .get("details")
        .and_then(Value::as_object)
        .and_then(|d| d.get("items"));
    let pair = |kind: &str, value: Result<f64, String>, unit: Unit| Observation {
        suffix: format!("resources/{kind}"),
        unit,
        direction: Direction::Lower,
        value,
    };
    let mut out = Vec::new();
    match items {
        Some(items) => {
            let rows: Vec<LhResourceRow> = f.typed(items, &format!("{field}.details.items"))?;
            let mut checked = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let at = |what: &str| format!("{field}.details.items[{i}].{what}");
                for (what, v) in [
                    ("transferSize", row.transfer_size),
                    ("requestCount", row.request_count),
                ] {
                    if !v.is_finite() || v < 0.0 {
                        return Err(f.error(
                            &at(what),
                            format!("expected a non-negative number, found {v}"),
                        ));
                    }
                }
                let kind = super::pages::slug(&row.resource_type);
                if kind.is_empty() {
                    return Err(f.error(
                        &at("resourceType"),
                        format!(
                            "expected a resource type such as \"script\", found {:?}",
                            row.resource_type
                        ),
                    ));
                }
                checked.push((kind, row));
            }
            // Lighthouse sorts rows by size, which differs from run to run; a fixed order keeps
            // results files comparable by eye.
            checked.sort_by_key(|(kind, _)| {
                RESOURCE_TYPES
                    .iter()
                    .position(|t| t == kind)
                    .unwrap_or(RESOURCE_TYPES.len())
            });
            for (kind, row) in checked {
                out.push(pair(
                    &format!("{kind}/bytes"),
                    Ok(row.transfer_size),
                    Unit::Bytes,
                ));
                out.push(pair(
                    &format!("{kind}/count"),
                    Ok(row.request_count),
                    Unit::Count,
                ));
            }
        }
        None => {
            let mode = audit.get("scoreDisplayMode").and_then(Value::as_str);
            if mode == Some("error") {
                let message = audit
                    .get("errorMessage")
                    .and_then(Value::as_str)
                    .unwrap_or("no error message");
                for kind in RESOURCE_TYPES {
                    let why = format!("audit resource-summary errored: {message}");
                    out.push(pair(
                        &format!("{kind}/bytes"),
                        Err(why.clone()),
                        Unit::Bytes,
                    ));
                    out.push(pair(&format!("{kind}/count"), Err(why), Unit::Count));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmp_is_measured_until_12_0() {
        assert!(measures_fmp("9.6.8") && measures_fmp("11.7.1") && measures_fmp("12.0.0"));
        assert!(!measures_fmp("12.1.0") && !measures_fmp("12.2.3") && !measures_fmp("13.4.1"));
    }

    #[test]
    fn finds_the_error_code_at_the_end_of_a_message() {
        assert_eq!(
            trailing_error_code("The page did not display content … try again. (NO_LCP)"),
            Some("NO_LCP".into())
        );
        assert_eq!(trailing_error_code("Largest Contentful Paint (LCP)"), None);
        assert_eq!(trailing_error_code("no code here"), None);
        assert_eq!(trailing_error_code("()"), None);
        assert_eq!(trailing_error_code("weird (a b)"), None);
    }
}
