//! Pinning tests of the integrity rules; names match `tables/catalog.toml`.

use std::collections::HashMap;

use minesafe_model::monitoring::{LinkState, SupplyState};
use minesafe_model::registry::{AirPath, Face, MineInfo, PointEntry, Shift};
use minesafe_model::{
    Finding, LocationClass, MineCode, PointDef, Position, PositionState, Reading, SensorType, Status, Thresholds, Timestamp, ValueKind,
};

use super::{IntegrityConfig, IntegrityRules};
use crate::detector::{Detector, Upload, TAG_OPEN};

const MINE: &str = "999900000001";

fn t(s: &str) -> Timestamp {
    Timestamp::parse_beijing(s).unwrap()
}

fn file(family: &str, time: Timestamp) -> String {
    format!("{MINE}_{family}_{}.txt", time.compact_format())
}

fn info() -> MineInfo {
    MineInfo::new(MineCode::parse(MINE).unwrap())
}

fn rules(info: Option<&MineInfo>) -> IntegrityRules {
    IntegrityRules::new(MINE, info, &IntegrityConfig::default())
}

/// A point as the tests read it.
#[derive(Clone, Copy)]
struct Pt {
    code: &'static str,
    name: &'static str,
    location: &'static str,
    unit: &'static str,
}

const fn methane(code: &'static str, location: &'static str) -> Pt {
    Pt { code, name: "甲烷", location, unit: "%" }
}

fn def(p: Pt, substation: &str, sensor: SensorType, kind: ValueKind) -> PointDef {
    PointDef {
        code: p.code.into(),
        system: "01".into(),
        substation: substation.into(),
        sensor_type: sensor,
        kind,
        unit: p.unit.into(),
        range_high: Some(4.0),
        range_low: Some(0.0),
        thresholds: Thresholds {
            alarm_high: Some(1.0),
            clear_high: Some(0.9),
            cut_high: Some(1.5),
            restore_high: Some(1.0),
            ..Default::default()
        },
        on_label: String::new(),
        off_label: String::new(),
        location: p.location.into(),
        x: Some(100.0),
        y: Some(200.0),
        z: Some(-300.0),
        relations: vec![],
        time: None,
    }
}

fn cddy(r: &mut IntegrityRules, time: Timestamp, defs: Vec<PointDef>, out: &mut Vec<Finding>) {
    let name = file("CDDY", time);
    let up = Upload { file: &name, family: "CDDY", time };
    r.on_upload(&up, out);
    let defs: Vec<(usize, PointDef)> = defs.into_iter().enumerate().collect();
    r.on_definitions(&up, &defs, out);
}

/// One CDSS file: every reading at the header time unless given.
fn cdss(r: &mut IntegrityRules, time: Timestamp, vals: &[(Pt, Option<f64>, u16)], out: &mut Vec<Finding>) {
    cdss_at(r, time, &vals.iter().map(|(p, v, s)| (*p, *v, *s, time)).collect::<Vec<_>>(), out);
}

fn cdss_at(r: &mut IntegrityRules, time: Timestamp, vals: &[(Pt, Option<f64>, u16, Timestamp)], out: &mut Vec<Finding>) {
    let name = file("CDSS", time);
    let up = Upload { file: &name, family: "CDSS", time };
    r.on_upload(&up, out);
    for (i, (p, v, s, rt)) in vals.iter().enumerate() {
        let reading =
            Reading { point: p.code, sensor_name: p.name, location: p.location, unit: p.unit, value: *v, status: Status(*s), time: *rt };
        r.on_reading(&up, i, &reading, out);
    }
    r.on_readings_end(&up, out);
}

fn ryss(r: &mut IntegrityRules, time: Timestamp, people: &[(&str, &str)], out: &mut Vec<Finding>) {
    let name = file("RYSS", time);
    let up = Upload { file: &name, family: "RYSS", time };
    r.on_upload(&up, out);
    let positions: Vec<(usize, Position)> = people
        .iter()
        .enumerate()
        .map(|(i, (card, area))| {
            (
                i,
                Position {
                    card: card.to_string(),
                    name: format!("worker {i}"),
                    state: PositionState::Underground,
                    entered: Some(time.plus_secs(-3600)),
                    exited: None,
                    area: Some(area.to_string()),
                    area_since: Some(time.plus_secs(-1800)),
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
    r.on_positions(&up, &positions, out);
}

fn only<'a>(out: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    out.iter().filter(|f| f.rule == rule).collect()
}

/// The last version of every finding id, in first-seen order (what consumers keep).
fn latest(all: &[Finding]) -> Vec<Finding> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut v: Vec<Finding> = Vec::new();
    for f in all {
        match index.get(&f.id) {
            Some(&i) => v[i] = f.clone(),
            None => {
                index.insert(f.id.clone(), v.len());
                v.push(f.clone());
            }
        }
    }
    v
}

/// Small deterministic noise source (xorshift), uniform in [-1, 1].
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 20_001) as f64 / 10_000.0 - 1.0
    }
}

fn round_to(v: f64, step: f64) -> f64 {
    (v / step).round() * step
}

// ---- MON-1 ------------------------------------------------------------------------

#[test]
fn upload_stop_opens_and_closes_on_resume() {
    let mut r = rules(None);
    let mut out = Vec::new();
    let a = methane("001A01", "1201综采工作面T1");
    // Nothing before the first upload of a system, however late the clock.
    r.tick(t("2026-03-01 09:00:00"), &mut out);
    assert!(out.is_empty());

    cdss(&mut r, t("2026-03-01 10:00:00"), &[(a, Some(0.3), 0)], &mut out);
    cdss(&mut r, t("2026-03-01 10:01:00"), &[(a, Some(0.31), 0)], &mut out);
    r.tick(t("2026-03-01 10:06:00"), &mut out); // exactly 5 min: not longer than the gap
    assert!(only(&out, "MON-1").is_empty());
    r.tick(t("2026-03-01 10:06:01"), &mut out);
    let open = only(&out, "MON-1");
    assert_eq!(open.len(), 1);
    let f = open[0].clone();
    assert_eq!(f.start, t("2026-03-01 10:01:00"));
    assert_eq!(f.end, None);
    assert!(f.has_tag(TAG_OPEN) && f.has_tag("scope:mine") && f.has_tag("hook:CM-15.6"), "{:?}", f.tags);
    assert_eq!(f.confidence, Some(1.0));
    assert!(f.title.contains("safety monitoring"), "{}", f.title);
    // Later ticks do not push it again.
    r.tick(t("2026-03-01 10:10:00"), &mut out);
    assert_eq!(only(&out, "MON-1").len(), 1);

    cdss(&mut r, t("2026-03-01 10:20:00"), &[(a, Some(0.3), 0)], &mut out);
    let all = only(&out, "MON-1");
    assert_eq!(all.len(), 2);
    let closed = all[1];
    assert_eq!(closed.id, f.id);
    assert_eq!(closed.end, Some(t("2026-03-01 10:20:00")));
    assert!(!closed.has_tag(TAG_OPEN));
    assert_eq!(closed.evidence.len(), 2);
    assert_eq!(closed.evidence[0].file, file("CDSS", t("2026-03-01 10:01:00")));
    assert_eq!(closed.evidence[1].file, file("CDSS", t("2026-03-01 10:20:00")));
    assert!(closed.title.contains("19 min"), "{}", closed.title);

    // RYSS is its own stream with a 15-min gap.
    let mut out = Vec::new();
    ryss(&mut r, t("2026-03-01 10:20:00"), &[], &mut out);
    let ryss_stops = |out: &[Finding]| out.iter().filter(|f| f.rule == "MON-1" && f.has_tag("system:RYSS")).count();
    r.tick(t("2026-03-01 10:35:00"), &mut out);
    assert_eq!(ryss_stops(&out), 0);
    r.tick(t("2026-03-01 10:35:01"), &mut out);
    assert_eq!(ryss_stops(&out), 1);
    // A gap found only by the next upload (no tick in between) is the same finding, closed.
    let mut out2 = Vec::new();
    cdss(&mut r, t("2026-03-01 10:40:00"), &[(a, Some(0.3), 0)], &mut out2);
    let g = only(&out2, "MON-1");
    assert_eq!(g.len(), 1);
    assert!(g[0].has_tag("system:CDSS"));
    assert_eq!((g[0].start, g[0].end), (t("2026-03-01 10:20:00"), Some(t("2026-03-01 10:40:00"))));
}

#[test]
fn upload_stop_same_findings_whatever_the_tick_cadence() {
    let a = methane("001A01", "1201综采工作面T1");
    let uploads: Vec<(&str, Timestamp)> = vec![
        ("CDSS", t("2026-03-01 08:00:00")),
        ("RYSS", t("2026-03-01 08:00:00")),
        ("CDSS", t("2026-03-01 08:01:00")),
        ("CDSS", t("2026-03-01 08:09:30")),
        ("RYSS", t("2026-03-01 08:30:00")),
        ("CDSS", t("2026-03-01 08:10:30")),
        ("CDSS", t("2026-03-01 08:40:00")),
    ];
    let mut sorted = uploads.clone();
    sorted.sort_by_key(|u| u.1);
    let end = t("2026-03-01 09:00:00");
    let run = |step: Option<i64>| {
        let mut r = rules(None);
        let mut out = Vec::new();
        let mut clock = sorted[0].1;
        for (family, time) in &sorted {
            if let Some(step) = step {
                while clock < *time {
                    r.tick(clock, &mut out);
                    clock = clock.plus_secs(step);
                }
            }
            match *family {
                "CDSS" => cdss(&mut r, *time, &[(a, Some(0.3), 0)], &mut out),
                _ => ryss(&mut r, *time, &[], &mut out),
            }
        }
        if let Some(step) = step {
            while clock < end {
                r.tick(clock, &mut out);
                clock = clock.plus_secs(step);
            }
        }
        r.finish(end, &mut out);
        let mut v = latest(&only(&out, "MON-1").into_iter().cloned().collect::<Vec<_>>());
        // First-seen order depends on when a stop was opened; the set must not.
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    };
    let never = run(None);
    let minute = run(Some(60));
    let second = run(Some(1));
    // Closed: 08:01→08:09:30 CDSS, 08:10:30→08:40 CDSS, 08:00→08:30 RYSS; still open
    // at 09:00: CDSS since 08:40 and RYSS since 08:30.
    assert_eq!(never.len(), 5, "{:#?}", never.iter().map(|f| &f.title).collect::<Vec<_>>());
    assert_eq!(never, minute);
    assert_eq!(never, second);
    assert_eq!(never.iter().filter(|f| f.end.is_none()).count(), 2);
}

#[test]
fn hooks_switch_to_ord21_on_2026_07_01() {
    let a = methane("001A01", "1201综采工作面T1");
    let mut r = rules(None);
    let mut out = Vec::new();
    cdss(&mut r, t("2026-06-30 23:50:00"), &[(a, Some(0.3), 0)], &mut out);
    cdss(&mut r, t("2026-07-01 00:10:00"), &[(a, Some(0.3), 0)], &mut out);
    cdss(&mut r, t("2026-07-01 00:30:00"), &[(a, Some(0.3), 0)], &mut out);
    let f = only(&out, "MON-1");
    assert_eq!(f.len(), 2);
    assert!(f[0].has_tag("hook:CM-15.6") && !f[0].has_tag("hook:CM26-11.1"), "{:?}", f[0].tags);
    assert!(f[1].has_tag("hook:CM26-11.1") && !f[1].has_tag("hook:CM-15.6"), "{:?}", f[1].tags);
}

// ---- MON-2 ------------------------------------------------------------------------

#[test]
fn silent_point_while_substation_up() {
    let a = methane("001A01", "1201综采工作面T1");
    let b = methane("001A02", "1201回风巷T2");
    let c = methane("002A01", "1301掘进工作面");
    let d = methane("001A03", "1201上隅角");
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 08:00:00");
    cddy(
        &mut r,
        t0,
        vec![
            def(a, "001", SensorType::METHANE, ValueKind::Analog),
            def(b, "001", SensorType::METHANE, ValueKind::Analog),
            def(c, "002", SensorType::METHANE, ValueKind::Analog),
            def(d, "001", SensorType::METHANE, ValueKind::Analog),
        ],
        &mut out,
    );
    let fzss = |r: &mut IntegrityRules, time: Timestamp, state: LinkState, out: &mut Vec<Finding>| {
        let name = file("FZSS", time);
        let up = Upload { file: &name, family: "FZSS", time };
        r.on_upload(&up, out);
        r.on_substation(&up, 1, "002", state, SupplyState::Ac, out);
    };
    for m in 0..=30 {
        let time = t0.plus_secs(60 * m);
        if m == 5 {
            fzss(&mut r, time, LinkState::Interrupted, &mut out);
        }
        if m == 20 {
            fzss(&mut r, time, LinkState::Normal, &mut out);
        }
        let mut vals = vec![];
        // A: absent from 08:05 to 08:14 (returns 08:15). D: absent 3 min only.
        if !(5..15).contains(&m) {
            vals.push((a, Some(0.3), 0));
        }
        if !(10..13).contains(&m) {
            vals.push((d, Some(0.32), 0));
        }
        // B: sensor fault from 08:10 on.
        vals.push((b, Some(0.0), if m >= 10 { Status::SENSOR_FAULT } else { 0 }));
        // C: absent while its substation is down (08:05–08:20).
        if !(5..20).contains(&m) {
            vals.push((c, Some(0.2), 0));
        }
        cdss(&mut r, time, &vals, &mut out);
    }
    let mon2 = latest(&only(&out, "MON-2").into_iter().cloned().collect::<Vec<_>>());
    let point = |code: &str| mon2.iter().filter(|f| f.has_tag(&format!("point:{code}"))).collect::<Vec<_>>();
    // A: last good 08:04, back 08:15: 11 min > 5 min.
    let fa = point("001A01");
    assert_eq!(fa.len(), 1, "{mon2:#?}");
    assert_eq!((fa[0].start, fa[0].end), (t("2026-03-01 08:04:00"), Some(t("2026-03-01 08:15:00"))));
    assert!(fa[0].has_tag("substation:001") && fa[0].has_tag("hook:CM-15.6"));
    assert_eq!(fa[0].evidence[0].time, Some(t("2026-03-01 08:04:00")));
    // It was pushed open first, by the sweep, with the same id.
    let opened = only(&out, "MON-2").into_iter().find(|f| f.id == fa[0].id && f.end.is_none());
    assert!(opened.is_some_and(|f| f.has_tag(TAG_OPEN)));
    // B: faulty since 08:10, still open; evidence shows the bit.
    let fb = point("001A02");
    assert_eq!(fb.len(), 1);
    assert_eq!((fb[0].start, fb[0].end), (t("2026-03-01 08:09:00"), None));
    assert!(fb[0].evidence.iter().any(|e| e.status_bits.contains(&"sensor_fault".to_string())), "{:#?}", fb[0].evidence);
    // D: 4 min silence is within the allowance.
    assert!(point("001A03").is_empty());
    // C: its substation was down: one substation finding, no point finding.
    assert!(point("002A01").is_empty());
    let subs: Vec<_> = mon2.iter().filter(|f| f.has_tag("scope:substation:002")).collect();
    assert_eq!(subs.len(), 1);
    assert_eq!((subs[0].start, subs[0].end), (t("2026-03-01 08:05:00"), Some(t("2026-03-01 08:20:00"))));
}

#[test]
fn substation_fault_bit_counts_as_down() {
    let a = methane("003A01", "1401掘进工作面");
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 08:00:00");
    cddy(&mut r, t0, vec![def(a, "003", SensorType::METHANE, ValueKind::Analog)], &mut out);
    for m in 0..=20 {
        let s = if (3..15).contains(&m) { Status::SUBSTATION_FAULT } else { 0 };
        cdss(&mut r, t0.plus_secs(60 * m), &[(a, Some(0.2), s)], &mut out);
    }
    let mon2 = latest(&only(&out, "MON-2").into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(mon2.len(), 1, "{mon2:#?}");
    assert!(mon2[0].has_tag("scope:substation:003"));
    assert_eq!((mon2[0].start, mon2[0].end), (t("2026-03-01 08:03:00"), Some(t("2026-03-01 08:15:00"))));
}

#[test]
fn upload_stop_is_not_a_silent_point() {
    let a = methane("001A01", "1201综采工作面T1");
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 08:00:00");
    cddy(&mut r, t0, vec![def(a, "001", SensorType::METHANE, ValueKind::Analog)], &mut out);
    cdss(&mut r, t0, &[(a, Some(0.3), 0)], &mut out);
    cdss(&mut r, t0.plus_secs(3600), &[(a, Some(0.3), 0)], &mut out);
    cdss(&mut r, t0.plus_secs(3660), &[(a, Some(0.3), 0)], &mut out);
    assert!(only(&out, "MON-2").is_empty(), "{out:#?}");
    assert_eq!(only(&out, "MON-1").len(), 1);
}

// ---- MON-3 ------------------------------------------------------------------------

#[test]
fn flat_line_but_not_quantised_sensor() {
    let face = methane("001A01", "1201综采工作面T1");
    let intake = methane("001A05", "1201进风巷");
    let temp = Pt { code: "001A07", name: "温度", location: "1201回风巷", unit: "℃" };
    let switch = Pt { code: "001D01", name: "设备开停", location: "1201采煤机", unit: "" };
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 02:00:00");
    cddy(
        &mut r,
        t0,
        vec![
            def(face, "001", SensorType::METHANE, ValueKind::Analog),
            def(intake, "001", SensorType::METHANE, ValueKind::Analog),
            def(temp, "001", SensorType::TEMPERATURE, ValueKind::Analog),
            def(switch, "001", SensorType::DEVICE_ON_OFF, ValueKind::Binary),
        ],
        &mut out,
    );
    let mut noise = Noise(7);
    let mut ar = 0.0;
    // 5 h of a normally fluctuating face sensor, then 40 min stuck at 0.47.
    for m in 0..(5 * 60 + 40) {
        let time = t0.plus_secs(60 * m);
        ar = 0.8 * ar + 0.03 * noise.next();
        let v = if m >= 300 { 0.47 } else { round_to(0.4 + ar, 0.01) };
        let temperature = round_to(22.0 + 0.02 * (m as f64 / 600.0).sin(), 0.1);
        cdss(&mut r, time, &[(face, Some(v), 0), (intake, Some(0.0), 0), (temp, Some(temperature), 0), (switch, Some(1.0), 0)], &mut out);
    }
    let mon3 = only(&out, "MON-3");
    assert_eq!(mon3.len(), 1, "{mon3:#?}");
    let f = mon3[0].clone();
    assert!(f.has_tag("point:001A01"));
    assert_eq!(f.start, t("2026-03-01 07:00:00"));
    assert!(f.end.is_none() && f.has_tag(TAG_OPEN));
    let c = f.confidence.unwrap();
    assert!(c > 0.5 && c <= 1.0, "{c}");
    // The run ends: closed with the same id and the last flat reading as its end.
    cdss(&mut r, t0.plus_secs(60 * 340), &[(face, Some(0.41), 0)], &mut out);
    let mon3 = only(&out, "MON-3");
    assert_eq!(mon3.len(), 2);
    assert_eq!(mon3[1].id, f.id);
    assert_eq!(mon3[1].end, Some(t("2026-03-01 07:39:00")));
}

#[test]
fn flat_face_sensor_while_its_air_path_varies() {
    let face = methane("001A01", "1201综采工作面T1");
    let ret = methane("001A02", "1201回风巷T2");
    let mut info = info();
    info.air_paths = vec![AirPath { name: "1201通风系统".into(), points: vec![face.code.into(), ret.code.into()], areas: vec![] }];
    let mut r = rules(Some(&info));
    let mut out = Vec::new();
    let t0 = t("2026-03-01 02:00:00");
    cddy(
        &mut r,
        t0,
        vec![def(face, "001", SensorType::METHANE, ValueKind::Analog), def(ret, "001", SensorType::METHANE, ValueKind::Analog)],
        &mut out,
    );
    let mut noise = Noise(11);
    for m in 0..40 {
        let v = round_to(0.45 + 0.05 * noise.next(), 0.01);
        cdss(&mut r, t0.plus_secs(60 * m), &[(face, Some(0.35), 0), (ret, Some(v), 0)], &mut out);
    }
    let mon3 = only(&out, "MON-3");
    assert_eq!(mon3.len(), 1, "{out:#?}");
    assert!(mon3[0].has_tag("point:001A01"));
    assert!(mon3[0].evidence.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("same air path"))));
}

// ---- MON-4 ------------------------------------------------------------------------

fn longwall_registry(points: &[(Pt, LocationClass)], area: &str) -> MineInfo {
    let mut info = info();
    info.points = points.iter().map(|(p, c)| PointEntry { code: p.code.into(), class: *c }).collect();
    info.air_paths = vec![AirPath {
        name: "1201通风系统".into(),
        points: points.iter().map(|(p, _)| p.code.to_string()).collect(),
        areas: vec![area.into()],
    }];
    info.faces = vec![Face {
        id: "1201".into(),
        name: "1201综采工作面".into(),
        kind: "longwall".into(),
        areas: vec![area.into()],
        points: points.iter().map(|(p, _)| p.code.to_string()).collect(),
        feeders: vec![],
    }];
    info
}

#[test]
fn covered_sensor_below_air_path_neighbours() {
    let intake = methane("001A05", "1201进风巷");
    let t1 = methane("001A01", "1201综采工作面T1");
    let corner = methane("001A03", "1201上隅角T0");
    let t2 = methane("001A02", "1201回风巷T2");
    let info = longwall_registry(
        &[
            (intake, LocationClass::LongwallIntake),
            (t1, LocationClass::LongwallFace),
            (corner, LocationClass::ReturnCorner),
            (t2, LocationClass::LongwallReturn),
        ],
        "9999000000010003",
    );
    let run = |covered: bool| {
        let mut r = rules(Some(&info));
        let mut out = Vec::new();
        let t0 = t("2026-03-01 09:00:00");
        let mut noise = Noise(3);
        for m in 0..40 {
            let level = 0.5 + 0.2 * (m as f64 / 6.0).sin();
            let v1 = round_to(level + 0.01 * noise.next(), 0.01);
            let v2 = round_to(level * 0.9 + 0.01 * noise.next(), 0.01);
            let vc = if covered && m >= 5 { round_to(0.03 + 0.01 * noise.next(), 0.01) } else { round_to(level * 1.1, 0.01) };
            let vi = round_to(0.03 + 0.01 * noise.next(), 0.01);
            cdss(
                &mut r,
                t0.plus_secs(60 * m),
                &[(intake, Some(vi), 0), (t1, Some(v1), 0), (corner, Some(vc), 0), (t2, Some(v2), 0)],
                &mut out,
            );
        }
        r.finish(t0.plus_secs(2400), &mut out);
        out
    };
    let normal = run(false);
    assert!(only(&normal, "MON-4").is_empty(), "{:#?}", only(&normal, "MON-4"));
    let out = run(true);
    let mon4 = latest(&only(&out, "MON-4").into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(mon4.len(), 1, "{mon4:#?}");
    let f = &mon4[0];
    assert!(f.has_tag("point:001A03"), "{:?}", f.tags);
    assert_eq!(f.start, t("2026-03-01 09:05:00"));
    assert!(f.confidence.unwrap() >= 0.6);
    assert!(f.has_tag("hook:CM-15.6"));
    // The intake reads far less than the face in normal air and is never reported.
    assert!(!out.iter().any(|f| f.has_tag("point:001A05")));
}

// ---- MON-5 ------------------------------------------------------------------------

#[test]
fn cloned_series_between_points() {
    let a = methane("001A01", "1201综采工作面T1");
    let b = methane("001A02", "1201回风巷T2");
    let c = methane("001A03", "1201上隅角");
    let k1 = methane("001A05", "1201进风巷");
    let k2 = methane("001A06", "1202进风巷");
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 09:00:00");
    let mut noise = Noise(5);
    for m in 0..60 {
        let v = round_to(0.4 + 0.1 * noise.next(), 0.01);
        let w = round_to(0.7 + 0.1 * noise.next(), 0.01);
        // B copies A from 09:10 to 09:49.
        let vb = if (10..50).contains(&m) { v } else { w };
        let vc = round_to(0.4 + 0.1 * noise.next(), 0.01);
        cdss(
            &mut r,
            t0.plus_secs(60 * m),
            &[(a, Some(v), 0), (b, Some(vb), 0), (c, Some(vc), 0), (k1, Some(0.0), 0), (k2, Some(0.0), 0)],
            &mut out,
        );
    }
    let mon5 = latest(&only(&out, "MON-5").into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(mon5.len(), 1, "{mon5:#?}");
    let f = &mon5[0];
    assert!(f.has_tag("point:001A01") && f.has_tag("point:001A02") && f.has_tag("kind:clone"));
    assert_eq!(f.start, t("2026-03-01 09:10:00"));
    assert_eq!(f.end, Some(t("2026-03-01 09:49:00")));
    assert!(!f.has_tag("point:001A05"), "constant series are not copies");
}

#[test]
fn replayed_segment_of_own_past() {
    let a = methane("001A01", "1201综采工作面T1");
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 06:00:00");
    let mut noise = Noise(9);
    let mut history = Vec::new();
    for m in 0..330 {
        let v = if (200..280).contains(&m) { history[m - 150] } else { round_to(0.4 + 0.1 * noise.next(), 0.01) };
        history.push(v);
        cdss(&mut r, t0.plus_secs(60 * m as i64), &[(a, Some(v), 0)], &mut out);
    }
    let mon5 = latest(&only(&out, "MON-5").into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(mon5.len(), 1, "{mon5:#?}");
    assert!(mon5[0].has_tag("kind:replay"));
    assert!(mon5[0].start >= t0.plus_secs(200 * 60) && mon5[0].start < t0.plus_secs(250 * 60), "{}", mon5[0].start);
    assert!(mon5[0].end.is_some());
}

// ---- MON-6 ------------------------------------------------------------------------

#[test]
fn data_time_goes_backwards() {
    let a = methane("001A01", "1201综采工作面T1");
    let b = methane("001A02", "1201回风巷T2");
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 09:00:00");
    cdss(&mut r, t0, &[(a, Some(0.3), 0), (b, Some(0.3), 0)], &mut out);
    cdss(&mut r, t0.plus_secs(60), &[(a, Some(0.3), 0), (b, Some(0.3), 0)], &mut out);
    // A's record time jumps back 10 min at 09:02.
    let h = t0.plus_secs(120);
    cdss_at(&mut r, h, &[(a, Some(0.3), 0, t0.plus_secs(-480)), (b, Some(0.3), 0, h)], &mut out);
    cdss(&mut r, t0.plus_secs(180), &[(a, Some(0.3), 0), (b, Some(0.3), 0)], &mut out);
    let mon6 = only(&out, "MON-6");
    assert_eq!(mon6.len(), 1, "{mon6:#?}");
    assert!(mon6[0].has_tag("kind:backwards"));
    assert_eq!((mon6[0].start, mon6[0].end), (h, Some(h)));
    assert_eq!(mon6[0].evidence[0].point.as_deref(), Some("001A01"));
    assert_eq!(mon6[0].evidence[0].record, Some(0));

    // B's record time stays at 09:03 over three snapshots while the header advances.
    let mut out = Vec::new();
    let stuck = t0.plus_secs(180);
    for k in 4..8 {
        let h = t0.plus_secs(60 * k);
        cdss_at(&mut r, h, &[(a, Some(0.3), 0, h), (b, Some(0.3), 0, if k < 6 { stuck } else { h })], &mut out);
    }
    let mon6 = only(&out, "MON-6");
    assert_eq!(mon6.len(), 1, "{mon6:#?}");
    assert!(mon6[0].has_tag("kind:repeated"));
    assert_eq!(mon6[0].start, t0.plus_secs(300));
    // Equal times across a re-sent snapshot of the same header are not repeats, and
    // a record time 20 min off its header is a skew.
    let mut out = Vec::new();
    let h = t0.plus_secs(600);
    cdss_at(&mut r, h, &[(a, Some(0.3), 0, h.plus_secs(1200)), (b, Some(0.3), 0, h)], &mut out);
    cdss(&mut r, h.plus_secs(60), &[(b, Some(0.3), 0)], &mut out);
    let mon6 = only(&out, "MON-6");
    assert!(mon6.iter().any(|f| f.has_tag("kind:skew")), "{mon6:#?}");
}

// ---- MON-7 ------------------------------------------------------------------------

fn shifts_registry() -> MineInfo {
    let mut info = info();
    info.shifts = vec![
        Shift { name: "零点班".into(), start: "00:00".into(), end: "08:00".into(), producing: true },
        Shift { name: "八点班(检修)".into(), start: "08:00".into(), end: "16:00".into(), producing: false },
        Shift { name: "四点班".into(), start: "16:00".into(), end: "24:00".into(), producing: true },
    ];
    info
}

#[test]
fn calibration_during_production_shift() {
    let a = methane("001A01", "1201综采工作面T1");
    let b = methane("001A02", "1201回风巷T2");
    let info = shifts_registry();
    let mut r = rules(Some(&info));
    let mut out = Vec::new();
    // A: calibration 17:00–17:40 (producing shift), B: 09:00–11:00 (maintenance shift)
    // and 17:00–17:20 (producing, within the allowance).
    let t0 = t("2026-03-01 08:30:00");
    for m in 0..(10 * 60) {
        let time = t0.plus_secs(60 * m);
        let s = time.beijing_seconds_of_day() / 60;
        let sa = if (17 * 60..17 * 60 + 40).contains(&s) { Status::CALIBRATION } else { 0 };
        let sb = if (9 * 60..11 * 60).contains(&s) || (17 * 60..17 * 60 + 20).contains(&s) { Status::CALIBRATION } else { 0 };
        cdss(&mut r, time, &[(a, Some(0.3), sa), (b, Some(0.3), sb)], &mut out);
    }
    r.finish(t0.plus_secs(600 * 60), &mut out);
    let mon7 = latest(&only(&out, "MON-7").into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(mon7.len(), 1, "{mon7:#?}");
    let f = &mon7[0];
    assert!(f.has_tag("point:001A01") && f.has_tag("kind:status_in_shift") && f.has_tag("hook:CM-4.2"));
    assert_eq!(f.start, t("2026-03-01 17:00:00"));
    assert_eq!(f.end, Some(t("2026-03-01 17:39:00")));
    assert!(f.title.contains("calibration"), "{}", f.title);

    // Calibration overdue: 16 days of hourly readings without any calibration status.
    let mut r = rules(Some(&info));
    let mut out = Vec::new();
    let t0 = t("2026-03-01 00:00:00");
    for h in 0..(16 * 24) {
        cdss(&mut r, t0.plus_secs(3600 * h), &[(a, Some(0.3), 0)], &mut out);
    }
    let overdue: Vec<_> = only(&out, "MON-7").into_iter().filter(|f| f.has_tag("kind:calibration_overdue")).collect();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].start, t("2026-03-16 00:00:00"));
    cdss(&mut r, t0.plus_secs(3600 * 400), &[(a, Some(0.3), Status::CALIBRATION)], &mut out);
    let closed = latest(&only(&out, "MON-7").into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].end, Some(t0.plus_secs(3600 * 400)));
}

// ---- MON-8 ------------------------------------------------------------------------

#[test]
fn loosened_threshold_in_later_cddy() {
    const CODES: [&str; 10] = ["001A01", "001A02", "001A03", "001A04", "001A05", "001A06", "001A07", "001A08", "001A09", "001A10"];
    let defs =
        || CODES.iter().map(|c| def(methane(c, "1201综采工作面T1"), "001", SensorType::METHANE, ValueKind::Analog)).collect::<Vec<_>>();
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 00:00:00");
    cddy(&mut r, t0, defs(), &mut out);
    // Same list again: nothing.
    cddy(&mut r, t0.plus_secs(3600), defs(), &mut out);
    assert!(out.is_empty(), "{out:#?}");

    let mut later = defs();
    later[0].thresholds.alarm_high = Some(1.5); // loosened alarm
    later[0].thresholds.cut_high = Some(1.2); // tightened: not a finding by itself
    later[1].location = "1202综采工作面T1".into(); // moved (text)
    later[2].x = Some(103.0); // 3 m: not moved
    later[3].y = Some(210.0); // 10 m: moved
    later.remove(9); // removed from a full list (9 of 10 known)
    let t1 = t0.plus_secs(7200);
    cddy(&mut r, t1, later, &mut out);
    let mon8 = only(&out, "MON-8");
    assert_eq!(mon8.len(), 4, "{mon8:#?}");
    let by = |code: &str| mon8.iter().find(|f| f.has_tag(&format!("point:{code}"))).copied();
    let f0 = by("001A01").unwrap();
    assert!(f0.has_tag("kind:loosened") && f0.title.contains("alarm") && !f0.title.contains("cut-off"), "{}", f0.title);
    assert_eq!((f0.start, f0.end), (t1, Some(t1)));
    assert!(f0.has_tag("hook:CM-4.2") && f0.has_tag("hook:CSR-SENS-1"));
    assert_eq!(f0.evidence[0].file, file("CDDY", t0.plus_secs(3600)));
    assert_eq!(f0.evidence[1].file, file("CDDY", t1));
    assert!(by("001A02").unwrap().has_tag("kind:moved"));
    assert!(by("001A03").is_none());
    assert!(by("001A04").unwrap().has_tag("kind:moved"));
    assert!(by("001A10").unwrap().has_tag("kind:removed"));

    // An incremental CDDY (2 of 9 points) removes nothing.
    let mut out = Vec::new();
    let part: Vec<PointDef> = defs().into_iter().take(2).collect();
    let mut part = part;
    part[0].thresholds.alarm_high = Some(1.5);
    part[0].thresholds.cut_high = Some(1.2);
    part[1].location = "1202综采工作面T1".into();
    cddy(&mut r, t1.plus_secs(3600), part, &mut out);
    assert!(out.is_empty(), "{out:#?}");
}

// ---- MON-9 ------------------------------------------------------------------------

#[test]
fn silent_monitoring_with_people_present() {
    let t1 = methane("001A01", "1201综采工作面T1");
    let t2 = methane("001A02", "1201回风巷T2");
    let area = "9999000000010003";
    let other = "9999000000010004";
    let info = longwall_registry(&[(t1, LocationClass::LongwallFace), (t2, LocationClass::LongwallReturn)], area);
    let mut r = rules(Some(&info));
    let mut out = Vec::new();
    let t0 = t("2026-03-01 09:00:00");
    for m in 0..3 {
        cdss(&mut r, t0.plus_secs(60 * m), &[(t1, Some(0.3), 0), (t2, Some(0.3), 0)], &mut out);
    }
    ryss(&mut r, t0.plus_secs(120), &[("00000000000000001", area), ("00000000000000002", other)], &mut out);
    assert!(only(&out, "MON-9").is_empty());
    // CDSS stops after 09:02; at 09:10 the RYSS still shows a card in the face area.
    let at = t0.plus_secs(600);
    ryss(&mut r, at, &[("00000000000000001", area), ("00000000000000002", other)], &mut out);
    let mon9 = only(&out, "MON-9");
    assert_eq!(mon9.len(), 1, "{out:#?}");
    let f = mon9[0].clone();
    assert_eq!((f.start, f.end), (at, None));
    assert!(f.has_tag(&format!("area:{area}")) && f.has_tag("hook:CM-15.6") && f.has_tag("hook:CM-15.5"));
    let cards: Vec<_> = f.evidence.iter().filter_map(|e| e.card.as_deref()).collect();
    assert_eq!(cards, vec!["00000000000000001"]);
    let card_ev = f.evidence.iter().find(|e| e.card.is_some()).unwrap();
    assert_eq!((card_ev.file.as_str(), card_ev.record), (file("RYSS", at).as_str(), Some(0)));
    let points: Vec<_> = f.evidence.iter().filter_map(|e| e.point.as_deref()).collect();
    assert_eq!(points, vec!["001A01", "001A02"]);
    // Monitoring resumes: closed.
    cdss(&mut r, t0.plus_secs(900), &[(t1, Some(0.3), 0), (t2, Some(0.3), 0)], &mut out);
    let mon9 = only(&out, "MON-9");
    assert_eq!(mon9.len(), 2);
    assert_eq!((mon9[1].id.as_str(), mon9[1].end), (f.id.as_str(), Some(t0.plus_secs(900))));

    // Silence without people in the area is not MON-9.
    let mut r = rules(Some(&info));
    let mut out = Vec::new();
    cdss(&mut r, t0, &[(t1, Some(0.3), 0), (t2, Some(0.3), 0)], &mut out);
    ryss(&mut r, t0.plus_secs(600), &[("00000000000000002", other)], &mut out);
    assert!(only(&out, "MON-9").is_empty());
}

// ---- Clean data ---------------------------------------------------------------------

#[test]
fn clean_realistic_series_give_no_finding() {
    let intake = methane("001A05", "1201进风巷");
    let t1 = methane("001A01", "1201综采工作面T1");
    let corner = methane("001A03", "1201上隅角T0");
    let t2 = methane("001A02", "1201回风巷T2");
    let main_ret = methane("001A09", "总回风巷");
    let co = Pt { code: "001A11", name: "一氧化碳", location: "1201回风巷", unit: "ppm" };
    let temp = Pt { code: "001A12", name: "温度", location: "1201回风巷", unit: "℃" };
    let wind = Pt { code: "001A13", name: "风速", location: "1201回风巷", unit: "m/s" };
    let fan = Pt { code: "001F01", name: "局部通风机", location: "1301局部通风机", unit: "" };
    let feeder = Pt { code: "001K01", name: "馈电器", location: "1201工作面馈电", unit: "" };
    let area = "9999000000010003";
    let mut info = longwall_registry(
        &[
            (intake, LocationClass::LongwallIntake),
            (t1, LocationClass::LongwallFace),
            (corner, LocationClass::ReturnCorner),
            (t2, LocationClass::LongwallReturn),
            (main_ret, LocationClass::MainReturn),
        ],
        area,
    );
    info.shifts = shifts_registry().shifts;
    let mut r = rules(Some(&info));
    let mut out = Vec::new();
    let t0 = t("2026-03-01 00:00:00");
    let kinds = [
        (intake, SensorType::METHANE, ValueKind::Analog),
        (t1, SensorType::METHANE, ValueKind::Analog),
        (corner, SensorType::METHANE, ValueKind::Analog),
        (t2, SensorType::METHANE, ValueKind::Analog),
        (main_ret, SensorType::METHANE, ValueKind::Analog),
        (co, SensorType::CO, ValueKind::Analog),
        (temp, SensorType::TEMPERATURE, ValueKind::Analog),
        (wind, SensorType::WIND_SPEED, ValueKind::Analog),
        (fan, SensorType::AUX_FAN, ValueKind::Binary),
        (feeder, SensorType::FEEDER, ValueKind::Binary),
    ];
    let defs = || kinds.iter().map(|(p, s, k)| def(*p, "001", *s, *k)).collect::<Vec<_>>();
    let mut noise = Noise(42);
    let mut ar = [0.0f64; 8];
    let mut act = 0.0f64;
    for m in 0..(2 * 24 * 60) {
        let time = t0.plus_secs(60 * m);
        if m % (24 * 60) == 0 {
            cddy(&mut r, time, defs(), &mut out);
        }
        let hour = (m / 60) % 24;
        let producing = !(8..16).contains(&hour);
        act += ((if producing { 1.0 } else { 0.0 }) - act) * 0.1;
        for a in ar.iter_mut() {
            *a = 0.9 * *a + 0.02 * noise.next();
        }
        let ch4 = |base: f64, gain: f64, n: f64| Some(round_to((base + gain * act + n).clamp(0.01, 0.8), 0.01));
        let vals = vec![
            (intake, Some(0.0), 0),
            (t1, ch4(0.25, 0.15, ar[0]), 0),
            (corner, ch4(0.3, 0.15, ar[1]), 0),
            (t2, ch4(0.21, 0.1, ar[2]), 0),
            (main_ret, ch4(0.2, 0.0, ar[3]), 0),
            (co, Some(round_to((2.0 + 10.0 * ar[4]).max(0.0), 1.0)), 0),
            (temp, Some(round_to(22.0 + 0.4 * (m as f64 / 229.0).sin() + ar[5], 0.1)), 0),
            (wind, Some(round_to(2.0 + 2.0 * ar[6], 0.01)), 0),
            (fan, Some(1.0), 0),
            (feeder, Some(if producing { 1.0 } else { 0.0 }), 0),
        ];
        cdss(&mut r, time, &vals, &mut out);
        if m % 5 == 0 {
            let people: Vec<(&str, &str)> = if producing { vec![("00000000000000001", area), ("00000000000000002", area)] } else { vec![] };
            ryss(&mut r, time, &people, &mut out);
        }
        r.tick(time.plus_secs(30), &mut out);
    }
    r.finish(t0.plus_secs(2 * 86_400), &mut out);
    assert!(out.is_empty(), "{:#?}", out.iter().map(|f| (&f.rule, &f.title)).collect::<Vec<_>>());
}

#[test]
fn bad_input_does_not_panic_or_report() {
    let a = Pt { code: "001A01", name: "甲烷", location: "", unit: "LEL" };
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 00:00:00");
    for m in 0..100 {
        let v = match m % 3 {
            0 => None,
            1 => Some(f64::NAN),
            _ => Some(f64::INFINITY),
        };
        cdss(&mut r, t0.plus_secs(60 * m), &[(a, v, 0xffff)], &mut out);
    }
    // Shifts that do not parse are ignored.
    let mut info = info();
    info.shifts = vec![Shift { name: "x".into(), start: "25:00".into(), end: "ab".into(), producing: true }];
    let mut r2 = rules(Some(&info));
    cdss(&mut r2, t0, &[(a, Some(0.3), Status::CALIBRATION)], &mut out);
    assert!(out.iter().all(|f| f.rule != "MON-3" && f.rule != "MON-5" && f.rule != "MON-7"), "{out:#?}");
    // Empty uploads of other families only reach MON-1's bookkeeping.
    let up = Upload { file: "x", family: "TJSJ", time: t0 };
    r.on_upload(&up, &mut out);
    r.tick(t0.plus_secs(86_400 * 400), &mut out);
    assert!(only(&out, "MON-1").len() == 1);
}

#[test]
fn whole_substation_silent_is_one_finding() {
    let a = methane("004A01", "1501综采工作面T1");
    let b = methane("004A02", "1501回风巷T2");
    let c = methane("005A01", "1601掘进工作面");
    let mut r = rules(None);
    let mut out = Vec::new();
    let t0 = t("2026-03-01 08:00:00");
    cddy(
        &mut r,
        t0,
        vec![
            def(a, "004", SensorType::METHANE, ValueKind::Analog),
            def(b, "004", SensorType::METHANE, ValueKind::Analog),
            def(c, "005", SensorType::METHANE, ValueKind::Analog),
        ],
        &mut out,
    );
    for m in 0..=30 {
        let mut vals = vec![(c, Some(0.2), 0)];
        if !(5..20).contains(&m) {
            vals.push((a, Some(0.3), 0));
            vals.push((b, Some(0.3), 0));
        }
        cdss(&mut r, t0.plus_secs(60 * m), &vals, &mut out);
    }
    let mon2 = latest(&only(&out, "MON-2").into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(mon2.len(), 1, "{mon2:#?}");
    assert!(mon2[0].has_tag("scope:substation:004") && mon2[0].has_tag("inferred"));
    assert_eq!((mon2[0].start, mon2[0].end), (t("2026-03-01 08:04:00"), Some(t("2026-03-01 08:20:00"))));
}

#[test]
fn upload_stop_ended_by_a_back_fill_lasts_until_delivery_resumed() {
    let mut r = rules(None);
    let mut out = Vec::new();
    let a = methane("001A01", "1201综采工作面T1");
    cdss(&mut r, t("2026-03-01 10:00:00"), &[(a, Some(0.3), 0)], &mut out);
    // The link fails: the clock runs on while nothing arrives.
    r.tick(t("2026-03-01 10:30:00"), &mut out);
    let open: Vec<Finding> = only(&out, "MON-1").into_iter().cloned().collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].end, None);
    // The mine's buffer delivers the next snapshot, generated a minute after the last.
    cdss(&mut r, t("2026-03-01 10:01:00"), &[(a, Some(0.31), 0)], &mut out);
    let all = only(&out, "MON-1");
    assert_eq!(all.len(), 2, "the open stop is closed, not left open");
    let closed = all[1];
    assert_eq!(closed.id, open[0].id);
    assert_eq!(closed.end, Some(t("2026-03-01 10:30:00")), "it lasted until delivery resumed");
    assert!(closed.has_tag("backfill") && !closed.has_tag(TAG_OPEN), "{:?}", closed.tags);
    assert!(closed.evidence[1].detail.as_deref().is_some_and(|d| d.contains("back-filled")));
    // A stop the clock never saw (batch over complete files) is not invented.
    let mut b = rules(None);
    let mut out = Vec::new();
    cdss(&mut b, t("2026-03-01 10:00:00"), &[(a, Some(0.3), 0)], &mut out);
    cdss(&mut b, t("2026-03-01 10:01:00"), &[(a, Some(0.31), 0)], &mut out);
    assert!(only(&out, "MON-1").is_empty());
}
