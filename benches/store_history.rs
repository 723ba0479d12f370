//! How long `history` and calibration take to read a long stored history: 1,000 commits × 500
//! metrics (target: well under a second). The repository is built once, outside the
//! measurement.

use std::hint::black_box;
use std::path::Path;

use cargo_perf_budget::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use cargo_perf_budget::store::{calibration_for, GitStore, HistoryQuery};
use criterion::{criterion_group, criterion_main, Criterion};
use git2::{Repository, Signature};

const COMMITS: usize = 1_000;
const METRICS: usize = 500;

/// A repository with `COMMITS` commits on `main`, each with stored results of `METRICS` metrics
/// (20 samples each: `history` reads only the per-run summaries, so the sample count changes
/// the size of the stored results, not what is measured), built with git2 directly.
fn build_repo(dir: &Path) -> String {
    let repo = Repository::init(dir).expect("init");
    repo.set_head("refs/heads/main").expect("head");
    let sig = Signature::now("Bench", "bench@example.com").expect("sig");
    let tree = repo
        .find_tree(
            repo.treebuilder(None)
                .and_then(|b| b.write())
                .expect("tree"),
        )
        .expect("tree");
    let store = GitStore::open(dir).expect("store");
    let mut parent: Option<git2::Oid> = None;
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    for i in 0..COMMITS {
        let parents: Vec<git2::Commit<'_>> = parent
            .map(|p| repo.find_commit(p).expect("parent"))
            .into_iter()
            .collect();
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let oid = repo
            .commit(
                Some("HEAD"),
                &sig,
                &sig,
                &format!("change {i}"),
                &tree,
                &refs,
            )
            .expect("commit");
        parent = Some(oid);
        let mut r = ResultsFile::new();
        for m in 0..METRICS {
            let base = 1000.0 * (1.0 + m as f64);
            let samples: Vec<f64> = (0..20).map(|_| base * (1.0 + 0.03 * noise())).collect();
            r.metrics.push(
                Metric::new(
                    format!("criterion/group{}/bench{m}", m % 10),
                    Unit::Nanoseconds,
                    Direction::Lower,
                    base,
                )
                .with_samples(SampleKind::Iterations, samples),
            );
        }
        store.save(&oid.to_string(), "default", &r).expect("save");
    }
    parent.expect("commits").to_string()
}

fn history(c: &mut Criterion) {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let head = build_repo(dir.path());
    let store = GitStore::open(dir.path()).expect("store");
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.bench_function("history_1000_commits_500_metrics", |b| {
        b.iter(|| {
            let h = store.history(&HistoryQuery::default()).expect("history");
            assert_eq!(h.commits.len(), COMMITS);
            black_box(h)
        })
    });
    group.bench_function("calibration_50_runs_500_metrics", |b| {
        b.iter(|| {
            let (noise, trends) =
                calibration_for(dir.path(), &head, "default", "main", 50).expect("calibration");
            assert_eq!(noise.len(), METRICS);
            black_box((noise, trends))
        })
    });
    group.finish();
}

criterion_group!(benches, history);
criterion_main!(benches);
