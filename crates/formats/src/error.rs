//! Errors with a place (file, record, field) and a named reason.

use std::fmt;

/// Why a file was rejected as a whole. Each variant is a named reason that
/// operators can count and search for (`reason_code`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileError {
    #[error("file name is not <mine code>_<TYPE>_<yyyyMMddHHmmss>.txt: {0}")]
    BadName(String),
    #[error("unknown file type {0:?}")]
    UnknownType(String),
    #[error("legacy G1 format: {0}")]
    LegacyG1(String),
    #[error("incomplete file: it does not end with `||` (still being written or transferred?)")]
    Incomplete,
    #[error("empty file")]
    Empty,
    #[error("file too large: {size} bytes (limit {limit})")]
    TooLarge { size: usize, limit: usize },
    #[error("not decodable as UTF-8 or GB18030")]
    Encoding,
    #[error("garbage bytes in the file: {0}")]
    Garbage(String),
    #[error("bad header: {0}")]
    BadHeader(String),
    #[error("header mine code {header} differs from the file-name mine code {name}")]
    MineMismatch { header: String, name: String },
    #[error("header time {header} is {ahead_secs} s ahead of the newest upload seen ({newest})")]
    FutureTime { header: String, newest: String, ahead_secs: i64 },
    #[error("{bad} of {total} records are bad (more than {limit_pct} %): file rejected")]
    TooManyBadRecords { bad: usize, total: usize, limit_pct: u32 },
}

impl FileError {
    /// A short stable code for counting and filtering.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::BadName(_) => "bad_name",
            Self::UnknownType(_) => "unknown_type",
            Self::LegacyG1(_) => "legacy_g1_format",
            Self::Incomplete => "incomplete",
            Self::Empty => "empty",
            Self::TooLarge { .. } => "too_large",
            Self::Encoding => "encoding",
            Self::Garbage(_) => "garbage_bytes",
            Self::BadHeader(_) => "bad_header",
            Self::MineMismatch { .. } => "mine_code_mismatch",
            Self::FutureTime { .. } => "header_time_in_future",
            Self::TooManyBadRecords { .. } => "too_many_bad_records",
        }
    }
}

/// A field that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// 1-based field position, as the format spec numbers them.
    pub field: usize,
    pub name: &'static str,
    pub detail: String,
}

impl FieldError {
    pub fn new(field: usize, name: &'static str, detail: impl Into<String>) -> Self {
        FieldError { field, name, detail: detail.into() }
    }
}

/// Why one record was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// A full-width `；` where `;` belongs.
    FullWidthSeparator,
    /// Wrong number of fields.
    FieldCount { expected: usize, got: usize },
    /// A field that does not parse.
    BadField(FieldError),
    /// Control characters or undecodable bytes inside the record.
    Garbage,
    /// The record's own time is far ahead of the file's upload time.
    ClockSkew { ahead_secs: i64 },
    /// The same key twice in one file.
    Duplicate,
}

impl RejectReason {
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::FullWidthSeparator => "full_width_separator",
            Self::FieldCount { .. } => "field_count",
            Self::BadField(_) => "bad_field",
            Self::Garbage => "garbage_bytes",
            Self::ClockSkew { .. } => "clock_skew",
            Self::Duplicate => "duplicate",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FullWidthSeparator => write!(f, "full-width separator `；` instead of `;`"),
            Self::FieldCount { expected, got } => write!(f, "{got} fields, expected {expected}"),
            Self::BadField(e) => write!(f, "field {} ({}): {}", e.field, e.name, e.detail),
            Self::Garbage => write!(f, "garbage bytes (control or undecodable characters)"),
            Self::ClockSkew { ahead_secs } => write!(f, "record time {ahead_secs} s ahead of the file's upload time"),
            Self::Duplicate => write!(f, "duplicate record"),
        }
    }
}

/// A rejected record, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// 0 = first record after the header.
    pub record: usize,
    pub reason: RejectReason,
    /// The record text, cut to a readable length.
    pub text: String,
}

impl RecordError {
    pub fn field(&self) -> Option<usize> {
        match &self.reason {
            RejectReason::BadField(e) => Some(e.field),
            _ => None,
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {}: {}", self.record, self.reason)
    }
}
