//! Lighthouse on base and head in the same job, interleaved (rerun mode, `docs/noise-model.md`): for a
//! `[[lighthouse]]` table with `url`, `runs` and `serve`, the base's site is served from the
//! base commit's checkout and the head's from the work tree, one at a time on the same URL, and
//! Lighthouse loads it `runs` times per side in the counterbalanced order B H H B B H H B …
//! (ABBA), so that a drift of the machine during the job (a neighbour's build, thermal
//! throttling) weighs on both sides alike instead of on whichever side ran last.
//!
//! A side's server keeps running across consecutive runs of that side; on a switch it is
//! stopped (with everything it started) and the port is seen closed before the other side's
//! server starts, so a run never loads the other side's site. After each start, one unmeasured
//! page load in headless Chromium warms the server: otherwise the first run of every block is a
//! cold start, and with B H H B the base has two blocks to the head's one. Each run's report is imported on
//! its own and then all of a side's reports together: the importer's output (failed runs,
//! warnings, medians) is kept, and each sample gets the 1-based index of the run it came from
//! in `Metric::rounds`, which tells evaluation the base was measured interleaved in this job.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{
    headline_of, log_tail, run_once, wait_until_answers, warm_up, LighthouseRunError, Served,
    Tools, SERVE_TIMEOUT,
};
use crate::budget::LighthouseConfig;
use crate::import::lighthouse::import;
use crate::model::ResultsFile;

/// How long a stopped server may keep its port open before the switch is an error.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(15);

/// One side of an interleaved measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The base commit, served from its temporary checkout.
    Base,
    /// HEAD, served from the work tree.
    Head,
}

impl Side {
    fn index(self) -> usize {
        match self {
            Side::Base => 0,
            Side::Head => 1,
        }
    }
}

/// The order of the `2 × runs` runs: B H H B B H H B … Every pair of consecutive runs holds
/// one run of each side, and every four runs are balanced in position too (ABBA), so a linear
/// drift over the job cancels out.
pub fn abba_order(runs: u32) -> Vec<Side> {
    (0..2 * runs)
        .map(|i| match i % 4 {
            0 | 3 => Side::Base,
            _ => Side::Head,
        })
        .collect()
}

/// True when the table can be measured interleaved: it runs Lighthouse (`url` and `runs`) and
/// says how to start the site (`serve`), so the base's site can be started too.
pub fn can_interleave(cfg: &LighthouseConfig) -> bool {
    cfg.url.is_some() && cfg.runs.is_some() && cfg.serve.is_some()
}

/// Where the base's site is served from.
#[derive(Debug, Clone)]
pub struct BaseSite {
    /// The folder `serve` runs in: the budget file's folder inside the base checkout (or the
    /// head's own folder in A/A mode).
    pub dir: PathBuf,
    /// "base (abcd1234)" or "base (A/A)", for progress and messages.
    pub label: String,
}

/// Both sides of an interleaved Lighthouse measurement.
#[derive(Debug, Clone)]
pub struct InterleavedResults {
    /// The base's metrics (samples: its runs; `rounds`: each sample's run index).
    pub base: ResultsFile,
    /// HEAD's metrics, likewise.
    pub head: ResultsFile,
}

/// Measures base and head interleaved (see the module documentation). `head_dir` is the budget
/// file's folder: `serve` runs there for head, and the Lighthouse CLI is looked up from there
/// for both sides (the same tool measures both). Progress goes to stderr unless `quiet`.
pub fn interleave(
    cfg: &LighthouseConfig,
    head_dir: &Path,
    base: &BaseSite,
    quiet: bool,
) -> Result<InterleavedResults, LighthouseRunError> {
    let config = |message: &str| LighthouseRunError::Config {
        name: cfg.name.clone(),
        message: message.to_string(),
    };
    let (Some(url), Some(runs), Some(command)) = (&cfg.url, cfg.runs, &cfg.serve) else {
        return Err(config(
            "measuring base and head interleaved needs `url`, `runs` and `serve`",
        ));
    };
    if runs == 0 {
        return Err(config("`runs` is 0; Lighthouse must run at least once"));
    }
    let Tools {
        lighthouse,
        chrome,
        scratch: tmp,
    } = Tools::find(head_dir)?;
    let head_dir = &std::path::absolute(head_dir).unwrap_or_else(|_| head_dir.to_path_buf());
    let name = &cfg.name;
    let side_label = |side: Side| match side {
        Side::Base => base.label.as_str(),
        Side::Head => "head",
    };

    let order = abba_order(runs);
    let total = order.len();
    // Dropped (and so stopped) on every way out of this function, errors included.
    let mut current: Option<(Side, Served)> = None;
    let mut done = [0u32; 2];
    let mut per_run: [Vec<(u32, ResultsFile)>; 2] = [Vec::new(), Vec::new()];
    let mut reports: [Vec<PathBuf>; 2] = [Vec::new(), Vec::new()];
    for (position, &side) in order.iter().enumerate() {
        let label = side_label(side);
        if current.as_ref().map(|(s, _)| *s) != Some(side) {
            let dir = match side {
                Side::Base => base.dir.as_path(),
                Side::Head => head_dir,
            };
            if let Some((previous, served)) = current.take() {
                if !quiet {
                    crate::runner::say(&format!(
                        "lighthouse {name}: switching server: stopping {}'s `serve`, starting {label}'s in {}",
                        side_label(previous),
                        dir.display()
                    ));
                }
                drop(served);
                wait_until_closed(url, CLOSE_TIMEOUT).map_err(|message| {
                    LighthouseRunError::Serve {
                        name: name.clone(),
                        message: format!(
                            "{}'s `serve` was stopped, but {message}; the next run would load the wrong side's site",
                            side_label(previous)
                        ),
                    }
                })?;
            } else if !quiet {
                crate::runner::say(&format!(
                    "lighthouse {name}: starting {label}'s `serve` in {}: `{command}`",
                    dir.display()
                ));
            }
            let log = tmp.path().join(format!("serve-{}.log", position + 1));
            let served = start_side(name, command, url, dir, label, &log)?;
            // Every block of runs starts on a freshly started server; one unmeasured load makes
            // the first measured run of each block as warm as the rest, so neither side
            // collects more cold starts than the other (B H H B gives base two blocks).
            if let Err(message) = warm_up(&chrome, url, tmp.path()) {
                if !quiet {
                    crate::runner::say(&format!("lighthouse {name}: {label}: warm-up load failed ({message}); measuring anyway"));
                }
            }
            current = Some((side, served));
        }

        let index = side.index();
        done[index] += 1;
        let run = done[index];
        if !quiet {
            crate::runner::say(&format!(
                "lighthouse {name}: run {}/{total} — {label} — {url}",
                position + 1
            ));
        }
        let started = Instant::now();
        let stem = match side {
            Side::Base => "base",
            Side::Head => "head",
        };
        let report = tmp.path().join(format!("{stem}-run-{run}.json"));
        let log = tmp.path().join(format!("{stem}-run-{run}.log"));
        let status =
            run_once(&lighthouse, &chrome, url, &cfg.args, &report, &log).map_err(|message| {
                LighthouseRunError::Run {
                    name: name.clone(),
                    message: format!("{label}, run {run}/{runs} of {url}: {message}"),
                }
            })?;
        if !report.is_file() {
            return Err(LighthouseRunError::Run {
                name: name.clone(),
                message: format!(
                    "{label}, run {run}/{runs} of {url}: {} exited with {status} and wrote no report{}",
                    lighthouse.display(),
                    log_tail(&log)
                ),
            });
        }
        let single = import(std::slice::from_ref(&report), name)?;
        if !quiet {
            crate::runner::say(&format!(
                "lighthouse {name}: {label} run {run}/{runs} done in {:.1} s: {}",
                started.elapsed().as_secs_f64(),
                headline_of(&single, name)
            ));
        }
        per_run[index].push((run, single));
        reports[index].push(report);
    }
    drop(current);

    let [base_runs, head_runs] = per_run;
    let [base_reports, head_reports] = reports;
    Ok(InterleavedResults {
        base: with_run_rounds(import(&base_reports, name)?, &base_runs),
        head: with_run_rounds(import(&head_reports, name)?, &head_runs),
    })
}

/// Starts one side's `serve` in `dir` and waits until `url` answers. Failing that, the error
/// names the side (and so the commit) and ends with the command's output; nothing is left
/// running.
fn start_side(
    name: &str,
    command: &str,
    url: &str,
    dir: &Path,
    label: &str,
    log: &Path,
) -> Result<Served, LighthouseRunError> {
    let error = |message: String| LighthouseRunError::Serve {
        name: name.to_string(),
        message: format!(
            "{label}: `serve` command {command:?} in {}: {message}",
            dir.display()
        ),
    };
    if !dir.is_dir() {
        return Err(error(
            "the folder does not exist in this checkout (the budget file's folder must exist at both commits)".into(),
        ));
    }
    let mut served = Served::start(command, dir, log).map_err(|e| error(e.to_string()))?;
    match wait_until_answers(url, SERVE_TIMEOUT, Some(&mut served)) {
        Ok(()) => Ok(served),
        Err(message) => {
            // Stop it before reading the log, so the log is complete.
            drop(served);
            let tail = if message.contains("its output ends") {
                String::new()
            } else {
                log_tail(log)
            };
            Err(error(format!("{message}{tail}")))
        }
    }
}

/// Waits until nothing accepts connections on `url`'s port any more.
fn wait_until_closed(url: &str, timeout: Duration) -> Result<(), String> {
    use std::net::{TcpStream, ToSocketAddrs};
    let parsed = url::Url::parse(url).map_err(|e| format!("`url = {url:?}` is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or("localhost").to_string();
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = parsed.port_or_known_default().unwrap_or(80);
    let started = Instant::now();
    loop {
        let open = (bare.as_str(), port)
            .to_socket_addrs()
            .map(|addrs| {
                addrs
                    .into_iter()
                    .any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_ok())
            })
            .unwrap_or(false);
        if !open {
            return Ok(());
        }
        if started.elapsed() > timeout {
            return Err(format!(
                "something still accepts connections on {host}:{port} after {} s",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Gives each sample of `combined` (the importer's output for all runs of one side) the run it
/// came from, in `rounds`, and orders the samples by run. The importer orders runs by
/// `fetchTime`, drops failed runs and runs where an audit errored, so the samples are matched
/// with the per-run imports (`per_run`: run index, that run alone imported) instead of assumed
/// to be in run order. Should the two ever disagree, the metric keeps the importer's samples
/// without rounds, and a warning says so.
pub(crate) fn with_run_rounds(
    mut combined: ResultsFile,
    per_run: &[(u32, ResultsFile)],
) -> ResultsFile {
    let mut warnings = Vec::new();
    for metric in &mut combined.metrics {
        if metric.samples.is_empty() {
            continue;
        }
        let mut samples = Vec::new();
        let mut rounds = Vec::new();
        for (run, file) in per_run {
            if let Some(m) = file.metric(&metric.id) {
                samples.extend(&m.samples);
                rounds.extend(std::iter::repeat_n(*run, m.samples.len()));
            }
        }
        let sorted = |v: &[f64]| {
            let mut v = v.to_vec();
            v.sort_by(f64::total_cmp);
            v
        };
        if sorted(&samples) == sorted(&metric.samples) {
            metric.samples = samples;
            metric.rounds = rounds;
        } else {
            warnings.push(format!(
                "{}: the samples could not be matched with the runs they came from; kept without run indices",
                metric.id
            ));
        }
    }
    combined.warnings.extend(warnings);
    combined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Metric, SampleKind, Unit};

    #[test]
    fn runs_are_counterbalanced_abba() {
        use Side::{Base as B, Head as H};
        assert_eq!(abba_order(1), [B, H]);
        assert_eq!(abba_order(2), [B, H, H, B]);
        assert_eq!(abba_order(3), [B, H, H, B, B, H]);
        for runs in 1..=7 {
            let order = abba_order(runs);
            let count = |s: Side| order.iter().filter(|x| **x == s).count();
            assert_eq!((count(B), count(H)), (runs as usize, runs as usize));
        }
        assert!(abba_order(0).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_base_whose_serve_fails_is_an_error_naming_the_side_with_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/");
        let log = dir.path().join("serve.log");
        let err = start_side(
            "home",
            "echo 'npm ERR! missing script: build' >&2; exit 1",
            &url,
            dir.path(),
            "base (abcd1234)",
            &log,
        )
        .err()
        .expect("an error")
        .to_string();
        assert!(
            err.contains("\"home\"")
                && err.contains("base (abcd1234)")
                && err.contains("exit status: 1")
                && err.contains("npm ERR! missing script: build"),
            "{err}"
        );
        // The budget file's folder missing at the base commit.
        let err = start_side(
            "home",
            "true",
            &url,
            &dir.path().join("web"),
            "base (abcd1234)",
            &log,
        )
        .err()
        .expect("an error")
        .to_string();
        assert!(
            err.contains("base (abcd1234)") && err.contains("does not exist"),
            "{err}"
        );
        // Nothing listens: the port counts as closed at once.
        wait_until_closed(&url, Duration::from_secs(1)).unwrap();
    }

    fn file(id: &str, samples: &[f64]) -> ResultsFile {
        let mut f = ResultsFile::new();
        let mut m = Metric::new(id, Unit::Milliseconds, Direction::Lower, 0.0);
        if !samples.is_empty() {
            m = m.with_samples(SampleKind::Runs, samples.to_vec());
        }
        f.metrics.push(m);
        f
    }

    #[test]
    fn samples_get_the_run_they_came_from() {
        const LCP: &str = "lighthouse/home/largest-contentful-paint";
        // The importer's order (here: a later run first) and a run without the metric (failed).
        let combined = file(LCP, &[300.0, 100.0]);
        let per_run = vec![
            (1, file(LCP, &[100.0])),
            (2, file(LCP, &[])),
            (3, file(LCP, &[300.0])),
        ];
        let out = with_run_rounds(combined, &per_run);
        let m = out.metric(LCP).unwrap();
        assert_eq!(m.samples, [100.0, 300.0]);
        assert_eq!(m.rounds, [1, 3]);
        assert!(out.warnings.is_empty());
        ResultsFile::from_json(&out.to_json(), "interleaved").unwrap();

        // Samples that do not match are kept as the importer gave them, without rounds.
        let out = with_run_rounds(file(LCP, &[5.0]), &[(1, file(LCP, &[6.0]))]);
        let m = out.metric(LCP).unwrap();
        assert_eq!((m.samples.as_slice(), m.rounds.len()), (&[5.0][..], 0));
        assert_eq!(out.warnings.len(), 1);
    }
}
