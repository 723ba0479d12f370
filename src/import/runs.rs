//! Several files of a tool that prints one value per benchmark (libtest, BMF, custom JSON): a
//! benchmark found in several files is measured once per file, so its values become the samples
//! of one metric ([`SampleKind::Runs`], the median as its value) and few-runs statistics apply.
//! A benchmark found in one file only keeps its single value: one file per harness can be
//! imported together.

use std::path::{Path, PathBuf};

use super::ImportError;
use crate::model::{Metric, ResultsFile, SampleKind};
use crate::stats::describe::median;

/// Pools the metrics read from each file (in the order given) into one results file.
pub fn pool(files: Vec<(PathBuf, Vec<Metric>)>) -> Result<ResultsFile, ImportError> {
    let total = files.len();
    // Per id: the first metric seen, the values of each file holding it, and those files.
    let mut pooled: Vec<(Metric, Vec<f64>, Vec<&Path>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (path, metrics) in &files {
        for m in metrics {
            match index.get(&m.id) {
                None => {
                    index.insert(m.id.clone(), pooled.len());
                    pooled.push((m.clone(), vec![m.value], vec![path.as_path()]));
                }
                Some(&i) => {
                    let (first, values, seen) = &mut pooled[i];
                    if seen.last() == Some(&path.as_path()) {
                        return Err(ImportError::format(
                            path,
                            format!("benchmark {:?} appears twice in this file", m.id),
                        ));
                    }
                    if first.unit != m.unit || first.direction != m.direction {
                        return Err(ImportError::format(
                            path,
                            format!(
                                "benchmark {:?} is in {} ({}) here but in {} ({}) in {}; runs of one benchmark must agree",
                                m.id,
                                m.unit,
                                m.direction,
                                first.unit,
                                first.direction,
                                seen[0].display()
                            ),
                        ));
                    }
                    values.push(m.value);
                    seen.push(path.as_path());
                }
            }
        }
    }
    let mut results = ResultsFile::new();
    for (mut metric, values, seen) in pooled {
        if values.len() > 1 {
            if values.len() < total {
                results.warnings.push(format!(
                    "{}: in {} of {} files (missing from {}); its runs are the files that have it",
                    metric.id,
                    values.len(),
                    total,
                    files
                        .iter()
                        .map(|(p, _)| p.as_path())
                        .filter(|p| !seen.contains(p))
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            metric.value = median(&values);
            metric = metric.with_samples(SampleKind::Runs, values);
        }
        results.metrics.push(metric);
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Unit};

    fn m(id: &str, v: f64) -> Metric {
        Metric::new(id, Unit::Nanoseconds, Direction::Lower, v)
    }

    #[test]
    fn shared_ids_become_runs_and_the_rest_stay_single() {
        let r = pool(vec![
            ("a".into(), vec![m("x", 1.0), m("only-a", 5.0)]),
            ("b".into(), vec![m("x", 3.0)]),
            ("c".into(), vec![m("x", 2.0), m("y", 7.0)]),
        ])
        .unwrap();
        let x = r.metric("x").unwrap();
        assert_eq!(x.samples, vec![1.0, 3.0, 2.0]);
        assert_eq!(x.value, 2.0);
        assert_eq!(x.sample_kind, Some(SampleKind::Runs));
        assert!(r.metric("only-a").unwrap().samples.is_empty());
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn a_twice_listed_id_and_disagreeing_units_are_errors() {
        let err = pool(vec![("a".into(), vec![m("x", 1.0), m("x", 2.0)])]).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        let mut ms = m("x", 1.0);
        ms.unit = Unit::Milliseconds;
        let err = pool(vec![
            ("a".into(), vec![m("x", 1.0)]),
            ("b".into(), vec![ms]),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("b:") && err.contains("ms"), "{err}");
    }

    #[test]
    fn a_benchmark_missing_from_some_runs_is_said() {
        let r = pool(vec![
            ("a".into(), vec![m("x", 1.0)]),
            ("b".into(), vec![m("x", 3.0)]),
            ("c".into(), vec![m("y", 2.0)]),
        ])
        .unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("2 of 3") && r.warnings[0].contains('c'));
    }
}
