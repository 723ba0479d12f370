//! Shared test support: seeded samples and results files written to temp dirs, the binary under
//! test, git, and the one target directory for the fixture crates that tests build with cargo.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

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

/// The binary under test, invoked as cargo does, in an environment without any CI context
/// ([`without_ci_context`]) and without colour.
pub fn cli() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("cargo-perf-budget").expect("binary built");
    cmd.arg("perf-budget").env("NO_COLOR", "1");
    without_ci_context(&mut cmd);
    cmd
}

/// Removes every `GITHUB_*` and `RUNNER_*` variable the test process inherited from the child's
/// environment. On a GitHub Actions runner they are always set (`GITHUB_EVENT_PATH` names the
/// pull request whose base the tool would then take, `GITHUB_STEP_SUMMARY` a file it would write
/// to), so without this a test would check something else there than on a laptop. A test that
/// wants a CI context sets the variables it needs after this.
pub fn without_ci_context(cmd: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
    for (name, _) in std::env::vars_os() {
        let name_text = name.to_string_lossy();
        if name_text.starts_with("GITHUB_") || name_text.starts_with("RUNNER_") {
            cmd.env_remove(&name);
        }
    }
    cmd
}

/// Tests that build or run benchmarks take turns: they share build artifacts
/// ([`fixture_target`]), and benchmarks running side by side would only add noise.
static SERIAL: Mutex<()> = Mutex::new(());

/// Holds the turn of a test that builds or runs benchmarks; see [`SERIAL`].
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The target directory of every fixture crate the tests build with cargo: `tests/bench-crate`,
/// `tests/fixtures/runner/bench-crate` and the git repositories made from it, whether the test
/// runs `cargo bench` itself or has the tool do it. The fixtures lock the same dependency
/// versions and build in cargo's `bench` profile, as the tool does, so criterion and its
/// dependencies compile once here per run of the suite instead of once per fixture. A rerun
/// builds its base in `<this>/perf-budget/base`, so the base sides of all tests share that one.
///
/// The base must not share the head's directory: cargo names a package's artifacts by its path
/// relative to the workspace, so the base checkout's crate would look like the head's and, its
/// files checked out before head was built, be taken as fresh.
pub fn fixture_target() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target");
        std::fs::create_dir_all(&dir).expect("creates the fixture target");
        dir
    })
    .clone()
}

/// Runs git in `dir` with a fixed identity, asserts success, returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=Runner Test",
            "-c",
            "user.email=runner@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// An external tool that end-to-end tests drive (the `tools` test target, `tests/tools`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// The k6 binary (and python3 for the test server).
    K6,
    /// The Lighthouse CLI with a Chromium (and python3 for `serve`).
    Lighthouse,
    /// hyperfine.
    Hyperfine,
    /// Valgrind with `gungraun-runner` (the gungraun end-to-end test).
    Valgrind,
}

impl Tool {
    /// The variable that makes the tool required: `PERF_BUDGET_REQUIRE_K6` or
    /// `PERF_BUDGET_REQUIRE_LIGHTHOUSE`.
    pub fn require_variable(self) -> &'static str {
        match self {
            Tool::K6 => "PERF_BUDGET_REQUIRE_K6",
            Tool::Lighthouse => "PERF_BUDGET_REQUIRE_LIGHTHOUSE",
            Tool::Hyperfine => "PERF_BUDGET_REQUIRE_HYPERFINE",
            Tool::Valgrind => "PERF_BUDGET_REQUIRE_VALGRIND",
        }
    }

    /// Whether a missing tool fails its tests instead of leaving them ignored: the variable is
    /// set to anything but empty or `0` (CI sets it to `1`).
    pub fn required(self) -> bool {
        required_by(std::env::var_os(self.require_variable()))
    }
}

/// How [`Tool::required`] reads the variable's value.
pub fn required_by(value: Option<std::ffi::OsString>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0")
}

#[test]
fn the_require_variables_are_read_one_way() {
    assert_eq!(Tool::K6.require_variable(), "PERF_BUDGET_REQUIRE_K6");
    assert_eq!(
        Tool::Lighthouse.require_variable(),
        "PERF_BUDGET_REQUIRE_LIGHTHOUSE"
    );
    assert_eq!(
        Tool::Hyperfine.require_variable(),
        "PERF_BUDGET_REQUIRE_HYPERFINE"
    );
    for (value, required) in [
        (None, false),
        (Some(""), false),
        (Some("0"), false),
        (Some("1"), true),
        (Some("yes"), true),
    ] {
        assert_eq!(required_by(value.map(Into::into)), required, "{value:?}");
    }
    assert_eq!(
        Tool::Valgrind.require_variable(),
        "PERF_BUDGET_REQUIRE_VALGRIND"
    );
    for tool in [Tool::K6, Tool::Lighthouse, Tool::Valgrind] {
        assert_eq!(
            tool.required(),
            required_by(std::env::var_os(tool.require_variable()))
        );
    }
}
