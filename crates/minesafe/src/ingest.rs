//! `minesafe ingest`: store uploads (idempotent by SHA-256, raw bytes archived
//! write-once), evaluate rules, keep a quarantine copy of every rejected file or
//! file with rejected records.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use minesafe_engine::{latest_findings, EngineConfig, FileReport, Outcome, Summary};
use minesafe_formats::ParseOptions;
use minesafe_model::{Finding, Registry};
use minesafe_store::{SqliteStore, Store, StoreOptions};

use crate::batch::{self, InputFile};
use crate::pipeline::Pipeline;

pub struct IngestResult {
    pub findings: Vec<Finding>,
    pub reports: Vec<(PathBuf, FileReport)>,
    pub summary: Summary,
    /// Evacuation reports (time to clear, who stayed).
    pub evacuations: Vec<serde_json::Value>,
}

/// Ingests files into an open store. Shared by `ingest` and `demo`.
pub fn ingest_files(
    store: SqliteStore,
    files: Vec<InputFile>,
    registry: Registry,
    opts: ParseOptions,
    pb: &indicatif::ProgressBar,
) -> Result<(IngestResult, SqliteStore)> {
    let mut pipe = Pipeline::new(store, registry, opts, EngineConfig::default());
    let mut findings = Vec::new();
    let mut reports = Vec::new();
    let mut summary = Summary::default();
    let files = batch::order_files(files);
    let watermark = batch::watermark(&files);
    for (i, (f, newest)) in files.into_iter().enumerate() {
        let bytes = std::fs::read(&f.path).with_context(|| format!("cannot read {}", f.path.display()))?;
        pb.inc(f.len);
        // The batch clock is the watermark, as in `check`.
        if let Some(now) = newest {
            pipe.tick_mine(&batch::mine_of(&f.name), now, &mut findings);
        }
        let report = pipe.offer(&f.path, &f.name, &bytes, Some(newest), None, &mut findings)?;
        summary.add(&report, bytes.len() as u64);
        if !matches!(report.outcome, Outcome::Accepted | Outcome::Duplicate) || !report.record_errors.is_empty() {
            reports.push((f.path, report));
        }
        // Group commit: findings and rows land together about every hundred files.
        if i % 100 == 99 {
            pipe.commit()?;
            // Statistics lag raw data by a batch of hours: rolling up the current hour
            // on every commit would re-read it many times.
            if i % 5000 == 4999 {
                pipe.store.rollup_pending()?;
            }
        }
    }
    pipe.finish(watermark, &mut findings)?;
    pipe.store.rollup_pending()?;
    let mut findings = latest_findings(findings);
    batch::sort_findings(&mut findings);
    let evacuations = pipe.engine.summaries();
    Ok((IngestResult { findings, reports, summary, evacuations }, pipe.store))
}

pub fn open_store(db: &Path) -> Result<SqliteStore> {
    open_store_with(db, StoreOptions::default())
}

/// `sync_archive: false` trades the per-file fsync of the archive for speed (the demo).
pub fn open_store_with(db: &Path, opts: StoreOptions) -> Result<SqliteStore> {
    SqliteStore::open(db, opts).with_context(|| format!("cannot open the store {}", db.display()))
}

pub fn run(paths: &[PathBuf], db: &Path, registry: Option<&Path>, parse: &batch::ParseArgs, quiet: bool) -> Result<i32> {
    let registry = batch::load_registry(registry)?;
    let store = open_store(db)?;
    let (files, ignored) = batch::collect(paths)?;
    let pb = batch::progress(files.iter().map(|f| f.len).sum(), quiet, "ingest");
    let (result, _store) = ingest_files(store, files, registry, parse.options(), &pb)?;
    pb.finish_and_clear();
    batch::report_problems(&result.reports);
    if !quiet {
        eprintln!("minesafe ingest: {}", result.summary);
        if ignored > 0 {
            eprintln!("minesafe ingest: {ignored} files are not uploads (*.txt) and were not read");
        }
        eprintln!("minesafe ingest: {} findings stored in {}", result.findings.len(), db.display());
    }
    Ok(0)
}

/// `minesafe retain`: the retention job. The present comes from the system clock at
/// this edge (or `--now`); the store itself never reads the clock.
pub fn retain(db: &Path, raw_days: u32, stats_days: u32, now: Option<&str>) -> Result<i32> {
    let now = crate::clock::now_or_wall(now)?;
    let mut store = open_store(db)?;
    let policy = minesafe_store::RetentionPolicy { raw_days, minute_days: stats_days, hour_days: stats_days, allow_below_minimum: false };
    let r = store.apply_retention(now, &policy).with_context(|| format!("retention on {}", db.display()))?;
    println!(
        "retention at {now}: raw readings before {} deleted: {}; minute statistics before {}: {}; hour statistics before {}: {}",
        r.raw_cutoff, r.raw_deleted, r.minute_cutoff, r.minute_deleted, r.hour_cutoff, r.hour_deleted
    );
    Ok(0)
}
