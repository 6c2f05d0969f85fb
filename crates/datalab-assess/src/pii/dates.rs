//! Calendar dates as people write them: numeric forms and day–month-name–year in the six
//! languages (EN, SV, DA, NL, DE, FR).

use datalab_data::identifiers::is_valid_calendar_date;

/// A date-shaped string: `valid` tells whether it names a real calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateShape {
    pub valid: bool,
    /// Written without separators (`YYYYMMDD`): a date only where the context says so.
    pub compact: bool,
}

/// Splits `s` into up to three digit groups separated by one repeated separator.
fn digit_groups(s: &[u8]) -> Option<([&[u8]; 3], u8)> {
    let mut groups: [&[u8]; 3] = [&[]; 3];
    let mut sep = 0u8;
    let mut n = 0;
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        if b.is_ascii_digit() {
            continue;
        }
        if !matches!(b, b'-' | b'.' | b'/') || (sep != 0 && b != sep) || n == 2 {
            return None;
        }
        sep = b;
        groups[n] = &s[start..i];
        n += 1;
        start = i + 1;
    }
    if n != 2 {
        return None;
    }
    groups[2] = &s[start..];
    Some((groups, sep))
}

fn num(b: &[u8]) -> u32 {
    b.iter().fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'))
}

/// Numeric dates: `YYYY-MM-DD` (also `/` and `.`), `DD.MM.YYYY`, `DD-MM-YYYY`, `DD/MM/YYYY`
/// (or `MM/DD/YYYY`, valid if either reading is), one-digit day and month allowed in the
/// day-first forms, `YYYYMMDD`, and an ISO date followed by a time (`T…` or ` hh:mm…`).
pub(crate) fn numeric_date(s: &str) -> Option<DateShape> {
    let b = s.as_bytes();
    // An ISO timestamp: judge the date part.
    if b.len() > 10 && (b[10] == b'T' || b[10] == b' ') && b.len() <= 35 {
        let rest = &b[11..];
        if rest.first().is_some_and(u8::is_ascii_digit) && rest.contains(&b':') {
            return numeric_date(&s[..10]).filter(|d| !d.compact);
        }
    }
    if b.len() == 8 && b.iter().all(u8::is_ascii_digit) {
        let (y, m, d) = (num(&b[..4]), num(&b[4..6]), num(&b[6..]));
        // Only plausible years: a random 8-digit number is not a date.
        if !(1800..=2199).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        return Some(DateShape {
            valid: is_valid_calendar_date(y as i32, m, d),
            compact: true,
        });
    }
    if !(6..=10).contains(&b.len()) {
        return None;
    }
    let ([g0, g1, g2], sep) = digit_groups(b)?;
    let valid = match (g0.len(), g1.len(), g2.len()) {
        (4, 2, 2) => is_valid_calendar_date(num(g0) as i32, num(g1), num(g2)),
        (1 | 2, 1 | 2, 4) => {
            let (a, m, y) = (num(g0), num(g1), num(g2) as i32);
            is_valid_calendar_date(y, m, a) || (sep == b'/' && is_valid_calendar_date(y, a, m))
        }
        _ => return None,
    };
    Some(DateShape {
        valid,
        compact: false,
    })
}

/// Month names and common abbreviations in EN, SV, DA, NL, DE and FR (lower case, accents
/// kept and folded forms), with their month numbers.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("januari", 1),
    ("januar", 1),
    ("janvier", 1),
    ("janv", 1),
    ("jänner", 1),
    ("february", 2),
    ("feb", 2),
    ("februari", 2),
    ("februar", 2),
    ("février", 2),
    ("fevrier", 2),
    ("févr", 2),
    ("fevr", 2),
    ("march", 3),
    ("mar", 3),
    ("mars", 3),
    ("maart", 3),
    ("marts", 3),
    ("märz", 3),
    ("maerz", 3),
    ("mrt", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("avr", 4),
    ("may", 5),
    ("maj", 5),
    ("mei", 5),
    ("mai", 5),
    ("june", 6),
    ("jun", 6),
    ("juni", 6),
    ("juin", 6),
    ("july", 7),
    ("jul", 7),
    ("juli", 7),
    ("juillet", 7),
    ("juil", 7),
    ("august", 8),
    ("aug", 8),
    ("augusti", 8),
    ("augustus", 8),
    ("août", 8),
    ("aout", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septembre", 9),
    ("october", 10),
    ("oct", 10),
    ("okt", 10),
    ("oktober", 10),
    ("octobre", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("december", 12),
    ("dec", 12),
    ("dez", 12),
    ("dezember", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("déc", 12),
];

/// The month number of a month name (case-insensitive, a trailing `.` allowed).
pub(crate) fn month_number(word: &str) -> Option<u32> {
    let word = word.strip_suffix('.').unwrap_or(word);
    if word.len() < 3 || word.len() > 10 {
        return None;
    }
    let lower = word.to_lowercase();
    MONTHS.iter().find(|(m, _)| *m == lower).map(|&(_, n)| n)
}

/// Parses a day number such as `12`, `12.` (German, Danish), `1st`, `2nd`, `3rd`, `12th`,
/// `1er` (French).
fn day_number(word: &str) -> Option<u32> {
    let w = word.strip_suffix('.').unwrap_or(word);
    let w = ["st", "nd", "rd", "th", "er"]
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .unwrap_or(w);
    if w.is_empty() || w.len() > 2 || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d = num(w.as_bytes());
    (1..=31).contains(&d).then_some(d)
}

fn year_number(word: &str) -> Option<i32> {
    let w = word.strip_suffix('.').unwrap_or(word);
    (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit())).then(|| num(w.as_bytes()) as i32)
}

/// Dates with a month name, given as whitespace-separated words: `12 March 1985`,
/// `12. März 1985`, `1er janvier 1985`, `March 12, 1985`, `12 mar. 1985`. Returns the shape
/// and the number of words used.
pub(crate) fn worded_date(words: &[&str]) -> Option<(DateShape, usize)> {
    if words.len() < 3 {
        return None;
    }
    let shape = |y: i32, m: u32, d: u32| DateShape {
        valid: is_valid_calendar_date(y, m, d),
        compact: false,
    };
    if let (Some(d), Some(m), Some(y)) = (
        day_number(words[0]),
        month_number(words[1]),
        year_number(words[2]),
    ) {
        return Some((shape(y, m, d), 3));
    }
    let day = words[1].strip_suffix(',').unwrap_or(words[1]);
    if let (Some(m), Some(d), Some(y)) = (
        month_number(words[0]),
        day_number(day),
        year_number(words[2]),
    ) {
        return Some((shape(y, m, d), 3));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_forms() {
        for ok in [
            "1985-03-12",
            "1985/03/12",
            "12.03.1985",
            "12-03-1985",
            "12/03/1985",
            "03/31/1985",
            "2.3.1985",
            "19850312",
            "1985-03-12T00:00:00",
            "1985-03-12 00:00:00.000",
        ] {
            assert_eq!(
                numeric_date(ok).map(|d| d.valid),
                Some(true),
                "{ok} should be a valid date"
            );
        }
        for bad in ["2023-02-30", "1985-13-01", "31.04.1985", "29.02.1900"] {
            assert_eq!(numeric_date(bad).map(|d| d.valid), Some(false), "{bad}");
        }
        for not_date in [
            "12345678",
            "1985-03",
            "12.3",
            "1985-03-12x",
            "12:30:00",
            "1.2.3.4",
        ] {
            assert_eq!(numeric_date(not_date), None, "{not_date}");
        }
        assert!(numeric_date("19850312").unwrap().compact);
    }

    #[test]
    fn worded_forms() {
        let ok = |s: &str| {
            let words: Vec<&str> = s.split_whitespace().collect();
            worded_date(&words).map(|(d, n)| (d.valid, n))
        };
        assert_eq!(ok("12 March 1985"), Some((true, 3)));
        assert_eq!(ok("12. März 1985"), Some((true, 3)));
        assert_eq!(ok("1er janvier 1985"), Some((true, 3)));
        assert_eq!(ok("March 12, 1985"), Some((true, 3)));
        assert_eq!(ok("3 maj 1990 i Lund"), Some((true, 3)));
        assert_eq!(ok("31 april 1990"), Some((false, 3)));
        assert_eq!(ok("12 apples 1985"), None);
        assert_eq!(month_number("DÉCEMBRE"), Some(12));
    }
}
