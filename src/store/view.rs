//! The walked history narrowed to the metrics a user asked for: the [`HistoryView`] that
//! `history` renders (the renderers live in `report::history`).

use crate::model::sha::short_sha;
use crate::model::{HistoryView, ViewMetric, ViewRow};

use super::History;

/// Narrows a walked history to the metrics whose id `select` accepts, newest run first; a value
/// stored in another unit of the same dimension is converted to the newest run's unit.
pub fn history_view(history: &History, select: impl Fn(&str) -> bool) -> HistoryView {
    let mut metrics: Vec<ViewMetric> = Vec::new();
    let mut index = std::collections::HashMap::new();
    // Newest first: the newest run decides a metric's unit.
    for c in &history.commits {
        for run in &c.runs {
            for m in &run.metrics {
                if !index.contains_key(&m.id) && select(&m.id) {
                    index.insert(m.id.clone(), metrics.len());
                    metrics.push(ViewMetric {
                        id: m.id.clone(),
                        unit: m.unit,
                        direction: m.direction,
                    });
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..metrics.len()).collect();
    order.sort_by(|&a, &b| metrics[a].id.cmp(&metrics[b].id));
    let position: Vec<usize> = {
        let mut p = vec![0; metrics.len()];
        for (new, &old) in order.iter().enumerate() {
            p[old] = new;
        }
        p
    };
    let metrics: Vec<ViewMetric> = order.iter().map(|&i| metrics[i].clone()).collect();
    let mut notes: Vec<String> = history.problems.iter().map(|p| p.to_string()).collect();
    let mut rows = Vec::new();
    for c in &history.commits {
        for run in &c.runs {
            let mut values = vec![None; metrics.len()];
            for m in &run.metrics {
                let Some(&i) = index.get(&m.id) else { continue };
                let slot = position[i];
                let target = metrics[slot].unit;
                if m.failure.is_some() || !m.value.is_finite() {
                    continue;
                }
                values[slot] = if m.unit == target {
                    Some(m.value)
                } else if m.unit.dimension() == target.dimension() {
                    // Twelve significant digits: 0.2532 ms is 253200 ns, not 253199.99999999997.
                    let converted = m.value * m.unit.to_base() / target.to_base();
                    Some(format!("{converted:.11e}").parse().unwrap_or(converted))
                } else {
                    notes.push(format!(
                        "{} on {} is in {} but newer runs use {}; that value is left out",
                        m.id,
                        short_sha(&c.commit),
                        m.unit,
                        target
                    ));
                    None
                };
            }
            rows.push(ViewRow {
                commit: c.commit.clone(),
                subject: c.subject.clone(),
                commit_time: c.commit_time.clone(),
                suite: run.suite.clone(),
                time: run.time.clone(),
                values,
            });
        }
    }
    if let Some(stop) = &history.stopped {
        notes.push(stop.to_string());
    }
    HistoryView {
        start: history.start.clone(),
        metrics,
        rows,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Unit};
    use crate::report::history::{json, markdown, terminal};

    fn sample_history() -> History {
        use crate::model::{Metric, ResultsFile};
        use crate::store::{HistoryCommit, RunSummary, WalkStop};
        let commit = |i: usize, values: &[(&str, f64, Unit)], suite: &str| {
            let mut f = ResultsFile::new();
            f.time = Some(format!("2026-03-{:02}T12:00:00Z", 10 + i));
            for (id, v, unit) in values {
                f.metrics
                    .push(Metric::new(*id, *unit, Direction::Lower, *v));
            }
            let sha = format!("{i:x}").repeat(40);
            HistoryCommit {
                commit: sha.clone(),
                subject: format!("Merge pull request #{} from @dev/fix | speed", 100 + i),
                commit_time: format!("2026-03-{:02}T11:00:00Z", 10 + i),
                runs: vec![RunSummary::from_results(&sha, suite, &f)],
            }
        };
        History {
            start: "f".repeat(40),
            commits: vec![
                commit(
                    3,
                    &[
                        ("criterion/parse/1000", 261_500.0, Unit::Nanoseconds),
                        ("criterion/fib 20", 21_000.0, Unit::Nanoseconds),
                    ],
                    "default",
                ),
                commit(
                    2,
                    &[
                        ("criterion/parse/1000", 0.2532, Unit::Milliseconds),
                        ("criterion/fib 20", 20_800.0, Unit::Nanoseconds),
                    ],
                    "default",
                ),
                commit(
                    1,
                    &[("criterion/parse/1000", 250_000.0, Unit::Nanoseconds)],
                    "default",
                ),
            ],
            problems: vec![crate::store::EntryProblem {
                commit: "0".repeat(40),
                suite: "default".into(),
                message: "not JSON: EOF while parsing".into(),
            }],
            stopped: Some(WalkStop::Shallow {
                boundary: "1".repeat(40),
                fetch: "git fetch --deepen=200 origin".into(),
            }),
            walked: 3,
        }
    }

    #[test]
    fn history_renderings() {
        let view = history_view(&sample_history(), |id| id.starts_with("criterion/"));
        // The older value in ms is converted to the newest unit.
        assert_eq!(view.series(1)[1].1, 253_200.0);
        insta::assert_snapshot!("history_terminal", terminal(&view));
        insta::assert_snapshot!("history_markdown", markdown(&view));
        insta::assert_snapshot!("history_json", json(&view));
    }

    #[test]
    fn history_renderings_when_empty() {
        let mut h = sample_history();
        h.commits.clear();
        h.problems.clear();
        h.stopped = None;
        let view = history_view(&h, |_| true);
        insta::assert_snapshot!("history_terminal_empty", terminal(&view));
        let view = history_view(&sample_history(), |id| id.starts_with("k6/"));
        insta::assert_snapshot!("history_markdown_no_match", markdown(&view));
    }
}
