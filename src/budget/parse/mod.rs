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
    BaselineMode, BudgetFile, BudgetRule, CommentOn, CorrectionSetting, CriterionConfig,
    GungraunConfig, K6Config, LighthouseConfig, Location, Settings, SizeConfig, UnmatchedPolicy,
    Waiver,
};
use super::{DivanConfig, HyperfineConfig, HYPERFINE_DEFAULT_RUNS};
use crate::model::echo::{echo, shorten};
use crate::model::input_file::read_document;
use crate::model::{Direction, Quantity, UnitError};

mod tables;
#[cfg(test)]
mod tests;
mod text;
mod values;

use text::*;

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
/// Keys of `[[gungraun]]`.
pub const GUNGRAUN_KEYS: &[&str] = &["benches", "args", "package", "features"];
/// Keys of `[[size]]`.
pub const SIZE_KEYS: &[&str] = &["name", "files", "build"];
/// Keys of `[[hyperfine]]`.
pub const HYPERFINE_KEYS: &[&str] = &["name", "commands", "build", "runs", "warmup"];
/// Keys of `[[divan]]`.
pub const DIVAN_KEYS: &[&str] = &["benches", "args", "package", "features"];
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
    ("gungraun", TableKind::Array, GUNGRAUN_KEYS),
    ("size", TableKind::Array, SIZE_KEYS),
    ("hyperfine", TableKind::Array, HYPERFINE_KEYS),
    ("divan", TableKind::Array, DIVAN_KEYS),
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
        let explicit_baseline = settings.baseline.is_some();
        // The default baseline depends on the file as a whole: rerunning needs benches to run.
        let mut baseline = settings.baseline.take().unwrap_or(if criterion.is_some() {
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
        let mut gungraun = Vec::new();
        if let Some((k, v)) = entry("gungraun") {
            for block in self.table_array(k, v, "gungraun") {
                gungraun.push(self.gungraun(&block));
            }
        }
        // gungraun benches run on the base checkout too: they make rerun the default as well.
        if !explicit_baseline && !gungraun.is_empty() {
            baseline = BaselineMode::Rerun;
        }
        let mut sizes = Vec::new();
        let mut names = HashMap::new();
        if let Some((k, v)) = entry("size") {
            for block in self.table_array(k, v, "size") {
                sizes.push(self.size(&block, &mut names));
            }
        }
        let mut hyperfine = Vec::new();
        let mut names = HashMap::new();
        let mut commands = HashMap::new();
        if let Some((k, v)) = entry("hyperfine") {
            for block in self.table_array(k, v, "hyperfine") {
                hyperfine.push(self.hyperfine(&block, &mut names, &mut commands));
            }
        }
        let mut divan = Vec::new();
        if let Some((k, v)) = entry("divan") {
            for block in self.table_array(k, v, "divan") {
                divan.push(self.divan(&block));
            }
        }
        // Tables `check` can measure on both sides in one job make rerun the default too.
        if !explicit_baseline && (!hyperfine.is_empty() || !divan.is_empty()) {
            baseline = BaselineMode::Rerun;
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
            gungraun,
            sizes,
            hyperfine,
            divan,
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
