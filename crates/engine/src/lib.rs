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
use minesafe_formats::families::Family;
use minesafe_formats::upload::{count_records, Content};
use minesafe_formats::FileName;
use minesafe_model::{Finding, Reading, Registry, Timestamp};
use minesafe_rules::detector::{Detector, Upload};
use minesafe_rules::monitoring::MonitoringRules;
use minesafe_rules::positioning::PositioningRules;
use minesafe_rules::LiveConfig;

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
    monitoring: Option<MonitoringRules>,
    positioning: Option<PositioningRules>,
    /// Integrity, power-cut, forecast and evacuation detectors ([`minesafe_rules::live_detectors`]).
    live: Vec<Box<dyn Detector>>,
    /// Dense per-mine index of point codes, handed to the live detectors with each reading.
    slots: HashMap<String, usize, foldhash::fast::RandomState>,
}

impl MineState {
    /// One reading to every detector of the mine.
    fn reading(&mut self, up: &Upload<'_>, record: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        if let Some(m) = self.monitoring.as_mut() {
            m.on_reading(up.file, record, r, out);
        }
        if !self.live.is_empty() {
            let slot = self.slot(r.point);
            for d in self.live.iter_mut() {
                d.on_reading_at(up, record, slot, r, out);
            }
        }
    }

    fn readings_end(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {
        for d in self.live.iter_mut() {
            d.on_readings_end(up, out);
        }
    }

    /// The clock advanced: clock-driven rules run, their findings go round the mine.
    fn tick(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        let first_new = out.len();
        for d in self.live.iter_mut() {
            d.tick(now, out);
        }
        feed_back(&mut self.live, out, first_new);
    }

    fn slot(&mut self, point: &str) -> usize {
        if let Some(&s) = self.slots.get(point) {
            return s;
        }
        let s = self.slots.len();
        self.slots.insert(point.to_string(), s);
        s
    }
}

/// How the engine evaluates.
#[derive(Clone, Debug, Default)]
pub struct EngineConfig {
    /// Settings of the live-supervision detectors.
    pub live: LiveConfig,
    /// Push findings when their event opens as well as when it closes (`serve`); see
    /// [`minesafe_rules::detector`] for the convention. Batch `check` leaves it off.
    pub announce: bool,
    /// Run only these detectors (by name: `monitoring`, `positioning`, `integrity`,
    /// `powercut`, `forecast`, `evacuation`); `None` runs all. For benchmarks.
    pub only: Option<Vec<String>>,
}

impl EngineConfig {
    fn wants(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.iter().any(|n| n == name))
    }
}

/// Detector names, in the order the engine feeds them.
pub const DETECTORS: [&str; 6] = ["monitoring", "positioning", "integrity", "powercut", "forecast", "evacuation"];

/// Findings produced by a detector are fed to the mine's other detectors; a chain
/// deeper than this (a finding about a finding about a finding …) is cut.
const FEEDBACK_DEPTH: usize = 4;

/// The engine over a set of mines. State grows with points and people, not readings.
pub struct Engine {
    registry: Registry,
    opts: ParseOptions,
    cfg: EngineConfig,
    mines: HashMap<String, MineState>,
    /// The newest header time seen: headers far ahead of it are rejected.
    newest_seen: Option<Timestamp>,
}

impl Engine {
    pub fn new(registry: Registry, opts: ParseOptions) -> Self {
        Self::with_config(registry, opts, EngineConfig::default())
    }

    pub fn with_config(registry: Registry, opts: ParseOptions, cfg: EngineConfig) -> Self {
        Engine { registry, opts, cfg, mines: HashMap::new(), newest_seen: None }
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
        let cfg = &self.cfg;
        self.mines.entry(mine.to_string()).or_insert_with(|| {
            let info = registry.mine(mine);
            let monitoring = cfg.wants("monitoring").then(|| {
                let mut m = MonitoringRules::new(mine, info);
                m.set_announce(cfg.announce);
                m
            });
            let positioning = cfg.wants("positioning").then(|| PositioningRules::new(mine, info));
            let mut live = minesafe_rules::live_detectors(mine, info, &cfg.live);
            live.retain(|d| cfg.wants(d.name()));
            MineState { monitoring, positioning, live, slots: HashMap::default() }
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
        let family = content.family();
        let family_code = match family {
            Family::G1Sssj => "CDSS",
            f => f.type_code(),
        };
        let up = Upload { file, family: family_code, time: header_time };
        let first_new = out.len();
        for d in state.live.iter_mut() {
            d.on_upload(&up, out);
        }
        match &content {
            Content::Cddy(p) | Content::G1Cddy(p) => {
                if let Some(m) = state.monitoring.as_mut() {
                    out.extend(m.on_definitions(file, &p.accepted, header_time));
                }
                for d in state.live.iter_mut() {
                    d.on_definitions(&up, &p.accepted, out);
                }
            }
            Content::Cdss(p) => {
                for (i, r) in &p.accepted {
                    state.reading(&up, *i, &r.reading(), out);
                }
                state.readings_end(&up, out);
            }
            Content::G1Sssj(p) => {
                for (i, r) in &p.accepted {
                    state.reading(&up, *i, &r.reading(p.header.time), out);
                }
                state.readings_end(&up, out);
            }
            Content::Fzss(p) => {
                for (i, s) in &p.accepted {
                    for d in state.live.iter_mut() {
                        d.on_substation(&up, *i, &s.code, s.run, s.supply, out);
                    }
                }
            }
            Content::Ryqy(p) => {
                if let Some(pos) = state.positioning.as_mut() {
                    pos.on_areas(file, &p.accepted, header_time);
                }
            }
            Content::Ryxx(p) => {
                if let Some(pos) = state.positioning.as_mut() {
                    pos.on_people(file, &p.accepted, approved_headcount(header), header_time);
                }
            }
            Content::Ryss(p) => {
                if let Some(pos) = state.positioning.as_mut() {
                    pos.on_snapshot(file, header_time, &p.accepted, out);
                }
                for d in state.live.iter_mut() {
                    d.on_positions(&up, &p.accepted, out);
                }
            }
            Content::Ryqj(p) => {
                if let Some(pos) = state.positioning.as_mut() {
                    for (i, a) in &p.accepted {
                        pos.on_sos(file, *i, &a.card, &a.name, a.start, a.area.as_deref(), a.station.as_deref(), out);
                    }
                }
            }
            _ => {}
        }
        feed_back(&mut state.live, out, first_new);
        sink.on_content(report, header_time, &content);
    }

    /// The injected clock advanced to `now` (the watermark in batch runs, the wall
    /// clock in `serve`): clock-driven rules (upload stops, deadlines) look at it.
    pub fn tick(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        let mut mines: Vec<_> = self.mines.iter_mut().collect();
        mines.sort_by(|a, b| a.0.cmp(b.0));
        for (_, s) in mines {
            s.tick(now, out);
        }
    }

    /// Ticks one mine only (batch partitions own a subset of the mines).
    pub fn tick_mine(&mut self, mine: &str, now: Timestamp, out: &mut Vec<Finding>) {
        if let Some(s) = self.mines.get_mut(mine) {
            s.tick(now, out);
        }
    }

    /// End of input at the watermark: open events are reported with `end: None`.
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        let now = self.newest_seen.unwrap_or_default();
        self.finish_at(now, out);
    }

    /// End of input at `now` (batch partitions pass the global watermark).
    pub fn finish_at(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        let mut mines: Vec<_> = self.mines.iter_mut().collect();
        mines.sort_by(|a, b| a.0.cmp(b.0));
        for (_, s) in mines {
            let first_new = out.len();
            if let Some(m) = s.monitoring.as_mut() {
                m.finish(out);
            }
            if let Some(p) = s.positioning.as_mut() {
                p.finish(out);
            }
            // A last tick at the end instant; then everything new goes round once.
            for d in s.live.iter_mut() {
                d.tick(now, out);
            }
            feed_back(&mut s.live, out, first_new);
            let first_new = out.len();
            for d in s.live.iter_mut() {
                d.finish(now, out);
            }
            feed_back(&mut s.live, out, first_new);
        }
    }

    /// People underground now in a mine, from the newest RYSS (for rescue).
    pub fn underground(&self, mine: &str) -> Vec<minesafe_model::Position> {
        self.mines
            .get(mine)
            .and_then(|s| s.positioning.as_ref())
            .map(|p| p.underground().into_iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The detectors' records beside findings (evacuation reports), mine by mine.
    pub fn summaries(&self) -> Vec<serde_json::Value> {
        let mut mines: Vec<_> = self.mines.iter().collect();
        mines.sort_by(|a, b| a.0.cmp(b.0));
        mines.into_iter().flat_map(|(_, s)| s.live.iter().flat_map(|d| d.summaries())).collect()
    }

    pub fn mines(&self) -> Vec<String> {
        let mut v: Vec<_> = self.mines.keys().cloned().collect();
        v.sort();
        v
    }
}

/// Feeds the findings pushed since `first_new` to the mine's live detectors, and the
/// findings those produce in turn, up to [`FEEDBACK_DEPTH`] rounds.
fn feed_back(live: &mut [Box<dyn Detector>], out: &mut Vec<Finding>, mut first_new: usize) {
    for _ in 0..FEEDBACK_DEPTH {
        let end = out.len();
        if first_new == end {
            return;
        }
        for i in first_new..end {
            let f = out[i].clone();
            for d in live.iter_mut() {
                d.on_finding(&f, out);
            }
        }
        first_new = end;
    }
}

/// The last version of every finding, in first-seen order, without withdrawn ones:
/// what a consumer of the open/close stream ends up with (see
/// [`minesafe_rules::detector`]).
pub fn latest_findings(all: Vec<Finding>) -> Vec<Finding> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(all.len());
    let mut latest: Vec<Option<Finding>> = Vec::with_capacity(all.len());
    for f in all {
        match index.get(&f.id) {
            Some(&i) => latest[i] = Some(f),
            None => {
                index.insert(f.id.clone(), latest.len());
                latest.push(Some(f));
            }
        }
    }
    latest.into_iter().flatten().filter(|f| !f.has_tag(minesafe_rules::detector::TAG_WITHDRAWN)).collect()
}
