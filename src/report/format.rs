//! Formatting shared by every renderer: percentages, p-values and short commit SHAs. One owner
//! each, so the terminal, the Markdown comment, the job summary and the history agree.

/// `5 %`, `12.5 %`: a budget or a margin (unsigned).
pub fn percent(x: f64) -> String {
    if !x.is_finite() {
        return "∞".into();
    }
    let v = x * 100.0;
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0} %")
    } else {
        format!("{v:.1} %")
    }
}

/// `+3.4 %`, `−1.2 %`: a change (signed, one decimal, a true minus sign); `n/a` when not finite.
pub fn percent_signed(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let v = x * 100.0;
    if v < 0.0 {
        format!("−{:.1} %", -v)
    } else {
        format!("+{v:.1} %")
    }
}

/// A p- or q-value: four decimals, or scientific notation below 10⁻⁴.
pub fn p_value(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

pub use crate::model::sha::{short_sha, SHORT_SHA};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents() {
        assert_eq!(percent(0.05), "5 %");
        assert_eq!(percent(0.125), "12.5 %");
        assert_eq!(percent(f64::INFINITY), "∞");
        assert_eq!(percent_signed(0.034), "+3.4 %");
        assert_eq!(percent_signed(-0.012), "−1.2 %");
        assert_eq!(percent_signed(f64::NAN), "n/a");
    }

    #[test]
    fn p_values() {
        assert_eq!(p_value(0.01234), "0.0123");
        assert_eq!(p_value(2.4e-30), "2.4e-30");
    }

    #[test]
    fn short_shas() {
        assert_eq!(short_sha("0123456789abcdef"), "0123456");
        assert_eq!(short_sha("abc"), "abc");
        assert_eq!(short_sha("ééééééééé"), "ééééééé");
    }
}
