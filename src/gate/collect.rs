//! Carrying out a [`Plan`]: both sides' results, how the base was obtained, and the notes the
//! report gives about it.

use std::collections::BTreeSet;

use anyhow::Context;

use super::measure::Measure;
use super::plan::{BasePlan, HeadPlan, Plan};
use super::store::Store;
use crate::budget::evaluate::BaselineSource;
use crate::budget::{
    BudgetFile, DivanConfig, GungraunConfig, HyperfineConfig, LighthouseConfig, SizeConfig,
};
use crate::model::{Environment, ResultsFile};
use crate::report::format::short_sha;
use crate::runner::shard::Shard;

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
    /// The interleaved criterion rounds, each round's own results (base, head), for more
    /// rounds to be pooled with; empty when the benches were not interleaved.
    pub bench_rounds: Vec<(u32, ResultsFile, ResultsFile)>,
    /// How long the interleaved benches took (build included).
    pub bench_time: std::time::Duration,
}

/// Collects both sides as `plan` says: head first (measured here, interleaved with the base or
/// alone, or read from files), then the base's own files, then what the store must add.
pub fn collect(
    budget: &BudgetFile,
    plan: &Plan,
    measure: &dyn Measure,
    store: &dyn Store,
) -> anyhow::Result<Collected> {
    let pages = plan.interleaved_pages(budget);
    let mut c = Collected {
        base: ResultsFile::new(),
        head: ResultsFile::new(),
        source: BaselineSource::Store,
        notes: Vec::new(),
        stored_base: BTreeSet::new(),
        stored_environment: None,
        bench_rounds: Vec::new(),
        bench_time: std::time::Duration::ZERO,
    };
    let mut measured_here = false;
    match &plan.head {
        HeadPlan::Files(files) => c.head = read_files(files, "head")?,
        HeadPlan::Measure if plan.interleaves() => {
            measured_here = interleave(budget, plan, measure, &pages, &mut c)?;
        }
        HeadPlan::Measure => c.head = head_only(budget, measure)?,
    }
    if c.head.commit.is_none() && plan.head == HeadPlan::Measure {
        c.head.commit = measure.head_commit();
    }

    let base_commit = match &plan.base {
        BasePlan::Files(paths) => {
            merge(&mut c.base, read_files(paths, "base")?, "base")?;
            match (interleaved_pair(&c.base, &c.head), c.base.commit.clone()) {
                // Both sides measured in one job, interleaved (shards of `check` in rerun mode):
                // an interleaved pair, and what they did not measure comes from the store.
                (true, Some(commit)) => {
                    c.notes.push(
                        "base and head files name each other as measured interleaved in one job: compared as interleaved pairs".into(),
                    );
                    measured_here = true;
                    commit
                }
                _ => {
                    c.source = BaselineSource::File;
                    return Ok(c);
                }
            }
        }
        BasePlan::Itself => {
            c.source = BaselineSource::Rerun;
            return Ok(c);
        }
        BasePlan::Rerun(commit) | BasePlan::Store(commit) => commit.clone(),
    };
    c.source = if measured_here {
        BaselineSource::Rerun
    } else {
        BaselineSource::Store
    };
    if c.head
        .metrics
        .iter()
        .any(|m| c.base.metric(&m.id).is_none())
    {
        // A store that cannot be read leaves those metrics new when most of the base was
        // measured here, or when the project has no benches to compare at all; otherwise it
        // would leave the gate without a base, which is an error.
        let tolerate =
            measured_here || (plan.head == HeadPlan::Measure && budget.criterion.is_none());
        match store.base_results(&base_commit, &budget.settings.suite, &mut c.notes) {
            Ok(Some((commit, stored))) => {
                take_stored(&base_commit, commit, stored, &pages, measured_here, &mut c)
            }
            Ok(None) => c.notes.push(format!(
                "no stored results for base {} or its recent ancestors: metrics not measured in this job are new (save results on main with `cargo perf-budget run`)",
                short_sha(&base_commit)
            )),
            Err(e) if tolerate => c.notes.push(format!("result store unavailable: {e}")),
            Err(e) => {
                return Err(anyhow::Error::from(e)
                    .context("reading the base results from the store"))
            }
        }
    }
    // Outside a rerun every base metric is a separate run anyway.
    if c.source != BaselineSource::Rerun {
        c.stored_base.clear();
    }
    Ok(c)
}

/// Base and head measured here, interleaved: the criterion benches, the pages `check` can
/// serve on both sides, then head's other tables. True when anything was interleaved.
fn interleave(
    budget: &BudgetFile,
    plan: &Plan,
    measure: &dyn Measure,
    pages: &[&LighthouseConfig],
    c: &mut Collected,
) -> anyhow::Result<bool> {
    gungraun_ready(budget, measure)?;
    let rerun = plan.rerun_commit();
    let mut measured_here = false;
    c.head.environment = Environment::detect();
    if let Some(criterion) = &budget.criterion {
        let started = std::time::Instant::now();
        let r = measure.benches_interleaved(criterion, rerun, plan.rounds, &[], 1)?;
        c.bench_time = started.elapsed();
        c.bench_rounds = r.per_round;
        c.notes.extend(r.notes);
        merge(&mut c.head, r.head, "head")?;
        merge(&mut c.base, r.base, "base")?;
        measured_here = true;
    }
    // Split over shards, every table but criterion's runs in one shard (a fixed hash of its
    // name), so that the merged shards hold its metrics once.
    let mine = |table: String| plan.shard.is_none_or(|s| s.contains(&table));
    for page in pages.iter().filter(|p| mine(page_key(p))) {
        let r = measure.page_interleaved(page, rerun)?;
        merge(&mut c.head, r.head, "head")?;
        merge(&mut c.base, r.base, "base")?;
        measured_here = true;
    }
    // Sizes that say how to build them are built and weighed on both sides (no interleaving:
    // a byte count does not depend on the machine); the others take their base from the store.
    for size in budget
        .sizes
        .iter()
        .filter(|s| s.build.is_some() && mine(size_key(s)))
    {
        let head = measure.size(size, None)?;
        let base = match rerun {
            Some(commit) => measure.size(size, Some(commit))?,
            // A/A: the same build on both sides.
            None => head.clone(),
        };
        merge(&mut c.head, head, "head")?;
        merge(&mut c.base, base, "base")?;
        measured_here = true;
    }
    // gungraun benches run on both sides, one side after the other: an instruction count does
    // not depend on the machine's load, so there is nothing to interleave.
    for gungraun in budget.gungraun.iter().filter(|g| mine(gungraun_key(g))) {
        let head = measure.gungraun(gungraun, None)?;
        let base = match rerun {
            Some(commit) => measure.gungraun(gungraun, Some(commit))?,
            // A/A: the same counts on both sides (a second run gives the same instructions).
            None => head.clone(),
        };
        merge(&mut c.head, head, "head")?;
        merge(&mut c.base, base, "base")?;
        measured_here = true;
    }
    // hyperfine and divan tables: both sides built in their own tree, then run interleaved in
    // rounds like the criterion benches.
    let hyperfine: Vec<&HyperfineConfig> = budget
        .hyperfine
        .iter()
        .filter(|h| mine(format!("hyperfine/{}", h.name)))
        .collect();
    let divan: Vec<&DivanConfig> = budget
        .divan
        .iter()
        .filter(|d| mine(format!("divan/{}", d.benches.join(","))))
        .collect();
    for hf in &hyperfine {
        let r = measure.hyperfine_interleaved(hf, rerun, plan.rounds)?;
        merge(&mut c.head, r.head, "head")?;
        merge(&mut c.base, r.base, "base")?;
        c.notes.push(format!(
            "hyperfine {:?}: base and head timed in this job, {} interleaved round(s) of {} run(s) a side, in the order of the criterion rounds",
            hf.name, plan.rounds, hf.runs
        ));
        measured_here = true;
    }
    for dv in &divan {
        let rounds = plan.rounds.max(crate::runner::divan::MIN_ROUNDS);
        let r = measure.divan_interleaved(dv, rerun, rounds)?;
        merge(&mut c.head, r.head, "head")?;
        merge(&mut c.base, r.base, "base")?;
        c.notes.push(format!(
            "divan {}: base and head built once each and run in {rounds} interleaved round(s) (at least {}), each round's median a sample",
            dv.benches.join(", "),
            crate::runner::divan::MIN_ROUNDS
        ));
        measured_here = true;
    }
    measure.base_done();
    if !budget.lighthouse.is_empty() {
        c.notes
            .extend(lighthouse_notes(budget, plan.base == BasePlan::Itself));
    }
    merge(
        &mut c.head,
        tools(budget, measure, pages, true, plan.shard)?,
        "head",
    )?;
    if c.base.commit.is_none() && (!hyperfine.is_empty() || !divan.is_empty()) {
        // Measured on both sides here without criterion: the base is the planned commit.
        c.base.commit = rerun.map(str::to_string).or_else(|| measure.head_commit());
        c.base.environment = Environment::detect();
    }
    if c.base.commit.is_none() && !pages.is_empty() {
        // Only pages were interleaved: the base is the planned commit (HEAD in A/A).
        c.base.commit = rerun.map(str::to_string).or_else(|| measure.head_commit());
        c.base.environment = Environment::detect();
    }
    Ok(measured_here)
}

/// Results files merged into one side.
fn read_files(paths: &[std::path::PathBuf], side: &str) -> anyhow::Result<ResultsFile> {
    let mut out = ResultsFile::new();
    for path in paths {
        let file = ResultsFile::load(path)
            .with_context(|| format!("reading the {side} results {}", path.display()))?;
        merge(&mut out, file, side)?;
    }
    Ok(out)
}

/// Gives every head metric without a base the stored one of `commit` (the base commit or its
/// nearest ancestor with results), except pages measured on both sides here.
fn take_stored(
    base_commit: &str,
    commit: String,
    stored: ResultsFile,
    pages: &[&LighthouseConfig],
    measured_here: bool,
    c: &mut Collected,
) {
    if commit != base_commit {
        c.notes.push(format!(
            "base {} has no stored results; used its nearest ancestor with results, {}",
            short_sha(base_commit),
            short_sha(&commit)
        ));
    }
    let stored_env = stored.environment.clone();
    for m in stored.metrics {
        // A page measured on both sides here never takes a stored base, not even for a metric
        // the base's runs did not give (that metric is then new).
        let page_here = pages
            .iter()
            .any(|lh| m.id.starts_with(&format!("lighthouse/{}/", lh.name)));
        if c.base.metric(&m.id).is_none() && c.head.metric(&m.id).is_some() && !page_here {
            c.stored_base.insert(m.id.clone());
            c.base.metrics.push(m);
        }
    }
    if measured_here {
        c.stored_environment = Some(stored_env);
    } else {
        c.base.commit = Some(commit);
        c.base.environment = stored_env;
        c.source = BaselineSource::Store;
    }
}

/// HEAD measured once: criterion benches, every Lighthouse table, every k6 table.
pub(super) fn head_only(budget: &BudgetFile, measure: &dyn Measure) -> anyhow::Result<ResultsFile> {
    gungraun_ready(budget, measure)?;
    let mut head = ResultsFile::new();
    head.environment = Environment::detect();
    if let Some(criterion) = &budget.criterion {
        merge(&mut head, measure.benches(criterion)?, "head")?;
    }
    merge(&mut head, tools(budget, measure, &[], false, None)?, "head")?;
    Ok(head)
}

/// A missing valgrind or gungraun-runner stops the gate before the long measurements, not after.
fn gungraun_ready(budget: &BudgetFile, measure: &dyn Measure) -> anyhow::Result<()> {
    for gungraun in &budget.gungraun {
        measure.gungraun_ready(gungraun)?;
    }
    Ok(())
}

/// A table's key in the split over shards.
fn page_key(page: &LighthouseConfig) -> String {
    format!("lighthouse/{}", page.name)
}

/// See [`page_key`].
fn size_key(size: &SizeConfig) -> String {
    format!("size/{}", size.name)
}

/// See [`page_key`].
fn gungraun_key(gungraun: &GungraunConfig) -> String {
    format!("gungraun/{}", gungraun.benches.join(","))
}

/// HEAD's Lighthouse tables (but those in `done`, measured already), k6 tables and sizes (but
/// those with a `build` when `sizes_done`); of `shard`'s share of the tables when given.
fn tools(
    budget: &BudgetFile,
    measure: &dyn Measure,
    done: &[&LighthouseConfig],
    sizes_done: bool,
    shard: Option<Shard>,
) -> anyhow::Result<ResultsFile> {
    let mine = |table: String| shard.is_none_or(|s| s.contains(&table));
    let mut out = ResultsFile::new();
    for page in &budget.lighthouse {
        if done.iter().any(|d| std::ptr::eq(*d, page)) || !mine(page_key(page)) {
            continue;
        }
        merge(&mut out, measure.page(page)?, "head")?;
    }
    for k6 in budget.k6.iter().filter(|k| mine(format!("k6/{}", k.name))) {
        merge(&mut out, measure.load_test(k6)?, "head")?;
    }
    for size in &budget.sizes {
        if !(sizes_done && size.build.is_some()) && mine(size_key(size)) {
            merge(&mut out, measure.size(size, None)?, "head")?;
        }
    }
    // In a rerun (`sizes_done`) gungraun, hyperfine and divan were measured on both sides
    // already.
    if !sizes_done {
        for gungraun in &budget.gungraun {
            merge(&mut out, measure.gungraun(gungraun, None)?, "head")?;
        }
        for hf in &budget.hyperfine {
            merge(&mut out, measure.hyperfine(hf)?, "head")?;
        }
        for dv in &budget.divan {
            merge(&mut out, measure.divan(dv)?, "head")?;
        }
    }
    Ok(out)
}

/// Whether two files (each possibly merged from shards) say they were measured interleaved with
/// each other: the head names the base's commit and the base the head's.
fn interleaved_pair(base: &ResultsFile, head: &ResultsFile) -> bool {
    let names = |file: &ResultsFile, other: &ResultsFile| {
        file.interleaved_with.is_some() && file.interleaved_with == other.commit
    };
    names(base, head) && names(head, base)
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
