//! Power-cut verification (断电核查, MON-10…MON-12): does the power a sensor must
//! cut actually go off, and stay off?
//!
//! The monitoring system declares in CDDY field 23 (传感器关联关系) which power
//! points a methane sensor cuts (`D-<point>`): feeds (馈电 1015), feeders (馈电器
//! 1011), breakers (断电器 1009) or machine on/off points (设备开停 1004). Their
//! readings are 1 while the load side is energised and 0 when it is off, so the
//! interlock can be checked from the data alone, without trusting the sensor's own
//! power-cut status bit:
//!
//! * MON-10 — methane at or over the cut-off (the stricter of the declared CDDY
//!   上限断电门限 and the table's cut-off for the point's class, in force when the
//!   episode starts) while a load it cuts still reads energised at its first
//!   reading strictly later than the over-limit reading plus the grace (2 s).
//! * MON-11 — a load that had gone off is energised again while methane at the
//!   cutting sensor is still at or above the restore level (declared 上限复电门限,
//!   else the table's).
//! * MON-12 — an auxiliary fan (局部通风机 1001) stops while its heading keeps
//!   power: the fan-power interlock (风电闭锁) failed. The heading's power points
//!   come from the registry face (kind `heading`, whose `points` list the fan) and
//!   from the fan's own B / D relations. A fan never seen running is a standby
//!   fan; a stop while another fan of the same heading (registry face or Z
//!   relation) runs is a switch-over, not an outage.
//!
//! An episode (瓦斯超限断电过程) runs from the first reading at or over the cut-off
//! until methane falls below the restore level: that is how long the device must
//! keep the power off. Readings of one snapshot share a time and arrive in file
//! order, so an energised load reading is only a candidate until the controlling
//! sensor has reported at or after it and still trips: a sensor that fell below the
//! restore level meanwhile may have had its power legitimately restored. A missing
//! value or a fault, calibration or suspension status ends the episode silently:
//! bad data never raises a finding here.
//!
//! Findings are pushed open (tag `open`) when first proven and again, same id, when
//! the episode ends; evidence cites the methane readings (first, peak), every load
//! reading that showed power and the CDDY relation record.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use minesafe_model::monitoring::RelationKind;
use minesafe_model::registry::{GasGrade, MineInfo};
use minesafe_model::time::human_duration;
use minesafe_model::{Evidence, Finding, LocationClass, PointDef, Reading, SensorType, Status, Timestamp};

use crate::catalog::finding;
use crate::detector::{Detector, SlotCache, SlotUse, Upload, TAG_OPEN};
use crate::monitoring::{class_label, infer_class, sensor_from_name, unit_factor};
use crate::tables::{tables, Quantity};

const MON10: &str = "MON-10";
const MON11: &str = "MON-11";
const MON12: &str = "MON-12";
/// A binary reading at or above this is state 1 (energised, running).
const ON_MIN: f64 = 0.5;

/// Settings; the defaults are documented per field.
#[derive(Clone, Debug)]
pub struct PowerCutConfig {
    /// Seconds a methane cut may take to act. The first reading of the load strictly
    /// later than the over-limit reading plus this, still energised, is a failed
    /// cut. Default 2 s: the methane-power interlock must act within 2 s (AQ 6201).
    pub grace_secs: i64,
    /// The same for the fan-power interlock (风电闭锁). Default 2 s.
    pub fan_grace_secs: i64,
}

impl Default for PowerCutConfig {
    fn default() -> Self {
        PowerCutConfig { grace_secs: 2, fan_grace_secs: 2 }
    }
}

/// Power points an interlock can switch (national code table).
fn is_power_point(t: SensorType) -> bool {
    matches!(t, SensorType::FEED | SensorType::FEEDER | SensorType::POWER_BREAKER | SensorType::DEVICE_ON_OFF)
}

/// A reading kept as evidence.
#[derive(Clone, Debug)]
struct Snap {
    file: String,
    record: usize,
    value: f64,
    status: Status,
    time: Timestamp,
}

impl Snap {
    fn new(up: &Upload<'_>, record: usize, value: f64, r: &Reading<'_>) -> Self {
        Snap { file: up.file.to_string(), record, value, status: r.status, time: r.time }
    }

    fn evidence(&self, point: &str, detail: String) -> Evidence {
        Evidence {
            file: self.file.clone(),
            record: Some(self.record),
            point: Some(point.to_string()),
            value: Some(self.value),
            status: Some(self.status.0),
            status_bits: self.status.names().into_iter().map(str::to_string).collect(),
            time: Some(self.time),
            detail: Some(detail),
            ..Default::default()
        }
    }

    fn same_record(&self, o: &Snap) -> bool {
        self.record == o.record && self.time == o.time && self.file == o.file
    }
}

/// A declared duty: `controller` must switch `load` off.
#[derive(Clone, Debug)]
struct Link {
    controller: String,
    load: String,
    /// Declared by the registry (a heading's feeders) rather than a CDDY relation.
    from_registry: bool,
    source: Evidence,
}

/// The methane levels of one point, for the table version in force.
#[derive(Clone, Copy, Debug)]
struct Levels {
    cut: f64,
    restore: f64,
    /// The cut-off came from a provisional table row.
    provisional: bool,
    /// The cut-off came from the table for a class read from the location text.
    inferred: bool,
    class: LocationClass,
}

struct PointState {
    sensor: Option<SensorType>,
    location: String,
    unit: String,
    /// Declared 上限断电门限 / 上限复电门限, in the point's unit.
    declared_cut: Option<f64>,
    declared_restore: Option<f64>,
    last_time: Option<Timestamp>,
    /// The newest reliable reading.
    last: Option<Snap>,
    /// A fan seen running at least once: only then is a stop an outage.
    seen_running: bool,
    /// Methane levels and the span `[lo, hi)` of reading times they hold for.
    levels: Option<Levels>,
    window: (Timestamp, Timestamp),
}

/// An empty window: the next reading recomputes the levels.
const STALE: (Timestamp, Timestamp) = (Timestamp(1), Timestamp(0));

impl PointState {
    fn new(sensor: Option<SensorType>, location: &str, unit: &str) -> Self {
        PointState {
            sensor,
            location: location.to_string(),
            unit: unit.to_string(),
            declared_cut: None,
            declared_restore: None,
            last_time: None,
            last: None,
            seen_running: false,
            levels: None,
            window: STALE,
        }
    }

    fn place<'a>(&'a self, code: &'a str) -> &'a str {
        if self.location.is_empty() {
            code
        } else {
            &self.location
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Trip {
    /// Methane at or over the cut-off until it falls below the restore level.
    Methane { cut: f64, restore: f64, factor: f64, provisional: bool, inferred: bool, class: LocationClass },
    /// An auxiliary fan stopped after running.
    FanStop,
}

/// One load the tripped controller must keep off.
struct LoadTrack {
    link: Link,
    /// The load read off at some point since the episode began.
    seen_off: bool,
    /// An energised reading past the grace, awaiting the controller's next reading.
    pending: Option<Snap>,
    /// The reading was energised after having been off (MON-11).
    pending_restored: bool,
    reported_on: bool,
    reported_restored: bool,
}

/// A finding of an episode, open until the episode ends.
struct OpenFinding {
    rule: &'static str,
    start: Timestamp,
    /// Loads shown energised: the link and the reading.
    loads: Vec<(Link, Snap)>,
}

struct Episode {
    trip: Trip,
    start: Timestamp,
    first: Snap,
    peak: Snap,
    /// Peak in % CH4 (methane episodes).
    peak_norm: f64,
    loads: Vec<LoadTrack>,
    findings: Vec<OpenFinding>,
}

/// The power-cut detector of one mine.
pub struct PowerCutRules {
    mine: String,
    cfg: PowerCutConfig,
    grade: Option<GasGrade>,
    classes: HashMap<String, LocationClass>,
    points: HashMap<String, PointState, foldhash::fast::RandomState>,
    /// Controllers (methane, fans) by engine slot; other points are loads.
    slots: SlotCache,
    /// Relations declared by each CDDY point record (replaced when it is re-sent).
    declared: BTreeMap<String, Vec<(RelationKind, Link)>>,
    /// Power-cut / interlock duties by controlling point (CDDY relations).
    links: HashMap<String, Vec<Link>>,
    /// Main/standby partners (Z relations and fans of the same heading).
    partners: HashMap<String, Vec<String>>,
    /// Heading feeders from the registry, by point of the heading.
    heading_feeders: HashMap<String, Vec<Link>>,
    /// Open episodes by controlling point; ordered so output is stable.
    episodes: BTreeMap<String, Episode>,
}

impl PowerCutRules {
    pub fn new(mine: &str, info: Option<&MineInfo>, cfg: &PowerCutConfig) -> Self {
        let mut heading_feeders: HashMap<String, Vec<Link>> = HashMap::new();
        let mut partners: HashMap<String, Vec<String>> = HashMap::new();
        for face in info.map(|i| i.faces.as_slice()).unwrap_or_default() {
            if face.kind != "heading" {
                continue;
            }
            for p in &face.points {
                for fd in &face.feeders {
                    let source = Evidence {
                        file: "registry".into(),
                        point: Some(fd.clone()),
                        detail: Some(format!("registry: heading {} ({}) lists point {p} and power point {fd}", face.name, face.id)),
                        ..Default::default()
                    };
                    let link = Link { controller: p.clone(), load: fd.clone(), from_registry: true, source };
                    heading_feeders.entry(p.clone()).or_default().push(link);
                }
                let others = face.points.iter().filter(|o| *o != p).cloned();
                partners.entry(p.clone()).or_default().extend(others);
            }
        }
        PowerCutRules {
            mine: mine.to_string(),
            cfg: cfg.clone(),
            grade: info.and_then(|i| i.gas_grade),
            classes: info.map(|i| i.points.iter().map(|p| (p.code.clone(), p.class)).collect()).unwrap_or_default(),
            points: HashMap::default(),
            slots: SlotCache::default(),
            declared: BTreeMap::new(),
            links: HashMap::new(),
            partners,
            heading_feeders,
            episodes: BTreeMap::new(),
        }
    }

    fn rebuild_links(&mut self) {
        self.links.clear();
        for (kind, link) in self.declared.values().flatten() {
            match kind {
                RelationKind::PowerCut | RelationKind::Interlock => {
                    self.links.entry(link.controller.clone()).or_default().push(link.clone());
                }
                RelationKind::Standby => {
                    for (a, b) in [(&link.controller, &link.load), (&link.load, &link.controller)] {
                        let v = self.partners.entry(a.clone()).or_default();
                        if !v.contains(b) {
                            v.push(b.clone());
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The methane levels of a point at `t`, cached per table window.
    fn levels(&mut self, code: &str, factor: f64, t: Timestamp) -> Option<Levels> {
        let st = self.points.get_mut(code)?;
        if t >= st.window.0 && t < st.window.1 {
            return st.levels;
        }
        let tb = tables();
        st.window = tb.window(t);
        let (class, inferred) = match self.classes.get(code) {
            Some(c) => (*c, false),
            None => (infer_class(&st.location), true),
        };
        let row = tb.methane_row(class, self.grade, t);
        let declared_cut = st.declared_cut.map(|c| c * factor);
        let declared_restore = st.declared_restore.map(|c| c * factor);
        let table_cut = row.and_then(|r| r.cut);
        let (cut, from_table) = match (table_cut, declared_cut) {
            (Some(tc), Some(dc)) if dc < tc => (dc, false),
            (Some(tc), _) => (tc, true),
            (None, Some(dc)) => (dc, false),
            (None, None) => {
                st.levels = None;
                return None;
            }
        };
        let restore = declared_restore.or_else(|| row.and_then(|r| r.restore)).unwrap_or(cut).min(cut);
        st.levels = Some(Levels {
            cut,
            restore,
            provisional: from_table && row.is_some_and(|r| r.provisional),
            inferred: from_table && inferred,
            class,
        });
        st.levels
    }

    /// The loads a tripped controller must keep off.
    fn loads_of(&self, code: &str, trip: Trip) -> Vec<LoadTrack> {
        let mut links: Vec<Link> = self.links.get(code).cloned().unwrap_or_default();
        if trip == Trip::FanStop {
            for l in self.heading_feeders.get(code).into_iter().flatten() {
                if !links.iter().any(|o| o.load == l.load) {
                    links.push(l.clone());
                }
            }
        }
        links
            .into_iter()
            .map(|link| LoadTrack {
                link,
                seen_off: false,
                pending: None,
                pending_restored: false,
                reported_on: false,
                reported_restored: false,
            })
            .collect()
    }

    /// A reading of a point that some open episode must keep off.
    fn load_reading(&mut self, code: &str, snap: &Snap, reliable: bool, out: &mut Vec<Finding>) {
        if !reliable {
            return;
        }
        let sensor = self.points.get(code).and_then(|p| p.sensor);
        let mut ready: Vec<String> = Vec::new();
        for (ctrl, ep) in self.episodes.iter_mut() {
            let grace = match ep.trip {
                Trip::Methane { .. } => self.cfg.grace_secs,
                Trip::FanStop => self.cfg.fan_grace_secs,
            };
            let mut any = false;
            for tr in ep.loads.iter_mut().filter(|t| t.link.load == code) {
                // A CDDY relation may name any point; only power points prove power.
                if !tr.link.from_registry && !sensor.is_some_and(is_power_point) {
                    continue;
                }
                if snap.time < ep.start {
                    continue;
                }
                if snap.value < ON_MIN {
                    tr.seen_off = true;
                    continue;
                }
                if snap.time <= ep.start.plus_secs(grace) || tr.pending.is_some() {
                    continue;
                }
                let restored = tr.seen_off;
                let done = if ep.trip == Trip::FanStop {
                    tr.reported_on || tr.reported_restored
                } else if restored {
                    tr.reported_restored
                } else {
                    tr.reported_on
                };
                if !done {
                    tr.pending = Some(snap.clone());
                    tr.pending_restored = restored;
                    any = true;
                }
            }
            let ctrl_time = self.points.get(ctrl.as_str()).and_then(|p| p.last.as_ref()).map(|s| s.time);
            if any && ctrl_time.is_some_and(|t| t >= snap.time) {
                ready.push(ctrl.clone());
            }
        }
        for ctrl in ready {
            let now = snap.time;
            self.confirm(&ctrl, now, out);
        }
    }

    /// The controller still trips at `now`: energised loads read up to `now` are proven.
    fn confirm(&mut self, ctrl: &str, now: Timestamp, out: &mut Vec<Finding>) {
        let Some(mut ep) = self.episodes.remove(ctrl) else {
            return;
        };
        // A standby fan of the same heading running now ventilates it: a switch-over.
        let ventilated = ep.trip == Trip::FanStop
            && self.partners.get(ctrl).into_iter().flatten().any(|o| {
                self.points.get(o.as_str()).is_some_and(|p| {
                    p.sensor == Some(SensorType::AUX_FAN) && p.last.as_ref().is_some_and(|s| s.value >= ON_MIN && s.time >= ep.start)
                })
            });
        let mut changed: Vec<&'static str> = Vec::new();
        for tr in ep.loads.iter_mut() {
            let Some(snap) = tr.pending.as_ref().filter(|s| s.time <= now) else {
                continue;
            };
            let snap = snap.clone();
            tr.pending = None;
            if ventilated {
                continue;
            }
            let (rule, start) = match (ep.trip, tr.pending_restored) {
                (Trip::FanStop, _) => {
                    tr.reported_on = true;
                    (MON12, ep.start)
                }
                (Trip::Methane { .. }, false) => {
                    tr.reported_on = true;
                    (MON10, ep.start)
                }
                (Trip::Methane { .. }, true) => {
                    tr.reported_restored = true;
                    (MON11, snap.time)
                }
            };
            match ep.findings.iter_mut().find(|f| f.rule == rule) {
                Some(f) => f.loads.push((tr.link.clone(), snap)),
                None => ep.findings.push(OpenFinding { rule, start, loads: vec![(tr.link.clone(), snap)] }),
            }
            if !changed.contains(&rule) {
                changed.push(rule);
            }
        }
        for rule in changed {
            if let Some(f) = ep.findings.iter().find(|f| f.rule == rule) {
                out.push(self.build(ctrl, &ep, f, None, None, true));
            }
        }
        self.episodes.insert(ctrl.to_string(), ep);
    }

    /// Ends an episode: its findings are pushed closed at `end`.
    fn close(&mut self, ctrl: &str, end: Timestamp, closer: Evidence, out: &mut Vec<Finding>) {
        let Some(ep) = self.episodes.remove(ctrl) else {
            return;
        };
        for f in &ep.findings {
            out.push(self.build(ctrl, &ep, f, Some(end), Some(closer.clone()), false));
        }
    }

    fn methane_reading(&mut self, code: &str, snap: Snap, raw: Option<f64>, out: &mut Vec<Finding>) {
        let Some(factor) = self.points.get(code).and_then(|p| unit_factor(Quantity::Methane, &p.unit)) else {
            return;
        };
        let Some(raw) = raw else {
            let closer = snap.evidence(code, "episode ended: the methane reading is missing or unreliable".into());
            self.close(code, snap.time, closer, out);
            return;
        };
        let v = raw * factor;
        if let Some(ep) = self.episodes.get_mut(code) {
            let Trip::Methane { restore, .. } = ep.trip else {
                return;
            };
            if v >= restore {
                if v > ep.peak_norm {
                    ep.peak_norm = v;
                    ep.peak = snap.clone();
                }
                let now = snap.time;
                self.confirm(code, now, out);
            } else {
                let closer = snap.evidence(code, format!("methane fell below the restore level of {} %", num(restore)));
                self.close(code, snap.time, closer, out);
            }
            return;
        }
        let Some(lv) = self.levels(code, factor, snap.time) else {
            return;
        };
        if v < lv.cut || !self.links.contains_key(code) {
            return;
        }
        let trip =
            Trip::Methane { cut: lv.cut, restore: lv.restore, factor, provisional: lv.provisional, inferred: lv.inferred, class: lv.class };
        let loads = self.loads_of(code, trip);
        let ep = Episode { trip, start: snap.time, first: snap.clone(), peak: snap, peak_norm: v, loads, findings: Vec::new() };
        self.episodes.insert(code.to_string(), ep);
    }

    fn fan_reading(&mut self, code: &str, snap: Snap, value: Option<f64>, out: &mut Vec<Finding>) {
        let Some(v) = value else {
            let closer = snap.evidence(code, "episode ended: the fan reading is missing or unreliable".into());
            self.close(code, snap.time, closer, out);
            return;
        };
        if v >= ON_MIN {
            if let Some(p) = self.points.get_mut(code) {
                p.seen_running = true;
            }
            let closer = snap.evidence(code, "the fan runs again".into());
            self.close(code, snap.time, closer, out);
            return;
        }
        if self.episodes.contains_key(code) {
            let now = snap.time;
            self.confirm(code, now, out);
            return;
        }
        if !self.points.get(code).is_some_and(|p| p.seen_running) {
            return;
        }
        let loads = self.loads_of(code, Trip::FanStop);
        if loads.is_empty() {
            return;
        }
        let ep =
            Episode { trip: Trip::FanStop, start: snap.time, first: snap.clone(), peak: snap, peak_norm: v, loads, findings: Vec::new() };
        self.episodes.insert(code.to_string(), ep);
    }

    fn build(&self, ctrl: &str, ep: &Episode, of: &OpenFinding, end: Option<Timestamp>, closer: Option<Evidence>, open: bool) -> Finding {
        let st = self.points.get(ctrl);
        let place = st.map_or(ctrl, |p| p.place(ctrl));
        let load_place = |l: &Link| self.points.get(l.load.as_str()).map_or(l.load.clone(), |p| p.place(&l.load).to_string());
        let load_kind = |l: &Link| self.points.get(l.load.as_str()).and_then(|p| p.sensor).map_or("power point", |s| s.name());
        let names: Vec<String> = of.loads.iter().map(|(l, _)| load_place(l)).collect();
        let mut evidence = Vec::new();
        let mut provisional = false;
        let mut inferred = false;
        let title = match ep.trip {
            Trip::Methane { cut, restore, factor, provisional: p, inferred: i, class } => {
                provisional = p;
                inferred = i;
                evidence.push(
                    ep.first
                        .evidence(ctrl, format!("first methane reading at or over the cut-off of {} % ({})", num(cut), class_label(class))),
                );
                if !ep.peak.same_record(&ep.first) {
                    evidence.push(ep.peak.evidence(ctrl, format!("peak methane reading, {} %", num(ep.peak.value * factor))));
                }
                if of.rule == MON10 {
                    format!(
                        "Methane at {place} reached {} % (cut-off {} %) but the power it cuts stayed on: {}",
                        num(ep.peak_norm),
                        num(cut),
                        names.join(", ")
                    )
                } else {
                    format!(
                        "Power restored to {} while methane at {place} was still at or above the restore level of {} % (peak {} %)",
                        names.join(", "),
                        num(restore),
                        num(ep.peak_norm)
                    )
                }
            }
            Trip::FanStop => {
                evidence.push(ep.first.evidence(ctrl, "auxiliary fan reads stopped (停) after running".into()));
                format!("Auxiliary fan {place} stopped but its heading kept power: {}", names.join(", "))
            }
        };
        let mut sources: Vec<&Evidence> = Vec::new();
        for (link, snap) in &of.loads {
            let after = human_duration(snap.time.secs_since(ep.start));
            let detail = match (of.rule, ep.trip) {
                (MON11, _) => format!(
                    "{} {} energised again {after} after the cut, before methane fell below the restore level",
                    load_kind(link),
                    load_place(link)
                ),
                (MON12, _) => format!("{} {} still energised {after} after the fan stopped", load_kind(link), load_place(link)),
                _ => format!("{} {} still energised {after} after the over-limit reading", load_kind(link), load_place(link)),
            };
            evidence.push(snap.evidence(&link.load, detail));
            if !sources.iter().any(|s| s.file == link.source.file && s.record == link.source.record && s.point == link.source.point) {
                sources.push(&link.source);
            }
        }
        evidence.extend(sources.into_iter().cloned());
        evidence.extend(closer);
        let mut f = finding(of.rule, &self.mine, of.start, end, Some(place), title, evidence);
        f.id = Finding::stable_id(of.rule, &self.mine, &format!("{place}|{ctrl}"), of.start);
        if let Trip::Methane { .. } = ep.trip {
            f.peak = Some(round6(ep.peak_norm));
        }
        let mut tags: Vec<String> = tables().hooks(of.rule, of.start).map(|h| format!("hook:{h}")).collect();
        if provisional {
            tags.push("provisional".into());
        }
        if inferred {
            tags.push("inferred".into());
        }
        if open {
            tags.push(TAG_OPEN.into());
        }
        for t in tags {
            if !f.has_tag(&t) {
                f.tags.push(t);
            }
        }
        f
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// `1.5`, `1.0`, `0.75`: how a regulator writes the numbers.
fn num(x: f64) -> String {
    let x = round6(x);
    if x.fract() == 0.0 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

impl Detector for PowerCutRules {
    fn name(&self) -> &'static str {
        "powercut"
    }

    fn on_definitions(&mut self, up: &Upload<'_>, defs: &[(usize, PointDef)], _out: &mut Vec<Finding>) {
        self.slots.clear();
        for (record, def) in defs {
            let st = self.points.entry(def.code.clone()).or_insert_with(|| PointState::new(None, "", ""));
            st.sensor = Some(def.sensor_type);
            st.location.clone_from(&def.location);
            st.unit.clone_from(&def.unit);
            st.declared_cut = def.thresholds.cut_high.filter(|v| v.is_finite());
            st.declared_restore = def.thresholds.restore_high.filter(|v| v.is_finite());
            st.window = STALE;
            let mut rels = Vec::new();
            for rel in &def.relations {
                let controller = rel.controller.clone().unwrap_or_else(|| def.code.clone());
                if controller == rel.point {
                    continue;
                }
                let source = Evidence {
                    file: up.file.to_string(),
                    record: Some(*record),
                    point: Some(def.code.clone()),
                    time: Some(def.time.unwrap_or(up.time)),
                    detail: Some(format!(
                        "CDDY 传感器关联关系 (field 23) of {}: {}-{} ({} must switch {})",
                        def.code,
                        rel.kind.code(),
                        rel.point,
                        controller,
                        rel.point
                    )),
                    ..Default::default()
                };
                rels.push((rel.kind, Link { controller, load: rel.point.clone(), from_registry: false, source }));
            }
            self.declared.insert(def.code.clone(), rels);
        }
        self.rebuild_links();
    }

    fn on_reading_at(&mut self, up: &Upload<'_>, record: usize, slot: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        // Methane sensors and fans are always followed; any other point (a load)
        // matters only while an episode is open.
        match self.slots.get(slot) {
            SlotUse::Ignored if self.episodes.is_empty() => {}
            SlotUse::Ignored | SlotUse::Used => self.on_reading(up, record, r, out),
            SlotUse::Unknown => {
                self.on_reading(up, record, r, out);
                let controller =
                    self.points.get(r.point).and_then(|st| st.sensor).is_some_and(|s| s.is_methane() || s == SensorType::AUX_FAN);
                self.slots.set(slot, if controller { SlotUse::Used } else { SlotUse::Ignored });
            }
        }
    }

    fn on_reading(&mut self, up: &Upload<'_>, record: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        let st = match self.points.get_mut(r.point) {
            Some(st) => st,
            None => self
                .points
                .entry(r.point.to_string())
                .or_insert_with(|| PointState::new(sensor_from_name(r.sensor_name), r.location, r.unit)),
        };
        if st.last_time.is_some_and(|l| r.time <= l) {
            return;
        }
        st.last_time = Some(r.time);
        let sensor = st.sensor;
        let controller = sensor.is_some_and(|s| s.is_methane() || s == SensorType::AUX_FAN);
        // Most readings concern neither a controller nor a load of an open episode.
        if !controller && self.episodes.is_empty() {
            return;
        }
        let value = r.value.filter(|v| v.is_finite() && !r.status.unreliable());
        let snap = Snap::new(up, record, value.or(r.value).unwrap_or(f64::NAN), r);
        if value.is_some() {
            st.last = Some(snap.clone());
        }
        if !self.episodes.is_empty() {
            self.load_reading(r.point, &snap, value.is_some(), out);
        }
        match sensor {
            Some(s) if s.is_methane() => self.methane_reading(r.point, snap, value, out),
            Some(SensorType::AUX_FAN) => self.fan_reading(r.point, snap, value, out),
            _ => {}
        }
    }

    fn finish(&mut self, _now: Timestamp, out: &mut Vec<Finding>) {
        for (ctrl, ep) in &self.episodes {
            for f in &ep.findings {
                out.push(self.build(ctrl, ep, f, None, None, false));
            }
        }
    }
}
