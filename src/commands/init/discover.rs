//! What `init` finds in a project: criterion benches and their release, the main branch,
//! Lighthouse CI output or configuration, k6 scripts.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use anyhow::Context as _;

/// Directories where k6 scripts usually live, relative to the project root.
pub(super) const K6_DIRS: &[&str] = &[
    "k6",
    "load",
    "loadtest",
    "loadtests",
    "load-test",
    "load-tests",
    "tests/load",
    "tests/k6",
    "test/load",
    "test/k6",
    "perf",
    "performance",
    "scripts/k6",
];
/// Lighthouse CI configuration file names.
pub(super) const LIGHTHOUSERC: &[&str] = &[
    "lighthouserc.json",
    ".lighthouserc.json",
    "lighthouserc.js",
    ".lighthouserc.js",
    "lighthouserc.cjs",
    ".lighthouserc.cjs",
    "lighthouserc.yml",
    ".lighthouserc.yml",
    "lighthouserc.yaml",
    ".lighthouserc.yaml",
];
/// Scripts larger than this are not read when looking for k6 imports.
pub(super) const MAX_SCRIPT_BYTES: u64 = 1 << 20;
/// At most this many k6 scripts are configured; more is a sign of a vendored tree.
pub(super) const MAX_K6_SCRIPTS: usize = 20;

/// What `init` found in the project.
#[derive(Debug, Default)]
pub(super) struct Project {
    pub(super) criterion: Option<CriterionFound>,
    /// Other benchmark harnesses among the dev-dependencies (`divan`, `gungraun`) and the bench
    /// targets that use them, which `init` proposes as `[[divan]]` and `[[gungraun]]` tables.
    pub(super) harnesses: Vec<HarnessFound>,
    /// Further workspace packages with criterion benches, named in a comment.
    pub(super) other_packages: Vec<String>,
    pub(super) lighthouse: Vec<PageFound>,
    /// The repository's main branch, when it can be told.
    pub(super) main_branch: Option<MainBranch>,
    /// Whether Lighthouse output or configuration exists at all.
    pub(super) lighthouse_reports: Option<String>,
    pub(super) k6: Vec<ScriptFound>,
}

#[derive(Debug)]
pub(super) struct CriterionFound {
    /// Package to bench, when it is not the manifest's own package.
    pub(super) package: Option<String>,
    /// Bench targets declared with `harness = false`.
    pub(super) benches: Vec<String>,
    /// Whether the package has bench targets criterion does not run (libtest, divan or gungraun
    /// benches): then the criterion ones must be listed, since `cargo bench` would run everything.
    pub(super) has_other_benches: bool,
    /// Whether some of those are libtest benches, which nothing here runs.
    pub(super) libtest_benches: bool,
    /// The criterion release the package uses, e.g. `criterion 0.3.6` (from Cargo.lock).
    pub(super) release: Option<String>,
    /// Whether that release takes whole seconds only (criterion 0.3).
    pub(super) whole_seconds: bool,
}

/// A harness other than criterion among the dev-dependencies.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct HarnessFound {
    /// `divan`, `gungraun`, or `iai-callgrind` (which `check` does not run: advice only).
    pub(super) harness: &'static str,
    /// The package's `harness = false` bench targets whose source uses it (may be empty: the
    /// dependency is there, no bench target uses it yet).
    pub(super) benches: Vec<String>,
}

impl HarnessFound {
    /// Whether `check` runs these benches through a table of their own.
    pub(super) fn has_table(&self) -> bool {
        matches!(self.harness, "divan" | "gungraun") && !self.benches.is_empty()
    }
}

/// The main branch and how it was found.
#[derive(Debug)]
pub(super) struct MainBranch {
    pub(super) name: String,
    pub(super) source: &'static str,
}

#[derive(Debug)]
pub(super) struct PageFound {
    pub(super) name: String,
    pub(super) url: Option<String>,
}

#[derive(Debug)]
pub(super) struct ScriptFound {
    pub(super) name: String,
    /// Relative to the project root, with `/`.
    pub(super) script: String,
}

impl Project {
    pub(super) fn is_empty(&self) -> bool {
        self.criterion.is_none()
            && self.lighthouse.is_empty()
            && self.k6.is_empty()
            && !self.harnesses.iter().any(HarnessFound::has_table)
    }

    /// Whether `check` will measure benches of its own on both sides (criterion, divan or
    /// gungraun tables), which makes rerunning the base the default.
    pub(super) fn reruns(&self) -> bool {
        self.criterion.is_some() || self.harnesses.iter().any(HarnessFound::has_table)
    }

    pub(super) fn discover(root: &Path, has_manifest: bool) -> anyhow::Result<Project> {
        let mut project = Project::default();
        if has_manifest {
            let manifest = read_manifest(&root.join("Cargo.toml"))?;
            let targets = bench_targets(root, &manifest);
            project.find_criterion(root, &manifest, &targets);
            // Each harness: its dev-dependencies and the kind its bench sources show. iai-callgrind
            // (gungraun's former name) benches look like gungraun's, but `check` runs only the
            // `gungraun` crate's: they get the import advice instead, unless gungraun is there too.
            let iai_alone = !has_dev_dependency(&manifest, &["gungraun"]);
            for (harness, packages, source) in [
                ("divan", &["divan", "codspeed-divan-compat"][..], "divan"),
                ("gungraun", &["gungraun"][..], "gungraun"),
                ("iai-callgrind", &["iai-callgrind"][..], "gungraun"),
            ] {
                if !has_dev_dependency(&manifest, packages)
                    || (harness == "iai-callgrind" && !iai_alone)
                {
                    continue;
                }
                let benches = targets
                    .iter()
                    .filter(|t| !t.libtest && t.harness == Some(source))
                    .map(|t| t.name.clone())
                    .collect();
                project.harnesses.push(HarnessFound { harness, benches });
            }
        }
        project.main_branch = main_branch(root);
        project.find_lighthouse(root);
        project.find_k6(root);
        Ok(project)
    }

    /// The criterion benches of the root package (its `manifest` and bench `targets`, read by
    /// the caller) and of the workspace's members.
    pub(super) fn find_criterion(
        &mut self,
        root: &Path,
        manifest: &toml::Table,
        targets: &[BenchTarget],
    ) {
        let mut found: Vec<(String, CriterionFound)> = Vec::new();
        if let Some(own) = criterion_benches(manifest, targets) {
            found.push((String::new(), own));
        }
        for member in workspace_members(root, manifest) {
            let Ok(member_manifest) = read_manifest(&member.join("Cargo.toml")) else {
                // A broken member is cargo's to report; it cannot hide benches of ours.
                continue;
            };
            let member_targets = bench_targets(&member, &member_manifest);
            if let Some(mut benches) = criterion_benches(&member_manifest, &member_targets) {
                let name = package_name(&member_manifest).unwrap_or_default();
                benches.package = Some(name.clone());
                found.push((name, benches));
            }
        }
        let lock = read_manifest(&root.join("Cargo.lock")).ok();
        for (name, benches) in &mut found {
            let name = if name.is_empty() {
                package_name(manifest).unwrap_or_default()
            } else {
                name.clone()
            };
            if let Some((package, version)) =
                lock.as_ref().and_then(|l| criterion_release(l, &name))
            {
                benches.whole_seconds = package == "criterion" && version.starts_with("0.3.");
                benches.release = Some(format!("{package} {version}"));
            }
        }
        let mut found = found.into_iter();
        self.criterion = found.next().map(|(_, benches)| benches);
        self.other_packages = found.map(|(name, _)| name).collect();
    }

    pub(super) fn find_lighthouse(&mut self, root: &Path) {
        let has_lhci_dir = root.join(".lighthouseci").is_dir();
        let rc = LIGHTHOUSERC
            .iter()
            .map(|name| root.join(name))
            .find(|path| path.is_file());
        if !has_lhci_dir && rc.is_none() {
            return;
        }
        self.lighthouse_reports = Some(".lighthouseci/lhr-*.json".to_string());
        let urls = rc
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .and_then(|path| std::fs::read_to_string(path).ok())
            .map(|text| lighthouserc_urls(&text))
            .unwrap_or_default();
        let mut names = BTreeSet::new();
        if urls.is_empty() {
            self.lighthouse.push(PageFound {
                name: unique_name("home", &mut names),
                url: None,
            });
        }
        for url in urls {
            self.lighthouse.push(PageFound {
                name: unique_name(&page_name(&url), &mut names),
                url: Some(url),
            });
        }
    }

    pub(super) fn find_k6(&mut self, root: &Path) {
        let mut scripts = BTreeSet::new();
        for dir in K6_DIRS {
            collect_k6_scripts(&root.join(dir), dir, 2, &mut scripts);
        }
        let mut names = BTreeSet::new();
        for script in scripts.into_iter().take(MAX_K6_SCRIPTS) {
            let stem = Path::new(&script)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.k6.push(ScriptFound {
                name: unique_name(&sanitize_name(&stem), &mut names),
                script,
            });
        }
    }
}

pub(super) fn read_manifest(path: &Path) -> anyhow::Result<toml::Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.parse::<toml::Table>()
        .with_context(|| format!("{} is not valid TOML", path.display()))
}

pub(super) fn package_name(manifest: &toml::Table) -> Option<String> {
    manifest
        .get("package")?
        .get("name")?
        .as_str()
        .map(str::to_string)
}

/// The criterion benches of one package: `[[bench]]` targets with `harness = false` whose source
/// is not a divan or gungraun bench, when criterion (or its CodSpeed drop-in) is a
/// dev-dependency.
pub(super) fn criterion_benches(
    manifest: &toml::Table,
    targets: &[BenchTarget],
) -> Option<CriterionFound> {
    manifest.get("package")?;
    if !has_criterion_dev_dependency(manifest) {
        return None;
    }
    let benches: Vec<String> = targets
        .iter()
        .filter(|t| !t.libtest && t.harness.is_none())
        .map(|t| t.name.clone())
        .collect();
    if benches.is_empty() {
        return None;
    }
    // `cargo bench` alone would run the others too (libtest benches, divan, gungraun).
    let has_other_benches = targets.len() > benches.len();
    let libtest_benches = targets.iter().any(|t| t.libtest);
    // Until a Cargo.lock says which release resolves, the manifest's requirement tells.
    let requirement = criterion_requirement(manifest);
    Some(CriterionFound {
        package: None,
        benches,
        has_other_benches,
        libtest_benches,
        whole_seconds: requirement.as_ref().is_some_and(|(name, req)| {
            name == "criterion"
                && req
                    .trim_start_matches(['=', '^', '~', ' '])
                    .starts_with("0.3")
        }),
        release: requirement
            .map(|(name, req)| format!("{name} {req:?} in Cargo.toml, no Cargo.lock yet")),
    })
}

/// The criterion dev-dependency's package and version requirement, as written.
pub(super) fn criterion_requirement(manifest: &toml::Table) -> Option<(String, String)> {
    let deps = ["dev-dependencies", "dev_dependencies"]
        .iter()
        .filter_map(|key| manifest.get(*key).and_then(toml::Value::as_table));
    for table in deps {
        for (name, spec) in table {
            let package = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(name);
            if !matches!(package, "criterion" | "codspeed-criterion-compat") {
                continue;
            }
            let requirement = spec
                .as_str()
                .or_else(|| spec.get("version").and_then(toml::Value::as_str))?;
            return Some((package.to_string(), requirement.to_string()));
        }
    }
    None
}

/// The criterion package and version the lockfile resolves for `package`'s dependencies:
/// `("criterion", "0.3.6")`.
pub(super) fn criterion_release(lock: &toml::Table, package: &str) -> Option<(String, String)> {
    let packages = lock.get("package")?.as_array()?;
    pub(super) fn field<'a>(p: &'a toml::Value, key: &str) -> Option<&'a str> {
        p.get(key).and_then(toml::Value::as_str)
    }
    let entry = packages
        .iter()
        .find(|p| field(p, "name") == Some(package))?;
    let deps = entry.get("dependencies")?.as_array()?;
    for dep in deps.iter().filter_map(toml::Value::as_str) {
        let mut words = dep.split_whitespace();
        let name = words.next().unwrap_or_default();
        if !matches!(name, "criterion" | "codspeed-criterion-compat") {
            continue;
        }
        // `name version` when the lockfile holds several versions of it, else just `name`.
        if let Some(version) = words.next() {
            return Some((name.to_string(), version.to_string()));
        }
        let version = packages
            .iter()
            .find(|p| field(p, "name") == Some(name))
            .and_then(|p| field(p, "version"))?;
        return Some((name.to_string(), version.to_string()));
    }
    None
}

/// The repository's main branch: the remote's default branch (`refs/remotes/origin/HEAD`),
/// else the current branch when it is `main` or `master`, else the only one of the two that
/// exists locally.
pub(super) fn main_branch(root: &Path) -> Option<MainBranch> {
    let repo = git2::Repository::discover(root).ok()?;
    if let Ok(reference) = repo.find_reference("refs/remotes/origin/HEAD") {
        if let Some(name) = reference
            .symbolic_target()
            .ok()
            .flatten()
            .and_then(|t| t.strip_prefix("refs/remotes/origin/"))
        {
            return Some(MainBranch {
                name: name.to_string(),
                source: "the default branch of origin",
            });
        }
    }
    let candidates = ["main", "master"];
    if let Some(current) = repo
        .head()
        .ok()
        .and_then(|h| h.shorthand().ok().map(str::to_string))
    {
        if candidates.contains(&current.as_str()) {
            return Some(MainBranch {
                name: current,
                source: "the current branch",
            });
        }
    }
    let local: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|name| repo.find_branch(name, git2::BranchType::Local).is_ok())
        .collect();
    match local.as_slice() {
        [only] => Some(MainBranch {
            name: only.to_string(),
            source: "the only local branch of main and master",
        }),
        _ => None,
    }
}

pub(super) fn has_criterion_dev_dependency(manifest: &toml::Table) -> bool {
    has_dev_dependency(manifest, &["criterion", "codspeed-criterion-compat"])
}

/// Whether the manifest has one of `packages` among its dev-dependencies (also per target, also
/// renamed with `package = …`).
pub(super) fn has_dev_dependency(manifest: &toml::Table, packages: &[&str]) -> bool {
    let is_criterion = |table: &toml::Value| {
        table.as_table().is_some_and(|deps| {
            deps.iter().any(|(name, spec)| {
                let package = spec
                    .get("package")
                    .and_then(toml::Value::as_str)
                    .unwrap_or(name);
                packages.contains(&package)
            })
        })
    };
    let direct = ["dev-dependencies", "dev_dependencies"]
        .iter()
        .filter_map(|key| manifest.get(*key))
        .any(is_criterion);
    let per_target = manifest
        .get("target")
        .and_then(toml::Value::as_table)
        .is_some_and(|targets| {
            targets.values().any(|t| {
                ["dev-dependencies", "dev_dependencies"]
                    .iter()
                    .filter_map(|key| t.get(*key))
                    .any(is_criterion)
            })
        });
    direct || per_target
}

/// A bench target of a package: declared in `[[bench]]` or found by cargo in `benches/`.
#[derive(Debug)]
pub(super) struct BenchTarget {
    pub(super) name: String,
    /// Run by libtest's bench harness (`harness = true`, the default; also every target cargo
    /// finds by itself without a `[[bench]]` entry).
    pub(super) libtest: bool,
    /// For a `harness = false` target, the harness its source uses when it is not criterion
    /// (`divan`, `gungraun`), as `check` tells them apart.
    pub(super) harness: Option<&'static str>,
}

/// The package's bench targets: the `[[bench]]` entries, then those cargo discovers in
/// `benches/` (unless `autobenches = false`) that no entry names.
pub(super) fn bench_targets(dir: &Path, manifest: &toml::Table) -> Vec<BenchTarget> {
    let mut sources: Vec<PathBuf> = Vec::new();
    let mut targets: Vec<BenchTarget> = manifest
        .get("bench")
        .and_then(toml::Value::as_array)
        .map(|benches| {
            benches
                .iter()
                .filter_map(|b| {
                    let name = b.get("name")?.as_str()?.to_string();
                    let libtest = b
                        .get("harness")
                        .and_then(toml::Value::as_bool)
                        .unwrap_or(true);
                    let source = match b.get("path").and_then(toml::Value::as_str) {
                        Some(path) => dir.join(path),
                        None => inferred_source(dir, &name),
                    };
                    let harness = if libtest {
                        None
                    } else {
                        crate::runner::cargo_bench::harness_in_source(&source)
                    };
                    sources.push(normalize(&source));
                    Some(BenchTarget {
                        name,
                        libtest,
                        harness,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let autobenches = manifest
        .get("package")
        .and_then(|p| p.get("autobenches"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(true);
    // A name declared twice is cargo's error to report; it is listed once here.
    let mut seen = BTreeSet::new();
    targets.retain(|t| seen.insert(t.name.clone()));
    if autobenches {
        for name in bench_files(&dir.join("benches")) {
            // cargo infers no target from a file a declared target already builds.
            if sources.contains(&normalize(&inferred_source(dir, &name))) {
                continue;
            }
            if !targets.iter().any(|t| t.name == name) {
                targets.push(BenchTarget {
                    name,
                    libtest: true,
                    harness: None,
                });
            }
        }
    }
    targets
}

/// The source cargo takes for a bench target `name` without a `path`: `benches/NAME.rs`, else
/// `benches/NAME/main.rs`.
fn inferred_source(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join("benches").join(format!("{name}.rs"));
    if file.is_file() {
        file
    } else {
        dir.join("benches").join(name).join("main.rs")
    }
}

/// Bench targets cargo discovers by itself: `benches/NAME.rs` and `benches/NAME/main.rs`.
pub(super) fn bench_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
            if let Some(stem) = path.file_stem() {
                names.push(stem.to_string_lossy().into_owned());
            }
        } else if path.join("main.rs").is_file() {
            if let Some(name) = path.file_name() {
                names.push(name.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    names
}

/// Member directories of a workspace: literal paths and globs (`crates/*`).
pub(super) fn workspace_members(root: &Path, manifest: &toml::Table) -> Vec<PathBuf> {
    let Some(members) = manifest
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(toml::Value::as_array)
    else {
        return Vec::new();
    };
    let mut dirs = BTreeSet::new();
    for pattern in members.iter().filter_map(toml::Value::as_str) {
        if !pattern.contains(['*', '?', '[']) {
            let dir = root.join(pattern);
            if dir.join("Cargo.toml").is_file() && dir != root {
                dirs.insert(dir);
            }
            continue;
        }
        // Globs in `members` expand one directory level at a time; `crates/*` is the usual form.
        let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
        else {
            continue;
        };
        let matcher = glob.compile_matcher();
        let base: PathBuf = Path::new(pattern)
            .components()
            .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
            .collect();
        let Ok(entries) = std::fs::read_dir(root.join(&base)) else {
            continue;
        };
        for entry in entries.flatten() {
            let relative = base.join(entry.file_name());
            if matcher.is_match(&relative) && entry.path().join("Cargo.toml").is_file() {
                dirs.insert(entry.path());
            }
        }
    }
    dirs.into_iter().collect()
}

/// `ci.collect.url` of a JSON Lighthouse CI configuration (a string or a list).
pub(super) fn lighthouserc_urls(text: &str) -> Vec<String> {
    let Ok(rc) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    match rc.pointer("/ci/collect/url") {
        Some(serde_json::Value::String(url)) => vec![url.clone()],
        Some(serde_json::Value::Array(urls)) => urls
            .iter()
            .filter_map(|u| u.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// A metric-id label for a page: `home` for `/`, else its path (`/docs/intro` → `docs-intro`).
pub(super) fn page_name(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .split_once('/')
        .map_or("", |(_, path)| path)
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    let path = path.strip_suffix(".html").unwrap_or(path);
    let path = if path == "index" || path.ends_with("/index") {
        &path[..path.len() - "index".len()]
    } else {
        path
    };
    let name = sanitize_name(path);
    if name.is_empty() {
        "home".to_string()
    } else {
        name
    }
}

/// Letters, digits, `-` and `_` only, so the name is a clean metric-id segment.
pub(super) fn sanitize_name(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

pub(super) fn unique_name(base: &str, taken: &mut BTreeSet<String>) -> String {
    let base = if base.is_empty() { "script" } else { base };
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// k6 scripts under `dir`: `.js`, `.mjs` and `.ts` files that import `k6/http`.
pub(super) fn collect_k6_scripts(
    dir: &Path,
    shown: &str,
    depth: usize,
    out: &mut BTreeSet<String>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let shown_path = format!("{shown}/{name}");
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if depth > 1 && name != "node_modules" && !name.starts_with('.') {
                collect_k6_scripts(&path, &shown_path, depth - 1, out);
            }
        } else if kind.is_file()
            && [".js", ".mjs", ".ts"].iter().any(|ext| name.ends_with(ext))
            && entry.metadata().is_ok_and(|m| m.len() <= MAX_SCRIPT_BYTES)
            && std::fs::read_to_string(&path).is_ok_and(|text| imports_k6_http(&text))
        {
            out.insert(shown_path);
        }
    }
}

pub(super) fn imports_k6_http(script: &str) -> bool {
    ["'k6/http'", "\"k6/http\"", "`k6/http`"]
        .iter()
        .any(|module| script.contains(module))
}

/// The directory of a file path (`.` for a bare file name).
pub(super) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `to` relative to `from`, both directories, as a prefix with `/` ("" when they are the same).
pub(super) fn relative_path(from: &Path, to: &Path) -> anyhow::Result<String> {
    let from = normalize(&std::path::absolute(from).context("cannot resolve the budget path")?);
    let to = normalize(&std::path::absolute(to).context("cannot resolve the project root")?);
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = Vec::new();
    parts.extend(from.components().skip(common).map(|_| "..".to_string()));
    parts.extend(
        to.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.iter().map(|p| format!("{p}/")).collect())
}

/// Removes `.` and resolves `..` lexically (`std::path::absolute` keeps them on Unix).
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
