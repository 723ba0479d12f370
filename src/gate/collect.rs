//! Carrying out a [`Plan`]: both sides' results, how the base was obtained, and the notes the
//! report gives about it.

use std::collections::BTreeSet;

use anyhow::Context;

use super::measure::Measure;
use super::plan::{BasePlan, HeadPlan, Plan};
use super::store::Store;
use crate::budget::evaluate::BaselineSource;
use crate::budget::{BudgetFile, LighthouseConfig};
use crate::model::{Environment, ResultsFile};
use crate::report::format::short_sha;

/// Base and head results, how the base was obtained, notes for the report, and the metrics whose
/// base came from the store in a rerun.
#[derive(Debug)]
pub struct Collected {
    /// The base side.
    pub base: ResultsFile,
    /// The head side.
    pub head: ResultsFile,
    /// How base and head are paired.
    pub source: BaselineSource,
    /// What the report says about where the results came from.
    pub notes: Vec<String>,
    /// Metrics whose base came from the store although the rest was rerun here.
    pub stored_base: BTreeSet<String>,
    /// Where that stored run was measured.
    pub stored_environment: Option<Environment>,
}

/// Collects both sides as `plan` says.
pub fn collect(
    budget: &BudgetFile,
    plan: &Plan,
    measure: &dyn Measure,
    store: &dyn Store,
) -> anyhow::Result<Collected> {
    let mut notes = Vec::new();
    let mut base = ResultsFile::new();
    let mut measured_here = false;
    let pages = plan.interleaved_pages(budget);

    let mut head = match &plan.head {
        HeadPlan::Files(files) => {
            let mut head = ResultsFile::new();
            for path in files {
                let file = ResultsFile::load(path)
                    .with_context(|| format!("reading the head results {}", path.display()))?;
                merge(&mut head, file, "head")?;
            }
            head
        }
        HeadPlan::Measure if plan.interleaves() => {
            let rerun = plan.rerun_commit();
            let mut head = ResultsFile::new();
            head.environment = Environment::detect();
            if let Some(criterion) = &budget.criterion {
                let r = measure.benches_interleaved(criterion, rerun, plan.rounds)?;
                notes.extend(r.notes);
                merge(&mut head, r.head, "head")?;
                merge(&mut base, r.base, "base")?;
                measured_here = true;
            }
            for page in &pages {
                let r = measure.page_interleaved(page, rerun)?;
                merge(&mut head, r.head, "head")?;
                merge(&mut base, r.base, "base")?;
                measured_here = true;
            }
            measure.base_done();
            if !budget.lighthouse.is_empty() {
                notes.extend(lighthouse_notes(budget, plan.base == BasePlan::Itself));
            }
            merge(&mut head, tools(budget, measure, &pages)?, "head")?;
            if base.commit.is_none() && !pages.is_empty() {
                // Only pages were interleaved: the base is the planned commit (HEAD in A/A).
                base.commit = rerun.map(str::to_string).or_else(|| measure.head_commit());
                base.environment = Environment::detect();
            }
            head
        }
        HeadPlan::Measure => head_only(budget, measure)?,
    };
    if head.commit.is_none() && plan.head == HeadPlan::Measure {
        head.commit = measure.head_commit();
    }

    let base_commit = match &plan.base {
        BasePlan::File(path) => {
            let file = ResultsFile::load(path).context("reading the base results (--base)")?;
            return Ok(Collected {
                base: file,
                head,
                source: BaselineSource::File,
                notes,
                stored_base: BTreeSet::new(),
                stored_environment: None,
            });
        }
        BasePlan::Itself => {
            return Ok(Collected {
                base,
                head,
                source: BaselineSource::Rerun,
                notes,
                stored_base: BTreeSet::new(),
                stored_environment: None,
            })
        }
        BasePlan::Rerun(commit) | BasePlan::Store(commit) => commit,
    };

    // Metrics this job did not measure on the base (k6, pages it cannot serve, or every metric
    // in store mode) come from the stored results of the base commit.
    let mut stored_base = BTreeSet::new();
    let mut stored_environment = None;
    let mut source = if measured_here {
        BaselineSource::Rerun
    } else {
        BaselineSource::Store
    };
    if head.metrics.iter().any(|m| base.metric(&m.id).is_none()) {
        // A store that cannot be read leaves those metrics new when most of the base was
        // measured here, or when the project has no benches to compare at all; otherwise it
        // would leave the gate without a base, which is an error.
        let tolerate =
            measured_here || (plan.head == HeadPlan::Measure && budget.criterion.is_none());
        match store.base_results(base_commit, &budget.settings.suite, &mut notes) {
            Ok(Some((commit, stored))) => {
                if commit != *base_commit {
                    notes.push(format!(
                        "base {} has no stored results; used its nearest ancestor with results, {}",
                        short_sha(base_commit),
                        short_sha(&commit)
                    ));
                }
                let stored_env = stored.environment.clone();
                for m in stored.metrics {
                    // A page measured on both sides here never takes a stored base, not even
                    // for a metric the base's runs did not give (that metric is then new).
                    let page_here = pages
                        .iter()
                        .any(|lh| m.id.starts_with(&format!("lighthouse/{}/", lh.name)));
                    if base.metric(&m.id).is_none() && head.metric(&m.id).is_some() && !page_here {
                        stored_base.insert(m.id.clone());
                        base.metrics.push(m);
                    }
                }
                if measured_here {
                    stored_environment = Some(stored_env);
                } else {
                    base.commit = Some(commit);
                    base.environment = stored_env;
                    source = BaselineSource::Store;
                }
            }
            Ok(None) => notes.push(format!(
                "no stored results for base {} or its recent ancestors: metrics not measured in this job are new (save results on main with `cargo perf-budget run`)",
                short_sha(base_commit)
            )),
            Err(e) if tolerate => notes.push(format!("result store unavailable: {e}")),
            Err(e) => {
                return Err(anyhow::Error::from(e)
                    .context("reading the base results from the store"))
            }
        }
    }
    // Outside a rerun every base metric is a separate run anyway.
    if source != BaselineSource::Rerun {
        stored_base.clear();
    }
    Ok(Collected {
        base,
        head,
        source,
        notes,
        stored_base,
        stored_environment,
    })
}

/// HEAD measured once: criterion benches, every Lighthouse table, every k6 table.
pub(super) fn head_only(budget: &BudgetFile, measure: &dyn Measure) -> anyhow::Result<ResultsFile> {
    let mut head = ResultsFile::new();
    head.environment = Environment::detect();
    if let Some(criterion) = &budget.criterion {
        merge(&mut head, measure.benches(criterion)?, "head")?;
    }
    merge(&mut head, tools(budget, measure, &[])?, "head")?;
    Ok(head)
}

/// HEAD's Lighthouse tables (but those in `done`, measured already) and k6 tables.
fn tools(
    budget: &BudgetFile,
    measure: &dyn Measure,
    done: &[&LighthouseConfig],
) -> anyhow::Result<ResultsFile> {
    let mut out = ResultsFile::new();
    for page in &budget.lighthouse {
        if done.iter().any(|d| std::ptr::eq(*d, page)) {
            continue;
        }
        merge(&mut out, measure.page(page)?, "head")?;
    }
    for k6 in &budget.k6 {
        merge(&mut out, measure.load_test(k6)?, "head")?;
    }
    Ok(out)
}

fn merge(into: &mut ResultsFile, from: ResultsFile, side: &str) -> anyhow::Result<()> {
    into.merge(from)
        .map_err(|e| anyhow::anyhow!("{side} results: {e}"))
}

/// Which pages were measured on both sides in this job and which take their base from the
/// result store, for the report's notes (rerun mode only).
fn lighthouse_notes(budget: &BudgetFile, aa: bool) -> Vec<String> {
    let describe = |lh: &LighthouseConfig| match &lh.url {
        Some(url) => format!("{:?} ({url})", lh.name),
        None => format!("{:?}", lh.name),
    };
    let (both, stored): (Vec<&LighthouseConfig>, Vec<&LighthouseConfig>) = budget
        .lighthouse
        .iter()
        .partition(|lh| crate::runner::lighthouse::can_interleave(lh));
    let mut notes = Vec::new();
    if !both.is_empty() {
        let runs = |lh: &LighthouseConfig| lh.runs.unwrap_or(0);
        let pages: Vec<String> = both
            .iter()
            .map(|lh| format!("{} ({} runs a side)", describe(lh), runs(lh)))
            .collect();
        notes.push(format!(
            "Lighthouse {}: base and head measured in this job, interleaved (base, head, head, base, …), each served by `serve` from its own checkout",
            pages.join(", ")
        ));
    }
    if !stored.is_empty() {
        let pages: Vec<String> = stored.iter().map(|lh| describe(lh)).collect();
        let whence = if aa {
            "have no base in an A/A check"
        } else {
            "take their base from the result store"
        };
        notes.push(format!(
            "Lighthouse {} {whence}: only head can be measured here (set `url`, `runs` and `serve` to measure the base in this job too)",
            pages.join(", ")
        ));
    }
    notes
}
