//! Entities inside free text.
//!
//! The text is split into whitespace-separated tokens. Emails and URLs are found from their
//! anchors (`@`, `http://`, `www.`). Every other entity starts at a token holding a digit
//! (or a given name, or a month name after a birth cue) and may run over a few following
//! short tokens (`+46 70 123 45 67`, `DE89 3704 0044 …`); windows are tried longest first and
//! judged by the same analysis as whole cells ([`super::value::analyze`]). The words just
//! before a candidate raise confidence (`CPR`, `BSN`, `tel.`) or make a context-only reading
//! count (a date after `born`, `född`, `geboren`, `né le`; a CPR number failing modulus 11
//! after `CPR`).

use super::dates::worded_date;
use super::entity::Entity;
use super::names::{is_given_name, name_shape};
use super::net::{is_domain_char, is_email, is_ipv6, is_url, is_url_char, url_prefix_len};
use super::value::{Candidate, analyze};
use super::{MIN_CONFIDENCE, Span};

/// Only the first this many bytes of a text are scanned (bounded time per value).
pub const MAX_TEXT_BYTES: usize = 64 << 10;
/// Longest run of tokens one entity may span (`FR14 2004 1010 0505 0001 3M02 606` has 7).
const MAX_WINDOW_TOKENS: usize = 8;
/// Longest window tried, in bytes.
const MAX_WINDOW_BYTES: usize = 48;
/// Factor on the confidence of bare-digit identifiers found in running text without a cue:
/// text is full of order, invoice and reference numbers.
const BARE_IN_TEXT: f64 = 0.75;
/// Added to the confidence of a candidate whose cue word precedes it.
const CUE_BOOST: f64 = 0.2;

#[derive(Clone, Copy, Debug)]
struct Token {
    /// Byte range of the token without surrounding punctuation.
    start: usize,
    end: usize,
}

/// What a word before a candidate says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cue {
    Entity(Entity),
    /// A national person number of unspecified kind (`ID`, `SSN`).
    NationalId,
    BirthDate,
    /// A word allowed between a birth cue and the date (`on`, `den`, `am`, `le`).
    Filler,
    /// A form of address or a label before a name (`Mr`, `Frau`, `patient`, `Name:`).
    Title,
}

fn cue(word: &str) -> Option<Cue> {
    use Entity::*;
    let w = word.trim_end_matches([':', '.', '#', ',']).to_lowercase();
    let w = w.as_str();
    let e = |x| Some(Cue::Entity(x));
    match w {
        "tel" | "tlf" | "telefon" | "telephone" | "téléphone" | "phone" | "mobile" | "mobil"
        | "mob" | "gsm" | "cell" | "handy" | "portable" | "telefoonnummer" | "telefonnummer"
        | "puh" | "puhelin" | "fax" | "call" | "ring" | "bel" => e(Phone),
        "iban" | "konto" | "kontonummer" | "account" | "rekening" | "rekeningnummer" | "compte"
        | "bankkonto" => e(Iban),
        "card" | "kort" | "kortnummer" | "carte" | "kaart" | "kreditkarte" | "visa"
        | "mastercard" | "amex" => e(PaymentCard),
        "personnummer" | "pnr" | "personnr" | "persnr" => e(SePersonnummer),
        "samordningsnummer" => e(SeSamordningsnummer),
        "bsn" | "burgerservicenummer" | "sofinummer" => e(NlBsn),
        "fødselsnummer" | "fodselsnummer" | "fnr" | "d-nummer" => e(NoFodselsnummer),
        "hetu" | "henkilötunnus" | "sotu" => e(FiHetu),
        "steuer-id" | "steuerid" | "idnr" | "steuer-idnr" | "identifikationsnummer" | "tin" => {
            e(DeTaxId)
        }
        "rentenversicherungsnummer"
        | "sozialversicherungsnummer"
        | "rvnr"
        | "svnr"
        | "versicherungsnummer" => e(DeRvnr),
        "nir" | "insee" | "sécu" | "secu" | "sociale" | "nss" => e(FrNir),
        "rijksregisternummer" | "insz" | "niss" | "rrn" | "nrn" | "rijksregister" => {
            e(BeNationalNumber)
        }
        "dni" | "nif" => e(EsDni),
        "nie" => e(EsNie),
        "fiscale" | "cf" => e(ItCodiceFiscale),
        "pesel" => e(PlPesel),
        "vat" | "btw" | "moms" | "mwst" | "ust-id" | "ust-idnr" | "ustid" | "tva" | "iva"
        | "alv" | "nip" | "momsnr" | "vat-nr" | "vat-no" => e(EuVat),
        "ip" | "ipv4" => e(Ipv4),
        "ipv6" => e(Ipv6),
        "mac" => e(MacAddress),
        "id" | "ssn" | "id-nr" | "idnummer" => Some(Cue::NationalId),
        "born" | "b" | "dob" | "d.o.b" | "född" | "fodd" | "født" | "fodt" | "geboren" | "geb"
        | "né" | "née" | "né(e)" | "birth" | "birthdate" | "birthday" | "födelsedatum"
        | "fødselsdato" | "geboortedatum" | "geburtsdatum" | "naissance" => Some(Cue::BirthDate),
        "on" | "den" | "am" | "op" | "le" | "the" | "-" | "date" | "datum" | "dato" => {
            Some(Cue::Filler)
        }
        "mr" | "mrs" | "ms" | "dr" | "herr" | "frau" | "fru" | "hr" | "mevrouw" | "meneer"
        | "dhr" | "mevr" | "m" | "mme" | "monsieur" | "madame" | "prof" => Some(Cue::Title),
        // Labels introduce a name only as `Name:`; "the patient was" is not a name.
        "patient" | "patiënt" | "name" | "namn" | "navn" | "naam" | "nom" | "prénom"
            if word.ends_with(':') =>
        {
            Some(Cue::Title)
        }
        _ if w.contains("cpr") => e(DkCpr),
        _ => None,
    }
}

/// Cues in the (at most three) tokens before token `i`. A birth cue counts only when the
/// tokens between it and the candidate are fillers.
#[derive(Default)]
struct Cues {
    entities: Vec<Entity>,
    national: bool,
    birth: bool,
    title: bool,
}

fn cues_before(text: &str, tokens: &[Token], i: usize) -> Cues {
    let mut c = Cues::default();
    let mut only_fillers = true;
    for k in (i.saturating_sub(3)..i).rev() {
        // Keep a trailing colon: it makes a label (`Name:`) a cue.
        let colon = usize::from(text[tokens[k].end..].starts_with(':'));
        let word = &text[tokens[k].start..tokens[k].end + colon];
        match cue(word) {
            Some(Cue::Entity(e)) => c.entities.push(e),
            Some(Cue::NationalId) => c.national = true,
            Some(Cue::BirthDate) if only_fillers => c.birth = true,
            Some(Cue::Title) if k + 1 == i => c.title = true,
            Some(Cue::Filler) => continue,
            _ => {}
        }
        only_fillers = false;
    }
    c
}

/// Leading and trailing punctuation that is never part of an entity.
fn is_open_punct(c: char) -> bool {
    matches!(c, '(' | '[' | '{' | '"' | '\'' | '«' | '<' | '“' | '‘')
}

fn is_close_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '"' | '\'' | '»' | '>' | '”' | '’'
    )
}

/// Splits on whitespace and trims punctuation; `key:value` and `key=value` become two tokens
/// when the key is letters only (`DOB:1985-03-12`, `tel:+46…`).
fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut push = |start: usize, end: usize, out: &mut Vec<Token>| {
        let s = &text[start..end];
        let lead = s.len() - s.trim_start_matches(is_open_punct).len();
        let core = s
            .trim_start_matches(is_open_punct)
            .trim_end_matches(is_close_punct);
        // Keep an area code "(030)" whole when it opens a phone number.
        let keep_paren = s
            .strip_prefix('(')
            .and_then(|r| r.split_once(')'))
            .is_some_and(|(inside, _)| {
                (1..=5).contains(&inside.len()) && inside.bytes().all(|b| b.is_ascii_digit())
            });
        if core.is_empty() {
            return;
        }
        let start_at = if keep_paren { start } else { start + lead };
        // Keep the `::` that ends a compressed IPv6 address (`fe80:1::`).
        let after = &s[lead + core.len()..];
        let keep_colons = after.starts_with("::")
            && core.contains(':')
            && is_ipv6(&s[lead..lead + core.len() + 2]);
        let end_at = if keep_paren && s.ends_with(')') {
            end
        } else if keep_colons {
            start + lead + core.len() + 2
        } else {
            start + lead + core.len()
        };
        out.push(Token {
            start: start_at,
            end: end_at,
        });
    };
    let mut start: Option<usize> = None;
    for (i, ch) in text.char_indices() {
        if ch.is_whitespace() {
            if let Some(s) = start.take() {
                split_key_value(text, s, i, &mut out, &mut push);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        split_key_value(text, s, text.len(), &mut out, &mut push);
    }
    out
}

fn split_key_value(
    text: &str,
    start: usize,
    end: usize,
    out: &mut Vec<Token>,
    push: &mut impl FnMut(usize, usize, &mut Vec<Token>),
) {
    let s = &text[start..end];
    if url_prefix_len(s.as_bytes()) == 0
        && !net_like(s.trim_matches(|c: char| is_open_punct(c) || is_close_punct(c)))
        && let Some(p) = s.find([':', '='])
    {
        let key = &s[..p];
        let rest = &s[p + 1..];
        if key.len() >= 2
            && key.chars().all(char::is_alphabetic)
            && !rest.is_empty()
            && !rest.starts_with("//")
        {
            push(start, start + p + 1, out);
            push(start + p + 1, end, out);
            return;
        }
    }
    push(start, end, out);
}

/// Hex groups joined by two or more colons (`cb:56:18:f4:ec:0f`, `dead:beef::1`): a MAC or
/// IPv6 address, whatever its first character, and never `key:value`.
fn net_like(word: &str) -> bool {
    word.bytes().filter(|&b| b == b':').count() >= 2
        && word
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'%'))
}

/// Emails inside one token (from its `@`) and URLs (from their prefix).
fn anchored(text: &str, t: Token) -> Option<Span> {
    let s = &text.as_bytes()[t.start..t.end];
    if let Some(at) = s.iter().position(|&b| b == b'@') {
        let mut a = at;
        while a > 0
            && (s[a - 1].is_ascii_alphanumeric()
                || b"._%+-'".contains(&s[a - 1])
                || s[a - 1] >= 0x80)
        {
            a -= 1;
        }
        let mut z = at + 1;
        while z < s.len() && is_domain_char(s[z]) {
            z += 1;
        }
        while z > at + 1 && matches!(s[z - 1], b'.' | b'-') {
            z -= 1;
        }
        while a < at && s[a] == b'.' {
            a += 1;
        }
        let (a, z) = (char_floor(text, t.start + a), char_ceil(text, t.start + z));
        if is_email(&text.as_bytes()[a..z]) {
            return Some(Span {
                entity: Entity::Email,
                start: a,
                end: z,
                confidence: 0.95,
            });
        }
        return None;
    }
    let lower_find = |needle: &[u8]| {
        s.windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle))
    };
    let p = [&b"http://"[..], b"https://", b"ftp://", b"ftps://", b"www."]
        .iter()
        .filter_map(|n| lower_find(n))
        .min()?;
    let mut z = p;
    while z < s.len() && is_url_char(s[z]) {
        z += 1;
    }
    // A URL does not end in sentence punctuation, nor in a parenthesis it did not open.
    while z > p {
        let last = s[z - 1];
        let unbalanced_paren = last == b')' && !s[p..z].contains(&b'(');
        if matches!(last, b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b']')
            || unbalanced_paren
        {
            z -= 1;
        } else {
            break;
        }
    }
    let (a, z) = (t.start + p, char_ceil(text, t.start + z));
    if is_url(&text.as_bytes()[a..z]) {
        let www = text.as_bytes()[a..].len() >= 4
            && text.as_bytes()[a..a + 4].eq_ignore_ascii_case(b"www.");
        return Some(Span {
            entity: Entity::Url,
            start: a,
            end: z,
            confidence: if www { 0.75 } else { 0.9 },
        });
    }
    None
}

fn char_floor(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn char_ceil(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Whether a token may continue a multi-token entity: a short group of digits and capital
/// letters (`123`, `ABNA`, `3M02`), or a phone group such as `(0)70`.
fn continues(word: &str) -> bool {
    word.len() <= 14
        && word
            .bytes()
            .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        && word
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b"-./()".contains(&b))
}

/// Whether a candidate of this entity, found in text without a cue word, is only a bare
/// number (common in prose for other reasons).
fn bare_number(entity: Entity, window: &str) -> bool {
    let digits_only = window.bytes().all(|b| b.is_ascii_digit());
    digits_only
        && matches!(
            entity,
            Entity::Phone
                | Entity::NlBsn
                | Entity::PlPesel
                | Entity::DeTaxId
                | Entity::SePersonnummer
                | Entity::SeSamordningsnummer
                | Entity::DkCpr
                | Entity::NoFodselsnummer
                | Entity::BeNationalNumber
                | Entity::PaymentCard
                | Entity::FrNir
        )
}

/// Picks the reading of a window, given the cue words before it.
/// `carved` is `true` for a window carved out of a longer run of digit groups (a broken card
/// number, IBAN or NIR in groups): no phone number is found inside one, nor any other entity
/// written in groups (`319 350 587` inside `26 319 350 587`).
fn judge(window: &str, cues: &Cues, carved: bool) -> Option<(Entity, f64)> {
    let a = analyze(window);
    let cued = |e: Entity| {
        cues.entities.contains(&e)
            || (cues.national && e.is_national_id())
            || (cues.entities.contains(&Entity::Ipv4) && e == Entity::Ipv6)
            || (cues.entities.contains(&Entity::SePersonnummer) && e == Entity::SeSamordningsnummer)
    };
    let mut best: Option<(Entity, f64)> = None;
    let mut strong_kinds = 0;
    let mut consider = |c: Candidate| {
        let with_cue = cued(c.entity);
        let conf = match c.entity {
            Entity::DateOfBirth if cues.birth => 0.85,
            Entity::DateOfBirth => return,
            Entity::PersonName => return,
            Entity::Phone if carved => return,
            _ if carved && window.contains(' ') => return,
            _ if !c.strong && with_cue && c.confidence >= 0.2 => (c.confidence + 0.4).min(0.7),
            _ if !c.strong => return,
            _ if with_cue => (c.confidence + CUE_BOOST).min(0.99),
            _ if bare_number(c.entity, window) => c.confidence * BARE_IN_TEXT,
            _ => c.confidence,
        };
        if c.strong {
            strong_kinds += 1;
        }
        // A cued reading beats an uncued one of similar strength.
        let score = conf + if with_cue { 1.0 } else { 0.0 };
        if best.is_none_or(|(e, b)| score > b + if cued(e) { 1.0 } else { 0.0 }) {
            best = Some((c.entity, conf));
        }
    };
    for c in a.candidates() {
        consider(c);
    }
    let (e, conf) = best?;
    let conf = if strong_kinds > 1 && !cued(e) {
        (conf - super::value::AMBIGUITY_PENALTY).max(MIN_CONFIDENCE)
    } else {
        conf
    };
    (conf >= MIN_CONFIDENCE).then_some((e, conf))
}

/// Entities inside free text, non-overlapping, with byte spans, in text order. Only the first
/// [`MAX_TEXT_BYTES`] bytes are scanned.
pub fn find_spans(text: &str) -> Vec<Span> {
    let text = &text[..char_floor(text, text.len().min(MAX_TEXT_BYTES))];
    let tokens = tokenize(text);
    let mut spans: Vec<Span> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let word = &text[t.start..t.end];
        if let Some(span) = anchored(text, t) {
            spans.push(span);
            i += 1;
            continue;
        }
        let has_digit = word.bytes().any(|b| b.is_ascii_digit());
        let starts_plus = word.starts_with('+');
        // A country prefix written apart: `DE 136695976`, `ES B41730680`.
        let prefix = word.len() == 2 && word.bytes().all(|b| b.is_ascii_uppercase());
        if has_digit || starts_plus || word.starts_with('(') || prefix || net_like(word) {
            let cues = cues_before(text, &tokens, i);
            if cues.birth
                && let Some((span, next)) = worded_birth_date(text, &tokens, i)
            {
                spans.push(span);
                i = next;
                continue;
            }
            if let Some((span, next)) = window_at(text, &tokens, i, &cues) {
                spans.push(span);
                i = next;
                continue;
            }
        } else if word.chars().next().is_some_and(char::is_uppercase) {
            // Names and English month-first dates start with a capital; most words do not.
            let cues = cues_before(text, &tokens, i);
            if cues.birth
                && let Some((span, next)) = worded_birth_date(text, &tokens, i)
            {
                spans.push(span);
                i = next;
                continue;
            }
            if let Some((span, next)) = person_name(text, &tokens, i, &cues) {
                spans.push(span);
                i = next;
                continue;
            }
        }
        i += 1;
    }
    spans
}

/// The longest window of tokens starting at `i` that reads as an entity.
fn window_at(text: &str, tokens: &[Token], i: usize, cues: &Cues) -> Option<(Span, usize)> {
    let start = tokens[i].start;
    // Extend while the next token is a continuation joined by exactly one space.
    let mut last = i;
    while last + 1 < tokens.len() && last + 1 - i < MAX_WINDOW_TOKENS {
        let next = tokens[last + 1];
        let gap = &text[tokens[last].end..next.start];
        let word = &text[next.start..next.end];
        if gap != " " || next.end - start > MAX_WINDOW_BYTES || !continues(word) {
            break;
        }
        last += 1;
    }
    // A digit group joined by one space right before or after the window: the window would
    // be carved out of a longer run (`DK34 3747 6790 2102 34`, `1 07 02 36 960 085 32`).
    let group_joined = |k: usize, other: usize| {
        let (a, b) = (k.min(other), k.max(other));
        let w = &text[tokens[k].start..tokens[k].end];
        &text[tokens[a].end..tokens[b].start] == " "
            && continues(w)
            && w.bytes().any(|c| c.is_ascii_digit())
    };
    let after_group = i > 0 && group_joined(i - 1, i);
    for j in (i..=last).rev() {
        let end = tokens[j].end;
        let window = &text[start..end];
        let before_group = j + 1 < tokens.len() && group_joined(j + 1, j);
        if let Some((entity, confidence)) = judge(window, cues, after_group || before_group) {
            let span = Span {
                entity,
                start,
                end,
                confidence,
            };
            return Some((span, j + 1));
        }
    }
    None
}

fn worded_birth_date(text: &str, tokens: &[Token], i: usize) -> Option<(Span, usize)> {
    if i + 3 > tokens.len() {
        return None;
    }
    let words: Vec<&str> = tokens[i..i + 3]
        .iter()
        .map(|t| &text[t.start..t.end])
        .collect();
    let (shape, n) = worded_date(&words)?;
    shape.valid.then(|| {
        let span = Span {
            entity: Entity::DateOfBirth,
            start: tokens[i].start,
            end: tokens[i + n - 1].end,
            confidence: 0.85,
        };
        (span, i + n)
    })
}

/// A given name followed by one or two more name words (`Anna Svensson`,
/// `Jan van der Berg`), or any name-shaped words right after a title (`Frau Schmidt`).
fn person_name(text: &str, tokens: &[Token], i: usize, cues: &Cues) -> Option<(Span, usize)> {
    let first = &text[tokens[i].start..tokens[i].end];
    let given = is_given_name(first.split('-').next().unwrap_or(first));
    if !given && !cues.title {
        return None;
    }
    // Longest run of up to five tokens (two particles) that has a name shape.
    let mut best = None;
    for j in i..(i + 5).min(tokens.len()) {
        if j > i && &text[tokens[j - 1].end..tokens[j].start] != " " {
            break;
        }
        let candidate = &text[tokens[i].start..tokens[j].end];
        if let Some(shape) = name_shape(candidate)
            && (shape.words >= 2 || (cues.title && j == i))
        {
            best = Some(j);
        }
    }
    let j = best?;
    let confidence = match (cues.title, given) {
        (true, true) => 0.8,
        (true, false) => 0.6,
        _ => 0.5,
    };
    let span = Span {
        entity: Entity::PersonName,
        start: tokens[i].start,
        end: tokens[j].end,
        confidence,
    };
    Some((span, j + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(Entity, &str)> {
        find_spans(text)
            .into_iter()
            .map(|s| (s.entity, &text[s.start..s.end]))
            .collect()
    }

    #[test]
    fn contact_details() {
        use Entity::*;
        let t = "Kontakt: anna.svensson@gmail.com, tel. +46 70 123 45 67 (mobil), https://exempel.se/a.";
        assert_eq!(
            found(t),
            vec![
                (Email, "anna.svensson@gmail.com"),
                (Phone, "+46 70 123 45 67"),
                (Url, "https://exempel.se/a"),
            ]
        );
    }

    #[test]
    fn identifiers_with_cues() {
        use Entity::*;
        assert_eq!(
            found("Patient CPR 070761-4285 indlagt"),
            vec![(DkCpr, "070761-4285")]
        );
        // Fails modulus 11, but the cue makes it a CPR number (issued since 2007).
        assert_eq!(found("CPR-nr: 070761-4286"), vec![(DkCpr, "070761-4286")]);
        assert_eq!(found("070761-4286 is not"), vec![]);
        assert_eq!(found("BSN 111222333."), vec![(NlBsn, "111222333")]);
        assert_eq!(
            found("IBAN: NL91 ABNA 0417 1643 00, BIC ABNANL2A"),
            vec![(Iban, "NL91 ABNA 0417 1643 00")]
        );
        assert_eq!(
            found("Betalning från SE45 5000 0000 0583 9825 7466"),
            vec![(Iban, "SE45 5000 0000 0583 9825 7466")]
        );
    }

    #[test]
    fn birth_dates_need_a_cue() {
        use Entity::*;
        assert_eq!(
            found("born 1985-03-12 in Lund"),
            vec![(DateOfBirth, "1985-03-12")]
        );
        assert_eq!(found("DOB: 12.03.1985"), vec![(DateOfBirth, "12.03.1985")]);
        assert_eq!(found("DOB:12.03.1985"), vec![(DateOfBirth, "12.03.1985")]);
        assert_eq!(
            found("född den 3 maj 1990"),
            vec![(DateOfBirth, "3 maj 1990")]
        );
        assert_eq!(
            found("geboren am 12. März 1985"),
            vec![(DateOfBirth, "12. März 1985")]
        );
        assert_eq!(
            found("née le 1er janvier 1985"),
            vec![(DateOfBirth, "1er janvier 1985")]
        );
        assert_eq!(found("admitted 2024-03-12"), vec![]);
    }

    #[test]
    fn names_in_text() {
        use Entity::*;
        assert_eq!(
            found("Anna Svensson ringde igår"),
            vec![(PersonName, "Anna Svensson")]
        );
        assert_eq!(found("Frau Schmidt kam"), vec![(PersonName, "Schmidt")]);
        assert_eq!(found("The Patient Was Fine"), vec![]);
        assert_eq!(found("Patient: Lindqvist"), vec![(PersonName, "Lindqvist")]);
    }

    #[test]
    fn plain_numbers_are_not_identifiers() {
        assert_eq!(
            found("Order 123456780 shipped at 12:30 on 2024-01-05, v1.2.3, €1 234,50"),
            vec![]
        );
    }

    #[test]
    fn offsets_are_char_boundaries() {
        let t = "Née le 12/03/1985 — écrire à jörgen@exempel.se";
        for s in find_spans(t) {
            assert!(t.is_char_boundary(s.start) && t.is_char_boundary(s.end));
        }
        assert_eq!(find_spans(t).len(), 2);
    }
}
