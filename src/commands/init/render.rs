//! The budget file `init` writes for what it found: commented, and valid as written.

use super::discover::{CriterionFound, HarnessFound, PageFound, Project, ScriptFound};

/// A TOML string literal.
pub(super) fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The items of a TOML array of strings, without the brackets: `"a", "b"`.
pub(super) fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|b| quoted(b))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The budget file for `project`; `prefix` turns root-relative paths into paths relative to
/// the budget file.
pub(super) fn render(project: &Project, prefix: &str) -> String {
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
    for harness in &project.harnesses {
        render_harness_table(&mut out, harness);
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

pub(super) fn render_settings(out: &mut String, project: &Project) {
    let baseline = if project.reruns() {
        "# baseline = \"rerun\"      # rerun: build the base commit and measure both sides here,\n\
         #                         # interleaved (default with benches to run); store: read results\n\
         #                         # saved by `cargo perf-budget run` on the main branch\n"
    } else {
        "# baseline = \"store\"      # store: read results saved by `cargo perf-budget run` on the\n\
         #                         # main branch (default without benches to run); rerun: build the\n\
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
         # max-rounds = 12         # still inconclusive? more rounds of just those benches, up to this many\n\
         # extra-time = \"10m\"      # ... within this much extra time\n\
         # correction = \"bh\"       # bh | holm | none\n\
         # strict = false          # true: inconclusive results fail too (same as --strict)\n\
         # unmatched = \"error\"     # error | warn: a [[budget]] glob that matches no metric\n\
         # no-noise-factor = 2.0   # without samples, a relative rule fails beyond this many times its budget\n\
         # suite = \"default\"       # name in the result store and the PR comment id\n\n",
    );
}

pub(super) fn render_criterion(out: &mut String, c: &CriterionFound, other_packages: &[String]) {
    let list = quoted_list(&c.benches);
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
    if c.libtest_benches {
        out.push_str("# The bench targets that use libtest's harness are not run.\n");
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

pub(super) fn render_page(out: &mut String, page: &PageFound, reports: &str) {
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

pub(super) fn render_script(out: &mut String, script: &ScriptFound, prefix: &str) {
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

pub(super) fn render_budgets(out: &mut String, project: &Project) {
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
    for harness in &project.harnesses {
        render_harness_budget(out, harness);
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

/// The `[[divan]]` or `[[gungraun]]` table that makes `check` run the bench targets found.
pub(super) fn render_harness_table(out: &mut String, found: &HarnessFound) {
    if found.benches.is_empty() {
        return;
    }
    let list = quoted_list(&found.benches);
    match found.harness {
        "divan" => out.push_str(&format!(
            "# divan benches: built once for each side and run interleaved, at least 5 rounds; each\n\
             # round's median of each benchmark is one sample (divan prints no raw samples).\n\
             [[divan]]\n\
             benches = [{list}]\n\n"
        )),
        "gungraun" => out.push_str(&format!(
            "# gungraun benches: instruction counts under valgrind, run on head and on the base checkout.\n\
             # `check` needs valgrind and the gungraun-runner of the version Cargo.lock resolves (it\n\
             # stops with the install command when either is missing).\n\
             [[gungraun]]\n\
             benches = [{list}]\n\n"
        )),
        _ => {}
    }
}

/// The budget of a harness: a rule for its metrics when `check` runs bench targets of it; when
/// none uses it yet, what to add (commented: the glob would match nothing).
pub(super) fn render_harness_budget(out: &mut String, found: &HarnessFound) {
    let ready = !found.benches.is_empty();
    match (found.harness, ready) {
        ("divan", true) => out.push_str(
            "# divan's medians, one per round: a wider budget than criterion's, for fewer samples.\n\
             [[budget]]\n\
             metric = \"divan/**\"\n\
             max-regression = \"10%\"\n\n",
        ),
        ("divan", false) => out.push_str(
            "# divan is a dev-dependency, but no `harness = false` bench target calls `divan::main()`.\n\
             # Add one, list it in a [[divan]] table (`benches = [\"NAME\"]`), and budget it:\n\
             # [[budget]]\n\
             # metric = \"divan/**\"\n\
             # max-regression = \"10%\"\n\n",
        ),
        ("gungraun", true) => out.push_str(
            "# Instructions are exact; cache-simulation events move when the code layout shifts, so\n\
             # the budget names instructions only.\n\
             [[budget]]\n\
             metric = \"gungraun/**/Ir\"\n\
             max-regression = \"2%\"\n\n",
        ),
        ("gungraun", false) => out.push_str(
            "# gungraun is a dev-dependency, but no `harness = false` bench target calls its `main!`.\n\
             # Add one, list it in a [[gungraun]] table (`benches = [\"NAME\"]`), and budget its\n\
             # instructions:\n\
             # [[budget]]\n\
             # metric = \"gungraun/**/Ir\"\n\
             # max-regression = \"2%\"\n\n",
        ),
        ("iai-callgrind", _) => {
            let targets = if found.benches.is_empty() {
                String::new()
            } else {
                format!(" ({})", found.benches.join(", "))
            };
            out.push_str(&format!(
                "# iai-callgrind benches{targets}: `check` runs gungraun, iai-callgrind's successor, only.\n\
                 # Run them on each side with `cargo bench --bench NAME -- --save-summary=json` and gate\n\
                 # the summaries with `import gungraun DIR` + `compare`, or move to gungraun and list the\n\
                 # targets in a [[gungraun]] table. Budget the instructions:\n\
                 # [[budget]]\n\
                 # metric = \"gungraun/**/Ir\"\n\
                 # max-regression = \"2%\"\n\n"
            ))
        }
        _ => {}
    }
}
