//! k6 importer and runner: recorded real k6 1.1 outputs (summary export, handleSummary data,
//! NDJSON stream), damaged and foreign inputs, property tests that nothing panics. The runs of
//! the real k6 binary against a local server are in the `tools` test target (`tests/tools`).

use std::path::{Path, PathBuf};

use cargo_perf_budget::import::k6::synthetic::{write_stream, StreamShape};
use cargo_perf_budget::import::k6::{import, import_bytes, import_with};
use cargo_perf_budget::model::{Direction, ResultsFile, SampleKind, Unit};

mod console;

use console::{assert_error_rate, printed_stat};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/k6")
        .join(rel)
}

fn value(r: &ResultsFile, id: &str) -> f64 {
    r.metric(id)
        .unwrap_or_else(|| {
            panic!(
                "no metric {id}; have {:?}",
                r.metrics.iter().map(|m| &m.id).collect::<Vec<_>>()
            )
        })
        .value
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-12
}

#[test]
fn summary_export_and_handle_summary_agree_on_every_metric_and_threshold() {
    for run in ["base", "head-regressed"] {
        let export = import(
            &[fixture(&format!("recorded/{run}/summary-export.json"))],
            "api",
        )
        .unwrap();
        let handle = import(
            &[fixture(&format!("recorded/{run}/handle-summary.json"))],
            "api",
        )
        .unwrap();
        let ids = |r: &ResultsFile| r.metrics.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&export), ids(&handle), "{run}");
        for (a, b) in export.metrics.iter().zip(&handle.metrics) {
            assert_eq!(a.value, b.value, "{}", a.id);
            assert_eq!(a.unit, b.unit, "{}", a.id);
            assert_eq!(a.direction, b.direction, "{}", a.id);
            assert_eq!(a.proportion, b.proportion, "{}", a.id);
        }
        assert_eq!(export.thresholds, handle.thresholds, "{run}");
        assert!(export.warnings.is_empty(), "{:?}", export.warnings);
        assert!(handle.warnings.is_empty(), "{:?}", handle.warnings);
    }
}

#[test]
fn recorded_summary_has_spec_ids_units_directions_and_proportions() {
    let r = import(&[fixture("recorded/base/summary-export.json")], "api").unwrap();
    let m = r.metric("k6/api/http_req_duration/p(95)").unwrap();
    assert_eq!(m.value, 74.19094999999999);
    assert_eq!(m.unit, Unit::Milliseconds);
    assert_eq!(m.direction, Direction::Lower);
    assert_eq!(value(&r, "k6/api/http_req_duration/med"), 12.0583445);
    assert_eq!(
        value(&r, "k6/api/http_req_duration{expected_response:true}/p(90)"),
        67.3225872
    );
    let reqs = r.metric("k6/api/http_reqs/rate").unwrap();
    assert_eq!(
        (reqs.value, reqs.unit, reqs.direction),
        (111.4086795955718, Unit::PerSecond, Direction::Higher)
    );
    let count = r.metric("k6/api/http_reqs/count").unwrap();
    assert_eq!((count.value, count.unit), (450.0, Unit::Count));
    let iterations = r.metric("k6/api/iterations/rate").unwrap();
    assert_eq!(iterations.direction, Direction::Higher);
    let received = r.metric("k6/api/data_received/rate").unwrap();
    assert_eq!(received.unit, Unit::BytesPerSecond);
    assert_eq!(
        r.metric("k6/api/data_sent/count").unwrap().unit,
        Unit::Bytes
    );
    // http_req_failed: k6's "passes" are the FAILED requests (0 here), "fails" the good ones.
    let failed = r.metric("k6/api/http_req_failed/rate").unwrap();
    assert_eq!(
        (failed.value, failed.unit, failed.direction),
        (0.0, Unit::Fraction, Direction::Lower)
    );
    let p = failed.proportion.unwrap();
    assert_eq!((p.failures, p.total), (0, 450));
    let checks = r.metric("k6/api/checks/rate").unwrap();
    assert_eq!((checks.value, checks.direction), (1.0, Direction::Higher));
    assert_eq!(
        (
            checks.proportion.unwrap().failures,
            checks.proportion.unwrap().total
        ),
        (0, 225)
    );
    assert_eq!(value(&r, "k6/api/vus/value"), 4.0);
    // Thresholds: `false` in the export means the threshold held.
    let t: Vec<(&str, &str, bool)> = r
        .thresholds
        .iter()
        .map(|t| (t.metric.as_str(), t.expression.as_str(), t.ok))
        .collect();
    assert_eq!(
        t,
        vec![
            ("k6/api/http_req_duration/p(95)", "p(95)<300", true),
            ("k6/api/http_req_failed/rate", "rate<0.01", true),
        ]
    );
}

#[test]
fn export_threshold_true_means_failed_and_handle_summary_ok_false_means_failed() {
    let export = std::fs::read_to_string(fixture("recorded/base/summary-export.json"))
        .unwrap()
        .replace(r#""p(95)<300": false"#, r#""p(95)<300": true"#);
    let r = import_bytes(Path::new("export.json"), export.as_bytes(), "api").unwrap();
    let t = r
        .thresholds
        .iter()
        .find(|t| t.expression == "p(95)<300")
        .unwrap();
    assert!(!t.ok, "a legacy `true` is a FAILED threshold");
    let handle = std::fs::read_to_string(fixture("recorded/base/handle-summary.json"))
        .unwrap()
        .replacen(r#""ok": true"#, r#""ok": false"#, 1);
    let r = import_bytes(Path::new("handle.json"), handle.as_bytes(), "api").unwrap();
    assert_eq!(r.thresholds.iter().filter(|t| !t.ok).count(), 1);
}

#[test]
fn stream_alone_reproduces_k6s_own_percentiles() {
    for run in ["base", "head-regressed"] {
        let summary = import(
            &[fixture(&format!("recorded/{run}/summary-export.json"))],
            "api",
        )
        .unwrap();
        let stream = import(&[fixture(&format!("recorded/{run}/points.ndjson"))], "api").unwrap();
        for stat in ["p(95)", "p(90)", "med", "avg", "min", "max"] {
            for metric in [
                "http_req_duration",
                "http_req_duration{expected_response:true}",
                "http_req_waiting",
                "iteration_duration",
            ] {
                let id = format!("k6/api/{metric}/{stat}");
                let (a, b) = (value(&summary, &id), value(&stream, &id));
                // f32 storage: 6e-8 relative; summary and stream must agree within 1 %.
                assert!(close(a, b, 1e-6), "{run} {id}: summary {a}, stream {b}");
            }
        }
        assert_eq!(
            value(&summary, "k6/api/http_reqs/count"),
            value(&stream, "k6/api/http_reqs/count")
        );
        assert_eq!(
            stream
                .metric("k6/api/http_req_failed/rate")
                .unwrap()
                .proportion,
            summary
                .metric("k6/api/http_req_failed/rate")
                .unwrap()
                .proportion
        );
        // The rate needs the test duration, which the stream does not have: approximate, said so.
        let (a, b) = (
            value(&summary, "k6/api/http_reqs/rate"),
            value(&stream, "k6/api/http_reqs/rate"),
        );
        assert!(close(a, b, 0.1), "{a} vs {b}");
        assert!(
            stream.warnings.iter().any(|w| w.contains("counter rates")),
            "{:?}",
            stream.warnings
        );
        // Thresholds name p(95) only; no thresholds results without a summary.
        assert!(stream.thresholds.is_empty());
    }
}

#[test]
fn summary_plus_stream_keeps_printed_numbers_and_adds_what_is_asked() {
    let files = [
        fixture("recorded/head-regressed/points.ndjson"),
        fixture("recorded/head-regressed/handle-summary.json"),
    ];
    let wanted = [
        "k6/api/http_req_duration{name:slow}/p(99)".to_string(),
        "http_req_duration{name:fast}".to_string(),
        "k6/api/http_req_duration/p(99.9)".to_string(),
        "k6/api/http_req_wait*/p(99)".to_string(),
        "k6/other/http_req_duration/p(42)".to_string(),
        "criterion/parse/1000".to_string(),
    ];
    let r = import_with(&files, "api", &wanted).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(value(&r, "k6/api/http_req_duration/p(95)"), 91.54971665);
    assert_eq!(r.thresholds.len(), 2);
    let slow99 = value(&r, "k6/api/http_req_duration{name:slow}/p(99)");
    let fast95 = value(&r, "k6/api/http_req_duration{name:fast}/p(95)");
    let all999 = value(&r, "k6/api/http_req_duration/p(99.9)");
    // /slow sleeps 30–100 ms in this run; /fast answers at once.
    assert!(slow99 > 30.0 && slow99 <= 101.0, "{slow99}");
    assert!(fast95 < 30.0, "{fast95}");
    assert!(all999 >= slow99, "{all999} {slow99}");
    assert!(!r.metrics.iter().any(|m| m.id.contains("p(42)")));
    // The glob adds its statistic to the series it matches, and only to those.
    assert!(r.metric("k6/api/http_req_waiting/p(99)").is_some());
    assert!(r.metric("k6/api/http_req_sending/p(99)").is_none());
    // A tracked sub-metric gets k6's default statistics too.
    assert!(r
        .metric("k6/api/http_req_duration{name:slow}/med")
        .is_some());
}

#[test]
fn mismatched_summary_and_stream_are_reported() {
    let files = [
        fixture("recorded/base/summary-export.json"),
        fixture("recorded/head-regressed/points.ndjson"),
    ];
    let r = import(&files, "api").unwrap();
    let w = r.warnings.join("\n");
    assert!(w.contains("disagree"), "{w}");
    // The summary's numbers are kept.
    assert_eq!(
        value(&r, "k6/api/http_req_duration/p(95)"),
        74.19094999999999
    );
}

fn recorded_stream() -> String {
    std::fs::read_to_string(fixture("recorded/base/points.ndjson")).unwrap()
}

#[test]
fn nan_tokens_garbage_and_a_truncated_last_line_are_skipped_with_a_warning() {
    let text = recorded_stream();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let target = lines
        .iter()
        .position(|l| l.contains(r#""metric":"http_req_duration","type":"Point""#))
        .unwrap();
    let value_start = lines[target].find(r#""value":"#).unwrap() + 8;
    let value_end = value_start + lines[target][value_start..].find(',').unwrap();
    lines[target].replace_range(value_start..value_end, "NaN");
    lines.insert(10, "\u{0}garbage\u{7f}".to_string());
    let last = lines.pop().unwrap();
    lines.push(last[..last.len() / 2].to_string());
    let damaged = lines.join("\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("points.ndjson");
    std::fs::write(&path, damaged).unwrap();
    let count = ["http_req_duration/count".to_string()];
    let r = import_with(&[path], "api", &count).unwrap();
    let w = r.warnings.join("\n");
    assert!(w.contains("points.ndjson: skipped 3 damaged lines"), "{w}");
    assert!(w.contains("NaN"), "{w}");
    assert!(w.contains("truncated"), "{w}");
    // One request's duration fewer than k6 counted.
    let clean = import_with(&[fixture("recorded/base/points.ndjson")], "api", &count).unwrap();
    assert_eq!(
        value(&r, "k6/api/http_req_duration/count"),
        value(&clean, "k6/api/http_req_duration/count") - 1.0
    );
}

#[test]
fn gzip_streams_are_read() {
    use std::io::Write;
    let text = recorded_stream();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let zipped = import_bytes(Path::new("points.ndjson.gz"), &bytes, "api").unwrap();
    let plain = import_bytes(Path::new("points.ndjson"), text.as_bytes(), "api").unwrap();
    assert_eq!(zipped.metrics, plain.metrics);
}

fn import_error(name: &str, bytes: &[u8]) -> String {
    import_bytes(Path::new(name), bytes, "api")
        .expect_err("must not import")
        .to_string()
}

#[test]
fn foreign_empty_and_truncated_inputs_are_errors_naming_the_file() {
    let e = import_error("lhr.json", br#"{"lighthouseVersion":"12.2.3","audits":{}}"#);
    assert!(e.contains("lhr.json") && e.contains("Lighthouse"), "{e}");
    let e = import_error("other.json", br#"{"name":"x","results":[1,2]}"#);
    assert!(
        e.contains("other.json") && e.contains("not a k6 output"),
        "{e}"
    );
    let e = import_error("empty.json", b"");
    assert!(e.contains("empty.json") && e.contains("empty"), "{e}");
    let e = import_error("blank.json", b" \n\t\n");
    assert!(e.contains("blank.json") && e.contains("empty"), "{e}");
    let summary = std::fs::read(fixture("recorded/base/summary-export.json")).unwrap();
    let e = import_error("cut.json", &summary[..summary.len() / 2]);
    assert!(e.contains("cut.json") && e.contains("truncated"), "{e}");
    let e = import_error("array.json", b"[1,2,3]");
    assert!(e.contains("array.json"), "{e}");
    let e = import_error("text.txt", b"hello world");
    assert!(e.contains("text.txt"), "{e}");
    // A bad field is named with its path.
    let bad = String::from_utf8(summary)
        .unwrap()
        .replace(r#""p(95)": 74.19094999999999"#, r#""p(95)": "fast""#);
    let e = import_error("bad.json", bad.as_bytes());
    assert!(
        e.contains("bad.json") && e.contains("metrics.http_req_duration.p(95)"),
        "{e}"
    );
    let bad = std::fs::read_to_string(fixture("recorded/base/handle-summary.json"))
        .unwrap()
        .replacen(r#""ok": true"#, r#""ok": "yes""#, 1);
    let e = import_error("hs.json", bad.as_bytes());
    assert!(e.contains("hs.json") && e.contains("thresholds"), "{e}");
    // Only garbage lines: not a stream at all.
    let e = import_error(
        "points.ndjson",
        b"{\"type\":\"Point\",\"metric\":\"x\",\"data\":{\"value\":NaN}}\n",
    );
    assert!(e.contains("points.ndjson") && e.contains("no valid"), "{e}");
    // A directory and a missing file.
    let e = import(&[fixture("recorded")], "api")
        .unwrap_err()
        .to_string();
    assert!(e.contains("recorded"), "{e}");
    let e = import(&[fixture("nope.json")], "api")
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.json"), "{e}");
}

#[test]
fn two_summaries_or_two_streams_are_refused() {
    let e = import(
        &[
            fixture("recorded/base/summary-export.json"),
            fixture("recorded/head-regressed/handle-summary.json"),
        ],
        "api",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("second k6 summary") && e.contains("handle-summary.json"),
        "{e}"
    );
    let e = import(&[], "api").unwrap_err().to_string();
    assert!(e.contains("no files"), "{e}");
    let e = import(&[fixture("recorded/base/summary-export.json")], "a/b")
        .unwrap_err()
        .to_string();
    assert!(e.contains("a/b"), "{e}");
}

#[test]
fn machine_readable_summary_of_k6_1_5() {
    let r = import(&[fixture("machine-readable.json")], "api").unwrap();
    assert_eq!(value(&r, "k6/api/http_req_duration/p(95)"), 421.3);
    let failed = r.metric("k6/api/http_req_failed/rate").unwrap();
    assert_eq!(failed.value, 0.02);
    let p = failed.proportion.unwrap();
    assert_eq!((p.failures, p.total), (30, 1500));
    // Counters have no rate in this shape: derived from config.duration like k6 does.
    assert!(close(
        value(&r, "k6/api/http_reqs/rate"),
        1500.0 / 60.0,
        1e-12
    ));
    // checks_succeeded is the `checks` rate budgets know.
    let checks = r.metric("k6/api/checks/rate").unwrap();
    assert_eq!(
        (
            checks.value,
            checks.proportion.unwrap().failures,
            checks.proportion.unwrap().total
        ),
        (0.98, 30, 1500)
    );
    assert!(r.metric("k6/api/checks_failed/rate").is_none());
    assert!(r.thresholds.is_empty());
}

#[test]
fn threshold_only_metrics_without_samples_are_not_data() {
    let r = import(&[fixture("zero-sample-submetrics.json")], "api").unwrap();
    assert!(r.metric("k6/api/checks{step:login}/rate").is_none());
    assert!(r
        .metric("k6/api/http_req_duration{name:never}/p(95)")
        .is_none());
    assert!(r.metric("k6/api/http_req_duration/p(95)").is_some());
    let w = r.warnings.join("\n");
    assert!(
        w.contains("checks{step:login}") && w.contains("http_req_duration{name:never}"),
        "{w}"
    );
    // The threshold results are still shown.
    assert!(r
        .thresholds
        .iter()
        .any(|t| t.metric == "k6/api/checks{step:login}/rate" && !t.ok));
    // A null statistic (JavaScript writes NaN as null) is skipped with a warning.
    assert!(w.contains("null"), "{w}");
    assert!(r.metric("k6/api/custom_wait/avg").is_none());
    assert_eq!(value(&r, "k6/api/custom_wait/p(99.9)"), 12.5);
    assert_eq!(
        r.metric("k6/api/custom_wait/p(99.9)").unwrap().unit,
        Unit::Unitless
    );
    assert_eq!(
        r.metric("k6/api/login_errors/count").unwrap().direction,
        Direction::Lower
    );
}

#[test]
fn long_streams_give_window_samples() {
    let mut bytes = Vec::new();
    let shape = StreamShape {
        seed: 7,
        iterations_per_second: 10.0,
    };
    write_stream(&mut bytes, 4 << 20, &shape).unwrap();
    let r = import_bytes(Path::new("synthetic.ndjson"), &bytes, "api").unwrap();
    let p95 = r.metric("k6/api/http_req_duration/p(95)").unwrap();
    assert_eq!(p95.sample_kind, Some(SampleKind::Windows));
    assert!(p95.samples.len() >= 3, "{}", p95.samples.len());
    let lo = p95.samples.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = p95.samples.iter().cloned().fold(0.0, f64::max);
    assert!(
        lo <= p95.value * 1.5 && hi >= p95.value / 1.5,
        "{lo} {hi} {}",
        p95.value
    );
    let failed = r.metric("k6/api/http_req_failed/rate").unwrap();
    assert_eq!(failed.samples.len(), p95.samples.len());
    let p = failed.proportion.unwrap();
    assert!(p.failures > 0 && p.failures < p.total / 50, "{p:?}");
    // Thresholds in the Metric lines name p(99), so it is computed too.
    assert!(r.metric("k6/api/http_req_duration/p(99)").is_some());
    assert!(r
        .metric("k6/api/http_req_duration{expected_response:true}/p(95)")
        .is_some());
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn seeds() -> Vec<Vec<u8>> {
        vec![
            std::fs::read(fixture("recorded/base/summary-export.json")).unwrap(),
            std::fs::read(fixture("recorded/base/handle-summary.json")).unwrap(),
            std::fs::read(fixture("machine-readable.json")).unwrap(),
            std::fs::read(fixture("zero-sample-submetrics.json")).unwrap(),
            recorded_stream().as_bytes()[..40_000].to_vec(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn on_mutated_k6_outputs(
            which in 0usize..5,
            cut in 0.0f64..1.0,
            flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..8),
        ) {
            let mut bytes = seeds().swap_remove(which);
            for (at, b) in flips {
                let i = ((bytes.len() as f64) * at) as usize;
                if i < bytes.len() { bytes[i] = b; }
            }
            let keep = ((bytes.len() as f64) * cut) as usize;
            bytes.truncate(keep.max(1));
            if let Ok(r) = import_bytes(Path::new("mutated"), &bytes, "api") {
                prop_assert!(ResultsFile::from_json(&r.to_json(), "mutated").is_ok());
            }
        }

        #[test]
        fn on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = import_bytes(Path::new("arbitrary"), &bytes, "api");
        }

        #[test]
        fn on_k6_like_lines(lines in proptest::collection::vec(
            (0usize..4, "[a-z_{}:]{0,12}", any::<f64>(), "[ -~]{0,16}"), 1..20)
        ) {
            let mut text = String::new();
            for (kind, name, value, tag) in lines {
                match kind {
                    0 => text.push_str(&format!(r#"{{"type":"Metric","data":{{"name":"{name}","type":"trend","contains":"time","thresholds":["p(99)<1"],"submetrics":[{{"name":"{name}{{t:{tag}}}"}}]}},"metric":"{name}"}}"#)),
                    1 => text.push_str(&format!(r#"{{"metric":"{name}","type":"Point","data":{{"time":"2026-01-01T00:00:00Z","value":{value},"tags":{{"t":"{tag}"}}}}}}"#)),
                    2 => text.push_str(&format!(r#"{{"metric":"{name}","type":"Point","data":{{"time":"{tag}","value":{value}}}}}"#)),
                    _ => text.push_str(&tag),
                }
                text.push('\n');
            }
            let r = import_bytes(Path::new("lines.ndjson"), text.as_bytes(), "api");
            if let Ok(r) = r {
                // Finite values, unique ids: what every later stage relies on.
                let back = ResultsFile::from_json(&r.to_json(), "lines.ndjson");
                prop_assert!(back.is_ok(), "{:?}", back.err());
            }
        }
    }
}

/// One-off measurement on a large stream, not part of the suite:
///
/// ```text
/// K6_LARGE_STREAM=/tmp/k6-1g.ndjson K6_LARGE_MB=1024 \
///   cargo test --release --test integration k6::large_stream_generate -- --ignored
/// K6_LARGE_STREAM=/tmp/k6-1g.ndjson /usr/bin/time -v \
///   target/release/deps/integration-* k6::large_stream_import --ignored --exact --nocapture
/// ```
#[test]
#[ignore = "writes a large file; run by hand for throughput and peak-memory figures"]
fn large_stream_generate() {
    let path = std::env::var("K6_LARGE_STREAM").expect("set K6_LARGE_STREAM to the output path");
    let mb: u64 = std::env::var("K6_LARGE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let file = std::fs::File::create(&path).unwrap();
    let bytes = write_stream(file, mb << 20, &StreamShape::default()).unwrap();
    eprintln!("wrote {bytes} bytes to {path}");
}

/// See [`large_stream_generate`].
#[test]
#[ignore = "reads the large file written by large_stream_generate"]
fn large_stream_import() {
    let path = PathBuf::from(
        std::env::var("K6_LARGE_STREAM").expect("set K6_LARGE_STREAM to the stream path"),
    );
    let bytes = std::fs::metadata(&path).unwrap().len();
    let start = std::time::Instant::now();
    let r = import(&[path], "big").unwrap();
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "{} metrics from {:.0} MB in {seconds:.2} s: {:.0} MB/s; p95 {:.3} ms with {} window samples",
        r.metrics.len(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / seconds,
        value(&r, "k6/big/http_req_duration/p(95)"),
        r.metric("k6/big/http_req_duration/p(95)").unwrap().samples.len()
    );
}

/// The CLI end to end on recorded real k6 outputs (the e2e script against the fast and the
/// slowed server): `import k6`, then `compare` with absolute budgets just above and just below
/// the slowed `{name:slow}` p(95).
#[test]
fn cli_compare_with_absolute_k6_budgets_just_above_and_just_below() {
    use cargo_perf_budget::report::{Report, Status};
    let dir = tempfile::tempdir().unwrap();
    for (side, run) in [("base", "fast"), ("head", "slow")] {
        crate::support::cli()
            .args(["import", "k6"])
            .arg(fixture(&format!("e2e-recorded/{run}/summary-export.json")))
            .args(["--name", "api", "--output"])
            .arg(dir.path().join(format!("{side}.json")))
            .assert()
            .success();
    }
    let head = ResultsFile::load(&dir.path().join("head.json")).unwrap();
    let p95 = value(&head, "k6/api/http_req_duration{name:slow}/p(95)");
    assert!(
        p95 >= 30.0,
        "every /slow request of this run slept 30 ms: {p95}"
    );
    for (limit, expected_code) in [(p95 * 1.001, 0), (p95 * 0.999, 1)] {
        let budget = format!(
            r#"
[[budget]]
metric = "k6/api/http_req_duration*name:slow*/p(95)"
max = "{limit:.6} ms"

[[budget]]
metric = "k6/api/http_req_failed/rate"
max = "50%"
"#
        );
        let budget_path = dir.path().join("budgets.toml");
        std::fs::write(&budget_path, budget).unwrap();
        let report_path = dir.path().join("report.json");
        crate::support::cli()
            .arg("compare")
            .arg(dir.path().join("base.json"))
            .arg(dir.path().join("head.json"))
            .arg("--budget")
            .arg(&budget_path)
            .args(["--format", "json", "--output"])
            .arg(&report_path)
            .assert()
            .code(expected_code);
        let report = Report::from_json(
            &std::fs::read_to_string(&report_path).unwrap(),
            "report.json",
        )
        .unwrap();
        let status = |id: &str| {
            report
                .results
                .iter()
                .find(|r| r.id == id)
                .unwrap_or_else(|| panic!("no result for {id}: {report:?}"))
                .status
        };
        let expected = if expected_code == 0 {
            Status::Pass
        } else {
            Status::Fail
        };
        assert_eq!(
            status("k6/api/http_req_duration{name:slow}/p(95)"),
            expected,
            "limit {limit} vs p95 {p95}"
        );
        assert_eq!(status("k6/api/http_req_failed/rate"), Status::Pass);
    }
}

#[test]
fn a_metric_named_like_a_sub_metric_does_not_duplicate_ids() {
    let text = concat!(
        r#"{"type":"Metric","data":{"name":"m","type":"trend","contains":"time","thresholds":[],"submetrics":[{"name":"m{t:v}"}]},"metric":"m"}"#,
        "\n",
        r#"{"metric":"m","type":"Point","data":{"time":"2026-01-01T00:00:00Z","value":1,"tags":{"t":"v"}}}"#,
        "\n",
        r#"{"type":"Metric","data":{"name":"m{t:v}","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"m{t:v}"}"#,
        "\n",
        r#"{"metric":"m{t:v}","type":"Point","data":{"time":"2026-01-01T00:00:00Z","value":2,"tags":{}}}"#,
        "\n",
    );
    let r = import_bytes(Path::new("p.ndjson"), text.as_bytes(), "api").unwrap();
    assert!(ResultsFile::from_json(&r.to_json(), "p").is_ok());
    assert!(
        r.warnings.iter().any(|w| w.contains("appears twice")),
        "{:?}",
        r.warnings
    );
}

/// A relative rule on the error rate through the CLI: the recorded real run as base (7 of 450
/// requests failed) against the same run with 60 of 450 failed: the two-proportion test on the
/// counts fails it; the recorded run against itself passes as "identical".
#[test]
fn cli_an_error_rate_regression_is_failed_by_the_two_proportion_test() {
    use cargo_perf_budget::report::{Report, Status};
    let dir = tempfile::tempdir().unwrap();
    let real = fixture("e2e-recorded/slow/summary-export.json");
    let mut worse: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    // --summary-export's `passes` of http_req_failed are the failed requests.
    worse["metrics"]["http_req_failed"]["passes"] = 60.into();
    worse["metrics"]["http_req_failed"]["fails"] = 390.into();
    worse["metrics"]["http_req_failed"]["value"] = (60.0 / 450.0).into();
    let worse_path = dir.path().join("worse-summary.json");
    std::fs::write(&worse_path, worse.to_string()).unwrap();
    for (side, file) in [("base", &real), ("head", &worse_path), ("same", &real)] {
        crate::support::cli()
            .args(["import", "k6"])
            .arg(file)
            .args(["--name", "api", "--output"])
            .arg(dir.path().join(format!("{side}.json")))
            .assert()
            .success();
    }
    let budget_path = dir.path().join("budgets.toml");
    std::fs::write(
        &budget_path,
        "[[budget]]\nmetric = \"k6/api/http_req_failed/rate\"\nmax-regression = \"10%\"\n",
    )
    .unwrap();
    let run = |head: &str, code: i32| {
        let report_path = dir.path().join(format!("report-{head}.json"));
        crate::support::cli()
            .arg("compare")
            .arg(dir.path().join("base.json"))
            .arg(dir.path().join(format!("{head}.json")))
            .arg("--budget")
            .arg(&budget_path)
            .args(["--format", "json", "--output"])
            .arg(&report_path)
            .assert()
            .code(code);
        let report = Report::from_json(
            &std::fs::read_to_string(&report_path).unwrap(),
            "report.json",
        )
        .unwrap();
        report.results.into_iter().next().unwrap()
    };
    let r = run("head", 1);
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert_eq!(r.method, "two-proportions");
    // 7/450 → 60/450 is 60/7 − 1 = +757 %.
    assert!(
        (r.change.unwrap() - (60.0 / 7.0 - 1.0)).abs() < 1e-9,
        "{r:?}"
    );
    assert!(
        r.details
            .noise
            .as_deref()
            .unwrap()
            .contains("60 of 450 failed in head vs 7 of 450 in base"),
        "{r:?}"
    );
    let same = run("same", 0);
    assert_eq!(same.status, Status::Pass, "{same:?}");
    assert_eq!(same.method, "identical");
}

/// Per-check pass rates, `checks{check:<name>}`, from every summary shape: summed over the groups
/// that hold a check of that name (k6's own sub-metric counts them so), with the counts behind
/// them for the two-proportion test; a malformed group is an error naming the field.
#[test]
fn per_check_pass_rates_come_from_every_summary_shape() {
    let rate = |r: &ResultsFile, id: &str| {
        let m = r.metric(id).unwrap_or_else(|| {
            panic!(
                "no {id} in {:?}",
                r.metrics.iter().map(|m| &m.id).collect::<Vec<_>>()
            )
        });
        (
            m.value,
            m.proportion.map(|p| (p.failures, p.total)),
            m.direction,
        )
    };
    let base = import(&[fixture("recorded/base/summary-export.json")], "api").unwrap();
    let handle = import(&[fixture("recorded/base/handle-summary.json")], "api").unwrap();
    for r in [&base, &handle] {
        assert_eq!(
            rate(r, "k6/api/checks{check:ok}/rate"),
            (1.0, Some((0, 225)), Direction::Higher)
        );
    }
    let machine = import(&[fixture("machine-readable.json")], "api").unwrap();
    assert_eq!(
        rate(&machine, "k6/api/checks{check:status is 200}/rate"),
        (0.98, Some((30, 1500)), Direction::Higher)
    );

    // Nested groups, the same check name in two of them, as --summary-export writes them.
    let nested = serde_json::json!({
        "metrics": {"checks": {"passes": 17, "fails": 3, "value": 0.85}},
        "root_group": {"name": "", "path": "", "id": "x", "checks": {
            "status 200": {"name": "status 200", "path": "::status 200", "id": "a", "passes": 9, "fails": 1}
        }, "groups": {"login": {"name": "login", "path": "::login", "id": "b", "checks": {
            "status 200": {"name": "status 200", "path": "::login::status 200", "id": "c", "passes": 5, "fails": 0},
            "has token": {"name": "has token", "path": "::login::has token", "id": "d", "passes": 3, "fails": 2}
        }, "groups": {}}}}
    });
    let r = import_bytes(
        Path::new("nested.json"),
        nested.to_string().as_bytes(),
        "api",
    )
    .unwrap();
    assert_eq!(
        rate(&r, "k6/api/checks{check:status 200}/rate").1,
        Some((1, 15))
    );
    assert_eq!(
        rate(&r, "k6/api/checks{check:has token}/rate").1,
        Some((2, 5))
    );

    let mut broken = nested.clone();
    broken["root_group"]["groups"]["login"]["checks"]["has token"]["passes"] = "many".into();
    let err = import_bytes(
        Path::new("broken.json"),
        broken.to_string().as_bytes(),
        "api",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("broken.json")
            && err.contains("root_group.groups.login.checks.has token.passes"),
        "{err}"
    );
}

/// The stream records how bursty a rate's events are: 600 requests over 60 s with 12 failures,
/// spread evenly (independent-looking) or all in one 10 s window (an outage).
#[test]
fn the_stream_measures_how_bursty_failures_are() {
    let stream = |failed_at: &dyn Fn(usize) -> bool| {
        let mut text = String::from(
            r#"{"type":"Metric","data":{"name":"http_req_failed","type":"rate","contains":"default","thresholds":[],"submetrics":null},"metric":"http_req_failed"}"#,
        );
        text.push('\n');
        for i in 0..600usize {
            let (secs, tenth) = (i / 10, i % 10);
            text.push_str(&format!(
                r#"{{"metric":"http_req_failed","type":"Point","data":{{"time":"2026-01-01T00:00:{secs:02}.{tenth}00000Z","value":{},"tags":{{}}}}}}"#,
                u8::from(failed_at(i))
            ));
            text.push('\n');
        }
        let r = import_bytes(Path::new("points.ndjson"), text.as_bytes(), "api").unwrap();
        r.metric("k6/api/http_req_failed/rate").unwrap().clone()
    };
    let even = stream(&|i| i % 50 == 7);
    let burst = stream(&|i| (300..312).contains(&i));
    for m in [&even, &burst] {
        let p = m.proportion.unwrap();
        assert_eq!((p.failures, p.total), (12, 600));
    }
    let (e, b) = (even.overdispersion.unwrap(), burst.overdispersion.unwrap());
    assert_eq!(e.df, 5.0, "six windows of 10 s");
    assert!(e.factor < 1.0, "evenly spread failures: {e:?}");
    assert!(b.factor > 8.0, "one window with all failures: {b:?}");
}

/// The same check on a recorded run (no k6 needed): what k6 printed for the slowed build is
/// what its `--summary-export` imports to.
#[test]
fn recorded_console_summary_matches_the_imported_export() {
    let console = std::fs::read_to_string(fixture("e2e-recorded/slow/console.txt")).unwrap();
    let r = import(&[fixture("e2e-recorded/slow/summary-export.json")], "api").unwrap();
    for (label, id) in [
        ("http_req_duration.", "k6/api/http_req_duration"),
        (
            "{ expected_response:true }",
            "k6/api/http_req_duration{expected_response:true}",
        ),
        ("{ name:slow }", "k6/api/http_req_duration{name:slow}"),
        ("iteration_duration", "k6/api/iteration_duration"),
    ] {
        for stat in ["avg", "min", "med", "max", "p(90)", "p(95)"] {
            let (printed, resolution) = printed_stat(&console, label, stat);
            let imported = value(&r, &format!("{id}/{stat}"));
            assert!(
                (printed - imported).abs() <= resolution * 1.01,
                "{id}/{stat}: k6 printed {printed}, imported {imported}"
            );
        }
    }
    let (failures, total) = assert_error_rate(&r);
    assert!(console.contains(&format!("{failures} out of {total}")));
    let crossed: Vec<&str> = r
        .thresholds
        .iter()
        .filter(|t| !t.ok)
        .map(|t| t.expression.as_str())
        .collect();
    assert_eq!(crossed, vec!["p(95)<20"]);
    assert!(console.contains("✗ 'p(95)<20'"));
}
