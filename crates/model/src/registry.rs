//! Mine master data (registry) and the regulators' duty file.
//!
//! Every field is optional: the engine works on bare uploads, and a finding says
//! when it had to infer what the registry would have told it. The JSON Schema is
//! `docs/registry.schema.json`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::ids::MineCode;
use crate::location::LocationClass;
use crate::time::Timestamp;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Registry {
    pub mines: Vec<MineInfo>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MineKind {
    CoalUnderground,
    CoalOpenPit,
    MnmUnderground,
    MnmOpenPit,
    TailingsFacility,
}

/// Gas grade (瓦斯等级).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GasGrade {
    Low,
    High,
    Outburst,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HydroClass {
    Simple,
    Medium,
    Complex,
    ExtremelyComplex,
}

/// A mine's status (矿井状态); in the enforcement ledger it changes only by recorded decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MineStatus {
    /// 正常生产.
    Producing,
    /// 基本建设.
    Construction,
    /// 停产检修 (declared by the mine).
    MaintenanceStop,
    /// 责令停产整顿.
    StoppedByOrder,
    /// 关闭中.
    Closing,
    /// 已关闭.
    Closed,
}

impl MineStatus {
    /// The snake_case name used in JSON and on the CLI.
    pub fn id(self) -> &'static str {
        match self {
            MineStatus::Producing => "producing",
            MineStatus::Construction => "construction",
            MineStatus::MaintenanceStop => "maintenance_stop",
            MineStatus::StoppedByOrder => "stopped_by_order",
            MineStatus::Closing => "closing",
            MineStatus::Closed => "closed",
        }
    }
}

impl std::fmt::Display for MineStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusPeriod {
    pub status: MineStatus,
    pub from: Timestamp,
    #[serde(default)]
    pub to: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    pub name: String,
    pub role: String,
    pub phone: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Licence {
    /// e.g. `safety_production`, `mining`, `business`.
    pub kind: String,
    pub number: String,
    pub valid_from: Timestamp,
    pub valid_to: Timestamp,
}

/// A shift of the schedule (班次), in Beijing local time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    pub name: String,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`; may be earlier than `start` for a night shift.
    pub end: String,
    /// Whether the shift produces coal or only maintains (检修).
    #[serde(default = "yes")]
    pub producing: bool,
}

fn yes() -> bool {
    true
}

/// A declared working face, linked to positioning areas, points and feeders.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Face {
    pub id: String,
    pub name: String,
    /// `longwall` or `heading`.
    pub kind: String,
    pub areas: Vec<String>,
    pub points: Vec<String>,
    pub feeders: Vec<String>,
}

/// The location class of one point, and for wind points the roadway class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointEntry {
    pub code: String,
    pub class: LocationClass,
}

/// An ordered ventilation route: intake → face → return corner → return.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AirPath {
    pub name: String,
    pub points: Vec<String>,
    pub areas: Vec<String>,
}

/// Hazard zoning of a positioning area.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AreaEntry {
    pub code: String,
    /// Rock-burst danger level: `none`, `weak`, `medium`, `strong`.
    pub rock_burst_level: Option<String>,
    /// Water zone: `minable`, `deferred`, `prohibited`.
    pub water_zone: Option<String>,
}

/// Permission for a card to be in a restricted area during a time window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Authorisation {
    pub card: String,
    pub area: String,
    pub from: Timestamp,
    pub to: Timestamp,
    #[serde(default)]
    pub reason: String,
}

/// A manually logged event that rules take as context (fan stopped, power outage, drill-hole blow-out).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManualEvent {
    /// `fan_stopped`, `power_outage`, `drill_blowout`, `water_inrush_alert`, `extreme_weather`.
    pub kind: String,
    pub start: Timestamp,
    #[serde(default)]
    pub end: Option<Timestamp>,
    /// Point codes, areas or faces it concerns; empty = whole mine.
    #[serde(default)]
    pub places: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MineInfo {
    pub code: MineCode,
    #[serde(default)]
    pub legacy_code: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: Option<MineKind>,
    /// Administrative division code of the supervising county.
    #[serde(default)]
    pub jurisdiction: Option<String>,
    #[serde(default)]
    pub approved_capacity_tpa: Option<f64>,
    /// 核定下井人数, when the registry knows it better than the RYXX header.
    #[serde(default)]
    pub approved_headcount: Option<u32>,
    #[serde(default)]
    pub gas_grade: Option<GasGrade>,
    #[serde(default)]
    pub hydro_class: Option<HydroClass>,
    #[serde(default)]
    pub rock_burst: bool,
    #[serde(default)]
    pub status_history: Vec<StatusPeriod>,
    #[serde(default)]
    pub principal: Option<Contact>,
    #[serde(default)]
    pub duty_contacts: Vec<Contact>,
    #[serde(default)]
    pub licences: Vec<Licence>,
    #[serde(default)]
    pub shifts: Vec<Shift>,
    #[serde(default)]
    pub faces: Vec<Face>,
    #[serde(default)]
    pub points: Vec<PointEntry>,
    #[serde(default)]
    pub air_paths: Vec<AirPath>,
    #[serde(default)]
    pub areas: Vec<AreaEntry>,
    #[serde(default)]
    pub authorisations: Vec<Authorisation>,
    #[serde(default)]
    pub manual_events: Vec<ManualEvent>,
    /// Overtime limit underground, hours (POS-7.4); default 12.
    #[serde(default)]
    pub overtime_hours: Option<f64>,
}

impl MineInfo {
    pub fn new(code: MineCode) -> Self {
        MineInfo {
            code,
            legacy_code: None,
            name: String::new(),
            kind: None,
            jurisdiction: None,
            approved_capacity_tpa: None,
            approved_headcount: None,
            gas_grade: None,
            hydro_class: None,
            rock_burst: false,
            status_history: vec![],
            principal: None,
            duty_contacts: vec![],
            licences: vec![],
            shifts: vec![],
            faces: vec![],
            points: vec![],
            air_paths: vec![],
            areas: vec![],
            authorisations: vec![],
            manual_events: vec![],
            overtime_hours: None,
        }
    }

    pub fn point_class(&self, code: &str) -> Option<LocationClass> {
        self.points.iter().find(|p| p.code == code).map(|p| p.class)
    }

    pub fn status_at(&self, t: Timestamp) -> Option<MineStatus> {
        self.status_history.iter().filter(|p| p.from <= t && p.to.is_none_or(|to| t < to)).map(|p| p.status).next_back()
    }
}

impl Registry {
    /// Index by mine code, and by legacy G1 code too.
    pub fn index(&self) -> HashMap<String, &MineInfo> {
        let mut m = HashMap::new();
        for mine in &self.mines {
            m.insert(mine.code.to_string(), mine);
            if let Some(l) = &mine.legacy_code {
                m.insert(l.clone(), mine);
            }
        }
        m
    }

    pub fn mine(&self, code: &str) -> Option<&MineInfo> {
        self.mines.iter().find(|m| m.code.as_str() == code || m.legacy_code.as_deref() == Some(code))
    }
}

/// Administrative level of a regulator office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegulatorLevel {
    County,
    City,
    Province,
    National,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegulatorOffice {
    /// Administrative division code (6 digits).
    pub code: String,
    pub name: String,
    pub level: RegulatorLevel,
    #[serde(default)]
    pub duty_contacts: Vec<Contact>,
}

/// The regulators file: each administrative level's duty contacts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Regulators {
    pub offices: Vec<RegulatorOffice>,
}
