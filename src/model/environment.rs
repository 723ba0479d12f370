//! Where a results file was measured: enough to tell when base and head ran on different
//! machines, which changes how much noise to expect.

use serde::{Deserialize, Serialize};

/// The machine and toolchain a results file was measured on. Every field is optional because
/// imported files often do not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Environment {
    /// Operating system (`linux`, `macos`, `windows`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// CPU architecture (`x86_64`, `aarch64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// CPU model name, as the OS reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    /// Logical CPU count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<usize>,
    /// `rustc --version`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rustc: Option<String>,
    /// CI runner name (`RUNNER_NAME`) or image (`ImageOS`/`ImageVersion`), when in CI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
}

impl Environment {
    /// Describes the machine this process runs on. Never fails: unknown fields stay `None`.
    pub fn detect() -> Environment {
        let rustc =
            std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
                .arg("--version")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .map(|s| s.trim().to_string());
        let runner = std::env::var("RUNNER_NAME").ok().or_else(|| {
            match (std::env::var("ImageOS"), std::env::var("ImageVersion")) {
                (Ok(os), Ok(v)) => Some(format!("{os} {v}")),
                _ => None,
            }
        });
        Environment {
            os: Some(std::env::consts::OS.to_string()),
            arch: Some(std::env::consts::ARCH.to_string()),
            cpu_model: cpu_model(),
            cores: std::thread::available_parallelism().ok().map(|n| n.get()),
            rustc,
            runner,
        }
    }

    /// True when both sides name a CPU model or runner and they differ: results from different
    /// machines carry extra run-to-run noise.
    pub fn differs_from(&self, other: &Environment) -> bool {
        fn known_and_different(a: &Option<String>, b: &Option<String>) -> bool {
            matches!((a, b), (Some(a), Some(b)) if a != b)
        }
        known_and_different(&self.cpu_model, &other.cpu_model)
            || known_and_different(&self.os, &other.os)
            || known_and_different(&self.arch, &other.arch)
    }
}

fn cpu_model() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}
