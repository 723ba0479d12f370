//! lighthouse runner (not yet written).
