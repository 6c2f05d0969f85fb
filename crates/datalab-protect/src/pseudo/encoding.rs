//! Small binary-to-text encodings used by tokens, key ids and key files: hex (lowercase),
//! base32 (RFC 4648 alphabet, lowercase, no padding) and base64url (RFC 4648 §5, no padding).
//! Decoders accept what a user may paste: hex in either case, base64 in the standard or the
//! URL-safe alphabet, with or without padding.

const HEX: &[u8; 16] = b"0123456789abcdef";
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends the lowercase hex form of `bytes` to `out`.
pub fn hex_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
}

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::new();
    hex_into(bytes, &mut s);
    s
}

/// Appends the first `chars` characters of the lowercase hex form of `bytes`.
pub fn hex_prefix_into(bytes: &[u8], chars: usize, out: &mut String) {
    let chars = chars.min(bytes.len() * 2);
    // Whole bytes two characters at a time, in chunks of 64 characters (one digest).
    let mut buf = [0u8; 64];
    let mut done = 0;
    for chunk in bytes[..chars.div_ceil(2)].chunks(32) {
        for (pair, &b) in buf.chunks_exact_mut(2).zip(chunk) {
            pair[0] = HEX[usize::from(b >> 4)];
            pair[1] = HEX[usize::from(b & 15)];
        }
        let take = (chars - done).min(2 * chunk.len());
        push_ascii(out, &buf[..take]);
        done += take;
    }
}

/// Appends ASCII bytes (from the encoding alphabets) to `out`.
fn push_ascii(out: &mut String, ascii: &[u8]) {
    debug_assert!(ascii.is_ascii());
    out.push_str(std::str::from_utf8(ascii).unwrap_or_default());
}

/// Appends the first `chars` characters of the base32 form (lowercase, no padding).
pub fn base32_prefix_into(bytes: &[u8], chars: usize, out: &mut String) {
    prefix_into(bytes, chars, 5, BASE32, out)
}

/// Appends the first `chars` characters of the base64url form (no padding).
pub fn base64url_prefix_into(bytes: &[u8], chars: usize, out: &mut String) {
    prefix_into(bytes, chars, 6, BASE64URL, out)
}

pub fn base32(bytes: &[u8]) -> String {
    let mut s = String::new();
    base32_prefix_into(bytes, (bytes.len() * 8).div_ceil(5), &mut s);
    s
}

pub fn base64url(bytes: &[u8]) -> String {
    let mut s = String::new();
    base64url_prefix_into(bytes, (bytes.len() * 8).div_ceil(6), &mut s);
    s
}

/// Big-endian bit groups of `width` bits, the last group padded with zero bits.
fn prefix_into(bytes: &[u8], chars: usize, width: u32, alphabet: &[u8], out: &mut String) {
    let chars = chars.min((bytes.len() * 8).div_ceil(width as usize));
    let mask = (1u32 << width) - 1;
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    let mut it = bytes.iter();
    let mut buf = [0u8; 128];
    let mut filled = 0;
    for _ in 0..chars {
        if bits < width {
            match it.next() {
                Some(&b) => {
                    acc = (acc << 8) | u32::from(b);
                    bits += 8;
                }
                None => {
                    acc <<= width - bits;
                    bits = width;
                }
            }
        }
        let v = (acc >> (bits - width)) & mask;
        bits -= width;
        acc &= (1u32 << bits) - 1;
        buf[filled] = alphabet[v as usize];
        filled += 1;
        if filled == buf.len() {
            push_ascii(out, &buf);
            filled = 0;
        }
    }
    push_ascii(out, &buf[..filled]);
}

/// Decodes hex (either case). `None` on odd length or a non-hex character.
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let val = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    b.chunks(2)
        .map(|p| Some((val(p[0])? << 4) | val(p[1])?))
        .collect()
}

/// Decodes base64 in the standard (`+/`) or URL-safe (`-_`) alphabet, padded or not.
/// `None` on any other character, bad padding or non-zero trailing bits.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let trimmed = s.trim_end_matches('=');
    let padding = s.len() - trimmed.len();
    if padding > 2 || (padding > 0 && !s.len().is_multiple_of(4)) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    if trimmed.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in trimmed.as_bytes() {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        let cases = [
            ("", "", ""),
            ("f", "my", "Zg"),
            ("fo", "mzxq", "Zm8"),
            ("foo", "mzxw6", "Zm9v"),
            ("foob", "mzxw6yq", "Zm9vYg"),
            ("fooba", "mzxw6ytb", "Zm9vYmE"),
            ("foobar", "mzxw6ytboi", "Zm9vYmFy"),
        ];
        for (plain, b32, b64) in cases {
            assert_eq!(base32(plain.as_bytes()), b32);
            assert_eq!(base64url(plain.as_bytes()), b64);
            assert_eq!(decode_base64(b64).unwrap(), plain.as_bytes());
        }
        assert_eq!(decode_base64("Zm9vYg==").unwrap(), b"foob");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode_base64("+/8=").unwrap(), [0xfb, 0xff]);
        assert!(decode_base64("Zm9vY").is_none());
        assert!(decode_base64("Zh").is_none(), "non-zero trailing bits");
        assert!(decode_base64("Zm9v!").is_none());
    }

    #[test]
    fn hex_round_trip_and_prefix() {
        let b = [0x01, 0xab, 0xff];
        assert_eq!(hex(&b), "01abff");
        assert_eq!(decode_hex("01ABff").unwrap(), b);
        assert!(decode_hex("0g").is_none());
        assert!(decode_hex("012").is_none());
        let mut s = String::new();
        hex_prefix_into(&b, 3, &mut s);
        assert_eq!(s, "01a");
        // Every prefix length, across more than one 32-byte chunk.
        let long: Vec<u8> = (0..70u8).map(|i| i.wrapping_mul(37)).collect();
        let full = hex(&long);
        for chars in 0..=full.len() + 2 {
            let mut s = String::from("x");
            hex_prefix_into(&long, chars, &mut s);
            assert_eq!(s[1..], full[..chars.min(full.len())]);
        }
        let mut s = String::new();
        base32_prefix_into(b"foobar", 4, &mut s);
        assert_eq!(s, "mzxw");
    }
}
