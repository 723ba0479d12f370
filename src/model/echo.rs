//! Quoting user text in messages: a budget value, a glob or a metric id is shown quoted and
//! escaped, and cut to a bound so that a 100 000-character value does not become one line of
//! that length on a terminal or in a CI log.

/// The most characters of user text a message quotes; longer text is cut with an ellipsis and
/// its length.
pub const MAX_ECHO_CHARS: usize = 120;

/// `text` quoted and escaped as Rust's `{:?}` would (`"5 parsecs\n"`), cut after
/// [`MAX_ECHO_CHARS`] characters with `…` and the full length.
pub fn echo(text: &str) -> String {
    let chars = text.chars().count();
    if chars <= MAX_ECHO_CHARS {
        return format!("{text:?}");
    }
    let cut: String = text.chars().take(MAX_ECHO_CHARS).collect();
    let quoted = format!("{cut:?}");
    format!("{}…\" ({chars} characters)", &quoted[..quoted.len() - 1])
}

/// `text` cut after [`MAX_ECHO_CHARS`] characters with `…`, unquoted, for places that quote in
/// their own way (backticks around a key, an id in a `{:?}`).
pub fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_ECHO_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((end, _)) => std::borrow::Cow::Owned(format!("{}…", &text[..end])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_quoted_and_long_text_is_cut() {
        assert_eq!(echo("5 parsecs\n"), "\"5 parsecs\\n\"");
        let long = "x".repeat(100_000);
        let shown = echo(&long);
        assert!(shown.chars().count() < MAX_ECHO_CHARS + 40, "{shown}");
        assert!(
            shown.contains('…') && shown.contains("100000 characters"),
            "{shown}"
        );
        assert_eq!(shorten("short"), "short");
        assert_eq!(shorten(&long).chars().count(), MAX_ECHO_CHARS + 1);
        let wide = "é".repeat(MAX_ECHO_CHARS + 1);
        assert!(echo(&wide).starts_with("\"éé"));
    }
}
