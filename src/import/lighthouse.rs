//! lighthouse importer (not yet written).
