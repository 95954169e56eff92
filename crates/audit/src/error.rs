//! What can go wrong handling keys and the export.

use std::path::PathBuf;

/// Errors of the key file and the export folder. Tampering with the chain is not
/// an error: [`verify`](crate::verify) reports it as [`Problem`](crate::Problem)s.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A signing key anyone but its owner can read can no longer be trusted to
    /// have signed only what the platform signed.
    #[error("signing key {path} is readable by group or other (mode {mode:03o}); run `chmod 600 {path}` and consider the key compromised if others could read it")]
    KeyPermissions { path: PathBuf, mode: u32 },
    #[error("signing key {path} is not a 64-digit hex seed: {reason}")]
    KeyFormat { path: PathBuf, reason: String },
    #[error("verifying key {0:?} is not 64 hex digits of an Ed25519 public key")]
    VerifyingKey(String),
    /// The export is write-once: a different checkpoint with the same count, or a
    /// different verifying key, is refused instead of replacing what is there.
    #[error("{path} already exists with different content; the export is write-once and is not overwritten")]
    ExportConflict { path: PathBuf },
    #[error("export file {path} is unreadable: {reason}")]
    ExportCorrupt { path: PathBuf, reason: String },
}

impl AuditError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AuditError::Io { path: path.into(), source }
    }
}
