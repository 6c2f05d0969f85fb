//! Writers for CSV, Parquet and JSON Lines, and atomic file creation: every output appears
//! complete under its final name or not at all.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression as ParquetCompression;
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};

use crate::error::{Context, DataError, Result};
use crate::read::Format;

/// Rows per Parquet row group: large enough for good compression and scans, small enough that
/// the writer's buffer stays bounded whatever the input size.
pub const PARQUET_ROW_GROUP_ROWS: usize = 128 * 1024;

/// A file written under a temporary name in the target folder, then fsynced and renamed.
/// Dropped without [`AtomicFile::commit`], the temporary file is removed.
pub struct AtomicFile {
    tmp: PathBuf,
    target: PathBuf,
    file: File,
}

impl AtomicFile {
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(DataError::usage(format!(
                "{}: the folder {} does not exist",
                target.display(),
                dir.display()
            )));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = dir.join(format!(
            ".{name}.{}-{}.tmp",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let file = File::create(&tmp).ctx(|| format!("creating {}", tmp.display()))?;
        Ok(AtomicFile {
            tmp,
            target: target.to_path_buf(),
            file,
        })
    }

    /// The temporary file, to write into (also through a writer borrowing it).
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    pub fn commit(self) -> Result<()> {
        self.file
            .sync_all()
            .ctx(|| format!("writing {}", self.tmp.display()))?;
        fs::rename(&self.tmp, &self.target)
            .ctx(|| format!("renaming into {}", self.target.display()))?;
        sync_parent(&self.target);
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.tmp.exists() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Makes a rename durable. Best effort: not every platform can fsync a directory.
pub fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.file()
        .write_all(bytes)
        .ctx(|| format!("writing {}", path.display()))?;
    f.commit()
}

/// Passes bytes through while hashing them: the SHA-256 of a file as it is written.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    pub fn finish(self) -> (W, String, u64) {
        (self.inner, hex::encode(self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writer settings; `no_dictionary` names near-unique columns, where dictionary encoding only
/// costs time before Parquet falls back to plain encoding anyway.
pub fn parquet_properties(no_dictionary: &[String]) -> WriterProperties {
    let mut b = WriterProperties::builder();
    for c in no_dictionary {
        b = b.set_column_dictionary_enabled(
            parquet::schema::types::ColumnPath::from(c.as_str()),
            false,
        );
    }
    b.set_compression(ParquetCompression::SNAPPY)
        .set_max_row_group_row_count(Some(PARQUET_ROW_GROUP_ROWS))
        .set_created_by(format!("datalab {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Writer settings for a file some of whose columns are random-looking (tokens, ciphertexts):
/// neither dictionary encoding nor compression can gain anything there, so both are off for
/// those columns and on for the rest.
pub fn parquet_properties_random(random: &[String]) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(ParquetCompression::SNAPPY)
        .set_max_row_group_row_count(Some(PARQUET_ROW_GROUP_ROWS))
        .set_created_by(format!("datalab {}", env!("CARGO_PKG_VERSION")));
    for c in random {
        let path = parquet::schema::types::ColumnPath::from(c.as_str());
        b = b
            .set_column_dictionary_enabled(path.clone(), false)
            .set_column_compression(path, ParquetCompression::UNCOMPRESSED);
    }
    b.build()
}

/// Streams batches into one output format.
pub enum BatchWriter<W: Write + Send> {
    Csv(Box<arrow_csv::Writer<W>>),
    Parquet(Box<ArrowWriter<W>>),
    Jsonl(JsonlWriter<W>),
}

impl<W: Write + Send> BatchWriter<W> {
    pub fn new(format: Format, out: W, schema: &SchemaRef) -> Result<Self> {
        Ok(match format {
            Format::Csv => BatchWriter::Csv(Box::new(
                arrow_csv::WriterBuilder::new().with_header(true).build(out),
            )),
            Format::Parquet => BatchWriter::Parquet(Box::new(
                ArrowWriter::try_new(out, schema.clone(), Some(parquet_properties(&[])))
                    .ctx(|| "starting a Parquet file".to_string())?,
            )),
            Format::Jsonl => BatchWriter::Jsonl(JsonlWriter { out }),
        })
    }

    /// Like [`BatchWriter::new`], with Parquet columns `random` stored without dictionary
    /// or compression ([`parquet_properties_random`]).
    pub fn with_random_columns(
        format: Format,
        out: W,
        schema: &SchemaRef,
        random: &[String],
    ) -> Result<Self> {
        match format {
            Format::Parquet => Ok(BatchWriter::Parquet(Box::new(
                ArrowWriter::try_new(out, schema.clone(), Some(parquet_properties_random(random)))
                    .ctx(|| "starting a Parquet file".to_string())?,
            ))),
            other => Self::new(other, out, schema),
        }
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            BatchWriter::Csv(w) => w.write(batch).ctx(|| "writing CSV".to_string()),
            BatchWriter::Parquet(w) => w.write(batch).ctx(|| "writing Parquet".to_string()),
            BatchWriter::Jsonl(w) => w.write(batch),
        }
    }

    /// Flushes everything and returns the underlying writer.
    pub fn finish(self) -> Result<W> {
        match self {
            BatchWriter::Csv(w) => Ok((*w).into_inner()),
            BatchWriter::Parquet(w) => w.into_inner().ctx(|| "finishing Parquet".to_string()),
            BatchWriter::Jsonl(w) => Ok(w.out),
        }
    }
}

/// JSON Lines with keys in column order. Numbers and booleans stay JSON scalars; dates and
/// timestamps are ISO 8601 strings; nulls are `null`.
pub struct JsonlWriter<W> {
    out: W,
}

impl<W: Write> JsonlWriter<W> {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let schema = batch.schema();
        let opts = FormatOptions::default().with_null("null");
        let formatters: Vec<ArrayFormatter> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
            .collect::<std::result::Result<_, _>>()
            .ctx(|| "formatting JSON".to_string())?;
        let keys: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| serde_json::to_string(f.name()).unwrap_or_else(|_| "\"?\"".into()))
            .collect();
        let mut line = String::new();
        let mut cell = String::new();
        let io_err = |e: io::Error| DataError::Io {
            context: "writing JSON Lines".into(),
            source: e,
        };
        for row in 0..batch.num_rows() {
            line.clear();
            line.push('{');
            for (c, col) in batch.columns().iter().enumerate() {
                if c > 0 {
                    line.push(',');
                }
                line.push_str(&keys[c]);
                line.push(':');
                if col.is_null(row) {
                    line.push_str("null");
                    continue;
                }
                cell.clear();
                use std::fmt::Write as _;
                let _ = write!(cell, "{}", formatters[c].value(row));
                match col.data_type() {
                    DataType::Int8
                    | DataType::Int16
                    | DataType::Int32
                    | DataType::Int64
                    | DataType::UInt8
                    | DataType::UInt16
                    | DataType::UInt32
                    | DataType::UInt64
                    | DataType::Boolean => line.push_str(&cell),
                    DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                        if cell.parse::<f64>().is_ok_and(f64::is_finite) {
                            line.push_str(&cell);
                        } else {
                            line.push_str("null");
                        }
                    }
                    _ => line.push_str(&serde_json::to_string(&cell).unwrap_or_default()),
                }
            }
            line.push_str("}\n");
            self.out.write_all(line.as_bytes()).map_err(io_err)?;
        }
        Ok(())
    }
}

/// Writes batches to `path` in `format`, atomically.
pub fn write_file(
    path: &Path,
    format: Format,
    schema: &SchemaRef,
    batches: impl IntoIterator<Item = Result<RecordBatch>>,
) -> Result<u64> {
    let mut target = AtomicFile::create(path)?;
    let mut writer = BatchWriter::new(
        format,
        BufWriter::with_capacity(1 << 20, target.file()),
        schema,
    )?;
    let mut rows = 0u64;
    for batch in batches {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer.write(&batch)?;
    }
    let mut buf = writer.finish()?;
    buf.flush().ctx(|| format!("writing {}", path.display()))?;
    drop(buf);
    target.commit()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_file_leaves_nothing_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.file().write_all(b"half").unwrap();
        }
        assert!(!target.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        write_atomic(&target, b"whole").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"whole");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
