//! The `history --html` site in a real headless Chromium, loaded from disk: the DOM after the
//! page's script ran (`--dump-dom` with a virtual-time budget) has a chart per metric, every
//! metric id and the step commit marked; a filter in the address narrows the charts; nothing
//! leaves the page (every request would go through a proxy this test listens on, and none
//! arrives); a screenshot is not blank.
//!
//! Chromium comes from `CHROME_PATH` or PATH, as for Lighthouse; CI installs it for Lighthouse,
//! so `PERF_BUDGET_REQUIRE_LIGHTHOUSE=1` makes a missing Chromium a failure here too.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cargo_perf_budget::runner::lighthouse::find_chrome;
use tempfile::TempDir;

use crate::dashboard_store::{seed, METRICS, STEP};

/// The longest one Chromium run may take before the test fails it.
const CHROME_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the browser test cannot run here, if it cannot.
pub fn missing() -> Option<String> {
    find_chrome(std::env::var_os("CHROME_PATH"), std::env::var_os("PATH"))
        .err()
        .map(|e| format!("{e}; install Chromium with `apt-get install -y chromium`"))
}

/// A stand-in HTTP proxy on 127.0.0.1 that records the first line of every request it gets.
struct Proxy {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                let _ = BufReader::new(&stream).read_line(&mut line);
                log.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(line.trim().to_string());
                // No answer: the request fails in the browser, which is what this page expects.
            }
        });
        Proxy { port, seen }
    }

    /// The requests seen so far, without the browser's own background traffic to Google's
    /// service hosts (component updates, network time, sign-in), which no page causes, and
    /// without connections that sent nothing: Chromium opens spare connections to its proxy
    /// ahead of need (seen under load) and closes them unused; no request travels on them.
    fn page_requests(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|line| !line.is_empty())
            .filter(|line| {
                let target = line.split(' ').nth(1).unwrap_or("");
                let host = target
                    .trim_start_matches("http://")
                    .trim_start_matches("https://")
                    .split(['/', ':'])
                    .next()
                    .unwrap_or("");
                !BROWSER_SERVICE_DOMAINS
                    .iter()
                    .any(|d| host == *d || host.ends_with(&format!(".{d}")))
            })
            .cloned()
            .collect()
    }
}

/// Where Chromium itself phones home, whatever page it shows.
const BROWSER_SERVICE_DOMAINS: [&str; 4] =
    ["google.com", "googleapis.com", "gstatic.com", "gvt1.com"];

/// Runs Chromium headless on `url` with `extra` arguments; returns its stdout.
fn chromium(chrome: &Path, profile: &Path, proxy: &Proxy, url: &str, extra: &[&str]) -> String {
    chromium_run(chrome, profile, proxy, url, extra)
}

/// The dumped DOM without the page's own data and script blocks (which hold the markup the
/// script generates as text).
fn rendered(dom: &str) -> &str {
    &dom[..dom.find("<script").unwrap_or(dom.len())]
}

fn chromium_run(chrome: &Path, profile: &Path, proxy: &Proxy, url: &str, extra: &[&str]) -> String {
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--force-color-profile=srgb",
            // Less of the browser's own traffic (update checks, network time, sign-in).
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter,AutofillServerCommunication",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-default-apps",
            "--disable-extensions",
            "--no-pings",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        // Every request, to any host, loopback included, goes to the recording proxy.
        .arg(format!("--proxy-server=http://127.0.0.1:{}", proxy.port))
        .arg("--proxy-bypass-list=<-loopback>")
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if start.elapsed() > CHROME_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium on {url} did not finish within {CHROME_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    assert!(
        status.success(),
        "chromium on {url} failed: {status}\n{err}"
    );
    out
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The figure elements of the dumped DOM (the charts the script built), as their opening tags.
fn figures(dom: &str) -> Vec<&str> {
    dom.match_indices("<figure class=\"chart\"")
        .map(|(i, _)| &dom[i..i + dom[i..].find('>').unwrap_or(0)])
        .collect()
}

pub fn the_site_in_a_real_browser() {
    let chrome = find_chrome(std::env::var_os("CHROME_PATH"), std::env::var_os("PATH"))
        .expect("chromium is there");
    let work = TempDir::new().unwrap();
    let repo = work.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let shas = seed(&repo);
    let site = work.path().join("site");
    let out = crate::support::cli()
        .current_dir(&repo)
        .args(["history", "--quiet", "--html"])
        .arg(&site)
        .args(["--commit-url", "https://example.com/commit/{sha}"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "history --html failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = site.join("index.html");
    let proxy = Proxy::start();
    let profile = work.path().join("profile");
    let budget = "--virtual-time-budget=10000";

    // After the script ran: a chart per metric, every id, the step commit marked once.
    let full = chromium(
        &chrome,
        &profile,
        &proxy,
        &file_url(&index),
        &[budget, "--dump-dom"],
    );
    let dom = rendered(&full);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script ran to its end:\n{dom}"
    );
    let charts = figures(dom);
    assert_eq!(charts.len(), METRICS.len(), "one chart per metric:\n{dom}");
    for id in METRICS {
        assert!(
            dom.contains(&format!("class=\"id\" href=\"#m{}\">{id}</a>", {
                METRICS.iter().position(|m| *m == id).unwrap()
            })),
            "no chart caption for {id}"
        );
    }
    let step = &shas[STEP][..7];
    assert_eq!(
        dom.matches(&format!("data-shift-commit=\"{step}\""))
            .count(),
        1,
        "the step commit {step} is marked once:\n{dom}"
    );
    assert_eq!(
        dom.matches("data-shift-commit=").count(),
        1,
        "and nothing else"
    );
    assert!(
        charts.iter().any(|f| f.contains("data-drawn=\"1\"")),
        "a chart in view was drawn: {charts:?}"
    );
    assert!(
        dom.contains("role=\"img\""),
        "charts have a text alternative"
    );
    assert!(dom.contains("3 of 3 charts"), "the filter's count");

    // A filter in the address narrows the charts and the summary table.
    let filtered = format!("{}#filter=criterion/parse/*", file_url(&index));
    let full = chromium(
        &chrome,
        &profile,
        &proxy,
        &filtered,
        &[budget, "--dump-dom"],
    );
    let dom = rendered(&full);
    let charts = figures(dom);
    assert_eq!(charts.len(), METRICS.len(), "{dom}");
    let shown: Vec<&&str> = charts.iter().filter(|f| !f.contains("hidden")).collect();
    assert_eq!(
        shown.len(),
        1,
        "only criterion/parse/1000 is shown: {charts:?}"
    );
    assert!(shown[0].contains("id=\"c1\""), "{shown:?}");
    assert!(
        dom.contains("1 of 3 charts"),
        "the count follows the filter"
    );
    assert!(dom.contains("value=\"criterion/parse/*\"") || dom.contains("#filter="));

    // Not blank: a screenshot of the page has many colours (charts, text, bands).
    let shot = work.path().join("shot.png");
    chromium(
        &chrome,
        &profile,
        &proxy,
        &file_url(&index),
        &[
            budget,
            "--window-size=1200,900",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let (w, h, colours, non_background) = png_colours(&shot);
    assert_eq!((w, h), (1200, 900), "screenshot size");
    assert!(
        colours > 16,
        "a blank or near-blank screenshot: {colours} colours"
    );
    assert!(
        non_background > (w * h) as usize / 100,
        "almost everything is background: {non_background} other pixels"
    );

    // Nothing left the page, in any of the three loads.
    let requests = proxy.page_requests();
    assert!(requests.is_empty(), "requests left the page: {requests:?}");
    // The proxy does see what a page loads (without the page's policy, an injected image is
    // requested), and the page's policy stops it (with it, the same image is not).
    let html = std::fs::read_to_string(&index).unwrap();
    let probe = |name: &str, page: String| {
        let path = site.join(name);
        std::fs::write(&path, page).unwrap();
        chromium(
            &chrome,
            &profile,
            &proxy,
            &file_url(&path),
            &[budget, "--dump-dom"],
        );
        proxy
            .page_requests()
            .iter()
            .any(|r| r.contains(&format!("probe.invalid/{name}")))
    };
    let img = |name: &str| format!("<body>\n<img alt=\"\" src=\"http://probe.invalid/{name}\">");
    let open = html.replacen(
        "<meta http-equiv=\"Content-Security-Policy\"",
        "<meta name=\"removed-policy\"",
        1,
    );
    assert!(
        probe("open.html", open.replacen("<body>", &img("open.html"), 1)),
        "the proxy saw no request from a page that makes one: {:?}",
        proxy.page_requests()
    );
    assert!(
        !probe(
            "guarded.html",
            html.replacen("<body>", &img("guarded.html"), 1)
        ),
        "the page's Content-Security-Policy let an image load"
    );
    // And nothing in the page would load from the network.
    for attr in ["src=\"http", "src='http", "<link", "url(http", "@import"] {
        assert!(!html.contains(attr), "the page loads {attr}");
    }
}

/// Distinct colours and pixels unlike the top-left one in an 8-bit RGB or RGBA PNG (Chromium's
/// screenshots), decoded here with flate2 (already a dependency) to need no image crate.
fn png_colours(path: &PathBuf) -> (u32, u32, usize, usize) {
    let bytes = std::fs::read(path).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let (mut pos, mut width, mut height, mut channels) = (8, 0u32, 0u32, 0usize);
    let mut idat = Vec::new();
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let body = &bytes[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(body[0..4].try_into().unwrap());
                height = u32::from_be_bytes(body[4..8].try_into().unwrap());
                assert_eq!(body[8], 8, "8-bit channels");
                assert_eq!(body[12], 0, "not interlaced");
                channels = match body[9] {
                    2 => 3,
                    6 => 4,
                    other => panic!("PNG colour type {other}"),
                };
            }
            b"IDAT" => idat.extend_from_slice(body),
            _ => {}
        }
        pos += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .expect("PNG data inflates");
    let stride = width as usize * channels;
    assert_eq!(raw.len(), (stride + 1) * height as usize, "PNG data size");
    let mut pixels = vec![0u8; stride * height as usize];
    for y in 0..height as usize {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels {
                pixels[y * stride + x - channels]
            } else {
                0
            };
            let b = if y > 0 {
                pixels[(y - 1) * stride + x]
            } else {
                0
            };
            let c = if x >= channels && y > 0 {
                pixels[(y - 1) * stride + x - channels]
            } else {
                0
            };
            let predictor = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                other => panic!("PNG filter {other}"),
            };
            pixels[y * stride + x] = line[x].wrapping_add(predictor);
        }
    }
    let mut colours = std::collections::HashSet::new();
    let background = &pixels[..channels];
    let mut other = 0;
    for p in pixels.chunks(channels) {
        colours.insert(p.to_vec());
        if p != background {
            other += 1;
        }
    }
    (width, height, colours.len(), other)
}
