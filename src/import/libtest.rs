//! libtest bench importer: the text the unstable `#[bench]` harness prints (`cargo +nightly
//! bench` of a `#![feature(test)]` crate, or a bench binary run with `--bench`) → one results
//! file.
//!
//! # What is read
//!
//! Lines `test <name> ... bench: <median> ns/iter (+/- <spread>)`, with `,` thousands separators
//! and, from newer toolchains, decimals; an optional `= <n> MB/s` after it when the bench set
//! `b.bytes`. Everything else (cargo's `Compiling`/`Running` lines, `running N tests`, `#[test]`
//! results) is skipped. Each bench line must be followed, later in the file, by libtest's
//! `test result:` line: a file cut short before it is refused rather than read as fewer
//! benchmarks. `test <name> ... FAILED` lines become warnings.
//!
//! The same from `--format json` (`cargo +nightly bench -- -Z unstable-options --format json`):
//! one JSON object a line; `{"type": "bench", "name", "median", "deviation", "mib_per_second"?}`
//! events are the benches (median and deviation in ns), the `{"type": "suite", "event": "ok" |
//! "failed"}` event closes a run as `test result:` does, `{"type": "test", "event": "failed"}`
//! becomes a warning, and every other event is skipped. A line that starts with `{` must be a
//! JSON object with a `type`; a cut line is an error naming it. Both forms give the same metrics.
//!
//! # Metric ids
//!
//! `libtest/<name>`, with Rust's `::` path separators written as `/` (`libtest/parse/csv/small`
//! for `parse::csv::small`), so globs select modules the way they select criterion groups; test
//! names cannot hold `/`, so no two names collide. The value is libtest's median time per
//! iteration in ns, lower is better. The `= N MB/s` a bench with `b.bytes` prints is checked but
//! not imported: it is `b.bytes` divided by that same median, rounded to whole MB/s, one
//! measurement rather than a second one, and a budget on the time gates it.
//!
//! # Runs
//!
//! libtest prints no raw samples, only the median and a spread (the max − min of its winsorized
//! per-iteration estimates, kept in the metric's `stats` as `spread`, in ns). One file is one
//! run: a single value per benchmark, compared without sampling statistics. Several files of
//! the same benches are several runs ([`super::runs::pool`]): their values are the samples
//! ([`crate::model::SampleKind::Runs`]) and few-runs statistics apply, as for Lighthouse runs.

use std::path::{Path, PathBuf};

use super::{runs, sniff, ImportError};
use crate::model::input_file::read_document;
use crate::model::{Direction, Metric, ResultsFile, Unit};

/// Imports libtest bench outputs; several files are runs of the same benches.
pub fn import(files: &[PathBuf]) -> Result<ResultsFile, ImportError> {
    if files.is_empty() {
        return Err(ImportError::Nothing("no libtest output given".into()));
    }
    let mut read = Vec::new();
    let mut warnings = Vec::new();
    for path in files {
        let bytes = read_document(path).map_err(|e| ImportError::io(path, e))?;
        let (metrics, w) = parse(path, &bytes)?;
        warnings.extend(w);
        read.push((path.clone(), metrics));
    }
    let mut results = runs::pool(read)?;
    warnings.append(&mut results.warnings);
    results.warnings = warnings;
    ImportError::check_output(results, Path::new(&list(files)))
}

/// Imports one libtest output given as bytes; `path` names it in messages.
pub fn import_bytes(path: &Path, bytes: &[u8]) -> Result<ResultsFile, ImportError> {
    let (metrics, warnings) = parse(path, bytes)?;
    let mut results = runs::pool(vec![(path.to_path_buf(), metrics)])?;
    results.warnings.splice(0..0, warnings);
    ImportError::check_output(results, path)
}

fn list(files: &[PathBuf]) -> String {
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    shown.join(", ")
}

/// One bench line, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchLine {
    /// The test name as printed (`parse::csv`).
    pub name: String,
    /// Median ns per iteration.
    pub ns_per_iter: f64,
    /// The `+/-` spread in ns.
    pub spread: f64,
    /// Throughput in MB/s, when printed.
    pub mb_per_s: Option<f64>,
}

/// Parses the part after `bench:` of a bench line, or says what is wrong with it.
pub fn parse_bench_line(line: &str) -> Option<Result<BenchLine, String>> {
    let rest = line.strip_prefix("test ")?;
    let (name, result) = rest.split_once(" ... ")?;
    let result = result.trim_start().strip_prefix("bench:")?;
    Some(bench_result(name, result))
}

fn bench_result(name: &str, result: &str) -> Result<BenchLine, String> {
    let expected = "expected `<number> ns/iter (+/- <number>)`";
    let (median, rest) = result
        .trim_start()
        .split_once(' ')
        .ok_or_else(|| format!("{expected}, found {:?}", result.trim()))?;
    let ns_per_iter =
        number(median).ok_or_else(|| format!("{median:?} is not a number; {expected}"))?;
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("ns/iter")
        .ok_or_else(|| format!("{expected}, found {:?} after the number", rest))?;
    let rest = rest
        .trim_start()
        .strip_prefix("(+/-")
        .ok_or_else(|| format!("{expected}: the `(+/- …)` spread is missing (a cut line?)"))?;
    let (spread, rest) = rest
        .split_once(')')
        .ok_or_else(|| format!("{expected}: the spread is not closed (a cut line?)"))?;
    let spread =
        number(spread.trim()).ok_or_else(|| format!("spread {spread:?} is not a number"))?;
    let rest = rest.trim();
    let mb_per_s = if rest.is_empty() {
        None
    } else {
        let mb = rest
            .strip_prefix('=')
            .and_then(|r| r.trim().strip_suffix("MB/s"))
            .ok_or_else(|| {
                format!("unexpected {rest:?} after the spread; expected `= <number> MB/s`")
            })?;
        Some(number(mb.trim()).ok_or_else(|| format!("throughput {mb:?} is not a number"))?)
    };
    if name.trim().is_empty() {
        return Err("the test name is empty".into());
    }
    Ok(BenchLine {
        name: name.trim().to_string(),
        ns_per_iter,
        spread,
        mb_per_s,
    })
}

/// One line of libtest's `--format json` output (`cargo bench -- -Z unstable-options --format
/// json`), as far as it matters here.
#[derive(Debug, Clone, PartialEq)]
enum JsonEvent {
    /// `{"type": "bench", "name": …, "median": …, "deviation": …, "mib_per_second"?: …}`.
    Bench(BenchLine),
    /// `{"type": "suite", "event": "ok" | "failed", …}`: the end of a run, as `test result:`.
    SuiteEnd,
    /// `{"type": "test", "event": "failed", "name": …}`.
    Failed(String),
    /// Anything else (`started` events, `#[test]` results, unknown types).
    Other,
}

/// Reads one JSON line, or says what is wrong with it.
fn json_event(line: &str) -> Result<JsonEvent, String> {
    use serde_json::Value;
    let value: Value = serde_json::from_str(line.trim()).map_err(|e| {
        format!(
            "not a JSON object ({e}); libtest's `--format json` prints one a line (a cut line?)"
        )
    })?;
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    let Some(kind) = text("type") else {
        return Err(
            "a JSON line without `type`; expected libtest's `--format json` events (`\"type\": \"bench\"` …)"
                .into(),
        );
    };
    let event = text("event");
    match kind {
        "bench" => {
            let name = text("name").ok_or("a `bench` event without a `name` string")?;
            let number = |key: &str, what: &str| match value.get(key) {
                Some(Value::Number(n)) => n
                    .as_f64()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| format!("`{key}` of `{name}` is not {what}: {n}")),
                Some(other) => Err(format!("`{key}` of `{name}` must be {what}, found {other}")),
                None => Err(format!("the `bench` event of `{name}` has no `{key}`")),
            };
            let ns_per_iter = number("median", "a number of ns per iteration")?;
            let spread = number("deviation", "a number of ns")?;
            let mb_per_s = match value.get("mib_per_second") {
                None | Some(Value::Null) => None,
                Some(_) => Some(number("mib_per_second", "a number")?),
            };
            if name.trim().is_empty() {
                return Err("the test name is empty".into());
            }
            Ok(JsonEvent::Bench(BenchLine {
                name: name.trim().to_string(),
                ns_per_iter,
                spread,
                mb_per_s,
            }))
        }
        "suite" if matches!(event, Some("ok" | "failed")) => Ok(JsonEvent::SuiteEnd),
        "test" if event == Some("failed") => {
            Ok(JsonEvent::Failed(text("name").unwrap_or("?").to_string()))
        }
        _ => Ok(JsonEvent::Other),
    }
}

/// A libtest number: digits with `,` separators and an optional fraction. Finite, not negative.
fn number(text: &str) -> Option<f64> {
    let digits = text.replace(',', "");
    if digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        || digits.starts_with('.')
    {
        return None;
    }
    digits.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The metric id of a libtest bench name.
pub fn metric_id(name: &str) -> String {
    format!("libtest/{}", name.replace("::", "/"))
}

fn parse(path: &Path, bytes: &[u8]) -> Result<(Vec<Metric>, Vec<String>), ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ImportError::format(
            path,
            format!(
                "not libtest output: not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    // One JSON document (hyperfine's, a results file…) is not libtest's one event a line.
    if serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v.get("type").is_none()) {
        return Err(ImportError::format(
            path,
            format!(
                "not libtest bench output: one JSON document, not libtest's `--format json` events{}",
                sniff::instead(bytes)
            ),
        ));
    }
    let mut metrics = Vec::new();
    let mut warnings = Vec::new();
    // Line of the last bench line not yet followed by a `test result:` line.
    let mut open: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let at = format!("line {}", i + 1);
        let line = line.trim_end_matches('\r');
        if line.starts_with("test result:") {
            open = None;
            continue;
        }
        if let Some(failed) = line
            .strip_prefix("test ")
            .and_then(|r| r.strip_suffix(" ... FAILED"))
        {
            warnings.push(format!(
                "{}:{}: `{failed}` FAILED; it has no result",
                path.display(),
                i + 1
            ));
            continue;
        }
        let parsed = if line.trim_start().starts_with('{') {
            match json_event(line).map_err(|message| ImportError::field(path, &at, message))? {
                JsonEvent::Bench(bench) => bench,
                JsonEvent::SuiteEnd => {
                    open = None;
                    continue;
                }
                JsonEvent::Failed(name) => {
                    warnings.push(format!(
                        "{}:{}: `{name}` failed; it has no result",
                        path.display(),
                        i + 1
                    ));
                    continue;
                }
                JsonEvent::Other => continue,
            }
        } else {
            let Some(parsed) = parse_bench_line(line) else {
                continue;
            };
            parsed.map_err(|message| ImportError::field(path, at, message))?
        };
        let bench = parsed;
        open = Some(i + 1);
        let mut metric = Metric::new(
            metric_id(&bench.name),
            Unit::Nanoseconds,
            Direction::Lower,
            bench.ns_per_iter,
        );
        metric.stats.insert("spread".into(), bench.spread);
        metrics.push(metric);
    }
    if metrics.is_empty() {
        return Err(ImportError::format(
            path,
            format!(
                "not libtest bench output: no `test <name> ... bench: <n> ns/iter (+/- <n>)` line and no `--format json` `bench` event{}",
                sniff::instead(bytes)
            ),
        ));
    }
    if let Some(line) = open {
        return Err(ImportError::format(
            path,
            format!(
                "ends without libtest's `test result:` line (`\"type\": \"suite\"` end event in `--format json`) after the bench on line {line}: a cut or partial output (capture the whole `cargo bench` output)"
            ),
        ));
    }
    Ok((metrics, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import_str(text: &str) -> Result<ResultsFile, ImportError> {
        import_bytes(Path::new("bench.txt"), text.as_bytes())
    }

    #[test]
    fn bench_lines_with_separators_decimals_and_throughput() {
        let r = import_str(
            "running 3 tests\n\
             test tests::a ... bench:       1,234 ns/iter (+/- 56)\n\
             test b ... bench:          12.50 ns/iter (+/- 0.25) = 800 MB/s\n\
             test c ... ignored\n\
             test plain ... ok\n\
             \n\
             test result: ok. 1 passed; 0 failed; 1 ignored; 2 measured; 0 filtered out; finished in 1.00s\n",
        )
        .unwrap();
        let a = r.metric("libtest/tests/a").unwrap();
        assert_eq!(
            (a.value, a.unit, a.direction),
            (1234.0, Unit::Nanoseconds, Direction::Lower)
        );
        assert!(a.samples.is_empty());
        assert_eq!(a.stats["spread"], 56.0);
        assert_eq!(r.metric("libtest/b").unwrap().value, 12.5);
        assert_eq!(r.metric("libtest/b").unwrap().stats["spread"], 0.25);
        // The MB/s is the same measurement as the time: read, not a second metric.
        assert_eq!(r.metrics.len(), 2);
        let e = import_str("test b ... bench: 12 ns/iter (+/- 1) = fast MB/s\ntest result: ok.\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("throughput"), "{e}");
    }

    #[test]
    fn cut_and_damaged_lines_are_named() {
        let err = |t: &str| import_str(t).unwrap_err().to_string();
        let e = err("test a ... bench:       1,2");
        assert!(e.contains("bench.txt") && e.contains("line 1"), "{e}");
        let e = err("test a ... bench:       1,234 ns/iter (+/- 56)\n");
        assert!(e.contains("test result:") && e.contains("line 1"), "{e}");
        let e = err("test a ... bench:       x ns/iter (+/- 56)\ntest result: ok.\n");
        assert!(e.contains("line 1") && e.contains("not a number"), "{e}");
        let e = err("test a ... bench:   -5 ns/iter (+/- 56)\ntest result: ok.\n");
        assert!(e.contains("not a number"), "{e}");
        let e = err("{\"results\": [{\"command\": \"x\", \"mean\": 1}]}");
        assert!(e.contains("looks like hyperfine"), "{e}");
        let e = err("");
        assert!(e.contains("no `test"), "{e}");
    }

    #[test]
    fn failed_benches_are_warned_about() {
        let r = import_str(
            "test a ... bench:  10 ns/iter (+/- 1)\ntest b ... FAILED\ntest result: FAILED.\n",
        )
        .unwrap();
        assert!(
            r.warnings.iter().any(|w| w.contains("`b` FAILED")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn json_events_give_the_same_metrics_as_the_text() {
        let json = import_str(
            "   Compiling x v0.1.0\n\
             { \"type\": \"suite\", \"event\": \"started\", \"test_count\": 3 }\n\
             { \"type\": \"test\", \"event\": \"started\", \"name\": \"tests::a\" }\n\
             { \"type\": \"bench\", \"name\": \"tests::a\", \"median\": 1234, \"deviation\": 56 }\n\
             { \"type\": \"bench\", \"name\": \"b\", \"median\": 12.5, \"deviation\": 0.25, \"mib_per_second\": 800 }\n\
             { \"type\": \"test\", \"event\": \"failed\", \"name\": \"c\", \"stdout\": \"boom\" }\n\
             { \"type\": \"suite\", \"event\": \"failed\", \"passed\": 0, \"failed\": 1, \"ignored\": 0, \"measured\": 2, \"filtered_out\": 0, \"exec_time\": 1.0 }\n",
        )
        .unwrap();
        let text = import_str(
            "test tests::a ... bench:       1,234 ns/iter (+/- 56)\n\
             test b ... bench:          12.50 ns/iter (+/- 0.25) = 800 MB/s\n\
             test result: ok.\n",
        )
        .unwrap();
        let pairs = |r: &ResultsFile| -> Vec<(String, f64)> {
            r.metrics.iter().map(|m| (m.id.clone(), m.value)).collect()
        };
        assert_eq!(pairs(&json), pairs(&text));
        assert_eq!(
            pairs(&json),
            [
                ("libtest/tests/a".to_string(), 1234.0),
                ("libtest/b".to_string(), 12.5)
            ]
        );
        assert!(
            json.warnings.iter().any(|w| w.contains("`c` failed")),
            "{:?}",
            json.warnings
        );
    }

    #[test]
    fn cut_or_damaged_json_lines_are_named() {
        let err = |t: &str| import_str(t).unwrap_err().to_string();
        let bench = "{ \"type\": \"bench\", \"name\": \"a\", \"median\": 10, \"deviation\": 1 }\n";
        // Cut inside a line, and cut before the suite's end event.
        let e = err(&format!(
            "{bench}{{ \"type\": \"bench\", \"name\": \"b\", \"med"
        ));
        assert!(
            e.contains("line 2") && e.contains("not a JSON object"),
            "{e}"
        );
        let e = err(bench);
        assert!(e.contains("line 1") && e.contains("suite"), "{e}");
        for (line, expected) in [
            (
                "{ \"type\": \"bench\", \"median\": 10, \"deviation\": 1 }",
                "without a `name`",
            ),
            (
                "{ \"type\": \"bench\", \"name\": \"a\", \"deviation\": 1 }",
                "has no `median`",
            ),
            (
                "{ \"type\": \"bench\", \"name\": \"a\", \"median\": \"10\", \"deviation\": 1 }",
                "must be a number of ns",
            ),
            (
                "{ \"type\": \"bench\", \"name\": \"a\", \"median\": -1, \"deviation\": 1 }",
                "is not a number of ns",
            ),
            ("{ \"name\": \"a\" }", "without `type`"),
        ] {
            let e = err(&format!(
                "{line}\n{{ \"type\": \"suite\", \"event\": \"ok\" }}\n"
            ));
            assert!(
                e.contains("bench.txt") && e.contains("line 1") && e.contains(expected),
                "{line}: {e}"
            );
        }
    }
}
