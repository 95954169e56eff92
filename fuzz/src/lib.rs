//! Shared harness of the fuzz targets.
//!
//! Every target asserts more than "no panic": record counts reconcile
//! (accepted + rejected = total), and every accepted record, written back with its
//! own writer and parsed again, is equal to itself — so the writer and the parser
//! agree on everything the parser lets through.

use minesafe_formats::container::{parse_record, Document, FileName, ParseOptions, Record};
use minesafe_formats::families::fzss::SubstationState;
use minesafe_formats::families::g1_cddy::{self, G1CddyRecord};
use minesafe_formats::families::g1_sssj::{self, SssjRecord};
use minesafe_formats::{
    decode, with_upload, AbnormalEvent, CdssRecord, CrowdAlarm, Family, OvertimeAlarm, RestrictedAreaAlarm, SosAlarm, StationState,
    Statistic,
};
use minesafe_model::monitoring::Substation;
use minesafe_model::{Area, Person, PointDef, Position, Station};

pub const G2_MINE: &str = "999900000001";
pub const G1_MINE: &str = "150622B0012000200092";
const G2_HEADER: &str = "999900000001;虚构示例矿;2025-03-01 08:00:10~";
const G1_SSSJ_HEADER: &str = "2025-03-01 08:00:10;1~";
const G1_CDDY_HEADER: &str = "KJ1031X;煤矿安全监控系统;示例厂家;2025-03-01 08:00:10;0;0;0;0;0;0;~";

/// A file name for the family; `variant` picks spellings the name parser accepts.
pub fn file_name(family: Family, variant: u8) -> String {
    let mine = if family.is_legacy() { G1_MINE } else { G2_MINE };
    let ext = if variant & 1 == 0 { "txt" } else { "TXT" };
    format!("{mine}_{}_20250301080010.{ext}", family.type_code())
}

/// Parses `doc` as `$ty`, checks the counts and the write → parse fixed point.
macro_rules! check {
    ($doc:expr, $opts:expr, $ty:ty) => {{
        if let Ok(p) = $doc.parse::<$ty>($opts) {
            assert_eq!(p.total, p.accepted.len() + p.rejected.len());
            for (_, r) in &p.accepted {
                let mut text = String::new();
                r.write(&mut text);
                let mut buf = Vec::new();
                let again = parse_record::<$ty>(&text, $doc.header.time, $opts, &mut buf);
                assert_eq!(again.as_ref(), Ok(r), "re-parsing the written record {text:?}");
            }
        }
    }};
}

/// Runs the records of a split document through the family's record type.
pub fn check_records(family: Family, doc: &Document<'_>, opts: &ParseOptions) {
    match family {
        Family::Fzdy => check!(doc, opts, Substation),
        Family::Fzss => check!(doc, opts, SubstationState),
        Family::Cddy => check!(doc, opts, PointDef),
        Family::Cdss => check!(doc, opts, CdssRecord<'_>),
        Family::Tjsj => check!(doc, opts, Statistic),
        Family::Ycbj => check!(doc, opts, AbnormalEvent),
        Family::Ryqy => check!(doc, opts, Area),
        Family::Ryjz => check!(doc, opts, Station),
        Family::Ryxx => check!(doc, opts, Person),
        Family::Ryss => check!(doc, opts, Position),
        Family::Jzss => check!(doc, opts, StationState),
        Family::Rycs => check!(doc, opts, OvertimeAlarm),
        Family::Rycy => check!(doc, opts, CrowdAlarm),
        Family::Ryxz => check!(doc, opts, RestrictedAreaAlarm),
        Family::Ryqj => check!(doc, opts, SosAlarm),
        Family::G1Cddy => check!(doc, opts, G1CddyRecord),
        Family::G1Sssj => check!(doc, opts, SssjRecord<'_>),
    }
}

fn split<'a>(family: Family, name: &FileName, text: &'a str, opts: &ParseOptions) -> Option<Document<'a>> {
    match family {
        Family::G1Sssj => Document::split_g1(text, g1_sssj::HEADER_TIME_FIELD, opts).ok(),
        Family::G1Cddy => Document::split_g1(text, g1_cddy::HEADER_TIME_FIELD, opts).ok(),
        _ => Document::split(name, text, opts).ok(),
    }
}

/// The whole public path for one (family, bytes) pair.
pub fn dispatch(family: Family, variant: u8, data: &[u8]) {
    let opts = ParseOptions { max_bytes: 1 << 20, ..ParseOptions::default() };
    let name = file_name(family, variant);
    if let Ok((total, accepted, rejected)) = with_upload(&name, data, &opts, |u| {
        assert_eq!(u.family, family);
        assert_eq!(u.content.family(), family);
        u.content.counts()
    }) {
        assert_eq!(total, accepted + rejected);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = minesafe_formats::upload::count_records(text);
    }
}

/// One family: the input as a whole file, and as the record part of a file with a
/// valid header (so the fuzzer spends its time in the record parser).
pub fn family(family: Family, data: &[u8]) {
    dispatch(family, 0, data);
    let opts = ParseOptions { max_bad_ratio: 1.0, ..ParseOptions::default() };
    let Ok(name) = FileName::parse(&file_name(family, 0)) else { return };
    let header = match family {
        Family::G1Sssj => G1_SSSJ_HEADER,
        Family::G1Cddy => G1_CDDY_HEADER,
        _ => G2_HEADER,
    };
    for bytes in [data.to_vec(), [header.as_bytes(), data, b"~||"].concat()] {
        let Ok(decoded) = decode(&bytes) else { continue };
        if let Some(doc) = split(family, &name, &decoded.text, &opts) {
            check_records(family, &doc, &opts);
        }
    }
}
