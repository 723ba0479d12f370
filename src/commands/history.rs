//! `history [METRIC-GLOB]`: the stored trend of metrics along first-parent history from HEAD (or
//! `--rev`), as a terminal table with sparklines, Markdown, JSON, and optionally an SVG chart.

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
        // `--chart F --quiet` asks for the chart alone.
        None if args.chart.is_some() && global.quiet => {}
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
        let budgets = chart_budgets(&view, global)?;
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
    Ok(Outcome::Pass)
}

/// Budget limits of one metric that the chart shows.
#[derive(Debug, Clone, Default)]
struct ChartBudget {
    max: Option<(f64, String)>,
    min: Option<(f64, String)>,
    max_regression: Option<f64>,
}

/// Budget limits of the charted metrics, from the budget file when there is one (`--budget`, or
/// `budgets.toml` where `check` looks for it). Without a budget file the chart has no budget lines.
fn chart_budgets(
    view: &HistoryView,
    global: &GlobalArgs,
) -> anyhow::Result<HashMap<String, ChartBudget>> {
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
    for m in view.metrics.iter().take(MAX_CHART_METRICS) {
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
        let limit = |q: Option<&crate::model::Quantity>, word: &str| {
            q.and_then(|q| {
                q.in_unit(m.unit, &m.id)
                    .ok()
                    .map(|v| (v, format!("{word} {}", q.text)))
            })
        };
        out.insert(
            m.id.clone(),
            ChartBudget {
                max: limit(best[0].and_then(|r| r.max.as_ref()), "max"),
                min: limit(best[1].and_then(|r| r.min.as_ref()), "min"),
                max_regression: best[2].and_then(|r| r.max_regression),
            },
        );
    }
    Ok(out)
}

fn chart_series(view: &HistoryView, budgets: &HashMap<String, ChartBudget>) -> Vec<ChartSeries> {
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
