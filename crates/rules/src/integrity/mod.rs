//! Monitoring integrity (监控系统完整性, MON-1…MON-9): upload stops, silent or faulty
//! points, flat or cloned series, covered sensors, data times, calibration status,
//! loosened definitions, and silence where people work.
//!
//! The regulations forbid a monitoring system that does not run, or whose data are
//! masked or faked (CM-15.6 → CM26-11.1/11.2, CM26-11.7); these detections are how
//! minesafe sees it in the uploads. Each is judged in event time (upload header and
//! record times), except the upload stop (MON-1), which needs a clock: a stop is only
//! visible as the absence of files. Its finding starts at the last upload, so its id
//! does not depend on when the clock looked, and batch and streaming agree.
//!
//! Statistical detections (MON-3, MON-4, MON-5) carry a `confidence` and are built to
//! stay silent on normal data: a quantised sensor that reads a constant 0.00 % in
//! intake air, a switch point, or a sensor whose own history shows it rarely changes
//! are not flat-lined; an intake sensor reading less than the face is not covered.
//!
//! Memory follows the points, people and areas: per point a few counters, a ring of
//! the last [`IntegrityConfig::clone_readings`] values and a bounded list of sampled
//! window hashes. Per reading the work is O(1); the silence sweep over all points runs
//! at most once per [`IntegrityConfig::sweep_secs`] of event time.

mod series;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use minesafe_model::monitoring::{LinkState, SupplyState};
use minesafe_model::registry::MineInfo;
use minesafe_model::time::human_duration;
use minesafe_model::{
    Evidence, Finding, LocationClass, PointDef, Position, PositionState, Reading, Status, Thresholds, Timestamp, ValueKind,
};

use crate::catalog::finding;
use crate::detector::{Detector, Upload, TAG_OPEN};
use crate::monitoring::{infer_class, quantity_of, sensor_from_name, unit_factor};
use crate::tables::{tables, Quantity};

use series::{CloneEvent, Series};

const MON1: &str = "MON-1";
const MON2: &str = "MON-2";
const MON3: &str = "MON-3";
const MON4: &str = "MON-4";
const MON5: &str = "MON-5";
const MON6: &str = "MON-6";
const MON7: &str = "MON-7";
const MON8: &str = "MON-8";
const MON9: &str = "MON-9";

/// Declared thresholds are decimal text: compare with a tolerance.
const EPS: f64 = 1e-9;

/// Point state by code; the hasher is seeded per map yet fast on the hot path.
type PointMap<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// Settings; each default is the one named in rule-catalog §11 or the reason given.
#[derive(Clone, Copy, Debug)]
pub struct IntegrityConfig {
    /// MON-1: longest normal pause between CDSS uploads (default 300 s = 5 min).
    pub cdss_gap_secs: i64,
    /// MON-1: longest normal pause between RYSS uploads (default 900 s = 15 min).
    pub ryss_gap_secs: i64,
    /// MON-2: a point absent or faulty for longer than this while its substation is up
    /// (default 300 s, five 1-min polling cycles). Upload stops do not count: the time
    /// is measured only while CDSS files arrive.
    pub silent_secs: i64,
    /// MON-2: the sweep over all defined points runs at most this often in event time (default 60 s).
    pub sweep_secs: i64,
    /// MON-3: a value unchanged for at least this long … (default 1800 s = 30 min)
    pub flat_window_secs: i64,
    /// … and over at least this many readings (default 20).
    pub flat_min_readings: u32,
    /// MON-3: history needed before a point's own change rate is trusted (default 60
    /// readings: an hour at the common 60 s cycle; the chance test below guards the rest).
    pub flat_history_readings: u32,
    /// MON-4: a methane sensor below this share of its neighbours' median … (default 0.3)
    pub covered_ratio: f64,
    /// … where that median is at least this, in % CH₄ (default 0.15: a low-gas face
    /// reads 0.2–0.4 % at its corner and returns; below 0.15 % the sensors' own
    /// 0.01–0.05 % noise makes a ratio meaningless) …
    pub covered_min_neighbour: f64,
    /// … continuously for at least this long (default 1200 s = 20 min).
    pub covered_secs: i64,
    /// MON-4: correlation of the neighbours that counts as moving together (default 0.5).
    pub covered_min_corr: f64,
    /// MON-5: identical readings in a row that make a copied series (default 30).
    pub clone_readings: usize,
    /// MON-5: window hashes kept per point to find a replayed segment (default 48).
    pub replay_history: usize,
    /// MON-5: a window hash is kept every this many readings (default 30, so 48 × 30
    /// readings = one day at a 1-min cadence; a replay of 2 × 30 − 1 readings is found).
    pub replay_sample_every: u32,
    /// MON-6: a record time further than this from its file's header time (default 600 s).
    pub time_skew_secs: i64,
    /// MON-6: snapshots carrying the same record time while the header advances (default 3).
    pub repeat_snapshots: u32,
    /// MON-7: calibration / suspended status allowed per point and day inside producing shifts (default 1800 s).
    pub status_in_shift_secs: i64,
    /// MON-7: methane calibration interval (AQ 1029 practice: 15 days).
    pub calibration_days: i64,
    /// MON-8: a CDDY listing at least this share of the known points is a full
    /// re-definition, so a known point missing from it was removed (default 0.8).
    /// A smaller CDDY is an incremental update and removes nothing.
    pub full_list_share: f64,
    /// MON-8: a point whose coordinates move further than this was moved (default 5 m).
    pub move_metres: f64,
}

impl Default for IntegrityConfig {
    fn default() -> Self {
        IntegrityConfig {
            cdss_gap_secs: 300,
            ryss_gap_secs: 900,
            silent_secs: 300,
            sweep_secs: 60,
            flat_window_secs: 1800,
            flat_min_readings: 20,
            flat_history_readings: 60,
            covered_ratio: 0.3,
            covered_min_neighbour: 0.15,
            covered_secs: 1200,
            covered_min_corr: 0.5,
            clone_readings: 30,
            replay_history: 48,
            replay_sample_every: 30,
            time_skew_secs: 600,
            repeat_snapshots: 3,
            status_in_shift_secs: 1800,
            calibration_days: 15,
            full_list_share: 0.8,
            move_metres: 5.0,
        }
    }
}

/// A record kept as evidence; the file-name buffer is reused.
#[derive(Clone, Debug, Default)]
struct Snap {
    file: String,
    record: usize,
    value: Option<f64>,
    status: Status,
    time: Timestamp,
}

impl Snap {
    fn of(up: &Upload<'_>, record: usize, r: &Reading<'_>) -> Self {
        Snap { file: up.file.to_string(), record, value: r.value, status: r.status, time: r.time }
    }

    fn set(&mut self, up: &Upload<'_>, record: usize, r: &Reading<'_>) {
        self.file.clear();
        self.file.push_str(up.file);
        self.record = record;
        self.value = r.value;
        self.status = r.status;
        self.time = r.time;
    }

    fn evidence(&self, point: &str, detail: String) -> Evidence {
        Evidence {
            file: self.file.clone(),
            record: Some(self.record),
            point: Some(point.to_string()),
            value: self.value,
            status: Some(self.status.0),
            status_bits: self.status.names().into_iter().map(str::to_string).collect(),
            time: Some(self.time),
            detail: Some(detail),
            ..Default::default()
        }
    }
}

/// `yyyy-MM-dd HH:mm:ss` Beijing time, as the uploads write it: titles a regulator reads.
fn hm(t: Timestamp) -> String {
    t.upload_format()
}

fn file_evidence(file: &str, time: Timestamp, detail: String) -> Evidence {
    Evidence { file: file.to_string(), time: Some(time), detail: Some(detail), ..Default::default() }
}

/// The last definition of a point (CDDY), kept to see what a later one changes.
#[derive(Clone, Debug)]
struct DefInfo {
    substation: String,
    unit: String,
    thresholds: Thresholds,
    location: String,
    xyz: (Option<f64>, Option<f64>, Option<f64>),
    file: String,
    record: usize,
    time: Timestamp,
}

/// MON-2 state of a point.
#[derive(Debug, Default)]
struct Silence {
    /// Last reading with a value and no fault / not-polled bit.
    last_good: Option<Snap>,
    /// Monitored-time clock ([`IntegrityRules::mclock`]) at `last_good`, or at definition.
    good_m: i64,
    /// When silence is measured from if the point was never heard: its definition.
    ref_time: Option<Timestamp>,
    /// First reading with a fault / not-polled bit since the last good one.
    first_bad: Option<Snap>,
    /// Start of the open (pushed) finding.
    open: Option<Timestamp>,
    /// The silence is reported as its whole substation's ([`Sub::inferred`]).
    by_sub: bool,
}

/// MON-6 state of a point.
#[derive(Debug, Default)]
struct DataTime {
    last_record: Option<Timestamp>,
    last_header: Option<Timestamp>,
    repeats: u32,
}

/// MON-7 state of a point.
#[derive(Debug, Default)]
struct StatusUse {
    /// Beijing day number of the counters.
    day: i64,
    secs: i64,
    prev: Option<Timestamp>,
    first: Option<Snap>,
    last: Option<Snap>,
    bits: u16,
    opened: bool,
    last_flagged: bool,
    /// Calibration due: counted from the first reading or the last calibration.
    cal_ref: Option<Timestamp>,
    overdue: Option<Timestamp>,
    last_cal: Option<Snap>,
}

struct Point {
    code: String,
    location: String,
    quantity: Option<Quantity>,
    factor: Option<f64>,
    /// Analog (模拟量) with a judged quantity: only those can be flat, covered or cloned.
    analog: bool,
    class: LocationClass,
    def: Option<DefInfo>,
    defined: bool,
    sil: Silence,
    dt: DataTime,
    st: StatusUse,
    series: Option<Box<Series>>,
    /// Other methane points on the same air paths (MON-3 neighbours).
    neighbours: Vec<usize>,
    /// Latest reliable value in the table unit and its snapshot time (MON-4).
    latest: Option<(f64, Timestamp)>,
    latest_snap: Snap,
    /// Header time of the CDSS file that last put the point in `touched`.
    touched_at: Option<Timestamp>,
}

impl Point {
    fn new(code: &str, class: Option<LocationClass>) -> Self {
        Point {
            code: code.to_string(),
            location: String::new(),
            quantity: None,
            factor: None,
            analog: false,
            class: class.unwrap_or(LocationClass::OtherRoadway),
            def: None,
            defined: false,
            sil: Silence::default(),
            dt: DataTime::default(),
            st: StatusUse::default(),
            series: None,
            neighbours: Vec::new(),
            latest: None,
            latest_snap: Snap::default(),
            touched_at: None,
        }
    }

    fn place(&self) -> &str {
        if self.location.is_empty() {
            &self.code
        } else {
            &self.location
        }
    }

    /// Location and point code, for titles.
    fn label(&self) -> String {
        if self.location.is_empty() {
            format!("point {}", self.code)
        } else {
            format!("{} (point {})", self.location, self.code)
        }
    }

    fn kind_label(&self) -> &'static str {
        self.quantity.map(|q| q.label()).unwrap_or("Monitoring")
    }

    fn substation(&self) -> Option<&str> {
        self.def.as_ref().map(|d| d.substation.as_str()).filter(|s| !s.is_empty())
    }
}

/// MON-1 state of one upload stream.
struct Stream {
    /// `CDSS` or `RYSS`.
    family: &'static str,
    system: &'static str,
    gap: i64,
    last: Option<(Timestamp, String)>,
    open: bool,
}

/// MON-2 state of a substation (分站).
#[derive(Default)]
struct Sub {
    fzss_down: bool,
    bit_down: bool,
    bit_now: bool,
    ok_now: bool,
    down: bool,
    down_since: Timestamp,
    down_ev: Option<Evidence>,
    up_time: Timestamp,
    up_m: i64,
    open: bool,
    /// Every point of the substation fell silent together while nothing said it was
    /// down: reported once for the substation, from this start.
    inferred: Option<Timestamp>,
}

/// MON-4 candidate: a sensor below its air-path neighbours.
struct Covered {
    path: usize,
    point: usize,
    start: Snap,
    last: Timestamp,
    n: f64,
    sa: f64,
    sb: f64,
    saa: f64,
    sbb: f64,
    sab: f64,
    min_ratio: f64,
    med_at_start: f64,
    seen: bool,
    opened: bool,
}

/// MON-6 aggregate of one kind of data-time fault over the mine.
#[derive(Default)]
struct TimeFault {
    start: Option<Timestamp>,
    last: Timestamp,
    count: usize,
    examples: Vec<Evidence>,
    now: bool,
}

struct AirPathWatch {
    name: String,
    points: Vec<usize>,
}

struct Present {
    card: String,
    area: String,
    time: Timestamp,
    record: usize,
}

struct AreaWatch {
    code: String,
    points: Vec<usize>,
    open: Option<(Timestamp, Vec<Evidence>, String)>,
}

/// The integrity detector of one mine.
pub struct IntegrityRules {
    mine: String,
    cfg: IntegrityConfig,
    classes: HashMap<String, LocationClass>,
    index: PointMap<usize>,
    /// The engine's slot → index into `points` (`u32::MAX` = not seen yet).
    by_slot: Vec<u32>,
    points: Vec<Point>,
    subs: HashMap<String, Sub>,
    cdss: Stream,
    ryss: Stream,
    /// Seconds of event time during which CDSS files were arriving (pauses longer than
    /// the MON-1 gap excluded): silence of a point is measured on this clock.
    mclock: i64,
    /// The clock at the last tick: when a stop opened by the clock ends with a
    /// back-fill (no gap in the data), the stop lasted until about then.
    clock: Option<Timestamp>,
    last_sweep: Option<Timestamp>,
    /// Points read in the current CDSS file.
    touched: Vec<usize>,
    paths: Vec<AirPathWatch>,
    covered: Vec<Covered>,
    scratch: Vec<f64>,
    clone_map: HashMap<u64, usize, foldhash::fast::RandomState>,
    clones: HashMap<(usize, usize), CloneEvent>,
    time_faults: [TimeFault; 3],
    /// Producing shifts as `[start, end)` seconds of the Beijing day; may wrap midnight.
    producing: Vec<(u32, u32)>,
    areas: Vec<AreaWatch>,
    people: Vec<Present>,
    people_file: String,
    people_time: Option<Timestamp>,
}

impl IntegrityRules {
    pub fn new(mine: &str, info: Option<&MineInfo>, cfg: &IntegrityConfig) -> Self {
        let classes: HashMap<String, LocationClass> =
            info.map(|i| i.points.iter().map(|p| (p.code.clone(), p.class)).collect()).unwrap_or_default();
        let mut rules = IntegrityRules {
            mine: mine.to_string(),
            cfg: *cfg,
            classes,
            index: PointMap::default(),
            by_slot: Vec::new(),
            points: Vec::new(),
            subs: HashMap::new(),
            cdss: Stream { family: "CDSS", system: "safety monitoring (CDSS)", gap: cfg.cdss_gap_secs, last: None, open: false },
            ryss: Stream { family: "RYSS", system: "personnel positioning (RYSS)", gap: cfg.ryss_gap_secs, last: None, open: false },
            mclock: 0,
            clock: None,
            last_sweep: None,
            touched: Vec::new(),
            paths: Vec::new(),
            covered: Vec::new(),
            scratch: Vec::new(),
            clone_map: HashMap::default(),
            clones: HashMap::new(),
            time_faults: Default::default(),
            producing: Vec::new(),
            areas: Vec::new(),
            people: Vec::new(),
            people_file: String::new(),
            people_time: None,
        };
        if let Some(info) = info {
            rules.producing = info.shifts.iter().filter(|s| s.producing).filter_map(|s| Some((hhmm(&s.start)?, hhmm(&s.end)?))).collect();
            for p in &info.air_paths {
                let points = p.points.iter().map(|c| rules.point_id(c)).collect();
                rules.paths.push(AirPathWatch { name: p.name.clone(), points });
            }
            let mut by_area: Vec<(String, Vec<usize>)> = Vec::new();
            let links = info.faces.iter().map(|f| (&f.areas, &f.points)).chain(info.air_paths.iter().map(|p| (&p.areas, &p.points)));
            for (areas, points) in links {
                let ids: Vec<usize> = points.iter().map(|c| rules.point_id(c)).collect();
                for a in areas {
                    let slot = match by_area.iter().position(|(c, _)| c == a) {
                        Some(i) => i,
                        None => {
                            by_area.push((a.clone(), Vec::new()));
                            by_area.len() - 1
                        }
                    };
                    for &id in &ids {
                        if !by_area[slot].1.contains(&id) {
                            by_area[slot].1.push(id);
                        }
                    }
                }
            }
            rules.areas = by_area.into_iter().map(|(code, points)| AreaWatch { code, points, open: None }).collect();
            for k in 0..rules.paths.len() {
                let pts = rules.paths[k].points.clone();
                for &a in &pts {
                    for &b in &pts {
                        if a != b && !rules.points[a].neighbours.contains(&b) {
                            rules.points[a].neighbours.push(b);
                        }
                    }
                }
            }
        }
        rules
    }

    fn point_id(&mut self, code: &str) -> usize {
        if let Some(&i) = self.index.get(code) {
            return i;
        }
        let i = self.points.len();
        self.points.push(Point::new(code, self.classes.get(code).copied()));
        self.index.insert(code.to_string(), i);
        i
    }

    /// A finding with the catalog's metadata, a stable id, hooks in force at `start`
    /// and the `open` tag while it has no end.
    #[allow(clippy::too_many_arguments)]
    fn make(
        &self,
        rule: &str,
        start: Timestamp,
        end: Option<Timestamp>,
        place: &str,
        key: &str,
        title: String,
        evidence: Vec<Evidence>,
        tags: Vec<String>,
        confidence: f64,
    ) -> Finding {
        let mut f = finding(rule, &self.mine, start, end, Some(place), title, evidence);
        f.id = Finding::stable_id(rule, &self.mine, key, start);
        for hook in tables().hooks(rule, start) {
            f.tags.push(format!("hook:{hook}"));
        }
        f.tags.extend(tags);
        if end.is_none() {
            f.tags.push(TAG_OPEN.to_string());
        }
        f.confidence = Some(confidence.clamp(0.0, 1.0));
        f
    }

    // ---- MON-1: upload stops ------------------------------------------------------

    fn stream(&mut self, family: &str) -> Option<&mut Stream> {
        match family {
            "CDSS" => Some(&mut self.cdss),
            "RYSS" => Some(&mut self.ryss),
            _ => None,
        }
    }

    fn stop_finding(&self, s: &Stream, last: Timestamp, last_file: &str, resume: Option<(&str, Timestamp)>) -> Finding {
        let mut evidence =
            vec![file_evidence(last_file, last, format!("last {} upload before the stop, generated {}", s.family, hm(last)))];
        let title = match resume {
            Some((file, t)) => {
                evidence.push(file_evidence(
                    file,
                    t,
                    format!(
                        "next {} upload, generated {}: no upload for {} (allowed {})",
                        s.family,
                        hm(t),
                        human_duration(t.secs_since(last)),
                        human_duration(s.gap)
                    ),
                ));
                format!("The mine's {} uploads stopped for {} ({} to {})", s.system, human_duration(t.secs_since(last)), hm(last), hm(t))
            }
            None => format!("The mine's {} uploads stopped: none since {} (allowed pause {})", s.system, hm(last), human_duration(s.gap)),
        };
        let key = format!("{}|scope:mine", s.family);
        self.make(
            MON1,
            last,
            resume.map(|r| r.1),
            s.system,
            &key,
            title,
            evidence,
            vec!["scope:mine".into(), format!("system:{}", s.family)],
            1.0,
        )
    }

    fn upload_stop_on_upload(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {
        let Some(s) = self.stream(up.family) else {
            return;
        };
        let mut closed = None;
        let mut backfill = None;
        if let Some((last, _)) = &s.last {
            if up.time <= *last {
                return;
            }
            if up.time.secs_since(*last) > s.gap {
                closed = Some(*last);
            } else if s.open {
                // The clock saw the uploads stop, but the data resume without a gap:
                // the mine's buffer is back-filling after a link outage. The stop is
                // real (nothing reached the regulator meanwhile) and lasted until now.
                backfill = Some(*last);
            }
        }
        let is_cdss = s.family == "CDSS";
        if let Some(last) = closed {
            let s = if is_cdss { &self.cdss } else { &self.ryss };
            let file = s.last.as_ref().map(|l| l.1.clone()).unwrap_or_default();
            out.push(self.stop_finding(s, last, &file, Some((up.file, up.time))));
        }
        if let Some(last) = backfill {
            let s = if is_cdss { &self.cdss } else { &self.ryss };
            let file = s.last.as_ref().map(|l| l.1.clone()).unwrap_or_default();
            let until = self.clock.unwrap_or(up.time).max(up.time);
            let mut f = self.stop_finding(s, last, &file, Some((up.file, until)));
            if let Some(ev) = f.evidence.last_mut() {
                ev.time = Some(up.time);
                ev.detail = Some(format!(
                    "uploads resumed at {} with back-filled {} data generated from {}: delivered late, no gap in the data",
                    hm(until),
                    s.family,
                    hm(up.time)
                ));
            }
            f.tags.push("backfill".into());
            out.push(f);
        }
        let prev = if is_cdss { self.cdss.last.as_ref().map(|l| l.0) } else { None };
        let s = if is_cdss { &mut self.cdss } else { &mut self.ryss };
        s.open = false;
        match &mut s.last {
            Some((t, f)) => {
                *t = up.time;
                f.clear();
                f.push_str(up.file);
            }
            None => s.last = Some((up.time, up.file.to_string())),
        }
        if let Some(p) = prev {
            let dt = up.time.secs_since(p);
            if dt <= self.cfg.cdss_gap_secs {
                self.mclock += dt;
            }
        }
    }

    fn upload_stop_tick(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        for cdss in [true, false] {
            let s = if cdss { &self.cdss } else { &self.ryss };
            let Some((last, file)) = &s.last else {
                continue;
            };
            if s.open || now.secs_since(*last) <= s.gap {
                continue;
            }
            out.push(self.stop_finding(s, *last, file, None));
            if cdss {
                self.cdss.open = true;
            } else {
                self.ryss.open = true;
            }
        }
    }

    /// No CDSS upload for longer than the gap at `t` (event time).
    fn cdss_stopped_at(&self, t: Timestamp) -> Option<Timestamp> {
        self.cdss.last.as_ref().map(|l| l.0).filter(|l| t.secs_since(*l) > self.cfg.cdss_gap_secs)
    }

    // ---- MON-2: silent or faulty points ------------------------------------------

    fn sub_mut(&mut self, code: &str) -> &mut Sub {
        self.subs.entry(code.to_string()).or_default()
    }

    /// Applies a change of a substation's combined state at `t`.
    fn sub_update(&mut self, code: &str, t: Timestamp, ev: Option<Evidence>, out: &mut Vec<Finding>) {
        let mclock = self.mclock;
        let silent = self.cfg.silent_secs;
        let s = self.sub_mut(code);
        let down = s.fzss_down || s.bit_down;
        if down == s.down {
            return;
        }
        s.down = down;
        if down {
            s.down_since = t;
            s.down_ev = ev;
            return;
        }
        let (since, was_open) = (s.down_since, s.open);
        let down_ev = s.down_ev.take();
        s.up_time = t;
        s.up_m = mclock;
        s.open = false;
        if was_open || t.secs_since(since) > silent {
            let mut evidence: Vec<Evidence> = down_ev.into_iter().collect();
            evidence.extend(ev);
            out.push(self.sub_finding(code, since, Some(t), evidence, false));
        }
    }

    fn sub_finding(&self, code: &str, start: Timestamp, end: Option<Timestamp>, mut evidence: Vec<Evidence>, inferred: bool) -> Finding {
        let pts: Vec<&str> = self.points.iter().filter(|p| p.defined && p.substation() == Some(code)).map(|p| p.code.as_str()).collect();
        let listed: Vec<&str> = pts.iter().take(20).copied().collect();
        let more = if pts.len() > listed.len() { format!(" and {} more", pts.len() - listed.len()) } else { String::new() };
        evidence.push(Evidence {
            file: String::new(),
            detail: Some(format!("points defined on substation {code} (CDDY): {}{more}", listed.join(", "))),
            ..Default::default()
        });
        let title = match end {
            Some(e) if inferred => format!(
                "All {} monitoring points of substation {code} were silent for {} ({} to {}): the substation or its link was down",
                pts.len(),
                human_duration(e.secs_since(start)),
                hm(start),
                hm(e)
            ),
            None if inferred => format!(
                "All {} monitoring points of substation {code} silent since {}: the substation or its link is down",
                pts.len(),
                hm(start)
            ),
            Some(e) => format!(
                "Substation {code} down for {} ({} to {}): its {} monitoring points were not measuring",
                human_duration(e.secs_since(start)),
                hm(start),
                hm(e),
                pts.len()
            ),
            None => format!("Substation {code} down since {}: its {} monitoring points are not measuring", hm(start), pts.len()),
        };
        let place = format!("substation {code}");
        let key = format!("scope:substation:{code}");
        let mut tags = vec![format!("scope:substation:{code}")];
        if inferred {
            tags.push("inferred".into());
        }
        self.make(MON2, start, end, &place, &key, title, evidence, tags, if inferred { 0.9 } else { 1.0 })
    }

    fn sub_down(&self, p: &Point) -> bool {
        p.substation().and_then(|s| self.subs.get(s)).is_some_and(|s| s.down)
    }

    /// Silence start and its monitored-clock reference for a point.
    fn silence_ref(&self, p: &Point) -> (Timestamp, i64) {
        let (mut start, mut m) = match &p.sil.last_good {
            Some(g) => (g.time, p.sil.good_m),
            None => (p.sil.ref_time.unwrap_or_default(), p.sil.good_m),
        };
        if let Some(s) = p.substation().and_then(|s| self.subs.get(s)) {
            if s.up_m > m && s.up_time > start {
                start = s.up_time;
                m = s.up_m;
            }
        }
        (start, m)
    }

    fn silent_finding(&self, i: usize, start: Timestamp, end: Option<(Timestamp, Evidence)>) -> Finding {
        let p = &self.points[i];
        let mut evidence = Vec::new();
        match &p.sil.last_good {
            Some(g) => evidence.push(g.evidence(&p.code, format!("last good reading of the point, at {}", hm(g.time)))),
            None => {
                if let Some(d) = &p.def {
                    evidence.push(Evidence {
                        file: d.file.clone(),
                        record: Some(d.record),
                        point: Some(p.code.clone()),
                        time: Some(d.time),
                        detail: Some("point definition (CDDY); no good reading since".into()),
                        ..Default::default()
                    });
                }
            }
        }
        let bits = p.sil.first_bad.as_ref().map(|b| b.status.names().join(", "));
        if let Some(b) = &p.sil.first_bad {
            evidence.push(b.evidence(&p.code, format!("the point reported status {}", bits.clone().unwrap_or_default())));
        }
        let sub = p.substation().unwrap_or("unknown");
        let what = match &bits {
            Some(b) => format!("reported {b} instead of measuring"),
            None if p.sil.last_good.is_none() => "never reported since its definition".to_string(),
            None => "stopped reporting".to_string(),
        };
        let (end_t, title) = match end {
            Some((e, ev)) => {
                evidence.push(ev);
                (
                    Some(e),
                    format!(
                        "{} sensor at {} {what} for {} ({} to {}) while its substation {sub} was up",
                        p.kind_label(),
                        p.label(),
                        human_duration(e.secs_since(start)),
                        hm(start),
                        hm(e)
                    ),
                )
            }
            None => {
                (None, format!("{} sensor at {} {what} since {} while its substation {sub} is up", p.kind_label(), p.label(), hm(start)))
            }
        };
        let key = format!("{}|{}", p.place(), p.code);
        self.make(MON2, start, end_t, p.place(), &key, title, evidence, vec![format!("substation:{sub}"), format!("point:{}", p.code)], 1.0)
    }

    fn silence_on_reading(&mut self, up: &Upload<'_>, record: usize, i: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        // Per reading, without allocating: the substation's flags are found by a
        // borrowed key; only a substation going down (rare) copies its code.
        let mut went_down = false;
        if let Some(code) = self.points[i].substation() {
            let s = match self.subs.get_mut(code) {
                Some(s) => s,
                None => self.subs.entry(code.to_string()).or_default(),
            };
            if r.status.has(Status::SUBSTATION_FAULT) {
                s.bit_now = true;
                if !s.bit_down {
                    s.bit_down = true;
                    went_down = true;
                }
            } else {
                s.ok_now = true;
            }
        }
        if went_down {
            if let Some(sub) = self.points[i].substation().map(str::to_string) {
                let ev =
                    Snap::of(up, record, r).evidence(r.point, format!("reading carries the substation-fault bit: substation {sub} down"));
                self.sub_update(&sub, r.time, Some(ev), out);
            }
        }
        let good =
            r.value.is_some_and(f64::is_finite) && !r.status.has(Status::SENSOR_FAULT | Status::NOT_POLLED | Status::SUBSTATION_FAULT);
        if !good {
            let p = &mut self.points[i];
            if p.sil.first_bad.is_none() && !r.status.has(Status::SUBSTATION_FAULT) {
                p.sil.first_bad = Some(Snap::of(up, record, r));
            }
            return;
        }
        let by_sub = self.points[i].sil.by_sub;
        if by_sub {
            self.inferred_close(i, up, record, r, out);
        }
        let p = &self.points[i];
        let watched = p.defined || p.sil.first_bad.is_some();
        let close = if by_sub {
            None
        } else if let Some(start) = p.sil.open {
            Some(start)
        } else if watched && !self.sub_down(p) && (p.sil.last_good.is_some() || p.sil.ref_time.is_some()) {
            let (start, m) = self.silence_ref(p);
            (self.mclock - m > self.cfg.silent_secs).then_some(start)
        } else {
            None
        };
        if let Some(start) = close {
            let ev = Snap::of(up, record, r).evidence(&p.code, format!("the point reported again at {}", hm(r.time)));
            out.push(self.silent_finding(i, start, Some((r.time, ev))));
        }
        let mclock = self.mclock;
        let p = &mut self.points[i];
        p.sil.open = None;
        p.sil.first_bad = None;
        p.sil.good_m = mclock;
        match &mut p.sil.last_good {
            Some(g) => g.set(up, record, r),
            None => p.sil.last_good = Some(Snap::of(up, record, r)),
        }
    }

    /// End of a CDSS file: substation bits, then (at most once per sweep interval) the
    /// sweep over all points for silences that crossed the limit.
    fn silence_sweep(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {
        let mut changed: Vec<String> = Vec::new();
        for (code, s) in self.subs.iter_mut() {
            if s.bit_down && !s.bit_now && s.ok_now {
                s.bit_down = false;
                changed.push(code.clone());
            }
            s.bit_now = false;
            s.ok_now = false;
        }
        changed.sort();
        for code in changed {
            let ev = file_evidence(up.file, up.time, format!("readings of substation {code} no longer carry the substation-fault bit"));
            self.sub_update(&code, up.time, Some(ev), out);
        }
        if self.last_sweep.is_some_and(|l| up.time.secs_since(l) < self.cfg.sweep_secs) {
            return;
        }
        self.last_sweep = Some(up.time);
        let mut codes: Vec<&String> = self.subs.keys().collect();
        codes.sort();
        let mut open_subs = Vec::new();
        for code in codes {
            let s = &self.subs[code];
            if s.down && !s.open && up.time.secs_since(s.down_since) > self.cfg.silent_secs {
                open_subs.push(code.clone());
            }
        }
        for code in open_subs {
            let ev: Vec<Evidence> = self.subs[&code].down_ev.iter().cloned().collect();
            let f = self.sub_finding(&code, self.subs[&code].down_since, None, ev, false);
            out.push(f);
            self.sub_mut(&code).open = true;
        }
        let mut candidates: Vec<(usize, Timestamp)> = Vec::new();
        for i in 0..self.points.len() {
            let p = &self.points[i];
            if p.sil.open.is_some() || !(p.defined || p.sil.first_bad.is_some()) || self.sub_down(p) {
                continue;
            }
            if p.sil.last_good.is_none() && p.sil.ref_time.is_none() {
                continue;
            }
            let (start, m) = self.silence_ref(p);
            if self.mclock - m > self.cfg.silent_secs {
                candidates.push((i, start));
            }
        }
        // A substation whose every defined point fell silent at once is down, though
        // nothing said so: one finding for it, not one per point.
        let mut whole: Vec<(String, Timestamp)> = Vec::new();
        for &(i, _) in &candidates {
            let Some(code) = self.points[i].substation() else {
                continue;
            };
            if whole.iter().any(|(c, _)| c == code) {
                continue;
            }
            let mut total = 0;
            let mut silent = 0;
            let mut start = Timestamp(i64::MAX);
            for (j, q) in self.points.iter().enumerate() {
                if q.defined && q.substation() == Some(code) {
                    total += 1;
                    if let Some((_, s)) = candidates.iter().find(|(k, _)| *k == j) {
                        silent += 1;
                        start = start.min(*s);
                    }
                }
            }
            if total >= 2 && silent == total {
                whole.push((code.to_string(), start));
            }
        }
        for (i, start) in candidates {
            let by_sub = self.points[i].substation().is_some_and(|c| whole.iter().any(|(w, _)| w == c));
            if !by_sub {
                out.push(self.silent_finding(i, start, None));
            }
            let p = &mut self.points[i];
            p.sil.open = Some(start);
            p.sil.by_sub = by_sub;
        }
        for (code, start) in whole {
            let f = self.sub_finding(&code, start, None, Vec::new(), true);
            out.push(f);
            self.sub_mut(&code).inferred = Some(start);
        }
    }

    /// A point of a substation reported silent as a whole reports again: the
    /// substation finding closes, and its other points are judged one by one again.
    fn inferred_close(&mut self, i: usize, up: &Upload<'_>, record: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        self.points[i].sil.by_sub = false;
        self.points[i].sil.open = None;
        let Some(code) = self.points[i].substation().map(str::to_string) else {
            return;
        };
        let Some(start) = self.subs.get(&code).and_then(|s| s.inferred) else {
            return;
        };
        let ev = Snap::of(up, record, r).evidence(r.point, format!("first point of substation {code} reporting again, at {}", hm(r.time)));
        out.push(self.sub_finding(&code, start, Some(r.time), vec![ev], true));
        let mclock = self.mclock;
        let s = self.sub_mut(&code);
        s.inferred = None;
        // Points still silent are measured from here, as after a substation restart.
        s.up_time = r.time;
        s.up_m = mclock;
        for p in self.points.iter_mut() {
            if p.sil.by_sub && p.substation() == Some(code.as_str()) {
                p.sil.by_sub = false;
                p.sil.open = None;
            }
        }
    }

    // ---- MON-3 / MON-5: per-point series -----------------------------------------

    fn series_on_reading(&mut self, up: &Upload<'_>, record: usize, i: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        let p = &self.points[i];
        if !p.analog || r.status.unreliable() {
            return;
        }
        let Some(v) = r.value.filter(|v| v.is_finite()) else {
            return;
        };
        let cfg = self.cfg;
        let p = &mut self.points[i];
        if let Some(f) = p.factor {
            p.latest = Some((v * f, up.time));
            p.latest_snap.set(up, record, r);
        }
        let mut series = p.series.take().unwrap_or_else(|| Box::new(Series::new(&cfg)));
        if series.flat_open && series.breaks(v) {
            let conf = series.flat_conf;
            out.push(self.flat_finding(i, &series, Some(series.run_last), conf));
        }
        series.push(&cfg, v, up, record, r);
        if series.nb_base.is_empty() && self.points[i].quantity == Some(Quantity::Methane) {
            for &j in &self.points[i].neighbours {
                let q = &self.points[j];
                if let (Some(Quantity::Methane), Some(s)) = (q.quantity, q.series.as_ref()) {
                    series.nb_base.push((j, s.reads, s.changes));
                }
            }
        }
        // MON-3: the run of equal values.
        if !series.flat_open {
            if let Some(conf) = series.flat_verdict(&cfg, |base| self.neighbours_vary(base, &cfg)) {
                series.flat_open = true;
                out.push(self.flat_finding(i, &series, None, conf));
            }
        }
        // MON-5: replay of the point's own past.
        if series.replay_new {
            series.replay_new = false;
            if let Some(e) = &series.replay {
                out.push(self.replay_finding(i, e, None));
            }
        }
        if let Some(e) = series.replay_closed.take() {
            out.push(self.replay_finding(i, &e, Some(e.last)));
        }
        self.points[i].series = Some(series);
        if self.points[i].touched_at != Some(up.time) {
            self.points[i].touched_at = Some(up.time);
            self.touched.push(i);
        }
    }

    /// Whether some methane neighbour on the point's air paths changed in at least half
    /// of its readings since the counters in `base` were taken.
    fn neighbours_vary(&self, base: &[(usize, u64, u64)], cfg: &IntegrityConfig) -> bool {
        base.iter().any(|&(j, reads0, changes0)| {
            self.points[j].series.as_ref().is_some_and(|s| {
                let reads = s.reads.saturating_sub(reads0);
                let changes = s.changes.saturating_sub(changes0);
                reads >= cfg.flat_min_readings as u64 && changes * 2 >= reads
            })
        })
    }

    fn flat_finding(&self, i: usize, s: &Series, end: Option<Timestamp>, conf: f64) -> Finding {
        let p = &self.points[i];
        let start = s.run_start.time;
        let last = s.run_last;
        let value = s.run_value;
        let mut evidence = vec![s.run_start.evidence(
            &p.code,
            format!("first reading of the unchanged run: {value} {}", p.def.as_ref().map(|d| d.unit.as_str()).unwrap_or("")),
        )];
        evidence.push(Evidence {
            file: s.run_last_file.clone(),
            record: Some(s.run_last_record),
            point: Some(p.code.clone()),
            value: Some(value),
            time: Some(last),
            detail: Some(format!(
                "{} consecutive readings equal to {value} over {}; the sensor's own history changes in {:.0} % of readings (resolution {})",
                s.run_len,
                human_duration(last.secs_since(start)),
                s.change_rate() * 100.0,
                s.resolution(value)
            )),
            ..Default::default()
        });
        if let Some(why) = &s.flat_reason {
            evidence.push(Evidence { file: String::new(), point: Some(p.code.clone()), detail: Some(why.clone()), ..Default::default() });
        }
        let title = match end {
            Some(e) => format!(
                "{} sensor at {} stuck at {value} for {} ({} readings) although it normally fluctuates: possibly not measuring",
                p.kind_label(),
                p.label(),
                human_duration(e.secs_since(start)),
                s.run_len
            ),
            None => {
                format!("{} sensor at {} stuck at {value} since {} although it normally fluctuates", p.kind_label(), p.label(), hm(start))
            }
        };
        let key = format!("{}|{}", p.place(), p.code);
        self.make(MON3, start, end, p.place(), &key, title, evidence, vec![format!("point:{}", p.code)], conf)
    }

    fn clone_finding(&self, a: usize, b: usize, e: &CloneEvent, end: Option<Timestamp>) -> Finding {
        let (pa, pb) = (&self.points[a], &self.points[b]);
        let evidence = vec![
            Evidence {
                file: String::new(),
                point: Some(pa.code.clone()),
                time: Some(e.start),
                detail: Some(format!("{} and {} carry identical values from here", pa.code, pb.code)),
                ..Default::default()
            },
            Evidence {
                file: e.last_file.clone(),
                point: Some(pb.code.clone()),
                time: Some(e.last),
                detail: Some(format!(
                    "{} consecutive readings identical in both points ({} distinct values, {} changes): sample {}",
                    e.readings, e.distinct, e.changes, e.sample
                )),
                ..Default::default()
            },
        ];
        let place = format!("{} = {}", pa.place(), pb.place());
        let dur = end.map(|t| format!(" for {}", human_duration(t.secs_since(e.start)))).unwrap_or_default();
        let title = format!(
            "{} sensor at {} reports exactly the same varying values as {}{dur}: one series copied onto another",
            pb.kind_label(),
            pb.label(),
            pa.label()
        );
        let key = format!("clone|{}|{}", pa.code, pb.code);
        self.make(
            MON5,
            e.start,
            end,
            &place,
            &key,
            title,
            evidence,
            vec![format!("point:{}", pa.code), format!("point:{}", pb.code), "kind:clone".into()],
            0.95,
        )
    }

    fn replay_finding(&self, i: usize, e: &series::ReplayEvent, end: Option<Timestamp>) -> Finding {
        let p = &self.points[i];
        let evidence = vec![
            Evidence {
                file: String::new(),
                point: Some(p.code.clone()),
                time: Some(e.source_start),
                detail: Some(format!("original segment starting {}", hm(e.source_start))),
                ..Default::default()
            },
            Evidence {
                file: e.file.clone(),
                record: Some(e.record),
                point: Some(p.code.clone()),
                time: Some(e.start),
                detail: Some(format!(
                    "the {} readings from {} repeat that segment value for value (replayed {} later)",
                    e.window,
                    hm(e.start),
                    human_duration(e.start.secs_since(e.source_start))
                )),
                ..Default::default()
            },
        ];
        let dur = end.map(|t| format!(" until {}", hm(t))).unwrap_or_default();
        let title = format!(
            "{} sensor at {} replays its own readings of {} from {}{dur}: recorded data played back",
            p.kind_label(),
            p.label(),
            hm(e.source_start),
            hm(e.start)
        );
        let key = format!("replay|{}|{}", p.place(), p.code);
        self.make(MON5, e.start, end, p.place(), &key, title, evidence, vec![format!("point:{}", p.code), "kind:replay".into()], 0.9)
    }

    /// End of a CDSS file: cloned windows between points, replays, closings.
    fn series_snapshot(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {
        let touched = std::mem::take(&mut self.touched);
        self.clone_map.clear();
        for e in self.clones.values_mut() {
            e.seen = false;
        }
        let need = self.cfg.clone_readings;
        for &i in &touched {
            let Some(s) = self.points[i].series.as_ref() else {
                continue;
            };
            if !s.window_full(need) || !s.window_varies(need) {
                continue;
            }
            let h = s.hash;
            match self.clone_map.get(&h) {
                Some(&j) => {
                    let (a, b) = (j.min(i), j.max(i));
                    let (sa, sb) = match (self.points[a].series.as_ref(), self.points[b].series.as_ref()) {
                        (Some(x), Some(y)) => (x, y),
                        _ => continue,
                    };
                    if !sa.same_window(sb, need) {
                        continue;
                    }
                    let distinct = sa.distinct(need);
                    if distinct < 4 {
                        continue;
                    }
                    let (start, changes, sample) = (sa.window_start(need), sa.window_changes, sa.sample(need));
                    match self.clones.get_mut(&(a, b)) {
                        Some(e) => {
                            e.seen = true;
                            e.last = up.time;
                            e.readings += 1;
                            e.last_file.clear();
                            e.last_file.push_str(up.file);
                        }
                        None => {
                            let e = CloneEvent {
                                start,
                                last: up.time,
                                last_file: up.file.to_string(),
                                readings: need,
                                distinct,
                                changes,
                                sample,
                                seen: true,
                            };
                            out.push(self.clone_finding(a, b, &e, None));
                            self.clones.insert((a, b), e);
                        }
                    }
                }
                None => {
                    self.clone_map.insert(h, i);
                }
            }
        }
        let mut ended: Vec<(usize, usize)> = self.clones.iter().filter(|(_, e)| !e.seen).map(|(k, _)| *k).collect();
        ended.sort();
        for k in ended {
            if let Some(e) = self.clones.remove(&k) {
                out.push(self.clone_finding(k.0, k.1, &e, Some(e.last)));
            }
        }
        self.touched = touched;
        self.touched.clear();
    }

    // ---- MON-4: covered sensors ---------------------------------------------------

    fn covered_snapshot(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {
        for c in self.covered.iter_mut() {
            c.seen = false;
        }
        for k in 0..self.paths.len() {
            let members: Vec<usize> = self.paths[k]
                .points
                .iter()
                .copied()
                .filter(|&i| {
                    let p = &self.points[i];
                    p.quantity == Some(Quantity::Methane) && same_air_class(p.class) && p.latest.is_some_and(|(_, t)| t == up.time)
                })
                .collect();
            if members.len() < 3 {
                continue;
            }
            for &i in &members {
                let v = self.points[i].latest.map(|l| l.0).unwrap_or(0.0);
                self.scratch.clear();
                let mut nb = [f64::NAN; 2];
                for &j in members.iter().filter(|&&j| j != i) {
                    let x = self.points[j].latest.map(|l| l.0).unwrap_or(0.0);
                    self.scratch.push(x);
                    if nb[0].is_nan() {
                        nb[0] = x;
                    } else if nb[1].is_nan() {
                        nb[1] = x;
                    }
                }
                let med = median(&mut self.scratch);
                let holds = med >= self.cfg.covered_min_neighbour && v < self.cfg.covered_ratio * med;
                let slot = self.covered.iter().position(|c| c.path == k && c.point == i);
                match (holds, slot) {
                    (true, Some(s)) => {
                        let c = &mut self.covered[s];
                        c.seen = true;
                        c.last = up.time;
                        c.add(nb[0], nb[1]);
                        c.min_ratio = c.min_ratio.min(v / med);
                    }
                    (true, None) => {
                        let mut c = Covered {
                            path: k,
                            point: i,
                            start: self.points[i].latest_snap.clone(),
                            last: up.time,
                            n: 0.0,
                            sa: 0.0,
                            sb: 0.0,
                            saa: 0.0,
                            sbb: 0.0,
                            sab: 0.0,
                            min_ratio: v / med,
                            med_at_start: med,
                            seen: true,
                            opened: false,
                        };
                        c.add(nb[0], nb[1]);
                        self.covered.push(c);
                    }
                    _ => {}
                }
            }
        }
        // Qualify, close.
        let mut idx = 0;
        while idx < self.covered.len() {
            let c = &self.covered[idx];
            if !c.seen {
                let c = self.covered.remove(idx);
                if c.opened {
                    let conf = c.confidence(&self.cfg);
                    out.push(self.covered_finding(&c, Some(c.last), conf));
                }
                continue;
            }
            if !c.opened && c.last.secs_since(c.start.time) >= self.cfg.covered_secs {
                if let Some(conf) = c.together(&self.cfg).then(|| c.confidence(&self.cfg)) {
                    out.push(self.covered_finding(c, None, conf));
                    self.covered[idx].opened = true;
                }
            }
            idx += 1;
        }
    }

    fn covered_finding(&self, c: &Covered, end: Option<Timestamp>, conf: f64) -> Finding {
        let p = &self.points[c.point];
        let path = &self.paths[c.path];
        let others: Vec<String> = path
            .points
            .iter()
            .filter(|&&j| j != c.point)
            .filter_map(|&j| {
                let q = &self.points[j];
                (q.quantity == Some(Quantity::Methane) && same_air_class(q.class))
                    .then(|| format!("{} {}", q.code, q.latest.map(|l| format!("{:.2} %", l.0)).unwrap_or_else(|| "-".into())))
            })
            .collect();
        let evidence = vec![
            c.start.evidence(
                &p.code,
                format!(
                    "reads {} % while the median of its air-path neighbours is {:.2} %",
                    c.start.value.unwrap_or(f64::NAN),
                    c.med_at_start
                ),
            ),
            Evidence {
                file: String::new(),
                point: Some(p.code.clone()),
                time: Some(c.last),
                detail: Some(format!(
                    "air path {}: neighbours now {}; lowest ratio to their median {:.0} % (limit {:.0} %); neighbour correlation {:.2}",
                    path.name,
                    others.join(", "),
                    c.min_ratio * 100.0,
                    self.cfg.covered_ratio * 100.0,
                    c.corr()
                )),
                ..Default::default()
            },
        ];
        let dur = human_duration(end.unwrap_or(c.last).secs_since(c.start.time));
        let so_far = if end.is_some() { "" } else { " so far" };
        let title = format!(
            "Methane sensor at {} read far below the other sensors in the same air ({} to {}) for {dur}{so_far}: covered or wrapped",
            p.label(),
            path.name,
            others.len()
        );
        let key = format!("{}|{}", p.place(), p.code);
        self.make(
            MON4,
            c.start.time,
            end,
            p.place(),
            &key,
            title,
            evidence,
            vec![format!("point:{}", p.code), format!("air_path:{}", path.name)],
            conf,
        )
    }

    // ---- MON-6: data times --------------------------------------------------------

    fn data_time_on_reading(&mut self, up: &Upload<'_>, record: usize, i: usize, r: &Reading<'_>) {
        let cfg_repeat = self.cfg.repeat_snapshots.max(2);
        let skew = self.cfg.time_skew_secs;
        let p = &mut self.points[i];
        let mut kind = None;
        if let Some(last) = p.dt.last_record {
            let header_advanced = p.dt.last_header.is_some_and(|h| up.time > h);
            if r.time < last {
                kind = Some((0, format!("record time {} earlier than the point's previous record time {}", hm(r.time), hm(last))));
                p.dt.repeats = 0;
            } else if r.time == last && header_advanced {
                p.dt.repeats += 1;
                if p.dt.repeats + 1 >= cfg_repeat {
                    kind = Some((
                        1,
                        format!(
                            "record time {} repeated in {} snapshots while the file time advanced to {}",
                            hm(r.time),
                            p.dt.repeats + 1,
                            hm(up.time)
                        ),
                    ));
                }
            } else if r.time > last {
                p.dt.repeats = 0;
            }
        }
        if kind.is_none() && r.time.secs_since(up.time).abs() > skew {
            kind = Some((
                2,
                format!(
                    "record time {} is {} from the file time {}",
                    hm(r.time),
                    human_duration(r.time.secs_since(up.time).abs()),
                    hm(up.time)
                ),
            ));
        }
        if p.dt.last_header.is_none_or(|h| up.time >= h) {
            p.dt.last_header = Some(up.time);
        }
        p.dt.last_record = Some(r.time);
        if let Some((k, detail)) = kind {
            let ev = Snap::of(up, record, r).evidence(&p.code, detail);
            let tf = &mut self.time_faults[k];
            if tf.start.is_none() {
                tf.start = Some(up.time);
            }
            tf.now = true;
            tf.last = up.time;
            tf.count += 1;
            if tf.examples.len() < 5 {
                tf.examples.push(ev);
            }
        }
    }

    fn data_time_snapshot(&mut self, out: &mut Vec<Finding>) {
        for k in 0..3 {
            if self.time_faults[k].now {
                self.time_faults[k].now = false;
                continue;
            }
            if self.time_faults[k].start.is_some() {
                let tf = std::mem::take(&mut self.time_faults[k]);
                out.push(self.time_finding(k, tf, true));
            }
        }
    }

    fn time_finding(&self, k: usize, tf: TimeFault, closed: bool) -> Finding {
        let start = tf.start.unwrap_or_default();
        let what = ["go backwards", "repeat across snapshots while the file time advances", "lie far from the file time"][k];
        let title = format!(
            "Monitoring data times {what}: {} readings between {} and {}; data time is not trustworthy",
            tf.count,
            hm(start),
            hm(tf.last)
        );
        let key = format!("{}|scope:mine", ["backwards", "repeated", "skew"][k]);
        let end = closed.then_some(tf.last);
        self.make(
            MON6,
            start,
            end,
            "safety monitoring (CDSS)",
            &key,
            title,
            tf.examples,
            vec!["scope:mine".into(), format!("kind:{}", ["backwards", "repeated", "skew"][k])],
            1.0,
        )
    }

    // ---- MON-7: calibration / suspension ------------------------------------------

    fn in_producing_shift(&self, t: Timestamp) -> bool {
        let s = t.beijing_seconds_of_day();
        self.producing.iter().any(|&(a, b)| if a <= b { s >= a && s < b } else { s >= a || s < b })
    }

    fn status_on_reading(&mut self, up: &Upload<'_>, record: usize, i: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        let day = (r.time.0 + 8 * 3600).div_euclid(86_400);
        if self.points[i].st.day != day {
            self.status_flush(i, out);
            let st = &mut self.points[i].st;
            st.day = day;
            st.secs = 0;
            st.prev = None;
            st.first = None;
            st.last = None;
            st.bits = 0;
            st.opened = false;
        }
        let flagged = r.status.has(Status::CALIBRATION | Status::SUSPENDED);
        let in_shift = flagged && self.in_producing_shift(r.time);
        let cap = self.cfg.silent_secs;
        let limit = self.cfg.status_in_shift_secs;
        let st = &mut self.points[i].st;
        st.last_flagged = in_shift;
        if in_shift {
            if let Some(p) = st.prev {
                st.secs += r.time.secs_since(p).clamp(0, cap);
            }
            st.prev = Some(r.time);
            st.bits |= r.status.0 & (Status::CALIBRATION | Status::SUSPENDED);
            if st.first.is_none() {
                st.first = Some(Snap::of(up, record, r));
            }
            match &mut st.last {
                Some(l) => l.set(up, record, r),
                None => st.last = Some(Snap::of(up, record, r)),
            }
            if st.secs > limit && !st.opened {
                st.opened = true;
                out.push(self.status_finding(i, None));
            }
        } else {
            st.prev = None;
        }
        // Calibration overdue (methane only).
        if self.points[i].quantity != Some(Quantity::Methane) {
            return;
        }
        let due = self.cfg.calibration_days * 86_400;
        let cal = r.status.has(Status::CALIBRATION);
        let st = &mut self.points[i].st;
        if cal {
            match &mut st.last_cal {
                Some(l) => l.set(up, record, r),
                None => st.last_cal = Some(Snap::of(up, record, r)),
            }
            let was = st.overdue.take();
            st.cal_ref = Some(r.time);
            if let Some(since) = was {
                let ev = Snap::of(up, record, r).evidence(&self.points[i].code, "calibration status seen: the overdue period ends".into());
                out.push(self.overdue_finding(i, since, Some((r.time, ev))));
            }
            return;
        }
        let reference = *st.cal_ref.get_or_insert(r.time);
        if st.overdue.is_none() && r.time.secs_since(reference) > due {
            let since = reference.plus_secs(due);
            st.overdue = Some(since);
            let ev = Snap::of(up, record, r)
                .evidence(&self.points[i].code, format!("reading at {} without calibration since {}", hm(r.time), hm(reference)));
            let mut f = self.overdue_finding(i, since, None);
            f.evidence.push(ev);
            out.push(f);
        }
    }

    fn overdue_finding(&self, i: usize, since: Timestamp, end: Option<(Timestamp, Evidence)>) -> Finding {
        let p = &self.points[i];
        let days = self.cfg.calibration_days;
        let mut evidence = Vec::new();
        match &p.st.last_cal {
            Some(c) => evidence.push(c.evidence(&p.code, "last reading with calibration status".into())),
            None => evidence.push(Evidence {
                file: String::new(),
                point: Some(p.code.clone()),
                time: Some(since.plus_secs(-days * 86_400)),
                detail: Some("first reading of the point seen; no calibration status since".into()),
                ..Default::default()
            }),
        }
        let (end_t, title) = match end {
            Some((t, ev)) => {
                evidence.push(ev);
                (
                    Some(t),
                    format!(
                        "Methane sensor at {} went without calibration for more than {days} days (overdue {} to {})",
                        p.label(),
                        hm(since),
                        hm(t)
                    ),
                )
            }
            None => (None, format!("Methane sensor at {} has no calibration for more than {days} days (due {})", p.label(), hm(since))),
        };
        let key = format!("overdue|{}|{}", p.place(), p.code);
        self.make(
            MON7,
            since,
            end_t,
            p.place(),
            &key,
            title,
            evidence,
            vec![format!("point:{}", p.code), "kind:calibration_overdue".into()],
            0.8,
        )
    }

    fn status_flush(&mut self, i: usize, out: &mut Vec<Finding>) {
        let st = &self.points[i].st;
        if st.secs > self.cfg.status_in_shift_secs && st.first.is_some() {
            out.push(self.status_finding(i, st.last.as_ref().map(|l| l.time)));
        }
    }

    fn status_finding(&self, i: usize, end: Option<Timestamp>) -> Finding {
        let p = &self.points[i];
        let st = &p.st;
        let first = st.first.clone().unwrap_or_default();
        let names = Status(st.bits).names().join(" / ");
        let mut evidence = vec![first.evidence(&p.code, format!("first {names} reading during a producing shift that day"))];
        if let Some(l) = &st.last {
            evidence.push(l.evidence(&p.code, format!("latest {names} reading; {} in producing shifts that day", human_duration(st.secs))));
        }
        let title = format!(
            "{} sensor at {} was in {names} status for {} during producing shifts on {} (allowed {})",
            p.kind_label(),
            p.label(),
            human_duration(st.secs),
            first.time.beijing_date(),
            human_duration(self.cfg.status_in_shift_secs)
        );
        let key = format!("status|{}|{}", p.place(), p.code);
        self.make(
            MON7,
            first.time,
            end,
            p.place(),
            &key,
            title,
            evidence,
            vec![format!("point:{}", p.code), "kind:status_in_shift".into()],
            0.9,
        )
    }

    // ---- MON-8: loosened or removed definitions -----------------------------------

    fn definitions(&mut self, up: &Upload<'_>, defs: &[(usize, PointDef)], out: &mut Vec<Finding>) {
        let known = self.points.iter().filter(|p| p.defined).count();
        let mut in_file = 0usize;
        let mut listed: Vec<usize> = Vec::with_capacity(defs.len());
        for (record, d) in defs {
            let i = self.point_id(&d.code);
            if self.points[i].defined {
                in_file += 1;
            }
            listed.push(i);
            let new = DefInfo {
                substation: d.substation.clone(),
                unit: d.unit.clone(),
                thresholds: d.thresholds,
                location: d.location.clone(),
                xyz: (d.x, d.y, d.z),
                file: up.file.to_string(),
                record: *record,
                time: up.time,
            };
            if let Some(old) = self.points[i].def.as_ref().filter(|_| self.points[i].defined) {
                let changes = def_changes(old, &new, d, self.cfg.move_metres);
                if !changes.is_empty() {
                    let f = self.def_finding(i, old, &new, &changes);
                    out.push(f);
                }
            }
            let class = self.classes.get(&d.code).copied();
            let p = &mut self.points[i];
            p.quantity = quantity_of(d.sensor_type);
            p.factor = p.quantity.and_then(|q| unit_factor(q, &d.unit));
            p.analog = d.kind == ValueKind::Analog && p.quantity.is_some() && p.factor.is_some();
            if !d.location.is_empty() {
                p.location.clone_from(&d.location);
            }
            p.class = class.unwrap_or_else(|| infer_class(&p.location));
            if !p.defined {
                p.defined = true;
                p.sil.good_m = self.mclock;
                p.sil.ref_time = Some(up.time);
            }
            p.def = Some(new);
        }
        let full = known > 0 && (in_file as f64) >= self.cfg.full_list_share * known as f64;
        if !full {
            return;
        }
        listed.sort_unstable();
        for i in 0..self.points.len() {
            if !self.points[i].defined || listed.binary_search(&i).is_ok() {
                continue;
            }
            let f = self.removed_finding(i, up, defs.len(), known);
            out.push(f);
            let p = &mut self.points[i];
            p.defined = false;
            if let Some(start) = p.sil.open.take() {
                let ev = file_evidence(up.file, up.time, "point removed from the definitions: its silence is no longer followed".into());
                out.push(self.silent_finding(i, start, Some((up.time, ev))));
            }
        }
    }

    fn def_finding(&self, i: usize, old: &DefInfo, new: &DefInfo, changes: &[String]) -> Finding {
        let p = &self.points[i];
        let evidence = vec![
            Evidence {
                file: old.file.clone(),
                record: Some(old.record),
                point: Some(p.code.clone()),
                time: Some(old.time),
                detail: Some(format!("earlier definition: {}", describe_def(old))),
                ..Default::default()
            },
            Evidence {
                file: new.file.clone(),
                record: Some(new.record),
                point: Some(p.code.clone()),
                time: Some(new.time),
                detail: Some(format!("later definition: {}; changed: {}", describe_def(new), changes.join("; "))),
                ..Default::default()
            },
        ];
        let title = format!(
            "A later point definition (CDDY) of the {} sensor at {} {}",
            p.kind_label().to_lowercase(),
            p.label(),
            changes.join("; ")
        );
        let key = format!("def|{}", p.code);
        let mut tags = vec![format!("point:{}", p.code)];
        if changes.iter().any(|c| c.starts_with("loosens")) {
            tags.push("kind:loosened".into());
        }
        if changes.iter().any(|c| c.starts_with("moves")) {
            tags.push("kind:moved".into());
        }
        let mut f = self.make(MON8, new.time, Some(new.time), p.place(), &key, title, evidence, tags, 1.0);
        f.tags.push("hook:CSR-SENS-1".into());
        f
    }

    fn removed_finding(&self, i: usize, up: &Upload<'_>, listed: usize, known: usize) -> Finding {
        let p = &self.points[i];
        let mut evidence = Vec::new();
        if let Some(d) = &p.def {
            evidence.push(Evidence {
                file: d.file.clone(),
                record: Some(d.record),
                point: Some(p.code.clone()),
                time: Some(d.time),
                detail: Some(format!("last definition of the point: {}", describe_def(d))),
                ..Default::default()
            });
        }
        evidence.push(file_evidence(
            up.file,
            up.time,
            format!("full re-definition ({listed} points, {known} known before) without point {}", p.code),
        ));
        let title = format!("The {} sensor at {} was removed from the point definitions (CDDY)", p.kind_label().to_lowercase(), p.label());
        let key = format!("removed|{}", p.code);
        let mut f = self.make(
            MON8,
            up.time,
            Some(up.time),
            p.place(),
            &key,
            title,
            evidence,
            vec![format!("point:{}", p.code), "kind:removed".into()],
            0.9,
        );
        f.tags.push("hook:CSR-SENS-1".into());
        f
    }

    // ---- MON-9: silence where people are ------------------------------------------

    fn people_on_positions(&mut self, up: &Upload<'_>, positions: &[(usize, Position)]) {
        self.people.clear();
        self.people_file.clear();
        self.people_file.push_str(up.file);
        self.people_time = Some(up.time);
        if self.areas.is_empty() {
            return;
        }
        for (record, pos) in positions {
            if pos.state != PositionState::Underground {
                continue;
            }
            let Some(area) = &pos.area else {
                continue;
            };
            if self.areas.iter().any(|a| &a.code == area) {
                self.people.push(Present {
                    card: pos.card.clone(),
                    area: area.clone(),
                    time: pos.area_since.unwrap_or(up.time),
                    record: *record,
                });
            }
        }
    }

    /// Opens or closes MON-9 per area at event time `t`.
    fn people_eval(&mut self, t: Timestamp, out: &mut Vec<Finding>) {
        let stopped = self.cdss_stopped_at(t);
        let people_fresh = self.people_time.is_some_and(|pt| t.secs_since(pt) <= self.cfg.ryss_gap_secs);
        for k in 0..self.areas.len() {
            let area = &self.areas[k];
            let silent: Vec<usize> = area
                .points
                .iter()
                .copied()
                .filter(|&i| {
                    let p = &self.points[i];
                    stopped.is_some()
                        || p.sil.open.is_some()
                        || (self.sub_down(p) && p.substation().and_then(|s| self.subs.get(s)).is_some_and(|s| s.open))
                })
                .collect();
            let present: Vec<&Present> =
                if people_fresh { self.people.iter().filter(|p| p.area == area.code).collect() } else { Vec::new() };
            let both = !silent.is_empty() && !present.is_empty();
            match (&area.open, both) {
                (None, true) => {
                    let mut evidence: Vec<Evidence> = Vec::new();
                    for &i in silent.iter().take(10) {
                        let p = &self.points[i];
                        let why = if let Some(l) = stopped {
                            format!("no CDSS upload since {}", hm(l))
                        } else if let Some(s) = p.sil.open {
                            format!("point silent since {}", hm(s))
                        } else {
                            format!("substation {} down", p.substation().unwrap_or("?"))
                        };
                        evidence.push(Evidence {
                            file: p.sil.last_good.as_ref().map(|g| g.file.clone()).unwrap_or_default(),
                            point: Some(p.code.clone()),
                            time: p.sil.last_good.as_ref().map(|g| g.time),
                            detail: Some(format!("{} at {}: {why}", p.kind_label(), p.place())),
                            ..Default::default()
                        });
                    }
                    for pr in present.iter().take(20) {
                        evidence.push(Evidence {
                            file: self.people_file.clone(),
                            record: Some(pr.record),
                            card: Some(pr.card.clone()),
                            area: Some(pr.area.clone()),
                            time: Some(pr.time),
                            detail: Some(format!("card {} in area {} (in the area since {})", pr.card, pr.area, hm(pr.time))),
                            ..Default::default()
                        });
                    }
                    let summary = format!("{} silent monitoring points, {} people present", silent.len(), present.len());
                    let code = area.code.clone();
                    let f = self.people_finding(&code, t, None, evidence.clone(), &summary);
                    out.push(f);
                    self.areas[k].open = Some((t, evidence, summary));
                }
                (Some(_), false) => {
                    if let Some((start, mut evidence, summary)) = self.areas[k].open.take() {
                        let why = if silent.is_empty() { "monitoring reports again" } else { "no people in the area any more" };
                        evidence.push(Evidence {
                            file: String::new(),
                            area: Some(self.areas[k].code.clone()),
                            time: Some(t),
                            detail: Some(format!("{why} at {}", hm(t))),
                            ..Default::default()
                        });
                        let code = self.areas[k].code.clone();
                        out.push(self.people_finding(&code, start, Some(t), evidence, &summary));
                    }
                }
                _ => {}
            }
        }
    }

    fn people_finding(&self, area: &str, start: Timestamp, end: Option<Timestamp>, evidence: Vec<Evidence>, summary: &str) -> Finding {
        let title = match end {
            Some(e) => format!("Monitoring was silent in area {area} while people worked there, {} to {} ({summary})", hm(start), hm(e)),
            None => format!("Monitoring silent in area {area} while people work there, since {} ({summary})", hm(start)),
        };
        let place = format!("area {area}");
        let key = format!("area|{area}");
        self.make(MON9, start, end, &place, &key, title, evidence, vec![format!("area:{area}")], 0.9)
    }

    /// The point a reading belongs to; a point first seen here takes its type from the
    /// CDSS sensor name.
    fn reading_at(&mut self, up: &Upload<'_>, record: usize, i: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        self.data_time_on_reading(up, record, i, r);
        self.silence_on_reading(up, record, i, r, out);
        self.status_on_reading(up, record, i, r, out);
        self.series_on_reading(up, record, i, r, out);
    }

    fn point_for_reading(&mut self, r: &Reading<'_>) -> usize {
        let i = self.point_id(r.point);
        let p = &mut self.points[i];
        if p.def.is_none() && p.quantity.is_none() && p.location.is_empty() {
            p.location = r.location.to_string();
            let sensor = sensor_from_name(r.sensor_name);
            p.quantity = sensor.and_then(quantity_of);
            p.factor = p.quantity.and_then(|q| unit_factor(q, r.unit));
            p.analog = p.quantity.is_some() && p.factor.is_some();
            if !self.classes.contains_key(r.point) {
                p.class = infer_class(r.location);
            }
        }
        i
    }
}

impl Covered {
    fn add(&mut self, a: f64, b: f64) {
        if a.is_nan() || b.is_nan() {
            return;
        }
        self.n += 1.0;
        self.sa += a;
        self.sb += b;
        self.saa += a * a;
        self.sbb += b * b;
        self.sab += a * b;
    }

    fn var(&self) -> (f64, f64) {
        let n = self.n.max(1.0);
        ((self.saa / n - (self.sa / n).powi(2)).max(0.0), (self.sbb / n - (self.sb / n).powi(2)).max(0.0))
    }

    fn corr(&self) -> f64 {
        let n = self.n.max(1.0);
        let (va, vb) = self.var();
        let cov = self.sab / n - (self.sa / n) * (self.sb / n);
        if va <= 0.0 || vb <= 0.0 {
            return 0.0;
        }
        cov / (va * vb).sqrt()
    }

    /// The neighbours move together: correlated, or both steady at comparable levels.
    fn together(&self, cfg: &IntegrityConfig) -> bool {
        if self.n < 3.0 {
            return false;
        }
        let n = self.n;
        let (ma, mb) = (self.sa / n, self.sb / n);
        let (va, vb) = self.var();
        let steady = ma > 0.0 && mb > 0.0 && va.sqrt() / ma < 0.1 && vb.sqrt() / mb < 0.1 && ma.max(mb) / ma.min(mb) < 1.5;
        self.corr() >= cfg.covered_min_corr || steady
    }

    fn confidence(&self, cfg: &IntegrityConfig) -> f64 {
        let depth = 1.0 - (self.min_ratio / cfg.covered_ratio).clamp(0.0, 1.0);
        (0.6 + 0.2 * self.corr().max(0.0) + 0.2 * depth).min(0.98)
    }
}

/// Points in the air of one face district: gas only adds up along them. Intakes and
/// the panel, wing and main returns mix other air, so they are not compared.
fn same_air_class(c: LocationClass) -> bool {
    !matches!(
        c,
        LocationClass::LongwallIntake
            | LocationClass::MainIntake
            | LocationClass::PanelReturn
            | LocationClass::WingReturn
            | LocationClass::MainReturn
    )
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `HH:MM` (00:00–24:00) to seconds of the day.
fn hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some((h * 3600 + m * 60) % 86_400 + if h == 24 { 86_400 } else { 0 })
}

fn fmt_th(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_else(|| "none".into())
}

fn describe_def(d: &DefInfo) -> String {
    let t = &d.thresholds;
    format!(
        "location {}, alarm {}, cut-off {}, restore {}, low alarm {}, low cut-off {}, low restore {} ({})",
        d.location,
        fmt_th(t.alarm_high),
        fmt_th(t.cut_high),
        fmt_th(t.restore_high),
        fmt_th(t.alarm_low),
        fmt_th(t.cut_low),
        fmt_th(t.restore_low),
        d.unit
    )
}

/// What a later definition changes that weakens monitoring: thresholds moved away
/// from danger (or dropped), the place changed.
fn def_changes(old: &DefInfo, new: &DefInfo, d: &PointDef, move_metres: f64) -> Vec<String> {
    let mut out = Vec::new();
    // Compare in one unit when the unit text changed.
    let q = quantity_of(d.sensor_type);
    let (fo, fn_) = match q {
        Some(q) if old.unit != new.unit => match (unit_factor(q, &old.unit), unit_factor(q, &new.unit)) {
            (Some(a), Some(b)) => (a, b),
            _ => (1.0, 1.0),
        },
        _ => (1.0, 1.0),
    };
    let (o, n) = (&old.thresholds, &new.thresholds);
    let high = [("alarm", o.alarm_high, n.alarm_high), ("cut-off", o.cut_high, n.cut_high), ("restore", o.restore_high, n.restore_high)];
    for (name, a, b) in high {
        match (a, b) {
            (Some(a), Some(b)) if b * fn_ > a * fo + EPS => out.push(format!("loosens the {name} threshold from {a} to {b}")),
            (Some(a), None) => out.push(format!("loosens the {name} threshold by removing it (was {a})")),
            _ => {}
        }
    }
    let low =
        [("low alarm", o.alarm_low, n.alarm_low), ("low cut-off", o.cut_low, n.cut_low), ("low restore", o.restore_low, n.restore_low)];
    for (name, a, b) in low {
        match (a, b) {
            (Some(a), Some(b)) if b * fn_ < a * fo - EPS => out.push(format!("loosens the {name} threshold from {a} to {b}")),
            (Some(a), None) => out.push(format!("loosens the {name} threshold by removing it (was {a})")),
            _ => {}
        }
    }
    if old.location.trim() != new.location.trim() && !old.location.trim().is_empty() && !new.location.trim().is_empty() {
        out.push(format!("moves it from \"{}\" to \"{}\"", old.location.trim(), new.location.trim()));
    } else if let ((Some(x0), Some(y0), z0), (Some(x1), Some(y1), z1)) = (old.xyz, new.xyz) {
        let dz = match (z0, z1) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        };
        let dist = ((x1 - x0).powi(2) + (y1 - y0).powi(2) + dz * dz).sqrt();
        if dist > move_metres {
            out.push(format!("moves it by {dist:.1} m (coordinates changed)"));
        }
    }
    out
}

impl Detector for IntegrityRules {
    fn name(&self) -> &'static str {
        "integrity"
    }

    fn on_upload(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {
        self.upload_stop_on_upload(up, out);
    }

    fn on_definitions(&mut self, up: &Upload<'_>, defs: &[(usize, PointDef)], out: &mut Vec<Finding>) {
        self.definitions(up, defs, out);
    }

    fn on_reading(&mut self, up: &Upload<'_>, record: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        let i = self.point_for_reading(r);
        self.reading_at(up, record, i, r, out);
    }

    fn on_reading_at(&mut self, up: &Upload<'_>, record: usize, slot: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        let i = match self.by_slot.get(slot) {
            Some(&i) if i != u32::MAX => i as usize,
            _ => {
                let i = self.point_for_reading(r);
                if self.by_slot.len() <= slot {
                    self.by_slot.resize(slot + 1, u32::MAX);
                }
                self.by_slot[slot] = u32::try_from(i).unwrap_or(u32::MAX);
                i
            }
        };
        self.reading_at(up, record, i, r, out);
    }

    fn on_readings_end(&mut self, up: &Upload<'_>, out: &mut Vec<Finding>) {
        self.data_time_snapshot(out);
        self.silence_sweep(up, out);
        self.series_snapshot(up, out);
        self.covered_snapshot(up, out);
        self.people_eval(up.time, out);
    }

    fn on_substation(&mut self, up: &Upload<'_>, record: usize, code: &str, run: LinkState, supply: SupplyState, out: &mut Vec<Finding>) {
        let down = matches!(run, LinkState::Interrupted | LinkState::Fault);
        let s = self.sub_mut(code);
        if s.fzss_down == down {
            return;
        }
        s.fzss_down = down;
        let state = if down { "down" } else { "up" };
        let ev = Evidence {
            file: up.file.to_string(),
            record: Some(record),
            time: Some(up.time),
            detail: Some(format!("FZSS: substation {code} link state {} (supply {}): {state}", run.code(), supply.code())),
            ..Default::default()
        };
        self.sub_update(code, up.time, Some(ev), out);
    }

    fn on_positions(&mut self, up: &Upload<'_>, positions: &[(usize, Position)], out: &mut Vec<Finding>) {
        self.people_on_positions(up, positions);
        self.people_eval(up.time, out);
    }

    fn tick(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        self.clock = Some(self.clock.map_or(now, |c| c.max(now)));
        self.upload_stop_tick(now, out);
    }

    fn finish(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        self.upload_stop_tick(now, out);
        for i in 0..self.points.len() {
            if self.points[i].st.opened || self.points[i].st.secs > self.cfg.status_in_shift_secs {
                let end = if self.points[i].st.last_flagged { None } else { self.points[i].st.last.as_ref().map(|l| l.time) };
                if self.points[i].st.first.is_some() {
                    out.push(self.status_finding(i, end));
                }
            }
        }
        for k in 0..3 {
            if self.time_faults[k].start.is_some() {
                let tf = std::mem::take(&mut self.time_faults[k]);
                out.push(self.time_finding(k, tf, true));
            }
        }
    }
}
