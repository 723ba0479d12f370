//! The terminal table, in the manner of cargo's own output: a status word, the metric, base and
//! head values, the change with its interval and the rule that decided. Failing rows first.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::escape::terminal as clean;
use super::format::{percent, percent_signed};
use super::{Kind, MetricResult, Report, Status, Verdict};

/// Rows shown without `--verbose` before passing rows are only counted.
const QUIET_LIMIT: usize = 40;

/// Width of the status column.
const STATUS: usize = 12;

/// Renders the table without wrapping (a file, a pipe). `color` adds ANSI styles; `verbose`
/// shows every row and secondary statistics.
pub fn render(report: &Report, color: bool, verbose: bool) -> String {
    render_with(report, color, verbose, None)
}

/// Renders the table, wrapping long lines at `width` columns when given (a terminal).
pub fn render_with(report: &Report, color: bool, verbose: bool, width: Option<usize>) -> String {
    let p = Painter { color, width };
    let mut out = String::new();
    let gate_error = report.gate_error();
    alerts(&mut out, report, gate_error.as_deref(), &p);

    let show_all = verbose || report.results.len() <= QUIET_LIMIT;
    // Budgeted rows first; metrics no rule names after them, or only counted.
    let mut shown: Vec<&MetricResult> = report
        .results
        .iter()
        .filter(|r| !r.unbudgeted() || r.status == Status::Fail)
        .filter(|r| show_all || r.status != Status::Pass || r.kind == Kind::Regression)
        .collect();
    let budgeted_shown = shown.len();
    if show_all {
        shown.extend(
            report
                .results
                .iter()
                .filter(|r| r.unbudgeted() && r.status != Status::Fail),
        );
    }
    let columns = Columns::fit(&shown, width);
    if !shown.is_empty() {
        columns.header(&mut out, &p);
    }
    for (i, r) in shown.iter().enumerate() {
        if i == budgeted_shown && i > 0 {
            let _ = writeln!(
                out,
                "{:>STATUS$} {}",
                "",
                p.paint(DIM, "metrics no budget rule names (shown, not gated):")
            );
        }
        columns.row(&mut out, r, &p);
        rule_lines(&mut out, r, verbose, &p);
        if verbose {
            details_line(&mut out, r, &p);
        }
    }
    hidden_counts(&mut out, report, budgeted_shown, show_all);
    footer(&mut out, report, gate_error.is_some(), &p);
    out
}

const RED: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .bold();
const GREEN: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)))
    .bold();
const YELLOW: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)))
    .bold();
const CYAN: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)))
    .bold();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const PLAIN_RED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const PLAIN_GREEN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));

/// Colours (or not) and wraps (or not) what the table prints.
struct Painter {
    color: bool,
    width: Option<usize>,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    /// Wrapped so that continuation lines start under the metric column.
    fn wrap(&self, text: &str) -> String {
        wrap(text, self.width, STATUS + 1)
    }

    /// A line led by `label` in the status column.
    fn labelled(&self, out: &mut String, label: &str, style: Style, text: &str) {
        let _ = writeln!(
            out,
            "{} {text}",
            self.paint(style, &format!("{label:>STATUS$}"))
        );
    }
}

/// What must be seen first: a gate with nothing to judge, tool thresholds, failed runs.
fn alerts(out: &mut String, report: &Report, gate_error: Option<&str>, p: &Painter) {
    for alert in report.alerts() {
        let (word, style) = if gate_error == Some(alert.as_str()) {
            ("error:", RED)
        } else {
            ("warning:", YELLOW)
        };
        p.labelled(out, word, style, &p.wrap(&clean(&alert)));
    }
}

/// The widths of the table's columns, fitted to the rows shown and the terminal.
struct Columns {
    id_width: usize,
    with_interval: bool,
}

impl Columns {
    fn fit(shown: &[&MetricResult], width: Option<usize>) -> Columns {
        let longest_change = shown
            .iter()
            .map(|r| change_text(r, true).chars().count())
            .max()
            .unwrap_or(0);
        // The fixed columns: status, two spaces, base (10) → head (10), a space, the change.
        let fixed = STATUS + 1 + 2 + 10 + 3 + 10 + 1;
        let mut id_width = shown
            .iter()
            .map(|r| clean(&r.id).chars().count())
            .max()
            .unwrap_or(6)
            .clamp(6, 60);
        let mut with_interval = true;
        if let Some(w) = width {
            if fixed + id_width + longest_change > w {
                // Narrow terminal: the interval goes to the rule lines, then the id is cut.
                with_interval = false;
                let room = w.saturating_sub(fixed + 9);
                id_width = id_width.min(room).max(12);
            }
        }
        Columns {
            id_width,
            with_interval,
        }
    }

    fn header(&self, out: &mut String, p: &Painter) {
        let id_width = self.id_width;
        let header = format!(
            "{:>STATUS$} {:<id_width$}  {:>10}   {:<10} {}",
            "status",
            "metric",
            "base",
            "head",
            if self.with_interval {
                "change [interval]"
            } else {
                "change"
            }
        );
        let _ = writeln!(out, "{}", p.paint(BOLD, header.trim_end()));
    }

    /// A metric's line: status word, id, base → head, change.
    fn row(&self, out: &mut String, r: &MetricResult, p: &Painter) {
        let (word, style) = match (r.status, r.kind) {
            (Status::Fail, _) => ("FAIL", RED),
            _ if r.unbudgeted() => ("no budget", DIM),
            (Status::Inconclusive, _) => ("?", YELLOW),
            (Status::New, _) => ("new", CYAN),
            (Status::Missing, _) => ("missing", YELLOW),
            (_, Kind::Regression) => ("slower", YELLOW),
            (_, Kind::Improvement) => ("faster", GREEN),
            _ => ("ok", GREEN),
        };
        let change = change_text(r, self.with_interval);
        let change = match r.kind {
            _ if change.is_empty() => change,
            Kind::Regression => p.paint(PLAIN_RED, &change),
            Kind::Improvement => p.paint(PLAIN_GREEN, &change),
            _ => change,
        };
        // Metric ids, rule texts and messages come from results files and budget files: no
        // escape sequence of theirs reaches the terminal.
        let id_width = self.id_width;
        let id = clean(&r.id);
        let id: String = if id.chars().count() > id_width {
            let mut s: String = id.chars().take(id_width - 1).collect();
            s.push('…');
            s
        } else {
            id
        };
        let line = format!(
            "{} {id:<id_width$}  {:>10} → {:<10} {change}",
            p.paint(style, &format!("{word:>STATUS$}")),
            side(r, &r.base, false),
            side(r, &r.head, r.failure.is_some()),
        );
        let _ = writeln!(out, "{}", line.trim_end());
        // The failed run's reason is in the warnings at the top, once, not on every metric.
        if r.failure.is_some() && !r.unbudgeted() {
            let _ = writeln!(out, "{:>STATUS$} run failed (see the warning above)", "");
        }
    }
}

/// The change, with the interval the decision used when `interval`.
fn change_text(r: &MetricResult, interval: bool) -> String {
    match (r.change, r.details.decision_ci.or(r.ci)) {
        _ if r.failure.is_some() => String::new(),
        (Some(c), Some([lo, hi])) if interval => format!(
            "{} [{}, {}]",
            percent_signed(c),
            percent_signed(lo),
            percent_signed(hi)
        ),
        (Some(c), _) => percent_signed(c),
        _ => String::new(),
    }
}

/// One side's value, "failed" for a failed run's placeholder, "—" when absent.
fn side(r: &MetricResult, s: &Option<super::SideValue>, failed: bool) -> String {
    match s {
        Some(_) if failed => "failed".to_string(),
        Some(s) => r.unit.format(s.value),
        None => "—".into(),
    }
}

/// A line per rule of the metric: the rule, its verdict word (coloured), its message.
fn rule_lines(out: &mut String, r: &MetricResult, verbose: bool, p: &Painter) {
    for rule in &r.rules {
        let (decided, style) = match rule.ok {
            Some(true) if rule.waived.is_some() => ("waived", YELLOW),
            Some(true) => ("ok", GREEN),
            Some(false) => ("violated", RED),
            None => ("undecided", YELLOW),
        };
        let mut text = format!("{} {decided}", clean(&rule.rule));
        // A failed run's reason is printed once above.
        if let Some(m) = rule
            .message
            .as_ref()
            .filter(|m| r.failure.as_ref() != Some(*m))
        {
            let _ = write!(text, ": {}", clean(m));
        }
        if let Some(w) = &rule.waived {
            let _ = write!(text, " (waived: {})", clean(w));
        }
        if verbose {
            if let Some(src) = &rule.source {
                let _ = write!(text, " [{}]", clean(src));
            }
        }
        // Colour the verdict word only (wrapping counted it uncoloured).
        let styled = p.wrap(&text).replacen(decided, &p.paint(style, decided), 1);
        let _ = writeln!(out, "{:>STATUS$} {styled}", "");
    }
}

/// `--verbose`: the method and secondary statistics of a metric, dimmed.
fn details_line(out: &mut String, r: &MetricResult, p: &Painter) {
    let d = &r.details;
    let mut extra = vec![format!("method {}", r.method)];
    if let (Some(pv), Some(q)) = (r.p, r.q) {
        extra.push(format!("p {pv:.2e}, q {q:.2e}"));
    }
    if let Some(mw) = d.mwu_p {
        extra.push(format!("Mann–Whitney p {mw:.2e}"));
    }
    if let Some(hl) = d.hl_change {
        extra.push(format!("Hodges–Lehmann {}", percent_signed(hl)));
    }
    if let Some(m) = d.mde {
        extra.push(format!("detectable ≥ {}", percent(m)));
    }
    if let Some(n) = &d.noise {
        extra.push(format!("noise: {}", clean(n)));
    }
    if let Some(o) = &d.outliers {
        extra.push(format!("outliers: {o}"));
    }
    let _ = writeln!(
        out,
        "{:>STATUS$} {}",
        "",
        p.paint(DIM, &p.wrap(&extra.join(" · ")))
    );
}

/// What the table left out: budgeted rows within budget, and metrics no rule names.
fn hidden_counts(out: &mut String, report: &Report, budgeted_shown: usize, show_all: bool) {
    let hidden_budgeted = report
        .results
        .iter()
        .filter(|r| !r.unbudgeted() || r.status == Status::Fail)
        .count()
        - budgeted_shown;
    if hidden_budgeted > 0 {
        let _ = writeln!(
            out,
            "{:>STATUS$} … and {hidden_budgeted} more within budget (--verbose shows them)",
            ""
        );
    }
    let unbudgeted = report.summary.unbudgeted;
    if unbudgeted > 0 && !show_all {
        let _ = writeln!(
            out,
            "{:>STATUS$} … and {unbudgeted} metric{} no budget rule names, not gated (--verbose shows them)",
            "",
            if unbudgeted == 1 { "" } else { "s" }
        );
    }
}

/// The notes, the verdict line with its counts, how it was decided and the caveat.
fn footer(out: &mut String, report: &Report, gate_error: bool, p: &Painter) {
    for n in report.notes.iter().filter(|n| {
        report.tool_thresholds.is_empty() || !n.starts_with("tool threshold crossed in head:")
    }) {
        p.labelled(out, "note:", YELLOW, &p.wrap(&clean(n)));
    }
    let s = &report.summary;
    let verdict = match (report.verdict, gate_error) {
        (Verdict::Fail, _) => p.paint(RED, "FAIL"),
        (Verdict::Pass, true) => p.paint(RED, "ERROR"),
        (Verdict::Pass, false) => p.paint(GREEN, "PASS"),
    };
    let mut counts = vec![format!("{} failed", s.fail), format!("{} passed", s.pass)];
    for (n, word) in [
        (s.inconclusive, "inconclusive"),
        (s.new, "new"),
        (s.missing, "missing"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {word}"));
        }
    }
    let mut line = format!(
        "{} of {} budgeted metric{}",
        counts.join(", "),
        s.budgeted(),
        if s.budgeted() == 1 { "" } else { "s" }
    );
    if s.unbudgeted > 0 {
        let _ = write!(line, "; {} unbudgeted, not gated", s.unbudgeted);
    }
    p.labelled(
        out,
        "verdict",
        BOLD,
        &format!("{verdict}: {}", p.wrap(&line)),
    );
    p.labelled(out, "how:", DIM, &p.paint(DIM, &p.wrap(&how(report))));
    if let Some(caveat) = report.method.caveat() {
        p.labelled(out, "caveat:", YELLOW, &p.wrap(&format!("{caveat}.")));
    }
}

/// The method in plain words: where the base came from and how slowdowns were judged.
fn how(report: &Report) -> String {
    let m = &report.method;
    let base = match m.baseline.as_str() {
        "rerun" => "base measured in this job, interleaved with head",
        "store" => "base from the stored results of an earlier run",
        _ => "base from a results file",
    };
    if m.family == 0 {
        return match m.no_noise {
            0 => format!("{base}; no relative budget was tested"),
            n => format!(
                "{base}; {n} relative budget{} judged without a noise estimate (see the caveat)",
                if n == 1 { "" } else { "s" }
            ),
        };
    }
    let guard = match m.correction.as_str() {
        "holm" => format!("at most a {} chance of any false alarm", percent(m.alpha)),
        "none" => format!("a {} false-alarm rate each", percent(m.alpha)),
        _ => format!("false alarms held to {} of flagged ones", percent(m.alpha)),
    };
    format!(
        "{base}; {} comparison{} judged beyond {} run-to-run noise, {guard}",
        m.family,
        if m.family == 1 { "" } else { "s" },
        percent(m.noise)
    )
}

/// Wraps `text` at `width` columns (counted in characters), indenting continuation lines by
/// `indent` spaces; the first line is assumed to start at column `indent` too. No wrapping when
/// `width` is `None` or too small to hold a word.
fn wrap(text: &str, width: Option<usize>, indent: usize) -> String {
    let Some(width) = width.filter(|w| *w > indent + 20) else {
        return text.to_string();
    };
    let room = width - indent;
    let mut out = String::with_capacity(text.len() + 16);
    let mut col = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        if col > 0 && col + 1 + len > room {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Unit};
    use crate::report::{Details, MethodInfo, Side, Summary, REPORT_SCHEMA};

    #[test]
    fn escape_sequences_in_ids_and_notes_never_reach_the_terminal() {
        let result = MetricResult {
            id: "criterion/\u{1b}[2J\u{1b}]0;pwned\u{7}".into(),
            unit: Unit::Nanoseconds,
            direction: Direction::Lower,
            base: None,
            head: None,
            change: None,
            ci: None,
            p: None,
            q: None,
            status: Status::New,
            kind: Kind::Unknown,
            rules: Vec::new(),
            method: "none".into(),
            details: Details::default(),
            failure: None,
        };
        let report = Report {
            schema: REPORT_SCHEMA.into(),
            verdict: Verdict::Pass,
            base: Side::default(),
            head: Side::default(),
            summary: Summary::default(),
            results: vec![result],
            notes: vec!["head: \u{1b}[31mred\r".into()],
            method: MethodInfo::default(),
            history: Default::default(),
            tool_thresholds: Vec::new(),
        };
        let out = render(&report, false, true);
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(!out.contains('\r'), "{out:?}");
        assert!(!out.contains('\u{7}'), "{out:?}");
        assert!(out.contains("criterion/?[2J?]0;pwned?"), "{out:?}");
    }
}
