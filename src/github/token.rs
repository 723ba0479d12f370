//! The GitHub token: read from the environment, sent only in the `Authorization` header, never
//! printed. [`Token`]'s `Debug` is redacted, and [`Token::scrub`] removes it from any text that
//! came from outside (server messages, transport errors) before that text reaches a person.

use std::fmt;

/// A GitHub token (`GITHUB_TOKEN`, a PAT or an app installation token).
///
/// There is deliberately no `Display` and the `Debug` shows only `Token(***)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Reads the token from the environment variable `name`; `None` when it is unset or blank.
    pub fn from_env(name: &str) -> Option<Token> {
        Token::new(std::env::var(name).ok()?)
    }

    /// Reads the token like [`Token::from_env`] and removes the variable from this process's
    /// environment, so that the processes started afterwards do not inherit it by accident.
    ///
    /// This is hygiene, not a boundary: the kernel keeps the environment a process started with
    /// in `/proc/<pid>/environ`, readable by any process of the same user, so code this process
    /// runs (a pull request's build script) can still read the token. Code that must not reach
    /// the token has to run in a process that never held it (the action runs `check` in a step
    /// without the token and posts from another step).
    pub fn take_from_env(name: &str) -> Option<Token> {
        let token = Token::from_env(name);
        if !name.is_empty() && !name.contains('=') && !name.contains('\0') {
            std::env::remove_var(name);
        }
        token
    }

    /// Wraps a token; `None` when it is blank. Surrounding whitespace (a trailing newline from a
    /// secrets file) is removed, since it would make the header invalid.
    pub fn new(text: String) -> Option<Token> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            None
        } else {
            Some(Token(trimmed.to_owned()))
        }
    }

    /// The secret itself, for the one place that sends it: the octocrab client builder.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the token in `text` with `***`.
    pub fn scrub(&self, text: &str) -> String {
        // Very short "tokens" (a test's `x`) would shred ordinary words; real tokens are 40+
        // characters, and anything under 8 is not worth protecting at that cost.
        if self.0.len() < 8 {
            return text.to_owned();
        }
        text.replace(&self.0, "***")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let t = Token::new("ghs_0123456789abcdefSECRET".into()).unwrap();
        let shown = format!("{t:?} {:#?}", Some(&t));
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("***"));
    }

    #[test]
    fn blank_tokens_are_absent_and_whitespace_is_trimmed() {
        assert!(Token::new("  \n".into()).is_none());
        assert_eq!(Token::new("abc\n".into()).unwrap().expose(), "abc");
    }

    #[test]
    fn a_taken_token_is_gone_from_the_environment_of_children() {
        // A name no other test uses: the process environment is shared between test threads.
        const NAME: &str = "PERF_BUDGET_TEST_TAKEN_TOKEN";
        std::env::set_var(NAME, "ghs_taken0123456789");
        let t = Token::take_from_env(NAME).unwrap();
        assert_eq!(t.expose(), "ghs_taken0123456789");
        assert!(std::env::var_os(NAME).is_none());
        let child = std::process::Command::new("env").output().unwrap();
        assert!(!String::from_utf8_lossy(&child.stdout).contains("ghs_taken"));
        assert!(Token::take_from_env(NAME).is_none());
        assert!(Token::take_from_env("").is_none());
    }

    #[test]
    fn scrub_removes_every_occurrence() {
        let t = Token::new("ghp_secretsecret".into()).unwrap();
        assert_eq!(
            t.scrub("a ghp_secretsecret b ghp_secretsecret"),
            "a *** b ***"
        );
    }
}
