//! The datalab side of the PII benchmark (`bench/pii/`, see `bench/README.md`).
//!
//! ```text
//! pii_bench corpus OUT.jsonl [--per-entity 5000] [--seed 1] [--texts-per-entity 200]
//! pii_bench detect CORPUS.jsonl OUT.jsonl [--repeat 5]
//! ```
//!
//! `corpus` writes a deterministic labelled corpus as JSON Lines, one object per line:
//!
//! - `{"id", "kind": "value", "value", "label", "group", "of", "also"}`: one cell. `label` is
//!   the entity name (`Entity::name`) or `"none"`. `group` is `valid` (a value generated as
//!   `label`), `near_miss` (a valid value with one digit changed so that its check fails;
//!   `of` names the entity it came from), `look_alike` (the shape of an entity without check
//!   digits, but not a valid one: an octet above 255, an address without a domain, …) or
//!   `other` (numbers, dates, codes, words). `also` lists every other check-digit entity the
//!   value is valid for by the reference validators in `datalab_data::identifiers` (a
//!   10-digit number can pass both the Swedish and the Danish test): a tool answering one of
//!   those is *ambiguous*, neither right nor wrong.
//! - `{"id", "kind": "text", "value", "spans": [{"start", "end", "label", "also"}]}`: a
//!   sentence with zero, one or two embedded values; offsets count Unicode scalar values
//!   (Python string indices), not bytes.
//!
//! Check digits are computed with `datalab_data::identifiers`, and every generated value
//! is checked against its reference validator before it is written. Near-misses are kept
//! only when the reference says they are no longer valid.
//!
//! `detect` runs [`detect_value`] on every value and [`find_spans`] on every text, writes one
//! prediction per corpus line (`{"id", "pred", "confidence"}` or `{"id", "spans"}`, span
//! offsets again in Unicode scalar values), and prints the timings as JSON on stdout. Only the
//! detection loops are timed (reading and writing files are not), best and median of
//! `--repeat` passes over the whole corpus.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use datalab_assess::pii::{Entity, Span, detect_value, find_spans};
use datalab_data::identifiers as id;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

type R = ChaCha8Rng;

/// Bumped whenever the corpus for a given seed and size changes.
const GENERATOR_VERSION: u32 = 1;

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

fn digits_str(d: &[u8]) -> String {
    d.iter().map(|x| char::from(b'0' + x)).collect()
}

fn digit_values(s: &str) -> Vec<u8> {
    s.bytes().map(|b| b - b'0').collect()
}

fn rand_digits(rng: &mut R, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.random_range(0..10)).collect()
}

fn rand_digit_string(rng: &mut R, n: usize) -> String {
    digits_str(&rand_digits(rng, n))
}

fn month_days(y: i32, m: u32) -> u32 {
    (28..=31)
        .rev()
        .find(|&d| id::is_valid_calendar_date(y, m, d))
        .unwrap_or(28)
}

/// A random real date with a year in `years`.
fn date(rng: &mut R, years: std::ops::RangeInclusive<i32>) -> (i32, u32, u32) {
    let y = rng.random_range(years);
    let m = rng.random_range(1..=12);
    let d = rng.random_range(1..=month_days(y, m));
    (y, m, d)
}

fn pick<'a, T>(rng: &mut R, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn alnum(v: &str) -> String {
    v.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Groups of four characters, as IBANs and card numbers are printed.
fn grouped(s: &str, sep: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(sep)
}

// ---------------------------------------------------------------------------------------------
// Valid values of the check-digit entities, in the forms people write them
// ---------------------------------------------------------------------------------------------

fn se_number(rng: &mut R, coordination: bool) -> String {
    let (y, m, d) = date(rng, 1915..=2024);
    let day = if coordination { d + 60 } else { d };
    let yymmdd = format!("{:02}{m:02}{day:02}", y % 100);
    let serial = rand_digits(rng, 3);
    let mut nine = digit_values(&yymmdd);
    nine.extend(&serial);
    let c = id::personnummer_check_digit(&nine);
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
        let yy = (y % 100) as u8;
        let sevenths: Vec<u8> = (0..10u8)
            .filter(|&s| id::cpr_birth_year(yy, s) == Some(y))
            .collect();
        if sevenths.is_empty() {
            continue;
        }
        let mut nine = digit_values(&format!("{d:02}{m:02}{yy:02}"));
        nine.push(*pick(rng, &sevenths));
        nine.extend(rand_digits(rng, 2));
        let Some(check) = id::cpr_check_digit(&nine) else {
            continue;
        };
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
        let Some(c) = id::bsn_check_digit(&d) else {
            continue;
        };
        d.push(c);
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
        let individual: u16 = if y >= 2000 {
            rng.random_range(500..=999)
        } else if rng.random_bool(0.8) {
            rng.random_range(0..=499)
        } else {
            rng.random_range(900..=999)
        };
        if id::no_fodselsnummer_birth_year((y % 100) as u8, individual) != Some(y) {
            continue;
        }
        let day = if rng.random_bool(0.1) { d + 40 } else { d }; // D-number
        let nine = digit_values(&format!("{day:02}{m:02}{:02}{individual:03}", y % 100));
        let Some((k1, k2)) = id::no_fodselsnummer_control_digits(&nine) else {
            continue;
        };
        let s = format!("{}{k1}{k2}", digits_str(&nine));
        return if rng.random_bool(0.1) {
            format!("{} {}", &s[..6], &s[6..])
        } else {
            s
        };
    }
}

fn fi_hetu(rng: &mut R) -> String {
    let (y, m, d) = date(rng, 1900..=2024);
    let sign = if rng.random_bool(0.1) {
        // The signs in use since 2023.
        if y >= 2000 {
            *pick(rng, &['B', 'C', 'D', 'E', 'F'])
        } else {
            *pick(rng, &['Y', 'X', 'W', 'V', 'U'])
        }
    } else {
        id::hetu_century_sign(y).expect("1900-2024 have a sign")
    };
    let ind: u32 = rng.random_range(2..=899);
    let n: u32 = format!("{d:02}{m:02}{:02}{ind:03}", y % 100)
        .parse()
        .expect("nine digits");
    let control = id::hetu_control_char(n);
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
        d.push(id::iso7064_mod11_10_check_digit(&d));
        let s = digits_str(&d);
        return if rng.random_bool(0.2) {
            format!("{} {} {} {}", &s[..2], &s[2..5], &s[5..8], &s[8..])
        } else {
            s
        };
    }
}

fn de_rvnr(rng: &mut R) -> String {
    loop {
        let area: u32 = rng.random_range(10..=89);
        let (y, m, d) = date(rng, 1940..=2005);
        let letter = char::from(rng.random_range(b'A'..=b'Z'));
        let serial: u32 = rng.random_range(0..=99);
        let first11 = format!("{area:02}{d:02}{m:02}{:02}{letter}{serial:02}", y % 100);
        if let Some(c) = id::de_rvnr_check_digit(&first11) {
            return format!("{first11}{c}");
        }
    }
}

fn fr_nir(rng: &mut R) -> String {
    loop {
        let sex = rng.random_range(1..=2);
        let (y, m, _) = date(rng, 1930..=2024);
        let dept = if rng.random_bool(0.05) {
            pick(rng, &["2A", "2B"]).to_string()
        } else {
            let x: u32 = rng.random_range(1..=95);
            format!("{:02}", if x == 20 { 21 } else { x })
        };
        let commune: u32 = rng.random_range(1..=990);
        let order: u32 = rng.random_range(1..=999);
        let body = format!("{sex}{:02}{m:02}{dept}{commune:03}{order:03}", y % 100);
        let Some(key) = id::nir_key(&body) else {
            continue;
        };
        return if rng.random_bool(0.3) {
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
        };
    }
}

fn be_nrn(rng: &mut R) -> String {
    let (y, m, d) = date(rng, 1930..=2024);
    let seq: u32 = rng.random_range(1..=998);
    let n: u32 = format!("{:02}{m:02}{d:02}{seq:03}", y % 100)
        .parse()
        .expect("nine digits");
    let cc = id::be_nrn_check_digits(n, y >= 2000);
    if rng.random_bool(0.6) {
        format!("{:02}.{m:02}.{d:02}-{seq:03}.{cc:02}", y % 100)
    } else {
        format!("{:02}{m:02}{d:02}{seq:03}{cc:02}", y % 100)
    }
}

fn es_dni(rng: &mut R) -> String {
    let n: u32 = rng.random_range(0..100_000_000);
    let l = id::es_control_letter(n);
    if rng.random_bool(0.2) {
        format!("{n:08}-{l}")
    } else {
        format!("{n:08}{l}")
    }
}

fn es_nie(rng: &mut R) -> String {
    let lead: u32 = rng.random_range(0..3);
    let n: u32 = rng.random_range(0..10_000_000);
    let l = id::es_control_letter(lead * 10_000_000 + n);
    format!("{}{n:07}{l}", ['X', 'Y', 'Z'][lead as usize])
}

/// Three letters of a surname or given name as a codice fiscale writes them: consonants
/// first, then vowels, padded with `X` (so `CCC`, `CCV`, `CVV`, `CVX`, `VVV`, `VXX`).
fn cf_name_code(rng: &mut R) -> [u8; 3] {
    const CONSONANTS: &[u8] = b"BCDFGHJKLMNPQRSTVWXYZ";
    const VOWELS: &[u8] = b"AEIOU";
    let mut c = || *pick(rng, CONSONANTS);
    let (a, b, d) = (c(), c(), c());
    let mut v = || *pick(rng, VOWELS);
    let (x, y, z) = (v(), v(), v());
    match rng.random_range(0..20) {
        0..=9 => [a, b, d],
        10..=13 => [a, b, x],
        14..=16 => [a, x, y],
        17 => [a, x, b'X'],
        18 => [x, y, z],
        _ => [x, b'X', b'X'],
    }
}

fn it_cf(rng: &mut R) -> String {
    let mut c: Vec<u8> = cf_name_code(rng).to_vec();
    c.extend(cf_name_code(rng));
    let (y, m, d) = date(rng, 1930..=2010);
    let day = if rng.random_bool(0.5) { d + 40 } else { d };
    c.extend(format!("{:02}", y % 100).bytes());
    c.push(b"ABCDEHLMPRST"[m as usize - 1]);
    c.extend(format!("{day:02}").bytes());
    // Place of birth: an Italian municipality (A–M and a number) or a foreign country
    // (Z1xx–Z3xx).
    if rng.random_bool(0.1) {
        c.push(b'Z');
        c.extend(format!("{:03}", rng.random_range(100..=399)).bytes());
    } else {
        c.push(rng.random_range(b'A'..=b'M'));
        c.extend(format!("{:03}", rng.random_range(1..=999)).bytes());
    }
    if rng.random_bool(0.1) {
        // Omocodia: digits replaced by letters, right to left.
        let positions = [14, 13, 12, 10, 9, 7, 6];
        for &p in &positions[..rng.random_range(1..=3)] {
            c[p] = b"LMNPQRSTUV"[usize::from(c[p] - b'0')];
        }
    }
    let first15 = String::from_utf8(c).expect("ASCII");
    let check = id::it_codice_fiscale_check_char(&first15).expect("well-formed");
    format!("{first15}{check}")
}

fn pl_pesel(rng: &mut R) -> String {
    let (y, m, d) = date(rng, 1900..=2024);
    let mm = if y >= 2000 { m + 20 } else { m };
    let mut ten = digit_values(&format!("{:02}{mm:02}{d:02}", y % 100));
    ten.extend(rand_digits(rng, 4));
    ten.push(id::pesel_check_digit(&ten));
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
    let &(cc, len, letters) = pick(rng, IBAN_COUNTRIES);
    let mut bban = String::new();
    for _ in 0..letters {
        bban.push(char::from(rng.random_range(b'A'..=b'Z')));
    }
    bban.push_str(&rand_digit_string(rng, len - 4 - letters));
    let check = id::iban_check_digits(cc, &bban).expect("alphanumeric BBAN");
    let compact = format!("{cc}{check}{bban}");
    if rng.random_bool(0.4) {
        grouped(&compact, " ")
    } else {
        compact
    }
}

fn payment_card(rng: &mut R) -> String {
    let (prefix, len): (String, usize) = match rng.random_range(0..6) {
        0 | 1 => ("4".into(), 16),
        2 => (rng.random_range(51..=55).to_string(), 16),
        3 => (rng.random_range(2221..=2720).to_string(), 16),
        4 => (pick(rng, &["34", "37"]).to_string(), 15),
        _ => (rng.random_range(3528..=3589).to_string(), 16),
    };
    let mut d = digit_values(&prefix);
    while d.len() < len - 1 {
        d.push(rng.random_range(0..10));
    }
    d.push(id::luhn_check_digit(&d));
    let s = digits_str(&d);
    match (rng.random_range(0..10), len) {
        (0..=4, _) => s,
        (_, 15) => format!("{} {} {}", &s[..4], &s[4..10], &s[10..]),
        (5..=8, _) => grouped(&s, " "),
        _ => grouped(&s, "-"),
    }
}

/// Fills the `?` places of `template` (all in the national part) with the first digits that
/// make a valid VAT number by [`id::eu_vat_check`]; `None` when no digits do.
fn fill_vat(template: &str) -> Option<String> {
    let holes: Vec<usize> = template
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'?')
        .map(|(i, _)| i)
        .collect();
    let mut bytes = template.as_bytes().to_vec();
    for n in 0..10u32.pow(holes.len() as u32) {
        let mut k = n;
        for &h in holes.iter().rev() {
            bytes[h] = b'0' + (k % 10) as u8;
            k /= 10;
        }
        let s = std::str::from_utf8(&bytes).expect("ASCII");
        if id::eu_vat_check(s) == id::VatCheck::Valid {
            return Some(s.to_string());
        }
    }
    None
}

/// A German VAT number (the comparison has a Presidio recognizer for exactly these).
fn vat_de(rng: &mut R) -> String {
    loop {
        let lead = rng.random_range(1..10);
        let t = format!("DE{lead}{}?", rand_digit_string(rng, 7));
        if let Some(v) = fill_vat(&t) {
            return spaced_vat(rng, v);
        }
    }
}

/// A VAT number of another EU country, in its VIES form.
fn vat_other(rng: &mut R) -> String {
    loop {
        let t = match rng.random_range(0..11) {
            0 => format!("ATU{}?", rand_digit_string(rng, 7)),
            1 => format!("BE0{}??", rand_digit_string(rng, 7)),
            2 => format!(
                "DK{}{}?",
                rng.random_range(1..10),
                rand_digit_string(rng, 6)
            ),
            3 => format!("FI{}?", rand_digit_string(rng, 7)),
            4 => {
                let mut siren = rand_digits(rng, 8);
                siren[0] = rng.random_range(1..10);
                siren.push(id::luhn_check_digit(&siren));
                format!("FR??{}", digits_str(&siren))
            }
            5 => format!(
                "IT{}{:03}?",
                rand_digit_string(rng, 7),
                rng.random_range(1..=100)
            ),
            6 => format!(
                "NL{}?B{:02}",
                rand_digit_string(rng, 8),
                rng.random_range(1..=99)
            ),
            7 => format!(
                "PL{}{}?",
                rng.random_range(1..10),
                rand_digit_string(rng, 8)
            ),
            8 => format!(
                "PT{}{}?",
                pick(rng, &[1, 2, 5, 9]),
                rand_digit_string(rng, 7)
            ),
            9 => format!(
                "SE{}{}?01",
                rng.random_range(1..10),
                rand_digit_string(rng, 8)
            ),
            _ => {
                if rng.random_bool(0.5) {
                    let n: u32 = rng.random_range(0..100_000_000);
                    format!("ES{n:08}{}", id::es_control_letter(n))
                } else {
                    format!("ESB{}?", rand_digit_string(rng, 7))
                }
            }
        };
        let v = if t.contains('?') {
            fill_vat(&t)
        } else {
            (id::eu_vat_check(&t) == id::VatCheck::Valid).then_some(t)
        };
        if let Some(v) = v {
            return spaced_vat(rng, v);
        }
    }
}

fn spaced_vat(rng: &mut R, v: String) -> String {
    if rng.random_bool(0.2) {
        format!("{} {}", &v[..2], &v[2..])
    } else {
        v
    }
}

/// Makes one valid value of an entity.
type Generator = fn(&mut R) -> String;

/// The check-digit entities and their generators. EU VAT appears twice: German numbers
/// (which Presidio's `DeVatIdRecognizer` reads) and those of eleven other countries.
fn check_digit_generators() -> Vec<(Entity, &'static str, Generator)> {
    vec![
        (Entity::SePersonnummer, "", |r| se_number(r, false)),
        (Entity::SeSamordningsnummer, "", |r| se_number(r, true)),
        (Entity::DkCpr, "", dk_cpr),
        (Entity::NlBsn, "", nl_bsn),
        (Entity::NoFodselsnummer, "", no_fnr),
        (Entity::FiHetu, "", fi_hetu),
        (Entity::DeTaxId, "", de_tax_id),
        (Entity::DeRvnr, "", de_rvnr),
        (Entity::FrNir, "", fr_nir),
        (Entity::BeNationalNumber, "", be_nrn),
        (Entity::EsDni, "", es_dni),
        (Entity::EsNie, "", es_nie),
        (Entity::ItCodiceFiscale, "", it_cf),
        (Entity::PlPesel, "", pl_pesel),
        (Entity::Iban, "", iban),
        (Entity::PaymentCard, "", payment_card),
        (Entity::EuVat, "DE", vat_de),
        (Entity::EuVat, "other", vat_other),
    ]
}

// ---------------------------------------------------------------------------------------------
// Reference validity, near-misses
// ---------------------------------------------------------------------------------------------

/// The entities with a reference validator in `datalab_data::identifiers`.
const CHECKED: [Entity; 17] = [
    Entity::SePersonnummer,
    Entity::SeSamordningsnummer,
    Entity::DkCpr,
    Entity::NlBsn,
    Entity::NoFodselsnummer,
    Entity::FiHetu,
    Entity::DeTaxId,
    Entity::DeRvnr,
    Entity::FrNir,
    Entity::BeNationalNumber,
    Entity::EsDni,
    Entity::EsNie,
    Entity::ItCodiceFiscale,
    Entity::PlPesel,
    Entity::Iban,
    Entity::PaymentCard,
    Entity::EuVat,
];

/// Whether `v` is a valid `e` by the published scheme (via `datalab_data::identifiers`).
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

/// Every check-digit entity other than `except` that `v` is valid for.
fn also_valid(v: &str, except: Option<Entity>) -> Vec<Entity> {
    CHECKED
        .into_iter()
        .filter(|&e| Some(e) != except && reference_valid(e, v))
        .collect()
}

/// The value with one digit changed so that it is no longer a valid `e` (the century
/// digits of a 12-digit personnummer are left alone: the check digit does not cover them).
fn near_miss(rng: &mut R, e: Entity, v: &str) -> String {
    let mut positions: Vec<usize> = v
        .bytes()
        .enumerate()
        .filter(|(_, b)| b.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    if matches!(e, Entity::SePersonnummer | Entity::SeSamordningsnummer) && alnum(v).len() == 12 {
        positions.drain(..2);
    }
    loop {
        let p = *pick(rng, &positions);
        let mut b = v.as_bytes().to_vec();
        let old = b[p];
        let mut new = old;
        while new == old {
            new = b'0' + rng.random_range(0..10);
        }
        b[p] = new;
        let s = String::from_utf8(b).expect("ASCII digit swap");
        // A few schemes accept two readings (BE: either century; NL VAT: mod 11 or mod 97;
        // suffixes outside the check), so a changed digit can land on another valid number.
        if !reference_valid(e, &s) {
            return s;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Entities without check digits, and their look-alikes
// ---------------------------------------------------------------------------------------------

/// (country code, national number length, mobile prefixes, written with a trunk 0). The
/// prefixes are allocated mobile ranges (python-phonenumbers accepts every number built
/// from them), so a tool that checks ranges instead of lengths loses nothing.
const PHONE_PLANS: [(&str, usize, &[&str], bool); 11] = [
    ("46", 9, &["70", "72", "73", "76", "79"], true),
    ("45", 8, &["26", "27", "28"], false),
    ("31", 9, &["61", "62", "63", "64", "65"], true),
    (
        "49",
        11,
        &[
            "151", "152", "157", "159", "160", "162", "163", "170", "171", "172", "173", "174",
            "175", "176", "177", "178", "179",
        ],
        true,
    ),
    (
        "33",
        9,
        &[
            "60", "61", "62", "64", "65", "66", "67", "68", "73", "74", "75", "76", "77", "78",
            "79",
        ],
        true,
    ),
    (
        "32",
        9,
        &[
            "470", "471", "472", "473", "474", "475", "476", "477", "478", "479", "483", "484",
            "485", "486", "487", "488", "489", "490", "491", "492", "493", "494", "495", "496",
            "497", "498", "499",
        ],
        true,
    ),
    ("358", 9, &["40", "41", "44", "45", "46", "50"], true),
    ("47", 8, &["40", "41", "46", "47", "48", "9"], false),
    (
        "48",
        9,
        &[
            "50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88",
        ],
        false,
    ),
    ("34", 9, &["6", "71", "72", "73", "74"], false),
    (
        "39",
        10,
        &[
            "320", "324", "327", "328", "329", "330", "331", "333", "334", "335", "336", "337",
            "338", "339", "340", "342", "345", "346", "347", "348", "349", "366", "368", "380",
            "388", "389", "391", "392", "393",
        ],
        false,
    ),
];

fn phone(rng: &mut R) -> String {
    let &(cc, len, prefixes, trunk) = pick(rng, &PHONE_PLANS);
    let mut nsn = pick(rng, prefixes).to_string();
    // German mobile numbers: 015x have 11 digits, 016x/017x 10 or 11.
    let len = if cc == "49" && !nsn.starts_with("15") && rng.random_bool(0.5) {
        len - 1
    } else {
        len
    };
    while nsn.len() < len {
        nsn.push(char::from(b'0' + rng.random_range(0..10)));
    }
    match rng.random_range(0..5) {
        0 => format!("+{cc}{nsn}"),
        1 => format!("+{cc} {} {} {}", &nsn[..2], &nsn[2..5], &nsn[5..]),
        2 if trunk => format!("0{}-{} {}", &nsn[..2], &nsn[2..5], &nsn[5..]),
        2 => format!("{} {} {}", &nsn[..3], &nsn[3..6], &nsn[6..]),
        3 => format!("00{cc} {nsn}"),
        _ => format!("+{cc} {nsn}"),
    }
}

/// Too short or too long for any numbering plan.
fn phone_look_alike(rng: &mut R) -> String {
    let &(cc, len, prefixes, _) = pick(rng, &PHONE_PLANS);
    let mut nsn = pick(rng, prefixes).to_string();
    let target = if rng.random_bool(0.5) {
        rng.random_range(3..=5)
    } else {
        // E.164 allows at most 15 digits including the country code.
        16 - cc.len() + rng.random_range(0..3)
    };
    let _ = len;
    while nsn.len() < target {
        nsn.push(char::from(b'0' + rng.random_range(0..10)));
    }
    nsn.truncate(target);
    if rng.random_bool(0.5) {
        format!("+{cc}{nsn}")
    } else {
        format!("+{cc} {nsn}")
    }
}

const GIVEN: [&str; 24] = [
    "anna", "erik", "lars", "mette", "jens", "sanne", "pieter", "lukas", "marie", "julien",
    "sofie", "mikko", "aino", "ola", "kari", "piotr", "zofia", "carmen", "javier", "giulia",
    "marco", "emma", "noah", "lea",
];
const SURNAMES: [&str; 20] = [
    "svensson",
    "jensen",
    "devries",
    "muller",
    "dubois",
    "peeters",
    "virtanen",
    "hansen",
    "nowak",
    "garcia",
    "rossi",
    "andersson",
    "nielsen",
    "bakker",
    "schmidt",
    "martin",
    "korhonen",
    "berg",
    "kowalski",
    "lopez",
];
const MAIL_DOMAINS: [&str; 20] = [
    "gmail.com",
    "outlook.dk",
    "ziggo.nl",
    "web.de",
    "orange.fr",
    "telia.se",
    "kolumbus.fi",
    "online.no",
    "wp.pl",
    "telefonica.es",
    "libero.it",
    "skynet.be",
    "example.eu",
    "uni-hamburg.de",
    "mail.company.co.uk",
    "hotmail.com",
    "gmx.at",
    "protonmail.ch",
    "kpn.nl",
    "yahoo.fr",
];

fn email(rng: &mut R) -> String {
    let g = pick(rng, &GIVEN);
    let s = pick(rng, &SURNAMES);
    let n = rng.random_range(1..100);
    let local = match rng.random_range(0..6) {
        0 => format!("{g}.{s}"),
        1 => format!("{}.{s}{n}", &g[..1]),
        2 => format!("{g}_{s}"),
        3 => format!("{g}-{s}"),
        4 => format!("{g}+news"),
        _ => format!("{g}{n}"),
    };
    let domain = pick(rng, &MAIL_DOMAINS);
    if rng.random_bool(0.1) {
        format!("{}@{}", capitalise(&local), domain.to_uppercase())
    } else {
        format!("{local}@{domain}")
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn email_look_alike(rng: &mut R) -> String {
    let g = pick(rng, &GIVEN);
    let s = pick(rng, &SURNAMES);
    let domain = pick(rng, &MAIL_DOMAINS);
    let host = domain.split('.').next().unwrap_or("mail");
    match rng.random_range(0..5) {
        0 => format!("{g}.{s}@"),
        1 => format!("@{domain}"),
        2 => format!("{g}@@{domain}"),
        3 => format!("{g}.{s}@{host}"),
        _ => format!("{g} {s}@{domain}"),
    }
}

fn ipv4(rng: &mut R) -> String {
    format!(
        "{}.{}.{}.{}",
        rng.random_range(1..=223),
        rng.random_range(0..=255),
        rng.random_range(0..=255),
        rng.random_range(1..=254)
    )
}

fn ipv4_look_alike(rng: &mut R) -> String {
    let mut o: Vec<u32> = (0..4).map(|_| rng.random_range(0..=255)).collect();
    match rng.random_range(0..3) {
        0 => {
            let i = rng.random_range(0..4);
            o[i] = rng.random_range(256..=999);
        }
        1 => o.push(rng.random_range(0..=255)),
        _ => {
            o.pop();
        }
    }
    o.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

fn hex_group(rng: &mut R, upper: bool) -> String {
    let g = format!("{:x}", rng.random_range(0..=0xffffu32));
    if upper { g.to_uppercase() } else { g }
}

fn ipv6(rng: &mut R) -> String {
    let upper = rng.random_bool(0.2);
    let groups: Vec<String> = (0..8).map(|_| hex_group(rng, upper)).collect();
    match rng.random_range(0..4) {
        0 | 1 => groups.join(":"),
        2 => {
            // Compressed: a run of zero groups written as "::".
            let at = rng.random_range(1..6);
            let run = rng.random_range(2..=3);
            format!(
                "{}::{}",
                groups[..at].join(":"),
                groups[at + run..].join(":")
            )
        }
        _ => format!("2001:db8::{}:{}", groups[0], groups[1]),
    }
}

fn ipv6_look_alike(rng: &mut R) -> String {
    let mut groups: Vec<String> = (0..8).map(|_| hex_group(rng, false)).collect();
    match rng.random_range(0..3) {
        0 => groups.push(hex_group(rng, false)),
        1 => {
            let i = rng.random_range(0..8);
            groups[i] = format!("{:05x}", rng.random_range(0x10000..=0xfffffu32));
        }
        _ => {
            let i = rng.random_range(0..8);
            groups[i] = format!("{}g", &groups[i][..groups[i].len().min(3)]);
        }
    }
    groups.join(":")
}

fn mac(rng: &mut R) -> String {
    let upper = rng.random_bool(0.4);
    let bytes: Vec<String> = (0..6)
        .map(|_| {
            let b = format!("{:02x}", rng.random_range(0..=255u32));
            if upper { b.to_uppercase() } else { b }
        })
        .collect();
    match rng.random_range(0..5) {
        0 | 1 => bytes.join(":"),
        2 | 3 => bytes.join("-"),
        _ => {
            let s = bytes.concat();
            format!("{}.{}.{}", &s[..4], &s[4..8], &s[8..])
        }
    }
}

fn mac_look_alike(rng: &mut R) -> String {
    let non_hex = rng.random_bool(0.3);
    let n = match (non_hex, rng.random_bool(0.5)) {
        (true, _) => 6,
        (false, true) => 5,
        (false, false) => 7,
    };
    let mut bytes: Vec<String> = (0..n)
        .map(|_| format!("{:02x}", rng.random_range(0..=255u32)))
        .collect();
    if non_hex {
        let i = rng.random_range(0..6);
        bytes[i] = format!("{}z", &bytes[i][..1]);
    }
    bytes.join(":")
}

const URL_HOSTS: [&str; 12] = [
    "www.example.com",
    "shop.example.de",
    "www.gov.se",
    "portal.kommune.dk",
    "www.rijksoverheid.nl",
    "news.example.fr",
    "www.uni.pl",
    "intranet.example.eu",
    "example.org",
    "docs.example.io",
    "www.example.it",
    "cdn.example.net",
];

fn url(rng: &mut R) -> String {
    let host = pick(rng, &URL_HOSTS);
    let path = match rng.random_range(0..4) {
        0 => String::new(),
        1 => format!("/p/{}", rng.random_range(1..100_000)),
        2 => format!(
            "/search?q=item{}&page={}",
            rng.random_range(1..999),
            rng.random_range(1..9)
        ),
        _ => format!(
            "/docs/{}.html",
            pick(rng, &["intro", "faq", "kontakt", "about"])
        ),
    };
    match rng.random_range(0..5) {
        0 | 1 => format!("https://{host}{path}"),
        2 => format!("http://{host}{path}"),
        3 => format!("https://{host}:8443{path}"),
        _ => {
            let h = host.strip_prefix("www.").unwrap_or(host);
            format!("www.{h}{path}")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Values that are no personal data
// ---------------------------------------------------------------------------------------------

const WORDS: [&str; 24] = [
    "Stockholm",
    "metformin",
    "kg",
    "ja",
    "N/A",
    "-",
    "Den Haag",
    "København",
    "Zürich",
    "unknown",
    "true",
    "null",
    "Amoxicillin 500 mg",
    "Type 2 diabetes",
    "Ward 7B",
    "Helsinki",
    "pending",
    "Nej",
    "Kraków",
    "Sevilla",
    "approved",
    "n.v.t.",
    "Lyon",
    "see notes",
];

fn other_value(rng: &mut R, i: usize) -> String {
    match i % 16 {
        0..=3 => {
            // Bare numbers, never with a leading zero (a national phone number's trunk).
            let len = rng.random_range(4..=16);
            let mut d = rand_digits(rng, len);
            d[0] = rng.random_range(1..10);
            digits_str(&d)
        }
        4 => {
            let (y, m, d) = date(rng, 1900..=2030);
            match rng.random_range(0..4) {
                0 => format!("{y}-{m:02}-{d:02}"),
                1 => format!("{d:02}.{m:02}.{y}"),
                2 => format!("{d:02}/{m:02}/{y}"),
                _ => format!(
                    "{y}-{m:02}-{d:02}T{:02}:{:02}:00",
                    rng.random_range(0..24),
                    rng.random_range(0..60)
                ),
            }
        }
        5 => match rng.random_range(0..3) {
            0 => format!(
                "{}.{:02}",
                rng.random_range(1..100_000),
                rng.random_range(0..100)
            ),
            1 => format!(
                "{} {:03},{:02}",
                rng.random_range(1..1000),
                rng.random_range(0..1000),
                rng.random_range(0..100)
            ),
            _ => format!(
                "€ {},{:02}",
                rng.random_range(1..10_000),
                rng.random_range(0..100)
            ),
        },
        6 => format!(
            "{:02}:{:02}",
            rng.random_range(0..24),
            rng.random_range(0..60)
        ),
        7 => format!(
            "{}{}.{}",
            char::from(rng.random_range(b'A'..=b'Z')),
            rng.random_range(10..99),
            rng.random_range(0..9)
        ),
        8 => format!(
            "{}.{}.{}",
            rng.random_range(0..20),
            rng.random_range(0..40),
            rng.random_range(0..200)
        ),
        9 => match rng.random_range(0..4) {
            0 => format!(
                "{} {:02}",
                rng.random_range(100..999),
                rng.random_range(10..99)
            ),
            1 => format!(
                "{} {}{}",
                rng.random_range(1000..9999),
                char::from(rng.random_range(b'A'..=b'Z')),
                char::from(rng.random_range(b'A'..=b'Z'))
            ),
            2 => format!("{:05}", rng.random_range(1000..99_999)),
            _ => format!(
                "{:02}-{:03}",
                rng.random_range(0..99),
                rng.random_range(0..999)
            ),
        },
        10 => format!(
            "ORD-{}-{:06}",
            rng.random_range(2015..2027),
            rng.random_range(0..1_000_000)
        ),
        11 => format!(
            "INV/{}/{:04}",
            rng.random_range(2015..2027),
            rng.random_range(0..10_000)
        ),
        12 => format!(
            "SKU-{}-{}",
            rng.random_range(10_000..99_999),
            pick(rng, &["XS", "S", "M", "L", "XL"])
        ),
        13 => format!("{}.{}%", rng.random_range(0..100), rng.random_range(0..10)),
        14 => {
            let hex: String = (0..32)
                .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
                .collect();
            if rng.random_bool(0.5) {
                format!(
                    "{}-{}-{}-{}-{}",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                )
            } else {
                hex
            }
        }
        _ => pick(rng, &WORDS).to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Free text
// ---------------------------------------------------------------------------------------------

/// Sentence frames in six languages, around one value.
const TEMPLATES: [(&str, &str); 8] = [
    ("Patientens ", ", kontakta avdelningen."),
    ("Indlagt med ", " i går."),
    ("Het nummer ", " staat in het dossier."),
    ("Die Nummer ", " wurde geprüft."),
    ("Le numéro ", " a été vérifié."),
    ("The number (", ") was checked."),
    ("Please update ", " in the record before Friday."),
    ("Registered: ", "; verified by the front desk."),
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
        Entity::PaymentCard => "card",
        Entity::EuVat => "VAT",
        Entity::Email => "e-mail",
        Entity::Phone => "tel.",
        Entity::Ipv4 | Entity::Ipv6 => "IP",
        Entity::MacAddress => "MAC",
        Entity::Url => "URL",
        _ => "",
    }
}

/// Sentences with no personal data: dates, amounts, versions, order numbers, doses.
fn clean_sentence(rng: &mut R, i: usize) -> String {
    let n: u32 = rng.random_range(1..100_000);
    match i % 5 {
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
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct GoldSpan {
    start: usize,
    end: usize,
    label: String,
    also: Vec<String>,
}

#[derive(Serialize)]
struct Line {
    id: usize,
    kind: &'static str,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    also: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    spans: Option<Vec<GoldSpan>>,
}

struct Value {
    value: String,
    label: Option<Entity>,
    group: &'static str,
    of: Option<String>,
}

fn names(es: &[Entity]) -> Vec<String> {
    es.iter().map(|e| e.name().to_string()).collect()
}

/// A stream of its own for each part of the corpus, so that changing one part's size
/// leaves the others as they were.
fn stream(seed: u64, part: u64) -> R {
    R::seed_from_u64(
        seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ part.wrapping_mul(0xd1b5_4a32_d192_ed03),
    )
}

fn with_generator_check(e: Entity, g: Generator, rng: &mut R) -> String {
    let v = g(rng);
    assert!(
        reference_valid(e, &v),
        "generator bug: {v:?} is not a valid {e}"
    );
    v
}

fn build_values(per_entity: usize, seed: u64) -> Vec<Value> {
    let mut values = Vec::new();
    for (k, (e, variant, g)) in check_digit_generators().into_iter().enumerate() {
        let mut rng = stream(seed, k as u64 + 1);
        let of = if variant.is_empty() {
            e.name().to_string()
        } else {
            format!("{}:{variant}", e.name())
        };
        for _ in 0..per_entity {
            let v = with_generator_check(e, g, &mut rng);
            let miss = near_miss(&mut rng, e, &v);
            values.push(Value {
                value: v,
                label: Some(e),
                group: "valid",
                of: None,
            });
            values.push(Value {
                value: miss,
                label: None,
                group: "near_miss",
                of: Some(of.clone()),
            });
        }
    }
    let shapes: [(Entity, Generator, Option<Generator>); 6] = [
        (Entity::Email, email, Some(email_look_alike)),
        (Entity::Phone, phone, Some(phone_look_alike)),
        (Entity::Ipv4, ipv4, Some(ipv4_look_alike)),
        (Entity::Ipv6, ipv6, Some(ipv6_look_alike)),
        (Entity::MacAddress, mac, Some(mac_look_alike)),
        (Entity::Url, url, None),
    ];
    for (k, (e, g, look_alike)) in shapes.into_iter().enumerate() {
        let mut rng = stream(seed, 100 + k as u64);
        for i in 0..per_entity {
            values.push(Value {
                value: g(&mut rng),
                label: Some(e),
                group: "valid",
                of: None,
            });
            if let Some(l) = look_alike
                && i % 2 == 0
            {
                values.push(Value {
                    value: l(&mut rng),
                    label: None,
                    group: "look_alike",
                    of: Some(e.name().to_string()),
                });
            }
        }
    }
    let mut rng = stream(seed, 200);
    for i in 0..2 * per_entity {
        values.push(Value {
            value: other_value(&mut rng, i),
            label: None,
            group: "other",
            of: None,
        });
    }
    // A fixed order unrelated to the entity, the same for every tool.
    values.shuffle(&mut stream(seed, 300));
    values
}

struct Text {
    value: String,
    spans: Vec<GoldSpan>,
}

fn gold(before: &str, value: &str, label: Entity) -> GoldSpan {
    let start = before.chars().count();
    GoldSpan {
        start,
        end: start + value.chars().count(),
        label: label.name().to_string(),
        also: names(&also_valid(value, Some(label))),
    }
}

fn build_texts(per_entity: usize, seed: u64) -> Vec<Text> {
    let mut texts = Vec::new();
    let mut generators: Vec<(Entity, Generator)> = check_digit_generators()
        .into_iter()
        .map(|(e, _, g)| (e, g))
        .collect();
    generators.extend([
        (Entity::Email, email as Generator),
        (Entity::Phone, phone),
        (Entity::Ipv4, ipv4),
        (Entity::Ipv6, ipv6),
        (Entity::MacAddress, mac),
        (Entity::Url, url),
    ]);
    for (k, &(e, g)) in generators.iter().enumerate() {
        let mut rng = stream(seed, 400 + k as u64);
        for i in 0..per_entity {
            let v = g(&mut rng);
            let (before, after) = TEMPLATES[i % TEMPLATES.len()];
            // Half the sentences name the kind of value just before it.
            let cue = if i % 2 == 0 {
                format!("{} ", cue_word(e))
            } else {
                String::new()
            };
            let head = format!("{before}{cue}");
            if i % 5 == 4 && e.has_check_digits() {
                // A near-miss in running text: nothing to find.
                let miss = near_miss(&mut rng, e, &v);
                texts.push(Text {
                    value: format!("{head}{miss}{after}"),
                    spans: Vec::new(),
                });
                continue;
            }
            let mut spans = vec![gold(&head, &v, e)];
            let mut text = format!("{head}{v}");
            if i % 7 == 3 {
                // A second value: contact details after the first.
                let (other, oe) = if rng.random_bool(0.5) {
                    (email(&mut rng), Entity::Email)
                } else {
                    (phone(&mut rng), Entity::Phone)
                };
                let joint = format!("{text} {} ", cue_word(oe));
                spans.push(gold(&joint, &other, oe));
                text = format!("{joint}{other}");
            }
            text.push_str(after);
            texts.push(Text { value: text, spans });
        }
    }
    let mut rng = stream(seed, 500);
    for i in 0..2 * per_entity {
        texts.push(Text {
            value: clean_sentence(&mut rng, i),
            spans: Vec::new(),
        });
    }
    texts.shuffle(&mut stream(seed, 600));
    texts
}

struct CorpusArgs {
    out: String,
    per_entity: usize,
    seed: u64,
    texts_per_entity: usize,
}

fn write_corpus(a: &CorpusArgs) -> std::io::Result<serde_json::Value> {
    let values = build_values(a.per_entity, a.seed);
    let texts = build_texts(a.texts_per_entity, a.seed);
    let mut w = BufWriter::new(std::fs::File::create(&a.out)?);
    let mut id = 0;
    let mut per_label: std::collections::BTreeMap<String, usize> = Default::default();
    let mut per_group: std::collections::BTreeMap<&str, usize> = Default::default();
    for v in values {
        let label = v.label.map_or("none", Entity::name).to_string();
        *per_label.entry(label.clone()).or_default() += 1;
        *per_group.entry(v.group).or_default() += 1;
        let also = names(&also_valid(&v.value, v.label));
        let line = Line {
            id,
            kind: "value",
            value: v.value,
            label: Some(label),
            group: Some(v.group),
            of: v.of,
            also: Some(also),
            spans: None,
        };
        serde_json::to_writer(&mut w, &line)?;
        w.write_all(b"\n")?;
        id += 1;
    }
    let n_values = id;
    let mut n_spans = 0;
    for t in texts {
        n_spans += t.spans.len();
        let line = Line {
            id,
            kind: "text",
            value: t.value,
            label: None,
            group: None,
            of: None,
            also: None,
            spans: Some(t.spans),
        };
        serde_json::to_writer(&mut w, &line)?;
        w.write_all(b"\n")?;
        id += 1;
    }
    w.flush()?;
    Ok(serde_json::json!({
        "generator_version": GENERATOR_VERSION,
        "per_entity": a.per_entity,
        "texts_per_entity": a.texts_per_entity,
        "seed": a.seed,
        "values": n_values,
        "texts": id - n_values,
        "text_spans": n_spans,
        "values_per_label": per_label,
        "values_per_group": per_group,
    }))
}

// ---------------------------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct InLine {
    id: usize,
    kind: String,
    value: String,
}

#[derive(Serialize)]
struct OutSpan {
    start: usize,
    end: usize,
    entity: &'static str,
    confidence: f64,
}

fn char_offsets(text: &str, spans: &[Span]) -> Vec<OutSpan> {
    spans
        .iter()
        .map(|s| {
            let start = text[..s.start].chars().count();
            OutSpan {
                start,
                end: start + text[s.start..s.end].chars().count(),
                entity: s.entity.name(),
                confidence: s.confidence,
            }
        })
        .collect()
}

fn best_and_median(mut times: Vec<f64>) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let n = times.len();
    let median = if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2.0
    };
    (times[0], median)
}

fn detect(corpus: &str, out: &str, repeat: usize) -> std::io::Result<serde_json::Value> {
    let reader = std::io::BufReader::new(std::fs::File::open(corpus)?);
    let mut values: Vec<(usize, String)> = Vec::new();
    let mut texts: Vec<(usize, String)> = Vec::new();
    for line in reader.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let l: InLine = serde_json::from_str(&line)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        match l.kind.as_str() {
            "value" => values.push((l.id, l.value)),
            "text" => texts.push((l.id, l.value)),
            other => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("unknown kind {other:?}"),
                ));
            }
        }
    }

    // Whole values.
    let mut preds: Vec<Option<(Entity, f64)>> = Vec::with_capacity(values.len());
    let mut value_times = Vec::new();
    for _ in 0..repeat {
        preds.clear();
        let t = Instant::now();
        for (_, v) in &values {
            preds.push(detect_value(std::hint::black_box(v)));
        }
        value_times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(&preds);
    }
    // Free text.
    let mut found: Vec<Vec<Span>> = Vec::with_capacity(texts.len());
    let mut text_times = Vec::new();
    for _ in 0..repeat {
        found.clear();
        let t = Instant::now();
        for (_, v) in &texts {
            found.push(find_spans(std::hint::black_box(v)));
        }
        text_times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(&found);
    }

    let mut w = BufWriter::new(std::fs::File::create(out)?);
    let mut buf = String::new();
    for ((id, _), p) in values.iter().zip(&preds) {
        buf.clear();
        match p {
            Some((e, c)) => write!(
                buf,
                r#"{{"id":{id},"pred":"{}","confidence":{c:.3}}}"#,
                e.name()
            ),
            None => write!(buf, r#"{{"id":{id},"pred":null}}"#),
        }
        .expect("write to String");
        writeln!(w, "{buf}")?;
    }
    for ((id, text), spans) in texts.iter().zip(&found) {
        let line = serde_json::json!({"id": id, "spans": char_offsets(text, spans)});
        serde_json::to_writer(&mut w, &line)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;

    let (vb, vm) = best_and_median(value_times.clone());
    let (tb, tm) = if texts.is_empty() {
        (0.0, 0.0)
    } else {
        best_and_median(text_times.clone())
    };
    let value_bytes: usize = values.iter().map(|(_, v)| v.len()).sum();
    let text_bytes: usize = texts.iter().map(|(_, v)| v.len()).sum();
    let detected: BTreeSet<&str> = preds.iter().flatten().map(|(e, _)| e.name()).collect();
    Ok(serde_json::json!({
        "tool": "datalab",
        "threads": 1,
        "repeat": repeat,
        "values": values.len(),
        "value_bytes": value_bytes,
        "value_seconds_best": vb,
        "value_seconds_median": vm,
        "value_seconds_all": value_times,
        "values_per_second": values.len() as f64 / vb,
        "texts": texts.len(),
        "text_bytes": text_bytes,
        "text_seconds_best": tb,
        "text_seconds_median": tm,
        "text_seconds_all": text_times,
        "texts_per_second": if tb > 0.0 { texts.len() as f64 / tb } else { 0.0 },
        "entities_detected": detected,
    }))
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

const USAGE: &str = "usage:
  pii_bench corpus OUT.jsonl [--per-entity 5000] [--seed 1] [--texts-per-entity 200]
  pii_bench detect CORPUS.jsonl OUT.jsonl [--repeat 5]";

fn parse_flag<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
    }
}

fn run(args: &[String]) -> Result<serde_json::Value, String> {
    let positional: Vec<&String> = {
        let mut out = Vec::new();
        let mut i = 0;
        while i < args.len() {
            if args[i].starts_with("--") {
                i += 2;
            } else {
                out.push(&args[i]);
                i += 1;
            }
        }
        out
    };
    for a in args.iter().filter(|a| a.starts_with("--")) {
        if !["--per-entity", "--seed", "--texts-per-entity", "--repeat"].contains(&a.as_str()) {
            return Err(format!("unknown option {a}"));
        }
    }
    match positional.as_slice() {
        [cmd, out] if cmd.as_str() == "corpus" => {
            let a = CorpusArgs {
                out: out.to_string(),
                per_entity: parse_flag(args, "--per-entity", 5000)?,
                seed: parse_flag(args, "--seed", 1)?,
                texts_per_entity: parse_flag(args, "--texts-per-entity", 200)?,
            };
            if a.per_entity == 0 {
                return Err("--per-entity must be at least 1".into());
            }
            write_corpus(&a).map_err(|e| format!("{}: {e}", a.out))
        }
        [cmd, corpus, out] if cmd.as_str() == "detect" => {
            let repeat = parse_flag(args, "--repeat", 5)?;
            if repeat == 0 {
                return Err("--repeat must be at least 1".into());
            }
            detect(corpus, out, repeat).map_err(|e| format!("{corpus}: {e}"))
        }
        _ => Err(USAGE.into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pii_bench: {e}");
            ExitCode::from(2)
        }
    }
}
