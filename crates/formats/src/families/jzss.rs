//! JZSS — 基站实时状态, reader-station running and supply state (format spec §4.5).
//! Same codes as FZSS; the protocol sends it every minute, and its time is confirmed [C].

use minesafe_model::monitoring::{LinkState, SupplyState};
use minesafe_model::Timestamp;

use crate::container::{req, req_time, Fields, Record};
use crate::error::FieldError;
use crate::families::fzss::states;

/// One station's state in a JZSS file.
#[derive(Clone, Debug, PartialEq)]
pub struct StationState {
    /// 基站编码 (22 digits).
    pub code: String,
    /// 运行状态: communication with the station.
    pub run: LinkState,
    /// 供电状态: a station on battery (直流) lost mains power.
    pub supply: SupplyState,
    pub time: Timestamp,
}

impl<'a> Record<'a> for StationState {
    const FIELDS: usize = 4;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let (run, supply) = states(f, "运行状态", "供电状态")?;
        Ok(StationState { code: req(f, 1, "基站编码")?.to_string(), run, supply, time: req_time(f, 4, "数据时间")? })
    }

    fn write(&self, out: &mut String) {
        Fields::new(out).s(&self.code).s(self.run.code()).s(self.supply.code()).t(Some(self.time));
    }

    fn data_time(&self) -> Option<Timestamp> {
        Some(self.time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testutil::parse_sample;

    #[test]
    fn spec_sample() {
        let p = parse_sample::<StationState>(
            "999900000001_JZSS_20250301101500.txt",
            "999900000001;虚构示例矿;2025-03-01 10:15:00~\
             9999000000010001000010;0;1;2025-03-01 10:15:00~\
             9999000000010003000010;1;9;2025-03-01 10:15:00~\
             ||",
        );
        assert_eq!(p.accepted.len(), 2);
        assert_eq!((p.accepted[0].1.run, p.accepted[0].1.supply), (LinkState::Normal, SupplyState::Ac));
        assert_eq!((p.accepted[1].1.run, p.accepted[1].1.supply), (LinkState::Interrupted, SupplyState::Unknown));
    }

    #[test]
    fn time_is_required_and_skew_checked() {
        let p = parse_sample::<StationState>(
            "999900000001_JZSS_20250301101500.txt",
            "999900000001;虚构示例矿;2025-03-01 10:15:00~\
             S1;0;1~S2;0;1;~S3;0;1;2025-03-01 10:15:00;~S4;0;1;2025-03-01 11:15:00~S5;0;1;2025/03/01 10:15:00~\
             ||",
        );
        assert_eq!(p.accepted.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![2]);
        let reasons: Vec<_> = p.rejected.iter().map(|r| r.reason.reason_code()).collect();
        assert_eq!(reasons, vec!["field_count", "bad_field", "clock_skew", "bad_field"]);
    }
}
