//! `import criterion|lighthouse|k6|hyperfine|libtest|bmf|custom`: convert tool outputs into a results file, written to
//! `--output` or stdout.

use super::output::print_stderr;
use anyhow::Context;

use super::{output, Outcome};
use crate::cli::{GlobalArgs, ImportCommand};
use crate::import;

/// Runs `import`.
pub fn run(cmd: ImportCommand, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let results = match &cmd {
        ImportCommand::Criterion { dir, baseline } => import::criterion::import(dir, baseline)
            .with_context(|| {
                format!(
                    "importing criterion baseline {baseline:?} from {}",
                    dir.display()
                )
            })?,
        ImportCommand::Lighthouse { files, name } => {
            import::lighthouse::import(files, name).context("importing Lighthouse reports")?
        }
        ImportCommand::K6 { files, name, .. } => {
            // With `--budget`, also compute what its budgets name (stream-only statistics).
            let wanted: Vec<String> = match &global.budget {
                Some(path) => crate::budget::load(path)
                    .with_context(|| format!("reading budget file {}", path.display()))?
                    .budgets
                    .into_iter()
                    .map(|r| r.metric)
                    .collect(),
                None => Vec::new(),
            };
            import::k6::import_with(files, name, &wanted).context("importing k6 output")?
        }
        ImportCommand::Hyperfine { files, cpu_times } => import::hyperfine::import(
            files,
            import::hyperfine::Options {
                cpu_times: *cpu_times,
            },
        )
        .context("importing hyperfine exports")?,
        ImportCommand::Libtest { files } => {
            import::libtest::import(files).context("importing libtest bench output")?
        }
        ImportCommand::Bmf { files } => {
            import::bmf::import(files).context("importing Bencher Metric Format JSON")?
        }
        ImportCommand::Custom {
            files,
            bigger_is_better,
        } => {
            let direction = if *bigger_is_better {
                crate::model::Direction::Higher
            } else {
                crate::model::Direction::Lower
            };
            import::custom::import(files, direction).context("importing custom JSON")?
        }
        ImportCommand::Gungraun { dir } => import::gungraun::import(dir)
            .with_context(|| format!("importing gungraun summaries from {}", dir.display()))?,
        ImportCommand::Divan { file, name } => import::divan::import(file, name.as_deref())
            .with_context(|| format!("importing divan output {}", file.display()))?,
    };
    if !global.quiet {
        for w in &results.warnings {
            print_stderr(&format!("warning: {w}"));
        }
    }
    match &global.output {
        Some(path) => {
            results.save(path).context("writing the results file")?;
            if !global.quiet {
                print_stderr(&format!(
                    "{:>12} {} metrics to {}",
                    "Imported",
                    results.metrics.len(),
                    path.display()
                ));
            }
        }
        None => output::print_stdout(&results.to_json())?,
    }
    Ok(Outcome::Pass)
}
