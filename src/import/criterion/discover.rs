//! Finding benchmarks in a criterion output tree: every directory holding `<baseline>/` data
//! (`benchmark.json` or `sample.json`) is one benchmark, at any depth, whatever its (sanitized,
//! cut, `_2`-suffixed) name. The path is only used to find files and to name them in errors;
//! the benchmark id always comes from `benchmark.json`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::import::ImportError;

/// One benchmark that has data for the requested baseline.
#[derive(Debug, Clone)]
pub(super) struct Located {
    /// The benchmark's directory (`target/criterion/parse_sum_sq/1000`).
    pub bench_dir: PathBuf,
    /// The baseline's data directory (`…/1000/main`), holding `sample.json`.
    pub data_dir: PathBuf,
    /// Where the id comes from: the baseline's own `benchmark.json`, else `new/benchmark.json`.
    pub benchmark_json: PathBuf,
}

/// What a walk found.
#[derive(Debug, Default)]
pub(super) struct Discovery {
    /// Benchmarks with data for the requested baseline, in path order.
    pub found: Vec<Located>,
    /// Names of every data directory seen (`new`, `main`, `base` …), for the "nothing found"
    /// message.
    pub baselines_seen: BTreeSet<String>,
}

/// Picks the directory to walk: `dir/target/criterion` when it exists (so that pointing at a
/// project root does not pick up unrelated trees in its sources), then `dir/criterion` when
/// `dir` is a cargo target directory, else `dir` itself.
pub(super) fn locate_root(dir: &Path) -> Result<PathBuf, ImportError> {
    let meta = std::fs::metadata(dir).map_err(|e| ImportError::io(dir, e))?;
    if !meta.is_dir() {
        return Err(ImportError::format(
            dir,
            "is a file; expected criterion's output directory (target/criterion) or a directory holding one",
        ));
    }
    let nested = dir.join("target").join("criterion");
    if nested.is_dir() {
        return Ok(nested);
    }
    let nested = dir.join("criterion");
    if nested.is_dir() && is_cargo_target_dir(dir) {
        return Ok(nested);
    }
    Ok(dir.to_path_buf())
}

/// Cargo marks its target directories with `CACHEDIR.TAG`; criterion 0.5+ writes to
/// `<target dir>/criterion` (also for a custom `CARGO_TARGET_DIR`).
fn is_cargo_target_dir(dir: &Path) -> bool {
    dir.join("CACHEDIR.TAG").is_file()
}

/// Walks `root` for benchmarks with data in `baseline` (which may contain `/`, as
/// `--save-baseline a/b` nests directories).
///
/// Symbolic links to directories are not followed, so a link cycle cannot make the walk
/// endless; `.git/` is skipped, and inside a cargo target directory only `criterion/` is
/// entered. HTML `report/` directories hold no baseline data, so they never count as benchmarks.
pub(super) fn discover(root: &Path, baseline: &str) -> Result<Discovery, ImportError> {
    let mut discovery = Discovery::default();
    let first_component = baseline.split('/').next().unwrap_or(baseline);
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let listing = list(&dir)?;
        if listing.has_data_file {
            if let Some(name) = dir.file_name() {
                discovery
                    .baselines_seen
                    .insert(name.to_string_lossy().into_owned());
            }
        }
        let only_criterion = listing.files.iter().any(|f| f == "CACHEDIR.TAG");
        let has_first = |names: &[String]| names.iter().any(|d| d == first_component);
        if has_first(&listing.dirs) || has_first(&listing.linked_dirs) {
            if let Some(located) = locate(&dir, baseline)? {
                discovery.found.push(located);
            }
        }
        // Reverse so that popping visits children in name order: deterministic output.
        for child in listing.dirs.iter().rev() {
            // `report/` (HTML) is entered all the same: it holds only files, unless a benchmark
            // function is itself named "report", whose data must not be lost.
            let skip = child == ".git" || (only_criterion && child != "criterion");
            if !skip {
                pending.push(dir.join(child));
            }
        }
    }
    Ok(discovery)
}

/// The data of `baseline` under `bench_dir`, if it has any.
fn locate(bench_dir: &Path, baseline: &str) -> Result<Option<Located>, ImportError> {
    let data_dir = bench_dir.join(baseline);
    let own = data_dir.join("benchmark.json");
    let has_own = own.is_file();
    if !has_own && !data_dir.join("sample.json").is_file() {
        return Ok(None);
    }
    let benchmark_json = if has_own {
        own
    } else {
        let latest = bench_dir.join("new").join("benchmark.json");
        if !latest.is_file() {
            return Err(ImportError::format(
                &data_dir,
                "holds sample.json but there is no benchmark.json here or in new/, so the benchmark id is unknown (re-run `cargo bench`)",
            ));
        }
        latest
    };
    Ok(Some(Located {
        bench_dir: bench_dir.to_path_buf(),
        data_dir,
        benchmark_json,
    }))
}

/// The entries of one directory, sorted by name.
struct Listing {
    dirs: Vec<String>,
    /// Symbolic links to directories: may be a baseline's data, never walked into.
    linked_dirs: Vec<String>,
    files: Vec<String>,
    has_data_file: bool,
}

fn list(dir: &Path) -> Result<Listing, ImportError> {
    let mut dirs = Vec::new();
    let mut linked_dirs = Vec::new();
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| ImportError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ImportError::io(dir, e))?;
        let kind = entry
            .file_type()
            .map_err(|e| ImportError::io(&entry.path(), e))?;
        // Names that are not UTF-8 cannot be criterion output (criterion writes Rust strings).
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if kind.is_dir() {
            dirs.push(name);
        } else if kind.is_symlink() && entry.path().is_dir() {
            linked_dirs.push(name);
        } else {
            files.push(name);
        }
    }
    dirs.sort();
    files.sort();
    let has_data_file = files
        .iter()
        .any(|f| f == "sample.json" || f == "benchmark.json");
    Ok(Listing {
        dirs,
        linked_dirs,
        files,
        has_data_file,
    })
}
