//! RYXZ — 进入限制区域报警, restricted-area alarms (format spec §4.6 [I]).

use super::person_alarm::{person_alarm_record, PersonAlarmKind, START_FIRST_ORDER};

person_alarm_record!(
    /// Wire layout of RYXZ: card, name, 报警开始时间, 报警结束时间, 入井时刻, area, since, station, since.
    RestrictedAreaAlarm,
    PersonAlarmKind::RestrictedArea,
    START_FIRST_ORDER
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testutil::parse_sample;

    #[test]
    fn spec_sample() {
        let p = parse_sample::<RestrictedAreaAlarm>(
            "999900000001_RYXZ_20250301101500.txt",
            "999900000001;虚构示例矿;2025-03-01 10:15:00~\
             99990000000190002;测试乙;2025-03-01 10:11:47;;2025-03-01 07:50:31;9999000000010003;2025-03-01 10:11:47;9999000000010003000010;2025-03-01 10:11:47~\
             ||",
        );
        assert_eq!(p.accepted.len(), 1);
        let a = &p.accepted[0].1 .0;
        assert_eq!(a.kind, PersonAlarmKind::RestrictedArea);
        assert_eq!(a.name, "测试乙");
        assert_eq!(a.start.upload_format(), "2025-03-01 10:11:47");
        assert_eq!(a.entered.map(|t| t.upload_format()).as_deref(), Some("2025-03-01 07:50:31"));
        assert_eq!(a.end, None);
        assert_eq!(a.area.as_deref(), Some("9999000000010003"));
        assert_eq!(a.key(), ("99990000000190002", a.start));
    }

    #[test]
    fn end_before_start_is_rejected() {
        let p = parse_sample::<RestrictedAreaAlarm>(
            "999900000001_RYXZ_20250301101500.txt",
            "999900000001;虚构示例矿;2025-03-01 10:15:00~\
             C1;乙;2025-03-01 10:11:47;2025-03-01 10:11:46;;;;;~\
             C2;乙;2025-03-01 10:11:47;2025-03-01 10:12:46;;;;;;~\
             ||",
        );
        assert_eq!(p.accepted.len(), 1);
        assert_eq!(p.rejected[0].field(), Some(4));
    }
}
