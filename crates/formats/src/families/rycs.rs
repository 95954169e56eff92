//! RYCS — 超时报警, overtime-underground alarms (G2 meaning; format spec §4.6 [I]).
//! In the legacy G1 format the same type code means personnel parameters, which
//! is why dispatch goes by (generation, type).

use super::person_alarm::{person_alarm_record, PersonAlarmKind, OVERTIME_ORDER};

person_alarm_record!(
    /// Wire layout of RYCS: card, name, 入井时刻, 报警开始时间, 报警结束时间, area, since, station, since.
    OvertimeAlarm,
    PersonAlarmKind::Overtime,
    OVERTIME_ORDER
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testutil::parse_sample;

    #[test]
    fn sample_in_schema_order() {
        let p = parse_sample::<OvertimeAlarm>(
            "999900000001_RYCS_20250301200000.txt",
            "999900000001;虚构示例矿;2025-03-01 20:00:00~\
             99990000000190001;测试甲;2025-03-01 07:48:10;2025-03-01 19:48:10;;9999000000010002;2025-03-01 08:20:02;9999000000010002000010;2025-03-01 08:20:02~\
             99990000000190002;测试乙;2025-03-01 07:50:31;2025-03-01 19:50:31~\
             99990000000190003;测试丙;2025-03-01 07:50:31;;~\
             ||",
        );
        assert_eq!(p.accepted.len(), 2);
        let a = &p.accepted[0].1 .0;
        assert_eq!(a.kind, PersonAlarmKind::Overtime);
        assert_eq!(a.card, "99990000000190001");
        assert_eq!(a.start.secs_since(a.entered.unwrap_or_default()), 12 * 3600);
        assert_eq!(a.end, None);
        assert_eq!(a.area.as_deref(), Some("9999000000010002"));
        assert_eq!(a.station.as_deref(), Some("9999000000010002000010"));
        let short = &p.accepted[1].1 .0;
        assert_eq!((short.area.as_deref(), short.station_since), (None, None), "fields after the start may be cut [I]");
        assert_eq!(p.rejected[0].field(), Some(4), "报警开始时间 is required");
    }
}
