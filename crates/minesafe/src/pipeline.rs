//! One file through admission, the engine and the store: shared by `ingest`
//! (files given on the command line) and `serve --watch` (files as they land).
//!
//! A file counts as consumed only once the transaction holding its records is
//! committed; findings are handed to the caller as soon as the engine computes them
//! and stored with the next commit.

use std::path::Path;

use anyhow::{Context, Result};
use minesafe_engine::{ContentSink, Engine, EngineConfig, FileReport, Outcome};
use minesafe_formats::{Content, ParseOptions};
use minesafe_model::{Finding, Registry, Timestamp};
use minesafe_store::{FileStatus, ReadingRow, RejectRow, SqliteStore, Store, UploadStatus, UploadSummary};

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

/// Also sees the parsed content after the store (the server attaches the mines'
/// YCBJ explanations to alarms).
pub trait ContentTap {
    fn on_content(&mut self, report: &FileReport, content: &Content<'_>);
}

struct Tee<'a, 's> {
    store: StoreSink<'s>,
    tap: Option<&'a mut dyn ContentTap>,
}

impl ContentSink for Tee<'_, '_> {
    fn on_content(&mut self, report: &FileReport, header_time: Timestamp, content: &Content<'_>) {
        self.store.on_content(report, header_time, content);
        if let Some(t) = self.tap.as_mut() {
            t.on_content(report, content);
        }
    }
}

/// The store and the engine, with the findings not yet committed.
pub struct Pipeline {
    pub store: SqliteStore,
    pub engine: Engine,
    /// Findings computed since the last commit.
    pending: Vec<Finding>,
    /// Files processed in the open transaction.
    pub files_in_txn: usize,
}

impl Pipeline {
    pub fn new(store: SqliteStore, registry: Registry, opts: ParseOptions, cfg: EngineConfig) -> Self {
        Pipeline { store, engine: Engine::with_config(registry, opts, cfg), pending: Vec::new(), files_in_txn: 0 }
    }

    fn ensure_txn(&mut self) -> Result<()> {
        if !self.store.in_transaction() {
            self.store.begin()?;
        }
        Ok(())
    }

    /// Takes one file. `newest` is the newest upload time seen before it (batch runs
    /// compute it from the global order; `None` lets the engine keep its own).
    /// Findings the engine computes are appended to `out` at once.
    pub fn offer(
        &mut self,
        label: &Path,
        name: &str,
        bytes: &[u8],
        newest: Option<Option<Timestamp>>,
        tap: Option<&mut dyn ContentTap>,
        out: &mut Vec<Finding>,
    ) -> Result<FileReport> {
        if !looks_complete(bytes) {
            // Still being written or transferred: not archived, not quarantined; a
            // later run (or the watcher, on the next change) takes it once it ends with `||`.
            let mut r = FileReport::new(name);
            r.total = std::str::from_utf8(bytes).map(minesafe_formats::upload::count_records).unwrap_or(0);
            r.reject_whole(minesafe_formats::FileError::Incomplete);
            return Ok(r);
        }
        self.ensure_txn()?;
        let report = match self.store.begin_upload(name, bytes)? {
            UploadStatus::Duplicate { .. } => {
                let mut r = FileReport::new(name);
                r.outcome = Outcome::Duplicate;
                r
            }
            UploadStatus::New { id, .. } => {
                if let Some(n) = newest {
                    self.engine.set_newest_seen(n);
                }
                let first = out.len();
                let mut sink = Tee { store: StoreSink { store: &mut self.store, file_id: id, rows: Vec::new(), error: None }, tap };
                let report = self.engine.process(name, bytes, &mut sink, out);
                if let Some(e) = sink.store.error {
                    return Err(e.context(format!("storing {}", label.display())));
                }
                self.pending.extend_from_slice(&out[first..]);
                self.store.finish_upload(id, &upload_summary(&report))?;
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
                    self.store.record_rejects(id, &rejects)?;
                }
                if report.outcome != Outcome::Accepted {
                    let reasons = report.problem_lines(name).join("\n");
                    self.store.quarantine(name, bytes, &reasons)?;
                }
                report
            }
        };
        self.files_in_txn += 1;
        Ok(report)
    }

    /// The clock advanced: clock-driven rules run; findings go to `out` and are
    /// stored with the next commit.
    pub fn tick(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        let first = out.len();
        self.engine.tick(now, out);
        self.pending.extend_from_slice(&out[first..]);
    }

    /// Ticks only the mine of the next file (batch order: see `batch::run_engine`).
    pub fn tick_mine(&mut self, mine: &str, now: Timestamp, out: &mut Vec<Finding>) {
        let first = out.len();
        self.engine.tick_mine(mine, now, out);
        self.pending.extend_from_slice(&out[first..]);
    }

    /// Stores pending findings and commits: the files processed since the last
    /// commit are consumed from here on.
    pub fn commit(&mut self) -> Result<usize> {
        self.ensure_txn()?;
        self.store.put_findings(&self.pending).context("storing findings")?;
        self.pending.clear();
        self.store.commit().context("committing")?;
        Ok(std::mem::take(&mut self.files_in_txn))
    }

    /// End of input at `now`: open events are reported (and stored) with `end: None`.
    pub fn finish(&mut self, now: Timestamp, out: &mut Vec<Finding>) -> Result<()> {
        let first = out.len();
        self.engine.finish_at(now, out);
        self.pending.extend_from_slice(&out[first..]);
        self.commit()?;
        Ok(())
    }
}

/// A complete upload ends with `||` (inside the quotes of a JSON-quoted body).
/// Checked on the raw bytes: `|` is ASCII in UTF-8 and GB18030 alike.
pub fn looks_complete(bytes: &[u8]) -> bool {
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
