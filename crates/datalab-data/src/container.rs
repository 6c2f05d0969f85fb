//! Data containers: an imported file stored as Parquet with a JSON manifest, immutable and
//! versioned, indexed by the catalog.
//!
//! Layout of the lab home:
//! ```text
//! $DATALAB_HOME/catalog.sqlite                  which containers and versions exist
//! $DATALAB_HOME/containers/NAME/vN/data.parquet the data
//! $DATALAB_HOME/containers/NAME/vN/manifest.json the human-readable manifest
//! $DATALAB_HOME/staging/                        imports in progress (never visible)
//! ```
//! An import writes into a private staging folder, then — holding the catalog's write lock —
//! renames it into place and records it. A killed import leaves only a staging folder, which
//! the next run removes; the catalog never names a half-written container.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde::{Deserialize, Serialize};

use crate::catalog::{self, Catalog, ContainerRecord};
use crate::error::{Context, DataError, Result};
use crate::read::{ReadOptions, ReadReport, SkippedRows, open_table};
use crate::write::{HashingWriter, parquet_properties, sync_parent, write_atomic};

pub const MANIFEST_VERSION: u32 = 1;
pub const DATA_FILE: &str = "data.parquet";
pub const MANIFEST_FILE: &str = "manifest.json";

/// The roles a column can play, one vocabulary across datalab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    Identifier,
    QuasiIdentifier,
    Sensitive,
    Insensitive,
    Subject,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub nullable: bool,
    /// Unset at import; set by assessment or the user.
    pub role: Option<ColumnRole>,
    pub description: Option<String>,
    pub unit: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct DescriptiveMetadata {
    pub description: Option<String>,
    pub license: Option<String>,
    pub publisher: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SourceInfo {
    pub file_name: String,
    pub sha256: String,
    pub bytes: u64,
    /// How the file was read: format, compression, encoding, delimiter, header, null tokens.
    pub read: serde_json::Value,
    pub skipped_rows: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DataInfo {
    pub file: String,
    pub format: String,
    pub compression: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// The manifest beside every stored Parquet file. Its schema is documented in docs/containers.md.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub manifest_version: u32,
    pub id: String,
    pub name: String,
    pub version: u32,
    pub rows: u64,
    pub columns: u64,
    pub schema: Vec<ColumnInfo>,
    pub source: SourceInfo,
    pub data: DataInfo,
    pub imported_at: String,
    pub tool: ToolInfo,
    pub metadata: DescriptiveMetadata,
    /// Set when this version was made from another one without new data (e.g. roles recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<DerivedFrom>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DerivedFrom {
    pub version: u32,
    pub id: String,
    pub change: String,
}

/// Short, stable type names for manifests and listings.
pub fn type_name(dt: &DataType) -> String {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => "integer".into(),
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
            "integer".into()
        }
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "float".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, None) => "timestamp".into(),
        DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) if tz.as_ref() == "UTC" => {
            "timestamp_utc".into()
        }
        other => other.to_string().to_ascii_lowercase(),
    }
}

/// The lab's folder: `--home`, else `$DATALAB_HOME`, else `./.datalab`.
#[derive(Clone, Debug)]
pub struct LabHome {
    root: PathBuf,
}

impl LabHome {
    pub fn new(root: impl Into<PathBuf>) -> LabHome {
        LabHome { root: root.into() }
    }

    pub fn from_env() -> LabHome {
        match std::env::var_os("DATALAB_HOME") {
            Some(p) if !p.is_empty() => LabHome::new(p),
            _ => LabHome::new(".datalab"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn containers(&self) -> PathBuf {
        self.root.join("containers")
    }

    fn staging(&self) -> PathBuf {
        self.root.join("staging")
    }

    /// Opens (creating on first use) the lab home and its catalog.
    pub fn catalog(&self) -> Result<Catalog> {
        fs::create_dir_all(self.containers())
            .ctx(|| format!("creating lab home {}", self.root.display()))?;
        fs::create_dir_all(self.staging())
            .ctx(|| format!("creating lab home {}", self.root.display()))?;
        Catalog::open(&self.root.join("catalog.sqlite"))
    }

    pub fn version_dir(&self, rec: &ContainerRecord) -> PathBuf {
        self.root.join(&rec.dir)
    }

    /// Removes staging folders left by imports whose process no longer runs.
    fn sweep_staging(&self) {
        let Ok(entries) = fs::read_dir(self.staging()) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let pid = name
                .strip_prefix("import-")
                .and_then(|r| r.split('-').next())
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(pid) = pid
                && pid != std::process::id()
                && !process_alive(pid)
            {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

#[cfg(target_os = "linux")]
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: u32) -> bool {
    // Without a cheap liveness check, keep the folder: a leftover costs disk, not correctness.
    true
}

/// Container names are path components and CLI tokens: keep them plain.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(DataError::usage(format!(
            "invalid container name '{name}': use 1–128 letters, digits, '_', '-' or '.', starting \
             with a letter or digit"
        )))
    }
}

/// A default name from a file name: `Patients 2024.csv.gz` → `Patients_2024`.
pub fn name_from_path(path: &Path) -> String {
    let mut stem = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in [
        ".gz", ".csv", ".tsv", ".txt", ".tab", ".parquet", ".pq", ".jsonl", ".ndjson", ".json",
    ] {
        if stem.to_ascii_lowercase().ends_with(ext) && stem.len() > ext.len() {
            stem.truncate(stem.len() - ext.len());
        }
    }
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.is_empty() {
        "data".into()
    } else {
        trimmed.chars().take(128).collect()
    }
}

/// `NAME` or `NAME@VERSION`.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerRef {
    pub name: String,
    pub version: Option<u32>,
}

impl std::str::FromStr for ContainerRef {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self> {
        let (name, version) = match s.split_once('@') {
            Some((n, v)) => {
                let v: u32 = v.parse().ok().filter(|v| *v >= 1).ok_or_else(|| {
                    DataError::usage(format!(
                        "'{s}': the version after '@' must be a number from 1"
                    ))
                })?;
                (n, Some(v))
            }
            None => (s, None),
        };
        validate_name(name)?;
        Ok(ContainerRef {
            name: name.to_string(),
            version,
        })
    }
}

impl std::fmt::Display for ContainerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.version {
            Some(v) => write!(f, "{}@{v}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

pub struct ImportRequest {
    pub path: PathBuf,
    pub name: Option<String>,
    pub metadata: DescriptiveMetadata,
    pub read: ReadOptions,
}

#[derive(Debug, Serialize)]
pub struct ImportOutcome {
    pub manifest: Manifest,
    /// False when identical data was already stored under this name: nothing new was written.
    pub created: bool,
    pub previous_version: Option<u32>,
    pub skipped: SkippedRows,
    pub warnings: Vec<String>,
}

/// Hook for tests of interrupted runs (imports, releases): with `DATALAB_TEST_STALL_AT=<point>`, the run
/// announces the point on stderr and waits there until killed.
pub fn stall_point(point: &str) {
    if std::env::var("DATALAB_TEST_STALL_AT").is_ok_and(|p| p == point) {
        eprintln!("datalab: stalled at {point}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}

/// Progress callback: (input bytes read, input file size).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Imports a file as a new container version (or recognises it as already stored).
pub fn import(
    home: &LabHome,
    req: &ImportRequest,
    progress: Progress<'_>,
) -> Result<ImportOutcome> {
    let name = match &req.name {
        Some(n) => n.clone(),
        None => name_from_path(&req.path),
    };
    validate_name(&name)?;
    // Open the input before touching the lab, so a bad file leaves no trace.
    let mut reader = open_table(&req.path, &req.read)?;
    let mut cat = home.catalog()?;
    home.sweep_staging();

    let staging = home.staging().join(format!(
        "import-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    fs::create_dir(&staging).ctx(|| format!("creating {}", staging.display()))?;
    let result = (|| {
        let stored = store_parquet(&mut reader, &staging.join(DATA_FILE), progress)?;
        let schema = reader.schema.clone();
        let report = reader.report.clone();
        let (digest, skipped) = reader.finish()?;
        stall_point("before-commit");
        commit(
            home, &mut cat, &name, req, &staging, schema, report, digest, skipped, stored,
        )
    })();
    if staging.exists() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

struct StoredData {
    rows: u64,
    sha256: String,
    bytes: u64,
}

/// Streams the reader into a Parquet file: parsing on this thread, encoding on another.
fn store_parquet(
    reader: &mut crate::read::TableReader,
    out: &Path,
    progress: Progress<'_>,
) -> Result<StoredData> {
    let file = File::create(out).ctx(|| format!("creating {}", out.display()))?;
    let schema = reader.schema.clone();
    let total = reader.file_bytes;
    let props = parquet_properties(&reader.report.high_cardinality_columns);
    let (tx, rx) = sync_channel::<RecordBatch>(2);
    let out_path = out.to_path_buf();
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<(String, u64)> {
            let sink = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
            let mut w = ArrowWriter::try_new(sink, schema, Some(props))
                .ctx(|| "starting the Parquet file".to_string())?;
            let mut first = true;
            for batch in rx {
                w.write(&batch)
                    .ctx(|| format!("writing {}", out_path.display()))?;
                if first {
                    first = false;
                    stall_point("mid-data");
                }
            }
            let sink = w
                .into_inner()
                .ctx(|| format!("finishing {}", out_path.display()))?;
            let (buf, sha, bytes) = sink.finish();
            let file = buf.into_inner().map_err(|e| DataError::Io {
                context: format!("writing {}", out_path.display()),
                source: e.into_error(),
            })?;
            file.sync_all()
                .ctx(|| format!("syncing {}", out_path.display()))?;
            Ok((sha, bytes))
        });
        let mut rows = 0u64;
        let mut read_err = None;
        loop {
            match reader.next_batch() {
                Ok(Some(batch)) => {
                    rows += batch.num_rows() as u64;
                    progress(reader.bytes_read(), total);
                    if tx.send(batch).is_err() {
                        break; // the writer failed; its error is reported below
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    read_err = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        let written = writer
            .join()
            .map_err(|_| DataError::Integrity("the Parquet writer thread panicked".into()))?;
        if let Some(e) = read_err {
            return Err(e);
        }
        let (sha256, bytes) = written?;
        if rows == 0 {
            return Err(DataError::bad_input(&reader.path, "no data rows were read"));
        }
        Ok(StoredData {
            rows,
            sha256,
            bytes,
        })
    })
}

#[allow(clippy::too_many_arguments)]
fn commit(
    home: &LabHome,
    cat: &mut Catalog,
    name: &str,
    req: &ImportRequest,
    staging: &Path,
    schema: SchemaRef,
    report: ReadReport,
    digest: crate::read::SourceDigest,
    skipped: SkippedRows,
    stored: StoredData,
) -> Result<ImportOutcome> {
    let tx = cat.begin_write()?;
    let existing = catalog::versions(&tx, name)?;
    let previous_version = existing.last().map(|r| r.version);
    let warnings = report.warnings.clone();
    // Same source bytes read into the same data: nothing new to store.
    if let Some(same) = existing
        .iter()
        .find(|r| r.source_sha256 == digest.sha256 && r.data_sha256 == stored.sha256)
    {
        let manifest: Manifest = serde_json::from_str(&same.manifest_json).map_err(|e| {
            DataError::Integrity(format!("catalog entry {name}@{}: {e}", same.version))
        })?;
        return Ok(ImportOutcome {
            manifest,
            created: false,
            previous_version,
            skipped,
            warnings,
        });
    }
    let version = previous_version.unwrap_or(0) + 1;

    // Identical data stored under another name: share the file instead of a second copy.
    for other in catalog::find_by_data(&tx, &stored.sha256)? {
        let src = home.version_dir(&other).join(DATA_FILE);
        let staged = staging.join(DATA_FILE);
        let linked = staging.join("data.link");
        if fs::hard_link(&src, &linked).is_ok() {
            fs::rename(&linked, &staged).ctx(|| format!("linking {}", staged.display()))?;
            break;
        }
    }

    let file_name = req
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION,
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_string(),
        version,
        rows: stored.rows,
        columns: schema.fields().len() as u64,
        schema: schema
            .fields()
            .iter()
            .map(|f| ColumnInfo {
                name: f.name().clone(),
                ty: type_name(f.data_type()),
                nullable: f.is_nullable(),
                role: None,
                description: None,
                unit: None,
            })
            .collect(),
        source: SourceInfo {
            file_name,
            sha256: digest.sha256.clone(),
            bytes: digest.bytes,
            read: serde_json::to_value(&report).unwrap_or(serde_json::Value::Null),
            skipped_rows: skipped.count,
        },
        data: DataInfo {
            file: DATA_FILE.into(),
            format: "parquet".into(),
            compression: "snappy".into(),
            sha256: stored.sha256.clone(),
            bytes: stored.bytes,
        },
        imported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        tool: ToolInfo {
            name: "datalab".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        metadata: req.metadata.clone(),
        derived_from: None,
    };
    publish(home, tx, staging, &manifest, &digest.sha256)?;
    Ok(ImportOutcome {
        manifest,
        created: true,
        previous_version,
        skipped,
        warnings,
    })
}

/// Makes a staged folder (holding `data.parquet`) the container version `manifest` describes:
/// writes the manifest, moves the folder into place and records it, all under the catalog's
/// write lock held by `tx`. On failure nothing becomes visible.
fn publish(
    home: &LabHome,
    tx: rusqlite::Transaction<'_>,
    staging: &Path,
    manifest: &Manifest,
    source_sha256: &str,
) -> Result<()> {
    let (name, version) = (manifest.name.as_str(), manifest.version);
    let dir_rel = format!("containers/{name}/v{version}");
    let final_dir = home.root().join(&dir_rel);
    let manifest_json = serde_json::to_string_pretty(manifest)
        .map_err(|e| DataError::Integrity(format!("serialising the manifest: {e}")))?;
    write_atomic(&staging.join(MANIFEST_FILE), manifest_json.as_bytes())?;

    let parent = final_dir.parent().unwrap_or(home.root()).to_path_buf();
    fs::create_dir_all(&parent).ctx(|| format!("creating {}", parent.display()))?;
    if final_dir.exists() {
        // Left by an import killed after the rename but before the catalog commit: the catalog
        // (which we hold locked) says this version does not exist, so the folder is an orphan.
        fs::remove_dir_all(&final_dir)
            .ctx(|| format!("removing orphan {}", final_dir.display()))?;
    }
    fs::rename(staging, &final_dir)
        .ctx(|| format!("moving the container into {}", final_dir.display()))?;
    sync_parent(&final_dir);
    stall_point("after-rename");

    let rec = ContainerRecord {
        id: manifest.id.clone(),
        name: name.to_string(),
        version,
        source_sha256: source_sha256.to_string(),
        data_sha256: manifest.data.sha256.clone(),
        rows: manifest.rows,
        columns: manifest.columns,
        imported_at: manifest.imported_at.clone(),
        dir: dir_rel,
        manifest_json,
    };
    let recorded = catalog::insert(&tx, &rec)
        .and_then(|_| tx.commit().ctx(|| format!("committing {name}@{version}")));
    if let Err(e) = recorded {
        let _ = fs::remove_dir_all(&final_dir);
        return Err(e);
    }
    make_read_only(&final_dir.join(DATA_FILE));
    make_read_only(&final_dir.join(MANIFEST_FILE));
    Ok(())
}

/// Records column roles as a new version of a container: same data (shared, not copied), a
/// manifest whose schema carries the roles, `derived_from` naming the version it came from.
/// Columns not named keep their current role. Unknown columns are a usage error.
pub fn set_roles(
    home: &LabHome,
    r: &ContainerRef,
    roles: &[(String, ColumnRole)],
) -> Result<Manifest> {
    let base = Container::open(home, r)?;
    for (col, _) in roles {
        if !base.manifest.schema.iter().any(|c| &c.name == col) {
            return Err(DataError::usage(format!(
                "{}@{} has no column '{col}'; its columns are: {}",
                base.record.name,
                base.record.version,
                base.manifest
                    .schema
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let mut cat = home.catalog()?;
    home.sweep_staging();
    let staging = home.staging().join(format!(
        "import-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    fs::create_dir(&staging).ctx(|| format!("creating {}", staging.display()))?;
    let result = (|| {
        let src = base.data_path();
        let dst = staging.join(DATA_FILE);
        if fs::hard_link(&src, &dst).is_err() {
            fs::copy(&src, &dst).ctx(|| format!("copying {}", src.display()))?;
        }
        let tx = cat.begin_write()?;
        let latest = catalog::versions(&tx, &base.record.name)?
            .last()
            .map(|v| v.version)
            .unwrap_or(base.record.version);
        let mut m = base.manifest.clone();
        for c in &mut m.schema {
            if let Some((_, role)) = roles.iter().find(|(n, _)| *n == c.name) {
                c.role = Some(*role);
            }
        }
        m.derived_from = Some(DerivedFrom {
            version: base.record.version,
            id: base.manifest.id.clone(),
            change: "column roles recorded".into(),
        });
        m.id = uuid::Uuid::new_v4().to_string();
        m.version = latest + 1;
        m.imported_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        publish(home, tx, &staging, &m, &base.record.source_sha256)?;
        Ok(m)
    })();
    if staging.exists() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// Containers are immutable; read-only files make accidental edits fail loudly.
fn make_read_only(path: &Path) {
    if let Ok(meta) = fs::metadata(path) {
        let mut perm = meta.permissions();
        perm.set_readonly(true);
        let _ = fs::set_permissions(path, perm);
    }
}

/// A stored container version, opened for reading.
pub struct Container {
    pub record: ContainerRecord,
    pub manifest: Manifest,
    pub dir: PathBuf,
}

impl Container {
    pub fn open(home: &LabHome, r: &ContainerRef) -> Result<Container> {
        let cat = home.catalog()?;
        let record = cat.get(&r.name, r.version)?;
        let dir = home.version_dir(&record);
        let manifest: Manifest = serde_json::from_str(&record.manifest_json).map_err(|e| {
            DataError::Integrity(format!(
                "catalog entry {}@{}: {e}",
                record.name, record.version
            ))
        })?;
        Ok(Container {
            record,
            manifest,
            dir,
        })
    }

    pub fn data_path(&self) -> PathBuf {
        self.dir.join(DATA_FILE)
    }

    /// The streaming aggregate provider over this version's data.
    pub fn provider(&self) -> Result<crate::provider::ParquetProvider> {
        crate::provider::ParquetProvider::open(&self.data_path())
    }

    /// Streams the stored data; `columns` restricts to those columns (by name).
    pub fn reader(
        &self,
        batch_rows: usize,
        columns: Option<&[String]>,
    ) -> Result<ParquetRecordBatchReader> {
        let path = self.data_path();
        let file = File::open(&path).map_err(|e| {
            DataError::Integrity(format!(
                "{}@{}: cannot open {}: {e}; run `datalab verify-container {}`",
                self.record.name,
                self.record.version,
                path.display(),
                self.record.name
            ))
        })?;
        let mut builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .ctx(|| format!("reading {}", path.display()))?
            .with_batch_size(batch_rows);
        if let Some(cols) = columns {
            let schema = builder.schema().clone();
            let mut idx = Vec::new();
            for c in cols {
                idx.push(schema.index_of(c).map_err(|_| {
                    let what = format!("{}@{}", self.record.name, self.record.version);
                    DataError::unknown_column(&what, c, &schema)
                })?);
            }
            let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), idx);
            builder = builder.with_projection(mask);
        }
        builder
            .build()
            .ctx(|| format!("reading {}", path.display()))
    }
}

/// What `verify-container` found for one version.
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub name: String,
    pub version: u32,
    pub ok: bool,
    pub problems: Vec<String>,
}

/// Recomputes the hashes and counts of every version of `r` (or just the one named).
pub fn verify(home: &LabHome, r: &ContainerRef) -> Result<Vec<VerifyReport>> {
    let cat = home.catalog()?;
    let records = match r.version {
        Some(v) => vec![cat.get(&r.name, Some(v))?],
        None => {
            let all = cat.versions(&r.name)?;
            if all.is_empty() {
                cat.get(&r.name, None)?; // produces the not-found error
            }
            all
        }
    };
    Ok(records.iter().map(|rec| verify_one(home, rec)).collect())
}

fn verify_one(home: &LabHome, rec: &ContainerRecord) -> VerifyReport {
    let mut problems = Vec::new();
    let dir = home.version_dir(rec);
    let recorded: Option<Manifest> = match serde_json::from_str(&rec.manifest_json) {
        Ok(m) => Some(m),
        Err(e) => {
            problems.push(format!(
                "the catalog's copy of the manifest is unreadable: {e}"
            ));
            None
        }
    };
    match fs::read(dir.join(MANIFEST_FILE)) {
        Err(e) => problems.push(format!("{}: {e}", dir.join(MANIFEST_FILE).display())),
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Err(e) => problems.push(format!("manifest.json is not a valid manifest: {e}")),
            Ok(m) => {
                if recorded.as_ref().is_some_and(|r| *r != m) {
                    problems.push(
                        "manifest.json differs from the manifest recorded in the catalog".into(),
                    );
                }
            }
        },
    }
    let data = dir.join(DATA_FILE);
    match crate::read::source::hash_file(&data) {
        Err(e) => problems.push(format!("cannot read the data: {e}")),
        Ok(d) => {
            if d.sha256 != rec.data_sha256 {
                problems.push(format!(
                    "data.parquet SHA-256 is {} but {} was recorded",
                    d.sha256, rec.data_sha256
                ));
            }
            if let Some(m) = &recorded
                && d.bytes != m.data.bytes
            {
                problems.push(format!(
                    "data.parquet is {} bytes but {} were recorded",
                    d.bytes, m.data.bytes
                ));
            }
        }
    }
    if problems.is_empty() {
        match File::open(&data)
            .map_err(|e| e.to_string())
            .and_then(|f| ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| e.to_string()))
        {
            Err(e) => problems.push(format!("data.parquet is not readable Parquet: {e}")),
            Ok(b) => {
                let rows = b.metadata().file_metadata().num_rows() as u64;
                let cols = b.schema().fields().len() as u64;
                if rows != rec.rows || cols != rec.columns {
                    problems.push(format!(
                        "data.parquet has {rows} rows × {cols} columns; {} × {} were recorded",
                        rec.rows, rec.columns
                    ));
                }
            }
        }
    }
    VerifyReport {
        name: rec.name.clone(),
        version: rec.version,
        ok: problems.is_empty(),
        problems,
    }
}
