//! Writing reports where the user asked: the chosen format to `--output` or stdout, colour
//! decided once from `--color`, `CARGO_TERM_COLOR`, `NO_COLOR` and whether stdout is a terminal.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;

use crate::cli::{ColorChoice, Format, GlobalArgs};
use crate::report::{json, markdown, terminal, Report};

/// Whether to colour terminal output.
pub fn use_color(global: &GlobalArgs) -> bool {
    color_for(global, std::io::stdout().is_terminal())
}

/// Whether to colour what goes to stderr (error messages).
pub fn use_color_stderr(global: &GlobalArgs) -> bool {
    color_for(global, std::io::stderr().is_terminal())
}

/// `--color`, else `CARGO_TERM_COLOR`, else colour when `is_terminal` and `NO_COLOR` is unset.
fn color_for(global: &GlobalArgs, is_terminal: bool) -> bool {
    let choice = global
        .color
        .or_else(|| match std::env::var("CARGO_TERM_COLOR").ok().as_deref() {
            Some("always") => Some(ColorChoice::Always),
            Some("never") => Some(ColorChoice::Never),
            _ => None,
        });
    match choice {
        Some(ColorChoice::Always) => true,
        Some(ColorChoice::Never) => false,
        _ => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && is_terminal,
    }
}

/// The width to wrap terminal output at: `COLUMNS` when set, else the terminal's width when
/// stdout is one; `None` (no wrapping) for a pipe or a file.
pub fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// The format for `--output PATH`: `--format`, else guessed from the extension, else JSON.
fn file_format(global: &GlobalArgs, path: &Path) -> Format {
    global
        .format
        .unwrap_or_else(|| match path.extension().and_then(|e| e.to_str()) {
            Some("md") | Some("markdown") => Format::Markdown,
            Some("txt") => Format::Terminal,
            _ => Format::Json,
        })
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format, color: bool, verbose: bool) -> String {
    match format {
        Format::Terminal => terminal::render(report, color, verbose),
        Format::Markdown => markdown::render(report, &markdown::MarkdownOptions::default()),
        Format::Json => json::render(report),
    }
}

/// Writes the report: to `--output` in its format (and nothing on stdout: the file is where it
/// was asked to go), or to stdout in `--format` (default: the terminal table).
pub fn emit(report: &Report, global: &GlobalArgs) -> anyhow::Result<()> {
    let color = use_color(global);
    if let Some(path) = &global.output {
        let text = render(report, file_format(global, path), false, true);
        return write_file(path, &text);
    }
    let format = global.format.unwrap_or(Format::Terminal);
    if global.quiet && format == Format::Terminal {
        let s = &report.summary;
        let word = match (report.verdict, report.gate_error()) {
            (crate::report::Verdict::Fail, _) => "FAIL",
            (_, Some(_)) => "ERROR",
            _ => "PASS",
        };
        return print_stdout(&format!(
            "{word}: {} failed, {} passed, {} inconclusive of {} budgeted metrics\n",
            s.fail,
            s.pass,
            s.inconclusive,
            s.budgeted()
        ));
    }
    let text = match format {
        Format::Terminal => terminal::render_with(report, color, global.verbose, terminal_width()),
        other => render(report, other, color, global.verbose),
    };
    print_stdout(&text)
}

/// Prints a message line on stderr (notes, warnings, progress), with workflow commands in it
/// neutralised on a GitHub Actions runner like everything on stdout. A closed stderr is ignored:
/// there is nowhere left to say so.
pub fn print_stderr(line: &str) {
    let text = crate::github::workflow::guard_output(line);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.write_all(b"\n");
}

/// Writes a file, creating its parent directory, with the path in any error.
pub fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Prints to stdout; a closed pipe surfaces as an error the binary treats as success. On a
/// GitHub Actions runner, which reads stdout for workflow commands, benchmark names cannot
/// smuggle one in (see [`crate::github::workflow::neutralize_commands`]).
pub fn print_stdout(text: &str) -> anyhow::Result<()> {
    let text = crate::github::workflow::guard_output(text);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
