//! Globs over metric ids, as written in `[[budget]]` and `[[waiver]]` blocks and on the command
//! line: `*` stays inside one `/`-separated segment, `**` crosses segments, `{a,b}` alternates,
//! and a brace group without a comma is literal so that k6 tag sets such as
//! `k6/api/http_req_duration{name:slow}/p(95)` match themselves.

use globset::{GlobBuilder, GlobMatcher};

/// The longest glob accepted, in characters. globset turns a glob into a regular expression and
/// panics when that expression exceeds its size limit (tens of thousands of `*` do); no metric id
/// or file path needs a glob anywhere near this long, and below it every glob compiles.
pub const MAX_GLOB_CHARS: usize = 4096;

/// Why a glob was refused.
#[derive(Debug, thiserror::Error)]
pub enum GlobError {
    /// Longer than [`MAX_GLOB_CHARS`].
    #[error("the glob is {chars} characters long; at most {MAX_GLOB_CHARS} are accepted")]
    TooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// Not valid glob syntax.
    #[error("{}", .0.kind())]
    Syntax(#[from] globset::Error),
}

/// Compiles a metric-id glob.
///
/// globset reads every `{…}` as alternation, so `{name:slow}` would match the text `name:slow`
/// without its braces and a budget on a tagged k6 metric would silently match nothing. A group
/// with a single alternative is never useful as alternation, so such groups are taken literally.
pub fn compile_metric_glob(pattern: &str) -> Result<GlobMatcher, GlobError> {
    check_glob_length(pattern)?;
    let glob = GlobBuilder::new(&escape_single_alternatives(pattern))
        .literal_separator(true)
        // Explicit, because globset's default differs on Windows.
        .backslash_escape(true)
        .build()?;
    Ok(glob.compile_matcher())
}

/// Compiles a file-path glob (`*` within one path component, `**` across), refusing globs too
/// long to compile; every user-written glob goes through here or [`compile_metric_glob`].
pub fn compile_path_glob(pattern: &str) -> Result<GlobMatcher, GlobError> {
    check_glob_length(pattern)?;
    let glob = GlobBuilder::new(pattern).literal_separator(true).build()?;
    Ok(glob.compile_matcher())
}

/// Refuses a glob longer than [`MAX_GLOB_CHARS`] before globset sees it.
pub fn check_glob_length(pattern: &str) -> Result<(), GlobError> {
    let chars = pattern.chars().count();
    if chars > MAX_GLOB_CHARS {
        return Err(GlobError::TooLong { chars });
    }
    Ok(())
}

/// Escapes `{` and `}` of every brace group that has no top-level comma.
fn escape_single_alternatives(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut literal_braces = vec![false; chars.len()];
    let mut open: Vec<(usize, bool)> = Vec::new(); // (index of `{`, saw a comma)
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class => open.push((i, false)),
            ',' if !in_class => {
                if let Some(last) = open.last_mut() {
                    last.1 = true;
                }
            }
            '}' if !in_class => {
                if let Some((start, saw_comma)) = open.pop() {
                    if !saw_comma {
                        literal_braces[start] = true;
                        literal_braces[i] = true;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut out = String::with_capacity(pattern.len() + 4);
    for (c, literal) in chars.into_iter().zip(literal_braces) {
        if literal {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(glob: &str, id: &str) -> bool {
        compile_metric_glob(glob)
            .map(|m| m.is_match(id))
            .unwrap_or(false)
    }

    #[test]
    fn star_stays_in_a_segment_and_double_star_crosses() {
        assert!(matches("criterion/parse/*", "criterion/parse/sum"));
        assert!(!matches("criterion/parse/*", "criterion/parse/sum_sq/1000"));
        assert!(matches("criterion/**", "criterion/parse/sum_sq/1000"));
        assert!(matches(
            "lighthouse/*/score/performance",
            "lighthouse/home/score/performance"
        ));
    }

    #[test]
    fn k6_tag_sets_are_literal_and_real_alternation_still_works() {
        let id = "k6/api/http_req_duration{name:slow}/p(95)";
        assert!(matches(id, id));
        assert!(!matches(id, "k6/api/http_req_durationname:slow/p(95)"));
        assert!(matches("k6/api/http_req_duration{*}/p(95)", id));
        assert!(matches(
            "k6/api/{http_reqs,http_req_failed}/rate",
            "k6/api/http_reqs/rate"
        ));
        assert!(matches(
            "k6/api/{http_reqs,http_req_failed}/rate",
            "k6/api/http_req_failed/rate"
        ));
    }

    /// globset panics on globs whose regular expression is too large; the worst shapes at the
    /// length cap must still compile, and longer ones must be errors, not panics.
    #[test]
    fn the_longest_accepted_globs_compile_and_longer_ones_are_errors() {
        let worst = [
            "*".repeat(MAX_GLOB_CHARS),
            "?".repeat(MAX_GLOB_CHARS),
            "[!a]".repeat(MAX_GLOB_CHARS / 4),
            "**/".repeat(MAX_GLOB_CHARS / 3),
            "{a,*}".repeat(MAX_GLOB_CHARS / 5),
            "{?,{*,[!/]}}".repeat(MAX_GLOB_CHARS / 12),
            "[!\u{80}-\u{10FFFF}]".repeat(MAX_GLOB_CHARS / 6),
        ];
        for glob in &worst {
            assert!(glob.chars().count() <= MAX_GLOB_CHARS);
            assert!(compile_metric_glob(glob).is_ok(), "{glob}");
            assert!(compile_path_glob(glob).is_ok(), "{glob}");
        }
        let long = "*".repeat(88_000);
        let err = compile_metric_glob(&long).unwrap_err().to_string();
        assert!(err.contains("88000") && err.contains("4096"), "{err}");
        assert!(compile_path_glob(&long).is_err());
    }

    #[test]
    fn invalid_globs_are_errors() {
        assert!(compile_metric_glob("criterion/[abc").is_err());
        assert!(compile_metric_glob("criterion/{a,b").is_err());
    }
}
