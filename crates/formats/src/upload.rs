//! One entry point for any upload: name + bytes → typed content.

use minesafe_model::{Area, Person, PointDef, Position};

use crate::container::{decode, Decoded, Document, FileName, ParseOptions, Parsed};
use crate::error::FileError;
use crate::families::cdss::CdssRecord;
use crate::families::Family;

/// The typed records of one file. Families not listed here yet are `Unsupported`.
#[derive(Debug)]
pub enum Content<'a> {
    Cddy(Parsed<PointDef>),
    Cdss(Parsed<CdssRecord<'a>>),
    Ryqy(Parsed<Area>),
    Ryxx(Parsed<Person>),
    Ryss(Parsed<Position>),
    /// A family this build does not parse; its records are counted, not read.
    Unsupported { family: Family, total: usize },
}

impl Content<'_> {
    /// (total, accepted, rejected) record counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        fn c<R>(p: &Parsed<R>) -> (usize, usize, usize) {
            (p.total, p.accepted.len(), p.rejected.len())
        }
        match self {
            Content::Cddy(p) => c(p),
            Content::Cdss(p) => c(p),
            Content::Ryqy(p) => c(p),
            Content::Ryxx(p) => c(p),
            Content::Ryss(p) => c(p),
            Content::Unsupported { total, .. } => (*total, 0, 0),
        }
    }

    pub fn rejected(&self) -> &[crate::RecordError] {
        match self {
            Content::Cddy(p) => &p.rejected,
            Content::Cdss(p) => &p.rejected,
            Content::Ryqy(p) => &p.rejected,
            Content::Ryxx(p) => &p.rejected,
            Content::Ryss(p) => &p.rejected,
            Content::Unsupported { .. } => &[],
        }
    }
}

/// Parses the records of a split G2 document as the given family.
pub fn parse_content<'a>(family: Family, doc: &Document<'a>, opts: &ParseOptions) -> Result<Content<'a>, FileError> {
    Ok(match family {
        Family::Cddy => Content::Cddy(doc.parse(opts)?),
        Family::Cdss => Content::Cdss(doc.parse(opts)?),
        Family::Ryqy => Content::Ryqy(doc.parse(opts)?),
        Family::Ryxx => Content::Ryxx(doc.parse(opts)?),
        Family::Ryss => Content::Ryss(doc.parse(opts)?),
        other => Content::Unsupported { family: other, total: doc.records.len() },
    })
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

/// Counts the records of a file that could not be split or parsed, so that a file
/// rejected whole still reports how many records it held (0 when not even that is known).
pub fn count_records(text: &str) -> usize {
    crate::container::segments(text).map(|s| s.len().saturating_sub(1)).unwrap_or_else(|_| {
        let n = memchr::memchr_iter(b'~', text.as_bytes()).count();
        n.saturating_sub(1)
    })
}
