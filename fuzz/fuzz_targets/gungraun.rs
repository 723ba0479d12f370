//! Fuzzes the gungraun importer: the input is one `summary.json`. Parsing must return (never
//! panic), and whatever it accepts must make a valid results file.
#![no_main]

use std::path::Path;

use cargo_perf_budget::import::gungraun::parse_summary;
use cargo_perf_budget::model::ResultsFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(summary) = parse_summary(data, Path::new("summary.json")) {
        let mut file = ResultsFile::new();
        file.metrics = summary.metrics;
        if file.validate("fuzz").is_ok() {
            if let Err(e) = ResultsFile::from_json(&file.to_json(), "fuzz") {
                panic!("an accepted summary does not round-trip as a results file: {e}");
            }
        }
    }
});
