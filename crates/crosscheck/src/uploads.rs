//! Series derived from the G2 uploads themselves, so a mine that sends its
//! positioning (RYSS) and monitoring (CDSS) files can be cross-checked without
//! any spreadsheet: people per area and hour, crews per face and shift, card
//! trips, the belt-scale output (accumulator 3001), electrical activity
//! (0015–0017) and the stretches where a system stopped uploading.
//!
//! The caller feeds one mine's parsed files in event-time order (the batch and
//! the watcher already sort them); nothing here reads files or the clock.
//!
//! Rules the detectors rely on:
//! - **Snapshots** (RYSS): only cards in state 已入井 (underground) count. A
//!   snapshot stands for the time until the next one, at most
//!   [`UploadsConfig::snapshot_max_secs`], so a silence is never counted as
//!   people present. A snapshot whose header time is not after the previous
//!   one's (a late or repeated file) is ignored: its people were already counted
//!   by the snapshots around it, and counting it again would double the
//!   person-hours. A card listed twice in one snapshot counts once.
//! - **Areas**: the RYSS area code; without one, the reader station's area (its
//!   first 16 digits) when the registry or a face names that area, else the
//!   station code itself (`AreaHour::area` says so).
//! - **Shifts**: from the registry's schedule only. A mine with no shifts in the
//!   registry gets no [`ShiftCrew`]s: a guessed schedule would put the hand-over
//!   window in the wrong place and count two crews as one.
//! - **Vanished cards**: a card underground stays in every RYSS snapshot until it
//!   comes up. One that drops out of the snapshots without an exit record keeps
//!   `up = None` and its `last_seen`; the concealment detector (ACC-LEAD-1) then
//!   decides between "the exit reader missed the card" (the card goes down again,
//!   the lamp was returned) and "the person never came up", and it discounts
//!   cards that vanished because positioning stopped uploading. Closing the trip
//!   at the last sighting instead would make every hidden accident look like a
//!   normal exit.
//! - **Trips**: a new 入井时刻 for a card starts a new trip (the previous one, if
//!   no exit was seen, stays open as above); without entry times, a card absent
//!   from the snapshots for longer than [`UploadsConfig::gap_secs`] while others
//!   arrived starts a new trip when it reappears. A card first seen already out
//!   with both times (down and up between two snapshots) is a closed trip whose
//!   `last_seen` is its exit. Underground again with the same entry time after an
//!   exit reopens the trip (a flicker of the shaft reader).
//! - **Belt scale**: every 3001 accumulator point (by CDDY type, else by the
//!   record's name 产量) is summed: the registry gives no way to tell the main
//!   scale from scales in series on the same coal, so a mine with several
//!   scales in series will read high — list only the main scale's point as
//!   3001 in CDDY, or drop the others before feeding them. An analog 产量 point
//!   (a rate in t/h) is not a counter and is ignored. See
//!   [`UploadsConfig::belt_max_tph`] and [`UploadsConfig::belt_day_margin_minutes`].

use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};

use minesafe_model::registry::MineInfo;
use minesafe_model::{PointDef, Position, PositionState, SensorType, Timestamp, ValueKind};
use serde::{Deserialize, Serialize};

use crate::inputs::{
    day_of, day_start, AreaHour, CardTrip, CrewActivity, DailyOutput, Day, MineInputs, OutputSource, PowerActivity, PowerQuantity,
    ShiftCrew, UploadGap,
};

/// The per-record look-ups by card, area and point code run tens of millions of
/// times a mine-year on short codes from the mine's own uploads: a fast hash
/// (foldhash, as the engine uses) instead of SipHash, with a fixed seed so that
/// the series come out in the same order on every run.
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::FixedState>;
type HashSet<K> = StdHashSet<K, foldhash::fast::FixedState>;

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
    /// Belt-scale accumulator (产量, 3001): the most tonnes an hour the scales of
    /// one mine can weigh (10 000 t/h, above the largest main belts). An increase
    /// of the counter above this rate over the time since the previous reading
    /// (at least one minute) is a glitch, not coal: that single reading is set
    /// aside. If the next reading continues from the old level the glitch is
    /// dropped; if it continues from the new level the counter was re-based
    /// (preset, replaced meter) and counting resumes from there, the jump itself
    /// never counted. A drop of the counter is a reset or rollover: the new value
    /// counts from zero, if it is itself plausible at this rate (else it is a
    /// glitch as above).
    pub belt_max_tph: f64,
    /// A day's belt-scale tonnage is only given when the scale readings cover the
    /// day to within this many minutes at each end (60): the first day of the
    /// input (no counter level at midnight) and a day the uploads end early are
    /// partial and would read as a shortfall. A gap inside the day loses nothing
    /// (the counter keeps counting); a gap across midnight credits the coal to
    /// the day the readings resume.
    pub belt_day_margin_minutes: i64,
}

impl Default for UploadsConfig {
    fn default() -> Self {
        UploadsConfig { handover_minutes: 30, snapshot_max_secs: 900, gap_secs: 1800, belt_max_tph: 10_000.0, belt_day_margin_minutes: 60 }
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

    fn index(self) -> usize {
        match self {
            UploadSystem::Monitoring => 0,
            UploadSystem::Positioning => 1,
        }
    }
}

/// A shift of the registry's schedule as offsets on the Beijing clock.
struct ShiftWindow {
    name: String,
    /// Seconds after Beijing midnight the shift starts.
    start: i64,
    /// Length in seconds (a shift whose end equals its start lasts 24 h).
    len: i64,
    producing: bool,
}

/// `HH:MM` (or `H:MM`, `HH:MM:SS`) → seconds after midnight.
fn parse_hhmm(s: &str) -> Option<i64> {
    let mut it = s.trim().split(':');
    let h: i64 = it.next()?.trim().parse().ok()?;
    let m: i64 = it.next()?.trim().parse().ok()?;
    let sec: i64 = match it.next() {
        Some(x) => x.trim().parse().ok()?,
        None => 0,
    };
    ((0..=24).contains(&h) && (0..60).contains(&m) && (0..60).contains(&sec)).then_some((h * 3600 + m * 60 + sec) % 86_400)
}

/// What a work site is, for [`CrewActivity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SiteClass {
    Longwall,
    Heading,
    Other,
}

struct Site {
    code: String,
    class: SiteClass,
}

/// People per area: the hour being filled.
struct AreaState {
    code: String,
    site: u32,
    /// Hour index (UTC seconds / 3600) being filled; `None` before the first.
    hour: Option<i64>,
    people_max: u32,
    person_secs: i64,
}

/// The crew count of one (shift, site) for the shift day being filled.
struct CrewAcc {
    day: Day,
    people_max: u32,
    at: Timestamp,
}

/// One card: its current or last trip.
struct CardState {
    /// Index into `trips` of the card's latest trip.
    trip: usize,
    /// Whether that trip is still open (no exit yet).
    open: bool,
    /// 入井时刻 the latest trip was keyed by, if the uploads gave one.
    entered: Option<Timestamp>,
    /// Number of the last snapshot the card appeared in underground.
    last_snap: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PointKind {
    /// 产量 accumulator (3001).
    Belt,
    Power(PowerQuantity),
    Other,
}

fn kind_of(t: SensorType) -> PointKind {
    match t.0 {
        3001 => PointKind::Belt,
        15 => PointKind::Power(PowerQuantity::Voltage),
        16 => PointKind::Power(PowerQuantity::Frequency),
        17 => PointKind::Power(PowerQuantity::Current),
        _ => PointKind::Other,
    }
}

/// The sensor type named by CDSS field 2 (Chinese name, or the code itself).
fn kind_of_name(name: &str) -> PointKind {
    let name = name.trim();
    [SensorType::OUTPUT, SensorType(15), SensorType(16), SensorType(17)]
        .into_iter()
        .find(|t| t.name() == name)
        .or_else(|| SensorType::parse(name))
        .map(kind_of)
        .unwrap_or(PointKind::Other)
}

#[derive(Default)]
struct BeltState {
    /// The counter level counting continues from, and when it was read.
    last: Option<(f64, Timestamp)>,
    /// A reading set aside as a possible glitch.
    pending: Option<(f64, Timestamp)>,
}

#[derive(Default)]
struct PowerAcc {
    hour: Option<i64>,
    sum: f64,
    max: f64,
    n: u32,
}

struct PointState {
    code: String,
    kind: PointKind,
    /// Defined by a CDDY (its type and location win over the record's).
    defined: bool,
    location: String,
    face: Option<String>,
    belt: BeltState,
    power: PowerAcc,
}

/// Belt-scale tonnes of one day, with how far the readings cover it.
struct BeltDay {
    tonnes: f64,
    /// Earliest counter level the day's increments continue from.
    covered_from: Timestamp,
    /// Latest reading of the day.
    covered_to: Timestamp,
}

#[derive(Default)]
struct SystemUploads {
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    gaps: Vec<(Timestamp, Timestamp)>,
}

/// One mine's series being built from its uploads.
pub struct UploadSeries {
    cfg: UploadsConfig,
    shifts: Vec<ShiftWindow>,
    /// Area code → site (face id) for areas a declared face names.
    face_of_area: HashMap<String, String>,
    /// Face kind per face id.
    class_of_face: HashMap<String, SiteClass>,
    /// Areas the registry knows (faces' and listed), for the station fallback.
    known_areas: HashSet<String>,
    face_of_point: HashMap<String, String>,

    // Positioning.
    snapshots: u64,
    last_snapshot: Option<Timestamp>,
    /// The previous snapshot's people per area, weighted when the next one comes.
    prev: Vec<(u32, u32)>,
    areas: Vec<AreaState>,
    area_ix: HashMap<String, u32>,
    sites: Vec<Site>,
    site_ix: HashMap<String, u32>,
    /// Scratch per snapshot: people per area / site and which were touched.
    area_count: Vec<u32>,
    area_touched: Vec<u32>,
    site_count: Vec<u32>,
    site_touched: Vec<u32>,
    crew: HashMap<(u16, u32), CrewAcc>,
    cards: HashMap<String, CardState>,
    out_area_hours: Vec<AreaHour>,
    out_crews: Vec<ShiftCrew>,
    trips: Vec<CardTrip>,

    // Monitoring.
    points: Vec<PointState>,
    point_ix: HashMap<String, u32>,
    belt_days: HashMap<Day, BeltDay>,
    out_power: Vec<PowerActivity>,

    systems: [SystemUploads; 2],
}

impl UploadSeries {
    /// The registry gives the faces (areas → site, points → face, kind →
    /// activity) and the shift schedule; face kinds are read with the built-in
    /// crew table's `kind_map`, as [`crate::crew`] reads them.
    pub fn new(info: &MineInfo, cfg: &UploadsConfig) -> Self {
        let crew_cfg = crate::crew::CrewConfig::default();
        let mut face_of_area = HashMap::default();
        let mut class_of_face = HashMap::default();
        let mut known_areas = HashSet::default();
        let mut face_of_point = HashMap::default();
        for f in &info.faces {
            let lower = f.kind.trim().to_lowercase();
            let class = match crew_cfg.site_kind(&f.kind) {
                Some(k) if k.is_longwall() => SiteClass::Longwall,
                Some(_) => SiteClass::Heading,
                None if lower.starts_with("heading") => SiteClass::Heading,
                None if lower.starts_with("longwall") => SiteClass::Longwall,
                None => SiteClass::Other,
            };
            class_of_face.entry(f.id.clone()).or_insert(class);
            for a in &f.areas {
                face_of_area.entry(a.trim().to_string()).or_insert_with(|| f.id.clone());
                known_areas.insert(a.trim().to_string());
            }
            for p in &f.points {
                face_of_point.entry(p.trim().to_string()).or_insert_with(|| f.id.clone());
            }
        }
        for a in &info.areas {
            known_areas.insert(a.code.trim().to_string());
        }
        let shifts = info
            .shifts
            .iter()
            .filter_map(|s| {
                let (start, end) = (parse_hhmm(&s.start)?, parse_hhmm(&s.end)?);
                let len = (end - start).rem_euclid(86_400);
                Some(ShiftWindow { name: s.name.clone(), start, len: if len == 0 { 86_400 } else { len }, producing: s.producing })
            })
            .collect();
        UploadSeries {
            cfg: cfg.clone(),
            shifts,
            face_of_area,
            class_of_face,
            known_areas,
            face_of_point,
            snapshots: 0,
            last_snapshot: None,
            prev: Vec::new(),
            areas: Vec::new(),
            area_ix: HashMap::default(),
            sites: Vec::new(),
            site_ix: HashMap::default(),
            area_count: Vec::new(),
            area_touched: Vec::new(),
            site_count: Vec::new(),
            site_touched: Vec::new(),
            crew: HashMap::default(),
            cards: HashMap::default(),
            out_area_hours: Vec::new(),
            out_crews: Vec::new(),
            trips: Vec::new(),
            points: Vec::new(),
            point_ix: HashMap::default(),
            belt_days: HashMap::default(),
            out_power: Vec::new(),
            systems: Default::default(),
        }
    }

    /// Point definitions (CDDY) give the sensor type and location of the points
    /// later readings name. Borrowed, so a parsed file is read without a copy.
    pub fn point_defs<'a>(&mut self, defs: impl IntoIterator<Item = &'a PointDef>) {
        for d in defs {
            let mut kind = kind_of(d.sensor_type);
            // An analog 产量 point is a rate (t/h), not a counter: its increments mean nothing.
            if kind == PointKind::Belt && d.kind == ValueKind::Analog {
                kind = PointKind::Other;
            }
            let i = self.point(&d.code, kind);
            let p = &mut self.points[i];
            if p.kind != kind {
                flush_power(p, &mut self.out_power);
                p.kind = kind;
                p.belt = BeltState::default();
            }
            p.defined = true;
            if p.location != d.location {
                p.location = d.location.clone();
            }
        }
    }

    /// The index of a point, created with `kind` if new.
    fn point(&mut self, code: &str, kind: PointKind) -> usize {
        if let Some(&i) = self.point_ix.get(code) {
            return i as usize;
        }
        let i = self.points.len();
        self.points.push(PointState {
            code: code.to_string(),
            kind,
            defined: false,
            location: String::new(),
            face: self.face_of_point.get(code.trim()).cloned(),
            belt: BeltState::default(),
            power: PowerAcc::default(),
        });
        self.point_ix.insert(code.to_string(), i as u32);
        i
    }

    /// One RYSS snapshot taken at `at` (its header time).
    pub fn positions<'a>(&mut self, at: Timestamp, people: impl IntoIterator<Item = &'a Position>) {
        if self.last_snapshot.is_some_and(|l| at <= l) {
            return;
        }
        if let Some(prev_at) = self.last_snapshot {
            self.weigh_prev(prev_at, at);
        }
        self.last_snapshot = Some(at);
        self.snapshots += 1;
        let n = self.snapshots;
        for p in people {
            let key = self.area_key(p);
            let counted = self.card(p, at, n, key);
            if !counted {
                continue;
            }
            let Some(key) = key else { continue };
            let a = self.area_index(key) as usize;
            if self.area_count[a] == 0 {
                self.area_touched.push(a as u32);
            }
            self.area_count[a] += 1;
        }
        // People per site, then per active shift.
        self.prev.clear();
        for &a in &self.area_touched {
            let a = a as usize;
            let c = self.area_count[a];
            self.prev.push((a as u32, c));
            let s = self.areas[a].site as usize;
            if self.site_count[s] == 0 {
                self.site_touched.push(s as u32);
            }
            self.site_count[s] += c;
        }
        self.crews_at(at);
        for &a in &self.area_touched {
            self.area_count[a as usize] = 0;
        }
        self.area_touched.clear();
        for &s in &self.site_touched {
            self.site_count[s as usize] = 0;
        }
        self.site_touched.clear();
    }

    /// Where a position is, as an area key borrowed from it or from the registry.
    fn area_key<'p>(&self, p: &'p Position) -> Option<&'p str> {
        if let Some(a) = p.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            return Some(a);
        }
        let st = p.station.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        // A station code is its area's code + 6 digits.
        match st.get(..16) {
            Some(area) if st.len() > 16 && self.known_areas.contains(area) => Some(area),
            _ => Some(st),
        }
    }

    fn area_index(&mut self, key: &str) -> u32 {
        if let Some(&i) = self.area_ix.get(key) {
            return i;
        }
        let site_code = self.face_of_area.get(key).map(String::as_str).unwrap_or(key);
        let site = match self.site_ix.get(site_code) {
            Some(&s) => s,
            None => {
                let class = self.class_of_face.get(site_code).copied().unwrap_or(SiteClass::Other);
                let s = self.sites.len() as u32;
                self.sites.push(Site { code: site_code.to_string(), class });
                self.site_ix.insert(site_code.to_string(), s);
                self.site_count.push(0);
                s
            }
        };
        let i = self.areas.len() as u32;
        self.areas.push(AreaState { code: key.to_string(), site, hour: None, people_max: 0, person_secs: 0 });
        self.area_ix.insert(key.to_string(), i);
        self.area_count.push(0);
        i
    }

    /// The previous snapshot's people stand from `from` until `next`, capped.
    fn weigh_prev(&mut self, from: Timestamp, next: Timestamp) {
        let until = next.0.min(from.0 + self.cfg.snapshot_max_secs.max(0)).max(from.0);
        for &(a, count) in &self.prev {
            let st = &mut self.areas[a as usize];
            let mut t = from.0;
            loop {
                let h = t.div_euclid(3600);
                let hour_end = (h + 1) * 3600;
                let seg = until.min(hour_end) - t;
                if st.hour != Some(h) {
                    push_area_hour(st, &mut self.out_area_hours);
                    st.hour = Some(h);
                }
                st.people_max = st.people_max.max(count);
                st.person_secs += count as i64 * seg.max(0);
                if until <= hour_end {
                    break;
                }
                t = hour_end;
            }
        }
    }

    /// Updates the crew of every shift running at `at`, outside its hand-over.
    fn crews_at(&mut self, at: Timestamp) {
        if self.site_touched.is_empty() {
            return;
        }
        let handover = self.cfg.handover_minutes.max(0) * 60;
        let sod = at.beijing_seconds_of_day() as i64;
        for (si, sh) in self.shifts.iter().enumerate() {
            let elapsed = (sod - sh.start).rem_euclid(86_400);
            if elapsed >= sh.len || elapsed < handover || elapsed >= sh.len - handover {
                continue;
            }
            // The day of a shift is the day it starts.
            let day = day_of(at.plus_secs(-elapsed));
            for &s in &self.site_touched {
                let count = self.site_count[s as usize];
                let acc = self.crew.entry((si as u16, s)).or_insert(CrewAcc { day, people_max: 0, at });
                if acc.day != day {
                    if acc.people_max > 0 {
                        self.out_crews.push(crew_of(sh, &self.sites[s as usize], acc));
                    }
                    *acc = CrewAcc { day, people_max: 0, at };
                }
                if count > acc.people_max {
                    acc.people_max = count;
                    acc.at = at;
                }
            }
        }
    }

    /// Follows a card's trip; `true` when the position counts as a person
    /// underground in this snapshot (first listing of an underground card).
    fn card(&mut self, p: &Position, at: Timestamp, n: u64, area: Option<&str>) -> bool {
        let card = p.card.trim();
        if card.is_empty() {
            return p.state == PositionState::Underground;
        }
        let gap = self.cfg.gap_secs;
        let trips = &mut self.trips;
        let st = self.cards.get_mut(card);
        match p.state {
            PositionState::Underground => {
                let st = match st {
                    Some(st) => {
                        if st.last_snap == n {
                            return false;
                        }
                        let t = &mut trips[st.trip];
                        let same = match (st.entered, p.entered) {
                            (Some(k), Some(e)) => e <= k,
                            (None, Some(e)) => e <= t.last_seen,
                            // No entry time: a card that was missing from the
                            // snapshots for longer than a gap went down again.
                            (_, None) => !(st.last_snap + 1 < n && at.0 - t.last_seen.0 > gap),
                        };
                        if same && st.open {
                            if let (None, Some(e)) = (st.entered, p.entered) {
                                t.down = t.down.min(e);
                                st.entered = Some(e);
                            }
                        } else if same && st.entered.is_some() && st.entered == p.entered {
                            // Shown out, then underground again with the same entry
                            // time: the exit was a flicker of the shaft reader.
                            t.up = None;
                            st.open = true;
                        } else {
                            *st = new_trip(trips, card, p, at, n);
                        }
                        st
                    }
                    None => {
                        let s = new_trip(trips, card, p, at, n);
                        self.cards.entry(card.to_string()).or_insert(s)
                    }
                };
                st.last_snap = n;
                let t = &mut trips[st.trip];
                t.last_seen = at;
                if let Some(area) = area {
                    if t.areas.last().is_none_or(|(_, a)| a != area) {
                        let floor = t.areas.last().map(|(s, _)| *s).unwrap_or(t.down);
                        let since = p.area_since.filter(|_| p.area.is_some()).unwrap_or(at).min(at).max(floor);
                        t.areas.push((since, area.to_string()));
                    }
                }
                true
            }
            PositionState::Out | PositionState::AtMouth => {
                match st {
                    Some(st) if st.open && p.entered.is_none_or(|e| st.entered.is_none_or(|k| e <= k)) => {
                        let t = &mut trips[st.trip];
                        let up = p.exited.filter(|x| *x >= t.down).unwrap_or(at);
                        t.up = Some(up);
                        st.open = false;
                    }
                    Some(st) => {
                        // A whole trip between two snapshots, never seen underground;
                        // if the card's trip was still open its exit was missed.
                        if let (PositionState::Out, Some(e), Some(x)) = (p.state, p.entered, p.exited) {
                            if st.entered.is_none_or(|k| e > k) && x > e {
                                *st = closed_trip(trips, card, p, e, x, area);
                            }
                        }
                    }
                    None => {
                        if let (PositionState::Out, Some(e), Some(x)) = (p.state, p.entered, p.exited) {
                            if x > e {
                                let s = closed_trip(trips, card, p, e, x, area);
                                self.cards.insert(card.to_string(), s);
                            }
                        }
                    }
                }
                false
            }
        }
    }

    /// One CDSS reading. `sensor_name` is the record's Chinese sensor type name,
    /// used when no CDDY defined the point.
    pub fn reading(&mut self, point: &str, sensor_name: &str, location: &str, value: Option<f64>, time: Timestamp) {
        let i = match self.point_ix.get(point) {
            Some(&i) => i as usize,
            None => {
                let i = self.point(point, kind_of_name(sensor_name));
                self.points[i].location = location.trim().to_string();
                i
            }
        };
        let p = &mut self.points[i];
        if !p.defined && p.location.is_empty() && !location.trim().is_empty() {
            p.location = location.trim().to_string();
        }
        let Some(v) = value.filter(|v| v.is_finite()) else { return };
        match p.kind {
            PointKind::Other => {}
            PointKind::Power(_) => {
                let h = time.0.div_euclid(3600);
                match p.power.hour {
                    Some(cur) if h < cur => return,
                    Some(cur) if h == cur => {}
                    _ => {
                        flush_power(p, &mut self.out_power);
                        p.power = PowerAcc { hour: Some(h), sum: 0.0, max: f64::NEG_INFINITY, n: 0 };
                    }
                }
                p.power.sum += v;
                p.power.max = p.power.max.max(v);
                p.power.n += 1;
            }
            PointKind::Belt => {
                if v < 0.0 {
                    return;
                }
                belt_reading(&mut p.belt, &mut self.belt_days, self.cfg.belt_max_tph, v, time);
            }
        }
    }

    /// A file of `system` uploaded at `at` (its header time).
    pub fn upload(&mut self, system: UploadSystem, at: Timestamp) {
        let gap = self.cfg.gap_secs;
        let s = &mut self.systems[system.index()];
        match (s.first, s.last) {
            (Some(first), Some(last)) => {
                if at >= last {
                    if at.0 - last.0 > gap {
                        s.gaps.push((last, at));
                    }
                    s.last = Some(at);
                } else if at < first {
                    // A late file older than everything seen: the stretch to the first is silent.
                    if first.0 - at.0 > gap {
                        s.gaps.push((at, first));
                    }
                    s.first = Some(at);
                } else if let Some(i) = s.gaps.iter().position(|&(f, t)| f < at && at < t) {
                    // A late file inside a gap splits it.
                    let (f, t) = s.gaps.remove(i);
                    let mut k = i;
                    for (a, b) in [(f, at), (at, t)] {
                        if b.0 - a.0 > gap {
                            s.gaps.insert(k, (a, b));
                            k += 1;
                        }
                    }
                }
            }
            _ => {
                s.first = Some(at);
                s.last = Some(at);
            }
        }
    }

    /// Closes every open stretch at `end` (the newest upload time of the whole
    /// input) and appends the derived series to `m`.
    pub fn finish(mut self, end: Timestamp, m: &mut MineInputs) {
        // The last snapshot stands until `end`, capped like any other.
        if let Some(last) = self.last_snapshot {
            self.weigh_prev(last, end.max(last));
        }
        for st in &mut self.areas {
            push_area_hour(st, &mut self.out_area_hours);
        }
        for (&(si, s), acc) in &self.crew {
            if acc.people_max > 0 {
                self.out_crews.push(crew_of(&self.shifts[si as usize], &self.sites[s as usize], acc));
            }
        }
        for p in &mut self.points {
            flush_power(p, &mut self.out_power);
        }
        let margin = self.cfg.belt_day_margin_minutes.max(0) * 60;
        let mut days: Vec<(Day, f64)> = self
            .belt_days
            .iter()
            .filter(|(&d, b)| {
                let (from, to) = (day_start(d), day_start(d + 1));
                b.covered_from.0 <= from.0 + margin && b.covered_to.0 >= to.0 - margin
            })
            .map(|(&d, b)| (d, b.tonnes))
            .collect();
        days.sort_unstable_by_key(|&(d, _)| d);
        m.output.extend(days.into_iter().map(|(day, tonnes)| DailyOutput { day, source: OutputSource::BeltScale, tonnes }));
        for sys in [UploadSystem::Monitoring, UploadSystem::Positioning] {
            let s = &self.systems[sys.index()];
            let gaps = s.gaps.iter().copied();
            let tail = s.last.filter(|l| end.0 - l.0 > self.cfg.gap_secs).map(|l| (l, end));
            m.upload_gaps.extend(gaps.chain(tail).map(|(from, to)| UploadGap { system: sys.as_str().to_string(), from, to }));
        }
        m.area_hours.append(&mut self.out_area_hours);
        m.crews.append(&mut self.out_crews);
        m.trips.append(&mut self.trips);
        m.power.append(&mut self.out_power);
        m.sort();
    }
}

fn new_trip(trips: &mut Vec<CardTrip>, card: &str, p: &Position, at: Timestamp, n: u64) -> CardState {
    let down = p.entered.filter(|e| *e <= at).unwrap_or(at);
    trips.push(CardTrip { card: card.to_string(), down, up: None, last_seen: at, areas: Vec::new() });
    CardState { trip: trips.len() - 1, open: true, entered: p.entered, last_snap: n }
}

/// A trip seen only once it was over (entered and exited between two snapshots).
fn closed_trip(trips: &mut Vec<CardTrip>, card: &str, p: &Position, e: Timestamp, x: Timestamp, area: Option<&str>) -> CardState {
    let areas = area.map(|a| vec![(p.area_since.unwrap_or(e).clamp(e, x), a.to_string())]).unwrap_or_default();
    trips.push(CardTrip { card: card.to_string(), down: e, up: Some(x), last_seen: x, areas });
    CardState { trip: trips.len() - 1, open: false, entered: Some(e), last_snap: 0 }
}

fn push_area_hour(st: &mut AreaState, out: &mut Vec<AreaHour>) {
    if let Some(h) = st.hour.take() {
        if st.people_max > 0 {
            out.push(AreaHour {
                hour: Timestamp(h * 3600),
                area: st.code.clone(),
                people_max: st.people_max,
                person_hours: (st.person_secs as f64 / 3600.0) as f32,
            });
        }
    }
    st.people_max = 0;
    st.person_secs = 0;
}

fn crew_of(sh: &ShiftWindow, site: &Site, acc: &CrewAcc) -> ShiftCrew {
    let activity = match (site.class, sh.producing) {
        (SiteClass::Longwall, true) => CrewActivity::Production,
        (SiteClass::Longwall, false) => CrewActivity::Maintenance,
        (SiteClass::Heading, true) => CrewActivity::CuttingAndSupport,
        _ => CrewActivity::Other,
    };
    ShiftCrew {
        day: acc.day,
        shift: sh.name.clone(),
        site: site.code.clone(),
        people_max: acc.people_max,
        at: acc.at,
        activity,
        approved_extra: 0,
    }
}

fn flush_power(p: &mut PointState, out: &mut Vec<PowerActivity>) {
    let PointKind::Power(quantity) = p.kind else {
        p.power = PowerAcc::default();
        return;
    };
    if let (Some(h), true) = (p.power.hour, p.power.n > 0) {
        out.push(PowerActivity {
            hour: Timestamp(h * 3600),
            point: p.code.clone(),
            face: p.face.clone(),
            location: p.location.clone(),
            quantity,
            mean: p.power.sum / p.power.n as f64,
            max: p.power.max,
            readings: p.power.n,
        });
    }
    p.power = PowerAcc::default();
}

/// Tonnes a counter moved from `a` to `b`: a drop is a reset, counted from zero.
fn step(a: f64, b: f64) -> f64 {
    if b >= a {
        b - a
    } else {
        b
    }
}

fn plausible(from: (f64, Timestamp), v: f64, t: Timestamp, max_tph: f64) -> bool {
    let secs = t.secs_since(from.1).max(60) as f64;
    step(from.0, v) <= max_tph * secs / 3600.0
}

/// One accumulator reading: see [`UploadsConfig::belt_max_tph`].
fn belt_reading(b: &mut BeltState, days: &mut HashMap<Day, BeltDay>, max_tph: f64, v: f64, t: Timestamp) {
    let day = day_of(t);
    // The counter level the day's figure continues from.
    let (base, tonnes) = match b.last {
        None => {
            b.last = Some((v, t));
            (t, 0.0)
        }
        Some(last) if t < last.1 => return,
        Some(last) => match b.pending.take() {
            Some(p) if !plausible(last, v, t, max_tph) && plausible(p, v, t, max_tph) => {
                // The jump was real (counter re-based): continue from it, uncounted.
                b.last = Some((v, t));
                (last.1, step(p.0, v))
            }
            _ if plausible(last, v, t, max_tph) => {
                b.last = Some((v, t));
                (last.1, step(last.0, v))
            }
            _ => {
                b.pending = Some((v, t));
                (last.1, 0.0)
            }
        },
    };
    let d = days.entry(day).or_insert(BeltDay { tonnes: 0.0, covered_from: base, covered_to: t });
    d.tonnes += tonnes;
    d.covered_from = d.covered_from.min(base);
    d.covered_to = d.covered_to.max(t);
}

#[cfg(test)]
mod tests {
    use super::*;
    use minesafe_model::registry::{AreaEntry, Face, Shift};
    use minesafe_model::MineCode;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).expect("time")
    }

    fn info() -> MineInfo {
        let mut info = MineInfo::new(MineCode::parse("140000000101").expect("code"));
        info.faces = vec![
            Face {
                id: "LW1".into(),
                name: "1201综采".into(),
                kind: "longwall".into(),
                areas: vec!["1400000001010001".into()],
                points: vec!["P_V".into()],
                ..Default::default()
            },
            Face {
                id: "HD1".into(),
                name: "1203掘进".into(),
                kind: "heading".into(),
                areas: vec!["1400000001010002".into()],
                ..Default::default()
            },
        ];
        info.areas = vec![AreaEntry { code: "1400000001010003".into(), ..Default::default() }];
        info.shifts = vec![
            Shift { name: "夜班".into(), start: "22:00".into(), end: "06:00".into(), producing: true },
            Shift { name: "早班".into(), start: "06:00".into(), end: "14:00".into(), producing: false },
            Shift { name: "中班".into(), start: "14:00".into(), end: "22:00".into(), producing: true },
        ];
        info
    }

    fn pos(card: &str, state: PositionState, area: Option<&str>) -> Position {
        Position {
            card: card.into(),
            name: String::new(),
            state,
            entered: None,
            exited: None,
            area: area.map(str::to_string),
            area_since: None,
            station: None,
            station_since: None,
            shift_system: String::new(),
            distance: None,
            sos: false,
            is_leader: false,
            is_special: false,
            track: Vec::new(),
        }
    }

    fn under(card: &str, area: &str) -> Position {
        pos(card, PositionState::Underground, Some(area))
    }

    fn people(n: usize, prefix: &str, area: &str) -> Vec<Position> {
        (0..n).map(|i| under(&format!("{prefix}{i}"), area)).collect()
    }

    fn run(info: &MineInfo, cfg: &UploadsConfig, end: Timestamp, f: impl FnOnce(&mut UploadSeries)) -> MineInputs {
        let mut s = UploadSeries::new(info, cfg);
        f(&mut s);
        let mut m = MineInputs::new(info.clone(), t("2026-03-01 00:00:00"), end);
        s.finish(end, &mut m);
        m
    }

    fn hour_of<'a>(m: &'a MineInputs, area: &str, hour: &str) -> Option<&'a AreaHour> {
        m.area_hours.iter().find(|r| r.area == area && r.hour == t(hour))
    }

    #[test]
    fn snapshots_are_weighted_until_the_next_and_capped_across_hours() {
        let a = "1400000001010003";
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-02 12:00:00"), |s| {
            // 4 people at 09:50 until 10:05 (15 min, 10 before the hour, 5 after).
            s.positions(t("2026-03-02 09:50:00"), &people(4, "C", a));
            // 2 people at 10:05; the next snapshot is 40 min later: capped at 15 min.
            s.positions(t("2026-03-02 10:05:00"), &people(2, "C", a));
            // 3 people at 10:45 standing for 15 min until the next at 11:00 (nobody).
            s.positions(t("2026-03-02 10:45:00"), &people(3, "C", a));
            s.positions(t("2026-03-02 11:00:00"), &[]);
            // The last snapshot before `end` is capped too: 1 person for 15 min.
            s.positions(t("2026-03-02 11:30:00"), &people(1, "C", a));
        });
        let h9 = hour_of(&m, a, "2026-03-02 09:00:00").expect("09");
        assert_eq!(h9.people_max, 4);
        assert!((h9.person_hours - 4.0 * 10.0 / 60.0).abs() < 1e-4, "{}", h9.person_hours);
        let h10 = hour_of(&m, a, "2026-03-02 10:00:00").expect("10");
        // Carried-over 4 count at 10:00, then 2 and 3.
        assert_eq!(h10.people_max, 4);
        let want = (4.0 * 5.0 + 2.0 * 15.0 + 3.0 * 15.0) / 60.0;
        assert!((h10.person_hours - want).abs() < 1e-4, "{} vs {want}", h10.person_hours);
        let h11 = hour_of(&m, a, "2026-03-02 11:00:00").expect("11");
        assert_eq!(h11.people_max, 1);
        assert!((h11.person_hours - 0.25).abs() < 1e-4);
        for r in &m.area_hours {
            assert!(r.person_hours <= r.people_max as f32 + 1e-4, "{r:?}");
        }
        assert_eq!(m.area_hours.len(), 3);
    }

    #[test]
    fn area_falls_back_to_station() {
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-02 10:10:00"), |s| {
            let mut unknown = pos("C1", PositionState::Underground, None);
            unknown.station = Some("1400000001019999000001".into());
            let mut known = pos("C2", PositionState::Underground, Some(""));
            known.station = Some("1400000001010003000007".into());
            let nowhere = pos("C3", PositionState::Underground, None);
            s.positions(t("2026-03-02 10:00:00"), &[unknown, known, nowhere]);
        });
        let st = hour_of(&m, "1400000001019999000001", "2026-03-02 10:00:00").expect("station code as area");
        assert_eq!(st.people_max, 1);
        let known = hour_of(&m, "1400000001010003", "2026-03-02 10:00:00").expect("station's known area");
        assert_eq!(known.people_max, 1);
        assert!((known.person_hours - 10.0 / 60.0).abs() < 1e-4);
        assert_eq!(m.area_hours.len(), 2);
        // The card with no place still makes a trip.
        assert_eq!(m.trips.len(), 3);
    }

    #[test]
    fn night_shift_over_midnight_excludes_the_handover() {
        let lw = "1400000001010001";
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-03 07:00:00"), |s| {
            // Hand-over at the start of the night shift (22:00–22:30): 20 people, not counted.
            s.positions(t("2026-03-02 22:10:00"), &people(20, "C", lw));
            s.positions(t("2026-03-02 23:00:00"), &people(8, "C", lw));
            // After midnight, still the night shift of 03-02: 11 people.
            s.positions(t("2026-03-03 02:00:00"), &people(11, "C", lw));
            // Hand-over at the end (05:30–06:00): 25 people, not counted.
            s.positions(t("2026-03-03 05:45:00"), &people(25, "C", lw));
            // The day shift's own hand-over (06:00–06:30): not counted either.
            s.positions(t("2026-03-03 06:15:00"), &people(25, "C", lw));
            s.positions(t("2026-03-03 06:40:00"), &people(7, "C", lw));
        });
        let night: Vec<&ShiftCrew> = m.crews.iter().filter(|c| c.shift == "夜班").collect();
        assert_eq!(night.len(), 1, "{:?}", m.crews);
        let n = night[0];
        assert_eq!(n.day, day_of(t("2026-03-02 12:00:00")));
        assert_eq!(n.site, "LW1");
        assert_eq!(n.people_max, 11);
        assert_eq!(n.at, t("2026-03-03 02:00:00"));
        assert_eq!(n.activity, CrewActivity::Production);
        let day: Vec<&ShiftCrew> = m.crews.iter().filter(|c| c.shift == "早班").collect();
        assert_eq!(day.len(), 1);
        assert_eq!(day[0].people_max, 7);
        assert_eq!(day[0].day, day_of(t("2026-03-03 12:00:00")));
        assert_eq!(day[0].activity, CrewActivity::Maintenance);
    }

    #[test]
    fn crew_activity_follows_site_kind_and_shift() {
        let (lw, hd, road) = ("1400000001010001", "1400000001010002", "1400000001010003");
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-02 23:00:00"), |s| {
            for at in ["2026-03-02 10:00:00", "2026-03-02 18:00:00"] {
                let mut p = people(5, "L", lw);
                p.extend(people(4, "H", hd));
                p.extend(people(2, "R", road));
                s.positions(t(at), &p);
            }
        });
        let act = |shift: &str, site: &str| m.crews.iter().find(|c| c.shift == shift && c.site == site).map(|c| (c.people_max, c.activity));
        assert_eq!(act("早班", "LW1"), Some((5, CrewActivity::Maintenance)));
        assert_eq!(act("中班", "LW1"), Some((5, CrewActivity::Production)));
        assert_eq!(act("早班", "HD1"), Some((4, CrewActivity::Other)));
        assert_eq!(act("中班", "HD1"), Some((4, CrewActivity::CuttingAndSupport)));
        assert_eq!(act("中班", road), Some((2, CrewActivity::Other)));
        assert_eq!(m.crews.len(), 6);
    }

    #[test]
    fn no_shifts_no_crews() {
        let mut i = info();
        i.shifts.clear();
        let m = run(&i, &UploadsConfig::default(), t("2026-03-02 11:00:00"), |s| {
            s.positions(t("2026-03-02 10:00:00"), &people(5, "C", "1400000001010001"));
        });
        assert!(m.crews.is_empty());
        assert_eq!(m.area_hours.len(), 1);
    }

    #[test]
    fn trips_with_exit_area_change_vanishing_and_reentry() {
        let (a1, a2) = ("1400000001010001", "1400000001010003");
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-03 12:00:00"), |s| {
            let mut a = under("A", a1);
            a.entered = Some(t("2026-03-02 07:50:00"));
            a.area_since = Some(t("2026-03-02 07:55:00"));
            let mut v = under("V", a2);
            v.entered = Some(t("2026-03-02 07:40:00"));
            s.positions(t("2026-03-02 08:00:00"), &[a.clone(), v.clone()]);
            a.area = Some(a2.into());
            a.area_since = Some(t("2026-03-02 09:58:00"));
            s.positions(t("2026-03-02 10:00:00"), &[a.clone(), v.clone()]);
            // A comes up; V has vanished without an exit.
            let mut out = pos("A", PositionState::Out, None);
            out.entered = a.entered;
            out.exited = Some(t("2026-03-02 15:55:00"));
            s.positions(t("2026-03-02 16:00:00"), std::slice::from_ref(&out));
            s.positions(t("2026-03-02 16:05:00"), &[out]);
            // A goes down again the next day.
            let mut a2nd = under("A", a1);
            a2nd.entered = Some(t("2026-03-03 07:45:00"));
            s.positions(t("2026-03-03 08:00:00"), &[a2nd]);
        });
        assert_eq!(m.trips.len(), 3, "{:#?}", m.trips);
        let v = m.trips.iter().find(|x| x.card == "V").expect("V");
        assert_eq!(v.down, t("2026-03-02 07:40:00"));
        assert_eq!(v.up, None);
        assert_eq!(v.last_seen, t("2026-03-02 10:00:00"));
        assert_eq!(v.areas, vec![(t("2026-03-02 08:00:00"), a2.to_string())]);
        let a: Vec<&CardTrip> = m.trips.iter().filter(|x| x.card == "A").collect();
        assert_eq!(a[0].down, t("2026-03-02 07:50:00"));
        assert_eq!(a[0].up, Some(t("2026-03-02 15:55:00")));
        assert_eq!(a[0].last_seen, t("2026-03-02 10:00:00"));
        assert_eq!(a[0].areas, vec![(t("2026-03-02 07:55:00"), a1.to_string()), (t("2026-03-02 09:58:00"), a2.to_string())]);
        assert_eq!(a[1].down, t("2026-03-03 07:45:00"));
        assert_eq!(a[1].up, None);
        assert_eq!(a[1].last_seen, t("2026-03-03 08:00:00"));
    }

    #[test]
    fn new_entry_time_starts_a_new_trip_and_short_trips_are_kept() {
        let a1 = "1400000001010001";
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-03 12:00:00"), |s| {
            let mut b = under("B", a1);
            b.entered = Some(t("2026-03-02 08:00:00"));
            s.positions(t("2026-03-02 08:05:00"), std::slice::from_ref(&b));
            // The exit was never captured; the card is underground again with a new entry time.
            b.entered = Some(t("2026-03-02 20:00:00"));
            s.positions(t("2026-03-02 20:05:00"), std::slice::from_ref(&b));
            // A card seen only after its trip: entered and exited between two snapshots.
            let mut c = pos("C", PositionState::Out, Some(a1));
            c.entered = Some(t("2026-03-02 20:06:00"));
            c.exited = Some(t("2026-03-02 20:09:00"));
            s.positions(t("2026-03-02 20:10:00"), &[b.clone(), c.clone()]);
            s.positions(t("2026-03-02 20:15:00"), &[b, c]);
        });
        let b: Vec<&CardTrip> = m.trips.iter().filter(|x| x.card == "B").collect();
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].up, b[0].last_seen), (None, t("2026-03-02 08:05:00")));
        assert_eq!((b[1].down, b[1].last_seen), (t("2026-03-02 20:00:00"), t("2026-03-02 20:15:00")));
        let c: Vec<&CardTrip> = m.trips.iter().filter(|x| x.card == "C").collect();
        assert_eq!(c.len(), 1, "a repeated exit record is one trip");
        assert_eq!((c[0].down, c[0].up), (t("2026-03-02 20:06:00"), Some(t("2026-03-02 20:09:00"))));
        // Only underground cards count as people.
        assert!(m.area_hours.iter().all(|r| r.people_max <= 1));
    }

    #[test]
    fn out_of_order_and_repeated_snapshots_are_ignored() {
        let a = "1400000001010003";
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-02 10:30:00"), |s| {
            s.positions(t("2026-03-02 10:00:00"), &people(2, "C", a));
            s.positions(t("2026-03-02 10:10:00"), &people(2, "C", a));
            // Late and repeated files: 50 people that must not count.
            s.positions(t("2026-03-02 10:05:00"), &people(50, "X", a));
            s.positions(t("2026-03-02 10:10:00"), &people(50, "X", a));
            // A card listed twice in one snapshot counts once.
            let mut dup = people(2, "C", a);
            dup.push(under("C0", a));
            s.positions(t("2026-03-02 10:20:00"), &dup);
        });
        let h = hour_of(&m, a, "2026-03-02 10:00:00").expect("10");
        assert_eq!(h.people_max, 2);
        assert!((h.person_hours - 1.0).abs() < 1e-4, "{}", h.person_hours);
        assert!(m.trips.iter().all(|x| x.card.starts_with('C')));
    }

    #[test]
    fn empty_input_gives_nothing() {
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-02 10:30:00"), |_| {});
        assert!(m.area_hours.is_empty() && m.crews.is_empty() && m.trips.is_empty());
        assert!(m.output.is_empty() && m.power.is_empty() && m.upload_gaps.is_empty());
        // Snapshots with nobody underground, and readings with no value, give nothing either.
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-02 10:30:00"), |s| {
            s.positions(t("2026-03-02 10:00:00"), &[]);
            s.reading("P1", "电流", "", None, t("2026-03-02 10:00:00"));
            s.reading("P2", "产量", "", Some(f64::NAN), t("2026-03-02 10:00:00"));
        });
        assert!(m.area_hours.is_empty() && m.power.is_empty() && m.output.is_empty());
    }

    #[test]
    fn belt_scale_sums_increments_through_a_reset_and_an_absurd_jump() {
        let mut i = info();
        i.shifts.clear();
        let cfg = UploadsConfig::default();
        let day = "2026-03-02";
        let m = run(&i, &cfg, t("2026-03-04 00:30:00"), |s| {
            let mut r = |v: f64, at: &str| s.reading("BS1", "产量", "主井皮带", Some(v), t(at));
            // Baseline the evening before, so 03-02 is covered from midnight.
            r(1000.0, "2026-03-01 23:50:00");
            r(1100.0, &format!("{day} 01:00:00")); // +100
            r(1300.0, &format!("{day} 03:00:00")); // +200
            r(900_000.0, &format!("{day} 03:01:00")); // glitch: set aside
            r(1350.0, &format!("{day} 04:00:00")); // +50 from 1300
            r(40.0, &format!("{day} 05:00:00")); // reset: +40
            r(240.0, &format!("{day} 08:00:00")); // +200
                                                  // The counter is preset to 500 000 (re-based): the jump is not coal.
            r(500_000.0, &format!("{day} 09:00:00"));
            r(500_010.0, &format!("{day} 09:10:00")); // +10 from the new level
            r(500_020.0, &format!("{day} 23:30:00")); // +10
            r(500_020.0, &format!("{day} 12:00:00")); // out of order: ignored
            r(500_120.0, "2026-03-03 06:00:00"); // next day +100, but 03-03 is not covered to its end
        });
        assert_eq!(m.output.len(), 1, "{:?}", m.output);
        let o = &m.output[0];
        assert_eq!(o.source, OutputSource::BeltScale);
        assert_eq!(o.day, day_of(t("2026-03-02 12:00:00")));
        assert!((o.tonnes - 610.0).abs() < 1e-9, "{}", o.tonnes);
    }

    #[test]
    fn belt_points_from_defs_are_summed_and_other_points_ignored() {
        let def = |code: &str, st: SensorType, kind: ValueKind| PointDef {
            code: code.into(),
            system: "01".into(),
            substation: String::new(),
            sensor_type: st,
            kind,
            unit: "t".into(),
            range_high: None,
            range_low: None,
            thresholds: Default::default(),
            on_label: String::new(),
            off_label: String::new(),
            location: "主斜井".into(),
            x: None,
            y: None,
            z: None,
            relations: Vec::new(),
            time: None,
        };
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-03 23:59:00"), |s| {
            s.point_defs(&[
                def("S1", SensorType::OUTPUT, ValueKind::Accumulator),
                def("S2", SensorType::OUTPUT, ValueKind::Accumulator),
                def("S3", SensorType::OUTPUT, ValueKind::Analog),
            ]);
            for (h, k) in [("00:00:00", 0.0), ("12:00:00", 1.0), ("23:59:00", 2.0)] {
                let at = t(&format!("2026-03-03 {h}"));
                // The record's name is wrong; the CDDY type wins.
                s.reading("S1", "甲烷", "", Some(10.0 + 100.0 * k), at);
                s.reading("S2", "甲烷", "", Some(5.0 + 50.0 * k), at);
                s.reading("S3", "产量", "", Some(999.0 * k), at);
                s.reading("M1", "甲烷", "", Some(0.3 + k), at);
            }
        });
        assert_eq!(m.output.len(), 1);
        assert!((m.output[0].tonnes - 300.0).abs() < 1e-9, "{}", m.output[0].tonnes);
        assert!(m.power.is_empty());
    }

    #[test]
    fn power_hourly_mean_and_max_with_face() {
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-02 12:00:00"), |s| {
            s.reading("P_V", "电压", "1201配电点", Some(1140.0), t("2026-03-02 10:00:00"));
            s.reading("P_V", "电压", "1201配电点", Some(1100.0), t("2026-03-02 10:30:00"));
            s.reading("P_V", "电压", "1201配电点", None, t("2026-03-02 10:40:00"));
            s.reading("P_V", "电压", "1201配电点", Some(1120.0), t("2026-03-02 10:59:59"));
            s.reading("P_I", "电流", "主变电所", Some(80.0), t("2026-03-02 10:15:00"));
            s.reading("P_I", "电流", "主变电所", Some(20.0), t("2026-03-02 11:15:00"));
            s.reading("P_F", "频率", "", Some(50.0), t("2026-03-02 11:20:00"));
            s.reading("P_I", "电流", "主变电所", Some(40.0), t("2026-03-02 11:45:00"));
            // Late reading from an hour already closed: ignored.
            s.reading("P_I", "电流", "主变电所", Some(9999.0), t("2026-03-02 10:20:00"));
        });
        assert_eq!(m.power.len(), 4, "{:#?}", m.power);
        let v = m.power.iter().find(|p| p.point == "P_V").expect("P_V");
        assert_eq!(v.quantity, PowerQuantity::Voltage);
        assert_eq!(v.hour, t("2026-03-02 10:00:00"));
        assert_eq!(v.readings, 3);
        assert!((v.mean - 1120.0).abs() < 1e-9);
        assert_eq!(v.max, 1140.0);
        assert_eq!(v.face.as_deref(), Some("LW1"));
        assert_eq!(v.location, "1201配电点");
        let i11 = m.power.iter().find(|p| p.point == "P_I" && p.hour == t("2026-03-02 11:00:00")).expect("P_I 11");
        assert_eq!((i11.readings, i11.mean, i11.max), (2, 30.0, 40.0));
        assert_eq!(i11.face, None);
        let i10 = m.power.iter().find(|p| p.point == "P_I" && p.hour == t("2026-03-02 10:00:00")).expect("P_I 10");
        assert_eq!((i10.readings, i10.max), (1, 80.0));
        let f = m.power.iter().find(|p| p.point == "P_F").expect("P_F");
        assert_eq!(f.quantity, PowerQuantity::Frequency);
    }

    #[test]
    fn upload_gaps_after_the_start_in_the_middle_and_at_the_end() {
        let m = run(&info(), &UploadsConfig::default(), t("2026-03-02 18:00:00"), |s| {
            let mon = UploadSystem::Monitoring;
            // Start: silent for an hour right after the first upload.
            s.upload(mon, t("2026-03-02 08:00:00"));
            s.upload(mon, t("2026-03-02 09:00:00"));
            // Exactly 30 min is not a gap.
            s.upload(mon, t("2026-03-02 09:30:00"));
            // Middle: 10:00–14:00, split by a late file at 12:00 into two gaps.
            s.upload(mon, t("2026-03-02 10:00:00"));
            s.upload(mon, t("2026-03-02 14:00:00"));
            s.upload(mon, t("2026-03-02 12:00:00"));
            // A late file splitting a gap into pieces of 20 min: nothing left of it.
            s.upload(mon, t("2026-03-02 14:20:00"));
            s.upload(mon, t("2026-03-02 15:00:00"));
            s.upload(mon, t("2026-03-02 14:40:00"));
            s.upload(mon, t("2026-03-02 15:30:00"));
            s.upload(mon, t("2026-03-02 18:00:00"));
            // Positioning stops at 17:00 (`end` is 18:00); a late file from 16:00,
            // older than any seen, leaves 16:00–16:50 silent.
            s.upload(UploadSystem::Positioning, t("2026-03-02 16:50:00"));
            s.upload(UploadSystem::Positioning, t("2026-03-02 17:00:00"));
            s.upload(UploadSystem::Positioning, t("2026-03-02 16:00:00"));
        });
        let got: Vec<(&str, Timestamp, Timestamp)> = m.upload_gaps.iter().map(|g| (g.system.as_str(), g.from, g.to)).collect();
        let want = vec![
            ("monitoring", t("2026-03-02 08:00:00"), t("2026-03-02 09:00:00")),
            ("monitoring", t("2026-03-02 10:00:00"), t("2026-03-02 12:00:00")),
            ("monitoring", t("2026-03-02 12:00:00"), t("2026-03-02 14:00:00")),
            ("monitoring", t("2026-03-02 15:30:00"), t("2026-03-02 18:00:00")),
            ("positioning", t("2026-03-02 16:00:00"), t("2026-03-02 16:50:00")),
            ("positioning", t("2026-03-02 17:00:00"), t("2026-03-02 18:00:00")),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn shift_times_parse_or_are_skipped() {
        assert_eq!(parse_hhmm("08:00"), Some(8 * 3600));
        assert_eq!(parse_hhmm("24:00"), Some(0));
        assert_eq!(parse_hhmm("7:30:15"), Some(7 * 3600 + 30 * 60 + 15));
        assert_eq!(parse_hhmm("8点"), None);
        assert_eq!(parse_hhmm("25:00"), None);
        let mut i = info();
        i.shifts = vec![Shift { name: "bad".into(), start: "x".into(), end: "08:00".into(), producing: true }];
        let s = UploadSeries::new(&i, &UploadsConfig::default());
        assert!(s.shifts.is_empty());
    }

    /// A mine of five weeks: a steady crew at the declared longwall round the
    /// clock, a few people in the listed main roadway, and — in the dirty version
    /// — a crew of 6 working 08:00–16:00 on the last 5 days in a listed area no
    /// face covers. Fed through the snapshots, REC-1 names that area.
    fn synthetic_mine(hidden_crew: bool) -> MineInputs {
        let (lw, road, x) = ("1400000001010001", "1400000001010003", "1400000001010009");
        let mut i = info();
        i.faces.truncate(1);
        i.areas.push(AreaEntry { code: x.into(), ..Default::default() });
        let from = t("2026-03-01 00:00:00");
        let days = 35;
        let end = from.plus_secs(days * 86_400);
        let mut s = UploadSeries::new(&i, &UploadsConfig::default());
        let mut lcg: u64 = 7;
        let mut rnd = |n: u64| {
            lcg = lcg.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (lcg >> 33) % n
        };
        let mut snapshot: Vec<Position> = Vec::new();
        for k in 0..days * 144 {
            let at = from.plus_secs(k * 600);
            let (d, hod) = (k / 144, (k % 144) / 6);
            snapshot.clear();
            for p in 0..(9 + rnd(3)) {
                snapshot.push(under(&format!("L{}-{p:02}", hod / 8), lw));
            }
            for p in 0..(1 + rnd(3)) {
                snapshot.push(under(&format!("R{p}"), road));
            }
            if hidden_crew && d >= days - 5 && (8..16).contains(&hod) {
                for p in 0..6 {
                    snapshot.push(under(&format!("X{p}"), x));
                }
            }
            s.positions(at, &snapshot);
            s.upload(UploadSystem::Positioning, at);
        }
        let mut m = MineInputs::new(i, from, end);
        s.finish(end, &mut m);
        m
    }

    #[test]
    fn hidden_crew_in_an_undeclared_area_gives_rec1_through_the_uploads() {
        let m = synthetic_mine(true);
        let x = "1400000001010009";
        let xh: Vec<&AreaHour> = m.area_hours.iter().filter(|r| r.area == x).collect();
        assert_eq!(xh.len(), 5 * 8);
        assert!(xh.iter().all(|r| r.people_max == 6 && (r.person_hours - 6.0).abs() < 1e-3));
        assert!(m.upload_gaps.is_empty());
        let leads = crate::hidden::detect(&m, &crate::Config::default());
        assert_eq!(leads.len(), 1, "{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        assert_eq!(leads[0].finding.rule, "REC-1");
        assert_eq!(leads[0].finding.place.as_deref(), Some(x));

        let clean = synthetic_mine(false);
        assert!(!clean.area_hours.is_empty() && !clean.crews.is_empty());
        assert!(crate::hidden::detect(&clean, &crate::Config::default()).is_empty());
    }

    /// The vanished-card rule feeds ACC-LEAD-1: a card that drops out of the
    /// snapshots while positioning keeps uploading is a lead; one that comes up
    /// through the shaft reader is not.
    #[test]
    fn vanished_card_feeds_acc_lead_1() {
        let a = "1400000001010003";
        let from = t("2026-03-02 00:00:00");
        let end = from.plus_secs(2 * 86_400);
        let mut s = UploadSeries::new(&info(), &UploadsConfig::default());
        let mut v = under("V", a);
        v.entered = Some(t("2026-03-02 07:50:00"));
        let mut w = under("W", a);
        w.entered = Some(t("2026-03-02 07:55:00"));
        let mut w_out = pos("W", PositionState::Out, None);
        w_out.entered = w.entered;
        w_out.exited = Some(t("2026-03-02 15:58:00"));
        for k in 0..2 * 144 {
            let at = from.plus_secs(k * 600);
            let mut snap = people(3, "R", a);
            if (t("2026-03-02 08:00:00")..=t("2026-03-02 10:00:00")).contains(&at) {
                snap.push(v.clone());
            }
            if (t("2026-03-02 08:00:00")..t("2026-03-02 16:00:00")).contains(&at) {
                snap.push(w.clone());
            } else if at >= t("2026-03-02 16:00:00") {
                snap.push(w_out.clone());
            }
            s.positions(at, &snap);
            s.upload(UploadSystem::Positioning, at);
        }
        let mut m = MineInputs::new(info(), from, end);
        s.finish(end, &mut m);
        let vt = m.trips.iter().find(|x| x.card == "V").expect("V");
        assert_eq!((vt.up, vt.last_seen), (None, t("2026-03-02 10:00:00")));
        let leads = crate::concealment::detect(&m, &crate::Config::default());
        let acc: Vec<_> = leads.iter().filter(|l| l.finding.rule == "ACC-LEAD-1").collect();
        assert_eq!(acc.len(), 1, "{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        assert_eq!(acc[0].finding.place.as_deref(), Some("V"));
    }
}
