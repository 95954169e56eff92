//! RYQJ — 人员求救, SOS calls from cap lamps / cards (format spec §4.6 [I]).

use super::person_alarm::{person_alarm_record, PersonAlarmKind, START_FIRST_ORDER};

person_alarm_record!(
    /// Wire layout of RYQJ: card, name, 求救开始时间, 求救结束时间, 入井时刻, area, since, station, since.
    SosAlarm,
    PersonAlarmKind::Sos,
    START_FIRST_ORDER
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testutil::parse_sample;

    #[test]
    fn sos_sample_and_field_names() {
        let p = parse_sample::<SosAlarm>(
            "999900000001_RYQJ_20250301101500.txt",
            "999900000001;虚构示例矿;2025-03-01 10:15:00~\
             99990000000190001;测试甲;2025-03-01 10:12:00;2025-03-01 10:14:00;2025-03-01 07:48:10;9999000000010002;2025-03-01 08:20:02;9999000000010002000010;2025-03-01 08:20:02~\
             99990000000190002;测试乙;2025-03-01 25:12:00;;;;;;~\
             ||",
        );
        assert_eq!(p.accepted.len(), 1);
        let a = &p.accepted[0].1 .0;
        assert_eq!(a.kind, PersonAlarmKind::Sos);
        assert_eq!(a.end.map(|e| e.secs_since(a.start)), Some(120));
        match &p.rejected[0].reason {
            crate::RejectReason::BadField(e) => assert_eq!((e.field, e.name), (3, "求救开始时间")),
            other => panic!("unexpected {other:?}"),
        }
    }
}
