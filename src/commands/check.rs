//! `check`: the whole gate. Turns the flags into a [`Plan`](crate::gate::Plan), lets the gate
//! measure, calibrate and evaluate, then reports, publishes to GitHub when on Actions, and exits.
//!
//! Order matters for users: the report file and the job summary are written before anything is
//! posted, so a failed post never loses the report, and a failed post never changes the verdict.

use std::path::PathBuf;

use anyhow::Context;

use super::{output, Outcome};
use crate::budget::{BaselineMode, BudgetFile};
use crate::cli::{BaselineArg, CheckArgs, GlobalArgs};
use crate::gate::plan::Request;
use crate::gate::{GitResults, Plan, ProjectMeasure};
use crate::report::{Report, Verdict};

/// Runs `check`.
pub fn run(args: &CheckArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    // The token, to post at the end, taken out of the environment before the pull request's
    // code runs (builds, benchmarks, servers) so that nothing started here inherits it by
    // accident. That hides nothing from hostile code: it runs as the same user and can read
    // this process's /proc/<pid>/environ. The boundary is a process that never held a token:
    // the action runs `check --no-comment` without one and posts from a later step with
    // `comment` (docs/github.md, "What a pull request's code can reach").
    let token = crate::github::Token::take_from_env(&args.token_env);
    let budget = super::load_budget(global)?;
    let budget_dir = budget_dir(&budget);
    // The event payload is read once: for the PR's base here, for its head in the report below.
    let ctx = crate::github::Context::from_env();
    let pull_request_base = match (args.base.is_empty(), &args.base_rev, args.aa) {
        // Only a base that is still to be found asks the event.
        (true, None, false) => ctx
            .pull_request_base()
            .context("finding the base commit")?
            .map(str::to_string),
        _ => None,
    };
    let request = Request {
        head_files: args.results.clone(),
        base_files: args.base.clone(),
        base_rev: args.base_rev.clone(),
        aa: args.aa,
        mode: args.baseline.map(|b| match b {
            BaselineArg::Rerun => BaselineMode::Rerun,
            BaselineArg::Store => BaselineMode::Store,
        }),
        rounds: args.rounds,
        pull_request_base,
        seed: args.seed,
        shard: args.shard,
    };
    let plan = Plan::resolve(&request, &budget, &budget_dir)?;
    let measure = ProjectMeasure::new(
        &budget_dir,
        global.manifest_path.clone(),
        &budget.settings.main_branch,
        global.quiet,
        !plan.interleaved_pages(&budget).is_empty(),
        plan.seed,
    )
    .with_shard(plan.shard);
    let mut gated = crate::gate::run(
        &budget,
        &plan,
        args.strict,
        &measure,
        &GitResults::new(&budget_dir),
    )?;
    if let Some(path) = &args.save_head {
        gated
            .head
            .save(path)
            .context("writing the head results (--save-head)")?;
    }
    if let Some(path) = &args.save_base {
        gated
            .base
            .save(path)
            .context("writing the base results (--save-base)")?;
    }
    // On a pull request the checkout is a test merge commit: record the PR head the event names,
    // so that `comment` can tell a current report from a stale one.
    gated.report.head.pr_head = ctx.pull_request.as_ref().and_then(|p| p.head_sha.clone());
    output::emit(&gated.report, global)?;
    publish(&gated.report, args, global, &budget, token);
    // A gate that measured nothing its budgets name is an error, never a pass.
    if let (Verdict::Pass, Some(problem)) = (gated.report.verdict, gated.report.gate_error()) {
        anyhow::bail!("{problem}");
    }
    Ok(match gated.report.verdict {
        Verdict::Pass => Outcome::Pass,
        Verdict::Fail => Outcome::Fail,
    })
}

/// The directory the budget file's relative paths start from.
pub(crate) fn budget_dir(budget: &BudgetFile) -> PathBuf {
    match budget.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Job summary, outputs, annotations and the sticky comment; never changes the verdict.
fn publish(
    report: &Report,
    args: &CheckArgs,
    global: &GlobalArgs,
    budget: &BudgetFile,
    token: Option<crate::github::Token>,
) {
    let opts = crate::github::PublishOptions {
        comment_id: args
            .comment_id
            .clone()
            .unwrap_or_else(|| budget.settings.suite.clone()),
        token_env: args.token_env.clone(),
        no_comment: args.no_comment,
        report_path: global.output.clone(),
        quiet: global.quiet,
        comment_on: args
            .comment_on
            .map(Into::into)
            .unwrap_or(budget.settings.comment_on),
    };
    let outcome = crate::github::publish_with_token(report, Some(&budget.path), &opts, token);
    for m in outcome.messages {
        output::print_stderr(&m);
    }
}
