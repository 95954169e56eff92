//! Pinning tests of FC-1; the first name matches `tables/catalog.toml`.

use minesafe_model::registry::{MineInfo, PointEntry};
use minesafe_model::{Finding, LocationClass, MineCode, Reading, Severity, Status, Timestamp};

use super::*;
use crate::detector::{Detector, Upload, TAG_OPEN};

const MINE: &str = "999900000001";
const FACE: &str = "1201综采工作面T1";

fn t0() -> Timestamp {
    Timestamp::parse_beijing("2026-03-02 08:00:00").unwrap()
}

fn registry(points: &[(&str, LocationClass)]) -> MineInfo {
    let mut info = MineInfo::new(MineCode::parse(MINE).unwrap());
    info.points = points.iter().map(|(c, k)| PointEntry { code: c.to_string(), class: *k }).collect();
    info
}

/// One point's readings: `(seconds after t0, value, status)`.
fn feed(rules: &mut ForecastRules, point: &str, location: &str, series: &[(i64, f64, u16)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, &(dt, v, status)) in series.iter().enumerate() {
        let time = t0().plus_secs(dt);
        let file = format!("{MINE}_CDSS_{}.txt", time.compact_format());
        let up = Upload { file: &file, family: "CDSS", time };
        let r = Reading { point, sensor_name: "甲烷", location, unit: "%CH4", value: Some(v), status: Status(status), time };
        rules.on_reading(&up, i, &r, &mut out);
    }
    rules.finish(t0().plus_secs(series.last().map_or(0, |s| s.0)), &mut out);
    out
}

fn face_rules() -> ForecastRules {
    let info = registry(&[("MM116", LocationClass::LongwallFace)]);
    ForecastRules::new(MINE, Some(&info), &ForecastConfig::default())
}

/// Deterministic noise in [-1, 1] (a small LCG), so tests need no RNG crate.
fn noise(seed: &mut u64) -> f64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((*seed >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
}

/// Rounds to the sensor's 0.1 % resolution.
fn q01(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// `minutes` of a quantised quiet series around `level`, every `step` seconds.
fn quiet(level: f64, minutes: i64, step: i64, seed: &mut u64) -> Vec<(i64, f64, u16)> {
    (0..minutes * 60 / step).map(|i| (i * step, q01(level + 0.04 * noise(seed)), 0)).collect()
}

/// Appends a ramp of `per_min` %/min from the end of `s` up to `to`.
fn ramp(s: &mut Vec<(i64, f64, u16)>, from: f64, to: f64, per_min: f64, step: i64) {
    let start = s.last().map_or(0, |l| l.0 + step);
    let mut k = 0;
    loop {
        let v = from + per_min * (k * step) as f64 / 60.0;
        s.push((start + k * step, (v * 100.0).round() / 100.0, 0));
        if v >= to {
            break;
        }
        k += 1;
    }
}

fn first_alarm_time(s: &[(i64, f64, u16)], alarm: f64) -> Timestamp {
    let dt = s.iter().find(|r| r.1 >= alarm - 1e-9).map(|r| r.0).expect("series reaches the alarm");
    t0().plus_secs(dt)
}

/// A rising face: FC-1 opens while the reading is still under 1.0 %, minutes before
/// the first alarm-level reading, and closes tagged `reached-alarm` when it comes.
#[test]
fn warns_before_alarm_threshold() {
    let mut seed = 7;
    let mut s = quiet(0.5, 60, 30, &mut seed);
    ramp(&mut s, 0.5, 1.2, 0.1, 30);
    let alarm_at = first_alarm_time(&s, 1.0);
    let out = feed(&mut face_rules(), "MM116", FACE, &s);
    let fc: Vec<_> = out.iter().filter(|f| f.rule == RULE).collect();
    assert_eq!(fc.len(), 2, "opened once, closed once: {fc:#?}");
    let (opened, closed) = (fc[0], fc[1]);
    assert_eq!(opened.id, closed.id);
    assert!(opened.has_tag(TAG_OPEN) && opened.end.is_none());
    assert_eq!(opened.severity, Severity::Warning);
    assert!(opened.start < alarm_at);
    let lead = alarm_at.secs_since(opened.start);
    assert!((60..=300).contains(&lead), "lead {lead} s");
    // Every cited reading is under the alarm level and no later than the warning.
    assert!(opened.evidence.len() >= 4);
    assert!(opened.evidence.iter().all(|e| e.value.is_some_and(|v| v < 1.0) && e.time.is_some_and(|t| t <= opened.start)));
    assert!(opened.evidence.iter().all(|e| e.file.contains("_CDSS_") && e.point.as_deref() == Some("MM116")));
    assert!(opened.evidence.last().and_then(|e| e.detail.as_deref()).is_some_and(|d| d.contains("forecast maximum")));
    let c = opened.confidence.expect("calibrated after an hour of history");
    assert!(c > 0.0 && c < 1.0);
    assert!(opened.title.contains("1.0 % alarm level") && opened.title.contains("longwall face"), "{}", opened.title);
    assert_eq!(opened.place.as_deref(), Some(FACE));
    assert!(!opened.has_tag("inferred"));
    assert!(closed.has_tag(TAG_REACHED) && !closed.has_tag(TAG_OPEN));
    assert_eq!(closed.end, Some(alarm_at));
}

#[test]
fn steady_ramp_warns_before_history_exists() {
    // No calibration yet: the trend alone warns, and the finding says so.
    let mut s = vec![];
    ramp(&mut s, 0.4, 1.1, 0.1, 30);
    let alarm_at = first_alarm_time(&s, 1.0);
    let out = feed(&mut face_rules(), "MM116", FACE, &s);
    let opened = out.iter().find(|f| f.rule == RULE).expect("a warning");
    assert!(opened.start < alarm_at && alarm_at.secs_since(opened.start) >= 60);
    assert!(opened.has_tag(TAG_UNCALIBRATED) && opened.confidence.is_none());
}

#[test]
fn flat_and_noisy_series_do_not_warn() {
    let mut seed = 11;
    // Flat at 0.5 % for 8 h.
    let flat: Vec<_> = (0..960).map(|i| (i * 30, 0.5, 0)).collect();
    assert!(feed(&mut face_rules(), "MM116", FACE, &flat).is_empty());
    // Noisy (±0.15 %, quantised) around 0.6 % for 8 h, at 10 s.
    let noisy: Vec<_> = (0..2880).map(|i| (i * 10, q01(0.6 + 0.15 * noise(&mut seed)), 0)).collect();
    let out = feed(&mut face_rules(), "MM116", FACE, &noisy);
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn quantised_values_hovering_at_the_threshold_warn_once() {
    // 0.8 % quiet, then a 0.1 % quantised walk up to 0.9 % hovering across 1.0 %:
    // one warning for the approach, no new warning per dip back to 0.9 %.
    let mut seed = 3;
    let mut s = quiet(0.8, 60, 30, &mut seed);
    let t = s.last().map_or(0, |l| l.0);
    for (k, v) in [0.8, 0.9, 0.9, 0.9, 0.9, 1.0, 0.9, 1.0, 0.9, 0.9, 1.0, 1.0, 0.9, 1.0, 0.9, 1.0].into_iter().enumerate() {
        s.push((t + 30 * (k as i64 + 1), v, 0));
    }
    let out = feed(&mut face_rules(), "MM116", FACE, &s);
    let ids: std::collections::BTreeSet<_> = out.iter().filter(|f| f.rule == RULE).map(|f| f.id.clone()).collect();
    assert_eq!(ids.len(), 1, "{out:#?}");
    let first = out.iter().find(|f| f.rule == RULE).unwrap();
    assert!(first.start < first_alarm_time(&s[120..], 1.0));
}

#[test]
fn gap_in_data_closes_the_warning_and_resets_the_trend() {
    let mut seed = 5;
    let mut s = quiet(0.5, 60, 30, &mut seed);
    ramp(&mut s, 0.5, 0.92, 0.1, 30);
    let before_gap = s.last().map(|l| l.0).unwrap();
    // Ten minutes of silence, then a reading back at 0.5 %.
    s.push((before_gap + 600, 0.5, 0));
    let out = feed(&mut face_rules(), "MM116", FACE, &s);
    let fc: Vec<_> = out.iter().filter(|f| f.rule == RULE).collect();
    assert_eq!(fc.len(), 2, "{fc:#?}");
    let closed = fc[1];
    assert!(!closed.has_tag(TAG_REACHED) && !closed.has_tag(TAG_OPEN));
    assert_eq!(closed.end, Some(t0().plus_secs(before_gap)));
    assert!(closed.evidence.last().and_then(|e| e.detail.as_deref()).is_some_and(|d| d.contains("gap")));

    // The forecaster itself restarts: one reading in the window, no trend.
    let mut fc = Forecaster::new(&ForecastConfig::default());
    for i in 0..10 {
        fc.push(Sample { time: t0().plus_secs(i * 30), value: 0.5 + 0.05 * i as f64, record: 0, upload: 0 });
    }
    let f = fc.push(Sample { time: t0().plus_secs(9 * 30 + 400), value: 0.5, record: 0, upload: 0 }).unwrap();
    assert!(f.restarted);
    assert_eq!(f.trend_per_min, 0.0);
    assert_eq!(fc.window().count(), 1);
}

#[test]
fn unreliable_reading_closes_the_warning() {
    let mut seed = 9;
    let mut s = quiet(0.5, 60, 30, &mut seed);
    ramp(&mut s, 0.5, 0.92, 0.1, 30);
    let last = s.last().map(|l| l.0).unwrap();
    s.push((last + 30, 0.93, Status::CALIBRATION));
    let out = feed(&mut face_rules(), "MM116", FACE, &s);
    let fc: Vec<_> = out.iter().filter(|f| f.rule == RULE).collect();
    assert_eq!(fc.len(), 2);
    assert_eq!(fc[1].end, Some(t0().plus_secs(last + 30)));
    assert!(fc[1].evidence.last().is_some_and(|e| e.status_bits.contains(&"calibration".to_string())));
}

#[test]
fn sampling_interval_does_not_change_the_lead_much() {
    let mut leads = vec![];
    for step in [10, 30, 60] {
        let mut seed = 21;
        let mut s = quiet(0.5, 60, step, &mut seed);
        ramp(&mut s, 0.5, 1.2, 0.1, step);
        let alarm_at = first_alarm_time(&s, 1.0);
        let out = feed(&mut face_rules(), "MM116", FACE, &s);
        let opened = out.iter().find(|f| f.rule == RULE).expect("warned");
        leads.push(alarm_at.secs_since(opened.start));
    }
    let (min, max) = (leads.iter().min().unwrap(), leads.iter().max().unwrap());
    assert!(*min >= 60 && max - min <= 90, "{leads:?}");
}

#[test]
fn only_methane_at_faces_and_their_returns_is_watched() {
    let mut s = vec![];
    ramp(&mut s, 0.2, 0.7, 0.1, 30);
    // Intake (alarm 0.5 only in outburst mines; watched nowhere), a roadway, CO at a face.
    let info = registry(&[("IN", LocationClass::LongwallIntake), ("RW", LocationClass::OtherRoadway)]);
    let mut rules = ForecastRules::new(MINE, Some(&info), &ForecastConfig::default());
    assert!(feed(&mut rules, "IN", "1201工作面进风巷", &s).is_empty());
    assert!(feed(&mut rules, "RW", "+600水平车场", &s).is_empty());
    let mut out = vec![];
    let up = Upload { file: "x", family: "CDSS", time: t0() };
    for (i, &(dt, v, _)) in s.iter().enumerate() {
        let r = Reading {
            point: "CO1",
            sensor_name: "一氧化碳",
            location: FACE,
            unit: "ppm",
            value: Some(v * 100.0),
            status: Status(0),
            time: t0().plus_secs(dt),
        };
        rules.on_reading(&up, i, &r, &mut out);
    }
    assert!(out.is_empty());
    assert!(watched(LocationClass::ReturnCorner) && watched(LocationClass::HeadingReturn) && !watched(LocationClass::MainReturn));
}

#[test]
fn inferred_class_is_tagged() {
    // No registry: the class is read from the installation text (回风巷 T2 → longwall return).
    let mut s = vec![];
    ramp(&mut s, 0.4, 1.1, 0.1, 30);
    let mut rules = ForecastRules::new(MINE, None, &ForecastConfig::default());
    let out = feed(&mut rules, "T2", "1201工作面回风巷T2", &s);
    let f = out.iter().find(|f| f.rule == RULE).expect("warned");
    assert!(f.has_tag("inferred") && f.title.contains("longwall return"));
}

#[test]
fn resent_and_bad_readings_are_ignored_by_the_forecaster() {
    let mut fc = Forecaster::new(&ForecastConfig::default());
    let s = |dt: i64, v: f64| Sample { time: t0().plus_secs(dt), value: v, record: 0, upload: 0 };
    assert!(fc.push(s(0, 0.5)).is_some());
    assert!(fc.push(s(0, 0.9)).is_none(), "re-sent snapshot");
    assert!(fc.push(s(-30, 0.9)).is_none(), "older reading");
    assert!(fc.push(s(30, f64::NAN)).is_none());
    assert_eq!(fc.window().count(), 1);
}

#[test]
fn rise_quantile_is_calibrated_on_realised_rises() {
    // A saw-tooth 0.5, 0.6, 0.5, 0.6 … every 30 s: from a 0.5 reading the next 3 min
    // reach 0.6 (+0.1); from a 0.6 reading also 0.6 (+0.0). Median 0.0 or 0.1, 90th 0.1.
    let cfg = ForecastConfig::default();
    let mut fc = Forecaster::new(&cfg);
    let mut last = None;
    for i in 0..200 {
        let v = if i % 2 == 0 { 0.5 } else { 0.6 };
        last = fc.push(Sample { time: t0().plus_secs(i * 30), value: v, record: 0, upload: 0 });
    }
    let f = last.unwrap();
    assert!((f.rise_quantile - 0.1).abs() < 1e-9, "{f:?}");
    assert!(f.history > 150);
    assert!((f.upper - 0.7).abs() < 1e-9);
    // Half the realised rises were +0.1: the chance of at least +0.1 is about ½, of +0.2 about 0.
    let c = fc.chance_of_rise(0.1).unwrap();
    assert!((c - 0.5).abs() < 0.05, "{c}");
    assert!(fc.chance_of_rise(0.2).unwrap() < 0.01);
    // History older than `history_secs` is forgotten.
    let f = fc.push(Sample { time: t0().plus_secs(200 * 30 + cfg.history_secs + 3600), value: 0.5, record: 0, upload: 0 }).unwrap();
    assert_eq!(f.history, 0);
}

#[test]
fn gate_hysteresis() {
    let cfg = ForecastConfig::default();
    let mut g = WarningGate::new(&cfg);
    let t = |s: i64| t0().plus_secs(s);
    assert_eq!(g.step(t(0), 0.9, 1.0, 1.0), [None, Some(GateEvent::Opened)]);
    // Forecast dips a little under the alarm: stays open (hysteresis).
    assert_eq!(g.step(t(30), 0.9, 0.95, 1.0), [None, None]);
    assert!(g.warning());
    assert_eq!(g.step(t(60), 0.7, 0.85, 1.0), [Some(GateEvent::Closed(Close::Cleared)), None]);
    assert_eq!(g.step(t(90), 0.9, 1.0, 1.0), [None, Some(GateEvent::Opened)]);
    assert_eq!(g.step(t(120), 1.0, 1.1, 1.0), [Some(GateEvent::Closed(Close::ReachedAlarm)), None]);
    // Back under the alarm, the forecast still high: hot, no new warning until H passed.
    assert_eq!(g.step(t(150), 0.9, 1.0, 1.0), [None, None]);
    assert_eq!(g.step(t(300), 0.9, 1.0, 1.0), [None, None]);
    assert_eq!(g.step(t(330), 0.9, 1.0, 1.0), [None, Some(GateEvent::Opened)]);
    assert_eq!(g.reset(), Some(GateEvent::Closed(Close::Broken)));
    assert_eq!(g.reset(), None);
}

#[test]
fn default_config_is_documented_values() {
    let c = ForecastConfig::default();
    assert_eq!((c.horizon_secs, c.trend_secs, c.history_secs, c.max_gap_secs), (180, 300, 14_400, 180));
    assert!((c.quantile - 0.9).abs() < 1e-12 && (c.clear_margin - 0.1).abs() < 1e-12);
}
