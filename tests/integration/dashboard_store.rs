//! A git repository with a stored history for the dashboard tests: 12 commits on `main`, each
//! with results of three metrics (per-iteration samples, a runner name); `criterion/parse/1000`
//! steps up by 20 % at the commit [`STEP`] and stays there, the others stay flat.

use std::path::Path;

use cargo_perf_budget::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use cargo_perf_budget::store::GitStore;
use git2::{Repository, Signature};

/// Commits with results.
pub const COMMITS: usize = 12;
/// Index (oldest first) of the commit whose results are 20 % slower than those before it.
pub const STEP: usize = 7;
/// Every metric id stored.
pub const METRICS: [&str; 3] = [
    "criterion/fib 20",
    "criterion/parse/1000",
    "lighthouse/home/largest-contentful-paint",
];

/// Seeded lognormal-ish samples without a random-number crate: a fixed, deterministic scatter.
fn samples(center: f64, n: usize, seed: u64) -> Vec<f64> {
    (0..n as u64)
        .map(|i| {
            let mut x = (i + 1)
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(seed);
            x ^= x >> 29;
            x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x ^= x >> 32;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            center * (0.04 * u).exp()
        })
        .collect()
}

/// Creates the repository in `dir` with its stored results; returns the commit SHAs, oldest
/// first.
pub fn seed(dir: &Path) -> Vec<String> {
    let repo = Repository::init(dir).expect("git init");
    repo.set_head("refs/heads/main").expect("set HEAD");
    let sig = Signature::now("Dev", "dev@example.com").expect("signature");
    let store = GitStore::open(dir).expect("open store");
    let mut shas = Vec::new();
    for i in 0..COMMITS {
        std::fs::write(dir.join("src.txt"), format!("version {i}\n")).expect("write");
        let mut index = repo.index().expect("index");
        index.add_path(Path::new("src.txt")).expect("add");
        index.write().expect("write index");
        let tree = repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("tree");
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let sha = repo
            .commit(
                Some("HEAD"),
                &sig,
                &sig,
                &format!("change {i}"),
                &tree,
                &parents,
            )
            .expect("commit")
            .to_string();
        let mut f = ResultsFile::new();
        f.commit = Some(sha.clone());
        f.time = Some(format!("2026-11-{:02}T12:00:00Z", i + 1));
        f.environment.runner = Some("ci-runner-7".into());
        let parse = if i < STEP { 250_000.0 } else { 300_000.0 };
        let seed = i as u64 * 10;
        let metric = |id: &str, unit: Unit, center: f64, n: usize, kind: SampleKind, salt: u64| {
            let values = samples(center, n, seed + salt);
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            Metric::new(id, unit, Direction::Lower, mean).with_samples(kind, values)
        };
        f.metrics = vec![
            metric(
                METRICS[0],
                Unit::Nanoseconds,
                20_000.0,
                50,
                SampleKind::Iterations,
                1,
            ),
            metric(
                METRICS[1],
                Unit::Nanoseconds,
                parse,
                50,
                SampleKind::Iterations,
                2,
            ),
            metric(
                METRICS[2],
                Unit::Milliseconds,
                1200.0,
                3,
                SampleKind::Runs,
                3,
            ),
        ];
        store.save(&sha, "default", &f).expect("save results");
        shas.push(sha);
    }
    shas
}
