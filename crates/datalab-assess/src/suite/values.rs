//! How checks see cells: every Arrow type is read as one of six kinds, and literals from the
//! suite file (numbers, ISO dates and timestamps) are parsed into the same representation.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::hash::Hasher;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray,
    TimestampMicrosecondArray, builder::StringBuilder,
};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{ArrowError, DataType, TimeUnit};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

pub(crate) const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The six ways a check reads a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
    Float,
    Bool,
    Date,
    Timestamp,
}

impl Kind {
    pub(crate) fn of(dt: &DataType) -> Kind {
        match dt {
            DataType::Dictionary(_, values) => Kind::of(values),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => Kind::Int,
            // UInt64 may not fit an i64; decimals have fractions: both are read as floats.
            dt if dt.is_numeric() => Kind::Float,
            DataType::Boolean => Kind::Bool,
            DataType::Date32 | DataType::Date64 => Kind::Date,
            DataType::Timestamp(..) => Kind::Timestamp,
            _ => Kind::Text,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Int => "integer",
            Kind::Float => "number",
            Kind::Bool => "boolean",
            Kind::Date => "date",
            Kind::Timestamp => "timestamp",
        }
    }
}

/// One cell (or an intermediate value of an expression).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Val<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a str),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since 1970-01-01T00:00:00 (UTC, or wall-clock time for naive columns).
    Ts(i64),
}

/// Orders two values of comparable kinds; `None` when they are not comparable (or NaN).
pub(crate) fn compare(a: Val, b: Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(&y)),
        (Val::Int(x), Val::Float(y)) => (x as f64).partial_cmp(&y),
        (Val::Float(x), Val::Int(y)) => x.partial_cmp(&(y as f64)),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(&y),
        (Val::Text(x), Val::Text(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(&y)),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(&y)),
        (Val::Ts(x), Val::Ts(y)) => Some(x.cmp(&y)),
        (Val::Date(x), Val::Ts(y)) => Some(date_micros(x).cmp(&y)),
        (Val::Ts(x), Val::Date(y)) => Some(x.cmp(&date_micros(y))),
        _ => None,
    }
}

/// A column of one batch, read as its kind.
pub(crate) enum ColumnData {
    Text(StringArray),
    Int(Int64Array),
    Float(Float64Array),
    Bool(BooleanArray),
    Date(Date32Array),
    Timestamp(TimestampMicrosecondArray),
}

impl ColumnData {
    pub(crate) fn load(array: &ArrayRef, kind: Kind) -> Result<ColumnData, ArrowError> {
        Ok(match kind {
            Kind::Text => ColumnData::Text(text_form(array)?),
            Kind::Int => ColumnData::Int(
                cast_to(array, &DataType::Int64)?
                    .as_primitive::<Int64Type>()
                    .clone(),
            ),
            Kind::Float => ColumnData::Float(
                cast_to(array, &DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .clone(),
            ),
            Kind::Bool => {
                ColumnData::Bool(cast_to(array, &DataType::Boolean)?.as_boolean().clone())
            }
            Kind::Date => ColumnData::Date(
                cast_to(array, &DataType::Date32)?
                    .as_primitive::<Date32Type>()
                    .clone(),
            ),
            Kind::Timestamp => {
                let tz = match array.data_type() {
                    DataType::Timestamp(_, tz) => tz.clone(),
                    DataType::Dictionary(_, v) => match v.as_ref() {
                        DataType::Timestamp(_, tz) => tz.clone(),
                        _ => None,
                    },
                    _ => None,
                };
                let target = DataType::Timestamp(TimeUnit::Microsecond, tz);
                ColumnData::Timestamp(
                    cast_to(array, &target)?
                        .as_primitive::<TimestampMicrosecondType>()
                        .clone(),
                )
            }
        })
    }

    pub(crate) fn is_null(&self, i: usize) -> bool {
        match self {
            ColumnData::Text(a) => a.is_null(i),
            ColumnData::Int(a) => a.is_null(i),
            ColumnData::Float(a) => a.is_null(i),
            ColumnData::Bool(a) => a.is_null(i),
            ColumnData::Date(a) => a.is_null(i),
            ColumnData::Timestamp(a) => a.is_null(i),
        }
    }

    pub(crate) fn value(&self, i: usize) -> Val<'_> {
        if self.is_null(i) {
            return Val::Null;
        }
        match self {
            ColumnData::Text(a) => Val::Text(a.value(i)),
            ColumnData::Int(a) => Val::Int(a.value(i)),
            ColumnData::Float(a) => Val::Float(a.value(i)),
            ColumnData::Bool(a) => Val::Bool(a.value(i)),
            ColumnData::Date(a) => Val::Date(a.value(i)),
            ColumnData::Timestamp(a) => Val::Ts(a.value(i)),
        }
    }
}

fn cast_to(array: &ArrayRef, target: &DataType) -> Result<ArrayRef, ArrowError> {
    if array.data_type() == target {
        Ok(array.clone())
    } else {
        arrow_cast::cast(array, target)
    }
}

/// The text form of a column (the one every datalab crate keys values by: integers as
/// decimals, dates as ISO 8601), with nulls kept.
pub(crate) fn text_form(array: &ArrayRef) -> Result<StringArray, ArrowError> {
    match array.data_type() {
        DataType::Utf8 => return Ok(array.as_string::<i32>().clone()),
        DataType::LargeUtf8 | DataType::Utf8View => {
            return Ok(cast_to(array, &DataType::Utf8)?.as_string::<i32>().clone());
        }
        DataType::Dictionary(_, v) if v.as_ref() == &DataType::Utf8 => {
            return Ok(cast_to(array, &DataType::Utf8)?.as_string::<i32>().clone());
        }
        _ => {}
    }
    // Logical nulls, so that a `Null`-typed column (which has no validity buffer) reads as
    // all-null rather than as the text "".
    let nulls = array.logical_nulls();
    let fmt = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())?;
    let mut out = StringBuilder::with_capacity(array.len(), array.len() * 8);
    let mut cell = String::new();
    for i in 0..array.len() {
        if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            out.append_null();
        } else {
            cell.clear();
            write!(cell, "{}", fmt.value(i))
                .map_err(|e| ArrowError::ComputeError(e.to_string()))?;
            out.append_value(&cell);
        }
    }
    Ok(out.finish())
}

/// Hashes a value so that equal values (and only those, up to hash collisions) hash alike.
pub(crate) fn hash_val(v: Val, h: &mut impl Hasher) {
    match v {
        Val::Null => h.write_u8(0),
        Val::Int(x) => {
            h.write_u8(1);
            h.write_i64(x);
        }
        Val::Float(x) => {
            h.write_u8(2);
            h.write_u64(float_key(x));
        }
        Val::Text(s) => {
            // The length prefix keeps ("ab", "c") and ("a", "bc") apart in compound keys.
            h.write_u8(3);
            h.write_usize(s.len());
            h.write(s.as_bytes());
        }
        Val::Bool(b) => {
            h.write_u8(4);
            h.write_u8(b as u8);
        }
        Val::Date(d) => {
            h.write_u8(5);
            h.write_i32(d);
        }
        Val::Ts(t) => {
            h.write_u8(6);
            h.write_i64(t);
        }
    }
}

/// Bits of a float with `-0.0 == 0.0` and all NaNs alike, for sets and hashing.
pub(crate) fn float_key(x: f64) -> u64 {
    if x == 0.0 {
        0
    } else if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

fn epoch() -> NaiveDate {
    DateTime::UNIX_EPOCH.date_naive()
}

/// Midnight of a date; saturates for dates beyond ±292,000 years (possible in Parquet input).
pub(crate) fn date_micros(days: i32) -> i64 {
    i64::from(days).saturating_mul(MICROS_PER_DAY)
}

pub(crate) fn days_of(date: NaiveDate) -> Option<i32> {
    i32::try_from((date - epoch()).num_days()).ok()
}

pub(crate) fn micros_of(ts: NaiveDateTime) -> i64 {
    ts.and_utc().timestamp_micros()
}

/// `YYYY-MM-DD` → days since the epoch.
pub(crate) fn parse_date(s: &str) -> Option<i32> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    days_of(d)
}

/// ISO 8601 timestamp (`T` or space; optional fraction; optional `Z` or offset, converted to
/// UTC) or a bare date (midnight) → microseconds since the epoch.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(micros_of(t));
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%:z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.timestamp_micros());
        }
    }
    parse_date(s).map(date_micros)
}

/// A number written as text: integers stay exact.
pub(crate) fn parse_number(s: &str) -> Option<Val<'static>> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Some(Val::Int(i));
    }
    // Rust also accepts "inf" and "NaN": those are not numbers a suite means.
    let f = s.parse::<f64>().ok()?;
    f.is_finite().then_some(Val::Float(f))
}

pub(crate) fn format_date(days: i32) -> String {
    epoch()
        .checked_add_signed(chrono::Duration::days(i64::from(days)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| format!("day {days} after 1970-01-01"))
}

pub(crate) fn format_timestamp(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros)
        .map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_else(|| format!("{micros} µs after 1970-01-01"))
}

/// A value for messages.
pub(crate) fn display(v: Val) -> String {
    match v {
        Val::Null => "null".to_string(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.to_string(),
        Val::Text(s) => format!("'{s}'"),
        Val::Bool(b) => b.to_string(),
        Val::Date(d) => format_date(d),
        Val::Ts(t) => format_timestamp(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_parse() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2020-02-30"), None);
        assert_eq!(parse_timestamp("1970-01-01T00:00:01"), Some(1_000_000));
        assert_eq!(parse_timestamp("1970-01-01 00:00:01.5"), Some(1_500_000));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_timestamp("1970-01-02"), Some(MICROS_PER_DAY));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(format_date(18262), "2020-01-01");
        assert_eq!(format_timestamp(1_000_000), "1970-01-01T00:00:01");
    }

    #[test]
    fn numbers_parse_exactly() {
        assert!(matches!(parse_number(" 42 "), Some(Val::Int(42))));
        assert!(matches!(parse_number("2.5"), Some(Val::Float(f)) if f == 2.5));
        assert!(parse_number("NaN").is_none());
        assert!(parse_number("12 kg").is_none());
    }

    #[test]
    fn mixed_kinds_compare() {
        assert_eq!(compare(Val::Int(2), Val::Float(2.5)), Some(Ordering::Less));
        assert_eq!(
            compare(Val::Date(1), Val::Ts(MICROS_PER_DAY)),
            Some(Ordering::Equal)
        );
        assert_eq!(compare(Val::Float(f64::NAN), Val::Float(1.0)), None);
        assert_eq!(compare(Val::Text("a"), Val::Int(1)), None);
    }
}
