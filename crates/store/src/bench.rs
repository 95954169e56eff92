//! An append benchmark the CLI can run (`minesafe bench`): arrival-order raw
//! readings through the real [`Store`] API with group commit.

use std::path::Path;
use std::time::Instant;

use minesafe_model::Timestamp;

use crate::{ReadingRow, SqliteStore, Store, StoreError, StoreOptions};

/// What [`bench_append`] measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BenchReport {
    pub rows: u64,
    pub points: u32,
    /// Rows per `append_readings` call (one CDSS snapshot = one call per point set).
    pub batch: usize,
    /// Rows per `begin`/`commit` (group commit).
    pub commit_every: u64,
    pub append_secs: f64,
    pub rows_per_sec: f64,
    /// Database + WAL size after the appends, per row.
    pub bytes_per_row: f64,
    /// `rollup_pending` over everything appended.
    pub rollup_secs: f64,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "store append: {} rows ({} points, {} rows/call, commit every {} rows) in {:.2} s = {:.0} rows/s, {:.1} B/row; rollup {:.2} s",
            self.rows,
            self.points,
            self.batch,
            self.commit_every,
            self.append_secs,
            self.rows_per_sec,
            self.bytes_per_row,
            self.rollup_secs
        )
    }
}

/// Appends `rows` synthetic readings to a fresh store in `dir` (a new database
/// `bench.db`, removed first if present): `points` points sampled every 10 s in
/// arrival order, `points` rows per `append_readings` call (one snapshot),
/// committed every `commit_every` rows. Then rolls everything up.
pub fn bench_append(dir: &Path, rows: u64, points: u32, commit_every: u64) -> Result<BenchReport, StoreError> {
    let points = points.max(1);
    let commit_every = commit_every.max(1);
    let db = dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let opts = StoreOptions { sync_archive: false, ..StoreOptions::default() };
    let mut store = SqliteStore::open(&db, opts)?;
    let file = store.begin_upload("bench", &rows.to_le_bytes())?.id();
    let ids = (0..points).map(|p| store.point_id("999900000001", &format!("999900000001{p:010}"))).collect::<Result<Vec<_>, _>>()?;
    // Synthetic values are prepared before the clock starts: we time the store, not the generator.
    let t0: i64 = 1_740_787_200;
    let mut batch: Vec<ReadingRow> = Vec::with_capacity(points as usize);
    let start = Instant::now();
    let mut done = 0u64;
    let mut since_commit = 0u64;
    let mut step = 0i64;
    store.begin()?;
    while done < rows {
        batch.clear();
        let time = Timestamp(t0 + step * 10);
        for (i, &p) in ids.iter().enumerate().take((rows - done).min(points as u64) as usize) {
            batch.push(ReadingRow { time, point: p, value: Some(0.01 * i as f64 + (step % 7) as f64 * 0.001), status: 0 });
        }
        store.append_readings(file, &batch)?;
        done += batch.len() as u64;
        since_commit += batch.len() as u64;
        if since_commit >= commit_every {
            store.commit()?;
            store.begin()?;
            since_commit = 0;
        }
        step += 1;
    }
    store.commit()?;
    let append_secs = start.elapsed().as_secs_f64();
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let bytes = size(&db) + size(Path::new(&format!("{}-wal", db.display())));
    let r0 = Instant::now();
    store.rollup_pending()?;
    let rollup_secs = r0.elapsed().as_secs_f64();
    Ok(BenchReport {
        rows: done,
        points,
        batch: points as usize,
        commit_every,
        append_secs,
        rows_per_sec: done as f64 / append_secs.max(1e-9),
        bytes_per_row: bytes as f64 / done.max(1) as f64,
        rollup_secs,
    })
}
