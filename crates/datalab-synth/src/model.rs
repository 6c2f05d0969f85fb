//! The saved model: per-column domains (categories or quantile bins with a within-bin
//! distribution), a Bayesian network over the columns' states with its conditional probability
//! tables, declared constraints and, in DP mode, the privacy ledger. Parameters only: no record.

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use datalab_data::{DataError, Result};

use crate::constraints::{Constraint, ConstraintStats};
use crate::dp::Ledger;

pub const MODEL_FORMAT: &str = "datalab-synth-model/1";

/// How a column's values are represented for the network.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Logical {
    Text,
    Integer,
    Float,
    Date,
    Timestamp,
    Boolean,
    Null,
}

impl Logical {
    pub fn of(t: &DataType) -> Logical {
        match t {
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64 => Logical::Integer,
            DataType::Float16 | DataType::Float32 | DataType::Float64 => Logical::Float,
            DataType::Decimal128(..) | DataType::Decimal256(..) => Logical::Float,
            DataType::Date32 | DataType::Date64 => Logical::Date,
            DataType::Timestamp(..) => Logical::Timestamp,
            DataType::Boolean => Logical::Boolean,
            DataType::Null => Logical::Null,
            _ => Logical::Text,
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Logical::Integer | Logical::Float | Logical::Date | Logical::Timestamp
        )
    }
}

/// A quantile bin: values in `[lo, hi]`, drawn from `sub` (probabilities of equal-width
/// sub-intervals) and uniformly within a sub-interval.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub sub: Vec<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnKind {
    /// One state per value (text form, cast back to the column's type).
    Categorical {
        values: Vec<String>,
        /// DP mode: an extra state for values below the release threshold; such rows are
        /// generated as one of `values`, drawn with these probabilities.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        other: Option<Vec<f64>>,
    },
    /// One state per bin (numbers, dates and timestamps as numbers: days, or the timestamp's
    /// unit since the epoch).
    Binned {
        bins: Vec<Bin>,
        integer: bool,
        /// Generated floats are rounded to this many decimals (the data's precision).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decimals: Option<u32>,
    },
    /// Regenerated as fresh pseudonymous ids; not part of the network.
    Identifier,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColumnModel {
    pub name: String,
    pub data_type: DataType,
    pub logical: Logical,
    #[serde(flatten)]
    pub kind: ColumnKind,
    /// Whether the last state means null.
    pub null_state: bool,
    /// Why the column was modelled this way (for the report).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl ColumnModel {
    /// Number of non-null states.
    pub fn base_states(&self) -> usize {
        match &self.kind {
            ColumnKind::Categorical { values, other } => values.len() + other.is_some() as usize,
            ColumnKind::Binned { bins, .. } => bins.len(),
            ColumnKind::Identifier => 0,
        }
    }

    pub fn states(&self) -> usize {
        self.base_states() + self.null_state as usize
    }
}

/// One node of the network: a column, its parents (earlier nodes' columns) and
/// P(state | parents' states) as rows of probabilities, parents' states in mixed radix
/// (first parent most significant).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Node {
    pub column: usize,
    pub parents: Vec<usize>,
    pub cpt: Vec<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PrivacyInfo {
    pub epsilon: f64,
    pub delta: f64,
    /// ρ of zero-concentrated DP actually spent (sum of the ledger, rounded up).
    pub rho: f64,
    /// ε at `delta` of what was actually spent (≤ `epsilon`).
    pub epsilon_spent: f64,
    pub unit: String,
    pub max_rows_per_subject: u32,
    pub ledger: Ledger,
    pub statement: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Model {
    pub format: String,
    /// "non-dp" or "dp".
    pub mode: String,
    /// Rows the model was fitted on (noisy in DP mode).
    pub rows: u64,
    pub columns: Vec<ColumnModel>,
    /// Nodes in sampling order (parents first).
    pub nodes: Vec<Node>,
    pub structure: String,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<PrivacyInfo>,
}

/// A generated cell before it becomes an Arrow value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell {
    Null,
    /// Index into the column's categorical values.
    Cat(u32),
    Num(f64),
    Id,
}

struct Sampler<'a> {
    model: &'a Model,
    /// Per node: cumulative distribution rows.
    cum: Vec<Vec<f64>>,
    /// Per node: radix of each parent.
    radix: Vec<Vec<usize>>,
    /// Per column: cumulative within-bin sub-distributions / other-value distribution.
    other_cum: Vec<Option<Vec<f64>>>,
    bin_cum: Vec<Vec<Vec<f64>>>,
}

fn cumulative(p: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    let mut out: Vec<f64> = p
        .iter()
        .map(|&x| {
            acc += x.max(0.0);
            acc
        })
        .collect();
    let total = acc;
    if total > 0.0 {
        for v in &mut out {
            *v /= total;
        }
    } else if !out.is_empty() {
        let n = out.len() as f64;
        for (i, v) in out.iter_mut().enumerate() {
            *v = (i + 1) as f64 / n;
        }
    }
    out
}

fn draw(cum: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let u: f64 = rng.random();
    cum.partition_point(|&c| c <= u)
        .min(cum.len().saturating_sub(1))
}

impl<'a> Sampler<'a> {
    fn new(model: &'a Model) -> Result<Sampler<'a>> {
        let mut cum = Vec::new();
        let mut radix = Vec::new();
        for node in &model.nodes {
            let states = model.columns[node.column].states();
            let r: Vec<usize> = node
                .parents
                .iter()
                .map(|&p| model.columns[p].states())
                .collect();
            let configs: usize = r.iter().product();
            if node.cpt.len() != configs * states || states == 0 {
                return Err(DataError::usage(format!(
                    "model: the table of column '{}' has {} entries, expected {}",
                    model.columns[node.column].name,
                    node.cpt.len(),
                    configs * states
                )));
            }
            let mut rows = Vec::with_capacity(node.cpt.len());
            for row in node.cpt.chunks(states) {
                rows.extend(cumulative(row));
            }
            cum.push(rows);
            radix.push(r);
        }
        let other_cum = model
            .columns
            .iter()
            .map(|c| match &c.kind {
                ColumnKind::Categorical { other: Some(w), .. } => Some(cumulative(w)),
                _ => None,
            })
            .collect();
        let bin_cum = model
            .columns
            .iter()
            .map(|c| match &c.kind {
                ColumnKind::Binned { bins, .. } => {
                    bins.iter().map(|b| cumulative(&b.sub)).collect()
                }
                _ => Vec::new(),
            })
            .collect();
        Ok(Sampler {
            model,
            cum,
            radix,
            other_cum,
            bin_cum,
        })
    }

    /// Draws every node's state for one row into `states` (indexed by column).
    fn states(&self, rng: &mut ChaCha8Rng, states: &mut [u32]) {
        for (k, node) in self.model.nodes.iter().enumerate() {
            let mut cfg = 0usize;
            for (&p, &r) in node.parents.iter().zip(&self.radix[k]) {
                cfg = cfg * r + states[p] as usize;
            }
            let s = self.model.columns[node.column].states();
            let row = &self.cum[k][cfg * s..(cfg + 1) * s];
            states[node.column] = draw(row, rng) as u32;
        }
    }

    /// The cell of column `c` in state `s`.
    pub fn cell(&self, c: usize, s: u32, rng: &mut ChaCha8Rng) -> Cell {
        let col = &self.model.columns[c];
        if col.null_state && s as usize == col.base_states() {
            return Cell::Null;
        }
        match &col.kind {
            ColumnKind::Identifier => Cell::Id,
            ColumnKind::Categorical { values, .. } => {
                if (s as usize) < values.len() {
                    Cell::Cat(s)
                } else {
                    let w = self.other_cum[c].as_deref().unwrap_or(&[]);
                    if w.is_empty() {
                        Cell::Null
                    } else {
                        Cell::Cat(draw(w, rng) as u32)
                    }
                }
            }
            ColumnKind::Binned {
                bins,
                integer,
                decimals,
            } => {
                let b = &bins[s as usize];
                let sub = &self.bin_cum[c][s as usize];
                let k = if sub.is_empty() { 0 } else { draw(sub, rng) };
                let parts = sub.len().max(1) as f64;
                let u: f64 = rng.random();
                if *integer {
                    let width = (b.hi - b.lo + 1.0) / parts;
                    let x = b.lo + (k as f64 + u) * width;
                    Cell::Num(x.floor().clamp(b.lo, b.hi))
                } else {
                    let width = (b.hi - b.lo) / parts;
                    let mut x = b.lo + (k as f64 + u) * width;
                    if let Some(d) = decimals {
                        let f = 10f64.powi(*d as i32);
                        x = (x * f).round() / f;
                    }
                    Cell::Num(x.clamp(b.lo, b.hi))
                }
            }
        }
    }
}

/// Builds Arrow columns from generated cells.
enum Builder {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Null(usize),
}

fn id_value(row: u64) -> String {
    format!("syn-{row:08}")
}

impl Model {
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self)
            .map_err(|e| DataError::Integrity(format!("serialising the model: {e}")))
    }

    pub fn from_json(path: &std::path::Path) -> Result<Model> {
        let bytes = std::fs::read(path).map_err(|e| DataError::Io {
            context: format!("reading {}", path.display()),
            source: e,
        })?;
        let m: Model = serde_json::from_slice(&bytes).map_err(|e| {
            DataError::usage(format!(
                "{}: not a datalab synthesizer model ({e})",
                path.display()
            ))
        })?;
        if m.format != MODEL_FORMAT {
            return Err(DataError::usage(format!(
                "{}: model format '{}', expected '{MODEL_FORMAT}'",
                path.display(),
                m.format
            )));
        }
        Ok(m)
    }

    /// The output schema: the input's names and types.
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(&c.name, c.data_type.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }

    /// Generates `rows` rows in batches of `batch_rows`, deterministic for a seed. Declared
    /// constraints are enforced by rejection (up to 100 draws per row), then repair.
    pub fn sample(
        &self,
        rows: u64,
        seed: u64,
        batch_rows: usize,
    ) -> Result<(SchemaRef, Vec<RecordBatch>, ConstraintStats)> {
        let sampler = Sampler::new(self)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let schema = self.schema();
        let ncol = self.columns.len();
        let mut states = vec![0u32; ncol];
        let mut cells = vec![Cell::Null; ncol];
        let mut stats = ConstraintStats::default();
        let checks = crate::constraints::Compiled::new(&self.constraints, &self.columns)?;
        let mut batches = Vec::new();
        let mut done = 0u64;
        while done < rows {
            let n = (rows - done).min(batch_rows.max(1) as u64) as usize;
            let mut builders: Vec<Builder> = self
                .columns
                .iter()
                .map(|c| match (&c.kind, c.logical) {
                    (_, Logical::Null) => Builder::Null(0),
                    (ColumnKind::Identifier, Logical::Integer) => {
                        Builder::Int(Int64Builder::with_capacity(n))
                    }
                    (ColumnKind::Identifier, _) => Builder::Text(StringBuilder::new()),
                    (ColumnKind::Categorical { .. }, Logical::Boolean) => {
                        Builder::Bool(BooleanBuilder::with_capacity(n))
                    }
                    (ColumnKind::Categorical { .. }, _) => Builder::Text(StringBuilder::new()),
                    (ColumnKind::Binned { integer: true, .. }, _) => {
                        Builder::Int(Int64Builder::with_capacity(n))
                    }
                    (ColumnKind::Binned { .. }, _) => {
                        Builder::Float(Float64Builder::with_capacity(n))
                    }
                })
                .collect();
            for i in 0..n {
                let row = done + i as u64;
                let mut ok = false;
                for attempt in 0..100 {
                    sampler.states(&mut rng, &mut states);
                    for c in 0..ncol {
                        cells[c] = sampler.cell(c, states[c], &mut rng);
                    }
                    if checks.is_empty() || checks.satisfied(&cells) {
                        ok = true;
                        if attempt > 0 {
                            stats.resampled_rows += 1;
                        }
                        break;
                    }
                }
                if !ok {
                    checks.repair(&mut cells, &mut rng);
                    stats.repaired_rows += 1;
                }
                for (c, b) in builders.iter_mut().enumerate() {
                    let col = &self.columns[c];
                    match (b, cells[c]) {
                        (Builder::Null(k), _) => *k += 1,
                        (Builder::Text(t), Cell::Id) => t.append_value(id_value(row + 1)),
                        (Builder::Int(t), Cell::Id) => t.append_value(row as i64 + 1),
                        (Builder::Text(t), Cell::Cat(k)) => match &col.kind {
                            ColumnKind::Categorical { values, .. } => {
                                t.append_value(&values[k as usize])
                            }
                            _ => t.append_null(),
                        },
                        (Builder::Bool(t), Cell::Cat(k)) => match &col.kind {
                            ColumnKind::Categorical { values, .. } => {
                                t.append_value(values[k as usize] == "true")
                            }
                            _ => t.append_null(),
                        },
                        (Builder::Int(t), Cell::Num(x)) => t.append_value(x as i64),
                        (Builder::Float(t), Cell::Num(x)) => t.append_value(x),
                        (Builder::Text(t), _) => t.append_null(),
                        (Builder::Int(t), _) => t.append_null(),
                        (Builder::Float(t), _) => t.append_null(),
                        (Builder::Bool(t), _) => t.append_null(),
                    }
                }
            }
            let arrays = builders
                .into_iter()
                .zip(&self.columns)
                .map(|(b, c)| finish(b, &c.data_type, &c.name))
                .collect::<Result<Vec<ArrayRef>>>()?;
            batches.push(RecordBatch::try_new(schema.clone(), arrays).map_err(|e| {
                DataError::Arrow {
                    context: "building a synthetic batch".into(),
                    source: e,
                }
            })?);
            done += n as u64;
        }
        Ok((schema, batches, stats))
    }
}

/// Casts a generated column (text, i64 numbers, f64, bool) to the input's type.
fn finish(b: Builder, target: &DataType, name: &str) -> Result<ArrayRef> {
    let arr: ArrayRef = match b {
        Builder::Text(mut t) => Arc::new(t.finish()),
        Builder::Int(mut t) => Arc::new(t.finish()),
        Builder::Float(mut t) => Arc::new(t.finish()),
        Builder::Bool(mut t) => Arc::new(t.finish()),
        Builder::Null(n) => return Ok(arrow_array::new_null_array(target, n)),
    };
    if arr.data_type() == target {
        return Ok(arr);
    }
    let err = |e| DataError::Arrow {
        context: format!("column '{name}': converting generated values to {target}"),
        source: e,
    };
    // Days to Date32 go through Int32; everything else is a direct cast.
    let arr = match (arr.data_type(), target) {
        (DataType::Int64, DataType::Date32) => {
            let i32s = arrow_cast::cast(&arr, &DataType::Int32).map_err(err)?;
            arrow_cast::cast(&i32s, target).map_err(err)?
        }
        (DataType::Int64, DataType::Date64) => {
            // Dates are modelled in days; Date64 counts milliseconds.
            let ms: arrow_array::Int64Array = arr
                .as_any()
                .downcast_ref::<arrow_array::Int64Array>()
                .map(|a| a.iter().map(|v| v.map(|d| d * 86_400_000)).collect())
                .unwrap_or_else(|| arrow_array::Int64Array::from(Vec::<i64>::new()));
            arrow_cast::cast(&ms, target).map_err(err)?
        }
        _ => arrow_cast::cast(&arr, target).map_err(err)?,
    };
    Ok(arr)
}

/// Draws a state from a discrete distribution (exposed for tests of the fitting code).
pub fn draw_index(p: &[f64], rng: &mut ChaCha8Rng) -> usize {
    draw(&cumulative(p), rng)
}
