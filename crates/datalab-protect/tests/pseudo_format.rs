//! FF1 on identifiers with check digits: pseudonymous mode never yields a valid identifier,
//! valid mode always does, and both decrypt back exactly.

use datalab_data::identifiers::{
    is_valid_personnummer, luhn_check_digit, luhn_valid, personnummer_check_digit,
};
use datalab_protect::pseudo::{Alphabet, CheckDigit, CheckDigitMode, FormatCipher};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const KEY: [u8; 32] = [0x5a; 32];

fn cipher(name: &str, mode: CheckDigitMode) -> FormatCipher {
    FormatCipher::from_key(&KEY, "pseudo-format-test", Alphabet::Digits)
        .unwrap()
        .with_check_digit(CheckDigit::named(name, mode).unwrap())
}

fn digits_to_string(d: &[u8]) -> String {
    d.iter().map(|&x| (b'0' + x) as char).collect()
}

/// A valid personnummer: `YYMMDD-NNNC` (or `YYYYMMDD-NNNC` when `century`).
fn personnummer(rng: &mut ChaCha8Rng, century: bool) -> String {
    let year = rng.random_range(1900..2020);
    let month = rng.random_range(1..=12u32);
    let day = rng.random_range(1..=28u32);
    let serial = rng.random_range(0..1000u32);
    let ten = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
    let d: Vec<u8> = ten.bytes().map(|b| b - b'0').collect();
    let check = personnummer_check_digit(&d);
    let (head, tail) = ten.split_at(6);
    if century {
        format!("{}{head}-{tail}{check}", year / 100)
    } else {
        format!("{head}-{tail}{check}")
    }
}

fn luhn_number(rng: &mut ChaCha8Rng, len: usize) -> String {
    let body: Vec<u8> = (0..len - 1).map(|_| rng.random_range(0..10u8)).collect();
    let mut s = digits_to_string(&body);
    s.push((b'0' + luhn_check_digit(&body)) as char);
    s
}

fn check_all(values: &[String], name: &str, valid: fn(&str) -> bool) {
    let pseudo = cipher(name, CheckDigitMode::Pseudonymous);
    let keep = cipher(name, CheckDigitMode::Valid);
    for v in values {
        assert!(valid(v), "generator produced an invalid {name}: {v}");
        let p = pseudo.encrypt(b"", v).unwrap();
        assert_eq!(p.len(), v.len());
        assert!(!valid(&p), "pseudonymous {name} {v} -> {p} is valid");
        assert_eq!(&pseudo.decrypt(b"", &p).unwrap(), v);

        let k = keep.encrypt(b"", v).unwrap();
        assert!(valid(&k), "valid-mode {name} {v} -> {k} is invalid");
        assert_ne!(&k, v);
        assert_eq!(&keep.decrypt(b"", &k).unwrap(), v);
    }
}

#[test]
fn luhn_numbers() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let values: Vec<String> = (0..3000)
        .map(|i| luhn_number(&mut rng, 8 + i % 12))
        .collect();
    check_all(&values, "luhn", luhn_valid);
    // With separators: card numbers in groups of four.
    let grouped: Vec<String> = values
        .iter()
        .filter(|v| v.len() == 16)
        .map(|v| format!("{} {} {} {}", &v[..4], &v[4..8], &v[8..12], &v[12..]))
        .collect();
    assert!(!grouped.is_empty());
    check_all(&grouped, "luhn", luhn_valid);
}

#[test]
fn personnummer_ten_digits() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let values: Vec<String> = (0..3000).map(|_| personnummer(&mut rng, false)).collect();
    check_all(&values, "personnummer", is_valid_personnummer);
}

#[test]
fn personnummer_with_century() {
    // The century digits are encrypted too, so valid mode walks longer (about 1 in 1,000
    // payloads is a valid date with century 18-20): fewer values here.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let values: Vec<String> = (0..150).map(|_| personnummer(&mut rng, true)).collect();
    check_all(&values, "personnummer", is_valid_personnummer);
}

#[test]
fn invalid_inputs_round_trip_in_both_modes() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for mode in [CheckDigitMode::Pseudonymous, CheckDigitMode::Valid] {
        let c = cipher("luhn", mode);
        for _ in 0..2000 {
            let body: Vec<u8> = (0..12).map(|_| rng.random_range(0..10u8)).collect();
            let v = digits_to_string(&body);
            let e = c.encrypt(b"t", &v).unwrap();
            assert_eq!(c.decrypt(b"t", &e).unwrap(), v);
            if mode == CheckDigitMode::Valid {
                assert_eq!(luhn_valid(&e), luhn_valid(&v), "{v} -> {e}");
            }
        }
    }
}

#[test]
fn plain_format_round_trip() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let c = FormatCipher::from_key(&KEY, "plates", Alphabet::UpperAlnum).unwrap();
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for _ in 0..2000 {
        let mut s = String::new();
        for i in 0..9 {
            if i == 4 {
                s.push(' ');
            } else {
                s.push(CHARS[rng.random_range(0..CHARS.len())] as char);
            }
        }
        let e = c.encrypt(b"", &s).unwrap();
        assert_eq!(e.as_bytes()[4], b' ');
        assert_eq!(c.decrypt(b"", &e).unwrap(), s);
    }
}
