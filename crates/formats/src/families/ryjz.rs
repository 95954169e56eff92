//! RYJZ — 基站信息, reader stations of the positioning system (format spec §4.2).
//!
//! The standard record has 6 fields; one G2 generator appends a 7th, 数据时间 [I],
//! so both are accepted (`MIN_FIELDS = 6`). Field 2 is treated as text even where
//! that generator writes a number there.

use minesafe_model::{Station, Timestamp};

use crate::container::{opt, opt_f64, opt_time, req, Fields, Record};
use crate::error::FieldError;

impl<'a> Record<'a> for Station {
    const FIELDS: usize = 7;
    const MIN_FIELDS: usize = 6;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        Ok(Station {
            code: req(f, 1, "基站编码")?.to_string(),
            name: opt(f, 2).to_string(),
            x: opt_f64(f, 3, "X坐标")?,
            y: opt_f64(f, 4, "Y坐标")?,
            z: opt_f64(f, 5, "Z坐标")?,
            description: opt(f, 6).to_string(),
            time: opt_time(f, 7, "数据时间")?,
        })
    }

    fn write(&self, out: &mut String) {
        let mut w = Fields::new(out);
        w.s(&self.code).s(&self.name).f(self.x).f(self.y).f(self.z).s(&self.description);
        // The standard 6-field layout unless a time is known.
        if self.time.is_some() {
            w.t(self.time);
        }
    }

    fn data_time(&self) -> Option<Timestamp> {
        self.time
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testutil::parse_sample;

    #[test]
    fn spec_sample_and_seven_field_variant() {
        let p = parse_sample::<Station>(
            "999900000001_RYJZ_20250301060000.txt",
            "999900000001;虚构示例矿;2025-03-01 06:00:00~\
             9999000000010001000010;副井井口1号基站;0;0;0;副井井口~\
             9999000000010002000010;1201工作面1号基站;3510.0;1205.0;-412.0;1201工作面机尾~\
             9999000000010003000010;采空区密闭基站;3300.0;1100.0;-430.0;3#煤密闭外5m~\
             9999000000010004000010;17;1;2;3;东翼大巷;2025-03-01 06:00:00~\
             9999000000010005000010;北翼;1;2;3;北翼大巷;2025-03-01 06:00:00;~\
             9999000000010006000010;坏;1;2~\
             ||",
        );
        assert_eq!(p.total, 6);
        assert_eq!(p.accepted.len(), 5);
        let s = &p.accepted[1].1;
        assert_eq!(s.code, "9999000000010002000010");
        assert_eq!(s.name, "1201工作面1号基站");
        assert_eq!((s.x, s.y, s.z), (Some(3510.0), Some(1205.0), Some(-412.0)));
        assert_eq!(s.description, "1201工作面机尾");
        assert_eq!(s.time, None);
        assert_eq!(p.accepted[3].1.name, "17");
        assert_eq!(p.accepted[3].1.time.map(|t| t.upload_format()).as_deref(), Some("2025-03-01 06:00:00"));
        assert!(p.accepted[4].1.time.is_some(), "7 fields plus a trailing `;`");
        assert_eq!(p.rejected[0].reason.reason_code(), "field_count");
    }
}
