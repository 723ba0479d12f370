//! The short form of a commit SHA, one rule for every place the tool shows one.

/// Characters of a short SHA (git's own default abbreviation).
pub const SHORT_SHA: usize = 7;

/// The first [`SHORT_SHA`] characters of `sha`; shorter input is returned whole.
pub fn short_sha(sha: &str) -> &str {
    match sha.char_indices().nth(SHORT_SHA) {
        Some((end, _)) => &sha[..end],
        None => sha,
    }
}
