//! Per-file accounting: every record accepted or rejected, with reasons.

use std::collections::BTreeMap;
use std::fmt;

use minesafe_formats::{Encoding, Family, FileError, RecordError};
use minesafe_model::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Accepted,
    /// Some records rejected, the rest kept.
    Partial,
    /// The whole file rejected; all its records count as rejected.
    Rejected,
    /// Incomplete (no `||`): reported by `check`, waited for by a watcher.
    Incomplete,
    /// Same content already stored.
    Duplicate,
}

impl Outcome {
    pub fn id(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Partial => "partial",
            Self::Rejected => "rejected",
            Self::Incomplete => "incomplete",
            Self::Duplicate => "duplicate",
        }
    }
}

/// What happened to one file.
#[derive(Clone, Debug)]
pub struct FileReport {
    pub name: String,
    pub mine: Option<String>,
    pub family: Option<Family>,
    pub encoding: Option<Encoding>,
    pub header_time: Option<Timestamp>,
    pub total: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub outcome: Outcome,
    pub error: Option<FileError>,
    pub record_errors: Vec<RecordError>,
}

impl FileReport {
    pub fn new(name: &str) -> Self {
        FileReport {
            name: name.to_string(),
            mine: None,
            family: None,
            encoding: None,
            header_time: None,
            total: 0,
            accepted: 0,
            rejected: 0,
            outcome: Outcome::Accepted,
            error: None,
            record_errors: vec![],
        }
    }

    /// The whole file is rejected: all its records count as rejected.
    pub fn reject_whole(&mut self, e: FileError) {
        self.outcome = if e == FileError::Incomplete { Outcome::Incomplete } else { Outcome::Rejected };
        self.accepted = 0;
        self.rejected = self.total;
        self.error = Some(e);
        self.record_errors.clear();
    }

    pub fn reason_code(&self) -> Option<&'static str> {
        self.error.as_ref().map(|e| e.reason_code())
    }

    /// Lines for stderr: the file, then each rejected record with index, field and reason.
    pub fn problem_lines(&self, path: &str) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(e) = &self.error {
            v.push(format!("{path}: {} ({} records): {e} [{}]", self.outcome.id(), self.total, e.reason_code()));
        }
        for r in &self.record_errors {
            let field = r.field().map(|f| format!(" field {f}")).unwrap_or_default();
            v.push(format!("{path}: record {}{field}: {} [{}]", r.record, r.reason, r.reason.reason_code()));
        }
        v
    }
}

/// Totals over a run; `accepted + rejected == records` by construction.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub files: usize,
    pub files_by_outcome: BTreeMap<&'static str, usize>,
    pub reasons: BTreeMap<&'static str, usize>,
    pub records: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub bytes: u64,
}

impl Summary {
    pub fn add(&mut self, r: &FileReport, bytes: u64) {
        self.files += 1;
        self.bytes += bytes;
        *self.files_by_outcome.entry(r.outcome.id()).or_default() += 1;
        if let Some(code) = r.reason_code() {
            *self.reasons.entry(code).or_default() += 1;
        }
        for e in &r.record_errors {
            *self.reasons.entry(e.reason.reason_code()).or_default() += 1;
        }
        if r.outcome != Outcome::Duplicate {
            self.records += r.total;
            self.accepted += r.accepted;
            self.rejected += r.rejected;
        }
    }

    pub fn merge(&mut self, o: &Summary) {
        self.files += o.files;
        self.bytes += o.bytes;
        for (k, v) in &o.files_by_outcome {
            *self.files_by_outcome.entry(k).or_default() += v;
        }
        for (k, v) in &o.reasons {
            *self.reasons.entry(k).or_default() += v;
        }
        self.records += o.records;
        self.accepted += o.accepted;
        self.rejected += o.rejected;
    }

    pub fn reconciles(&self) -> bool {
        self.accepted + self.rejected == self.records
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcomes: Vec<String> = self.files_by_outcome.iter().map(|(k, v)| format!("{v} {k}")).collect();
        write!(
            f,
            "{} files ({}); {} records = {} accepted + {} rejected",
            self.files,
            outcomes.join(", "),
            self.records,
            self.accepted,
            self.rejected
        )?;
        if !self.reasons.is_empty() {
            let reasons: Vec<String> = self.reasons.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            write!(f, "; reasons: {}", reasons.join(", "))?;
        }
        Ok(())
    }
}
