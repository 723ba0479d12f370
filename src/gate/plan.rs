//! Where each side comes from, decided once, before anything is built or run.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::budget::{BaselineMode, BudgetFile, LighthouseConfig};
use crate::runner::lighthouse;
use crate::runner::rerun;
use crate::runner::shard::Shard;

/// Where head's results come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadPlan {
    /// Measure the work tree: criterion benches, Lighthouse pages, k6 scripts.
    Measure,
    /// Results files measured elsewhere (several are merged into one run).
    Files(Vec<PathBuf>),
}

/// Where the base's results come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasePlan {
    /// Results files (several are merged): a separate run, possibly on another machine — or,
    /// when base and head files name each other as measured interleaved (the shards of a
    /// matrix), an interleaved pair.
    Files(Vec<PathBuf>),
    /// A/A: HEAD measured against itself, interleaved, to see this machine's false-alarm rate.
    Itself,
    /// This commit measured in this job, interleaved with head; what cannot be measured here
    /// (k6, pages `check` cannot serve) comes from its stored results.
    Rerun(String),
    /// This commit's stored results (or its nearest ancestor's).
    Store(String),
}

/// The whole plan of one gate run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Head's source.
    pub head: HeadPlan,
    /// The base's source.
    pub base: BasePlan,
    /// Interleaved rounds, when anything is interleaved.
    pub rounds: u32,
    /// Only this shard's share of the criterion benchmarks.
    pub shard: Option<Shard>,
    /// Seeds which side goes first in each pair of rounds; recorded in the report.
    pub seed: u64,
}

/// What the user asked for: flags and budget settings, before the base commit is resolved.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `--results`: head results measured elsewhere.
    pub head_files: Vec<PathBuf>,
    /// `--base FILE…`.
    pub base_files: Vec<PathBuf>,
    /// `--base-rev`.
    pub base_rev: Option<String>,
    /// `--aa`.
    pub aa: bool,
    /// `--baseline`, else the budget file's.
    pub mode: Option<BaselineMode>,
    /// `--rounds`, else the budget file's.
    pub rounds: Option<u32>,
    /// The pull request's base commit as the CI event gives it (see
    /// `github::Context::pull_request_base`).
    pub pull_request_base: Option<String>,
    /// `--seed`: the order of the sides in interleaved rounds; `None` draws one.
    pub seed: Option<u64>,
    /// `--shard K/N`.
    pub shard: Option<Shard>,
}

/// The most interleaved rounds `--rounds` accepts (as `rounds` in the budget file).
pub const MAX_ROUNDS: u32 = 50;

impl Plan {
    /// Resolves `request` against the budget file: the base commit is found here, once (from
    /// `--base-rev`, the pull request's base, or `git merge-base HEAD <main-branch>`), in the
    /// repository of `budget_dir`.
    pub fn resolve(
        request: &Request,
        budget: &BudgetFile,
        budget_dir: &Path,
    ) -> anyhow::Result<Plan> {
        let settings = &budget.settings;
        let rounds = match request.rounds {
            // The budget file's `rounds` is checked when it is read; the flag here, with the
            // same range, so the error names the flag rather than the budget file.
            Some(n) if !(1..=MAX_ROUNDS).contains(&n) => {
                anyhow::bail!("--rounds must be between 1 and {MAX_ROUNDS}, found {n}")
            }
            Some(n) => n,
            None => settings.rounds,
        };
        let head = match request.head_files.as_slice() {
            [] => HeadPlan::Measure,
            files => HeadPlan::Files(files.to_vec()),
        };
        let base_commit = || {
            rerun::resolve_base(
                budget_dir,
                request.base_rev.as_deref(),
                &settings.main_branch,
                request.pull_request_base.as_deref(),
            )
            .context("finding the base commit")
        };
        let base = if !request.base_files.is_empty() {
            BasePlan::Files(request.base_files.clone())
        } else if request.aa {
            if head != HeadPlan::Measure {
                anyhow::bail!("--aa measures HEAD against itself; it cannot take --results");
            }
            BasePlan::Itself
        } else {
            let mode = request.mode.unwrap_or(settings.baseline);
            match (&head, mode) {
                (HeadPlan::Measure, BaselineMode::Rerun) => BasePlan::Rerun(base_commit()?),
                // Head measured elsewhere cannot be interleaved with anything here.
                (HeadPlan::Files(_), BaselineMode::Rerun) if request.mode.is_some() => {
                    anyhow::bail!(
                        "--baseline rerun measures head in this job; with --results the base comes from --base or the result store"
                    )
                }
                _ => BasePlan::Store(base_commit()?),
            }
        };
        let seed = request.seed.unwrap_or_else(fresh_seed);
        let plan = Plan {
            head,
            base,
            rounds,
            shard: request.shard,
            seed,
        };
        if let Some(shard) = plan.shard {
            if !plan.interleaves() || budget.criterion.is_none() {
                anyhow::bail!(
                    "--shard {shard} splits the criterion benchmarks of a rerun (base and head measured here, interleaved); this check measures none (no [criterion], or the base is a file or the store)"
                );
            }
        }
        Ok(plan)
    }

    /// True when base and head are measured here, interleaved.
    pub fn interleaves(&self) -> bool {
        self.head == HeadPlan::Measure && matches!(self.base, BasePlan::Itself | BasePlan::Rerun(_))
    }

    /// The base commit measured in this job (`None`: A/A, or nothing is measured here).
    pub fn rerun_commit(&self) -> Option<&str> {
        match &self.base {
            BasePlan::Rerun(sha) => Some(sha),
            _ => None,
        }
    }

    /// The Lighthouse tables measured on both sides in this job: those whose site `check` can
    /// start for the base too (`url`, `runs` and `serve`), when the plan interleaves.
    pub fn interleaved_pages<'b>(&self, budget: &'b BudgetFile) -> Vec<&'b LighthouseConfig> {
        if !self.interleaves() {
            return Vec::new();
        }
        budget
            .lighthouse
            .iter()
            .filter(|lh| lighthouse::can_interleave(lh))
            .collect()
    }
}

/// A seed nobody chose: the clock and the process id, mixed.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // Kept to 32 bits so the recorded seed is short enough to retype.
    (nanos ^ u64::from(std::process::id()).rotate_left(32)) % 1_000_000_007
}
