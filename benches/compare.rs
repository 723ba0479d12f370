//! `compare` of 1,000, 10,000 and 50,000 benchmarks × 100 samples per side with every statistic
//! (Yuen, Mann–Whitney, Hodges–Lehmann, Benjamini–Hochberg) and the JSON report. Targets on one
//! core: 1,000 under 0.2 s, 10,000 under 0.5 s; the time must grow linearly with the number of
//! metrics (50,000 about five times 10,000), which a lookup by id that scans every metric breaks.

use cargo_perf_budget::budget::evaluate::{evaluate, BaselineSource, EvalOptions};
use cargo_perf_budget::budget::{BudgetFile, BudgetRule, Location, Settings};
use cargo_perf_budget::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use cargo_perf_budget::report::json;
use criterion::{criterion_group, criterion_main, Criterion};

fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed;
    move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn results(count: usize, shift: f64, seed: u64) -> ResultsFile {
    let mut rnd = lcg(seed);
    let mut f = ResultsFile::new();
    for i in 0..count {
        let center = 100.0 * (1.0 + i as f64) * if i % 50 == 0 { shift } else { 1.0 };
        let samples: Vec<f64> = (0..100)
            .map(|_| {
                // Box–Muller for lognormal noise of 3 %.
                let (u, v) = (rnd().max(1e-12), rnd());
                let z = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
                center * (0.03 * z).exp()
            })
            .collect();
        f.metrics.push(
            Metric::new(
                format!("criterion/group/bench-{i}"),
                Unit::Nanoseconds,
                Direction::Lower,
                center,
            )
            .with_samples(SampleKind::Iterations, samples),
        );
    }
    f
}

fn budget() -> BudgetFile {
    BudgetFile {
        path: "budgets.toml".into(),
        settings: Settings::default(),
        criterion: None,
        lighthouse: vec![],
        k6: vec![],
        gungraun: vec![],
        sizes: vec![],
        hyperfine: vec![],
        divan: vec![],
        budgets: vec![BudgetRule {
            index: 0,
            location: Location { line: 1, column: 1 },
            metric: "criterion/**".into(),
            matcher: globset::GlobBuilder::new("criterion/**")
                .literal_separator(true)
                .build()
                .expect("valid glob")
                .compile_matcher(),
            max: None,
            min: None,
            max_regression: Some(0.05),
            direction: None,
            spans: Vec::new(),
        }],
        waivers: vec![],
        source: String::new(),
    }
}

fn compare_sizes(c: &mut Criterion) {
    let budget = budget();
    let opts = EvalOptions::new(BaselineSource::Rerun);
    let mut group = c.benchmark_group("compare");
    group.sample_size(10);
    for count in [1000, 10_000, 50_000] {
        let base = results(count, 1.0, 1);
        let head = results(count, 1.1, 2);
        group.bench_function(format!("{count} benchmarks x 100 samples"), |b| {
            b.iter(|| {
                let report = evaluate(&budget, &base, &head, &opts).expect("evaluates");
                json::render(&report).len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, compare_sizes);
criterion_main!(benches);
