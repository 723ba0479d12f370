//! Globs over metric ids, as written in `[[budget]]` and `[[waiver]]` blocks and on the command
//! line: `*` stays inside one `/`-separated segment, `**` crosses segments, `{a,b}` alternates,
//! and a brace group without a comma is literal so that k6 tag sets such as
//! `k6/api/http_req_duration{name:slow}/p(95)` match themselves.

use globset::{GlobBuilder, GlobMatcher};

/// Compiles a metric-id glob.
///
/// globset reads every `{…}` as alternation, so `{name:slow}` would match the text `name:slow`
/// without its braces and a budget on a tagged k6 metric would silently match nothing. A group
/// with a single alternative is never useful as alternation, so such groups are taken literally.
pub fn compile_metric_glob(pattern: &str) -> Result<GlobMatcher, globset::Error> {
    let glob = GlobBuilder::new(&escape_single_alternatives(pattern))
        .literal_separator(true)
        // Explicit, because globset's default differs on Windows.
        .backslash_escape(true)
        .build()?;
    Ok(glob.compile_matcher())
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

    #[test]
    fn invalid_globs_are_errors() {
        assert!(compile_metric_glob("criterion/[abc").is_err());
        assert!(compile_metric_glob("criterion/{a,b").is_err());
    }
}
