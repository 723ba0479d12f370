//! cargo_bench runner (not yet written).
