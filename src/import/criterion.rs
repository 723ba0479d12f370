//! criterion importer (not yet written).
