//! The GitHub Action's install steps, run the way a runner runs them, and the rules every
//! workflow and example keeps.
//!
//! GitHub itself is out of reach here, so the composite action's steps are read from action.yml
//! and run in order with `bash`, with the variables and files the runner provides
//! (`GITHUB_OUTPUT`, `GITHUB_PATH`, `RUNNER_OS`, `RUNNER_ARCH`, `RUNNER_TEMP`,
//! `GITHUB_ACTION_PATH`, `GITHUB_ACTION_REF`, `GITHUB_ACTION_REPOSITORY` …), their `${{ }}`
//! expressions evaluated and `if:` conditions honoured, against a local HTTP server that serves a
//! fake release (a small shell script as the "binary" in each target's `.tar.gz`, with its
//! `.sha256`). The download base is redirected with `PERF_BUDGET_RELEASE_BASE_URL`, which exists
//! for this test. `actions/cache` is taken as a miss. A stub `cargo` first on `PATH` records a
//! fallback to building from source instead of building.
//!
//! What this cannot show: GitHub's own runner (how it fills `github.action_ref` in a composite
//! action, how it unpacks the action), the real release workflow, real `curl` against
//! github.com's redirects, and macOS or Windows shells (their runners are simulated by
//! `RUNNER_OS`/`RUNNER_ARCH` on this Linux machine).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---- a small reader for the part of YAML that action.yml's steps use ----

#[derive(Debug, Default, Clone)]
struct Step {
    line: usize,
    name: String,
    id: Option<String>,
    condition: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    env: Vec<(String, String)>,
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// A plain or quoted scalar, without a trailing comment.
fn scalar(raw: &str) -> String {
    let raw = raw.trim();
    for q in ['\'', '"'] {
        if raw.len() >= 2 && raw.starts_with(q) && raw.ends_with(q) {
            return raw[1..raw.len() - 1].to_owned();
        }
    }
    match raw.find(" #") {
        Some(i) => raw[..i].trim_end().to_owned(),
        None => raw.to_owned(),
    }
}

/// The steps of `runs.steps`: keys at 6 spaces, maps (env, with) at 8, `run: |` blocks.
/// Anything else is a panic naming the line, so a change to action.yml's shape shows here.
fn parse_steps(text: &str) -> Vec<Step> {
    let lines: Vec<&str> = text.lines().collect();
    let runs = lines
        .iter()
        .position(|l| *l == "runs:")
        .expect("action.yml has `runs:`");
    let start = (runs..lines.len())
        .find(|&i| lines[i] == "  steps:")
        .expect("action.yml has `runs.steps`");
    let mut steps: Vec<Step> = Vec::new();
    let mut i = start + 1;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        assert!(
            indent(line) >= 4,
            "action.yml:{}: unexpected `{line}`",
            i + 1
        );
        let body = if let Some(rest) = line.strip_prefix("    - ") {
            steps.push(Step {
                line: i + 1,
                ..Step::default()
            });
            rest
        } else {
            assert_eq!(indent(line), 6, "action.yml:{}: unexpected `{line}`", i + 1);
            trimmed
        };
        let step = steps.last_mut().expect("a step");
        let (key, value) = body
            .split_once(':')
            .unwrap_or_else(|| panic!("action.yml:{}: not a key: `{line}`", i + 1));
        let value = value.trim();
        i += 1;
        if value == "|" {
            let mut block = String::new();
            while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) > 6) {
                block.push_str(lines[i].get(8..).unwrap_or(""));
                block.push('\n');
                i += 1;
            }
            assert_eq!(key, "run", "action.yml:{i}: block scalar for `{key}`");
            step.run = Some(block);
            continue;
        }
        if value.is_empty() {
            let mut map = Vec::new();
            while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) >= 8) {
                let entry = lines[i].trim();
                i += 1;
                if entry.is_empty() || entry.starts_with('#') {
                    continue;
                }
                let (k, v) = entry
                    .split_once(':')
                    .unwrap_or_else(|| panic!("action.yml:{i}: not a key: `{entry}`"));
                map.push((k.trim().to_owned(), scalar(v)));
            }
            match key {
                "env" => step.env = map,
                "with" => {}
                other => panic!("action.yml: unexpected map `{other}` in a step"),
            }
            continue;
        }
        let value = scalar(value);
        match key {
            "name" => step.name = value,
            "id" => step.id = Some(value),
            "if" => step.condition = Some(value),
            "uses" => step.uses = Some(value),
            "run" => step.run = Some(value),
            "shell" => assert_eq!(value, "bash", "action.yml:{i}: shell"),
            "working-directory" => {}
            other => panic!("action.yml:{i}: unexpected step key `{other}`"),
        }
    }
    steps
}

// ---- a fake release server ----

struct Server {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Serves `files` (path → status and body); anything else is a 404.
    fn start(files: HashMap<String, (u16, Vec<u8>)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds a local port");
        let base = format!(
            "http://{}/releases/download",
            listener.local_addr().expect("address")
        );
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                loop {
                    let mut header = String::new();
                    match reader.read_line(&mut header) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if header == "\r\n" || header == "\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .trim_start_matches("/releases/download")
                    .to_owned();
                seen.lock().unwrap().push(path.clone());
                let (status, body) = files
                    .get(&path)
                    .cloned()
                    .unwrap_or((404, b"Not Found".to_vec()));
                let reason = match status {
                    200 => "OK",
                    404 => "Not Found",
                    _ => "Error",
                };
                let head = format!(
                    "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Server { base, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

const TARGETS: [&str; 5] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

fn sh(dir: &Path, script: &str) -> String {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("runs bash");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The assets of a fake release `tag`: per target a `.tar.gz` holding a script that prints
/// `cargo-perf-budget <version> (<target>)`, and its `.sha256`; plus the release info file.
fn release(tag: &str, commit: &str, source: &str) -> HashMap<String, (u16, Vec<u8>)> {
    let work = tempfile::tempdir().expect("tempdir");
    let mut files = HashMap::new();
    for target in TARGETS {
        let exe = if target.contains("windows") {
            "cargo-perf-budget.exe"
        } else {
            "cargo-perf-budget"
        };
        let dir = work.path().join(target);
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join(exe);
        std::fs::write(
            &bin,
            format!(
                "#!/bin/sh\necho \"cargo-perf-budget {} ({target})\"\n",
                tag.trim_start_matches('v')
            ),
        )
        .unwrap();
        sh(&dir, &format!("chmod +x {exe}"));
        let asset = format!("cargo-perf-budget-{target}.tar.gz");
        sh(&dir, &format!("tar -czf ../{asset} {exe}"));
        let sum = sh(work.path(), &format!("sha256sum {asset}"));
        let bytes = std::fs::read(work.path().join(&asset)).unwrap();
        files.insert(format!("/{tag}/{asset}"), (200, bytes));
        files.insert(format!("/{tag}/{asset}.sha256"), (200, sum.into_bytes()));
    }
    files.insert(
        format!("/{tag}/cargo-perf-budget-release.txt"),
        (
            200,
            format!("commit {commit}\nsource {source}\n").into_bytes(),
        ),
    );
    files
}

const COMMIT: &str = "3f786850e387550fdab836ed7e6dc881de23001b";

/// An action checkout as the runner unpacks it: our action.yml and install script, with a
/// tiny crate (version `version`) standing in for the source.
fn action_dir(parent: &Path, version: &str) -> PathBuf {
    let dir = parent.join("action");
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::copy(root().join("action.yml"), dir.join("action.yml")).unwrap();
    std::fs::copy(
        root().join("scripts/install-action.sh"),
        dir.join("scripts/install-action.sh"),
    )
    .unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"cargo-perf-budget\"\nversion = \"{version}\"\n"),
    )
    .unwrap();
    std::fs::write(dir.join("Cargo.lock"), "version = 4\n").unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    dir
}

fn source_hash(action: &Path) -> String {
    sh(
        root(),
        &format!(
            "bash scripts/install-action.sh source-hash '{}'",
            action.display()
        ),
    )
    .trim()
    .to_owned()
}

// ---- running the install steps ----

struct Runner {
    temp: tempfile::TempDir,
    action: PathBuf,
    os: &'static str,
    arch: &'static str,
    /// `github.action_ref` as the expression gives it.
    action_ref_expr: String,
    /// The runner's `GITHUB_ACTION_REF`.
    action_ref_env: String,
    repository: String,
    base_url: Option<String>,
    inputs: Vec<(&'static str, String)>,
    /// Set: run the steps after the install instead, with a stub `cargo-perf-budget`.
    gate: Option<GateStub>,
}

/// What the stub `cargo-perf-budget` does in the steps after the install.
#[derive(Clone, Copy)]
struct GateStub {
    /// Exit code of `check` (and of the other commands that measure or read).
    exit: i32,
    /// `verdict` the stub writes to `$GITHUB_OUTPUT` before exiting, as the binary does once it
    /// has a report (`None`: it stopped before, e.g. on a bad budget file).
    writes_verdict: Option<&'static str>,
    /// Exit code of `comment`.
    comment_exit: i32,
}

/// The token the gate tests give the action's `token` input.
const SECRET: &str = "ghs_actionTestSecret0123456789";

struct Outcome {
    /// (step name, exit code, stdout + stderr) for every step that ran.
    steps: Vec<(String, i32, String)>,
    outputs: HashMap<String, HashMap<String, String>>,
    path: Vec<String>,
    cargo_calls: String,
    /// What the stub `cargo-perf-budget` recorded: one line per call (`check --no-comment …`),
    /// and `token seen by check` when the token was in its environment or its parent's.
    gate_calls: String,
    temp: PathBuf,
    /// Keeps the runner's directories (and the installed binary) until the test is done.
    _dir: tempfile::TempDir,
}

impl Outcome {
    fn failed(&self) -> Option<&(String, i32, String)> {
        self.steps.iter().find(|s| s.1 != 0)
    }

    fn log(&self) -> String {
        self.steps
            .iter()
            .map(|(n, c, o)| format!("--- {n} (exit {c})\n{o}"))
            .collect()
    }

    fn output(&self, step: &str, key: &str) -> String {
        self.outputs
            .get(step)
            .and_then(|o| o.get(key))
            .cloned()
            .unwrap_or_default()
    }

    /// What `cargo-perf-budget perf-budget --version` prints with the PATH later steps get.
    fn installed(&self) -> String {
        let mut path = self.path.clone();
        path.push("/usr/bin:/bin".into());
        let out = Command::new("bash")
            .arg("-c")
            .arg(
                "for exe in cargo-perf-budget cargo-perf-budget.exe; do \
                 if command -v $exe >/dev/null; then exec $exe perf-budget --version; fi; \
                 done; exit 127",
            )
            .env_clear()
            .env("PATH", path.join(":"))
            .output()
            .expect("runs bash");
        assert!(
            out.status.success(),
            "cargo-perf-budget is not on PATH ({path:?}): {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Runner {
    fn new(action_version: &str) -> Runner {
        let temp = tempfile::tempdir().expect("tempdir");
        let action = action_dir(temp.path(), action_version);
        Runner {
            temp,
            action,
            os: "Linux",
            arch: "X64",
            action_ref_expr: String::new(),
            action_ref_env: String::new(),
            repository: "cargo-perf-budget/cargo-perf-budget".into(),
            base_url: None,
            inputs: Vec::new(),
            gate: None,
        }
    }

    /// Runs the steps after the install (the command, the comment, the exit) with a stub
    /// `cargo-perf-budget` on `PATH`.
    fn gate(mut self, stub: GateStub) -> Outcome {
        self.gate = Some(stub);
        self.inputs.push(("token", SECRET.into()));
        self.install()
    }

    fn server(mut self, server: &Server) -> Runner {
        self.base_url = Some(server.base.clone());
        self
    }

    /// `uses: …@r`: the runner sets both `github.action_ref` and `GITHUB_ACTION_REF`.
    fn at_ref(mut self, r: &str) -> Runner {
        self.action_ref_expr = r.into();
        self.action_ref_env = r.into();
        self
    }

    fn on(mut self, os: &'static str, arch: &'static str) -> Runner {
        self.os = os;
        self.arch = arch;
        self
    }

    fn input(mut self, name: &'static str, value: &str) -> Runner {
        self.inputs.push((name, value.into()));
        self
    }

    fn expr(&self, expr: &str, outputs: &HashMap<String, HashMap<String, String>>) -> String {
        let expr = expr.trim();
        if let Some(name) = expr.strip_prefix("inputs.") {
            return self
                .inputs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
        }
        if let Some(rest) = expr.strip_prefix("steps.") {
            let (id, key) = rest
                .split_once(".outputs.")
                .unwrap_or_else(|| panic!("unknown expression `{expr}`"));
            return outputs
                .get(id)
                .and_then(|o| o.get(key))
                .cloned()
                .unwrap_or_default();
        }
        match expr {
            "github.action_ref" => self.action_ref_expr.clone(),
            "github.action_repository" => self.repository.clone(),
            _ => panic!("action.yml uses `${{{{ {expr} }}}}`, which this test does not evaluate"),
        }
    }

    fn expand(&self, text: &str, outputs: &HashMap<String, HashMap<String, String>>) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("closed expression") + start;
            out.push_str(&self.expr(&rest[start + 3..end], outputs));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn condition(&self, cond: &str, outputs: &HashMap<String, HashMap<String, String>>) -> bool {
        let cond = cond
            .trim()
            .trim_start_matches("${{")
            .trim_end_matches("}}")
            .trim();
        if cond == "always()" {
            return true;
        }
        for (op, equal) in [("!=", false), ("==", true)] {
            if let Some((lhs, rhs)) = cond.split_once(op) {
                let lhs = self.expr(lhs, outputs);
                let rhs = rhs.trim().trim_matches('\'');
                return (lhs == rhs) == equal;
            }
        }
        panic!("action.yml has the condition `{cond}`, which this test does not evaluate")
    }

    /// Runs action.yml's steps in order up to and including the one that extends `PATH`.
    fn install(self) -> Outcome {
        let action_yml = std::fs::read_to_string(self.action.join("action.yml")).unwrap();
        let steps = parse_steps(&action_yml);
        let last = steps
            .iter()
            .position(|s| s.run.as_deref().is_some_and(|r| r.contains("GITHUB_PATH")))
            .expect("a step of action.yml puts the binary on PATH");
        let t = self.temp.path();
        let runner_temp = t.join("runner-temp");
        let stubs = t.join("stubs");
        let home = t.join("home");
        for d in [&runner_temp, &stubs, &home] {
            std::fs::create_dir_all(d).unwrap();
        }
        let cargo_log = t.join("cargo-calls");
        std::fs::write(&cargo_log, "").unwrap();
        // `cargo install … --root DIR` stand-in: records its arguments, "builds" a binary.
        std::fs::write(
            stubs.join("cargo"),
            "#!/bin/sh\necho \"$@\" >> \"$CARGO_STUB_LOG\"\nroot=\nwhile [ $# -gt 0 ]; do\n  \
             [ \"$1\" = --root ] && root=$2\n  shift\ndone\nmkdir -p \"$root/bin\"\n\
             printf '#!/bin/sh\\necho \"cargo-perf-budget built from source\"\\n' > \"$root/bin/cargo-perf-budget\"\n\
             chmod +x \"$root/bin/cargo-perf-budget\"\n",
        )
        .unwrap();
        sh(t, "chmod +x stubs/cargo");
        let github_path = t.join("github-path");
        std::fs::write(&github_path, "").unwrap();

        let gate_log = t.join("gate-calls");
        std::fs::write(&gate_log, "").unwrap();
        let range = match self.gate {
            Some(stub) => {
                write_gate_stub(&stubs, stub);
                last + 1..steps.len()
            }
            None => 0..last + 1,
        };
        let mut outputs: HashMap<String, HashMap<String, String>> = HashMap::new();
        let mut ran = Vec::new();
        let mut failed = false;
        for (n, step) in steps.iter().enumerate().filter(|(n, _)| range.contains(n)) {
            // After a failed step only `always()` steps run, as on a runner.
            let always = step.condition.as_deref().map(str::trim) == Some("always()");
            if failed && !always {
                continue;
            }
            if let Some(cond) = &step.condition {
                if !self.condition(cond, &outputs) {
                    continue;
                }
            }
            if let Some(uses) = &step.uses {
                // The binary's cache: always a miss here, so the install step runs.
                assert!(
                    uses.starts_with("actions/cache@"),
                    "action.yml:{}: a step uses {uses}, which this test does not simulate",
                    step.line
                );
                if let Some(id) = &step.id {
                    outputs
                        .entry(id.clone())
                        .or_default()
                        .insert("cache-hit".into(), "false".into());
                }
                continue;
            }
            let script = self.expand(step.run.as_deref().expect("run or uses"), &outputs);
            let script_file = t.join(format!("step-{n}.sh"));
            std::fs::write(&script_file, script).unwrap();
            let output_file = t.join(format!("output-{n}"));
            std::fs::write(&output_file, "").unwrap();
            let added: Vec<String> = std::fs::read_to_string(&github_path)
                .unwrap()
                .lines()
                .rev()
                .map(str::to_owned)
                .collect();
            let path = [
                vec![stubs.display().to_string()],
                added,
                vec!["/usr/local/bin:/usr/bin:/bin".into()],
            ]
            .concat()
            .join(":");
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(t)
                .env_clear()
                .env("PATH", path)
                .env("HOME", &home)
                .env("CI", "true")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_PATH", &github_path)
                .env("GITHUB_ENV", t.join("github-env"))
                .env("GITHUB_SERVER_URL", "https://github.com")
                .env("GITHUB_ACTION_PATH", &self.action)
                .env("GITHUB_ACTION_REF", &self.action_ref_env)
                .env("GITHUB_ACTION_REPOSITORY", &self.repository)
                .env("RUNNER_OS", self.os)
                .env("RUNNER_ARCH", self.arch)
                .env("RUNNER_TEMP", &runner_temp)
                .env("CARGO_STUB_LOG", &cargo_log)
                .env("GATE_STUB_LOG", &gate_log);
            if let Some(base) = &self.base_url {
                cmd.env("PERF_BUDGET_RELEASE_BASE_URL", base);
            }
            for (k, v) in &step.env {
                cmd.env(k, self.expand(v, &outputs));
            }
            let out = cmd.output().expect("runs bash");
            let code = out.status.code().unwrap_or(-1);
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran.push((step.name.clone(), code, text));
            if code != 0 {
                failed = true;
            }
            if let Some(id) = &step.id {
                let written = std::fs::read_to_string(&output_file).unwrap();
                let map = outputs.entry(id.clone()).or_default();
                for line in written.lines() {
                    let (k, v) = line
                        .split_once('=')
                        .unwrap_or_else(|| panic!("step {}: output line `{line}`", step.name));
                    map.insert(k.into(), v.into());
                }
            }
        }
        let path = std::fs::read_to_string(&github_path)
            .unwrap()
            .lines()
            .rev()
            .map(str::to_owned)
            .collect();
        Outcome {
            steps: ran,
            outputs,
            path,
            cargo_calls: std::fs::read_to_string(&cargo_log).unwrap(),
            gate_calls: std::fs::read_to_string(&gate_log).unwrap(),
            temp: runner_temp,
            _dir: self.temp,
        }
    }
}

/// A stub `cargo-perf-budget perf-budget <command> …`: records its arguments and whether the
/// action's token is in its own environment or in that of the step's shell that started it
/// (what a pull request's build script could read from `/proc/<pid>/environ`), then behaves as
/// `stub` says.
fn write_gate_stub(stubs: &Path, stub: GateStub) {
    let verdict = stub
        .writes_verdict
        .map(|v| format!("echo verdict={v} >> \"$GITHUB_OUTPUT\"\n"))
        .unwrap_or_default();
    let script = format!(
        r#"#!/bin/bash
sub=$2
echo "$sub ${{*:3}}" >> "$GATE_STUB_LOG"
if env | grep -qF '{SECRET}' || tr '\0' '\n' < /proc/$PPID/environ | grep -qF '{SECRET}'; then
  echo "token seen by $sub" >> "$GATE_STUB_LOG"
fi
if [ -n "${{GITHUB_ENV:-}}${{GITHUB_PATH:-}}" ]; then
  echo "command files seen by $sub" >> "$GATE_STUB_LOG"
fi
case "$sub" in
  comment)
    echo "comment-url=https://github.com/acme/widgets/pull/7#issuecomment-1" >> "$GITHUB_OUTPUT"
    exit {comment_exit} ;;
  check)
    if [ {exit} -ne 2 ] || [ -n "{verdict_set}" ]; then
      echo '{{"schema":"perf-budget/report/v1"}}' > "$RUNNER_TEMP/perf-budget-report.json"
      echo "report=$RUNNER_TEMP/perf-budget-report.json" >> "$GITHUB_OUTPUT"
      echo failed=0 >> "$GITHUB_OUTPUT"
    fi
    {verdict}    exit {exit} ;;
  *) exit {exit} ;;
esac
"#,
        comment_exit = stub.comment_exit,
        exit = stub.exit,
        verdict_set = stub.writes_verdict.unwrap_or(""),
    );
    std::fs::write(stubs.join("cargo-perf-budget"), script).unwrap();
    // `git fetch` of the result store: no remote here.
    std::fs::write(stubs.join("git"), "#!/bin/sh\nexit 128\n").unwrap();
    sh(
        stubs,
        "chmod +x cargo-perf-budget git && test -r /proc/self/environ",
    );
}

fn assert_prebuilt(out: &Outcome, tag: &str, target: &str) {
    assert!(out.failed().is_none(), "{}", out.log());
    assert_eq!(out.output("key", "version"), tag, "{}", out.log());
    assert_eq!(
        out.installed(),
        format!(
            "cargo-perf-budget {} ({target})",
            tag.trim_start_matches('v')
        ),
        "{}",
        out.log()
    );
    assert!(out.log().contains("verified"), "{}", out.log());
    assert_eq!(
        out.cargo_calls, "",
        "built although a release binary exists"
    );
    assert_eq!(
        out.path,
        vec![out.temp.join("cargo-perf-budget/bin").display().to_string()]
    );
}

fn assert_source(out: &Outcome, action: &Path) {
    assert!(out.failed().is_none(), "{}", out.log());
    assert_eq!(out.output("key", "version"), "source", "{}", out.log());
    assert!(
        out.output("key", "key").contains("-source-"),
        "{}",
        out.log()
    );
    assert_eq!(
        out.cargo_calls.trim(),
        format!(
            "install --locked --path {} --root {}",
            action.display(),
            out.temp.join("cargo-perf-budget").display()
        ),
        "{}",
        out.log()
    );
    assert_eq!(
        out.installed(),
        "cargo-perf-budget built from source",
        "{}",
        out.log()
    );
}

// ---- ref → release ----

#[test]
fn a_release_tag_installs_each_runners_own_binary_verified_and_on_path() {
    let server = Server::start(release("v1.4.2", COMMIT, "unused"));
    for (os, arch, target) in [
        ("Linux", "X64", "x86_64-unknown-linux-musl"),
        ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
        ("macOS", "X64", "x86_64-apple-darwin"),
        ("macOS", "ARM64", "aarch64-apple-darwin"),
        ("Windows", "X64", "x86_64-pc-windows-msvc"),
    ] {
        let out = Runner::new("1.4.2")
            .server(&server)
            .at_ref("v1.4.2")
            .on(os, arch)
            .install();
        assert_prebuilt(&out, "v1.4.2", target);
        let key = out.output("key", "key");
        let prefix = format!("cargo-perf-budget-{os}-{arch}-v1.4.2-");
        assert!(
            key.strip_prefix(&prefix)
                .is_some_and(|sum| sum.len() == 16 && out.output("key", "sha256").starts_with(sum)),
            "{key}"
        );
        if os == "Windows" {
            assert!(out
                .temp
                .join("cargo-perf-budget/bin/cargo-perf-budget.exe")
                .is_file());
        }
    }
    let asked = server.requests();
    for target in TARGETS {
        let asset = format!("/v1.4.2/cargo-perf-budget-{target}.tar.gz");
        assert!(asked.contains(&asset), "{asked:?}");
        assert!(asked.contains(&format!("{asset}.sha256")), "{asked:?}");
    }
}

#[test]
fn the_major_tag_maps_to_the_release_built_from_the_same_source() {
    // `v1` above 1.0; below it a minor is breaking and the moving tag is `v0.3`.
    for (version, moving) in [("1.4.2", "v1"), ("0.3.1", "v0.3")] {
        let runner = Runner::new(version);
        let source = source_hash(&runner.action);
        let tag = format!("v{version}");
        let server = Server::start(release(&tag, COMMIT, &source));
        let out = runner.server(&server).at_ref(moving).install();
        assert_prebuilt(&out, &tag, "x86_64-unknown-linux-musl");
        assert!(
            out.log()
                .contains(&format!("is the source release {tag} was built from")),
            "{}",
            out.log()
        );
    }
}

#[test]
fn the_commit_sha_of_a_release_maps_to_it() {
    // The release was built from COMMIT; its source hash is not this checkout's, so only the
    // commit can tell.
    let server = Server::start(release("v1.4.2", COMMIT, &"0".repeat(64)));
    let out = Runner::new("1.4.2")
        .server(&server)
        .at_ref(COMMIT)
        .install();
    assert_prebuilt(&out, "v1.4.2", "x86_64-unknown-linux-musl");
    assert!(
        out.log().contains(&format!(
            "{COMMIT} is the commit release v1.4.2 was built from"
        )),
        "{}",
        out.log()
    );
}

#[test]
fn a_checkout_with_git_metadata_at_the_releases_commit_maps_to_it() {
    let runner = Runner::new("1.4.2");
    let a = runner.action.clone();
    sh(
        &a,
        "git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm r",
    );
    let head = sh(&a, "git rev-parse HEAD").trim().to_owned();
    // Change the source afterwards: only git's HEAD names the release's commit.
    std::fs::write(a.join("src/main.rs"), "fn main() { }\n").unwrap();
    let server = Server::start(release("v1.4.2", &head, &"0".repeat(64)));
    let out = runner.server(&server).at_ref("main").install();
    assert_prebuilt(&out, "v1.4.2", "x86_64-unknown-linux-musl");
}

#[test]
fn the_runners_variable_stands_in_for_an_empty_action_ref_expression() {
    let server = Server::start(release("v1.4.2", COMMIT, "unused"));
    let mut runner = Runner::new("1.4.2").server(&server).at_ref("v1.4.2");
    runner.action_ref_expr = String::new();
    let out = runner.install();
    assert_prebuilt(&out, "v1.4.2", "x86_64-unknown-linux-musl");
}

#[test]
fn a_ref_no_release_was_built_from_falls_back_to_source() {
    // A commit after the release: same version in Cargo.toml, different source and commit.
    let server = Server::start(release("v1.4.2", COMMIT, &"0".repeat(64)));
    let runner = Runner::new("1.4.2");
    let action = runner.action.clone();
    let out = runner
        .server(&server)
        .at_ref("9fceb02d0ae598e95dc970b74767f19372d61af8")
        .install();
    assert_source(&out, &action);
    assert!(
        out.log()
            .contains("is not what release v1.4.2 was built from"),
        "{}",
        out.log()
    );
    assert!(
        !server.requests().iter().any(|r| r.ends_with(".tar.gz")),
        "{:?}",
        server.requests()
    );

    // A branch whose version was never released.
    let server = Server::start(release("v1.4.2", COMMIT, "unused"));
    let runner = Runner::new("1.5.0");
    let action = runner.action.clone();
    let out = runner.server(&server).at_ref("main").install();
    assert_source(&out, &action);
    assert!(
        out.log().contains("there is no release v1.5.0"),
        "{}",
        out.log()
    );
}

#[test]
fn a_local_action_builds_its_source() {
    // `uses: ./` gives no ref and no repository. Here the action is this repository itself, so
    // the source hash runs over the real tree.
    let mut runner = Runner::new("1.4.2");
    runner.action = root().to_path_buf();
    runner.repository = String::new();
    let out = runner.install();
    assert_source(&out, root());
    assert!(out.log().contains("uses: ./"), "{}", out.log());

    // A release asked for by name cannot be downloaded without a repository: said so.
    let mut runner = Runner::new("1.4.2").input("version", "v1.4.2");
    runner.repository = String::new();
    let out = runner.install();
    let (_, code, text) = out.failed().expect("fails");
    assert_eq!(*code, 2);
    assert!(
        text.contains("no repository to download release v1.4.2 from"),
        "{text}"
    );
}

#[test]
fn a_runner_without_a_prebuilt_binary_builds_from_source() {
    let server = Server::start(release("v1.4.2", COMMIT, "unused"));
    let runner = Runner::new("1.4.2");
    let action = runner.action.clone();
    let out = runner
        .server(&server)
        .at_ref("v1.4.2")
        .on("Windows", "ARM64")
        .install();
    assert_source(&out, &action);
    assert!(
        out.log().contains("no prebuilt binary for Windows ARM64"),
        "{}",
        out.log()
    );
}

#[test]
fn a_release_without_this_runners_asset_builds_the_same_version_from_source() {
    let mut files = release("v1.4.2", COMMIT, "unused");
    files.retain(|k, _| !k.contains("aarch64-apple-darwin"));
    let server = Server::start(files);
    let runner = Runner::new("1.4.2");
    let action = runner.action.clone();
    let out = runner
        .server(&server)
        .at_ref("v1.4.2")
        .on("macOS", "ARM64")
        .install();
    assert_source(&out, &action);
}

// ---- the `version` input ----

#[test]
fn the_version_input_picks_a_release_or_the_source() {
    let server = Server::start(release("v1.3.0", COMMIT, "unused"));
    let out = Runner::new("1.4.2")
        .server(&server)
        .at_ref("main")
        .input("version", "v1.3.0")
        .install();
    assert_prebuilt(&out, "v1.3.0", "x86_64-unknown-linux-musl");

    let runner = Runner::new("1.4.2");
    let action = runner.action.clone();
    let out = runner
        .server(&server)
        .at_ref("v1.3.0")
        .input("version", "source")
        .install();
    assert_source(&out, &action);

    // A release that has no binary for this runner, and is not the action's own version: an
    // error, not a build of some other version.
    let mut files = release("v1.3.0", COMMIT, "unused");
    files.retain(|k, _| !k.contains("x86_64-unknown-linux-musl"));
    let server = Server::start(files);
    let out = Runner::new("1.4.2")
        .server(&server)
        .at_ref("v1.4.2")
        .input("version", "v1.3.0")
        .install();
    let (_, code, text) = out.failed().expect("fails");
    assert_eq!(*code, 2, "{text}");
    assert!(text.contains("release v1.3.0 has no binary for x86_64-unknown-linux-musl"));
    assert_eq!(out.cargo_calls, "");
}

#[test]
fn a_version_input_that_is_neither_a_tag_nor_source_is_an_error() {
    let out = Runner::new("1.4.2")
        .at_ref("v1.4.2")
        .input("version", "latest\n::warning::x")
        .install();
    let (name, code, text) = out.failed().expect("fails");
    assert_eq!(name, "Pick the binary");
    assert_eq!(*code, 2);
    assert!(
        text.contains("::error title=cargo-perf-budget::input version must be a release tag"),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("::warning")), "{text}");
}

// ---- verification ----

fn tampered(tag: &str, target: &str) -> HashMap<String, (u16, Vec<u8>)> {
    let mut files = release(tag, COMMIT, "unused");
    let key = format!("/{tag}/cargo-perf-budget-{target}.tar.gz");
    let mut bytes = files[&key].1.clone();
    bytes.extend_from_slice(b"appended by someone else");
    files.insert(key, (200, bytes));
    files
}

#[test]
fn a_checksum_mismatch_refuses_the_binary() {
    let server = Server::start(tampered("v1.4.2", "x86_64-unknown-linux-musl"));
    let out = Runner::new("1.4.2")
        .server(&server)
        .at_ref("v1.4.2")
        .install();
    let (name, code, text) = out.failed().expect("the install step fails");
    assert_eq!(name, "Install cargo-perf-budget");
    assert_eq!(*code, 2);
    assert!(
        text.contains("::error title=cargo-perf-budget::checksum mismatch for ")
            && text.contains("cargo-perf-budget-x86_64-unknown-linux-musl.tar.gz: expected ")
            && text.contains("refusing to install it"),
        "{text}"
    );
    assert!(!out
        .temp
        .join("cargo-perf-budget/bin/cargo-perf-budget")
        .exists());
    assert_eq!(
        out.cargo_calls, "",
        "a refused binary must not turn into a build"
    );
    assert!(out.path.is_empty(), "{:?}", out.path);
}

#[test]
fn a_binary_without_its_checksum_file_is_never_installed() {
    let mut files = release("v1.4.2", COMMIT, "unused");
    files.remove("/v1.4.2/cargo-perf-budget-x86_64-unknown-linux-musl.tar.gz.sha256");
    let server = Server::start(files);
    // The action's own version: its source is the same code, so that is built instead.
    let runner = Runner::new("1.4.2");
    let action = runner.action.clone();
    let out = runner.server(&server).at_ref("v1.4.2").install();
    assert_source(&out, &action);
    assert!(
        !server.requests().iter().any(|r| r.ends_with(".tar.gz")),
        "an unverifiable binary was downloaded: {:?}",
        server.requests()
    );
    // Another version: an error.
    let out = Runner::new("1.5.0")
        .server(&server)
        .at_ref("main")
        .input("version", "v1.4.2")
        .install();
    let (_, code, text) = out.failed().expect("fails");
    assert_eq!(*code, 2);
    assert!(
        text.contains("release v1.4.2 has no binary for x86_64-unknown-linux-musl"),
        "{text}"
    );
    assert_eq!(out.cargo_calls, "");
}

#[test]
fn a_checksum_file_without_a_checksum_is_refused() {
    let mut files = release("v1.4.2", COMMIT, "unused");
    files.insert(
        "/v1.4.2/cargo-perf-budget-x86_64-unknown-linux-musl.tar.gz.sha256".into(),
        (200, b"<html>sign in</html>".to_vec()),
    );
    let server = Server::start(files);
    let out = Runner::new("1.4.2")
        .server(&server)
        .at_ref("v1.4.2")
        .install();
    let (_, code, text) = out.failed().expect("fails");
    assert_eq!(*code, 2);
    assert!(
        text.contains("does not start with a SHA-256 checksum"),
        "{text}"
    );
    assert_eq!(out.cargo_calls, "");
}

#[test]
fn a_server_error_stops_the_install_instead_of_building() {
    let mut files = release("v1.4.2", COMMIT, "unused");
    files.insert(
        "/v1.4.2/cargo-perf-budget-x86_64-unknown-linux-musl.tar.gz".into(),
        (403, b"rate limited".to_vec()),
    );
    let server = Server::start(files);
    let out = Runner::new("1.4.2")
        .server(&server)
        .at_ref("v1.4.2")
        .install();
    let (_, code, text) = out.failed().expect("fails");
    assert_eq!(*code, 2);
    assert!(text.contains("answered HTTP 403"), "{text}");
    assert_eq!(out.cargo_calls, "");
}

// ---- the release workflow's assets ----

/// The `run: |` script of the step named `name` in a workflow file, dedented.
fn workflow_step_script(text: &str, name: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("no step `{name}`"));
    let step_indent = indent(lines[at]);
    let run = (at + 1..lines.len())
        .take_while(|&i| lines[i].trim().is_empty() || indent(lines[i]) > step_indent)
        .find(|&i| lines[i].trim() == "run: |")
        .unwrap_or_else(|| panic!("step `{name}` has no `run: |`"));
    let body: Vec<&str> = lines[run + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || indent(l) > indent(lines[run]))
        .copied()
        .collect();
    let strip = body
        .iter()
        .find(|l| !l.trim().is_empty())
        .map_or(0, |l| indent(l));
    body.iter()
        .map(|l| l.get(strip..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_release_workflows_assets_are_what_the_action_installs() {
    // Run release.yml's own packaging and publishing scripts on fake build outputs, serve what
    // they produce, and install it with action.yml at the major tag and at the release's commit.
    let workflow = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let package = workflow_step_script(&workflow, "Package");
    let publish = workflow_step_script(&workflow, "Checksums and release info");
    let runner = Runner::new("1.4.2");
    let checkout = runner.action.clone();
    sh(
        &checkout,
        "git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm r",
    );
    let head = sh(&checkout, "git rev-parse HEAD").trim().to_owned();
    std::fs::create_dir(checkout.join("all")).unwrap();
    for target in TARGETS {
        let (os, exe) = if target.contains("windows") {
            ("Windows", "cargo-perf-budget.exe")
        } else {
            ("Linux", "cargo-perf-budget")
        };
        let built = checkout.join(format!("target/{target}/release"));
        std::fs::create_dir_all(&built).unwrap();
        std::fs::write(
            built.join(exe),
            format!("#!/bin/sh\necho \"cargo-perf-budget 1.4.2 ({target})\"\n"),
        )
        .unwrap();
        sh(&built, &format!("chmod +x {exe}"));
        let out = Command::new("bash")
            .args(["-eo", "pipefail", "-c", &package])
            .current_dir(&checkout)
            .env("TARGET", target)
            .env("RUNNER_OS", os)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // upload-artifact, then download-artifact with merge-multiple into one folder.
        sh(&checkout, "mv dist/* all/ && rmdir dist && rm -rf target");
    }
    sh(&checkout, "mv all dist");
    let github_output = checkout.join("github-output");
    let out = Command::new("bash")
        .args(["-eo", "pipefail", "-c", &publish])
        .current_dir(&checkout)
        .env("GITHUB_OUTPUT", &github_output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&github_output).unwrap(),
        format!("commit={head}\n")
    );
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(checkout.join("dist")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.insert(
            format!("/v1.4.2/{name}"),
            (200, std::fs::read(&path).unwrap()),
        );
    }
    assert!(
        files.contains_key("/v1.4.2/SHA256SUMS"),
        "{:?}",
        files.keys()
    );
    std::fs::remove_dir_all(checkout.join("dist")).unwrap();
    std::fs::remove_dir_all(checkout.join(".git")).unwrap();
    let server = Server::start(files);

    // @v1: the release's recorded source is the action's.
    let out = runner
        .server(&server)
        .at_ref("v1")
        .on("macOS", "ARM64")
        .install();
    assert_prebuilt(&out, "v1.4.2", "aarch64-apple-darwin");
    // @<the release's commit>, without git metadata.
    let mut runner = Runner::new("1.4.2").server(&server).at_ref(&head);
    std::fs::write(runner.action.join("src/main.rs"), "fn main() { }\n").unwrap();
    runner.os = "Windows";
    let out = runner.install();
    assert_prebuilt(&out, "v1.4.2", "x86_64-pc-windows-msvc");
}

// ---- workflows and examples ----

/// Every workflow file this repository ships or tells users to copy.
fn workflow_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("action.yml")];
    for dir in [".github/workflows", "examples"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Problems with `uses:` lines: every action other than this one and local ones is pinned to a
/// full commit SHA with its version in a comment; this action is named by its real repository.
fn unpinned(name: &str, text: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(at) = line.find("uses:") else {
            continue;
        };
        if line.trim_start().starts_with('#') {
            continue;
        }
        let value = line[at + 5..].trim();
        let (action, comment) = match value.split_once(" #") {
            Some((a, c)) => (a.trim(), c.trim()),
            None => (value, ""),
        };
        if action.starts_with("./") {
            continue;
        }
        let Some((repo, version)) = action.split_once('@') else {
            wrong.push(format!("{name}:{}: `{action}` has no version", n + 1));
            continue;
        };
        if repo == "cargo-perf-budget/cargo-perf-budget" {
            if !(version.starts_with('v') || version.len() == 40) {
                wrong.push(format!("{name}:{}: `{action}`", n + 1));
            }
            continue;
        }
        let sha = version.len() == 40 && version.bytes().all(|b| b.is_ascii_hexdigit());
        if !sha || comment.is_empty() {
            wrong.push(format!(
                "{name}:{}: `{action}` is not pinned to a full commit SHA with its version in a comment",
                n + 1
            ));
        }
    }
    if text.contains("OWNER/") {
        wrong.push(format!(
            "{name}: says OWNER/ instead of the action's repository"
        ));
    }
    wrong
}

/// Jobs (`jobs.<id>`, at two spaces) whose `actions/checkout` keeps the token in the clone's git
/// config although nothing in the job pushes with git.
fn persisted_credentials(name: &str, text: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    let Some(jobs_at) = text.find("\njobs:\n") else {
        return wrong;
    };
    let jobs = &text[jobs_at + 7..];
    let mut chunks: Vec<(String, String)> = Vec::new();
    for line in jobs.lines() {
        if indent(line) == 2 && line.trim_end().ends_with(':') && !line.trim().starts_with('#') {
            chunks.push((line.trim().trim_end_matches(':').to_owned(), String::new()));
        } else if let Some((_, body)) = chunks.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    for (job, body) in chunks {
        let pushes = body.contains("store push") || body.contains("git push");
        let lines: Vec<&str> = body.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.contains("uses: actions/checkout@") {
                continue;
            }
            let step_indent = indent(line);
            let persists = !lines[i + 1..]
                .iter()
                .take_while(|l| l.trim().is_empty() || indent(l) > step_indent)
                .any(|l| l.trim().starts_with("persist-credentials: false"));
            if persists && !pushes {
                wrong.push(format!(
                    "{name}: job `{job}` checks out with persisted credentials but never pushes"
                ));
            }
        }
    }
    wrong
}

/// Tokens at workflow or job level reach every step; they belong in the one step that uses them.
fn broad_tokens(name: &str, text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains("secrets.") || l.contains("github.token"))
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
        .filter(|(_, l)| indent(l) < 10 && !name.ends_with("action.yml"))
        .map(|(n, l)| format!("{name}:{}: a token outside a step: `{}`", n + 1, l.trim()))
        .collect()
}

#[test]
fn every_workflow_pins_its_actions_keeps_no_needless_credentials_and_scopes_tokens() {
    let mut wrong = Vec::new();
    for path in workflow_files() {
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        wrong.extend(unpinned(&name, &text));
        wrong.extend(persisted_credentials(&name, &text));
        wrong.extend(broad_tokens(&name, &text));
    }
    for doc in ["README.md", "docs/github.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        if text.contains("OWNER/") {
            wrong.push(format!(
                "{doc}: says OWNER/ instead of the action's repository"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_workflow_checks_catch_what_they_are_for() {
    let bad = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      \
               - uses: some/action@1111111111111111111111111111111111111111\n      \
               - uses: OWNER/cargo-perf-budget@v1\n  b:\n    env:\n      \
               GH_TOKEN: ${{ github.token }}\n    steps:\n      \
               - uses: actions/checkout@2222222222222222222222222222222222222222 # v9\n        \
               with:\n          persist-credentials: false\n";
    let text = format!("name: x\n{bad}");
    let unpinned = unpinned("x.yml", &text);
    assert_eq!(unpinned.len(), 4, "{unpinned:?}"); // @v4, no comment, OWNER/ twice
    assert_eq!(persisted_credentials("x.yml", &text).len(), 1);
    assert_eq!(broad_tokens("x.yml", &text).len(), 1);
    let pushing = "name: x\njobs:\n  a:\n    steps:\n      \
                   - uses: actions/checkout@2222222222222222222222222222222222222222 # v9\n      \
                   - run: cargo-perf-budget perf-budget store push origin\n";
    assert!(persisted_credentials("x.yml", pushing).is_empty());
}

// ---- after the install: the command, the comment, the exit ----

fn step_code(out: &Outcome, name: &str) -> Option<i32> {
    out.steps.iter().find(|s| s.0 == name).map(|s| s.1)
}

const EXIT_STEP: &str = "Exit with the gate's code";

fn check_runner() -> Runner {
    Runner::new("0.1.0")
        .input("command", "check")
        .input("budget", "budgets.toml")
        .input("comment-id", "default")
}

#[test]
fn the_verdict_output_follows_the_exit_code_of_check() {
    // (exit code, the verdict the binary wrote before it ended, the action's verdict)
    let cases = [
        (0, Some("pass"), "pass"),
        (1, Some("fail"), "fail"),
        // Nothing measured that a budget names: a report whose verdict says pass, then exit 2.
        (2, Some("pass"), "error"),
        // A bad budget file: exit 2 before any report or output.
        (2, None, "error"),
        // Killed or crashed.
        (101, None, "error"),
    ];
    for (exit, writes_verdict, expected) in cases {
        let out = check_runner().gate(GateStub {
            exit,
            writes_verdict,
            comment_exit: 0,
        });
        let case = format!("exit {exit}, binary wrote {writes_verdict:?}");
        assert_eq!(
            out.output("run", "verdict"),
            expected,
            "{case}\n{}",
            out.log()
        );
        assert_eq!(out.output("run", "exit-code"), exit.to_string(), "{case}");
        // The command's step records the code; the last step ends the job with it.
        assert_eq!(step_code(&out, "cargo perf-budget"), Some(0), "{case}");
        assert_eq!(
            step_code(&out, EXIT_STEP),
            Some(exit),
            "{case}\n{}",
            out.log()
        );
        assert_eq!(
            out.failed().map(|f| f.0.as_str()),
            (exit != 0).then_some(EXIT_STEP),
            "{case}"
        );
        // A report is posted whatever the verdict (the comment step runs `if: always()`); no
        // report, no post.
        assert_eq!(
            out.gate_calls.contains("comment --best-effort --report"),
            exit != 2 || writes_verdict.is_some(),
            "{case}\n{}",
            out.gate_calls
        );
    }
}

#[test]
fn check_runs_without_the_token_and_a_separate_step_posts_with_it() {
    let out = check_runner()
        .input("comment-on", "failure")
        .input("args", "--strict --comment-id=perf")
        .gate(GateStub {
            exit: 1,
            writes_verdict: Some("fail"),
            comment_exit: 0,
        });
    let report = out.temp.join("perf-budget-report.json");
    assert_eq!(
        out.gate_calls,
        format!(
            "check --no-comment --budget budgets.toml --strict --comment-id=perf\n\
             comment --best-effort --report {} --id perf --token-env PERF_BUDGET_TOKEN \
             --comment-on failure --budget budgets.toml\n\
             token seen by comment\n\
             command files seen by comment\n",
            report.display()
        ),
        "{}",
        out.log()
    );
    // The stub sees the token where it is given (so the probe works), never in `check`; nor
    // does `check` get the files through which it could change later steps' environment.
    assert!(out.gate_calls.contains("token seen by comment"));
    assert!(!out.gate_calls.contains("token seen by check"));
    assert!(!out.gate_calls.contains("command files seen by check"));
    assert_eq!(out.output("run", "verdict"), "fail");
    assert_eq!(
        out.output("comment", "comment-url"),
        "https://github.com/acme/widgets/pull/7#issuecomment-1"
    );
    assert_eq!(step_code(&out, EXIT_STEP), Some(1));
}

#[test]
fn a_budget_in_args_replaces_the_budget_input_for_both_steps() {
    let out = check_runner()
        .input("args", "--budget perf/budgets.toml")
        .gate(GateStub {
            exit: 0,
            writes_verdict: Some("pass"),
            comment_exit: 0,
        });
    let calls: Vec<&str> = out.gate_calls.lines().collect();
    assert_eq!(
        calls[0],
        "check --no-comment --budget perf/budgets.toml",
        "{}",
        out.log()
    );
    assert!(
        calls[1].ends_with("--budget perf/budgets.toml"),
        "{}",
        out.gate_calls
    );
}

#[test]
fn no_comment_in_args_posts_nothing() {
    let out = check_runner().input("args", "--no-comment").gate(GateStub {
        exit: 0,
        writes_verdict: Some("pass"),
        comment_exit: 0,
    });
    assert_eq!(
        out.gate_calls,
        "check --budget budgets.toml --no-comment\n",
        "{}",
        out.log()
    );
    assert!(out.failed().is_none(), "{}", out.log());
}

#[test]
fn the_comment_command_posts_with_the_token_and_its_failure_fails_the_action() {
    let out = Runner::new("0.1.0")
        .input("command", "comment")
        .input("comment-id", "suite")
        .input("args", "--report r.json")
        .gate(GateStub {
            exit: 0,
            writes_verdict: None,
            comment_exit: 2,
        });
    assert!(
        out.gate_calls
            .starts_with("comment --id suite --token-env PERF_BUDGET_TOKEN --report r.json\n"),
        "{}",
        out.gate_calls
    );
    assert!(!out.gate_calls.contains("check"), "{}", out.gate_calls);
    let (name, code, _) = out.failed().expect("the comment step fails");
    assert_eq!((name.as_str(), *code), ("Post the PR comment", 2));
}

/// Whether a step's script can start `check`.
fn runs_check(step: &Step) -> bool {
    let run = step.run.as_deref().unwrap_or("");
    run.contains("(check") || run.contains("perf-budget check")
}

/// Whether a step's environment is given a token.
fn holds_token(step: &Step) -> bool {
    step.env.iter().any(|(k, v)| {
        k.contains("TOKEN")
            || v.contains("inputs.token")
            || v.contains("github.token")
            || v.contains("secrets.")
    })
}

#[test]
fn no_step_that_runs_check_is_given_a_token() {
    let steps = parse_steps(&std::fs::read_to_string(root().join("action.yml")).unwrap());
    let checking: Vec<&Step> = steps.iter().filter(|s| runs_check(s)).collect();
    assert_eq!(
        checking.len(),
        1,
        "one step runs check: {:?}",
        checking.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    for step in &checking {
        assert!(
            !holds_token(step),
            "action.yml:{}: step `{}` runs check and is given a token: {:?}",
            step.line,
            step.name,
            step.env
        );
        assert!(
            !step.run.as_deref().unwrap_or("").contains("token-env"),
            "action.yml:{}: `{}` names a token variable",
            step.line,
            step.name
        );
    }
    // The token goes to exactly one step, which posts and starts nothing else.
    let holding: Vec<&Step> = steps.iter().filter(|s| holds_token(s)).collect();
    assert_eq!(holding.len(), 1, "{holding:?}");
    let run = holding[0].run.as_deref().unwrap_or("");
    assert!(run.contains("perf-budget \"${args[@]}\""), "{run}");
    assert!(
        !["(check", "(run", "cargo build", "cargo bench"]
            .iter()
            .any(|c| run.contains(c)),
        "{run}"
    );
    // And the check themselves can fail.
    let mut bad = checking[0].clone();
    bad.env
        .push(("GITHUB_TOKEN".into(), "${{ github.token }}".into()));
    assert!(holds_token(&bad));
}
