//! Snapshots of everything a person reads in a report, and the size limit of the PR comment.

use cargo_perf_budget::budget::evaluate::{evaluate, BaselineSource, EvalOptions};
use cargo_perf_budget::budget::parse;
use cargo_perf_budget::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use cargo_perf_budget::report::markdown::{self, render_comment, GITHUB_COMMENT_LIMIT};
use cargo_perf_budget::report::{json, terminal, Report};

use crate::support::bench;

const BUDGET: &str = r#"
[[budget]]
metric = "criterion/**"
max-regression = "5%"

[[budget]]
metric = "lighthouse/home/largest-contentful-paint"
max = "2500 ms"

[[budget]]
metric = "lighthouse/home/score/performance"
min = 0.9
"#;

fn sample_report() -> Report {
    let budget = parse::parse(BUDGET, "budgets.toml".as_ref()).unwrap();
    let mut base = ResultsFile::new();
    let mut head = ResultsFile::new();
    base.commit = Some("1111111111111111111111111111111111111111".into());
    head.commit = Some("2222222222222222222222222222222222222222".into());
    let names = [
        ("criterion/parse/sum_sq/1000", 1.00),
        ("criterion/fib 20", 1.15),
        ("criterion/a|b <img src=x onerror=alert(1)>", 1.00),
        ("criterion/@someone fixes #123 `code`", 0.80),
        ("criterion/sort/10000", 1.03),
    ];
    for (i, (name, factor)) in names.iter().enumerate() {
        base.metrics.push(bench(name, 2000.0, i as u64));
        head.metrics
            .push(bench(name, 2000.0 * factor, 100 + i as u64));
    }
    let lcp = |v: f64| {
        Metric::new(
            "lighthouse/home/largest-contentful-paint",
            Unit::Milliseconds,
            Direction::Lower,
            v,
        )
    };
    base.metrics.push(lcp(2100.0));
    head.metrics
        .push(lcp(2700.0).with_samples(SampleKind::Runs, vec![2650.0, 2700.0, 2760.0]));
    let score = |v: f64| {
        Metric::new(
            "lighthouse/home/score/performance",
            Unit::Score,
            Direction::Higher,
            v,
        )
    };
    base.metrics.push(score(0.95));
    head.metrics.push(score(0.93));
    evaluate(
        &budget,
        &base,
        &head,
        &EvalOptions::new(BaselineSource::Rerun),
    )
    .unwrap()
}

#[test]
fn terminal_table() {
    insta::assert_snapshot!(terminal::render(&sample_report(), false, false));
}

#[test]
fn terminal_table_verbose() {
    insta::assert_snapshot!(terminal::render(&sample_report(), false, true));
}

#[test]
fn markdown_comment() {
    let body = render_comment(&sample_report(), "default", GITHUB_COMMENT_LIMIT, None);
    assert!(body.starts_with("<!-- cargo-perf-budget:default -->\n"));
    // User-supplied names are harmless: no raw HTML, no live mention or issue link, no table break.
    assert!(!body.contains("<img"));
    assert!(!body.contains("@someone") && !body.contains("#123"));
    assert!(body.contains("a\\|b"));
    insta::assert_snapshot!(body);
}

#[test]
fn json_report() {
    let report = sample_report();
    let text = json::render(&report);
    assert_eq!(Report::from_json(&text, "r.json").unwrap(), report);
    // Round floats so the snapshot shows the contract, not the last bits of the arithmetic.
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    round_floats(&mut value);
    insta::assert_snapshot!(serde_json::to_string_pretty(&value).unwrap());
}

/// The verdicts behind the snapshots above, asserted as README.md's "How it decides" states
/// them (through the JSON contract), so a changed verdict fails here and is not only a snapshot
/// to re-accept.
#[test]
fn the_snapshot_reports_verdicts_are_the_readmes() {
    let report: serde_json::Value = serde_json::from_str(&json::render(&sample_report())).unwrap();
    let result = |id: &str| -> (String, String, f64, f64) {
        let r = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no result {id}: {report:#}"));
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        (
            text(&r["status"]),
            text(&r["kind"]),
            r["ci"][0].as_f64().unwrap_or(f64::NAN),
            r["ci"][1].as_f64().unwrap_or(f64::NAN),
        )
    };
    // +15 % with the whole interval above the 5 % budget: fails.
    let (status, kind, low, _) = result("criterion/fib 20");
    assert_eq!((status.as_str(), kind.as_str()), ("fail", "regression"));
    assert!(low > 0.05, "{low}");
    // +3 %: a significant change below X is a regression within budget, and passes.
    let (status, kind, low, high) = result("criterion/sort/10000");
    assert_eq!((status.as_str(), kind.as_str()), ("pass", "regression"));
    assert!(low > 0.0 && high < 0.05, "[{low}, {high}]");
    // −20 %: improvements are reported, never failed.
    let (status, kind, ..) = result("criterion/@someone fixes #123 `code`");
    assert_eq!((status.as_str(), kind.as_str()), ("pass", "improvement"));
    // Unchanged code passes.
    for id in [
        "criterion/parse/sum_sq/1000",
        "criterion/a|b <img src=x onerror=alert(1)>",
    ] {
        let (status, kind, ..) = result(id);
        assert_eq!(
            (status.as_str(), kind.as_str()),
            ("pass", "unchanged"),
            "{id}"
        );
    }
    // Absolute rules compare the head with the limit: LCP 2700 ms > 2500 ms fails, a
    // performance score of 0.93 ≥ 0.9 passes.
    assert_eq!(result("lighthouse/home/largest-contentful-paint").0, "fail");
    assert_eq!(result("lighthouse/home/score/performance").0, "pass");
    assert_eq!(report["verdict"], "fail");
    assert_eq!(report["summary"]["fail"], 2);
    assert_eq!(report["summary"]["pass"], 5);
}

fn round_floats(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap();
            let rounded: f64 = format!("{x:.6e}").parse().unwrap();
            *v = serde_json::json!(rounded);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(round_floats),
        serde_json::Value::Object(o) => o.values_mut().for_each(round_floats),
        _ => {}
    }
}

#[test]
fn comment_of_thousands_of_benchmarks_fits_and_still_names_failures() {
    let budget = parse::parse(
        "[[budget]]\nmetric = \"criterion/**\"\nmax-regression = \"5%\"\n",
        "b.toml".as_ref(),
    )
    .unwrap();
    let mut base = ResultsFile::new();
    let mut head = ResultsFile::new();
    for i in 0..4000 {
        let name = format!("criterion/a fairly long group name/with a function/{i}");
        base.metrics.push(bench(&name, 1000.0, i));
        head.metrics.push(bench(
            &name,
            if i % 1000 == 7 { 1300.0 } else { 1000.0 },
            10_000 + i,
        ));
    }
    let report = evaluate(
        &budget,
        &base,
        &head,
        &EvalOptions::new(BaselineSource::Rerun),
    )
    .unwrap();
    assert_eq!(report.summary.fail, 4);
    let full = markdown::render(&report, &markdown::MarkdownOptions::default());
    assert!(
        full.chars().count() > GITHUB_COMMENT_LIMIT,
        "the test needs a report over the limit"
    );
    let body = render_comment(
        &report,
        "default",
        GITHUB_COMMENT_LIMIT,
        Some("https://example.invalid/summary"),
    );
    assert!(body.chars().count() <= GITHUB_COMMENT_LIMIT);
    for i in [7, 1007, 2007, 3007] {
        assert!(
            body.contains(&format!("with a function/{i} ")),
            "failure {i} named"
        );
    }
    assert!(body.contains("4 failed"));
}

/// The example in docs/results.md is a valid results file, so the documentation cannot drift
/// from the format.
#[test]
fn the_documented_results_file_example_loads() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/results.md")).unwrap();
    let start = doc.find("```json\n").expect("a JSON example") + "```json\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let file = ResultsFile::from_json(&doc[start..end], "docs/results.md").unwrap();
    assert_eq!(file.metrics.len(), 3);
    let rate = file.metric("k6/api/http_req_failed/rate").unwrap();
    assert_eq!(
        rate.proportion.map(|p| (p.failures, p.total)),
        Some((7, 450))
    );
    assert_eq!(rate.overdispersion.map(|o| o.df), Some(11.0));
    assert!(file.metrics[2].failure.is_some());
    assert_eq!(file.metrics[0].rounds, [1, 2]);
}
