//! Reviewers' marks on cross-check leads (线索核查结论): confirmed or false,
//! with a reason. Kept on the ledger so the marks share its audit trail and
//! nobody can quietly turn a confirmed lead into a false one.

use minesafe_model::Timestamp;
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::ledger::{Applied, Event, Ledger, RecordRef, Refusal, RefusalCode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 属实: verified on site.
    Confirmed,
    /// 不属实: the lead was wrong.
    False,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub verdict: Verdict,
    pub reason: String,
    pub by: Actor,
    pub at: Timestamp,
}

/// The marks on one lead, oldest first; the last one is the current verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadReview {
    /// The lead's finding id.
    pub lead: String,
    pub mine: String,
    pub rule: String,
    pub marks: Vec<Mark>,
}

impl LeadReview {
    pub fn verdict(&self) -> Option<Verdict> {
        self.marks.last().map(|m| m.verdict)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadCmd {
    /// A regulator marks a lead; a later mark supersedes (both are kept).
    Mark { lead: String, mine: String, rule: String, verdict: Verdict, reason: String },
}

pub(crate) fn apply(l: &mut Ledger, ev: &Event, cmd: &LeadCmd) -> Result<Applied, Refusal> {
    let LeadCmd::Mark { lead, mine, rule, verdict, reason } = cmd;
    l.check_scope(&ev.actor, mine)?;
    if !ev.actor.is_regulator() {
        return Err(Refusal::new(
            RefusalCode::NotAllowed,
            format!("{} may not judge lead {lead}: only inspectors and office heads do", ev.actor.name),
        ));
    }
    if lead.trim().is_empty() || rule.trim().is_empty() {
        return Err(Refusal::new(RefusalCode::Invalid, "a mark needs the lead id and its rule"));
    }
    if reason.trim().is_empty() {
        return Err(Refusal::new(RefusalCode::Invalid, format!("marking lead {lead} needs a reason (what was checked on site)")));
    }
    let review = l.lead_reviews.entry(lead.clone()).or_insert_with(|| LeadReview {
        lead: lead.clone(),
        mine: mine.clone(),
        rule: rule.clone(),
        marks: Vec::new(),
    });
    if review.mine != *mine || review.rule != *rule {
        return Err(Refusal::new(
            RefusalCode::Invalid,
            format!("lead {lead} is {} at mine {}, not {rule} at {mine}", review.rule, review.mine),
        ));
    }
    review.marks.push(Mark { verdict: *verdict, reason: reason.clone(), by: ev.actor.clone(), at: ev.at });
    Ok(Applied { record: RecordRef::new("lead", lead), mine: mine.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::{MineRecord, MineStatus};
    use crate::{Command, Role};

    fn ledger() -> Ledger {
        let mut l = Ledger::default();
        l.mines.insert(
            "140000000101".into(),
            MineRecord {
                code: "140000000101".into(),
                name: "m".into(),
                offices: vec!["county-1".into()],
                coal: true,
                underground: true,
                status: MineStatus::Producing,
                history: vec![],
                licences: vec![],
                closures: vec![],
            },
        );
        l
    }

    fn mark(actor: Actor, verdict: Verdict, reason: &str) -> Event {
        Event {
            at: Timestamp(1_780_000_000),
            actor,
            command: Command::Lead(LeadCmd::Mark {
                lead: "f-1".into(),
                mine: "140000000101".into(),
                rule: "REC-1".into(),
                verdict,
                reason: reason.into(),
            }),
        }
    }

    #[test]
    fn marks_need_a_regulator_and_a_reason_and_all_are_kept() {
        let mut l = ledger();
        let inspector = Actor::new("I-1", "张检", Role::Inspector { office: "county-1".into() });
        let staff = Actor::new("S-1", "李", Role::MineStaff { mine: "140000000101".into() });
        assert_eq!(l.apply(&mark(staff, Verdict::False, "不属实")).unwrap_err().code, RefusalCode::NotAllowed);
        assert_eq!(l.apply(&mark(inspector.clone(), Verdict::False, " ")).unwrap_err().code, RefusalCode::Invalid);
        let other = Actor::new("I-9", "外", Role::Inspector { office: "county-9".into() });
        assert_eq!(l.apply(&mark(other, Verdict::Confirmed, "x")).unwrap_err().code, RefusalCode::NotAllowed);
        l.apply(&mark(inspector.clone(), Verdict::Confirmed, "井下核实：3105巷道有12人作业")).unwrap();
        l.apply(&mark(inspector, Verdict::False, "复核：为回撤作业")).unwrap();
        let r = l.lead_review("f-1").unwrap();
        assert_eq!(r.marks.len(), 2);
        assert_eq!(r.verdict(), Some(Verdict::False));
        assert!(l.snapshot(&RecordRef::new("lead", "f-1")).is_some());
    }
}
