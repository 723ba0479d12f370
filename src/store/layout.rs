//! The on-disk shape of the store: the ref name, the path of an entry in the store tree, suite
//! names that are safe as directory names, and the versioned JSON envelope of an entry.

use serde::{Deserialize, Serialize};

use crate::model::{ResultsFile, RESULTS_SCHEMA};

use super::StoreError;

/// The ref that holds the store.
pub const STORE_REF: &str = "refs/perf-budget/results";

/// Where `store fetch` puts the remote's tip before merging it (deleted afterwards).
pub(crate) const INCOMING_REF: &str = "refs/perf-budget/incoming";

/// Format of a stored entry (`results.json`).
pub const STORE_FORMAT: &str = "perf-budget/store/v1";

/// Format of the derived per-metric summary (`summary.json`).
pub(crate) const SUMMARY_FORMAT: &str = "perf-budget/store-summary/v1";

/// The suite used when neither `--suite` nor `settings.suite` names one.
pub const DEFAULT_SUITE: &str = "default";

/// File name of the full results of one suite.
pub(crate) const RESULTS_FILE: &str = "results.json";

/// File name of the derived summary of one suite.
pub(crate) const SUMMARY_FILE: &str = "summary.json";

/// Checks that a suite name can be a directory in the store and a comment id: letters, digits,
/// `.`, `_` and `-`, not starting with `.`, at most 100 characters.
pub fn validate_suite(name: &str) -> Result<(), StoreError> {
    let bad = |reason: &str| StoreError::InvalidSuite {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if name.len() > 100 {
        return Err(bad("it is longer than 100 characters"));
    }
    if name.starts_with('.') {
        return Err(bad("it starts with `.`"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(bad(&format!(
            "it contains {c:?}; use letters, digits, `.`, `_` and `-`"
        )));
    }
    Ok(())
}

/// True for a full lowercase hex object id (SHA-1 or SHA-256).
pub(crate) fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The directory of a measured commit in the store tree: `ab/cdef…`.
pub(crate) fn commit_dir(sha: &str) -> String {
    format!("{}/{}", &sha[..2], &sha[2..])
}

/// The path of a file of one suite of one commit.
pub(crate) fn entry_path(sha: &str, suite: &str, file: &str) -> String {
    format!("{}/{suite}/{file}", commit_dir(sha))
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct StoredEntryOut<'a> {
    store: &'static str,
    saved_at: String,
    tool: String,
    results: &'a ResultsFile,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct StoredEntryIn {
    #[serde(default)]
    saved_at: Option<String>,
    results: serde_json::Value,
}

/// The bytes of `results.json` for these results.
pub(crate) fn encode_entry(results: &ResultsFile) -> Vec<u8> {
    let out = StoredEntryOut {
        store: STORE_FORMAT,
        saved_at: jiff::Timestamp::now().to_string(),
        tool: format!("cargo-perf-budget {}", env!("CARGO_PKG_VERSION")),
        results,
    };
    // Plain data with string keys: serialising cannot fail.
    serde_json::to_vec(&out).unwrap_or_default()
}

/// A decoded entry: the results and when they were saved.
pub(crate) struct DecodedEntry {
    pub results: ResultsFile,
    pub saved_at: Option<String>,
}

/// Reads `results.json` in any store format this version knows; the error says what is wrong.
pub(crate) fn decode_entry(bytes: &[u8], origin: &str) -> Result<DecodedEntry, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let format = value.get("store").map(|s| s.as_str());
    match format {
        Some(Some(STORE_FORMAT)) => {
            let entry: StoredEntryIn =
                serde_json::from_value(value).map_err(|e| format!("format {STORE_FORMAT}: {e}"))?;
            let results = ResultsFile::from_json(&entry.results.to_string(), origin)
                .map_err(|e| e.to_string())?;
            Ok(DecodedEntry {
                results,
                saved_at: entry.saved_at,
            })
        }
        Some(Some(other)) => Err(format!(
            "store format {other:?} is not one this version reads (it reads {STORE_FORMAT} and bare results files); upgrade cargo-perf-budget"
        )),
        Some(None) => Err("field `store` is not a string".into()),
        // Format "v0": a bare results file, as someone might add by hand.
        None if value.get("schema").is_some() => {
            let results =
                ResultsFile::from_json(&value.to_string(), origin).map_err(|e| e.to_string())?;
            Ok(DecodedEntry {
                results,
                saved_at: None,
            })
        }
        None => Err(format!(
            "neither a store entry (field `store`: \"{STORE_FORMAT}\") nor a results file (field `schema`: \"{RESULTS_SCHEMA}\")"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Metric, Unit};

    #[test]
    fn suite_names_are_safe_directory_names() {
        assert!(validate_suite("default").is_ok());
        assert!(validate_suite("lighthouse-home_v2.1").is_ok());
        for bad in ["", ".hidden", "a/b", "a b", "x\n", "ü", &"x".repeat(101)] {
            assert!(validate_suite(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn entries_round_trip_and_bare_results_still_load() {
        let mut f = ResultsFile::new();
        f.metrics.push(Metric::new(
            "criterion/a",
            Unit::Nanoseconds,
            Direction::Lower,
            2.0,
        ));
        let back = decode_entry(&encode_entry(&f), "e").unwrap();
        assert_eq!(back.results, f);
        assert!(back.saved_at.is_some());
        let bare = decode_entry(f.to_json().as_bytes(), "e").unwrap();
        assert_eq!(bare.results, f);
        assert!(bare.saved_at.is_none());
    }

    /// An entry as version 0.1 wrote it, frozen: every later version must keep reading it.
    #[test]
    fn frozen_v1_entries_keep_loading() {
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/store/entry-v1.json"
        ));
        let e = decode_entry(text.as_bytes(), "entry-v1.json").unwrap();
        assert_eq!(
            e.saved_at.as_deref(),
            Some("2026-03-14T09:26:53.589793238Z")
        );
        let r = e.results;
        assert_eq!(
            r.commit.as_deref(),
            Some("9e0a6f3c2b1d4e5f60718293a4b5c6d7e8f90123")
        );
        assert_eq!(r.metrics.len(), 4);
        assert_eq!(r.metrics[0].samples.len(), 10);
        assert_eq!(
            r.metrics[1].sample_kind,
            Some(crate::model::SampleKind::Runs)
        );
        assert!(r.metrics[2].failure.is_some());
        assert_eq!(r.metrics[3].proportion.map(|p| p.failures), Some(12));
        assert_eq!(r.environment.cores, Some(4));
        assert_eq!(r.thresholds.len(), 1);
    }

    #[test]
    fn unknown_or_broken_entries_are_errors() {
        let newer = r#"{"store": "perf-budget/store/v7", "results": {}}"#;
        let err = decode_entry(newer.as_bytes(), "e").err().unwrap();
        assert!(err.contains("v7") && err.contains("upgrade"), "{err}");
        assert!(decode_entry(b"{\"store\": 1}", "e").is_err());
        assert!(decode_entry(b"[]", "e").is_err());
        assert!(decode_entry(b"\xff\xfe", "e").is_err());
        let bad_metric = r#"{"store": "perf-budget/store/v1", "results": {"schema": "perf-budget/results/v1", "metrics": [{"id": "a", "unit": "ns", "direction": "lower", "value": "fast"}]}}"#;
        assert!(decode_entry(bad_metric.as_bytes(), "e").is_err());
        assert!(commit_dir("0123456789abcdef0123456789abcdef01234567").starts_with("01/23"));
        assert!(is_full_sha("0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_full_sha("0123456789ABCDEF0123456789abcdef01234567"));
        assert!(!is_full_sha("HEAD"));
    }

    proptest::proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)
        ) {
            let _ = decode_entry(&bytes, "fuzz");
            let _ = crate::store::summary::decode_summary(&bytes, "b");
        }

        #[test]
        fn decoding_damaged_entries_never_panics(
            cut in 0usize..2000,
            at in 0usize..2000,
            byte in proptest::prelude::any::<u8>(),
        ) {
            let mut f = ResultsFile::new();
            f.metrics.push(
                Metric::new("criterion/a", Unit::Nanoseconds, Direction::Lower, 2.0)
                    .with_samples(crate::model::SampleKind::Iterations, vec![1.0, 2.0, 3.0]),
            );
            let summary = crate::store::summary::encode_summary(
                &crate::store::RunSummary::from_results(&"a".repeat(40), "default", &f),
                "b",
            );
            for mut bytes in [encode_entry(&f), summary] {
                let n = bytes.len();
                bytes[at % n] = byte;
                bytes.truncate(cut % (n + 1));
                let _ = decode_entry(&bytes, "fuzz");
                let _ = crate::store::summary::decode_summary(&bytes, "b");
            }
        }
    }
}
