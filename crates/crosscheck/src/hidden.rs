//! Hidden working faces (隐蔽工作面, REC-1): sustained people, power or explosives
//! where no declared face is; crews dwelling a shift long away from declared
//! faces; new areas or stations appearing.
//!
//! What is declared: the registry's faces — their ids, names, areas and feeders —
//! and the areas it lists that are not work sites (roadways, shaft bottom,
//! chambers). Three independent sources are read:
//! - people (`area_hours`): in an area no face covers, hours in which the
//!   person-hours beyond the area's usual staffing reach
//!   [`HiddenConfig::min_people`], in runs of at least `min_hours` consecutive
//!   hours, on at least `min_days` days. The usual staffing of an area the
//!   registry lists is taken per hour of the day (Beijing clock): the median,
//!   over the days of the period, of the area's person-hours in that hour (a day
//!   with nobody there counts as zero). So the signal man at the shaft bottom,
//!   the belt attendants in the main roadway and the roadway crew that comes
//!   every maintenance shift (八点班 08–16) are routine, not a face: a crew that
//!   works in a listed area at the same hours on at least half of the days is
//!   what the area is for. What stands out is staffing beyond that — a crew at
//!   hours or on days the area is normally not worked. The limit a regulator
//!   must know: a crew in a *listed* area at fixed hours on more than half of
//!   the period's days is absorbed into the usual staffing; such a face still
//!   shows through an undeclared feeder or explosives, or in a shorter period
//!   (analyse by quarter). An area the registry does not list at all (a new
//!   area or station) has no usual staffing — any crew there counts, from half a
//!   shift (`new_area_min_hours`), and the lead says the area is new;
//! - power (`energy`): a face feeder (`Consumer::Face`) no declared face lists,
//!   drawing at least `min_face_kwh` an hour in the same sustained pattern;
//! - explosives (`explosives`): issues to a place that is no declared face.
//!
//! Signals are combined per place: explosives naming an area join that area;
//! an undeclared feeder or explosives place joins the area whose crew days it
//! coincides with (at least `merge_overlap` of its days). The score grows with
//! the number of independent sources and with how many days they last.
//!
//! Without declared faces nothing is judged (there is nothing to compare with);
//! the people signal needs every declared face to name its areas (a face with no
//! area could be where the crew is).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use minesafe_model::{Evidence, Timestamp};
use serde::{Deserialize, Serialize};

use crate::inputs::{day_of, day_start, Consumer, Day, MineInputs};
use crate::lead::{self, taxonomy, Lead};
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HiddenConfig {
    /// People present on average in an hour beyond the area's usual staffing at
    /// that hour of the day (person-hours in the hour, less the median over the
    /// period's days for the same hour) for the hour to count as worked (3).
    pub min_people: f64,
    /// Consecutive worked hours that make a stint, and stint hours a day needs (6:
    /// most of an eight-hour shift), in an area the registry lists.
    pub min_hours: u32,
    /// The same for an area the registry does not list at all (4: half a shift).
    /// Why lower: an area or reader station missing from the registry is itself
    /// undeclared (a drawing that does not show the workings, 假图纸), so there is
    /// no routine staffing to mistake for a face; a crew of `min_people` coming
    /// back to it half a shift at a time on `min_days` days is already a
    /// working place that must be explained. Never above `min_hours` in effect.
    pub new_area_min_hours: u32,
    /// Days with a stint before people or power make a signal (3).
    pub min_days: u32,
    /// kWh in an hour on an undeclared face feeder for the hour to count as worked (5).
    pub min_face_kwh: f64,
    /// Days with explosives issued to an undeclared place before it is a signal (1).
    pub explosives_min_days: u32,
    /// Share of a feeder's or explosives place's days that must coincide with an
    /// area's crew days to join that area's lead (0.5).
    pub merge_overlap: f64,
    /// At most this many days are itemised per signal in a lead's evidence (20).
    pub max_evidence: usize,
}

impl Default for HiddenConfig {
    fn default() -> Self {
        HiddenConfig {
            min_people: 3.0,
            min_hours: 6,
            new_area_min_hours: 4,
            min_days: 3,
            min_face_kwh: 5.0,
            explosives_min_days: 1,
            merge_overlap: 0.5,
            max_evidence: 20,
        }
    }
}

/// One worked hour: (hour index = UTC seconds / 3600, amount, peak).
type Hourly = (i64, f64, f64);

/// Explosives issued to one place as written, by day: (kg, detonators).
type PlaceIssues = (String, BTreeMap<Day, (f64, f64)>);

/// One day of a sustained signal.
#[derive(Clone, Debug)]
struct DayStat {
    day: Day,
    /// Hours of the day inside stints (people, power) or issues (explosives).
    hours: u32,
    /// Person-hours beyond the usual, kWh, or explosive kg.
    amount: f64,
    /// Most people at once, highest kWh in an hour, or detonators.
    peak: f64,
    /// First and last worked hour (hour index = UTC seconds / 3600).
    first_hour: i64,
    last_hour: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    People,
    Power,
    Explosives,
}

#[derive(Clone, Debug)]
struct Signal {
    source: Source,
    /// Area code, feeder id or explosives place as written.
    key: String,
    days: Vec<DayStat>,
    /// People: the highest usual person-hours of the area at any hour of the day
    /// (0 for a new area or one where nobody usually is).
    baseline: f64,
    /// People: the registry does not list the area.
    new_area: bool,
}

impl Signal {
    fn start(&self) -> Timestamp {
        self.days.first().map(|d| Timestamp(d.first_hour * 3600)).unwrap_or(Timestamp(0))
    }
    fn end(&self) -> Timestamp {
        self.days.last().map(|d| Timestamp((d.last_hour + 1) * 3600)).unwrap_or(Timestamp(0))
    }
    fn has_day(&self, d: Day) -> bool {
        self.days.binary_search_by_key(&d, |s| s.day).is_ok()
    }
    fn span(&self) -> String {
        match (self.days.first(), self.days.last()) {
            (Some(a), Some(b)) if a.day != b.day => format!("{}…{}", date(a.day), date(b.day)),
            (Some(a), _) => date(a.day),
            _ => String::new(),
        }
    }
}

fn date(d: Day) -> String {
    day_start(d).beijing_date()
}

fn hhmm(hour: i64) -> String {
    let s = Timestamp(hour * 3600).upload_format();
    s[11..16].to_string()
}

/// Human text (explosives places) compared without case and spaces.
fn norm(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// Days with at least `min_hours` hours inside runs of `min_hours` consecutive
/// active hours. `active` holds (hour index, amount, peak), sorted by hour, one per hour.
fn sustained(active: &[Hourly], min_hours: u32) -> Vec<DayStat> {
    let min_hours = min_hours.max(1) as usize;
    let mut days: Vec<DayStat> = Vec::new();
    let mut i = 0;
    while i < active.len() {
        let mut j = i + 1;
        while j < active.len() && active[j].0 == active[j - 1].0 + 1 {
            j += 1;
        }
        if j - i >= min_hours {
            for &(h, amount, peak) in &active[i..j] {
                let d = day_of(Timestamp(h * 3600));
                match days.last_mut() {
                    Some(s) if s.day == d => {
                        s.hours += 1;
                        s.amount += amount;
                        s.peak = s.peak.max(peak);
                        s.last_hour = h;
                    }
                    _ => days.push(DayStat { day: d, hours: 1, amount, peak, first_hour: h, last_hour: h }),
                }
            }
        }
        i = j;
    }
    days.retain(|s| s.hours as usize >= min_hours);
    days
}

/// Lower median of `n_hours` hourly values of which only `values` are non-zero.
fn median_with_zeros(values: &mut [f64], n_hours: usize) -> f64 {
    let n = n_hours.max(values.len());
    if n == 0 {
        return 0.0;
    }
    let k = (n - 1) / 2;
    let zeros = n - values.len();
    if k < zeros {
        return 0.0;
    }
    let (_, v, _) = values.select_nth_unstable_by(k - zeros, f64::total_cmp);
    *v
}

/// Consecutive hours a crew must stay to make a stint in an area (see
/// [`HiddenConfig::new_area_min_hours`]).
fn stint_hours(c: &HiddenConfig, new_area: bool) -> u32 {
    if new_area {
        c.new_area_min_hours.min(c.min_hours)
    } else {
        c.min_hours
    }
}

/// Hour of the day on the Beijing clock (0–23) of an hour index (UTC seconds / 3600).
fn hour_of_day(h: i64) -> usize {
    (h + 8).rem_euclid(24) as usize
}

/// The usual person-hours of an area for each hour of the day (Beijing): the lower
/// median over the days of the period `[from_h, to_h]` of the person-hours in that
/// hour, a day with nobody there counting as zero. `hours` lies inside the period.
/// A crew that is there at that hour on at least half of the days is the area's
/// routine staffing (the roadway crew of the maintenance shift, the pump-house
/// attendant), not a face.
fn usual_by_hour_of_day(hours: &[Hourly], from_h: i64, to_h: i64, buckets: &mut [Vec<f64>; 24]) -> [f64; 24] {
    for b in buckets.iter_mut() {
        b.clear();
    }
    for h in hours {
        buckets[hour_of_day(h.0)].push(h.1);
    }
    let n = (to_h - from_h + 1).max(0);
    let first = hour_of_day(from_h);
    let mut usual = [0.0; 24];
    for (k, b) in buckets.iter_mut().enumerate() {
        // Days on which hour of day k falls inside the period.
        let offset = ((k + 24 - first) % 24) as i64;
        let days = n / 24 + i64::from(offset < n % 24);
        usual[k] = median_with_zeros(b, days.max(0) as usize);
    }
    usual
}

/// The leads of this module for one mine.
pub fn detect(m: &MineInputs, cfg: &Config) -> Vec<Lead> {
    let c = &cfg.hidden;
    let faces = &m.info.faces;
    if faces.is_empty() || m.to <= m.from {
        return Vec::new();
    }
    let people = people_signals(m, c);
    let power = power_signals(m, c);
    let explosives = explosives_signals(m, c);
    let mut groups: Vec<Group> = people.into_iter().map(|s| Group { anchor: s, joined: Vec::new() }).collect();
    let mut rest: Vec<Signal> = Vec::new();
    for s in explosives.into_iter().chain(power) {
        let named = if s.source == Source::Explosives { groups.iter().position(|g| norm(&g.anchor.key) == norm(&s.key)) } else { None };
        match named.or_else(|| best_overlap(&groups, &s, c.merge_overlap)) {
            Some(i) => groups[i].joined.push(s),
            None => rest.push(s),
        }
    }
    // Undeclared explosives places anchor the undeclared feeders that coincide with them.
    let (ex, pw): (Vec<Signal>, Vec<Signal>) = rest.into_iter().partition(|s| s.source == Source::Explosives);
    let first_new = groups.len();
    groups.extend(ex.into_iter().map(|s| Group { anchor: s, joined: Vec::new() }));
    for s in pw {
        match best_overlap(&groups[first_new..], &s, c.merge_overlap) {
            Some(i) => groups[first_new + i].joined.push(s),
            None => groups.push(Group { anchor: s, joined: Vec::new() }),
        }
    }
    groups.iter().map(|g| build(m, c, g)).collect()
}

struct Group {
    anchor: Signal,
    joined: Vec<Signal>,
}

impl Group {
    fn signals(&self) -> impl Iterator<Item = &Signal> {
        std::iter::once(&self.anchor).chain(&self.joined)
    }
}

fn best_overlap(groups: &[Group], s: &Signal, share: f64) -> Option<usize> {
    let need = (share * s.days.len() as f64).ceil().max(1.0) as usize;
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| (i, s.days.iter().filter(|d| g.anchor.has_day(d.day)).count()))
        .filter(|&(_, n)| n >= need)
        .max_by_key(|&(i, n)| (n, usize::MAX - i))
        .map(|(i, _)| i)
}

fn people_signals(m: &MineInputs, c: &HiddenConfig) -> Vec<Signal> {
    let faces = &m.info.faces;
    if m.area_hours.is_empty() || faces.iter().any(|f| f.areas.is_empty()) {
        return Vec::new();
    }
    let face_areas: HashSet<&str> = faces.iter().flat_map(|f| f.areas.iter().map(|a| a.trim())).collect();
    let known: HashSet<&str> = m.info.areas.iter().map(|a| a.code.trim()).collect();
    let (from_h, to_h) = (m.from.0.div_euclid(3600), (m.to.0 - 1).div_euclid(3600));
    // Per area: (hour index, person-hours, people at once), in hour order.
    let mut by_area: HashMap<&str, Vec<Hourly>> = HashMap::new();
    for r in &m.area_hours {
        let h = r.hour.0.div_euclid(3600);
        let area = r.area.trim();
        if h < from_h || h > to_h || area.is_empty() || face_areas.contains(area) || !r.person_hours.is_finite() {
            continue;
        }
        let v = by_area.entry(area).or_default();
        let (ph, pm) = ((r.person_hours as f64).max(0.0), r.people_max as f64);
        match v.last_mut() {
            Some(last) if last.0 == h => {
                last.1 = last.1.max(ph);
                last.2 = last.2.max(pm);
            }
            _ => v.push((h, ph, pm)),
        }
    }
    let min_worked = (c.min_hours.min(c.new_area_min_hours) as usize) * (c.min_days as usize);
    let mut out = Vec::new();
    let mut buckets: [Vec<f64>; 24] = Default::default();
    let mut active: Vec<Hourly> = Vec::new();
    let mut areas: Vec<(&str, Vec<Hourly>)> = by_area.into_iter().collect();
    areas.sort_unstable_by_key(|(a, _)| *a);
    for (area, mut hours) in areas {
        if hours.iter().filter(|h| h.1 >= c.min_people).count() < min_worked.max(1) {
            continue;
        }
        // Out-of-order input (unsorted series) must not split runs.
        if hours.windows(2).any(|w| w[1].0 <= w[0].0) {
            hours.sort_by_key(|h| h.0);
            hours.dedup_by(|b, a| {
                let same = a.0 == b.0;
                if same {
                    a.1 = a.1.max(b.1);
                    a.2 = a.2.max(b.2);
                }
                same
            });
        }
        let new_area = !known.is_empty() && !known.contains(area);
        let usual = if new_area { [0.0; 24] } else { usual_by_hour_of_day(&hours, from_h, to_h, &mut buckets) };
        let baseline = usual.iter().copied().fold(0.0, f64::max);
        active.clear();
        active.extend(hours.iter().map(|h| (h.0, h.1 - usual[hour_of_day(h.0)], h.2)).filter(|h| h.1 >= c.min_people));
        let days = sustained(&active, stint_hours(c, new_area));
        if days.len() >= c.min_days.max(1) as usize {
            out.push(Signal { source: Source::People, key: area.to_string(), days, baseline, new_area });
        }
    }
    out
}

fn power_signals(m: &MineInputs, c: &HiddenConfig) -> Vec<Signal> {
    let declared: HashSet<&str> = m.info.faces.iter().flat_map(|f| f.feeders.iter().map(|a| a.trim())).collect();
    let (from, to) = (m.from, m.to);
    let mut by_feeder: BTreeMap<&str, Vec<Hourly>> = BTreeMap::new();
    for r in &m.energy {
        let feeder = r.feeder.trim();
        if r.consumer != Consumer::Face || feeder.is_empty() || declared.contains(feeder) || r.hour < from || r.hour >= to {
            continue;
        }
        if !(r.kwh.is_finite() && r.kwh >= c.min_face_kwh) {
            continue;
        }
        let h = r.hour.0.div_euclid(3600);
        let v = by_feeder.entry(feeder).or_default();
        match v.last_mut() {
            Some(last) if last.0 == h => last.1 = last.1.max(r.kwh),
            _ => v.push((h, r.kwh, r.kwh)),
        }
    }
    let mut out = Vec::new();
    for (feeder, mut hours) in by_feeder {
        if hours.windows(2).any(|w| w[1].0 <= w[0].0) {
            hours.sort_by_key(|h| h.0);
            hours.dedup_by_key(|h| h.0);
        }
        let days = sustained(&hours, c.min_hours);
        if days.len() >= c.min_days.max(1) as usize {
            out.push(Signal { source: Source::Power, key: feeder.to_string(), days, baseline: 0.0, new_area: false });
        }
    }
    out
}

fn explosives_signals(m: &MineInputs, c: &HiddenConfig) -> Vec<Signal> {
    let declared: HashSet<String> =
        m.info.faces.iter().flat_map(|f| [&f.id, &f.name].into_iter().chain(&f.areas)).map(|s| norm(s)).filter(|s| !s.is_empty()).collect();
    let (first, last) = (day_of(m.from), day_of(m.to.plus_secs(-1)));
    let mut by_place: BTreeMap<String, PlaceIssues> = BTreeMap::new();
    for r in &m.explosives {
        let kg = if r.explosive_kg.is_finite() { r.explosive_kg.max(0.0) } else { 0.0 };
        if r.day < first || r.day > last || (kg <= 0.0 && r.detonators == 0) {
            continue;
        }
        let key = norm(&r.place);
        if key.is_empty() || declared.contains(&key) {
            continue;
        }
        let e = by_place.entry(key).or_insert_with(|| (r.place.trim().to_string(), BTreeMap::new()));
        let d = e.1.entry(r.day).or_insert((0.0, 0.0));
        d.0 += kg;
        d.1 += r.detonators as f64;
    }
    by_place
        .into_values()
        .filter(|(_, days)| days.len() >= c.explosives_min_days.max(1) as usize)
        .map(|(place, days)| Signal {
            source: Source::Explosives,
            key: place,
            days: days
                .into_iter()
                .map(|(day, (kg, det))| {
                    let h = day_start(day).0.div_euclid(3600);
                    DayStat { day, hours: 0, amount: kg, peak: det, first_hour: h, last_hour: h + 23 }
                })
                .collect(),
            baseline: 0.0,
            new_area: false,
        })
        .collect()
}

/// How the positioning trips reach an area: the area most entries came from, and the cards seen.
fn approach<'a>(m: &'a MineInputs, area: &str, from: Timestamp, to: Timestamp) -> (Option<(&'a str, usize, usize)>, BTreeSet<&'a str>) {
    let mut prev: HashMap<&str, usize> = HashMap::new();
    let mut cards = BTreeSet::new();
    let mut entries = 0;
    let start = m.trips.partition_point(|t| t.down < from.plus_secs(-86_400));
    for t in &m.trips[start..] {
        if t.down >= to {
            break;
        }
        for (i, (at, a)) in t.areas.iter().enumerate() {
            if a.trim() != area || *at < from || *at >= to {
                continue;
            }
            cards.insert(t.card.as_str());
            if let Some((_, p)) = i.checked_sub(1).and_then(|j| t.areas.get(j)) {
                if p.trim() != area {
                    *prev.entry(p.as_str()).or_default() += 1;
                    entries += 1;
                }
            }
        }
    }
    let best = prev.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0))).map(|(p, n)| (p, n, entries));
    (best, cards)
}

fn build(m: &MineInputs, c: &HiddenConfig, g: &Group) -> Lead {
    let a = &g.anchor;
    let start = g.signals().map(Signal::start).min().unwrap_or(m.from);
    let end = g.signals().map(Signal::end).max().unwrap_or(m.to);
    let has = |s: Source| g.signals().any(|x| x.source == s);
    let sources = [Source::People, Source::Power, Source::Explosives].into_iter().filter(|&s| has(s)).count();
    let new_area = g.signals().any(|s| s.new_area);
    let days: BTreeSet<Day> = g.signals().flat_map(|s| s.days.iter().map(|d| d.day)).collect();
    let max_days = g.signals().map(|s| s.days.len()).max().unwrap_or(0);
    let score = 20.0 + 25.0 * sources as f64 + (5.0 * (max_days.max(1) as f64).ln()).min(15.0) + if new_area { 5.0 } else { 0.0 };
    let place = match a.source {
        Source::People => format!("area {}", a.key),
        Source::Power => format!("feeder {}", a.key),
        Source::Explosives => format!("place {}", a.key),
    };
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    let mut pull = Vec::new();
    let mut walk = Vec::new();
    for s in g.signals() {
        let n = s.days.len();
        let span = s.span();
        match s.source {
            Source::People => {
                let (lo, hi) = min_max(s.days.iter().map(|d| d.amount / d.hours.max(1) as f64));
                let (hlo, hhi) = min_max(s.days.iter().map(|d| d.hours as f64));
                let total: f64 = s.days.iter().map(|d| d.amount).sum();
                let usual = if s.new_area {
                    "in an area the registry does not list".to_string()
                } else if s.baseline < 0.05 {
                    "where nobody usually is".to_string()
                } else {
                    format!("beyond the area's usual staffing at that hour, at most {:.1}", s.baseline)
                };
                parts.push(format!("{} people ({usual}) for {} h a day on {n} days", range(lo, hi), range(hlo, hhi)));
                evidence.push(Evidence {
                    file: "area_hours".into(),
                    area: Some(s.key.clone()),
                    value: Some((total * 10.0).round() / 10.0),
                    time: Some(s.start()),
                    detail: Some(format!(
                        "Positioning: area {} is covered by no declared face{}; on {n} days ({span}) a crew stayed {} h a day in unbroken stints of at least {} h, {:.1} person-hours in all {}",
                        s.key,
                        if s.new_area { " and is not in the registry's area list (a new area or station)" } else { "" },
                        range(hlo, hhi),
                        stint_hours(c, s.new_area),
                        total,
                        if s.new_area {
                            "where the registry expects nobody".to_string()
                        } else {
                            format!(
                                "beyond the area's usual staffing at the same hour of the day (the median over the period's days; at most {:.1} people at any hour)",
                                s.baseline
                            )
                        }
                    )),
                    ..Default::default()
                });
                for d in s.days.iter().take(c.max_evidence) {
                    evidence.push(Evidence {
                        file: "area_hours".into(),
                        area: Some(s.key.clone()),
                        value: Some((d.amount * 10.0).round() / 10.0),
                        time: Some(Timestamp(d.first_hour * 3600)),
                        detail: Some(format!(
                            "{}: {} h in stints between {} and {}, on average {:.1} people beyond the usual, {:.0} at once at most, {:.1} person-hours",
                            date(d.day),
                            d.hours,
                            hhmm(d.first_hour),
                            hhmm(d.last_hour + 1),
                            d.amount / d.hours.max(1) as f64,
                            d.peak,
                            d.amount
                        )),
                        ..Default::default()
                    });
                }
                let (route, cards) = approach(m, &s.key, s.start(), s.end());
                walk.push(format!("area {} (positioning area or reader station): who works there and what is mined or driven", s.key));
                match route {
                    Some((p, k, all)) => {
                        walk.push(format!("the roadway to it through area {p} ({k} of {all} entries into {} came from there)", s.key))
                    }
                    None => walk.push(format!("the roadway leading to area {} from the nearest declared area", s.key)),
                }
                let shown: Vec<&str> = cards.iter().take(10).copied().collect();
                pull.push(format!(
                    "positioning history (RYSS/人员定位) of area {} for {span}{}",
                    s.key,
                    if shown.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", and the holders of the {} card{} seen there ({}{})",
                            cards.len(),
                            if cards.len() == 1 { "" } else { "s" },
                            shown.join(", "),
                            if cards.len() > shown.len() { ", …" } else { "" }
                        )
                    }
                ));
            }
            Source::Power => {
                let (lo, hi) = min_max(s.days.iter().map(|d| d.peak));
                let total: f64 = s.days.iter().map(|d| d.amount).sum();
                parts.push(format!("face feeder {} drawing up to {hi:.0} kWh an hour on {n} days though no declared face lists it", s.key));
                evidence.push(Evidence {
                    file: "energy".into(),
                    point: Some(s.key.clone()),
                    value: Some(total.round()),
                    time: Some(s.start()),
                    detail: Some(format!(
                        "Electricity: feeder {} is metered as a face consumer but no declared face lists it; on {n} days ({span}) it drew at least {} kWh an hour for {} h or more at a stretch, {total:.0} kWh in those hours, hourly peaks {} kWh",
                        s.key,
                        c.min_face_kwh,
                        c.min_hours,
                        range(lo, hi)
                    )),
                    ..Default::default()
                });
                for d in s.days.iter().take(c.max_evidence) {
                    evidence.push(Evidence {
                        file: "energy".into(),
                        point: Some(s.key.clone()),
                        value: Some(d.amount.round()),
                        time: Some(Timestamp(d.first_hour * 3600)),
                        detail: Some(format!(
                            "{}: feeder {} drew {:.0} kWh in {} h between {} and {}, up to {:.0} kWh in an hour",
                            date(d.day),
                            s.key,
                            d.amount,
                            d.hours,
                            hhmm(d.first_hour),
                            hhmm(d.last_hour + 1),
                            d.peak
                        )),
                        ..Default::default()
                    });
                }
                pull.push(format!("hourly meter readings of feeder {} for {span}, and where its switch and cable run on the power-supply drawing (供电系统图)", s.key));
                walk.push(format!("follow feeder {}'s cable from its switch to the equipment it supplies", s.key));
            }
            Source::Explosives => {
                let kg: f64 = s.days.iter().map(|d| d.amount).sum();
                let det: f64 = s.days.iter().map(|d| d.peak).sum();
                parts.push(format!(
                    "{kg:.1} kg of explosives and {det:.0} detonators issued to {} on {n} day{}",
                    s.key,
                    if n == 1 { "" } else { "s" }
                ));
                evidence.push(Evidence {
                    file: "explosives".into(),
                    area: Some(s.key.clone()),
                    value: Some(kg),
                    time: Some(s.start()),
                    detail: Some(format!(
                        "Explosives: issues to {}, which is no declared face, on {n} day{} ({span}): {kg:.1} kg and {det:.0} detonators",
                        s.key,
                        if n == 1 { "" } else { "s" }
                    )),
                    ..Default::default()
                });
                for d in s.days.iter().take(c.max_evidence) {
                    evidence.push(Evidence {
                        file: "explosives".into(),
                        area: Some(s.key.clone()),
                        value: Some(d.amount),
                        time: Some(day_start(d.day)),
                        detail: Some(format!("{}: {:.1} kg and {:.0} detonators issued to {}", date(d.day), d.amount, d.peak, s.key)),
                        ..Default::default()
                    });
                }
                pull.push(format!(
                    "explosives issue and return ledger (火工品领退台账) and blasting records (爆破记录) naming {} for {span}",
                    s.key
                ));
                walk.push(format!("the place named on the explosives issue slips: {}", s.key));
            }
        }
    }
    let span = match (days.first(), days.last()) {
        (Some(a), Some(b)) if a != b => format!("{}…{}", date(*a), date(*b)),
        (Some(a), _) => date(*a),
        _ => String::new(),
    };
    pull.push(format!("the mining-engineering plan (采掘工程平面图) and the declared face list, to compare with {place}"));
    let title = format!(
        "Hidden working face (隐蔽工作面) suspected at {place}, {span}: {} — {sources} independent source{}",
        parts.join("; "),
        if sources == 1 { "" } else { "s" }
    );
    let key = match a.source {
        Source::People => format!("area:{}", a.key),
        Source::Power => format!("feeder:{}", a.key),
        Source::Explosives => format!("explosives:{}", a.key),
    };
    let mut tags = vec![taxonomy::HIDDEN_FACE];
    if new_area {
        tags.push(taxonomy::FAKE_DRAWING);
    }
    let mut l = lead::lead("REC-1", m.code(), start, Some(end), Some(&key), title, evidence, score, &tags, pull, walk);
    l.finding.place = Some(a.key.clone());
    l
}

/// `a–b`, or `a` when both round to the same whole number.
fn range(lo: f64, hi: f64) -> String {
    if lo.round() == hi.round() {
        format!("{hi:.0}")
    } else {
        format!("{lo:.0}–{hi:.0}")
    }
}

fn min_max(it: impl Iterator<Item = f64>) -> (f64, f64) {
    it.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{AreaHour, CardTrip, ExplosivesIssue, HourlyEnergy};
    use minesafe_model::registry::{AreaEntry, Face, MineInfo};
    use minesafe_model::MineCode;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).expect("time")
    }

    fn day(s: &str) -> Day {
        day_of(t(&format!("{s} 12:00:00")))
    }

    const DAYS: i64 = 30;

    fn mine() -> MineInputs {
        let mut info = MineInfo::new(MineCode::parse("140000000101").expect("code"));
        info.faces = vec![
            Face {
                id: "LW1".into(),
                name: "1201综采".into(),
                kind: "longwall".into(),
                areas: vec!["F1".into()],
                feeders: vec!["K1".into()],
                ..Default::default()
            },
            Face {
                id: "HD1".into(),
                name: "1203掘进".into(),
                kind: "heading".into(),
                areas: vec!["F2".into()],
                feeders: vec!["K2".into()],
                ..Default::default()
            },
        ];
        info.areas =
            ["F1", "F2", "YARD", "ROAD", "PANEL", "OLD"].iter().map(|c| AreaEntry { code: c.to_string(), ..Default::default() }).collect();
        MineInputs::new(info, t("2026-03-01 00:00:00"), t("2026-03-01 00:00:00").plus_secs(DAYS * 86_400))
    }

    /// A little LCG: deterministic noise.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// The normal life of the mine: two shifts a day at both faces, fixed staff at
    /// the shaft bottom and in the main roadway round the clock, people passing
    /// through at shift changes, power on the declared feeders, explosives to the
    /// heading.
    fn normal(m: &mut MineInputs, seed: u64) {
        let mut r = Lcg(seed);
        for h in 0..DAYS * 24 {
            let hour = m.from.plus_secs(h * 3600);
            let hod = h % 24;
            let mut push = |area: &str, ph: f64| {
                if ph > 0.0 {
                    m.area_hours.push(AreaHour { hour, area: area.into(), people_max: (ph * 1.3).ceil() as u32, person_hours: ph as f32 });
                }
            };
            let working = !(7..9).contains(&hod) && !(15..17).contains(&hod) && hod >= 1;
            if working && hod < 16 {
                push("F1", 12.0 + 6.0 * r.next());
                push("F2", 7.0 + 4.0 * r.next());
            }
            push("YARD", 2.0 + 1.5 * r.next());
            push("ROAD", 3.0 + 1.5 * r.next());
            let change = matches!(hod, 0 | 7 | 8 | 15 | 16);
            push("PANEL", if change { 10.0 + 10.0 * r.next() } else { 0.6 * r.next() });
            for (feeder, on) in [("K1", working && hod < 16), ("K2", working && hod < 16)] {
                m.energy.push(HourlyEnergy {
                    hour,
                    consumer: Consumer::Face,
                    feeder: feeder.into(),
                    kwh: if on { 300.0 + 80.0 * r.next() } else { 15.0 * r.next() },
                });
            }
            m.energy.push(HourlyEnergy { hour, consumer: Consumer::Hoisting, feeder: "H".into(), kwh: 200.0 + 50.0 * r.next() });
        }
        for d in 0..DAYS {
            m.explosives.push(ExplosivesIssue {
                day: day_of(m.from) + d as Day,
                place: if d % 2 == 0 { "HD1".into() } else { " 1203 掘进 ".into() },
                explosive_kg: 20.0 + 5.0 * r.next(),
                detonators: 40,
            });
        }
    }

    /// A crew of `people` in `area` from 08:00 for `hours` hours on days `days`.
    fn crew(m: &mut MineInputs, area: &str, people: f32, hours: i64, days: std::ops::Range<i64>) {
        for d in days {
            for h in 0..hours {
                let hour = m.from.plus_secs(d * 86_400 + h * 3600);
                m.area_hours.push(AreaHour { hour, area: area.into(), people_max: people as u32 + 1, person_hours: people });
            }
        }
    }

    fn feeder(m: &mut MineInputs, feeder: &str, kwh: f64, hours: i64, days: std::ops::Range<i64>) {
        for d in days {
            for h in 0..hours {
                let hour = m.from.plus_secs(d * 86_400 + h * 3600);
                m.energy.push(HourlyEnergy { hour, consumer: Consumer::Face, feeder: feeder.into(), kwh });
            }
        }
    }

    fn run(m: &mut MineInputs) -> Vec<Lead> {
        m.sort();
        let mut l = detect(m, &Config::default());
        lead::rank(&mut l);
        l
    }

    #[test]
    fn sustained_activity_outside_declared_faces_is_a_hidden_face() {
        let mut m = mine();
        normal(&mut m, 7);
        // A crew of 6 for 8 h a day on days 10–19 in the old panel the registry lists as no face,
        // a feeder no face lists running with it, explosives issued to the same area.
        crew(&mut m, "OLD", 6.0, 8, 10..20);
        feeder(&mut m, "K9", 120.0, 8, 10..20);
        for d in [11, 13, 15] {
            m.explosives.push(ExplosivesIssue { day: day_of(m.from) + d, place: "OLD".into(), explosive_kg: 12.0, detonators: 24 });
        }
        for d in 10..20 {
            let down = m.from.plus_secs(d * 86_400 - 1800);
            m.trips.push(CardTrip {
                card: format!("C{}", d % 3),
                down,
                up: Some(down.plus_secs(9 * 3600)),
                last_seen: down.plus_secs(9 * 3600),
                areas: vec![
                    (down, "YARD".into()),
                    (down.plus_secs(600), "ROAD".into()),
                    (down.plus_secs(1200), "PANEL".into()),
                    (down.plus_secs(1800), "OLD".into()),
                ],
            });
        }
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1, "{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        let l = &leads[0];
        let f = &l.finding;
        assert_eq!(f.rule, "REC-1");
        assert_eq!(f.place.as_deref(), Some("OLD"));
        assert!(f.has_tag(taxonomy::HIDDEN_FACE));
        assert!(f.has_tag("hook:CM-15.5"));
        assert!(f.title.contains("3 independent sources"), "{}", f.title);
        assert!(l.score >= 95.0, "{}", l.score);
        assert_eq!(day_of(f.start), day_of(m.from) + 10);
        assert!(f.evidence.iter().any(|e| e.file == "area_hours" && e.detail.as_deref().is_some_and(|d| d.contains("10 days"))));
        assert!(f.evidence.iter().any(|e| e.file == "energy" && e.point.as_deref() == Some("K9")));
        assert!(f.evidence.iter().any(|e| e.file == "explosives" && e.value == Some(36.0)));
        assert!(l.walk.iter().any(|w| w.contains("through area PANEL")), "{:?}", l.walk);
        assert!(l.pull.iter().any(|p| p.contains("3 cards") && p.contains("C0")), "{:?}", l.pull);
        assert!(l.pull.iter().any(|p| p.contains("feeder K9")));
        assert!(l.pull.iter().any(|p| p.contains("火工品领退台账")));
    }

    #[test]
    fn each_signal_alone_is_a_weaker_lead() {
        // People alone in a listed non-face area.
        let mut m = mine();
        normal(&mut m, 1);
        crew(&mut m, "OLD", 4.0, 6, 3..6);
        let people = run(&mut m);
        assert_eq!(people.len(), 1);
        assert!(people[0].finding.title.contains("1 independent source"));
        assert!(!people[0].finding.has_tag(taxonomy::FAKE_DRAWING));
        // A new area: the registry does not list it.
        let mut m = mine();
        normal(&mut m, 2);
        crew(&mut m, "NEW7", 4.0, 6, 3..6);
        let new = run(&mut m);
        assert_eq!(new.len(), 1);
        assert!(new[0].finding.has_tag(taxonomy::FAKE_DRAWING));
        assert!(new[0].finding.evidence[0].detail.as_deref().is_some_and(|d| d.contains("new area")));
        assert!(new[0].score > people[0].score);
        // Power alone.
        let mut m = mine();
        normal(&mut m, 3);
        feeder(&mut m, "K9", 60.0, 7, 0..4);
        let power = run(&mut m);
        assert_eq!(power.len(), 1);
        assert_eq!(power[0].finding.place.as_deref(), Some("K9"));
        assert!(power[0].walk.iter().any(|w| w.contains("cable")));
        // Explosives alone, one day.
        let mut m = mine();
        normal(&mut m, 4);
        m.explosives.push(ExplosivesIssue { day: day("2026-03-05"), place: "2105 切眼".into(), explosive_kg: 8.0, detonators: 16 });
        let ex = run(&mut m);
        assert_eq!(ex.len(), 1);
        assert!(ex[0].finding.title.contains("8.0 kg"));
        assert!(ex[0].score < people[0].score + 10.0 && ex[0].score < 60.0);
        // Two sources score above one.
        let mut m = mine();
        normal(&mut m, 5);
        crew(&mut m, "OLD", 4.0, 6, 3..6);
        feeder(&mut m, "K9", 60.0, 7, 3..6);
        let two = run(&mut m);
        assert_eq!(two.len(), 1);
        assert!(two[0].finding.title.contains("2 independent sources"));
        assert!(two[0].score > people[0].score + 20.0);
    }

    #[test]
    fn boundaries_of_duration_and_crew_size() {
        // 5 consecutive hours, or 2 days, or fewer than 3 people beyond the usual: nothing.
        for (people, hours, days) in [(4.0, 5, 0..5), (4.0, 6, 0..2), (2.9, 8, 0..10)] {
            let mut m = mine();
            normal(&mut m, 11);
            crew(&mut m, "OLD", people, hours, days.clone());
            assert!(run(&mut m).is_empty(), "{people} people {hours} h {days:?}");
        }
        // Exactly at the bar: 3 people, 6 h, 3 days.
        let mut m = mine();
        normal(&mut m, 12);
        crew(&mut m, "OLD", 3.0, 6, 0..3);
        assert_eq!(run(&mut m).len(), 1);
        // Two 4-hour stints with a break are not a 6-hour stint.
        let mut m = mine();
        normal(&mut m, 13);
        crew(&mut m, "OLD", 5.0, 4, 0..5);
        for d in 0..5 {
            for h in 5..9 {
                let hour = m.from.plus_secs(d * 86_400 + h * 3600);
                m.area_hours.push(AreaHour { hour, area: "OLD".into(), people_max: 6, person_hours: 5.0 });
            }
        }
        assert!(run(&mut m).is_empty());
        // Stints across midnight count their hours on the days they fall on: 20:00–04:00 on four
        // nights gives 4 + 4 h on the three middle days, 4 h on the first and last.
        let mut m = mine();
        normal(&mut m, 14);
        crew(&mut m, "OLD", 4.0, 8, 0..0);
        for d in 0..4 {
            for h in 0..8 {
                let hour = m.from.plus_secs(d * 86_400 + (20 + h) * 3600);
                m.area_hours.push(AreaHour { hour, area: "OLD".into(), people_max: 5, person_hours: 4.0 });
            }
        }
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1);
        assert!(leads[0].finding.title.contains("on 3 days"), "{}", leads[0].finding.title);
        // An area's usual staffing is not a crew: 3 people round the clock in a roadway,
        // but 3 more for a shift on top of them is.
        let mut m = mine();
        normal(&mut m, 15);
        m.info.areas.push(AreaEntry { code: "PUMP".into(), ..Default::default() });
        crew(&mut m, "PUMP", 3.5, 24, 0..DAYS);
        assert!(run(&mut m).is_empty());
        crew(&mut m, "PUMP", 3.5, 8, 10..14);
        m.sort();
        let mut merged: Vec<AreaHour> = Vec::new();
        for r in m.area_hours.drain(..) {
            match merged.last_mut() {
                Some(l) if l.hour == r.hour && l.area == r.area => l.person_hours += r.person_hours,
                _ => merged.push(r),
            }
        }
        m.area_hours = merged;
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1);
        assert_eq!(leads[0].finding.place.as_deref(), Some("PUMP"));
    }

    #[test]
    fn a_clean_noisy_mine_gives_no_lead() {
        for seed in 0..5 {
            let mut m = mine();
            normal(&mut m, seed);
            let leads = run(&mut m);
            assert!(leads.is_empty(), "seed {seed}: {:?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        }
    }

    #[test]
    fn missing_or_malformed_data_gives_no_lead_and_no_panic() {
        // Empty registry: nothing declared, nothing judged.
        let mut m = mine();
        normal(&mut m, 21);
        crew(&mut m, "OLD", 6.0, 8, 0..10);
        let mut e = m.clone();
        e.info.faces.clear();
        e.info.areas.clear();
        assert!(run(&mut e).is_empty());
        // A face without areas: the people signal cannot place the faces.
        let mut e = m.clone();
        e.info.faces[1].areas.clear();
        assert!(run(&mut e).is_empty());
        // Unknown areas with nobody, NaN, negative and empty values, explosives of nothing, an empty period.
        let mut e = mine();
        normal(&mut e, 22);
        for d in 0..10 {
            for h in 0..10 {
                let hour = e.from.plus_secs(d * 86_400 + h * 3600);
                e.area_hours.push(AreaHour { hour, area: "GHOST".into(), people_max: 0, person_hours: 0.0 });
                e.area_hours.push(AreaHour { hour, area: "NAN".into(), people_max: 9, person_hours: f32::NAN });
                e.area_hours.push(AreaHour { hour, area: "".into(), people_max: 9, person_hours: 9.0 });
                e.area_hours.push(AreaHour { hour, area: "NEG".into(), people_max: 9, person_hours: -9.0 });
                e.energy.push(HourlyEnergy { hour, consumer: Consumer::Face, feeder: " ".into(), kwh: 500.0 });
                e.energy.push(HourlyEnergy { hour, consumer: Consumer::Face, feeder: "KX".into(), kwh: f64::NAN });
            }
            e.explosives.push(ExplosivesIssue { day: day_of(e.from) + d as Day, place: "X".into(), explosive_kg: 0.0, detonators: 0 });
            e.explosives.push(ExplosivesIssue { day: day_of(e.from) + d as Day, place: "  ".into(), explosive_kg: 5.0, detonators: 1 });
        }
        assert!(run(&mut e).is_empty());
        let mut e = m.clone();
        e.to = e.from;
        assert!(run(&mut e).is_empty());
        // Activity outside the period is not judged.
        let mut e = mine();
        crew(&mut e, "OLD", 6.0, 8, 0..10);
        e.from = e.from.plus_secs(20 * 86_400);
        assert!(run(&mut e).is_empty());
        // Unsorted input gives the same answer as sorted.
        let mut u = m.clone();
        u.area_hours.reverse();
        let sorted = detect(&m, &Config::default());
        let unsorted = detect(&u, &Config::default());
        assert_eq!(sorted.len(), 1);
        assert_eq!(unsorted.len(), 1);
        assert_eq!(sorted[0].finding.evidence, unsorted[0].finding.evidence);
    }

    #[test]
    fn a_listed_area_worked_every_maintenance_shift_is_routine() {
        // The common area (大巷及井底车场) gets 4–9 people on the maintenance shift 08–16 every
        // day and nobody otherwise: the median over all hours is 0, but at 08–16 the usual
        // staffing is the crew itself, so it is no hidden face.
        let roadway = |m: &mut MineInputs, seed: u64| {
            let mut r = Lcg(seed);
            for d in 0..DAYS {
                for h in 8..16 {
                    let hour = t("2026-03-01 00:00:00").plus_secs(d * 86_400 + h * 3600);
                    let people = 4 + (r.next() * 6.0) as u32;
                    m.area_hours.push(AreaHour { hour, area: "ROAD2".into(), people_max: people, person_hours: people as f32 * 0.8 });
                }
            }
        };
        for seed in 0..5 {
            let mut m = mine();
            normal(&mut m, 40 + seed);
            m.info.areas.push(AreaEntry { code: "ROAD2".into(), ..Default::default() });
            roadway(&mut m, seed);
            let leads = run(&mut m);
            assert!(leads.is_empty(), "seed {seed}: {:?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        }
        // The same roadway crew working at night (00–08) on 5 days is out of the ordinary.
        let mut m = mine();
        normal(&mut m, 50);
        m.info.areas.push(AreaEntry { code: "ROAD2".into(), ..Default::default() });
        roadway(&mut m, 1);
        for d in 12..17 {
            for h in 0..8 {
                let hour = m.from.plus_secs(d * 86_400 + h * 3600);
                m.area_hours.push(AreaHour { hour, area: "ROAD2".into(), people_max: 6, person_hours: 5.0 });
            }
        }
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1, "{:?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        assert_eq!(leads[0].finding.place.as_deref(), Some("ROAD2"));
        assert_eq!(day_of(leads[0].finding.start), day_of(m.from) + 12);
        assert!(leads[0].finding.title.contains("on 5 days"), "{}", leads[0].finding.title);
        // And a crew that brings the area to 9 people from 00:00 to 16:00 on 4 days is too.
        let mut m = mine();
        normal(&mut m, 51);
        m.info.areas.push(AreaEntry { code: "ROAD2".into(), ..Default::default() });
        roadway(&mut m, 2);
        crew(&mut m, "ROAD2", 9.0, 16, 20..24);
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1, "{:?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        assert!(leads[0].finding.evidence[0].detail.as_deref().is_some_and(|d| d.contains("same hour of the day")));
    }

    #[test]
    fn half_shift_stints_count_in_an_area_the_registry_does_not_list() {
        // A crew of 5 (4.25 person-hours an hour) for 5 h on 15 days in a new area: a lead.
        let mut m = mine();
        normal(&mut m, 60);
        crew(&mut m, "NEW9", 4.25, 5, 5..20);
        let leads = run(&mut m);
        assert_eq!(leads.len(), 1, "{:?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        assert_eq!(leads[0].finding.place.as_deref(), Some("NEW9"));
        assert!(leads[0].finding.has_tag(taxonomy::FAKE_DRAWING));
        assert!(
            leads[0].finding.evidence[0].detail.as_deref().is_some_and(|d| d.contains("at least 4 h")),
            "{:?}",
            leads[0].finding.evidence[0]
        );
        // 4 h is the bar; 3 h is not a stint.
        let mut m = mine();
        normal(&mut m, 61);
        crew(&mut m, "NEW9", 4.0, 4, 5..8);
        assert_eq!(run(&mut m).len(), 1);
        let mut m = mine();
        normal(&mut m, 62);
        crew(&mut m, "NEW9", 6.0, 3, 5..20);
        assert!(run(&mut m).is_empty());
        // The same 5 h stints in a listed area are not a shift long: nothing.
        let mut m = mine();
        normal(&mut m, 63);
        crew(&mut m, "OLD", 4.25, 5, 5..20);
        assert!(run(&mut m).is_empty());
        // The half-shift bar never exceeds the listed-area bar.
        let cfg = HiddenConfig { min_hours: 3, new_area_min_hours: 4, ..Default::default() };
        assert_eq!(stint_hours(&cfg, true), 3);
        assert_eq!(stint_hours(&HiddenConfig::default(), true), 4);
        assert_eq!(stint_hours(&HiddenConfig::default(), false), 6);
    }

    #[test]
    fn usual_staffing_is_per_hour_of_day() {
        // Two days from 00:00 Beijing: hour 08 staffed 5 and 7, hour 09 staffed only on the second day.
        let from_h = t("2026-03-01 00:00:00").0 / 3600;
        let to_h = from_h + 47;
        let hours = [(from_h + 8, 5.0, 5.0), (from_h + 32, 7.0, 7.0), (from_h + 33, 4.0, 4.0)];
        let mut buckets: [Vec<f64>; 24] = Default::default();
        let u = usual_by_hour_of_day(&hours, from_h, to_h, &mut buckets);
        assert_eq!(u[8], 5.0);
        assert_eq!(u[9], 0.0);
        assert_eq!(u[0], 0.0);
        // A period that starts at 20:00: hour 20 falls on 2 days of a 30-hour period, hour 02 on one.
        let from_h = t("2026-03-01 20:00:00").0 / 3600;
        let hours = [(from_h, 6.0, 6.0), (from_h + 24, 6.0, 6.0), (from_h + 6, 3.0, 3.0)];
        let u = usual_by_hour_of_day(&hours, from_h, from_h + 29, &mut buckets);
        assert_eq!((u[20], u[2], u[3]), (6.0, 3.0, 0.0));
        assert_eq!(hour_of_day(from_h), 20);
    }

    #[test]
    fn median_counts_empty_hours_as_zero() {
        assert_eq!(median_with_zeros(&mut [5.0, 5.0], 10), 0.0);
        assert_eq!(median_with_zeros(&mut [5.0, 4.0, 6.0], 3), 5.0);
        assert_eq!(median_with_zeros(&mut [5.0, 4.0, 6.0, 1.0], 5), 4.0);
        assert_eq!(median_with_zeros(&mut [], 0), 0.0);
    }
}
