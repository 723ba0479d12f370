//! Why running the benchmarks failed: git trouble with the base commit, a build that does not
//! compile, a bench binary that crashed, criterion output that cannot be imported. Every variant
//! carries enough context (which side, which command, which path) to act on without rerunning.

use std::path::PathBuf;

use crate::import::ImportError;

/// An error from running benchmarks for head or base.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The package is not inside a git repository, but the base must be checked out from one.
    #[error("{path}: not inside a git repository, so there is no base commit to rerun (use `--base FILE` or `baseline = \"store\"`)")]
    NotARepository {
        /// The directory searched from.
        path: PathBuf,
    },
    /// A git operation failed.
    #[error("{context}: {source}")]
    Git {
        /// What was being done (names the repository or revision).
        context: String,
        /// libgit2's error.
        #[source]
        source: git2::Error,
    },
    /// The base commit is not available, typically in a shallow clone; `fetch` is the command
    /// that makes it available.
    #[error("{message}; fetch it with `{fetch}` and run again")]
    MissingCommit {
        /// What is missing.
        message: String,
        /// The `git fetch …` command that is missing.
        fetch: String,
    },
    /// The CI event's pull request base cannot be used.
    #[error("{message}")]
    Event {
        /// What was wrong.
        message: String,
    },
    /// A file or directory could not be read, written or removed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A program could not be started at all (cargo not on PATH, a bench binary gone).
    #[error("could not run `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `cargo metadata` failed or printed something unexpected.
    #[error("`cargo metadata` for {manifest} failed: {message}")]
    Metadata {
        /// The manifest.
        manifest: PathBuf,
        /// cargo's message.
        message: String,
    },
    /// The `[criterion]` settings do not fit the package (no such bench target or package).
    #[error("[criterion] in the budget file: {0}")]
    Config(String),
    /// `cargo bench --no-run` failed for one side.
    #[error("building the benches of {side} failed (`{command}`):\n{stderr}")]
    Build {
        /// `head` or `base (<sha>)`.
        side: String,
        /// The cargo command line.
        command: String,
        /// What cargo printed on stderr (compiler errors), possibly shortened to its end.
        stderr: String,
    },
    /// A bench binary exited with an error.
    #[error("the bench `{bench}` of {side} failed ({status}) running `{command}`:\n{output}")]
    Bench {
        /// `head` or `base (<sha>)`.
        side: String,
        /// The bench target.
        bench: String,
        /// The command line.
        command: String,
        /// The exit status.
        status: String,
        /// The end of its output (stdout and stderr).
        output: String,
    },
    /// criterion's output of one run could not be imported.
    #[error("reading the criterion results of {side}: {source}")]
    Import {
        /// `head`, `base (<sha>) round 2` ….
        side: String,
        /// The importer's error (names the file and field).
        #[source]
        source: ImportError,
    },
}

impl RunError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> RunError {
        RunError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn git(context: impl Into<String>, source: git2::Error) -> RunError {
        RunError::Git {
            context: context.into(),
            source,
        }
    }
}
