//! Reading and validating `budgets.toml` into a [`BudgetFile`].
//!
//! The file is parsed into toml's spanned document tree and walked by hand rather than through
//! serde with `deny_unknown_fields`, because serde stops at the first problem and we report
//! every problem of the file at once, each with its line, column and a hint (unknown keys get the
//! closest valid key). A file that is not TOML at all gets one diagnostic at toml's position:
//! after a syntax error the rest of the tree is toml's guesswork and would only add noise.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::GlobMatcher;
use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

use super::diagnostics::{render_all, Diagnostic, SourceIndex};
use super::metric_glob::compile_metric_glob;
use super::{
    BaselineMode, BudgetFile, BudgetRule, CommentOn, CorrectionSetting, CriterionConfig, K6Config,
    LighthouseConfig, Location, Settings, UnmatchedPolicy, Waiver,
};
use crate::model::echo::{echo, shorten};
use crate::model::input_file::read_document;
use crate::model::{Direction, Quantity, UnitError};

/// The budget file name looked for by default.
pub const DEFAULT_BUDGET_FILE: &str = "budgets.toml";

/// Keys of `[settings]`.
pub const SETTINGS_KEYS: &[&str] = &[
    "alpha",
    "noise",
    "baseline",
    "rounds",
    "max-rounds",
    "extra-time",
    "main-branch",
    "correction",
    "strict",
    "unmatched",
    "no-noise-factor",
    "suite",
    "comment-on",
];
/// Keys of `[criterion]`.
pub const CRITERION_KEYS: &[&str] = &[
    "benches",
    "args",
    "package",
    "features",
    "output",
    "warm-up",
    "measurement",
];
/// Keys of `[[lighthouse]]`.
pub const LIGHTHOUSE_KEYS: &[&str] = &["name", "reports", "url", "runs", "serve", "args"];
/// Keys of `[[k6]]`.
pub const K6_KEYS: &[&str] = &["name", "summary", "points", "script", "serve", "args"];
/// Keys of `[[budget]]`.
pub const BUDGET_KEYS: &[&str] = &["metric", "max", "min", "max-regression", "direction"];
/// Keys of `[[waiver]]`.
pub const WAIVER_KEYS: &[&str] = &["metric", "reason", "expires"];

/// Every table of a budget file, whether it is an array of tables (`[[…]]`), and its keys.
pub const SCHEMA: &[(&str, TableKind, &[&str])] = &[
    ("settings", TableKind::Single, SETTINGS_KEYS),
    ("criterion", TableKind::Single, CRITERION_KEYS),
    ("lighthouse", TableKind::Array, LIGHTHOUSE_KEYS),
    ("k6", TableKind::Array, K6_KEYS),
    ("budget", TableKind::Array, BUDGET_KEYS),
    ("waiver", TableKind::Array, WAIVER_KEYS),
];

/// How a top-level table of the budget file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Once, as `[name]`.
    Single,
    /// Any number of times, as `[[name]]`.
    Array,
}

impl TableKind {
    fn header(self, name: &str) -> String {
        match self {
            TableKind::Single => format!("[{name}]"),
            TableKind::Array => format!("[[{name}]]"),
        }
    }
}

/// Why a budget file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    /// The file could not be read.
    #[error("{}", io_message(path, source))]
    Io {
        /// The budget file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file was read but has problems; every one of them is listed.
    #[error("{}", invalid_message(path, diagnostics))]
    Invalid {
        /// The budget file.
        path: PathBuf,
        /// Every problem, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

fn io_message(path: &Path, source: &std::io::Error) -> String {
    if source.kind() == std::io::ErrorKind::NotFound {
        format!(
            "cannot read budget file {} (write one with `cargo perf-budget init`)",
            path.display()
        )
    } else {
        format!("cannot read budget file {}", path.display())
    }
}

/// Whether every metric id the glob can match is one whose values cannot be negative: all of
/// Lighthouse (timings, sizes, counts, scores, layout shift), and k6 rates and counts.
fn only_non_negative(glob: &str) -> bool {
    let literal = |segment: &str| !segment.contains(['*', '?', '[', '{']);
    let first = glob.split('/').next().unwrap_or("");
    let last = glob.rsplit('/').next().unwrap_or("");
    (first == "lighthouse") || (first == "k6" && literal(last) && matches!(last, "rate" | "count"))
}

fn invalid_message(path: &Path, diagnostics: &[Diagnostic]) -> String {
    let count = match diagnostics.len() {
        1 => "1 error".to_string(),
        n => format!("{n} errors"),
    };
    let body = render_all(path, diagnostics);
    format!(
        "budget file {} has {count}:\n\n{}",
        path.display(),
        body.trim_end()
    )
}

/// Reads and validates a budget file. I/O errors name the path.
pub fn load(path: &Path) -> Result<BudgetFile, BudgetError> {
    let bytes = read_document(path).map_err(|source| BudgetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => parse(&text, path),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            // The valid prefix is enough to locate the bad byte and show its line.
            let prefix = String::from_utf8_lossy(&err.as_bytes()[..valid]).into_owned();
            let diagnostic = Diagnostic::at(&prefix, valid..valid, "the file is not valid UTF-8")
                .with_help("TOML files must be UTF-8 text");
            Err(BudgetError::Invalid {
                path: path.to_path_buf(),
                diagnostics: vec![diagnostic],
            })
        }
    }
}

/// Validates the text of a budget file; `path` is used in the result and in messages.
pub fn parse(text: &str, path: &Path) -> Result<BudgetFile, BudgetError> {
    // A byte-order mark is invisible in editors; columns count from after it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let index = SourceIndex::new(text);
    let (root, mut errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.span().map_or(0, |s| s.start));
        let first = &errors[0];
        let span = first.span().unwrap_or(0..0);
        let diagnostic = index.diagnostic(span, format!("invalid TOML: {}", first.message()));
        return Err(BudgetError::Invalid {
            path: path.to_path_buf(),
            diagnostics: vec![diagnostic],
        });
    }
    let mut checker = Checker {
        index,
        diagnostics: Vec::new(),
        misspelt: HashSet::new(),
    };
    let file = checker.document(root.get_ref(), path);
    if checker.diagnostics.is_empty() {
        Ok(file)
    } else {
        let mut diagnostics = checker.diagnostics;
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(BudgetError::Invalid {
            path: path.to_path_buf(),
            diagnostics,
        })
    }
}

/// Where the budget file is by default: `budgets.toml` next to the given manifest directory;
/// without one, next to the nearest `Cargo.toml` at or above the current directory (see
/// [`find_manifest_dir`]), else `./budgets.toml`.
pub fn default_budget_path(manifest_dir: Option<&Path>) -> PathBuf {
    match manifest_dir
        .map(Path::to_path_buf)
        .or_else(find_manifest_dir)
    {
        Some(dir) => dir.join(DEFAULT_BUDGET_FILE),
        None => PathBuf::from(DEFAULT_BUDGET_FILE),
    }
}

/// The directory of the nearest `Cargo.toml` at or above the current directory, as cargo finds
/// its manifest. The result is relative (`""` for the current directory, then `..`, `../..`), so
/// messages show short paths.
pub fn find_manifest_dir() -> Option<PathBuf> {
    let depth = std::env::current_dir()
        .map(|cwd| cwd.ancestors().count())
        .unwrap_or(1);
    let mut dir = PathBuf::new();
    for _ in 0..depth {
        if dir.join("Cargo.toml").is_file() {
            return Some(dir);
        }
        dir.push("..");
    }
    None
}

type Value<'i> = Spanned<DeValue<'i>>;
type Key<'i> = Spanned<DeString<'i>>;

/// One table being checked: `[settings]`, or one `[[budget]]` block.
struct Block<'t, 'i> {
    table: &'t DeTable<'i>,
    /// The header (`[[budget]]`), or the inline table.
    span: Range<usize>,
    /// `[[budget]]`, for messages.
    title: String,
    /// `budget[2]`, for [`Diagnostic::key`].
    path: String,
}

impl<'t, 'i> Block<'t, 'i> {
    fn entry(&self, key: &str) -> Option<(&'t Key<'i>, &'t Value<'i>)> {
        self.table.iter().find(|(k, _)| k.get_ref() == key)
    }

    fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    fn key_path(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }
}

/// Walks the document and collects every problem.
struct Checker<'s> {
    index: SourceIndex<'s>,
    diagnostics: Vec<Diagnostic>,
    /// Key paths suggested for unknown keys (`budget[0].max-regression` for a misspelling).
    misspelt: HashSet<String>,
}

impl Checker<'_> {
    fn report(
        &mut self,
        span: Range<usize>,
        key: Option<String>,
        message: String,
        help: Option<String>,
    ) {
        let mut diagnostic = self.index.diagnostic(span, message);
        diagnostic.key = key;
        diagnostic.help = help;
        self.diagnostics.push(diagnostic);
    }

    fn location(&self, span: &Range<usize>) -> Location {
        let (line, column) = self.index.line_column(span.start);
        Location { line, column }
    }

    fn document(&mut self, root: &DeTable<'_>, path: &Path) -> BudgetFile {
        for (key, value) in root.iter() {
            if !SCHEMA.iter().any(|(name, _, _)| name == key.get_ref()) {
                self.unknown_top_level(key, value);
            }
        }
        let entry = |name: &str| root.iter().find(|(k, _)| k.get_ref() == name);

        let criterion = entry("criterion")
            .and_then(|(k, v)| self.single_table(k, v, "criterion"))
            .map(|block| self.criterion(&block));
        let mut settings = entry("settings")
            .and_then(|(k, v)| self.single_table(k, v, "settings"))
            .map(|block| self.settings(&block))
            .unwrap_or_default();
        // The default baseline depends on the file as a whole: rerunning needs benches to run.
        let baseline = settings.baseline.take().unwrap_or(if criterion.is_some() {
            BaselineMode::Rerun
        } else {
            BaselineMode::Store
        });

        let mut lighthouse = Vec::new();
        let mut names = HashMap::new();
        if let Some((k, v)) = entry("lighthouse") {
            for block in self.table_array(k, v, "lighthouse") {
                lighthouse.push(self.lighthouse(&block, &mut names));
            }
        }
        let mut k6 = Vec::new();
        let mut names = HashMap::new();
        if let Some((k, v)) = entry("k6") {
            for block in self.table_array(k, v, "k6") {
                k6.push(self.k6(&block, &mut names));
            }
        }
        let mut budgets = Vec::new();
        if let Some((k, v)) = entry("budget") {
            for (index, block) in self.table_array(k, v, "budget").into_iter().enumerate() {
                if let Some(rule) = self.budget(&block, index) {
                    budgets.push(rule);
                }
            }
        }
        // Every `[[k6]]` table computes from its stream what a budget names (ids of other
        // sources or labels are ignored by the importer).
        let wanted: Vec<String> = budgets.iter().map(|r| r.metric.clone()).collect();
        for k in &mut k6 {
            k.wanted.clone_from(&wanted);
        }
        let mut waivers = Vec::new();
        if let Some((k, v)) = entry("waiver") {
            for block in self.table_array(k, v, "waiver") {
                if let Some(waiver) = self.waiver(&block) {
                    waivers.push(waiver);
                }
            }
        }

        BudgetFile {
            path: path.to_path_buf(),
            settings: settings.finish(baseline),
            criterion,
            lighthouse,
            k6,
            budgets,
            waivers,
            source: self.index.text().to_string(),
        }
    }

    fn unknown_top_level(&mut self, key: &Key<'_>, value: &Value<'_>) {
        let name = key.get_ref().as_ref();
        let is_table = match value.get_ref() {
            DeValue::Table(_) => true,
            DeValue::Array(items) => items
                .iter()
                .all(|item| matches!(item.get_ref(), DeValue::Table(_))),
            _ => false,
        };
        let top: Vec<&str> = SCHEMA.iter().map(|(n, _, _)| *n).collect();
        let help = if let Some(best) = closest(name, &top) {
            let kind = SCHEMA
                .iter()
                .find(|(n, _, _)| *n == best)
                .map_or(TableKind::Single, |(_, kind, _)| *kind);
            Some(format!("did you mean `{}`?", kind.header(best)))
        } else if let Some(home) = table_owning(name) {
            Some(format!("`{}` belongs in {home}", shorten(name)))
        } else {
            Some(format!(
                "a budget file has the tables {}",
                SCHEMA
                    .iter()
                    .map(|(n, kind, _)| format!("`{}`", kind.header(n)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        };
        let message = if is_table {
            format!("unknown table `{}`", shorten(name))
        } else {
            format!("unknown key `{}` at the top level", shorten(name))
        };
        self.report(key.span(), Some(name.to_string()), message, help);
    }

    /// `[settings]` or `[criterion]`: one table.
    fn single_table<'t, 'i>(
        &mut self,
        key: &'t Key<'i>,
        value: &'t Value<'i>,
        name: &str,
    ) -> Option<Block<'t, 'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(Block {
                table,
                span: value.span(),
                title: format!("[{name}]"),
                path: name.to_string(),
            }),
            DeValue::Array(_) => {
                self.report(
                    value.span(),
                    Some(name.to_string()),
                    format!("`{name}` is a single table, not an array of tables"),
                    Some(format!("write `[{name}]` once, not `[[{name}]]`")),
                );
                None
            }
            other => {
                self.report(
                    key.span(),
                    Some(name.to_string()),
                    format!("`{name}` must be a table, found {}", describe(other)),
                    Some(format!("write a `[{name}]` table")),
                );
                None
            }
        }
    }

    /// `[[budget]]` and friends: an array of tables. A lone `[budget]` table is reported and
    /// then checked anyway, so its other problems show up in the same run.
    fn table_array<'t, 'i>(
        &mut self,
        key: &'t Key<'i>,
        value: &'t Value<'i>,
        name: &str,
    ) -> Vec<Block<'t, 'i>> {
        let title = format!("[[{name}]]");
        match value.get_ref() {
            DeValue::Array(items) => {
                let mut blocks = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.get_ref() {
                        DeValue::Table(table) => blocks.push(Block {
                            table,
                            span: item.span(),
                            title: title.clone(),
                            path: format!("{name}[{i}]"),
                        }),
                        other => self.report(
                            item.span(),
                            Some(format!("{name}[{i}]")),
                            format!(
                                "each `{name}` entry must be a table, found {}",
                                describe(other)
                            ),
                            Some(format!("write one `{title}` block per entry")),
                        ),
                    }
                }
                blocks
            }
            DeValue::Table(table) => {
                self.report(
                    value.span(),
                    Some(name.to_string()),
                    format!("`[{name}]` must be written `{title}`"),
                    Some(format!(
                        "there can be several `{name}` blocks, each starts with `{title}`"
                    )),
                );
                vec![Block {
                    table,
                    span: value.span(),
                    title,
                    path: format!("{name}[0]"),
                }]
            }
            other => {
                self.report(
                    key.span(),
                    Some(name.to_string()),
                    format!(
                        "`{name}` must be a list of `{title}` blocks, found {}",
                        describe(other)
                    ),
                    None,
                );
                Vec::new()
            }
        }
    }

    /// Reports every key of `block` that is not in `allowed`, and remembers the keys suggested
    /// so that a typo is not reported a second time as a missing key.
    fn unknown_keys(&mut self, block: &Block<'_, '_>, allowed: &[&str]) {
        for (key, _) in block.table.iter() {
            let name = key.get_ref().as_ref();
            if allowed.contains(&name) {
                continue;
            }
            let help = if let Some(best) = closest(name, allowed) {
                self.misspelt.insert(block.key_path(best));
                format!("did you mean `{best}`?")
            } else if let Some(home) = table_owning(name) {
                format!("`{}` belongs in {home}", shorten(name))
            } else {
                format!(
                    "valid keys in {}: {}",
                    block.title,
                    allowed
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            self.report(
                key.span(),
                Some(block.key_path(name)),
                format!("unknown key `{}` in {}", shorten(name), block.title),
                Some(help),
            );
        }
    }

    fn wrong_type(&mut self, block: &Block<'_, '_>, key: &str, value: &Value<'_>, expected: &str) {
        // `rounds = "3"`, `strict = "true"`: the value is right, the quotes are not.
        let help = match value.get_ref() {
            DeValue::String(s)
                if s.trim().parse::<f64>().is_ok_and(f64::is_finite)
                    || matches!(s.trim(), "true" | "false") =>
            {
                Some(format!("remove the quotes: `{key} = {}`", s.trim()))
            }
            _ => None,
        };
        self.report(
            value.span(),
            Some(block.key_path(key)),
            format!(
                "`{key}` in {} must be {expected}, found {}",
                block.title,
                describe(value.get_ref())
            ),
            help,
        );
    }

    fn invalid(
        &mut self,
        block: &Block<'_, '_>,
        key: &str,
        span: Range<usize>,
        message: String,
        help: Option<String>,
    ) {
        self.report(span, Some(block.key_path(key)), message, help);
    }

    /// Whether the key is in the block, or was meant by a misspelt key reported already.
    fn written(&self, block: &Block<'_, '_>, key: &str) -> bool {
        block.has(key) || self.misspelt.contains(&block.key_path(key))
    }

    fn missing(&mut self, block: &Block<'_, '_>, key: &str, help: &str) {
        if self.misspelt.contains(&block.key_path(key)) {
            return;
        }
        self.report(
            block.span.clone(),
            Some(block.key_path(key)),
            format!("{} is missing `{key}`", block.title),
            Some(help.to_string()),
        );
    }

    fn string(&mut self, block: &Block<'_, '_>, key: &str) -> Option<Spanned<String>> {
        let (_, value) = block.entry(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Spanned::new(value.span(), s.to_string())),
            _ => {
                self.wrong_type(block, key, value, "a string");
                None
            }
        }
    }

    /// A string that must say something.
    fn text(&mut self, block: &Block<'_, '_>, key: &str) -> Option<String> {
        self.non_empty(block, key).map(Spanned::into_inner)
    }

    /// A string that must say something, with where it stands (for later checks of its content).
    fn non_empty(&mut self, block: &Block<'_, '_>, key: &str) -> Option<Spanned<String>> {
        let value = self.string(block, key)?;
        if value.get_ref().trim().is_empty() {
            self.invalid(
                block,
                key,
                value.span(),
                format!("`{key}` in {} must not be empty", block.title),
                None,
            );
            return None;
        }
        Some(value)
    }

    fn boolean(&mut self, block: &Block<'_, '_>, key: &str) -> Option<bool> {
        let (_, value) = block.entry(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(block, key, value, "`true` or `false`");
                None
            }
        }
    }

    /// An integer within `range`.
    fn integer(
        &mut self,
        block: &Block<'_, '_>,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<u32> {
        let (_, value) = block.entry(key)?;
        let expected = format!("an integer from {} to {}", range.start(), range.end());
        let DeValue::Integer(int) = value.get_ref() else {
            self.wrong_type(block, key, value, &expected);
            return None;
        };
        let parsed = i64::from_str_radix(int.as_str(), int.radix()).ok();
        match parsed
            .filter(|n| range.contains(n))
            .and_then(|n| u32::try_from(n).ok())
        {
            Some(n) => Some(n),
            None => {
                self.invalid(
                    block,
                    key,
                    value.span(),
                    format!(
                        "`{key}` in {} must be {expected}, found {}",
                        block.title,
                        self.index_text(value.span())
                    ),
                    None,
                );
                None
            }
        }
    }

    /// A finite number (integer or float) and its span.
    fn number(&mut self, block: &Block<'_, '_>, key: &str, expected: &str) -> Option<Spanned<f64>> {
        let (_, value) = block.entry(key)?;
        match number_of(value.get_ref()) {
            Some(n) if n.is_finite() => Some(Spanned::new(value.span(), n)),
            _ => {
                self.wrong_type(block, key, value, expected);
                None
            }
        }
    }

    fn string_list(&mut self, block: &Block<'_, '_>, key: &str) -> Vec<String> {
        let Some((_, value)) = block.entry(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            let help = match value.get_ref() {
                DeValue::String(s) => Some(format!("write `{key} = [{s:?}]`")),
                _ => None,
            };
            self.report(
                value.span(),
                Some(block.key_path(key)),
                format!(
                    "`{key}` in {} must be an array of strings, found {}",
                    block.title,
                    describe(value.get_ref())
                ),
                help,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) => out.push(s.to_string()),
                other => self.report(
                    item.span(),
                    Some(format!("{}[{i}]", block.key_path(key))),
                    format!(
                        "`{key}` in {} must be an array of strings, but item {} is {}",
                        block.title,
                        i + 1,
                        describe(other)
                    ),
                    None,
                ),
            }
        }
        out
    }

    /// One of a fixed set of words.
    fn choice<T: Copy>(
        &mut self,
        block: &Block<'_, '_>,
        key: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let words: Vec<&str> = options.iter().map(|(w, _)| *w).collect();
        let allowed = words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let (_, value) = block.entry(key)?;
        let DeValue::String(word) = value.get_ref() else {
            self.wrong_type(block, key, value, &format!("one of {allowed}"));
            return None;
        };
        if let Some((_, t)) = options.iter().find(|(w, _)| *w == word.as_ref()) {
            return Some(*t);
        }
        let help = closest(word, &words).map(|best| format!("did you mean \"{best}\"?"));
        self.invalid(
            block,
            key,
            value.span(),
            format!(
                "`{key}` in {} must be one of {allowed}, found {}",
                block.title,
                describe(value.get_ref())
            ),
            help,
        );
        None
    }

    /// A percentage string such as `"5%"`, as a fraction. Bare numbers are refused: `0.05` and
    /// `5` would both be plausible readings, and guessing wrong moves a gate by a factor of 100.
    fn percentage(
        &mut self,
        block: &Block<'_, '_>,
        key: &str,
        example: &str,
    ) -> Option<Spanned<f64>> {
        let (_, value) = block.entry(key)?;
        let suggestion = |n: f64| {
            let percent = if n > 0.0 && n < 1.0 { n * 100.0 } else { n };
            format!("write `{key} = \"{}%\"`", trim_number(percent))
        };
        match value.get_ref() {
            DeValue::String(s) => match parse_percent(s) {
                Some(fraction) => Some(Spanned::new(value.span(), fraction)),
                None => {
                    let help = s
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .map(suggestion);
                    self.invalid(
                        block,
                        key,
                        value.span(),
                        format!(
                            "`{key}` in {} must be a percentage such as \"{example}\", found {}",
                            block.title,
                            describe(value.get_ref())
                        ),
                        help.or_else(|| {
                            Some(format!(
                                "write a number followed by `%`, e.g. \"{example}\""
                            ))
                        }),
                    );
                    None
                }
            },
            other => {
                let help = number_of(other).filter(|n| n.is_finite()).map(suggestion);
                self.invalid(
                    block,
                    key,
                    value.span(),
                    format!(
                        "`{key}` in {} must be a percentage string such as \"{example}\", found {}",
                        block.title,
                        describe(other)
                    ),
                    help.or_else(|| Some(format!("write `{key} = \"{example}\"`"))),
                );
                None
            }
        }
    }

    /// A limit: a number with an optional unit (`"2 ms"`, `"1.5 KiB"`, `"1%"`, `0.9`). Whether
    /// its dimension fits the metric is decided at evaluation, when the metric is known.
    fn quantity(&mut self, block: &Block<'_, '_>, key: &str) -> Option<Quantity> {
        let (_, value) = block.entry(key)?;
        let span = value.span();
        match value.get_ref() {
            DeValue::String(s) => match Quantity::parse(s) {
                // A duration, size or rate below zero cannot be measured: `max = "-5 ms"` would
                // fail every metric and `min = "-5 ms"` pass every one.
                Ok(q) if q.dimension.is_some() && q.base_value < 0.0 => {
                    self.invalid(
                        block,
                        key,
                        span,
                        format!(
                            "`{key}` in {} is {}, below zero; {} cannot be negative",
                            block.title,
                            echo(s),
                            q.dimension.map_or("a quantity", |d| d.describe())
                        ),
                        Some(format!(
                            "write a limit of zero or more, e.g. `{key} = \"5 ms\"`"
                        )),
                    );
                    None
                }
                Ok(q) => Some(q),
                Err(err) => {
                    let (message, help) = quantity_problem(key, &block.title, s, &err);
                    self.invalid(block, key, span, message, Some(help));
                    None
                }
            },
            other => match number_of(other) {
                Some(n) if n.is_finite() => Some(Quantity {
                    base_value: n,
                    dimension: None,
                    text: self.index_text(span.clone()),
                }),
                _ => {
                    self.wrong_type(
                        block,
                        key,
                        value,
                        "a number or a quantity with a unit such as \"2 ms\"",
                    );
                    None
                }
            },
        }
    }

    /// A metric-id glob: the text, the matcher and where the key is.
    fn metric_glob(&mut self, block: &Block<'_, '_>) -> Option<(String, GlobMatcher, Location)> {
        let Some((key, _)) = block.entry("metric") else {
            self.missing(
                block,
                "metric",
                "add `metric = \"…\"`, a glob over metric ids such as \"criterion/parse/*\"",
            );
            return None;
        };
        let location = self.location(&key.span());
        let glob = self.string(block, "metric")?;
        if glob.get_ref().is_empty() {
            self.invalid(
                block,
                "metric",
                glob.span(),
                format!("`metric` in {} must not be empty", block.title),
                Some("write a glob over metric ids, e.g. \"criterion/parse/*\"".into()),
            );
            return None;
        }
        match compile_metric_glob(glob.get_ref()) {
            Ok(matcher) => Some((glob.get_ref().clone(), matcher, location)),
            Err(err) => {
                self.invalid(
                    block,
                    "metric",
                    glob.span(),
                    format!(
                        "invalid glob {} in {}: {err}",
                        echo(glob.get_ref()),
                        block.title,
                    ),
                    Some(
                        "`*` matches within one `/` segment, `**` across segments, `{a,b}` either"
                            .into(),
                    ),
                );
                None
            }
        }
    }

    /// A file glob (`reports`, `summary`, …): checked for syntax so a typo fails now, not after
    /// a long run.
    fn file_glob(&mut self, block: &Block<'_, '_>, key: &str) -> Option<String> {
        let value = self.non_empty(block, key)?;
        if let Err(err) = super::metric_glob::compile_path_glob(value.get_ref()) {
            self.invalid(
                block,
                key,
                value.span(),
                format!(
                    "invalid file glob {} in {}: {err}",
                    echo(value.get_ref()),
                    block.title,
                ),
                None,
            );
            return None;
        }
        Some(value.into_inner())
    }

    /// A `[[lighthouse]]` or `[[k6]]` name: it becomes a segment of metric ids.
    fn tool_name(
        &mut self,
        block: &Block<'_, '_>,
        seen: &mut HashMap<String, usize>,
        example: &str,
    ) -> Option<String> {
        if !block.has("name") {
            self.missing(
                block,
                "name",
                &format!("add `name = \"{example}\"`: the label used in metric ids"),
            );
            return None;
        }
        let name = self.string(block, "name")?;
        let text = name.get_ref();
        let problem = if text.is_empty() {
            Some("must not be empty")
        } else if text.contains('/') {
            Some("must not contain `/` (it is one segment of the metric ids)")
        } else if text
            .chars()
            .any(|c| matches!(c, '*' | '?' | '[' | ']' | '{' | '}'))
        {
            Some("must not contain glob characters `*?[]{}` (budgets match metric ids by glob)")
        } else if text.trim() != text || text.chars().any(char::is_control) {
            Some("must not start or end with spaces or contain control characters")
        } else {
            None
        };
        if let Some(problem) = problem {
            self.invalid(
                block,
                "name",
                name.span(),
                format!("`name` in {} {problem}, found {text:?}", block.title),
                None,
            );
            return None;
        }
        let (line, _) = self.index.line_column(name.span().start);
        if let Some(first) = seen.get(text) {
            self.invalid(
                block,
                "name",
                name.span(),
                format!(
                    "duplicate {} name {text:?} (first used on line {first})",
                    block.title
                ),
                Some("each block needs its own name: it keeps their metric ids apart".into()),
            );
            return None;
        }
        seen.insert(text.clone(), line);
        Some(name.into_inner())
    }

    fn index_text(&self, span: Range<usize>) -> String {
        self.index.slice(span).to_string()
    }

    fn settings(&mut self, block: &Block<'_, '_>) -> PartialSettings {
        self.unknown_keys(block, SETTINGS_KEYS);
        let mut s = PartialSettings::default();
        if let Some(alpha) = self.number(block, "alpha", "a number greater than 0 and at most 0.5")
        {
            if *alpha.get_ref() > 0.0 && *alpha.get_ref() <= 0.5 {
                s.settings.alpha = *alpha.get_ref();
            } else {
                self.invalid(
                    block,
                    "alpha",
                    alpha.span(),
                    format!(
                        "`alpha` in [settings] must be greater than 0 and at most 0.5, found {}",
                        self.index_text(alpha.span())
                    ),
                    Some(
                        "alpha is the false discovery rate over all relative checks; 0.05 is usual"
                            .into(),
                    ),
                );
            }
        }
        if let Some(noise) = self.percentage(block, "noise", "1%") {
            if (0.0..0.5).contains(noise.get_ref()) {
                s.settings.noise = *noise.get_ref();
            } else {
                self.invalid(
                    block,
                    "noise",
                    noise.span(),
                    format!(
                        "`noise` in [settings] must be at least 0% and below 50%, found {}",
                        self.index_text(noise.span())
                    ),
                    Some("changes smaller than `noise` are never called regressions; \"1%\" is usual".into()),
                );
            }
        }
        s.baseline = self.choice(
            block,
            "baseline",
            &[
                ("rerun", BaselineMode::Rerun),
                ("store", BaselineMode::Store),
            ],
        );
        if let Some(rounds) = self.integer(block, "rounds", 1..=50) {
            s.settings.rounds = rounds;
        }
        if let Some(max) = self.integer(block, "max-rounds", 1..=50) {
            if max >= s.settings.rounds {
                s.settings.max_rounds = Some(max);
            } else if let Some((_, value)) = block.entry("max-rounds") {
                let span = value.span();
                self.invalid(
                    block,
                    "max-rounds",
                    span,
                    format!(
                        "`max-rounds` in [settings] must be at least `rounds` ({}), found {max}",
                        s.settings.rounds
                    ),
                    Some("extra rounds run only after the planned `rounds`; set both, e.g. rounds = 3, max-rounds = 12".into()),
                );
            }
        }
        if let Some(value) = self.non_empty(block, "extra-time") {
            match parse_wall_time(value.get_ref()) {
                Some(time) => s.settings.extra_time = time,
                None => self.invalid(
                    block,
                    "extra-time",
                    value.span(),
                    format!(
                        "`extra-time` in [settings] must be a time above zero of at most an hour, such as \"10m\" or \"300s\", found {}",
                        echo(value.get_ref())
                    ),
                    Some("the wall-clock time extra rounds of inconclusive benchmarks may take".into()),
                ),
            }
        }
        if let Some(branch) = self.non_empty(block, "main-branch") {
            match branch_problem(branch.get_ref()) {
                None => s.settings.main_branch = branch.into_inner(),
                Some(problem) => self.invalid(
                    block,
                    "main-branch",
                    branch.span(),
                    format!(
                        "`main-branch` in [settings] is {}: {problem}",
                        echo(branch.get_ref())
                    ),
                    Some("write the branch name as git shows it, e.g. \"main\"".into()),
                ),
            }
        }
        if let Some(correction) = self.choice(
            block,
            "correction",
            &[
                ("bh", CorrectionSetting::Bh),
                ("holm", CorrectionSetting::Holm),
                ("none", CorrectionSetting::None),
            ],
        ) {
            s.settings.correction = correction;
        }
        if let Some(strict) = self.boolean(block, "strict") {
            s.settings.strict = strict;
        }
        if let Some(unmatched) = self.choice(
            block,
            "unmatched",
            &[
                ("error", UnmatchedPolicy::Error),
                ("warn", UnmatchedPolicy::Warn),
            ],
        ) {
            s.settings.unmatched = unmatched;
        }
        if let Some(factor) = self.number(
            block,
            "no-noise-factor",
            "a number of at least 1 and at most 100",
        ) {
            if (1.0..=MAX_NO_NOISE_FACTOR).contains(factor.get_ref()) {
                s.settings.no_noise_factor = *factor.get_ref();
            } else {
                self.invalid(
                    block,
                    "no-noise-factor",
                    factor.span(),
                    format!(
                        "`no-noise-factor` in [settings] must be at least 1 and at most 100, found {}",
                        self.index_text(factor.span())
                    ),
                    Some("without a noise estimate a relative rule fails only beyond this many times its budget; 2 is the default".into()),
                );
            }
        }
        if let Some(on) = self.choice(
            block,
            "comment-on",
            &[
                ("always", CommentOn::Always),
                ("failure", CommentOn::Failure),
                ("change", CommentOn::Change),
            ],
        ) {
            s.settings.comment_on = on;
        }
        if let Some(suite) = self.string(block, "suite") {
            let text = suite.get_ref();
            if !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                s.settings.suite = text.clone();
            } else {
                self.invalid(
                    block,
                    "suite",
                    suite.span(),
                    format!(
                        "`suite` in [settings] must be letters, digits, `-`, `_` or `.`, found {text:?}"
                    ),
                    Some("the suite name becomes part of the result store and of the comment id".into()),
                );
            }
        }
        s
    }

    fn criterion(&mut self, block: &Block<'_, '_>) -> CriterionConfig {
        self.unknown_keys(block, CRITERION_KEYS);
        let benches = self.string_list(block, "benches");
        if let Some((_, value)) = block.entry("benches") {
            if benches.iter().any(|b| b.trim().is_empty()) {
                self.invalid(
                    block,
                    "benches",
                    value.span(),
                    "`benches` in [criterion] must not contain empty names".into(),
                    None,
                );
            }
        }
        CriterionConfig {
            benches,
            args: self.string_list(block, "args"),
            package: self.text(block, "package"),
            features: self.string_list(block, "features"),
            output: self.text(block, "output").map(PathBuf::from),
            warm_up: self.bench_time(block, "warm-up"),
            measurement: self.bench_time(block, "measurement"),
        }
    }

    /// `warm-up` / `measurement` of `[criterion]`: a time per round such as `"100ms"`, `"2s"`.
    fn bench_time(&mut self, block: &Block<'_, '_>, key: &str) -> Option<Duration> {
        let value = self.non_empty(block, key)?;
        match parse_bench_time(value.get_ref()) {
            Some(duration) => Some(duration),
            None => {
                self.invalid(
                    block,
                    key,
                    value.span(),
                    format!(
                        "`{key}` in [criterion] must be a time above zero such as \"500ms\" or \"2s\", found {:?}",
                        value.get_ref()
                    ),
                    Some(
                        "the time each bench spends on this per round; criterion 0.3 takes whole seconds only"
                            .into(),
                    ),
                );
                None
            }
        }
    }

    fn lighthouse(
        &mut self,
        block: &Block<'_, '_>,
        names: &mut HashMap<String, usize>,
    ) -> LighthouseConfig {
        self.unknown_keys(block, LIGHTHOUSE_KEYS);
        let config = LighthouseConfig {
            name: self.tool_name(block, names, "home").unwrap_or_default(),
            reports: self.file_glob(block, "reports"),
            url: self.text(block, "url"),
            runs: self.integer(block, "runs", 1..=50),
            serve: self.text(block, "serve"),
            args: self.string_list(block, "args"),
        };
        if !self.written(block, "reports") && !self.written(block, "url") {
            self.report(
                block.span.clone(),
                Some(block.path.clone()),
                "[[lighthouse]] needs `reports` or `url`".into(),
                Some("`reports` imports existing Lighthouse reports; `url` runs Lighthouse against a page".into()),
            );
        }
        config
    }

    fn k6(&mut self, block: &Block<'_, '_>, names: &mut HashMap<String, usize>) -> K6Config {
        self.unknown_keys(block, K6_KEYS);
        let config = K6Config {
            name: self.tool_name(block, names, "api").unwrap_or_default(),
            summary: self.file_glob(block, "summary"),
            points: self.file_glob(block, "points"),
            script: self.text(block, "script"),
            serve: self.text(block, "serve"),
            args: self.string_list(block, "args"),
            wanted: Vec::new(),
        };
        if !["summary", "points", "script"]
            .iter()
            .any(|key| self.written(block, key))
        {
            self.report(
                block.span.clone(),
                Some(block.path.clone()),
                "[[k6]] needs `summary`, `points` or `script`".into(),
                Some("`summary`/`points` import k6 output; `script` runs k6".into()),
            );
        }
        config
    }

    fn budget(&mut self, block: &Block<'_, '_>, index: usize) -> Option<BudgetRule> {
        self.unknown_keys(block, BUDGET_KEYS);
        let glob = self.metric_glob(block);
        let max = self.quantity(block, "max");
        let min = self.quantity(block, "min");
        let max_regression = match self.percentage(block, "max-regression", "5%") {
            Some(p) if *p.get_ref() > MAX_REGRESSION_LIMIT => {
                self.invalid(
                    block,
                    "max-regression",
                    p.span(),
                    format!(
                        "`max-regression` in [[budget]] must be at most {}%, found {}",
                        trim_number(MAX_REGRESSION_LIMIT * 100.0),
                        self.index_text(p.span())
                    ),
                    Some(
                        "a budget that allows more than ten times the base can never fail; use `max` for an absolute ceiling"
                            .into(),
                    ),
                );
                None
            }
            Some(p) if *p.get_ref() > 0.0 => Some(*p.get_ref()),
            Some(p) => {
                self.invalid(
                    block,
                    "max-regression",
                    p.span(),
                    format!(
                        "`max-regression` in [[budget]] must be above 0%, found {}",
                        self.index_text(p.span())
                    ),
                    Some(
                        "a 0% budget would fail on noise alone; use a small value such as \"2%\""
                            .into(),
                    ),
                );
                None
            }
            None => None,
        };
        let direction = self.choice(
            block,
            "direction",
            &[("lower", Direction::Lower), ("higher", Direction::Higher)],
        );
        let has_rule = ["max", "min", "max-regression"]
            .iter()
            .any(|key| self.written(block, key));
        if !has_rule {
            let what = glob
                .as_ref()
                .map(|(g, _, _)| format!(" for {g:?}"))
                .unwrap_or_default();
            self.report(
                block.span.clone(),
                Some(block.path.clone()),
                format!("[[budget]]{what} sets no limit"),
                Some("add `max`, `min` or `max-regression`".into()),
            );
        }
        // A bare number below zero for metrics that can only be zero or more: such a `max`
        // fails every value, such a `min` passes every one. Decided here when the glob can only
        // match such metrics (evaluation catches the rest, once the metrics are known).
        if let Some((g, _, _)) = &glob {
            if only_non_negative(g) {
                for (key, limit) in [("max", &max), ("min", &min)] {
                    let Some(q) = limit else { continue };
                    let Some((_, value)) = block.entry(key) else {
                        continue;
                    };
                    if q.dimension.is_none() && q.base_value < 0.0 {
                        self.invalid(
                            block,
                            key,
                            value.span(),
                            format!(
                                "`{key}` in {} is {}, below zero, but no metric {} can match can be negative",
                                block.title,
                                echo(&q.text),
                                echo(g)
                            ),
                            Some(format!("write a limit of zero or more, e.g. `{key} = 0.9`")),
                        );
                    }
                }
            }
        }
        if let (Some(lo), Some(hi)) = (&min, &max) {
            if lo.dimension == hi.dimension && lo.base_value > hi.base_value {
                if let Some((_, value)) = block.entry("min") {
                    self.invalid(
                        block,
                        "min",
                        value.span(),
                        format!(
                            "`min` ({}) is above `max` ({}): no value can pass",
                            lo.text, hi.text
                        ),
                        None,
                    );
                }
            }
        }
        let (metric, matcher, location) = glob?;
        let spans = ["metric", "max", "min"]
            .into_iter()
            .filter_map(|k| block.entry(k).map(|(_, v)| (k, v.span())))
            .collect();
        Some(BudgetRule {
            index,
            location,
            metric,
            matcher,
            max,
            min,
            max_regression,
            direction,
            spans,
        })
    }

    fn waiver(&mut self, block: &Block<'_, '_>) -> Option<Waiver> {
        self.unknown_keys(block, WAIVER_KEYS);
        let glob = self.metric_glob(block);
        let reason = if block.has("reason") {
            self.text(block, "reason")
        } else {
            self.missing(
                block,
                "reason",
                "add `reason = \"…\"`: say why the regression is accepted (a PR or issue link helps)",
            );
            None
        };
        let expires = self.date(block, "expires");
        let (metric, matcher, location) = glob?;
        Some(Waiver {
            location,
            metric,
            matcher,
            reason: reason?,
            expires: expires?,
        })
    }

    /// An optional date: `Some(None)` when absent, `None` when invalid.
    fn date(&mut self, block: &Block<'_, '_>, key: &str) -> Option<Option<jiff::civil::Date>> {
        let Some((_, value)) = block.entry(key) else {
            return Some(None);
        };
        let help = "write a date as YYYY-MM-DD, e.g. 2027-01-31";
        let (year, month, day) = match value.get_ref() {
            DeValue::Datetime(dt) => match (&dt.date, &dt.time, &dt.offset) {
                (Some(d), None, None) => (i64::from(d.year), i64::from(d.month), i64::from(d.day)),
                _ => {
                    self.invalid(
                        block,
                        key,
                        value.span(),
                        format!(
                            "`{key}` in {} must be a date without a time, found {}",
                            block.title,
                            self.index_text(value.span())
                        ),
                        Some(help.into()),
                    );
                    return None;
                }
            },
            DeValue::String(s) => match parse_iso_date(s) {
                Some(ymd) => ymd,
                None => {
                    self.invalid(
                        block,
                        key,
                        value.span(),
                        format!(
                            "`{key}` in {} must be a date in the form YYYY-MM-DD, found {s:?}",
                            block.title
                        ),
                        Some(help.into()),
                    );
                    return None;
                }
            },
            _ => {
                self.wrong_type(block, key, value, "a date such as 2027-01-31");
                return None;
            }
        };
        if let Some(date) = civil_date(year, month, day) {
            return Some(Some(date));
        }
        // Say how long the month is when that is the problem (30 February, 31 April).
        let month_length = civil_date(year, month, 1)
            .map(|first| {
                format!(
                    " ({} has {} days)",
                    first.strftime("%B %Y"),
                    first.days_in_month()
                )
            })
            .unwrap_or_default();
        self.invalid(
            block,
            key,
            value.span(),
            format!(
                "`{key}` in {} is not a real date: {}{month_length}",
                block.title,
                self.index_text(value.span())
            ),
            Some(help.into()),
        );
        None
    }
}

/// Settings being read; the baseline default is decided once the whole file is known.
#[derive(Default)]
struct PartialSettings {
    settings: Settings,
    baseline: Option<BaselineMode>,
}

impl PartialSettings {
    fn finish(self, baseline: BaselineMode) -> Settings {
        Settings {
            baseline,
            ..self.settings
        }
    }
}

/// The largest `max-regression` accepted (1000 %): beyond it a relative budget cannot fail.
const MAX_REGRESSION_LIMIT: f64 = 10.0;

/// The largest `no-noise-factor` accepted; larger ones turn every unmeasured relative rule off.
const MAX_NO_NOISE_FACTOR: f64 = 100.0;

/// Why `name` cannot be a branch name, if it cannot. The name reaches `git` as an argument, so a
/// leading `-` would be read as an option; control characters and git's forbidden characters
/// could never name a branch.
fn branch_problem(name: &str) -> Option<&'static str> {
    if name.starts_with('-') {
        Some("a branch name cannot start with `-`")
    } else if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("a branch name cannot contain spaces, line breaks or control characters")
    } else if name.contains(['~', '^', ':', '?', '*', '[', '\\']) || name.contains("..") {
        Some("a branch name cannot contain `~ ^ : ? * [ \\` or `..`")
    } else {
        None
    }
}

fn number_of(value: &DeValue<'_>) -> Option<f64> {
    match value {
        // Integers above 2^53 round; limits of that size are not precise numbers anyway.
        DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(float) => float.as_str().parse::<f64>().ok(),
        _ => None,
    }
}

/// `"5%"`, `"0.5 %"` → 0.05, 0.005. `None` for anything else, including non-finite numbers.
fn parse_percent(text: &str) -> Option<f64> {
    let number = text.trim().strip_suffix('%')?.trim();
    // Refuse what Rust's float parser accepts but nobody means: `inf%`, `nan%`.
    if !number.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-' || c == '+') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some(value / 100.0)
}

/// A number without float noise: 5.000000000000001 → `5`, 0.25 → `0.25`.
fn trim_number(n: f64) -> String {
    let text = format!("{n:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

fn parse_iso_date(text: &str) -> Option<(i64, i64, i64)> {
    let mut parts = text.trim().split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || m.len() != 2
        || d.len() != 2
        || ![y, m, d]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?))
}

fn civil_date(year: i64, month: i64, day: i64) -> Option<jiff::civil::Date> {
    let year = i16::try_from(year).ok()?;
    let month = i8::try_from(month).ok()?;
    let day = i8::try_from(day).ok()?;
    jiff::civil::Date::new(year, month, day).ok()
}

/// The message and hint for a limit that does not parse.
fn quantity_problem(key: &str, title: &str, text: &str, err: &UnitError) -> (String, String) {
    const UNITS: &[&str] = &[
        "ns", "us", "µs", "ms", "s", "min", "B", "KB", "kB", "KiB", "MB", "MiB", "GB", "GiB",
        "B/s", "KB/s", "KiB/s", "MB/s", "MiB/s", "GB/s", "GiB/s", "/s", "K/s", "M/s", "%",
    ];
    match err {
        UnitError::UnknownUnit { unit, .. } => {
            let help = match closest_exact(unit, UNITS) {
                Some(best) => format!("did you mean `{best}`?"),
                None => {
                    "known units: ns us µs ms s, B KB KiB MB MiB GB GiB, B/s KB/s MB/s …, /s, %"
                        .to_string()
                }
            };
            (
                format!(
                    "`{key}` in {title} has an unknown unit `{}`: {}",
                    shorten(unit),
                    echo(text)
                ),
                help,
            )
        }
        _ => (
            format!(
                "`{key}` in {title} must be a number with an optional unit, found {}",
                echo(text)
            ),
            "write e.g. \"2 ms\", \"1.5 KiB\", \"10 MB/s\", \"1%\" or 0.9".to_string(),
        ),
    }
}

/// The closest candidate to a misspelt key, if it is close enough to be what was meant.
/// `max_regression`, `maxRegression` and `Max-Regression` all find `max-regression`.
fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let normalized = kebab_case(word);
    if let Some(exact) = candidates.iter().find(|c| **c == normalized) {
        return Some(exact);
    }
    closest_exact(&normalized, candidates)
}

/// The closest candidate by edit distance, allowing about one edit per three characters.
fn closest_exact<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(distance, c)| *distance <= (c.chars().count() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

fn kebab_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 4);
    for (i, c) in word.chars().enumerate() {
        if c.is_uppercase() && i > 0 && !out.ends_with('-') {
            out.push('-');
        }
        if c == '_' || c == ' ' {
            out.push('-');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Which table a key belongs to, for keys written in the wrong place (`alpha` in `[[budget]]`).
fn table_owning(key: &str) -> Option<String> {
    let key = kebab_case(key);
    SCHEMA
        .iter()
        .find(|(_, _, keys)| keys.contains(&key.as_str()))
        .map(|(name, kind, _)| format!("`{}`", kind.header(name)))
}

/// A short description of a value for "found …" messages.
fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => {
            let shown: String = s.chars().take(40).collect();
            if shown.len() < s.len() {
                format!("the string \"{}…\"", shown.escape_debug())
            } else {
                format!("the string {s:?}")
            }
        }
        DeValue::Integer(int) => match i64::from_str_radix(int.as_str(), int.radix()) {
            Ok(n) => format!("the integer {n}"),
            Err(_) => "an integer".to_string(),
        },
        DeValue::Float(float) => format!("the number {}", float.as_str()),
        DeValue::Boolean(b) => format!("`{b}`"),
        DeValue::Datetime(dt) => format!("the date/time {dt}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// `"500ms"`, `"2s"`, `"1.5 s"` → a duration above zero; at most an hour.
/// A wall-clock time: as [`parse_bench_time`], or whole minutes (`"10m"`), up to an hour.
fn parse_wall_time(text: &str) -> Option<Duration> {
    let text = text.trim();
    match text.strip_suffix('m') {
        Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            let minutes: u64 = n.parse().ok()?;
            (1..=60)
                .contains(&minutes)
                .then(|| Duration::from_secs(minutes * 60))
        }
        _ => parse_bench_time(text),
    }
}

fn parse_bench_time(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else {
        return None;
    };
    let number = number.trim();
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let seconds = number.parse::<f64>().ok()? * scale;
    (seconds > 0.0 && seconds <= 3600.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_time_takes_minutes_or_seconds_up_to_an_hour() {
        assert_eq!(parse_wall_time("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_wall_time("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_wall_time("61m"), None);
        assert_eq!(parse_wall_time("0m"), None);
        assert_eq!(parse_wall_time("m"), None);
        assert_eq!(parse_wall_time("10"), None);
    }

    #[test]
    fn max_rounds_below_rounds_is_an_error_naming_both() {
        let err = parse(
            "[settings]\nrounds = 5\nmax-rounds = 3\n",
            Path::new("b.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("max-rounds") && err.contains("at least `rounds` (5)"),
            "{err}"
        );
        let ok = parse(
            "[settings]\nrounds = 3\nmax-rounds = 12\nextra-time = \"5m\"\n",
            Path::new("b.toml"),
        )
        .unwrap();
        assert_eq!(ok.settings.max_rounds, Some(12));
        assert_eq!(ok.settings.extra_time, Duration::from_secs(300));
    }

    #[test]
    fn percentages_parse_strictly() {
        assert_eq!(parse_percent("5%"), Some(0.05));
        assert_eq!(parse_percent(" 0.5 % "), Some(0.005));
        assert_eq!(parse_percent("5"), None);
        assert_eq!(parse_percent("inf%"), None);
        assert_eq!(parse_percent("nan%"), None);
        assert_eq!(parse_percent("%"), None);
    }

    #[test]
    fn suggestions_find_misspellings_and_other_cases() {
        assert_eq!(
            closest("max-regresion", BUDGET_KEYS),
            Some("max-regression")
        );
        assert_eq!(
            closest("max_regression", BUDGET_KEYS),
            Some("max-regression")
        );
        assert_eq!(
            closest("maxRegression", BUDGET_KEYS),
            Some("max-regression")
        );
        assert_eq!(closest("alpah", SETTINGS_KEYS), Some("alpha"));
        assert_eq!(closest("completely-different", BUDGET_KEYS), None);
        assert_eq!(table_owning("alpha").as_deref(), Some("`[settings]`"));
    }

    #[test]
    fn dates_must_be_real() {
        assert_eq!(parse_iso_date("2027-01-31"), Some((2027, 1, 31)));
        assert!(parse_iso_date("2027-1-31").is_none());
        assert!(parse_iso_date("31.01.2027").is_none());
        assert!(civil_date(2027, 2, 30).is_none());
        assert!(civil_date(2028, 2, 29).is_some());
    }

    #[test]
    fn trims_float_noise_from_suggestions() {
        assert_eq!(trim_number(0.05 * 100.0), "5");
        assert_eq!(trim_number(2.5), "2.5");
    }

    #[test]
    fn criterion_times_need_a_unit_and_a_positive_value() {
        assert_eq!(parse_bench_time("100ms"), Some(Duration::from_millis(100)));
        assert_eq!(parse_bench_time(" 2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_bench_time("1.5 s"), Some(Duration::from_millis(1500)));
        for bad in [
            "2", "0s", "-1s", "1e3s", "s", "ms", "2 min", "7200s", "nans",
        ] {
            assert_eq!(parse_bench_time(bad), None, "{bad}");
        }
    }
}
