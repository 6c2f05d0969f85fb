//! JSON Lines: one JSON object per line. Keys become columns (in first-seen order); scalar values
//! are typed by the same rules as CSV cells, nested values are kept as JSON text.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use rustc_hash::FxHashMap;
use serde_json::Value;

use super::build_batch;
use super::cells::{ColumnSpec, NullTokens, TextBatch, TypeGuess};
use super::source::{Compression, Encoding, SourceDigest, SourceTap, open_text};
use super::{BatchSource, ReadOptions, ReadReport, SkippedRows, finish_schema};
use crate::error::{Context, DataError, Result};

struct Lines {
    reader: BufReader<Box<dyn std::io::Read + Send>>,
    line: u64,
    buf: Vec<u8>,
}

impl Lines {
    /// The next non-blank line and its number.
    fn next(&mut self) -> std::io::Result<Option<(u64, &[u8])>> {
        loop {
            self.buf.clear();
            if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
                return Ok(None);
            }
            self.line += 1;
            if !self.buf.trim_ascii().is_empty() {
                return Ok(Some((self.line, self.buf.trim_ascii())));
            }
        }
    }
}

fn parse_object(bytes: &[u8]) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(format!(
            "expected a JSON object, found {}",
            match other {
                Value::Array(_) => "an array (JSON Lines needs one object per line)",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "null",
            }
        )),
        Err(e) => Err(format!("not valid JSON ({e})")),
    }
}

/// Appends the cell text of `v` (None for null) to `out`.
fn cell_text(v: &Value, out: &mut Vec<u8>) -> bool {
    match v {
        Value::Null => return false,
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        nested => out.extend_from_slice(nested.to_string().as_bytes()),
    }
    true
}

pub fn open(
    path: &Path,
    compression: Compression,
    opts: &ReadOptions,
    report: &mut ReadReport,
) -> Result<(SchemaRef, Box<dyn BatchSource>)> {
    let encoding = opts.encoding.unwrap_or(Encoding::Utf8);
    let mut lines = Lines {
        reader: BufReader::with_capacity(
            1 << 16,
            open_text(path, compression, encoding, false)?.reader,
        ),
        line: 0,
        buf: Vec::new(),
    };
    let mut names: Vec<String> = Vec::new();
    let mut index: FxHashMap<String, usize> = FxHashMap::default();
    let mut guesses: Vec<TypeGuess> = Vec::new();
    let limit = opts.infer_rows.unwrap_or(usize::MAX);
    let mut sampled = 0usize;
    let mut text = Vec::new();
    while sampled < limit {
        let Some((line, bytes)) = lines.next().ctx(|| format!("reading {}", path.display()))?
        else {
            break;
        };
        let obj = match parse_object(bytes) {
            Ok(o) => o,
            Err(_) if opts.skip_bad_rows => continue,
            Err(m) => return Err(DataError::bad_input(path, format!("line {line}: {m}"))),
        };
        for (k, v) in &obj {
            let i = *index.entry(k.clone()).or_insert_with(|| {
                names.push(k.clone());
                guesses.push(TypeGuess::default());
                names.len() - 1
            });
            text.clear();
            if cell_text(v, &mut text) {
                guesses[i].observe(&text);
            }
        }
        sampled += 1;
    }
    if sampled == 0 {
        return Err(DataError::bad_input(
            path,
            "the file contains no JSON objects",
        ));
    }
    report.high_cardinality_columns = names
        .iter()
        .zip(&guesses)
        .filter(|(_, g)| g.mostly_distinct())
        .map(|(n, _)| n.clone())
        .collect();
    let specs: Vec<ColumnSpec> = guesses
        .iter()
        .map(|g| ColumnSpec {
            ty: g.decide(),
            format: None,
        })
        .collect();
    let proj = finish_schema(path, names, specs, opts)?;
    let schema = proj.schema.clone();
    report.encoding = Some(encoding);
    report.inferred_from_rows = sampled as u64;

    let source = open_text(path, compression, encoding, opts.hash_source)?;
    // Every key is tokenised (the row is one JSON object); only projected columns are built.
    let ncols = index.len();
    Ok((
        schema.clone(),
        Box::new(JsonlBatches {
            path: path.to_path_buf(),
            tap: source.tap,
            lines: Some(Lines {
                reader: BufReader::with_capacity(1 << 16, source.reader),
                line: 0,
                buf: Vec::new(),
            }),
            schema,
            specs: proj.specs,
            source_cols: proj.source_cols,
            index,
            batch: TextBatch {
                ncols,
                explicit_nulls: Some(Vec::new()),
                ..TextBatch::default()
            },
            batch_rows: opts.batch_rows,
            skip_bad_rows: opts.skip_bad_rows,
            skipped: SkippedRows::default(),
            nulls: NullTokens::new::<&str>(&[]),
            row_cells: vec![None; ncols],
        }),
    ))
}

struct JsonlBatches {
    path: PathBuf,
    tap: SourceTap,
    lines: Option<Lines>,
    schema: SchemaRef,
    specs: Vec<ColumnSpec>,
    source_cols: Vec<usize>,
    index: FxHashMap<String, usize>,
    batch: TextBatch,
    batch_rows: usize,
    skip_bad_rows: bool,
    skipped: SkippedRows,
    nulls: NullTokens,
    row_cells: Vec<Option<Value>>,
}

impl JsonlBatches {
    /// Checks one line; on success the row's values are in `row_cells`.
    fn take_row(&mut self, bytes: &[u8]) -> Result<(), String> {
        let obj = parse_object(bytes)?;
        self.row_cells.iter_mut().for_each(|c| *c = None);
        for (k, v) in obj {
            let Some(&i) = self.index.get(&k) else {
                return Err(format!(
                    "key '{k}' did not appear in the rows used for type inference; pass \
                     --infer-rows all to scan the whole file first"
                ));
            };
            self.row_cells[i] = Some(v);
        }
        Ok(())
    }
}

impl BatchSource for JsonlBatches {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let Some(mut lines) = self.lines.take() else {
            return Ok(None);
        };
        self.batch.clear();
        while self.batch.rows() < self.batch_rows {
            let Some((line, bytes)) = lines
                .next()
                .ctx(|| format!("reading {}", self.path.display()))?
            else {
                break;
            };
            let bytes = bytes.to_vec();
            match self.take_row(&bytes) {
                Ok(()) => {}
                Err(m) if self.skip_bad_rows => {
                    self.skipped.record(line, &m);
                    continue;
                }
                Err(m) => {
                    return Err(DataError::bad_input(
                        &self.path,
                        format!(
                            "line {line}: {m} (pass --skip-bad-rows to skip and count such lines)"
                        ),
                    ));
                }
            }
            let flags = self.batch.explicit_nulls.get_or_insert_with(Vec::new);
            for cell in &self.row_cells {
                let present = cell
                    .as_ref()
                    .is_some_and(|v| cell_text(v, &mut self.batch.data));
                flags.push(!present);
                self.batch.ends.push(self.batch.data.len());
            }
            self.batch.lines.push(line);
        }
        if self.batch.rows() == 0 {
            // Keep the reader so `finish` can drain it.
            self.lines = Some(lines);
            return Ok(None);
        }
        self.lines = Some(lines);
        build_batch(
            &self.path,
            &self.batch,
            &self.schema,
            &self.specs,
            &self.source_cols,
            &self.nulls,
        )
        .map(Some)
    }

    fn bytes_read(&self) -> u64 {
        self.tap.bytes_read()
    }

    fn skipped(&self) -> &SkippedRows {
        &self.skipped
    }

    fn finish(self: Box<Self>) -> Result<SourceDigest> {
        let this = *self;
        if let Some(mut lines) = this.lines {
            std::io::copy(&mut lines.reader, &mut std::io::sink())
                .ctx(|| format!("reading {}", this.path.display()))?;
        }
        this.tap.finish()
    }
}
