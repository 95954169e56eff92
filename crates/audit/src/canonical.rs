//! Canonical JSON: the exact bytes that get hashed.
//!
//! A hash is only reproducible if the bytes are. `serde_json` keeps object keys
//! in whatever order its map type has (and the `preserve_order` feature, switched
//! on anywhere in a build, changes that), and PostgreSQL `jsonb` reorders keys and
//! drops whitespace on its own terms. So the ledger never hashes "some JSON": it
//! hashes this one spelling, and the database stores that spelling verbatim as
//! text (never as `jsonb`, which would re-spell it).

use serde_json::Value;

/// The canonical spelling of `v`: object keys sorted by their UTF-8 bytes at every
/// depth, no whitespace, strings escaped the way `serde_json` escapes them (only
/// `"`, `\` and control characters; other characters stay UTF-8), numbers as
/// `serde_json` prints them (integers as integers, floats in shortest round-trip
/// form).
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

/// BLAKE3 of the canonical spelling, lowercase hex: what an entry's
/// `snapshot_hash` holds for a record snapshot.
pub fn json_hash(v: &Value) -> String {
    blake3::hash(canonical_json(v).as_bytes()).to_hex().to_string()
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, &map[k]);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    // Serialising a &str cannot fail; the fallback keeps this total anyway.
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_in_the_input_does_not_change_the_bytes() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":[3,{"q":1,"p":2}],"x":null},"c":"隐患"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "c" : "隐患", "a" : { "x" : null, "y" : [3, {"p":2, "q":1}] }, "b" : 1 }"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(canonical_json(&a), r#"{"a":{"x":null,"y":[3,{"p":2,"q":1}]},"b":1,"c":"隐患"}"#);
        assert_eq!(json_hash(&a), json_hash(&b));
    }

    #[test]
    fn array_order_is_significant() {
        assert_ne!(canonical_json(&json!([1, 2])), canonical_json(&json!([2, 1])));
    }

    #[test]
    fn scalars_and_escapes_are_spelled_one_way() {
        let v = json!({"s": "a\"b\\c\n\u{1}", "t": true, "f": false, "n": null, "i": -7, "x": 1.5, "big": u64::MAX});
        assert_eq!(canonical_json(&v), r#"{"big":18446744073709551615,"f":false,"i":-7,"n":null,"s":"a\"b\\c\n\u0001","t":true,"x":1.5}"#);
        // Parsing the canonical text back and re-spelling it is a fixed point.
        let back: Value = serde_json::from_str(&canonical_json(&v)).unwrap();
        assert_eq!(canonical_json(&back), canonical_json(&v));
    }

    #[test]
    fn keys_sort_by_bytes_not_by_locale() {
        let v = json!({"b": 1, "B": 2, "é": 3, "a": 4});
        assert_eq!(canonical_json(&v), r#"{"B":2,"a":4,"b":1,"é":3}"#);
    }
}
