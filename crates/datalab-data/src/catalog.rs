//! The catalog: a SQLite index in the lab home, the source of truth for which containers and
//! versions exist. Writers take SQLite's write lock up front (`BEGIN IMMEDIATE`), so concurrent
//! CLI invocations serialise instead of corrupting it; readers never block on WAL.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use crate::error::{Context, DataError, Result};

const SCHEMA_VERSION: i64 = 1;

/// One container version as the catalog records it.
#[derive(Clone, Debug, Serialize)]
pub struct ContainerRecord {
    pub id: String,
    pub name: String,
    pub version: u32,
    pub source_sha256: String,
    pub data_sha256: String,
    pub rows: u64,
    pub columns: u64,
    pub imported_at: String,
    /// Folder of this version, relative to the lab home.
    pub dir: String,
    #[serde(skip)]
    pub manifest_json: String,
}

pub struct Catalog {
    conn: Connection,
    path: PathBuf,
}

const COLUMNS: &str =
    "id, name, version, source_sha256, data_sha256, rows, columns, imported_at, dir, manifest_json";

fn record(row: &rusqlite::Row<'_>) -> rusqlite::Result<ContainerRecord> {
    Ok(ContainerRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        version: row.get(2)?,
        source_sha256: row.get(3)?,
        data_sha256: row.get(4)?,
        rows: row.get::<_, i64>(5)? as u64,
        columns: row.get::<_, i64>(6)? as u64,
        imported_at: row.get(7)?,
        dir: row.get(8)?,
        manifest_json: row.get(9)?,
    })
}

impl Catalog {
    pub fn open(path: &Path) -> Result<Catalog> {
        let conn = Connection::open(path).ctx(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(120))
            .ctx(|| "setting the busy timeout".to_string())?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .ctx(|| "enabling WAL".to_string())?;
        conn.pragma_update(None, "synchronous", "FULL")
            .ctx(|| "setting synchronous".to_string())?;
        let mut cat = Catalog {
            conn,
            path: path.to_path_buf(),
        };
        cat.migrate()?;
        Ok(cat)
    }

    fn migrate(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(|| "starting migration".to_string())?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .ctx(|| "reading schema version".to_string())?;
        if version > SCHEMA_VERSION {
            return Err(DataError::Integrity(format!(
                "the catalog {} was written by a newer datalab (schema {version}); upgrade datalab",
                self.path.display()
            )));
        }
        if version < 1 {
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS containers (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL CHECK (version >= 1),
                    source_sha256 TEXT NOT NULL,
                    data_sha256 TEXT NOT NULL,
                    rows INTEGER NOT NULL,
                    columns INTEGER NOT NULL,
                    imported_at TEXT NOT NULL,
                    dir TEXT NOT NULL UNIQUE,
                    manifest_json TEXT NOT NULL,
                    UNIQUE (name, version)
                 );
                 CREATE INDEX IF NOT EXISTS containers_data ON containers (data_sha256);
                 PRAGMA user_version = 1;",
            )
            .ctx(|| "creating tables".to_string())?;
        }
        tx.commit().ctx(|| "committing migration".to_string())
    }

    /// Starts a write transaction holding the catalog's write lock until commit or drop.
    pub fn begin_write(&mut self) -> Result<Transaction<'_>> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(|| "locking for write".to_string())
    }

    pub fn list(&self) -> Result<Vec<ContainerRecord>> {
        query_all(
            &self.conn,
            &format!("SELECT {COLUMNS} FROM containers ORDER BY name, version"),
            [],
        )
    }

    pub fn versions(&self, name: &str) -> Result<Vec<ContainerRecord>> {
        versions(&self.conn, name)
    }

    /// The named version, or the latest when `version` is None.
    pub fn get(&self, name: &str, version: Option<u32>) -> Result<ContainerRecord> {
        let found = match version {
            Some(v) => self
                .conn
                .query_row(
                    &format!("SELECT {COLUMNS} FROM containers WHERE name = ?1 AND version = ?2"),
                    params![name, v],
                    record,
                )
                .optional(),
            None => self
                .conn
                .query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM containers WHERE name = ?1 ORDER BY version DESC LIMIT 1"
                    ),
                    params![name],
                    record,
                )
                .optional(),
        }
        .ctx(|| format!("looking up {name}"))?;
        found.ok_or_else(|| {
            let known = self.versions(name).map(|v| v.len()).unwrap_or(0);
            match (version, known) {
                (Some(v), n) if n > 0 => DataError::NotFound(format!(
                    "container '{name}' has no version {v} (it has versions 1 to {n})"
                )),
                _ => DataError::NotFound(format!(
                    "no container named '{name}'; `datalab list` shows what is in the lab"
                )),
            }
        })
    }
}

pub(crate) fn versions(conn: &Connection, name: &str) -> Result<Vec<ContainerRecord>> {
    query_all(
        conn,
        &format!("SELECT {COLUMNS} FROM containers WHERE name = ?1 ORDER BY version"),
        params![name],
    )
}

fn query_all(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<ContainerRecord>> {
    let mut stmt = conn.prepare(sql).ctx(|| "preparing query".to_string())?;
    let rows = stmt
        .query_map(p, record)
        .ctx(|| "querying containers".to_string())?
        .collect::<rusqlite::Result<Vec<_>>>()
        .ctx(|| "reading containers".to_string())?;
    Ok(rows)
}

/// Looks for a stored version with this data hash (any name), to avoid storing bytes twice.
pub(crate) fn find_by_data(conn: &Connection, data_sha256: &str) -> Result<Vec<ContainerRecord>> {
    query_all(
        conn,
        &format!("SELECT {COLUMNS} FROM containers WHERE data_sha256 = ?1 ORDER BY name, version"),
        params![data_sha256],
    )
}

pub(crate) fn insert(conn: &Connection, r: &ContainerRecord) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO containers ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ),
        params![
            r.id,
            r.name,
            r.version,
            r.source_sha256,
            r.data_sha256,
            r.rows as i64,
            r.columns as i64,
            r.imported_at,
            r.dir,
            r.manifest_json
        ],
    )
    .ctx(|| format!("recording {}@{}", r.name, r.version))?;
    Ok(())
}
