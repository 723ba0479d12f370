//! The budget file's tables: `[settings]`, `[criterion]`, `[[lighthouse]]`, `[[k6]]`,
//! `[[size]]`, `[[hyperfine]]`, `[[divan]]`, `[[budget]]`, `[[waiver]]`.

use super::*;

impl Checker<'_> {
    pub(super) fn settings(&mut self, block: &Block<'_, '_>) -> PartialSettings {
        self.unknown_keys(block, SETTINGS_KEYS);
        let mut s = PartialSettings::default();
        self.statistics_settings(block, &mut s);
        self.run_settings(block, &mut s);
        self.output_settings(block, &mut s);
        s
    }

    /// `[settings]` keys of the statistics: `alpha`, `noise`, `correction`, `strict`,
    /// `no-noise-factor`.
    fn statistics_settings(&mut self, block: &Block<'_, '_>, s: &mut PartialSettings) {
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
    }

    /// `[settings]` keys of how the base is measured: `baseline`, `rounds`, `max-rounds`,
    /// `extra-time`, `main-branch`.
    fn run_settings(&mut self, block: &Block<'_, '_>, s: &mut PartialSettings) {
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
    }

    /// `[settings]` keys of what is reported and where: `unmatched`, `comment-on`, `suite`.
    fn output_settings(&mut self, block: &Block<'_, '_>, s: &mut PartialSettings) {
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
    }

    pub(super) fn criterion(&mut self, block: &Block<'_, '_>) -> CriterionConfig {
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
    pub(super) fn bench_time(&mut self, block: &Block<'_, '_>, key: &str) -> Option<Duration> {
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

    pub(super) fn lighthouse(
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

    pub(super) fn k6(
        &mut self,
        block: &Block<'_, '_>,
        names: &mut HashMap<String, usize>,
    ) -> K6Config {
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

    pub(super) fn budget(&mut self, block: &Block<'_, '_>, index: usize) -> Option<BudgetRule> {
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

    pub(super) fn waiver(&mut self, block: &Block<'_, '_>) -> Option<Waiver> {
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
    pub(super) fn date(
        &mut self,
        block: &Block<'_, '_>,
        key: &str,
    ) -> Option<Option<jiff::civil::Date>> {
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

    pub(super) fn gungraun(&mut self, block: &Block<'_, '_>) -> GungraunConfig {
        self.unknown_keys(block, GUNGRAUN_KEYS);
        let benches = self.string_list(block, "benches");
        match block.entry("benches") {
            None => self.missing(
                block,
                "benches",
                "the gungraun bench targets to run, e.g. benches = [\"instructions\"] (their `[[bench]]` names)",
            ),
            Some((_, value)) if benches.is_empty() || benches.iter().any(|b| b.trim().is_empty()) => {
                // A wrong type was reported already; an empty list or an empty name is reported here.
                if matches!(value.get_ref(), DeValue::Array(_)) {
                    self.invalid(
                        block,
                        "benches",
                        value.span(),
                        format!(
                            "`benches` in {} must name at least one bench target, and no name may be empty",
                            block.title
                        ),
                        Some("the `[[bench]]` names of the gungraun benches, e.g. benches = [\"instructions\"]".into()),
                    );
                }
            }
            Some(_) => {}
        }
        GungraunConfig {
            benches,
            args: self.string_list(block, "args"),
            package: self.text(block, "package"),
            features: self.string_list(block, "features"),
        }
    }

    pub(super) fn size(
        &mut self,
        block: &Block<'_, '_>,
        names: &mut HashMap<String, usize>,
    ) -> SizeConfig {
        self.unknown_keys(block, SIZE_KEYS);
        let config = SizeConfig {
            name: self.tool_name(block, names, "binary").unwrap_or_default(),
            files: self.string_list(block, "files"),
            build: self.text(block, "build"),
        };
        if config.files.is_empty() && !self.written(block, "files") {
            self.missing(
                block,
                "files",
                "the build outputs to weigh, e.g. files = [\"target/release/app\"]",
            );
        }
        config
    }

    pub(super) fn hyperfine(
        &mut self,
        block: &Block<'_, '_>,
        names: &mut HashMap<String, usize>,
        commands_seen: &mut HashMap<String, usize>,
    ) -> HyperfineConfig {
        self.unknown_keys(block, HYPERFINE_KEYS);
        let name = self.tool_name(block, names, "cli").unwrap_or_default();
        let commands = self.hyperfine_commands(block, commands_seen);
        HyperfineConfig {
            name,
            commands,
            build: self.text(block, "build"),
            runs: self
                .integer(block, "runs", 2..=1000)
                .unwrap_or(HYPERFINE_DEFAULT_RUNS),
            warmup: self.integer(block, "warmup", 0..=1000).unwrap_or(0),
        }
    }

    /// `commands` of `[[hyperfine]]`: a table of name → shell command, or an array of shell
    /// commands (each its own name). Every name becomes a metric id, so names must be non-empty
    /// and unique across the file's `[[hyperfine]]` tables.
    fn hyperfine_commands(
        &mut self,
        block: &Block<'_, '_>,
        seen: &mut HashMap<String, usize>,
    ) -> Vec<(String, String)> {
        let Some((_, value)) = block.entry("commands") else {
            self.missing(
                block,
                "commands",
                "the commands to time, e.g. commands = { parse = \"./target/release/app parse big.csv\" }",
            );
            return Vec::new();
        };
        let expected = "a table of command name = \"shell command\", or an array of shell commands";
        let mut entries: Vec<(String, Option<String>, Range<usize>, String)> = Vec::new();
        match value.get_ref() {
            DeValue::Table(table) => {
                for (k, v) in table.iter() {
                    let name = k.get_ref().to_string();
                    let path = format!("{}.{name}", block.key_path("commands"));
                    let command = match v.get_ref() {
                        DeValue::String(s) => Some(s.to_string()),
                        other => {
                            self.report(
                                v.span(),
                                Some(path.clone()),
                                format!(
                                    "`commands.{}` in {} must be a shell command (a string), found {}",
                                    shorten(&name),
                                    block.title,
                                    describe(other)
                                ),
                                None,
                            );
                            None
                        }
                    };
                    entries.push((name, command, v.span(), path));
                }
            }
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let path = format!("{}[{i}]", block.key_path("commands"));
                    match item.get_ref() {
                        DeValue::String(s) => {
                            entries.push((s.to_string(), Some(s.to_string()), item.span(), path))
                        }
                        other => self.report(
                            item.span(),
                            Some(path),
                            format!(
                                "`commands` in {} must be {expected}, but item {} is {}",
                                block.title,
                                i + 1,
                                describe(other)
                            ),
                            None,
                        ),
                    }
                }
            }
            _ => {
                self.wrong_type(block, "commands", value, expected);
                return Vec::new();
            }
        }
        if entries.is_empty() {
            self.invalid(
                block,
                "commands",
                value.span(),
                format!("`commands` in {} is empty: nothing to time", block.title),
                Some(
                    "add a command, e.g. commands = { parse = \"./target/release/app parse\" }"
                        .into(),
                ),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        for (name, command, span, path) in entries {
            let problem = if name.trim().is_empty() {
                Some("an empty command name".to_string())
            } else if name.chars().any(char::is_control) {
                Some(format!(
                    "the command name {name:?} holds control characters"
                ))
            } else if command.as_deref().is_some_and(|c| c.trim().is_empty()) {
                Some(format!("the command {:?} is empty", shorten(&name)))
            } else {
                None
            };
            if let Some(problem) = problem {
                self.report(
                    span,
                    Some(path),
                    format!("`commands` in {} has {problem}", block.title),
                    Some("each command is timed as `hyperfine/<name>`: give it a name and a shell command".into()),
                );
                continue;
            }
            let (line, _) = self.index.line_column(span.start);
            if let Some(first) = seen.get(&name) {
                self.report(
                    span,
                    Some(path),
                    format!(
                        "the command name {:?} is used twice (first on line {first}): both would be `hyperfine/{}`",
                        shorten(&name),
                        shorten(&name)
                    ),
                    Some("give each command its own name in `commands = { name = \"…\" }`".into()),
                );
                continue;
            }
            seen.insert(name.clone(), line);
            if let Some(command) = command {
                out.push((name, command));
            }
        }
        out
    }

    pub(super) fn divan(&mut self, block: &Block<'_, '_>) -> DivanConfig {
        self.unknown_keys(block, DIVAN_KEYS);
        let benches = self.string_list(block, "benches");
        match block.entry("benches") {
            None => self.missing(
                block,
                "benches",
                "the divan bench targets to run, e.g. benches = [\"walltime\"]",
            ),
            Some((_, value)) => {
                if benches.iter().any(|b| b.trim().is_empty()) {
                    self.invalid(
                        block,
                        "benches",
                        value.span(),
                        format!("`benches` in {} must not contain empty names", block.title),
                        None,
                    );
                } else if let Some(twice) = benches
                    .iter()
                    .enumerate()
                    .find_map(|(i, b)| benches[..i].contains(b).then_some(b))
                {
                    self.invalid(
                        block,
                        "benches",
                        value.span(),
                        format!(
                            "`benches` in {} names {twice:?} twice: its benchmarks would be measured twice under the same ids",
                            block.title
                        ),
                        None,
                    );
                } else if benches.is_empty() && matches!(value.get_ref(), DeValue::Array(_)) {
                    self.invalid(
                        block,
                        "benches",
                        value.span(),
                        format!("`benches` in {} is empty: nothing to run", block.title),
                        Some("name the divan bench targets, e.g. benches = [\"walltime\"]".into()),
                    );
                }
            }
        }
        DivanConfig {
            benches,
            args: self.string_list(block, "args"),
            package: self.text(block, "package"),
            features: self.string_list(block, "features"),
        }
    }
}
