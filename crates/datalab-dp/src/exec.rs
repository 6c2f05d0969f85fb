//! Planning (bounds, privacy unit, sensitivities, calibrated OpenDP mechanisms — all before any
//! data is read), the exact aggregates in one streaming pass, and the noisy release.

use std::collections::{BTreeMap, HashMap};

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, Float64Array, RecordBatch, StringArray};
use arrow_cast::cast;
use arrow_schema::{DataType, Schema};
use datalab_data::{DataError, Result};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::mech::{Gaussian, Quantile, Selection, add_up, quantile_candidates};
use crate::spec::{Aggregate, Bounds, CmpOp, Literal, Predicate, QuerySpec};

/// How rows are bounded and which columns are public, from the command line or the manifest.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The privacy unit's id column; `None`: each row is its own unit.
    pub subject: Option<String>,
    /// Rows kept per subject (the first ones in storage order, after the filter); ≥ 1.
    pub max_rows_per_subject: u32,
    /// Declared bounds per column (`--bounds col=lo:hi`), used when the query has no CLAMP.
    pub bounds: HashMap<String, Bounds>,
    /// Public GROUP BY keys per column (`--public-keys col=a,b,c`).
    pub public_keys: HashMap<String, Vec<String>>,
    /// δ spent on DP partition selection when a GROUP BY column has no public keys.
    pub selection_delta: f64,
}

/// A numeric aggregate's fixed-point grid: values are clamped, divided by `step` (a power of two,
/// 1 for integer columns with integral bounds) and rounded, so sums are exact integers and the
/// sensitivity is exact.
#[derive(Clone, Debug)]
struct Grid {
    bounds: Bounds,
    step: f64,
    lo_units: i64,
    hi_units: i64,
}

impl Grid {
    fn new(bounds: Bounds, integral: bool) -> Grid {
        let m = bounds.lower.abs().max(bounds.upper.abs());
        let whole = integral
            && bounds.lower.fract() == 0.0
            && bounds.upper.fract() == 0.0
            && m < 2f64.powi(40);
        let step = if whole || m == 0.0 {
            1.0
        } else {
            // About 24 bits below the largest bound.
            2f64.powi(m.log2().floor() as i32 - 24)
        };
        Grid {
            bounds,
            step,
            lo_units: (bounds.lower / step).round() as i64,
            hi_units: (bounds.upper / step).round() as i64,
        }
    }
    fn units(&self, x: f64) -> i64 {
        ((x.clamp(self.bounds.lower, self.bounds.upper) / self.step).round() as i64)
            .clamp(self.lo_units, self.hi_units)
    }
    fn max_abs_units(&self) -> i64 {
        self.lo_units.abs().max(self.hi_units.abs()).max(1)
    }
}

#[derive(Clone, Debug)]
enum Mech {
    Gauss(Gaussian),
    Quantile(Quantile),
}

#[derive(Clone, Debug)]
struct PlannedAgg {
    agg: Aggregate,
    grid: Option<Grid>,
    /// Mechanisms: Count → [] with selection (its counts) or [count]; Sum/Distinct → [one];
    /// Avg → [sum, count]; Quantile → [quantile].
    mechs: Vec<Mech>,
}

/// Everything decided before the data is read.
pub struct Plan {
    pub spec: QuerySpec,
    aggs: Vec<PlannedAgg>,
    selection: Option<Selection>,
    /// Public keys (cartesian product of the per-column lists), when every GROUP BY column has them.
    public: Option<Vec<Vec<String>>>,
    subject: Option<String>,
    c: u32,
    /// Total ρ and δ₀ of the query, from OpenDP's maps (summed upwards).
    pub rho: f64,
    pub delta0: f64,
    columns: Vec<String>,
}

fn is_integral(dt: &DataType) -> bool {
    dt.is_integer()
}

fn is_numeric(dt: &DataType) -> bool {
    dt.is_numeric() || matches!(dt, DataType::Boolean)
}

const SEP: char = '\u{1f}';
const NULL_KEY: &str = "\u{0}null";

impl Options {
    /// The columns a query reads (to open only those), checked against the schema.
    pub fn columns_of(spec: &QuerySpec, opts: &Options, schema: &Schema) -> Result<Vec<String>> {
        let mut cols: Vec<String> = Vec::new();
        let mut add = |c: &str| {
            if !cols.iter().any(|x| x == c) {
                cols.push(c.to_string())
            }
        };
        if let Some(s) = &opts.subject {
            add(s);
        }
        spec.group_by.iter().for_each(|g| add(g));
        spec.select
            .iter()
            .filter_map(|a| a.column())
            .for_each(&mut add);
        if let Some(f) = &spec.filter {
            let mut v = Vec::new();
            f.columns(&mut v);
            v.iter().for_each(|c| add(c));
        }
        for c in &cols {
            if schema.field_with_name(c).is_err() {
                return Err(DataError::usage(format!("column '{c}' is not in the data")));
            }
        }
        Ok(cols)
    }
}

impl Plan {
    /// Resolves bounds and the privacy unit, splits `rho` evenly over the releases and calibrates
    /// every mechanism. Fails (usage) on a missing bound, an unknown column or a bad option.
    pub fn new(spec: QuerySpec, schema: &Schema, opts: &Options, rho: f64) -> Result<Plan> {
        let col_type = |c: &str| -> Result<DataType> {
            schema
                .field_with_name(c)
                .map(|f| f.data_type().clone())
                .map_err(|_| DataError::usage(format!("column '{c}' is not in the data")))
        };
        let c = if opts.subject.is_some() {
            opts.max_rows_per_subject.max(1)
        } else {
            1
        };
        let mut columns: Vec<String> = Vec::new();
        let add = |c: &str, cols: &mut Vec<String>| {
            if !cols.iter().any(|x| x == c) {
                cols.push(c.to_string())
            }
        };
        if let Some(s) = &opts.subject {
            col_type(s)?;
            add(s, &mut columns);
        }
        for g in &spec.group_by {
            col_type(g)?;
            add(g, &mut columns);
        }
        if let Some(f) = &spec.filter {
            let mut fc = Vec::new();
            f.columns(&mut fc);
            for x in &fc {
                col_type(x)?;
                add(x, &mut columns);
            }
            check_literals(f, &col_type)?;
        }
        let all_public = !spec.group_by.is_empty()
            && spec
                .group_by
                .iter()
                .all(|g| opts.public_keys.contains_key(g));
        let public = all_public.then(|| {
            let mut keys: Vec<Vec<String>> = vec![vec![]];
            for g in &spec.group_by {
                let vals = &opts.public_keys[g];
                keys = keys
                    .into_iter()
                    .flat_map(|k| {
                        vals.iter().map(move |v| {
                            let mut k = k.clone();
                            k.push(v.clone());
                            k
                        })
                    })
                    .collect();
            }
            keys
        });
        let selected = !spec.group_by.is_empty() && !all_public;
        let count_distinct_l2 = |col: &str| -> i64 {
            if opts.subject.as_deref() == Some(col) {
                if spec.group_by.is_empty() {
                    1
                } else {
                    (c as f64).sqrt().ceil() as i64
                }
            } else {
                c as i64
            }
        };

        // Number of releases, to split ρ evenly.
        let mut n_rel = usize::from(selected);
        for a in &spec.select {
            n_rel += match a {
                Aggregate::Count => usize::from(!selected),
                Aggregate::Avg { .. } => 2,
                _ => 1,
            };
        }
        let share = rho / n_rel as f64 * (1.0 - 1e-9);

        let mut aggs = Vec::new();
        for a in &spec.select {
            let grid = if a.needs_bounds() {
                let col = a.column().unwrap_or_default();
                let dt = col_type(col)?;
                if !is_numeric(&dt) {
                    return Err(DataError::usage(format!(
                        "{}: column '{col}' is not numeric",
                        a.label()
                    )));
                }
                let b = a.bounds().or_else(|| opts.bounds.get(col).copied()).ok_or_else(|| {
                    DataError::usage(format!(
                        "{}: column '{col}' has no bounds; write CLAMP({col}, lower, upper) in the query or pass --bounds {col}=LOWER:UPPER (bounds are never taken from the data)",
                        a.label()
                    ))
                })?;
                if !(b.lower.is_finite() && b.upper.is_finite() && b.lower <= b.upper) {
                    return Err(DataError::usage(format!(
                        "{}: bounds {}:{} are not a finite interval",
                        a.label(),
                        b.lower,
                        b.upper
                    )));
                }
                Some(Grid::new(b, is_integral(&dt)))
            } else {
                None
            };
            if let Some(col) = a.column() {
                col_type(col)?;
                add(col, &mut columns);
            }
            let mechs = match a {
                Aggregate::Count if selected => vec![],
                Aggregate::Count => vec![Mech::Gauss(Gaussian::calibrate(c as i64, share)?)],
                Aggregate::CountDistinct { column } => {
                    vec![Mech::Gauss(Gaussian::calibrate(
                        count_distinct_l2(column),
                        share,
                    )?)]
                }
                Aggregate::Sum { .. } => {
                    let m = grid.as_ref().map(Grid::max_abs_units).unwrap_or(1);
                    vec![Mech::Gauss(Gaussian::calibrate(
                        m.saturating_mul(c as i64),
                        share,
                    )?)]
                }
                Aggregate::Avg { .. } => {
                    let m = grid.as_ref().map(Grid::max_abs_units).unwrap_or(1);
                    vec![
                        Mech::Gauss(Gaussian::calibrate(m.saturating_mul(c as i64), share)?),
                        Mech::Gauss(Gaussian::calibrate(c as i64, share)?),
                    ]
                }
                Aggregate::Quantile { column, q, .. } => {
                    let b = grid.as_ref().map(|g| g.bounds).unwrap_or(Bounds {
                        lower: 0.0,
                        upper: 0.0,
                    });
                    let cands =
                        quantile_candidates(b.lower, b.upper, is_integral(&col_type(column)?));
                    vec![Mech::Quantile(Quantile::calibrate(cands, *q, c, share)?)]
                }
            };
            aggs.push(PlannedAgg {
                agg: a.clone(),
                grid,
                mechs,
            });
        }
        let selection = if selected {
            Some(Selection::calibrate(c as i64, share, opts.selection_delta)?)
        } else {
            None
        };
        let mut total = selection.as_ref().map(|s| s.rho).unwrap_or(0.0);
        for a in &aggs {
            for m in &a.mechs {
                total = add_up(
                    total,
                    match m {
                        Mech::Gauss(g) => g.rho,
                        Mech::Quantile(q) => q.rho,
                    },
                )?;
            }
        }
        Ok(Plan {
            delta0: selection.as_ref().map(|s| s.delta).unwrap_or(0.0),
            spec,
            aggs,
            selection,
            public,
            subject: opts.subject.clone(),
            c,
            rho: total,
            columns,
        })
    }

    /// The columns the data pass reads.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    pub fn contribution_bound(&self) -> u32 {
        self.c
    }
}

fn check_literals(p: &Predicate, col_type: &dyn Fn(&str) -> Result<DataType>) -> Result<()> {
    let check = |column: &str, l: &Literal| -> Result<()> {
        if matches!(l, Literal::Number(_)) && !is_numeric(&col_type(column)?) {
            return Err(DataError::usage(format!(
                "WHERE: column '{column}' is not numeric; compare it with a quoted string"
            )));
        }
        Ok(())
    };
    match p {
        Predicate::And { args } | Predicate::Or { args } => {
            args.iter().try_for_each(|a| check_literals(a, col_type))
        }
        Predicate::Not { arg } => check_literals(arg, col_type),
        Predicate::Cmp { column, value, .. } => check(column, value),
        Predicate::In { column, values, .. } => values.iter().try_for_each(|v| check(column, v)),
        Predicate::Between {
            column, low, high, ..
        } => {
            check(column, low)?;
            check(column, high)
        }
        Predicate::IsNull { .. } => Ok(()),
    }
}

/// Per-group exact accumulators.
#[derive(Clone, Debug, Default)]
struct GroupAcc {
    rows: i64,
    aggs: Vec<AggAcc>,
}

#[derive(Clone, Debug)]
enum AggAcc {
    Count,
    Distinct(FxHashSet<String>),
    Sum { units: i128, n: i64 },
    Values(Vec<f64>),
}

/// The exact (non-private) aggregates. Never leaves this crate: only [`Exact::release`] output does.
#[derive(Clone)]
pub struct Exact {
    groups: BTreeMap<String, GroupAcc>,
    /// Rows read, kept after the filter, and dropped by contribution bounding.
    pub rows_read: u64,
    pub rows_kept: u64,
    pub rows_dropped_by_bound: u64,
}

struct Cols {
    text: HashMap<String, StringArray>,
    num: HashMap<String, Float64Array>,
}

impl Cols {
    fn text(&self, c: &str, i: usize) -> Option<&str> {
        let a = self.text.get(c)?;
        (!a.is_null(i)).then(|| a.value(i))
    }
    fn num(&self, c: &str, i: usize) -> Option<f64> {
        let a = self.num.get(c)?;
        (!a.is_null(i)).then(|| a.value(i)).filter(|x| !x.is_nan())
    }
}

fn lit_cmp_num(x: f64, l: &Literal) -> Option<std::cmp::Ordering> {
    match l {
        Literal::Number(v) => x.partial_cmp(v),
        Literal::Bool(b) => x.partial_cmp(&(*b as u8 as f64)),
        Literal::Text(s) => s.parse::<f64>().ok().and_then(|v| x.partial_cmp(&v)),
    }
}

fn lit_text(l: &Literal) -> String {
    match l {
        Literal::Number(v) => v.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::Text(s) => s.clone(),
    }
}

fn compare(cols: &Cols, column: &str, i: usize, l: &Literal) -> Option<std::cmp::Ordering> {
    if cols.num.contains_key(column) {
        cols.num(column, i).and_then(|x| lit_cmp_num(x, l))
    } else {
        cols.text(column, i).map(|t| t.cmp(lit_text(l).as_str()))
    }
}

fn eval(p: &Predicate, cols: &Cols, i: usize) -> bool {
    use std::cmp::Ordering::*;
    match p {
        Predicate::And { args } => args.iter().all(|a| eval(a, cols, i)),
        Predicate::Or { args } => args.iter().any(|a| eval(a, cols, i)),
        Predicate::Not { arg } => !eval(arg, cols, i),
        Predicate::Cmp { column, cmp, value } => match compare(cols, column, i, value) {
            None => false,
            Some(o) => match cmp {
                CmpOp::Eq => o == Equal,
                CmpOp::Ne => o != Equal,
                CmpOp::Lt => o == Less,
                CmpOp::Le => o != Greater,
                CmpOp::Gt => o == Greater,
                CmpOp::Ge => o != Less,
            },
        },
        Predicate::In {
            column,
            values,
            negated,
        } => {
            let hit = values
                .iter()
                .any(|v| compare(cols, column, i, v) == Some(Equal));
            let is_null = cols.text(column, i).is_none() && cols.num(column, i).is_none();
            !is_null && hit != *negated
        }
        Predicate::Between {
            column,
            low,
            high,
            negated,
        } => {
            match (
                compare(cols, column, i, low),
                compare(cols, column, i, high),
            ) {
                (Some(a), Some(b)) => (a != Less && b != Greater) != *negated,
                _ => false,
            }
        }
        Predicate::IsNull { column, negated } => {
            let null = if cols.num.contains_key(column) {
                cols.num.get(column).is_some_and(|a| a.is_null(i))
            } else {
                cols.text(column, i).is_none()
            };
            null != *negated
        }
    }
}

impl Plan {
    fn text_columns(&self) -> Vec<String> {
        let mut v: Vec<String> = self.spec.group_by.clone();
        if let Some(s) = &self.subject {
            v.push(s.clone());
        }
        for a in &self.spec.select {
            if let Aggregate::CountDistinct { column } = a {
                v.push(column.clone());
            }
        }
        if let Some(f) = &self.spec.filter {
            f.columns(&mut v);
        }
        v
    }

    /// One pass over the batches: filter, bound contributions, accumulate per group.
    pub fn compute(&self, batches: impl Iterator<Item = Result<RecordBatch>>) -> Result<Exact> {
        let mut groups: BTreeMap<String, GroupAcc> = BTreeMap::new();
        let new_acc = || GroupAcc {
            rows: 0,
            aggs: self
                .aggs
                .iter()
                .map(|a| match a.agg {
                    Aggregate::Count => AggAcc::Count,
                    Aggregate::CountDistinct { .. } => AggAcc::Distinct(FxHashSet::default()),
                    Aggregate::Sum { .. } | Aggregate::Avg { .. } => AggAcc::Sum { units: 0, n: 0 },
                    Aggregate::Quantile { .. } => AggAcc::Values(Vec::new()),
                })
                .collect(),
        };
        let public: Option<FxHashSet<String>> = self
            .public
            .as_ref()
            .map(|keys| keys.iter().map(|k| k.join(&SEP.to_string())).collect());
        if let Some(keys) = &self.public {
            for k in keys {
                groups.insert(k.join(&SEP.to_string()), new_acc());
            }
        }
        if self.spec.group_by.is_empty() {
            groups.insert(String::new(), new_acc());
        }
        let text_cols = self.text_columns();
        let mut per_subject: FxHashMap<String, u32> = FxHashMap::default();
        let (mut read, mut kept, mut dropped) = (0u64, 0u64, 0u64);
        let mut key = String::new();
        for b in batches {
            let b = b?;
            let n = b.num_rows();
            read += n as u64;
            let mut cols = Cols {
                text: HashMap::new(),
                num: HashMap::new(),
            };
            for name in &self.columns {
                let arr = b.column_by_name(name).ok_or_else(|| {
                    DataError::usage(format!("column '{name}' is not in the data"))
                })?;
                if is_numeric(arr.data_type()) {
                    let f = cast(arr, &DataType::Float64)
                        .map_err(|e| DataError::Integrity(format!("column '{name}': {e}")))?;
                    cols.num
                        .insert(name.clone(), f.as_primitive::<Float64Type>().clone());
                }
                if text_cols.contains(name) {
                    let t = cast(arr, &DataType::Utf8)
                        .map_err(|e| DataError::Integrity(format!("column '{name}': {e}")))?;
                    cols.text.insert(name.clone(), t.as_string::<i32>().clone());
                }
            }
            for i in 0..n {
                if let Some(f) = &self.spec.filter
                    && !eval(f, &cols, i)
                {
                    continue;
                }
                key.clear();
                for (j, g) in self.spec.group_by.iter().enumerate() {
                    if j > 0 {
                        key.push(SEP);
                    }
                    key.push_str(cols.text(g, i).unwrap_or(NULL_KEY));
                }
                if let Some(p) = &public
                    && !p.contains(&key)
                {
                    continue; // rows outside the declared keys are not counted
                }
                if let Some(s) = &self.subject {
                    let Some(id) = cols.text(s, i) else {
                        dropped += 1; // rows without a subject cannot be bounded
                        continue;
                    };
                    let seen = per_subject.entry(id.to_string()).or_insert(0);
                    if *seen >= self.c {
                        dropped += 1;
                        continue;
                    }
                    *seen += 1;
                }
                kept += 1;
                let acc = match groups.get_mut(key.as_str()) {
                    Some(a) => a,
                    None => groups.entry(key.clone()).or_insert_with(new_acc),
                };
                acc.rows += 1;
                for (pa, aa) in self.aggs.iter().zip(acc.aggs.iter_mut()) {
                    match aa {
                        AggAcc::Count => {}
                        AggAcc::Distinct(set) => {
                            if let Some(v) = cols.text(pa.agg.column().unwrap_or_default(), i)
                                && !set.contains(v)
                            {
                                set.insert(v.to_string());
                            }
                        }
                        AggAcc::Sum { units, n } => {
                            if let (Some(x), Some(g)) =
                                (cols.num(pa.agg.column().unwrap_or_default(), i), &pa.grid)
                            {
                                *units += g.units(x) as i128;
                                *n += 1;
                            }
                        }
                        AggAcc::Values(v) => {
                            if let (Some(x), Some(g)) =
                                (cols.num(pa.agg.column().unwrap_or_default(), i), &pa.grid)
                            {
                                v.push(x.clamp(g.bounds.lower, g.bounds.upper));
                            }
                        }
                    }
                }
            }
        }
        Ok(Exact {
            groups,
            rows_read: read,
            rows_kept: kept,
            rows_dropped_by_bound: dropped,
        })
    }
}

/// One released value.
#[derive(Clone, Debug, Serialize)]
pub struct Answer {
    pub aggregate: String,
    /// The noisy answer; `null` when it cannot be formed (AVG with no rows left after noise).
    pub value: Option<f64>,
    /// 95 % confidence interval for the exact answer (AVG: conservative, union bound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95: Option<[f64; 2]>,
    /// Quantiles: with 95 % probability the answer's rank is within this many rows of the
    /// target rank (plus the candidate grid's resolution).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank_error95: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<f64>,
    pub mechanism: String,
    /// Noise scale (σ of the discrete Gaussian in the answer's units; the quantile's score scale).
    pub scale: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupAnswer {
    /// GROUP BY values (null for a missing value), empty without GROUP BY.
    pub key: Vec<Option<String>>,
    pub values: Vec<Answer>,
}

fn to_u64_sat(x: i128) -> i64 {
    x.clamp(i64::MIN as i128 / 2, i64::MAX as i128 / 2) as i64
}

impl Exact {
    #[cfg(test)]
    pub(crate) fn exact_rows(&self) -> Vec<(String, i64)> {
        self.groups
            .iter()
            .map(|(k, a)| (k.clone(), a.rows))
            .collect()
    }

    /// Draws all noise (OpenDP) and forms the answers with their accuracy. Call only after the
    /// ledger recorded the spend.
    pub fn release(self, plan: &Plan, alpha: f64) -> Result<Vec<GroupAnswer>> {
        let mut groups = self.groups;
        // Partition selection: which keys are released, with their noisy counts.
        let mut sel_counts: Option<HashMap<String, i64>> = None;
        if let Some(sel) = &plan.selection {
            let counts: HashMap<String, i64> = groups
                .iter()
                .filter(|(_, a)| a.rows > 0)
                .map(|(k, a)| (k.clone(), a.rows))
                .collect();
            let released = sel.release(counts)?;
            groups.retain(|k, _| released.contains_key(k));
            sel_counts = Some(released);
        }
        let keys: Vec<String> = groups.keys().cloned().collect();
        let accs: Vec<GroupAcc> = groups.into_values().collect();
        let mut answers: Vec<GroupAnswer> = keys
            .iter()
            .map(|k| GroupAnswer {
                key: if plan.spec.group_by.is_empty() {
                    vec![]
                } else {
                    k.split(SEP)
                        .map(|p| (p != NULL_KEY).then(|| p.to_string()))
                        .collect()
                },
                values: Vec::new(),
            })
            .collect();
        for (ai, pa) in plan.aggs.iter().enumerate() {
            let label = pa.agg.label();
            match (&pa.agg, pa.mechs.as_slice()) {
                (Aggregate::Count, []) => {
                    let sel = plan.selection.as_ref().expect("selection planned");
                    let acc = sel.accuracy(alpha)?;
                    let counts = sel_counts.as_ref().expect("selection released");
                    for (g, k) in answers.iter_mut().zip(&keys) {
                        let v = counts[k] as f64;
                        g.values.push(Answer {
                            aggregate: label.clone(),
                            value: Some(v),
                            ci95: Some([v - acc, v + acc]),
                            rank_error95: None,
                            resolution: None,
                            mechanism: format!(
                                "discrete gaussian, shown only above threshold {}",
                                sel.threshold
                            ),
                            scale: sel.scale,
                        });
                    }
                }
                (Aggregate::Count | Aggregate::CountDistinct { .. }, [Mech::Gauss(m)]) => {
                    let exact: Vec<i64> = accs
                        .iter()
                        .map(|a| match &a.aggs[ai] {
                            AggAcc::Distinct(s) => s.len() as i64,
                            _ => a.rows,
                        })
                        .collect();
                    let noisy = m.release(&exact)?;
                    let acc = m.accuracy(alpha)?;
                    for (g, v) in answers.iter_mut().zip(noisy) {
                        let v = v as f64;
                        g.values.push(Answer {
                            aggregate: label.clone(),
                            value: Some(v),
                            ci95: Some([v - acc, v + acc]),
                            rank_error95: None,
                            resolution: None,
                            mechanism: "discrete gaussian".into(),
                            scale: m.scale,
                        });
                    }
                }
                (Aggregate::Sum { .. }, [Mech::Gauss(m)]) => {
                    let step = pa.grid.as_ref().map(|g| g.step).unwrap_or(1.0);
                    let exact: Vec<i64> = accs
                        .iter()
                        .map(|a| match &a.aggs[ai] {
                            AggAcc::Sum { units, .. } => to_u64_sat(*units),
                            _ => 0,
                        })
                        .collect();
                    let noisy = m.release(&exact)?;
                    let acc = m.accuracy(alpha)? * step;
                    for (g, v) in answers.iter_mut().zip(noisy) {
                        let v = v as f64 * step;
                        g.values.push(Answer {
                            aggregate: label.clone(),
                            value: Some(v),
                            ci95: Some([v - acc, v + acc]),
                            rank_error95: None,
                            resolution: (step != 1.0).then_some(step),
                            mechanism: "discrete gaussian".into(),
                            scale: m.scale * step,
                        });
                    }
                }
                (Aggregate::Avg { .. }, [Mech::Gauss(ms), Mech::Gauss(mc)]) => {
                    let grid = pa.grid.as_ref().expect("bounds resolved");
                    let (sums, ns): (Vec<i64>, Vec<i64>) = accs
                        .iter()
                        .map(|a| match &a.aggs[ai] {
                            AggAcc::Sum { units, n } => (to_u64_sat(*units), *n),
                            _ => (0, 0),
                        })
                        .unzip();
                    let noisy_s = ms.release(&sums)?;
                    let noisy_n = mc.release(&ns)?;
                    // Each half of the error probability to one of the two releases.
                    let acc_s = ms.accuracy(alpha / 2.0)? * grid.step;
                    let acc_n = mc.accuracy(alpha / 2.0)?;
                    let (lo, hi) = (grid.bounds.lower, grid.bounds.upper);
                    for ((g, s), n) in answers.iter_mut().zip(noisy_s).zip(noisy_n) {
                        let s = s as f64 * grid.step;
                        let n = n as f64;
                        let value = (n >= 1.0).then(|| (s / n).clamp(lo, hi));
                        let ci = if n - acc_n >= 1.0 {
                            let corners = [
                                (s - acc_s) / (n - acc_n),
                                (s - acc_s) / (n + acc_n),
                                (s + acc_s) / (n - acc_n),
                                (s + acc_s) / (n + acc_n),
                            ];
                            let a = corners
                                .iter()
                                .copied()
                                .fold(f64::INFINITY, f64::min)
                                .clamp(lo, hi);
                            let b = corners
                                .iter()
                                .copied()
                                .fold(f64::NEG_INFINITY, f64::max)
                                .clamp(lo, hi);
                            [a, b]
                        } else {
                            [lo, hi]
                        };
                        g.values.push(Answer {
                            aggregate: label.clone(),
                            value,
                            ci95: Some(ci),
                            rank_error95: None,
                            resolution: None,
                            mechanism: "discrete gaussian (sum and count)".into(),
                            scale: ms.scale * grid.step,
                        });
                    }
                }
                (Aggregate::Quantile { .. }, [Mech::Quantile(m)]) => {
                    let rank_error = m.rank_error(alpha);
                    for (g, a) in answers.iter_mut().zip(&accs) {
                        let values = match &a.aggs[ai] {
                            AggAcc::Values(v) => v.clone(),
                            _ => vec![],
                        };
                        let v = m.release(values)?;
                        g.values.push(Answer {
                            aggregate: label.clone(),
                            value: Some(v),
                            ci95: None,
                            rank_error95: Some(rank_error),
                            resolution: Some(m.resolution()),
                            mechanism: "exponential mechanism (OpenDP private quantile)".into(),
                            scale: m.scale,
                        });
                    }
                }
                _ => return Err(DataError::Integrity(format!("{label}: inconsistent plan"))),
            }
        }
        Ok(answers)
    }
}
