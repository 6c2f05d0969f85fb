//! Phone numbers: E.164 / international form for every country code, national forms of
//! SE, DK, NL, DE, FR, BE, FI, NO, PL, ES and IT.

/// How a phone number was written, which decides how much it says on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PhoneForm {
    /// `+CC…` or `00CC…` with a country code whose national number length fits the numbering
    /// plan we know (the eleven countries above).
    InternationalKnown,
    /// `+CC…` with another valid country code and an E.164 length of 8–15 digits.
    International,
    /// National form with separators: `070-123 45 67`, `06 12 34 56 78`, `(030) 1234567`,
    /// `12 34 56 78` (DK/NO), `612 345 678` (ES/PL).
    NationalFormatted,
    /// Bare digits with a trunk `0` and a national length (`0701234567`): as often an
    /// identifier with a leading zero, so phone-like only where the column says so.
    NationalBare,
    /// Bare digits with a trunk `0` in a form no identifier shares: a 12-digit German mobile
    /// number (`015…`, `016…`, `017…`).
    NationalBareMobile,
    /// Bare digits without trunk prefix of DK/NO (8) or ES/PL (9) length: phone-like only when
    /// the column says so.
    BareDigits,
}

/// What [`phone`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PhoneMatch {
    Valid(PhoneForm),
    /// Written like a phone number (`+` and digits, or grouped digits) but impossible:
    /// unknown country code, or a length that the country's plan does not allow.
    Invalid,
}

/// National significant number lengths (minimum, maximum) for the eleven countries, given
/// the number after the country code (mobile ranges have tighter lengths than landlines).
fn plan(cc: &[u8], nsn: &[u8]) -> Option<(usize, usize)> {
    Some(match cc {
        b"46" => (7, 9), // SE
        b"45" => (8, 8), // DK
        b"31" => (9, 9), // NL
        // DE: mobile 15x, 16x, 17x (10–11 digits); landlines from 6.
        b"49" if nsn.first() == Some(&b'1') && matches!(nsn.get(1), Some(b'5'..=b'7')) => (10, 11),
        b"49" => (6, 11),
        b"33" => (9, 9), // FR
        b"32" => (8, 9), // BE
        // FI: the shortest geographic and mobile numbers have six digits.
        b"358" => (6, 11),
        b"47" => (8, 8), // NO
        b"48" => (9, 9), // PL
        b"34" => (9, 9), // ES
        // IT: mobile 3xx (9–10 digits), landlines with their 0 (6–11).
        b"39" if nsn.first() == Some(&b'3') => (9, 10),
        b"39" => (6, 11),
        _ => return None,
    })
}

/// Bare national digits whose form no identifier shares: a 12-digit German mobile number
/// (`015`, `016` or `017` and nine digits; the national person numbers have 10 or 11).
fn distinctive_mobile(d: &[u8]) -> bool {
    d.len() == 12 && matches!(&d[..3], b"015" | b"016" | b"017")
}

/// Length of the ITU-T E.164 country code that starts `d`, if any is assigned.
fn country_code_len(d: &[u8]) -> Option<usize> {
    let two = |d: &[u8]| (d.len() >= 2).then(|| (d[0] - b'0') * 10 + (d[1] - b'0'));
    match d.first()? {
        b'1' | b'7' => Some(1),
        b'0' => None,
        _ => {
            let t = two(d)?;
            let two_digit = matches!(
                t,
                20 | 27 | 30..=34 | 36 | 39 | 40 | 41 | 43..=49 | 51..=58 | 60..=66 | 81 | 82
                    | 84 | 86 | 90..=95 | 98
            );
            if two_digit {
                return Some(2);
            }
            let three_digit = matches!(
                t,
                21..=26 | 28 | 29 | 35 | 37 | 38 | 42 | 50 | 59 | 67..=69 | 80 | 85 | 87 | 88
                    | 96 | 97 | 99
            );
            (three_digit && d.len() >= 3).then_some(3)
        }
    }
}

/// Reads a phone-number candidate: digits with single separators (space, `-`, `.`, `/`),
/// at most one pair of parentheses, a leading `+` or `00`, and the `(0)` trunk marker some
/// write after the country code. `None` when the text is not phone-shaped at all.
pub(crate) fn phone(s: &str) -> Option<PhoneMatch> {
    let b = s.as_bytes();
    if b.len() < 6 || b.len() > 24 || super::dates::numeric_date(s).is_some() {
        return None;
    }
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut separators = 0;
    let mut groups = [0usize; 8];
    let mut g = 0;
    let mut open = false;
    let mut parens = 0;
    let mut prev_sep = true;
    let plus = b[0] == b'+';
    let mut i = usize::from(plus);
    while i < b.len() {
        let c = b[i];
        // "(0)" after a country code: a trunk prefix not dialled from abroad.
        if plus && c == b'(' && b[i..].starts_with(b"(0)") {
            i += 3;
            prev_sep = true;
            if g < groups.len() && groups[g] > 0 {
                g += 1;
            }
            continue;
        }
        match c {
            b'0'..=b'9' => {
                if n == digits.len() {
                    return None;
                }
                digits[n] = c;
                n += 1;
                if g == groups.len() {
                    return None;
                }
                groups[g] += 1;
                prev_sep = false;
            }
            b' ' | b'-' | b'.' | b'/' => {
                if prev_sep && !(c == b' ' && i > 0 && b[i - 1] == b')') {
                    return None;
                }
                separators += 1;
                prev_sep = true;
                if groups[g.min(groups.len() - 1)] > 0 {
                    g += 1;
                }
            }
            b'(' if !open && parens == 0 => {
                open = true;
                parens += 1;
                if g < groups.len() && groups[g] > 0 {
                    g += 1;
                }
            }
            b')' if open => {
                open = false;
                prev_sep = true;
                if g < groups.len() && groups[g] > 0 {
                    g += 1;
                }
            }
            _ => return None,
        }
        i += 1;
    }
    if open || n < 6 || prev_sep && !b.ends_with(b")") {
        return None;
    }
    let d = &digits[..n];
    let formatted = separators > 0 || parens > 0;
    let intl = if plus {
        Some(d)
    } else if d.starts_with(b"00") {
        Some(&d[2..])
    } else {
        None
    };
    if let Some(e164) = intl {
        // `00` then `DDMMYY-NNNN`: a person number from the first days of a month.
        if !plus && separators == 1 && groups[..2] == [6, 4] && b.contains(&b'-') {
            return None;
        }
        // `00.17.19-266.46`: dots mixed with other separators, a Belgian national number.
        if !plus && b.contains(&b'.') && b.iter().any(|c| matches!(c, b' ' | b'-' | b'/')) {
            return None;
        }
        let Some(cc) = country_code_len(e164) else {
            return Some(PhoneMatch::Invalid);
        };
        let nsn = &e164[cc..];
        if nsn.first() == Some(&b'0') && e164[..cc] != *b"39" {
            return Some(PhoneMatch::Invalid);
        }
        return Some(match plan(&e164[..cc], nsn) {
            Some((lo, hi)) if (lo..=hi).contains(&nsn.len()) => {
                PhoneMatch::Valid(PhoneForm::InternationalKnown)
            }
            Some(_) => PhoneMatch::Invalid,
            // North America (+1) and Russia/Kazakhstan (+7): ten national digits.
            None if matches!(e164[0], b'1' | b'7') && nsn.len() != 10 => PhoneMatch::Invalid,
            None if (8..=15).contains(&e164.len()) => PhoneMatch::Valid(PhoneForm::International),
            None => PhoneMatch::Invalid,
        });
    }
    // Grouped like a thousands-separated amount or a date: not a phone number.
    let group_sizes = &groups[..=g.min(groups.len() - 1)];
    let group_sizes: Vec<usize> = group_sizes.iter().copied().filter(|&x| x > 0).collect();
    if formatted
        && b.contains(&b'.')
        && group_sizes.len() >= 2
        && group_sizes[1..].iter().all(|&x| x == 3)
    {
        return None;
    }
    if formatted && !phone_grouping(b, d, &group_sizes) {
        return None;
    }
    if d[0] == b'0' {
        // Trunk prefix: SE, NL, DE, FR, BE, FI national numbers, or an Italian landline. The
        // first group of a written number is the area code (2–5 digits with the 0), so
        // `070761-4285` (an ID) is not one.
        let area_ok = !formatted || parens > 0 || (2..=5).contains(&group_sizes[0]);
        if !(8..=12).contains(&n) || d[1] == b'0' || !area_ok {
            return if formatted {
                Some(PhoneMatch::Invalid)
            } else {
                None
            };
        }
        return Some(PhoneMatch::Valid(if formatted {
            PhoneForm::NationalFormatted
        } else if distinctive_mobile(d) {
            PhoneForm::NationalBareMobile
        } else {
            PhoneForm::NationalBare
        }));
    }
    // No trunk prefix: DK and NO (8 digits, not starting with 0/1), PL (9), ES (9, 6–9),
    // IT mobiles (3xx, 9–10 digits).
    let fits = match n {
        8 => d[0] >= b'2',
        9 => d[0] >= b'1',
        10 => d[0] == b'3',
        _ => false,
    };
    match (fits, formatted) {
        (true, true) if group_sizes.iter().all(|&x| (2..=4).contains(&x)) || parens > 0 => {
            Some(PhoneMatch::Valid(PhoneForm::NationalFormatted))
        }
        (true, false) => Some(PhoneMatch::Valid(PhoneForm::BareDigits)),
        _ => None,
    }
}

/// Whether a national number written with separators is grouped as phone numbers are, and
/// not as the identifiers and addresses that share its digits. `false` for:
/// - dots mixed with other separators (`02.12.05-760.31`, a Belgian national number);
/// - dotted numbers without a trunk `0`, or with a group of three digits after the first
///   (`228.18.204`, an IPv4 fragment; `1620.49.646`, a Dutch BSN);
/// - three or more groups of exactly three digits after the first (`07 993 260 516`, a
///   German tax ID);
/// - `DDMMYY-NNNN` (a Nordic person number).
fn phone_grouping(b: &[u8], d: &[u8], groups: &[usize]) -> bool {
    let dots = b.contains(&b'.');
    let others = b
        .iter()
        .any(|c| matches!(c, b' ' | b'-' | b'/' | b'(' | b')'));
    if dots && others {
        return false;
    }
    let rest = groups.get(1..).unwrap_or(&[]);
    if dots && (d[0] != b'0' || rest.contains(&3)) {
        return false;
    }
    if rest.len() >= 3 && rest.iter().all(|&x| x == 3) {
        return false;
    }
    !(groups == [6, 4] && b.contains(&b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(s: &str) -> Option<PhoneForm> {
        match phone(s) {
            Some(PhoneMatch::Valid(f)) => Some(f),
            _ => None,
        }
    }

    #[test]
    fn international() {
        for ok in [
            "+46701234567",
            "+46 70 123 45 67",
            "+46 (0)70-123 45 67",
            "+45 12 34 56 78",
            "+31 6 12345678",
            "+49 151 12345678",
            "+33 6 12 34 56 78",
            "+32 470 12 34 56",
            "+358 40 1234567",
            "+47 412 34 567",
            "+48 512 345 678",
            "+34 612 345 678",
            "+39 06 1234 5678",
            "+39 333 123 4567",
            "0046701234567",
        ] {
            assert_eq!(form(ok), Some(PhoneForm::InternationalKnown), "{ok}");
        }
        assert_eq!(form("+1 415 555 0100"), Some(PhoneForm::International));
        assert_eq!(form("+44 20 7946 0958"), Some(PhoneForm::International));
        for bad in [
            "+45 1234 567",
            "+46 070 123 45 67",
            "+31 6 1234",
            "+0 123 456 789",
            "+35846320",
            "+358 46095",
            "+49 151 1234",
            "+39 333 1234",
            "+1 415 555 010",
        ] {
            assert_eq!(phone(bad), Some(PhoneMatch::Invalid), "{bad}");
        }
    }

    #[test]
    fn national() {
        for ok in [
            "070-123 45 67",
            "08-123 456 78",
            "06 12 34 56 78",
            "06-12345678",
            "(030) 1234567",
            "0151 12345678",
            "040 123 4567",
            "22 34 56 78",
            "612 345 678",
            "512-345-678",
        ] {
            assert_eq!(form(ok), Some(PhoneForm::NationalFormatted), "{ok}");
        }
        assert_eq!(form("0701234567"), Some(PhoneForm::NationalBare));
        assert_eq!(form("03072633391"), Some(PhoneForm::NationalBare));
        assert_eq!(form("015112345678"), Some(PhoneForm::NationalBareMobile));
        assert_eq!(form("06.12.34.56.78"), Some(PhoneForm::NationalFormatted));
        assert_eq!(form("41234567"), Some(PhoneForm::BareDigits));
        for not_phone in [
            "12.345.678",
            "1985-03-12",
            "2024-10-29",
            "123 45",
            "abc 123 456",
            "12--34 56 78",
            "1234567",
            "228.18.204",
            "1620.49.646",
            "02.12.05-760.31",
            "00.17.19-266.46",
            "07 993 260 516",
            "007787-6139",
        ] {
            assert_eq!(form(not_phone), None, "{not_phone}");
        }
    }
}
