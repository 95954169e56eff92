//! Writer → parser round trips for every family: records with arbitrary valid
//! values (Chinese text included) are written with `UploadWriter`, then decoded,
//! split and parsed through the public path, and must come back equal. CDSS also
//! goes through GB18030, CRLF, BOM and JSON-quoted variants. A last property feeds
//! arbitrary bytes through every step and only asks that nothing panics.

use minesafe_formats::container::{ParseOptions, Record, UploadWriter};
use minesafe_formats::families::person_alarm::{PersonAlarm, PersonAlarmKind};
use minesafe_formats::{
    split, with_upload, AbnormalEvent, AbnormalKind, CdssRecord, Content, CrowdAlarm, Document, Family, FileName, G1CddyRecord,
    OvertimeAlarm, RestrictedAreaAlarm, SosAlarm, SssjRecord, StationState, Statistic, SubstationState,
};
use minesafe_model::monitoring::{LinkState, RelationKind, Substation, SupplyState};
use minesafe_model::{
    Area, AreaKind, Person, PointDef, Position, PositionState, Relation, SensorType, Station, Status, Thresholds, Timestamp, ValueKind,
};
use proptest::prelude::*;

const MINE: &str = "999900000001";
const G1_MINE: &str = "150622B0012000200092";
/// Header time (2042): later than every generated record time, so no clock skew.
const HEADER_SECS: i64 = 2_300_000_000;

fn header_time() -> Timestamp {
    Timestamp(HEADER_SECS)
}

// ---- value strategies ----

/// Free text as it appears in names and locations: ASCII, CJK, a few marks; no separators.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9\u{4e00}-\u{9fa5}#()（）._/%-]{0,12}"
}

fn nonempty_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9\u{4e00}-\u{9fa5}#()（）._/%-]{1,12}"
}

fn code() -> impl Strategy<Value = String> {
    "[0-9A-Z]{1,24}"
}

fn digits() -> impl Strategy<Value = String> {
    "[0-9]{1,22}"
}

fn opt_code() -> impl Strategy<Value = Option<String>> {
    prop::option::of(digits())
}

/// 2000-01-01 .. 2040-01-01 UTC.
fn time() -> impl Strategy<Value = Timestamp> {
    (946_684_800i64..2_208_988_800).prop_map(Timestamp)
}

fn opt_time() -> impl Strategy<Value = Option<Timestamp>> {
    prop::option::of(time())
}

fn num() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-100_000i64..100_000).prop_map(|v| v as f64 / 100.0),
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO | prop::num::f64::NEGATIVE,
    ]
    .prop_filter("finite", |v| v.is_finite())
}

fn opt_num() -> impl Strategy<Value = Option<f64>> {
    prop::option::of(num())
}

/// (start, end ≥ start).
fn interval() -> impl Strategy<Value = (Timestamp, Option<Timestamp>)> {
    (time(), prop::option::of(0i64..86_400 * 3)).prop_map(|(s, d)| (s, d.map(|d| s.plus_secs(d))))
}

fn link() -> impl Strategy<Value = LinkState> {
    prop_oneof![Just(LinkState::Normal), Just(LinkState::Interrupted), Just(LinkState::Fault), Just(LinkState::Unknown)]
}

fn supply() -> impl Strategy<Value = SupplyState> {
    prop_oneof![Just(SupplyState::Dc), Just(SupplyState::Ac), Just(SupplyState::Fault), Just(SupplyState::Unknown)]
}

fn value_kind() -> impl Strategy<Value = ValueKind> {
    prop_oneof![Just(ValueKind::Analog), Just(ValueKind::Accumulator), Just(ValueKind::Binary), Just(ValueKind::MultiState)]
}

fn relation() -> impl Strategy<Value = Relation> {
    let kind = prop_oneof![
        Just(RelationKind::Interlock),
        Just(RelationKind::AirDoor),
        Just(RelationKind::Control),
        Just(RelationKind::Protection),
        Just(RelationKind::Standby),
        Just(RelationKind::PowerCut),
        Just(RelationKind::Adjust),
    ];
    // Device names may contain `-` (the parser joins the tail back).
    let device = prop::option::of("[a-zA-Z0-9\u{4e00}-\u{9fa5}-]{0,6}[a-zA-Z0-9\u{4e00}-\u{9fa5}]");
    (kind, code(), device, prop::option::of(code())).prop_map(|(kind, point, device, controller)| Relation {
        kind,
        point,
        device,
        controller,
    })
}

fn thresholds() -> impl Strategy<Value = Thresholds> {
    prop::array::uniform8(opt_num()).prop_map(|t| Thresholds {
        alarm_high: t[0],
        clear_high: t[1],
        alarm_low: t[2],
        clear_low: t[3],
        cut_high: t[4],
        restore_high: t[5],
        cut_low: t[6],
        restore_low: t[7],
    })
}

fn point_def() -> impl Strategy<Value = PointDef> {
    (
        (code(), "[0-9]{0,2}", text(), 0u16..=9999, value_kind(), text()),
        (opt_num(), opt_num(), thresholds()),
        (text(), text(), text(), opt_num(), opt_num(), opt_num()),
        (prop::collection::vec(relation(), 0..3), opt_time()),
    )
        .prop_map(
            |(
                (code, system, substation, st, kind, unit),
                (range_high, range_low, thresholds),
                (on_label, off_label, location, x, y, z),
                (relations, time),
            )| PointDef {
                code,
                system,
                substation,
                sensor_type: SensorType(st),
                kind,
                unit,
                range_high,
                range_low,
                thresholds,
                on_label,
                off_label,
                location,
                x,
                y,
                z,
                relations,
                time,
            },
        )
}

/// A G1 point definition: only what the legacy layout carries, with a conventional code.
fn g1_point_def() -> impl Strategy<Value = PointDef> {
    let kind = prop_oneof![Just(ValueKind::Analog), Just(ValueKind::Accumulator), Just(ValueKind::Binary)];
    (
        kind,
        0u16..=9999,
        "[0-9]{1,6}",
        text(),
        text(),
        text(),
        (opt_num(), opt_num(), thresholds()),
        (text(), text()),
        prop::collection::vec(relation(), 0..3),
    )
        .prop_map(
            |(kind, st, serial, substation, location, unit, (range_high, range_low, thresholds), (on_label, off_label), relations)| {
                let binary = kind == ValueKind::Binary;
                PointDef {
                    code: format!("{G1_MINE}01{}{st:04}{serial}", kind.code()),
                    system: "01".into(),
                    substation,
                    sensor_type: SensorType(st),
                    kind,
                    unit: if binary { String::new() } else { unit },
                    range_high: range_high.filter(|_| !binary),
                    range_low: range_low.filter(|_| !binary),
                    thresholds: if binary { Thresholds::default() } else { thresholds },
                    on_label: if binary { on_label } else { String::new() },
                    off_label: if binary { off_label } else { String::new() },
                    location,
                    x: None,
                    y: None,
                    z: None,
                    relations,
                    time: Some(header_time()),
                }
            },
        )
}

type CdssFields = (String, String, String, Option<f64>, String, u16, Timestamp);

fn cdss_fields() -> impl Strategy<Value = CdssFields> {
    (code(), text(), text(), opt_num(), text(), any::<u16>(), time())
}

fn cdss_record(f: &CdssFields) -> CdssRecord<'_> {
    CdssRecord { point: &f.0, sensor_name: &f.1, location: &f.2, value: f.3, unit: &f.4, status: Status(f.5), time: f.6 }
}

fn substation() -> impl Strategy<Value = Substation> {
    (code(), text(), opt_num(), opt_num(), opt_num(), opt_time()).prop_map(|(code, location, x, y, z, time)| Substation {
        code,
        location,
        x,
        y,
        z,
        time,
    })
}

fn substation_state() -> impl Strategy<Value = SubstationState> {
    (code(), link(), supply(), opt_time()).prop_map(|(code, run, supply, time)| SubstationState { code, run, supply, time })
}

fn statistic() -> impl Strategy<Value = Statistic> {
    ((code(), text(), text(), text(), time(), 0i64..86_400), (opt_num(), opt_time(), opt_num(), opt_time(), opt_num(), opt_time()))
        .prop_map(|((point, sensor_name, location, unit, start, len), (max, max_time, min, min_time, avg, time))| Statistic {
            point,
            sensor_name,
            location,
            unit,
            start,
            end: start.plus_secs(len),
            max,
            max_time,
            min,
            min_time,
            avg,
            time,
        })
}

fn abnormal_event() -> impl Strategy<Value = AbnormalEvent> {
    (
        (code(), text(), text(), text(), 0u16..=999, interval()),
        (opt_num(), opt_time(), opt_num(), opt_time(), opt_num()),
        (text(), text(), opt_time(), text(), opt_time()),
    )
        .prop_map(
            |(
                (point, sensor_name, location, unit, kind, (start, end)),
                (max, max_time, min, min_time, avg),
                (cause, measures, entered_at, entered_by, time),
            )| AbnormalEvent {
                point,
                sensor_name,
                location,
                unit,
                kind: AbnormalKind(kind),
                start,
                end,
                max,
                max_time,
                min,
                min_time,
                avg,
                cause,
                measures,
                entered_at,
                entered_by,
                time,
            },
        )
}

fn area() -> impl Strategy<Value = Area> {
    let kind = prop_oneof![Just(AreaKind::ShaftMouth), Just(AreaKind::Key), Just(AreaKind::Restricted), Just(AreaKind::Other)];
    (kind, digits(), prop::option::of(any::<u32>()), text()).prop_map(|(kind, code, quota, name)| Area { kind, code, quota, name })
}

fn station() -> impl Strategy<Value = Station> {
    (digits(), text(), opt_num(), opt_num(), opt_num(), text(), opt_time()).prop_map(|(code, name, x, y, z, description, time)| Station {
        code,
        name,
        x,
        y,
        z,
        description,
        time,
    })
}

fn station_state() -> impl Strategy<Value = StationState> {
    (digits(), link(), supply(), time()).prop_map(|(code, run, supply, time)| StationState { code, run, supply, time })
}

/// A job or title: `None` is written as the placeholder 未设置.
fn job() -> impl Strategy<Value = Option<String>> {
    prop::option::of(nonempty_text().prop_filter("placeholder", |s| s != "未设置"))
}

fn person() -> impl Strategy<Value = Person> {
    (digits(), text(), job(), job(), text(), text(), text(), any::<bool>(), any::<bool>()).prop_map(
        |(card, name, job, title, team, birth, education, is_leader, is_special)| Person {
            card,
            name,
            job,
            title,
            team,
            birth,
            education,
            is_leader,
            is_special,
        },
    )
}

fn position() -> impl Strategy<Value = Position> {
    let state = prop_oneof![Just(PositionState::AtMouth), Just(PositionState::Underground), Just(PositionState::Out)];
    (
        (digits(), text(), state, opt_time(), opt_time()),
        (opt_code(), opt_time(), opt_code(), opt_time(), text(), opt_num()),
        (any::<bool>(), any::<bool>(), any::<bool>(), prop::collection::vec((digits(), time()), 0..4)),
    )
        .prop_map(
            |(
                (card, name, state, entered, exited),
                (area, area_since, station, station_since, shift_system, distance),
                (sos, is_leader, is_special, track),
            )| Position {
                card,
                name,
                state,
                entered,
                exited,
                area,
                area_since,
                station,
                station_since,
                shift_system,
                distance,
                sos,
                is_leader,
                is_special,
                track,
            },
        )
}

fn person_alarm(kind: PersonAlarmKind) -> impl Strategy<Value = PersonAlarm> {
    (digits(), text(), opt_time(), interval(), opt_code(), opt_time(), opt_code(), opt_time()).prop_map(
        move |(card, name, entered, (start, end), area, area_since, station, station_since)| PersonAlarm {
            kind,
            card,
            name,
            entered,
            start,
            end,
            area,
            area_since,
            station,
            station_since,
        },
    )
}

fn crowd_alarm() -> impl Strategy<Value = CrowdAlarm> {
    (
        nonempty_text(),
        prop::option::of(any::<u32>()),
        prop::option::of(any::<u32>()),
        opt_code(),
        text(),
        interval(),
        prop::collection::vec(digits(), 0..5),
    )
        .prop_map(|(alarm_type, quota, count, area, area_name, (start, end), cards)| CrowdAlarm {
            alarm_type,
            quota,
            count,
            area,
            area_name,
            start,
            end,
            cards,
        })
}

// ---- the round trip ----

fn g2_name(kind: &str) -> String {
    FileName::format(MINE, kind, header_time())
}

/// Writes `records` under `header` (the upload time appended as the last field).
fn write<'a, R: Record<'a>>(header: &[&str], records: &[R]) -> String {
    let t = header_time().upload_format();
    let mut fields = header.to_vec();
    fields.push(&t);
    let mut w = UploadWriter::with_header(&fields);
    for r in records {
        w.record(r);
    }
    w.finish()
}

/// Parses a written file back through the whole public path; all records must be accepted.
fn read_back<T>(name: &str, bytes: &[u8], get: impl FnOnce(Content<'_>) -> Vec<T>) -> Result<Vec<T>, TestCaseError> {
    let r = with_upload(name, bytes, &ParseOptions::default(), |u| {
        let (total, accepted, rejected) = u.content.counts();
        let errors: Vec<String> = u.content.rejected().iter().map(|e| format!("{e} in {:?}", e.text)).collect();
        (total, accepted, rejected, errors, u.content.header().time, get(u.content))
    });
    let (total, accepted, rejected, errors, time, records) = r.map_err(|e| TestCaseError::fail(format!("file rejected: {e}")))?;
    prop_assert_eq!(rejected, 0, "{:?}", errors);
    prop_assert_eq!(total, accepted);
    prop_assert_eq!(time, header_time());
    Ok(records)
}

/// Unwraps a content variant into its accepted records, or fails the case.
macro_rules! records {
    ($variant:ident) => {
        |c: Content<'_>| match c {
            Content::$variant(p) => p.accepted.into_iter().map(|(_, r)| r).collect(),
            other => panic!("expected {}, got {:?}", stringify!($variant), other.family()),
        }
    };
}

/// A round-trip property for a family of owned records.
macro_rules! owned_roundtrip {
    ($test:ident, $strategy:expr, $kind:literal, $variant:ident, $header:expr) => {
        proptest! {
            #[test]
            fn $test(recs in prop::collection::vec($strategy, 0..6)) {
                let text = write($header, &recs);
                let back = read_back(&g2_name($kind), text.as_bytes(), records!($variant))?;
                prop_assert_eq!(back, recs);
            }
        }
    };
}

const H3: &[&str] = &[MINE, "虚构示例矿"];
const H7: &[&str] = &[MINE, "虚构示例矿", "KJ999", "煤矿安全监控系统", "示例厂家", "2027-12-31"];
const H8: &[&str] = &[MINE, "虚构示例矿", "500", "KJ998", "煤矿井下人员定位系统", "示例厂家", "2027-12-31"];

owned_roundtrip!(fzdy_round_trip, substation(), "FZDY", Fzdy, H3);
owned_roundtrip!(fzss_round_trip, substation_state(), "FZSS", Fzss, H3);
owned_roundtrip!(cddy_round_trip, point_def(), "CDDY", Cddy, H7);
owned_roundtrip!(tjsj_round_trip, statistic(), "TJSJ", Tjsj, H3);
owned_roundtrip!(ycbj_round_trip, abnormal_event(), "YCBJ", Ycbj, H3);
owned_roundtrip!(ryqy_round_trip, area(), "RYQY", Ryqy, H3);
owned_roundtrip!(ryjz_round_trip, station(), "RYJZ", Ryjz, H3);
owned_roundtrip!(ryxx_round_trip, person(), "RYXX", Ryxx, H8);
owned_roundtrip!(ryss_round_trip, position(), "RYSS", Ryss, H3);
owned_roundtrip!(jzss_round_trip, station_state(), "JZSS", Jzss, H3);
owned_roundtrip!(rycy_round_trip, crowd_alarm(), "RYCY", Rycy, H3);

/// The three person-alarm files: written through their wire type, read back as `PersonAlarm`.
macro_rules! alarm_roundtrip {
    ($test:ident, $kind:expr, $wire:ident, $code:literal, $variant:ident) => {
        proptest! {
            #[test]
            fn $test(recs in prop::collection::vec(person_alarm($kind), 0..6)) {
                let wire: Vec<$wire> = recs.iter().cloned().map($wire).collect();
                let text = write(H3, &wire);
                let back = read_back(&g2_name($code), text.as_bytes(), records!($variant))?;
                prop_assert_eq!(back, recs);
            }
        }
    };
}

alarm_roundtrip!(rycs_round_trip, PersonAlarmKind::Overtime, OvertimeAlarm, "RYCS", Rycs);
alarm_roundtrip!(ryxz_round_trip, PersonAlarmKind::RestrictedArea, RestrictedAreaAlarm, "RYXZ", Ryxz);
alarm_roundtrip!(ryqj_round_trip, PersonAlarmKind::Sos, SosAlarm, "RYQJ", Ryqj);

/// How a CDSS file is put on the wire.
#[derive(Clone, Copy, Debug)]
enum Wire {
    Plain,
    Gb18030,
    Crlf,
    Bom,
    JsonQuoted,
}

fn cdss_bytes(fields: &[CdssFields], wire: Wire) -> Vec<u8> {
    let t = header_time().upload_format();
    let mut w = UploadWriter::new(MINE, "虚构示例矿", header_time()).crlf(matches!(wire, Wire::Crlf));
    for f in fields {
        w.record(&cdss_record(f));
    }
    let text = w.finish();
    debug_assert!(text.starts_with(&format!("{MINE};虚构示例矿;{t}~")));
    match wire {
        Wire::Plain | Wire::Crlf => text.into_bytes(),
        Wire::Gb18030 => encoding_rs::GB18030.encode(&text).0.into_owned(),
        Wire::Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Wire::JsonQuoted => serde_json::to_string(&text).unwrap_or_default().into_bytes(),
    }
}

proptest! {
    #[test]
    fn cdss_round_trip_every_wire_variant(fields in prop::collection::vec(cdss_fields(), 0..8)) {
        let expected: Vec<CdssRecord<'_>> = fields.iter().map(cdss_record).collect();
        for wire in [Wire::Plain, Wire::Gb18030, Wire::Crlf, Wire::Bom, Wire::JsonQuoted] {
            let bytes = cdss_bytes(&fields, wire);
            // Records borrow the decoded text, so compare inside the closure.
            let same = with_upload(&g2_name("CDSS"), &bytes, &ParseOptions::default(), |u| match &u.content {
                Content::Cdss(p) => p.rejected.is_empty() && p.accepted.iter().map(|(_, r)| r.clone()).eq(expected.iter().cloned()),
                _ => false,
            });
            prop_assert_eq!(same, Ok(true), "{:?}", wire);
        }
    }

    #[test]
    fn g1_sssj_round_trip(fields in prop::collection::vec((code(), opt_num(), any::<u16>()), 0..8), crlf in any::<bool>()) {
        let recs: Vec<SssjRecord<'_>> = fields.iter().map(|(p, v, s)| SssjRecord { point: p, value: *v, status: Status(*s) }).collect();
        let t = header_time().upload_format();
        let n = recs.len().to_string();
        let mut w = UploadWriter::with_header(&[&t, &n]).crlf(crlf);
        for r in &recs {
            w.record(r);
        }
        let text = w.finish();
        let name = FileName::format(G1_MINE, "SSSJ", header_time()).replace(".txt", ".TXT");
        let same = with_upload(&name, text.as_bytes(), &ParseOptions::default(), |u| match &u.content {
            Content::G1Sssj(p) => p.rejected.is_empty() && p.header.time == header_time() && p.accepted.iter().map(|(_, r)| r.clone()).eq(recs.iter().cloned()),
            _ => false,
        });
        prop_assert_eq!(same, Ok(true));
    }

    #[test]
    fn g1_cddy_round_trip(defs in prop::collection::vec(g1_point_def(), 0..6)) {
        let t = header_time().upload_format();
        let mut w = UploadWriter::with_header(&["KJ1031X", "煤矿安全监控系统", "示例厂家", &t, "0", "0", "0", "0", "0", "0", ""]);
        for d in &defs {
            w.record(&G1CddyRecord(d.clone()));
        }
        let text = w.finish();
        let name = FileName::format(G1_MINE, "CDDY", header_time());
        let back = read_back(&name, text.as_bytes(), records!(G1Cddy))?;
        prop_assert_eq!(back, defs);
    }
}

// ---- arbitrary input never panics ----

/// Bytes biased towards the format's own alphabet, so that inputs get past the
/// first checks and reach the record parsers.
fn format_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(";".to_string()),
        Just("~".to_string()),
        Just("||".to_string()),
        Just("；".to_string()),
        Just("\r\n".to_string()),
        Just(MINE.to_string()),
        Just("2025-03-01 08:00:10".to_string()),
        Just("\"".to_string()),
        "[0-9]{1,4}",
        "[-.0-9eE]{1,6}",
        "[A-Z]{1,3}",
        "[\u{4e00}-\u{4e10}&,◇:-]{1,3}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat().into_bytes())
}

fn any_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..256), format_like_bytes()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn arbitrary_bytes_never_panic(family in 0..Family::ALL.len(), bytes in any_input()) {
        let family = Family::ALL[family];
        let mine = if family.is_legacy() { G1_MINE } else { MINE };
        let name = FileName::format(mine, family.type_code(), header_time());
        let opts = ParseOptions::default();
        // The whole path, and the steps one by one with every family on the same text.
        let _ = with_upload(&name, &bytes, &opts, |u| u.content.counts());
        if let Ok((fname, _, decoded)) = minesafe_formats::open(&name, &bytes, &opts) {
            if let Ok(doc) = Document::split(&fname, &decoded.text, &opts) {
                for f in Family::ALL {
                    if let Ok(c) = minesafe_formats::parse_content(f, &doc, &opts) {
                        let (total, accepted, rejected) = c.counts();
                        prop_assert_eq!(total, accepted + rejected);
                    }
                }
            }
            for f in Family::ALL {
                let _ = split(&fname, f, &decoded.text, &opts);
            }
        }
    }
}
