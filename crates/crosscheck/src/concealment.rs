//! Concealment leads (ACC-LEAD-1…3, POS-3-R1): cards that went down and never
//! came up; one person with several cards, or a card moving while its holder is
//! recorded elsewhere; uploads that stop while power continues.
//!
//! These are the traces a mine leaves when it hides an accident (瞒报事故) or
//! the people it sends underground (隐瞒入井人数): the positioning system, the
//! lamp room (灯房) and the electricity meters are kept by different people, and
//! a story told to one of them rarely matches the other two.

use std::collections::{BTreeMap, HashMap};

use minesafe_model::registry::MineStatus;
use minesafe_model::{Evidence, Timestamp};
use serde::{Deserialize, Serialize};

use crate::inputs::{day_of, day_start, CardIdentity, CardTrip, Consumer, Day, MineInputs, OutputSource};
use crate::lead::{lead, taxonomy, Lead};
use crate::stops::{current_points, CurrentPoint, StopsConfig};
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConcealmentConfig {
    /// Overtime limit underground (超时, POS-7.4) in hours when the registry
    /// gives none (`MineInfo::overtime_hours`): 12. A card with no exit counts as
    /// underground from going down until it goes down again or the record ends,
    /// however early it dropped out of the snapshots: it is a lead once that is
    /// over the limit. A card handed out again counts against the mine only when
    /// the lamp room has no return for the holder and the holder drew no lamp
    /// later (otherwise the exit reader missed a card, not a person).
    pub overtime_hours: f64,
    /// A card has vanished only if its last snapshot is at least this many
    /// minutes before the end of the period: closer to the end it may simply not
    /// have been uploaded yet. Default 60.
    pub vanished_minutes: f64,
    /// Two cards of one person count as underground together from this many
    /// minutes of overlap: shorter overlaps are a card swapped at the shaft.
    /// Default 15.
    pub min_overlap_minutes: f64,
    /// Lamp-room and positioning clocks disagree by minutes; a card moving within
    /// this many minutes of its holder's lamp going out or coming back is not
    /// counted against the holder. Default 30.
    pub lamp_grace_minutes: f64,
    /// A lamp drawn counts as matched by a card trip overlapping it; an open lamp
    /// record (no return) is taken to last this many hours. Default 10.
    pub open_lamp_hours: f64,
    /// ACC-LEAD-3: an upload gap counts from this many minutes. Default 30.
    pub gap_minutes: f64,
    /// Power is "on" in a gap when the median hourly kWh in it is at least this
    /// fraction of the mine's median producing hour (Total, else Hoisting).
    /// Default 0.5.
    pub power_fraction: f64,
    /// A drop: the headcount after the gap is at most this fraction of the level
    /// before it and of the usual level at those hours of the day (and output on
    /// the day of the gap's end or the next at most this fraction of the median
    /// day). Default 0.5.
    pub drop_fraction: f64,
    /// Hours before and after the gap whose headcount is compared. Default 2.
    pub compare_hours: u32,
    /// Person-hours per hour before the gap below which a drop means nothing. Default 3.
    pub min_headcount: f64,
    /// A smaller drop that lasts (减员, e.g. a team kept up after an accident): over
    /// the `sustain_hours` after the gap the headcount is at most this fraction of
    /// the usual at those hours of the day, and at most this fraction of the level
    /// before the gap (each measured against the usual at its own hours, so a
    /// shift change or a quiet day is not a drop). An ordinary outage leaves the
    /// crews where they were; a fifth fewer people for hours does not happen by
    /// chance, but it is weaker than a halving: a lower-scored lead. Default 0.8.
    pub mild_drop_fraction: f64,
    /// Hours after the gap over which a smaller drop must last. Default 6.
    pub sustain_hours: u32,
    /// A gap with power on but no drop after it is a lead (hidden work) only from
    /// this many hours on: shorter stops with power on are ordinary network
    /// outages. Default 4.
    pub long_gap_hours: f64,
    /// At most this many evidence items per lead (the count is always in the detail). Default 8.
    pub max_evidence: usize,
    /// A positioning gap is also "power on" when a face current point (CDSS 0017)
    /// stays loaded through it while the monitoring uploads go on: its median
    /// hourly mean in the gap is at least this share of its loaded producing level
    /// (the baseline rule of [`crate::stops::StopsConfig::current_reference_quantile`])…
    /// Default 0.5.
    pub current_fraction: f64,
    /// …and at least this multiple of the point's idle level while the mine
    /// produces, its `current_idle_quantile` of producing hours: a feeder whose
    /// base load (pumps, fans) is near its cutting load cannot tell work from
    /// none, and a face that never idles has no idle level to rise above.
    /// Defaults 2.0 and 0.1.
    pub current_idle_factor: f64,
    pub current_idle_quantile: f64,
}

impl Default for ConcealmentConfig {
    fn default() -> Self {
        ConcealmentConfig {
            overtime_hours: 12.0,
            vanished_minutes: 60.0,
            min_overlap_minutes: 15.0,
            lamp_grace_minutes: 30.0,
            open_lamp_hours: 10.0,
            gap_minutes: 30.0,
            power_fraction: 0.5,
            drop_fraction: 0.5,
            compare_hours: 2,
            min_headcount: 3.0,
            mild_drop_fraction: 0.8,
            sustain_hours: 6,
            long_gap_hours: 4.0,
            max_evidence: 8,
            current_fraction: 0.5,
            current_idle_factor: 2.0,
            current_idle_quantile: 0.1,
        }
    }
}

/// The leads of this module for one mine.
pub fn detect(m: &MineInputs, cfg: &Config) -> Vec<Lead> {
    let c = &cfg.concealment;
    let ix = Index::new(m);
    let mut out = Vec::new();
    never_came_up(m, c, &ix, &mut out);
    several_cards(m, c, &ix, &mut out);
    card_moving_while_lamp_in(m, c, &ix, &mut out);
    unregistered_cards(m, c, &ix, &mut out);
    lamp_without_card(m, c, &ix, &mut out);
    upload_stops(m, c, &cfg.stops, &mut out);
    out
}

fn secs(minutes: f64) -> i64 {
    (minutes * 60.0).round() as i64
}

fn date(t: Timestamp) -> String {
    t.beijing_date()
}

fn hm(t: Timestamp) -> String {
    let c = t.beijing();
    format!("{}-{:02}-{:02} {:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute)
}

/// End of a trip as far as anyone knows: the exit, else the last snapshot.
fn trip_end(t: &CardTrip) -> Timestamp {
    t.up.unwrap_or(t.last_seen)
}

/// The area a card was in at `t` (the last one entered at or before `t`).
fn area_at(t: &CardTrip, at: Timestamp) -> Option<&str> {
    let i = t.areas.partition_point(|(s, _)| *s <= at);
    if i == 0 {
        t.areas.first().map(|(_, a)| a.as_str())
    } else {
        Some(t.areas[i - 1].1.as_str())
    }
}

/// Look-ups shared by the card and lamp checks, built once per mine.
struct Index<'a> {
    holder: HashMap<&'a str, &'a CardIdentity>,
    cards_of: HashMap<&'a str, Vec<&'a str>>,
    /// Trip indices per person (sorted by `down`, as the trips are).
    trips_of_person: HashMap<&'a str, Vec<usize>>,
    /// `down` times per card, sorted.
    downs_of_card: HashMap<&'a str, Vec<Timestamp>>,
    /// Lamp record indices per person, sorted by `lamp_out`.
    lamps_of: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Index<'a> {
    fn new(m: &'a MineInputs) -> Self {
        let mut holder = HashMap::with_capacity(m.identities.len());
        let mut cards_of: HashMap<&str, Vec<&str>> = HashMap::new();
        for id in &m.identities {
            holder.entry(id.card.as_str()).or_insert(id);
            cards_of.entry(id.person_id.as_str()).or_default().push(id.card.as_str());
        }
        let mut trips_of_person: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut downs_of_card: HashMap<&str, Vec<Timestamp>> = HashMap::new();
        for (i, t) in m.trips.iter().enumerate() {
            downs_of_card.entry(t.card.as_str()).or_default().push(t.down);
            if let Some(h) = holder.get(t.card.as_str()) {
                trips_of_person.entry(h.person_id.as_str()).or_default().push(i);
            }
        }
        for v in trips_of_person.values_mut() {
            v.sort_by_key(|&i| m.trips[i].down);
        }
        for v in downs_of_card.values_mut() {
            v.sort_unstable();
        }
        let mut lamps_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, l) in m.lamps.iter().enumerate() {
            lamps_of.entry(l.person_id.as_str()).or_default().push(i);
        }
        for v in lamps_of.values_mut() {
            v.sort_by_key(|&i| m.lamps[i].lamp_out);
        }
        Index { holder, cards_of, trips_of_person, downs_of_card, lamps_of }
    }

    fn who(&self, card: &str) -> String {
        match self.holder.get(card) {
            Some(h) if !h.name.is_empty() => format!("{} ({})", h.name, h.person_id),
            Some(h) => h.person_id.clone(),
            None => "holder unknown".to_string(),
        }
    }
}

/// Whether positioning uploads were stopped from `t` to the end of the period:
/// then no later snapshot exists that a card could be missing from.
fn positioning_dark_until_end(m: &MineInputs, t: Timestamp, margin: i64) -> bool {
    m.upload_gaps.iter().any(|g| g.system == "positioning" && g.from.0 <= t.0 + margin && g.to.0 >= m.to.0 - margin)
}

// ---------------------------------------------------------------- ACC-LEAD-1

fn never_came_up(m: &MineInputs, c: &ConcealmentConfig, ix: &Index, out: &mut Vec<Lead>) {
    let limit_h = m.info.overtime_hours.unwrap_or(c.overtime_hours);
    let limit = secs(limit_h * 60.0);
    let margin = secs(c.vanished_minutes);
    let grace = secs(c.lamp_grace_minutes);
    // A card with no exit is missing from `down` until the card goes down again
    // or, if it never does, until the end of the period.
    let next_down = |t: &CardTrip| -> Option<Timestamp> {
        ix.downs_of_card.get(t.card.as_str()).and_then(|d| d.get(d.partition_point(|x| *x <= t.down)).copied())
    };
    let lamp_of = |t: &CardTrip| {
        ix.holder.get(t.card.as_str()).and_then(|h| ix.lamps_of.get(h.person_id.as_str())).and_then(|ls| {
            ls.iter().map(|&i| &m.lamps[i]).rfind(|l| l.lamp_out.0 <= t.down.0 + grace && l.lamp_out.0 >= t.down.0 - 3 * 3600)
        })
    };
    // The holder drew a lamp again after this trip: the person is alive and came up.
    let drew_lamp_later = |t: &CardTrip| {
        ix.holder
            .get(t.card.as_str())
            .and_then(|h| ix.lamps_of.get(h.person_id.as_str()))
            .is_some_and(|ls| ls.iter().any(|&i| m.lamps[i].lamp_out.0 > t.down.0 + grace.max(secs(c.open_lamp_hours * 60.0))))
    };
    let vanished: Vec<(&CardTrip, Timestamp)> = m
        .trips
        .iter()
        .filter(|t| t.up.is_none() && t.last_seen.0 + margin <= m.to.0 && !positioning_dark_until_end(m, t.last_seen, margin))
        .filter_map(|t| {
            let next = next_down(t);
            let missing_until = next.unwrap_or(m.to);
            if missing_until.secs_since(t.down) <= limit {
                return None;
            }
            // The lamp room says whether the person came up: an open lamp is a
            // second witness even if the card was later handed out again; a lamp
            // returned (or drawn again later) with the card back at work is the
            // exit reader missing a card, not a person missing.
            let open_lamp = lamp_of(t).is_some_and(|l| l.lamp_in.is_none()) && !drew_lamp_later(t);
            (next.is_none() || open_lamp).then_some((t, missing_until))
        })
        .collect();
    for &(t, missing_until) in &vanished {
        let last_area = t.areas.last().map(|(_, a)| a.as_str()).unwrap_or("unknown area");
        let seen_h = t.last_seen.secs_since(t.down) as f64 / 3600.0;
        let stay_h = missing_until.secs_since(t.down) as f64 / 3600.0;
        let reused = missing_until < m.to;
        let who = ix.who(&t.card);
        let mut evidence = vec![Evidence {
            file: "trips".into(),
            card: Some(t.card.clone()),
            area: Some(last_area.to_string()),
            value: Some((seen_h * 10.0).round() / 10.0),
            time: Some(t.last_seen),
            detail: Some(format!(
                "card {} ({who}) went down at {}, no exit was recorded; last seen at {} in {last_area}, {seen_h:.1} h after going down, \
                 and absent from every snapshot after that up to {} ({stay_h:.1} h after going down, limit {limit_h} h){}",
                t.card,
                hm(t.down),
                hm(t.last_seen),
                hm(missing_until),
                if reused { ", when the card went down again" } else { "" }
            )),
            ..Default::default()
        }];
        let mut score = 55.0 + (15.0 * (stay_h - limit_h) / limit_h).clamp(0.0, 15.0);
        let holder = ix.holder.get(t.card.as_str());
        if holder.is_some() {
            score += 5.0;
        }
        // The lamp room is the second witness: a lamp not returned agrees with the card.
        let lamp = lamp_of(t);
        match lamp {
            Some(l) => match l.lamp_in {
                None if drew_lamp_later(t) => {
                    score -= 20.0;
                    evidence.push(Evidence {
                        file: "lamps".into(),
                        card: Some(t.card.clone()),
                        time: Some(l.lamp_out),
                        detail: Some(format!(
                            "the lamp room issued a lamp to {who} at {} with no return, but {who} drew a lamp again later: \
                             the person came up and the card was left underground or handed on",
                            hm(l.lamp_out)
                        )),
                        ..Default::default()
                    });
                }
                None => {
                    score += 20.0;
                    evidence.push(Evidence {
                        file: "lamps".into(),
                        card: Some(t.card.clone()),
                        time: Some(l.lamp_out),
                        detail: Some(format!(
                            "the lamp room issued a lamp to {who} at {} and has no return: the lamp room agrees the person did not come up",
                            hm(l.lamp_out)
                        )),
                        ..Default::default()
                    });
                }
                Some(back) => {
                    score -= 20.0;
                    evidence.push(Evidence {
                        file: "lamps".into(),
                        card: Some(t.card.clone()),
                        time: Some(back),
                        detail: Some(format!(
                            "the lamp room recorded {who}'s lamp back at {}: the person may have come up without the card (card left underground or handed on)",
                            hm(back)
                        )),
                        ..Default::default()
                    });
                }
            },
            None if holder.is_some() => evidence.push(Evidence {
                file: "lamps".into(),
                card: Some(t.card.clone()),
                detail: Some(format!("no lamp-room record for {who} around {}", hm(t.down))),
                ..Default::default()
            }),
            None => {}
        }
        // Several cards vanishing in one area within two hours look like one event.
        let together: Vec<&str> = vanished
            .iter()
            .map(|(o, _)| o)
            .filter(|o| {
                o.card != t.card
                    && o.areas.last().map(|(_, a)| a.as_str()) == Some(last_area)
                    && (o.last_seen.0 - t.last_seen.0).abs() <= 2 * 3600
            })
            .map(|o| o.card.as_str())
            .collect();
        if !together.is_empty() {
            score += 15.0;
            evidence.push(Evidence {
                file: "trips".into(),
                area: Some(last_area.to_string()),
                value: Some(together.len() as f64),
                detail: Some(format!("{} other card(s) vanished in {last_area} within two hours: {}", together.len(), together.join(", "))),
                ..Default::default()
            });
        }
        let title = format!(
            "Card {} ({who}) went down at {} and never came up: last seen {} in {last_area}, no exit for {stay_h:.1} h{} (limit {limit_h} h)",
            t.card,
            hm(t.down),
            hm(t.last_seen),
            if reused { " until the card went down again" } else { "" }
        );
        let pull = vec![
            format!("lamp-room issue and return record (灯房发放登记) for {who}, {}", date(t.down)),
            format!("RYSS history of card {} from {} to {}", t.card, hm(t.down), hm(missing_until)),
            format!("shaft attendance and cage records (入井检身、罐笼记录), {} to {}", date(t.down), date(t.last_seen)),
            format!("dispatch log (调度日志) and shift hand-over records, {} to {}", date(t.down), date(t.last_seen)),
        ];
        let walk = vec![format!("{last_area} (last seen {})", hm(t.last_seen)), format!("the roadways from {last_area} to the shaft")];
        out.push(lead(
            "ACC-LEAD-1",
            m.code(),
            t.down,
            None,
            Some(&t.card),
            title,
            evidence,
            score,
            &[taxonomy::CONCEALED_ACCIDENT, taxonomy::HIDDEN_HEADCOUNT],
            pull,
            walk,
        ));
    }
}

// ---------------------------------------------------------------- ACC-LEAD-2

/// (a) One person with several cards underground at once.
fn several_cards(m: &MineInputs, c: &ConcealmentConfig, ix: &Index, out: &mut Vec<Lead>) {
    let min_overlap = secs(c.min_overlap_minutes);
    let mut persons: Vec<(&&str, &Vec<&str>)> = ix.cards_of.iter().filter(|(_, cards)| cards.len() > 1).collect();
    persons.sort();
    for (person, _) in persons {
        let Some(trips) = ix.trips_of_person.get(*person) else { continue };
        // (overlap start, overlap end, trip a, trip b)
        let mut episodes: Vec<(Timestamp, Timestamp, usize, usize)> = Vec::new();
        for (k, &i) in trips.iter().enumerate() {
            let a = &m.trips[i];
            let end_a = trip_end(a);
            for &j in &trips[k + 1..] {
                let b = &m.trips[j];
                if b.down >= end_a {
                    break;
                }
                if b.card == a.card {
                    continue;
                }
                let (s, e) = (b.down, end_a.min(trip_end(b)));
                if e.secs_since(s) >= min_overlap {
                    episodes.push((s, e, i, j));
                }
            }
        }
        let Some(&(first, _, fa, _)) = episodes.first() else { continue };
        let who = ix.who(&m.trips[fa].card);
        let mut cards: Vec<&str> = episodes.iter().flat_map(|&(_, _, i, j)| [m.trips[i].card.as_str(), m.trips[j].card.as_str()]).collect();
        cards.sort_unstable();
        cards.dedup();
        let mut apart = 0usize;
        let mut evidence = Vec::new();
        let mut walk = Vec::new();
        for &(s, e, i, j) in &episodes {
            let (a, b) = (&m.trips[i], &m.trips[j]);
            let (area_a, area_b) = (area_at(a, s).unwrap_or("unknown area"), area_at(b, s).unwrap_or("unknown area"));
            if area_a != area_b {
                apart += 1;
            }
            if evidence.len() < c.max_evidence {
                evidence.push(Evidence {
                    file: "trips".into(),
                    card: Some(b.card.clone()),
                    area: Some(area_b.to_string()),
                    value: Some((e.secs_since(s) as f64 / 60.0).round()),
                    time: Some(s),
                    detail: Some(format!(
                        "{who} had card {} underground (in {area_a}) and card {} underground (in {area_b}) at the same time, {} to {} ({} min)",
                        a.card,
                        b.card,
                        hm(s),
                        hm(e),
                        e.secs_since(s) / 60
                    )),
                    ..Default::default()
                });
            }
            for area in [area_a, area_b] {
                let w = format!("{area} ({})", date(s));
                if walk.len() < c.max_evidence && !walk.contains(&w) {
                    walk.push(w);
                }
            }
        }
        let n = episodes.len();
        let last = episodes.iter().map(|e| e.1).max().unwrap_or(first);
        let mut score = 60.0 + 5.0 * (n as f64 - 1.0).min(5.0);
        if apart > 0 {
            score += 15.0;
        }
        let title = format!(
            "{who} had several cards ({}) underground at once on {n} occasion(s){}, first {}",
            cards.join(", "),
            if apart > 0 { format!(", {apart} of them in different areas") } else { String::new() },
            hm(first)
        );
        let pull = vec![
            format!("lamp-room card issue register (人卡对应登记) for cards {}", cards.join(", ")),
            format!("RYSS history of cards {} from {} to {}", cards.join(", "), date(first), date(last)),
            format!("shaft check-in records (入井检身记录) and lamp-room attendance of {who}, {} to {}", date(first), date(last)),
        ];
        out.push(lead(
            "ACC-LEAD-2",
            m.code(),
            first,
            Some(last),
            Some(person),
            title,
            evidence,
            score,
            &[taxonomy::HIDDEN_HEADCOUNT],
            pull,
            walk,
        ));
    }
}

/// A card's move into an area: trip index, time, area, and when the holder's
/// lamp came back during the trip (if it did).
type Move<'a> = (usize, Timestamp, &'a str, Option<Timestamp>);

/// (b) A card moving from area to area while its holder's lamp is in the lamp room.
fn card_moving_while_lamp_in(m: &MineInputs, c: &ConcealmentConfig, ix: &Index, out: &mut Vec<Lead>) {
    let grace = secs(c.lamp_grace_minutes);
    let open = secs(c.open_lamp_hours * 60.0);
    // Per card: (trip index, move time, area entered, lamp returned during the trip?)
    let mut per_card: BTreeMap<&str, Vec<Move>> = BTreeMap::new();
    for (ti, t) in m.trips.iter().enumerate() {
        let Some(h) = ix.holder.get(t.card.as_str()) else { continue };
        // Without any lamp record for the person the lamp room says nothing about them.
        let Some(lamps) = ix.lamps_of.get(h.person_id.as_str()) else { continue };
        for (at, area) in t.areas.iter().skip(1) {
            // The lamp record in force at `at`: the last one drawn by then (with grace).
            let k = lamps.partition_point(|&i| m.lamps[i].lamp_out.0 - grace <= at.0);
            let lamp_out_now = k > 0 && {
                let l = &m.lamps[lamps[k - 1]];
                let end = l.lamp_in.map_or(l.lamp_out.0 + open, |x| x.0);
                at.0 <= end + grace
            };
            if !lamp_out_now {
                let returned = if k > 0 { m.lamps[lamps[k - 1]].lamp_in.filter(|x| *x >= t.down) } else { None };
                per_card.entry(t.card.as_str()).or_default().push((ti, *at, area.as_str(), returned));
                break; // one move per trip is enough to show it
            }
        }
    }
    for (card, moves) in per_card {
        let who = ix.who(card);
        let Some(&(_, first, _, _)) = moves.first() else { continue };
        let last = moves.iter().map(|x| x.1).max().unwrap_or(first);
        let mut evidence = Vec::new();
        let mut walk = Vec::new();
        let returned_any = moves.iter().any(|x| x.3.is_some());
        for &(ti, at, area, returned) in &moves {
            let t = &m.trips[ti];
            if evidence.len() < c.max_evidence {
                let lamp = match returned {
                    Some(back) => format!("{who}'s lamp had been returned to the lamp room at {}", hm(back)),
                    None => format!("{who} had drawn no lamp for that time"),
                };
                evidence.push(Evidence {
                    file: "trips".into(),
                    card: Some(card.to_string()),
                    area: Some(area.to_string()),
                    time: Some(at),
                    detail: Some(format!("card {card} (down at {}) moved into {area} at {}, while {lamp}", hm(t.down), hm(at))),
                    ..Default::default()
                });
            }
            let w = format!("{area} ({})", date(at));
            if walk.len() < c.max_evidence && !walk.contains(&w) {
                walk.push(w);
            }
        }
        let n = moves.len();
        let score = 50.0 + 5.0 * (n as f64 - 1.0).min(4.0) + if returned_any { 15.0 } else { 0.0 };
        let title = format!(
            "Card {card} ({who}) moved underground while the holder's lamp was in the lamp room, on {n} trip(s), first {}",
            hm(first)
        );
        let pull = vec![
            format!("lamp-room attendance (灯房考勤) of {who}, {} to {}", date(first), date(last)),
            format!("RYSS history of card {card}, {} to {}", date(first), date(last)),
            format!("shaft check-in records (入井检身记录) and the roster of who carried card {card}"),
        ];
        out.push(lead(
            "ACC-LEAD-2",
            m.code(),
            first,
            Some(last),
            Some(card),
            title,
            evidence,
            score,
            &[taxonomy::HIDDEN_HEADCOUNT],
            pull,
            walk,
        ));
    }
}

/// (c) Cards underground that the lamp room's identity list does not know (人卡不符).
fn unregistered_cards(m: &MineInputs, c: &ConcealmentConfig, ix: &Index, out: &mut Vec<Lead>) {
    if m.identities.is_empty() {
        return;
    }
    let mut unknown: BTreeMap<&str, (usize, Timestamp, &str)> = BTreeMap::new();
    for t in &m.trips {
        if ix.holder.contains_key(t.card.as_str()) {
            continue;
        }
        let area = t.areas.last().map(|(_, a)| a.as_str()).unwrap_or("unknown area");
        let e = unknown.entry(t.card.as_str()).or_insert((0, t.down, area));
        e.0 += 1;
    }
    if unknown.is_empty() {
        return;
    }
    let first = unknown.values().map(|x| x.1).min().unwrap_or(m.from);
    let last = m.trips.iter().filter(|t| !ix.holder.contains_key(t.card.as_str())).map(trip_end).max().unwrap_or(first);
    let trips: usize = unknown.values().map(|x| x.0).sum();
    let mut evidence = Vec::new();
    let mut walk = Vec::new();
    for (card, (n, down, area)) in &unknown {
        if evidence.len() < c.max_evidence {
            evidence.push(Evidence {
                file: "trips".into(),
                card: Some(card.to_string()),
                area: Some(area.to_string()),
                value: Some(*n as f64),
                time: Some(*down),
                detail: Some(format!(
                    "card {card} went underground {n} time(s), first at {}, and is not in the lamp room's identity list",
                    hm(*down)
                )),
                ..Default::default()
            });
        }
        let w = area.to_string();
        if walk.len() < c.max_evidence && !walk.contains(&w) {
            walk.push(w);
        }
    }
    let names: Vec<&str> = unknown.keys().copied().collect();
    let shown = names.iter().take(20).copied().collect::<Vec<_>>().join(", ");
    let more = if names.len() > 20 { format!(" and {} more", names.len() - 20) } else { String::new() };
    let score = 50.0 + 5.0 * (names.len() as f64 - 1.0).min(6.0) + 2.0 * (trips as f64 - 1.0).min(5.0);
    let title = format!("{} card(s) not in the identity list went underground {trips} time(s) (人卡不符): {shown}{more}", names.len());
    let pull = vec![
        format!("the lamp room's card issue register (人卡对应登记) as of {}, and who holds cards {shown}{more}", date(last)),
        format!("RYSS person records (人员信息) for cards {shown}{more}"),
        format!("shaft check-in records (入井检身记录), {} to {}", date(first), date(last)),
    ];
    out.push(lead(
        "ACC-LEAD-2",
        m.code(),
        first,
        Some(last),
        Some("unregistered cards"),
        title,
        evidence,
        score,
        &[taxonomy::HIDDEN_HEADCOUNT],
        pull,
        walk,
    ));
}

/// (d) Lamps drawn by people with no card underground: people sent down without
/// a card so that the headcount stays under the limit.
fn lamp_without_card(m: &MineInputs, c: &ConcealmentConfig, ix: &Index, out: &mut Vec<Lead>) {
    if m.identities.is_empty() || m.trips.is_empty() {
        return;
    }
    let grace = secs(c.lamp_grace_minutes);
    let open = secs(c.open_lamp_hours * 60.0);
    // Days on which positioning saw any trip: on others it was not running.
    let mut trip_days: Vec<Day> = m.trips.iter().map(|t| day_of(t.down)).collect();
    trip_days.sort_unstable();
    trip_days.dedup();
    let mut by_day: BTreeMap<Day, Vec<usize>> = BTreeMap::new();
    for (li, l) in m.lamps.iter().enumerate() {
        if l.lamp_out < m.from || l.lamp_out >= m.to {
            continue;
        }
        let lo = l.lamp_out.0 - grace;
        let hi = l.lamp_in.map_or(l.lamp_out.0 + open, |x| x.0) + grace;
        if trip_days.binary_search(&day_of(l.lamp_out)).is_err()
            || m.upload_gaps.iter().any(|g| g.system == "positioning" && g.from.0 < hi && g.to.0 > lo)
        {
            continue;
        }
        let covered = ix.trips_of_person.get(l.person_id.as_str()).is_some_and(|ts| {
            let k = ts.partition_point(|&i| m.trips[i].down.0 <= hi);
            ts[..k].iter().rev().take_while(|&&i| m.trips[i].down.0 >= lo - 48 * 3600).any(|&i| trip_end(&m.trips[i]).0 >= lo)
        });
        if !covered {
            by_day.entry(day_of(l.lamp_out)).or_default().push(li);
        }
    }
    for (day, lamps) in by_day {
        let n = lamps.len();
        let mut evidence = Vec::new();
        let mut people = Vec::new();
        for &li in &lamps {
            let l = &m.lamps[li];
            let cards = ix.cards_of.get(l.person_id.as_str());
            let name = cards
                .and_then(|cs| cs.first())
                .and_then(|c| ix.holder.get(c))
                .map(|h| h.name.as_str())
                .filter(|n| !n.is_empty())
                .map_or_else(|| l.person_id.clone(), |n| format!("{n} ({})", l.person_id));
            let card_txt = match cards {
                Some(cs) => format!("card(s) {} not underground", cs.join(", ")),
                None => "no card registered to the person".to_string(),
            };
            if evidence.len() < c.max_evidence {
                evidence.push(Evidence {
                    file: "lamps".into(),
                    time: Some(l.lamp_out),
                    detail: Some(format!(
                        "{name} drew a lamp at {}{}; {card_txt} in that time",
                        hm(l.lamp_out),
                        l.lamp_in.map_or_else(|| " and never returned it".to_string(), |x| format!(" and returned it at {}", hm(x)))
                    )),
                    ..Default::default()
                });
            }
            people.push(name);
        }
        let start = day_start(day);
        let shown = people.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
        let score = 45.0 + 8.0 * (n as f64 - 1.0).min(5.0);
        let title = format!(
            "{n} person(s) drew a lamp on {} with no card underground (下井不带卡, hidden headcount): {shown}{}",
            date(start),
            if n > 10 { format!(" and {} more", n - 10) } else { String::new() }
        );
        let pull = vec![
            format!("lamp-room attendance (灯房考勤) and self-rescuer issue records, {}", date(start)),
            format!("RYSS headcount (人员统计) and shaft check-in records (入井检身记录), {}", date(start)),
            format!("the shift work orders (派班单) naming where {shown} worked, {}", date(start)),
        ];
        let walk = vec![format!("the working faces of the shifts of {} (count heads against the positioning screen)", date(start))];
        out.push(lead(
            "ACC-LEAD-2",
            m.code(),
            start,
            Some(day_start(day + 1)),
            Some("lamps without cards"),
            title,
            evidence,
            score,
            &[taxonomy::HIDDEN_HEADCOUNT],
            pull,
            walk,
        ));
    }
}

// ---------------------------------------------------------------- ACC-LEAD-3

fn hour_floor(t: Timestamp) -> i64 {
    t.0.div_euclid(3600) * 3600
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*m)
}

/// A dense hourly series from `start` (hour start, UTC seconds).
struct Hourly {
    start: i64,
    v: Vec<f64>,
    present: Vec<bool>,
}

impl Hourly {
    fn get(&self, hour: i64) -> Option<f64> {
        let i = (hour - self.start).div_euclid(3600);
        if i < 0 {
            return None;
        }
        let i = i as usize;
        self.present.get(i).copied().unwrap_or(false).then(|| self.v[i])
    }
}

fn dense(points: impl Iterator<Item = (i64, f64)>, from: i64, to: i64) -> Hourly {
    let start = from.div_euclid(3600) * 3600;
    let n = ((to - start).max(0) as usize).div_ceil(3600);
    let mut h = Hourly { start, v: vec![0.0; n], present: vec![false; n] };
    for (t, x) in points {
        let i = (t - start).div_euclid(3600);
        if i >= 0 && (i as usize) < n {
            h.v[i as usize] += x;
            h.present[i as usize] = true;
        }
    }
    h
}

/// A face current point loaded through a positioning gap.
struct FaceCurrent<'a> {
    point: &'a str,
    face: &'a str,
    location: &'a str,
    /// Median hourly mean in the gap, A.
    amps: f64,
    baseline: f64,
    /// Hours of the gap with a reading, and hours in all.
    seen: usize,
    hours: usize,
}

/// The face current points loaded at producing level through `[gf, gt)`.
fn loaded_faces<'a>(points: &'a [CurrentPoint<'a>], c: &ConcealmentConfig, gf: Timestamp, gt: Timestamp) -> Vec<FaceCurrent<'a>> {
    let (h0, hours) = (hour_floor(gf), ((gt.0 - hour_floor(gf)).max(0) as usize).div_ceil(3600));
    let mut out = Vec::new();
    let mut in_gap: Vec<f64> = Vec::new();
    for cp in points {
        let lo = cp.hours.partition_point(|h| h.0 .0 < h0);
        in_gap.clear();
        in_gap.extend(cp.hours[lo..].iter().take_while(|h| h.0 .0 < gt.0).map(|h| h.1));
        let seen = in_gap.len();
        // Readings for most of the gap, as for the metered energy.
        if seen * 2 < hours {
            continue;
        }
        let Some(amps) = median(&mut in_gap) else { continue };
        if amps >= c.current_fraction * cp.baseline && amps >= c.current_idle_factor * cp.producing_low {
            out.push(FaceCurrent {
                point: cp.point,
                face: cp.face.unwrap_or(""),
                location: cp.location,
                amps,
                baseline: cp.baseline,
                seen,
                hours,
            });
        }
    }
    out.sort_by(|a, b| (b.amps / b.baseline).total_cmp(&(a.amps / a.baseline)).then(a.point.cmp(b.point)));
    out
}

/// ACC-LEAD-3: an upload gap while the mine's power stayed on. Power is seen by
/// the metered kWh (total intake, else hoisting) for either system's gap, and, for
/// a positioning gap during which the monitoring uploads went on, by the faces'
/// current points (CDSS 0017) staying loaded: people hidden while the faces work.
/// A monitoring gap cannot be witnessed by CDSS current, which travels in the
/// same uploads and stops with them; only metered kWh can show power then.
fn upload_stops(m: &MineInputs, c: &ConcealmentConfig, sc: &StopsConfig, out: &mut Vec<Lead>) {
    if m.upload_gaps.is_empty() {
        return;
    }
    let (from, to) = (m.from.0.min(m.upload_gaps[0].from.0), m.to.0);
    // Electricity: the mine's intake if metered, else hoisting.
    let consumer = if m.energy.iter().any(|e| e.consumer == Consumer::Total) { Consumer::Total } else { Consumer::Hoisting };
    let power = dense(m.energy.iter().filter(|e| e.consumer == consumer).map(|e| (hour_floor(e.hour), e.kwh)), from, to);
    let mut producing: Vec<f64> = (0..power.v.len())
        .filter(|&i| power.present[i] && power.v[i] > 0.0)
        .filter(|&i| matches!(m.info.status_at(Timestamp(power.start + i as i64 * 3600)), None | Some(MineStatus::Producing)))
        .map(|i| power.v[i])
        .collect();
    let producing_median = median(&mut producing);
    // Headcount: person-hours per hour over all areas; an hour without rows had nobody.
    let heads = dense(m.area_hours.iter().map(|a| (hour_floor(a.hour), a.person_hours as f64)), from, to);
    let heads_known = !m.area_hours.is_empty();
    let (ah_first, ah_last) = match (m.area_hours.first(), m.area_hours.last()) {
        (Some(a), Some(b)) => (hour_floor(a.hour), hour_floor(b.hour)),
        _ => (0, -1),
    };
    let head_at = |h: i64| -> Option<f64> { (heads_known && h >= ah_first && h <= ah_last).then(|| heads.get(h).unwrap_or(0.0)) };
    // The usual headcount per hour of the Beijing day (median over the days).
    let mut usual = [0.0f64; 24];
    if heads_known {
        let mut per_hour: Vec<Vec<f64>> = vec![Vec::new(); 24];
        let mut h = ah_first;
        while h <= ah_last {
            per_hour[Timestamp(h).beijing().hour as usize].push(heads.get(h).unwrap_or(0.0));
            h += 3600;
        }
        for (k, v) in per_hour.iter_mut().enumerate() {
            usual[k] = median(v).unwrap_or(0.0);
        }
    }
    // Output: the declared figure, else the belt scale.
    let source = if m.output.iter().any(|o| o.source == OutputSource::Declared) { OutputSource::Declared } else { OutputSource::BeltScale };
    let daily: BTreeMap<Day, f64> = m.output.iter().filter(|o| o.source == source).fold(BTreeMap::new(), |mut acc, o| {
        *acc.entry(o.day).or_insert(0.0) += o.tonnes;
        acc
    });
    let mut out_vals: Vec<f64> = daily.values().copied().filter(|t| *t > 0.0).collect();
    let output_median = median(&mut out_vals);

    // Gaps of both systems that overlap are one stop.
    let mut episodes: Vec<(Timestamp, Timestamp, Vec<&str>)> = Vec::new();
    for g in &m.upload_gaps {
        if g.to <= g.from {
            continue;
        }
        match episodes.last_mut() {
            Some(e) if g.from <= e.1 => {
                e.1 = e.1.max(g.to);
                if !e.2.contains(&g.system.as_str()) {
                    e.2.push(g.system.as_str());
                }
            }
            _ => episodes.push((g.from, g.to, vec![g.system.as_str()])),
        }
    }
    let k = c.compare_hours.max(1) as i64;
    // Built on the first positioning gap that needs them.
    let mut currents: Option<Vec<CurrentPoint>> = m.power.is_empty().then(Vec::new);
    for (gf, gt, systems) in episodes {
        let minutes = gt.secs_since(gf) as f64 / 60.0;
        if minutes < c.gap_minutes || gf < m.from || gf >= m.to {
            continue;
        }
        // Metered power must be known for most of the gap, and on.
        let energy_on = producing_median.filter(|p| *p > 0.0).and_then(|pmed| {
            let mut in_gap = Vec::new();
            let mut h = hour_floor(gf);
            let mut hours = 0;
            while h < gt.0 {
                hours += 1;
                if let Some(x) = power.get(h) {
                    in_gap.push(x);
                }
                h += 3600;
            }
            if in_gap.len() * 2 < hours {
                return None;
            }
            median(&mut in_gap).filter(|g| *g >= c.power_fraction * pmed).map(|g| (g, pmed))
        });
        // The faces' current, for a positioning gap with the monitoring uploads going on.
        let faces = if systems.contains(&"monitoring") {
            Vec::new()
        } else {
            let points = currents.get_or_insert_with(|| {
                current_points(
                    m,
                    sc,
                    c.current_idle_quantile,
                    |r| r.face.as_deref().is_some_and(|f| !f.is_empty()),
                    |t| matches!(m.info.status_at(t), None | Some(MineStatus::Producing)),
                )
            });
            loaded_faces(points, c, gf, gt)
        };
        if energy_on.is_none() && faces.is_empty() {
            continue;
        }
        // Headcount before and after.
        let before_h = hour_floor(gf) - k * 3600;
        let after_h = hour_floor(Timestamp(gt.0 + 3599));
        let mean = |start: i64| -> Option<f64> {
            let xs: Option<Vec<f64>> = (0..k).map(|i| head_at(start + i * 3600)).collect();
            xs.map(|v| v.iter().sum::<f64>() / k as f64)
        };
        let usual_after = (0..k).map(|i| usual[Timestamp(after_h + i * 3600).beijing().hour as usize]).sum::<f64>() / k as f64;
        let heads_drop = match (mean(before_h), mean(after_h)) {
            (Some(b), Some(a)) if b >= c.min_headcount && a <= c.drop_fraction * b && a <= c.drop_fraction * usual_after => Some((b, a)),
            _ => None,
        };
        // The smaller, lasting drop: levels relative to the usual at their hours.
        let sustained = if heads_drop.is_some() {
            None
        } else {
            let n = c.sustain_hours.max(1) as i64;
            let usual_sum = |start: i64, n: i64| (0..n).map(|i| usual[Timestamp(start + i * 3600).beijing().hour as usize]).sum::<f64>();
            let sum = |start: i64, n: i64| -> Option<f64> { (0..n).map(|i| head_at(start + i * 3600)).sum() };
            match (mean(before_h), sum(after_h, n)) {
                (Some(b), Some(a)) => {
                    let (ub, ua) = (usual_sum(before_h, k) / k as f64, usual_sum(after_h, n) / n as f64);
                    let a = a / n as f64;
                    let (rb, ra) = (b / ub.max(1e-9), a / ua.max(1e-9));
                    (b >= c.min_headcount && ua >= c.min_headcount && ra <= c.mild_drop_fraction && ra <= c.mild_drop_fraction * rb)
                        .then_some((b, a, ua, n))
                }
                _ => None,
            }
        };
        let out_drop = output_median.and_then(|med| {
            let d = day_of(gt);
            [d, d + 1]
                .iter()
                .filter_map(|d| daily.get(d).map(|t| (*d, *t)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .filter(|(_, t)| *t <= c.drop_fraction * med)
                .map(|(d, t)| (d, t, med))
        });
        let long = minutes >= c.long_gap_hours * 60.0;
        if heads_drop.is_none() && sustained.is_none() && out_drop.is_none() && !long {
            continue;
        }
        let sys = systems.join(" and ");
        let consumer_txt = if consumer == Consumer::Total { "total intake" } else { "hoisting" };
        let mut evidence = vec![Evidence {
            file: "upload_gaps".into(),
            value: Some(minutes.round()),
            time: Some(gf),
            detail: Some(format!("{sys} uploads stopped from {} to {} ({:.0} min)", hm(gf), hm(gt), minutes)),
            ..Default::default()
        }];
        if let Some((gap_power, pmed)) = energy_on {
            evidence.push(Evidence {
                file: "energy".into(),
                value: Some((gap_power * 10.0).round() / 10.0),
                time: Some(gf),
                detail: Some(format!(
                    "electricity ({consumer_txt}) during the stop: median {gap_power:.0} kWh per hour, {:.0} % of the mine's median producing hour ({pmed:.0} kWh)",
                    100.0 * gap_power / pmed
                )),
                ..Default::default()
            });
        }
        for f in faces.iter().take(3) {
            evidence.push(Evidence {
                file: "power".into(),
                point: Some(f.point.to_string()),
                area: Some(f.face.to_string()),
                value: Some((f.amps * 10.0).round() / 10.0),
                time: Some(gf),
                detail: Some(format!(
                    "face {} current during the stop, point {} ({}): median {:.0} A over the {} of {} h with readings, {:.0} % of its loaded \
                     producing level ({:.0} A); the monitoring uploads carrying it went on while positioning was dark",
                    f.face,
                    f.point,
                    if f.location.is_empty() { "location not uploaded" } else { f.location },
                    f.amps,
                    f.seen,
                    f.hours,
                    100.0 * f.amps / f.baseline,
                    f.baseline
                )),
                ..Default::default()
            });
        }
        let mut walk = Vec::new();
        if let Some((b, a)) = heads_drop {
            evidence.push(Evidence {
                file: "area_hours".into(),
                value: Some((a * 10.0).round() / 10.0),
                time: Some(Timestamp(after_h)),
                detail: Some(format!(
                    "people underground: {b:.1} per hour in the {k} h before the stop, {a:.1} in the {k} h after it (usually {usual_after:.1} at those hours)"
                )),
                ..Default::default()
            });
            // The areas that lost the most people are where to go.
            let mut per_area: HashMap<&str, (f64, f64)> = HashMap::new();
            let lo = m.area_hours.partition_point(|x| hour_floor(x.hour) < before_h);
            for x in &m.area_hours[lo..] {
                let hh = hour_floor(x.hour);
                if hh >= after_h + k * 3600 {
                    break;
                }
                if hh < before_h + k * 3600 {
                    per_area.entry(x.area.as_str()).or_default().0 += x.person_hours as f64;
                } else if hh >= after_h {
                    per_area.entry(x.area.as_str()).or_default().1 += x.person_hours as f64;
                }
            }
            let mut drops: Vec<(&str, f64)> =
                per_area.into_iter().map(|(a, (b, x))| (a, (b - x) / k as f64)).filter(|x| x.1 > 0.0).collect();
            drops.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            for (a, d) in drops.into_iter().take(3) {
                walk.push(format!("{a} (about {d:.0} fewer people after the stop)"));
            }
        }
        if let Some((b, a, ua, n)) = sustained {
            evidence.push(Evidence {
                file: "area_hours".into(),
                value: Some((a * 10.0).round() / 10.0),
                time: Some(Timestamp(after_h)),
                detail: Some(format!(
                    "people underground: {b:.1} per hour in the {k} h before the stop, {a:.1} on average over the {n} h after it, \
                     {:.0} % of the usual {ua:.1} at those hours",
                    100.0 * a / ua
                )),
                ..Default::default()
            });
        }
        if let Some((d, t, med)) = out_drop {
            evidence.push(Evidence {
                file: "output".into(),
                value: Some(t),
                time: Some(day_start(d)),
                detail: Some(format!("output on {}: {t:.0} t against a median day of {med:.0} t", date(day_start(d)))),
                ..Default::default()
            });
        }
        let concealed = heads_drop.is_some() || out_drop.is_some() || sustained.is_some();
        let mut score = if heads_drop.is_some() || out_drop.is_some() {
            65.0
        } else if sustained.is_some() {
            50.0
        } else {
            40.0
        };
        if heads_drop.is_some() && out_drop.is_some() {
            score += 10.0;
        }
        if systems.len() > 1 {
            score += 10.0;
        }
        // Meters and face current agreeing: two independent witnesses of power.
        if energy_on.is_some() && !faces.is_empty() {
            score += 5.0;
        }
        score += (10.0 * (minutes / 60.0) / 8.0).min(10.0);
        let mut face_names: Vec<&str> = faces.iter().map(|f| f.face).collect();
        face_names.sort_unstable();
        face_names.dedup();
        for f in &face_names {
            walk.push(format!("face {f} (who worked there {} to {}: work tickets, crew and equipment run records)", hm(gf), hm(gt)));
        }
        if walk.is_empty() {
            walk.push(format!("the working faces producing on {} (compare crews and face equipment with the dispatch log)", date(gf)));
        }
        // How the power was seen, for the title.
        let on = |level: &str| match (energy_on, faces.first()) {
            (Some((g, p)), None) => format!("power stayed {level} ({:.0} % of a producing hour)", 100.0 * g / p),
            (Some((g, p)), Some(f)) => {
                format!("power stayed {level} ({:.0} % of a producing hour) and face {} kept drawing current", 100.0 * g / p, f.face)
            }
            (None, Some(f)) => format!(
                "face {} current stayed at producing level ({:.0} % of its loaded level) with monitoring uploading",
                f.face,
                100.0 * f.amps / f.baseline
            ),
            (None, None) => String::new(),
        };
        let title = if concealed {
            format!(
                "{sys} uploads stopped for {:.0} min from {} while {}, and {} dropped right after",
                minutes,
                hm(gf),
                on("on"),
                match (heads_drop.is_some() || sustained.is_some(), out_drop.is_some()) {
                    (true, true) => "headcount and output",
                    (true, false) if sustained.is_some() => "headcount (by a fifth or more, for hours)",
                    (true, false) => "headcount",
                    _ => "output",
                }
            )
        } else {
            format!("{sys} uploads stopped for {:.1} h from {} while {}: work unseen", minutes / 60.0, hm(gf), on("at producing level"))
        };
        let mut pull = vec![
            format!("the {sys} host and transmission logs (上传日志), {} to {}", hm(gf), hm(gt)),
            format!("hourly meter readings of the main substation and the hoist, {}", date(gf)),
            format!("lamp-room attendance and RYSS headcount, {} to {}", date(gf), date(day_start(day_of(gt) + 1))),
            format!("dispatch log (调度日志), shift records and the injury register, {}", date(gf)),
        ];
        if !faces.is_empty() {
            let pts: Vec<&str> = faces.iter().map(|f| f.point).collect();
            pull.push(format!(
                "CDSS current curves (0017) of {} and the face equipment start-stop records (开停记录), {} to {}",
                pts.join(", "),
                hm(gf),
                hm(gt)
            ));
        }
        // Power seen only at the declared faces, people unseen: headcount hidden, not a face.
        let taxa: &[&str] = if concealed {
            &[taxonomy::CONCEALED_ACCIDENT, taxonomy::FAKE_DATA]
        } else if energy_on.is_none() {
            &[taxonomy::HIDDEN_HEADCOUNT, taxonomy::FAKE_DATA]
        } else {
            &[taxonomy::HIDDEN_FACE, taxonomy::FAKE_DATA]
        };
        out.push(lead("ACC-LEAD-3", m.code(), gf, Some(gt), Some(&sys), title, evidence, score, taxa, pull, walk));
    }
}

#[cfg(test)]
mod tests {
    use minesafe_model::registry::MineInfo;
    use minesafe_model::MineCode;

    use super::*;
    use crate::inputs::{AreaHour, DailyOutput, HourlyEnergy, LampRecord, PowerActivity, PowerQuantity, UploadGap};

    const MINE: &str = "140211011234";

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).expect("test time")
    }

    fn mine(from: &str, to: &str) -> MineInputs {
        MineInputs::new(MineInfo::new(MineCode::parse(MINE).expect("code")), t(from), t(to))
    }

    fn trip(card: &str, down: &str, up: Option<&str>, last_seen: &str, areas: &[(&str, &str)]) -> CardTrip {
        CardTrip {
            card: card.into(),
            down: t(down),
            up: up.map(t),
            last_seen: t(last_seen),
            areas: areas.iter().map(|(at, a)| (t(at), a.to_string())).collect(),
        }
    }

    fn ident(card: &str, person: &str, name: &str) -> CardIdentity {
        CardIdentity { card: card.into(), person_id: person.into(), name: name.into(), post: String::new() }
    }

    fn lamp(person: &str, out: &str, back: Option<&str>) -> LampRecord {
        LampRecord { person_id: person.into(), lamp_out: t(out), lamp_in: back.map(t) }
    }

    fn run(mut m: MineInputs) -> Vec<Lead> {
        m.sort();
        detect(&m, &Config::default())
    }

    fn of<'a>(leads: &'a [Lead], rule: &str) -> Vec<&'a Lead> {
        leads.iter().filter(|l| l.finding.rule == rule).collect()
    }

    /// A miner who goes down with C1 and is last seen 13.5 h later at F1101,
    /// with the lamp not returned; a colleague whose trip is ordinary.
    fn vanished_mine() -> MineInputs {
        let mut m = mine("2026-03-01 00:00:00", "2026-03-05 00:00:00");
        m.identities = vec![ident("C1", "P1", "张三"), ident("C2", "P2", "李四")];
        m.trips = vec![
            trip(
                "C1",
                "2026-03-02 08:00:00",
                None,
                "2026-03-02 21:30:00",
                &[("2026-03-02 08:10:00", "A01"), ("2026-03-02 09:00:00", "F1101")],
            ),
            trip(
                "C2",
                "2026-03-02 08:00:00",
                Some("2026-03-02 16:00:00"),
                "2026-03-02 16:00:00",
                &[("2026-03-02 08:10:00", "A01"), ("2026-03-02 09:00:00", "F1101")],
            ),
        ];
        m.lamps = vec![lamp("P1", "2026-03-02 07:50:00", None), lamp("P2", "2026-03-02 07:50:00", Some("2026-03-02 16:10:00"))];
        m
    }

    #[test]
    fn card_that_never_came_up() {
        let leads = run(vanished_mine());
        let l1 = of(&leads, "ACC-LEAD-1");
        assert_eq!(l1.len(), 1, "{leads:#?}");
        let l = l1[0];
        assert_eq!(l.finding.place.as_deref(), Some("C1"));
        assert_eq!(l.finding.start, t("2026-03-02 08:00:00"));
        assert!(l.finding.title.contains("张三") && l.finding.title.contains("F1101"), "{}", l.finding.title);
        let e = &l.finding.evidence[0];
        assert_eq!(e.card.as_deref(), Some("C1"));
        assert_eq!(e.area.as_deref(), Some("F1101"));
        assert_eq!(e.time, Some(t("2026-03-02 21:30:00")));
        assert_eq!(e.value, Some(13.5));
        assert!(l.finding.evidence.iter().any(|e| e.file == "lamps" && e.detail.as_deref().unwrap_or("").contains("no return")));
        assert!(l.pull.iter().any(|p| p.contains("灯房") && p.contains("2026-03-02")));
        assert!(l.pull.iter().any(|p| p.contains("RYSS") && p.contains("C1")));
        assert!(l.walk.iter().any(|w| w.contains("F1101")));
        assert!(l.finding.has_tag(taxonomy::CONCEALED_ACCIDENT));
        // Lamp not returned: two witnesses agree, so the score is high.
        assert!(l.score >= 75.0, "{}", l.score);
        assert!(of(&leads, "ACC-LEAD-2").is_empty(), "{leads:#?}");
    }

    #[test]
    fn never_came_up_boundaries() {
        // The card is missing from going down (08:00) to the end of the record:
        // exactly at the limit (12 h) is not over it, one second more is.
        let early = |m: &mut MineInputs| {
            m.trips[0].last_seen = t("2026-03-02 10:00:00");
            m.trips[1].up = Some(t("2026-03-02 15:00:00"));
            m.trips[1].last_seen = t("2026-03-02 15:00:00");
            m.lamps[1].lamp_in = Some(t("2026-03-02 15:10:00"));
        };
        let mut m = vanished_mine();
        early(&mut m);
        m.to = t("2026-03-02 20:00:00");
        assert!(of(&run(m), "ACC-LEAD-1").is_empty());
        let mut m = vanished_mine();
        early(&mut m);
        m.to = t("2026-03-02 20:00:01");
        assert_eq!(of(&run(m), "ACC-LEAD-1").len(), 1);
        // The registry's own limit wins over the default.
        let mut m = vanished_mine();
        early(&mut m);
        m.to = t("2026-03-02 21:00:00");
        m.info.overtime_hours = Some(14.0);
        assert!(of(&run(m), "ACC-LEAD-1").is_empty());
        // Last seen close to the end of the period: not known to have vanished.
        let mut m = vanished_mine();
        m.to = t("2026-03-02 22:00:00");
        assert!(of(&run(m), "ACC-LEAD-1").is_empty());
        // An exit recorded: came up.
        let mut m = vanished_mine();
        m.trips[0].up = Some(t("2026-03-02 21:40:00"));
        assert!(of(&run(m), "ACC-LEAD-1").is_empty());
        // The card went down again the next day and the lamp had come back: the
        // exit reader missed it.
        let reused = || {
            let mut m = vanished_mine();
            m.trips.push(trip(
                "C1",
                "2026-03-03 08:00:00",
                Some("2026-03-03 16:00:00"),
                "2026-03-03 16:00:00",
                &[("2026-03-03 08:10:00", "A01")],
            ));
            m
        };
        let mut m = reused();
        m.lamps[0].lamp_in = Some(t("2026-03-02 16:05:00"));
        assert!(of(&run(m), "ACC-LEAD-1").is_empty());
        // The same, and the holder drew a lamp the next day (the earlier return
        // simply not booked): the person is alive, the card came back to work.
        let mut m = reused();
        m.lamps.push(lamp("P1", "2026-03-03 07:50:00", Some("2026-03-03 16:10:00")));
        assert!(of(&run(m), "ACC-LEAD-1").is_empty());
        // Positioning dark from then to the end: there are no later snapshots to be absent from.
        let mut m = vanished_mine();
        m.upload_gaps.push(UploadGap { system: "positioning".into(), from: t("2026-03-02 21:40:00"), to: t("2026-03-05 00:00:00") });
        assert!(of(&run(m), "ACC-LEAD-1").is_empty());
        // Lamp returned: still a lead (card left underground) but weaker.
        let strong = of(&run(vanished_mine()), "ACC-LEAD-1")[0].score;
        let mut m = vanished_mine();
        m.lamps[0].lamp_in = Some(t("2026-03-02 16:05:00"));
        let weak = run(m);
        let weak = of(&weak, "ACC-LEAD-1");
        assert_eq!(weak.len(), 1);
        assert!(weak[0].score < strong - 30.0, "{} vs {strong}", weak[0].score);
        // Two cards vanishing together in one area: stronger.
        let mut m = vanished_mine();
        m.lamps[0].lamp_in = Some(t("2026-03-02 16:05:00"));
        m.trips[1].up = None;
        m.trips[1].last_seen = t("2026-03-02 21:00:00");
        m.lamps[1].lamp_in = Some(t("2026-03-02 16:05:00"));
        let both = run(m);
        let both = of(&both, "ACC-LEAD-1");
        assert_eq!(both.len(), 2);
        assert!(both
            .iter()
            .all(|l| l.score > weak[0].score && l.finding.evidence.iter().any(|e| e.value == Some(1.0) && e.file == "trips")));
    }

    /// A card that drops out of the snapshots three hours into a night shift,
    /// with no exit and no lamp back, is overdue from going down to the end of the
    /// record, however early it was last seen.
    #[test]
    fn card_vanishing_early_in_the_shift_is_overdue() {
        let mut m = vanished_mine();
        m.trips[0].down = t("2026-03-02 00:00:00");
        m.trips[0].last_seen = t("2026-03-02 03:10:00");
        m.trips[0].areas = vec![(t("2026-03-02 00:00:00"), "A01".into()), (t("2026-03-02 00:35:00"), "F1101".into())];
        m.lamps[0].lamp_out = t("2026-03-01 23:50:00");
        let leads = run(m);
        let l1 = of(&leads, "ACC-LEAD-1");
        assert_eq!(l1.len(), 1, "{leads:#?}");
        let l = l1[0];
        assert_eq!(l.finding.evidence[0].value, Some(3.2));
        assert_eq!(l.finding.evidence[0].time, Some(t("2026-03-02 03:10:00")));
        // Missing from 00:00 on 03-02 to the end of the record, 03-05 00:00: 72 h.
        assert!(l.finding.title.contains("72.0 h"), "{}", l.finding.title);
        assert!(l.score >= 75.0, "{}", l.score);
    }

    /// A card whose lamp never came back is a person missing even if the card
    /// was handed out again later; the lead names the reuse.
    #[test]
    fn reused_card_with_lamp_never_returned() {
        let mut m = vanished_mine();
        m.trips.push(trip(
            "C1",
            "2026-03-04 08:00:00",
            Some("2026-03-04 16:00:00"),
            "2026-03-04 16:00:00",
            &[("2026-03-04 08:10:00", "A01")],
        ));
        let leads = run(m);
        let l1 = of(&leads, "ACC-LEAD-1");
        assert_eq!(l1.len(), 1, "{leads:#?}");
        let l = l1[0];
        assert_eq!(l.finding.start, t("2026-03-02 08:00:00"));
        assert!(l.finding.title.contains("48.0 h until the card went down again"), "{}", l.finding.title);
        assert!(l.pull.iter().any(|p| p.contains("RYSS") && p.contains("2026-03-04 08:00")), "{:?}", l.pull);
        assert!(l.finding.evidence.iter().any(|e| e.file == "lamps" && e.detail.as_deref().unwrap_or("").contains("no return")));
        // The lamp open but the holder drew another lamp later, card not reused:
        // the person came up; the card was left underground (a weaker lead).
        let strong = l.score;
        let mut m = vanished_mine();
        m.lamps.push(lamp("P1", "2026-03-04 07:50:00", Some("2026-03-04 16:10:00")));
        let weak = run(m);
        let weak = of(&weak, "ACC-LEAD-1");
        assert_eq!(weak.len(), 1);
        assert!(weak[0].score <= strong - 30.0, "{} vs {strong}", weak[0].score);
        assert!(weak[0].finding.evidence.iter().any(|e| e.detail.as_deref().unwrap_or("").contains("drew a lamp again later")));
    }

    /// (a) P1 with cards C1 and C2 underground together in different areas;
    /// (b) C3 moving after P3's lamp came back; (c) card X9 unknown; (d) P4 drew a lamp with no card underground.
    fn hidden_people_mine() -> MineInputs {
        let mut m = mine("2026-03-01 00:00:00", "2026-03-05 00:00:00");
        m.identities = vec![
            ident("C1", "P1", "张三"),
            ident("C2", "P1", "张三"),
            ident("C3", "P3", "王五"),
            ident("C4", "P4", "赵六"),
            ident("C5", "P5", "钱七"),
        ];
        let day = |card: &str, areas: &[(&str, &str)]| {
            trip(card, "2026-03-02 08:00:00", Some("2026-03-02 16:00:00"), "2026-03-02 16:00:00", areas)
        };
        m.trips = vec![
            day("C1", &[("2026-03-02 08:10:00", "A01"), ("2026-03-02 09:00:00", "F1101")]),
            trip(
                "C2",
                "2026-03-02 09:00:00",
                Some("2026-03-02 15:00:00"),
                "2026-03-02 15:00:00",
                &[("2026-03-02 09:10:00", "A01"), ("2026-03-02 10:00:00", "H2203")],
            ),
            day("C3", &[("2026-03-02 08:10:00", "A01"), ("2026-03-02 09:00:00", "F1101"), ("2026-03-02 12:00:00", "H2203")]),
            day("C5", &[("2026-03-02 08:10:00", "A01"), ("2026-03-02 09:00:00", "F1101")]),
            day("X9", &[("2026-03-02 08:10:00", "A01"), ("2026-03-02 09:00:00", "H2203")]),
        ];
        m.lamps = vec![
            lamp("P1", "2026-03-02 07:50:00", Some("2026-03-02 16:10:00")),
            lamp("P3", "2026-03-02 07:50:00", Some("2026-03-02 10:00:00")),
            lamp("P4", "2026-03-02 07:45:00", Some("2026-03-02 16:20:00")),
            lamp("P5", "2026-03-02 07:55:00", Some("2026-03-02 16:05:00")),
        ];
        m
    }

    #[test]
    fn one_person_several_cards_or_card_moving_while_holder_elsewhere() {
        let leads = run(hidden_people_mine());
        let l2 = of(&leads, "ACC-LEAD-2");
        assert_eq!(l2.len(), 4, "{l2:#?}");
        for l in &l2 {
            assert!(l.finding.has_tag(taxonomy::HIDDEN_HEADCOUNT));
            assert!(l.finding.has_tag("hook:CM-15.5"), "{:?}", l.finding.tags);
            assert!(!l.pull.is_empty() && !l.walk.is_empty());
        }
        let by_place =
            |p: &str| l2.iter().find(|l| l.finding.place.as_deref() == Some(p)).copied().unwrap_or_else(|| panic!("no lead at {p}"));
        // (a) one person, two cards, six hours together in different areas.
        let a = by_place("P1");
        assert_eq!(a.finding.start, t("2026-03-02 09:00:00"));
        assert_eq!(a.finding.evidence[0].value, Some(360.0));
        assert!(a.finding.evidence[0].detail.as_deref().unwrap_or("").contains("F1101"));
        assert!(a.finding.title.contains("C1, C2") && a.finding.title.contains("different areas"), "{}", a.finding.title);
        // (b) C3 went into H2203 at 12:00; 王五's lamp had come back at 10:00.
        let b = by_place("C3");
        assert_eq!(b.finding.evidence[0].time, Some(t("2026-03-02 12:00:00")));
        assert_eq!(b.finding.evidence[0].area.as_deref(), Some("H2203"));
        assert!(b.finding.evidence[0].detail.as_deref().unwrap_or("").contains("10:00"));
        assert!(b.walk.iter().any(|w| w.contains("H2203")));
        // (c) X9 is nobody's card.
        let c = by_place("unregistered cards");
        assert_eq!(c.finding.evidence[0].card.as_deref(), Some("X9"));
        // (d) 赵六 drew a lamp and no card of theirs went down.
        let d = by_place("lamps without cards");
        assert!(d.finding.title.contains("赵六") && d.finding.title.contains("2026-03-02"), "{}", d.finding.title);
        assert_eq!(d.finding.start, day_start(day_of(t("2026-03-02 12:00:00"))));
    }

    #[test]
    fn several_cards_boundaries() {
        // Overlap of 14 min (card swapped at the shaft): nothing for P1.
        let mut m = hidden_people_mine();
        m.trips[1].down = t("2026-03-02 15:46:00");
        m.trips[1].areas = vec![(t("2026-03-02 15:50:00"), "A01".into())];
        m.trips[1].up = Some(t("2026-03-02 17:00:00"));
        m.trips[1].last_seen = t("2026-03-02 17:00:00");
        assert!(run(m).iter().all(|l| l.finding.place.as_deref() != Some("P1")));
        // C3's move within the lamp grace after the lamp came back: nothing for C3.
        let mut m = hidden_people_mine();
        m.lamps[1].lamp_in = Some(t("2026-03-02 11:31:00"));
        assert!(run(m.clone()).iter().all(|l| l.finding.place.as_deref() != Some("C3")));
        m.lamps[1].lamp_in = Some(t("2026-03-02 11:29:00"));
        assert!(run(m).iter().any(|l| l.finding.place.as_deref() == Some("C3")));
        // No identity list: no unregistered-card or lamp-without-card lead can be made.
        let mut m = hidden_people_mine();
        m.identities.clear();
        assert!(of(&run(m), "ACC-LEAD-2").is_empty());
        // No trip at all that day (positioning down): a drawn lamp proves nothing.
        let mut m = hidden_people_mine();
        m.trips.retain(|t| t.card == "C1");
        m.trips[0].down = t("2026-03-03 08:00:00");
        m.trips[0].up = Some(t("2026-03-03 16:00:00"));
        m.trips[0].last_seen = t("2026-03-03 16:00:00");
        m.trips[0].areas = vec![(t("2026-03-03 08:10:00"), "A01".into())];
        assert!(run(m).iter().all(|l| l.finding.place.as_deref() != Some("lamps without cards")));
    }

    /// Ten days of a steady mine: ~1000 kWh per hour, ~40 person-hours per hour
    /// in two areas, 3000 t a day; with a small deterministic noise.
    fn steady_mine(seed: u64) -> MineInputs {
        let mut m = mine("2026-03-01 00:00:00", "2026-03-11 00:00:00");
        let mut x = seed;
        let mut rnd = move || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((x >> 33) as f64) / (1u64 << 31) as f64
        };
        let start = m.from.0;
        for h in 0..240 {
            let hour = Timestamp(start + h * 3600);
            m.energy.push(HourlyEnergy { hour, consumer: Consumer::Total, feeder: "T1".into(), kwh: 900.0 + 200.0 * rnd() });
            m.energy.push(HourlyEnergy { hour, consumer: Consumer::Hoisting, feeder: "H1".into(), kwh: 100.0 + 30.0 * rnd() });
            for area in ["F1101", "H2203"] {
                let p = 17.0 + 6.0 * rnd();
                m.area_hours.push(AreaHour { hour, area: area.into(), people_max: p.ceil() as u32, person_hours: p as f32 });
            }
        }
        for d in 0..10 {
            m.output.push(DailyOutput { day: day_of(m.from) + d, source: OutputSource::Declared, tonnes: 2800.0 + 400.0 * rnd() });
        }
        m
    }

    fn gap(system: &str, from: &str, to: &str) -> UploadGap {
        UploadGap { system: system.into(), from: t(from), to: t(to) }
    }

    /// Sets the headcount in `[from, to)` to `people` per area.
    fn set_heads(m: &mut MineInputs, from: &str, to: &str, people: f32) {
        let (a, b) = (t(from), t(to));
        for x in m.area_hours.iter_mut().filter(|x| x.hour >= a && x.hour < b) {
            x.person_hours = people;
            x.people_max = people.ceil() as u32;
        }
    }

    #[test]
    fn upload_stop_with_power_on_and_headcount_drop() {
        let mut m = steady_mine(7);
        m.upload_gaps.push(gap("monitoring", "2026-03-06 10:00:00", "2026-03-06 11:30:00"));
        set_heads(&mut m, "2026-03-06 12:00:00", "2026-03-06 18:00:00", 4.0);
        let leads = run(m);
        let l3 = of(&leads, "ACC-LEAD-3");
        assert_eq!(l3.len(), 1, "{leads:#?}");
        let l = l3[0];
        assert!(l.finding.has_tag(taxonomy::CONCEALED_ACCIDENT));
        assert_eq!(l.finding.start, t("2026-03-06 10:00:00"));
        assert_eq!(l.finding.end, Some(t("2026-03-06 11:30:00")));
        assert_eq!(l.finding.evidence[0].value, Some(90.0));
        let power = &l.finding.evidence[1];
        assert!(power.file == "energy" && power.value.is_some_and(|v| v > 800.0), "{power:?}");
        let heads = &l.finding.evidence[2];
        assert_eq!(heads.file, "area_hours");
        assert_eq!(heads.value, Some(8.0));
        assert!(l.walk.iter().any(|w| w.contains("F1101")) && l.walk.iter().any(|w| w.contains("H2203")));
        assert!(l.pull.iter().any(|p| p.contains("monitoring") && p.contains("2026-03-06 10:00")));
        assert!(l.score >= 65.0);
        // Both systems stopping together, and output collapsing too: stronger.
        let mut m = steady_mine(7);
        m.upload_gaps.push(gap("monitoring", "2026-03-06 10:00:00", "2026-03-06 11:30:00"));
        m.upload_gaps.push(gap("positioning", "2026-03-06 10:10:00", "2026-03-06 11:20:00"));
        set_heads(&mut m, "2026-03-06 12:00:00", "2026-03-06 18:00:00", 4.0);
        let d = day_of(t("2026-03-06 12:00:00"));
        m.output.iter_mut().filter(|o| o.day == d).for_each(|o| o.tonnes = 300.0);
        let both = run(m);
        let both = of(&both, "ACC-LEAD-3");
        assert_eq!(both.len(), 1);
        assert!(both[0].score > l.score + 15.0, "{} vs {}", both[0].score, l.score);
        assert!(both[0].finding.evidence.iter().any(|e| e.file == "output" && e.value == Some(300.0)));
    }

    #[test]
    fn upload_stop_boundaries() {
        let with = |from: &str, to: &str, tweak: &dyn Fn(&mut MineInputs)| {
            let mut m = steady_mine(11);
            m.upload_gaps.push(gap("monitoring", from, to));
            set_heads(&mut m, "2026-03-06 12:00:00", "2026-03-06 18:00:00", 4.0);
            tweak(&mut m);
            run(m).into_iter().filter(|l| l.finding.rule == "ACC-LEAD-3").collect::<Vec<_>>()
        };
        // 29 minutes: under the threshold. 30 minutes: at it.
        assert!(with("2026-03-06 11:31:00", "2026-03-06 12:00:00", &|_| {}).is_empty());
        assert_eq!(with("2026-03-06 11:30:00", "2026-03-06 12:00:00", &|_| {}).len(), 1);
        // Power off during the stop (a real power cut): no lead.
        let off = |m: &mut MineInputs| {
            let h = t("2026-03-06 10:00:00");
            m.energy.iter_mut().filter(|e| e.hour >= h && e.hour < t("2026-03-06 12:00:00")).for_each(|e| e.kwh = 30.0);
        };
        assert!(with("2026-03-06 10:00:00", "2026-03-06 11:30:00", &off).is_empty());
        // No energy data in the stop: power unknown, no lead.
        let none = |m: &mut MineInputs| {
            let h = t("2026-03-06 10:00:00");
            m.energy.retain(|e| e.hour < h || e.hour >= t("2026-03-06 12:00:00"));
        };
        assert!(with("2026-03-06 10:00:00", "2026-03-06 11:30:00", &none).is_empty());
        // No drop after a short stop: an ordinary outage.
        let steady = |m: &mut MineInputs| set_heads(m, "2026-03-06 12:00:00", "2026-03-06 18:00:00", 20.0);
        assert!(with("2026-03-06 10:00:00", "2026-03-06 11:30:00", &steady).is_empty());
        // No drop, but five hours dark with power at producing level: hidden work.
        let long = with("2026-03-06 10:00:00", "2026-03-06 15:00:00", &steady);
        assert_eq!(long.len(), 1);
        assert!(long[0].finding.has_tag(taxonomy::HIDDEN_FACE) && long[0].score < 65.0);
    }

    /// A one-hour positioning stop at 02:00 with power on, after which a fifth
    /// to a third fewer people are underground for the rest of the day: a
    /// lower-scored lead; the same stop on a day that was quiet from the start,
    /// or followed by a tenth fewer people, is nothing.
    #[test]
    fn short_stop_with_smaller_lasting_drop() {
        let with = |heads: &[(&str, &str, f32)]| {
            let mut m = steady_mine(5);
            m.upload_gaps.push(gap("positioning", "2026-03-06 02:00:00", "2026-03-06 03:00:00"));
            m.area_hours.retain(|a| a.hour < t("2026-03-06 02:00:00") || a.hour >= t("2026-03-06 03:00:00"));
            for (from, to, p) in heads {
                set_heads(&mut m, from, to, *p);
            }
            run(m).into_iter().filter(|l| l.finding.rule == "ACC-LEAD-3").collect::<Vec<_>>()
        };
        let l3 = with(&[("2026-03-06 03:00:00", "2026-03-07 00:00:00", 14.0)]);
        assert_eq!(l3.len(), 1, "{l3:#?}");
        let l = &l3[0];
        assert!((45.0..65.0).contains(&l.score), "{}", l.score);
        assert!(l.finding.has_tag(taxonomy::CONCEALED_ACCIDENT));
        let heads = l.finding.evidence.iter().find(|e| e.file == "area_hours").expect("headcount evidence");
        assert_eq!(heads.value, Some(28.0));
        assert_eq!(heads.time, Some(t("2026-03-06 03:00:00")));
        assert!(heads.detail.as_deref().unwrap_or("").contains("6 h after"), "{heads:?}");
        // A clear halving still scores as before, above the smaller drop.
        let half = with(&[("2026-03-06 03:00:00", "2026-03-07 00:00:00", 9.0)]);
        assert_eq!(half.len(), 1);
        assert!(half[0].score >= 65.0 && half[0].score > l.score);
        // A quiet day from before the stop: no drop relative to its own start.
        assert!(with(&[("2026-03-05 20:00:00", "2026-03-07 00:00:00", 14.0)]).is_empty());
        // A tenth fewer people: within ordinary variation.
        assert!(with(&[("2026-03-06 03:00:00", "2026-03-07 00:00:00", 18.0)]).is_empty());
        // The drop must last: two low hours, then back to normal.
        assert!(with(&[("2026-03-06 03:00:00", "2026-03-06 05:00:00", 14.0)]).is_empty());
    }

    #[test]
    fn clean_mine_with_noise_gives_no_lead() {
        for seed in 1..6u64 {
            let mut m = steady_mine(seed);
            let mut x = seed * 7919;
            let mut rnd = move |n: i64| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                ((x >> 33) as i64).rem_euclid(n)
            };
            // 60 people, one card each, one shift a day; lamp room and positioning clocks a few minutes apart.
            for p in 0..60 {
                let person = format!("P{p:03}");
                m.identities.push(ident(&format!("C{p:03}"), &person, &format!("工人{p}")));
            }
            for d in 0..10i64 {
                let base = m.from.0 + d * 86_400;
                for p in 0..60i64 {
                    if rnd(10) == 0 {
                        continue; // a day off
                    }
                    let shift = (p % 3) * 8 * 3600;
                    let down = Timestamp(base + shift + rnd(1800));
                    let up = Timestamp(down.0 + 7 * 3600 + rnd(7200));
                    let face = if p % 2 == 0 { "F1101" } else { "H2203" };
                    let areas = vec![
                        (Timestamp(down.0 + 300 + rnd(600)), "A01".to_string()),
                        (Timestamp(down.0 + 1800 + rnd(1800)), face.to_string()),
                    ];
                    m.trips.push(CardTrip { card: format!("C{p:03}"), down, up: Some(up), last_seen: up, areas });
                    let person = format!("P{p:03}");
                    m.lamps.push(LampRecord {
                        person_id: person,
                        lamp_out: Timestamp(down.0 - 600 + rnd(900)),
                        lamp_in: Some(Timestamp(up.0 - 300 + rnd(1200))),
                    });
                }
            }
            // Short network outages with power on and nothing else changing.
            for g in 0..3 {
                let from = Timestamp(m.from.0 + (2 + 3 * g) * 86_400 + rnd(20) * 3600);
                m.upload_gaps.push(UploadGap { system: "monitoring".into(), from, to: Timestamp(from.0 + 1800 + rnd(5400)) });
            }
            let leads = run(m);
            assert!(leads.is_empty(), "seed {seed}: {leads:#?}");
        }
    }

    /// Face 1201's current point over the ten days of [`steady_mine`]: `amps(hour)`
    /// with ±10 % noise, one row per hour.
    fn add_face_current(m: &mut MineInputs, seed: u64, amps: &dyn Fn(Timestamp) -> f64) {
        let mut x = seed;
        for h in 0..240 {
            let hour = Timestamp(m.from.0 + h * 3600);
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let mean = amps(hour) * (0.9 + 0.2 * ((x >> 33) as f64) / (1u64 << 31) as f64);
            m.power.push(PowerActivity {
                hour,
                point: "012A03".into(),
                face: Some("1201".into()),
                location: "1201综采面采煤机".into(),
                quantity: PowerQuantity::Current,
                mean,
                max: mean * 1.3,
                readings: 360,
            });
        }
    }

    /// Cutting at ~200 A from 08:00 to 24:00, idle at 3 A at night.
    fn two_shifts(t: Timestamp) -> f64 {
        if t.beijing().hour >= 8 {
            200.0
        } else {
            3.0
        }
    }

    /// Positioning dark 10:00–15:00 on 2026-03-06 (no area rows then); the
    /// monitoring uploads go on; no metered energy; headcount steady around it.
    fn dark_positioning(current: &dyn Fn(Timestamp) -> f64) -> Vec<Lead> {
        let mut m = steady_mine(13);
        m.energy.clear();
        let (a, b) = (t("2026-03-06 10:00:00"), t("2026-03-06 15:00:00"));
        m.upload_gaps.push(UploadGap { system: "positioning".into(), from: a, to: b });
        m.area_hours.retain(|x| x.hour < a || x.hour >= b);
        add_face_current(&mut m, 14, current);
        run(m).into_iter().filter(|l| l.finding.rule == "ACC-LEAD-3").collect()
    }

    #[test]
    fn positioning_stop_while_the_face_current_stays_loaded() {
        let leads = dark_positioning(&two_shifts);
        assert_eq!(leads.len(), 1, "{leads:#?}");
        let l = &leads[0];
        assert_eq!(l.finding.place.as_deref(), Some("positioning"));
        assert!(l.finding.title.contains("face 1201 current stayed at producing level") && l.finding.title.ends_with("work unseen"));
        assert!(l.finding.has_tag(taxonomy::HIDDEN_HEADCOUNT) && !l.finding.has_tag(taxonomy::CONCEALED_ACCIDENT));
        let e = l.finding.evidence.iter().find(|e| e.file == "power").expect("current evidence");
        assert_eq!(e.point.as_deref(), Some("012A03"));
        assert_eq!(e.area.as_deref(), Some("1201"));
        assert!(e.value.is_some_and(|v| (180.0..220.0).contains(&v)), "{e:?}");
        let d = e.detail.as_deref().unwrap_or("");
        assert!(d.contains("over the 5 of 5 h with readings") && d.contains("monitoring uploads carrying it went on"), "{d}");
        assert!(l.pull.iter().any(|p| p.starts_with("CDSS current curves (0017) of 012A03")));
        assert!(l.walk.iter().any(|w| w.starts_with("face 1201 (who worked there 2026-03-06 10:00 to 2026-03-06 15:00")), "{:?}", l.walk);
        assert!(!l.finding.evidence.iter().any(|e| e.file == "energy"));

        // The same gap with the face idle (3 A, or 12 A of lights and pumps): nothing.
        assert!(dark_positioning(&|_| 3.0).is_empty());
        assert!(dark_positioning(&|t| if (10..15).contains(&t.beijing().hour) { 12.0 } else { two_shifts(t) }).is_empty());
        // A face loaded round the clock has no idle level: it cannot tell a hidden shift from its usual day.
        assert!(dark_positioning(&|_| 200.0).is_empty());
        let mut m = steady_mine(13);
        m.energy.clear();
        m.upload_gaps.push(gap("positioning", "2026-03-06 10:00:00", "2026-03-06 15:00:00"));
        add_face_current(&mut m, 14, &|_| 200.0);
        let mut cfg = Config::default();
        cfg.concealment.current_idle_factor = 0.0;
        m.sort();
        assert_eq!(of(&detect(&m, &cfg), "ACC-LEAD-3").len(), 1, "without the idle test it would be taken as a witness");
        // Current for under half of the gap: unknown, nothing.
        let mut m = steady_mine(13);
        m.energy.clear();
        m.upload_gaps.push(gap("positioning", "2026-03-06 10:00:00", "2026-03-06 15:00:00"));
        add_face_current(&mut m, 14, &two_shifts);
        m.power.retain(|p| p.hour < t("2026-03-06 10:00:00") || p.hour >= t("2026-03-06 13:00:00"));
        assert!(of(&run(m), "ACC-LEAD-3").is_empty());
    }

    #[test]
    fn monitoring_stop_is_not_witnessed_by_face_current() {
        // Current rows in a monitoring gap cannot exist in real uploads; if a
        // series has them anyway they are not taken as power.
        let mut m = steady_mine(15);
        m.energy.clear();
        m.upload_gaps.push(gap("monitoring", "2026-03-06 10:00:00", "2026-03-06 15:00:00"));
        add_face_current(&mut m, 16, &two_shifts);
        assert!(of(&run(m.clone()), "ACC-LEAD-3").is_empty());
        // Nor when a positioning gap overlaps it (one episode with both systems dark).
        m.upload_gaps.push(gap("positioning", "2026-03-06 11:00:00", "2026-03-06 14:00:00"));
        assert!(of(&run(m), "ACC-LEAD-3").is_empty());
    }

    #[test]
    fn positioning_stop_with_current_and_meters_and_a_headcount_drop() {
        // Metered power and face current both on through a 90-min positioning
        // gap, half the people gone after it: a concealed-accident lead with both witnesses.
        let build = |with_current: bool| {
            let mut m = steady_mine(17);
            m.upload_gaps.push(gap("positioning", "2026-03-06 10:00:00", "2026-03-06 11:30:00"));
            set_heads(&mut m, "2026-03-06 12:00:00", "2026-03-06 18:00:00", 4.0);
            if with_current {
                add_face_current(&mut m, 18, &two_shifts);
            }
            run(m).into_iter().filter(|l| l.finding.rule == "ACC-LEAD-3").collect::<Vec<_>>()
        };
        let (plain, both) = (build(false), build(true));
        assert_eq!((plain.len(), both.len()), (1, 1));
        let l = &both[0];
        assert!(l.finding.has_tag(taxonomy::CONCEALED_ACCIDENT));
        assert!(l.finding.title.contains("face 1201 kept drawing current"), "{}", l.finding.title);
        assert_eq!(l.finding.evidence[1].file, "energy");
        assert_eq!(l.finding.evidence[2].file, "power");
        assert_eq!(l.score, plain[0].score + 5.0);
        // Without the current the lead is as before.
        assert!(!plain[0].finding.evidence.iter().any(|e| e.file == "power"));
        assert!(plain[0].finding.title.contains("while power stayed on (") && !plain[0].finding.title.contains("current"));
    }

    #[test]
    fn clean_mine_with_face_current_and_short_positioning_outages_gives_no_lead() {
        for seed in 20..26u64 {
            let mut m = steady_mine(seed);
            let mut x = seed * 104_729;
            let mut rnd = move |n: i64| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                ((x >> 33) as i64).rem_euclid(n)
            };
            // Shift levels vary, some hours are missing, positioning drops out for up to 3 h
            // at any hour while the faces work.
            add_face_current(&mut m, seed, &|t| if t.beijing().hour >= 8 { 150.0 + (t.0 % 7) as f64 * 20.0 } else { 4.0 });
            let mut i = 0;
            m.power.retain(|_| {
                i += 1;
                i % 13 != 0
            });
            for g in 0..4 {
                let from = Timestamp(m.from.0 + (1 + 2 * g) * 86_400 + rnd(24) * 3600 + rnd(3600));
                let to = Timestamp(from.0 + 1800 + rnd(3 * 3600 - 1800));
                m.area_hours.retain(|a| a.hour < Timestamp(hour_floor(from)) || a.hour >= to);
                m.upload_gaps.push(UploadGap { system: "positioning".into(), from, to });
            }
            let leads = of(&run(m), "ACC-LEAD-3").into_iter().cloned().collect::<Vec<_>>();
            assert!(leads.is_empty(), "seed {seed}: {leads:#?}");
        }
    }
}
