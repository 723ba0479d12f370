//! Fuzzes the divan importer: the input is a saved `cargo bench` output. Parsing must return
//! (never panic), and whatever it accepts must be a valid results file.
#![no_main]

use std::path::Path;

use cargo_perf_budget::import::divan::parse;
use cargo_perf_budget::model::ResultsFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(parsed) = parse(text, Path::new("divan.txt"), None) {
        let mut file = ResultsFile::new();
        file.metrics = parsed.metrics;
        if let Err(e) = file.validate("fuzz") {
            panic!("the importer accepted input that is not a valid results file: {e}");
        }
        if let Err(e) = ResultsFile::from_json(&file.to_json(), "fuzz") {
            panic!("an accepted output does not round-trip as a results file: {e}");
        }
    }
});
