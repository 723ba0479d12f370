//! `history --html`: the stored history as a self-contained static site (one `index.html` with
//! its script, style and data inlined; nothing is fetched from the network), for GitHub Pages or
//! any file server.
//!
//! The page has a summary table that needs no JavaScript (every metric with its latest value,
//! last change, level shifts, run-to-run noise, budget and the PR's value) and, drawn by the
//! inlined script, one canvas trend chart per metric and suite, grouped by suite and by the
//! id's path, drawn only when scrolled into view so that thousands of commits times hundreds of
//! metrics stay responsive. A Content-Security-Policy allows only the page's own inline script
//! and style (by hash), so the page can load nothing else.
//!
//! Renderers do no I/O: [`render`] returns the files to write.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{Direction, HistoryView, Unit};
use crate::report::format::{percent, percent_signed, short_sha};
use crate::report::Report;
use crate::store::{level_shifts, History, MetricSummary, RunSummary};

const SCRIPT: &str = include_str!("assets/dashboard.js");
const STYLE: &str = include_str!("assets/dashboard.css");

/// Two-sided 95 % normal quantile: intervals and noise bands.
const Z95: f64 = 1.959_964;

/// Significant digits kept of a stored value in the page's data (the charts cannot show more).
const VALUE_DIGITS: usize = 6;

/// One file of the site, relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Path below the output directory (`index.html`).
    pub path: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// Budget limits of one metric as charts draw them, in the metric's unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BudgetLines {
    /// An absolute upper limit with its text (`max 2 ms`).
    pub max: Option<(f64, String)>,
    /// An absolute lower limit with its text (`min 0.9`).
    pub min: Option<(f64, String)>,
    /// The relative limit against the base (0.05 for 5 %).
    pub max_regression: Option<f64>,
}

/// What the site is made from besides the history.
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    /// Budget limits by metric id.
    pub budgets: HashMap<String, BudgetLines>,
    /// The latest PR's report, whose head values are drawn after the last stored commit.
    pub report: Option<Report>,
    /// Link of a commit, `{sha}` standing for its full SHA; no links when `None`.
    pub commit_url: Option<String>,
    /// When the site was built (RFC 3339), shown in the header.
    pub generated: Option<String>,
}

/// Renders the site of `view` (which [`crate::store::history_view`] made from `history`).
pub fn render(history: &History, view: &HistoryView, options: &SiteOptions) -> Vec<SiteFile> {
    let data = build_data(history, view, options);
    let json = serde_json::to_string(&data)
        .unwrap_or_else(|_| "{}".into())
        // Inside <script>, `</script>` or `<!--` in an id or a subject would end the block.
        .replace('<', "\\u003c");
    let mut html = String::with_capacity(json.len() + SCRIPT.len() + 64 * 1024);
    let csp = format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    );
    let title = format!(
        "Performance history: {} metric{}",
        data.series.len(),
        plural(data.series.len())
    );
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = write!(
        html,
        "<header>\n<h1>Performance history</h1>\n<p class=\"headline\">{}</p>\n</header>\n<main>\n",
        esc(&data.headline)
    );
    if !data.notes.is_empty() {
        html.push_str("<section class=\"notes\" aria-label=\"Warnings\">\n<ul>\n");
        for n in &data.notes {
            let _ = writeln!(html, "<li>{}</li>", esc(n));
        }
        html.push_str("</ul>\n</section>\n");
    }
    html.push_str(
        "<noscript><p class=\"noscript\">The trend charts need JavaScript; the summary below lists every metric.</p></noscript>\n\
         <div id=\"controls\" class=\"controls\" hidden>\n\
         <label for=\"filter\">Filter metrics</label>\n\
         <input id=\"filter\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\" \
         placeholder=\"text, or a glob such as criterion/parse/*\" aria-describedby=\"filter-help\">\n\
         <output id=\"count\" for=\"filter\" aria-live=\"polite\"></output>\n\
         <p id=\"filter-help\" class=\"help\">Matches the suite and metric id; <code>*</code> and <code>?</code> make it a glob. \
         The address keeps the filter (<code>#filter=…</code>) for sharing. \
         In a chart, the arrow keys step through commits and Enter opens the selected one.</p>\n\
         </div>\n\
         <section id=\"charts\" aria-label=\"Trend charts\"></section>\n",
    );
    summary_table(&mut html, &data, options);
    commit_table(&mut html, &data, options);
    let _ = write!(
        html,
        "</main>\n<div id=\"tip\" class=\"tip\" role=\"status\" hidden></div>\n\
         <script type=\"application/json\" id=\"data\">{json}</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    vec![SiteFile {
        path: "index.html".into(),
        bytes: html.into_bytes(),
    }]
}

/// `'sha256-…'` of an inline script or style, for the Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(text.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Escapes text for HTML content and double-quoted attributes.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push('\u{FFFD}')
            }
            c => out.push(c),
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Rounds to [`VALUE_DIGITS`] significant digits (the page's data stays small).
fn round_sig(v: f64, digits: usize) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    format!("{v:.*e}", digits - 1).parse().unwrap_or(v)
}

/// The page's data, read by the inlined script (`assets/dashboard.js`).
#[derive(Debug, Serialize)]
struct Data {
    headline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    generated: Option<String>,
    /// Commits with results, oldest first: `[sha, subject, commit time]`.
    commits: Vec<[String; 3]>,
    /// Runner names that points refer to by index.
    runners: Vec<String>,
    /// Link template, `{sha}` standing for the full SHA.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// The PR's head commit, when a report was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pr: Option<String>,
    series: Vec<Series>,
    #[serde(skip)]
    notes: Vec<String>,
}

/// One metric of one suite, oldest first.
#[derive(Debug, Serialize)]
struct Series {
    id: String,
    suite: String,
    /// The id's path without its last part (`criterion/parse`): the chart's group.
    group: String,
    unit: Unit,
    direction: Direction,
    /// Commit index of each point; absent when the series has a point on every commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    x: Option<Vec<usize>>,
    /// Values, in `unit`.
    v: Vec<f64>,
    /// Half-width of each value's 95 % interval as a log ratio (0: no interval, one value).
    #[serde(skip_serializing_if = "Option::is_none")]
    h: Option<Vec<f64>>,
    /// Samples behind each value, or one count for all (`n0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n0: Option<usize>,
    /// Runner index of each point, or one for all (`r0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    r0: Option<usize>,
    /// Levels between shifts: `[first point, end point, level]`.
    seg: Vec<(usize, usize, f64)>,
    /// Level shifts: `[point index, change, 95 % low, 95 % high]` (changes as ratio − 1).
    cp: Vec<(usize, f64, f64, f64)>,
    /// Calibrated run-to-run noise: standard deviation of a run's log value.
    #[serde(skip_serializing_if = "Option::is_none")]
    noise: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bmax: Option<(f64, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bmin: Option<(f64, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mr: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pr: Option<PrPoint>,
}

/// The PR's value of a metric, from the report.
#[derive(Debug, Serialize)]
struct PrPoint {
    v: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ci: Option<[f64; 2]>,
    status: &'static str,
    n: usize,
}

/// Per view row (a stored run): its runner and, by metric id, samples and within-run variance.
struct RowDetail<'a> {
    runner: String,
    metrics: HashMap<&'a str, &'a MetricSummary>,
}

fn runner_name(run: &RunSummary) -> String {
    let e = &run.environment;
    e.runner
        .clone()
        .or_else(|| e.cpu_model.clone())
        .or_else(|| match (&e.os, &e.arch) {
            (Some(o), Some(a)) => Some(format!("{o} {a}")),
            (Some(o), None) => Some(o.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "unknown".into())
}

fn build_data(history: &History, view: &HistoryView, options: &SiteOptions) -> Data {
    // `history_view` makes one row per stored run, in the walk's order.
    let runs: Vec<&RunSummary> = history.commits.iter().flat_map(|c| &c.runs).collect();
    let details = row_details(&runs, view);
    let (commits, commit_of_row) = commits_oldest_first(view);
    let mut runners: Vec<String> = Vec::new();
    let mut runner_index: HashMap<&str, usize> = HashMap::new();
    for d in &details {
        if !runner_index.contains_key(d.runner.as_str()) {
            runner_index.insert(&d.runner, runners.len());
            runners.push(d.runner.clone());
        }
    }
    let rows = Rows {
        view,
        details: &details,
        commit_of_row: &commit_of_row,
        commits: commits.len(),
        runner_index: &runner_index,
    };
    let noise = calibrated_noise(&runs);
    let report: HashMap<&str, &crate::report::MetricResult> = options
        .report
        .iter()
        .flat_map(|r| r.results.iter().map(|m| (m.id.as_str(), m)))
        .collect();
    let suites = view.suites();
    let mut series = Vec::new();
    for (i, m) in view.metrics.iter().enumerate() {
        for suite in &suites {
            let Some(mut one) = rows.series(i, suite) else {
                continue;
            };
            let budget = options.budgets.get(&m.id).cloned().unwrap_or_default();
            one.noise = noise
                .get(&(*suite, m.id.clone()))
                .map(|sd| round_sig(*sd, 3));
            one.bmax = budget.max;
            one.bmin = budget.min;
            one.mr = budget.max_regression;
            one.pr = report
                .get(m.id.as_str())
                .and_then(|res| pr_point(res, m.unit));
            series.push(one);
        }
    }
    // Grouped by suite, then by the id's path.
    series.sort_by(|a, b| {
        (a.suite.as_str(), a.group.as_str(), a.id.as_str()).cmp(&(
            b.suite.as_str(),
            b.group.as_str(),
            b.id.as_str(),
        ))
    });
    Data {
        headline: headline(view, commits.len(), &suites, options),
        generated: options.generated.clone(),
        commits,
        runners,
        url: options.commit_url.clone(),
        pr: options.report.as_ref().and_then(|r| r.head.commit.clone()),
        series,
        notes: view.notes.clone(),
    }
}

/// Each view row's runner and stored metric summaries (the view has one row per stored run, in
/// the order of `runs`).
fn row_details<'a>(runs: &[&'a RunSummary], view: &HistoryView) -> Vec<RowDetail<'a>> {
    view.rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let run = runs
                .get(i)
                .copied()
                .filter(|r| r.commit == row.commit && r.suite == row.suite);
            RowDetail {
                runner: run.map(runner_name).unwrap_or_else(|| "unknown".into()),
                metrics: run
                    .map(|r| r.metrics.iter().map(|m| (m.id.as_str(), m)).collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The commits, oldest first (`[sha, subject, commit time]`), and the commit index of each row.
fn commits_oldest_first(view: &HistoryView) -> (Vec<[String; 3]>, Vec<usize>) {
    let mut commits: Vec<[String; 3]> = Vec::new();
    let mut commit_of_row = vec![0; view.rows.len()];
    for (r, row) in view.rows.iter().enumerate().rev() {
        if commits.last().is_none_or(|c| c[0] != row.commit) {
            commits.push([
                row.commit.clone(),
                row.subject.clone(),
                row.commit_time.clone(),
            ]);
        }
        commit_of_row[r] = commits.len() - 1;
    }
    (commits, commit_of_row)
}

/// Calibrated run-to-run noise (sd of a run's log value), by suite and metric id, as `check`
/// would calibrate it.
fn calibrated_noise<'a>(runs: &[&'a RunSummary]) -> HashMap<(&'a str, String), f64> {
    let mut by_suite: BTreeMap<&str, Vec<RunSummary>> = BTreeMap::new();
    for r in runs {
        by_suite.entry(&r.suite).or_default().push((*r).clone());
    }
    let mut noise = HashMap::new();
    for (suite, runs) in &by_suite {
        for (id, e) in crate::store::noise_map_from_runs(runs) {
            noise.insert((*suite, id), e.log_var.max(0.0).sqrt());
        }
    }
    noise
}

/// The rows of the view with what a series needs of each.
struct Rows<'a> {
    view: &'a HistoryView,
    details: &'a [RowDetail<'a>],
    commit_of_row: &'a [usize],
    commits: usize,
    runner_index: &'a HashMap<&'a str, usize>,
}

impl Rows<'_> {
    /// The stored values of metric `i` in `suite`, without budgets, noise or the PR's point;
    /// `None` when the suite has none.
    fn series(&self, i: usize, suite: &str) -> Option<Series> {
        let m = &self.view.metrics[i];
        let rows: Vec<(usize, f64)> = self
            .view
            .series(i)
            .into_iter()
            .filter(|(r, _)| self.view.rows[*r].suite == suite)
            .collect();
        if rows.is_empty() {
            return None;
        }
        let x: Vec<usize> = rows.iter().map(|(r, _)| self.commit_of_row[*r]).collect();
        let dense = x.len() == self.commits && x.iter().enumerate().all(|(a, b)| a == *b);
        let v: Vec<f64> = rows
            .iter()
            .map(|(_, v)| round_sig(*v, VALUE_DIGITS))
            .collect();
        let metric_of = |r: usize| {
            self.details[r]
                .metrics
                .get(m.id.as_str())
                .copied()
                .filter(|s| s.failure.is_none())
        };
        let h: Vec<f64> = rows
            .iter()
            .map(|(r, _)| {
                metric_of(*r)
                    .and_then(|s| s.log_se2)
                    .filter(|se2| se2.is_finite() && *se2 > 0.0)
                    .map(|se2| round_sig(Z95 * se2.sqrt(), 3))
                    .unwrap_or(0.0)
            })
            .collect();
        let n: Vec<usize> = rows
            .iter()
            .map(|(r, _)| metric_of(*r).map(|s| s.n).unwrap_or(1))
            .collect();
        let r: Vec<usize> = rows
            .iter()
            .map(|(r, _)| self.runner_index[self.details[*r].runner.as_str()])
            .collect();
        let (seg, cp) = levels(&v);
        Some(Series {
            id: m.id.clone(),
            suite: suite.to_string(),
            group: m
                .id
                .rsplit_once('/')
                .map(|(g, _)| g.to_string())
                .unwrap_or_default(),
            unit: m.unit,
            direction: m.direction,
            x: (!dense).then_some(x),
            v,
            h: h.iter().any(|h| *h > 0.0).then_some(h),
            n0: n.iter().all(|c| *c == n[0]).then_some(n[0]),
            n: (!n.iter().all(|c| *c == n[0])).then_some(n.clone()),
            r0: r.iter().all(|c| *c == r[0]).then_some(r[0]),
            r: (!r.iter().all(|c| *c == r[0])).then_some(r.clone()),
            seg,
            cp,
            noise: None,
            bmax: None,
            bmin: None,
            mr: None,
            pr: None,
        })
    }
}

/// The PR's value of a metric in the series' unit, when the report has one of the same dimension.
fn pr_point(res: &crate::report::MetricResult, unit: Unit) -> Option<PrPoint> {
    let head = res.head?;
    let value = if res.unit == unit {
        head.value
    } else if res.unit.dimension() == unit.dimension() {
        head.value * res.unit.to_base() / unit.to_base()
    } else {
        return None;
    };
    Some(PrPoint {
        v: round_sig(value, VALUE_DIGITS),
        change: res.change.filter(|c| c.is_finite()),
        ci: res.ci,
        status: res.status.as_str(),
        n: head.n,
    })
}

/// The site's headline: how many metrics over how many commits, from where, which suites, and
/// the PR's head when a report was given.
fn headline(view: &HistoryView, commits: usize, suites: &[&str], options: &SiteOptions) -> String {
    format!(
        "{} metric{} over {} commit{} with results, first parents from {}{}{}",
        view.metrics.len(),
        plural(view.metrics.len()),
        commits,
        plural(commits),
        short_sha(&view.start),
        match suites {
            [] => String::new(),
            [one] => format!(", suite {one}"),
            many => format!(", suites {}", many.join(", ")),
        },
        options
            .report
            .as_ref()
            .and_then(|r| r.head.commit.as_deref())
            .map(|c| format!("; PR head {}", short_sha(c)))
            .unwrap_or_default(),
    )
}

type Segments = Vec<(usize, usize, f64)>;
type Shifts = Vec<(usize, f64, f64, f64)>;

/// Levels and level shifts of a series (oldest first), found on its logs as the noise
/// calibration finds them. Non-positive values have no log: such a series gets one level.
fn levels(values: &[f64]) -> (Segments, Shifts) {
    if values.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let shifts = if values.iter().all(|v| *v > 0.0 && v.is_finite()) {
        let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
        level_shifts(&logs)
    } else {
        Vec::new()
    };
    let mut bounds: Vec<usize> = vec![0];
    bounds.extend(shifts.iter().map(|s| s.index));
    bounds.push(values.len());
    let seg = bounds
        .windows(2)
        .map(|w| {
            let level = crate::stats::describe::median(&values[w[0]..w[1]]);
            (w[0], w[1], round_sig(level, VALUE_DIGITS))
        })
        .collect();
    let ratio = |x: f64| round_sig(x.exp() - 1.0, 4);
    let cp = shifts
        .iter()
        .map(|s| {
            (
                s.index,
                ratio(s.shift),
                ratio(s.shift - Z95 * s.se),
                ratio(s.shift + Z95 * s.se),
            )
        })
        .collect();
    (seg, cp)
}

/// A commit's short SHA, linked when there is a link template.
fn commit_label(sha: &str, options: &SiteOptions) -> String {
    let short = esc(short_sha(sha));
    match &options.commit_url {
        Some(t) => format!(
            "<a href=\"{}\"><code>{short}</code></a>",
            esc(&t.replace("{sha}", sha))
        ),
        None => format!("<code>{short}</code>"),
    }
}

/// Every commit with results, newest first, with the level shifts it made: what changed where.
fn commit_table(html: &mut String, data: &Data, options: &SiteOptions) {
    if data.commits.is_empty() {
        return;
    }
    let mut shifts_at: Vec<Vec<(usize, f64)>> = vec![Vec::new(); data.commits.len()];
    for (k, s) in data.series.iter().enumerate() {
        for (p, change, _, _) in &s.cp {
            let c = s.x.as_ref().map(|x| x[*p]).unwrap_or(*p);
            shifts_at[c].push((k, *change));
        }
    }
    html.push_str(
        "<section id=\"commits\" aria-labelledby=\"commits-title\">\n<h2 id=\"commits-title\">Commits</h2>\n\
         <div class=\"scroll\"><table>\n<caption>Commits with stored results, newest first, and the \
         levels that moved there.</caption>\n<thead><tr><th scope=\"col\">Commit</th><th scope=\"col\">Date</th>\
         <th scope=\"col\">Subject</th><th scope=\"col\">Level shifts</th></tr></thead>\n<tbody>\n",
    );
    for (c, [sha, subject, time]) in data.commits.iter().enumerate().rev() {
        let commit = commit_label(sha, options);
        let moved: Vec<String> = shifts_at[c]
            .iter()
            .map(|(k, change)| {
                format!(
                    "<a href=\"#c{k}\">{}</a> {}",
                    esc(&data.series[*k].id),
                    percent_signed(*change)
                )
            })
            .collect();
        let subject: String = subject.chars().take(100).collect();
        let _ = writeln!(
            html,
            "<tr><th scope=\"row\">{commit}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&time.chars().take(10).collect::<String>()),
            esc(&subject),
            moved.join("<br>")
        );
    }
    html.push_str("</tbody>\n</table></div>\n</section>\n");
}

/// The table every reader gets, with or without JavaScript.
fn summary_table(html: &mut String, data: &Data, options: &SiteOptions) {
    html.push_str("<section id=\"summary\" aria-labelledby=\"summary-title\">\n<h2 id=\"summary-title\">Summary</h2>\n");
    if data.series.is_empty() {
        html.push_str("<p>No stored results match.</p>\n</section>\n");
        return;
    }
    html.push_str(
        "<div class=\"scroll\"><table>\n<caption>Latest stored value of every metric; a level \
         shift is the commit where the level moved (95 % interval); noise is the calibrated \
         run-to-run scatter (one standard deviation).</caption>\n<thead><tr><th scope=\"col\">Metric</th>\
         <th scope=\"col\">Suite</th><th scope=\"col\">Runs</th><th scope=\"col\">Latest</th>\
         <th scope=\"col\">Last change</th><th scope=\"col\">Range</th><th scope=\"col\">Level shifts</th>\
         <th scope=\"col\">Noise</th><th scope=\"col\">Budget</th>",
    );
    if options.report.is_some() {
        html.push_str("<th scope=\"col\">PR</th>");
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for (k, s) in data.series.iter().enumerate() {
        let fmt = |v: f64| esc(&s.unit.format(v));
        let latest = s.v.last().copied().unwrap_or(f64::NAN);
        let change = match s.v.as_slice() {
            [.., a, b] if *a != 0.0 => percent_signed(b / a - 1.0),
            _ => String::new(),
        };
        let lo = s.v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = s.v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut shifts = String::new();
        for (i, (p, c, l, h)) in s.cp.iter().enumerate() {
            let commit = &data.commits[s.x.as_ref().map(|x| x[*p]).unwrap_or(*p)][0];
            if i > 0 {
                shifts.push_str("<br>");
            }
            let label = commit_label(commit, options);
            let _ = write!(
                shifts,
                "{label} {} ({} to {})",
                percent_signed(*c),
                percent_signed(*l),
                percent_signed(*h)
            );
        }
        let mut budget: Vec<String> = Vec::new();
        if let Some((_, t)) = &s.bmax {
            budget.push(esc(t));
        }
        if let Some((_, t)) = &s.bmin {
            budget.push(esc(t));
        }
        if let Some(r) = s.mr {
            budget.push(format!("max-regression {}", percent(r)));
        }
        let _ = write!(
            html,
            "<tr id=\"m{k}\"><th scope=\"row\"><a href=\"#c{k}\">{}</a></th><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{change}</td>\
             <td class=\"num\">{} – {}</td><td>{shifts}</td><td class=\"num\">{}</td><td>{}</td>",
            esc(&s.id),
            esc(&s.suite),
            s.v.len(),
            fmt(latest),
            fmt(lo),
            fmt(hi),
            s.noise
                .map(|sd| format!("±{}", percent(round_sig(sd.exp_m1(), 2))))
                .unwrap_or_else(|| "–".into()),
            budget.join("<br>"),
        );
        if options.report.is_some() {
            html.push_str("<td class=\"num\">");
            if let Some(p) = &s.pr {
                let _ = write!(
                    html,
                    "{} {}<br><span class=\"status {}\">{}</span>",
                    fmt(p.v),
                    p.change.map(percent_signed).unwrap_or_default(),
                    p.status,
                    p.status
                );
            }
            html.push_str("</td>");
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table></div>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Metric, ResultsFile};
    use crate::store::{history_view, HistoryCommit};

    fn history(values: &[f64]) -> History {
        // Newest first, as the walk returns it.
        let commits = values
            .iter()
            .enumerate()
            .rev()
            .map(|(i, v)| {
                let mut f = ResultsFile::new();
                f.environment.runner = Some("runner-1".into());
                f.metrics.push(Metric::new(
                    "criterion/parse/<b>",
                    Unit::Nanoseconds,
                    Direction::Lower,
                    *v,
                ));
                let sha = format!("{:040x}", i + 0xabc);
                HistoryCommit {
                    commit: sha.clone(),
                    subject: format!("change {i} </script>"),
                    commit_time: "2026-01-01T00:00:00Z".into(),
                    runs: vec![RunSummary::from_results(&sha, "default", &f)],
                }
            })
            .collect();
        History {
            start: "f".repeat(40),
            commits,
            problems: Vec::new(),
            stopped: None,
            walked: values.len(),
        }
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_step_is_marked_once_and_text_is_inert() {
        let values: Vec<f64> = (0..12)
            .map(|i| if i < 7 { 100.0 } else { 120.0 } + (i % 3) as f64 * 0.3)
            .collect();
        let h = history(&values);
        let view = history_view(&h, |_| true);
        let files = render(
            &h,
            &view,
            &SiteOptions {
                commit_url: Some("https://example.com/c/{sha}".into()),
                ..SiteOptions::default()
            },
        );
        assert_eq!(files.len(), 1);
        let html = String::from_utf8(files[0].bytes.clone()).unwrap();
        let data = build_data(&h, &view, &SiteOptions::default());
        assert_eq!(data.series.len(), 1);
        let s = &data.series[0];
        assert_eq!(s.cp.len(), 1, "{:?}", s.cp);
        assert_eq!(s.cp[0].0, 7);
        assert!((0.18..0.22).contains(&s.cp[0].1), "{:?}", s.cp);
        assert!(s.x.is_none(), "a point on every commit is stored densely");
        assert_eq!(s.r0, Some(0));
        let step = format!("{:040x}", 7 + 0xabc);
        assert!(html.contains(&format!(
            "<a href=\"https://example.com/c/{step}\"><code>{}</code></a> +",
            &step[..7]
        )));
        // No markup from ids or subjects survives, in the table or in the data block.
        assert!(html.contains("criterion/parse/&lt;b&gt;"));
        // Every commit is listed, the step's row with the metric whose level moved.
        assert_eq!(
            html.matches("<tr><th scope=\"row\"><a href=\"https://example.com/c/")
                .count(),
            12
        );
        assert!(html.contains(&format!(
            "<code>{}</code></a></th><td>2026-01-01</td><td>change 7 &lt;/script&gt;</td><td><a href=\"#c0\">criterion/parse/&lt;b&gt;</a> +",
            &step[..7]
        )));
        assert!(!html.contains("<b>"));
        assert_eq!(html.matches("</script>").count(), 2, "only the page's own");
        assert!(html.contains("script-src 'sha256-"));
    }
}
