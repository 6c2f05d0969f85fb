//! Text cells → typed Arrow columns. Both text formats (CSV and JSON Lines) tokenise their input
//! into a [`TextBatch`]; type inference and column building live here so the two agree exactly.

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder};
use arrow_array::{ArrayRef, Date32Array, StringArray, TimestampMicrosecondArray};
use arrow_buffer::{BooleanBufferBuilder, Buffer, NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// The column types datalab infers and that a schema override may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    String,
    Integer,
    Float,
    Boolean,
    Date,
    /// Date and time without a UTC offset (wall-clock time as written).
    Timestamp,
    /// Date and time with an offset in the source, stored normalised to UTC.
    TimestampUtc,
}

impl ColumnType {
    pub const ALL: [ColumnType; 7] = [
        ColumnType::String,
        ColumnType::Integer,
        ColumnType::Float,
        ColumnType::Boolean,
        ColumnType::Date,
        ColumnType::Timestamp,
        ColumnType::TimestampUtc,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Integer => "integer",
            ColumnType::Float => "float",
            ColumnType::Boolean => "boolean",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp",
            ColumnType::TimestampUtc => "timestamp_utc",
        }
    }

    pub fn parse(s: &str) -> Option<ColumnType> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "string" | "str" | "text" | "utf8" => ColumnType::String,
            "integer" | "int" | "int64" => ColumnType::Integer,
            "float" | "double" | "float64" | "number" => ColumnType::Float,
            "boolean" | "bool" => ColumnType::Boolean,
            "date" => ColumnType::Date,
            "timestamp" | "datetime" => ColumnType::Timestamp,
            "timestamp_utc" | "timestamptz" => ColumnType::TimestampUtc,
            _ => return None,
        })
    }

    pub fn arrow_type(self) -> DataType {
        match self {
            ColumnType::String => DataType::Utf8,
            ColumnType::Integer => DataType::Int64,
            ColumnType::Float => DataType::Float64,
            ColumnType::Boolean => DataType::Boolean,
            ColumnType::Date => DataType::Date32,
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            ColumnType::TimestampUtc => {
                DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
            }
        }
    }
}

/// How one column is parsed: its type and, for dates and timestamps, an optional chrono format.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnSpec {
    pub ty: ColumnType,
    pub format: Option<String>,
}

/// Tokens that mean "missing" in text input. The empty cell is always null.
#[derive(Clone, Debug)]
pub struct NullTokens {
    tokens: Vec<Vec<u8>>,
    max_len: usize,
    /// First bytes of the tokens: most cells are rejected by one table lookup.
    first_bytes: [bool; 256],
}

impl NullTokens {
    pub const DEFAULT: [&'static str; 4] = ["NA", "N/A", "null", "?"];

    pub fn new<S: AsRef<str>>(tokens: &[S]) -> Self {
        let tokens: Vec<Vec<u8>> = tokens
            .iter()
            .map(|t| t.as_ref().trim().as_bytes().to_vec())
            .filter(|t| !t.is_empty())
            .collect();
        let max_len = tokens.iter().map(Vec::len).max().unwrap_or(0);
        let mut first_bytes = [false; 256];
        for t in &tokens {
            first_bytes[t[0] as usize] = true;
        }
        NullTokens {
            tokens,
            max_len,
            first_bytes,
        }
    }

    pub fn tokens(&self) -> Vec<String> {
        self.tokens
            .iter()
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .collect()
    }

    #[inline]
    pub fn is_null(&self, cell: &[u8]) -> bool {
        // Hot path of every import: decide most cells without trimming or comparing.
        let (Some(&first), Some(&last)) = (cell.first(), cell.last()) else {
            return true;
        };
        if !first.is_ascii_whitespace() && !last.is_ascii_whitespace() {
            return cell.len() <= self.max_len
                && self.first_bytes[first as usize]
                && self.tokens.iter().any(|t| t == cell);
        }
        let cell = trim_ascii(cell);
        cell.is_empty() || (cell.len() <= self.max_len && self.tokens.iter().any(|t| t == cell))
    }
}

impl Default for NullTokens {
    fn default() -> Self {
        NullTokens::new(&Self::DEFAULT)
    }
}

#[inline]
pub fn trim_ascii(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Rows of text cells, stored contiguously: cell `i` (row-major) spans `data[ends[i-1]..ends[i]]`.
#[derive(Default)]
pub struct TextBatch {
    pub data: Vec<u8>,
    pub ends: Vec<usize>,
    pub ncols: usize,
    /// Source line on which each row starts (1-based), for error messages.
    pub lines: Vec<u64>,
    /// Set by formats with real nulls (JSON Lines): cell `i` is null. Null tokens then do not apply.
    pub explicit_nulls: Option<Vec<bool>>,
}

impl TextBatch {
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    #[inline]
    pub fn cell(&self, row: usize, col: usize) -> &[u8] {
        let i = row * self.ncols + col;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    #[inline]
    pub fn is_null(&self, row: usize, col: usize, nulls: &NullTokens) -> bool {
        match &self.explicit_nulls {
            Some(flags) => flags[row * self.ncols + col],
            None => nulls.is_null(self.cell(row, col)),
        }
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
        self.lines.clear();
        if let Some(n) = &mut self.explicit_nulls {
            n.clear();
        }
    }
}

/// A cell that does not parse as its column's type.
#[derive(Debug)]
pub struct CellError {
    pub row: usize,
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// Scalar parsers. Numbers and dates are trimmed of surrounding ASCII spaces; strings are kept verbatim.

/// Parses an integer with optional sign. Returns None on overflow or any non-digit.
#[inline]
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    let b = trim_ascii(b);
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?;
        v = if neg {
            v.checked_sub(d as i64)?
        } else {
            v.checked_add(d as i64)?
        };
    }
    Some(v)
}

#[inline]
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(trim_ascii(b)).ok()?;
    // Reject Rust-only spellings such as "inf" or "infinity" unless written as common CSV forms.
    let v: f64 = s.parse().ok()?;
    if v.is_finite() || matches!(s, "NaN" | "nan" | "inf" | "-inf" | "Infinity" | "-Infinity") {
        Some(v)
    } else {
        None
    }
}

#[inline]
pub fn parse_bool(b: &[u8]) -> Option<bool> {
    let b = trim_ascii(b);
    if b.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if b.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

#[inline]
fn two_digits(b: &[u8]) -> Option<u32> {
    let a = b[0].wrapping_sub(b'0');
    let c = b[1].wrapping_sub(b'0');
    (a <= 9 && c <= 9).then_some((a * 10 + c) as u32)
}

#[inline]
fn ymd(b: &[u8]) -> Option<NaiveDate> {
    // YYYY-MM-DD
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = two_digits(&b[0..2])? * 100 + two_digits(&b[2..4])?;
    NaiveDate::from_ymd_opt(y as i32, two_digits(&b[5..7])?, two_digits(&b[8..10])?)
}

/// ISO date `YYYY-MM-DD` → days since 1970-01-01 (Arrow Date32).
#[inline]
pub fn parse_date(b: &[u8]) -> Option<i32> {
    use chrono::Datelike;
    ymd(trim_ascii(b)).map(|d| d.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE)
}

/// ISO 8601 date-time: `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM]`, or a bare date
/// (midnight). Returns microseconds since the epoch (UTC when an offset was given) and whether
/// an offset was present.
pub fn parse_timestamp(b: &[u8]) -> Option<(i64, bool)> {
    let b = trim_ascii(b);
    let date = ymd(b.get(..10)?)?;
    let mut rest = &b[10..];
    let (mut h, mut mi, mut s, mut micros) = (0u32, 0u32, 0u32, 0u32);
    if !rest.is_empty() {
        if rest[0] != b'T' && rest[0] != b' ' || rest.len() < 6 || rest[3] != b':' {
            return None;
        }
        h = two_digits(&rest[1..3])?;
        mi = two_digits(&rest[4..6])?;
        rest = &rest[6..];
        if rest.first() == Some(&b':') {
            s = two_digits(rest.get(1..3)?)?;
            rest = &rest[3..];
            if rest.first() == Some(&b'.') {
                let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits == 0 || digits > 9 {
                    return None;
                }
                let mut frac = 0u32;
                for (i, &c) in rest[1..1 + digits].iter().enumerate() {
                    if i < 6 {
                        frac = frac * 10 + (c - b'0') as u32;
                    }
                }
                for _ in digits..6 {
                    frac *= 10;
                }
                micros = frac;
                rest = &rest[1 + digits..];
            }
        }
    }
    let naive = date.and_hms_micro_opt(h, mi, s, micros)?;
    let mut t = naive.and_utc().timestamp_micros();
    match rest {
        [] => Some((t, false)),
        [b'Z'] | [b'z'] => Some((t, true)),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (oh, om) = match tail {
                [a, b, b':', c, d] | [a, b, c, d] => {
                    (two_digits(&[*a, *b])?, two_digits(&[*c, *d])?)
                }
                [a, b] => (two_digits(&[*a, *b])?, 0),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let offset = (oh as i64 * 3600 + om as i64 * 60) * 1_000_000;
            // Local time = UTC + offset, so UTC = local − offset.
            t = if *sign == b'+' {
                t - offset
            } else {
                t + offset
            };
            Some((t, true))
        }
        _ => None,
    }
}

fn parse_date_with(b: &[u8], fmt: &str) -> Option<i32> {
    use chrono::Datelike;
    let s = std::str::from_utf8(trim_ascii(b)).ok()?;
    NaiveDate::parse_from_str(s, fmt)
        .ok()
        .map(|d| d.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE)
}

fn parse_timestamp_with(b: &[u8], fmt: &str) -> Option<(i64, bool)> {
    let s = std::str::from_utf8(trim_ascii(b)).ok()?;
    if fmt.contains("%z") || fmt.contains("%:z") || fmt.contains("%#z") {
        DateTime::parse_from_str(s, fmt)
            .ok()
            .map(|t| (t.timestamp_micros(), true))
    } else {
        NaiveDateTime::parse_from_str(s, fmt)
            .ok()
            .map(|t| (t.and_utc().timestamp_micros(), false))
    }
}

// ---------------------------------------------------------------------------------------------
// Inference

/// Accumulates, for one column, which types every non-null value seen so far fits.
#[derive(Clone, Debug)]
pub struct TypeGuess {
    pub non_null: u64,
    /// Hashes of the first distinct values, to tell near-unique columns (ids, free text) apart;
    /// the Parquet writer skips dictionary encoding for those.
    distinct: rustc_hash::FxHashSet<u64>,
    distinct_sampled: u64,
    boolean: bool,
    integer: bool,
    float: bool,
    date: bool,
    timestamp: bool,
    saw_offset: bool,
    saw_naive: bool,
}

impl Default for TypeGuess {
    fn default() -> Self {
        TypeGuess {
            non_null: 0,
            distinct: rustc_hash::FxHashSet::default(),
            distinct_sampled: 0,
            boolean: true,
            integer: true,
            float: true,
            date: true,
            timestamp: true,
            saw_offset: false,
            saw_naive: false,
        }
    }
}

const DISTINCT_SAMPLE: usize = 16_384;

/// Integer syntax that is safe to store as a number: no leading zeros (postcodes, national ids)
/// and no leading '+' (phone numbers) — those stay text so that nothing is lost.
fn is_plain_integer(b: &[u8]) -> bool {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits.len() == 1 || digits[0] != b'0')
}

impl TypeGuess {
    pub fn observe(&mut self, cell: &[u8]) {
        let b = trim_ascii(cell);
        self.non_null += 1;
        if self.distinct.len() < DISTINCT_SAMPLE {
            use std::hash::{BuildHasher, BuildHasherDefault};
            let h = BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(b);
            self.distinct.insert(h);
            self.distinct_sampled += 1;
        }
        if self.boolean {
            self.boolean = parse_bool(b).is_some();
        }
        let looks_integer = is_plain_integer(b);
        if self.integer {
            self.integer = looks_integer && parse_i64(b).is_some();
        }
        if self.float {
            self.float = if b.iter().all(|c| c.is_ascii_digit() || *c == b'-') {
                // Integer-shaped: a float only if it is also a safe integer (no codes, no huge ids).
                looks_integer && parse_i64(b).is_some()
            } else {
                let leading_zero_code = {
                    let d = b.strip_prefix(b"-").unwrap_or(b);
                    d.len() > 1 && d[0] == b'0' && d[1].is_ascii_digit()
                };
                // A leading '+' marks phone numbers and codes, not quantities.
                !leading_zero_code
                    && b.first() != Some(&b'+')
                    && b.iter().any(u8::is_ascii_digit)
                    && parse_f64(b).is_some_and(f64::is_finite)
            };
        }
        if self.date {
            self.date = parse_date(b).is_some();
        }
        if self.timestamp {
            match parse_timestamp(b) {
                Some((_, true)) => self.saw_offset = true,
                Some((_, false)) => self.saw_naive = true,
                None => self.timestamp = false,
            }
        }
    }

    /// True when most sampled values are distinct (ids, emails, free text, measurements).
    pub fn mostly_distinct(&self) -> bool {
        self.distinct_sampled >= 1000 && self.distinct.len() as u64 * 2 > self.distinct_sampled
    }

    pub fn decide(&self) -> ColumnType {
        if self.non_null == 0 {
            ColumnType::String
        } else if self.boolean {
            ColumnType::Boolean
        } else if self.integer {
            ColumnType::Integer
        } else if self.float {
            ColumnType::Float
        } else if self.date {
            ColumnType::Date
        } else if self.timestamp && !(self.saw_offset && self.saw_naive) {
            if self.saw_offset {
                ColumnType::TimestampUtc
            } else {
                ColumnType::Timestamp
            }
        } else {
            ColumnType::String
        }
    }

    /// Whether `value` fits the type this guess would decide (used for header detection).
    pub fn accepts(ty: ColumnType, value: &[u8]) -> bool {
        let mut g = TypeGuess::default();
        g.observe(value);
        match ty {
            ColumnType::String => true,
            ColumnType::Integer => g.integer,
            ColumnType::Float => g.float,
            ColumnType::Boolean => g.boolean,
            ColumnType::Date => g.date,
            ColumnType::Timestamp | ColumnType::TimestampUtc => g.timestamp,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Column building

fn null_buffer(valid: BooleanBufferBuilder, null_count: usize) -> Option<NullBuffer> {
    let mut valid = valid;
    (null_count > 0).then(|| NullBuffer::new(valid.finish()))
}

/// Builds column `col` of `batch` as an Arrow array of `spec`'s type.
pub fn build_column(
    batch: &TextBatch,
    col: usize,
    spec: &ColumnSpec,
    nulls: &NullTokens,
) -> Result<ArrayRef, CellError> {
    let rows = batch.rows();
    let fail = |row: usize, what: &str| {
        let cell = batch.cell(row, col);
        let shown: String = String::from_utf8_lossy(cell).chars().take(60).collect();
        CellError {
            row,
            message: format!("'{shown}' is not {what}"),
        }
    };
    Ok(match spec.ty {
        ColumnType::String => Arc::new(build_strings(batch, col, nulls)?),
        ColumnType::Integer => {
            let mut b = Int64Builder::with_capacity(rows);
            for r in 0..rows {
                if batch.is_null(r, col, nulls) {
                    b.append_null();
                } else {
                    b.append_value(
                        parse_i64(batch.cell(r, col)).ok_or_else(|| fail(r, "an integer"))?,
                    );
                }
            }
            Arc::new(b.finish()) as ArrayRef
        }
        ColumnType::Float => {
            let mut b = Float64Builder::with_capacity(rows);
            for r in 0..rows {
                if batch.is_null(r, col, nulls) {
                    b.append_null();
                } else {
                    b.append_value(
                        parse_f64(batch.cell(r, col)).ok_or_else(|| fail(r, "a number"))?,
                    );
                }
            }
            Arc::new(b.finish())
        }
        ColumnType::Boolean => {
            let mut b = BooleanBuilder::with_capacity(rows);
            for r in 0..rows {
                if batch.is_null(r, col, nulls) {
                    b.append_null();
                } else {
                    b.append_value(
                        parse_bool(batch.cell(r, col)).ok_or_else(|| fail(r, "true or false"))?,
                    );
                }
            }
            Arc::new(b.finish())
        }
        ColumnType::Date => {
            let mut values = Vec::with_capacity(rows);
            let mut valid = BooleanBufferBuilder::new(rows);
            let mut null_count = 0;
            let what = match &spec.format {
                Some(f) => format!("a date in the format '{f}'"),
                None => "a date (YYYY-MM-DD)".to_string(),
            };
            for r in 0..rows {
                if batch.is_null(r, col, nulls) {
                    values.push(0);
                    valid.append(false);
                    null_count += 1;
                } else {
                    let cell = batch.cell(r, col);
                    let v = match &spec.format {
                        Some(f) => parse_date_with(cell, f),
                        None => parse_date(cell),
                    };
                    values.push(v.ok_or_else(|| fail(r, &what))?);
                    valid.append(true);
                }
            }
            Arc::new(Date32Array::new(
                values.into(),
                null_buffer(valid, null_count),
            ))
        }
        ColumnType::Timestamp | ColumnType::TimestampUtc => {
            let want_offset = spec.ty == ColumnType::TimestampUtc;
            let mut values = Vec::with_capacity(rows);
            let mut valid = BooleanBufferBuilder::new(rows);
            let mut null_count = 0;
            let what = match (&spec.format, want_offset) {
                (Some(f), _) => format!("a timestamp in the format '{f}'"),
                (None, true) => "an ISO 8601 timestamp with a UTC offset".to_string(),
                (None, false) => "an ISO 8601 timestamp without a UTC offset".to_string(),
            };
            for r in 0..rows {
                if batch.is_null(r, col, nulls) {
                    values.push(0);
                    valid.append(false);
                    null_count += 1;
                    continue;
                }
                let cell = batch.cell(r, col);
                let parsed = match &spec.format {
                    Some(f) => parse_timestamp_with(cell, f),
                    None => parse_timestamp(cell),
                };
                match parsed {
                    // A column is either wall-clock or UTC: mixing would silently shift times.
                    Some((t, has_offset)) if has_offset == want_offset || spec.format.is_some() => {
                        values.push(t);
                        valid.append(true);
                    }
                    _ => return Err(fail(r, &what)),
                }
            }
            let arr = TimestampMicrosecondArray::new(values.into(), null_buffer(valid, null_count));
            if want_offset {
                Arc::new(arr.with_timezone("UTC"))
            } else {
                Arc::new(arr)
            }
        }
    })
}

fn build_strings(
    batch: &TextBatch,
    col: usize,
    nulls: &NullTokens,
) -> Result<StringArray, CellError> {
    let rows = batch.rows();
    let mut offsets: Vec<i32> = Vec::with_capacity(rows + 1);
    offsets.push(0);
    let mut values: Vec<u8> = Vec::new();
    let mut valid = BooleanBufferBuilder::new(rows);
    let mut null_count = 0;
    for r in 0..rows {
        if batch.is_null(r, col, nulls) {
            valid.append(false);
            null_count += 1;
        } else {
            values.extend_from_slice(batch.cell(r, col));
            valid.append(true);
        }
        let end = i32::try_from(values.len()).map_err(|_| CellError {
            row: r,
            message: "column holds more than 2 GiB of text in one batch".to_string(),
        })?;
        offsets.push(end);
    }
    // One UTF-8 check for the whole column; on failure find the offending cell for the message.
    if let Err(e) = std::str::from_utf8(&values) {
        let pos = e.valid_up_to();
        let row = offsets
            .partition_point(|&o| (o as usize) <= pos)
            .saturating_sub(1);
        return Err(CellError {
            row,
            message: "contains bytes that are not valid UTF-8 (the file is in another encoding; \
                      re-run with --encoding latin1 if it is Latin-1/Windows-1252)"
                .to_string(),
        });
    }
    let offsets = OffsetBuffer::new(offsets.into());
    StringArray::try_new(
        offsets,
        Buffer::from_vec(values),
        null_buffer(valid, null_count),
    )
    .map_err(|e| CellError {
        row: 0,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_keep_codes_as_text() {
        let mut g = TypeGuess::default();
        for v in ["12", "-3", "0"] {
            g.observe(v.as_bytes());
        }
        assert_eq!(g.decide(), ColumnType::Integer);
        g.observe(b"0123");
        assert_eq!(
            g.decide(),
            ColumnType::String,
            "leading zeros are codes, not numbers"
        );
        let mut g = TypeGuess::default();
        g.observe(b"+46701234567");
        assert_eq!(g.decide(), ColumnType::String);
        let mut g = TypeGuess::default();
        g.observe(b"123456789012345678901234");
        assert_eq!(
            g.decide(),
            ColumnType::String,
            "ids too big for i64 must not become floats"
        );
    }

    #[test]
    fn floats_dates_timestamps_bools() {
        let decide = |vals: &[&str]| {
            let mut g = TypeGuess::default();
            vals.iter().for_each(|v| g.observe(v.as_bytes()));
            g.decide()
        };
        assert_eq!(decide(&["1", "2.5", "-3e4"]), ColumnType::Float);
        assert_eq!(decide(&["2020-01-31", "1999-12-01"]), ColumnType::Date);
        assert_eq!(decide(&["2020-02-30"]), ColumnType::String);
        assert_eq!(
            decide(&["2020-01-31T10:00:00", "2020-01-31 10:00"]),
            ColumnType::Timestamp
        );
        assert_eq!(
            decide(&["2020-01-31T10:00:00Z", "2020-01-31T10:00:00+02:00"]),
            ColumnType::TimestampUtc
        );
        assert_eq!(
            decide(&["2020-01-31T10:00:00Z", "2020-01-31T10:00:00"]),
            ColumnType::String
        );
        assert_eq!(decide(&["TRUE", "false"]), ColumnType::Boolean);
        assert_eq!(decide(&["1", "0"]), ColumnType::Integer);
        assert_eq!(decide(&["abc", "1"]), ColumnType::String);
        assert_eq!(decide(&[]), ColumnType::String);
    }

    #[test]
    fn timestamp_offsets_normalise_to_utc() {
        let (a, _) = parse_timestamp(b"2020-01-01T12:00:00+02:00").unwrap();
        let (b, _) = parse_timestamp(b"2020-01-01T10:00:00Z").unwrap();
        assert_eq!(a, b);
        let (c, off) = parse_timestamp(b"2020-01-01 10:00:00.5").unwrap();
        assert!(!off);
        assert_eq!(c, b + 500_000);
        assert!(parse_timestamp(b"2020-01-01T25:00:00").is_none());
    }

    #[test]
    fn integer_parse_bounds() {
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b" 42 "), Some(42));
        assert_eq!(parse_i64(b"4 2"), None);
    }

    #[test]
    fn date_epoch() {
        assert_eq!(parse_date(b"1970-01-01"), Some(0));
        assert_eq!(parse_date(b"1970-01-02"), Some(1));
        assert_eq!(parse_date(b"1969-12-31"), Some(-1));
        assert_eq!(parse_date_with(b"31/12/1969", "%d/%m/%Y"), Some(-1));
    }
}
