//! The statistics core against scipy's reference values (`tests/fixtures/reference.json`, made
//! with scipy 1.17.1; each value names its scipy call in the file).
//!
//! Tolerances, as the fixture suggests:
//! * closed-form values (t, df, U, means, variances, quantiles of data, HL shifts): 1e-9 relative;
//! * p-values, distribution quantiles/cdf/sf and confidence bounds derived from quantiles: 1e-7
//!   relative or 1e-12 absolute, whichever is looser.
//!
//! Also here: edge cases (empty, single, constant, non-finite input) and a property test that no
//! public function panics on arbitrary input.

use cargo_perf_budget::stats::describe::{
    mean, median, quantile_type7, sorted, trimmed_mean, tukey_outliers, variance,
    winsorized_variance,
};
use cargo_perf_budget::stats::dist::{
    chi_squared_quantile, f_quantile, normal_cdf, normal_quantile, normal_sf, t_cdf, t_quantile,
    t_sf,
};
use cargo_perf_budget::stats::hodges_lehmann::hodges_lehmann;
use cargo_perf_budget::stats::mann_whitney::{mann_whitney, mann_whitney_with, Method};
use cargo_perf_budget::stats::multiple::{adjust, benjamini_yekutieli, Correction};
use cargo_perf_budget::stats::power::min_detectable_effect;
use cargo_perf_budget::stats::proportions::{
    difference_interval, ratio_interval, ratio_p, two_proportions, two_proportions_dispersed,
    Dispersion,
};
use cargo_perf_budget::stats::welch::welch;
use cargo_perf_budget::stats::yuen::yuen;
use cargo_perf_budget::stats::{
    compare_runs, compare_samples, decide, Alternative, NoiseModel, RelativeCheck,
};
use serde_json::Value;

const REL_EXACT: f64 = 1e-9;
const REL_P: f64 = 1e-7;
const ABS_P: f64 = 1e-12;

fn reference() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reference.json");
    let text = std::fs::read_to_string(path).expect("reference.json is part of the repository");
    serde_json::from_str(&text).expect("reference.json is valid JSON")
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("finite number"),
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "nan" => f64::NAN,
        other => panic!("not a number: {other}"),
    }
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

#[track_caller]
fn assert_rel(actual: f64, expected: f64, rel: f64, what: &str) {
    let ok = actual == expected || (actual - expected).abs() <= rel * expected.abs();
    assert!(ok, "{what}: got {actual:e}, scipy {expected:e}");
}

#[track_caller]
fn assert_p(actual: f64, expected: f64, what: &str) {
    let diff = (actual - expected).abs();
    let ok = diff <= ABS_P || diff <= REL_P * expected.abs();
    assert!(ok, "{what}: got {actual:e}, scipy {expected:e}");
}

fn ln(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| v.ln()).collect()
}

struct Case {
    id: String,
    x: Vec<f64>,
    y: Vec<f64>,
    expected: Value,
}

fn cases() -> Vec<Case> {
    reference()["two_sample"]
        .as_array()
        .expect("two_sample cases")
        .iter()
        .map(|c| Case {
            id: c["id"].as_str().expect("id").to_string(),
            x: nums(&c["x_head"]),
            y: nums(&c["y_base"]),
            expected: c["expected"].clone(),
        })
        .collect()
}

const ALTERNATIVES: [(Alternative, &str); 3] = [
    (Alternative::TwoSided, "p_two_sided"),
    (Alternative::Greater, "p_greater"),
    (Alternative::Less, "p_less"),
];

#[test]
fn stats_reference_has_every_case() {
    let ids: Vec<String> = cases().into_iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), 11, "{ids:?}");
}

#[test]
fn stats_descriptive_matches_numpy() {
    for c in cases() {
        let e = &c.expected["descriptive"];
        let id = &c.id;
        assert_rel(
            mean(&c.x),
            num(&e["mean_x"]),
            REL_EXACT,
            &format!("{id} mean x"),
        );
        assert_rel(
            mean(&c.y),
            num(&e["mean_y"]),
            REL_EXACT,
            &format!("{id} mean y"),
        );
        assert_rel(
            variance(&c.x),
            num(&e["var_x_ddof1"]),
            REL_EXACT,
            &format!("{id} var x"),
        );
        assert_rel(
            variance(&c.y),
            num(&e["var_y_ddof1"]),
            REL_EXACT,
            &format!("{id} var y"),
        );
        assert_rel(
            median(&c.x),
            num(&e["median_x"]),
            REL_EXACT,
            &format!("{id} median x"),
        );
        assert_rel(
            median(&c.y),
            num(&e["median_y"]),
            REL_EXACT,
            &format!("{id} median y"),
        );
        let s = sorted(&c.x);
        for (key, q) in e["quantiles_type7_x"].as_object().expect("quantiles") {
            let p: f64 = key.parse().expect("probability key");
            assert_rel(
                quantile_type7(&s, p),
                num(q),
                REL_EXACT,
                &format!("{id} q7({p})"),
            );
        }
    }
}

#[test]
fn stats_welch_raw_matches_scipy() {
    for c in cases() {
        let e = &c.expected["welch_raw"];
        for (alt, key) in ALTERNATIVES {
            let r = welch(&c.x, &c.y, 0.0, alt).expect("welch applies");
            let what = format!("{} welch raw {key}", c.id);
            assert_rel(r.t, num(&e["t"]), REL_EXACT, &format!("{what} t"));
            assert_rel(r.df, num(&e["df"]), REL_EXACT, &format!("{what} df"));
            assert_p(r.p, num(&e[key]), &what);
        }
        // The 95 % CI of the mean difference: estimate ± t_{0.975, df}·se.
        let r = welch(&c.x, &c.y, 0.0, Alternative::TwoSided).expect("welch applies");
        let half = t_quantile(0.975, r.df) * r.se;
        let ci = nums(&e["ci95_mean_diff_x_minus_y"]);
        assert_rel(r.estimate - half, ci[0], REL_P, &format!("{} CI low", c.id));
        assert_rel(
            r.estimate + half,
            ci[1],
            REL_P,
            &format!("{} CI high", c.id),
        );
    }
}

#[test]
fn stats_welch_log_matches_scipy() {
    for c in cases() {
        let e = &c.expected["welch_log"];
        let (lx, ly) = (ln(&c.x), ln(&c.y));
        for (alt, key) in ALTERNATIVES {
            let r = welch(&lx, &ly, 0.0, alt).expect("welch applies");
            let what = format!("{} welch log {key}", c.id);
            assert_rel(r.t, num(&e["t"]), REL_EXACT, &format!("{what} t"));
            assert_rel(r.df, num(&e["df"]), REL_EXACT, &format!("{what} df"));
            assert_p(r.p, num(&e[key]), &what);
        }
        // Minimum-effect test against a 2 % margin.
        let m = welch(&lx, &ly, 1.02f64.ln(), Alternative::Greater).expect("welch applies");
        assert_rel(m.t, num(&e["min_effect_2pct_t"]), REL_EXACT, &c.id);
        assert_p(m.p, num(&e["min_effect_2pct_p_greater"]), &c.id);

        // CIs of the log-ratio and of ratio − 1.
        let r = welch(&lx, &ly, 0.0, Alternative::TwoSided).expect("welch applies");
        let half = t_quantile(0.975, r.df) * r.se;
        let ci_log = nums(&e["ci95_log_ratio"]);
        assert_rel(
            r.estimate - half,
            ci_log[0],
            REL_P,
            &format!("{} log CI", c.id),
        );
        assert_rel(
            r.estimate + half,
            ci_log[1],
            REL_P,
            &format!("{} log CI", c.id),
        );
        let lower90 = (r.estimate - t_quantile(0.95, r.df) * r.se).exp_m1();
        assert_rel(lower90, num(&e["ci90_ratio_minus_1_lower"]), REL_P, &c.id);

        // The same through compare_runs ("welch-log" needs ≥ 5 runs a side without history).
        let runs = compare_runs(&c.x, &c.y, 0.02, 0.05, None);
        if c.x.len() >= 5 && c.y.len() >= 5 {
            let r = runs.expect("enough runs for welch-log");
            assert_eq!(r.method, "welch-log");
            let ci = nums(&e["ci95_ratio_minus_1"]);
            assert_rel(r.ci95.0, ci[0], REL_P, &format!("{} ratio CI low", c.id));
            assert_rel(r.ci95.1, ci[1], REL_P, &format!("{} ratio CI high", c.id));
            let point = num(&e["point_ratio_of_geomeans_minus_1"]);
            assert_rel(r.change, point, REL_EXACT, &format!("{} ratio", c.id));
            assert_p(r.p_regression, num(&e["min_effect_2pct_p_greater"]), &c.id);
            assert_rel(r.df, num(&e["df"]), REL_EXACT, &c.id);
            // One-sided 95 % lower bound = lower end of the 90 % two-sided interval; the upper
            // bound mirrors it.
            let upper90 = (r.log_ratio + t_quantile(0.95, r.df) * r.se).exp_m1();
            assert_rel(r.upper_one_sided, upper90, 1e-12, &c.id);
        } else {
            assert!(
                runs.is_none(),
                "{}: fewer than 5 runs without history",
                c.id
            );
        }
    }
}

#[test]
fn stats_yuen_log_matches_scipy() {
    let mut checked = 0;
    for c in cases() {
        let Some(e) = c.expected.get("yuen_log_trim20") else {
            continue;
        };
        checked += 1;
        let (lx, ly) = (ln(&c.x), ln(&c.y));
        for (alt, key) in ALTERNATIVES {
            let r = yuen(&lx, &ly, 0.2, 0.0, alt).expect("yuen applies");
            let what = format!("{} yuen {key}", c.id);
            assert_rel(r.t, num(&e["t"]), REL_EXACT, &format!("{what} t"));
            assert_rel(r.df, num(&e["df"]), REL_EXACT, &format!("{what} df"));
            assert_p(r.p, num(&e[key]), &what);
        }
        let tx = trimmed_mean(&lx, 0.2);
        let ty = trimmed_mean(&ly, 0.2);
        assert_rel(tx, num(&e["trimmed_mean_log_x"]), REL_EXACT, &c.id);
        assert_rel(ty, num(&e["trimmed_mean_log_y"]), REL_EXACT, &c.id);
        let point = num(&e["point_ratio_minus_1"]);
        assert_rel((tx - ty).exp_m1(), point, REL_EXACT, &c.id);
        let m = yuen(&lx, &ly, 0.2, 1.01f64.ln(), Alternative::Greater).expect("yuen applies");
        assert_rel(m.t, num(&e["min_effect_1pct_t"]), REL_EXACT, &c.id);
        assert_p(m.p, num(&e["min_effect_1pct_p_greater"]), &c.id);

        // compare_samples is Yuen on logs when there are ≥ 10 samples a side and no extra noise.
        let cmp = compare_samples(&c.x, &c.y, 0.01, 0.05, None);
        if c.x.len() >= 10 && c.y.len() >= 10 {
            let r = cmp.expect("enough samples");
            assert_eq!(r.method, "yuen-log");
            assert_rel(r.change, point, REL_EXACT, &c.id);
            assert_rel(r.df, num(&e["df"]), REL_EXACT, &c.id);
            assert_p(r.p_regression, num(&e["min_effect_1pct_p_greater"]), &c.id);
            let mw = &c.expected["mann_whitney"];
            // MWU and HL on logs: U is rank-based (same as raw) and HL is reported as ratio − 1.
            assert_p(
                r.mwu_p.expect("mwu"),
                num(&mw["auto"]["p_two_sided"]),
                &c.id,
            );
            let hl = hodges_lehmann(&lx, &ly).expect("hl").exp_m1();
            assert_eq!(r.hl_shift, Some(hl));
            assert!(r.outliers.is_some());
        } else {
            assert!(cmp.is_none(), "{}: fewer than 10 samples", c.id);
        }
    }
    assert_eq!(checked, 9);
}

#[test]
fn stats_winsorized_variance_reproduces_yuen_terms() {
    // d = (n−1)·s²_w/(h(h−1)); checked through the Yuen statistic of one case by hand.
    let c = cases()
        .into_iter()
        .find(|c| c.id == "unequal_sizes")
        .expect("case");
    let e = &c.expected["yuen_log_trim20"];
    let (lx, ly) = (ln(&c.x), ln(&c.y));
    let d = |v: &[f64]| {
        let n = v.len();
        let g = (0.2 * n as f64).floor() as usize;
        let h = (n - 2 * g) as f64;
        (n as f64 - 1.0) * winsorized_variance(v, 0.2) / (h * (h - 1.0))
    };
    let t = (trimmed_mean(&lx, 0.2) - trimmed_mean(&ly, 0.2)) / (d(&lx) + d(&ly)).sqrt();
    assert_rel(t, num(&e["t"]), REL_EXACT, "hand-made Yuen t");
}

#[test]
fn stats_mann_whitney_matches_scipy() {
    for c in cases() {
        let e = &c.expected["mann_whitney"];
        let id = &c.id;
        for (alt, key) in ALTERNATIVES {
            let variants = [
                ("asymptotic_cc", Method::Asymptotic { continuity: true }),
                ("asymptotic_nocc", Method::Asymptotic { continuity: false }),
                ("auto", Method::Auto),
                ("exact", Method::Exact),
            ];
            for (name, method) in variants {
                let Some(expected) = e.get(name) else {
                    continue;
                };
                let r = mann_whitney_with(&c.x, &c.y, alt, method).expect("mwu applies");
                let what = format!("{id} mwu {name} {key}");
                assert_rel(r.u1, num(&expected["U1"]), REL_EXACT, &format!("{what} U1"));
                assert_p(r.p, num(&expected[key]), &what);
            }
            let auto = mann_whitney(&c.x, &c.y, alt).expect("mwu applies");
            let chosen = e["auto_method_chosen"].as_str().expect("method");
            assert_eq!(auto.exact, chosen == "exact", "{id} auto method");
        }
        if e["ties"].as_bool() == Some(true) {
            let exact = mann_whitney_with(&c.x, &c.y, Alternative::Less, Method::Exact);
            assert!(exact.is_none(), "{id}: exact refuses ties");
        }
        let hl = hodges_lehmann(&c.x, &c.y).expect("hl applies");
        let expected_hl = num(&e["hodges_lehmann_shift_x_minus_y"]);
        assert_rel(hl, expected_hl, REL_EXACT, &format!("{id} HL"));
        let r = mann_whitney(&c.x, &c.y, Alternative::TwoSided).expect("mwu");
        let ps = r.prob_superiority(c.x.len(), c.y.len());
        assert_rel(ps, num(&e["prob_superiority_U1_over_n1n2"]), REL_EXACT, id);
    }
}

#[test]
fn stats_multiple_testing_matches_scipy() {
    let r = reference();
    for case in r["multiple_testing"].as_array().expect("cases") {
        let id = case["id"].as_str().expect("id");
        let p = nums(&case["p_values"]);
        let e = &case["expected"];
        let checks = [
            ("bh_adjusted", adjust(&p, Correction::BenjaminiHochberg)),
            ("holm_adjusted", adjust(&p, Correction::Holm)),
            ("bonferroni_adjusted", adjust(&p, Correction::Bonferroni)),
            ("by_adjusted", benjamini_yekutieli(&p)),
        ];
        for (key, got) in checks {
            let want = nums(&e[key]);
            assert_eq!(got.len(), want.len());
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_p(*g, *w, &format!("{id} {key}[{i}]"));
            }
        }
        assert_eq!(adjust(&p, Correction::None), p);
        for (q_key, by_method) in e["rejected_at_q"].as_object().expect("rejections") {
            let q: f64 = q_key.parse().expect("q");
            for (method, correction) in [
                ("bh", Correction::BenjaminiHochberg),
                ("holm", Correction::Holm),
                ("bonferroni", Correction::Bonferroni),
            ] {
                let want: Vec<bool> = by_method[method]
                    .as_array()
                    .expect("flags")
                    .iter()
                    .map(|b| b.as_bool().expect("bool"))
                    .collect();
                let got: Vec<bool> = adjust(&p, correction).iter().map(|a| *a <= q).collect();
                assert_eq!(got, want, "{id} {method} at q={q}");
            }
        }
    }
}

#[test]
fn stats_distributions_match_scipy() {
    let r = reference();
    let rows = r["distribution_quantiles"].as_array().expect("rows");
    for row in rows {
        let call = row["call"].as_str().expect("call");
        let dist = row["dist"].as_str().expect("dist");
        if let Some(ppf) = row.get("ppf") {
            let p = num(&row["p"]);
            let got = match dist {
                "students_t" => t_quantile(p, num(&row["df"])),
                "normal" => normal_quantile(p),
                "chi_squared" => chi_squared_quantile(p, num(&row["df"])),
                "fisher_snedecor" => f_quantile(p, num(&row["df1"]), num(&row["df2"])),
                other => panic!("unknown distribution {other}"),
            };
            assert_p(got, num(ppf), call);
        }
        if let (Some(cdf), Some(sf)) = (row.get("cdf"), row.get("sf")) {
            let x = num(&row["x"]);
            let (got_cdf, got_sf) = match dist {
                "students_t" => (t_cdf(x, num(&row["df"])), t_sf(x, num(&row["df"]))),
                "normal" => (normal_cdf(x), normal_sf(x)),
                other => panic!("no cdf for {other}"),
            };
            assert_p(got_cdf, num(cdf), call);
            assert_p(got_sf, num(sf), call);
        }
    }
    assert_eq!(rows.len(), 32);
}

// ---------------------------------------------------------------------------------------------
// Edge cases: the tests say "no answer" (None) or give a deterministic answer, never NaN p-values
// on valid input and never a panic.

#[test]
fn stats_edge_empty_and_single() {
    let one = [1.0];
    for alt in [
        Alternative::TwoSided,
        Alternative::Greater,
        Alternative::Less,
    ] {
        assert!(welch(&[], &[], 0.0, alt).is_none());
        assert!(welch(&one, &[1.0, 2.0], 0.0, alt).is_none());
        assert!(yuen(&[], &[1.0, 2.0], 0.2, 0.0, alt).is_none());
        assert!(yuen(&one, &[1.0, 2.0], 0.2, 0.0, alt).is_none());
        assert!(mann_whitney(&[], &one, alt).is_none());
    }
    // One value a side is enough for a (useless but defined) rank test and HL.
    let r = mann_whitney(&[2.0], &[1.0], Alternative::Greater).expect("defined");
    assert_eq!((r.u1, r.p, r.exact), (1.0, 0.5, true));
    assert_eq!(hodges_lehmann(&[2.0], &[1.0]), Some(1.0));
    assert!(hodges_lehmann(&[], &one).is_none());
    assert!(compare_samples(&[], &[], 0.01, 0.05, None).is_none());
    assert!(compare_runs(&[], &one, 0.01, 0.05, Some((0.01, 9.0))).is_none());
    assert!(compare_runs(&one, &one, 0.01, 0.05, None).is_none());
    assert!(adjust(&[], Correction::BenjaminiHochberg).is_empty());
    assert!(decide(&[], 0.05, 0.01, Correction::BenjaminiHochberg).is_empty());
    assert!(two_proportions(0, 0, 0, 0, 0.0).is_none());
    assert!(mean(&[]).is_nan() && median(&[]).is_nan() && variance(&one).is_nan());
    assert_eq!(tukey_outliers(&[]).total(), 0);
}

#[test]
fn stats_edge_all_equal_is_deterministic() {
    let same = [250.0; 20];
    for alt in [
        Alternative::TwoSided,
        Alternative::Greater,
        Alternative::Less,
    ] {
        let w = welch(&same, &same[..7], 0.0, alt).expect("defined");
        assert_eq!((w.t, w.p, w.se, w.df), (0.0, 1.0, 0.0, f64::INFINITY));
        let y = yuen(&same, &same[..7], 0.2, 0.0, alt).expect("defined");
        assert_eq!((y.t, y.p), (0.0, 1.0));
        let m = mann_whitney(&same, &same[..7], alt).expect("defined");
        assert_eq!(m.p, 1.0);
    }
    // Deterministically different: certain, in the right direction only.
    let higher = [260.0; 20];
    let up = welch(&higher, &same, 0.0, Alternative::Greater).expect("defined");
    assert_eq!((up.t, up.p), (f64::INFINITY, 0.0));
    let down = welch(&higher, &same, 0.0, Alternative::Less).expect("defined");
    assert_eq!(down.p, 1.0);
    let two = welch(&higher, &same, 0.0, Alternative::TwoSided).expect("defined");
    assert_eq!(two.p, 0.0);

    let c = compare_samples(&same, &same, 0.01, 0.05, None).expect("defined");
    assert_eq!((c.change, c.p_regression, c.ci95), (0.0, 1.0, (0.0, 0.0)));
    assert!(c.mde.is_finite());
    let c = compare_samples(&higher, &same, 0.01, 0.05, None).expect("defined");
    assert_eq!(c.p_regression, 0.0);
    assert!((c.change - 0.04).abs() < 1e-12);
    // Within the margin: a deterministic +0.5 % is not a regression beyond δ = 1 %.
    let slightly = [251.25; 20];
    let c = compare_samples(&slightly, &same, 0.01, 0.05, None).expect("defined");
    assert_eq!(c.p_regression, 1.0);

    // Zero history variance: the same deterministic treatment.
    let c = compare_runs(&[250.0], &[250.0], 0.01, 0.05, Some((0.0, 9.0))).expect("defined");
    assert_eq!(c.p_regression, 1.0);
    // Constant runs, no history, enough runs: welch-log with zero variance.
    let c = compare_runs(&same[..5], &same[..6], 0.01, 0.05, None).expect("defined");
    assert_eq!((c.method.as_str(), c.p_regression), ("welch-log", 1.0));
}

#[test]
fn stats_edge_non_finite_is_none() {
    let good: Vec<f64> = (1..=20).map(f64::from).collect();
    for bad_value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut bad = good.clone();
        bad[5] = bad_value;
        for alt in [
            Alternative::TwoSided,
            Alternative::Greater,
            Alternative::Less,
        ] {
            assert!(welch(&bad, &good, 0.0, alt).is_none());
            assert!(welch(&good, &bad, 0.0, alt).is_none());
            assert!(yuen(&bad, &good, 0.2, 0.0, alt).is_none());
            assert!(mann_whitney(&good, &bad, alt).is_none());
        }
        assert!(hodges_lehmann(&bad, &good).is_none());
        assert!(compare_samples(&bad, &good, 0.01, 0.05, None).is_none());
        assert!(compare_runs(&good[..3], &bad[..7], 0.01, 0.05, Some((0.01, 9.0))).is_none());
    }
    // Non-positive values cannot be log-compared.
    let mut zero = good.clone();
    zero[0] = 0.0;
    assert!(compare_samples(&zero, &good, 0.01, 0.05, None).is_none());
    let mut negative = good.clone();
    negative[0] = -3.0;
    assert!(compare_runs(&negative[..5], &good[..5], 0.01, 0.05, None).is_none());
    // Bad parameters.
    assert!(welch(&good, &good, f64::NAN, Alternative::Less).is_none());
    assert!(compare_samples(&good, &good, f64::NAN, 0.05, None).is_none());
    assert!(compare_samples(&good, &good, 0.01, 1.0, None).is_none());
    let noise = NoiseModel {
        extra_var: f64::NAN,
        df: 29.0,
        source: "broken".into(),
    };
    assert!(compare_samples(&good, &good, 0.01, 0.05, Some(&noise)).is_none());
    assert!(min_detectable_effect(f64::NAN, 10.0, 0.05, 0.8).is_nan());
    assert!(t_quantile(2.0, 10.0).is_nan() && normal_quantile(-1.0).is_nan());
}

#[test]
fn stats_decide_on_reference_comparisons() {
    // The 3 % shift with outliers: Yuen sees it (p = 3e-11 against δ = 1 %), it is below a 5 %
    // budget, so it is a regression within budget; the A/A case is within budget.
    let all = cases();
    let pick = |id: &str| all.iter().find(|c| c.id == id).expect("case");
    let shifted = pick("bench_lognormal_outliers_3pct");
    let aa = pick("bench_lognormal_AA_outliers");
    let a = compare_samples(&shifted.x, &shifted.y, 0.01, 0.05, None).expect("comparison");
    let b = compare_samples(&aa.x, &aa.y, 0.01, 0.05, None).expect("comparison");
    let checks = [
        RelativeCheck::from_comparison(&a, 0.05),
        RelativeCheck::from_comparison(&b, 0.05),
    ];
    let d = decide(&checks, 0.05, 0.01, Correction::BenjaminiHochberg);
    use cargo_perf_budget::stats::Outcome;
    assert_eq!(d[0].outcome, Outcome::RegressionWithinBudget);
    assert!(d[1].outcome == Outcome::WithinBudget || d[1].outcome == Outcome::Inconclusive);
    assert!(!d[0].outcome.fails() && !d[1].outcome.fails());
    // With a 3 % budget the shift fails.
    let strict = [RelativeCheck::from_comparison(&a, 0.03)];
    let d = decide(&strict, 0.05, 0.01, Correction::BenjaminiHochberg);
    assert_eq!(d[0].outcome, Outcome::Regression);
}

// ---------------------------------------------------------------------------------------------
// No public function panics, whatever the input.

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn any_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            6 => -1e6f64..1e6,
            2 => 0.5f64..2.0,
            1 => Just(0.0),
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
            1 => Just(f64::MAX),
            1 => Just(f64::MIN_POSITIVE),
            1 => any::<f64>(),
        ]
    }

    fn vector() -> impl Strategy<Value = Vec<f64>> {
        prop::collection::vec(any_value(), 0..40)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn stats_no_public_function_panics(
            x in vector(),
            y in vector(),
            a in any_value(),
            b in any_value(),
            counts in prop::array::uniform4(0u64..1_000_000),
        ) {
            let _ = (mean(&x), variance(&x), median(&x), trimmed_mean(&x, a));
            let _ = (winsorized_variance(&x, 0.2), tukey_outliers(&x));
            let _ = quantile_type7(&sorted(&x), a);
            let _ = (t_sf(a, b), t_cdf(a, b), t_quantile(a, b));
            let _ = (normal_sf(a), normal_cdf(a), normal_quantile(a));
            let _ = (chi_squared_quantile(a, b), f_quantile(a, b, b));
            for alt in [Alternative::TwoSided, Alternative::Greater, Alternative::Less] {
                let _ = welch(&x, &y, a, alt);
                let _ = yuen(&x, &y, 0.2, a, alt);
                let _ = yuen(&x, &y, b, 0.0, alt);
                let _ = mann_whitney(&x, &y, alt);
                let _ = mann_whitney_with(&x, &y, alt, Method::Exact);
            }
            let _ = hodges_lehmann(&x, &y);
            for c in [Correction::BenjaminiHochberg, Correction::Holm, Correction::Bonferroni, Correction::None] {
                prop_assert_eq!(adjust(&x, c).len(), x.len());
            }
            let _ = benjamini_yekutieli(&x);
            let [hf, hn, bf, bn] = counts;
            let _ = two_proportions(hf, hn, bf, bn, a);
            let _ = two_proportions(hf.min(hn), hn, bf.min(bn), bn, 0.0);
            let d = Dispersion { factor: b.abs(), df: a.abs() };
            let _ = two_proportions_dispersed(hf.min(hn), hn, bf.min(bn), bn, a, d);
            let _ = difference_interval(hf, hn, bf, bn, a, d);
            let _ = ratio_interval(hf.min(hn), hn, bf.min(bn), bn, a, d);
            let _ = ratio_interval(hf.min(hn), hn, bf.min(bn), bn, 0.95, Dispersion::NONE);
            let _ = ratio_p(hf.min(hn), hn, bf.min(bn), bn, a, true, d);
            let _ = ratio_p(hf, hn, bf, bn, b, false, Dispersion::NONE);
            let _ = min_detectable_effect(a, b, 0.05, 0.8);
            let positive_x: Vec<f64> = x.iter().map(|v| v.abs()).collect();
            let positive_y: Vec<f64> = y.iter().map(|v| v.abs()).collect();
            let _ = compare_samples(&positive_x, &positive_y, 0.01, 0.05, None);
            let noise = NoiseModel { extra_var: a.abs(), df: b, source: "prop".into() };
            let _ = compare_samples(&positive_x, &positive_y, 0.01, 0.05, Some(&noise));
            let _ = compare_runs(&positive_x, &positive_y, a, 0.05, Some((a.abs(), b)));
            let _ = compare_runs(&positive_x, &positive_y, 0.01, 0.05, None);
            let _ = NoiseModel::from_aa(&x, &y, "prop");
            let checks: Vec<RelativeCheck> = x
                .iter()
                .map(|&p| RelativeCheck { p_regression: p, change: a, upper_one_sided: b, ci95: (a, b), budget: 0.05 })
                .collect();
            prop_assert_eq!(decide(&checks, 0.05, 0.01, Correction::BenjaminiHochberg).len(), x.len());
        }

        #[test]
        fn stats_valid_input_gives_probabilities(
            x in prop::collection::vec(0.001f64..1e6, 10..60),
            y in prop::collection::vec(0.001f64..1e6, 10..60),
        ) {
            let c = compare_samples(&x, &y, 0.01, 0.05, None).expect("valid input");
            prop_assert!((0.0..=1.0).contains(&c.p_regression));
            prop_assert!(c.ci95.0 <= c.change && c.change <= c.ci95.1);
            prop_assert!(c.upper_one_sided >= c.change);
            let m = mann_whitney(&x, &y, Alternative::TwoSided).expect("valid input");
            prop_assert!((0.0..=1.0).contains(&m.p));
            let hl = hodges_lehmann(&x, &y).expect("valid input");
            prop_assert!(hl.is_finite());
        }
    }
}
