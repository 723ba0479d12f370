//! Hostile input: huge globs, impossible values, FIFOs and devices, workflow commands smuggled
//! into output, argument injection into `git`, racing writers, misleading errors. Each test drives
//! the real binary where a user would meet the problem.

use std::path::{Path, PathBuf};

use cargo_perf_budget::model::{Direction, Metric, ResultsFile, SampleKind, Unit};
use tempfile::TempDir;

use crate::support::{bench, cli, write_results};

/// Writes a budget file and returns its path.
fn budget(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("budgets.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `compare` with a budget file on two small results files; returns (exit code, stderr).
fn compare_with_budget(dir: &Path, budget_text: &str) -> (i32, String) {
    let base = write_results(
        dir,
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let head = write_results(
        dir,
        "head.json",
        "h",
        vec![bench("criterion/parse", 100.0, 2)],
    );
    let budget = budget(dir, budget_text);
    let out = cli()
        .arg("compare")
        .arg("--budget")
        .arg(&budget)
        .arg(&base)
        .arg(&head)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_huge_metric_glob_is_an_error_naming_the_file_and_field_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let glob = "*".repeat(88_000);
    let (code, stderr) = compare_with_budget(
        dir.path(),
        &format!("[[budget]]\nmetric = \"{glob}\"\nmax = \"5 ms\"\n"),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("budgets.toml") && stderr.contains("metric") && stderr.contains("4096"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_huge_file_glob_is_an_error_naming_the_file_and_field() {
    let dir = TempDir::new().unwrap();
    let glob = "*".repeat(88_000);
    let (code, stderr) = compare_with_budget(
        dir.path(),
        &format!("[[lighthouse]]\nname = \"home\"\nreports = \"{glob}\"\n\n[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n"),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("budgets.toml") && stderr.contains("reports") && stderr.contains("4096"),
        "{stderr}"
    );
}

#[test]
fn a_huge_history_glob_is_an_error_not_a_panic() {
    let dir = TempDir::new().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    let out = cli()
        .current_dir(dir.path())
        .arg("history")
        .arg("*".repeat(88_000))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("4096") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn a_head_with_negative_times_is_an_error_not_a_pass() {
    let dir = TempDir::new().unwrap();
    let base = write_results(
        dir.path(),
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let mut head = ResultsFile::new();
    head.metrics.push(
        Metric::new("criterion/parse", Unit::Nanoseconds, Direction::Lower, -1.0)
            .with_samples(SampleKind::Iterations, vec![-1.0; 100]),
    );
    let head_path = dir.path().join("head.json");
    head.save(&head_path).unwrap();
    let budget = budget(
        dir.path(),
        "[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\nmax-regression = \"5%\"\n",
    );
    let out = cli()
        .arg("compare")
        .arg("--budget")
        .arg(&budget)
        .arg(&base)
        .arg(&head_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("head.json")
            && stderr.contains("criterion/parse")
            && stderr.contains("`value`")
            && stderr.contains("negative"),
        "{stderr}"
    );
}

#[test]
fn impossible_budget_values_are_errors_naming_file_line_and_key() {
    let cases = [
        (
            "[[budget]]\nmetric = \"criterion/*\"\nmax = \"-5 ms\"\n",
            "budgets.toml:3:",
            "max",
        ),
        (
            "[[budget]]\nmetric = \"criterion/*\"\nmax-regression = \"5000%\"\n",
            "budgets.toml:3:",
            "max-regression",
        ),
        (
            "[settings]\nno-noise-factor = 1e308\n\n[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n",
            "budgets.toml:2:",
            "no-noise-factor",
        ),
        (
            "[settings]\nmain-branch = \"--upload-pack=touch pwned\"\n\n[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n",
            "budgets.toml:2:",
            "main-branch",
        ),
        (
            "[settings]\nmain-branch = \"main\\n::warning::x\"\n\n[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n",
            "budgets.toml:2:",
            "main-branch",
        ),
    ];
    for (text, location, key) in cases {
        let dir = TempDir::new().unwrap();
        let (code, stderr) = compare_with_budget(dir.path(), text);
        assert_eq!(code, 2, "{text}\n{stderr}");
        assert!(
            stderr.contains(location) && stderr.contains(&format!("`{key}`")),
            "{text}\n{stderr}"
        );
    }
}

/// The fixtures directory.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Makes a FIFO at `path` with `mkfifo` (no reader or writer ever opens it).
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Copies one real criterion benchmark directory (`new/` only) under `dir/criterion`.
fn criterion_tree(dir: &Path) -> PathBuf {
    let from = fixtures().join("criterion/real/parse_sum_sq/10000/new");
    let to = dir.join("criterion/parse_sum_sq/10000/new");
    std::fs::create_dir_all(&to).unwrap();
    for name in [
        "estimates.json",
        "benchmark.json",
        "sample.json",
        "tukey.json",
    ] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
    to
}

/// Runs the binary with a deadline well beyond what reading a small file takes: a run still
/// going then is blocked in `open` on the FIFO (it is killed, and the test fails).
fn run_bounded(cmd: &mut assert_cmd::Command) -> (Option<i32>, String) {
    let out = cmd
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_by_every_reader_instead_of_blocking() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let fifo = d.join("pipe.json");
    mkfifo(&fifo);
    let results = write_results(
        d,
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let budget_file = budget(d, "[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n");

    let mut runs: Vec<(&str, assert_cmd::Command)> = Vec::new();
    let mut c = cli();
    c.arg("compare")
        .arg("--budget")
        .arg(&fifo)
        .arg(&results)
        .arg(&results);
    runs.push(("budget file", c));
    let mut c = cli();
    c.arg("compare")
        .arg("--budget")
        .arg(&budget_file)
        .arg(&results)
        .arg(&fifo);
    runs.push(("results file", c));
    let mut c = cli();
    c.args(["import", "lighthouse", "--name", "home"])
        .arg(&fifo);
    runs.push(("lighthouse report", c));
    let mut c = cli();
    c.args(["import", "k6", "--name", "api"]).arg(&fifo);
    runs.push(("k6 file", c));
    for (what, mut cmd) in runs {
        let (code, stderr) = run_bounded(&mut cmd);
        assert_eq!(code, Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains("pipe.json")
                && stderr.contains("FIFO")
                && stderr.contains("regular file"),
            "{what}: {stderr}"
        );
    }

    // A criterion tree whose sample.json is a FIFO, then /dev/zero.
    let new = criterion_tree(&d.join("fifo"));
    std::fs::remove_file(new.join("sample.json")).unwrap();
    mkfifo(&new.join("sample.json"));
    let (code, stderr) = run_bounded(
        cli()
            .args(["import", "criterion"])
            .arg(d.join("fifo/criterion")),
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("sample.json") && stderr.contains("FIFO"),
        "{stderr}"
    );
    let new = criterion_tree(&d.join("zero"));
    std::fs::remove_file(new.join("sample.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", new.join("sample.json")).unwrap();
    let (code, stderr) = run_bounded(
        cli()
            .args(["import", "criterion"])
            .arg(d.join("zero/criterion")),
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("sample.json") && stderr.contains("character device"),
        "{stderr}"
    );
}

#[test]
fn a_stream_beyond_its_cap_is_an_error_naming_the_cap() {
    use cargo_perf_budget::model::input_file::{
        CappedReader, MAX_DOCUMENT_BYTES, MAX_STREAM_BYTES,
    };
    use std::io::Read;
    // The caps themselves are checked on a small reader; the files are real-size only in name.
    assert_eq!(MAX_DOCUMENT_BYTES, 256 << 20);
    // Streams are sketched beyond the exact limit, so their cap bounds time: far above the
    // ~3 GB at which the sketches take over, or they would never be used.
    assert_eq!(MAX_STREAM_BYTES, 64 << 30);
    let err = CappedReader::new(std::io::repeat(b'x'), 1 << 20)
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    assert!(err.to_string().contains("MiB"), "{err}");
}

/// Lines a GitHub Actions runner would take as workflow commands: `::` at the start of a line
/// (after whitespace; the runner splits at `\n` and `\r`), or the old `##[` syntax anywhere.
fn workflow_commands(text: &str) -> Vec<String> {
    text.split(['\n', '\r'])
        .filter(|line| line.trim_start().starts_with("::") || line.contains("##["))
        .map(str::to_owned)
        .collect()
}

/// Runs the binary as on a runner; returns (exit code, stdout + stderr).
fn on_actions(cmd: &mut assert_cmd::Command) -> (Option<i32>, String) {
    let out = cmd.env("GITHUB_ACTIONS", "true").output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn user_text_cannot_smuggle_workflow_commands_into_output_on_actions() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let results = write_results(d, "r.json", "b", vec![bench("criterion/parse", 100.0, 1)]);
    let mut checked = 0;
    for (i, text) in [
        "[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 parsecs\\n::warning::unit\"\n",
        "[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n\"x\\n::warning::key\" = 1\n",
        "[[budget]]\nmetric = \"criterion/*\\n::error::glob\"\nmax = \"5 ms\"\n",
        "[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n\"##[warning]old\" = 1\n",
    ]
    .iter()
    .enumerate()
    {
        let budget = d.join(format!("b{i}.toml"));
        std::fs::write(&budget, text).unwrap();
        let (code, out) = on_actions(
            cli()
                .arg("compare")
                .arg("--budget")
                .arg(&budget)
                .arg(&results)
                .arg(&results),
        );
        assert_eq!(code, Some(2), "{out}");
        assert!(out.contains(&format!("b{i}.toml")), "{out}");
        assert_eq!(
            workflow_commands(&out),
            Vec::<String>::new(),
            "{text}\n{out}"
        );
        checked += 1;
    }

    // A criterion benchmark directory whose name carries a command.
    let new = criterion_tree(&d.join("tree"));
    let bench_dir = new.parent().unwrap().parent().unwrap();
    let evil = bench_dir.with_file_name("x\n::error::dir");
    std::fs::rename(bench_dir, &evil).unwrap();
    std::fs::remove_file(evil.join("10000/new/benchmark.json")).unwrap();
    let (code, out) = on_actions(
        cli()
            .args(["import", "criterion"])
            .arg(d.join("tree/criterion")),
    );
    assert_ne!(code, Some(0), "{out}");
    assert!(
        out.contains("::error::dir"),
        "the name is still shown: {out}"
    );
    assert_eq!(workflow_commands(&out), Vec::<String>::new(), "{out}");

    // Arguments echoed by the command-line parser.
    let (code, out) = on_actions(cli().arg("compare").arg("--x\n::error::arg"));
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(workflow_commands(&out), Vec::<String>::new(), "{out}");
    assert_eq!(checked, 4);
}

#[test]
fn remote_names_that_look_like_options_are_refused_and_never_run() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let repo = git2::Repository::init(d).unwrap();
    let sig = git2::Signature::now("Dev", "dev@example.com").unwrap();
    let tree = repo
        .find_tree(repo.index().unwrap().write_tree().unwrap())
        .unwrap();
    let sha = repo
        .commit(Some("HEAD"), &sig, &sig, "first", &tree, &[])
        .unwrap()
        .to_string();
    let results = write_results(d, "r.json", &sha, vec![bench("criterion/parse", 100.0, 1)]);
    let pwned = d.join("pwned");
    let evil_upload = format!("--upload-pack=touch {}; false", pwned.display());
    let evil_receive = format!("--receive-pack=touch {}; false", pwned.display());
    let runs: Vec<Vec<String>> = vec![
        vec![
            "store".into(),
            "fetch".into(),
            "--".into(),
            evil_upload.clone(),
        ],
        vec![
            "store".into(),
            "push".into(),
            "--".into(),
            evil_receive.clone(),
        ],
        vec![
            "run".into(),
            "--results".into(),
            results.display().to_string(),
            format!("--push={evil_receive}"),
        ],
    ];
    for args in runs {
        let out = cli().current_dir(d).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("starts with `-`"), "{args:?}: {stderr}");
        assert!(!pwned.exists(), "{args:?} ran the command");
    }
    assert!(
        repo.find_reference(cargo_perf_budget::store::STORE_REF)
            .is_err(),
        "`run --push` with a bad remote refuses before saving"
    );
}

/// Several real processes save into one clone at once, round after round, starting each round
/// with no store (creating the ref is the tightest race); every save must succeed and be there.
#[test]
fn racing_local_saves_all_succeed_and_all_are_stored() {
    use cargo_perf_budget::store::{GitStore, STORE_REF};
    const WRITERS: usize = 8;
    const ROUNDS: usize = 12;
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let repo = git2::Repository::init(d).unwrap();
    let sig = git2::Signature::now("Dev", "dev@example.com").unwrap();
    let tree = repo
        .find_tree(repo.index().unwrap().write_tree().unwrap())
        .unwrap();
    let sha = repo
        .commit(Some("HEAD"), &sig, &sig, "first", &tree, &[])
        .unwrap()
        .to_string();
    let exe = assert_cmd::cargo::cargo_bin("cargo-perf-budget");
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        if let Ok(mut r) = repo.find_reference(STORE_REF) {
            r.delete().unwrap();
        }
        let files: Vec<PathBuf> = (0..WRITERS)
            .map(|w| {
                write_results(
                    d,
                    &format!("r{round}-{w}.json"),
                    &sha,
                    vec![bench(
                        "criterion/parse",
                        100.0 + w as f64,
                        (round * 10 + w) as u64,
                    )],
                )
            })
            .collect();
        let children: Vec<_> = files
            .iter()
            .enumerate()
            .map(|(w, file)| {
                std::process::Command::new(&exe)
                    .current_dir(d)
                    .args(["perf-budget", "run", "--results"])
                    .arg(file)
                    .args(["--commit", &sha, "--suite", &format!("w{w}")])
                    .env_remove("GITHUB_ACTIONS")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut reported = Vec::new();
        for (w, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            if out.status.success() {
                reported.push(w);
            } else {
                failures.push(format!(
                    "round {round} writer {w}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let stored = GitStore::open(d).unwrap().load(&sha).unwrap();
        for w in reported {
            let suite = format!("w{w}");
            if !stored.suites.contains_key(&suite) {
                failures.push(format!(
                    "round {round}: writer {w} reported success but suite {suite} is not stored"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[cfg(unix)]
#[test]
fn an_unusable_budget_file_says_what_happened_not_not_found() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let results = write_results(d, "r.json", "b", vec![bench("criterion/parse", 100.0, 1)]);
    let looped = d.join("loop.toml");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    let out = cli()
        .arg("compare")
        .arg("--budget")
        .arg(&looped)
        .arg(&results)
        .arg(&results)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("loop.toml") && !stderr.contains("not found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("symbolic links"),
        "the OS error is shown: {stderr}"
    );
}

#[test]
fn io_errors_show_the_os_error_once() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let budget = budget(d, "[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n");
    let results = write_results(d, "r.json", "b", vec![bench("criterion/parse", 100.0, 1)]);
    let runs: Vec<Vec<std::ffi::OsString>> = vec![
        vec![
            "compare".into(),
            "--budget".into(),
            budget.clone().into(),
            results.clone().into(),
            d.join("missing.json").into(),
        ],
        vec![
            "import".into(),
            "k6".into(),
            "--name".into(),
            "api".into(),
            d.join("missing.json").into(),
        ],
        vec![
            "import".into(),
            "lighthouse".into(),
            "--name".into(),
            "home".into(),
            d.join("missing.json").into(),
        ],
    ];
    for args in runs {
        let out = cli().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("missing.json"), "{args:?}: {stderr}");
        assert_eq!(
            stderr.matches("os error 2").count(),
            1,
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn echoes_of_user_text_are_bounded() {
    let dir = TempDir::new().unwrap();
    let long = "x".repeat(100_000);
    for text in [
        format!("[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 {long}\"\n"),
        format!("[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n{long} = 1\n"),
        format!("[settings]\nmain-branch = \"-{long}\"\n"),
    ] {
        let (code, stderr) = compare_with_budget(dir.path(), &text);
        assert_eq!(code, 2, "{}", &stderr[..stderr.len().min(2000)]);
        let longest = stderr.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(
            longest < 1000,
            "a line of {longest} characters: {}",
            &stderr[..stderr.len().min(2000)]
        );
        assert!(
            stderr.contains('…'),
            "{}",
            &stderr[..stderr.len().min(2000)]
        );
    }
}

#[test]
fn type_errors_in_a_results_file_name_the_metric_and_field() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let budget = budget(d, "[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n");
    let good = write_results(
        d,
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();
    value["metrics"][0]["samples"][3] = serde_json::json!("fast");
    let bad = d.join("head.json");
    std::fs::write(&bad, value.to_string()).unwrap();
    let out = cli()
        .arg("compare")
        .arg("--budget")
        .arg(&budget)
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("head.json")
            && stderr.contains("criterion/parse")
            && stderr.contains("samples[3]"),
        "{stderr}"
    );
}

#[test]
fn version_names_the_program_once() {
    for args in [&["--version"][..], &["perf-budget", "--version"][..]] {
        let out = assert_cmd::Command::cargo_bin("cargo-perf-budget")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("cargo-perf-budget {}\n", env!("CARGO_PKG_VERSION")),
            "{args:?}"
        );
    }
}

#[test]
fn with_output_the_report_goes_only_to_the_file() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let results = write_results(d, "r.json", "b", vec![bench("criterion/parse", 100.0, 1)]);
    let budget = budget(d, "[[budget]]\nmetric = \"criterion/*\"\nmax = \"5 ms\"\n");
    let report = d.join("report.json");
    let out = cli()
        .arg("compare")
        .arg("--budget")
        .arg(&budget)
        .arg(&results)
        .arg(&results)
        .arg("--output")
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(written.contains("criterion/parse"), "{written}");
}

#[test]
fn a_quiet_history_chart_prints_no_table() {
    use cargo_perf_budget::store::GitStore;
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let repo = git2::Repository::init(d).unwrap();
    let sig = git2::Signature::now("Dev", "dev@example.com").unwrap();
    let tree = repo
        .find_tree(repo.index().unwrap().write_tree().unwrap())
        .unwrap();
    let mut parent: Option<git2::Oid> = None;
    let store = GitStore::open(d).unwrap();
    for i in 0..3 {
        let parents: Vec<git2::Commit<'_>> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let oid = repo
            .commit(Some("HEAD"), &sig, &sig, &format!("c{i}"), &tree, &refs)
            .unwrap();
        parent = Some(oid);
        let mut f = ResultsFile::new();
        f.metrics.push(Metric::new(
            "criterion/parse",
            Unit::Nanoseconds,
            Direction::Lower,
            100.0 + i as f64,
        ));
        store.save(&oid.to_string(), "default", &f).unwrap();
    }
    let svg = d.join("trend.svg");
    let out = cli()
        .current_dir(d)
        .args(["history", "--quiet", "--chart"])
        .arg(&svg)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(svg.exists());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{stderr}");
    assert_eq!(stderr, "");
}

/// A repository with `n` empty commits on `main`; returns their SHAs, oldest first.
fn repo_with_commits(dir: &Path, n: usize) -> Vec<String> {
    crate::support::git(dir, &["init", "-q", "-b", "main"]);
    (0..n)
        .map(|i| {
            crate::support::git(
                dir,
                &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")],
            );
            crate::support::git(dir, &["rev-parse", "HEAD"])
                .trim()
                .to_string()
        })
        .collect()
}

/// Rewrites the store tree with `edit` (given the repository and the tip's tree, returning the
/// new tree) and moves the store ref to a commit holding it.
fn rewrite_store(dir: &Path, edit: impl FnOnce(&git2::Repository, &git2::Tree<'_>) -> git2::Oid) {
    let repo = git2::Repository::open(dir).unwrap();
    let tip = repo
        .refname_to_id(cargo_perf_budget::store::STORE_REF)
        .unwrap();
    let base = repo.find_commit(tip).unwrap().tree().unwrap();
    let tree = repo.find_tree(edit(&repo, &base)).unwrap();
    let sig = git2::Signature::now("t", "t@example.com").unwrap();
    let parent = repo.find_commit(tip).unwrap();
    let new = repo
        .commit(None, &sig, &sig, "damage", &tree, &[&parent])
        .unwrap();
    repo.reference(cargo_perf_budget::store::STORE_REF, new, true, "damage")
        .unwrap();
}

/// Saves results of `criterion/parse` for each commit with `run --results … --commit`.
fn save_runs(dir: &Path, shas: &[String]) {
    for (i, sha) in shas.iter().enumerate() {
        let file = write_results(
            dir,
            "saved.json",
            sha,
            vec![bench("criterion/parse", 100.0 + i as f64, i as u64)],
        );
        let out = cli()
            .current_dir(dir)
            .args(["run", "--results"])
            .arg(&file)
            .args(["--commit", sha])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn damaged_store_entries_are_reported_by_history_check_and_calibration() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let shas = repo_with_commits(d, 5);
    save_runs(d, &shas[..4]);
    // c1 and c2: results.json is garbage, but summary.json (which `history` and the calibration
    // read instead of the samples) stays intact.
    rewrite_store(d, |repo, base| {
        let garbage = repo.blob(b"\x00garbage, not results").unwrap();
        let mut update = git2::build::TreeUpdateBuilder::new();
        for sha in [&shas[1], &shas[2]] {
            update.upsert(
                format!("{}/{}/default/results.json", &sha[..2], &sha[2..]),
                garbage,
                git2::FileMode::Blob,
            );
        }
        update.create_updated(repo, base).unwrap()
    });
    let out = cli()
        .current_dir(d)
        .args(["history", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = h["commits"].to_string();
    let notes = h["notes"].to_string();
    for bad in [&shas[1], &shas[2]] {
        assert!(!listed.contains(bad.as_str()), "{bad} listed: {listed}");
        assert!(notes.contains(bad.as_str()), "{bad} not reported: {notes}");
    }
    assert!(
        listed.contains(&shas[3]) && listed.contains(&shas[0]),
        "{listed}"
    );

    // `check` against the stored base c1 falls back to c0 and says why; the calibration walks
    // main over c2 and says it skipped it.
    let head = write_results(
        d,
        "head.json",
        &shas[4],
        vec![bench("criterion/parse", 100.0, 9)],
    );
    budget(
        d,
        "[settings]\nbaseline = \"store\"\n[[budget]]\nmetric = \"criterion/**\"\nmax-regression = \"50%\"\n",
    );
    let report = d.join("report.json");
    let out = cli()
        .current_dir(d)
        .args([
            "check",
            "--no-comment",
            "--baseline",
            "store",
            "--base-rev",
            &shas[1],
        ])
        .arg("--results")
        .arg(&head)
        .args(["--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let notes = r["notes"].to_string();
    for bad in [&shas[1], &shas[2]] {
        assert!(notes.contains(bad.as_str()), "{bad} not reported: {notes}");
    }
}

#[test]
fn a_blob_where_a_store_directory_should_be_is_reported_not_silently_dropped() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let shas = repo_with_commits(d, 2);
    save_runs(d, &shas);
    let prefix = shas[1][..2].to_string();
    rewrite_store(d, |repo, base| {
        let blob = repo.blob(b"not a directory").unwrap();
        let mut root = repo.treebuilder(Some(base)).unwrap();
        root.insert(prefix.as_str(), blob, git2::FileMode::Blob.into())
            .unwrap();
        root.write().unwrap()
    });
    let out = cli()
        .current_dir(d)
        .args(["history", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = h["notes"].to_string();
    assert!(
        notes.contains(&format!("{prefix}/")) && notes.contains("not a directory"),
        "the damaged directory is not reported: {notes}"
    );
    // The terminal table warns on stderr.
    let out = cli().current_dir(d).arg("history").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{prefix}/")), "{stderr}");
}

/// A `pull_request` event payload for PR #7 at `head`.
fn pull_request_event(dir: &Path, head: &str) -> PathBuf {
    use crate::github::{BASE, OWNER, PR, REPO};
    let path = dir.join("event.json");
    let event = serde_json::json!({
        "action": "synchronize", "number": PR,
        "pull_request": {
            "number": PR,
            "head": {"sha": head, "ref": "feature",
                     "repo": {"full_name": format!("{OWNER}/{REPO}"), "fork": false}},
            "base": {"sha": BASE, "ref": "main",
                     "repo": {"full_name": format!("{OWNER}/{REPO}"), "fork": false}}
        },
        "repository": {"full_name": format!("{OWNER}/{REPO}")}
    });
    std::fs::write(&path, event.to_string()).unwrap();
    path
}

/// A report file whose head side is `head` (as `check` writes it).
fn report_with_head(dir: &Path, name: &str, head: serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    let report = serde_json::json!({
        "schema": "perf-budget/report/v1", "verdict": "pass",
        "base": {"commit": crate::github::BASE}, "head": head,
        "summary": {"pass": 0, "fail": 0, "inconclusive": 0, "new": 0, "missing": 0},
        "results": []
    });
    std::fs::write(&path, report.to_string()).unwrap();
    path
}

/// `comment --report` run on a `pull_request` event at `event_head` against the fake API.
fn comment_on_event(
    fake: &crate::github::Fake,
    event: &Path,
    report: &Path,
) -> std::process::Output {
    use crate::github::{OWNER, REPO, TOKEN};
    assert_cmd::Command::cargo_bin("cargo-perf-budget")
        .unwrap()
        .env_clear()
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", event)
        .args(["perf-budget", "comment", "--report"])
        .arg(report)
        .output()
        .unwrap()
}

#[test]
fn a_saved_report_for_another_commit_than_the_pr_head_is_not_posted() {
    use crate::github::{Fake, HEAD};
    const OLD: &str = "3333333333333333333333333333333333333333";
    const MERGE: &str = "5555555555555555555555555555555555555555";
    let fake = Fake::start();
    let dir = TempDir::new().unwrap();
    // The event and the API agree that the PR is at HEAD; the report measured an older commit.
    let event = pull_request_event(dir.path(), HEAD);
    let old = report_with_head(dir.path(), "old.json", serde_json::json!({"commit": OLD}));
    let out = comment_on_event(&fake, &event, &old);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("not updating the comment"), "{stdout}");
    assert!(stdout.contains("333333"), "{stdout}");
    assert_eq!(
        fake.posts() + fake.patches(),
        0,
        "a stale report was posted"
    );

    // A report measured on the PR's test merge commit that records an older PR head: stale too.
    let old_head = report_with_head(
        dir.path(),
        "merge-old.json",
        serde_json::json!({"commit": MERGE, "pr-head": OLD}),
    );
    let out = comment_on_event(&fake, &event, &old_head);
    assert!(out.status.success());
    assert_eq!(
        fake.posts() + fake.patches(),
        0,
        "a stale report was posted"
    );

    // What `check` writes on a `pull_request` run (the merge commit measured, the PR head
    // recorded next to it) posts.
    let current = report_with_head(
        dir.path(),
        "merge.json",
        serde_json::json!({"commit": MERGE, "pr-head": HEAD}),
    );
    let out = comment_on_event(&fake, &event, &current);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("posted the comment on #7"), "{stdout}");
    assert_eq!(fake.posts(), 1);
}

#[test]
fn check_on_a_pull_request_records_the_pr_head_next_to_the_measured_commit() {
    use crate::github::HEAD;
    const MERGE: &str = "5555555555555555555555555555555555555555";
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let base = write_results(
        d,
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let head = write_results(
        d,
        "head.json",
        MERGE,
        vec![bench("criterion/parse", 100.0, 2)],
    );
    budget(
        d,
        "[[budget]]\nmetric = \"criterion/**\"\nmax-regression = \"50%\"\n",
    );
    let event = pull_request_event(d, HEAD);
    let report = d.join("report.json");
    let out = cli()
        .current_dir(d)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["check", "--no-comment", "--base"])
        .arg(&base)
        .arg("--results")
        .arg(&head)
        .args(["--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["head"]["commit"], MERGE, "{}", r["head"]);
    assert_eq!(r["head"]["pr-head"], HEAD, "{}", r["head"]);
}

/// A statistic only the stream can give, of a tagged sub-metric: what the budget asks for.
const STREAM_ONLY: &str = "k6/api/http_req_duration{name:slow}/p(99.9)";

/// A folder with the recorded k6 stream and a budget on [`STREAM_ONLY`].
fn k6_budget_dir() -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::copy(
        fixtures().join("k6/recorded/base/points.ndjson"),
        dir.path().join("points.ndjson"),
    )
    .unwrap();
    budget(
        dir.path(),
        &format!(
            "[[k6]]\nname = \"api\"\npoints = \"points.ndjson\"\n\n[[budget]]\nmetric = \"{STREAM_ONLY}\"\nmax = \"10 s\"\n"
        ),
    );
    dir
}

#[test]
fn budgets_on_stream_only_k6_statistics_are_computed_by_check() {
    let dir = k6_budget_dir();
    let d = dir.path();
    let base = write_results(
        d,
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let report = d.join("report.json");
    let out = cli()
        .current_dir(d)
        .args(["check", "--no-comment", "--base"])
        .arg(&base)
        .args(["--format", "json", "--output"])
        .arg(&report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let result = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == STREAM_ONLY)
        .unwrap_or_else(|| panic!("{STREAM_ONLY} not in the report: {r}"));
    let value = result["head"]["value"].as_f64().unwrap();
    // /slow sleeps 30–100 ms in the recorded run.
    assert!(value > 30.0 && value < 200.0, "{value}");
}

#[test]
fn import_k6_with_a_budget_computes_what_the_budget_names() {
    let dir = k6_budget_dir();
    let d = dir.path();
    let out = cli()
        .current_dir(d)
        .args([
            "--budget",
            "budgets.toml",
            "import",
            "k6",
            "--name",
            "api",
            "points.ndjson",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = ResultsFile::from_json(&String::from_utf8_lossy(&out.stdout), "stdout").unwrap();
    assert!(
        r.metric(STREAM_ONLY).is_some(),
        "{STREAM_ONLY} not imported"
    );
    // Without the budget only the defaults are computed.
    let out = cli()
        .current_dir(d)
        .args(["import", "k6", "--name", "api", "points.ndjson"])
        .output()
        .unwrap();
    let r = ResultsFile::from_json(&String::from_utf8_lossy(&out.stdout), "stdout").unwrap();
    assert!(r.metric(STREAM_ONLY).is_none());
}

/// Processes (pid, command line) whose command line contains `marker`.
#[cfg(target_os = "linux")]
fn processes_with(marker: &str) -> Vec<(u32, String)> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let line = String::from_utf8_lossy(&raw).replace('\0', " ");
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
            (line.contains(marker) && !zombie).then_some((pid, line))
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn an_interrupted_check_leaves_no_process_behind() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // Markers no other process has: sleeps of `mark` + 1 to 4 seconds, all starting with
    // the digits of `mark / 10`.
    let mark = (70_000 + std::process::id() % 9_000) * 10;
    let started = d.join("started");
    // A stand-in for k6 that starts a child of its own, as k6 and cargo do, then waits.
    let k6 = d.join("fake-k6");
    std::fs::write(
        &k6,
        format!(
            "#!/bin/sh\nsleep {} &\ntouch '{}'\nsleep {}\n",
            mark + 1,
            started.display(),
            mark + 2
        ),
    )
    .unwrap();
    std::fs::set_permissions(&k6, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(d.join("load.js"), "export default function () {}\n").unwrap();
    // A server under test that listens, and a child of the serve shell besides it.
    let serve = format!(
        "sleep {} & exec python3 -c 'import socket,time; s=socket.socket(); s.bind((\\\"127.0.0.1\\\", 0)); s.listen(); time.sleep({})'",
        mark + 3,
        mark + 4
    );
    budget(
        d,
        &format!(
            "[[k6]]\nname = \"api\"\nscript = \"load.js\"\nserve = \"{serve}\"\n\n[[budget]]\nmetric = \"k6/**\"\nmax-regression = \"50%\"\n"
        ),
    );
    let base = write_results(
        d,
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let mut tool = std::process::Command::new(assert_cmd::cargo::cargo_bin("cargo-perf-budget"))
        .current_dir(d)
        .args(["perf-budget", "check", "--no-comment", "--base"])
        .arg(&base)
        .env("PERF_BUDGET_K6", &k6)
        .env_remove("GITHUB_ACTIONS")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let waited = Instant::now();
    while !started.exists() {
        if let Ok(Some(status)) = tool.try_wait() {
            let mut err = String::new();
            std::io::Read::read_to_string(tool.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("check ended before k6 started ({status}): {err}");
        }
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "k6 never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let marker = format!("{}", mark / 10);
    // k6, its child, the server and the serve shell's other child.
    let mut before = processes_with(&marker);
    while before.len() < 4 {
        assert!(waited.elapsed() < Duration::from_secs(120), "{before:?}");
        std::thread::sleep(Duration::from_millis(20));
        before = processes_with(&marker);
    }
    assert_eq!(before.len(), 4, "{before:?}");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &tool.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let waited = Instant::now();
    let status = loop {
        if let Some(status) = tool.try_wait().unwrap() {
            break status;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "check did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // Whatever survived would be an orphan: give it a moment to go, then clean up and fail.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut left = processes_with(&marker);
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = processes_with(&marker);
    }
    for (pid, _) in &left {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(
        left.is_empty(),
        "orphaned by an interrupted check: {left:?}"
    );
    assert_eq!(status.code(), Some(130), "{status}");
}

#[test]
fn a_negative_bare_limit_on_a_metric_that_cannot_be_negative_is_an_error() {
    let metrics = || {
        vec![
            Metric::new(
                "k6/api/http_req_failed/rate",
                Unit::Fraction,
                Direction::Lower,
                0.01,
            ),
            Metric::new(
                "lighthouse/home/resources/script/count",
                Unit::Count,
                Direction::Lower,
                12.0,
            ),
            Metric::new(
                "lighthouse/home/score/performance",
                Unit::Score,
                Direction::Higher,
                0.9,
            ),
            Metric::new("criterion/custom", Unit::Unitless, Direction::Lower, -3.0),
        ]
    };
    // Line 3 (the key's) when the glob alone shows it, line 2 (the block's) when the matched
    // metric does.
    let cases = [
        ("k6/api/http_req_failed/rate", "max = -5", "`max`", 3),
        ("lighthouse/home/resources/*/count", "min = -1", "`min`", 3),
        ("lighthouse/home/score/*", "min = -0.5", "`min`", 3),
        ("k6/api/http_req_failed/*", "max = -5", "`max`", 2),
        ("**/count", "min = -1", "`min`", 2),
    ];
    for (glob, limit, key, line) in cases {
        let dir = TempDir::new().unwrap();
        let d = dir.path();
        let base = write_results(d, "base.json", "b", metrics());
        let head = write_results(d, "head.json", "h", metrics());
        let budget = budget(d, &format!("[[budget]]\nmetric = \"{glob}\"\n{limit}\n"));
        let out = cli()
            .arg("compare")
            .arg("--budget")
            .arg(&budget)
            .arg(&base)
            .arg(&head)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{limit} on {glob}: {stderr}");
        assert!(
            stderr.contains(&format!("budgets.toml:{line}:"))
                && stderr.contains(key)
                && stderr.contains("negative"),
            "{limit} on {glob}: {stderr}"
        );
    }
    // A glob that can only match metrics of zero or more is refused from the budget file alone,
    // at the line of the key, even when no such metric was measured.
    let dir = TempDir::new().unwrap();
    let (code, stderr) = compare_with_budget(
        dir.path(),
        "[[budget]]\nmetric = \"lighthouse/home/*\"\nmax = -5\n",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("budgets.toml:3:") && stderr.contains("`max`"),
        "{stderr}"
    );
    // A plain number without unit may be negative: that limit stays a limit.
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let base = write_results(d, "base.json", "b", metrics());
    let head = write_results(d, "head.json", "h", metrics());
    let budget = budget(d, "[[budget]]\nmetric = \"criterion/custom\"\nmax = -1\n");
    let out = cli()
        .arg("compare")
        .arg("--budget")
        .arg(&budget)
        .arg(&base)
        .arg(&head)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_k6_stream_beyond_the_exact_bound_gives_sketched_percentiles_within_one_percent() {
    use cargo_perf_budget::import::k6::{import_with_exact_limit, synthetic};
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("points.ndjson");
    synthetic::write_stream(
        std::fs::File::create(&path).unwrap(),
        8 << 20,
        &synthetic::StreamShape::default(),
    )
    .unwrap();
    let files = [path];
    let wanted = ["k6/api/http_req_duration/p(99.9)".to_string()];
    let exact = import_with_exact_limit(&files, "api", &wanted, None).unwrap();
    // Every trend value after the first thousand goes to the sketch.
    let sketched = import_with_exact_limit(&files, "api", &wanted, Some(1_000)).unwrap();
    assert!(
        !exact.warnings.iter().any(|w| w.contains("sketch")),
        "{:?}",
        exact.warnings
    );
    assert!(
        sketched
            .warnings
            .iter()
            .any(|w| w.contains("more than 1000 trend values") && w.contains("1 %")),
        "the import does not say its percentiles are estimates: {:?}",
        sketched.warnings
    );
    let mut compared = 0;
    for m in &exact.metrics {
        let is_quantile = m.id.ends_with("/med") || m.id.contains("/p(");
        if !is_quantile || m.value == 0.0 {
            continue;
        }
        let s = sketched.metric(&m.id).unwrap();
        let error = (s.value - m.value).abs() / m.value.abs();
        assert!(
            error <= 0.0101,
            "{}: exact {} sketch {}",
            m.id,
            m.value,
            s.value
        );
        assert_eq!(s.samples.len(), m.samples.len(), "{}", m.id);
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} percentiles compared");
    assert!(exact.metric("k6/api/http_req_duration/p(99.9)").is_some());
}

/// Copies the directory tree `from` to `to`.
#[cfg(target_os = "linux")]
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_check_interrupted_while_compiling_leaves_no_compiler_behind() {
    use std::time::{Duration, Instant};
    let dir = TempDir::new().unwrap();
    let project = dir.path().join("crate");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bench-crate"),
        &project,
    );
    // A target directory of its own: the build compiles criterion, long enough to be caught.
    let target = dir.path().join("fresh-target");
    budget(
        &project,
        "[criterion]\nargs = [\"--sample-size\", \"10\"]\n\n[[budget]]\nmetric = \"criterion/**\"\nmax-regression = \"50%\"\n",
    );
    let base = write_results(
        dir.path(),
        "base.json",
        "b",
        vec![bench("criterion/parse", 100.0, 1)],
    );
    let marker = target.display().to_string();
    let mut tool = std::process::Command::new(assert_cmd::cargo::cargo_bin("cargo-perf-budget"))
        .current_dir(&project)
        .args(["perf-budget", "check", "--no-comment", "--base"])
        .arg(&base)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("GITHUB_ACTIONS")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until a compiler works on `syn` for this build: it takes seconds, so a compiler left
    // behind would still be running when we look.
    let waited = Instant::now();
    while !processes_with(&marker)
        .iter()
        .any(|(_, line)| line.contains("rustc") && line.contains("--crate-name syn "))
    {
        if let Some(status) = tool.try_wait().unwrap() {
            panic!("check ended ({status}) before any rustc was seen");
        }
        assert!(
            waited.elapsed() < Duration::from_secs(180),
            "no rustc started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::process::Command::new("kill")
        .args(["-TERM", &tool.id().to_string()])
        .status()
        .unwrap();
    let waited = Instant::now();
    let status = loop {
        if let Some(status) = tool.try_wait().unwrap() {
            break status;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "check did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // The tool stops its process groups before it exits, so nothing of the build may be left
    // now; a compiler left running on its own would finish its crate seconds later, so the
    // moment right after the exit (plus the time a KILL takes to land) is when to look.
    let deadline = Instant::now() + Duration::from_millis(300);
    let mut left = processes_with(&marker);
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = processes_with(&marker);
    }
    for (pid, _) in &left {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(
        left.is_empty(),
        "orphaned by an interrupted check: {left:?}"
    );
    assert_eq!(status.code(), Some(130), "{status}");
}
