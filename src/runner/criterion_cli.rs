//! What each criterion version accepts on a bench binary's command line, so that a check passes
//! only flags the benches' criterion understands and finds out before anything is built.
//!
//! The flag sets come from criterion's own command line definitions (`Criterion::configure_from_args`)
//! release by release; `docs/criterion-versions.md` lists them. The one trap that matters most:
//! criterion 0.3 parses `--warm-up-time`, `--measurement-time` and `--profile-time` as whole
//! seconds, so `1.5` makes every bench binary exit with a usage error.

use std::fmt;
use std::time::Duration;

/// A criterion release, `major.minor.patch` (pre-release and build suffixes ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CriterionVersion {
    /// `0` for every release so far.
    pub major: u64,
    /// `3` … `8`.
    pub minor: u64,
    /// The patch level: flags were added within 0.3.
    pub patch: u64,
}

impl CriterionVersion {
    /// Parses `0.3.6`, `0.5.1-alpha` …; `None` for anything else.
    pub fn parse(text: &str) -> Option<CriterionVersion> {
        let core = text.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let version = CriterionVersion {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(version)
    }

    const fn new(minor: u64, patch: u64) -> CriterionVersion {
        CriterionVersion {
            major: 0,
            minor,
            patch,
        }
    }

    /// Whether the time flags take fractional seconds (0.4 and later).
    pub fn fractional_seconds(self) -> bool {
        self >= CriterionVersion::new(4, 0)
    }

    /// Whether this release's command line is known here (0.3 and later; newer releases than
    /// the newest known are assumed to accept what it accepts).
    pub fn supported(self) -> bool {
        self >= CriterionVersion::new(3, 0)
    }

    /// The oldest release whose command line is known here.
    pub const OLDEST_KNOWN: CriterionVersion = CriterionVersion::new(3, 0);

    /// The newest release whose command line is known here.
    pub const NEWEST_KNOWN: CriterionVersion = CriterionVersion::new(8, 2);

    /// The long flags (without `--`) this release accepts, and whether each takes a value.
    pub fn flags(self) -> Vec<(&'static str, bool)> {
        FLAGS
            .iter()
            .filter(|(_, since, _)| self >= *since)
            .map(|(name, _, value)| (*name, *value))
            .collect()
    }

    /// Whether this release accepts `--name`.
    pub fn accepts(self, name: &str) -> bool {
        self.flags().iter().any(|(n, _)| *n == name)
    }
}

impl fmt::Display for CriterionVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Every long flag of criterion 0.3 and later: name, the first release that has it, and
/// whether it takes a value.
const FLAGS: &[(&str, CriterionVersion, bool)] = &[
    ("color", CriterionVersion::new(3, 0), true),
    ("verbose", CriterionVersion::new(3, 0), false),
    ("noplot", CriterionVersion::new(3, 0), false),
    ("save-baseline", CriterionVersion::new(3, 0), true),
    ("baseline", CriterionVersion::new(3, 0), true),
    ("list", CriterionVersion::new(3, 0), false),
    ("profile-time", CriterionVersion::new(3, 0), true),
    ("sample-size", CriterionVersion::new(3, 0), true),
    ("warm-up-time", CriterionVersion::new(3, 0), true),
    ("measurement-time", CriterionVersion::new(3, 0), true),
    ("nresamples", CriterionVersion::new(3, 0), true),
    ("noise-threshold", CriterionVersion::new(3, 0), true),
    ("confidence-level", CriterionVersion::new(3, 0), true),
    ("significance-level", CriterionVersion::new(3, 0), true),
    ("test", CriterionVersion::new(3, 0), false),
    ("bench", CriterionVersion::new(3, 0), false),
    ("version", CriterionVersion::new(3, 0), false),
    ("load-baseline", CriterionVersion::new(3, 1), true),
    ("plotting-backend", CriterionVersion::new(3, 1), true),
    ("nocapture", CriterionVersion::new(3, 2), false),
    ("output-format", CriterionVersion::new(3, 2), true),
    ("show-output", CriterionVersion::new(3, 6), false),
    ("baseline-lenient", CriterionVersion::new(4, 0), true),
    ("discard-baseline", CriterionVersion::new(4, 0), false),
    ("quick", CriterionVersion::new(4, 0), false),
    ("quiet", CriterionVersion::new(4, 0), false),
    ("exact", CriterionVersion::new(5, 0), false),
    ("format", CriterionVersion::new(5, 0), true),
    ("ignored", CriterionVersion::new(5, 0), false),
    ("include-ignored", CriterionVersion::new(6, 0), false),
];

/// Flags whose value is a number of seconds.
const SECONDS_FLAGS: &[&str] = &["warm-up-time", "measurement-time", "profile-time"];
/// Flags whose value is a whole number in every release.
const COUNT_FLAGS: &[&str] = &["sample-size", "nresamples"];
/// Flags the runner passes itself: the user must not.
const OWN_FLAGS: &[&str] = &["bench", "test", "list", "version", "profile-time"];

/// Checks the user's `[criterion] args` against what `version` accepts; the error says which
/// argument, why, and what to write instead.
pub fn check_args(args: &[String], version: CriterionVersion) -> Result<(), String> {
    let flags = version.flags();
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        let Some(long) = arg.strip_prefix("--") else {
            // A filter (positional) or a short flag: passed on as it is.
            continue;
        };
        if long.is_empty() {
            return Err("`--` in `args`: the runner passes its own arguments after it".into());
        }
        let (name, inline) = match long.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (long, None),
        };
        if OWN_FLAGS.contains(&name) {
            return Err(format!(
                "`--{name}` in `args`: the runner decides how the bench binaries run; remove it"
            ));
        }
        let Some((_, takes_value)) = flags.iter().find(|(n, _)| *n == name) else {
            return Err(format!(
                "`--{name}` in `args`: criterion {version} has no such flag{}",
                first_release(name)
                    .map(|v| format!(" (it came with criterion {}.{})", v.major, v.minor))
                    .unwrap_or_default()
            ));
        };
        if !takes_value {
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => match iter.next() {
                Some(v) => v.clone(),
                None => return Err(format!("`--{name}` in `args` needs a value")),
            },
        };
        check_value(name, &value, version)?;
    }
    Ok(())
}

fn first_release(name: &str) -> Option<CriterionVersion> {
    FLAGS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, v, _)| *v)
}

fn check_value(name: &str, value: &str, version: CriterionVersion) -> Result<(), String> {
    if COUNT_FLAGS.contains(&name) {
        return match value.parse::<u64>() {
            Ok(n) if n > 0 => Ok(()),
            _ => Err(format!(
                "`--{name} {value}` in `args`: expected a positive whole number"
            )),
        };
    }
    if SECONDS_FLAGS.contains(&name) {
        if version.fractional_seconds() {
            return match value.parse::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 => Ok(()),
                _ => Err(format!(
                    "`--{name} {value}` in `args`: expected a positive number of seconds"
                )),
            };
        }
        return match value.parse::<u64>() {
            Ok(n) if n > 0 => Ok(()),
            _ => Err(format!(
                "`--{name} {value}` in `args`: criterion {version} accepts whole seconds only \
                 (1, 2, …); write a whole number, or upgrade criterion to 0.4 or later"
            )),
        };
    }
    Ok(())
}

/// A time for `--warm-up-time`/`--measurement-time` as `version` parses it: whole seconds for
/// 0.3 (an error for anything else), decimal seconds from 0.4.
pub fn seconds_arg(duration: Duration, version: CriterionVersion) -> Result<String, String> {
    if duration.is_zero() {
        return Err("must be more than zero".into());
    }
    if version.fractional_seconds() {
        let text = format!("{:.3}", duration.as_secs_f64());
        let text = text.trim_end_matches('0').trim_end_matches('.');
        return Ok(text.to_string());
    }
    if duration.subsec_nanos() == 0 {
        Ok(duration.as_secs().to_string())
    } else {
        Err(format!(
            "criterion {version} accepts whole seconds only, found {}; write \"1s\", \"2s\", …, \
             or upgrade criterion to 0.4 or later",
            describe(duration)
        ))
    }
}

/// `100ms`, `1.5s`, for messages.
pub fn describe(duration: Duration) -> String {
    if duration.subsec_millis() != 0 && duration.as_secs() == 0 {
        format!("{}ms", duration.as_millis())
    } else {
        let text = format!("{:.3}", duration.as_secs_f64());
        format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> CriterionVersion {
        CriterionVersion::parse(text).unwrap()
    }

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_versions() {
        assert_eq!(v("0.3.6"), CriterionVersion::new(3, 6));
        assert_eq!(v("0.5.1-alpha.1"), CriterionVersion::new(5, 1));
        for bad in ["0.3", "x.y.z", "0.3.6.1", ""] {
            assert_eq!(CriterionVersion::parse(bad), None, "{bad}");
        }
        assert!(!v("0.2.11").supported());
        assert!(v("0.3.0").supported() && v("0.9.0").supported());
    }

    #[test]
    fn criterion_03_takes_whole_seconds_only() {
        let old = v("0.3.6");
        assert_eq!(seconds_arg(Duration::from_secs(2), old).as_deref(), Ok("2"));
        let err = seconds_arg(Duration::from_millis(1667), old).unwrap_err();
        assert!(
            err.contains("whole seconds") && err.contains("1.667s"),
            "{err}"
        );
        assert_eq!(
            seconds_arg(Duration::from_millis(1667), v("0.4.0")).as_deref(),
            Ok("1.667")
        );
        assert_eq!(
            seconds_arg(Duration::from_millis(100), v("0.8.2")).as_deref(),
            Ok("0.1")
        );
        assert!(seconds_arg(Duration::ZERO, v("0.8.2")).is_err());

        let err = check_args(&args("--warm-up-time 1.000"), old).unwrap_err();
        assert!(err.contains("whole seconds"), "{err}");
        let err = check_args(&args("--measurement-time=0.5"), old).unwrap_err();
        assert!(err.contains("whole seconds"), "{err}");
        check_args(&args("--warm-up-time 1 --measurement-time=2"), old).unwrap();
        check_args(
            &args("--warm-up-time 0.2 --measurement-time=0.5"),
            v("0.4.0"),
        )
        .unwrap();
    }

    #[test]
    fn flags_are_checked_against_the_release() {
        let err = check_args(&args("--quick"), v("0.3.6")).unwrap_err();
        assert!(
            err.contains("0.3.6") && err.contains("criterion 0.4"),
            "{err}"
        );
        check_args(&args("--quick --noplot"), v("0.4.0")).unwrap();
        let err = check_args(&args("--show-output"), v("0.3.5")).unwrap_err();
        assert!(err.contains("--show-output"), "{err}");
        check_args(&args("--show-output"), v("0.3.6")).unwrap();
        let err = check_args(&args("--sample-sise 20"), v("0.8.2")).unwrap_err();
        assert!(err.contains("no such flag"), "{err}");
        let err = check_args(&args("--sample-size 2.5"), v("0.8.2")).unwrap_err();
        assert!(err.contains("whole number"), "{err}");
        let err = check_args(&args("--sample-size"), v("0.8.2")).unwrap_err();
        assert!(err.contains("needs a value"), "{err}");
        let err = check_args(&args("--bench"), v("0.8.2")).unwrap_err();
        assert!(err.contains("remove it"), "{err}");
        // Filters and short flags pass.
        check_args(&args("parse -n --sample-size 10 fib"), v("0.3.0")).unwrap();
        // A value that looks like a flag is a value.
        check_args(&args("--save-baseline --x"), v("0.3.0")).unwrap();
    }

    #[test]
    fn every_flag_of_the_newest_release_is_known() {
        let names: Vec<&str> = CriterionVersion::NEWEST_KNOWN
            .flags()
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(names.len(), FLAGS.len());
        assert_eq!(v("0.3.0").flags().len(), 17);
    }
}
