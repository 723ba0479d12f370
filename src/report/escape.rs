//! Neutralising text that came from outside the tool — metric ids, benchmark names, commit
//! subjects, error messages of other tools — before a renderer shows it. One policy per medium,
//! used by every renderer: [`markdown`] for anything that becomes a PR comment or a job summary,
//! [`terminal`] for anything printed to a terminal.

/// Escapes user-supplied text for Markdown (a table cell or a line of prose) as GitHub renders
/// it: no raw HTML, no table breaks, no Markdown emphasis, links, code spans or math, no live
/// `@mention` or `#123` reference, no autolinked URL, and no control or bidirectional-override
/// characters that would make the text read differently from what it is.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            // A zero-width space after `@` and `#` keeps the text readable but stops GitHub from
            // turning it into a mention or an issue link.
            '@' | '#' => {
                out.push(c);
                out.push('\u{200B}');
            }
            // `https://…` and `www.…` are autolinked even in table cells: a zero-width space
            // inside the scheme separator or after `www` breaks the link, not the reading.
            ':' if chars.peek() == Some(&'/') => out.push_str(":\u{200B}"),
            '.' if out.ends_with("www") => out.push_str("\u{200B}."),
            c if is_invisible_or_control(c) => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// Makes user-supplied text safe to print on a terminal: every control character (escape
/// sequences that clear the screen or set the window title, carriage returns that overwrite a
/// line) and every bidirectional override becomes `?`, so what is shown is what is there.
pub fn terminal(text: &str) -> String {
    text.chars()
        .map(|c| if is_invisible_or_control(c) { '?' } else { c })
        .collect()
}

/// Control characters (C0, DEL, C1 such as U+0085) and the Unicode bidirectional controls
/// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C).
fn is_invisible_or_control(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_inert() {
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("<b>x</b>"), "&lt;b&gt;x&lt;/b&gt;");
        assert_eq!(markdown("@user #12"), "@\u{200B}user #\u{200B}12");
        assert_eq!(markdown("$x^2$"), "\\$x^2\\$");
        assert_eq!(markdown("a\nb"), "a b");
        assert!(!markdown("see https://evil.example/x").contains("https://"));
        assert!(!markdown("www.evil.example").contains("www."));
        assert!(!markdown("abc\u{202E}fed").contains('\u{202E}'));
        assert!(!markdown("a\u{0085}b").contains('\u{0085}'));
        assert_eq!(markdown("criterion/parse/1KB"), "criterion/parse/1KB");
        assert_eq!(markdown("time: 3 ms"), "time: 3 ms");
    }

    #[test]
    fn terminal_has_no_escape_sequences() {
        assert_eq!(terminal("a\u{1b}[2Jb"), "a?[2Jb");
        assert_eq!(terminal("\u{1b}]0;title\u{7}"), "?]0;title?");
        assert_eq!(terminal("x\ry"), "x?y");
        assert_eq!(terminal("abc\u{202E}fed"), "abc?fed");
        assert_eq!(terminal("µs/iter ✓"), "µs/iter ✓");
    }
}
