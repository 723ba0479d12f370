//! Tests of `empirical_null`.

use super::*;

/// `n` log-ratios at normal quantiles around `shift` with total variance `v_i + tau2`, in a
/// scrambled order so that the within-run variances are not sorted with the residuals.
fn exact_null(
    n: usize,
    shift: f64,
    tau2: f64,
    within: impl Fn(usize) -> f64,
) -> Vec<BenchmarkEstimate> {
    (0..n)
        .map(|i| {
            let j = (i * 37 + 11) % n;
            let z = dist::normal_quantile((j as f64 + 0.5) / n as f64);
            let v = within(i);
            BenchmarkEstimate {
                log_ratio: shift + z * (v + tau2).sqrt(),
                within_se2: v,
                within_df: 60.0,
                noise: v,
            }
        })
        .collect()
}

#[test]
fn too_few_or_invalid_benchmarks_have_no_null() {
    let ok = exact_null(MIN_BENCHMARKS, 0.0, 1e-4, |_| 1e-5);
    assert!(separate_runs(&ok, MACHINE_SHIFT_SD, 0.05).is_some());
    assert!(separate_runs(&ok[1..], MACHINE_SHIFT_SD, 0.05).is_none());
    for bad in [
        BenchmarkEstimate {
            log_ratio: f64::NAN,
            ..ok[0]
        },
        BenchmarkEstimate {
            within_se2: -1e-6,
            ..ok[0]
        },
        BenchmarkEstimate {
            within_se2: f64::INFINITY,
            ..ok[0]
        },
        BenchmarkEstimate {
            within_df: 0.0,
            ..ok[0]
        },
        BenchmarkEstimate {
            within_df: f64::NAN,
            ..ok[0]
        },
        BenchmarkEstimate {
            noise: f64::NAN,
            ..ok[0]
        },
    ] {
        let mut inputs = ok.clone();
        inputs[3] = bad;
        assert!(
            separate_runs(&inputs, MACHINE_SHIFT_SD, 0.05).is_none(),
            "{bad:?}"
        );
    }
    assert!(separate_runs(&ok, f64::NAN, 0.05).is_none());
    assert!(separate_runs(&ok, -0.01, 0.05).is_none());
}

#[test]
fn recovers_the_shift_and_the_drift_of_an_exact_normal_sample() {
    let tau2 = 0.02f64.powi(2);
    let inputs = exact_null(200, 0.03, tau2, |i| {
        (0.001 + 0.0001 * (i % 50) as f64).powi(2)
    });
    let runs = separate_runs(&inputs, MACHINE_SHIFT_SD, 0.05).unwrap();
    let null = &runs.null;
    assert_eq!(null.benchmarks, 200);
    assert!((null.shift - 0.03).abs() < 1e-3, "{}", null.shift);
    // Huber at the normal: SE ≈ σ/√(0.95 n), σ ≈ 2.0–2.1 %.
    let expected_se = 0.0205 / (0.95f64 * 200.0).sqrt();
    assert!(
        (null.shift_se / expected_se - 1.0).abs() < 0.1,
        "{}",
        null.shift_se
    );
    assert!(
        (null.drift_var / tau2 - 1.0).abs() < 0.05,
        "{}",
        null.drift_var
    );
    assert_eq!(null.strata.len(), 4);
    assert_eq!(null.strata.iter().map(|s| s.benchmarks).sum::<usize>(), 200);
    for s in &null.strata {
        assert!((s.drift_var / tau2 - 1.0).abs() < 0.3, "{s:?}");
        assert!(s.estimate_df > 10.0 && s.estimate_df < 200.0, "{s:?}");
        // One benchmark's drift has the run's tails, widened by the estimate's uncertainty.
        let combined = 1.0 / (1.0 / null.tail_df + 1.0 / s.estimate_df);
        assert!((s.drift_df - combined).abs() < 1e-9, "{s:?}");
    }
    // Normal residuals are not given heavy tails.
    assert!(null.tail_df >= 10.0, "{}", null.tail_df);
    // Residuals are relative to the shift; their variance has every part.
    let b = &runs.benchmarks[7];
    assert!((b.log_ratio - (inputs[7].log_ratio - null.shift)).abs() < 1e-15);
    let st = &null.strata[b.stratum];
    let var = inputs[7].within_se2 + st.drift_var + null.shift_se.powi(2);
    assert!((b.se * b.se - var).abs() < 1e-15);
    assert!((b.extra_var - (var - inputs[7].within_se2)).abs() < 1e-15);
    assert!(b.df > 4.0 && b.df < 60.0, "{}", b.df);
    // The shift check carries the runner-to-runner variance.
    let shift_var = null.shift_se.powi(2) + 2.0 * MACHINE_SHIFT_SD.powi(2);
    assert!((runs.shift.se.powi(2) - shift_var).abs() < 1e-15);
    assert_eq!(runs.shift.log_ratio, null.shift);
    assert!(runs.shift.df > 1e4, "{}", runs.shift.df);
}

#[test]
fn within_run_noise_alone_is_no_drift() {
    let inputs = exact_null(100, 0.0, 0.0, |i| (0.002 + 0.0002 * i as f64).powi(2));
    let null = EmpiricalNull::estimate(&inputs).unwrap();
    // The exact quantiles spread exactly as the within-run errors say: τ² ≈ 0.
    assert!(null.drift_var < 1e-6, "{}", null.drift_var);
}

#[test]
fn a_few_real_changes_barely_move_the_null() {
    let tau2 = 0.015f64.powi(2);
    let clean = exact_null(200, 0.0, tau2, |_| 1e-5);
    let mut changed = clean.clone();
    for b in changed.iter_mut().step_by(25) {
        b.log_ratio += 0.3f64.ln_1p();
    }
    let a = EmpiricalNull::estimate(&clean).unwrap();
    let b = EmpiricalNull::estimate(&changed).unwrap();
    assert!((b.shift - a.shift).abs() < 0.002, "{} {}", a.shift, b.shift);
    assert!(
        b.drift_var / a.drift_var < 1.25,
        "{} {}",
        a.drift_var,
        b.drift_var
    );
    // The changed ones stand out relative to the shift.
    let runs = separate_runs(&changed, MACHINE_SHIFT_SD, 0.05).unwrap();
    let c = runs.benchmarks[0].comparison(0.01, 0.05).unwrap();
    // +30 % against a 1.5 % drift: ~17 standard errors. The eight changes make the tails
    // the others are judged against heavy (each is fitted without itself only), and still
    // each clears Benjamini–Hochberg's bar for 8 discoveries in 200 (0.05 · 8/200 = 0.002).
    assert!(c.p_regression < 0.002, "{}", c.p_regression);
    assert_eq!(c.method, "empirical-null");
}

#[test]
fn a_uniform_slowdown_is_the_shift_not_the_benchmarks() {
    let inputs = exact_null(200, 0.1f64.ln_1p(), 0.01f64.powi(2), |_| 1e-5);
    let runs = separate_runs(&inputs, MACHINE_SHIFT_SD, 0.05).unwrap();
    let shift = runs.shift.comparison(0.01, 0.05).unwrap();
    assert!((shift.change - 0.1).abs() < 0.002, "{}", shift.change);
    assert_eq!(shift.method, "empirical-null-shift");
    // (ln 1.1 − ln 1.01) / 2.83 % ≈ 3.0 standard errors.
    assert!(
        shift.p_regression < 0.002 && shift.p_regression > 0.0005,
        "{}",
        shift.p_regression
    );
    let residual_max = runs
        .benchmarks
        .iter()
        .map(|b| b.log_ratio.abs())
        .fold(0.0, f64::max);
    assert!(residual_max < 0.04, "{residual_max}");
    // Without a runner term the same shift is certain.
    let exact = separate_runs(&inputs, 0.0, 0.05).unwrap().shift;
    assert!(exact.se < 0.002);
}

#[test]
fn when_most_benchmarks_moved_the_shift_carries_it_and_no_benchmark_is_blamed() {
    // 60 % of the benchmarks +10 % (say, an allocator change), the rest unchanged: the
    // centre follows the majority, the drift estimate swells (the run is not "mostly
    // unchanged"), so no single benchmark is called a regression, while the shift check
    // still reports the run-wide slowdown.
    let mut inputs = exact_null(200, 0.0, 0.01f64.powi(2), |_| 1e-5);
    for (i, b) in inputs.iter_mut().enumerate() {
        if i % 5 < 3 {
            b.log_ratio += 0.1f64.ln_1p();
        }
    }
    let runs = separate_runs(&inputs, MACHINE_SHIFT_SD, 0.05).unwrap();
    assert!(runs.null.shift > 0.05, "{}", runs.null.shift);
    assert!(runs.null.drift_var.sqrt() > 0.03, "{}", runs.null.drift_var);
    let shift = runs.shift.comparison(0.01, 0.05).unwrap();
    assert!(shift.p_regression < 0.05, "{}", shift.p_regression);
    for b in &runs.benchmarks {
        let c = b.comparison(0.01, 0.05).unwrap();
        assert!(c.p_regression > 0.01, "{c:?}");
    }
}

#[test]
fn sample_scatter_is_the_robust_sd_of_the_log_samples() {
    assert_eq!(sample_scatter_var(&[0.1]), None);
    assert_eq!(sample_scatter_var(&[0.1, f64::NAN, 0.2]), None);
    // Exact normal quantiles with sd 0.05: the MAD-based sd recovers it; df = 0.367·(n − 1).
    let x: Vec<f64> = (0..199)
        .map(|i| 0.05 * dist::normal_quantile((i as f64 + 0.5) / 199.0))
        .collect();
    let (var, df) = sample_scatter_var(&x).unwrap();
    assert!((var.sqrt() / 0.05 - 1.0).abs() < 0.02, "{var}");
    assert!((df - 0.367 * 198.0).abs() < 1e-9, "{df}");
    // One wild sample barely moves it.
    let mut y = x.clone();
    y[0] = 5.0;
    assert!((sample_scatter_var(&y).unwrap().0.sqrt() / 0.05 - 1.0).abs() < 0.03);
}

#[test]
fn identical_log_ratios_are_a_deterministic_shift() {
    let inputs: Vec<BenchmarkEstimate> = (0..30)
        .map(|_| BenchmarkEstimate {
            log_ratio: 0.05,
            within_se2: 0.0,
            within_df: 60.0,
            noise: 0.0,
        })
        .collect();
    let runs = separate_runs(&inputs, MACHINE_SHIFT_SD, 0.05).unwrap();
    assert_eq!(runs.null.shift, 0.05);
    assert_eq!(runs.null.shift_se, 0.0);
    assert_eq!(runs.null.drift_var, 0.0);
    assert!(runs
        .benchmarks
        .iter()
        .all(|b| b.log_ratio == 0.0 && b.se == 0.0));
    let c = runs.benchmarks[0].comparison(0.01, 0.05).unwrap();
    assert_eq!(c.p_regression, 1.0);
}

/// A run whose fitted t is heavy: 200 residuals of 2 % drift and as much within-run noise
/// (each residual half normal, where the tails at α and at α/n differ most), six of them ±20 %.
fn heavy_tailed_run() -> Vec<BenchmarkEstimate> {
    let mut inputs = exact_null(200, 0.0, 0.02f64.powi(2), |_| 4e-4);
    for (k, b) in inputs.iter_mut().take(6).enumerate() {
        b.log_ratio = if k % 2 == 0 { 0.2 } else { -0.2 };
    }
    inputs
}

#[test]
fn the_within_budget_bound_uses_the_tail_at_its_own_level() {
    // Heavy tails: a few residuals far out make the fitted t heavy. Within-run noise as large
    // as the drift makes each residual half normal, where the tail at α and at α/n differ most.
    let inputs = heavy_tailed_run();
    let runs = separate_runs(&inputs, MACHINE_SHIFT_SD, 0.05).unwrap();
    assert!(runs.null.tail_df < 10.0, "{}", runs.null.tail_df);
    for (i, b) in runs.benchmarks.iter().enumerate() {
        // The `α/n` tail of a t-distributed drift is heavier than its `α` quantile.
        assert!(b.bound_df >= b.df, "{i}: {b:?}");
        let c = b.comparison(0.01, 0.05).unwrap();
        let at_test_df = (b.log_ratio + dist::t_quantile(0.95, b.df) * b.se).exp_m1();
        assert!(c.upper_one_sided <= at_test_df, "{i}");
        // The bound is the 95 % quantile of the residual's null: drift (t) plus normal terms.
        let st = &runs.null.strata[b.stratum];
        let mixture = TailMixture::new(st.drift_df).unwrap();
        let normal = b.within_se2 + runs.null.shift_se.powi(2);
        let bound = (c.upper_one_sided).ln_1p() - b.log_ratio;
        let tail = mixture.upper_tail(bound, normal, st.drift_var);
        // The table errs on the heavy side (the next tabulated drift share): at most 5 %.
        assert!(tail <= 0.05 + 1e-6 && tail > 0.045, "{i}: tail {tail}");
        // The test's df, matched at α/n, would put the bound farther out than the 95 % quantile.
        let test_tail = mixture.upper_tail(at_test_df.ln_1p() - b.log_ratio, normal, st.drift_var);
        assert!(test_tail < tail - 0.002, "{i}: {test_tail} against {tail}");
    }
    // The test itself is unchanged: its p-value uses the far tail.
    let b = &runs.benchmarks[20];
    let c = b.comparison(0.01, 0.05).unwrap();
    let plain = from_estimate(Method::EmpiricalNull, b.log_ratio, b.se, b.df, 0.01, 0.05).unwrap();
    assert_eq!(c.p_regression, plain.p_regression);
    assert_eq!(c.ci95, plain.ci95);
    // A stricter α reaches farther out than the level the bound's df was matched at: the test's
    // heavier df is used there, never a lighter one.
    let strict = b.comparison(0.01, 0.01).unwrap();
    let at_test_df = (b.log_ratio + dist::t_quantile(0.99, b.df) * b.se).exp_m1();
    assert_eq!(strict.upper_one_sided, at_test_df);
}

#[test]
fn single_values_form_one_stratum_whose_drift_is_their_whole_spread() {
    // 200 benchmarks measured once a side: no within-run error to sort strata by, so one
    // stratum holds them all, and its drift is the whole spread of their changes.
    let tau2 = 0.02f64.powi(2);
    let inputs: Vec<BenchmarkEstimate> = exact_null(200, -0.01, tau2, |_| 0.0)
        .iter()
        .map(|b| BenchmarkEstimate::single_values(1.0, b.log_ratio.exp()))
        .collect();
    assert!(inputs
        .iter()
        .all(|b| b.within_se2 == 0.0 && b.within_df.is_infinite()));
    let runs = separate_runs(&inputs, MACHINE_SHIFT_SD, 0.05).unwrap();
    assert_eq!(runs.null.strata.len(), 1);
    assert_eq!(runs.null.strata[0].benchmarks, 200);
    assert!((runs.null.drift_var / tau2 - 1.0).abs() < 0.05);
    assert!(runs.benchmarks.iter().all(|b| b.stratum == 0));
}

#[test]
fn the_tails_are_matched_at_the_run_s_alpha() {
    // The same heavy-tailed run judged at α = 0.01: the test's df are matched at 0.01/n and the
    // bound's at 0.01, not at the default 0.05.
    let inputs = heavy_tailed_run();
    let default = separate_runs(&inputs, MACHINE_SHIFT_SD, 0.05).unwrap();
    let strict = separate_runs(&inputs, MACHINE_SHIFT_SD, 0.01).unwrap();
    assert!(separate_runs(&inputs, MACHINE_SHIFT_SD, 0.0).is_none());
    assert!(separate_runs(&inputs, MACHINE_SHIFT_SD, 1.0).is_none());
    let level = 0.01 / 200.0;
    for (i, (b, d)) in strict
        .benchmarks
        .iter()
        .zip(&default.benchmarks)
        .enumerate()
    {
        assert_eq!(b.alpha, 0.01);
        let st = &strict.null.strata[b.stratum];
        let mixture = TailMixture::new(st.drift_df).unwrap();
        let normal = b.within_se2 + strict.null.shift_se.powi(2);
        let tail = |df: f64, p: f64| {
            let x = dist::t_quantile(1.0 - p, df) * b.se;
            mixture.upper_tail(x, normal, st.drift_var)
        };
        // The t with the test's df has the residual's tail at 0.01/n (erring heavy); with the
        // df matched at 0.05/n it would not.
        let at = tail(b.df, level);
        assert!(at <= level * (1.0 + 1e-6) && at > 0.8 * level, "{i}: {at}");
        assert!(
            tail(d.df, level) > level * 1.05,
            "{i}: {}",
            tail(d.df, level)
        );
        // The bound's df, at 0.01.
        let at = tail(b.bound_df, 0.01);
        assert!(at <= 0.01 + 1e-8 && at > 0.008, "{i}: {at}");
        // Farther out the drift's tails weigh more: fewer df.
        assert!(b.df <= d.df && b.bound_df <= d.bound_df, "{i}");
    }
}
