//! Inspections and enforcement (HM-1.2, HM-2.2): plans, records signed by the
//! inspector who answers for them, orders, penalties, referrals to other
//! departments (HM-3.3-R2, ENF-BND-1), back-tracing of missed hazards and a
//! risk-ranked visit plan.
//!
//! Only regulators with jurisdiction over the mine act here (inspectors and
//! office heads); the mine never writes its own inspection record. A record is
//! a draft its inspectors may complete (`Amend`) until one of them signs it;
//! from then on no command changes it (refused with `signed`), because the
//! signer answers for what the record says was looked at (谁检查、谁签名、谁负责)
//! and back-tracing holds the signer to it later. A stop-production order moves
//! the mine to "stopped by order" and is never lifted here: production resumes
//! only through restart acceptance in [`crate::gates`] (ENF-STOP-2).

use minesafe_model::{Severity, Timestamp};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::gates::MineStatus;
use crate::hazard::{Hazard, HazardSource, HazardState};
use crate::ledger::{Applied, Event, Ledger, RecordRef, Refusal, RefusalCode};

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
    Plan {
        id: String,
        mine: String,
        office: String,
        planned_on: Timestamp,
        mode: VisitMode,
        focus: Vec<String>,
        inspectors: Vec<String>,
    },
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
    Sign {
        id: String,
    },
    IssueOrder {
        id: String,
        mine: String,
        #[serde(default)]
        inspection: Option<String>,
        kind: OrderKind,
        basis: String,
        text: String,
    },
    LiftOrder {
        id: String,
        notes: String,
    },
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
    Refer {
        id: String,
        mine: String,
        to: ReferralTarget,
        basis: String,
        text: String,
        ack_deadline: Timestamp,
    },
    AcknowledgeReferral {
        id: String,
        by: String,
        notes: String,
    },
    /// Completes an unsigned record before its inspectors sign it; fields left
    /// out stay as they are. A signed record never changes: refused with `signed`.
    Amend {
        id: String,
        #[serde(default)]
        places: Option<Vec<String>>,
        #[serde(default)]
        systems: Option<Vec<String>>,
        #[serde(default)]
        findings: Option<Vec<InspectionFinding>>,
        #[serde(default)]
        notes: Option<String>,
    },
}

impl VisitMode {
    /// The mode as a planner reads it, with the Chinese term.
    pub fn label(self) -> &'static str {
        match self {
            VisitMode::Announced => "announced visit (例行)",
            VisitMode::Unannounced => "unannounced visit (四不两直)",
            VisitMode::Night => "night visit (夜查)",
            VisitMode::Return => "return visit (回马枪)",
        }
    }
}

impl ReferralTarget {
    pub fn label(self) -> &'static str {
        match self {
            ReferralTarget::NaturalResources => "natural resources department (自然资源部门)",
            ReferralTarget::PowerSupplier => "power supplier (供电企业)",
            ReferralTarget::Police => "police (公安机关)",
            ReferralTarget::Judicial => "judicial authorities (司法机关)",
        }
    }
}

fn invalid(msg: impl Into<String>) -> Refusal {
    Refusal::new(RefusalCode::Invalid, msg)
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn who(a: &Actor) -> String {
    format!("{} ({})", a.name, a.id)
}

/// Only regulators in whose jurisdiction the mine lies act on inspections and
/// enforcement; the mine cannot write its own inspection record, and minesafe
/// itself decides nothing here.
fn authorize(l: &Ledger, actor: &Actor, mine: &str, what: &str) -> Result<(), Refusal> {
    l.check_scope(actor, mine)?;
    if actor.is_regulator() {
        Ok(())
    } else {
        Err(Refusal::new(RefusalCode::NotAllowed, format!("{} may not {what}: only an inspector or an office head may", who(actor))))
    }
}

fn new_id(id: &str, kind: &str, exists: bool) -> Result<(), Refusal> {
    if blank(id) {
        return Err(invalid(format!("the {kind} id is empty")));
    }
    if exists {
        return Err(Refusal::new(RefusalCode::Duplicate, format!("{kind} {id} exists already")));
    }
    Ok(())
}

fn office_of_mine(l: &Ledger, mine: &str, office: &str) -> Result<(), Refusal> {
    let rec = l.mines.get(mine).ok_or_else(|| Refusal::new(RefusalCode::Unknown, format!("mine {mine} is not registered")))?;
    if rec.offices.iter().any(|o| o == office) {
        Ok(())
    } else {
        Err(invalid(format!("office {office:?} has no jurisdiction over mine {mine} (its offices: {})", rec.offices.join(", "))))
    }
}

fn check_inspectors(inspectors: &[String]) -> Result<(), Refusal> {
    if inspectors.is_empty() {
        return Err(invalid("no inspectors named: whoever inspects signs and answers (谁检查、谁签名、谁负责)"));
    }
    if inspectors.iter().any(|i| blank(i)) {
        return Err(invalid("an inspector id is empty"));
    }
    Ok(())
}

/// A record must say what it looked at, or back-tracing cannot hold anyone to it.
fn check_coverage(places: &[String], systems: &[String]) -> Result<(), Refusal> {
    if places.iter().chain(systems).any(|s| blank(s)) {
        return Err(invalid("a covered place or system is empty"));
    }
    if places.is_empty() && systems.is_empty() {
        return Err(invalid("the record names no place and no system it covered"));
    }
    Ok(())
}

fn check_findings(findings: &[InspectionFinding]) -> Result<(), Refusal> {
    match findings.iter().position(|f| blank(&f.rule)) {
        Some(i) => Err(invalid(format!("finding {} names no catalog rule", i + 1))),
        None => Ok(()),
    }
}

fn check_linked_inspection(l: &Ledger, inspection: &Option<String>, mine: &str) -> Result<(), Refusal> {
    let Some(id) = inspection else { return Ok(()) };
    let rec = l.inspections.get(id).ok_or_else(|| Refusal::new(RefusalCode::Unknown, format!("inspection {id} does not exist")))?;
    if rec.mine != mine {
        return Err(invalid(format!("inspection {id} is of mine {}, not {mine}", rec.mine)));
    }
    Ok(())
}

fn applied(kind: &str, id: &str, mine: &str) -> Applied {
    Applied { record: RecordRef::new(kind, id), mine: mine.to_string() }
}

/// Applies one inspection or enforcement command. Every check runs before the
/// first change, so a refusal leaves the ledger as it was.
pub(crate) fn apply(l: &mut Ledger, ev: &Event, cmd: &InspectionCmd) -> Result<Applied, Refusal> {
    let actor = &ev.actor;
    match cmd {
        InspectionCmd::Plan { id, mine, office, planned_on, mode, focus, inspectors } => {
            authorize(l, actor, mine, "plan inspections")?;
            new_id(id, "plan", l.plans.contains_key(id))?;
            office_of_mine(l, mine, office)?;
            check_inspectors(inspectors)?;
            l.plans.insert(
                id.clone(),
                InspectionPlan {
                    id: id.clone(),
                    office: office.clone(),
                    mine: mine.clone(),
                    planned_on: *planned_on,
                    mode: *mode,
                    focus: focus.clone(),
                    inspectors: inspectors.clone(),
                    planned_by: actor.clone(),
                    done_by: None,
                },
            );
            Ok(applied("plan", id, mine))
        }
        InspectionCmd::Record { id, plan, mine, office, started_at, ended_at, mode, inspectors, places, systems, findings, notes } => {
            authorize(l, actor, mine, "record inspections")?;
            new_id(id, "inspection", l.inspections.contains_key(id))?;
            office_of_mine(l, mine, office)?;
            if ended_at < started_at {
                return Err(invalid(format!("inspection {id} ends ({ended_at}) before it starts ({started_at})")));
            }
            if *ended_at > ev.at {
                return Err(invalid(format!("inspection {id} ends at {ended_at}, after it is recorded ({}): record it once done", ev.at)));
            }
            check_inspectors(inspectors)?;
            check_coverage(places, systems)?;
            check_findings(findings)?;
            if let Some(p) = plan {
                let pl = l.plans.get(p).ok_or_else(|| Refusal::new(RefusalCode::Unknown, format!("plan {p} does not exist")))?;
                if pl.mine != *mine {
                    return Err(invalid(format!("plan {p} is for mine {}, not {mine}", pl.mine)));
                }
                if let Some(done) = &pl.done_by {
                    return Err(Refusal::new(RefusalCode::WrongState, format!("plan {p} was carried out already by inspection {done}")));
                }
            }
            if let Some(pl) = plan.as_ref().and_then(|p| l.plans.get_mut(p)) {
                pl.done_by = Some(id.clone());
            }
            l.inspections.insert(
                id.clone(),
                Inspection {
                    id: id.clone(),
                    plan: plan.clone(),
                    mine: mine.clone(),
                    office: office.clone(),
                    started_at: *started_at,
                    ended_at: *ended_at,
                    mode: *mode,
                    inspectors: inspectors.clone(),
                    places: places.clone(),
                    systems: systems.clone(),
                    findings: findings.clone(),
                    notes: notes.clone(),
                    recorded_by: actor.clone(),
                    signed: None,
                },
            );
            Ok(applied("inspection", id, mine))
        }
        InspectionCmd::Sign { id } => {
            let rec = l.inspections.get(id).ok_or_else(|| Refusal::new(RefusalCode::Unknown, format!("inspection {id} does not exist")))?;
            let mine = rec.mine.clone();
            authorize(l, actor, &mine, "sign inspection records")?;
            if let Some(s) = &rec.signed {
                return Err(Refusal::new(
                    RefusalCode::Signed,
                    format!("inspection {id} was signed by {} at {}; a signed record cannot change", who(&s.by), s.at),
                )
                .with_rule("HM-1.2"));
            }
            if !rec.inspectors.contains(&actor.id) {
                return Err(Refusal::new(
                    RefusalCode::NotAllowed,
                    format!(
                        "{} is not one of the inspectors of {id} ({}): whoever inspects signs (谁检查、谁签名)",
                        who(actor),
                        rec.inspectors.join(", ")
                    ),
                )
                .with_rule("HM-1.2"));
            }
            if let Some(rec) = l.inspections.get_mut(id) {
                rec.signed = Some(Signature { by: actor.clone(), at: ev.at });
            }
            Ok(applied("inspection", id, &mine))
        }
        InspectionCmd::Amend { id, places, systems, findings, notes } => {
            let rec = l.inspections.get(id).ok_or_else(|| Refusal::new(RefusalCode::Unknown, format!("inspection {id} does not exist")))?;
            let mine = rec.mine.clone();
            authorize(l, actor, &mine, "amend inspection records")?;
            if let Some(s) = &rec.signed {
                return Err(Refusal::new(
                    RefusalCode::Signed,
                    format!("inspection {id} was signed by {} at {}; a signed record cannot change", who(&s.by), s.at),
                )
                .with_rule("HM-1.2"));
            }
            if rec.recorded_by.id != actor.id && !rec.inspectors.contains(&actor.id) {
                return Err(Refusal::new(
                    RefusalCode::NotAllowed,
                    format!("{} neither recorded inspection {id} nor is one of its inspectors", who(actor)),
                ));
            }
            let new_places = places.as_ref().unwrap_or(&rec.places);
            let new_systems = systems.as_ref().unwrap_or(&rec.systems);
            check_coverage(new_places, new_systems)?;
            if let Some(f) = findings {
                check_findings(f)?;
            }
            if let Some(rec) = l.inspections.get_mut(id) {
                if let Some(p) = places {
                    rec.places = p.clone();
                }
                if let Some(s) = systems {
                    rec.systems = s.clone();
                }
                if let Some(f) = findings {
                    rec.findings = f.clone();
                }
                if let Some(n) = notes {
                    rec.notes = n.clone();
                }
            }
            Ok(applied("inspection", id, &mine))
        }
        InspectionCmd::IssueOrder { id, mine, inspection, kind, basis, text } => {
            authorize(l, actor, mine, "issue orders")?;
            new_id(id, "order", l.orders.contains_key(id))?;
            if blank(basis) {
                return Err(invalid(format!("order {id} names no basis (catalog rule or article)")));
            }
            check_linked_inspection(l, inspection, mine)?;
            let status = l.mines.get(mine).map(|m| m.status);
            match kind {
                OrderKind::CorrectByDeadline { deadline } if *deadline <= ev.at => {
                    return Err(invalid(format!("order {id}: the deadline {deadline} is not after the order ({})", ev.at)));
                }
                OrderKind::StopInArea { area } if blank(area) => {
                    return Err(invalid(format!("order {id}: a stop in an area names the area")));
                }
                OrderKind::StopProduction if status == Some(MineStatus::Closed) => {
                    return Err(Refusal::new(
                        RefusalCode::WrongState,
                        format!("order {id}: mine {mine} is closed; there is no production to stop"),
                    ));
                }
                _ => {}
            }
            l.orders.insert(
                id.clone(),
                Order {
                    id: id.clone(),
                    mine: mine.clone(),
                    inspection: inspection.clone(),
                    kind: kind.clone(),
                    basis: basis.clone(),
                    text: text.clone(),
                    issued_at: ev.at,
                    issued_by: actor.clone(),
                    lifted: None,
                },
            );
            if *kind == OrderKind::StopProduction && status != Some(MineStatus::StoppedByOrder) {
                crate::gates::record_status(l, mine, MineStatus::StoppedByOrder, ev.at, actor, id);
            }
            Ok(applied("order", id, mine))
        }
        InspectionCmd::LiftOrder { id, notes } => {
            let o = l.orders.get(id).ok_or_else(|| Refusal::new(RefusalCode::Unknown, format!("order {id} does not exist")))?;
            let mine = o.mine.clone();
            authorize(l, actor, &mine, "lift orders")?;
            if o.kind == OrderKind::StopProduction {
                return Err(Refusal::new(
                    RefusalCode::WrongState,
                    format!("order {id} stops production: it ends only by restart acceptance (复产验收), not by lifting"),
                )
                .with_rule("ENF-STOP-2"));
            }
            if let Some(s) = &o.lifted {
                return Err(Refusal::new(RefusalCode::WrongState, format!("order {id} was lifted already by {} at {}", who(&s.by), s.at)));
            }
            if blank(notes) {
                return Err(invalid(format!("lifting order {id} needs notes saying why")));
            }
            if let Some(o) = l.orders.get_mut(id) {
                o.lifted = Some(Signature { by: actor.clone(), at: ev.at });
            }
            Ok(applied("order", id, &mine))
        }
        InspectionCmd::ImposePenalty { id, mine, inspection, target, amount_cny, consequence, basis, law, decided_at } => {
            authorize(l, actor, mine, "impose penalties")?;
            new_id(id, "penalty", l.penalties.contains_key(id))?;
            if *amount_cny == 0 {
                return Err(invalid(format!("penalty {id}: the amount is zero")));
            }
            if blank(law) {
                return Err(invalid(format!("penalty {id} names no law (SPL, R774, …)")));
            }
            if blank(basis) {
                return Err(invalid(format!("penalty {id} names no basis (catalog rule or article)")));
            }
            if let PenaltyTarget::Person { name, .. } = target {
                if blank(name) {
                    return Err(invalid(format!("penalty {id}: the person penalised has no name")));
                }
            }
            if *decided_at > ev.at {
                return Err(invalid(format!("penalty {id} is decided at {decided_at}, after it is recorded ({})", ev.at)));
            }
            check_linked_inspection(l, inspection, mine)?;
            l.penalties.insert(
                id.clone(),
                Penalty {
                    id: id.clone(),
                    mine: mine.clone(),
                    inspection: inspection.clone(),
                    target: target.clone(),
                    amount_cny: *amount_cny,
                    consequence: consequence.clone(),
                    basis: basis.clone(),
                    law: law.clone(),
                    decided_at: *decided_at,
                    decided_by: actor.clone(),
                },
            );
            Ok(applied("penalty", id, mine))
        }
        InspectionCmd::Refer { id, mine, to, basis, text, ack_deadline } => {
            authorize(l, actor, mine, "refer cases")?;
            new_id(id, "referral", l.referrals.contains_key(id))?;
            if blank(basis) {
                return Err(invalid(format!("referral {id} names no basis")));
            }
            if *ack_deadline <= ev.at {
                return Err(invalid(format!(
                    "referral {id}: the acknowledgement deadline {ack_deadline} is not after sending ({})",
                    ev.at
                )));
            }
            l.referrals.insert(
                id.clone(),
                Referral {
                    id: id.clone(),
                    mine: mine.clone(),
                    to: *to,
                    basis: basis.clone(),
                    text: text.clone(),
                    sent_at: ev.at,
                    sent_by: actor.clone(),
                    ack_deadline: *ack_deadline,
                    acknowledged: None,
                },
            );
            Ok(applied("referral", id, mine))
        }
        InspectionCmd::AcknowledgeReferral { id, by, notes } => {
            let r = l.referrals.get(id).ok_or_else(|| Refusal::new(RefusalCode::Unknown, format!("referral {id} does not exist")))?;
            let mine = r.mine.clone();
            // The receiving department has no account here; a regulator records its answer.
            authorize(l, actor, &mine, "record acknowledgements of referrals")?;
            if let Some(a) = &r.acknowledged {
                return Err(Refusal::new(
                    RefusalCode::WrongState,
                    format!("referral {id} was acknowledged already by {} at {}", a.by, a.at),
                ));
            }
            if blank(by) {
                return Err(invalid(format!("referral {id}: name who acknowledged it at the receiving department")));
            }
            if let Some(r) = l.referrals.get_mut(id) {
                r.acknowledged = Some(Acknowledgement { by: by.clone(), at: ev.at, notes: notes.clone(), recorded_by: actor.clone() });
            }
            Ok(applied("referral", id, &mine))
        }
    }
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

/// Place texts are written by hand on both sides ("3105工作面" vs "3105 工作面回风巷"),
/// so a place matches when, trimmed and case-folded, either contains the other.
fn place_matches(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_lowercase(), b.trim().to_lowercase());
    !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
}

fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.to_lowercase() == b.to_lowercase()
}

/// Back-tracing for a hazard (HM-1.2): inspections of its mine that started while
/// its evidence already existed (`[evidence_since, found_at)`) and covered its
/// place or system, oldest first. The inspection that found it (or that lists it
/// among its findings) did not miss it and is left out. Unsigned records are
/// listed too, with `signed_by: None`: that is a failing of its own. Empty for
/// unknown hazards.
pub fn backtrace(l: &Ledger, hazard: &str) -> Vec<BackTrace> {
    let Some(h) = l.hazards.get(hazard) else { return Vec::new() };
    let finder = match &h.source {
        HazardSource::Inspection { inspection } => Some(inspection.as_str()),
        _ => None,
    };
    let mut out: Vec<BackTrace> = l
        .inspections
        .values()
        .filter(|i| i.mine == h.mine && i.started_at >= h.evidence_since && i.started_at < h.found_at)
        .filter(|i| Some(i.id.as_str()) != finder && !i.findings.iter().any(|f| f.hazard.as_deref() == Some(hazard)))
        .filter_map(|i| {
            let mut covered: Vec<String> =
                i.places.iter().filter(|p| place_matches(p, &h.place)).map(|p| format!("place:{}", p.trim())).collect();
            if let Some(sys) = &h.system {
                covered.extend(i.systems.iter().filter(|s| same_name(s, sys)).map(|s| format!("system:{}", s.trim())));
            }
            (!covered.is_empty()).then(|| BackTrace {
                inspection: i.id.clone(),
                started_at: i.started_at,
                mode: i.mode,
                inspectors: i.inspectors.clone(),
                signed_by: i.signed.as_ref().map(|s| s.by.clone()),
                covered,
            })
        })
        .collect();
    out.sort_by(|a, b| a.started_at.cmp(&b.started_at).then_with(|| a.inspection.cmp(&b.inspection)));
    out
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

const DAY: i64 = 86_400;
/// Signals older than this no longer raise a mine's priority.
pub const SIGNAL_WINDOW_DAYS: i64 = 30;
/// A return visit (回马枪) follows an inspection at most this long ago.
pub const RETURN_WINDOW_DAYS: i64 = 60;
/// Each open major hazard.
const W_OPEN_HAZARD: f64 = 10.0;
/// Added for an open hazard past its deadline: the mine is not fixing it.
const W_OVERDUE: f64 = 10.0;
/// Added for an open hazard that repeats an earlier one: the fix did not hold.
const W_REPEAT: f64 = 8.0;
/// A lead of illegal operation weighs this many times a finding of the same severity.
const LEAD_FACTOR: f64 = 2.0;
/// Signals add at most this much, so a noisy mine does not drown all others.
const SIGNAL_CAP: f64 = 40.0;
/// Per day since the last inspection, up to `IDLE_CAP_DAYS`.
const W_IDLE_DAY: f64 = 0.1;
const IDLE_CAP_DAYS: i64 = 180;
/// A mine stopped by order is where secret production hides.
const W_STOP_IN_FORCE: f64 = 12.0;

fn severity_weight(s: Severity) -> f64 {
    match s {
        Severity::MajorHazard => 6.0,
        Severity::Illegal => 4.0,
        Severity::Alarm => 2.0,
        Severity::Warning => 1.0,
        Severity::Info => 0.25,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn night_share(night: usize, n: usize) -> &'static str {
    if night == 0 {
        ""
    } else if night == n {
        ", all at night"
    } else if night * 2 > n {
        ", mostly at night"
    } else if night * 2 == n {
        ", half at night"
    } else {
        ""
    }
}

/// Why a return visit is due: the last inspection within the window found a
/// major hazard since signed off, or issued an order since lifted (or a stop
/// order the mine has since restarted from) — 回马枪 checks that the fix holds.
fn return_reason(l: &Ledger, last: &Inspection, now: Timestamp) -> Option<String> {
    if now.secs_since(last.started_at) > RETURN_WINDOW_DAYS * DAY {
        return None;
    }
    let date = last.started_at.beijing_date();
    let mut hazard_ids: Vec<&str> = last.findings.iter().filter(|f| f.major).filter_map(|f| f.hazard.as_deref()).collect();
    hazard_ids.extend(
        l.hazards
            .values()
            .filter(|h| matches!(&h.source, HazardSource::Inspection { inspection } if *inspection == last.id))
            .map(|h| h.id.as_str()),
    );
    hazard_ids.sort_unstable();
    hazard_ids.dedup();
    if let Some(h) = hazard_ids.iter().filter_map(|id| l.hazards.get(*id)).find(|h| h.state == HazardState::SignedOff) {
        return Some(format!(
            "inspection {} on {date} found major hazard {} at {}, signed off since: check that the fix holds",
            last.id, h.id, h.place
        ));
    }
    let restarted_after = |o: &Order| {
        l.mines.get(&o.mine).is_some_and(|m| {
            m.history
                .iter()
                .any(|c| c.effective >= o.issued_at && c.from == Some(MineStatus::StoppedByOrder) && c.to != MineStatus::StoppedByOrder)
        })
    };
    let lifted = l.orders.values().filter(|o| o.inspection.as_deref() == Some(last.id.as_str())).find(|o| match o.kind {
        OrderKind::StopProduction => restarted_after(o),
        _ => o.lifted.is_some(),
    });
    lifted.map(|o| format!("inspection {} on {date} led to order {}, since lifted: check that the mine complies", last.id, o.id))
}

/// Risk-ranked visit planning (HM-2.2): one proposal for every registered mine
/// that is not closed, highest score first (ties by mine code).
///
/// The score adds: each open major hazard, more when past its deadline or when
/// it repeats an earlier one; signals of the last 30 days weighted by severity
/// (major hazard > illegal > alarm > warning > info), leads twice (capped); days
/// since the last inspection (capped at 180, never inspected counts as the cap);
/// a stop-production order in force. The mode: a return visit (回马枪) when the
/// last inspection, within 60 days, found a major hazard since signed off or
/// issued an order since lifted; a night visit when at least half of the recent
/// signals are at night; unannounced (四不两直) when there are leads or open
/// repeat hazards; announced otherwise.
pub fn plan_visits(l: &Ledger, now: Timestamp, signals: &[RiskSignal]) -> Vec<VisitProposal> {
    let mut out = Vec::new();
    for m in l.mines.values().filter(|m| m.status != MineStatus::Closed) {
        let mut score = 0.0;
        let mut reasons = Vec::new();

        let open: Vec<&Hazard> = l.hazards.values().filter(|h| h.mine == m.code && h.state.is_open()).collect();
        let overdue: Vec<Timestamp> = open.iter().filter_map(|h| h.deadline.filter(|d| *d < now)).collect();
        let repeats = open.iter().filter(|h| h.repeat_of.is_some()).count();
        score += W_OPEN_HAZARD * open.len() as f64 + W_OVERDUE * overdue.len() as f64 + W_REPEAT * repeats as f64;
        if !open.is_empty() {
            let mut s = plural(open.len(), "open major hazard", "open major hazards");
            if let Some(first) = overdue.iter().min() {
                s.push_str(&format!(", {} overdue since {}", overdue.len(), first.beijing_date()));
            }
            if repeats > 0 {
                s.push_str(&format!(
                    ", {} a repeat of an earlier one",
                    if repeats == 1 { "1 is".to_string() } else { format!("{repeats} are") }
                ));
            }
            reasons.push(s);
        }

        let recent: Vec<&RiskSignal> =
            signals.iter().filter(|s| s.mine == m.code && s.at <= now && now.secs_since(s.at) <= SIGNAL_WINDOW_DAYS * DAY).collect();
        let signal_score: f64 = recent.iter().map(|s| severity_weight(s.severity) * if s.lead { LEAD_FACTOR } else { 1.0 }).sum();
        score += signal_score.min(SIGNAL_CAP);
        let (leads, findings): (Vec<&RiskSignal>, Vec<&RiskSignal>) = recent.iter().partition(|s| s.lead);
        if !leads.is_empty() {
            let night = leads.iter().filter(|s| s.night).count();
            reasons.push(format!(
                "{} of illegal operation in the last {SIGNAL_WINDOW_DAYS} days{}",
                plural(leads.len(), "lead", "leads"),
                night_share(night, leads.len())
            ));
        }
        if !findings.is_empty() {
            let mut by_sev: Vec<(Severity, usize)> = Vec::new();
            for sev in [Severity::MajorHazard, Severity::Illegal, Severity::Alarm, Severity::Warning, Severity::Info] {
                let n = findings.iter().filter(|s| s.severity == sev).count();
                if n > 0 {
                    by_sev.push((sev, n));
                }
            }
            let parts: Vec<String> = by_sev.iter().map(|(s, n)| format!("{n} {}", s.id().replace('_', " "))).collect();
            let night = findings.iter().filter(|s| s.night).count();
            reasons.push(format!(
                "{} in the last {SIGNAL_WINDOW_DAYS} days ({}){}",
                plural(findings.len(), "finding", "findings"),
                parts.join(", "),
                night_share(night, findings.len())
            ));
        }

        let last = l.inspections.values().filter(|i| i.mine == m.code && i.started_at <= now).max_by_key(|i| (i.started_at, i.id.clone()));
        match last {
            Some(i) => {
                let days = now.secs_since(i.started_at) / DAY;
                score += W_IDLE_DAY * days.min(IDLE_CAP_DAYS) as f64;
                reasons.push(format!("no inspection for {days} days (last {} on {})", i.id, i.started_at.beijing_date()));
            }
            None => {
                score += W_IDLE_DAY * IDLE_CAP_DAYS as f64;
                reasons.push("never inspected".to_string());
            }
        }

        if m.status == MineStatus::StoppedByOrder {
            score += W_STOP_IN_FORCE;
            let order = l
                .orders
                .values()
                .filter(|o| o.mine == m.code && o.kind == OrderKind::StopProduction && o.issued_at <= now)
                .max_by_key(|o| o.issued_at);
            reasons.push(match order {
                Some(o) => format!("stopped by order {} since {}: check that it is not producing", o.id, o.issued_at.beijing_date()),
                None => "stopped by order: check that it is not producing".to_string(),
            });
        }

        let night = recent.iter().filter(|s| s.night).count();
        let mode = if let Some(r) = last.and_then(|i| return_reason(l, i, now)) {
            reasons.push(r);
            VisitMode::Return
        } else if !recent.is_empty() && night * 2 >= recent.len() {
            reasons.push(format!("{night} of {} recent signals at night", recent.len()));
            VisitMode::Night
        } else if !leads.is_empty() || repeats > 0 {
            VisitMode::Unannounced
        } else {
            VisitMode::Announced
        };
        out.push(VisitProposal { mine: m.code.clone(), score, mode, reasons, last_visit: last.map(|i| i.started_at) });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.mine.cmp(&b.mine)));
    out
}

/// Referrals the receiving department has not acknowledged by their deadline
/// (HM-3.3-R2): the regulator chases them. Oldest deadline first.
pub fn overdue_referrals(l: &Ledger, now: Timestamp) -> Vec<&Referral> {
    let mut out: Vec<&Referral> = l.referrals.values().filter(|r| r.acknowledged.is_none() && r.ack_deadline < now).collect();
    out.sort_by(|a, b| a.ack_deadline.cmp(&b.ack_deadline).then_with(|| a.id.cmp(&b.id)));
    out
}

/// One line of a mine's enforcement history, for export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub at: Timestamp,
    /// `status`, `licence`, `plan`, `inspection`, `hazard`, `self_check`, `order`,
    /// `penalty`, `referral`, `restart` or `closure`.
    pub kind: String,
    /// The record's id (the mine code for status changes).
    pub id: String,
    pub summary: String,
    /// Who decided, `name (id)`; empty where the record names no one (licences).
    pub actor: String,
}

/// The snake-case name serde gives an enum value (`stopped_by_order`).
fn tag<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn row(at: Timestamp, kind: &str, id: &str, summary: String, actor: String) -> HistoryRow {
    HistoryRow { at, kind: kind.to_string(), id: id.to_string(), summary, actor }
}

fn order_text(k: &OrderKind) -> String {
    match k {
        OrderKind::CorrectByDeadline { deadline } => format!("correct by {} (责令限期整改)", deadline.beijing_date()),
        OrderKind::StopInArea { area } => format!("stop in {area} (责令局部停产)"),
        OrderKind::StopProduction => "stop production (责令停产整顿)".to_string(),
    }
}

/// A mine's full enforcement history, oldest first: status decisions, licences,
/// plans, inspections (with their signer), hazards (opening and every decision),
/// self-checks, orders, penalties, referrals, restart applications and closure
/// proposals. Rows at the same instant keep cause before effect (an order before
/// the status change it causes). Empty for an unknown mine.
pub fn history(l: &Ledger, mine: &str) -> Vec<HistoryRow> {
    let Some(m) = l.mines.get(mine) else { return Vec::new() };
    let mut rows = Vec::new();
    for lic in &m.licences {
        rows.push(row(
            lic.valid_from,
            "licence",
            &lic.number,
            format!("{} licence {} valid {} to {}", tag(&lic.kind), lic.number, lic.valid_from.beijing_date(), lic.valid_to.beijing_date()),
            String::new(),
        ));
        if let Some(r) = lic.revoked_at {
            rows.push(row(r, "licence", &lic.number, format!("{} licence {} revoked", tag(&lic.kind), lic.number), String::new()));
        }
    }
    for p in l.plans.values().filter(|p| p.mine == mine) {
        let done = p.done_by.as_ref().map(|d| format!("; carried out by inspection {d}")).unwrap_or_default();
        let focus = if p.focus.is_empty() { String::new() } else { format!(", focus {}", p.focus.join(", ")) };
        rows.push(row(
            p.planned_on,
            "plan",
            &p.id,
            format!("planned {} by {} for office {}{focus}{done}", p.mode.label(), p.inspectors.join(", "), p.office),
            who(&p.planned_by),
        ));
    }
    for i in l.inspections.values().filter(|i| i.mine == mine) {
        let major = i.findings.iter().filter(|f| f.major).count();
        let mut covered: Vec<&str> = i.places.iter().map(String::as_str).collect();
        covered.extend(i.systems.iter().map(String::as_str));
        let signed = match &i.signed {
            Some(s) => format!("signed by {} on {}", who(&s.by), s.at.beijing_date()),
            None => "NOT SIGNED".to_string(),
        };
        rows.push(row(
            i.started_at,
            "inspection",
            &i.id,
            format!(
                "{} by {}, covered {}; {} ({} major); {signed}",
                i.mode.label(),
                i.inspectors.join(", "),
                covered.join(", "),
                plural(i.findings.len(), "finding", "findings"),
                major
            ),
            who(&i.recorded_by),
        ));
    }
    for s in l.self_checks.values().filter(|s| s.mine == mine) {
        let found = if s.hazards_found.is_empty() { String::new() } else { format!("; hazards found: {}", s.hazards_found.join(", ")) };
        rows.push(row(
            s.held_on,
            "self_check",
            &s.id,
            format!("monthly self-check for {} led by {}, {} of 7 key links{found}", s.month, s.led_by, s.links.len()),
            who(&s.recorded_by),
        ));
    }
    for h in l.hazards.values().filter(|h| h.mine == mine) {
        let repeat = h.repeat_of.as_ref().map(|r| format!(", repeat of {r}")).unwrap_or_default();
        rows.push(row(
            h.found_at,
            "hazard",
            &h.id,
            format!("major hazard opened: {} at {} ({}), found by {}{repeat}", h.kind, h.place, h.description, h.source.check_key()),
            who(&h.opened_by),
        ));
        for d in &h.decisions {
            let notes = if blank(&d.notes) { String::new() } else { format!(": {}", d.notes) };
            rows.push(row(d.at, "hazard", &h.id, format!("{} ({} → {}){notes}", d.action, tag(&d.from), tag(&d.to)), who(&d.by)));
        }
    }
    for o in l.orders.values().filter(|o| o.mine == mine) {
        let from = o.inspection.as_ref().map(|i| format!(" after inspection {i}")).unwrap_or_default();
        rows.push(row(o.issued_at, "order", &o.id, format!("order: {}{from}, basis {}", order_text(&o.kind), o.basis), who(&o.issued_by)));
        if let Some(s) = &o.lifted {
            rows.push(row(s.at, "order", &o.id, format!("order lifted: {}", order_text(&o.kind)), who(&s.by)));
        }
    }
    for p in l.penalties.values().filter(|p| p.mine == mine) {
        let target = match &p.target {
            PenaltyTarget::Enterprise => "the enterprise".to_string(),
            PenaltyTarget::Person { name, post } => format!("{name} ({post})"),
        };
        rows.push(row(
            p.decided_at,
            "penalty",
            &p.id,
            format!("penalty on {target}: {} CNY, {} under {}, basis {}", p.amount_cny, p.consequence, p.law, p.basis),
            who(&p.decided_by),
        ));
    }
    for r in l.referrals.values().filter(|r| r.mine == mine) {
        rows.push(row(
            r.sent_at,
            "referral",
            &r.id,
            format!("referred to the {}, basis {}; acknowledgement due {}", r.to.label(), r.basis, r.ack_deadline.beijing_date()),
            who(&r.sent_by),
        ));
        if let Some(a) = &r.acknowledged {
            let late = if a.at > r.ack_deadline { " (late)" } else { "" };
            rows.push(row(a.at, "referral", &r.id, format!("acknowledged by {}{late}", a.by), who(&a.recorded_by)));
        }
    }
    for r in l.restarts.values().filter(|r| r.mine == mine) {
        rows.push(row(
            r.applied_at,
            "restart",
            &r.id,
            format!("restart applied for, {}", plural(r.items.len(), "acceptance item", "acceptance items")),
            who(&r.applicant),
        ));
        if let (Some(by), Some(at)) = (&r.decided_by, r.decided_at) {
            rows.push(row(at, "restart", &r.id, format!("restart {}", tag(&r.state)), who(by)));
        }
    }
    for c in &m.history {
        let from = c.from.map(|f| format!("{} → ", tag(&f))).unwrap_or_else(|| "registered as ".to_string());
        let basis = if blank(&c.basis) { String::new() } else { format!(", basis {}", c.basis) };
        rows.push(row(c.effective, "status", &m.code, format!("status {from}{}{basis}", tag(&c.to)), who(&c.by)));
    }
    for c in &m.closures {
        rows.push(row(
            c.at,
            "closure",
            &c.id,
            format!(
                "closure proposed to {} under {} (hazards {}; penalties {})",
                c.to_government,
                c.rule,
                c.hazards.join(", "),
                c.penalties.join(", ")
            ),
            who(&c.by),
        ));
    }
    // Stable: rows at one instant keep the order above, cause before effect.
    rows.sort_by_key(|r| r.at);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Role;
    use crate::gates::{Licence, LicenceKind, MineRecord, StatusChange};
    use crate::hazard::Decision;
    use crate::ledger::Command;

    const OFFICE: &str = "county-A";

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).expect("test time")
    }

    fn insp(id: &str) -> Actor {
        Actor::new(id, &format!("inspector {id}"), Role::Inspector { office: OFFICE.into() })
    }

    fn mine_rec(code: &str, status: MineStatus) -> MineRecord {
        MineRecord {
            code: code.into(),
            name: format!("{code} mine"),
            offices: vec![OFFICE.into(), "city-B".into()],
            coal: true,
            underground: true,
            status,
            history: vec![StatusChange {
                effective: t("2025-01-01 00:00:00"),
                from: None,
                to: status,
                by: Actor::system(),
                basis: "registry".into(),
                notes: String::new(),
            }],
            licences: Vec::new(),
            closures: Vec::new(),
        }
    }

    fn ledger(mines: &[(&str, MineStatus)]) -> Ledger {
        let mut l = Ledger::default();
        for (code, status) in mines {
            l.mines.insert(code.to_string(), mine_rec(code, *status));
        }
        l
    }

    fn ev(at: &str, actor: &Actor, cmd: InspectionCmd) -> Event {
        Event { at: t(at), actor: actor.clone(), command: Command::Inspection(cmd) }
    }

    fn record(id: &str, mine: &str, start: &str, places: &[&str], systems: &[&str], inspectors: &[&str]) -> InspectionCmd {
        InspectionCmd::Record {
            id: id.into(),
            plan: None,
            mine: mine.into(),
            office: OFFICE.into(),
            started_at: t(start),
            ended_at: t(start).plus_secs(4 * 3600),
            mode: VisitMode::Announced,
            inspectors: inspectors.iter().map(|s| s.to_string()).collect(),
            places: places.iter().map(|s| s.to_string()).collect(),
            systems: systems.iter().map(|s| s.to_string()).collect(),
            findings: Vec::new(),
            notes: String::new(),
        }
    }

    /// Everything the module can change, for "refusals leave the ledger unchanged".
    fn fingerprint(l: &Ledger) -> String {
        serde_json::json!({
            "mines": l.mines, "plans": l.plans, "inspections": l.inspections,
            "orders": l.orders, "penalties": l.penalties, "referrals": l.referrals,
        })
        .to_string()
    }

    fn refused(l: &mut Ledger, e: &Event) -> Refusal {
        let before = fingerprint(l);
        let r = l.apply(e).expect_err("should be refused");
        assert_eq!(fingerprint(l), before, "a refusal changed the ledger: {r}");
        r
    }

    fn hazard(id: &str, mine: &str, place: &str, system: Option<&str>, since: &str, found: &str, source: HazardSource) -> Hazard {
        Hazard {
            id: id.into(),
            mine: mine.into(),
            place: place.into(),
            system: system.map(str::to_string),
            kind: "CM-4.2".into(),
            description: "gas drainage not up to standard".into(),
            found_at: t(found),
            evidence_since: t(since),
            source,
            evidence: Vec::new(),
            opened_by: insp("I1"),
            state: HazardState::Found,
            observations: Vec::new(),
            five: None,
            deadline: None,
            extensions: Vec::new(),
            helper: None,
            contest: None,
            repeat_of: None,
            submitted_by: None,
            decisions: Vec::new(),
        }
    }

    #[test]
    fn plan_requires_a_regulator_of_the_mine_its_office_and_inspectors() {
        let mut l = ledger(&[("M1", MineStatus::Producing)]);
        let plan = |id: &str, office: &str, inspectors: Vec<String>| InspectionCmd::Plan {
            id: id.into(),
            mine: "M1".into(),
            office: office.into(),
            planned_on: t("2026-03-01 09:00:00"),
            mode: VisitMode::Unannounced,
            focus: vec!["3105 face".into()],
            inspectors,
        };
        let at = "2026-02-20 10:00:00";
        let staff = Actor::new("S1", "mine clerk", Role::MineStaff { mine: "M1".into() });
        assert_eq!(refused(&mut l, &ev(at, &staff, plan("P1", OFFICE, vec!["I1".into()]))).code, RefusalCode::NotAllowed);
        assert_eq!(refused(&mut l, &ev(at, &Actor::system(), plan("P1", OFFICE, vec!["I1".into()]))).code, RefusalCode::NotAllowed);
        let stranger = Actor::new("X", "other county", Role::Inspector { office: "county-Z".into() });
        assert_eq!(refused(&mut l, &ev(at, &stranger, plan("P1", OFFICE, vec!["I1".into()]))).code, RefusalCode::NotAllowed);
        let r = refused(&mut l, &ev(at, &insp("I1"), plan("P1", "county-Z", vec!["I1".into()])));
        assert_eq!(r.code, RefusalCode::Invalid);
        assert!(r.message.contains("county-Z"), "{r}");
        assert_eq!(refused(&mut l, &ev(at, &insp("I1"), plan("P1", OFFICE, vec![]))).code, RefusalCode::Invalid);
        assert_eq!(refused(&mut l, &ev(at, &insp("I1"), plan("P1", OFFICE, vec![" ".into()]))).code, RefusalCode::Invalid);
        assert_eq!(refused(&mut l, &ev(at, &insp("I1"), plan(" ", OFFICE, vec!["I1".into()]))).code, RefusalCode::Invalid);
        let mut other = plan("P1", OFFICE, vec!["I1".into()]);
        if let InspectionCmd::Plan { mine, .. } = &mut other {
            *mine = "NOPE".into();
        }
        assert_eq!(refused(&mut l, &ev(at, &insp("I1"), other)).code, RefusalCode::Unknown);

        let ok = l.apply(&ev(at, &insp("I1"), plan("P1", "city-B", vec!["I1".into(), "I2".into()]))).unwrap();
        assert_eq!(ok, Applied { record: RecordRef::new("plan", "P1"), mine: "M1".into() });
        assert_eq!(l.plans["P1"].planned_by.id, "I1");
        assert_eq!(refused(&mut l, &ev(at, &insp("I1"), plan("P1", OFFICE, vec!["I1".into()]))).code, RefusalCode::Duplicate);
    }

    #[test]
    fn record_checks_times_coverage_findings_and_its_plan() {
        let mut l = ledger(&[("M1", MineStatus::Producing), ("M2", MineStatus::Producing)]);
        let i1 = insp("I1");
        let at = "2026-03-01 18:00:00";
        for (pid, mine) in [("P1", "M1"), ("P2", "M2")] {
            let p = InspectionCmd::Plan {
                id: pid.into(),
                mine: mine.into(),
                office: OFFICE.into(),
                planned_on: t("2026-03-01 08:00:00"),
                mode: VisitMode::Announced,
                focus: vec![],
                inspectors: vec!["I1".into()],
            };
            l.apply(&ev("2026-02-01 08:00:00", &i1, p)).unwrap();
        }
        let base = || record("IN1", "M1", "2026-03-01 09:00:00", &["3105 face"], &[], &["I1"]);
        let with = |f: &dyn Fn(&mut InspectionCmd)| {
            let mut c = base();
            f(&mut c);
            c
        };
        let backwards = with(&|c| {
            if let InspectionCmd::Record { ended_at, started_at, .. } = c {
                *ended_at = started_at.plus_secs(-1);
            }
        });
        assert!(refused(&mut l, &ev(at, &i1, backwards)).message.contains("before it starts"));
        // Recorded before the visit ended.
        assert_eq!(refused(&mut l, &ev("2026-03-01 10:00:00", &i1, base())).code, RefusalCode::Invalid);
        let bare = record("IN1", "M1", "2026-03-01 09:00:00", &[], &[], &["I1"]);
        assert!(refused(&mut l, &ev(at, &i1, bare)).message.contains("no place and no system"));
        let nobody = record("IN1", "M1", "2026-03-01 09:00:00", &["3105 face"], &[], &[]);
        assert_eq!(refused(&mut l, &ev(at, &i1, nobody)).code, RefusalCode::Invalid);
        let ruleless = with(&|c| {
            if let InspectionCmd::Record { findings, .. } = c {
                findings.push(InspectionFinding {
                    rule: " ".into(),
                    place: "3105 face".into(),
                    text: "x".into(),
                    basis: "R774 Art. 36".into(),
                    major: false,
                    hazard: None,
                });
            }
        });
        assert!(refused(&mut l, &ev(at, &i1, ruleless)).message.contains("finding 1"));
        let set_plan = |p: &str| {
            let p = p.to_string();
            with(&move |c| {
                if let InspectionCmd::Record { plan, .. } = c {
                    *plan = Some(p.clone());
                }
            })
        };
        assert_eq!(refused(&mut l, &ev(at, &i1, set_plan("P9"))).code, RefusalCode::Unknown);
        assert!(refused(&mut l, &ev(at, &i1, set_plan("P2"))).message.contains("for mine M2"));

        let ok = l.apply(&ev(at, &i1, set_plan("P1"))).unwrap();
        assert_eq!(ok.record, RecordRef::new("inspection", "IN1"));
        assert_eq!(l.plans["P1"].done_by.as_deref(), Some("IN1"));
        assert!(l.inspections["IN1"].signed.is_none(), "unsigned until signed");
        assert_eq!(refused(&mut l, &ev(at, &i1, base())).code, RefusalCode::Duplicate);
        let mut again = set_plan("P1");
        if let InspectionCmd::Record { id, .. } = &mut again {
            *id = "IN2".into();
        }
        assert_eq!(refused(&mut l, &ev(at, &i1, again)).code, RefusalCode::WrongState);
    }

    #[test]
    fn only_an_inspector_of_the_record_signs_and_only_once_and_nothing_changes_it_after() {
        let mut l = ledger(&[("M1", MineStatus::Producing)]);
        l.apply(&ev("2026-03-01 18:00:00", &insp("I1"), record("IN1", "M1", "2026-03-01 09:00:00", &["3105 face"], &[], &["I1", "I2"])))
            .unwrap();
        let sign = || InspectionCmd::Sign { id: "IN1".into() };
        // I3 is in the office but did not inspect: 谁检查、谁签名.
        let r = refused(&mut l, &ev("2026-03-01 19:00:00", &insp("I3"), sign()));
        assert_eq!(r.code, RefusalCode::NotAllowed);
        assert!(r.message.contains("not one of the inspectors"), "{r}");
        let head = Actor::new("H1", "office head", Role::RegulatorHead { office: OFFICE.into() });
        assert_eq!(refused(&mut l, &ev("2026-03-01 19:00:00", &head, sign())).code, RefusalCode::NotAllowed);
        assert_eq!(
            refused(&mut l, &ev("2026-03-01 19:00:00", &insp("I1"), InspectionCmd::Sign { id: "NOPE".into() })).code,
            RefusalCode::Unknown
        );

        // Before signing, an inspector may complete the record.
        let amend = |notes: &str| InspectionCmd::Amend {
            id: "IN1".into(),
            places: None,
            systems: Some(vec!["ventilation".into()]),
            findings: None,
            notes: Some(notes.into()),
        };
        l.apply(&ev("2026-03-01 18:30:00", &insp("I2"), amend("draft"))).unwrap();
        assert_eq!(l.inspections["IN1"].systems, ["ventilation"]);
        let emptied = InspectionCmd::Amend { id: "IN1".into(), places: Some(vec![]), systems: Some(vec![]), findings: None, notes: None };
        assert_eq!(refused(&mut l, &ev("2026-03-01 18:40:00", &insp("I1"), emptied)).code, RefusalCode::Invalid);
        assert_eq!(refused(&mut l, &ev("2026-03-01 18:40:00", &insp("I3"), amend("x"))).code, RefusalCode::NotAllowed);

        let ok = l.apply(&ev("2026-03-01 19:00:00", &insp("I2"), sign())).unwrap();
        assert_eq!(ok.record, RecordRef::new("inspection", "IN1"));
        let s = l.inspections["IN1"].signed.clone().unwrap();
        assert_eq!((s.by.id.as_str(), s.at), ("I2", t("2026-03-01 19:00:00")));

        for who in ["I1", "I2"] {
            let r = refused(&mut l, &ev("2026-03-02 08:00:00", &insp(who), sign()));
            assert_eq!(r.code, RefusalCode::Signed);
        }
        let r = refused(&mut l, &ev("2026-03-02 08:00:00", &insp("I1"), amend("rewritten")));
        assert_eq!(r.code, RefusalCode::Signed);
        assert_eq!(l.inspections["IN1"].notes, "draft");
    }

    #[test]
    fn a_stop_order_stops_the_mine_and_cannot_be_lifted() {
        let mut l = ledger(&[("M1", MineStatus::Producing), ("M2", MineStatus::Closed), ("M3", MineStatus::Producing)]);
        let i1 = insp("I1");
        l.apply(&ev("2026-03-01 18:00:00", &i1, record("IN3", "M3", "2026-03-01 09:00:00", &["shaft"], &[], &["I1"]))).unwrap();
        let order = |id: &str, mine: &str, inspection: Option<&str>, kind: OrderKind| InspectionCmd::IssueOrder {
            id: id.into(),
            mine: mine.into(),
            inspection: inspection.map(str::to_string),
            kind,
            basis: "ENF-HAZ-3".into(),
            text: "stop and rectify".into(),
        };
        let at = "2026-03-02 10:00:00";
        let r = refused(&mut l, &ev(at, &i1, order("O1", "M2", None, OrderKind::StopProduction)));
        assert_eq!(r.code, RefusalCode::WrongState);
        assert_eq!(refused(&mut l, &ev(at, &i1, order("O1", "M1", Some("IN3"), OrderKind::StopProduction))).code, RefusalCode::Invalid);
        assert_eq!(refused(&mut l, &ev(at, &i1, order("O1", "M1", Some("IN9"), OrderKind::StopProduction))).code, RefusalCode::Unknown);
        let past = OrderKind::CorrectByDeadline { deadline: t(at) };
        assert_eq!(refused(&mut l, &ev(at, &i1, order("O1", "M1", None, past))).code, RefusalCode::Invalid);
        let nowhere = OrderKind::StopInArea { area: "  ".into() };
        assert_eq!(refused(&mut l, &ev(at, &i1, order("O1", "M1", None, nowhere))).code, RefusalCode::Invalid);
        let mut no_basis = order("O1", "M1", None, OrderKind::StopProduction);
        if let InspectionCmd::IssueOrder { basis, .. } = &mut no_basis {
            *basis = String::new();
        }
        assert_eq!(refused(&mut l, &ev(at, &i1, no_basis)).code, RefusalCode::Invalid);

        let ok = l.apply(&ev(at, &i1, order("O1", "M1", None, OrderKind::StopProduction))).unwrap();
        assert_eq!(ok, Applied { record: RecordRef::new("order", "O1"), mine: "M1".into() });
        let m = &l.mines["M1"];
        assert_eq!(m.status, MineStatus::StoppedByOrder);
        let last = m.history.last().unwrap();
        assert_eq!(
            (last.from, last.to, last.basis.as_str(), last.effective),
            (Some(MineStatus::Producing), MineStatus::StoppedByOrder, "O1", t(at))
        );

        let lift = |id: &str| InspectionCmd::LiftOrder { id: id.into(), notes: "rectified".into() };
        let r = refused(&mut l, &ev("2026-04-01 10:00:00", &i1, lift("O1")));
        assert_eq!((r.code, r.rule.as_deref()), (RefusalCode::WrongState, Some("ENF-STOP-2")));
        assert_eq!(l.mines["M1"].status, MineStatus::StoppedByOrder);

        // A correct-by-deadline order is lifted once.
        let fix = OrderKind::CorrectByDeadline { deadline: t("2026-03-20 00:00:00") };
        l.apply(&ev(at, &i1, order("O2", "M3", Some("IN3"), fix))).unwrap();
        let staff = Actor::new("S1", "clerk", Role::MineStaff { mine: "M3".into() });
        assert_eq!(refused(&mut l, &ev("2026-03-21 10:00:00", &staff, lift("O2"))).code, RefusalCode::NotAllowed);
        l.apply(&ev("2026-03-21 10:00:00", &i1, lift("O2"))).unwrap();
        assert_eq!(l.orders["O2"].lifted.as_ref().map(|s| s.at), Some(t("2026-03-21 10:00:00")));
        assert_eq!(refused(&mut l, &ev("2026-03-22 10:00:00", &i1, lift("O2"))).code, RefusalCode::WrongState);
        assert_eq!(refused(&mut l, &ev("2026-03-22 10:00:00", &i1, lift("O9"))).code, RefusalCode::Unknown);
    }

    #[test]
    fn penalties_need_an_amount_a_law_and_a_basis() {
        let mut l = ledger(&[("M1", MineStatus::Producing)]);
        let pen = |amount: u64, law: &str, basis: &str, decided: &str| InspectionCmd::ImposePenalty {
            id: "PN1".into(),
            mine: "M1".into(),
            inspection: None,
            target: PenaltyTarget::Person { name: "王五".into(), post: "mine manager".into() },
            amount_cny: amount,
            consequence: "FINE[2万–5万]".into(),
            basis: basis.into(),
            law: law.into(),
            decided_at: t(decided),
        };
        let at = "2026-03-05 10:00:00";
        let i1 = insp("I1");
        assert!(refused(&mut l, &ev(at, &i1, pen(0, "SPL", "ENF-HAZ-3", at))).message.contains("zero"));
        assert!(refused(&mut l, &ev(at, &i1, pen(30_000, " ", "ENF-HAZ-3", at))).message.contains("law"));
        assert!(refused(&mut l, &ev(at, &i1, pen(30_000, "SPL", "", at))).message.contains("basis"));
        assert_eq!(refused(&mut l, &ev(at, &i1, pen(30_000, "SPL", "ENF-HAZ-3", "2026-03-06 10:00:00"))).code, RefusalCode::Invalid);
        let ok = l.apply(&ev(at, &i1, pen(30_000, "SPL", "ENF-HAZ-3", "2026-03-04 10:00:00"))).unwrap();
        assert_eq!(ok.record, RecordRef::new("penalty", "PN1"));
        assert_eq!(l.penalties["PN1"].decided_by.id, "I1");
        assert_eq!(refused(&mut l, &ev(at, &i1, pen(30_000, "SPL", "ENF-HAZ-3", at))).code, RefusalCode::Duplicate);
    }

    #[test]
    fn referrals_are_acknowledged_once_and_overdue_ones_are_listed() {
        let mut l = ledger(&[("M1", MineStatus::Producing)]);
        let i1 = insp("I1");
        let refer = |id: &str, to: ReferralTarget, due: &str| InspectionCmd::Refer {
            id: id.into(),
            mine: "M1".into(),
            to,
            basis: "HM-3.3-R2".into(),
            text: "boundary-crossing mining at 3105".into(),
            ack_deadline: t(due),
        };
        let at = "2026-03-01 10:00:00";
        assert!(refused(&mut l, &ev(at, &i1, refer("R1", ReferralTarget::NaturalResources, at))).message.contains("not after"));
        l.apply(&ev(at, &i1, refer("R1", ReferralTarget::NaturalResources, "2026-03-08 10:00:00"))).unwrap();
        l.apply(&ev(at, &i1, refer("R2", ReferralTarget::PowerSupplier, "2026-03-04 10:00:00"))).unwrap();
        l.apply(&ev(at, &i1, refer("R3", ReferralTarget::Police, "2026-03-06 10:00:00"))).unwrap();
        l.apply(&ev(at, &i1, refer("R4", ReferralTarget::Judicial, "2026-04-30 10:00:00"))).unwrap();

        let ack = |id: &str, by: &str| InspectionCmd::AcknowledgeReferral { id: id.into(), by: by.into(), notes: "received".into() };
        assert_eq!(refused(&mut l, &ev("2026-03-02 10:00:00", &i1, ack("R3", ""))).code, RefusalCode::Invalid);
        let ok = l.apply(&ev("2026-03-02 10:00:00", &i1, ack("R3", "police station 赵六"))).unwrap();
        assert_eq!(ok.record, RecordRef::new("referral", "R3"));
        assert_eq!(refused(&mut l, &ev("2026-03-03 10:00:00", &i1, ack("R3", "again"))).code, RefusalCode::WrongState);
        assert_eq!(refused(&mut l, &ev("2026-03-03 10:00:00", &i1, ack("R9", "x"))).code, RefusalCode::Unknown);

        let ids = |now: &str| overdue_referrals(&l, t(now)).iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert!(ids("2026-03-04 10:00:00").is_empty(), "the deadline instant itself is not overdue");
        assert_eq!(ids("2026-03-04 10:00:01"), ["R2"]);
        assert_eq!(ids("2026-03-10 00:00:00"), ["R2", "R1"]);
        assert_eq!(ids("2026-05-01 00:00:00"), ["R2", "R1", "R4"]);
    }

    #[test]
    fn backtrace_names_the_inspections_that_covered_the_place_or_system_while_the_evidence_existed() {
        let mut l = ledger(&[("M1", MineStatus::Producing), ("M2", MineStatus::Producing)]);
        let rec = |l: &mut Ledger, id: &str, mine: &str, start: &str, places: &[&str], systems: &[&str], who: &[&str]| {
            l.apply(&ev("2026-06-30 00:00:00", &insp(who[0]), record(id, mine, start, places, systems, who))).unwrap();
        };
        // Evidence since 2026-02-01, found by inspection IN-F on 2026-05-10.
        rec(&mut l, "IN-before", "M1", "2026-01-20 09:00:00", &["3105 Face"], &[], &["I1"]);
        rec(&mut l, "IN-place", "M1", "2026-02-15 09:00:00", &["  3105 face return roadway "], &[], &["I1", "I2"]);
        rec(&mut l, "IN-system", "M1", "2026-03-10 09:00:00", &["main shaft"], &["Gas Drainage"], &["I3"]);
        rec(&mut l, "IN-other-place", "M1", "2026-03-20 09:00:00", &["2201 face"], &["electrical"], &["I1"]);
        rec(&mut l, "IN-other-mine", "M2", "2026-04-01 09:00:00", &["3105 face"], &["gas drainage"], &["I1"]);
        rec(&mut l, "IN-edge", "M1", "2026-02-01 00:00:00", &["3105"], &[], &["I4"]);
        rec(&mut l, "IN-F", "M1", "2026-05-10 08:00:00", &["3105 face"], &[], &["I1"]);
        rec(&mut l, "IN-after", "M1", "2026-05-10 10:00:00", &["3105 face"], &[], &["I1"]);
        l.apply(&ev("2026-06-30 01:00:00", &insp("I2"), InspectionCmd::Sign { id: "IN-place".into() })).unwrap();
        l.apply(&ev("2026-06-30 01:00:00", &insp("I3"), InspectionCmd::Sign { id: "IN-system".into() })).unwrap();
        let source = HazardSource::Inspection { inspection: "IN-F".into() };
        let h = hazard("HZ1", "M1", "3105 face", Some("gas drainage"), "2026-02-01 00:00:00", "2026-05-10 10:00:00", source);
        l.hazards.insert("HZ1".into(), h);

        let bt = backtrace(&l, "HZ1");
        let ids: Vec<&str> = bt.iter().map(|b| b.inspection.as_str()).collect();
        assert_eq!(ids, ["IN-edge", "IN-place", "IN-system"]);
        assert_eq!(bt[0].signed_by, None, "unsigned records are listed, unsigned");
        assert_eq!(bt[0].covered, ["place:3105"]);
        assert_eq!(bt[1].signed_by.as_ref().map(|a| a.id.as_str()), Some("I2"));
        assert_eq!(bt[1].inspectors, ["I1", "I2"]);
        assert_eq!(bt[1].covered, ["place:3105 face return roadway"]);
        assert_eq!(bt[2].signed_by.as_ref().map(|a| a.id.as_str()), Some("I3"));
        assert_eq!(bt[2].covered, ["system:Gas Drainage"]);
        assert!(backtrace(&l, "NOPE").is_empty());

        // A hazard with no system matches on place only; its evidence start bounds the search.
        let h2 = hazard(
            "HZ2",
            "M1",
            "3105 face",
            None,
            "2026-03-01 00:00:00",
            "2026-05-10 10:00:00",
            HazardSource::Engine { finding: "f1".into() },
        );
        l.hazards.insert("HZ2".into(), h2);
        // IN-F found HZ1, not HZ2; IN-after starts at the very instant HZ2 is found.
        let ids: Vec<String> = backtrace(&l, "HZ2").into_iter().map(|b| b.inspection).collect();
        assert_eq!(ids, ["IN-F"]);
        // An inspection that itself listed the hazard did not miss it.
        let h3 = hazard(
            "HZ3",
            "M1",
            "3105 face",
            None,
            "2026-01-01 00:00:00",
            "2026-06-01 10:00:00",
            HazardSource::Engine { finding: "f2".into() },
        );
        l.hazards.insert("HZ3".into(), h3);
        if let Some(i) = l.inspections.get_mut("IN-after") {
            i.findings.push(InspectionFinding {
                rule: "CM-4.2".into(),
                place: "3105 face".into(),
                text: "drainage".into(),
                basis: "R774".into(),
                major: true,
                hazard: Some("HZ3".into()),
            });
        }
        let ids: Vec<String> = backtrace(&l, "HZ3").into_iter().map(|b| b.inspection).collect();
        assert_eq!(ids, ["IN-before", "IN-edge", "IN-place", "IN-F"]);
    }

    #[test]
    fn place_matching_ignores_case_and_blanks_but_not_empty_text() {
        assert!(place_matches(" 3105 FACE ", "3105 face return"));
        assert!(place_matches("3105工作面回风巷", "3105工作面"));
        assert!(!place_matches("", "3105 face"));
        assert!(!place_matches("3105 face", "   "));
        assert!(!place_matches("2201", "3105"));
    }

    fn signal(mine: &str, sev: Severity, at: &str, lead: bool, night: bool) -> RiskSignal {
        RiskSignal { mine: mine.into(), rule: "REC-6".into(), severity: sev, at: t(at), lead, night }
    }

    #[test]
    fn planning_ranks_overdue_repeats_and_night_leads_first_and_picks_modes() {
        use MineStatus::*;
        let mut l = ledger(&[("A", Producing), ("B", Producing), ("C", Producing), ("D", Producing), ("E", StoppedByOrder), ("Z", Closed)]);
        let now = t("2026-05-01 12:00:00");
        let i1 = insp("I1");
        for (id, mine, day) in
            [("IN-A", "A", "2026-03-01"), ("IN-B", "B", "2026-04-20"), ("IN-C", "C", "2026-04-10"), ("IN-D", "D", "2026-04-20")]
        {
            l.apply(&ev("2026-04-30 00:00:00", &i1, record(id, mine, &format!("{day} 09:00:00"), &["face"], &[], &["I1"]))).unwrap();
        }
        // A: two open hazards, one overdue and a repeat.
        let mut h1 = hazard(
            "HA1",
            "A",
            "3105 face",
            None,
            "2026-03-01 00:00:00",
            "2026-03-01 10:00:00",
            HazardSource::Engine { finding: "f".into() },
        );
        h1.deadline = Some(t("2026-03-10 00:00:00"));
        h1.repeat_of = Some("HA0".into());
        let mut h2 = hazard(
            "HA2",
            "A",
            "2201 face",
            None,
            "2026-04-01 00:00:00",
            "2026-04-01 10:00:00",
            HazardSource::Engine { finding: "g".into() },
        );
        h2.deadline = Some(t("2026-06-01 00:00:00"));
        let mut closed = hazard(
            "HA0",
            "A",
            "3105 face",
            None,
            "2026-01-01 00:00:00",
            "2026-01-01 10:00:00",
            HazardSource::Engine { finding: "e".into() },
        );
        closed.state = HazardState::SignedOff;
        // C: the last inspection found a major hazard, signed off since: 回马枪.
        let mut hc = hazard(
            "HC1",
            "C",
            "face",
            None,
            "2026-04-10 09:00:00",
            "2026-04-10 10:00:00",
            HazardSource::Inspection { inspection: "IN-C".into() },
        );
        hc.state = HazardState::SignedOff;
        for h in [h1, h2, closed, hc] {
            l.hazards.insert(h.id.clone(), h);
        }
        let signals = vec![
            signal("A", Severity::Illegal, "2026-04-25 02:00:00", true, true),
            signal("A", Severity::Illegal, "2026-04-26 01:00:00", true, true),
            signal("A", Severity::Illegal, "2026-04-27 14:00:00", true, false),
            signal("A", Severity::MajorHazard, "2026-03-01 02:00:00", true, false), // older than 30 days
            signal("D", Severity::Alarm, "2026-04-28 10:00:00", true, false),
            signal("D", Severity::Warning, "2026-04-28 11:00:00", false, false),
            signal("D", Severity::Warning, "2026-04-29 11:00:00", false, true),
            signal("B", Severity::Warning, "2026-05-02 11:00:00", false, true), // after now
            signal("Z", Severity::MajorHazard, "2026-04-29 11:00:00", true, true),
        ];
        let plan = plan_visits(&l, now, &signals);
        let order: Vec<&str> = plan.iter().map(|p| p.mine.as_str()).collect();
        assert_eq!(order.len(), 5, "closed mines are not proposed: {order:?}");
        assert!(!order.contains(&"Z"));
        assert_eq!(order[0], "A");
        assert_eq!(*order.last().unwrap(), "B", "the clean, recently inspected mine comes last");
        let get = |m: &str| plan.iter().find(|p| p.mine == m).unwrap();
        for w in plan.windows(2) {
            assert!(w[0].score >= w[1].score);
        }

        let a = get("A");
        assert_eq!(a.mode, VisitMode::Night);
        assert_eq!(a.last_visit, Some(t("2026-03-01 09:00:00")));
        assert!(
            a.reasons.contains(&"2 open major hazards, 1 overdue since 2026-03-10, 1 is a repeat of an earlier one".to_string()),
            "{:?}",
            a.reasons
        );
        assert!(a.reasons.contains(&"3 leads of illegal operation in the last 30 days, mostly at night".to_string()), "{:?}", a.reasons);
        assert!(a.reasons.iter().any(|r| r.starts_with("no inspection for 61 days")), "{:?}", a.reasons);

        assert_eq!(get("B").mode, VisitMode::Announced);
        let c = get("C");
        assert_eq!(c.mode, VisitMode::Return);
        assert!(c.reasons.iter().any(|r| r.contains("HC1") && r.contains("signed off since")), "{:?}", c.reasons);
        let d = get("D");
        assert_eq!(d.mode, VisitMode::Unannounced, "a daytime lead: 四不两直");
        assert!(d.reasons.contains(&"2 findings in the last 30 days (2 warning), half at night".to_string()), "{:?}", d.reasons);
        let e = get("E");
        assert_eq!(e.mode, VisitMode::Announced);
        assert_eq!(e.last_visit, None);
        assert!(e.reasons.contains(&"never inspected".to_string()));
        assert!(e.reasons.iter().any(|r| r.contains("stopped by order")));
        // Never inspected and stopped by order outweighs a clean recent visit.
        assert!(e.score > get("B").score);
        assert!(plan_visits(&Ledger::default(), now, &signals).is_empty());
    }

    #[test]
    fn a_return_visit_follows_a_lifted_order_only_within_sixty_days() {
        let mut l = ledger(&[("M1", MineStatus::Producing)]);
        let i1 = insp("I1");
        l.apply(&ev("2026-03-01 18:00:00", &i1, record("IN1", "M1", "2026-03-01 09:00:00", &["face"], &[], &["I1"]))).unwrap();
        let fix = OrderKind::CorrectByDeadline { deadline: t("2026-03-15 00:00:00") };
        let o = InspectionCmd::IssueOrder {
            id: "O1".into(),
            mine: "M1".into(),
            inspection: Some("IN1".into()),
            kind: fix,
            basis: "R774".into(),
            text: "fix".into(),
        };
        l.apply(&ev("2026-03-01 19:00:00", &i1, o)).unwrap();
        let mode = |l: &Ledger, now: &str| plan_visits(l, t(now), &[])[0].mode;
        assert_eq!(mode(&l, "2026-03-10 00:00:00"), VisitMode::Announced, "order not lifted yet");
        l.apply(&ev("2026-03-16 10:00:00", &i1, InspectionCmd::LiftOrder { id: "O1".into(), notes: "done".into() })).unwrap();
        assert_eq!(mode(&l, "2026-03-20 00:00:00"), VisitMode::Return);
        assert_eq!(mode(&l, "2026-04-30 09:00:00"), VisitMode::Return, "day 60");
        assert_eq!(mode(&l, "2026-04-30 09:00:01"), VisitMode::Announced, "past 60 days");
    }

    #[test]
    fn history_lists_everything_about_the_mine_oldest_first() {
        let mut l = ledger(&[("M1", MineStatus::Producing), ("M2", MineStatus::Producing)]);
        if let Some(m) = l.mines.get_mut("M1") {
            m.licences.push(Licence {
                kind: LicenceKind::SafetyProduction,
                number: "LIC-1".into(),
                valid_from: t("2025-06-01 00:00:00"),
                valid_to: t("2028-05-31 23:59:59"),
                revoked_at: None,
            });
        }
        let i1 = insp("I1");
        l.apply(&ev("2026-03-01 18:00:00", &i1, record("IN1", "M1", "2026-03-01 09:00:00", &["3105 face"], &["gas"], &["I1"]))).unwrap();
        l.apply(&ev("2026-03-01 18:00:00", &i1, record("IN2", "M2", "2026-03-01 09:00:00", &["x"], &[], &["I1"]))).unwrap();
        l.apply(&ev("2026-03-01 19:00:00", &i1, InspectionCmd::Sign { id: "IN1".into() })).unwrap();
        let mut h = hazard(
            "HZ1",
            "M1",
            "3105 face",
            None,
            "2026-03-01 09:00:00",
            "2026-03-01 10:00:00",
            HazardSource::Inspection { inspection: "IN1".into() },
        );
        h.decisions.push(Decision {
            action: "plan".into(),
            by: Actor::new("P1", "principal", Role::MinePrincipal { mine: "M1".into() }),
            at: t("2026-03-03 10:00:00"),
            notes: "five in place".into(),
            from: HazardState::Found,
            to: HazardState::Planned,
            snapshot: serde_json::Value::Null,
        });
        l.hazards.insert("HZ1".into(), h);
        let stop = InspectionCmd::IssueOrder {
            id: "O1".into(),
            mine: "M1".into(),
            inspection: Some("IN1".into()),
            kind: OrderKind::StopProduction,
            basis: "ENF-HAZ-3".into(),
            text: "stop".into(),
        };
        l.apply(&ev("2026-03-02 08:00:00", &i1, stop)).unwrap();
        let pen = InspectionCmd::ImposePenalty {
            id: "PN1".into(),
            mine: "M1".into(),
            inspection: Some("IN1".into()),
            target: PenaltyTarget::Enterprise,
            amount_cny: 500_000,
            consequence: "FINE[50万–200万]".into(),
            basis: "ENF-HAZ-3".into(),
            law: "SPL".into(),
            decided_at: t("2026-03-05 10:00:00"),
        };
        l.apply(&ev("2026-03-06 10:00:00", &i1, pen)).unwrap();
        let refer = InspectionCmd::Refer {
            id: "R1".into(),
            mine: "M1".into(),
            to: ReferralTarget::PowerSupplier,
            basis: "HM-3.3-R2".into(),
            text: "limit power".into(),
            ack_deadline: t("2026-03-10 00:00:00"),
        };
        l.apply(&ev("2026-03-06 11:00:00", &i1, refer)).unwrap();
        l.apply(&ev(
            "2026-03-12 11:00:00",
            &i1,
            InspectionCmd::AcknowledgeReferral { id: "R1".into(), by: "grid office".into(), notes: String::new() },
        ))
        .unwrap();

        let rows = history(&l, "M1");
        let keys: Vec<(&str, &str)> = rows.iter().map(|r| (r.kind.as_str(), r.id.as_str())).collect();
        assert_eq!(
            keys,
            [
                ("status", "M1"),
                ("licence", "LIC-1"),
                ("inspection", "IN1"),
                ("hazard", "HZ1"),
                ("order", "O1"),
                ("status", "M1"),
                ("hazard", "HZ1"),
                ("penalty", "PN1"),
                ("referral", "R1"),
                ("referral", "R1"),
            ]
        );
        for w in rows.windows(2) {
            assert!(w[0].at <= w[1].at);
        }
        assert!(rows[2].summary.contains("signed by inspector I1 (I1)"), "{}", rows[2].summary);
        assert!(rows[5].summary.contains("producing → stopped_by_order, basis O1"), "{}", rows[5].summary);
        assert_eq!(rows[6].actor, "principal (P1)");
        assert!(rows[9].summary.contains("(late)"));
        assert!(!rows.iter().any(|r| r.id == "IN2"), "other mines stay out");
        assert!(history(&l, "NOPE").is_empty());
        let json = serde_json::to_value(&rows[0]).unwrap();
        assert_eq!(json["at"], "2025-01-01T00:00:00+08:00");
    }
}
