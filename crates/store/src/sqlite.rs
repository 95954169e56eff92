//! The embedded SQLite store (rusqlite, bundled SQLite, WAL).
//!
//! All SQL of the SQLite backend lives here and in `migrations/`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use minesafe_model::finding::TAG_WITHDRAWN;
use minesafe_model::{Finding, PointDef, Position, PositionState, Severity, Timestamp};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use crate::archive::{sha256_hex, Archive, Quarantine};
use crate::ledger;
use crate::types::*;
use crate::{Store, StoreError};

/// Numbered schema migrations, applied in order and recorded in
/// `schema_migrations` (and `PRAGMA user_version`). Append only: never edit a
/// released one.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (2, "alarms", include_str!("../migrations/0002_alarms.sql")),
    (3, "ledger", include_str!("../migrations/0003_ledger.sql")),
];

/// Rows deleted per transaction by retention (when the caller has no transaction open).
const DELETE_SPAN_SECS: i64 = 86_400;

trait Db<T> {
    fn db(self, op: &'static str) -> Result<T, StoreError>;
}

impl<T> Db<T> for rusqlite::Result<T> {
    fn db(self, op: &'static str) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::Db { op, source: Box::new(e) })
    }
}

fn json_err(what: &'static str) -> impl FnOnce(serde_json::Error) -> StoreError {
    move |source| StoreError::Json { what, source }
}

fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Alarm => 2,
        Severity::Illegal => 3,
        Severity::MajorHazard => 4,
    }
}

fn floor_to(t: i64, step: i64) -> i64 {
    t.div_euclid(step) * step
}

fn ceil_to(t: i64, step: i64) -> i64 {
    -floor_to(-t, step)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The embedded store: one SQLite file plus the archive and quarantine folders.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    archive: Archive,
    quarantine: Quarantine,
    /// mine → point code → id.
    points: HashMap<String, HashMap<String, u32>>,
    /// Archive files written in the open transaction and not yet flushed.
    archive_pending: bool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("archive", &self.archive.dir())
            .field("quarantine", &self.quarantine.dir())
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, applies pending
    /// migrations, and prepares the archive and quarantine folders (beside the
    /// database unless `opts` names them).
    pub fn open(path: &Path, opts: StoreOptions) -> Result<Self, StoreError> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "minesafe".into());
        let archive_dir = opts.archive_dir.clone().unwrap_or_else(|| dir.join(format!("{stem}.archive")));
        let quarantine_dir = opts.quarantine_dir.clone().unwrap_or_else(|| dir.join(format!("{stem}.quarantine")));

        let conn = Connection::open(path).db("opening the database")?;
        conn.busy_timeout(opts.busy_timeout).db("setting the busy timeout")?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).db("enabling WAL")?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Invalid(format!("{}: cannot use WAL journal mode (got {mode})", path.display())));
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-{};",
            opts.cache_kib
        ))
        .db("setting pragmas")?;
        migrate(&conn)?;

        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            archive: Archive::new(archive_dir, opts.sync_archive)?,
            quarantine: Quarantine::new(quarantine_dir)?,
            points: HashMap::new(),
            archive_pending: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn archive_dir(&self) -> &Path {
        self.archive.dir()
    }
    pub fn quarantine_dir(&self) -> &Path {
        self.quarantine.dir()
    }

    /// Applied migrations `(version, name)`, in order.
    pub fn applied_migrations(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let mut st = self.conn.prepare("SELECT version, name FROM schema_migrations ORDER BY version").db("reading migrations")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db("reading migrations")?;
        rows.collect::<Result<_, _>>().db("reading migrations")
    }

    /// Runs `f` in the caller's transaction if one is open, else in its own.
    fn write<T>(&mut self, op: &'static str, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        if !self.conn.is_autocommit() {
            return f(&self.conn);
        }
        self.conn.execute_batch("BEGIN IMMEDIATE").db(op)?;
        match f(&self.conn) {
            Ok(v) => match self.conn.execute_batch("COMMIT").db(op) {
                Ok(()) => Ok(v),
                Err(e) => {
                    self.abandon();
                    Err(e)
                }
            },
            Err(e) => {
                self.abandon();
                Err(e)
            }
        }
    }

    /// Rolls back whatever is open and forgets cached ids that may not have been committed.
    fn abandon(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        self.points.clear();
    }

    fn file_exists(&self, id: i64) -> Result<bool, StoreError> {
        self.conn.prepare_cached("SELECT 1 FROM files WHERE id = ?1").and_then(|mut st| st.exists([id])).db("looking up an upload")
    }

    fn stored_file(&self, r: &Row<'_>) -> rusqlite::Result<StoredFile> {
        let archive: String = r.get("archive")?;
        let status: String = r.get("status")?;
        Ok(StoredFile {
            id: r.get("id")?,
            name: r.get("name")?,
            sha256: r.get("sha256")?,
            archive_path: self.archive.dir().join(archive),
            size: to_u64(r.get("size")?),
            mine: r.get("mine")?,
            family: r.get("family")?,
            header_time: r.get::<_, Option<i64>>("header_time")?.map(Timestamp),
            encoding: r.get("encoding")?,
            total: to_u64(r.get("total")?),
            accepted: to_u64(r.get("accepted")?),
            rejected: to_u64(r.get("rejected")?),
            status: FileStatus::parse(&status).unwrap_or(FileStatus::Pending),
            reason: r.get("reason")?,
        })
    }

    /// Recomputes the statistics of every hour in `[from, to)` (hour-aligned)
    /// that still has raw readings; clears those hours from `rollup_dirty`.
    ///
    /// Streams the raw rows in key order and aggregates in memory, one hour at a
    /// time (≈3× faster than the equivalent GROUP BY, which needs a sort). When
    /// different uploads re-sent the same (time, point), that counts as one
    /// sample: min/max see every version (a conflicting higher value is not
    /// hidden), the sum uses their mean.
    fn rollup_hours(conn: &Connection, from: i64, to: i64) -> Result<RollupReport, StoreError> {
        const OP: &str = "rolling up statistics";
        let mut report = RollupReport::default();
        let mut minutes: HashMap<u32, Vec<Acc>> = HashMap::new();
        // Skip the empty ends of a wide range (both are index lookups).
        let (lo, hi): (Option<i64>, Option<i64>) = conn
            .prepare_cached("SELECT min(ts), max(ts) FROM readings WHERE ts >= ?1 AND ts < ?2")
            .and_then(|mut st| st.query_row(params![from, to], |r| Ok((r.get(0)?, r.get(1)?))))
            .db(OP)?;
        let (mut hour, to_data) = match (lo, hi) {
            (Some(lo), Some(hi)) => (floor_to(lo, 3600), floor_to(hi, 3600) + 3600),
            _ => (to, to),
        };
        while hour < to_data {
            let next = hour + 3600;
            minutes.clear();
            {
                let mut st =
                    conn.prepare_cached("SELECT ts, point, value FROM readings WHERE ts >= ?1 AND ts < ?2 ORDER BY ts, point").db(OP)?;
                let mut rows = st.query(params![hour, next]).db(OP)?;
                // The (time, point) being merged across uploads.
                let mut cur: Option<(i64, u32, Sample)> = None;
                while let Some(r) = rows.next().db(OP)? {
                    let (ts, point, value): (i64, u32, Option<f64>) = (r.get(0).db(OP)?, r.get(1).db(OP)?, r.get(2).db(OP)?);
                    match &mut cur {
                        Some((cts, cp, sample)) if *cts == ts && *cp == point => sample.merge(value),
                        _ => {
                            if let Some((cts, cp, sample)) = cur.take() {
                                add_sample(&mut minutes, hour, cts, cp, sample);
                            }
                            cur = Some((ts, point, Sample::new(value)));
                        }
                    }
                }
                if let Some((cts, cp, sample)) = cur {
                    add_sample(&mut minutes, hour, cts, cp, sample);
                }
            }
            if !minutes.is_empty() {
                let mut points: Vec<u32> = minutes.keys().copied().collect();
                points.sort_unstable();
                let mut put_min = conn
                    .prepare_cached("INSERT OR REPLACE INTO stats_minute (point, bucket, samples, n, vmin, vmax, vsum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                    .db(OP)?;
                let mut put_hour = conn
                    .prepare_cached("INSERT OR REPLACE INTO stats_hour (point, bucket, samples, n, vmin, vmax, vsum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                    .db(OP)?;
                for p in points {
                    let mut total = Acc::default();
                    for (m, acc) in minutes[&p].iter().enumerate().filter(|(_, a)| a.samples > 0) {
                        put_min.execute(params![p, hour + 60 * m as i64, acc.samples, acc.n, acc.min, acc.max, acc.sum()]).db(OP)?;
                        report.minute_rows += 1;
                        total.absorb(acc);
                    }
                    put_hour.execute(params![p, hour, total.samples, total.n, total.min, total.max, total.sum()]).db(OP)?;
                    report.hour_rows += 1;
                }
            }
            hour = next;
        }
        conn.prepare_cached("DELETE FROM rollup_dirty WHERE hour >= ?1 AND hour < ?2")
            .and_then(|mut st| st.execute(params![from, to]))
            .db("clearing rolled-up hours")?;
        Ok(report)
    }
}

/// One (time, point) sample, merged over the uploads that carried it.
#[derive(Clone, Copy)]
struct Sample {
    lo: Option<f64>,
    hi: Option<f64>,
    sum: f64,
    n: u32,
}

impl Sample {
    fn new(v: Option<f64>) -> Self {
        Sample { lo: v, hi: v, sum: v.unwrap_or(0.0), n: u32::from(v.is_some()) }
    }
    fn merge(&mut self, v: Option<f64>) {
        if let Some(x) = v {
            self.lo = Some(self.lo.map_or(x, |l| l.min(x)));
            self.hi = Some(self.hi.map_or(x, |h| h.max(x)));
            self.sum += x;
            self.n += 1;
        }
    }
}

/// Statistics of one bucket.
#[derive(Clone, Copy, Default)]
struct Acc {
    samples: i64,
    n: i64,
    min: Option<f64>,
    max: Option<f64>,
    sum: f64,
}

impl Acc {
    fn add(&mut self, s: Sample) {
        self.samples += 1;
        if s.n > 0 {
            self.n += 1;
            self.sum += s.sum / f64::from(s.n);
            self.min = min_opt(self.min, s.lo);
            self.max = max_opt(self.max, s.hi);
        }
    }
    fn absorb(&mut self, o: &Acc) {
        self.samples += o.samples;
        self.n += o.n;
        self.sum += o.sum;
        self.min = min_opt(self.min, o.min);
        self.max = max_opt(self.max, o.max);
    }
    fn sum(&self) -> Option<f64> {
        (self.n > 0).then_some(self.sum)
    }
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) | (None, x) => x,
    }
}

fn add_sample(minutes: &mut HashMap<u32, Vec<Acc>>, hour: i64, ts: i64, point: u32, s: Sample) {
    let m = ((ts - hour) / 60).clamp(0, 59) as usize;
    minutes.entry(point).or_insert_with(|| vec![Acc::default(); 60])[m].add(s);
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("PRAGMA optimize");
        }
    }
}

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT    NOT NULL,
             applied_at INTEGER NOT NULL DEFAULT (unixepoch())
         )",
    )
    .db("creating schema_migrations")?;
    let known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    for &(version, name, sql) in MIGRATIONS {
        // Re-check inside the write lock: another process may be migrating too.
        conn.execute_batch("BEGIN IMMEDIATE").db("starting a migration")?;
        let result = (|| {
            let newest: i64 =
                conn.query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", [], |r| r.get(0)).db("reading migrations")?;
            if newest > known {
                return Err(StoreError::SchemaTooNew { found: newest, known });
            }
            let done: bool = conn
                .query_row("SELECT 1 FROM schema_migrations WHERE version = ?1", [version], |_| Ok(()))
                .optional()
                .db("reading migrations")?
                .is_some();
            if !done {
                conn.execute_batch(sql).db("applying a migration")?;
                conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)", params![version, name])
                    .db("recording a migration")?;
                conn.pragma_update(None, "user_version", version).db("setting user_version")?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => conn.execute_batch("COMMIT").db("committing a migration")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(())
}

fn reading_value(v: Option<f64>) -> Option<f64> {
    v.filter(|x| !x.is_nan())
}

impl Store for SqliteStore {
    fn begin(&mut self) -> Result<(), StoreError> {
        if !self.conn.is_autocommit() {
            return Err(StoreError::Transaction("begin() while a transaction is open"));
        }
        self.conn.execute_batch("BEGIN IMMEDIATE").db("beginning a transaction")
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        if self.conn.is_autocommit() {
            return Err(StoreError::Transaction("commit() without begin()"));
        }
        // Archive bytes reach the disk before the rows that name them.
        if self.archive_pending {
            self.archive.flush()?;
            self.archive_pending = false;
        }
        // On failure (e.g. busy) the transaction stays open: retry or roll back.
        self.conn.execute_batch("COMMIT").db("committing")
    }

    fn rollback(&mut self) -> Result<(), StoreError> {
        if self.conn.is_autocommit() {
            return Err(StoreError::Transaction("rollback() without begin()"));
        }
        let r = self.conn.execute_batch("ROLLBACK").db("rolling back");
        self.points.clear();
        r
    }

    fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    fn begin_upload(&mut self, name: &str, bytes: &[u8]) -> Result<UploadStatus, StoreError> {
        let sha = sha256_hex(bytes);
        let existing: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM files WHERE sha256 = ?1")
            .and_then(|mut st| st.query_row([&sha], |r| r.get(0)).optional())
            .db("looking up an upload")?;
        if let Some(id) = existing {
            self.write("recording a duplicate upload", |c| {
                c.prepare_cached("INSERT INTO duplicates (file, name) VALUES (?1, ?2)")
                    .and_then(|mut st| st.execute(params![id, name]))
                    .db("recording a duplicate upload")?;
                Ok(())
            })?;
            return Ok(UploadStatus::Duplicate { id });
        }
        // Bytes first: a row never points at a missing archive file. Inside an explicit
        // transaction the flush is deferred to `commit`.
        let defer = !self.conn.is_autocommit() && self.archive.durable();
        self.archive.put(&sha, bytes, defer)?;
        self.archive_pending |= defer;
        let rel = Archive::relative(&sha).to_string_lossy().into_owned();
        self.write("registering an upload", |c| {
            let n = c
                .prepare_cached("INSERT INTO files (name, sha256, size, archive) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING")
                .and_then(|mut st| st.execute(params![name, sha, bytes.len() as i64, rel]))
                .db("registering an upload")?;
            if n == 1 {
                return Ok(UploadStatus::New { id: c.last_insert_rowid(), sha256: sha.clone() });
            }
            // Another writer (process) registered the same bytes in between.
            let id: i64 = c
                .prepare_cached("SELECT id FROM files WHERE sha256 = ?1")
                .and_then(|mut st| st.query_row([&sha], |r| r.get(0)))
                .db("looking up an upload")?;
            c.prepare_cached("INSERT INTO duplicates (file, name) VALUES (?1, ?2)")
                .and_then(|mut st| st.execute(params![id, name]))
                .db("recording a duplicate upload")?;
            Ok(UploadStatus::Duplicate { id })
        })
    }

    fn finish_upload(&mut self, id: i64, s: &UploadSummary) -> Result<(), StoreError> {
        let n = self.write("finishing an upload", |c| {
            c.prepare_cached(
                "UPDATE files SET mine = ?2, family = ?3, header_time = ?4, encoding = ?5,
                        total = ?6, accepted = ?7, rejected = ?8, status = ?9, reason = ?10
                 WHERE id = ?1",
            )
            .and_then(|mut st| {
                st.execute(params![
                    id,
                    s.mine,
                    s.family,
                    s.header_time.map(|t| t.0),
                    s.encoding,
                    s.total as i64,
                    s.accepted as i64,
                    s.rejected as i64,
                    s.status.as_str(),
                    s.reason
                ])
            })
            .db("finishing an upload")
        })?;
        if n == 0 {
            return Err(StoreError::UnknownFile(id));
        }
        Ok(())
    }

    fn record_rejects(&mut self, id: i64, rejects: &[RejectRow]) -> Result<(), StoreError> {
        if !self.file_exists(id)? {
            return Err(StoreError::UnknownFile(id));
        }
        self.write("recording rejects", |c| {
            let mut st = c
                .prepare_cached("INSERT INTO rejects (file, record, field, code, message) VALUES (?1, ?2, ?3, ?4, ?5)")
                .db("recording rejects")?;
            for r in rejects {
                st.execute(params![id, r.record.map(|x| x as i64), r.field, r.code, r.message]).db("recording rejects")?;
            }
            Ok(())
        })
    }

    fn rejects(&self, id: i64) -> Result<Vec<StoredReject>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT file, record, field, code, message FROM rejects WHERE file = ?1 ORDER BY record IS NOT NULL, record, rowid",
            )
            .db("reading rejects")?;
        let rows = st
            .query_map([id], |r| {
                Ok(StoredReject {
                    file_id: r.get(0)?,
                    record: r.get::<_, Option<i64>>(1)?.and_then(|x| usize::try_from(x).ok()),
                    field: r.get(2)?,
                    code: r.get(3)?,
                    message: r.get(4)?,
                })
            })
            .db("reading rejects")?;
        rows.collect::<Result<_, _>>().db("reading rejects")
    }

    fn quarantine(&mut self, name: &str, bytes: &[u8], reason: &str) -> Result<PathBuf, StoreError> {
        let (stored, _new) = self.quarantine.put(name, bytes, reason)?;
        let sha = sha256_hex(bytes);
        self.write("recording a quarantined file", |c| {
            c.prepare_cached("INSERT OR IGNORE INTO quarantine (name, stored_name, sha256, size, reason) VALUES (?1, ?2, ?3, ?4, ?5)")
                .and_then(|mut st| st.execute(params![name, stored, sha, bytes.len() as i64, reason]))
                .db("recording a quarantined file")?;
            Ok(())
        })?;
        Ok(self.quarantine.dir().join(stored))
    }

    fn point_id(&mut self, mine: &str, point_code: &str) -> Result<u32, StoreError> {
        if let Some(id) = self.points.get(mine).and_then(|m| m.get(point_code)) {
            return Ok(*id);
        }
        let id: i64 = self.write("interning a point", |c| {
            c.prepare_cached("INSERT INTO points (mine, code) VALUES (?1, ?2) ON CONFLICT (mine, code) DO NOTHING")
                .and_then(|mut st| st.execute(params![mine, point_code]))
                .db("interning a point")?;
            c.prepare_cached("SELECT id FROM points WHERE mine = ?1 AND code = ?2")
                .and_then(|mut st| st.query_row(params![mine, point_code], |r| r.get(0)))
                .db("interning a point")
        })?;
        let id = u32::try_from(id).map_err(|_| StoreError::Invalid(format!("point id {id} out of range")))?;
        self.points.entry(mine.to_string()).or_default().insert(point_code.to_string(), id);
        Ok(id)
    }

    fn point_code(&self, id: u32) -> Result<Option<(String, String)>, StoreError> {
        self.conn
            .prepare_cached("SELECT mine, code FROM points WHERE id = ?1")
            .and_then(|mut st| st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .db("looking up a point")
    }

    fn append_readings(&mut self, file_id: i64, rows: &[ReadingRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        if !self.file_exists(file_id)? {
            return Err(StoreError::UnknownFile(file_id));
        }
        self.write("appending readings", |c| {
            let mut hours: Vec<i64> = Vec::new();
            let mut st = c
                .prepare_cached("INSERT OR IGNORE INTO readings (ts, point, value, status, file) VALUES (?1, ?2, ?3, ?4, ?5)")
                .db("appending readings")?;
            for r in rows {
                st.execute(params![r.time.0, r.point, reading_value(r.value), r.status, file_id]).db("appending readings")?;
                let h = floor_to(r.time.0, 3600);
                if hours.last() != Some(&h) && !hours.contains(&h) {
                    hours.push(h);
                }
            }
            let mut mark = c.prepare_cached("INSERT OR IGNORE INTO rollup_dirty (hour) VALUES (?1)").db("marking hours for rollup")?;
            for h in hours {
                mark.execute([h]).db("marking hours for rollup")?;
            }
            Ok(())
        })
    }

    fn readings(&self, point: Option<u32>, from: Timestamp, to: Timestamp) -> Result<Vec<StoredReading>, StoreError> {
        let map = |r: &Row<'_>| {
            Ok(StoredReading { time: Timestamp(r.get(0)?), point: r.get(1)?, value: r.get(2)?, status: r.get(3)?, file_id: r.get(4)? })
        };
        let out = match point {
            Some(p) => {
                let mut st = self
                    .conn
                    .prepare_cached(
                        "SELECT ts, point, value, status, file FROM readings
                         WHERE ts >= ?1 AND ts < ?2 AND point = ?3 ORDER BY ts, point, file",
                    )
                    .db("reading readings")?;
                let rows = st.query_map(params![from.0, to.0, p], map).db("reading readings")?;
                rows.collect::<Result<_, _>>()
            }
            None => {
                let mut st = self
                    .conn
                    .prepare_cached(
                        "SELECT ts, point, value, status, file FROM readings WHERE ts >= ?1 AND ts < ?2 ORDER BY ts, point, file",
                    )
                    .db("reading readings")?;
                let rows = st.query_map(params![from.0, to.0], map).db("reading readings")?;
                rows.collect::<Result<_, _>>()
            }
        };
        out.db("reading readings")
    }

    fn rollup(&mut self, from: Timestamp, to: Timestamp) -> Result<RollupReport, StoreError> {
        let (f, t) = (floor_to(from.0, 3600), ceil_to(to.0, 3600));
        if f >= t {
            return Ok(RollupReport::default());
        }
        self.write("rolling up", |c| Self::rollup_hours(c, f, t))
    }

    fn rollup_pending(&mut self) -> Result<RollupReport, StoreError> {
        let hours: Vec<i64> = {
            let mut st = self.conn.prepare_cached("SELECT hour FROM rollup_dirty ORDER BY hour").db("reading pending rollups")?;
            let rows = st.query_map([], |r| r.get(0)).db("reading pending rollups")?;
            rows.collect::<Result<_, _>>().db("reading pending rollups")?
        };
        // Contiguous runs of hours become one range each.
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        for h in hours {
            match ranges.last_mut() {
                Some((_, end)) if *end == h => *end = h + 3600,
                _ => ranges.push((h, h + 3600)),
            }
        }
        let mut report = RollupReport::default();
        for (f, t) in ranges {
            let r = self.write("rolling up", |c| Self::rollup_hours(c, f, t))?;
            report.minute_rows += r.minute_rows;
            report.hour_rows += r.hour_rows;
        }
        Ok(report)
    }

    fn stats_series(&self, point: u32, res: Resolution, from: Timestamp, to: Timestamp) -> Result<Vec<StatRow>, StoreError> {
        let sql = match res {
            Resolution::Minute => {
                "SELECT bucket, point, samples, n, vmin, vmax, vsum FROM stats_minute
                 WHERE point = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket"
            }
            Resolution::Hour => {
                "SELECT bucket, point, samples, n, vmin, vmax, vsum FROM stats_hour
                 WHERE point = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket"
            }
        };
        let mut st = self.conn.prepare_cached(sql).db("reading statistics")?;
        let rows = st
            .query_map(params![point, from.0, to.0], |r| {
                let n: i64 = r.get(3)?;
                let sum: Option<f64> = r.get(6)?;
                Ok(StatRow {
                    bucket: Timestamp(r.get(0)?),
                    point: r.get(1)?,
                    samples: to_u64(r.get(2)?),
                    count: to_u64(n),
                    min: r.get(4)?,
                    max: r.get(5)?,
                    avg: sum.filter(|_| n > 0).map(|s| s / n as f64),
                })
            })
            .db("reading statistics")?;
        rows.collect::<Result<_, _>>().db("reading statistics")
    }

    fn apply_retention(&mut self, now: Timestamp, policy: &RetentionPolicy) -> Result<RetentionReport, StoreError> {
        policy.validate()?;
        // Nothing raw is deleted before its statistics exist.
        let rolled_up = self.rollup_pending()?;
        let cutoff = |days: u32| Timestamp(floor_to(now.0 - i64::from(days) * 86_400, 3600));
        let (raw_cutoff, minute_cutoff, hour_cutoff) = (cutoff(policy.raw_days), cutoff(policy.minute_days), cutoff(policy.hour_days));

        // Raw readings: in day-sized transactions so the WAL stays small.
        let oldest: Option<i64> = self.conn.query_row("SELECT min(ts) FROM readings", [], |r| r.get(0)).db("finding the oldest reading")?;
        let mut raw_deleted = 0u64;
        if let Some(mut lo) = oldest {
            while lo < raw_cutoff.0 {
                let hi = (lo + DELETE_SPAN_SECS).min(raw_cutoff.0);
                raw_deleted += self.write("deleting old readings", |c| {
                    c.prepare_cached("DELETE FROM readings WHERE ts < ?1").and_then(|mut st| st.execute([hi])).db("deleting old readings")
                })? as u64;
                lo = hi;
            }
        }
        let (minute_deleted, hour_deleted) = self.write("deleting old statistics", |c| {
            let m = c
                .prepare_cached("DELETE FROM stats_minute WHERE bucket < ?1")
                .and_then(|mut st| st.execute([minute_cutoff.0]))
                .db("deleting old statistics")?;
            let h = c
                .prepare_cached("DELETE FROM stats_hour WHERE bucket < ?1")
                .and_then(|mut st| st.execute([hour_cutoff.0]))
                .db("deleting old statistics")?;
            Ok((m as u64, h as u64))
        })?;
        Ok(RetentionReport { raw_cutoff, minute_cutoff, hour_cutoff, raw_deleted, minute_deleted, hour_deleted, rolled_up })
    }

    fn put_point_defs(&mut self, mine: &str, file_id: i64, defs: &[PointDef]) -> Result<(), StoreError> {
        let docs = defs
            .iter()
            .map(|d| serde_json::to_string(d).map(|j| (d, j)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(json_err("point definition"))?;
        self.write("storing point definitions", |c| {
            let mut hist = c
                .prepare_cached("INSERT INTO point_def_history (mine, code, file, time, def) VALUES (?1, ?2, ?3, ?4, ?5)")
                .db("storing point definitions")?;
            let mut cur = c
                .prepare_cached(
                    "INSERT INTO point_defs (mine, code, file, time, def) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (mine, code) DO UPDATE SET file = excluded.file, time = excluded.time, def = excluded.def
                     WHERE excluded.time IS NULL OR point_defs.time IS NULL OR excluded.time >= point_defs.time",
                )
                .db("storing point definitions")?;
            for (d, json) in &docs {
                let time = d.time.map(|t| t.0);
                hist.execute(params![mine, d.code, file_id, time, json]).db("storing point definitions")?;
                cur.execute(params![mine, d.code, file_id, time, json]).db("storing point definitions")?;
            }
            Ok(())
        })
    }

    fn point_defs(&self, mine: &str) -> Result<Vec<PointDef>, StoreError> {
        let mut st =
            self.conn.prepare_cached("SELECT def FROM point_defs WHERE mine = ?1 ORDER BY code").db("reading point definitions")?;
        let docs: Vec<String> = st.query_map([mine], |r| r.get(0)).and_then(|rows| rows.collect()).db("reading point definitions")?;
        docs.iter().map(|j| serde_json::from_str(j).map_err(json_err("point definition"))).collect()
    }

    fn put_positions(&mut self, mine: &str, file_id: i64, upload_time: Timestamp, positions: &[Position]) -> Result<bool, StoreError> {
        let json = serde_json::to_string(positions).map_err(json_err("positions"))?;
        let n = self.write("storing positions", |c| {
            c.prepare_cached(
                "INSERT INTO position_snapshots (mine, file, upload_time, positions) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (mine) DO UPDATE SET file = excluded.file, upload_time = excluded.upload_time, positions = excluded.positions
                 WHERE excluded.upload_time >= position_snapshots.upload_time",
            )
            .and_then(|mut st| st.execute(params![mine, file_id, upload_time.0, json]))
            .db("storing positions")
        })?;
        Ok(n > 0)
    }

    fn people_underground(&self, mine: &str) -> Result<(Option<Timestamp>, Vec<Position>), StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .prepare_cached("SELECT upload_time, positions FROM position_snapshots WHERE mine = ?1")
            .and_then(|mut st| st.query_row([mine], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .db("reading positions")?;
        let Some((t, json)) = row else {
            return Ok((None, Vec::new()));
        };
        let all: Vec<Position> = serde_json::from_str(&json).map_err(json_err("positions"))?;
        Ok((Some(Timestamp(t)), all.into_iter().filter(|p| p.state == PositionState::Underground).collect()))
    }

    fn mines(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT mine FROM files WHERE mine IS NOT NULL UNION SELECT mine FROM position_snapshots ORDER BY 1")
            .db("listing mines")?;
        st.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()).db("listing mines")
    }

    fn put_findings(&mut self, findings: &[Finding]) -> Result<(), StoreError> {
        let docs = findings
            .iter()
            .map(|f| serde_json::to_string(f).map(|j| (f, j)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(json_err("finding"))?;
        self.write("storing findings", |c| {
            let mut st = c
                .prepare_cached(
                    "INSERT INTO findings (id, rule, mine, severity, start_ts, end_ts, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, mine = excluded.mine, severity = excluded.severity,
                         start_ts = excluded.start_ts, end_ts = excluded.end_ts, body = excluded.body
                     WHERE NOT (findings.end_ts IS NOT NULL AND excluded.end_ts IS NULL)",
                )
                .db("storing findings")?;
            for (f, json) in &docs {
                if f.has_tag(TAG_WITHDRAWN) {
                    c.prepare_cached("DELETE FROM findings WHERE id = ?1")
                        .and_then(|mut d| d.execute([&f.id]))
                        .db("withdrawing a finding")?;
                    continue;
                }
                st.execute(params![f.id, f.rule, f.mine, severity_rank(f.severity), f.start.0, f.end.map(|t| t.0), json])
                    .db("storing findings")?;
            }
            Ok(())
        })
    }

    fn findings(&self, filter: &FindingFilter) -> Result<Vec<Finding>, StoreError> {
        let mut sql = String::from("SELECT body FROM findings WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(m) = &filter.mine {
            args.push(Value::Text(m.clone()));
            sql.push_str(&format!(" AND mine = ?{}", args.len()));
        }
        if let Some(r) = &filter.rule {
            args.push(Value::Text(r.clone()));
            sql.push_str(&format!(" AND rule = ?{}", args.len()));
        }
        if let Some(s) = filter.min_severity {
            args.push(Value::Integer(severity_rank(s)));
            sql.push_str(&format!(" AND severity >= ?{}", args.len()));
        }
        if let Some(from) = filter.from {
            args.push(Value::Integer(from.0));
            sql.push_str(&format!(" AND (end_ts IS NULL OR end_ts >= ?{})", args.len()));
        }
        if let Some(to) = filter.to {
            args.push(Value::Integer(to.0));
            sql.push_str(&format!(" AND start_ts < ?{}", args.len()));
        }
        sql.push_str(" ORDER BY start_ts, id");
        if let Some(l) = filter.limit {
            args.push(Value::Integer(i64::try_from(l).unwrap_or(i64::MAX)));
            sql.push_str(&format!(" LIMIT ?{}", args.len()));
        }
        let mut st = self.conn.prepare_cached(&sql).db("reading findings")?;
        let docs: Vec<String> =
            st.query_map(params_from_iter(args), |r| r.get(0)).and_then(|rows| rows.collect()).db("reading findings")?;
        docs.iter().map(|j| serde_json::from_str(j).map_err(json_err("finding"))).collect()
    }

    fn put_alarm(&mut self, alarm: &AlarmRow, events: &[AlarmEventRow]) -> Result<(), StoreError> {
        self.write("storing an alarm", |c| {
            c.prepare_cached(
                "INSERT INTO alarms (id, mine, rule, state, open, raised_at, updated_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, open = excluded.open, updated_at = excluded.updated_at,
                     body = excluded.body",
            )
            .and_then(|mut st| {
                st.execute(params![
                    alarm.id,
                    alarm.mine,
                    alarm.rule,
                    alarm.state,
                    alarm.open as i64,
                    alarm.raised_at.0,
                    alarm.updated_at.0,
                    alarm.body
                ])
            })
            .db("storing an alarm")?;
            let mut st = c
                .prepare_cached("INSERT OR IGNORE INTO alarm_events (alarm, seq, at, actor, action, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .db("storing alarm events")?;
            for e in events {
                st.execute(params![e.alarm, e.seq, e.at.0, e.actor, e.action, e.body]).db("storing alarm events")?;
            }
            Ok(())
        })
    }

    fn alarms(&self, filter: &AlarmFilter) -> Result<Vec<AlarmRow>, StoreError> {
        let mut sql = String::from("SELECT id, mine, rule, state, open, raised_at, updated_at, body FROM alarms WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if filter.open_only {
            sql.push_str(" AND open = 1");
        }
        if let Some(id) = &filter.id {
            args.push(Value::Text(id.clone()));
            sql.push_str(&format!(" AND id = ?{}", args.len()));
        }
        if let Some(m) = &filter.mine {
            args.push(Value::Text(m.clone()));
            sql.push_str(&format!(" AND mine = ?{}", args.len()));
        }
        if let Some(from) = filter.from {
            args.push(Value::Integer(from.0));
            sql.push_str(&format!(" AND raised_at >= ?{}", args.len()));
        }
        if let Some(to) = filter.to {
            args.push(Value::Integer(to.0));
            sql.push_str(&format!(" AND raised_at < ?{}", args.len()));
        }
        sql.push_str(" ORDER BY raised_at, id");
        let mut st = self.conn.prepare(&sql).db("listing alarms")?;
        let rows = st
            .query_map(rusqlite::params_from_iter(args), |r| {
                Ok(AlarmRow {
                    id: r.get(0)?,
                    mine: r.get(1)?,
                    rule: r.get(2)?,
                    state: r.get(3)?,
                    open: r.get::<_, i64>(4)? != 0,
                    raised_at: Timestamp(r.get(5)?),
                    updated_at: Timestamp(r.get(6)?),
                    body: r.get(7)?,
                })
            })
            .db("listing alarms")?;
        rows.collect::<Result<Vec<_>, _>>().db("listing alarms")
    }

    fn alarm_events(&self, alarm: &str) -> Result<Vec<AlarmEventRow>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT alarm, seq, at, actor, action, body FROM alarm_events WHERE alarm = ?1 ORDER BY seq")
            .db("reading alarm events")?;
        let rows = st
            .query_map([alarm], |r| {
                Ok(AlarmEventRow {
                    alarm: r.get(0)?,
                    seq: r.get(1)?,
                    at: Timestamp(r.get(2)?),
                    actor: r.get(3)?,
                    action: r.get(4)?,
                    body: r.get(5)?,
                })
            })
            .db("reading alarm events")?;
        rows.collect::<Result<Vec<_>, _>>().db("reading alarm events")
    }

    fn append_ledger_event(&mut self, event: &LedgerEventRow) -> Result<(), StoreError> {
        self.write("appending a ledger event", |c| ledger::append_event(c, event))
    }

    fn ledger_events(&self) -> Result<Vec<LedgerEventRow>, StoreError> {
        ledger::events(&self.conn)
    }

    fn ledger_head(&self) -> Result<Option<(u64, String)>, StoreError> {
        ledger::head(&self.conn)
    }

    fn put_checkpoint(&mut self, checkpoint: &CheckpointRow) -> Result<(), StoreError> {
        self.write("storing an audit checkpoint", |c| ledger::put_checkpoint(c, checkpoint))
    }

    fn checkpoints(&self) -> Result<Vec<CheckpointRow>, StoreError> {
        ledger::checkpoints(&self.conn)
    }

    fn finding(&self, id: &str) -> Result<Option<Finding>, StoreError> {
        let doc: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM findings WHERE id = ?1")
            .and_then(|mut st| st.query_row([id], |r| r.get(0)).optional())
            .db("reading a finding")?;
        doc.map(|j| serde_json::from_str(&j).map_err(json_err("finding"))).transpose()
    }

    fn file_by_name(&self, name: &str) -> Result<Option<StoredFile>, StoreError> {
        let direct = self
            .conn
            .prepare_cached("SELECT * FROM files WHERE name = ?1 ORDER BY id DESC LIMIT 1")
            .and_then(|mut st| st.query_row([name], |r| self.stored_file(r)).optional())
            .db("looking up a file")?;
        if direct.is_some() {
            return Ok(direct);
        }
        self.conn
            .prepare_cached("SELECT f.* FROM duplicates d JOIN files f ON f.id = d.file WHERE d.name = ?1 ORDER BY d.id DESC LIMIT 1")
            .and_then(|mut st| st.query_row([name], |r| self.stored_file(r)).optional())
            .db("looking up a file")
    }

    fn upload_times(&self, mine: &str, family: &str, from: Timestamp, to: Timestamp) -> Result<Vec<Timestamp>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT header_time FROM files WHERE mine = ?1 AND family = ?2 AND header_time >= ?3 AND header_time < ?4
                 AND status IN ('accepted', 'partial') ORDER BY header_time",
            )
            .db("listing uploads")?;
        let rows = st.query_map(params![mine, family, from.0, to.0], |r| Ok(Timestamp(r.get(0)?))).db("listing uploads")?;
        rows.collect::<Result<Vec<_>, _>>().db("listing uploads")
    }

    fn uploads_between(&self, mine: Option<&str>, from: Timestamp, to: Timestamp) -> Result<Vec<StoredFile>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT * FROM files WHERE (?1 IS NULL OR mine = ?1) AND header_time >= ?2 AND header_time < ?3
                 AND status IN ('accepted', 'partial') ORDER BY header_time, id",
            )
            .db("listing uploads")?;
        let rows = st.query_map(params![mine, from.0, to.0], |r| self.stored_file(r)).db("listing uploads")?;
        rows.collect::<Result<Vec<_>, _>>().db("listing uploads")
    }

    fn file(&self, id: i64) -> Result<Option<StoredFile>, StoreError> {
        self.conn
            .prepare_cached("SELECT * FROM files WHERE id = ?1")
            .and_then(|mut st| st.query_row([id], |r| self.stored_file(r)).optional())
            .db("looking up a file")
    }

    fn archived_bytes(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        self.archive.get(sha256)
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let count =
            |sql: &str| -> Result<u64, StoreError> { self.conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map(to_u64).db("counting") };
        Ok(StoreStats {
            files: count("SELECT count(*) FROM files")?,
            duplicates: count("SELECT count(*) FROM duplicates")?,
            rejected_files: count("SELECT count(*) FROM files WHERE status = 'rejected'")?,
            partial_files: count("SELECT count(*) FROM files WHERE status = 'partial'")?,
            quarantined: count("SELECT count(*) FROM quarantine")?,
            readings: count("SELECT count(*) FROM readings")?,
            points: count("SELECT count(*) FROM points")?,
            findings: count("SELECT count(*) FROM findings")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_registered_in_order() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        names.sort();
        let expected: Vec<String> = MIGRATIONS.iter().map(|(v, n, _)| format!("{v:04}_{n}.sql")).collect();
        assert_eq!(names, expected);
        for (i, (v, _, sql)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1, "versions are 1, 2, 3, …");
            assert!(!sql.trim().is_empty());
        }
    }

    #[test]
    fn rounding_to_buckets() {
        assert_eq!(floor_to(3599, 3600), 0);
        assert_eq!(floor_to(-1, 3600), -3600);
        assert_eq!(ceil_to(1, 3600), 3600);
        assert_eq!(ceil_to(3600, 3600), 3600);
        assert_eq!(ceil_to(-1, 3600), 0);
    }
}
