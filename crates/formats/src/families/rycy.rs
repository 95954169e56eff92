//! RYCY — 超员报警, over-quota alarms for the whole mine or one area (format spec
//! §4.6 [I]). The values of 报警类型 and the separator of the card list are
//! unknown [U]: the type is kept as text, and the list is split on any of the
//! separators vendors use for lists (`,` `，` `、` `|` `&` and spaces).

use minesafe_model::Timestamp;

use crate::container::{opt, opt_string, opt_time, opt_u32, req, req_time, Fields, Record};
use crate::error::FieldError;

/// One over-crowding alarm (超员报警).
#[derive(Clone, Debug, PartialEq)]
pub struct CrowdAlarm {
    /// 报警类型: whole mine or an area; values unknown, kept as written.
    pub alarm_type: String,
    /// 核定(定员)人数.
    pub quota: Option<u32>,
    /// 当前总人数.
    pub count: Option<u32>,
    /// 区域编码; `None` for a whole-mine alarm.
    pub area: Option<String>,
    /// 区域名称.
    pub area_name: String,
    /// 报警开始时间.
    pub start: Timestamp,
    /// 报警结束时间; `None` while open.
    pub end: Option<Timestamp>,
    /// 区域人员集合: the cards in the scope.
    pub cards: Vec<String>,
}

const CARD_SEPARATORS: [char; 6] = [',', '，', '、', '|', '&', ' '];

impl<'a> Record<'a> for CrowdAlarm {
    const FIELDS: usize = 8;
    /// The card list may be missing.
    const MIN_FIELDS: usize = 7;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let start = req_time(f, 6, "报警开始时间")?;
        let end = opt_time(f, 7, "报警结束时间")?;
        if end.is_some_and(|e| e < start) {
            return Err(FieldError::new(7, "报警结束时间", "before the start of the alarm"));
        }
        Ok(CrowdAlarm {
            alarm_type: req(f, 1, "报警类型")?.to_string(),
            quota: opt_u32(f, 2, "核定人数")?,
            count: opt_u32(f, 3, "当前总人数")?,
            area: opt_string(f, 4),
            area_name: opt(f, 5).to_string(),
            start,
            end,
            cards: opt(f, 8).split(CARD_SEPARATORS).map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect(),
        })
    }

    fn write(&self, out: &mut String) {
        Fields::new(out)
            .s(&self.alarm_type)
            .u(self.quota)
            .u(self.count)
            .s(self.area.as_deref().unwrap_or(""))
            .s(&self.area_name)
            .t(Some(self.start))
            .t(self.end)
            .s(&self.cards.join(","));
    }

    fn data_time(&self) -> Option<Timestamp> {
        Some(self.end.unwrap_or(self.start).max(self.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testutil::parse_sample;

    #[test]
    fn sample_with_card_lists() {
        let p = parse_sample::<CrowdAlarm>(
            "999900000001_RYCY_20250301101500.txt",
            "999900000001;虚构示例矿;2025-03-01 10:15:00~\
             区域超员;2;3;9999000000010003;3#煤采空区密闭处;2025-03-01 10:11:47;;99990000000190001,99990000000190002，99990000000190003~\
             矿井超员;500;501;;;2025-03-01 10:00:00;2025-03-01 10:05:00~\
             区域超员;两;3;9999000000010003;x;2025-03-01 10:11:47;;~\
             ||",
        );
        assert_eq!(p.accepted.len(), 2);
        let a = &p.accepted[0].1;
        assert_eq!((a.quota, a.count), (Some(2), Some(3)));
        assert_eq!(a.cards, vec!["99990000000190001", "99990000000190002", "99990000000190003"]);
        let mine = &p.accepted[1].1;
        assert_eq!((mine.area.as_deref(), mine.cards.len()), (None, 0));
        assert_eq!(mine.end.map(|e| e.secs_since(mine.start)), Some(300));
        assert_eq!(p.rejected[0].field(), Some(2));
    }
}
