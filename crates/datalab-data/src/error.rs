//! One error type for the data layer. Every variant carries enough context (file, line, column,
//! option) for a user to find and fix the problem without reading code.

use std::path::PathBuf;

pub type Result<T, E = DataError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The user asked for something impossible (bad option value, unknown column, bad name).
    /// The CLI maps this to exit code 2.
    #[error("{0}")]
    Usage(String),

    /// The input file cannot be read as data: the message names file and line.
    #[error("{path}: {message}")]
    BadInput { path: PathBuf, message: String },

    /// A cell does not fit its column's type.
    #[error("{path}: line {line}, column '{column}': {message}")]
    BadCell {
        path: PathBuf,
        line: u64,
        column: String,
        message: String,
    },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{context}: {source}")]
    Arrow {
        context: String,
        #[source]
        source: arrow_schema::ArrowError,
    },

    #[error("{context}: {source}")]
    Parquet {
        context: String,
        #[source]
        source: parquet::errors::ParquetError,
    },

    #[error("catalog {context}: {source}")]
    Catalog {
        context: String,
        #[source]
        source: rusqlite::Error,
    },

    /// A container or version that the catalog does not know.
    #[error("{0}")]
    NotFound(String),

    /// Stored data no longer matches what was recorded (hash mismatch, missing file).
    #[error("{0}")]
    Integrity(String),
}

impl DataError {
    pub fn usage(msg: impl Into<String>) -> Self {
        DataError::Usage(msg.into())
    }

    pub fn bad_input(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        DataError::BadInput {
            path: path.into(),
            message: msg.into(),
        }
    }

    /// `what` has no column `column`: a usage error listing the columns it does have.
    pub fn unknown_column(what: &str, column: &str, schema: &arrow_schema::Schema) -> Self {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        DataError::usage(format!(
            "{what} has no column '{column}'; its columns are: {}",
            names.join(", ")
        ))
    }

    /// True when the mistake is in how datalab was called rather than in the data or the system.
    pub fn is_usage(&self) -> bool {
        matches!(self, DataError::Usage(_))
    }
}

/// Attaches a human context to low-level errors: `file.read().ctx(|| format!("reading {path}"))`.
pub trait Context<T> {
    fn ctx<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, std::io::Error> {
    fn ctx<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|source| DataError::Io {
            context: context().into(),
            source,
        })
    }
}

impl<T> Context<T> for std::result::Result<T, arrow_schema::ArrowError> {
    fn ctx<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|source| DataError::Arrow {
            context: context().into(),
            source,
        })
    }
}

impl<T> Context<T> for std::result::Result<T, parquet::errors::ParquetError> {
    fn ctx<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|source| DataError::Parquet {
            context: context().into(),
            source,
        })
    }
}

impl<T> Context<T> for std::result::Result<T, rusqlite::Error> {
    fn ctx<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|source| DataError::Catalog {
            context: context().into(),
            source,
        })
    }
}
