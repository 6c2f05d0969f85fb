//! Check-digit algorithms for national and financial identifiers.
//!
//! Every validator is a pure function `is_valid_<kind>(&str) -> bool` that never panics,
//! and for every scheme there is a helper that *computes* the check digit(s), used by the
//! synthetic data generator in [`crate::demo`].
//!
//! | scheme | country | validator | check computation |
//! | --- | --- | --- | --- |
//! | Luhn (mod 10) | – | [`luhn_valid`] | [`luhn_check_digit`] |
//! | personnummer / samordningsnummer | SE | [`is_valid_personnummer`] | [`personnummer_check_digit`] |
//! | CPR-nummer | DK | [`is_valid_cpr`] | [`cpr_check_digit`] |
//! | burgerservicenummer (BSN) | NL | [`is_valid_bsn`] | [`bsn_check_digit`] |
//! | Rentenversicherungsnummer (social insurance number) | DE | [`is_valid_de_rvnr`] | [`de_rvnr_check_digit`] |
//! | henkilötunnus (HETU) | FI | [`is_valid_hetu`] | [`hetu_control_char`] |
//! | rijksregisternummer / numéro de registre national | BE | [`is_valid_be_nrn`] | [`be_nrn_check_digits`] |
//! | NIR (numéro de sécurité sociale) | FR | [`is_valid_nir`] | [`nir_key`] |
//! | IBAN (ISO 13616, mod 97) | many | [`is_valid_iban`] | [`iban_check_digits`], [`build_iban`] |
//!
//! [`is_valid_national_id`] dispatches on an ISO 3166 alpha-2 country code.
//!
//! Digit slices (`&[u8]`) passed to the `*_check_digit` helpers hold digit *values* 0–9,
//! not ASCII characters.

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
pub(crate) fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1–12) of `year`; 0 for an invalid month.
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `year-month-day` is a real calendar date.
pub(crate) fn is_valid_date(year: i32, month: u32, day: u32) -> bool {
    day >= 1 && day <= days_in_month(year, month)
}

/// Parses an all-ASCII-digit byte slice into digit values; `None` if any byte is not a digit.
fn digit_values<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    if bytes.len() != N {
        return None;
    }
    let mut out = [0u8; N];
    for (o, &b) in out.iter_mut().zip(bytes) {
        if !b.is_ascii_digit() {
            return None;
        }
        *o = b - b'0';
    }
    Some(out)
}

/// Collects the bytes of `s` that are not in `skip` into a fixed buffer of exactly `N` bytes.
fn compact<const N: usize>(s: &str, skip: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    let mut n = 0;
    for &b in s.as_bytes() {
        if skip.contains(&b) {
            continue;
        }
        if n == N {
            return None;
        }
        out[n] = b;
        n += 1;
    }
    (n == N).then_some(out)
}

/// Combines digit values into a number (most significant first).
fn number(digits: &[u8]) -> u64 {
    digits.iter().fold(0u64, |acc, &d| acc * 10 + u64::from(d))
}

// ---------------------------------------------------------------------------------------------
// Luhn
// ---------------------------------------------------------------------------------------------

/// Luhn (mod 10) check digit for `digits` (values 0–9), i.e. the digit that, appended to
/// `digits`, makes the whole sequence pass [`luhn_valid`].
pub fn luhn_check_digit(digits: &[u8]) -> u8 {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        debug_assert!(d < 10, "luhn_check_digit takes digit values 0-9");
        let d = u32::from(d);
        sum += if i % 2 == 0 {
            let x = d * 2;
            if x > 9 { x - 9 } else { x }
        } else {
            d
        };
    }
    ((10 - sum % 10) % 10) as u8
}

/// Whether `s` (ASCII digits, spaces ignored, at least two digits) passes the Luhn check.
pub fn luhn_valid(s: &str) -> bool {
    let mut sum = 0u32;
    let mut count = 0usize;
    for b in s.bytes().rev() {
        if b == b' ' {
            continue;
        }
        if !b.is_ascii_digit() {
            return false;
        }
        let d = u32::from(b - b'0');
        sum += if count % 2 == 1 {
            let x = d * 2;
            if x > 9 { x - 9 } else { x }
        } else {
            d
        };
        count += 1;
    }
    count >= 2 && sum.is_multiple_of(10)
}

// ---------------------------------------------------------------------------------------------
// Sweden: personnummer
// ---------------------------------------------------------------------------------------------

/// Check digit of a Swedish personnummer from its first nine digits `YYMMDDNNN`
/// (Luhn over the 10-digit form; the century is never part of the checksum).
pub fn personnummer_check_digit(yymmddnnn: &[u8]) -> u8 {
    luhn_check_digit(yymmddnnn)
}

/// Swedish personnummer (or samordningsnummer, where 60 is added to the day).
///
/// Accepted forms: `YYMMDD-NNNC`, `YYMMDD+NNNC` (100 years or older), `YYMMDDNNNC`,
/// `YYYYMMDDNNNC` and `YYYYMMDD-NNNC`. The date must be a real calendar date; with a
/// two-digit year the century is unknown, so 29 February is accepted whenever `YY` is a
/// multiple of four. The last digit is the Luhn check digit over the 10-digit form.
pub fn is_valid_personnummer(s: &str) -> bool {
    let b = s.as_bytes();
    let (century, ten): (Option<&[u8]>, [u8; 10]) = match b.len() {
        10 => match digit_values::<10>(b) {
            Some(d) => (None, d),
            None => return false,
        },
        11 if b[6] == b'-' || b[6] == b'+' => {
            let mut joined = [0u8; 10];
            joined[..6].copy_from_slice(&b[..6]);
            joined[6..].copy_from_slice(&b[7..]);
            match digit_values::<10>(&joined) {
                Some(d) => (None, d),
                None => return false,
            }
        }
        12 => match digit_values::<10>(&b[2..]) {
            Some(d) => (Some(&b[..2]), d),
            None => return false,
        },
        13 if b[8] == b'-' => {
            let mut joined = [0u8; 10];
            joined[..6].copy_from_slice(&b[2..8]);
            joined[6..].copy_from_slice(&b[9..]);
            match digit_values::<10>(&joined) {
                Some(d) => (Some(&b[..2]), d),
                None => return false,
            }
        }
        _ => return false,
    };
    let yy = i32::from(ten[0] * 10 + ten[1]);
    let month = u32::from(ten[2] * 10 + ten[3]);
    let mut day = u32::from(ten[4] * 10 + ten[5]);
    if day > 60 {
        day -= 60; // samordningsnummer
    }
    let year = match century {
        Some(c) => match digit_values::<2>(c) {
            Some([1, 8]) => 1800 + yy,
            Some([1, 9]) => 1900 + yy,
            Some([2, 0]) => 2000 + yy,
            _ => return false,
        },
        // Century unknown: pick a year with the same leap-ness as "some century" allows.
        None => 2000 + yy,
    };
    is_valid_date(year, month, day) && personnummer_check_digit(&ten[..9]) == ten[9]
}

// ---------------------------------------------------------------------------------------------
// Denmark: CPR-nummer
// ---------------------------------------------------------------------------------------------

const CPR_WEIGHTS: [u32; 10] = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

/// Birth year encoded by a CPR number, from its two-digit year and the first digit of the
/// sequence number (the seventh digit overall), following the CPR office's century table.
pub fn cpr_birth_year(yy: u8, seventh_digit: u8) -> Option<i32> {
    let yy = i32::from(yy);
    if yy > 99 {
        return None;
    }
    let century = match seventh_digit {
        0..=3 => 1900,
        4 | 9 if yy <= 36 => 2000,
        4 | 9 => 1900,
        5..=8 if yy <= 57 => 2000,
        5..=8 => 1800,
        _ => return None,
    };
    Some(century + yy)
}

/// The tenth digit that makes a CPR number pass the mod-11 test, from the first nine digits
/// `DDMMYYSSS`; `None` when no digit works (remainder 10), in which case the sequence
/// number cannot be issued under the mod-11 rule.
pub fn cpr_check_digit(first9: &[u8]) -> Option<u8> {
    if first9.len() != 9 {
        return None;
    }
    let sum: u32 = first9
        .iter()
        .zip(CPR_WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    match (11 - sum % 11) % 11 {
        10 => None,
        c => Some(c as u8),
    }
}

/// Danish CPR number, `DDMMYY-SSSS` or `DDMMYYSSSS`.
///
/// Checks that the date (with the century taken from the seventh digit) is a real calendar
/// date and that the weighted sum with weights 4,3,2,7,6,5,4,3,2,1 is divisible by 11.
///
/// Note: since 2007 the CPR office also issues numbers that do **not** satisfy the mod-11
/// rule (some birth dates ran out of valid sequence numbers), so a real, correct CPR number
/// may be rejected here. Our synthetic generator only emits mod-11-valid numbers, so for
/// the demo data this validator is exact; on real data treat a mod-11 failure as a warning.
pub fn is_valid_cpr(s: &str) -> bool {
    let b = s.as_bytes();
    let d: [u8; 10] = match b.len() {
        10 => match digit_values::<10>(b) {
            Some(d) => d,
            None => return false,
        },
        11 if b[6] == b'-' => {
            let mut joined = [0u8; 10];
            joined[..6].copy_from_slice(&b[..6]);
            joined[6..].copy_from_slice(&b[7..]);
            match digit_values::<10>(&joined) {
                Some(d) => d,
                None => return false,
            }
        }
        _ => return false,
    };
    let day = u32::from(d[0] * 10 + d[1]);
    let month = u32::from(d[2] * 10 + d[3]);
    let Some(year) = cpr_birth_year(d[4] * 10 + d[5], d[6]) else {
        return false;
    };
    let sum: u32 = d
        .iter()
        .zip(CPR_WEIGHTS)
        .map(|(&x, w)| u32::from(x) * w)
        .sum();
    is_valid_date(year, month, day) && sum.is_multiple_of(11)
}

// ---------------------------------------------------------------------------------------------
// Netherlands: BSN
// ---------------------------------------------------------------------------------------------

const BSN_WEIGHTS: [u32; 8] = [9, 8, 7, 6, 5, 4, 3, 2];

/// The ninth digit that makes a BSN pass the "elfproef", from the first eight digits;
/// `None` when no digit works (remainder 10).
pub fn bsn_check_digit(first8: &[u8]) -> Option<u8> {
    if first8.len() != 8 {
        return None;
    }
    let sum: u32 = first8
        .iter()
        .zip(BSN_WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    match sum % 11 {
        10 => None,
        c => Some(c as u8),
    }
}

/// Dutch burgerservicenummer: exactly nine digits, weights 9,8,…,2 and −1 (the
/// "elfproef"), weighted sum divisible by 11, and not all zeros.
pub fn is_valid_bsn(s: &str) -> bool {
    let Some(d) = digit_values::<9>(s.as_bytes()) else {
        return false;
    };
    if d.iter().all(|&x| x == 0) {
        return false;
    }
    bsn_check_digit(&d[..8]) == Some(d[8])
}

// ---------------------------------------------------------------------------------------------
// Germany: Rentenversicherungsnummer
// ---------------------------------------------------------------------------------------------

const RVNR_WEIGHTS: [u32; 12] = [2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1];

/// Check digit of a German Rentenversicherungsnummer (Sozialversicherungsnummer) from its
/// first eleven characters: area number (2 digits), birth date `DDMMYY`, the initial of the
/// birth surname (`A`–`Z`) and the serial number (2 digits; 00–49 male, 50–99 female).
///
/// The letter is replaced by its two-digit position in the alphabet, the twelve digits are
/// multiplied by 2,1,2,5,7,1,2,1,2,1,2,1, the digit sums of the products are added, and the
/// check digit is that sum modulo 10. `None` for malformed input.
pub fn de_rvnr_check_digit(first11: &str) -> Option<u8> {
    let b = first11.as_bytes();
    if b.len() != 11 || !b[8].is_ascii_uppercase() {
        return None;
    }
    let letter = b[8] - b'A' + 1;
    let mut twelve = [0u8; 12];
    twelve[..8].copy_from_slice(&digit_values::<8>(&b[..8])?);
    twelve[8] = letter / 10;
    twelve[9] = letter % 10;
    twelve[10..].copy_from_slice(&digit_values::<2>(&b[9..])?);
    let sum: u32 = twelve
        .iter()
        .zip(RVNR_WEIGHTS)
        .map(|(&d, w)| {
            let p = u32::from(d) * w;
            p / 10 + p % 10
        })
        .sum();
    Some((sum % 10) as u8)
}

/// German Rentenversicherungsnummer, `AADDMMYYLSSC` (spaces ignored), e.g. `15070649C103`.
///
/// Germany has no general personal identification number that encodes birth date and sex;
/// the pension/social insurance number does, so that is the "national id" used for German
/// rows of the demo data. Checks the birth date (two-digit year, so 29 February is accepted
/// whenever `YY` is a multiple of four), the initial letter and the check digit.
pub fn is_valid_de_rvnr(s: &str) -> bool {
    let Some(b) = compact::<12>(s, b" ") else {
        return false;
    };
    let Some(date) = digit_values::<6>(&b[2..8]) else {
        return false;
    };
    let day = u32::from(date[0] * 10 + date[1]);
    let month = u32::from(date[2] * 10 + date[3]);
    let year = 2000 + i32::from(date[4] * 10 + date[5]);
    if !is_valid_date(year, month, day) {
        return false;
    }
    let Ok(first11) = std::str::from_utf8(&b[..11]) else {
        return false;
    };
    de_rvnr_check_digit(first11).is_some_and(|c| b[11] == b'0' + c)
}

// ---------------------------------------------------------------------------------------------
// Finland: henkilötunnus
// ---------------------------------------------------------------------------------------------

const HETU_CONTROL: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// Control character of a Finnish HETU: the nine digits `DDMMYYZZZ` read as one number,
/// modulo 31, indexed into `0123456789ABCDEFHJKLMNPRSTUVWXY`.
pub fn hetu_control_char(ddmmyyzzz: u32) -> char {
    char::from(HETU_CONTROL[(ddmmyyzzz % 31) as usize])
}

/// Century sign of a HETU for a birth year: `+` (1800s), `-` (1900s), `A` (2000s).
/// (Since 2023 `Y X W V U` and `B C D E F` are also issued for the 1900s/2000s; the
/// validator accepts them, this helper returns the classic sign.)
pub fn hetu_century_sign(year: i32) -> Option<char> {
    match year {
        1800..=1899 => Some('+'),
        1900..=1999 => Some('-'),
        2000..=2099 => Some('A'),
        _ => None,
    }
}

/// Finnish personal identity code `DDMMYYCZZZQ`: a real birth date (century from the sign
/// `C`), individual number `ZZZ` 002–999 (odd for men, even for women; 900–999 are
/// temporary numbers), and the mod-31 control character `Q`.
pub fn is_valid_hetu(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 11 {
        return false;
    }
    let century = match b[6] {
        b'+' => 1800,
        b'-' | b'Y' | b'X' | b'W' | b'V' | b'U' => 1900,
        b'A' | b'B' | b'C' | b'D' | b'E' | b'F' => 2000,
        _ => return false,
    };
    let (Some(date), Some(ind)) = (digit_values::<6>(&b[..6]), digit_values::<3>(&b[7..10])) else {
        return false;
    };
    let day = u32::from(date[0] * 10 + date[1]);
    let month = u32::from(date[2] * 10 + date[3]);
    let year = century + i32::from(date[4] * 10 + date[5]);
    let individual = number(&ind);
    if !is_valid_date(year, month, day) || individual < 2 {
        return false;
    }
    let n = number(&date) * 1000 + individual;
    char::from(b[10]) == hetu_control_char(n as u32)
}

// ---------------------------------------------------------------------------------------------
// Belgium: rijksregisternummer / numéro de registre national
// ---------------------------------------------------------------------------------------------

/// The two check digits of a Belgian national register number from its first nine digits
/// `YYMMDDSSS` (as a number): `97 − (n mod 97)`, where for people born in 2000 or later a
/// `2` is prefixed to `n` before taking the remainder. Always in 1–97.
pub fn be_nrn_check_digits(yymmddsss: u32, born_2000_or_later: bool) -> u8 {
    let n = u64::from(yymmddsss) + if born_2000_or_later { 2_000_000_000 } else { 0 };
    (97 - n % 97) as u8
}

/// Belgian national register number, `YY.MM.DD-SSS.CC` or 11 digits (`.`, `-` and spaces
/// ignored). Checks the birth date (month + 20 / + 40 of "bis" numbers accepted), the
/// sequence number 001–998 (odd for men, even for women) and the mod-97 check digits, for
/// either century. Numbers with an unknown birth date (month or day `00`) are rejected.
pub fn is_valid_be_nrn(s: &str) -> bool {
    let Some(b) = compact::<11>(s, b".- ") else {
        return false;
    };
    let Some(d) = digit_values::<11>(&b) else {
        return false;
    };
    let yy = i32::from(d[0] * 10 + d[1]);
    let mut month = u32::from(d[2] * 10 + d[3]);
    if (21..=32).contains(&month) {
        month -= 20;
    } else if (41..=52).contains(&month) {
        month -= 40;
    }
    let day = u32::from(d[4] * 10 + d[5]);
    let seq = number(&d[6..9]);
    if !(1..=998).contains(&seq) {
        return false;
    }
    let n9 = number(&d[..9]) as u32;
    let cc = d[9] * 10 + d[10];
    (cc == be_nrn_check_digits(n9, false) && is_valid_date(1900 + yy, month, day))
        || (cc == be_nrn_check_digits(n9, true) && is_valid_date(2000 + yy, month, day))
}

/// National check digits of a Belgian bank account (the last two digits of the BBAN) from
/// its first ten digits: `n mod 97`, with 0 replaced by 97.
pub fn be_bban_check(first10: u64) -> u8 {
    match first10 % 97 {
        0 => 97,
        r => r as u8,
    }
}

// ---------------------------------------------------------------------------------------------
// France: NIR and RIB
// ---------------------------------------------------------------------------------------------

/// The two-digit key of a French NIR from its first thirteen characters (`2A`/`2B` allowed
/// as department for Corsica): `97 − (n mod 97)`, where Corsican numbers use 19 / 18 in
/// place of 2A / 2B. `None` for malformed input.
pub fn nir_key(first13: &str) -> Option<u8> {
    let b = first13.as_bytes();
    if b.len() != 13 {
        return None;
    }
    let mut digits = [0u8; 13];
    digits.copy_from_slice(b);
    match (b[5], b[6]) {
        (b'2', b'A') | (b'2', b'a') => {
            digits[5] = b'1';
            digits[6] = b'9';
        }
        (b'2', b'B') | (b'2', b'b') => {
            digits[5] = b'1';
            digits[6] = b'8';
        }
        _ => {}
    }
    let d = digit_values::<13>(&digits)?;
    Some((97 - number(&d) % 97) as u8)
}

/// French NIR (social security number, 15 characters, spaces ignored):
/// sex (`1`/`2`, or `3`/`4`/`7`/`8` for special registrations), birth year `YY`, birth
/// month `01`–`12` (or `20`–`42`, `50`–`99` when unknown), department (digits or `2A`/`2B`),
/// commune (3 digits), order number (3 digits, not `000`) and the mod-97 key.
pub fn is_valid_nir(s: &str) -> bool {
    let Some(b) = compact::<15>(s, b" ") else {
        return false;
    };
    if !matches!(b[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
        return false;
    }
    let Some(mm) = digit_values::<2>(&b[3..5]) else {
        return false;
    };
    let month = mm[0] * 10 + mm[1];
    if !matches!(month, 1..=12 | 20..=42 | 50..=99) {
        return false;
    }
    if digit_values::<3>(&b[10..13]) == Some([0, 0, 0]) {
        return false;
    }
    let (Ok(first13), Some(key)) = (std::str::from_utf8(&b[..13]), digit_values::<2>(&b[13..]))
    else {
        return false;
    };
    nir_key(first13) == Some(key[0] * 10 + key[1])
}

/// Value of a French RIB character: digits as themselves, letters A–Z mapped to 1–9
/// (A,J→1; B,K,S→2; … I,R,Z→9).
fn rib_char_value(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'A'..=b'I' => Some(u64::from(b - b'A' + 1)),
        b'J'..=b'R' => Some(u64::from(b - b'J' + 1)),
        b'S'..=b'Z' => Some(u64::from(b - b'S' + 2)),
        _ => None,
    }
}

fn rib_number(s: &str) -> Option<u64> {
    s.bytes()
        .try_fold(0u64, |acc, b| Some(acc * 10 + rib_char_value(b)?))
}

/// The two-digit RIB key of a French bank account: bank code (5), branch code (5) and
/// account number (11, digits or upper-case letters):
/// `97 − ((89·bank + 15·branch + 3·account) mod 97)`. `None` for malformed input.
pub fn fr_rib_key(bank: &str, branch: &str, account: &str) -> Option<u8> {
    if bank.len() != 5 || branch.len() != 5 || account.len() != 11 {
        return None;
    }
    let total = 89 * rib_number(bank)? + 15 * rib_number(branch)? + 3 * rib_number(account)?;
    Some((97 - total % 97) as u8)
}

// ---------------------------------------------------------------------------------------------
// IBAN
// ---------------------------------------------------------------------------------------------

/// IBAN length (country code and check digits included) for the countries we know.
pub fn iban_length(country: &str) -> Option<usize> {
    let len = match country {
        "AT" => 20,
        "BE" => 16,
        "CH" => 21,
        "CZ" => 24,
        "DE" => 22,
        "DK" => 18,
        "EE" => 20,
        "ES" => 24,
        "FI" => 18,
        "FO" => 18,
        "FR" => 27,
        "GB" => 22,
        "GL" => 18,
        "GR" => 27,
        "HU" => 28,
        "IE" => 22,
        "IS" => 26,
        "IT" => 27,
        "LT" => 20,
        "LU" => 20,
        "LV" => 21,
        "MC" => 27,
        "NL" => 18,
        "NO" => 15,
        "PL" => 28,
        "PT" => 25,
        "SE" => 24,
        "SI" => 19,
        "SK" => 24,
        _ => return None,
    };
    Some(len)
}

/// Numeric value of an IBAN character (digits 0–9, letters 10–35, case-insensitive).
fn iban_char_value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'A'..=b'Z' => Some(u32::from(b - b'A') + 10),
        b'a'..=b'z' => Some(u32::from(b - b'a') + 10),
        _ => None,
    }
}

/// Folds IBAN characters into a running remainder modulo 97.
fn mod97_fold(rem: u32, bytes: impl IntoIterator<Item = u8>) -> Option<u32> {
    bytes.into_iter().try_fold(rem, |r, b| {
        let v = iban_char_value(b)?;
        Some(if v < 10 {
            (r * 10 + v) % 97
        } else {
            (r * 100 + v) % 97
        })
    })
}

/// The two IBAN check digits for a country code and BBAN (ISO 7064 MOD 97-10):
/// `98 − (BBAN ‖ country ‖ "00" mod 97)`, letters counting 10–35. `None` if the country is
/// not two ASCII letters or the BBAN holds anything but ASCII letters and digits.
pub fn iban_check_digits(country: &str, bban: &str) -> Option<String> {
    let c = country.as_bytes();
    if c.len() != 2 || !c.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let rem = mod97_fold(0, bban.bytes())?;
    let rem = mod97_fold(rem, c.iter().copied().chain(*b"00"))?;
    Some(format!("{:02}", 98 - rem))
}

/// A complete IBAN in electronic form (no spaces) for a known country, or `None` if the
/// country is not in [`iban_length`]'s table or the BBAN has the wrong length or characters.
pub fn build_iban(country: &str, bban: &str) -> Option<String> {
    let len = iban_length(country)?;
    if bban.len() + 4 != len {
        return None;
    }
    let check = iban_check_digits(country, bban)?;
    Some(format!("{country}{check}{bban}"))
}

/// IBAN (ISO 13616), with or without spaces (upper or lower case): a known country code,
/// that country's length, alphanumeric characters, numeric check digits, and the whole
/// number (rearranged with the first four characters moved to the end) ≡ 1 mod 97.
pub fn is_valid_iban(s: &str) -> bool {
    let mut buf = [0u8; 34];
    let mut n = 0;
    for b in s.bytes() {
        if b == b' ' {
            continue;
        }
        if n == buf.len() || !b.is_ascii_alphanumeric() {
            return false;
        }
        buf[n] = b.to_ascii_uppercase();
        n += 1;
    }
    if n < 5 {
        return false;
    }
    let iban = &buf[..n];
    let Ok(country) = std::str::from_utf8(&iban[..2]) else {
        return false;
    };
    if iban_length(country) != Some(n) || !iban[2..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    mod97_fold(0, iban[4..].iter().chain(&iban[..4]).copied()) == Some(1)
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/// Validates `s` as the national identifier used for `country` (ISO 3166 alpha-2):
/// SE personnummer, DK CPR, NL BSN, DE Rentenversicherungsnummer, FI HETU, BE national
/// register number, FR NIR. `None` for a country without a supported scheme.
pub fn is_valid_national_id(country: &str, s: &str) -> Option<bool> {
    let check: fn(&str) -> bool = match country {
        "SE" => is_valid_personnummer,
        "DK" => is_valid_cpr,
        "NL" => is_valid_bsn,
        "DE" => is_valid_de_rvnr,
        "FI" => is_valid_hetu,
        "BE" => is_valid_be_nrn,
        "FR" => is_valid_nir,
        _ => return None,
    };
    Some(check(s))
}

// ---------------------------------------------------------------------------------------------
// More schemes, used by PII detection (`datalab-assess`)
// ---------------------------------------------------------------------------------------------

/// Whether `year-month-day` is a real date of the proleptic Gregorian calendar.
pub fn is_valid_calendar_date(year: i32, month: u32, day: u32) -> bool {
    is_valid_date(year, month, day)
}

/// ISO 7064 MOD 11,10 check digit of `digits` (values 0–9): the hybrid system used by the
/// German tax ID, German VAT numbers and the Croatian OIB.
pub fn iso7064_mod11_10_check_digit(digits: &[u8]) -> u8 {
    let mut product = 10u32;
    for &d in digits {
        let mut sum = (u32::from(d) + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (2 * sum) % 11;
    }
    match 11 - product {
        10 => 0,
        c => c as u8,
    }
}

// Norway: fødselsnummer -----------------------------------------------------------------------

const NO_K1_WEIGHTS: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const NO_K2_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

fn mod11_control(digits: &[u8], weights: &[u32]) -> Option<u8> {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        c => Some(c as u8),
    }
}

/// The two control digits of a Norwegian fødselsnummer from its first nine digits
/// `DDMMYYIII` (weights 3,7,6,1,8,9,4,5,2 and 5,4,3,2,7,6,5,4,3,2, modulus 11); `None` when a
/// remainder makes the individual number unusable.
pub fn no_fodselsnummer_control_digits(first9: &[u8]) -> Option<(u8, u8)> {
    if first9.len() != 9 {
        return None;
    }
    let k1 = mod11_control(first9, &NO_K1_WEIGHTS)?;
    let mut ten = [0u8; 10];
    ten[..9].copy_from_slice(first9);
    ten[9] = k1;
    let k2 = mod11_control(&ten, &NO_K2_WEIGHTS)?;
    Some((k1, k2))
}

/// Birth year of a Norwegian fødselsnummer from its two-digit year and individual number
/// (000–999), following Skatteetaten's allocation: 000–499 → 1900s; 500–749 with `YY` ≥ 54 →
/// 1854–1899; 500–999 with `YY` ≤ 39 → 2000–2039; 900–999 with `YY` ≥ 40 → 1940–1999.
pub fn no_fodselsnummer_birth_year(yy: u8, individual: u16) -> Option<i32> {
    let yy = i32::from(yy);
    match (individual, yy) {
        (0..=499, 0..=99) => Some(1900 + yy),
        (500..=749, 54..=99) => Some(1800 + yy),
        (500..=999, 0..=39) => Some(2000 + yy),
        (900..=999, 40..=99) => Some(1900 + yy),
        _ => None,
    }
}

/// Norwegian fødselsnummer `DDMMYYIIIKK` (11 digits, or `DDMMYY IIIKK`): a real birth date
/// (D-numbers add 40 to the day, H-numbers 40 to the month), a century consistent with the
/// individual number, and both mod-11 control digits.
pub fn is_valid_no_fodselsnummer(s: &str) -> bool {
    let b = s.as_bytes();
    let d: [u8; 11] = match b.len() {
        11 => match digit_values::<11>(b) {
            Some(d) => d,
            None => return false,
        },
        12 if b[6] == b' ' => {
            let mut joined = [0u8; 11];
            joined[..6].copy_from_slice(&b[..6]);
            joined[6..].copy_from_slice(&b[7..]);
            match digit_values::<11>(&joined) {
                Some(d) => d,
                None => return false,
            }
        }
        _ => return false,
    };
    let mut day = u32::from(d[0] * 10 + d[1]);
    let mut month = u32::from(d[2] * 10 + d[3]);
    if day > 40 {
        day -= 40; // D-number
    }
    if month > 40 {
        month -= 40; // H-number
    }
    let individual = number(&d[6..9]) as u16;
    let Some(year) = no_fodselsnummer_birth_year(d[4] * 10 + d[5], individual) else {
        return false;
    };
    is_valid_date(year, month, day)
        && no_fodselsnummer_control_digits(&d[..9]) == Some((d[9], d[10]))
}

// Poland: PESEL -------------------------------------------------------------------------------

const PESEL_WEIGHTS: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];

/// Check digit of a Polish PESEL from its first ten digits (weights 1,3,7,9,…, mod 10).
pub fn pesel_check_digit(first10: &[u8]) -> u8 {
    let sum: u32 = first10
        .iter()
        .zip(PESEL_WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Polish PESEL `YYMMDDZZZXQ`: a real birth date, where the month carries the century
/// (+80 for the 1800s, +0 for the 1900s, +20, +40, +60 for the 2000s, 2100s, 2200s), and the
/// check digit.
pub fn is_valid_pesel(s: &str) -> bool {
    let Some(d) = digit_values::<11>(s.as_bytes()) else {
        return false;
    };
    let yy = i32::from(d[0] * 10 + d[1]);
    let mm = u32::from(d[2] * 10 + d[3]);
    let (century, month) = match mm {
        81..=92 => (1800, mm - 80),
        1..=12 => (1900, mm),
        21..=32 => (2000, mm - 20),
        41..=52 => (2100, mm - 40),
        61..=72 => (2200, mm - 60),
        _ => return false,
    };
    let day = u32::from(d[4] * 10 + d[5]);
    is_valid_date(century + yy, month, day) && pesel_check_digit(&d[..10]) == d[10]
}

// Germany: steuerliche Identifikationsnummer ---------------------------------------------------

/// German tax identification number (Steuer-IdNr.), 11 digits (spaces ignored): the first
/// digit is not 0; among the first ten digits exactly one digit occurs twice or three times
/// (three identical digits never all adjacent) and every other digit at most once; the last
/// digit is the ISO 7064 MOD 11,10 check digit.
pub fn is_valid_de_tax_id(s: &str) -> bool {
    let Some(b) = compact::<11>(s, b" ") else {
        return false;
    };
    let Some(d) = digit_values::<11>(&b) else {
        return false;
    };
    if d[0] == 0 {
        return false;
    }
    let mut counts = [0u8; 10];
    for &x in &d[..10] {
        counts[usize::from(x)] += 1;
    }
    let mut repeated = (0..10).filter(|&x| counts[x] > 1);
    let (Some(digit), None) = (repeated.next(), repeated.next()) else {
        return false;
    };
    match counts[digit] {
        2 => {}
        3 => {
            let run = d[..10]
                .windows(3)
                .any(|w| w.iter().all(|&x| usize::from(x) == digit));
            if run {
                return false;
            }
        }
        _ => return false,
    }
    iso7064_mod11_10_check_digit(&d[..10]) == d[10]
}

// Spain: DNI and NIE ---------------------------------------------------------------------------

const ES_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Control letter of a Spanish DNI (or NIE, with X/Y/Z read as 0/1/2): `n mod 23` indexed
/// into `TRWAGMYFPDXBNJZSQVHLCKE`.
pub fn es_control_letter(n: u32) -> char {
    char::from(ES_LETTERS[(n % 23) as usize])
}

/// Digits and final letter of a Spanish DNI/NIE body with `.`, `-` and spaces removed and
/// the letter upper-cased.
fn es_compact<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = compact::<N>(s, b".- ")?;
    out[N - 1] = out[N - 1].to_ascii_uppercase();
    out[0] = out[0].to_ascii_uppercase();
    Some(out)
}

/// Spanish DNI: eight digits and the mod-23 control letter, e.g. `12345678Z`
/// (`12.345.678-Z`, `12345678-Z` and a lower-case letter are accepted).
pub fn is_valid_es_dni(s: &str) -> bool {
    let Some(b) = es_compact::<9>(s) else {
        return false;
    };
    let Some(d) = digit_values::<8>(&b[..8]) else {
        return false;
    };
    b[8] == es_control_letter(number(&d) as u32) as u8
}

/// Spanish NIE (foreigner's number): `X`, `Y` or `Z`, seven digits and the control letter
/// computed as for a DNI with the first letter read as 0, 1 or 2, e.g. `X1234567L`.
pub fn is_valid_es_nie(s: &str) -> bool {
    let Some(b) = es_compact::<9>(s) else {
        return false;
    };
    let lead = match b[0] {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        _ => return false,
    };
    let Some(d) = digit_values::<7>(&b[1..8]) else {
        return false;
    };
    b[8] == es_control_letter(lead * 10_000_000 + number(&d) as u32) as u8
}

// Italy: codice fiscale ------------------------------------------------------------------------

/// Values of the characters in odd (1st, 3rd, …) positions of a codice fiscale, for `0`–`9`
/// and then `A`–`Z` (a digit counts as the letter in the same place of the alphabet).
const CF_ODD: [u8; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];
/// Letters that replace the digits 0–9 in "omocodia" (homocode) variants.
const CF_OMOCODE: &[u8; 10] = b"LMNPQRSTUV";
/// Month letters of a codice fiscale, January to December.
const CF_MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
/// Positions (0-based) that hold digits, or their omocodia letters.
const CF_DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];

/// Check character of an Italian codice fiscale from its first fifteen characters
/// (upper case): odd positions through the conversion table, even positions at face value,
/// sum mod 26 as a letter. `None` for characters other than `A`–`Z`, `0`–`9`.
pub fn it_codice_fiscale_check_char(first15: &str) -> Option<char> {
    let b = first15.as_bytes();
    if b.len() != 15 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in b.iter().enumerate() {
        let index = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'Z' => c - b'A',
            _ => return None,
        };
        sum += u32::from(if i % 2 == 0 {
            CF_ODD[usize::from(index)]
        } else {
            index
        });
    }
    Some(char::from(b'A' + (sum % 26) as u8))
}

/// Italian codice fiscale of a person (16 characters, case-insensitive): three letters of
/// the surname and three of the name, birth year, month letter, day (plus 40 for women),
/// place code (letter and three digits), check character; digits may be replaced by the
/// omocodia letters `LMNPQRSTUV`. The day must exist in that month (29 February whenever
/// the two-digit year allows a leap year).
pub fn is_valid_it_codice_fiscale(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 16 {
        return false;
    }
    let mut up = [0u8; 16];
    for (u, &c) in up.iter_mut().zip(b) {
        *u = c.to_ascii_uppercase();
    }
    // Undo omocodia to read the date; the check character covers the characters as written.
    let mut plain = up;
    for &i in &CF_DIGIT_POSITIONS {
        let c = plain[i];
        if c.is_ascii_digit() {
            continue;
        }
        match CF_OMOCODE.iter().position(|&o| o == c) {
            Some(v) => plain[i] = b'0' + v as u8,
            None => return false,
        }
    }
    let letters_ok = [0, 1, 2, 3, 4, 5, 8, 11, 15]
        .iter()
        .all(|&i| plain[i].is_ascii_uppercase());
    if !letters_ok {
        return false;
    }
    let Some(month) = CF_MONTHS.iter().position(|&m| m == plain[8]) else {
        return false;
    };
    let (Some(yy), Some(dd)) = (
        digit_values::<2>(&plain[6..8]),
        digit_values::<2>(&plain[9..11]),
    ) else {
        return false;
    };
    if digit_values::<3>(&plain[12..15]).is_none() {
        return false;
    }
    let mut day = u32::from(dd[0] * 10 + dd[1]);
    if day > 40 {
        day -= 40;
    }
    let year = 2000 + i32::from(yy[0] * 10 + yy[1]);
    if !is_valid_date(year, month as u32 + 1, day) {
        return false;
    }
    let Ok(first15) = std::str::from_utf8(&up[..15]) else {
        return false;
    };
    it_codice_fiscale_check_char(first15) == Some(char::from(up[15]))
}

// Full IBAN registry ---------------------------------------------------------------------------

/// IBAN length for every country in the SWIFT IBAN registry (a superset of [`iban_length`],
/// which lists the countries the demo generator builds).
pub fn iban_registry_length(country: &str) -> Option<usize> {
    if let Some(len) = iban_length(country) {
        return Some(len);
    }
    let len = match country {
        "AD" => 24,
        "AE" => 23,
        "AL" => 28,
        "AZ" => 28,
        "BA" => 20,
        "BG" => 22,
        "BH" => 22,
        "BI" => 27,
        "BR" => 29,
        "BY" => 28,
        "CR" => 22,
        "CY" => 28,
        "DJ" => 27,
        "DO" => 28,
        "EG" => 29,
        "FK" => 18,
        "GE" => 22,
        "GI" => 23,
        "GT" => 28,
        "HN" => 28,
        "HR" => 21,
        "IL" => 23,
        "IQ" => 23,
        "JO" => 30,
        "KW" => 30,
        "KZ" => 20,
        "LB" => 28,
        "LC" => 32,
        "LI" => 21,
        "LY" => 25,
        "MD" => 24,
        "ME" => 22,
        "MK" => 19,
        "MN" => 20,
        "MR" => 27,
        "MT" => 31,
        "MU" => 30,
        "NI" => 28,
        "OM" => 23,
        "PK" => 24,
        "PS" => 29,
        "QA" => 29,
        "RO" => 24,
        "RS" => 22,
        "RU" => 33,
        "SA" => 24,
        "SC" => 31,
        "SD" => 18,
        "SM" => 27,
        "SO" => 23,
        "ST" => 25,
        "SV" => 28,
        "TL" => 23,
        "TN" => 24,
        "TR" => 26,
        "UA" => 29,
        "VA" => 22,
        "VG" => 24,
        "XK" => 20,
        "YE" => 30,
        _ => return None,
    };
    Some(len)
}

/// As [`is_valid_iban`], for every country of the IBAN registry ([`iban_registry_length`]).
pub fn is_valid_iban_registry(s: &str) -> bool {
    let mut buf = [0u8; 34];
    let mut n = 0;
    for b in s.bytes() {
        if b == b' ' {
            continue;
        }
        if n == buf.len() || !b.is_ascii_alphanumeric() {
            return false;
        }
        buf[n] = b.to_ascii_uppercase();
        n += 1;
    }
    if n < 5 {
        return false;
    }
    let iban = &buf[..n];
    let Ok(country) = std::str::from_utf8(&iban[..2]) else {
        return false;
    };
    if iban_registry_length(country) != Some(n) || !iban[2..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    mod97_fold(0, iban[4..].iter().chain(&iban[..4]).copied()) == Some(1)
}

// EU VAT identification numbers ---------------------------------------------------------------

/// Result of [`eu_vat_check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VatCheck {
    /// Not an EU VAT number: unknown prefix, or characters or length outside the country's format.
    NotVat,
    /// The country's format, but the check digits are wrong.
    Invalid,
    /// The country's format; no check digits are verified for this country (or this variant).
    FormatOnly,
    /// The country's format and correct check digits.
    Valid,
}

fn vat_result(ok: bool) -> VatCheck {
    if ok {
        VatCheck::Valid
    } else {
        VatCheck::Invalid
    }
}

fn weighted_sum(d: &[u8], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(&x, &w)| u32::from(x) * w).sum()
}

/// Digit values of an all-digit byte slice of any length.
fn all_digits(b: &[u8]) -> Option<Vec<u8>> {
    b.iter()
        .map(|&c| c.is_ascii_digit().then_some(c - b'0'))
        .collect()
}

/// Spanish CIF control (for legal entities): the digit and its letter form `JABCDEFGHI`.
fn es_cif_control(d: &[u8]) -> (u8, u8) {
    let mut sum = 0u32;
    for (i, &x) in d.iter().enumerate() {
        let x = u32::from(x);
        sum += if i % 2 == 0 {
            let p = 2 * x;
            p / 10 + p % 10
        } else {
            x
        };
    }
    let c = ((10 - sum % 10) % 10) as u8;
    (b'0' + c, b"JABCDEFGHI"[usize::from(c)])
}

/// Checks an EU VAT identification number in the VIES form: the two-letter prefix (`EL`
/// for Greece, `XI` for Northern Ireland) and the national number. Spaces, dots and dashes
/// are ignored, letters may be lower case.
///
/// Check digits are verified for AT, BE, DE, DK, EE, EL, ES, FI, FR (numeric key), HR, HU,
/// IT, LU, NL (mod 11 or, for sole proprietors since 2020, mod 97), PL, PT, SE, SI and SK;
/// BG, CY, CZ, IE, LT, LV, MT, RO and XI are checked for format only.
pub fn eu_vat_check(s: &str) -> VatCheck {
    let mut buf = [0u8; 16];
    let mut n = 0;
    for c in s.bytes() {
        if matches!(c, b' ' | b'.' | b'-') {
            continue;
        }
        // `+` and `*` occur in old Irish numbers only; every other format rejects them.
        if n == buf.len() || !(c.is_ascii_alphanumeric() || c == b'+' || c == b'*') {
            return VatCheck::NotVat;
        }
        buf[n] = c.to_ascii_uppercase();
        n += 1;
    }
    if n < 4 {
        return VatCheck::NotVat;
    }
    let (prefix, body) = buf[..n].split_at(2);
    let digits = all_digits(body);
    let len = body.len();
    match (prefix, digits) {
        (b"AT", _) => {
            let Some(d) = (body.len() == 9 && body[0] == b'U')
                .then(|| all_digits(&body[1..]))
                .flatten()
            else {
                return VatCheck::NotVat;
            };
            let mut sum = 0u32;
            for (i, &x) in d[..7].iter().enumerate() {
                let p = u32::from(x) * if i % 2 == 1 { 2 } else { 1 };
                sum += p / 10 + p % 10;
            }
            vat_result((10 - (sum + 4) % 10) % 10 == u32::from(d[7]))
        }
        (b"BE", Some(d)) if len == 10 && d[0] <= 1 => {
            let first8 = number(&d[..8]);
            vat_result(97 - first8 % 97 == number(&d[8..]))
        }
        (b"BE", Some(d)) if len == 9 => {
            let first7 = number(&d[..7]);
            vat_result(97 - first7 % 97 == number(&d[7..]))
        }
        (b"DE", Some(d)) if len == 9 && d[0] != 0 => {
            vat_result(iso7064_mod11_10_check_digit(&d[..8]) == d[8])
        }
        (b"DK", Some(d)) if len == 8 && d[0] != 0 => {
            vat_result(weighted_sum(&d, &[2, 7, 6, 5, 4, 3, 2, 1]).is_multiple_of(11))
        }
        (b"EE", Some(d)) if len == 9 => {
            let sum = weighted_sum(&d[..8], &[3, 7, 1, 3, 7, 1, 3, 7]);
            vat_result((10 - sum % 10) % 10 == u32::from(d[8]))
        }
        (b"EL", Some(d)) if len == 9 => {
            let sum: u32 = d[..8]
                .iter()
                .enumerate()
                .map(|(i, &x)| u32::from(x) << (8 - i))
                .sum();
            vat_result(sum % 11 % 10 == u32::from(d[8]))
        }
        (b"ES", _) if len == 9 => {
            let last = body[8];
            let Some(mid) = all_digits(&body[1..8]) else {
                return VatCheck::NotVat;
            };
            let mid_n = number(&mid) as u32;
            match body[0] {
                b'0'..=b'9' => {
                    let first = u32::from(body[0] - b'0');
                    vat_result(es_control_letter(first * 10_000_000 + mid_n) as u8 == last)
                }
                b'X' | b'Y' | b'Z' => {
                    let lead = u32::from(body[0] - b'X');
                    vat_result(es_control_letter(lead * 10_000_000 + mid_n) as u8 == last)
                }
                b'K' | b'L' | b'M' => vat_result(es_control_letter(mid_n) as u8 == last),
                b'A' | b'B' | b'C' | b'D' | b'E' | b'F' | b'G' | b'H' | b'J' | b'N' | b'P'
                | b'Q' | b'R' | b'S' | b'U' | b'V' | b'W' => {
                    let (digit, letter) = es_cif_control(&mid);
                    let ok = match body[0] {
                        b'A' | b'B' | b'E' | b'H' => last == digit,
                        b'K' | b'N' | b'P' | b'Q' | b'S' | b'W' => last == letter,
                        _ => last == digit || last == letter,
                    };
                    vat_result(ok)
                }
                _ => VatCheck::NotVat,
            }
        }
        (b"FI", Some(d)) if len == 8 => {
            let ok = match weighted_sum(&d[..7], &[7, 9, 10, 5, 8, 4, 2]) % 11 {
                0 => d[7] == 0,
                1 => false,
                r => u32::from(d[7]) == 11 - r,
            };
            vat_result(ok)
        }
        (b"FR", _) if len == 11 => {
            let Some(siren) = all_digits(&body[2..]) else {
                return VatCheck::NotVat;
            };
            match all_digits(&body[..2]) {
                Some(key) => vat_result((12 + 3 * (number(&siren) % 97)) % 97 == number(&key)),
                // New-style alphanumeric keys (letters except O and I) have no public check.
                None if body[..2]
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() && c != b'O' && c != b'I') =>
                {
                    VatCheck::FormatOnly
                }
                None => VatCheck::NotVat,
            }
        }
        (b"HR", Some(d)) if len == 11 => {
            vat_result(iso7064_mod11_10_check_digit(&d[..10]) == d[10])
        }
        (b"HU", Some(d)) if len == 8 => {
            let sum = weighted_sum(&d[..7], &[9, 7, 3, 1, 9, 7, 3]);
            vat_result((10 - sum % 10) % 10 == u32::from(d[7]))
        }
        (b"IT", Some(d)) if len == 11 => {
            let ok = std::str::from_utf8(body).is_ok_and(luhn_valid);
            vat_result(ok && d[..7].iter().any(|&x| x != 0))
        }
        (b"LU", Some(d)) if len == 8 => vat_result(number(&d[..6]) % 89 == number(&d[6..])),
        (b"NL", _) if len == 12 && body[9] == b'B' => {
            let (Some(d), Some(suffix)) = (all_digits(&body[..9]), all_digits(&body[10..])) else {
                return VatCheck::NotVat;
            };
            let elfproef = bsn_check_digit(&d[..8]) == Some(d[8]) && d.iter().any(|&x| x != 0);
            // "NL" = 23 21, "B" = 11 in the ISO 7064 MOD 97-10 numbering.
            let rem = mod97_fold(0, *b"2321").and_then(|r| {
                mod97_fold(r, d.iter().map(|&x| b'0' + x))
                    .and_then(|r| mod97_fold(r, *b"11"))
                    .and_then(|r| mod97_fold(r, suffix.iter().map(|&x| b'0' + x)))
            });
            vat_result(elfproef || rem == Some(1))
        }
        (b"PL", Some(d)) if len == 10 => {
            let ok = match weighted_sum(&d[..9], &[6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11 {
                10 => false,
                r => u32::from(d[9]) == r,
            };
            vat_result(ok)
        }
        (b"PT", Some(d)) if len == 9 => {
            let r = 11 - weighted_sum(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
            vat_result(u32::from(d[8]) == if r >= 10 { 0 } else { r })
        }
        (b"SE", Some(d)) if len == 12 && d[10] == 0 && d[11] == 1 => {
            vat_result(luhn_check_digit(&d[..9]) == d[9])
        }
        (b"SI", Some(d)) if len == 8 && d[0] != 0 => {
            let ok = match 11 - weighted_sum(&d[..7], &[8, 7, 6, 5, 4, 3, 2]) % 11 {
                11 => false,
                10 => d[7] == 0,
                c => u32::from(d[7]) == c,
            };
            vat_result(ok)
        }
        (b"SK", Some(d)) if len == 10 && d[0] != 0 && matches!(d[2], 2 | 3 | 4 | 7 | 8 | 9) => {
            vat_result(number(&d).is_multiple_of(11))
        }
        (b"BG", Some(_)) if len == 9 || len == 10 => VatCheck::FormatOnly,
        (b"CY", _)
            if len == 9 && all_digits(&body[..8]).is_some() && body[8].is_ascii_uppercase() =>
        {
            VatCheck::FormatOnly
        }
        (b"CZ", Some(_)) if (8..=10).contains(&len) => VatCheck::FormatOnly,
        (b"IE", _) if ie_vat_format(body) => VatCheck::FormatOnly,
        (b"LT", Some(_)) if len == 9 || len == 12 => VatCheck::FormatOnly,
        (b"LV", Some(_)) if len == 11 => VatCheck::FormatOnly,
        (b"MT", Some(_)) if len == 8 => VatCheck::FormatOnly,
        (b"RO", Some(d)) if (6..=10).contains(&len) && d[0] != 0 => VatCheck::FormatOnly,
        (b"XI", Some(_)) if len == 9 || len == 12 => VatCheck::FormatOnly,
        (b"XI", _) if len == 5 && (body.starts_with(b"GD") || body.starts_with(b"HA")) => {
            match all_digits(&body[2..]) {
                Some(_) => VatCheck::FormatOnly,
                None => VatCheck::NotVat,
            }
        }
        _ => VatCheck::NotVat,
    }
}

/// Irish VAT formats: seven digits and one or two letters (`1234567T`, `1234567TW`), or the
/// old form digit, letter or `+`/`*`, five digits, letter.
fn ie_vat_format(b: &[u8]) -> bool {
    let seven = b.len() >= 8 && b[..7].iter().all(u8::is_ascii_digit);
    match b.len() {
        8 if seven => b[7].is_ascii_uppercase(),
        9 if seven => b[7].is_ascii_uppercase() && b[8].is_ascii_uppercase(),
        8 => {
            b[0].is_ascii_digit()
                && (b[1].is_ascii_uppercase() || b[1] == b'+' || b[1] == b'*')
                && b[2..7].iter().all(u8::is_ascii_digit)
                && b[7].is_ascii_uppercase()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every single-digit change of every digit position must be rejected.
    fn assert_one_digit_changes_fail(valid: &str, is_valid: fn(&str) -> bool) {
        assert_one_digit_changes_fail_from(valid, 0, is_valid);
    }

    /// As [`assert_one_digit_changes_fail`], for the digit positions from `start` on.
    fn assert_one_digit_changes_fail_from(valid: &str, start: usize, is_valid: fn(&str) -> bool) {
        assert!(is_valid(valid), "{valid} should be valid");
        for (i, b) in valid.bytes().enumerate().skip(start) {
            if !b.is_ascii_digit() {
                continue;
            }
            for r in b'0'..=b'9' {
                if r == b {
                    continue;
                }
                let mut changed = valid.as_bytes().to_vec();
                changed[i] = r;
                let changed = String::from_utf8(changed).unwrap();
                assert!(
                    !is_valid(&changed),
                    "{changed} (from {valid}) should be invalid"
                );
            }
        }
    }

    #[test]
    fn luhn() {
        assert_eq!(luhn_check_digit(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1]), 3);
        assert!(luhn_valid("79927398713"));
        assert!(luhn_valid("4539 3195 0343 6467"));
        assert!(!luhn_valid("79927398710"));
        assert!(!luhn_valid("7992739871x"));
        assert!(!luhn_valid("0"));
        assert!(!luhn_valid(""));
        assert_one_digit_changes_fail("79927398713", luhn_valid);
    }

    #[test]
    fn personnummer() {
        // 8*2→7, 1, 1*2, 2, 2*2, 8, 9*2→9, 8, 7*2→5: sum 46 → check digit 4.
        assert_eq!(personnummer_check_digit(&[8, 1, 1, 2, 2, 8, 9, 8, 7]), 4);
        for ok in [
            "811228-9874",
            "811228+9874",
            "8112289874",
            "198112289874",
            "19811228-9874",
        ] {
            assert!(is_valid_personnummer(ok), "{ok}");
        }
        // Samordningsnummer: day + 60 (28 + 60 = 88).
        let c = personnummer_check_digit(&[8, 1, 1, 2, 8, 8, 9, 8, 7]);
        assert!(is_valid_personnummer(&format!("811288-987{c}")));
        // Leap days.
        let c = personnummer_check_digit(&[0, 0, 0, 2, 2, 9, 1, 2, 3]);
        assert!(is_valid_personnummer(&format!("20000229-123{c}")));
        assert!(!is_valid_personnummer(&format!("19000229-123{c}")));
        let c = personnummer_check_digit(&[0, 1, 0, 2, 2, 9, 1, 2, 3]);
        assert!(!is_valid_personnummer(&format!("010229-123{c}")));
        // Malformed.
        for bad in [
            "",
            "811228-987",
            "811228*9874",
            "17811228-9874",
            "19811228+9874",
            "811328-9874",
            "811200-9874",
            "81122a-9874",
            "811228-9875",
        ] {
            assert!(!is_valid_personnummer(bad), "{bad}");
        }
        assert_one_digit_changes_fail("811228-9874", is_valid_personnummer);
        // The century is not covered by the checksum (18811228-9874 is valid too).
        assert_one_digit_changes_fail_from("19811228-9874", 2, is_valid_personnummer);
    }

    #[test]
    fn cpr() {
        // 0·4 + 7·3 + 0·2 + 7·7 + 6·6 + 1·5 + 4·4 + 2·3 + 8·2 + 5·1 = 154 = 14·11.
        assert!(is_valid_cpr("070761-4285"));
        assert!(is_valid_cpr("0707614285"));
        assert_eq!(cpr_check_digit(&[0, 7, 0, 7, 6, 1, 4, 2, 8]), Some(5));
        assert_eq!(cpr_birth_year(61, 4), Some(1961));
        assert_eq!(cpr_birth_year(10, 4), Some(2010));
        assert_eq!(cpr_birth_year(10, 2), Some(1910));
        assert_eq!(cpr_birth_year(60, 6), Some(1860));
        assert_eq!(cpr_birth_year(20, 6), Some(2020));
        // A date that does not exist, even with a correct mod-11 sum.
        let c = cpr_check_digit(&[3, 0, 0, 2, 6, 1, 4, 2, 8]);
        if let Some(c) = c {
            assert!(!is_valid_cpr(&format!("300261-428{c}")));
        }
        for bad in ["", "070761 4285", "070761-428", "0707614286", "07076l-4285"] {
            assert!(!is_valid_cpr(bad), "{bad}");
        }
        assert_one_digit_changes_fail("070761-4285", is_valid_cpr);
    }

    #[test]
    fn bsn() {
        // 1·9 + 1·8 + 1·7 + 2·6 + 2·5 + 2·4 + 3·3 + 3·2 − 3 = 66 = 6·11.
        assert!(is_valid_bsn("111222333"));
        assert!(is_valid_bsn("123456782"));
        assert_eq!(bsn_check_digit(&[1, 1, 1, 2, 2, 2, 3, 3]), Some(3));
        assert!(!is_valid_bsn("000000000"));
        assert!(!is_valid_bsn("11122233"));
        assert!(!is_valid_bsn("1112223333"));
        assert!(!is_valid_bsn("111 222 333"));
        assert_one_digit_changes_fail("111222333", is_valid_bsn);
        assert_one_digit_changes_fail("123456782", is_valid_bsn);
    }

    #[test]
    fn de_rvnr() {
        // 1·2 + 5 + 0 + 7·5→3+5 + 0 + 6 + 4·2 + 9 + 0 + 3 + 1·2 + 0 = 43 → 3 (C = 03).
        assert_eq!(de_rvnr_check_digit("15070649C10"), Some(3));
        assert!(is_valid_de_rvnr("15070649C103"));
        assert!(is_valid_de_rvnr("15 070649 C 103"));
        assert!(!is_valid_de_rvnr("15070649D103"));
        assert!(!is_valid_de_rvnr("15070649c103"));
        assert!(!is_valid_de_rvnr("15073149C103"));
        assert!(!is_valid_de_rvnr("15070649C10"));
        assert_one_digit_changes_fail("15070649C103", is_valid_de_rvnr);
    }

    #[test]
    fn hetu() {
        // 131052308 mod 31 = 25 → 'T'.
        assert_eq!(hetu_control_char(131_052_308), 'T');
        assert!(is_valid_hetu("131052-308T"));
        assert!(is_valid_hetu("131052X308T"));
        assert!(!is_valid_hetu("131052A308U"));
        assert!(!is_valid_hetu("131052Z308T"));
        assert!(!is_valid_hetu("131052-308t"));
        assert!(!is_valid_hetu("311152-308T"));
        assert_eq!(hetu_century_sign(1952), Some('-'));
        assert_eq!(hetu_century_sign(2004), Some('A'));
        assert_one_digit_changes_fail("131052-308T", is_valid_hetu);
    }

    #[test]
    fn be_nrn() {
        // 850730033 mod 97 = 69 → 97 − 69 = 28.
        assert_eq!(be_nrn_check_digits(850_730_033, false), 28);
        assert!(is_valid_be_nrn("85.07.30-033.28"));
        assert!(is_valid_be_nrn("85073003328"));
        // Born 2017: 2170101005 mod 97 = 30 → 67.
        assert_eq!(be_nrn_check_digits(170_101_005, true), 67);
        assert!(is_valid_be_nrn("17.01.01-005.67"));
        assert!(!is_valid_be_nrn("85.07.30-000.xx"));
        assert!(!is_valid_be_nrn("85.13.30-033.28"));
        assert_one_digit_changes_fail("85.07.30-033.28", is_valid_be_nrn);
        assert_one_digit_changes_fail("17.01.01-005.67", is_valid_be_nrn);
        // BBAN check of BE68 5390 0754 7034: 5390075470 mod 97 = 34.
        assert_eq!(be_bban_check(5_390_075_470), 34);
    }

    #[test]
    fn nir() {
        assert_eq!(nir_key("2550814168025"), Some(38));
        assert!(is_valid_nir("255081416802538"));
        assert!(is_valid_nir("2 55 08 14 168 025 38"));
        assert_eq!(nir_key("1850578006084"), Some(91));
        assert!(is_valid_nir("185057800608491"));
        // Corsica: 2A is computed as 19.
        assert_eq!(nir_key("178062A123456"), Some(4));
        assert!(is_valid_nir("178062A12345604"));
        assert!(!is_valid_nir("178062B12345604"));
        assert!(!is_valid_nir("555081416802538"));
        assert!(!is_valid_nir("25508141680253"));
        assert_one_digit_changes_fail("255081416802538", is_valid_nir);
        // RIB key of FR76 3000 6000 0112 3456 7890 189.
        assert_eq!(fr_rib_key("30006", "00001", "12345678901"), Some(89));
        assert_eq!(fr_rib_key("20041", "01005", "0500013M026"), Some(6));
    }

    #[test]
    fn iban() {
        let valid = [
            "GB82 WEST 1234 5698 7654 32",
            "NL91 ABNA 0417 1643 00",
            "DE89 3704 0044 0532 0130 00",
            "SE45 5000 0000 0583 9825 7466",
            "DK50 0040 0440 1162 43",
            "FI21 1234 5600 0007 85",
            "BE68 5390 0754 7034",
            "FR14 2004 1010 0505 0001 3M02 606",
            "ES91 2100 0418 4502 0005 1332",
            "IT60 X054 2811 1010 0000 0123 456",
            "AT61 1904 3002 3457 3201",
            "PL61 1090 1014 0000 0712 1981 2874",
            "IE29 AIBK 9311 5212 3456 78",
            "PT50 0002 0123 1234 5678 9015 4",
        ];
        for iban in valid {
            assert!(is_valid_iban(iban), "{iban}");
            let compact: String = iban.chars().filter(|c| *c != ' ').collect();
            assert!(is_valid_iban(&compact), "{compact}");
            assert!(is_valid_iban(&compact.to_ascii_lowercase()), "{compact}");
            assert_eq!(
                build_iban(&compact[..2], &compact[4..]).as_deref(),
                Some(compact.as_str())
            );
            assert_one_digit_changes_fail(&compact, is_valid_iban);
        }
        assert_eq!(
            iban_check_digits("NL", "ABNA0417164300").as_deref(),
            Some("91")
        );
        for bad in [
            "",
            "NL91",
            "NL91 ABNA 0417 1643 0",
            "NL91 ABNA 0417 1643 000",
            "XX91 ABNA 0417 1643 00",
            "NL9A ABNA 0417 1643 00",
            "NL91-ABNA-0417-1643-00",
            "GB82 WEST 1234 5698 7654 32 GB82 WEST 1234 5698 7654 32",
        ] {
            assert!(!is_valid_iban(bad), "{bad}");
        }
        // Transposition of two adjacent characters is caught as well.
        assert!(!is_valid_iban("NL91 ABNA 0417 1634 00"));
        assert_eq!(build_iban("NL", "ABNA041716430"), None);
        assert_eq!(build_iban("XX", "ABNA0417164300"), None);
        assert_eq!(iban_check_digits("N1", "1234"), None);
    }

    #[test]
    fn dispatch() {
        assert_eq!(is_valid_national_id("SE", "811228-9874"), Some(true));
        assert_eq!(is_valid_national_id("DK", "070761-4285"), Some(true));
        assert_eq!(is_valid_national_id("NL", "111222333"), Some(true));
        assert_eq!(is_valid_national_id("DE", "15070649C103"), Some(true));
        assert_eq!(is_valid_national_id("FI", "131052-308T"), Some(true));
        assert_eq!(is_valid_national_id("BE", "85.07.30-033.28"), Some(true));
        assert_eq!(is_valid_national_id("FR", "255081416802538"), Some(true));
        assert_eq!(is_valid_national_id("NL", "111222334"), Some(false));
        assert_eq!(is_valid_national_id("GB", "111222333"), None);
    }
}
