//! Measuring, as the gate asks for it: [`Measure`] says what can be measured; [`ProjectMeasure`]
//! measures a real project (cargo bench, Lighthouse, k6) and owns the base checkout the
//! interleaved measurements share. Tests implement the trait with canned results.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::budget::{CriterionConfig, GungraunConfig, K6Config, LighthouseConfig, SizeConfig};
use crate::budget::{DivanConfig, HyperfineConfig};
use crate::model::ResultsFile;
use crate::runner::cargo_bench::{measure_head, BenchOptions};
use crate::runner::lighthouse::{self, BaseSite, InterleavedResults};
use crate::runner::rerun::{self, BaseCheckout, RerunOptions, RerunResults};
use crate::runner::shard::Shard;

/// Everything the gate can have measured. `base: None` means A/A: HEAD against itself.
pub trait Measure {
    /// HEAD's criterion benches, once.
    fn benches(&self, criterion: &CriterionConfig) -> anyhow::Result<ResultsFile>;

    /// Base and HEAD's criterion benches, built once each and run interleaved for `rounds`
    /// rounds numbered from `first_round`; `only`: just these benchmarks (criterion full ids),
    /// empty for all.
    fn benches_interleaved(
        &self,
        criterion: &CriterionConfig,
        base: Option<&str>,
        rounds: u32,
        only: &[String],
        first_round: u32,
    ) -> anyhow::Result<RerunResults>;

    /// One Lighthouse page on both sides, interleaved, each side served from its own checkout.
    fn page_interleaved(
        &self,
        page: &LighthouseConfig,
        base: Option<&str>,
    ) -> anyhow::Result<InterleavedResults>;

    /// One Lighthouse table on HEAD (run, or its reports imported).
    fn page(&self, page: &LighthouseConfig) -> anyhow::Result<ResultsFile>;

    /// One k6 table on HEAD (run, or its output imported).
    fn load_test(&self, k6: &K6Config) -> anyhow::Result<ResultsFile>;

    /// One `[[size]]` table: built and weighed in the work tree (`base: None`) or in the base
    /// checkout of `base`.
    fn size(&self, size: &SizeConfig, base: Option<&str>) -> anyhow::Result<ResultsFile>;

    /// One `[[gungraun]]` table: its benches run under valgrind in the work tree (`base: None`)
    /// or in the base checkout of `base`.
    fn gungraun(
        &self,
        gungraun: &GungraunConfig,
        base: Option<&str>,
    ) -> anyhow::Result<ResultsFile>;

    /// Whether a `[[gungraun]]` table can run here (its benches exist, valgrind and the runner
    /// of the benches' gungraun version are installed), checked before anything is measured.
    fn gungraun_ready(&self, _gungraun: &GungraunConfig) -> anyhow::Result<()> {
        Ok(())
    }

    /// One `[[hyperfine]]` table on HEAD: built and timed once in the work tree.
    fn hyperfine(&self, hyperfine: &HyperfineConfig) -> anyhow::Result<ResultsFile>;

    /// One `[[hyperfine]]` table on both sides, each built in its own tree and timed in
    /// `rounds` interleaved rounds; `base: None` is A/A.
    fn hyperfine_interleaved(
        &self,
        hyperfine: &HyperfineConfig,
        base: Option<&str>,
        rounds: u32,
    ) -> anyhow::Result<InterleavedResults>;

    /// One `[[divan]]` table on HEAD: its benches built and run once.
    fn divan(&self, divan: &DivanConfig) -> anyhow::Result<ResultsFile>;

    /// One `[[divan]]` table on both sides, built once each and run in `rounds` interleaved
    /// rounds; `base: None` is A/A.
    fn divan_interleaved(
        &self,
        divan: &DivanConfig,
        base: Option<&str>,
        rounds: u32,
    ) -> anyhow::Result<InterleavedResults>;

    /// HEAD's commit, when the project is in a git repository.
    fn head_commit(&self) -> Option<String>;

    /// Every measurement of the base is done: a checkout may be released.
    fn base_done(&self) {}
}

/// Measures the project whose budget file is in `budget_dir`.
pub struct ProjectMeasure {
    budget_dir: PathBuf,
    manifest: PathBuf,
    main_branch: String,
    quiet: bool,
    /// Share one base checkout between the criterion rerun and interleaved pages.
    share_checkout: bool,
    /// Seeds the order of the sides in interleaved rounds.
    seed: u64,
    /// Only this shard's share of the benchmarks.
    shard: Option<Shard>,
    checkout: RefCell<Option<BaseCheckout>>,
}

impl ProjectMeasure {
    /// A measurer for the project of `budget_dir`; `manifest` is its Cargo.toml (`None`: the
    /// one in `budget_dir`). `share_checkout`: make one base checkout for everything measured
    /// on the base (needed when pages are served from it). `seed`: the order of the sides in
    /// interleaved rounds (see `runner::rerun::base_first`).
    pub fn new(
        budget_dir: &Path,
        manifest: Option<PathBuf>,
        main_branch: &str,
        quiet: bool,
        share_checkout: bool,
        seed: u64,
    ) -> ProjectMeasure {
        ProjectMeasure {
            budget_dir: budget_dir.to_path_buf(),
            manifest: manifest.unwrap_or_else(|| budget_dir.join("Cargo.toml")),
            main_branch: main_branch.to_string(),
            quiet,
            share_checkout,
            seed,
            shard: None,
            checkout: RefCell::new(None),
        }
    }

    /// Measures only `shard`'s share of the criterion benchmarks (`check --shard K/N`).
    pub fn with_shard(mut self, shard: Option<Shard>) -> ProjectMeasure {
        self.shard = shard;
        self
    }

    fn bench_options(&self, criterion: &CriterionConfig) -> BenchOptions {
        BenchOptions::new(self.manifest.clone(), criterion.clone(), self.quiet)
    }

    /// Runs `f` with the shared checkout of `commit`, made on first use.
    fn with_checkout<T>(
        &self,
        commit: &str,
        f: impl FnOnce(&BaseCheckout) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut slot = self.checkout.borrow_mut();
        if slot.as_ref().is_none_or(|c| c.sha() != commit) {
            *slot = Some(
                rerun::checkout_base(&self.budget_dir, Some(commit), &self.main_branch)
                    .context("checking out the base commit")?,
            );
        }
        match slot.as_ref() {
            Some(checkout) => f(checkout),
            None => anyhow::bail!("the base checkout of {commit} was not made"),
        }
    }
}

impl Measure for ProjectMeasure {
    fn benches(&self, criterion: &CriterionConfig) -> anyhow::Result<ResultsFile> {
        measure_head(&self.bench_options(criterion)).context("running the benchmarks")
    }

    fn benches_interleaved(
        &self,
        criterion: &CriterionConfig,
        base: Option<&str>,
        rounds: u32,
        only: &[String],
        first_round: u32,
    ) -> anyhow::Result<RerunResults> {
        let opts = RerunOptions {
            bench: self.bench_options(criterion),
            base_rev: base.map(str::to_string),
            main_branch: self.main_branch.clone(),
            rounds,
            aa: base.is_none(),
            only: only.to_vec(),
            first_round,
            seed: self.seed,
            shard: self.shard,
        };
        let result = match base {
            Some(commit) if self.share_checkout => {
                self.with_checkout(commit, |c| Ok(rerun::run_in(&opts, Some(c))?))
            }
            _ => Ok(rerun::run_in(&opts, None)?),
        };
        result.context("measuring base and head interleaved")
    }

    fn page_interleaved(
        &self,
        page: &LighthouseConfig,
        base: Option<&str>,
    ) -> anyhow::Result<InterleavedResults> {
        let measure = |site: &BaseSite| {
            lighthouse::interleave(page, &self.budget_dir, site, self.quiet)
                .with_context(|| format!("Lighthouse {:?}, base and head interleaved", page.name))
        };
        match base {
            Some(commit) => self.with_checkout(commit, |c| {
                let site = BaseSite {
                    dir: c.path().join(relative_to_repository(
                        &self.budget_dir,
                        c.source_workdir(),
                    )?),
                    label: c.label(),
                };
                measure(&site)
            }),
            // A/A: both sides are served from the work tree.
            None => measure(&BaseSite {
                dir: self.budget_dir.clone(),
                label: "base (A/A)".into(),
            }),
        }
    }

    fn page(&self, page: &LighthouseConfig) -> anyhow::Result<ResultsFile> {
        lighthouse::collect(page, &self.budget_dir, self.quiet)
            .with_context(|| format!("Lighthouse {:?}", page.name))
    }

    fn load_test(&self, k6: &K6Config) -> anyhow::Result<ResultsFile> {
        crate::runner::k6::collect(k6, &self.budget_dir, self.quiet)
            .with_context(|| format!("k6 {:?}", k6.name))
    }

    fn size(&self, size: &SizeConfig, base: Option<&str>) -> anyhow::Result<ResultsFile> {
        let context = || format!("[[size]] {:?}", size.name);
        match base {
            None => crate::runner::size::measure(size, &self.budget_dir, self.quiet)
                .with_context(context),
            Some(commit) => self.with_checkout(commit, |c| {
                let dir = c.path().join(relative_to_repository(
                    &self.budget_dir,
                    c.source_workdir(),
                )?);
                crate::runner::size::measure(size, &dir, self.quiet)
                    .with_context(|| format!("{} on {}", context(), c.label()))
            }),
        }
    }

    fn gungraun(
        &self,
        gungraun: &GungraunConfig,
        base: Option<&str>,
    ) -> anyhow::Result<ResultsFile> {
        use crate::runner::gungraun::{measure, package_facts, Side};
        // Every error names the table and the side already.
        let manifest = self
            .manifest
            .canonicalize()
            .with_context(|| format!("reading {}", self.manifest.display()))?;
        let head = package_facts(gungraun, &manifest, "head")?;
        // Every side's summaries in a folder of its own under head's target directory.
        let home = head.target_directory.join("perf-budget").join("gungraun");
        match base {
            None => {
                let side = Side {
                    label: "head".into(),
                    manifest,
                    target_dir: None,
                    home: home.join("head"),
                    may_lack_benches: false,
                };
                Ok(measure(gungraun, &side, &head, self.quiet)?)
            }
            Some(commit) => self.with_checkout(commit, |c| {
                let package_dir = manifest.parent().unwrap_or(Path::new("/"));
                let relative = relative_to_repository(package_dir, c.source_workdir())?;
                let base_manifest = c.path().join(relative).join(
                    manifest
                        .file_name()
                        .unwrap_or(std::ffi::OsStr::new("Cargo.toml")),
                );
                let facts = package_facts(gungraun, &base_manifest, &c.label())?;
                // The runner must match the library: one runner cannot run two versions.
                if !facts.library_versions.is_empty()
                    && facts.library_versions != head.library_versions
                {
                    anyhow::bail!(
                        "[[gungraun]] {}: {} uses gungraun {} and head {}; one gungraun-runner runs only one version, so the base cannot be counted in this job (compare with stored results: `--baseline store`)",
                        gungraun.benches.join(", "),
                        c.label(),
                        facts.library_versions.join(", "),
                        head.library_versions.join(", ")
                    );
                }
                // The base builds where the criterion rerun builds it.
                let side = Side {
                    label: c.label(),
                    manifest: base_manifest,
                    target_dir: Some(head.target_directory.join("perf-budget").join("base")),
                    home: home.join("base"),
                    may_lack_benches: true,
                };
                let mut results = measure(gungraun, &side, &facts, self.quiet)?;
                results.commit = Some(c.sha().to_string());
                Ok(results)
            }),
        }
    }

    fn gungraun_ready(&self, gungraun: &GungraunConfig) -> anyhow::Result<()> {
        let manifest = self
            .manifest
            .canonicalize()
            .with_context(|| format!("reading {}", self.manifest.display()))?;
        let facts = crate::runner::gungraun::package_facts(gungraun, &manifest, "head")?;
        crate::runner::gungraun::ready(gungraun, &facts, &manifest)?;
        Ok(())
    }

    fn hyperfine(&self, hyperfine: &HyperfineConfig) -> anyhow::Result<ResultsFile> {
        crate::runner::hyperfine::measure(hyperfine, &self.budget_dir, self.quiet)
            .context("measuring [[hyperfine]] on head")
    }

    fn hyperfine_interleaved(
        &self,
        hyperfine: &HyperfineConfig,
        base: Option<&str>,
        rounds: u32,
    ) -> anyhow::Result<InterleavedResults> {
        let measure = |side: Option<&crate::runner::hyperfine::SideDir>| {
            crate::runner::hyperfine::interleave(
                hyperfine,
                &self.budget_dir,
                side,
                rounds,
                self.seed,
                self.quiet,
            )
            .context("measuring [[hyperfine]], base and head interleaved")
        };
        match base {
            None => measure(None),
            Some(commit) => self.with_checkout(commit, |c| {
                let side = crate::runner::hyperfine::SideDir {
                    dir: c.path().join(relative_to_repository(
                        &self.budget_dir,
                        c.source_workdir(),
                    )?),
                    label: c.label(),
                };
                measure(Some(&side))
            }),
        }
    }

    fn divan(&self, divan: &DivanConfig) -> anyhow::Result<ResultsFile> {
        crate::runner::divan::measure(divan, &self.manifest, self.quiet)
            .context("measuring [[divan]] on head")
    }

    fn divan_interleaved(
        &self,
        divan: &DivanConfig,
        base: Option<&str>,
        rounds: u32,
    ) -> anyhow::Result<InterleavedResults> {
        let measure = |tree: Option<&crate::runner::divan::BaseTree>| {
            crate::runner::divan::interleave(
                divan,
                &self.manifest,
                tree,
                rounds,
                self.seed,
                self.quiet,
            )
            .context("measuring [[divan]], base and head interleaved")
        };
        match base {
            None => measure(None),
            Some(commit) => self.with_checkout(commit, |c| {
                let package = self.manifest.parent().unwrap_or(Path::new("."));
                let package = if package.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    package
                };
                let file = self.manifest.file_name().unwrap_or("Cargo.toml".as_ref());
                let tree = crate::runner::divan::BaseTree {
                    manifest: c
                        .path()
                        .join(relative_to_repository(package, c.source_workdir())?)
                        .join(file),
                    label: c.label(),
                };
                measure(Some(&tree))
            }),
        }
    }

    fn head_commit(&self) -> Option<String> {
        crate::runner::cargo_bench::head_commit(&self.budget_dir)
    }

    fn base_done(&self) {
        self.checkout.borrow_mut().take();
    }
}

/// `dir` relative to the top level of its git work tree `workdir`: where the budget file's
/// folder is in the base checkout.
fn relative_to_repository(dir: &Path, workdir: &Path) -> anyhow::Result<PathBuf> {
    let absolute = dir
        .canonicalize()
        .with_context(|| format!("reading {}", dir.display()))?;
    absolute
        .strip_prefix(workdir)
        .map(Path::to_path_buf)
        .map_err(|_| {
            anyhow::anyhow!(
                "the budget file's folder {} is outside the git work tree {}, so it has no base version to serve",
                absolute.display(),
                workdir.display()
            )
        })
}
