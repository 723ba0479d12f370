//! rerun runner (not yet written).
