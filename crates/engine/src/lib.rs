//! Event-time evaluation per mine.
//!
//! The engine takes upload files one at a time (name + bytes), runs them through
//! the formats crate, routes the typed records to the per-mine rule detectors of
//! the rules crate, and accounts for every record: accepted + rejected = total,
//! per file. Batch `check` and the streaming ingest feed the same [`Engine`], so
//! both give the same findings on the same files.
//!
//! The engine does no I/O of its own: callers read files and may observe parsed
//! content through a [`ContentSink`] (the store does, during `ingest`).

pub mod order;
pub mod report;

use std::collections::HashMap;

use minesafe_formats::container::{self, ParseOptions};
use minesafe_formats::families::ryxx::approved_headcount;
use minesafe_formats::upload::{count_records, Content};
use minesafe_formats::FileName;
use minesafe_model::{Finding, Registry, Timestamp};
use minesafe_rules::monitoring::MonitoringRules;
use minesafe_rules::positioning::PositioningRules;

pub use report::{FileReport, Outcome, Summary};

/// Receives the typed content of every file the engine accepted (fully or partly).
pub trait ContentSink {
    fn on_content(&mut self, report: &FileReport, header_time: Timestamp, content: &Content<'_>);
}

/// A sink that ignores content (batch `check`).
pub struct NoSink;

impl ContentSink for NoSink {
    fn on_content(&mut self, _: &FileReport, _: Timestamp, _: &Content<'_>) {}
}

/// Per-mine rule state.
struct MineState {
    monitoring: MonitoringRules,
    positioning: PositioningRules,
}

/// The engine over a set of mines. State grows with points and people, not readings.
pub struct Engine {
    registry: Registry,
    opts: ParseOptions,
    mines: HashMap<String, MineState>,
    /// The newest header time seen: headers far ahead of it are rejected.
    newest_seen: Option<Timestamp>,
}

impl Engine {
    pub fn new(registry: Registry, opts: ParseOptions) -> Self {
        Engine { registry, opts, mines: HashMap::new(), newest_seen: None }
    }

    /// Sets the newest upload time seen before the next file (batch runs compute it
    /// from the global file order, so partitions agree).
    pub fn set_newest_seen(&mut self, t: Option<Timestamp>) {
        self.newest_seen = t;
    }

    pub fn newest_seen(&self) -> Option<Timestamp> {
        self.newest_seen
    }

    fn mine_state(&mut self, mine: &str) -> &mut MineState {
        let registry = &self.registry;
        self.mines.entry(mine.to_string()).or_insert_with(|| {
            let info = registry.mine(mine);
            MineState { monitoring: MonitoringRules::new(mine, info), positioning: PositioningRules::new(mine, info) }
        })
    }

    /// Processes one file. Findings that close are pushed to `out`.
    pub fn process(&mut self, name: &str, bytes: &[u8], sink: &mut dyn ContentSink, out: &mut Vec<Finding>) -> FileReport {
        let mut report = FileReport::new(name);
        let opts = ParseOptions { newest_seen: self.newest_seen, ..self.opts.clone() };
        let (fname, family, decoded) = match minesafe_formats::open(name, bytes, &opts) {
            Ok(v) => v,
            Err(e) => {
                // Count what we can so the summary still reconciles.
                report.total = std::str::from_utf8(bytes).map(count_records).unwrap_or(0);
                report.reject_whole(e);
                if let Ok(n) = FileName::parse(name) {
                    report.mine = Some(n.mine.to_string());
                    report.family = n.family().ok();
                }
                return report;
            }
        };
        report.mine = Some(fname.mine.to_string());
        report.family = Some(family);
        report.encoding = Some(decoded.encoding);
        // One path for both generations: the formats crate splits by generation.
        match minesafe_formats::parse_text(&fname, family, &decoded.text, &opts) {
            Ok(content) => {
                let header = content.header().clone();
                self.accept(&fname, &header, content, &mut report, sink, out);
            }
            Err(e) => {
                report.total = count_records(&decoded.text);
                report.reject_whole(e);
            }
        }
        report
    }

    fn accept(
        &mut self,
        fname: &FileName,
        header: &container::Header,
        content: Content<'_>,
        report: &mut FileReport,
        sink: &mut dyn ContentSink,
        out: &mut Vec<Finding>,
    ) {
        let header_time = header.time;
        let (total, accepted, rejected) = content.counts();
        report.total = total;
        report.accepted = accepted;
        report.rejected = rejected;
        report.record_errors = content.rejected().to_vec();
        report.header_time = Some(header_time);
        report.outcome = if rejected == 0 { Outcome::Accepted } else { Outcome::Partial };
        if self.newest_seen.is_none_or(|n| header_time > n) {
            self.newest_seen = Some(header_time);
        }
        let file = fname.name.as_str();
        let mine = fname.mine.to_string();
        let state = self.mine_state(&mine);
        match &content {
            Content::Cddy(p) => out.extend(state.monitoring.on_definitions(file, &p.accepted, header_time)),
            Content::Cdss(p) => {
                for (i, r) in &p.accepted {
                    state.monitoring.on_reading(file, *i, &r.reading(), out);
                }
            }
            Content::G1Sssj(p) => {
                for (i, r) in &p.accepted {
                    state.monitoring.on_reading(file, *i, &r.reading(p.header.time), out);
                }
            }
            Content::G1Cddy(p) => out.extend(state.monitoring.on_definitions(file, &p.accepted, header_time)),
            Content::Ryqy(p) => state.positioning.on_areas(file, &p.accepted, header_time),
            Content::Ryxx(p) => state.positioning.on_people(file, &p.accepted, approved_headcount(header), header_time),
            Content::Ryss(p) => state.positioning.on_snapshot(file, header_time, &p.accepted, out),
            Content::Ryqj(p) => {
                for (i, a) in &p.accepted {
                    state.positioning.on_sos(file, *i, &a.card, &a.name, a.start, a.area.as_deref(), a.station.as_deref(), out);
                }
            }
            _ => {}
        }
        sink.on_content(report, header_time, &content);
    }

    /// End of input: open events are reported with `end: None`.
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        let mut mines: Vec<_> = self.mines.iter_mut().collect();
        mines.sort_by(|a, b| a.0.cmp(b.0));
        for (_, s) in mines {
            s.monitoring.finish(out);
            s.positioning.finish(out);
        }
    }

    /// People underground now in a mine, from the newest RYSS (for rescue).
    pub fn underground(&self, mine: &str) -> Vec<minesafe_model::Position> {
        self.mines.get(mine).map(|s| s.positioning.underground().into_iter().cloned().collect()).unwrap_or_default()
    }

    pub fn mines(&self) -> Vec<String> {
        let mut v: Vec<_> = self.mines.keys().cloned().collect();
        v.sort();
        v
    }
}
