//! The live-supervision injections one by one: every new kind is injected into one
//! mine over two days, the files are parsed back with the formats crate, and each
//! test shows the injected condition in them (values, statuses, missing points and
//! files, late delivery, definitions) at the place and in the window of its truth line.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use minesafe_formats::{decode, CdssRecord, Document, FileName, ParseOptions, SubstationState};
use minesafe_model::monitoring::{LinkState, RelationKind};
use minesafe_model::{PointDef, Position, PositionState, SensorType, Status, Timestamp};
use minesafe_sim::{simulate_files, Injection, InjectionKind, SimConfig, SimOutput, TruthLine};

/// The kinds added for live supervision.
const NEW: [&str; 13] = [
    "restore_early",
    "aux_fan_stop_powered",
    "covered_sensor",
    "cloned_series",
    "loosened_thresholds",
    "stuck_sensor",
    "time_backwards",
    "calibration_in_production",
    "silent_point",
    "silent_with_people",
    "ignored_evacuation",
    "upload_gap",
    "late_backfill",
];

/// One CDSS record: (file time, record time, value, status).
type Rec = (Timestamp, Timestamp, f64, u16);

#[derive(Default)]
struct Mine {
    /// CDSS records by point code.
    series: BTreeMap<String, Vec<Rec>>,
    /// CDSS file times, and whether the file came late.
    cdss: BTreeMap<Timestamp, bool>,
    fzss: BTreeMap<Timestamp, Vec<SubstationState>>,
    cddy: Vec<(Timestamp, BTreeMap<String, PointDef>)>,
    /// People underground per (RYSS time, area code).
    ryss: BTreeMap<(Timestamp, String), u32>,
    /// File names in delivery order, and the late ones.
    order: Vec<(String, bool)>,
    rejected: usize,
}

impl Mine {
    fn def(&self, location: &str, st: SensorType) -> &PointDef {
        let (_, defs) = self.cddy.last().unwrap();
        defs.values().find(|d| d.location == location && d.sensor_type == st).unwrap_or_else(|| panic!("no {st:?} at {location}"))
    }

    fn def_by_code(&self, code: &str) -> &PointDef {
        &self.cddy.last().unwrap().1[code]
    }

    fn window(&self, code: &str, from: Timestamp, to: Timestamp) -> Vec<Rec> {
        self.series[code].iter().copied().filter(|r| from <= r.0 && r.0 <= to).collect()
    }

    fn value_at(&self, code: &str, t: Timestamp) -> Option<f64> {
        self.series[code].iter().find(|r| r.0 == t).map(|r| r.2)
    }

    fn people(&self, t: Timestamp, area: &str) -> u32 {
        self.ryss.get(&(t, area.to_string())).copied().unwrap_or(0)
    }
}

struct Run {
    out: SimOutput,
    mine: Mine,
}

impl Run {
    fn truth(&self, kind: &str) -> &TruthLine {
        self.out.truth.iter().find(|t| t.kind == kind).unwrap_or_else(|| panic!("no truth line for {kind}: {:#?}", self.out.truth))
    }
}

fn cfg() -> SimConfig {
    SimConfig {
        mines: 1,
        days: 2,
        injections: NEW.iter().map(|k| Injection::parse(&format!("{k}@1")).unwrap()).collect(),
        ..SimConfig::default()
    }
}

fn parse(m: &mut Mine, name: &str, bytes: &[u8], late: bool) {
    let opts = ParseOptions::default();
    m.order.push((name.to_string(), late));
    let fname = FileName::parse(name).unwrap();
    let decoded = decode(bytes).unwrap();
    let doc = Document::split(&fname, &decoded.text, &opts).unwrap();
    let t = fname.time;
    match fname.kind.as_str() {
        "CDDY" => {
            let p = doc.parse::<PointDef>(&opts).unwrap();
            m.rejected += p.rejected.len();
            m.cddy.push((t, p.accepted.into_iter().map(|(_, d)| (d.code.clone(), d)).collect()));
        }
        "CDSS" => {
            let p = doc.parse::<CdssRecord>(&opts).unwrap();
            m.rejected += p.rejected.len();
            m.cdss.insert(t, late);
            for (_, r) in p.accepted {
                m.series.entry(r.point.to_string()).or_default().push((t, r.time, r.value.unwrap(), r.status.0));
            }
        }
        "FZSS" => {
            let p = doc.parse::<SubstationState>(&opts).unwrap();
            m.rejected += p.rejected.len();
            m.fzss.insert(t, p.accepted.into_iter().map(|(_, s)| s).collect());
        }
        "RYSS" => {
            let p = doc.parse::<Position>(&opts).unwrap();
            m.rejected += p.rejected.len();
            for (_, r) in p.accepted {
                if r.state == PositionState::Underground {
                    *m.ryss.entry((t, r.area.unwrap())).or_default() += 1;
                }
            }
        }
        _ => {}
    }
}

/// The two-day run with every new kind in mine 1, parsed once for all tests.
fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let mut mine = Mine::default();
        let out = simulate_files(&cfg(), &mut |f| {
            parse(&mut mine, f.name, f.bytes, f.late);
            Ok(())
        })
        .unwrap();
        // Late files are parsed in delivery order; keep the series in time order.
        for s in mine.series.values_mut() {
            s.sort_by_key(|r| r.0);
        }
        Run { out, mine }
    })
}

fn hours(a: Timestamp, b: Timestamp) -> f64 {
    b.secs_since(a) as f64 / 3600.0
}

/// Producing shifts: 00–08 and 16–24 (08–16 is maintenance).
fn producing(t: Timestamp) -> bool {
    !(8 * 3600..16 * 3600).contains(&(t.beijing_seconds_of_day() as i64))
}

#[test]
fn every_new_kind_has_its_truth_line_and_rules() {
    let r = run();
    assert_eq!(r.mine.rejected, 0);
    assert_eq!(r.out.truth.len(), NEW.len(), "{:#?}", r.out.truth);
    for k in NEW {
        let t = r.truth(k);
        let kind = InjectionKind::parse(k).unwrap();
        assert_eq!(t.rules, kind.rules(t.start));
        assert!(t.start <= t.end && !t.place.is_empty(), "{t:?}");
        assert_eq!(t.mine, "999901000001");
    }
    let ids = |k: &str| r.truth(k).rules.clone();
    assert_eq!(ids("restore_early")[0], "MON-11");
    assert_eq!(ids("aux_fan_stop_powered"), ["MON-12"]);
    assert_eq!(ids("covered_sensor"), ["MON-4"]);
    assert_eq!(ids("cloned_series"), ["MON-5"]);
    assert_eq!(ids("loosened_thresholds")[0], "MON-8");
    assert_eq!(ids("stuck_sensor"), ["MON-3"]);
    assert_eq!(ids("time_backwards"), ["MON-6"]);
    assert_eq!(ids("calibration_in_production"), ["MON-7"]);
    assert_eq!(ids("silent_point"), ["MON-2"]);
    assert!(ids("silent_with_people").starts_with(&["MON-9".to_string(), "MON-2".to_string()]));
    assert!(ids("ignored_evacuation").starts_with(&["ALM-2".to_string(), "ALM-3".to_string()]));
    assert!(ids("ignored_evacuation").contains(&"CM26-11.4".to_string()), "event after 2026-07-01 cites ORD21");
    assert_eq!(ids("upload_gap")[0], "MON-1");
    assert_eq!(ids("late_backfill")[0], "MON-1");
    assert!(r.truth("late_backfill").delivery_order_only() && !r.truth("upload_gap").delivery_order_only());
    // Thirteen injections fit in two days of one mine without overlapping.
    let mut spans: Vec<(Timestamp, Timestamp)> =
        r.out.truth.iter().filter(|t| t.kind != "loosened_thresholds").map(|t| (t.start, t.end)).collect();
    spans.sort();
    assert!(spans.windows(2).all(|w| w[0].1 < w[1].0), "{spans:?}");
}

#[test]
fn restore_early_powers_the_heading_while_methane_is_over_the_restore_level() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("restore_early"));
    let def = m.def(&t.place, SensorType::METHANE);
    let restore = def.thresholds.restore_high.unwrap();
    let feeders: Vec<&str> = def.relations.iter().filter(|x| x.kind == RelationKind::PowerCut).map(|x| x.point.as_str()).collect();
    assert!(!feeders.is_empty());
    let w = m.window(&def.code, t.start, t.end);
    let cut = w.iter().position(|r| r.3 & Status::POWER_CUT != 0).expect("the cut works first");
    assert!(w[cut].2 >= 1.5 && feeders.iter().all(|f| m.value_at(f, w[cut].0) == Some(0.0)));
    let early: Vec<&Rec> = w[cut..]
        .iter()
        .filter(|r| r.2 >= restore && r.3 & Status::POWER_CUT == 0 && feeders.iter().all(|f| m.value_at(f, r.0) == Some(1.0)))
        .collect();
    assert!(early.len() >= 3, "powered while ≥ {restore} %: {early:?}");
    assert!(early.iter().all(|r| r.2 < 1.5 && r.3 == Status::ALARM));
}

#[test]
fn aux_fan_stops_while_the_heading_keeps_power() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("aux_fan_stop_powered"));
    let fan = m.def(&t.place, SensorType::AUX_FAN);
    let feeder = m.def(&t.place.replace("局部通风机(主)", "馈电器"), SensorType::FEEDER);
    let w = m.window(&fan.code, t.start, t.end);
    assert!(w.len() >= 9 && w.iter().all(|r| r.2 == 0.0), "{w:?}");
    assert!(w.iter().all(|r| m.value_at(&feeder.code, r.0) == Some(1.0)), "feeder keeps power");
    assert_eq!(m.value_at(&fan.code, t.start.plus_secs(-60)), Some(1.0));
    assert_eq!(m.value_at(&fan.code, t.end.plus_secs(60)), Some(1.0));
    assert!(producing(t.start));
}

#[test]
fn covered_sensor_reads_near_zero_while_its_air_path_moves() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("covered_sensor"));
    let t1 = m.def(&t.place, SensorType::METHANE);
    assert!(hours(t.start, t.end) >= 1.0 && producing(t.start) && producing(t.end));
    let w = m.window(&t1.code, t.start, t.end);
    assert!(w.len() >= 60 && w.iter().all(|r| (0.02..=0.05).contains(&r.2) && r.3 == 0), "{:?}", &w[..3]);
    // Outside the window the sensor reads like a face sensor.
    assert!(m.value_at(&t1.code, t.start.plus_secs(-120)).unwrap() > 0.1);
    // The registry lists it on an air path whose other methane sensors move normally meanwhile.
    let info = &r.out.registry.mines[0];
    let path = info.air_paths.iter().find(|a| a.points.contains(&t1.code)).expect("T1 on an air path");
    let neighbours: Vec<&String> =
        path.points.iter().filter(|c| **c != t1.code && m.def_by_code(c).sensor_type == SensorType::METHANE).collect();
    assert!(neighbours.len() >= 3);
    for n in neighbours {
        let v: Vec<f64> = m.window(n, t.start, t.end).iter().map(|r| r.2).collect();
        let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(lo > 0.05 && hi - lo > 0.03, "{n}: {lo}–{hi}");
    }
}

#[test]
fn cloned_series_copies_another_point_exactly() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("cloned_series"));
    let target = m.def(&t.place, SensorType::METHANE);
    let w = m.window(&target.code, t.start, t.end);
    assert!(w.len() >= 60 && hours(t.start, t.end) >= 1.0);
    let sources: Vec<&String> = m
        .series
        .keys()
        .filter(|c| **c != target.code && m.def_by_code(c).sensor_type == SensorType::METHANE)
        .filter(|c| w.iter().all(|r| m.value_at(c, r.0) == Some(r.2)))
        .collect();
    assert_eq!(sources.len(), 1, "exactly one source");
    // Outside the window the two series are their own.
    let before = m.window(&target.code, t.start.plus_secs(-3 * 3600), t.start.plus_secs(-60));
    let same = before.iter().filter(|r| m.value_at(sources[0], r.0) == Some(r.2)).count();
    assert!(same * 4 < before.len(), "{same} of {} equal before the window", before.len());
}

#[test]
fn loosened_thresholds_come_in_a_later_cddy() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("loosened_thresholds"));
    let code = m.def(&t.place, SensorType::METHANE).code.clone();
    let at = m.cddy.iter().position(|(time, _)| *time == t.start).expect("a CDDY at the start of the truth line");
    assert!(at > 0, "not the first CDDY");
    let (old, new) = (m.cddy[at - 1].1[&code].thresholds, m.cddy[at].1[&code].thresholds);
    assert!(new.alarm_high > old.alarm_high && new.cut_high > old.cut_high, "{old:?} → {new:?}");
    assert!(m.cddy[at..].iter().all(|(_, d)| d[&code].thresholds == new), "stays loosened");
    assert_eq!(t.end, *m.cdss.keys().last().unwrap());
    // Nothing else changed in that CDDY.
    for (c, d) in &m.cddy[at].1 {
        if *c != code {
            assert_eq!(d.thresholds, m.cddy[at - 1].1[c].thresholds);
        }
    }
}

#[test]
fn stuck_sensor_is_flat_for_two_hours_of_production_below_its_alarm() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("stuck_sensor"));
    let def = m.def(&t.place, SensorType::METHANE);
    let w = m.window(&def.code, t.start, t.end);
    assert!(hours(t.start, t.end) >= 2.0 && producing(t.start) && producing(t.end));
    let v = w[0].2;
    assert!(v > 0.0 && v < def.thresholds.alarm_high.unwrap() && w.iter().all(|r| r.2 == v && r.3 == 0), "{v}");
    // The heading works meanwhile: its roadheader runs at times.
    let machine = m.def(&t.place.replace("工作面T1", "").replace("掘进", "掘进机"), SensorType::DEVICE_ON_OFF);
    assert!(m.window(&machine.code, t.start, t.end).iter().any(|r| r.2 == 1.0));
    let before: BTreeSet<u64> =
        m.window(&def.code, t.start.plus_secs(-7200), t.start.plus_secs(-60)).iter().map(|r| r.2.to_bits()).collect();
    assert!(before.len() > 5, "the sensor moved before it stuck");
}

#[test]
fn time_backwards_repeats_then_reverses_the_record_time() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("time_backwards"));
    let def = m.def(&t.place, SensorType::CO);
    let w = m.window(&def.code, t.start, t.end);
    assert_eq!(w.len(), 8);
    assert_eq!(w[0].1, t.start.plus_secs(-60), "the first repeats the previous snapshot's time");
    assert!(w.windows(2).all(|p| p[1].1 < p[0].1), "record times go backwards");
    assert!(w.iter().all(|r| r.1 < r.0));
    let outside = m.series[&def.code].iter().filter(|r| r.0 < t.start || r.0 > t.end);
    assert!(outside.clone().all(|r| r.1 == r.0));
    assert!(m.series.iter().filter(|(c, _)| **c != def.code).all(|(_, s)| s.iter().all(|r| r.1 == r.0)));
}

#[test]
fn calibration_status_during_a_producing_shift() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("calibration_in_production"));
    let def = m.def(&t.place, SensorType::METHANE);
    assert!(hours(t.start, t.end) >= 0.7 && producing(t.start) && producing(t.end));
    let flagged: Vec<Rec> = m.series[&def.code].iter().copied().filter(|r| r.3 & Status::CALIBRATION != 0).collect();
    assert!(flagged.len() >= 42, "{}", flagged.len());
    assert!(flagged.iter().all(|r| t.start <= r.0 && r.0 <= t.end && r.3 == Status::CALIBRATION));
    assert!(flagged.iter().all(|r| r.2 < def.thresholds.alarm_high.unwrap()), "normal values under the test");
}

/// CDSS file times of the mine in [from, to].
fn snapshots(m: &Mine, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
    m.cdss.range(from..=to).map(|(t, _)| *t).collect()
}

#[test]
fn silent_point_is_missing_while_its_substation_is_up() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("silent_point"));
    let def = m.cddy.last().unwrap().1.values().find(|d| d.location == t.place && m.window(&d.code, t.start, t.end).is_empty()).unwrap();
    let snaps = snapshots(m, t.start, t.end);
    assert!(snaps.len() >= 30 && hours(t.start, t.end) >= 0.48);
    assert!(m.value_at(&def.code, t.start.plus_secs(-60)).is_some() && m.value_at(&def.code, t.end.plus_secs(60)).is_some());
    // Every other point reports meanwhile.
    let others = m.series.values().filter(|s| s.iter().any(|r| r.0 == snaps[0])).count();
    assert_eq!(others, m.cddy.last().unwrap().1.len() - 1);
    // FZSS shows its substation communicating throughout.
    let states: Vec<&SubstationState> =
        m.fzss.range(t.start..=t.end).flat_map(|(_, v)| v.iter().filter(|s| s.code == def.substation)).collect();
    assert!(states.len() >= 6 && states.iter().all(|s| s.run == LinkState::Normal));
    // It maps to no area: neither a face nor an air path lists it.
    let info = &r.out.registry.mines[0];
    assert!(info.faces.iter().all(|f| !f.points.contains(&def.code)));
    assert!(info.air_paths.iter().all(|a| !a.points.contains(&def.code)));
}

#[test]
fn silent_with_people_drops_a_face_while_its_crew_works() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("silent_with_people"));
    let info = &r.out.registry.mines[0];
    let face = info.faces.iter().find(|f| f.name == t.place).expect("the place is a registry face");
    assert!(face.points.len() >= 20);
    let snaps = snapshots(m, t.start, t.end);
    assert!(snaps.len() >= 30);
    for p in &face.points {
        assert!(m.window(p, t.start, t.end).is_empty(), "{p} silent");
        assert!(m.value_at(p, t.start.plus_secs(-60)).is_some());
    }
    let area = &face.areas[0];
    let ryss: Vec<Timestamp> = m.ryss.keys().map(|k| k.0).filter(|x| t.start <= *x && *x <= t.end).collect();
    assert!(ryss.len() >= 5 && ryss.iter().all(|x| m.people(*x, area) >= 5), "crew present in {area}");
    // FZSS still shows the face's substations up.
    let subs: BTreeSet<&str> = face.points.iter().map(|p| m.def_by_code(p).substation.as_str()).collect();
    for (_, states) in m.fzss.range(t.start..=t.end) {
        assert!(subs.iter().all(|s| states.iter().any(|x| x.code == *s && x.run == LinkState::Normal)));
    }
}

#[test]
fn ignored_evacuation_keeps_the_crew_and_shearer_at_the_face() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("ignored_evacuation"));
    let t1 = m.def(&t.place, SensorType::METHANE);
    let over: Vec<Rec> = m.window(&t1.code, t.start, t.end).into_iter().filter(|r| r.2 >= 1.5).collect();
    assert!(over.last().unwrap().0.secs_since(over[0].0) >= 40 * 60, "≥ 1.5 % for 40 min");
    assert!(over.iter().all(|r| r.3 == Status::ALARM), "no power cut");
    let info = &r.out.registry.mines[0];
    let face = info.faces.iter().find(|f| f.points.contains(&t1.code)).unwrap();
    let machines: Vec<&String> = face.points.iter().filter(|p| m.def_by_code(p).sensor_type == SensorType::DEVICE_ON_OFF).collect();
    assert!(machines.iter().any(|p| m.def_by_code(p).location.ends_with("采煤机")));
    for r in &over {
        assert!(machines.iter().all(|p| m.value_at(p, r.0) == Some(1.0)), "machines on at {}", r.0);
    }
    let ryss: Vec<Timestamp> = m.ryss.keys().map(|k| k.0).filter(|x| over[0].0 <= *x && *x <= over.last().unwrap().0).collect();
    assert!(ryss.len() >= 8 && ryss.iter().all(|x| m.people(*x, &face.areas[0]) >= 5), "the crew stays");
}

#[test]
fn upload_gap_drops_every_monitoring_file() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("upload_gap"));
    assert!(snapshots(m, t.start, t.end).is_empty());
    assert!(m.fzss.range(t.start..=t.end).next().is_none());
    assert!(hours(t.start, t.end) >= 0.48);
    assert!(m.cdss.contains_key(&t.start.plus_secs(-60)) && m.cdss.contains_key(&t.end.plus_secs(60)));
    // Positioning goes on.
    assert!(m.ryss.keys().any(|k| t.start <= k.0 && k.0 <= t.end));
}

#[test]
fn late_backfill_is_delivered_after_later_files_and_leaves_no_gap_in_batch() {
    let r = run();
    let (m, t) = (&r.mine, r.truth("late_backfill"));
    let window = snapshots(m, t.start, t.end);
    assert!(window.len() >= 30 && window.iter().all(|x| m.cdss[x]), "every CDSS of the window is late");
    assert_eq!(m.cdss.values().filter(|late| **late).count(), window.len());
    // Batch: one CDSS a minute from start to end, no gap but the upload_gap's.
    let gap = r.truth("upload_gap");
    let times: Vec<&Timestamp> = m.cdss.keys().collect();
    for w in times.windows(2) {
        assert!(w[1].secs_since(*w[0]) == 60 || (*w[0] < gap.start && gap.end < *w[1]), "{} → {}", w[0], w[1]);
    }
    // Delivery: the first late file follows files of later times.
    let first = m.order.iter().position(|(_, late)| *late).unwrap();
    let time = |i: usize| FileName::parse(&m.order[i].0).unwrap().time;
    assert!(time(first - 1).secs_since(t.end) >= 1800, "delivered well after the window");
    assert!(m.order[first..first + window.len()].iter().all(|(_, late)| *late));
}

#[test]
fn late_files_go_to_their_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SimConfig {
        mines: 1,
        days: 1,
        cdss_interval_secs: 300,
        injections: vec![Injection::parse("late_backfill@1").unwrap()],
        ..SimConfig::default()
    };
    let out = minesafe_sim::write_to_dir(&cfg, dir.path()).unwrap();
    let late = dir.path().join("999901000001").join("late");
    let names: Vec<String> = std::fs::read_dir(&late).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let t = &out.truth[0];
    assert!(names.iter().any(|n| n.contains("_CDSS_")) && names.iter().any(|n| n.contains("_FZSS_")));
    for n in &names {
        let time = FileName::parse(n).unwrap().time;
        assert!(t.start <= time && time <= t.end, "{n}");
        assert!(!dir.path().join("999901000001").join("aqjk").join(n).exists(), "{n} only in late/");
    }
    let line = std::fs::read_to_string(dir.path().join("truth.jsonl")).unwrap();
    assert!(line.contains("\"kind\":\"late_backfill\"") && line.contains("MON-1"), "{line}");
}

fn digest(cfg: &SimConfig) -> (u64, usize) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut n = 0;
    simulate_files(cfg, &mut |f| {
        (f.name, f.bytes, f.late).hash(&mut h);
        n += 1;
        Ok(())
    })
    .unwrap();
    (h.finish(), n)
}

#[test]
fn new_kinds_are_deterministic_by_seed() {
    let cfg = SimConfig { days: 1, cdss_interval_secs: 120, ..cfg() };
    let a = digest(&cfg);
    assert_eq!(a, digest(&cfg));
    let b = digest(&SimConfig { seed: 7, ..cfg.clone() });
    assert_ne!(a.0, b.0);
    // Crowded into one day at a coarser cadence, every kind still leaves its trace.
    let out = simulate_files(&cfg, &mut |_| Ok(())).unwrap();
    let kinds: BTreeSet<&str> = out.truth.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, NEW.into_iter().collect());
}

#[test]
fn unknown_kind_lists_every_kind() {
    let err = Injection::parse("flood@1").unwrap_err().to_string();
    for k in InjectionKind::ALL {
        assert!(err.contains(k.id()), "{k} missing from: {err}");
    }
}
