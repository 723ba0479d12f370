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
    let row = |id: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no result {id}: {report:#}"))
    };
    let result = |id: &str| -> (String, String, f64, f64) {
        let r = row(id);
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
    // +3 %: a significant change below X is a regression within budget, and passes; the
    // interval the decision used (the one the report prints) lies between 0 and X.
    let (status, kind, ..) = result("criterion/sort/10000");
    assert_eq!((status.as_str(), kind.as_str()), ("pass", "regression"));
    let decision = &row("criterion/sort/10000")["details"]["decision_ci"];
    let (low, high) = (decision[0].as_f64(), decision[1].as_f64());
    let (Some(low), Some(high)) = (low, high) else {
        panic!("a decision interval: {report:#}")
    };
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

/// A report where a budget names some metrics and many others are only measured, one of them
/// far worse in head (like a k6 max at +268 %), with a crossed k6 threshold.
fn report_with_unbudgeted() -> Report {
    let budget = parse::parse(
        r#"
[settings]
unmatched = "warn"

[[budget]]
metric = "criterion/parse/**"
max-regression = "5%"
"#,
        "budgets.toml".as_ref(),
    )
    .unwrap();
    let mut base = ResultsFile::new();
    let mut head = ResultsFile::new();
    base.commit = Some("1111111111111111111111111111111111111111".into());
    head.commit = Some("2222222222222222222222222222222222222222".into());
    base.metrics.push(bench("criterion/parse/a", 13_000.0, 1));
    head.metrics.push(bench("criterion/parse/a", 13_000.0, 2));
    for i in 0..5u32 {
        let id = format!("k6/api/http_req_duration{{name:p{i}}}/max");
        let m = |v: f64| Metric::new(id.clone(), Unit::Milliseconds, Direction::Lower, v);
        base.metrics.push(m(100.0));
        head.metrics.push(m(368.0));
    }
    head.thresholds
        .push(cargo_perf_budget::model::ToolThreshold {
            metric: "k6/api/http_req_duration/p(95)".into(),
            expression: "p(95)<300".into(),
            ok: false,
        });
    evaluate(
        &budget,
        &base,
        &head,
        &EvalOptions::new(BaselineSource::File),
    )
    .unwrap()
}

#[test]
fn unbudgeted_metrics_are_never_counted_as_passed() {
    let report = report_with_unbudgeted();
    assert_eq!(report.summary.pass, 1, "{:?}", report.summary);
    assert_eq!(report.summary.unbudgeted, 5, "{:?}", report.summary);
    let json: serde_json::Value = serde_json::from_str(&json::render(&report)).unwrap();
    assert_eq!(json["summary"]["pass"], 1);
    assert_eq!(json["summary"]["unbudgeted"], 5);

    let body = render_comment(&report, "default", GITHUB_COMMENT_LIMIT, None);
    let verdict = body.lines().nth(1).unwrap();
    assert!(
        verdict.contains("1 budgeted metric: 0 failed, 1 passed"),
        "{verdict}"
    );
    assert!(verdict.contains("5 unbudgeted"), "{verdict}");
    // The unbudgeted rows are collapsed, named as such, and never carry a pass icon.
    let section = body
        .split("<summary>5 unbudgeted metrics")
        .nth(1)
        .expect("a collapsed section of unbudgeted metrics");
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| ⚪ | k6/"))
        .collect();
    assert_eq!(rows.len(), 5, "{body}");
    assert!(!body
        .lines()
        .any(|l| l.contains("k6/api") && (l.contains('✅') || l.contains('⚠'))));

    let text = terminal::render(&report, false, false);
    assert!(
        text.contains("0 failed, 1 passed of 1 budgeted metric; 5 unbudgeted"),
        "{text}"
    );
    assert!(!text
        .lines()
        .any(|l| l.contains("k6/api") && l.trim_start().starts_with("ok ")));
}

#[test]
fn a_crossed_tool_threshold_is_in_the_first_lines() {
    let report = report_with_unbudgeted();
    let body = render_comment(&report, "default", GITHUB_COMMENT_LIMIT, None);
    let head: Vec<&str> = body.lines().take(6).collect();
    assert!(
        head.iter()
            .any(|l| l.contains("k6 threshold crossed") && l.contains("p(95)&lt;300")),
        "{body}"
    );
    let text = terminal::render(&report, false, false);
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("warning:") && l.contains("k6 threshold crossed")),
        "{text}"
    );
}

#[test]
fn numbers_and_units_are_never_split_in_markdown_cells() {
    for report in [sample_report(), report_with_unbudgeted()] {
        let body = render_comment(&report, "default", GITHUB_COMMENT_LIMIT, None);
        let cells: Vec<&str> = body
            .lines()
            .filter(|l| l.starts_with('|'))
            // Every cell but the metric id (a name, not a number with its unit).
            .flat_map(|l| l.split(" | ").enumerate().filter(|(i, _)| *i != 1))
            .map(|(_, c)| c)
            .collect();
        assert!(cells.len() > 20, "{body}");
        for cell in cells {
            let chars: Vec<char> = cell.trim().trim_matches('|').trim().chars().collect();
            for w in chars.windows(3) {
                assert!(
                    !(w[0].is_ascii_digit() && w[1] == ' ' && !w[2].is_ascii_digit()),
                    "a plain space splits {cell:?}"
                );
            }
        }
        assert!(body.contains("\u{a0}µs |"), "{body}");
    }
}

#[test]
fn the_comment_links_the_run_and_has_a_legend() {
    let url = "https://github.com/acme/widgets/actions/runs/42";
    let body = render_comment(&sample_report(), "default", GITHUB_COMMENT_LIMIT, Some(url));
    assert!(body.contains(&format!("[workflow run]({url})")), "{body}");
    assert!(body.contains("❌\u{a0}over budget"), "{body}");
    // No jargon count of nothing.
    assert!(!body.contains("over 0 checks"));
    let mut none = sample_report();
    none.method.family = 0;
    let body = render_comment(&none, "default", GITHUB_COMMENT_LIMIT, None);
    assert!(!body.contains(" 0 comparisons"), "{body}");
}

#[test]
fn nothing_budgeted_measured_is_never_a_pass() {
    let report = report_with_unbudgeted();
    assert!(report.gate_error().is_none());
    let mut nothing = report.clone();
    nothing.results.retain(|r| r.rules.is_empty());
    nothing.finish();
    let problem = nothing.gate_error().expect("no budgeted metric measured");
    assert!(problem.contains("no budget rule names"), "{problem}");
    let body = render_comment(&nothing, "default", GITHUB_COMMENT_LIMIT, None);
    assert!(body.lines().nth(1).unwrap().contains("**error**"), "{body}");
    nothing.results.clear();
    nothing.finish();
    assert!(nothing
        .gate_error()
        .unwrap()
        .contains("nothing was measured"));
}

#[test]
fn a_failed_run_is_in_the_headline_once_and_not_in_every_row() {
    let mut report = report_with_unbudgeted();
    let reason = "NO_FCP: The page did not paint any content (run-1.json)";
    for r in report
        .results
        .iter_mut()
        .filter(|r| r.id.starts_with("k6/"))
    {
        r.failure = Some(reason.into());
    }
    let body = render_comment(&report, "default", GITHUB_COMMENT_LIMIT, None);
    assert_eq!(body.matches("did not paint").count(), 1, "{body}");
    let alert = body.lines().take(8).find(|l| l.contains("did not paint"));
    assert!(alert.is_some_and(|l| l.contains("and 4 more")), "{body}");
    // The placeholder values are not shown as data.
    assert!(!body.contains("| 0\u{a0}ms |"), "{body}");
    assert!(body.contains("| failed |"), "{body}");
    let text = terminal::render(&report, false, true);
    assert_eq!(text.matches("did not paint").count(), 1, "{text}");
}

#[test]
fn the_terminal_table_has_headers_and_fits_the_width() {
    let report = sample_report();
    let text = terminal::render_with(&report, false, true, Some(80));
    let first = text.lines().next().unwrap();
    for header in ["status", "metric", "base", "head", "change"] {
        assert!(first.contains(header), "{first}");
    }
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    // Coloured: the change of a regression is red, of an improvement green.
    let coloured = terminal::render_with(&report, true, false, Some(120));
    let fib = coloured
        .lines()
        .find(|l| l.contains("criterion/fib 20"))
        .unwrap();
    assert!(fib.contains("\u{1b}[31m+14.5 %"), "{fib:?}");
    let faster = coloured.lines().find(|l| l.contains("faster")).unwrap();
    assert!(faster.contains("\u{1b}[32m−19.6 %"), "{faster:?}");
}

#[test]
fn trend_charts_mark_the_pr_and_only_for_budgeted_metrics_that_moved() {
    use cargo_perf_budget::model::TrendPoint;
    let mut report = sample_report();
    let trend = |v: f64| -> Vec<TrendPoint> {
        (0..6)
            .map(|i| TrendPoint {
                commit: format!("{i:07}{}", "0".repeat(33)),
                value: v,
            })
            .collect()
    };
    report
        .history
        .insert("criterion/fib 20".into(), trend(2000.0));
    report
        .history
        .insert("criterion/parse/sum_sq/1000".into(), trend(2000.0));
    let body = render_comment(&report, "default", GITHUB_COMMENT_LIMIT, None);
    // The failed metric is charted with the PR's value; the unchanged one is not.
    assert_eq!(body.matches("```mermaid").count(), 1, "{body}");
    let chart = body.split("```mermaid").nth(1).unwrap();
    assert!(chart.contains("criterion/fib 20: PR 2.29 µs"), "{chart}");
    assert!(chart.contains("\"PR\"]"), "{chart}");
    assert!(chart.contains("y-axis \"µs\""), "{chart}");
}

#[test]
fn unbudgeted_regressions_get_no_annotation() {
    let mut report = report_with_unbudgeted();
    // As if the k6 maxima had been tested significantly worse.
    for r in report.results.iter_mut().filter(|r| r.rules.is_empty()) {
        r.kind = cargo_perf_budget::report::Kind::Regression;
    }
    report.finish();
    let annotations =
        cargo_perf_budget::github::workflow::annotations(&report, Some("budgets.toml"));
    for a in &annotations {
        assert!(!a.command().contains("k6/api"), "{}", a.command());
    }
}
