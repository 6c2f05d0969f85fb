//! FF1 format-preserving encryption (NIST SP 800-38G, Rev. 1) with AES-128/192/256.
//!
//! A numeral string of `n` digits in radix `r` (2 ≤ r ≤ 65536) is encrypted to another
//! numeral string of the same length and radix; a *tweak* (any bytes, possibly empty) selects
//! one of many independent permutations. The domain constraints of Rev. 1 are enforced:
//! `r^n ≥ 1,000,000` (shorter inputs are refused — an attacker could enumerate them) and
//! `n < 2^32`.
//!
//! Arithmetic: the ten Feistel rounds work on the numbers `NUM_r(A)`, `NUM_r(B)` directly
//! (digits are converted once at the start and once at the end). When `r^⌈n/2⌉ − 1` fits in
//! 96 bits the numbers live in `u128` (every realistic identifier); beyond that a small
//! big-integer type takes over. Both paths are checked against each other in the tests.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256};

use super::bignum::Big;

/// Rev. 1 of SP 800-38G: `radix^minlen ≥ 1,000,000`.
pub const MIN_DOMAIN: u64 = 1_000_000;
/// Largest radix FF1 allows (2^16).
pub const MAX_RADIX: u32 = 1 << 16;
/// Inputs must be shorter than 2^32 digits (the length is encoded in four bytes).
pub const MAX_LEN: u64 = (1 << 32) - 1;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Ff1Error {
    #[error("FF1 needs an AES key of 16, 24 or 32 bytes, not {0} bytes")]
    KeyLength(usize),
    #[error("FF1 radix must be between 2 and 65536, not {0}")]
    Radix(u32),
    #[error(
        "too short for FF1: {len} characters of a {radix}-character alphabet allow fewer than \
         1,000,000 values (at least {min_len} characters are needed)"
    )]
    TooShort {
        len: usize,
        min_len: usize,
        radix: u32,
    },
    #[error("too long for FF1: {0} characters (the limit is 2^32 - 1)")]
    TooLong(usize),
    #[error("digit {digit} at position {position} is not below the radix {radix}")]
    Digit {
        position: usize,
        digit: u16,
        radix: u32,
    },
    #[error("the FF1 tweak is too long: {0} bytes (the limit is 2^32 - 1)")]
    TweakTooLong(usize),
}

enum Cipher {
    A128(Box<Aes128>),
    A192(Box<Aes192>),
    A256(Box<Aes256>),
}

impl Cipher {
    fn encrypt(&self, block: &mut [u8; 16]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            Cipher::A128(c) => c.encrypt_block(b),
            Cipher::A192(c) => c.encrypt_block(b),
            Cipher::A256(c) => c.encrypt_block(b),
        }
    }
}

/// An FF1 cipher for one key and one radix.
pub struct Ff1 {
    cipher: Cipher,
    radix: u32,
    min_len: usize,
}

impl std::fmt::Debug for Ff1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ff1")
            .field("radix", &self.radix)
            .finish_non_exhaustive()
    }
}

/// Per-call constants: lengths, byte counts and the CBC-MAC state after the block `P`.
struct Setup {
    n: usize,
    u: usize,
    v: usize,
    b: usize,
    d: usize,
    /// `T ‖ 0^pad ‖ [i] ‖ [NUM(B)]^b`: the round fills the last `b + 1` bytes.
    q: Vec<u8>,
    mac_p: [u8; 16],
}

enum Rounds {
    Fast { mu: u128, mv: u128 },
    Big { mu: Big, mv: Big },
}

impl Ff1 {
    /// `key`: an AES key of 16, 24 or 32 bytes; `radix`: 2..=65536.
    pub fn new(key: &[u8], radix: u32) -> Result<Ff1, Ff1Error> {
        if !(2..=MAX_RADIX).contains(&radix) {
            return Err(Ff1Error::Radix(radix));
        }
        let cipher = match key.len() {
            16 => Cipher::A128(Box::new(Aes128::new(GenericArray::from_slice(key)))),
            24 => Cipher::A192(Box::new(Aes192::new(GenericArray::from_slice(key)))),
            32 => Cipher::A256(Box::new(Aes256::new(GenericArray::from_slice(key)))),
            n => return Err(Ff1Error::KeyLength(n)),
        };
        Ok(Ff1 {
            cipher,
            radix,
            min_len: min_len(radix),
        })
    }

    pub fn radix(&self) -> u32 {
        self.radix
    }

    /// The shortest input this radix allows (`radix^len ≥ 1,000,000`, at least 2).
    pub fn min_len(&self) -> usize {
        self.min_len
    }

    /// Checks length and digits of an input without encrypting it.
    pub fn check(&self, x: &[u16]) -> Result<(), Ff1Error> {
        if x.len() < self.min_len {
            return Err(Ff1Error::TooShort {
                len: x.len(),
                min_len: self.min_len,
                radix: self.radix,
            });
        }
        if x.len() as u64 > MAX_LEN {
            return Err(Ff1Error::TooLong(x.len()));
        }
        if let Some((position, &digit)) = x
            .iter()
            .enumerate()
            .find(|(_, d)| u32::from(**d) >= self.radix)
        {
            return Err(Ff1Error::Digit {
                position,
                digit,
                radix: self.radix,
            });
        }
        Ok(())
    }

    pub fn encrypt(&self, tweak: &[u8], x: &[u16]) -> Result<Vec<u16>, Ff1Error> {
        self.run(tweak, x, true, false)
    }

    pub fn decrypt(&self, tweak: &[u8], x: &[u16]) -> Result<Vec<u16>, Ff1Error> {
        self.run(tweak, x, false, false)
    }

    /// Like [`Ff1::encrypt`] / [`Ff1::decrypt`] but always on the big-integer path (tests).
    #[cfg(test)]
    pub(crate) fn run_big(&self, tweak: &[u8], x: &[u16], enc: bool) -> Result<Vec<u16>, Ff1Error> {
        self.run(tweak, x, enc, true)
    }

    fn run(
        &self,
        tweak: &[u8],
        x: &[u16],
        enc: bool,
        force_big: bool,
    ) -> Result<Vec<u16>, Ff1Error> {
        self.check(x)?;
        if tweak.len() as u64 > MAX_LEN {
            return Err(Ff1Error::TweakTooLong(tweak.len()));
        }
        let n = x.len();
        let u = n / 2;
        let v = n - u;
        let r = u64::from(self.radix);

        // r^v and r^u, in u128 when r^v fits in 96 bits (so b ≤ 12 and d ≤ 16).
        let fast = (!force_big)
            .then(|| {
                let mv = checked_pow(r, v)?;
                let mu = checked_pow(r, u)?;
                (mv <= 1u128 << 96).then_some((mu, mv))
            })
            .flatten();
        let (rounds, beta) = match fast {
            Some((mu, mv)) => (
                Rounds::Fast { mu, mv },
                128 - (mv - 1).leading_zeros() as usize,
            ),
            None => {
                let mv = Big::pow_small(r, v);
                let mu = Big::pow_small(r, u);
                let mut mv1 = mv.clone();
                mv1.sub_assign(&Big::from_u64(1));
                let beta = mv1.bit_len();
                (Rounds::Big { mu, mv }, beta)
            }
        };
        let b = beta.div_ceil(8).max(1);
        let d = 4 * b.div_ceil(4) + 4;
        let mut setup = self.setup(tweak, n, u, v, b, d);

        let (a_digits, b_digits) = x.split_at(u);
        match rounds {
            Rounds::Fast { mu, mv } => {
                let mut na = num_u128(a_digits, r);
                let mut nb = num_u128(b_digits, r);
                let mut bytes = [0u8; 16];
                for step in 0..10u8 {
                    let i = if enc { step } else { 9 - step };
                    let m = if i % 2 == 0 { mu } else { mv };
                    let feed = if enc { nb } else { na };
                    let fb = feed.to_be_bytes();
                    let s = self.round_s(&mut setup, i, &fb[16 - b..], &mut bytes);
                    let y = u128::from_be_bytes(pad16(s)) % m;
                    if enc {
                        let c = (na + y) % m;
                        na = nb;
                        nb = c;
                    } else {
                        let c = (nb + m - y) % m;
                        nb = na;
                        na = c;
                    }
                }
                let mut out = str_u128(na, r, u);
                out.extend(str_u128(nb, r, v));
                Ok(out)
            }
            Rounds::Big { mu, mv } => {
                let mut na = num_big(a_digits, r);
                let mut nb = num_big(b_digits, r);
                let mut fb = vec![0u8; b];
                let mut extra = Vec::new();
                for step in 0..10u8 {
                    let i = if enc { step } else { 9 - step };
                    let m = if i % 2 == 0 { &mu } else { &mv };
                    (if enc { &nb } else { &na }).write_be_bytes(&mut fb);
                    let s = self.round_s_long(&mut setup, i, &fb, &mut extra);
                    let y = Big::from_be_bytes(s).rem(m);
                    if enc {
                        let mut c = na;
                        c.add_assign(&y);
                        if c.cmp_big(m).is_ge() {
                            c.sub_assign(m);
                        }
                        na = nb;
                        nb = c;
                    } else {
                        let mut c = nb;
                        if c.cmp_big(&y).is_lt() {
                            c.add_assign(m);
                        }
                        c.sub_assign(&y);
                        nb = na;
                        na = c;
                    }
                }
                let mut out = str_big(na, r, u);
                out.extend(str_big(nb, r, v));
                Ok(out)
            }
        }
    }

    fn setup(&self, tweak: &[u8], n: usize, u: usize, v: usize, b: usize, d: usize) -> Setup {
        let t = tweak.len();
        let mut p = [0u8; 16];
        p[0] = 1;
        p[1] = 2;
        p[2] = 1;
        p[3..6].copy_from_slice(&self.radix.to_be_bytes()[1..]);
        p[6] = 10;
        p[7] = (u % 256) as u8;
        p[8..12].copy_from_slice(&(n as u32).to_be_bytes());
        p[12..16].copy_from_slice(&(t as u32).to_be_bytes());
        self.cipher.encrypt(&mut p);
        // (-t - b - 1) mod 16 zero bytes make Q a whole number of blocks.
        let pad = (16 - (t + b + 1) % 16) % 16;
        let mut q = Vec::with_capacity(t + pad + 1 + b);
        q.extend_from_slice(tweak);
        q.resize(t + pad + 1 + b, 0);
        Setup {
            n,
            u,
            v,
            b,
            d,
            q,
            mac_p: p,
        }
    }

    /// `R = PRF(P ‖ Q)` for round `i` with `NUM(B)` as `feed` (b bytes).
    fn round_r(&self, s: &mut Setup, i: u8, feed: &[u8]) -> [u8; 16] {
        debug_assert_eq!(feed.len(), s.b);
        let len = s.q.len();
        s.q[len - s.b - 1] = i;
        s.q[len - s.b..].copy_from_slice(feed);
        let mut y = s.mac_p;
        for block in s.q.chunks_exact(16) {
            for (a, b) in y.iter_mut().zip(block) {
                *a ^= b;
            }
            self.cipher.encrypt(&mut y);
        }
        debug_assert!(s.u <= s.v && s.u + s.v == s.n);
        y
    }

    /// `S` when `d ≤ 16`: the first `d` bytes of `R`.
    fn round_s<'a>(&self, s: &mut Setup, i: u8, feed: &[u8], buf: &'a mut [u8; 16]) -> &'a [u8] {
        *buf = self.round_r(s, i, feed);
        &buf[..s.d.min(16)]
    }

    /// `S = R ‖ CIPH(R ⊕ [1]^16) ‖ CIPH(R ⊕ [2]^16) ‖ …`, first `d` bytes.
    fn round_s_long<'a>(
        &self,
        s: &mut Setup,
        i: u8,
        feed: &[u8],
        buf: &'a mut Vec<u8>,
    ) -> &'a [u8] {
        let r = self.round_r(s, i, feed);
        buf.clear();
        buf.extend_from_slice(&r);
        let mut j: u128 = 1;
        while buf.len() < s.d {
            let mut block = (u128::from_be_bytes(r) ^ j).to_be_bytes();
            self.cipher.encrypt(&mut block);
            buf.extend_from_slice(&block);
            j += 1;
        }
        &buf[..s.d]
    }
}

/// Smallest `len ≥ 2` with `radix^len ≥ 1,000,000`.
pub fn min_len(radix: u32) -> usize {
    let mut len = 1;
    let mut pow = u64::from(radix);
    while pow < MIN_DOMAIN || len < 2 {
        pow = pow.saturating_mul(u64::from(radix));
        len += 1;
    }
    len
}

fn checked_pow(r: u64, e: usize) -> Option<u128> {
    let mut x: u128 = 1;
    for _ in 0..e {
        x = x.checked_mul(u128::from(r))?;
    }
    Some(x)
}

fn pad16(s: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[16 - s.len()..].copy_from_slice(s);
    out
}

fn num_u128(x: &[u16], r: u64) -> u128 {
    x.iter()
        .fold(0u128, |acc, &d| acc * u128::from(r) + u128::from(d))
}

fn str_u128(mut x: u128, r: u64, len: usize) -> Vec<u16> {
    let mut out = vec![0u16; len];
    for slot in out.iter_mut().rev() {
        *slot = (x % u128::from(r)) as u16;
        x /= u128::from(r);
    }
    out
}

fn num_big(x: &[u16], r: u64) -> Big {
    let mut acc = Big::zero();
    for &d in x {
        acc.mul_add_small(r, u64::from(d));
    }
    acc
}

fn str_big(mut x: Big, r: u64, len: usize) -> Vec<u16> {
    let mut out = vec![0u16; len];
    for slot in out.iter_mut().rev() {
        *slot = x.div_rem_small(r) as u16;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pseudo::encoding::decode_hex;
    use proptest::prelude::*;

    const K128: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
    const K192: &str = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F";
    const K256: &str = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94";
    const T2: &str = "39383736353433323130";
    const T3: &str = "3737373770717273373737";

    fn digits(s: &str, radix: u32) -> Vec<u16> {
        s.chars()
            .map(|c| c.to_digit(radix).unwrap() as u16)
            .collect()
    }

    fn text(d: &[u16], radix: u32) -> String {
        d.iter()
            .map(|&x| char::from_digit(u32::from(x), radix).unwrap())
            .collect()
    }

    /// NIST SP 800-38G FF1 samples 1–9 (FF1samples.pdf).
    #[test]
    fn nist_samples() {
        let samples = [
            (K128, 10, "", "0123456789", "2433477484"),
            (K128, 10, T2, "0123456789", "6124200773"),
            (K128, 36, T3, "0123456789abcdefghi", "a9tv40mll9kdu509eum"),
            (K192, 10, "", "0123456789", "2830668132"),
            (K192, 10, T2, "0123456789", "2496655549"),
            (K192, 36, T3, "0123456789abcdefghi", "xbj3kv35jrawxv32ysr"),
            (K256, 10, "", "0123456789", "6657667009"),
            (K256, 10, T2, "0123456789", "1001623463"),
            (K256, 36, T3, "0123456789abcdefghi", "xs8a0azh2avyalyzuwd"),
        ];
        for (i, (key, radix, tweak, pt, ct)) in samples.into_iter().enumerate() {
            let f = Ff1::new(&decode_hex(key).unwrap(), radix).unwrap();
            let tweak = decode_hex(tweak).unwrap();
            let x = digits(pt, radix);
            let y = f.encrypt(&tweak, &x).unwrap();
            assert_eq!(text(&y, radix), ct, "sample {}", i + 1);
            assert_eq!(
                f.decrypt(&tweak, &y).unwrap(),
                x,
                "sample {} decrypt",
                i + 1
            );
            assert_eq!(
                f.run_big(&tweak, &x, true).unwrap(),
                y,
                "sample {} big",
                i + 1
            );
            assert_eq!(f.run_big(&tweak, &y, false).unwrap(), x);
        }
    }

    #[test]
    fn domain_constraints() {
        let f = Ff1::new(&[0u8; 16], 10).unwrap();
        assert_eq!(f.min_len(), 6);
        assert!(matches!(
            f.encrypt(b"", &[1, 2, 3, 4, 5]),
            Err(Ff1Error::TooShort {
                len: 5,
                min_len: 6,
                radix: 10
            })
        ));
        assert!(f.encrypt(b"", &[1, 2, 3, 4, 5, 6]).is_ok());
        assert!(matches!(
            f.encrypt(b"", &[1, 2, 3, 4, 5, 10]),
            Err(Ff1Error::Digit {
                position: 5,
                digit: 10,
                radix: 10
            })
        ));
        assert_eq!(min_len(2), 20);
        assert_eq!(min_len(36), 4);
        assert_eq!(min_len(62), 4);
        assert_eq!(min_len(1000), 2);
        assert_eq!(min_len(65536), 2);
        assert!(matches!(
            Ff1::new(&[0u8; 15], 10),
            Err(Ff1Error::KeyLength(15))
        ));
        assert!(matches!(Ff1::new(&[0u8; 16], 1), Err(Ff1Error::Radix(1))));
        assert!(matches!(
            Ff1::new(&[0u8; 16], 65537),
            Err(Ff1Error::Radix(65537))
        ));
        assert!(format!("{:?}", f).starts_with("Ff1 { radix: 10"));
    }

    #[test]
    fn long_inputs_use_the_big_path() {
        let f = Ff1::new(&[7u8; 32], 10).unwrap();
        let x: Vec<u16> = (0..300).map(|i| (i * 7 % 10) as u16).collect();
        let y = f.encrypt(b"tweak", &x).unwrap();
        assert_ne!(x, y);
        assert_eq!(f.decrypt(b"tweak", &y).unwrap(), x);
        let f = Ff1::new(&[7u8; 16], 65536).unwrap();
        let x: Vec<u16> = (0..41).map(|i| (i * 4099 % 65536) as u16).collect();
        let y = f.encrypt(b"", &x).unwrap();
        assert_eq!(f.decrypt(b"", &y).unwrap(), x);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn decrypt_inverts_encrypt(
            radix in prop_oneof![2u32..=62, Just(256u32), Just(65536u32)],
            extra in 0usize..40,
            key_len in prop_oneof![Just(16usize), Just(24), Just(32)],
            tweak in proptest::collection::vec(any::<u8>(), 0..40),
            seed in any::<u64>(),
        ) {
            let n = min_len(radix) + extra;
            let mut state = seed | 1;
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let key: Vec<u8> = (0..key_len).map(|_| next() as u8).collect();
            let x: Vec<u16> = (0..n).map(|_| (next() % u64::from(radix)) as u16).collect();
            let f = Ff1::new(&key, radix).unwrap();
            let y = f.encrypt(&tweak, &x).unwrap();
            prop_assert_eq!(y.len(), n);
            prop_assert!(y.iter().all(|&d| u32::from(d) < radix));
            prop_assert_eq!(&f.decrypt(&tweak, &y).unwrap(), &x);
            // Fast and big-integer paths agree.
            prop_assert_eq!(&f.run_big(&tweak, &x, true).unwrap(), &y);
        }
    }
}
