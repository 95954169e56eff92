//! End-to-end properties of the simulator: determinism, parse-back with zero
//! rejected records, every injection visible in the files, nothing else abnormal.

use std::collections::{BTreeMap, BTreeSet};

use minesafe_formats::families::ryxx::approved_headcount;
use minesafe_formats::{decode, AbnormalEvent, AbnormalKind, CdssRecord, Document, FileName, ParseOptions, SubstationState};
use minesafe_model::{Area, AreaKind, Person, PointDef, Position, PositionState, SensorType, Station, Status, Timestamp};
use minesafe_sim::{simulate, simulate_files, Injection, InjectionKind, SimConfig, SimOutput, TruthLine};

/// Something abnormal seen in the files.
#[derive(Clone, Debug)]
struct Abnormal {
    mine: String,
    time: Timestamp,
    /// `methane`, `co`, `other_analog`, `restricted`, `sos`, `overtime`, `area_quota`, `headcount`.
    what: &'static str,
    /// Point location, area name or card.
    place: String,
    card: String,
    value: f64,
    status: u16,
}

#[derive(Default)]
struct Scan {
    files: Vec<String>,
    records: u64,
    rejected: usize,
    abnormal: Vec<Abnormal>,
    /// Latest CDDY of each mine, by point code.
    cddy: BTreeMap<String, BTreeMap<String, PointDef>>,
    /// Every CDDY's declared cut-off by (mine, location).
    declared_cuts: BTreeSet<(String, String, String)>,
    areas: BTreeMap<String, BTreeMap<String, Area>>,
    approved: BTreeMap<String, u32>,
    /// CDSS values of feeders at 0 (power cut), by (mine, time).
    feeders_off: BTreeSet<(String, Timestamp)>,
    cards_known: BTreeMap<String, BTreeSet<String>>,
    /// People underground per (mine, area name, time).
    in_area: BTreeMap<(String, String, Timestamp), u32>,
    stations_known: BTreeMap<String, BTreeSet<String>>,
    /// Files delivered after a file with a later time.
    late: Vec<String>,
    /// CDSS records whose time is not the file's: (mine, location, file time, record time).
    odd_times: Vec<(String, String, Timestamp, Timestamp)>,
    /// YCBJ records: (mine, upload time, event).
    abnormal_events: Vec<(String, Timestamp, AbnormalEvent)>,
    /// FZSS files per mine, and substations reported not normal.
    fzss: BTreeMap<String, u32>,
    substations_down: u32,
}

impl Scan {
    fn file(&mut self, name: &str, bytes: &[u8]) {
        let opts = ParseOptions::default();
        self.files.push(name.to_string());
        let fname = FileName::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mine = fname.mine.to_string();
        let decoded = decode(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let doc = Document::split(&fname, &decoded.text, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.header.time, fname.time, "{name}: header time");
        match fname.kind.as_str() {
            "CDDY" => {
                assert_eq!(doc.header.fields.len(), 7, "{name}: CDDY header");
                let p = doc.parse::<PointDef>(&opts).unwrap();
                self.count(p.total, p.rejected.len());
                let defs = self.cddy.entry(mine.clone()).or_default();
                for (_, d) in p.accepted {
                    if let Some(c) = d.thresholds.cut_high {
                        self.declared_cuts.insert((mine.clone(), d.location.clone(), c.to_string()));
                    }
                    defs.insert(d.code.clone(), d);
                }
            }
            "CDSS" => {
                let p = doc.parse::<CdssRecord>(&opts).unwrap();
                self.count(p.total, p.rejected.len());
                let defs = &self.cddy[&mine];
                for (_, r) in &p.accepted {
                    let d = defs.get(r.point).unwrap_or_else(|| panic!("{name}: point {} not in CDDY", r.point));
                    assert_eq!(r.location, d.location);
                    if r.time != fname.time {
                        self.odd_times.push((mine.clone(), r.location.to_string(), fname.time, r.time));
                    }
                    let v = r.value.expect("every value present");
                    if d.sensor_type == SensorType::FEEDER || d.sensor_type == SensorType::FEED {
                        if v == 0.0 {
                            self.feeders_off.insert((mine.clone(), r.time));
                        }
                        continue;
                    }
                    let th = d.thresholds;
                    let over_declared = th.alarm_high.is_some_and(|a| v >= a) || th.alarm_low.is_some_and(|a| v <= a);
                    let what = match d.sensor_type {
                        SensorType::METHANE => {
                            let limit = if r.location.contains("总回风") { 0.75 } else { 1.0 };
                            (v >= limit || over_declared).then_some("methane")
                        }
                        SensorType::CO => (v >= 24.0 || over_declared).then_some("co"),
                        SensorType::TEMPERATURE => (v > 26.0 || over_declared).then_some("other_analog"),
                        SensorType::O2 => (v < 20.0 || over_declared).then_some("other_analog"),
                        SensorType::WIND_SPEED => (!(0.25..=8.0).contains(&v) || over_declared).then_some("other_analog"),
                        _ => over_declared.then_some("other_analog"),
                    };
                    let what = what.or((r.status != Status(0)).then_some("status"));
                    if let Some(what) = what {
                        self.abnormal.push(Abnormal {
                            mine: mine.clone(),
                            time: r.time,
                            what,
                            place: r.location.to_string(),
                            card: String::new(),
                            value: v,
                            status: r.status.0,
                        });
                    }
                }
            }
            "RYQY" => {
                let p = doc.parse::<Area>(&opts).unwrap();
                self.count(p.total, p.rejected.len());
                self.areas.insert(mine, p.accepted.into_iter().map(|(_, a)| (a.code.clone(), a)).collect());
            }
            "RYJZ" => {
                let p = doc.parse::<Station>(&opts).unwrap();
                self.count(p.total, p.rejected.len());
                self.stations_known.insert(mine, p.accepted.into_iter().map(|(_, s)| s.code).collect());
            }
            "RYXX" => {
                assert_eq!(doc.header.fields.len(), 8, "{name}: RYXX header");
                self.approved.insert(mine.clone(), approved_headcount(&doc.header).expect("approved headcount in RYXX header"));
                let p = doc.parse::<Person>(&opts).unwrap();
                self.count(p.total, p.rejected.len());
                self.cards_known.insert(mine, p.accepted.into_iter().map(|(_, p)| p.card).collect());
            }
            "RYSS" => {
                let p = doc.parse::<Position>(&opts).unwrap();
                self.count(p.total, p.rejected.len());
                let areas = &self.areas[&mine];
                let t = fname.time;
                let mut per_area: BTreeMap<&str, u32> = BTreeMap::new();
                let mut underground = 0;
                for (_, r) in &p.accepted {
                    assert!(self.cards_known[&mine].contains(&r.card), "{name}: unknown card {}", r.card);
                    assert!(self.stations_known[&mine].contains(r.station.as_deref().unwrap()), "{name}: unknown station");
                    let area = &areas[r.area.as_deref().expect("area")];
                    let mut ab = |what, place: &str, value: f64| {
                        self.abnormal.push(Abnormal {
                            mine: mine.clone(),
                            time: t,
                            what,
                            place: place.into(),
                            card: r.card.clone(),
                            value,
                            status: 0,
                        })
                    };
                    if r.sos {
                        ab("sos", &area.name, 0.0);
                    }
                    if r.state != PositionState::Underground {
                        continue;
                    }
                    underground += 1;
                    *per_area.entry(&area.code).or_default() += 1;
                    *self.in_area.entry((mine.clone(), area.name.clone(), t)).or_default() += 1;
                    if area.kind == AreaKind::Restricted {
                        ab("restricted", &area.name, 0.0);
                    }
                    let hours = t.secs_since(r.entered.expect("entry time")) as f64 / 3600.0;
                    if hours > 12.0 {
                        ab("overtime", &area.name, hours);
                    }
                }
                for (code, n) in per_area {
                    let a = &areas[code];
                    if a.kind != AreaKind::Restricted && a.quota.is_some_and(|q| q > 0 && n > q) {
                        self.abnormal.push(Abnormal {
                            mine: mine.clone(),
                            time: t,
                            what: "area_quota",
                            place: a.name.clone(),
                            card: String::new(),
                            value: n as f64,
                            status: 0,
                        });
                    }
                }
                if underground > self.approved[&mine] {
                    self.abnormal.push(Abnormal {
                        mine: mine.clone(),
                        time: t,
                        what: "headcount",
                        place: "全矿井".into(),
                        card: String::new(),
                        value: underground as f64,
                        status: 0,
                    });
                }
            }
            "FZSS" => {
                let p = doc.parse::<SubstationState>(&opts).unwrap();
                self.count(p.total, p.rejected.len());
                let defs = &self.cddy[&mine];
                for (_, st) in &p.accepted {
                    assert!(defs.get(&st.code).is_some_and(|d| d.sensor_type == SensorType::SUBSTATION), "{name}: {}", st.code);
                    assert_eq!(st.time, Some(fname.time));
                    if st.run != minesafe_model::monitoring::LinkState::Normal {
                        self.substations_down += 1;
                    }
                }
                *self.fzss.entry(mine).or_default() += 1;
            }
            "YCBJ" => {
                let p = doc.parse::<AbnormalEvent>(&opts).unwrap();
                self.count(p.total, p.rejected.len());
                for (_, ev) in p.accepted {
                    self.abnormal_events.push((mine.clone(), fname.time, ev));
                }
            }
            other => panic!("unexpected family {other}"),
        }
    }

    fn count(&mut self, total: usize, rejected: usize) {
        self.records += total as u64;
        self.rejected += rejected;
    }
}

fn run(cfg: &SimConfig) -> (SimOutput, Scan) {
    let mut scan = Scan::default();
    let out = simulate_files(cfg, &mut |f| {
        scan.file(f.name, f.bytes);
        if f.late {
            scan.late.push(f.name.to_string());
        }
        Ok(())
    })
    .unwrap();
    (out, scan)
}

/// The abnormal-record categories each injection may cause.
fn explains(kind: &str) -> &'static [&'static str] {
    match kind {
        "methane_cut_ok" | "methane_no_cut" | "methane_3pct_10min" | "restore_early" | "ignored_evacuation" => &["methane", "status"],
        "calibration_in_production" => &["status"],
        "co_rise" => &["co", "status"],
        "restricted_entry" => &["restricted"],
        "sos" => &["sos"],
        "overtime" => &["overtime"],
        "area_over_quota" => &["area_quota"],
        "headcount_over" => &["headcount"],
        _ => &[],
    }
}

/// Whether a truth line explains an abnormal record: same mine, category, time
/// window and place (a person over 12 h keeps the place where the overtime began
/// while walking out).
fn covered(a: &Abnormal, truth: &[TruthLine]) -> bool {
    truth.iter().any(|t| {
        t.mine == a.mine
            && explains(&t.kind).contains(&a.what)
            && t.start <= a.time
            && a.time <= t.end
            && (t.place == a.place || a.what == "headcount" || a.what == "overtime")
    })
}

#[test]
fn default_run_parses_back_and_every_injection_is_visible() {
    let cfg = SimConfig::default();
    let (out, scan) = run(&cfg);

    // Parse-back: every file splits, every record is accepted; counts agree.
    assert_eq!(scan.rejected, 0);
    assert_eq!(scan.files.len(), out.files);
    assert_eq!(scan.records, out.records);
    assert!(out.records > 2_000_000, "{} records", out.records);
    // Files come in time order, except the late backfill, which comes after later files.
    let on_time: Vec<Timestamp> = scan.files.iter().filter(|n| !scan.late.contains(n)).map(|n| FileName::parse(n).unwrap().time).collect();
    assert!(on_time.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(*on_time.first().unwrap(), cfg.start);
    assert!(*on_time.last().unwrap() < cfg.end());
    assert!(!scan.late.is_empty());
    let first_late = scan.files.iter().position(|n| scan.late.contains(n)).unwrap();
    let late_time = FileName::parse(&scan.files[first_late]).unwrap().time;
    assert!(FileName::parse(&scan.files[first_late - 1]).unwrap().time > late_time, "a late file follows a later one");

    // One truth line per default injection, and exactly two mines without any.
    let kinds: BTreeSet<&str> = out.truth.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(out.truth.len(), InjectionKind::ALL.len(), "{:#?}", out.truth);
    for k in InjectionKind::ALL {
        assert!(kinds.contains(k.id()), "{k} missing from truth");
    }
    let injected: BTreeSet<&str> = out.truth.iter().map(|t| t.mine.as_str()).collect();
    let clean: Vec<&str> = out.registry.mines.iter().map(|m| m.code.as_str()).filter(|c| !injected.contains(c)).collect();
    assert_eq!(clean.len(), 2, "clean mines: {clean:?}");
    // Injections of one mine do not overlap, so one never hides another.
    for a in &out.truth {
        for b in out.truth.iter().filter(|b| b.mine == a.mine && *b != a) {
            let whole_run = |t: &TruthLine| t.kind == "lax_cut_off" || t.kind == "loosened_thresholds";
            let person =
                |t: &TruthLine| ["overtime", "headcount_over", "area_over_quota", "sos", "restricted_entry"].contains(&t.kind.as_str());
            if !(whole_run(a) || whole_run(b) || person(a) || person(b)) {
                assert!(a.end < b.start || b.end < a.start, "{a:?} overlaps {b:?}");
            }
        }
    }
    // The late backfill is marked as visible in delivery order only.
    for t in &out.truth {
        assert_eq!(t.delivery_order_only(), t.kind == "late_backfill");
    }
    // FZSS every 5 min from every mine (less the dropped upload gap), every substation up.
    assert_eq!(scan.substations_down, 0);
    for m in &out.registry.mines {
        let n = scan.fzss[m.code.as_str()];
        assert!((560..=576).contains(&n), "{}: {n} FZSS files", m.code);
    }
    // Record times differ from the file's only at the time_backwards point, in its window, and never ahead.
    assert!(!scan.odd_times.is_empty());
    for (mine, place, file_t, rec_t) in &scan.odd_times {
        assert!(rec_t < file_t);
        assert!(
            out.truth.iter().any(|t| t.kind == "time_backwards"
                && &t.mine == mine
                && &t.place == place
                && t.start <= *file_t
                && *file_t <= t.end),
            "{mine} {place} {file_t}"
        );
    }
    // YCBJ: each injected over-limit event recorded by the mine with cause and measures, after it ended.
    for t in out.truth.iter().filter(|t| explains(&t.kind).contains(&"methane") || t.kind == "co_rise") {
        let evs: Vec<&(String, Timestamp, AbnormalEvent)> =
            scan.abnormal_events.iter().filter(|(m, _, e)| *m == t.mine && e.location == t.place).collect();
        let over = evs.iter().find(|(_, _, e)| e.kind == AbnormalKind::OVER_LIMIT).unwrap_or_else(|| panic!("no YCBJ for {t:?}"));
        let (_, uploaded, e) = over;
        let end = e.end.unwrap();
        assert!(t.start <= e.start && e.start <= t.end && end > t.end, "{t:?} {e:?}");
        assert!(uploaded.secs_since(end) >= 600 && uploaded.secs_since(end) <= 1600);
        assert!(!e.cause.is_empty() && !e.measures.is_empty() && !e.entered_by.is_empty());
        assert!(e.max.unwrap() >= e.avg.unwrap() && e.avg.unwrap() >= e.min.unwrap());
        let cut = evs.iter().any(|(_, _, e)| e.kind == AbnormalKind::POWER_CUT);
        assert_eq!(cut, ["methane_cut_ok", "methane_3pct_10min", "restore_early"].contains(&t.kind.as_str()), "{t:?}");
    }
    assert!(scan.abnormal_events.iter().all(|(m, _, _)| injected.contains(m.as_str())));
    for t in &out.truth {
        assert!(t.start <= t.end && cfg.start <= t.start && t.end < cfg.end(), "{t:?}");
        assert!(!t.rules.is_empty() && !t.place.is_empty());
    }

    // Every abnormal record is explained by a truth line (place and time), except
    // authorised restricted-area entries, which the registry covers.
    let reg = &out.registry;
    let mut authorised_entries = 0;
    for a in &scan.abnormal {
        if a.what == "restricted" {
            let mine = reg.mine(&a.mine).unwrap();
            if mine.authorisations.iter().any(|au| au.card == a.card && au.from <= a.time && a.time <= au.to) {
                authorised_entries += 1;
                continue;
            }
        }
        assert!(covered(a, &out.truth), "unexplained abnormal record: {a:?}");
    }
    assert!(authorised_entries > 0, "the daily authorised seal inspection should appear");

    // Each truth line has its trace in the files.
    for t in &out.truth {
        let rules: Vec<&str> = t.rules.iter().map(String::as_str).collect();
        match t.kind.as_str() {
            "methane_cut_ok" => {
                assert_eq!(rules, ["CSR-GAS-3"]);
                let cut: Vec<&Abnormal> = in_window(&scan, t, "methane").filter(|a| a.value >= 1.5).collect();
                assert!(cut.len() >= 3, "{t:?}");
                assert!(cut.iter().all(|a| a.status & Status::POWER_CUT != 0 && a.status & Status::ALARM != 0));
                assert!(cut.iter().all(|a| scan.feeders_off.contains(&(t.mine.clone(), a.time))), "feeders drop with the cut");
                // The crew withdraws from the face while the power is off.
                let face = t.place.trim_end_matches("T1").to_string();
                let count = |at: Timestamp| scan.in_area.get(&(t.mine.clone(), face.clone(), at)).copied().unwrap_or(0);
                let before = count(Timestamp(t.start.0 - t.start.0 % 300 - 1800));
                let during = (t.start.0 / 300..=(t.end.0 + 300) / 300).map(|k| count(Timestamp(k * 300))).min().unwrap();
                assert!(before >= 5 && during <= 2, "{face}: {before} people before, {during} during the cut");
            }
            "methane_no_cut" => {
                assert_eq!(rules, ["CM26-11.4", "CSR-GAS-3", "MON-10", "ALM-2", "ALM-3"]);
                assert!(t.place.ends_with("综采工作面T1"), "{}", t.place);
                let over: Vec<&Abnormal> = in_window(&scan, t, "methane").filter(|a| a.value >= 1.5).collect();
                assert!(over.len() >= 3, "{t:?}");
                assert!(over.iter().all(|a| a.status == Status::ALARM), "alarm without power cut");
                assert!(over.iter().all(|a| !scan.feeders_off.contains(&(t.mine.clone(), a.time))), "feeders stay on");
            }
            "methane_3pct_10min" => {
                assert_eq!(rules, ["CM26-2.8", "CSR-GAS-4", "CSR-GAS-3"]);
                let high: Vec<Timestamp> = in_window(&scan, t, "methane").filter(|a| a.value >= 3.0).map(|a| a.time).collect();
                assert!(high.len() >= 11, "{t:?}");
                assert!(high.last().unwrap().secs_since(high[0]) > 600, "≥ 3 % for more than 10 min");
            }
            "co_rise" => {
                assert_eq!(rules, ["CSR-AIR-2"]);
                let peak = in_window(&scan, t, "co").map(|a| a.value).fold(0.0, f64::max);
                assert!((36.0..=44.0).contains(&peak), "CO peak {peak}");
            }
            "lax_cut_off" => {
                assert_eq!(rules, ["CSR-SENS-1"]);
                assert!(
                    scan.declared_cuts.contains(&(t.mine.clone(), t.place.clone(), "2".into())),
                    "declared 2.0 % cut-off at {}",
                    t.place
                );
                assert_eq!((t.start, t.end.plus_secs(cfg.cdss_interval_secs as i64)), (cfg.start, cfg.end()));
            }
            "restricted_entry" => {
                assert_eq!(rules, ["POS-7.1"]);
                assert!(in_window(&scan, t, "restricted").count() >= 2, "{t:?}");
            }
            "sos" => assert!(in_window(&scan, t, "sos").count() >= 2, "{t:?}"),
            "overtime" => assert!(in_window(&scan, t, "overtime").count() >= 2, "{t:?}"),
            "area_over_quota" => assert!(in_window(&scan, t, "area_quota").count() >= 3, "{t:?}"),
            "headcount_over" => assert!(in_window(&scan, t, "headcount").count() >= 3, "{t:?}"),
            // The new kinds are checked one by one in tests/kinds.rs.
            other => assert!(InjectionKind::parse(other).is_some(), "unexpected kind {other}"),
        }
    }

    // Clean mines: nothing abnormal at all besides authorised entries.
    for c in &clean {
        let bad: Vec<&Abnormal> = scan.abnormal.iter().filter(|a| a.mine == *c && a.what != "restricted").collect();
        assert!(bad.is_empty(), "clean mine {c}: {:?}", &bad[..bad.len().min(5)]);
    }

    // Registry: every mine, its faces, points with classes, shifts, authorisations.
    assert_eq!(reg.mines.len(), cfg.mines);
    for m in &reg.mines {
        assert_eq!(m.shifts.len(), 3);
        assert!(m.faces.len() >= 4 && m.points.len() >= 60 && !m.air_paths.is_empty() && !m.authorisations.is_empty());
        assert_eq!(m.approved_headcount, scan.approved.get(m.code.as_str()).copied());
    }
    // Truth serialises as interfaces.md says.
    let line = serde_json::to_string(&out.truth[0]).unwrap();
    assert!(line.starts_with("{\"kind\":") && line.contains("+08:00"), "{line}");
    let back: TruthLine = serde_json::from_str(&line).unwrap();
    assert_eq!(back, out.truth[0]);
}

fn in_window<'a>(scan: &'a Scan, t: &'a TruthLine, what: &'a str) -> impl Iterator<Item = &'a Abnormal> + 'a {
    scan.abnormal.iter().filter(move |a| a.mine == t.mine && a.what == what && t.start <= a.time && a.time <= t.end && a.place == t.place)
}

fn collect(cfg: &SimConfig) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    simulate(cfg, &mut |n, b| {
        files.push((n.to_string(), b.to_vec()));
        Ok(())
    })
    .unwrap();
    files
}

#[test]
fn same_seed_same_bytes_and_mines_are_independent() {
    let cfg = SimConfig { mines: 3, days: 1, cdss_interval_secs: 300, ..SimConfig::default() };
    let a = collect(&cfg);
    assert_eq!(a, collect(&cfg));
    let other = collect(&SimConfig { seed: 2, ..cfg.clone() });
    assert_eq!(a.len(), other.len());
    assert_ne!(a, other);

    // Injections in mine 2 leave mines 1 and 3 byte-identical to an uninjected run.
    let quiet = collect(&SimConfig { injections: vec![], ..cfg.clone() });
    let loud = collect(&SimConfig {
        injections: vec![Injection::parse("methane_no_cut@2").unwrap(), Injection::parse("sos@2").unwrap()],
        ..cfg.clone()
    });
    let of = |files: &[(String, Vec<u8>)], mine: &str| files.iter().filter(|(n, _)| n.starts_with(mine)).cloned().collect::<Vec<_>>();
    assert_eq!(of(&quiet, "999901000001"), of(&loud, "999901000001"));
    assert_eq!(of(&quiet, "999901000003"), of(&loud, "999901000003"));
    assert_ne!(of(&quiet, "999901000002"), of(&loud, "999901000002"));
}

#[test]
fn explicit_injections_one_day_and_other_cadence() {
    let cfg = SimConfig {
        mines: 2,
        days: 1,
        cdss_interval_secs: 30,
        ryss_interval_secs: 600,
        start: Timestamp::from_beijing(2026, 3, 10, 0, 0, 0).unwrap(),
        injections: ["methane_no_cut@1", "methane_3pct_10min@1", "overtime@1", "headcount_over@1", "area_over_quota@1"]
            .iter()
            .map(|s| Injection::parse(s).unwrap())
            .collect(),
        ..SimConfig::default()
    };
    let (out, scan) = run(&cfg);
    assert_eq!(scan.rejected, 0);
    assert_eq!(out.truth.len(), 5, "{:#?}", out.truth);
    assert!(out.truth.iter().all(|t| t.mine == "999901000001"));
    // Before ORD21 (2026-07-01) the ORD4 IDs apply.
    let no_cut = out.truth.iter().find(|t| t.kind == "methane_no_cut").unwrap();
    assert_eq!(no_cut.rules, ["CM-4.2", "CSR-GAS-3", "MON-10", "ALM-2", "ALM-3"]);
    let big = out.truth.iter().find(|t| t.kind == "methane_3pct_10min").unwrap();
    assert!(!big.rules.contains(&"CM26-2.8".to_string()));
    for a in &scan.abnormal {
        if a.what != "restricted" {
            assert!(covered(a, &out.truth), "unexplained: {a:?}");
        }
    }
    assert!(scan.abnormal.iter().all(|a| a.mine == "999901000001" || a.what == "restricted"));
}

#[test]
fn write_to_dir_lays_out_mines_and_systems() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SimConfig { mines: 2, days: 1, cdss_interval_secs: 600, ryss_interval_secs: 600, ..SimConfig::default() };
    let out = minesafe_sim::write_to_dir(&cfg, dir.path()).unwrap();
    let aqjk = dir.path().join("999901000001").join("aqjk");
    let rydw = dir.path().join("999901000002").join("rydw");
    assert!(aqjk.join("999901000001_CDDY_20261125000000.txt").is_file());
    assert!(aqjk.join("999901000001_CDSS_20261125001000.txt").is_file());
    assert!(rydw.join("999901000002_RYSS_20261125001000.txt").is_file());
    assert!(rydw.join("999901000002_RYXX_20261125000000.txt").is_file());
    let truth = std::fs::read_to_string(dir.path().join("truth.jsonl")).unwrap();
    assert_eq!(truth.lines().count(), out.truth.len());
    let reg: minesafe_model::Registry = serde_json::from_str(&std::fs::read_to_string(dir.path().join("registry.json")).unwrap()).unwrap();
    assert_eq!(reg, out.registry);
    let n = walk(dir.path());
    assert_eq!(n, out.files);
}

fn walk(p: &std::path::Path) -> usize {
    std::fs::read_dir(p)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path())
            } else {
                usize::from(e.file_name().to_string_lossy().ends_with(".txt"))
            }
        })
        .sum()
}
