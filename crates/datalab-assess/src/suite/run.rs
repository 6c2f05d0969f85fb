//! Running a suite: bind its checks to a schema (a [`Plan`]), feed batches once, report.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use arrow_array::{Array, RecordBatch};
use arrow_schema::{Schema, SchemaRef};
use chrono::{DateTime, Utc};
use datalab_data::DataError;
use regex::Regex;
use rustc_hash::FxHashSet;

use super::expr::{Clock, Compiled};
use super::values::{
    ColumnData, Kind, MICROS_PER_DAY, Val, compare, date_micros, days_of, display, float_key,
    format_date, format_timestamp, hash_val, parse_date, parse_number, parse_timestamp,
};
use super::{
    CheckDef, CheckProblem, CheckResult, Literal, Severity, Spec, Suite, SuiteError, SuiteReport,
};

const MAX_EXAMPLES: usize = 10;

/// Runs every check of `suite` over the batches, reading each batch once. Memory is bounded
/// by one batch, except for `unique` checks, which keep a 128-bit fingerprint per distinct
/// key (two independently keyed SipHash values: a false duplicate has a probability of
/// about n²/2¹²⁹, below 10⁻²⁴ for ten million rows).
///
/// `now` is the time `freshness`, `today()` and `now()` are measured against.
pub fn run_suite(
    suite: &Suite,
    schema: SchemaRef,
    batches: &mut dyn Iterator<Item = Result<RecordBatch, DataError>>,
    now: DateTime<Utc>,
) -> Result<SuiteReport, SuiteError> {
    let mut plan = Plan::compile(suite, &schema)?;
    let clock = Clock {
        today: days_of(now.date_naive()).unwrap_or_default(),
        now: now.timestamp_micros(),
    };
    let mut rows: u64 = 0;
    for batch in batches {
        let batch = batch?;
        plan.feed(&batch, rows, &clock)?;
        rows += batch.num_rows() as u64;
    }
    Ok(plan.finish(rows, &clock))
}

/// The checks of a suite bound to a schema, with their running state.
pub(crate) struct Plan<'s> {
    checks: Vec<Running<'s>>,
}

struct Running<'s> {
    def: &'s CheckDef,
    tally: Tally,
    state: State,
}

#[derive(Default)]
struct Tally {
    /// Rows (or non-null values) the check looked at.
    checked: u64,
    failing: u64,
    examples: Vec<u64>,
}

impl Tally {
    fn fail(&mut self, row: u64) {
        self.failing += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(row);
        }
    }
}

enum State {
    NotNull {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<(String, Kind)>,
        seen: FxHashSet<u128>,
        keys: (RandomState, RandomState),
        null_keys: u64,
    },
    Member {
        column: String,
        kind: Kind,
        set: ValueSet,
        what: String,
    },
    Regex {
        column: String,
        re: Regex,
        pattern: String,
    },
    Length {
        column: String,
        min: Option<u64>,
        max: Option<u64>,
    },
    Range {
        column: String,
        /// How the column is read.
        kind: Kind,
        /// For text columns compared as numbers, dates or timestamps: how cells are parsed.
        parse: Option<Kind>,
        min: Option<Bound>,
        max: Option<Bound>,
        unparseable: u64,
    },
    Expression {
        compiled: Compiled,
        not_applicable: u64,
    },
    RowCount {
        min: Option<u64>,
        max: Option<u64>,
    },
    Freshness {
        column: String,
        kind: Kind,
        max_age: String,
        max_age_micros: i64,
        /// Newest value: days for date columns, microseconds for timestamps.
        newest: Option<i64>,
    },
}

/// A bound of a range check, in the representation the column is compared in.
#[derive(Debug, Clone)]
enum Bound {
    Int(i64),
    Float(f64),
    Date(i32),
    Ts(i64),
    Text(String),
}

impl Bound {
    fn val(&self) -> Val<'_> {
        match self {
            Bound::Int(i) => Val::Int(*i),
            Bound::Float(f) => Val::Float(*f),
            Bound::Date(d) => Val::Date(*d),
            Bound::Ts(t) => Val::Ts(*t),
            Bound::Text(s) => Val::Text(s),
        }
    }
}

/// Allowed values, in the column's representation.
enum ValueSet {
    Text(FxHashSet<String>),
    Int(FxHashSet<i64>),
    Float(FxHashSet<u64>),
    Bool([bool; 2]),
    Date(FxHashSet<i32>),
    Ts(FxHashSet<i64>),
}

impl ValueSet {
    fn build<'a>(
        kind: Kind,
        column: &str,
        items: impl Iterator<Item = &'a Literal>,
    ) -> Result<ValueSet, String> {
        let not = |v: &Literal| {
            format!(
                "{v} cannot occur in column '{column}', which holds {} values",
                kind.name()
            )
        };
        let mut set = match kind {
            Kind::Text => ValueSet::Text(FxHashSet::default()),
            Kind::Int => ValueSet::Int(FxHashSet::default()),
            Kind::Float => ValueSet::Float(FxHashSet::default()),
            Kind::Bool => ValueSet::Bool([false; 2]),
            Kind::Date => ValueSet::Date(FxHashSet::default()),
            Kind::Timestamp => ValueSet::Ts(FxHashSet::default()),
        };
        for item in items {
            match &mut set {
                ValueSet::Text(s) => {
                    s.insert(match item {
                        Literal::Text(t) => t.clone(),
                        Literal::Int(i) => i.to_string(),
                        Literal::Float(f) => f.to_string(),
                        Literal::Bool(b) => b.to_string(),
                    });
                }
                ValueSet::Int(s) => {
                    let v = match item {
                        Literal::Int(i) => Some(*i),
                        Literal::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => {
                            Some(*f as i64)
                        }
                        Literal::Text(t) => t.trim().parse::<i64>().ok(),
                        _ => None,
                    };
                    s.insert(v.ok_or_else(|| not(item))?);
                }
                ValueSet::Float(s) => {
                    let v = match item {
                        Literal::Int(i) => Some(*i as f64),
                        Literal::Float(f) => Some(*f),
                        Literal::Text(t) => match parse_number(t) {
                            Some(Val::Int(i)) => Some(i as f64),
                            Some(Val::Float(f)) => Some(f),
                            _ => None,
                        },
                        _ => None,
                    };
                    s.insert(float_key(v.ok_or_else(|| not(item))?));
                }
                ValueSet::Bool(s) => {
                    let v = match item {
                        Literal::Bool(b) => Some(*b),
                        Literal::Text(t) if t.trim().eq_ignore_ascii_case("true") => Some(true),
                        Literal::Text(t) if t.trim().eq_ignore_ascii_case("false") => Some(false),
                        _ => None,
                    };
                    s[usize::from(v.ok_or_else(|| not(item))?)] = true;
                }
                ValueSet::Date(s) => {
                    let v = match item {
                        Literal::Text(t) => parse_date(t),
                        _ => None,
                    };
                    s.insert(v.ok_or_else(|| not(item))?);
                }
                ValueSet::Ts(s) => {
                    let v = match item {
                        Literal::Text(t) => parse_timestamp(t),
                        _ => None,
                    };
                    s.insert(v.ok_or_else(|| not(item))?);
                }
            }
        }
        Ok(set)
    }

    fn contains(&self, v: Val) -> bool {
        match (self, v) {
            (ValueSet::Text(s), Val::Text(t)) => s.contains(t),
            (ValueSet::Int(s), Val::Int(i)) => s.contains(&i),
            (ValueSet::Float(s), Val::Float(f)) => s.contains(&float_key(f)),
            (ValueSet::Bool(s), Val::Bool(b)) => s[usize::from(b)],
            (ValueSet::Date(s), Val::Date(d)) => s.contains(&d),
            (ValueSet::Ts(s), Val::Ts(t)) => s.contains(&t),
            _ => false,
        }
    }
}

/// Explains a column name the schema lacks: the closest name if one is close, and the list.
fn unknown_column(name: &str, schema: &Schema) -> String {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut msg = format!("unknown column '{name}'");
    let closest = names
        .iter()
        .map(|n| (edit_distance(&name.to_lowercase(), &n.to_lowercase()), *n))
        .min_by_key(|(d, _)| *d);
    if let Some((d, n)) = closest
        && d <= (name.chars().count() / 3).max(2)
    {
        msg.push_str(&format!(" (did you mean '{n}'?)"));
    }
    const SHOWN: usize = 40;
    let mut list = names
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(", … ({} more)", names.len() - SHOWN));
    }
    if names.is_empty() {
        list = "(none)".to_string();
    }
    msg.push_str(&format!("; available columns: {list}"));
    msg
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

fn kind_in(schema: &Schema, name: &str) -> Result<Kind, String> {
    schema
        .field_with_name(name)
        .map(|f| Kind::of(f.data_type()))
        .map_err(|_| unknown_column(name, schema))
}

/// Converts a range bound to the representation of a column of `kind`.
fn bound_for(kind: Kind, column: &str, which: &str, lit: &Literal) -> Result<Bound, String> {
    let wrong = |expected: &str| {
        format!(
            "{which} {lit} does not fit column '{column}' ({}); give {expected}",
            kind.name()
        )
    };
    match kind {
        Kind::Int | Kind::Float => match lit {
            Literal::Int(i) => Ok(Bound::Int(*i)),
            Literal::Float(f) => Ok(Bound::Float(*f)),
            Literal::Text(t) => match parse_number(t) {
                Some(Val::Int(i)) => Ok(Bound::Int(i)),
                Some(Val::Float(f)) => Ok(Bound::Float(f)),
                _ => Err(wrong("a number")),
            },
            Literal::Bool(_) => Err(wrong("a number")),
        },
        Kind::Date | Kind::Timestamp => {
            let Literal::Text(t) = lit else {
                return Err(wrong("a date such as '2020-01-31'"));
            };
            if kind == Kind::Date
                && let Some(d) = parse_date(t)
            {
                return Ok(Bound::Date(d));
            }
            parse_timestamp(t).map(Bound::Ts).ok_or_else(|| {
                wrong("a date such as '2020-01-31' or a timestamp such as '2020-01-31T12:00:00'")
            })
        }
        Kind::Bool => Err(format!(
            "range does not apply to column '{column}', which holds true/false values"
        )),
        Kind::Text => Err(wrong("text")),
    }
}

/// How a range check reads its column (`None`: as it is) and its two bounds.
type RangePlan = (Option<Kind>, Option<Bound>, Option<Bound>);

/// For a text column, the bounds decide how cells are compared: as numbers, dates,
/// timestamps (cells that do not parse fail) or as text (in byte order).
fn text_range(
    column: &str,
    min: Option<&Literal>,
    max: Option<&Literal>,
) -> Result<RangePlan, String> {
    let lits: Vec<&Literal> = [min, max].into_iter().flatten().collect();
    let all = |f: &dyn Fn(&Literal) -> bool| lits.iter().all(|l| f(l));
    let as_text = |l: &Literal| match l {
        Literal::Text(t) => Some(t.clone()),
        _ => None,
    };
    let parse: Option<Kind> = if all(&|l| matches!(l, Literal::Int(_) | Literal::Float(_))) {
        Some(Kind::Float)
    } else if all(&|l| as_text(l).is_some_and(|t| parse_date(&t).is_some())) {
        Some(Kind::Date)
    } else if all(&|l| as_text(l).is_some_and(|t| parse_timestamp(&t).is_some())) {
        Some(Kind::Timestamp)
    } else if all(&|l| matches!(l, Literal::Text(_))) {
        None
    } else {
        return Err(format!(
            "min and max must be of one sort (both numbers, both dates or both text) for text column '{column}'"
        ));
    };
    let conv = |which: &str, l: Option<&Literal>| -> Result<Option<Bound>, String> {
        l.map(|l| match parse {
            Some(k) => bound_for(k, column, which, l),
            None => Ok(Bound::Text(as_text(l).unwrap_or_default())),
        })
        .transpose()
    };
    Ok((parse, conv("min", min)?, conv("max", max)?))
}

impl<'s> Plan<'s> {
    pub(crate) fn compile(suite: &'s Suite, schema: &Schema) -> Result<Plan<'s>, SuiteError> {
        let mut checks = Vec::new();
        let mut problems = Vec::new();
        for def in suite.checks() {
            match compile_check(def, schema) {
                Ok(state) => checks.push(Running {
                    def,
                    tally: Tally::default(),
                    state,
                }),
                Err(message) => problems.push(CheckProblem {
                    check: def.label(),
                    message,
                }),
            }
        }
        if problems.is_empty() {
            Ok(Plan { checks })
        } else {
            Err(SuiteError::Checks {
                file: suite.file().to_string(),
                problems,
            })
        }
    }

    fn feed(&mut self, batch: &RecordBatch, offset: u64, clock: &Clock) -> Result<(), SuiteError> {
        for check in &mut self.checks {
            feed_check(check, batch, offset, clock)?;
        }
        Ok(())
    }

    fn finish(self, rows: u64, clock: &Clock) -> SuiteReport {
        let checks: Vec<CheckResult> = self
            .checks
            .into_iter()
            .map(|c| finish_check(c, rows, clock))
            .collect();
        let passed = checks
            .iter()
            .all(|c| c.passed || c.severity == Severity::Warning);
        SuiteReport {
            passed,
            rows,
            checks,
        }
    }
}

fn compile_check(def: &CheckDef, schema: &Schema) -> Result<State, String> {
    // Unknown columns first, all of them in one message.
    let missing: Vec<String> = def
        .spec
        .columns()
        .iter()
        .filter(|c| schema.field_with_name(c).is_err())
        .map(|c| unknown_column(c, schema))
        .collect();
    if !missing.is_empty() {
        return Err(missing.join("; "));
    }
    Ok(match &def.spec {
        Spec::NotNull { columns } => State::NotNull {
            columns: columns.clone(),
        },
        Spec::Unique { columns } => State::Unique {
            columns: columns
                .iter()
                .map(|c| Ok((c.clone(), kind_in(schema, c)?)))
                .collect::<Result<_, String>>()?,
            seen: FxHashSet::default(),
            keys: (RandomState::new(), RandomState::new()),
            null_keys: 0,
        },
        Spec::InSet { column, values } => {
            let kind = kind_in(schema, column)?;
            State::Member {
                column: column.clone(),
                kind,
                set: ValueSet::build(kind, column, values.iter())?,
                what: format!(
                    "the set of {} allowed value{}",
                    values.len(),
                    if values.len() == 1 { "" } else { "s" }
                ),
            }
        }
        Spec::Codelist {
            column,
            path,
            codes,
        } => {
            let kind = kind_in(schema, column)?;
            let lits: Vec<Literal> = codes.iter().map(|c| Literal::Text(c.clone())).collect();
            State::Member {
                column: column.clone(),
                kind,
                set: ValueSet::build(kind, column, lits.iter())
                    .map_err(|e| format!("codelist {}: {e}", path.display()))?,
                what: format!("codelist {} ({} codes)", path.display(), codes.len()),
            }
        }
        Spec::Regex {
            column,
            re,
            pattern,
        } => State::Regex {
            column: column.clone(),
            re: re.clone(),
            pattern: pattern.clone(),
        },
        Spec::Length { column, min, max } => State::Length {
            column: column.clone(),
            min: *min,
            max: *max,
        },
        Spec::Range { column, min, max } => {
            let kind = kind_in(schema, column)?;
            let (parse, lo, hi) = if kind == Kind::Text {
                text_range(column, min.as_ref(), max.as_ref())?
            } else {
                let conv = |which: &str, l: &Option<Literal>| {
                    l.as_ref()
                        .map(|l| bound_for(kind, column, which, l))
                        .transpose()
                };
                (None, conv("min", min)?, conv("max", max)?)
            };
            if let (Some(a), Some(b)) = (&lo, &hi)
                && compare(a.val(), b.val()) == Some(std::cmp::Ordering::Greater)
            {
                return Err(format!(
                    "min ({}) is greater than max ({})",
                    display(a.val()),
                    display(b.val())
                ));
            }
            State::Range {
                column: column.clone(),
                kind,
                parse,
                min: lo,
                max: hi,
                unparseable: 0,
            }
        }
        Spec::Expression { expr, .. } => {
            let kind_of = |name: &str| kind_in(schema, name);
            State::Expression {
                compiled: super::expr::compile(expr, &kind_of)?,
                not_applicable: 0,
            }
        }
        Spec::RowCount { min, max } => State::RowCount {
            min: *min,
            max: *max,
        },
        Spec::Freshness {
            column,
            max_age,
            max_age_micros,
        } => {
            let kind = kind_in(schema, column)?;
            if !matches!(kind, Kind::Date | Kind::Timestamp) {
                return Err(format!(
                    "freshness needs a date or timestamp column; '{column}' holds {} values",
                    kind.name()
                ));
            }
            State::Freshness {
                column: column.clone(),
                kind,
                max_age: max_age.clone(),
                max_age_micros: *max_age_micros,
                newest: None,
            }
        }
    })
}

fn column<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b arrow_array::ArrayRef, SuiteError> {
    batch
        .schema()
        .index_of(name)
        .map(|i| batch.column(i))
        .map_err(|_| {
            SuiteError::Data(DataError::Usage(format!(
                "a batch of the data has no column '{name}', although the schema has"
            )))
        })
}

fn load(batch: &RecordBatch, name: &str, kind: Kind) -> Result<ColumnData, SuiteError> {
    ColumnData::load(column(batch, name)?, kind).map_err(|source| {
        SuiteError::Data(DataError::Arrow {
            context: format!("reading column '{name}' as {}", kind.name()),
            source,
        })
    })
}

fn feed_check(
    check: &mut Running,
    batch: &RecordBatch,
    offset: u64,
    clock: &Clock,
) -> Result<(), SuiteError> {
    let n = batch.num_rows();
    let tally = &mut check.tally;
    let row = |i: usize| offset + i as u64 + 1;
    match &mut check.state {
        State::NotNull { columns } => {
            let mut nulls = Vec::with_capacity(columns.len());
            for c in columns.iter() {
                // Logical nulls, so an all-null column of type Null counts as null.
                nulls.push(column(batch, c)?.logical_nulls());
            }
            tally.checked += n as u64;
            for i in 0..n {
                if nulls
                    .iter()
                    .any(|m| m.as_ref().is_some_and(|m| m.is_null(i)))
                {
                    tally.fail(row(i));
                }
            }
        }
        State::Unique {
            columns,
            seen,
            keys,
            null_keys,
        } => {
            let data = columns
                .iter()
                .map(|(c, k)| load(batch, c, *k))
                .collect::<Result<Vec<_>, _>>()?;
            'rows: for i in 0..n {
                let mut h1 = keys.0.build_hasher();
                let mut h2 = keys.1.build_hasher();
                for d in &data {
                    let v = d.value(i);
                    if matches!(v, Val::Null) {
                        *null_keys += 1;
                        continue 'rows;
                    }
                    hash_val(v, &mut h1);
                    hash_val(v, &mut h2);
                }
                tally.checked += 1;
                let fingerprint = (u128::from(h1.finish()) << 64) | u128::from(h2.finish());
                if !seen.insert(fingerprint) {
                    tally.fail(row(i));
                }
            }
        }
        State::Member {
            column, kind, set, ..
        } => {
            let d = load(batch, column, *kind)?;
            for i in 0..n {
                let v = d.value(i);
                if matches!(v, Val::Null) {
                    continue;
                }
                tally.checked += 1;
                if !set.contains(v) {
                    tally.fail(row(i));
                }
            }
        }
        State::Regex { column, re, .. } => {
            let d = load(batch, column, Kind::Text)?;
            for i in 0..n {
                if let Val::Text(s) = d.value(i) {
                    tally.checked += 1;
                    if !re.is_match(s) {
                        tally.fail(row(i));
                    }
                }
            }
        }
        State::Length { column, min, max } => {
            let d = load(batch, column, Kind::Text)?;
            for i in 0..n {
                if let Val::Text(s) = d.value(i) {
                    tally.checked += 1;
                    let len = s.chars().count() as u64;
                    if min.is_some_and(|m| len < m) || max.is_some_and(|m| len > m) {
                        tally.fail(row(i));
                    }
                }
            }
        }
        State::Range {
            column,
            kind,
            parse,
            min,
            max,
            unparseable,
        } => {
            let d = load(batch, column, *kind)?;
            for i in 0..n {
                let raw = d.value(i);
                if matches!(raw, Val::Null) {
                    continue;
                }
                tally.checked += 1;
                let v = match (*parse, raw) {
                    (None, v) => Some(v),
                    (Some(Kind::Float), Val::Text(s)) => parse_number(s),
                    (Some(Kind::Date), Val::Text(s)) => parse_date(s).map(Val::Date),
                    (Some(_), Val::Text(s)) => parse_timestamp(s).map(Val::Ts),
                    (Some(_), _) => None,
                };
                let Some(v) = v else {
                    *unparseable += 1;
                    tally.fail(row(i));
                    continue;
                };
                use std::cmp::Ordering::{Greater, Less};
                let low = min.as_ref().map(|b| compare(v, b.val()));
                let high = max.as_ref().map(|b| compare(v, b.val()));
                // `None` from compare (NaN) is outside every range.
                let outside = matches!(low, Some(None | Some(Less)))
                    || matches!(high, Some(None | Some(Greater)));
                if outside {
                    tally.fail(row(i));
                }
            }
        }
        State::Expression {
            compiled,
            not_applicable,
        } => {
            let data = compiled
                .columns
                .iter()
                .map(|(c, k)| load(batch, c, *k))
                .collect::<Result<Vec<_>, _>>()?;
            tally.checked += n as u64;
            for i in 0..n {
                match compiled.eval(&data, i, clock) {
                    Val::Bool(true) => {}
                    Val::Bool(false) => tally.fail(row(i)),
                    _ => *not_applicable += 1,
                }
            }
        }
        State::RowCount { .. } => {}
        State::Freshness {
            column,
            kind,
            newest,
            ..
        } => {
            let d = load(batch, column, *kind)?;
            for i in 0..n {
                let v = match d.value(i) {
                    Val::Date(x) => i64::from(x),
                    Val::Ts(x) => x,
                    _ => continue,
                };
                *newest = Some(newest.map_or(v, |m| m.max(v)));
            }
        }
    }
    Ok(())
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "3d 4h", "5h 12m", "40s": the size of a duration for messages.
fn human_duration(micros: i64) -> String {
    let secs = micros.unsigned_abs() / 1_000_000;
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3_600,
        secs % 3_600 / 60,
        secs % 60,
    );
    if d > 0 {
        if h > 0 {
            format!("{d}d {h}h")
        } else {
            format!("{d}d")
        }
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {s}s")
    } else {
        format!("{s}s")
    }
}

fn bounds_text(min: Option<String>, max: Option<String>, unit: &str) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("between {a} and {b}{unit}"),
        (Some(a), None) => format!("at least {a}{unit}"),
        (None, Some(b)) => format!("at most {b}{unit}"),
        (None, None) => "any".to_string(),
    }
}

fn finish_check(check: Running, rows: u64, clock: &Clock) -> CheckResult {
    let Running { def, tally, state } = check;
    let mut failing = tally.failing;
    let checked = tally.checked;
    let values = |n: u64| plural(n, "non-null value", "non-null values");
    let message = match state {
        State::NotNull { columns } => {
            let what = if columns.len() == 1 {
                format!("a null {}", columns[0])
            } else {
                format!("a null in one of {}", columns.join(", "))
            };
            if failing == 0 {
                format!("no row of {} has {what}", plural(rows, "row", "rows"))
            } else {
                format!("{failing} of {} have {what}", plural(rows, "row", "rows"))
            }
        }
        State::Unique {
            columns, null_keys, ..
        } => {
            let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
            let key = if names.len() == 1 {
                names[0].to_string()
            } else {
                format!("({})", names.join(", "))
            };
            let mut m = if failing == 0 {
                format!("all {checked} values of {key} are distinct")
            } else {
                format!(
                    "{failing} of {checked} rows repeat a value of {key} seen in an earlier row"
                )
            };
            if null_keys > 0 {
                m.push_str(&format!(
                    "; {} with a null in {key} not checked",
                    plural(null_keys, "row", "rows")
                ));
            }
            m
        }
        State::Member { what, .. } => {
            if failing == 0 {
                format!("all {} are in {what}", values(checked))
            } else {
                format!("{failing} of {} are not in {what}", values(checked))
            }
        }
        State::Regex { pattern, .. } => {
            if failing == 0 {
                format!("all {} match the pattern {pattern}", values(checked))
            } else {
                format!(
                    "{failing} of {} do not match the pattern {pattern}",
                    values(checked)
                )
            }
        }
        State::Length { min, max, .. } => {
            let allowed = bounds_text(
                min.map(|v| v.to_string()),
                max.map(|v| v.to_string()),
                " characters",
            );
            if failing == 0 {
                format!("all {} are {allowed} long", values(checked))
            } else {
                format!("{failing} of {} are not {allowed} long", values(checked))
            }
        }
        State::Range {
            min,
            max,
            unparseable,
            parse,
            ..
        } => {
            let allowed = bounds_text(
                min.as_ref().map(|b| display(b.val())),
                max.as_ref().map(|b| display(b.val())),
                "",
            );
            if failing == 0 {
                format!("all {} are {allowed}", values(checked))
            } else {
                let mut m = format!("{failing} of {} are not {allowed}", values(checked));
                if unparseable > 0 {
                    let sort = match parse {
                        Some(Kind::Date) => "dates",
                        Some(Kind::Timestamp) => "timestamps",
                        _ => "numbers",
                    };
                    m.push_str(&format!(" ({unparseable} of them are not {sort})"));
                }
                m
            }
        }
        State::Expression { not_applicable, .. } => {
            let mut m = if failing == 0 {
                format!("no row of {} breaks the rule", plural(rows, "row", "rows"))
            } else {
                format!(
                    "{failing} of {} break the rule",
                    plural(rows, "row", "rows")
                )
            };
            if not_applicable > 0 {
                m.push_str(&format!(
                    "; {} not applicable (a value is null)",
                    plural(not_applicable, "row", "rows")
                ));
            }
            m
        }
        State::RowCount { min, max } => {
            let ok = min.is_none_or(|m| rows >= m) && max.is_none_or(|m| rows <= m);
            failing = u64::from(!ok);
            let allowed = bounds_text(min.map(|v| v.to_string()), max.map(|v| v.to_string()), "");
            format!("{}; allowed: {allowed}", plural(rows, "row", "rows"))
        }
        State::Freshness {
            column,
            kind,
            max_age,
            max_age_micros,
            newest,
        } => {
            let cutoff = clock.now.saturating_sub(max_age_micros);
            match newest {
                None => {
                    failing = 1;
                    format!("{column} has no values, so the data cannot be shown to be fresh")
                }
                Some(v) => {
                    // A date counts as fresh for its whole day.
                    let (ok, shown, at) = if kind == Kind::Date {
                        let d = i32::try_from(v).unwrap_or(i32::MIN);
                        let cutoff_day = cutoff.div_euclid(MICROS_PER_DAY);
                        (i64::from(d) >= cutoff_day, format_date(d), date_micros(d))
                    } else {
                        (v >= cutoff, format_timestamp(v), v)
                    };
                    failing = u64::from(!ok);
                    let age = clock.now.saturating_sub(at);
                    let when = if age >= 0 {
                        format!("{} before", human_duration(age))
                    } else {
                        format!("{} after", human_duration(age))
                    };
                    format!(
                        "newest {column} is {shown}, {when} {}; allowed age: {max_age}",
                        format_timestamp(clock.now)
                    )
                }
            }
        }
    };
    let passed = failing == 0;
    CheckResult {
        name: def.name.clone(),
        kind: def.spec.kind().to_string(),
        columns: def.spec.columns(),
        severity: def.severity,
        passed,
        failing,
        example_rows: tally.examples,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("nationl_id", "national_id"), 1);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(
            human_duration(31 * MICROS_PER_DAY + 3_600_000_000),
            "31d 1h"
        );
        assert_eq!(human_duration(90_000_000), "1m 30s");
        assert_eq!(human_duration(-2 * 3_600_000_000), "2h 0m");
    }
}
