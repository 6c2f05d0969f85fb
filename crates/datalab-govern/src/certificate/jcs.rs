//! RFC 8785 JSON Canonicalization Scheme (JCS) of a [`serde_json::Value`].
//!
//! - Objects: members sorted by their names compared as arrays of UTF-16 code units
//!   (RFC 8785 §3.2.3), no whitespace anywhere.
//! - Strings: only `"`, `\` and the control characters U+0000–U+001F are escaped; `\b \t \n
//!   \f \r` in their short forms, the others as `\u00xx` with lower-case hex (§3.2.2.2).
//!   Everything else, including non-ASCII, is written as UTF-8.
//! - Numbers: every number is an IEEE 754 double printed exactly as ECMAScript's
//!   `Number.prototype.toString` does (§3.2.2.3). Integers above 2^53 are first rounded to a
//!   double, as an ECMAScript parser would. NaN and the infinities have no JSON form and are
//!   refused (a `serde_json::Value` cannot hold them anyway).

use serde_json::{Map, Number, Value};

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JcsError {
    #[error("the number {0} is not finite; JSON (RFC 8785) has no form for NaN or Infinity")]
    NotFinite(String),
}

/// The canonical text of `value`.
pub fn canonicalize(value: &Value) -> Result<String, JcsError> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out)
}

/// The canonical UTF-8 bytes of `value` (what is hashed).
pub fn canonical_bytes(value: &Value) -> Result<Vec<u8>, JcsError> {
    canonicalize(value).map(String::into_bytes)
}

/// An IEEE 754 double as ECMAScript `Number.prototype.toString` prints it (RFC 8785 §3.2.2.3);
/// minus zero prints as `0`.
pub fn number_to_string(x: f64) -> Result<String, JcsError> {
    if !x.is_finite() {
        return Err(JcsError::NotFinite(format!("{x}")));
    }
    if x == 0.0 {
        // Both +0 and -0.
        return Ok("0".to_string());
    }
    let mut buf = ryu_js::Buffer::new();
    Ok(buf.format_finite(x).to_string())
}

fn number_text(n: &Number) -> Result<String, JcsError> {
    // u64/i64 → f64 rounds to the nearest double, which is what an ECMAScript parser does with
    // the same digits.
    let x = if let Some(u) = n.as_u64() {
        u as f64
    } else if let Some(i) = n.as_i64() {
        i as f64
    } else {
        n.as_f64()
            .ok_or_else(|| JcsError::NotFinite(n.to_string()))?
    };
    number_to_string(x)
}

fn write_value(out: &mut String, value: &Value) -> Result<(), JcsError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&number_text(n)?),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map)?,
    }
    Ok(())
}

fn write_object(out: &mut String, map: &Map<String, Value>) -> Result<(), JcsError> {
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    out.push('{');
    for (i, (name, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, name);
        out.push(':');
        write_value(out, value)?;
    }
    out.push('}');
    Ok(())
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let v = c as u32;
                out.push_str("\\u00");
                out.push(HEX[(v >> 4) as usize] as char);
                out.push(HEX[(v & 0xf) as usize] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        canonicalize(&serde_json::from_str::<Value>(text).unwrap()).unwrap()
    }

    /// RFC 8785 §3.2.2 (the sample input) and §3.2.3 (its canonical output).
    #[test]
    fn rfc8785_sample() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50,
                      2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        assert_eq!(
            canon(input),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    /// RFC 8785 §3.2.3: sorting by UTF-16 code units (the emoji's surrogates sort before
    /// U+FB33 although its code point is larger).
    #[test]
    fn rfc8785_sorting() {
        let input = r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        assert_eq!(
            canon(input),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
             \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
             \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
    }

    /// RFC 8785 Appendix B: every sample of the number table.
    #[test]
    fn rfc8785_appendix_b_numbers() {
        let table = [
            (0x0000000000000000u64, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, want) in table {
            assert_eq!(
                number_to_string(f64::from_bits(bits)).unwrap(),
                want,
                "{bits:016x}"
            );
        }
        for bits in [
            0x7fffffffffffffffu64,
            0x7ff0000000000000,
            0xfff0000000000000,
        ] {
            assert!(
                number_to_string(f64::from_bits(bits)).is_err(),
                "{bits:016x}"
            );
        }
    }

    #[test]
    fn integers_are_doubles() {
        assert_eq!(
            canon("[0, -0, 1, -1, 100, 1e2, 1.0, 9007199254740993]"),
            "[0,0,1,-1,100,100,1,9007199254740992]"
        );
        assert_eq!(
            canon("[18446744073709551615, -9223372036854775808]"),
            "[18446744073709552000,-9223372036854776000]"
        );
        assert_eq!(
            canon("[1e21, 1e20, 0.1, 1e-7]"),
            "[1e+21,100000000000000000000,0.1,1e-7]"
        );
    }

    #[test]
    fn strings_escape_only_what_rfc8785_escapes() {
        let v = Value::String("\u{0}\u{1f}\u{7f}\u{2028}/<é\u{8}\u{c}".into());
        assert_eq!(
            canonicalize(&v).unwrap(),
            "\"\\u0000\\u001f\u{7f}\u{2028}/<é\\b\\f\""
        );
    }

    #[test]
    fn nested_and_empty() {
        assert_eq!(
            canon(r#"{ "b": [ {}, [], {"z": 1, "a": {"y": null, "x": "1"}} ], "a": "" }"#),
            r#"{"a":"","b":[{},[],{"a":{"x":"1","y":null},"z":1}]}"#
        );
    }
}
