//! The fast path of the NDJSON reader: a byte scanner for the one line shape k6 ≥0.41 writes
//! for every sample, `{"metric":"…","type":"Point","data":{"time":"…","value":N,"tags":{…}…}}`,
//! which reads the metric name, time and value in place and only remembers where the tags are.
//! Anything it does not recognise (other key orders, escapes in the name, `NaN`, truncation)
//! returns `None` and goes to the serde path, so the scanner never has to be complete, only
//! right about what it accepts.

use std::borrow::Cow;

use memchr::{memchr, memchr2};

/// A sample read by the fast path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FastPoint<'a> {
    pub metric: &'a [u8],
    pub time_ns: i64,
    pub value: f64,
    /// The raw `tags` object, braces included; `None` when absent or `null`.
    pub tags: Option<&'a [u8]>,
}

const HEAD: &[u8] = br#"{"metric":""#;
const TYPE_POINT: &[u8] = br#"","type":"Point","data":{"time":""#;
const VALUE: &[u8] = br#"","value":"#;

/// Reads a `Point` line in k6's own layout, or returns `None`.
pub(crate) fn parse_point(line: &[u8]) -> Option<FastPoint<'_>> {
    let rest = line.strip_prefix(HEAD)?;
    let q = memchr(b'"', rest)?;
    let metric = &rest[..q];
    if memchr(b'\\', metric).is_some() {
        return None;
    }
    let rest = rest[q..].strip_prefix(TYPE_POINT)?;
    let q = memchr(b'"', rest)?;
    let time_ns = parse_time(&rest[..q])?;
    let rest = rest[q..].strip_prefix(VALUE)?;
    let end = rest.iter().position(|&b| b == b',' || b == b'}')?;
    let value = parse_number(&rest[..end])?;
    // The rest of `data`: any further members, of which only `tags` is kept; then the line
    // must close exactly, which is what catches a truncated last line.
    let mut pos = end;
    let mut tags = None;
    loop {
        match *rest.get(pos)? {
            b'}' => {
                pos += 1;
                break;
            }
            b',' => {
                let key_start = pos + 1;
                if rest.get(key_start) != Some(&b'"') {
                    return None;
                }
                let key_end = skip_string(rest, key_start)?;
                if rest.get(key_end) != Some(&b':') {
                    return None;
                }
                let value_end = skip_value(rest, key_end + 1)?;
                if &rest[key_start..key_end] == b"\"tags\"" && rest[key_end + 1] == b'{' {
                    tags = Some(&rest[key_end + 1..value_end]);
                }
                pos = value_end;
            }
            _ => return None,
        }
    }
    (rest.get(pos) == Some(&b'}') && pos + 1 == rest.len()).then_some(FastPoint {
        metric,
        time_ns,
        value,
        tags,
    })
}

/// A JSON number that is a finite f64. Rust's parser also accepts `NaN`, `inf` and `+1`; JSON
/// does not, and k6 ≤1.x writes bare `NaN`/`+Inf` tokens that make the line invalid.
pub(crate) fn parse_number(bytes: &[u8]) -> Option<f64> {
    let first = *bytes.first()?;
    if !(first == b'-' || first.is_ascii_digit()) {
        return None;
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    let x: f64 = std::str::from_utf8(bytes).ok()?.parse().ok()?;
    x.is_finite().then_some(x)
}

/// Index just past the string starting at `start` (which must be `"`).
fn skip_string(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i += memchr2(b'"', b'\\', bytes.get(i..)?)?;
        if bytes[i] == b'\\' {
            i += 2;
        } else {
            return Some(i + 1);
        }
    }
}

/// Index just past the JSON value starting at `start`: strings, objects and arrays are
/// skipped structurally (strings with escapes, nesting by depth); scalars up to the next
/// delimiter.
fn skip_value(bytes: &[u8], start: usize) -> Option<usize> {
    match *bytes.get(start)? {
        b'"' => skip_string(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            loop {
                match *bytes.get(i)? {
                    b'"' => {
                        i = skip_string(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let len = bytes[start..]
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']'))?;
            let token = &bytes[start..start + len];
            (token == b"null"
                || token == b"true"
                || token == b"false"
                || parse_number(token).is_some())
            .then_some(start + len)
        }
    }
}

/// The members of a flat `{"key":"value",…}` tags object, unescaped. `None` when the object is
/// not flat strings (then the line is not what k6 writes).
pub(crate) fn parse_tags(raw: &[u8]) -> Option<Vec<(Cow<'_, str>, Cow<'_, str>)>> {
    let mut out = Vec::new();
    let mut i = 1;
    if raw.first() != Some(&b'{') {
        return None;
    }
    if raw.get(1) == Some(&b'}') {
        return Some(out);
    }
    loop {
        let key_end = skip_string(raw, i)?;
        let key = unescape(raw.get(i..key_end)?)?;
        if raw.get(key_end) != Some(&b':') || raw.get(key_end + 1) != Some(&b'"') {
            return None;
        }
        let value_end = skip_string(raw, key_end + 1)?;
        let value = unescape(&raw[key_end + 1..value_end])?;
        out.push((key, value));
        match raw.get(value_end)? {
            b',' => i = value_end + 1,
            b'}' => return Some(out),
            _ => return None,
        }
    }
}

/// A quoted JSON string's content: borrowed when it has no escapes.
fn unescape(quoted: &[u8]) -> Option<Cow<'_, str>> {
    if quoted.len() < 2 || quoted[0] != b'"' {
        return None;
    }
    let inner = &quoted[1..quoted.len() - 1];
    if memchr(b'\\', inner).is_none() {
        return std::str::from_utf8(inner).ok().map(Cow::Borrowed);
    }
    serde_json::from_slice::<String>(quoted)
        .ok()
        .map(Cow::Owned)
}

/// RFC 3339 time with optional fraction and `Z` or `±hh:mm` offset (k6 writes the machine's
/// local offset), as nanoseconds since the Unix epoch. Hand-written because it runs once per
/// line; `jiff` is the fallback for anything unusual.
pub(crate) fn parse_time(s: &[u8]) -> Option<i64> {
    fast_time(s).or_else(|| {
        let text = std::str::from_utf8(s).ok()?;
        let ts: jiff::Timestamp = text.parse().ok()?;
        i64::try_from(ts.as_nanosecond()).ok()
    })
}

fn fast_time(s: &[u8]) -> Option<i64> {
    if s.len() < 20
        || s[4] != b'-'
        || s[7] != b'-'
        || s[10] != b'T'
        || s[13] != b':'
        || s[16] != b':'
    {
        return None;
    }
    let num = |a: usize, b: usize| -> Option<i64> {
        s[a..b].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0i64;
    if s[i] == b'.' {
        i += 1;
        let start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + i64::from(s[i] - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..9 {
            nanos *= 10;
        }
    }
    let offset_seconds = match s.get(i..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let h = i64::from(h1 - b'0') * 10 + i64::from(h2 - b'0');
            let m = i64::from(m1 - b'0') * 10 + i64::from(m2 - b'0');
            let off = h * 3600 + m * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    // Nanoseconds in an i64 reach only the years 1677–2262: a year outside (a damaged line) is
    // not a time, never an overflow.
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &[u8] = br#"{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-24T18:14:08.517039856Z","value":21.978383,"tags":{"expected_response":"true","group":"","name":"slow","status":"200"}}}"#;

    #[test]
    fn reads_k6_point_lines() {
        let p = parse_point(LINE).unwrap();
        assert_eq!(p.metric, b"http_req_duration");
        assert_eq!(p.value, 21.978383);
        let expected: jiff::Timestamp = "2026-11-24T18:14:08.517039856Z".parse().unwrap();
        assert_eq!(i128::from(p.time_ns), expected.as_nanosecond());
        let tags = parse_tags(p.tags.unwrap()).unwrap();
        assert_eq!(tags.len(), 4);
        assert_eq!(tags[2], ("name".into(), "slow".into()));
        // metadata after tags, null tags, no tags, exponent values.
        let with_meta = br#"{"metric":"vus","type":"Point","data":{"time":"2024-02-21T16:43:55.731642359-03:00","value":1e+06,"tags":null,"metadata":{"vu":"1","iter":"0"}}}"#;
        let p = parse_point(with_meta).unwrap();
        assert_eq!(p.value, 1e6);
        assert_eq!(p.tags, None);
        let expected: jiff::Timestamp = "2024-02-21T16:43:55.731642359-03:00".parse().unwrap();
        assert_eq!(i128::from(p.time_ns), expected.as_nanosecond());
        let bare = br#"{"metric":"vus","type":"Point","data":{"time":"2024-02-21T16:43:55Z","value":-2.5}}"#;
        assert_eq!(parse_point(bare).unwrap().value, -2.5);
    }

    #[test]
    fn refuses_what_it_does_not_fully_see() {
        let nan = String::from_utf8_lossy(LINE).replace("21.978383", "NaN");
        assert!(parse_point(nan.as_bytes()).is_none());
        for inf in ["+Inf", "-Inf", "inf", "1e999"] {
            let l = String::from_utf8_lossy(LINE).replace("21.978383", inf);
            assert!(parse_point(l.as_bytes()).is_none(), "{inf}");
        }
        for cut in [10, 60, 100, 120, LINE.len() - 1, LINE.len() - 2] {
            assert!(parse_point(&LINE[..cut]).is_none(), "cut at {cut}");
        }
        // Other key order (k6 < 0.41) and escaped names go to the serde path.
        let old = br#"{"type":"Point","data":{"time":"2024-02-21T16:43:55Z","value":1,"tags":{}},"metric":"vus"}"#;
        assert!(parse_point(old).is_none());
        let esc =
            br#"{"metric":"a\"b","type":"Point","data":{"time":"2024-02-21T16:43:55Z","value":1}}"#;
        assert!(parse_point(esc).is_none());
        let trailing = [LINE, b"}"].concat();
        assert!(parse_point(&trailing).is_none());
    }

    #[test]
    fn tags_with_escapes_and_braces_in_values() {
        let raw = br#"{"url":"http://x/?a=1\u0026b={2}","name":"q\"uote"}"#;
        let tags = parse_tags(raw).unwrap();
        assert_eq!(tags[0].1, "http://x/?a=1&b={2}");
        assert_eq!(tags[1].1, "q\"uote");
        let line = format!(
            r#"{{"metric":"m","type":"Point","data":{{"time":"2024-02-21T16:43:55Z","value":3,"tags":{}}}}}"#,
            String::from_utf8_lossy(raw)
        );
        let p = parse_point(line.as_bytes()).unwrap();
        assert_eq!(p.tags.unwrap(), raw);
        assert_eq!(parse_tags(b"{}").unwrap().len(), 0);
        assert!(parse_tags(br#"{"a":1}"#).is_none());
    }

    #[test]
    fn times_match_jiff() {
        for t in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59.5Z",
            "1969-12-31T23:59:59.999999999Z",
            "2026-03-01T00:00:00.1+05:30",
            "2099-12-31T10:00:00.000000001-11:00",
        ] {
            let expected: jiff::Timestamp = t.parse().unwrap();
            assert_eq!(
                fast_time(t.as_bytes()).map(i128::from),
                Some(expected.as_nanosecond()),
                "{t}"
            );
        }
        assert_eq!(fast_time(b"2026-13-01T00:00:00Z"), None);
        assert_eq!(fast_time(b"2026-01-01T00:00:00"), None);
        // Beyond what nanoseconds in an i64 hold (a damaged year): no time, no overflow.
        assert_eq!(fast_time(b"0026-01-01T00:00:00Z"), None);
        assert_eq!(parse_time(b"9999-12-31T23:59:59.5Z"), None);
        assert_eq!(parse_time(b"not a time"), None);
    }
}
