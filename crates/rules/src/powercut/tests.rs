//! Pinning tests of the power-cut rules; names match `tables/catalog.toml`.

use minesafe_model::monitoring::RelationKind;
use minesafe_model::registry::{Face, MineInfo, PointEntry};
use minesafe_model::{Finding, LocationClass, MineCode, PointDef, Reading, Relation, SensorType, Status, Thresholds, Timestamp, ValueKind};

use super::{PowerCutConfig, PowerCutRules};
use crate::detector::{Detector, Upload, TAG_OPEN};

const MINE: &str = "999900000001";
const CH4: &str = "99990000000101MN00010001";
const FEED: &str = "99990000000101KG10150001";
const FEED2: &str = "99990000000101KG10110001";
const FAN: &str = "99990000000101KG10010001";
const FAN2: &str = "99990000000101KG10010002";
const FACE_T1: &str = "1201综采工作面T1";

fn t(s: &str) -> Timestamp {
    Timestamp::parse_beijing(s).unwrap()
}

fn def(code: &str, sensor: SensorType, location: &str, th: Thresholds, relations: Vec<Relation>) -> PointDef {
    let analog = sensor.is_methane();
    PointDef {
        code: code.into(),
        system: "01".into(),
        substation: "99990000000101DT40010001".into(),
        sensor_type: sensor,
        kind: if analog { ValueKind::Analog } else { ValueKind::Binary },
        unit: if analog { "%CH4".into() } else { String::new() },
        range_high: None,
        range_low: None,
        thresholds: th,
        on_label: "开".into(),
        off_label: "停".into(),
        location: location.into(),
        x: None,
        y: None,
        z: None,
        relations,
        time: None,
    }
}

fn cuts(load: &str) -> Relation {
    Relation { kind: RelationKind::PowerCut, point: load.into(), device: None, controller: None }
}

fn face_th() -> Thresholds {
    Thresholds { alarm_high: Some(1.0), clear_high: Some(1.0), cut_high: Some(1.5), restore_high: Some(1.0), ..Default::default() }
}

/// A detector fed snapshot by snapshot, as the engine does.
struct Mine {
    rules: PowerCutRules,
    out: Vec<Finding>,
    t0: Timestamp,
}

/// One record of a snapshot: point, value (None = empty field), status.
type Rec<'a> = (&'a str, Option<f64>, u16);

impl Mine {
    fn new(info: Option<&MineInfo>, start: &str, defs: Vec<PointDef>) -> Mine {
        let mut rules = PowerCutRules::new(MINE, info, &PowerCutConfig::default());
        let t0 = t(start);
        let file = format!("{MINE}_CDDY_{}.txt", t0.compact_format());
        let up = Upload { file: &file, family: "CDDY", time: t0 };
        let defs: Vec<(usize, PointDef)> = defs.into_iter().enumerate().collect();
        let mut out = Vec::new();
        rules.on_definitions(&up, &defs, &mut out);
        assert!(out.is_empty());
        Mine { rules, out, t0 }
    }

    fn snap(&mut self, secs: i64, recs: &[Rec<'_>]) {
        let time = self.t0.plus_secs(secs);
        let file = format!("{MINE}_CDSS_{}.txt", time.compact_format());
        let up = Upload { file: &file, family: "CDSS", time };
        for (i, (point, value, status)) in recs.iter().enumerate() {
            let (name, location) = match *point {
                CH4 => ("甲烷", FACE_T1),
                FEED => ("馈电", "1201回风巷馈电"),
                FEED2 => ("馈电器", "1201综采工作面馈电器"),
                FAN => ("局部通风机", "2202掘进工作面局部通风机(主)"),
                FAN2 => ("局部通风机", "2202掘进工作面局部通风机(备)"),
                _ => ("声光报警器", "1201综采工作面声光报警器"),
            };
            let r = Reading { point, sensor_name: name, location, unit: "", value: *value, status: Status(*status), time };
            self.rules.on_reading(&up, i, &r, &mut self.out);
        }
        self.rules.on_readings_end(&up, &mut self.out);
    }

    fn finish(mut self) -> Vec<Finding> {
        let now = self.t0.plus_secs(86_400);
        self.rules.finish(now, &mut self.out);
        self.out
    }
}

/// The last version of every finding id, as a consumer keeps them.
fn latest(all: &[Finding]) -> Vec<Finding> {
    let mut v: Vec<Finding> = Vec::new();
    for f in all {
        match v.iter_mut().find(|o| o.id == f.id) {
            Some(o) => *o = f.clone(),
            None => v.push(f.clone()),
        }
    }
    v
}

fn hooks(f: &Finding) -> Vec<&str> {
    let mut v: Vec<&str> = f.tags.iter().filter_map(|t| t.strip_prefix("hook:")).collect();
    v.sort();
    v
}

fn methane_mine(start: &str) -> Mine {
    Mine::new(
        None,
        start,
        vec![
            def(CH4, SensorType::METHANE, FACE_T1, face_th(), vec![cuts(FEED), cuts(FEED2)]),
            def(FEED, SensorType::FEED, "1201回风巷馈电", Thresholds::default(), vec![]),
            def(FEED2, SensorType::FEEDER, "1201综采工作面馈电器", Thresholds::default(), vec![]),
        ],
    )
}

#[test]
fn feed_still_energised_after_cut_off() {
    let mut m = methane_mine("2026-03-01 07:59:00");
    m.snap(60, &[(FEED, Some(1.0), 0), (FEED2, Some(1.0), 0), (CH4, Some(0.32), 0)]);
    // 1.72 % at the face: the return feed stays on, the face feeder goes off.
    m.snap(120, &[(FEED, Some(1.0), 0), (FEED2, Some(1.0), 0), (CH4, Some(1.72), 1)]);
    m.snap(180, &[(FEED, Some(1.0), 0), (FEED2, Some(0.0), 0), (CH4, Some(1.81), 1)]);
    m.snap(240, &[(FEED, Some(1.0), 0), (FEED2, Some(0.0), 0), (CH4, Some(1.6), 1)]);
    m.snap(300, &[(FEED, Some(1.0), 0), (FEED2, Some(1.0), 0), (CH4, Some(0.4), 0)]);
    let all = m.finish();
    // Pushed open when proven, then closed with the same id.
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(all[0].has_tag(TAG_OPEN) && all[0].end.is_none());
    assert_eq!(all[0].id, all[1].id);
    let f = &all[1];
    assert_eq!(f.rule, "MON-10");
    assert!(!f.has_tag(TAG_OPEN));
    assert_eq!(f.start, t("2026-03-01 08:01:00"));
    assert_eq!(f.end, Some(t("2026-03-01 08:04:00")));
    assert_eq!(f.peak, Some(1.81));
    assert_eq!(f.place.as_deref(), Some(FACE_T1));
    assert_eq!(hooks(f), vec!["CM-2.2", "CM-4.2"]);
    // Evidence: first and peak methane, the feed still energised, the CDDY relation.
    let first = &f.evidence[0];
    assert_eq!((first.point.as_deref(), first.value, first.record), (Some(CH4), Some(1.72), Some(2)));
    assert!(first.file.contains("_CDSS_20260301080100"));
    assert_eq!(f.evidence[1].value, Some(1.81));
    let load = f.evidence.iter().find(|e| e.point.as_deref() == Some(FEED)).unwrap();
    assert_eq!((load.value, load.time, load.record), (Some(1.0), Some(t("2026-03-01 08:02:00")), Some(0)));
    assert!(load.detail.as_deref().unwrap().contains("still energised 1 min"));
    let cddy = f.evidence.iter().find(|e| e.file.contains("_CDDY_")).unwrap();
    assert_eq!((cddy.record, cddy.point.as_deref()), (Some(0), Some(CH4)));
    assert!(cddy.detail.as_deref().unwrap().contains(&format!("D-{FEED}")));
    // The face feeder that did go off is not cited as powered.
    assert!(!f.evidence.iter().any(|e| e.point.as_deref() == Some(FEED2)));
    assert!(f.title.contains("1201回风巷馈电"), "{}", f.title);
}

#[test]
fn mon10_hooks_switch_on_2026_07_01() {
    for (start, want) in [("2026-06-30 23:50:00", vec!["CM-2.2", "CM-4.2"]), ("2026-07-01 00:00:00", vec!["CM26-11.4"])] {
        let mut m = methane_mine(start);
        m.snap(0, &[(CH4, Some(1.7), 1), (FEED, Some(1.0), 0)]);
        m.snap(60, &[(CH4, Some(1.7), 1), (FEED, Some(1.0), 0)]);
        let f = latest(&m.finish());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "MON-10");
        assert_eq!(hooks(&f[0]), want, "{start}");
        assert!(f[0].end.is_none());
    }
}

#[test]
fn working_cut_within_grace_gives_nothing() {
    let mut m = methane_mine("2026-03-01 08:00:00");
    m.snap(0, &[(CH4, Some(1.7), 3), (FEED, Some(1.0), 0), (FEED2, Some(1.0), 0)]);
    // Energised 2 s later is still within the grace; off at 3 s.
    m.snap(2, &[(FEED, Some(1.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(3, &[(FEED, Some(0.0), 0), (FEED2, Some(0.0), 0)]);
    m.snap(60, &[(CH4, Some(1.9), 3), (FEED, Some(0.0), 0), (FEED2, Some(0.0), 0)]);
    // Restored only once methane fell below the restore level.
    m.snap(120, &[(CH4, Some(0.9), 0), (FEED, Some(1.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(180, &[(CH4, Some(0.5), 0), (FEED, Some(1.0), 0), (FEED2, Some(1.0), 0)]);
    let all = m.finish();
    assert!(all.is_empty(), "{all:#?}");
}

#[test]
fn energised_reading_needs_methane_still_over() {
    // The load is on at the next snapshot, but methane had already fallen below the
    // restore level: the power may have been cut and restored in between.
    let mut m = methane_mine("2026-03-01 08:00:00");
    m.snap(0, &[(FEED, Some(1.0), 0), (CH4, Some(1.6), 1)]);
    m.snap(60, &[(FEED, Some(1.0), 0), (CH4, Some(0.6), 0)]);
    assert!(m.finish().is_empty());
    // The declared cut-off is laxer than the table's 1.5 %: the table holds.
    let mut th = face_th();
    th.cut_high = Some(2.0);
    let mut m = Mine::new(
        None,
        "2026-03-01 08:00:00",
        vec![
            def(CH4, SensorType::METHANE, FACE_T1, th, vec![cuts(FEED)]),
            def(FEED, SensorType::FEED, "馈电", Thresholds::default(), vec![]),
        ],
    );
    m.snap(0, &[(FEED, Some(1.0), 0), (CH4, Some(1.6), 1)]);
    m.snap(60, &[(FEED, Some(1.0), 0), (CH4, Some(1.6), 1)]);
    let f = latest(&m.finish());
    assert_eq!(f.len(), 1);
    assert!(f[0].title.contains("cut-off 1.5 %"), "{}", f[0].title);
    assert!(f[0].has_tag("inferred"));
}

#[test]
fn restored_before_methane_fell() {
    let mut m = methane_mine("2026-03-01 08:00:00");
    m.snap(0, &[(CH4, Some(1.62), 3), (FEED, Some(1.0), 0)]);
    m.snap(60, &[(CH4, Some(1.55), 3), (FEED, Some(0.0), 0)]);
    // 1.2 % is under the cut-off but not under the 1.0 % restore level.
    m.snap(120, &[(CH4, Some(1.2), 1), (FEED, Some(1.0), 0)]);
    m.snap(180, &[(CH4, Some(1.1), 1), (FEED, Some(1.0), 0)]);
    m.snap(240, &[(CH4, Some(0.7), 0), (FEED, Some(1.0), 0)]);
    let all = m.finish();
    let f = latest(&all);
    assert_eq!(f.len(), 1, "{all:#?}");
    let f = &f[0];
    assert_eq!(f.rule, "MON-11");
    assert_eq!(f.start, t("2026-03-01 08:02:00"));
    assert_eq!(f.end, Some(t("2026-03-01 08:04:00")));
    assert_eq!(hooks(f), vec!["CM-4.2"]);
    let load = f.evidence.iter().find(|e| e.point.as_deref() == Some(FEED)).unwrap();
    assert_eq!(load.time, Some(t("2026-03-01 08:02:00")));
    assert!(f.title.contains("restore level of 1.0 %"), "{}", f.title);
    // The 2026-07-01 successor.
    let mut m = methane_mine("2026-07-02 08:00:00");
    m.snap(0, &[(CH4, Some(1.62), 3), (FEED, Some(1.0), 0)]);
    m.snap(60, &[(CH4, Some(1.55), 3), (FEED, Some(0.0), 0)]);
    m.snap(120, &[(CH4, Some(1.2), 1), (FEED, Some(1.0), 0)]);
    let f = latest(&m.finish());
    assert_eq!((f[0].rule.as_str(), hooks(&f[0])), ("MON-11", vec!["CM26-11.4"]));
}

fn heading_registry() -> MineInfo {
    let mut info = MineInfo::new(MineCode::parse(MINE).unwrap());
    info.faces = vec![Face {
        id: "2202".into(),
        name: "2202掘进工作面".into(),
        kind: "heading".into(),
        areas: vec![],
        points: vec![FAN.into(), FAN2.into()],
        feeders: vec![FEED2.into()],
    }];
    info.points = vec![PointEntry { code: CH4.into(), class: LocationClass::HeadingFace }];
    info
}

fn fan_mine(info: &MineInfo) -> Mine {
    Mine::new(
        Some(info),
        "2026-03-01 08:00:00",
        vec![
            def(FAN, SensorType::AUX_FAN, "2202掘进工作面局部通风机(主)", Thresholds::default(), vec![]),
            def(FAN2, SensorType::AUX_FAN, "2202掘进工作面局部通风机(备)", Thresholds::default(), vec![]),
            def(FEED2, SensorType::FEEDER, "2202掘进工作面馈电器", Thresholds::default(), vec![]),
        ],
    )
}

#[test]
fn aux_fan_stopped_heading_powered() {
    let info = heading_registry();
    let mut m = fan_mine(&info);
    m.snap(0, &[(FAN, Some(1.0), 0), (FAN2, Some(0.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(60, &[(FAN, Some(0.0), 0), (FAN2, Some(0.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(120, &[(FAN, Some(0.0), 0), (FAN2, Some(0.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(180, &[(FAN, Some(1.0), 0), (FAN2, Some(0.0), 0), (FEED2, Some(1.0), 0)]);
    let f = latest(&m.finish());
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = &f[0];
    assert_eq!(f.rule, "MON-12");
    assert_eq!((f.start, f.end), (t("2026-03-01 08:01:00"), Some(t("2026-03-01 08:03:00"))));
    assert_eq!(hooks(f), vec!["CM-5.8"]);
    let load = f.evidence.iter().find(|e| e.point.as_deref() == Some(FEED2)).unwrap();
    assert_eq!(load.time, Some(t("2026-03-01 08:02:00")));
    assert!(f.evidence.iter().any(|e| e.file == "registry"));
    // A fan-power interlock declared in CDDY (B relation) works without a registry.
    let mut m = Mine::new(
        None,
        "2026-07-02 08:00:00",
        vec![
            def(
                FAN,
                SensorType::AUX_FAN,
                "2202掘进工作面局部通风机",
                Thresholds::default(),
                vec![Relation { kind: RelationKind::Interlock, point: FEED2.into(), device: None, controller: None }],
            ),
            def(FEED2, SensorType::FEEDER, "2202掘进工作面馈电器", Thresholds::default(), vec![]),
        ],
    );
    m.snap(0, &[(FAN, Some(1.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(60, &[(FAN, Some(0.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(120, &[(FAN, Some(0.0), 0), (FEED2, Some(1.0), 0)]);
    let f = latest(&m.finish());
    assert_eq!((f.len(), f[0].rule.as_str(), hooks(&f[0])), (1, "MON-12", vec!["CM26-11.4"]));
}

#[test]
fn standby_fan_and_switch_over_are_not_stops() {
    let info = heading_registry();
    // The standby fan is never seen running: its 停 is its normal state.
    let mut m = fan_mine(&info);
    for k in 0..5 {
        m.snap(60 * k, &[(FAN, Some(1.0), 0), (FAN2, Some(0.0), 0), (FEED2, Some(1.0), 0)]);
    }
    assert!(m.finish().is_empty());
    // The main fan stops and the standby takes over in the same snapshot.
    let mut m = fan_mine(&info);
    m.snap(0, &[(FAN, Some(1.0), 0), (FAN2, Some(0.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(60, &[(FAN, Some(0.0), 0), (FAN2, Some(1.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(120, &[(FAN, Some(0.0), 0), (FAN2, Some(1.0), 0), (FEED2, Some(1.0), 0)]);
    assert!(m.finish().is_empty());
    // The fan stops and the heading loses power: the interlock worked.
    let mut m = fan_mine(&info);
    m.snap(0, &[(FAN, Some(1.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(60, &[(FAN, Some(0.0), 0), (FEED2, Some(1.0), 0)]);
    m.snap(61, &[(FEED2, Some(0.0), 0)]);
    m.snap(120, &[(FAN, Some(0.0), 0), (FEED2, Some(0.0), 0)]);
    assert!(m.finish().is_empty());
}

#[test]
fn bad_data_does_not_raise() {
    // Methane in calibration or with no value, feeds in fault: nothing is proven.
    let mut m = methane_mine("2026-03-01 08:00:00");
    m.snap(0, &[(CH4, Some(3.9), 4), (FEED, Some(1.0), 0)]);
    m.snap(60, &[(CH4, Some(3.9), 4), (FEED, Some(1.0), 0)]);
    m.snap(120, &[(CH4, None, 0), (FEED, Some(1.0), 0)]);
    m.snap(180, &[(CH4, Some(1.7), 1), (FEED, Some(1.0), 128)]);
    m.snap(240, &[(CH4, Some(1.7), 1), (FEED, None, 0)]);
    // The sensor fails mid-episode: the episode ends without a finding.
    m.snap(300, &[(CH4, Some(f64::NAN), 0), (FEED, Some(1.0), 0)]);
    m.snap(360, &[(CH4, Some(0.3), 0), (FEED, Some(1.0), 0)]);
    // A re-sent (older) snapshot is ignored.
    m.snap(200, &[(CH4, Some(1.9), 1), (FEED, Some(1.0), 0)]);
    let all = m.finish();
    assert!(all.is_empty(), "{all:#?}");
    // A relation naming a point that is not a power point proves nothing.
    let mut m = Mine::new(
        None,
        "2026-03-01 08:00:00",
        vec![def(CH4, SensorType::METHANE, FACE_T1, face_th(), vec![cuts("99990000000101KG10120001")])],
    );
    m.snap(0, &[(CH4, Some(1.7), 1), ("99990000000101KG10120001", Some(1.0), 0)]);
    m.snap(60, &[(CH4, Some(1.7), 1), ("99990000000101KG10120001", Some(1.0), 0)]);
    assert!(m.finish().is_empty());
}

#[test]
fn relation_declared_on_the_load_record() {
    // G2 syntax: the feed's record names its controlling sensor on the right-hand side.
    let rel =
        Relation { kind: RelationKind::PowerCut, point: FEED.into(), device: Some("馈电开关".into()), controller: Some(CH4.into()) };
    let mut m = Mine::new(
        None,
        "2026-03-01 08:00:00",
        vec![
            def(CH4, SensorType::METHANE, FACE_T1, face_th(), vec![]),
            def(FEED, SensorType::FEED, "馈电", Thresholds::default(), vec![rel]),
        ],
    );
    m.snap(0, &[(CH4, Some(2.1), 1), (FEED, Some(1.0), 0)]);
    m.snap(30, &[(CH4, Some(2.0), 1), (FEED, Some(1.0), 0)]);
    let f = latest(&m.finish());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "MON-10");
    let cddy = f[0].evidence.iter().find(|e| e.file.contains("_CDDY_")).unwrap();
    assert_eq!((cddy.record, cddy.point.as_deref()), (Some(1), Some(FEED)));
}
