//! Fuzz the k6 importer: any bytes, recognised as a summary (three JSON shapes) or an NDJSON
//! stream (fast byte scanner and serde path), must import or fail with an error, never panic,
//! and anything it accepts must be a valid results file (finite values, unique ids).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(results) =
        cargo_perf_budget::import::k6::import_bytes(Path::new("fuzz.json"), data, "fuzz")
    {
        let text = results.to_json();
        if let Err(e) = cargo_perf_budget::model::ResultsFile::from_json(&text, "fuzz") {
            panic!("the import produced an invalid results file: {e}");
        }
    }
});
