//! The Lighthouse importer and runner: recorded real reports (Lighthouse 12.2.3 runs of a fast
//! and a slow local page, a failed run, a user flow, a Lighthouse CI folder of two ports × three
//! runs, upstream sample reports of Lighthouse 9.6 to 13.4), the same runs moved to other hosts
//! and ports, broken and mutated reports (which must never panic). The runs of the real Lighthouse CLI and Chromium against pages served on
//! 127.0.0.1 are in the `tools` test target (`tests/tools`).

use std::path::{Path, PathBuf};

use cargo_perf_budget::import::lighthouse::{import, import_document, import_filtered};
use cargo_perf_budget::import::ImportError;
use cargo_perf_budget::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use proptest::prelude::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lighthouse")
}

fn lh12(name: &str) -> PathBuf {
    fixtures().join("lh12").join(name)
}

fn upstream(name: &str) -> PathBuf {
    fixtures().join("upstream").join(name)
}

fn ids(file: &ResultsFile) -> Vec<&str> {
    file.metrics.iter().map(|m| m.id.as_str()).collect()
}

fn metric<'a>(file: &'a ResultsFile, id: &str) -> &'a Metric {
    match file.metric(id) {
        Some(m) => m,
        None => panic!("no metric {id:?} in {:?}", ids(file)),
    }
}

/// The numericValue of an audit in a recorded report, read independently of the importer.
fn audit_value(file: &Path, audit: &str) -> f64 {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    v["audits"][audit]["numericValue"].as_f64().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn load_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Recorded Lighthouse 12.2.3 runs

#[test]
fn one_fast_run_as_base_and_two_slow_runs_as_head() {
    let base = import(&[lh12("fast-1.json")], "home").unwrap();
    let head = import(&[lh12("slow-1.json"), lh12("slow-2.json")], "home").unwrap();

    let lcp = "lighthouse/home/largest-contentful-paint";
    let b = metric(&base, lcp);
    assert_eq!(b.n(), 1);
    assert_eq!(
        b.samples,
        vec![audit_value(
            &lh12("fast-1.json"),
            "largest-contentful-paint"
        )]
    );
    assert_eq!(b.sample_kind, Some(SampleKind::Runs));
    assert_eq!(
        (b.unit, b.direction),
        (Unit::Milliseconds, Direction::Lower)
    );

    let h = metric(&head, lcp);
    let runs = [
        audit_value(&lh12("slow-1.json"), "largest-contentful-paint"),
        audit_value(&lh12("slow-2.json"), "largest-contentful-paint"),
    ];
    assert_eq!(h.samples.len(), 2);
    assert_eq!(h.n(), 2);
    assert_eq!(h.value, (runs[0] + runs[1]) / 2.0);
    assert!(
        h.value > 13_000.0 && b.value < 1_000.0,
        "{} vs {}",
        h.value,
        b.value
    );
    assert!(h.failure.is_none() && b.failure.is_none());

    let cls = metric(&head, "lighthouse/home/cumulative-layout-shift");
    assert_eq!(
        (cls.unit, cls.direction),
        (Unit::Unitless, Direction::Lower)
    );
    assert!((cls.value - 0.132).abs() < 0.001, "{}", cls.value);
    assert_eq!(
        metric(&base, "lighthouse/home/cumulative-layout-shift").value,
        0.0
    );

    let score = metric(&head, "lighthouse/home/score/performance");
    assert_eq!(
        (score.unit, score.direction),
        (Unit::Score, Direction::Higher)
    );
    assert_eq!(score.value, 0.38);
    assert_eq!(
        metric(&base, "lighthouse/home/score/performance").value,
        1.0
    );

    let bytes = metric(&head, "lighthouse/home/resources/total/bytes");
    assert_eq!((bytes.unit, bytes.value), (Unit::Bytes, 2_492_806.0));
    let count = metric(&head, "lighthouse/home/resources/script/count");
    assert_eq!(
        (count.unit, count.value, count.direction),
        (Unit::Count, 5.0, Direction::Lower)
    );
    assert_eq!(metric(&head, "lighthouse/home/dom-size").unit, Unit::Count);
    assert_eq!(
        metric(&head, "lighthouse/home/total-byte-weight").unit,
        Unit::Bytes
    );

    // Savings estimates and network diagnostics are not metrics.
    for not in [
        "redirects",
        "unused-javascript",
        "network-rtt",
        "metrics",
        "uses-long-cache-ttl",
    ] {
        assert!(
            head.metric(&format!("lighthouse/home/{not}")).is_none(),
            "{not}"
        );
    }
    // The stamp is the newest run's fetchTime.
    let newest = ["slow-1.json", "slow-2.json"]
        .map(|f| {
            load_json(&lh12(f))["fetchTime"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .into_iter()
        .max();
    assert_eq!(head.time, newest);
}

#[test]
fn the_id_set_of_a_real_report() {
    let file = import(&[lh12("slow-1.json")], "home").unwrap();
    let text: Vec<String> = file
        .metrics
        .iter()
        .map(|m| format!("{} [{}, {}] = {}", m.id, m.unit, m.direction, m.value))
        .collect();
    insta::assert_snapshot!(text.join("\n"));
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn all_categories_are_scores() {
    let file = import(&[lh12("full-categories.json")], "home").unwrap();
    for (cat, want) in [
        ("performance", 1.0),
        ("accessibility", 1.0),
        ("best-practices", 0.93),
        ("seo", 1.0),
    ] {
        let m = metric(&file, &format!("lighthouse/home/score/{cat}"));
        assert_eq!(
            (m.value, m.unit, m.direction),
            (want, Unit::Score, Direction::Higher),
            "{cat}"
        );
    }
}

#[test]
fn the_same_run_twice_counts_once() {
    let file = import(&[lh12("fast-1.json"), lh12("fast-1.json")], "home").unwrap();
    assert_eq!(
        metric(&file, "lighthouse/home/largest-contentful-paint").n(),
        1
    );
    assert!(
        file.warnings.iter().any(|w| w.contains("counted once")),
        "{:?}",
        file.warnings
    );
}

#[test]
fn mobile_and_desktop_runs_are_not_pooled() {
    let err = import(&[lh12("fast-1.json"), lh12("fast-desktop.json")], "home").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("fast-desktop.json")
            && text.contains("configSettings.formFactor")
            && text.contains("mobile"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Failed runs

#[test]
fn a_failed_run_fails_every_metric_naming_the_lighthouse_error() {
    let file = import(&[lh12("error-unreachable.json")], "home").unwrap();
    // The failed report still names the metrics it would have measured.
    for id in [
        "lighthouse/home/largest-contentful-paint",
        "lighthouse/home/first-contentful-paint",
        "lighthouse/home/cumulative-layout-shift",
        "lighthouse/home/score/performance",
        "lighthouse/home/resources/total/bytes",
    ] {
        let m = metric(&file, id);
        let why = m.failure.as_deref().unwrap_or("");
        assert!(
            why.starts_with("CHROME_INTERSTITIAL_ERROR: Chrome prevented page load")
                && why.ends_with("error-unreachable.json)"),
            "{id}: {why}"
        );
        assert!(m.samples.is_empty() && m.value == 0.0, "{id}");
    }
    assert!(file.metrics.iter().all(|m| m.failure.is_some()));
    // Listed in the failed report, but Lighthouse 12.1+ never measures it.
    assert!(file
        .metric("lighthouse/home/first-meaningful-paint")
        .is_none());
    assert!(
        file.warnings
            .iter()
            .any(|w| w.contains("CHROME_INTERSTITIAL_ERROR") && w.contains("not a sample")),
        "{:?}",
        file.warnings
    );
    // It survives the results file round trip (value 0 placeholder, failure kept).
    let back = ResultsFile::from_json(&file.to_json(), "x.json").unwrap();
    assert_eq!(back, file);
}

/// error-unreachable.json, made a run of the fast page (same requestedUrl) so it joins its runs.
fn failed_run_of_fast_page(dir: &Path) -> PathBuf {
    let mut v = load_json(&lh12("error-unreachable.json"));
    v["requestedUrl"] = "http://127.0.0.1:8081/".into();
    write(dir, "fast-failed.json", &serde_json::to_vec(&v).unwrap())
}

#[test]
fn one_failed_run_among_good_ones_still_fails_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let failed = failed_run_of_fast_page(dir.path());
    let file = import(&[lh12("fast-1.json"), failed, lh12("fast-2.json")], "home").unwrap();
    let lcp = metric(&file, "lighthouse/home/largest-contentful-paint");
    // The good runs are the samples …
    assert_eq!(lcp.samples.len(), 2);
    let good = [
        audit_value(&lh12("fast-1.json"), "largest-contentful-paint"),
        audit_value(&lh12("fast-2.json"), "largest-contentful-paint"),
    ];
    assert_eq!(lcp.value, (good[0] + good[1]) / 2.0);
    // … but the page is marked failed, naming the code, so the gate cannot pass silently.
    let why = lcp.failure.as_deref().unwrap_or("");
    assert!(
        why.starts_with("1 of 3 runs failed: CHROME_INTERSTITIAL_ERROR: ")
            && why.contains("fast-failed.json"),
        "{why}"
    );
    assert!(file.metrics.iter().all(|m| m.failure.is_some()));
    // The metrics are those of the good runs.
    let good = import(&[lh12("fast-1.json")], "home").unwrap();
    assert_eq!(ids(&file), ids(&good));
    assert_eq!(
        file.warnings
            .iter()
            .filter(|w| w.contains("not a sample"))
            .count(),
        1
    );
}

#[test]
fn a_null_performance_score_is_a_failed_run_named_by_the_audit_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = load_json(&lh12("fast-1.json"));
    v["categories"]["performance"]["score"] = serde_json::Value::Null;
    let lcp = &mut v["audits"]["largest-contentful-paint"];
    lcp["score"] = serde_json::Value::Null;
    lcp["scoreDisplayMode"] = "error".into();
    lcp["errorMessage"] = "The page did not display content that qualifies as a Largest Contentful Paint (LCP). Ensure the page has a valid LCP element and then try again. (NO_LCP)".into();
    lcp.as_object_mut().unwrap().remove("numericValue");
    let path = write(dir.path(), "no-lcp.json", &serde_json::to_vec(&v).unwrap());
    let file = import(&[path], "home").unwrap();
    let why = metric(&file, "lighthouse/home/first-contentful-paint")
        .failure
        .clone()
        .unwrap_or_default();
    assert!(
        why.starts_with(
            "NO_LCP: the performance score is null because largest-contentful-paint errored"
        ) && why.ends_with("no-lcp.json)"),
        "{why}"
    );
}

#[test]
fn an_errored_unweighted_metric_fails_only_that_metric() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = load_json(&lh12("fast-1.json"));
    let mpf = &mut v["audits"]["max-potential-fid"];
    mpf["scoreDisplayMode"] = "error".into();
    mpf["errorMessage"] = "trace engine failed".into();
    mpf["numericValue"] = serde_json::Value::Null;
    let path = write(dir.path(), "mpf.json", &serde_json::to_vec(&v).unwrap());
    let file = import(&[path, lh12("fast-2.json")], "home").unwrap();
    // One run lost it: fewer samples and a warning, no failure.
    let m = metric(&file, "lighthouse/home/max-potential-fid");
    assert_eq!((m.samples.len(), m.failure.is_none()), (1, true));
    assert!(
        file.warnings
            .iter()
            .any(|w| w.contains("max-potential-fid: measured in 1 of 2")),
        "{:?}",
        file.warnings
    );
    // Every run lost it: a failure naming the audit's error.
    let only = import(&[dir.path().join("mpf.json")], "home").unwrap();
    let why = metric(&only, "lighthouse/home/max-potential-fid")
        .failure
        .clone()
        .unwrap_or_default();
    assert!(
        why.contains("max-potential-fid errored: trace engine failed ("),
        "{why}"
    );
    assert!(metric(&only, "lighthouse/home/largest-contentful-paint")
        .failure
        .is_none());
}

// ---------------------------------------------------------------------------------------------
// User flows

#[test]
fn a_user_flow_gives_one_name_per_step() {
    let file = import(&[lh12("flow-interactive.json")], "checkout").unwrap();
    let nav = metric(
        &file,
        "lighthouse/checkout/cold-navigation/largest-contentful-paint",
    );
    assert!(nav.value > 0.0 && nav.failure.is_none());
    let inp = metric(
        &file,
        "lighthouse/checkout/click-slow-button/interaction-to-next-paint",
    );
    assert!((inp.value - 273.196).abs() < 1e-9, "{}", inp.value);
    assert_eq!(
        metric(
            &file,
            "lighthouse/checkout/click-slow-button/score/performance"
        )
        .value,
        0.93
    );
    // Timespans do not measure load metrics; snapshots have no meaningful performance score.
    assert!(file
        .metric("lighthouse/checkout/click-slow-button/largest-contentful-paint")
        .is_none());
    assert!(file
        .metric("lighthouse/checkout/snapshot-after-click/score/performance")
        .is_none());
    assert_eq!(
        metric(&file, "lighthouse/checkout/snapshot-after-click/dom-size").value,
        9.0
    );
    let steps: std::collections::BTreeSet<&str> = ids(&file)
        .iter()
        .map(|id| id.split('/').nth(2).unwrap())
        .collect();
    assert_eq!(
        steps.into_iter().collect::<Vec<_>>(),
        [
            "click-slow-button",
            "cold-navigation",
            "snapshot-after-click"
        ]
    );
}

#[test]
fn lighthouse_9_flows_use_the_current_inp_id() {
    let file = import(&[upstream("flow-v9.6.8.json")], "cereal").unwrap();
    let inp = metric(
        &file,
        "lighthouse/cereal/search-input/interaction-to-next-paint",
    );
    assert_eq!(inp.value, 53.0);
    assert!(file.metrics.iter().all(|m| !m.id.contains("experimental")));
    // Two steps named by their URL keep apart.
    metric(
        &file,
        "lighthouse/cereal/navigation-report-www.mikescerealshack.co/largest-contentful-paint",
    );
    metric(&file, "lighthouse/cereal/navigation-report-www.mikescerealshack.co-corrections/largest-contentful-paint");
}

#[test]
fn lighthouse_13_flow_steps_with_errored_metrics_are_failed_runs() {
    let file = import(&[upstream("flow-v13.4.1.json")], "cereal").unwrap();
    let why = metric(
        &file,
        "lighthouse/cereal/navigation-report-www.mikescerealshack.co/cumulative-layout-shift",
    )
    .failure
    .clone()
    .unwrap_or_default();
    assert!(
        why.contains("Required HostDPR gatherer did not run"),
        "{why}"
    );
    let timespan = metric(
        &file,
        "lighthouse/cereal/search-input/interaction-to-next-paint",
    );
    assert!(timespan.failure.is_some());
    // The snapshot step measured what it could.
    let snap = file
        .metrics
        .iter()
        .filter(|m| m.id.starts_with("lighthouse/cereal/search-results/"))
        .collect::<Vec<_>>();
    assert!(!snap.is_empty());
    assert!(snap
        .iter()
        .all(|m| m.id.contains("/score/") || m.failure.is_none()));
}

// ---------------------------------------------------------------------------------------------
// Lighthouse CI

#[test]
fn an_lhci_folder_of_one_path_on_two_ports_is_one_page_with_a_warning() {
    // The recorded folder holds 3 runs of http://127.0.0.1:8081/ and 3 of :8082/: the same path.
    // Ids leave out host and port, so they are runs of one page; the warning names both origins
    // and how to keep two sites apart (the `url` filter, below).
    let file = import(&[fixtures().join("lhci")], "site").unwrap();
    let mut expected = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("lhci")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.starts_with("lhr-") {
            expected.push(audit_value(&path, "largest-contentful-paint"));
        }
    }
    expected.sort_by(f64::total_cmp);
    assert_eq!(expected.len(), 6);
    let m = metric(&file, "lighthouse/site/largest-contentful-paint");
    let mut samples = m.samples.clone();
    samples.sort_by(f64::total_cmp);
    assert_eq!(samples, expected);
    assert!(file.metrics.iter().all(|m| !m.id.contains("127.0.0.1")));
    let warning = file
        .warnings
        .iter()
        .find(|w| w.contains("origins"))
        .unwrap_or_else(|| panic!("{:?}", file.warnings));
    assert!(
        warning.contains("http://127.0.0.1:8081") && warning.contains("http://127.0.0.1:8082"),
        "{warning}"
    );
    // assertion-results.json: the slow page fails 12 LHCI budgets, attached to our ids.
    assert_eq!(file.thresholds.len(), 12);
    assert!(file.thresholds.iter().all(|t| !t.ok));
    let lcp = file
        .thresholds
        .iter()
        .find(|t| t.metric == "lighthouse/site/largest-contentful-paint")
        .unwrap();
    assert_eq!(lcp.expression, "maxNumericValue <= 2500");
    assert!(file
        .thresholds
        .iter()
        .any(|t| t.metric == "lighthouse/site/resources/script/bytes"));
    for t in &file.thresholds {
        assert!(file.metric(&t.metric).is_some(), "{}", t.metric);
    }
}

// ---------------------------------------------------------------------------------------------
// Stable ids when hosts and ports differ

/// A recorded report whose URLs are moved to `url` (every URL field Lighthouse writes).
fn served_at(dir: &Path, fixture: &str, url: &str, name: &str) -> PathBuf {
    let mut v = load_json(&lh12(fixture));
    for key in [
        "requestedUrl",
        "mainDocumentUrl",
        "finalDisplayedUrl",
        "finalUrl",
    ] {
        if v.get(key).is_some() {
            v[key] = url.into();
        }
    }
    write(dir, name, &serde_json::to_vec(&v).unwrap())
}

#[test]
fn runs_of_one_page_on_two_ports_have_the_ids_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = served_at(
        dir.path(),
        "fast-1.json",
        "http://127.0.0.1:41234/",
        "a.json",
    );
    let b = served_at(
        dir.path(),
        "fast-2.json",
        "http://127.0.0.1:41999/",
        "b.json",
    );
    let file = import(&[a, b], "home").unwrap();
    let single = import(&[lh12("fast-1.json")], "home").unwrap();
    assert_eq!(ids(&file), ids(&single));
    let lcp = metric(&file, "lighthouse/home/largest-contentful-paint");
    assert_eq!(lcp.samples.len(), 2);
    assert!(lcp.failure.is_none());
    assert!(
        file.warnings.iter().any(|w| w.contains("2 origins")
            && w.contains("127.0.0.1:41234")
            && w.contains("127.0.0.1:41999")),
        "{:?}",
        file.warnings
    );
    // Another host too (a preview deployment): still the same page.
    let c = served_at(
        dir.path(),
        "fast-3.json",
        "https://preview.example/",
        "c.json",
    );
    let file = import(&[dir.path().join("a.json"), c], "home").unwrap();
    assert_eq!(ids(&file), ids(&single));
}

#[test]
fn a_failed_run_and_its_retry_on_another_port_are_one_failed_page_without_placeholders() {
    // The recorded failed run was of http://127.0.0.1:8099/, the good one of :8081/: both `/`.
    let file = import(
        &[lh12("error-unreachable.json"), lh12("fast-1.json")],
        "home",
    )
    .unwrap();
    let single = import(&[lh12("fast-1.json")], "home").unwrap();
    // One page: the ids of the good run, no host segment, no second set of ids.
    assert_eq!(ids(&file), ids(&single));
    for m in &file.metrics {
        // Every value is the good run's measurement, never a placeholder.
        assert_eq!(m.samples.len(), 1, "{}", m.id);
        assert_eq!(m.value, metric(&single, &m.id).value, "{}", m.id);
        // And the failed run still fails the page, naming the error once.
        let why = m.failure.as_deref().unwrap_or("");
        assert!(
            why.starts_with("1 of 2 runs failed: CHROME_INTERSTITIAL_ERROR"),
            "{}: {why}",
            m.id
        );
    }
    let lcp = metric(&file, "lighthouse/home/largest-contentful-paint");
    assert_eq!(
        lcp.value,
        audit_value(&lh12("fast-1.json"), "largest-contentful-paint")
    );
}

#[test]
fn a_budget_matches_runs_served_on_other_ports() {
    let dir = tempfile::tempdir().unwrap();
    let base = import_cli(dir.path(), "base.json", &[lh12("fast-1.json")]);
    let a = served_at(
        dir.path(),
        "fast-2.json",
        "http://127.0.0.1:41234/",
        "a.json",
    );
    let b = served_at(
        dir.path(),
        "fast-3.json",
        "http://127.0.0.1:41999/",
        "b.json",
    );
    let head = import_cli(dir.path(), "head.json", &[a, b]);
    let (code, failed, raw) = compare_cli(dir.path(), &base, &head);
    assert_eq!((code, failed), (0, Vec::<String>::new()), "{raw}");
    for id in [
        "lighthouse/home/largest-contentful-paint",
        "lighthouse/home/cumulative-layout-shift",
        "lighthouse/home/score/performance",
    ] {
        let row = raw["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {raw}"));
        assert_eq!(row["status"], "pass", "{row}");
        assert_eq!(row["head"]["n"], 2, "{row}");
    }
}

#[test]
fn different_paths_stay_different_pages_labelled_without_host_or_port() {
    let dir = tempfile::tempdir().unwrap();
    let a = served_at(
        dir.path(),
        "fast-1.json",
        "http://127.0.0.1:41234/",
        "a.json",
    );
    let b = served_at(
        dir.path(),
        "fast-2.json",
        "http://127.0.0.1:41999/blog/post-1/",
        "b.json",
    );
    let c = served_at(
        dir.path(),
        "fast-3.json",
        "http://127.0.0.1:42000/blog/post-1/",
        "c.json",
    );
    let file = import(&[a, b, c], "site").unwrap();
    let root = metric(&file, "lighthouse/site/root/largest-contentful-paint");
    let post = metric(
        &file,
        "lighthouse/site/blog-post-1/largest-contentful-paint",
    );
    assert_eq!((root.samples.len(), post.samples.len()), (1, 2));
    assert!(file.metrics.iter().all(|m| !m.id.contains("127.0.0.1")));
}

#[test]
fn the_url_filter_keeps_one_page_without_a_label() {
    let file = import_filtered(
        &[fixtures().join("lhci")],
        "slow",
        Some("http://127.0.0.1:8082"),
    )
    .unwrap();
    let m = metric(&file, "lighthouse/slow/largest-contentful-paint");
    assert_eq!(m.n(), 3);
    assert!(m.value > 13_000.0);
    assert!(file
        .metrics
        .iter()
        .all(|m| m.id.split('/').count() >= 3 && !m.id.contains("127.0.0.1")));
    assert_eq!(file.thresholds.len(), 12);

    let err = import_filtered(
        &[fixtures().join("lhci")],
        "x",
        Some("http://127.0.0.1:9999/"),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, ImportError::Nothing(_))
            && text.contains("http://127.0.0.1:9999/")
            && text.contains("http://127.0.0.1:8081/")
            && text.contains("http://127.0.0.1:8082/"),
        "{text}"
    );
}

#[test]
fn a_filesystem_upload_folder_is_read_through_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = Vec::new();
    for (i, entry) in std::fs::read_dir(fixtures().join("lhci"))
        .unwrap()
        .enumerate()
    {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.starts_with("lhr-") {
            continue;
        }
        let v = load_json(&path);
        let url = v["requestedUrl"].as_str().unwrap().to_string();
        let report = format!("127_0_0_1-_-2026_11_24_18_2{i}_00.report.json");
        std::fs::copy(&path, dir.path().join(&report)).unwrap();
        manifest.push(serde_json::json!({
            "url": url,
            "isRepresentativeRun": false,
            // Absolute paths of the CI machine that wrote it.
            "jsonPath": format!("/home/runner/work/site/lhci/filesystem/{report}"),
            "htmlPath": format!("/home/runner/work/site/lhci/filesystem/{report}").replace(".json", ".html"),
            "summary": {"performance": v["categories"]["performance"]["score"]},
        }));
    }
    write(
        dir.path(),
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    let from_manifest = import(&[dir.path().to_path_buf()], "site").unwrap();
    let from_lhci = import(&[fixtures().join("lhci")], "site").unwrap();
    assert_eq!(from_manifest.metrics, from_lhci.metrics);

    // A manifest that names a report that is not there.
    manifest.push(serde_json::json!({"url": "http://x/", "jsonPath": "/ci/gone.report.json"}));
    write(
        dir.path(),
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    let err = import(&[dir.path().join("manifest.json")], "site")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("manifest.json")
            && err.contains("[6].jsonPath")
            && err.contains("gone.report.json"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Versions 9 to 13

#[test]
fn every_lighthouse_major_from_9_to_13_imports() {
    for (file, version_only, has_fmp) in [
        ("lhr-v9.6.8.json", "score/pwa", true),
        ("lhr-v10.4.0.json", "score/pwa", true),
        ("lhr-v11.7.1.json", "score/pwa", true),
        ("lhr-v12.8.2.json", "score/seo", false),
        ("lhr-v13.4.1.json", "score/agentic-browsing", false),
    ] {
        let results = import(&[upstream(file)], "dbw").unwrap();
        for audit in [
            "first-contentful-paint",
            "largest-contentful-paint",
            "speed-index",
            "total-blocking-time",
            "cumulative-layout-shift",
            "interactive",
            "max-potential-fid",
            "server-response-time",
            "score/performance",
            "resources/total/bytes",
            "resources/third-party/count",
            version_only,
        ] {
            let m = metric(&results, &format!("lighthouse/dbw/{audit}"));
            assert!(m.failure.is_none() && m.value.is_finite(), "{file} {audit}");
        }
        let lcp = metric(&results, "lighthouse/dbw/largest-contentful-paint");
        assert_eq!(
            lcp.value,
            audit_value(&upstream(file), "largest-contentful-paint"),
            "{file}"
        );
        // FMP is measured up to 11, notApplicable in 12, gone in 13.
        let fmp = results
            .metric("lighthouse/dbw/first-meaningful-paint")
            .is_some();
        assert_eq!(fmp, has_fmp, "{file}");
    }
}

#[test]
fn a_pagespeed_insights_response_is_unwrapped() {
    let dir = tempfile::tempdir().unwrap();
    let psi = serde_json::json!({"id": "x", "lighthouseResult": load_json(&lh12("fast-1.json"))});
    let path = write(dir.path(), "psi.json", &serde_json::to_vec(&psi).unwrap());
    let a = import(&[path], "home").unwrap();
    let b = import(&[lh12("fast-1.json")], "home").unwrap();
    assert_eq!(a.metrics, b.metrics);
}

// ---------------------------------------------------------------------------------------------
// Broken input

#[test]
fn broken_reports_name_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let fast = std::fs::read(lh12("fast-1.json")).unwrap();
    let mut v = load_json(&lh12("fast-1.json"));
    v["audits"]["largest-contentful-paint"]["numericValue"] = "2.3 s".into();
    let bad_value = serde_json::to_vec(&v).unwrap();
    let mut v = load_json(&lh12("fast-1.json"));
    v["categories"]["performance"]["score"] = 7.into();
    let bad_score = serde_json::to_vec(&v).unwrap();
    let mut v = load_json(&lh12("fast-1.json"));
    v["audits"]["resource-summary"]["details"]["items"][2]["transferSize"] = "big".into();
    let bad_row = serde_json::to_vec(&v).unwrap();
    let mut v = load_json(&lh12("fast-1.json"));
    v.as_object_mut().unwrap().remove("audits");
    let no_audits = serde_json::to_vec(&v).unwrap();
    let mut v = load_json(&lh12("fast-1.json"));
    v["runtimeError"] = serde_json::json!({"code": 42});
    let bad_error = serde_json::to_vec(&v).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated.json", fast[..fast.len() / 2].to_vec()),
        ("empty.json", Vec::new()),
        (
            "k6.json",
            br#"{"root_group": {}, "metrics": {"http_reqs": {"count": 3}}}"#.to_vec(),
        ),
        ("list.json", b"[1, 2]".to_vec()),
        ("html.json", b"<!doctype html><html></html>".to_vec()),
        ("bad-value.json", bad_value),
        ("bad-score.json", bad_score),
        ("bad-row.json", bad_row),
        ("no-audits.json", no_audits),
        ("bad-error.json", bad_error),
        (
            "flow-without-lhr.json",
            br#"{"name": "f", "steps": [{"name": "a"}]}"#.to_vec(),
        ),
    ];
    let mut messages = Vec::new();
    for (name, bytes) in cases {
        let path = write(dir.path(), name, &bytes);
        let err = import(std::slice::from_ref(&path), "home").unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&path.display().to_string()), "{name}: {text}");
        messages.push(text.replace(&dir.path().display().to_string(), "<dir>"));
    }
    insta::assert_snapshot!(messages.join("\n"));

    let missing = import(&[dir.path().join("nope.json")], "home").unwrap_err();
    assert!(matches!(missing, ImportError::Io { .. }));
    let empty_dir = tempfile::tempdir().unwrap();
    let err = import(&[empty_dir.path().to_path_buf()], "home")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no Lighthouse report in this folder"), "{err}");
    assert!(import(&[], "home").is_err());
}

/// One random change to a real report: a key removed, a value replaced by another JSON type or
/// by an extreme number, or the text cut short.
#[derive(Debug, Clone)]
enum Mutation {
    Remove(usize),
    Replace(usize, serde_json::Value),
    Truncate(usize),
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        any::<i64>().prop_map(serde_json::Value::from),
        Just(serde_json::json!(-1.0)),
        Just(serde_json::json!(1e308)),
        "[a-z_ ]{0,8}".prop_map(serde_json::Value::from),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), json_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Every (parent pointer, key) pair of the fields the importer looks at, so mutations land where
/// they matter instead of in screenshots.
fn interesting_pointers(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in [
        "lighthouseVersion",
        "requestedUrl",
        "finalDisplayedUrl",
        "fetchTime",
        "runtimeError",
        "audits",
        "categories",
        "configSettings",
        "runWarnings",
    ] {
        out.push(format!("/{key}"));
    }
    out.push("/configSettings/formFactor".into());
    for audit in [
        "largest-contentful-paint",
        "cumulative-layout-shift",
        "max-potential-fid",
        "resource-summary",
        "dom-size",
    ] {
        for field in [
            "",
            "/numericValue",
            "/numericUnit",
            "/scoreDisplayMode",
            "/score",
            "/details",
            "/details/items",
            "/details/items/0",
            "/details/items/0/transferSize",
            "/details/items/1/resourceType",
        ] {
            let p = format!("/audits/{audit}{field}");
            if v.pointer(&p).is_some() {
                out.push(p);
            }
        }
    }
    for p in [
        "/categories/performance",
        "/categories/performance/score",
        "/categories/performance/auditRefs",
        "/categories/performance/auditRefs/0",
        "/categories/performance/auditRefs/0/weight",
    ] {
        out.push(p.into());
    }
    out
}

/// Applies mutations to a parsed report and serialises it (cut short by `Truncate`).
fn apply(mut v: serde_json::Value, mutations: &[Mutation]) -> Vec<u8> {
    let mut cut = None;
    for m in mutations {
        let pointers = interesting_pointers(&v);
        match m {
            Mutation::Truncate(at) => cut = Some(*at),
            Mutation::Remove(i) | Mutation::Replace(i, _) => {
                let p = &pointers[i % pointers.len()];
                let (parent, key) = p.rsplit_once('/').unwrap();
                match (v.pointer_mut(parent), m) {
                    (Some(serde_json::Value::Object(o)), Mutation::Remove(_)) => {
                        o.remove(key);
                    }
                    (Some(serde_json::Value::Object(o)), Mutation::Replace(_, new)) => {
                        o.insert(key.to_string(), new.clone());
                    }
                    (Some(serde_json::Value::Array(a)), Mutation::Replace(_, new)) => {
                        if let Some(slot) = key.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                            *slot = new.clone();
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let bytes = serde_json::to_vec(&v).unwrap();
    match cut {
        Some(at) => bytes[..at % bytes.len()].to_vec(),
        None => bytes,
    }
}

/// Drops the screenshots and strings the importer never reads, so each proptest case handles
/// 100 KB instead of 400 KB.
fn slim(lhr: &mut serde_json::Value) {
    if let Some(o) = lhr.as_object_mut() {
        o.remove("fullPageScreenshot");
        o.remove("i18n");
        o.remove("timing");
    }
    for audit in [
        "screenshot-thumbnails",
        "final-screenshot",
        "script-treemap-data",
        "network-requests",
    ] {
        if let Some(a) = lhr["audits"].as_object_mut() {
            a.remove(audit);
        }
    }
}

/// Parsed (and slimmed) once: parsing a 400 KB report per proptest case would dominate the
/// test's time.
fn parsed(path: PathBuf) -> &'static serde_json::Value {
    static CACHE: std::sync::Mutex<Vec<(PathBuf, &'static serde_json::Value)>> =
        std::sync::Mutex::new(Vec::new());
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, v)) = cache.iter().find(|(p, _)| *p == path) {
        return v;
    }
    let mut v = load_json(&path);
    match v.get_mut("steps").and_then(|s| s.as_array_mut()) {
        Some(steps) => steps.iter_mut().for_each(|s| slim(&mut s["lhr"])),
        None => slim(&mut v),
    }
    let v: &'static serde_json::Value = Box::leak(Box::new(v));
    cache.push((path, v));
    v
}

fn check_mutated(bytes: &[u8]) {
    let path = Path::new("mutated.json");
    match import_document(bytes, path, "home") {
        Ok(file) => {
            for m in &file.metrics {
                assert!(
                    m.value.is_finite() && m.samples.iter().all(|s| s.is_finite()),
                    "{m:?}"
                );
            }
            ResultsFile::from_json(&file.to_json(), "x").unwrap();
        }
        Err(e) => assert!(e.to_string().contains("mutated.json"), "{e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_real_reports_never_panic(muts in proptest::collection::vec(mutation(), 1..4)) {
        check_mutated(&apply(parsed(lh12("slow-1.json")).clone(), &muts));
    }

    #[test]
    fn mutated_flows_never_panic(muts in proptest::collection::vec(mutation(), 1..3), step in 0usize..3) {
        let mut flow = parsed(lh12("flow-interactive.json")).clone();
        let lhr = flow["steps"][step]["lhr"].take();
        flow["steps"][step]["lhr"] =
            serde_json::from_slice(&apply(lhr, &muts)).unwrap_or(serde_json::Value::Null);
        check_mutated(&serde_json::to_vec(&flow).unwrap());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_mutated(&bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// The binary: `import lighthouse` then `compare`

const WEB_BUDGETS: &str = r#"
[[budget]]
metric = "lighthouse/home/largest-contentful-paint"
max = "2500 ms"

[[budget]]
metric = "lighthouse/home/cumulative-layout-shift"
max = 0.1

[[budget]]
metric = "lighthouse/home/score/performance"
min = 0.9
"#;

/// `cargo perf-budget import lighthouse FILES… --name home --output OUT`.
fn import_cli(dir: &Path, out: &str, files: &[PathBuf]) -> PathBuf {
    let path = dir.join(out);
    crate::support::cli()
        .args(["import", "lighthouse"])
        .args(files)
        .args(["--name", "home", "--output"])
        .arg(&path)
        .assert()
        .code(0);
    path
}

/// `compare` with the three web budgets; the exit code and the ids that failed.
fn compare_cli(dir: &Path, base: &Path, head: &Path) -> (i32, Vec<String>, serde_json::Value) {
    let budgets = write(dir, "budgets.toml", WEB_BUDGETS.as_bytes());
    let report = dir.join("report.json");
    let out = crate::support::cli()
        .arg("compare")
        .arg(base)
        .arg(head)
        .arg("--budget")
        .arg(&budgets)
        .args(["--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    let raw = load_json(&report);
    let failed = raw["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    (out.status.code().unwrap_or(-1), failed, raw)
}

#[test]
fn cli_fast_base_and_slow_head_fail_exactly_the_three_budgets() {
    let dir = tempfile::tempdir().unwrap();
    let base = import_cli(dir.path(), "base.json", &[lh12("fast-1.json")]);
    let head = import_cli(
        dir.path(),
        "head.json",
        &[lh12("slow-1.json"), lh12("slow-2.json")],
    );
    let (code, mut failed, raw) = compare_cli(dir.path(), &base, &head);
    failed.sort();
    assert_eq!(code, 1);
    assert_eq!(
        failed,
        [
            "lighthouse/home/cumulative-layout-shift",
            "lighthouse/home/largest-contentful-paint",
            "lighthouse/home/score/performance"
        ]
    );
    let lcp = raw["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "lighthouse/home/largest-contentful-paint")
        .unwrap();
    assert_eq!(
        (lcp["base"]["n"].as_u64(), lcp["head"]["n"].as_u64()),
        (Some(1), Some(2))
    );
}

#[test]
fn cli_fast_against_fast_passes() {
    let dir = tempfile::tempdir().unwrap();
    let base = import_cli(dir.path(), "base.json", &[lh12("fast-1.json")]);
    let head = import_cli(
        dir.path(),
        "head.json",
        &[lh12("fast-2.json"), lh12("fast-3.json")],
    );
    let (code, failed, _) = compare_cli(dir.path(), &base, &head);
    assert_eq!((code, failed), (0, Vec::<String>::new()));
}

#[test]
fn cli_a_failed_head_run_fails_every_budget_naming_the_lighthouse_error() {
    let dir = tempfile::tempdir().unwrap();
    let base = import_cli(dir.path(), "base.json", &[lh12("fast-1.json")]);
    let failed_run = failed_run_of_fast_page(dir.path());
    let head = import_cli(dir.path(), "head.json", &[lh12("fast-2.json"), failed_run]);
    let (code, failed, raw) = compare_cli(dir.path(), &base, &head);
    assert_eq!((code, failed.len()), (1, 3), "{failed:?}");
    for r in raw["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
    {
        let text = r["rules"].to_string();
        assert!(text.contains("CHROME_INTERSTITIAL_ERROR"), "{text}");
    }
}

#[test]
fn cli_import_of_a_truncated_report_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let fast = std::fs::read(lh12("fast-1.json")).unwrap();
    let cut = write(dir.path(), "cut.json", &fast[..1000]);
    let out = crate::support::cli()
        .args(["import", "lighthouse"])
        .arg(&cut)
        .args(["--name", "home"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cut.json") && stderr.contains("truncated"),
        "{stderr}"
    );
}
