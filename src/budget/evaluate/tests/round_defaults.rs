//! The default number of rounds, at a fixed bench time: more, shorter rounds give the round-level
//! estimate more degrees of freedom; each round costs a warm-up and its samples are noisier.
//!
//! Model (log scale), per benchmark and side of a round: the machine's state of that moment,
//! normal with sd `round_sd` (0.5 % on a quiet runner, 3 % on a busy one), shared by the round's
//! samples; 100 samples a round (criterion's default sample size), each scattering by
//! `2 % · √(1.667 s / measurement)` (a sample's iterations fill the measurement time: half the
//! time, √2 the scatter). Every layout spends the same 8 s a side per benchmark, today's
//! `3 × (1 s warm-up + 1.667 s measurement)`. 20 benchmarks a PR, one of them +8 %, budget 5 %,
//! noise margin 1 %.

use super::*;

/// A way to spend the bench time: rounds, warm-up and measurement seconds per round.
#[derive(Clone, Copy, Debug)]
struct Layout {
    rounds: u32,
    warm_up: f64,
    measurement: f64,
}

/// Today's default: 3 rounds of 1 s warm-up and 1.667 s measurement.
const TODAY: Layout = Layout {
    rounds: 3,
    warm_up: 1.0,
    measurement: 1.667,
};

/// Layouts at today's time (8 s a side per benchmark).
const LAYOUTS: [Layout; 5] = [
    Layout {
        rounds: 2,
        warm_up: 1.0,
        measurement: 3.0,
    },
    TODAY,
    Layout {
        rounds: 4,
        warm_up: 0.5,
        measurement: 1.5,
    },
    Layout {
        rounds: 6,
        warm_up: 0.5,
        measurement: 0.833,
    },
    Layout {
        rounds: 8,
        warm_up: 0.25,
        measurement: 0.75,
    },
];

const BENCHMARKS: usize = 20;
const SAMPLES: usize = 100;

/// One PR: base and head of every benchmark; benchmark 0 is `slower` times slower on head.
fn pr(layout: Layout, round_sd: f64, slower: f64, seed: u64) -> (ResultsFile, ResultsFile) {
    let mut z = normals(seed);
    let scatter = 0.02 * (TODAY.measurement / layout.measurement).sqrt();
    let mut side = |id: &str, factor: f64| {
        let mut samples = Vec::new();
        let mut rounds = Vec::new();
        for round in 1..=layout.rounds {
            let machine = round_sd * z();
            for _ in 0..SAMPLES {
                samples.push(1000.0 * factor * (machine + scatter * z()).exp());
                rounds.push(round);
            }
        }
        let mut m = Metric::new(id, Unit::Nanoseconds, Direction::Lower, 1000.0 * factor)
            .with_samples(SampleKind::Iterations, samples);
        m.rounds = rounds;
        m
    };
    let ids: Vec<String> = (0..BENCHMARKS)
        .map(|i| format!("criterion/b{i:02}"))
        .collect();
    let base = file(ids.iter().map(|id| side(id, 1.0)).collect());
    let head = file(
        ids.iter()
            .enumerate()
            .map(|(i, id)| side(id, if i == 0 { slower } else { 1.0 }))
            .collect(),
    );
    (base, head)
}

/// Over `prs` PRs: the share where the +8 % benchmark failed, the share of unchanged benchmarks
/// that passed, and the PRs where an unchanged one failed.
fn rates(layout: Layout, round_sd: f64, prs: u64) -> (f64, f64, u64) {
    let b = relative("criterion/**", 0.05);
    let (mut caught, mut pass, mut alarms) = (0u64, 0usize, 0u64);
    for seed in 0..prs {
        let (base, head) = pr(layout, round_sd, 1.08, 500 + seed);
        let report = evaluate(&b, &base, &head, &EvalOptions::new(BaselineSource::Rerun)).unwrap();
        caught += u64::from(report.results[0].status == Status::Fail);
        pass += report.results[1..]
            .iter()
            .filter(|r| r.status == Status::Pass)
            .count();
        alarms += u64::from(report.results[1..].iter().any(|r| r.status == Status::Fail));
    }
    (
        caught as f64 / prs as f64,
        pass as f64 / (prs as usize * (BENCHMARKS - 1)) as f64,
        alarms,
    )
}

#[test]
fn every_layout_spends_todays_time() {
    for l in LAYOUTS {
        let spent = f64::from(l.rounds) * (l.warm_up + l.measurement);
        assert!((spent - 8.0).abs() < 0.01, "{l:?}: {spent} s");
    }
}

#[test]
fn the_default_rounds_catch_eight_percent_on_a_quiet_runner() {
    let (caught, pass, alarms) = rates(TODAY, 0.005, 30);
    assert!(caught >= 0.9, "+8 % caught in {caught}");
    assert!(pass >= 0.8, "unchanged passed {pass}");
    assert_eq!(alarms, 0);
}

/// The table behind the default (`cargo test --lib round_defaults -- --ignored --nocapture`).
#[test]
#[ignore = "prints the trade-off of rounds at a fixed time; slow in a debug build"]
fn rounds_at_a_fixed_time() {
    for (machine, round_sd) in [("quiet", 0.005), ("busy", 0.03)] {
        for l in LAYOUTS {
            let (caught, pass, alarms) = rates(l, round_sd, 100);
            eprintln!(
                "{machine} runner, {} rounds × ({} s + {} s): +8 % failed {:.0} %, unchanged passed {:.0} %, PRs with a false alarm {alarms} of 100",
                l.rounds,
                l.warm_up,
                l.measurement,
                100.0 * caught,
                100.0 * pass
            );
        }
    }
}
