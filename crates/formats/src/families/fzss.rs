//! FZSS — 分站实时数据, substation running and supply state (format spec §3.2).
//!
//! Field 4 (数据时间) is uncertain [U]: the production table orders FZSS by ingest
//! time because the file may carry no time, so `MIN_FIELDS = 3`.

use minesafe_model::monitoring::{LinkState, SupplyState};
use minesafe_model::Timestamp;

use crate::container::{opt_time, req, Fields, Record};
use crate::error::FieldError;

/// One substation's state in an FZSS file.
#[derive(Clone, Debug, PartialEq)]
pub struct SubstationState {
    /// 分站编码.
    pub code: String,
    /// 分站运行状态 (表 B.8): communication with the substation.
    pub run: LinkState,
    /// 分站供电状态 (表 B.9): mains or battery; a long battery run means the area lost power.
    pub supply: SupplyState,
    pub time: Option<Timestamp>,
}

/// Reads the two state codes shared by FZSS and JZSS (fields 2 and 3).
pub(crate) fn states(f: &[&str], run_name: &'static str, supply_name: &'static str) -> Result<(LinkState, SupplyState), FieldError> {
    let r = req(f, 2, run_name)?;
    let run = LinkState::parse(r).ok_or_else(|| FieldError::new(2, run_name, format!("expected 0, 1, 2 or 9, got {r:?}")))?;
    let s = req(f, 3, supply_name)?;
    let supply = SupplyState::parse(s).ok_or_else(|| FieldError::new(3, supply_name, format!("expected 0, 1, 2 or 9, got {s:?}")))?;
    Ok((run, supply))
}

impl<'a> Record<'a> for SubstationState {
    const FIELDS: usize = 4;
    const MIN_FIELDS: usize = 3;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let (run, supply) = states(f, "分站运行状态", "分站供电状态")?;
        Ok(SubstationState { code: req(f, 1, "分站编码")?.to_string(), run, supply, time: opt_time(f, 4, "数据时间")? })
    }

    fn write(&self, out: &mut String) {
        let mut w = Fields::new(out);
        w.s(&self.code).s(self.run.code()).s(self.supply.code());
        // Written only when known, so a time-less state stays a 3-field record.
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
    fn spec_sample() {
        let p = parse_sample::<SubstationState>(
            "999900000001_FZSS_20250301080010.txt",
            "999900000001;虚构示例矿;2025-03-01 08:00:10~\
             99990000000101DT40010001;0;1;2025-03-01 08:00:10~\
             99990000000101DT40010002;1;9;2025-03-01 08:00:10~\
             ||",
        );
        assert_eq!(p.accepted.len(), 2);
        assert_eq!(p.accepted[0].1.run, LinkState::Normal);
        assert_eq!(p.accepted[0].1.supply, SupplyState::Ac);
        assert_eq!(p.accepted[1].1.run, LinkState::Interrupted);
        assert_eq!(p.accepted[1].1.supply, SupplyState::Unknown);
        assert_eq!(p.accepted[1].1.time.map(|t| t.upload_format()).as_deref(), Some("2025-03-01 08:00:10"));
    }

    #[test]
    fn time_may_be_absent_but_codes_are_checked() {
        let p = parse_sample::<SubstationState>(
            "999900000001_FZSS_20250301080010.txt",
            "999900000001;虚构示例矿;2025-03-01 08:00:10~A1;0;0~A2;0;0;~A3;0;0;2025-03-01 08:00:10~A4;3;0~A5;0;x~A6;0~A7;0;0;2025-02-30 00:00:00~A8;0;0~A9;0;0~A10;0;0~A11;0;0~A12;0;0~A13;0;0~A14;0;0~A15;0;0~||",
        );
        assert_eq!(p.total, 15);
        assert_eq!(p.accepted.len(), 11);
        assert_eq!(p.accepted[0].1.time, None);
        assert_eq!(p.accepted[1].1.time, None, "trailing `;` gives an empty time");
        let fields: Vec<_> = p.rejected.iter().map(|r| (r.record, r.field())).collect();
        assert_eq!(fields, vec![(3, Some(2)), (4, Some(3)), (5, None), (6, Some(4))]);
    }
}
