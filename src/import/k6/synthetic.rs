//! Synthetic k6 `--out json` streams shaped like k6 1.x output (same line layout, metrics, tags
//! and value ranges), for the importer's benchmark and for one-off large-file measurements.

use std::io::{self, Write};

/// Per-request metrics k6 writes for every HTTP request, with their typical magnitude (ms).
const REQUEST_TRENDS: &[(&str, f64, f64)] = &[
    ("http_req_duration", 3.0, 0.6),
    ("http_req_blocked", -2.0, 0.5),
    ("http_req_connecting", -2.5, 0.5),
    ("http_req_tls_handshaking", f64::NEG_INFINITY, 0.0),
    ("http_req_sending", -3.5, 0.4),
    ("http_req_waiting", 2.9, 0.6),
    ("http_req_receiving", -2.0, 0.5),
];

/// A small, seeded xorshift generator: deterministic streams without a `rand` dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
    fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        if mu == f64::NEG_INFINITY {
            return 0.0;
        }
        // k6 prints microsecond-resolution milliseconds.
        ((mu + sigma * self.normal()).exp() * 1e6).round() / 1e6
    }
}

struct Writer<W: Write> {
    out: W,
    written: u64,
    declared: Vec<&'static str>,
}

impl<W: Write> Writer<W> {
    fn line(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.written += text.len() as u64 + 1;
        Ok(())
    }

    fn declare(&mut self, metric: &'static str, kind: &str, contains: &str) -> io::Result<()> {
        if self.declared.contains(&metric) {
            return Ok(());
        }
        self.declared.push(metric);
        let (thresholds, subs) = match metric {
            "http_req_duration" => (
                r#"["p(95)<300","p(99)<1000"]"#,
                r#"[{"name":"http_req_duration{expected_response:true}","suffix":"expected_response:true","tags":{"expected_response":"true"}}]"#,
            ),
            "http_req_failed" => (r#"["rate<0.01"]"#, "null"),
            _ => ("[]", "null"),
        };
        self.line(&format!(
            r#"{{"type":"Metric","data":{{"name":"{metric}","type":"{kind}","contains":"{contains}","thresholds":{thresholds},"submetrics":{subs}}},"metric":"{metric}"}}"#
        ))
    }

    fn point(&mut self, metric: &str, time: &str, value: f64, tags: &str) -> io::Result<()> {
        self.line(&format!(
            r#"{{"metric":"{metric}","type":"Point","data":{{"time":"{time}","value":{value},"tags":{tags}}}}}"#
        ))
    }
}

/// The traffic a synthetic stream describes.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamShape {
    /// The same seed gives the same stream.
    pub seed: u64,
    /// Iterations a second over all VUs; each writes about 9.5 KB of lines. k6 itself, at
    /// 20 VUs against a fast local server, writes a few MB of stream a second.
    pub iterations_per_second: f64,
}

impl Default for StreamShape {
    fn default() -> StreamShape {
        StreamShape {
            seed: 1,
            iterations_per_second: 200.0,
        }
    }
}

/// Writes a synthetic stream of at least `target_bytes` (whole iterations, so slightly more)
/// and returns the bytes written. Traffic: 20 VUs, each iteration a `fast`, a `slow` and a
/// `flaky` request (2 % answer 500), with a `vus` gauge point every second; the Metric lines
/// carry thresholds (`p(95)<300`, `p(99)<1000`, `rate<0.01`) and the automatic
/// `expected_response:true` sub-metric, as k6 writes them.
pub fn write_stream<W: Write>(out: W, target_bytes: u64, shape: &StreamShape) -> io::Result<u64> {
    let step_ns = (1e9 / shape.iterations_per_second.max(1e-3)) as i64;
    let mut w = Writer {
        out: io::BufWriter::with_capacity(1 << 20, out),
        written: 0,
        declared: Vec::new(),
    };
    let mut rng = Rng(shape.seed.max(1) ^ 0x9E37_79B9_7F4A_7C15);
    let start = jiff::Timestamp::from_second(1_767_225_600).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut now_ns: i64 = 0;
    let mut next_vus_ns: i64 = 0;
    let mut iteration: u64 = 0;
    while w.written < target_bytes {
        let vu = iteration % 20 + 1;
        iteration += 1;
        // Jitter of ±10 % around the mean spacing.
        now_ns += step_ns * 9 / 10 + (rng.uniform() * step_ns as f64 * 0.2) as i64;
        let time = start
            .checked_add(jiff::SignedDuration::from_nanos(now_ns))
            .unwrap_or(start)
            .to_string();
        if now_ns >= next_vus_ns {
            w.declare("vus", "gauge", "default")?;
            w.point("vus", &time, 20.0, "{}")?;
            next_vus_ns += 1_000_000_000;
        }
        for (endpoint, slow) in [("fast", 0.0), ("slow", 1.2), ("flaky", 0.3)] {
            let failed = endpoint == "flaky" && rng.uniform() < 0.02;
            let status = if failed { "500" } else { "200" };
            let tags = format!(
                r#"{{"expected_response":"{}","group":"","method":"GET","name":"{endpoint}","proto":"HTTP/1.1","scenario":"default","status":"{status}","url":"http://127.0.0.1:8080/{endpoint}?vu={vu}"}}"#,
                !failed
            );
            w.declare("http_reqs", "counter", "default")?;
            w.point("http_reqs", &time, 1.0, &tags)?;
            for &(metric, mu, sigma) in REQUEST_TRENDS {
                w.declare(metric, "trend", "time")?;
                let bump = if metric == "http_req_duration" || metric == "http_req_waiting" {
                    slow
                } else {
                    0.0
                };
                let value = rng.lognormal(mu + bump, sigma);
                w.point(metric, &time, value, &tags)?;
            }
            w.declare("http_req_failed", "rate", "default")?;
            w.point("http_req_failed", &time, f64::from(u8::from(failed)), &tags)?;
        }
        let plain = r#"{"group":"","scenario":"default"}"#;
        w.declare("data_sent", "counter", "data")?;
        w.point("data_sent", &time, 240.0, plain)?;
        w.declare("data_received", "counter", "data")?;
        w.point("data_received", &time, 6300.0, plain)?;
        w.declare("iteration_duration", "trend", "time")?;
        w.point("iteration_duration", &time, rng.lognormal(4.0, 0.4), plain)?;
        w.declare("iterations", "counter", "default")?;
        w.point("iterations", &time, 1.0, plain)?;
    }
    w.out.flush()?;
    Ok(w.written)
}
