//! Reading tabular files into Arrow record batches, streaming and in bounded memory.
//!
//! [`open_table`] detects the format, sniffs the dialect, infers (or applies) the schema and
//! returns a [`TableReader`] that yields batches. Text formats go through [`cells`], so CSV and
//! JSON Lines type their columns by the same rules.

pub mod cells;
pub mod csv;
pub mod jsonl;
pub mod source;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde::{Deserialize, Serialize};

pub use cells::{ColumnSpec, ColumnType, NullTokens};
pub use source::{Compression, Encoding, Format, SourceDigest};

use crate::error::{Context, DataError, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HeaderMode {
    #[default]
    Auto,
    Present,
    Absent,
}

/// How to read a file. The defaults sniff everything.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub format: Option<Format>,
    pub delimiter: Option<u8>,
    pub header: HeaderMode,
    /// `None`: UTF-8, falling back to Latin-1 with a warning when the start of the file is not UTF-8.
    pub encoding: Option<Encoding>,
    pub null_tokens: Vec<String>,
    /// Rows used for type inference; `None` reads the whole file first.
    pub infer_rows: Option<usize>,
    pub schema_override: Option<SchemaOverride>,
    pub skip_bad_rows: bool,
    pub batch_rows: usize,
    /// Hash the raw file bytes while reading (needed by `finish`); off for repeated scans.
    pub hash_source: bool,
    /// Build only these columns (in this order); the file is still read whole.
    pub columns: Option<Vec<String>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            delimiter: None,
            header: HeaderMode::Auto,
            encoding: None,
            null_tokens: NullTokens::DEFAULT.iter().map(|s| s.to_string()).collect(),
            infer_rows: Some(DEFAULT_INFER_ROWS),
            schema_override: None,
            skip_bad_rows: false,
            batch_rows: DEFAULT_BATCH_ROWS,
            hash_source: true,
            columns: None,
        }
    }
}

pub const DEFAULT_INFER_ROWS: usize = 10_000;
pub const DEFAULT_BATCH_ROWS: usize = 8_192;

/// A TOML file that corrects inferred column types:
///
/// ```toml
/// null_tokens = ["NA", "-"]          # optional: replaces the default list
/// [columns]
/// postcode = "string"
/// admitted = { type = "date", format = "%d/%m/%Y" }
/// ```
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaOverride {
    #[serde(default)]
    pub null_tokens: Option<Vec<String>>,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnOverride>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ColumnOverride {
    Type(String),
    Full {
        #[serde(rename = "type")]
        ty: String,
        #[serde(default)]
        format: Option<String>,
    },
}

impl SchemaOverride {
    pub fn from_file(path: &Path) -> Result<SchemaOverride> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| DataError::usage(format!("schema file {}: {e}", path.display())))?;
        let parsed: SchemaOverride = toml::from_str(&text)
            .map_err(|e| DataError::usage(format!("schema file {}: {e}", path.display())))?;
        for (name, col) in &parsed.columns {
            let ty = match col {
                ColumnOverride::Type(t) | ColumnOverride::Full { ty: t, .. } => t,
            };
            if ColumnType::parse(ty).is_none() {
                return Err(DataError::usage(format!(
                    "schema file {}: column '{name}' has unknown type '{ty}'; use one of: {}",
                    path.display(),
                    ColumnType::ALL.map(ColumnType::name).join(", ")
                )));
            }
        }
        Ok(parsed)
    }
}

/// Rows left out under `--skip-bad-rows`: how many, and the first few with their reason.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SkippedRows {
    pub count: u64,
    pub examples: Vec<SkippedRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SkippedRow {
    pub line: u64,
    pub reason: String,
}

impl SkippedRows {
    pub fn record(&mut self, line: u64, reason: &str) {
        self.count += 1;
        if self.examples.len() < 20 {
            self.examples.push(SkippedRow {
                line,
                reason: reason.to_string(),
            });
        }
    }
}

/// What was detected about the input and how it was read; kept in the container manifest.
#[derive(Clone, Debug, Serialize)]
pub struct ReadReport {
    pub format: Format,
    pub compression: Compression,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_header: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub null_tokens: Vec<String>,
    pub inferred_from_rows: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overridden_columns: Vec<String>,
    pub warnings: Vec<String>,
    /// Columns whose sampled values are mostly distinct (a storage hint, not provenance).
    #[serde(skip)]
    pub high_cardinality_columns: Vec<String>,
}

/// A format-specific stream of record batches.
pub trait BatchSource: Send {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>>;
    /// Bytes of the input file consumed so far (for progress).
    fn bytes_read(&self) -> u64;
    fn skipped(&self) -> &SkippedRows;
    /// Consumes the rest of the input and returns the digest of the raw file bytes.
    fn finish(self: Box<Self>) -> Result<SourceDigest>;
}

/// An opened table: its schema, what was detected, and a stream of batches.
pub struct TableReader {
    pub path: PathBuf,
    pub schema: SchemaRef,
    pub report: ReadReport,
    pub file_bytes: u64,
    source: Box<dyn BatchSource>,
}

impl TableReader {
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        self.source.next_batch()
    }

    pub fn bytes_read(&self) -> u64 {
        self.source.bytes_read()
    }

    pub fn skipped(&self) -> &SkippedRows {
        self.source.skipped()
    }

    /// Ends reading: returns the source digest and the rows skipped as bad.
    pub fn finish(self) -> Result<(SourceDigest, SkippedRows)> {
        let skipped = self.source.skipped().clone();
        Ok((self.source.finish()?, skipped))
    }

    /// Reads every remaining batch into memory.
    pub fn read_all(mut self) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        let mut out = Vec::new();
        while let Some(b) = self.next_batch()? {
            out.push(b);
        }
        Ok((self.schema, out))
    }
}

/// Opens any supported file for streaming.
pub fn open_table(path: &Path, opts: &ReadOptions) -> Result<TableReader> {
    let detected = source::detect(path, opts.format)?;
    if opts.batch_rows == 0 {
        return Err(DataError::usage("the batch size must be at least one row"));
    }
    if opts.infer_rows == Some(0) {
        return Err(DataError::usage(
            "--infer-rows must be at least 1 (or 'all' to use the whole file)",
        ));
    }
    let mut opts = opts.clone();
    if let Some(tokens) = opts
        .schema_override
        .as_ref()
        .and_then(|o| o.null_tokens.clone())
    {
        opts.null_tokens = tokens;
    }
    let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut report = ReadReport {
        format: detected.format,
        compression: detected.compression,
        encoding: None,
        delimiter: None,
        has_header: None,
        null_tokens: Vec::new(),
        inferred_from_rows: 0,
        overridden_columns: opts
            .schema_override
            .as_ref()
            .map(|o| o.columns.keys().cloned().collect())
            .unwrap_or_default(),
        warnings: Vec::new(),
        high_cardinality_columns: Vec::new(),
    };
    let (schema, source) = match detected.format {
        Format::Csv => csv::open(
            path,
            detected.compression,
            detected.tab_hint,
            &opts,
            &mut report,
        )?,
        Format::Jsonl => jsonl::open(path, detected.compression, &opts, &mut report)?,
        Format::Parquet => {
            if opts.schema_override.is_some() {
                return Err(DataError::usage(
                    "a --schema file applies to text formats only; Parquet files carry their own types",
                ));
            }
            open_parquet(path, opts.batch_rows, opts.columns.as_deref())?
        }
    };
    Ok(TableReader {
        path: path.to_path_buf(),
        schema,
        report,
        file_bytes,
        source,
    })
}

/// Makes column names unique and non-empty, keeping their order: `a, a, ""` → `a, a_2, column_3`.
pub(crate) fn unique_names(raw: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    raw.into_iter()
        .enumerate()
        .map(|(i, n)| {
            let base = if n.is_empty() {
                format!("column_{}", i + 1)
            } else {
                n
            };
            let mut name = base.clone();
            let mut k = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}_{k}");
                k += 1;
            }
            name
        })
        .collect()
}

/// The columns a text reader builds: their schema, how to parse each, and where each is in
/// the file.
pub(crate) struct Projection {
    pub schema: SchemaRef,
    pub specs: Vec<ColumnSpec>,
    pub source_cols: Vec<usize>,
}

/// Applies the schema override to inferred specs, then the column selection, and builds the
/// Arrow schema.
pub(crate) fn finish_schema(
    path: &Path,
    names: Vec<String>,
    mut specs: Vec<ColumnSpec>,
    opts: &ReadOptions,
) -> Result<Projection> {
    if let Some(over) = &opts.schema_override {
        for (col, o) in &over.columns {
            let Some(i) = names.iter().position(|n| n == col) else {
                return Err(DataError::usage(format!(
                    "the schema file names column '{col}', which {} does not have; its columns are: {}",
                    path.display(),
                    names.join(", ")
                )));
            };
            let (ty, format) = match o {
                ColumnOverride::Type(t) => (t, None),
                ColumnOverride::Full { ty, format } => (ty, format.clone()),
            };
            let ty = ColumnType::parse(ty).ok_or_else(|| {
                DataError::usage(format!(
                    "schema file: column '{col}' has unknown type '{ty}'"
                ))
            })?;
            specs[i] = ColumnSpec { ty, format };
        }
    }
    let source_cols = column_indexes(path, &names, opts.columns.as_deref())?;
    let fields: Vec<Field> = source_cols
        .iter()
        .map(|&i| Field::new(&names[i], specs[i].ty.arrow_type(), true))
        .collect();
    Ok(Projection {
        schema: Arc::new(Schema::new(fields)),
        specs: source_cols.iter().map(|&i| specs[i].clone()).collect(),
        source_cols,
    })
}

/// Types the selected columns of a text batch. A cell that does not parse stops the read with
/// its line, column and the two ways out.
pub(crate) fn build_batch(
    path: &Path,
    batch: &cells::TextBatch,
    schema: &SchemaRef,
    specs: &[ColumnSpec],
    source_cols: &[usize],
    nulls: &NullTokens,
) -> Result<RecordBatch> {
    let mut columns = Vec::with_capacity(specs.len());
    for (c, spec) in specs.iter().enumerate() {
        let col = cells::build_column(batch, source_cols[c], spec, nulls).map_err(|e| {
            DataError::BadCell {
                path: path.to_path_buf(),
                line: batch.lines[e.row],
                column: schema.field(c).name().clone(),
                message: format!(
                    "{} (the column's type is {}; set another type for it in a --schema file, \
                     or infer from more rows with --infer-rows)",
                    e.message,
                    spec.ty.name()
                ),
            }
        })?;
        columns.push(col);
    }
    RecordBatch::try_new(schema.clone(), columns).ctx(|| "building a record batch".to_string())
}

fn column_indexes(path: &Path, names: &[String], wanted: Option<&[String]>) -> Result<Vec<usize>> {
    match wanted {
        None => Ok((0..names.len()).collect()),
        Some(cols) => cols
            .iter()
            .map(|c| {
                names.iter().position(|n| n == c).ok_or_else(|| {
                    DataError::usage(format!(
                        "{} has no column '{c}'; its columns are: {}",
                        path.display(),
                        names.join(", ")
                    ))
                })
            })
            .collect(),
    }
}

struct ParquetSource {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    rows_read: u64,
    total_rows: u64,
    file_bytes: u64,
    skipped: SkippedRows,
}

fn open_parquet(
    path: &Path,
    batch_rows: usize,
    columns: Option<&[String]>,
) -> Result<(SchemaRef, Box<dyn BatchSource>)> {
    let file = File::open(path).ctx(|| format!("opening {}", path.display()))?;
    let file_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| DataError::bad_input(path, format!("not a readable Parquet file: {e}")))?;
    let total_rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
    let mut builder = builder;
    if columns.is_some() {
        let names: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let idx = column_indexes(path, &names, columns)?;
        let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), idx);
        builder = builder.with_projection(mask);
    }
    let schema = builder.schema().clone();
    let reader = builder
        .with_batch_size(batch_rows)
        .build()
        .ctx(|| format!("reading {}", path.display()))?;
    Ok((
        schema,
        Box::new(ParquetSource {
            path: path.to_path_buf(),
            reader,
            rows_read: 0,
            total_rows,
            file_bytes,
            skipped: SkippedRows::default(),
        }),
    ))
}

impl BatchSource for ParquetSource {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        match self.reader.next() {
            None => Ok(None),
            Some(b) => {
                let b = b.ctx(|| format!("reading {}", self.path.display()))?;
                self.rows_read += b.num_rows() as u64;
                Ok(Some(b))
            }
        }
    }

    fn bytes_read(&self) -> u64 {
        if self.total_rows == 0 {
            return self.file_bytes;
        }
        (self.file_bytes as f64 * self.rows_read as f64 / self.total_rows as f64) as u64
    }

    fn skipped(&self) -> &SkippedRows {
        &self.skipped
    }

    fn finish(self: Box<Self>) -> Result<SourceDigest> {
        source::hash_file(&self.path)
    }
}
