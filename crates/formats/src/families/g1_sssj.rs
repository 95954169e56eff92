//! Legacy G1 SSSJ — 实时数据, real-time values (format spec §7, [C] one vendor).
//!
//! Records are `测点编码;测点值;测点状态` only: no sensor name, location, unit or
//! per-record time. The time of every value is the header's 数据时间, which is why
//! [`SssjRecord::reading`] takes it. Like CDSS this is a hot path, so records borrow.

use minesafe_model::{Reading, Status, Timestamp};

use crate::container::{opt, opt_f64, req, Fields, Record};
use crate::error::FieldError;

/// Header field holding the 数据时间 (`数据时间;记录数`).
pub const HEADER_TIME_FIELD: usize = 1;

#[derive(Clone, Debug, PartialEq)]
pub struct SssjRecord<'a> {
    pub point: &'a str,
    /// `None` when the field is empty.
    pub value: Option<f64>,
    /// The vendor's status code, read as the G2 bitmask (the G1 code list is not documented [U]).
    pub status: Status,
}

impl<'a> Record<'a> for SssjRecord<'a> {
    const FIELDS: usize = 3;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let status = match opt(f, 3) {
            "" => Status(0),
            s => Status(s.parse::<u16>().map_err(|_| FieldError::new(3, "测点状态", format!("not a status code: {s:?}")))?),
        };
        Ok(SssjRecord { point: req(f, 1, "测点编码")?, value: opt_f64(f, 2, "测点值")?, status })
    }

    fn write(&self, out: &mut String) {
        Fields::new(out).s(self.point).f(self.value).s(&self.status.0.to_string());
    }
}

impl<'a> SssjRecord<'a> {
    /// The reading as the rules see it; `time` is the file header's 数据时间.
    /// Sensor name, location and unit are empty: G1 carries them only in CDDY.
    pub fn reading(&self, time: Timestamp) -> Reading<'a> {
        Reading { point: self.point, sensor_name: "", location: "", unit: "", value: self.value, status: self.status, time }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{Document, FileName, ParseOptions};

    #[test]
    fn vendor_layout_with_crlf_and_trailing_separators() {
        let text = "2025-03-01 08:00:10;3~\r\n150622B001200020009201MN00010001;0.32;0;~\r\n150622B001200020009201KG10010001;1;0~\r\n150622B001200020009201MN00020001;x;0~\r\n||";
        let name = FileName::parse("150622B0012000200092_SSSJ_20250301080010.TXT").unwrap();
        let decoded = crate::decode(text.as_bytes()).unwrap();
        let opts = ParseOptions { max_bad_ratio: 1.0, ..ParseOptions::default() };
        let doc = Document::split_g1(&decoded.text, HEADER_TIME_FIELD, &opts).unwrap();
        assert_eq!(doc.header.time.upload_format(), "2025-03-01 08:00:10");
        assert_eq!(name.mine.as_str(), "150622B0012000200092");
        let p = doc.parse::<SssjRecord>(&opts).unwrap();
        assert_eq!(p.accepted.len(), 2);
        let r = p.accepted[0].1.reading(doc.header.time);
        assert_eq!((r.point, r.value, r.status, r.unit), ("150622B001200020009201MN00010001", Some(0.32), Status(0), ""));
        assert_eq!(r.time, doc.header.time);
        assert_eq!(p.rejected[0].field(), Some(2));
    }
}
