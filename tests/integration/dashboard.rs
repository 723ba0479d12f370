//! `history --html DIR`: the static dashboard built from a real git result store (12 commits, a
//! +20 % step), checked in its HTML and its data block. The same site in a real browser is tested
//! in the `tools` target (tests/tools/dashboard.rs).

use std::path::Path;

use tempfile::TempDir;

use crate::dashboard_store::{seed, COMMITS, METRICS, STEP};

fn history_html(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = crate::support::cli();
    cmd.current_dir(dir).arg("history").args(args);
    cmd.assert()
}

/// The JSON data block the page's script reads.
fn data_block(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/json\" id=\"data\">")
        .expect("data block")
        + "<script type=\"application/json\" id=\"data\">".len();
    let end = start + html[start..].find("</script>").expect("end of data block");
    serde_json::from_str(&html[start..end]).expect("data block is JSON")
}

#[test]
fn the_site_shows_every_metric_and_marks_the_step_commit_once() {
    let work = TempDir::new().unwrap();
    let shas = seed(work.path());
    crate::support::git(
        work.path(),
        &["remote", "add", "origin", "git@github.com:acme/widgets.git"],
    );
    let site = work.path().join("site");
    let out = history_html(work.path(), &["--quiet", "--html", site.to_str().unwrap()]).success();
    assert!(
        out.get_output().stdout.is_empty(),
        "--quiet with --html prints no table"
    );
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    for id in METRICS {
        assert!(html.contains(&format!(">{id}</a></th>")), "no row for {id}");
    }
    // The step is marked once, at the commit where the level moved, with a link to it.
    let step = &shas[STEP];
    let link = format!("https://github.com/acme/widgets/commit/{step}");
    assert_eq!(
        html.matches(&format!(
            "<a href=\"{link}\"><code>{}</code></a> +",
            &step[..7]
        ))
        .count(),
        1,
        "the step commit {step}'s level shift in the summary table: {}",
        &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()]
    );
    // Every commit has a row in the commit table, linked.
    for sha in &shas {
        assert!(
            html.contains(&format!(
                "<tr><th scope=\"row\"><a href=\"https://github.com/acme/widgets/commit/{sha}\"><code>{}</code>",
                &sha[..7]
            )),
            "no row for {sha}"
        );
    }
    let data = data_block(&html);
    assert_eq!(data["commits"].as_array().unwrap().len(), COMMITS);
    assert_eq!(data["url"], "https://github.com/acme/widgets/commit/{sha}");
    let series = data["series"].as_array().unwrap();
    assert_eq!(series.len(), METRICS.len());
    for s in series {
        let shifts = s["cp"].as_array().unwrap();
        if s["id"] == "criterion/parse/1000" {
            assert_eq!(shifts.len(), 1, "{s}");
            assert_eq!(shifts[0][0], STEP, "{s}");
            let (change, lo, hi) = (
                shifts[0][1].as_f64().unwrap(),
                shifts[0][2].as_f64().unwrap(),
                shifts[0][3].as_f64().unwrap(),
            );
            assert!((0.17..0.23).contains(&change), "{s}");
            assert!(lo < change && change < hi && lo > 0.1, "{s}");
            // Hover details: every point has an interval, its sample count and its runner.
            assert_eq!(s["h"].as_array().unwrap().len(), COMMITS);
            assert_eq!(s["n0"], 50);
            assert_eq!(
                data["runners"][s["r0"].as_u64().unwrap() as usize],
                "ci-runner-7"
            );
        } else {
            assert!(shifts.is_empty(), "a flat metric has no level shift: {s}");
        }
        // Twelve runs are enough for a calibrated noise band.
        assert!(
            s["noise"].as_f64().is_some_and(|n| n > 0.0 && n < 0.1),
            "{s}"
        );
    }
    // Nothing is loaded from anywhere: no src or stylesheet link, a policy that forbids it.
    assert!(!html.contains(" src="), "no element loads a resource");
    assert!(!html.contains("<link"), "no stylesheet or font is linked");
    assert!(html.contains("content=\"default-src 'none'; script-src 'sha256-"));
    assert!(!html.contains("http://"));
}

#[test]
fn glob_last_template_and_report_narrow_and_annotate_the_site() {
    let work = TempDir::new().unwrap();
    let shas = seed(work.path());
    let site = work.path().join("site");
    // Budget lines come from the budget file `check` would read.
    std::fs::write(
        work.path().join("budgets.toml"),
        "[[budget]]\nmetric = \"criterion/**\"\nmax = \"400 us\"\nmax-regression = \"5%\"\n",
    )
    .unwrap();
    // A report whose head value is the PR's point.
    let base = crate::support::write_results(
        work.path(),
        "base.json",
        &shas[COMMITS - 1],
        vec![crate::support::bench("criterion/parse/1000", 300_000.0, 1)],
    );
    let head = crate::support::write_results(
        work.path(),
        "head.json",
        "feedfacefeedfacefeedfacefeedfacefeedface",
        vec![crate::support::bench("criterion/parse/1000", 360_000.0, 2)],
    );
    let report = work.path().join("report.json");
    let mut cmd = crate::support::cli();
    cmd.current_dir(work.path())
        .args(["compare", base.to_str().unwrap(), head.to_str().unwrap()])
        .args(["--format", "json", "--output", report.to_str().unwrap()]);
    let out = cmd.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "compare wrote a report: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = history_html(
        work.path(),
        &[
            "criterion/parse/*",
            "--last",
            "5",
            "--html",
            site.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--commit-url",
            "https://git.example.com/r/-/commit/{sha}",
        ],
    )
    .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("index.html (1 file, ") && stderr.contains("KiB, 1 chart)"),
        "the site's size is reported: {stderr}"
    );
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    let data = data_block(&html);
    assert_eq!(data["commits"].as_array().unwrap().len(), 5);
    assert_eq!(data["series"].as_array().unwrap().len(), 1);
    assert!(!html.contains("criterion/fib 20"));
    let s = &data["series"][0];
    let pr = s["pr"]["v"].as_f64().unwrap();
    assert!((340_000.0..380_000.0).contains(&pr), "{s}");
    assert!(html.contains("PR head feedfac"));
    assert_eq!(
        s["bmax"][0], 400_000.0,
        "the budget in the metric's unit: {s}"
    );
    assert_eq!(s["bmax"][1], "max 400 us");
    assert_eq!(s["mr"], 0.05);
    assert!(
        html.contains(&format!(
            "https://git.example.com/r/-/commit/{}",
            shas[COMMITS - 1]
        )) || data["url"] == "https://git.example.com/r/-/commit/{sha}"
    );
    // No GitHub origin, no template: no links at all.
    let bare = work.path().join("bare");
    history_html(work.path(), &["--html", bare.to_str().unwrap(), "--quiet"]).success();
    let html = std::fs::read_to_string(bare.join("index.html")).unwrap();
    assert!(data_block(&html).get("url").is_none());
    assert!(!html.contains("<a href=\"http"));
}

#[test]
fn bad_templates_and_reports_are_errors_that_write_nothing() {
    let work = TempDir::new().unwrap();
    seed(work.path());
    let site = work.path().join("site");
    let out = history_html(
        work.path(),
        &[
            "--html",
            site.to_str().unwrap(),
            "--commit-url",
            "https://x/commit",
        ],
    )
    .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("--commit-url") && stderr.contains("{sha}"),
        "{stderr}"
    );
    std::fs::write(work.path().join("r.json"), "{\"schema\": \"x\"}").unwrap();
    let out = history_html(
        work.path(),
        &["--html", site.to_str().unwrap(), "--report", "r.json"],
    )
    .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("r.json") && stderr.contains("schema"),
        "{stderr}"
    );
    assert!(!site.exists());
}
