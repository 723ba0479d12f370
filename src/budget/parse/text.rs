//! Reading and describing the text of values: numbers, percentages, dates, times, suggestions
//! for misspelt keys.

use super::*;

/// The largest `max-regression` accepted (1000 %): beyond it a relative budget cannot fail.
pub(super) const MAX_REGRESSION_LIMIT: f64 = 10.0;

/// The largest `no-noise-factor` accepted; larger ones turn every unmeasured relative rule off.
pub(super) const MAX_NO_NOISE_FACTOR: f64 = 100.0;

/// Why `name` cannot be a branch name, if it cannot. The name reaches `git` as an argument, so a
/// leading `-` would be read as an option; control characters and git's forbidden characters
/// could never name a branch.
pub(super) fn branch_problem(name: &str) -> Option<&'static str> {
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

pub(super) fn number_of(value: &DeValue<'_>) -> Option<f64> {
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
pub(super) fn parse_percent(text: &str) -> Option<f64> {
    let number = text.trim().strip_suffix('%')?.trim();
    // Refuse what Rust's float parser accepts but nobody means: `inf%`, `nan%`.
    if !number.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-' || c == '+') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some(value / 100.0)
}

/// A number without float noise: 5.000000000000001 → `5`, 0.25 → `0.25`.
pub(super) fn trim_number(n: f64) -> String {
    let text = format!("{n:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

pub(super) fn parse_iso_date(text: &str) -> Option<(i64, i64, i64)> {
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

pub(super) fn civil_date(year: i64, month: i64, day: i64) -> Option<jiff::civil::Date> {
    let year = i16::try_from(year).ok()?;
    let month = i8::try_from(month).ok()?;
    let day = i8::try_from(day).ok()?;
    jiff::civil::Date::new(year, month, day).ok()
}

/// The message and hint for a limit that does not parse.
pub(super) fn quantity_problem(
    key: &str,
    title: &str,
    text: &str,
    err: &UnitError,
) -> (String, String) {
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
pub(super) fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let normalized = kebab_case(word);
    if let Some(exact) = candidates.iter().find(|c| **c == normalized) {
        return Some(exact);
    }
    closest_exact(&normalized, candidates)
}

/// The closest candidate by edit distance, allowing about one edit per three characters.
pub(super) fn closest_exact<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(distance, c)| *distance <= (c.chars().count() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

pub(super) fn kebab_case(word: &str) -> String {
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
pub(super) fn table_owning(key: &str) -> Option<String> {
    let key = kebab_case(key);
    SCHEMA
        .iter()
        .find(|(_, _, keys)| keys.contains(&key.as_str()))
        .map(|(name, kind, _)| format!("`{}`", kind.header(name)))
}

/// A short description of a value for "found …" messages.
pub(super) fn describe(value: &DeValue<'_>) -> String {
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
pub(super) fn parse_wall_time(text: &str) -> Option<Duration> {
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

pub(super) fn parse_bench_time(text: &str) -> Option<Duration> {
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
