//! What `cargo metadata` says about a workspace, reduced to what the runner needs: its members'
//! bench targets, which of them use criterion (and which release), and the selection of benches
//! a budget file asks for.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::{cargo, harness_in_source, list_or_none, same_file};
use crate::budget::CriterionConfig;
use crate::runner::criterion_cli::CriterionVersion;
use crate::runner::RunError;

/// Which benches to build in one tree, and what their criterion accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    /// Bench target names (`--bench NAME` each); never empty.
    pub benches: Vec<String>,
    /// The oldest criterion release among the packages of these benches (what every bench
    /// binary accepts); `None` when a bench's package does not depend on criterion under that
    /// name (a compatible fork), so the runner adds no flags of its own.
    pub criterion: Option<CriterionVersion>,
    /// Benches left out because they do not use criterion (the libtest harness), for notes.
    pub skipped: Vec<String>,
}

/// How strictly [`Metadata::select`] treats a missing package or bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Requirement {
    /// Head: a configured package or bench that does not exist is a configuration error.
    Strict,
    /// Base: what does not exist yet is simply not measured (the report calls it new).
    Available,
}

/// What `cargo metadata` says about a workspace, reduced to what we need.
#[derive(Debug, Clone)]
pub(crate) struct Metadata {
    /// cargo's target directory for this workspace.
    pub target_directory: PathBuf,
    /// The workspace's root directory (where its `Cargo.lock` is).
    pub workspace_root: PathBuf,
    /// The workspace's members (only these are benched).
    packages: Vec<CargoPackage>,
    /// Every package of the resolved graph with its version, by id.
    versions: Vec<(String, String, String)>,
    /// The resolved dependency graph: package id → ids of its dependencies.
    graph: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct CargoMetadata {
    pub(super) packages: Vec<CargoPackage>,
    #[serde(default)]
    pub(super) workspace_members: Vec<String>,
    #[serde(default)]
    pub(super) resolve: Option<CargoResolve>,
    pub(super) target_directory: PathBuf,
    #[serde(default)]
    pub(super) workspace_root: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct CargoPackage {
    #[serde(default)]
    pub(super) id: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) version: String,
    pub(super) manifest_path: PathBuf,
    pub(super) targets: Vec<CargoTarget>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct CargoTarget {
    pub(super) name: String,
    pub(super) kind: Vec<String>,
    /// The target's main source file.
    #[serde(default)]
    pub(super) src_path: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct CargoResolve {
    pub(super) nodes: Vec<CargoNode>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct CargoNode {
    pub(super) id: String,
    #[serde(default)]
    pub(super) dependencies: Vec<String>,
}

/// A bench target's name, its package, and its harness when it is not criterion.
type BenchTarget<'a> = (&'a str, &'a CargoPackage, Option<&'static str>);

impl Metadata {
    /// Runs `cargo metadata` for `manifest` (with the dependency graph, to find each package's
    /// criterion; this resolves the lockfile like `cargo bench` would, but builds nothing).
    pub(crate) fn read(manifest: &Path) -> Result<Metadata, RunError> {
        Metadata::read_with(manifest, true)
    }

    /// `cargo metadata --no-deps`: the workspace without its dependency graph (no criterion
    /// releases), for its target directory and root.
    pub(crate) fn read_no_deps(manifest: &Path) -> Result<Metadata, RunError> {
        Metadata::read_with(manifest, false)
    }

    fn read_with(manifest: &Path, dependencies: bool) -> Result<Metadata, RunError> {
        let mut command = Command::new(cargo());
        command.args(["metadata", "--format-version", "1"]);
        if !dependencies {
            command.arg("--no-deps");
        }
        command.arg("--manifest-path").arg(manifest);
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|source| RunError::Spawn {
                program: "cargo metadata".into(),
                source,
            })?;
        if !output.status.success() {
            return Err(RunError::Metadata {
                manifest: manifest.to_path_buf(),
                message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        let parsed: CargoMetadata =
            serde_json::from_slice(&output.stdout).map_err(|e| RunError::Metadata {
                manifest: manifest.to_path_buf(),
                message: format!("unexpected output: {e}"),
            })?;
        Ok(Metadata::from_cargo(parsed))
    }

    pub(super) fn from_cargo(parsed: CargoMetadata) -> Metadata {
        let versions = parsed
            .packages
            .iter()
            .map(|p| (p.id.clone(), p.name.clone(), p.version.clone()))
            .collect();
        let graph = parsed
            .resolve
            .map(|r| {
                r.nodes
                    .into_iter()
                    .map(|n| (n.id, n.dependencies))
                    .collect()
            })
            .unwrap_or_default();
        let members = parsed.workspace_members;
        let packages = parsed
            .packages
            .into_iter()
            .filter(|p| members.is_empty() || members.contains(&p.id))
            .collect();
        Metadata {
            target_directory: parsed.target_directory,
            workspace_root: parsed.workspace_root,
            packages,
            versions,
            graph,
        }
    }

    /// The criterion release the package `id` uses: its own dependency named `criterion`, else
    /// the nearest one among its dependencies' dependencies (a wrapper crate).
    fn criterion_of(&self, id: &str) -> Option<CriterionVersion> {
        let name_of = |id: &str| self.versions.iter().find(|(i, _, _)| i == id);
        let deps_of = |id: &str| {
            self.graph
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, d)| d.as_slice())
                .unwrap_or(&[])
        };
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut level: Vec<&str> = vec![id];
        while !level.is_empty() {
            let mut next = Vec::new();
            for current in level {
                for dep in deps_of(current) {
                    if !seen.insert(dep.as_str()) {
                        continue;
                    }
                    if let Some((_, name, version)) = name_of(dep) {
                        if name == "criterion" {
                            return CriterionVersion::parse(version);
                        }
                    }
                    next.push(dep.as_str());
                }
            }
            level = next;
        }
        None
    }

    /// The names of the bench targets of the member `package`, or of every member when `None`
    /// (for benches that are not criterion's: divan); an unknown package has none.
    pub(crate) fn bench_targets(&self, package: Option<&str>) -> BTreeSet<String> {
        self.packages
            .iter()
            .filter(|p| package.is_none_or(|name| p.name == name))
            .flat_map(|p| &p.targets)
            .filter(|t| t.kind.iter().any(|k| k == "bench"))
            .map(|t| t.name.clone())
            .collect()
    }

    /// The benches to build for `config` in the tree whose manifest is `manifest`. `None` when
    /// there is nothing to measure (only with [`Requirement::Available`]).
    pub(crate) fn select(
        &self,
        config: &CriterionConfig,
        manifest: &Path,
        requirement: Requirement,
    ) -> Result<Option<Selection>, RunError> {
        let strict = requirement == Requirement::Strict;
        let packages: Vec<&CargoPackage> = match &config.package {
            Some(name) => self.packages.iter().filter(|p| &p.name == name).collect(),
            None => {
                let own: Vec<&CargoPackage> = self
                    .packages
                    .iter()
                    .filter(|p| same_file(&p.manifest_path, manifest))
                    .collect();
                // A virtual workspace manifest is no package: all members are benched.
                if own.is_empty() {
                    self.packages.iter().collect()
                } else {
                    own
                }
            }
        };
        if packages.is_empty() {
            if let (true, Some(name)) = (strict, &config.package) {
                let names: Vec<&str> = self.packages.iter().map(|p| p.name.as_str()).collect();
                return Err(RunError::Config(format!(
                    "`package = {name:?}`: no such package in the workspace of {} (packages: {})",
                    manifest.display(),
                    names.join(", ")
                )));
            }
            return Ok(None);
        }
        // Every bench target with its package and, when it is not criterion, its harness.
        let mut targets: Vec<BenchTarget<'_>> = Vec::new();
        for package in &packages {
            let harnesses = bench_harnesses(&package.manifest_path)?;
            for target in package
                .targets
                .iter()
                .filter(|t| t.kind.iter().any(|k| k == "bench"))
            {
                let libtest = harnesses
                    .iter()
                    .find(|(name, _)| name == &target.name)
                    .is_none_or(|(_, harness)| *harness);
                let other = if libtest {
                    Some("libtest")
                } else {
                    harness_in_source(&target.src_path)
                };
                targets.push((target.name.as_str(), package, other));
            }
        }
        let available: BTreeSet<&str> = targets.iter().map(|(n, _, _)| *n).collect();
        let mut skipped = Vec::new();
        let chosen: Vec<&BenchTarget<'_>> = if config.benches.is_empty() {
            let (others, criterion): (Vec<&BenchTarget<'_>>, Vec<_>) =
                targets.iter().partition(|(_, _, other)| other.is_some());
            skipped.extend(
                others
                    .iter()
                    .map(|(n, _, h)| format!("{n} ({})", h.unwrap_or("libtest"))),
            );
            criterion
        } else {
            let missing: Vec<&String> = config
                .benches
                .iter()
                .filter(|b| !available.contains(b.as_str()))
                .collect();
            if strict && !missing.is_empty() {
                return Err(RunError::Config(format!(
                    "`benches`: no bench target named {} in {} (bench targets: {})",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    manifest.display(),
                    list_or_none(&available)
                )));
            }
            let mut chosen: Vec<&BenchTarget<'_>> = Vec::new();
            for bench in &config.benches {
                for target in targets.iter().filter(|(n, _, _)| n == bench) {
                    match target.2 {
                        Some("libtest") if strict => {
                            return Err(RunError::Config(format!(
                                "`benches`: `{bench}` in {} runs on libtest's bench harness, not \
                                 criterion's (add `[[bench]] name = \"{bench}\"` with \
                                 `harness = false` to its Cargo.toml, or leave it out of `benches`)",
                                target.1.manifest_path.display()
                            )));
                        }
                        Some(other) if strict => {
                            return Err(RunError::Config(format!(
                                "`benches`: `{bench}` in {} is a {other} bench, not a criterion one \
                                 (its source calls {other}'s main): leave it out of `benches`",
                                target.1.manifest_path.display()
                            )));
                        }
                        _ => {}
                    }
                    if target.2.is_none() && !chosen.iter().any(|c| c.0 == target.0) {
                        chosen.push(target);
                    }
                }
            }
            chosen
        };
        if chosen.is_empty() {
            if strict {
                return Err(RunError::Config(format!(
                    "{} has no criterion bench targets to run (add a `[[bench]]` with \
                     `harness = false` for criterion, or remove `[criterion]`)",
                    manifest.display()
                )));
            }
            return Ok(None);
        }
        let mut criterion: Option<CriterionVersion> = None;
        let mut unknown = false;
        for (_, package, _) in &chosen {
            match self.criterion_of(&package.id) {
                Some(v) => criterion = Some(criterion.map_or(v, |c| c.min(v))),
                None => unknown = true,
            }
        }
        Ok(Some(Selection {
            benches: chosen.iter().map(|(n, _, _)| n.to_string()).collect(),
            criterion: if unknown { None } else { criterion },
            skipped,
        }))
    }
}

/// `[[bench]]` entries of a package manifest that say `harness`: name → harness. Benches
/// without an entry (found in `benches/`) use libtest's harness.
fn bench_harnesses(manifest: &Path) -> Result<Vec<(String, bool)>, RunError> {
    let text = std::fs::read_to_string(manifest).map_err(|e| RunError::io(manifest, e))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| RunError::Metadata {
        manifest: manifest.to_path_buf(),
        message: format!("not a TOML table: {e}"),
    })?;
    let Some(benches) = table.get("bench").and_then(|b| b.as_array()) else {
        return Ok(Vec::new());
    };
    Ok(benches
        .iter()
        .filter_map(|b| {
            let name = b.get("name")?.as_str()?.to_string();
            let harness = b.get("harness").and_then(|h| h.as_bool()).unwrap_or(true);
            Some((name, harness))
        })
        .collect())
}
