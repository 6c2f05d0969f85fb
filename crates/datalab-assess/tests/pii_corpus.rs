//! A labelled corpus for PII detection, generated deterministically.
//!
//! Every check-digit scheme gets [`PER_ENTITY`] valid values in the forms people write them,
//! computed here with this file's own check-digit code (not the validators under test), and
//! as many near-misses: the same values with one check-protected digit changed. Precision and
//! recall are measured per entity on [`detect_value`], with this rule for values that are
//! valid under two schemes by construction (a 10-digit number can pass both the Swedish and
//! the Danish test): when the detector picks the other valid scheme, the value is counted as
//! *ambiguous* — neither a hit nor a miss — and the ambiguous share is bounded and printed.

use std::collections::BTreeMap;

use datalab_assess::pii::{ColumnScanner, Entity, detect_value, find_spans};
use datalab_data::identifiers as id;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0x5eed_2026;
const PER_ENTITY: usize = 5_000;

type R = ChaCha8Rng;

// ---------------------------------------------------------------------------------------------
// Check digits, written independently of datalab_data::identifiers
// ---------------------------------------------------------------------------------------------

fn luhn_digit(payload: &[u8]) -> u8 {
    // Double every second digit from the right of the payload (the check digit goes last).
    let mut sum = 0u32;
    for (i, &d) in payload.iter().rev().enumerate() {
        let mut v = u32::from(d);
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    ((10 - sum % 10) % 10) as u8
}

fn mod11_10(payload: &[u8]) -> u8 {
    let mut p = 10u32;
    for &d in payload {
        let s = match (u32::from(d) + p) % 10 {
            0 => 10,
            s => s,
        };
        p = 2 * s % 11;
    }
    ((11 - p) % 10) as u8
}

fn mod97_of(s: &str) -> u32 {
    // Letters count 10..35, as in ISO 13616.
    let mut r = 0u32;
    for c in s.chars() {
        let v = c.to_digit(36).unwrap();
        r = if v < 10 {
            (r * 10 + v) % 97
        } else {
            (r * 100 + v) % 97
        };
    }
    r
}

fn digits_str(d: &[u8]) -> String {
    d.iter().map(|x| char::from(b'0' + x)).collect()
}

fn leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_days(y: i32, m: u32) -> u32 {
    [
        31,
        if leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][m as usize - 1]
}

/// A random real date with a year in `years`.
fn date(rng: &mut R, years: std::ops::RangeInclusive<i32>) -> (i32, u32, u32) {
    let y = rng.random_range(years);
    let m = rng.random_range(1..=12);
    let d = rng.random_range(1..=month_days(y, m));
    (y, m, d)
}

fn rand_digits(rng: &mut R, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.random_range(0..10)).collect()
}

// ---------------------------------------------------------------------------------------------
// Generators: one valid value in a realistic written form
// ---------------------------------------------------------------------------------------------

fn se_number(rng: &mut R, coordination: bool) -> String {
    let (y, m, d) = date(rng, 1915..=2024);
    let day = if coordination { d + 60 } else { d };
    let yymmdd = format!("{:02}{m:02}{day:02}", y % 100);
    let serial = rand_digits(rng, 3);
    let mut nine: Vec<u8> = yymmdd.bytes().map(|b| b - b'0').collect();
    nine.extend(&serial);
    let c = luhn_digit(&nine);
    let tail = format!("{}{c}", digits_str(&serial));
    match rng.random_range(0..10) {
        0..=2 => format!("{}{yymmdd}-{tail}", y / 100),
        3..=4 => format!("{}{yymmdd}{tail}", y / 100),
        5..=8 => {
            // The 10-digit form uses "+" from the year a person turns 100.
            let sep = if y <= 1925 { '+' } else { '-' };
            format!("{yymmdd}{sep}{tail}")
        }
        _ => format!("{yymmdd}{tail}"),
    }
}

fn dk_cpr(rng: &mut R) -> String {
    loop {
        let (y, m, d) = date(rng, 1920..=2024);
        let yy = y % 100;
        let mut centuries: Vec<u8> = Vec::new();
        for digit in 0..10u8 {
            let year = match digit {
                0..=3 => 1900 + yy,
                4 | 9 if yy <= 36 => 2000 + yy,
                4 | 9 => 1900 + yy,
                _ if yy <= 57 => 2000 + yy,
                _ => 1800 + yy,
            };
            if year == y {
                centuries.push(digit);
            }
        }
        let Some(&seventh) = centuries.get(rng.random_range(0..centuries.len().max(1))) else {
            continue;
        };
        let mut nine: Vec<u8> = format!("{d:02}{m:02}{yy:02}")
            .bytes()
            .map(|b| b - b'0')
            .collect();
        nine.push(seventh);
        nine.extend(rand_digits(rng, 2));
        let weights = [4u32, 3, 2, 7, 6, 5, 4, 3, 2];
        let sum: u32 = nine
            .iter()
            .zip(weights)
            .map(|(&x, w)| u32::from(x) * w)
            .sum();
        let check = (11 - sum % 11) % 11;
        if check == 10 {
            continue;
        }
        let s = digits_str(&nine);
        return if rng.random_bool(0.7) {
            format!("{}-{}{check}", &s[..6], &s[6..])
        } else {
            format!("{s}{check}")
        };
    }
}

fn nl_bsn(rng: &mut R) -> String {
    loop {
        let mut d = rand_digits(rng, 8);
        d[0] = rng.random_range(1..10);
        let sum: u32 = d
            .iter()
            .zip((2..=9).rev())
            .map(|(&x, w)| u32::from(x) * w)
            .sum();
        let c = sum % 11;
        if c == 10 {
            continue;
        }
        d.push(c as u8);
        let s = digits_str(&d);
        return if rng.random_bool(0.2) {
            format!("{}.{}.{}", &s[..4], &s[4..6], &s[6..])
        } else {
            s
        };
    }
}

fn no_fnr(rng: &mut R) -> String {
    loop {
        let (y, m, d) = date(rng, 1940..=2024);
        let individual: u32 = if y >= 2000 {
            rng.random_range(500..=999)
        } else if rng.random_bool(0.8) {
            rng.random_range(0..=499)
        } else {
            rng.random_range(900..=999)
        };
        let day = if rng.random_bool(0.1) { d + 40 } else { d }; // D-number
        let mut nine: Vec<u8> = format!("{day:02}{m:02}{:02}{individual:03}", y % 100)
            .bytes()
            .map(|b| b - b'0')
            .collect();
        let w1 = [3u32, 7, 6, 1, 8, 9, 4, 5, 2];
        let s1: u32 = nine.iter().zip(w1).map(|(&x, w)| u32::from(x) * w).sum();
        let k1 = (11 - s1 % 11) % 11;
        if k1 == 10 {
            continue;
        }
        nine.push(k1 as u8);
        let w2 = [5u32, 4, 3, 2, 7, 6, 5, 4, 3, 2];
        let s2: u32 = nine.iter().zip(w2).map(|(&x, w)| u32::from(x) * w).sum();
        let k2 = (11 - s2 % 11) % 11;
        if k2 == 10 {
            continue;
        }
        nine.push(k2 as u8);
        let s = digits_str(&nine);
        return if rng.random_bool(0.1) {
            format!("{} {}", &s[..6], &s[6..])
        } else {
            s
        };
    }
}

fn fi_hetu(rng: &mut R) -> String {
    let (y, m, d) = date(rng, 1900..=2024);
    let sign = match (y >= 2000, rng.random_bool(0.1)) {
        (false, false) => '-',
        (false, true) => ['Y', 'X', 'W', 'V', 'U'][rng.random_range(0..5)],
        (true, false) => 'A',
        (true, true) => ['B', 'C', 'D', 'E', 'F'][rng.random_range(0..5)],
    };
    let ind: u32 = rng.random_range(2..=899);
    let n: u32 = format!("{d:02}{m:02}{:02}{ind:03}", y % 100)
        .parse()
        .unwrap();
    let control = b"0123456789ABCDEFHJKLMNPRSTUVWXY"[(n % 31) as usize] as char;
    format!("{d:02}{m:02}{:02}{sign}{ind:03}{control}", y % 100)
}

fn de_tax_id(rng: &mut R) -> String {
    loop {
        let times = if rng.random_bool(0.5) { 2 } else { 3 };
        let repeated: u8 = rng.random_range(0..10);
        let mut others: Vec<u8> = (0..10).filter(|&x| x != repeated).collect();
        others.shuffle(rng);
        let mut d: Vec<u8> = others[..10 - times].to_vec();
        d.extend(std::iter::repeat_n(repeated, times));
        d.shuffle(rng);
        let triple = d.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]);
        if d[0] == 0 || triple {
            continue;
        }
        d.push(mod11_10(&d));
        let s = digits_str(&d);
        return if rng.random_bool(0.2) {
            format!("{} {} {} {}", &s[..2], &s[2..5], &s[5..8], &s[8..])
        } else {
            s
        };
    }
}

fn de_rvnr(rng: &mut R) -> String {
    let area: u32 = rng.random_range(10..=89);
    let (y, m, d) = date(rng, 1940..=2005);
    let letter = rng.random_range(b'A'..=b'Z');
    let serial: u32 = rng.random_range(0..=99);
    let head = format!("{area:02}{d:02}{m:02}{:02}", y % 100);
    let pos = letter - b'A' + 1;
    let mut twelve: Vec<u32> = head.bytes().map(|b| u32::from(b - b'0')).collect();
    twelve.push(u32::from(pos / 10));
    twelve.push(u32::from(pos % 10));
    twelve.push(serial / 10);
    twelve.push(serial % 10);
    let weights = [2u32, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1];
    let sum: u32 = twelve
        .iter()
        .zip(weights)
        .map(|(&x, w)| (x * w) / 10 + (x * w) % 10)
        .sum();
    format!("{head}{}{serial:02}{}", letter as char, sum % 10)
}

fn fr_nir(rng: &mut R) -> String {
    let sex = rng.random_range(1..=2);
    let (y, m, _) = date(rng, 1930..=2024);
    let corsica = rng.random_bool(0.05);
    let dept = if corsica {
        if rng.random_bool(0.5) {
            "2A".to_string()
        } else {
            "2B".to_string()
        }
    } else {
        let mut x: u32 = rng.random_range(1..=95);
        if x == 20 {
            x = 21;
        }
        format!("{x:02}")
    };
    let commune: u32 = rng.random_range(1..=990);
    let order: u32 = rng.random_range(1..=999);
    let body = format!("{sex}{:02}{m:02}{dept}{commune:03}{order:03}", y % 100);
    let numeric: u64 = body
        .replace("2A", "19")
        .replace("2B", "18")
        .parse()
        .unwrap();
    let key = 97 - numeric % 97;
    if rng.random_bool(0.3) {
        format!(
            "{} {} {} {} {} {} {key:02}",
            &body[..1],
            &body[1..3],
            &body[3..5],
            &body[5..7],
            &body[7..10],
            &body[10..13]
        )
    } else {
        format!("{body}{key:02}")
    }
}

fn be_nrn(rng: &mut R) -> String {
    let (y, m, d) = date(rng, 1930..=2024);
    let seq: u64 = rng.random_range(1..=998);
    let n: u64 = format!("{:02}{m:02}{d:02}{seq:03}", y % 100)
        .parse()
        .unwrap();
    let base = if y >= 2000 { n + 2_000_000_000 } else { n };
    let cc = 97 - base % 97;
    if rng.random_bool(0.6) {
        format!("{:02}.{m:02}.{d:02}-{seq:03}.{cc:02}", y % 100)
    } else {
        format!("{:02}{m:02}{d:02}{seq:03}{cc:02}", y % 100)
    }
}

const ES_LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";

fn es_dni(rng: &mut R) -> String {
    let n: u32 = rng.random_range(0..100_000_000);
    let l = ES_LETTERS[(n % 23) as usize] as char;
    if rng.random_bool(0.2) {
        format!("{n:08}-{l}")
    } else {
        format!("{n:08}{l}")
    }
}

fn es_nie(rng: &mut R) -> String {
    let lead: u32 = rng.random_range(0..3);
    let n: u32 = rng.random_range(0..10_000_000);
    let l = ES_LETTERS[((lead * 10_000_000 + n) % 23) as usize] as char;
    format!("{}{n:07}{l}", ['X', 'Y', 'Z'][lead as usize])
}

fn it_cf(rng: &mut R) -> String {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let mut c: Vec<u8> = (0..6).map(|_| rng.random_range(b'A'..=b'Z')).collect();
    let (y, m, d) = date(rng, 1930..=2010);
    let day = if rng.random_bool(0.5) { d + 40 } else { d };
    c.extend(format!("{:02}", y % 100).bytes());
    c.push(b"ABCDEHLMPRST"[m as usize - 1]);
    c.extend(format!("{day:02}").bytes());
    c.push(if rng.random_bool(0.1) {
        b'Z'
    } else {
        rng.random_range(b'A'..=b'M')
    });
    c.extend(format!("{:03}", rng.random_range(1..=999)).bytes());
    if rng.random_bool(0.1) {
        // Omocodia: digits replaced by letters, right to left.
        let positions = [14, 13, 12, 10, 9, 7, 6];
        for &p in &positions[..rng.random_range(1..=3)] {
            c[p] = b"LMNPQRSTUV"[usize::from(c[p] - b'0')];
        }
    }
    let value = |b: u8| -> u32 {
        if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A')
        }
    };
    let sum: u32 = c
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if i % 2 == 0 {
                ODD[value(b) as usize]
            } else {
                value(b)
            }
        })
        .sum();
    c.push(b'A' + (sum % 26) as u8);
    String::from_utf8(c).unwrap()
}

fn pl_pesel(rng: &mut R) -> String {
    let (y, m, d) = date(rng, 1900..=2024);
    let mm = if y >= 2000 { m + 20 } else { m };
    let mut ten: Vec<u8> = format!("{:02}{mm:02}{d:02}", y % 100)
        .bytes()
        .map(|b| b - b'0')
        .collect();
    ten.extend(rand_digits(rng, 4));
    let w = [1u32, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = ten.iter().zip(w).map(|(&x, w)| u32::from(x) * w).sum();
    ten.push(((10 - sum % 10) % 10) as u8);
    digits_str(&ten)
}

const IBAN_COUNTRIES: &[(&str, usize, usize)] = &[
    // (country, length, leading letters in the BBAN)
    ("DE", 22, 0),
    ("NL", 18, 4),
    ("SE", 24, 0),
    ("DK", 18, 0),
    ("FI", 18, 0),
    ("BE", 16, 0),
    ("FR", 27, 0),
    ("ES", 24, 0),
    ("IT", 27, 1),
    ("PL", 28, 0),
    ("AT", 20, 0),
    ("NO", 15, 0),
    ("GB", 22, 4),
    ("IE", 22, 4),
    ("PT", 25, 0),
    ("CH", 21, 0),
    ("LU", 20, 0),
    ("HR", 21, 0),
    ("RO", 24, 4),
    ("BG", 22, 4),
];

fn iban(rng: &mut R) -> String {
    let &(cc, len, letters) = &IBAN_COUNTRIES[rng.random_range(0..IBAN_COUNTRIES.len())];
    let mut bban = String::new();
    for _ in 0..letters {
        bban.push(rng.random_range(b'A'..=b'Z') as char);
    }
    for _ in letters..len - 4 {
        bban.push(char::from(b'0' + rng.random_range(0..10)));
    }
    let check = 98 - mod97_of(&format!("{bban}{cc}00"));
    let compact = format!("{cc}{check:02}{bban}");
    if rng.random_bool(0.4) {
        let chars: Vec<char> = compact.chars().collect();
        chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        compact
    }
}

fn payment_card(rng: &mut R) -> String {
    let (prefix, len): (String, usize) = match rng.random_range(0..6) {
        0 | 1 => ("4".into(), 16),
        2 => (rng.random_range(51..=55).to_string(), 16),
        3 => (rng.random_range(2221..=2720).to_string(), 16),
        4 => (["34", "37"][rng.random_range(0..2)].into(), 15),
        _ => (rng.random_range(3528..=3589).to_string(), 16),
    };
    let mut d: Vec<u8> = prefix.bytes().map(|b| b - b'0').collect();
    while d.len() < len - 1 {
        d.push(rng.random_range(0..10));
    }
    d.push(luhn_digit(&d));
    let s = digits_str(&d);
    match (rng.random_range(0..10), len) {
        (0..=4, _) => s,
        (_, 15) => format!("{} {} {}", &s[..4], &s[4..10], &s[10..]),
        (5..=8, _) => format!("{} {} {} {}", &s[..4], &s[4..8], &s[8..12], &s[12..]),
        _ => format!("{}-{}-{}-{}", &s[..4], &s[4..8], &s[8..12], &s[12..]),
    }
}

fn eu_vat(rng: &mut R) -> String {
    let wsum =
        |d: &[u8], w: &[u32]| -> u32 { d.iter().zip(w).map(|(&x, &w)| u32::from(x) * w).sum() };
    loop {
        let (cc, body): (&str, String) = match rng.random_range(0..12) {
            0 => {
                let mut d = rand_digits(rng, 8);
                d[0] = rng.random_range(1..10);
                d.push(mod11_10(&d));
                ("DE", digits_str(&d))
            }
            1 => {
                let mut d = rand_digits(rng, 8);
                let c = wsum(&d, &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
                if c == 10 {
                    continue;
                }
                d.push(c as u8);
                (
                    "NL",
                    format!("{}B{:02}", digits_str(&d), rng.random_range(1..=99)),
                )
            }
            2 => {
                let first8: u64 = rng.random_range(0..20_000_000);
                ("BE", format!("{first8:08}{:02}", 97 - first8 % 97))
            }
            3 => {
                let mut siren = rand_digits(rng, 8);
                siren.push(luhn_digit(&siren));
                let n: u64 = digits_str(&siren).parse().unwrap();
                (
                    "FR",
                    format!("{:02}{}", (12 + 3 * (n % 97)) % 97, digits_str(&siren)),
                )
            }
            4 => {
                let mut d = rand_digits(rng, 9);
                d[0] = rng.random_range(1..10);
                d.push(luhn_digit(&d));
                ("SE", format!("{}01", digits_str(&d)))
            }
            5 => {
                let mut d = rand_digits(rng, 7);
                d[0] = rng.random_range(1..10);
                let r = (11 - wsum(&d, &[2, 7, 6, 5, 4, 3, 2]) % 11) % 11;
                if r == 10 {
                    continue;
                }
                d.push(r as u8);
                ("DK", digits_str(&d))
            }
            6 => {
                let mut d = rand_digits(rng, 7);
                let c = match wsum(&d, &[7, 9, 10, 5, 8, 4, 2]) % 11 {
                    0 => 0,
                    1 => continue,
                    r => 11 - r,
                };
                d.push(c as u8);
                ("FI", digits_str(&d))
            }
            7 => {
                if rng.random_bool(0.5) {
                    let n: u32 = rng.random_range(0..100_000_000);
                    (
                        "ES",
                        format!("{n:08}{}", ES_LETTERS[(n % 23) as usize] as char),
                    )
                } else {
                    let d = rand_digits(rng, 7);
                    let mut sum = 0u32;
                    for (i, &x) in d.iter().enumerate() {
                        let x = u32::from(x);
                        sum += if i % 2 == 0 {
                            (2 * x) / 10 + (2 * x) % 10
                        } else {
                            x
                        };
                    }
                    ("ES", format!("B{}{}", digits_str(&d), (10 - sum % 10) % 10))
                }
            }
            8 => {
                let mut d = rand_digits(rng, 10);
                d[0] = rng.random_range(1..10);
                d.push(luhn_digit(&d));
                ("IT", digits_str(&d))
            }
            9 => {
                let mut d = rand_digits(rng, 9);
                let c = wsum(&d, &[6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11;
                if c == 10 {
                    continue;
                }
                d.push(c as u8);
                ("PL", digits_str(&d))
            }
            10 => {
                let d = rand_digits(rng, 7);
                let mut sum = 0u32;
                for (i, &x) in d.iter().enumerate() {
                    let p = u32::from(x) * if i % 2 == 1 { 2 } else { 1 };
                    sum += p / 10 + p % 10;
                }
                (
                    "AT",
                    format!("U{}{}", digits_str(&d), (10 - (sum + 4) % 10) % 10),
                )
            }
            _ => {
                let mut d = rand_digits(rng, 8);
                d[0] = rng.random_range(1..10);
                let r = 11 - wsum(&d, &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
                d.push(if r >= 10 { 0 } else { r as u8 });
                ("PT", digits_str(&d))
            }
        };
        return if rng.random_bool(0.2) {
            format!("{cc} {body}")
        } else {
            format!("{cc}{body}")
        };
    }
}

/// Makes one valid value of an entity.
type Generator = fn(&mut R) -> String;

/// The check-digit entities of the corpus and their generators.
fn generators() -> Vec<(Entity, Generator)> {
    vec![
        (Entity::SePersonnummer, |r| se_number(r, false)),
        (Entity::SeSamordningsnummer, |r| se_number(r, true)),
        (Entity::DkCpr, dk_cpr),
        (Entity::NlBsn, nl_bsn),
        (Entity::NoFodselsnummer, no_fnr),
        (Entity::FiHetu, fi_hetu),
        (Entity::DeTaxId, de_tax_id),
        (Entity::DeRvnr, de_rvnr),
        (Entity::FrNir, fr_nir),
        (Entity::BeNationalNumber, be_nrn),
        (Entity::EsDni, es_dni),
        (Entity::EsNie, es_nie),
        (Entity::ItCodiceFiscale, it_cf),
        (Entity::PlPesel, pl_pesel),
        (Entity::Iban, iban),
        (Entity::PaymentCard, payment_card),
        (Entity::EuVat, eu_vat),
    ]
}

// ---------------------------------------------------------------------------------------------
// Reference validity (for near-miss filtering and collisions)
// ---------------------------------------------------------------------------------------------

fn alnum(v: &str) -> String {
    v.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Whether `v` is a valid `e` by the published scheme (via datalab_data::identifiers).
fn reference_valid(e: Entity, v: &str) -> bool {
    let a = alnum(v);
    let coordination = || {
        let day_at = if a.len() == 12 { 6 } else { 4 };
        a.as_bytes().get(day_at).is_some_and(|&d| d >= b'6')
    };
    match e {
        Entity::SePersonnummer => id::is_valid_personnummer(v) && !coordination(),
        Entity::SeSamordningsnummer => id::is_valid_personnummer(v) && coordination(),
        Entity::DkCpr => id::is_valid_cpr(v) || id::is_valid_cpr(&a),
        Entity::NlBsn => id::is_valid_bsn(&a),
        Entity::NoFodselsnummer => id::is_valid_no_fodselsnummer(&a),
        Entity::FiHetu => id::is_valid_hetu(v),
        Entity::DeTaxId => id::is_valid_de_tax_id(&a),
        Entity::DeRvnr => id::is_valid_de_rvnr(&a),
        Entity::FrNir => id::is_valid_nir(&a),
        Entity::BeNationalNumber => id::is_valid_be_nrn(v),
        Entity::EsDni => id::is_valid_es_dni(v),
        Entity::EsNie => id::is_valid_es_nie(v),
        Entity::ItCodiceFiscale => id::is_valid_it_codice_fiscale(v),
        Entity::PlPesel => id::is_valid_pesel(&a),
        Entity::EuVat => matches!(
            id::eu_vat_check(v),
            id::VatCheck::Valid | id::VatCheck::FormatOnly
        ),
        Entity::Iban => id::is_valid_iban_registry(&a),
        Entity::PaymentCard => {
            (13..=19).contains(&a.len())
                && a.bytes().all(|b| b.is_ascii_digit())
                && id::luhn_valid(&a)
        }
        _ => false,
    }
}

/// Positions of the check-protected digits of a written value (the century digits of a
/// 12-digit personnummer are not covered by its check digit).
fn protected_digits(e: Entity, v: &str) -> Vec<usize> {
    let mut pos: Vec<usize> = v
        .bytes()
        .enumerate()
        .filter(|(_, b)| b.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    if matches!(e, Entity::SePersonnummer | Entity::SeSamordningsnummer) && alnum(v).len() == 12 {
        pos.drain(..2);
    }
    pos
}

/// The value with one protected digit changed so that it is no longer a valid `e`.
fn near_miss(rng: &mut R, e: Entity, v: &str) -> String {
    let positions = protected_digits(e, v);
    loop {
        let p = positions[rng.random_range(0..positions.len())];
        let mut b = v.as_bytes().to_vec();
        let old = b[p];
        let mut new = old;
        while new == old {
            new = b'0' + rng.random_range(0..10);
        }
        b[p] = new;
        let s = String::from_utf8(b).unwrap();
        // A few schemes accept two readings (BE: either century; NL VAT: mod 11 or mod 97),
        // so a changed digit can land on the other one: that is a valid number, not a miss.
        if !reference_valid(e, &s) {
            return s;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------------------------

struct Item {
    value: String,
    /// The entity the value was generated as; `None` for near-misses and other negatives.
    label: Option<Entity>,
    /// For a near-miss: the entity it was derived from.
    near: Option<Entity>,
}

fn corpus() -> Vec<Item> {
    let mut rng = R::seed_from_u64(SEED);
    let mut items = Vec::new();
    for (e, generate) in generators() {
        for _ in 0..PER_ENTITY {
            let v = generate(&mut rng);
            let miss = near_miss(&mut rng, e, &v);
            items.push(Item {
                value: v,
                label: Some(e),
                near: None,
            });
            items.push(Item {
                value: miss,
                label: None,
                near: Some(e),
            });
        }
    }
    // Other values: bare numbers, dates, codes, words.
    for i in 0..PER_ENTITY {
        let len = 6 + i % 11;
        let v = match i % 5 {
            0 | 1 => digits_str(&rand_digits(&mut rng, len)),
            2 => {
                let (y, m, d) = date(&mut rng, 1900..=2030);
                format!("{y}-{m:02}-{d:02}")
            }
            3 => format!("E{}.{}", rng.random_range(10..99), rng.random_range(0..9)),
            _ => ["Stockholm", "metformin", "kg", "ja", "N/A", "-", "Den Haag"][i % 7].to_string(),
        };
        items.push(Item {
            value: v,
            label: None,
            near: None,
        });
    }
    items
}

#[derive(Default, Debug)]
struct Tally {
    tp: u64,
    fn_: u64,
    fp: u64,
    ambiguous: u64,
    chance: u64,
    positives: u64,
    near_detected: u64,
}

#[test]
fn checksum_entities_precision_and_recall() {
    let items = corpus();
    let mut tally: BTreeMap<Entity, Tally> = BTreeMap::new();
    let start = std::time::Instant::now();
    let predictions: Vec<Option<Entity>> = items
        .iter()
        .map(|it| detect_value(&it.value).map(|(e, _)| e))
        .collect();
    let elapsed = start.elapsed();
    for (it, pred) in items.iter().zip(&predictions) {
        if let Some(l) = it.label {
            let t = tally.entry(l).or_default();
            t.positives += 1;
            match pred {
                Some(p) if *p == l => t.tp += 1,
                Some(p) if reference_valid(*p, &it.value) => t.ambiguous += 1,
                _ => t.fn_ += 1,
            }
        }
        if let (Some(n), Some(p)) = (it.near, pred)
            && *p == n
        {
            tally.entry(n).or_default().near_detected += 1;
        }
        if let Some(p) = pred
            && it.label != Some(*p)
            && p.has_check_digits()
        {
            let t = tally.entry(*p).or_default();
            // A near-miss is never a valid value of the scheme it came from (by
            // construction), so a detection of that scheme is always a false positive.
            if it.near != Some(*p) && reference_valid(*p, &it.value) {
                t.chance += 1;
            } else {
                t.fp += 1;
            }
        }
    }
    eprintln!(
        "{} values in {:.1} ms ({:.0} ns/value)",
        items.len(),
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_nanos() as f64 / items.len() as f64
    );
    eprintln!("entity                 precision  recall  ambiguous  chance  near-miss hits");
    let mut failures = Vec::new();
    for (e, t) in &tally {
        let precision = t.tp as f64 / (t.tp + t.fp).max(1) as f64;
        let recall = t.tp as f64 / (t.tp + t.fn_).max(1) as f64;
        let ambiguous = t.ambiguous as f64 / t.positives.max(1) as f64;
        eprintln!(
            "{:<22} {precision:>9.4} {recall:>7.4} {ambiguous:>10.4} {:>7} {:>6}",
            e.name(),
            t.chance,
            t.near_detected
        );
        if t.positives < PER_ENTITY as u64 {
            failures.push(format!("{e}: only {} positives", t.positives));
        }
        if precision < 0.99 || recall < 0.98 || ambiguous > 0.1 || t.near_detected > 0 {
            failures.push(format!("{e}: {t:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_generated_value_is_valid_by_the_reference() {
    // Guards the generators themselves (and the validators against them).
    let mut rng = R::seed_from_u64(SEED ^ 1);
    for (e, generate) in generators() {
        for _ in 0..500 {
            let v = generate(&mut rng);
            assert!(reference_valid(e, &v), "{e}: {v}");
        }
    }
}

#[test]
fn known_published_examples() {
    use Entity::*;
    for (value, entity) in [
        ("811228-9874", SePersonnummer),
        ("19811228-9874", SePersonnummer),
        ("070761-4285", DkCpr),
        ("111222333", NlBsn),
        ("131052-308T", FiHetu),
        ("15070649C103", DeRvnr),
        ("255081416802538", FrNir),
        ("85.07.30-033.28", BeNationalNumber),
        ("12345678Z", EsDni),
        ("X1234567L", EsNie),
        ("RSSMRA85T10A562S", ItCodiceFiscale),
        ("44051401359", PlPesel),
        ("86095742719", DeTaxId),
        ("GB82 WEST 1234 5698 7654 32", Iban),
        ("4539 3195 0343 6467", PaymentCard),
        ("378282246310005", PaymentCard),
        ("DE136695976", EuVat),
        ("ATU13585627", EuVat),
        ("ESA58818501", EuVat),
        ("NL004495445B01", EuVat),
        ("BE0411905847", EuVat),
        ("FR40303265045", EuVat),
        ("IT00743110157", EuVat),
        ("DK 13585628", EuVat),
        ("FI 20774740", EuVat),
        ("PL 8567346215", EuVat),
        ("PT 501 964 843", EuVat),
        ("EL 094259216", EuVat),
        ("LU 15027442", EuVat),
        ("SI 50223054", EuVat),
        ("HR 33392005961", EuVat),
        ("SK 2022749619", EuVat),
        ("HU 12892312", EuVat),
        ("EE 100931558", EuVat),
        ("151086 95088", NoFodselsnummer),
        ("36 574 261 809", DeTaxId),
        ("RCCMNL83S18D969H", ItCodiceFiscale),
    ] {
        assert_eq!(detect_value(value).map(|(e, _)| e), Some(entity), "{value}");
        assert!(datalab_assess::pii::is_valid(entity, value), "{value}");
    }
    // Format-only VAT countries are reported with lower confidence.
    let (e, c) = detect_value("CY12345678X").unwrap();
    assert_eq!(e, EuVat);
    assert!(c < 0.6);
    assert!(detect_value("DE136695975").is_none());
}

// ---------------------------------------------------------------------------------------------
// Entities without check digits
// ---------------------------------------------------------------------------------------------

fn phone_number(rng: &mut R) -> String {
    // (country code, trunk-less national lengths, mobile prefix)
    let plans: [(&str, usize, &str); 11] = [
        ("46", 9, "7"),
        ("45", 8, "2"),
        ("31", 9, "6"),
        ("49", 11, "15"),
        ("33", 9, "6"),
        ("32", 9, "4"),
        ("358", 9, "4"),
        ("47", 8, "4"),
        ("48", 9, "5"),
        ("34", 9, "6"),
        ("39", 10, "3"),
    ];
    let (cc, len, prefix) = plans[rng.random_range(0..plans.len())];
    let mut nsn = prefix.to_string();
    while nsn.len() < len {
        nsn.push(char::from(b'0' + rng.random_range(0..10)));
    }
    let trunk = !matches!(cc, "45" | "47" | "48" | "34" | "39");
    match rng.random_range(0..4) {
        0 => format!("+{cc}{nsn}"),
        1 => format!("+{cc} {} {} {}", &nsn[..2], &nsn[2..5], &nsn[5..]),
        2 if trunk => format!("0{}-{} {}", &nsn[..2], &nsn[2..5], &nsn[5..]),
        2 => format!("{} {} {}", &nsn[..3], &nsn[3..6], &nsn[6..]),
        _ => format!("00{cc} {nsn}"),
    }
}

#[test]
fn contact_and_network_entities() {
    let mut rng = R::seed_from_u64(SEED ^ 2);
    let mut cases: Vec<(Entity, String)> = Vec::new();
    for i in 0..1000 {
        cases.push((Entity::Phone, phone_number(&mut rng)));
        let user = [
            "anna.svensson",
            "j.jensen",
            "piet_de_vries",
            "marie-claire",
            "k.o+tag",
        ][i % 5];
        let domain = ["gmail.com", "outlook.dk", "ziggo.nl", "web.de", "orange.fr"][i % 5];
        cases.push((Entity::Email, format!("{user}{}@{domain}", i % 97)));
        cases.push((
            Entity::Ipv4,
            format!(
                "{}.{}.{}.{}",
                rng.random_range(1..=255),
                rng.random_range(0..=255),
                rng.random_range(0..=255),
                rng.random_range(0..=255)
            ),
        ));
        let groups: Vec<String> = (0..8)
            .map(|_| format!("{:x}", rng.random_range(0..=0xffffu32)))
            .collect();
        cases.push((Entity::Ipv6, groups.join(":")));
        let mac: Vec<String> = (0..6)
            .map(|_| format!("{:02x}", rng.random_range(0..=255u32)))
            .collect();
        cases.push((
            Entity::MacAddress,
            mac.join(if i % 2 == 0 { ":" } else { "-" }),
        ));
        cases.push((
            Entity::Url,
            format!("https://www.example{}.eu/p?id={i}", i % 13),
        ));
    }
    let mut hits: BTreeMap<Entity, (u32, u32)> = BTreeMap::new();
    for (e, v) in &cases {
        let h = hits.entry(*e).or_default();
        h.1 += 1;
        if detect_value(v).map(|(p, _)| p) == Some(*e) {
            h.0 += 1;
        } else {
            assert!(h.1 - h.0 < 20, "{e}: {v} -> {:?}", detect_value(v));
        }
    }
    for (e, (found, total)) in hits {
        assert!(found as f64 / total as f64 >= 0.99, "{e}: {found}/{total}");
    }
}

// ---------------------------------------------------------------------------------------------
// Free text
// ---------------------------------------------------------------------------------------------

/// Sentences with a cue word, in the six languages, around one value.
const TEMPLATES: &[(&str, &str)] = &[
    ("Patientens ", ", kontakta avdelningen."),
    ("Indlagt med ", " i går."),
    ("Het nummer ", " staat in het dossier."),
    ("Die Nummer ", " wurde geprüft."),
    ("Le numéro ", " a été vérifié."),
    ("The number (", ") was checked."),
];

fn cue_word(e: Entity) -> &'static str {
    match e {
        Entity::SePersonnummer | Entity::SeSamordningsnummer => "personnummer",
        Entity::DkCpr => "CPR-nr.",
        Entity::NlBsn => "BSN",
        Entity::NoFodselsnummer => "fødselsnummer",
        Entity::FiHetu => "hetu",
        Entity::DeTaxId => "Steuer-ID",
        Entity::DeRvnr => "RVNR",
        Entity::FrNir => "NIR",
        Entity::BeNationalNumber => "INSZ",
        Entity::EsDni => "DNI",
        Entity::EsNie => "NIE",
        Entity::ItCodiceFiscale => "CF",
        Entity::PlPesel => "PESEL",
        Entity::Iban => "IBAN",
        Entity::PaymentCard => "kort",
        Entity::EuVat => "VAT",
        _ => "",
    }
}

#[test]
fn spans_in_free_text() {
    let mut rng = R::seed_from_u64(SEED ^ 3);
    let mut failures = Vec::new();
    for (e, generate) in generators() {
        let mut found = 0;
        let n = 400;
        for i in 0..n {
            let v = generate(&mut rng);
            let (before, after) = TEMPLATES[i % TEMPLATES.len()];
            // Half the sentences name the kind of number just before it.
            let cue = if i % 2 == 0 {
                format!("{} ", cue_word(e))
            } else {
                String::new()
            };
            let text = format!("{before}{cue}{v}{after}");
            let start = before.len() + cue.len();
            let spans = find_spans(&text);
            let hit = spans
                .iter()
                .any(|s| s.start == start && s.end == start + v.len() && s.entity == e);
            let ambiguous = spans.iter().any(|s| {
                s.start == start
                    && s.end == start + v.len()
                    && s.entity != e
                    && reference_valid(s.entity, &v)
            });
            if hit || ambiguous {
                found += 1;
            } else if failures.len() < 20 {
                failures.push(format!("{e}: {text:?} -> {spans:?}"));
            }
            // Nothing else in the sentence is personal data.
            assert!(spans.len() <= 1, "{text:?} -> {spans:?}");
        }
        assert!(
            found as f64 / n as f64 >= 0.98,
            "{e}: {found}/{n}\n{failures:#?}"
        );
    }
}

#[test]
fn text_without_personal_data_has_no_spans() {
    let mut rng = R::seed_from_u64(SEED ^ 4);
    let mut spans_found = 0;
    for i in 0..2000 {
        let n: u32 = rng.random_range(1..100_000);
        let text = match i % 5 {
            0 => format!(
                "Order {n} shipped on 2024-0{}-1{} at 12:3{}.",
                1 + i % 9,
                i % 10,
                i % 10
            ),
            1 => format!(
                "Dosis {} mg två gånger dagligen, vikt {}.{} kg.",
                n % 500,
                n % 150,
                n % 10
            ),
            2 => format!(
                "Version 1.{}.{} released; see section {}.{}.",
                i % 10,
                n % 20,
                n % 9,
                i % 7
            ),
            3 => format!(
                "Prijs € {},{:02} incl. btw, artikel {n}.",
                n % 1000,
                n % 100
            ),
            _ => format!(
                "Diagnose E11.{} bestätigt, Station {}, Zimmer {}.",
                i % 10,
                n % 30,
                n % 400
            ),
        };
        let spans = find_spans(&text);
        spans_found += spans.len();
        assert!(
            spans.iter().all(|s| !s.entity.is_direct_identifier()),
            "{text:?} -> {spans:?}"
        );
    }
    assert_eq!(spans_found, 0);
}

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

#[test]
fn columns_of_each_entity_are_recognised_and_invalid_values_counted() {
    let mut rng = R::seed_from_u64(SEED ^ 5);
    for (e, generate) in generators() {
        for column in 0..10 {
            let mut scanner = ColumnScanner::new(&format!("c{column}"));
            let mut planted = Vec::new();
            for row in 1..=300u64 {
                let v = generate(&mut rng);
                // Every 25th value has a wrong check digit.
                if row % 25 == 0 {
                    scanner.observe(row, &near_miss(&mut rng, e, &v));
                    planted.push(row);
                } else {
                    scanner.observe(row, &v);
                }
            }
            let p = scanner.finish();
            assert_eq!(p.entity, Some(e), "{e} column {column}: {p:?}");
            if e == Entity::DkCpr {
                // A CPR number failing modulus 11 with a real date still counts (weak).
                assert_eq!(p.invalid + p.weak, planted.len() as u64, "{p:?}");
            } else {
                assert_eq!(p.invalid, planted.len() as u64, "{e}: {p:?}");
                assert_eq!(p.invalid_rows, planted[..10.min(planted.len())].to_vec());
            }
            assert!(p.confidence > 0.9, "{e}: {p:?}");
        }
    }
}

#[test]
fn bare_digit_columns_are_decided_by_majority_and_name() {
    let mut rng = R::seed_from_u64(SEED ^ 6);
    // Random 9-digit numbers: about 1 in 11 pass the BSN test, the column is not BSN.
    let mut s = ColumnScanner::new("reference");
    for row in 1..=1000 {
        s.observe(
            row,
            &format!("{:09}", rng.random_range(100_000_000..1_000_000_000u64)),
        );
    }
    let p = s.finish();
    assert_eq!(p.entity, None, "{p:?}");
    // BSNs stored as integers lose their leading zero; in a BSN column they still count.
    let mut s = ColumnScanner::new("bsn");
    for row in 1..=1000u64 {
        let mut v = nl_bsn(&mut rng).replace('.', "");
        if row % 10 == 0 {
            v = format!("0{}", &v[1..]);
            let sum: u32 = v
                .bytes()
                .take(8)
                .zip((2..=9).rev())
                .map(|(b, w)| u32::from(b - b'0') * w)
                .sum();
            if sum % 11 == 10 {
                continue;
            }
            v = format!("{}{}", &v[1..8], sum % 11);
        }
        s.observe(row, &v);
    }
    let p = s.finish();
    assert_eq!(p.entity, Some(Entity::NlBsn), "{p:?}");
    assert_eq!(p.invalid, 0, "{p:?}");
    assert!(p.weak > 50 && p.name_hint, "{p:?}");
    // Danish phone numbers written as bare digits are phone numbers in a phone column.
    let mut s = ColumnScanner::new("telefon");
    for row in 1..=200 {
        s.observe(
            row,
            &format!("{}", rng.random_range(20_000_000..99_999_999u32)),
        );
    }
    assert_eq!(s.finish().entity, Some(Entity::Phone));
}

/// Splits the demo CSV (no field of the demo table needs quoting) into columns.
fn demo_columns(rows: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let mut buf = Vec::new();
    datalab_data::demo::write_patients_csv(&mut buf, rows, datalab_data::demo::DEMO_SEED).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let mut columns = vec![Vec::new(); header.len()];
    for line in lines {
        assert!(!line.contains('"'));
        for (c, field) in line.split(',').enumerate() {
            columns[c].push(field.to_string());
        }
    }
    (header, columns)
}

#[test]
fn demo_patients_table() {
    let (header, columns) = demo_columns(5_000);
    let start = std::time::Instant::now();
    let mut results = BTreeMap::new();
    for (name, values) in header.iter().zip(&columns) {
        let mut s = ColumnScanner::new(name);
        for (i, v) in values.iter().enumerate() {
            s.observe(i as u64 + 1, v);
        }
        results.insert(name.as_str(), s.finish());
    }
    eprintln!("demo table, 5000 rows x 16 columns: {:?}", start.elapsed());
    let expect = |column: &str, entity: Entity| {
        let p = &results[column];
        assert_eq!(p.entity, Some(entity), "{column}: {p:?}");
        assert!(p.share > 0.99, "{column}: {p:?}");
        assert_eq!(p.invalid, 0, "{column}: {p:?}");
        assert!(p.confidence > 0.9, "{column}: {p:?}");
    };
    expect("email", Entity::Email);
    expect("phone", Entity::Phone);
    expect("iban", Entity::Iban);
    expect("full_name", Entity::PersonName);
    expect("birth_date", Entity::DateOfBirth);
    // The national IDs of seven countries, each with its own scheme.
    let national = &results["national_id"];
    assert!(
        national.entity.is_some_and(|e| e.is_national_id()),
        "{national:?}"
    );
    assert!(
        national.share > 0.999 && national.invalid == 0,
        "{national:?}"
    );
    let schemes: Vec<Entity> = national.entities.iter().map(|c| c.entity).collect();
    for e in [
        Entity::SePersonnummer,
        Entity::DkCpr,
        Entity::NlBsn,
        Entity::DeRvnr,
        Entity::FiHetu,
        Entity::BeNationalNumber,
        Entity::FrNir,
    ] {
        assert!(schemes.contains(&e), "{e} missing from {schemes:?}");
    }
    for column in [
        "patient_id",
        "sex",
        "postcode",
        "municipality",
        "country",
        "admission_date",
        "discharge_date",
        "diagnosis_icd10",
        "medication",
        "weight",
    ] {
        let p = &results[column];
        assert_eq!(p.entity, None, "{column}: {p:?}");
        assert!(p.in_text.is_empty(), "{column}: {p:?}");
    }
}

#[test]
fn serialised_names_match() {
    for e in Entity::ALL {
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, format!("\"{}\"", e.name()));
        assert_eq!(Entity::from_name(e.name()), Some(e));
        assert!(!e.label().is_empty());
    }
}

#[test]
fn new_validators_follow_their_rules() {
    // German tax ID: one digit twice or three times (never three in a row), check digit.
    let with_check = |first10: &str| {
        let d: Vec<u8> = first10.bytes().map(|b| b - b'0').collect();
        format!("{first10}{}", mod11_10(&d))
    };
    assert!(id::is_valid_de_tax_id(&with_check("1123456789")));
    assert!(id::is_valid_de_tax_id(&with_check("1213145678")));
    assert!(
        !id::is_valid_de_tax_id(&with_check("1112345678")),
        "three in a row"
    );
    assert!(
        !id::is_valid_de_tax_id(&with_check("1122345678")),
        "two digits repeated"
    );
    assert!(
        !id::is_valid_de_tax_id(&with_check("1234567890")),
        "no digit repeated"
    );
    assert!(
        !id::is_valid_de_tax_id(&with_check("0123456788")),
        "leading zero"
    );
    // PESEL: the month carries the century.
    assert!(id::is_valid_pesel("02070803628"));
    assert!(id::is_valid_pesel("44051401359"));
    assert!(!id::is_valid_pesel("44131401352"));
    // Norwegian numbers: D-number (day + 40), H-number (month + 40), century rules.
    let fnr = |first9: &str| {
        let d: Vec<u8> = first9.bytes().map(|b| b - b'0').collect();
        id::no_fodselsnummer_control_digits(&d).map(|(a, b)| format!("{first9}{a}{b}"))
    };
    let mut checked = 0;
    for first9 in [
        "151086950",
        "551086950",
        "155086950",
        "010120500",
        "411086951",
        "151046951",
    ] {
        // Some individual numbers have no valid control digits; those are never issued.
        if let Some(n) = fnr(first9) {
            assert!(id::is_valid_no_fodselsnummer(&n), "{n}");
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked}");
    assert_eq!(id::no_fodselsnummer_birth_year(45, 600), None);
    assert_eq!(id::no_fodselsnummer_birth_year(45, 950), Some(1945));
    assert_eq!(id::no_fodselsnummer_birth_year(5, 600), Some(2005));
    // Codice fiscale: omocodia letters replace digits; the check character covers them.
    let base = "RCCMNL83S18D96";
    let omocode = format!("{base}V");
    let check = id::it_codice_fiscale_check_char(&omocode).unwrap();
    assert!(id::is_valid_it_codice_fiscale(&format!("{omocode}{check}")));
    assert!(id::is_valid_it_codice_fiscale("rccmnl83s18d969h"));
    assert!(
        !id::is_valid_it_codice_fiscale("RCCMNL83S58D969H"),
        "a changed day digit breaks the check"
    );
    // DNI written with dots and a lower-case letter.
    assert!(id::is_valid_es_dni("12.345.678-z"));
    assert!(!id::is_valid_es_nie("A1234567L"));
    // VAT: French alphanumeric keys have no public check; unknown prefixes are not VAT.
    assert_eq!(
        id::eu_vat_check("FR K7 399859412"),
        id::VatCheck::FormatOnly
    );
    assert_eq!(id::eu_vat_check("US123456789"), id::VatCheck::NotVat);
    assert_eq!(id::eu_vat_check("DE136695975"), id::VatCheck::Invalid);
    // IBAN registry examples for countries outside the demo generator's table.
    for iban in [
        "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
        "HR12 1001 0051 8630 0016 0",
        "BG80 BNBG 9661 1020 3456 78",
        "RO49 AAAA 1B31 0075 9384 0000",
        "SA03 8000 0000 6080 1016 7519",
        "CY17 0020 0128 0000 0012 0052 7600",
    ] {
        assert!(id::is_valid_iban_registry(iban), "{iban}");
        assert!(!id::is_valid_iban(iban), "{iban} is outside the demo table");
        assert_eq!(
            detect_value(iban).map(|(e, _)| e),
            Some(Entity::Iban),
            "{iban}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions found by the benchmark (bench/pii)
// ---------------------------------------------------------------------------------------------

fn phone_of(value: &str) -> Option<f64> {
    detect_value(value)
        .filter(|&(e, _)| e == Entity::Phone)
        .map(|(_, c)| c)
}

#[test]
fn near_misses_of_identifiers_are_not_phone_numbers() {
    for value in [
        // Bare digits with a leading zero: near-miss fødselsnummer, PESEL, CPR, personnummer.
        "03072633391",
        "08004303791",
        "04082326098",
        "0510532021",
        "0806025196",
        // `00` and digits of a country outside the eleven plans: leading zeros.
        "00232899194",
        "00116442903",
        // Dotted: IPv4 fragments, dotted BSN and Belgian national numbers.
        "228.18.204",
        "230.243.98",
        "1620.49.646",
        "6063.01.650",
        "02.12.05-760.31",
        "00.17.19-266.46",
        // Spaced like a German tax ID; `DDMMYY-NNNN` after `00`.
        "07 993 260 516",
        "007787-6139",
        // Too short for Finland, Germany's and Italy's mobile ranges.
        "+35846320",
        "+358 46095",
        "+49 151 1234",
        "+39 333 1234",
        // North America has ten national digits.
        "+1 415 555 010",
    ] {
        assert_eq!(phone_of(value), None, "{value}");
    }
}

#[test]
fn bare_national_phone_digits_need_context() {
    // A plausible national number without separators: context only (below the threshold).
    assert_eq!(phone_of("0701234567"), None);
    assert_eq!(phone_of("0612345678"), None);
    // Too long for any national plan.
    assert_eq!(phone_of("0701234567890"), None);
    // A 12-digit German mobile number is a form no identifier has.
    assert!(phone_of("015112345678").is_some());
    // Written forms are still phone numbers.
    for value in [
        "070-123 45 67",
        "06.12.34.56.78",
        "0470 12 34 56",
        "+358 40 1234567",
        "+49 170 1234567",
        "+39 333 123 4567",
        "0046701234567",
        "+1 415 555 0100",
    ] {
        assert!(phone_of(value).is_some(), "{value}");
    }
    // In a phone column, bare national digits are phone numbers.
    let mut rng = R::seed_from_u64(SEED ^ 7);
    let mut s = ColumnScanner::new("mobile_phone");
    for row in 1..=200 {
        s.observe(
            row,
            &format!("07{}", rng.random_range(10_000_000..99_999_999u32)),
        );
    }
    let p = s.finish();
    assert_eq!(p.entity, Some(Entity::Phone), "{p:?}");
}

#[test]
fn network_addresses_starting_with_a_letter_are_found_in_text() {
    let found = |text: &str| -> Vec<(Entity, String)> {
        find_spans(text)
            .into_iter()
            .map(|s| (s.entity, text[s.start..s.end].to_string()))
            .collect()
    };
    for (text, entity, value) in [
        (
            "Patientens MAC cb:56:18:f4:ec:0f, kontakta avdelningen.",
            Entity::MacAddress,
            "cb:56:18:f4:ec:0f",
        ),
        (
            "Het nummer MAC FB:BD:CF:44:A2:DD staat in het dossier.",
            Entity::MacAddress,
            "FB:BD:CF:44:A2:DD",
        ),
        (
            "Registered: CDAD:B8EB:8DEB:35A7:4A19:7FA4:8A0B:A5F5; verified.",
            Entity::Ipv6,
            "CDAD:B8EB:8DEB:35A7:4A19:7FA4:8A0B:A5F5",
        ),
        (
            "Please update IP cc1d:4574:797f:6b0e:f322:: in the record.",
            Entity::Ipv6,
            "cc1d:4574:797f:6b0e:f322::",
        ),
        (
            "The number (F21D:CC58:FA0D:6E30:F809::) was checked.",
            Entity::Ipv6,
            "F21D:CC58:FA0D:6E30:F809::",
        ),
        (
            "host dead:beef::cafe is up",
            Entity::Ipv6,
            "dead:beef::cafe",
        ),
    ] {
        assert_eq!(found(text), vec![(entity, value.to_string())], "{text}");
    }
    // `key:value` still splits.
    assert_eq!(
        found("DOB:1985-03-12"),
        vec![(Entity::DateOfBirth, "1985-03-12".to_string())]
    );
}

#[test]
fn no_phone_numbers_inside_broken_ibans_and_cards() {
    for text in [
        "Le numéro IBAN DK34 3747 6790 2102 34 a été vérifié.",
        "Patientens IBAN PL79 0179 0508 8537 9150 1980 2210, kontakta avdelningen.",
        "Registered: 2307 6138 2185 9836; verified by the front desk.",
        "Le numéro card 2581 2362 2225 4034 a été vérifié.",
        "Patientens NIR 1 07 02 36 960 085 32, kontakta avdelningen.",
        "Die Nummer 26 319 350 587 wurde geprüft.",
        "The number (21 430 885 694) was checked.",
        "Patientens BSN 3219.31.735, kontakta avdelningen.",
    ] {
        let spans = find_spans(text);
        assert!(
            spans.iter().all(|s| s.confidence < 0.5),
            "{text}: {:?}",
            spans
                .iter()
                .map(|s| (s.entity, &text[s.start..s.end]))
                .collect::<Vec<_>>()
        );
    }
    // Phone numbers next to other numbers are still found.
    let text = "Registered: 590407168 tel. +31 64 140 0124; verified by the front desk.";
    assert!(
        find_spans(text)
            .iter()
            .any(|s| s.entity == Entity::Phone && &text[s.start..s.end] == "+31 64 140 0124")
    );
    let text = "Ring 0047 46975773 i går.";
    assert!(
        find_spans(text)
            .iter()
            .any(|s| s.entity == Entity::Phone && &text[s.start..s.end] == "0047 46975773")
    );
}
