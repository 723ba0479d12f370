//! `init`: looks at the project (criterion benches in Cargo.toml and the criterion release in
//! Cargo.lock, the repository's main branch, Lighthouse CI output or configuration, k6 scripts)
//! and writes a commented `budgets.toml` for it that works as written. It never overwrites:
//! an existing file is an error (exit 2) naming it. The text it writes is validated with the
//! budget parser before anything touches the disk.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context as _};

use super::Outcome;
use crate::budget::parse::{default_budget_path, find_manifest_dir, parse};
use crate::cli::{GlobalArgs, InitArgs};

/// Directories where k6 scripts usually live, relative to the project root.
const K6_DIRS: &[&str] = &[
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
const LIGHTHOUSERC: &[&str] = &[
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
const MAX_SCRIPT_BYTES: u64 = 1 << 20;
/// At most this many k6 scripts are configured; more is a sign of a vendored tree.
const MAX_K6_SCRIPTS: usize = 20;

/// Runs `init`.
pub fn run(args: &InitArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let manifest_dir = match &global.manifest_path {
        Some(manifest) => {
            if !manifest.is_file() {
                bail!("manifest {} not found", manifest.display());
            }
            Some(parent_dir(manifest))
        }
        None => find_manifest_dir(),
    };
    let root = manifest_dir
        .clone()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let path = args
        .path
        .clone()
        .or_else(|| global.budget.clone())
        .unwrap_or_else(|| default_budget_path(manifest_dir.as_deref()));
    if path.exists() {
        bail!(already_exists(&path));
    }
    let project = Project::discover(&root, manifest_dir.is_some())?;
    // Paths in a budget file are relative to the file's directory.
    let prefix = relative_path(&parent_dir(&path), &root)?;
    let text = render(&project, &prefix);
    // What we write must be what we accept; a template our own parser rejects is our bug.
    parse(&text, &path).map_err(|err| {
        anyhow::anyhow!("internal error: the budget file `init` generated does not validate: {err}")
    })?;
    write_new(&path, &text)?;
    if !global.quiet {
        print_summary(&path, &project).context("cannot write to stdout")?;
    }
    Ok(Outcome::Pass)
}

fn already_exists(path: &Path) -> String {
    format!(
        "{} already exists; `init` never overwrites a budget file (remove it, or write elsewhere with `cargo perf-budget init PATH`)",
        path.display()
    )
}

/// Creates the file, failing if it appeared meanwhile (`create_new` is atomic).
fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!(already_exists(path))
        }
        Err(err) => {
            return Err(err).with_context(|| format!("cannot create {}", path.display()));
        }
    };
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn print_summary(path: &Path, project: &Project) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "Wrote {}", path.display())?;
    if let Some(c) = &project.criterion {
        let package = c
            .package
            .as_deref()
            .map(|p| format!(" in package {p}"))
            .unwrap_or_default();
        let release = c
            .release
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        writeln!(
            out,
            "  criterion: bench {}{package}{release}",
            c.benches.join(", ")
        )?;
    }
    if let Some(main) = &project.main_branch {
        writeln!(out, "  main branch: {} ({})", main.name, main.source)?;
    }
    for page in &project.lighthouse {
        let url = page
            .url
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        writeln!(out, "  lighthouse: {}{url}", page.name)?;
    }
    for script in &project.k6 {
        writeln!(out, "  k6: {} ({})", script.name, script.script)?;
    }
    if project.is_empty() {
        writeln!(
            out,
            "  found no criterion benches, Lighthouse CI output or k6 scripts: the file holds commented examples"
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Next steps:")?;
    writeln!(
        out,
        "  1. Review the limits in {} (the comments explain every key).",
        path.display()
    )?;
    writeln!(
        out,
        "  2. Run `cargo perf-budget check` to measure this branch against the main branch."
    )?;
    writeln!(
        out,
        "  3. In CI, run `cargo perf-budget run` on pushes to main and `cargo perf-budget check` on pull requests."
    )?;
    Ok(())
}

/// What `init` found in the project.
#[derive(Debug, Default)]
struct Project {
    criterion: Option<CriterionFound>,
    /// Further workspace packages with criterion benches, named in a comment.
    other_packages: Vec<String>,
    lighthouse: Vec<PageFound>,
    /// The repository's main branch, when it can be told.
    main_branch: Option<MainBranch>,
    /// Whether Lighthouse output or configuration exists at all.
    lighthouse_reports: Option<String>,
    k6: Vec<ScriptFound>,
}

#[derive(Debug)]
struct CriterionFound {
    /// Package to bench, when it is not the manifest's own package.
    package: Option<String>,
    /// Bench targets declared with `harness = false`.
    benches: Vec<String>,
    /// Whether the package has bench targets criterion does not run (libtest benches): then
    /// the criterion ones must be listed, since `cargo bench` would run everything.
    has_other_benches: bool,
    /// The criterion release the package uses, e.g. `criterion 0.3.6` (from Cargo.lock).
    release: Option<String>,
    /// Whether that release takes whole seconds only (criterion 0.3).
    whole_seconds: bool,
}

/// The main branch and how it was found.
#[derive(Debug)]
struct MainBranch {
    name: String,
    source: &'static str,
}

#[derive(Debug)]
struct PageFound {
    name: String,
    url: Option<String>,
}

#[derive(Debug)]
struct ScriptFound {
    name: String,
    /// Relative to the project root, with `/`.
    script: String,
}

impl Project {
    fn is_empty(&self) -> bool {
        self.criterion.is_none() && self.lighthouse.is_empty() && self.k6.is_empty()
    }

    fn discover(root: &Path, has_manifest: bool) -> anyhow::Result<Project> {
        let mut project = Project::default();
        if has_manifest {
            project.find_criterion(root)?;
        }
        project.main_branch = main_branch(root);
        project.find_lighthouse(root);
        project.find_k6(root);
        Ok(project)
    }

    fn find_criterion(&mut self, root: &Path) -> anyhow::Result<()> {
        let manifest = read_manifest(&root.join("Cargo.toml"))?;
        let mut found: Vec<(String, CriterionFound)> = Vec::new();
        if let Some(own) = criterion_benches(root, &manifest) {
            found.push((String::new(), own));
        }
        for member in workspace_members(root, &manifest) {
            let Ok(member_manifest) = read_manifest(&member.join("Cargo.toml")) else {
                // A broken member is cargo's to report; it cannot hide benches of ours.
                continue;
            };
            if let Some(mut benches) = criterion_benches(&member, &member_manifest) {
                let name = package_name(&member_manifest).unwrap_or_default();
                benches.package = Some(name.clone());
                found.push((name, benches));
            }
        }
        let lock = read_manifest(&root.join("Cargo.lock")).ok();
        for (name, benches) in &mut found {
            let name = if name.is_empty() {
                package_name(&manifest).unwrap_or_default()
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
        Ok(())
    }

    fn find_lighthouse(&mut self, root: &Path) {
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

    fn find_k6(&mut self, root: &Path) {
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

fn read_manifest(path: &Path) -> anyhow::Result<toml::Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.parse::<toml::Table>()
        .with_context(|| format!("{} is not valid TOML", path.display()))
}

fn package_name(manifest: &toml::Table) -> Option<String> {
    manifest
        .get("package")?
        .get("name")?
        .as_str()
        .map(str::to_string)
}

/// The criterion benches of one package: `[[bench]]` targets with `harness = false`, when
/// criterion (or its CodSpeed drop-in) is a dev-dependency.
fn criterion_benches(dir: &Path, manifest: &toml::Table) -> Option<CriterionFound> {
    manifest.get("package")?;
    if !has_criterion_dev_dependency(manifest) {
        return None;
    }
    let declared: Vec<(String, bool)> = manifest
        .get("bench")
        .and_then(toml::Value::as_array)
        .map(|benches| {
            benches
                .iter()
                .filter_map(|b| {
                    let name = b.get("name")?.as_str()?.to_string();
                    let harness = b
                        .get("harness")
                        .and_then(toml::Value::as_bool)
                        .unwrap_or(true);
                    Some((name, harness))
                })
                .collect()
        })
        .unwrap_or_default();
    let benches: Vec<String> = declared
        .iter()
        .filter(|(_, harness)| !harness)
        .map(|(name, _)| name.clone())
        .collect();
    if benches.is_empty() {
        return None;
    }
    let autobenches = manifest
        .get("package")
        .and_then(|p| p.get("autobenches"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(true);
    let discovered = if autobenches {
        bench_files(&dir.join("benches"))
    } else {
        Vec::new()
    };
    let has_other_benches = declared.iter().any(|(_, harness)| *harness)
        || discovered.iter().any(|name| !benches.contains(name));
    // Until a Cargo.lock says which release resolves, the manifest's requirement tells.
    let requirement = criterion_requirement(manifest);
    Some(CriterionFound {
        package: None,
        benches,
        has_other_benches,
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
fn criterion_requirement(manifest: &toml::Table) -> Option<(String, String)> {
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
fn criterion_release(lock: &toml::Table, package: &str) -> Option<(String, String)> {
    let packages = lock.get("package")?.as_array()?;
    fn field<'a>(p: &'a toml::Value, key: &str) -> Option<&'a str> {
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
fn main_branch(root: &Path) -> Option<MainBranch> {
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

fn has_criterion_dev_dependency(manifest: &toml::Table) -> bool {
    let is_criterion = |table: &toml::Value| {
        table.as_table().is_some_and(|deps| {
            deps.iter().any(|(name, spec)| {
                let package = spec
                    .get("package")
                    .and_then(toml::Value::as_str)
                    .unwrap_or(name);
                matches!(package, "criterion" | "codspeed-criterion-compat")
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

/// Bench targets cargo discovers by itself: `benches/NAME.rs` and `benches/NAME/main.rs`.
fn bench_files(dir: &Path) -> Vec<String> {
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
fn workspace_members(root: &Path, manifest: &toml::Table) -> Vec<PathBuf> {
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
fn lighthouserc_urls(text: &str) -> Vec<String> {
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
fn page_name(url: &str) -> String {
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
fn sanitize_name(raw: &str) -> String {
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

fn unique_name(base: &str, taken: &mut BTreeSet<String>) -> String {
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
fn collect_k6_scripts(dir: &Path, shown: &str, depth: usize, out: &mut BTreeSet<String>) {
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

fn imports_k6_http(script: &str) -> bool {
    ["'k6/http'", "\"k6/http\"", "`k6/http`"]
        .iter()
        .any(|module| script.contains(module))
}

/// The directory of a file path (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `to` relative to `from`, both directories, as a prefix with `/` ("" when they are the same).
fn relative_path(from: &Path, to: &Path) -> anyhow::Result<String> {
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
fn normalize(path: &Path) -> PathBuf {
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

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The budget file for `project`; `prefix` turns root-relative paths into paths relative to
/// the budget file.
fn render(project: &Project, prefix: &str) -> String {
    let mut out = String::new();
    out.push_str(
        "# Performance budgets for `cargo perf-budget check` (written by `cargo perf-budget init`).\n\
         # Keys are kebab-case; unknown keys are errors. Paths are relative to this file.\n\
         # Exit codes: 0 every budget met, 1 a budget violated, 2 configuration or input error.\n\n",
    );
    render_settings(&mut out, project);
    if let Some(c) = &project.criterion {
        render_criterion(&mut out, c, &project.other_packages);
    }
    if let Some(reports) = &project.lighthouse_reports {
        for page in &project.lighthouse {
            render_page(&mut out, page, &format!("{prefix}{reports}"));
        }
    }
    for script in &project.k6 {
        render_script(&mut out, script, prefix);
    }
    render_budgets(&mut out, project);
    out.push_str(
        "# A known, accepted regression: shown in the report, but it does not fail the gate.\n\
         # [[waiver]]\n\
         # metric = \"criterion/sort/*\"\n\
         # reason = \"trade-off accepted in #123\"   # required: say why\n\
         # expires = 2027-01-31                      # optional: last day it applies\n",
    );
    out
}

fn render_settings(out: &mut String, project: &Project) {
    let baseline = if project.criterion.is_some() {
        "# baseline = \"rerun\"      # rerun: build the base commit and measure both sides here,\n\
         #                         # interleaved (default with [criterion]); store: read results\n\
         #                         # saved by `cargo perf-budget run` on the main branch\n"
    } else {
        "# baseline = \"store\"      # store: read results saved by `cargo perf-budget run` on the\n\
         #                         # main branch (default without [criterion]); rerun: build the\n\
         #                         # base commit and measure both sides here\n"
    };
    out.push_str("[settings]\n");
    out.push_str(baseline);
    match &project.main_branch {
        Some(main) => out.push_str(&format!(
            "main-branch = {}   # {}; base for local runs: git merge-base HEAD {}\n",
            quoted(&main.name),
            main.source,
            main.name
        )),
        None => out.push_str(
            "# main-branch = \"main\"    # base for local runs: git merge-base HEAD <main-branch>\n",
        ),
    }
    out.push_str(
        "# alpha = 0.05            # false discovery rate over all relative checks (0 < alpha <= 0.5)\n\
         # noise = \"1%\"            # changes below this are never regressions\n\
         # rounds = 3              # interleaved base/head rounds when rerunning (1 to 50)\n\
         # correction = \"bh\"       # bh | holm | none\n\
         # strict = false          # true: inconclusive results fail too (same as --strict)\n\
         # unmatched = \"error\"     # error | warn: a [[budget]] glob that matches no metric\n\
         # no-noise-factor = 2.0   # without samples, a relative rule fails beyond this many times its budget\n\
         # suite = \"default\"       # name in the result store and the PR comment id\n\n",
    );
}

fn render_criterion(out: &mut String, c: &CriterionFound, other_packages: &[String]) {
    let list = c
        .benches
        .iter()
        .map(|b| quoted(b))
        .collect::<Vec<_>>()
        .join(", ");
    out.push_str("# Criterion benchmarks, run with `cargo bench`.\n[criterion]\n");
    if c.has_other_benches {
        out.push_str(&format!(
            "benches = [{list}]   # the targets that use criterion (`harness = false`)\n"
        ));
    } else {
        out.push_str(&format!(
            "# benches = [{list}]   # default: every bench target\n"
        ));
    }
    if let Some(package) = &c.package {
        out.push_str(&format!("package = {}\n", quoted(package)));
    }
    if !other_packages.is_empty() {
        out.push_str(&format!(
            "# Other packages with criterion benches: {}. One budget file benches one package;\n\
             # use a budget file (and `suite`) per package to gate them too.\n",
            other_packages.join(", ")
        ));
    }
    let release = c
        .release
        .clone()
        .unwrap_or_else(|| "criterion, release unknown".into());
    out.push_str(&format!(
        "# Bench targets: {} ({release}; `harness = false`).\n",
        c.benches.join(", ")
    ));
    if c.has_other_benches {
        out.push_str("# The other bench targets use libtest's harness and are not run.\n");
    }
    out.push_str(
        "# Each round runs the benches' own warm-up and measurement times (set in code, else\n\
         # criterion's defaults); set these to override them, per round:\n",
    );
    if c.whole_seconds {
        out.push_str(
            "# criterion 0.3 takes whole seconds only (\"1s\", \"2s\", …).\n\
             # warm-up = \"1s\"\n\
             # measurement = \"2s\"\n",
        );
    } else {
        out.push_str("# warm-up = \"500ms\"\n# measurement = \"2s\"\n");
    }
    out.push_str(
        "# args = []              # extra arguments to the bench binaries (after `--`)\n\
         # features = []          # cargo features to enable\n\n",
    );
}

fn render_page(out: &mut String, page: &PageFound, reports: &str) {
    out.push_str("# A Lighthouse page; its metrics are lighthouse/<name>/<audit-id> and\n");
    out.push_str("# lighthouse/<name>/score/<category>.\n[[lighthouse]]\n");
    out.push_str(&format!("name = {}\n", quoted(&page.name)));
    out.push_str(&format!(
        "reports = {}   # Lighthouse CI output to import\n",
        quoted(reports)
    ));
    if let Some(url) = &page.url {
        out.push_str(&format!(
            "url = {}   # only the reports of this page\n",
            quoted(url)
        ));
    }
    out.push('\n');
}

fn render_script(out: &mut String, script: &ScriptFound, prefix: &str) {
    out.push_str("# A k6 load test; its metrics are k6/<name>/<metric>/<stat>, e.g.\n");
    out.push_str("# k6/<name>/http_req_duration/p(95).\n[[k6]]\n");
    out.push_str(&format!("name = {}\n", quoted(&script.name)));
    out.push_str(&format!(
        "script = {}   # run by `check`\n",
        quoted(&format!("{prefix}{}", script.script))
    ));
    out.push_str(
        "# summary = \"k6/summary.json\"   # or import output of `k6 run --summary-export`\n\
         # serve = \"…\"                    # shell command that starts the server under test\n\n",
    );
}

fn render_budgets(out: &mut String, project: &Project) {
    out.push_str(
        "# Budgets: `metric` is a glob over metric ids (`*` stays within one `/` segment, `**` crosses).\n\
         # max-regression is relative to the base (a significant change beyond `noise`); max and min\n\
         # are absolute limits with units (ns us ms s, B KB KiB MB, %, /s). Adjust them to your project.\n\n",
    );
    if project.criterion.is_some() {
        out.push_str("[[budget]]\nmetric = \"criterion/**\"\nmax-regression = \"5%\"\n\n");
    }
    if !project.lighthouse.is_empty() {
        out.push_str(
            "[[budget]]\n\
             metric = \"lighthouse/*/largest-contentful-paint\"\n\
             max = \"2500 ms\"          # Google's \"good\" threshold\n\
             max-regression = \"10%\"\n\n\
             [[budget]]\n\
             metric = \"lighthouse/*/score/performance\"\n\
             min = 0.9\n\n",
        );
    }
    if !project.k6.is_empty() {
        out.push_str(
            "[[budget]]\n\
             metric = \"k6/*/http_req_duration/p(95)\"\n\
             max-regression = \"10%\"\n\
             # max = \"300 ms\"\n\n\
             [[budget]]\n\
             metric = \"k6/*/http_req_failed/rate\"\n\
             max = \"1%\"\n\n",
        );
    }
    if project.is_empty() {
        out.push_str(
            "# No criterion benches, Lighthouse CI output or k6 scripts were found. Examples:\n\
             # [[budget]]\n\
             # metric = \"criterion/parse/*\"\n\
             # max-regression = \"5%\"\n\
             #\n\
             # [[budget]]\n\
             # metric = \"k6/api/http_req_duration/p(95)\"\n\
             # max = \"300 ms\"\n\n",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_come_from_the_url_path() {
        assert_eq!(page_name("http://127.0.0.1:8081/"), "home");
        assert_eq!(page_name("http://localhost/index.html"), "home");
        assert_eq!(
            page_name("https://example.com/docs/Intro?x=1"),
            "docs-intro"
        );
        assert_eq!(page_name("/pricing.html"), "pricing");
    }

    #[test]
    fn relative_paths_walk_up_and_down() -> anyhow::Result<()> {
        assert_eq!(relative_path(Path::new("a/b"), Path::new("a/b"))?, "");
        assert_eq!(relative_path(Path::new("a/b/ci"), Path::new("a/b"))?, "../");
        assert_eq!(relative_path(Path::new("a"), Path::new("a/web"))?, "web/");
        Ok(())
    }

    #[test]
    fn the_criterion_release_comes_from_the_lockfile_entry_of_the_package() {
        let lock: toml::Table = r#"
            [[package]]
            name = "app"
            version = "0.1.0"
            dependencies = ["criterion 0.3.6", "serde"]

            [[package]]
            name = "lib"
            version = "0.1.0"
            dependencies = ["criterion"]

            [[package]]
            name = "criterion"
            version = "0.3.6"
        "#
        .parse()
        .unwrap();
        let release = |p| criterion_release(&lock, p);
        assert_eq!(release("app"), Some(("criterion".into(), "0.3.6".into())));
        assert_eq!(release("lib"), Some(("criterion".into(), "0.3.6".into())));
        assert_eq!(release("criterion"), None);
        assert_eq!(release("missing"), None);
        let manifest: toml::Table = "[dev-dependencies]\ncriterion = { version = \"0.3.5\" }\n"
            .parse()
            .unwrap();
        assert_eq!(
            criterion_requirement(&manifest),
            Some(("criterion".into(), "0.3.5".into()))
        );
    }

    #[test]
    fn the_main_branch_is_the_remotes_default_else_main_or_master() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let found = |repo: &git2::Repository| {
            main_branch(repo.workdir().unwrap()).map(|m| (m.name, m.source))
        };
        // No commit, no branch: nothing to tell.
        assert_eq!(found(&repo).map(|f| f.0), None);
        let sig = git2::Signature::now("t", "t@example.invalid").unwrap();
        let tree = repo
            .find_tree(repo.index().unwrap().write_tree().unwrap())
            .unwrap();
        let commit = repo.commit(None, &sig, &sig, "c", &tree, &[]).unwrap();
        let commit = repo.find_commit(commit).unwrap();
        repo.branch("master", &commit, false).unwrap();
        repo.branch("feature", &commit, false).unwrap();
        repo.set_head("refs/heads/feature").unwrap();
        assert_eq!(found(&repo).unwrap().0, "master");
        repo.set_head("refs/heads/master").unwrap();
        assert_eq!(found(&repo).unwrap().1, "the current branch");
        repo.branch("main", &commit, false).unwrap();
        repo.set_head("refs/heads/feature").unwrap();
        // Both exist and neither is checked out: no guess.
        assert_eq!(found(&repo), None);
        repo.reference("refs/remotes/origin/trunk", commit.id(), false, "t")
            .unwrap();
        repo.reference_symbolic(
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/trunk",
            false,
            "t",
        )
        .unwrap();
        assert_eq!(
            found(&repo),
            Some(("trunk".into(), "the default branch of origin"))
        );
    }

    #[test]
    fn names_are_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique_name("home", &mut taken), "home");
        assert_eq!(unique_name("home", &mut taken), "home-2");
        assert_eq!(unique_name("", &mut taken), "script");
    }
}
