//! What k6 printed on the console and the test server's error rate, for the recorded run (in
//! the `k6` module) and for the real k6 runs (the `tools` test target), which both include it.

use cargo_perf_budget::model::ResultsFile;

use super::{close, value};

/// A duration k6 printed (`83.56ms`, `912.3µs`, `1.2s`) in ms, and the resolution of the print
/// (k6 cuts, not rounds, to two decimals of the shown unit).
pub fn printed_ms(token: &str) -> (f64, f64) {
    let (number, scale) = if let Some(n) = token.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = token.strip_suffix("µs") {
        (n, 1e-3)
    } else if let Some(n) = token.strip_suffix("ns") {
        (n, 1e-6)
    } else if let Some(n) = token.strip_suffix('s') {
        (n, 1e3)
    } else {
        panic!("not a k6 duration: {token:?}")
    };
    (number.parse::<f64>().unwrap() * scale, 0.01 * scale)
}

/// `stat=` on the console summary line whose label starts with `label`.
pub fn printed_stat(stdout: &str, label: &str, stat: &str) -> (f64, f64) {
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with(label) && l.contains(&format!("{stat}=")))
        .unwrap_or_else(|| panic!("k6 printed no `{label}` line with {stat}=:\n{stdout}"));
    let after = &line[line.find(&format!("{stat}=")).unwrap() + stat.len() + 1..];
    printed_ms(after.split_whitespace().next().unwrap())
}

/// 5 % of `/flaky` requests fail, every 20th exactly: failures = ⌊flaky / 20⌋.
pub fn assert_error_rate(r: &ResultsFile) -> (u64, u64) {
    let failed = r.metric("k6/api/http_req_failed/rate").unwrap();
    let p = failed.proportion.unwrap();
    let requests = value(r, "k6/api/http_reqs/count") as u64;
    assert_eq!(p.total, requests);
    assert_eq!(p.failures, requests / 3 / 20, "{p:?}");
    assert!(close(
        failed.value,
        p.failures as f64 / p.total as f64,
        1e-12
    ));
    (p.failures, p.total)
}
