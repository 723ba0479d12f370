//! The variance of one run's `ln(value)` when base and head are a few runs each (Lighthouse, k6):
//! what the stored history says about run-to-run noise, pooled with the runs' own scatter.

/// What the stored history of a metric says about its noise (the store's calibration).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredNoise {
    /// σ²_run: variance of a stored run's mean `ln` value between runs, beyond its within-run
    /// part.
    pub log_var: f64,
    /// Degrees of freedom of `log_var`.
    pub df: f64,
    /// Pooled scatter of one value's `ln` within a stored run (0 when none was measured).
    pub within_var: f64,
    /// Degrees of freedom of `within_var` (0 when none).
    pub within_df: f64,
}

impl StoredNoise {
    /// Run-to-run variance alone, no within-run scatter known.
    pub fn run_to_run(log_var: f64, df: f64) -> StoredNoise {
        StoredNoise {
            log_var,
            df,
            within_var: 0.0,
            within_df: 0.0,
        }
    }
}

/// The per-run variance [`compare_runs`] expects, built from the stored noise estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunVariance {
    /// Variance of one run's `ln(value)`, so that `SE² = var·(1/n_head + 1/n_base)`.
    pub var: f64,
    /// Its degrees of freedom.
    pub df: f64,
    /// Degrees of freedom of the within-run part (0: none was estimated).
    pub within_df: f64,
}

/// Turns the stored noise estimate into the per-run variance `compare_runs` uses.
///
/// The two do not mean the same thing. Calibration stores `σ²_run`, the variance of a stored
/// run's mean `ln` value *beyond* its within-run part (`Var(T_r) − mean SE²_r`): a shift shared by
/// every Lighthouse run of one job. `compare_runs` wants the variance of one run, divided by the
/// number of runs per side. With several runs a side the difference of the two means has variance
/// `2σ²_run + s²_within·(1/n_h + 1/n_b)`: the job-level shift does not average out over the
/// runs of one job, and the runs' own scatter still counts. Passing `σ²_run` as is divided the
/// shift by the number of runs and dropped the scatter; with Lighthouse's within-job scatter
/// larger than its job-to-job shift, `σ²_run` is 0 and every difference looked certain.
///
/// `s²_within` pools both sides' own runs (those with two or more) with the scatter of the
/// stored runs (`within_var`): three runs a side alone give 4 degrees of freedom and a wide
/// interval; thirty stored jobs of three runs add 60. When base and head were interleaved in
/// this job the job-level term is left out (`interleaved`), as the shift is common to both.
/// The degrees of freedom of the sum come from Satterthwaite. With one value a side (k6) and
/// separate jobs this is `σ²_run` unchanged, as calibration then stores the whole per-run
/// variance. `None` when nothing is known (interleaved, no scatter anywhere).
pub fn per_run_variance(
    noise: &StoredNoise,
    interleaved: bool,
    head: &[f64],
    base: &[f64],
) -> Option<RunVariance> {
    let (nh, nb) = (head.len() as f64, base.len() as f64);
    let k = 1.0 / nh + 1.0 / nb;
    let mut ss = 0.0;
    let mut own_df = 0.0;
    for side in [head, base] {
        if side.len() < 2 {
            continue;
        }
        let logs: Vec<f64> = side.iter().map(|v| v.ln()).collect();
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        ss += logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
        own_df += (side.len() - 1) as f64;
    }
    if !ss.is_finite() {
        (ss, own_df) = (0.0, 0.0);
    }
    let stored = noise.within_df > 0.0 && noise.within_var.is_finite() && noise.within_var >= 0.0;
    // Own scatter counts only when there is some to pool (a side of one value has none).
    let (ss, within_df) = if stored {
        (
            ss + noise.within_var * noise.within_df,
            own_df + noise.within_df,
        )
    } else {
        (ss, own_df)
    };
    let run_term = if interleaved {
        0.0
    } else {
        2.0 * noise.log_var
    };
    // Interleaved, the runs' scatter is all there is; runs that never differ (a quantised score,
    // 0.98 and 0.98) have not shown it, and a variance of 0 would make any difference certain.
    if interleaved && ss == 0.0 {
        return None;
    }
    if within_df == 0.0 {
        return (!interleaved).then_some(RunVariance {
            var: run_term / k,
            df: noise.df,
            within_df: 0.0,
        });
    }
    let within_term = ss / within_df * k;
    let se2 = run_term + within_term;
    let df = if interleaved {
        within_df
    } else {
        super::welch::satterthwaite_df(&[(run_term, noise.df), (within_term, within_df)])
    };
    Some(RunVariance {
        var: se2 / k,
        df,
        within_df,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_a_side_keeps_the_stored_variance_as_is() {
        let n = |var| StoredNoise::run_to_run(var, 29.0);
        let v = per_run_variance(&n(0.0004), false, &[100.0], &[90.0]).unwrap();
        assert_eq!((v.var, v.df, v.within_df), (0.0004, 29.0, 0.0));
        // Two equal runs a side: SE² = 2σ²_run + 0, which is var·(1/2 + 1/2).
        let v = per_run_variance(&n(0.0004), false, &[100.0, 100.0], &[90.0, 90.0]).unwrap();
        assert!(
            (v.var - 0.0008).abs() < 1e-15 && v.within_df == 2.0,
            "{}",
            v.var
        );
        // With scatter and no run-to-run part, the runs' own variance and df stand alone.
        let v = per_run_variance(&n(0.0), false, &[100.0, 110.0], &[90.0, 99.0]).unwrap();
        let s2 = (110.0f64 / 100.0).ln().powi(2) / 2.0;
        assert!(
            (v.var - s2).abs() < 1e-12 && v.df == 2.0,
            "{} {}",
            v.var,
            v.df
        );
        // Interleaved in one job: the run-to-run part is left out; with no scatter anywhere
        // there is nothing to go on.
        let v = per_run_variance(&n(0.5), true, &[100.0, 110.0], &[90.0, 99.0]).unwrap();
        assert!((v.var - s2).abs() < 1e-12, "{}", v.var);
        assert!(per_run_variance(&n(0.5), true, &[100.0], &[90.0]).is_none());
        // Stored scatter pools with the runs' own: (ss + s²·df) / (own df + df).
        let stored = StoredNoise {
            within_var: 0.0009,
            within_df: 58.0,
            ..n(0.0)
        };
        let v = per_run_variance(&stored, false, &[100.0, 110.0], &[90.0, 99.0]).unwrap();
        let pooled = (2.0 * s2 + 0.0009 * 58.0) / 60.0;
        assert!(
            (v.var - pooled).abs() < 1e-12 && v.within_df == 60.0,
            "{v:?}"
        );
    }
}
