//! RYXX — 人员信息, people master data (format spec §4.3). The 8-field header
//! carries the approved underground headcount (核定下井人数, field 3).

use minesafe_model::Person;

use crate::container::{flag, opt, req, Fields, Header, Record};
use crate::error::FieldError;

/// Placeholder vendors write for an unknown job or title.
const UNSET: &str = "未设置";

fn known(s: &str) -> Option<String> {
    (!s.is_empty() && s != UNSET).then(|| s.to_string())
}

impl<'a> Record<'a> for Person {
    const FIELDS: usize = 9;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        Ok(Person {
            card: req(f, 1, "人员卡编码")?.to_string(),
            name: opt(f, 2).to_string(),
            job: known(opt(f, 3)),
            title: known(opt(f, 4)),
            team: opt(f, 5).to_string(),
            birth: opt(f, 6).to_string(),
            education: opt(f, 7).to_string(),
            is_leader: flag(f, 8, "是否矿领导")?,
            is_special: flag(f, 9, "是否特种作业人员")?,
        })
    }

    fn write(&self, out: &mut String) {
        Fields::new(out)
            .s(&self.card)
            .s(&self.name)
            .s(self.job.as_deref().unwrap_or(UNSET))
            .s(self.title.as_deref().unwrap_or(UNSET))
            .s(&self.team)
            .s(&self.birth)
            .s(&self.education)
            .b(self.is_leader)
            .b(self.is_special);
    }
}

/// 核定下井人数 from an RYXX header (field 3 of 8).
pub fn approved_headcount(h: &Header) -> Option<u32> {
    if h.fields.len() < 8 {
        return None;
    }
    h.field(3).and_then(|s| s.parse().ok())
}
