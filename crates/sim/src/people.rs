//! Personnel positioning (人员定位): each person's trip underground on a day, and the
//! RYSS snapshots (人员实时信息) built from the trips.
//!
//! A trip is a list of legs (time of arrival, station) from the shaft mouth to the
//! place of work and back, drawn from a stream of (seed, mine, person, day), so a
//! person's position at any instant is a pure function — the simulation can start
//! at any time with the night shift already underground. Injections modify a trip
//! (a detour into the restricted area, an SOS, staying past 12 h) or add trips of
//! contractors.

use std::collections::BTreeMap;

use minesafe_formats::UploadWriter;
#[cfg(test)]
use minesafe_model::Position;
use minesafe_model::{PositionState, Timestamp};
use rand::Rng;

use crate::inject::{ModKind, Plan};
use crate::layout::{self, stream, MineModel, Role, MAINTENANCE_SHIFT, SHIFT, SHIFT_SYSTEM};
use crate::DAY;

/// How long a person who came out stays in the RYSS snapshots (flag 2 已出井).
const OUT_GRACE: i64 = 1800;
const MIN: i64 = 60;

/// One trip underground.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Trip {
    pub person: usize,
    /// (arrival time, station index), ascending; the first leg is the shaft mouth at entry.
    pub legs: Vec<(Timestamp, usize)>,
    pub exited: Timestamp,
    /// Interval during which the card signals SOS (求救).
    pub sos: Option<(Timestamp, Timestamp)>,
}

impl Trip {
    pub fn entered(&self) -> Timestamp {
        self.legs.first().map(|l| l.0).unwrap_or(self.exited)
    }

    /// Index of the leg the person is at, at `t` (entered ≤ t).
    fn leg_at(&self, t: Timestamp) -> usize {
        self.legs.partition_point(|l| l.0 <= t).saturating_sub(1)
    }

    pub fn underground_at(&self, t: Timestamp) -> bool {
        self.entered() <= t && t <= self.exited
    }

    /// Station at `t`, while underground.
    pub fn station_at(&self, t: Timestamp) -> Option<usize> {
        self.underground_at(t).then(|| self.legs[self.leg_at(t)].1)
    }
}

/// Builds legs one after another.
struct Legs {
    legs: Vec<(Timestamp, usize)>,
    t: Timestamp,
}

impl Legs {
    fn start(t: Timestamp, station: usize) -> Self {
        Legs { legs: vec![(t, station)], t }
    }
    fn go(&mut self, after_secs: i64, station: usize) {
        self.t = self.t.plus_secs(after_secs);
        self.legs.push((self.t, station));
    }
    fn at(&mut self, t: Timestamp, station: usize) {
        self.t = t.max(self.t.plus_secs(1));
        self.legs.push((self.t, station));
    }
}

/// Where a station lies on the way in: (panel station if any).
fn panel_station_of(model: &MineModel, station: usize) -> Option<usize> {
    let area = model.stations[station].area;
    model.faces.iter().find(|f| f.area == area).map(|f| model.panels[f.panel].station)
}

/// Legs from the mouth to `target` starting at `t`, with walking times drawn from `walk`.
fn walk_in(model: &MineModel, t: Timestamp, target: usize, walk: &mut impl FnMut(i64, i64) -> i64) -> Legs {
    let mut l = Legs::start(t, model.mouth);
    l.go(walk(3, 6) * MIN, model.yard);
    if target == model.yard {
        return l;
    }
    l.go(walk(5, 10) * MIN, model.roadway);
    if target == model.roadway {
        return l;
    }
    if target == model.chamber {
        l.go(walk(3, 6) * MIN, model.chamber);
        return l;
    }
    if let Some(ps) = panel_station_of(model, target) {
        l.go(walk(8, 14) * MIN, ps);
        l.go(walk(6, 10) * MIN, target);
    } else {
        l.go(walk(8, 14) * MIN, target);
    }
    l
}

/// Legs from where the person is at `leave` back to the mouth; returns the exit time.
fn walk_out(model: &MineModel, l: &mut Legs, leave: Timestamp, walk: &mut impl FnMut(i64, i64) -> i64) -> Timestamp {
    let here = l.legs.last().map(|x| x.1).unwrap_or(model.mouth);
    let mut first = true;
    let mut step = |l: &mut Legs, lo: i64, hi: i64, st: usize| {
        if first {
            l.at(leave.plus_secs(walk(lo, hi) * MIN), st);
            first = false;
        } else {
            l.go(walk(lo, hi) * MIN, st);
        }
    };
    if let Some(ps) = panel_station_of(model, here) {
        step(l, 0, 1, ps);
    }
    if here != model.yard && here != model.roadway {
        step(l, 6, 12, model.roadway);
    }
    if here != model.yard {
        step(l, 6, 10, model.yard);
    }
    step(l, 3, 6, model.mouth);
    l.t.plus_secs(walk(1, 3) * MIN)
}

/// The normal trip of `person` on `day` (days counted from the simulation's first
/// Beijing midnight `origin`), or `None` when they stay on the surface.
pub(crate) fn base_trip(model: &MineModel, seed: u64, origin: Timestamp, person: usize, day: i64) -> Option<Trip> {
    let pm = &model.people[person];
    let mut rng = layout::rng(seed, &[model.index as u64, stream::TRIP, person as u64, day as u64]);
    let resting = rng.random_bool(0.08);
    let mut walk = |lo: i64, hi: i64| rng.random_range(lo..=hi);
    let day_start = Timestamp(origin.0 + day * DAY);
    let shift = match pm.role {
        Role::Contractor => return None,
        Role::Leader(n) => (0..3).find(|&s| (day * 3 + s as i64).rem_euclid(model.leaders as i64) == n as i64)?,
        Role::Face(_) | Role::Roadway(_) if resting => return None,
        _ => pm.shift,
    };
    let s0 = day_start.plus_secs(shift as i64 * SHIFT);
    let entry = s0.plus_secs(-walk(25, 45) * MIN + walk(0, 59));
    let leave = s0.plus_secs(SHIFT + walk(0, 20) * MIN);
    let mut l;
    match pm.role {
        Role::Face(f) => {
            let face = &model.faces[f];
            let first = walk(0, 1) as usize;
            l = walk_in(model, entry, face.stations[first], &mut walk);
            l.at(s0.plus_secs(walk(120, 300) * MIN), face.stations[1 - first]);
        }
        Role::Roadway(station) => {
            l = walk_in(model, entry, station, &mut walk);
        }
        Role::Ventilation(n) | Role::Leader(n) => {
            let leader = matches!(pm.role, Role::Leader(_));
            let mut faces: Vec<usize> = (0..model.faces.len()).filter(|f| leader || f % 3 == n % 3).collect();
            if leader {
                // A leader on duty (带班) visits two faces.
                let a = walk(0, model.faces.len() as i64 - 1) as usize;
                faces = vec![a, (a + 1) % model.faces.len()];
            }
            if faces.is_empty() {
                faces = (0..model.faces.len()).collect();
            }
            let first = model.faces[faces[0]].stations[0];
            l = walk_in(model, entry, first, &mut walk);
            let span = s0.plus_secs(SHIFT - 40 * MIN).secs_since(l.t).max(3600);
            let each = span / faces.len() as i64;
            let visit_restricted = matches!(pm.role, Role::Ventilation(0)) && shift == MAINTENANCE_SHIFT;
            for (k, &f) in faces.iter().enumerate().skip(1) {
                let when = s0.plus_secs(-20 * MIN + each * k as i64);
                l.at(when, model.panels[model.faces[f].panel].station);
                l.go(walk(6, 10) * MIN, model.faces[f].stations[k % 2]);
            }
            if visit_restricted {
                // The authorised gas inspection at the goaf seal (密闭), see the registry's authorisations.
                let back = l.legs.last().map(|x| x.1).unwrap_or(model.mouth);
                let when = s0.plus_secs(SHIFT - 3 * 3600 + walk(0, 20) * MIN);
                l.at(when, model.restricted_station);
                l.go(walk(15, 20) * MIN, back);
            }
        }
        Role::Contractor => return None,
    }
    let leave = leave.max(l.t.plus_secs(MIN));
    let exited = walk_out(model, &mut l, leave, &mut walk);
    Some(Trip { person, legs: l.legs, exited, sos: None })
}

/// Every normal trip of `day`, in person order.
pub(crate) fn base_trips(model: &MineModel, seed: u64, origin: Timestamp, day: i64) -> Vec<Trip> {
    (0..model.first_contractor).filter_map(|p| base_trip(model, seed, origin, p, day)).collect()
}

/// Applies an injected change to a trip.
pub(crate) fn modify(model: &MineModel, trip: &mut Trip, kind: &ModKind) {
    match *kind {
        ModKind::Sos { from, to } => trip.sos = Some((from, to)),
        ModKind::Withdraw { face, from, to } => {
            // Those at the face when the power goes off withdraw to the panel roadway;
            // those elsewhere keep away from the face until it is clear.
            let f = &model.faces[face];
            let panel = model.panels[f.panel].station;
            let Some(here) = trip.station_at(from) else { return };
            if !f.stations.contains(&here) {
                for l in trip.legs.iter_mut() {
                    if l.0 >= from && l.0 <= to && f.stations.contains(&l.1) {
                        l.1 = panel;
                    }
                }
                return;
            }
            if !trip.underground_at(to) {
                return;
            }
            trip.legs.retain(|l| l.0 < from || l.0 > to);
            trip.legs.push((from, model.panels[f.panel].station));
            trip.legs.push((to, here));
            trip.legs.sort_by_key(|l| l.0);
        }
        ModKind::Restricted { from, to } => {
            let back = trip.legs[trip.leg_at(from)].1;
            trip.legs.retain(|l| l.0 < from || l.0 > to);
            trip.legs.push((from, model.restricted_station));
            trip.legs.push((to, back));
            trip.legs.sort_by_key(|l| l.0);
        }
        ModKind::Overtime { leave } => {
            // Stays at the place of work instead of coming up with the shift.
            let stay = trip.legs.iter().rposition(|l| model.faces.iter().any(|f| f.stations.contains(&l.1))).unwrap_or(0);
            trip.legs.truncate(stay + 1);
            let mut l = Legs { t: trip.legs[stay].0, legs: std::mem::take(&mut trip.legs) };
            let mut fixed = |lo: i64, hi: i64| (lo + hi) / 2;
            trip.exited = walk_out(model, &mut l, leave, &mut fixed);
            trip.legs = l.legs;
        }
    }
}

/// A person's state in one RYSS snapshot.
pub(crate) struct Rec {
    pub person: usize,
    pub underground: bool,
    pub area: usize,
    pub sos: bool,
    pub entered: Timestamp,
}

/// A trip with its times formatted once (`yyyy-MM-dd HH:mm:ss`) for all the snapshots that show it.
struct Prepared {
    trip: Trip,
    legs: Vec<String>,
    exited: String,
}

impl Prepared {
    fn new(trip: Trip) -> Self {
        let legs = trip.legs.iter().map(|l| l.0.upload_format()).collect();
        let exited = trip.exited.upload_format();
        Prepared { trip, legs, exited }
    }
}

/// Where a trip stands at `t`: (leg index, index of the leg where the current area began).
fn stand(model: &MineModel, trip: &Trip, t: Timestamp) -> Option<(usize, usize)> {
    if t < trip.entered() || t > trip.exited.plus_secs(OUT_GRACE) {
        return None;
    }
    let i = trip.leg_at(t);
    let area = model.stations[trip.legs[i].1].area;
    let mut j = i;
    while j > 0 && model.stations[trip.legs[j - 1].1].area == area {
        j -= 1;
    }
    Some((i, j))
}

fn distance(model: &MineModel, seed: u64, trip: &Trip, t: Timestamp, underground: bool) -> f64 {
    let jitter = layout::mix(seed, &[model.index as u64, trip.person as u64, t.0 as u64]);
    if underground {
        ((jitter % 601) as f64 - 300.0) / 10.0
    } else {
        0.0
    }
}

/// Keeps the trips of the days around the clock.
pub(crate) struct Tracker {
    seed: u64,
    origin: Timestamp,
    days: BTreeMap<i64, Vec<Prepared>>,
}

impl Tracker {
    pub fn new(seed: u64, origin: Timestamp) -> Self {
        Tracker { seed, origin, days: BTreeMap::new() }
    }

    /// The day index of `t`.
    pub fn day_of(origin: Timestamp, t: Timestamp) -> i64 {
        t.secs_since(origin).div_euclid(DAY)
    }

    /// All trips of `day`: normal ones with the injected changes, plus injected trips.
    pub fn trips_of(model: &MineModel, plan: &Plan, seed: u64, origin: Timestamp, day: i64) -> Vec<Trip> {
        let mut trips = base_trips(model, seed, origin, day);
        for m in plan.mods.iter().filter(|m| m.day == day) {
            if let Some(trip) = trips.iter_mut().find(|t| t.person == m.person) {
                modify(model, trip, &m.kind);
            }
        }
        trips.extend(plan.extra.iter().filter(|(d, _)| *d == day).map(|(_, t)| t.clone()));
        trips
    }

    /// The RYSS snapshot at `t` — everyone underground and whoever came out in the
    /// last half hour, in card order — as records for the observers and as file text.
    pub fn snapshot(&mut self, model: &MineModel, plan: &Plan, t: Timestamp) -> (Vec<Rec>, String) {
        let d = Self::day_of(self.origin, t);
        self.days.retain(|&k, _| k >= d - 1);
        for day in d - 1..=d + 1 {
            if !self.days.contains_key(&day) {
                let trips = Self::trips_of(model, plan, self.seed, self.origin, day);
                self.days.insert(day, trips.into_iter().map(Prepared::new).collect());
            }
        }
        let mut shown: Vec<(&Prepared, usize, usize)> = Vec::new();
        for trips in self.days.values() {
            for p in trips {
                if let Some((i, j)) = stand(model, &p.trip, t) {
                    shown.push((p, i, j));
                }
            }
        }
        shown.sort_by_key(|(p, _, _)| p.trip.person);
        let mut w = UploadWriter::new(&model.code, &model.name, t);
        let mut line = String::with_capacity(512);
        let mut recs = Vec::with_capacity(shown.len());
        for (p, i, j) in shown {
            let trip = &p.trip;
            let underground = t <= trip.exited;
            let sos = underground && trip.sos.is_some_and(|(a, b)| a <= t && t <= b);
            let area = model.stations[trip.legs[i].1].area;
            write_line(&mut line, model, p, i, j, underground, sos, distance(model, self.seed, trip, t, underground));
            w.raw(&line);
            recs.push(Rec { person: trip.person, underground, area, sos, entered: trip.entered() });
        }
        (recs, w.finish())
    }
}

/// One RYSS record, field for field what `Position::write` writes (a test holds them byte-identical).
#[allow(clippy::too_many_arguments)]
fn write_line(line: &mut String, model: &MineModel, p: &Prepared, i: usize, j: usize, underground: bool, sos: bool, distance: f64) {
    use std::fmt::Write;
    let trip = &p.trip;
    let pm = &model.people[trip.person];
    let station = trip.legs[i].1;
    let area = model.stations[station].area;
    line.clear();
    let _ = write!(
        line,
        "{};{};{};{};{};{};{};{};{};{};{distance};{};{};{};",
        pm.person.card,
        pm.person.name,
        if underground { PositionState::Underground.code() } else { PositionState::Out.code() },
        p.legs[0],
        if underground { "" } else { &p.exited },
        model.areas[area].code,
        p.legs[j],
        model.stations[station].station.code,
        p.legs[i],
        SHIFT_SYSTEM,
        if sos { "求救" } else { "正常" },
        u8::from(pm.person.is_leader),
        u8::from(pm.person.is_special),
    );
    for k in 0..=i {
        if k > 0 {
            line.push(',');
        }
        let _ = write!(line, "{}&{}", model.stations[trip.legs[k].1].station.code, p.legs[k]);
    }
}

/// The record as the model type, for checking the fast writer against the formats crate.
#[cfg(test)]
fn position(model: &MineModel, seed: u64, trip: &Trip, t: Timestamp) -> Option<Position> {
    let (i, j) = stand(model, trip, t)?;
    let underground = t <= trip.exited;
    let (since, station) = trip.legs[i];
    let area = model.stations[station].area;
    let pm = &model.people[trip.person];
    Some(Position {
        card: pm.person.card.clone(),
        name: pm.person.name.clone(),
        state: if underground { PositionState::Underground } else { PositionState::Out },
        entered: Some(trip.entered()),
        exited: (!underground).then_some(trip.exited),
        area: Some(model.areas[area].code.clone()),
        area_since: Some(trip.legs[j].0),
        station: Some(model.stations[station].station.code.clone()),
        station_since: Some(since),
        shift_system: SHIFT_SYSTEM.into(),
        distance: Some(distance(model, seed, trip, t, underground)),
        sos: underground && trip.sos.is_some_and(|(a, b)| a <= t && t <= b),
        is_leader: pm.person.is_leader,
        is_special: pm.person.is_special,
        track: trip.legs[..=i].iter().map(|&(at, s)| (model.stations[s].station.code.clone(), at)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trips_go_down_and_come_back_in_order() {
        let m = MineModel::build(3, 0).unwrap();
        let origin = Timestamp::from_beijing(2026, 11, 25, 0, 0, 0).unwrap();
        let trips = base_trips(&m, 3, origin, 0);
        assert!(trips.len() > 100, "{} trips", trips.len());
        for trip in &trips {
            assert!(trip.legs.windows(2).all(|w| w[0].0 < w[1].0), "legs ascend: {:?}", trip.legs);
            assert_eq!(trip.legs[0].1, m.mouth);
            assert_eq!(trip.legs.last().unwrap().1, m.mouth);
            let hours = trip.exited.secs_since(trip.entered()) as f64 / 3600.0;
            assert!((4.0..10.0).contains(&hours), "{hours} h underground");
        }
        // Same inputs, same trips.
        assert_eq!(trips, base_trips(&m, 3, origin, 0));
    }

    #[test]
    fn fast_writer_matches_the_formats_writer() {
        let m = MineModel::build(3, 2).unwrap();
        let origin = Timestamp::from_beijing(2026, 11, 25, 0, 0, 0).unwrap();
        let plan = Plan::default();
        let mut tracker = Tracker::new(3, origin);
        let mut all: Vec<Trip> = (-1..=2).flat_map(|d| Tracker::trips_of(&m, &plan, 3, origin, d)).collect();
        // One SOS, to cover that field too.
        all[5].sos = Some((all[5].entered(), all[5].exited));
        let mut t = origin.plus_secs(7 * 3600 + 1500);
        let mut saw_out = false;
        for _ in 0..24 {
            let (recs, body) = tracker.snapshot(&m, &plan, t);
            let mut expected: Vec<Position> = Tracker::trips_of(&m, &plan, 3, origin, Tracker::day_of(origin, t) - 1)
                .into_iter()
                .chain(Tracker::trips_of(&m, &plan, 3, origin, Tracker::day_of(origin, t)))
                .chain(Tracker::trips_of(&m, &plan, 3, origin, Tracker::day_of(origin, t) + 1))
                .filter_map(|trip| position(&m, 3, &trip, t))
                .collect();
            expected.sort_by(|a, b| a.card.cmp(&b.card));
            let mut w = UploadWriter::new(&m.code, &m.name, t);
            for p in &expected {
                w.record(p);
            }
            assert_eq!(body, w.finish());
            assert_eq!(recs.len(), expected.len());
            saw_out |= recs.iter().any(|r| !r.underground);
            t = t.plus_secs(300);
        }
        assert!(saw_out, "the 00–08 crew comes out within the two hours");
        let sos = position(&m, 3, &all[5], all[5].entered().plus_secs(60)).unwrap();
        let mut w = UploadWriter::new(&m.code, &m.name, origin);
        w.record(&sos);
        let prepared = Prepared::new(all[5].clone());
        let t = all[5].entered().plus_secs(60);
        let (i, j) = stand(&m, &all[5], t).unwrap();
        let mut line = String::new();
        write_line(&mut line, &m, &prepared, i, j, true, true, distance(&m, 3, &all[5], t, true));
        assert!(w.finish().contains(&format!("{line}~")));
    }
}
