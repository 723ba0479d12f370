//! `history` output: the walked [`History`] narrowed to the chosen metrics ([`HistoryView`]) and
//! rendered as a terminal table with sparklines, a Markdown table, or JSON
//! (`perf-budget/history/v1`). Renderers return strings and do no I/O.

use serde::Serialize;

use crate::model::{Direction, Unit};

use super::chart::{short_sha, sparkline};
use super::History;

/// Schema tag of the JSON history.
pub const HISTORY_SCHEMA: &str = "perf-budget/history/v1";

/// With more metrics than this, the commit table lists counts instead of one column per metric.
const WIDE_TABLE_METRICS: usize = 6;

/// Points in a sparkline.
const SPARK_POINTS: usize = 40;

/// A metric shown in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewMetric {
    /// Metric id.
    pub id: String,
    /// Unit of its values (the newest run's; older values in another unit of the same dimension
    /// are converted).
    pub unit: Unit,
    /// Which way is better.
    pub direction: Direction,
}

/// One stored run (commit and suite) with the chosen metrics' values.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewRow {
    /// Full SHA.
    pub commit: String,
    /// First line of the commit message.
    pub subject: String,
    /// Commit time (RFC 3339).
    pub commit_time: String,
    /// Suite.
    pub suite: String,
    /// Measurement time from the results, when known.
    pub time: Option<String>,
    /// Values parallel to [`HistoryView::metrics`]; `None` where the run lacks the metric.
    pub values: Vec<Option<f64>>,
}

/// The chosen metrics along the walked history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryView {
    /// The commit the walk started from.
    pub start: String,
    /// The metrics, by id.
    pub metrics: Vec<ViewMetric>,
    /// Runs, newest first.
    pub rows: Vec<ViewRow>,
    /// Problems to show: unreadable entries, where the walk stopped, unit changes.
    pub notes: Vec<String>,
}

impl HistoryView {
    /// Narrows a history to the metrics whose id `select` accepts.
    pub fn new(history: &History, select: impl Fn(&str) -> bool) -> HistoryView {
        let mut metrics: Vec<ViewMetric> = Vec::new();
        let mut index = std::collections::HashMap::new();
        // Newest first: the newest run decides a metric's unit.
        for c in &history.commits {
            for run in &c.runs {
                for m in &run.metrics {
                    if !index.contains_key(&m.id) && select(&m.id) {
                        index.insert(m.id.clone(), metrics.len());
                        metrics.push(ViewMetric {
                            id: m.id.clone(),
                            unit: m.unit,
                            direction: m.direction,
                        });
                    }
                }
            }
        }
        let mut order: Vec<usize> = (0..metrics.len()).collect();
        order.sort_by(|&a, &b| metrics[a].id.cmp(&metrics[b].id));
        let position: Vec<usize> = {
            let mut p = vec![0; metrics.len()];
            for (new, &old) in order.iter().enumerate() {
                p[old] = new;
            }
            p
        };
        let metrics: Vec<ViewMetric> = order.iter().map(|&i| metrics[i].clone()).collect();
        let mut notes: Vec<String> = history.problems.iter().map(|p| p.to_string()).collect();
        let mut rows = Vec::new();
        for c in &history.commits {
            for run in &c.runs {
                let mut values = vec![None; metrics.len()];
                for m in &run.metrics {
                    let Some(&i) = index.get(&m.id) else { continue };
                    let slot = position[i];
                    let target = metrics[slot].unit;
                    if m.failure.is_some() || !m.value.is_finite() {
                        continue;
                    }
                    values[slot] = if m.unit == target {
                        Some(m.value)
                    } else if m.unit.dimension() == target.dimension() {
                        // Twelve significant digits: 0.2532 ms is 253200 ns, not 253199.99999999997.
                        let converted = m.value * m.unit.to_base() / target.to_base();
                        Some(format!("{converted:.11e}").parse().unwrap_or(converted))
                    } else {
                        notes.push(format!(
                            "{} on {} is in {} but newer runs use {}; that value is left out",
                            m.id,
                            short_sha(&c.commit),
                            m.unit,
                            target
                        ));
                        None
                    };
                }
                rows.push(ViewRow {
                    commit: c.commit.clone(),
                    subject: c.subject.clone(),
                    commit_time: c.commit_time.clone(),
                    suite: run.suite.clone(),
                    time: run.time.clone(),
                    values,
                });
            }
        }
        if let Some(stop) = &history.stopped {
            notes.push(stop.to_string());
        }
        HistoryView {
            start: history.start.clone(),
            metrics,
            rows,
            notes,
        }
    }

    /// One metric's values with the index of their row, oldest first.
    pub fn series(&self, metric: usize) -> Vec<(usize, f64)> {
        self.rows
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(r, row)| row.values.get(metric).copied().flatten().map(|v| (r, v)))
            .collect()
    }

    fn suites(&self) -> Vec<&str> {
        let mut s: Vec<&str> = self.rows.iter().map(|r| r.suite.as_str()).collect();
        s.sort_unstable();
        s.dedup();
        s
    }

    fn commit_count(&self) -> usize {
        let mut c: Vec<&str> = self.rows.iter().map(|r| r.commit.as_str()).collect();
        c.dedup();
        c.len()
    }
}

struct MetricStats {
    runs: usize,
    latest: Option<f64>,
    change: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    spark: String,
}

fn stats(view: &HistoryView, i: usize) -> MetricStats {
    let values: Vec<f64> = view.series(i).into_iter().map(|(_, v)| v).collect();
    let latest = values.last().copied();
    let change = match values.as_slice() {
        [.., prev, last] if *prev != 0.0 => Some(last / prev - 1.0),
        _ => None,
    };
    let spark = sparkline(&values[values.len().saturating_sub(SPARK_POINTS)..]);
    MetricStats {
        runs: values.len(),
        latest,
        change,
        min: values.iter().copied().reduce(f64::min),
        max: values.iter().copied().reduce(f64::max),
        spark,
    }
}

fn percent(change: Option<f64>) -> String {
    match change {
        // Adding 0.0 turns a rounded -0.0 into 0.0, so no "-0.0 %".
        Some(c) => format!("{:+.1} %", (c * 1000.0).round() / 10.0 + 0.0),
        None => "".into(),
    }
}

fn value(unit: Unit, v: Option<f64>) -> String {
    v.map(|v| unit.format(v)).unwrap_or_else(|| "–".into())
}

fn day(row: &ViewRow) -> String {
    let t = row.time.as_deref().unwrap_or(&row.commit_time);
    t.chars().take(10).collect()
}

fn headline(view: &HistoryView) -> String {
    let suites = view.suites();
    format!(
        "{} metric{} over {} commit{} with results, first parents from {}{}",
        view.metrics.len(),
        if view.metrics.len() == 1 { "" } else { "s" },
        view.commit_count(),
        if view.commit_count() == 1 { "" } else { "s" },
        short_sha(&view.start),
        match suites.as_slice() {
            [] => String::new(),
            [one] => format!(", suite {one}"),
            many => format!(", suites {}", many.join(", ")),
        }
    )
}

/// User text for a terminal: control characters (an escape sequence in a commit message or a
/// metric id) become `?` so they cannot move the cursor or recolour the screen.
pub(crate) fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Aligns cells into columns; `right[i]` right-aligns column `i`.
fn table(rows: &[Vec<String>], right: &[bool]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let pad = width[c] - cell.chars().count();
            if c > 0 {
                line.push_str("  ");
            }
            if right.get(c).copied().unwrap_or(false) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The terminal rendering: one row per metric with a sparkline (oldest → newest), then the
/// commits, newest first (with a column per metric when there are few).
pub fn terminal(view: &HistoryView) -> String {
    let mut out = format!("History: {}\n", plain(&headline(view)));
    if view.rows.is_empty() {
        out.push_str("\nNo stored results on this history.\n");
        return out;
    }
    if view.metrics.is_empty() {
        out.push_str("\nNo stored metric matches.\n");
        return out;
    }
    out.push('\n');
    let mut rows = vec![vec![
        "#".to_string(),
        "metric".into(),
        "runs".into(),
        "latest".into(),
        "change".into(),
        "min".into(),
        "max".into(),
        "trend".into(),
    ]];
    for (i, m) in view.metrics.iter().enumerate() {
        let s = stats(view, i);
        rows.push(vec![
            format!("[{}]", i + 1),
            plain(&m.id),
            s.runs.to_string(),
            value(m.unit, s.latest),
            percent(s.change),
            value(m.unit, s.min),
            value(m.unit, s.max),
            s.spark,
        ]);
    }
    out.push_str(&table(
        &rows,
        &[false, false, true, true, true, true, true, false],
    ));
    out.push('\n');
    let wide = view.metrics.len() <= WIDE_TABLE_METRICS;
    let mut header = vec!["commit".to_string(), "date".into(), "suite".into()];
    if wide {
        header.extend((1..=view.metrics.len()).map(|i| format!("[{i}]")));
    } else {
        header.push("metrics".into());
    }
    header.push("subject".into());
    let mut rows = vec![header];
    for r in &view.rows {
        let mut cells = vec![short_sha(&r.commit), plain(&day(r)), r.suite.clone()];
        if wide {
            cells.extend(
                r.values
                    .iter()
                    .zip(&view.metrics)
                    .map(|(v, m)| value(m.unit, *v)),
            );
        } else {
            cells.push(r.values.iter().flatten().count().to_string());
        }
        cells.push(plain(&r.subject.chars().take(50).collect::<String>()));
        rows.push(cells);
    }
    let right: Vec<bool> = (0..rows[0].len())
        .map(|c| c >= 3 && c + 1 < rows[0].len())
        .collect();
    out.push_str(&table(&rows, &right));
    out
}

/// Escapes user text (metric ids, commit subjects) for a Markdown table cell: Markdown and HTML
/// are inert, `|` cannot split the cell, and `@mention` / `#123` do not notify or link.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            '@' => out.push_str("@\u{200B}"),
            '#' if chars.peek().is_some_and(|n| n.is_ascii_digit()) => out.push_str("#\u{200B}"),
            c => out.push(c),
        }
    }
    out
}

/// The Markdown rendering: a table of metrics with sparklines, then the commits.
pub fn markdown(view: &HistoryView) -> String {
    let mut out = format!("### Stored history\n\n{}.\n\n", md(&headline(view)));
    if view.rows.is_empty() || view.metrics.is_empty() {
        out.push_str(if view.rows.is_empty() {
            "No stored results on this history.\n"
        } else {
            "No stored metric matches.\n"
        });
        for n in &view.notes {
            out.push_str(&format!("\n> [!WARNING]\n> {}\n", md(n)));
        }
        return out;
    }
    out.push_str("| Metric | Runs | Latest | Change | Min | Max | Trend |\n");
    out.push_str("|:--|--:|--:|--:|--:|--:|:--|\n");
    for (i, m) in view.metrics.iter().enumerate() {
        let s = stats(view, i);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            md(&m.id),
            s.runs,
            value(m.unit, s.latest),
            percent(s.change),
            value(m.unit, s.min),
            value(m.unit, s.max),
            s.spark
        ));
    }
    out.push('\n');
    let wide = view.metrics.len() <= WIDE_TABLE_METRICS;
    out.push_str("| Commit | Date | Suite |");
    if wide {
        for m in &view.metrics {
            out.push_str(&format!(" {} |", md(&m.id)));
        }
    } else {
        out.push_str(" Metrics |");
    }
    out.push_str(" Subject |\n|:--|:--|:--|");
    let value_cols = if wide { view.metrics.len() } else { 1 };
    out.push_str(&"--:|".repeat(value_cols));
    out.push_str(":--|\n");
    for r in &view.rows {
        out.push_str(&format!(
            "| `{}` | {} | {} |",
            short_sha(&r.commit),
            day(r),
            md(&r.suite)
        ));
        if wide {
            for (v, m) in r.values.iter().zip(&view.metrics) {
                out.push_str(&format!(" {} |", value(m.unit, *v)));
            }
        } else {
            out.push_str(&format!(" {} |", r.values.iter().flatten().count()));
        }
        let subject: String = r.subject.chars().take(60).collect();
        out.push_str(&format!(" {} |\n", md(&subject)));
    }
    for n in &view.notes {
        out.push_str(&format!("\n> [!WARNING]\n> {}\n", md(n)));
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct JsonHistory<'a> {
    schema: &'static str,
    start: &'a str,
    metrics: Vec<JsonMetric<'a>>,
    commits: Vec<JsonCommit<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonMetric<'a> {
    id: &'a str,
    unit: Unit,
    direction: Direction,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct JsonCommit<'a> {
    commit: &'a str,
    subject: &'a str,
    commit_time: &'a str,
    suites: Vec<JsonSuite<'a>>,
}

#[derive(Serialize)]
struct JsonSuite<'a> {
    suite: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<&'a str>,
    values: std::collections::BTreeMap<&'a str, f64>,
}

/// The JSON rendering (`perf-budget/history/v1`): commits newest first with full SHAs, each with
/// its suites and the chosen metrics' values.
pub fn json(view: &HistoryView) -> String {
    let mut commits: Vec<JsonCommit<'_>> = Vec::new();
    for r in &view.rows {
        let suite = JsonSuite {
            suite: &r.suite,
            time: r.time.as_deref(),
            values: r
                .values
                .iter()
                .zip(&view.metrics)
                .filter_map(|(v, m)| v.map(|v| (m.id.as_str(), v)))
                .collect(),
        };
        match commits.last_mut() {
            Some(c) if c.commit == r.commit => c.suites.push(suite),
            _ => commits.push(JsonCommit {
                commit: &r.commit,
                subject: &r.subject,
                commit_time: &r.commit_time,
                suites: vec![suite],
            }),
        }
    }
    let doc = JsonHistory {
        schema: HISTORY_SCHEMA,
        start: &view.start,
        metrics: view
            .metrics
            .iter()
            .map(|m| JsonMetric {
                id: &m.id,
                unit: m.unit,
                direction: m.direction,
            })
            .collect(),
        commits,
        notes: &view.notes,
    };
    // Plain data with string keys and finite numbers: serialising cannot fail.
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_are_inert() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(md("@team fixes #12"), "@\u{200B}team fixes #\u{200B}12");
        assert_eq!(md("fib 20"), "fib 20");
        assert_eq!(md("sum_sq\nx"), "sum\\_sq x");
    }

    #[test]
    fn tables_align() {
        let t = table(
            &[
                vec!["a".into(), "1".into()],
                vec!["bbb".into(), "22".into()],
            ],
            &[false, true],
        );
        assert_eq!(t, "a     1\nbbb  22\n");
    }

    fn sample_history() -> History {
        use crate::model::{Metric, ResultsFile};
        use crate::store::{HistoryCommit, RunSummary, WalkStop};
        let commit = |i: usize, values: &[(&str, f64, Unit)], suite: &str| {
            let mut f = ResultsFile::new();
            f.time = Some(format!("2026-03-{:02}T12:00:00Z", 10 + i));
            for (id, v, unit) in values {
                f.metrics
                    .push(Metric::new(*id, *unit, Direction::Lower, *v));
            }
            let sha = format!("{i:x}").repeat(40);
            HistoryCommit {
                commit: sha.clone(),
                subject: format!("Merge pull request #{} from @dev/fix | speed", 100 + i),
                commit_time: format!("2026-03-{:02}T11:00:00Z", 10 + i),
                runs: vec![RunSummary::from_results(&sha, suite, &f)],
            }
        };
        History {
            start: "f".repeat(40),
            commits: vec![
                commit(
                    3,
                    &[
                        ("criterion/parse/1000", 261_500.0, Unit::Nanoseconds),
                        ("criterion/fib 20", 21_000.0, Unit::Nanoseconds),
                    ],
                    "default",
                ),
                commit(
                    2,
                    &[
                        ("criterion/parse/1000", 0.2532, Unit::Milliseconds),
                        ("criterion/fib 20", 20_800.0, Unit::Nanoseconds),
                    ],
                    "default",
                ),
                commit(
                    1,
                    &[("criterion/parse/1000", 250_000.0, Unit::Nanoseconds)],
                    "default",
                ),
            ],
            problems: vec![crate::store::EntryProblem {
                commit: "0".repeat(40),
                suite: "default".into(),
                message: "not JSON: EOF while parsing".into(),
            }],
            stopped: Some(WalkStop::Shallow {
                boundary: "1".repeat(40),
                fetch: "git fetch --deepen=200 origin".into(),
            }),
            walked: 3,
        }
    }

    #[test]
    fn history_renderings() {
        let view = HistoryView::new(&sample_history(), |id| id.starts_with("criterion/"));
        // The older value in ms is converted to the newest unit.
        assert_eq!(view.series(1)[1].1, 253_200.0);
        insta::assert_snapshot!("history_terminal", terminal(&view));
        insta::assert_snapshot!("history_markdown", markdown(&view));
        insta::assert_snapshot!("history_json", json(&view));
    }

    #[test]
    fn history_renderings_when_empty() {
        let mut h = sample_history();
        h.commits.clear();
        h.problems.clear();
        h.stopped = None;
        let view = HistoryView::new(&h, |_| true);
        insta::assert_snapshot!("history_terminal_empty", terminal(&view));
        let view = HistoryView::new(&sample_history(), |id| id.starts_with("k6/"));
        insta::assert_snapshot!("history_markdown_no_match", markdown(&view));
    }
}
