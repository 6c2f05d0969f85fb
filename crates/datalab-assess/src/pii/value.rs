//! Whole-value analysis: every interpretation a single value supports, with a confidence.
//!
//! One pass over the bytes gathers character classes and digit groups; the value is then
//! routed by shape (an `@`, a URL prefix, colons, dots, digit count, letter positions) to the
//! few validators that can apply, so most values meet at most three checks.

use datalab_data::identifiers as id;

use super::dates::numeric_date;
use super::entity::{Entity, EntitySet};
use super::names::name_shape;
use super::net::{is_email, is_ipv4, is_ipv6, is_mac, is_url, url_prefix_len};
use super::phone::{PhoneForm, PhoneMatch, phone};

/// One interpretation of a value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub entity: Entity,
    pub confidence: f64,
    /// `false` for interpretations that only count where the column (or the words around
    /// a span) says so: a date as a birth date, bare digits as a phone number, a CPR number
    /// that fails the modulus-11 test, a number that lost its leading zero, a name shape
    /// without a known given name.
    pub strong: bool,
}

/// Everything one value can be.
#[derive(Clone, Debug, Default)]
pub(crate) struct Analysis {
    cands: [Option<Candidate>; 8],
    /// Entities whose written form the value has, valid or not.
    pub shaped: EntitySet,
}

impl Analysis {
    fn push(&mut self, entity: Entity, confidence: f64, strong: bool) {
        self.shaped.insert(entity);
        if let Some(slot) = self.cands.iter_mut().find(|c| c.is_none()) {
            *slot = Some(Candidate {
                entity,
                confidence,
                strong,
            });
        }
    }

    fn shape(&mut self, entity: Entity) {
        self.shaped.insert(entity);
    }

    pub(crate) fn candidates(&self) -> impl Iterator<Item = Candidate> + '_ {
        self.cands.iter().flatten().copied()
    }

    /// Entities with a strong (check-digit or unambiguous-format) match.
    pub(crate) fn strong(&self) -> EntitySet {
        let mut set = EntitySet::EMPTY;
        for c in self.candidates().filter(|c| c.strong) {
            set.insert(c.entity);
        }
        set
    }

    /// Entities with any match, strong or contextual.
    pub(crate) fn matched(&self) -> EntitySet {
        let mut set = EntitySet::EMPTY;
        for c in self.candidates() {
            set.insert(c.entity);
        }
        set
    }

    /// The confidence of `entity` among the candidates (0 when absent).
    #[cfg(test)]
    pub(crate) fn confidence_of(&self, entity: Entity) -> f64 {
        self.candidates()
            .filter(|c| c.entity == entity)
            .map(|c| c.confidence)
            .fold(0.0, f64::max)
    }

    /// The most specific interpretation. When two different entities are both strong (a
    /// 10-digit number valid as a personnummer and as a CPR number), the more specific one
    /// wins with its confidence lowered by [`AMBIGUITY_PENALTY`].
    pub(crate) fn best(&self) -> Option<(Entity, f64)> {
        let mut best: Option<Candidate> = None;
        let mut strong_entities = 0;
        let mut seen = EntitySet::EMPTY;
        for c in self.candidates() {
            if c.strong && !seen.contains(c.entity) {
                seen.insert(c.entity);
                strong_entities += 1;
            }
            // A strong reading always beats a contextual one.
            let better = best.is_none_or(|b| (c.strong, c.confidence) > (b.strong, b.confidence));
            if better {
                best = Some(c);
            }
        }
        let b = best?;
        let confidence = if b.strong && strong_entities > 1 {
            (b.confidence - AMBIGUITY_PENALTY).max(super::MIN_CONFIDENCE)
        } else {
            b.confidence
        };
        Some((b.entity, confidence))
    }
}

/// Confidence taken off a value that is valid under two schemes.
pub(crate) const AMBIGUITY_PENALTY: f64 = 0.25;

// Per-form confidences: 1 minus roughly how often a value of that *shape* would pass by
// chance, adjusted for how distinctive the written form is.
const C_EMAIL: f64 = 0.95;
const C_URL: f64 = 0.9;
const C_URL_WWW: f64 = 0.75;
const C_IPV4: f64 = 0.85;
const C_IPV6: f64 = 0.9;
const C_IPV6_SHORT: f64 = 0.6;
const C_MAC: f64 = 0.9;
const C_IBAN: f64 = 0.99;
const C_CARD_GROUPED: f64 = 0.9;
const C_CARD_BARE: f64 = 0.85;
const C_SE_12: f64 = 0.95;
const C_SE_PLUS: f64 = 0.9;
const C_SE_DASH: f64 = 0.8;
const C_SE_BARE: f64 = 0.7;
// Slightly above the Swedish forms: a value valid as both is more often a CPR number, since
// the Luhn-and-date test lets through more CPR numbers (≈6 %) than the CPR test lets
// through personnummer (≈3 %).
const C_CPR_DASH: f64 = 0.82;
const C_CPR_BARE: f64 = 0.72;
/// A CPR number with a real date that fails modulus 11 (issued since 2007, or mistyped).
pub(crate) const C_CPR_NO_MOD11: f64 = 0.25;
const C_BSN: f64 = 0.6;
const C_BSN_DOTTED: f64 = 0.7;
const C_NO: f64 = 0.9;
const C_HETU: f64 = 0.98;
const C_DE_TAX: f64 = 0.75;
const C_DE_TAX_SPACED: f64 = 0.8;
const C_RVNR: f64 = 0.95;
const C_NIR: f64 = 0.95;
const C_NIR_SPECIAL: f64 = 0.8;
const C_BE_DOTTED: f64 = 0.97;
const C_BE_GROUPED: f64 = 0.9;
const C_BE_BARE: f64 = 0.85;
const C_DNI: f64 = 0.93;
const C_NIE: f64 = 0.96;
const C_CF: f64 = 0.99;
const C_PESEL: f64 = 0.65;
const C_VAT: f64 = 0.95;
const C_VAT_FORMAT: f64 = 0.55;
const C_PHONE_KNOWN: f64 = 0.9;
const C_PHONE_INTL: f64 = 0.75;
/// `00` and digits, no spaces: as often an ID with leading zeros as a dialled number.
const C_PHONE_00_BARE: f64 = 0.55;
/// `00`, a country code outside the eleven plans we know, no spaces.
const C_PHONE_00_OTHER: f64 = 0.25;
const C_PHONE_NATIONAL: f64 = 0.6;
/// Bare digits with a trunk `0`: as often an identifier with a leading zero (a near-miss
/// fødselsnummer, PESEL or CPR number), so below [`super::MIN_CONFIDENCE`]: a phone number
/// only where the column or a cue word says so.
const C_PHONE_BARE_TRUNK: f64 = 0.25;
/// Bare digits with a trunk `0` in a German or Belgian mobile range and length.
const C_PHONE_BARE_MOBILE: f64 = 0.45;
const C_PHONE_BARE: f64 = 0.2;
/// A number that is valid once its lost leading zero is put back (integer columns).
const C_PADDED: f64 = 0.2;
const C_NAME_GIVEN: f64 = 0.6;
const C_NAME_SHAPE: f64 = 0.35;
const C_NAME_ONE_WORD: f64 = 0.15;
const C_DATE: f64 = 0.1;

/// Character classes and digit groups of a value.
struct Scan {
    digits: usize,
    letters: usize,
    colons: usize,
    dots: usize,
    spaces: usize,
    /// Characters other than ASCII letters, digits and the separators ` -./+()`.
    other: usize,
    /// Lengths of the alphanumeric groups between separators (at most 12 tracked).
    groups: [u8; 12],
    ngroups: usize,
    /// The separators used, as a bit set: space, `-`, `.`, `/`, `+`.
    seps: u8,
    /// Alphanumerics with separators removed, upper case (up to 40).
    compact: [u8; 40],
    ncompact: usize,
}

const SEP_SPACE: u8 = 1;
const SEP_DASH: u8 = 2;
const SEP_DOT: u8 = 4;
const SEP_SLASH: u8 = 8;
const SEP_PLUS: u8 = 16;

impl Scan {
    fn new(b: &[u8]) -> Scan {
        let mut s = Scan {
            digits: 0,
            letters: 0,
            colons: 0,
            dots: 0,
            spaces: 0,
            other: 0,
            groups: [0; 12],
            ngroups: 0,
            seps: 0,
            compact: [0; 40],
            ncompact: 0,
        };
        let mut in_group = false;
        for &c in b {
            let sep = match c {
                b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => {
                    if c.is_ascii_digit() {
                        s.digits += 1;
                    } else {
                        s.letters += 1;
                    }
                    if !in_group {
                        in_group = true;
                        s.ngroups += 1;
                    }
                    if s.ngroups <= s.groups.len() {
                        s.groups[s.ngroups - 1] = s.groups[s.ngroups - 1].saturating_add(1);
                    }
                    if s.ncompact < s.compact.len() {
                        s.compact[s.ncompact] = c.to_ascii_uppercase();
                    }
                    s.ncompact += 1;
                    continue;
                }
                b' ' => SEP_SPACE,
                b'-' => SEP_DASH,
                b'.' => SEP_DOT,
                b'/' => SEP_SLASH,
                b'+' => SEP_PLUS,
                b':' => {
                    s.colons += 1;
                    s.other += 1;
                    0
                }
                _ => {
                    s.other += 1;
                    0
                }
            };
            if sep == SEP_DOT {
                s.dots += 1;
            }
            if sep == SEP_SPACE {
                s.spaces += 1;
            }
            s.seps |= sep;
            in_group = false;
        }
        s
    }

    fn groups(&self) -> &[u8] {
        &self.groups[..self.ngroups.min(self.groups.len())]
    }

    /// The compact form, when it fits the buffer.
    fn compact(&self) -> Option<&[u8]> {
        (self.ncompact <= self.compact.len()).then(|| &self.compact[..self.ncompact])
    }

    fn only_seps(&self, allowed: u8) -> bool {
        self.other == 0 && self.seps & !allowed == 0
    }
}

fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// Every interpretation of the (already trimmed) value `s`.
pub(crate) fn analyze(s: &str) -> Analysis {
    let mut a = Analysis::default();
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 4096 {
        return a;
    }
    if b.contains(&b'@') {
        if is_email(b) {
            a.push(Entity::Email, C_EMAIL, true);
        } else if b.len() <= 254
            && !b.contains(&b' ')
            && b.iter().filter(|&&c| c == b'@').count() == 1
        {
            a.shape(Entity::Email);
        }
        return a;
    }
    let prefix = url_prefix_len(b);
    if prefix > 0 {
        if is_url(b) {
            let www = b[..prefix].eq_ignore_ascii_case(b"www.");
            a.push(Entity::Url, if www { C_URL_WWW } else { C_URL }, true);
        } else {
            a.shape(Entity::Url);
        }
        return a;
    }
    if b.len() > 64 {
        return a;
    }
    let scan = Scan::new(b);
    if scan.colons >= 2 {
        if is_ipv6(s) {
            let explicit_groups = s.split(':').filter(|g| !g.is_empty()).count();
            let c = if explicit_groups >= 3 {
                C_IPV6
            } else {
                C_IPV6_SHORT
            };
            a.push(Entity::Ipv6, c, true);
        } else if is_mac(s) {
            a.push(Entity::MacAddress, C_MAC, true);
        } else if scan.colons == 5 && b.len() == 17 {
            a.shape(Entity::MacAddress);
        } else if b.iter().all(|&c| c.is_ascii_hexdigit() || c == b':') && scan.colons >= 3 {
            a.shape(Entity::Ipv6);
        }
        return a;
    }
    if scan.digits == 0 {
        if let Some(shape) = name_shape(s) {
            let (c, strong) = match (shape.words, shape.given_name) {
                (1, _) => (C_NAME_ONE_WORD, false),
                (_, true) => (C_NAME_GIVEN, true),
                _ => (C_NAME_SHAPE, false),
            };
            a.push(Entity::PersonName, c, strong);
        }
        return a;
    }
    if scan.other > 0 && !(scan.other == 2 && b.contains(&b'(') && b.contains(&b')')) {
        return a;
    }
    if scan.dots == 3 && scan.digits + 3 == b.len() {
        if is_ipv4(s) {
            a.push(Entity::Ipv4, C_IPV4, true);
        } else if scan.groups().iter().all(|&g| g <= 3) {
            a.shape(Entity::Ipv4);
        }
        return a;
    }
    if (b.len() == 17 || b.len() == 14) && is_mac(s) {
        a.push(Entity::MacAddress, C_MAC, true);
        return a;
    }
    if let Some(date) = numeric_date(s) {
        if date.valid {
            a.push(Entity::DateOfBirth, C_DATE, false);
        } else {
            a.shape(Entity::DateOfBirth);
        }
        return a;
    }
    if b[0] == b'+' || b[0] == b'(' {
        phones(&mut a, s);
        return a;
    }
    if hetu_shaped(b) {
        // The control character may be a digit, and `DDMMYY-NNNN` is also the form of
        // Swedish and Danish numbers: those are tried as well below.
        let hetu = s.to_ascii_uppercase();
        if id::is_valid_hetu(&hetu) {
            a.push(Entity::FiHetu, C_HETU, true);
        } else {
            a.shape(Entity::FiHetu);
        }
        if !(b[10].is_ascii_digit() && matches!(b[6], b'-' | b'+')) {
            return a;
        }
    }
    let Some(comp) = scan.compact() else {
        return a;
    };
    if scan.letters == 0 {
        digits_only(&mut a, s, &scan, comp);
    } else {
        alphanumeric(&mut a, s, &scan, comp);
    }
    a
}

fn phones(a: &mut Analysis, s: &str) {
    match phone(s) {
        Some(PhoneMatch::Valid(form)) => {
            let (c, strong) = match form {
                PhoneForm::InternationalKnown if s.starts_with("00") && !s.contains(' ') => {
                    (C_PHONE_00_BARE, true)
                }
                // `00`, a country outside the eleven and no spaces: more often a number with
                // leading zeros (`00232899194`) than a dialled one.
                PhoneForm::International if s.starts_with("00") && !s.contains(' ') => {
                    (C_PHONE_00_OTHER, false)
                }
                PhoneForm::InternationalKnown => (C_PHONE_KNOWN, true),
                PhoneForm::International => (C_PHONE_INTL, true),
                PhoneForm::NationalFormatted => (C_PHONE_NATIONAL, true),
                PhoneForm::NationalBare => (C_PHONE_BARE_TRUNK, false),
                PhoneForm::NationalBareMobile => (C_PHONE_BARE_MOBILE, false),
                PhoneForm::BareDigits => (C_PHONE_BARE, false),
            };
            a.push(Entity::Phone, c, strong);
        }
        Some(PhoneMatch::Invalid) => a.shape(Entity::Phone),
        None => {}
    }
}

/// HETU: `DDMMYY`, a century sign, `ZZZ`, a control character (digit or letter).
fn hetu_shaped(b: &[u8]) -> bool {
    b.len() == 11
        && all_digits(&b[..6])
        && all_digits(&b[7..10])
        && b"+-ABCDEFUVWXYabcdefuvwxy".contains(&b[6])
        && b[10].is_ascii_alphanumeric()
        && !b[10].is_ascii_lowercase()
}

/// Numbers written with digits and separators only.
fn digits_only(a: &mut Analysis, s: &str, scan: &Scan, comp: &[u8]) {
    let g = scan.groups();
    let bare = g.len() == 1;
    let plus_inside = scan.seps & SEP_PLUS != 0;
    if plus_inside && !(comp.len() == 10 && g == [6, 4]) {
        return;
    }
    // Compact digits as text (ASCII digits are valid UTF-8).
    let digits = std::str::from_utf8(comp).unwrap_or("");
    match comp.len() {
        8 if bare => {
            // A BSN stored as an integer loses its leading zero.
            let padded = format!("0{digits}");
            if id::is_valid_bsn(&padded) {
                a.push(Entity::NlBsn, C_PADDED, false);
            } else {
                a.shape(Entity::NlBsn);
            }
        }
        9 => {
            let dotted = g == [4, 2, 3] && scan.only_seps(SEP_DOT);
            let grouped = g == [3, 3, 3] && scan.only_seps(SEP_SPACE | SEP_DASH | SEP_DOT);
            if bare || dotted || grouped {
                if id::is_valid_bsn(digits) {
                    a.push(
                        Entity::NlBsn,
                        if dotted { C_BSN_DOTTED } else { C_BSN },
                        true,
                    );
                } else {
                    a.shape(Entity::NlBsn);
                }
            }
            if bare {
                let padded = format!("0{digits}");
                if id::is_valid_cpr(&padded) {
                    a.push(Entity::DkCpr, C_PADDED, false);
                }
            }
        }
        10 => {
            let dash = g == [6, 4] && scan.only_seps(SEP_DASH);
            let plus = g == [6, 4] && scan.only_seps(SEP_PLUS);
            if bare || dash || plus {
                swedish(
                    a,
                    s,
                    if plus {
                        C_SE_PLUS
                    } else if dash {
                        C_SE_DASH
                    } else {
                        C_SE_BARE
                    },
                );
            }
            if bare || dash {
                danish(a, comp, if dash { C_CPR_DASH } else { C_CPR_BARE });
            }
            if bare {
                let padded = format!("0{digits}");
                if id::is_valid_no_fodselsnummer(&padded) {
                    a.push(Entity::NoFodselsnummer, C_PADDED, false);
                }
                if id::is_valid_pesel(&padded) {
                    a.push(Entity::PlPesel, C_PADDED, false);
                }
            }
        }
        11 => {
            if bare || (g == [6, 5] && scan.only_seps(SEP_SPACE)) {
                if id::is_valid_no_fodselsnummer(digits) {
                    a.push(Entity::NoFodselsnummer, C_NO, true);
                } else {
                    a.shape(Entity::NoFodselsnummer);
                }
            }
            if bare {
                if id::is_valid_pesel(digits) {
                    a.push(Entity::PlPesel, C_PESEL, true);
                } else {
                    a.shape(Entity::PlPesel);
                }
            }
            let be_dotted = g == [2, 2, 2, 3, 2] && scan.only_seps(SEP_DOT | SEP_DASH);
            let be_grouped = (g == [6, 3, 2] || g == [6, 5] || g == [2, 2, 2, 3, 2])
                && scan.only_seps(SEP_DOT | SEP_DASH | SEP_SPACE);
            if bare || be_dotted || be_grouped {
                let c = if be_dotted {
                    C_BE_DOTTED
                } else if be_grouped {
                    C_BE_GROUPED
                } else {
                    C_BE_BARE
                };
                if id::is_valid_be_nrn(digits) {
                    a.push(Entity::BeNationalNumber, c, true);
                } else {
                    a.shape(Entity::BeNationalNumber);
                }
            }
            let tax_spaced = g == [2, 3, 3, 3] && scan.only_seps(SEP_SPACE);
            if bare || tax_spaced {
                if id::is_valid_de_tax_id(digits) {
                    a.push(
                        Entity::DeTaxId,
                        if tax_spaced {
                            C_DE_TAX_SPACED
                        } else {
                            C_DE_TAX
                        },
                        true,
                    );
                } else {
                    a.shape(Entity::DeTaxId);
                }
            }
        }
        12 if bare || (g == [8, 4] && scan.only_seps(SEP_DASH)) => swedish(a, s, C_SE_12),
        13..=19 => {
            if comp.len() == 15 && scan.only_seps(SEP_SPACE) {
                if id::is_valid_nir(digits) {
                    // Sex digits 3, 4, 7, 8 mark rare special registrations.
                    let c = if matches!(comp[0], b'1' | b'2') {
                        C_NIR
                    } else {
                        C_NIR_SPECIAL
                    };
                    a.push(Entity::FrNir, c, true);
                } else {
                    a.shape(Entity::FrNir);
                }
            }
            card(a, scan, comp);
        }
        _ => {}
    }
    if (6..=15).contains(&comp.len()) && !plus_inside {
        phones(a, s);
    }
}

/// Swedish personnummer / samordningsnummer in any of its written forms.
fn swedish(a: &mut Analysis, s: &str, c: f64) {
    let b = s.as_bytes();
    // Day digits sit after the (optional) century.
    let day_at = if b.len() >= 12 { 6 } else { 4 };
    let coordination = b.get(day_at).is_some_and(|&d| (b'6'..=b'9').contains(&d));
    let entity = if coordination {
        Entity::SeSamordningsnummer
    } else {
        Entity::SePersonnummer
    };
    // Both kinds share one written form: a wrong digit may move the day past 60.
    a.shape(Entity::SePersonnummer);
    a.shape(Entity::SeSamordningsnummer);
    if id::is_valid_personnummer(s) {
        a.push(entity, c, true);
    }
}

/// Danish CPR: a real date with the century rule is the shape; modulus 11 makes it strong.
fn danish(a: &mut Analysis, d: &[u8], c: f64) {
    let v = |i: usize| d[i] - b'0';
    let day = u32::from(v(0) * 10 + v(1));
    let month = u32::from(v(2) * 10 + v(3));
    let date_ok = id::cpr_birth_year(v(4) * 10 + v(5), v(6))
        .is_some_and(|year| id::is_valid_calendar_date(year, month, day));
    if !date_ok {
        a.shape(Entity::DkCpr);
        return;
    }
    let text = std::str::from_utf8(d).unwrap_or("");
    if id::is_valid_cpr(text) {
        a.push(Entity::DkCpr, c, true);
    } else {
        a.push(Entity::DkCpr, C_CPR_NO_MOD11, false);
    }
}

/// Issuer (IIN) ranges and lengths of the card schemes in use in Europe.
pub(crate) fn card_iin_ok(d: &[u8]) -> bool {
    let n = d.len();
    let p = |k: usize| -> u32 {
        d[..k]
            .iter()
            .fold(0, |acc, &x| acc * 10 + u32::from(x - b'0'))
    };
    if n < 12 {
        return false;
    }
    let (p2, p3, p4, p6) = (p(2), p(3), p(4), p(6));
    let visa = d[0] == b'4' && matches!(n, 13 | 16 | 19);
    let mastercard = ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && n == 16;
    let amex = (p2 == 34 || p2 == 37) && n == 15;
    let long = (16..=19).contains(&n);
    let discover =
        (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || (622_126..=622_925).contains(&p6))
            && long;
    let jcb = (3528..=3589).contains(&p4) && long;
    let diners =
        ((300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39) && (14..=19).contains(&n);
    let unionpay = p2 == 62 && long;
    let mir = (2200..=2204).contains(&p4) && long;
    let maestro = (p2 == 50 || (56..=69).contains(&p2)) && (12..=19).contains(&n);
    visa || mastercard || amex || discover || jcb || diners || unionpay || mir || maestro
}

fn card(a: &mut Analysis, scan: &Scan, comp: &[u8]) {
    let g = scan.groups();
    let by_four = g.len() > 1
        && g[..g.len() - 1].iter().all(|&x| x == 4)
        && (1..=4).contains(&g[g.len() - 1]);
    let amex_style = g == [4, 6, 5] || g == [4, 6, 4];
    let grouped = (by_four || amex_style) && scan.only_seps(SEP_SPACE | SEP_DASH);
    if g.len() != 1 && !grouped {
        return;
    }
    let text = std::str::from_utf8(comp).unwrap_or("");
    if card_iin_ok(comp) && id::luhn_valid(text) {
        a.push(
            Entity::PaymentCard,
            if grouped { C_CARD_GROUPED } else { C_CARD_BARE },
            true,
        );
    } else {
        a.shape(Entity::PaymentCard);
    }
}

/// Country prefixes of EU VAT numbers (`EL` is Greece, `XI` Northern Ireland).
const EU_VAT_PREFIXES: [[u8; 2]; 28] = [
    *b"AT", *b"BE", *b"BG", *b"CY", *b"CZ", *b"DE", *b"DK", *b"EE", *b"EL", *b"ES", *b"FI", *b"FR",
    *b"HR", *b"HU", *b"IE", *b"IT", *b"LT", *b"LU", *b"LV", *b"MT", *b"NL", *b"PL", *b"PT", *b"RO",
    *b"SE", *b"SI", *b"SK", *b"XI",
];

/// Values with letters and digits: HETU, RVNR, DNI/NIE, codice fiscale, Corsican NIR,
/// IBAN, VAT numbers.
fn alphanumeric(a: &mut Analysis, s: &str, scan: &Scan, comp: &[u8]) {
    let upper = |i: usize| comp.get(i).is_some_and(u8::is_ascii_uppercase);
    match comp.len() {
        9 if all_digits(&comp[..8])
            && upper(8)
            && scan.only_seps(SEP_DASH | SEP_DOT | SEP_SPACE) =>
        {
            if id::is_valid_es_dni(s) {
                a.push(Entity::EsDni, C_DNI, true);
            } else {
                a.shape(Entity::EsDni);
            }
            return;
        }
        9 if matches!(comp[0], b'X' | b'Y' | b'Z')
            && all_digits(&comp[1..8])
            && upper(8)
            && scan.only_seps(SEP_DASH | SEP_DOT | SEP_SPACE) =>
        {
            if id::is_valid_es_nie(s) {
                a.push(Entity::EsNie, C_NIE, true);
            } else {
                a.shape(Entity::EsNie);
            }
            return;
        }
        12 if upper(8)
            && all_digits(&comp[..8])
            && all_digits(&comp[9..])
            && scan.only_seps(SEP_SPACE) =>
        {
            if id::is_valid_de_rvnr(s) {
                a.push(Entity::DeRvnr, C_RVNR, true);
            } else {
                a.shape(Entity::DeRvnr);
            }
            return;
        }
        15 if scan.only_seps(SEP_SPACE)
            && (comp[5..7] == *b"2A" || comp[5..7] == *b"2B")
            && all_digits(&comp[..5]) =>
        {
            let text = std::str::from_utf8(comp).unwrap_or("");
            if id::is_valid_nir(text) {
                a.push(Entity::FrNir, C_NIR, true);
            } else {
                a.shape(Entity::FrNir);
            }
            return;
        }
        16 if comp[..6].iter().all(u8::is_ascii_uppercase) && upper(15) && scan.ngroups == 1 => {
            let text = std::str::from_utf8(comp).unwrap_or("");
            if id::is_valid_it_codice_fiscale(text) {
                a.push(Entity::ItCodiceFiscale, C_CF, true);
            } else {
                a.shape(Entity::ItCodiceFiscale);
            }
            return;
        }
        _ => {}
    }
    if comp.len() >= 4 && upper(0) && upper(1) {
        let text = std::str::from_utf8(comp).unwrap_or("");
        if comp.len() >= 15
            && comp[2].is_ascii_digit()
            && comp[3].is_ascii_digit()
            && scan.only_seps(SEP_SPACE)
        {
            if id::is_valid_iban_registry(text) {
                a.push(Entity::Iban, C_IBAN, true);
                return;
            }
            a.shape(Entity::Iban);
        }
        if scan.only_seps(SEP_SPACE | SEP_DOT | SEP_DASH) {
            match id::eu_vat_check(s) {
                id::VatCheck::Valid => a.push(Entity::EuVat, C_VAT, true),
                id::VatCheck::FormatOnly => a.push(Entity::EuVat, C_VAT_FORMAT, true),
                id::VatCheck::Invalid => a.shape(Entity::EuVat),
                // An EU prefix and digits, but not the country's format: a broken VAT number
                // where the column holds VAT numbers.
                id::VatCheck::NotVat
                    if EU_VAT_PREFIXES.contains(&[comp[0], comp[1]])
                        && comp[2..].iter().any(u8::is_ascii_digit) =>
                {
                    a.shape(Entity::EuVat)
                }
                id::VatCheck::NotVat => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(s: &str) -> Option<Entity> {
        analyze(s)
            .best()
            .filter(|&(_, c)| c >= crate::pii::MIN_CONFIDENCE)
            .map(|(e, _)| e)
    }

    #[test]
    fn routes_by_shape() {
        use Entity::*;
        let cases = [
            ("anna.svensson@gmail.com", Some(Email)),
            ("https://example.com/a", Some(Url)),
            ("192.168.10.1", Some(Ipv4)),
            ("2001:db8::8a2e:370:7334", Some(Ipv6)),
            ("00:1a:2b:3c:4d:5e", Some(MacAddress)),
            ("00-1a-2b-3c-4d-5e", Some(MacAddress)),
            ("DE89 3704 0044 0532 0130 00", Some(Iban)),
            ("4111 1111 1111 1111", Some(PaymentCard)),
            ("19811228-9874", Some(SePersonnummer)),
            ("811228+9874", Some(SePersonnummer)),
            ("070761-4285", Some(DkCpr)),
            ("111222333", Some(NlBsn)),
            ("131052-308T", Some(FiHetu)),
            ("15070649C103", Some(DeRvnr)),
            ("255081416802538", Some(FrNir)),
            ("85.07.30-033.28", Some(BeNationalNumber)),
            ("12345678Z", Some(EsDni)),
            ("X1234567L", Some(EsNie)),
            ("44051401359", Some(PlPesel)),
            ("+46 70 123 45 67", Some(Phone)),
            ("070-123 45 67", Some(Phone)),
            ("Anna Svensson", Some(PersonName)),
            ("SE556036079301", Some(EuVat)),
            ("I10", None),
            ("E11.9", None),
            ("F", None),
            ("SE", None),
            ("72.4 kg", None),
            ("P0000001", None),
            ("123 45", None),
            ("1234 AB", None),
            ("Stockholm", None),
            ("metformin", None),
            ("", None),
            ("1234.56", None),
            ("12,345", None),
            ("1985", None),
            ("12345", None),
            ("2024-01-05 12:30:00", None),
            ("12:30", None),
            ("10:30:00", None),
            ("550e8400-e29b-41d4-a716-446655440000", None),
            ("d41d8cd98f00b204e9800998ecf8427e", None),
            ("SKU-2024-0001", None),
            ("NA", None),
            ("N/A", None),
            ("-999", None),
            ("?", None),
            ("Ja", None),
        ];
        for (value, expected) in cases {
            assert_eq!(best(value), expected, "{value}");
        }
    }

    #[test]
    fn cpr_without_mod11_is_weak() {
        // A real date, sequence 4286: fails modulus 11.
        let a = analyze("070761-4286");
        assert!(a.matched().contains(Entity::DkCpr));
        assert!(!a.strong().contains(Entity::DkCpr));
        assert_eq!(a.confidence_of(Entity::DkCpr), C_CPR_NO_MOD11);
        // An impossible date is only the shape.
        let a = analyze("320761-4285");
        assert!(a.shaped.contains(Entity::DkCpr) && !a.matched().contains(Entity::DkCpr));
    }

    #[test]
    fn dates_are_birth_dates_only_in_context() {
        let a = analyze("1985-03-12");
        assert!(a.matched().contains(Entity::DateOfBirth));
        assert!(a.strong().is_empty());
        let a = analyze("2023-02-30");
        assert!(a.shaped.contains(Entity::DateOfBirth) && a.matched().is_empty());
    }
}
