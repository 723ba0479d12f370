//! The budget file's values, one kind each: strings, numbers, percentages, quantities with
//! units, globs, names; every problem reported with its line and a hint.

use super::*;

impl Checker<'_> {
    pub(super) fn string(&mut self, block: &Block<'_, '_>, key: &str) -> Option<Spanned<String>> {
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
    pub(super) fn text(&mut self, block: &Block<'_, '_>, key: &str) -> Option<String> {
        self.non_empty(block, key).map(Spanned::into_inner)
    }

    /// A string that must say something, with where it stands (for later checks of its content).
    pub(super) fn non_empty(
        &mut self,
        block: &Block<'_, '_>,
        key: &str,
    ) -> Option<Spanned<String>> {
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

    pub(super) fn boolean(&mut self, block: &Block<'_, '_>, key: &str) -> Option<bool> {
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
    pub(super) fn integer(
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
    pub(super) fn number(
        &mut self,
        block: &Block<'_, '_>,
        key: &str,
        expected: &str,
    ) -> Option<Spanned<f64>> {
        let (_, value) = block.entry(key)?;
        match number_of(value.get_ref()) {
            Some(n) if n.is_finite() => Some(Spanned::new(value.span(), n)),
            _ => {
                self.wrong_type(block, key, value, expected);
                None
            }
        }
    }

    pub(super) fn string_list(&mut self, block: &Block<'_, '_>, key: &str) -> Vec<String> {
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
    pub(super) fn choice<T: Copy>(
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
    pub(super) fn percentage(
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
    pub(super) fn quantity(&mut self, block: &Block<'_, '_>, key: &str) -> Option<Quantity> {
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
    pub(super) fn metric_glob(
        &mut self,
        block: &Block<'_, '_>,
    ) -> Option<(String, GlobMatcher, Location)> {
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
    pub(super) fn file_glob(&mut self, block: &Block<'_, '_>, key: &str) -> Option<String> {
        let value = self.non_empty(block, key)?;
        if let Err(err) = crate::budget::metric_glob::compile_path_glob(value.get_ref()) {
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
    pub(super) fn tool_name(
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

    pub(super) fn index_text(&self, span: Range<usize>) -> String {
        self.index.slice(span).to_string()
    }
}
