//! `store push [REMOTE]` and `store fetch [REMOTE]`: move the git result store between clones with
//! the `git` program (so CI credentials in `http.<url>.extraheader` apply), merging on a race.
//! Also the repository lookup the store commands share.

use super::output::print_stderr;
use std::path::PathBuf;

use anyhow::Context;

use super::Outcome;
use crate::cli::{GlobalArgs, StoreCommand};
use crate::store::{self, STORE_REF};

/// Runs `store`.
pub fn run(cmd: StoreCommand, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let dir = repo_dir(global);
    match cmd {
        StoreCommand::Push { remote } => {
            let outcome = store::push(&dir, &remote)
                .with_context(|| format!("pushing the result store to {remote}"))?;
            if !global.quiet {
                if outcome.nothing_to_push {
                    print_stderr(&format!(
                        "nothing to push: no results are stored here ({STORE_REF} does not exist)"
                    ));
                } else {
                    print_stderr(&format!(
                        "pushed {STORE_REF} to {remote}{}",
                        race_note(outcome.merges)
                    ));
                }
            }
        }
        StoreCommand::Fetch { remote } => {
            let outcome = store::fetch(&dir, &remote)
                .with_context(|| format!("fetching the result store from {remote}"))?;
            if !global.quiet {
                print_stderr(&format!("fetched {STORE_REF} from {remote}: {outcome}"));
            }
        }
    }
    Ok(Outcome::Pass)
}

/// Explains merges done while pushing.
pub(super) fn race_note(merges: u32) -> String {
    match merges {
        0 => String::new(),
        1 => " (after merging results another job had pushed meanwhile)".into(),
        n => format!(" (after merging results other jobs had pushed meanwhile, {n} times)"),
    }
}

/// The directory whose repository holds the store: the package's (`--manifest-path`) or the
/// current one.
pub(super) fn repo_dir(global: &GlobalArgs) -> PathBuf {
    global
        .manifest_path
        .as_deref()
        .and_then(|p| p.parent())
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."))
}
