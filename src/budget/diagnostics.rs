//! Budget file diagnostics: one problem with its line, column, key and an optional hint, and the
//! plain-text rendering people read (`path:line:col: error: …`, the offending source line with a
//! caret underneath, then `= help: …`), in the style of rustc and cargo-deny.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

/// Lines longer than this are shown as a window around the problem, so a minified or generated
/// file does not flood the terminal.
const MAX_SNIPPET_CHARS: usize = 120;
/// How much of the line to keep before the problem when a long line is cut.
const SNIPPET_LEAD_CHARS: usize = 40;

/// One problem in a budget file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Dotted path of the key concerned (`settings.alpha`, `budget[2].max-regression`), when
    /// the problem belongs to a key.
    pub key: Option<String>,
    /// What is wrong, one line.
    pub message: String,
    /// How to fix it (`did you mean `max-regression`?`).
    pub help: Option<String>,
    /// The source line the problem is on, with the width of the part to underline.
    pub snippet: Option<Snippet>,
}

/// The offending source line of a [`Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The whole line, without its line break; control characters replaced by `\u{FFFD}` so the
    /// rendering cannot drive a terminal.
    pub text: String,
    /// How many characters to underline from the diagnostic's column (at least 1).
    pub width: usize,
}

impl Diagnostic {
    /// A diagnostic at a known line and column, without source line.
    pub fn new(line: usize, column: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            line,
            column,
            key: None,
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    /// A diagnostic for a byte range of `source`, with its line, column and source line.
    pub fn at(source: &str, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        SourceIndex::new(source).diagnostic(span, message)
    }

    /// Sets the key the problem belongs to.
    pub fn with_key(mut self, key: impl Into<String>) -> Diagnostic {
        self.key = Some(key.into());
        self
    }

    /// Sets the hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The first line: `budgets.toml:12:1: error: unknown key `max-regresion` in [[budget]]`
    /// (the form editors and CI log matchers recognise).
    pub fn headline(&self, path: &Path) -> String {
        format!(
            "{}:{}:{}: error: {}",
            path.display(),
            self.line,
            self.column,
            self.message
        )
    }

    /// The whole diagnostic as people read it: headline, source line with caret, hint.
    pub fn render(&self, path: &Path) -> String {
        let mut out = self.headline(path);
        out.push('\n');
        let gutter = self.line.to_string().len();
        if let Some(snippet) = &self.snippet {
            let (text, caret_at, width) = window(snippet, self.column.saturating_sub(1));
            let _ = writeln!(out, "{:gutter$} |", "");
            if text.is_empty() {
                let _ = writeln!(out, "{} |", self.line);
            } else {
                let _ = writeln!(out, "{} | {text}", self.line);
            }
            // Reproduce tabs before the caret so it lines up under the problem.
            let pad: String = text
                .chars()
                .take(caret_at)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{:gutter$} | {pad}{}", "", "^".repeat(width));
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{:gutter$} = help: {help}", "");
        }
        out
    }
}

/// Cuts a long line to a window around the problem. Returns the text to show, the caret's
/// character offset in it and the caret width.
fn window(snippet: &Snippet, column0: usize) -> (String, usize, usize) {
    let chars: Vec<char> = snippet.text.chars().collect();
    let column0 = column0.min(chars.len());
    let (start, end) = if chars.len() <= MAX_SNIPPET_CHARS {
        (0, chars.len())
    } else {
        let start = column0.saturating_sub(SNIPPET_LEAD_CHARS);
        (start, (start + MAX_SNIPPET_CHARS).min(chars.len()))
    };
    let mut text = String::new();
    let mut caret_at = column0 - start;
    if start > 0 {
        text.push('…');
        caret_at += 1;
    }
    text.extend(&chars[start..end]);
    if end < chars.len() {
        text.push('…');
    }
    let width = snippet.width.min(end.saturating_sub(column0)).max(1);
    (text, caret_at, width)
}

/// Line starts of a text, to turn byte offsets into 1-based line and character column.
#[derive(Debug)]
pub(crate) struct SourceIndex<'s> {
    text: &'s str,
    line_starts: Vec<usize>,
}

impl<'s> SourceIndex<'s> {
    /// The indexed text.
    pub(crate) fn text(&self) -> &'s str {
        self.text
    }

    /// Indexes `text`.
    pub(crate) fn new(text: &'s str) -> SourceIndex<'s> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceIndex { text, line_starts }
    }

    /// 1-based line and character column of a byte offset (clamped into the text and onto a
    /// character boundary, so any offset is safe).
    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor_boundary(offset);
        let line0 = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts[line0];
        let column0 = self.text[start..offset].chars().count();
        (line0 + 1, column0 + 1)
    }

    /// A diagnostic for a byte range, with the source line and the underline width.
    pub(crate) fn diagnostic(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let begin = self.floor_boundary(span.start);
        let (line, column) = self.line_column(begin);
        let line_start = self.line_starts[line - 1];
        let line_end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next.saturating_sub(1));
        let raw = self.text[line_start..line_end.max(line_start)].trim_end_matches('\r');
        // Underline at most to the end of the line; `max` rather than `clamp`, which panics when
        // a span starts inside trailing `\r`s.
        let line_limit = (line_start + raw.len()).max(begin);
        let end = self.floor_boundary(span.end).min(line_limit).max(begin);
        let width = self.text[begin..end].chars().count().max(1);
        let text = raw
            .chars()
            .map(|c| {
                if c.is_control() && c != '\t' {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect();
        Diagnostic {
            line,
            column,
            key: None,
            message: message.into(),
            help: None,
            snippet: Some(Snippet { text, width }),
        }
    }

    /// The text of a byte range, clamped onto character boundaries.
    pub(crate) fn slice(&self, span: Range<usize>) -> &'s str {
        let start = self.floor_boundary(span.start);
        let end = self.floor_boundary(span.end).max(start);
        &self.text[start..end]
    }

    fn floor_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// Renders every diagnostic, separated by blank lines.
pub(crate) fn render_all(path: &Path, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, diagnostic) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&diagnostic.render(path));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_and_survive_any_offset() {
        let text = "a = 1\nµs = \"x\"\r\nlast";
        let index = SourceIndex::new(text);
        assert_eq!(index.line_column(0), (1, 1));
        assert_eq!(index.line_column(6), (2, 1));
        // `=` after the two-byte `µ` and `s` and a space is the 4th character.
        assert_eq!(index.line_column(10), (2, 4));
        // Inside the two bytes of `µ`: floored onto its start.
        assert_eq!(index.line_column(7), (2, 1));
        assert_eq!(index.line_column(usize::MAX), (3, 5));
    }

    #[test]
    fn renders_caret_under_the_span_and_the_help() {
        let text = "[[budget]]\nmax-regresion = \"5%\"\n";
        let d = SourceIndex::new(text)
            .diagnostic(11..24, "unknown key `max-regresion` in [[budget]]")
            .with_help("did you mean `max-regression`?");
        assert_eq!(
            d.render(Path::new("budgets.toml")),
            "budgets.toml:2:1: error: unknown key `max-regresion` in [[budget]]\n  |\n2 | max-regresion = \"5%\"\n  | ^^^^^^^^^^^^^\n  = help: did you mean `max-regression`?\n"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_problem() {
        let text = format!("{}BAD{}", "x".repeat(500), "y".repeat(500));
        let d = SourceIndex::new(&text).diagnostic(500..503, "bad");
        let rendered = d.render(Path::new("f"));
        let shown = rendered.lines().nth(2).unwrap_or_default();
        assert!(shown.chars().count() < 140, "{shown}");
        let caret = rendered.lines().nth(3).unwrap_or_default();
        let shown_col = shown.chars().position(|c| c == 'B');
        let caret_col = caret.chars().position(|c| c == '^');
        assert_eq!(shown_col, caret_col);
        assert!(caret.ends_with("^^^"));
    }
}
