//! What the user hands us, turned into runs: single LHR files, PageSpeed Insights responses
//! (`lighthouseResult`), user-flow results (`steps[].lhr`), Lighthouse CI folders
//! (`.lighthouseci/` with `lhr-<ms>.json`, or an `upload --target=filesystem` folder with
//! `manifest.json`), LHCI `manifest.json` and `assertion-results.json` files. Files are
//! recognised by content, not by name; folders by the LHCI file names in them.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::report::{describe, parse_lhr, FlowStep, Run};
use crate::import::ImportError;

/// One row of LHCI's `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LhciManifestEntry {
    #[serde(default)]
    json_path: Option<String>,
}

/// One result of LHCI's `assertion-results.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LhciAssertion {
    /// Assertion kind: `maxNumericValue`, `minScore`, `auditRan` …
    pub name: String,
    /// `<=`, `>=`, `==`.
    #[serde(default)]
    pub operator: Option<String>,
    /// The limit.
    #[serde(default)]
    pub expected: Option<Value>,
    /// Whether it held.
    pub passed: bool,
    /// The audit (`largest-contentful-paint`, `resource-summary`, `categories`).
    #[serde(default)]
    pub audit_id: Option<String>,
    /// The property within the audit (`script.size`, `performance`).
    #[serde(default)]
    pub audit_property: Option<String>,
    /// `error` or `warn`.
    #[serde(default)]
    pub level: Option<String>,
    /// The page it is about.
    #[serde(default)]
    pub url: Option<String>,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub(super) struct Inputs {
    /// Every run found, in input order.
    pub runs: Vec<Run>,
    /// LHCI assertion results, with the file they came from.
    pub assertions: Vec<(PathBuf, LhciAssertion)>,
    /// Things the user should know (files skipped).
    pub warnings: Vec<String>,
}

/// Reads every input path (files and folders).
pub(super) fn read(paths: &[PathBuf]) -> Result<Inputs, ImportError> {
    let mut inputs = Inputs::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| ImportError::io(path, e))?;
        if meta.is_dir() {
            read_folder(path, &mut inputs)?;
        } else {
            read_file(path, &mut inputs, FileRole::Any)?;
        }
    }
    Ok(inputs)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FileRole {
    /// Given by the user: any Lighthouse document.
    Any,
    /// Named by a manifest or found as `lhr-*.json`: must be a report.
    Report,
}

fn is_lhci_run_file(name: &str) -> bool {
    // LHCI's own pattern: ^lhr-\d+\.json$
    name.strip_prefix("lhr-")
        .and_then(|rest| rest.strip_suffix(".json"))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

fn read_folder(dir: &Path, inputs: &mut Inputs) -> Result<(), ImportError> {
    let mut names: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| ImportError::io(dir, e))? {
        let entry = entry.map_err(|e| ImportError::io(dir, e))?;
        if entry.path().is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    let runs: Vec<&String> = names.iter().filter(|n| is_lhci_run_file(n)).collect();
    let before = inputs.runs.len();
    if !runs.is_empty() {
        // `lhci collect` output. When `upload --target=filesystem` wrote into the same folder,
        // its *.report.json files are copies of these runs (some possibly overwritten), so the
        // raw lhr-*.json set is the complete one and the manifest is not read.
        for name in runs {
            read_file(&dir.join(name), inputs, FileRole::Report)?;
        }
    } else if names.iter().any(|n| n == "manifest.json") {
        read_file(&dir.join("manifest.json"), inputs, FileRole::Any)?;
    } else {
        for name in names.iter().filter(|n| n.ends_with(".json")) {
            if name == "assertion-results.json" || name == "links.json" {
                continue;
            }
            read_file(&dir.join(name), inputs, FileRole::Report)?;
        }
    }
    if names.iter().any(|n| n == "assertion-results.json") {
        read_file(&dir.join("assertion-results.json"), inputs, FileRole::Any)?;
    }
    if inputs.runs.len() == before {
        return Err(ImportError::Nothing(format!(
            "{}: no Lighthouse report in this folder (expected lhr-<n>.json files from `lhci collect`, a manifest.json from `lhci upload --target=filesystem`, or *.json reports)",
            dir.display()
        )));
    }
    Ok(())
}

fn read_file(path: &Path, inputs: &mut Inputs, role: FileRole) -> Result<(), ImportError> {
    let bytes =
        crate::model::input_file::read_document(path).map_err(|e| ImportError::io(path, e))?;
    read_bytes(&bytes, path, inputs, role)
}

/// Reads one document given as bytes; `path` names it (and locates a manifest's reports).
pub(super) fn read_document(bytes: &[u8], path: &Path) -> Result<Inputs, ImportError> {
    let mut inputs = Inputs::default();
    read_bytes(bytes, path, &mut inputs, FileRole::Any)?;
    Ok(inputs)
}

fn read_bytes(
    bytes: &[u8],
    path: &Path,
    inputs: &mut Inputs,
    role: FileRole,
) -> Result<(), ImportError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::format(
            path,
            "the file is empty; expected a Lighthouse JSON report (lighthouse --output=json)",
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let what = if e.is_eof() {
            "the JSON ends early (a truncated report?)"
        } else {
            "not valid JSON"
        };
        ImportError::format(path, format!("{what}: {e}"))
    })?;
    match classify(&value) {
        Kind::Report => inputs.runs.push(parse_lhr(&value, path, "", None)?),
        Kind::PageSpeed => inputs.runs.push(parse_lhr(
            &value["lighthouseResult"],
            path,
            "lighthouseResult.",
            None,
        )?),
        Kind::Flow => read_flow(&value, path, inputs)?,
        Kind::Manifest if role == FileRole::Any => read_manifest(&value, path, inputs)?,
        Kind::Assertions if role == FileRole::Any => {
            let list: Vec<LhciAssertion> =
                serde_path_to_error::deserialize(&value).map_err(|e| {
                    ImportError::field(path, e.path().to_string(), e.into_inner().to_string())
                })?;
            inputs
                .assertions
                .extend(list.into_iter().map(|a| (path.to_path_buf(), a)));
        }
        Kind::Links if role == FileRole::Any => inputs.warnings.push(format!(
            "{}: an LHCI links.json (report upload links) holds no measurements; skipped",
            path.display()
        )),
        _ => return Err(ImportError::format(path, not_lighthouse(&value))),
    }
    Ok(())
}

enum Kind {
    Report,
    PageSpeed,
    Flow,
    Manifest,
    Assertions,
    Links,
    Unknown,
}

fn classify(value: &Value) -> Kind {
    match value {
        Value::Object(o) if o.contains_key("lighthouseResult") => Kind::PageSpeed,
        Value::Object(o) if o.contains_key("steps") && !o.contains_key("audits") => Kind::Flow,
        Value::Object(o) if o.contains_key("lighthouseVersion") || o.contains_key("audits") => {
            Kind::Report
        }
        Value::Object(o)
            if !o.is_empty()
                && o.values().all(Value::is_string)
                && o.keys().all(|k| k.contains("://")) =>
        {
            Kind::Links
        }
        Value::Array(items) => match items.first() {
            Some(Value::Object(o))
                if o.contains_key("jsonPath") || o.contains_key("isRepresentativeRun") =>
            {
                Kind::Manifest
            }
            Some(Value::Object(o)) if o.contains_key("operator") && o.contains_key("passed") => {
                Kind::Assertions
            }
            _ => Kind::Unknown,
        },
        _ => Kind::Unknown,
    }
}

fn not_lighthouse(value: &Value) -> String {
    let found = match value {
        Value::Object(o) => {
            let keys: Vec<&str> = o.keys().take(6).map(String::as_str).collect();
            if keys.is_empty() {
                "an empty object".to_string()
            } else {
                format!("an object with keys {}", keys.join(", "))
            }
        }
        Value::Array(a) if a.is_empty() => "an empty array".to_string(),
        other => describe(other).to_string(),
    };
    format!(
        "not a Lighthouse report: expected a Lighthouse result (`lighthouseVersion`, `audits`), a user-flow result (`steps[].lhr`), a PageSpeed Insights response (`lighthouseResult`) or a Lighthouse CI manifest.json / assertion-results.json; found {found}"
    )
}

fn read_flow(value: &Value, path: &Path, inputs: &mut Inputs) -> Result<(), ImportError> {
    let steps = value["steps"].as_array().ok_or_else(|| {
        ImportError::field(
            path,
            "steps",
            format!(
                "expected an array of {{name, lhr}}, found {}",
                describe(&value["steps"])
            ),
        )
    })?;
    if steps.is_empty() {
        return Err(ImportError::field(
            path,
            "steps",
            "the user flow has no steps",
        ));
    }
    let mut names = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let name = match step.get("name") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            Some(other) => {
                return Err(ImportError::field(
                    path,
                    format!("steps[{i}].name"),
                    format!("expected a string, found {}", describe(other)),
                ))
            }
        };
        names.push(name);
    }
    let slugs = super::pages::unique_step_slugs(&names);
    for (i, (step, slug)) in steps.iter().zip(slugs).enumerate() {
        let lhr = step.get("lhr").ok_or_else(|| {
            ImportError::field(
                path,
                format!("steps[{i}].lhr"),
                "missing: each flow step holds a Lighthouse result",
            )
        })?;
        inputs.runs.push(parse_lhr(
            lhr,
            path,
            &format!("steps[{i}].lhr."),
            Some(FlowStep { slug }),
        )?);
    }
    Ok(())
}

fn read_manifest(value: &Value, path: &Path, inputs: &mut Inputs) -> Result<(), ImportError> {
    let entries: Vec<LhciManifestEntry> = serde_path_to_error::deserialize(value)
        .map_err(|e| ImportError::field(path, e.path().to_string(), e.into_inner().to_string()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut seen: Vec<String> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let Some(json_path) = &entry.json_path else {
            return Err(ImportError::field(
                path,
                format!("[{i}].jsonPath"),
                "missing",
            ));
        };
        // The manifest holds absolute paths of the CI machine that wrote it; the reports are
        // beside it, so only the file name counts.
        let base = json_path.rsplit(['/', '\\']).next().unwrap_or(json_path);
        if base.is_empty() || seen.iter().any(|s| s == base) {
            // Two runs that got the same file name: LHCI kept only the last one.
            continue;
        }
        seen.push(base.to_string());
        let report = dir.join(base);
        if !report.is_file() {
            return Err(ImportError::field(
                path,
                format!("[{i}].jsonPath"),
                format!(
                    "names {json_path:?}, but {base} is not beside the manifest in {}",
                    dir.display()
                ),
            ));
        }
        read_file(&report, inputs, FileRole::Report)?;
    }
    Ok(())
}
