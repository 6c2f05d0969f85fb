//! Aggregate providers: the seam between data and algorithms (see DESIGN.md).
//!
//! Algorithms never read rows; they ask a provider "group rows by these columns — optionally
//! after mapping each column's values through a lookup table — and return counts and sums".
//! Columns are dictionary-encoded to dense `u32` codes first, so grouping, mapping (a code →
//! code vector) and hashing work on integers, not strings.
//!
//! Two providers answer identically: [`MemoryTable`] over Arrow batches held in memory, and
//! [`ParquetProvider`], which streams a Parquet file batch by batch in bounded memory (memory
//! grows with the number of distinct values and groups, never with the number of rows).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rustc_hash::FxHashMap;

use crate::error::{Context, DataError, Result};

/// The code of a null cell.
pub const NULL_CODE: u32 = u32::MAX;

/// Distinct values of a column, in first-seen order: a value's code is its index.
#[derive(Clone, Debug, Default)]
pub struct Dictionary {
    values: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Dictionary {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of a code; `None` for [`NULL_CODE`].
    pub fn value(&self, code: u32) -> Option<&str> {
        self.values.get(code as usize).map(String::as_str)
    }

    pub fn code(&self, value: &str) -> Option<u32> {
        self.index.get(value).copied()
    }

    pub fn values(&self) -> &[String] {
        &self.values
    }

    pub fn intern(&mut self, value: &str) -> u32 {
        if let Some(&c) = self.index.get(value) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(value.to_string());
        self.index.insert(value.to_string(), c);
        c
    }
}

/// Encodes a column's arrays to codes, batch after batch, with one growing dictionary.
/// Values are keyed by their text form (integers as decimals, dates as ISO 8601), the same
/// form hierarchies and lookup tables use.
#[derive(Default)]
pub struct ColumnEncoder {
    pub dictionary: Dictionary,
    ints: FxHashMap<i64, u32>,
}

impl ColumnEncoder {
    pub fn encode(&mut self, array: &dyn Array, out: &mut Vec<u32>) -> Result<()> {
        out.reserve(array.len());
        match array.data_type() {
            DataType::Utf8 => {
                for v in array.as_string::<i32>() {
                    out.push(v.map_or(NULL_CODE, |s| self.dictionary.intern(s)));
                }
            }
            DataType::LargeUtf8 => {
                for v in array.as_string::<i64>() {
                    out.push(v.map_or(NULL_CODE, |s| self.dictionary.intern(s)));
                }
            }
            DataType::Int64 => {
                for v in array.as_primitive::<Int64Type>() {
                    out.push(v.map_or(NULL_CODE, |i| self.int_code(i)));
                }
            }
            DataType::Int32 => {
                for v in array.as_primitive::<Int32Type>() {
                    out.push(v.map_or(NULL_CODE, |i| self.int_code(i as i64)));
                }
            }
            _ => {
                let fmt = ArrayFormatter::try_new(array, &FormatOptions::default())
                    .ctx(|| "encoding a column".to_string())?;
                let mut text = String::new();
                for i in 0..array.len() {
                    if array.is_null(i) {
                        out.push(NULL_CODE);
                    } else {
                        text.clear();
                        use std::fmt::Write;
                        let _ = write!(text, "{}", fmt.value(i));
                        out.push(self.dictionary.intern(&text));
                    }
                }
            }
        }
        Ok(())
    }

    fn int_code(&mut self, i: i64) -> u32 {
        if let Some(&c) = self.ints.get(&i) {
            return c;
        }
        let c = self.dictionary.intern(&i.to_string());
        self.ints.insert(i, c);
        c
    }
}

/// A lookup table from a column's values to group labels (for example one level of a
/// generalisation hierarchy). A value missing from the table is an error, never a silent null.
#[derive(Clone, Debug, Default)]
pub struct ValueMap {
    pub map: HashMap<String, String>,
    /// Label for null cells; `None` keeps nulls as their own (null) group.
    pub null_label: Option<String>,
}

impl ValueMap {
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> ValueMap {
        ValueMap {
            map: pairs.into_iter().collect(),
            null_label: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct GroupBy {
    pub column: String,
    pub mapping: Option<Arc<ValueMap>>,
}

impl GroupBy {
    pub fn column(name: impl Into<String>) -> GroupBy {
        GroupBy {
            column: name.into(),
            mapping: None,
        }
    }

    pub fn mapped(name: impl Into<String>, map: Arc<ValueMap>) -> GroupBy {
        GroupBy {
            column: name.into(),
            mapping: Some(map),
        }
    }
}

/// Group rows by `group_by` and return each group's row count and the sums of `sums`
/// (numeric columns; nulls contribute nothing).
#[derive(Clone, Debug, Default)]
pub struct GroupQuery {
    pub group_by: Vec<GroupBy>,
    pub sums: Vec<String>,
}

/// The answer: one row per group, keys as codes into per-column label dictionaries.
/// Groups are sorted by their key codes, so equal inputs give equal tables.
#[derive(Clone, Debug, Default)]
pub struct GroupTable {
    pub columns: Vec<String>,
    pub dictionaries: Vec<Dictionary>,
    /// Row-major: group `g`'s key is `keys[g * columns.len()..][..columns.len()]`.
    pub keys: Vec<u32>,
    pub counts: Vec<u64>,
    pub sum_columns: Vec<String>,
    /// Row-major: group `g`'s sums are `sums[g * sum_columns.len()..][..sum_columns.len()]`.
    pub sums: Vec<f64>,
}

/// One group, decoded: labels (None = null), count and sums.
pub type DecodedGroup = (Vec<Option<String>>, u64, Vec<f64>);

impl GroupTable {
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn key(&self, g: usize) -> &[u32] {
        let n = self.columns.len();
        &self.keys[g * n..(g + 1) * n]
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// All groups as labels, sorted by label: a representation independent of code order.
    pub fn decoded(&self) -> Vec<DecodedGroup> {
        let ns = self.sum_columns.len();
        let mut out: Vec<DecodedGroup> = (0..self.len())
            .map(|g| {
                let labels = self
                    .key(g)
                    .iter()
                    .zip(&self.dictionaries)
                    .map(|(&c, d)| d.value(c).map(str::to_string))
                    .collect();
                (
                    labels,
                    self.counts[g],
                    self.sums[g * ns..(g + 1) * ns].to_vec(),
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

pub trait AggregateProvider {
    fn schema(&self) -> SchemaRef;
    fn group_counts(&self, query: &GroupQuery) -> Result<GroupTable>;
}

/// A column's lookup table, the label dictionary it produces, and base code → label code.
type Mapping = (Arc<ValueMap>, Dictionary, Vec<u32>);

/// Per-query state shared by both providers: encoders, mappings and the group hash table.
struct Grouper {
    columns: Vec<String>,
    mappings: Vec<Option<Mapping>>,
    sum_columns: Vec<String>,
    index: FxHashMap<Vec<u32>, u32>,
    keys: Vec<u32>,
    counts: Vec<u64>,
    sums: Vec<f64>,
}

impl Grouper {
    fn new(query: &GroupQuery, schema: &SchemaRef) -> Result<Grouper> {
        if query.group_by.is_empty() {
            return Err(DataError::usage("a grouping needs at least one column"));
        }
        let known = |c: &str| schema.index_of(c).is_ok();
        for c in query
            .group_by
            .iter()
            .map(|g| g.column.as_str())
            .chain(query.sums.iter().map(String::as_str))
        {
            if !known(c) {
                return Err(DataError::unknown_column("the table", c, schema));
            }
        }
        for s in &query.sums {
            let dt = schema
                .field_with_name(s)
                .map(|f| f.data_type().clone())
                .ok();
            if !dt.as_ref().is_some_and(|d| d.is_numeric()) {
                return Err(DataError::usage(format!(
                    "cannot sum column '{s}': it is not numeric"
                )));
            }
        }
        Ok(Grouper {
            columns: query.group_by.iter().map(|g| g.column.clone()).collect(),
            mappings: query
                .group_by
                .iter()
                .map(|g| {
                    g.mapping
                        .clone()
                        .map(|m| (m, Dictionary::default(), Vec::new()))
                })
                .collect(),
            sum_columns: query.sums.clone(),
            index: FxHashMap::default(),
            keys: Vec::new(),
            counts: Vec::new(),
            sums: Vec::new(),
        })
    }

    /// Translates base codes of column `c` to label codes through its mapping (if any).
    fn map_codes(&mut self, c: usize, base: &Dictionary, codes: &mut [u32]) -> Result<()> {
        let Some((map, labels, lut)) = &mut self.mappings[c] else {
            return Ok(());
        };
        // Extend the code → label-code table for values first seen in this batch.
        while lut.len() < base.len() {
            let value = &base.values()[lut.len()];
            let label = map.map.get(value).ok_or_else(|| {
                DataError::usage(format!(
                    "value '{value}' of column '{}' is not in its lookup table",
                    self.columns[c]
                ))
            })?;
            lut.push(labels.intern(label));
        }
        let null_code = map
            .null_label
            .as_ref()
            .map_or(NULL_CODE, |l| labels.intern(l));
        for code in codes.iter_mut() {
            *code = if *code == NULL_CODE {
                null_code
            } else {
                lut[*code as usize]
            };
        }
        Ok(())
    }

    fn add(&mut self, codes: &[Vec<u32>], sums: &[Vec<f64>], rows: usize) {
        let ncols = self.columns.len();
        let nsums = self.sum_columns.len();
        let mut key = vec![0u32; ncols];
        for r in 0..rows {
            for (k, col) in key.iter_mut().zip(codes) {
                *k = col[r];
            }
            let g = match self.index.get(key.as_slice()) {
                Some(&g) => g as usize,
                None => {
                    let g = self.counts.len();
                    self.index.insert(key.clone(), g as u32);
                    self.keys.extend_from_slice(&key);
                    self.counts.push(0);
                    self.sums.extend(std::iter::repeat_n(0.0, nsums));
                    g
                }
            };
            self.counts[g] += 1;
            for (s, col) in sums.iter().enumerate() {
                self.sums[g * nsums + s] += col[r];
            }
        }
    }

    fn finish(self, base: Vec<Dictionary>) -> GroupTable {
        let ncols = self.columns.len();
        let nsums = self.sum_columns.len();
        let dictionaries: Vec<Dictionary> = base
            .into_iter()
            .zip(self.mappings)
            .map(|(b, m)| m.map_or(b, |(_, labels, _)| labels))
            .collect();
        let mut order: Vec<usize> = (0..self.counts.len()).collect();
        order.sort_by(|&a, &b| {
            self.keys[a * ncols..(a + 1) * ncols].cmp(&self.keys[b * ncols..(b + 1) * ncols])
        });
        let mut t = GroupTable {
            columns: self.columns,
            dictionaries,
            sum_columns: self.sum_columns,
            ..GroupTable::default()
        };
        for g in order {
            t.keys
                .extend_from_slice(&self.keys[g * ncols..(g + 1) * ncols]);
            t.counts.push(self.counts[g]);
            t.sums
                .extend_from_slice(&self.sums[g * nsums..(g + 1) * nsums]);
        }
        t
    }
}

/// Numeric column → f64 per row, nulls as 0 (they add nothing to a sum).
fn sum_values(array: &dyn Array) -> Result<Vec<f64>> {
    let cast =
        arrow_cast::cast(array, &DataType::Float64).ctx(|| "summing a column".to_string())?;
    let f = cast.as_primitive::<Float64Type>();
    Ok((0..f.len())
        .map(|i| if f.is_null(i) { 0.0 } else { f.value(i) })
        .collect())
}

/// A column of the in-memory table, encoded once and kept.
pub struct EncodedColumn {
    pub codes: Vec<u32>,
    pub dictionary: Dictionary,
}

/// In-memory provider over Arrow batches. Columns are encoded on first use and cached.
pub struct MemoryTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    encoded: Mutex<HashMap<String, Arc<EncodedColumn>>>,
}

impl MemoryTable {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> MemoryTable {
        MemoryTable {
            schema,
            batches,
            encoded: Mutex::new(HashMap::new()),
        }
    }

    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The column as dense codes plus its dictionary (cached after the first call).
    pub fn encoded(&self, column: &str) -> Result<Arc<EncodedColumn>> {
        if let Some(e) = self
            .encoded
            .lock()
            .ok()
            .and_then(|m| m.get(column).cloned())
        {
            return Ok(e);
        }
        let idx = self
            .schema
            .index_of(column)
            .map_err(|_| DataError::usage(format!("unknown column '{column}'")))?;
        let mut enc = ColumnEncoder::default();
        let mut codes = Vec::with_capacity(self.rows());
        for b in &self.batches {
            enc.encode(b.column(idx).as_ref(), &mut codes)?;
        }
        let e = Arc::new(EncodedColumn {
            codes,
            dictionary: enc.dictionary,
        });
        if let Ok(mut m) = self.encoded.lock() {
            m.insert(column.to_string(), e.clone());
        }
        Ok(e)
    }
}

impl AggregateProvider for MemoryTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn group_counts(&self, query: &GroupQuery) -> Result<GroupTable> {
        let mut grouper = Grouper::new(query, &self.schema)?;
        let mut codes = Vec::new();
        let mut base = Vec::new();
        for (c, g) in query.group_by.iter().enumerate() {
            let e = self.encoded(&g.column)?;
            let mut col = e.codes.clone();
            grouper.map_codes(c, &e.dictionary, &mut col)?;
            codes.push(col);
            base.push(e.dictionary.clone());
        }
        let mut sums = Vec::new();
        for s in &query.sums {
            let idx = self
                .schema
                .index_of(s)
                .map_err(|_| DataError::usage(format!("unknown column '{s}'")))?;
            let mut all = Vec::with_capacity(self.rows());
            for b in &self.batches {
                all.extend(sum_values(b.column(idx).as_ref())?);
            }
            sums.push(all);
        }
        grouper.add(&codes, &sums, self.rows());
        Ok(grouper.finish(base))
    }
}

/// Streaming provider over a Parquet file (a container's data): reads only the columns a
/// query needs, one batch at a time.
pub struct ParquetProvider {
    path: PathBuf,
    schema: SchemaRef,
    batch_rows: usize,
}

impl ParquetProvider {
    pub fn open(path: &Path) -> Result<ParquetProvider> {
        let file = std::fs::File::open(path).ctx(|| format!("opening {}", path.display()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .ctx(|| format!("reading {}", path.display()))?;
        Ok(ParquetProvider {
            path: path.to_path_buf(),
            schema: builder.schema().clone(),
            batch_rows: 65_536,
        })
    }

    pub fn with_batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows.max(1);
        self
    }
}

impl AggregateProvider for ParquetProvider {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn group_counts(&self, query: &GroupQuery) -> Result<GroupTable> {
        let mut grouper = Grouper::new(query, &self.schema)?;
        // Each distinct column is read once even if it is both grouped and summed.
        let mut needed: Vec<String> = Vec::new();
        for c in query.group_by.iter().map(|g| &g.column).chain(&query.sums) {
            if !needed.contains(c) {
                needed.push(c.clone());
            }
        }
        let file =
            std::fs::File::open(&self.path).ctx(|| format!("opening {}", self.path.display()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .ctx(|| format!("reading {}", self.path.display()))?;
        let roots: Vec<usize> = needed
            .iter()
            .filter_map(|c| self.schema.index_of(c).ok())
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(self.batch_rows)
            .build()
            .ctx(|| format!("reading {}", self.path.display()))?;
        let mut encoders: Vec<ColumnEncoder> = query
            .group_by
            .iter()
            .map(|_| ColumnEncoder::default())
            .collect();
        for batch in reader {
            let batch = batch.ctx(|| format!("reading {}", self.path.display()))?;
            let bs = batch.schema();
            let mut codes = Vec::with_capacity(encoders.len());
            for (c, g) in query.group_by.iter().enumerate() {
                let idx = bs
                    .index_of(&g.column)
                    .ctx(|| "projected column".to_string())?;
                let mut col = Vec::new();
                encoders[c].encode(batch.column(idx).as_ref(), &mut col)?;
                grouper.map_codes(c, &encoders[c].dictionary, &mut col)?;
                codes.push(col);
            }
            let mut sums = Vec::with_capacity(query.sums.len());
            for s in &query.sums {
                let idx = bs.index_of(s).ctx(|| "projected column".to_string())?;
                sums.push(sum_values(batch.column(idx).as_ref())?);
            }
            grouper.add(&codes, &sums, batch.num_rows());
        }
        Ok(grouper.finish(encoders.into_iter().map(|e| e.dictionary).collect()))
    }
}
