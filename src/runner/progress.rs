//! Progress of long runs (building the base, interleaved rounds): an indicatif bar with the
//! phase, the benchmark running and an ETA when stderr is a terminal; plain cargo-style status
//! lines (`     Running base round 1/3 (bench: algos)`) in CI logs; nothing when quiet.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where progress goes. Cheap to clone; clones share one bar.
#[derive(Debug, Clone)]
pub struct Progress {
    output: Output,
}

#[derive(Debug, Clone)]
enum Output {
    Quiet,
    Lines,
    /// The bar, the current phase's message that details are appended to, and the id of the
    /// interrupt cleanup that clears the bar.
    Bar(ProgressBar, Arc<Mutex<String>>, u64),
}

/// Registers the removal of the bar as an interrupt cleanup: Ctrl-C ends the process without
/// destructors, and the interrupt message must not follow a half-drawn bar. Returns its id;
/// [`Progress::finish`] runs it on the normal way out.
fn clear_on_interrupt(bar: &ProgressBar) -> u64 {
    let bar = bar.clone();
    super::interrupt::register(Box::new(move || bar.finish_and_clear()))
}

const SPINNER_TEMPLATE: &str = "{spinner:.green} {prefix:>12.cyan.bold} {wide_msg}";
const BAR_TEMPLATE: &str =
    "{prefix:>12.cyan.bold} [{bar:25.cyan/blue}] {pos}/{len} {wide_msg} ETA {eta}";

impl Progress {
    /// Progress on stderr: a bar on a terminal, status lines otherwise, nothing when `quiet`.
    pub fn new(quiet: bool) -> Progress {
        let output = if quiet {
            Output::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(spinner_style());
            bar.enable_steady_tick(Duration::from_millis(120));
            let cleanup = clear_on_interrupt(&bar);
            Output::Bar(bar, Arc::default(), cleanup)
        } else {
            Output::Lines
        };
        Progress { output }
    }

    /// Plain status lines regardless of the terminal (for tests and logs).
    pub fn lines() -> Progress {
        Progress {
            output: Output::Lines,
        }
    }

    /// Whether anything is shown at all.
    pub fn is_quiet(&self) -> bool {
        matches!(self.output, Output::Quiet)
    }

    /// A phase starts: `verb` is cargo-style (`Building`, `Running`), `message` says what.
    /// A status line in logs; on a terminal the bar's prefix and message.
    pub fn status(&self, verb: &str, message: &str) {
        match &self.output {
            Output::Quiet => {}
            Output::Lines => print_status(verb, message),
            Output::Bar(bar, phase, _) => {
                bar.set_prefix(verb.to_string());
                bar.set_message(message.to_string());
                *phase.lock().unwrap_or_else(|e| e.into_inner()) = message.to_string();
            }
        }
    }

    /// A line that stays (a finished phase) above the bar, or a status line in logs.
    pub fn done(&self, verb: &str, message: &str) {
        match &self.output {
            Output::Quiet => {}
            Output::Lines => print_status(verb, message),
            Output::Bar(bar, _, _) => bar.suspend(|| print_status(verb, message)),
        }
    }

    /// What is running right now inside the phase (the benchmark, cargo's last line); only the
    /// terminal bar shows it, logs would drown in it.
    pub fn detail(&self, message: &str) {
        if let Output::Bar(bar, phase, _) = &self.output {
            let phase = phase.lock().unwrap_or_else(|e| e.into_inner());
            bar.set_message(format!("{phase} · {message}"));
        }
    }

    /// Switches to a counted bar of `total` steps (bench runs), for the ETA.
    pub fn start_steps(&self, total: u64) {
        if let Output::Bar(bar, _, _) = &self.output {
            bar.set_style(
                ProgressStyle::with_template(BAR_TEMPLATE)
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_length(total);
            bar.set_position(0);
            bar.reset_eta();
        }
    }

    /// One step of [`Progress::start_steps`] is done.
    pub fn step(&self) {
        if let Output::Bar(bar, _, _) = &self.output {
            bar.inc(1);
        }
    }

    /// Back to a spinner (a phase of unknown length, such as a build).
    pub fn spinner(&self) {
        if let Output::Bar(bar, _, _) = &self.output {
            bar.set_style(spinner_style());
            bar.unset_length();
        }
    }

    /// A warning the user should see, above the bar or as a line.
    pub fn warn(&self, message: &str) {
        let style = anstyle::AnsiColor::Yellow.on_default().bold();
        let message = crate::github::workflow::guard_output(message);
        let print = || anstream::eprintln!("{style}warning{style:#}: {message}");
        match &self.output {
            Output::Quiet => {}
            Output::Lines => print(),
            Output::Bar(bar, _, _) => bar.suspend(print),
        }
    }

    /// Removes the bar (the work is done or failed).
    pub fn finish(&self) {
        if let Output::Bar(_, _, cleanup) = &self.output {
            super::interrupt::run(*cleanup);
        }
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template(SPINNER_TEMPLATE)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn print_status(verb: &str, message: &str) {
    let style = anstyle::AnsiColor::Green.on_default().bold();
    let message = crate::github::workflow::guard_output(message);
    anstream::eprintln!("{style}{verb:>12}{style:#} {message}");
}
