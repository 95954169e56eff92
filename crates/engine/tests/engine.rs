//! The engine's accounting and routing on real-format files.

use minesafe_engine::{Engine, NoSink, Outcome};
use minesafe_formats::{ParseOptions, UploadWriter};
use minesafe_model::{Registry, Timestamp};

const MINE: &str = "999900000001";

fn t(s: &str) -> Timestamp {
    Timestamp::parse_beijing(s).unwrap()
}

fn cdss(time: &str, records: &[&str]) -> (String, Vec<u8>) {
    let ts = t(time);
    let mut w = UploadWriter::new(MINE, "虚构示例矿", ts);
    for r in records {
        w.raw(r);
    }
    (format!("{MINE}_CDSS_{}.txt", ts.compact_format()), w.finish().into_bytes())
}

fn rec(value: &str, status: u8, time: &str) -> String {
    format!("99990000000101MN00010001;甲烷;1201综采工作面T1;{value};%CH4;{status};{time}")
}

#[test]
fn every_record_is_accepted_or_rejected_with_its_reason() {
    let mut e = Engine::new(Registry::default(), ParseOptions::default());
    let mut out = Vec::new();
    let r0 = rec("0.31", 0, "2026-11-20 08:00:00");
    let r2 = rec("abc", 0, "2026-11-20 08:00:00");
    let (name, bytes) = cdss("2026-11-20 08:00:00", &[&r0, "short;record", &r2, &r0.replace(';', "；"), &r0, &r0]);
    let r = e.process(&name, &bytes, &mut NoSink, &mut out);
    assert_eq!(r.outcome, Outcome::Rejected, "3 bad of 6 is over 20 %");
    assert_eq!((r.total, r.accepted, r.rejected), (6, 0, 6));
    assert_eq!(r.reason_code(), Some("too_many_bad_records"));

    let good: Vec<String> = (0..9).map(|_| r0.clone()).collect();
    let mut recs: Vec<&str> = good.iter().map(String::as_str).collect();
    recs.push("short;record");
    let (name, bytes) = cdss("2026-11-20 08:01:00", &recs);
    let r = e.process(&name, &bytes, &mut NoSink, &mut out);
    assert_eq!(r.outcome, Outcome::Partial);
    assert_eq!((r.total, r.accepted, r.rejected), (10, 9, 1));
    assert_eq!(r.record_errors[0].record, 9);
    assert!(r.problem_lines(&name)[0].contains("record 9"));
}

#[test]
fn clock_skew_and_future_headers_are_named() {
    let mut e = Engine::new(Registry::default(), ParseOptions::default());
    let mut out = Vec::new();
    let ok = rec("0.3", 0, "2026-11-20 08:00:00");
    let skewed = rec("0.3", 0, "2026-11-20 09:30:00");
    let many: Vec<&str> = std::iter::repeat_n(ok.as_str(), 9).chain([skewed.as_str()]).collect();
    let (name, bytes) = cdss("2026-11-20 08:00:00", &many);
    let r = e.process(&name, &bytes, &mut NoSink, &mut out);
    assert_eq!(r.record_errors.len(), 1);
    assert_eq!(r.record_errors[0].reason.reason_code(), "clock_skew");
    assert_eq!(e.newest_seen(), Some(t("2026-11-20 08:00:00")));

    // A header two days ahead of everything seen so far.
    let (name, bytes) = cdss("2026-11-22 08:00:00", &[&rec("0.3", 0, "2026-11-22 08:00:00")]);
    let r = e.process(&name, &bytes, &mut NoSink, &mut out);
    assert_eq!(r.outcome, Outcome::Rejected);
    assert_eq!(r.reason_code(), Some("header_time_in_future"));
}

#[test]
fn a_face_over_the_cut_off_without_power_cut_is_a_major_hazard() {
    let mut e = Engine::new(Registry::default(), ParseOptions::default());
    let mut out = Vec::new();
    for (i, (v, st)) in [("0.4", 0), ("1.62", 1), ("1.70", 1), ("0.5", 0)].iter().enumerate() {
        let time = format!("2026-11-20 08:0{i}:00");
        let (name, bytes) = cdss(&time, &[&rec(v, *st, &time)]);
        e.process(&name, &bytes, &mut NoSink, &mut out);
    }
    e.finish(&mut out);
    let cut = out.iter().find(|f| f.rule == "CM26-11.4").expect("failed power cut");
    assert_eq!(cut.start, t("2026-11-20 08:01:00"));
    assert_eq!(cut.end, Some(t("2026-11-20 08:03:00")));
    assert_eq!(cut.peak, Some(1.70));
    assert!(cut.evidence.iter().any(|ev| ev.file == "999900000001_CDSS_20261120080200.txt" && ev.value == Some(1.70)));
    assert!(cut.has_tag("inferred"), "no registry: the class was inferred from the location text");
}

#[test]
fn legacy_g1_definitions_and_readings_are_judged_under_the_g1_mine_code() {
    let g1 = "150622B0012000200092";
    let point = "150622B001200020009201MN00010001";
    let mut e = Engine::new(Registry::default(), ParseOptions::default());
    let mut out = Vec::new();
    let cddy = format!("KJ95;煤矿安全监控系统;示例厂家;2026-11-20 07:59:00;0;1;0;0;0;0;~\r\n{point};150622B001200020009201DT40010001;1201综采工作面T1;01;%CH4;4.00;0.00;1.00;1.00;;;1.50;1.00;;;~\r\n||");
    let r = e.process(&format!("{g1}_CDDY_20261120075900.TXT"), cddy.as_bytes(), &mut NoSink, &mut out);
    assert_eq!((r.outcome, r.accepted), (Outcome::Accepted, 1), "{:?}", r.record_errors);
    for (i, (v, st)) in [("0.40", 0), ("1.80", 1), ("1.90", 1), ("0.50", 0)].iter().enumerate() {
        let time = format!("2026-11-20 08:0{i}:00");
        let text = format!("{time};1~\r\n{point};{v};{st}~\r\n||");
        let name = format!("{g1}_SSSJ_{}.TXT", t(&time).compact_format());
        let r = e.process(&name, text.as_bytes(), &mut NoSink, &mut out);
        assert_eq!(r.outcome, Outcome::Accepted);
    }
    e.finish(&mut out);
    let cut = out.iter().find(|f| f.rule == "CM26-11.4").expect("failed power cut from G1 uploads");
    assert_eq!(cut.mine, g1);
    assert_eq!((cut.start, cut.end), (t("2026-11-20 08:01:00"), Some(t("2026-11-20 08:03:00"))));
    assert!(out.iter().any(|f| f.rule == "CSR-GAS-3" && f.mine == g1));
}
