//! The gate's plan carried out against a fake project and an in-memory store: which side of
//! which metric comes from where, what is calibrated, what is noted, what is an error.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use super::measure::Measure;
use super::plan::{BasePlan, HeadPlan, Plan};
use super::store::{Calibration, Store};
use crate::budget::evaluate::BaselineSource;
use crate::budget::{
    BudgetFile, CriterionConfig, GungraunConfig, K6Config, LighthouseConfig, SizeConfig,
};
use crate::budget::{DivanConfig, HyperfineConfig};
use crate::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use crate::report::Verdict;
use crate::runner::lighthouse::InterleavedResults;
use crate::runner::rerun::RerunResults;
use crate::store::StoreError;

const BASE: &str = "1111111111111111111111111111111111111111";
const OLDER: &str = "2222222222222222222222222222222222222222";
const HEAD: &str = "3333333333333333333333333333333333333333";

fn budget(extra: &str) -> BudgetFile {
    let text = format!(
        "[criterion]\n\n[[k6]]\nname = \"api\"\nsummary = \"k6.json\"\n\n[[budget]]\nmetric = \"**\"\nmax-regression = \"5%\"\n{extra}"
    );
    crate::budget::parse::parse(&text, Path::new("budgets.toml")).unwrap()
}

/// A benchmark measured in 3 rounds of 10 samples around `center`.
fn bench(center: f64) -> Metric {
    let samples: Vec<f64> = (0..30)
        .map(|i| center * (1.0 + 0.002 * f64::from(i % 7) - 0.006))
        .collect();
    let mut m = Metric::new(
        "criterion/parse",
        Unit::Nanoseconds,
        Direction::Lower,
        center,
    )
    .with_samples(SampleKind::Iterations, samples);
    m.rounds = (0..30).map(|i| i / 10 + 1).collect();
    m
}

fn k6(value: f64) -> Metric {
    Metric::new(
        "k6/api/http_req_duration/p95",
        Unit::Milliseconds,
        Direction::Lower,
        value,
    )
}

fn file(commit: Option<&str>, metrics: Vec<Metric>) -> ResultsFile {
    let mut f = ResultsFile::new();
    f.commit = commit.map(str::to_string);
    f.metrics = metrics;
    f
}

/// A project whose every measurement is canned; it records what was asked of it.
#[derive(Default)]
struct FakeProject {
    calls: RefCell<Vec<String>>,
    /// head/base factor of the benchmark.
    slower: f64,
    /// head/base factor of each interleaved round (the rest: `slower`), for adaptive rounds.
    round_factors: Vec<f64>,
    /// `[[gungraun]]` cannot run (no valgrind).
    no_valgrind: bool,
}

/// One round's own results: `bench` around `center`, 10 samples, all of round `round`.
fn round_file(center: f64, round: u32) -> ResultsFile {
    let mut m = bench(center);
    m.samples.truncate(10);
    m.rounds = vec![round; 10];
    file(None, vec![m])
}

impl Measure for FakeProject {
    fn benches(&self, _: &CriterionConfig) -> anyhow::Result<ResultsFile> {
        self.calls.borrow_mut().push("benches".into());
        Ok(file(None, vec![bench(100.0 * self.slower)]))
    }

    fn benches_interleaved(
        &self,
        _: &CriterionConfig,
        base: Option<&str>,
        rounds: u32,
        only: &[String],
        first_round: u32,
    ) -> anyhow::Result<RerunResults> {
        let mut call = format!("interleaved {} x{rounds}", base.unwrap_or("A/A"));
        if first_round > 1 {
            call.push_str(&format!(" from {first_round} only {only:?}"));
        }
        self.calls.borrow_mut().push(call);
        let per_round: Vec<(u32, ResultsFile, ResultsFile)> = (first_round..first_round + rounds)
            .map(|n| {
                let factor = self
                    .round_factors
                    .get(n as usize - 1)
                    .copied()
                    .unwrap_or(self.slower);
                (n, round_file(100.0, n), round_file(100.0 * factor, n))
            })
            .collect();
        let pool = |side: fn(&(u32, ResultsFile, ResultsFile)) -> ResultsFile| {
            crate::runner::rerun::pool_rounds(per_round.iter().map(|r| (r.0, side(r))).collect())
        };
        let mut base_file = pool(|r| r.1.clone());
        base_file.commit = Some(base.unwrap_or(HEAD).to_string());
        let mut head_file = pool(|r| r.2.clone());
        head_file.commit = Some(HEAD.to_string());
        Ok(RerunResults {
            base: base_file,
            head: head_file,
            notes: vec!["rerun note".into()],
            per_round,
        })
    }

    fn page_interleaved(
        &self,
        page: &LighthouseConfig,
        _: Option<&str>,
    ) -> anyhow::Result<InterleavedResults> {
        anyhow::bail!("page {} was not planned to be interleaved", page.name)
    }

    fn page(&self, page: &LighthouseConfig) -> anyhow::Result<ResultsFile> {
        anyhow::bail!("page {} is not in the budget", page.name)
    }

    fn load_test(&self, k: &K6Config) -> anyhow::Result<ResultsFile> {
        self.calls.borrow_mut().push(format!("k6 {}", k.name));
        let mut m = k6(250.0);
        m.id = format!("k6/{}/http_req_duration/p95", k.name);
        Ok(file(None, vec![m]))
    }

    fn size(&self, size: &SizeConfig, base: Option<&str>) -> anyhow::Result<ResultsFile> {
        self.calls
            .borrow_mut()
            .push(format!("size {} {}", size.name, base.unwrap_or("head")));
        let mut m = Metric::new(
            format!("size/{}/bytes", size.name),
            Unit::Bytes,
            Direction::Lower,
            if base.is_some() {
                1000.0
            } else {
                1000.0 * self.slower
            },
        );
        m.exact = true;
        Ok(file(None, vec![m]))
    }

    fn gungraun_ready(&self, g: &GungraunConfig) -> anyhow::Result<()> {
        self.calls
            .borrow_mut()
            .push(format!("gungraun ready {}", g.benches.join(",")));
        match self.no_valgrind {
            true => anyhow::bail!("[[gungraun]]: valgrind not found"),
            false => Ok(()),
        }
    }

    fn gungraun(&self, g: &GungraunConfig, base: Option<&str>) -> anyhow::Result<ResultsFile> {
        self.calls.borrow_mut().push(format!(
            "gungraun {} {}",
            g.benches.join(","),
            base.unwrap_or("head")
        ));
        // `mix` does `slower` times the instructions on head; `checksum` never changes.
        let count = |id: &str, value: f64| {
            let mut m = Metric::new(
                format!("gungraun/{}/{id}/Ir", g.benches[0]),
                Unit::Count,
                Direction::Lower,
                value,
            );
            m.exact = true;
            m
        };
        let factor = if base.is_some() { 1.0 } else { self.slower };
        Ok(file(
            None,
            vec![count("mix", 10_000.0 * factor), count("checksum", 5_000.0)],
        ))
    }

    fn hyperfine(&self, hf: &HyperfineConfig) -> anyhow::Result<ResultsFile> {
        self.calls
            .borrow_mut()
            .push(format!("hyperfine {}", hf.name));
        Ok(file(
            None,
            vec![timed("hyperfine/parse", 0.01 * self.slower, 1)],
        ))
    }

    fn hyperfine_interleaved(
        &self,
        hf: &HyperfineConfig,
        base: Option<&str>,
        rounds: u32,
    ) -> anyhow::Result<InterleavedResults> {
        self.calls.borrow_mut().push(format!(
            "hyperfine {} interleaved {} x{rounds}",
            hf.name,
            base.unwrap_or("A/A")
        ));
        Ok(InterleavedResults {
            base: file(None, vec![timed("hyperfine/parse", 0.01, rounds)]),
            head: file(
                None,
                vec![timed("hyperfine/parse", 0.01 * self.slower, rounds)],
            ),
        })
    }

    fn divan(&self, dv: &DivanConfig) -> anyhow::Result<ResultsFile> {
        self.calls
            .borrow_mut()
            .push(format!("divan {}", dv.benches.join(",")));
        Ok(file(None, vec![divan_row(25.0 * self.slower, 0)]))
    }

    fn divan_interleaved(
        &self,
        dv: &DivanConfig,
        base: Option<&str>,
        rounds: u32,
    ) -> anyhow::Result<InterleavedResults> {
        self.calls.borrow_mut().push(format!(
            "divan {} interleaved {} x{rounds}",
            dv.benches.join(","),
            base.unwrap_or("A/A")
        ));
        Ok(InterleavedResults {
            base: file(None, vec![divan_row(25.0, rounds)]),
            head: file(None, vec![divan_row(25.0 * self.slower, rounds)]),
        })
    }

    fn head_commit(&self) -> Option<String> {
        Some(HEAD.into())
    }
}

/// A hyperfine command timed in `rounds` rounds of 10 runs around `center` seconds (one run
/// without rounds when `rounds` is 1 and not interleaved).
fn timed(id: &str, center: f64, rounds: u32) -> Metric {
    let n = 10 * rounds.max(1);
    let samples: Vec<f64> = (0..n)
        .map(|i| center * (1.0 + 0.004 * f64::from(i % 5) - 0.008))
        .collect();
    let mut m = Metric::new(id, Unit::Seconds, Direction::Lower, center)
        .with_samples(SampleKind::Iterations, samples);
    m.rounds = (0..n).map(|i| i / 10 + 1).collect();
    m
}

/// A divan benchmark: one median (`rounds` 0), or one median a round around `center` ns.
fn divan_row(center: f64, rounds: u32) -> Metric {
    let m = Metric::new(
        "divan/walltime/mix",
        Unit::Nanoseconds,
        Direction::Lower,
        center,
    );
    if rounds == 0 {
        return m;
    }
    let samples: Vec<f64> = (0..rounds)
        .map(|r| center * (1.0 + 0.01 * f64::from(r % 3) - 0.01))
        .collect();
    let mut m = m.with_samples(SampleKind::Runs, samples);
    m.rounds = (1..=rounds).collect();
    m
}

/// The result store in memory: results by commit, and whether reading it fails.
#[derive(Default)]
struct MemoryStore {
    results: HashMap<String, ResultsFile>,
    broken: bool,
    calibrations: RefCell<usize>,
}

impl Store for MemoryStore {
    fn base_results(
        &self,
        commit: &str,
        _suite: &str,
        _skipped: &mut Vec<String>,
    ) -> Result<Option<(String, ResultsFile)>, StoreError> {
        if self.broken {
            return Err(StoreError::NoStore {
                hint: String::new(),
            });
        }
        // The base itself, else its parent OLDER.
        Ok([commit, OLDER]
            .iter()
            .find_map(|c| self.results.get(*c).map(|r| (c.to_string(), r.clone()))))
    }

    fn calibration(&self, _: &str, _: &str, _: &str, _: usize) -> Result<Calibration, StoreError> {
        *self.calibrations.borrow_mut() += 1;
        Ok(Calibration::default())
    }
}

/// A project whose head benchmark is `slower` times the base's.
fn project(slower: f64) -> FakeProject {
    FakeProject {
        slower,
        ..FakeProject::default()
    }
}

/// A store that cannot be read.
fn broken_store() -> MemoryStore {
    MemoryStore {
        broken: true,
        ..MemoryStore::default()
    }
}

fn stored(commit: &str) -> MemoryStore {
    let mut store = MemoryStore::default();
    store.results.insert(
        commit.into(),
        file(Some(commit), vec![bench(100.0), k6(240.0)]),
    );
    store
}

fn plan(base: BasePlan) -> Plan {
    Plan {
        head: HeadPlan::Measure,
        base,
        rounds: 3,
        shard: None,
        seed: 1,
    }
}

#[test]
fn a_rerun_measures_the_benches_interleaved_and_takes_only_k6_from_the_store() {
    let project = project(1.0);
    let store = stored(BASE);
    let budget = budget("");
    let c = super::collect::collect(
        &budget,
        &plan(BasePlan::Rerun(BASE.into())),
        &project,
        &store,
    )
    .unwrap();
    assert_eq!(
        *project.calls.borrow(),
        [format!("interleaved {BASE} x3"), "k6 api".to_string()]
    );
    assert_eq!(c.source, BaselineSource::Rerun);
    assert_eq!(
        c.stored_base.iter().collect::<Vec<_>>(),
        ["k6/api/http_req_duration/p95"],
        "only the metric not measured here takes a stored base"
    );
    assert!(c.stored_environment.is_some());
    assert_eq!(c.base.commit.as_deref(), Some(BASE));
    assert_eq!(c.head.commit.as_deref(), Some(HEAD));
    assert_eq!(c.notes, ["rerun note"]);
}

#[test]
fn a_rerun_with_a_broken_store_leaves_k6_new_and_says_why() {
    let project = project(1.0);
    let store = broken_store();
    let gated = super::run(
        &budget("[settings]\nunmatched = \"warn\"\n"),
        &plan(BasePlan::Rerun(BASE.into())),
        false,
        &project,
        &store,
    )
    .unwrap();
    let k6 = gated
        .report
        .results
        .iter()
        .find(|r| r.id.starts_with("k6/"))
        .unwrap();
    assert_eq!(k6.status, crate::report::Status::New);
    assert!(
        gated
            .report
            .notes
            .iter()
            .any(|n| n.contains("result store unavailable")),
        "{:?}",
        gated.report.notes
    );
}

#[test]
fn store_mode_measures_head_once_and_reads_the_nearest_stored_ancestor() {
    let project = project(1.5);
    let store = stored(OLDER);
    let gated = super::run(
        &budget(""),
        &plan(BasePlan::Store(BASE.into())),
        false,
        &project,
        &store,
    )
    .unwrap();
    assert_eq!(*project.calls.borrow(), ["benches", "k6 api"]);
    assert_eq!(gated.report.base.commit.as_deref(), Some(OLDER));
    assert!(
        gated.report.notes[0].contains("nearest ancestor"),
        "{:?}",
        gated.report.notes
    );
    assert_eq!(
        *store.calibrations.borrow(),
        1,
        "separate runs are calibrated"
    );
    // +50 % on the benchmark: the store's base is compared, and fails.
    assert_eq!(gated.report.verdict, Verdict::Fail);
}

#[test]
fn store_mode_without_a_readable_store_is_an_error_not_a_pass() {
    let project = project(1.0);
    let store = broken_store();
    let err = super::run(
        &budget(""),
        &plan(BasePlan::Store(BASE.into())),
        false,
        &project,
        &store,
    )
    .unwrap_err();
    assert!(
        format!("{err:#}").contains("reading the base results from the store"),
        "{err:#}"
    );
}

#[test]
fn a_a_never_reads_the_store_and_interleaves_head_with_itself() {
    let project = project(1.0);
    let store = broken_store();
    let c = super::collect::collect(
        &budget("[settings]\nunmatched = \"warn\"\n"),
        &plan(BasePlan::Itself),
        &project,
        &store,
    )
    .unwrap();
    assert_eq!(*project.calls.borrow(), ["interleaved A/A x3", "k6 api"]);
    assert_eq!(c.source, BaselineSource::Rerun);
    assert!(c.base.metric("k6/api/http_req_duration/p95").is_none());
}

#[test]
fn head_results_from_files_measure_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    file(Some(HEAD), vec![bench(100.0)]).save(&a).unwrap();
    file(None, vec![k6(240.0)]).save(&b).unwrap();
    let project = FakeProject::default();
    let store = stored(BASE);
    let plan = Plan {
        head: HeadPlan::Files(vec![a, b]),
        base: BasePlan::Store(BASE.into()),
        rounds: 3,
        shard: None,
        seed: 1,
    };
    let gated = super::run(&budget(""), &plan, false, &project, &store).unwrap();
    assert!(project.calls.borrow().is_empty(), "{:?}", project.calls);
    assert_eq!(
        gated.head.metrics.len(),
        2,
        "both files are merged into one head"
    );
    assert_eq!(gated.report.verdict, Verdict::Pass);
}

#[test]
fn the_plan_refuses_what_cannot_be_done() {
    let budget = budget("");
    let dir = tempfile::tempdir().unwrap();
    let request = super::plan::Request {
        head_files: vec!["head.json".into()],
        aa: true,
        ..Default::default()
    };
    let err = Plan::resolve(&request, &budget, dir.path()).unwrap_err();
    assert!(err.to_string().contains("--aa"), "{err}");
    let request = super::plan::Request {
        rounds: Some(0),
        ..Default::default()
    };
    let err = Plan::resolve(&request, &budget, dir.path()).unwrap_err();
    assert!(err.to_string().contains("--rounds"), "{err}");
    // A file base needs no repository.
    let request = super::plan::Request {
        base_files: vec!["base.json".into()],
        ..Default::default()
    };
    let plan = Plan::resolve(&request, &budget, dir.path()).unwrap();
    assert_eq!(plan.base, BasePlan::Files(vec!["base.json".into()]));
    assert!(!plan.interleaves());
}

#[test]
fn inconclusive_benchmarks_get_more_rounds_and_each_look_pays_for_itself() {
    // The rounds disagree (+60 %, +5 %, +150 %): three rounds cannot decide; the next ones
    // agree on +100 %.
    let project = FakeProject {
        slower: 2.0,
        round_factors: vec![1.6, 1.05, 2.5],
        ..FakeProject::default()
    };
    let budget = budget("[settings]\nunmatched = \"warn\"\nmax-rounds = 9\n");
    let gated = super::run(
        &budget,
        &plan(BasePlan::Rerun(BASE.into())),
        false,
        &project,
        &stored(BASE),
    )
    .unwrap();
    let calls = project.calls.borrow();
    assert_eq!(calls[0], format!("interleaved {BASE} x3"));
    assert_eq!(calls[1], "k6 api");
    assert_eq!(
        calls[2],
        format!("interleaved {BASE} x3 from 4 only [\"parse\"]"),
        "{calls:?}"
    );
    let row = gated
        .report
        .results
        .iter()
        .find(|r| r.id == "criterion/parse")
        .unwrap();
    assert_eq!(row.status, crate::report::Status::Fail, "{row:#?}");
    assert!(
        row.details.rounds.as_ref().is_some_and(|r| r.len() >= 6),
        "{row:#?}"
    );
    // Three looks planned (3, 6, 9 rounds): each at α / 3.
    assert!((gated.report.method.alpha - 0.05 / 3.0).abs() < 1e-12);
    assert!(
        gated
            .report
            .notes
            .iter()
            .any(|n| n.contains("adaptive rounds") && n.contains("α / 3")),
        "{:?}",
        gated.report.notes
    );
}

#[test]
fn without_max_rounds_nothing_more_is_run_and_alpha_is_whole() {
    let project = FakeProject {
        slower: 2.0,
        round_factors: vec![1.6, 1.05, 2.5],
        ..FakeProject::default()
    };
    let gated = super::run(
        &budget("[settings]\nunmatched = \"warn\"\n"),
        &plan(BasePlan::Rerun(BASE.into())),
        false,
        &project,
        &stored(BASE),
    )
    .unwrap();
    assert_eq!(project.calls.borrow().len(), 2, "{:?}", project.calls);
    assert_eq!(gated.report.method.alpha, 0.05);
    let row = gated
        .report
        .results
        .iter()
        .find(|r| r.id == "criterion/parse")
        .unwrap();
    assert_eq!(row.status, crate::report::Status::Inconclusive, "{row:#?}");
}

#[test]
fn sizes_with_a_build_are_weighed_on_both_sides_and_decided_as_exact_bytes() {
    let project = project(1.03);
    let budget = budget(
        "[settings]\nunmatched = \"warn\"\n\n[[size]]\nname = \"app\"\nfiles = [\"app\"]\nbuild = \"true\"\n\n[[size]]\nname = \"docs\"\nfiles = [\"docs.tar\"]\n",
    );
    let gated = super::run(
        &budget,
        &plan(BasePlan::Rerun(BASE.into())),
        false,
        &project,
        &stored(BASE),
    )
    .unwrap();
    let calls = project.calls.borrow();
    assert!(calls.contains(&"size app head".to_string()), "{calls:?}");
    assert!(calls.contains(&format!("size app {BASE}")), "{calls:?}");
    assert!(calls.contains(&"size docs head".to_string()), "{calls:?}");
    assert!(
        !calls.contains(&format!("size docs {BASE}")),
        "no build: base from the store"
    );
    let row = gated
        .report
        .results
        .iter()
        .find(|r| r.id == "size/app/bytes")
        .unwrap();
    assert_eq!(row.method, "exact");
    assert_eq!(
        row.status,
        crate::report::Status::Pass,
        "+3 % within 5 %: {row:#?}"
    );
}

#[test]
fn gungraun_benches_run_on_both_sides_in_a_rerun_and_only_the_grown_count_fails() {
    // `mix` does a fifth more instructions on head.
    let gungraun = |base: BasePlan| {
        let project = project(1.2);
        let budget = budget(
            "[settings]\nunmatched = \"warn\"\n\n[[gungraun]]\nbenches = [\"instructions\"]\n",
        );
        let gated = super::run(&budget, &plan(base), false, &project, &stored(BASE)).unwrap();
        let calls = project.calls.borrow().clone();
        (gated, calls)
    };
    let (gated, calls) = gungraun(BasePlan::Rerun(BASE.into()));
    assert!(
        calls.contains(&"gungraun instructions head".to_string()),
        "{calls:?}"
    );
    assert!(
        calls.contains(&format!("gungraun instructions {BASE}")),
        "{calls:?}"
    );
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("gungraun instructions"))
            .count(),
        2,
        "once a side, not again among head's tools: {calls:?}"
    );
    let status = |id: &str| {
        let row = gated.report.results.iter().find(|r| r.id == id).unwrap();
        (row.status, row.method.clone())
    };
    assert_eq!(
        status("gungraun/instructions/mix/Ir"),
        (crate::report::Status::Fail, "exact".to_string())
    );
    assert_eq!(
        status("gungraun/instructions/checksum/Ir").0,
        crate::report::Status::Pass
    );

    // Head alone (the base from the store): run once, on head.
    let (_, calls) = gungraun(BasePlan::Store(BASE.into()));
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("gungraun"))
            .collect::<Vec<_>>(),
        ["gungraun ready instructions", "gungraun instructions head"]
    );
}

#[test]
fn a_gungraun_table_that_cannot_run_stops_the_gate_before_anything_is_measured() {
    let project = FakeProject {
        no_valgrind: true,
        ..project(1.0)
    };
    let budget = budget("\n[[gungraun]]\nbenches = [\"instructions\"]\n");
    let err = super::collect::collect(
        &budget,
        &plan(BasePlan::Rerun(BASE.into())),
        &project,
        &stored(BASE),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("valgrind not found"), "{err:#}");
    assert_eq!(*project.calls.borrow(), ["gungraun ready instructions"]);

    // `run` (head alone) stops as early.
    let alone = FakeProject {
        no_valgrind: true,
        ..FakeProject::default()
    };
    let err = super::measure_head(&budget, &alone).unwrap_err();
    assert!(format!("{err:#}").contains("valgrind not found"), "{err:#}");
    assert_eq!(*alone.calls.borrow(), ["gungraun ready instructions"]);
}

#[test]
fn split_over_shards_each_gungraun_table_runs_in_exactly_one() {
    let budget = budget(
        "\n[[gungraun]]\nbenches = [\"a\"]\n\n[[gungraun]]\nbenches = [\"b\"]\n\n[[gungraun]]\nbenches = [\"c\"]\n",
    );
    let mut runs = Vec::new();
    for index in 1..=2 {
        let project = project(1.0);
        let mut plan = plan(BasePlan::Rerun(BASE.into()));
        plan.shard = Some(crate::runner::shard::Shard { index, count: 2 });
        super::collect::collect(&budget, &plan, &project, &stored(BASE)).unwrap();
        runs.extend(
            project
                .calls
                .borrow()
                .iter()
                .filter(|c| {
                    c.starts_with("gungraun") && c.ends_with(" head") && !c.contains("ready")
                })
                .cloned(),
        );
    }
    runs.sort();
    assert_eq!(
        runs,
        ["gungraun a head", "gungraun b head", "gungraun c head"],
        "each table once over both shards"
    );
}

#[test]
fn split_over_shards_every_table_but_criterion_runs_in_exactly_one() {
    let budget = budget(
        "\n[[k6]]\nname = \"web\"\nsummary = \"web.json\"\n\n[[size]]\nname = \"app\"\nfiles = [\"app\"]\nbuild = \"true\"\n\n[[size]]\nname = \"lib\"\nfiles = [\"lib\"]\nbuild = \"true\"\n\n[[size]]\nname = \"assets\"\nfiles = [\"assets\"]\n",
    );
    let mut runs = Vec::new();
    let mut benches = 0;
    for index in 1..=2 {
        let project = project(1.0);
        let mut plan = plan(BasePlan::Rerun(BASE.into()));
        plan.shard = Some(crate::runner::shard::Shard { index, count: 2 });
        super::collect::collect(&budget, &plan, &project, &stored(BASE)).unwrap();
        let calls = project.calls.borrow();
        benches += calls
            .iter()
            .filter(|c| c.starts_with("interleaved"))
            .count();
        runs.extend(
            calls
                .iter()
                .filter(|c| c.starts_with("k6") || c.starts_with("size"))
                .cloned(),
        );
    }
    runs.sort();
    assert_eq!(
        runs,
        [
            "k6 api",
            "k6 web",
            &format!("size app {BASE}"),
            "size app head",
            "size assets head",
            &format!("size lib {BASE}"),
            "size lib head",
        ],
        "each table once over both shards"
    );
    assert_eq!(
        benches, 2,
        "criterion's benches are split, so every shard runs its share"
    );
}

#[test]
fn hyperfine_and_divan_are_interleaved_in_a_rerun_and_measured_once_on_head_otherwise() {
    let text = "[[hyperfine]]\nname = \"cli\"\ncommands = { parse = \"./app parse\" }\n\n[[divan]]\nbenches = [\"walltime\"]\n";
    let slower = project(1.2);
    let budget = budget(text);
    let mut rerun = plan(BasePlan::Rerun(BASE.into()));
    rerun.rounds = 6;
    let gated = super::run(&budget, &rerun, false, &slower, &stored(BASE)).unwrap();
    let calls = slower.calls.borrow().clone();
    assert!(
        calls.contains(&format!("hyperfine cli interleaved {BASE} x6"))
            && calls.contains(&format!("divan walltime interleaved {BASE} x6")),
        "{calls:?}"
    );
    assert!(
        !calls.contains(&"hyperfine cli".to_string())
            && !calls.contains(&"divan walltime".to_string()),
        "measured on both sides, not again on head alone: {calls:?}"
    );
    let status = |id: &str| {
        gated
            .report
            .results
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.status)
    };
    assert_eq!(status("hyperfine/parse"), Some(crate::report::Status::Fail));
    assert_eq!(
        status("divan/walltime/mix"),
        Some(crate::report::Status::Fail)
    );
    assert!(
        gated
            .report
            .notes
            .iter()
            .any(|n| n.starts_with("divan walltime")),
        "{:?}",
        gated.report.notes
    );

    // A/A: both tables interleaved with head itself, and the same code passes.
    let same = project(1.0);
    let aa = super::run(
        &budget,
        &plan(BasePlan::Itself),
        false,
        &same,
        &MemoryStore::default(),
    )
    .unwrap();
    assert_eq!(aa.report.verdict, Verdict::Pass, "{:#?}", aa.report.results);
    assert!(same
        .calls
        .borrow()
        .contains(&"divan walltime interleaved A/A x5".to_string()));

    // Store mode: head alone, once each.
    let once = project(1.0);
    super::run(
        &budget,
        &plan(BasePlan::Store(BASE.into())),
        false,
        &once,
        &stored(BASE),
    )
    .unwrap();
    let calls = once.calls.borrow();
    assert!(
        calls.contains(&"hyperfine cli".to_string())
            && calls.contains(&"divan walltime".to_string()),
        "{calls:?}"
    );
}

#[test]
fn hyperfine_and_divan_tables_run_in_exactly_one_shard() {
    let text = "[settings]\nunmatched = \"warn\"\n\n[[hyperfine]]\nname = \"cli\"\ncommands = { parse = \"./app parse\" }\n\n[[divan]]\nbenches = [\"walltime\"]\n";
    let budget = budget(text);
    let (mut hyperfine, mut divan, mut mix) = (0, 0, 0);
    for index in 1..=2 {
        let fake = project(1.0);
        let mut sharded = plan(BasePlan::Rerun(BASE.into()));
        sharded.shard = Some(crate::runner::shard::Shard { index, count: 2 });
        let gated = super::run(&budget, &sharded, false, &fake, &stored(BASE)).unwrap();
        let calls = fake.calls.borrow();
        hyperfine += calls
            .iter()
            .filter(|c| c.starts_with("hyperfine cli interleaved"))
            .count();
        divan += calls
            .iter()
            .filter(|c| c.starts_with("divan walltime interleaved"))
            .count();
        mix += usize::from(gated.head.metric("divan/walltime/mix").is_some());
        // Never measured on head alone in a rerun.
        assert!(calls
            .iter()
            .all(|c| c != "divan walltime" && c != "hyperfine cli"));
    }
    assert_eq!(
        (hyperfine, divan, mix),
        (1, 1, 1),
        "each table once over both shards"
    );
}
