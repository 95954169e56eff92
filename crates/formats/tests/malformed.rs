//! Malformed files and records through the public path (`with_upload`, `open`,
//! `split`, `parse_content`): every problem is a named file or record error.

use minesafe_formats::container::ParseOptions;
use minesafe_formats::{with_upload, Content, Family, FileError, RejectReason};

const NAME: &str = "999900000001_CDSS_20250301080010.txt";
const HEADER: &str = "999900000001;虚构示例矿;2025-03-01 08:00:10~";
const GOOD: &str = "99990000000101MN00010001;甲烷;1201综采工作面T1;0.32;%CH4;0;2025-03-01 08:00:10~";

fn lenient() -> ParseOptions {
    ParseOptions { max_bad_ratio: 1.0, ..ParseOptions::default() }
}

/// A CDSS file: header, `bad` between two good records, terminator.
fn cdss_with(bad: &str) -> String {
    format!("{HEADER}{GOOD}{bad}~{GOOD}||")
}

/// Parses a CDSS file and returns (accepted, reason codes of rejected records, rejected fields).
fn cdss_outcome(text: &str) -> (usize, Vec<&'static str>, Vec<Option<usize>>) {
    with_upload(NAME, text.as_bytes(), &lenient(), |u| match u.content {
        Content::Cdss(p) => {
            assert_eq!(p.total, p.accepted.len() + p.rejected.len());
            (p.accepted.len(), p.rejected.iter().map(|r| r.reason.reason_code()).collect(), p.rejected.iter().map(|r| r.field()).collect())
        }
        other => panic!("not CDSS: {:?}", other.family()),
    })
    .unwrap_or_else(|e| panic!("file rejected: {e}"))
}

#[test]
fn record_level_errors_are_named() {
    let cases: &[(&str, &str, Option<usize>)] = &[
        ("P;甲烷;L;0.32;%CH4;0", "field_count", None),
        ("P;甲烷;L;0.32;%CH4;0;2025-03-01 08:00:10;x", "field_count", None),
        ("P;甲烷;L;零点三;%CH4;0;2025-03-01 08:00:10", "bad_field", Some(4)),
        ("P;甲烷;L;NaN;%CH4;0;2025-03-01 08:00:10", "bad_field", Some(4)),
        ("P;甲烷;L;inf;%CH4;0;2025-03-01 08:00:10", "bad_field", Some(4)),
        ("P;甲烷;L;0.3;%CH4;-1;2025-03-01 08:00:10", "bad_field", Some(6)),
        ("P;甲烷;L;0.3;%CH4;0;2025-03-01 8:00:10", "bad_field", Some(7)),
        ("P;甲烷;L;0.3;%CH4;0;2025-02-30 08:00:10", "bad_field", Some(7)),
        ("P;甲烷;L;0.3;%CH4;0;", "bad_field", Some(7)),
        (";甲烷;L;0.3;%CH4;0;2025-03-01 08:00:10", "bad_field", Some(1)),
        ("P；甲烷;L;0.3;%CH4;0;2025-03-01 08:00:10", "full_width_separator", None),
        ("P;甲\u{1};L;0.3;%CH4;0;2025-03-01 08:00:10", "garbage_bytes", None),
        ("P;甲\u{FFFD};L;0.3;%CH4;0;2025-03-01 08:00:10", "garbage_bytes", None),
        ("P;甲烷;L;0.3;%CH4;0;2025-03-01 09:00:10", "clock_skew", None),
    ];
    for (bad, code, field) in cases {
        let (accepted, codes, fields) = cdss_outcome(&cdss_with(bad));
        assert_eq!(accepted, 2, "{bad}");
        assert_eq!(codes, vec![*code], "{bad}");
        assert_eq!(fields, vec![*field], "{bad}");
    }
}

#[test]
fn trailing_separator_and_empty_optionals_are_accepted() {
    for ok in ["P;甲烷;L;0.3;%CH4;0;2025-03-01 08:00:10;", "P;;;;;;2025-03-01 08:00:10", " P ; 甲烷 ;L;0.3;%CH4;0;2025-03-01 08:00:10 "]
    {
        let (accepted, codes, _) = cdss_outcome(&cdss_with(ok));
        assert_eq!((accepted, codes.len()), (3, 0), "{ok}");
    }
}

fn file_error(name: &str, bytes: &[u8]) -> FileError {
    match with_upload(name, bytes, &ParseOptions::default(), |u| u.content.counts()) {
        Ok(c) => panic!("accepted {name}: {c:?}"),
        Err(e) => e,
    }
}

#[test]
fn file_level_errors_are_named() {
    let truncated = format!("{HEADER}{GOOD}{GOOD}");
    assert_eq!(file_error(NAME, truncated.as_bytes()), FileError::Incomplete);
    let cut_mid_record = format!("{HEADER}{GOOD}9999000000010");
    assert_eq!(file_error(NAME, cut_mid_record.as_bytes()), FileError::Incomplete);
    let other_mine = format!("999900000002;虚构示例矿;2025-03-01 08:00:10~{GOOD}||");
    assert!(matches!(file_error(NAME, other_mine.as_bytes()), FileError::MineMismatch { .. }));
    let full_width_header = format!("999900000001；虚构示例矿；2025-03-01 08:00:10~{GOOD}||");
    assert!(matches!(file_error(NAME, full_width_header.as_bytes()), FileError::BadHeader(_)));
    let bad_header_time = format!("999900000001;虚构示例矿;2025-03-01~{GOOD}||");
    assert!(matches!(file_error(NAME, bad_header_time.as_bytes()), FileError::BadHeader(_)));
    assert_eq!(file_error(NAME, b"\xff\xfe\xfd\xfc\x80\x80||"), FileError::Encoding);
    assert_eq!(file_error(NAME, b" \r\n"), FileError::Empty);
    assert!(matches!(file_error(NAME, b"\"bad \\q escape||\""), FileError::Garbage(_)));
    assert!(matches!(file_error("999900000001_CDSS_2025030108001.txt", b"x||"), FileError::BadName(_)));
    assert!(matches!(file_error("999900000001_ABCD_20250301080010.txt", b"x||"), FileError::UnknownType(_)));
    assert!(matches!(file_error("150622B0012000200092_KGBH_20250301080010.TXT", b"x||"), FileError::LegacyG1(_)));
    let big = ParseOptions { max_bytes: 10, ..ParseOptions::default() };
    assert!(matches!(with_upload(NAME, cdss_with("").as_bytes(), &big, |_| ()), Err(FileError::TooLarge { .. })));
}

#[test]
fn too_many_bad_records_reject_the_file() {
    // 1 bad of 5 = 20 % is the limit and still accepted; 2 of 6 is not.
    let one = format!("{HEADER}{GOOD}{GOOD}{GOOD}{GOOD}x~||");
    let counts = with_upload(NAME, one.as_bytes(), &ParseOptions::default(), |u| u.content.counts()).unwrap();
    assert_eq!(counts, (5, 4, 1));
    let two = format!("{HEADER}{GOOD}{GOOD}{GOOD}{GOOD}x~y~||");
    assert_eq!(file_error(NAME, two.as_bytes()), FileError::TooManyBadRecords { bad: 2, total: 6, limit_pct: 20 });
}

#[test]
fn header_far_in_the_future_is_rejected() {
    let newest = minesafe_model::Timestamp::parse_beijing("2025-02-01 00:00:00").unwrap();
    let opts = ParseOptions { newest_seen: Some(newest), ..ParseOptions::default() };
    let r = with_upload(NAME, cdss_with("").as_bytes(), &opts, |_| ());
    assert!(matches!(r, Err(FileError::FutureTime { .. })), "{r:?}");
}

#[test]
fn every_family_dispatches_to_its_variant() {
    // One minimal valid record per family, through the single public path.
    let t = "2025-03-01 08:00:10";
    let g2: &[(Family, String)] = &[
        (Family::Fzdy, "F1;配电点;1;2;3;".to_string()),
        (Family::Fzss, "F1;0;1".to_string()),
        (Family::Cddy, format!("P1;01;F1;0001;MN;%CH4;4;0;1;1;;;1.5;1;;;;;L;;;;;{t}")),
        (Family::Cdss, format!("P1;甲烷;L;0.3;%CH4;0;{t}")),
        (Family::Tjsj, format!("P1;甲烷;L;%CH4;{t};{t};1;;0;;0.5;{t}")),
        (Family::Ycbj, format!("P1;甲烷;L;%CH4;1;{t};;;;;;;;;;;{t}")),
        (Family::Ryqy, "限制区域;9999000000010003;2;密闭".to_string()),
        (Family::Ryjz, "9999000000010001000010;井口;0;0;0;井口".to_string()),
        (Family::Ryxx, "99990000000190001;甲;未设置;未设置;队;1990-01-01;;0;1".to_string()),
        (Family::Ryss, format!("99990000000190001;甲;1;{t};;;;;;三八制;;正常;0;0;")),
        (Family::Jzss, format!("9999000000010001000010;0;1;{t}")),
        (Family::Rycs, format!("C1;甲;{t};{t};;;;;")),
        (Family::Rycy, format!("矿井超员;1;2;;;{t};;C1,C2")),
        (Family::Ryxz, format!("C1;甲;{t};;{t};A;;S;")),
        (Family::Ryqj, format!("C1;甲;{t};;;;;;")),
    ];
    for (family, record) in g2 {
        let name = format!("999900000001_{}_20250301080010.txt", family.type_code());
        let text = format!("{HEADER}{record}~||");
        let (got, counts) = with_upload(&name, text.as_bytes(), &ParseOptions::default(), |u| (u.content.family(), u.content.counts()))
            .unwrap_or_else(|e| panic!("{family:?}: {e}"));
        assert_eq!((got, counts), (*family, (1, 1, 0)), "{family:?}");
    }
    let sssj = "2025-03-01 08:00:10;1;~150622B001200020009201MN00010001;0.5;0;~||";
    let r = with_upload("150622B0012000200092_SSSJ_20250301080010.TXT", sssj.as_bytes(), &ParseOptions::default(), |u| match &u.content {
        Content::G1Sssj(p) => (p.accepted[0].1.reading(p.header.time).value, p.header.time.upload_format()),
        other => panic!("{:?}", other.family()),
    });
    assert_eq!(r.unwrap(), (Some(0.5), "2025-03-01 08:00:10".to_string()));
    let cddy = "KJ1031X;监控;厂家;2025-03-01 08:00:00;0;1;0;0;0;0;~150622B001200020009201MN00010001;F1;面;01;%CH4;4;0;1;1;;;1.5;1;;;~||";
    let r = with_upload("150622B0012000200092_CDDY_20250301080010.TXT", cddy.as_bytes(), &ParseOptions::default(), |u| match u.content {
        Content::G1Cddy(p) => p.accepted[0].1.time.map(|t| t.upload_format()),
        other => panic!("{:?}", other.family()),
    });
    assert_eq!(r.unwrap().as_deref(), Some("2025-03-01 08:00:00"), "G1 definitions take the header's 数据时间");
}

#[test]
fn g1_header_has_no_mine_code_check() {
    // A G2-style header in a G1 file is not a time in field 1: rejected as a bad header, not a mine mismatch.
    let text = "150622B0012000200092;矿;2025-03-01 08:00:10~a;1;0~||";
    let r = with_upload("150622B0012000200092_SSSJ_20250301080010.TXT", text.as_bytes(), &ParseOptions::default(), |_| ());
    assert!(matches!(r, Err(FileError::BadHeader(_))), "{r:?}");
}

#[test]
fn rejected_records_keep_their_place() {
    let text = cdss_with("P;甲烷;L;abc;%CH4;0;2025-03-01 08:00:10");
    let rejected = with_upload(NAME, text.as_bytes(), &lenient(), |u| u.content.rejected().to_vec()).unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].record, 1);
    assert!(matches!(&rejected[0].reason, RejectReason::BadField(e) if e.name == "测点值"));
    assert!(rejected[0].text.starts_with("P;甲烷"));
}
