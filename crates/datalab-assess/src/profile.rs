//! Column and table profiling in one streaming pass with bounded memory.
//!
//! Every column gets counts, nulls, distinct values (exact up to a limit, HyperLogLog beyond),
//! top values, and by type: numeric moments and quantiles (exact for small data, KLL beyond),
//! a histogram, date ranges, string lengths and value patterns. At table level: duplicate rows,
//! pairwise associations on a row sample, and ydata-style alerts. Inferred quality checks that
//! need no statistics first (sentinels, future dates, unreadable text, mixed units, date order)
//! are recorded in the same pass with example row numbers.

use std::hash::{BuildHasher, BuildHasherDefault};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef};
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use serde::Serialize;

use crate::pii::{ColumnPii, ColumnScanner};
use crate::sketch::{Hll, Kll, mix64};

/// Limits that keep memory bounded whatever the input size.
#[derive(Clone, Debug)]
pub struct ProfileOptions {
    /// Distinct values are counted exactly up to this many, then estimated (HyperLogLog).
    pub exact_distinct_limit: usize,
    /// Numeric quantiles are exact up to this many values, then estimated (KLL sketch).
    pub exact_quantile_limit: usize,
    pub top_k: usize,
    pub histogram_bins: usize,
    /// Rows kept for pairwise associations.
    pub association_sample_rows: usize,
    pub association_max_columns: usize,
    /// Rows whose hashes are kept for exact duplicate detection; beyond, duplicates are estimated.
    pub exact_duplicate_limit: usize,
    /// Reference "now" for future-date and staleness checks (days since 1970-01-01).
    pub today_days: i32,
    /// Non-null values per column passed to the personal-data scanner (the first ones).
    pub pii_scan_limit: u64,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            exact_distinct_limit: 100_000,
            exact_quantile_limit: 100_000,
            top_k: 10,
            histogram_bins: 20,
            association_sample_rows: 50_000,
            association_max_columns: 50,
            exact_duplicate_limit: 5_000_000,
            today_days: today_days(),
            pii_scan_limit: 200_000,
        }
    }
}

pub fn today_days() -> i32 {
    (chrono::Utc::now().timestamp().div_euclid(86_400)) as i32
}

pub fn days_to_iso(days: i32) -> String {
    chrono::DateTime::from_timestamp(days as i64 * 86_400, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| days.to_string())
}

fn micros_to_iso(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_else(|| us.to_string())
}

#[derive(Clone, Debug, Serialize)]
pub struct TopValue {
    pub value: String,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct NumericStats {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub stddev: f64,
    pub skewness: f64,
    pub zeros: u64,
    pub negatives: u64,
    /// p1, p5, p25, p50, p75, p95, p99.
    pub quantiles: Vec<(f64, f64)>,
    pub quantiles_exact: bool,
    /// Median absolute deviation (scaled ×1.4826 it estimates the standard deviation).
    pub mad: f64,
    pub histogram: Vec<Bin>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TemporalStats {
    pub min: String,
    pub max: String,
    /// Values after the reference date.
    pub future: u64,
    /// Rows per calendar year.
    pub by_year: Vec<(i32, u64)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TextStats {
    pub min_length: u64,
    pub max_length: u64,
    pub mean_length: f64,
    /// Value shapes: digits → 9, upper-case letters → A, lower-case → a, the rest kept.
    pub patterns: Vec<TopValue>,
    pub patterns_exact: bool,
}

/// One inferred problem found while profiling: what, how many, which rows.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub check: String,
    pub column: Option<String>,
    pub count: u64,
    pub example_rows: Vec<u64>,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ColumnProfile {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub semantic_type: String,
    pub count: u64,
    pub nulls: u64,
    pub null_share: f64,
    pub distinct: u64,
    pub distinct_exact: bool,
    pub unique: bool,
    pub top_values: Vec<TopValue>,
    pub top_values_exact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporal: Option<TemporalStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<TextStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boolean_true: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pii: Option<ColumnPii>,
    /// First rows where the value is missing.
    pub null_example_rows: Vec<u64>,
    pub alerts: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Association {
    pub a: String,
    pub b: String,
    /// "pearson", "spearman" or "cramers_v".
    pub method: String,
    pub value: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Duplicates {
    pub rows: u64,
    pub exact: bool,
    /// (duplicate row, row it repeats), first few.
    pub examples: Vec<(u64, u64)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Alert {
    pub column: Option<String>,
    pub kind: String,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TableProfile {
    pub rows: u64,
    pub columns: Vec<ColumnProfile>,
    pub duplicates: Duplicates,
    pub associations: Vec<Association>,
    pub association_sample_rows: u64,
    pub alerts: Vec<Alert>,
    /// Problems found in the profiling pass (input to the quality score).
    pub findings: Vec<Finding>,
}

// ---------------------------------------------------------------------------------------------

fn hash_bytes(b: &[u8]) -> u64 {
    BuildHasherDefault::<FxHasher>::default().hash_one(b)
}

/// Exact distinct counting over value hashes, switching to HyperLogLog past a limit.
struct Distinct {
    exact: Option<FxHashSet<u64>>,
    hll: Hll,
    limit: usize,
}

impl Distinct {
    fn new(limit: usize) -> Self {
        Distinct {
            exact: Some(FxHashSet::default()),
            hll: Hll::new(14),
            limit,
        }
    }

    #[inline]
    fn insert(&mut self, h: u64) {
        // Mix so that HLL sees well-distributed bits even for FxHash of small integers.
        let h = mix64(h);
        self.hll.insert_hash(h);
        if let Some(set) = &mut self.exact {
            set.insert(h);
            if set.len() > self.limit {
                self.exact = None;
            }
        }
    }

    fn result(&self) -> (u64, bool) {
        match &self.exact {
            Some(s) => (s.len() as u64, true),
            None => (self.hll.estimate().round() as u64, false),
        }
    }
}

/// Value counts, exact while the number of distinct values is small; past twice the cap the
/// smallest counts are dropped (the result is then flagged approximate).
struct TopCounter<K> {
    map: FxHashMap<K, u64>,
    cap: usize,
    exact: bool,
    prunes: u32,
    /// Set when pruning keeps finding only values seen once or twice: the column is nearly
    /// unique, its "top values" carry no information, and counting them only costs time.
    gave_up: bool,
}

impl<K: std::hash::Hash + Eq + Clone> TopCounter<K> {
    fn new(cap: usize) -> Self {
        TopCounter {
            map: FxHashMap::default(),
            cap,
            exact: true,
            prunes: 0,
            gave_up: false,
        }
    }

    fn prune(&mut self) {
        if self.map.len() > 2 * self.cap {
            let mut counts: Vec<u64> = self.map.values().copied().collect();
            let keep = self.cap;
            counts.select_nth_unstable_by(keep, |a, b| b.cmp(a));
            let threshold = counts[keep];
            self.map.retain(|_, c| *c > threshold);
            self.exact = false;
            self.prunes += 1;
            if self.prunes >= 20 && self.map.values().all(|&c| c <= 2) {
                self.gave_up = true;
            }
        }
    }

    fn top(&self, k: usize, show: impl Fn(&K) -> String) -> Vec<TopValue> {
        let mut v: Vec<(&K, &u64)> = self.map.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| show(a.0).cmp(&show(b.0))));
        v.into_iter()
            .take(k)
            .map(|(key, c)| TopValue {
                value: show(key),
                count: *c,
            })
            .collect()
    }
}

impl TopCounter<String> {
    #[inline]
    fn add_str(&mut self, s: &str) {
        if self.gave_up {
            return;
        }
        if let Some(c) = self.map.get_mut(s) {
            *c += 1;
        } else {
            self.map.insert(s.to_string(), 1);
            self.prune();
        }
    }
}

impl TopCounter<u64> {
    #[inline]
    fn add(&mut self, k: u64) {
        if self.gave_up {
            return;
        }
        *self.map.entry(k).or_insert(0) += 1;
        if self.map.len() > 2 * self.cap {
            self.prune();
        }
    }
}

/// Up to `limit` example rows plus a total.
#[derive(Default, Clone)]
struct Examples {
    count: u64,
    rows: Vec<u64>,
}

impl Examples {
    fn add(&mut self, row: u64) {
        self.count += 1;
        if self.rows.len() < 10 {
            self.rows.push(row);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Text,
    Integer,
    Float,
    Boolean,
    Date,
    Timestamp,
    Other,
}

fn kind_of(dt: &DataType) -> Kind {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 => Kind::Text,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => Kind::Integer,
        DataType::Float32 | DataType::Float64 => Kind::Float,
        DataType::Boolean => Kind::Boolean,
        DataType::Date32 => Kind::Date,
        DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, _) => Kind::Timestamp,
        _ => Kind::Other,
    }
}

/// Moments and quantiles of a numeric (or temporal, in days/µs) column.
struct NumAcc {
    n: u64,
    mean: f64,
    m2: f64,
    m3: f64,
    min: f64,
    max: f64,
    zeros: u64,
    negatives: u64,
    exact: Option<Vec<f64>>,
    kll: Kll,
    limit: usize,
}

impl NumAcc {
    fn new(limit: usize) -> Self {
        NumAcc {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            m3: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            zeros: 0,
            negatives: 0,
            exact: Some(Vec::new()),
            kll: Kll::new(200),
            limit,
        }
    }

    #[inline]
    fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        // Welford-style update of mean, M2 and M3 (for skewness).
        let n1 = self.n as f64;
        self.n += 1;
        let n = self.n as f64;
        let delta = x - self.mean;
        let delta_n = delta / n;
        let term1 = delta * delta_n * n1;
        self.mean += delta_n;
        self.m3 += term1 * delta_n * (n - 2.0) - 3.0 * delta_n * self.m2;
        self.m2 += term1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x == 0.0 {
            self.zeros += 1;
        }
        if x < 0.0 {
            self.negatives += 1;
        }
        self.kll.insert(x);
        if let Some(v) = &mut self.exact {
            v.push(x);
            if v.len() > self.limit {
                self.exact = None;
            }
        }
    }

    fn quantile(&self, sorted: Option<&[f64]>, q: f64) -> f64 {
        match sorted {
            Some(v) if !v.is_empty() => {
                let pos = q * (v.len() - 1) as f64;
                let lo = pos.floor() as usize;
                let hi = pos.ceil() as usize;
                v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
            }
            _ => self.kll.quantile(q).unwrap_or(f64::NAN),
        }
    }

    fn stats(&self, bins: usize) -> Option<NumericStats> {
        if self.n == 0 {
            return None;
        }
        let sorted = self.exact.as_ref().map(|v| {
            let mut s = v.clone();
            s.sort_by(f64::total_cmp);
            s
        });
        let sorted = sorted.as_deref();
        let qs = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
        let quantiles: Vec<(f64, f64)> =
            qs.iter().map(|&q| (q, self.quantile(sorted, q))).collect();
        let median = self.quantile(sorted, 0.5);
        let mad = match sorted {
            Some(v) => {
                let mut dev: Vec<f64> = v.iter().map(|x| (x - median).abs()).collect();
                dev.sort_by(f64::total_cmp);
                let pos = 0.5 * (dev.len() - 1) as f64;
                let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                dev[lo] + (dev[hi] - dev[lo]) * (pos - lo as f64)
            }
            // MAD from the sketch: the t where F(m+t) − F(m−t) = ½, by bisection.
            None => {
                let (mut lo, mut hi) = (0.0, (self.max - self.min).max(0.0));
                for _ in 0..60 {
                    let t = 0.5 * (lo + hi);
                    if self.kll.rank(median + t) - self.kll.rank(median - t) < 0.5 {
                        lo = t;
                    } else {
                        hi = t;
                    }
                }
                hi
            }
        };
        let variance = if self.n > 1 {
            self.m2 / (self.n - 1) as f64
        } else {
            0.0
        };
        let skewness = if self.m2 > 0.0 {
            (self.n as f64).sqrt() * self.m3 / self.m2.powf(1.5)
        } else {
            0.0
        };
        let histogram = self.histogram(sorted, bins);
        Some(NumericStats {
            min: self.min,
            max: self.max,
            mean: self.mean,
            stddev: variance.sqrt(),
            skewness,
            zeros: self.zeros,
            negatives: self.negatives,
            quantiles,
            quantiles_exact: sorted.is_some(),
            mad,
            histogram,
        })
    }

    fn histogram(&self, sorted: Option<&[f64]>, bins: usize) -> Vec<Bin> {
        let (lo, hi) = (self.min, self.max);
        if !(lo.is_finite() && hi.is_finite()) || bins == 0 {
            return Vec::new();
        }
        if hi <= lo {
            return vec![Bin {
                low: lo,
                high: hi,
                count: self.n,
            }];
        }
        let width = (hi - lo) / bins as f64;
        let edges: Vec<f64> = (0..=bins).map(|i| lo + width * i as f64).collect();
        let below = |x: f64| -> f64 {
            match sorted {
                Some(v) => v.partition_point(|&y| y <= x) as f64,
                None => self.kll.rank(x) * self.n as f64,
            }
        };
        let mut out = Vec::with_capacity(bins);
        let mut prev = 0.0;
        for i in 0..bins {
            let upto = if i + 1 == bins {
                self.n as f64
            } else {
                below(edges[i + 1])
            };
            out.push(Bin {
                low: edges[i],
                high: edges[i + 1],
                count: (upto - prev).max(0.0).round() as u64,
            });
            prev = upto;
        }
        out
    }
}

struct TextAcc {
    min_len: u64,
    max_len: u64,
    sum_len: u64,
    n: u64,
    patterns: TopCounter<String>,
    /// Values that are a number followed by a unit, per unit.
    units: FxHashMap<String, Examples>,
    with_space: u64,
}

impl TextAcc {
    fn new() -> Self {
        TextAcc {
            min_len: u64::MAX,
            max_len: 0,
            sum_len: 0,
            n: 0,
            patterns: TopCounter::new(200),
            units: FxHashMap::default(),
            with_space: 0,
        }
    }
}

/// `72.5 kg` → Some("kg"); plain numbers and text → None.
fn unit_of(s: &str) -> Option<&str> {
    let t = s.trim();
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let start_digits = i;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b',') {
        i += 1;
    }
    if i == start_digits || !b[start_digits].is_ascii_digit() {
        return None;
    }
    let rest = t[i..].trim_start();
    let ok = !rest.is_empty()
        && rest.len() <= 8
        && rest
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '%' || c == '°' || c == 'µ')
        && rest
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '%' | '°' | '/' | '²' | '³' | 'µ'));
    ok.then_some(rest)
}

fn shape(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(32));
    for (i, c) in s.chars().enumerate() {
        if i >= 30 {
            out.push('…');
            break;
        }
        out.push(if c.is_ascii_digit() {
            '9'
        } else if c.is_uppercase() {
            'A'
        } else if c.is_lowercase() {
            'a'
        } else {
            c
        });
    }
    out
}

const TEXT_SENTINELS: [&str; 12] = [
    "unknown",
    "none",
    "-",
    "--",
    "xxx",
    "missing",
    "tbd",
    "n.a.",
    "0000-00-00",
    "undefined",
    "nan",
    "#n/a",
];
const NUMERIC_SENTINELS: [f64; 7] = [-999.0, -9999.0, -99999.0, 999.0, 9999.0, 99999.0, -99.0];

fn is_age_column(name: &str) -> bool {
    let n = name.to_lowercase();
    let n = n.trim();
    [
        "age",
        "alder",
        "ålder",
        "leeftijd",
        "alter",
        "âge",
        "age_years",
        "age_in_years",
    ]
    .contains(&n)
}

struct ColumnAcc {
    name: String,
    ty: DataType,
    kind: Kind,
    nulls: u64,
    null_rows: Examples,
    distinct: Distinct,
    top_text: TopCounter<String>,
    top_num: TopCounter<u64>,
    num: Option<NumAcc>,
    text: Option<TextAcc>,
    trues: u64,
    years: FxHashMap<i32, u64>,
    future: Examples,
    /// Sentinel candidates: value → (its numeric position, rows). Judged at the end.
    sentinel_values: FxHashMap<String, (Option<f64>, Examples)>,
    unreadable: Examples,
    negative_age: Examples,
    pii: Option<ColumnScanner>,
    pii_seen: u64,
    pii_limit: u64,
}

/// Days since 1970-01-01 → calendar year (proleptic Gregorian), without formatting a date.
fn year_of_days(d: i32) -> i32 {
    let z = d as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2)) as i32
}

/// 1900-01-01, 1800-01-01 and 9999-12-31 as days since 1970-01-01.
const DATE_SENTINEL_DAYS: [i32; 3] = [-25_567, -62_091, 2_932_896];

impl ColumnAcc {
    fn new(name: &str, ty: &DataType, opts: &ProfileOptions) -> Self {
        let kind = kind_of(ty);
        ColumnAcc {
            name: name.to_string(),
            ty: ty.clone(),
            kind,
            nulls: 0,
            null_rows: Examples::default(),
            distinct: Distinct::new(opts.exact_distinct_limit),
            top_text: TopCounter::new(1000),
            top_num: TopCounter::new(1000),
            num: matches!(
                kind,
                Kind::Integer | Kind::Float | Kind::Date | Kind::Timestamp
            )
            .then(|| NumAcc::new(opts.exact_quantile_limit)),
            text: (kind == Kind::Text).then(TextAcc::new),
            trues: 0,
            years: FxHashMap::default(),
            future: Examples::default(),
            sentinel_values: FxHashMap::default(),
            unreadable: Examples::default(),
            negative_age: Examples::default(),
            pii: matches!(kind, Kind::Text | Kind::Date | Kind::Integer)
                .then(|| ColumnScanner::new(name)),
            pii_seen: 0,
            pii_limit: opts.pii_scan_limit,
        }
    }

    fn sentinel(&mut self, row: u64, v: &str) {
        let position = match self.kind {
            Kind::Integer | Kind::Float => v.parse::<f64>().ok(),
            Kind::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .map(|d| (d - chrono::NaiveDate::default()).num_days() as f64),
            _ => None,
        };
        self.sentinel_values
            .entry(v.to_string())
            .or_insert_with(|| (position, Examples::default()))
            .1
            .add(row);
    }

    fn add_array(&mut self, array: &ArrayRef, first_row: u64, opts: &ProfileOptions) {
        let n = array.len();
        self.nulls += array.null_count() as u64;
        if array.null_count() > 0 && self.null_rows.rows.len() < 10 {
            for i in (0..n)
                .filter(|&i| array.is_null(i))
                .take(10 - self.null_rows.rows.len())
            {
                self.null_rows.rows.push(first_row + i as u64);
            }
        }
        match self.kind {
            Kind::Text => {
                let strings: Vec<Option<&str>> = match array.data_type() {
                    DataType::LargeUtf8 => array.as_string::<i64>().iter().collect(),
                    _ => array.as_string::<i32>().iter().collect(),
                };
                for (i, v) in strings.into_iter().enumerate() {
                    let Some(s) = v else { continue };
                    let row = first_row + i as u64;
                    self.add_text(row, s);
                }
            }
            Kind::Integer => {
                let age = is_age_column(&self.name);
                let values = int_values(array);
                for (i, v) in values.into_iter().enumerate() {
                    let Some(x) = v else { continue };
                    let row = first_row + i as u64;
                    self.distinct.insert(x as u64);
                    self.top_num.add(x as u64);
                    if let Some(num) = &mut self.num {
                        num.add(x as f64);
                    }
                    if NUMERIC_SENTINELS.contains(&(x as f64)) {
                        self.sentinel(row, &x.to_string());
                    }
                    if age && !(0..=125).contains(&x) {
                        self.negative_age.add(row);
                    }
                    if self.pii_wants_more() {
                        self.pii_observe(row, &x.to_string());
                    }
                }
            }
            Kind::Float => {
                let values: Vec<Option<f64>> = match array.data_type() {
                    DataType::Float32 => array
                        .as_primitive::<Float32Type>()
                        .iter()
                        .map(|v| v.map(f64::from))
                        .collect(),
                    _ => array.as_primitive::<Float64Type>().iter().collect(),
                };
                let age = is_age_column(&self.name);
                for (i, v) in values.into_iter().enumerate() {
                    let Some(x) = v else { continue };
                    let row = first_row + i as u64;
                    self.distinct.insert(x.to_bits());
                    self.top_num.add(x.to_bits());
                    if let Some(num) = &mut self.num {
                        num.add(x);
                    }
                    if NUMERIC_SENTINELS.contains(&x) {
                        self.sentinel(row, &x.to_string());
                    }
                    if age && !(0.0..=125.0).contains(&x) {
                        self.negative_age.add(row);
                    }
                }
            }
            Kind::Boolean => {
                for v in array.as_boolean().iter().flatten() {
                    self.distinct.insert(v as u64);
                    self.top_num.add(v as u64);
                    if v {
                        self.trues += 1;
                    }
                }
            }
            Kind::Date => {
                let arr = array.as_primitive::<Date32Type>();
                for i in 0..n {
                    if arr.is_null(i) {
                        continue;
                    }
                    let d = arr.value(i);
                    let row = first_row + i as u64;
                    self.distinct.insert(d as u64);
                    self.top_num.add(d as i64 as u64);
                    if let Some(num) = &mut self.num {
                        num.add(d as f64);
                    }
                    *self.years.entry(year_of_days(d)).or_insert(0) += 1;
                    if d > opts.today_days {
                        self.future.add(row);
                    }
                    if DATE_SENTINEL_DAYS.contains(&d) {
                        self.sentinel(row, &days_to_iso(d));
                    }
                    if self.pii_wants_more() {
                        self.pii_observe(row, &days_to_iso(d));
                    }
                }
            }
            Kind::Timestamp => {
                let arr = array.as_primitive::<TimestampMicrosecondType>();
                let today_us = (opts.today_days as i64 + 1) * 86_400_000_000;
                for i in 0..n {
                    if arr.is_null(i) {
                        continue;
                    }
                    let t = arr.value(i);
                    let row = first_row + i as u64;
                    self.distinct.insert(t as u64);
                    self.top_num.add(t as u64);
                    if let Some(num) = &mut self.num {
                        num.add(t as f64);
                    }
                    let y = 1970 + (t.div_euclid(86_400_000_000) as f64 / 365.2425).floor() as i32;
                    *self.years.entry(y).or_insert(0) += 1;
                    if t >= today_us {
                        self.future.add(row);
                    }
                }
            }
            Kind::Other => {
                if let Ok(fmt) = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())
                {
                    for i in 0..n {
                        if array.is_null(i) {
                            continue;
                        }
                        let s = fmt.value(i).to_string();
                        self.distinct.insert(hash_bytes(s.as_bytes()));
                        self.top_text.add_str(&s);
                    }
                }
            }
        }
    }

    fn add_text(&mut self, row: u64, s: &str) {
        self.distinct.insert(hash_bytes(s.as_bytes()));
        self.top_text.add_str(s);
        if let Some(t) = &mut self.text {
            let len = if s.is_ascii() {
                s.len()
            } else {
                s.chars().count()
            } as u64;
            t.min_len = t.min_len.min(len);
            t.max_len = t.max_len.max(len);
            t.sum_len += len;
            t.n += 1;
            t.patterns.add_str(&shape(s));
            if s.contains(' ') {
                t.with_space += 1;
            }
            if let Some(u) = unit_of(s) {
                let key = u.to_lowercase();
                if let Some(e) = t.units.get_mut(&key) {
                    e.add(row);
                } else if t.units.len() < 50 {
                    let mut e = Examples::default();
                    e.add(row);
                    t.units.insert(key, e);
                }
            }
        }
        let trimmed = s.trim();
        if trimmed.len() <= 10
            && TEXT_SENTINELS
                .iter()
                .any(|x| x.eq_ignore_ascii_case(trimmed))
        {
            self.sentinel(row, s);
        }
        // Control characters or replacement characters: binary junk or a broken encoding.
        let plain = s.bytes().all(|b| (0x20..0x7f).contains(&b));
        if !plain
            && s.chars()
                .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFD}')
        {
            self.unreadable.add(row);
        }
        if self.pii_wants_more() {
            self.pii_observe(row, s);
        }
    }

    #[inline]
    fn pii_wants_more(&self) -> bool {
        self.pii.is_some() && self.pii_seen < self.pii_limit
    }

    fn pii_observe(&mut self, row: u64, value: &str) {
        if let Some(p) = &mut self.pii {
            p.observe(row, value);
            self.pii_seen += 1;
        }
    }
}

fn int_values(array: &ArrayRef) -> Vec<Option<i64>> {
    match array.data_type() {
        DataType::Int8 => array
            .as_primitive::<Int8Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::Int16 => array
            .as_primitive::<Int16Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::Int32 => array
            .as_primitive::<Int32Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::UInt8 => array
            .as_primitive::<UInt8Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::UInt16 => array
            .as_primitive::<UInt16Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::UInt32 => array
            .as_primitive::<UInt32Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::UInt64 => array
            .as_primitive::<UInt64Type>()
            .iter()
            .map(|v| v.map(|x| i64::try_from(x).unwrap_or(i64::MAX)))
            .collect(),
        _ => array.as_primitive::<Int64Type>().iter().collect(),
    }
}

/// Column pairs (earlier, later) whose names say one date should not come after the other.
fn date_order_rules(schema: &SchemaRef) -> Vec<(usize, usize)> {
    let dates: Vec<(usize, String)> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(kind_of(f.data_type()), Kind::Date | Kind::Timestamp))
        .map(|(i, f)| (i, f.name().to_lowercase()))
        .collect();
    let pairs = [
        ("admission", "discharge"),
        ("admit", "discharge"),
        ("start", "end"),
        ("begin", "end"),
        ("from", "to"),
        ("onset", "recovery"),
        ("issued", "expir"),
        ("inskrivning", "utskrivning"),
        ("indlaeggelse", "udskrivning"),
        ("opname", "ontslag"),
        ("aufnahme", "entlassung"),
    ];
    let mut rules = Vec::new();
    for (a, an) in &dates {
        for (b, bn) in &dates {
            if a == b {
                continue;
            }
            let named_pair = pairs.iter().any(|(x, y)| an.contains(x) && bn.contains(y));
            let birth_first =
                crate::names::means_birth_date(an) && !crate::names::means_birth_date(bn);
            if named_pair || birth_first {
                rules.push((*a, *b));
            }
        }
    }
    rules
}

fn date_value(array: &ArrayRef, i: usize) -> Option<i64> {
    if array.is_null(i) {
        return None;
    }
    match array.data_type() {
        // Both in microseconds so dates and timestamps compare.
        DataType::Date32 => {
            Some(array.as_primitive::<Date32Type>().value(i) as i64 * 86_400_000_000)
        }
        DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, _) => {
            Some(array.as_primitive::<TimestampMicrosecondType>().value(i))
        }
        _ => None,
    }
}

/// Builds the table profile from a stream of batches.
pub struct Profiler {
    schema: SchemaRef,
    opts: ProfileOptions,
    columns: Vec<ColumnAcc>,
    rows: u64,
    row_hashes: Option<FxHashMap<u64, u64>>,
    row_hll: Hll,
    duplicates: Examples,
    duplicate_pairs: Vec<(u64, u64)>,
    date_rules: Vec<(usize, usize)>,
    date_violations: Vec<Examples>,
    sample: AssocSample,
}

impl Profiler {
    pub fn new(schema: SchemaRef, opts: ProfileOptions) -> Profiler {
        let columns = schema
            .fields()
            .iter()
            .map(|f| ColumnAcc::new(f.name(), f.data_type(), &opts))
            .collect();
        let date_rules = date_order_rules(&schema);
        let sample = AssocSample::new(&schema, &opts);
        Profiler {
            date_violations: vec![Examples::default(); date_rules.len()],
            schema,
            opts,
            columns,
            rows: 0,
            row_hashes: Some(FxHashMap::default()),
            row_hll: Hll::new(14),
            duplicates: Examples::default(),
            duplicate_pairs: Vec::new(),
            date_rules,
            sample,
        }
    }

    pub fn add(&mut self, batch: &RecordBatch) {
        let first_row = self.rows + 1;
        let n = batch.num_rows();
        for (c, acc) in self.columns.iter_mut().enumerate() {
            acc.add_array(batch.column(c), first_row, &self.opts);
        }
        // Row hashes for duplicates: combine per-column value hashes.
        let mut hashes = vec![0u64; n];
        for col in batch.columns() {
            hash_column(col, &mut hashes);
        }
        for (i, h) in hashes.iter().enumerate() {
            let row = first_row + i as u64;
            self.row_hll.insert_hash(mix64(*h));
            if let Some(map) = &mut self.row_hashes {
                if let Some(&orig) = map.get(h) {
                    self.duplicates.add(row);
                    if self.duplicate_pairs.len() < 10 {
                        self.duplicate_pairs.push((row, orig));
                    }
                } else {
                    map.insert(*h, row);
                    if map.len() > self.opts.exact_duplicate_limit {
                        self.row_hashes = None;
                    }
                }
            }
        }
        for (r, &(a, b)) in self.date_rules.iter().enumerate() {
            let (ca, cb) = (batch.column(a), batch.column(b));
            for i in 0..n {
                if let (Some(x), Some(y)) = (date_value(ca, i), date_value(cb, i))
                    && x > y
                {
                    self.date_violations[r].add(first_row + i as u64);
                }
            }
        }
        self.sample.add(batch);
        self.rows += n as u64;
    }

    pub fn finish(self) -> TableProfile {
        let rows = self.rows;
        let mut findings = Vec::new();
        let mut alerts = Vec::new();
        let mut columns = Vec::new();
        for acc in self.columns {
            let (profile, mut f) = finish_column(acc, rows, &self.opts);
            for a in &profile.alerts {
                alerts.push(Alert {
                    column: Some(profile.name.clone()),
                    kind: a.split(':').next().unwrap_or(a).to_string(),
                    message: a.clone(),
                });
            }
            findings.append(&mut f);
            columns.push(profile);
        }
        for (r, &(a, b)) in self.date_rules.iter().enumerate() {
            let e = &self.date_violations[r];
            if e.count > 0 {
                findings.push(Finding {
                    check: "date_order".into(),
                    column: Some(self.schema.field(b).name().clone()),
                    count: e.count,
                    example_rows: e.rows.clone(),
                    detail: format!(
                        "'{}' is after '{}' in {} rows",
                        self.schema.field(a).name(),
                        self.schema.field(b).name(),
                        e.count
                    ),
                });
            }
        }
        let duplicates = match &self.row_hashes {
            Some(_) => Duplicates {
                rows: self.duplicates.count,
                exact: true,
                examples: self.duplicate_pairs.clone(),
            },
            None => Duplicates {
                rows: rows.saturating_sub(self.row_hll.estimate().round() as u64),
                exact: false,
                examples: self.duplicate_pairs.clone(),
            },
        };
        if duplicates.rows > 0 {
            alerts.push(Alert {
                column: None,
                kind: "duplicates".into(),
                message: format!(
                    "duplicates: {} rows repeat an earlier row exactly",
                    duplicates.rows
                ),
            });
            findings.push(Finding {
                check: "duplicate_rows".into(),
                column: None,
                count: duplicates.rows,
                example_rows: self.duplicates.rows.clone(),
                detail: format!(
                    "{} rows are exact copies of an earlier row",
                    duplicates.rows
                ),
            });
        }
        let (associations, sampled) = self.sample.finish();
        for a in &associations {
            if a.value.abs() >= 0.9 && a.a != a.b {
                alerts.push(Alert {
                    column: Some(a.a.clone()),
                    kind: "high_correlation".into(),
                    message: format!(
                        "high_correlation: '{}' and '{}' ({} {:.2})",
                        a.a, a.b, a.method, a.value
                    ),
                });
            }
        }
        TableProfile {
            rows,
            columns,
            duplicates,
            associations,
            association_sample_rows: sampled,
            alerts,
            findings,
        }
    }
}

/// Mixes each cell's hash into the row hashes (nulls hash to a fixed marker).
fn hash_column(col: &ArrayRef, hashes: &mut [u64]) {
    let mix = |h: &mut u64, v: u64| *h = mix64(*h ^ v).wrapping_add(0x51_7C_C1_B7_27_22_0A_95);
    let null = 0xA5A5_5A5A_DEAD_BEEFu64;
    match col.data_type() {
        DataType::Utf8 => {
            for (h, v) in hashes.iter_mut().zip(col.as_string::<i32>().iter()) {
                mix(h, v.map_or(null, |s| hash_bytes(s.as_bytes())));
            }
        }
        DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, _) => {
            for (h, v) in hashes
                .iter_mut()
                .zip(col.as_primitive::<TimestampMicrosecondType>().iter())
            {
                mix(h, v.map_or(null, |x| x as u64));
            }
        }
        DataType::Boolean => {
            for (h, v) in hashes.iter_mut().zip(col.as_boolean().iter()) {
                mix(h, v.map_or(null, |x| x as u64 + 1));
            }
        }
        DataType::Int64 => {
            for (h, v) in hashes
                .iter_mut()
                .zip(col.as_primitive::<Int64Type>().iter())
            {
                mix(h, v.map_or(null, |x| x as u64));
            }
        }
        DataType::Float64 => {
            for (h, v) in hashes
                .iter_mut()
                .zip(col.as_primitive::<Float64Type>().iter())
            {
                mix(h, v.map_or(null, f64::to_bits));
            }
        }
        DataType::Date32 => {
            for (h, v) in hashes
                .iter_mut()
                .zip(col.as_primitive::<Date32Type>().iter())
            {
                mix(h, v.map_or(null, |x| x as u64));
            }
        }
        _ => {
            if let Ok(fmt) = ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default()) {
                for (i, h) in hashes.iter_mut().enumerate() {
                    let v = if col.is_null(i) {
                        null
                    } else {
                        hash_bytes(fmt.value(i).to_string().as_bytes())
                    };
                    mix(h, v);
                }
            }
        }
    }
}

fn finish_column(
    acc: ColumnAcc,
    rows: u64,
    opts: &ProfileOptions,
) -> (ColumnProfile, Vec<Finding>) {
    let non_null = rows - acc.nulls.min(rows);
    let (distinct, distinct_exact) = acc.distinct.result();
    let mut findings = Vec::new();
    let name = acc.name.clone();
    let finding = |check: &str, e: &Examples, detail: String| Finding {
        check: check.into(),
        column: Some(name.clone()),
        count: e.count,
        example_rows: e.rows.clone(),
        detail,
    };
    let (top_values, top_exact) = match acc.kind {
        Kind::Text | Kind::Other => (
            acc.top_text.top(opts.top_k, |s| s.clone()),
            acc.top_text.exact,
        ),
        Kind::Integer => (
            acc.top_num.top(opts.top_k, |k| (*k as i64).to_string()),
            acc.top_num.exact,
        ),
        Kind::Float => (
            acc.top_num
                .top(opts.top_k, |k| f64::from_bits(*k).to_string()),
            acc.top_num.exact,
        ),
        Kind::Boolean => (acc.top_num.top(opts.top_k, |k| (*k == 1).to_string()), true),
        Kind::Date => (
            acc.top_num
                .top(opts.top_k, |k| days_to_iso(*k as i64 as i32)),
            acc.top_num.exact,
        ),
        Kind::Timestamp => (
            acc.top_num.top(opts.top_k, |k| micros_to_iso(*k as i64)),
            acc.top_num.exact,
        ),
    };
    let numeric = match acc.kind {
        Kind::Integer | Kind::Float => acc.num.as_ref().and_then(|n| n.stats(opts.histogram_bins)),
        _ => None,
    };
    let temporal = match (acc.kind, &acc.num) {
        (Kind::Date | Kind::Timestamp, Some(n)) if n.n > 0 => {
            let show = |v: f64| {
                if acc.kind == Kind::Date {
                    days_to_iso(v as i32)
                } else {
                    micros_to_iso(v as i64)
                }
            };
            let mut by_year: Vec<(i32, u64)> = acc.years.iter().map(|(y, c)| (*y, *c)).collect();
            by_year.sort();
            Some(TemporalStats {
                min: show(n.min),
                max: show(n.max),
                future: acc.future.count,
                by_year,
            })
        }
        _ => None,
    };
    let text = acc.text.as_ref().filter(|t| t.n > 0).map(|t| TextStats {
        min_length: t.min_len,
        max_length: t.max_len,
        mean_length: t.sum_len as f64 / t.n as f64,
        patterns: t.patterns.top(opts.top_k, |s| s.clone()),
        patterns_exact: t.patterns.exact,
    });
    let pii = acc.pii.map(ColumnScanner::finish);

    // Findings for the quality score.
    if acc.future.count > 0 {
        findings.push(finding(
            "future_date",
            &acc.future,
            format!(
                "{} values lie after the reference date {}",
                acc.future.count,
                days_to_iso(opts.today_days)
            ),
        ));
    }
    // A numeric or date value like -999 or 1900-01-01 is a placeholder only when it stands out:
    // outside the 1st–99th percentile, or far more frequent than values usually are. Unique
    // columns (ids) have no placeholders.
    let stats = if acc.sentinel_values.is_empty() {
        None
    } else {
        acc.num.as_ref().and_then(|n| n.stats(0))
    };
    let unique_col = distinct_exact && distinct == non_null;
    let mean_freq = non_null as f64 / distinct.max(1) as f64;
    let mut kept: Vec<(&String, &Examples)> = acc
        .sentinel_values
        .iter()
        .filter(|(_, (pos, e))| match (pos, &stats) {
            (None, _) => true,
            (Some(_), _) if unique_col => false,
            (Some(x), Some(st)) => {
                let q = |p: f64| {
                    st.quantiles
                        .iter()
                        .find(|(k, _)| *k == p)
                        .map_or(f64::NAN, |(_, v)| *v)
                };
                *x < q(0.01) || *x > q(0.99) || (e.count >= 3 && e.count as f64 >= 5.0 * mean_freq)
            }
            (Some(_), None) => true,
        })
        .map(|(v, (_, e))| (v, e))
        .collect();
    if !kept.is_empty() {
        kept.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
        let shown: Vec<String> = kept
            .iter()
            .take(3)
            .map(|(v, e)| format!("'{v}' ×{}", e.count))
            .collect();
        let mut all = Examples::default();
        let mut rows: Vec<u64> = kept
            .iter()
            .flat_map(|(_, e)| e.rows.iter().copied())
            .collect();
        rows.sort_unstable();
        all.count = kept.iter().map(|(_, e)| e.count).sum();
        all.rows = rows.into_iter().take(10).collect();
        findings.push(finding(
            "sentinel_value",
            &all,
            format!(
                "placeholder values that stand for 'unknown': {}",
                shown.join(", ")
            ),
        ));
    }
    if acc.negative_age.count > 0 {
        findings.push(finding(
            "impossible_age",
            &acc.negative_age,
            format!("{} ages are negative or above 125", acc.negative_age.count),
        ));
    }
    if acc.unreadable.count > 0 {
        findings.push(finding(
            "unreadable_text",
            &acc.unreadable,
            format!(
                "{} values contain control characters or undecodable bytes",
                acc.unreadable.count
            ),
        ));
    }
    if let Some(t) = &acc.text {
        let with_unit: u64 = t.units.values().map(|e| e.count).sum();
        if t.units.len() >= 2 && with_unit * 2 > t.n {
            let mut units: Vec<(&String, &Examples)> = t.units.iter().collect();
            units.sort_by_key(|u| std::cmp::Reverse(u.1.count));
            let minority: u64 = units[1..].iter().map(|(_, e)| e.count).sum();
            let rows: Vec<u64> = units[1..]
                .iter()
                .flat_map(|(_, e)| e.rows.iter().copied())
                .take(10)
                .collect();
            findings.push(Finding {
                check: "mixed_units".into(),
                column: Some(name.clone()),
                count: minority,
                example_rows: rows,
                detail: format!(
                    "values carry different units: {}",
                    units
                        .iter()
                        .map(|(u, e)| format!("{u} ×{}", e.count))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    if let Some(p) = &pii
        && p.invalid > 0
        && let Some(entity) = p.entity
    {
        findings.push(Finding {
            check: "invalid_identifier".into(),
            column: Some(name.clone()),
            count: p.invalid,
            example_rows: p.invalid_rows.clone(),
            detail: format!(
                "{} values look like a {} but fail its check digits or date",
                p.invalid,
                entity.label()
            ),
        });
    }

    // Alerts in the spirit of ydata-profiling.
    let mut alerts = Vec::new();
    if non_null == 0 {
        alerts.push("all_missing: the column has no values".to_string());
    } else {
        if distinct == 1 {
            alerts.push(format!(
                "constant: every value is '{}'",
                top_values.first().map_or("", |t| t.value.as_str())
            ));
        }
        if acc.nulls * 2 > rows {
            alerts.push(format!(
                "mostly_missing: {:.0}% of values are missing",
                100.0 * acc.nulls as f64 / rows as f64
            ));
        }
        if distinct_exact && distinct == non_null && non_null > 1 {
            alerts.push("unique: every value is different".to_string());
        } else if acc.kind == Kind::Text && distinct > 50 && distinct as f64 > 0.5 * non_null as f64
        {
            alerts.push(format!("high_cardinality: {distinct} distinct values"));
        }
        if let Some(n) = &numeric
            && n.skewness.abs() > 2.0
        {
            alerts.push(format!("skewed: skewness {:.1}", n.skewness));
        }
        if let Some(n) = &numeric
            && n.zeros * 2 > non_null
        {
            alerts.push(format!(
                "zeros: {:.0}% of values are 0",
                100.0 * n.zeros as f64 / non_null as f64
            ));
        }
        if (2..=50).contains(&distinct)
            && let Some(top) = top_values.first()
            && top.count as f64 > 0.9 * non_null as f64
        {
            alerts.push(format!(
                "imbalanced: '{}' is {:.0}% of values",
                top.value,
                100.0 * top.count as f64 / non_null as f64
            ));
        }
    }
    let semantic_type = semantic_type(
        acc.kind,
        pii.as_ref(),
        distinct,
        non_null,
        text.as_ref(),
        &findings,
    );
    let profile = ColumnProfile {
        name: acc.name,
        ty: datalab_data::container::type_name(&acc.ty),
        semantic_type,
        count: rows,
        nulls: acc.nulls,
        null_share: if rows == 0 {
            0.0
        } else {
            acc.nulls as f64 / rows as f64
        },
        distinct,
        distinct_exact,
        unique: distinct_exact && distinct == non_null && non_null > 0,
        top_values,
        top_values_exact: top_exact,
        numeric,
        temporal,
        text,
        boolean_true: (acc.kind == Kind::Boolean).then_some(acc.trues),
        pii,
        null_example_rows: acc.null_rows.rows,
        alerts,
    };
    (profile, findings)
}

fn semantic_type(
    kind: Kind,
    pii: Option<&ColumnPii>,
    distinct: u64,
    non_null: u64,
    text: Option<&TextStats>,
    findings: &[Finding],
) -> String {
    if let Some(e) = pii.and_then(|p| p.entity) {
        return e.name().to_string();
    }
    if findings.iter().any(|f| f.check == "mixed_units") {
        return "measurement_with_unit".into();
    }
    match kind {
        Kind::Boolean => "boolean".into(),
        Kind::Date => "date".into(),
        Kind::Timestamp => "timestamp".into(),
        Kind::Integer | Kind::Float if distinct == non_null && non_null > 100 => {
            "identifier".into()
        }
        Kind::Integer | Kind::Float if distinct <= 20 => "categorical".into(),
        Kind::Integer | Kind::Float => "numeric".into(),
        Kind::Text => {
            let t = text;
            if distinct <= 50 || (distinct as f64) < 0.05 * non_null as f64 {
                "categorical".into()
            } else if t.is_some_and(|t| t.mean_length > 40.0) {
                "free_text".into()
            } else if distinct == non_null {
                "identifier".into()
            } else if t.is_some_and(|t| {
                t.patterns
                    .first()
                    .is_some_and(|p| p.count as f64 > 0.9 * non_null as f64)
            }) {
                "code".into()
            } else {
                "text".into()
            }
        }
        Kind::Other => "other".into(),
    }
}

/// The first rows of every column (up to the limits), for associations.
struct AssocSample {
    cols: Vec<(usize, String, bool)>,
    numeric: Vec<Vec<f64>>,
    codes: Vec<Vec<u32>>,
    dicts: Vec<FxHashMap<String, u32>>,
    limit: usize,
    rows: usize,
}

const MAX_CATEGORIES: usize = 50;

impl AssocSample {
    fn new(schema: &SchemaRef, opts: &ProfileOptions) -> Self {
        let cols: Vec<(usize, String, bool)> = schema
            .fields()
            .iter()
            .enumerate()
            .filter_map(|(i, f)| match kind_of(f.data_type()) {
                Kind::Integer | Kind::Float => Some((i, f.name().clone(), true)),
                Kind::Text | Kind::Boolean => Some((i, f.name().clone(), false)),
                _ => None,
            })
            .take(opts.association_max_columns)
            .collect();
        AssocSample {
            numeric: vec![Vec::new(); cols.len()],
            codes: vec![Vec::new(); cols.len()],
            dicts: vec![FxHashMap::default(); cols.len()],
            cols,
            limit: opts.association_sample_rows,
            rows: 0,
        }
    }

    fn add(&mut self, batch: &RecordBatch) {
        let take = (self.limit - self.rows).min(batch.num_rows());
        if take == 0 {
            return;
        }
        for (k, (idx, _, numeric)) in self.cols.iter().enumerate() {
            let col = batch.column(*idx).slice(0, take);
            if *numeric {
                let vals: Vec<f64> = match arrow_cast::cast(&col, &DataType::Float64) {
                    Ok(c) => c
                        .as_primitive::<Float64Type>()
                        .iter()
                        .map(|v| v.unwrap_or(f64::NAN))
                        .collect(),
                    Err(_) => vec![f64::NAN; take],
                };
                self.numeric[k].extend(vals);
            } else if let Ok(fmt) = ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default())
            {
                for i in 0..take {
                    let code = if col.is_null(i) {
                        u32::MAX
                    } else {
                        let s = fmt.value(i).to_string();
                        let n = self.dicts[k].len() as u32;
                        *self.dicts[k].entry(s).or_insert(n)
                    };
                    self.codes[k].push(code);
                }
            }
        }
        self.rows += take;
    }

    fn finish(self) -> (Vec<Association>, u64) {
        let mut out = Vec::new();
        let n = self.cols.len();
        for a in 0..n {
            for b in (a + 1)..n {
                let (_, an, a_num) = &self.cols[a];
                let (_, bn, b_num) = &self.cols[b];
                match (a_num, b_num) {
                    (true, true) => {
                        if let Some(v) = pearson(&self.numeric[a], &self.numeric[b]) {
                            out.push(Association {
                                a: an.clone(),
                                b: bn.clone(),
                                method: "pearson".into(),
                                value: v,
                            });
                        }
                        if let Some(v) = spearman(&self.numeric[a], &self.numeric[b]) {
                            out.push(Association {
                                a: an.clone(),
                                b: bn.clone(),
                                method: "spearman".into(),
                                value: v,
                            });
                        }
                    }
                    (false, false) => {
                        let (ka, kb) = (self.dicts[a].len(), self.dicts[b].len());
                        if (2..=MAX_CATEGORIES).contains(&ka)
                            && (2..=MAX_CATEGORIES).contains(&kb)
                            && let Some(v) = cramers_v(&self.codes[a], &self.codes[b], ka, kb)
                        {
                            out.push(Association {
                                a: an.clone(),
                                b: bn.clone(),
                                method: "cramers_v".into(),
                                value: v,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        (out, self.rows as u64)
    }
}

fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in &pairs {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Average ranks (ties share their mean rank).
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let (fx, fy): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .unzip();
    pearson(&ranks(&fx), &ranks(&fy))
}

fn cramers_v(a: &[u32], b: &[u32], ka: usize, kb: usize) -> Option<f64> {
    let mut table = vec![0f64; ka * kb];
    let mut n = 0.0;
    for (&x, &y) in a.iter().zip(b) {
        if x == u32::MAX || y == u32::MAX {
            continue;
        }
        table[x as usize * kb + y as usize] += 1.0;
        n += 1.0;
    }
    if n < 2.0 {
        return None;
    }
    let rows: Vec<f64> = (0..ka)
        .map(|i| table[i * kb..(i + 1) * kb].iter().sum())
        .collect();
    let cols: Vec<f64> = (0..kb)
        .map(|j| (0..ka).map(|i| table[i * kb + j]).sum())
        .collect();
    let mut chi2 = 0.0;
    for i in 0..ka {
        for j in 0..kb {
            let e = rows[i] * cols[j] / n;
            if e > 0.0 {
                chi2 += (table[i * kb + j] - e).powi(2) / e;
            }
        }
    }
    let r = rows.iter().filter(|&&c| c > 0.0).count();
    let c = cols.iter().filter(|&&c| c > 0.0).count();
    let m = (r.min(c) as f64) - 1.0;
    (m > 0.0).then(|| (chi2 / (n * m)).sqrt().min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_shapes() {
        assert_eq!(unit_of("72.5 kg"), Some("kg"));
        assert_eq!(unit_of("160 lb"), Some("lb"));
        assert_eq!(unit_of("-3,5°C"), Some("°C"));
        assert_eq!(unit_of("72.5"), None);
        assert_eq!(unit_of("kg 72"), None);
        assert_eq!(unit_of("12 Main Street"), None);
        assert_eq!(shape("P0000001"), "A9999999");
        assert_eq!(shape("ab-12"), "aa-99");
    }

    #[test]
    fn associations_are_right_on_known_data() {
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v * v).collect();
        assert!((pearson(&x, &x).unwrap() - 1.0).abs() < 1e-12);
        assert!(
            (spearman(&x, &y).unwrap() - 1.0).abs() < 1e-12,
            "monotone → spearman 1"
        );
        assert!(
            pearson(&x, &y).unwrap() < 0.99,
            "not linear → pearson below 1"
        );
        let a: Vec<u32> = (0..100).map(|i| i % 2).collect();
        let b = a.clone();
        assert!((cramers_v(&a, &b, 2, 2).unwrap() - 1.0).abs() < 1e-12);
        let c: Vec<u32> = (0..100).map(|i| (i / 2) % 2).collect();
        assert!(
            cramers_v(&a, &c, 2, 2).unwrap() < 0.05,
            "independent → near 0"
        );
    }

    #[test]
    fn years_and_sentinel_days() {
        for d in [-62_091, -25_567, -1, 0, 365, 10_957, 20_000, 2_932_896] {
            assert_eq!(
                year_of_days(d).to_string(),
                days_to_iso(d)[..days_to_iso(d).len() - 6],
                "{d}"
            );
        }
        assert_eq!(
            DATE_SENTINEL_DAYS.map(days_to_iso),
            ["1900-01-01", "1800-01-01", "9999-12-31"]
        );
    }

    #[test]
    fn ties_share_ranks() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
}
