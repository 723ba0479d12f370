//! parse (not yet written)
