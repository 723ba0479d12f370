//! The terminal table, in the manner of cargo's own output: a status word, the metric, base and
//! head values, the change with its interval and the rule that decided. Failing rows first.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::escape::terminal as clean;
use super::format::{percent, percent_signed};
use super::{Kind, MetricResult, Report, Status, Verdict};

/// Rows shown without `--verbose` before passing rows are only counted.
const QUIET_LIMIT: usize = 40;

/// Renders the table. `color` adds ANSI styles; `verbose` shows every row and secondary
/// statistics.
pub fn render(report: &Report, color: bool, verbose: bool) -> String {
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
    let dim = Style::new().dimmed();

    let show_all = verbose || report.results.len() <= QUIET_LIMIT;
    let shown: Vec<&MetricResult> = report
        .results
        .iter()
        .filter(|r| show_all || r.status != Status::Pass || r.kind == Kind::Regression)
        .collect();
    let width = shown
        .iter()
        .map(|r| clean(&r.id).chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 60);

    for r in &shown {
        let (word, style) = match (r.status, r.kind) {
            (Status::Fail, _) => ("FAIL", red),
            (Status::Inconclusive, _) => ("?", yellow),
            (Status::New, _) => ("new", cyan),
            (Status::Missing, _) => ("missing", yellow),
            (_, Kind::Regression) => ("slower", yellow),
            (_, Kind::Improvement) => ("faster", green),
            _ => ("ok", green),
        };
        let side = |s: &Option<super::SideValue>| {
            s.map(|s| r.unit.format(s.value))
                .unwrap_or_else(|| "—".into())
        };
        // The interval the decision used (adjusted like it), else the 95 % interval.
        let change = match (r.change, r.details.decision_ci.or(r.ci)) {
            (Some(c), Some([lo, hi])) => format!(
                "{} [{}, {}]",
                percent_signed(c),
                percent_signed(lo),
                percent_signed(hi)
            ),
            (Some(c), None) => percent_signed(c),
            _ => String::new(),
        };
        // Metric ids, rule texts and messages come from results files and budget files: no
        // escape sequence of theirs reaches the terminal.
        let id = clean(&r.id);
        let id: String = if id.chars().count() > width {
            let mut s: String = id.chars().take(width - 1).collect();
            s.push('…');
            s
        } else {
            id
        };
        let _ = writeln!(
            out,
            "{} {id:<width$}  {:>10} → {:<10} {change}",
            paint(style, &format!("{word:>12}")),
            side(&r.base),
            side(&r.head),
        );
        for rule in &r.rules {
            let decided = match rule.ok {
                Some(true) if rule.waived.is_some() => paint(yellow, "waived"),
                Some(true) => paint(green, "ok"),
                Some(false) => paint(red, "violated"),
                None => paint(yellow, "undecided"),
            };
            let mut line = format!("{:>12} {} {decided}", "", clean(&rule.rule));
            if let Some(m) = &rule.message {
                let _ = write!(line, ": {}", clean(m));
            }
            if let Some(w) = &rule.waived {
                let _ = write!(line, " (waived: {})", clean(w));
            }
            if verbose {
                if let Some(src) = &rule.source {
                    let _ = write!(line, " {}", paint(dim, &format!("[{}]", clean(src))));
                }
            }
            let _ = writeln!(out, "{line}");
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
            let _ = writeln!(out, "{:>12} {}", "", paint(dim, &extra.join(" · ")));
        }
    }
    let hidden = report.results.len() - shown.len();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "{:>12} … and {hidden} more within budget (--verbose shows them)",
            ""
        );
    }
    for n in &report.notes {
        let _ = writeln!(
            out,
            "{} {}",
            paint(yellow, &format!("{:>12}", "note:")),
            clean(n)
        );
    }
    let s = &report.summary;
    let verdict = match report.verdict {
        Verdict::Pass => paint(green, "PASS"),
        Verdict::Fail => paint(red, "FAIL"),
    };
    let _ = writeln!(
        out,
        "{:>12} {verdict}: {} failed, {} passed, {} inconclusive, {} new, {} missing ({} relative checks, {} noise margin, {}; baseline: {})",
        "verdict",
        s.fail,
        s.pass,
        s.inconclusive,
        s.new,
        s.missing,
        report.method.family,
        percent(report.method.noise),
        report.method.correction,
        report.method.baseline
    );
    if let Some(caveat) = report.method.caveat() {
        let _ = writeln!(
            out,
            "{} {caveat}.",
            paint(yellow, &format!("{:>12}", "caveat:"))
        );
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
        };
        let out = render(&report, false, true);
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(!out.contains('\r'), "{out:?}");
        assert!(!out.contains('\u{7}'), "{out:?}");
        assert!(out.contains("criterion/?[2J?]0;pwned?"), "{out:?}");
    }
}
