//! Multibase base58btc: the `z` prefix followed by the Bitcoin base58 alphabet.

use super::CertError;

/// `z` + base58btc of `bytes`.
pub fn encode_base58btc(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(1 + bytes.len() * 138 / 100 + 1);
    s.push('z');
    s.push_str(&bs58::encode(bytes).into_string());
    s
}

/// The bytes of a `z…` multibase string; any other base is refused.
pub fn decode_base58btc(text: &str) -> Result<Vec<u8>, CertError> {
    let Some(body) = text.strip_prefix('z') else {
        let found = text
            .chars()
            .next()
            .map_or("nothing".to_string(), |c| format!("'{c}'"));
        return Err(CertError::Encoding(format!(
            "expected multibase base58btc (a string starting with 'z'), found {found} first"
        )));
    };
    bs58::decode(body)
        .into_vec()
        .map_err(|e| CertError::Encoding(format!("invalid base58btc: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_leading_zeros() {
        for bytes in [&b""[..], &[0, 0, 1][..], &[255; 64][..], b"hello world"] {
            assert_eq!(decode_base58btc(&encode_base58btc(bytes)).unwrap(), bytes);
        }
        // The base58 draft's example ("Hello World!") and leading zero bytes as '1's.
        assert_eq!(encode_base58btc(b"Hello World!"), "z2NEpo7TZRRrLZSi2U");
        assert_eq!(
            encode_base58btc(&[0, 0, 0x28, 0x7f, 0xb4, 0xcd]),
            "z11233QC4"
        );
    }

    #[test]
    fn refuses_other_bases_and_bad_digits() {
        assert!(decode_base58btc("f00ff").is_err());
        assert!(decode_base58btc("").is_err());
        assert!(decode_base58btc("z0OIl").is_err());
    }
}
