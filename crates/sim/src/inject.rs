//! Injected violations: what can be injected, where and when it happens, and the
//! ground truth observed in the files written.
//!
//! The original ten kinds are placed in mid-shift slots of their own (the k-th
//! injection of a mine gets day `k mod days` and the k-th hour of a fixed list).
//! The live-supervision kinds (monitoring integrity, power-cut interlocks,
//! evacuation, upload gaps) need a working face and its crew, so each is placed at
//! random in the working hours of a producing shift, clear of the windows already
//! taken in its mine; injections in one mine therefore do not overlap unless the
//! run is too short for all of them. A truth line is not the plan but what the
//! snapshots show: the first and last snapshot in which the trace is visible (for a
//! missing point or file, the first and last snapshot it is missing from).
//!
//! Every injection keeps clear of other rules: a covered or stuck sensor stays
//! under its alarm, a silenced single point is one no face or air path maps to an
//! area, and a kind whose condition necessarily carries another detection (a power
//! cut needs an over-limit first) lists that rule beside its own.

use std::fmt;
use std::str::FromStr;

use minesafe_model::Timestamp;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::layout::{self, stream, MineModel, Role, SHIFT};
use crate::monitor::Monitor;
use crate::people::{self, Rec, Trip};
use crate::{SimConfig, SimError, TruthLine, DAY};

/// The declared cut-off a [`InjectionKind::LaxCutOff`] writes in CDDY (the regulation says 1.5 %).
pub(crate) const LAX_CUT: f64 = 2.0;

/// A kind of violation the simulator can inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InjectionKind {
    /// Methane at a heading face over the 1.5 % cut-off; the power cut works (status 3, feeder 0).
    MethaneCutOk,
    /// Methane at a longwall face T1 over the cut-off without power cut (status 1, feeder stays 1).
    MethaneNoCut,
    /// A heading-face methane sensor declared in CDDY with a 2.0 % cut-off (regulation: 1.5 %).
    LaxCutOff,
    /// CO in a longwall return rising to about 40 ppm (limit 24 ppm).
    CoRise,
    /// A card inside the restricted area (限制区域) without authorisation.
    RestrictedEntry,
    /// More people in a face area than its RYQY quota (区域核定人数).
    AreaOverQuota,
    /// A person underground for more than 12 h.
    Overtime,
    /// A card signalling SOS (求救).
    Sos,
    /// More people underground than the approved headcount (核定下井人数).
    HeadcountOver,
    /// Methane at a longwall face ≥ 3 % for 15 min (power cut works).
    #[serde(rename = "methane_3pct_10min")]
    Methane3Pct10Min,
    /// Heading-face methane over the cut-off; the cut works, but power (复电) is
    /// restored by hand while the sensor still reads ≥ its 1.0 % restore level.
    RestoreEarly,
    /// A heading's main auxiliary fan (局部通风机, 1001) stops for about 10 min while the heading's feeder keeps power.
    AuxFanStopPowered,
    /// A longwall T1 on an air path reads 0.02–0.05 % (covered, 遮盖) for over an hour
    /// of production while its air-path neighbours move normally.
    CoveredSensor,
    /// One methane point's values copied exactly onto another point for over an hour.
    ClonedSeries,
    /// A CDDY uploaded mid-run raises a return methane sensor's alarm and cut-off thresholds.
    LoosenedThresholds,
    /// A heading-face methane sensor frozen at a constant non-zero value for over two hours of production.
    StuckSensor,
    /// A point's record times (数据时间) run backwards over eight snapshots.
    TimeBackwards,
    /// Calibration status (标校, bit 4) on a methane sensor for 45 min of a producing shift.
    CalibrationInProduction,
    /// A defined point missing from the CDSS snapshots for about 30 min while FZSS shows its substation up.
    SilentPoint,
    /// Every monitoring point of a longwall missing for about 30 min while its crew works there (RYSS).
    SilentWithPeople,
    /// Longwall methane ≥ 1.5 % for over 40 min; the cut fails, the crew stays and the shearer runs.
    IgnoredEvacuation,
    /// No CDSS (nor FZSS) file at all from one mine for about 30 min.
    UploadGap,
    /// The CDSS and FZSS files of a 30 min window are delivered an hour late, into `<out>/<mine>/late/`.
    /// Only a consumer that sees files in delivery order sees the gap: see [`InjectionKind::delivery_order_only`].
    LateBackfill,
}

impl InjectionKind {
    pub const ALL: [InjectionKind; 23] = [
        Self::MethaneCutOk,
        Self::MethaneNoCut,
        Self::LaxCutOff,
        Self::CoRise,
        Self::RestrictedEntry,
        Self::AreaOverQuota,
        Self::Overtime,
        Self::Sos,
        Self::HeadcountOver,
        Self::Methane3Pct10Min,
        Self::RestoreEarly,
        Self::AuxFanStopPowered,
        Self::CoveredSensor,
        Self::ClonedSeries,
        Self::LoosenedThresholds,
        Self::StuckSensor,
        Self::TimeBackwards,
        Self::CalibrationInProduction,
        Self::SilentPoint,
        Self::SilentWithPeople,
        Self::IgnoredEvacuation,
        Self::UploadGap,
        Self::LateBackfill,
    ];

    /// The snake-case name used on the command line and in `truth.jsonl`.
    pub fn id(self) -> &'static str {
        match self {
            Self::MethaneCutOk => "methane_cut_ok",
            Self::MethaneNoCut => "methane_no_cut",
            Self::LaxCutOff => "lax_cut_off",
            Self::CoRise => "co_rise",
            Self::RestrictedEntry => "restricted_entry",
            Self::AreaOverQuota => "area_over_quota",
            Self::Overtime => "overtime",
            Self::Sos => "sos",
            Self::HeadcountOver => "headcount_over",
            Self::Methane3Pct10Min => "methane_3pct_10min",
            Self::RestoreEarly => "restore_early",
            Self::AuxFanStopPowered => "aux_fan_stop_powered",
            Self::CoveredSensor => "covered_sensor",
            Self::ClonedSeries => "cloned_series",
            Self::LoosenedThresholds => "loosened_thresholds",
            Self::StuckSensor => "stuck_sensor",
            Self::TimeBackwards => "time_backwards",
            Self::CalibrationInProduction => "calibration_in_production",
            Self::SilentPoint => "silent_point",
            Self::SilentWithPeople => "silent_with_people",
            Self::IgnoredEvacuation => "ignored_evacuation",
            Self::UploadGap => "upload_gap",
            Self::LateBackfill => "late_backfill",
        }
    }

    /// Parses the snake-case name; case and `-` for `_` are tolerated.
    pub fn parse(s: &str) -> Option<Self> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL.into_iter().find(|k| k.id() == norm)
    }

    /// The rule IDs a correct evaluation reports for this violation at `start`.
    /// ORD21 (应急管理部令第21号) replaces ORD4 for events from 2026-07-01.
    pub fn rules(self, start: Timestamp) -> Vec<String> {
        let ord21 = Timestamp::from_beijing(2026, 7, 1, 0, 0, 0).is_some_and(|d| start >= d);
        let ids: &[&str] = match self {
            Self::MethaneCutOk => &["CSR-GAS-3"],
            // The feeder stays on — the interlock fails by the status bit and by the feed
            // (MON-10) — and with the power on the crew works on (ALM-2, ALM-3).
            Self::MethaneNoCut if ord21 => &["CM26-11.4", "CSR-GAS-3", "MON-10", "ALM-2", "ALM-3"],
            Self::MethaneNoCut => &["CM-4.2", "CSR-GAS-3", "MON-10", "ALM-2", "ALM-3"],
            Self::LaxCutOff => &["CSR-SENS-1"],
            Self::CoRise => &["CSR-AIR-2"],
            Self::RestrictedEntry => &["POS-7.1"],
            Self::AreaOverQuota => &["POS-7.2"],
            Self::Overtime => &["POS-7.4"],
            Self::Sos => &["POS-10"],
            Self::HeadcountOver => &["POS-7.3"],
            Self::Methane3Pct10Min if ord21 => &["CM26-2.8", "CSR-GAS-4", "CSR-GAS-3"],
            Self::Methane3Pct10Min => &["CSR-GAS-4", "CSR-GAS-3"],
            // The cut at 1.5 % before the early restore is itself a CSR-GAS-3 event.
            Self::RestoreEarly => &["MON-11", "CSR-GAS-3"],
            Self::AuxFanStopPowered => &["MON-12"],
            Self::CoveredSensor => &["MON-4"],
            Self::ClonedSeries => &["MON-5"],
            // Raised past the sensor table, so the new settings are also laxer than the regulation.
            Self::LoosenedThresholds => &["MON-8", "CSR-SENS-1"],
            Self::StuckSensor => &["MON-3"],
            Self::TimeBackwards => &["MON-6"],
            Self::CalibrationInProduction => &["MON-7"],
            Self::SilentPoint => &["MON-2"],
            Self::SilentWithPeople => &["MON-9", "MON-2"],
            // The shearer can only run on because the cut failed: the failed interlock
            // (CM-4.2 / CM26-11.4, MON-10) and the over-limit itself are the same event.
            Self::IgnoredEvacuation if ord21 => &["ALM-2", "ALM-3", "CSR-GAS-3", "CM26-11.4", "MON-10"],
            Self::IgnoredEvacuation => &["ALM-2", "ALM-3", "CSR-GAS-3", "CM-4.2", "MON-10"],
            // A whole-mine silence while people work underground is also MON-9.
            Self::UploadGap | Self::LateBackfill => &["MON-1", "MON-9"],
        };
        ids.iter().map(|s| s.to_string()).collect()
    }

    /// Group of the standard spread over mines (mine = group mod the mines that get injections).
    fn group(self) -> usize {
        match self {
            Self::MethaneCutOk | Self::MethaneNoCut => 0,
            Self::LaxCutOff | Self::CoRise | Self::Methane3Pct10Min => 1,
            Self::RestrictedEntry | Self::AreaOverQuota | Self::Sos => 2,
            Self::Overtime | Self::HeadcountOver => 3,
            Self::RestoreEarly | Self::CoveredSensor | Self::UploadGap => 0,
            Self::AuxFanStopPowered | Self::StuckSensor | Self::SilentPoint => 1,
            Self::ClonedSeries | Self::SilentWithPeople | Self::TimeBackwards => 2,
            Self::LoosenedThresholds | Self::IgnoredEvacuation | Self::CalibrationInProduction | Self::LateBackfill => 3,
        }
    }

    /// Whether the violation shows only to a consumer that sees the files in
    /// delivery order (streaming): a batch run over every file sees no gap for a
    /// [`InjectionKind::LateBackfill`], so batch recall should not count it.
    pub fn delivery_order_only(self) -> bool {
        self == Self::LateBackfill
    }

    /// Whether the kind is one of the original ten, placed in the fixed slots.
    fn slotted(self) -> bool {
        (self as usize) < 10
    }
}

impl fmt::Display for InjectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

/// A malformed `--inject` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseInjectionError {
    #[error(
        "unknown injection kind {0:?}; expected one of: methane_cut_ok, methane_no_cut, lax_cut_off, co_rise, restricted_entry, \
         area_over_quota, overtime, sos, headcount_over, methane_3pct_10min, restore_early, aux_fan_stop_powered, covered_sensor, \
         cloned_series, loosened_thresholds, stuck_sensor, time_backwards, calibration_in_production, silent_point, \
         silent_with_people, ignored_evacuation, upload_gap, late_backfill"
    )]
    UnknownKind(String),
    #[error("bad mine {0:?} after `@`: give the mine's number (1 = 999901000001) or its 12-digit code")]
    BadMine(String),
}

impl FromStr for InjectionKind {
    type Err = ParseInjectionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| ParseInjectionError::UnknownKind(s.to_string()))
    }
}

/// One violation to inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Injection {
    pub kind: InjectionKind,
    /// 0-based mine index; `None` spreads it like the standard set.
    pub mine: Option<usize>,
}

impl Injection {
    /// Parses `KIND[@MINE]`; MINE is the mine's number as in its code's last six
    /// digits (`@1` = 999901000001) or the 12-digit code itself.
    pub fn parse(s: &str) -> Result<Self, ParseInjectionError> {
        let (kind, mine) = match s.split_once('@') {
            Some((k, m)) => (k, Some(m.trim())),
            None => (s, None),
        };
        let kind = kind.parse()?;
        let mine = match mine {
            None => None,
            Some(m) => {
                let bad = || ParseInjectionError::BadMine(m.to_string());
                if m.is_empty() || !m.bytes().all(|b| b.is_ascii_digit()) || (m.len() > 6 && m.len() != 12) {
                    return Err(bad());
                }
                let seq: usize = m[m.len().saturating_sub(6)..].parse().map_err(|_| bad())?;
                if seq == 0 {
                    return Err(bad());
                }
                Some(seq - 1)
            }
        };
        Ok(Injection { kind, mine })
    }

    /// One of each kind, spread over the mines so that at least one mine (two of six) has none.
    pub fn standard_set() -> Vec<Injection> {
        InjectionKind::ALL.into_iter().map(|kind| Injection { kind, mine: None }).collect()
    }
}

impl FromStr for Injection {
    type Err = ParseInjectionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Injection::parse(s)
    }
}

/// The kinds injected into each mine, in configuration order.
pub(crate) fn assign(cfg: &SimConfig) -> Vec<Vec<InjectionKind>> {
    let usable = if cfg.mines >= 2 { (cfg.mines - 1).min(4) } else { 1 };
    let mut out = vec![Vec::new(); cfg.mines];
    for i in &cfg.injections {
        let m = i.mine.unwrap_or(i.kind.group() % usable);
        if let Some(v) = out.get_mut(m) {
            v.push(i.kind);
        }
    }
    out
}

/// A CDSS value override: a rise, a hold with a small wobble, a fall.
#[derive(Clone, Debug)]
pub(crate) struct CdssEvent {
    pub point: usize,
    pub start: Timestamp,
    pub rise: i64,
    pub hold: i64,
    pub fall: i64,
    pub from: f64,
    pub peak: f64,
    pub to: f64,
    pub wobble: f64,
    /// The power cut does not happen (status bit 2 never set, feeders stay on).
    pub cut_fails: bool,
    /// A second plateau after the fall from the peak: (level, hold s, fall s to `to`).
    pub mid: Option<(f64, i64, i64)>,
}

impl CdssEvent {
    /// Seconds from the start to the end of the event.
    pub fn length(&self) -> i64 {
        self.rise + self.hold + self.fall + self.mid.map_or(0, |(_, h, f)| h + f)
    }

    fn value(&self, t: Timestamp) -> Option<f64> {
        let tau = t.secs_since(self.start);
        if tau < 0 || tau > self.length() {
            return None;
        }
        let lerp = |a: f64, b: f64, x: f64| a + (b - a) * x;
        let down = self.rise + self.hold;
        Some(if tau < self.rise {
            lerp(self.from, self.peak, tau as f64 / self.rise as f64)
        } else if tau <= down {
            self.peak + self.wobble * (tau as f64 / 47.0).sin()
        } else if let Some((level, hold, fall)) = self.mid {
            if tau <= down + self.fall {
                lerp(self.peak, level, (tau - down) as f64 / self.fall as f64)
            } else if tau <= down + self.fall + hold {
                level + 0.5 * self.wobble * (tau as f64 / 53.0).sin()
            } else {
                lerp(level, self.to, (tau - down - self.fall - hold) as f64 / fall as f64)
            }
        } else {
            lerp(self.peak, self.to, (tau - down) as f64 / self.fall as f64)
        })
    }

    /// Seconds from the start at which the value first falls under `v` after the peak (`v` above `to`).
    fn clears_at(&self, v: f64) -> f64 {
        let down = (self.rise + self.hold) as f64;
        match self.mid {
            Some((level, hold, fall)) if v < level => down + self.fall as f64 + hold as f64 + fall as f64 * (level - v) / (level - self.to),
            Some((level, _, _)) => down + self.fall as f64 * (self.peak - v) / (self.peak - level),
            None => down + self.fall as f64 * (self.peak - v) / (self.peak - self.to),
        }
    }
}

/// How an injection changes one point's CDSS records during a window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Tamper {
    /// The value is replaced (a stopped fan 0, a duct without air 0).
    Fixed(f64),
    /// A covered sensor: a tiny value jittering within [lo, hi].
    Covered { lo: f64, hi: f64 },
    /// Frozen at the value of the first snapshot in the window.
    Frozen,
    /// An exact copy of another point's value and status.
    CopyOf(usize),
    /// Status bits added (标校 calibration).
    StatusBits(u16),
    /// The power cut released by hand (复电): the cut state is cleared.
    ForcedRestore,
    /// Face machinery kept running through the window while its feeder has power.
    ForcedRunning,
    /// Left out of the CDSS snapshots.
    Missing,
    /// The record time runs backwards from the window's start, one interval a snapshot.
    TimeBackwards,
}

#[derive(Clone, Debug)]
pub(crate) struct Tampering {
    pub point: usize,
    pub from: Timestamp,
    pub to: Timestamp,
    pub how: Tamper,
}

impl Tampering {
    pub fn active(&self, t: Timestamp) -> bool {
        self.from <= t && t <= self.to
    }
}

/// A window of a mine's safety-monitoring uploads (CDSS and FZSS) that is not delivered
/// on time: never (`release: None`, an upload gap) or at `release` (a late backfill).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Outage {
    pub from: Timestamp,
    pub to: Timestamp,
    pub release: Option<Timestamp>,
}

/// A definition change uploaded in an extra CDDY at `at`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Redefinition {
    pub at: Timestamp,
    pub point: usize,
    pub thresholds: minesafe_model::Thresholds,
}

/// An over-limit event the mine records in YCBJ (测点异常信息) with its own cause and measures.
#[derive(Clone, Debug)]
pub(crate) struct Reported {
    pub point: usize,
    pub from: Timestamp,
    pub to: Timestamp,
    pub cause: &'static str,
    pub measures: &'static str,
    /// Minutes between the end of the event and the record's upload.
    pub delay_secs: i64,
}

/// A change to a person's trip.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ModKind {
    /// The crew at a face withdraws while the power is cut (撤人) and returns after it is restored.
    Withdraw {
        face: usize,
        from: Timestamp,
        to: Timestamp,
    },
    Restricted {
        from: Timestamp,
        to: Timestamp,
    },
    Sos {
        from: Timestamp,
        to: Timestamp,
    },
    Overtime {
        leave: Timestamp,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct TripMod {
    pub person: usize,
    pub day: i64,
    pub kind: ModKind,
}

/// How an injection's trace is recognised in the snapshots.
#[derive(Clone, Copy, Debug)]
enum Test {
    /// Value of a point ≥ the bound (CO: the declared alarm, 24 ppm, so the window bounds every alarm status).
    AtLeast(usize, f64),
    /// Declared in every CDDY, for the whole run.
    Declared,
    InArea {
        person: usize,
        area: usize,
    },
    Sos(usize),
    Overtime {
        person: usize,
        secs: i64,
    },
    AreaOver {
        area: usize,
        quota: usize,
    },
    Headcount(usize),
    /// The tampering with this index is active in the snapshot.
    Tampered(usize),
    /// Every snapshot from the CDDY that carried the redefinition of the point on.
    Redefined,
    /// The snapshot was dropped (`late: false`) or held back (`late: true`).
    Outage {
        late: bool,
    },
}

#[derive(Clone, Debug)]
struct Watch {
    kind: InjectionKind,
    place: String,
    test: Test,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

impl Watch {
    fn hit(&mut self, t: Timestamp) {
        self.first.get_or_insert(t);
        self.last = Some(t);
    }
}

/// Everything injected into one mine.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    pub events: Vec<CdssEvent>,
    pub lax_points: Vec<usize>,
    pub mods: Vec<TripMod>,
    /// Injected trips (contractors), by day.
    pub extra: Vec<(i64, Trip)>,
    pub tampers: Vec<Tampering>,
    pub outages: Vec<Outage>,
    pub redefinitions: Vec<Redefinition>,
    pub reported: Vec<Reported>,
    /// CDSS cadence, for the record times of [`Tamper::TimeBackwards`].
    pub cdss_interval: i64,
    watches: Vec<Watch>,
}

impl Plan {
    /// The injected value of `point` at `t` and whether its power cut fails.
    pub fn event_value(&self, point: usize, t: Timestamp) -> Option<(f64, bool)> {
        self.events.iter().filter(|e| e.point == point).find_map(|e| e.value(t).map(|v| (v, e.cut_fails)))
    }

    /// The tamperings active at `t`.
    pub fn tampers_at(&self, t: Timestamp) -> impl Iterator<Item = &Tampering> {
        self.tampers.iter().filter(move |x| x.active(t))
    }

    /// The outage `t` falls in, if any.
    pub fn outage_at(&self, t: Timestamp) -> Option<&Outage> {
        self.outages.iter().find(|o| o.from <= t && t <= o.to)
    }

    /// A CDDY went out at `t`; `redefined` when it carried an injected redefinition.
    pub fn saw_cddy(&mut self, t: Timestamp, redefined: bool) {
        for w in &mut self.watches {
            match w.test {
                Test::Declared => w.hit(t),
                Test::Redefined if redefined => w.hit(t),
                _ => {}
            }
        }
    }

    /// A CDSS snapshot was due at `t` but held back or dropped by an outage.
    pub fn saw_outage(&mut self, t: Timestamp) {
        let late = self.outage_at(t).map(|o| o.release.is_some());
        for w in &mut self.watches {
            if matches!((w.test, late), (Test::Outage { late: a }, Some(b)) if a == b) {
                w.hit(t);
            }
        }
    }

    pub fn observe_cdss(&mut self, t: Timestamp, m: &Monitor) {
        for w in &mut self.watches {
            let hit = match w.test {
                Test::AtLeast(p, v) => m.values[p] >= v,
                Test::Declared => true,
                Test::Tampered(i) => self.tampers[i].active(t),
                Test::Redefined => w.first.is_some(),
                _ => false,
            };
            if hit {
                w.hit(t);
            }
        }
    }

    pub fn observe_ryss(&mut self, t: Timestamp, recs: &[Rec]) {
        for w in &mut self.watches {
            let hit = match w.test {
                Test::InArea { person, area } => recs.iter().any(|r| r.person == person && r.underground && r.area == area),
                Test::Sos(person) => recs.iter().any(|r| r.person == person && r.sos),
                Test::Overtime { person, secs } => {
                    recs.iter().any(|r| r.person == person && r.underground && t.secs_since(r.entered) > secs)
                }
                Test::AreaOver { area, quota } => recs.iter().filter(|r| r.underground && r.area == area).count() > quota,
                Test::Headcount(n) => recs.iter().filter(|r| r.underground).count() > n,
                _ => false,
            };
            if hit {
                w.hit(t);
            }
        }
    }

    /// Truth lines of the injections whose trace appeared in the files.
    pub fn truth(&self, mine: &str) -> Vec<TruthLine> {
        self.watches
            .iter()
            .filter_map(|w| {
                let (start, end) = (w.first?, w.last?);
                Some(TruthLine {
                    kind: w.kind.id().into(),
                    mine: mine.into(),
                    rules: w.kind.rules(start),
                    start,
                    end,
                    place: w.place.clone(),
                })
            })
            .collect()
    }
}

/// Mid-shift hours of the injection slots (never within an hour of a shift change).
const SLOT_HOURS: [i64; 10] = [18, 3, 20, 5, 11, 19, 4, 13, 21, 2];

/// Plans the injections of one mine and records the normal restricted-area authorisations.
pub(crate) fn plan(cfg: &SimConfig, model: &mut MineModel, kinds: &[InjectionKind]) -> Result<Plan, SimError> {
    let origin = MineModel::day_start(cfg.start, 0);
    let (start, end) = (cfg.start, cfg.end());
    let days = cfg.days as i64;
    // The gas inspector who checks the goaf seal every maintenance shift is authorised for it.
    if let Some(inspector) = model.people.iter().position(|p| p.role == Role::Ventilation(0) && p.shift == layout::MAINTENANCE_SHIFT) {
        for d in -1..=days {
            let d0 = origin.plus_secs(d * DAY);
            model.authorise(inspector, d0.plus_secs(SHIFT), d0.plus_secs(2 * SHIFT), "密闭墙气体检查");
        }
    }
    let mut plan = Plan::default();
    let mut used_people: Vec<usize> = Vec::new();
    let mut next_contractor = model.first_contractor;
    let cdss_iv = cfg.cdss_interval_secs as i64;
    let ryss_iv = cfg.ryss_interval_secs as i64;
    let snapshots = |from: Timestamp, to: Timestamp| {
        let k0 = (from.secs_since(start).max(0) + ryss_iv - 1) / ryss_iv;
        (k0..).map(move |k| start.plus_secs(k * ryss_iv)).take_while(move |&t| t <= to && t < end)
    };
    let longwalls: Vec<usize> = (0..model.faces.len()).filter(|&f| model.faces[f].longwall).collect();
    let headings: Vec<usize> = (0..model.faces.len()).filter(|&f| !model.faces[f].longwall).collect();
    let first_lw = longwalls.first().copied().unwrap_or(0);
    let last_lw = longwalls.last().copied().unwrap_or(0);
    let first_hd = headings.first().copied().unwrap_or(0);
    let last_hd = headings.last().copied().unwrap_or(0);

    let hd_mid = headings.get(headings.len() / 2).copied().unwrap_or(first_hd);
    let lw_second = longwalls.get(1).copied().unwrap_or(first_lw);
    plan.cdss_interval = cdss_iv;
    // The original kinds keep their fixed slots; the others are placed around them.
    let rng_of = |k: usize, kind: InjectionKind| layout::rng(cfg.seed, &[model.index as u64, stream::INJECT, k as u64, kind as u64]);
    let slot = |k: usize, rng: &mut rand_chacha::ChaCha8Rng| {
        let day = k as i64 % days;
        let minute = rng.random_range(0..30) + (k as i64 / SLOT_HOURS.len() as i64) * 7;
        let mut x = origin.plus_secs(day * DAY + SLOT_HOURS[k % SLOT_HOURS.len()] * 3600 + minute * 60);
        while x < start.plus_secs(600) && x.plus_secs(DAY) < end {
            x = x.plus_secs(DAY);
        }
        x
    };
    let mut taken: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (k, &kind) in kinds.iter().enumerate().filter(|(_, k)| k.slotted()) {
        let x = slot(k, &mut rng_of(k, kind));
        taken.push((x.plus_secs(-40 * 60), x.plus_secs(80 * 60)));
    }

    for (k, &kind) in kinds.iter().enumerate() {
        let mut rng = rng_of(k, kind);
        let x = if kind.slotted() {
            slot(k, &mut rng)
        } else {
            let (len, after) = window_of(kind, cdss_iv);
            let x = place(cfg, origin, &mut taken, len, after, &mut rng);
            // On the CDSS grid, so that the window's first snapshot is its start.
            start.plus_secs((x.secs_since(start) + cdss_iv - 1).div_euclid(cdss_iv) * cdss_iv)
        };
        let xday = people::Tracker::day_of(origin, x);
        let shift = (x.beijing_seconds_of_day() as i64 / SHIFT) as usize;
        let place_of = |p: usize| model.points[p].def.location.clone();
        let watch = |plan: &mut Plan, place: String, test: Test| plan.watches.push(Watch { kind, place, test, first: None, last: None });
        // A face crew member of the shift at `x`, underground that day and not picked before.
        let mut pick = |model: &MineModel, day: i64, shift: usize, rng: &mut rand_chacha::ChaCha8Rng| -> Option<(usize, Trip)> {
            let trips = people::base_trips(model, cfg.seed, origin, day);
            let cands: Vec<Trip> = trips
                .into_iter()
                .filter(|t| {
                    matches!(model.people[t.person].role, Role::Face(_))
                        && model.people[t.person].shift == shift
                        && !used_people.contains(&t.person)
                })
                .collect();
            if cands.is_empty() {
                return None;
            }
            let t = cands[rng.random_range(0..cands.len())].clone();
            used_people.push(t.person);
            Some((t.person, t))
        };
        match kind {
            InjectionKind::MethaneCutOk | InjectionKind::MethaneNoCut | InjectionKind::Methane3Pct10Min => {
                let (face, peak, hold, cut_fails) = match kind {
                    InjectionKind::MethaneCutOk => (first_hd, rng.random_range(1.6..1.85), rng.random_range(300..480), false),
                    InjectionKind::MethaneNoCut => (first_lw, rng.random_range(1.6..1.85), rng.random_range(300..480), true),
                    _ => (last_lw, rng.random_range(3.3..3.45), 900 + rng.random_range(0..180), false),
                };
                let point = model.faces[face].t1;
                let big = kind == InjectionKind::Methane3Pct10Min;
                let ev = CdssEvent {
                    point,
                    start: x,
                    rise: (if big { 180 } else { 120 }).max(2 * cdss_iv),
                    hold: hold.max(3 * cdss_iv),
                    fall: (if big { 240 } else { 180 }).max(2 * cdss_iv),
                    from: 0.6,
                    peak,
                    to: 0.5,
                    wobble: if big { 0.1 } else { 0.06 },
                    cut_fails,
                    mid: None,
                };
                if !cut_fails {
                    // The cut at 1.5 % works, so the crew withdraws.
                    withdraw(&mut plan, model, &ev, face, xday);
                }
                let (cause, measures) = match kind {
                    InjectionKind::MethaneCutOk => HEADING_GAS,
                    InjectionKind::MethaneNoCut => LONGWALL_GAS_NO_CUT,
                    _ => LONGWALL_GAS_3PCT,
                };
                report(&mut plan, &ev, cause, measures, &mut rng);
                plan.events.push(ev);
                watch(&mut plan, place_of(point), Test::AtLeast(point, 1.0));
            }
            InjectionKind::CoRise => {
                let point = model.faces[first_lw].co_return;
                let ev = CdssEvent {
                    point,
                    start: x,
                    rise: 300i64.max(2 * cdss_iv),
                    hold: rng.random_range(360..600).max(3 * cdss_iv),
                    fall: 360i64.max(2 * cdss_iv),
                    from: 6.0,
                    peak: 40.0,
                    to: 6.0,
                    wobble: 2.0,
                    cut_fails: false,
                    mid: None,
                };
                report(&mut plan, &ev, CO_CAUSE.0, CO_CAUSE.1, &mut rng);
                plan.events.push(ev);
                watch(&mut plan, place_of(point), Test::AtLeast(point, 24.0));
            }
            InjectionKind::LaxCutOff => {
                let point = model.faces[last_hd].t1;
                plan.lax_points.push(point);
                watch(&mut plan, place_of(point), Test::Declared);
            }
            InjectionKind::RestrictedEntry | InjectionKind::Sos => {
                let Some((person, _)) = pick(model, xday, shift, &mut rng) else { continue };
                let dur = rng.random_range(600..900).max(3 * ryss_iv);
                let to = x.plus_secs(dur);
                if kind == InjectionKind::Sos {
                    let Role::Face(f) = model.people[person].role else { continue };
                    plan.mods.push(TripMod { person, day: xday, kind: ModKind::Sos { from: x, to } });
                    // An SOS is a withdraw-people condition: the others leave the face within
                    // minutes while rescue goes to the caller; they return an hour later.
                    withdraw_all(&mut plan, model, f, xday, x.plus_secs(300), x.plus_secs(3600), Some(person));
                    watch(&mut plan, model.areas[model.faces[f].area].name.clone(), Test::Sos(person));
                } else {
                    plan.mods.push(TripMod { person, day: xday, kind: ModKind::Restricted { from: x, to } });
                    let area = model.restricted_area;
                    watch(&mut plan, model.areas[area].name.clone(), Test::InArea { person, area });
                }
            }
            InjectionKind::Overtime => {
                // A member of the 00–08 crew stays at the face until well past 12 h underground.
                let Some((person, trip)) = pick(model, xday, 0, &mut rng) else { continue };
                let Role::Face(f) = model.people[person].role else { continue };
                let leave = trip.entered().plus_secs(12 * 3600 + rng.random_range(20..40) * 60);
                plan.mods.push(TripMod { person, day: xday, kind: ModKind::Overtime { leave } });
                watch(&mut plan, model.areas[model.faces[f].area].name.clone(), Test::Overtime { person, secs: 12 * 3600 });
            }
            InjectionKind::AreaOverQuota | InjectionKind::HeadcountOver => {
                let crowd = kind == InjectionKind::AreaOverQuota;
                let dur = (if crowd { rng.random_range(900..1200) } else { rng.random_range(1800..2400) }).max(3 * ryss_iv);
                let face = &model.faces[first_lw];
                let (area, limit) = if crowd {
                    (Some(face.area), model.areas[face.area].quota.unwrap_or(0) as usize)
                } else {
                    (None, model.approved_headcount as usize)
                };
                let around: Vec<Trip> = (xday - 1..=xday + 1).flat_map(|d| people::base_trips(model, cfg.seed, origin, d)).collect();
                let present = |t: Timestamp| {
                    around.iter().filter(|tr| tr.station_at(t).is_some_and(|s| area.is_none_or(|a| model.stations[s].area == a))).count()
                };
                let least = snapshots(x, x.plus_secs(dur)).map(present).min().unwrap_or(0);
                let extras = (limit + 2).saturating_sub(least).max(1);
                if next_contractor + extras > model.people.len() {
                    return Err(SimError::Config(format!("mine {}: not enough contractor cards for {} injections", model.code, kind)));
                }
                for n in 0..extras {
                    let person = next_contractor + n;
                    let trip = if crowd {
                        let mut legs = vec![
                            (x.plus_secs(-30 * 60), model.mouth),
                            (x.plus_secs(-26 * 60), model.yard),
                            (x.plus_secs(-20 * 60), model.roadway),
                            (x.plus_secs(-10 * 60), model.panels[face.panel].station),
                            (x, face.stations[n % 2]),
                        ];
                        let leave = x.plus_secs(dur);
                        legs.extend([
                            (leave.plus_secs(6 * 60), model.panels[face.panel].station),
                            (leave.plus_secs(14 * 60), model.roadway),
                            (leave.plus_secs(20 * 60), model.yard),
                            (leave.plus_secs(24 * 60), model.mouth),
                        ]);
                        Trip { person, legs, exited: leave.plus_secs(26 * 60), sos: None }
                    } else {
                        let mut legs = vec![(x.plus_secs(-6 * 60), model.mouth), (x.plus_secs(-3 * 60), model.yard)];
                        if n % 2 == 1 {
                            legs.push((x.plus_secs(2 * 60), model.roadway));
                        }
                        let leave = x.plus_secs(dur);
                        legs.extend([(leave.plus_secs(5 * 60), model.yard), (leave.plus_secs(9 * 60), model.mouth)]);
                        Trip { person, legs, exited: leave.plus_secs(10 * 60), sos: None }
                    };
                    plan.extra.push((xday, trip));
                }
                next_contractor += extras;
                match area {
                    Some(a) => watch(&mut plan, model.areas[a].name.clone(), Test::AreaOver { area: a, quota: limit }),
                    None => watch(&mut plan, "全矿井".into(), Test::Headcount(limit)),
                }
            }
            InjectionKind::RestoreEarly => {
                let face = hd_mid;
                let point = model.faces[face].t1;
                let ev = CdssEvent {
                    point,
                    start: x,
                    rise: 120i64.max(2 * cdss_iv),
                    hold: rng.random_range(240..360).max(3 * cdss_iv),
                    fall: 120i64.max(2 * cdss_iv),
                    from: 0.6,
                    peak: rng.random_range(1.6..1.75),
                    to: 0.5,
                    wobble: 0.05,
                    cut_fails: false,
                    mid: Some((rng.random_range(1.2..1.3), rng.random_range(420..540).max(4 * cdss_iv), 180i64.max(2 * cdss_iv))),
                };
                // Power comes back one snapshot after methane fell under the 1.5 % cut-off, still above the 1.0 % restore level.
                let restored = x.plus_secs(ev.rise + ev.hold + ev.fall + cdss_iv.max(60));
                plan.tampers.push(Tampering { point, from: restored, to: x.plus_secs(ev.length()), how: Tamper::ForcedRestore });
                withdraw(&mut plan, model, &ev, face, xday);
                report(&mut plan, &ev, HEADING_GAS_RESTORED.0, HEADING_GAS_RESTORED.1, &mut rng);
                plan.events.push(ev);
                watch(&mut plan, place_of(point), Test::AtLeast(point, 1.0));
            }
            InjectionKind::IgnoredEvacuation => {
                let face = lw_second;
                let point = model.faces[face].t1;
                let ev = CdssEvent {
                    point,
                    start: x,
                    rise: 180i64.max(2 * cdss_iv),
                    hold: rng.random_range(2700..3000).max(3 * cdss_iv),
                    fall: 240i64.max(2 * cdss_iv),
                    from: 0.6,
                    peak: rng.random_range(1.6..1.8),
                    to: 0.5,
                    wobble: 0.06,
                    cut_fails: true,
                    mid: None,
                };
                // Nobody withdraws and the shearer cuts on through the whole event.
                for &d in &model.faces[face].running {
                    plan.tampers.push(Tampering { point: d, from: x, to: x.plus_secs(ev.length()), how: Tamper::ForcedRunning });
                }
                report(&mut plan, &ev, CONCEALED_GAS.0, CONCEALED_GAS.1, &mut rng);
                plan.events.push(ev);
                watch(&mut plan, place_of(point), Test::AtLeast(point, 1.0));
            }
            InjectionKind::UploadGap | InjectionKind::LateBackfill => {
                let late = kind == InjectionKind::LateBackfill;
                let to = x.plus_secs(rng.random_range(1800..2100).max(3 * cdss_iv));
                let release = late.then(|| to.plus_secs(rng.random_range(2700..4500)));
                plan.outages.push(Outage { from: x, to, release });
                let place = if late { "全矿井安全监控(迟到补传)" } else { "全矿井安全监控" };
                watch(&mut plan, place.into(), Test::Outage { late });
            }
            InjectionKind::LoosenedThresholds => {
                let point = model.faces[first_lw].t2;
                let mut th = model.points[point].def.thresholds;
                th.alarm_high = Some(1.5);
                th.clear_high = Some(1.5);
                th.cut_high = Some(1.8);
                th.restore_high = Some(1.5);
                plan.redefinitions.push(Redefinition { at: x, point, thresholds: th });
                watch(&mut plan, place_of(point), Test::Redefined);
            }
            _ => {
                // One or more points tampered with over a window.
                let (len, _) = window_of(kind, cdss_iv);
                // Windows vary by a few minutes, except the time_backwards one, which is eight snapshots.
                let len = if kind == InjectionKind::TimeBackwards { len } else { len + rng.random_range(0..5) * 60 };
                let to = x.plus_secs(len - 1);
                let (points, how, place): (Vec<usize>, Tamper, String) = match kind {
                    InjectionKind::AuxFanStopPowered => {
                        let f = &model.faces[hd_mid];
                        let (Some(fan), Some(duct)) = (f.aux_fan, f.duct) else { continue };
                        (vec![fan, duct], Tamper::Fixed(0.0), place_of(fan))
                    }
                    InjectionKind::CoveredSensor => {
                        let p = model.faces[lw_second].t1;
                        (vec![p], Tamper::Covered { lo: 0.02, hi: 0.05 }, place_of(p))
                    }
                    InjectionKind::ClonedSeries => {
                        let source = model.faces[first_lw].t2;
                        let target = if lw_second != first_lw { model.faces[lw_second].t2 } else { model.faces[first_hd].t2 };
                        (vec![target], Tamper::CopyOf(source), place_of(target))
                    }
                    InjectionKind::StuckSensor => {
                        let p = model.faces[hd_mid].t1;
                        (vec![p], Tamper::Frozen, place_of(p))
                    }
                    InjectionKind::TimeBackwards => {
                        let p = model.faces[first_lw].co_return;
                        (vec![p], Tamper::TimeBackwards, place_of(p))
                    }
                    InjectionKind::CalibrationInProduction => {
                        let p = model.faces[last_lw].t2;
                        (vec![p], Tamper::StatusBits(minesafe_model::Status::CALIBRATION), place_of(p))
                    }
                    InjectionKind::SilentPoint => {
                        let p = silent_candidate(model, &mut rng);
                        (vec![p], Tamper::Missing, place_of(p))
                    }
                    InjectionKind::SilentWithPeople => {
                        let f = &model.faces[first_lw];
                        (f.points.clone(), Tamper::Missing, model.areas[f.area].name.clone())
                    }
                    _ => continue,
                };
                let first = plan.tampers.len();
                for point in points {
                    plan.tampers.push(Tampering { point, from: x, to, how });
                }
                watch(&mut plan, place, Test::Tampered(first));
            }
        }
    }
    plan.redefinitions.sort_by_key(|r| r.at);
    Ok(plan)
}

/// (Length of the window, time needed after it) of a kind placed around the slotted ones.
fn window_of(kind: InjectionKind, cdss_iv: i64) -> (i64, i64) {
    let at_least = |secs: i64, snapshots: i64| secs.max(snapshots * cdss_iv);
    match kind {
        InjectionKind::RestoreEarly => (at_least(1800, 12), 0),
        InjectionKind::AuxFanStopPowered => (at_least(600, 3), 0),
        InjectionKind::CoveredSensor | InjectionKind::ClonedSeries => (at_least(4500, 4), 0),
        InjectionKind::LoosenedThresholds => (0, 0),
        InjectionKind::StuckSensor => (at_least(7800, 4), 0),
        InjectionKind::TimeBackwards => (8 * cdss_iv, 0),
        InjectionKind::CalibrationInProduction => (at_least(2700, 3), 0),
        InjectionKind::SilentPoint | InjectionKind::SilentWithPeople => (at_least(1800, 3), 0),
        InjectionKind::IgnoredEvacuation => (at_least(3600, 8), 0),
        InjectionKind::UploadGap => (at_least(2100, 3), 0),
        InjectionKind::LateBackfill => (at_least(2100, 3), 4500),
        _ => (3600, 0),
    }
}

/// A start for a window of `len` s inside the working hours of a producing shift
/// (one hour after its start to half an hour before its end, when the crews are at
/// the faces and the machines cut), clear of the windows already taken by 20 min
/// each side; picked at random among the free ten-minute steps. When the run is too
/// crowded, windows may overlap.
fn place(
    cfg: &SimConfig,
    origin: Timestamp,
    taken: &mut Vec<(Timestamp, Timestamp)>,
    len: i64,
    after: i64,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Timestamp {
    let (start, end) = (cfg.start, cfg.end());
    let mut all = Vec::new();
    for d in 0..=cfg.days as i64 {
        for shift in [0, 2] {
            let s0 = origin.plus_secs(d * DAY + shift * SHIFT);
            let mut c = s0.plus_secs(3600);
            while c.plus_secs(len) <= s0.plus_secs(SHIFT - 1800) {
                if c >= start.plus_secs(600) && c.plus_secs(len + after + 600) < end {
                    all.push(c);
                }
                c = c.plus_secs(600);
            }
        }
    }
    let free: Vec<Timestamp> =
        all.iter().copied().filter(|&c| taken.iter().all(|&(a, b)| c.plus_secs(len + 1200) <= a || b.plus_secs(1200) <= c)).collect();
    let pool = if free.is_empty() { &all } else { &free };
    let x = if pool.is_empty() { start.plus_secs(600) } else { pool[rng.random_range(0..pool.len())] };
    taken.push((x, x.plus_secs(len)));
    x
}

/// A point that no face, air path or panel maps to an area (main intake and
/// return, chambers, the main belt roadway), so that its silence is MON-2 alone.
fn silent_candidate(model: &MineModel, rng: &mut rand_chacha::ChaCha8Rng) -> usize {
    let on_paths: Vec<&str> = model.info.air_paths.iter().flat_map(|a| a.points.iter().map(String::as_str)).collect();
    let cands: Vec<usize> = (0..model.points.len())
        .filter(|&i| {
            let p = &model.points[i];
            p.class.is_some()
                && p.panel.is_none()
                && !model.faces.iter().any(|f| f.points.contains(&i))
                && !on_paths.contains(&p.def.code.as_str())
        })
        .collect();
    cands.get(rng.random_range(0..cands.len().max(1))).copied().unwrap_or(0)
}

/// Everyone of the shift at the face withdraws two minutes after the cut at 1.5 %
/// and returns five minutes after methane is back under 1.0 % (the crew, and a gas
/// inspector or air measurer who happens to be there); nobody walks in meanwhile.
fn withdraw(plan: &mut Plan, model: &MineModel, ev: &CdssEvent, face: usize, day: i64) {
    let cut_at = ev.rise as f64 * (1.5 - ev.from) / (ev.peak - ev.from);
    let from = ev.start.plus_secs(cut_at.ceil() as i64 + 120);
    let to = ev.start.plus_secs(ev.clears_at(1.0).ceil() as i64 + 300);
    withdraw_all(plan, model, face, day, from, to, None);
}

/// Withdraw mods for everyone (but `except`) at `face` over `[from, to]`: the face
/// crew and whoever else is there — a gas inspector, or a leader leading the shift
/// underground (带班), who may be on another roster.
fn withdraw_all(plan: &mut Plan, model: &MineModel, face: usize, day: i64, from: Timestamp, to: Timestamp, except: Option<usize>) {
    for person in 0..model.people.len() {
        if Some(person) != except {
            plan.mods.push(TripMod { person, day, kind: ModKind::Withdraw { face, from, to } });
        }
    }
}

/// The mine's YCBJ record of an injected event, uploaded 10–25 min after it ends.
fn report(plan: &mut Plan, ev: &CdssEvent, cause: &'static str, measures: &'static str, rng: &mut rand_chacha::ChaCha8Rng) {
    plan.reported.push(Reported {
        point: ev.point,
        from: ev.start,
        to: ev.start.plus_secs(ev.length() + 600),
        cause,
        measures,
        delay_secs: rng.random_range(600..1500),
    });
}

/// 异常原因 and 处理措施 as mine staff enter them in YCBJ.
const HEADING_GAS: (&str, &str) = (
    "掘进工作面迎头揭露煤层裂隙带，瓦斯异常涌出",
    "立即停止掘进作业，切断工作面电源，撤出作业人员，加大局部通风机供风量，瓦斯浓度降至1.0%以下后恢复送电",
);
const HEADING_GAS_RESTORED: (&str, &str) = ("掘进工作面瓦斯涌出量增大", "断电撤人，加强局部通风，瓦斯浓度下降后恢复送电，恢复正常掘进");
const LONGWALL_GAS_NO_CUT: (&str, &str) =
    ("工作面推进至地质构造带，煤壁瓦斯涌出量增大", "加强通风，安排瓦斯检查工跟班检查，调整工作面配风量");
const LONGWALL_GAS_3PCT: (&str, &str) =
    ("工作面过断层带，采空区瓦斯大量涌出", "立即停产撤人，切断工作面电源，采取加强抽采和通风措施，经排放瓦斯后恢复生产");
/// What a mine that worked on through the over-limit writes: the sensor is blamed.
const CONCEALED_GAS: (&str, &str) = ("甲烷传感器零点漂移，显示值偏高", "已安排仪表工对传感器进行调校");
const CO_CAUSE: (&str, &str) = ("回风巷附近采空区遗煤氧化，一氧化碳浓度升高", "加强束管监测和人工检测，对采空区喷洒阻化剂，封堵漏风通道");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_kinds_and_mines() {
        for k in InjectionKind::ALL {
            assert_eq!(InjectionKind::parse(k.id()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.id()));
        }
        assert_eq!(Injection::parse("methane_no_cut").unwrap(), Injection { kind: InjectionKind::MethaneNoCut, mine: None });
        assert_eq!(Injection::parse("Methane-No-Cut@2").unwrap(), Injection { kind: InjectionKind::MethaneNoCut, mine: Some(1) });
        assert_eq!(Injection::parse("sos@999902000004").unwrap().mine, Some(3));
        assert!(matches!(Injection::parse("fire@1"), Err(ParseInjectionError::UnknownKind(_))));
        assert!(matches!(Injection::parse("sos@0"), Err(ParseInjectionError::BadMine(_))));
        assert!(matches!(Injection::parse("sos@x"), Err(ParseInjectionError::BadMine(_))));
        assert_eq!(format!("{:<8}|", InjectionKind::Sos), "sos     |");
    }

    #[test]
    fn rules_follow_the_version_in_force() {
        let before = Timestamp::from_beijing(2026, 6, 30, 23, 0, 0).unwrap();
        let after = Timestamp::from_beijing(2026, 7, 1, 0, 0, 0).unwrap();
        assert_eq!(InjectionKind::MethaneNoCut.rules(before), vec!["CM-4.2", "CSR-GAS-3", "MON-10", "ALM-2", "ALM-3"]);
        assert_eq!(InjectionKind::MethaneNoCut.rules(after), vec!["CM26-11.4", "CSR-GAS-3", "MON-10", "ALM-2", "ALM-3"]);
        assert!(!InjectionKind::Methane3Pct10Min.rules(before).contains(&"CM26-2.8".to_string()));
        assert!(InjectionKind::Methane3Pct10Min.rules(after).contains(&"CM26-2.8".to_string()));
        assert_eq!(InjectionKind::IgnoredEvacuation.rules(before), vec!["ALM-2", "ALM-3", "CSR-GAS-3", "CM-4.2", "MON-10"]);
        assert_eq!(InjectionKind::IgnoredEvacuation.rules(after), vec!["ALM-2", "ALM-3", "CSR-GAS-3", "CM26-11.4", "MON-10"]);
        // Every kind names at least one rule, and only the late backfill is a matter of delivery order.
        for k in InjectionKind::ALL {
            assert!(!k.rules(after).is_empty());
            assert_eq!(k.delivery_order_only(), k == InjectionKind::LateBackfill);
        }
    }

    #[test]
    fn standard_set_leaves_mines_clean() {
        for mines in 2..=8 {
            let cfg = SimConfig { mines, ..SimConfig::default() };
            let a = assign(&cfg);
            assert_eq!(a.iter().map(Vec::len).sum::<usize>(), InjectionKind::ALL.len());
            assert!(a.iter().any(Vec::is_empty), "{mines} mines: {a:?}");
        }
        let a = assign(&SimConfig::default());
        assert!(a[4].is_empty() && a[5].is_empty());
    }
}
