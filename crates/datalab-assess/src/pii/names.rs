//! Person names by shape, common given names, and what column names say (EN, SV, DA, NL,
//! DE, FR and a few more).

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

use super::entity::Entity;

/// Common given names of the EU/EEA countries the project serves (lower case). A hit on the
/// first word of a name-shaped value raises confidence; it is not required.
#[rustfmt::skip]
const GIVEN_NAMES: &[&str] = &[
    // Swedish
    "anna", "eva", "maria", "karin", "kristina", "lena", "sara", "emma", "kerstin", "ingrid",
    "marie", "malin", "jenny", "hanna", "linnéa", "linnea", "elsa", "alice", "maja", "ebba",
    "wilma", "astrid", "elin", "ida", "johanna", "sofia", "birgitta", "margareta", "ulla",
    "annika", "helena", "cecilia", "louise", "frida", "agnes", "klara", "matilda", "åsa", "linda",
    "camilla", "therese", "jessica", "josefin", "julia", "ellen", "saga", "stina", "britt",
    "inger", "gunilla", "monica", "elisabeth", "christina", "lars", "mikael", "anders", "johan",
    "per", "erik", "karl", "peter", "jan", "thomas", "daniel", "fredrik", "hans", "bengt", "mats",
    "magnus", "stefan", "andreas", "marcus", "oskar", "william", "liam", "hugo", "lucas", "elias",
    "axel", "nils", "gustav", "olof", "sven", "björn", "göran", "leo", "viktor", "alexander",
    "emil", "ulf", "leif", "gunnar", "ove", "kjell", "rolf", "åke", "lennart", "jonas", "henrik",
    "martin", "mattias", "niklas", "patrik", "tobias", "sebastian", "simon", "filip", "isak",
    "noah", "adam", "theo", "vincent", "ludvig", "albin", "arvid", "edvin", "melvin", "harry",
    "olle", "linnéa", "tove",
    // Danish and Norwegian
    "anne", "kirsten", "mette", "hanne", "helle", "susanne", "lene", "marianne", "lone", "pia",
    "inge", "charlotte", "bente", "tina", "karen", "gitte", "freja", "clara", "sofie", "laura",
    "mathilde", "karla", "alma", "signe", "josefine", "jens", "michael", "søren", "niels",
    "christian", "morten", "jesper", "rasmus", "mads", "jørgen", "ole", "kim", "frederik",
    "mikkel", "oscar", "carl", "victor", "malthe", "aksel", "kasper", "poul", "bjarne", "torben",
    "henning", "flemming", "steen", "birthe", "jytte", "lise", "dorthe", "merete", "rikke", "line",
    "emilie", "nanna", "ola", "kari", "nora", "jakob", "sindre", "eirik", "øyvind", "knut", "arne",
    "tor", "terje", "geir", "bjørn", "kjetil", "trond", "espen", "håkon", "marit", "solveig",
    "randi", "siri", "ingeborg", "sigrid", "magnhild",
    // Finnish
    "juha", "timo", "matti", "mikko", "antti", "jari", "jukka", "markku", "pekka", "heikki",
    "ville", "tuomas", "janne", "sami", "eero", "aino", "helmi", "tuula", "anneli", "päivi",
    "leena", "riitta", "sanna", "minna", "tiina", "satu", "liisa", "hannele", "marjatta", "eino",
    "onni", "väinö", "aleksi", "juho", "elina", "kaisa", "oona", "venla", "ilona",
    // Dutch and Flemish
    "johannes", "cornelis", "hendrik", "pieter", "willem", "gerrit", "jacob", "dirk", "daan",
    "sem", "levi", "finn", "bram", "thijs", "ruben", "stijn", "jesse", "tim", "bas", "maarten",
    "sander", "joost", "wouter", "kees", "henk", "anja", "marieke", "sanne", "femke", "lotte",
    "fleur", "lieke", "anouk", "iris", "tess", "sophie", "saar", "mila", "noor", "wilhelmina",
    "cornelia", "jeroen", "koen", "bart", "wim", "joris", "lieve", "els", "an", "griet", "jef",
    "wout", "arne", "lotte", "ine", "nele",
    // German
    "wolfgang", "klaus", "jürgen", "juergen", "günter", "guenter", "uwe", "werner", "horst",
    "frank", "dieter", "manfred", "bernd", "matthias", "markus", "florian", "lukas", "maximilian",
    "paul", "felix", "leon", "ben", "luca", "ursula", "monika", "petra", "sabine", "renate",
    "helga", "brigitte", "gisela", "andrea", "claudia", "stefanie", "nicole", "katharina", "lea",
    "hannah", "mia", "emilia", "sophia", "jörg", "joerg", "heinz", "helmut", "gerhard", "walter",
    "kurt", "fritz", "heike", "birgit", "silke", "anke", "jutta", "dagmar", "gabriele", "tanja",
    "kerstin", "lina", "marlene", "greta",
    // French
    "jean", "pierre", "michel", "andré", "andre", "philippe", "alain", "jacques", "bernard",
    "louis", "nicolas", "christophe", "patrick", "françois", "francois", "laurent", "éric", "eric",
    "stéphane", "stephane", "david", "olivier", "julien", "antoine", "gabriel", "arthur",
    "raphaël", "raphael", "jules", "léo", "jeanne", "françoise", "francoise", "monique",
    "catherine", "nathalie", "isabelle", "sylvie", "martine", "christine", "valérie", "valerie",
    "sandrine", "céline", "celine", "camille", "léa", "chloé", "chloe", "manon", "inès", "ines",
    "jade", "lina", "élise", "elise", "juliette", "margaux", "sébastien", "guillaume", "mathieu",
    "maxime", "romain", "vincent", "yves", "gérard", "gerard", "denise", "nicole", "chantal",
    "brigitte", "amélie", "amelie", "hélène", "helene", "aurélie",
    // Spanish, Italian, Polish
    "josé", "jose", "antonio", "manuel", "francisco", "juan", "javier", "carlos", "jesús",
    "alejandro", "miguel", "rafael", "pablo", "sergio", "jorge", "luis", "fernando", "alberto",
    "álvaro", "alvaro", "diego", "maría", "carmen", "ana", "isabel", "dolores", "pilar", "teresa",
    "rosa", "lucía", "lucia", "marta", "cristina", "paula", "elena", "raquel", "giuseppe",
    "giovanni", "mario", "luigi", "francesco", "angelo", "vincenzo", "pietro", "salvatore",
    "carlo", "franco", "domenico", "bruno", "paolo", "michele", "giorgio", "aldo", "marco",
    "matteo", "lorenzo", "alessandro", "leonardo", "riccardo", "tommaso", "giuseppina", "angela",
    "giovanna", "carmela", "caterina", "francesca", "chiara", "giulia", "aurora", "ginevra",
    "alessia", "federica", "valentina", "piotr", "krzysztof", "andrzej", "tomasz", "paweł",
    "pawel", "michał", "michal", "marcin", "jakub", "łukasz", "lukasz", "marek", "grzegorz",
    "józef", "jozef", "kazimierz", "stanisław", "stanislaw", "katarzyna", "małgorzata",
    "malgorzata", "agnieszka", "barbara", "ewa", "krystyna", "elżbieta", "elzbieta", "magdalena",
    "joanna", "zofia", "wojciech", "dorota",
    // English
    "james", "john", "robert", "william", "richard", "joseph", "charles", "christopher", "matthew",
    "anthony", "mark", "steven", "andrew", "joshua", "kevin", "brian", "george", "timothy",
    "ronald", "edward", "jason", "jeffrey", "ryan", "gary", "oliver", "jack", "charlie", "mary",
    "patricia", "jennifer", "elizabeth", "susan", "sarah", "lisa", "nancy", "betty", "margaret",
    "sandra", "ashley", "emily", "donna", "michelle", "carol", "amanda", "melissa", "deborah",
    "stephanie", "rebecca", "sharon", "olivia", "amelia", "isla", "ava", "grace", "jane", "alan",
    "ian", "neil", "sean", "patrick", "emma", "chris", "tom", "sam",
];

static GIVEN: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| GIVEN_NAMES.iter().copied().collect());

/// Whether `word` (any case) is a common given name.
pub(crate) fn is_given_name(word: &str) -> bool {
    if word.len() > 24 {
        return false;
    }
    if word.bytes().all(|b| b.is_ascii_lowercase()) {
        return GIVEN.contains(word);
    }
    GIVEN.contains(word.to_lowercase().as_str())
}

/// Lower-case name particles (`van der Berg`, `von Müller`, `de la Cruz`, `af Klint`).
#[rustfmt::skip]
const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "du", "des", "la", "le", "di", "da", "dos", "das", "del",
    "della", "af", "zu", "ten", "ter", "op", "het", "'t", "y", "e", "av",
];

/// One capitalised name word: `Anna`, `Müller`, `O'Brien`, `McDonald`, `Anna-Karin`,
/// `Smith-Jones`; all capitals (`SVENSSON`) when `caps` is allowed. Letters only otherwise.
fn is_name_word(w: &str, caps: bool) -> bool {
    if w.len() > 40 {
        return false;
    }
    w.split('-').all(|part| {
        let mut chars = part.chars();
        let Some(first) = chars.next() else {
            return false;
        };
        if !first.is_uppercase() {
            return false;
        }
        let mut len = 1;
        let mut inner_upper = 0;
        let mut prev = first;
        for c in chars {
            len += 1;
            if c == '\'' || c == '’' {
                if prev == '\'' || prev == '’' {
                    return false;
                }
            } else if c.is_lowercase() {
            } else if c.is_uppercase() {
                inner_upper += 1;
            } else {
                return false;
            }
            prev = c;
        }
        let all_caps = inner_upper + 1 == len;
        len >= 2 && prev != '\'' && (inner_upper <= 1 || (caps && all_caps))
    })
}

/// An initial such as `J.` inside a name.
fn is_initial(w: &str) -> bool {
    let mut c = w.chars();
    matches!((c.next(), c.next(), c.next()), (Some(a), Some('.'), None) if a.is_uppercase())
}

/// The shape of a value that reads as a person's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NameShape {
    /// Capitalised words (particles and initials not counted).
    pub words: usize,
    /// The first given-name position holds a common given name.
    pub given_name: bool,
}

/// 1–4 capitalised words with optional particles and initials (`Anna Svensson`,
/// `Jan van der Berg`, `John F. Kennedy`, `Svensson, Anna`, `SVENSSON ANNA`).
pub(crate) fn name_shape(s: &str) -> Option<NameShape> {
    if s.len() > 80 || s.is_empty() {
        return None;
    }
    let (first, second) = match s.split_once(", ") {
        Some((surname, given)) => (given, Some(surname)),
        None => (s, None),
    };
    let caps = !s.chars().any(char::is_lowercase);
    let mut words = 0;
    let mut tokens = 0;
    let mut given_name = false;
    let mut last_was_word = false;
    for part in std::iter::once(first).chain(second) {
        let mut part_words = 0;
        let n = part.split(' ').count();
        for (i, t) in part.split(' ').enumerate() {
            tokens += 1;
            if tokens > 7 {
                return None;
            }
            if is_name_word(t, caps) {
                if words == 0 {
                    given_name = is_given_name(t.split('-').next().unwrap_or(t));
                }
                words += 1;
                part_words += 1;
                last_was_word = true;
            } else if (PARTICLES.contains(&t) && i + 1 < n && !caps) || (is_initial(t) && i > 0) {
                last_was_word = false;
            } else {
                return None;
            }
        }
        if part_words == 0 {
            return None;
        }
    }
    // A single word in capitals is more often a code (`SE`, `NA`) than a name.
    let enough = (1..=4).contains(&words) && !(caps && words == 1);
    (last_was_word && enough).then_some(NameShape { words, given_name })
}

// ---------------------------------------------------------------------------------------------
// Column names
// ---------------------------------------------------------------------------------------------

/// What a column name suggests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameHint {
    Entity(Entity),
    /// A national person number of some country (`national_id`, `ssn`, `personal_number`).
    NationalId,
    /// An IP address, v4 or v6.
    Ip,
}

/// The column name folded to ASCII lower case and split into words (at non-alphanumerics
/// and camelCase boundaries).
pub(crate) struct ColumnWords {
    pub tokens: Vec<String>,
    /// All tokens joined: `Geburtsdatum`, `birth_date` and `BirthDate` all give one word.
    pub joined: String,
}

fn fold_char(c: char, out: &mut String) {
    match c {
        'å' | 'ä' | 'á' | 'à' | 'â' | 'ã' | 'Å' | 'Ä' | 'Á' | 'À' | 'Â' => out.push('a'),
        'ö' | 'ø' | 'ó' | 'ò' | 'ô' | 'õ' | 'Ö' | 'Ø' | 'Ó' | 'Ò' | 'Ô' => out.push('o'),
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => out.push('e'),
        'ü' | 'ú' | 'ù' | 'û' | 'Ü' | 'Ú' | 'Ù' | 'Û' => out.push('u'),
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Î' | 'Ï' => out.push('i'),
        'æ' | 'Æ' => out.push_str("ae"),
        'ß' => out.push_str("ss"),
        'ç' | 'Ç' => out.push('c'),
        'ñ' | 'Ñ' => out.push('n'),
        'ł' | 'Ł' => out.push('l'),
        c => out.extend(c.to_lowercase()),
    }
}

pub(crate) fn column_words(name: &str) -> ColumnWords {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars().take(128) {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            prev = None;
            continue;
        }
        // camelCase: a capital after a lower-case letter starts a word.
        if c.is_uppercase() && prev.is_some_and(char::is_lowercase) && !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
        fold_char(c, &mut cur);
        prev = Some(c);
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let joined = tokens.concat();
    ColumnWords { tokens, joined }
}

impl ColumnWords {
    fn has_token(&self, words: &[&str]) -> bool {
        self.tokens.iter().any(|t| words.contains(&t.as_str()))
    }

    fn joined_contains(&self, parts: &[&str]) -> bool {
        parts.iter().any(|p| self.joined.contains(p))
    }
}

/// Words that turn "name" into something else than a person's name (`file_name`,
/// `company_name`, `drug_name`, `municipality_name`, `username`).
#[rustfmt::skip]
const NOT_PERSON: &[&str] = &[
    "user", "file", "host", "domain", "company", "firm", "org", "organisation", "organization",
    "business", "product", "brand", "drug", "medication", "medicine", "street", "road", "city",
    "town", "municipality", "kommune", "kommun", "gemeente", "gemeinde", "commune", "country",
    "land", "region", "county", "state", "place", "hospital", "clinic", "department", "dept",
    "table", "column", "field", "class", "type", "category", "group", "project", "item", "device",
    "app", "server", "bank", "account", "screen", "nick", "tag", "label", "key", "event", "unit",
    "school", "shop", "store", "vendor", "supplier", "employer", "diagnosis", "test", "species",
    "gene", "variable", "var", "method", "service", "path", "image", "queue", "job", "role",
    "team", "site", "location", "venue", "ward", "display", "short", "code", "ort", "stad", "by",
    "stadt", "ville", "plaats", "lieu", "sted", "plats", "pays", "firma", "bedrijf", "entreprise",
    "societe", "produkt", "produit", "artikel", "article", "skola", "schule", "ecole", "school",
    "straat", "strasse", "rue", "gata", "gade", "vej",
];

/// Words that, next to "birth", make it something else than the date (birth place, birth
/// weight, birth name, birth country).
#[rustfmt::skip]
const NOT_BIRTH_DATE: &[&str] = &[
    "place", "country", "city", "land", "ort", "sted", "plats", "plaats", "lieu", "weight",
    "gewicht", "vikt", "poids", "vaegt", "vekt", "name", "naam", "navn", "namn", "nom", "order",
    "rank", "location", "town", "county", "pays", "length", "lengte", "laenge",
];

#[rustfmt::skip]
const PERSON_NAME_TOKENS: &[&str] = &[
    "name", "names", "fullname", "firstname", "lastname", "surname", "surnames", "givenname",
    "familyname", "forename", "forenames", "middlename", "maidenname", "namn", "fornamn",
    "efternamn", "tilltalsnamn", "mellannamn", "navn", "fornavn", "efternavn", "mellemnavn",
    "naam", "voornaam", "achternaam", "familienaam", "tussenvoegsel", "vorname", "nachname",
    "familienname", "geburtsname", "nom", "prenom", "prenoms", "patronyme", "nombre", "apellido",
    "apellidos", "nome", "cognome", "imie", "nazwisko", "sukunimi", "etunimi",
];

/// What the column name says, if anything. Specific identifiers are tried before names and
/// dates, so `birth_name` is a name and `fodselsnummer` a Norwegian ID, not a birth date.
pub(crate) fn name_hint(column: &str) -> Option<NameHint> {
    use Entity::*;
    let w = column_words(column);
    if w.joined.is_empty() {
        return None;
    }
    let e = |x: Entity| Some(NameHint::Entity(x));
    if w.joined_contains(&["email", "epost", "courriel", "emailadres", "mailadres"])
        || w.has_token(&["mail", "mails", "epost"])
    {
        return e(Email);
    }
    if w.joined_contains(&[
        "iban",
        "bankaccount",
        "bankkonto",
        "kontonummer",
        "rekeningnummer",
        "bankrekening",
        "accountnumber",
        "kontonr",
    ]) || w.has_token(&["rib", "konto"])
    {
        return e(Iban);
    }
    if w.joined_contains(&[
        "creditcard",
        "cardnumber",
        "cardno",
        "kortnummer",
        "kreditkarte",
        "kaartnummer",
        "cartebancaire",
        "numerocarte",
        "betalkort",
        "paymentcard",
    ]) || w.has_token(&["pan", "card", "kort"])
    {
        return e(PaymentCard);
    }
    if w.joined_contains(&["samordningsnummer", "samordningsnr"]) {
        return e(SeSamordningsnummer);
    }
    if w.joined_contains(&["personnummer", "personnr", "persnr"]) || w.has_token(&["pnr"]) {
        return e(SePersonnummer);
    }
    if w.joined_contains(&["cpr"]) {
        return e(DkCpr);
    }
    if w.joined_contains(&["burgerservicenummer", "bsnnummer", "sofinummer"])
        || w.has_token(&["bsn", "sofi"])
    {
        return e(NlBsn);
    }
    if w.joined_contains(&["fodselsnummer", "fodselsnr", "dnummer"]) || w.has_token(&["fnr"]) {
        return e(NoFodselsnummer);
    }
    if w.joined_contains(&["hetu", "henkilotunnus", "personbeteckning"]) || w.has_token(&["sotu"]) {
        return e(FiHetu);
    }
    if w.joined_contains(&[
        "steuerid",
        "steueridentifikationsnummer",
        "steuerlicheid",
        "identifikationsnummer",
        "taxid",
    ]) || w.has_token(&["idnr", "tin", "stidnr"])
    {
        return e(DeTaxId);
    }
    if w.joined_contains(&[
        "rentenversicherungsnummer",
        "sozialversicherungsnummer",
        "versicherungsnummer",
        "rvnr",
        "svnr",
    ]) {
        return e(DeRvnr);
    }
    if w.joined_contains(&["securitesociale", "numerosecu", "numsecu"])
        || w.has_token(&["nir", "insee", "nss", "secu"])
    {
        return e(FrNir);
    }
    if w.joined_contains(&["rijksregister", "registrenational", "insz", "niss"])
        || w.has_token(&["rrn", "nrn"])
    {
        return e(BeNationalNumber);
    }
    if w.has_token(&["nie"]) {
        return e(EsNie);
    }
    if w.joined_contains(&["documentonacional"]) || w.has_token(&["dni", "nif"]) {
        return e(EsDni);
    }
    if w.joined_contains(&["codicefiscale"]) || w.has_token(&["cf"]) {
        return e(ItCodiceFiscale);
    }
    if w.joined_contains(&["pesel"]) {
        return e(PlPesel);
    }
    if w.joined_contains(&[
        "vat",
        "btw",
        "mwst",
        "ustid",
        "umsatzsteuer",
        "momsnr",
        "momsnummer",
        "tvaintra",
        "numerotva",
        "partitaiva",
    ]) || w.has_token(&["moms", "tva", "iva", "alv", "nip"])
    {
        return e(EuVat);
    }
    if w.joined_contains(&["macaddress", "macaddr"]) || w.has_token(&["mac"]) {
        return e(MacAddress);
    }
    if w.joined_contains(&[
        "ipaddress",
        "ipaddr",
        "clientip",
        "remoteip",
        "sourceip",
        "srcip",
        "dstip",
        "ipv4",
        "ipv6",
    ]) || w.has_token(&["ip"])
    {
        return Some(NameHint::Ip);
    }
    if w.joined_contains(&["website", "homepage", "webpage", "webadres", "hemsida"])
        || w.has_token(&["url", "uri", "link", "web", "urls"])
    {
        return e(Url);
    }
    if w.joined_contains(&[
        "phone",
        "telefon",
        "telephone",
        "mobile",
        "mobil",
        "puhelin",
        "numtel",
        "telnr",
        "tlfnr",
    ]) || w.has_token(&[
        "tel", "tlf", "gsm", "cell", "handy", "portable", "fax", "fon",
    ]) {
        return e(Phone);
    }
    if w.joined_contains(&[
        "nationalid",
        "nationalidentifier",
        "nationalnumber",
        "personalid",
        "personalnumber",
        "personalidentity",
        "idnumber",
        "identitynumber",
        "socialsecurity",
        "ssn",
        "identitetsnummer",
        "personnummer",
        "personidentifikator",
    ]) {
        return Some(NameHint::NationalId);
    }
    if is_birth_date(&w) {
        return e(DateOfBirth);
    }
    if is_person_name(&w) {
        return e(PersonName);
    }
    None
}

fn is_birth_date(w: &ColumnWords) -> bool {
    if w.has_token(NOT_BIRTH_DATE) {
        return false;
    }
    w.joined_contains(&[
        "birthdate",
        "dateofbirth",
        "birthday",
        "fodelsedatum",
        "fodelsedag",
        "fodselsdato",
        "fodselsdag",
        "geboortedatum",
        "geburtsdatum",
        "geburtstag",
        "datedenaissance",
        "datenaissance",
        "gebdatum",
        "dtnaissance",
    ]) || w.has_token(&[
        "dob",
        "bdate",
        "ddn",
        "birth",
        "born",
        "naissance",
        "geboren",
        "fodd",
        "fodt",
        "gebdat",
        "geb",
    ])
}

fn is_person_name(w: &ColumnWords) -> bool {
    if w.has_token(NOT_PERSON) {
        return false;
    }
    if w.has_token(PERSON_NAME_TOKENS) {
        return true;
    }
    // Compounds: patientname, kundenname, efternamn, achternaam, nomdefamille.
    let j = w.joined.as_str();
    let compound = ["name", "namn", "navn", "naam"]
        .iter()
        .any(|suffix| j.len() > suffix.len() + 2 && j.ends_with(suffix));
    let not_person_compound = NOT_PERSON.iter().any(|x| x.len() >= 4 && j.contains(x));
    (compound && !not_person_compound) || j.starts_with("nomde") || j.starts_with("prenom")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_shapes() {
        for (s, words, given) in [
            ("Anna Svensson", 2, true),
            ("Josefine Møller", 2, true),
            ("Jan van der Berg", 2, true),
            ("John F. Kennedy", 2, true),
            ("Svensson, Anna", 2, true),
            ("Anna-Karin O'Brien", 2, true),
            ("Zlatko McDonald", 2, false),
            ("ANNA SVENSSON", 2, true),
            ("Anna", 1, true),
        ] {
            assert_eq!(
                name_shape(s),
                Some(NameShape {
                    words,
                    given_name: given
                }),
                "{s}"
            );
        }
        for bad in [
            "anna svensson",
            "Anna svensson",
            "Anna Svensson 2",
            "A B",
            "One Two Three Four Five",
            "I10",
            "van",
            "Anna Svensson van",
            "",
            "Anna  Svensson",
        ] {
            assert_eq!(name_shape(bad), None, "{bad}");
        }
    }

    #[test]
    fn column_name_hints() {
        use Entity::*;
        let cases = [
            ("email", Some(NameHint::Entity(Email))),
            ("E-Mail-Adresse", Some(NameHint::Entity(Email))),
            ("phone", Some(NameHint::Entity(Phone))),
            ("Telefonnummer", Some(NameHint::Entity(Phone))),
            ("iban", Some(NameHint::Entity(Iban))),
            ("national_id", Some(NameHint::NationalId)),
            ("personnummer", Some(NameHint::Entity(SePersonnummer))),
            ("CPR-nr", Some(NameHint::Entity(DkCpr))),
            ("bsn", Some(NameHint::Entity(NlBsn))),
            ("fødselsnummer", Some(NameHint::Entity(NoFodselsnummer))),
            ("Steuer-ID", Some(NameHint::Entity(DeTaxId))),
            ("client_ip", Some(NameHint::Ip)),
            ("birth_date", Some(NameHint::Entity(DateOfBirth))),
            ("dob", Some(NameHint::Entity(DateOfBirth))),
            ("DateOfBirth", Some(NameHint::Entity(DateOfBirth))),
            ("födelsedatum", Some(NameHint::Entity(DateOfBirth))),
            ("fødselsdato", Some(NameHint::Entity(DateOfBirth))),
            ("geboortedatum", Some(NameHint::Entity(DateOfBirth))),
            ("Geburtsdatum", Some(NameHint::Entity(DateOfBirth))),
            ("date_de_naissance", Some(NameHint::Entity(DateOfBirth))),
            ("full_name", Some(NameHint::Entity(PersonName))),
            ("first_name", Some(NameHint::Entity(PersonName))),
            ("lastName", Some(NameHint::Entity(PersonName))),
            ("surname", Some(NameHint::Entity(PersonName))),
            ("namn", Some(NameHint::Entity(PersonName))),
            ("efternavn", Some(NameHint::Entity(PersonName))),
            ("achternaam", Some(NameHint::Entity(PersonName))),
            ("Nachname", Some(NameHint::Entity(PersonName))),
            ("nom", Some(NameHint::Entity(PersonName))),
            ("prénom", Some(NameHint::Entity(PersonName))),
            ("patient_name", Some(NameHint::Entity(PersonName))),
            ("birth_name", Some(NameHint::Entity(PersonName))),
            ("file_name", None),
            ("username", None),
            ("municipality", None),
            ("municipality_name", None),
            ("birth_place", None),
            ("diagnosis_icd10", None),
            ("sex", None),
            ("country", None),
            ("postcode", None),
            ("admission_date", None),
            ("weight", None),
            ("medication", None),
            ("patient_id", None),
        ];
        for (column, hint) in cases {
            assert_eq!(name_hint(column), hint, "{column}");
        }
    }

    #[test]
    fn given_names_are_lower_case() {
        for n in GIVEN_NAMES {
            assert_eq!(n.to_lowercase(), *n);
        }
        assert!(is_given_name("Anna") && is_given_name("SØREN") && !is_given_name("Stockholm"));
    }
}
