//! The Markdown we publish: the job summary (up to the runner's 1 MiB per step) and the PR
//! comment (under GitHub's 65,536 characters). Rendering and escaping belong to
//! [`crate::report::markdown`]; this module only picks the level of detail that fits.

use crate::report::markdown::{self, Detail, MarkdownOptions};
use crate::report::Report;

/// The runner rejects a step summary over 1 MiB; stay a little under.
pub const SUMMARY_LIMIT: usize = 1_000_000;

/// The job summary: the most detailed rendering that fits in [`SUMMARY_LIMIT`] bytes.
pub fn summary(report: &Report) -> String {
    let mut last = String::new();
    for detail in [
        Detail::Full,
        Detail::CollapsePassing,
        Detail::FailingOnly,
        Detail::CountsOnly,
    ] {
        last = markdown::render(
            report,
            &MarkdownOptions {
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
    markdown::render_comment(report, comment_id, max_chars, summary_url)
}
