//! End-to-end tests against the real external tools: k6, Lighthouse with Chromium, the
//! dashboard in Chromium, hyperfine, and valgrind with gungraun. They have their own test target
//! with its own harness (`harness = false`) so that a test whose tool is missing shows as
//! `ignored`, with the reason, instead of passing having checked nothing. With
//! `PERF_BUDGET_REQUIRE_<TOOL>=1` set (CI sets it for every tool it installs), a missing tool
//! fails the tests that need it ([`support::Tool::required`]).
//!
//! Filters, `--test-threads`, `--ignored` and `--list` work as with any `cargo test` target:
//! `cargo test --test tools -- k6::`.

use std::process::ExitCode;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

mod dashboard;
// The stored history the dashboard is built from, shared with the integration tests.
#[path = "../integration/dashboard_store.rs"]
mod dashboard_store;
mod gungraun;
mod hyperfine;
mod k6;
mod lighthouse;
// The integration tests' helpers (the binary under test, git, the tool requirement); this
// target uses only some of them.
#[allow(dead_code)]
#[path = "../integration/support.rs"]
mod support;

use support::Tool;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let k6_missing = k6::missing();
    let lighthouse_missing = lighthouse::missing();
    let hyperfine_missing = hyperfine::missing();
    let valgrind_missing = gungraun::missing();
    let chromium_missing = dashboard::missing();
    let trials = vec![
        // Chromium is installed for Lighthouse; the same variable requires it here.
        trial(
            "dashboard::the_site_in_a_real_browser",
            Tool::Lighthouse,
            &chromium_missing,
            dashboard::the_site_in_a_real_browser,
        ),
        trial(
            "gungraun::real_gungraun_counts_the_slowed_benchmark_and_nothing_else",
            Tool::Valgrind,
            &valgrind_missing,
            gungraun::real_gungraun_counts_the_slowed_benchmark_and_nothing_else,
        ),
        trial(
            "gungraun::check_runs_gungraun_on_both_sides_and_fails_only_the_grown_benchmark",
            Tool::Valgrind,
            &valgrind_missing,
            gungraun::check_runs_gungraun_on_both_sides_and_fails_only_the_grown_benchmark,
        ),
        trial(
            "k6::real_k6_fast_and_slowed_builds",
            Tool::K6,
            &k6_missing,
            k6::real_k6_fast_and_slowed_builds,
        ),
        trial(
            "k6::runner_starts_the_server_runs_k6_and_stops_the_server",
            Tool::K6,
            &k6_missing,
            k6::runner_starts_the_server_runs_k6_and_stops_the_server,
        ),
        trial(
            "k6::wanted_sub_metrics_from_a_real_stream",
            Tool::K6,
            &k6_missing,
            k6::wanted_sub_metrics_from_a_real_stream,
        ),
        trial(
            "lighthouse::real_lighthouse_sees_the_slow_page_break_the_budgets_and_the_fast_page_meet_them",
            Tool::Lighthouse,
            &lighthouse_missing,
            lighthouse::end_to_end::real_lighthouse_sees_the_slow_page_break_the_budgets_and_the_fast_page_meet_them,
        ),
        trial(
            "lighthouse::check_measures_base_and_head_interleaved_and_fails_the_slow_head",
            Tool::Lighthouse,
            &lighthouse_missing,
            lighthouse::interleaved::check_measures_base_and_head_interleaved_and_fails_the_slow_head,
        ),
        trial(
            "hyperfine::real_hyperfine_runs_are_samples_and_the_slowed_command_fails_alone",
            Tool::Hyperfine,
            &hyperfine_missing,
            hyperfine::real_hyperfine_runs_are_samples_and_the_slowed_command_fails_alone,
        ),
        trial(
            "hyperfine::real_hyperfine_parameter_scans_and_failed_runs",
            Tool::Hyperfine,
            &hyperfine_missing,
            hyperfine::real_hyperfine_parameter_scans_and_failed_runs,
        ),
        trial(
            "hyperfine::check_times_base_and_head_interleaved_and_fails_the_slowed_command",
            Tool::Hyperfine,
            &hyperfine_missing,
            hyperfine::check_times_base_and_head_interleaved_and_fails_the_slowed_command,
        ),
    ];
    libtest_mimic::run(&args, trials).exit_code()
}

/// A test that needs `tool`: run when `missing` is `None`; otherwise ignored with the reason,
/// or failed when the environment requires the tool. A panic in `test` fails it.
fn trial(name: &str, tool: Tool, missing: &Option<String>, test: fn()) -> Trial {
    let missing = missing.clone();
    Trial::ignorable_test(name, move || match missing {
        None => {
            test();
            Ok(Completion::Completed)
        }
        Some(why) if tool.required() => Err(Failed::from(format!(
            "{why} ({} is set, so the tool is required)",
            tool.require_variable()
        ))),
        Some(why) => Ok(Completion::ignored_with(format!(
            "{why}; set {}=1 to make this a failure",
            tool.require_variable()
        ))),
    })
}
