//! Personal data detection: whole values, spans in free text, and whole columns.
//!
//! - [`detect_value`]: what one cell *is* (an email address, a Danish CPR number, …).
//! - [`find_spans`]: the entities inside a piece of free text, with byte offsets.
//! - [`ColumnScanner`]: fed every value of a column, decides whether the column holds one
//!   kind of personal data, counts look-alikes with wrong check digits (a quality defect), and
//!   collects what free text mentions.
//!
//! Identifiers with check digits are only reported when the check holds; values that have
//! the shape but fail it count as `invalid` in a column of that kind. Validation lives in
//! [`datalab_data::identifiers`]; this module finds candidates fast (hand-written scanners,
//! no regular expressions) and weighs ambiguous ones. `docs/pii.md` lists every entity, how
//! it is validated and how confidence is set.

mod column;
mod dates;
mod entity;
mod names;
mod net;
mod phone;
mod text;
mod value;

use serde::Serialize;

pub use column::{ColumnPii, ColumnScanner, EntityCount, TEXT_HIT_CONFIDENCE, TextHits};
pub use entity::Entity;
pub use text::{MAX_TEXT_BYTES, find_spans};

/// Results below this confidence are not returned by [`detect_value`] or [`find_spans`].
pub const MIN_CONFIDENCE: f64 = 0.3;

/// An entity found inside a text: `text[start..end]` (byte offsets, on char boundaries).
#[derive(Clone, Debug, Serialize)]
pub struct Span {
    pub entity: Entity,
    pub start: usize,
    pub end: usize,
    pub confidence: f64,
}

/// The whole (trimmed) cell is one entity → `Some((entity, confidence))`.
///
/// Without a column to judge by, ambiguous values get the most specific valid reading with
/// a lowered confidence (see `docs/pii.md`), and readings that need context are not
/// returned: a date (birth date only by column name or surrounding words), a CPR number that
/// fails modulus 11, bare 8–9 digit numbers as phone numbers.
pub fn detect_value(value: &str) -> Option<(Entity, f64)> {
    value::analyze(value.trim())
        .best()
        .filter(|&(_, c)| c >= MIN_CONFIDENCE)
}

/// Whether `value` is a valid `entity` (check digits included), independent of what else
/// it could be. For [`Entity::DkCpr`] the modulus-11 test is required; for
/// [`Entity::DateOfBirth`] any real calendar date counts; for [`Entity::PersonName`] the
/// name shape.
pub fn is_valid(entity: Entity, value: &str) -> bool {
    let a = value::analyze(value.trim());
    match entity {
        Entity::DkCpr => a.strong().contains(entity),
        _ => a.matched().contains(entity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Junk of every kind: control characters, lone separators, digits and letters mixed,
    /// multi-byte characters, very long values. Nothing may panic, spans must be in bounds.
    #[test]
    fn junk_never_panics() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let alphabet: Vec<char> = "0123456789 +-./()@:%#AaBbXxZz\u{0}\t\n,;é€ø\u{200b}日本"
            .chars()
            .collect();
        let mut scanner = ColumnScanner::new("notes");
        let mut non_blank = 0;
        for row in 1..=20_000u64 {
            let len = if row % 1000 == 0 {
                100_000
            } else {
                rng.random_range(0..40)
            };
            let s: String = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            let _ = detect_value(&s);
            for span in find_spans(&s) {
                assert!(span.start < span.end && span.end <= s.len());
                assert!(s.is_char_boundary(span.start) && s.is_char_boundary(span.end));
            }
            non_blank += u64::from(!s.trim().is_empty());
            scanner.observe(row, &s);
        }
        assert_eq!(scanner.finish().scanned, non_blank);
    }

    #[test]
    fn empty_and_all_null_columns() {
        let p = ColumnScanner::new("email").finish();
        assert_eq!((p.entity, p.scanned, p.share), (None, 0, 0.0));
        let mut s = ColumnScanner::new("x");
        s.observe(1, "   ");
        s.observe(2, "");
        assert_eq!(s.finish().scanned, 0);
    }

    #[test]
    fn detect_value_trims_and_thresholds() {
        assert_eq!(
            detect_value("  anna@example.com \n").map(|(e, _)| e),
            Some(Entity::Email)
        );
        // A bare date is not a birth date without context.
        assert_eq!(detect_value("1985-03-12"), None);
        // A CPR number failing modulus 11 is not reported on its own.
        assert_eq!(detect_value("070761-4286"), None);
        assert!(is_valid(Entity::DkCpr, "070761-4285"));
        assert!(!is_valid(Entity::DkCpr, "070761-4286"));
    }
}
