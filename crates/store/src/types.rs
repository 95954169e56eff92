//! Plain data exchanged with a [`Store`](crate::Store). No backend types here.

use std::path::PathBuf;
use std::time::Duration;

use minesafe_model::{Severity, Timestamp};

/// How [`SqliteStore::open`](crate::SqliteStore::open) lays out its files.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Write-once raw archive. Default: `<db dir>/<db stem>.archive/`.
    pub archive_dir: Option<PathBuf>,
    /// Quarantine for files that could not be read at all. Default: `<db dir>/<db stem>.quarantine/`.
    pub quarantine_dir: Option<PathBuf>,
    /// `fsync` every archived file before its row is written (default `true`).
    /// Turning it off speeds up bulk demos; a power cut may then lose archive bytes
    /// whose rows survived (they are detected as [`StoreError::Tampered`](crate::StoreError::Tampered) /
    /// [`StoreError::NotArchived`](crate::StoreError::NotArchived) on read).
    pub sync_archive: bool,
    /// How long a writer waits for another process's lock (default 5 s).
    pub busy_timeout: Duration,
    /// SQLite page cache in KiB (default 32 MiB).
    pub cache_kib: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            archive_dir: None,
            quarantine_dir: None,
            sync_archive: true,
            busy_timeout: Duration::from_secs(5),
            cache_kib: 32 * 1024,
        }
    }
}

/// Result of [`Store::begin_upload`](crate::Store::begin_upload).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadStatus {
    /// First time these bytes are seen: archived, and a `files` row created.
    New { id: i64, sha256: String },
    /// The same bytes were stored before (under this or another name): nothing to do.
    Duplicate { id: i64 },
}

impl UploadStatus {
    pub fn id(&self) -> i64 {
        match self {
            UploadStatus::New { id, .. } | UploadStatus::Duplicate { id } => *id,
        }
    }
    pub fn is_new(&self) -> bool {
        matches!(self, UploadStatus::New { .. })
    }
}

/// Outcome of reading an upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileStatus {
    /// Archived, not yet parsed (`finish_upload` not called).
    Pending,
    /// Every record accepted.
    Accepted,
    /// Some records rejected.
    Partial,
    /// The whole file rejected.
    Rejected,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Pending => "pending",
            FileStatus::Accepted => "accepted",
            FileStatus::Partial => "partial",
            FileStatus::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [FileStatus::Pending, FileStatus::Accepted, FileStatus::Partial, FileStatus::Rejected].into_iter().find(|v| v.as_str() == s)
    }
}

/// What [`Store::finish_upload`](crate::Store::finish_upload) records about a parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadSummary {
    pub mine: Option<String>,
    /// File family (`CDSS`, `RYSS`, …).
    pub family: Option<String>,
    /// Upload time from the header (the last header field).
    pub header_time: Option<Timestamp>,
    /// `utf-8`, `gb18030`, …
    pub encoding: Option<String>,
    pub total: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub status: FileStatus,
    /// Why the file was rejected or partly rejected.
    pub reason: Option<String>,
}

/// One rejected record (or the whole file when `record` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectRow {
    /// Record index, 0 = first record after the header.
    pub record: Option<usize>,
    pub field: Option<String>,
    /// Machine-readable reason code (`field_count`, `bad_number`, …).
    pub code: String,
    pub message: String,
}

/// A stored reject, as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReject {
    pub file_id: i64,
    pub record: Option<usize>,
    pub field: Option<String>,
    pub code: String,
    pub message: String,
}

/// One raw reading to append. `point` comes from [`Store::point_id`](crate::Store::point_id).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadingRow {
    pub time: Timestamp,
    pub point: u32,
    pub value: Option<f64>,
    pub status: u16,
}

/// A raw reading read back, with the upload it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StoredReading {
    pub time: Timestamp,
    pub point: u32,
    pub value: Option<f64>,
    pub status: u16,
    pub file_id: i64,
}

/// Resolution of rolled-up statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resolution {
    Minute,
    Hour,
}

impl Resolution {
    pub fn secs(self) -> i64 {
        match self {
            Resolution::Minute => 60,
            Resolution::Hour => 3600,
        }
    }
}

/// Statistics of one point over one minute or hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StatRow {
    /// Start of the bucket.
    pub bucket: Timestamp,
    pub point: u32,
    /// Readings in the bucket (with or without a value).
    pub samples: u64,
    /// Readings with a value; `min`/`max`/`avg` are over these.
    pub count: u64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub avg: Option<f64>,
}

/// What [`Store::rollup`](crate::Store::rollup) did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollupReport {
    /// Minute buckets written (point × minute).
    pub minute_rows: u64,
    /// Hour buckets written (point × hour).
    pub hour_rows: u64,
}

/// Legal minimum for raw real-time values (AQ 6201: methane ≥ 3 months).
pub const MIN_RAW_DAYS: u32 = 92;
/// Legal minimum for statistics (AQ 6201: ≥ 2 years).
pub const MIN_STATS_DAYS: u32 = 731;

/// How long each kind of data is kept. Never below the AQ 6201 minimums unless
/// `allow_below_minimum` is set (tests, scratch databases).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub raw_days: u32,
    pub minute_days: u32,
    pub hour_days: u32,
    pub allow_below_minimum: bool,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy { raw_days: MIN_RAW_DAYS, minute_days: MIN_STATS_DAYS, hour_days: MIN_STATS_DAYS, allow_below_minimum: false }
    }
}

impl RetentionPolicy {
    /// Checks the policy against the legal minimums.
    ///
    /// Also requires `raw_days ≤ minute_days ≤ hour_days`: statistics are derived
    /// from the raw readings (and hours from minutes), so a coarser level must
    /// outlive the finer one it is computed from.
    pub fn validate(&self) -> Result<(), crate::StoreError> {
        if !self.allow_below_minimum {
            for (what, days, minimum) in [
                ("raw readings", self.raw_days, MIN_RAW_DAYS),
                ("minute statistics", self.minute_days, MIN_STATS_DAYS),
                ("hour statistics", self.hour_days, MIN_STATS_DAYS),
            ] {
                if days < minimum {
                    return Err(crate::StoreError::BelowMinimum { what, days, minimum });
                }
            }
        }
        if !(self.raw_days <= self.minute_days && self.minute_days <= self.hour_days) {
            return Err(crate::StoreError::Invalid(format!(
                "retention must keep raw ≤ minute ≤ hour statistics, got {} / {} / {} days",
                self.raw_days, self.minute_days, self.hour_days
            )));
        }
        Ok(())
    }
}

/// What [`Store::apply_retention`](crate::Store::apply_retention) deleted. Cutoffs are
/// exclusive: data strictly older than the cutoff was deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionReport {
    pub raw_cutoff: Timestamp,
    pub minute_cutoff: Timestamp,
    pub hour_cutoff: Timestamp,
    pub raw_deleted: u64,
    pub minute_deleted: u64,
    pub hour_deleted: u64,
    /// Rollup buckets (re)computed from the raw readings about to be deleted.
    pub rolled_up: RollupReport,
}

/// Selects findings. Empty filter = all, ordered by start then id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FindingFilter {
    pub mine: Option<String>,
    pub rule: Option<String>,
    /// Only findings at least this severe.
    pub min_severity: Option<Severity>,
    /// Findings whose span `[start, end]` overlaps `[from, to)`; an open finding
    /// (no end) extends to the present.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub limit: Option<usize>,
}

/// An archived upload, for evidence export.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredFile {
    pub id: i64,
    pub name: String,
    pub sha256: String,
    pub archive_path: PathBuf,
    pub size: u64,
    pub mine: Option<String>,
    pub family: Option<String>,
    pub header_time: Option<Timestamp>,
    pub encoding: Option<String>,
    pub total: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub status: FileStatus,
    pub reason: Option<String>,
}

/// Counts for the demo summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Distinct uploads (by content).
    pub files: u64,
    /// Times an already-stored file was sent again.
    pub duplicates: u64,
    pub rejected_files: u64,
    pub partial_files: u64,
    pub quarantined: u64,
    pub readings: u64,
    pub points: u64,
    pub findings: u64,
}

/// An alarm as stored: the alarm crate's JSON in `body`, with what listing needs.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmRow {
    pub id: String,
    pub mine: String,
    pub rule: String,
    pub state: String,
    /// Not yet closed, dismissed or superseded.
    pub open: bool,
    pub raised_at: Timestamp,
    pub updated_at: Timestamp,
    pub body: String,
}

/// One transition of an alarm (append-only).
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmEventRow {
    pub alarm: String,
    pub seq: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub body: String,
}

/// Selects alarms. Empty filter = all, ordered by raise time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlarmFilter {
    /// One alarm by id.
    pub id: Option<String>,
    pub open_only: bool,
    pub mine: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// One audit-trail entry of the enforcement ledger as stored (append-only). The
/// same fields as `minesafe_audit::Entry`; the store does not hash or check the
/// chain (the audit crate does), it only keeps the rows in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEventRow {
    /// 1-based, contiguous: [`Store::append_ledger_event`](crate::Store::append_ledger_event)
    /// takes only the next one.
    pub seq: u64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    /// `kind:id`, e.g. `hazard:HZ-1`.
    pub record: String,
    pub mine: String,
    /// Canonical JSON, kept byte for byte.
    pub body: String,
    pub snapshot_hash: String,
    pub prev_hash: String,
    pub hash: String,
    pub alg: String,
}

/// The database's copy of a signed audit checkpoint (the authoritative copy is
/// the write-once export).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointRow {
    /// Number of entries committed to.
    pub count: u64,
    /// Hash of entry `count`.
    pub head: String,
    pub at: Timestamp,
    pub key_id: String,
    pub signature: String,
}
