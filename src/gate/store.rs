//! What the gate needs from the result store: a base commit's stored results and the stored
//! history that calibrates the noise. [`GitResults`] reads the git result store of a repository;
//! tests give an in-memory one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::model::{NoiseMap, ResultsFile, TrendPoint};
use crate::store::StoreError;

/// The stored history that calibrates a comparison of separate runs.
#[derive(Debug, Clone, Default)]
pub struct Calibration {
    /// Run-to-run noise by metric id.
    pub noise: NoiseMap,
    /// Each metric's stored trend, for the report's charts.
    pub history: BTreeMap<String, Vec<TrendPoint>>,
    /// Stored runs that could not be read and were left out, for the report's notes.
    pub skipped: Vec<String>,
}

/// The result store as the gate reads it.
pub trait Store {
    /// The stored results of `commit` (a full SHA) or of its nearest ancestor that has some,
    /// with the commit they belong to; `None` when neither has any. Stored entries that could
    /// not be read on the way are added to `skipped`, for the report's notes.
    fn base_results(
        &self,
        commit: &str,
        suite: &str,
        skipped: &mut Vec<String>,
    ) -> Result<Option<(String, ResultsFile)>, StoreError>;

    /// The noise and trends of the last `depth` stored runs on `main_branch` before
    /// `head_commit`.
    fn calibration(
        &self,
        head_commit: &str,
        suite: &str,
        main_branch: &str,
        depth: usize,
    ) -> Result<Calibration, StoreError>;
}

/// The git result store of the repository a folder is in (fetched from `origin` when the local
/// copy lacks what is asked for; see `store::find_base`).
#[derive(Debug, Clone)]
pub struct GitResults {
    dir: PathBuf,
}

impl GitResults {
    /// The store of the repository `dir` is in.
    pub fn new(dir: impl Into<PathBuf>) -> GitResults {
        GitResults { dir: dir.into() }
    }
}

impl Store for GitResults {
    fn base_results(
        &self,
        commit: &str,
        suite: &str,
        skipped: &mut Vec<String>,
    ) -> Result<Option<(String, ResultsFile)>, StoreError> {
        let mut problems = Vec::new();
        let found = crate::store::find_base_reporting(&self.dir, commit, suite, &mut problems);
        skipped.extend(crate::store::problem_notes(&problems));
        Ok(found?.map(|b| (b.commit, b.results)))
    }

    fn calibration(
        &self,
        head_commit: &str,
        suite: &str,
        main_branch: &str,
        depth: usize,
    ) -> Result<Calibration, StoreError> {
        let mut problems = Vec::new();
        let (noise, history) = crate::store::calibration_reporting(
            &self.dir,
            head_commit,
            suite,
            main_branch,
            depth,
            &mut problems,
        )?;
        Ok(Calibration {
            noise,
            history,
            skipped: crate::store::problem_notes(&problems),
        })
    }
}
