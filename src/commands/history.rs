//! `history [METRIC-GLOB]`: the stored trend of metrics along first-parent history from HEAD (or
//! `--rev`), as a terminal table with sparklines, Markdown, JSON, and optionally an SVG chart and a
//! static dashboard site (`--html DIR`).

use super::output::print_stderr;
use std::collections::HashMap;

use anyhow::Context;

use super::store::repo_dir;
use super::Outcome;
use crate::budget::BudgetRule;
use crate::cli::{Format, GlobalArgs, HistoryArgs};
use crate::model::HistoryView;
use crate::report::chart::{regression_points, svg_chart, ChartSeries};
use crate::report::history as render;
use crate::report::html::{self, BudgetLines, SiteOptions};
use crate::store::{history_view, GitStore, HistoryQuery, STORE_REF};

/// Metrics drawn in one chart; more would make panels too small to read.
const MAX_CHART_METRICS: usize = 12;

/// A point is marked as a regression in the chart when it is this much worse than the median of
/// the points before it, unless the budget file gives the metric a `max-regression`.
const DEFAULT_REGRESSION_MARK: f64 = 0.05;

/// Runs `history`.
pub fn run(args: &HistoryArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let dir = repo_dir(global);
    let store = GitStore::open(&dir)?;
    let glob = args.metric.as_deref().unwrap_or("**");
    let matcher = crate::budget::compile_metric_glob(glob).with_context(|| {
        format!(
            "METRIC-GLOB {} is not a valid glob",
            crate::model::echo::echo(glob)
        )
    })?;
    if store.tip()?.is_none() && !global.quiet {
        print_stderr(&format!(
            "note: no results are stored in this repository ({STORE_REF} does not exist); \
             `cargo perf-budget run` saves them, `cargo perf-budget store fetch` fetches them"
        ));
    }
    let history = store.history(&HistoryQuery {
        from_rev: args.rev.clone(),
        last_n: args.last,
        suite: args.suite.clone(),
        ..HistoryQuery::default()
    })?;
    let view = history_view(&history, |id| matcher.is_match(id));
    // Everything the site needs is read before anything is printed: a bad --report or template
    // fails the command before it writes.
    let site = match &args.html {
        Some(out) => Some((out, site_options(args, global, &dir, &view)?)),
        None => None,
    };
    if view.metrics.is_empty() && !view.rows.is_empty() && !global.quiet {
        print_stderr(&format!(
            "warning: no stored metric matches {}",
            crate::model::echo::echo(glob)
        ));
    }
    let format = global.format.unwrap_or(Format::Terminal);
    let text = match format {
        Format::Terminal => render::terminal(&view),
        Format::Markdown => render::markdown(&view),
        Format::Json => render::json(&view),
    };
    match &global.output {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?
        }
        // `--chart F --quiet` and `--html DIR --quiet` ask for the chart or the site alone.
        None if (args.chart.is_some() || args.html.is_some()) && global.quiet => {}
        None => super::output::print_stdout(&text)?,
    }
    // The terminal table has no room for notes; the other formats carry them.
    if format == Format::Terminal || global.output.is_some() {
        for note in &view.notes {
            print_stderr(&format!(
                "warning: {}",
                crate::report::escape::terminal(note)
            ));
        }
    }
    if let Some(path) = &args.chart {
        let budgets = chart_budgets(&view, global, MAX_CHART_METRICS)?;
        let series = chart_series(&view, &budgets);
        if view.metrics.len() > series.len() && !global.quiet {
            print_stderr(&format!(
                "note: the chart shows the first {} of {} metrics; narrow METRIC-GLOB to choose",
                series.len(),
                view.metrics.len()
            ));
        }
        let svg =
            svg_chart(&series).map_err(|e| anyhow::anyhow!("drawing {}: {e}", path.display()))?;
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
        if !global.quiet {
            print_stderr(&format!("wrote {}", path.display()));
        }
    }
    if let Some((out, options)) = site {
        let files = html::render(&history, &view, &options);
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let mut bytes = 0;
        for f in &files {
            let path = out.join(&f.path);
            std::fs::write(&path, &f.bytes)
                .with_context(|| format!("writing {}", path.display()))?;
            bytes += f.bytes.len();
        }
        if !global.quiet {
            print_stderr(&format!(
                "wrote {} ({} file{}, {}, {} chart{})",
                out.join("index.html").display(),
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                crate::model::Unit::Bytes.format(bytes as f64),
                view.metrics.len(),
                if view.metrics.len() == 1 { "" } else { "s" },
            ));
        }
    }
    Ok(Outcome::Pass)
}

/// Budgets, the report and the commit link of the dashboard.
fn site_options(
    args: &HistoryArgs,
    global: &GlobalArgs,
    repo: &std::path::Path,
    view: &HistoryView,
) -> anyhow::Result<SiteOptions> {
    let report = match &args.report {
        Some(path) => Some(super::comment::read_report(path)?),
        None => None,
    };
    let commit_url = match &args.commit_url {
        Some(t) if t.contains("{sha}") => Some(t.clone()),
        Some(t) => anyhow::bail!(
            "--commit-url {} has no `{{sha}}`; expected a link such as https://example.com/repo/commit/{{sha}}",
            crate::model::echo::echo(t)
        ),
        None => origin_url(repo).and_then(|u| github_commit_url(&u)),
    };
    Ok(SiteOptions {
        budgets: chart_budgets(view, global, usize::MAX)?,
        report,
        commit_url,
        generated: Some(
            jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        ),
    })
}

/// The URL of the `origin` remote, when there is one.
fn origin_url(repo: &std::path::Path) -> Option<String> {
    let repo = git2::Repository::discover(repo).ok()?;
    let remote = repo.find_remote("origin").ok()?;
    remote.url().ok().map(str::to_string)
}

/// GitHub's commit link template for a github.com remote URL (HTTPS, SSH or `git@` form).
fn github_commit_url(remote: &str) -> Option<String> {
    let rest = remote
        .strip_prefix("https://github.com/")
        .or_else(|| remote.strip_prefix("http://github.com/"))
        .or_else(|| remote.strip_prefix("ssh://git@github.com/"))
        .or_else(|| remote.strip_prefix("git@github.com:"))
        .or_else(|| remote.strip_prefix("git://github.com/"))?;
    // `https://token@github.com/…` carries a secret: not matched above, and never shown.
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let mut parts = rest.split('/');
    let (owner, name) = (parts.next()?, parts.next()?);
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (parts.next().is_none() && ok(owner) && ok(name))
        .then(|| format!("https://github.com/{owner}/{name}/commit/{{sha}}"))
}

/// Budget limits of the first `limit` charted metrics, from the budget file when there is one
/// (`--budget`, or `budgets.toml` where `check` looks for it). Without a budget file the charts
/// have no budget lines.
fn chart_budgets(
    view: &HistoryView,
    global: &GlobalArgs,
    limit: usize,
) -> anyhow::Result<HashMap<String, BudgetLines>> {
    let path = match &global.budget {
        Some(p) => p.clone(),
        None => crate::budget::default_budget_path(
            global.manifest_path.as_deref().and_then(|m| m.parent()),
        ),
    };
    if global.budget.is_none() && !path.exists() {
        return Ok(HashMap::new());
    }
    let budget = crate::budget::load(&path)
        .with_context(|| format!("reading budget file {}", path.display()))?;
    let mut out = HashMap::new();
    for m in view.metrics.iter().take(limit) {
        // Per key, the most specific matching block wins (later blocks win ties), as in `check`.
        let mut best: [Option<&BudgetRule>; 3] = [None; 3];
        for rule in budget.budgets.iter().filter(|r| r.matcher.is_match(&m.id)) {
            let has = [
                rule.max.is_some(),
                rule.min.is_some(),
                rule.max_regression.is_some(),
            ];
            for (slot, has) in best.iter_mut().zip(has) {
                if has && slot.is_none_or(|c| rule.specificity() >= c.specificity()) {
                    *slot = Some(rule);
                }
            }
        }
        let in_unit = |q: Option<&crate::model::Quantity>, word: &str| {
            q.and_then(|q| {
                q.in_unit(m.unit, &m.id)
                    .ok()
                    .map(|v| (v, format!("{word} {}", q.text)))
            })
        };
        out.insert(
            m.id.clone(),
            BudgetLines {
                max: in_unit(best[0].and_then(|r| r.max.as_ref()), "max"),
                min: in_unit(best[1].and_then(|r| r.min.as_ref()), "min"),
                max_regression: best[2].and_then(|r| r.max_regression),
            },
        );
    }
    Ok(out)
}

fn chart_series(view: &HistoryView, budgets: &HashMap<String, BudgetLines>) -> Vec<ChartSeries> {
    view.metrics
        .iter()
        .enumerate()
        .take(MAX_CHART_METRICS)
        .map(|(i, m)| {
            let points = view.series(i);
            let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
            let labels = points
                .iter()
                .map(|(r, _)| view.rows[*r].commit.chars().take(7).collect())
                .collect();
            let budget = budgets.get(&m.id).cloned().unwrap_or_default();
            let threshold = budget.max_regression.unwrap_or(DEFAULT_REGRESSION_MARK);
            ChartSeries {
                id: m.id.clone(),
                unit: m.unit,
                direction: m.direction,
                labels,
                regressions: regression_points(&values, m.direction, threshold),
                regression_label: format!(
                    "regression: > {:.0} % worse than the median of the 5 runs before",
                    threshold * 100.0
                ),
                values,
                budget_max: budget.max,
                budget_min: budget.min,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::github_commit_url;

    #[test]
    fn github_remotes_give_commit_links_and_others_none() {
        let want = Some("https://github.com/acme/widgets/commit/{sha}".to_string());
        for remote in [
            "https://github.com/acme/widgets.git",
            "https://github.com/acme/widgets",
            "git@github.com:acme/widgets.git",
            "ssh://git@github.com/acme/widgets.git",
        ] {
            assert_eq!(github_commit_url(remote), want, "{remote}");
        }
        for remote in [
            "https://gitlab.com/acme/widgets.git",
            "https://x-access-token:secret@github.com/acme/widgets.git",
            "https://github.com/acme",
            "https://github.com/acme/widgets/extra",
            "file:///tmp/repo",
            "https://github.com/acme/wid\"gets",
        ] {
            assert_eq!(github_commit_url(remote), None, "{remote}");
        }
    }
}
