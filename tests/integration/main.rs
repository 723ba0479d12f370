//! One integration test binary; each module tests one part of the pipeline.
mod lighthouse;
