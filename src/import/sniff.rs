//! Recognising a tool output by its content, so that a file given to the wrong importer is
//! named for what it is ("looks like hyperfine `--export-json` output; use `import hyperfine`")
//! instead of failing on its first missing field.

/// What `bytes` look like, as a phrase naming the format and the import that reads it, or
/// `None` when nothing is recognised. Only the shape is looked at, not whether it is valid.
pub fn looks_like(bytes: &[u8]) -> Option<&'static str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // A whole document first; an NDJSON stream (k6 `--out json`) is one object a line.
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => return json_kind(&value),
            Err(_) => {
                let first = trimmed.lines().next().unwrap_or("");
                let value = serde_json::from_str::<serde_json::Value>(first).ok()?;
                if value.get("type").and_then(|t| t.as_str()) == Some("Point")
                    || value.get("type").and_then(|t| t.as_str()) == Some("Metric")
                {
                    return Some("a k6 `--out json` stream (use `import k6`)");
                }
                if matches!(
                    value.get("type").and_then(|t| t.as_str()),
                    Some("suite" | "test" | "bench")
                ) {
                    return Some("libtest `--format json` output (use `import libtest`)");
                }
                return None;
            }
        }
    }
    if text
        .lines()
        .any(|l| l.starts_with("test ") && l.contains(" ... bench:"))
    {
        return Some("libtest bench output (use `import libtest`)");
    }
    if text.contains("fastest") && text.contains("slowest") && text.contains('│') {
        return Some("divan's printed table (use `import divan`)");
    }
    None
}

fn json_kind(value: &serde_json::Value) -> Option<&'static str> {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if map.get("schema").and_then(Value::as_str) == Some(crate::model::RESULTS_SCHEMA) {
                return Some("a cargo-perf-budget results file (no import needed: give it to `compare` or `run --results`)");
            }
            if let Some(Value::Array(results)) = map.get("results") {
                if results
                    .iter()
                    .any(|r| r.get("command").is_some() && r.get("mean").is_some())
                {
                    return Some("hyperfine `--export-json` output (use `import hyperfine`)");
                }
            }
            if map.contains_key("lighthouseVersion")
                || map.contains_key("lighthouseResult")
                || map.contains_key("steps") && map.contains_key("name")
            {
                return Some("a Lighthouse report (use `import lighthouse`)");
            }
            if map.contains_key("root_group")
                || map
                    .get("metrics")
                    .and_then(Value::as_object)
                    .is_some_and(|m| m.contains_key("iterations") || m.contains_key("http_reqs"))
            {
                return Some("a k6 summary (use `import k6`)");
            }
            if map.contains_key("sampling_mode") && map.contains_key("times")
                || map.contains_key("mean") && map.contains_key("median_abs_dev")
            {
                return Some("a criterion file (use `import criterion` on its directory)");
            }
            if map.contains_key("callgrind_summary") || map.contains_key("summary_output") {
                return Some("a gungraun (iai-callgrind) summary (use `import gungraun`)");
            }
            let bmf = !map.is_empty()
                && map.values().all(|measures| {
                    measures.as_object().is_some_and(|m| {
                        !m.is_empty()
                            && m.values().all(|metric| {
                                metric.as_object().is_some_and(|o| o.contains_key("value"))
                            })
                    })
                });
            bmf.then_some("Bencher Metric Format JSON (use `import bmf`)")
        }
        Value::Array(items) => {
            let custom = !items.is_empty()
                && items.iter().all(|i| {
                    i.get("name").is_some() && i.get("value").is_some() && i.get("unit").is_some()
                });
            custom.then_some("github-action-benchmark custom JSON (use `import custom`)")
        }
        _ => None,
    }
}

/// The end of an error message for a file that is not the expected format: what it looks like
/// instead, when that can be told.
pub fn instead(bytes: &[u8]) -> String {
    match looks_like(bytes) {
        Some(what) => format!("; it looks like {what}"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_told_apart() {
        let hyperfine = br#"{"results": [{"command": "sleep 0", "mean": 0.1, "times": [0.1]}]}"#;
        assert!(looks_like(hyperfine).unwrap().contains("hyperfine"));
        let bmf = br#"{"parse": {"latency": {"value": 1.0}}}"#;
        assert!(looks_like(bmf).unwrap().contains("Bencher"));
        let custom = br#"[{"name": "a", "unit": "ms", "value": 1}]"#;
        assert!(looks_like(custom).unwrap().contains("custom"));
        let libtest = b"running 1 test\ntest a ... bench:         12 ns/iter (+/- 1)\n";
        assert!(looks_like(libtest).unwrap().contains("libtest"));
        let libtest_json = b"{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": 1 }\n{ \"type\": \"bench\", \"name\": \"a\", \"median\": 12, \"deviation\": 1 }\n";
        assert!(looks_like(libtest_json)
            .unwrap()
            .contains("libtest `--format json`"));
        let results = br#"{"schema": "perf-budget/results/v1", "metrics": []}"#;
        assert!(looks_like(results).unwrap().contains("results file"));
        assert_eq!(looks_like(b"{\"a\": 1}"), None);
        assert_eq!(looks_like(b"\xff\xfe"), None);
        assert_eq!(looks_like(b"{\"results\": [{\"comm"), None);
    }
}
