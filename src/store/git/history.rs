//! The history walk of [`GitStore`]: first-parent and full walks from a commit (stopping at a
//! shallow clone's boundary or a walk limit), and `history`, which reads the stored summaries of
//! the walked commits, decoding them on several threads.

use std::collections::HashSet;

use git2::{Oid, Tree};

use super::{EntryRead, GitStore, WalkEnd};
use crate::store::layout::{validate_suite, RESULTS_FILE, SUMMARY_FILE};
use crate::store::summary::{decode_summary, RunSummary};
use crate::store::{EntryProblem, History, HistoryCommit, HistoryQuery, StoreError, WalkStop};

impl GitStore {
    /// Walks history and returns the commits that have results.
    pub fn history(&self, query: &HistoryQuery) -> Result<History, StoreError> {
        let rev = query.from_rev.as_deref().unwrap_or("HEAD");
        let start = self.resolve_commit(rev)?;
        let start_oid =
            Oid::from_str(&start).map_err(|e| StoreError::git("reading a commit id", e))?;
        let mut history = History {
            start: start.clone(),
            commits: Vec::new(),
            problems: Vec::new(),
            stopped: None,
            walked: 0,
        };
        if let Some(suite) = &query.suite {
            validate_suite(suite)?;
        }
        let Some(tree) = self.tip_tree()? else {
            return Ok(history);
        };
        // Stop walking once every stored commit has been seen: the rest of a long history
        // cannot hold results.
        let stored = self
            .all_entries_checked(&tree, &mut history.problems)?
            .len();
        let wanted = query.last_n.unwrap_or(usize::MAX);
        let suite = query.suite.as_deref();
        if query.first_parent {
            let mut seen_stored = 0;
            let mut next = Some(start_oid);
            let mut budget = query.max_walk;
            // Walk until `wanted` commits with entries are found, read them, and walk on only if
            // some turned out unreadable.
            while let Some(from) = next.take() {
                let need = wanted.saturating_sub(history.commits.len());
                let mut pending = Vec::new();
                let mut last = None;
                let (walked, end) = self.walk_first_parent(from, budget, |c| {
                    last = Some(c.id());
                    let Some(p) = self.pending(&tree, c, suite) else {
                        return true;
                    };
                    seen_stored += 1;
                    pending.push(p);
                    pending.len() < need && seen_stored < stored
                });
                history.walked += walked;
                budget = budget.saturating_sub(walked);
                let found = self.read_pending(pending, &mut history.problems);
                history.commits.extend(found);
                match end {
                    WalkEnd::Stopped(stop) => history.stopped = Some(stop),
                    WalkEnd::Complete => {
                        if history.commits.len() < wanted && seen_stored < stored {
                            if let Some(last) = last {
                                if self.is_shallow_boundary(last) {
                                    history.stopped = Some(WalkStop::Shallow {
                                        boundary: last.to_string(),
                                        fetch: "git fetch --deepen=200 origin".into(),
                                    });
                                } else {
                                    next = self
                                        .repo
                                        .find_commit(last)
                                        .ok()
                                        .and_then(|c| c.parent_id(0).ok());
                                }
                            }
                        }
                    }
                }
            }
        } else {
            let (oids, stop) = self.walk_all(start_oid, query.max_walk)?;
            history.walked = oids.len();
            history.stopped = stop;
            let mut pending = Vec::new();
            for oid in oids {
                if let Some(p) = self
                    .repo
                    .find_commit(oid)
                    .ok()
                    .and_then(|c| self.pending(&tree, &c, suite))
                {
                    pending.push(p);
                }
            }
            let mut pending = pending.into_iter().peekable();
            while history.commits.len() < wanted && pending.peek().is_some() {
                let batch: Vec<Pending> = pending.by_ref().take(256).collect();
                history
                    .commits
                    .extend(self.read_pending(batch, &mut history.problems));
            }
            history.commits.truncate(wanted);
        }
        Ok(history)
    }

    /// The commits of this (shallow) clone's boundary, from `.git/shallow`.
    fn shallow_boundary(&self) -> HashSet<Oid> {
        std::fs::read_to_string(self.repo.path().join("shallow"))
            .map(|text| {
                text.lines()
                    .filter_map(|l| Oid::from_str(l.trim()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Walks first parents from `start`, calling `visit` for each commit until it returns false,
    /// `max` commits were visited, or the history ends (root, shallow boundary, missing commit).
    pub(crate) fn walk_first_parent(
        &self,
        start: Oid,
        max: usize,
        mut visit: impl FnMut(&git2::Commit<'_>) -> bool,
    ) -> (usize, WalkEnd) {
        let shallow = self.shallow_boundary();
        let mut next = Some(start);
        let mut walked = 0;
        while let Some(oid) = next {
            if walked >= max {
                return (walked, WalkEnd::Stopped(WalkStop::Limit { walked }));
            }
            let commit = match self.repo.find_commit(oid) {
                Ok(c) => c,
                Err(_) => {
                    let fetch = if walked == 0 && self.repo.is_shallow() {
                        format!("git fetch --depth=200 origin {oid}")
                    } else if walked == 0 {
                        format!("git fetch origin {oid}")
                    } else {
                        "git fetch --deepen=200 origin".to_string()
                    };
                    let stop = if walked > 0 && !shallow.is_empty() {
                        WalkStop::Shallow {
                            boundary: oid.to_string(),
                            fetch,
                        }
                    } else {
                        WalkStop::MissingCommit {
                            commit: oid.to_string(),
                            fetch,
                        }
                    };
                    return (walked, WalkEnd::Stopped(stop));
                }
            };
            walked += 1;
            if !visit(&commit) {
                return (walked, WalkEnd::Complete);
            }
            if shallow.contains(&oid) {
                return (
                    walked,
                    WalkEnd::Stopped(WalkStop::Shallow {
                        boundary: oid.to_string(),
                        fetch: "git fetch --deepen=200 origin".into(),
                    }),
                );
            }
            next = commit.parent_id(0).ok();
        }
        (walked, WalkEnd::Complete)
    }

    /// Commits reachable from `start` through all parents, newest first (topological), for
    /// `history` without `--first-parent` semantics.
    fn walk_all(&self, start: Oid, max: usize) -> Result<(Vec<Oid>, Option<WalkStop>), StoreError> {
        let mut walk = self
            .repo
            .revwalk()
            .map_err(|e| StoreError::git("walking history", e))?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
            .and_then(|_| walk.push(start))
            .map_err(|e| StoreError::git("walking history", e))?;
        let mut out = Vec::new();
        for oid in walk {
            if out.len() >= max {
                return Ok((out, Some(WalkStop::Limit { walked: max })));
            }
            match oid {
                Ok(oid) => out.push(oid),
                Err(_) => {
                    return Ok((
                        out,
                        Some(WalkStop::Shallow {
                            boundary: start.to_string(),
                            fetch: "git fetch --deepen=200 origin".into(),
                        }),
                    ))
                }
            }
        }
        let stop = (self.repo.is_shallow()).then(|| WalkStop::Shallow {
            boundary: start.to_string(),
            fetch: "git fetch --unshallow origin".into(),
        });
        Ok((out, stop))
    }

    /// The suite entries of a walked commit that the history should read, if any.
    fn pending(
        &self,
        tree: &Tree<'_>,
        commit: &git2::Commit<'_>,
        suite: Option<&str>,
    ) -> Option<Pending> {
        let sha = commit.id().to_string();
        let suites: Vec<(String, Oid)> = self
            .suites_in(tree, &sha)
            .into_iter()
            .filter(|(name, _)| suite.is_none_or(|s| s == name))
            .collect();
        if suites.is_empty() {
            return None;
        }
        Some(Pending {
            commit: HistoryCommit {
                commit: sha,
                subject: commit.summary().ok().flatten().unwrap_or("").to_string(),
                commit_time: jiff::Timestamp::from_second(commit.time().seconds())
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                runs: Vec::new(),
            },
            suites,
        })
    }

    /// Reads the summaries of walked commits, parsing on all cores (a long history is mostly
    /// JSON parsing); commits whose every entry is unreadable are dropped and reported.
    fn read_pending(
        &self,
        pending: Vec<Pending>,
        problems: &mut Vec<EntryProblem>,
    ) -> Vec<HistoryCommit> {
        struct Job<'b> {
            commit: usize,
            suite: String,
            suite_tree: Oid,
            summary: Option<(git2::Blob<'b>, String)>,
        }
        let mut jobs: Vec<Job<'_>> = Vec::new();
        for (i, p) in pending.iter().enumerate() {
            for (suite, oid) in &p.suites {
                // A summary counts only with the id of the results blob it must match.
                let summary = self.repo.find_tree(*oid).ok().and_then(|t| {
                    let results = t.get_name(RESULTS_FILE)?.id().to_string();
                    let blob = self.repo.find_blob(t.get_name(SUMMARY_FILE)?.id()).ok()?;
                    Some((blob, results))
                });
                jobs.push(Job {
                    commit: i,
                    suite: suite.clone(),
                    suite_tree: *oid,
                    summary,
                });
            }
        }
        let inputs: Vec<Option<(&[u8], &str)>> = jobs
            .iter()
            .map(|j| j.summary.as_ref().map(|(b, r)| (b.content(), r.as_str())))
            .collect();
        let decoded = decode_summaries_in_parallel(&inputs);
        let mut commits: Vec<HistoryCommit> = pending.into_iter().map(|p| p.commit).collect();
        for (job, summary) in jobs.iter().zip(decoded) {
            let sha = &commits[job.commit].commit;
            let summary = summary.filter(|s| s.commit == *sha && s.suite == job.suite);
            let read = match summary {
                Some(s) => EntryRead::Found(s),
                // Absent, older or damaged summary: the full results are the source of truth.
                None => self.read_summary_from_results(sha, &job.suite, job.suite_tree),
            };
            match read {
                EntryRead::Found(r) => commits[job.commit].runs.push(r),
                EntryRead::Missing => {}
                EntryRead::Corrupt(message) => problems.push(EntryProblem {
                    commit: sha.clone(),
                    suite: job.suite.clone(),
                    message,
                }),
            }
        }
        commits.retain(|c| !c.runs.is_empty());
        commits
    }

    fn read_summary_from_results(
        &self,
        sha: &str,
        suite: &str,
        suite_tree: Oid,
    ) -> EntryRead<RunSummary> {
        match self.read_results(sha, suite, suite_tree) {
            EntryRead::Found(r) => EntryRead::Found(RunSummary::from_results(sha, suite, &r)),
            EntryRead::Missing => EntryRead::Missing,
            EntryRead::Corrupt(m) => EntryRead::Corrupt(m),
        }
    }

    fn is_shallow_boundary(&self, oid: Oid) -> bool {
        self.shallow_boundary().contains(&oid)
    }
}

/// A walked commit that has entries to read.
struct Pending {
    commit: HistoryCommit,
    suites: Vec<(String, Oid)>,
}

/// Decodes summary blobs (each with the id of the results blob it must have been computed from)
/// on up to four threads; `None` where a blob is absent or not a summary of those results.
fn decode_summaries_in_parallel(inputs: &[Option<(&[u8], &str)>]) -> Vec<Option<RunSummary>> {
    let decode = |b: &Option<(&[u8], &str)>| b.and_then(|(bytes, r)| decode_summary(bytes, r));
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4);
    if threads < 2 || inputs.len() < 16 {
        return inputs.iter().map(decode).collect();
    }
    let chunk = inputs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(decode).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                // A panicking decoder thread is a bug; degrade to the slow path, never lose data.
                h.join().unwrap_or_default()
            })
            .collect()
    })
}
