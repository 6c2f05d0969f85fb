//! The deterministic synthetic *patients* table used by the demo and the guided tour.
//!
//! [`write_patients_csv`] writes a UTF-8 CSV file (comma-separated, one header row, `\n`
//! line endings, RFC 4180 quoting where a field needs it) and returns a [`DemoReport`]
//! that states exactly which quality defects were planted. The same `rows` and `seed`
//! always give byte-identical output: the only source of randomness is a
//! `ChaCha8Rng::seed_from_u64(seed)` stream, read through this module's own range
//! reduction, and no clock or environment is consulted. All dates are relative to the fixed
//! reference date [`DEMO_REFERENCE_DATE`] (2026-11-29).
//!
//! # Columns
//!
//! | column | content |
//! | --- | --- |
//! | `patient_id` | `P` + seven digits, sequential (`P0000001`, …) |
//! | `full_name` | first and last name from the patient's country (SE, DK, NL, DE, FI, BE, FR) |
//! | `national_id` | SE personnummer `YYYYMMDD-NNNC`, DK CPR `DDMMYY-SSSS`, NL BSN, DE Rentenversicherungsnummer, FI HETU, BE national register number `YY.MM.DD-SSS.CC`, FR NIR; all with correct check digits and consistent with the true birth date and sex |
//! | `email` | derived from the name (ASCII-folded), with domains common in the country |
//! | `phone` | E.164 (`+` country code, national number of a plausible length; mostly mobiles) |
//! | `iban` | electronic form, correct length and check digits for the country (national account checks also hold for FI, BE, FR and non-ING NL accounts) |
//! | `birth_date` | ISO `YYYY-MM-DD` |
//! | `sex` | `F` or `M` |
//! | `postcode` | country format: SE `123 45`, DK/BE 4 digits, NL `1234 AB`, DE/FI/FR 5 digits (leading zeros kept) |
//! | `municipality` | a real municipality whose postcode range contains `postcode` |
//! | `country` | ISO 3166 alpha-2; about SE 30 %, DK 25 %, NL 25 %, DE/FI/BE/FR 5 % each |
//! | `admission_date` | ISO date, 2019-01-01 to 2026-10-29 |
//! | `discharge_date` | ISO date, 0–30 days after admission (skewed to short stays) |
//! | `diagnosis_icd10` | WHO ICD-10 code such as `I10`, `E11.9`, `J18.9`, with a realistic frequency skew and age/sex restrictions |
//! | `medication` | a generic drug name that plausibly treats the diagnosis |
//! | `weight` | body weight with unit, consistent with age and sex |
//!
//! # Deliberate defects
//!
//! Every defect is counted per written row (duplicates included) and reported in
//! [`DemoReport::defects`]:
//!
//! - **missing values**: about 2 % empty `email`, 1 % empty `phone`, 1 % empty `postcode`
//!   (the municipality is still filled), and 3 % `NA` tokens in `medication`;
//! - **duplicate rows**: `rows / 200` rows (0.5 %) are byte-exact copies of an earlier row,
//!   including its `patient_id`; the total row count is still `rows`;
//! - **future birth dates**: about 0.04 % of `birth_date`s are real calendar dates in
//!   2027–2035, after the reference date and after the admission;
//! - **discharge before admission**: about 0.04 % of `discharge_date`s lie 1–30 days before
//!   `admission_date`;
//! - **sentinel birth dates**: about 0.008 % of `birth_date`s are the placeholder
//!   `1900-01-01`;
//! - **mixed units**: about 15 % of `weight`s are in pounds (`NNN.N lb`), the rest in
//!   kilograms (`NN.N kg`).
//!
//! The `national_id` always encodes the *true* birth date; on the rows with a future or
//! sentinel `birth_date` the two disagree, as with a data-entry error. Dates are never
//! invalid calendar strings, so `birth_date`, `admission_date` and `discharge_date` stay
//! date columns.

use std::collections::HashMap;
use std::io::{self, Write};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::identifiers;

/// Seed of the demo table the tour and the docs describe.
pub const DEMO_SEED: u64 = 20261129;
/// Number of rows of the demo table the tour and the docs describe.
pub const DEMO_ROWS: usize = 100_000;
/// The fixed "today" of the demo data: no admission or discharge is later, and a birth
/// date after it is a defect.
pub const DEMO_REFERENCE_DATE: &str = "2026-11-29";
/// Column names, in order.
pub const DEMO_COLUMNS: [&str; 16] = [
    "patient_id",
    "full_name",
    "national_id",
    "email",
    "phone",
    "iban",
    "birth_date",
    "sex",
    "postcode",
    "municipality",
    "country",
    "admission_date",
    "discharge_date",
    "diagnosis_icd10",
    "medication",
    "weight",
];

/// What was written, and the deliberate defects (so tests and the tour can state them).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoReport {
    pub rows: usize,
    pub columns: Vec<String>,
    pub defects: Vec<DemoDefect>,
}

/// One kind of planted defect and how many written rows it affects.
#[derive(Debug, Clone, Serialize)]
pub struct DemoDefect {
    /// `missing_values`, `duplicate_rows`, `future_dates`, `date_order`, `sentinel_values`
    /// or `mixed_units`.
    pub kind: String,
    /// The affected column; `None` for whole-row defects.
    pub column: Option<String>,
    /// Exact number of affected rows in the written file.
    pub rows: usize,
    pub description: String,
}

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/// Thin layer over ChaCha8 with our own range reduction, so the output depends only on the
/// ChaCha8 stream (which is fixed by its specification) and not on `rand`'s algorithms.
struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn new(seed: u64) -> Self {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Uniform in `0..n` (`n > 0`; the bias of the multiply-shift is below 2⁻³²·n).
    fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.rng.next_u32()) * u64::from(n)) >> 32) as u32
    }

    fn below_u64(&mut self, n: u64) -> u64 {
        ((u128::from(self.rng.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    fn per_million(&mut self, ppm: u32) -> bool {
        self.below(1_000_000) < ppm
    }

    fn digit(&mut self) -> u8 {
        self.below(10) as u8
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately standard normal (Irwin–Hall with four terms, bounded to ±3.46).
    fn normal(&mut self) -> f64 {
        let s = self.unit() + self.unit() + self.unit() + self.unit();
        (s - 2.0) * 3f64.sqrt()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u32) as usize]
    }

    fn pick_weighted<'a, T>(&mut self, items: &'a [T], weight: fn(&T) -> u32) -> &'a T {
        let total: u32 = items.iter().map(weight).sum();
        let mut r = self.below(total);
        for item in items {
            let w = weight(item);
            if r < w {
                return item;
            }
            r -= w;
        }
        &items[items.len() - 1]
    }
}

// ---------------------------------------------------------------------------------------------
// Dates (days since 1970-01-01, proleptic Gregorian)
// ---------------------------------------------------------------------------------------------

fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = ((153 * month_from_march + 2) / 5 + day - 1) as i32;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

fn write_date(buf: &mut Vec<u8>, days: i32) -> io::Result<()> {
    let (y, m, d) = civil_from_days(days);
    write!(buf, "{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------------------------
// Country tables
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cc {
    Se,
    Dk,
    Nl,
    De,
    Fi,
    Be,
    Fr,
}

#[derive(Clone, Copy)]
enum PostcodeStyle {
    /// Ranges are three-digit prefixes; written `123 45`.
    Swedish,
    /// Ranges are four-digit numbers; written `1234 AB`.
    Dutch,
    /// Written zero-padded to `width` digits, rounded down to a multiple of `step`.
    Digits { width: usize, step: u32 },
}

struct Municipality {
    name: &'static str,
    /// Population in thousands, used as the sampling weight.
    weight: u32,
    ranges: &'static [(u32, u32)],
}

struct PhonePlan {
    /// National significant number prefix (after the country code).
    prefix: &'static str,
    /// Random digits after the prefix.
    rest: u8,
    weight: u32,
}

struct Country {
    cc: Cc,
    code: &'static str,
    weight: u32,
    dial: &'static str,
    female: &'static [&'static str],
    male: &'static [&'static str],
    surnames: &'static [&'static str],
    domains: &'static [(&'static str, u32)],
    phones: &'static [PhonePlan],
    postcode: PostcodeStyle,
    municipalities: &'static [Municipality],
}

const fn m(name: &'static str, weight: u32, ranges: &'static [(u32, u32)]) -> Municipality {
    Municipality {
        name,
        weight,
        ranges,
    }
}

const fn p(prefix: &'static str, rest: u8, weight: u32) -> PhonePlan {
    PhonePlan {
        prefix,
        rest,
        weight,
    }
}

#[rustfmt::skip]
static COUNTRIES: [Country; 7] = [
    Country {
        cc: Cc::Se,
        code: "SE",
        weight: 300,
        dial: "46",
        female: &[
            "Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Kerstin",
            "Ingrid", "Marie", "Malin", "Jenny", "Hanna", "Linnéa", "Elsa", "Alice", "Maja", "Ebba",
            "Wilma", "Astrid", "Elin", "Ida", "Johanna", "Sofia", "Birgitta", "Margareta", "Ulla",
            "Annika", "Helena", "Cecilia", "Louise", "Frida", "Agnes", "Klara", "Matilda",
        ],
        male: &[
            "Lars", "Mikael", "Anders", "Johan", "Per", "Erik", "Karl", "Peter", "Jan", "Thomas",
            "Daniel", "Fredrik", "Hans", "Bengt", "Mats", "Magnus", "Stefan", "Andreas", "Marcus",
            "Oskar", "William", "Liam", "Hugo", "Lucas", "Elias", "Axel", "Nils", "Gustav", "Olof",
            "Sven", "Björn", "Göran", "Leo", "Viktor", "Alexander", "Emil",
        ],
        surnames: &[
            "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
            "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
            "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström",
            "Lindqvist", "Lindgren", "Axelsson", "Berg", "Bergström", "Lundberg", "Lind",
            "Lundgren", "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg",
            "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund",
        ],
        domains: &[
            ("gmail.com", 35),
            ("hotmail.com", 15),
            ("hotmail.se", 10),
            ("outlook.com", 10),
            ("telia.com", 10),
            ("yahoo.se", 5),
            ("live.se", 7),
            ("icloud.com", 8),
        ],
        phones: &[
            p("70", 7, 30),
            p("72", 7, 18),
            p("73", 7, 22),
            p("76", 7, 18),
            p("8", 7, 6),
            p("31", 7, 3),
            p("40", 6, 2),
            p("18", 6, 1),
        ],
        postcode: PostcodeStyle::Swedish,
        municipalities: &[
            m("Stockholm", 980, &[(111, 129), (161, 168)]),
            m("Göteborg", 600, &[(411, 427)]),
            m("Malmö", 360, &[(211, 218)]),
            m("Uppsala", 240, &[(751, 757)]),
            m("Linköping", 165, &[(582, 589)]),
            m("Örebro", 160, &[(701, 703)]),
            m("Västerås", 160, &[(721, 725)]),
            m("Helsingborg", 150, &[(252, 256)]),
            m("Norrköping", 145, &[(602, 603)]),
            m("Jönköping", 145, &[(553, 556)]),
            m("Umeå", 130, &[(903, 907)]),
            m("Lund", 128, &[(222, 227)]),
            m("Borås", 115, &[(503, 507)]),
            m("Halmstad", 105, &[(302, 305)]),
            m("Gävle", 103, &[(802, 806)]),
            m("Sundsvall", 100, &[(852, 857)]),
            m("Växjö", 96, &[(352, 353)]),
            m("Karlstad", 95, &[(652, 656)]),
            m("Luleå", 80, &[(972, 977)]),
            m("Kiruna", 23, &[(981, 981)]),
        ],
    },
    Country {
        cc: Cc::Dk,
        code: "DK",
        weight: 250,
        dial: "45",
        female: &[
            "Anne", "Kirsten", "Mette", "Hanne", "Anna", "Helle", "Susanne", "Lene", "Maria",
            "Marianne", "Lone", "Camilla", "Pia", "Louise", "Inge", "Charlotte", "Bente", "Tina",
            "Karen", "Gitte", "Emma", "Ida", "Freja", "Clara", "Sofie", "Laura", "Mathilde",
            "Ellen", "Karla", "Alma", "Agnes", "Signe", "Astrid", "Josefine",
        ],
        male: &[
            "Peter", "Jens", "Michael", "Lars", "Henrik", "Thomas", "Søren", "Jan", "Niels",
            "Christian", "Martin", "Anders", "Morten", "Jesper", "Rasmus", "Hans", "Per", "Mads",
            "Jørgen", "Ole", "Kim", "Frederik", "Mikkel", "William", "Noah", "Oscar", "Lucas",
            "Carl", "Victor", "Magnus", "Emil", "Malthe", "Aksel", "Kasper",
        ],
        surnames: &[
            "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
            "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
            "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen",
            "Jakobsen", "Jacobsen", "Mikkelsen", "Olesen", "Frederiksen", "Laursen", "Henriksen",
            "Lund", "Schmidt", "Eriksen", "Holm", "Kristiansen", "Clausen", "Simonsen", "Svendsen",
            "Andreasen", "Iversen", "Østergaard", "Jeppesen",
        ],
        domains: &[
            ("gmail.com", 35),
            ("hotmail.com", 15),
            ("outlook.dk", 8),
            ("yahoo.dk", 5),
            ("jubii.dk", 4),
            ("mail.dk", 8),
            ("live.dk", 7),
            ("icloud.com", 8),
            ("outlook.com", 10),
        ],
        phones: &[
            p("20", 6, 10),
            p("21", 6, 8),
            p("22", 6, 8),
            p("23", 6, 6),
            p("26", 6, 6),
            p("28", 6, 6),
            p("29", 6, 6),
            p("30", 6, 6),
            p("31", 6, 6),
            p("40", 6, 8),
            p("42", 6, 5),
            p("50", 6, 6),
            p("51", 6, 5),
            p("53", 6, 4),
            p("60", 6, 3),
            p("61", 6, 3),
            p("33", 6, 3),
            p("86", 6, 2),
            p("98", 6, 2),
            p("66", 6, 2),
        ],
        postcode: PostcodeStyle::Digits { width: 4, step: 1 },
        municipalities: &[
            m(
                "København",
                650,
                &[
                    (1050, 1473), (1500, 1799), (2100, 2100), (2150, 2150), (2200, 2200),
                    (2300, 2300), (2400, 2400), (2450, 2450), (2500, 2500),
                ],
            ),
            m(
                "Aarhus",
                360,
                &[
                    (8000, 8000), (8200, 8200), (8210, 8210), (8220, 8220), (8230, 8230),
                    (8240, 8240), (8250, 8250), (8260, 8260), (8270, 8270),
                ],
            ),
            m(
                "Aalborg",
                220,
                &[
                    (9000, 9000), (9200, 9200), (9210, 9210), (9220, 9220), (9400, 9400),
                ],
            ),
            m(
                "Odense",
                205,
                &[
                    (5000, 5000), (5200, 5200), (5210, 5210), (5220, 5220), (5230, 5230),
                    (5240, 5240), (5250, 5250), (5260, 5260), (5270, 5270),
                ],
            ),
            m("Vejle", 120, &[(7100, 7100)]),
            m(
                "Esbjerg",
                115,
                &[(6700, 6700), (6705, 6705), (6710, 6710), (6715, 6715)],
            ),
            m("Frederiksberg", 105, &[(1800, 1974), (2000, 2000)]),
            m(
                "Randers",
                100,
                &[
                    (8900, 8900), (8920, 8920), (8930, 8930), (8940, 8940), (8960, 8960),
                ],
            ),
            m("Viborg", 97, &[(8800, 8800)]),
            m("Kolding", 95, &[(6000, 6000)]),
            m("Horsens", 95, &[(8700, 8700)]),
            m("Silkeborg", 95, &[(8600, 8600)]),
            m("Herning", 90, &[(7400, 7400)]),
            m("Roskilde", 90, &[(4000, 4000)]),
            m("Næstved", 84, &[(4700, 4700)]),
            m("Slagelse", 80, &[(4200, 4200)]),
            m(
                "Gentofte",
                75,
                &[(2820, 2820), (2900, 2900), (2920, 2920), (2930, 2930)],
            ),
            m("Helsingør", 63, &[(3000, 3000)]),
            m("Hillerød", 52, &[(3400, 3400)]),
        ],
    },
    Country {
        cc: Cc::Nl,
        code: "NL",
        weight: 250,
        dial: "31",
        female: &[
            "Maria", "Johanna", "Anna", "Cornelia", "Wilhelmina", "Elisabeth", "Petronella",
            "Hendrika", "Sanne", "Lisa", "Anouk", "Emma", "Julia", "Sophie", "Tess", "Fleur",
            "Lotte", "Eva", "Femke", "Iris", "Anne", "Marieke", "Linda", "Esther", "Monique",
            "Ingrid", "Saskia", "Nicole", "Yvonne", "Mila", "Nora", "Lieke", "Sara", "Noor",
        ],
        male: &[
            "Jan", "Johannes", "Cornelis", "Hendrik", "Willem", "Pieter", "Gerrit", "Jacobus",
            "Peter", "Dirk", "Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Bram", "Thijs",
            "Jesse", "Ruben", "Tim", "Lars", "Sven", "Niels", "Bas", "Joost", "Maarten", "Wouter",
            "Erik", "Mark", "Dennis", "Sander", "Noah", "Luuk",
        ],
        surnames: &[
            "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
            "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
            "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
            "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
            "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "de Bruin",
            "van der Heijden", "Schouten", "van Beek", "Willems", "van Vliet",
        ],
        domains: &[
            ("gmail.com", 35),
            ("hotmail.com", 15),
            ("ziggo.nl", 12),
            ("kpnmail.nl", 10),
            ("outlook.com", 10),
            ("live.nl", 8),
            ("xs4all.nl", 4),
            ("icloud.com", 6),
        ],
        phones: &[
            p("6", 8, 75),
            p("20", 7, 6),
            p("10", 7, 5),
            p("70", 7, 4),
            p("30", 7, 4),
            p("40", 7, 3),
            p("50", 7, 3),
        ],
        postcode: PostcodeStyle::Dutch,
        municipalities: &[
            m("Amsterdam", 930, &[(1011, 1109)]),
            m("Rotterdam", 660, &[(3011, 3089)]),
            m("'s-Gravenhage", 560, &[(2491, 2599)]),
            m("Utrecht", 370, &[(3511, 3585)]),
            m("Eindhoven", 240, &[(5611, 5658)]),
            m("Groningen", 235, &[(9711, 9747)]),
            m("Tilburg", 225, &[(5011, 5049)]),
            m("Almere", 220, &[(1311, 1364)]),
            m("Breda", 185, &[(4811, 4839)]),
            m("Nijmegen", 180, &[(6511, 6546)]),
            m("Apeldoorn", 165, &[(7311, 7339)]),
            m("Haarlem", 165, &[(2011, 2037)]),
            m("Arnhem", 165, &[(6811, 6846)]),
            m("Enschede", 160, &[(7511, 7548)]),
            m("Amersfoort", 160, &[(3811, 3829)]),
            m("Zaanstad", 160, &[(1501, 1509)]),
            m("'s-Hertogenbosch", 160, &[(5211, 5249)]),
            m("Zwolle", 130, &[(8011, 8046)]),
            m("Leiden", 127, &[(2311, 2334)]),
            m("Maastricht", 122, &[(6211, 6229)]),
        ],
    },
    Country {
        cc: Cc::De,
        code: "DE",
        weight: 50,
        dial: "49",
        female: &[
            "Ursula", "Monika", "Petra", "Sabine", "Renate", "Helga", "Karin", "Brigitte", "Ingrid",
            "Susanne", "Andrea", "Claudia", "Stefanie", "Julia", "Katharina", "Anna", "Laura",
            "Lena", "Lea", "Sophie", "Marie", "Emma", "Mia", "Hannah", "Emilia", "Lina", "Johanna",
            "Nicole", "Sandra", "Birgit", "Gisela", "Heike", "Christina", "Melanie",
        ],
        male: &[
            "Peter", "Michael", "Thomas", "Andreas", "Wolfgang", "Klaus", "Jürgen", "Stefan",
            "Hans", "Uwe", "Frank", "Christian", "Bernd", "Markus", "Matthias", "Dieter", "Werner",
            "Günter", "Sebastian", "Alexander", "Jan", "Tobias", "Lukas", "Leon", "Paul", "Jonas",
            "Felix", "Maximilian", "Ben", "Elias", "Noah", "Finn", "Moritz", "Florian",
        ],
        surnames: &[
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
            "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
            "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
            "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann",
            "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
        ],
        domains: &[
            ("gmail.com", 25),
            ("web.de", 20),
            ("gmx.de", 20),
            ("t-online.de", 12),
            ("outlook.de", 6),
            ("yahoo.de", 5),
            ("posteo.de", 2),
            ("icloud.com", 5),
        ],
        phones: &[
            p("151", 8, 10),
            p("152", 8, 7),
            p("157", 8, 5),
            p("160", 7, 6),
            p("162", 7, 5),
            p("170", 7, 7),
            p("171", 7, 6),
            p("172", 7, 6),
            p("173", 7, 5),
            p("176", 8, 7),
            p("177", 8, 5),
            p("178", 8, 4),
            p("179", 7, 4),
            p("30", 8, 4),
            p("40", 8, 3),
            p("89", 8, 3),
            p("221", 7, 2),
            p("69", 8, 2),
        ],
        postcode: PostcodeStyle::Digits { width: 5, step: 1 },
        municipalities: &[
            m("Berlin", 3800, &[(10115, 14199)]),
            m("Hamburg", 1900, &[(20095, 22769)]),
            m("München", 1500, &[(80331, 81929)]),
            m("Köln", 1090, &[(50667, 51149)]),
            m("Frankfurt am Main", 770, &[(60306, 60599)]),
            m("Stuttgart", 630, &[(70173, 70629)]),
            m("Düsseldorf", 620, &[(40210, 40629)]),
            m("Leipzig", 610, &[(4103, 4357)]),
            m("Dortmund", 590, &[(44135, 44388)]),
            m("Essen", 580, &[(45127, 45359)]),
            m("Bremen", 570, &[(28195, 28779)]),
            m("Dresden", 560, &[(1067, 1328)]),
            m("Hannover", 540, &[(30159, 30669)]),
            m("Nürnberg", 520, &[(90402, 90491)]),
        ],
    },
    Country {
        cc: Cc::Fi,
        code: "FI",
        weight: 50,
        dial: "358",
        female: &[
            "Maria", "Helena", "Johanna", "Anneli", "Kaarina", "Marjatta", "Anna", "Liisa",
            "Annikki", "Hannele", "Tuula", "Päivi", "Leena", "Sari", "Minna", "Tiina", "Riitta",
            "Aino", "Eevi", "Sofia", "Olivia", "Aada", "Ella", "Emma", "Venla", "Helmi", "Pihla",
            "Kerttu", "Elli", "Ilona", "Kirsi", "Satu", "Pirjo", "Outi",
        ],
        male: &[
            "Juhani", "Olavi", "Antero", "Tapani", "Johannes", "Mikael", "Timo", "Matti", "Kari",
            "Mikko", "Jari", "Antti", "Jukka", "Markku", "Pekka", "Heikki", "Hannu", "Seppo",
            "Janne", "Ville", "Juha", "Eino", "Väinö", "Leo", "Oliver", "Elias", "Onni", "Eetu",
            "Aleksi", "Lauri", "Tuomas", "Veikko", "Ilmari", "Petteri",
        ],
        surnames: &[
            "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
            "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
            "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen",
            "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen",
            "Ahonen", "Hiltunen", "Leinonen", "Miettinen", "Kettunen", "Räsänen", "Hirvonen",
            "Anttila", "Lappalainen", "Kärkkäinen", "Manninen",
        ],
        domains: &[
            ("gmail.com", 40),
            ("hotmail.com", 15),
            ("outlook.com", 12),
            ("luukku.com", 6),
            ("elisanet.fi", 8),
            ("kolumbus.fi", 4),
            ("icloud.com", 6),
        ],
        phones: &[
            p("40", 7, 30),
            p("41", 7, 10),
            p("44", 7, 15),
            p("45", 7, 8),
            p("50", 7, 25),
            p("9", 7, 5),
            p("2", 7, 3),
            p("3", 7, 3),
        ],
        postcode: PostcodeStyle::Digits { width: 5, step: 10 },
        municipalities: &[
            m("Helsinki", 670, &[(100, 990)]),
            m("Espoo", 310, &[(2100, 2980)]),
            m("Tampere", 250, &[(33100, 33900)]),
            m("Vantaa", 245, &[(1300, 1770)]),
            m("Oulu", 215, &[(90100, 90650)]),
            m("Turku", 200, &[(20100, 20960)]),
            m("Jyväskylä", 147, &[(40100, 40950)]),
            m("Kuopio", 125, &[(70100, 70940)]),
            m("Lahti", 120, &[(15100, 15900)]),
            m("Pori", 83, &[(28100, 28900)]),
        ],
    },
    Country {
        cc: Cc::Be,
        code: "BE",
        weight: 50,
        dial: "32",
        female: &[
            "Maria", "Anne", "Nathalie", "Sophie", "Isabelle", "Martine", "Christine", "Els", "An",
            "Katrien", "Sarah", "Julie", "Laura", "Emma", "Olivia", "Louise", "Marie", "Elise",
            "Lotte", "Nina", "Lina", "Camille", "Chloé", "Léa", "Manon", "Charlotte", "Hanne",
            "Lisa", "Ann", "Inge", "Veerle", "Sofie", "Mila", "Alice",
        ],
        male: &[
            "Jan", "Marc", "Luc", "Patrick", "Dirk", "Peter", "Philippe", "Michel", "Jean",
            "Pierre", "Bart", "Koen", "Tom", "Kris", "Wim", "Stijn", "Pieter", "Thomas", "Nicolas",
            "Maxime", "Arthur", "Louis", "Noah", "Lucas", "Jules", "Victor", "Finn", "Lars",
            "Mathis", "Adam", "Liam", "Vincent", "Olivier", "Hugo",
        ],
        surnames: &[
            "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
            "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Leclercq",
            "Laurent", "Hermans", "Michiels", "Dumont", "Desmet", "Vermeulen", "Van Damme",
            "Lemaire", "Renard", "Cools", "Declercq", "Pauwels", "Aerts", "Van de Velde", "Stevens",
            "Lejeune", "François", "Denis", "Claeys", "Segers", "Coppens", "Verhoeven", "Devos",
            "Van den Bossche",
        ],
        domains: &[
            ("gmail.com", 35),
            ("hotmail.com", 15),
            ("skynet.be", 10),
            ("telenet.be", 15),
            ("outlook.be", 8),
            ("proximus.be", 5),
            ("icloud.com", 5),
        ],
        phones: &[
            p("470", 6, 8),
            p("471", 6, 6),
            p("472", 6, 6),
            p("473", 6, 6),
            p("474", 6, 6),
            p("475", 6, 8),
            p("476", 6, 6),
            p("477", 6, 6),
            p("478", 6, 6),
            p("479", 6, 5),
            p("485", 6, 5),
            p("486", 6, 5),
            p("494", 6, 5),
            p("496", 6, 5),
            p("2", 7, 6),
            p("3", 7, 4),
            p("9", 7, 3),
        ],
        postcode: PostcodeStyle::Digits { width: 4, step: 1 },
        municipalities: &[
            m(
                "Antwerpen",
                540,
                &[
                    (2000, 2000), (2018, 2018), (2020, 2020), (2030, 2030), (2040, 2040),
                    (2050, 2050), (2060, 2060), (2100, 2100), (2140, 2140), (2170, 2170),
                    (2180, 2180), (2600, 2600), (2610, 2610), (2660, 2660),
                ],
            ),
            m(
                "Gent",
                265,
                &[(9000, 9000), (9030, 9032), (9040, 9042), (9050, 9052)],
            ),
            m(
                "Charleroi",
                203,
                &[
                    (6000, 6001), (6010, 6010), (6020, 6020), (6030, 6032), (6040, 6044),
                    (6060, 6061),
                ],
            ),
            m("Liège", 197, &[(4000, 4000), (4020, 4020), (4030, 4032)]),
            m(
                "Bruxelles",
                190,
                &[(1000, 1000), (1020, 1020), (1120, 1120), (1130, 1130)],
            ),
            m("Schaerbeek", 130, &[(1030, 1030)]),
            m("Anderlecht", 125, &[(1070, 1070)]),
            m(
                "Brugge",
                119,
                &[(8000, 8000), (8200, 8200), (8310, 8310), (8380, 8380)],
            ),
            m(
                "Namur",
                112,
                &[(5000, 5004), (5020, 5022), (5024, 5024), (5100, 5101)],
            ),
            m(
                "Leuven",
                103,
                &[(3000, 3001), (3010, 3010), (3012, 3012), (3018, 3018)],
            ),
            m(
                "Mons",
                96,
                &[(7000, 7000), (7011, 7012), (7020, 7024), (7030, 7034)],
            ),
            m(
                "Aalst",
                89,
                &[(9300, 9300), (9308, 9308), (9310, 9310), (9320, 9320)],
            ),
            m("Ixelles", 87, &[(1050, 1050)]),
            m("Mechelen", 87, &[(2800, 2801), (2811, 2812)]),
            m("Hasselt", 79, &[(3500, 3501), (3510, 3512)]),
            m("Kortrijk", 78, &[(8500, 8501), (8510, 8511)]),
        ],
    },
    Country {
        cc: Cc::Fr,
        code: "FR",
        weight: 50,
        dial: "33",
        female: &[
            "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Martine",
            "Christine", "Sandrine", "Valérie", "Céline", "Stéphanie", "Aurélie", "Julie",
            "Camille", "Léa", "Manon", "Chloé", "Emma", "Jade", "Louise", "Alice", "Lina", "Inès",
            "Léna", "Sarah", "Anne", "Monique", "Nicole", "Jacqueline", "Brigitte", "Élodie",
            "Pauline", "Margaux",
        ],
        male: &[
            "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Christophe", "Patrick",
            "Daniel", "Bernard", "Éric", "Laurent", "Frédéric", "Stéphane", "Julien", "David",
            "Sébastien", "Thomas", "Antoine", "Alexandre", "Maxime", "Lucas", "Hugo", "Louis",
            "Gabriel", "Arthur", "Jules", "Raphaël", "Léo", "Nathan", "Paul", "Mathis", "Théo",
            "Olivier",
        ],
        surnames: &[
            "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
            "Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David",
            "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
            "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc",
            "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
        ],
        domains: &[
            ("gmail.com", 35),
            ("orange.fr", 15),
            ("free.fr", 10),
            ("laposte.net", 8),
            ("sfr.fr", 8),
            ("hotmail.fr", 10),
            ("wanadoo.fr", 6),
            ("yahoo.fr", 5),
        ],
        phones: &[
            p("6", 8, 55),
            p("7", 8, 20),
            p("1", 8, 8),
            p("2", 8, 4),
            p("3", 8, 4),
            p("4", 8, 5),
            p("5", 8, 4),
        ],
        postcode: PostcodeStyle::Digits { width: 5, step: 1 },
        municipalities: &[
            m("Paris", 2100, &[(75001, 75020)]),
            m("Marseille", 870, &[(13001, 13016)]),
            m("Lyon", 520, &[(69001, 69009)]),
            m(
                "Toulouse",
                500,
                &[
                    (31000, 31000), (31100, 31100), (31200, 31200), (31300, 31300), (31400, 31400),
                    (31500, 31500),
                ],
            ),
            m(
                "Nice",
                340,
                &[(6000, 6000), (6100, 6100), (6200, 6200), (6300, 6300)],
            ),
            m(
                "Nantes",
                320,
                &[
                    (44000, 44000), (44100, 44100), (44200, 44200), (44300, 44300),
                ],
            ),
            m(
                "Montpellier",
                300,
                &[
                    (34000, 34000), (34070, 34070), (34080, 34080), (34090, 34090),
                ],
            ),
            m(
                "Strasbourg",
                290,
                &[(67000, 67000), (67100, 67100), (67200, 67200)],
            ),
            m(
                "Bordeaux",
                260,
                &[
                    (33000, 33000), (33100, 33100), (33200, 33200), (33300, 33300), (33800, 33800),
                ],
            ),
            m(
                "Lille",
                235,
                &[
                    (59000, 59000), (59160, 59160), (59260, 59260), (59777, 59777), (59800, 59800),
                ],
            ),
            m(
                "Rennes",
                225,
                &[(35000, 35000), (35200, 35200), (35700, 35700)],
            ),
            m("Reims", 180, &[(51100, 51100)]),
            m(
                "Le Havre",
                165,
                &[(76600, 76600), (76610, 76610), (76620, 76620)],
            ),
            m("Grenoble", 158, &[(38000, 38000), (38100, 38100)]),
            m("Dijon", 158, &[(21000, 21000)]),
            m("Angers", 157, &[(49000, 49000), (49100, 49100)]),
        ],
    },
];

// ---------------------------------------------------------------------------------------------
// Clinical tables
// ---------------------------------------------------------------------------------------------

struct Diagnosis {
    code: &'static str,
    weight: u32,
    /// `Some(true)` female only, `Some(false)` male only.
    female_only: Option<bool>,
    min_age: u32,
    medications: &'static [&'static str],
}

const fn dx(
    code: &'static str,
    weight: u32,
    female_only: Option<bool>,
    min_age: u32,
    medications: &'static [&'static str],
) -> Diagnosis {
    Diagnosis {
        code,
        weight,
        female_only,
        min_age,
        medications,
    }
}

#[rustfmt::skip]
static DIAGNOSES: [Diagnosis; 32] = [
    dx("I10", 120, None, 18, &["amlodipine", "lisinopril", "losartan", "hydrochlorothiazide", "enalapril"]),
    dx("E11.9", 100, None, 10, &["metformin", "sitagliptin", "empagliflozin", "insulin glargine", "gliclazide"]),
    dx("J18.9", 60, None, 0, &["amoxicillin", "ceftriaxone", "benzylpenicillin", "doxycycline"]),
    dx("J45.9", 50, None, 2, &["salbutamol", "budesonide", "formoterol", "montelukast"]),
    dx("N39.0", 50, None, 0, &["nitrofurantoin", "trimethoprim", "pivmecillinam", "ciprofloxacin"]),
    dx("I48.9", 45, None, 30, &["apixaban", "metoprolol", "warfarin", "rivaroxaban", "digoxin"]),
    dx("J44.1", 40, None, 40, &["prednisolone", "tiotropium", "salbutamol", "ipratropium"]),
    dx("I50.9", 40, None, 30, &["furosemide", "bisoprolol", "spironolactone", "sacubitril/valsartan"]),
    dx("E78.0", 40, None, 18, &["atorvastatin", "simvastatin", "rosuvastatin", "ezetimibe"]),
    dx("F32.9", 35, None, 12, &["sertraline", "escitalopram", "mirtazapine", "venlafaxine"]),
    dx("I21.9", 30, None, 30, &["acetylsalicylic acid", "ticagrelor", "clopidogrel", "atorvastatin"]),
    dx("M54.5", 30, None, 16, &["ibuprofen", "naproxen", "paracetamol"]),
    dx("K21.9", 30, None, 12, &["omeprazole", "pantoprazole", "esomeprazole"]),
    dx("I63.9", 25, None, 30, &["acetylsalicylic acid", "clopidogrel", "atorvastatin", "alteplase"]),
    dx("S72.0", 25, None, 40, &["paracetamol", "oxycodone", "enoxaparin"]),
    dx("E03.9", 25, None, 5, &["levothyroxine"]),
    dx("U07.1", 25, None, 0, &["dexamethasone", "paracetamol", "nirmatrelvir/ritonavir"]),
    dx("R07.4", 25, None, 18, &["glyceryl trinitrate", "acetylsalicylic acid", "paracetamol"]),
    dx("F41.1", 20, None, 12, &["escitalopram", "sertraline", "pregabalin"]),
    dx("M17.9", 20, None, 40, &["paracetamol", "diclofenac", "ibuprofen"]),
    dx("A09.9", 20, None, 0, &["ondansetron", "loperamide", "oral rehydration salts"]),
    dx("J06.9", 20, None, 0, &["paracetamol", "ibuprofen"]),
    dx("N18.3", 15, None, 30, &["ramipril", "furosemide", "sodium bicarbonate"]),
    dx("D50.9", 15, None, 0, &["ferrous sulfate", "ferric carboxymaltose"]),
    dx("K35.8", 15, None, 4, &["cefuroxime", "metronidazole", "piperacillin/tazobactam"]),
    dx("K80.2", 15, None, 18, &["paracetamol", "ursodeoxycholic acid"]),
    dx("S52.5", 15, None, 4, &["ibuprofen", "paracetamol"]),
    dx("L03.1", 15, None, 0, &["flucloxacillin", "cefalexin", "clindamycin"]),
    dx("G40.9", 12, None, 0, &["levetiracetam", "lamotrigine", "valproic acid"]),
    dx("G43.9", 12, None, 8, &["sumatriptan", "ibuprofen", "propranolol"]),
    dx("C50.9", 12, Some(true), 25, &["tamoxifen", "letrozole", "anastrozole"]),
    dx("C61", 10, Some(false), 45, &["bicalutamide", "leuprorelin", "enzalutamide"]),
];

/// (first age, last age, weight) of the age bands patients are drawn from.
const AGE_BANDS: [(u32, u32, u32); 5] = [
    (0, 17, 8),
    (18, 39, 17),
    (40, 64, 33),
    (65, 79, 27),
    (80, 99, 15),
];

/// (length of stay in days, first..=last, weight).
const STAY_LENGTHS: [(u32, u32, u32); 10] = [
    (0, 0, 15),
    (1, 1, 15),
    (2, 2, 13),
    (3, 3, 11),
    (4, 4, 9),
    (5, 5, 7),
    (6, 6, 6),
    (7, 7, 5),
    (8, 14, 12),
    (15, 30, 7),
];

/// Area numbers of the German pension insurance carriers used for Rentenversicherungsnummern.
const DE_RV_AREAS: [u32; 24] = [
    4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 28, 29, 38, 39, 40,
];

// ---------------------------------------------------------------------------------------------
// Defect rates and bookkeeping
// ---------------------------------------------------------------------------------------------

const PPM_EMAIL_MISSING: u32 = 20_000;
const PPM_PHONE_MISSING: u32 = 10_000;
const PPM_MEDICATION_NA: u32 = 30_000;
const PPM_POSTCODE_MISSING: u32 = 10_000;
const PPM_WEIGHT_LB: u32 = 150_000;
const PPM_BIRTH_FUTURE: u32 = 400;
const PPM_BIRTH_SENTINEL: u32 = 80;
const PPM_DISCHARGE_BEFORE_ADMISSION: u32 = 400;
/// One row in this many is a duplicate.
const DUPLICATE_EVERY: usize = 200;

const F_EMAIL_MISSING: u16 = 1 << 0;
const F_PHONE_MISSING: u16 = 1 << 1;
const F_MEDICATION_NA: u16 = 1 << 2;
const F_POSTCODE_MISSING: u16 = 1 << 3;
const F_BIRTH_FUTURE: u16 = 1 << 4;
const F_BIRTH_SENTINEL: u16 = 1 << 5;
const F_DISCHARGE_BEFORE: u16 = 1 << 6;
const F_WEIGHT_LB: u16 = 1 << 7;
const FLAG_COUNT: usize = 8;

const FLUSH_AT: usize = 1 << 16;

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Writes the patients table as UTF-8 CSV (comma-separated, header row, RFC 4180 quoting
/// where needed) to `out`.
///
/// The output is buffered internally (written in chunks of about 64 KiB), so `out` need
/// not be a `BufWriter`. Same `rows` and `seed` give byte-identical output.
pub fn write_patients_csv<W: std::io::Write>(
    mut out: W,
    rows: usize,
    seed: u64,
) -> std::io::Result<DemoReport> {
    let mut g = Gen::new(seed);

    // Plan the duplicates first: exactly rows / 200 positions (never the first row), each
    // copying an earlier original row.
    let duplicates = rows / DUPLICATE_EVERY;
    let mut is_duplicate = vec![false; rows];
    let mut needed = duplicates as u64;
    let mut remaining = rows.saturating_sub(1) as u64;
    for slot in is_duplicate.iter_mut().skip(1) {
        if g.below_u64(remaining) < needed {
            *slot = true;
            needed -= 1;
        }
        remaining -= 1;
    }
    let mut source_of: HashMap<usize, usize> = HashMap::with_capacity(duplicates);
    let mut saved: HashMap<usize, Option<(Vec<u8>, u16)>> = HashMap::with_capacity(duplicates);
    for (i, _) in is_duplicate.iter().enumerate().filter(|(_, d)| **d) {
        let mut source = g.below_u64(i as u64) as usize;
        while is_duplicate[source] {
            source -= 1;
        }
        source_of.insert(i, source);
        saved.insert(source, None);
    }

    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 1024);
    buf.extend_from_slice(DEMO_COLUMNS.join(",").as_bytes());
    buf.push(b'\n');

    let mut counts = [0usize; FLAG_COUNT];
    let mut bban = String::with_capacity(32);
    let mut next_id = 1u32;
    for (i, &duplicate) in is_duplicate.iter().enumerate() {
        let flags = if duplicate {
            let copied = source_of
                .get(&i)
                .and_then(|s| saved.get(s))
                .and_then(Option::as_ref);
            let Some((line, flags)) = copied else {
                return Err(io::Error::other("demo: duplicate source row was not kept"));
            };
            buf.extend_from_slice(line);
            *flags
        } else {
            let start = buf.len();
            let flags = write_row(&mut g, &mut buf, next_id, &mut bban)?;
            next_id += 1;
            if let Some(slot) = saved.get_mut(&i) {
                *slot = Some((buf[start..].to_vec(), flags));
            }
            flags
        };
        for (bit, count) in counts.iter_mut().enumerate() {
            if flags & (1 << bit) != 0 {
                *count += 1;
            }
        }
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()?;

    Ok(report(rows, duplicates, &counts))
}

fn report(rows: usize, duplicates: usize, counts: &[usize; FLAG_COUNT]) -> DemoReport {
    let count = |flag: u16| counts[flag.trailing_zeros() as usize];
    let defect = |kind: &str, column: Option<&str>, rows: usize, description: String| DemoDefect {
        kind: kind.to_owned(),
        column: column.map(str::to_owned),
        rows,
        description,
    };
    let defects = vec![
        defect(
            "missing_values",
            Some("email"),
            count(F_EMAIL_MISSING),
            "empty email cell (about 2% of rows)".to_owned(),
        ),
        defect(
            "missing_values",
            Some("phone"),
            count(F_PHONE_MISSING),
            "empty phone cell (about 1% of rows)".to_owned(),
        ),
        defect(
            "missing_values",
            Some("medication"),
            count(F_MEDICATION_NA),
            "the token NA instead of a medication (about 3% of rows)".to_owned(),
        ),
        defect(
            "missing_values",
            Some("postcode"),
            count(F_POSTCODE_MISSING),
            "empty postcode cell while the municipality is filled (about 1% of rows)".to_owned(),
        ),
        defect(
            "duplicate_rows",
            None,
            duplicates,
            "exact copies of an earlier row, patient_id included (0.5% of rows)".to_owned(),
        ),
        defect(
            "future_dates",
            Some("birth_date"),
            count(F_BIRTH_FUTURE),
            format!(
                "birth date in 2027-2035, after the reference date {DEMO_REFERENCE_DATE} and \
                 after the admission; national_id still encodes the true birth date"
            ),
        ),
        defect(
            "date_order",
            Some("discharge_date"),
            count(F_DISCHARGE_BEFORE),
            "discharge_date 1-30 days before admission_date".to_owned(),
        ),
        defect(
            "sentinel_values",
            Some("birth_date"),
            count(F_BIRTH_SENTINEL),
            "placeholder birth date 1900-01-01; national_id still encodes the true birth date"
                .to_owned(),
        ),
        defect(
            "mixed_units",
            Some("weight"),
            count(F_WEIGHT_LB),
            "weight in pounds (\"NNN.N lb\") instead of kilograms (\"NN.N kg\"), about 15% \
             of rows"
                .to_owned(),
        ),
    ];
    DemoReport {
        rows,
        columns: DEMO_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        defects,
    }
}

/// Writes `s` as one CSV field, quoting it if it holds a comma, quote or line break.
fn push_field(buf: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

/// Appends `name` lower-cased and folded to ASCII letters and digits (spaces, apostrophes
/// and hyphens dropped), as used in e-mail addresses.
fn push_email_name(buf: &mut Vec<u8>, name: &str, german: bool) {
    for c in name.chars() {
        let folded: &str = match c {
            'ä' | 'Ä' if german => "ae",
            'ö' | 'Ö' if german => "oe",
            'ü' | 'Ü' if german => "ue",
            'å' | 'ä' | 'á' | 'à' | 'â' | 'Å' | 'Ä' | 'Á' | 'À' | 'Â' => "a",
            'ö' | 'ø' | 'ó' | 'ô' | 'Ö' | 'Ø' | 'Ó' | 'Ô' => "o",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' => "e",
            'ü' | 'û' | 'ú' | 'Ü' => "u",
            'ï' | 'î' | 'í' => "i",
            'ç' | 'Ç' => "c",
            'æ' | 'Æ' => "ae",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                buf.push(c.to_ascii_lowercase() as u8);
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(folded.as_bytes());
    }
}

fn push_digits(g: &mut Gen, buf: &mut Vec<u8>, n: usize) {
    for _ in 0..n {
        buf.push(b'0' + g.digit());
    }
}

/// The true (unaltered) facts of one patient that several columns derive from.
struct Patient {
    country: &'static Country,
    female: bool,
    first: &'static str,
    last: &'static str,
    age: u32,
    birth: i32,
    postcode: u32,
}

/// Generates one original row into `buf` and returns its defect flags.
fn write_row(g: &mut Gen, buf: &mut Vec<u8>, id: u32, bban: &mut String) -> io::Result<u16> {
    let mut flags = 0u16;

    // --- the facts ---
    let country = g.pick_weighted(&COUNTRIES, |c| c.weight);
    let female = g.below(2) == 0;
    let first = *g.pick(if female { country.female } else { country.male });
    let last = *g.pick(country.surnames);
    let first_admission = days_from_civil(2019, 1, 1);
    let last_admission = days_from_civil(2026, 10, 29);
    let admission = first_admission + g.below((last_admission - first_admission + 1) as u32) as i32;
    let stay = g.pick_weighted(&STAY_LENGTHS, |s| s.2);
    let stay = g.range(stay.0, stay.1) as i32;
    let band = g.pick_weighted(&AGE_BANDS, |b| b.2);
    let age = g.range(band.0, band.1);
    let birth = admission - (age * 365 + age / 4) as i32 - 1 - g.below(365) as i32;
    let municipality = g.pick_weighted(country.municipalities, |m| m.weight);
    let (lo, hi) = *g.pick(municipality.ranges);
    let postcode = g.range(lo, hi);
    let discharge = if g.per_million(PPM_DISCHARGE_BEFORE_ADMISSION) {
        flags |= F_DISCHARGE_BEFORE;
        admission - 1 - g.below(30) as i32
    } else {
        admission + stay
    };
    let patient = Patient {
        country,
        female,
        first,
        last,
        age,
        birth,
        postcode,
    };

    // --- the columns, in order ---
    write!(buf, "P{id:07},")?;
    push_field(buf, first);
    buf.push(b' ');
    push_field(buf, last);
    buf.push(b',');
    write_national_id(g, buf, &patient)?;
    buf.push(b',');
    if g.per_million(PPM_EMAIL_MISSING) {
        flags |= F_EMAIL_MISSING;
    } else {
        write_email(g, buf, &patient)?;
    }
    buf.push(b',');
    if g.per_million(PPM_PHONE_MISSING) {
        flags |= F_PHONE_MISSING;
    } else {
        let plan = g.pick_weighted(country.phones, |p| p.weight);
        buf.push(b'+');
        buf.extend_from_slice(country.dial.as_bytes());
        buf.extend_from_slice(plan.prefix.as_bytes());
        push_digits(g, buf, usize::from(plan.rest));
    }
    buf.push(b',');
    write_iban(g, buf, country, bban)?;
    buf.push(b',');
    let r = g.below(1_000_000);
    if r < PPM_BIRTH_FUTURE {
        flags |= F_BIRTH_FUTURE;
        let from = days_from_civil(2027, 1, 1);
        let to = days_from_civil(2035, 12, 31);
        write_date(buf, from + g.below((to - from + 1) as u32) as i32)?;
    } else if r < PPM_BIRTH_FUTURE + PPM_BIRTH_SENTINEL {
        flags |= F_BIRTH_SENTINEL;
        buf.extend_from_slice(b"1900-01-01");
    } else {
        write_date(buf, birth)?;
    }
    buf.extend_from_slice(if female { b",F," } else { b",M," });
    if g.per_million(PPM_POSTCODE_MISSING) {
        flags |= F_POSTCODE_MISSING;
    } else {
        write_postcode(g, buf, country.postcode, postcode)?;
    }
    buf.push(b',');
    push_field(buf, municipality.name);
    buf.push(b',');
    buf.extend_from_slice(country.code.as_bytes());
    buf.push(b',');
    write_date(buf, admission)?;
    buf.push(b',');
    write_date(buf, discharge)?;
    buf.push(b',');
    let diagnosis = loop {
        let d = g.pick_weighted(&DIAGNOSES, |d| d.weight);
        if d.min_age <= age && d.female_only.is_none_or(|f| f == female) {
            break d;
        }
    };
    buf.extend_from_slice(diagnosis.code.as_bytes());
    buf.push(b',');
    if g.per_million(PPM_MEDICATION_NA) {
        flags |= F_MEDICATION_NA;
        buf.extend_from_slice(b"NA");
    } else {
        push_field(buf, g.pick::<&str>(diagnosis.medications));
    }
    buf.push(b',');
    let kg = body_weight_kg(g, &patient);
    if g.per_million(PPM_WEIGHT_LB) {
        flags |= F_WEIGHT_LB;
        write!(buf, "{:.1} lb", kg * 2.204_622_6)?;
    } else {
        write!(buf, "{kg:.1} kg")?;
    }
    buf.push(b'\n');
    Ok(flags)
}

fn body_weight_kg(g: &mut Gen, p: &Patient) -> f64 {
    let age = f64::from(p.age);
    let (mean, sd) = match (p.age, p.female) {
        (0, _) => (7.5, 1.5),
        (1..=12, _) => {
            let mean = 8.5 + 2.7 * age;
            (mean, mean * 0.15)
        }
        (13..=17, true) => (48.0 + 3.0 * (age - 13.0), 8.0),
        (13..=17, false) => (50.0 + 5.0 * (age - 13.0), 9.0),
        (18..=74, true) => (70.0, 13.0),
        (18..=74, false) => (85.0, 14.0),
        (_, true) => (66.0, 11.0),
        (_, false) => (79.0, 12.0),
    };
    (mean + g.normal() * sd).clamp(2.5, 180.0)
}

fn write_postcode(g: &mut Gen, buf: &mut Vec<u8>, style: PostcodeStyle, n: u32) -> io::Result<()> {
    match style {
        PostcodeStyle::Swedish => write!(buf, "{n:03} {:02}", g.range(1, 99)),
        PostcodeStyle::Dutch => {
            // Letters F, I, O, Q, U and Y are not used; SA, SD and SS are not issued.
            const LETTERS: &[u8; 20] = b"ABCDEGHJKLMNPRSTVWXZ";
            let (a, b) = loop {
                let a = *g.pick(LETTERS);
                let b = *g.pick(LETTERS);
                if !(a == b'S' && matches!(b, b'A' | b'D' | b'S')) {
                    break (a, b);
                }
            };
            write!(buf, "{n:04} ")?;
            buf.push(a);
            buf.push(b);
            Ok(())
        }
        PostcodeStyle::Digits { width, step } => write!(buf, "{:0width$}", n - n % step),
    }
}

fn write_email(g: &mut Gen, buf: &mut Vec<u8>, p: &Patient) -> io::Result<()> {
    let german = p.country.cc == Cc::De;
    let (birth_year, _, _) = civil_from_days(p.birth);
    match g.below(100) {
        0..=39 => {
            push_email_name(buf, p.first, german);
            buf.push(b'.');
            push_email_name(buf, p.last, german);
        }
        40..=49 => {
            push_email_name(buf, p.first, german);
            push_email_name(buf, p.last, german);
        }
        50..=64 => {
            let initial = p.first.chars().next().map(String::from).unwrap_or_default();
            push_email_name(buf, &initial, german);
            buf.push(b'.');
            push_email_name(buf, p.last, german);
        }
        65..=79 => {
            push_email_name(buf, p.first, german);
            buf.push(b'.');
            push_email_name(buf, p.last, german);
            write!(buf, "{:02}", birth_year.rem_euclid(100))?;
        }
        80..=84 => {
            push_email_name(buf, p.first, german);
            buf.push(b'_');
            push_email_name(buf, p.last, german);
        }
        85..=89 => {
            push_email_name(buf, p.last, german);
            buf.push(b'.');
            push_email_name(buf, p.first, german);
        }
        _ => {
            push_email_name(buf, p.first, german);
            write!(buf, "{birth_year}")?;
        }
    }
    buf.push(b'@');
    let domain = g.pick_weighted(p.country.domains, |d| d.1);
    buf.extend_from_slice(domain.0.as_bytes());
    Ok(())
}

fn write_national_id(g: &mut Gen, buf: &mut Vec<u8>, p: &Patient) -> io::Result<()> {
    let (year, month, day) = civil_from_days(p.birth);
    let yy = year.rem_euclid(100) as u32;
    let male = u32::from(!p.female);
    match p.country.cc {
        Cc::Se => {
            // YYYYMMDD-NNNC: the third birth-number digit is odd for men, even for women.
            let serial = (1 + g.below(99)) * 10 + g.below(5) * 2 + male;
            let nine = [
                (yy / 10) as u8,
                (yy % 10) as u8,
                (month / 10) as u8,
                (month % 10) as u8,
                (day / 10) as u8,
                (day % 10) as u8,
                (serial / 100) as u8,
                (serial / 10 % 10) as u8,
                (serial % 10) as u8,
            ];
            let check = identifiers::personnummer_check_digit(&nine);
            write!(buf, "{year:04}{month:02}{day:02}-{serial:03}{check}")
        }
        Cc::Dk => {
            // DDMMYY-SSSS: the seventh digit fixes the century, the last digit is odd for men;
            // only sequence numbers that satisfy the mod-11 rule are used.
            loop {
                let seventh = if year >= 2000 {
                    g.range(4, 9)
                } else {
                    g.below(4)
                };
                let nine = [
                    (day / 10) as u8,
                    (day % 10) as u8,
                    (month / 10) as u8,
                    (month % 10) as u8,
                    (yy / 10) as u8,
                    (yy % 10) as u8,
                    seventh as u8,
                    g.digit(),
                    g.digit(),
                ];
                if let Some(check) = identifiers::cpr_check_digit(&nine)
                    && u32::from(check % 2) == male
                {
                    write!(buf, "{day:02}{month:02}{yy:02}-")?;
                    for d in &nine[6..] {
                        buf.push(b'0' + d);
                    }
                    buf.push(b'0' + check);
                    return Ok(());
                }
            }
        }
        Cc::Nl => loop {
            let mut eight = [0u8; 8];
            eight[0] = g.range(1, 6) as u8;
            for d in &mut eight[1..] {
                *d = g.digit();
            }
            if let Some(check) = identifiers::bsn_check_digit(&eight) {
                for d in eight {
                    buf.push(b'0' + d);
                }
                buf.push(b'0' + check);
                return Ok(());
            }
        },
        Cc::De => {
            // AA DDMMYY L SS C: serial 00-49 for men, 50-99 for women.
            let area = *g.pick(&DE_RV_AREAS);
            let initial = p
                .last
                .chars()
                .next()
                .filter(char::is_ascii_alphabetic)
                .map_or('X', |c| c.to_ascii_uppercase());
            let serial = g.below(50) + if p.female { 50 } else { 0 };
            let mut first11 = [0u8; 11];
            let mut cursor = &mut first11[..];
            write!(
                cursor,
                "{area:02}{day:02}{month:02}{yy:02}{initial}{serial:02}"
            )?;
            let check = std::str::from_utf8(&first11)
                .ok()
                .and_then(identifiers::de_rvnr_check_digit);
            let Some(check) = check else {
                return Err(io::Error::other(
                    "demo: malformed Rentenversicherungsnummer",
                ));
            };
            buf.extend_from_slice(&first11);
            buf.push(b'0' + check);
            Ok(())
        }
        Cc::Fi => {
            // DDMMYYCZZZQ: individual number 002-899, odd for men.
            let individual = 2 + 2 * g.below(449) + male;
            let sign = identifiers::hetu_century_sign(year).unwrap_or('-');
            let n = (day * 10_000 + month * 100 + yy) * 1000 + individual;
            let control = identifiers::hetu_control_char(n);
            write!(
                buf,
                "{day:02}{month:02}{yy:02}{sign}{individual:03}{control}"
            )
        }
        Cc::Be => {
            // YY.MM.DD-SSS.CC: sequence 001-997 odd for men, 002-998 even for women.
            let serial = 2 + 2 * g.below(499) - male;
            let n9 = (yy * 10_000 + month * 100 + day) * 1000 + serial;
            let check = identifiers::be_nrn_check_digits(n9, year >= 2000);
            write!(buf, "{yy:02}.{month:02}.{day:02}-{serial:03}.{check:02}")
        }
        Cc::Fr => {
            // S YY MM DD(dept) CCC(commune) OOO(order) KK: mostly born in the department of
            // residence, otherwise anywhere in metropolitan France (Corsica as 2A/2B).
            let sex = if p.female { 2 } else { 1 };
            let mut first13 = [0u8; 13];
            let mut cursor = &mut first13[..];
            write!(cursor, "{sex}{yy:02}{month:02}")?;
            if g.below(10) < 7 {
                write!(cursor, "{:02}", p.postcode / 1000)?;
            } else {
                match g.range(1, 95) {
                    20 if g.below(2) == 0 => write!(cursor, "2A")?,
                    20 => write!(cursor, "2B")?,
                    dept => write!(cursor, "{dept:02}")?,
                }
            }
            write!(cursor, "{:03}{:03}", g.range(1, 999), g.range(1, 999))?;
            let key = std::str::from_utf8(&first13)
                .ok()
                .and_then(identifiers::nir_key);
            let Some(key) = key else {
                return Err(io::Error::other("demo: malformed NIR"));
            };
            buf.extend_from_slice(&first13);
            write!(buf, "{key:02}")
        }
    }
}

fn write_iban(
    g: &mut Gen,
    buf: &mut Vec<u8>,
    country: &Country,
    bban: &mut String,
) -> io::Result<()> {
    use std::fmt::Write as _;
    bban.clear();
    fn digits(g: &mut Gen, s: &mut String, n: usize) {
        for _ in 0..n {
            s.push(char::from(b'0' + g.digit()));
        }
    }
    let fmt_err = |_: std::fmt::Error| io::Error::other("demo: formatting failed");
    match country.cc {
        Cc::Se => {
            // Bank code (3) + account (17).
            bban.push_str(g.pick::<&str>(&["500", "600", "800", "300", "120", "902", "957"]));
            bban.push_str("0000000");
            digits(g, bban, 10);
        }
        Cc::Dk => {
            // Registration number (4) + account (10).
            bban.push_str(g.pick::<&str>(&[
                "0040", "2191", "3001", "3409", "5301", "7311", "9070", "1551",
            ]));
            bban.push('0');
            digits(g, bban, 9);
        }
        Cc::Nl => {
            // Bank (4 letters) + account (10); non-ING accounts pass the 11-test.
            let bank = *g.pick_weighted(
                &[
                    ("INGB", 35),
                    ("RABO", 25),
                    ("ABNA", 20),
                    ("SNSB", 8),
                    ("ASNB", 4),
                    ("TRIO", 3),
                    ("KNAB", 3),
                    ("BUNQ", 2),
                ],
                |b| b.1,
            );
            bban.push_str(bank.0);
            if bank.0 == "INGB" {
                write!(bban, "000{}", g.range(1_000_000, 9_999_999)).map_err(fmt_err)?;
            } else {
                let account = loop {
                    let mut d = [0u8; 10];
                    for x in &mut d[..9] {
                        *x = g.digit();
                    }
                    let sum: u32 = d[..9]
                        .iter()
                        .zip((2..=10).rev())
                        .map(|(&x, w)| u32::from(x) * w)
                        .sum();
                    let last = (11 - sum % 11) % 11;
                    if last < 10 && d[0] != 0 {
                        d[9] = last as u8;
                        break d;
                    }
                };
                for d in account {
                    bban.push(char::from(b'0' + d));
                }
            }
        }
        Cc::De => {
            // Bankleitzahl (8) + account (10).
            bban.push_str(g.pick::<&str>(&[
                "10070000", "10010010", "12030000", "20050550", "37040044", "50010517", "70150000",
                "43060967", "60050101", "30050110",
            ]));
            bban.push('0');
            digits(g, bban, 9);
        }
        Cc::Fi => {
            // 14 digits ending in a Luhn check digit.
            let prefix = *g.pick(&["1", "5", "8", "31", "33", "39", "47"]);
            let mut d = [0u8; 13];
            let mut n = 0;
            for b in prefix.bytes() {
                d[n] = b - b'0';
                n += 1;
            }
            for x in &mut d[n..] {
                *x = g.digit();
            }
            for x in d {
                bban.push(char::from(b'0' + x));
            }
            bban.push(char::from(b'0' + identifiers::luhn_check_digit(&d)));
        }
        Cc::Be => {
            // Bank (3) + account (7) + national check (2).
            let bank = *g.pick(&[1u64, 63, 68, 310, 363, 735, 737, 751, 973, 979]);
            let account = u64::from(g.below(10_000_000));
            let first10 = bank * 10_000_000 + account;
            write!(
                bban,
                "{first10:010}{:02}",
                identifiers::be_bban_check(first10)
            )
            .map_err(fmt_err)?;
        }
        Cc::Fr => {
            // Bank (5) + branch (5) + account (11) + RIB key (2).
            let bank = *g.pick(&[
                "30004", "30003", "30002", "20041", "10278", "30066", "18206", "11306", "16606",
            ]);
            let mut branch = String::with_capacity(5);
            digits(g, &mut branch, 5);
            let mut account = String::with_capacity(11);
            account.push('0');
            digits(g, &mut account, 10);
            let Some(key) = identifiers::fr_rib_key(bank, &branch, &account) else {
                return Err(io::Error::other("demo: malformed RIB"));
            };
            write!(bban, "{bank}{branch}{account}{key:02}").map_err(fmt_err)?;
        }
    }
    let Some(check) = identifiers::iban_check_digits(country.code, bban) else {
        return Err(io::Error::other("demo: malformed BBAN"));
    };
    buf.extend_from_slice(country.code.as_bytes());
    buf.extend_from_slice(check.as_bytes());
    buf.extend_from_slice(bban.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::sync::OnceLock;

    use super::*;

    /// The default table, generated once for all tests.
    fn demo() -> &'static (String, DemoReport) {
        static DEMO: OnceLock<(String, DemoReport)> = OnceLock::new();
        DEMO.get_or_init(|| {
            let mut out = Vec::new();
            let report = write_patients_csv(&mut out, DEMO_ROWS, DEMO_SEED).unwrap();
            (String::from_utf8(out).unwrap(), report)
        })
    }

    fn records(csv: &str) -> Vec<Vec<&str>> {
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect()
    }

    fn col(name: &str) -> usize {
        DEMO_COLUMNS.iter().position(|c| *c == name).unwrap()
    }

    fn reported(report: &DemoReport, kind: &str, column: Option<&str>) -> usize {
        let found: Vec<_> = report
            .defects
            .iter()
            .filter(|d| d.kind == kind && d.column.as_deref() == column)
            .collect();
        assert_eq!(found.len(), 1, "{kind} {column:?}");
        found[0].rows
    }

    fn parse_date(s: &str) -> (i32, u32, u32) {
        assert_eq!(s.len(), 10, "{s}");
        assert_eq!((&s[4..5], &s[7..8]), ("-", "-"), "{s}");
        let date = (
            s[..4].parse().unwrap(),
            s[5..7].parse().unwrap(),
            s[8..].parse().unwrap(),
        );
        assert!(identifiers::is_valid_date(date.0, date.1, date.2), "{s}");
        date
    }

    fn generate(rows: usize, seed: u64) -> (Vec<u8>, DemoReport) {
        let mut out = Vec::new();
        let report = write_patients_csv(&mut out, rows, seed).unwrap();
        (out, report)
    }

    #[test]
    fn deterministic() {
        let (a, ra) = generate(5_000, 7);
        let (b, rb) = generate(5_000, 7);
        assert_eq!(a, b);
        assert_eq!(format!("{ra:?}"), format!("{rb:?}"));
        let (c, _) = generate(5_000, 8);
        assert_ne!(a, c);
        // A prefix of the default table is not the same as a smaller table (duplicates are
        // planned over the whole table), but the default table itself is stable.
        let (full, _) = generate(DEMO_ROWS, DEMO_SEED);
        assert_eq!(full, demo().0.as_bytes());
    }

    #[test]
    fn row_count_header_and_shape() {
        let (csv, report) = demo();
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(DEMO_COLUMNS.join(",").as_str()));
        assert_eq!(csv.lines().count(), DEMO_ROWS + 1);
        assert!(csv.ends_with('\n'));
        assert_eq!(report.rows, DEMO_ROWS);
        assert_eq!(report.columns, DEMO_COLUMNS.map(String::from));
        // No field needs quoting, so a plain split is an exact parse.
        assert!(!csv.contains('"'));
        for r in records(csv) {
            assert_eq!(r.len(), DEMO_COLUMNS.len(), "{r:?}");
        }
        for rows in [0, 1, 2, 199, 200, 201] {
            let (out, report) = generate(rows, 1);
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text.lines().count(), rows + 1);
            assert_eq!(reported(&report, "duplicate_rows", None), rows / 200);
        }
    }

    #[test]
    fn national_ids_and_ibans_validate() {
        let (csv, _) = demo();
        let mut per_country: HashMap<&str, usize> = HashMap::new();
        for r in records(csv) {
            let country = r[col("country")];
            let id = r[col("national_id")];
            assert!(!id.is_empty());
            assert_eq!(
                identifiers::is_valid_national_id(country, id),
                Some(true),
                "{country} {id}"
            );
            let iban = r[col("iban")];
            assert!(identifiers::is_valid_iban(iban), "{iban}");
            assert!(iban.starts_with(country), "{iban}");
            assert_eq!(identifiers::iban_length(country), Some(iban.len()));
            *per_country.entry(country).or_default() += 1;
        }
        let share = |c: &str| per_country[c] as f64 / DEMO_ROWS as f64;
        assert!((0.28..0.32).contains(&share("SE")));
        assert!((0.23..0.27).contains(&share("DK")));
        assert!((0.23..0.27).contains(&share("NL")));
        for c in ["DE", "FI", "BE", "FR"] {
            assert!((0.04..0.06).contains(&share(c)), "{c}");
        }
        assert_eq!(per_country.len(), 7);
    }

    #[test]
    fn national_ids_encode_birth_date_and_sex() {
        let (csv, _) = demo();
        for r in records(csv) {
            let birth = r[col("birth_date")];
            if birth > DEMO_REFERENCE_DATE || birth == "1900-01-01" {
                continue; // defect rows: the id keeps the true birth date
            }
            let (yyyy, mm, dd) = (&birth[..4], &birth[5..7], &birth[8..]);
            let yy = &birth[2..4];
            let male = r[col("sex")] == "M";
            let id = r[col("national_id")];
            let odd = |b: u8| (b - b'0') % 2 == 1;
            let b = id.as_bytes();
            match r[col("country")] {
                "SE" => {
                    assert_eq!(&id[..8], format!("{yyyy}{mm}{dd}"), "{id}");
                    assert_eq!(odd(b[11]), male, "{id}");
                }
                "DK" => {
                    assert_eq!(&id[..6], format!("{dd}{mm}{yy}"), "{id}");
                    assert_eq!(odd(b[10]), male, "{id}");
                }
                "DE" => {
                    assert_eq!(&id[2..8], format!("{dd}{mm}{yy}"), "{id}");
                    assert_eq!(id[9..11].parse::<u32>().unwrap() < 50, male, "{id}");
                    let surname = r[col("full_name")].split_once(' ').unwrap().1;
                    assert_eq!(surname.as_bytes()[0], b[8], "{id} {surname}");
                }
                "FI" => {
                    assert_eq!(&id[..6], format!("{dd}{mm}{yy}"), "{id}");
                    let sign = if yyyy < "2000" { "-" } else { "A" };
                    assert_eq!(&id[6..7], sign, "{id}");
                    assert_eq!(odd(b[9]), male, "{id}");
                }
                "BE" => {
                    assert_eq!(&id[..8], format!("{yy}.{mm}.{dd}"), "{id}");
                    assert_eq!(odd(b[11]), male, "{id}");
                }
                "FR" => {
                    assert_eq!(&id[..1], if male { "1" } else { "2" }, "{id}");
                    assert_eq!(&id[1..5], format!("{yy}{mm}"), "{id}");
                }
                "NL" => assert_eq!(id.len(), 9),
                other => panic!("unexpected country {other}"),
            }
        }
    }

    #[test]
    fn phones_are_e164() {
        let (csv, _) = demo();
        let dial: HashMap<&str, &str> = COUNTRIES.iter().map(|c| (c.code, c.dial)).collect();
        for r in records(csv) {
            let phone = r[col("phone")];
            if phone.is_empty() {
                continue;
            }
            let digits = &phone[1..];
            assert!(phone.starts_with('+'), "{phone}");
            assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{phone}");
            assert!((8..=15).contains(&digits.len()), "{phone}");
            assert!(digits.starts_with(dial[r[col("country")]]), "{phone}");
        }
    }

    #[test]
    fn duplicates_match_report() {
        let (csv, report) = demo();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut by_id: HashMap<&str, &str> = HashMap::new();
        let mut duplicates = 0;
        for line in csv.lines().skip(1) {
            if !seen.insert(line) {
                duplicates += 1;
            }
            let id = line.split(',').next().unwrap();
            // Rows sharing a patient_id are exact copies.
            assert_eq!(*by_id.entry(id).or_insert(line), line);
        }
        assert_eq!(duplicates, reported(report, "duplicate_rows", None));
        assert_eq!(duplicates, DEMO_ROWS / 200);
    }

    #[test]
    fn date_defects_match_report() {
        let (csv, report) = demo();
        let (mut future, mut sentinel, mut before) = (0, 0, 0);
        for r in records(csv) {
            let birth = r[col("birth_date")];
            let admission = r[col("admission_date")];
            let discharge = r[col("discharge_date")];
            for d in [birth, admission, discharge] {
                parse_date(d);
            }
            assert!(admission < DEMO_REFERENCE_DATE && discharge < DEMO_REFERENCE_DATE);
            if birth > DEMO_REFERENCE_DATE {
                future += 1;
                assert!(("2027-01-01"..="2035-12-31").contains(&birth));
            } else if birth == "1900-01-01" {
                sentinel += 1;
            } else {
                assert!(birth < admission, "{birth} {admission}");
                assert!(birth >= "1915-01-01", "{birth}");
            }
            if discharge < admission {
                before += 1;
            }
        }
        assert_eq!(future, reported(report, "future_dates", Some("birth_date")));
        assert_eq!(
            sentinel,
            reported(report, "sentinel_values", Some("birth_date"))
        );
        assert_eq!(
            before,
            reported(report, "date_order", Some("discharge_date"))
        );
        assert!((20..=80).contains(&future), "{future}");
        assert!((20..=80).contains(&before), "{before}");
        assert!((2..=20).contains(&sentinel), "{sentinel}");
    }

    #[test]
    fn missing_values_match_report() {
        let (csv, report) = demo();
        let rows = records(csv);
        for (column, token, rate) in [
            ("email", "", 0.02),
            ("phone", "", 0.01),
            ("postcode", "", 0.01),
            ("medication", "NA", 0.03),
        ] {
            let c = col(column);
            let n = rows.iter().filter(|r| r[c] == token).count();
            assert_eq!(
                n,
                reported(report, "missing_values", Some(column)),
                "{column}"
            );
            let share = n as f64 / DEMO_ROWS as f64;
            assert!(
                (rate * 0.8..rate * 1.2).contains(&share),
                "{column} {share}"
            );
        }
        // Nothing else is missing.
        for column in DEMO_COLUMNS {
            if !matches!(column, "email" | "phone" | "postcode") {
                assert!(rows.iter().all(|r| !r[col(column)].is_empty()), "{column}");
            }
        }
    }

    #[test]
    fn weight_units_are_mixed() {
        let (csv, report) = demo();
        let (mut kg, mut lb) = (0, 0);
        for r in records(csv) {
            let weight = r[col("weight")];
            let (value, unit) = weight.split_once(' ').unwrap();
            let (int, frac) = value.split_once('.').unwrap();
            assert_eq!(frac.len(), 1, "{weight}");
            assert!(int.bytes().all(|b| b.is_ascii_digit()), "{weight}");
            let value: f64 = value.parse().unwrap();
            let in_kg = match unit {
                "kg" => {
                    kg += 1;
                    value
                }
                "lb" => {
                    lb += 1;
                    value / 2.204_622_6
                }
                _ => panic!("{weight}"),
            };
            assert!((2.5..=180.0).contains(&in_kg), "{weight}");
        }
        assert_eq!(lb, reported(report, "mixed_units", Some("weight")));
        assert!((0.13..0.17).contains(&(lb as f64 / DEMO_ROWS as f64)));
        assert_eq!(kg + lb, DEMO_ROWS);
    }

    #[test]
    fn postcodes_match_format_and_municipality() {
        let (csv, _) = demo();
        for r in records(csv) {
            let postcode = r[col("postcode")];
            if postcode.is_empty() {
                continue;
            }
            let code = r[col("country")];
            let country = COUNTRIES.iter().find(|c| c.code == code).unwrap();
            let b = postcode.as_bytes();
            let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
            let number: u32 = match country.postcode {
                PostcodeStyle::Swedish => {
                    assert!(b.len() == 6 && b[3] == b' ' && digits(&b[..3]) && digits(&b[4..]));
                    postcode[..3].parse().unwrap()
                }
                PostcodeStyle::Dutch => {
                    assert!(
                        b.len() == 7 && b[4] == b' ' && digits(&b[..4]),
                        "{postcode}"
                    );
                    assert!(b[5..].iter().all(u8::is_ascii_uppercase), "{postcode}");
                    postcode[..4].parse().unwrap()
                }
                PostcodeStyle::Digits { width, step } => {
                    assert!(b.len() == width && digits(b), "{postcode}");
                    let n: u32 = postcode.parse().unwrap();
                    assert_eq!(n % step, 0);
                    n
                }
            };
            let name = r[col("municipality")];
            let municipality = country
                .municipalities
                .iter()
                .find(|m| m.name == name)
                .unwrap();
            let fits = |&&(lo, hi): &&(u32, u32)| (lo..=hi).contains(&number);
            assert!(
                municipality.ranges.iter().any(|r| fits(&r)),
                "{postcode} {name}"
            );
        }
    }

    #[test]
    fn clinical_columns_are_plausible() {
        let (csv, _) = demo();
        let mut frequency: HashMap<&str, usize> = HashMap::new();
        for r in records(csv) {
            let code = r[col("diagnosis_icd10")];
            let diagnosis = DIAGNOSES.iter().find(|d| d.code == code).unwrap();
            let medication = r[col("medication")];
            assert!(medication == "NA" || diagnosis.medications.contains(&medication));
            if let Some(female) = diagnosis.female_only {
                assert_eq!(r[col("sex")] == "F", female, "{code}");
            }
            let email = r[col("email")];
            if !email.is_empty() {
                let (local, domain) = email.split_once('@').unwrap();
                assert!(!local.is_empty() && domain.contains('.'), "{email}");
                assert!(email.bytes().all(|b| b.is_ascii_graphic()), "{email}");
            }
            *frequency.entry(code).or_default() += 1;
        }
        assert!(frequency["I10"] > frequency["E11.9"] && frequency["E11.9"] > frequency["G40.9"]);
    }

    #[test]
    fn report_lists_every_defect() {
        let (_, report) = demo();
        let json = serde_json::to_string(report).unwrap();
        for kind in [
            "missing_values",
            "duplicate_rows",
            "future_dates",
            "date_order",
            "sentinel_values",
            "mixed_units",
        ] {
            assert!(json.contains(kind), "{kind}");
        }
        assert!(report.defects.iter().all(|d| d.rows > 0));
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        );
        assert_eq!(
            days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28),
            1
        );
        let mut previous = civil_from_days(days_from_civil(1850, 1, 1) - 1);
        for days in days_from_civil(1850, 1, 1)..days_from_civil(2100, 1, 1) {
            let (y, m, d) = civil_from_days(days);
            assert!(identifiers::is_valid_date(y, m, d));
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((y, m, d) > previous);
            previous = (y, m, d);
        }
    }

    #[test]
    fn fields_are_quoted_when_needed() {
        let mut buf = Vec::new();
        push_field(&mut buf, "plain");
        buf.push(b',');
        push_field(&mut buf, "a, \"b\"");
        assert_eq!(buf, b"plain,\"a, \"\"b\"\"\"");
        let mut email = Vec::new();
        push_email_name(&mut email, "Jørgen Østergaard", false);
        push_email_name(&mut email, "-Müller", true);
        push_email_name(&mut email, "van den Berg", false);
        assert_eq!(email, b"jorgenostergaardmuellervandenberg");
    }
}
