//! Unit names as generic JSON formats write them (`ns/iter`, `ms`, `MiB`, `ops/sec`, `bytes`),
//! mapped to our [`Unit`]s. Times keep their value and take the matching unit; sizes and rates
//! are converted to bytes, bytes per second or events per second. A name that is not known here
//! becomes [`Unit::Opaque`]: its values still compare with each other (relative rules work), and
//! the import says which unit the tool meant.

use crate::model::Unit;

/// A tool's unit name, mapped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MappedUnit {
    /// Our unit.
    pub unit: Unit,
    /// What a value in the tool's unit is multiplied by to be in `unit`.
    pub factor: f64,
}

/// Maps a unit name written by a tool. Surrounding spaces and a per-iteration suffix
/// (`ns/iter`, `ms/op`) are ignored; the match is case-sensitive where case carries meaning
/// (`Mb` is not `MB`) and case-insensitive for spelled-out words (`Milliseconds`, `bytes`).
pub fn map_unit(name: &str) -> MappedUnit {
    let name = name.trim();
    let per_iteration = [
        "/iter",
        "/iteration",
        "/op",
        "/call",
        " per iteration",
        "/run",
    ]
    .iter()
    .find_map(|s| name.strip_suffix(s))
    .map(str::trim);
    let base = per_iteration.unwrap_or(name);
    if let Some(unit) = time_unit(base) {
        return MappedUnit { unit, factor: 1.0 };
    }
    if let Some(factor) = byte_factor(base) {
        return MappedUnit {
            unit: Unit::Bytes,
            factor,
        };
    }
    if per_iteration.is_none() {
        if let Some(per) = ["/s", "/sec", "/second", " per second"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .map(str::trim)
        {
            if let Some(factor) = byte_factor(per) {
                return MappedUnit {
                    unit: Unit::BytesPerSecond,
                    factor,
                };
            }
            if is_event(per) {
                return MappedUnit {
                    unit: Unit::PerSecond,
                    factor: 1.0,
                };
            }
        }
        if name == "Hz" || name.eq_ignore_ascii_case("hz") {
            return MappedUnit {
                unit: Unit::PerSecond,
                factor: 1.0,
            };
        }
    }
    MappedUnit {
        unit: Unit::Opaque,
        factor: 1.0,
    }
}

fn time_unit(name: &str) -> Option<Unit> {
    let lower = name.to_ascii_lowercase();
    Some(match name {
        "ns" => Unit::Nanoseconds,
        "us" | "µs" | "μs" => Unit::Microseconds,
        "ms" => Unit::Milliseconds,
        "s" => Unit::Seconds,
        _ => match lower.as_str() {
            "nanosecond" | "nanoseconds" | "nsec" => Unit::Nanoseconds,
            "microsecond" | "microseconds" | "usec" => Unit::Microseconds,
            "millisecond" | "milliseconds" | "msec" => Unit::Milliseconds,
            "second" | "seconds" | "sec" | "secs" => Unit::Seconds,
            _ => return None,
        },
    })
}

fn byte_factor(name: &str) -> Option<f64> {
    const KI: f64 = 1024.0;
    let lower = name.to_ascii_lowercase();
    Some(match name {
        "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => KI,
        "MiB" => KI * KI,
        "GiB" => KI * KI * KI,
        _ => match lower.as_str() {
            "byte" | "bytes" => 1.0,
            "kilobyte" | "kilobytes" => 1e3,
            "megabyte" | "megabytes" => 1e6,
            "gigabyte" | "gigabytes" => 1e9,
            "kibibyte" | "kibibytes" => KI,
            "mebibyte" | "mebibytes" => KI * KI,
            "gibibyte" | "gibibytes" => KI * KI * KI,
            _ => return None,
        },
    })
}

/// Something counted per second: operations, requests, iterations, events, items.
fn is_event(name: &str) -> bool {
    name.is_empty()
        || matches!(
            name.to_ascii_lowercase().as_str(),
            "op" | "ops"
                | "operation"
                | "operations"
                | "req"
                | "reqs"
                | "request"
                | "requests"
                | "iter"
                | "iters"
                | "iteration"
                | "iterations"
                | "event"
                | "events"
                | "item"
                | "items"
                | "element"
                | "elements"
                | "msg"
                | "msgs"
                | "message"
                | "messages"
                | "tx"
                | "txn"
                | "transactions"
                | "queries"
                | "calls"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str) -> (Unit, f64) {
        let m = map_unit(name);
        (m.unit, m.factor)
    }

    #[test]
    fn known_names_map_and_the_rest_stays_opaque() {
        assert_eq!(m("ns/iter"), (Unit::Nanoseconds, 1.0));
        assert_eq!(m(" µs "), (Unit::Microseconds, 1.0));
        assert_eq!(m("Milliseconds"), (Unit::Milliseconds, 1.0));
        assert_eq!(m("s"), (Unit::Seconds, 1.0));
        assert_eq!(m("Megabytes"), (Unit::Bytes, 1e6));
        assert_eq!(m("MiB"), (Unit::Bytes, 1024.0 * 1024.0));
        assert_eq!(m("KB"), (Unit::Bytes, 1e3));
        assert_eq!(m("ops/sec"), (Unit::PerSecond, 1.0));
        assert_eq!(m("req/s"), (Unit::PerSecond, 1.0));
        assert_eq!(m("/s"), (Unit::PerSecond, 1.0));
        assert_eq!(m("MB/s"), (Unit::BytesPerSecond, 1e6));
        assert_eq!(m("GiB/s"), (Unit::BytesPerSecond, 1024.0 * 1024.0 * 1024.0));
        // Case carries meaning in abbreviations: megabits are not megabytes.
        assert_eq!(m("Mb"), (Unit::Opaque, 1.0));
        assert_eq!(m("Percent"), (Unit::Opaque, 1.0));
        assert_eq!(m("frames"), (Unit::Opaque, 1.0));
        assert_eq!(m(""), (Unit::Opaque, 1.0));
        // A rate per iteration is not a known thing.
        assert_eq!(m("ops/s/iter"), (Unit::Opaque, 1.0));
    }
}
