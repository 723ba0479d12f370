//! One integration test binary; each module tests one part of the pipeline.

mod acceptance;
mod action;
mod budget;
mod check_rerun;
mod check_store;
mod cli;
mod criterion;
mod criterion_tree;
mod github;
mod github_check;
mod hardening;
mod harnesses;
mod importers;
mod k6;
mod lighthouse;
mod noisy_neighbours;
mod real_crate;
mod report;
mod runner;
mod shards;
mod stats;
mod stats_separate_runs;
mod stats_simulation;
mod store;
mod support;
