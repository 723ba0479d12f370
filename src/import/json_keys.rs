//! Duplicate keys in hand-written or script-written JSON. serde_json keeps the last of two equal
//! keys and drops the first without a word; in a BMF file (`{"parse": …, "parse": …}`) or a
//! custom JSON entry (`"value": 1, "value": 2`) that would lose a measurement silently, so such a
//! document is refused, naming the key.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Checks that no object in `bytes` (a JSON document) has the same key twice. Syntax errors are
/// left to the real parse; only a duplicate is reported, as `key "name" appears twice (line L
/// column C)`.
pub fn first_duplicate(bytes: &[u8]) -> Option<String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match Unique::deserialize(&mut de) {
        Err(e) if e.is_data() => Some(e.to_string()),
        _ => None,
    }
}

struct Unique;

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("key {key:?} appears twice")));
            }
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_is_named_at_any_depth() {
        assert_eq!(
            first_duplicate(br#"{"a": {"b": 1}, "c": [1, {"d": null}]}"#),
            None
        );
        let e = first_duplicate(br#"{"a": {"latency": {"value": 1, "value": 2}}}"#).unwrap();
        assert!(
            e.contains("\"value\" appears twice") && e.contains("line 1"),
            "{e}"
        );
        let e = first_duplicate(b"{\"a\": 1,\n \"a\": 2}").unwrap();
        assert!(e.contains("\"a\"") && e.contains("line 2"), "{e}");
        // Broken JSON is the real parser's to report.
        assert_eq!(first_duplicate(br#"{"a": "#), None);
    }
}
