//! One integration test binary; each module tests one part of the pipeline.

mod acceptance;
mod budget;
mod check_rerun;
mod check_store;
mod cli;
mod criterion;
mod criterion_tree;
mod dashboard;
mod dashboard_store;
mod github;
mod github_check;
mod hardening;
mod k6;
mod lighthouse;
mod noisy_neighbours;
mod real_crate;
mod report;
mod runner;
mod stats;
mod stats_separate_runs;
mod stats_simulation;
mod store;
mod support;
