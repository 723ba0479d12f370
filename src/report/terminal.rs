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
    let mut out = String::new();
    let paint = |style: Style, text: &str| -> String {
        if color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    };
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let green = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
    let cyan = Style::new().fg_color(Some(AnsiColor::Cyan.into())).bold();
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let plain_red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let plain_green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    // Continuation lines start under the metric column.
    let wrap_at = |text: &str| wrap(text, width, STATUS + 1);

    // What must be seen first: a gate with nothing to judge, tool thresholds, failed runs.
    let gate_error = report.gate_error();
    for alert in report.alerts() {
        let (word, style) = if gate_error.as_deref() == Some(alert.as_str()) {
            ("error:", red)
        } else {
            ("warning:", yellow)
        };
        let _ = writeln!(
            out,
            "{} {}",
            paint(style, &format!("{word:>STATUS$}")),
            wrap_at(&clean(&alert))
        );
    }

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
    let change_text =
        |r: &MetricResult, interval: bool| match (r.change, r.details.decision_ci.or(r.ci)) {
            _ if r.failure.is_some() => String::new(),
            (Some(c), Some([lo, hi])) if interval => format!(
                "{} [{}, {}]",
                percent_signed(c),
                percent_signed(lo),
                percent_signed(hi)
            ),
            (Some(c), _) => percent_signed(c),
            _ => String::new(),
        };
    let side = |r: &MetricResult, s: &Option<super::SideValue>, failed: bool| match s {
        Some(_) if failed => "failed".to_string(),
        Some(s) => r.unit.format(s.value),
        None => "—".into(),
    };
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

    if !shown.is_empty() {
        let header = format!(
            "{:>STATUS$} {:<id_width$}  {:>10}   {:<10} {}",
            "status",
            "metric",
            "base",
            "head",
            if with_interval {
                "change [interval]"
            } else {
                "change"
            }
        );
        let _ = writeln!(out, "{}", paint(bold, header.trim_end()));
    }
    for (i, r) in shown.iter().enumerate() {
        if i == budgeted_shown && i > 0 {
            let _ = writeln!(
                out,
                "{:>STATUS$} {}",
                "",
                paint(dim, "metrics no budget rule names (shown, not gated):")
            );
        }
        let (word, style) = match (r.status, r.kind) {
            (Status::Fail, _) => ("FAIL", red),
            _ if r.unbudgeted() => ("no budget", dim),
            (Status::Inconclusive, _) => ("?", yellow),
            (Status::New, _) => ("new", cyan),
            (Status::Missing, _) => ("missing", yellow),
            (_, Kind::Regression) => ("slower", yellow),
            (_, Kind::Improvement) => ("faster", green),
            _ => ("ok", green),
        };
        let change = change_text(r, with_interval);
        let change = match r.kind {
            _ if change.is_empty() => change,
            Kind::Regression => paint(plain_red, &change),
            Kind::Improvement => paint(plain_green, &change),
            _ => change,
        };
        // Metric ids, rule texts and messages come from results files and budget files: no
        // escape sequence of theirs reaches the terminal.
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
            paint(style, &format!("{word:>STATUS$}")),
            side(r, &r.base, false),
            side(r, &r.head, r.failure.is_some()),
        );
        let _ = writeln!(out, "{}", line.trim_end());
        // The failed run's reason is in the warnings at the top, once, not on every metric.
        if r.failure.is_some() && !r.unbudgeted() {
            let _ = writeln!(out, "{:>STATUS$} run failed (see the warning above)", "");
        }
        for rule in &r.rules {
            let decided = match rule.ok {
                Some(true) if rule.waived.is_some() => "waived",
                Some(true) => "ok",
                Some(false) => "violated",
                None => "undecided",
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
            let text = wrap_at(&text);
            // Colour the verdict word only (wrapping counted it uncoloured).
            let styled = text.replacen(
                decided,
                &paint(
                    match rule.ok {
                        Some(true) if rule.waived.is_some() => yellow,
                        Some(true) => green,
                        Some(false) => red,
                        None => yellow,
                    },
                    decided,
                ),
                1,
            );
            let _ = writeln!(out, "{:>STATUS$} {styled}", "");
        }
        if verbose {
            let d = &r.details;
            let mut extra = vec![format!("method {}", r.method)];
            if let (Some(p), Some(q)) = (r.p, r.q) {
                extra.push(format!("p {p:.2e}, q {q:.2e}"));
            }
            if let Some(p) = d.mwu_p {
                extra.push(format!("Mann–Whitney p {p:.2e}"));
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
                paint(dim, &wrap_at(&extra.join(" · ")))
            );
        }
    }
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
    for n in report.notes.iter().filter(|n| {
        report.tool_thresholds.is_empty() || !n.starts_with("tool threshold crossed in head:")
    }) {
        let _ = writeln!(
            out,
            "{} {}",
            paint(yellow, &format!("{:>STATUS$}", "note:")),
            wrap_at(&clean(n))
        );
    }
    let s = &report.summary;
    let verdict = match (report.verdict, &gate_error) {
        (Verdict::Fail, _) => paint(red, "FAIL"),
        (Verdict::Pass, Some(_)) => paint(red, "ERROR"),
        (Verdict::Pass, None) => paint(green, "PASS"),
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
    let _ = writeln!(
        out,
        "{} {verdict}: {}",
        paint(bold, &format!("{:>STATUS$}", "verdict")),
        wrap_at(&line)
    );
    let _ = writeln!(
        out,
        "{} {}",
        paint(dim, &format!("{:>STATUS$}", "how:")),
        paint(dim, &wrap_at(&how(report)))
    );
    if let Some(caveat) = report.method.caveat() {
        let _ = writeln!(
            out,
            "{} {}",
            paint(yellow, &format!("{:>STATUS$}", "caveat:")),
            wrap_at(&format!("{caveat}."))
        );
    }
    out
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
