//! TJSJ — 测点统计信息, per-point interval statistics (format spec §3.5).
//!
//! The field order comes from a production table only [I]; the trailing 数据时间
//! may be missing (`MIN_FIELDS = 11`). Max, min and average are optional because an
//! interval without valid samples (sensor fault, calibration) has none.

use minesafe_model::Timestamp;

use crate::container::{opt, opt_f64, opt_time, req, req_time, Fields, Record};
use crate::error::FieldError;

/// One point's statistics over one interval (统计数据).
#[derive(Clone, Debug, PartialEq)]
pub struct Statistic {
    /// 测点编码.
    pub point: String,
    /// 传感器类型名称.
    pub sensor_name: String,
    /// 测点安装位置.
    pub location: String,
    /// 测点数值单位.
    pub unit: String,
    /// 统计开始时间.
    pub start: Timestamp,
    /// 统计结束时间.
    pub end: Timestamp,
    pub max: Option<f64>,
    /// 最大值时刻.
    pub max_time: Option<Timestamp>,
    pub min: Option<f64>,
    /// 最小值时刻.
    pub min_time: Option<Timestamp>,
    /// 平均值.
    pub avg: Option<f64>,
    /// 数据时间.
    pub time: Option<Timestamp>,
}

impl<'a> Record<'a> for Statistic {
    const FIELDS: usize = 12;
    const MIN_FIELDS: usize = 11;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let start = req_time(f, 5, "统计开始时间")?;
        let end = req_time(f, 6, "统计结束时间")?;
        if end < start {
            return Err(FieldError::new(6, "统计结束时间", "before the start of the interval"));
        }
        Ok(Statistic {
            point: req(f, 1, "测点编码")?.to_string(),
            sensor_name: opt(f, 2).to_string(),
            location: opt(f, 3).to_string(),
            unit: opt(f, 4).to_string(),
            start,
            end,
            max: opt_f64(f, 7, "最大值")?,
            max_time: opt_time(f, 8, "最大值时刻")?,
            min: opt_f64(f, 9, "最小值")?,
            min_time: opt_time(f, 10, "最小值时刻")?,
            avg: opt_f64(f, 11, "平均值")?,
            time: opt_time(f, 12, "数据时间")?,
        })
    }

    fn write(&self, out: &mut String) {
        Fields::new(out)
            .s(&self.point)
            .s(&self.sensor_name)
            .s(&self.location)
            .s(&self.unit)
            .t(Some(self.start))
            .t(Some(self.end))
            .f(self.max)
            .t(self.max_time)
            .f(self.min)
            .t(self.min_time)
            .f(self.avg)
            .t(self.time);
    }

    fn data_time(&self) -> Option<Timestamp> {
        Some(self.time.unwrap_or(self.end).max(self.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testutil::parse_sample;

    #[test]
    fn spec_sample() {
        let p = parse_sample::<Statistic>(
            "999900000001_TJSJ_20250301081000.txt",
            "999900000001;虚构示例矿;2025-03-01 08:10:00~\
             99990000000101MN00040001;一氧化碳;1201回风巷;ppm;2025-03-01 08:05:00;2025-03-01 08:10:00;5;2025-03-01 08:07:12;2;2025-03-01 08:05:40;3.1;2025-03-01 08:10:00~\
             ||",
        );
        assert_eq!(p.accepted.len(), 1);
        let s = &p.accepted[0].1;
        assert_eq!(s.point, "99990000000101MN00040001");
        assert_eq!(s.unit, "ppm");
        assert_eq!(s.end.secs_since(s.start), 300);
        assert_eq!((s.max, s.min, s.avg), (Some(5.0), Some(2.0), Some(3.1)));
        assert_eq!(s.max_time.map(|t| t.upload_format()).as_deref(), Some("2025-03-01 08:07:12"));
    }

    #[test]
    fn malformed_records() {
        let p = parse_sample::<Statistic>(
            "999900000001_TJSJ_20250301081000.txt",
            "999900000001;虚构示例矿;2025-03-01 08:10:00~\
             P1;一氧化碳;L;ppm;2025-03-01 08:05:00;2025-03-01 08:10:00;5;;2;;3.1~\
             P2;一氧化碳;L;ppm;2025-03-01 08:10:00;2025-03-01 08:05:00;5;;2;;3.1;~\
             P3;一氧化碳;L;ppm;2025-03-01 08:05:00;2025-03-01 08:10:00;五;;2;;3.1;~\
             P4;一氧化碳;L;ppm;2025-03-01 08:05:00;2025-03-01 08:10:00;5;;2;;3.1;;~\
             P5;一氧化碳;L;ppm;2025-03-01 08:05:00;2025-03-01 08:10:00;5;;2;;3.1;2025-03-01 08:10:00~P6;a;b;c;2025-03-01 08:05:00;2025-03-01 08:10:00;;;;;;~\
             ||",
        );
        assert_eq!(p.total, 6);
        let ok: Vec<_> = p.accepted.iter().map(|(_, s)| s.point.as_str()).collect();
        assert_eq!(ok, vec!["P1", "P4", "P5", "P6"]);
        assert_eq!(p.rejected.iter().map(|r| r.field()).collect::<Vec<_>>(), vec![Some(6), Some(7)]);
    }
}
