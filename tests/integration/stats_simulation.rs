//! Detection quality on simulated CI noise (the noise models of statistics notes §5), seeded.
//!
//! One PR = 200 benchmarks × 100 samples per side, budget X = 5 %, noise margin δ = 1 %,
//! α = 0.05, Benjamini–Hochberg over the 200 checks; "alarm" = any [`Outcome::Regression`]
//! (a failed gate). Noise on the log scale:
//!
//! * i.i.d. lognormal, σ_w = 3 %; spikes: 2 % of samples × U(1.5, 4);
//! * 30 % of benchmarks bimodal with a +8 % slow mode, slow fraction per run ~ Beta(2, 6);
//! * run-to-run: machine shift (sd 1.5 %, shared by all benchmarks of a run), per-benchmark run
//!   effect (sd 1.3 %), slow AR(1) drift within the run (ρ = 0.95, sd 1 %).
//!
//! M7 (same job, interleaved, what `check` does by default): the run components, the drift path
//! and the mode mix are shared by base and head; a residual per-benchmark shift (sd 0.3 %) is not.
//! M5 (separate jobs): every run component is drawn independently per side.
//!
//! The rates are printed (`cargo test --test integration stats_simulation -- --nocapture`).
//! Sizes are fixed so debug and release builds test the same thing.

use cargo_perf_budget::stats::{
    compare_samples, decide, Correction, NoiseModel, Outcome, RelativeCheck,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, StandardNormal};

const BENCHMARKS: usize = 200;
const SAMPLES: usize = 100;
const BUDGET: f64 = 0.05;
const DELTA: f64 = 0.01;
const ALPHA: f64 = 0.05;
/// Benchmarks regressed in an A/B PR.
const REGRESSED: usize = 10;

const SIGMA_WITHIN: f64 = 0.03;
const SPIKE_P: f64 = 0.02;
const BIMODAL_SHARE: usize = 3; // of every 10 benchmarks
const SLOW_MODE: f64 = 0.08;
const MACHINE_SD: f64 = 0.015;
const BENCH_RUN_SD: f64 = 0.013;
const AR_RHO: f64 = 0.95;
const AR_SD: f64 = 0.01;
const RESIDUAL_SD: f64 = 0.003;

#[derive(Clone, Copy, PartialEq)]
enum Layout {
    /// M7: base and head interleaved in one job.
    Interleaved,
    /// M5: base and head measured in separate jobs.
    SeparateJobs,
}

fn normal(rng: &mut SmallRng) -> f64 {
    StandardNormal.sample(rng)
}

fn is_bimodal(bench: usize) -> bool {
    bench % 10 < BIMODAL_SHARE
}

/// The regressed benchmarks: spread over the suite, three of the ten bimodal like the suite.
fn is_regressed(bench: usize) -> bool {
    bench % 20 == (bench / 20) % 10 && bench / 20 < REGRESSED
}

/// What one run of one benchmark shares across its samples.
struct RunState {
    /// Machine shift + per-benchmark run effect (log scale).
    shift: f64,
    /// AR(1) drift path, one value per sample.
    drift: Vec<f64>,
    /// Probability of the slow mode in this run (0 for unimodal benchmarks).
    slow_fraction: f64,
}

fn run_state(rng: &mut SmallRng, machine: f64, bench: usize) -> RunState {
    let innovation = AR_SD * (1.0 - AR_RHO * AR_RHO).sqrt();
    let mut level = AR_SD * normal(rng);
    let drift = (0..SAMPLES)
        .map(|_| {
            level = AR_RHO * level + innovation * normal(rng);
            level
        })
        .collect();
    let slow_fraction = if is_bimodal(bench) {
        Beta::new(2.0, 6.0).expect("valid beta").sample(rng)
    } else {
        0.0
    };
    RunState {
        shift: machine + BENCH_RUN_SD * normal(rng),
        drift,
        slow_fraction,
    }
}

/// 100 per-iteration times of one side.
fn samples(rng: &mut SmallRng, base_level: f64, run: &RunState, offset: f64) -> Vec<f64> {
    (0..SAMPLES)
        .map(|j| {
            let mut log = base_level + offset + run.shift + run.drift[j];
            log += SIGMA_WITHIN * normal(rng);
            if rng.random_bool(SPIKE_P) {
                log += rng.random_range(1.5f64..4.0).ln();
            }
            if run.slow_fraction > 0.0 && rng.random_bool(run.slow_fraction) {
                log += SLOW_MODE.ln_1p();
            }
            log.exp()
        })
        .collect()
}

/// Head and base samples of every benchmark of one PR; `effect` is applied to the regressed ones.
fn simulate_pr(rng: &mut SmallRng, layout: Layout, effect: f64) -> Vec<(Vec<f64>, Vec<f64>)> {
    let machine_base = MACHINE_SD * normal(rng);
    let machine_head = match layout {
        Layout::Interleaved => machine_base,
        Layout::SeparateJobs => MACHINE_SD * normal(rng),
    };
    (0..BENCHMARKS)
        .map(|bench| {
            let level = (50.0 + 37.0 * bench as f64).ln();
            let base_run = run_state(rng, machine_base, bench);
            let (head_run, residual) = match layout {
                Layout::Interleaved => (None, RESIDUAL_SD * normal(rng)),
                Layout::SeparateJobs => (Some(run_state(rng, machine_head, bench)), 0.0),
            };
            let change = if is_regressed(bench) { effect } else { 0.0 };
            let head_offset = residual + change.ln_1p();
            let head = samples(
                rng,
                level,
                head_run.as_ref().unwrap_or(&base_run),
                head_offset,
            );
            let base = samples(rng, level, &base_run, 0.0);
            (head, base)
        })
        .collect()
}

/// Outcomes of one PR's checks, in benchmark order.
fn evaluate(pr: &[(Vec<f64>, Vec<f64>)], noise: Option<&[NoiseModel]>) -> Vec<Outcome> {
    let checks: Vec<RelativeCheck> = pr
        .iter()
        .enumerate()
        .map(|(i, (head, base))| {
            let model = noise.map(|n| &n[i]);
            let c = compare_samples(head, base, DELTA, ALPHA, model).expect("valid samples");
            RelativeCheck::from_comparison(&c, BUDGET)
        })
        .collect();
    decide(&checks, ALPHA, DELTA, Correction::BenjaminiHochberg)
        .into_iter()
        .map(|d| d.outcome)
        .collect()
}

struct Rates {
    prs: usize,
    /// PRs with at least one failing check among the unchanged benchmarks.
    prs_with_false_alarm: usize,
    /// Failing checks among unchanged benchmarks.
    false_fails: usize,
    /// Unchanged benchmarks called a regression at all (within budget or not).
    false_flags: usize,
    unchanged_checks: usize,
    /// Failing / significant checks among regressed benchmarks.
    regressed_fails: usize,
    regressed_significant: usize,
    regressed_checks: usize,
}

impl Rates {
    fn new() -> Rates {
        Rates {
            prs: 0,
            prs_with_false_alarm: 0,
            false_fails: 0,
            false_flags: 0,
            unchanged_checks: 0,
            regressed_fails: 0,
            regressed_significant: 0,
            regressed_checks: 0,
        }
    }

    fn run(seed: u64, prs: usize, layout: Layout, effect: f64) -> Rates {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut rates = Rates::new();
        for _ in 0..prs {
            let pr = simulate_pr(&mut rng, layout, effect);
            rates.add(&evaluate(&pr, None), effect);
        }
        rates
    }

    fn add(&mut self, outcomes: &[Outcome], effect: f64) {
        self.prs += 1;
        let mut alarm = false;
        for (bench, outcome) in outcomes.iter().enumerate() {
            let regressed = effect != 0.0 && is_regressed(bench);
            let fails = *outcome == Outcome::Regression;
            let flagged = matches!(
                outcome,
                Outcome::Regression | Outcome::RegressionWithinBudget
            );
            if regressed {
                self.regressed_checks += 1;
                self.regressed_fails += usize::from(fails);
                self.regressed_significant += usize::from(flagged);
            } else {
                self.unchanged_checks += 1;
                self.false_fails += usize::from(fails);
                self.false_flags += usize::from(flagged);
                alarm |= fails;
            }
        }
        self.prs_with_false_alarm += usize::from(alarm);
    }

    fn pr_false_alarm(&self) -> f64 {
        self.prs_with_false_alarm as f64 / self.prs as f64
    }

    fn power(&self) -> f64 {
        self.regressed_fails as f64 / self.regressed_checks.max(1) as f64
    }

    fn report(&self, label: &str) {
        eprintln!(
            "{label}: {} PRs; PR false alarm {:.1} % ({}); unchanged metrics failed {:.3} % \
             ({}/{}), flagged as regressions {:.3} %; regressed: failed {:.1} % ({}/{}), \
             significant {:.1} %",
            self.prs,
            100.0 * self.pr_false_alarm(),
            self.prs_with_false_alarm,
            100.0 * self.false_fails as f64 / self.unchanged_checks.max(1) as f64,
            self.false_fails,
            self.unchanged_checks,
            100.0 * self.false_flags as f64 / self.unchanged_checks.max(1) as f64,
            100.0 * self.power(),
            self.regressed_fails,
            self.regressed_checks,
            100.0 * self.regressed_significant as f64 / self.regressed_checks.max(1) as f64,
        );
    }
}

#[test]
fn stats_simulation_regressed_set_is_ten_with_three_bimodal() {
    let regressed: Vec<usize> = (0..BENCHMARKS).filter(|&b| is_regressed(b)).collect();
    assert_eq!(regressed.len(), REGRESSED, "{regressed:?}");
    assert_eq!(regressed.iter().filter(|&&b| is_bimodal(b)).count(), 3);
}

#[test]
fn stats_simulation_m7_unchanged_prs_rarely_alarm() {
    let rates = Rates::run(7_001, 60, Layout::Interleaved, 0.0);
    rates.report("M7 A/A");
    assert!(
        rates.pr_false_alarm() <= 0.02,
        "false alarm on too many unchanged PRs"
    );
}

#[test]
fn stats_simulation_m7_large_regressions_are_caught() {
    let plus15 = Rates::run(7_015, 20, Layout::Interleaved, 0.15);
    plus15.report("M7 +15 %");
    assert_eq!(plus15.power(), 1.0, "+15 % must always fail");
    let plus8 = Rates::run(7_008, 20, Layout::Interleaved, 0.08);
    plus8.report("M7 +8 %");
    assert!(plus8.power() >= 0.9, "+8 % must fail nearly always");
    for rates in [&plus15, &plus8] {
        assert!(
            rates.pr_false_alarm() <= 0.05,
            "unchanged benchmarks failed next to real ones"
        );
    }
}

#[test]
fn stats_simulation_m7_small_regressions_never_fail() {
    let plus2 = Rates::run(7_002, 20, Layout::Interleaved, 0.02);
    plus2.report("M7 +2 %");
    assert_eq!(
        plus2.regressed_fails, 0,
        "+2 % is within a 5 % budget: never a failure"
    );
    assert_eq!(plus2.prs_with_false_alarm, 0);
    // At exactly the budget the point estimate is above X about half the time.
    let plus5 = Rates::run(7_005, 20, Layout::Interleaved, 0.05);
    plus5.report("M7 +5 %");
    assert!(plus5.power() > 0.2 && plus5.power() < 0.8);
    assert!(plus5.regressed_significant as f64 / plus5.regressed_checks as f64 > 0.95);
}

/// Separate jobs (M5): the within-run rule alarms on most unchanged PRs; with the extra variance
/// calibrated from 30 A/A pairs per benchmark (§2.4) it stays under 5 %.
#[test]
fn stats_simulation_m5_needs_calibration() {
    let mut rng = SmallRng::seed_from_u64(5_005);
    // History: 30 A/A pairs in the same layout, each compared without a noise model.
    let aa_pairs = 30;
    let history = || -> Vec<Vec<f64>> {
        (0..BENCHMARKS)
            .map(|_| Vec::with_capacity(aa_pairs))
            .collect()
    };
    let (mut log_ratios, mut within_se2) = (history(), history());
    for _ in 0..aa_pairs {
        let pr = simulate_pr(&mut rng, Layout::SeparateJobs, 0.0);
        for (bench, (head, base)) in pr.iter().enumerate() {
            let c = compare_samples(head, base, DELTA, ALPHA, None).expect("valid samples");
            log_ratios[bench].push(c.log_ratio);
            within_se2[bench].push(c.se * c.se);
        }
    }
    let noise: Vec<NoiseModel> = (0..BENCHMARKS)
        .map(|b| {
            NoiseModel::from_aa(&log_ratios[b], &within_se2[b], "30 A/A pairs").expect("history")
        })
        .collect();
    let typical_sd = (noise.iter().map(|n| n.extra_var).sum::<f64>() / BENCHMARKS as f64).sqrt();
    eprintln!(
        "M5 calibrated extra sd of the log-ratio: {:.2} %",
        100.0 * typical_sd
    );

    let prs = 50;
    let (mut uncalibrated, mut calibrated) = (Rates::new(), Rates::new());
    for _ in 0..prs {
        let pr = simulate_pr(&mut rng, Layout::SeparateJobs, 0.0);
        uncalibrated.add(&evaluate(&pr, None), 0.0);
        calibrated.add(&evaluate(&pr, Some(&noise)), 0.0);
    }
    uncalibrated.report("M5 A/A, within-run only");
    calibrated.report("M5 A/A, calibrated");
    assert!(
        uncalibrated.pr_false_alarm() >= 0.5,
        "the uncalibrated rule should alarm a lot"
    );
    assert!(
        calibrated.pr_false_alarm() < 0.05,
        "calibration must control false alarms"
    );
}

/// Error rates (k6 `http_req_failed`) through the whole evaluation: the failure counts of each
/// side drawn from binomials. An unchanged rate must fail no more often than α (the test is exact
/// up to the normal approximation); a real +50 % must be caught.
mod error_rates {
    use std::path::Path;

    use cargo_perf_budget::budget::evaluate::{evaluate, BaselineSource, EvalOptions};
    use cargo_perf_budget::model::{
        Direction, Metric, Overdispersion, Proportion, ResultsFile, SampleKind, Unit,
    };
    use cargo_perf_budget::report::Status;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;
    use rand_distr::{Beta, Binomial, Distribution};

    const ID: &str = "k6/api/http_req_failed/rate";

    fn side(rng: &mut SmallRng, rate: f64, requests: u64) -> ResultsFile {
        counted(Binomial::new(requests, rate).unwrap().sample(rng), requests)
    }

    /// A run whose failures come in bursts: each 10 s window has its own failure probability,
    /// drawn from a Beta with mean `rate` (`concentration` = a + b; smaller is burstier). With
    /// `windows_kept` the per-window rates are kept as samples, as the k6 stream gives them.
    fn bursty_side(
        rng: &mut SmallRng,
        rate: f64,
        windows: usize,
        per_window: u64,
        concentration: f64,
        windows_kept: bool,
    ) -> ResultsFile {
        let beta = Beta::new(rate * concentration, (1.0 - rate) * concentration).unwrap();
        let mut failures = 0;
        let mut window_failures = Vec::new();
        for _ in 0..windows {
            let p: f64 = beta.sample(rng);
            let f = Binomial::new(per_window, p).unwrap().sample(rng);
            failures += f;
            window_failures.push(f);
        }
        let total = per_window * windows as u64;
        let p = failures as f64 / total as f64;
        let mut m = Metric::new(ID, Unit::Fraction, Direction::Lower, p);
        if windows_kept {
            // What the k6 stream importer records: the window rates, and the count-weighted
            // quasi-binomial dispersion of the failures across them.
            let rates: Vec<f64> = window_failures
                .iter()
                .map(|&f| f as f64 / per_window as f64)
                .collect();
            let pearson: f64 = rates
                .iter()
                .map(|r| per_window as f64 * (r - p).powi(2))
                .sum();
            let df = (windows - 1) as f64;
            m.overdispersion = Some(Overdispersion {
                factor: pearson / (df * p * (1.0 - p)),
                df,
            });
            m = m.with_samples(SampleKind::Windows, rates);
        }
        m.proportion = Some(Proportion { failures, total });
        let mut f = ResultsFile::new();
        f.metrics.push(m);
        f
    }

    fn budget() -> cargo_perf_budget::budget::BudgetFile {
        cargo_perf_budget::budget::parse(
            "[[budget]]\nmetric = \"k6/api/http_req_failed/rate\"\nmax-regression = \"10%\"\n",
            Path::new("budgets.toml"),
        )
        .unwrap()
    }

    /// Share of bursty PRs (12 windows of 2,000 requests a side) that fail.
    fn bursty_fail_rate(seed: u64, prs: usize, base: f64, head: f64, windows_kept: bool) -> f64 {
        let budget = budget();
        let opts = EvalOptions::new(BaselineSource::Store);
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut fails = 0;
        for _ in 0..prs {
            let b = bursty_side(&mut rng, base, 12, 2_000, 400.0, windows_kept);
            let h = bursty_side(&mut rng, head, 12, 2_000, 400.0, windows_kept);
            let report = evaluate(&budget, &b, &h, &opts).unwrap();
            if report.results[0].status == Status::Fail {
                fails += 1;
            }
        }
        fails as f64 / prs as f64
    }

    #[test]
    fn stats_simulation_bursty_failures_are_measured_from_the_windows_not_trusted_as_coin_flips() {
        // Failures in bursts (window rates vary ~6× more than coin flips): taken as independent
        // requests, an unchanged 1 % rate fails many PRs; with the stream's window rates the
        // over-dispersion is measured and the false-fail rate is back near α.
        let blind = bursty_fail_rate(11, 1_000, 0.01, 0.01, false);
        let seen = bursty_fail_rate(11, 1_000, 0.01, 0.01, true);
        println!(
            "bursty 1 % error rate, unchanged: {:.1} % of PRs fail as coin flips, {:.1} % with window rates",
            100.0 * blind,
            100.0 * seen
        );
        // README.md ("How it decides") states these seeded figures: 22 % of unchanged PRs fail
        // as coin flips, 5.5 % with the windows, a doubling is caught in 95 %. They hold to the
        // precision the README gives them.
        assert!((100.0 * blind).round() >= 22.0, "{blind}");
        assert!((1000.0 * seen).round() <= 55.0, "{seen}");
        let doubled = bursty_fail_rate(12, 300, 0.01, 0.02, true);
        println!(
            "bursty 1 % → 2 % with window rates: {:.1} % of PRs fail",
            100.0 * doubled
        );
        assert!((100.0 * doubled).round() >= 95.0, "{doubled}");
    }

    /// Share of PRs that fail, and the statuses seen.
    fn fail_rate(seed: u64, prs: usize, base_rate: f64, head_rate: f64, requests: u64) -> f64 {
        let budget = cargo_perf_budget::budget::parse(
            "[[budget]]\nmetric = \"k6/api/http_req_failed/rate\"\nmax-regression = \"10%\"\n",
            Path::new("budgets.toml"),
        )
        .unwrap();
        let opts = EvalOptions::new(BaselineSource::Store);
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut fails = 0;
        for _ in 0..prs {
            let base = side(&mut rng, base_rate, requests);
            let head = side(&mut rng, head_rate, requests);
            let report = evaluate(&budget, &base, &head, &opts).unwrap();
            // The same count on both sides is "identical" (no change), everything else is tested.
            let method = report.results[0].method.as_str();
            assert!(
                matches!(method, "two-proportions" | "identical"),
                "{method}"
            );
            if report.results[0].status == Status::Fail {
                fails += 1;
            }
        }
        fails as f64 / prs as f64
    }

    #[test]
    fn stats_simulation_unchanged_error_rates_fail_at_most_alpha() {
        for (rate, requests) in [(0.01, 20_000), (0.05, 2_000), (0.002, 50_000)] {
            let r = fail_rate(7, 2_000, rate, rate, requests);
            println!(
                "error rate {rate} × {requests} requests, unchanged: {:.1} % of PRs fail",
                100.0 * r
            );
            // README.md: an unchanged rate fails at most a share α of PRs (simulated: 3–5 % at
            // α = 0.05). These seeds give 3.4 %, 4.5 % and 4.5 %.
            assert!(r <= 0.05, "{rate} {requests}: {r}");
        }
    }

    /// A side with exactly `failures` of `requests` failed.
    fn counted(failures: u64, requests: u64) -> ResultsFile {
        let mut m = Metric::new(
            ID,
            Unit::Fraction,
            Direction::Lower,
            failures as f64 / requests as f64,
        );
        m.proportion = Some(Proportion {
            failures,
            total: requests,
        });
        let mut f = ResultsFile::new();
        f.metrics.push(m);
        f
    }

    /// README.md's examples of `max-regression = "10%"` on a rate: 1 % → 1.2 % failed requests
    /// fails when the counts show it (here 200,000 requests a side); 0 % → 0.05 % is below the
    /// 0.1 % floor, so no change.
    #[test]
    fn stats_simulation_the_readme_error_rate_examples_hold() {
        let opts = EvalOptions::new(BaselineSource::Store);
        let verdict = |base: ResultsFile, head: ResultsFile| {
            let report = evaluate(&budget(), &base, &head, &opts).unwrap();
            let r = &report.results[0];
            (r.status, r.change.unwrap_or(f64::NAN))
        };
        let (status, change) = verdict(counted(2_000, 200_000), counted(2_400, 200_000));
        assert_eq!(status, Status::Fail, "1 % → 1.2 %: {change}");
        assert!((change - 0.2).abs() < 1e-9, "{change}");
        let (status, change) = verdict(counted(0, 200_000), counted(100, 200_000));
        assert_eq!(status, Status::Pass, "0 % → 0.05 %: {change}");
        assert_eq!(change, 0.0, "no change from the floor");
    }

    #[test]
    fn stats_simulation_a_real_error_rate_regression_is_caught() {
        let r = fail_rate(8, 200, 0.01, 0.015, 20_000);
        println!(
            "error rate 1 % → 1.5 % × 20000 requests: {:.1} % of PRs fail",
            100.0 * r
        );
        assert!(r >= 0.95, "{r}");
        // +5 % is within the 10 % budget: it must not fail more often than an unchanged rate.
        let r = fail_rate(9, 400, 0.01, 0.0105, 20_000);
        println!(
            "error rate 1 % → 1.05 % × 20000 requests: {:.1} % of PRs fail",
            100.0 * r
        );
        assert!(r <= 0.15, "{r}");
    }
}
