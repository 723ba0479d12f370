//! How long `history --html` takes to render 1,000 commits × 500 metrics, and how big the site
//! is (printed once, with its gzip size: what GitHub Pages sends). The history is built in memory
//! (reading the store is `store_history`'s bench). The rendered site is also written to
//! `target/dashboard-bench/index.html`, to open in a browser at that scale.

use std::hint::black_box;
use std::io::Write as _;

use cargo_perf_budget::model::{Direction, Environment, Metric, ResultsFile, SampleKind, Unit};
use cargo_perf_budget::report::html::{render, BudgetLines, SiteOptions};
use cargo_perf_budget::store::{history_view, History, HistoryCommit, RunSummary};
use criterion::{criterion_group, criterion_main, Criterion};

const COMMITS: usize = 1_000;
const METRICS: usize = 500;

/// `COMMITS` commits of `METRICS` metrics (20 samples each), newest first as the walk returns
/// them; every 50th metric steps up by 15 % at commit 600.
fn build_history() -> History {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut commits = Vec::with_capacity(COMMITS);
    for i in 0..COMMITS {
        // SHA-like: distinct short forms, as real commits have.
        let mixed = (i as u128 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
        let sha = format!("{mixed:032x}{i:08x}");
        let mut r = ResultsFile::new();
        r.environment = Environment {
            runner: Some(format!("runner-{}", i % 4)),
            ..Environment::default()
        };
        for m in 0..METRICS {
            let step = if m % 50 == 0 && i >= 600 { 1.15 } else { 1.0 };
            let base = 1000.0 * (1.0 + m as f64) * step * (1.0 + 0.01 * noise());
            let samples: Vec<f64> = (0..20).map(|_| base * (1.0 + 0.03 * noise())).collect();
            let id = format!("criterion/group{:02}/bench{:03}", m / 25, m);
            r.metrics.push(
                Metric::new(id, Unit::Nanoseconds, Direction::Lower, base)
                    .with_samples(SampleKind::Iterations, samples),
            );
        }
        commits.push(HistoryCommit {
            commit: sha.clone(),
            subject: format!("Merge pull request #{i} from dev/change-{i}"),
            commit_time: format!("2026-{:02}-{:02}T12:00:00Z", 1 + i / 100, 1 + i % 28),
            runs: vec![RunSummary::from_results(&sha, "default", &r)],
        });
    }
    commits.reverse();
    History {
        start: commits[0].commit.clone(),
        commits,
        problems: Vec::new(),
        stopped: None,
        walked: COMMITS,
    }
}

fn options() -> SiteOptions {
    let budgets = (0..METRICS)
        .step_by(7)
        .map(|m| {
            (
                format!("criterion/group{:02}/bench{:03}", m / 25, m),
                BudgetLines {
                    max: Some((1200.0 * (1.0 + m as f64), "max budget".into())),
                    min: None,
                    max_regression: Some(0.05),
                },
            )
        })
        .collect();
    SiteOptions {
        budgets,
        report: None,
        commit_url: Some("https://github.com/acme/widgets/commit/{sha}".into()),
        generated: None,
    }
}

fn bench(c: &mut Criterion) {
    let history = build_history();
    let view = history_view(&history, |_| true);
    let options = options();
    let files = render(&history, &view, &options);
    let size: usize = files.iter().map(|f| f.bytes.len()).sum();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for f in &files {
        let _ = gz.write_all(&f.bytes);
    }
    let gz = gz.finish().map(|v| v.len()).unwrap_or(0);
    eprintln!(
        "dashboard {COMMITS} commits x {METRICS} metrics: {} file(s), {:.1} MiB, {:.1} MiB gzip",
        files.len(),
        size as f64 / 1048576.0,
        gz as f64 / 1048576.0
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dashboard-bench");
    if std::fs::create_dir_all(&out).is_ok() {
        for f in &files {
            let _ = std::fs::write(out.join(&f.path), &f.bytes);
        }
    }
    let mut group = c.benchmark_group("dashboard");
    group.sample_size(10);
    group.bench_function("render_1000_commits_x_500_metrics", |b| {
        b.iter(|| render(black_box(&history), black_box(&view), black_box(&options)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
