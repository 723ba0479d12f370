//! k6 runner (not yet written).
