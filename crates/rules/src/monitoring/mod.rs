//! Safety-monitoring rules (安全监控): over-limit gas, air, wind and temperature
//! events, failed methane power cuts, methane ≥ 3.0 % for more than 10 min, and
//! declared sensor settings laxer than the regulation.
//!
//! The detector is pure, per mine and in event time: the engine feeds it point
//! definitions (CDDY) and readings (CDSS) in event-time order per point, and it
//! returns findings when events close. Limits come from the versioned tables
//! ([`crate::tables`]); each event is judged by the version in force at its start
//! and keeps it until it closes, even across a switch date.
//!
//! One physical event is one finding where the rules overlap. Methane rules are
//! ranked from the most specific to the least: CSR-GAS-4 (≥ 2.0 % anywhere),
//! CSR-GAS-3 (faces), CSR-GAS-2 (face and panel returns), CSR-GAS-1 (main returns),
//! CSR-GAS-5 (the sensor table's alarm level). A CSR-GAS-5 event is reported only if
//! no other methane rule fired during it; a CSR-GAS-1…4 event only if at least one
//! of its readings was not also covered by a more specific rule. A spike from 0.3 %
//! to 2.1 % and back at a face is therefore CSR-GAS-4 alone, while a face that sat at
//! 1.6 % for an hour around a short 2.1 % peak gives CSR-GAS-3 for the hour and
//! CSR-GAS-4 for the peak — both spans carry their own legal action. The failed
//! power cut and CM26-2.8 are different matters (the interlock, the duration) and
//! are reported beside the gas rule.
//!
//! A reading over the mine's own declared alarm (CDDY 上限报警门限) but under every
//! regulation limit is not a finding: the mine may set stricter alarms, and
//! reporting them would flood regulators. A declared cut-off stricter than the
//! table's is the cut-off the failed-power-cut check holds the mine to.
//!
//! CM26-2.8 is excused when a main or auxiliary fan point of the mine reads stopped
//! at the event's start or during it (as seen in delivery order), or when a registry
//! manual event (`fan_stopped`, `power_outage`, `drill_blowout`) overlaps it at the
//! point or the whole mine. Its duration is the span proven by readings: first to
//! last reading at or over 3.0 %.
//!
//! Memory follows the number of points: per point a few cached checks and the
//! open events (first, peak and last reading each). Normal readings allocate nothing.

mod classify;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use classify::{class_label, infer_class, is_fan, quantity_of, sensor_from_name, unit_factor};

use minesafe_model::registry::{GasGrade, ManualEvent, MineInfo};
use minesafe_model::time::human_duration;
use minesafe_model::{Evidence, Finding, LocationClass, PointDef, Reading, SensorType, Status, Thresholds, Timestamp};

use crate::catalog::{finding, in_force_id};
use crate::detector::{TAG_OPEN, TAG_WITHDRAWN};
use crate::tables::{tables, Op, Quantity};

/// The sensor-table alarm rule, the least specific methane rule.
const GAS5: &str = "CSR-GAS-5";
/// Failed power cut, cited by its in-force successor (CM26-11.4 from 2026-07-01).
const FAILED_CUT: &str = "CM-4.2";
/// Working on after an over-limit: the legal hook of a failed power cut.
const WORK_ON_HOOK: &str = "CM-2.2";
const SENS: &str = "CSR-SENS-1";
/// Harmful-gas maxima: a gas sensor alarming above them is set too laxly.
const HARMFUL_GAS_RULE: &str = "CSR-AIR-2";
/// Methane rules from the most specific to the least; the index is the rank.
const METHANE_LADDER: [&str; 5] = ["CSR-GAS-4", "CSR-GAS-3", "CSR-GAS-2", "CSR-GAS-1", GAS5];
const GAS5_RANK: u8 = 4;
/// Registry manual events that excuse CM26-2.8 (ORD21 Art 5(8): outage, blow-out).
const EXCUSING_EVENTS: [&str; 3] = ["fan_stopped", "power_outage", "drill_blowout"];
/// Declared thresholds are compared with a tolerance for decimal text like 1.50.
const EPS: f64 = 1e-9;
/// A fan point reading below this is stopped (binary 0 = 停).
const FAN_RUNNING_MIN: f64 = 0.5;

/// Point state by code. Codes come from uploads, so the hasher is seeded per map
/// (foldhash's random state) yet much faster than SipHash on the hot path.
type PointMap<V> = HashMap<String, V, foldhash::fast::RandomState>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A limit row: CSR-GAS-1…4, CSR-AIR-*, CSR-WIND-1, CSR-TEMP-1, CM26-2.8.
    Limit,
    /// The methane-sensor table's alarm level (CSR-GAS-5).
    SensorAlarm,
    /// At or over the cut-off without the power-cut status bit.
    FailedCut,
}

/// One limit a point's readings are held against, resolved for a table version.
#[derive(Clone, Copy, Debug)]
struct Check {
    kind: Kind,
    rule: &'static str,
    op: Op,
    limit: f64,
    rank: Option<u8>,
    longer_than: Option<i64>,
    provisional: bool,
    /// Whether the row depends on the location class (an inferred class then matters).
    class_dependent: bool,
}

impl Check {
    #[inline]
    fn holds(&self, v: f64, status: Status) -> bool {
        self.op.over(v, self.limit) && !(self.kind == Kind::FailedCut && status.has(Status::POWER_CUT))
    }

    /// Same event stream: a new table version of the same rule and direction does
    /// not open a second event while the first is still open.
    fn same_slot(&self, o: &Check) -> bool {
        self.kind == o.kind && self.rule == o.rule && self.op.is_low() == o.op.is_low()
    }
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
    fn new(file: &str, record: usize, value: f64, r: &Reading<'_>) -> Self {
        Snap { file: file.to_string(), record, value, status: r.status, time: r.time }
    }

    /// Overwrites in place, reusing the file-name buffer.
    fn set(&mut self, file: &str, record: usize, value: f64, r: &Reading<'_>) {
        self.file.clear();
        self.file.push_str(file);
        self.record = record;
        self.value = value;
        self.status = r.status;
        self.time = r.time;
    }

    fn same_record(&self, o: &Snap) -> bool {
        self.record == o.record && self.time == o.time && self.file == o.file
    }

    fn evidence(&self, point: &str, detail: &str) -> Evidence {
        Evidence {
            file: self.file.clone(),
            record: Some(self.record),
            point: Some(point.to_string()),
            value: Some(self.value),
            status: Some(self.status.0),
            status_bits: self.status.names().into_iter().map(str::to_string).collect(),
            time: Some(self.time),
            detail: Some(detail.to_string()),
            ..Default::default()
        }
    }
}

struct OpenEvent {
    check: Check,
    start: Timestamp,
    first: Snap,
    peak: Snap,
    last: Snap,
    /// Peak in the table unit.
    peak_norm: f64,
    /// Some reading had no more specific methane rule active beside this one.
    top_once: bool,
    /// Some reading had a more specific methane rule active beside this one.
    covered_once: bool,
    /// A fan was already stopped when the event opened (CM26-2.8 exception).
    excused: bool,
    fan_stops_at_open: u64,
    /// Pushed open already (live mode): a later non-qualifying close withdraws it.
    announced: bool,
}

impl OpenEvent {
    fn new(check: Check, file: &str, record: usize, raw: f64, v: f64, r: &Reading<'_>, ctx: &MineContext) -> Self {
        let snap = Snap::new(file, record, raw, r);
        OpenEvent {
            check,
            start: r.time,
            first: snap.clone(),
            peak: snap.clone(),
            last: snap,
            peak_norm: v,
            top_once: false,
            covered_once: false,
            excused: ctx.fans_stopped > 0,
            fan_stops_at_open: ctx.fan_stops,
            announced: false,
        }
    }

    fn extend(&mut self, file: &str, record: usize, raw: f64, v: f64, r: &Reading<'_>) {
        let worse = if self.check.op.is_low() { v < self.peak_norm } else { v > self.peak_norm };
        if worse {
            self.peak_norm = v;
            self.peak.set(file, record, raw, r);
        }
        self.last.set(file, record, raw, r);
    }
}

/// What the detector knows about a point, from CDDY, the registry or the reading.
struct PointInfo {
    quantity: Option<Quantity>,
    fan: bool,
    class: LocationClass,
    inferred: bool,
    /// From the point's unit to the table unit; `None` = unit not understood.
    factor: Option<f64>,
    location: String,
    /// Declared 上限断电门限, in the table unit.
    declared_cut: Option<f64>,
}

impl PointInfo {
    fn new(ctx: &MineContext, code: &str, sensor: Option<SensorType>, unit: &str, location: &str, declared: Option<&Thresholds>) -> Self {
        let quantity = sensor.and_then(quantity_of);
        let (class, inferred) = match ctx.classes.get(code) {
            Some(c) => (*c, false),
            None => (infer_class(location), true),
        };
        let factor = quantity.and_then(|q| unit_factor(q, unit));
        let declared_cut = declared.and_then(|t| t.cut_high).zip(factor).map(|(c, f)| c * f);
        PointInfo { quantity, fan: sensor.is_some_and(is_fan), class, inferred, factor, location: location.to_string(), declared_cut }
    }

    fn place<'a>(&'a self, code: &'a str) -> &'a str {
        if self.location.is_empty() {
            code
        } else {
            &self.location
        }
    }
}

struct PointState {
    info: PointInfo,
    checks: Vec<Check>,
    /// `checks` hold for reading times in `[window.0, window.1)`.
    window: (Timestamp, Timestamp),
    open: Vec<OpenEvent>,
    last_time: Option<Timestamp>,
    fan_stopped: bool,
    /// The fan has been seen running: only then is a stop an outage.
    fan_seen_running: bool,
    /// Thresholds last reported by CSR-SENS-1, so a re-sent CDDY is not re-reported.
    reported: Option<Thresholds>,
}

/// An empty window: the first reading computes the checks.
const STALE: (Timestamp, Timestamp) = (Timestamp(1), Timestamp(0));

impl PointState {
    fn new(info: PointInfo) -> Self {
        PointState {
            info,
            checks: Vec::new(),
            window: STALE,
            open: Vec::new(),
            last_time: None,
            fan_stopped: false,
            fan_seen_running: false,
            reported: None,
        }
    }
}

struct MineContext {
    mine: String,
    /// Location classes from the registry, by point code.
    classes: HashMap<String, LocationClass>,
    grade: Option<GasGrade>,
    excusing: Vec<ManualEvent>,
    /// Fan points currently reading stopped.
    fans_stopped: u32,
    /// Count of fan stops seen, so an event can tell whether one happened during it.
    fan_stops: u64,
    /// Live mode: push a finding when its event opens, not only when it closes.
    announce: bool,
}

impl MineContext {
    fn manual_excuse(&self, code: &str, location: &str, start: Timestamp, end: Option<Timestamp>) -> bool {
        let end = end.unwrap_or(Timestamp(i64::MAX));
        self.excusing.iter().any(|m| {
            m.start <= end
                && m.end.is_none_or(|e| e >= start)
                && (m.places.is_empty() || m.places.iter().any(|p| p == code || (!location.is_empty() && p == location)))
        })
    }
}

/// The safety-monitoring detector of one mine.
pub struct MonitoringRules {
    ctx: MineContext,
    points: PointMap<PointState>,
}

impl MonitoringRules {
    pub fn new(mine: &str, info: Option<&MineInfo>) -> Self {
        let ctx = MineContext {
            mine: mine.to_string(),
            classes: info.map(|i| i.points.iter().map(|p| (p.code.clone(), p.class)).collect()).unwrap_or_default(),
            grade: info.and_then(|i| i.gas_grade),
            excusing: info
                .map(|i| i.manual_events.iter().filter(|m| EXCUSING_EVENTS.contains(&m.kind.as_str())).cloned().collect())
                .unwrap_or_default(),
            fans_stopped: 0,
            fan_stops: 0,
            announce: false,
        };
        MonitoringRules { ctx, points: PointMap::default() }
    }

    /// Live mode: findings are also pushed when their event opens (`end: None`, tag
    /// `open`) as soon as the event qualifies, and pushed again with the same id when
    /// it closes; an announced event that in the end does not qualify is pushed with
    /// the tag `withdrawn`. Batch runs leave this off and see closed events only.
    pub fn set_announce(&mut self, on: bool) {
        self.ctx.announce = on;
    }

    /// A CDDY file (re)defines points. Returns CSR-SENS-1 findings (declared thresholds
    /// laxer than the regulation for the point's location class), and closes events of
    /// points whose sensor type changed.
    pub fn on_definitions(&mut self, file: &str, defs: &[(usize, PointDef)], upload_time: Timestamp) -> Vec<Finding> {
        let mut out = Vec::new();
        for (record, def) in defs {
            let info = PointInfo::new(&self.ctx, &def.code, Some(def.sensor_type), &def.unit, &def.location, Some(&def.thresholds));
            if !self.points.contains_key(def.code.as_str()) {
                self.points.insert(def.code.clone(), PointState::new(info_placeholder()));
            }
            let Some(st) = self.points.get_mut(def.code.as_str()) else {
                continue;
            };
            if st.info.quantity != info.quantity || st.info.fan != info.fan {
                if !st.open.is_empty() {
                    let end = st.last_time.unwrap_or(upload_time);
                    let closer = Evidence {
                        file: file.to_string(),
                        record: Some(*record),
                        point: Some(def.code.clone()),
                        time: Some(upload_time),
                        detail: Some("event closed: the point was redefined with another sensor type".into()),
                        ..Default::default()
                    };
                    close_all(&self.ctx, &def.code, st, end, closer, &mut out);
                }
                if st.fan_stopped {
                    self.ctx.fans_stopped = self.ctx.fans_stopped.saturating_sub(1);
                    st.fan_stopped = false;
                }
            }
            st.info = info;
            st.window = STALE;
            sens_check(&self.ctx, file, *record, def, st, upload_time, &mut out);
        }
        out
    }

    /// One reading (from CDSS), delivered in event-time order per point. Closed events
    /// are pushed to `out`. A reading not newer than the point's last one (a re-sent
    /// snapshot) is ignored.
    pub fn on_reading(&mut self, file: &str, record: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
        if let Some(st) = self.points.get_mut(r.point) {
            judge(&mut self.ctx, r.point, st, file, record, r, out);
            return;
        }
        let sensor = sensor_from_name(r.sensor_name);
        let info = PointInfo::new(&self.ctx, r.point, sensor, r.unit, r.location, None);
        let st = self.points.entry(r.point.to_string()).or_insert_with(|| PointState::new(info));
        judge(&mut self.ctx, r.point, st, file, record, r, out);
    }

    /// End of input: events still open are pushed with `end: None`, in a stable order.
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        let mut pending = Vec::new();
        for (code, st) in self.points.iter_mut() {
            let open = std::mem::take(&mut st.open);
            for e in open {
                emit(&self.ctx, code, &st.info, e, None, None, &mut pending);
            }
        }
        pending.sort_by(|a, b| (a.start, &a.rule, &a.place, &a.id).cmp(&(b.start, &b.rule, &b.place, &b.id)));
        out.extend(pending);
    }
}

/// A point seen first in CDDY gets its real info right after; this only fills the slot.
fn info_placeholder() -> PointInfo {
    PointInfo {
        quantity: None,
        fan: false,
        class: LocationClass::OtherRoadway,
        inferred: true,
        factor: None,
        location: String::new(),
        declared_cut: None,
    }
}

fn ladder_rank(rule: &str) -> Option<u8> {
    METHANE_LADDER.iter().position(|r| *r == rule).map(|i| i as u8)
}

/// Resolves the checks of a point for the table version in force at `t`.
fn refresh_checks(st: &mut PointState, grade: Option<GasGrade>, t: Timestamp) {
    let tb = tables();
    st.window = tb.window(t);
    st.checks.clear();
    let (Some(q), Some(_)) = (st.info.quantity, st.info.factor) else {
        return;
    };
    for row in tb.limit_rows(q, st.info.class, t) {
        st.checks.push(Check {
            kind: Kind::Limit,
            rule: row.rule.as_str(),
            op: row.op,
            limit: row.limit,
            rank: if q == Quantity::Methane { ladder_rank(&row.rule) } else { None },
            longer_than: row.longer_than_secs,
            provisional: row.provisional,
            class_dependent: !row.classes.is_empty(),
        });
    }
    if q != Quantity::Methane {
        return;
    }
    let row = tb.methane_row(st.info.class, grade, t);
    if let Some(row) = row {
        st.checks.push(Check {
            kind: Kind::SensorAlarm,
            rule: GAS5,
            op: Op::Ge,
            limit: row.alarm,
            rank: Some(GAS5_RANK),
            longer_than: None,
            provisional: row.provisional,
            class_dependent: true,
        });
    }
    // The stricter of the declared cut-off and the table's: the mine promised the lower one.
    let table_cut = row.and_then(|r| r.cut.map(|c| (c, r.provisional)));
    let cut = match (table_cut, st.info.declared_cut) {
        (Some((tc, _)), Some(dc)) if dc < tc => Some((dc, false, false)),
        (Some((tc, prov)), _) => Some((tc, prov, true)),
        (None, Some(dc)) => Some((dc, false, false)),
        (None, None) => None,
    };
    if let Some((limit, provisional, class_dependent)) = cut {
        st.checks.push(Check {
            kind: Kind::FailedCut,
            rule: FAILED_CUT,
            op: Op::Ge,
            limit,
            rank: None,
            longer_than: None,
            provisional,
            class_dependent,
        });
    }
}

fn judge(ctx: &mut MineContext, code: &str, st: &mut PointState, file: &str, record: usize, r: &Reading<'_>, out: &mut Vec<Finding>) {
    if st.last_time.is_some_and(|l| r.time <= l) {
        return;
    }
    st.last_time = Some(r.time);
    if st.info.fan {
        fan_reading(ctx, st, r);
        return;
    }
    let Some(factor) = st.info.factor else {
        return;
    };
    let raw = match r.value {
        Some(v) if v.is_finite() && !r.status.unreliable() => v,
        _ => {
            if !st.open.is_empty() {
                let detail = match r.value {
                    None => "event closed: the reading has no value".to_string(),
                    Some(_) => format!("event closed: unreliable reading ({})", r.status.names().join(", ")),
                };
                let closer = Snap::new(file, record, r.value.unwrap_or(f64::NAN), r);
                let mut ev = closer.evidence(code, &detail);
                ev.value = r.value;
                close_all(ctx, code, st, r.time, ev, out);
            }
            return;
        }
    };
    let v = raw * factor;
    if r.time < st.window.0 || r.time >= st.window.1 {
        refresh_checks(st, ctx.grade, r.time);
    }
    let mut i = 0;
    while i < st.open.len() {
        if st.open[i].check.holds(v, r.status) {
            st.open[i].extend(file, record, raw, v, r);
            i += 1;
        } else {
            let e = st.open.remove(i);
            emit(ctx, code, &st.info, e, Some(r.time), None, out);
        }
    }
    for k in 0..st.checks.len() {
        let c = st.checks[k];
        if c.holds(v, r.status) && !st.open.iter().any(|e| e.check.same_slot(&c)) {
            st.open.push(OpenEvent::new(c, file, record, raw, v, r, ctx));
        }
    }
    if let Some(top) = st.open.iter().filter_map(|e| e.check.rank).min() {
        for e in st.open.iter_mut() {
            match e.check.rank {
                Some(rank) if rank == top => e.top_once = true,
                Some(_) => e.covered_once = true,
                None => {}
            }
        }
    }
    if ctx.announce {
        for e in st.open.iter_mut() {
            if !e.announced && qualifies(ctx, code, &st.info, e, None) {
                e.announced = true;
                let mut f = build(ctx, code, &st.info, e, None, None);
                add_tag(&mut f, TAG_OPEN);
                out.push(f);
            }
        }
    }
}

fn fan_reading(ctx: &mut MineContext, st: &mut PointState, r: &Reading<'_>) {
    let Some(v) = r.value else {
        return;
    };
    if r.status.unreliable() {
        return;
    }
    if v >= FAN_RUNNING_MIN {
        st.fan_seen_running = true;
    }
    // A fan never seen running is a standby fan (备用): stopped is its normal state,
    // not an outage, and must not excuse a gas event.
    let stopped = v < FAN_RUNNING_MIN && st.fan_seen_running;
    if stopped != st.fan_stopped {
        if stopped {
            ctx.fans_stopped += 1;
            ctx.fan_stops += 1;
        } else {
            ctx.fans_stopped = ctx.fans_stopped.saturating_sub(1);
        }
        st.fan_stopped = stopped;
    }
}

fn close_all(ctx: &MineContext, code: &str, st: &mut PointState, end: Timestamp, closer: Evidence, out: &mut Vec<Finding>) {
    let mut open = std::mem::take(&mut st.open);
    for e in open.drain(..) {
        emit(ctx, code, &st.info, e, Some(end), Some(closer.clone()), out);
    }
    st.open = open;
}

/// Rounds away float noise of unit conversion for titles and peaks.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// `1.0`, `0.75`, `24`: how a regulator writes the numbers of the tables.
fn num(x: f64) -> String {
    let x = round6(x);
    if x.fract() == 0.0 && x.abs() < 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn title(info: &PointInfo, e: &OpenEvent, end: Option<Timestamp>) -> String {
    let q = info.quantity.unwrap_or(Quantity::Methane);
    let unit = q.unit();
    let at = class_label(info.class);
    let (peak, limit) = (num(e.peak_norm), num(e.check.limit));
    let so_far = if end.is_some() { "" } else { " so far" };
    let dur = human_duration(end.unwrap_or(e.last.time).secs_since(e.start));
    match e.check.kind {
        Kind::FailedCut => format!("Methane at the {at} reached {peak} % (cut-off {limit} %) with no power-cut status for {dur}{so_far}"),
        Kind::SensorAlarm => {
            format!("Methane at the {at} reached {peak} %, at or over the {limit} % alarm level of its location, for {dur}{so_far}")
        }
        Kind::Limit if e.check.longer_than.is_some() => {
            let held = human_duration(e.last.time.secs_since(e.start));
            format!("Methane at the {at} stayed at or over {limit} % for {held}{so_far} (peak {peak} %)")
        }
        Kind::Limit => {
            let verb = if e.check.op.is_low() { "fell to" } else { "reached" };
            format!("{} at the {at} {verb} {peak} {unit} (limit {} {limit} {unit}) for {dur}{so_far}", q.label(), e.check.op.symbol())
        }
    }
}

fn add_tag(f: &mut Finding, tag: &str) {
    if !f.has_tag(tag) {
        f.tags.push(tag.to_string());
    }
}

/// Whether an event qualifies as a finding: no more specific rule covered it, it
/// lasted long enough, and no exception applies.
fn qualifies(ctx: &MineContext, code: &str, info: &PointInfo, e: &OpenEvent, end: Option<Timestamp>) -> bool {
    match e.check.rank {
        Some(GAS5_RANK) if e.covered_once => return false,
        Some(rank) if rank < GAS5_RANK && !e.top_once => return false,
        _ => {}
    }
    if let Some(secs) = e.check.longer_than {
        if e.last.time.secs_since(e.start) <= secs {
            return false;
        }
        if e.excused || ctx.fan_stops != e.fan_stops_at_open || ctx.manual_excuse(code, &info.location, e.start, end) {
            return false;
        }
    }
    true
}

/// Turns a closed (or, at the end, open) event into a finding if it qualifies; an
/// event announced open that does not qualify in the end is pushed `withdrawn`.
fn emit(
    ctx: &MineContext,
    code: &str,
    info: &PointInfo,
    e: OpenEvent,
    end: Option<Timestamp>,
    closer: Option<Evidence>,
    out: &mut Vec<Finding>,
) {
    if qualifies(ctx, code, info, &e, end) {
        out.push(build(ctx, code, info, &e, end, closer));
    } else if e.announced {
        let mut f = build(ctx, code, info, &e, end, closer);
        add_tag(&mut f, TAG_WITHDRAWN);
        out.push(f);
    }
}

fn build(ctx: &MineContext, code: &str, info: &PointInfo, e: &OpenEvent, end: Option<Timestamp>, closer: Option<Evidence>) -> Finding {
    let rule = if e.check.kind == Kind::FailedCut { in_force_id(FAILED_CUT, e.start) } else { e.check.rule };
    let place = info.place(code);
    let mut evidence = vec![e.first.evidence(code, "first over-limit reading")];
    if !e.peak.same_record(&e.first) {
        evidence.push(e.peak.evidence(code, "peak reading"));
    }
    if !e.last.same_record(&e.first) && !e.last.same_record(&e.peak) {
        evidence.push(e.last.evidence(code, "last over-limit reading"));
    }
    evidence.extend(closer);
    let mut f = finding(rule, &ctx.mine, e.start, end, Some(place), title(info, e, end), evidence);
    // Two points may share a location text: the point code keeps ids apart.
    f.id = Finding::stable_id(rule, &ctx.mine, &format!("{place}|{code}"), e.start);
    f.peak = Some(round6(e.peak_norm));
    if e.check.provisional {
        add_tag(&mut f, "provisional");
    }
    if info.inferred && e.check.class_dependent {
        add_tag(&mut f, "inferred");
    }
    if e.check.kind == Kind::FailedCut {
        add_tag(&mut f, &format!("hook:{}", in_force_id(WORK_ON_HOOK, e.start)));
    }
    f
}

fn fmt_opt(v: Option<f64>, f: f64) -> String {
    v.map(|x| num(x * f)).unwrap_or_else(|| "-".into())
}

/// CSR-SENS-1: declared thresholds laxer than the table row of the point's class.
fn sens_check(ctx: &MineContext, file: &str, record: usize, def: &PointDef, st: &mut PointState, t: Timestamp, out: &mut Vec<Finding>) {
    let (Some(q), Some(f)) = (st.info.quantity, st.info.factor) else {
        st.reported = None;
        return;
    };
    let th = &def.thresholds;
    let tb = tables();
    let unit = q.unit();
    let mut problems: Vec<String> = Vec::new();
    let (required, source, provisional) = match q {
        Quantity::Methane => {
            let Some(row) = tb.methane_row(st.info.class, ctx.grade, t) else {
                st.reported = None;
                return;
            };
            if let Some(a) = th.alarm_high {
                if a * f > row.alarm + EPS {
                    problems.push(format!("alarm {} % above {} %", num(a * f), num(row.alarm)));
                }
            }
            if let Some(rc) = row.cut {
                match th.cut_high {
                    Some(c) if c * f > rc + EPS => problems.push(format!("cut-off {} % above {} %", num(c * f), num(rc))),
                    None => problems.push(format!("no cut-off declared where the table cuts at {} %", num(rc))),
                    Some(_) => {}
                }
            }
            if let (Some(rr), Some(d)) = (row.restore, th.restore_high) {
                if d * f > rr + EPS {
                    problems.push(format!("restore below {} % where the table restores below {} %", num(d * f), num(rr)));
                }
            }
            let cut = row.cut.map(|c| format!(", cut-off ≥ {} %", num(c))).unwrap_or_default();
            let restore = row.restore.map(|c| format!(", restore < {} %", num(c))).unwrap_or_default();
            (format!("alarm ≥ {} %{cut}{restore}", num(row.alarm)), row.source.as_str(), row.provisional)
        }
        Quantity::Co | Quantity::No2 | Quantity::So2 | Quantity::H2s | Quantity::Nh3 => {
            let Some(row) = tb.limit_rows(q, st.info.class, t).find(|r| r.rule == HARMFUL_GAS_RULE) else {
                st.reported = None;
                return;
            };
            if let Some(a) = th.alarm_high {
                if a * f > row.limit + EPS {
                    problems.push(format!("alarm {} {unit} above the maximum allowed {} {unit}", num(a * f), num(row.limit)));
                }
            }
            (format!("alarm ≤ {} {unit}", num(row.limit)), row.source.as_str(), row.provisional)
        }
        _ => {
            st.reported = None;
            return;
        }
    };
    if problems.is_empty() {
        st.reported = None;
        return;
    }
    if st.reported == Some(*th) {
        return;
    }
    st.reported = Some(*th);
    let place = st.info.place(&def.code);
    let title = format!(
        "{} sensor at the {} declares thresholds laxer than the regulation: {}",
        q.label(),
        class_label(st.info.class),
        problems.join("; ")
    );
    let detail = format!(
        "declared (CDDY): alarm {}, cut-off {}, restore {} ({unit}); required for the {} by {source}: {required}",
        fmt_opt(th.alarm_high, f),
        fmt_opt(th.cut_high, f),
        fmt_opt(th.restore_high, f),
        class_label(st.info.class),
    );
    let evidence = vec![Evidence {
        file: file.to_string(),
        record: Some(record),
        point: Some(def.code.clone()),
        time: Some(def.time.unwrap_or(t)),
        detail: Some(detail),
        ..Default::default()
    }];
    let mut fd = finding(SENS, &ctx.mine, t, None, Some(place), title, evidence);
    fd.id = Finding::stable_id(SENS, &ctx.mine, &format!("{place}|{}", def.code), t);
    for hook in tb.hooks(SENS, t) {
        add_tag(&mut fd, &format!("hook:{hook}"));
    }
    if st.info.inferred {
        add_tag(&mut fd, "inferred");
    }
    if provisional {
        add_tag(&mut fd, "provisional");
    }
    out.push(fd);
}
