//! `init`: looks at the project (criterion, divan and gungraun bench targets in Cargo.toml, told
//! apart by their source, and the criterion release in Cargo.lock, the repository's main branch,
//! Lighthouse CI output or configuration, k6 scripts) and writes a commented `budgets.toml` for it
//! that works as written. It never overwrites: an existing file is an error (exit 2) naming it.
//! The text it writes is validated with the budget parser before anything touches the disk.

mod discover;
mod render;
#[cfg(test)]
mod tests;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use super::Outcome;
use crate::budget::parse::{default_budget_path, find_manifest_dir, parse};
use crate::cli::{GlobalArgs, InitArgs};
use discover::{parent_dir, relative_path, Project};
use render::render;

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
    for h in project.harnesses.iter().filter(|h| h.has_table()) {
        writeln!(out, "  {}: bench {}", h.harness, h.benches.join(", "))?;
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
