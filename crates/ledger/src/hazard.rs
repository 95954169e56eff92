//! The major-hazard ledger (重大事故隐患台账, HM-2.1, HM-2.3, ENF-HAZ-1…9).
//!
//! found → planned (the five in place required) → rectifying → submitted →
//! verified → signed off (销号); a rejected submission goes back to rectifying,
//! a revoked sign-off reopens the hazard, a contest the regulator upholds
//! withdraws it.

use minesafe_model::{Finding, Timestamp};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::ledger::{Applied, Event, Ledger, Refusal, RefusalCode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardState {
    /// 发现: recorded, not yet planned.
    Found,
    /// 已制定方案: the five in place are recorded.
    Planned,
    /// 整改中.
    Rectifying,
    /// 申请验收: the mine says it is fixed.
    Submitted,
    /// 验收通过: a regulator checked the fix.
    Verified,
    /// 销号: closed for good (unless revoked).
    SignedOff,
    /// 撤销: the regulator upheld the mine's contest; the hazard never was one.
    Withdrawn,
}

impl HazardState {
    /// Open = still a major hazard at the mine (everything but signed off and withdrawn).
    pub fn is_open(self) -> bool {
        !matches!(self, HazardState::SignedOff | HazardState::Withdrawn)
    }
}

/// Where a hazard was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum HazardSource {
    /// An engine finding (its stable id); counts for closure only once a regulator confirms it.
    Engine { finding: String },
    /// A regulator's inspection record; confirmed by being found there.
    Inspection { inspection: String },
    /// The mine's own monthly self-check (HM-2.1); counts for closure only once a regulator confirms it.
    SelfCheck { self_check: String },
}

impl HazardSource {
    /// The check that found it, as `kind:id`; two observations from the same check count once.
    pub fn check_key(&self) -> String {
        match self {
            HazardSource::Engine { finding } => format!("engine:{finding}"),
            HazardSource::Inspection { inspection } => format!("inspection:{inspection}"),
            HazardSource::SelfCheck { self_check } => format!("self_check:{self_check}"),
        }
    }
}

/// The five in place (五落实): responsibility, measures, funds, deadline, contingency plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiveInPlace {
    /// 责任: the person answering for the fix.
    pub responsible: String,
    /// 措施.
    pub measures: String,
    /// 资金, CNY.
    pub funds_cny: u64,
    /// 时限.
    pub deadline: Timestamp,
    /// 预案: the contingency plan while the hazard remains.
    pub contingency_plan: String,
}

/// One finding of this hazard by one check; the first is the opening one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub at: Timestamp,
    pub source: HazardSource,
    /// Confirmed by an inspection, or by a regulator's `confirm`.
    pub confirmed: bool,
}

/// A decision on the record, with the state of the record at that moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Command name, e.g. `verify`.
    pub action: String,
    pub by: Actor,
    pub at: Timestamp,
    pub notes: String,
    pub from: HazardState,
    pub to: HazardState,
    /// The record as it stood when decided (without its decision list).
    pub snapshot: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub from: Timestamp,
    pub to: Timestamp,
    pub by: Actor,
    pub at: Timestamp,
    pub reason: String,
}

/// The regulator's named helper (帮扶责任人, HM-2.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Helper {
    pub name: String,
    pub id: String,
    pub assigned_by: Actor,
    pub at: Timestamp,
}

/// The mine's objection and the regulator's decision on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contest {
    pub by: Actor,
    pub at: Timestamp,
    pub reason: String,
    pub evidence: Vec<String>,
    /// `None` while undecided.
    pub decision: Option<ContestDecision>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestDecision {
    /// `true`: the contest is upheld and the hazard withdrawn; `false`: the hazard stands.
    pub upheld: bool,
    pub by: Actor,
    pub at: Timestamp,
    pub notes: String,
}

/// A major accident hazard (重大事故隐患) on the ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hazard {
    pub id: String,
    pub mine: String,
    /// Where underground or on site (the place text inspections list).
    pub place: String,
    /// The system it belongs to (ventilation, gas, water, …), when known; inspections list systems too.
    pub system: Option<String>,
    /// The catalog rule it is a hazard under, e.g. `CM-4.2` or `CM26-11.4`.
    pub kind: String,
    pub description: String,
    /// When it was first found.
    pub found_at: Timestamp,
    /// Since when its evidence existed (an engine finding's start; else `found_at`), for back-tracing.
    pub evidence_since: Timestamp,
    pub source: HazardSource,
    /// Links to evidence: finding ids, file names, photos.
    pub evidence: Vec<String>,
    pub opened_by: Actor,
    pub state: HazardState,
    /// Every finding of it by a check, the opening one first.
    pub observations: Vec<Observation>,
    pub five: Option<FiveInPlace>,
    /// The deadline in force (the five's, or the last extension's).
    pub deadline: Option<Timestamp>,
    pub extensions: Vec<Extension>,
    pub helper: Option<Helper>,
    pub contest: Option<Contest>,
    /// The earlier hazard of the same mine, place and kind, when this one repeats it.
    pub repeat_of: Option<String>,
    /// Who submitted the rectification last (may not verify or sign off).
    pub submitted_by: Option<Actor>,
    pub decisions: Vec<Decision>,
}

/// Commands on hazards. Ids are the caller's (the CLI makes them, imports carry them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardCmd {
    /// Records a hazard found by a check. Inspection sources are confirmed at once.
    Open {
        id: String,
        mine: String,
        place: String,
        #[serde(default)]
        system: Option<String>,
        kind: String,
        description: String,
        found_at: Timestamp,
        #[serde(default)]
        evidence_since: Option<Timestamp>,
        source: HazardSource,
        #[serde(default)]
        evidence: Vec<String>,
    },
    /// A regulator confirms an engine or self-check hazard (it then counts for closure).
    Confirm { id: String, notes: String },
    /// The same open hazard found again by another check.
    Observe { id: String, source: HazardSource, at: Timestamp },
    /// Enters "planned": all five in place are required (HM-2.1-R2).
    Plan { id: String, five: FiveInPlace },
    Start { id: String },
    Submit { id: String, notes: String, evidence: Vec<String> },
    Verify { id: String, notes: String },
    /// Sends a submission (or a verification) back to rectifying.
    Reject { id: String, reason: String },
    SignOff { id: String, notes: String },
    /// Revokes a sign-off: the hazard reopens (rectifying).
    Revoke { id: String, reason: String },
    Extend { id: String, to: Timestamp, reason: String },
    AssignHelper { id: String, helper_id: String, helper_name: String },
    Contest { id: String, reason: String, evidence: Vec<String> },
    DecideContest { id: String, upheld: bool, notes: String },
}

pub(crate) fn apply(_l: &mut Ledger, _ev: &Event, _cmd: &HazardCmd) -> Result<Applied, Refusal> {
    Err(Refusal::new(RefusalCode::Invalid, "hazard commands are not implemented yet"))
}

/// Hazards past their deadline and not signed off, as HM-2.3-R1 findings.
pub fn overdue(_l: &Ledger, _now: Timestamp) -> Vec<Finding> {
    Vec::new()
}
