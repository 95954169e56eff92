//! Injected violations: what can be injected, where and when it happens, and the
//! ground truth observed in the files written.
//!
//! Each injection is placed in a mid-shift slot of its own (the k-th injection of a
//! mine gets day `k mod days` and the k-th hour of a fixed list), so injections in
//! one mine never overlap. Its truth line is not the plan but what the snapshots
//! show: the first and last snapshot in which the trace is visible.

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
}

impl InjectionKind {
    pub const ALL: [InjectionKind; 10] = [
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
            Self::MethaneNoCut if ord21 => &["CM26-11.4", "CSR-GAS-3"],
            Self::MethaneNoCut => &["CM-4.2", "CSR-GAS-3"],
            Self::LaxCutOff => &["CSR-SENS-1"],
            Self::CoRise => &["CSR-AIR-2"],
            Self::RestrictedEntry => &["POS-7.1"],
            Self::AreaOverQuota => &["POS-7.2"],
            Self::Overtime => &["POS-7.4"],
            Self::Sos => &["POS-10"],
            Self::HeadcountOver => &["POS-7.3"],
            Self::Methane3Pct10Min if ord21 => &["CM26-2.8", "CSR-GAS-4", "CSR-GAS-3"],
            Self::Methane3Pct10Min => &["CSR-GAS-4", "CSR-GAS-3"],
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
        }
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
    #[error("unknown injection kind {0:?}; expected one of: methane_cut_ok, methane_no_cut, lax_cut_off, co_rise, restricted_entry, area_over_quota, overtime, sos, headcount_over, methane_3pct_10min")]
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
}

impl CdssEvent {
    fn value(&self, t: Timestamp) -> Option<f64> {
        let tau = t.secs_since(self.start);
        if tau < 0 || tau > self.rise + self.hold + self.fall {
            return None;
        }
        let lerp = |a: f64, b: f64, x: f64| a + (b - a) * x;
        Some(if tau < self.rise {
            lerp(self.from, self.peak, tau as f64 / self.rise as f64)
        } else if tau <= self.rise + self.hold {
            self.peak + self.wobble * (tau as f64 / 47.0).sin()
        } else {
            lerp(self.peak, self.to, (tau - self.rise - self.hold) as f64 / self.fall as f64)
        })
    }
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
    watches: Vec<Watch>,
}

impl Plan {
    /// The injected value of `point` at `t` and whether its power cut fails.
    pub fn event_value(&self, point: usize, t: Timestamp) -> Option<(f64, bool)> {
        self.events.iter().filter(|e| e.point == point).find_map(|e| e.value(t).map(|v| (v, e.cut_fails)))
    }

    pub fn saw_cddy(&mut self, t: Timestamp) {
        for w in self.watches.iter_mut().filter(|w| matches!(w.test, Test::Declared)) {
            w.hit(t);
        }
    }

    pub fn observe_cdss(&mut self, t: Timestamp, m: &Monitor) {
        for w in &mut self.watches {
            let hit = match w.test {
                Test::AtLeast(p, v) => m.values[p] >= v,
                Test::Declared => true,
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

    for (k, &kind) in kinds.iter().enumerate() {
        let mut rng = layout::rng(cfg.seed, &[model.index as u64, stream::INJECT, k as u64, kind as u64]);
        let day = k as i64 % days;
        let minute = rng.random_range(0..30) + (k as i64 / SLOT_HOURS.len() as i64) * 7;
        let mut x = origin.plus_secs(day * DAY + SLOT_HOURS[k % SLOT_HOURS.len()] * 3600 + minute * 60);
        while x < start.plus_secs(600) && x.plus_secs(DAY) < end {
            x = x.plus_secs(DAY);
        }
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
                };
                if !cut_fails {
                    // The cut at 1.5 % works: the crew withdraws two minutes later and
                    // returns five minutes after methane is back under 1.0 %.
                    let cut_at = ev.rise as f64 * (1.5 - ev.from) / (ev.peak - ev.from);
                    let clear_at = (ev.rise + ev.hold) as f64 + ev.fall as f64 * (ev.peak - 1.0) / (ev.peak - ev.to);
                    let from = x.plus_secs(cut_at.ceil() as i64 + 120);
                    let to = x.plus_secs(clear_at.ceil() as i64 + 300);
                    for (person, pm) in model.people.iter().enumerate() {
                        if pm.role == Role::Face(face) && pm.shift == shift {
                            plan.mods.push(TripMod { person, day: xday, kind: ModKind::Withdraw { face, from, to } });
                        }
                    }
                }
                plan.events.push(ev);
                watch(&mut plan, place_of(point), Test::AtLeast(point, 1.0));
            }
            InjectionKind::CoRise => {
                let point = model.faces[first_lw].co_return;
                plan.events.push(CdssEvent {
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
                });
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
        }
    }
    Ok(plan)
}

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
        assert_eq!(InjectionKind::MethaneNoCut.rules(before), vec!["CM-4.2", "CSR-GAS-3"]);
        assert_eq!(InjectionKind::MethaneNoCut.rules(after), vec!["CM26-11.4", "CSR-GAS-3"]);
        assert!(!InjectionKind::Methane3Pct10Min.rules(before).contains(&"CM26-2.8".to_string()));
        assert!(InjectionKind::Methane3Pct10Min.rules(after).contains(&"CM26-2.8".to_string()));
    }

    #[test]
    fn standard_set_leaves_mines_clean() {
        for mines in 2..=8 {
            let cfg = SimConfig { mines, ..SimConfig::default() };
            let a = assign(&cfg);
            assert_eq!(a.iter().map(Vec::len).sum::<usize>(), 10);
            assert!(a.iter().any(Vec::is_empty), "{mines} mines: {a:?}");
        }
        let a = assign(&SimConfig::default());
        assert!(a[4].is_empty() && a[5].is_empty());
    }
}
