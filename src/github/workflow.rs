//! The GitHub Actions runner's file and stdout protocols: appending to `$GITHUB_STEP_SUMMARY`,
//! writing `$GITHUB_OUTPUT` in the multiline-safe heredoc form, and `::error`/`::warning`
//! workflow commands with the escaping the runner requires. Benchmark names are user input, so
//! everything that ends up in a command or an output is escaped or delimited here.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::report::{Kind, MetricResult, Report, Status};

/// The runner shows at most 10 errors and 10 warnings per step; more are silently dropped, so we
/// emit the first few and one line saying how many were left out.
pub const MAX_ANNOTATIONS_PER_LEVEL: usize = 10;

/// Escapes the message part of a workflow command (after `::`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (`file=`, `title=`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Makes text safe to print where the runner reads workflow commands (a step's stdout and
/// stderr). The runner takes a line as a command when it starts with `::` after leading
/// whitespace, and when it contains `##[` anywhere (the old syntax); it splits lines at `\n` and
/// at `\r`. Benchmark names are user input and may contain all of these, so a name such as
/// `x\n::add-mask::…` must not reach the runner as a command. A line starting with `::` gets an
/// invisible zero-width space in front (the runner's trim does not remove it), and `##[` is
/// written `##\u005b`, which JSON reads back as the same `[`.
pub fn neutralize_commands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive(['\n', '\r']) {
        let body = line.trim_start();
        if body.starts_with("::") {
            out.push_str(&line[..line.len() - body.len()]);
            out.push('\u{200B}');
            out.push_str(body);
        } else {
            out.push_str(line);
        }
    }
    out.replace("##[", "##\\u005b")
}

/// Whether this process runs on a GitHub Actions runner (`GITHUB_ACTIONS=true`), which reads
/// workflow commands from a step's stdout and stderr.
pub fn on_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v.trim() == "true")
}

/// `text` as it may be printed on stdout or stderr: on a runner every line is passed through
/// [`neutralize_commands`], elsewhere it is unchanged. Everything the tool prints goes through
/// here except its own annotations ([`Annotation::command`]).
pub fn guard_output(text: &str) -> std::borrow::Cow<'_, str> {
    if on_actions() {
        std::borrow::Cow::Owned(neutralize_commands(text))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Appends Markdown to the step summary file, creating it if needed.
pub fn append_step_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(markdown.as_bytes())?;
    if !markdown.ends_with('\n') {
        file.write_all(b"\n")?;
    }
    Ok(())
}

/// Appends step outputs to the `$GITHUB_OUTPUT` file in the heredoc form
/// (`name<<DELIM`, value, `DELIM`), which is safe for any value, newlines included.
pub fn write_outputs(path: &Path, outputs: &[(&str, String)]) -> std::io::Result<()> {
    let mut text = String::new();
    for (name, value) in outputs {
        let delimiter = delimiter_for(value);
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// A delimiter that does not occur in `value` (the runner ends the value at the first line equal
/// to the delimiter, so a value could otherwise smuggle in further outputs).
fn delimiter_for(value: &str) -> String {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ (u64::from(std::process::id()) << 32);
    loop {
        // splitmix64: enough to make the delimiter unguessable for a value written beforehand.
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let delimiter = format!("ghadelimiter_{z:016x}");
        if !value.contains(&delimiter) {
            return delimiter;
        }
    }
}

/// The level of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `::error`: a budget is violated.
    Error,
    /// `::warning`: a significant regression within budget, or an undecided rule.
    Warning,
}

/// One `::error`/`::warning` workflow command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Error or warning.
    pub level: Level,
    /// The file to attach it to (relative to the repository root).
    pub file: Option<String>,
    /// The line in that file.
    pub line: Option<u32>,
    /// The bold title.
    pub title: String,
    /// The message.
    pub message: String,
}

impl Annotation {
    /// The workflow command line, escaped.
    pub fn command(&self) -> String {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(file) = &self.file {
            props.push(format!("file={}", escape_property(file)));
            if let Some(line) = self.line {
                props.push(format!("line={line}"));
            }
        }
        props.push(format!("title={}", escape_property(&self.title)));
        // The runner parses a line as a V2 command first, but falls back to the old `##[`
        // syntax, which it finds anywhere in a line: a zero-width space keeps a name from
        // offering it one.
        format!(
            "::{level} {}::{}",
            props.join(","),
            escape_data(&self.message)
        )
        .replace("##[", "##\u{200B}[")
    }
}

/// Annotations for a report: an error for each failing metric and a warning for each
/// regression within budget, at most [`MAX_ANNOTATIONS_PER_LEVEL`] of each (the last slot says
/// how many more there are). `budget_file` is where rules live, relative to the repository
/// root; a rule's `source` (`budgets.toml:12`) gives the line.
pub fn annotations(report: &Report, budget_file: Option<&str>) -> Vec<Annotation> {
    let failing: Vec<&MetricResult> = report.failed().collect();
    let warned: Vec<&MetricResult> = report
        .results
        .iter()
        // A metric no rule names has no budget to be within: it is not annotated.
        .filter(|r| r.status != Status::Fail && r.kind == Kind::Regression && !r.unbudgeted())
        .collect();
    let mut out = Vec::new();
    for (level, list) in [(Level::Error, failing), (Level::Warning, warned)] {
        let shown = if list.len() > MAX_ANNOTATIONS_PER_LEVEL {
            MAX_ANNOTATIONS_PER_LEVEL - 1
        } else {
            list.len()
        };
        for r in &list[..shown] {
            out.push(metric_annotation(level, r, budget_file));
        }
        if list.len() > shown {
            let more = list.len() - shown;
            let what = match level {
                Level::Error => "metrics over budget",
                Level::Warning => "regressions within budget",
            };
            out.push(Annotation {
                level,
                file: budget_file.map(str::to_owned),
                line: None,
                title: format!("{more} more {what}"),
                message: format!(
                    "{more} more {what} are not annotated; the job summary lists all of them."
                ),
            });
        }
    }
    out
}

fn metric_annotation(level: Level, r: &MetricResult, budget_file: Option<&str>) -> Annotation {
    let broken: Vec<_> = r
        .rules
        .iter()
        .filter(|rule| match level {
            Level::Error => rule.ok == Some(false) && rule.waived.is_none(),
            Level::Warning => true,
        })
        .collect();
    let location = broken
        .iter()
        .chain(r.rules.iter().collect::<Vec<_>>().iter())
        .find_map(|rule| rule.source.as_deref().and_then(parse_source));
    let (file, line) = match (budget_file, location) {
        (Some(file), Some((_, line))) => (Some(file.to_owned()), Some(line)),
        (Some(file), None) => (Some(file.to_owned()), None),
        (None, Some((file, line))) => (Some(file), Some(line)),
        (None, None) => (None, None),
    };
    let rules: Vec<&str> = broken.iter().map(|rule| rule.rule.as_str()).collect();
    let title = match level {
        Level::Error => format!("Budget exceeded: {}", r.id),
        Level::Warning => format!("Regression within budget: {}", r.id),
    };
    let mut message = String::new();
    match (r.base, r.head) {
        (Some(base), Some(head)) => message.push_str(&format!(
            "{} → {}",
            r.unit.format(base.value),
            r.unit.format(head.value)
        )),
        (None, Some(head)) => message.push_str(&r.unit.format(head.value)),
        _ => {}
    }
    if let Some(change) = r.change {
        message.push_str(&format!(" ({})", percent(change)));
        if let Some([lo, hi]) = r.ci {
            message.push_str(&format!(" 95 % CI [{}, {}]", percent(lo), percent(hi)));
        }
    }
    if !rules.is_empty() {
        if !message.is_empty() {
            message.push_str("; ");
        }
        message.push_str(&rules.join(", "));
    }
    for rule in &broken {
        if let Some(why) = &rule.message {
            message.push_str(&format!(": {why}"));
            break;
        }
    }
    Annotation {
        level,
        file,
        line,
        title,
        message,
    }
}

fn percent(ratio_minus_one: f64) -> String {
    format!("{:+.1} %", ratio_minus_one * 100.0)
}

/// Splits a rule source such as `budgets.toml:12` (possibly followed by ` [glob]`) into file
/// and line.
fn parse_source(source: &str) -> Option<(String, u32)> {
    let location = source.split_whitespace().next()?;
    let (file, line) = location.rsplit_once(':')?;
    let line = line.parse().ok()?;
    (!file.is_empty()).then(|| (file.to_owned(), line))
}

/// The budget file as the runner wants it in `file=`: relative to the repository root
/// (`GITHUB_WORKSPACE`), with forward slashes.
pub fn annotation_path(budget: &Path, workspace: Option<&Path>) -> String {
    let absolute: PathBuf = if budget.is_absolute() {
        budget.to_owned()
    } else {
        std::env::current_dir()
            .map(|d| d.join(budget))
            .unwrap_or_else(|_| budget.to_owned())
    };
    let absolute = absolute.canonicalize().unwrap_or(absolute);
    let relative = workspace
        .and_then(|w| {
            let w = w.canonicalize().unwrap_or_else(|_| w.to_owned());
            absolute.strip_prefix(&w).ok().map(Path::to_owned)
        })
        .unwrap_or_else(|| budget.to_owned());
    relative.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn a_hostile_name_cannot_start_a_second_command() {
        let a = Annotation {
            level: Level::Error,
            file: Some("budgets.toml".into()),
            line: Some(12),
            title: "Budget exceeded: x,file=evil::y".into(),
            message: "boom\n::add-mask::secret\r\n::error::pwned".into(),
        };
        let cmd = a.command();
        assert_eq!(cmd.lines().count(), 1, "{cmd}");
        let legacy = Annotation {
            message: "a ##[add-mask]b".into(),
            ..a.clone()
        };
        assert!(!legacy.command().contains("##["), "{}", legacy.command());
        assert_eq!(
            cmd,
            "::error file=budgets.toml,line=12,title=Budget exceeded%3A x%2Cfile=evil%3A%3Ay::boom%0A::add-mask::secret%0D%0A::error::pwned"
        );
    }

    #[test]
    fn hostile_text_cannot_become_a_workflow_command() {
        let text = "FAIL criterion/x\n::add-mask::secret\r  ::error::pwned\nid ##[add-mask]s ok\n";
        let safe = neutralize_commands(text);
        for line in safe.split(['\n', '\r']) {
            assert!(!line.trim_start().starts_with("::"), "{line:?}");
            assert!(!line.contains("##["), "{line:?}");
        }
        assert_eq!(
            safe,
            "FAIL criterion/x\n\u{200B}::add-mask::secret\r  \u{200B}::error::pwned\nid ##\\u005badd-mask]s ok\n"
        );
        // JSON stays JSON with the same strings.
        let json = r#"{"id": "a##[error]b"}"#;
        let back: serde_json::Value = serde_json::from_str(&neutralize_commands(json)).unwrap();
        assert_eq!(back["id"], "a##[error]b");
        // Ordinary output is unchanged.
        let table = "        FAIL criterion/parse  1 ms → 2 ms\n  ok x :: y\n";
        assert_eq!(neutralize_commands(table), table);
    }

    #[test]
    fn outputs_use_a_delimiter_the_value_does_not_contain() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out");
        write_outputs(
            &p,
            &[
                ("verdict", "fail".into()),
                ("report", "a\nverdict<<x\npass\nx".into()),
            ],
        )
        .unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let delim = lines[0].strip_prefix("verdict<<").unwrap();
        assert_eq!(lines[1], "fail");
        assert_eq!(lines[2], delim);
        let delim2 = lines[3].strip_prefix("report<<").unwrap();
        assert_eq!(&lines[4..8], &["a", "verdict<<x", "pass", "x"]);
        assert_eq!(lines[8], delim2);
    }

    #[test]
    fn summary_is_appended_not_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("summary.md");
        std::fs::write(&p, "earlier step\n").unwrap();
        append_step_summary(&p, "# ours").unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "earlier step\n# ours\n"
        );
    }

    #[test]
    fn rule_sources_give_file_and_line() {
        assert_eq!(
            parse_source("budgets.toml:12 [criterion/*]"),
            Some(("budgets.toml".into(), 12))
        );
        assert_eq!(parse_source("budgets.toml"), None);
        assert_eq!(parse_source(":3"), None);
    }

    #[test]
    fn annotation_paths_are_relative_to_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("demo")).unwrap();
        let budget = dir.path().join("demo/budgets.toml");
        std::fs::write(&budget, "").unwrap();
        assert_eq!(
            annotation_path(&budget, Some(dir.path())),
            "demo/budgets.toml"
        );
        assert_eq!(
            annotation_path(Path::new("budgets.toml"), None),
            "budgets.toml"
        );
    }
}
