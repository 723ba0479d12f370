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
    /// Link to the full job summary, shown when rows were left out.
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

/// Renders the report.
pub fn render(report: &Report, opts: &MarkdownOptions) -> String {
    let mut out = String::new();
    if let Some(id) = &opts.comment_id {
        out.push_str(&marker(id));
        out.push('\n');
    }
    let s = &report.summary;
    let (icon, word) = match report.verdict {
        Verdict::Pass => ("✅", "pass"),
        Verdict::Fail => ("❌", "fail"),
    };
    let _ = writeln!(
        out,
        "### {icon} Performance budget: **{word}** — {} failed, {} passed, {} inconclusive, {} new, {} missing",
        s.fail, s.pass, s.inconclusive, s.new, s.missing
    );
    if let (Some(b), Some(h)) = (&report.base.commit, &report.head.commit) {
        let _ = writeln!(
            out,
            "\n<sub>base {} · head {} · baseline: {}</sub>",
            short_sha(b),
            short_sha(h),
            report.method.baseline
        );
    }
    if let Some(caveat) = report.method.caveat() {
        let _ = writeln!(out, "\n> [!NOTE]\n> {caveat}.");
    }
    out.push('\n');

    let important: Vec<&MetricResult> = report
        .results
        .iter()
        .filter(|r| {
            r.status == Status::Fail
                || (opts.detail < Detail::FailingOnly
                    && (r.kind == Kind::Regression || r.status == Status::Inconclusive))
        })
        .collect();
    let rest: Vec<&MetricResult> = report
        .results
        .iter()
        .filter(|r| !important.iter().any(|i| std::ptr::eq(*i, *r)))
        .collect();

    match opts.detail {
        Detail::CountsOnly => {
            let failed: Vec<&MetricResult> = report.failed().collect();
            if !failed.is_empty() {
                out.push_str("Failed:\n\n");
                for r in failed {
                    let rule = r
                        .rules
                        .iter()
                        .find(|x| x.ok == Some(false))
                        .map(|x| x.rule.as_str())
                        .unwrap_or("");
                    let _ = writeln!(out, "- {} ({})", escape(&r.id), escape(rule));
                }
            }
        }
        _ => {
            if !important.is_empty() {
                table(&mut out, &important);
            }
            let shown_rest: Vec<&MetricResult> = match opts.detail {
                Detail::Full => rest.clone(),
                Detail::CollapsePassing => rest
                    .iter()
                    .copied()
                    .filter(|r| r.status != Status::Pass)
                    .collect(),
                _ => Vec::new(),
            };
            if !shown_rest.is_empty() {
                let _ = writeln!(
                    out,
                    "\n<details><summary>{} more results</summary>\n",
                    shown_rest.len()
                );
                table(&mut out, &shown_rest);
                out.push_str("\n</details>\n");
            }
            let hidden = rest.len() - shown_rest.len();
            if hidden > 0 {
                let _ = writeln!(
                    out,
                    "\n{hidden} more results not shown here (all within budget)."
                );
            }
        }
    }
    if opts.detail != Detail::Full {
        if let Some(url) = &opts.summary_url {
            let _ = writeln!(out, "\nEvery result: [job summary]({url}).");
        } else {
            out.push_str("\nEvery result is in the job summary and the JSON report.\n");
        }
    }

    if opts.detail <= Detail::CollapsePassing {
        for (id, points) in &report.history {
            if points.len() >= 2 {
                out.push('\n');
                out.push_str(&super::chart::mermaid_trend(id, points));
            }
        }
    }

    if !report.notes.is_empty() && opts.detail <= Detail::FailingOnly {
        out.push_str("\n**Notes**\n\n");
        for n in &report.notes {
            let _ = writeln!(out, "- {}", escape(n));
        }
    }

    let m = &report.method;
    let _ = write!(
        out,
        "\n<sub>How to read this: change is head/base − 1 with the interval its verdict used (the lower bound adjusted over the run's \
         checks as the decision was; the 95 % interval where no decision was made), estimated on the log scale \
         (for benchmarks rerun in rounds, the mean of the per-round changes). A relative budget fails only when the change is significant \
         beyond the {} noise margin after {} over {} checks (α = {}) and the estimate exceeds the budget; \
         inconclusive results {}. Improvements never fail. Generated by cargo-perf-budget.</sub>\n",
        percent(m.noise),
        match m.correction.as_str() {
            "holm" => "Holm's correction",
            "none" => "no multiple-testing correction",
            _ => "Benjamini–Hochberg",
        },
        m.family,
        m.alpha,
        if m.strict { "fail (strict)" } else { "do not fail" }
    );
    out
}

fn table(out: &mut String, rows: &[&MetricResult]) {
    out.push_str("| | Metric | Base | Head | Change | Rule |\n|:-:|---|--:|--:|--:|---|\n");
    for r in rows {
        let icon = match (r.status, r.kind) {
            (Status::Fail, _) => "❌",
            (Status::Inconclusive, _) => "❔",
            (Status::New, _) => "🆕",
            (Status::Missing, _) => "➖",
            (_, Kind::Regression) => "⚠️",
            (_, Kind::Improvement) => "🚀",
            _ => "✅",
        };
        let side = |s: &Option<super::SideValue>| {
            s.map(|s| r.unit.format(s.value))
                .unwrap_or_else(|| "—".into())
        };
        // The interval the decision used (adjusted like it), else the 95 % interval.
        let change = match (r.change, r.details.decision_ci.or(r.ci)) {
            (Some(c), Some([lo, hi])) => {
                format!("{} [{}, {}]", percent_signed(c), trim_pct(lo), trim_pct(hi))
            }
            (Some(c), None) => percent_signed(c),
            _ => "—".into(),
        };
        let rule = r
            .rules
            .iter()
            .find(|x| x.ok == Some(false))
            .or_else(|| r.rules.iter().find(|x| x.ok.is_none()))
            .or_else(|| r.rules.first())
            .map(|x| {
                let mut s = x.rule.clone();
                if let Some(m) = &x.message {
                    s.push_str(": ");
                    s.push_str(m);
                }
                if let Some(w) = &x.waived {
                    s.push_str(" (waived: ");
                    s.push_str(w);
                    s.push(')');
                }
                s
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {icon} | {} | {} | {} | {} | {} |",
            escape(&r.id),
            side(&r.base),
            side(&r.head),
            change,
            escape(&rule)
        );
    }
}

/// `+2.1` from `+2.1 %`, for compact CI bounds.
fn trim_pct(x: f64) -> String {
    percent_signed(x).trim_end_matches(" %").to_string()
}
