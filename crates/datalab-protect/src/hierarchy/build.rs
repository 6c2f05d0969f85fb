//! Automatic hierarchy builders. Each takes the data values of one attribute (as text, the form
//! the aggregate providers use: integers as decimals, dates as ISO 8601; repeats are fine) and
//! returns a validated [`Hierarchy`] that covers every one of them, with `*` as the top level.
//!
//! - [`intervals`]: fixed-width numeric intervals, coarsened by a fan-out per level.
//! - [`quantiles`]: numeric intervals cut at quantiles, coarsened by merging neighbours.
//! - [`dates`]: day → month `YYYY-MM` → quarter `YYYY-Qn` → year `YYYY` → decade `2020s`.
//! - [`mask`]: right-to-left masking of codes (`12345` → `1234*` → `123**` …).
//! - [`tree`](super::tree::tree): categorical trees from a TOML or YAML file.
//!
//! Interval labels: when every number involved (values, width, limits) is an integer, an interval
//! is written `lo-hi` with both ends included (`20-24`), as in ARX's shipped Adult hierarchy;
//! otherwise it is half-open and written ARX-style `[lo, hi[` (`[0.5, 1[`). Bottom and top coding
//! put values below the bottom limit into `<bottom` and values at or above the top limit into
//! `>=top` on every level below `*`. Numbers are handled as exact decimals, never as binary
//! floating point, so a value on an interval boundary always lands in the interval it starts.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap;

use super::{Hierarchy, HierarchyError, MAX_LISTED};

/// The label of the top level of every built hierarchy.
pub const TOP: &str = "*";

/// At most this many digits after the decimal point in numbers given to the numeric builders.
const MAX_DECIMALS: u32 = 18;

/// Options of the fixed-width interval builder (`interval:WIDTH,FANOUT…` on the command line).
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalOptions {
    /// Width of the level-1 intervals (decimal text, e.g. `"5"` or `"0.5"`); must be > 0.
    pub width: String,
    /// How many intervals of level `k` make one of level `k + 1`, per level; the last entry
    /// repeats for all further levels. Each must be ≥ 2. Empty means 2.
    pub fanout: Vec<u32>,
    /// Bottom coding: values below this get the label `<bottom`.
    pub bottom: Option<String>,
    /// Top coding: values at or above this get the label `>=top`.
    pub top: Option<String>,
    /// Start of the first interval. Default: `bottom` when set, else the smallest value rounded
    /// down to a multiple of `width` (with `origin = 0` and ages 0–99, width 5 and fan-out 2 give
    /// `0-4`, `0-9`, `0-19`, … like ARX's Adult hierarchy). Must not exceed the smallest value
    /// that is not bottom-coded.
    pub origin: Option<String>,
    /// At most this many interval levels between the values and `*` (default: until one interval
    /// would hold every value that is not bottom- or top-coded).
    pub max_levels: Option<usize>,
}

impl IntervalOptions {
    pub fn new(width: impl Into<String>, fanout: Vec<u32>) -> IntervalOptions {
        IntervalOptions {
            width: width.into(),
            fanout,
            bottom: None,
            top: None,
            origin: None,
            max_levels: None,
        }
    }
}

/// Options of the quantile builder (`quantile:BINS…` on the command line).
#[derive(Clone, Debug, PartialEq)]
pub struct QuantileOptions {
    /// Number of level-1 intervals (≥ 2); fewer when the values have fewer distinct numbers.
    pub bins: u32,
    /// How many neighbouring intervals merge into one per level above level 1 (≥ 2; default 2).
    pub fanout: u32,
    pub bottom: Option<String>,
    pub top: Option<String>,
}

impl QuantileOptions {
    pub fn new(bins: u32) -> QuantileOptions {
        QuantileOptions {
            bins,
            fanout: 2,
            bottom: None,
            top: None,
        }
    }
}

/// One level of a date hierarchy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DateLevel {
    /// `YYYY-MM-DD` (only useful above date-times).
    Day,
    /// `YYYY-MM`
    Month,
    /// `YYYY-Qn`
    Quarter,
    /// `YYYY`
    Year,
    /// `2020s`
    Decade,
}

impl DateLevel {
    pub const ALL: [DateLevel; 5] = [
        DateLevel::Day,
        DateLevel::Month,
        DateLevel::Quarter,
        DateLevel::Year,
        DateLevel::Decade,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DateLevel::Day => "day",
            DateLevel::Month => "month",
            DateLevel::Quarter => "quarter",
            DateLevel::Year => "year",
            DateLevel::Decade => "decade",
        }
    }

    pub fn from_name(name: &str) -> Option<DateLevel> {
        DateLevel::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(name.trim()))
    }

    fn label(self, d: NaiveDate) -> String {
        match self {
            DateLevel::Day => d.format("%Y-%m-%d").to_string(),
            DateLevel::Month => format!("{:04}-{:02}", d.year(), d.month()),
            DateLevel::Quarter => format!("{:04}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
            DateLevel::Year => format!("{:04}", d.year()),
            DateLevel::Decade => format!("{}s", d.year().div_euclid(10) * 10),
        }
    }
}

/// Distinct values in first-seen order.
fn distinct<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: FxHashMap<&'a str, ()> = FxHashMap::default();
    values
        .into_iter()
        .filter(|v| seen.insert(v, ()).is_none())
        .collect()
}

fn no_values(attribute: &str) -> HierarchyError {
    HierarchyError::Empty {
        attribute: attribute.to_string(),
        reason: "the column has no (non-null) values to build it from; check the column name \
                 and the data"
            .to_string(),
    }
}

fn bad_values(attribute: &str, expected: &str, bad: Vec<&str>, hint: &str) -> HierarchyError {
    HierarchyError::BadValues {
        attribute: attribute.to_string(),
        expected: expected.to_string(),
        count: bad.len(),
        values: bad.iter().take(MAX_LISTED).map(|v| v.to_string()).collect(),
        hint: hint.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Exact decimals

/// A decimal number as digits and a count of decimal places: `mantissa / 10^decimals`.
#[derive(Clone, Copy, Debug)]
struct Decimal {
    mantissa: i128,
    decimals: u32,
}

/// Parses `[+-]digits[.digits]` exactly, or any other number Rust's `f64` parser accepts
/// (`1e3`, `2.5E-1`) through its shortest decimal form. Surrounding spaces are ignored.
fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if let Some(d) = parse_plain_decimal(t) {
        return Some(d);
    }
    let f: f64 = t.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    parse_plain_decimal(&format!("{f}"))
}

fn parse_plain_decimal(t: &str) -> Option<Decimal> {
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > MAX_DECIMALS as usize {
        return None;
    }
    let mut mantissa: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        mantissa = mantissa.checked_mul(10)?.checked_add((b - b'0') as i128)?;
    }
    // Keep room for scaling to MAX_DECIMALS and adding widths without overflow.
    if mantissa > 10i128.pow(36) {
        return None;
    }
    Some(Decimal {
        mantissa: if neg { -mantissa } else { mantissa },
        decimals: frac.len() as u32,
    })
}

impl Decimal {
    /// The mantissa at `decimals` places (`decimals >= self.decimals`).
    fn scaled(self, decimals: u32) -> Option<i128> {
        self.mantissa
            .checked_mul(10i128.checked_pow(decimals - self.decimals)?)
    }
}

/// Formats a scaled integer at `decimals` places, without trailing zeros.
fn format_scaled(value: i128, decimals: u32) -> String {
    if decimals == 0 {
        return value.to_string();
    }
    let p = 10i128.pow(decimals);
    let sign = if value < 0 { "-" } else { "" };
    let a = value.unsigned_abs();
    let int = a / p as u128;
    let frac = a % p as u128;
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let frac = format!("{frac:0width$}", width = decimals as usize);
    format!("{sign}{int}.{}", frac.trim_end_matches('0'))
}

/// The numbers of a numeric builder, all scaled to one number of decimals.
struct Numbers<'a> {
    /// Distinct values sorted by number (then text), with their scaled number and weight.
    values: Vec<(&'a str, i128, u64)>,
    decimals: u32,
}

fn parse_option_number(attribute: &str, name: &str, text: &str) -> Result<Decimal, HierarchyError> {
    parse_decimal(text).ok_or_else(|| {
        HierarchyError::option(
            attribute,
            format!("{name} '{text}' is not a number; write it like 5 or 0.25"),
        )
    })
}

/// Parses the values (with weights) and the option numbers, and scales them to one precision.
fn numbers<'a>(
    attribute: &str,
    values: &[(&'a str, u64)],
    options: &[(&str, Option<&str>)],
) -> Result<(Numbers<'a>, Vec<Option<i128>>), HierarchyError> {
    let mut merged: FxHashMap<&'a str, usize> = FxHashMap::default();
    let mut parsed: Vec<(&'a str, Decimal, u64)> = Vec::new();
    let mut bad = Vec::new();
    for &(v, w) in values {
        if let Some(&i) = merged.get(v) {
            parsed[i].2 = parsed[i].2.saturating_add(w);
            continue;
        }
        match parse_decimal(v) {
            Some(d) => {
                merged.insert(v, parsed.len());
                parsed.push((v, d, w));
            }
            None => {
                if !bad.contains(&v) {
                    bad.push(v);
                }
            }
        }
    }
    if !bad.is_empty() {
        return Err(bad_values(
            attribute,
            "numbers",
            bad,
            "a numeric hierarchy needs numbers (like 42 or -0.5, at most 18 decimals); clean the \
             column or use a hierarchy file",
        ));
    }
    if parsed.is_empty() {
        return Err(no_values(attribute));
    }
    let mut opts = Vec::new();
    for &(name, text) in options {
        opts.push(match text {
            Some(t) => Some(parse_option_number(attribute, name, t)?),
            None => None,
        });
    }
    let decimals = parsed
        .iter()
        .map(|p| p.1.decimals)
        .chain(opts.iter().flatten().map(|d| d.decimals))
        .max()
        .unwrap_or(0);
    let too_big = || {
        HierarchyError::option(
            attribute,
            "numbers too large or too precise to handle exactly; round the values".to_string(),
        )
    };
    let limit = 10i128.pow(36);
    let scale = |d: Decimal| d.scaled(decimals).filter(|x| x.abs() <= limit);
    let mut scaled = Vec::with_capacity(parsed.len());
    for (v, d, w) in parsed {
        scaled.push((v, scale(d).ok_or_else(too_big)?, w));
    }
    scaled.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
    let mut out_opts = Vec::new();
    for o in opts {
        out_opts.push(match o {
            Some(d) => Some(scale(d).ok_or_else(too_big)?),
            None => None,
        });
    }
    Ok((
        Numbers {
            values: scaled,
            decimals,
        },
        out_opts,
    ))
}

/// Interval label over scaled numbers: `lo-hi` (both included) for integers, else `[lo, hi[`.
fn interval_label(lo: i128, hi_excl: i128, decimals: u32) -> String {
    if decimals == 0 {
        format!("{lo}-{}", hi_excl - 1)
    } else {
        format!(
            "[{}, {}[",
            format_scaled(lo, decimals),
            format_scaled(hi_excl, decimals)
        )
    }
}

/// The closed interval up to the largest value, for quantile bins that end at the maximum.
fn closed_label(lo: i128, hi_incl: i128, decimals: u32) -> String {
    if decimals == 0 {
        format!("{lo}-{hi_incl}")
    } else {
        format!(
            "[{}, {}]",
            format_scaled(lo, decimals),
            format_scaled(hi_incl, decimals)
        )
    }
}

/// Bottom/top-coding label of a scaled number, if it is coded.
fn coded_label(x: i128, bottom: Option<i128>, top: Option<i128>, decimals: u32) -> Option<String> {
    if let Some(b) = bottom
        && x < b
    {
        return Some(format!("<{}", format_scaled(b, decimals)));
    }
    if let Some(t) = top
        && x >= t
    {
        return Some(format!(">={}", format_scaled(t, decimals)));
    }
    None
}

fn check_limits(
    attribute: &str,
    bottom: Option<i128>,
    top: Option<i128>,
    decimals: u32,
) -> Result<(), HierarchyError> {
    if let (Some(b), Some(t)) = (bottom, top)
        && b >= t
    {
        return Err(HierarchyError::option(
            attribute,
            format!(
                "bottom {} must be below top {}",
                format_scaled(b, decimals),
                format_scaled(t, decimals)
            ),
        ));
    }
    Ok(())
}

/// Assembles rows from per-value label columns, adds `*` and validates.
fn assemble(
    attribute: &str,
    values: &[&str],
    levels: Vec<Vec<String>>,
) -> Result<Hierarchy, HierarchyError> {
    let rows = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut row = Vec::with_capacity(levels.len() + 2);
            row.push(v.to_string());
            row.extend(levels.iter().map(|l| l[i].clone()));
            row.push(TOP.to_string());
            row
        })
        .collect();
    Hierarchy::from_rows(attribute, rows)
}

fn distinct_count(labels: &[String]) -> usize {
    let mut seen: FxHashMap<&str, ()> = FxHashMap::default();
    labels
        .iter()
        .filter(|l| seen.insert(l.as_str(), ()).is_none())
        .count()
}

// ---------------------------------------------------------------------------------------------
// Fixed-width intervals

/// Fixed-width numeric intervals: level 1 cuts the number line into intervals of `width`
/// starting at the origin, level `k + 1` joins `fanout[k]` neighbouring intervals of level `k`,
/// until one interval would hold every (not bottom- or top-coded) value; then `*`. Values are
/// sorted by number in `values()`.
pub fn intervals<'a>(
    attribute: &str,
    values: impl IntoIterator<Item = &'a str>,
    options: &IntervalOptions,
) -> Result<Hierarchy, HierarchyError> {
    let weighted: Vec<(&str, u64)> = values.into_iter().map(|v| (v, 1)).collect();
    let (nums, opts) = numbers(
        attribute,
        &weighted,
        &[
            ("width", Some(options.width.as_str())),
            ("bottom", options.bottom.as_deref()),
            ("top", options.top.as_deref()),
            ("origin", options.origin.as_deref()),
        ],
    )?;
    let d = nums.decimals;
    let (width, bottom, top, origin) = (opts[0].unwrap_or(0), opts[1], opts[2], opts[3]);
    if width <= 0 {
        return Err(HierarchyError::option(
            attribute,
            format!("interval width '{}' must be above 0", options.width),
        ));
    }
    if let Some(&f) = options.fanout.iter().find(|&&f| f < 2) {
        return Err(HierarchyError::option(
            attribute,
            format!("fan-out {f} must be at least 2 (how many intervals join into one per level)"),
        ));
    }
    if options.max_levels == Some(0) {
        return Err(HierarchyError::option(
            attribute,
            "levels must be at least 1".to_string(),
        ));
    }
    check_limits(attribute, bottom, top, d)?;
    let in_range: Vec<i128> = nums
        .values
        .iter()
        .map(|v| v.1)
        .filter(|&x| coded_label(x, bottom, top, d).is_none())
        .collect();
    let origin = match (origin, bottom) {
        (Some(o), _) => o,
        (None, Some(b)) => b,
        (None, None) => in_range
            .first()
            .map_or(0, |&min| min.div_euclid(width) * width),
    };
    if let Some(&min) = in_range.first()
        && min < origin
    {
        return Err(HierarchyError::option(
            attribute,
            format!(
                "origin {} is above the smallest value {}; lower the origin or bottom-code \
                 (bottom={})",
                format_scaled(origin, d),
                format_scaled(min, d),
                format_scaled(origin, d)
            ),
        ));
    }
    let max = in_range.last().copied();
    let fanout = |k: usize| -> i128 {
        options
            .fanout
            .get(k)
            .or(options.fanout.last())
            .copied()
            .unwrap_or(2) as i128
    };

    let mut levels: Vec<Vec<String>> = Vec::new();
    let mut w = width;
    let mut k = 0usize;
    loop {
        let labels: Vec<String> = nums
            .values
            .iter()
            .map(|&(_, x, _)| {
                coded_label(x, bottom, top, d).unwrap_or_else(|| {
                    let lo = origin + (x - origin).div_euclid(w) * w;
                    let hi = top.map_or(lo.saturating_add(w), |t| t.min(lo.saturating_add(w)));
                    interval_label(lo, hi, d)
                })
            })
            .collect();
        // A level where everything is one label says no more than `*`.
        if distinct_count(&labels) <= 1 && !levels.is_empty() {
            break;
        }
        let single_interval = max.is_none_or(|m| (m - origin) < w);
        if distinct_count(&labels) > 1 || levels.is_empty() {
            levels.push(labels);
        }
        if single_interval || options.max_levels.is_some_and(|m| levels.len() >= m) {
            break;
        }
        let Some(next) = w.checked_mul(fanout(k)) else {
            break;
        };
        w = next;
        k += 1;
    }
    // One level with one label says no more than `*`: drop it.
    if levels.len() == 1 && distinct_count(&levels[0]) <= 1 {
        levels.clear();
    }
    let names: Vec<&str> = nums.values.iter().map(|v| v.0).collect();
    assemble(attribute, &names, levels)
}

// ---------------------------------------------------------------------------------------------
// Quantiles

/// Quantile intervals: level 1 has `bins` intervals holding about equal numbers of the values
/// (each given value counts once, so repeat a value as often as it occurs — or use
/// [`quantiles_weighted`] — for quantiles of the rows), cut only between distinct numbers; each
/// further level merges `fanout` neighbouring intervals, until one would remain; then `*`.
pub fn quantiles<'a>(
    attribute: &str,
    values: impl IntoIterator<Item = &'a str>,
    options: &QuantileOptions,
) -> Result<Hierarchy, HierarchyError> {
    let weighted: Vec<(&str, u64)> = values.into_iter().map(|v| (v, 1)).collect();
    quantiles_weighted(attribute, &weighted, options)
}

/// [`quantiles`] with an explicit weight (row count) per value.
pub fn quantiles_weighted(
    attribute: &str,
    values: &[(&str, u64)],
    options: &QuantileOptions,
) -> Result<Hierarchy, HierarchyError> {
    if options.bins < 2 {
        return Err(HierarchyError::option(
            attribute,
            format!("quantile bins {} must be at least 2", options.bins),
        ));
    }
    if options.fanout < 2 {
        return Err(HierarchyError::option(
            attribute,
            format!("fan-out {} must be at least 2", options.fanout),
        ));
    }
    let (nums, opts) = numbers(
        attribute,
        values,
        &[
            ("bottom", options.bottom.as_deref()),
            ("top", options.top.as_deref()),
        ],
    )?;
    let d = nums.decimals;
    let (bottom, top) = (opts[0], opts[1]);
    check_limits(attribute, bottom, top, d)?;

    // Distinct in-range numbers with their total weight (several texts can share a number).
    let mut points: Vec<(i128, u128)> = Vec::new();
    for &(_, x, w) in &nums.values {
        if coded_label(x, bottom, top, d).is_some() {
            continue;
        }
        // Weight 0 still counts a little, so that a value never seen keeps a place.
        let w = (w as u128).max(1);
        match points.last_mut() {
            Some(p) if p.0 == x => p.1 += w,
            _ => points.push((x, w)),
        }
    }
    let total: u128 = points.iter().map(|p| p.1).sum();
    // Bin of each point: floor(bins * weight before it / total) — non-decreasing, so bins are
    // runs of neighbouring numbers. Then renumber the non-empty bins 0.. .
    let mut starts: Vec<usize> = Vec::new(); // index in `points` where each bin starts
    let mut before: u128 = 0;
    let mut last_bin = None;
    for (i, &(_, w)) in points.iter().enumerate() {
        let b = before * options.bins as u128 / total.max(1);
        if last_bin != Some(b) {
            starts.push(i);
            last_bin = Some(b);
        }
        before += w;
    }
    let point_bin = |x: i128| -> Option<usize> {
        let i = points.binary_search_by(|p| p.0.cmp(&x)).ok()?;
        Some(starts.partition_point(|&s| s <= i) - 1)
    };

    let mut levels: Vec<Vec<String>> = Vec::new();
    let mut group = 1usize; // how many level-1 bins one interval of this level joins
    while starts.len().div_ceil(group) > 1 || levels.is_empty() {
        let bin_count = starts.len();
        let label_of = |first_bin: usize| -> String {
            let last_bin = (first_bin + group).min(bin_count) - 1;
            let lo = if first_bin == 0 {
                bottom.unwrap_or(points[0].0)
            } else {
                points[starts[first_bin]].0
            };
            if last_bin + 1 < bin_count {
                interval_label(lo, points[starts[last_bin + 1]].0, d)
            } else if let Some(t) = top {
                interval_label(lo, t, d)
            } else {
                closed_label(lo, points[points.len() - 1].0, d)
            }
        };
        let labels: Vec<String> = nums
            .values
            .iter()
            .map(|&(_, x, _)| {
                coded_label(x, bottom, top, d).unwrap_or_else(|| {
                    let b = point_bin(x).unwrap_or(0);
                    label_of(b / group * group)
                })
            })
            .collect();
        if bin_count == 0 || (distinct_count(&labels) <= 1 && !levels.is_empty()) {
            // Everything is coded or already one label.
            if levels.is_empty() && distinct_count(&labels) > 1 {
                levels.push(labels);
            }
            break;
        }
        levels.push(labels);
        group = group.saturating_mul(options.fanout as usize);
    }
    if levels.len() == 1 && distinct_count(&levels[0]) <= 1 {
        levels.clear();
    }
    let names: Vec<&str> = nums.values.iter().map(|v| v.0).collect();
    assemble(attribute, &names, levels)
}

// ---------------------------------------------------------------------------------------------
// Dates

/// Reads an ISO 8601 date or date-time (`2024-03-05`, `2024-03-05T10:00:00`, `2024-03-05
/// 10:00:00+01:00`): the date part, and whether a time part followed.
fn parse_date(text: &str) -> Option<(NaiveDate, bool)> {
    let t = text.trim();
    let split = t.find(['T', 't', ' ']).unwrap_or(t.len());
    let (date, rest) = t.split_at(split);
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    if !rest.is_empty() && !rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((d, !rest.is_empty()))
}

/// Date hierarchy: for each value its `levels` labels (default: month, quarter, year, decade,
/// with day first when any value has a time part), then `*`. Values are sorted by date.
pub fn dates<'a>(
    attribute: &str,
    values: impl IntoIterator<Item = &'a str>,
    levels: Option<&[DateLevel]>,
) -> Result<Hierarchy, HierarchyError> {
    let values = distinct(values);
    if values.is_empty() {
        return Err(no_values(attribute));
    }
    let mut parsed = Vec::with_capacity(values.len());
    let mut bad = Vec::new();
    let mut any_time = false;
    for v in values {
        match parse_date(v) {
            Some((d, time)) => {
                any_time |= time;
                parsed.push((v, d));
            }
            None => bad.push(v),
        }
    }
    if !bad.is_empty() {
        return Err(bad_values(
            attribute,
            "ISO 8601 dates (YYYY-MM-DD, optionally with a time)",
            bad,
            "a date hierarchy needs dates like 2024-03-05; convert the column or use a hierarchy \
             file",
        ));
    }
    let mut chosen: Vec<DateLevel> = match levels {
        Some(l) => l.to_vec(),
        None if any_time => DateLevel::ALL.to_vec(),
        None => DateLevel::ALL[1..].to_vec(),
    };
    chosen.sort();
    chosen.dedup();
    if chosen.is_empty() {
        return Err(HierarchyError::option(
            attribute,
            "choose at least one date level (day, month, quarter, year, decade)".to_string(),
        ));
    }
    parsed.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
    let labels = chosen
        .iter()
        .map(|l| parsed.iter().map(|&(_, d)| l.label(d)).collect())
        .collect();
    let names: Vec<&str> = parsed.iter().map(|p| p.0).collect();
    assemble(attribute, &names, labels)
}

// ---------------------------------------------------------------------------------------------
// Masking

/// Right-to-left masking: level `k` replaces the last `k * step` characters of each value with
/// `mask_char` (`12345` → `1234*` → `123**` → …), as long as some value keeps an unmasked
/// character; then `*`. Values of different lengths keep their length, so `123` and `12345`
/// never share a label below `*`. Values are sorted as text.
pub fn mask<'a>(
    attribute: &str,
    values: impl IntoIterator<Item = &'a str>,
    step: usize,
    mask_char: char,
) -> Result<Hierarchy, HierarchyError> {
    if step == 0 {
        return Err(HierarchyError::option(
            attribute,
            "mask step must be at least 1 character per level".to_string(),
        ));
    }
    let mut values = distinct(values);
    if values.is_empty() {
        return Err(no_values(attribute));
    }
    values.sort_unstable();
    let chars: Vec<Vec<char>> = values.iter().map(|v| v.chars().collect()).collect();
    let longest = chars.iter().map(Vec::len).max().unwrap_or(0);
    let mut levels = Vec::new();
    let mut masked = step;
    while masked < longest {
        levels.push(
            chars
                .iter()
                .map(|c| {
                    let keep = c.len().saturating_sub(masked);
                    let mut s: String = c[..keep].iter().collect();
                    for _ in keep..c.len() {
                        s.push(mask_char);
                    }
                    s
                })
                .collect(),
        );
        masked += step;
    }
    assemble(attribute, &values, levels)
}

/// Describes a built hierarchy in one line (levels and their sizes), for logs and reports.
pub fn describe(h: &Hierarchy) -> String {
    let mut s = format!("{}: {} levels (", h.attribute(), h.height());
    for l in 0..h.height() {
        if l > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{}", h.level_size(l));
    }
    s.push_str(" labels)");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(h: &Hierarchy, level: usize) -> Vec<String> {
        h.values()
            .iter()
            .map(|v| h.label(v, level).unwrap().to_string())
            .collect()
    }

    #[test]
    fn describe_lists_level_sizes() {
        let h = mask("zip", ["123", "124", "135"], 1, '*').unwrap();
        assert_eq!(describe(&h), "zip: 4 levels (3, 2, 1, 1 labels)");
    }

    #[test]
    fn decimals_parse_exactly() {
        let d = parse_decimal("0.30").unwrap();
        assert_eq!((d.mantissa, d.decimals), (3, 1));
        let d = parse_decimal("-12").unwrap();
        assert_eq!((d.mantissa, d.decimals), (-12, 0));
        let d = parse_decimal("1e3").unwrap();
        assert_eq!((d.mantissa, d.decimals), (1000, 0));
        let d = parse_decimal(".5").unwrap();
        assert_eq!((d.mantissa, d.decimals), (5, 1));
        for bad in ["", "-", ".", "abc", "1.2.3", "NaN", "inf", "1,5", "1e400"] {
            assert!(parse_decimal(bad).is_none(), "{bad}");
        }
        assert_eq!(format_scaled(-5, 1), "-0.5");
        assert_eq!(format_scaled(250, 2), "2.5");
        assert_eq!(format_scaled(300, 2), "3");
    }

    #[test]
    fn intervals_like_arx_adult() {
        let ages: Vec<String> = (17..=90).map(|a| a.to_string()).collect();
        let mut opts = IntervalOptions::new("5", vec![2]);
        opts.origin = Some("0".into());
        let h = intervals("age", ages.iter().map(String::as_str), &opts).unwrap();
        assert_eq!(h.label("17", 1), Some("15-19"));
        assert_eq!(h.label("17", 2), Some("10-19"));
        assert_eq!(h.label("17", 3), Some("0-19"));
        assert_eq!(h.label("90", 3), Some("80-99"));
        assert_eq!(h.label("90", 4), Some("80-119"));
        assert_eq!(h.label("90", 5), Some("80-159"));
        assert_eq!(h.label("17", 5), Some("0-79"));
        // 0-159 would hold everything: it is not emitted, `*` follows 0-79/80-159.
        assert_eq!(h.label("90", h.height() - 1), Some("*"));
        assert_eq!(h.height(), 7);
        assert_eq!(h.level_size(5), 2);
    }

    #[test]
    fn intervals_default_origin_and_coding() {
        let ages: Vec<String> = (17..=95).map(|a| a.to_string()).collect();
        let mut opts = IntervalOptions::new("10", vec![2, 3]);
        opts.bottom = Some("20".into());
        opts.top = Some("90".into());
        let h = intervals("age", ages.iter().map(String::as_str), &opts).unwrap();
        assert_eq!(h.label("17", 1), Some("<20"));
        assert_eq!(h.label("19", 3), Some("<20"));
        assert_eq!(h.label("20", 1), Some("20-29"));
        assert_eq!(h.label("89", 1), Some("80-89"));
        assert_eq!(h.label("90", 1), Some(">=90"));
        assert_eq!(h.label("95", 2), Some(">=90"));
        assert_eq!(h.label("89", 2), Some("80-89")); // 80-99 clamped at the top limit
        assert_eq!(h.label("45", 2), Some("40-59"));
        assert_eq!(h.label("45", 3), Some("20-79"));
        assert_eq!(h.label("85", 3), Some("80-89"));
        let top = h.height() - 1;
        assert_eq!(h.label("85", top), Some("*"));
        assert_eq!(col(&h, top - 1)[5], "20-89");
    }

    #[test]
    fn intervals_decimal_and_negative() {
        let vals = ["-1.5", "0.3", "0.2", "0.25", "1", "2.75"];
        let h = intervals("x", vals, &IntervalOptions::new("0.1", vec![4])).unwrap();
        assert_eq!(h.values()[0], "-1.5");
        assert_eq!(h.label("0.3", 1), Some("[0.3, 0.4["));
        assert_eq!(h.label("0.25", 1), Some("[0.2, 0.3["));
        assert_eq!(h.label("-1.5", 1), Some("[-1.5, -1.4["));
        assert_eq!(h.label("-1.5", 2), Some("[-1.5, -1.1["));
        assert_eq!(h.label("0.3", 2), Some("[0.1, 0.5["));
    }

    #[test]
    fn interval_errors_name_the_problem() {
        let e = intervals(
            "age",
            ["1", "x", "?", "x"],
            &IntervalOptions::new("5", vec![2]),
        );
        let msg = e.unwrap_err().to_string();
        assert!(
            msg.contains("'x', '?'") && msg.contains("2 value(s)"),
            "{msg}"
        );
        let e = intervals("age", ["1"], &IntervalOptions::new("0", vec![2])).unwrap_err();
        assert!(e.is_usage() && e.to_string().contains("width"), "{e}");
        let e = intervals("age", ["1"], &IntervalOptions::new("5", vec![1])).unwrap_err();
        assert!(e.to_string().contains("fan-out 1"), "{e}");
        let mut o = IntervalOptions::new("5", vec![2]);
        o.origin = Some("10".into());
        let e = intervals("age", ["3", "12"], &o).unwrap_err();
        assert!(e.to_string().contains("smallest value 3"), "{e}");
        let mut o = IntervalOptions::new("5", vec![2]);
        o.bottom = Some("50".into());
        o.top = Some("20".into());
        assert!(intervals("age", ["3"], &o).is_err());
        let none: [&str; 0] = [];
        assert!(matches!(
            intervals("age", none, &IntervalOptions::new("5", vec![])).unwrap_err(),
            HierarchyError::Empty { .. }
        ));
    }

    #[test]
    fn intervals_max_levels_and_single_value() {
        let vals: Vec<String> = (0..1000).map(|a| a.to_string()).collect();
        let mut o = IntervalOptions::new("1", vec![10]);
        o.max_levels = Some(2);
        let h = intervals("n", vals.iter().map(String::as_str), &o).unwrap();
        assert_eq!(h.height(), 4);
        assert_eq!(h.label("537", 2), Some("530-539"));
        let h = intervals("n", ["7"], &IntervalOptions::new("5", vec![2])).unwrap();
        assert_eq!(h.height(), 2);
        assert_eq!(h.label("7", 1), Some("*"));
    }

    #[test]
    fn quantiles_split_evenly() {
        let vals: Vec<String> = (1..=100).map(|a| a.to_string()).collect();
        let h = quantiles(
            "n",
            vals.iter().map(String::as_str),
            &QuantileOptions::new(4),
        )
        .unwrap();
        assert_eq!(h.level_domain(1), vec!["1-25", "26-50", "51-75", "76-100"]);
        assert_eq!(h.level_domain(2), vec!["1-50", "51-100"]);
        assert_eq!(h.level_domain(3), vec!["*"]);
        // Weighted: value 1 holds most rows.
        let w = [("1", 97u64), ("2", 1), ("3", 1), ("4", 1)];
        let h = quantiles_weighted("n", &w, &QuantileOptions::new(4)).unwrap();
        assert_eq!(h.level_domain(1), vec!["1-1", "2-4"]);
        // Bottom/top coding.
        let mut o = QuantileOptions::new(2);
        o.bottom = Some("10".into());
        o.top = Some("90".into());
        let h = quantiles("n", vals.iter().map(String::as_str), &o).unwrap();
        assert_eq!(h.label("5", 1), Some("<10"));
        assert_eq!(h.label("10", 1), Some("10-49"));
        assert_eq!(h.label("89", 1), Some("50-89"));
        assert_eq!(h.label("95", 1), Some(">=90"));
        let h = quantiles("x", ["0.5", "1.5", "2.5", "3"], &QuantileOptions::new(2)).unwrap();
        assert_eq!(h.level_domain(1), vec!["[0.5, 2.5[", "[2.5, 3]"]);
        assert!(quantiles("x", ["1"], &QuantileOptions::new(1)).is_err());
    }

    #[test]
    fn dates_levels() {
        let h = dates("d", ["2021-03-04", "2019-12-31", "2021-03-04"], None).unwrap();
        assert_eq!(h.values(), ["2019-12-31", "2021-03-04"]);
        assert_eq!(col(&h, 1), ["2019-12", "2021-03"]);
        assert_eq!(col(&h, 2), ["2019-Q4", "2021-Q1"]);
        assert_eq!(col(&h, 3), ["2019", "2021"]);
        assert_eq!(col(&h, 4), ["2010s", "2020s"]);
        assert_eq!(col(&h, 5), ["*", "*"]);
        let h = dates(
            "t",
            ["2021-03-04T10:11:12", "2021-03-04 23:00:00+01:00"],
            None,
        )
        .unwrap();
        assert_eq!(h.label("2021-03-04T10:11:12", 1), Some("2021-03-04"));
        assert_eq!(h.height(), 7);
        let h = dates(
            "d",
            ["2021-03-04"],
            Some(&[DateLevel::Year, DateLevel::Month]),
        )
        .unwrap();
        assert_eq!(col(&h, 1), ["2021-03"]);
        assert_eq!(col(&h, 2), ["2021"]);
        let e = dates("d", ["2021-02-30", "04/03/2021", "2021-03-04"], None).unwrap_err();
        assert!(e.to_string().contains("'2021-02-30', '04/03/2021'"), "{e}");
        assert!(
            dates("d", ["2021-03-04"], Some(&[]))
                .unwrap_err()
                .is_usage()
        );
    }

    #[test]
    fn mask_levels() {
        let h = mask("zip", ["12345", "12399", "123"], 1, '*').unwrap();
        assert_eq!(h.values(), ["123", "12345", "12399"]);
        assert_eq!(col(&h, 1), ["12*", "1234*", "1239*"]);
        assert_eq!(col(&h, 2), ["1**", "123**", "123**"]);
        assert_eq!(col(&h, 3), ["***", "12***", "12***"]);
        assert_eq!(col(&h, 4), ["***", "1****", "1****"]);
        assert_eq!(col(&h, 5), ["*", "*", "*"]);
        assert_eq!(h.height(), 6);
        let h = mask("zip", ["12345"], 2, '#').unwrap();
        assert_eq!(col(&h, 1), ["123##"]);
        assert_eq!(col(&h, 2), ["1####"]);
        assert_eq!(h.height(), 4);
        assert!(mask("zip", ["1"], 0, '*').unwrap_err().is_usage());
        let h = mask("c", ["ÅÄÖ"], 1, '*').unwrap();
        assert_eq!(col(&h, 1), ["ÅÄ*"]);
    }
}
