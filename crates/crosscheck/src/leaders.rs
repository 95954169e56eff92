//! Leaders underground (REC-7, POS-6): each leader's shifts underground per
//! month, from their cards, against the rota (带班下井计划).
//!
//! A leader's cards come from the lamp room's identity list (card → person). A
//! trip of one of those cards counts as a shift when it lasts at least
//! [`LeadersConfig::min_trip_hours`] and overlaps a shift of the registry's
//! schedule; it is counted for the shift it overlaps most, and each shift once
//! however many trips fall in it. A trip whose card never moves past the shaft
//! bottom — at most [`LeadersConfig::hung_max_areas`] areas, none of them a
//! declared face's — is the "card hung at the shaft bottom" trick (卡挂井底): it
//! is not counted and is flagged even when the rota is met.
//!
//! Only months wholly inside the analysis period and with positioning data (at
//! least one trip of any card) are judged; without the identity list nothing is.

use std::collections::{BTreeSet, HashMap, HashSet};

use minesafe_model::{Evidence, Timestamp};
use serde::{Deserialize, Serialize};

use crate::inputs::{day_of, day_start, CardTrip, Day, LeaderRota, MineInputs};
use crate::lead::{self, taxonomy, Lead};
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeadersConfig {
    /// A trip shorter than this is a visit, not a shift underground (2 h).
    pub min_trip_hours: f64,
    /// A trip of at least `min_trip_hours` through at most this many areas, none a
    /// declared face's, is a card left near the shaft bottom (2: shaft mouth and
    /// shaft bottom).
    pub hung_max_areas: usize,
    /// At most this many trips are itemised in a lead's evidence.
    pub max_evidence: usize,
}

impl Default for LeadersConfig {
    fn default() -> Self {
        LeadersConfig { min_trip_hours: 2.0, hung_max_areas: 2, max_evidence: 40 }
    }
}

/// A shift of the schedule as minutes after the day's Beijing midnight; `end`
/// may pass 1440 for a night shift.
#[derive(Clone, Debug)]
struct ShiftSpan {
    name: String,
    start: i64,
    end: i64,
}

fn minutes(hhmm: &str) -> Option<i64> {
    let (h, m) = hhmm.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 1440).then_some(h * 60 + m)
}

/// The registry's schedule; three 8-hour shifts from midnight when it has none.
fn schedule(m: &MineInputs) -> Vec<ShiftSpan> {
    let mut v: Vec<ShiftSpan> = m
        .info
        .shifts
        .iter()
        .filter_map(|s| {
            let (a, b) = (minutes(&s.start)?, minutes(&s.end)?);
            let b = if b <= a { b + 1440 } else { b };
            (b > a).then(|| ShiftSpan { name: s.name.clone(), start: a, end: b })
        })
        .collect();
    if v.is_empty() {
        v = (0..3)
            .map(|i| ShiftSpan { name: format!("{:02}:00–{:02}:00", i * 8, i * 8 + 8), start: i * 480, end: i * 480 + 480 })
            .collect();
    }
    v
}

/// The shift instance `(day, index)` a trip overlaps most.
fn shift_of(shifts: &[ShiftSpan], down: Timestamp, up: Timestamp) -> Option<(Day, usize)> {
    let mut best: Option<(i64, Day, usize)> = None;
    for d in day_of(down) - 1..=day_of(up) {
        let base = day_start(d).0;
        for (i, s) in shifts.iter().enumerate() {
            let overlap = (base + s.end * 60).min(up.0) - (base + s.start * 60).max(down.0);
            if overlap > 0 && best.is_none_or(|(o, _, _)| overlap > o) {
                best = Some((overlap, d, i));
            }
        }
    }
    best.map(|(_, d, i)| (d, i))
}

/// First day of the month containing `d`, and of the next month.
fn month_bounds(d: Day) -> Option<(Day, Day)> {
    let c = day_start(d).beijing();
    let first = Timestamp::from_beijing(c.year, c.month, 1, 0, 0, 0)?;
    let next = if c.month == 12 {
        Timestamp::from_beijing(c.year + 1, 1, 1, 0, 0, 0)?
    } else {
        Timestamp::from_beijing(c.year, c.month + 1, 1, 0, 0, 0)?
    };
    Some((day_of(first), day_of(next)))
}

/// How one trip of a leader's card was read.
enum Reading {
    Counted(Day, usize),
    /// The same shift was already counted from another trip.
    SameShift(Day, usize),
    Hung(Day, usize),
    TooShort,
    NoShift,
}

/// The leads of this module for one mine.
pub fn detect(m: &MineInputs, cfg: &Config) -> Vec<Lead> {
    let c = &cfg.leaders;
    if m.rota.is_empty() || m.identities.is_empty() || m.trips.is_empty() {
        return Vec::new();
    }
    let shifts = schedule(m);
    let face_areas: HashSet<&str> = m.info.faces.iter().flat_map(|f| f.areas.iter().map(String::as_str)).collect();
    let leader_ids: HashSet<&str> = m.rota.iter().map(|r| r.person_id.as_str()).collect();
    let mut cards_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for i in &m.identities {
        if leader_ids.contains(i.person_id.as_str()) && !i.card.is_empty() {
            cards_of.entry(i.person_id.as_str()).or_default().push(i.card.as_str());
        }
    }
    let leader_cards: HashSet<&str> = cards_of.values().flatten().copied().collect();
    let mut trips_of: HashMap<&str, Vec<&CardTrip>> = HashMap::new();
    for t in &m.trips {
        if leader_cards.contains(t.card.as_str()) {
            trips_of.entry(t.card.as_str()).or_default().push(t);
        }
    }
    let (first_day, end_day) = (day_of(m.from), day_of(m.to.plus_secs(-1)) + 1);
    let mut leads = Vec::new();
    for r in &m.rota {
        if r.required_shifts == 0 {
            continue;
        }
        let Some((ms, me)) = month_bounds(r.month) else { continue };
        if ms < first_day || me > end_day {
            continue;
        }
        // Positioning data for the month at all: otherwise there is nothing to count from.
        let (ts, te) = (day_start(ms), day_start(me));
        let any_data = m.trips.partition_point(|t| t.down < ts) < m.trips.partition_point(|t| t.down < te);
        if !any_data {
            continue;
        }
        let cards = cards_of.get(r.person_id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let mut trips: Vec<&CardTrip> = cards.iter().filter_map(|k| trips_of.get(k)).flatten().copied().collect();
        trips.retain(|t| t.down < te && t.up.unwrap_or(t.last_seen) >= ts.plus_secs(-86_400));
        trips.sort_by_key(|t| t.down);
        let mut counted: BTreeSet<(Day, usize)> = BTreeSet::new();
        let mut readings = Vec::with_capacity(trips.len());
        for t in &trips {
            let up = t.up.unwrap_or(t.last_seen);
            let hours = up.secs_since(t.down) as f64 / 3600.0;
            let reading = if hours < c.min_trip_hours {
                Reading::TooShort
            } else {
                match shift_of(&shifts, t.down, up) {
                    None => Reading::NoShift,
                    Some((d, _)) if d < ms || d >= me => continue,
                    Some((d, i)) if is_hung(t, &face_areas, c.hung_max_areas) => Reading::Hung(d, i),
                    Some((d, i)) if !counted.insert((d, i)) => Reading::SameShift(d, i),
                    Some((d, i)) => Reading::Counted(d, i),
                }
            };
            readings.push((*t, hours, reading));
        }
        let hung = readings.iter().filter(|(_, _, r)| matches!(r, Reading::Hung(..))).count();
        let actual = counted.len() as u32;
        if actual >= r.required_shifts && hung == 0 {
            continue;
        }
        leads.push(build(m, c, r, (ms, me), cards, &shifts, actual, hung, &readings));
    }
    leads
}

fn is_hung(t: &CardTrip, face_areas: &HashSet<&str>, max_areas: usize) -> bool {
    if t.areas.is_empty() || t.areas.iter().any(|(_, a)| face_areas.contains(a.as_str())) {
        return false;
    }
    let mut seen: Vec<&str> = Vec::with_capacity(max_areas + 1);
    for (_, a) in &t.areas {
        if !seen.contains(&a.as_str()) {
            seen.push(a.as_str());
            if seen.len() > max_areas {
                return false;
            }
        }
    }
    true
}

#[allow(clippy::too_many_arguments)]
fn build(
    m: &MineInputs,
    c: &LeadersConfig,
    r: &LeaderRota,
    (ms, me): (Day, Day),
    cards: &[&str],
    shifts: &[ShiftSpan],
    actual: u32,
    hung: usize,
    readings: &[(&CardTrip, f64, Reading)],
) -> Lead {
    let month = &day_start(ms).beijing_date()[..7];
    let who = if r.name.is_empty() { r.person_id.clone() } else { format!("{} ({})", r.name, r.person_id) };
    let post = if r.post.is_empty() { String::new() } else { format!(", {}", r.post) };
    let shift_label =
        |d: Day, i: usize| format!("{} {}", day_start(d).beijing_date(), shifts.get(i).map(|s| s.name.as_str()).unwrap_or(""));
    let mut title = format!(
        "Leader {who}{post} went underground {actual} shift{} in {month} against {} on the rota (带班下井)",
        if actual == 1 { "" } else { "s" },
        r.required_shifts
    );
    if hung > 0 {
        title.push_str(&format!("; {hung} more trip{} with the card left near the shaft bottom", if hung == 1 { "" } else { "s" }));
    }
    let mut evidence = vec![Evidence {
        file: "rota".into(),
        value: Some(r.required_shifts as f64),
        time: Some(day_start(ms)),
        detail: Some(format!(
            "The rota requires {} shifts underground of {who} in {month}; the positioning data show {actual} shift{} from card{} {} (trips of at least {} h overlapping a shift, each shift counted once){}",
            r.required_shifts,
            if actual == 1 { "" } else { "s" },
            if cards.len() == 1 { "" } else { "s" },
            if cards.is_empty() { "— none: no card is registered to this person in the lamp-room list".to_string() } else { cards.join(", ") },
            c.min_trip_hours,
            if hung > 0 { format!("; {hung} trip{} not counted because the card did not move past the shaft bottom", if hung == 1 { "" } else { "s" }) } else { String::new() }
        )),
        ..Default::default()
    }];
    for (t, hours, reading) in readings.iter().take(c.max_evidence) {
        let up = t.up.map(|u| u.upload_format()).unwrap_or_else(|| format!("no exit seen, last seen {}", t.last_seen.upload_format()));
        let mut areas: Vec<&str> = Vec::new();
        for (_, a) in &t.areas {
            if !areas.contains(&a.as_str()) {
                areas.push(a.as_str());
            }
        }
        let how = match reading {
            Reading::Counted(d, i) => format!("counted for {}", shift_label(*d, *i)),
            Reading::SameShift(d, i) => format!("same shift as an earlier trip ({}), counted once", shift_label(*d, *i)),
            Reading::Hung(d, i) => {
                format!("NOT counted for {}: the card stayed in {} and never moved on", shift_label(*d, *i), areas.join(", "))
            }
            Reading::TooShort => format!("not counted: shorter than {} h", c.min_trip_hours),
            Reading::NoShift => "not counted: overlaps no shift of the schedule".to_string(),
        };
        evidence.push(Evidence {
            file: "trips".into(),
            card: Some(t.card.clone()),
            area: t.areas.last().map(|(_, a)| a.clone()),
            value: Some((hours * 10.0).round() / 10.0),
            time: Some(t.down),
            detail: Some(format!(
                "Card {} down {} → up {up} ({hours:.1} h) through {}: {how}",
                t.card,
                t.down.upload_format(),
                if areas.is_empty() { "no area recorded".to_string() } else { areas.join(" → ") }
            )),
            ..Default::default()
        });
    }
    if readings.len() > c.max_evidence {
        evidence.push(Evidence {
            file: "trips".into(),
            detail: Some(format!("{} further trips not itemised", readings.len() - c.max_evidence)),
            ..Default::default()
        });
    }
    let shortfall = r.required_shifts.saturating_sub(actual) as f64 / r.required_shifts as f64;
    let score = 35.0 + 45.0 * shortfall + (10.0 * hung as f64).min(20.0);
    let last = day_start(me).plus_secs(-1).beijing_date();
    let first = day_start(ms).beijing_date();
    let mut pull = vec![
        format!("the leader's underground log and hand-over records (带班下井记录/交接班记录) of {who} for {first}…{last}"),
        format!("lamp-room attendance (灯房考勤) of {who} for {month}"),
    ];
    if !cards.is_empty() {
        pull.push(format!(
            "positioning history of card{} {} for {first}…{last}",
            if cards.len() == 1 { "" } else { "s" },
            cards.join(", ")
        ));
    }
    let mut walk = Vec::new();
    if hung > 0 {
        let mut spots: Vec<&str> = Vec::new();
        for (t, _, reading) in readings {
            if matches!(reading, Reading::Hung(..)) {
                for (_, a) in &t.areas {
                    if !spots.contains(&a.as_str()) {
                        spots.push(a.as_str());
                    }
                }
            }
        }
        pull.push("shaft-bottom and cage camera footage at the times of the uncounted trips".to_string());
        walk.push(format!(
            "shaft bottom, areas {}: where the card stayed — look for cards left on racks or in the signal room",
            spots.join(", ")
        ));
    }
    walk.push(format!("the faces worked in {month}: ask the shift crews whether {who} was with them"));
    lead::lead(
        "REC-7",
        m.code(),
        day_start(ms),
        Some(day_start(me)),
        Some(&format!("leader:{}", r.person_id)),
        title,
        evidence,
        score,
        &[taxonomy::FAKE_DUTY],
        pull,
        walk,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::CardIdentity;
    use minesafe_model::registry::{Face, MineInfo, Shift};
    use minesafe_model::MineCode;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).expect("time")
    }

    fn mine() -> MineInputs {
        let mut info = MineInfo::new(MineCode::parse("140000000101").expect("code"));
        info.shifts = vec![
            Shift { name: "零点班".into(), start: "00:00".into(), end: "08:00".into(), producing: true },
            Shift { name: "八点班".into(), start: "08:00".into(), end: "16:00".into(), producing: false },
            Shift { name: "四点班".into(), start: "16:00".into(), end: "24:00".into(), producing: true },
        ];
        info.faces = vec![Face { id: "LW1".into(), kind: "longwall".into(), areas: vec!["FACE".into()], ..Default::default() }];
        let mut m = MineInputs::new(info, t("2026-03-01 00:00:00"), t("2026-04-01 00:00:00"));
        m.identities = vec![
            CardIdentity { card: "C1".into(), person_id: "P1".into(), name: "张虚一".into(), post: "矿长".into() },
            CardIdentity { card: "C9".into(), person_id: "P9".into(), name: "工人".into(), post: String::new() },
        ];
        m.rota = vec![LeaderRota {
            person_id: "P1".into(),
            name: "张虚一".into(),
            post: "矿长".into(),
            month: day_of(t("2026-03-01 00:00:00")),
            required_shifts: 5,
        }];
        m
    }

    fn trip(card: &str, down: &str, hours: f64, areas: &[&str]) -> CardTrip {
        let d = t(down);
        let up = d.plus_secs((hours * 3600.0) as i64);
        CardTrip {
            card: card.into(),
            down: d,
            up: Some(up),
            last_seen: up,
            areas: areas.iter().enumerate().map(|(i, a)| (d.plus_secs(600 * i as i64), a.to_string())).collect(),
        }
    }

    const WALK: &[&str] = &["MOUTH", "YARD", "ROAD", "FACE", "ROAD", "YARD"];

    fn run(m: &mut MineInputs) -> Vec<Lead> {
        m.sort();
        detect(m, &Config::default())
    }

    #[test]
    fn leader_below_rota_is_a_lead() {
        let mut m = mine();
        for d in 2..=4 {
            m.trips.push(trip("C1", &format!("2026-03-{d:02} 08:30:00"), 5.0, WALK));
        }
        // A worker's trips show the month has positioning data.
        m.trips.push(trip("C9", "2026-03-20 08:30:00", 7.0, WALK));
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1);
        let l = &leads[0];
        assert_eq!(l.finding.rule, "REC-7");
        assert!(l.finding.title.contains("3 shifts") && l.finding.title.contains("against 5"), "{}", l.finding.title);
        assert!(l.finding.has_tag(taxonomy::FAKE_DUTY));
        assert_eq!(l.finding.evidence.len(), 4);
        assert!(l.finding.evidence[1].detail.as_deref().is_some_and(|d| d.contains("counted for 2026-03-02 八点班")));
        assert!(l.pull.iter().any(|p| p.contains("带班下井记录")));
        let score = l.score;
        // Five shifts meet the rota.
        for d in 5..=6 {
            m.trips.push(trip("C1", &format!("2026-03-{d:02} 16:30:00"), 6.0, WALK));
        }
        assert!(run(&mut m).is_empty());
        // Two trips in one shift count once; a short visit does not count.
        let sixth = t("2026-03-06 16:30:00");
        m.trips.retain(|tr| tr.down != sixth);
        m.trips.push(trip("C1", "2026-03-05 19:00:00", 2.5, WALK));
        m.trips.push(trip("C1", "2026-03-07 09:00:00", 1.9, WALK));
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1);
        assert!(leads[0].finding.title.contains("4 shifts"), "{}", leads[0].finding.title);
        assert!(leads[0].score < score, "a smaller shortfall scores lower");
        assert!(leads[0].finding.evidence.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("counted once"))));
        assert!(leads[0].finding.evidence.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("shorter than 2 h"))));
    }

    #[test]
    fn a_card_hung_at_the_shaft_bottom_is_not_a_shift() {
        let mut m = mine();
        for d in 2..=4 {
            m.trips.push(trip("C1", &format!("2026-03-{d:02} 08:30:00"), 6.0, WALK));
        }
        for d in 10..=11 {
            m.trips.push(trip("C1", &format!("2026-03-{d:02} 08:30:00"), 7.0, &["MOUTH", "YARD"]));
        }
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1);
        let l = &leads[0];
        assert!(l.finding.title.contains("3 shifts") && l.finding.title.contains("2 more trips"), "{}", l.finding.title);
        assert!(l.walk.iter().any(|w| w.contains("YARD")));
        // Even when the rota is met, a hung card is flagged.
        for d in 12..=13 {
            m.trips.push(trip("C1", &format!("2026-03-{d:02} 08:30:00"), 6.0, WALK));
        }
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1);
        assert!(leads[0].finding.title.contains("5 shifts"), "{}", leads[0].finding.title);
        // A trip to the face through two areas is not a hung card.
        m.trips.retain(|t| t.areas.len() != 2);
        m.trips.push(trip("C1", "2026-03-20 08:30:00", 6.0, &["YARD", "FACE"]));
        assert!(run(&mut m).is_empty());
    }

    #[test]
    fn night_shifts_and_registry_without_schedule() {
        let mut m = mine();
        m.info.shifts = vec![Shift { name: "夜班".into(), start: "22:00".into(), end: "06:00".into(), producing: true }];
        for d in 1..=5 {
            m.trips.push(trip("C1", &format!("2026-03-{d:02} 23:00:00"), 5.0, WALK));
        }
        assert!(run(&mut m).is_empty());
        // No schedule: three 8-hour shifts from midnight.
        m.info.shifts.clear();
        assert!(run(&mut m).is_empty());
        // Garbage schedule text is ignored, not a panic.
        m.info.shifts = vec![Shift { name: "x".into(), start: "25:99".into(), end: "ab".into(), producing: true }];
        assert!(run(&mut m).is_empty());
    }

    #[test]
    fn missing_data_gives_no_lead() {
        // No identities, no trips, a partial month, a zero requirement, trips ending before they start.
        let mut m = mine();
        m.identities.clear();
        m.trips.push(trip("C9", "2026-03-20 08:30:00", 7.0, WALK));
        assert!(run(&mut m).is_empty());
        let mut m = mine();
        assert!(run(&mut m).is_empty(), "no positioning data at all");
        let mut m = mine();
        m.to = t("2026-03-20 00:00:00");
        m.trips.push(trip("C9", "2026-03-10 08:30:00", 7.0, WALK));
        assert!(run(&mut m).is_empty(), "the month is not wholly in the period");
        let mut m = mine();
        m.rota[0].required_shifts = 0;
        m.trips.push(trip("C9", "2026-03-10 08:30:00", 7.0, WALK));
        assert!(run(&mut m).is_empty());
        let mut m = mine();
        m.trips.push(trip("C9", "2026-03-10 08:30:00", 7.0, WALK));
        let mut bad = trip("C1", "2026-03-11 08:30:00", 7.0, &[]);
        bad.up = None;
        bad.last_seen = t("2026-03-01 00:00:00");
        m.trips.push(bad);
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1, "the leader is still below the rota");
        assert!(leads[0].finding.title.contains("0 shifts"));
        // A leader with no card in the identity list: counted as zero, said so.
        let mut m = mine();
        m.identities.retain(|i| i.person_id != "P1");
        m.trips.push(trip("C9", "2026-03-10 08:30:00", 7.0, WALK));
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1);
        assert!(leads[0].finding.evidence[0].detail.as_deref().is_some_and(|d| d.contains("no card is registered")));
    }

    #[test]
    fn a_clean_noisy_mine_gives_no_lead() {
        let mut m = mine();
        m.from = t("2026-01-01 00:00:00");
        m.to = t("2027-01-01 00:00:00");
        let mut x: u64 = 99;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) as i64
        };
        m.rota.clear();
        for month in 1..=12u32 {
            let first = Timestamp::from_beijing(2026, month, 1, 0, 0, 0).expect("month");
            m.rota.push(LeaderRota {
                person_id: "P1".into(),
                name: "张虚一".into(),
                post: "矿长".into(),
                month: day_of(first),
                required_shifts: 12,
            });
            // 14–20 shifts a month at random shifts and durations (4–9 h), some extra short visits.
            let n = 14 + next() % 7;
            for k in 0..n {
                let d = day_start(day_of(first) + (k * 2 % 28) as Day);
                let shift = next() % 3;
                let down = d.plus_secs(shift * 8 * 3600 + 600 + next() % 1800);
                let hours = 4.0 + (next() % 50) as f64 / 10.0;
                let mut tr = trip("C1", &down.upload_format(), hours, WALK);
                if next() % 5 == 0 {
                    tr.up = None;
                }
                m.trips.push(tr);
                if next() % 4 == 0 {
                    m.trips.push(trip("C1", &d.plus_secs(20 * 3600).upload_format(), 0.5, &["MOUTH"]));
                }
            }
        }
        assert!(run(&mut m).is_empty());
    }
}
