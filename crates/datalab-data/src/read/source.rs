//! Opening input files: format and compression detection, source hashing while reading,
//! byte-order marks and the Latin-1 fallback.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Context, DataError, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Parquet,
    Jsonl,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" | "tab" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Jsonl => "jsonl",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    Latin1,
}

/// What the file is, from its name and its first bytes.
#[derive(Clone, Debug)]
pub struct Detected {
    pub format: Format,
    pub compression: Compression,
    /// `.tsv`/`.tab` files: a hint for delimiter sniffing.
    pub tab_hint: bool,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const PARQUET_MAGIC: &[u8] = b"PAR1";

/// Detects format and compression. The extension decides the format (so a user can see why),
/// magic bytes decide compression and catch Parquet or archives under a wrong name.
pub fn detect(path: &Path, format_override: Option<Format>) -> Result<Detected> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => DataError::usage(format!("{}: no such file", path.display())),
        _ => DataError::Io {
            context: format!("{}", path.display()),
            source: e,
        },
    })?;
    if meta.is_dir() {
        return Err(DataError::usage(format!(
            "{}: is a directory, not a file",
            path.display()
        )));
    }
    if meta.len() == 0 {
        return Err(DataError::bad_input(path, "the file is empty"));
    }
    let mut head = [0u8; 8];
    let n = read_up_to(
        &mut File::open(path).ctx(|| path.display().to_string())?,
        &mut head,
    )
    .ctx(|| path.display().to_string())?;
    let head = &head[..n];

    let compression = if head.starts_with(GZIP_MAGIC) {
        Compression::Gzip
    } else {
        for (magic, what) in [
            (&b"PK\x03\x04"[..], "a zip archive"),
            (&[0x28, 0xb5, 0x2f, 0xfd][..], "zstd-compressed"),
            (&b"BZh"[..], "bzip2-compressed"),
            (&[0xfd, b'7', b'z', b'X', b'Z'][..], "xz-compressed"),
        ] {
            if head.starts_with(magic) {
                return Err(DataError::bad_input(
                    path,
                    format!(
                        "the file is {what}; datalab reads plain or gzip-compressed files — unpack it first"
                    ),
                ));
            }
        }
        Compression::None
    };

    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = Path::new(stem)
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tab_hint = matches!(ext.as_str(), "tsv" | "tab");

    let format = match format_override {
        Some(f) => f,
        None if head.starts_with(PARQUET_MAGIC) => Format::Parquet,
        None => Format::parse(&ext).ok_or_else(|| {
            DataError::usage(format!(
                "{}: unknown file extension '{}'; datalab reads .csv, .tsv, .txt, .parquet, .jsonl and \
                 .ndjson (each optionally .gz) — pass --format csv|parquet|jsonl to say what the file is",
                path.display(),
                if ext.is_empty() { "(none)".to_string() } else { format!(".{ext}") }
            ))
        })?,
    };
    if format == Format::Parquet && compression == Compression::Gzip {
        return Err(DataError::bad_input(
            path,
            "gzip-compressed Parquet is not supported (Parquet compresses internally); unpack it first",
        ));
    }
    Ok(Detected {
        format,
        compression,
        tab_hint,
    })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// SHA-256 and size of the raw file bytes, as the reader consumed them.
#[derive(Clone, Debug)]
pub struct SourceDigest {
    pub sha256: String,
    pub bytes: u64,
}

/// Shared view of how far a source has been read: for progress bars and the final digest.
/// Hashing runs on its own thread so it does not slow the parser, which is the bottleneck.
#[derive(Clone, Default)]
pub struct SourceTap {
    bytes: Arc<AtomicU64>,
    hasher: Arc<Mutex<Option<HashWorker>>>,
}

struct HashWorker {
    tx: SyncSender<Option<Vec<u8>>>,
    handle: JoinHandle<Sha256>,
}

impl SourceTap {
    fn hashing() -> SourceTap {
        // Bounded: at most a few MiB of file bytes wait to be hashed.
        let (tx, rx) = sync_channel::<Option<Vec<u8>>>(16);
        let handle = std::thread::spawn(move || {
            let mut h = Sha256::new();
            while let Ok(Some(chunk)) = rx.recv() {
                h.update(&chunk);
            }
            h
        });
        SourceTap {
            bytes: Arc::default(),
            hasher: Arc::new(Mutex::new(Some(HashWorker { tx, handle }))),
        }
    }

    fn sender(&self) -> Option<SyncSender<Option<Vec<u8>>>> {
        self.hasher.lock().ok()?.as_ref().map(|w| w.tx.clone())
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The digest of everything read so far; call once, after reading to the end.
    pub fn finish(&self) -> Result<SourceDigest> {
        let worker = self
            .hasher
            .lock()
            .ok()
            .and_then(|mut h| h.take())
            .ok_or_else(|| DataError::Integrity("the source digest was not recorded".into()))?;
        let _ = worker.tx.send(None);
        let hasher = worker
            .handle
            .join()
            .map_err(|_| DataError::Integrity("the hashing thread failed".into()))?;
        Ok(SourceDigest {
            sha256: hex::encode(hasher.finalize()),
            bytes: self.bytes_read(),
        })
    }
}

/// Reads a file and passes a copy of every byte to the hashing thread.
struct TappedFile {
    file: File,
    bytes: Arc<AtomicU64>,
    hash: Option<SyncSender<Option<Vec<u8>>>>,
}

impl Read for TappedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        if n > 0
            && let Some(tx) = &self.hash
            && tx.send(Some(buf[..n].to_vec())).is_err()
        {
            return Err(io::Error::other("the hashing thread stopped"));
        }
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A decoded byte stream of a text file: decompressed, BOM removed, transcoded to UTF-8.
pub struct TextSource {
    pub reader: Box<dyn Read + Send>,
    pub tap: SourceTap,
    path: PathBuf,
}

impl TextSource {
    /// Reads whatever is left (so the digest covers the whole file) and returns the digest.
    pub fn finish(mut self) -> Result<SourceDigest> {
        io::copy(&mut self.reader, &mut io::sink()).ctx(|| self.path.display().to_string())?;
        self.tap.finish()
    }
}

/// Opens `path` as a text byte stream. With `hash`, the raw file bytes are hashed on the way.
pub fn open_text(
    path: &Path,
    compression: Compression,
    encoding: Encoding,
    hash: bool,
) -> Result<TextSource> {
    let file = File::open(path).ctx(|| format!("opening {}", path.display()))?;
    let tap = if hash {
        SourceTap::hashing()
    } else {
        SourceTap::default()
    };
    let raw = TappedFile {
        file,
        bytes: tap.bytes.clone(),
        hash: tap.sender(),
    };
    let decompressed: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            raw,
        ))),
    };
    let mut reader: Box<dyn Read + Send> = Box::new(SkipBom::new(decompressed));
    if encoding == Encoding::Latin1 {
        reader = Box::new(Latin1ToUtf8::new(reader));
    }
    Ok(TextSource {
        reader,
        tap,
        path: path.to_path_buf(),
    })
}

/// Hashes a whole file (used for Parquet inputs, which are read with seeks).
pub fn hash_file(path: &Path) -> Result<SourceDigest> {
    let mut f = File::open(path).ctx(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .ctx(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(SourceDigest {
        sha256: hex::encode(h.finalize()),
        bytes,
    })
}

/// Drops a UTF-8 byte-order mark at the start of the stream.
struct SkipBom<R> {
    inner: R,
    checked: bool,
    pending: Vec<u8>,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> Self {
        SkipBom {
            inner,
            checked: false,
            pending: Vec::new(),
        }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            self.checked = true;
            let mut head = [0u8; 3];
            let n = read_up_to(&mut self.inner, &mut head)?;
            if &head[..n] != b"\xEF\xBB\xBF" {
                self.pending.extend_from_slice(&head[..n]);
            }
        }
        if !self.pending.is_empty() {
            let n = self.pending.len().min(buf.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// ISO-8859-1 → UTF-8: every byte ≥ 0x80 is the code point of the same value.
struct Latin1ToUtf8<R> {
    inner: R,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
}

impl<R: Read> Latin1ToUtf8<R> {
    fn new(inner: R) -> Self {
        Latin1ToUtf8 {
            inner,
            raw: vec![0; 1 << 16],
            out: Vec::with_capacity(1 << 17),
            pos: 0,
        }
    }
}

impl<R: Read> Read for Latin1ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.out.len() {
            let n = loop {
                match self.inner.read(&mut self.raw) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    r => break r?,
                }
            };
            if n == 0 {
                return Ok(0);
            }
            self.out.clear();
            self.pos = 0;
            for &b in &self.raw[..n] {
                if b < 0x80 {
                    self.out.push(b);
                } else {
                    self.out.push(0xC0 | (b >> 6));
                    self.out.push(0x80 | (b & 0x3F));
                }
            }
        }
        let n = (self.out.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads up to `limit` decoded bytes from the start of the file (for sniffing).
pub fn sample_text(path: &Path, compression: Compression, limit: usize) -> Result<Vec<u8>> {
    let src = open_text(path, compression, Encoding::Utf8, false)?;
    let mut buf = vec![0u8; limit];
    let mut reader = src.reader;
    let n = read_up_to(&mut reader, &mut buf).map_err(|e| {
        DataError::bad_input(path, format!("cannot read the start of the file: {e}"))
    })?;
    buf.truncate(n);
    Ok(buf)
}

/// True when `sample` is UTF-8, allowing a multi-byte character cut off at the very end.
pub fn looks_utf8(sample: &[u8], complete: bool) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => !complete && e.error_len().is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_transcodes() {
        let mut r = Latin1ToUtf8::new(&b"caf\xe9 \xc5"[..]);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "café Å");
    }

    #[test]
    fn bom_is_skipped_once() {
        let mut r = SkipBom::new(&b"\xEF\xBB\xBFa,b\n\xEF\xBB\xBF"[..]);
        let mut v = Vec::new();
        r.read_to_end(&mut v).unwrap();
        assert_eq!(v, b"a,b\n\xEF\xBB\xBF");
        let mut r = SkipBom::new(&b"ab"[..]);
        let mut v = Vec::new();
        r.read_to_end(&mut v).unwrap();
        assert_eq!(v, b"ab");
    }
}
