//! Persistence of minesafe behind one storage trait.
//!
//! [`Store`] is what the CLI and the server talk to: uploads (idempotent by
//! SHA-256, raw bytes in a write-once archive), rejects and quarantine, raw
//! readings (time-first, arrival order), minute/hour statistics with AQ 6201
//! retention, point definitions, the newest personnel snapshot per mine,
//! findings, and evidence export. It is object-safe and synchronous and names
//! no driver types, so a PostgreSQL implementation can fill it later;
//! [`SqliteStore`] is the embedded default.
//!
//! Files beside the database (not in it): the archive (`<db stem>.archive/`,
//! one read-only file per distinct content, named by SHA-256) and the
//! quarantine (`<db stem>.quarantine/`). Both are plain folders a regulator can
//! copy; [`Store::archived_bytes`] re-checks the hash on every read.
//!
//! # Transactions and group commit
//! Every write method runs in its own transaction unless the caller has opened
//! one with [`Store::begin`]; then everything up to [`Store::commit`] is one
//! transaction. For bulk ingest wrap many files (e.g. ≥ 10k readings) in one
//! `begin`/`commit`: that is the group commit. With WAL and
//! `synchronous=NORMAL` a commit does not fsync, so a power cut may lose the last
//! commits but never corrupts the database; acknowledge upstream after `commit`.
//! Dropping a store with an open transaction rolls it back.
//!
//! This crate does not read the clock for anything a rule sees; the only clock
//! value stored is `received_at` (chain of custody), set by the database.

mod archive;
mod bench;
mod error;
mod ledger;
mod sqlite;
mod types;

use std::path::PathBuf;

use minesafe_model::{Finding, PointDef, Position, Timestamp};

pub use archive::{is_sha256_hex, sha256_hex};
pub use bench::{bench_append, BenchReport};
pub use error::StoreError;
pub use sqlite::{SqliteStore, MIGRATIONS};
pub use types::*;

/// Storage of everything minesafe keeps. See the crate docs for transactions.
pub trait Store: Send {
    // ---- transactions -------------------------------------------------------

    /// Opens a transaction spanning the following calls (group commit).
    fn begin(&mut self) -> Result<(), StoreError>;
    /// Commits the transaction opened by [`begin`](Store::begin).
    fn commit(&mut self) -> Result<(), StoreError>;
    /// Abandons the transaction opened by [`begin`](Store::begin). Archived bytes stay
    /// (the archive is write-once); a later `begin_upload` of the same bytes reuses them.
    fn rollback(&mut self) -> Result<(), StoreError>;
    fn in_transaction(&self) -> bool;

    // ---- uploads ------------------------------------------------------------

    /// Archives `bytes` (write-once, named by SHA-256) and registers the upload, or
    /// reports that the same bytes were stored before (and counts the re-send).
    fn begin_upload(&mut self, name: &str, bytes: &[u8]) -> Result<UploadStatus, StoreError>;
    /// Records what parsing found.
    fn finish_upload(&mut self, id: i64, summary: &UploadSummary) -> Result<(), StoreError>;
    fn record_rejects(&mut self, id: i64, rejects: &[RejectRow]) -> Result<(), StoreError>;
    fn rejects(&self, id: i64) -> Result<Vec<StoredReject>, StoreError>;
    /// Keeps an unreadable file in the quarantine folder under its name (a `.N`
    /// suffix when a different file already has it) with `<name>.reason.txt`.
    /// Returns where it was stored. Quarantining identical bytes under the same
    /// name again writes nothing new.
    fn quarantine(&mut self, name: &str, bytes: &[u8], reason: &str) -> Result<PathBuf, StoreError>;

    // ---- readings -----------------------------------------------------------

    /// The interned id of a point (created on first use, cached).
    fn point_id(&mut self, mine: &str, point_code: &str) -> Result<u32, StoreError>;
    /// `(mine, point code)` of an interned id.
    fn point_code(&self, id: u32) -> Result<Option<(String, String)>, StoreError>;
    /// Appends raw readings of one upload. Rows with the same (time, point) from
    /// the same upload are kept once; from different uploads, both are kept.
    fn append_readings(&mut self, file_id: i64, rows: &[ReadingRow]) -> Result<(), StoreError>;
    /// Raw readings with `from ≤ time < to`, optionally of one point, by time.
    fn readings(&self, point: Option<u32>, from: Timestamp, to: Timestamp) -> Result<Vec<StoredReading>, StoreError>;

    // ---- statistics and retention (AQ 6201) -----------------------------------

    /// Recomputes minute and hour statistics for every hour touching `[from, to)`
    /// from the raw readings still stored (buckets without raw readings are left alone).
    fn rollup(&mut self, from: Timestamp, to: Timestamp) -> Result<RollupReport, StoreError>;
    /// Rolls up every hour that received readings since its last rollup.
    fn rollup_pending(&mut self) -> Result<RollupReport, StoreError>;
    /// Statistics of one point with `from ≤ bucket < to`.
    fn stats_series(&self, point: u32, res: Resolution, from: Timestamp, to: Timestamp) -> Result<Vec<StatRow>, StoreError>;
    /// Deletes data older than the policy (cutoffs rounded down to the hour, so
    /// slightly more is kept, never less), after rolling up pending hours.
    /// Refuses a policy below the legal minimums.
    fn apply_retention(&mut self, now: Timestamp, policy: &RetentionPolicy) -> Result<RetentionReport, StoreError>;

    // ---- point definitions and positions --------------------------------------

    /// Stores CDDY definitions: every version in history; the current one is
    /// replaced unless both carry a time and the new one is older.
    fn put_point_defs(&mut self, mine: &str, file_id: i64, defs: &[PointDef]) -> Result<(), StoreError>;
    /// Current definitions of a mine, by point code.
    fn point_defs(&self, mine: &str) -> Result<Vec<PointDef>, StoreError>;
    /// Stores an RYSS snapshot if it is not older (by upload time) than the one
    /// held; returns whether it became the current snapshot.
    fn put_positions(&mut self, mine: &str, file_id: i64, upload_time: Timestamp, positions: &[Position]) -> Result<bool, StoreError>;
    /// Upload time of the newest snapshot and its people underground (state 1).
    fn people_underground(&self, mine: &str) -> Result<(Option<Timestamp>, Vec<Position>), StoreError>;
    /// Mines the store has uploads or snapshots of.
    fn mines(&self) -> Result<Vec<String>, StoreError>;

    // ---- findings -------------------------------------------------------------

    /// Upserts by id: a newer version replaces the stored one, except that an
    /// open version (no `end`) never replaces a closed one.
    fn put_findings(&mut self, findings: &[Finding]) -> Result<(), StoreError>;
    fn findings(&self, filter: &FindingFilter) -> Result<Vec<Finding>, StoreError>;
    fn finding(&self, id: &str) -> Result<Option<Finding>, StoreError>;

    // ---- alarms ---------------------------------------------------------------

    /// Upserts an alarm's current state and appends its new transitions; a
    /// transition already stored (same alarm and seq) is kept as it was.
    fn put_alarm(&mut self, alarm: &AlarmRow, events: &[AlarmEventRow]) -> Result<(), StoreError>;
    fn alarms(&self, filter: &AlarmFilter) -> Result<Vec<AlarmRow>, StoreError>;
    /// The transition log of one alarm, in order.
    fn alarm_events(&self, alarm: &str) -> Result<Vec<AlarmEventRow>, StoreError>;

    // ---- audit trail of the enforcement ledger -------------------------------

    /// Appends the next audit-trail entry. Refuses a `seq` other than last + 1
    /// and (after the first) a `prev_hash` other than the stored head's hash:
    /// the trail is written in order, by one chain, and never rewritten.
    fn append_ledger_event(&mut self, event: &LedgerEventRow) -> Result<(), StoreError>;
    /// The whole trail, by seq.
    fn ledger_events(&self) -> Result<Vec<LedgerEventRow>, StoreError>;
    /// `(seq, hash)` of the newest entry, to resume the chain.
    fn ledger_head(&self) -> Result<Option<(u64, String)>, StoreError>;
    /// Keeps the database's copy of a signed checkpoint (export it first). The
    /// same checkpoint again is a no-op; a different one for a stored count, or
    /// one beyond the stored entries, is refused.
    fn put_checkpoint(&mut self, checkpoint: &CheckpointRow) -> Result<(), StoreError>;
    /// Stored checkpoints, by count.
    fn checkpoints(&self) -> Result<Vec<CheckpointRow>, StoreError>;

    // ---- evidence -------------------------------------------------------------

    /// The upload stored under this name (the newest, if several contents had
    /// it), also when the name was only seen as a duplicate re-send.
    fn file_by_name(&self, name: &str) -> Result<Option<StoredFile>, StoreError>;
    fn file(&self, id: i64) -> Result<Option<StoredFile>, StoreError>;
    /// Header times of a mine's accepted uploads of one family in `[from, to)`, in
    /// order (upload completeness reports).
    fn upload_times(&self, mine: &str, family: &str, from: Timestamp, to: Timestamp) -> Result<Vec<Timestamp>, StoreError>;
    /// The uploads that were read (accepted or partial) with header times in
    /// `[from, to)`, of one mine or all, in header-time order: what a replay of the
    /// archive (the cross-check series of `leads analyse --db`) reads.
    fn uploads_between(&self, mine: Option<&str>, from: Timestamp, to: Timestamp) -> Result<Vec<StoredFile>, StoreError>;
    /// The archived bytes, after checking they still hash to `sha256`.
    fn archived_bytes(&self, sha256: &str) -> Result<Vec<u8>, StoreError>;

    fn stats(&self) -> Result<StoreStats, StoreError>;
}

/// Opens the store a `--db` URL names: a SQLite path (optionally `sqlite:` /
/// `sqlite://` prefixed). `postgres://` is recognised but not built yet.
pub fn open_url(url: &str, opts: StoreOptions) -> Result<Box<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StoreError::Unsupported(url.to_string()));
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    Ok(Box::new(SqliteStore::open(std::path::Path::new(path), opts)?))
}
