//! FZDY — 分站基本信息, substation definitions (format spec §3.1).
//!
//! The layout is inferred [I] from a production table's columns, so the trailing
//! 数据时间 may be missing (`MIN_FIELDS = 5`): a substation without a time is still
//! a usable definition. The header may have 3 or 7 fields; the container reads the
//! upload time from the last one either way.

use minesafe_model::monitoring::Substation;
use minesafe_model::Timestamp;

use crate::container::{opt, opt_f64, opt_time, req, Fields, Record};
use crate::error::FieldError;

impl<'a> Record<'a> for Substation {
    const FIELDS: usize = 6;
    const MIN_FIELDS: usize = 5;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        Ok(Substation {
            code: req(f, 1, "分站编码")?.to_string(),
            location: opt(f, 2).to_string(),
            x: opt_f64(f, 3, "X坐标")?,
            y: opt_f64(f, 4, "Y坐标")?,
            z: opt_f64(f, 5, "Z坐标")?,
            time: opt_time(f, 6, "数据时间")?,
        })
    }

    fn write(&self, out: &mut String) {
        Fields::new(out).s(&self.code).s(&self.location).f(self.x).f(self.y).f(self.z).t(self.time);
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
    fn sample_and_tolerated_short_record() {
        let p = parse_sample::<Substation>(
            "999900000001_FZDY_20250301080000.txt",
            "999900000001;虚构示例矿;2025-03-01 08:00:00~\
             99990000000101DT40010001;1201综采工作面配电点;3500.5;1200;-410.25;2025-03-01 08:00:00~\
             99990000000101DT40010002;1201回风巷;;;~\
             ;缺编码;1;2;3;2025-03-01 08:00:00~\
             ||",
        );
        assert_eq!(p.total, 3);
        assert_eq!(p.accepted.len(), 2);
        let s = &p.accepted[0].1;
        assert_eq!(s.code, "99990000000101DT40010001");
        assert_eq!(s.location, "1201综采工作面配电点");
        assert_eq!((s.x, s.y, s.z), (Some(3500.5), Some(1200.0), Some(-410.25)));
        assert_eq!(s.time.map(|t| t.upload_format()).as_deref(), Some("2025-03-01 08:00:00"));
        let short = &p.accepted[1].1;
        assert_eq!((short.x, short.time), (None, None));
        assert_eq!(p.rejected[0].field(), Some(1));
    }
}
