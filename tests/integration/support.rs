//! Shared test support: seeded samples and results files written to temp dirs.

use std::path::{Path, PathBuf};

use cargo_perf_budget::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use rand::{rngs::SmallRng, Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};

/// `n` lognormal samples around `center` with log-sd `sd`, seeded.
pub fn lognormal(center: f64, sd: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let d = LogNormal::new(center.ln(), sd).expect("valid lognormal");
    (0..n)
        .map(|_| {
            let v: f64 = d.sample(&mut rng);
            // A few spikes, as preemption and GC pauses make them.
            if rng.random::<f64>() < 0.02 {
                v * 2.5
            } else {
                v
            }
        })
        .collect()
}

/// A criterion-like metric with 100 per-iteration samples, taken in five rounds of 20 as a
/// rerun records them (outside a rerun the rounds are not looked at).
pub fn bench(id: &str, center: f64, seed: u64) -> Metric {
    let mut m = Metric::new(id, Unit::Nanoseconds, Direction::Lower, center)
        .with_samples(SampleKind::Iterations, lognormal(center, 0.03, 100, seed));
    m.rounds = (0..100).map(|i| i / 20 + 1).collect();
    m
}

/// Writes a results file with these metrics and returns its path.
pub fn write_results(dir: &Path, name: &str, commit: &str, metrics: Vec<Metric>) -> PathBuf {
    let mut f = ResultsFile::new();
    f.commit = Some(commit.into());
    f.time = Some("2026-11-25T12:00:00Z".into());
    f.metrics = metrics;
    let path = dir.join(name);
    f.save(&path).expect("writes results");
    path
}

/// The binary under test, invoked as cargo does.
pub fn cli() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("cargo-perf-budget").expect("binary built");
    cmd.arg("perf-budget")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_EVENT_PATH")
        .env("NO_COLOR", "1");
    cmd
}
