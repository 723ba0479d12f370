//! Synthetic criterion output trees for tests: benchmarks with names criterion must sanitize,
//! several baselines with seeded lognormal noise and chosen slowdowns, written in criterion
//! 0.8's layout (`<dir>/<baseline>/{benchmark,sample,estimates,tukey}.json`, sanitized and cut
//! directory names, `_2` on collisions, `new/` holding the last baseline written).
//!
//! [`write_tree`] with [`TreeSpec::scenario`] is the scenario of the hidden end-to-end test:
//! baselines `A` and `B`, 12 oddly named benchmarks, 100 linear samples each, three of them
//! 15 % slower in `B`. [`TreeSpec::unseen`] is a harsher, seed-dependent variant for the
//! acceptance tests: Flat sampling, names cut at 64 bytes into a collision, per-benchmark noise
//! of 2–5 %, spikes ×2–×5, a run-to-run shift of 1–2 % between `A` and `B`, a stale `change/`
//! and a `base/` that equals `new/`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rand::rngs::SmallRng;
use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal};
use serde_json::{json, Value};

/// One benchmark of a synthetic tree, named as a criterion user would name it.
#[derive(Debug, Clone)]
pub struct SyntheticBench {
    /// `group_id` (raw).
    pub group: String,
    /// `function_id` (raw), if any.
    pub function: Option<String>,
    /// `value_str`, if any.
    pub value: Option<String>,
    /// criterion's `throughput` JSON (`{"Bytes": 1024}`), if any.
    pub throughput: Option<Value>,
    /// True per-iteration time in nanoseconds before any slowdown.
    pub ns: f64,
    /// Flat sampling (equal iteration counts, no slope) instead of Linear.
    pub flat: bool,
    /// σ of this benchmark's lognormal noise, instead of [`TreeSpec::sigma`].
    pub sigma: Option<f64>,
}

impl SyntheticBench {
    /// A benchmark with a group and optional function and value.
    pub fn new(group: &str, function: Option<&str>, value: Option<&str>, ns: f64) -> Self {
        SyntheticBench {
            group: group.to_string(),
            function: function.map(str::to_string),
            value: value.map(str::to_string),
            throughput: None,
            ns,
            flat: false,
            sigma: None,
        }
    }

    /// The same benchmark measured with `SamplingMode::Flat`.
    pub fn flat(mut self) -> Self {
        self.flat = true;
        self
    }

    /// The same benchmark with its own noise level.
    pub fn with_sigma(mut self, sigma: f64) -> Self {
        self.sigma = Some(sigma);
        self
    }

    /// The same benchmark with a throughput.
    pub fn with_throughput(mut self, throughput: Value) -> Self {
        self.throughput = Some(throughput);
        self
    }

    fn parts(&self) -> Vec<&str> {
        std::iter::once(self.group.as_str())
            .chain(self.function.as_deref())
            .chain(self.value.as_deref())
            .collect()
    }

    /// criterion's `full_id`: the raw parts joined with `/`.
    pub fn full_id(&self) -> String {
        self.parts().join("/")
    }

    /// The metric id the importer must produce.
    pub fn metric_id(&self) -> String {
        format!("criterion/{}", self.full_id())
    }
}

/// One baseline to write: its name and a factor on each benchmark's true time (1.0 unchanged,
/// 1.15 for 15 % slower), in the order of [`TreeSpec::benches`].
#[derive(Debug, Clone)]
pub struct SyntheticBaseline {
    /// Directory name (`A`, `main`, `pr`).
    pub name: String,
    /// Slowdown factor per benchmark.
    pub factors: Vec<f64>,
}

/// Everything [`write_tree`] needs.
#[derive(Debug, Clone)]
pub struct TreeSpec {
    /// The benchmarks.
    pub benches: Vec<SyntheticBench>,
    /// The baselines, written in this order; `new/` gets a copy of the last.
    pub baselines: Vec<SyntheticBaseline>,
    /// Linear samples per benchmark and baseline (criterion's `sample_size`).
    pub samples: usize,
    /// σ of the lognormal noise on each sample's per-iteration time.
    pub sigma: f64,
    /// Seed of the noise.
    pub seed: u64,
    /// Samples per benchmark and baseline multiplied by ×2–×5 (preemption, page faults).
    pub spikes: usize,
    /// Range of the run-to-run shift (a fraction, random sign, per benchmark) applied to every
    /// baseline after the first: separate runs never measure exactly the same speed.
    pub run_shift: (f64, f64),
    /// Also write `change/estimates.json` claiming a large change from some older run.
    pub stale_change: bool,
    /// Also write `base/` as a byte copy of `new/` (what a plain `cargo bench` leaves).
    pub base_copy: bool,
}

/// Index in [`TreeSpec::scenario`]'s benchmarks of the three that are 15 % slower in `B`.
pub const SCENARIO_SLOWED: [usize; 3] = [1, 4, 8];

impl TreeSpec {
    /// Baselines `A` and `B`, 12 benchmarks with odd names, 100 linear samples with 3 %
    /// lognormal noise, and the benchmarks at [`SCENARIO_SLOWED`] 15 % slower in `B`.
    pub fn scenario(seed: u64) -> TreeSpec {
        let long = format!("{}ü{}", "g".repeat(63), " and then some more words");
        let benches = vec![
            SyntheticBench::new("parse/sum_sq", None, Some("1000"), 250.0)
                .with_throughput(json!({"Elements": 1000})),
            SyntheticBench::new("fib 20", None, None, 13_000.0),
            SyntheticBench::new("sort", Some("unstable copy"), Some("5000"), 42_000.0)
                .with_throughput(json!({"Bytes": 40_000})),
            SyntheticBench::new("a:b", None, None, 12.0),
            SyntheticBench::new("a|b", None, None, 14.0),
            SyntheticBench::new("fmt: a|b", Some("x \"quoted\""), Some("<1KB>"), 900.0),
            SyntheticBench::new(&long, Some("f"), None, 3_000.0),
            SyntheticBench::new("ctor", Some("new"), None, 55.0),
            SyntheticBench::new("héllo wörld ✓", None, None, 700.0),
            SyntheticBench::new("group<T>", Some("fn*"), Some("?"), 80.0),
            SyntheticBench::new("json\\escape^", Some("report"), None, 1_500.0),
            SyntheticBench::new("hash", Some("fx"), Some("1MB Alphanumeric"), 600_000.0)
                .with_throughput(
                    json!({"ElementsAndBytes": {"elements": 1000, "bytes": 1_048_576}}),
                ),
        ];
        let slowed = |i: usize| {
            if SCENARIO_SLOWED.contains(&i) {
                1.15
            } else {
                1.0
            }
        };
        let baselines = vec![
            SyntheticBaseline {
                name: "A".into(),
                factors: vec![1.0; benches.len()],
            },
            SyntheticBaseline {
                name: "B".into(),
                factors: (0..benches.len()).map(slowed).collect(),
            },
        ];
        TreeSpec {
            benches,
            baselines,
            samples: 100,
            sigma: 0.03,
            seed,
            spikes: 0,
            run_shift: (0.0, 0.0),
            stale_change: false,
            base_copy: false,
        }
    }

    /// A tree no importer has seen before, chosen by `seed`: 16 benchmarks with odd names
    /// (spaces, `|`, quotes, `<`, `:`, two names that collide once cut to 64 bytes), four of
    /// them Flat, each with lognormal noise of 2–5 %, three spiked samples ×2–×5 per run, a
    /// run-to-run shift of ±1–2 % between `A` and `B`, and 3 or 4 benchmarks (chosen by the
    /// seed) 15 % slower in `B`. Also a stale `change/` and a `base/` equal to `new/`.
    pub fn unseen(seed: u64) -> TreeSpec {
        use rand::Rng;
        let mut rng = SmallRng::seed_from_u64(seed ^ 0x5eed_cafe);
        // 63 bytes and a 2-byte character: both names are cut to the same 63 bytes.
        let cut = format!("{}ö", "x".repeat(63));
        let benches = vec![
            SyntheticBench::new("parse/sum_sq", None, Some("1000"), 250.0)
                .with_throughput(json!({"Elements": 1000})),
            SyntheticBench::new("fib 20", None, None, 13_000.0),
            SyntheticBench::new("sort", Some("unstable copy"), Some("5000"), 42_000.0)
                .with_throughput(json!({"Bytes": 40_000}))
                .flat(),
            SyntheticBench::new("a:b", None, None, 12.0),
            SyntheticBench::new("a|b", None, None, 14.0).flat(),
            SyntheticBench::new("fmt: a|b", Some("x \"quoted\""), Some("<1KB>"), 900.0),
            SyntheticBench::new(&format!("{cut} first"), Some("run"), None, 3_000.0),
            SyntheticBench::new(&format!("{cut} second"), Some("run"), None, 3_100.0),
            SyntheticBench::new("ctor", Some("new"), None, 55.0),
            SyntheticBench::new("'single' \"double\"", None, None, 700.0),
            SyntheticBench::new("Vec<u8>::push", Some("cap: 16"), None, 80.0).flat(),
            SyntheticBench::new("io | read", Some("a b c"), Some("4 KiB"), 1_500.0)
                .with_throughput(json!({"BytesDecimal": 4096})),
            SyntheticBench::new("hash", Some("fx"), Some("1MB <alnum>"), 600_000.0)
                .with_throughput(
                    json!({"ElementsAndBytes": {"elements": 1000, "bytes": 1_048_576}}),
                ),
            SyntheticBench::new("héllo wörld ✓", None, None, 2_000_000.0).flat(),
            SyntheticBench::new("empty", None, None, 1.2),
            SyntheticBench::new("match: \"a\" | 'b' < c", Some("x"), Some("y"), 5_000.0),
        ];
        let benches: Vec<SyntheticBench> = benches
            .into_iter()
            .map(|b| {
                let sigma = rng.random_range(0.02..=0.05);
                b.with_sigma(sigma)
            })
            .collect();
        let mut slowed: Vec<usize> = Vec::new();
        let wanted = rng.random_range(3..=4);
        while slowed.len() < wanted {
            let i = rng.random_range(0..benches.len());
            if !slowed.contains(&i) {
                slowed.push(i);
            }
        }
        let baselines = vec![
            SyntheticBaseline {
                name: "A".into(),
                factors: vec![1.0; benches.len()],
            },
            SyntheticBaseline {
                name: "B".into(),
                factors: (0..benches.len())
                    .map(|i| if slowed.contains(&i) { 1.15 } else { 1.0 })
                    .collect(),
            },
        ];
        TreeSpec {
            benches,
            baselines,
            samples: 100,
            sigma: 0.03,
            seed,
            spikes: 3,
            run_shift: (0.01, 0.02),
            stale_change: true,
            base_copy: true,
        }
    }

    /// Metric ids of the benchmarks whose factor in `baseline` differs from 1.
    pub fn changed_in(&self, baseline: &str) -> Vec<String> {
        self.baselines
            .iter()
            .filter(|b| b.name == baseline)
            .flat_map(|b| {
                b.factors
                    .iter()
                    .zip(&self.benches)
                    .filter(|(f, _)| **f != 1.0)
                    .map(|(_, bench)| bench.metric_id())
            })
            .collect()
    }
}

/// criterion's `make_filename_safe` (on Unix): forbidden characters become `_`, then the
/// string is cut to 64 bytes on a character boundary.
pub fn filename_safe(part: &str) -> String {
    let mut safe: String = part
        .chars()
        .map(|c| if "?\"/\\*<>:|^".contains(c) { '_' } else { c })
        .collect();
    let mut cut = safe.len().min(64);
    while !safe.is_char_boundary(cut) {
        cut -= 1;
    }
    safe.truncate(cut);
    safe
}

/// Writes the tree under `root` (criterion's output root, e.g. `<tmp>/target/criterion`) and
/// returns each benchmark's directory, in the order of `spec.benches`.
pub fn write_tree(root: &Path, spec: &TreeSpec) -> std::io::Result<Vec<PathBuf>> {
    use rand::Rng;
    let mut rng = SmallRng::seed_from_u64(spec.seed);
    let lognormal = |sigma: f64| {
        LogNormal::new(-sigma * sigma / 2.0, sigma)
            .map_err(|e| std::io::Error::other(e.to_string()))
    };
    let mut used = HashSet::new();
    let mut dirs = Vec::with_capacity(spec.benches.len());
    for bench in &spec.benches {
        let noise = lognormal(bench.sigma.unwrap_or(spec.sigma))?;
        // criterion's ensure_directory_name_unique: suffix the whole name on a clash.
        let base: Vec<String> = bench.parts().into_iter().map(filename_safe).collect();
        let base = base.join("/");
        let mut name = base.clone();
        let mut k = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}_{k}");
            k += 1;
        }
        let id = json!({
            "group_id": bench.group,
            "function_id": bench.function,
            "value_str": bench.value,
            "throughput": bench.throughput,
            "full_id": bench.full_id(),
            "directory_name": name,
            "title": bench.full_id(),
        });
        let dir = root.join(&name);
        for (index, baseline) in spec.baselines.iter().enumerate() {
            let factor = baseline.factors.get(dirs.len()).copied().unwrap_or(1.0);
            // Separate runs: every baseline after the first is a little faster or slower.
            let shift = if index > 0 && spec.run_shift.1 > 0.0 {
                let size = rng.random_range(spec.run_shift.0..=spec.run_shift.1);
                if rng.random::<bool>() {
                    1.0 + size
                } else {
                    1.0 - size
                }
            } else {
                1.0
            };
            let true_ns = bench.ns * factor * shift;
            // Like criterion: d iterations in the first sample, d·i in the i-th (Linear), or
            // the same count in every sample (Flat).
            let d = (100_000.0 / true_ns).ceil().max(1.0);
            let iters: Vec<f64> = (1..=spec.samples)
                .map(|i| if bench.flat { d * 10.0 } else { d * i as f64 })
                .collect();
            let mut times: Vec<f64> = iters
                .iter()
                .map(|n| (n * true_ns * noise.sample(&mut rng)).round().max(1.0))
                .collect();
            for _ in 0..spec.spikes {
                let at = rng.random_range(0..times.len());
                times[at] *= rng.random_range(2.0..=5.0);
            }
            let files = baseline_files(&id, &iters, &times, bench.flat);
            write_files(&dir.join(&baseline.name), &files)?;
            if index + 1 == spec.baselines.len() {
                write_files(&dir.join("new"), &files)?;
                if spec.base_copy {
                    write_files(&dir.join("base"), &files)?;
                }
            }
        }
        if spec.stale_change {
            // What criterion leaves in change/: relative estimates of some earlier comparison.
            let change = |point: f64| {
                json!({
                    "confidence_interval": {"confidence_level": 0.95, "lower_bound": point - 0.01, "upper_bound": point + 0.01},
                    "point_estimate": point,
                    "standard_error": 0.005,
                })
            };
            let estimates = json!({"mean": change(0.42), "median": change(0.40)});
            write_files(
                &dir.join("change"),
                &[("estimates.json", estimates.to_string())],
            )?;
        }
        dirs.push(dir);
    }
    Ok(dirs)
}

fn write_files(dir: &Path, files: &[(&str, String)]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in files {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}

/// The four files criterion writes for one baseline, from linear samples.
fn baseline_files(
    id: &Value,
    iters: &[f64],
    times: &[f64],
    flat: bool,
) -> Vec<(&'static str, String)> {
    let per: Vec<f64> = iters.iter().zip(times).map(|(n, t)| t / n).collect();
    let n = per.len() as f64;
    let mean = per.iter().sum::<f64>() / n;
    let mut sorted = per.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let std_dev = (per.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let mut deviations: Vec<f64> = per.iter().map(|p| (p - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let mad = deviations[deviations.len() / 2] * 1.4826;
    let slope = iters.iter().zip(times).map(|(x, y)| x * y).sum::<f64>()
        / iters.iter().map(|x| x * x).sum::<f64>();
    let se = std_dev / n.sqrt();
    let estimate = |point: f64, se: f64| {
        json!({
            "confidence_interval": {
                "confidence_level": 0.95,
                "lower_bound": point - 1.96 * se,
                "upper_bound": point + 1.96 * se,
            },
            "point_estimate": point,
            "standard_error": se,
        })
    };
    // Flat sampling has no regression line: criterion writes `slope: null`.
    let slope = if flat {
        Value::Null
    } else {
        estimate(slope, se)
    };
    let estimates = json!({
        "mean": estimate(mean, se),
        "median": estimate(median, se * 1.25),
        "median_abs_dev": estimate(mad, se),
        "slope": slope,
        "std_dev": estimate(std_dev, se),
    });
    let q1 = sorted[sorted.len() / 4];
    let q3 = sorted[sorted.len() * 3 / 4];
    let iqr = q3 - q1;
    let tukey = json!([
        q1 - 3.0 * iqr,
        q1 - 1.5 * iqr,
        q3 + 1.5 * iqr,
        q3 + 3.0 * iqr
    ]);
    let mode = if flat { "Flat" } else { "Linear" };
    let sample = json!({"sampling_mode": mode, "iters": iters, "times": times});
    vec![
        ("benchmark.json", id.to_string()),
        ("estimates.json", estimates.to_string()),
        ("sample.json", sample.to_string()),
        ("tukey.json", tukey.to_string()),
    ]
}
