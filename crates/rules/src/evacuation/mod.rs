//! Evacuation after withdraw-people conditions (撤人条件): who stayed in the
//! affected areas, and whether work went on (ALM-2, ALM-3).
//!
//! Triggers, each judged once (the first time its finding is seen, open or closed):
//!
//! * a methane over-limit that orders people out — CSR-GAS-2 (panel and face
//!   returns), CSR-GAS-3 (faces), CSR-GAS-4 (accumulation ≥ 2.0 %);
//! * CO over its limit (CSR-AIR-2 on a CO point) with fire signs in the same area
//!   or air path: a smoke sensor (烟雾 1008) reading 1, or a temperature rising by
//!   2 °C or more within 10 min, from 10 min before the CO event until it ends;
//! * an SOS (POS-10), in the card's area;
//! * a registry manual event `water_inrush` / `water_inrush_alert` (透水征兆) or
//!   `extreme_weather`, at its start (its `places`, or the whole mine).
//!
//! The affected areas of a point come from the registry: the areas of the faces
//! whose `points` list it; for a point of no face (a panel or main return), the
//! areas of the air paths whose `points` list it. A face point does not empty the
//! whole ventilation route: the crew of a gassy face withdraws to the panel
//! roadway, which is part of the same air path. Without such
//! a mapping, a face whose id or name appears in the point's installation text
//! (e.g. `1201` in `1201工作面回风巷T2`) lends its areas. The detector sees no RYQY
//! area names, so it cannot match texts against them; a trigger it cannot place is
//! reported with no area and raises no ALM-2.
//!
//! Each RYSS snapshot from the trigger on says who is still in those areas. The
//! people at the start come from the newest snapshot at most 15 min before the
//! trigger (else the first one after it); the evacuation is clear at the first
//! snapshot that shows nobody there. Snapshots of the last 2 h are kept, so a
//! trigger that arrives late (a finding pushed only when its event closed) is
//! replayed over them.
//!
//! * ALM-2 — somebody is still in an affected area at a snapshot at or after the
//!   deadline (30 min from the trigger) without having left since the trigger:
//!   a person seen outside the areas has withdrawn and may return once the
//!   condition is over, while one who walks in while it lasts counts. Open from
//!   the deadline until nobody remains; every such person is evidence. The card that sent an SOS is
//!   rescued, not expected to walk out: it is not counted as staying.
//! * ALM-3 (methane triggers only) — 10 min after the trigger people are still in
//!   the affected areas and the production equipment of the affected faces still
//!   runs: a 设备开停 (1004) point reads on or a face feeder is energised. Work is
//!   taken as stopped once every such point that reported since the trigger reads
//!   off.
//!
//! Legal hooks are written here, not read from `hooks.toml`, because they depend on
//! the trigger: before 2026-07-01 CM-2.2 for a methane trigger; from then CM26-2.1
//! (CSR-GAS-2), CM26-2.4 (CSR-GAS-3), CM26-2.5 (CSR-GAS-4); HM-4.3-R1 for an SOS,
//! water inrush, extreme weather or fire.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use minesafe_model::registry::{ManualEvent, MineInfo};
use minesafe_model::time::human_duration;
use minesafe_model::{Evidence, Finding, PointDef, Position, PositionState, Reading, SensorType, Timestamp};
use serde::Serialize;

use crate::catalog::{day_start, finding};
use crate::detector::{Detector, SlotCache, SlotUse, Upload, TAG_OPEN, TAG_WITHDRAWN};
use crate::monitoring::{sensor_from_name, unit_factor};
use crate::tables::Quantity;

const ALM2: &str = "ALM-2";
const ALM3: &str = "ALM-3";
/// A binary reading at or above this is state 1 (on, energised, smoke).
const ON_MIN: f64 = 0.5;
/// Manual events that order people out (HM-4.3-R1).
const MANUAL_KINDS: [&str; 3] = ["water_inrush", "water_inrush_alert", "extreme_weather"];
/// The ORD21 switch of the CM-2.2 hooks.
const ORD21_FROM: &str = "2026-07-01";

/// Settings; the defaults are documented per field.
#[derive(Clone, Debug)]
pub struct EvacuationConfig {
    /// Time allowed to withdraw everybody from the affected areas. Default 30 min.
    pub deadline_secs: i64,
    /// After a methane trigger, how long equipment may run on before it counts as
    /// work continued (ALM-3). Default 10 min.
    pub work_grace_secs: i64,
    /// Window of the fire signs around a CO event, and of the temperature rise. Default 10 min.
    pub fire_window_secs: i64,
    /// Temperature rise within the window that is a fire sign. Default 2 °C.
    pub temperature_rise: f64,
    /// RYSS snapshots kept to replay a trigger that arrives late. Default 2 h.
    pub history_secs: i64,
    /// An evacuation is followed at most this long after its trigger. Default 4 h.
    pub follow_secs: i64,
    /// How old the snapshot before a trigger may be to give the people at the start. Default 15 min.
    pub start_lookback_secs: i64,
}

impl Default for EvacuationConfig {
    fn default() -> Self {
        EvacuationConfig {
            deadline_secs: 1800,
            work_grace_secs: 600,
            fire_window_secs: 600,
            temperature_rise: 2.0,
            history_secs: 7200,
            follow_secs: 4 * 3600,
            start_lookback_secs: 900,
        }
    }
}

/// What happened after one trigger: who was there, when the areas were clear, who stayed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvacuationReport {
    pub mine: String,
    /// The rule of the trigger (`CSR-GAS-3`, `POS-10`, …) or `manual:<kind>`.
    pub trigger_rule: String,
    /// The id of the triggering finding, or `manual|<kind>|<start>|<n>` for a registry event.
    pub trigger_finding: String,
    pub start: Timestamp,
    /// Positioning area codes affected (empty with `whole_mine`, or when unknown).
    pub areas: Vec<String>,
    /// The trigger concerns every place underground.
    pub whole_mine: bool,
    /// (card, name, area) of everybody in the affected areas when it began.
    pub people_at_start: Vec<(String, String, String)>,
    pub cleared_at: Option<Timestamp>,
    pub time_to_clear_secs: Option<i64>,
    /// (card, name, area, last seen) of everybody still there after the deadline.
    pub stayed: Vec<(String, String, String, Timestamp)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum TriggerKind {
    /// A methane over-limit rule: CSR-GAS-2, -3 or -4.
    Gas(String),
    CoFire,
    Sos,
    Manual,
}

/// One person in one snapshot.
#[derive(Clone, Debug)]
struct Seen {
    card: String,
    name: String,
    area: String,
    time: Timestamp,
    file: String,
    record: usize,
}

impl Seen {
    fn evidence(&self, detail: String) -> Evidence {
        Evidence {
            file: self.file.clone(),
            record: Some(self.record),
            card: Some(self.card.clone()),
            area: Some(self.area.clone()),
            time: Some(self.time),
            detail: Some(detail),
            ..Default::default()
        }
    }
}

/// An RYSS snapshot: the people underground with their areas.
struct Snapshot {
    time: Timestamp,
    file: String,
    /// (record, card, name, area); only people underground.
    people: Vec<(usize, String, String, Option<String>)>,
}

/// A reading kept for evidence, its buffers reused.
#[derive(Clone, Debug, Default)]
struct Last {
    file: String,
    record: usize,
    value: f64,
    status: u16,
    time: Timestamp,
}

impl Last {
    fn set(&mut self, file: &str, record: usize, value: f64, r: &Reading<'_>) {
        self.file.clear();
        self.file.push_str(file);
        self.record = record;
        self.value = value;
        self.status = r.status.0;
        self.time = r.time;
    }

    fn evidence(&self, point: &str, detail: String) -> Evidence {
        Evidence {
            file: self.file.clone(),
            record: Some(self.record),
            point: Some(point.to_string()),
            value: Some(self.value),
            status: Some(self.status),
            time: Some(self.time),
            detail: Some(detail),
            ..Default::default()
        }
    }
}

#[derive(Default)]
struct PointInfo {
    sensor: Option<SensorType>,
    location: String,
    last_time: Option<Timestamp>,
    /// Newest reliable reading (equipment and fire-sign points only).
    last: Option<Last>,
    /// Recent temperatures (time, °C, reading) for the rise test.
    temps: VecDeque<(Timestamp, f64, Last)>,
    /// When this point last gave a fire sign.
    last_sign: Option<Timestamp>,
}

struct FireSign {
    point: String,
    time: Timestamp,
    evidence: Vec<Evidence>,
}

/// A CO over-limit waiting for fire signs.
struct CoEvent {
    id: String,
    point: String,
    place: String,
    start: Timestamp,
    end: Option<Timestamp>,
    evidence: Option<Evidence>,
    triggered: bool,
}

/// Where a trigger applies.
#[derive(Clone, Debug, Default)]
struct Zone {
    areas: BTreeSet<String>,
    faces: BTreeSet<usize>,
    paths: BTreeSet<usize>,
}

struct Alm3 {
    start: Timestamp,
    people: Vec<Seen>,
    equipment: Vec<Evidence>,
}

struct Evac {
    kind: TriggerKind,
    rule: String,
    id: String,
    point: Option<String>,
    place: String,
    start: Timestamp,
    zone: Zone,
    whole: bool,
    trigger_evidence: Vec<Evidence>,
    at_start: Option<Vec<Seen>>,
    cleared_at: Option<Timestamp>,
    /// Seen after the deadline: first sighting, and last seen.
    stayed: BTreeMap<String, (Seen, Timestamp)>,
    alm2_pushed: bool,
    alm3: Option<Alm3>,
    alm3_end: Option<Timestamp>,
    work_stopped: bool,
    done: bool,
    /// The card that called for help: rescued, not expected to walk out.
    exempt: Option<String>,
    /// When the trigger condition ended, once known.
    end: Option<Timestamp>,
    /// Cards seen in the areas since the trigger, and those seen outside since.
    known: HashSet<String>,
    left: HashSet<String>,
}

impl Evac {
    fn has_place(&self) -> bool {
        self.whole || !self.zone.areas.is_empty()
    }

    fn covers(&self, state: PositionState, area: Option<&str>) -> bool {
        if state == PositionState::Out {
            return false;
        }
        if self.whole {
            return state == PositionState::Underground || area.is_some();
        }
        area.is_some_and(|a| self.zone.areas.contains(a))
    }

    fn hooks(&self) -> Vec<String> {
        let ord21 = self.start >= day_start(ORD21_FROM);
        let h = match (&self.kind, ord21) {
            (TriggerKind::Gas(_), false) => "CM-2.2",
            (TriggerKind::Gas(r), true) => match r.as_str() {
                "CSR-GAS-2" => "CM26-2.1",
                "CSR-GAS-3" => "CM26-2.4",
                _ => "CM26-2.5",
            },
            _ => "HM-4.3-R1",
        };
        vec![format!("hook:{h}")]
    }

    fn label(&self) -> String {
        match &self.kind {
            TriggerKind::Gas(r) => format!("the methane over-limit {r}"),
            TriggerKind::CoFire => "CO over its limit with fire signs".into(),
            TriggerKind::Sos => "an SOS".into(),
            TriggerKind::Manual => format!("the registry event {}", self.rule.trim_start_matches("manual:")),
        }
    }
}

/// The evacuation detector of one mine.
pub struct EvacuationRules {
    mine: String,
    cfg: EvacuationConfig,
    info: Option<MineInfo>,
    points: HashMap<String, PointInfo, foldhash::fast::RandomState>,
    /// Which engine slots carry readings this detector follows.
    slots: SlotCache,
    history: VecDeque<Snapshot>,
    evacs: Vec<Evac>,
    seen_triggers: HashSet<String>,
    co_events: Vec<CoEvent>,
    signs: Vec<FireSign>,
    /// Registry manual events that order people out, and whether they fired.
    manual: Vec<(ManualEvent, bool)>,
    now: Option<Timestamp>,
}

impl EvacuationRules {
    pub fn new(mine: &str, info: Option<&MineInfo>, cfg: &EvacuationConfig) -> Self {
        let manual = info
            .map(|i| i.manual_events.iter().filter(|m| MANUAL_KINDS.contains(&m.kind.as_str())).map(|m| (m.clone(), false)).collect())
            .unwrap_or_default();
        EvacuationRules {
            mine: mine.to_string(),
            cfg: cfg.clone(),
            info: info.cloned(),
            points: HashMap::default(),
            slots: SlotCache::default(),
            history: VecDeque::new(),
            evacs: Vec::new(),
            seen_triggers: HashSet::new(),
            co_events: Vec::new(),
            signs: Vec::new(),
            manual,
            now: None,
        }
    }

    /// One report per trigger, in trigger order.
    pub fn reports(&self) -> Vec<EvacuationReport> {
        self.evacs
            .iter()
            .map(|e| EvacuationReport {
                mine: self.mine.clone(),
                trigger_rule: e.rule.clone(),
                trigger_finding: e.id.clone(),
                start: e.start,
                areas: e.zone.areas.iter().cloned().collect(),
                whole_mine: e.whole,
                people_at_start: e.at_start.iter().flatten().map(|s| (s.card.clone(), s.name.clone(), s.area.clone())).collect(),
                cleared_at: e.cleared_at,
                time_to_clear_secs: e.cleared_at.map(|c| c.secs_since(e.start)),
                stayed: e.stayed.values().map(|(s, last)| (s.card.clone(), s.name.clone(), s.area.clone(), *last)).collect(),
            })
            .collect()
    }

    /// The areas, faces and air paths a point belongs to.
    fn zone_of(&self, point: &str, location: &str) -> Zone {
        let mut z = Zone::default();
        let Some(info) = &self.info else {
            return z;
        };
        for (i, f) in info.faces.iter().enumerate() {
            if f.points.iter().any(|p| p == point) {
                z.faces.insert(i);
                z.areas.extend(f.areas.iter().cloned());
            }
        }
        let in_face = !z.faces.is_empty();
        for (i, p) in info.air_paths.iter().enumerate() {
            if p.points.iter().any(|p| p == point) {
                z.paths.insert(i);
                // A face point empties its face; the rest of the route is where its crew withdraws to.
                if !in_face {
                    z.areas.extend(p.areas.iter().cloned());
                }
            }
        }
        if z.faces.is_empty() && z.paths.is_empty() && !location.is_empty() {
            for (i, f) in info.faces.iter().enumerate() {
                if (!f.id.is_empty() && location.contains(f.id.as_str())) || (!f.name.is_empty() && location.contains(f.name.as_str())) {
                    z.faces.insert(i);
                    z.areas.extend(f.areas.iter().cloned());
                }
            }
        }
        // Faces working inside the affected areas (their equipment must stop).
        for (i, f) in info.faces.iter().enumerate() {
            if f.areas.iter().any(|a| z.areas.contains(a)) {
                z.faces.insert(i);
            }
        }
        z
    }

    fn location_of(&self, point: &str) -> String {
        self.points.get(point).map(|p| p.location.clone()).unwrap_or_default()
    }

    /// Power and on/off points of the faces of a zone.
    fn equipment(&self, zone: &Zone) -> Vec<String> {
        let Some(info) = &self.info else {
            return Vec::new();
        };
        let mut v: Vec<String> = Vec::new();
        for &i in &zone.faces {
            let Some(f) = info.faces.get(i) else {
                continue;
            };
            for p in &f.feeders {
                if !v.contains(p) {
                    v.push(p.clone());
                }
            }
            for p in &f.points {
                let device = self.points.get(p.as_str()).and_then(|x| x.sensor) == Some(SensorType::DEVICE_ON_OFF);
                if device && !v.contains(p) {
                    v.push(p.clone());
                }
            }
        }
        v
    }

    #[allow(clippy::too_many_arguments)]
    fn start_evac(
        &mut self,
        kind: TriggerKind,
        rule: String,
        id: String,
        point: Option<String>,
        place: String,
        (start, end): (Timestamp, Option<Timestamp>),
        zone: Zone,
        whole: bool,
        trigger_evidence: Vec<Evidence>,
        out: &mut Vec<Finding>,
    ) {
        // One physical event is one evacuation: a second rule on the same point or
        // the same areas while the first evacuation is followed adds nothing.
        let dup = self.evacs.iter().any(|e| {
            !e.done
                && e.start <= start
                && ((point.is_some() && e.point == point)
                    || (e.whole && whole)
                    || (!zone.areas.is_empty() && e.zone.areas == zone.areas && e.kind == kind))
        });
        if dup {
            return;
        }
        let mut ev = Evac {
            kind,
            rule,
            id,
            point,
            place,
            start,
            zone,
            whole,
            trigger_evidence,
            at_start: None,
            cleared_at: None,
            stayed: BTreeMap::new(),
            alm2_pushed: false,
            alm3: None,
            alm3_end: None,
            work_stopped: false,
            done: false,
            exempt: None,
            end,
            known: HashSet::new(),
            left: HashSet::new(),
        };
        if ev.kind == TriggerKind::Sos {
            ev.exempt = ev.trigger_evidence.iter().find_map(|e| e.card.clone());
        }
        if !ev.has_place() {
            ev.done = true;
            self.evacs.push(ev);
            return;
        }
        let lookback = start.plus_secs(-self.cfg.start_lookback_secs);
        if let Some(s) = self.history.iter().rev().find(|s| s.time <= start && s.time >= lookback) {
            let here = present(&ev, s);
            ev.known.extend(here.iter().map(|p| p.card.clone()));
            ev.at_start = Some(here);
        }
        // Work already stopped when the trigger arrives late.
        self.check_work_stopped(&mut ev, None, out);
        let replay: Vec<usize> = (0..self.history.len()).filter(|&i| self.history[i].time >= start).collect();
        for i in replay {
            if ev.done {
                break;
            }
            self.observe(&mut ev, i, out);
        }
        self.evacs.push(ev);
    }

    /// One snapshot (index into the history) seen by one evacuation.
    fn observe(&self, ev: &mut Evac, snap: usize, out: &mut Vec<Finding>) {
        let s = &self.history[snap];
        if ev.done || s.time < ev.start {
            return;
        }
        let here = present(ev, s);
        if ev.at_start.is_none() {
            ev.known.extend(here.iter().map(|p| p.card.clone()));
            ev.at_start = Some(here.clone());
        }
        // Who is still there without having left since the trigger. Somebody seen
        // outside the areas has withdrawn, and may come back once the condition is
        // over; somebody arriving while it lasts walks into it and counts.
        let active = ev.end.is_none_or(|e| s.time <= e);
        for card in ev.known.iter() {
            if !here.iter().any(|p| &p.card == card) {
                ev.left.insert(card.clone());
            }
        }
        let mut remaining: Vec<Seen> = Vec::new();
        for p in here {
            if ev.exempt.as_deref() == Some(p.card.as_str()) || ev.left.contains(&p.card) {
                continue;
            }
            if ev.known.insert(p.card.clone()) && !active && ev.at_start.as_ref().is_some_and(|a| !a.iter().any(|x| x.card == p.card)) {
                ev.left.insert(p.card.clone());
                continue;
            }
            remaining.push(p);
        }
        let here = remaining;
        if here.is_empty() {
            ev.cleared_at = Some(s.time);
            ev.done = true;
            self.close(ev, s.time, out);
            return;
        }
        let deadline = ev.start.plus_secs(self.cfg.deadline_secs);
        if s.time >= deadline {
            let mut new = false;
            for p in &here {
                match ev.stayed.get_mut(&p.card) {
                    Some((_, last)) => *last = s.time,
                    None => {
                        ev.stayed.insert(p.card.clone(), (p.clone(), s.time));
                        new = true;
                    }
                }
            }
            if new {
                ev.alm2_pushed = true;
                out.push(self.alm2(ev, None, true));
            }
        }
        if matches!(ev.kind, TriggerKind::Gas(_))
            && !ev.work_stopped
            && ev.alm3.is_none()
            && s.time >= ev.start.plus_secs(self.cfg.work_grace_secs)
        {
            let running: Vec<Evidence> = self
                .equipment(&ev.zone)
                .iter()
                .filter_map(|p| {
                    let last = self.points.get(p.as_str())?.last.as_ref()?;
                    (last.time >= ev.start && last.value >= ON_MIN).then(|| {
                        let what = self.points.get(p.as_str()).and_then(|x| x.sensor).map_or("power point", |t| t.name());
                        last.evidence(
                            p,
                            format!(
                                "{what} {} still on {} after the trigger",
                                self.location_of(p),
                                human_duration(last.time.secs_since(ev.start))
                            ),
                        )
                    })
                })
                .collect();
            if !running.is_empty() && !here.is_empty() {
                ev.alm3 = Some(Alm3 { start: s.time, people: here.clone(), equipment: running });
                out.push(self.alm3(ev, None, true));
            }
        }
        if s.time > ev.start.plus_secs(self.cfg.follow_secs) {
            ev.done = true;
            self.close(ev, s.time, out);
        }
    }

    /// Pushes the open ALM findings of an evacuation closed at `end`.
    fn close(&self, ev: &mut Evac, end: Timestamp, out: &mut Vec<Finding>) {
        if ev.alm2_pushed {
            out.push(self.alm2(ev, Some(end), false));
        }
        if ev.alm3.is_some() && ev.alm3_end.is_none() {
            ev.alm3_end = Some(end);
            out.push(self.alm3(ev, Some(end), false));
        }
    }

    /// Work counts as stopped once every equipment point that reported since the trigger reads off.
    fn check_work_stopped(&self, ev: &mut Evac, at: Option<Timestamp>, out: &mut Vec<Finding>) {
        if ev.work_stopped || ev.done || !matches!(ev.kind, TriggerKind::Gas(_)) {
            return;
        }
        let mut reported = 0;
        let mut newest = ev.start;
        for p in self.equipment(&ev.zone) {
            let Some(last) = self.points.get(p.as_str()).and_then(|x| x.last.as_ref()) else {
                continue;
            };
            if last.time < ev.start {
                continue;
            }
            if last.value >= ON_MIN {
                return;
            }
            reported += 1;
            newest = newest.max(last.time);
        }
        if reported == 0 {
            return;
        }
        ev.work_stopped = true;
        if ev.alm3.is_some() && ev.alm3_end.is_none() {
            let end = at.unwrap_or(newest);
            ev.alm3_end = Some(end);
            out.push(self.alm3(ev, Some(end), false));
        }
    }

    fn finish_tags(&self, ev: &Evac, f: &mut Finding, open: bool) {
        for h in ev.hooks() {
            if !f.has_tag(&h) {
                f.tags.push(h);
            }
        }
        if open {
            f.tags.push(TAG_OPEN.into());
        }
    }

    fn alm2(&self, ev: &Evac, end: Option<Timestamp>, open: bool) -> Finding {
        let deadline = ev.start.plus_secs(self.cfg.deadline_secs);
        let n = ev.stayed.len();
        let title = format!(
            "{n} {} still in the affected area{} {} after {} at {} (trigger {})",
            if n == 1 { "person" } else { "people" },
            if ev.whole || ev.zone.areas.len() > 1 { "s" } else { "" },
            human_duration(self.cfg.deadline_secs),
            ev.label(),
            ev.place,
            ev.start.upload_format()
        );
        let mut evidence = ev.trigger_evidence.clone();
        for (s, last) in ev.stayed.values() {
            evidence.push(s.evidence(format!(
                "{} ({}) in area {} {} after the trigger, past the {} deadline; last seen {}",
                s.name,
                s.card,
                s.area,
                human_duration(s.time.secs_since(ev.start)),
                human_duration(self.cfg.deadline_secs),
                last.upload_format()
            )));
        }
        let mut f = finding(ALM2, &self.mine, deadline, end, Some(&ev.place), title, evidence);
        f.id = Finding::stable_id(ALM2, &self.mine, &ev.id, ev.start);
        self.finish_tags(ev, &mut f, open);
        f
    }

    fn alm3(&self, ev: &Evac, end: Option<Timestamp>, open: bool) -> Finding {
        let Some(a) = &ev.alm3 else {
            return finding(ALM3, &self.mine, ev.start, end, Some(&ev.place), String::new(), Vec::new());
        };
        let title = format!(
            "Work went on at {} {} after {}: {} people in the affected area{} and {} power or machine point{} on",
            ev.place,
            human_duration(a.start.secs_since(ev.start)),
            ev.label(),
            a.people.len(),
            if ev.zone.areas.len() > 1 { "s" } else { "" },
            a.equipment.len(),
            if a.equipment.len() > 1 { "s" } else { "" }
        );
        let mut evidence = ev.trigger_evidence.clone();
        for s in &a.people {
            evidence.push(s.evidence(format!(
                "{} ({}) in area {} {} after the trigger",
                s.name,
                s.card,
                s.area,
                human_duration(s.time.secs_since(ev.start))
            )));
        }
        evidence.extend(a.equipment.iter().cloned());
        let mut f = finding(ALM3, &self.mine, a.start, end, Some(&ev.place), title, evidence);
        f.id = Finding::stable_id(ALM3, &self.mine, &ev.id, ev.start);
        self.finish_tags(ev, &mut f, open);
        f
    }

    /// Fires the registry manual events whose start has passed.
    fn fire_manual(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        self.now = Some(self.now.map_or(now, |n| n.max(now)));
        let due: Vec<usize> = (0..self.manual.len()).filter(|&i| !self.manual[i].1 && self.manual[i].0.start <= now).collect();
        for i in due {
            self.manual[i].1 = true;
            let m = self.manual[i].0.clone();
            let mut zone = Zone::default();
            for p in &m.places {
                let by_face: Vec<usize> = self
                    .info
                    .iter()
                    .flat_map(|info| info.faces.iter().enumerate())
                    .filter(|(_, f)| f.id == *p || f.name == *p)
                    .map(|(i, _)| i)
                    .collect();
                if !by_face.is_empty() {
                    for fi in by_face {
                        zone.faces.insert(fi);
                        if let Some(f) = self.info.as_ref().and_then(|x| x.faces.get(fi)) {
                            zone.areas.extend(f.areas.iter().cloned());
                        }
                    }
                    continue;
                }
                let z = self.zone_of(p, "");
                if z.areas.is_empty() {
                    zone.areas.insert(p.clone());
                } else {
                    zone.areas.extend(z.areas);
                    zone.faces.extend(z.faces);
                }
            }
            let whole = m.places.is_empty();
            let place = if whole { "the whole mine".to_string() } else { m.places.join(", ") };
            let id = format!("manual|{}|{}|{i}", m.kind, m.start.compact_format());
            let ev = Evidence {
                file: "registry".into(),
                time: Some(m.start),
                detail: Some(format!("registry manual event {} from {} at {place}", m.kind, m.start.upload_format())),
                ..Default::default()
            };
            self.start_evac(
                TriggerKind::Manual,
                format!("manual:{}", m.kind),
                id,
                None,
                place,
                (m.start, m.end),
                zone,
                whole,
                vec![ev],
                out,
            );
        }
    }

    fn same_zone(a: &Zone, b: &Zone) -> bool {
        a.areas.intersection(&b.areas).next().is_some()
            || a.paths.intersection(&b.paths).next().is_some()
            || a.faces.intersection(&b.faces).next().is_some()
    }

    /// Starts evacuations for CO events that now have a fire sign nearby.
    fn check_fire(&mut self, out: &mut Vec<Finding>) {
        let window = self.cfg.fire_window_secs;
        let mut fire: Vec<(usize, usize)> = Vec::new();
        for (ci, co) in self.co_events.iter().enumerate() {
            if co.triggered {
                continue;
            }
            let cz = self.zone_of(&co.point, &self.location_of(&co.point));
            if cz.areas.is_empty() && cz.paths.is_empty() {
                continue;
            }
            let hit = self.signs.iter().position(|s| {
                s.time >= co.start.plus_secs(-window)
                    && co.end.is_none_or(|e| s.time <= e)
                    && Self::same_zone(&cz, &self.zone_of(&s.point, &self.location_of(&s.point)))
            });
            if let Some(si) = hit {
                fire.push((ci, si));
            }
        }
        for (ci, si) in fire {
            self.co_events[ci].triggered = true;
            let co = &self.co_events[ci];
            let sign = &self.signs[si];
            let start = co.start.max(sign.time);
            let zone = self.zone_of(&co.point, &self.location_of(&co.point));
            let mut evidence: Vec<Evidence> = co.evidence.iter().cloned().collect();
            evidence.extend(sign.evidence.iter().cloned());
            let (id, point, place, end) = (co.id.clone(), co.point.clone(), co.place.clone(), co.end);
            self.start_evac(TriggerKind::CoFire, "CSR-AIR-2".into(), id, Some(point), place, (start, end), zone, false, evidence, out);
        }
    }

    fn record_sign(&mut self, point: &str, time: Timestamp, evidence: Vec<Evidence>, out: &mut Vec<Finding>) {
        if let Some(p) = self.points.get_mut(point) {
            if p.last_sign.is_some_and(|t| time.secs_since(t) < self.cfg.fire_window_secs) {
                return;
            }
            p.last_sign = Some(time);
        }
        self.signs.push(FireSign { point: point.to_string(), time, evidence });
        let keep = time.plus_secs(-self.cfg.history_secs);
        self.signs.retain(|s| s.time >= keep);
        self.check_fire(out);
    }
}

/// The people of a snapshot inside an evacuation's areas.
fn present(ev: &Evac, s: &Snapshot) -> Vec<Seen> {
    s.people
        .iter()
        .filter(|(_, _, _, area)| ev.covers(PositionState::Underground, area.as_deref()))
        .map(|(record, card, name, area)| Seen {
            card: card.clone(),
            name: name.clone(),
            area: area.clone().unwrap_or_default(),
            time: s.time,
            file: s.file.clone(),
            record: *record,
        })
        .collect()
}

/// Sensor types whose readings the evacuation follows: machines and power (work
/// going on), smoke and temperature (fire signs).
fn watched_sensor(sensor: SensorType) -> bool {
    matches!(
        sensor,
        SensorType::DEVICE_ON_OFF
            | SensorType::FEED
            | SensorType::FEEDER
            | SensorType::POWER_BREAKER
            | SensorType::SMOKE
            | SensorType::TEMPERATURE
    )
}

impl Detector for EvacuationRules {
    fn summaries(&self) -> Vec<serde_json::Value> {
        self.reports().iter().filter_map(|r| serde_json::to_value(r).ok()).collect()
    }

    fn name(&self) -> &'static str {
        "evacuation"
    }

    fn on_upload(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {
        self.fire_manual(up.time, out);
    }

    fn on_definitions(&mut self, _up: &Upload<'_>, defs: &[(usize, PointDef)], _out: &mut Vec<Finding>) {
        self.slots.clear();
        for (_, d) in defs {
            let p = self.points.entry(d.code.clone()).or_default();
            p.sensor = Some(d.sensor_type);
            p.location.clone_from(&d.location);
        }
    }

    fn on_reading_at(&mut self, up: &Upload<'_>, record: usize, slot: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        // Only machine, power, smoke and temperature points matter here: most
        // readings (methane, CO, wind …) are skipped without a lookup.
        match self.slots.get(slot) {
            SlotUse::Ignored => {}
            SlotUse::Used => self.on_reading(up, record, r, out),
            SlotUse::Unknown => {
                self.on_reading(up, record, r, out);
                let used = self.points.get(r.point).and_then(|p| p.sensor).is_some_and(watched_sensor);
                self.slots.set(slot, if used { SlotUse::Used } else { SlotUse::Ignored });
            }
        }
    }

    fn on_reading(&mut self, up: &Upload<'_>, record: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        let p = match self.points.get_mut(r.point) {
            Some(p) => p,
            None => self.points.entry(r.point.to_string()).or_insert_with(|| PointInfo {
                sensor: sensor_from_name(r.sensor_name),
                location: r.location.to_string(),
                ..Default::default()
            }),
        };
        let Some(sensor) = p.sensor else {
            return;
        };
        if !watched_sensor(sensor) || p.last_time.is_some_and(|l| r.time <= l) {
            return;
        }
        p.last_time = Some(r.time);
        let Some(v) = r.value.filter(|v| v.is_finite() && !r.status.unreliable()) else {
            return;
        };
        p.last.get_or_insert_with(Last::default).set(up.file, record, v, r);
        match sensor {
            SensorType::SMOKE if v >= ON_MIN => {
                let ev = p.last.as_ref().map(|l| l.evidence(r.point, format!("smoke sensor {} reads 有烟雾 (smoke)", r.location)));
                self.record_sign(r.point, r.time, ev.into_iter().collect(), out);
            }
            SensorType::TEMPERATURE => {
                let Some(c) = unit_factor(Quantity::Temperature, r.unit).map(|f| v * f) else {
                    return;
                };
                let from = r.time.plus_secs(-self.cfg.fire_window_secs);
                while p.temps.front().is_some_and(|(t, _, _)| *t < from) {
                    p.temps.pop_front();
                }
                let low = p.temps.iter().min_by(|a, b| a.1.total_cmp(&b.1)).cloned();
                let mut now = Last::default();
                now.set(up.file, record, v, r);
                p.temps.push_back((r.time, c, now.clone()));
                if let Some((_, lc, low)) = low {
                    if c - lc >= self.cfg.temperature_rise {
                        let ev = vec![
                            low.evidence(r.point, format!("temperature {lc} °C at {}", r.location)),
                            now.evidence(
                                r.point,
                                format!(
                                    "temperature rose to {c} °C (+{:.1} °C within {})",
                                    c - lc,
                                    human_duration(self.cfg.fire_window_secs)
                                ),
                            ),
                        ];
                        self.record_sign(r.point, r.time, ev, out);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_readings_end(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {
        let mut evacs = std::mem::take(&mut self.evacs);
        for ev in evacs.iter_mut() {
            self.check_work_stopped(ev, Some(up.time), out);
        }
        self.evacs = evacs;
    }

    fn on_positions(&mut self, up: &Upload<'_>, positions: &[(usize, Position)], out: &mut Vec<Finding>) {
        self.fire_manual(up.time, out);
        let people = positions
            .iter()
            .filter(|(_, p)| p.state != PositionState::Out)
            .map(|(i, p)| (*i, p.card.clone(), p.name.clone(), p.area.clone()))
            .collect();
        self.history.push_back(Snapshot { time: up.time, file: up.file.to_string(), people });
        let keep = up.time.plus_secs(-self.cfg.history_secs);
        while self.history.front().is_some_and(|s| s.time < keep) {
            self.history.pop_front();
        }
        let last = self.history.len() - 1;
        let mut evacs = std::mem::take(&mut self.evacs);
        for ev in evacs.iter_mut() {
            self.observe(ev, last, out);
        }
        self.evacs = evacs;
    }

    fn on_finding(&mut self, f: &Finding, out: &mut Vec<Finding>) {
        if f.rule == ALM2 || f.rule == ALM3 {
            return;
        }
        if f.has_tag(TAG_WITHDRAWN) {
            self.co_events.retain(|c| c.id != f.id);
            let mut evacs = std::mem::take(&mut self.evacs);
            for ev in evacs.iter_mut().filter(|e| e.id == f.id && !e.done) {
                ev.done = true;
                for mut w in [ev.alm2_pushed.then(|| self.alm2(ev, None, false)), ev.alm3.as_ref().map(|_| self.alm3(ev, None, false))]
                    .into_iter()
                    .flatten()
                {
                    w.tags.push(TAG_WITHDRAWN.into());
                    out.push(w);
                }
            }
            self.evacs = evacs;
            return;
        }
        // A trigger seen again (closed) tells when its condition ended.
        for ev in self.evacs.iter_mut().filter(|e| e.id == f.id) {
            ev.end = f.end;
        }
        let point = f.evidence.iter().find_map(|e| e.point.clone());
        let place = f.place.clone().or_else(|| point.clone()).unwrap_or_default();
        match f.rule.as_str() {
            "CSR-GAS-2" | "CSR-GAS-3" | "CSR-GAS-4" => {
                if !self.seen_triggers.insert(f.id.clone()) {
                    return;
                }
                let location = point.as_deref().map(|p| self.location_of(p)).filter(|l| !l.is_empty()).unwrap_or_else(|| place.clone());
                let zone = point.as_deref().map(|p| self.zone_of(p, &location)).unwrap_or_default();
                let ev = f.evidence.first().cloned().into_iter().collect();
                self.start_evac(
                    TriggerKind::Gas(f.rule.clone()),
                    f.rule.clone(),
                    f.id.clone(),
                    point,
                    place,
                    (f.start, f.end),
                    zone,
                    false,
                    ev,
                    out,
                );
            }
            "CSR-AIR-2" => {
                let Some(point) = point else {
                    return;
                };
                let co = match self.points.get(point.as_str()).and_then(|p| p.sensor) {
                    Some(s) => s == SensorType::CO,
                    None => f.title.starts_with("CO "),
                };
                if !co {
                    return;
                }
                match self.co_events.iter_mut().find(|c| c.id == f.id) {
                    Some(c) => c.end = f.end,
                    None => self.co_events.push(CoEvent {
                        id: f.id.clone(),
                        point,
                        place,
                        start: f.start,
                        end: f.end,
                        evidence: f.evidence.first().cloned(),
                        triggered: false,
                    }),
                }
                if let Some(now) = self.now {
                    let window = self.cfg.fire_window_secs;
                    self.co_events.retain(|c| c.triggered || c.end.is_none_or(|e| now.secs_since(e) <= window));
                }
                self.check_fire(out);
            }
            "POS-10" => {
                if !self.seen_triggers.insert(f.id.clone()) {
                    return;
                }
                let area = f.evidence.iter().find_map(|e| e.area.clone()).or_else(|| f.place.clone());
                let mut zone = Zone::default();
                zone.areas.extend(area);
                let ev = f.evidence.first().cloned().into_iter().collect();
                self.start_evac(TriggerKind::Sos, "POS-10".into(), f.id.clone(), None, place, (f.start, f.end), zone, false, ev, out);
            }
            _ => {}
        }
    }

    fn tick(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        self.fire_manual(now, out);
    }

    fn finish(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        self.fire_manual(now, out);
        for ev in self.evacs.iter().filter(|e| !e.done) {
            if ev.alm2_pushed {
                out.push(self.alm2(ev, None, false));
            }
            if ev.alm3.is_some() && ev.alm3_end.is_none() {
                out.push(self.alm3(ev, None, false));
            }
        }
    }
}
