//! The value readers on their own.

use super::*;

#[test]
fn extra_time_takes_minutes_or_seconds_up_to_an_hour() {
    assert_eq!(parse_wall_time("10m"), Some(Duration::from_secs(600)));
    assert_eq!(parse_wall_time("90s"), Some(Duration::from_secs(90)));
    assert_eq!(parse_wall_time("61m"), None);
    assert_eq!(parse_wall_time("0m"), None);
    assert_eq!(parse_wall_time("m"), None);
    assert_eq!(parse_wall_time("10"), None);
}

#[test]
fn max_rounds_below_rounds_is_an_error_naming_both() {
    let err = parse(
        "[settings]\nrounds = 5\nmax-rounds = 3\n",
        Path::new("b.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("max-rounds") && err.contains("at least `rounds` (5)"),
        "{err}"
    );
    let ok = parse(
        "[settings]\nrounds = 3\nmax-rounds = 12\nextra-time = \"5m\"\n",
        Path::new("b.toml"),
    )
    .unwrap();
    assert_eq!(ok.settings.max_rounds, Some(12));
    assert_eq!(ok.settings.extra_time, Duration::from_secs(300));
}

#[test]
fn percentages_parse_strictly() {
    assert_eq!(parse_percent("5%"), Some(0.05));
    assert_eq!(parse_percent(" 0.5 % "), Some(0.005));
    assert_eq!(parse_percent("5"), None);
    assert_eq!(parse_percent("inf%"), None);
    assert_eq!(parse_percent("nan%"), None);
    assert_eq!(parse_percent("%"), None);
}

#[test]
fn suggestions_find_misspellings_and_other_cases() {
    assert_eq!(
        closest("max-regresion", BUDGET_KEYS),
        Some("max-regression")
    );
    assert_eq!(
        closest("max_regression", BUDGET_KEYS),
        Some("max-regression")
    );
    assert_eq!(
        closest("maxRegression", BUDGET_KEYS),
        Some("max-regression")
    );
    assert_eq!(closest("alpah", SETTINGS_KEYS), Some("alpha"));
    assert_eq!(closest("completely-different", BUDGET_KEYS), None);
    assert_eq!(table_owning("alpha").as_deref(), Some("`[settings]`"));
}

#[test]
fn dates_must_be_real() {
    assert_eq!(parse_iso_date("2027-01-31"), Some((2027, 1, 31)));
    assert!(parse_iso_date("2027-1-31").is_none());
    assert!(parse_iso_date("31.01.2027").is_none());
    assert!(civil_date(2027, 2, 30).is_none());
    assert!(civil_date(2028, 2, 29).is_some());
}

#[test]
fn trims_float_noise_from_suggestions() {
    assert_eq!(trim_number(0.05 * 100.0), "5");
    assert_eq!(trim_number(2.5), "2.5");
}

#[test]
fn criterion_times_need_a_unit_and_a_positive_value() {
    assert_eq!(parse_bench_time("100ms"), Some(Duration::from_millis(100)));
    assert_eq!(parse_bench_time(" 2s"), Some(Duration::from_secs(2)));
    assert_eq!(parse_bench_time("1.5 s"), Some(Duration::from_millis(1500)));
    for bad in [
        "2", "0s", "-1s", "1e3s", "s", "ms", "2 min", "7200s", "nans",
    ] {
        assert_eq!(parse_bench_time(bad), None, "{bad}");
    }
}

#[test]
fn gungraun_tables_need_bench_names_and_make_rerun_the_default() {
    let file = parse(
        "[[gungraun]]\nbenches = [\"instructions\", \"alloc\"]\nargs = [\"--callgrind-args=--dump-instr=no\"]\n\n[[gungraun]]\nbenches = [\"more\"]\n",
        Path::new("b.toml"),
    )
    .unwrap();
    assert_eq!(file.gungraun.len(), 2);
    assert_eq!(file.gungraun[0].benches, ["instructions", "alloc"]);
    assert_eq!(file.gungraun[0].args, ["--callgrind-args=--dump-instr=no"]);
    assert!(file.gungraun[1].args.is_empty());
    assert_eq!(file.settings.baseline, BaselineMode::Rerun);
    let stored = parse(
        "[settings]\nbaseline = \"store\"\n\n[[gungraun]]\nbenches = [\"instructions\"]\n",
        Path::new("b.toml"),
    )
    .unwrap();
    assert_eq!(stored.settings.baseline, BaselineMode::Store);

    for (text, expected) in [
        (
            "[[gungraun]]\nargs = []\n",
            "[[gungraun]] is missing `benches`",
        ),
        (
            "[[gungraun]]\nbenches = []\n",
            "must name at least one bench target",
        ),
        ("[[gungraun]]\nbenches = [\"\"]\n", "no name may be empty"),
        (
            "[[gungraun]]\nbenches = \"instructions\"\n",
            "write `benches = [\"instructions\"]`",
        ),
        (
            "[[gungraun]]\nbenches = [\"a\"]\nbench = \"b\"\n",
            "unknown key `bench`",
        ),
    ] {
        let err = parse(text, Path::new("b.toml")).unwrap_err().to_string();
        assert!(
            err.contains("b.toml") && err.contains(expected),
            "{text}: {err}"
        );
        assert!(err.contains("gungraun"), "{text}: {err}");
    }
}

#[test]
fn divan_and_gungraun_tables_take_a_package_and_features_like_criterion() {
    // Each table's package and features, as parsed.
    let read = |table: &str, file: &BudgetFile| match table {
        "divan" => (
            file.divan[0].package.clone(),
            file.divan[0].features.clone(),
        ),
        _ => (
            file.gungraun[0].package.clone(),
            file.gungraun[0].features.clone(),
        ),
    };
    for table in ["divan", "gungraun"] {
        let parsed = |body: &str| parse(&format!("[[{table}]]\n{body}"), Path::new("b.toml"));
        let file = parsed(
            "benches = [\"walltime\"]\npackage = \"core\"\nfeatures = [\"simd\", \"bench\"]\n",
        )
        .unwrap();
        let (package, features) = read(table, &file);
        assert_eq!(package.as_deref(), Some("core"), "{table}");
        assert_eq!(features, ["simd", "bench"], "{table}");
        let plain = parsed("benches = [\"walltime\"]\n").unwrap();
        let (package, features) = read(table, &plain);
        assert_eq!(package, None, "{table}");
        assert!(features.is_empty(), "{table}");
        let err = parsed("benches = [\"w\"]\nfeature = [\"simd\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("feature"), "{table}: {err}");
    }
}
