//! k6 importer (not yet written).
