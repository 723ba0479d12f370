//! Fuzzes the criterion importer: the input, split at NUL bytes (which JSON text never holds),
//! becomes `benchmark.json`, `sample.json` and, when there is a third part, `estimates.json` of a
//! one-benchmark tree. The import must return (never panic), and anything it accepts must be a
//! valid results file.
#![no_main]

use cargo_perf_budget::import::criterion::import;
use cargo_perf_budget::model::ResultsFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let benchmark = parts.next().unwrap_or_default();
    let sample = parts.next().unwrap_or_default();
    let estimates = parts.next();

    let Ok(tree) = tempfile::tempdir() else { return };
    let dir = tree.path().join("group/value/new");
    if std::fs::create_dir_all(&dir).is_err()
        || std::fs::write(dir.join("benchmark.json"), benchmark).is_err()
        || std::fs::write(dir.join("sample.json"), sample).is_err()
    {
        return;
    }
    if let Some(estimates) = estimates {
        if std::fs::write(dir.join("estimates.json"), estimates).is_err() {
            return;
        }
    }
    if let Ok(file) = import(tree.path(), "new") {
        if let Err(e) = ResultsFile::from_json(&file.to_json(), "fuzz") {
            panic!("the importer accepted input that is not a valid results file: {e}");
        }
    }
});
