//! Role suggestion: which columns identify people, which single them out in combination,
//! which hold special-category data, and which are harmless.
//!
//! [`suggest_role`] looks at one column's name and at what the assessment already knows about
//! its values ([`ColumnFacts`]) and proposes a [`ColumnRole`] with a human reason, a
//! confidence in `[0, 1]` and a category (`"birth_date"`, `"health"`, …).
//!
//! Names are matched against a vocabulary in English, Swedish, Danish, Dutch, German and
//! French (plus the names of Finnish, Norwegian, Polish, Spanish and Italian national IDs),
//! after [`normalize_name`]: lower case, accents folded, split on `_ - . space` and on
//! camelCase and letter/digit boundaries. Values are used as evidence too: ICD-10 code
//! shapes, generic medicine names, sex codes, marital statuses, ethnic groups, check digits of
//! IBANs and national IDs, uniqueness per row. The rules and the vocabulary are described in
//! `docs/roles.md`.

use std::sync::LazyLock;

use datalab_data::ColumnRole;
use datalab_data::identifiers;
use rustc_hash::{FxHashMap, FxHashSet};

/// What the assessment knows about one column (computed elsewhere).
#[derive(Clone, Copy, Debug)]
pub struct ColumnFacts<'a> {
    pub name: &'a str,
    /// `"string"`, `"integer"`, `"float"`, `"boolean"`, `"date"`, `"timestamp"` or `"timestamp_utc"`.
    pub ty: &'a str,
    pub rows: u64,
    pub non_null: u64,
    /// May be an estimate (HyperLogLog) on large columns.
    pub distinct: u64,
    /// The snake_case PII entity the column holds, e.g. `"email"`, `"se_personnummer"`,
    /// `"person_name"`, `"date_of_birth"`, `"iban"`, `"phone"`.
    pub pii_entity: Option<&'a str>,
    /// Share of non-null values in which `pii_entity` was found (0–1).
    pub pii_share: f64,
    /// Up to ~20 most frequent values (in their text form) with their counts.
    pub top_values: &'a [(String, u64)],
}

/// A suggested role with the evidence behind it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RoleSuggestion {
    pub role: ColumnRole,
    /// One sentence a data holder can check, e.g. "column name 'födelsedatum' means birth
    /// date (Swedish): a quasi-identifier (…); values agree: the values are dates".
    pub reason: String,
    /// 0–1: name and values agreeing ≈ 0.9–0.95, name or values alone ≈ 0.6–0.85,
    /// the insensitive fallback 0.4–0.55.
    pub confidence: f64,
    /// What the column was recognised as (`"person_name"`, `"birth_date"`, `"health"`, …);
    /// `None` when the suggestion is insensitive.
    pub category: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Name normalisation
// ---------------------------------------------------------------------------------------------

/// Longest column name (in characters) that is looked at; the rest cannot change the outcome
/// in practice and would only cost time.
const MAX_NAME_CHARS: usize = 256;
/// Most tokens of a name considered.
const MAX_TOKENS: usize = 32;

/// Splits a column name into lower-case, accent-folded tokens: on every character that is not
/// a letter or digit, at camelCase boundaries (`dateOfBirth`, `PatientID`, `IDNumber`) and
/// between letters and digits (`icd10` → `icd`, `10`).
pub fn normalize_name(name: &str) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Class {
        Upper,
        Lower,
        Digit,
    }
    let class = |c: char| {
        if c.is_numeric() {
            Class::Digit
        } else if c.is_uppercase() {
            Class::Upper
        } else {
            Class::Lower
        }
    };
    // Combining marks (decomposed accents) are dropped rather than treated as separators.
    let chars: Vec<char> = name
        .chars()
        .filter(|c| !is_combining_mark(*c))
        .take(MAX_NAME_CHARS)
        .collect();
    let mut tokens = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            push_token(&mut tokens, &mut current);
            continue;
        }
        if let Some(&prev) = i.checked_sub(1).and_then(|p| chars.get(p))
            && prev.is_alphanumeric()
        {
            let (p, k) = (class(prev), class(c));
            let next_lower = chars.get(i + 1).is_some_and(|n| class(*n) == Class::Lower);
            let boundary = (p == Class::Lower && k == Class::Upper)
                || (p == Class::Upper && k == Class::Upper && next_lower)
                || ((p == Class::Digit) != (k == Class::Digit));
            if boundary {
                push_token(&mut tokens, &mut current);
            }
        }
        fold_char_into(c, &mut current);
    }
    push_token(&mut tokens, &mut current);
    tokens.truncate(MAX_TOKENS);
    tokens
}

fn push_token(tokens: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        tokens.push(std::mem::take(current));
    }
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{20D0}'..='\u{20FF}')
}

/// Lower-cases `c` and folds the accents of the European Latin alphabets.
fn fold_char_into(c: char, out: &mut String) {
    for l in c.to_lowercase() {
        match l {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
            'æ' => out.push_str("ae"),
            'ç' | 'ć' | 'č' => out.push('c'),
            'ď' | 'đ' | 'ð' => out.push('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => out.push('i'),
            'ł' | 'ľ' | 'ĺ' => out.push('l'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => out.push('o'),
            'œ' => out.push_str("oe"),
            'ř' | 'ŕ' => out.push('r'),
            'ś' | 'š' | 'ş' | 'ș' => out.push('s'),
            'ß' => out.push_str("ss"),
            'ť' | 'ţ' | 'ț' => out.push('t'),
            'þ' => out.push_str("th"),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            other => out.push(other),
        }
    }
}

/// Lower-cased, accent-folded copy of a value.
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| !is_combining_mark(*c)) {
        fold_char_into(c, &mut out);
    }
    out
}

/// The alphanumeric words of a folded value.
fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Languages
// ---------------------------------------------------------------------------------------------

const EN: u16 = 1;
const SV: u16 = 1 << 1;
const DA: u16 = 1 << 2;
const NL: u16 = 1 << 3;
const DE: u16 = 1 << 4;
const FR: u16 = 1 << 5;
const FI: u16 = 1 << 6;
const NO: u16 = 1 << 7;
const PL: u16 = 1 << 8;
const ES: u16 = 1 << 9;
const IT: u16 = 1 << 10;
/// The six languages of the issue.
const SIX: u16 = EN | SV | DA | NL | DE | FR;

const LANGUAGE_NAMES: [(u16, &str); 11] = [
    (EN, "English"),
    (SV, "Swedish"),
    (DA, "Danish"),
    (NL, "Dutch"),
    (DE, "German"),
    (FR, "French"),
    (FI, "Finnish"),
    (NO, "Norwegian"),
    (PL, "Polish"),
    (ES, "Spanish"),
    (IT, "Italian"),
];

/// " (Swedish)", " (Danish, German)"; nothing for words shared by all six languages.
fn language_note(mask: u16) -> String {
    if mask & SIX == SIX || mask == 0 {
        return String::new();
    }
    let names: Vec<&str> = LANGUAGE_NAMES
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    format!(" ({})", names.join(", "))
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

/// Value evidence that can confirm a name match.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Check {
    None,
    PersonName,
    NationalId,
    Email,
    Phone,
    Account,
    Unique,
    BirthDate,
    Age,
    Sex,
    Postcode,
    Country,
    Marital,
    Ethnic,
    Health,
    Coordinate,
    Amount,
}

/// A kind of column the vocabulary recognises.
///
/// Terms are written as people write them (accents allowed) and normalised like column names.
/// Markers: `word*` matches tokens starting with `word`, `*word` tokens ending with it,
/// `*word*` tokens containing it; `~word` is generic and only counts when every other token
/// of the name is a person word ("patient", "kunde", …) or a stop word ("of", "de", …);
/// `?word` may also belong to another concept, and the values decide between them.
struct Concept {
    category: &'static str,
    role: ColumnRole,
    meaning: &'static str,
    /// Why that role, appended to the reason.
    note: &'static str,
    check: Check,
    /// Only when the column holds dates (event dates: "admission" is a date only then).
    needs_date: bool,
    terms: &'static [(&'static str, u16)],
}

const NOTE_IDENTIFIER: &str = "a direct identifier";
const NOTE_ART9: &str = "a special category of personal data (GDPR Art. 9)";
const NOTE_QI: &str = "a quasi-identifier (singles people out in combination with other columns)";

#[rustfmt::skip]
static CONCEPTS: &[Concept] = &[
    Concept {
        category: "person_name", role: ColumnRole::Identifier, meaning: "a person's name",
        note: NOTE_IDENTIFIER, check: Check::PersonName, needs_date: false,
        terms: &[
            ("~name", EN | DE), ("full name", EN), ("first name", EN), ("last name", EN),
            ("surname", EN), ("given name", EN), ("family name", EN), ("forename", EN),
            ("middle name", EN), ("maiden name", EN), ("nickname", EN), ("initials", EN),
            ("~namn", SV), ("förnamn", SV), ("efternamn", SV), ("tilltalsnamn", SV),
            ("mellannamn", SV), ("fullständigt namn", SV), ("släktnamn", SV), ("smeknamn", SV),
            ("flicknamn", SV),
            ("~navn", DA), ("fornavn", DA), ("efternavn", DA), ("mellemnavn", DA),
            ("fulde navn", DA), ("kaldenavn", DA), ("pigenavn", DA), ("slægtsnavn", DA),
            ("~naam", NL), ("voornaam", NL), ("achternaam", NL), ("familienaam", NL),
            ("roepnaam", NL), ("volledige naam", NL), ("tussenvoegsel", NL), ("voorletters", NL),
            ("bijnaam", NL), ("meisjesnaam", NL), ("geslachtsnaam", NL),
            ("vorname", DE), ("nachname", DE), ("familienname", DE), ("rufname", DE),
            ("vollständiger name", DE), ("geburtsname", DE), ("spitzname", DE), ("zuname", DE),
            ("mädchenname", DE),
            ("~nom", FR), ("prénom", FR), ("nom de famille", FR), ("nom complet", FR),
            ("nom de naissance", FR), ("nom d'usage", FR), ("surnom", FR),
            ("nom de jeune fille", FR), ("patronyme", FR),
        ],
    },
    Concept {
        category: "national_id", role: ColumnRole::Identifier,
        meaning: "a national identity number", note: NOTE_IDENTIFIER,
        check: Check::NationalId, needs_date: false,
        terms: &[
            ("national id", EN), ("national identifier", EN), ("national identity number", EN),
            ("national number", EN), ("national insurance number", EN), ("nino", EN),
            ("ssn", EN), ("social security number", EN), ("social security no", EN),
            ("personal identity number", EN), ("personal number", EN), ("personal id", EN),
            ("identity number", EN), ("identification number", EN), ("id number", EN),
            ("tax id", EN), ("tax number", EN), ("~tin", EN), ("citizen id", EN),
            ("health insurance number", EN),
            ("personnummer", SV | DA), ("personnr", SV | DA), ("pnr", SV), ("persnr", SV),
            ("samordningsnummer", SV), ("identitetsnummer", SV),
            ("cpr", DA), ("cpr nummer", DA), ("cpr nr", DA),
            ("bsn", NL), ("burgerservicenummer", NL), ("sofinummer", NL), ("sofi nummer", NL),
            ("identificatienummer", NL), ("rijksregisternummer", NL), ("insz", NL),
            ("insz nummer", NL), ("rrn", NL),
            ("steuer id", DE), ("steueridentifikationsnummer", DE), ("steuernummer", DE),
            ("idnr", DE), ("sozialversicherungsnummer", DE), ("svnr", DE), ("sv nummer", DE),
            ("rentenversicherungsnummer", DE), ("rvnr", DE), ("versicherungsnummer", DE),
            ("krankenversichertennummer", DE), ("versichertennummer", DE),
            ("personalausweisnummer", DE), ("ausweisnummer", DE),
            ("identifikationsnummer", DE),
            ("nir", FR), ("numéro de sécurité sociale", FR), ("numéro sécurité sociale", FR),
            ("sécurité sociale", FR), ("nss", FR), ("insee", FR), ("numéro insee", FR),
            ("numéro national", FR), ("numéro de registre national", FR),
            ("registre national", FR), ("numéro d'identification", FR), ("numéro fiscal", FR),
            ("hetu", FI), ("henkilötunnus", FI), ("sotu", FI),
            ("fødselsnummer", NO), ("fnr", NO),
            ("pesel", PL), ("dni", ES), ("nie", ES), ("codice fiscale", IT),
        ],
    },
    Concept {
        category: "email", role: ColumnRole::Identifier, meaning: "an e-mail address",
        note: NOTE_IDENTIFIER, check: Check::Email, needs_date: false,
        terms: &[
            ("email", EN | SV | DA | NL | DE), ("e-mail", EN | SV | DA | NL | DE), ("mail", EN),
            ("email address", EN), ("mail address", EN),
            ("e-post", SV), ("epost", SV), ("e-postadress", SV), ("mailadress", SV),
            ("e-mailadresse", DA | DE), ("mailadresse", DA | DE),
            ("e-mailadres", NL), ("mailadres", NL),
            ("courriel", FR), ("adresse email", FR), ("adresse e-mail", FR),
            ("adresse mail", FR), ("mél", FR),
        ],
    },
    Concept {
        category: "phone", role: ColumnRole::Identifier, meaning: "a telephone number",
        note: NOTE_IDENTIFIER, check: Check::Phone, needs_date: false,
        terms: &[
            ("phone", EN), ("telephone", EN), ("phone number", EN), ("tel", EN | SV | NL),
            ("~mobile", EN | FR), ("mobile number", EN), ("~cell", EN), ("cell phone", EN),
            ("fax", EN | SV | DA | NL | DE | FR), ("phone no", EN),
            ("telefon", SV | DA | DE), ("telefonnummer", SV | DA | DE), ("telnr", SV),
            ("~mobil", SV | DA | DE), ("mobilnummer", SV | DA | DE), ("mobiltelefon", SV | DA),
            ("mobilnr", SV | DA), ("tfn", SV),
            ("tlf", DA), ("tlfnr", DA), ("tlf nr", DA),
            ("telefoon", NL), ("telefoonnummer", NL), ("mobiel", NL), ("mobiel nummer", NL),
            ("mobielnummer", NL), ("gsm", NL | FR), ("gsm nummer", NL),
            ("handy", DE), ("handynummer", DE), ("rufnummer", DE),
            ("téléphone", FR), ("numéro de téléphone", FR), ("tél", FR), ("~portable", FR),
            ("numéro de portable", FR),
        ],
    },
    Concept {
        category: "bank_account", role: ColumnRole::Identifier,
        meaning: "a bank account or payment card number", note: NOTE_IDENTIFIER,
        check: Check::Account, needs_date: false,
        terms: &[
            ("iban", SIX), ("bank account", EN), ("account number", EN), ("account no", EN),
            ("bank account number", EN), ("credit card", EN), ("credit card number", EN),
            ("card number", EN), ("debit card", EN),
            ("kontonummer", SV | DA | DE), ("kontonr", SV | DA), ("bankkonto", SV | DA | DE),
            ("clearingnummer", SV), ("kortnummer", SV | DA), ("kreditkort", SV | DA),
            ("bankgiro", SV), ("betalingskort", DA),
            ("rekeningnummer", NL), ("bankrekening", NL), ("bankrekeningnummer", NL),
            ("creditcard", NL), ("kaartnummer", NL),
            ("bankverbindung", DE), ("kreditkarte", DE), ("kreditkartennummer", DE),
            ("kartennummer", DE),
            ("numéro de compte", FR), ("compte bancaire", FR), ("rib", FR),
            ("carte bancaire", FR), ("numéro de carte", FR), ("carte de crédit", FR),
        ],
    },
    Concept {
        category: "address", role: ColumnRole::Identifier, meaning: "a street address",
        note: NOTE_IDENTIFIER, check: Check::None, needs_date: false,
        terms: &[
            ("address", EN), ("street", EN), ("street address", EN), ("home address", EN),
            ("postal address", EN), ("address line", EN), ("house number", EN),
            ("adress", SV), ("gatuadress", SV), ("gata", SV), ("gatunamn", SV),
            ("postadress", SV), ("bostadsadress", SV), ("folkbokföringsadress", SV),
            ("gatunummer", SV),
            ("adresse", DA | DE | FR), ("gade", DA), ("gadenavn", DA), ("vejnavn", DA),
            ("husnummer", DA | SV), ("postadresse", DA),
            ("adres", NL), ("straat", NL), ("straatnaam", NL), ("huisnummer", NL),
            ("woonadres", NL), ("postadres", NL),
            ("anschrift", DE), ("straße", DE), ("hausnummer", DE), ("wohnadresse", DE),
            ("postanschrift", DE), ("straßenname", DE),
            ("rue", FR), ("adresse postale", FR), ("voie", FR), ("numéro de rue", FR),
            ("domicile", FR),
        ],
    },
    Concept {
        category: "online_identifier", role: ColumnRole::Identifier,
        meaning: "an online identifier (IP or MAC address, user name)", note: NOTE_IDENTIFIER,
        check: Check::None, needs_date: false,
        terms: &[
            ("ip", SIX), ("ip address", EN), ("ipv4", SIX), ("ipv6", SIX), ("mac address", EN),
            ("mac", EN), ("username", EN), ("user name", EN), ("login", EN | DA | FR),
            ("user login", EN), ("device id", EN), ("imei", SIX), ("cookie id", EN),
            ("användarnamn", SV), ("ip adress", SV), ("inloggning", SV),
            ("brugernavn", DA), ("ip adresse", DA | DE),
            ("gebruikersnaam", NL), ("ip adres", NL), ("inlognaam", NL),
            ("benutzername", DE), ("anmeldename", DE),
            ("nom d'utilisateur", FR), ("adresse ip", FR), ("pseudo", FR),
        ],
    },
    Concept {
        category: "document_number", role: ColumnRole::Identifier,
        meaning: "an identity document, licence or vehicle registration number",
        note: NOTE_IDENTIFIER, check: Check::None, needs_date: false,
        terms: &[
            ("passport", EN), ("passport number", EN), ("passport no", EN),
            ("driver license", EN), ("drivers license", EN), ("driving licence", EN),
            ("licence number", EN), ("license number", EN), ("id card", EN),
            ("identity card", EN), ("license plate", EN), ("licence plate", EN),
            ("number plate", EN), ("~vin", EN),
            ("passnummer", SV | DE), ("körkort", SV), ("körkortsnummer", SV),
            ("registreringsnummer", SV | DA), ("regnr", SV), ("id kort", SV),
            ("pasnummer", DA | NL), ("kørekort", DA), ("kørekortnummer", DA), ("nummerplade", DA),
            ("paspoort", NL), ("paspoortnummer", NL), ("rijbewijs", NL),
            ("rijbewijsnummer", NL), ("kenteken", NL), ("identiteitskaart", NL),
            ("reisepass", DE), ("reisepassnummer", DE), ("führerschein", DE),
            ("führerscheinnummer", DE), ("kennzeichen", DE), ("kfz kennzeichen", DE),
            ("personalausweis", DE),
            ("passeport", FR), ("numéro de passeport", FR), ("permis de conduire", FR),
            ("carte d'identité", FR), ("immatriculation", FR),
            ("plaque d'immatriculation", FR),
        ],
    },
    Concept {
        category: "record_id", role: ColumnRole::Identifier,
        meaning: "a medical record or case number", note: NOTE_IDENTIFIER,
        check: Check::Unique, needs_date: false,
        terms: &[
            ("medical record number", EN), ("mrn", EN), ("record number", EN),
            ("case number", EN), ("chart number", EN), ("hospital number", EN),
            ("nhs number", EN), ("health record number", EN),
            ("journalnummer", SV | DA), ("sagsnummer", DA),
            ("dossiernummer", NL), ("zaaknummer", NL),
            ("aktenzeichen", DE), ("fallnummer", DE),
            ("numéro de dossier", FR), ("ipp", FR),
        ],
    },
    Concept {
        category: "birth_date", role: ColumnRole::QuasiIdentifier, meaning: "birth date",
        note: NOTE_QI, check: Check::BirthDate, needs_date: false,
        terms: &[
            ("birth date", EN), ("date of birth", EN), ("dob", EN), ("birthday", EN),
            ("birth", EN), ("born", EN), ("birth year", EN), ("year of birth", EN),
            ("yob", EN), ("birth month", EN), ("month of birth", EN),
            ("födelsedatum", SV), ("födelsedag", SV), ("födelseår", SV), ("född", SV),
            ("födelse", SV), ("födelsemånad", SV),
            ("fødselsdato", DA), ("fødselsdag", DA), ("fødselsår", DA), ("født", DA),
            ("fødsel", DA),
            ("geboortedatum", NL), ("geboortedag", NL), ("geboortejaar", NL),
            ("geboren", NL | DE), ("geboorte", NL),
            ("geburtsdatum", DE), ("geburtstag", DE), ("geburtsjahr", DE), ("geburt", DE),
            ("geb datum", DE), ("gebdat", DE),
            ("date de naissance", FR), ("date naissance", FR), ("naissance", FR),
            ("année de naissance", FR), ("né le", FR), ("née le", FR), ("ddn", FR),
        ],
    },
    Concept {
        category: "birth_place", role: ColumnRole::QuasiIdentifier, meaning: "place of birth",
        note: NOTE_QI, check: Check::None, needs_date: false,
        terms: &[
            ("place of birth", EN), ("birthplace", EN), ("birth city", EN),
            ("födelseort", SV), ("födelseförsamling", SV), ("födelsekommun", SV),
            ("fødested", DA), ("fødeby", DA), ("fødekommune", DA),
            ("geboorteplaats", NL), ("geburtsort", DE),
            ("lieu de naissance", FR), ("commune de naissance", FR),
            ("ville de naissance", FR),
        ],
    },
    Concept {
        category: "age", role: ColumnRole::QuasiIdentifier, meaning: "age",
        note: NOTE_QI, check: Check::Age, needs_date: false,
        terms: &[
            ("age", EN | FR), ("age group", EN), ("age band", EN), ("age class", EN),
            ("ålder", SV | DA), ("åldersgrupp", SV), ("åldersklass", SV),
            ("aldersgruppe", DA),
            ("leeftijd", NL), ("leeftijdsgroep", NL), ("leeftijdsklasse", NL),
            ("alter", DE), ("altersgruppe", DE), ("altersklasse", DE),
            ("tranche d'âge", FR), ("classe d'âge", FR), ("groupe d'âge", FR),
        ],
    },
    Concept {
        category: "sex", role: ColumnRole::QuasiIdentifier, meaning: "sex or gender",
        note: NOTE_QI, check: Check::Sex, needs_date: false,
        terms: &[
            ("sex", EN), ("gender", EN | NL), ("sex at birth", EN),
            ("kön", SV | DA), ("geslacht", NL), ("geschlecht", DE), ("sexe", FR), ("genre", FR),
        ],
    },
    Concept {
        category: "postcode", role: ColumnRole::QuasiIdentifier, meaning: "postcode",
        note: NOTE_QI, check: Check::Postcode, needs_date: false,
        terms: &[
            ("postcode", EN | NL), ("post code", EN), ("postal code", EN), ("zip", EN),
            ("zip code", EN), ("postnummer", SV | DA), ("postnr", SV | DA),
            ("postleitzahl", DE), ("plz", DE), ("code postal", FR),
        ],
    },
    Concept {
        category: "location", role: ColumnRole::QuasiIdentifier,
        meaning: "place of residence (municipality, city or region)", note: NOTE_QI,
        check: Check::None, needs_date: false,
        terms: &[
            ("municipality", EN), ("city", EN), ("town", EN), ("place of residence", EN),
            ("residence", EN), ("region", EN | SV | DA | FR), ("county", EN), ("district", EN),
            ("province", EN), ("~state", EN), ("neighbourhood", EN), ("neighborhood", EN),
            ("village", EN | FR), ("locality", EN), ("hometown", EN),
            ("kommun", SV), ("stad", SV | NL), ("ort", SV | DE), ("postort", SV), ("län", SV),
            ("landskap", SV), ("församling", SV), ("hemort", SV), ("bostadsort", SV),
            ("stadsdel", SV), ("tätort", SV),
            ("kommune", DA), ("bynavn", DA), ("sogn", DA), ("landsdel", DA), ("bopæl", DA),
            ("bopælskommune", DA), ("postdistrikt", DA),
            ("gemeente", NL), ("woonplaats", NL), ("~plaats", NL), ("provincie", NL),
            ("wijk", NL), ("buurt", NL), ("dorp", NL), ("plaatsnaam", NL),
            ("gemeinde", DE), ("stadt", DE), ("wohnort", DE), ("landkreis", DE),
            ("kreis", DE), ("bundesland", DE), ("bezirk", DE), ("stadtteil", DE),
            ("ortsteil", DE), ("ortschaft", DE),
            ("commune", FR), ("ville", FR), ("département", FR), ("localité", FR),
            ("lieu de résidence", FR), ("arrondissement", FR), ("quartier", FR),
            ("canton", FR), ("code insee", FR), ("code commune", FR),
        ],
    },
    Concept {
        category: "geolocation", role: ColumnRole::QuasiIdentifier,
        meaning: "geographic coordinates", note: NOTE_QI, check: Check::Coordinate,
        needs_date: false,
        terms: &[
            ("latitude", EN | FR), ("longitude", EN | FR), ("lat", SIX), ("?lon", EN),
            ("lng", EN), ("coordinates", EN), ("gps", SIX), ("geolocation", EN),
            ("geo location", EN), ("~location", EN),
            ("breddgrad", SV), ("längdgrad", SV), ("koordinater", SV | DA),
            ("breddegrad", DA), ("længdegrad", DA),
            ("breedtegraad", NL), ("lengtegraad", NL), ("coördinaten", NL),
            ("breitengrad", DE), ("längengrad", DE), ("koordinaten", DE),
            ("coordonnées", FR), ("coordonnées gps", FR),
        ],
    },
    Concept {
        category: "country", role: ColumnRole::QuasiIdentifier, meaning: "country of residence",
        note: NOTE_QI, check: Check::Country, needs_date: false,
        terms: &[
            ("country", EN), ("country of residence", EN), ("country code", EN),
            ("~land", SV | DA | NL | DE), ("bosättningsland", SV), ("landskod", SV),
            ("bopælsland", DA), ("landekode", DA), ("woonland", NL), ("landcode", NL),
            ("wohnsitzland", DE), ("ländercode", DE),
            ("pays", FR), ("pays de résidence", FR), ("code pays", FR),
        ],
    },
    Concept {
        category: "nationality", role: ColumnRole::QuasiIdentifier,
        meaning: "nationality or country of birth", note: NOTE_QI, check: Check::Country,
        needs_date: false,
        terms: &[
            ("nationality", EN), ("citizenship", EN), ("country of birth", EN),
            ("birth country", EN), ("native country", EN), ("country of origin", EN),
            ("nationalitet", SV | DA), ("medborgarskap", SV), ("födelseland", SV),
            ("ursprungsland", SV), ("statsborgerskab", DA), ("fødeland", DA),
            ("oprindelsesland", DA),
            ("nationaliteit", NL), ("geboorteland", NL), ("staatsburgerschap", NL),
            ("land van herkomst", NL), ("land van geboorte", NL),
            ("nationalität", DE), ("staatsangehörigkeit", DE), ("staatsangehoerigkeit", DE),
            ("staatsbürgerschaft", DE), ("geburtsland", DE), ("herkunftsland", DE),
            ("nationalité", FR), ("pays de naissance", FR), ("citoyenneté", FR),
            ("pays d'origine", FR),
        ],
    },
    Concept {
        category: "occupation", role: ColumnRole::QuasiIdentifier,
        meaning: "occupation or employment", note: NOTE_QI, check: Check::None,
        needs_date: false,
        terms: &[
            ("occupation", EN), ("~job", EN), ("job title", EN), ("profession", EN | FR),
            ("employment", EN), ("employment status", EN), ("workclass", EN),
            ("work class", EN), ("employer", EN), ("industry", EN),
            ("yrke", SV), ("yrkeskod", SV), ("arbetsgivare", SV), ("sysselsättning", SV),
            ("befattning", SV), ("anställning", SV),
            ("erhverv", DA), ("stilling", DA), ("beskæftigelse", DA), ("arbejdsgiver", DA),
            ("beroep", NL), ("werkgever", NL), ("dienstverband", NL), ("arbeidssituatie", NL),
            ("beruf", DE), ("tätigkeit", DE), ("arbeitgeber", DE), ("berufsgruppe", DE),
            ("erwerbsstatus", DE), ("beschäftigung", DE),
            ("métier", FR), ("emploi", FR), ("employeur", FR),
            ("catégorie socioprofessionnelle", FR), ("csp", FR),
        ],
    },
    Concept {
        category: "education", role: ColumnRole::QuasiIdentifier, meaning: "education",
        note: NOTE_QI, check: Check::None, needs_date: false,
        terms: &[
            ("education", EN | FR), ("education level", EN), ("educational attainment", EN),
            ("highest degree", EN), ("~degree", EN), ("school", EN | NL), ("qualification", EN),
            ("utbildning", SV), ("utbildningsnivå", SV), ("examen", SV), ("skola", SV),
            ("uddannelse", DA), ("uddannelsesniveau", DA), ("skole", DA),
            ("opleiding", NL), ("opleidingsniveau", NL), ("onderwijs", NL), ("diploma", NL),
            ("bildung", DE), ("bildungsabschluss", DE), ("schulabschluss", DE),
            ("ausbildung", DE), ("abschluss", DE), ("bildungsstand", DE), ("schule", DE),
            ("niveau d'études", FR), ("niveau d'éducation", FR), ("diplôme", FR),
            ("~formation", FR), ("scolarité", FR), ("école", FR),
        ],
    },
    Concept {
        category: "marital_status", role: ColumnRole::QuasiIdentifier,
        meaning: "marital status", note: NOTE_QI, check: Check::Marital, needs_date: false,
        terms: &[
            ("marital status", EN), ("marital", EN), ("civil status", EN),
            ("relationship status", EN),
            ("civilstånd", SV | DA), ("ægteskabelig stilling", DA),
            ("burgerlijke staat", NL), ("huwelijkse staat", NL), ("burgerlijke stand", NL),
            ("familienstand", DE), ("zivilstand", DE),
            ("état civil", FR), ("situation familiale", FR), ("situation matrimoniale", FR),
            ("statut marital", FR),
        ],
    },
    Concept {
        category: "household", role: ColumnRole::QuasiIdentifier,
        meaning: "household composition", note: NOTE_QI, check: Check::None,
        needs_date: false,
        terms: &[
            ("household", EN), ("household size", EN), ("number of children", EN),
            ("~relationship", EN),
            ("hushåll", SV), ("antal barn", SV | DA), ("husstand", DA),
            ("huishouden", NL), ("aantal kinderen", NL),
            ("haushalt", DE), ("haushaltsgröße", DE), ("anzahl kinder", DE),
            ("ménage", FR), ("nombre d'enfants", FR), ("~foyer", FR),
        ],
    },
    Concept {
        category: "language", role: ColumnRole::QuasiIdentifier, meaning: "language",
        note: NOTE_QI, check: Check::None, needs_date: false,
        terms: &[
            ("language", EN), ("mother tongue", EN), ("native language", EN),
            ("språk", SV), ("modersmål", SV | DA), ("sprog", DA),
            ("taal", NL), ("moedertaal", NL), ("sprache", DE), ("muttersprache", DE),
            ("langue", FR), ("langue maternelle", FR),
        ],
    },
    Concept {
        category: "event_date", role: ColumnRole::QuasiIdentifier,
        meaning: "the date of a personal event such as an admission, discharge, death or visit",
        note: "a quasi-identifier: dates of events in a person's life single people out \
               (HIPAA Safe Harbor lists admission, discharge and death dates)",
        check: Check::None, needs_date: true,
        terms: &[
            ("admission", EN | FR), ("admitted", EN), ("admit", EN), ("discharge", EN),
            ("discharged", EN), ("death", EN), ("died", EN), ("deceased", EN), ("visit", EN),
            ("appointment", EN), ("encounter", EN), ("hospitalisation", EN | FR),
            ("hospitalization", EN), ("date of death", EN), ("death date", EN), ("dod", EN),
            ("marriage", EN), ("wedding", EN),
            ("inskrivning", SV), ("intagning", SV), ("utskrivning", SV), ("död", SV | DA),
            ("dödsdatum", SV), ("besök", SV), ("vårdtillfälle", SV),
            ("indlæggelse", DA), ("udskrivning", DA), ("udskrivelse", DA), ("dødsdato", DA),
            ("besøg", DA),
            ("opname", NL), ("ontslag", NL), ("overlijden", NL), ("overlijdensdatum", NL),
            ("bezoek", NL), ("afspraak", NL),
            ("aufnahme", DE), ("entlassung", DE), ("entlass", DE), ("tod", DE),
            ("todesdatum", DE), ("sterbedatum", DE), ("sterbe", DE), ("besuch", DE),
            ("termin", DE), ("todestag", DE),
            ("entrée", FR), ("sortie", FR), ("décès", FR), ("date de décès", FR),
            ("visite", FR), ("rendez-vous", FR),
        ],
    },
    Concept {
        category: "health", role: ColumnRole::Sensitive, meaning: "health data",
        note: NOTE_ART9,
        check: Check::Health, needs_date: false,
        terms: &[
            ("diagnos*", SIX), ("*diagnose", DA | NL | DE), ("*diagnos", SV), ("dx", EN),
            ("icd*", SIX), ("cim", FR), ("icpc", SIX), ("snomed", SIX), ("atc", SIX),
            ("atc code", EN),
            ("medic*", SIX), ("medik*", DE), ("*medikation", DE), ("*medikament", DE),
            ("disease", EN), ("illness", EN), ("sickness", EN), ("symptom", EN | DA | DE),
            ("symptoms", EN), ("drug", EN), ("drugs", EN), ("prescription", EN), ("rx", EN),
            ("treatment", EN), ("therapy", EN), ("procedure", EN | DA), ("surgery", EN),
            ("lab result", EN), ("test result", EN), ("blood type", EN), ("blood group", EN),
            ("blood pressure", EN), ("cholesterol", EN), ("glucose", EN | FR), ("hba1c", SIX),
            ("creatinine", EN), ("hemoglobin", EN), ("haemoglobin", EN), ("disability", EN),
            ("handicap", EN | DA | NL | FR), ("pregnancy", EN), ("pregnant", EN), ("hiv", SIX),
            ("cancer", EN | FR), ("tumour", EN), ("tumor", EN), ("allergy", EN),
            ("allergies", EN), ("vaccination", EN | SV | DA | FR), ("vaccine", EN),
            ("vaccinated", EN), ("mental health", EN), ("psychiatric", EN),
            ("cause of death", EN), ("comorbidity", EN), ("comorbidities", EN),
            ("health", EN), ("health status", EN), ("medical history", EN),
            ("medical condition", EN), ("health condition", EN), ("clinical", EN),
            ("birth weight", EN), ("death cause", EN), ("reason for admission", EN),
            ("reason for visit", EN), ("chief complaint", EN), ("covid*", SIX),
            ("smoker", EN), ("smoking", EN), ("smoking status", EN), ("rökare", SV),
            ("rökning", SV), ("kontaktorsak", SV), ("ryger", DA), ("rygning", DA),
            ("roker", NL), ("roken", NL), ("opnamereden", NL), ("raucher", DE),
            ("rauchen", DE), ("aufnahmegrund", DE), ("fumeur", FR), ("tabagisme", FR),
            ("motif d'admission", FR), ("motif de consultation", FR),
            ("sjukdom", SV), ("läkemedel", SV), ("*läkemedel", SV),
            ("behandling", SV | DA), ("åtgärd", SV), ("åtgärdskod", SV), ("ingrepp", SV),
            ("provsvar", SV), ("labbvärde", SV), ("labvärde", SV),
            ("funktionsnedsättning", SV), ("funktionshinder", SV), ("handikapp", SV),
            ("graviditet", SV | DA), ("allergi", SV | DA), ("dödsorsak", SV), ("symtom", SV),
            ("blodgrupp", SV), ("blodtryck", SV), ("hälsa", SV), ("hälsotillstånd", SV),
            ("recept", SV | DA | NL),
            ("sygdom", DA), ("lægemiddel", DA), ("prøvesvar", DA), ("laboratoriesvar", DA),
            ("funktionsnedsættelse", DA), ("dødsårsag", DA), ("blodtype", DA),
            ("blodtryk", DA), ("helbred", DA),
            ("ziekte", NL), ("aandoening", NL), ("geneesmiddel", NL), ("behandeling", NL),
            ("verrichting", NL), ("ingreep", NL), ("operatie", NL), ("labuitslag", NL),
            ("functiebeperking", NL), ("zwangerschap", NL), ("allergie", NL | DE | FR),
            ("vaccinatie", NL), ("doodsoorzaak", NL), ("symptoom", NL), ("bloedgroep", NL),
            ("bloeddruk", NL), ("gezondheid", NL),
            ("krankheit", DE), ("erkrankung", DE), ("arzneimittel", DE), ("wirkstoff", DE),
            ("behandlung", DE), ("therapie", DE | NL), ("prozedur", DE), ("eingriff", DE),
            ("laborwert", DE), ("befund", DE), ("behinderung", DE), ("schwerbehinderung", DE),
            ("schwangerschaft", DE), ("impfung", DE), ("todesursache", DE),
            ("blutgruppe", DE), ("blutdruck", DE), ("gesundheit", DE),
            ("gesundheitszustand", DE), ("rezept", DE),
            ("maladie", FR), ("pathologie", FR), ("traitement", FR), ("thérapie", FR),
            ("acte médical", FR), ("chirurgie", FR | DE), ("résultat de laboratoire", FR),
            ("grossesse", FR), ("vaccin", FR), ("cause de décès", FR), ("symptôme", FR),
            ("groupe sanguin", FR), ("tension artérielle", FR), ("santé", FR),
            ("état de santé", FR), ("ordonnance", FR), ("antécédents", FR),
        ],
    },
    Concept {
        category: "ethnic_origin", role: ColumnRole::Sensitive,
        meaning: "racial or ethnic origin",
        note: NOTE_ART9,
        check: Check::Ethnic, needs_date: false,
        terms: &[
            ("race", EN | DA | FR), ("racial", EN), ("ethni*", EN | DE | FR),
            ("etni*", SV | DA | NL), ("skin colour", EN), ("skin color", EN),
            ("indigenous", EN), ("migration background", EN),
            ("ras", SV | NL), ("hudfärg", SV), ("utländsk bakgrund", SV),
            ("hudfarve", DA), ("herkomst", DA | NL), ("huidskleur", NL),
            ("migratieachtergrond", NL),
            ("rasse", DE), ("hautfarbe", DE), ("migrationshintergrund", DE),
            ("abstammung", DE),
            ("origine ethnique", FR), ("couleur de peau", FR),
        ],
    },
    Concept {
        category: "religion", role: ColumnRole::Sensitive,
        meaning: "religious or philosophical belief",
        note: NOTE_ART9,
        check: Check::None, needs_date: false,
        terms: &[
            ("religi*", SIX), ("belief", EN), ("faith", EN), ("denomination", EN),
            ("church membership", EN),
            ("trosinriktning", SV), ("trossamfund", SV | DA), ("kyrkotillhörighet", SV),
            ("trosretning", DA), ("kirkemedlem", DA),
            ("geloof", NL), ("geloofsovertuiging", NL), ("levensbeschouwing", NL),
            ("kerkgenootschap", NL), ("kerkelijke gezindte", NL),
            ("konfession", DE), ("glaube", DE), ("glaubensrichtung", DE),
            ("kirchenzugehörigkeit", DE),
            ("confession", FR | EN), ("croyance", FR), ("culte", FR),
        ],
    },
    Concept {
        category: "political_opinion", role: ColumnRole::Sensitive,
        meaning: "political opinion or party",
        note: NOTE_ART9,
        check: Check::None, needs_date: false,
        terms: &[
            ("politi*", SIX), ("party affiliation", EN), ("voting intention", EN),
            ("vote", EN | FR), ("voted", EN), ("~party", EN),
            ("partitillhörighet", SV), ("partisympati", SV), ("partitilhørsforhold", DA),
            ("partimedlem", DA | SV), ("partijvoorkeur", NL), ("partijlidmaatschap", NL),
            ("parteizugehörigkeit", DE), ("parteimitgliedschaft", DE), ("wahlabsicht", DE),
            ("parteipräferenz", DE), ("intention de vote", FR), ("~parti", SV | DA | FR),
            ("~partij", NL), ("~partei", DE),
        ],
    },
    Concept {
        category: "trade_union", role: ColumnRole::Sensitive,
        meaning: "trade-union membership",
        note: NOTE_ART9,
        check: Check::None, needs_date: false,
        terms: &[
            ("trade union", EN), ("union membership", EN), ("union member", EN),
            ("labour union", EN), ("labor union", EN), ("~union", EN),
            ("fackförening*", SV), ("fackförbund*", SV), ("fackligt medlemskap", SV),
            ("facklig tillhörighet", SV), ("fagforening*", DA), ("fagforbund*", DA),
            ("vakbond*", NL), ("vakvereniging", NL), ("gewerkschaft*", DE),
            ("syndicat*", FR), ("syndical*", FR), ("syndiqué", FR),
        ],
    },
    Concept {
        category: "sexual_orientation", role: ColumnRole::Sensitive,
        meaning: "sexual orientation or sex life",
        note: NOTE_ART9,
        check: Check::None, needs_date: false,
        terms: &[
            ("sexual*", EN | SV | DE), ("sexuell*", SV | DE), ("seksu*", DA | NL),
            ("sex life", EN), ("lgbt", SIX), ("lgbtq", SIX), ("lgbtqi", SIX),
            ("sexuell läggning", SV), ("geaardheid", NL), ("orientation sexuelle", FR),
            ("sexualité", FR), ("vie sexuelle", FR),
        ],
    },
    Concept {
        category: "genetic", role: ColumnRole::Sensitive, meaning: "genetic data",
        note: NOTE_ART9,
        check: Check::None, needs_date: false,
        terms: &[
            ("genet*", SIX), ("genotyp*", SIX), ("gene", EN), ("genome", EN),
            ("genomic", EN), ("genomics", EN), ("dna", EN), ("snp", SIX), ("allele", EN),
            ("arvsmassa", SV), ("arvemasse", DA), ("erfelijk", NL), ("erbgut", DE),
            ("gentest", DE | SV | DA | NL), ("adn", FR), ("génome", FR),
        ],
    },
    Concept {
        category: "biometric", role: ColumnRole::Sensitive, meaning: "biometric data",
        note: NOTE_ART9,
        check: Check::None, needs_date: false,
        terms: &[
            ("biometr*", SIX), ("fingerprint", EN), ("face template", EN),
            ("facial image", EN), ("iris scan", EN), ("voiceprint", EN),
            ("fingeravtryck", SV), ("ansiktsbild", SV), ("fingeraftryk", DA),
            ("vingerafdruk", NL), ("gezichtsscan", NL), ("fingerabdruck", DE),
            ("gesichtsbild", DE), ("empreinte digitale", FR), ("reconnaissance faciale", FR),
        ],
    },
    Concept {
        category: "criminal_record", role: ColumnRole::Sensitive,
        meaning: "criminal convictions or offences",
        note: "criminal convictions and offences, protected like special categories \
               (GDPR Art. 10)",
        check: Check::None, needs_date: false,
        terms: &[
            ("criminal record", EN), ("conviction", EN), ("convictions", EN),
            ("offence", EN), ("offense", EN), ("crime", EN | FR), ("criminal", EN),
            ("arrest", EN),
            ("brottsregister", SV), ("belastningsregister", SV), ("brott", SV),
            ("straffeattest", DA), ("kriminalregister", DA), ("forbrydelse", DA),
            ("strafblad", NL), ("veroordeling", NL), ("delict", NL), ("misdrijf", NL),
            ("vorstrafe", DE), ("vorstrafen", DE), ("straftat", DE), ("verurteilung", DE),
            ("führungszeugnis", DE), ("strafregister", DE),
            ("casier judiciaire", FR), ("condamnation", FR), ("infraction", FR),
            ("délit", FR),
        ],
    },
    Concept {
        category: "financial", role: ColumnRole::Sensitive,
        meaning: "income or financial situation",
        note: "not a GDPR Art. 9 category, but income is the classic sensitive attribute \
               (set insensitive if it need not be protected)",
        check: Check::Amount, needs_date: false,
        terms: &[
            ("income", EN), ("salary", EN), ("wage", EN), ("wages", EN), ("earnings", EN),
            ("credit score", EN), ("debt", EN), ("net worth", EN),
            ("*inkomst*", SV), ("?lön", SV | DA), ("månadslön", SV), ("årslön", SV),
            ("timlön", SV), ("bruttolön", SV), ("skuld", SV), ("*indkomst*", DA),
            ("månedsløn", DA), ("årsløn", DA), ("timeløn", DA), ("bruttoløn", DA), ("gæld", DA),
            ("*inkomen*", NL), ("salaris", NL), ("loon", NL), ("schuld", NL),
            ("*einkommen*", DE), ("gehalt", DE), ("lohn", DE), ("bruttolohn", DE),
            ("schulden", DE),
            ("revenu", FR), ("revenus", FR), ("salaire", FR), ("dette", FR),
        ],
    },
];

/// Words naming a person or a person's record; with an id word they make a person's key
/// ("patient_id", "Kundennummer"), and they do not disturb a generic term ("patient name").
#[rustfmt::skip]
const PERSON_WORDS: &[(&str, u16)] = &[
    ("patient", SIX), ("patienten", DE), ("patients", EN), ("pat", SIX), ("pasient", NO),
    ("customer", EN), ("cust", EN), ("client", EN | FR), ("klient", SV | DA | DE),
    ("kund", SV), ("kunde", DA | DE), ("kunden", DE), ("klant", NL),
    ("user", EN), ("användare", SV), ("bruger", DA), ("gebruiker", NL), ("benutzer", DE),
    ("nutzer", DE), ("utilisateur", FR),
    ("member", EN), ("medlem", SV | DA), ("medlems", SV | DA), ("lid", NL),
    ("mitglied", DE), ("mitglieds", DE), ("membre", FR),
    ("employee", EN), ("emp", EN), ("anställd", SV), ("medarbetare", SV), ("ansat", DA),
    ("medarbejder", DA), ("medewerker", NL), ("werknemer", NL), ("mitarbeiter", DE),
    ("salarié", FR), ("employé", FR),
    ("person", EN | SV | DA | DE), ("personne", FR), ("persoon", NL), ("personen", DE | NL),
    ("subject", EN), ("participant", EN | FR), ("deltagare", SV), ("deltager", DA),
    ("deelnemer", NL), ("teilnehmer", DE),
    ("student", EN | SV | DA | NL | DE), ("elev", SV | DA), ("leerling", NL), ("schüler", DE),
    ("étudiant", FR), ("élève", FR),
    ("citizen", EN), ("medborgare", SV), ("borger", DA), ("burger", NL), ("bürger", DE),
    ("citoyen", FR), ("resident", EN | FR), ("invånare", SV), ("beboer", DA),
    ("bewoner", NL), ("einwohner", DE), ("habitant", FR),
    ("individual", EN), ("individ", SV | DA), ("individu", NL | FR),
    ("respondent", EN | NL), ("applicant", EN), ("sökande", SV), ("ansøger", DA),
    ("aanvrager", NL), ("antragsteller", DE), ("demandeur", FR),
    ("donor", EN | SV | DA | NL), ("contact", EN | FR), ("kontakt", SV | DA | DE),
    ("owner", EN), ("ägare", SV), ("ejer", DA), ("eigenaar", NL), ("eigentümer", DE),
    ("propriétaire", FR),
    ("account", EN), ("konto", SV | DA | DE), ("compte", FR), ("rekening", NL),
    ("case", EN), ("record", EN), ("journal", SV | DA | FR), ("dossier", NL | FR),
    ("akte", DE), ("fall", DE),
    ("household", EN), ("hushåll", SV), ("husstand", DA), ("huishouden", NL),
    ("haushalt", DE), ("ménage", FR), ("family", EN), ("familj", SV), ("familie", DA | NL | DE),
    ("famille", FR), ("voter", EN),
    ("insured", EN), ("försäkrad", SV), ("forsikrede", DA), ("verzekerde", NL),
    ("versicherten", DE), ("versicherter", DE), ("assuré", FR),
];

/// Words that make a name a key ("id", "nummer", …).
#[rustfmt::skip]
const ID_WORDS: &[(&str, u16)] = &[
    ("id", SIX), ("ids", EN), ("ident", SIX), ("identifier", EN), ("identifiant", FR),
    ("identificatie", NL), ("identifikation", DE), ("kennung", DE),
    ("nr", SV | DA | NL | DE), ("no", EN), ("num", EN | FR), ("number", EN),
    ("nummer", SV | DA | NL | DE), ("numéro", FR), ("key", EN), ("uuid", SIX), ("guid", SIX),
    ("pk", EN), ("löpnummer", SV), ("lopnr", SV), ("løbenummer", DA), ("volgnummer", NL),
    ("laufnummer", DE),
];

/// Words ignored around a generic term ("name of patient", "nom du patient").
const STOP_WORDS: &[&str] = &[
    "of", "the", "a", "de", "du", "des", "d", "la", "le", "l", "van", "het", "der", "die", "das",
    "von", "vom", "och", "og", "en", "et", "und", "and", "for", "pour", "voor", "fur", "s", "n",
];

/// Words saying a column holds dates or times.
const DATE_WORDS: &[&str] = &[
    "date",
    "dates",
    "dt",
    "datum",
    "dato",
    "time",
    "timestamp",
    "ts",
    "datetime",
    "tid",
    "tidpunkt",
    "tidspunkt",
    "tijd",
    "tijdstip",
    "zeit",
    "zeitpunkt",
    "heure",
    "jour",
    "day",
    "dag",
    "year",
    "jaar",
    "jahr",
    "annee",
    "ar",
    "month",
    "monat",
    "maand",
    "manad",
    "maned",
    "mois",
];

/// Head words split off compound tokens ("geburts|datum", "kunden|nummer", "kunden|name").
const COMPOUND_HEADS: &[&str] = &[
    "datum", "dato", "nummer", "nr", "namn", "navn", "naam", "name",
];

// ---------------------------------------------------------------------------------------------
// Lexicon (the vocabulary, normalised once)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Affix {
    Prefix,
    Suffix,
    Contains,
}

#[derive(Clone, Copy, Debug)]
struct ExactTerm {
    concept: usize,
    langs: u16,
    generic: bool,
    ambiguous: bool,
}

struct AffixTerm {
    concept: usize,
    langs: u16,
    affix: Affix,
    stem: String,
}

struct Lexicon {
    /// Joined normalised tokens of a term ("dateofbirth") → its concept (two for an
    /// ambiguous term such as "lon": longitude, or Swedish "lön", salary).
    exact: FxHashMap<String, Vec<ExactTerm>>,
    affixes: Vec<AffixTerm>,
    person: FxHashMap<String, u16>,
    id_words: FxHashMap<String, u16>,
    stop: FxHashSet<String>,
    date_words: FxHashSet<String>,
    /// Terms that name two different concepts (a vocabulary bug; tested to be empty).
    #[cfg_attr(not(test), allow(dead_code))]
    clashes: Vec<String>,
}

fn joined(term: &str) -> String {
    normalize_name(term).concat()
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut exact: FxHashMap<String, Vec<ExactTerm>> = FxHashMap::default();
    let mut affixes = Vec::new();
    let mut clashes = Vec::new();
    for (concept, c) in CONCEPTS.iter().enumerate() {
        for &(raw, langs) in c.terms {
            let generic = raw.starts_with('~');
            let ambiguous = raw.starts_with('?');
            let body = raw.trim_start_matches(['~', '?']);
            let starts = body.starts_with('*');
            let ends = body.ends_with('*');
            let core = joined(body.trim_matches('*'));
            if core.is_empty() {
                continue;
            }
            let affix = match (starts, ends) {
                (false, false) => None,
                (false, true) => Some(Affix::Prefix),
                (true, false) => Some(Affix::Suffix),
                (true, true) => Some(Affix::Contains),
            };
            if let Some(affix) = affix {
                affixes.push(AffixTerm {
                    concept,
                    langs,
                    affix,
                    stem: core,
                });
                continue;
            }
            let entries = exact.entry(core).or_default();
            if let Some(e) = entries.iter_mut().find(|e| e.concept == concept) {
                e.langs |= langs;
                continue;
            }
            if entries.iter().any(|e| !(e.ambiguous && ambiguous)) {
                clashes.push(joined(body));
            }
            entries.push(ExactTerm {
                concept,
                langs,
                generic,
                ambiguous,
            });
        }
    }
    let words = |list: &[(&str, u16)]| {
        let mut map: FxHashMap<String, u16> = FxHashMap::default();
        for &(w, langs) in list {
            *map.entry(joined(w)).or_default() |= langs;
        }
        map
    };
    Lexicon {
        exact,
        affixes,
        person: words(PERSON_WORDS),
        id_words: words(ID_WORDS),
        stop: STOP_WORDS.iter().map(|w| w.to_string()).collect(),
        date_words: DATE_WORDS.iter().map(|w| w.to_string()).collect(),
        clashes,
    }
});

// ---------------------------------------------------------------------------------------------
// Name matching
// ---------------------------------------------------------------------------------------------

/// The best vocabulary match in a column name.
#[derive(Clone, Debug)]
struct NameHit {
    concept: usize,
    langs: u16,
    /// Characters of the matched term: longer terms are more specific and win.
    score: usize,
    /// The matched tokens, joined by spaces, as shown in the reason.
    matched: String,
    /// Every other token is a person, stop or date word or a number.
    whole: bool,
    generic: bool,
}

/// Splits compound tokens before a known head word: "geburtsdatum" → "geburt", "datum";
/// "kundennummer" → "kunden", "nummer". A linking `s` is dropped ("entlassungs" → "entlassung").
fn decompound(tokens: &[String], lex: &Lexicon) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len() + 2);
    for t in tokens {
        let mut split = false;
        for head in COMPOUND_HEADS {
            if t.len() >= head.len() + 3
                && let Some(stem) = t.strip_suffix(head)
            {
                let stem = match stem.strip_suffix('s') {
                    Some(s) if s.len() >= 3 && !s.ends_with('s') => s,
                    _ => stem,
                };
                out.push(stem.to_string());
                out.push((*head).to_string());
                split = true;
                break;
            }
        }
        // "id" is split off only after a person word ("patientid", "userid"): many
        // ordinary words end in "id" ("valid", "fluid").
        if !split
            && let Some(stem) = t.strip_suffix("id")
            && lex.person.contains_key(stem)
        {
            out.push(stem.to_string());
            out.push("id".to_string());
            split = true;
        }
        if !split {
            out.push(t.clone());
        }
    }
    out
}

/// Words that do not change what a column is about ("sex_code", "birth_date").
const QUALIFIER_WORDS: &[&str] = &[
    "code", "codes", "kod", "kode", "cd", "txt", "text", "desc", "label", "value", "val",
];

fn is_qualifier(token: &str, lex: &Lexicon) -> bool {
    is_filler(token, lex) || lex.date_words.contains(token) || QUALIFIER_WORDS.contains(&token)
}

fn is_filler(token: &str, lex: &Lexicon) -> bool {
    lex.stop.contains(token)
        || lex.person.contains_key(token)
        || token.chars().all(|c| c.is_numeric())
}

/// The longest term wins; then one covering the whole name; then one the values confirm.
fn best_hit(
    tokens: &[String],
    lex: &Lexicon,
    date_like: bool,
    confirms: &dyn Fn(usize) -> bool,
) -> Option<NameHit> {
    let mut best: Option<(NameHit, bool)> = None;
    let mut consider = |hit: NameHit| {
        let better = match &best {
            None => true,
            Some((b, b_confirmed)) => {
                (hit.score, hit.whole) > (b.score, b.whole)
                    || ((hit.score, hit.whole) == (b.score, b.whole)
                        && !b_confirmed
                        && confirms(hit.concept))
            }
        };
        if better {
            let confirmed = confirms(hit.concept);
            best = Some((hit, confirmed));
        }
    };
    let others_are = |start: usize, end: usize, ok: &dyn Fn(&str) -> bool| {
        tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < start || *i >= end)
            .all(|(_, t)| ok(t))
    };
    let usable = |concept: usize| !CONCEPTS[concept].needs_date || date_like;
    for start in 0..tokens.len() {
        let mut key = String::new();
        // Terms span at most six tokens ("numéro de registre national" is four).
        for end in start + 1..=(start + 6).min(tokens.len()) {
            key.push_str(&tokens[end - 1]);
            let Some(terms) = lex.exact.get(key.as_str()) else {
                continue;
            };
            for term in terms {
                if !usable(term.concept) {
                    continue;
                }
                if term.generic && !others_are(start, end, &|t| is_filler(t, lex)) {
                    continue;
                }
                consider(NameHit {
                    concept: term.concept,
                    langs: term.langs,
                    score: key.len(),
                    matched: tokens[start..end].join(" "),
                    whole: others_are(start, end, &|t| is_qualifier(t, lex)),
                    generic: term.generic,
                });
            }
        }
    }
    for (i, token) in tokens.iter().enumerate() {
        for a in &lex.affixes {
            if !usable(a.concept) {
                continue;
            }
            let hit = match a.affix {
                Affix::Prefix => token.starts_with(a.stem.as_str()),
                Affix::Suffix => token.len() > a.stem.len() && token.ends_with(a.stem.as_str()),
                Affix::Contains => token.contains(a.stem.as_str()),
            };
            if hit {
                let whole = others_are(i, i + 1, &|t| is_qualifier(t, lex));
                consider(NameHit {
                    concept: a.concept,
                    langs: a.langs,
                    score: a.stem.len(),
                    matched: token.clone(),
                    whole,
                    generic: false,
                });
            }
        }
    }
    best.map(|(hit, _)| hit)
}

/// What the name says, before values are consulted.
#[derive(Clone, Debug)]
enum NameSays {
    Concept(NameHit),
    /// A key: an id word, maybe with a person word ("patient_id", "Kundennummer").
    Key {
        person: Option<String>,
        id_word: String,
        langs: u16,
        /// Only id, person, stop and date words.
        bare: bool,
    },
}

/// What the name says, and whether it or the column says "dates". `dated`: the column's
/// type or values are dates; `confirms`: whether the values confirm a concept.
fn read_name(
    name: &str,
    dated: bool,
    confirms: &dyn Fn(usize) -> bool,
) -> Option<(NameSays, bool)> {
    let lex = &*LEXICON;
    let tokens = normalize_name(name);
    if tokens.is_empty() {
        return None;
    }
    let split = decompound(&tokens, lex);
    let date_like = dated || split.iter().any(|t| lex.date_words.contains(t));
    let hit = match (
        best_hit(&tokens, lex, date_like, confirms),
        best_hit(&split, lex, date_like, confirms),
    ) {
        (Some(a), Some(b)) => Some(if b.score > a.score { b } else { a }),
        (a, b) => a.or(b),
    };
    if let Some(hit) = hit {
        return Some((NameSays::Concept(hit), date_like));
    }
    let id_pos = split.iter().position(|t| lex.id_words.contains_key(t))?;
    let id_word = split[id_pos].clone();
    let person = split.iter().find(|t| lex.person.contains_key(*t)).cloned();
    let mut langs = lex.id_words.get(&id_word).copied().unwrap_or(SIX);
    if let Some(p) = &person {
        let pl = lex.person.get(p).copied().unwrap_or(SIX);
        langs = if langs & pl != 0 {
            langs & pl
        } else {
            langs | pl
        };
    }
    let bare = split
        .iter()
        .all(|t| lex.id_words.contains_key(t) || is_filler(t, lex) || lex.date_words.contains(t));
    Some((
        NameSays::Key {
            person,
            id_word,
            langs,
            bare,
        },
        date_like,
    ))
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/// Most top values looked at.
const MAX_VALUES: usize = 64;
/// Longest value (in bytes) that is inspected; longer ones count as not matching.
const MAX_VALUE_BYTES: usize = 200;

struct Sample<'a> {
    values: &'a [(String, u64)],
    /// Sum of the counts of `values`.
    mass: u64,
    /// Every count is 1: the values are a sample of a (nearly) unique column.
    all_single: bool,
}

/// How much of the sample satisfies a predicate.
struct Share {
    share: f64,
    distinct: usize,
    examples: Vec<String>,
}

impl<'a> Sample<'a> {
    fn new(f: &ColumnFacts<'a>) -> Self {
        let values = &f.top_values[..f.top_values.len().min(MAX_VALUES)];
        let mass = values.iter().fold(0u64, |m, (_, c)| m.saturating_add(*c));
        Sample {
            values,
            mass,
            all_single: !values.is_empty() && values.iter().all(|(_, c)| *c == 1),
        }
    }

    fn share(&self, pred: impl Fn(&str) -> bool) -> Share {
        let mut hit = 0u64;
        let mut distinct = 0;
        let mut examples = Vec::new();
        for (v, c) in self.values {
            if v.len() <= MAX_VALUE_BYTES && pred(v) {
                hit = hit.saturating_add(*c);
                distinct += 1;
                if examples.len() < 3 {
                    examples.push(display_value(v));
                }
            }
        }
        let share = if self.mass == 0 {
            0.0
        } else {
            hit as f64 / self.mass as f64
        };
        Share {
            share,
            distinct,
            examples,
        }
    }

    /// "the most frequent values" or "20 sampled values" (when every count is 1).
    fn describe(&self) -> String {
        if self.all_single {
            format!("{} sampled values", self.values.len())
        } else {
            "the most frequent values".to_string()
        }
    }
}

/// A value as shown in a reason: trimmed, control characters replaced, at most 24 characters.
fn display_value(v: &str) -> String {
    shorten(v, 24)
}

fn shorten(v: &str, max: usize) -> String {
    let mut out: String = v
        .trim()
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if v.trim().chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

fn percent(share: f64) -> String {
    let p = (share * 100.0).round();
    if p >= 100.0 && share < 1.0 {
        "99%".to_string()
    } else {
        format!("{p:.0}%")
    }
}

fn examples(s: &Share) -> String {
    s.examples.join(", ")
}

/// ICD-10 code shape: `I10`, `E11.9`, `E119`, `S72.001A` (ICD-10-CM), `F32.9*` (ICD-10-GM
/// marks), `E11.90 G` (GM certainty), `DE119` (Danish SKS prefix).
fn is_icd10(v: &str) -> bool {
    let mut s = v.trim();
    if let Some((code, qualifier)) = s.split_once(' ')
        && matches!(qualifier.trim(), "G" | "V" | "Z" | "A" | "L" | "R" | "B")
    {
        s = code;
    }
    let s = s.trim_end_matches(['+', '*', '!', '†']);
    let b = s.as_bytes();
    let b = if b.len() >= 4
        && b[0] == b'D'
        && b[1].is_ascii_uppercase()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit()
    {
        &b[1..]
    } else {
        b
    };
    if b.len() < 3 || b.len() > 8 {
        return false;
    }
    let upper = |c: u8| c.is_ascii_uppercase();
    if !upper(b[0]) || !b[1].is_ascii_digit() || !(b[2].is_ascii_digit() || b[2] == b'A') {
        return false;
    }
    let rest = &b[3..];
    let rest = match rest.first() {
        Some(b'.') => {
            if rest.len() < 2 {
                return false;
            }
            &rest[1..]
        }
        _ => rest,
    };
    rest.len() <= 4 && rest.iter().all(|c| c.is_ascii_digit() || upper(*c))
}

/// Generic (INN) medicine names, our own selection of frequently used medicines across the
/// ATC groups. Stored and compared without a final "e" so that English/French/Dutch
/// ("amlodipine", "metformine") and Nordic/German ("amlodipin", "Metformin") spellings meet.
#[rustfmt::skip]
const MEDICINES: &[&str] = &[
    // pain, inflammation, anaesthesia
    "paracetamol", "acetaminophen", "ibuprofen", "naproxen", "diclofenac", "ketoprofen",
    "celecoxib", "etoricoxib", "aspirin", "acetylsalicylic", "metamizole", "tramadol", "codeine",
    "morphine", "oxycodone", "hydromorphone", "fentanyl", "buprenorphine", "methadone",
    "tapentadol", "ketorolac", "lidocaine", "bupivacaine", "propofol", "ketamine", "rocuronium",
    "suxamethonium", "atropine", "naloxone", "naltrexone",
    // heart and circulation
    "amlodipine", "felodipine", "nifedipine", "diltiazem", "verapamil", "lisinopril",
    "enalapril", "ramipril", "perindopril", "captopril", "losartan", "valsartan", "candesartan",
    "irbesartan", "telmisartan", "olmesartan", "sacubitril", "hydrochlorothiazide",
    "chlorthalidone", "indapamide", "furosemide", "bumetanide", "torasemide", "spironolactone",
    "eplerenone", "metoprolol", "bisoprolol", "atenolol", "carvedilol", "propranolol",
    "nebivolol", "digoxin", "amiodarone", "dronedarone", "flecainide", "sotalol", "atorvastatin",
    "simvastatin", "rosuvastatin", "pravastatin", "ezetimibe", "fenofibrate", "warfarin",
    "apixaban", "rivaroxaban", "dabigatran", "edoxaban", "heparin", "enoxaparin", "dalteparin",
    "tinzaparin", "clopidogrel", "ticagrelor", "prasugrel", "nitroglycerin", "trinitrate",
    "isosorbide", "ivabradine", "ranolazine", "alteplase", "tenecteplase", "hydralazine",
    "doxazosin", "clonidine", "moxonidine", "adrenaline", "epinephrine", "noradrenaline",
    "norepinephrine", "dobutamine",
    // diabetes, hormones
    "metformin", "insulin", "glargine", "detemir", "degludec", "lispro", "sitagliptin",
    "linagliptin", "saxagliptin", "vildagliptin", "empagliflozin", "dapagliflozin",
    "canagliflozin", "gliclazide", "glimepiride", "glipizide", "pioglitazone", "liraglutide",
    "semaglutide", "dulaglutide", "exenatide", "levothyroxine", "liothyronine", "thiamazole",
    "carbimazole", "propylthiouracil", "hydrocortisone", "prednisolone", "prednisone",
    "methylprednisolone", "dexamethasone", "betamethasone", "fludrocortisone", "alendronate",
    "zoledronic", "denosumab", "estradiol", "progesterone", "testosterone", "levonorgestrel",
    "desogestrel", "drospirenone", "tamoxifen", "letrozole", "anastrozole", "exemestane",
    "bicalutamide", "leuprorelin", "goserelin", "enzalutamide", "abiraterone",
    // airways, allergy
    "salbutamol", "albuterol", "terbutaline", "budesonide", "fluticasone", "beclometasone",
    "mometasone", "formoterol", "salmeterol", "tiotropium", "ipratropium", "umeclidinium",
    "glycopyrronium", "montelukast", "theophylline", "cetirizine", "loratadine",
    "desloratadine", "fexofenadine",
    // stomach and gut
    "omeprazole", "esomeprazole", "pantoprazole", "lansoprazole", "ranitidine", "famotidine",
    "ondansetron", "metoclopramide", "domperidone", "loperamide", "lactulose", "macrogol",
    "bisacodyl", "mesalazine", "ursodeoxycholic", "sucralfate",
    // infections
    "amoxicillin", "ampicillin", "benzylpenicillin", "phenoxymethylpenicillin",
    "flucloxacillin", "dicloxacillin", "piperacillin", "tazobactam", "pivmecillinam",
    "mecillinam", "cefalexin", "cefuroxime", "ceftriaxone", "cefotaxime", "ceftazidime",
    "cefazolin", "meropenem", "imipenem", "ertapenem", "vancomycin", "teicoplanin", "linezolid",
    "gentamicin", "tobramycin", "amikacin", "ciprofloxacin", "levofloxacin", "moxifloxacin",
    "ofloxacin", "doxycycline", "tetracycline", "lymecycline", "azithromycin",
    "clarithromycin", "erythromycin", "clindamycin", "metronidazole", "nitrofurantoin",
    "trimethoprim", "sulfamethoxazole", "rifampicin", "isoniazid", "ethambutol",
    "pyrazinamide", "fluconazole", "itraconazole", "voriconazole", "nystatin", "terbinafine",
    "aciclovir", "valaciclovir", "oseltamivir", "remdesivir", "nirmatrelvir", "ritonavir",
    "tenofovir", "emtricitabine", "dolutegravir", "efavirenz", "lamivudine", "zidovudine",
    "abacavir", "hydroxychloroquine", "chloroquine", "ivermectin", "albendazole",
    "mebendazole", "fusidic", "mupirocin", "permethrin",
    // nervous system and mind
    "sertraline", "escitalopram", "citalopram", "fluoxetine", "paroxetine", "fluvoxamine",
    "venlafaxine", "duloxetine", "mirtazapine", "bupropion", "amitriptyline", "nortriptyline",
    "clomipramine", "vortioxetine", "trazodone", "lithium", "quetiapine", "olanzapine",
    "risperidone", "aripiprazole", "haloperidol", "clozapine", "paliperidone",
    "levomepromazine", "chlorpromazine", "diazepam", "lorazepam", "oxazepam", "alprazolam",
    "clonazepam", "midazolam", "zopiclone", "zolpidem", "melatonin", "pregabalin",
    "gabapentin", "levetiracetam", "lamotrigine", "valproic", "valproate", "carbamazepine",
    "oxcarbazepine", "phenytoin", "topiramate", "lacosamide", "levodopa", "carbidopa",
    "pramipexole", "ropinirole", "donepezil", "memantine", "rivastigmine", "galantamine",
    "methylphenidate", "atomoxetine", "lisdexamfetamine", "sumatriptan", "rizatriptan",
    "zolmitriptan", "varenicline", "baclofen",
    // blood, vitamins, minerals
    "ferrous", "ferric", "carboxymaltose", "folic", "cyanocobalamin", "hydroxocobalamin",
    "epoetin", "tranexamic", "cholecalciferol", "alfacalcidol", "bicarbonate",
    // immunity, cancer, urology, skin, eyes
    "allopurinol", "febuxostat", "colchicine", "methotrexate", "sulfasalazine",
    "azathioprine", "mycophenolate", "tacrolimus", "ciclosporin", "cyclosporine",
    "adalimumab", "infliximab", "etanercept", "rituximab", "tocilizumab", "pembrolizumab",
    "nivolumab", "trastuzumab", "bevacizumab", "cyclophosphamide", "cisplatin",
    "carboplatin", "oxaliplatin", "paclitaxel", "docetaxel", "doxorubicin", "fluorouracil",
    "capecitabine", "gemcitabine", "imatinib", "tamsulosin", "finasteride", "dutasteride",
    "solifenacin", "mirabegron", "oxybutynin", "sildenafil", "tadalafil", "isotretinoin",
    "tretinoin", "acitretin", "adapalene", "latanoprost", "timolol", "dorzolamide",
    "brimonidine",
];

/// Drops a final "e" of longer words (see [`MEDICINES`]).
fn medicine_key(word: &str) -> &str {
    if word.len() > 5 {
        word.strip_suffix('e').unwrap_or(word)
    } else {
        word
    }
}

static MEDICINE_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| MEDICINES.iter().map(|m| medicine_key(m)).collect());

fn names_medicine(v: &str) -> bool {
    let f = fold(v);
    words(&f).any(|w| w.len() >= 4 && MEDICINE_SET.contains(medicine_key(w)))
}

/// A value with every character except letters and digits removed, folded.
fn squeeze(v: &str) -> String {
    fold(v.trim())
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum SexCode {
    Female,
    Male,
    Other,
}

fn sex_code(v: &str) -> Option<SexCode> {
    let s = squeeze(v);
    Some(match s.as_str() {
        "f" | "female" | "woman" | "women" | "w" | "weiblich" | "frau" | "kvinna" | "kvinnor"
        | "kvinnlig" | "k" | "kvinde" | "kvindelig" | "v" | "vrouw" | "vrouwelijk" | "femme"
        | "feminin" | "feminine" | "girl" | "flicka" | "pige" | "meisje" | "madchen" | "fille" => {
            SexCode::Female
        }
        "m" | "male" | "man" | "men" | "mann" | "mannlich" | "manlig" | "mand" | "mandlig"
        | "homme" | "h" | "masculin" | "masculine" | "boy" | "pojke" | "dreng" | "jongen"
        | "junge" | "garcon" => SexCode::Male,
        "x" | "u" | "o" | "d" | "other" | "unknown" | "okand" | "ukendt" | "onbekend"
        | "unbekannt" | "inconnu" | "divers" | "diverse" | "annat" | "andet" | "anders"
        | "autre" | "nonbinary" | "intersex" | "unspecified" | "notstated" | "prefernottosay" => {
            SexCode::Other
        }
        _ => return None,
    })
}

const MARITAL_WORDS: &[&str] = &[
    "married",
    "unmarried",
    "single",
    "divorced",
    "widowed",
    "widow",
    "widower",
    "separated",
    "cohabiting",
    "cohabitant",
    "spouse",
    "partnership",
    "gift",
    "ogift",
    "skild",
    "skiljd",
    "ankling",
    "anka",
    "ankeman",
    "sambo",
    "ugift",
    "fraskilt",
    "skilt",
    "separeret",
    "enke",
    "enkemand",
    "samlevende",
    "partnerskab",
    "gehuwd",
    "getrouwd",
    "ongehuwd",
    "ongetrouwd",
    "gescheiden",
    "weduwe",
    "weduwnaar",
    "samenwonend",
    "alleenstaand",
    "partnerschap",
    "verheiratet",
    "ledig",
    "geschieden",
    "verwitwet",
    "getrennt",
    "getrenntlebend",
    "lebenspartnerschaft",
    "marie",
    "mariee",
    "celibataire",
    "divorce",
    "divorcee",
    "veuf",
    "veuve",
    "pacse",
    "pacsee",
    "separe",
    "separee",
    "concubinage",
];

fn is_marital(v: &str) -> bool {
    let f = fold(v);
    words(&f).any(|w| MARITAL_WORDS.contains(&w))
}

/// Ethnic-group words; the first ones are not colours or generic words, and a column must
/// contain one of them before values alone can call it ethnic origin.
const ETHNIC_STRONG: &[&str] = &[
    "asian",
    "hispanic",
    "latino",
    "latina",
    "latinx",
    "caucasian",
    "african",
    "islander",
    "eskimo",
    "inuit",
    "indigenous",
    "aboriginal",
    "multiracial",
    "biracial",
    "arab",
    "roma",
    "sami",
];
const ETHNIC_WEAK: &[&str] = &["white", "black", "mixed", "native", "pacific", "indian"];

fn ethnic_word(v: &str, strong_only: bool) -> bool {
    let f = fold(v);
    words(&f).any(|w| ETHNIC_STRONG.contains(&w) || (!strong_only && ETHNIC_WEAK.contains(&w)))
}

/// ISO 3166-1 alpha-2 codes, plus `UK`, `EL` (EU usage) and `XK`.
const ALPHA2: &str = "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBY\
BZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGH\
GIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALB\
LCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOM\
PAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTG\
THTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZWUKELXK";

const ALPHA3: &[&str] = &[
    "SWE", "DNK", "NLD", "DEU", "FIN", "BEL", "FRA", "NOR", "POL", "ESP", "ITA", "GBR", "USA",
    "IRL", "PRT", "AUT", "CHE", "EST", "LVA", "LTU", "CZE", "SVK", "HUN", "ROU", "BGR", "GRC",
    "HRV", "SVN", "LUX", "MLT", "CYP", "ISL", "CAN", "MEX", "BRA", "ARG", "CHN", "JPN", "IND",
    "TUR", "RUS", "UKR", "AUS", "NZL", "ZAF", "SYR", "IRQ", "IRN", "AFG", "SOM", "ERI", "ETH",
    "MAR", "DZA", "TUN", "EGY", "PAK", "VNM", "PHL", "THA", "KOR",
];

/// Words of country names (English and the six languages' own names for the European
/// countries); a value naming a country contains one of them.
const COUNTRY_WORDS: &[&str] = &[
    "sweden",
    "sverige",
    "suede",
    "schweden",
    "zweden",
    "denmark",
    "danmark",
    "danemark",
    "daenemark",
    "netherlands",
    "nederland",
    "holland",
    "niederlande",
    "nederlanderne",
    "nederlanderna",
    "germany",
    "deutschland",
    "tyskland",
    "duitsland",
    "allemagne",
    "france",
    "frankrike",
    "frankrig",
    "frankrijk",
    "frankreich",
    "finland",
    "suomi",
    "finnland",
    "finlande",
    "belgium",
    "belgie",
    "belgien",
    "belgique",
    "norway",
    "norge",
    "noorwegen",
    "norwegen",
    "norvege",
    "poland",
    "polen",
    "pologne",
    "spain",
    "spanien",
    "spanje",
    "espagne",
    "espana",
    "italy",
    "italien",
    "italie",
    "italia",
    "kingdom",
    "britain",
    "england",
    "scotland",
    "wales",
    "ireland",
    "irland",
    "ierland",
    "irlande",
    "portugal",
    "austria",
    "osterreich",
    "oostenrijk",
    "autriche",
    "switzerland",
    "schweiz",
    "zwitserland",
    "suisse",
    "states",
    "usa",
    "america",
    "canada",
    "mexico",
    "brazil",
    "argentina",
    "china",
    "japan",
    "india",
    "turkey",
    "turkiet",
    "tyrkiet",
    "turkije",
    "turkei",
    "turquie",
    "russia",
    "ukraine",
    "iran",
    "iraq",
    "irak",
    "syria",
    "syrien",
    "afghanistan",
    "somalia",
    "eritrea",
    "ethiopia",
    "morocco",
    "marokko",
    "maroc",
    "algeria",
    "tunisia",
    "egypt",
    "pakistan",
    "vietnam",
    "philippines",
    "thailand",
    "korea",
    "cuba",
    "jamaica",
    "haiti",
    "dominican",
    "puerto",
    "salvador",
    "guatemala",
    "honduras",
    "nicaragua",
    "columbia",
    "colombia",
    "ecuador",
    "peru",
    "chile",
    "greece",
    "hungary",
    "yugoslavia",
    "laos",
    "cambodia",
    "taiwan",
    "hong",
    "estonia",
    "latvia",
    "lithuania",
    "iceland",
    "island",
    "czech",
    "slovakia",
    "slovenia",
    "croatia",
    "romania",
    "bulgaria",
    "serbia",
    "bosnia",
    "albania",
    "luxembourg",
    "trinadad",
    "trinidad",
    "outlying",
];

fn is_country(v: &str) -> bool {
    let t = v.trim();
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        let up = t.to_ascii_uppercase();
        return ALPHA2
            .as_bytes()
            .chunks(2)
            .any(|pair| pair == up.as_bytes());
    }
    if t.len() == 3 && t.bytes().all(|b| b.is_ascii_uppercase()) {
        return ALPHA3.contains(&t);
    }
    let f = fold(t);
    words(&f).any(|w| COUNTRY_WORDS.contains(&w))
}

/// Postcode shapes of the countries in scope: `12345`, `1234`, `123 45`, `1234 AB`,
/// `SW1A 1AA`, optionally behind a country prefix (`SE-123 45`, `D-12345`).
fn is_postcode(v: &str) -> bool {
    let mut t = v.trim();
    if let Some((prefix, rest)) = t.split_once('-')
        && (1..=2).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_alphabetic())
    {
        t = rest.trim();
    }
    let b = t.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let letters = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_alphabetic);
    match t.split_once(' ') {
        None => {
            (digits(b) && (3..=6).contains(&b.len()))
                || (b.len() == 6 && digits(&b[..4]) && letters(&b[4..]))
                || is_uk_postcode(t, None)
        }
        Some((a, z)) => {
            let (a, z) = (a.as_bytes(), z.trim().as_bytes());
            (digits(a) && digits(z) && a.len() == 3 && z.len() == 2)
                || (digits(a) && a.len() == 4 && letters(z) && z.len() == 2)
                || is_uk_postcode(t, Some((a, z)))
        }
    }
}

fn is_uk_postcode(t: &str, parts: Option<(&[u8], &[u8])>) -> bool {
    let (out, inward) = match parts {
        Some(p) => p,
        None if t.len() >= 5 && t.len() <= 7 && t.is_ascii() => {
            let b = t.as_bytes();
            (&b[..b.len() - 3], &b[b.len() - 3..])
        }
        None => return false,
    };
    let out_ok = (2..=4).contains(&out.len())
        && out[0].is_ascii_uppercase()
        && out
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && out.iter().any(u8::is_ascii_digit);
    let in_ok = inward.len() == 3
        && inward[0].is_ascii_digit()
        && inward[1].is_ascii_uppercase()
        && inward[2].is_ascii_uppercase();
    out_ok && in_ok
}

/// A calendar date in a common written form: `2024-03-01`, `2024/03/01`, `01.03.2024`,
/// `01/03/2024`, `01-03-2024`, `20240301`, optionally followed by a time.
fn looks_like_date(v: &str) -> bool {
    let t = v.trim();
    let t = t.split(['T', ' ']).next().unwrap_or(t);
    let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
    let num = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let plausible = |y: u32, m: u32, d: u32| {
        (1800..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
    };
    match parts.as_slice() {
        [a, b, c] => match (num(a), num(b), num(c)) {
            (Some(y), Some(m), Some(d)) if a.len() == 4 => plausible(y, m, d),
            (Some(d), Some(m), Some(y)) if c.len() == 4 => plausible(y, m, d) || plausible(y, d, m),
            _ => false,
        },
        [single] if single.len() == 8 && single.bytes().all(|b| b.is_ascii_digit()) => {
            let n = |r: std::ops::Range<usize>| single[r].parse::<u32>().unwrap_or(0);
            plausible(n(0..4), n(4..6), n(6..8))
        }
        _ => false,
    }
}

/// A latitude or longitude in decimal degrees.
fn is_coordinate(v: &str) -> bool {
    let t = v.trim();
    t.contains('.')
        && t.parse::<f64>()
            .is_ok_and(|x| (-180.0..=180.0).contains(&x))
}

fn is_year(v: &str) -> bool {
    let t = v.trim();
    t.len() == 4 && t.parse::<u32>().is_ok_and(|y| (1880..=2100).contains(&y))
}

/// An age in years (0–125) or an age band (`30-39`, `[20,30[`, `>=65`, `80+`).
fn is_age(v: &str) -> bool {
    let t = v.trim();
    if let Ok(x) = t.parse::<f64>() {
        return (0.0..=125.0).contains(&x);
    }
    let mut saw_number = false;
    for part in t.split(|c: char| !c.is_ascii_digit()) {
        if part.is_empty() {
            continue;
        }
        match part.parse::<u32>() {
            Ok(n) if n <= 125 => saw_number = true,
            _ => return false,
        }
    }
    saw_number
        && t.chars()
            .all(|c| c.is_ascii_digit() || " -–[](),<>=+".contains(c) || c == '≥' || c == '≤')
}

fn is_email(v: &str) -> bool {
    let t = v.trim();
    match t.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !t.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn is_phone(v: &str) -> bool {
    let t = v.trim();
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b" +-()./".contains(&b))
}

fn is_account(v: &str) -> bool {
    if identifiers::is_valid_iban(v) {
        return true;
    }
    let digits: String = v.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (13..=19).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && identifiers::luhn_valid(&digits)
}

fn is_national_id(v: &str) -> bool {
    let t = v.trim();
    identifiers::is_valid_personnummer(t)
        || identifiers::is_valid_cpr(t)
        || identifiers::is_valid_bsn(t)
        || identifiers::is_valid_de_rvnr(t)
        || identifiers::is_valid_hetu(t)
        || identifiers::is_valid_be_nrn(t)
        || identifiers::is_valid_nir(t)
}

/// Lower-case name particles ("Willem van der Meer", "Fleur de Boer").
const NAME_PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "het", "ter", "ten", "von", "zu", "vom", "du", "la", "le", "des",
    "af", "av", "da", "di", "del", "dos", "y",
];

/// One to six words of letters (with `-`, `'` and `.` inside names), each capitalised or a
/// name particle, at least one capitalised.
fn looks_like_person_name(v: &str) -> bool {
    let parts: Vec<&str> = v.split_whitespace().collect();
    let letters = |p: &str| {
        p.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '.' | '’'))
    };
    let capitalised = |p: &str| p.chars().next().is_some_and(char::is_uppercase) && letters(p);
    (1..=6).contains(&parts.len())
        && parts.iter().any(|p| capitalised(p))
        && parts
            .iter()
            .all(|p| capitalised(p) || NAME_PARTICLES.contains(p))
}

/// A short token with digits and no spaces: `P0000001`, `A-12-334`, `7f3c…`.
fn looks_like_code(v: &str) -> bool {
    let t = v.trim();
    !t.is_empty()
        && t.len() <= 40
        && !t.contains(char::is_whitespace)
        && t.bytes().any(|b| b.is_ascii_digit())
        && !looks_like_date(t)
}

/// Distinct values per non-null value, when there are enough values to judge.
fn unique_ratio(f: &ColumnFacts<'_>) -> Option<f64> {
    (f.non_null >= 20).then(|| f.distinct.min(f.non_null) as f64 / f.non_null as f64)
}

fn is_unique(f: &ColumnFacts<'_>) -> bool {
    unique_ratio(f).is_some_and(|r| r >= 0.95)
}

fn is_temporal(ty: &str) -> bool {
    matches!(ty, "date" | "timestamp" | "timestamp_utc")
}

fn is_numeric(ty: &str) -> bool {
    matches!(ty, "integer" | "float")
}

// ---------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Evidence {
    role: ColumnRole,
    category: String,
    confidence: f64,
    reason: String,
    /// What was found, without the role note: quoted when it confirms or contradicts a name.
    finding: String,
    /// Check-digit or PII-scanner evidence of a direct identifier: outranks a name.
    hard_identifier: bool,
}

/// Whether the values confirm the concept the name suggests; the text says how.
fn confirm(check: Check, f: &ColumnFacts<'_>, s: &Sample<'_>) -> Option<String> {
    let share = |pred: &dyn Fn(&str) -> bool, min: f64| {
        let sh = s.share(pred);
        (sh.distinct > 0 && sh.share >= min).then_some(sh)
    };
    let of = s.describe();
    match check {
        Check::None => None,
        Check::PersonName => share(&looks_like_person_name, 0.8).map(|sh| {
            format!(
                "values look like personal names in {} of {of} (e.g. {})",
                percent(sh.share),
                examples(&sh)
            )
        }),
        Check::NationalId => share(&is_national_id, 0.5).map(|sh| {
            format!(
                "{} of {of} pass a national-ID check digit",
                percent(sh.share)
            )
        }),
        Check::Email => share(&is_email, 0.8)
            .map(|sh| format!("{} of {of} are e-mail addresses", percent(sh.share))),
        Check::Phone => share(&is_phone, 0.8)
            .map(|sh| format!("{} of {of} are phone numbers", percent(sh.share))),
        Check::Account => share(&is_account, 0.5).map(|sh| {
            format!(
                "{} of {of} pass the IBAN (mod 97) or card (Luhn) check",
                percent(sh.share)
            )
        }),
        Check::Unique => is_unique(f).then(|| unique_text(f)),
        Check::BirthDate => {
            if is_temporal(f.ty) {
                Some("the values are dates".to_string())
            } else if let Some(sh) = share(&looks_like_date, 0.8) {
                Some(format!("{} of {of} are dates", percent(sh.share)))
            } else {
                share(&is_year, 0.9).map(|_| "the values are years".to_string())
            }
        }
        Check::Age => share(&is_age, 0.9).map(|sh| {
            if is_numeric(f.ty) {
                format!(
                    "the values are numbers in the age range (e.g. {})",
                    examples(&sh)
                )
            } else {
                format!("the values are ages or age bands (e.g. {})", examples(&sh))
            }
        }),
        Check::Sex => {
            let numeric_iso = |v: &str| matches!(v.trim(), "0" | "1" | "2" | "9");
            share(&|v: &str| sex_code(v).is_some(), 0.9)
                .or_else(|| share(&numeric_iso, 0.95))
                .map(|sh| {
                    format!(
                        "{} of {of} are sex codes ({})",
                        percent(sh.share),
                        examples(&sh)
                    )
                })
        }
        Check::Postcode => share(&is_postcode, 0.8).map(|sh| {
            format!(
                "{} of {of} have postcode shapes (e.g. {})",
                percent(sh.share),
                examples(&sh)
            )
        }),
        Check::Country => share(&is_country, 0.8).map(|sh| {
            format!(
                "{} of {of} are country codes or names (e.g. {})",
                percent(sh.share),
                examples(&sh)
            )
        }),
        Check::Marital => share(&is_marital, 0.8).map(|sh| {
            format!(
                "{} of {of} are marital statuses (e.g. {})",
                percent(sh.share),
                examples(&sh)
            )
        }),
        Check::Ethnic => share(&|v: &str| ethnic_word(v, false), 0.8).map(|sh| {
            format!(
                "{} of {of} name ethnic groups (e.g. {})",
                percent(sh.share),
                examples(&sh)
            )
        }),
        Check::Coordinate => share(&is_coordinate, 0.9).map(|sh| {
            format!(
                "{} of {of} are decimal degrees (e.g. {})",
                percent(sh.share),
                examples(&sh)
            )
        }),
        Check::Amount => {
            let amount = |v: &str| v.trim().parse::<f64>().is_ok_and(|x| x >= 0.0);
            let large = s
                .values
                .iter()
                .any(|(v, _)| v.trim().parse::<f64>().is_ok_and(|x| x > 180.0));
            share(&amount, 0.9)
                .filter(|_| large)
                .map(|sh| format!("the values are amounts (e.g. {})", examples(&sh)))
        }
        Check::Health => {
            if let Some(sh) = share(&is_icd10, 0.6) {
                Some(format!(
                    "{} of {of} look like ICD-10 codes (e.g. {})",
                    percent(sh.share),
                    examples(&sh)
                ))
            } else {
                share(&names_medicine, 0.5).map(|sh| {
                    format!(
                        "{} of {of} name medicines (e.g. {})",
                        percent(sh.share),
                        examples(&sh)
                    )
                })
            }
        }
    }
}

fn unique_text(f: &ColumnFacts<'_>) -> String {
    if f.distinct >= f.non_null {
        format!("every one of the {} values is distinct", f.non_null)
    } else {
        format!(
            "values are nearly unique ({} distinct in {} non-null)",
            f.distinct, f.non_null
        )
    }
}

/// Evidence from the values alone, strongest first.
fn value_evidence(f: &ColumnFacts<'_>, s: &Sample<'_>) -> Vec<Evidence> {
    let mut out = Vec::new();
    if s.mass == 0 {
        return out;
    }
    let of = s.describe();
    let art9 = |what: &str| format!("{what}, a special category (GDPR Art. 9)");
    let mut push = |role, category: &str, confidence, finding: String, note: &str, hard| {
        out.push(Evidence {
            role,
            category: category.to_string(),
            confidence,
            reason: format!("{finding}: {note}"),
            finding,
            hard_identifier: hard,
        });
    };

    let account = s.share(is_account);
    if account.share >= 0.9 && account.distinct >= 5 {
        push(
            ColumnRole::Identifier,
            "bank_account",
            0.85,
            format!(
                "{} of {of} pass the IBAN (mod 97) or card (Luhn) check (e.g. {})",
                percent(account.share),
                examples(&account)
            ),
            NOTE_IDENTIFIER,
            true,
        );
    }
    let national = s.share(is_national_id);
    if national.share >= 0.9 && national.distinct >= 5 {
        push(
            ColumnRole::Identifier,
            "national_id",
            0.85,
            format!(
                "{} of {of} pass a national-ID check digit (personnummer, CPR, BSN, HETU, \
                 NIR, …)",
                percent(national.share)
            ),
            NOTE_IDENTIFIER,
            true,
        );
    }
    let email = s.share(is_email);
    if email.share >= 0.9 && email.distinct >= 2 {
        push(
            ColumnRole::Identifier,
            "email",
            0.8,
            format!("{} of {of} are e-mail addresses", percent(email.share)),
            NOTE_IDENTIFIER,
            true,
        );
    }

    let icd = s.share(is_icd10);
    if icd.share >= 0.6 && icd.distinct >= 3 {
        let subcodes = s
            .values
            .iter()
            .any(|(v, _)| is_icd10(v) && v.trim().len() >= 4);
        let confidence = if icd.share >= 0.9 && subcodes {
            0.8
        } else {
            0.65
        };
        push(
            ColumnRole::Sensitive,
            "health",
            confidence,
            format!(
                "{} of {of} look like ICD-10 codes (e.g. {})",
                percent(icd.share),
                examples(&icd)
            ),
            &art9("health data"),
            false,
        );
    }
    let meds = s.share(names_medicine);
    if meds.share >= 0.5 && meds.distinct >= 2 {
        let confidence = if meds.share >= 0.8 { 0.8 } else { 0.65 };
        push(
            ColumnRole::Sensitive,
            "health",
            confidence,
            format!(
                "{} of {of} name medicines (e.g. {})",
                percent(meds.share),
                examples(&meds)
            ),
            &art9("health data"),
            false,
        );
    }

    let sex = s.share(|v| sex_code(v).is_some());
    let has = |code| s.values.iter().any(|(v, _)| sex_code(v) == Some(code));
    // Few distinct values, both sexes present: "M"/"F" alone could be sizes or units.
    if sex.share >= 0.95 && has(SexCode::Female) && has(SexCode::Male) && s.values.len() <= 8 {
        push(
            ColumnRole::QuasiIdentifier,
            "sex",
            0.8,
            format!(
                "{} of {of} are sex codes ({})",
                percent(sex.share),
                examples(&sex)
            ),
            NOTE_QI,
            false,
        );
    }
    let marital = s.share(is_marital);
    if marital.share >= 0.9 && marital.distinct >= 3 {
        push(
            ColumnRole::QuasiIdentifier,
            "marital_status",
            0.75,
            format!(
                "{} of {of} are marital statuses (e.g. {})",
                percent(marital.share),
                examples(&marital)
            ),
            NOTE_QI,
            false,
        );
    }
    let ethnic = s.share(|v| ethnic_word(v, false));
    if ethnic.share >= 0.9
        && ethnic.distinct >= 2
        && s.values.iter().any(|(v, _)| ethnic_word(v, true))
    {
        push(
            ColumnRole::Sensitive,
            "ethnic_origin",
            0.75,
            format!(
                "{} of {of} name ethnic groups (e.g. {})",
                percent(ethnic.share),
                examples(&ethnic)
            ),
            &art9("racial or ethnic origin"),
            false,
        );
    }

    if f.ty == "string" && is_unique(f) {
        let codes = s.share(looks_like_code);
        if codes.share >= 0.9 {
            out.push(Evidence {
                role: ColumnRole::Identifier,
                category: "record_id".to_string(),
                confidence: 0.6,
                reason: format!(
                    "{} and the values look like codes (e.g. {}): a key that singles out each \
                     row, {NOTE_IDENTIFIER}",
                    unique_text(f),
                    examples(&codes)
                ),
                finding: format!("the values look like codes (e.g. {})", examples(&codes)),
                hard_identifier: false,
            });
        }
    }
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    out
}

/// The role and category of a PII entity reported by the scanner.
fn pii_role(entity: &str) -> Option<(ColumnRole, &'static str)> {
    let e = entity.trim().to_ascii_lowercase();
    let e = e.as_str();
    let id = ColumnRole::Identifier;
    Some(match e {
        "" => return None,
        // Not personal by themselves: a URL or domain rarely points at one person.
        "url" | "domain" | "uri" => return None,
        "email" | "email_address" => (id, "email"),
        "phone" | "phone_number" | "telephone" => (id, "phone"),
        "iban" | "bank_account" | "payment_card" | "credit_card" | "card_number" => {
            (id, "bank_account")
        }
        "person_name" | "name" | "first_name" | "last_name" | "person" => (id, "person_name"),
        "ip" | "ipv4" | "ipv6" | "ip_address" | "mac" | "mac_address" => (id, "online_identifier"),
        "eu_vat" | "vat" | "vat_number" => (id, "vat_number"),
        "address" | "street_address" => (id, "address"),
        "passport" | "driver_license" | "license_plate" => (id, "document_number"),
        "date_of_birth" | "birth_date" | "dob" => (ColumnRole::QuasiIdentifier, "birth_date"),
        "postcode" | "postal_code" | "zip" => (ColumnRole::QuasiIdentifier, "postcode"),
        // Country-prefixed national IDs (`se_personnummer`, `dk_cpr`, `fr_nir`, …) and the
        // rest of the scanner's identifiers.
        _ => (id, "national_id"),
    })
}

/// Whether a PII entity is confirmed by a check digit (strong evidence).
fn pii_is_checked(category: &str) -> bool {
    matches!(category, "national_id" | "bank_account" | "vat_number")
}

fn pii_evidence(f: &ColumnFacts<'_>) -> Option<Evidence> {
    let entity = f.pii_entity?;
    let (role, category) = pii_role(entity)?;
    let share = if f.pii_share.is_finite() {
        f.pii_share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let confidence = 0.5 + 0.4 * share;
    let note = if role == ColumnRole::Identifier {
        NOTE_IDENTIFIER
    } else {
        NOTE_QI
    };
    let finding = format!(
        "the personal-data scan found {} in {} of the values",
        display_value(entity),
        percent(share)
    );
    Some(Evidence {
        role,
        category: category.to_string(),
        confidence,
        reason: format!("{finding}: {note}"),
        finding,
        hard_identifier: role == ColumnRole::Identifier
            && share >= 0.8
            && (pii_is_checked(category) || category == "email"),
    })
}

// ---------------------------------------------------------------------------------------------
// Putting it together
// ---------------------------------------------------------------------------------------------

/// Name evidence, with the concept's value check already run.
struct NameEvidence {
    ev: Evidence,
    /// Values confirm it ("values agree: …").
    confirmed: Option<String>,
}

fn quoted_name(name: &str) -> String {
    let shown = shorten(name, 64);
    if shown.is_empty() {
        "''".to_string()
    } else {
        format!("'{shown}'")
    }
}

/// `date_like`: the column's type, its values or a word of its name say it holds dates.
fn name_evidence(
    f: &ColumnFacts<'_>,
    s: &Sample<'_>,
    says: NameSays,
    date_like: bool,
) -> NameEvidence {
    let qname = quoted_name(f.name);
    match says {
        NameSays::Concept(hit) => {
            let c = &CONCEPTS[hit.concept];
            let langs = language_note(hit.langs);
            let phrase = if hit.whole {
                format!("column name {qname} means {}{langs}", c.meaning)
            } else {
                format!(
                    "column name {qname} contains '{}', meaning {}{langs}",
                    hit.matched, c.meaning
                )
            };
            // The date of a diagnosis or of a login is a date, not a diagnosis or a user
            // name: it is handled like the other personal event dates.
            let about_dates = is_temporal(f.ty) || (date_like && c.role == ColumnRole::Identifier);
            if matches!(c.role, ColumnRole::Sensitive | ColumnRole::Identifier) && about_dates {
                let finding = format!("{phrase}, but it holds dates");
                return NameEvidence {
                    ev: Evidence {
                        role: ColumnRole::QuasiIdentifier,
                        category: "event_date".to_string(),
                        confidence: 0.65,
                        reason: format!(
                            "{finding}: the date of a personal event, a quasi-identifier like \
                             admission and discharge dates"
                        ),
                        finding,
                        hard_identifier: false,
                    },
                    confirmed: None,
                };
            }
            // A yes/no flag ("email_verified") is not the identifier it is about.
            if c.role == ColumnRole::Identifier && f.ty == "boolean" {
                let finding = format!("{phrase}, but it is a yes/no flag");
                return NameEvidence {
                    ev: Evidence {
                        role: ColumnRole::Insensitive,
                        category: String::new(),
                        confidence: 0.5,
                        reason: format!("{finding}, not the identifier itself"),
                        finding,
                        hard_identifier: false,
                    },
                    confirmed: None,
                };
            }
            let confidence = match (hit.generic, hit.whole) {
                (true, _) => 0.6,
                (false, true) => 0.75,
                (false, false) => 0.65,
            };
            NameEvidence {
                ev: Evidence {
                    role: c.role,
                    category: c.category.to_string(),
                    confidence,
                    reason: format!("{phrase}: {}", c.note),
                    finding: phrase,
                    hard_identifier: false,
                },
                confirmed: confirm(c.check, f, s),
            }
        }
        NameSays::Key {
            person,
            id_word,
            langs,
            bare,
        } => {
            let langs = language_note(langs);
            let unique = is_unique(f);
            let few = f.distinct <= 50.max(f.non_null / 100);
            let (role, confidence, what) = match (&person, unique) {
                (Some(p), true) => (
                    ColumnRole::Identifier,
                    0.8,
                    format!("names a key of a {p}{langs}; {}", unique_text(f)),
                ),
                (Some(p), false) => (
                    ColumnRole::Identifier,
                    0.7,
                    format!(
                        "names a key of a {p}{langs}; values repeat ({} distinct in {} \
                         non-null), as a person's key does when a person has several rows",
                        f.distinct, f.non_null
                    ),
                ),
                (None, true) => (
                    ColumnRole::Identifier,
                    if bare { 0.8 } else { 0.7 },
                    format!("names a key ('{id_word}'{langs}); {}", unique_text(f)),
                ),
                (None, false) if few && f.non_null > 0 => (
                    ColumnRole::Insensitive,
                    0.5,
                    format!(
                        "names a key ('{id_word}'{langs}), but only {} distinct values in {} \
                         rows: more likely a category code than a person's key",
                        f.distinct, f.non_null
                    ),
                ),
                (None, false) => (
                    ColumnRole::Identifier,
                    if bare { 0.55 } else { 0.5 },
                    format!(
                        "names a key ('{id_word}'{langs}); values repeat, so it may point to a \
                         person or to a thing: review"
                    ),
                ),
            };
            let note = if role == ColumnRole::Identifier {
                format!(": {NOTE_IDENTIFIER}")
            } else {
                String::new()
            };
            NameEvidence {
                ev: Evidence {
                    role,
                    // An insensitive suggestion has no category.
                    category: if role == ColumnRole::Identifier {
                        "record_id".to_string()
                    } else {
                        String::new()
                    },
                    confidence,
                    reason: format!("column name {qname} {what}{note}"),
                    finding: format!("column name {qname} {what}"),
                    hard_identifier: false,
                },
                confirmed: None,
            }
        }
    }
}

/// Suggests a role for one column from its name and what is known about its values.
pub fn suggest_role(f: &ColumnFacts<'_>) -> RoleSuggestion {
    let sample = Sample::new(f);
    let dated = is_temporal(f.ty) || sample.share(looks_like_date).share >= 0.8;
    let confirms = |concept: usize| confirm(CONCEPTS[concept].check, f, &sample).is_some();
    let name = read_name(f.name, dated, &confirms)
        .map(|(says, date_like)| name_evidence(f, &sample, says, date_like));

    // Value evidence: the PII scan first (it has already judged the column), then our own.
    let mut values: Vec<Evidence> = pii_evidence(f).into_iter().collect();
    values.extend(value_evidence(f, &sample));
    values.sort_by(|a, b| {
        b.hard_identifier
            .cmp(&a.hard_identifier)
            .then(b.confidence.total_cmp(&a.confidence))
    });

    let out = match name {
        Some(n) => combine(n, &values),
        None => match values.into_iter().next() {
            Some(v) => v,
            None => fallback(f, &sample),
        },
    };
    RoleSuggestion {
        role: out.role,
        reason: out.reason,
        confidence: out.confidence.clamp(0.0, 1.0),
        category: (!out.category.is_empty()).then_some(out.category),
    }
}

/// Name and values together: agreement raises confidence; on disagreement the name wins
/// unless the values carry hard identifier evidence (check digits, the PII scan).
fn combine(n: NameEvidence, values: &[Evidence]) -> Evidence {
    let NameEvidence { mut ev, confirmed } = n;
    let agreeing = values.iter().find(|v| v.role == ev.role);
    if let Some(text) = confirmed {
        ev.confidence = if ev.confidence >= 0.75 { 0.95 } else { 0.9 };
        ev.reason = format!("{}; values agree: {text}", ev.reason);
        return ev;
    }
    if let Some(v) = agreeing {
        ev.confidence = (ev.confidence.max(v.confidence) + 0.15).min(0.95);
        ev.reason = format!("{}; values agree: {}", ev.reason, v.finding);
        return ev;
    }
    match values.first() {
        Some(v) if v.hard_identifier => {
            let mut v = v.clone();
            v.confidence = (v.confidence - 0.1).max(0.5);
            v.reason = format!(
                "{}; this outweighs what the name says ({})",
                v.reason, ev.finding
            );
            v
        }
        // The name only said "probably harmless" (a category code, a flag): values decide.
        Some(v) if ev.role == ColumnRole::Insensitive => {
            let mut v = v.clone();
            v.reason = format!("{}; although {}", v.reason, ev.finding);
            v
        }
        Some(v) if v.confidence >= 0.6 => {
            ev.confidence = (ev.confidence - 0.15).max(0.4);
            ev.reason = format!("{}; but {}: review", ev.reason, v.finding);
            ev
        }
        _ => ev,
    }
}

fn fallback(f: &ColumnFacts<'_>, s: &Sample<'_>) -> Evidence {
    let qname = quoted_name(f.name);
    let (confidence, reason) = if f.non_null == 0 {
        (
            0.5,
            format!("column {qname} has no values and its name is not a known personal-data term"),
        )
    } else if f.ty == "string" && unique_ratio(f).is_some_and(|r| r >= 0.5) && !s.all_single {
        (
            0.4,
            format!(
                "no known personal-data term in column name {qname} and no recognised values, \
                 but many distinct texts: check the PII findings for free text"
            ),
        )
    } else if f.ty == "string" && is_unique(f) {
        (
            0.4,
            format!(
                "no known personal-data term in column name {qname}; {}, but the values are \
                 not code-like: check the PII findings for free text",
                unique_text(f)
            ),
        )
    } else {
        (
            0.55,
            format!(
                "no known personal-data term in column name {qname} and no recognised values \
                 (codes, names, identifiers)"
            ),
        )
    };
    Evidence {
        role: ColumnRole::Insensitive,
        category: String::new(),
        confidence,
        finding: reason.clone(),
        reason,
        hard_identifier: false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use arrow_cast::display::{ArrayFormatter, FormatOptions};
    use arrow_schema::DataType;
    use datalab_data::read::{ReadOptions, open_table};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    use ColumnRole::{
        Identifier as ID, Insensitive as INS, QuasiIdentifier as QI, Sensitive as SENS,
    };

    /// What a profiler would know about a column, computed exactly from a file.
    struct Col {
        name: String,
        ty: &'static str,
        rows: u64,
        non_null: u64,
        distinct: u64,
        top: Vec<(String, u64)>,
    }

    impl Col {
        fn facts(&self) -> ColumnFacts<'_> {
            ColumnFacts {
                name: &self.name,
                ty: self.ty,
                rows: self.rows,
                non_null: self.non_null,
                distinct: self.distinct,
                pii_entity: None,
                pii_share: 0.0,
                top_values: &self.top,
            }
        }
    }

    fn type_name(t: &DataType) -> &'static str {
        match t {
            DataType::Int64 => "integer",
            DataType::Float64 => "float",
            DataType::Boolean => "boolean",
            DataType::Date32 => "date",
            DataType::Timestamp(_, None) => "timestamp",
            DataType::Timestamp(_, Some(_)) => "timestamp_utc",
            _ => "string",
        }
    }

    fn columns_of(path: &Path) -> Vec<Col> {
        let (schema, batches) = open_table(path, &ReadOptions::default())
            .unwrap()
            .read_all()
            .unwrap();
        let opts = FormatOptions::default();
        let mut out = Vec::new();
        for (i, field) in schema.fields().iter().enumerate() {
            let mut counts: HashMap<String, u64> = HashMap::new();
            let (mut rows, mut non_null) = (0u64, 0u64);
            for b in &batches {
                let arr = b.column(i);
                let fmt = ArrayFormatter::try_new(arr.as_ref(), &opts).unwrap();
                for r in 0..arr.len() {
                    rows += 1;
                    if arr.is_null(r) {
                        continue;
                    }
                    non_null += 1;
                    *counts.entry(fmt.value(r).to_string()).or_default() += 1;
                }
            }
            let distinct = counts.len() as u64;
            let mut top: Vec<(String, u64)> = counts.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(20);
            out.push(Col {
                name: field.name().clone(),
                ty: type_name(field.data_type()),
                rows,
                non_null,
                distinct,
                top,
            });
        }
        out
    }

    fn demo_columns(rows: usize) -> Vec<Col> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("patients.csv");
        let file = std::fs::File::create(&p).unwrap();
        datalab_data::demo::write_patients_csv(
            std::io::BufWriter::new(file),
            rows,
            datalab_data::demo::DEMO_SEED,
        )
        .unwrap();
        columns_of(&p)
    }

    /// Facts with a name and a type only (no values known).
    fn named(name: &str, ty: &'static str) -> Col {
        Col {
            name: name.to_string(),
            ty,
            rows: 1000,
            non_null: 1000,
            distinct: 40,
            top: Vec::new(),
        }
    }

    fn with_values(name: &str, ty: &'static str, values: &[(&str, u64)]) -> Col {
        let non_null = values.iter().map(|(_, c)| c).sum();
        Col {
            name: name.to_string(),
            ty,
            rows: non_null,
            non_null,
            distinct: values.len() as u64,
            top: values.iter().map(|(v, c)| (v.to_string(), *c)).collect(),
        }
    }

    fn check_range(s: &RoleSuggestion) {
        assert_eq!(s.category.is_none(), s.role == INS, "{:?}", s);
        assert!(
            (0.0..=1.0).contains(&s.confidence),
            "confidence {} out of range: {}",
            s.confidence,
            s.reason
        );
        assert!(!s.reason.is_empty());
    }

    // --- name normalisation ------------------------------------------------------------------

    #[test]
    fn names_are_split_folded_and_lower_cased() {
        let cases: &[(&str, &[&str])] = &[
            ("dateOfBirth", &["date", "of", "birth"]),
            ("PatientID", &["patient", "id"]),
            ("IDNumber", &["id", "number"]),
            ("diagnosis_icd10", &["diagnosis", "icd", "10"]),
            ("Födelsedatum", &["fodelsedatum"]),
            ("FÖDELSEDATUM", &["fodelsedatum"]),
            ("Geb.-Datum", &["geb", "datum"]),
            ("Straße", &["strasse"]),
            ("ægteskabelig stilling", &["aegteskabelig", "stilling"]),
            (
                "Numéro de sécurité sociale",
                &["numero", "de", "securite", "sociale"],
            ),
            ("nom d'usage", &["nom", "d", "usage"]),
            // Decomposed accents (NFD) fold like composed ones.
            ("Fo\u{308}delsedatum", &["fodelsedatum"]),
            ("  __--..  ", &[]),
            ("", &[]),
        ];
        for (name, want) in cases {
            assert_eq!(normalize_name(name), *want, "{name}");
        }
        let long = "a_".repeat(10_000);
        assert_eq!(normalize_name(&long).len(), MAX_TOKENS);
    }

    // --- vocabulary ---------------------------------------------------------------------------

    #[test]
    fn no_term_names_two_concepts() {
        assert!(
            LEXICON.clashes.is_empty(),
            "clashing terms: {:?}",
            LEXICON.clashes
        );
    }

    #[test]
    fn every_language_has_a_vocabulary() {
        for (bit, lang) in LANGUAGE_NAMES.iter().take(6) {
            let n = CONCEPTS
                .iter()
                .flat_map(|c| c.terms)
                .filter(|(_, l)| l & bit != 0)
                .count();
            assert!(n >= 100, "{lang}: only {n} terms");
        }
        // Every concept of the issue's list is present.
        for cat in [
            "person_name",
            "national_id",
            "email",
            "phone",
            "bank_account",
            "address",
            "birth_date",
            "age",
            "sex",
            "postcode",
            "location",
            "nationality",
            "occupation",
            "education",
            "marital_status",
            "health",
            "ethnic_origin",
            "religion",
            "political_opinion",
            "trade_union",
            "sexual_orientation",
            "genetic",
            "biometric",
        ] {
            assert!(CONCEPTS.iter().any(|c| c.category == cat), "{cat}");
        }
    }

    #[test]
    fn medicine_list_is_large_and_matches_spellings() {
        assert!(MEDICINE_SET.len() >= 150, "{}", MEDICINE_SET.len());
        for v in [
            "metformin",
            "Metformine",
            "amlodipine 5 mg",
            "Amlodipin",
            "paracétamol",
            "sacubitril/valsartan",
            "insulin glargine",
            "acetylsalicylic acid",
            "Ibuprofène",
        ] {
            assert!(names_medicine(v), "{v}");
        }
        for v in ["NA", "water", "", "metro", "insulation panel"] {
            assert!(!names_medicine(v), "{v}");
        }
    }

    #[test]
    fn value_shapes() {
        for v in [
            "I10", "E11.9", "E119", "J18.9", "S72.001A", "F32.9*", "E11.90 G", "DE119", "U07.1",
        ] {
            assert!(is_icd10(v), "{v}");
        }
        for v in ["", "10", "I1", "E11.", "E11.12345", "hello", "11E", "e11.9"] {
            assert!(!is_icd10(v), "{v}");
        }
        for v in [
            "12345",
            "123 45",
            "1234 AB",
            "4000",
            "SW1A 1AA",
            "SE-123 45",
            "D-12345",
            "04109",
        ] {
            assert!(is_postcode(v), "{v}");
        }
        for v in ["", "ab", "1", "hello world", "12-34-56-78"] {
            assert!(!is_postcode(v), "{v}");
        }
        for v in [
            "2024-03-01",
            "01.03.2024",
            "01/03/2024",
            "20240301",
            "2024-03-01T10:00:00",
        ] {
            assert!(looks_like_date(v), "{v}");
        }
        for v in ["2024-13-01", "hello", "1234", "99999999", "01.03"] {
            assert!(!looks_like_date(v), "{v}");
        }
        for v in ["39", "0", "30-39", "[20,30[", ">=65", "80+"] {
            assert!(is_age(v), "{v}");
        }
        for v in ["130", "abc", "", "-5", "2024-01-01x"] {
            assert!(!is_age(v), "{v}");
        }
        for v in [
            "SE",
            "dk",
            "United-States",
            "Sverige",
            "Deutschland",
            "FRA",
            "Holand-Netherlands",
        ] {
            assert!(is_country(v), "{v}");
        }
        for v in ["QQ", "XYZ", "Atlantis", ""] {
            assert!(!is_country(v), "{v}");
        }
    }

    // --- the demo patients table --------------------------------------------------------------

    fn demo_expectations() -> Vec<(&'static str, ColumnRole, Option<&'static str>)> {
        vec![
            ("patient_id", ID, Some("record_id")),
            ("full_name", ID, Some("person_name")),
            ("national_id", ID, Some("national_id")),
            ("email", ID, Some("email")),
            ("phone", ID, Some("phone")),
            ("iban", ID, Some("bank_account")),
            ("birth_date", QI, Some("birth_date")),
            ("sex", QI, Some("sex")),
            ("postcode", QI, Some("postcode")),
            ("municipality", QI, Some("location")),
            ("country", QI, Some("country")),
            // Our call (docs/roles.md): admission and discharge dates are personal event
            // dates, quasi-identifiers as in HIPAA Safe Harbor.
            ("admission_date", QI, Some("event_date")),
            ("discharge_date", QI, Some("event_date")),
            ("diagnosis_icd10", SENS, Some("health")),
            ("medication", SENS, Some("health")),
            ("weight", INS, None),
        ]
    }

    #[test]
    fn every_demo_column_gets_its_role() {
        let cols = demo_columns(3000);
        let want = demo_expectations();
        assert_eq!(cols.len(), want.len());
        for (col, (name, role, category)) in cols.iter().zip(&want) {
            assert_eq!(col.name, *name);
            let s = suggest_role(&col.facts());
            check_range(&s);
            assert_eq!(s.role, *role, "{name}: {}", s.reason);
            assert_eq!(s.category.as_deref(), *category, "{name}: {}", s.reason);
        }
        // Where the values can confirm the name, they do, and confidence is high.
        for col in &cols {
            let s = suggest_role(&col.facts());
            let agreeing = [
                "full_name",
                "national_id",
                "email",
                "phone",
                "iban",
                "birth_date",
                "sex",
                "postcode",
                "country",
                "diagnosis_icd10",
                "medication",
            ];
            if agreeing.contains(&col.name.as_str()) {
                assert!(
                    s.confidence >= 0.9,
                    "{}: {} {}",
                    col.name,
                    s.confidence,
                    s.reason
                );
                assert!(
                    s.reason.contains("values agree"),
                    "{}: {}",
                    col.name,
                    s.reason
                );
            }
        }
        let by_name = |n: &str| {
            let col = cols.iter().find(|c| c.name == n).unwrap();
            suggest_role(&col.facts())
        };
        assert!(by_name("diagnosis_icd10").reason.contains("ICD-10 codes"));
        assert!(by_name("medication").reason.contains("name medicines"));
        assert!(by_name("patient_id").confidence >= 0.75);
        let weight = by_name("weight");
        assert!(weight.confidence <= 0.55, "{}", weight.confidence);
    }

    #[test]
    fn demo_columns_are_recognised_from_values_when_names_say_nothing() {
        let cols = demo_columns(3000);
        // What the PII scanner would report for the columns it recognises by value.
        let pii: HashMap<&str, (&str, f64)> = [
            ("full_name", ("person_name", 0.97)),
            ("phone", ("phone", 1.0)),
            ("birth_date", ("date_of_birth", 0.99)),
        ]
        .into_iter()
        .collect();
        for (i, (col, (name, role, _))) in cols.iter().zip(demo_expectations()).enumerate() {
            let anonymous = format!("c{i}");
            let mut f = col.facts();
            f.name = &anonymous;
            if let Some((entity, share)) = pii.get(name) {
                f.pii_entity = Some(entity);
                f.pii_share = *share;
            }
            let s = suggest_role(&f);
            check_range(&s);
            // Values cannot tell a postcode, a place or an event date from other columns:
            // those fall back to insensitive, with a low confidence.
            let want = match name {
                "postcode" | "municipality" | "country" | "admission_date" | "discharge_date" => {
                    INS
                }
                _ => role,
            };
            assert_eq!(s.role, want, "{name}: {}", s.reason);
            if want == INS {
                assert!(s.confidence <= 0.55, "{name}: {}", s.confidence);
            }
        }
    }

    #[test]
    fn pii_scan_results_agree_with_names() {
        let col = named("national_id", "string");
        let mut f = col.facts();
        let without = suggest_role(&f);
        f.pii_entity = Some("se_personnummer");
        f.pii_share = 0.99;
        let with = suggest_role(&f);
        assert_eq!(with.role, ID);
        assert!(with.confidence > without.confidence);
        assert!(with.reason.contains("se_personnummer"), "{}", with.reason);
    }

    // --- Adult census -------------------------------------------------------------------------

    fn adult_expectations() -> Vec<(&'static str, ColumnRole, &'static str)> {
        vec![
            ("sex", QI, "sex"),
            ("age", QI, "age"),
            // Racial or ethnic origin is a GDPR Art. 9 special category.
            ("race", SENS, "ethnic_origin"),
            ("marital-status", QI, "marital_status"),
            ("education", QI, "education"),
            ("native-country", QI, "nationality"),
            ("workclass", QI, "occupation"),
            ("occupation", QI, "occupation"),
            // Our call (docs/roles.md): income is the classic sensitive attribute, though
            // not an Art. 9 category.
            ("salary-class", SENS, "financial"),
        ]
    }

    #[test]
    fn adult_census_columns() {
        let cols = vec![
            with_values("sex", "string", &[("Male", 20380), ("Female", 9782)]),
            with_values(
                "age",
                "integer",
                &[
                    ("36", 852),
                    ("31", 851),
                    ("34", 850),
                    ("23", 813),
                    ("90", 35),
                    ("17", 329),
                ],
            ),
            with_values(
                "race",
                "string",
                &[
                    ("White", 25933),
                    ("Black", 2817),
                    ("Asian-Pac-Islander", 895),
                    ("Amer-Indian-Eskimo", 286),
                    ("Other", 231),
                ],
            ),
            with_values(
                "marital-status",
                "string",
                &[
                    ("Married-civ-spouse", 14065),
                    ("Never-married", 9726),
                    ("Divorced", 4214),
                    ("Separated", 939),
                    ("Widowed", 827),
                    ("Married-spouse-absent", 370),
                    ("Married-AF-spouse", 21),
                ],
            ),
            with_values(
                "education",
                "string",
                &[
                    ("HS-grad", 9840),
                    ("Some-college", 6678),
                    ("Bachelors", 5044),
                ],
            ),
            with_values(
                "native-country",
                "string",
                &[
                    ("United-States", 27504),
                    ("Mexico", 610),
                    ("Philippines", 188),
                    ("Germany", 128),
                    ("Puerto-Rico", 109),
                ],
            ),
            with_values(
                "workclass",
                "string",
                &[
                    ("Private", 22286),
                    ("Self-emp-not-inc", 2499),
                    ("Local-gov", 2067),
                ],
            ),
            with_values(
                "occupation",
                "string",
                &[
                    ("Prof-specialty", 4038),
                    ("Craft-repair", 4030),
                    ("Exec-managerial", 3992),
                ],
            ),
            with_values(
                "salary-class",
                "string",
                &[("<=50K", 22654), (">50K", 7508)],
            ),
        ];
        for (col, (name, role, category)) in cols.iter().zip(adult_expectations()) {
            let s = suggest_role(&col.facts());
            check_range(&s);
            assert_eq!(s.role, role, "{name}: {}", s.reason);
            assert_eq!(s.category.as_deref(), Some(category), "{name}");
        }
        for n in ["sex", "age", "race", "marital-status", "native-country"] {
            let col = cols.iter().find(|c| c.name == n).unwrap();
            let s = suggest_role(&col.facts());
            assert!(s.confidence >= 0.9, "{n}: {} {}", s.confidence, s.reason);
        }
    }

    #[test]
    fn adult_census_file() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/adult/adult.csv");
        if !p.exists() {
            eprintln!("shared data not present; skipping");
            return;
        }
        let cols = columns_of(&p);
        let want: HashMap<_, _> = adult_expectations()
            .into_iter()
            .map(|(n, r, c)| (n, (r, c)))
            .collect();
        assert_eq!(cols.len(), want.len());
        for col in &cols {
            let (role, category) = want[col.name.as_str()];
            let s = suggest_role(&col.facts());
            assert_eq!(s.role, role, "{}: {}", col.name, s.reason);
            assert_eq!(s.category.as_deref(), Some(category), "{}", col.name);
        }
    }

    // --- six languages ------------------------------------------------------------------------

    #[rustfmt::skip]
    const MULTILINGUAL: &[(&str, &str, ColumnRole, &str)] = &[
        // English
        ("en", "dateOfBirth", QI, "birth_date"),
        ("en", "ZIP", QI, "postcode"),
        ("en", "firstName", ID, "person_name"),
        ("en", "SSN", ID, "national_id"),
        ("en", "marital_status", QI, "marital_status"),
        ("en", "Religion", SENS, "religion"),
        ("en", "ethnicity", SENS, "ethnic_origin"),
        ("en", "Occupation", QI, "occupation"),
        ("en", "trade_union_member", SENS, "trade_union"),
        ("en", "sexual_orientation", SENS, "sexual_orientation"),
        ("en", "emailAddress", ID, "email"),
        ("en", "Diagnosis Code", SENS, "health"),
        ("en", "home_address", ID, "address"),
        ("en", "IP address", ID, "online_identifier"),
        ("en", "blood_type", SENS, "health"),
        ("en", "political_party", SENS, "political_opinion"),
        ("en", "patient_name", ID, "person_name"),
        ("en", "Nationality", QI, "nationality"),
        // Swedish
        ("sv", "Födelsedatum", QI, "birth_date"),
        ("sv", "Personnummer", ID, "national_id"),
        ("sv", "Kön", QI, "sex"),
        ("sv", "Postnummer", QI, "postcode"),
        ("sv", "Kommun", QI, "location"),
        ("sv", "Civilstånd", QI, "marital_status"),
        ("sv", "Efternamn", ID, "person_name"),
        ("sv", "Läkemedel", SENS, "health"),
        ("sv", "Huvuddiagnos", SENS, "health"),
        ("sv", "Yrke", QI, "occupation"),
        ("sv", "Utbildningsnivå", QI, "education"),
        ("sv", "Medborgarskap", QI, "nationality"),
        ("sv", "Fackförening", SENS, "trade_union"),
        ("sv", "Sexuell läggning", SENS, "sexual_orientation"),
        ("sv", "Religionstillhörighet", SENS, "religion"),
        ("sv", "Gatuadress", ID, "address"),
        ("sv", "Mobilnummer", ID, "phone"),
        ("sv", "Ålder", QI, "age"),
        // Danish
        ("da", "Fødselsdato", QI, "birth_date"),
        ("da", "CPR-nummer", ID, "national_id"),
        ("da", "Køn", QI, "sex"),
        ("da", "Postnr", QI, "postcode"),
        ("da", "Kommune", QI, "location"),
        ("da", "Civilstand", QI, "marital_status"),
        ("da", "Fornavn", ID, "person_name"),
        ("da", "Diagnosekode", SENS, "health"),
        ("da", "Medicin", SENS, "health"),
        ("da", "Stilling", QI, "occupation"),
        ("da", "Uddannelse", QI, "education"),
        ("da", "Etnicitet", SENS, "ethnic_origin"),
        ("da", "Fagforening", SENS, "trade_union"),
        ("da", "Statsborgerskab", QI, "nationality"),
        ("da", "Telefonnummer", ID, "phone"),
        ("da", "Alder", QI, "age"),
        // Dutch
        ("nl", "Geboortedatum", QI, "birth_date"),
        ("nl", "BSN", ID, "national_id"),
        ("nl", "Geslacht", QI, "sex"),
        ("nl", "Postcode", QI, "postcode"),
        ("nl", "Woonplaats", QI, "location"),
        ("nl", "Burgerlijke staat", QI, "marital_status"),
        ("nl", "burgerlijke_staat", QI, "marital_status"),
        ("nl", "Achternaam", ID, "person_name"),
        ("nl", "Voornaam", ID, "person_name"),
        ("nl", "Medicatie", SENS, "health"),
        ("nl", "Beroep", QI, "occupation"),
        ("nl", "Opleidingsniveau", QI, "education"),
        ("nl", "Nationaliteit", QI, "nationality"),
        ("nl", "Vakbondslid", SENS, "trade_union"),
        ("nl", "Religie", SENS, "religion"),
        ("nl", "Geloofsovertuiging", SENS, "religion"),
        ("nl", "E-mailadres", ID, "email"),
        ("nl", "Leeftijd", QI, "age"),
        // German
        ("de", "Geburtsdatum", QI, "birth_date"),
        ("de", "Geb.-Datum", QI, "birth_date"),
        ("de", "Postleitzahl", QI, "postcode"),
        ("de", "PLZ", QI, "postcode"),
        ("de", "Familienstand", QI, "marital_status"),
        ("de", "Staatsangehörigkeit", QI, "nationality"),
        ("de", "Vorname", ID, "person_name"),
        ("de", "Nachname", ID, "person_name"),
        ("de", "Geschlecht", QI, "sex"),
        ("de", "Hauptdiagnose", SENS, "health"),
        ("de", "Medikament", SENS, "health"),
        ("de", "Beruf", QI, "occupation"),
        ("de", "Religionszugehörigkeit", SENS, "religion"),
        ("de", "Gewerkschaftsmitglied", SENS, "trade_union"),
        ("de", "Krankenversichertennummer", ID, "national_id"),
        ("de", "E-Mail-Adresse", ID, "email"),
        ("de", "Straße", ID, "address"),
        ("de", "Wohnort", QI, "location"),
        ("de", "Einkommen", SENS, "financial"),
        ("de", "Kundenname", ID, "person_name"),
        // French
        ("fr", "Date de naissance", QI, "birth_date"),
        ("fr", "code_postal", QI, "postcode"),
        ("fr", "Sexe", QI, "sex"),
        ("fr", "Prénom", ID, "person_name"),
        ("fr", "Nom de famille", ID, "person_name"),
        ("fr", "nom_patient", ID, "person_name"),
        ("fr", "Numéro de sécurité sociale", ID, "national_id"),
        ("fr", "État civil", QI, "marital_status"),
        ("fr", "Nationalité", QI, "nationality"),
        ("fr", "Profession", QI, "occupation"),
        ("fr", "Diagnostic", SENS, "health"),
        ("fr", "Médicament", SENS, "health"),
        ("fr", "Origine ethnique", SENS, "ethnic_origin"),
        ("fr", "Syndicat", SENS, "trade_union"),
        ("fr", "Orientation sexuelle", SENS, "sexual_orientation"),
        ("fr", "Commune", QI, "location"),
        ("fr", "Adresse e-mail", ID, "email"),
        ("fr", "Téléphone", ID, "phone"),
        ("fr", "Lieu de naissance", QI, "birth_place"),
        ("fr", "Âge", QI, "age"),
    ];

    #[test]
    fn multilingual_column_names() {
        let mut per_lang: HashMap<&str, usize> = HashMap::new();
        for (lang, name, role, category) in MULTILINGUAL {
            *per_lang.entry(lang).or_default() += 1;
            let col = named(name, "string");
            let s = suggest_role(&col.facts());
            check_range(&s);
            assert_eq!(s.role, *role, "{lang} {name}: {}", s.reason);
            assert_eq!(
                s.category.as_deref(),
                Some(*category),
                "{lang} {name}: {}",
                s.reason
            );
            // Name only: a medium confidence.
            assert!(
                (0.6..=0.8).contains(&s.confidence),
                "{name}: {}",
                s.confidence
            );
        }
        for lang in ["en", "sv", "da", "nl", "de", "fr"] {
            assert!(per_lang[lang] >= 5, "{lang}");
        }
    }

    #[test]
    fn reasons_name_the_language() {
        let cases = [
            (
                "födelsedatum",
                "column name 'födelsedatum' means birth date (Swedish)",
            ),
            ("Fødselsdato", "means birth date (Danish)"),
            ("Geboortedatum", "means birth date (Dutch)"),
            ("Geburtsdatum", "means birth date (German)"),
            ("date_de_naissance", "means birth date (French)"),
            ("date_of_birth", "means birth date (English)"),
            ("civilstand", "(Swedish, Danish)"),
            ("diagnosis_icd10", "contains 'diagnosis'"),
        ];
        for (name, want) in cases {
            let s = suggest_role(&named(name, "string").facts());
            assert!(s.reason.contains(want), "{name}: {}", s.reason);
        }
    }

    #[test]
    fn keys_of_people_are_identifiers() {
        for name in [
            "PatientID",
            "Patiëntnummer",
            "Patientennummer",
            "kundnr",
            "customer_no",
            "member_id",
            "userid",
        ] {
            let mut col = named(name, "string");
            col.distinct = 1000;
            let s = suggest_role(&col.facts());
            assert_eq!(s.role, ID, "{name}: {}", s.reason);
            assert_eq!(s.category.as_deref(), Some("record_id"), "{name}");
            assert!(s.confidence >= 0.75, "{name}");
            // Repeated (a person with several rows) is still the person's key.
            col.distinct = 300;
            assert_eq!(suggest_role(&col.facts()).role, ID, "{name}");
        }
        let mut id = named("id", "integer");
        id.distinct = 1000;
        assert_eq!(suggest_role(&id.facts()).role, ID);
        // A key with few values is a category code.
        let mut type_id = named("type_id", "integer");
        type_id.distinct = 5;
        let s = suggest_role(&type_id.facts());
        assert_eq!(s.role, INS, "{}", s.reason);
    }

    #[test]
    fn event_dates_need_dates() {
        for name in [
            "Aufnahmedatum",
            "Entlassungsdatum",
            "Indlæggelsesdato",
            "Ontslagdatum",
            "date_de_deces",
            "admission_date",
            "diagnosis_date",
        ] {
            let s = suggest_role(&named(name, "date").facts());
            assert_eq!(s.role, QI, "{name}: {}", s.reason);
            assert_eq!(s.category.as_deref(), Some("event_date"), "{name}");
        }
        // A date word in the name is enough, even before the values are known.
        for name in [
            "Aufnahmedatum",
            "udskrivningsdato",
            "date_of_death",
            "visit_dt",
        ] {
            let s = suggest_role(&named(name, "string").facts());
            assert_eq!(
                s.category.as_deref(),
                Some("event_date"),
                "{name}: {}",
                s.reason
            );
        }
        // "admission" without dates is not an event date.
        let s = suggest_role(&named("admission_type", "string").facts());
        assert_eq!(s.role, INS, "{}", s.reason);
        // A date typed column whose name is just a date word stays insensitive.
        for name in ["created_at", "updated", "timestamp", "date"] {
            let s = suggest_role(&named(name, "timestamp").facts());
            assert_eq!(s.role, INS, "{name}: {}", s.reason);
        }
    }

    #[test]
    fn ordinary_columns_are_insensitive() {
        for name in [
            "company_name",
            "file_name",
            "product",
            "cell_type",
            "order_status",
            "valid",
            "weight",
            "height_cm",
            "price",
            "quantity",
            "Dateiname",
            "Firmenname",
            "job_id",
            "land_use",
            "nom_commune_x",
        ] {
            let s = suggest_role(&named(name, "string").facts());
            if name == "nom_commune_x" {
                // "commune" is a place.
                assert_eq!(s.role, QI, "{name}: {}", s.reason);
                continue;
            }
            assert_eq!(s.role, INS, "{name}: {}", s.reason);
            assert!(s.category.is_none());
            assert!(s.confidence <= 0.55);
        }
        // "drug_name": the name of a drug, health data.
        assert_eq!(
            suggest_role(&named("drug_name", "string").facts()).role,
            SENS
        );
    }

    // --- values -------------------------------------------------------------------------------

    #[test]
    fn icd10_values_make_a_column_sensitive_whatever_its_name() {
        let col = with_values(
            "col_7",
            "string",
            &[
                ("I10", 120),
                ("E11.9", 100),
                ("J18.9", 60),
                ("J45.9", 50),
                ("N39.0", 50),
                ("zzz", 10),
            ],
        );
        let s = suggest_role(&col.facts());
        assert_eq!(s.role, SENS, "{}", s.reason);
        assert_eq!(s.category.as_deref(), Some("health"));
        assert!(
            s.reason
                .starts_with("97% of the most frequent values look like ICD-10 codes"),
            "{}",
            s.reason
        );
        assert!((0.6..0.9).contains(&s.confidence));
    }

    #[test]
    fn medicine_values_make_a_column_sensitive() {
        let col = with_values(
            "x1",
            "string",
            &[
                ("metformin", 40),
                ("Amlodipin 5 mg", 30),
                ("paracétamol", 20),
                ("unknown", 5),
            ],
        );
        let s = suggest_role(&col.facts());
        assert_eq!(s.role, SENS, "{}", s.reason);
        assert!(s.reason.contains("name medicines"));
    }

    #[test]
    fn sex_values_in_six_languages() {
        let sets: &[&[(&str, u64)]] = &[
            &[("F", 50), ("M", 48)],
            &[("female", 50), ("male", 48), ("unknown", 2)],
            &[("kvinna", 50), ("man", 48)],
            &[("kvinde", 50), ("mand", 48)],
            &[("vrouw", 50), ("man", 48)],
            &[("Frau", 50), ("Mann", 48), ("divers", 1)],
            &[("femme", 50), ("homme", 48)],
            &[("V", 50), ("M", 48)],
            &[("W", 50), ("M", 48)],
        ];
        for set in sets {
            let col = with_values("c3", "string", set);
            let s = suggest_role(&col.facts());
            assert_eq!(s.role, QI, "{set:?}: {}", s.reason);
            assert_eq!(s.category.as_deref(), Some("sex"));
        }
        // Sizes and units are not sexes.
        for set in [
            &[("S", 5), ("M", 5), ("L", 5)][..],
            &[("h", 5), ("m", 5)][..],
            &[("M", 9)][..],
        ] {
            let col = with_values("c4", "string", set);
            assert_eq!(suggest_role(&col.facts()).role, INS, "{set:?}");
        }
    }

    #[test]
    fn race_values_but_not_colours() {
        let col = with_values(
            "c5",
            "string",
            &[("White", 80), ("Black", 10), ("Asian", 5), ("Hispanic", 5)],
        );
        assert_eq!(suggest_role(&col.facts()).role, SENS);
        let colours = with_values(
            "colour",
            "string",
            &[("White", 80), ("Black", 10), ("Red", 10)],
        );
        assert_eq!(suggest_role(&colours.facts()).role, INS);
    }

    #[test]
    fn check_digits_identify_without_a_name() {
        let ibans = [
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "NL91ABNA0417164300",
            "SE4550000000058398257466",
            "DK5000400440116243",
            "FR1420041010050500013M02606",
            "BE68539007547034",
            "FI2112345600000785",
        ];
        for i in ibans {
            assert!(identifiers::is_valid_iban(i), "{i}");
        }
        let values: Vec<(&str, u64)> = ibans.iter().map(|i| (*i, 1)).collect();
        let mut col = with_values("value", "string", &values);
        col.non_null = 5000;
        col.rows = 5000;
        col.distinct = 5000;
        let s = suggest_role(&col.facts());
        assert_eq!(s.role, ID, "{}", s.reason);
        assert_eq!(s.category.as_deref(), Some("bank_account"));
        assert!(s.reason.contains("8 sampled values"), "{}", s.reason);

        // One wrong digit each: look-alikes are not identifiers by check digit.
        let wrong: Vec<String> = ibans
            .iter()
            .map(|i| {
                let mut b = i.as_bytes().to_vec();
                let last = b.len() - 1;
                b[last] = if b[last] == b'0' { b'1' } else { b'0' };
                String::from_utf8(b).unwrap()
            })
            .collect();
        let values: Vec<(&str, u64)> = wrong.iter().map(|i| (i.as_str(), 1)).collect();
        let mut col = with_values("value", "string", &values);
        col.distinct = 8;
        col.non_null = 80;
        let s = suggest_role(&col.facts());
        assert_ne!(s.category.as_deref(), Some("bank_account"), "{}", s.reason);
    }

    #[test]
    fn unique_codes_are_keys() {
        let values: Vec<(String, u64)> = (1..=20).map(|i| (format!("P{i:07}"), 1)).collect();
        let col = Col {
            name: "ref".into(),
            ty: "string",
            rows: 5000,
            non_null: 5000,
            distinct: 4990,
            top: values,
        };
        let s = suggest_role(&col.facts());
        assert_eq!(s.role, ID, "{}", s.reason);
        assert!((0.5..0.7).contains(&s.confidence));
        // Unique free text is not a key; it stays insensitive but says to look at the PII scan.
        let text: Vec<(String, u64)> = (1..=20)
            .map(|i| (format!("the patient said thing {i}"), 1))
            .collect();
        let col = Col {
            name: "remarks".into(),
            top: text,
            ..col
        };
        let s = suggest_role(&col.facts());
        assert_eq!(s.role, INS, "{}", s.reason);
        assert!(s.reason.contains("PII"), "{}", s.reason);
    }

    #[test]
    fn name_wins_over_soft_value_evidence_but_says_so() {
        // London postcode districts look like ICD-10 codes.
        let col = with_values(
            "postcode",
            "string",
            &[("E11", 30), ("N18", 20), ("E17", 20), ("W10", 10)],
        );
        let s = suggest_role(&col.facts());
        assert_eq!(s.role, QI, "{}", s.reason);
        assert!(
            s.reason.contains("ICD-10") && s.reason.contains("review"),
            "{}",
            s.reason
        );
        assert!(s.confidence < 0.75);
    }

    #[test]
    fn values_decide_when_the_name_only_says_harmless() {
        let col = with_values(
            "type_id",
            "string",
            &[("I10", 30), ("E11.9", 20), ("J18.9", 20), ("N39.0", 10)],
        );
        let s = suggest_role(&col.facts());
        assert_eq!(s.role, SENS, "{}", s.reason);
        assert!(
            s.reason.contains("although column name 'type_id'"),
            "{}",
            s.reason
        );
    }

    #[test]
    fn hard_identifier_evidence_wins_over_the_name() {
        let col = named("birth_date", "string");
        let mut f = col.facts();
        f.pii_entity = Some("se_personnummer");
        f.pii_share = 0.98;
        let s = suggest_role(&f);
        assert_eq!(s.role, ID, "{}", s.reason);
        assert!(s.reason.contains("outweighs"), "{}", s.reason);
    }

    #[test]
    fn confidence_orders_the_evidence() {
        let both = suggest_role(&with_values("sex", "string", &[("F", 5), ("M", 5)]).facts());
        let name_only = suggest_role(&named("sex", "string").facts());
        let values_only = suggest_role(&with_values("c", "string", &[("F", 5), ("M", 5)]).facts());
        let partial = suggest_role(&named("sex_of_respondent_x", "string").facts());
        let fallback = suggest_role(&named("widget", "string").facts());
        assert!(both.confidence > name_only.confidence);
        assert!(both.confidence > values_only.confidence);
        assert!(name_only.confidence > partial.confidence);
        assert!(partial.confidence > fallback.confidence);
        assert!(both.confidence >= 0.9 && fallback.confidence <= 0.55);
    }

    #[test]
    fn suggestion_serialises_with_snake_case_role() {
        let s = suggest_role(&named("birth_date", "date").facts());
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["role"], "quasi_identifier");
        assert_eq!(v["category"], "birth_date");
        assert!(v["confidence"].as_f64().unwrap() > 0.0);
    }

    // --- bad input ----------------------------------------------------------------------------

    #[test]
    fn bad_input_never_panics() {
        let huge = "x".repeat(1_000_000);
        let junk = "\u{0}\u{1}\u{fffd}\u{202e}\u{7f}é\u{308}";
        let values = vec![
            (huge.clone(), u64::MAX),
            (junk.to_string(), u64::MAX),
            (String::new(), 0),
            ("E11.9".to_string(), 3),
        ];
        let names = [
            String::new(),
            huge.clone(),
            junk.to_string(),
            "🙂🙂".into(),
            "ID".repeat(5000),
        ];
        for name in &names {
            for ty in [
                "string",
                "integer",
                "float",
                "boolean",
                "date",
                "timestamp",
                "timestamp_utc",
                "weird",
            ] {
                for (non_null, distinct) in [(0u64, 0u64), (10, 50), (u64::MAX, u64::MAX), (1, 0)] {
                    for (entity, share) in [
                        (None, 0.0),
                        (Some("email"), f64::NAN),
                        (Some(""), -3.0),
                        (Some(junk), 7.0),
                    ] {
                        let f = ColumnFacts {
                            name,
                            ty,
                            rows: non_null,
                            non_null,
                            distinct,
                            pii_entity: entity,
                            pii_share: share,
                            top_values: &values,
                        };
                        let s = suggest_role(&f);
                        check_range(&s);
                        assert!(s.reason.len() < 2000, "{}", s.reason.len());
                    }
                }
            }
        }
        // An all-null column named like nothing known.
        let f = ColumnFacts {
            name: "empty",
            ty: "string",
            rows: 100,
            non_null: 0,
            distinct: 0,
            pii_entity: None,
            pii_share: 0.0,
            top_values: &[],
        };
        let s = suggest_role(&f);
        assert_eq!(s.role, INS);
        assert!(s.reason.contains("no values"));
    }

    #[test]
    fn random_names_and_values_never_panic() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let alphabet: Vec<char> = "aeiouxyzbcdnmrstlpéøåäöüßæ_- .IDNr0123456789@+/\u{0}\u{308}🙂"
            .chars()
            .collect();
        let word = |rng: &mut ChaCha8Rng| -> String {
            let n = rng.random_range(0..24);
            (0..n)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect()
        };
        for _ in 0..3000 {
            let name = word(&mut rng);
            let values: Vec<(String, u64)> = (0..rng.random_range(0..25))
                .map(|_| (word(&mut rng), rng.random_range(0..1000)))
                .collect();
            let non_null = rng.random_range(0..10_000);
            let f = ColumnFacts {
                name: &name,
                ty: ["string", "integer", "date"][rng.random_range(0..3)],
                rows: non_null,
                non_null,
                distinct: rng.random_range(0..12_000),
                pii_entity: None,
                pii_share: 0.0,
                top_values: &values,
            };
            check_range(&suggest_role(&f));
        }
    }

    #[test]
    fn ambiguous_terms_are_settled_by_values() {
        let lon = with_values("lon", "float", &[("12.57", 3), ("18.06", 2), ("4.90", 2)]);
        let s = suggest_role(&lon.facts());
        assert_eq!(s.category.as_deref(), Some("geolocation"), "{}", s.reason);
        assert!(s.confidence >= 0.9);
        let lon = with_values(
            "Lön",
            "integer",
            &[("32000", 3), ("45500", 2), ("28900", 2)],
        );
        let s = suggest_role(&lon.facts());
        assert_eq!(s.role, SENS, "{}", s.reason);
        assert_eq!(s.category.as_deref(), Some("financial"), "{}", s.reason);
    }

    #[test]
    fn flags_and_dates_about_identifiers_are_not_identifiers() {
        let s = suggest_role(&named("email_verified", "boolean").facts());
        assert_eq!(s.role, INS, "{}", s.reason);
        let s = suggest_role(&named("login_time", "timestamp").facts());
        assert_eq!(
            (s.role, s.category.as_deref()),
            (QI, Some("event_date")),
            "{}",
            s.reason
        );
        let s = suggest_role(&named("login_time", "string").facts());
        assert_eq!(
            (s.role, s.category.as_deref()),
            (QI, Some("event_date")),
            "{}",
            s.reason
        );
        // A flag about health is still health data.
        let s = suggest_role(&named("hiv_positive", "boolean").facts());
        assert_eq!(s.role, SENS, "{}", s.reason);
    }

    #[test]
    fn more_specific_terms_win() {
        let cases = [
            ("birth_weight", SENS, "health"),
            ("cause_of_death", SENS, "health"),
            ("email_address", ID, "email"),
            ("ip_address", ID, "online_identifier"),
            ("Geburtsort", QI, "birth_place"),
            ("Geburtsland", QI, "nationality"),
            ("username", ID, "online_identifier"),
            ("medical_record_number", ID, "record_id"),
            ("Code INSEE", QI, "location"),
            ("Numéro INSEE", ID, "national_id"),
            ("Einkommensklasse", SENS, "financial"),
            ("Partei", SENS, "political_opinion"),
            ("Motif d'admission", SENS, "health"),
        ];
        for (name, role, category) in cases {
            let s = suggest_role(&named(name, "string").facts());
            assert_eq!(
                (s.role, s.category.as_deref()),
                (role, Some(category)),
                "{name}: {}",
                s.reason
            );
        }
        // Qualifiers such as "code" keep a name whole.
        let s = suggest_role(&named("sex_code", "string").facts());
        assert!(s.reason.contains("means sex"), "{}", s.reason);
    }

    #[test]
    fn every_scanner_entity_has_a_role() {
        let cases = [
            ("email", ID, "email"),
            ("phone", ID, "phone"),
            ("iban", ID, "bank_account"),
            ("payment_card", ID, "bank_account"),
            ("se_personnummer", ID, "national_id"),
            ("se_samordningsnummer", ID, "national_id"),
            ("dk_cpr", ID, "national_id"),
            ("nl_bsn", ID, "national_id"),
            ("no_fodselsnummer", ID, "national_id"),
            ("fi_hetu", ID, "national_id"),
            ("de_tax_id", ID, "national_id"),
            ("de_rvnr", ID, "national_id"),
            ("fr_nir", ID, "national_id"),
            ("be_national_number", ID, "national_id"),
            ("es_dni", ID, "national_id"),
            ("es_nie", ID, "national_id"),
            ("it_codice_fiscale", ID, "national_id"),
            ("pl_pesel", ID, "national_id"),
            ("eu_vat", ID, "vat_number"),
            ("ipv4", ID, "online_identifier"),
            ("ipv6", ID, "online_identifier"),
            ("mac_address", ID, "online_identifier"),
            ("date_of_birth", QI, "birth_date"),
            ("person_name", ID, "person_name"),
        ];
        let col = named("c9", "string");
        for (entity, role, category) in cases {
            let mut f = col.facts();
            f.pii_entity = Some(entity);
            f.pii_share = 0.95;
            let s = suggest_role(&f);
            assert_eq!(
                (s.role, s.category.as_deref()),
                (role, Some(category)),
                "{entity}"
            );
            assert!(s.confidence >= 0.85, "{entity}: {}", s.confidence);
        }
        // A URL column is not a person's identifier by itself.
        let mut f = col.facts();
        f.pii_entity = Some("url");
        f.pii_share = 1.0;
        assert_eq!(suggest_role(&f).role, INS);
    }
}
