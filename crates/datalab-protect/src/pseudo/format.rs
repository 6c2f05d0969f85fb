//! Format-preserving encryption of text values with FF1: `"19850512-1234"` stays thirteen
//! characters with the dash in place, `"AB12 CD34"` keeps its space.
//!
//! **Alphabet.** Only characters of the chosen [`Alphabet`] are encrypted; every other
//! character (separators, punctuation, spaces, non-ASCII) stays where it is. The alphabet is a
//! property of the *column*, chosen once ([`Alphabet::detect_all`] over its values) and kept
//! in the pseudonymisation recipe: it cannot be re-detected from a ciphertext (the pseudonym of
//! `"AB12CD34"` may well be all digits). Digits only → radix 10; letters of one case and
//! digits → radix 36 in that case (so upper-case identifiers stay upper-case); both cases →
//! radix 62.
//!
//! **Check digits.** With a [`CheckDigit`], the last alphabet character of a value is treated
//! as a check digit (0–9) computed by a validator. The payload (all other alphabet characters)
//! is encrypted with FF1 to `p'`; the ten candidate digits for the payload `p` are split into
//! `V_p` (those making the value valid) and `I_p` (the rest), each in ascending order, and
//! likewise for `p'`. The input digit's rank in `V_p ‖ I_p` selects the output digit:
//!
//! - [`CheckDigitMode::Pseudonymous`] (the default): the digit at that rank in `I_p' ‖ V_p'`.
//!   A valid input therefore always becomes an *invalid* identifier (when `|V_p| ≤ |I_p'|`,
//!   which holds for every real check-digit scheme; otherwise the value is refused), so a
//!   pseudonym can never be mistaken for a real person's number. (An invalid input may come out
//!   valid: that reveals only that the input was a typo.)
//! - [`CheckDigitMode::Valid`]: the digit at that rank in `V_p' ‖ I_p'`, after *cycle walking*
//!   FF1 until `|V_p'| = |V_p|` (re-encrypting `p'` until its payload admits as many valid
//!   check digits as the input's did). Valid inputs become valid outputs, invalid ones invalid —
//!   for test systems that reject invalid identifiers. The walk is bounded
//!   ([`FormatCipher::with_max_walk`]).
//!
//! Both are permutations of the ten digits for a given `(p, p')`, so decryption recovers the
//! check digit exactly from `p = FF1⁻¹(p')`.

use std::fmt;
use std::str::FromStr;

use datalab_data::identifiers;

use super::ff1::{Ff1, Ff1Error};

/// The characters FF1 encrypts; all others are kept in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alphabet {
    /// `0-9` (radix 10).
    Digits,
    /// `0-9A-Z` (radix 36); lower-case letters are left as they are.
    UpperAlnum,
    /// `0-9a-z` (radix 36); upper-case letters are left as they are.
    LowerAlnum,
    /// `0-9A-Za-z` (radix 62).
    Alnum,
}

impl Alphabet {
    pub fn radix(self) -> u32 {
        match self {
            Alphabet::Digits => 10,
            Alphabet::UpperAlnum | Alphabet::LowerAlnum => 36,
            Alphabet::Alnum => 62,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Alphabet::Digits => "digits",
            Alphabet::UpperAlnum => "alnum-upper",
            Alphabet::LowerAlnum => "alnum-lower",
            Alphabet::Alnum => "alnum",
        }
    }

    /// The digit value of `c` in this alphabet.
    pub fn digit(self, c: char) -> Option<u16> {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => match self {
                Alphabet::UpperAlnum | Alphabet::Alnum => c as u32 - 'A' as u32 + 10,
                _ => return None,
            },
            'a'..='z' => match self {
                Alphabet::LowerAlnum => c as u32 - 'a' as u32 + 10,
                Alphabet::Alnum => c as u32 - 'a' as u32 + 36,
                _ => return None,
            },
            _ => return None,
        };
        Some(v as u16)
    }

    /// The character for digit value `d` (`d < radix`).
    pub fn char(self, d: u16) -> char {
        let d = u8::try_from(d).unwrap_or(0);
        match (self, d) {
            (_, 0..=9) => (b'0' + d) as char,
            (Alphabet::LowerAlnum, _) => (b'a' + d - 10) as char,
            (_, 10..=35) => (b'A' + d - 10) as char,
            _ => (b'a' + d - 36) as char,
        }
    }

    /// The smallest alphabet covering the ASCII letters and digits of `value`; `None` if it has
    /// none.
    pub fn detect(value: &str) -> Option<Alphabet> {
        Self::detect_all([value])
    }

    /// The smallest alphabet covering the ASCII letters and digits of all `values` (a column).
    pub fn detect_all<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Alphabet> {
        let (mut digit, mut upper, mut lower) = (false, false, false);
        for v in values {
            for c in v.chars() {
                digit |= c.is_ascii_digit();
                upper |= c.is_ascii_uppercase();
                lower |= c.is_ascii_lowercase();
            }
            if upper && lower {
                break;
            }
        }
        Some(match (upper, lower) {
            (true, true) => Alphabet::Alnum,
            (true, false) => Alphabet::UpperAlnum,
            (false, true) => Alphabet::LowerAlnum,
            (false, false) if digit => Alphabet::Digits,
            _ => return None,
        })
    }
}

impl fmt::Display for Alphabet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Alphabet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "digits" => Alphabet::Digits,
            "alnum-upper" => Alphabet::UpperAlnum,
            "alnum-lower" => Alphabet::LowerAlnum,
            "alnum" => Alphabet::Alnum,
            _ => {
                return Err(format!(
                    "unknown alphabet '{s}' (known: digits, alnum-upper, alnum-lower, alnum)"
                ));
            }
        })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckDigitMode {
    /// Valid identifiers become invalid ones: a pseudonym is never a real-looking identifier.
    #[default]
    Pseudonymous,
    /// Valid identifiers stay valid (and invalid ones invalid).
    Valid,
}

/// Judges a whole value (separators included): `true` when its check digit is right.
pub type Validator = fn(&str) -> bool;

/// A check digit in the last alphabet position, judged by `validator` on the whole value.
#[derive(Clone, Copy)]
pub struct CheckDigit {
    pub name: &'static str,
    pub validator: Validator,
    pub mode: CheckDigitMode,
}

impl fmt::Debug for CheckDigit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckDigit")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .finish()
    }
}

/// Validators of `datalab_data::identifiers` whose check digit is the last digit.
const NAMED: &[(&str, Validator)] = &[
    ("luhn", identifiers::luhn_valid),
    ("personnummer", identifiers::is_valid_personnummer),
    ("cpr", identifiers::is_valid_cpr),
    ("bsn", identifiers::is_valid_bsn),
    ("pesel", identifiers::is_valid_pesel),
    ("fodselsnummer", identifiers::is_valid_no_fodselsnummer),
    ("de-tax-id", identifiers::is_valid_de_tax_id),
    ("de-rvnr", identifiers::is_valid_de_rvnr),
];

impl CheckDigit {
    pub fn new(name: &'static str, validator: Validator, mode: CheckDigitMode) -> Self {
        CheckDigit {
            name,
            validator,
            mode,
        }
    }

    /// A validator of the project by name: `luhn`, `personnummer`, `cpr`, `bsn`, `pesel`,
    /// `fodselsnummer`, `de-tax-id`, `de-rvnr`.
    pub fn named(name: &str, mode: CheckDigitMode) -> Option<CheckDigit> {
        NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(name, validator)| CheckDigit::new(name, validator, mode))
    }

    pub fn names() -> impl Iterator<Item = &'static str> {
        NAMED.iter().map(|(n, _)| *n)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error(
        "too short to encrypt: {payload} characters of the {alphabet} alphabet{check} allow \
         fewer than 1,000,000 values; FF1 needs at least {min_len}"
    )]
    TooShort {
        payload: usize,
        min_len: usize,
        alphabet: Alphabet,
        check: &'static str,
    },
    #[error("no check digit: the last {alphabet} character of the value is not a digit 0-9")]
    NoCheckDigit { alphabet: Alphabet },
    #[error(
        "check digit ({name}): {valid} of 10 digits are valid for this value, more than the \
         {invalid} invalid ones available for its pseudonym, so it cannot be made visibly \
         invalid"
    )]
    CheckDigitClash {
        name: &'static str,
        valid: usize,
        invalid: usize,
    },
    #[error(
        "check digit ({name}): no pseudonym with a valid check digit found within {steps} FF1 \
         steps"
    )]
    WalkLimit { name: &'static str, steps: u32 },
    #[error("{0}")]
    Ff1(#[from] Ff1Error),
}

/// FF1 on text values: one key, one alphabet, optionally a check digit.
pub struct FormatCipher {
    ff1: Ff1,
    alphabet: Alphabet,
    check: Option<CheckDigit>,
    max_walk: u32,
}

impl fmt::Debug for FormatCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormatCipher")
            .field("alphabet", &self.alphabet)
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

/// Default bound on the cycle walk of [`CheckDigitMode::Valid`].
pub const DEFAULT_MAX_WALK: u32 = 100_000;

impl FormatCipher {
    /// `aes_key`: 16, 24 or 32 bytes used directly as the FF1 key.
    pub fn new(aes_key: &[u8], alphabet: Alphabet) -> Result<FormatCipher, FormatError> {
        Ok(FormatCipher {
            ff1: Ff1::new(aes_key, alphabet.radix())?,
            alphabet,
            check: None,
            max_walk: DEFAULT_MAX_WALK,
        })
    }

    /// From 32 bytes of keystore key material: the FF1 key is the AES-256 key
    /// [`derive_key`](super::derive_key)`(key, "datalab-ff1-v1", context)`, so each context
    /// (e.g. a column or a project) gets its own permutation.
    pub fn from_key(key: &[u8], context: &str, alphabet: Alphabet) -> Result<Self, FormatError> {
        let k = super::derive_key(key, "datalab-ff1-v1", context.as_bytes());
        Self::new(&k[..], alphabet)
    }

    pub fn with_check_digit(mut self, check: CheckDigit) -> Self {
        self.check = Some(check);
        self
    }

    /// Upper bound on FF1 steps of the cycle walk in [`CheckDigitMode::Valid`].
    pub fn with_max_walk(mut self, steps: u32) -> Self {
        self.max_walk = steps.max(1);
        self
    }

    pub fn alphabet(&self) -> Alphabet {
        self.alphabet
    }

    pub fn check_digit(&self) -> Option<&CheckDigit> {
        self.check.as_ref()
    }

    /// Fewest alphabet characters a value needs (the check digit not counted).
    pub fn min_payload(&self) -> usize {
        self.ff1.min_len()
    }

    pub fn encrypt(&self, tweak: &[u8], value: &str) -> Result<String, FormatError> {
        self.run(tweak, value, true)
    }

    pub fn decrypt(&self, tweak: &[u8], value: &str) -> Result<String, FormatError> {
        self.run(tweak, value, false)
    }

    fn run(&self, tweak: &[u8], value: &str, enc: bool) -> Result<String, FormatError> {
        let mut chars: Vec<char> = value.chars().collect();
        let mut positions = Vec::with_capacity(chars.len());
        let mut x = Vec::with_capacity(chars.len());
        for (i, &c) in chars.iter().enumerate() {
            if let Some(d) = self.alphabet.digit(c) {
                positions.push(i);
                x.push(d);
            }
        }
        let check_pos = match self.check {
            None => None,
            Some(_) => {
                let (Some(pos), Some(_)) = (positions.pop(), x.pop()) else {
                    return Err(self.too_short(0));
                };
                if !chars[pos].is_ascii_digit() {
                    return Err(FormatError::NoCheckDigit {
                        alphabet: self.alphabet,
                    });
                }
                Some(pos)
            }
        };
        if x.len() < self.ff1.min_len() {
            return Err(self.too_short(x.len()));
        }
        let (Some(check), Some(cpos)) = (self.check, check_pos) else {
            let y = if enc {
                self.ff1.encrypt(tweak, &x)?
            } else {
                self.ff1.decrypt(tweak, &x)?
            };
            self.place(&mut chars, &positions, &y);
            return Ok(chars.into_iter().collect());
        };

        let c = chars[cpos] as u8 - b'0';
        // The side we are given (`x`) and the other side (`y`), each with its candidate order.
        let given = Candidates::of(&mut chars, cpos, check.validator);
        let y = match check.mode {
            CheckDigitMode::Pseudonymous => {
                if enc {
                    self.ff1.encrypt(tweak, &x)?
                } else {
                    self.ff1.decrypt(tweak, &x)?
                }
            }
            CheckDigitMode::Valid => {
                let want = given.valid;
                let mut y = x.clone();
                let mut steps = 0u32;
                loop {
                    y = if enc {
                        self.ff1.encrypt(tweak, &y)?
                    } else {
                        self.ff1.decrypt(tweak, &y)?
                    };
                    steps += 1;
                    self.place(&mut chars, &positions, &y);
                    if Candidates::of(&mut chars, cpos, check.validator).valid == want {
                        break y;
                    }
                    if steps >= self.max_walk {
                        return Err(FormatError::WalkLimit {
                            name: check.name,
                            steps,
                        });
                    }
                }
            }
        };
        self.place(&mut chars, &positions, &y);
        let other = Candidates::of(&mut chars, cpos, check.validator);
        let out = match (check.mode, enc) {
            (CheckDigitMode::Valid, _) => other.valid_first[given.rank_valid_first(c)],
            (CheckDigitMode::Pseudonymous, true) => {
                // plaintext p = given, ciphertext p' = other
                if given.valid > 10 - other.valid {
                    return Err(FormatError::CheckDigitClash {
                        name: check.name,
                        valid: given.valid,
                        invalid: 10 - other.valid,
                    });
                }
                other.invalid_first[given.rank_valid_first(c)]
            }
            (CheckDigitMode::Pseudonymous, false) => {
                // ciphertext p' = given, plaintext p = other
                other.valid_first[given.rank_invalid_first(c)]
            }
        };
        chars[cpos] = (b'0' + out) as char;
        Ok(chars.into_iter().collect())
    }

    fn place(&self, chars: &mut [char], positions: &[usize], digits: &[u16]) {
        for (&p, &d) in positions.iter().zip(digits) {
            chars[p] = self.alphabet.char(d);
        }
    }

    fn too_short(&self, payload: usize) -> FormatError {
        FormatError::TooShort {
            payload,
            min_len: self.ff1.min_len(),
            alphabet: self.alphabet,
            check: if self.check.is_some() {
                " (besides the check digit)"
            } else {
                ""
            },
        }
    }
}

/// The ten candidate check digits for one payload, split by validity.
struct Candidates {
    /// `V ‖ I`, each ascending.
    valid_first: [u8; 10],
    /// `I ‖ V`, each ascending.
    invalid_first: [u8; 10],
    valid: usize,
}

impl Candidates {
    /// Tries every digit at `pos` of `chars` (left at its last candidate; callers overwrite).
    fn of(chars: &mut [char], pos: usize, validator: Validator) -> Candidates {
        let original = chars[pos];
        let mut is_valid = [false; 10];
        let mut buf = String::with_capacity(chars.len());
        for (d, v) in is_valid.iter_mut().enumerate() {
            chars[pos] = (b'0' + d as u8) as char;
            buf.clear();
            buf.extend(chars.iter());
            *v = validator(&buf);
        }
        chars[pos] = original;
        let valid_digits = (0..10u8).filter(|&d| is_valid[usize::from(d)]);
        let invalid_digits = (0..10u8).filter(|&d| !is_valid[usize::from(d)]);
        let mut valid_first = [0u8; 10];
        let mut invalid_first = [0u8; 10];
        for (slot, d) in valid_first
            .iter_mut()
            .zip(valid_digits.clone().chain(invalid_digits.clone()))
        {
            *slot = d;
        }
        for (slot, d) in invalid_first
            .iter_mut()
            .zip(invalid_digits.chain(valid_digits.clone()))
        {
            *slot = d;
        }
        Candidates {
            valid_first,
            invalid_first,
            valid: valid_digits.count(),
        }
    }

    fn rank_valid_first(&self, c: u8) -> usize {
        self.valid_first.iter().position(|&d| d == c).unwrap_or(0)
    }

    fn rank_invalid_first(&self, c: u8) -> usize {
        self.invalid_first.iter().position(|&d| d == c).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(alphabet: Alphabet) -> FormatCipher {
        FormatCipher::from_key(&[42u8; 32], "test", alphabet).unwrap()
    }

    #[test]
    fn keeps_separators_and_length() {
        let f = cipher(Alphabet::Digits);
        let v = "19850512-1234";
        let e = f.encrypt(b"", v).unwrap();
        assert_eq!(e.len(), v.len());
        assert_eq!(&e[8..9], "-");
        assert!(e.chars().filter(|c| *c != '-').all(|c| c.is_ascii_digit()));
        assert_ne!(e, v);
        assert_eq!(f.decrypt(b"", &e).unwrap(), v);

        let f = cipher(Alphabet::UpperAlnum);
        let v = "AB12 CD34";
        let e = f.encrypt(b"col", v).unwrap();
        assert_eq!(e.chars().nth(4), Some(' '));
        assert!(
            e.chars()
                .all(|c| c == ' ' || c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert_eq!(f.decrypt(b"col", &e).unwrap(), v);
        assert_ne!(f.encrypt(b"other", v).unwrap(), e, "the tweak matters");

        let f = cipher(Alphabet::Alnum);
        let v = "Ab-12/cD·ü";
        let e = f.encrypt(b"", v).unwrap();
        assert_eq!(e.chars().count(), v.chars().count());
        assert!(e.ends_with('ü'));
        assert_eq!(f.decrypt(b"", &e).unwrap(), v);
    }

    #[test]
    fn alphabet_detection_and_names() {
        assert_eq!(Alphabet::detect("1985-05-12"), Some(Alphabet::Digits));
        assert_eq!(Alphabet::detect("AB12 CD34"), Some(Alphabet::UpperAlnum));
        assert_eq!(Alphabet::detect("ab12"), Some(Alphabet::LowerAlnum));
        assert_eq!(
            Alphabet::detect_all(["AB12", "cd34"]),
            Some(Alphabet::Alnum)
        );
        assert_eq!(Alphabet::detect("--"), None);
        for a in [
            Alphabet::Digits,
            Alphabet::UpperAlnum,
            Alphabet::LowerAlnum,
            Alphabet::Alnum,
        ] {
            assert_eq!(a.name().parse::<Alphabet>().unwrap(), a);
            for d in 0..a.radix() as u16 {
                assert_eq!(a.digit(a.char(d)), Some(d));
            }
        }
    }

    #[test]
    fn too_short_is_a_clear_error() {
        let f = cipher(Alphabet::Digits);
        let err = f.encrypt(b"", "12-34").unwrap_err();
        assert!(matches!(
            err,
            FormatError::TooShort {
                payload: 4,
                min_len: 6,
                ..
            }
        ));
        assert!(err.to_string().contains("too short"), "{err}");
        let f =
            f.with_check_digit(CheckDigit::named("luhn", CheckDigitMode::Pseudonymous).unwrap());
        let err = f.encrypt(b"", "123456").unwrap_err();
        assert!(err.to_string().contains("besides the check digit"), "{err}");
        let f = cipher(Alphabet::UpperAlnum)
            .with_check_digit(CheckDigit::named("luhn", CheckDigitMode::Pseudonymous).unwrap());
        assert!(matches!(
            f.encrypt(b"", "ABCDEFGX"),
            Err(FormatError::NoCheckDigit { .. })
        ));
    }
}
