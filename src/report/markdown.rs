//! Markdown for the PR comment and the job summary: a one-line verdict with counts, failing and
//! regressed rows first, the rest collapsed, units scaled for people, trend charts of regressed
//! metrics, and a short "how to read this" footer. Metric names are user input and are escaped
//! so they can neither inject HTML nor mention people or link issues.

use std::fmt::Write;

use super::escape::markdown as escape;
use super::format::{percent, percent_signed, short_sha};
use super::{Kind, MetricResult, Report, Status, Verdict};

/// GitHub's limit on a comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// How much of the report to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    /// Failing and regressed rows, every other row in a collapsed section.
    Full,
    /// Failing and regressed rows, other non-passing rows collapsed; passing rows only counted.
    CollapsePassing,
    /// Failing rows only.
    FailingOnly,
    /// Counts and the ids that failed.
    CountsOnly,
}

/// Rendering options.
#[derive(Debug, Clone)]
pub struct MarkdownOptions {
    /// Sticky comment id: adds the hidden marker `<!-- cargo-perf-budget:<id> -->`.
    pub comment_id: Option<String>,
    /// How much to show.
    pub detail: Detail,
    /// Link to the workflow run, whose page holds the job summary with every result.
    pub summary_url: Option<String>,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            comment_id: None,
            detail: Detail::Full,
            summary_url: None,
        }
    }
}

/// The hidden marker that identifies our sticky comment.
pub fn marker(comment_id: &str) -> String {
    format!(
        "<!-- cargo-perf-budget:{} -->",
        comment_id.replace("--", "- -")
    )
}

/// Renders the comment body, degrading detail until it fits in `max_chars` (never failing).
pub fn render_comment(
    report: &Report,
    comment_id: &str,
    max_chars: usize,
    summary_url: Option<&str>,
) -> String {
    for detail in [
        Detail::Full,
        Detail::CollapsePassing,
        Detail::FailingOnly,
        Detail::CountsOnly,
    ] {
        let body = render(
            report,
            &MarkdownOptions {
                comment_id: Some(comment_id.to_string()),
                detail,
                summary_url: summary_url.map(str::to_string),
            },
        );
        if body.chars().count() <= max_chars {
            return body;
        }
    }
    // Even the counts with every failing id do not fit: cut the list of ids.
    let mut body = render(
        report,
        &MarkdownOptions {
            comment_id: Some(comment_id.to_string()),
            detail: Detail::CountsOnly,
            summary_url: summary_url.map(str::to_string),
        },
    );
    let note = "\n\n… list cut to fit GitHub's comment size limit; the job summary and the JSON report have every result.\n";
    let keep = max_chars.saturating_sub(note.chars().count());
    if body.chars().count() > keep {
        let cut: String = body.chars().take(keep).collect();
        let line_end = cut.rfind('\n').unwrap_or(cut.len());
        body = cut[..line_end].to_string();
    }
    body.push_str(note);
    body
}

/// A non-breaking space: GitHub wraps table cells at spaces, and a number must never be split
/// from its unit (`13.0⏎µs`).
const NBSP: char = '\u{A0}';

/// Renders the report.
pub fn render(report: &Report, opts: &MarkdownOptions) -> String {
    let mut out = String::new();
    if let Some(id) = &opts.comment_id {
        out.push_str(&marker(id));
        out.push('\n');
    }
    headline(&mut out, report, opts);
    let rows = Rows::of(report, opts.detail);
    let mut icons: Vec<(&'static str, &'static str)> = Vec::new();
    if opts.detail == Detail::CountsOnly {
        failed_list(&mut out, report);
    } else {
        if !rows.important.is_empty() {
            table(&mut out, &rows.important, true, &mut icons);
            reasons(&mut out, &rows.important);
        }
        rest_section(&mut out, &rows.rest, opts.detail, &mut icons);
        unbudgeted_section(&mut out, &rows.unbudgeted, opts.detail, &mut icons);
    }
    if opts.detail != Detail::Full && opts.summary_url.is_none() {
        out.push_str("\nEvery result is in the job summary and the JSON report.\n");
    }
    if opts.detail <= Detail::CollapsePassing {
        trend_charts(&mut out, report);
    }
    if opts.detail <= Detail::FailingOnly {
        notes(&mut out, report);
    }
    if !icons.is_empty() {
        let legend: Vec<String> = icons
            .iter()
            .map(|(icon, words)| format!("{icon}{NBSP}{words}"))
            .collect();
        let _ = writeln!(out, "\n<sub>{}</sub>", legend.join(" · "));
    }
    let _ = writeln!(out, "\n<sub>{}</sub>", method_note(report));
    out
}

/// The report's rows by where the comment shows them.
struct Rows<'a> {
    /// Budgeted rows that need a reader's eyes: failures and, unless only failures are shown,
    /// regressions and inconclusive rows.
    important: Vec<&'a MetricResult>,
    /// The other budgeted rows.
    rest: Vec<&'a MetricResult>,
    /// Rows no budget rule names (a failure is budgeted by definition), the largest moves first:
    /// a +268 % nobody budgeted is worth a look.
    unbudgeted: Vec<&'a MetricResult>,
}

impl<'a> Rows<'a> {
    fn of(report: &'a Report, detail: Detail) -> Rows<'a> {
        let budgeted = |r: &&MetricResult| !r.unbudgeted() || r.status == Status::Fail;
        let (important, rest): (Vec<&MetricResult>, Vec<&MetricResult>) =
            report.results.iter().filter(budgeted).partition(|r| {
                r.status == Status::Fail
                    || (detail < Detail::FailingOnly
                        && (r.kind == Kind::Regression || r.status == Status::Inconclusive))
            });
        let mut unbudgeted: Vec<&MetricResult> =
            report.results.iter().filter(|r| !budgeted(r)).collect();
        unbudgeted.sort_by(|a, b| {
            let size = |r: &MetricResult| r.change.filter(|c| c.is_finite()).map_or(-1.0, f64::abs);
            size(b).total_cmp(&size(a))
        });
        Rows {
            important,
            rest,
            unbudgeted,
        }
    }
}

/// The failed metrics as a list (counts-only detail).
fn failed_list(out: &mut String, report: &Report) {
    let failed: Vec<&MetricResult> = report.failed().collect();
    if !failed.is_empty() {
        out.push_str("Failed:\n\n");
        for r in failed {
            let _ = writeln!(out, "- {} ({})", escape(&r.id), budget_cell(r));
        }
    }
}

/// The budgeted rows that need no eyes: collapsed, only the ones not passing, or just counted.
fn rest_section(
    out: &mut String,
    rest: &[&MetricResult],
    detail: Detail,
    icons: &mut Vec<(&'static str, &'static str)>,
) {
    let shown: Vec<&MetricResult> = match detail {
        Detail::Full => rest.to_vec(),
        Detail::CollapsePassing => rest
            .iter()
            .copied()
            .filter(|r| r.status != Status::Pass)
            .collect(),
        _ => Vec::new(),
    };
    if !shown.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>{} more budgeted metric{} ({})</summary>\n",
            shown.len(),
            plural(shown.len()),
            if shown.iter().all(|r| r.status == Status::Pass) {
                "all within budget"
            } else {
                "within budget, new or missing"
            }
        );
        table(out, &shown, true, icons);
        out.push_str("\n</details>\n");
    }
    let hidden = rest.len() - shown.len();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "\n{hidden} more budgeted metric{} not shown here (all within budget).",
            plural(hidden)
        );
    }
}

/// The unbudgeted rows: a collapsed table in full detail, otherwise how many there are.
fn unbudgeted_section(
    out: &mut String,
    unbudgeted: &[&MetricResult],
    detail: Detail,
    icons: &mut Vec<(&'static str, &'static str)>,
) {
    if unbudgeted.is_empty() {
        return;
    }
    let (n, them) = (
        unbudgeted.len(),
        if unbudgeted.len() == 1 { "it" } else { "them" },
    );
    if detail == Detail::Full {
        let _ = writeln!(
            out,
            "\n<details><summary>{n} unbudgeted metric{} (no budget rule names {them}: shown, not gated)</summary>\n",
            plural(n),
        );
        table(out, unbudgeted, false, icons);
        out.push_str("\n</details>\n");
    } else {
        let _ = writeln!(
            out,
            "\n{n} unbudgeted metric{} (no budget rule names {them}) not shown here.",
            plural(n),
        );
    }
}

/// A trend chart for each budgeted metric this pull request moved or failed (a chart per
/// unbudgeted metric that moved would bury the rest).
fn trend_charts(out: &mut String, report: &Report) {
    for (id, points) in &report.history {
        let Some(r) = report.results.iter().find(|r| &r.id == id) else {
            continue;
        };
        let moved = r.status == Status::Fail
            || (!r.unbudgeted() && matches!(r.kind, Kind::Regression | Kind::Improvement));
        if moved && !points.is_empty() {
            out.push('\n');
            out.push_str(&super::chart::mermaid_trend(r, points));
        }
    }
}

/// The report's notes, but the crossed tool thresholds, which the headline has already.
fn notes(out: &mut String, report: &Report) {
    let notes: Vec<&String> = report
        .notes
        .iter()
        .filter(|n| {
            report.tool_thresholds.is_empty() || !n.starts_with("tool threshold crossed in head:")
        })
        .collect();
    if !notes.is_empty() {
        out.push_str("\n**Notes**\n\n");
        for n in notes {
            let _ = writeln!(out, "- {}", escape(n));
        }
    }
}

/// The verdict line, what must be seen before any table (tool verdicts, a gate with nothing to
/// judge), and the commits with the link to the run.
fn headline(out: &mut String, report: &Report, opts: &MarkdownOptions) {
    let s = &report.summary;
    let gate_error = report.gate_error();
    let (icon, word) = match (report.verdict, &gate_error) {
        (Verdict::Fail, _) => ("❌", "fail"),
        (Verdict::Pass, Some(_)) => ("⛔", "error"),
        (Verdict::Pass, None) => ("✅", "pass"),
    };
    let _ = writeln!(
        out,
        "### {icon} Performance budget: **{word}** — {}",
        counts(s)
    );
    let alerts = report.alerts();
    if !alerts.is_empty() {
        let kind = if gate_error.is_some() || report.verdict == Verdict::Fail {
            "CAUTION"
        } else {
            "WARNING"
        };
        let _ = writeln!(out, "\n> [!{kind}]");
        for a in &alerts {
            let _ = writeln!(out, "> - {}", escape(a));
        }
    }
    let mut context = Vec::new();
    if let (Some(b), Some(h)) = (&report.base.commit, &report.head.commit) {
        context.push(format!("base {} → head {}", short_sha(b), short_sha(h)));
    }
    context.push(
        match report.method.baseline.as_str() {
            "rerun" => "base measured in this job, interleaved with head",
            "store" => "base from the stored results of an earlier run",
            _ => "base from a results file",
        }
        .to_string(),
    );
    if let Some(url) = &opts.summary_url {
        // A URL we build from the Actions variables; escaped like any text, but kept a link.
        let url = url.replace(['(', ')', ' ', '<', '>', '"'], "");
        context.push(format!(
            "[workflow run]({url}) (its job summary has every result)"
        ));
    }
    let _ = writeln!(out, "\n<sub>{}</sub>", context.join(" · "));
    if let Some(caveat) = report.method.caveat() {
        let _ = writeln!(out, "\n> [!NOTE]\n> {caveat}.");
    }
    out.push('\n');
}

/// `7 budgeted metrics: 1 failed, 5 passed, 1 inconclusive · 96 unbudgeted (not gated)`.
fn counts(s: &super::Summary) -> String {
    let budgeted = s.budgeted();
    let mut parts = vec![format!("{} failed", s.fail), format!("{} passed", s.pass)];
    for (n, word) in [
        (s.inconclusive, "inconclusive"),
        (s.new, "new"),
        (s.missing, "missing"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let mut text = format!(
        "{budgeted} budgeted metric{}: {}",
        plural(budgeted),
        parts.join(", ")
    );
    if s.unbudgeted > 0 {
        let _ = write!(text, " · {} unbudgeted (not gated)", s.unbudgeted);
    }
    text
}

/// The footer: how a verdict was reached, in plain words, with this run's numbers.
fn method_note(report: &Report) -> String {
    let m = &report.method;
    let mut note = String::from("How this was decided: change is head ÷ base − 1. ");
    if m.family == 0 && m.no_noise > 0 {
        note.push_str(
            "Without a noise estimate a `max-regression` budget fails only when the change is well beyond it (see the note above). ",
        );
    }
    if m.family > 0 {
        let guard = match m.correction.as_str() {
            "holm" => format!(
                "with at most a {} chance of any false alarm among the {} comparisons of this run",
                percent(m.alpha),
                m.family
            ),
            "none" => format!("each at a {} false-alarm rate", percent(m.alpha)),
            _ => format!(
                "with at most {} of the flagged slowdowns expected to be false alarms among the {} comparisons of this run",
                percent(m.alpha),
                m.family
            ),
        };
        let _ = write!(
            note,
            "A `max-regression` budget fails only when the slowdown is clearly larger than run-to-run noise ({}), {guard}, and its estimate is over the budget. \
             When the data cannot tell, the result is inconclusive and {}. ",
            percent(m.noise),
            if m.strict { "fails (strict mode)" } else { "does not fail" }
        );
    }
    note.push_str(
        "Getting faster never fails. `max` and `min` budgets compare head's value directly. Metrics no budget names are shown, never gated. Generated by cargo-perf-budget.",
    );
    note
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The icon of a row and the words the legend gives it.
fn icon(r: &MetricResult) -> (&'static str, &'static str) {
    match (r.status, r.kind) {
        (Status::Fail, _) => ("❌", "over budget"),
        _ if r.unbudgeted() => ("⚪", "no budget"),
        (Status::Inconclusive, _) => ("❓", "inconclusive"),
        (Status::New, _) => ("🆕", "new in head"),
        (Status::Missing, _) => ("➖", "missing in head"),
        (_, Kind::Regression) => ("⚠️", "slower, within budget"),
        (_, Kind::Improvement) => ("🚀", "faster"),
        _ => ("✅", "within budget"),
    }
}

/// Binds every number to what follows it with a non-breaking space (`13.0 µs`, `+4.2 %`,
/// `max 2 ms`), so a narrow table never splits them.
fn bind(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if c == ' ' && prev.is_some_and(|p| p.is_ascii_digit()) {
            out.push(NBSP);
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

/// The Budget cell: the rules that applied, the deciding one first.
fn budget_cell(r: &MetricResult) -> String {
    if r.rules.is_empty() {
        return "none".into();
    }
    let mut rules: Vec<&super::RuleOutcome> = r.rules.iter().collect();
    rules.sort_by_key(|x| match x.ok {
        Some(false) => 0,
        None => 1,
        Some(true) => 2,
    });
    let texts: Vec<String> = rules
        .iter()
        .map(|x| {
            let mut t = escape(&x.rule);
            if x.ok == Some(false) {
                t = format!("**{t}**");
            }
            if x.waived.is_some() {
                t.push_str(" (waived)");
            }
            t
        })
        .collect();
    let mut cell = bind(&texts.join(", "));
    if r.failure.is_some() {
        cell.push_str(" (run failed)");
    }
    cell
}

fn table(
    out: &mut String,
    rows: &[&MetricResult],
    with_budget: bool,
    icons: &mut Vec<(&'static str, &'static str)>,
) {
    if with_budget {
        out.push_str("| | Metric | Base | Head | Change | Budget |\n|:-:|---|--:|--:|--:|---|\n");
    } else {
        out.push_str("| | Metric | Base | Head | Change |\n|:-:|---|--:|--:|--:|\n");
    }
    for r in rows {
        let (icon, words) = icon(r);
        if !icons.iter().any(|(i, _)| *i == icon) {
            icons.push((icon, words));
        }
        let side = |s: &Option<super::SideValue>, failed: bool| match s {
            Some(_) if failed => "failed".to_string(),
            Some(s) => bind(&r.unit.format(s.value)),
            None => "—".into(),
        };
        let change = match r.change {
            Some(c) if r.failure.is_none() => bind(&percent_signed(c)),
            _ => "—".into(),
        };
        let _ = write!(
            out,
            "| {icon} | {} | {} | {} | {change} |",
            escape(&r.id),
            side(&r.base, false),
            side(&r.head, r.failure.is_some()),
        );
        if with_budget {
            let _ = write!(out, " {} |", budget_cell(r));
        }
        out.push('\n');
    }
}

/// The interval and the reasoning of each row, collapsed: on demand, not in the table.
fn reasons(out: &mut String, rows: &[&MetricResult]) {
    let mut lines = Vec::new();
    for r in rows {
        let mut parts = Vec::new();
        if let (Some(c), Some([lo, hi])) = (r.change, r.details.decision_ci.or(r.ci)) {
            if r.failure.is_none() {
                parts.push(format!(
                    "change {} (interval {} to {})",
                    percent_signed(c),
                    percent_signed(lo),
                    percent_signed(hi)
                ));
            }
        }
        if r.failure.is_some() {
            // The reason is in the headline, once.
            parts.push("the run failed (see above)".to_string());
        }
        for rule in &r.rules {
            let verdict = match rule.ok {
                Some(true) if rule.waived.is_some() => "waived",
                Some(true) => "holds",
                Some(false) => "violated",
                None => "undecided",
            };
            let mut t = format!("{} {verdict}", escape(&rule.rule));
            // A failed run's reason is said once above, not again for every rule.
            if let Some(m) = rule
                .message
                .as_ref()
                .filter(|m| r.failure.as_ref() != Some(*m))
            {
                let _ = write!(t, ": {}", escape(m));
            }
            if let Some(w) = &rule.waived {
                let _ = write!(t, " (waived: {})", escape(w));
            }
            parts.push(t);
        }
        if !parts.is_empty() {
            lines.push(format!("- {}: {}", escape(&r.id), parts.join("; ")));
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Intervals and how each was decided</summary>\n\n{}\n\n</details>",
            lines.join("\n")
        );
    }
}
