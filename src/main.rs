//! The `cargo-perf-budget` binary: parses the command line, runs the library, maps the outcome to
//! the exit code (0 pass, 1 budget violated, 2 error) and prints the error chain.
#![forbid(unsafe_code)]

use std::io::Write;

use cargo_perf_budget::cli::CargoCli;
use cargo_perf_budget::commands;
use cargo_perf_budget::github::workflow;
use clap::Parser;

fn main() {
    // cargo runs us as `cargo-perf-budget perf-budget …`; people and scripts may leave the
    // subcommand name out, so accept both.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).and_then(|a| a.to_str()) != Some("perf-budget") {
        args.insert(1, "perf-budget".into());
    }
    let CargoCli::PerfBudget(cli) = match CargoCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            if workflow::on_actions() {
                // The arguments are echoed in the message; on a runner they must not carry a
                // workflow command, so print it plain and neutralised.
                let text = e.render().to_string();
                let text = workflow::guard_output(&text);
                let _ = if e.use_stderr() {
                    std::io::stderr().write_all(text.as_bytes())
                } else {
                    std::io::stdout().write_all(text.as_bytes())
                };
            } else {
                let _ = e.print();
            }
            std::process::exit(code);
        }
    };
    let color = commands::error_color(&cli.global());
    let code = match commands::dispatch(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            if is_broken_pipe(&err) {
                0
            } else {
                let word = if color {
                    let red = anstyle::Style::new()
                        .fg_color(Some(anstyle::AnsiColor::Red.into()))
                        .bold();
                    format!("{}error:{}", red.render(), red.render_reset())
                } else {
                    "error:".to_string()
                };
                let text = format!("{word} {}\n", render_chain(&err));
                let _ = std::io::stderr().write_all(workflow::guard_output(&text).as_bytes());
                2
            }
        }
    };
    std::process::exit(code);
}

/// The error and its causes on one line, `a: b: c`, like anyhow's `{:#}`, except that a cause
/// whose text the line already holds is left out: errors that show their source in their own
/// message (`path: No such file or directory (os error 2)`) and also return it as `source()`
/// would otherwise print the OS error twice.
fn render_chain(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.is_empty() {
            line = text;
        } else if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
