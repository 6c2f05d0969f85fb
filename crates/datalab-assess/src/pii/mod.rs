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

pub use column::{ColumnPii, ColumnScanner, EntityCount, TextHits};
pub use entity::Entity;
pub use text::find_spans;

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
