//! One integration test binary; each module tests one part of the pipeline.

mod acceptance;
mod budget;
mod cli;
mod criterion;
mod criterion_tree;
mod github;
mod report;
mod runner;
mod store;
mod support;
