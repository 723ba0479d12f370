//! The Markdown we publish: the job summary (up to the runner's 1 MiB per step) and the PR
//! comment (under GitHub's 65,536 characters). Rendering and escaping belong to
//! `report::markdown`; this module only picks the level of detail that fits.
//!
//! PLACEHOLDER: until the lead's renderer (`report::markdown::{render, render_comment}`) is on
//! main, a minimal renderer below stands in for it with the same behaviour contract (marker on
//! the first line, escaped names, degrading detail). Replace `placeholder::` with
//! `crate::report::markdown::` when merging.

use crate::report::Report;

/// The runner rejects a step summary over 1 MiB; stay a little under.
pub const SUMMARY_LIMIT: usize = 1_000_000;

/// The job summary: the most detailed rendering that fits in [`SUMMARY_LIMIT`] bytes.
pub fn summary(report: &Report) -> String {
    let mut last = String::new();
    for detail in [
        placeholder::Detail::Full,
        placeholder::Detail::CollapsePassing,
        placeholder::Detail::FailingOnly,
        placeholder::Detail::CountsOnly,
    ] {
        last = placeholder::render(
            report,
            &placeholder::MarkdownOptions {
                comment_id: None,
                detail,
                summary_url: None,
            },
        );
        if last.len() <= SUMMARY_LIMIT {
            break;
        }
    }
    last
}

/// The PR comment body, under `max_chars`, with the marker of `comment_id` on its first line.
pub fn comment(
    report: &Report,
    comment_id: &str,
    max_chars: usize,
    summary_url: Option<&str>,
) -> String {
    placeholder::render_comment(report, comment_id, max_chars, summary_url)
}

mod placeholder {
    use crate::report::{Report, Status, Verdict};

    pub struct MarkdownOptions {
        pub comment_id: Option<String>,
        pub detail: Detail,
        pub summary_url: Option<String>,
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    pub enum Detail {
        Full,
        CollapsePassing,
        FailingOnly,
        CountsOnly,
    }

    fn cell(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('|', "\\|")
            .replace('`', "&#96;")
            .replace('@', "@\u{200B}")
            .replace('#', "#\u{200B}")
            .replace(['\r', '\n'], " ")
    }

    pub fn render(report: &Report, opts: &MarkdownOptions) -> String {
        let mut md = String::new();
        if let Some(id) = &opts.comment_id {
            md.push_str(&format!("<!-- cargo-perf-budget:{id} -->\n"));
        }
        let s = report.summary;
        let verdict = match report.verdict {
            Verdict::Pass => "✅ Performance budget met",
            Verdict::Fail => "❌ Performance budget exceeded",
        };
        md.push_str(&format!(
            "## {verdict}\n\n{} failed · {} passed · {} inconclusive · {} new · {} missing\n\n",
            s.fail, s.pass, s.inconclusive, s.new, s.missing
        ));
        if opts.detail != Detail::CountsOnly {
            let rows: Vec<_> = report
                .results
                .iter()
                .filter(|r| opts.detail != Detail::FailingOnly || r.status == Status::Fail)
                .collect();
            md.push_str("| metric | status | change |\n|---|---|---|\n");
            for r in rows {
                let change = r
                    .change
                    .map(|c| format!("{:+.1} %", c * 100.0))
                    .unwrap_or_default();
                md.push_str(&format!(
                    "| {} | {} | {change} |\n",
                    cell(&r.id),
                    r.status.as_str()
                ));
            }
        } else {
            for r in report.failed().take(20) {
                md.push_str(&format!("- ❌ {}\n", cell(&r.id)));
            }
        }
        if let Some(url) = &opts.summary_url {
            md.push_str(&format!("\nFull report: {url}\n"));
        }
        md
    }

    pub fn render_comment(
        report: &Report,
        comment_id: &str,
        max_chars: usize,
        summary_url: Option<&str>,
    ) -> String {
        let mut last = String::new();
        for detail in [
            Detail::Full,
            Detail::CollapsePassing,
            Detail::FailingOnly,
            Detail::CountsOnly,
        ] {
            last = render(
                report,
                &MarkdownOptions {
                    comment_id: Some(comment_id.to_owned()),
                    detail,
                    summary_url: summary_url.map(str::to_owned),
                },
            );
            if last.chars().count() <= max_chars {
                break;
            }
        }
        last
    }
}
