//! Pinning tests of the evacuation rules; names match `tables/catalog.toml`.

use minesafe_model::registry::{AirPath, Face, ManualEvent, MineInfo};
use minesafe_model::{
    Evidence, Finding, MineCode, PointDef, Position, PositionState, Reading, SensorType, Status, Thresholds, Timestamp, ValueKind,
};

use super::{EvacuationConfig, EvacuationRules};
use crate::catalog::finding;
use crate::detector::{Detector, Upload, TAG_OPEN};

const MINE: &str = "999900000001";
const CH4: &str = "99990000000101MN00010001";
const RET: &str = "99990000000101MN00010002";
const CO: &str = "99990000000101MN00040001";
const SMOKE: &str = "99990000000101KG10080001";
const DEV: &str = "99990000000101KG10040001";
const FEED: &str = "99990000000101KG10110001";
const TEMP: &str = "99990000000101MN00030001";
const A_FACE: &str = "9999000000010005";
const A_PANEL: &str = "9999000000010003";
const A_YARD: &str = "9999000000010002";

fn t(s: &str) -> Timestamp {
    Timestamp::parse_beijing(s).unwrap()
}

fn registry() -> MineInfo {
    let mut info = MineInfo::new(MineCode::parse(MINE).unwrap());
    info.faces = vec![Face {
        id: "1201".into(),
        name: "1201综采工作面".into(),
        kind: "longwall".into(),
        areas: vec![A_FACE.into()],
        points: vec![CH4.into(), DEV.into(), FEED.into(), SMOKE.into(), TEMP.into()],
        feeders: vec![FEED.into()],
    }];
    info.air_paths = vec![AirPath {
        name: "1201通风系统".into(),
        points: vec![CH4.into(), RET.into(), CO.into()],
        areas: vec![A_PANEL.into(), A_FACE.into()],
    }];
    info
}

fn def(code: &str, sensor: SensorType, location: &str) -> PointDef {
    PointDef {
        code: code.into(),
        system: "01".into(),
        substation: "99990000000101DT40010001".into(),
        sensor_type: sensor,
        kind: ValueKind::Binary,
        unit: String::new(),
        range_high: None,
        range_low: None,
        thresholds: Thresholds::default(),
        on_label: String::new(),
        off_label: String::new(),
        location: location.into(),
        x: None,
        y: None,
        z: None,
        relations: vec![],
        time: None,
    }
}

struct Mine {
    rules: EvacuationRules,
    out: Vec<Finding>,
}

impl Mine {
    fn new(info: Option<&MineInfo>) -> Mine {
        let mut rules = EvacuationRules::new(MINE, info, &EvacuationConfig::default());
        let time = t("2026-03-01 06:00:00");
        let up = Upload { file: "999900000001_CDDY_20260301060000.txt", family: "CDDY", time };
        let defs = vec![
            (0, def(CH4, SensorType::METHANE, "1201综采工作面T1")),
            (1, def(RET, SensorType::METHANE, "1201回风巷T2")),
            (2, def(CO, SensorType::CO, "1201回风巷")),
            (3, def(SMOKE, SensorType::SMOKE, "1201运输巷带式输送机机头")),
            (4, def(DEV, SensorType::DEVICE_ON_OFF, "1201采煤机")),
            (5, def(FEED, SensorType::FEEDER, "1201综采工作面馈电器")),
            (6, def(TEMP, SensorType::TEMPERATURE, "1201综采工作面")),
        ];
        let mut out = Vec::new();
        rules.on_definitions(&up, &defs, &mut out);
        Mine { rules, out }
    }

    /// An RYSS snapshot: (card, area) of everybody underground.
    fn people(&mut self, at: &str, people: &[(&str, &str)]) {
        let time = t(at);
        let file = format!("{MINE}_RYSS_{}.txt", time.compact_format());
        let up = Upload { file: &file, family: "RYSS", time };
        let positions: Vec<(usize, Position)> = people
            .iter()
            .enumerate()
            .map(|(i, (card, area))| {
                (
                    i,
                    Position {
                        card: card.to_string(),
                        name: format!("工人{card}"),
                        state: PositionState::Underground,
                        entered: None,
                        exited: None,
                        area: Some(area.to_string()),
                        area_since: None,
                        station: None,
                        station_since: None,
                        shift_system: "三八制".into(),
                        distance: None,
                        sos: false,
                        is_leader: false,
                        is_special: false,
                        track: vec![],
                    },
                )
            })
            .collect();
        self.rules.on_upload(&up, &mut self.out);
        self.rules.on_positions(&up, &positions, &mut self.out);
    }

    /// A CDSS snapshot of binary points.
    fn readings(&mut self, at: &str, recs: &[(&str, Option<f64>, u16)]) {
        let time = t(at);
        let file = format!("{MINE}_CDSS_{}.txt", time.compact_format());
        let up = Upload { file: &file, family: "CDSS", time };
        self.rules.on_upload(&up, &mut self.out);
        for (i, (point, value, status)) in recs.iter().enumerate() {
            let r = Reading { point, sensor_name: "", location: "", unit: "", value: *value, status: Status(*status), time };
            self.rules.on_reading(&up, i, &r, &mut self.out);
        }
        self.rules.on_readings_end(&up, &mut self.out);
    }

    fn feed(&mut self, f: &Finding) {
        self.rules.on_finding(f, &mut self.out);
    }

    fn alms(&self) -> Vec<Finding> {
        let mut v: Vec<Finding> = Vec::new();
        for f in self.out.iter().filter(|f| f.rule.starts_with("ALM-")) {
            match v.iter_mut().find(|o| o.id == f.id) {
                Some(o) => *o = f.clone(),
                None => v.push(f.clone()),
            }
        }
        v
    }
}

fn gas(rule: &str, point: &str, start: &str, end: Option<&str>) -> Finding {
    let ev = Evidence {
        file: "999900000001_CDSS_x.txt".into(),
        record: Some(7),
        point: Some(point.into()),
        value: Some(1.7),
        time: Some(t(start)),
        ..Default::default()
    };
    let mut f = finding(rule, MINE, t(start), end.map(t), Some("1201综采工作面T1"), "Methane".into(), vec![ev]);
    f.id = Finding::stable_id(rule, MINE, point, t(start));
    f
}

fn hooks(f: &Finding) -> Vec<&str> {
    f.tags.iter().filter_map(|t| t.strip_prefix("hook:")).collect()
}

#[test]
fn people_stay_past_evacuation_deadline() {
    let info = registry();
    let mut m = Mine::new(Some(&info));
    m.people("2026-03-01 07:59:00", &[("A", A_FACE), ("B", A_FACE), ("C", A_PANEL), ("D", A_YARD)]);
    m.feed(&gas("CSR-GAS-3", CH4, "2026-03-01 08:00:00", None));
    m.people("2026-03-01 08:10:00", &[("A", A_FACE), ("D", A_YARD)]);
    assert!(m.alms().is_empty());
    m.people("2026-03-01 08:31:00", &[("A", A_FACE), ("D", A_YARD)]);
    let f = m.alms();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "ALM-2");
    assert!(f[0].has_tag(TAG_OPEN) && f[0].end.is_none());
    assert_eq!(f[0].start, t("2026-03-01 08:30:00"));
    m.people("2026-03-01 08:45:00", &[("D", A_YARD)]);
    let f = m.alms();
    let f = &f[0];
    assert!(!f.has_tag(TAG_OPEN));
    assert_eq!(f.end, Some(t("2026-03-01 08:45:00")));
    assert_eq!(hooks(f), vec!["CM-2.2"]);
    assert_eq!(f.severity, minesafe_model::Severity::MajorHazard);
    // The trigger, then the person who stayed, with the RYSS record.
    assert_eq!(f.evidence[0].point.as_deref(), Some(CH4));
    let who: Vec<_> = f.evidence.iter().filter_map(|e| e.card.as_deref()).collect();
    assert_eq!(who, vec!["A"]);
    let a = &f.evidence[1];
    assert_eq!((a.area.as_deref(), a.time, a.record), (Some(A_FACE), Some(t("2026-03-01 08:31:00")), Some(0)));
    assert!(a.file.contains("_RYSS_20260301083100"));
    assert!(a.detail.as_deref().unwrap().contains("工人A"));
    let r = m.rules.reports();
    assert_eq!(r.len(), 1);
    // A face point empties its face; the panel roadway is where the crew withdraws to.
    assert_eq!(r[0].areas, vec![A_FACE.to_string()]);
    assert_eq!(r[0].people_at_start.len(), 2);
    assert_eq!(r[0].cleared_at, Some(t("2026-03-01 08:45:00")));
    assert_eq!(r[0].time_to_clear_secs, Some(45 * 60));
    assert_eq!(r[0].stayed, vec![("A".into(), "工人A".into(), A_FACE.into(), t("2026-03-01 08:31:00"))]);
}

#[test]
fn clean_evacuation_reports_time_to_clear() {
    let info = registry();
    let mut m = Mine::new(Some(&info));
    m.people("2026-03-01 07:59:00", &[("A", A_FACE), ("B", A_FACE)]);
    // The finding arrives only when its event closed: snapshots since are replayed.
    m.people("2026-03-01 08:05:00", &[("A", A_FACE)]);
    m.people("2026-03-01 08:12:00", &[("A", A_YARD)]);
    m.feed(&gas("CSR-GAS-2", RET, "2026-03-01 08:00:00", Some("2026-03-01 08:20:00")));
    m.people("2026-03-01 08:40:00", &[("A", A_FACE)]);
    assert!(m.alms().is_empty(), "{:#?}", m.alms());
    let r = m.rules.reports();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].trigger_rule, "CSR-GAS-2");
    // A return point of no face empties its whole air path.
    assert_eq!(r[0].areas, vec![A_PANEL.to_string(), A_FACE.to_string()]);
    assert_eq!(r[0].people_at_start.len(), 2);
    assert_eq!(r[0].cleared_at, Some(t("2026-03-01 08:12:00")));
    assert_eq!(r[0].time_to_clear_secs, Some(12 * 60));
    assert!(r[0].stayed.is_empty());
    // The same finding again (closed) is not a second trigger.
    m.feed(&gas("CSR-GAS-2", RET, "2026-03-01 08:00:00", Some("2026-03-01 08:20:00")));
    assert_eq!(m.rules.reports().len(), 1);
}

#[test]
fn work_continues_after_over_limit() {
    let info = registry();
    let mut m = Mine::new(Some(&info));
    m.people("2026-03-01 07:59:00", &[("A", A_FACE), ("B", A_FACE)]);
    m.readings("2026-03-01 08:00:00", &[(DEV, Some(1.0), 0), (FEED, Some(1.0), 0)]);
    m.feed(&gas("CSR-GAS-3", CH4, "2026-03-01 08:00:00", None));
    m.readings("2026-03-01 08:05:00", &[(DEV, Some(1.0), 0), (FEED, Some(1.0), 0)]);
    // Within the 10 min grace: nothing yet.
    m.people("2026-03-01 08:08:00", &[("A", A_FACE), ("B", A_FACE)]);
    assert!(m.alms().is_empty());
    m.people("2026-03-01 08:11:00", &[("A", A_FACE), ("B", A_FACE)]);
    let f = m.alms();
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].rule.as_str(), f[0].start), ("ALM-3", t("2026-03-01 08:11:00")));
    assert!(f[0].has_tag(TAG_OPEN));
    let cards: Vec<_> = f[0].evidence.iter().filter_map(|e| e.card.as_deref()).collect();
    assert_eq!(cards, vec!["A", "B"]);
    let machines: Vec<_> = f[0].evidence.iter().filter(|e| e.value == Some(1.0)).filter_map(|e| e.point.as_deref()).collect();
    assert_eq!(machines, vec![FEED, DEV]);
    // Power goes off at 08:15: work stopped, ALM-3 closes.
    m.readings("2026-03-01 08:15:00", &[(DEV, Some(0.0), 0), (FEED, Some(0.0), 0)]);
    let f = m.alms();
    assert_eq!(f[0].end, Some(t("2026-03-01 08:15:00")));
    assert_eq!(hooks(&f[0]), vec!["CM-2.2"]);
}

#[test]
fn cut_that_worked_is_not_work_continued() {
    let info = registry();
    let mut m = Mine::new(Some(&info));
    m.people("2026-03-01 07:59:00", &[("A", A_FACE)]);
    m.feed(&gas("CSR-GAS-3", CH4, "2026-03-01 08:00:00", None));
    m.readings("2026-03-01 08:00:00", &[(DEV, Some(0.0), 0), (FEED, Some(0.0), 0)]);
    // Power restored after the gas was treated: a restart, not work carried on.
    m.readings("2026-03-01 08:09:00", &[(DEV, Some(1.0), 0), (FEED, Some(1.0), 0)]);
    m.people("2026-03-01 08:12:00", &[("A", A_FACE)]);
    assert!(m.alms().is_empty());
    // Missing and faulty readings are not machines running.
    let mut m = Mine::new(Some(&info));
    m.people("2026-03-01 07:59:00", &[("A", A_FACE)]);
    m.feed(&gas("CSR-GAS-3", CH4, "2026-03-01 08:00:00", None));
    m.readings("2026-03-01 08:05:00", &[(DEV, None, 0), (FEED, Some(1.0), 128)]);
    m.people("2026-03-01 08:12:00", &[("A", A_FACE)]);
    assert!(m.alms().is_empty());
}

#[test]
fn hooks_switch_on_2026_07_01() {
    let info = registry();
    for (rule, at, want) in [
        ("CSR-GAS-3", "2026-06-30 23:00:00", "CM-2.2"),
        ("CSR-GAS-2", "2026-07-01 00:00:00", "CM26-2.1"),
        ("CSR-GAS-3", "2026-07-01 00:00:00", "CM26-2.4"),
        ("CSR-GAS-4", "2026-07-01 00:00:00", "CM26-2.5"),
    ] {
        let mut m = Mine::new(Some(&info));
        let start = t(at);
        m.people(&start.plus_secs(-60).upload_format(), &[("A", A_FACE)]);
        m.feed(&gas(rule, CH4, at, None));
        m.people(&start.plus_secs(1900).upload_format(), &[("A", A_FACE)]);
        let f = m.alms();
        assert_eq!(f.len(), 1, "{rule} {at}");
        assert_eq!(hooks(&f[0]), vec![want], "{rule} {at}");
    }
}

#[test]
fn sos_trigger() {
    let info = registry();
    let mut m = Mine::new(Some(&info));
    m.people("2026-07-02 10:00:00", &[("S", A_PANEL), ("B", A_PANEL), ("C", A_FACE)]);
    let ev =
        Evidence { file: "x_RYSS.txt".into(), record: Some(0), card: Some("S".into()), area: Some(A_PANEL.into()), ..Default::default() };
    let mut sos = finding("POS-10", MINE, t("2026-07-02 10:00:00"), None, Some(A_PANEL), "SOS".into(), vec![ev]);
    sos.id = "f-sos".into();
    m.feed(&sos);
    // The caller waits for rescue; B stays in the area past the deadline.
    m.people("2026-07-02 10:35:00", &[("S", A_PANEL), ("B", A_PANEL), ("C", A_FACE)]);
    let f = m.alms();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "ALM-2");
    assert_eq!(hooks(&f[0]), vec!["HM-4.3-R1"]);
    let cards: Vec<_> = f[0].evidence.iter().skip(1).filter_map(|e| e.card.as_deref()).collect();
    assert_eq!(cards, vec!["B"]);
    let r = m.rules.reports();
    assert_eq!((r[0].trigger_rule.as_str(), r[0].areas.clone()), ("POS-10", vec![A_PANEL.to_string()]));
    assert_eq!(r[0].people_at_start.len(), 2);
}

#[test]
fn water_inrush_manual_event() {
    let mut info = registry();
    info.manual_events = vec![ManualEvent { kind: "water_inrush".into(), start: t("2026-03-01 09:00:00"), end: None, places: vec![] }];
    let mut m = Mine::new(Some(&info));
    m.people("2026-03-01 08:58:00", &[("A", A_FACE), ("B", A_YARD)]);
    // Not yet: the clock has not reached the start.
    m.rules.tick(t("2026-03-01 08:59:59"), &mut m.out);
    assert!(m.rules.reports().is_empty());
    m.rules.tick(t("2026-03-01 09:00:30"), &mut m.out);
    let r = m.rules.reports();
    assert_eq!(r.len(), 1);
    assert!(r[0].whole_mine && r[0].areas.is_empty());
    assert_eq!(r[0].start, t("2026-03-01 09:00:00"));
    assert_eq!(r[0].people_at_start.len(), 2);
    m.people("2026-03-01 09:20:00", &[("B", A_YARD)]);
    m.people("2026-03-01 09:31:00", &[("B", A_YARD)]);
    let f = m.alms();
    assert_eq!(f.len(), 1);
    assert_eq!(hooks(&f[0]), vec!["HM-4.3-R1"]);
    m.people("2026-03-01 09:40:00", &[]);
    let r = m.rules.reports();
    assert_eq!(r[0].time_to_clear_secs, Some(40 * 60));
    assert_eq!(r[0].stayed.len(), 1);
    assert_eq!(m.alms()[0].end, Some(t("2026-03-01 09:40:00")));
    // A manual event for one face only affects that face's areas.
    let mut info = registry();
    info.manual_events =
        vec![ManualEvent { kind: "extreme_weather".into(), start: t("2026-03-01 09:00:00"), end: None, places: vec!["1201".into()] }];
    let mut m = Mine::new(Some(&info));
    m.people("2026-03-01 09:01:00", &[("B", A_YARD)]);
    m.people("2026-03-01 09:40:00", &[("B", A_YARD)]);
    assert!(m.alms().is_empty());
    assert_eq!(m.rules.reports()[0].areas, vec![A_FACE.to_string()]);
}

#[test]
fn co_with_fire_signs_triggers() {
    let info = registry();
    let mut co = finding(
        "CSR-AIR-2",
        MINE,
        t("2026-03-01 08:00:00"),
        None,
        Some("1201回风巷"),
        "CO at ...".into(),
        vec![Evidence { file: "c.txt".into(), point: Some(CO.into()), ..Default::default() }],
    );
    co.id = "f-co".into();
    // CO alone does not order people out here.
    let mut m = Mine::new(Some(&info));
    m.people("2026-03-01 07:59:00", &[("A", A_FACE)]);
    m.feed(&co);
    m.readings("2026-03-01 08:02:00", &[(SMOKE, Some(0.0), 0)]);
    assert!(m.rules.reports().is_empty());
    // Smoke on the same air path (the face's belt) does.
    m.readings("2026-03-01 08:03:00", &[(SMOKE, Some(1.0), 0)]);
    let r = m.rules.reports();
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].trigger_rule.as_str(), r[0].start), ("CSR-AIR-2", t("2026-03-01 08:03:00")));
    m.people("2026-03-01 08:34:00", &[("A", A_FACE)]);
    let f = m.alms();
    assert_eq!(f.len(), 1);
    assert_eq!(hooks(&f[0]), vec!["HM-4.3-R1"]);
    assert!(f[0].evidence.iter().any(|e| e.point.as_deref() == Some(SMOKE)));
}

#[test]
fn unplaced_trigger_and_bad_data_raise_nothing() {
    // No registry: the trigger is reported with no area and never raises ALM-2.
    let mut m = Mine::new(None);
    m.people("2026-03-01 07:59:00", &[("A", A_FACE)]);
    m.feed(&gas("CSR-GAS-3", CH4, "2026-03-01 08:00:00", None));
    m.people("2026-03-01 08:40:00", &[("A", A_FACE)]);
    assert!(m.alms().is_empty());
    let r = m.rules.reports();
    assert_eq!(r.len(), 1);
    assert!(r[0].areas.is_empty() && !r[0].whole_mine && r[0].cleared_at.is_none());
    // Location text naming a face is enough without a point mapping.
    let info = registry();
    let mut m = Mine::new(Some(&info));
    m.readings("2026-03-01 07:58:00", &[]);
    let up = Upload { file: "999900000001_CDSS_20260301075800.txt", family: "CDSS", time: t("2026-03-01 07:58:00") };
    let r = Reading {
        point: "99990000000101MN00010009",
        sensor_name: "甲烷",
        location: "1201综采工作面上隅角T0",
        unit: "%CH4",
        value: Some(0.3),
        status: Status(0),
        time: t("2026-03-01 07:58:00"),
    };
    m.rules.on_reading(&up, 0, &r, &mut m.out);
    m.people("2026-03-01 07:59:00", &[("A", A_FACE)]);
    m.feed(&gas("CSR-GAS-3", "99990000000101MN00010009", "2026-03-01 08:00:00", None));
    m.people("2026-03-01 08:40:00", &[("A", A_FACE)]);
    assert_eq!(m.alms().len(), 1);
    // Temperatures with faults or gaps do not make a fire sign.
    let mut m = Mine::new(Some(&info));
    m.feed(&{
        let mut f = co_finding();
        f.id = "f-co2".into();
        f
    });
    m.readings("2026-03-01 08:01:00", &[(SMOKE, Some(1.0), 128), (TEMP, Some(24.0), 0)]);
    m.readings("2026-03-01 08:02:00", &[(SMOKE, None, 0), (TEMP, Some(40.0), 128)]);
    m.readings("2026-03-01 08:03:00", &[(TEMP, None, 0)]);
    // 1.5 °C within 10 min, and 2.5 °C over 20 min, are not fire signs.
    m.readings("2026-03-01 08:04:00", &[(TEMP, Some(25.5), 0)]);
    m.readings("2026-03-01 08:24:00", &[(TEMP, Some(26.5), 0)]);
    assert!(m.rules.reports().is_empty());
    // 2 °C within 10 min is.
    m.readings("2026-03-01 08:30:00", &[(TEMP, Some(28.5), 0)]);
    let r = m.rules.reports();
    assert_eq!((r.len(), r[0].start), (1, t("2026-03-01 08:30:00")));
}

fn co_finding() -> Finding {
    finding(
        "CSR-AIR-2",
        MINE,
        t("2026-03-01 08:00:00"),
        None,
        Some("1201回风巷"),
        "CO".into(),
        vec![Evidence { file: "c.txt".into(), point: Some(CO.into()), ..Default::default() }],
    )
}

#[test]
fn crew_that_withdrew_may_return_after_the_condition() {
    let info = registry();
    let mut m = Mine::new(Some(&info));
    m.people("2026-03-01 07:59:00", &[("A", A_FACE), ("B", A_FACE), ("V", A_FACE)]);
    m.feed(&gas("CSR-GAS-3", CH4, "2026-03-01 08:00:00", None));
    // A and B withdraw to the panel roadway; V stays on.
    m.people("2026-03-01 08:04:00", &[("A", A_PANEL), ("B", A_PANEL), ("V", A_FACE)]);
    m.feed(&gas("CSR-GAS-3", CH4, "2026-03-01 08:00:00", Some("2026-03-01 08:09:00")));
    // Back at the face once the gas is under the limit; W arrives after it too.
    m.people("2026-03-01 08:15:00", &[("A", A_FACE), ("B", A_FACE), ("V", A_FACE), ("W", A_FACE)]);
    m.people("2026-03-01 08:31:00", &[("A", A_FACE), ("B", A_FACE), ("V", A_FACE), ("W", A_FACE)]);
    let f = m.alms();
    assert_eq!(f.len(), 1);
    let cards: Vec<_> = f[0].evidence.iter().filter_map(|e| e.card.as_deref()).collect();
    assert_eq!(cards, vec!["V"]);
    // V goes too: nobody remains, although the returned crew works on.
    m.people("2026-03-01 08:40:00", &[("A", A_FACE), ("B", A_FACE), ("W", A_FACE)]);
    assert_eq!(m.alms()[0].end, Some(t("2026-03-01 08:40:00")));
    assert_eq!(m.rules.reports()[0].cleared_at, Some(t("2026-03-01 08:40:00")));
}
