//! Pinning tests of the monitoring rules; names match `tables/catalog.toml`.

use minesafe_model::registry::{ManualEvent, MineInfo, PointEntry};
use minesafe_model::{Finding, LocationClass, MineCode, PointDef, Reading, SensorType, Severity, Status, Thresholds, Timestamp, ValueKind};

use super::MonitoringRules;

const MINE: &str = "999900000001";
const FACE: &str = "1201综采工作面T1";
const RETURN: &str = "1201工作面回风巷T2";

fn t(s: &str) -> Timestamp {
    Timestamp::parse_beijing(s).unwrap()
}

fn registry(points: &[(&str, LocationClass)]) -> MineInfo {
    let mut info = MineInfo::new(MineCode::parse(MINE).unwrap());
    info.points = points.iter().map(|(code, class)| PointEntry { code: code.to_string(), class: *class }).collect();
    info
}

/// A point's series of readings fed to a detector, `step` seconds apart.
struct Series<'a> {
    point: &'a str,
    name: &'a str,
    location: &'a str,
    unit: &'a str,
}

impl Series<'_> {
    fn feed(&self, rules: &mut MonitoringRules, start: &str, step: i64, values: &[(f64, u16)], out: &mut Vec<Finding>) {
        let t0 = t(start);
        for (i, (v, status)) in values.iter().enumerate() {
            let time = t0.plus_secs(step * i as i64);
            let file = format!("{MINE}_CDSS_{}.txt", time.compact_format());
            let r = Reading {
                point: self.point,
                sensor_name: self.name,
                location: self.location,
                unit: self.unit,
                value: Some(*v),
                status: Status(*status),
                time,
            };
            rules.on_reading(&file, 3, &r, out);
        }
    }
}

fn methane<'a>(point: &'a str, location: &'a str) -> Series<'a> {
    Series { point, name: "甲烷", location, unit: "%CH4" }
}

fn plain(values: &[f64]) -> Vec<(f64, u16)> {
    values.iter().map(|v| (*v, 0)).collect()
}

/// Feeds one series to a fresh detector and returns every finding, closed or open.
fn run(info: Option<&MineInfo>, s: &Series<'_>, start: &str, step: i64, values: &[(f64, u16)]) -> Vec<Finding> {
    let mut rules = MonitoringRules::new(MINE, info);
    let mut out = Vec::new();
    s.feed(&mut rules, start, step, values, &mut out);
    rules.finish(&mut out);
    out
}

fn rules_of(f: &[Finding]) -> Vec<&str> {
    let mut v: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
    v.sort();
    v
}

fn def(code: &str, sensor: SensorType, unit: &str, location: &str, th: Thresholds) -> PointDef {
    PointDef {
        code: code.into(),
        system: "01".into(),
        substation: "001".into(),
        sensor_type: sensor,
        kind: ValueKind::Analog,
        unit: unit.into(),
        range_high: Some(4.0),
        range_low: Some(0.0),
        thresholds: th,
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

fn face_thresholds(alarm: f64, cut: Option<f64>, restore: f64) -> Thresholds {
    Thresholds { alarm_high: Some(alarm), clear_high: Some(restore), cut_high: cut, restore_high: Some(restore), ..Default::default() }
}

#[test]
fn normal_values_give_no_findings() {
    let mut rules = MonitoringRules::new(MINE, None);
    let mut out = Vec::new();
    let start = "2026-03-01 08:00:00";
    methane("P1", FACE).feed(&mut rules, start, 10, &plain(&[0.3; 20]), &mut out);
    Series { point: "P2", name: "一氧化碳", location: FACE, unit: "ppm" }.feed(&mut rules, start, 10, &plain(&[5.0; 20]), &mut out);
    Series { point: "P3", name: "风速", location: FACE, unit: "m/s" }.feed(&mut rules, start, 10, &plain(&[2.0; 20]), &mut out);
    Series { point: "P4", name: "温度", location: FACE, unit: "℃" }.feed(&mut rules, start, 10, &plain(&[22.0; 20]), &mut out);
    Series { point: "P5", name: "氧气", location: "1201工作面进风巷", unit: "%" }.feed(
        &mut rules,
        start,
        10,
        &plain(&[20.9; 20]),
        &mut out,
    );
    Series { point: "P6", name: "二氧化碳", location: RETURN, unit: "%" }.feed(&mut rules, start, 10, &plain(&[0.1; 20]), &mut out);
    rules.finish(&mut out);
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn main_return_gas() {
    let s = methane("P1", "总回风巷");
    let f = run(None, &s, "2025-05-01 08:00:00", 30, &plain(&[0.3, 0.8, 0.82, 0.3]));
    assert_eq!(rules_of(&f), vec!["CSR-GAS-1"]);
    assert_eq!(f[0].peak, Some(0.82));
    assert_eq!(f[0].start, t("2025-05-01 08:00:30"));
    assert_eq!(f[0].end, Some(t("2025-05-01 08:01:30")));
    assert!(f[0].has_tag("inferred"));
    // The 2016 text says 超过 (>): exactly 0.75 % is only the sensor table's alarm level.
    let f = run(None, &s, "2025-05-01 08:00:00", 30, &plain(&[0.3, 0.75, 0.3]));
    assert_eq!(rules_of(&f), vec!["CSR-GAS-5"]);
    // The 2025 text says 达到 (≥): from 2026-02-01 it is CSR-GAS-1 and the alarm is covered.
    let f = run(None, &s, "2026-02-01 08:00:00", 30, &plain(&[0.3, 0.75, 0.3]));
    assert_eq!(rules_of(&f), vec!["CSR-GAS-1"]);
    // CO2 in the main return too.
    let co2 = Series { point: "P2", name: "二氧化碳", location: "总回风巷", unit: "%" };
    assert_eq!(rules_of(&run(None, &co2, "2026-02-01 08:00:00", 30, &plain(&[0.3, 0.9, 0.3]))), vec!["CSR-GAS-1"]);
}

#[test]
fn gas2_switches_comparison_on_2026_02_01() {
    let info = registry(&[("R1", LocationClass::LongwallReturn)]);
    let s = methane("R1", RETURN);
    // Before: 超过 1.0 % — exactly 1.0 % reaches only the sensor alarm level.
    // (Status 3 = alarm + power cut: the return's 1.0 % cut-off acted.)
    let at_limit = [(0.4, 0), (1.0, 3), (1.0, 3), (0.4, 0)];
    let f = run(Some(&info), &s, "2026-01-31 23:50:00", 30, &at_limit);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-5"]);
    assert!(!f[0].has_tag("inferred"), "the registry gave the class");
    // After: 达到 1.0 % — CSR-GAS-2 fires and covers the alarm.
    let f = run(Some(&info), &s, "2026-02-01 00:00:00", 30, &at_limit);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-2"]);
    assert_eq!(f[0].severity, Severity::Alarm);
    assert_eq!(f[0].consequence, vec!["STOP-AREA"]);
    // Above 1.0 % both versions agree.
    let f = run(Some(&info), &s, "2025-12-01 08:00:00", 30, &[(0.4, 0), (1.1, 3), (0.4, 0)]);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-2"]);
    // Without the power-cut bit the return's 1.0 % cut-off failed as well.
    let f = run(Some(&info), &s, "2025-12-01 08:00:00", 30, &[(0.4, 0), (1.1, 1), (0.4, 0)]);
    assert_eq!(rules_of(&f), vec!["CM-4.2", "CSR-GAS-2"]);
}

#[test]
fn event_keeps_the_version_in_force_at_its_start() {
    let info = registry(&[("R1", LocationClass::LongwallReturn)]);
    // Opens under the 2016 text at 1.05 % (> 1.0) and continues after midnight: the
    // 2016 comparison still governs it, so it closes at the first reading of exactly
    // 1.0 %. That reading opens a new event under the 2025 text (≥ 1.0 %).
    let values = [(1.05, 3), (1.05, 3), (1.0, 3), (1.0, 3), (0.4, 0)];
    let mut f = run(Some(&info), &methane("R1", RETURN), "2026-01-31 23:59:30", 30, &values);
    f.retain(|f| f.rule == "CSR-GAS-2");
    f.sort_by_key(|f| f.start);
    let spans: Vec<_> = f.iter().map(|f| (f.start, f.end)).collect();
    assert_eq!(
        spans,
        vec![(t("2026-01-31 23:59:30"), Some(t("2026-02-01 00:00:30"))), (t("2026-02-01 00:00:30"), Some(t("2026-02-01 00:01:30"))),]
    );
}

#[test]
fn face_methane_over_cut_off() {
    // With the power-cut bit set the interlock worked: CSR-GAS-3 only.
    let s = methane("F1", FACE);
    let f = run(None, &s, "2025-05-01 08:00:00", 10, &[(0.3, 0), (1.6, 3), (1.62, 3), (0.3, 0)]);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-3"]);
    assert_eq!(f[0].title, "Methane at the longwall face reached 1.62 % (limit ≥ 1.5 %) for 20 s");
    assert_eq!(f[0].place.as_deref(), Some(FACE));
    assert!(f[0].has_tag("inferred"));
    assert_eq!(f[0].evidence[0].status_bits, vec!["alarm", "power_cut"]);
}

#[test]
fn event_merging_peak_and_evidence() {
    let s = methane("F1", FACE);
    let f = run(None, &s, "2025-05-01 08:00:00", 10, &[(0.3, 0), (1.55, 3), (1.9, 3), (1.7, 3), (1.6, 3), (0.5, 0)]);
    assert_eq!(f.len(), 1, "{f:#?}");
    let e = &f[0];
    assert_eq!((e.start, e.end), (t("2025-05-01 08:00:10"), Some(t("2025-05-01 08:00:50"))));
    assert_eq!(e.peak, Some(1.9));
    let values: Vec<_> = e.evidence.iter().map(|ev| ev.value).collect();
    assert_eq!(values, vec![Some(1.55), Some(1.9), Some(1.6)]);
    let details: Vec<_> = e.evidence.iter().map(|ev| ev.detail.as_deref().unwrap_or("")).collect();
    assert_eq!(details, vec!["first over-limit reading", "peak reading", "last over-limit reading"]);
    assert_eq!(e.evidence[1].time, Some(t("2025-05-01 08:00:20")));
    assert_eq!(e.evidence[1].point.as_deref(), Some("F1"));
    assert_eq!(e.evidence[1].file, "999900000001_CDSS_20250501080020.txt");
    assert_eq!(e.evidence[1].record, Some(3));
}

#[test]
fn local_accumulation() {
    let s = methane("F1", FACE);
    // A spike straight to 2.1 % is one CSR-GAS-4 event, not three.
    let f = run(None, &s, "2025-05-01 08:00:00", 10, &[(0.3, 0), (2.1, 3), (0.3, 0)]);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-4"]);
    // A face at 1.6 % around a 2.1 % peak: the hour at 1.6 % and the peak are both reported.
    let f = run(None, &s, "2025-05-01 08:00:00", 10, &[(1.6, 3), (2.1, 3), (1.6, 3), (0.3, 0)]);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-3", "CSR-GAS-4"]);
    let g4 = f.iter().find(|f| f.rule == "CSR-GAS-4").unwrap();
    assert_eq!((g4.start, g4.end), (t("2025-05-01 08:00:10"), Some(t("2025-05-01 08:00:20"))));
    // Any roadway: a belt roadway has no sensor-table row but CSR-GAS-4 applies.
    let belt = methane("B1", "主斜井皮带机头");
    let f = run(None, &belt, "2025-05-01 08:00:00", 10, &plain(&[0.3, 2.2, 0.3]));
    assert_eq!(rules_of(&f), vec!["CSR-GAS-4"]);
    assert!(!f[0].has_tag("inferred"), "CSR-GAS-4 does not depend on the class");
}

#[test]
fn sensor_table_switches_on_2026_02_01() {
    let s = methane("C1", "中央变电所");
    // The 2016 table has no row for electrical chambers.
    assert!(run(None, &s, "2026-01-31 08:00:00", 10, &plain(&[0.3, 0.6, 0.3])).is_empty());
    // The 2025 Table 19 alarms at 0.5 % there (provisional row).
    let f = run(None, &s, "2026-02-01 08:00:00", 10, &plain(&[0.3, 0.6, 0.3]));
    assert_eq!(rules_of(&f), vec!["CSR-GAS-5"]);
    assert!(f[0].has_tag("provisional") && f[0].has_tag("inferred"));
    // At a face the alarm level is 1.0 %, alone when no action limit is reached.
    let f = run(None, &methane("F1", FACE), "2025-05-01 08:00:00", 10, &[(0.3, 0), (1.2, 1), (1.3, 1), (0.3, 0)]);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-5"]);
    assert!(!f[0].has_tag("provisional"));
    // A face ramping through the alarm level to 1.6 %: CSR-GAS-3 only.
    let f = run(None, &methane("F1", FACE), "2025-05-01 08:00:00", 10, &[(1.2, 1), (1.6, 3), (1.2, 1), (0.3, 0)]);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-3"]);
}

#[test]
fn unreliable_status_never_opens_and_closes_events() {
    let s = methane("F1", FACE);
    // Calibration gas at 2.5 % (status 4) is not air.
    assert!(run(None, &s, "2025-05-01 08:00:00", 10, &[(0.3, 0), (2.5, 4), (2.5, 4 + 1), (0.3, 0)]).is_empty());
    // A sensor fault during an event closes it, and the evidence shows why.
    let f = run(None, &s, "2025-05-01 08:00:00", 10, &[(1.6, 3), (1.7, 3), (1.7, 128), (1.7, 3), (0.3, 0)]);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-3", "CSR-GAS-3"]);
    let first = f.iter().min_by_key(|f| f.start).unwrap();
    assert_eq!(first.end, Some(t("2025-05-01 08:00:20")));
    let closer = first.evidence.last().unwrap();
    assert_eq!(closer.status_bits, vec!["sensor_fault"]);
    assert!(closer.detail.as_deref().unwrap().contains("unreliable"));
}

#[test]
fn inferred_class_is_tagged_and_registry_class_wins() {
    // The text says face, the registry says return: the registry decides.
    let info = registry(&[("X1", LocationClass::LongwallReturn)]);
    let f = run(Some(&info), &methane("X1", FACE), "2025-05-01 08:00:00", 10, &[(0.3, 0), (1.2, 3), (0.3, 0)]);
    assert_eq!(rules_of(&f), vec!["CSR-GAS-2"]);
    assert!(!f[0].has_tag("inferred"));
    let f = run(None, &methane("X1", FACE), "2025-05-01 08:00:00", 10, &plain(&[0.3, 1.2, 0.3]));
    assert_eq!(rules_of(&f), vec!["CSR-GAS-5"]);
    assert!(f[0].has_tag("inferred"));
}

#[test]
fn open_events_end_with_none_at_finish() {
    let f = run(None, &methane("F1", FACE), "2025-05-01 08:00:00", 10, &[(0.3, 0), (1.6, 3), (1.7, 3)]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].end, None);
    assert!(f[0].title.ends_with("for 10 s so far"), "{}", f[0].title);
}

#[test]
fn resent_snapshots_are_not_counted_twice() {
    let mut rules = MonitoringRules::new(MINE, None);
    let mut out = Vec::new();
    let s = methane("F1", FACE);
    s.feed(&mut rules, "2025-05-01 08:00:00", 10, &[(1.6, 3), (1.7, 3)], &mut out);
    // The same snapshot arrives again, with the value back to normal: ignored.
    s.feed(&mut rules, "2025-05-01 08:00:00", 10, &plain(&[0.3, 0.3]), &mut out);
    assert!(out.is_empty());
    rules.finish(&mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].end, None);
}

#[test]
fn oxygen_low() {
    let s = Series { point: "O1", name: "氧气", location: "1201工作面进风巷", unit: "%" };
    let f = run(None, &s, "2025-05-01 08:00:00", 60, &plain(&[20.5, 19.6, 19.2, 19.8, 20.5]));
    assert_eq!(rules_of(&f), vec!["CSR-AIR-1"]);
    assert_eq!(f[0].peak, Some(19.2), "the worst value of a low limit is its minimum");
    assert_eq!(f[0].title, "Oxygen at the longwall intake fell to 19.2 % (limit < 20 %) for 3 min");
    // The O2 limit is for intake air: a face sensor is not judged by it.
    assert!(run(None, &Series { location: FACE, ..s }, "2025-05-01 08:00:00", 60, &plain(&[20.5, 19.6, 20.5])).is_empty());
    // CO2 in the intake: over 0.5 %.
    let co2 = Series { point: "C1", name: "二氧化碳", location: "1201工作面进风巷", unit: "%" };
    assert_eq!(rules_of(&run(None, &co2, "2025-05-01 08:00:00", 60, &plain(&[0.5, 0.6, 0.4]))), vec!["CSR-AIR-1"]);
}

#[test]
fn co_over_24_ppm() {
    let s = Series { point: "CO1", name: "一氧化碳", location: "1201工作面回风巷", unit: "ppm" };
    assert!(run(None, &s, "2025-05-01 08:00:00", 60, &plain(&[5.0, 24.0, 24.0, 5.0])).is_empty(), "24 ppm is the highest allowed");
    let f = run(None, &s, "2025-05-01 08:00:00", 60, &plain(&[5.0, 25.0, 31.0, 5.0]));
    assert_eq!(rules_of(&f), vec!["CSR-AIR-2"]);
    assert_eq!(f[0].peak, Some(31.0));
    assert_eq!(f[0].title, "CO at the longwall return reached 31 ppm (limit > 24 ppm) for 2 min");
    assert!(!f[0].has_tag("inferred"), "harmful-gas maxima hold everywhere");
    // The same in a % unit is converted.
    let pct = Series { unit: "%", ..s };
    assert_eq!(rules_of(&run(None, &pct, "2025-05-01 08:00:00", 60, &plain(&[0.0005, 0.0025, 0.0005]))), vec!["CSR-AIR-2"]);
}

#[test]
fn wind_below_minimum() {
    let s = Series { point: "W1", name: "风速", location: FACE, unit: "m/s" };
    let f = run(None, &s, "2025-05-01 08:00:00", 60, &plain(&[2.0, 0.1, 0.2, 2.0]));
    assert_eq!(rules_of(&f), vec!["CSR-WIND-1"]);
    assert_eq!(f[0].peak, Some(0.1));
    assert!(f[0].title.contains("fell to 0.1 m/s (limit < 0.25 m/s)"), "{}", f[0].title);
    assert!(f[0].has_tag("inferred"));
    let f = run(None, &s, "2025-05-01 08:00:00", 60, &plain(&[2.0, 4.5, 2.0]));
    assert_eq!(rules_of(&f), vec!["CSR-WIND-1"]);
    assert!(f[0].title.contains("reached 4.5 m/s (limit > 4.0 m/s)"), "{}", f[0].title);
    // 2025 velocity rows are provisional (OCR table).
    let f = run(None, &s, "2026-03-01 08:00:00", 60, &plain(&[2.0, 0.1, 2.0]));
    assert!(f[0].has_tag("provisional"));
}

#[test]
fn face_too_hot() {
    let face = Series { point: "T1", name: "温度", location: FACE, unit: "℃" };
    let f = run(None, &face, "2025-07-01 14:00:00", 60, &plain(&[28.0, 30.0, 31.5, 28.0]));
    assert_eq!(rules_of(&f), vec!["CSR-TEMP-1"]);
    assert!(f[0].has_tag("provisional"));
    assert_eq!(f[0].start, t("2025-07-01 14:02:00"), "30 °C itself is not over 30 °C");
    let chamber = Series { point: "T2", location: "中央变电所", ..face };
    assert!(run(None, &chamber, "2025-07-01 14:00:00", 60, &plain(&[28.0, 33.0, 28.0])).is_empty());
    assert_eq!(rules_of(&run(None, &chamber, "2025-07-01 14:00:00", 60, &plain(&[28.0, 35.0, 28.0]))), vec!["CSR-TEMP-1"]);
}

#[test]
fn failed_power_cut_switches_on_2026_07_01() {
    let s = methane("F1", FACE);
    // 1.66 % without the power-cut bit every 10 s from 08:06:10 to 08:12:30, back at 08:12:40.
    let mut values = vec![(1.66, 1); 39];
    values.push((0.3, 0));
    let f = run(None, &s, "2026-06-30 08:06:10", 10, &values);
    let cut = f.iter().find(|f| f.rule == "CM-4.2").expect("failed cut before the switch");
    assert_eq!(cut.title, "Methane at the longwall face reached 1.66 % (cut-off 1.5 %) with no power-cut status for 6 min 30 s");
    assert_eq!(cut.severity, Severity::MajorHazard);
    assert_eq!(cut.consequence, vec!["MH", "STOP-AREA"]);
    assert!(cut.has_tag("hook:CM-2.2"));
    assert_eq!(cut.evidence[0].status, Some(1));
    assert!(f.iter().any(|f| f.rule == "CSR-GAS-3"), "the gas over-limit is reported beside it");
    let f = run(None, &s, "2026-07-01 08:06:10", 10, &values);
    let cut = f.iter().find(|f| f.rule == "CM26-11.4").expect("successor from 2026-07-01");
    assert!(cut.has_tag("hook:CM26-2.4"));
    assert!(!f.iter().any(|f| f.rule == "CM-4.2"));
    // The interlock acting late closes the event at the first reading with the bit.
    let f = run(None, &s, "2026-07-01 08:00:00", 10, &[(1.6, 1), (1.6, 1), (1.6, 3), (0.3, 0)]);
    let cut = f.iter().find(|f| f.rule == "CM26-11.4").unwrap();
    assert_eq!(cut.end, Some(t("2026-07-01 08:00:20")));
}

#[test]
fn declared_cut_lower_than_table_is_the_cut_off() {
    let mut rules = MonitoringRules::new(MINE, None);
    let declared = face_thresholds(1.0, Some(1.2), 1.0);
    let sens = rules.on_definitions("d.txt", &[(0, def("F1", SensorType::METHANE, "%CH4", FACE, declared))], t("2025-05-01 07:00:00"));
    assert!(sens.is_empty(), "stricter than the table is fine: {sens:#?}");
    let mut out = Vec::new();
    // 1.3 % is over the declared 1.2 % cut-off without the bit: the mine's own interlock failed.
    methane("F1", FACE).feed(&mut rules, "2025-05-01 08:00:00", 10, &[(0.3, 0), (1.3, 1), (0.3, 0)], &mut out);
    rules.finish(&mut out);
    assert_eq!(rules_of(&out), vec!["CM-4.2", "CSR-GAS-5"]);
    let cut = out.iter().find(|f| f.rule == "CM-4.2").unwrap();
    assert!(cut.title.contains("(cut-off 1.2 %)"), "{}", cut.title);
}

#[test]
fn declared_alarm_below_the_regulation_is_not_a_finding() {
    // The mine alarms at 0.8 % at the face; 0.9 % trips its alarm but no regulation limit.
    let mut rules = MonitoringRules::new(MINE, None);
    rules.on_definitions(
        "d.txt",
        &[(0, def("F1", SensorType::METHANE, "%", FACE, face_thresholds(0.8, Some(1.5), 0.8)))],
        t("2025-05-01 07:00:00"),
    );
    let mut out = Vec::new();
    methane("F1", FACE).feed(&mut rules, "2025-05-01 08:00:00", 10, &[(0.3, 0), (0.9, 1), (0.3, 0)], &mut out);
    rules.finish(&mut out);
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn lax_declared_cut_off() {
    let mut rules = MonitoringRules::new(MINE, None);
    let lax = face_thresholds(1.0, Some(2.0), 1.0);
    let t1 = t("2026-06-30 08:00:00");
    let f = rules.on_definitions("a_CDDY.txt", &[(4, def("F1", SensorType::METHANE, "%CH4", FACE, lax))], t1);
    assert_eq!(f.len(), 1);
    let s = &f[0];
    assert_eq!(s.rule, "CSR-SENS-1");
    assert_eq!((s.start, s.end), (t1, None));
    assert_eq!(s.severity, Severity::MajorHazard);
    assert!(s.has_tag("hook:CM-4.2") && s.has_tag("inferred") && s.has_tag("provisional"), "{:?}", s.tags);
    assert!(s.title.contains("cut-off 2.0 % above 1.5 %"), "{}", s.title);
    assert_eq!(s.evidence[0].record, Some(4));
    assert_eq!(s.evidence[0].point.as_deref(), Some("F1"));
    assert!(s.evidence[0].detail.as_deref().unwrap().contains("cut-off ≥ 1.5 %"));
    // Re-sent unchanged: not repeated.
    assert!(rules.on_definitions("b_CDDY.txt", &[(4, def("F1", SensorType::METHANE, "%CH4", FACE, lax))], t1.plus_secs(60)).is_empty());
    // Changed (still lax), after the switch: re-reported under the ORD21 hook.
    let lax2 = face_thresholds(1.2, Some(2.0), 1.0);
    let f = rules.on_definitions("c_CDDY.txt", &[(4, def("F1", SensorType::METHANE, "%CH4", FACE, lax2))], t("2026-07-01 08:00:00"));
    assert_eq!(f.len(), 1);
    assert!(f[0].has_tag("hook:CM26-11.5") && !f[0].has_tag("hook:CM-4.2"));
    assert!(f[0].title.contains("alarm 1.2 % above 1.0 %"));
    // A missing cut-off where the table has one counts; a registry class is not inferred.
    let info = registry(&[("R1", LocationClass::LongwallReturn)]);
    let mut rules = MonitoringRules::new(MINE, Some(&info));
    let f = rules.on_definitions(
        "a.txt",
        &[(0, def("R1", SensorType::METHANE, "%", RETURN, face_thresholds(1.0, None, 1.0)))],
        t("2025-05-01 08:00:00"),
    );
    assert_eq!(f.len(), 1);
    assert!(f[0].title.contains("no cut-off declared"), "{}", f[0].title);
    assert!(!f[0].has_tag("inferred") && !f[0].has_tag("provisional"));
    // CO sensors: alarm above 24 ppm is lax, at 24 ppm it is right.
    let co = |alarm| def("CO1", SensorType::CO, "ppm", RETURN, Thresholds { alarm_high: Some(alarm), ..Default::default() });
    let mut rules = MonitoringRules::new(MINE, None);
    assert!(rules.on_definitions("a.txt", &[(0, co(24.0))], t("2025-05-01 08:00:00")).is_empty());
    let f = rules.on_definitions("b.txt", &[(0, co(30.0))], t("2025-05-01 08:10:00"));
    assert_eq!(rules_of(&f), vec!["CSR-SENS-1"]);
    assert!(f[0].title.starts_with("CO sensor"), "{}", f[0].title);
}

fn face_at_three_percent(minutes: i64) -> Vec<(f64, u16)> {
    let mut v = vec![(3.2, 3); (minutes * 6) as usize + 1];
    v.push((0.3, 0));
    v
}

#[test]
fn three_percent_for_ten_minutes() {
    let info = registry(&[("F1", LocationClass::LongwallFace)]);
    let s = methane("F1", FACE);
    // 11 min at 3.2 % from 2026-07-01: CM26-2.8 (with CSR-GAS-4 for the same span).
    let f = run(Some(&info), &s, "2026-07-02 08:00:00", 10, &face_at_three_percent(11));
    assert_eq!(rules_of(&f), vec!["CM26-2.8", "CSR-GAS-4"]);
    let cm = f.iter().find(|f| f.rule == "CM26-2.8").unwrap();
    assert_eq!(cm.severity, Severity::MajorHazard);
    assert_eq!(cm.title, "Methane at the longwall face stayed at or over 3.0 % for 11 min (peak 3.2 %)");
    // Exactly 10 min is not more than 10 min.
    assert_eq!(rules_of(&run(Some(&info), &s, "2026-07-02 08:00:00", 10, &face_at_three_percent(10))), vec!["CSR-GAS-4"]);
    // Before 2026-07-01 the item does not exist.
    assert_eq!(rules_of(&run(Some(&info), &s, "2026-06-29 08:00:00", 10, &face_at_three_percent(11))), vec!["CSR-GAS-4"]);
}

#[test]
fn three_percent_excused_by_fan_stop_or_manual_event() {
    let info = registry(&[("F1", LocationClass::LongwallFace)]);
    let s = methane("F1", FACE);
    let fan = Series { point: "FAN1", name: "局部通风机", location: "1201局部通风机", unit: "" };
    // An auxiliary fan stops during the event.
    let mut rules = MonitoringRules::new(MINE, Some(&info));
    let mut out = Vec::new();
    fan.feed(&mut rules, "2026-07-02 07:59:00", 60, &plain(&[1.0]), &mut out);
    s.feed(&mut rules, "2026-07-02 08:00:00", 10, &face_at_three_percent(5), &mut out);
    fan.feed(&mut rules, "2026-07-02 08:05:05", 60, &plain(&[0.0]), &mut out);
    s.feed(&mut rules, "2026-07-02 08:05:15", 10, &face_at_three_percent(8), &mut out);
    rules.finish(&mut out);
    assert!(!out.iter().any(|f| f.rule == "CM26-2.8"), "{:?}", rules_of(&out));
    // A registry power outage overlapping the event.
    let mut info2 = info.clone();
    info2.manual_events.push(ManualEvent {
        kind: "power_outage".into(),
        start: t("2026-07-02 07:50:00"),
        end: Some(t("2026-07-02 08:03:00")),
        places: vec![],
    });
    assert!(!run(Some(&info2), &s, "2026-07-02 08:00:00", 10, &face_at_three_percent(11)).iter().any(|f| f.rule == "CM26-2.8"));
    // An event elsewhere or of another kind does not excuse it.
    let mut info3 = info.clone();
    info3.manual_events.push(ManualEvent {
        kind: "drill_blowout".into(),
        start: t("2026-07-02 07:50:00"),
        end: None,
        places: vec!["F9".into()],
    });
    info3.manual_events.push(ManualEvent { kind: "extreme_weather".into(), start: t("2026-07-02 07:50:00"), end: None, places: vec![] });
    assert!(run(Some(&info3), &s, "2026-07-02 08:00:00", 10, &face_at_three_percent(11)).iter().any(|f| f.rule == "CM26-2.8"));
    // A standby main fan that was never seen running reads 0 all along: no excuse.
    let standby = Series { point: "FAN2", name: "主通风机", location: "主要通风机2号(备用)", unit: "" };
    let mut rules = MonitoringRules::new(MINE, Some(&info));
    let mut out = Vec::new();
    standby.feed(&mut rules, "2026-07-02 07:59:00", 60, &plain(&[0.0]), &mut out);
    s.feed(&mut rules, "2026-07-02 08:00:00", 10, &face_at_three_percent(11), &mut out);
    standby.feed(&mut rules, "2026-07-02 08:30:00", 60, &plain(&[0.0]), &mut out);
    rules.finish(&mut out);
    assert!(out.iter().any(|f| f.rule == "CM26-2.8"), "{:?}", rules_of(&out));
}

#[test]
fn finding_ids_are_stable_and_distinct_per_point() {
    let mut rules = MonitoringRules::new(MINE, None);
    let mut out = Vec::new();
    methane("A", FACE).feed(&mut rules, "2025-05-01 08:00:00", 10, &[(1.6, 3), (0.3, 0)], &mut out);
    methane("B", FACE).feed(&mut rules, "2025-05-01 08:00:00", 10, &[(1.6, 3), (0.3, 0)], &mut out);
    assert_eq!(out.len(), 2);
    assert_ne!(out[0].id, out[1].id);
    let again = run(None, &methane("A", FACE), "2025-05-01 08:00:00", 10, &[(1.6, 3), (0.3, 0)]);
    assert_eq!(again[0].id, out[0].id);
}

#[test]
fn memory_follows_points_not_readings() {
    let mut rules = MonitoringRules::new(MINE, None);
    let mut out = Vec::new();
    let s = methane("F1", FACE);
    for round in 0..50 {
        let start = t("2025-05-01 08:00:00").plus_secs(round * 1000);
        s.feed(&mut rules, &start.upload_format(), 10, &[(0.3, 0), (1.6, 3), (1.7, 3), (0.3, 0)], &mut out);
    }
    assert_eq!(out.len(), 50);
    assert_eq!(rules.points.len(), 1);
    let st = &rules.points["F1"];
    assert!(st.open.is_empty() && st.checks.len() <= 8);
}
