//! Units and quantities. Every metric carries one [`Unit`]; budget limits are [`Quantity`]s parsed
//! from text such as `"2 ms"`, `"1.5 KiB"`, `"10 MB/s"`, `"1%"` or `0.9`, and a limit whose
//! dimension does not fit its metric is a configuration error rather than a silent comparison.

use serde::{Deserialize, Serialize};

/// The unit a metric's values are expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    /// Nanoseconds (criterion wall time).
    #[serde(rename = "ns")]
    Nanoseconds,
    /// Microseconds.
    #[serde(rename = "us")]
    Microseconds,
    /// Milliseconds (Lighthouse timings, k6 durations).
    #[serde(rename = "ms")]
    Milliseconds,
    /// Seconds.
    #[serde(rename = "s")]
    Seconds,
    /// Bytes.
    #[serde(rename = "B")]
    Bytes,
    /// Bytes per second (criterion byte throughput, k6 data rates).
    #[serde(rename = "B/s")]
    BytesPerSecond,
    /// Events per second (criterion element throughput, k6 request rate).
    #[serde(rename = "/s")]
    PerSecond,
    /// A fraction between 0 and 1 shown as a percentage (error rates, check pass rates).
    #[serde(rename = "fraction")]
    Fraction,
    /// A score between 0 and 1 (Lighthouse category scores).
    #[serde(rename = "score")]
    Score,
    /// A plain count (requests, resources, iterations).
    #[serde(rename = "count")]
    Count,
    /// A number without unit (cumulative layout shift, custom criterion measurements).
    #[serde(rename = "1")]
    Unitless,
    /// A unit the tool named and this version does not know (`frames`, `widgets/s`, `Percent`
    /// from a generic JSON import): values compare with each other, so relative rules work, but
    /// an absolute limit can only be a bare number in that same unit.
    #[serde(rename = "opaque")]
    Opaque,
}

/// What a unit measures; limits must have the dimension of their metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// A duration.
    Time,
    /// An amount of data.
    Bytes,
    /// Data per second.
    ByteRate,
    /// Events per second.
    Rate,
    /// A fraction or score in [0, 1]; `%` limits fit here.
    Fraction,
    /// A pure number.
    Number,
}

impl Dimension {
    /// A human name used in error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Dimension::Time => "a duration (ns, us, ms, s)",
            Dimension::Bytes => "a size (B, KB, KiB, MB, MiB, GB, GiB)",
            Dimension::ByteRate => "a data rate (B/s, KB/s, MiB/s …)",
            Dimension::Rate => "a rate per second (/s)",
            Dimension::Fraction => "a fraction (0.9 or 90%)",
            Dimension::Number => "a plain number",
        }
    }
}

impl Unit {
    /// The short name used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Nanoseconds => "ns",
            Unit::Microseconds => "us",
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::Bytes => "B",
            Unit::BytesPerSecond => "B/s",
            Unit::PerSecond => "/s",
            Unit::Fraction => "fraction",
            Unit::Score => "score",
            Unit::Count => "count",
            Unit::Unitless => "1",
            Unit::Opaque => "opaque",
        }
    }

    /// The symbol people read (`µs` rather than the ASCII `us` of [`Unit::as_str`]).
    fn symbol(self) -> &'static str {
        match self {
            Unit::Microseconds => "µs",
            other => other.as_str(),
        }
    }

    /// The dimension this unit measures.
    pub fn dimension(self) -> Dimension {
        match self {
            Unit::Nanoseconds | Unit::Microseconds | Unit::Milliseconds | Unit::Seconds => {
                Dimension::Time
            }
            Unit::Bytes => Dimension::Bytes,
            Unit::BytesPerSecond => Dimension::ByteRate,
            Unit::PerSecond => Dimension::Rate,
            Unit::Fraction | Unit::Score => Dimension::Fraction,
            Unit::Count | Unit::Unitless | Unit::Opaque => Dimension::Number,
        }
    }

    /// Factor that converts a value in this unit to its dimension's base unit (ns, B, B/s, /s, 1).
    pub fn to_base(self) -> f64 {
        match self {
            Unit::Nanoseconds => 1.0,
            Unit::Microseconds => 1e3,
            Unit::Milliseconds => 1e6,
            Unit::Seconds => 1e9,
            _ => 1.0,
        }
    }

    /// Formats a value of this unit for people: times and sizes scaled (`1.23 ms`, `4.5 KiB`),
    /// fractions as percentages, scores and plain numbers with sensible precision.
    pub fn format(self, value: f64) -> String {
        if !value.is_finite() {
            return format!("{value}");
        }
        match self.dimension() {
            // Zero has no magnitude to scale by: say it in the metric's own unit ("0 ms" for a
            // Lighthouse total blocking time, not "0 ns").
            Dimension::Time if value == 0.0 => format!("0 {}", self.symbol()),
            Dimension::Time => format_scaled(
                value * self.to_base(),
                &[(1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns")],
            ),
            Dimension::Bytes => format_scaled(
                value,
                &[
                    (1024.0 * 1024.0 * 1024.0, "GiB"),
                    (1024.0 * 1024.0, "MiB"),
                    (1024.0, "KiB"),
                    (1.0, "B"),
                ],
            ),
            Dimension::ByteRate => format_scaled(
                value,
                &[
                    (1024.0 * 1024.0 * 1024.0, "GiB/s"),
                    (1024.0 * 1024.0, "MiB/s"),
                    (1024.0, "KiB/s"),
                    (1.0, "B/s"),
                ],
            ),
            Dimension::Rate => format_scaled(
                value,
                &[(1e9, "G/s"), (1e6, "M/s"), (1e3, "K/s"), (1.0, "/s")],
            ),
            Dimension::Fraction if self == Unit::Fraction => format!("{} %", sig3(value * 100.0)),
            Dimension::Fraction => sig3(value),
            Dimension::Number if self == Unit::Count => {
                if value.fract() == 0.0 && value.abs() < 1e15 {
                    format!("{value:.0}")
                } else {
                    sig3(value)
                }
            }
            Dimension::Number => sig3(value),
        }
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn format_scaled(value: f64, scales: &[(f64, &str)]) -> String {
    let magnitude = value.abs();
    for &(factor, name) in scales {
        if magnitude >= factor {
            return format!("{} {name}", sig3(value / factor));
        }
    }
    let (factor, name) = scales[scales.len() - 1];
    format!("{} {name}", sig3(value / factor))
}

/// Three significant digits, without trailing noise (`1.23`, `12.3`, `123`, `1234`).
fn sig3(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.3e}")
    }
}

/// A limit from a budget file, already converted to its dimension's base unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// Value in the base unit of `dimension` (ns, B, B/s, /s, fraction, number).
    pub base_value: f64,
    /// `None` for a bare number, which fits fractions, scores and plain numbers.
    pub dimension: Option<Dimension>,
    /// The text the user wrote, for messages and reports.
    pub text: String,
}

/// Why a quantity could not be parsed or applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitError {
    /// The text is not a number followed by a known unit.
    #[error("expected a number with an optional unit (e.g. \"2 ms\", \"1.5 KiB\", \"10 MB/s\", \"1%\", 0.9), found {0:?}")]
    Syntax(String),
    /// The unit is not one we know.
    #[error("unknown unit {unit:?} in {text:?}; known units: ns us µs ms s, B KB KiB MB MiB GB GiB, B/s KB/s MB/s …, /s, %")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole quantity as written.
        text: String,
    },
    /// The quantity's dimension does not fit the metric's unit.
    #[error("{text:?} is {found}, but metric {metric} is measured in {unit} ({expected})")]
    Mismatch {
        /// The quantity as written.
        text: String,
        /// What the quantity is.
        found: &'static str,
        /// The metric's id.
        metric: String,
        /// The metric's unit.
        unit: Unit,
        /// What the metric needs.
        expected: &'static str,
    },
}

impl Quantity {
    /// Parses `"2 ms"`, `"2ms"`, `"1.5 KiB"`, `"10 MB/s"`, `"500/s"`, `"1%"` or a bare number.
    pub fn parse(text: &str) -> Result<Quantity, UnitError> {
        let t = text.trim();
        let split = t
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_digit() || c == '.' || c == '_' || ((c == '-' || c == '+') && i == 0))
                    && !((c == 'e' || c == 'E')
                        && t[i + 1..]
                            .starts_with(|d: char| d.is_ascii_digit() || d == '-' || d == '+'))
            })
            .map(|(i, _)| i)
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let num = num.replace('_', "");
        let value: f64 = num
            .parse()
            .map_err(|_| UnitError::Syntax(text.to_string()))?;
        if !value.is_finite() {
            return Err(UnitError::Syntax(text.to_string()));
        }
        let unit = unit.trim();
        if unit.is_empty() {
            return Ok(Quantity {
                base_value: value,
                dimension: None,
                text: t.to_string(),
            });
        }
        let unknown = || UnitError::UnknownUnit {
            unit: unit.to_string(),
            text: text.to_string(),
        };
        let (factor, dimension) = if unit == "%" {
            (0.01, Dimension::Fraction)
        } else if let Some(f) = time_factor(unit) {
            (f, Dimension::Time)
        } else if let Some(f) = byte_factor(unit) {
            (f, Dimension::Bytes)
        } else if let Some(per) = unit.strip_suffix("/s") {
            let per = per.trim();
            if per.is_empty() {
                (1.0, Dimension::Rate)
            } else if let Some(f) = byte_factor(per) {
                (f, Dimension::ByteRate)
            } else if let Some(f) = si_count_factor(per) {
                (f, Dimension::Rate)
            } else {
                return Err(unknown());
            }
        } else {
            return Err(unknown());
        };
        Ok(Quantity {
            base_value: value * factor,
            dimension: Some(dimension),
            text: t.to_string(),
        })
    }

    /// The limit in the metric's own unit, or an error when the dimensions differ.
    pub fn in_unit(&self, unit: Unit, metric: &str) -> Result<f64, UnitError> {
        let fits = match self.dimension {
            None => matches!(unit.dimension(), Dimension::Fraction | Dimension::Number),
            Some(d) => d == unit.dimension(),
        };
        if !fits {
            let found = match self.dimension {
                None => "a plain number without unit",
                Some(d) => d.describe(),
            };
            let expected = if unit == Unit::Opaque {
                "a unit cargo-perf-budget does not know: an absolute limit must be a bare number in the tool's own unit (see the import's warnings), or use a relative rule"
            } else {
                unit.dimension().describe()
            };
            return Err(UnitError::Mismatch {
                text: self.text.clone(),
                found,
                metric: metric.to_string(),
                unit,
                expected,
            });
        }
        Ok(self.base_value / unit.to_base())
    }
}

fn time_factor(unit: &str) -> Option<f64> {
    Some(match unit {
        "ns" => 1.0,
        "us" | "µs" | "μs" => 1e3,
        "ms" => 1e6,
        "s" | "sec" => 1e9,
        "min" => 60e9,
        _ => return None,
    })
}

fn byte_factor(unit: &str) -> Option<f64> {
    Some(match unit {
        "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    })
}

fn si_count_factor(prefix: &str) -> Option<f64> {
    Some(match prefix {
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_si_prefixes_and_checks_dimensions() {
        let q = Quantity::parse("2 ms").unwrap();
        assert_eq!(q.in_unit(Unit::Nanoseconds, "m").unwrap(), 2e6);
        assert_eq!(q.in_unit(Unit::Milliseconds, "m").unwrap(), 2.0);
        assert_eq!(
            Quantity::parse("300µs")
                .unwrap()
                .in_unit(Unit::Microseconds, "m")
                .unwrap(),
            300.0
        );
        assert_eq!(Quantity::parse("1.5 KiB").unwrap().base_value, 1536.0);
        assert_eq!(
            Quantity::parse("10 MB/s").unwrap().dimension,
            Some(Dimension::ByteRate)
        );
        assert_eq!(
            Quantity::parse("500/s").unwrap().dimension,
            Some(Dimension::Rate)
        );
        let pct = Quantity::parse("1%").unwrap();
        assert!((pct.in_unit(Unit::Fraction, "m").unwrap() - 0.01).abs() < 1e-15);
        assert!(Quantity::parse("0.9")
            .unwrap()
            .in_unit(Unit::Score, "m")
            .is_ok());
        assert!(Quantity::parse("2 ms")
            .unwrap()
            .in_unit(Unit::Bytes, "m")
            .is_err());
        assert!(Quantity::parse("300")
            .unwrap()
            .in_unit(Unit::Milliseconds, "m")
            .is_err());
        assert!(Quantity::parse("1e3 ns").is_ok());
        assert!(matches!(
            Quantity::parse("2 parsecs"),
            Err(UnitError::UnknownUnit { .. })
        ));
        assert!(matches!(Quantity::parse("fast"), Err(UnitError::Syntax(_))));
        assert!(matches!(
            Quantity::parse("inf ms"),
            Err(UnitError::Syntax(_))
        ));
    }

    #[test]
    fn an_opaque_unit_takes_bare_numbers_and_refuses_dimensions_by_saying_why() {
        assert_eq!(
            Quantity::parse("30")
                .unwrap()
                .in_unit(Unit::Opaque, "custom/fps")
                .unwrap(),
            30.0
        );
        let err = Quantity::parse("2 ms")
            .unwrap()
            .in_unit(Unit::Opaque, "custom/fps")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("custom/fps")
                && err.contains("does not know")
                && err.contains("bare number"),
            "{err}"
        );
        assert_eq!(Unit::Opaque.format(12.5), "12.5");
        let json = serde_json::to_string(&Unit::Opaque).unwrap();
        assert_eq!(json, "\"opaque\"");
        assert_eq!(serde_json::from_str::<Unit>(&json).unwrap(), Unit::Opaque);
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(Unit::Nanoseconds.format(1_234_000.0), "1.23 ms");
        assert_eq!(Unit::Milliseconds.format(2500.0), "2.50 s");
        assert_eq!(Unit::Nanoseconds.format(253.2), "253 ns");
        assert_eq!(Unit::Fraction.format(0.0123), "1.23 %");
        assert_eq!(Unit::Bytes.format(2048.0), "2.00 KiB");
        assert_eq!(Unit::Score.format(0.93), "0.930");
    }

    #[test]
    fn zero_is_said_in_the_metric_s_own_unit() {
        assert_eq!(Unit::Milliseconds.format(0.0), "0 ms");
        assert_eq!(Unit::Milliseconds.format(-0.0), "0 ms");
        assert_eq!(Unit::Microseconds.format(0.0), "0 µs");
        assert_eq!(Unit::Nanoseconds.format(0.0), "0 ns");
        assert_eq!(Unit::Seconds.format(0.0), "0 s");
        assert_eq!(Unit::Bytes.format(0.0), "0 B");
        assert_eq!(Unit::Fraction.format(0.0), "0 %");
        // Non-zero values still scale as before.
        assert_eq!(Unit::Milliseconds.format(0.5), "500 µs");
    }
}
