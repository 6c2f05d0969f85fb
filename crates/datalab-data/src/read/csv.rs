//! CSV/TSV: dialect sniffing (delimiter, header, encoding), type inference from a sample and a
//! streaming, bounded-memory reader that turns records into Arrow batches.

use std::io::Read;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use csv_core::{ReadRecordResult, ReaderBuilder};

use super::build_batch;
use super::cells::{ColumnSpec, NullTokens, TextBatch, TypeGuess};
use super::source::{Compression, Encoding, SourceDigest, looks_utf8, open_text, sample_text};
use super::{
    BatchSource, HeaderMode, ReadOptions, ReadReport, SkippedRows, finish_schema, unique_names,
};
use crate::error::{Context, DataError, Result};

const SNIFF_BYTES: usize = 1 << 20;
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Pulls whole records out of a byte stream with csv-core, appending cell bytes to a batch.
struct Tokenizer {
    rdr: csv_core::Reader,
    input: Box<dyn Read + Send>,
    inbuf: Vec<u8>,
    inpos: usize,
    inlen: usize,
    eof: bool,
    finished: bool,
    rec_ends: Vec<usize>,
}

/// One record as tokenised: how many fields, and the line it started on.
struct Record {
    fields: usize,
    line: u64,
}

impl Tokenizer {
    fn new(input: Box<dyn Read + Send>, delimiter: u8) -> Self {
        Tokenizer {
            rdr: ReaderBuilder::new().delimiter(delimiter).build(),
            input,
            inbuf: vec![0; 1 << 18],
            inpos: 0,
            inlen: 0,
            eof: false,
            finished: false,
            rec_ends: vec![0; 64],
        }
    }

    /// Appends the next record's cells to `data[*used..]` / `ends`. `data` may be longer than
    /// `*used`: its tail is scratch space, so the buffer is never zero-filled per record.
    fn next_record(
        &mut self,
        data: &mut Vec<u8>,
        used: &mut usize,
        ends: &mut Vec<usize>,
    ) -> std::io::Result<Option<Record>> {
        if self.finished {
            return Ok(None);
        }
        let line = self.rdr.line();
        // csv-core reports field ends relative to where this record's output began.
        let record_start = *used;
        let mut nfields = 0;
        loop {
            if data.len() - *used < 256 {
                let grow = (data.len()).max(1 << 16);
                data.resize(data.len() + grow, 0);
            }
            if self.inpos == self.inlen && !self.eof {
                self.inpos = 0;
                self.inlen = loop {
                    match self.input.read(&mut self.inbuf) {
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        r => break r?,
                    }
                };
                self.eof = self.inlen == 0;
            }
            let out_start = *used;
            let (res, nin, nout, nend) = self.rdr.read_record(
                &self.inbuf[self.inpos..self.inlen],
                &mut data[out_start..],
                &mut self.rec_ends[nfields..],
            );
            self.inpos += nin;
            *used += nout;
            for k in 0..nend {
                ends.push(record_start + self.rec_ends[nfields + k]);
            }
            nfields += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grow = data.len().max(1 << 16);
                    data.resize(data.len() + grow, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.rec_ends.len();
                    self.rec_ends.resize(n * 2, 0);
                }
                ReadRecordResult::Record => {
                    return Ok(Some(Record {
                        fields: nfields,
                        line,
                    }));
                }
                ReadRecordResult::End => {
                    self.finished = true;
                    return Ok(None);
                }
            }
        }
    }
}

/// What sniffing decided about a CSV file.
#[derive(Clone, Debug)]
pub struct Dialect {
    pub delimiter: u8,
    pub has_header: bool,
    pub encoding: Encoding,
    pub compression: Compression,
}

/// Field counts of the first records in `sample` for one delimiter.
fn field_counts(sample: &[u8], delimiter: u8, complete: bool) -> Vec<usize> {
    let mut rdr = ReaderBuilder::new().delimiter(delimiter).build();
    let mut out = vec![0u8; sample.len() + 16];
    let mut ends = vec![0usize; 4096];
    let mut counts = Vec::new();
    let mut pos = 0;
    let mut fields = 0;
    while counts.len() < 200 {
        let input = if pos < sample.len() {
            &sample[pos..]
        } else {
            &[][..]
        };
        let (res, nin, _, nend) = rdr.read_record(input, &mut out, &mut ends[fields.min(4095)..]);
        pos += nin;
        fields += nend;
        match res {
            ReadRecordResult::Record => {
                counts.push(fields);
                fields = 0;
            }
            ReadRecordResult::InputEmpty if pos >= sample.len() && !complete => break,
            ReadRecordResult::End => break,
            ReadRecordResult::OutputEndsFull => fields = 4095,
            _ => {}
        }
        if pos >= sample.len() && !complete && matches!(res, ReadRecordResult::InputEmpty) {
            break;
        }
    }
    // The last record of an incomplete sample may be cut in half.
    if !complete && !counts.is_empty() && pos >= sample.len() {
        counts.pop();
    }
    counts
}

/// Picks the delimiter that splits the sample into the most consistent number (≥ 2) of fields.
fn sniff_delimiter(sample: &[u8], complete: bool, tab_hint: bool) -> u8 {
    let mut best: Option<(u8, (u32, usize))> = None;
    for &d in &DELIMITERS {
        let counts = field_counts(sample, d, complete);
        if counts.is_empty() {
            continue;
        }
        let mut freq = std::collections::HashMap::new();
        for &c in &counts {
            *freq.entry(c).or_insert(0usize) += 1;
        }
        let (mode, n) = freq
            .into_iter()
            .max_by_key(|&(c, n)| (n, c))
            .unwrap_or((1, 0));
        if mode < 2 {
            continue;
        }
        let consistency = (n * 1000 / counts.len()) as u32;
        let score = (consistency, mode);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((d, score));
        }
    }
    match best {
        Some((d, _)) => d,
        None if tab_hint => b'\t',
        None => b',',
    }
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        b'|' => "pipe".into(),
        other => format!("'{}'", other as char),
    }
}

/// Opens a CSV file: sniffs the dialect, infers column types and returns a streaming source.
pub fn open(
    path: &Path,
    compression: Compression,
    tab_hint: bool,
    opts: &ReadOptions,
    report: &mut ReadReport,
) -> Result<(SchemaRef, Box<dyn BatchSource>)> {
    let sample = sample_text(path, compression, SNIFF_BYTES)?;
    let complete = sample.len() < SNIFF_BYTES;
    if sample.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::bad_input(
            path,
            "the file contains no data (only blank space)",
        ));
    }
    if sample.starts_with(&[0xFF, 0xFE]) || sample.starts_with(&[0xFE, 0xFF]) {
        return Err(DataError::bad_input(
            path,
            "the file is UTF-16 encoded; save it as UTF-8 (or Latin-1) and import again",
        ));
    }
    let encoding = match opts.encoding {
        Some(e) => e,
        None if looks_utf8(&sample, complete) => Encoding::Utf8,
        None => {
            report.warnings.push(format!(
                "{}: the start of the file is not valid UTF-8; reading it as Latin-1 (ISO-8859-1). \
                 Pass --encoding utf8 or --encoding latin1 to decide explicitly",
                path.display()
            ));
            Encoding::Latin1
        }
    };
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => sniff_delimiter(&sample, complete, tab_hint),
    };
    drop(sample);

    // Inference pass: the first `infer_rows` records (or the whole file).
    let nulls = NullTokens::new(&opts.null_tokens);
    let mut tok = Tokenizer::new(
        open_text(path, compression, encoding, false)?.reader,
        delimiter,
    );
    let (mut data, mut used, mut ends) = (Vec::new(), 0usize, Vec::new());
    let first = tok
        .next_record(&mut data, &mut used, &mut ends)
        .ctx(|| format!("reading {}", path.display()))?
        .ok_or_else(|| DataError::bad_input(path, "the file contains no records"))?;
    let first_row: Vec<Vec<u8>> = (0..first.fields)
        .map(|i| {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            data[start..ends[i]].to_vec()
        })
        .collect();
    let ncols = first.fields;
    let mut guesses = vec![TypeGuess::default(); ncols];
    let limit = opts.infer_rows.unwrap_or(usize::MAX);
    let mut sampled = 0usize;
    while sampled < limit {
        used = 0;
        ends.clear();
        let Some(rec) = tok
            .next_record(&mut data, &mut used, &mut ends)
            .ctx(|| format!("reading {}", path.display()))?
        else {
            break;
        };
        if rec.fields != ncols {
            // Reported with its line by the real pass; inference just skips it.
            continue;
        }
        for (c, guess) in guesses.iter_mut().enumerate() {
            let start = if c == 0 { 0 } else { ends[c - 1] };
            let cell = &data[start..ends[c]];
            if !nulls.is_null(cell) {
                guess.observe(cell);
            }
        }
        sampled += 1;
    }
    drop(tok);

    let has_header = match opts.header {
        HeaderMode::Present => true,
        HeaderMode::Absent => false,
        HeaderMode::Auto => detect_header(&first_row, &guesses, &nulls),
    };
    if has_header && sampled == 0 {
        return Err(DataError::bad_input(
            path,
            "the file has a header line but no data rows",
        ));
    }
    if !has_header {
        // The first line is data: it takes part in inference too.
        for (c, guess) in guesses.iter_mut().enumerate() {
            if !nulls.is_null(&first_row[c]) {
                guess.observe(&first_row[c]);
            }
        }
    }
    let names: Vec<String> = if has_header {
        let raw: Vec<String> = first_row
            .iter()
            .map(|b| match encoding {
                Encoding::Utf8 => String::from_utf8_lossy(b).trim().to_string(),
                Encoding::Latin1 => b
                    .iter()
                    .map(|&c| c as char)
                    .collect::<String>()
                    .trim()
                    .to_string(),
            })
            .collect();
        unique_names(raw)
    } else {
        (1..=ncols).map(|i| format!("column_{i}")).collect()
    };
    let inferred: Vec<ColumnSpec> = guesses
        .iter()
        .map(|g| ColumnSpec {
            ty: g.decide(),
            format: None,
        })
        .collect();
    let all_names = names.clone();
    let proj = finish_schema(path, names, inferred, opts)?;
    let schema = proj.schema.clone();

    report.delimiter = Some(delimiter_name(delimiter));
    report.has_header = Some(has_header);
    report.encoding = Some(encoding);
    report.null_tokens = nulls.tokens();
    report.inferred_from_rows = sampled as u64;
    report.high_cardinality_columns = guesses
        .iter()
        .zip(&all_names)
        .filter(|(g, _)| g.mostly_distinct())
        .map(|(_, n)| n.clone())
        .collect();

    let source = open_text(path, compression, encoding, opts.hash_source)?;
    let mut tok = Tokenizer::new(source.reader, delimiter);
    if has_header {
        let (mut d, mut u, mut e) = (Vec::new(), 0, Vec::new());
        tok.next_record(&mut d, &mut u, &mut e)
            .ctx(|| format!("reading {}", path.display()))?;
    }
    let reader = CsvBatches {
        path: path.to_path_buf(),
        tok: Some(tok),
        tap: source.tap,
        schema: schema.clone(),
        specs: proj.specs,
        source_cols: proj.source_cols,
        nulls,
        batch: TextBatch {
            ncols,
            ..TextBatch::default()
        },
        used: 0,
        batch_rows: opts.batch_rows.max(1),
        skip_bad_rows: opts.skip_bad_rows,
        skipped: SkippedRows::default(),
    };
    Ok((schema, Box::new(reader)))
}

/// Header if some typed column's first cell does not fit that type; for all-text tables, if the
/// first row is distinct non-empty labels (the usual case for real files).
fn detect_header(first: &[Vec<u8>], guesses: &[TypeGuess], nulls: &NullTokens) -> bool {
    if first.iter().any(|c| nulls.is_null(c)) {
        return false;
    }
    let mut seen = std::collections::HashSet::new();
    if !first.iter().all(|c| seen.insert(c.as_slice())) {
        return false;
    }
    let mut typed = 0;
    for (cell, g) in first.iter().zip(guesses) {
        let ty = g.decide();
        if ty != super::cells::ColumnType::String {
            typed += 1;
            if !TypeGuess::accepts(ty, cell) {
                return true;
            }
        }
    }
    // Every typed column's first cell fits its type: data, unless nothing was typed at all.
    typed == 0
}

struct CsvBatches {
    path: PathBuf,
    tok: Option<Tokenizer>,
    tap: super::source::SourceTap,
    schema: SchemaRef,
    specs: Vec<ColumnSpec>,
    source_cols: Vec<usize>,
    nulls: NullTokens,
    batch: TextBatch,
    used: usize,
    batch_rows: usize,
    skip_bad_rows: bool,
    skipped: SkippedRows,
}

impl BatchSource for CsvBatches {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let Some(tok) = self.tok.as_mut() else {
            return Ok(None);
        };
        let ncols = self.batch.ncols;
        self.batch.clear();
        self.used = 0;
        while self.batch.rows() < self.batch_rows {
            let row_data = self.used;
            let row_ends = self.batch.ends.len();
            let Some(rec) = tok
                .next_record(&mut self.batch.data, &mut self.used, &mut self.batch.ends)
                .ctx(|| format!("reading {}", self.path.display()))?
            else {
                break;
            };
            if rec.fields == ncols {
                self.batch.lines.push(rec.line);
                continue;
            }
            // A blank line (one empty cell) is not a record: skip it, nothing is lost.
            let blank = rec.fields == 1 && self.used == row_data;
            // Undo the partial row before deciding what to do with it.
            self.used = row_data;
            self.batch.ends.truncate(row_ends);
            if blank {
                continue;
            }
            let message = format!("expected {ncols} fields, found {}", rec.fields);
            if self.skip_bad_rows {
                self.skipped.record(rec.line, &message);
            } else {
                return Err(DataError::bad_input(
                    &self.path,
                    format!(
                        "line {}: {message} (quote cells that contain the delimiter, or pass \
                         --skip-bad-rows to skip and count such rows)",
                        rec.line
                    ),
                ));
            }
        }
        if self.batch.rows() == 0 {
            self.tok = None;
            return Ok(None);
        }
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
        if let Some(mut tok) = this.tok {
            // Read to the end so the digest covers every byte of the file.
            std::io::copy(&mut tok.input, &mut std::io::sink())
                .ctx(|| format!("reading {}", this.path.display()))?;
        }
        this.tap.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n4,5,6\n", true, false), b',');
        assert_eq!(
            sniff_delimiter(b"a;b;c\n1,5;2;3\n4;5,5;6\n", true, false),
            b';'
        );
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n", true, false), b'\t');
        assert_eq!(sniff_delimiter(b"a|b|c\n1|2|3\n", true, false), b'|');
        // Commas inside quotes do not fool it.
        assert_eq!(
            sniff_delimiter(b"name;note\n\"Smith, J\";x\n\"Doe, A\";y\n", true, false),
            b';'
        );
        assert_eq!(sniff_delimiter(b"single\nrow\n", true, true), b'\t');
    }
}
