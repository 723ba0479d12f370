//! `history` output: the chosen metrics' stored values ([`HistoryView`]) rendered as a terminal table with sparklines, a Markdown table, or JSON
//! (`perf-budget/history/v1`). Renderers return strings and do no I/O.

use serde::Serialize;

use crate::model::{Direction, HistoryView, Unit, ViewRow};

use super::chart::sparkline;
use super::escape;
use super::format::short_sha;

/// Schema tag of the JSON history.
pub const HISTORY_SCHEMA: &str = "perf-budget/history/v1";

/// With more metrics than this, the commit table lists counts instead of one column per metric.
const WIDE_TABLE_METRICS: usize = 6;

/// Points in a sparkline.
const SPARK_POINTS: usize = 40;

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
    let mut out = format!("History: {}\n", escape::terminal(&headline(view)));
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
            escape::terminal(&m.id),
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
        let mut cells = vec![
            short_sha(&r.commit).to_string(),
            escape::terminal(&day(r)),
            r.suite.clone(),
        ];
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
        cells.push(escape::terminal(
            &r.subject.chars().take(50).collect::<String>(),
        ));
        rows.push(cells);
    }
    let right: Vec<bool> = (0..rows[0].len())
        .map(|c| c >= 3 && c + 1 < rows[0].len())
        .collect();
    out.push_str(&table(&rows, &right));
    out
}

/// The Markdown rendering: a table of metrics with sparklines, then the commits.
pub fn markdown(view: &HistoryView) -> String {
    let mut out = format!(
        "### Stored history\n\n{}.\n\n",
        escape::markdown(&headline(view))
    );
    if view.rows.is_empty() || view.metrics.is_empty() {
        out.push_str(if view.rows.is_empty() {
            "No stored results on this history.\n"
        } else {
            "No stored metric matches.\n"
        });
        for n in &view.notes {
            out.push_str(&format!("\n> [!WARNING]\n> {}\n", escape::markdown(n)));
        }
        return out;
    }
    out.push_str("| Metric | Runs | Latest | Change | Min | Max | Trend |\n");
    out.push_str("|:--|--:|--:|--:|--:|--:|:--|\n");
    for (i, m) in view.metrics.iter().enumerate() {
        let s = stats(view, i);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            escape::markdown(&m.id),
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
            out.push_str(&format!(" {} |", escape::markdown(&m.id)));
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
            escape::markdown(&r.suite)
        ));
        if wide {
            for (v, m) in r.values.iter().zip(&view.metrics) {
                out.push_str(&format!(" {} |", value(m.unit, *v)));
            }
        } else {
            out.push_str(&format!(" {} |", r.values.iter().flatten().count()));
        }
        let subject: String = r.subject.chars().take(60).collect();
        out.push_str(&format!(" {} |\n", escape::markdown(&subject)));
    }
    for n in &view.notes {
        out.push_str(&format!("\n> [!WARNING]\n> {}\n", escape::markdown(n)));
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
        assert_eq!(escape::markdown("a|b"), "a\\|b");
        assert_eq!(escape::markdown("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(
            escape::markdown("@team fixes #12"),
            "@\u{200B}team fixes #\u{200B}12"
        );
        assert_eq!(escape::markdown("fib 20"), "fib 20");
        assert_eq!(escape::markdown("sum_sq\nx"), "sum\\_sq x");
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
}
