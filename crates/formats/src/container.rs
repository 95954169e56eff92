//! The container rules shared by every G2 file (monitoring-data-formats.md §2, §8):
//! file names, encodings, `~` records, `;` fields and the `||` terminator.

use std::borrow::Cow;

use memchr::memchr_iter;
use minesafe_model::{Generation, MineCode, Timestamp};

use crate::error::{FieldError, FileError, RecordError, RejectReason};
use crate::families::Family;

/// A parsed upload file name: `<mine code>_<TYPE>_<yyyyMMddHHmmss>.txt`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName {
    pub mine: MineCode,
    /// The type as written (`CDSS`, `RYSS`, `SSSJ`, …).
    pub kind: String,
    pub time: Timestamp,
    pub name: String,
}

impl FileName {
    /// Parses a bare file name (no directory). Dot-files and temporary names are rejected.
    pub fn parse(name: &str) -> Result<Self, FileError> {
        let bad = || FileError::BadName(name.to_string());
        if name.starts_with('.') {
            return Err(bad());
        }
        let stem = name.strip_suffix(".txt").or_else(|| name.strip_suffix(".TXT")).ok_or_else(bad)?;
        let mut parts = stem.split('_');
        let (mine, kind, time) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(m), Some(k), Some(t), None) => (m, k, t),
            _ => return Err(bad()),
        };
        if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad());
        }
        let mine = MineCode::parse(mine).map_err(|_| bad())?;
        let time = Timestamp::parse_compact(time).map_err(|_| bad())?;
        Ok(FileName { mine, kind: kind.to_string(), time, name: name.to_string() })
    }

    pub fn generation(&self) -> Generation {
        self.mine.generation()
    }

    /// The file family, dispatched on (generation, type): RYCS means overtime alarm
    /// in G2 but personnel parameters in G1.
    pub fn family(&self) -> Result<Family, FileError> {
        Family::from_type(self.generation(), &self.kind)
    }

    /// The canonical name of an upload.
    pub fn format(mine: &str, kind: &str, time: Timestamp) -> String {
        format!("{mine}_{kind}_{}.txt", time.compact_format())
    }
}

/// The encoding a file was decoded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// Older systems write GB2312/GBK; GB18030 is their superset.
    Gb18030,
}

impl Encoding {
    pub fn id(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Gb18030 => "gb18030",
        }
    }
}

/// File text after decoding and normalisation (no BOM, no quoting, no CR/LF).
#[derive(Debug)]
pub struct Decoded<'b> {
    pub text: Cow<'b, str>,
    pub encoding: Encoding,
    pub had_bom: bool,
    pub json_quoted: bool,
}

/// Options of the container parse; defaults follow the production policy.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Largest accepted file.
    pub max_bytes: usize,
    /// More than this share of bad records rejects the whole file.
    pub max_bad_ratio: f64,
    /// A record time this far ahead of the header time is clock skew.
    pub max_record_ahead_secs: i64,
    /// The newest upload time seen so far, to reject headers far in the future.
    pub newest_seen: Option<Timestamp>,
    /// How far ahead of `newest_seen` a header may be.
    pub max_header_ahead_secs: i64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_bytes: 20 * 1024 * 1024,
            max_bad_ratio: 0.20,
            max_record_ahead_secs: 300,
            newest_seen: None,
            max_header_ahead_secs: 24 * 3600,
        }
    }
}

/// Decodes raw bytes: strips a UTF-8 BOM, un-quotes a JSON-string body, falls back
/// to GB18030 when the bytes are not UTF-8, and removes CR/LF (records are
/// delimited by `~`, line breaks carry nothing).
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, FileError> {
    let mut had_bom = false;
    let mut b = bytes;
    if let Some(rest) = b.strip_prefix(b"\xEF\xBB\xBF") {
        had_bom = true;
        b = rest;
    }
    if b.iter().all(|c| c.is_ascii_whitespace()) {
        return Err(FileError::Empty);
    }
    let (mut text, encoding): (Cow<'_, str>, Encoding) = match std::str::from_utf8(b) {
        Ok(s) => (Cow::Borrowed(s), Encoding::Utf8),
        Err(_) => {
            // Not clean UTF-8: either a GBK/GB18030 file, or a UTF-8 file with a few
            // garbage bytes. Valid multi-byte UTF-8 sequences are rare in GBK text, so
            // when they clearly outnumber the invalid ones the file is UTF-8 and the
            // garbage stays inside its records (replaced by U+FFFD, which the record
            // check rejects) instead of turning the good Chinese text into mojibake.
            let lossy = String::from_utf8_lossy(b);
            let bad = lossy.chars().filter(|c| *c == '\u{FFFD}').count();
            let good = lossy.chars().filter(|c| !c.is_ascii() && *c != '\u{FFFD}').count();
            if good > bad * 4 {
                (Cow::Owned(lossy.into_owned()), Encoding::Utf8)
            } else {
                let (s, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(b);
                if had_errors {
                    if good == 0 && bad * 2 > b.len() {
                        return Err(FileError::Encoding);
                    }
                    (Cow::Owned(lossy.into_owned()), Encoding::Utf8)
                } else {
                    (Cow::Owned(s.into_owned()), Encoding::Gb18030)
                }
            }
        }
    };
    let mut json_quoted = false;
    let trimmed = text.trim();
    if trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"') {
        match serde_json::from_str::<String>(trimmed) {
            Ok(s) => {
                text = Cow::Owned(s);
                json_quoted = true;
            }
            Err(e) => return Err(FileError::Garbage(format!("body quoted like a JSON string but not valid JSON: {e}"))),
        }
    }
    if memchr::memchr2(b'\r', b'\n', text.as_bytes()).is_some() {
        // CR and LF are ASCII, so cutting them out keeps the text valid UTF-8.
        let mut out = String::with_capacity(text.len());
        let mut start = 0;
        for i in memchr::memchr2_iter(b'\r', b'\n', text.as_bytes()) {
            out.push_str(&text[start..i]);
            start = i + 1;
        }
        out.push_str(&text[start..]);
        text = Cow::Owned(out);
    }
    Ok(Decoded { text, encoding, had_bom, json_quoted })
}

/// The header record (first `~` segment).
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub fields: Vec<String>,
    /// The upload time: the **last** header field (works for 3-, 7- and 8-field headers).
    pub time: Timestamp,
}

impl Header {
    /// Mine code (first field) of a G2 header.
    pub fn mine(&self) -> &str {
        self.fields.first().map(String::as_str).unwrap_or("")
    }

    /// Mine name (second field) of a G2 header.
    pub fn mine_name(&self) -> &str {
        self.fields.get(1).map(String::as_str).unwrap_or("")
    }

    /// Field by 1-based position.
    pub fn field(&self, n: usize) -> Option<&str> {
        n.checked_sub(1).and_then(|i| self.fields.get(i)).map(String::as_str)
    }
}

/// A split file: header fields and raw record texts, borrowed from the decoded text.
#[derive(Debug)]
pub struct Document<'a> {
    pub header: Header,
    pub records: Vec<&'a str>,
}

/// Splits `~`-terminated segments; the text must end with `||`.
pub fn segments(text: &str) -> Result<Vec<&str>, FileError> {
    let body = text.trim_end();
    let body = body.strip_suffix("||").ok_or(FileError::Incomplete)?;
    let mut out = Vec::new();
    let mut start = 0;
    for i in memchr_iter(b'~', body.as_bytes()) {
        out.push(body[start..i].trim());
        start = i + 1;
    }
    let tail = body[start..].trim();
    if !tail.is_empty() {
        // Text after the last `~`: a record without its terminator. Keep it, so it is
        // parsed (or rejected) like any other record rather than silently lost.
        out.push(tail);
    }
    while out.last().is_some_and(|s| s.is_empty()) {
        out.pop();
    }
    Ok(out)
}

impl<'a> Document<'a> {
    /// Splits a G2 file and checks its header against the file name.
    pub fn split(name: &FileName, text: &'a str, opts: &ParseOptions) -> Result<Self, FileError> {
        let (fields, mut records) = split_header(text)?;
        if fields.len() < 3 {
            return Err(FileError::BadHeader(format!("{} fields, expected at least 3 (mine code; mine name; upload time)", fields.len())));
        }
        let last = fields.last().map(String::as_str).unwrap_or("");
        let time = Timestamp::parse_beijing(last).map_err(|e| FileError::BadHeader(format!("upload time: {e}")))?;
        if fields[0] != name.mine.as_str() {
            return Err(FileError::MineMismatch { header: fields[0].clone(), name: name.mine.to_string() });
        }
        check_future(time, opts)?;
        records.retain(|s| !s.is_empty());
        Ok(Document { header: Header { fields, time }, records })
    }

    /// Splits a legacy G1 file (§7). Its header carries no mine code (the mine comes
    /// from the file name) and its upload time is the 数据时间 field at `time_field`
    /// (1-based: field 1 in SSSJ, field 4 in CDDY), not the last field.
    pub fn split_g1(text: &'a str, time_field: usize, opts: &ParseOptions) -> Result<Self, FileError> {
        let (fields, mut records) = split_header(text)?;
        let raw = time_field.checked_sub(1).and_then(|i| fields.get(i)).ok_or_else(|| {
            FileError::BadHeader(format!("{} fields, the legacy header needs its data time in field {time_field}", fields.len()))
        })?;
        let time = Timestamp::parse_beijing(raw).map_err(|e| FileError::BadHeader(format!("data time: {e}")))?;
        check_future(time, opts)?;
        records.retain(|s| !s.is_empty());
        Ok(Document { header: Header { fields, time }, records })
    }

    /// Parses every record as `R`, applying the bad-record ratio.
    pub fn parse<R: Record<'a>>(&self, opts: &ParseOptions) -> Result<Parsed<R>, FileError> {
        parse_records(&self.header, &self.records, opts)
    }
}

/// Splits the segments and the header's fields, shared by both generations.
fn split_header(text: &str) -> Result<(Vec<String>, Vec<&str>), FileError> {
    let mut records = segments(text)?;
    if records.is_empty() {
        return Err(FileError::BadHeader("no header".into()));
    }
    // Reuse the segment list for the records (one large allocation, not two).
    let first = records.remove(0);
    if first.contains('；') {
        return Err(FileError::BadHeader("full-width separator `；` in the header".into()));
    }
    let fields: Vec<String> = first.split(';').map(|s| s.trim().to_string()).collect();
    Ok((trim_trailing_empty(fields), records))
}

fn trim_trailing_empty(mut v: Vec<String>) -> Vec<String> {
    while v.len() > 1 && v.last().is_some_and(|s| s.is_empty()) {
        v.pop();
    }
    v
}

/// Rejects header times far ahead of the newest upload seen.
pub fn check_future(time: Timestamp, opts: &ParseOptions) -> Result<(), FileError> {
    if let Some(newest) = opts.newest_seen {
        let ahead = time.secs_since(newest);
        if ahead > opts.max_header_ahead_secs {
            return Err(FileError::FutureTime { header: time.to_string(), newest: newest.to_string(), ahead_secs: ahead });
        }
    }
    Ok(())
}

/// Records of one file, accepted and rejected; `accepted.len() + rejected.len() == total`.
#[derive(Debug)]
pub struct Parsed<R> {
    pub header: Header,
    /// (record index, record).
    pub accepted: Vec<(usize, R)>,
    pub rejected: Vec<RecordError>,
    pub total: usize,
}

impl<R> Parsed<R> {
    /// Converts every accepted record, keeping indices, rejections and counts; used
    /// where a wire layout type (e.g. one alarm file's field order) is unwrapped into
    /// the shared domain type.
    pub fn map<S>(self, mut f: impl FnMut(R) -> S) -> Parsed<S> {
        Parsed {
            header: self.header,
            accepted: self.accepted.into_iter().map(|(i, r)| (i, f(r))).collect(),
            rejected: self.rejected,
            total: self.total,
        }
    }
}

/// One record type of a file family.
pub trait Record<'a>: Sized {
    /// Number of fields the spec gives.
    const FIELDS: usize;
    /// Fewest fields accepted, where the spec marks trailing fields uncertain.
    const MIN_FIELDS: usize = Self::FIELDS;
    /// Reads the fields (already split, trimmed, without the optional empty extra).
    fn parse(fields: &[&'a str]) -> Result<Self, FieldError>;
    /// Writes the fields joined by `;`, without the `~`.
    fn write(&self, out: &mut String);
    /// The record's own data time, checked against the header time for clock skew.
    fn data_time(&self) -> Option<Timestamp> {
        None
    }
}

fn cut(s: &str) -> String {
    s.chars().take(120).collect()
}

/// True when the bytes hold something that may be garbage or a full-width `；`:
/// C0 controls (tab included; the exact check lets it pass) and DEL, and the lead
/// bytes of C1 controls (C2), of U+FFFD and of `；` (both EF). Clean records hold
/// none, so this screen runs on every record and the exact checks almost never do.
/// Written branch-free over fixed chunks so that the compiler vectorises it.
#[inline]
fn suspicious(b: &[u8]) -> bool {
    #[inline(always)]
    fn hit(c: u8) -> bool {
        (c < 0x20) | (c == 0x7f) | (c == 0xc2) | (c == 0xef)
    }
    let mut chunks = b.chunks_exact(32);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |acc, &c| acc | hit(c)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&c| hit(c))
}

/// `str::trim` without its cost on the common field that has nothing to trim.
#[inline]
fn trim_field(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&z)) if a > b' ' && a < 0x80 && z > b' ' && z < 0x80 => s,
        _ => s.trim(),
    }
}

/// True when the text holds control characters or U+FFFD (undecodable input).
fn has_garbage(s: &str) -> bool {
    // Byte scan (the hot path runs this on every record): C0 controls and DEL,
    // C1 controls (C2 80..C2 9F) and the replacement character (EF BF BD).
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        (c < 0x20 && c != b'\t')
            || c == 0x7f
            || (c == 0xc2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)))
            || (c == 0xef && b.get(i + 1) == Some(&0xbf) && b.get(i + 2) == Some(&0xbd))
    })
}

/// Parses one record text; the caller's buffer is reused to avoid allocation.
pub fn parse_record<'a, R: Record<'a>>(
    text: &'a str,
    header_time: Timestamp,
    opts: &ParseOptions,
    buf: &mut Vec<&'a str>,
) -> Result<R, RejectReason> {
    if suspicious(text.as_bytes()) {
        if text.contains('；') {
            return Err(RejectReason::FullWidthSeparator);
        }
        if has_garbage(text) {
            return Err(RejectReason::Garbage);
        }
    }
    // Split on `;`, keeping empties. Only FIELDS + 1 fields are kept (a record with
    // thousands of `;` must not grow the buffer); the rest are only counted.
    buf.clear();
    let mut n = 0;
    let mut start = 0;
    for i in memchr_iter(b';', text.as_bytes()).chain(std::iter::once(text.len())) {
        if n <= R::FIELDS {
            buf.push(trim_field(&text[start..i]));
        }
        n += 1;
        start = i + 1;
    }
    if n == R::FIELDS + 1 && buf[R::FIELDS].is_empty() {
        n -= 1;
    }
    if n < R::MIN_FIELDS || n > R::FIELDS {
        return Err(RejectReason::FieldCount { expected: R::FIELDS, got: n });
    }
    let r = R::parse(&buf[..n]).map_err(RejectReason::BadField)?;
    if let Some(t) = r.data_time() {
        let ahead = t.secs_since(header_time);
        if ahead > opts.max_record_ahead_secs {
            return Err(RejectReason::ClockSkew { ahead_secs: ahead });
        }
    }
    Ok(r)
}

/// Parses a list of record texts as `R` and applies the bad-record ratio.
pub fn parse_records<'a, R: Record<'a>>(header: &Header, records: &[&'a str], opts: &ParseOptions) -> Result<Parsed<R>, FileError> {
    let mut accepted = Vec::with_capacity(records.len());
    let mut rejected = Vec::new();
    let mut buf = Vec::with_capacity(R::FIELDS + 1);
    for (i, text) in records.iter().enumerate() {
        match parse_record::<R>(text, header.time, opts, &mut buf) {
            Ok(r) => accepted.push((i, r)),
            Err(reason) => rejected.push(RecordError { record: i, reason, text: cut(text) }),
        }
    }
    let total = records.len();
    if total > 0 && rejected.len() as f64 > opts.max_bad_ratio * total as f64 {
        return Err(FileError::TooManyBadRecords { bad: rejected.len(), total, limit_pct: (opts.max_bad_ratio * 100.0).round() as u32 });
    }
    Ok(Parsed { header: header.clone(), accepted, rejected, total })
}

/// Writes an upload file: header, records, `||`.
pub struct UploadWriter {
    out: String,
    crlf: bool,
}

impl UploadWriter {
    /// A standard 3-field header: mine code; mine name; upload time.
    pub fn new(mine: &str, mine_name: &str, time: Timestamp) -> Self {
        Self::with_header(&[mine, mine_name, &time.upload_format()])
    }

    /// Any header (CDDY has 7 fields, RYXX 8); the upload time must be the last field.
    pub fn with_header(fields: &[&str]) -> Self {
        let mut out = String::with_capacity(4096);
        out.push_str(&fields.join(";"));
        out.push('~');
        UploadWriter { out, crlf: false }
    }

    /// Put CR/LF after every record, as some vendors do.
    pub fn crlf(mut self, on: bool) -> Self {
        if on {
            self.out.push_str("\r\n");
        }
        self.crlf = on;
        self
    }

    pub fn record<'a, R: Record<'a>>(&mut self, r: &R) {
        r.write(&mut self.out);
        self.out.push('~');
        if self.crlf {
            self.out.push_str("\r\n");
        }
    }

    /// Appends a raw record text (for tests that write malformed records).
    pub fn raw(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('~');
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("||");
        self.out
    }
}

// ---- field helpers shared by the families ----

pub(crate) fn req<'a>(f: &[&'a str], n: usize, name: &'static str) -> Result<&'a str, FieldError> {
    match f.get(n - 1) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(FieldError::new(n, name, "missing")),
    }
}

pub(crate) fn opt<'a>(f: &[&'a str], n: usize) -> &'a str {
    f.get(n - 1).copied().unwrap_or("")
}

pub(crate) fn opt_f64(f: &[&str], n: usize, name: &'static str) -> Result<Option<f64>, FieldError> {
    let s = opt(f, n);
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(FieldError::new(n, name, format!("not a number: {s:?}"))),
    }
}

pub(crate) fn opt_u32(f: &[&str], n: usize, name: &'static str) -> Result<Option<u32>, FieldError> {
    let s = opt(f, n);
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<u32>().map(Some).map_err(|_| FieldError::new(n, name, format!("not a count: {s:?}")))
}

/// An optional text field: empty means absent.
pub(crate) fn opt_string(f: &[&str], n: usize) -> Option<String> {
    let s = opt(f, n);
    (!s.is_empty()).then(|| s.to_string())
}

pub(crate) fn opt_time(f: &[&str], n: usize, name: &'static str) -> Result<Option<Timestamp>, FieldError> {
    let s = opt(f, n);
    if s.is_empty() {
        return Ok(None);
    }
    Timestamp::parse_beijing(s).map(Some).map_err(|e| FieldError::new(n, name, e.to_string()))
}

pub(crate) fn req_time(f: &[&str], n: usize, name: &'static str) -> Result<Timestamp, FieldError> {
    opt_time(f, n, name)?.ok_or_else(|| FieldError::new(n, name, "missing"))
}

pub(crate) fn flag(f: &[&str], n: usize, name: &'static str) -> Result<bool, FieldError> {
    match opt(f, n) {
        "0" | "" => Ok(false),
        "1" => Ok(true),
        s => Err(FieldError::new(n, name, format!("expected 0 or 1, got {s:?}"))),
    }
}

/// Writes fields joined by `;`.
pub(crate) struct Fields<'o> {
    out: &'o mut String,
    first: bool,
}

impl<'o> Fields<'o> {
    pub(crate) fn new(out: &'o mut String) -> Self {
        Fields { out, first: true }
    }
    fn sep(&mut self) {
        if !self.first {
            self.out.push(';');
        }
        self.first = false;
    }
    pub(crate) fn s(&mut self, v: &str) -> &mut Self {
        self.sep();
        self.out.push_str(v);
        self
    }
    pub(crate) fn f(&mut self, v: Option<f64>) -> &mut Self {
        self.sep();
        if let Some(v) = v {
            use std::fmt::Write;
            let _ = write!(self.out, "{v}");
        }
        self
    }
    pub(crate) fn t(&mut self, v: Option<Timestamp>) -> &mut Self {
        self.sep();
        if let Some(v) = v {
            v.write_upload(self.out);
        }
        self
    }
    pub(crate) fn u(&mut self, v: Option<u32>) -> &mut Self {
        self.sep();
        if let Some(v) = v {
            use std::fmt::Write;
            let _ = write!(self.out, "{v}");
        }
        self
    }
    pub(crate) fn b(&mut self, v: bool) -> &mut Self {
        self.s(if v { "1" } else { "0" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        let n = FileName::parse("999900000001_CDSS_20250301080010.txt").unwrap();
        assert_eq!(n.mine.as_str(), "999900000001");
        assert_eq!(n.kind, "CDSS");
        assert_eq!(n.time.to_string(), "2025-03-01T08:00:10+08:00");
        assert_eq!(FileName::format("999900000001", "CDSS", n.time), n.name);
        let g1 = FileName::parse("150622B0012000200092_SSSJ_20250301080010.TXT").unwrap();
        assert_eq!(g1.generation(), Generation::G1);
        for bad in [
            ".999900000001_CDSS_20250301080010.txt",
            "999900000001_CDSS_20250301080010.txt.part",
            "999900000001_cdss_20250301080010.txt",
            "99990000001_CDSS_20250301080010.txt",
            "999900000001_CDSS_20251301080010.txt",
            "999900000001_CDSS.txt",
        ] {
            assert!(matches!(FileName::parse(bad), Err(FileError::BadName(_))), "{bad}");
        }
    }

    #[test]
    fn decode_variants() {
        let plain = "999900000001;矿;2025-03-01 08:00:00~||";
        assert_eq!(decode(plain.as_bytes()).unwrap().text, plain);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(plain.as_bytes());
        let d = decode(&bom).unwrap();
        assert!(d.had_bom);
        assert_eq!(d.text, plain);
        let (gb, _, _) = encoding_rs::GB18030.encode(plain);
        let d = decode(&gb).unwrap();
        assert_eq!(d.encoding, Encoding::Gb18030);
        assert_eq!(d.text, plain);
        let quoted = serde_json::to_string(plain).unwrap();
        let d = decode(quoted.as_bytes()).unwrap();
        assert!(d.json_quoted);
        assert_eq!(d.text, plain);
        let crlf = "999900000001;矿;2025-03-01 08:00:00~\r\na;b~\r\n||\r\n";
        assert_eq!(decode(crlf.as_bytes()).unwrap().text, "999900000001;矿;2025-03-01 08:00:00~a;b~||");
        assert_eq!(decode(b"  \n").unwrap_err(), FileError::Empty);
        assert_eq!(decode(b"\xff\xff\xff\xff").unwrap_err(), FileError::Encoding);
        // UTF-8 with a few garbage bytes stays UTF-8; the garbage is visible as U+FFFD.
        let mut junk = "999900000001;虚构示例矿;2025-03-01 08:00:00~测点;甲烷;工作面;".as_bytes().to_vec();
        junk.extend_from_slice(b"\xff\xfe\x9f~||");
        let d = decode(&junk).unwrap();
        assert_eq!(d.encoding, Encoding::Utf8);
        assert!(d.text.contains("虚构示例矿") && d.text.contains('\u{FFFD}'));
    }

    #[test]
    fn segments_need_terminator() {
        assert_eq!(segments("h~a~b~||").unwrap(), vec!["h", "a", "b"]);
        assert_eq!(segments("h~a~b~|| \n").unwrap(), vec!["h", "a", "b"]);
        assert_eq!(segments("h~a~b~").unwrap_err(), FileError::Incomplete);
        assert_eq!(segments("h~a~tail||").unwrap(), vec!["h", "a", "tail"]);
    }
}
