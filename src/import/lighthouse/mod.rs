//! Lighthouse importer: Lighthouse results (LHR, Lighthouse 9 to 13), PageSpeed Insights
//! responses, user-flow results and Lighthouse CI folders → one results file.
//!
//! # Metric ids
//!
//! `lighthouse/<name>/<audit-id>` for the metric audits (FCP, LCP, SI, TBT, CLS, TTI,
//! max-potential-fid, server-response-time, INP, FMP while it existed, any other audit in a
//! category's `metrics` group) and for four informative audits that measure the page itself
//! (`total-byte-weight`, `dom-size`, `mainthread-work-breakdown`, `bootup-time`); savings estimates
//! and network diagnostics are not metrics. Units follow `numericUnit` (`millisecond` → ms,
//! `unitless` → 1, `byte` → B, `element` → count); lower is better. `experimental-interaction-
//! to-next-paint` (Lighthouse 9.6–10) is imported as `interaction-to-next-paint`.
//! `lighthouse/<name>/score/<category>` (0–1, higher is better) for every category with a
//! weighted audit (snapshot mode's performance score, a meaningless 0, is skipped).
//! `lighthouse/<name>/resources/<type>/{bytes,count}` from the `resource-summary` rows
//! (transfer size, request count; lower is better).
//!
//! # Runs, pages and steps
//!
//! Every report is one run. Runs are grouped by page (`requestedUrl`, else the final URL);
//! the runs of one page become the samples of each metric ([`SampleKind::Runs`], in `fetchTime`
//! order) and the metric's value is their median. A page is the URL's path and query: scheme,
//! host and port are left out, so runs of one path served on different ports or hosts (a retried
//! run on a new free port) are runs of one page with the same ids, and a warning names the
//! origins. The same run given twice (same page and
//! `fetchTime`, e.g. `lhr-*.json` and its `*.report.json` copy) counts once. When one import holds
//! several pages, each page's ids get a label: `lighthouse/<name>/<page-label>/<audit-id>`, with
//! the label derived from the URL path (`pages.rs`: `/` → `root`, `/blog/post-1/` →
//! `blog-post-1`; the query is added when paths collide). User flows always get one label
//! a step, the slug of the step name: `lighthouse/<name>/<step-slug>/…`; several flow files are
//! runs of the same flow. Runs of one page with different `formFactor` or `throttlingMethod`
//! cannot be pooled: that is an import error. [`import_filtered`] keeps only the runs of one URL.
//!
//! # Failed runs
//!
//! A run with a `runtimeError` (other than Lighthouse ≤ 4's `NO_ERROR`), or whose performance
//! score is null (a weighted metric errored, e.g. `NO_LCP`), is a failed run. It is never a
//! sample, and it never passes the gate:
//!
//! - when every run of a page failed, every metric of that page is present with
//!   `failure = "<LH error code>: <message> (<file>)"` and a placeholder value of 0 (the value is
//!   not data; evaluation fails every rule on such a metric and names the reason);
//! - when some runs failed and others succeeded, the successful runs still give the value and
//!   samples (so the report shows what was measured), but every metric of the page is also
//!   marked with `failure = "1 of 3 runs failed: <code>: <message> (<file>)"`. A page that fails
//!   to load one time in three has a problem, or the measurement does: either way a demanding
//!   user wants the gate to stop and say so, not to quietly drop the run. Re-run, or remove
//!   the failed report, to gate on the rest.
//!
//! Every failed run is also listed in `ResultsFile.warnings`. A metric audit that errored in
//! every successful run (its category score was not affected) is present with `failure` naming
//! the audit's error; one that errored in some runs has fewer samples and a warning.
//! Lighthouse's own `runWarnings` are passed on as warnings. LHCI `assertion-results.json` (in
//! an LHCI folder, or given as a file) is imported as tool thresholds on our ids
//! (`maxNumericValue <= 2500` on `…/largest-contentful-paint`, `resource-summary` `script.size`
//! on `…/resources/script/bytes`); `warn`-level assertions say so in the expression.

mod inputs;
mod pages;
mod report;

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::ImportError;
use crate::model::{Metric, ResultsFile, SampleKind, ToolThreshold};
use inputs::LhciAssertion;
use report::{Page, Run};

/// Imports Lighthouse reports (runs of one page), flow reports, PageSpeed Insights responses or
/// Lighthouse CI folders under the label `name`. See the module documentation for the ids.
pub fn import(files: &[PathBuf], name: &str) -> Result<ResultsFile, ImportError> {
    import_filtered(files, name, None)
}

/// Like [`import`], keeping only the runs of `url` (matched against `requestedUrl`,
/// `mainDocumentUrl`, `finalDisplayedUrl` and `finalUrl`, after URL normalisation): the
/// `[[lighthouse]] url` filter for a Lighthouse CI folder that holds several pages. Flow steps
/// are not filtered. No run of `url` is an error listing the URLs that were found.
pub fn import_filtered(
    files: &[PathBuf],
    name: &str,
    url: Option<&str>,
) -> Result<ResultsFile, ImportError> {
    if files.is_empty() {
        return Err(ImportError::Nothing(format!(
            "no Lighthouse report given for {name:?}"
        )));
    }
    let read = inputs::read(files)?;
    convert(read, name, url, &list_paths(files))
}

/// Imports one Lighthouse document given as bytes (a report, flow, PageSpeed response or LHCI
/// manifest); `path` names it in messages. For fuzzing and for reading standard input.
pub fn import_document(
    bytes: &[u8],
    path: &std::path::Path,
    name: &str,
) -> Result<ResultsFile, ImportError> {
    let read = inputs::read_document(bytes, path)?;
    convert(read, name, None, &path.display().to_string())
}

fn convert(
    read: inputs::Inputs,
    name: &str,
    url: Option<&str>,
    sources: &str,
) -> Result<ResultsFile, ImportError> {
    let mut warnings = read.warnings;
    let mut runs = read.runs;
    if runs.is_empty() {
        return Err(ImportError::Nothing(format!(
            "no Lighthouse run in {sources}"
        )));
    }

    if let Some(url) = url {
        let wanted = normalise_url(url);
        let found: Vec<String> = distinct(runs.iter().filter_map(|r| r.label_url.clone()));
        runs.retain(|r| match r.page {
            Page::FlowStep { .. } => true,
            Page::Url { .. } => r.urls.iter().any(|u| normalise_url(u) == wanted),
        });
        if runs.is_empty() {
            return Err(ImportError::Nothing(format!(
                "no Lighthouse run of {url} in {sources}; the reports are of {}",
                found.join(", ")
            )));
        }
    }

    let groups = group_runs(runs, &mut warnings);
    check_comparable(&groups)?;
    let labels = page_labels(&groups);

    let mut results = ResultsFile::new();
    let mut latest: Option<jiff::Timestamp> = None;
    let mut page_prefixes: Vec<(Vec<String>, String)> = Vec::new();
    for ((page, runs), label) in groups.iter().zip(&labels) {
        let prefix = match label {
            Some(l) => format!("lighthouse/{name}/{l}/"),
            None => format!("lighthouse/{name}/"),
        };
        let shown = prefix.trim_end_matches('/').to_string();
        if let Page::Url { key } = page {
            let origins = distinct(
                runs.iter()
                    .filter_map(|r| r.label_url.as_deref().and_then(pages::origin)),
            );
            if origins.len() > 1 {
                warnings.push(format!(
                    "{shown}: the runs of {key} were served from {} origins ({}); ids leave out host and port, so they are runs of one page. If these are different sites, import each under its own name (or set `url` in its [[lighthouse]] table)",
                    origins.len(),
                    origins.join(", ")
                ));
            }
        }
        for run in runs {
            if let Some(t) = run.fetch_time.as_deref().and_then(|t| t.parse().ok()) {
                latest = latest.max(Some(t));
            }
            warnings.extend(run.notes.iter().cloned());
            if let Some(f) = &run.failure {
                warnings.push(format!(
                    "{}: Lighthouse run of {} failed and is not a sample: {}",
                    run.file.display(),
                    describe_page(page, run),
                    f.describe()
                ));
            }
        }
        warnings.extend(run_warnings(&shown, runs));
        let versions = distinct(runs.iter().map(|r| r.version.clone()));
        let majors = distinct(
            versions
                .iter()
                .map(|v| v.split('.').next().unwrap_or("").to_string()),
        );
        if majors.len() > 1 {
            warnings.push(format!(
                "{shown}: runs come from Lighthouse {}; scores and metrics change between major versions",
                versions.join(", ")
            ));
        }
        results
            .metrics
            .extend(page_metrics(&prefix, &shown, runs, &mut warnings)?);
        page_prefixes.push((
            distinct(
                runs.iter()
                    .flat_map(|r| r.urls.iter().map(|u| normalise_url(u))),
            ),
            prefix,
        ));
    }

    results.thresholds = thresholds(&read.assertions, &page_prefixes, url, &mut warnings);
    if let Some(t) = latest {
        results.time = Some(t.to_string());
    }
    results.warnings = warnings;
    ImportError::check_output(results, std::path::Path::new(sources))
}

fn list_paths(files: &[PathBuf]) -> String {
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    shown.join(", ")
}

fn distinct(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// `http://Example.com` and `http://example.com/` are the same page.
fn normalise_url(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(mut u) => {
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.trim().to_string(),
    }
}

fn describe_page(page: &Page, run: &Run) -> String {
    match page {
        Page::FlowStep { slug } => format!("flow step {slug}"),
        Page::Url { .. } => run.label_url.clone().unwrap_or_else(|| "(no URL)".into()),
    }
}

/// Groups runs by page in order of first appearance; runs in `fetchTime` order; the same run
/// given twice counts once.
fn group_runs(runs: Vec<Run>, warnings: &mut Vec<String>) -> Vec<(Page, Vec<Run>)> {
    let mut groups: Vec<(Page, Vec<Run>)> = Vec::new();
    for run in runs {
        let i = match groups.iter().position(|(p, _)| *p == run.page) {
            Some(i) => i,
            None => {
                groups.push((run.page.clone(), Vec::new()));
                groups.len() - 1
            }
        };
        let group = &mut groups[i].1;
        if let Some(same) = group
            .iter()
            .find(|r| r.fetch_time.is_some() && r.fetch_time == run.fetch_time)
        {
            warnings.push(format!(
                "{}: the same Lighthouse run as {} (same page and fetchTime {}); counted once",
                run.file.display(),
                same.file.display(),
                run.fetch_time.as_deref().unwrap_or("")
            ));
            continue;
        }
        group.push(run);
    }
    for (_, runs) in &mut groups {
        runs.sort_by(|a, b| {
            a.fetch_time
                .cmp(&b.fetch_time)
                .then_with(|| a.file.cmp(&b.file))
        });
    }
    groups
}

/// Mobile and desktop scores use different curves, and simulated and applied throttling give
/// different numbers: pooling such runs would make a median of two different measurements.
fn check_comparable(groups: &[(Page, Vec<Run>)]) -> Result<(), ImportError> {
    for (page, runs) in groups {
        let Some(first) = runs.first() else { continue };
        for run in &runs[1..] {
            let pairs = [
                (
                    "configSettings.formFactor",
                    &first.form_factor,
                    &run.form_factor,
                    "mobile and desktop scores use different scoring curves",
                ),
                (
                    "configSettings.throttlingMethod",
                    &first.throttling,
                    &run.throttling,
                    "simulated and applied throttling measure differently",
                ),
            ];
            for (field, a, b, why) in pairs {
                if let (Some(a), Some(b)) = (a, b) {
                    if a != b {
                        return Err(ImportError::field(
                            &run.file,
                            field,
                            format!(
                                "is {b:?}, but {} (a run of the same page, {}) has {a:?}; {why}, so these runs cannot be pooled: import them under different names",
                                first.file.display(),
                                describe_page(page, first)
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// `None` when the import holds one page loaded by URL; otherwise a label for each group.
fn page_labels(groups: &[(Page, Vec<Run>)]) -> Vec<Option<String>> {
    let url_pages: Vec<String> = groups
        .iter()
        .filter_map(|(p, _)| match p {
            Page::Url { key } => Some(key.clone()),
            Page::FlowStep { .. } => None,
        })
        .collect();
    if groups.len() == 1 && url_pages.len() == 1 {
        return vec![None];
    }
    let mut url_labels = pages::url_labels(&url_pages).into_iter();
    let mut labels: Vec<String> = groups
        .iter()
        .map(|(p, _)| match p {
            Page::Url { .. } => url_labels.next().unwrap_or_default(),
            Page::FlowStep { slug } => slug.clone(),
        })
        .collect();
    pages::number_duplicates(&mut labels);
    labels.into_iter().map(Some).collect()
}

/// The runs' median; with no run measured, the documented placeholder 0 (the metric then
/// carries `failure`, and no sample).
fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    crate::stats::describe::median(values)
}

/// "CODE: message (a.json, b.json); CODE2: … (c.json)": one entry per distinct reason.
fn reasons_with_files<'a>(items: impl Iterator<Item = (String, &'a Run)>) -> String {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (reason, run) in items {
        if !grouped.contains_key(&reason) {
            order.push(reason.clone());
        }
        let files = grouped.entry(reason).or_default();
        let f = run.file.display().to_string();
        if !files.contains(&f) {
            files.push(f);
        }
    }
    order
        .iter()
        .map(|r| format!("{r} ({})", grouped[r].join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn page_metrics(
    prefix: &str,
    shown: &str,
    runs: &[Run],
    warnings: &mut Vec<String>,
) -> Result<Vec<Metric>, ImportError> {
    let ok: Vec<&Run> = runs.iter().filter(|r| r.failure.is_none()).collect();
    let failed: Vec<&Run> = runs.iter().filter(|r| r.failure.is_some()).collect();
    let run_failure = if failed.is_empty() {
        None
    } else {
        let reasons = reasons_with_files(
            failed
                .iter()
                .filter_map(|r| r.failure.as_ref().map(|f| (f.describe(), *r))),
        );
        Some(match (ok.len(), runs.len()) {
            (_, 1) => reasons,
            (0, n) => format!("all {n} runs failed: {reasons}"),
            (1, n) => format!(
                "{} of {n} runs failed: {reasons}; the other run is kept as a sample, but a failed run never passes",
                n - 1
            ),
            (good, n) => format!(
                "{} of {n} runs failed: {reasons}; the {good} other runs are kept as samples, but a failed run never passes",
                n - good
            ),
        })
    };

    // Every metric the successful runs measured, in first-seen order; when every run failed,
    // every metric the failed runs would have measured, so that each budget on the page fails
    // naming the error instead of finding no metric.
    let mut order: Vec<&report::Observation> = Vec::new();
    let sources = if ok.is_empty() { &failed } else { &ok };
    for run in sources {
        for o in &run.observations {
            match order.iter().find(|x| x.suffix == o.suffix) {
                None => order.push(o),
                Some(x) if x.unit != o.unit => {
                    return Err(ImportError::field(
                        &run.file,
                        format!("metric {}", o.suffix),
                        format!(
                            "is measured in {}, but another run of the same page measures it in {}",
                            o.unit, x.unit
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }

    let mut metrics = Vec::with_capacity(order.len());
    for o in order {
        let id = format!("{prefix}{}", o.suffix);
        let mut values = Vec::new();
        let mut missing: Vec<(String, &Run)> = Vec::new();
        for run in &ok {
            match run.observations.iter().find(|x| x.suffix == o.suffix) {
                Some(x) => match &x.value {
                    Ok(v) => values.push(*v),
                    Err(why) => missing.push((why.clone(), run)),
                },
                None => missing.push(("not in this run".to_string(), run)),
            }
        }
        let failure = match &run_failure {
            Some(f) => Some(f.clone()),
            None if values.is_empty() => Some(reasons_with_files(
                missing.iter().map(|(w, r)| (w.clone(), *r)),
            )),
            None => None,
        };
        if !values.is_empty() && !missing.is_empty() {
            warnings.push(format!(
                "{id}: measured in {} of {} successful runs; {}",
                values.len(),
                ok.len(),
                reasons_with_files(missing.iter().map(|(w, r)| (w.clone(), *r)))
            ));
        }
        let value = median(&values);
        let mut metric = Metric::new(id, o.unit, o.direction, value);
        if !values.is_empty() {
            metric = metric.with_samples(SampleKind::Runs, values);
        }
        metric.failure = failure;
        metrics.push(metric);
    }
    if metrics.is_empty() {
        warnings.push(format!("{shown}: the Lighthouse runs hold no metric"));
    }
    Ok(metrics)
}

/// Lighthouse's `runWarnings` of the successful runs, once per message.
fn run_warnings(shown: &str, runs: &[Run]) -> Vec<String> {
    let ok: Vec<&Run> = runs.iter().filter(|r| r.failure.is_none()).collect();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for run in &ok {
        for w in distinct(run.run_warnings.iter().cloned()) {
            match counts.iter_mut().find(|(m, _)| *m == w) {
                Some((_, n)) => *n += 1,
                None => counts.push((w, 1)),
            }
        }
    }
    counts
        .into_iter()
        .map(|(m, n)| {
            format!(
                "{shown}: Lighthouse warned in {n} of {} runs: {m}",
                ok.len()
            )
        })
        .collect()
}

/// LHCI assertions as tool thresholds, attached to our metric ids.
fn thresholds(
    assertions: &[(PathBuf, LhciAssertion)],
    pages: &[(Vec<String>, String)],
    filter: Option<&str>,
    warnings: &mut Vec<String>,
) -> Vec<ToolThreshold> {
    let mut out = Vec::new();
    for (file, a) in assertions {
        let url = a.url.as_deref().map(normalise_url);
        if let (Some(f), Some(u)) = (filter, &url) {
            if normalise_url(f) != *u {
                continue;
            }
        }
        let prefix = match &url {
            Some(u) => pages
                .iter()
                .find(|(urls, _)| urls.contains(u))
                .map(|(_, p)| p.clone()),
            None if pages.len() == 1 => Some(pages[0].1.clone()),
            None => None,
        };
        let Some(prefix) = prefix else {
            warnings.push(format!(
                "{}: LHCI assertion {} on {} is about {}, which no imported run measured; skipped",
                file.display(),
                a.name,
                a.audit_id.as_deref().unwrap_or("?"),
                a.url.as_deref().unwrap_or("an unnamed page")
            ));
            continue;
        };
        let audit = a.audit_id.as_deref().unwrap_or("");
        let property = a.audit_property.as_deref();
        let suffix = match (audit, property) {
            ("categories", Some(cat)) => format!("score/{cat}"),
            ("resource-summary", Some(p)) => match p.rsplit_once('.') {
                Some((kind, "size")) => format!("resources/{}/bytes", pages::slug(kind)),
                Some((kind, "count")) => format!("resources/{}/count", pages::slug(kind)),
                _ => format!("resource-summary/{}", pages::slug(p)),
            },
            ("", _) => "lhci".to_string(),
            (id, _) => id.to_string(),
        };
        let expected = a
            .expected
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default();
        let mut expression = format!(
            "{} {} {}",
            a.name,
            a.operator.as_deref().unwrap_or(""),
            expected
        )
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
        if a.level.as_deref() == Some("warn") {
            expression.push_str(" (LHCI level warn)");
        }
        out.push(ToolThreshold {
            metric: format!("{prefix}{suffix}"),
            expression,
            ok: a.passed,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
    }

    #[test]
    fn urls_normalise() {
        assert_eq!(normalise_url("http://Example.com"), "http://example.com/");
        assert_eq!(
            normalise_url("http://example.com/#top"),
            "http://example.com/"
        );
    }
}
