//! `minesafe ingest`: store uploads (idempotent by SHA-256, raw bytes archived
//! write-once), evaluate rules, keep a quarantine copy of every rejected file or
//! file with rejected records.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use minesafe_engine::{ContentSink, Engine, FileReport, Outcome, Summary};
use minesafe_formats::{Content, ParseOptions};
use minesafe_model::{Finding, Registry, Timestamp};
use minesafe_store::{FileStatus, ReadingRow, RejectRow, SqliteStore, Store, StoreOptions, UploadStatus, UploadSummary};

use crate::batch::{self, InputFile};

/// Writes parsed content to the store as the engine accepts it.
struct StoreSink<'s> {
    store: &'s mut SqliteStore,
    file_id: i64,
    rows: Vec<ReadingRow>,
    error: Option<anyhow::Error>,
}

impl StoreSink<'_> {
    fn store_content(&mut self, report: &FileReport, header_time: Timestamp, content: &Content<'_>) -> Result<()> {
        let mine = report.mine.clone().unwrap_or_default();
        match content {
            Content::Cdss(p) => {
                self.rows.clear();
                for (_, r) in &p.accepted {
                    let point = self.store.point_id(&mine, r.point)?;
                    self.rows.push(ReadingRow { time: r.time, point, value: r.value, status: r.status.0 });
                }
                self.store.append_readings(self.file_id, &self.rows)?;
            }
            Content::G1Sssj(p) => {
                self.rows.clear();
                for (_, r) in &p.accepted {
                    let point = self.store.point_id(&mine, r.point)?;
                    self.rows.push(ReadingRow { time: header_time, point, value: r.value, status: r.status.0 });
                }
                self.store.append_readings(self.file_id, &self.rows)?;
            }
            Content::Cddy(p) | Content::G1Cddy(p) => {
                let defs: Vec<_> = p.accepted.iter().map(|(_, d)| d.clone()).collect();
                self.store.put_point_defs(&mine, self.file_id, &defs)?;
            }
            Content::Ryss(p) => {
                let pos: Vec<_> = p.accepted.iter().map(|(_, d)| d.clone()).collect();
                self.store.put_positions(&mine, self.file_id, header_time, &pos)?;
            }
            _ => {}
        }
        Ok(())
    }
}

impl ContentSink for StoreSink<'_> {
    fn on_content(&mut self, report: &FileReport, header_time: Timestamp, content: &Content<'_>) {
        if self.error.is_none() {
            if let Err(e) = self.store_content(report, header_time, content) {
                self.error = Some(e);
            }
        }
    }
}

pub struct IngestResult {
    pub findings: Vec<Finding>,
    pub reports: Vec<(PathBuf, FileReport)>,
    pub summary: Summary,
}

/// Ingests files into an open store. Shared by `ingest` and `demo`.
pub fn ingest_files(
    store: &mut SqliteStore,
    files: Vec<InputFile>,
    registry: Registry,
    opts: ParseOptions,
    pb: &indicatif::ProgressBar,
) -> Result<IngestResult> {
    let mut engine = Engine::new(registry, opts);
    let mut findings = Vec::new();
    let mut reports = Vec::new();
    let mut summary = Summary::default();
    let mut stored_upto = 0;
    store.begin()?;
    for (i, (f, newest)) in batch::order_files(files).into_iter().enumerate() {
        let bytes = std::fs::read(&f.path).with_context(|| format!("cannot read {}", f.path.display()))?;
        pb.inc(f.len);
        if !looks_complete(&bytes) {
            // Still being written or transferred: not archived, not quarantined; the
            // next ingest (or the watcher) takes it once it ends with `||`.
            let mut r = FileReport::new(&f.name);
            r.total = std::str::from_utf8(&bytes).map(minesafe_formats::upload::count_records).unwrap_or(0);
            r.reject_whole(minesafe_formats::FileError::Incomplete);
            summary.add(&r, bytes.len() as u64);
            reports.push((f.path, r));
            continue;
        }
        let report = match store.begin_upload(&f.name, &bytes)? {
            UploadStatus::Duplicate { .. } => {
                let mut r = FileReport::new(&f.name);
                r.outcome = Outcome::Duplicate;
                r
            }
            UploadStatus::New { id, .. } => {
                engine.set_newest_seen(newest);
                let mut sink = StoreSink { store, file_id: id, rows: Vec::new(), error: None };
                let report = engine.process(&f.name, &bytes, &mut sink, &mut findings);
                if let Some(e) = sink.error {
                    return Err(e.context(format!("storing {}", f.path.display())));
                }
                store.finish_upload(id, &upload_summary(&report))?;
                let rejects: Vec<RejectRow> = report
                    .record_errors
                    .iter()
                    .map(|e| RejectRow {
                        record: Some(e.record),
                        field: e.field().map(|f| f.to_string()),
                        code: e.reason.reason_code().to_string(),
                        message: e.reason.to_string(),
                    })
                    .collect();
                if !rejects.is_empty() {
                    store.record_rejects(id, &rejects)?;
                }
                if report.outcome != Outcome::Accepted {
                    let reasons = report.problem_lines(&f.name).join("\n");
                    store.quarantine(&f.name, &bytes, &reasons)?;
                }
                report
            }
        };
        summary.add(&report, bytes.len() as u64);
        if !matches!(report.outcome, Outcome::Accepted | Outcome::Duplicate) || !report.record_errors.is_empty() {
            reports.push((f.path, report));
        }
        // Group commit: findings and rows land together about every hundred files.
        if i % 100 == 99 {
            store.put_findings(&findings[stored_upto..])?;
            stored_upto = findings.len();
            store.commit()?;
            // Statistics lag raw data by a batch of hours: rolling up the current hour
            // on every commit would re-read it many times.
            if i % 5000 == 4999 {
                store.rollup_pending()?;
            }
            store.begin()?;
        }
    }
    engine.finish(&mut findings);
    store.put_findings(&findings[stored_upto..])?;
    store.commit()?;
    store.rollup_pending()?;
    batch::sort_findings(&mut findings);
    Ok(IngestResult { findings, reports, summary })
}

/// A complete upload ends with `||` (inside the quotes of a JSON-quoted body).
/// Checked on the raw bytes: `|` is ASCII in UTF-8 and GB18030 alike.
fn looks_complete(bytes: &[u8]) -> bool {
    let t = bytes.trim_ascii_end();
    let t = t.strip_suffix(b"\"").unwrap_or(t);
    t.ends_with(b"||")
}

fn upload_summary(r: &FileReport) -> UploadSummary {
    UploadSummary {
        mine: r.mine.clone(),
        family: r.family.map(|f| f.type_code().to_string()),
        header_time: r.header_time,
        encoding: r.encoding.map(|e| e.id().to_string()),
        total: r.total as u64,
        accepted: r.accepted as u64,
        rejected: r.rejected as u64,
        status: match r.outcome {
            Outcome::Accepted | Outcome::Duplicate => FileStatus::Accepted,
            Outcome::Partial => FileStatus::Partial,
            Outcome::Rejected | Outcome::Incomplete => FileStatus::Rejected,
        },
        reason: r.error.as_ref().map(|e| format!("{} ({e})", e.reason_code())),
    }
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
    let mut store = open_store(db)?;
    let (files, ignored) = batch::collect(paths)?;
    let pb = batch::progress(files.iter().map(|f| f.len).sum(), quiet, "ingest");
    let result = ingest_files(&mut store, files, registry, parse.options(), &pb)?;
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
    let now = match now {
        Some(s) => Timestamp::parse_rfc3339(s).with_context(|| format!("--now {s}"))?,
        None => Timestamp(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)),
    };
    let mut store = open_store(db)?;
    let policy = minesafe_store::RetentionPolicy { raw_days, minute_days: stats_days, hour_days: stats_days, allow_below_minimum: false };
    let r = store.apply_retention(now, &policy).with_context(|| format!("retention on {}", db.display()))?;
    println!(
        "retention at {now}: raw readings before {} deleted: {}; minute statistics before {}: {}; hour statistics before {}: {}",
        r.raw_cutoff, r.raw_deleted, r.minute_cutoff, r.minute_deleted, r.hour_cutoff, r.hour_deleted
    );
    Ok(0)
}
