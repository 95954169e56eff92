//! Inspections and enforcement (HM-1.2, HM-2.2): plans, records signed by the
//! inspector who answers for them, orders, penalties, referrals to other
//! departments (HM-3.3-R2, ENF-BND-1), back-tracing of missed hazards and a
//! risk-ranked visit plan.

use minesafe_model::{Severity, Timestamp};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::ledger::{Applied, Event, Ledger, Refusal, RefusalCode};

/// How a visit is made (HM-2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitMode {
    /// 例行 (announced).
    Announced,
    /// 四不两直: no notice, no greeting, no escort, no reception; straight to the mine and the site.
    Unannounced,
    /// 夜查.
    Night,
    /// 回马枪: a return visit soon after a previous one.
    Return,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionPlan {
    pub id: String,
    pub office: String,
    pub mine: String,
    pub planned_on: Timestamp,
    pub mode: VisitMode,
    /// What to look at (places, systems, rule ids).
    pub focus: Vec<String>,
    /// Inspector ids.
    pub inspectors: Vec<String>,
    pub planned_by: Actor,
    /// The inspection that carried it out.
    pub done_by: Option<String>,
}

/// One item an inspection found, with the catalog rule and legal basis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionFinding {
    pub rule: String,
    pub place: String,
    pub text: String,
    /// Legal basis as cited in the document (e.g. `R774 Art. 36`).
    pub basis: String,
    /// A major hazard (then it should be on the hazard ledger: `hazard`).
    pub major: bool,
    pub hazard: Option<String>,
}

/// The inspector's signature (谁检查、谁签名、谁负责). Once signed the record cannot change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub by: Actor,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    pub id: String,
    pub plan: Option<String>,
    pub mine: String,
    pub office: String,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    pub mode: VisitMode,
    /// Inspector ids; the signer must be one of them.
    pub inspectors: Vec<String>,
    /// Places covered (working faces, roadways, rooms).
    pub places: Vec<String>,
    /// Systems covered (ventilation, gas, water, electrical, hoisting, …).
    pub systems: Vec<String>,
    pub findings: Vec<InspectionFinding>,
    pub notes: String,
    pub recorded_by: Actor,
    pub signed: Option<Signature>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderKind {
    /// 责令限期整改.
    CorrectByDeadline { deadline: Timestamp },
    /// 责令局部停产 (STOP-AREA).
    StopInArea { area: String },
    /// 责令停产整顿 (STOP): the mine's status becomes stopped by order.
    StopProduction,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub mine: String,
    pub inspection: Option<String>,
    pub kind: OrderKind,
    /// Catalog rule or article the order rests on.
    pub basis: String,
    pub text: String,
    pub issued_at: Timestamp,
    pub issued_by: Actor,
    pub lifted: Option<Signature>,
}

/// Whom a penalty is imposed on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PenaltyTarget {
    Enterprise,
    Person { name: String, post: String },
}

/// An administrative penalty (行政处罚); those under SPL count for ENF-HAZ-5.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Penalty {
    pub id: String,
    pub mine: String,
    pub inspection: Option<String>,
    pub target: PenaltyTarget,
    pub amount_cny: u64,
    /// Consequence code as in the catalog, e.g. `FINE[50万–200万]`.
    pub consequence: String,
    /// Catalog rule or article, e.g. `ENF-HAZ-3`.
    pub basis: String,
    /// The law it was imposed under: `SPL`, `R774`, …
    pub law: String,
    pub decided_at: Timestamp,
    pub decided_by: Actor,
}

/// Departments a regulator refers to (HM-3.3-R2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralTarget {
    /// 自然资源部门: boundary-crossing mining.
    NaturalResources,
    /// 供电企业: stop or limit power.
    PowerSupplier,
    /// 公安机关: stop explosives; crimes.
    Police,
    /// 司法机关: criminal cases (REFER).
    Judicial,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    pub id: String,
    pub mine: String,
    pub to: ReferralTarget,
    pub basis: String,
    pub text: String,
    pub sent_at: Timestamp,
    pub sent_by: Actor,
    /// The receiving department acknowledges by then.
    pub ack_deadline: Timestamp,
    pub acknowledged: Option<Acknowledgement>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Who at the receiving department.
    pub by: String,
    pub at: Timestamp,
    pub notes: String,
    pub recorded_by: Actor,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionCmd {
    Plan { id: String, mine: String, office: String, planned_on: Timestamp, mode: VisitMode, focus: Vec<String>, inspectors: Vec<String> },
    Record {
        id: String,
        #[serde(default)]
        plan: Option<String>,
        mine: String,
        office: String,
        started_at: Timestamp,
        ended_at: Timestamp,
        mode: VisitMode,
        inspectors: Vec<String>,
        places: Vec<String>,
        systems: Vec<String>,
        #[serde(default)]
        findings: Vec<InspectionFinding>,
        #[serde(default)]
        notes: String,
    },
    /// The actor signs the record; it must be one of its inspectors.
    Sign { id: String },
    IssueOrder { id: String, mine: String, #[serde(default)] inspection: Option<String>, kind: OrderKind, basis: String, text: String },
    LiftOrder { id: String, notes: String },
    ImposePenalty {
        id: String,
        mine: String,
        #[serde(default)]
        inspection: Option<String>,
        target: PenaltyTarget,
        amount_cny: u64,
        consequence: String,
        basis: String,
        law: String,
        decided_at: Timestamp,
    },
    Refer { id: String, mine: String, to: ReferralTarget, basis: String, text: String, ack_deadline: Timestamp },
    AcknowledgeReferral { id: String, by: String, notes: String },
}

pub(crate) fn apply(_l: &mut Ledger, _ev: &Event, _cmd: &InspectionCmd) -> Result<Applied, Refusal> {
    Err(Refusal::new(RefusalCode::Invalid, "inspection commands are not implemented yet"))
}

/// An earlier inspection that covered a hazard's mine and place (or system)
/// while its evidence already existed, and who signed it (HM-1.2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackTrace {
    pub inspection: String,
    pub started_at: Timestamp,
    pub mode: VisitMode,
    pub inspectors: Vec<String>,
    pub signed_by: Option<Actor>,
    /// What matched: `place:<text>` or `system:<name>`.
    pub covered: Vec<String>,
}

/// Back-tracing for a hazard: inspections of its mine between its evidence and
/// its finding that covered its place or system. Empty for unknown hazards.
pub fn backtrace(_l: &Ledger, _hazard: &str) -> Vec<BackTrace> {
    Vec::new()
}

/// A signal that raises a mine's inspection priority: an engine finding or a lead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskSignal {
    pub mine: String,
    pub rule: String,
    pub severity: Severity,
    pub at: Timestamp,
    /// `true` for leads of illegal operation (hidden faces, over-capacity, concealment).
    pub lead: bool,
    /// `true` when the signal happens mostly at night (night production, REC-6).
    pub night: bool,
}

/// A proposed visit with its reasons, highest score first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitProposal {
    pub mine: String,
    pub score: f64,
    pub mode: VisitMode,
    pub reasons: Vec<String>,
    pub last_visit: Option<Timestamp>,
}

/// Risk-ranked visit planning (HM-2.2): open hazards, recent findings and leads,
/// time since the last visit; proposes unannounced, night and return visits.
pub fn plan_visits(_l: &Ledger, _now: Timestamp, _signals: &[RiskSignal]) -> Vec<VisitProposal> {
    Vec::new()
}
