//! Personnel-positioning rules (人员位置监测, rule-catalog §10): restricted-area
//! entry (POS-7.1), area over quota (POS-7.2), mine over its approved headcount
//! (POS-7.3), overtime underground (POS-7.4) and SOS (POS-10).
//!
//! The vendor alarm files (RYXZ, RYCY, RYCS) are not trusted: every alarm is
//! recomputed from the master data (RYQY areas, RYXX people) and the real-time
//! snapshots (RYSS), as monitoring-data-formats §4.6 advises. Only SOS takes the
//! vendor's word too (RYQJ), because a missed SOS costs more than a duplicate.
//!
//! The detector is pure and per mine: it keeps the open events and the newest
//! snapshot, so its memory follows the number of people and areas, never the
//! number of snapshots. Events are judged in event time (the upload time of each
//! snapshot), not by the clock of the machine running the check.

use std::collections::{BTreeMap, HashMap};

use minesafe_model::registry::MineInfo;
use minesafe_model::time::human_duration;
use minesafe_model::{Area, AreaKind, Evidence, Finding, Person, Position, PositionState, Timestamp};

use crate::catalog::{finding, in_force_id};

/// Overtime limit when the registry sets none: the usual 12 h of a long shift plus travel.
const DEFAULT_OVERTIME_HOURS: f64 = 12.0;
/// Enough cards to identify the crowd in an enforcement document without
/// ballooning a finding at a mine with hundreds of people in one area.
const MAX_CARDS_IN_EVIDENCE: usize = 50;
/// An SOS re-reported for an hour would otherwise pile up evidence without bound.
const MAX_SOS_EVIDENCE: usize = 8;
/// Clocks of the RYQJ and RYSS writers may differ by a few seconds.
const SOS_CLOCK_SLACK_SECS: i64 = 60;
/// With no earlier snapshot to bound it, how long before its first RYSS sighting
/// an SOS may have started according to an RYQJ report of the same SOS.
const SOS_FIRST_SNAPSHOT_WINDOW_SECS: i64 = 300;
/// The tag that makes POS-10 the first alarm a duty officer sees.
const PRIORITY_TAG: &str = "priority:highest";

/// An RYQY area with the record that declared it, kept as evidence of its type and quota.
struct AreaEntry {
    area: Area,
    file: String,
    record: usize,
}

impl AreaEntry {
    /// 区域核定人数 0 or empty means the mine set no quota.
    fn quota(&self) -> Option<u32> {
        self.area.quota.filter(|&q| q > 0)
    }
}

/// A registry authorisation window for one card in one restricted area.
struct Permit {
    area: String,
    from: Timestamp,
    to: Timestamp,
}

/// Where a card was last seen underground; SOS findings name it when the report itself does not.
#[derive(Default)]
struct LastPlace {
    area: Option<String>,
    station: Option<String>,
}

/// One sighting of a card, enough to cite the record later.
struct Sighting {
    file: String,
    record: usize,
    time: Timestamp,
}

/// POS-7.1: a card in a restricted area, open until it leaves or is authorised.
struct OpenRestricted {
    area: String,
    name: String,
    start: Timestamp,
    first: Evidence,
    last: Sighting,
}

/// POS-7.2 / POS-7.3: consecutive snapshots over a limit.
struct OpenCount {
    start: Timestamp,
    peak: u32,
    /// The limit in force at the peak (RYQY or RYXX may change it mid-event).
    limit: u32,
    first: Evidence,
    peak_evidence: Option<Evidence>,
    /// The declaration of the limit (RYQY record or RYXX header).
    limit_evidence: Option<Evidence>,
    cards: Vec<Evidence>,
    last_seen: Timestamp,
}

/// POS-7.4: a trip past the overtime limit, keyed by card; one event per (card, 入井时刻).
struct OpenOvertime {
    name: String,
    entered: Timestamp,
    start: Timestamp,
    area: Option<String>,
    first: Evidence,
    last: Sighting,
}

/// POS-10: an SOS, from RYSS 求救 and/or RYQJ reports.
struct OpenSos {
    name: String,
    area: Option<String>,
    station: Option<String>,
    start: Timestamp,
    /// Earliest start an RYQJ report of this same SOS can carry.
    lower: Timestamp,
    /// Whether an RYSS record is already cited, so later snapshots add none.
    ryss_cited: bool,
    evidence: Vec<Evidence>,
}

/// One SOS report, from an RYQJ record or from an RYSS record that arrived late.
struct SosReport<'a> {
    file: &'a str,
    record: usize,
    card: &'a str,
    name: &'a str,
    start: Timestamp,
    area: Option<&'a str>,
    station: Option<&'a str>,
    source: &'static str,
    from_ryss: bool,
}

/// A snapshot with one record per card, in file order. A card listed twice keeps
/// its later record, as RYXX duplicates do (monitoring-data-formats §4.3).
struct Snapshot<'a> {
    file: &'a str,
    now: Timestamp,
    records: Vec<(usize, &'a Position)>,
    by_card: HashMap<&'a str, usize>,
}

impl<'a> Snapshot<'a> {
    fn new(file: &'a str, now: Timestamp, positions: &'a [(usize, Position)]) -> Self {
        let mut records: Vec<(usize, &'a Position)> = Vec::with_capacity(positions.len());
        let mut by_card: HashMap<&'a str, usize> = HashMap::with_capacity(positions.len());
        for (record, p) in positions {
            match by_card.get(p.card.as_str()) {
                Some(&i) => {
                    if let Some(slot) = records.get_mut(i) {
                        *slot = (*record, p);
                    }
                }
                None => {
                    by_card.insert(p.card.as_str(), records.len());
                    records.push((*record, p));
                }
            }
        }
        Snapshot { file, now, records, by_card }
    }

    fn get(&self, card: &str) -> Option<(usize, &'a Position)> {
        self.by_card.get(card).and_then(|&i| self.records.get(i).copied())
    }

    fn underground(&self) -> impl Iterator<Item = &(usize, &'a Position)> {
        self.records.iter().filter(|(_, p)| p.state == PositionState::Underground)
    }
}

/// `t` moved into `[lo, hi]` without panicking when the bounds cross.
fn clamp(t: Timestamp, lo: Timestamp, hi: Timestamp) -> Timestamp {
    t.max(lo).min(hi)
}

/// Evidence for one RYSS record.
fn record_evidence(file: &str, record: usize, p: &Position, time: Timestamp, detail: String) -> Evidence {
    Evidence {
        file: file.to_string(),
        record: Some(record),
        card: Some(p.card.clone()),
        area: p.area.clone(),
        time: Some(time),
        detail: Some(detail),
        ..Default::default()
    }
}

/// Evidence that a snapshot no longer shows what an event needs (the card left, the crowd thinned).
fn closing_evidence(snap: &Snapshot<'_>, card: Option<&str>, detail: String) -> Evidence {
    let found = card.and_then(|c| snap.get(c));
    Evidence {
        file: snap.file.to_string(),
        record: found.map(|(r, _)| r),
        card: card.map(str::to_string),
        area: found.and_then(|(_, p)| p.area.clone()),
        time: Some(snap.now),
        detail: Some(detail),
        ..Default::default()
    }
}

/// "for 15 min" when closed; for an event still open at the end of input, how long
/// it had lasted by the last snapshot that showed it.
fn span_text(start: Timestamp, end: Option<Timestamp>, last_seen: Timestamp) -> String {
    match end {
        Some(end) => format!("for {}", human_duration(end.secs_since(start))),
        None => {
            let so_far = last_seen.secs_since(start);
            let tail = if so_far > 0 { format!(" ({} so far)", human_duration(so_far)) } else { String::new() };
            format!("since {}, still ongoing at the last snapshot{tail}", start.upload_format())
        }
    }
}

/// Judges one mine's personnel-positioning data against POS-7.1…7.4 and POS-10.
pub struct PositioningRules {
    mine: String,
    areas: HashMap<String, AreaEntry>,
    /// RYXX names, for records that carry none.
    names: HashMap<String, String>,
    /// 核定下井人数 from the newest RYXX header that had one, with its file.
    ryxx_headcount: Option<(u32, String)>,
    registry_headcount: Option<u32>,
    /// Registry authorisations by card.
    permits: HashMap<String, Vec<Permit>>,
    overtime_secs: i64,
    newest: Option<Timestamp>,
    stale: u64,
    /// Flag-1 records of the newest snapshot.
    current: Vec<Position>,
    last_place: HashMap<String, LastPlace>,
    restricted: BTreeMap<String, OpenRestricted>,
    /// End of the last POS-7.1 event per card, so a card that vanishes for one
    /// snapshot and comes back is not reported twice with the same start.
    restricted_closed: HashMap<String, (String, Timestamp)>,
    quota: BTreeMap<String, OpenCount>,
    mine_count: Option<OpenCount>,
    overtime: BTreeMap<String, OpenOvertime>,
    /// 入井时刻 of the last trip reported per card: one event per (card, trip).
    overtime_reported: HashMap<String, Timestamp>,
    sos: BTreeMap<String, OpenSos>,
    /// Span `[lower, end]` of the last closed SOS per card, to drop late or re-sent reports of it.
    sos_closed: HashMap<String, (Timestamp, Timestamp)>,
}

impl PositioningRules {
    /// `info` is the mine's registry entry: authorisations, approved headcount and
    /// overtime limit come from there first.
    pub fn new(mine: &str, info: Option<&MineInfo>) -> Self {
        let mut permits: HashMap<String, Vec<Permit>> = HashMap::new();
        for a in info.map(|i| i.authorisations.as_slice()).unwrap_or_default() {
            permits.entry(a.card.clone()).or_default().push(Permit { area: a.area.clone(), from: a.from, to: a.to });
        }
        let hours = info.and_then(|i| i.overtime_hours).filter(|h| h.is_finite() && *h > 0.0).unwrap_or(DEFAULT_OVERTIME_HOURS);
        PositioningRules {
            mine: mine.to_string(),
            areas: HashMap::new(),
            names: HashMap::new(),
            ryxx_headcount: None,
            registry_headcount: info.and_then(|i| i.approved_headcount).filter(|&n| n > 0),
            permits,
            overtime_secs: (hours * 3600.0).round() as i64,
            newest: None,
            stale: 0,
            current: Vec::new(),
            last_place: HashMap::new(),
            restricted: BTreeMap::new(),
            restricted_closed: HashMap::new(),
            quota: BTreeMap::new(),
            mine_count: None,
            overtime: BTreeMap::new(),
            overtime_reported: HashMap::new(),
            sos: BTreeMap::new(),
            sos_closed: HashMap::new(),
        }
    }

    /// RYQY: areas with type and quota. Each RYQY is the full list, so it replaces the previous one.
    pub fn on_areas(&mut self, file: &str, areas: &[(usize, Area)], upload_time: Timestamp) {
        let _ = upload_time;
        self.areas = areas
            .iter()
            .map(|(record, a)| (a.code.clone(), AreaEntry { area: a.clone(), file: file.to_string(), record: *record }))
            .collect();
    }

    /// RYXX: people; `approved_headcount` from the RYXX header (核定下井人数), if present.
    pub fn on_people(&mut self, file: &str, people: &[(usize, Person)], approved_headcount: Option<u32>, upload_time: Timestamp) {
        let _ = upload_time;
        for (_, p) in people {
            if p.name.is_empty() {
                continue;
            }
            match self.names.get_mut(&p.card) {
                Some(n) if *n == p.name => {}
                Some(n) => n.clone_from(&p.name),
                None => {
                    self.names.insert(p.card.clone(), p.name.clone());
                }
            }
        }
        if let Some(n) = approved_headcount.filter(|&n| n > 0) {
            self.ryxx_headcount = Some((n, file.to_string()));
        }
    }

    /// One RYSS snapshot (full snapshot of who is underground), in upload-time order.
    /// Closed events are pushed to `out`.
    ///
    /// A snapshot older than the newest one processed is stale: it must not re-open
    /// or close events, since the newer snapshot already told the current state.
    /// An SOS it carries is still raised (de-duplicated), because an SOS is an event
    /// in its own right, not state.
    pub fn on_snapshot(&mut self, file: &str, upload_time: Timestamp, positions: &[(usize, Position)], out: &mut Vec<Finding>) {
        if self.newest.is_some_and(|n| upload_time < n) {
            self.stale += 1;
            for (record, p) in positions.iter().filter(|(_, p)| p.sos) {
                self.report_sos(SosReport {
                    file,
                    record: *record,
                    card: &p.card,
                    name: &p.name,
                    start: upload_time,
                    area: p.area.as_deref(),
                    station: p.station.as_deref(),
                    source: "RYSS 人员工作状态 求救 (late snapshot)",
                    from_ryss: true,
                });
            }
            return;
        }
        let previous = self.newest.replace(upload_time);
        let snap = Snapshot::new(file, upload_time, positions);
        self.judge_sos(&snap, previous, out);
        self.judge_restricted(&snap, out);
        self.judge_overtime(&snap, out);
        self.judge_quota(&snap, out);
        self.judge_mine_headcount(&snap, out);
        self.remember(&snap);
    }

    /// A vendor SOS record (RYQJ): card, name, start time, area, station — treated like an RYSS 求救.
    ///
    /// Nothing closes on a report: an RYQJ record has no trustworthy end, so its
    /// event ends at the first later snapshot that no longer shows the card in SOS.
    #[allow(clippy::too_many_arguments)]
    pub fn on_sos(
        &mut self,
        file: &str,
        record: usize,
        card: &str,
        name: &str,
        start: Timestamp,
        area: Option<&str>,
        station: Option<&str>,
        out: &mut Vec<Finding>,
    ) {
        let _ = out;
        self.report_sos(SosReport { file, record, card, name, start, area, station, source: "RYQJ 人员求救", from_ryss: false });
    }

    /// End of input: open events pushed with `end = None`.
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        for (card, ev) in std::mem::take(&mut self.restricted) {
            let last = ev.last.time;
            out.push(self.restricted_finding(&card, ev, None, last, None));
        }
        for (area, ev) in std::mem::take(&mut self.quota) {
            out.push(self.quota_finding(&area, ev, None));
        }
        if let Some(ev) = self.mine_count.take() {
            out.push(self.mine_finding(ev, None));
        }
        for (card, ev) in std::mem::take(&mut self.overtime) {
            let last = ev.last.time;
            out.push(self.overtime_finding(&card, ev, None, last, None));
        }
        for (card, ev) in std::mem::take(&mut self.sos) {
            out.push(self.sos_finding(&card, ev, None));
        }
    }

    /// Who is underground now (for `minesafe people`): the newest snapshot's flag-1 records.
    pub fn underground(&self) -> Vec<&Position> {
        self.current.iter().collect()
    }

    /// Snapshots that arrived after a newer one and were left out of the current state.
    pub fn stale_snapshots(&self) -> u64 {
        self.stale
    }

    fn name_of<'a>(&'a self, card: &str, given: &'a str) -> &'a str {
        if given.is_empty() {
            self.names.get(card).map(String::as_str).unwrap_or("")
        } else {
            given
        }
    }

    fn person_label(name: &str, card: &str) -> String {
        if name.is_empty() {
            format!("card {card}")
        } else {
            format!("{name} (card {card})")
        }
    }

    fn area_label(&self, code: &str) -> String {
        match self.areas.get(code).map(|a| a.area.name.as_str()) {
            Some(name) if !name.is_empty() => format!("{name} ({code})"),
            _ => format!("area {code}"),
        }
    }

    fn area_evidence(&self, code: &str, detail: String) -> Option<Evidence> {
        self.areas.get(code).map(|a| Evidence {
            file: a.file.clone(),
            record: Some(a.record),
            area: Some(code.to_string()),
            value: a.quota().map(f64::from),
            detail: Some(detail),
            ..Default::default()
        })
    }

    fn is_restricted(&self, code: &str) -> bool {
        self.areas.get(code).is_some_and(|a| a.area.kind == AreaKind::Restricted)
    }

    /// Builds a finding whose id also names the card or area, so two people entering
    /// the same area at the same second get distinct ids.
    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        rule: &str,
        key: &str,
        start: Timestamp,
        end: Option<Timestamp>,
        place: Option<&str>,
        title: String,
        evidence: Vec<Evidence>,
    ) -> Finding {
        let rule = in_force_id(rule, start);
        let mut f = finding(rule, &self.mine, start, end, place, title, evidence);
        f.id = Finding::stable_id(rule, &self.mine, key, start);
        f
    }

    // ---- POS-7.1 restricted areas -------------------------------------------------

    /// When the card's unauthorised stay in `area` began, or `None` if an
    /// authorisation covers `now`. An authorisation that covered the entry but ran
    /// out moves the start to its end.
    fn unauthorised_since(&self, card: &str, area: &str, since: Timestamp, now: Timestamp) -> Option<Timestamp> {
        let permits: Vec<&Permit> = self.permits.get(card).map(|v| v.iter().filter(|p| p.area == area).collect()).unwrap_or_default();
        if permits.iter().any(|p| p.from <= now && now <= p.to) {
            return None;
        }
        let mut start = since;
        // Chained windows: at most one step per permit.
        for _ in 0..permits.len() {
            match permits.iter().filter(|p| p.from <= start && start <= p.to).map(|p| p.to).max() {
                Some(to) if to > start => start = to,
                _ => break,
            }
        }
        Some(start.min(now))
    }

    fn authorised_from(&self, card: &str, area: &str, now: Timestamp) -> Option<Timestamp> {
        self.permits.get(card)?.iter().filter(|p| p.area == area && p.from <= now && now <= p.to).map(|p| p.from).min()
    }

    fn judge_restricted(&mut self, snap: &Snapshot<'_>, out: &mut Vec<Finding>) {
        let now = snap.now;
        let mut open = std::mem::take(&mut self.restricted);
        let mut closed: Vec<(String, Timestamp, Evidence)> = Vec::new();
        for (card, ev) in open.iter_mut() {
            let lo = ev.start.max(ev.last.time);
            let found = snap.get(card);
            let here = found.filter(|(_, p)| p.state == PositionState::Underground && p.area.as_deref() == Some(ev.area.as_str()));
            let (end, why) = match (found, here) {
                (_, Some((record, _))) if self.is_restricted(&ev.area) => match self.authorised_from(card, &ev.area, now) {
                    None => {
                        ev.last = Sighting { file: snap.file.to_string(), record, time: now };
                        continue;
                    }
                    Some(from) => (clamp(from, lo, now), "an authorisation began".to_string()),
                },
                (_, Some(_)) => (now, "the area is no longer declared restricted".to_string()),
                (Some((_, p)), None) if p.state == PositionState::Underground => {
                    let now_in = p.area.as_deref().map(|a| self.area_label(a)).unwrap_or_else(|| "no area".to_string());
                    (p.area_since.map_or(now, |s| clamp(s, lo, now)), format!("left the area; now in {now_in}"))
                }
                (Some((_, p)), None) if p.state == PositionState::Out => {
                    (p.exited.map_or(now, |s| clamp(s, lo, now)), "came out of the mine".to_string())
                }
                (Some(_), None) => (now, "at the shaft mouth".to_string()),
                (None, _) => (now, "card no longer in the snapshot".to_string()),
            };
            closed.push((card.clone(), end, closing_evidence(snap, Some(card), why)));
        }
        for (card, end, evidence) in closed {
            if let Some(ev) = open.remove(&card) {
                self.restricted_closed.insert(card.clone(), (ev.area.clone(), end));
                let last = ev.last.time;
                out.push(self.restricted_finding(&card, ev, Some(end), last, Some(evidence)));
            }
        }
        for &(record, p) in snap.underground() {
            let Some(area) = p.area.as_deref() else { continue };
            if open.contains_key(&p.card) || !self.is_restricted(area) {
                continue;
            }
            let since = p.area_since.filter(|&s| s <= now).unwrap_or(now);
            let Some(mut start) = self.unauthorised_since(&p.card, area, since, now) else { continue };
            if let Some((prev_area, prev_end)) = self.restricted_closed.get(&p.card) {
                if prev_area == area && start < *prev_end {
                    // Seen again after a gap with the same entry time: a new stay from the gap's end.
                    start = now.max(*prev_end);
                }
            }
            let name = self.name_of(&p.card, &p.name).to_string();
            let station = p.station.as_deref().unwrap_or("none");
            let detail = format!(
                "{} in 限制区域 {} since {}, station {}",
                if name.is_empty() { "unnamed" } else { &name },
                area,
                since.upload_format(),
                station
            );
            let first = record_evidence(snap.file, record, p, since, detail);
            open.insert(
                p.card.clone(),
                OpenRestricted {
                    area: area.to_string(),
                    name,
                    start,
                    first,
                    last: Sighting { file: snap.file.to_string(), record, time: now },
                },
            );
        }
        self.restricted = open;
    }

    fn restricted_finding(
        &self,
        card: &str,
        ev: OpenRestricted,
        end: Option<Timestamp>,
        last_seen: Timestamp,
        closing: Option<Evidence>,
    ) -> Finding {
        let title = format!(
            "{} in restricted area {} without authorisation {}",
            Self::person_label(&ev.name, card),
            self.area_label(&ev.area),
            span_text(ev.start, end, last_seen)
        );
        let mut evidence = vec![ev.first];
        if let Some(e) = self.area_evidence(&ev.area, "区域类型 限制区域 (RYQY)".to_string()) {
            evidence.push(e);
        }
        if evidence.first().and_then(|e| e.record) != Some(ev.last.record)
            || evidence.first().map(|e| e.file.as_str()) != Some(ev.last.file.as_str())
        {
            evidence.push(Evidence {
                file: ev.last.file,
                record: Some(ev.last.record),
                card: Some(card.to_string()),
                area: Some(ev.area.clone()),
                time: Some(ev.last.time),
                detail: Some("last snapshot showing the card in the area".to_string()),
                ..Default::default()
            });
        }
        evidence.extend(closing);
        let key = format!("{}/{}", ev.area, card);
        self.build("POS-7.1", &key, ev.start, end, Some(&ev.area), title, evidence)
    }

    // ---- POS-7.4 overtime ---------------------------------------------------------

    fn judge_overtime(&mut self, snap: &Snapshot<'_>, out: &mut Vec<Finding>) {
        let now = snap.now;
        let mut open = std::mem::take(&mut self.overtime);
        let mut closed: Vec<(String, Timestamp, Evidence)> = Vec::new();
        for (card, ev) in open.iter_mut() {
            let lo = ev.start.max(ev.last.time);
            let (end, why) = match snap.get(card) {
                Some((record, p)) if p.state == PositionState::Underground && p.entered.is_none_or(|e| e == ev.entered) => {
                    ev.last = Sighting { file: snap.file.to_string(), record, time: now };
                    if p.area.is_some() {
                        ev.area.clone_from(&p.area);
                    }
                    continue;
                }
                Some((_, p)) if p.state == PositionState::Underground => {
                    (p.entered.map_or(now, |e| clamp(e, lo, now)), "a new trip began (入井时刻 changed)".to_string())
                }
                Some((_, p)) if p.state == PositionState::Out => {
                    let at = p.exited.map(|e| e.upload_format()).unwrap_or_else(|| "an unknown time".to_string());
                    (p.exited.map_or(now, |e| clamp(e, lo, now)), format!("came out of the mine (出井时刻 {at})"))
                }
                Some(_) => (now, "at the shaft mouth".to_string()),
                None => (now, "card no longer in the snapshot".to_string()),
            };
            closed.push((card.clone(), end, closing_evidence(snap, Some(card), why)));
        }
        for (card, end, evidence) in closed {
            if let Some(ev) = open.remove(&card) {
                let last = ev.last.time;
                out.push(self.overtime_finding(&card, ev, Some(end), last, Some(evidence)));
            }
        }
        for &(record, p) in snap.underground() {
            let Some(entered) = p.entered else { continue };
            if open.contains_key(&p.card)
                || now.secs_since(entered) <= self.overtime_secs
                || self.overtime_reported.get(&p.card) == Some(&entered)
            {
                continue;
            }
            let name = self.name_of(&p.card, &p.name).to_string();
            let detail = format!(
                "{} underground since 入井时刻 {}, {} by this snapshot",
                if name.is_empty() { "unnamed" } else { &name },
                entered.upload_format(),
                human_duration(now.secs_since(entered))
            );
            let first = record_evidence(snap.file, record, p, entered, detail);
            self.overtime_reported.insert(p.card.clone(), entered);
            open.insert(
                p.card.clone(),
                OpenOvertime {
                    name,
                    entered,
                    start: entered.plus_secs(self.overtime_secs),
                    area: p.area.clone(),
                    first,
                    last: Sighting { file: snap.file.to_string(), record, time: now },
                },
            );
        }
        self.overtime = open;
    }

    fn overtime_finding(
        &self,
        card: &str,
        ev: OpenOvertime,
        end: Option<Timestamp>,
        last_seen: Timestamp,
        closing: Option<Evidence>,
    ) -> Finding {
        let limit = human_duration(self.overtime_secs);
        let who = Self::person_label(&ev.name, card);
        let entered = ev.entered.upload_format();
        let title = match end {
            Some(end) => format!(
                "{who} stayed underground {} after entering at {entered}, {} over the {limit} limit",
                human_duration(end.secs_since(ev.entered)),
                human_duration(end.secs_since(ev.start))
            ),
            None => format!(
                "{who} had been underground at least {} after entering at {entered}, over the {limit} limit, and was still underground at the last snapshot",
                human_duration(last_seen.secs_since(ev.entered))
            ),
        };
        let mut evidence = vec![ev.first];
        if evidence.first().and_then(|e| e.record) != Some(ev.last.record)
            || evidence.first().map(|e| e.file.as_str()) != Some(ev.last.file.as_str())
        {
            evidence.push(Evidence {
                file: ev.last.file,
                record: Some(ev.last.record),
                card: Some(card.to_string()),
                area: ev.area.clone(),
                time: Some(ev.last.time),
                detail: Some("last snapshot showing the card underground".to_string()),
                ..Default::default()
            });
        }
        evidence.extend(closing);
        let mut f = self.build("POS-7.4", card, ev.start, end, ev.area.as_deref(), title, evidence);
        f.peak = end.or(Some(last_seen)).map(|e| e.secs_since(ev.entered) as f64 / 3600.0);
        f
    }

    // ---- POS-7.2 area quota -------------------------------------------------------

    fn judge_quota(&mut self, snap: &Snapshot<'_>, out: &mut Vec<Finding>) {
        let now = snap.now;
        // Area code → indices into snap.records; only areas with a quota POS-7.2 judges.
        let mut crowds: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (_, p)) in snap.records.iter().enumerate() {
            if p.state != PositionState::Underground {
                continue;
            }
            let Some(area) = p.area.as_deref() else { continue };
            if self.areas.get(area).is_some_and(|a| a.area.kind != AreaKind::Restricted && a.quota().is_some()) {
                crowds.entry(area).or_default().push(i);
            }
        }
        let over = |area: &str| -> Option<(u32, u32)> {
            let quota = self.areas.get(area)?.quota()?;
            let n = u32::try_from(crowds.get(area)?.len()).unwrap_or(u32::MAX);
            (n > quota).then_some((n, quota))
        };
        let mut open = std::mem::take(&mut self.quota);
        let mut closed: Vec<(String, Timestamp, Evidence)> = Vec::new();
        for (area, ev) in open.iter_mut() {
            match over(area) {
                Some((n, quota)) => {
                    ev.last_seen = now;
                    if n > ev.peak {
                        ev.peak = n;
                        ev.limit = quota;
                        ev.peak_evidence = Some(count_evidence(snap, Some(area), n, quota, "quota"));
                    }
                }
                None => {
                    let n = crowds.get(area.as_str()).map_or(0, Vec::len);
                    let detail = format!("{n} people in the area, no longer over quota");
                    let mut e = closing_evidence(snap, None, detail);
                    e.area = Some(area.clone());
                    e.value = Some(n as f64);
                    closed.push((area.clone(), now, e));
                }
            }
        }
        for (area, end, evidence) in closed {
            if let Some(mut ev) = open.remove(&area) {
                ev.cards.push(evidence);
                out.push(self.quota_finding(&area, ev, Some(end)));
            }
        }
        for (area, idx) in &crowds {
            let Some((n, quota)) = over(area) else { continue };
            if open.contains_key(*area) {
                continue;
            }
            let cards = idx
                .iter()
                .take(MAX_CARDS_IN_EVIDENCE)
                .filter_map(|&i| snap.records.get(i))
                .map(|&(record, p)| {
                    let name = self.name_of(&p.card, &p.name);
                    record_evidence(
                        snap.file,
                        record,
                        p,
                        p.area_since.unwrap_or(now),
                        format!("{} in the area", if name.is_empty() { "unnamed" } else { name }),
                    )
                })
                .collect();
            open.insert(
                area.to_string(),
                OpenCount {
                    start: now,
                    peak: n,
                    limit: quota,
                    first: count_evidence(snap, Some(area), n, quota, "quota"),
                    peak_evidence: None,
                    limit_evidence: self.area_evidence(area, format!("区域核定人数 {quota} (RYQY)")),
                    cards,
                    last_seen: now,
                },
            );
        }
        self.quota = open;
    }

    fn quota_finding(&self, area: &str, ev: OpenCount, end: Option<Timestamp>) -> Finding {
        let title = format!(
            "Headcount in area {} reached {} against a quota of {} {}",
            self.area_label(area),
            ev.peak,
            ev.limit,
            span_text(ev.start, end, ev.last_seen)
        );
        let peak = ev.peak;
        let start = ev.start;
        let evidence = count_finding_evidence(ev);
        let mut f = self.build("POS-7.2", area, start, end, Some(area), title, evidence);
        f.peak = Some(f64::from(peak));
        f
    }

    // ---- POS-7.3 mine headcount ---------------------------------------------------

    /// The approved underground headcount: the registry knows it better than the RYXX header.
    fn approved_headcount(&self) -> Option<(u32, Option<Evidence>)> {
        if let Some(n) = self.registry_headcount {
            return Some((n, None));
        }
        self.ryxx_headcount.as_ref().map(|(n, file)| {
            let e = Evidence {
                file: file.clone(),
                value: Some(f64::from(*n)),
                detail: Some(format!("核定下井人数 {n} (RYXX header)")),
                ..Default::default()
            };
            (*n, Some(e))
        })
    }

    fn judge_mine_headcount(&mut self, snap: &Snapshot<'_>, out: &mut Vec<Finding>) {
        let now = snap.now;
        let n = u32::try_from(snap.underground().count()).unwrap_or(u32::MAX);
        let approved = self.approved_headcount();
        let over = approved.filter(|(limit, _)| n > *limit);
        match (self.mine_count.as_mut(), over) {
            (Some(ev), Some((limit, _))) => {
                ev.last_seen = now;
                if n > ev.peak {
                    ev.peak = n;
                    ev.limit = limit;
                    ev.peak_evidence = Some(count_evidence(snap, None, n, limit, "approved"));
                }
            }
            (Some(_), None) => {
                if let Some(mut ev) = self.mine_count.take() {
                    let mut e = closing_evidence(snap, None, format!("{n} people underground, no longer over the approved number"));
                    e.value = Some(f64::from(n));
                    ev.cards.push(e);
                    out.push(self.mine_finding(ev, Some(now)));
                }
            }
            (None, Some((limit, limit_evidence))) => {
                self.mine_count = Some(OpenCount {
                    start: now,
                    peak: n,
                    limit,
                    first: count_evidence(snap, None, n, limit, "approved"),
                    peak_evidence: None,
                    limit_evidence,
                    cards: Vec::new(),
                    last_seen: now,
                });
            }
            (None, None) => {}
        }
    }

    fn mine_finding(&self, ev: OpenCount, end: Option<Timestamp>) -> Finding {
        let source = if self.registry_headcount.is_some() { "registry" } else { "RYXX header" };
        let title = format!(
            "Underground headcount reached {} against the approved {} ({source}) {}",
            ev.peak,
            ev.limit,
            span_text(ev.start, end, ev.last_seen)
        );
        let peak = ev.peak;
        let start = ev.start;
        let evidence = count_finding_evidence(ev);
        let mut f = self.build("POS-7.3", "", start, end, None, title, evidence);
        f.peak = Some(f64::from(peak));
        f
    }

    // ---- POS-10 SOS ---------------------------------------------------------------

    fn report_sos(&mut self, r: SosReport<'_>) {
        if let Some(&(lower, end)) = self.sos_closed.get(r.card) {
            if lower <= r.start && r.start <= end {
                return; // a late or re-sent report of an SOS already reported
            }
        }
        let name = self.name_of(r.card, r.name).to_string();
        let evidence = Evidence {
            file: r.file.to_string(),
            record: Some(r.record),
            card: Some(r.card.to_string()),
            area: r.area.map(str::to_string),
            time: Some(r.start),
            detail: Some(format!("{}; station {}", r.source, r.station.unwrap_or("none"))),
            ..Default::default()
        };
        if let Some(ev) = self.sos.get_mut(r.card) {
            ev.start = ev.start.min(r.start);
            ev.lower = ev.lower.min(r.start);
            if ev.area.is_none() {
                ev.area = r.area.map(str::to_string);
            }
            if ev.station.is_none() {
                ev.station = r.station.map(str::to_string);
            }
            if ev.name.is_empty() {
                ev.name = name;
            }
            ev.ryss_cited |= r.from_ryss;
            if ev.evidence.len() < MAX_SOS_EVIDENCE && !ev.evidence.iter().any(|e| e.file == evidence.file && e.record == evidence.record) {
                ev.evidence.push(evidence);
            }
            return;
        }
        let last = self.last_place.get(r.card);
        let area = r.area.map(str::to_string).or_else(|| last.and_then(|l| l.area.clone()));
        let station = r.station.map(str::to_string).or_else(|| last.and_then(|l| l.station.clone()));
        self.sos.insert(
            r.card.to_string(),
            OpenSos { name, area, station, start: r.start, lower: r.start, ryss_cited: r.from_ryss, evidence: vec![evidence] },
        );
    }

    fn judge_sos(&mut self, snap: &Snapshot<'_>, previous: Option<Timestamp>, out: &mut Vec<Finding>) {
        let now = snap.now;
        let mut open = std::mem::take(&mut self.sos);
        let mut closed: Vec<(String, Evidence)> = Vec::new();
        for (card, ev) in open.iter_mut() {
            match snap.get(card) {
                Some((record, p)) if p.sos => {
                    if p.area.is_some() {
                        ev.area.clone_from(&p.area);
                    }
                    if p.station.is_some() {
                        ev.station.clone_from(&p.station);
                    }
                    if !ev.ryss_cited && ev.evidence.len() < MAX_SOS_EVIDENCE {
                        ev.ryss_cited = true;
                        ev.evidence.push(record_evidence(
                            snap.file,
                            record,
                            p,
                            now,
                            format!("RYSS 人员工作状态 求救; station {}", p.station.as_deref().unwrap_or("none")),
                        ));
                    }
                }
                // A report newer than this snapshot cannot be judged by it.
                _ if now <= ev.start => {}
                _ => closed.push((card.clone(), closing_evidence(snap, Some(card), "no longer in SOS".to_string()))),
            }
        }
        for (card, evidence) in closed {
            if let Some(mut ev) = open.remove(&card) {
                ev.evidence.push(evidence);
                self.sos_closed.insert(card.clone(), (ev.lower, now));
                out.push(self.sos_finding(&card, ev, Some(now)));
            }
        }
        for &(record, p) in &snap.records {
            if !p.sos || open.contains_key(&p.card) {
                continue;
            }
            let name = self.name_of(&p.card, &p.name).to_string();
            // The SOS began after the previous snapshot, which did not show it.
            let lower = previous.map_or(now.plus_secs(-SOS_FIRST_SNAPSHOT_WINDOW_SECS), |t| t.plus_secs(-SOS_CLOCK_SLACK_SECS));
            let last = self.last_place.get(&p.card);
            let area = p.area.clone().or_else(|| last.and_then(|l| l.area.clone()));
            let station = p.station.clone().or_else(|| last.and_then(|l| l.station.clone()));
            let e = record_evidence(
                snap.file,
                record,
                p,
                now,
                format!("RYSS 人员工作状态 求救; station {}", p.station.as_deref().unwrap_or("none")),
            );
            open.insert(p.card.clone(), OpenSos { name, area, station, start: now, lower, ryss_cited: true, evidence: vec![e] });
        }
        self.sos = open;
    }

    fn sos_finding(&self, card: &str, ev: OpenSos, end: Option<Timestamp>) -> Finding {
        let place = match (&ev.area, &ev.station) {
            (Some(a), Some(s)) => format!("last located in {} at station {s}", self.area_label(a)),
            (Some(a), None) => format!("last located in {}", self.area_label(a)),
            (None, Some(s)) => format!("last located at station {s}"),
            (None, None) => "with no known location".to_string(),
        };
        let span = match end {
            Some(end) => format!("active for {}", human_duration(end.secs_since(ev.start))),
            None => format!("still active at the last snapshot (since {})", ev.start.upload_format()),
        };
        let title = format!("SOS from {}, {place}, {span}", Self::person_label(&ev.name, card));
        let mut f = self.build("POS-10", card, ev.start, end, ev.area.as_deref(), title, ev.evidence);
        f.tags.push(PRIORITY_TAG.to_string());
        f
    }

    // ---- state ----------------------------------------------------------------------

    fn remember(&mut self, snap: &Snapshot<'_>) {
        self.current.clear();
        for &(_, p) in snap.underground() {
            self.current.push(p.clone());
            match self.last_place.get_mut(&p.card) {
                Some(l) => {
                    if p.area.is_some() && l.area != p.area {
                        l.area.clone_from(&p.area);
                    }
                    if p.station.is_some() && l.station != p.station {
                        l.station.clone_from(&p.station);
                    }
                }
                None => {
                    self.last_place.insert(p.card.clone(), LastPlace { area: p.area.clone(), station: p.station.clone() });
                }
            }
        }
    }
}

/// The headcount of one snapshot against a limit (an area's quota or the mine's approved number).
fn count_evidence(snap: &Snapshot<'_>, area: Option<&str>, n: u32, limit: u32, what: &str) -> Evidence {
    let scope = if area.is_some() { "in the area" } else { "underground" };
    Evidence {
        file: snap.file.to_string(),
        area: area.map(str::to_string),
        value: Some(f64::from(n)),
        time: Some(snap.now),
        detail: Some(format!("{n} people {scope} (flag 1), {what} {limit}")),
        ..Default::default()
    }
}

/// Evidence of a count event: first snapshot over the limit, the peak, the limit's
/// declaration, then the cards of the first snapshot and the closing snapshot.
fn count_finding_evidence(ev: OpenCount) -> Vec<Evidence> {
    let mut evidence = vec![ev.first];
    evidence.extend(ev.peak_evidence);
    evidence.extend(ev.limit_evidence);
    evidence.extend(ev.cards);
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;
    use minesafe_model::registry::Authorisation;
    use minesafe_model::{MineCode, Severity};

    const MINE: &str = "999900000001";
    const JIA: &str = "99990000000190001";
    const YI: &str = "99990000000190002";
    const BING: &str = "99990000000190003";
    const FACE: &str = "9999000000010002";
    const GOAF: &str = "9999000000010003";
    const ROADWAY: &str = "9999000000010004";

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).expect("test time")
    }

    fn ryss(time: &str) -> String {
        format!("{MINE}_RYSS_{}.txt", t(time).compact_format())
    }

    /// The RYQY sample of monitoring-data-formats §4.7.
    fn sample_areas() -> Vec<(usize, Area)> {
        [
            (AreaKind::ShaftMouth, "9999000000010001", 0, "副井井口"),
            (AreaKind::Key, FACE, 30, "1201综采工作面"),
            (AreaKind::Restricted, GOAF, 2, "3#煤采空区密闭处"),
            (AreaKind::Other, ROADWAY, 50, "东翼轨道大巷"),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (kind, code, quota, name))| (i, Area { kind, code: code.into(), quota: Some(quota), name: name.into() }))
        .collect()
    }

    /// A flag-1 record in `area` since `since`, at the area's first station.
    fn down(card: &str, name: &str, entered: &str, area: &str, since: &str) -> Position {
        Position {
            card: card.into(),
            name: name.into(),
            state: PositionState::Underground,
            entered: Some(t(entered)),
            exited: None,
            area: Some(area.into()),
            area_since: Some(t(since)),
            station: Some(format!("{area}000010")),
            station_since: Some(t(since)),
            shift_system: "三八制".into(),
            distance: Some(0.0),
            sos: false,
            is_leader: false,
            is_special: false,
            track: vec![],
        }
    }

    fn out_of_mine(mut p: Position, exited: &str) -> Position {
        p.state = PositionState::Out;
        p.exited = Some(t(exited));
        p.area = Some("9999000000010001".into());
        p.area_since = Some(t(exited));
        p
    }

    /// The RYSS sample of §4.7 (10:15:00): 测试甲 at the face, 测试乙 in the sealed goaf, 测试丙 out.
    fn sample_snapshot() -> Vec<(usize, Position)> {
        let bing =
            out_of_mine(down(BING, "测试丙", "2025-03-01 06:30:00", "9999000000010001", "2025-03-01 06:30:00"), "2025-03-01 09:58:12");
        vec![
            (0, down(JIA, "测试甲", "2025-03-01 07:48:10", FACE, "2025-03-01 08:20:02")),
            (1, down(YI, "测试乙", "2025-03-01 07:50:31", GOAF, "2025-03-01 10:11:47")),
            (2, bing),
        ]
    }

    fn rules(info: Option<&MineInfo>) -> PositioningRules {
        let mut r = PositioningRules::new(MINE, info);
        r.on_areas("999900000001_RYQY_20250301060000.txt", &sample_areas(), t("2025-03-01 06:00:00"));
        r
    }

    fn snapshot(r: &mut PositioningRules, time: &str, positions: Vec<Position>, out: &mut Vec<Finding>) {
        let records: Vec<(usize, Position)> = positions.into_iter().enumerate().collect();
        r.on_snapshot(&ryss(time), t(time), &records, out);
    }

    fn only(findings: &[Finding], rule: &str) -> Vec<Finding> {
        findings.iter().filter(|f| f.rule == rule).cloned().collect()
    }

    #[test]
    fn restricted_area_entry() {
        let mut r = rules(None);
        let mut out = Vec::new();
        r.on_snapshot(&ryss("2025-03-01 10:15:00"), t("2025-03-01 10:15:00"), &sample_snapshot(), &mut out);
        let yi = |area: &str, since: &str| down(YI, "测试乙", "2025-03-01 07:50:31", area, since);
        let jia = down(JIA, "测试甲", "2025-03-01 07:48:10", FACE, "2025-03-01 08:20:02");
        snapshot(&mut r, "2025-03-01 10:20:00", vec![jia.clone(), yi(GOAF, "2025-03-01 10:11:47")], &mut out);
        assert!(out.is_empty(), "still open: {out:?}");
        // 测试乙 walks out of the goaf into the roadway at 10:26:47, seen at 10:30.
        snapshot(&mut r, "2025-03-01 10:30:00", vec![jia, yi(ROADWAY, "2025-03-01 10:26:47")], &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let f = &out[0];
        assert_eq!(f.rule, "POS-7.1");
        assert_eq!(f.severity, Severity::Alarm);
        assert_eq!(f.start, t("2025-03-01 10:11:47"));
        assert_eq!(f.end, Some(t("2025-03-01 10:26:47")));
        assert_eq!(f.place.as_deref(), Some(GOAF));
        assert_eq!(
            f.title,
            "测试乙 (card 99990000000190002) in restricted area 3#煤采空区密闭处 (9999000000010003) without authorisation for 15 min"
        );
        let first = &f.evidence[0];
        assert_eq!(first.file, "999900000001_RYSS_20250301101500.txt");
        assert_eq!(first.record, Some(1));
        assert_eq!(first.card.as_deref(), Some(YI));
        assert_eq!(first.area.as_deref(), Some(GOAF));
        assert_eq!(first.time, Some(t("2025-03-01 10:11:47")));
        assert!(first.detail.as_deref().is_some_and(|d| d.contains("测试乙") && d.contains("9999000000010003000010")));
        assert!(f.evidence.iter().any(|e| e.file.contains("_RYQY_") && e.record == Some(2)), "RYQY declaration cited");
        assert!(f.evidence.iter().any(|e| e.file == "999900000001_RYSS_20250301103000.txt" && e.record == Some(1)), "closing record cited");
        r.finish(&mut out);
        assert_eq!(out.len(), 1, "nothing left open");

        // An authorisation from the registry covering the stay: no finding.
        let mut info = MineInfo::new(MineCode::parse(MINE).expect("mine code"));
        info.authorisations.push(Authorisation {
            card: YI.into(),
            area: GOAF.into(),
            from: t("2025-03-01 10:00:00"),
            to: t("2025-03-01 12:00:00"),
            reason: "密闭检查".into(),
        });
        let mut r = rules(Some(&info));
        let mut out = Vec::new();
        r.on_snapshot(&ryss("2025-03-01 10:15:00"), t("2025-03-01 10:15:00"), &sample_snapshot(), &mut out);
        r.finish(&mut out);
        assert!(only(&out, "POS-7.1").is_empty(), "{out:?}");

        // An authorisation that ran out at 10:13 while he stayed: the stay counts from 10:13.
        info.authorisations[0].to = t("2025-03-01 10:13:00");
        let mut r = rules(Some(&info));
        let mut out = Vec::new();
        r.on_snapshot(&ryss("2025-03-01 10:15:00"), t("2025-03-01 10:15:00"), &sample_snapshot(), &mut out);
        r.finish(&mut out);
        let f = only(&out, "POS-7.1");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].start, t("2025-03-01 10:13:00"));
        assert_eq!(f[0].end, None);
        assert_eq!(
            f[0].title,
            "测试乙 (card 99990000000190002) in restricted area 3#煤采空区密闭处 (9999000000010003) without authorisation since 2025-03-01 10:13:00, still ongoing at the last snapshot (2 min so far)"
        );
    }

    #[test]
    fn area_over_quota() {
        let mut r = rules(None);
        let mut out = Vec::new();
        let crew = |n: usize, area: &str| -> Vec<Position> {
            (0..n)
                .map(|i| down(&format!("999900000002{i:05}"), &format!("工人{i}"), "2025-03-01 07:40:00", area, "2025-03-01 08:00:00"))
                .collect()
        };
        // 30 at the face (quota 30): at quota is fine. 3 in the goaf (quota 2) is POS-7.1's.
        let mut normal = crew(30, FACE);
        normal.push(down(YI, "测试乙", "2025-03-01 07:50:31", GOAF, "2025-03-01 08:50:00"));
        snapshot(&mut r, "2025-03-01 09:00:00", normal, &mut out);
        snapshot(&mut r, "2025-03-01 09:05:00", crew(31, FACE), &mut out);
        snapshot(&mut r, "2025-03-01 09:10:00", crew(60, FACE), &mut out);
        snapshot(&mut r, "2025-03-01 09:15:00", crew(32, FACE), &mut out);
        assert!(only(&out, "POS-7.2").is_empty());
        snapshot(&mut r, "2025-03-01 09:20:00", crew(30, FACE), &mut out);
        let f = only(&out, "POS-7.2");
        assert_eq!(f.len(), 1, "{out:?}");
        let f = &f[0];
        assert_eq!(f.start, t("2025-03-01 09:05:00"));
        assert_eq!(f.end, Some(t("2025-03-01 09:20:00")));
        assert_eq!(f.peak, Some(60.0));
        assert_eq!(f.place.as_deref(), Some(FACE));
        assert_eq!(f.title, "Headcount in area 1201综采工作面 (9999000000010002) reached 60 against a quota of 30 for 15 min");
        assert_eq!(f.evidence[0].file, "999900000001_RYSS_20250301090500.txt");
        assert_eq!(f.evidence[0].value, Some(31.0));
        assert_eq!(f.evidence[1].file, "999900000001_RYSS_20250301091000.txt");
        assert_eq!(f.evidence[1].value, Some(60.0));
        assert!(f.evidence[2].file.contains("_RYQY_"));
        let cards: Vec<_> = f.evidence.iter().filter(|e| e.card.is_some()).collect();
        assert_eq!(cards.len(), 31, "all 31 cards of the first snapshot");
        assert_eq!(cards[0].record, Some(0));
        assert_eq!(cards[0].card.as_deref(), Some("99990000000200000"));
        // The goaf held one person with a quota of 2, and POS-7.1 owns it anyway.
        assert!(out.iter().all(|f| f.place.as_deref() != Some(GOAF) || f.rule == "POS-7.1"));

        // The card list is capped.
        let mut r = rules(None);
        let mut out = Vec::new();
        snapshot(&mut r, "2025-03-01 09:00:00", crew(120, ROADWAY), &mut out);
        r.finish(&mut out);
        let f = only(&out, "POS-7.2");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].end, None);
        assert_eq!(f[0].evidence.iter().filter(|e| e.card.is_some()).count(), MAX_CARDS_IN_EVIDENCE);
    }

    #[test]
    fn mine_over_headcount() {
        let people: Vec<(usize, Person)> = [(JIA, "测试甲"), (YI, "测试乙"), (BING, "测试丙")]
            .into_iter()
            .enumerate()
            .map(|(i, (card, name))| {
                let p = Person {
                    card: card.into(),
                    name: name.into(),
                    job: None,
                    title: None,
                    team: String::new(),
                    birth: "1990-01-01".into(),
                    education: String::new(),
                    is_leader: false,
                    is_special: false,
                };
                (i, p)
            })
            .collect();
        let crew = |n: usize| -> Vec<Position> {
            (0..n).map(|i| down(&format!("999900000002{i:05}"), "", "2025-03-01 07:40:00", FACE, "2025-03-01 08:00:00")).collect()
        };
        let ryxx = "999900000001_RYXX_20250301060000.txt";
        // RYXX header says 3; 4 people go down.
        let mut r = rules(None);
        r.on_people(ryxx, &people, Some(3), t("2025-03-01 06:00:00"));
        let mut out = Vec::new();
        snapshot(&mut r, "2025-03-01 09:00:00", crew(3), &mut out);
        snapshot(&mut r, "2025-03-01 09:01:00", crew(4), &mut out);
        snapshot(&mut r, "2025-03-01 09:02:00", crew(5), &mut out);
        snapshot(&mut r, "2025-03-01 09:03:00", crew(3), &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let f = &out[0];
        assert_eq!(f.rule, "POS-7.3");
        assert_eq!(f.start, t("2025-03-01 09:01:00"));
        assert_eq!(f.end, Some(t("2025-03-01 09:03:00")));
        assert_eq!(f.peak, Some(5.0));
        assert_eq!(f.title, "Underground headcount reached 5 against the approved 3 (RYXX header) for 2 min");
        assert_eq!(f.evidence[0].value, Some(4.0));
        assert_eq!(f.evidence[1].value, Some(5.0));
        assert!(f.evidence.iter().any(|e| e.file == ryxx && e.value == Some(3.0)), "the header's approved number is cited");

        // The registry's number comes first: 10 approved, the same crews are fine.
        let mut info = MineInfo::new(MineCode::parse(MINE).expect("mine code"));
        info.approved_headcount = Some(10);
        let mut r = rules(Some(&info));
        r.on_people(ryxx, &people, Some(3), t("2025-03-01 06:00:00"));
        let mut out = Vec::new();
        snapshot(&mut r, "2025-03-01 09:01:00", crew(5), &mut out);
        r.finish(&mut out);
        assert!(out.is_empty(), "{out:?}");
        // No approved number anywhere: nothing to judge.
        let mut r = rules(None);
        let mut out = Vec::new();
        snapshot(&mut r, "2025-03-01 09:01:00", crew(500), &mut out);
        r.finish(&mut out);
        assert!(only(&out, "POS-7.3").is_empty());
    }

    #[test]
    fn overtime_underground() {
        // Night shift: down at 21:30, the 12 h limit passes at 09:30 the next day.
        let mut r = rules(None);
        let mut out = Vec::new();
        let night = |since: &str| down(JIA, "测试甲", "2025-03-01 21:30:00", FACE, since);
        snapshot(&mut r, "2025-03-02 00:30:00", vec![night("2025-03-01 22:10:00")], &mut out);
        snapshot(&mut r, "2025-03-02 09:29:59", vec![night("2025-03-01 22:10:00")], &mut out);
        snapshot(&mut r, "2025-03-02 09:30:00", vec![night("2025-03-01 22:10:00")], &mut out);
        assert!(out.is_empty(), "exactly 12 h is not longer than 12 h: {out:?}");
        snapshot(&mut r, "2025-03-02 09:45:00", vec![night("2025-03-01 22:10:00")], &mut out);
        assert!(out.is_empty());
        snapshot(&mut r, "2025-03-02 10:00:00", vec![out_of_mine(night("2025-03-01 22:10:00"), "2025-03-02 09:52:00")], &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let f = &out[0];
        assert_eq!(f.rule, "POS-7.4");
        assert_eq!(f.start, t("2025-03-02 09:30:00"));
        assert_eq!(f.end, Some(t("2025-03-02 09:52:00")));
        assert_eq!(f.title, "测试甲 (card 99990000000190001) stayed underground 12 h 22 min after entering at 2025-03-01 21:30:00, 22 min over the 12 h limit");
        assert_eq!(f.evidence[0].file, "999900000001_RYSS_20250302094500.txt");
        assert_eq!(f.evidence[0].record, Some(0));
        assert_eq!(f.evidence[0].time, Some(t("2025-03-01 21:30:00")));
        assert!(f
            .evidence
            .iter()
            .any(|e| e.file == "999900000001_RYSS_20250302100000.txt" && e.detail.as_deref().is_some_and(|d| d.contains("出井"))));
        // Reappearing with the same trip is not a second event.
        snapshot(&mut r, "2025-03-02 10:05:00", vec![night("2025-03-01 22:10:00")], &mut out);
        r.finish(&mut out);
        assert_eq!(out.len(), 1, "{out:?}");

        // A registry limit of 8 h, still underground at the end of input.
        let mut info = MineInfo::new(MineCode::parse(MINE).expect("mine code"));
        info.overtime_hours = Some(8.0);
        let mut r = rules(Some(&info));
        let mut out = Vec::new();
        snapshot(&mut r, "2025-03-01 16:00:00", vec![down(JIA, "测试甲", "2025-03-01 07:48:10", FACE, "2025-03-01 08:20:02")], &mut out);
        r.finish(&mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].start, t("2025-03-01 15:48:10"));
        assert_eq!(out[0].end, None);
        assert!(out[0].title.contains("over the 8 h limit"), "{}", out[0].title);
    }

    #[test]
    fn sos_is_raised() {
        let mut r = rules(None);
        let mut out = Vec::new();
        let ryqj = "999900000001_RYQJ_20250301101500.txt";
        let yi = |sos: bool| {
            let mut p = down(YI, "测试乙", "2025-03-01 07:50:31", FACE, "2025-03-01 09:00:00");
            p.sos = sos;
            p
        };
        snapshot(&mut r, "2025-03-01 10:14:30", vec![yi(false)], &mut out);
        snapshot(&mut r, "2025-03-01 10:15:00", vec![yi(true)], &mut out);
        // The vendor's RYQJ of the same SOS, started between the two snapshots.
        r.on_sos(ryqj, 0, YI, "测试乙", t("2025-03-01 10:14:50"), Some(FACE), Some("9999000000010002000010"), &mut out);
        snapshot(&mut r, "2025-03-01 10:15:30", vec![yi(true)], &mut out);
        assert!(out.is_empty());
        snapshot(&mut r, "2025-03-01 10:17:00", vec![yi(false)], &mut out);
        // A re-sent copy of the RYQJ after the SOS ended is the same SOS.
        r.on_sos(ryqj, 0, YI, "测试乙", t("2025-03-01 10:14:50"), Some(FACE), None, &mut out);
        r.finish(&mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let f = &out[0];
        assert_eq!(f.rule, "POS-10");
        assert_eq!(f.severity, Severity::Alarm);
        assert!(f.has_tag("priority:highest"));
        assert_eq!(f.start, t("2025-03-01 10:14:50"));
        assert_eq!(f.end, Some(t("2025-03-01 10:17:00")));
        assert_eq!(f.place.as_deref(), Some(FACE));
        assert_eq!(
            f.title,
            "SOS from 测试乙 (card 99990000000190002), last located in 1201综采工作面 (9999000000010002) at station 9999000000010002000010, active for 2 min 10 s"
        );
        assert_eq!(f.evidence[0].file, "999900000001_RYSS_20250301101500.txt");
        assert!(f.evidence.iter().any(|e| e.file == ryqj && e.record == Some(0)), "RYQJ cited");
        assert_eq!(
            f.evidence.iter().filter(|e| e.file.contains("_RYSS_") && e.detail.as_deref().is_some_and(|d| d.contains("求救"))).count(),
            1
        );

        // An RYQJ alone, with no area: the last known place is named; open at the end.
        let mut r = rules(None);
        let mut out = Vec::new();
        snapshot(&mut r, "2025-03-01 10:15:00", vec![down(JIA, "测试甲", "2025-03-01 07:48:10", FACE, "2025-03-01 08:20:02")], &mut out);
        r.on_sos(ryqj, 3, JIA, "", t("2025-03-01 10:16:00"), None, None, &mut out);
        r.finish(&mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].end, None);
        assert_eq!(
            out[0].title,
            "SOS from card 99990000000190001, last located in 1201综采工作面 (9999000000010002) at station 9999000000010002000010, still active at the last snapshot (since 2025-03-01 10:16:00)"
        );
    }

    #[test]
    fn late_and_vendor_first_sos_are_raised_once() {
        let mut r = rules(None);
        let mut out = Vec::new();
        let jia = |sos: bool| {
            let mut p = down(JIA, "测试甲", "2025-03-01 07:48:10", FACE, "2025-03-01 08:20:02");
            p.sos = sos;
            p
        };
        snapshot(&mut r, "2025-03-01 10:15:00", vec![jia(false)], &mut out);
        snapshot(&mut r, "2025-03-01 10:20:00", vec![jia(false)], &mut out);
        // A late 10:17 snapshot carries an SOS the newer ones did not: still raised.
        snapshot(&mut r, "2025-03-01 10:17:00", vec![jia(true)], &mut out);
        assert_eq!(r.stale_snapshots(), 1);
        snapshot(&mut r, "2025-03-01 10:21:00", vec![jia(false)], &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!((out[0].start, out[0].end), (t("2025-03-01 10:17:00"), Some(t("2025-03-01 10:21:00"))));
        // The vendor's RYQJ arrives before RYSS shows the SOS: one event from the RYQJ start.
        r.on_sos("999900000001_RYQJ_20250301103000.txt", 0, JIA, "测试甲", t("2025-03-01 10:30:00"), Some(FACE), None, &mut out);
        snapshot(&mut r, "2025-03-01 10:30:30", vec![jia(true)], &mut out);
        snapshot(&mut r, "2025-03-01 10:31:00", vec![jia(false)], &mut out);
        r.finish(&mut out);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!((out[1].start, out[1].end), (t("2025-03-01 10:30:00"), Some(t("2025-03-01 10:31:00"))));
        assert_eq!(out[1].evidence.len(), 3, "RYQJ, RYSS and the closing snapshot: {:?}", out[1].evidence);
        assert_ne!(out[0].id, out[1].id);
    }

    #[test]
    fn stale_snapshot_is_ignored() {
        let mut r = rules(None);
        let mut out = Vec::new();
        r.on_snapshot(&ryss("2025-03-01 10:15:00"), t("2025-03-01 10:15:00"), &sample_snapshot(), &mut out);
        let jia = down(JIA, "测试甲", "2025-03-01 07:48:10", FACE, "2025-03-01 08:20:02");
        snapshot(&mut r, "2025-03-01 10:20:00", vec![jia.clone()], &mut out);
        assert_eq!(out.len(), 1);
        // A late 10:18 file still shows 测试乙 in the goaf: it must not re-open anything.
        snapshot(
            &mut r,
            "2025-03-01 10:18:00",
            vec![jia, down(YI, "测试乙", "2025-03-01 07:50:31", GOAF, "2025-03-01 10:11:47")],
            &mut out,
        );
        assert_eq!(r.stale_snapshots(), 1);
        r.finish(&mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].end, Some(t("2025-03-01 10:20:00")));
        let now: Vec<&str> = r.underground().iter().map(|p| p.card.as_str()).collect();
        assert_eq!(now, vec![JIA], "current state is the 10:20 snapshot");
    }

    #[test]
    fn normal_snapshots_give_no_finding() {
        let mut r = rules(None);
        let ryxx: Vec<(usize, Person)> = Vec::new();
        r.on_people("999900000001_RYXX_20250301060000.txt", &ryxx, Some(500), t("2025-03-01 06:00:00"));
        let mut out = Vec::new();
        // A night shift crossing midnight, well under 12 h, under every quota.
        for time in ["2025-03-01 23:50:00", "2025-03-02 00:00:00", "2025-03-02 00:10:00", "2025-03-02 07:30:00"] {
            let crew = vec![
                down(JIA, "测试甲", "2025-03-01 23:30:00", FACE, "2025-03-01 23:45:00"),
                down(YI, "测试乙", "2025-03-01 23:31:00", ROADWAY, "2025-03-01 23:40:00"),
                out_of_mine(down(BING, "测试丙", "2025-03-01 16:00:00", FACE, "2025-03-01 16:20:00"), "2025-03-01 23:00:00"),
            ];
            snapshot(&mut r, time, crew, &mut out);
        }
        r.finish(&mut out);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(r.stale_snapshots(), 0);
        let now: Vec<&str> = r.underground().iter().map(|p| p.card.as_str()).collect();
        assert_eq!(now, vec![JIA, YI], "flag-1 records only");
    }

    #[test]
    fn ids_are_stable_and_distinct_per_card() {
        let run = || {
            let mut r = rules(None);
            let mut out = Vec::new();
            let a = down(JIA, "测试甲", "2025-03-01 07:48:10", GOAF, "2025-03-01 10:11:47");
            let b = down(YI, "测试乙", "2025-03-01 07:50:31", GOAF, "2025-03-01 10:11:47");
            snapshot(&mut r, "2025-03-01 10:15:00", vec![a, b], &mut out);
            r.finish(&mut out);
            out
        };
        let (one, two) = (run(), run());
        assert_eq!(one.len(), 2);
        assert_ne!(one[0].id, one[1].id);
        assert_eq!(one, two);
    }
}
