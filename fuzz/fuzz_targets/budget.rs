//! Fuzzes the budget file parser: any bytes must give a budget file or diagnostics whose
//! positions lie inside the text, and rendering them must not panic.
#![no_main]

use std::path::Path;

use cargo_perf_budget::budget::{parse, BudgetError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse(&text, Path::new("budgets.toml")) {
        Ok(file) => {
            // Globs compiled by the parser must be usable on any id.
            for rule in &file.budgets {
                let _ = rule.matcher.is_match(&rule.metric);
            }
        }
        Err(err) => {
            let rendered = err.to_string();
            if let BudgetError::Invalid { diagnostics, .. } = &err {
                let lines = text.lines().count() + 1;
                assert!(!diagnostics.is_empty());
                for d in diagnostics {
                    assert!(d.line >= 1 && d.line <= lines && d.column >= 1);
                }
                assert!(rendered.contains("budgets.toml:"));
            }
        }
    }
});
