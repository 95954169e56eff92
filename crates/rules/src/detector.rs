//! The contract between the engine and the per-mine detectors added for live
//! supervision (integrity, power-cut verification, evacuation, forecast).
//!
//! A detector is pure: the engine hands it what one mine uploaded, in event-time
//! order, plus the findings other detectors produced and, for clock-driven rules
//! (upload stops, evacuation deadlines), the current instant of the injected clock.
//! In batch `check` that instant is the watermark (the newest upload time seen); in
//! `serve` it is the wall clock. Every method has an empty default, so a detector
//! implements only what it reads.
//!
//! Findings follow one convention for live use: a finding may be pushed when its
//! event opens (`end: None`, tag `open`) and again, with the same `id`, when it
//! closes. Consumers keep the last version per id. A finding pushed open that
//! turns out not to qualify is pushed again with the tag `withdrawn`.

use minesafe_model::monitoring::{LinkState, SupplyState};
use minesafe_model::{Finding, PointDef, Position, Reading, Timestamp};

/// The upload a call comes from.
#[derive(Clone, Copy, Debug)]
pub struct Upload<'a> {
    /// File name as uploaded (evidence cites it).
    pub file: &'a str,
    /// Four-letter family code: `CDSS`, `CDDY`, `RYSS`, … (G1 `SSSJ` is given as `CDSS`).
    pub family: &'a str,
    /// Header (generation) time of the file.
    pub time: Timestamp,
}

pub use minesafe_model::finding::{TAG_OPEN, TAG_WITHDRAWN};

/// What a detector learned about a slot: whether its readings can matter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SlotUse {
    /// Not seen yet (or definitions changed since).
    #[default]
    Unknown,
    /// The detector never looks at this point's readings.
    Ignored,
    /// The detector needs this point's readings.
    Used,
}

/// Per-slot cache of [`SlotUse`], cleared when definitions change.
#[derive(Clone, Debug, Default)]
pub struct SlotCache(Vec<SlotUse>);

impl SlotCache {
    pub fn get(&self, slot: usize) -> SlotUse {
        self.0.get(slot).copied().unwrap_or_default()
    }

    pub fn set(&mut self, slot: usize, u: SlotUse) {
        if self.0.len() <= slot {
            self.0.resize(slot + 1, SlotUse::Unknown);
        }
        self.0[slot] = u;
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// A per-mine detector fed by the engine.
#[allow(unused_variables)]
pub trait Detector: Send {
    /// Short name for benchmarks and logs (`integrity`, `powercut`, …).
    fn name(&self) -> &'static str;

    /// Any accepted upload of the mine, before its records are delivered.
    fn on_upload(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {}

    /// Point definitions (CDDY, G1 CDDY).
    fn on_definitions(&mut self, up: &Upload<'_>, defs: &[(usize, PointDef)], out: &mut Vec<Finding>) {}

    /// One reading (CDSS, G1 SSSJ) with its record index.
    fn on_reading(&mut self, up: &Upload<'_>, record: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {}

    /// One reading with the engine's dense index of its point within the mine
    /// (`slot`: assigned in first-seen order, stable for the run). Detectors keep
    /// per-point state; indexing it by slot instead of hashing the point code on
    /// every reading is what keeps all detectors together above 300k readings/s.
    /// The default forwards to [`on_reading`](Detector::on_reading).
    fn on_reading_at(&mut self, up: &Upload<'_>, record: usize, slot: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        self.on_reading(up, record, r, out)
    }

    /// All readings of one CDSS/SSSJ file were delivered.
    fn on_readings_end(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {}

    /// One substation state record (FZSS).
    fn on_substation(&mut self, up: &Upload<'_>, record: usize, code: &str, run: LinkState, supply: SupplyState, out: &mut Vec<Finding>) {}

    /// One personnel snapshot (RYSS): everyone underground at `up.time`.
    fn on_positions(&mut self, up: &Upload<'_>, positions: &[(usize, Position)], out: &mut Vec<Finding>) {}

    /// A finding of another detector of the same mine (opened or closed).
    fn on_finding(&mut self, f: &Finding, out: &mut Vec<Finding>) {}

    /// The clock advanced to `now` (watermark in batch, wall clock in `serve`).
    fn tick(&mut self, now: Timestamp, out: &mut Vec<Finding>) {}

    /// End of input at `now`: events still open are pushed with `end: None`.
    fn finish(&mut self, now: Timestamp, out: &mut Vec<Finding>) {}

    /// Records a detector keeps beside its findings, as JSON (the evacuation
    /// reports: who was there, time to clear, who stayed).
    fn summaries(&self) -> Vec<serde_json::Value> {
        Vec::new()
    }
}
