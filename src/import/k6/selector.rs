//! Names in k6 outputs: metric keys with tag filters (`http_req_duration{name:slow}`), the
//! statistics of a metric (`avg`, `p(95)`, `rate` …), threshold expressions (`p(95)<300`) and the
//! selectors callers pass to ask for extra series or statistics.

use std::fmt;

/// A k6 metric or sub-metric: the metric name and the tag filter of a sub-metric, in the order the
/// user wrote it. Keys and values are trimmed and unquoted the way k6 parses them, so
/// `http_req_duration{name:"slow", method:GET}` and `http_req_duration{name:slow,method:GET}` are
/// the same key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct MetricKey {
    pub name: String,
    pub tags: Vec<(String, String)>,
}

impl MetricKey {
    /// An untagged metric.
    pub fn plain(name: &str) -> MetricKey {
        MetricKey {
            name: name.to_string(),
            tags: Vec::new(),
        }
    }

    /// Parses a summary key or sub-metric name: `metric` or `metric{k:v,k2:v2}`.
    pub fn parse(text: &str) -> MetricKey {
        let text = text.trim();
        match text.split_once('{') {
            Some((name, rest)) if rest.ends_with('}') => MetricKey {
                name: name.trim().to_string(),
                tags: parse_tag_filter(&rest[..rest.len() - 1]),
            },
            _ => MetricKey::plain(text),
        }
    }

    /// True for a sub-metric (a tag filter is present).
    pub fn is_sub(&self) -> bool {
        !self.tags.is_empty()
    }

    /// Whether a point with these tags belongs to this (sub-)metric: every filter tag present
    /// with the same value (k6's `Tags.Contains`).
    pub fn matches<'a>(&self, mut lookup: impl FnMut(&str) -> Option<&'a str>) -> bool {
        self.tags.iter().all(|(k, v)| lookup(k) == Some(v.as_str()))
    }
}

impl fmt::Display for MetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.tags.is_empty() {
            f.write_str("{")?;
            for (i, (k, v)) in self.tags.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{k}:{v}")?;
            }
            f.write_str("}")?;
        }
        Ok(())
    }
}

/// k6's own parsing of a sub-metric filter: comma-separated `key:value`, each side trimmed of
/// spaces and then of quotes; a key without value filters on the empty value.
fn parse_tag_filter(text: &str) -> Vec<(String, String)> {
    let unquote = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
    text.split(',')
        .filter(|kv| !kv.trim().is_empty())
        .map(|kv| match kv.split_once(':') {
            Some((k, v)) => (unquote(k), unquote(v)),
            None => (unquote(kv), String::new()),
        })
        .collect()
}

/// One statistic of a k6 metric.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stat {
    Avg,
    Min,
    Med,
    Max,
    /// `p(N)`; `fraction` is N/100.
    Percentile {
        fraction: f64,
    },
    /// A trend's sample count, or a counter's sum.
    Count,
    /// A counter's per-second rate, or a rate metric's fraction of non-zero samples.
    Rate,
    /// A gauge's last value.
    Value,
}

impl Stat {
    /// Parses a stat name as k6 writes it (`avg`, `p(99.9)`, `count` …).
    pub fn parse(text: &str) -> Option<Stat> {
        let text = text.trim();
        Some(match text {
            "avg" => Stat::Avg,
            "min" => Stat::Min,
            "med" => Stat::Med,
            "max" => Stat::Max,
            "count" => Stat::Count,
            "rate" => Stat::Rate,
            "value" => Stat::Value,
            _ => {
                let inner = text.strip_prefix("p(")?.strip_suffix(')')?.trim();
                let n: f64 = inner.parse().ok()?;
                if !(0.0..=100.0).contains(&n) || !inner.starts_with(|c: char| c.is_ascii_digit()) {
                    return None;
                }
                Stat::Percentile {
                    fraction: n / 100.0,
                }
            }
        })
    }

    /// The percentile fraction this stat is, `med` included.
    pub fn quantile(&self) -> Option<f64> {
        match self {
            Stat::Med => Some(0.5),
            Stat::Percentile { fraction } => Some(*fraction),
            _ => None,
        }
    }

    /// Sort order within one metric: the usual k6 column order.
    pub fn order(&self) -> (u8, f64) {
        match self {
            Stat::Avg => (0, 0.0),
            Stat::Min => (1, 0.0),
            Stat::Med => (2, 0.0),
            Stat::Max => (3, 0.0),
            Stat::Percentile { fraction } => (4, *fraction),
            Stat::Count => (5, 0.0),
            Stat::Rate => (6, 0.0),
            Stat::Value => (7, 0.0),
        }
    }
}

impl fmt::Display for Stat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stat::Avg => f.write_str("avg"),
            Stat::Min => f.write_str("min"),
            Stat::Med => f.write_str("med"),
            Stat::Max => f.write_str("max"),
            // Shortest round-trip form: p(95), p(99.9); the same for `p(95.0)` and `p(95)`.
            Stat::Percentile { fraction } => write!(f, "p({})", round_percent(*fraction * 100.0)),
            Stat::Count => f.write_str("count"),
            Stat::Rate => f.write_str("rate"),
            Stat::Value => f.write_str("value"),
        }
    }
}

/// Undoes the binary noise of `n / 100 * 100` so `p(99.9)` prints as written.
fn round_percent(p: f64) -> f64 {
    let rounded = (p * 1e9).round() / 1e9;
    if (rounded - p).abs() < 1e-9 {
        rounded
    } else {
        p
    }
}

/// The trend statistics k6 prints by default (`summaryTrendStats`).
pub(crate) fn default_trend_stats() -> Vec<Stat> {
    vec![
        Stat::Avg,
        Stat::Min,
        Stat::Med,
        Stat::Max,
        Stat::Percentile { fraction: 0.90 },
        Stat::Percentile { fraction: 0.95 },
    ]
}

/// The statistic a threshold expression aggregates: `p(95)` of `p(95) < 300`, `rate` of
/// `rate<0.01`. `None` when the expression does not start with a known statistic.
pub(crate) fn threshold_stat(expression: &str) -> Option<Stat> {
    let end = expression.find(['<', '>', '=', '!'])?;
    Stat::parse(&expression[..end])
}

/// A caller's request for a series or statistic: `[k6/<name>/]<metric>[{tags}][/<stat>]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wanted {
    pub key: MetricKey,
    pub stat: Option<Stat>,
}

/// Parses a wanted selector for the k6 label `name`. Ids of another k6 label, of another
/// source, and globs are not selectors and give `None` (globs are matched against the ids the
/// import produces instead).
pub(crate) fn parse_wanted(text: &str, name: &str) -> Option<Wanted> {
    // A budget glob spells literal braces `\{…\}`; as a selector they are just braces.
    let unescaped: String;
    let text = if text.contains('\\') {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                c if "*?[".contains(c) => return None,
                c => out.push(c),
            }
        }
        unescaped = out;
        unescaped.trim()
    } else {
        text.trim()
    };
    let rest = match text.strip_prefix("k6/") {
        Some(after) => after.strip_prefix(name)?.strip_prefix('/')?,
        None if text.contains('/') && !text.contains('{') => {
            // `other-source/…` or `metric/stat`: only the latter is ours.
            let (metric, stat) = text.rsplit_once('/')?;
            return (!metric.contains('/') && Stat::parse(stat).is_some()).then(|| Wanted {
                key: MetricKey::parse(metric),
                stat: Stat::parse(stat),
            });
        }
        None => text,
    };
    if rest.is_empty() || rest.contains(['*', '?', '[']) {
        return None;
    }
    // The stat is after the last `/` outside the braces (tag values may hold `/`).
    let (metric, stat) = match rest.rsplit_once('/') {
        Some((metric, stat)) if !stat.contains('}') => match Stat::parse(stat) {
            Some(stat) => (metric, Some(stat)),
            None => return None,
        },
        _ => (rest, None),
    };
    if metric.is_empty() {
        return None;
    }
    Some(Wanted {
        key: MetricKey::parse(metric),
        stat,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_like_k6_and_print_canonically() {
        let k = MetricKey::parse(r#"http_req_duration{name:"https://x/y", method:GET}"#);
        assert_eq!(k.name, "http_req_duration");
        assert_eq!(
            k.tags,
            vec![
                ("name".into(), "https://x/y".into()),
                ("method".into(), "GET".into())
            ]
        );
        assert_eq!(
            k.to_string(),
            "http_req_duration{name:https://x/y,method:GET}"
        );
        assert_eq!(
            MetricKey::parse("http_req_duration{expected_response:true}").to_string(),
            "http_req_duration{expected_response:true}"
        );
        assert_eq!(MetricKey::parse("vus").to_string(), "vus");
        // Not a filter: kept whole rather than guessed at.
        assert_eq!(MetricKey::parse("odd{name").to_string(), "odd{name");
    }

    #[test]
    fn stats_parse_and_print() {
        for s in [
            "avg", "min", "med", "max", "p(95)", "p(99.9)", "p(0)", "p(100)", "count", "rate",
            "value",
        ] {
            assert_eq!(Stat::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Stat::parse("p(95.0)").unwrap().to_string(), "p(95)");
        assert_eq!(Stat::parse("p(99.99)").unwrap().to_string(), "p(99.99)");
        for bad in ["p(101)", "p(-1)", "p(x)", "p95", "mean", "p(NaN)", "p(inf)"] {
            assert!(Stat::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn threshold_expressions_name_their_stat() {
        assert_eq!(threshold_stat("p(95)<300"), Stat::parse("p(95)"));
        assert_eq!(threshold_stat("p(99.9) < 5000"), Stat::parse("p(99.9)"));
        assert_eq!(threshold_stat("rate<0.01"), Some(Stat::Rate));
        assert_eq!(threshold_stat("count>=10"), Some(Stat::Count));
        assert_eq!(threshold_stat("nonsense"), None);
    }

    #[test]
    fn wanted_selectors() {
        let w = parse_wanted("k6/api/http_req_duration{name:slow}/p(99)", "api").unwrap();
        assert_eq!(w.key.to_string(), "http_req_duration{name:slow}");
        assert_eq!(w.stat, Stat::parse("p(99)"));
        let w = parse_wanted("http_req_duration{url:http://x/y}", "api").unwrap();
        assert_eq!(w.key.to_string(), "http_req_duration{url:http://x/y}");
        assert_eq!(w.stat, None);
        let w = parse_wanted("http_req_duration/p(99.9)", "api").unwrap();
        assert_eq!(w.key.to_string(), "http_req_duration");
        assert_eq!(w.stat, Stat::parse("p(99.9)"));
        assert!(parse_wanted("k6/web/http_req_duration/p(95)", "api").is_none());
        assert!(parse_wanted("criterion/parse/1000", "api").is_none());
        assert!(parse_wanted("k6/api/*/p(95)", "api").is_none());
        assert!(parse_wanted("k6/api/http_req_duration/p(9x)", "api").is_none());
        let w = parse_wanted(r"k6/api/http_req_duration\{name:slow\}/p(95)", "api").unwrap();
        assert_eq!(w.key.to_string(), "http_req_duration{name:slow}");
        assert!(parse_wanted(r"k6/api/http_req_duration\{name:*\}/p(95)", "api").is_none());
    }
}
