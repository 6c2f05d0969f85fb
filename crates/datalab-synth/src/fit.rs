//! Fitting: columns to states (categories, quantile bins), then a Bayesian network over the
//! states. Non-DP: greedy network of bounded in-degree chosen by penalised mutual information.
//! DP: see [`crate::fit_dp`].

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

use datalab_data::provider::{ColumnEncoder, NULL_CODE};
use datalab_data::{DataError, Result};

use crate::constraints::Constraint;
use crate::model::{Bin, ColumnKind, ColumnModel, Logical, MODEL_FORMAT, Model, Node};

/// Options shared by both modes.
#[derive(Clone, Debug)]
pub struct FitOptions {
    /// Columns regenerated as fresh ids (declared identifiers, the subject column).
    pub identifiers: Vec<String>,
    /// The privacy unit's id column (DP: contributions bounded per subject).
    pub subject: Option<String>,
    /// Quantile bins per numeric column (upper bound).
    pub bins: usize,
    /// Numeric columns with at most this many distinct values are modelled value by value
    /// (non-DP only).
    pub max_exact_values: usize,
    /// Largest number of parents per node (non-DP).
    pub max_parents: usize,
    pub seed: u64,
    pub constraints: Vec<Constraint>,
    /// Columns whose observed combinations become a fixed-combination constraint (non-DP).
    pub fixed_from_data: Vec<Vec<String>>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            identifiers: Vec::new(),
            subject: None,
            bins: 32,
            max_exact_values: 40,
            max_parents: 2,
            seed: 0,
            constraints: Vec::new(),
            fixed_from_data: Vec::new(),
        }
    }
}

/// A column's raw values, ready to be turned into states.
pub enum Raw {
    /// Dictionary codes (NULL_CODE for null) and the values' text form.
    Text(Vec<u32>, Vec<String>),
    /// Numbers (NaN for null): integers, floats, days, timestamp units.
    Num(Vec<f64>),
    /// All null or an identifier: nothing to learn.
    Skip,
}

fn arrow_err(name: &str) -> impl Fn(arrow_schema::ArrowError) -> DataError + '_ {
    move |e| DataError::Arrow {
        context: format!("column '{name}'"),
        source: e,
    }
}

/// Numbers of a numeric, date or timestamp column (NaN for null).
fn numbers(arr: &ArrayRef, name: &str, out: &mut Vec<f64>) -> Result<()> {
    let e = arrow_err(name);
    match arr.data_type() {
        DataType::Date32 => {
            let a = arrow_cast::cast(arr, &DataType::Int32).map_err(&e)?;
            out.extend(
                a.as_primitive::<Int32Type>()
                    .iter()
                    .map(|v| v.map_or(f64::NAN, |d| d as f64)),
            );
        }
        DataType::Date64 => {
            let a = arrow_cast::cast(arr, &DataType::Int64).map_err(&e)?;
            out.extend(
                a.as_primitive::<Int64Type>()
                    .iter()
                    .map(|v| v.map_or(f64::NAN, |ms| ms.div_euclid(86_400_000) as f64)),
            );
        }
        DataType::Timestamp(..) | DataType::Int64 | DataType::UInt64 => {
            let a = arrow_cast::cast(arr, &DataType::Int64).map_err(&e)?;
            out.extend(
                a.as_primitive::<Int64Type>()
                    .iter()
                    .map(|v| v.map_or(f64::NAN, |x| x as f64)),
            );
        }
        _ => {
            let a = arrow_cast::cast(arr, &DataType::Float64).map_err(&e)?;
            out.extend(
                a.as_primitive::<Float64Type>()
                    .iter()
                    .map(|v| v.unwrap_or(f64::NAN)),
            );
        }
    }
    Ok(())
}

/// Reads every column of the table into [`Raw`] form, with its model skeleton.
pub fn raw_columns(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    opts: &FitOptions,
    auto_identifiers: bool,
) -> Result<Vec<(ColumnModel, Raw)>> {
    for name in opts.identifiers.iter().chain(opts.subject.iter()) {
        if schema.index_of(name).is_err() {
            return Err(DataError::unknown_column("the data", name, schema));
        }
    }
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let mut out = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        let logical = Logical::of(f.data_type());
        let declared = opts.identifiers.iter().any(|n| n == f.name())
            || opts.subject.as_deref() == Some(f.name());
        let mut col = ColumnModel {
            name: f.name().clone(),
            data_type: f.data_type().clone(),
            logical,
            kind: ColumnKind::Identifier,
            null_state: false,
            note: String::new(),
        };
        if declared {
            col.note = "identifier: regenerated as fresh pseudonymous ids".into();
            out.push((col, Raw::Skip));
            continue;
        }
        if logical == Logical::Null {
            col.kind = ColumnKind::Categorical {
                values: Vec::new(),
                other: None,
            };
            col.null_state = true;
            col.note = "all null (type null)".into();
            out.push((col, Raw::Skip));
            continue;
        }
        if logical.is_numeric() {
            let mut v = Vec::with_capacity(rows);
            for b in batches {
                numbers(b.column(i), f.name(), &mut v)?;
            }
            out.push((col, Raw::Num(v)));
        } else {
            let mut enc = ColumnEncoder::default();
            let mut codes = Vec::with_capacity(rows);
            for b in batches {
                enc.encode(b.column(i).as_ref(), &mut codes)?;
            }
            let values = enc.dictionary.values().to_vec();
            let non_null = codes.iter().filter(|&&c| c != NULL_CODE).count();
            if auto_identifiers
                && logical == Logical::Text
                && non_null >= 20
                && values.len() == non_null
            {
                col.note = "every value is unique: treated as an identifier and regenerated".into();
                out.push((col, Raw::Skip));
                continue;
            }
            out.push((col, Raw::Text(codes, values)));
        }
    }
    Ok(out)
}

/// Decimal places that represent every sampled value (at most 6), if any.
fn decimals_of(values: &[f64]) -> Option<u32> {
    let mut best = 0u32;
    for &x in values.iter().filter(|x| !x.is_nan()).take(5000) {
        let mut d = 0;
        loop {
            let f = 10f64.powi(d as i32);
            let y = x * f;
            if (y - y.round()).abs() <= 1e-6 * y.abs().max(1.0) {
                break;
            }
            d += 1;
            if d > 6 {
                return None;
            }
        }
        best = best.max(d);
    }
    Some(best)
}

/// Text form of a number for a categorical column of that type.
pub fn number_text(logical: Logical, x: f64) -> String {
    match logical {
        Logical::Date => chrono::DateTime::from_timestamp(x as i64 * 86_400, 0)
            .map(|d| d.date_naive().to_string())
            .unwrap_or_default(),
        Logical::Integer | Logical::Timestamp => format!("{}", x as i64),
        _ => format!("{x}"),
    }
}

/// Equal-width sub-interval counts of sorted `vals` within `[lo, hi]`, smoothed.
fn sub_distribution(vals: &[f64], lo: f64, hi: f64, integer: bool, parts: usize) -> Vec<f64> {
    let parts = if integer {
        parts.min((hi - lo + 1.0) as usize).max(1)
    } else if hi > lo {
        parts
    } else {
        1
    };
    let mut counts = vec![0.5; parts];
    let width = if integer {
        (hi - lo + 1.0) / parts as f64
    } else {
        (hi - lo) / parts as f64
    };
    for &x in vals {
        let k = if width > 0.0 {
            ((x - lo) / width) as usize
        } else {
            0
        };
        counts[k.min(parts - 1)] += 1.0;
    }
    let t: f64 = counts.iter().sum();
    counts.iter().map(|c| c / t).collect()
}

/// Non-DP states of a numeric column: value by value when there are few distinct values,
/// otherwise quantile bins (a value holding a whole bin's share gets its own bin).
fn numeric_states(col: &mut ColumnModel, v: &[f64], opts: &FitOptions) -> Vec<u32> {
    let mut sorted: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let has_null = sorted.len() < v.len();
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &x in &sorted {
        match distinct.last_mut() {
            Some((y, c)) if *y == x => *c += 1,
            _ => distinct.push((x, 1)),
        }
    }
    col.null_state = has_null;
    let integer = matches!(
        col.logical,
        Logical::Integer | Logical::Date | Logical::Timestamp
    );
    if distinct.len() <= opts.max_exact_values && col.logical != Logical::Timestamp {
        let values: Vec<String> = distinct
            .iter()
            .map(|(x, _)| number_text(col.logical, *x))
            .collect();
        let null = values.len() as u32;
        col.kind = ColumnKind::Categorical {
            values,
            other: None,
        };
        col.note = format!(
            "{} distinct values, modelled value by value",
            distinct.len()
        );
        return v
            .iter()
            .map(|x| {
                if x.is_nan() {
                    null
                } else {
                    distinct.partition_point(|(y, _)| y < x) as u32
                }
            })
            .collect();
    }
    let n = sorted.len();
    let target = (n as f64 / opts.bins.max(1) as f64).max(1.0);
    let mut bins: Vec<(usize, usize)> = Vec::new(); // index ranges into sorted
    let mut start = 0usize;
    let mut pos = 0usize;
    for &(_, c) in &distinct {
        if c as f64 >= target && pos > start {
            bins.push((start, pos));
            start = pos;
        }
        pos += c;
        if (pos - start) as f64 >= target {
            bins.push((start, pos));
            start = pos;
        }
    }
    if pos > start {
        bins.push((start, pos));
    }
    let decimals = if integer { None } else { decimals_of(&sorted) };
    let model_bins: Vec<Bin> = bins
        .iter()
        .map(|&(a, b)| {
            let (lo, hi) = (sorted[a], sorted[b - 1]);
            Bin {
                lo,
                hi,
                sub: sub_distribution(&sorted[a..b], lo, hi, integer, 8),
            }
        })
        .collect();
    let null = model_bins.len() as u32;
    let los: Vec<f64> = model_bins.iter().map(|b| b.lo).collect();
    col.note = format!(
        "{} quantile bins over {} distinct values",
        model_bins.len(),
        distinct.len()
    );
    col.kind = ColumnKind::Binned {
        bins: model_bins,
        integer,
        decimals,
    };
    v.iter()
        .map(|x| {
            if x.is_nan() {
                null
            } else {
                (los.partition_point(|lo| lo <= x).max(1) - 1) as u32
            }
        })
        .collect()
}

/// Mutual information (nats) between `x` and the joint of `parents`, over the rows `rows`.
fn mutual_information(
    codes: &[Vec<u32>],
    sizes: &[usize],
    x: usize,
    parents: &[usize],
    rows: &[usize],
) -> Option<f64> {
    let sx = sizes[x];
    let sp: usize = parents.iter().map(|&p| sizes[p]).product();
    if sx.checked_mul(sp)? > 1 << 22 {
        return None;
    }
    let mut joint = vec![0u32; sx * sp];
    for &r in rows {
        let mut cfg = 0usize;
        for &p in parents {
            cfg = cfg * sizes[p] + codes[p][r] as usize;
        }
        joint[cfg * sx + codes[x][r] as usize] += 1;
    }
    let n = rows.len() as f64;
    let mut px = vec![0f64; sx];
    let mut pp = vec![0f64; sp];
    for cfg in 0..sp {
        for s in 0..sx {
            let c = joint[cfg * sx + s] as f64;
            px[s] += c;
            pp[cfg] += c;
        }
    }
    let mut mi = 0.0;
    for cfg in 0..sp {
        for s in 0..sx {
            let c = joint[cfg * sx + s] as f64;
            if c > 0.0 {
                mi += c / n * (c * n / (px[s] * pp[cfg])).ln();
            }
        }
    }
    Some(mi.max(0.0))
}

/// Conditional probability table of `x` given `parents` from counts over all rows, smoothed
/// towards the marginal of `x` with weight `lambda` (unseen parent states get the marginal).
pub fn cpt_from_counts(
    codes: &[Vec<u32>],
    sizes: &[usize],
    x: usize,
    parents: &[usize],
    lambda: f64,
) -> Vec<f64> {
    let sx = sizes[x];
    let sp: usize = parents.iter().map(|&p| sizes[p]).product();
    let n = codes[x].len();
    let mut counts = vec![0f64; sx * sp];
    for r in 0..n {
        let mut cfg = 0usize;
        for &p in parents {
            cfg = cfg * sizes[p] + codes[p][r] as usize;
        }
        counts[cfg * sx + codes[x][r] as usize] += 1.0;
    }
    let mut marg = vec![0f64; sx];
    for row in counts.chunks(sx) {
        for (m, c) in marg.iter_mut().zip(row) {
            *m += c;
        }
    }
    let total: f64 = marg.iter().sum();
    for m in &mut marg {
        *m = if total > 0.0 {
            *m / total
        } else {
            1.0 / sx as f64
        };
    }
    let mut out = Vec::with_capacity(counts.len());
    for row in counts.chunks(sx) {
        let t: f64 = row.iter().sum();
        for (c, m) in row.iter().zip(&marg) {
            out.push((c + lambda * m) / (t + lambda).max(f64::MIN_POSITIVE));
        }
    }
    out
}

/// Greedy Bayesian network: start from the column sharing most information with the others,
/// then repeatedly add the (column, parent set ⊆ chosen, |set| ≤ k) with the highest mutual
/// information less a BIC penalty for the table's size. Scores on a sample of ≤ 30,000 rows.
fn learn_structure(
    codes: &[Vec<u32>],
    sizes: &[usize],
    k: usize,
    seed: u64,
) -> Vec<(usize, Vec<usize>)> {
    let d = codes.len();
    if d == 0 {
        return Vec::new();
    }
    let n = codes[0].len();
    let m = n.min(30_000);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5354_5255);
    let mut rows: Vec<usize> = if m < n {
        sample(&mut rng, n, m).into_vec()
    } else {
        (0..n).collect()
    };
    rows.sort_unstable();
    let mf = m.max(2) as f64;
    let penalty = |x: usize, ps: &[usize]| {
        let sp: usize = ps.iter().map(|&p| sizes[p]).product();
        ((sizes[x] - 1) * (sp - 1)) as f64 * mf.ln() / (2.0 * mf)
    };
    let mut pair = vec![vec![0f64; d]; d];
    for i in 0..d {
        for j in i + 1..d {
            let mi = mutual_information(codes, sizes, i, &[j], &rows).unwrap_or(0.0);
            pair[i][j] = mi;
            pair[j][i] = mi;
        }
    }
    let first = (0..d)
        .max_by(|&a, &b| {
            pair[a]
                .iter()
                .sum::<f64>()
                .total_cmp(&pair[b].iter().sum::<f64>())
        })
        .unwrap_or(0);
    let mut order = vec![(first, Vec::new())];
    let mut chosen = vec![first];
    let mut remaining: Vec<usize> = (0..d).filter(|&i| i != first).collect();
    let mut cache: HashMap<(usize, Vec<usize>), f64> = HashMap::new();
    while !remaining.is_empty() {
        let mut best: Option<(f64, usize, Vec<usize>)> = None;
        for &x in &remaining {
            let mut cands = chosen.clone();
            cands.sort_by(|&a, &b| pair[x][b].total_cmp(&pair[x][a]));
            cands.truncate(6);
            let mut sets: Vec<Vec<usize>> = vec![Vec::new()];
            for (ai, &a) in cands.iter().enumerate() {
                sets.push(vec![a]);
                if k >= 2 {
                    for &b in &cands[ai + 1..] {
                        sets.push(vec![a, b]);
                    }
                }
            }
            for ps in sets {
                let mut key = ps.clone();
                key.sort_unstable();
                let score = *cache.entry((x, key)).or_insert_with(|| {
                    if ps.is_empty() {
                        0.0
                    } else if ps.len() == 1 {
                        pair[x][ps[0]] - penalty(x, &ps)
                    } else {
                        mutual_information(codes, sizes, x, &ps, &rows)
                            .map_or(f64::NEG_INFINITY, |mi| mi - penalty(x, &ps))
                    }
                });
                if best.as_ref().is_none_or(|b| score > b.0) {
                    best = Some((score, x, ps));
                }
            }
        }
        let Some((_, x, ps)) = best else { break };
        remaining.retain(|&r| r != x);
        chosen.push(x);
        order.push((x, ps));
    }
    order
}

/// States of every modelled column (non-DP), with the model skeleton filled in.
pub fn states_non_dp(cols: &mut [(ColumnModel, Raw)], opts: &FitOptions) -> Vec<Option<Vec<u32>>> {
    cols.iter_mut()
        .map(|(col, raw)| match raw {
            Raw::Skip => None,
            Raw::Num(v) => Some(numeric_states(col, v, opts)),
            Raw::Text(codes, values) => {
                let has_null = codes.contains(&NULL_CODE);
                col.null_state = has_null;
                let null = values.len() as u32;
                col.kind = ColumnKind::Categorical {
                    values: std::mem::take(values),
                    other: None,
                };
                Some(
                    codes
                        .iter()
                        .map(|&c| if c == NULL_CODE { null } else { c })
                        .collect(),
                )
            }
        })
        .collect()
}

/// The non-DP synthesizer.
pub fn fit_non_dp(schema: &SchemaRef, batches: &[RecordBatch], opts: &FitOptions) -> Result<Model> {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let mut cols = raw_columns(schema, batches, opts, true)?;
    let states = states_non_dp(&mut cols, opts);
    let columns: Vec<ColumnModel> = cols.into_iter().map(|(c, _)| c).collect();
    let modelled: Vec<usize> = (0..columns.len())
        .filter(|&i| states[i].is_some())
        .collect();
    let codes: Vec<Vec<u32>> = modelled
        .iter()
        .map(|&i| states[i].clone().unwrap_or_default())
        .collect();
    let sizes: Vec<usize> = modelled
        .iter()
        .map(|&i| columns[i].states().max(1))
        .collect();
    let mut nodes = Vec::new();
    let mut structure = String::from("no modelled columns");
    if rows > 0 && !modelled.is_empty() {
        let order = learn_structure(&codes, &sizes, opts.max_parents, opts.seed);
        let edges: usize = order.iter().map(|(_, p)| p.len()).sum();
        structure = format!(
            "Bayesian network, at most {} parents per column, chosen greedily by mutual information with a BIC penalty ({} edges)",
            opts.max_parents, edges
        );
        for (x, ps) in order {
            nodes.push(Node {
                column: modelled[x],
                parents: ps.iter().map(|&p| modelled[p]).collect(),
                cpt: cpt_from_counts(&codes, &sizes, x, &ps, 0.5),
            });
        }
    } else {
        // No rows: every modelled column gets a uniform table.
        for &i in &modelled {
            let s = columns[i].states().max(1);
            nodes.push(Node {
                column: i,
                parents: Vec::new(),
                cpt: vec![1.0 / s as f64; s],
            });
        }
    }
    // A column whose only state is "no value" (empty categorical without null) would have no
    // states; give it a null state.
    let mut columns = columns;
    for n in &nodes {
        if columns[n.column].states() == 0 {
            columns[n.column].null_state = true;
        }
    }
    let mut constraints = opts.constraints.clone();
    for names in &opts.fixed_from_data {
        constraints.push(fixed_from_data(names, &columns, &states)?);
    }
    Ok(Model {
        format: MODEL_FORMAT.into(),
        mode: "non-dp".into(),
        rows: rows as u64,
        columns,
        nodes,
        structure,
        constraints,
        privacy: None,
    })
}

/// The combinations of `names` seen in the data (non-DP only).
fn fixed_from_data(
    names: &[String],
    columns: &[ColumnModel],
    states: &[Option<Vec<u32>>],
) -> Result<Constraint> {
    let mut idx = Vec::new();
    for n in names {
        let i = columns
            .iter()
            .position(|c| &c.name == n)
            .ok_or_else(|| DataError::usage(format!("--fixed: no column '{n}'")))?;
        if !matches!(columns[i].kind, ColumnKind::Categorical { .. }) || states[i].is_none() {
            return Err(DataError::usage(format!(
                "--fixed: column '{n}' is not categorical (fixed combinations need categories)"
            )));
        }
        idx.push(i);
    }
    let mut seen = std::collections::BTreeSet::new();
    let n = states[idx[0]].as_ref().map_or(0, |s| s.len());
    for r in 0..n {
        let key: Vec<u32> = idx
            .iter()
            .map(|&i| states[i].as_ref().map_or(0, |s| s[r]))
            .collect();
        seen.insert(key);
    }
    let combinations = seen
        .into_iter()
        .filter_map(|key| {
            key.iter()
                .zip(&idx)
                .map(|(&k, &i)| match &columns[i].kind {
                    ColumnKind::Categorical { values, .. } => values.get(k as usize).cloned(),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()
        })
        .collect();
    Ok(Constraint::Fixed {
        columns: names.to_vec(),
        combinations,
    })
}

/// Keeps the arrays alive for tests that build tables by hand.
pub fn batch(schema: SchemaRef, arrays: Vec<ArrayRef>) -> Result<RecordBatch> {
    RecordBatch::try_new(schema, arrays).map_err(|e| DataError::Arrow {
        context: "building a table".into(),
        source: e,
    })
}
