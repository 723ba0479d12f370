//! The real Lighthouse CLI and Chromium against pages served on 127.0.0.1: the runner on a fast
//! and a slow page, and `check` measuring base and head interleaved in a real git repository.
//!
//! Without Lighthouse (`npm ci` in `tests/lighthouse-tools`), a Chromium or python3 the tests are
//! reported as ignored, with the reason; with `PERF_BUDGET_REQUIRE_LIGHTHOUSE=1` (CI sets it) a
//! missing tool fails them instead.

use std::path::{Path, PathBuf};

use cargo_perf_budget::model::{Metric, ResultsFile};
use cargo_perf_budget::runner::lighthouse::{find_chrome, find_lighthouse};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lighthouse")
}

fn metric<'a>(file: &'a ResultsFile, id: &str) -> &'a Metric {
    match file.metric(id) {
        Some(m) => m,
        None => panic!(
            "no metric {id:?} in {:?}",
            file.metrics
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>()
        ),
    }
}

/// Why the real-Lighthouse tests cannot run here, if they cannot: no Lighthouse CLI where the
/// runner looks for it (`node_modules/.bin` of the pinned `tests/lighthouse-tools`, then PATH), no
/// Chromium (`CHROME_PATH`, then PATH), or no python3 for the `serve` command.
pub fn missing() -> Option<String> {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lighthouse-tools");
    let lighthouse = find_lighthouse(&tools, std::env::var_os("PATH"));
    let chrome = find_chrome(std::env::var_os("CHROME_PATH"), std::env::var_os("PATH"));
    let mut missing: Vec<String> = [lighthouse.err(), chrome.err()]
        .into_iter()
        .flatten()
        .map(|e| e.to_string())
        .collect();
    if interleaved::python().is_none() {
        missing.push("no python3 for the `serve` command".into());
    }
    if missing.is_empty() {
        return None;
    }
    Some(format!(
        "{}; install the tools with `apt-get install -y chromium python3 && (cd tests/lighthouse-tools && npm ci)`",
        missing.join("; ")
    ))
}

pub mod end_to_end {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    use cargo_perf_budget::budget::LighthouseConfig;
    use cargo_perf_budget::model::{Quantity, ResultsFile, Unit};
    use cargo_perf_budget::runner::lighthouse::collect;

    use super::{fixtures, metric};

    fn site(which: &str) -> PathBuf {
        fixtures().join("site").join(which)
    }

    /// The heavy parts of the slow page, generated like the recorded fixtures' `genslow.py`:
    /// stylesheets full of unused rules, filler scripts (one with a 150 ms busy loop) and an
    /// incompressible 800×600 image.
    fn generated(path: &str) -> Option<(&'static str, Vec<u8>)> {
        if let Some(i) = path
            .strip_prefix("/style")
            .and_then(|p| p.strip_suffix(".css"))
        {
            let mut css = String::new();
            if i == "1" {
                css.push_str("body { font-family: serif; margin: 0; padding: 8px; }\n.hero { max-width: 100%; }\n.banner { background: #c00; color: #fff; height: 600px; font-size: 2rem; }\n");
            }
            for j in 0..1500u64 {
                css.push_str(&format!(
                    ".unused-{i}-{j} {{\n    color: #{:06x};\n    margin: {}px {}px;\n    padding: {}px;\n}}\n",
                    (j * 2_654_435_761) % 0xff_ffff,
                    j % 17,
                    j % 13,
                    j % 7
                ));
            }
            return Some(("text/css", css.into_bytes()));
        }
        if let Some(i) = path
            .strip_prefix("/vendor")
            .and_then(|p| p.strip_suffix(".js"))
        {
            let mut js = format!(
                "// vendor bundle {i} (deliberately unminified filler)\nvar vendor{i} = {{}};\n"
            );
            for j in 0..2000 {
                js.push_str(&format!(
                    "vendor{i}.fn{j} = function (a, b) {{\n    var result = a * {j} + b;\n    return result;\n}};\n"
                ));
            }
            if i == "2" {
                js.push_str("(function blockParse() {\n    var end = performance.now() + 150;\n    while (performance.now() < end) { Math.sqrt(Math.random()); }\n})();\n");
            }
            return Some(("application/javascript", js.into_bytes()));
        }
        if path == "/hero.bmp" {
            let (w, h) = (800u32, 600u32);
            let pixels = (w * h * 3) as usize;
            let mut bmp = Vec::with_capacity(54 + pixels);
            bmp.extend_from_slice(b"BM");
            bmp.extend_from_slice(&(54 + pixels as u32).to_le_bytes());
            bmp.extend_from_slice(&[0, 0, 0, 0]);
            bmp.extend_from_slice(&54u32.to_le_bytes());
            bmp.extend_from_slice(&40u32.to_le_bytes());
            bmp.extend_from_slice(&w.to_le_bytes());
            bmp.extend_from_slice(&h.to_le_bytes());
            bmp.extend_from_slice(&1u16.to_le_bytes());
            bmp.extend_from_slice(&24u16.to_le_bytes());
            bmp.extend_from_slice(&[0; 4]);
            bmp.extend_from_slice(&(pixels as u32).to_le_bytes());
            bmp.extend_from_slice(&[0; 16]);
            let mut state = 0x2545_f491_4f6c_dd1du64;
            for _ in 0..pixels {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bmp.push((state >> 24) as u8);
            }
            return Some(("image/bmp", bmp));
        }
        None
    }

    /// A small HTTP server for the slow page on 127.0.0.1, answering the heavy resources late
    /// (render-blocking files 200 ms, the hero image 800 ms). Runs until the test process ends.
    fn serve_slow_site() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || answer(stream));
            }
        });
        port
    }

    /// A path with its content type and body, generated once.
    type Served = (String, &'static str, &'static [u8]);

    fn answer(mut stream: TcpStream) {
        static CACHE: OnceLock<std::sync::Mutex<Vec<Served>>> = OnceLock::new();
        let mut reader = BufReader::new(match stream.try_clone() {
            Ok(s) => s,
            Err(_) => return,
        });
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) if line == "\r\n" || line == "\n" => break,
                Ok(_) => {}
            }
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/");
        let path = path.split('?').next().unwrap_or("/");
        let path = if path == "/" { "/index.html" } else { path };
        let cache = CACHE.get_or_init(Default::default);
        let found: Option<(&'static str, &'static [u8])> = {
            let cached = cache
                .lock()
                .unwrap()
                .iter()
                .find(|(p, _, _)| p == path)
                .map(|(_, t, b)| (*t, *b));
            cached.or_else(|| {
                let made = generated(path).or_else(|| {
                    let file = site("slow").join(path.trim_start_matches('/'));
                    let kind = match file.extension().and_then(|e| e.to_str()) {
                        Some("html") => "text/html; charset=utf-8",
                        Some("js") => "application/javascript",
                        _ => "text/plain",
                    };
                    (!path.contains(".."))
                        .then(|| std::fs::read(&file).ok())
                        .flatten()
                        .map(|b| (kind, b))
                })?;
                let body: &'static [u8] = Box::leak(made.1.into_boxed_slice());
                cache.lock().unwrap().push((path.to_string(), made.0, body));
                Some((made.0, body))
            })
        };
        let delay = match path {
            "/hero.bmp" => 800,
            p if p.ends_with(".css") || p.starts_with("/vendor") => 200,
            _ => 0,
        };
        std::thread::sleep(Duration::from_millis(delay));
        let _ = match found {
            Some((kind, body)) => stream
                .write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n", body.len()).as_bytes())
                .and_then(|()| stream.write_all(body)),
            None => stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        };
    }

    pub(super) fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// A budget folder whose `node_modules` is the one `npm ci` fills in `tests/lighthouse-tools`,
    /// so the runner finds the pinned CLI the way it would in a web project.
    fn budget_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let tools =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lighthouse-tools/node_modules");
        #[cfg(unix)]
        if tools.is_dir() {
            std::os::unix::fs::symlink(&tools, dir.path().join("node_modules")).unwrap();
        }
        dir
    }

    fn limit(text: &str, unit: Unit) -> f64 {
        Quantity::parse(text)
            .unwrap()
            .in_unit(unit, "limit")
            .unwrap()
    }

    pub fn real_lighthouse_sees_the_slow_page_break_the_budgets_and_the_fast_page_meet_them() {
        let dir = budget_dir();
        let runs = std::env::var("PERF_BUDGET_LIGHTHOUSE_RUNS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(2);

        // The fast page through `serve` (python3's static server, stopped afterwards); the
        // slow page from the in-process server with delays.
        let fast_port = free_port();
        let python = ["python3", "python"].into_iter().find(|p| {
            std::process::Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        let (fast_url, serve) = match python {
            Some(python) => (
                format!("http://127.0.0.1:{fast_port}/"),
                Some(format!(
                    "exec {python} -m http.server {fast_port} --bind 127.0.0.1 --directory '{}'",
                    site("fast").display()
                )),
            ),
            None => {
                eprintln!(
                    "no python3: serving the fast page in-process instead of through `serve`"
                );
                (
                    format!("http://127.0.0.1:{}/", serve_static(site("fast"))),
                    None,
                )
            }
        };
        let fast_cfg = LighthouseConfig {
            name: "home".into(),
            url: Some(fast_url.clone()),
            runs: Some(runs),
            serve: serve.clone(),
            ..LighthouseConfig::default()
        };
        let started = Instant::now();
        let fast = collect(&fast_cfg, dir.path(), false).unwrap();
        if serve.is_some() {
            // `serve` is stopped once collect returns.
            let deadline = Instant::now() + Duration::from_secs(5);
            while TcpStream::connect(("127.0.0.1", fast_port)).is_ok() {
                assert!(
                    Instant::now() < deadline,
                    "the `serve` command still answers on {fast_port}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }

        let slow_cfg = LighthouseConfig {
            name: "home".into(),
            url: Some(format!("http://127.0.0.1:{}/", serve_slow_site())),
            runs: Some(runs),
            ..LighthouseConfig::default()
        };
        let slow = collect(&slow_cfg, dir.path(), false).unwrap();

        let figures = |f: &ResultsFile| {
            let get = |a: &str| metric(f, &format!("lighthouse/home/{a}")).value;
            (
                get("largest-contentful-paint"),
                get("cumulative-layout-shift"),
                get("score/performance"),
            )
        };
        let (fast_lcp, fast_cls, fast_score) = figures(&fast);
        let (slow_lcp, slow_cls, slow_score) = figures(&slow);
        eprintln!(
            "real Lighthouse, {runs} runs each, {:.0} s: fast LCP {fast_lcp:.0} ms, CLS {fast_cls:.3}, performance {fast_score}; slow LCP {slow_lcp:.0} ms, CLS {slow_cls:.3}, performance {slow_score}",
            started.elapsed().as_secs_f64()
        );
        for f in [&fast, &slow] {
            for m in &f.metrics {
                assert!(m.failure.is_none(), "{}: {:?}", m.id, m.failure);
            }
            let lcp = metric(f, "lighthouse/home/largest-contentful-paint");
            assert_eq!(lcp.samples.len(), runs as usize);
        }

        // The slow page is worse on every one …
        assert!(slow_lcp > fast_lcp && slow_cls > fast_cls && slow_score < fast_score);
        // … and breaks the budgets the fast page meets.
        let max_lcp = limit("2500 ms", Unit::Milliseconds);
        let max_cls = limit("0.1", Unit::Unitless);
        let min_score = limit("0.9", Unit::Score);
        assert!(fast_lcp <= max_lcp && fast_cls <= max_cls && fast_score >= min_score);
        assert!(slow_lcp > max_lcp, "slow LCP {slow_lcp}");
        assert!(slow_cls > max_cls, "slow CLS {slow_cls}");
        assert!(slow_score < min_score, "slow score {slow_score}");
    }

    /// Static files from `dir` on 127.0.0.1, for machines without python3.
    fn serve_static(dir: PathBuf) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let path = if path == "/" {
                    "/index.html".to_string()
                } else {
                    path
                };
                let body = std::fs::read(dir.join(path.trim_start_matches('/'))).ok();
                let _ = match body {
                    Some(b) => stream
                        .write_all(
                            format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", b.len())
                                .as_bytes(),
                        )
                        .and_then(|()| stream.write_all(&b)),
                    None => {
                        stream.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    }
                };
            }
        });
        port
    }
}

/// `check` in rerun mode measures Lighthouse on base and head in the same job, interleaved,
/// each side's site started by `serve` from its own checkout: a real git repository whose HEAD
/// makes the page slow (a 2.5 s blocking script, a late banner that shifts the layout), the real
/// binary, the real Lighthouse and Chromium (2 runs a side, 4 in all).
pub mod interleaved {
    use std::path::Path;
    use std::time::Instant;

    use serde_json::Value;

    use super::end_to_end::free_port;
    use crate::support::{cli, git};

    const FAST_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="The home page of the interleaving test.">
<title>Home</title>
</head>
<body>
<h1>Home</h1>
<p>A small static page: no script, no image, nothing late.</p>
</body>
</html>
"#;

    /// The same page, made slow: the parser waits for a script that busy-loops 2.5 s, and a
    /// banner inserted after 1.5 s pushes the content down.
    const SLOW_PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="The home page of the interleaving test.">
<title>Home</title>
<script>
(function blockParse() {
    var end = performance.now() + 2500;
    while (performance.now() < end) { Math.sqrt(Math.random()); }
})();
</script>
</head>
<body>
<h1>Home</h1>
<p>A small static page: no script, no image, nothing late.</p>
<script>
setTimeout(function () {
    var banner = document.createElement("div");
    banner.style.height = "400px";
    banner.style.background = "#c00";
    banner.textContent = "A late banner";
    document.body.insertBefore(banner, document.body.firstChild);
}, 1500);
</script>
</body>
</html>
"##;

    pub(super) fn python() -> Option<&'static str> {
        ["python3", "python"].into_iter().find(|p| {
            std::process::Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    }

    fn result<'a>(report: &'a Value, id: &str) -> &'a Value {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no result {id}: {report:#}"))
    }

    pub fn check_measures_base_and_head_interleaved_and_fails_the_slow_head() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        // The budget file (and the site) in a subfolder: the base's `serve` must run in the same
        // folder of the base checkout.
        let web = root.join("web");
        std::fs::create_dir_all(&web).unwrap();
        let tools =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lighthouse-tools/node_modules");
        #[cfg(unix)]
        if tools.is_dir() {
            std::os::unix::fs::symlink(&tools, web.join("node_modules")).unwrap();
        }
        let python = python().expect("python3 (checked before the test runs)");

        let port = free_port();
        let budgets = format!(
            r#"[settings]
baseline = "rerun"
main-branch = "main"

[[lighthouse]]
name = "home"
url = "http://127.0.0.1:{port}/"
runs = 2
serve = "exec {python} -m http.server {port} --bind 127.0.0.1"

[[budget]]
metric = "lighthouse/home/largest-contentful-paint"
max = "4000 ms"
max-regression = "25%"

[[budget]]
metric = "lighthouse/home/score/performance"
min = 0.8
max-regression = "10%"

[[budget]]
metric = "lighthouse/home/cumulative-layout-shift"
max = "0.1"
"#
        );
        git(&root, &["init", "-q"]);
        std::fs::write(root.join(".gitignore"), "node_modules\n").unwrap();
        std::fs::write(web.join("budgets.toml"), budgets).unwrap();
        std::fs::write(web.join("index.html"), FAST_PAGE).unwrap();
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "fast home page"]);
        std::fs::write(web.join("index.html"), SLOW_PAGE).unwrap();
        git(
            &root,
            &["commit", "-q", "-am", "blocking script and a late banner"],
        );
        let base_sha = git(&root, &["rev-parse", "HEAD~1"]).trim().to_string();

        let report_path = dir.path().join("R.json");
        let started = Instant::now();
        let output = cli()
            .args([
                "check",
                "--base-rev",
                "HEAD~1",
                "--no-comment",
                "--format",
                "json",
            ])
            .arg("--output")
            .arg(&report_path)
            .current_dir(&web)
            .env_remove("GITHUB_TOKEN")
            .env_remove("GITHUB_REPOSITORY")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("GITHUB_OUTPUT")
            .output()
            .expect("cargo-perf-budget runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        eprintln!("{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(output.status.code(), Some(1), "{stderr}");

        // Progress: one line a run, in the order B H H B, and a line at each switch.
        let short = &base_sha[..7];
        let runs: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains(": run ") && l.contains(" — "))
            .collect();
        let sides: Vec<bool> = runs
            .iter()
            .map(|l| l.contains(&format!("base ({short})")))
            .collect();
        assert_eq!(sides, [true, false, false, true], "{runs:#?}");
        assert!(runs[0].contains("run 1/4") && runs[0].contains(&format!("127.0.0.1:{port}")));
        assert_eq!(stderr.matches("switching server").count(), 2, "{stderr}");

        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
        assert_eq!(report["base"]["commit"], base_sha.as_str());
        assert_eq!(report["method"]["baseline"], "rerun");
        let notes = report["notes"].to_string();
        assert!(notes.contains("interleaved"), "{notes}");

        let lcp = result(&report, "lighthouse/home/largest-contentful-paint");
        let score = result(&report, "lighthouse/home/score/performance");
        let cls = result(&report, "lighthouse/home/cumulative-layout-shift");
        for r in [lcp, score, cls] {
            assert_eq!(r["base"]["n"], 2, "{r:#}");
            assert_eq!(r["head"]["n"], 2, "{r:#}");
        }
        // The absolute rules: the head breaks them (the base met them, or it would not be a
        // regression this test is about).
        let rule = |r: &Value, prefix: &str| -> Option<bool> {
            r["rules"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["rule"].as_str().unwrap_or("").starts_with(prefix))
                .unwrap_or_else(|| panic!("no rule {prefix}…: {r:#}"))["ok"]
                .as_bool()
        };
        eprintln!(
            "interleaved Lighthouse, 2 runs a side, {:.0} s: LCP base {} head {} ({}); performance base {} head {} ({}); CLS base {} head {} ({}); max-regression rules: LCP {:?}, performance {:?}",
            started.elapsed().as_secs_f64(),
            lcp["base"]["value"], lcp["head"]["value"], lcp["status"],
            score["base"]["value"], score["head"]["value"], score["status"],
            cls["base"]["value"], cls["head"]["value"], cls["status"],
            rule(lcp, "max-regression"), rule(score, "max-regression"),
        );
        assert_eq!(rule(lcp, "max"), Some(false), "{lcp:#}");
        assert_eq!(rule(score, "min"), Some(false), "{score:#}");
        assert_eq!(rule(cls, "max"), Some(false), "{cls:#}");
        assert!(lcp["base"]["value"].as_f64().unwrap() <= 4000.0, "{lcp:#}");
        assert!(score["base"]["value"].as_f64().unwrap() >= 0.8, "{score:#}");
        // The relative rules had data on both sides (their verdict is evaluation's).
        for r in [lcp, score] {
            assert_ne!(rule(r, "max-regression"), Some(true), "{r:#}");
            assert!(r["change"].is_number(), "{r:#}");
        }
        // Every failing result is the slow page's.
        let failing: Vec<&str> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "fail")
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert!(!failing.is_empty() && failing.iter().all(|id| id.starts_with("lighthouse/home/")));
        for id in [
            "lighthouse/home/largest-contentful-paint",
            "lighthouse/home/score/performance",
            "lighthouse/home/cumulative-layout-shift",
        ] {
            assert!(failing.contains(&id), "{id} does not fail: {failing:?}");
        }

        // The user's repository is as it was, with no worktree left, and nothing serves any more.
        assert_eq!(git(&root, &["status", "--porcelain"]), "");
        let worktrees = git(&root, &["worktree", "list", "--porcelain"]);
        assert_eq!(worktrees.matches("worktree ").count(), 1, "{worktrees}");
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    }
}
