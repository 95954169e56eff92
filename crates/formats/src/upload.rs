//! One entry point for any upload: name + bytes → typed content.
//!
//! The steps are separate functions because the CDSS records borrow the decoded
//! text: a caller keeps the [`Decoded`] alive and parses from it ([`open`], then
//! [`split`] and [`parse_content`], or [`parse_text`] for both). [`with_upload`]
//! runs the whole path and hands the result to a closure, for callers that only
//! need to look at the content once.

use minesafe_model::monitoring::Substation;
use minesafe_model::{Area, Person, PointDef, Position, Station};

use crate::container::{decode, Decoded, Document, Encoding, FileName, Header, ParseOptions, Parsed};
use crate::error::{FileError, RecordError};
use crate::families::cdss::CdssRecord;
use crate::families::fzss::SubstationState;
use crate::families::g1_cddy::{self, G1CddyRecord};
use crate::families::g1_sssj::{self, SssjRecord};
use crate::families::jzss::StationState;
use crate::families::person_alarm::PersonAlarm;
use crate::families::rycs::OvertimeAlarm;
use crate::families::rycy::CrowdAlarm;
use crate::families::ryqj::SosAlarm;
use crate::families::ryxz::RestrictedAreaAlarm;
use crate::families::tjsj::Statistic;
use crate::families::ycbj::AbnormalEvent;
use crate::families::Family;

/// The typed records of one file, one variant per family.
#[derive(Debug)]
pub enum Content<'a> {
    /// 分站基本信息.
    Fzdy(Parsed<Substation>),
    /// 分站实时数据.
    Fzss(Parsed<SubstationState>),
    /// 测点基本信息.
    Cddy(Parsed<PointDef>),
    /// 测点实时数据; records borrow the file text.
    Cdss(Parsed<CdssRecord<'a>>),
    /// 测点统计信息.
    Tjsj(Parsed<Statistic>),
    /// 测点异常信息.
    Ycbj(Parsed<AbnormalEvent>),
    /// 区域信息.
    Ryqy(Parsed<Area>),
    /// 基站信息.
    Ryjz(Parsed<Station>),
    /// 人员信息.
    Ryxx(Parsed<Person>),
    /// 人员实时信息.
    Ryss(Parsed<Position>),
    /// 基站实时状态.
    Jzss(Parsed<StationState>),
    /// 超时报警 (G2 RYCS).
    Rycs(Parsed<PersonAlarm>),
    /// 超员报警.
    Rycy(Parsed<CrowdAlarm>),
    /// 进入限制区域报警.
    Ryxz(Parsed<PersonAlarm>),
    /// 人员求救.
    Ryqj(Parsed<PersonAlarm>),
    /// Legacy G1 测点定义; the time of every definition is the header's 数据时间.
    G1Cddy(Parsed<PointDef>),
    /// Legacy G1 实时数据; records carry no time, use `header.time`.
    G1Sssj(Parsed<SssjRecord<'a>>),
}

/// Applies `$body` to the `Parsed` inside any variant.
macro_rules! each {
    ($c:expr, $p:ident => $body:expr) => {
        match $c {
            Content::Fzdy($p) => $body,
            Content::Fzss($p) => $body,
            Content::Cddy($p) => $body,
            Content::Cdss($p) => $body,
            Content::Tjsj($p) => $body,
            Content::Ycbj($p) => $body,
            Content::Ryqy($p) => $body,
            Content::Ryjz($p) => $body,
            Content::Ryxx($p) => $body,
            Content::Ryss($p) => $body,
            Content::Jzss($p) => $body,
            Content::Rycs($p) => $body,
            Content::Rycy($p) => $body,
            Content::Ryxz($p) => $body,
            Content::Ryqj($p) => $body,
            Content::G1Cddy($p) => $body,
            Content::G1Sssj($p) => $body,
        }
    };
}

impl Content<'_> {
    /// (total, accepted, rejected) record counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        each!(self, p => (p.total, p.accepted.len(), p.rejected.len()))
    }

    pub fn rejected(&self) -> &[RecordError] {
        each!(self, p => &p.rejected)
    }

    /// The header of the file the records came from.
    pub fn header(&self) -> &Header {
        each!(self, p => &p.header)
    }

    pub fn family(&self) -> Family {
        match self {
            Content::Fzdy(_) => Family::Fzdy,
            Content::Fzss(_) => Family::Fzss,
            Content::Cddy(_) => Family::Cddy,
            Content::Cdss(_) => Family::Cdss,
            Content::Tjsj(_) => Family::Tjsj,
            Content::Ycbj(_) => Family::Ycbj,
            Content::Ryqy(_) => Family::Ryqy,
            Content::Ryjz(_) => Family::Ryjz,
            Content::Ryxx(_) => Family::Ryxx,
            Content::Ryss(_) => Family::Ryss,
            Content::Jzss(_) => Family::Jzss,
            Content::Rycs(_) => Family::Rycs,
            Content::Rycy(_) => Family::Rycy,
            Content::Ryxz(_) => Family::Ryxz,
            Content::Ryqj(_) => Family::Ryqj,
            Content::G1Cddy(_) => Family::G1Cddy,
            Content::G1Sssj(_) => Family::G1Sssj,
        }
    }
}

/// Parses the records of a split document as the given family. For the G1
/// families the document must come from [`split`] (or [`Document::split_g1`]), so
/// that the header time is the G1 数据时间.
pub fn parse_content<'a>(family: Family, doc: &Document<'a>, opts: &ParseOptions) -> Result<Content<'a>, FileError> {
    Ok(match family {
        Family::Fzdy => Content::Fzdy(doc.parse(opts)?),
        Family::Fzss => Content::Fzss(doc.parse(opts)?),
        Family::Cddy => Content::Cddy(doc.parse(opts)?),
        Family::Cdss => Content::Cdss(doc.parse(opts)?),
        Family::Tjsj => Content::Tjsj(doc.parse(opts)?),
        Family::Ycbj => Content::Ycbj(doc.parse(opts)?),
        Family::Ryqy => Content::Ryqy(doc.parse(opts)?),
        Family::Ryjz => Content::Ryjz(doc.parse(opts)?),
        Family::Ryxx => Content::Ryxx(doc.parse(opts)?),
        Family::Ryss => Content::Ryss(doc.parse(opts)?),
        Family::Jzss => Content::Jzss(doc.parse(opts)?),
        Family::Rycs => Content::Rycs(doc.parse::<OvertimeAlarm>(opts)?.map(|a| a.0)),
        Family::Rycy => Content::Rycy(doc.parse(opts)?),
        Family::Ryxz => Content::Ryxz(doc.parse::<RestrictedAreaAlarm>(opts)?.map(|a| a.0)),
        Family::Ryqj => Content::Ryqj(doc.parse::<SosAlarm>(opts)?.map(|a| a.0)),
        Family::G1Cddy => {
            let time = doc.header.time;
            Content::G1Cddy(doc.parse::<G1CddyRecord>(opts)?.map(|r| PointDef { time: Some(time), ..r.0 }))
        }
        Family::G1Sssj => Content::G1Sssj(doc.parse(opts)?),
    })
}

/// Splits a decoded text by the rules of the family's generation: G2 checks the
/// header mine code and takes the upload time from the last header field; G1 has
/// no mine code and takes its 数据时间 from a fixed field.
pub fn split<'a>(name: &FileName, family: Family, text: &'a str, opts: &ParseOptions) -> Result<Document<'a>, FileError> {
    match family {
        Family::G1Sssj => Document::split_g1(text, g1_sssj::HEADER_TIME_FIELD, opts),
        Family::G1Cddy => Document::split_g1(text, g1_cddy::HEADER_TIME_FIELD, opts),
        _ => Document::split(name, text, opts),
    }
}

/// [`split`] then [`parse_content`].
pub fn parse_text<'a>(name: &FileName, family: Family, text: &'a str, opts: &ParseOptions) -> Result<Content<'a>, FileError> {
    parse_content(family, &split(name, family, text, opts)?, opts)
}

/// The file-level steps every caller needs: name, size, decoding.
pub fn open<'b>(name: &str, bytes: &'b [u8], opts: &ParseOptions) -> Result<(FileName, Family, Decoded<'b>), FileError> {
    let fname = FileName::parse(name)?;
    let family = fname.family()?;
    if bytes.len() > opts.max_bytes {
        return Err(FileError::TooLarge { size: bytes.len(), limit: opts.max_bytes });
    }
    let decoded = decode(bytes)?;
    Ok((fname, family, decoded))
}

/// A fully parsed upload, as handed to [`with_upload`]'s closure.
#[derive(Debug)]
pub struct Upload<'a> {
    pub name: FileName,
    pub family: Family,
    pub encoding: Encoding,
    pub content: Content<'a>,
}

/// Runs the whole path — name, size, decoding, split, records — for any family
/// (G1 included) and lends the result to `f`. The closure form exists because the
/// records may borrow text that was re-encoded or un-quoted during decoding.
pub fn with_upload<T>(name: &str, bytes: &[u8], opts: &ParseOptions, f: impl FnOnce(Upload<'_>) -> T) -> Result<T, FileError> {
    let (fname, family, decoded) = open(name, bytes, opts)?;
    let content = parse_text(&fname, family, &decoded.text, opts)?;
    Ok(f(Upload { name: fname, family, encoding: decoded.encoding, content }))
}

/// Counts the records of a file that could not be split or parsed, so that a file
/// rejected whole still reports how many records it held (0 when not even that is known).
pub fn count_records(text: &str) -> usize {
    // Empty segments are not records (`Document` drops them too).
    crate::container::segments(text).map(|s| s.iter().skip(1).filter(|r| !r.is_empty()).count()).unwrap_or_else(|_| {
        let n = memchr::memchr_iter(b'~', text.as_bytes()).count();
        n.saturating_sub(1)
    })
}
