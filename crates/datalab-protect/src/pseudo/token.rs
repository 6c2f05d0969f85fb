//! Keyed tokens: the same value under the same key and context always gives the same token,
//! and nobody without the key can compute or invert it.
//!
//! Construction: a per-context subkey `K_c = HMAC-SHA256(K, "datalab-token-v1" ‖ 0x00 ‖
//! context)` ([`derive_key`](super::derive_key)), then `token = HMAC-SHA256(K_c, value)`.
//! Different contexts (say, two projects or two recipients) get unrelated tokens for the same
//! value, so their releases cannot be linked. Deriving the subkey once lets [`Tokenizer`] keep
//! the HMAC inner and outer SHA-256 states of `K_c`: a value of up to 55 bytes then costs two
//! SHA-256 compressions (SHA-NI is used where the CPU has it).
//!
//! The 32-byte digest is shown as hex, base32 (RFC 4648, lowercase, no padding) or base64url
//! (no padding), optionally truncated to a number of characters; lengths that leave fewer than
//! 32 bits ([`MIN_TOKEN_BITS`]) are refused. [`collision_probability`] tells how likely two of
//! `n` distinct values share a token at a given length.

use std::fmt;
use std::str::FromStr;

use sha2::compress256;
use sha2::digest::generic_array::GenericArray;
use zeroize::Zeroize;

use super::encoding;

/// Label of the token subkey derivation.
pub const TOKEN_LABEL: &str = "datalab-token-v1";
/// Shortest token allowed, in bits of the digest it carries.
pub const MIN_TOKEN_BITS: f64 = 32.0;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Encoding {
    #[default]
    Hex,
    Base32,
    Base64Url,
}

impl Encoding {
    pub fn bits_per_char(self) -> u32 {
        match self {
            Encoding::Hex => 4,
            Encoding::Base32 => 5,
            Encoding::Base64Url => 6,
        }
    }

    /// Characters needed to show the whole 256-bit digest.
    pub fn max_chars(self) -> usize {
        256usize.div_ceil(self.bits_per_char() as usize)
    }

    /// Shortest length carrying at least [`MIN_TOKEN_BITS`].
    pub fn min_chars(self) -> usize {
        (MIN_TOKEN_BITS as usize).div_ceil(self.bits_per_char() as usize)
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Hex => "hex",
            Encoding::Base32 => "base32",
            Encoding::Base64Url => "base64url",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Encoding {
    type Err = TokenError;

    fn from_str(s: &str) -> Result<Self, TokenError> {
        match s {
            "hex" => Ok(Encoding::Hex),
            "base32" => Ok(Encoding::Base32),
            "base64url" => Ok(Encoding::Base64Url),
            _ => Err(TokenError::UnknownEncoding(s.to_string())),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("unknown token encoding '{0}' (known: hex, base32, base64url)")]
    UnknownEncoding(String),
    #[error(
        "a {encoding} token of {chars} characters carries {bits} bits; at least {min_chars} \
         characters (32 bits) are needed"
    )]
    TooShort {
        encoding: Encoding,
        chars: usize,
        bits: u32,
        min_chars: usize,
    },
    #[error(
        "a {encoding} token can have at most {max_chars} characters (the whole 256-bit \
         digest), not {chars}"
    )]
    TooLong {
        encoding: Encoding,
        chars: usize,
        max_chars: usize,
    },
}

/// How a digest is shown: encoding and number of characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenFormat {
    encoding: Encoding,
    chars: usize,
}

impl Default for TokenFormat {
    fn default() -> Self {
        TokenFormat {
            encoding: Encoding::Hex,
            chars: Encoding::Hex.max_chars(),
        }
    }
}

impl TokenFormat {
    /// `chars`: the token length; `None` shows the whole digest.
    pub fn new(encoding: Encoding, chars: Option<usize>) -> Result<TokenFormat, TokenError> {
        let chars = chars.unwrap_or(encoding.max_chars());
        if chars > encoding.max_chars() {
            return Err(TokenError::TooLong {
                encoding,
                chars,
                max_chars: encoding.max_chars(),
            });
        }
        if chars < encoding.min_chars() {
            return Err(TokenError::TooShort {
                encoding,
                chars,
                bits: chars as u32 * encoding.bits_per_char(),
                min_chars: encoding.min_chars(),
            });
        }
        Ok(TokenFormat { encoding, chars })
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    pub fn chars(&self) -> usize {
        self.chars
    }

    /// Bits of the digest the token carries.
    pub fn bits(&self) -> f64 {
        entropy_bits(self.encoding, self.chars)
    }

    /// Appends the encoded (and truncated) digest to `out`.
    pub fn encode_into(&self, digest: &[u8; 32], out: &mut String) {
        match self.encoding {
            Encoding::Hex => encoding::hex_prefix_into(digest, self.chars, out),
            Encoding::Base32 => encoding::base32_prefix_into(digest, self.chars, out),
            Encoding::Base64Url => encoding::base64url_prefix_into(digest, self.chars, out),
        }
    }

    pub fn encode(&self, digest: &[u8; 32]) -> String {
        let mut s = String::with_capacity(self.chars);
        self.encode_into(digest, &mut s);
        s
    }
}

/// Bits of a 256-bit digest carried by `chars` characters of `encoding`.
pub fn entropy_bits(encoding: Encoding, chars: usize) -> f64 {
    (chars as f64 * f64::from(encoding.bits_per_char())).min(256.0)
}

/// Probability that at least two of `n` distinct values get the same `bits`-bit token (the
/// birthday bound `1 − exp(−n(n−1)/2 / 2^bits)`, computed with `expm1` so that tiny
/// probabilities keep their precision).
pub fn collision_probability(bits: f64, n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let pairs = n as f64 * (n as f64 - 1.0) / 2.0;
    -(-pairs * (-bits).exp2()).exp_m1()
}

/// HMAC-SHA256 token of `value` in `context` (one-off; use [`Tokenizer`] for many values).
pub fn token(key: &[u8], context: &str, value: &[u8]) -> [u8; 32] {
    Tokenizer::new(key, context).digest(value)
}

const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

fn compress(state: &mut [u32; 8], block: &[u8]) {
    compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

/// Tokens for one key and context, with the HMAC states precomputed.
#[derive(Clone)]
pub struct Tokenizer {
    inner: [u32; 8],
    outer: [u32; 8],
    format: TokenFormat,
}

impl fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokenizer")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Drop for Tokenizer {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

impl Tokenizer {
    /// Full-length hex tokens; see [`Tokenizer::with_format`].
    pub fn new(key: &[u8], context: &str) -> Tokenizer {
        let subkey = super::derive_key(key, TOKEN_LABEL, context.as_bytes());
        Self::from_hmac_key(&subkey[..])
    }

    /// HMAC-SHA256 keyed directly with `hmac_key` (≤ 64 bytes), no context derivation.
    pub(crate) fn from_hmac_key(hmac_key: &[u8]) -> Tokenizer {
        debug_assert!(hmac_key.len() <= 64);
        let mut pad = [0u8; 64];
        pad[..hmac_key.len()].copy_from_slice(hmac_key);
        let mut inner = SHA256_IV;
        let mut outer = SHA256_IV;
        for b in &mut pad {
            *b ^= 0x36;
        }
        compress(&mut inner, &pad);
        for b in &mut pad {
            *b ^= 0x36 ^ 0x5c;
        }
        compress(&mut outer, &pad);
        pad.zeroize();
        Tokenizer {
            inner,
            outer,
            format: TokenFormat::default(),
        }
    }

    pub fn with_format(mut self, format: TokenFormat) -> Tokenizer {
        self.format = format;
        self
    }

    pub fn format(&self) -> &TokenFormat {
        &self.format
    }

    /// The full 32-byte HMAC of `value`.
    pub fn digest(&self, value: &[u8]) -> [u8; 32] {
        let mut st = self.inner;
        let mut blocks = value.chunks_exact(64);
        for block in &mut blocks {
            compress(&mut st, block);
        }
        let rem = blocks.remainder();
        let bits = ((64 + value.len()) as u64).wrapping_mul(8);
        // The value itself is not key material: the padding buffers are not wiped.
        if rem.len() < 56 {
            let mut last = [0u8; 64];
            last[..rem.len()].copy_from_slice(rem);
            last[rem.len()] = 0x80;
            last[56..].copy_from_slice(&bits.to_be_bytes());
            compress(&mut st, &last);
        } else {
            let mut last = [0u8; 128];
            last[..rem.len()].copy_from_slice(rem);
            last[rem.len()] = 0x80;
            last[120..].copy_from_slice(&bits.to_be_bytes());
            compress(&mut st, &last[..64]);
            compress(&mut st, &last[64..]);
        }

        let mut ob = [0u8; 64];
        for (chunk, w) in ob[..32].chunks_exact_mut(4).zip(st) {
            chunk.copy_from_slice(&w.to_be_bytes());
        }
        ob[32] = 0x80;
        ob[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        let mut out_state = self.outer;
        compress(&mut out_state, &ob);
        let mut out = [0u8; 32];
        for (chunk, w) in out.chunks_exact_mut(4).zip(out_state) {
            chunk.copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    /// The token of `value` in this tokenizer's format.
    pub fn token(&self, value: &[u8]) -> String {
        let mut s = String::with_capacity(self.format.chars());
        self.token_into(value, &mut s);
        s
    }

    /// Appends the token of `value` to `out` (no allocation when `out` has room).
    pub fn token_into(&self, value: &[u8], out: &mut String) {
        let d = self.digest(value);
        self.format.encode_into(&d, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    #[test]
    fn matches_hmac_for_every_length() {
        let key = [9u8; 32];
        let t = Tokenizer::new(&key, "ctx");
        let sub = crate::pseudo::derive_key(&key, TOKEN_LABEL, b"ctx");
        let value: Vec<u8> = (0..300u32).map(|i| (i * 31) as u8).collect();
        for len in 0..value.len() {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&sub[..]).unwrap();
            mac.update(&value[..len]);
            let want: [u8; 32] = mac.finalize().into_bytes().into();
            assert_eq!(t.digest(&value[..len]), want, "length {len}");
        }
    }

    #[test]
    fn rfc4231_case_2() {
        // HMAC-SHA256 with key "Jefe" — checks the precomputed-state HMAC itself.
        let t = Tokenizer::from_hmac_key(b"Jefe");
        assert_eq!(
            encoding::hex(&t.digest(b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn determinism_and_context_separation() {
        let key = [1u8; 32];
        let a = token(&key, "project-a", b"19850512-1234");
        assert_eq!(a, token(&key, "project-a", b"19850512-1234"));
        assert_ne!(a, token(&key, "project-b", b"19850512-1234"));
        assert_ne!(a, token(&[2u8; 32], "project-a", b"19850512-1234"));
        assert_ne!(a, token(&key, "project-a", b"19850512-1235"));
    }

    #[test]
    fn formats_and_lengths() {
        let d = [0xffu8; 32];
        let f = TokenFormat::new(Encoding::Base32, Some(16)).unwrap();
        assert_eq!(f.encode(&d), "7777777777777777");
        assert_eq!(f.bits(), 80.0);
        assert_eq!(TokenFormat::default().encode(&d).len(), 64);
        assert_eq!(
            TokenFormat::new(Encoding::Base32, None)
                .unwrap()
                .encode(&d)
                .len(),
            52
        );
        assert_eq!(
            TokenFormat::new(Encoding::Base64Url, None)
                .unwrap()
                .encode(&d)
                .len(),
            43
        );
        assert!(matches!(
            TokenFormat::new(Encoding::Hex, Some(7)),
            Err(TokenError::TooShort { min_chars: 8, .. })
        ));
        assert!(TokenFormat::new(Encoding::Hex, Some(8)).is_ok());
        assert!(TokenFormat::new(Encoding::Base64Url, Some(6)).is_ok());
        assert!(TokenFormat::new(Encoding::Base32, Some(6)).is_err());
        assert!(matches!(
            TokenFormat::new(Encoding::Base64Url, Some(44)),
            Err(TokenError::TooLong { max_chars: 43, .. })
        ));
        assert_eq!(entropy_bits(Encoding::Base32, 52), 256.0);
        assert_eq!(
            "base64url".parse::<Encoding>().unwrap(),
            Encoding::Base64Url
        );
        assert!("b64".parse::<Encoding>().is_err());
        let t = Tokenizer::new(&[3u8; 32], "c").with_format(f);
        assert_eq!(t.token(b"x").len(), 16);
        assert!(!format!("{t:?}").contains("inner"));
    }

    #[test]
    fn birthday_bound() {
        assert_eq!(collision_probability(64.0, 1), 0.0);
        // n(n-1)/2 / 2^bits tiny: p ≈ that ratio, not rounded to zero.
        let p = collision_probability(128.0, 1_000_000);
        let approx = 1e6 * (1e6 - 1.0) / 2.0 / 2f64.powi(128);
        assert!((p / approx - 1.0).abs() < 1e-9, "{p} vs {approx}");
        // 2^16 values in 32 bits: about 39 %.
        let p = collision_probability(32.0, 65_536);
        assert!((p - 0.3935).abs() < 1e-3, "{p}");
        assert!(collision_probability(32.0, 10_000_000) > 0.999_999);
    }
}
