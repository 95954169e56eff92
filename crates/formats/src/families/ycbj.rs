//! YCBJ — 测点异常信息, abnormal events reported by the mine (format spec §3.6).
//!
//! The same event is re-sent as it evolves (open, closed, annotated); callers
//! de-duplicate on [`AbnormalEvent::key`] and prefer the copy with an end time.

use std::fmt;

use minesafe_model::Timestamp;

use crate::container::{opt, opt_f64, opt_time, req, req_time, Fields, Record};
use crate::error::FieldError;

/// 异常类型, the 3-digit event type code (§3.7.4). Unknown codes are kept, not
/// rejected: the code table is inferred [I] and vendors may add codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AbnormalKind(pub u16);

impl AbnormalKind {
    pub const OVER_LIMIT: AbnormalKind = AbnormalKind(1);
    pub const POWER_CUT: AbnormalKind = AbnormalKind(2);
    pub const FEED_MISMATCH: AbnormalKind = AbnormalKind(3);
    pub const SENSOR_FAULT: AbnormalKind = AbnormalKind(4);
    pub const SUBSTATION_POWER_LOSS: AbnormalKind = AbnormalKind(5);
    pub const SUBSTATION_LINK_LOSS: AbnormalKind = AbnormalKind(6);
    pub const CALIBRATION: AbnormalKind = AbnormalKind(7);
    pub const OVER_RANGE: AbnormalKind = AbnormalKind(8);
    pub const HIGH_WARNING: AbnormalKind = AbnormalKind(9);
    pub const LOW_WARNING: AbnormalKind = AbnormalKind(10);

    /// Reads 1–3 digits; producers that drop leading zeros (`1`) mean `001`.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().map(AbnormalKind)
    }

    /// The code padded to 3 digits, as the spec writes it.
    pub fn code(self) -> String {
        format!("{:03}", self.0)
    }

    /// The Chinese name from the production dictionary; `None` for codes outside it.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "超限报警",
            2 => "断电报警",
            3 => "馈电异常",
            4 => "传感器断线",
            5 => "分站断电",
            6 => "分站通信中断",
            7 => "标校",
            8 => "超量程",
            9 => "超上限预警",
            10 => "超下限预警",
            _ => return None,
        })
    }
}

impl fmt::Display for AbnormalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

/// One abnormal event (异常信息) of a point, as the mine reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct AbnormalEvent {
    /// 测点编码.
    pub point: String,
    /// 传感器类型名称.
    pub sensor_name: String,
    /// 测点安装位置.
    pub location: String,
    /// 测点数值单位.
    pub unit: String,
    /// 异常类型.
    pub kind: AbnormalKind,
    /// 异常开始时间.
    pub start: Timestamp,
    /// 异常结束时间; `None` while the event is open.
    pub end: Option<Timestamp>,
    /// 异常期间最大值 (empty for binary points).
    pub max: Option<f64>,
    pub max_time: Option<Timestamp>,
    pub min: Option<f64>,
    pub min_time: Option<Timestamp>,
    /// 异常期间平均值.
    pub avg: Option<f64>,
    /// 异常原因, entered by mine staff.
    pub cause: String,
    /// 处理措施, entered by mine staff.
    pub measures: String,
    /// 录入时间.
    pub entered_at: Option<Timestamp>,
    /// 录入人.
    pub entered_by: String,
    /// 数据时间.
    pub time: Option<Timestamp>,
}

impl AbnormalEvent {
    /// The de-duplication key of a re-sent event: (测点编码, 异常类型, 异常开始时间).
    pub fn key(&self) -> (&str, AbnormalKind, Timestamp) {
        (&self.point, self.kind, self.start)
    }
}

impl<'a> Record<'a> for AbnormalEvent {
    const FIELDS: usize = 17;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let k = req(f, 5, "异常类型")?;
        let kind = AbnormalKind::parse(k).ok_or_else(|| FieldError::new(5, "异常类型", format!("not a 3-digit event type: {k:?}")))?;
        let start = req_time(f, 6, "异常开始时间")?;
        let end = opt_time(f, 7, "异常结束时间")?;
        if end.is_some_and(|e| e < start) {
            return Err(FieldError::new(7, "异常结束时间", "before the start of the event"));
        }
        Ok(AbnormalEvent {
            point: req(f, 1, "测点编码")?.to_string(),
            sensor_name: opt(f, 2).to_string(),
            location: opt(f, 3).to_string(),
            unit: opt(f, 4).to_string(),
            kind,
            start,
            end,
            max: opt_f64(f, 8, "异常期间最大值")?,
            max_time: opt_time(f, 9, "最大值时刻")?,
            min: opt_f64(f, 10, "异常期间最小值")?,
            min_time: opt_time(f, 11, "最小值时刻")?,
            avg: opt_f64(f, 12, "异常期间平均值")?,
            cause: opt(f, 13).to_string(),
            measures: opt(f, 14).to_string(),
            entered_at: opt_time(f, 15, "录入时间")?,
            entered_by: opt(f, 16).to_string(),
            time: opt_time(f, 17, "数据时间")?,
        })
    }

    fn write(&self, out: &mut String) {
        Fields::new(out)
            .s(&self.point)
            .s(&self.sensor_name)
            .s(&self.location)
            .s(&self.unit)
            .s(&self.kind.code())
            .t(Some(self.start))
            .t(self.end)
            .f(self.max)
            .t(self.max_time)
            .f(self.min)
            .t(self.min_time)
            .f(self.avg)
            .s(&self.cause)
            .s(&self.measures)
            .t(self.entered_at)
            .s(&self.entered_by)
            .t(self.time);
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
    fn spec_samples_open_then_closed() {
        let open = parse_sample::<AbnormalEvent>(
            "999900000001_YCBJ_20250301080520.txt",
            "999900000001;虚构示例矿;2025-03-01 08:05:20~\
             99990000000101MN00010001;甲烷;1201综采工作面T1;%CH4;001;2025-03-01 08:04:55;;1.62;2025-03-01 08:05:10;1.03;2025-03-01 08:04:55;1.31;;;;;2025-03-01 08:05:20~\
             ||",
        );
        let closed = parse_sample::<AbnormalEvent>(
            "999900000001_YCBJ_20250301082000.txt",
            "999900000001;虚构示例矿;2025-03-01 08:20:00~\
             99990000000101MN00010001;甲烷;1201综采工作面T1;%CH4;001;2025-03-01 08:04:55;2025-03-01 08:11:40;1.74;2025-03-01 08:07:30;1.03;2025-03-01 08:04:55;1.38;采空区瓦斯涌出;加强上隅角抽采,调整风量;2025-03-01 08:19:00;张三(虚构);2025-03-01 08:20:00~\
             ||",
        );
        let (o, c) = (&open.accepted[0].1, &closed.accepted[0].1);
        assert_eq!(o.kind, AbnormalKind::OVER_LIMIT);
        assert_eq!(o.kind.name(), Some("超限报警"));
        assert_eq!(o.end, None);
        assert_eq!(o.max, Some(1.62));
        assert_eq!(c.end.map(|t| t.secs_since(c.start)), Some(405));
        assert_eq!(c.measures, "加强上隅角抽采,调整风量");
        assert_eq!(c.entered_by, "张三(虚构)");
        assert_eq!(o.key(), c.key(), "both copies are the same event");
    }

    #[test]
    fn kind_is_padded_and_checked() {
        let p = parse_sample::<AbnormalEvent>(
            "999900000001_YCBJ_20250301080520.txt",
            "999900000001;虚构示例矿;2025-03-01 08:05:20~\
             P1;甲烷;L;%CH4;1;2025-03-01 08:04:55;;;;;;;;;;;~\
             P2;甲烷;L;%CH4;0001;2025-03-01 08:04:55;;;;;;;;;;;~\
             P3;甲烷;L;%CH4;A1;2025-03-01 08:04:55;;;;;;;;;;;~\
             P4;甲烷;L;%CH4;002;2025-03-01 08:04:55;2025-03-01 08:04:54;;;;;;;;;;~\
             P5;甲烷;L;%CH4;002;2025-03-01 08:04:55;;;;;;;;;;~\
             ||",
        );
        assert_eq!(p.accepted.len(), 1);
        assert_eq!(p.accepted[0].1.kind.code(), "001");
        assert_eq!(p.accepted[0].1.kind.to_string(), "001");
        let reasons: Vec<_> = p.rejected.iter().map(|r| (r.record, r.reason.reason_code(), r.field())).collect();
        assert_eq!(
            reasons,
            vec![(1, "bad_field", Some(5)), (2, "bad_field", Some(5)), (3, "bad_field", Some(7)), (4, "field_count", None)]
        );
    }
}
