//! The store's error type. Backend-neutral: database errors are boxed so the
//! [`Store`](crate::Store) trait does not name any driver's types.

use std::path::PathBuf;

/// Anything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed; `op` says what the store was doing.
    #[error("database error while {op}: {source}")]
    Db {
        op: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A stored JSON document (finding, point definition, positions) did not round-trip.
    #[error("stored JSON is invalid ({what}): {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// The bytes in the archive no longer hash to their name: the archive was
    /// tampered with or damaged. The original is lost; treat as a security event.
    #[error("archived file {sha256} fails its SHA-256 check (content now hashes to {actual}); the archive was altered")]
    Tampered { sha256: String, actual: String },
    /// No archived file has this SHA-256.
    #[error("no archived file with SHA-256 {0}")]
    NotArchived(String),
    /// `finish_upload` / `record_rejects` / `append_readings` named a file id the store does not have.
    #[error("no stored upload with id {0}")]
    UnknownFile(i64),
    /// A retention policy would delete data the regulations require to be kept.
    #[error(
        "retention for {what} is {days} days, below the legal minimum of {minimum} days (AQ 6201); \
         set allow_below_minimum to override"
    )]
    BelowMinimum { what: &'static str, days: u32, minimum: u32 },
    /// The database was written by a newer minesafe (more migrations than this build knows).
    #[error("database schema version {found} is newer than this build supports ({known}); upgrade minesafe")]
    SchemaTooNew { found: i64, known: i64 },
    /// An argument was malformed (e.g. a SHA-256 that is not 64 hex digits).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// `begin` inside an open transaction, `commit` without one, and the like.
    #[error("transaction misuse: {0}")]
    Transaction(&'static str),
    /// The URL names a backend this build does not have.
    #[error("unsupported database URL {0:?}: use a SQLite file path (PostgreSQL is not built yet)")]
    Unsupported(String),
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io { path: path.into(), source }
    }
}
