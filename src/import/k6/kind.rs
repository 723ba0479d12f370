//! k6's metric types and value kinds, and what they mean in our model: the unit and the better
//! direction of every statistic, and which count of a rate metric is the "failure".

use super::selector::Stat;
use crate::model::{Direction, Unit};

/// k6's four metric types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum K6Type {
    Counter,
    Gauge,
    Rate,
    Trend,
}

impl K6Type {
    pub fn parse(text: &str) -> Option<K6Type> {
        match text {
            "counter" => Some(K6Type::Counter),
            "gauge" => Some(K6Type::Gauge),
            "rate" => Some(K6Type::Rate),
            "trend" => Some(K6Type::Trend),
            _ => None,
        }
    }
}

/// What a metric's values are (`contains` in k6): milliseconds, bytes or plain numbers.
/// `Unknown` when the output does not say (the legacy `--summary-export` has no `contains`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contains {
    Time,
    Data,
    Default,
    Unknown,
}

impl Contains {
    pub fn parse(text: &str) -> Option<Contains> {
        match text {
            "time" => Some(Contains::Time),
            "data" => Some(Contains::Data),
            "default" => Some(Contains::Default),
            _ => None,
        }
    }

    /// What k6's built-in metrics contain, for outputs that do not say; `Unknown` for custom
    /// metrics.
    pub fn of_builtin(name: &str) -> Contains {
        const TIME: &[&str] = &[
            "iteration_duration",
            "group_duration",
            "ws_connecting",
            "ws_session_duration",
            "ws_ping",
            "grpc_req_duration",
            "browser_web_vital_fcp",
            "browser_web_vital_lcp",
            "browser_web_vital_inp",
            "browser_web_vital_fid",
            "browser_web_vital_ttfb",
            "browser_http_req_duration",
        ];
        const DEFAULT: &[&str] = &[
            "http_reqs",
            "http_req_failed",
            "iterations",
            "dropped_iterations",
            "checks",
            "vus",
            "vus_max",
            "browser_web_vital_cls",
            "ws_msgs_sent",
            "ws_msgs_received",
            "ws_sessions",
            "grpc_streams",
            "grpc_streams_msgs_sent",
            "grpc_streams_msgs_received",
            "browser_http_req_failed",
        ];
        if name.starts_with("http_req_") && name != "http_req_failed" || TIME.contains(&name) {
            Contains::Time
        } else if name == "data_sent"
            || name == "data_received"
            || name.starts_with("browser_data_")
        {
            Contains::Data
        } else if DEFAULT.contains(&name) {
            Contains::Default
        } else {
            Contains::Unknown
        }
    }
}

/// Words in a custom metric's name that say larger values are bad (`errors`, `failed_logins`).
fn names_bad_events(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "fail", "error", "drop", "timeout", "reject", "retr", "abort",
    ]
    .iter()
    .any(|w| name.contains(w))
}

/// The unit of statistic `stat` of a metric of this type and content.
pub(crate) fn unit_for(name: &str, kind: K6Type, contains: Contains, stat: &Stat) -> Unit {
    let measured = match contains {
        Contains::Time => Unit::Milliseconds,
        Contains::Data => Unit::Bytes,
        Contains::Default | Contains::Unknown => Unit::Unitless,
    };
    match (kind, stat) {
        (K6Type::Trend, Stat::Count) => Unit::Count,
        (K6Type::Trend, _) => measured,
        (K6Type::Counter, Stat::Rate) if contains == Contains::Data => Unit::BytesPerSecond,
        (K6Type::Counter, Stat::Rate) => Unit::PerSecond,
        (K6Type::Counter, _) if contains == Contains::Data => Unit::Bytes,
        (K6Type::Counter, _) => Unit::Count,
        (K6Type::Rate, _) => Unit::Fraction,
        (K6Type::Gauge, _) if matches!(name, "vus" | "vus_max") => Unit::Count,
        (K6Type::Gauge, _) => measured,
    }
}

/// Which way is better for statistic `stat` of metric `name`: durations, failures and errors
/// lower; throughput (`http_reqs`, `iterations`, data), check pass rates and sample counts
/// higher. Custom metrics follow their name (`errors` lower, `orders` higher); a budget can
/// override the direction.
pub(crate) fn direction_for(name: &str, kind: K6Type, stat: &Stat) -> Direction {
    match kind {
        K6Type::Trend if *stat == Stat::Count => Direction::Higher,
        K6Type::Trend => Direction::Lower,
        K6Type::Gauge if matches!(name, "vus" | "vus_max") => Direction::Higher,
        K6Type::Gauge => Direction::Lower,
        K6Type::Counter | K6Type::Rate if names_bad_events(name) => Direction::Lower,
        K6Type::Counter | K6Type::Rate => Direction::Higher,
    }
}

/// For a rate metric with `matches` non-zero samples out of `total`: the failures, i.e. the
/// samples whose increase is bad. k6 calls the non-zero samples "passes", so for
/// `http_req_failed` the passes ARE the failed requests, while for `checks` they are the
/// passed checks and the failures are k6's "fails".
pub(crate) fn failures(direction: Direction, matches: u64, total: u64) -> u64 {
    match direction {
        Direction::Lower => matches,
        Direction::Higher => total.saturating_sub(matches),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_directions_of_builtins() {
        let p95 = Stat::parse("p(95)").unwrap();
        assert_eq!(
            unit_for("http_req_duration", K6Type::Trend, Contains::Time, &p95),
            Unit::Milliseconds
        );
        assert_eq!(
            direction_for("http_req_duration", K6Type::Trend, &p95),
            Direction::Lower
        );
        assert_eq!(
            unit_for("http_reqs", K6Type::Counter, Contains::Default, &Stat::Rate),
            Unit::PerSecond
        );
        assert_eq!(
            direction_for("http_reqs", K6Type::Counter, &Stat::Rate),
            Direction::Higher
        );
        assert_eq!(
            unit_for(
                "data_received",
                K6Type::Counter,
                Contains::Data,
                &Stat::Rate
            ),
            Unit::BytesPerSecond
        );
        assert_eq!(
            unit_for(
                "data_received",
                K6Type::Counter,
                Contains::Data,
                &Stat::Count
            ),
            Unit::Bytes
        );
        assert_eq!(
            direction_for("http_req_failed", K6Type::Rate, &Stat::Rate),
            Direction::Lower
        );
        assert_eq!(
            direction_for("checks", K6Type::Rate, &Stat::Rate),
            Direction::Higher
        );
        assert_eq!(
            direction_for("dropped_iterations", K6Type::Counter, &Stat::Count),
            Direction::Lower
        );
        assert_eq!(Contains::of_builtin("http_req_duration"), Contains::Time);
        assert_eq!(Contains::of_builtin("http_req_failed"), Contains::Default);
        assert_eq!(Contains::of_builtin("my_trend"), Contains::Unknown);
    }

    #[test]
    fn failures_follow_k6_rate_naming() {
        // http_req_failed: passes (non-zero) = failed requests.
        assert_eq!(failures(Direction::Lower, 2, 100), 2);
        // checks: passes = passed checks, so failures are the rest.
        assert_eq!(failures(Direction::Higher, 98, 100), 2);
    }
}
