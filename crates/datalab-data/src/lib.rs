//! datalab-data: the foundation every other datalab crate builds on.
//!
//! - [`read`]: CSV/TSV, JSON Lines and Parquet readers (sniffing, type inference, streaming).
//! - [`write`]: CSV, Parquet and JSON Lines writers; every output is written atomically.
//! - [`container`]: immutable, versioned, hashed data containers with manifests.
//! - [`catalog`]: the SQLite index of containers in the lab home.
//! - [`provider`]: aggregate providers (grouped counts and sums over dictionary codes).
//! - [`demo`]: the deterministic synthetic patients table; [`identifiers`]: check digits.

pub mod catalog;
pub mod container;
pub mod demo;
pub mod error;
pub mod identifiers;
pub mod provider;
pub mod read;
pub mod write;

pub use container::{ColumnRole, Container, ContainerRef, LabHome, Manifest};
pub use error::{DataError, Result};
