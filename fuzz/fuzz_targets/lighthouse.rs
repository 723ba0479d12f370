//! Fuzzes the Lighthouse importer with arbitrary documents (reports, flows, PageSpeed responses,
//! LHCI manifests and assertion results are all told apart by content). The import must return
//! (never panic), and anything it accepts must be a valid results file: finite values, unique
//! ids. Seed the corpus with `tests/fixtures/lighthouse/**/*.json` for structure-aware mutations.
#![no_main]

use std::path::Path;

use cargo_perf_budget::import::lighthouse::import_document;
use cargo_perf_budget::model::ResultsFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = import_document(data, Path::new("fuzz-input.json"), "fuzz") {
        if let Err(e) = ResultsFile::from_json(&file.to_json(), "fuzz") {
            panic!("the importer accepted input that is not a valid results file: {e}");
        }
    }
});
