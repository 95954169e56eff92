//! The major-hazard ledger (重大事故隐患台账, HM-2.1, HM-2.3, ENF-HAZ-1…9).
//!
//! found → planned (the five in place required) → rectifying → submitted →
//! verified → signed off (销号); a rejected submission goes back to rectifying,
//! a revoked sign-off reopens the hazard, a contest the regulator upholds
//! withdraws it.

use std::collections::BTreeMap;
use std::fmt;

use minesafe_model::{Evidence, Finding, Timestamp};
use minesafe_rules::{catalog, tables};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::calendar::Month;
use crate::gates::MineRecord;
use crate::ledger::{Applied, Event, Ledger, RecordRef, Refusal, RefusalCode};

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
    Confirm {
        id: String,
        notes: String,
    },
    /// The same open hazard found again by another check.
    Observe {
        id: String,
        source: HazardSource,
        at: Timestamp,
    },
    /// Enters "planned": all five in place are required (HM-2.1-R2).
    Plan {
        id: String,
        five: FiveInPlace,
    },
    Start {
        id: String,
    },
    Submit {
        id: String,
        notes: String,
        evidence: Vec<String>,
    },
    Verify {
        id: String,
        notes: String,
    },
    /// Sends a submission (or a verification) back to rectifying.
    Reject {
        id: String,
        reason: String,
    },
    SignOff {
        id: String,
        notes: String,
    },
    /// Revokes a sign-off: the hazard reopens (rectifying).
    Revoke {
        id: String,
        reason: String,
    },
    Extend {
        id: String,
        to: Timestamp,
        reason: String,
    },
    AssignHelper {
        id: String,
        helper_id: String,
        helper_name: String,
    },
    Contest {
        id: String,
        reason: String,
        evidence: Vec<String>,
    },
    DecideContest {
        id: String,
        upheld: bool,
        notes: String,
    },
}

impl HazardState {
    /// The state's name as the ledger's JSON writes it.
    pub fn name(self) -> &'static str {
        match self {
            HazardState::Found => "found",
            HazardState::Planned => "planned",
            HazardState::Rectifying => "rectifying",
            HazardState::Submitted => "submitted",
            HazardState::Verified => "verified",
            HazardState::SignedOff => "signed_off",
            HazardState::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for HazardState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl HazardCmd {
    /// The hazard the command acts on.
    pub fn id(&self) -> &str {
        match self {
            HazardCmd::Open { id, .. }
            | HazardCmd::Confirm { id, .. }
            | HazardCmd::Observe { id, .. }
            | HazardCmd::Plan { id, .. }
            | HazardCmd::Start { id }
            | HazardCmd::Submit { id, .. }
            | HazardCmd::Verify { id, .. }
            | HazardCmd::Reject { id, .. }
            | HazardCmd::SignOff { id, .. }
            | HazardCmd::Revoke { id, .. }
            | HazardCmd::Extend { id, .. }
            | HazardCmd::AssignHelper { id, .. }
            | HazardCmd::Contest { id, .. }
            | HazardCmd::DecideContest { id, .. } => id,
        }
    }

    /// The command's name as the ledger's JSON writes it; a decision's `action`.
    pub fn name(&self) -> &'static str {
        match self {
            HazardCmd::Open { .. } => "open",
            HazardCmd::Confirm { .. } => "confirm",
            HazardCmd::Observe { .. } => "observe",
            HazardCmd::Plan { .. } => "plan",
            HazardCmd::Start { .. } => "start",
            HazardCmd::Submit { .. } => "submit",
            HazardCmd::Verify { .. } => "verify",
            HazardCmd::Reject { .. } => "reject",
            HazardCmd::SignOff { .. } => "sign_off",
            HazardCmd::Revoke { .. } => "revoke",
            HazardCmd::Extend { .. } => "extend",
            HazardCmd::AssignHelper { .. } => "assign_helper",
            HazardCmd::Contest { .. } => "contest",
            HazardCmd::DecideContest { .. } => "decide_contest",
        }
    }
}

/// The items of the five in place a plan lacks, in the order the Hard Measures
/// list them (责任, 措施, 资金, 时限, 预案). A deadline must fall after the
/// hazard was found: a deadline already past is no deadline.
pub fn five_missing(five: &FiveInPlace, found_at: Timestamp) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if five.responsible.trim().is_empty() {
        missing.push("责任");
    }
    if five.measures.trim().is_empty() {
        missing.push("措施");
    }
    if five.funds_cny == 0 {
        missing.push("资金");
    }
    if five.deadline <= found_at {
        missing.push("时限");
    }
    if five.contingency_plan.trim().is_empty() {
        missing.push("预案");
    }
    missing
}

fn refuse(code: RefusalCode, message: String) -> Refusal {
    Refusal::new(code, message)
}

fn who(a: &Actor) -> String {
    format!("{} ({})", a.name, a.id)
}

fn wrong_state(h: &Hazard, cmd: &str, allowed: &str) -> Refusal {
    refuse(RefusalCode::WrongState, format!("cannot {cmd} hazard {}: it is {}; {cmd} is allowed only {allowed}", h.id, h.state))
}

fn is_mine_side(a: &Actor, mine: &str) -> bool {
    a.mine() == Some(mine)
}

fn is_system(a: &Actor) -> bool {
    matches!(a.role, Role::System)
}

fn require_regulator(a: &Actor, h: &Hazard, cmd: &str) -> Result<(), Refusal> {
    if a.is_regulator() {
        Ok(())
    } else {
        Err(refuse(RefusalCode::NotAllowed, format!("only a regulator may {cmd} hazard {}; {} is not one", h.id, who(a))))
    }
}

fn require_mine_side(a: &Actor, h: &Hazard, cmd: &str) -> Result<(), Refusal> {
    if is_mine_side(a, &h.mine) {
        Ok(())
    } else {
        Err(refuse(RefusalCode::NotAllowed, format!("only the staff of mine {} may {cmd} hazard {}; {} may not", h.mine, h.id, who(a))))
    }
}

fn require_text(value: &str, what: &str, h: &Hazard, cmd: &str) -> Result<(), Refusal> {
    if value.trim().is_empty() {
        Err(refuse(RefusalCode::Invalid, format!("cannot {cmd} hazard {}: {what} is required", h.id)))
    } else {
        Ok(())
    }
}

/// Requester ≠ approver: whoever submitted the rectification may not verify or sign it off,
/// whatever capacity they act in now (compared by identity, not role).
fn require_not_submitter(a: &Actor, h: &Hazard, cmd: &str) -> Result<(), Refusal> {
    match &h.submitted_by {
        Some(s) if s.id == a.id => Err(refuse(
            RefusalCode::SelfApproval,
            format!("{} submitted the rectification of hazard {} and may not {cmd} it (requester ≠ approver)", who(a), h.id),
        )),
        _ => Ok(()),
    }
}

/// Who may record a finding by this kind of check, and whether it is confirmed by being recorded.
fn source_role(a: &Actor, mine: &str, id: &str, source: &HazardSource) -> Result<bool, Refusal> {
    let (ok, confirmed, who_may) = match source {
        HazardSource::Inspection { .. } => (a.is_regulator(), true, "a regulator"),
        HazardSource::Engine { .. } => (is_system(a) || a.is_regulator(), false, "minesafe or a regulator"),
        HazardSource::SelfCheck { .. } => (is_system(a) || is_mine_side(a, mine), false, "the mine's own staff or minesafe"),
    };
    if ok {
        Ok(confirmed)
    } else {
        Err(refuse(
            RefusalCode::NotAllowed,
            format!("hazard {id}: only {who_may} may record a finding by {}; {} may not", source.check_key(), who(a)),
        ))
    }
}

/// The inspection or self-check a source names must be on the ledger, for the same mine.
fn source_exists(l: &Ledger, mine: &str, id: &str, source: &HazardSource) -> Result<(), Refusal> {
    let owner = match source {
        HazardSource::Engine { finding } => {
            if finding.trim().is_empty() {
                return Err(refuse(RefusalCode::Invalid, format!("hazard {id}: the engine finding id is empty")));
            }
            return Ok(());
        }
        HazardSource::Inspection { inspection } => l.inspections.get(inspection).map(|i| i.mine.as_str()),
        HazardSource::SelfCheck { self_check } => l.self_checks.get(self_check).map(|c| c.mine.as_str()),
    };
    match owner {
        None => Err(refuse(RefusalCode::Unknown, format!("hazard {id}: {} is not on the ledger", source.check_key()))),
        Some(m) if m != mine => {
            Err(refuse(RefusalCode::Invalid, format!("hazard {id}: {} is a record of mine {m}, not of mine {mine}", source.check_key())))
        }
        Some(_) => Ok(()),
    }
}

/// The most recent earlier hazard of the same mine, place and kind (any state):
/// a hazard that comes back after it was signed off is a repeat, not a new one.
fn find_repeat(l: &Ledger, mine: &str, place: &str, kind: &str, found_at: Timestamp) -> Option<String> {
    l.hazards
        .values()
        .filter(|h| h.mine == mine && h.place.trim() == place.trim() && h.kind.trim() == kind.trim() && h.found_at <= found_at)
        .max_by(|a, b| (a.found_at, &a.id).cmp(&(b.found_at, &b.id)))
        .map(|h| h.id.clone())
}

/// Applies one hazard command. Every refusal leaves the ledger as it was: the
/// command works on a copy that replaces the record only when accepted.
///
/// Checks run in a fixed order so a refusal always names the first obstacle:
/// the record (unknown / duplicate), jurisdiction, the state, requester ≠
/// approver, the role, then the command's content.
pub(crate) fn apply(l: &mut Ledger, ev: &Event, cmd: &HazardCmd) -> Result<Applied, Refusal> {
    if let HazardCmd::Open { id, mine, place, system, kind, description, found_at, evidence_since, source, evidence } = cmd {
        let a = &ev.actor;
        if l.hazards.contains_key(id) {
            return Err(refuse(RefusalCode::Duplicate, format!("hazard {id} is already on the ledger")));
        }
        l.check_scope(a, mine)?;
        let confirmed = source_role(a, mine, id, source)?;
        let empty: Vec<&str> = [("place", place), ("kind", kind), ("description", description)]
            .iter()
            .filter(|(_, v)| v.trim().is_empty())
            .map(|(n, _)| *n)
            .collect();
        if !empty.is_empty() {
            return Err(refuse(RefusalCode::Invalid, format!("cannot open hazard {id}: {} required", empty.join(", "))));
        }
        let since = evidence_since.unwrap_or(*found_at);
        if since > *found_at {
            return Err(refuse(
                RefusalCode::Invalid,
                format!("cannot open hazard {id}: its evidence (since {since}) cannot start after it was found ({found_at})"),
            ));
        }
        source_exists(l, mine, id, source)?;
        let h = Hazard {
            id: id.clone(),
            mine: mine.clone(),
            place: place.trim().to_string(),
            system: system.clone(),
            kind: kind.trim().to_string(),
            description: description.clone(),
            found_at: *found_at,
            evidence_since: since,
            source: source.clone(),
            evidence: evidence.clone(),
            opened_by: a.clone(),
            state: HazardState::Found,
            observations: vec![Observation { at: *found_at, source: source.clone(), confirmed }],
            five: None,
            deadline: None,
            extensions: Vec::new(),
            helper: None,
            contest: None,
            repeat_of: find_repeat(l, mine, place, kind, *found_at),
            submitted_by: None,
            decisions: Vec::new(),
        };
        l.hazards.insert(id.clone(), h);
        return Ok(Applied { record: RecordRef::new("hazard", id), mine: mine.clone() });
    }

    let id = cmd.id();
    let current = l.hazards.get(id).ok_or_else(|| refuse(RefusalCode::Unknown, format!("hazard {id} is not on the ledger")))?;
    l.check_scope(&ev.actor, &current.mine)?;
    let mut next = current.clone();
    let from = next.state;
    let notes = transition(l, &mut next, ev, cmd)?;
    let mut snapshot = serde_json::to_value(&next).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(m) = &mut snapshot {
        m.remove("decisions");
    }
    next.decisions.push(Decision {
        action: cmd.name().to_string(),
        by: ev.actor.clone(),
        at: ev.at,
        notes,
        from,
        to: next.state,
        snapshot,
    });
    let applied = Applied { record: RecordRef::new("hazard", id), mine: next.mine.clone() };
    l.hazards.insert(id.to_string(), next);
    Ok(applied)
}

/// Moves `h` (a copy) for one command other than `open`; returns the decision's notes.
fn transition(l: &Ledger, h: &mut Hazard, ev: &Event, cmd: &HazardCmd) -> Result<String, Refusal> {
    use HazardState::*;
    let a = &ev.actor;
    let name = cmd.name();
    match cmd {
        HazardCmd::Open { .. } => Err(refuse(RefusalCode::Duplicate, format!("hazard {} is already on the ledger", h.id))),
        HazardCmd::Confirm { notes, .. } => {
            if h.state == Withdrawn {
                return Err(wrong_state(h, name, "while the hazard stands (not withdrawn)"));
            }
            require_regulator(a, h, name)?;
            let pending = h.observations.iter().filter(|o| !o.confirmed).count();
            if pending == 0 {
                return Err(refuse(RefusalCode::Invalid, format!("hazard {} has no unconfirmed finding to confirm", h.id)));
            }
            h.observations.iter_mut().for_each(|o| o.confirmed = true);
            Ok(notes.clone())
        }
        HazardCmd::Observe { source, at, .. } => {
            if !h.state.is_open() {
                return Err(wrong_state(h, name, "while the hazard is open"));
            }
            let confirmed = source_role(a, &h.mine, &h.id, source)?;
            let key = source.check_key();
            if h.observations.iter().any(|o| o.source.check_key() == key) {
                return Err(refuse(RefusalCode::Duplicate, format!("hazard {} was already recorded as found by {key}", h.id)));
            }
            if *at < h.found_at {
                return Err(refuse(
                    RefusalCode::Invalid,
                    format!("hazard {}: a finding at {at} cannot precede the opening one at {}", h.id, h.found_at),
                ));
            }
            source_exists(l, &h.mine, &h.id, source)?;
            h.observations.push(Observation { at: *at, source: source.clone(), confirmed });
            Ok(format!("found again by {key} at {at}"))
        }
        HazardCmd::Plan { five, .. } => {
            if h.state != Found {
                return Err(wrong_state(h, name, "from found"));
            }
            if !(is_mine_side(a, &h.mine) || a.is_regulator()) {
                return Err(refuse(
                    RefusalCode::NotAllowed,
                    format!("only the staff of mine {} or a regulator may plan hazard {}; {} may not", h.mine, h.id, who(a)),
                ));
            }
            let missing = five_missing(five, h.found_at);
            if !missing.is_empty() {
                return Err(refuse(
                    RefusalCode::FiveInPlaceMissing,
                    format!(
                        "hazard {} cannot enter planned: the five in place (五落实) are incomplete, missing {}",
                        h.id,
                        missing.join("、")
                    ),
                )
                .with_rule("HM-2.1-R2"));
            }
            h.five = Some(five.clone());
            h.deadline = Some(five.deadline);
            h.state = Planned;
            Ok(format!("responsible {}; funds {} CNY; deadline {}", five.responsible, five.funds_cny, five.deadline))
        }
        HazardCmd::Start { .. } => {
            if h.state != Planned {
                return Err(wrong_state(h, name, "from planned"));
            }
            require_mine_side(a, h, name)?;
            h.state = Rectifying;
            Ok(String::new())
        }
        HazardCmd::Submit { notes, evidence, .. } => {
            if h.state != Rectifying {
                return Err(wrong_state(h, name, "from rectifying"));
            }
            require_mine_side(a, h, name)?;
            for e in evidence {
                if !h.evidence.contains(e) {
                    h.evidence.push(e.clone());
                }
            }
            h.submitted_by = Some(a.clone());
            h.state = Submitted;
            Ok(if evidence.is_empty() { notes.clone() } else { format!("{notes} [evidence: {}]", evidence.join(", ")) })
        }
        HazardCmd::Verify { notes, .. } => {
            if h.state != Submitted {
                return Err(wrong_state(h, name, "from submitted"));
            }
            require_not_submitter(a, h, name)?;
            require_regulator(a, h, name)?;
            h.state = Verified;
            Ok(notes.clone())
        }
        HazardCmd::Reject { reason, .. } => {
            if !matches!(h.state, Submitted | Verified) {
                return Err(wrong_state(h, name, "from submitted or verified"));
            }
            require_regulator(a, h, name)?;
            require_text(reason, "a reason", h, name)?;
            h.state = Rectifying;
            Ok(reason.clone())
        }
        HazardCmd::SignOff { notes, .. } => {
            if h.state != Verified {
                return Err(wrong_state(h, name, "from verified"));
            }
            require_not_submitter(a, h, name)?;
            require_regulator(a, h, name)?;
            h.state = SignedOff;
            Ok(notes.clone())
        }
        HazardCmd::Revoke { reason, .. } => {
            if h.state != SignedOff {
                return Err(wrong_state(h, name, "from signed_off"));
            }
            require_regulator(a, h, name)?;
            require_text(reason, "a reason", h, name)?;
            h.state = Rectifying;
            Ok(reason.clone())
        }
        HazardCmd::Extend { to, reason, .. } => {
            let Some(old) = h.deadline.filter(|_| h.state.is_open()) else {
                return Err(wrong_state(h, name, "while the hazard is open and has a deadline (after plan)"));
            };
            require_regulator(a, h, name)?;
            require_text(reason, "a reason", h, name)?;
            if *to <= old {
                return Err(refuse(
                    RefusalCode::Invalid,
                    format!("cannot extend hazard {}: the new deadline {to} is not later than the one in force {old}", h.id),
                ));
            }
            h.extensions.push(Extension { from: old, to: *to, by: a.clone(), at: ev.at, reason: reason.clone() });
            h.deadline = Some(*to);
            Ok(format!("deadline {old} → {to}: {reason}"))
        }
        HazardCmd::AssignHelper { helper_id, helper_name, .. } => {
            if !h.state.is_open() {
                return Err(wrong_state(h, name, "while the hazard is open"));
            }
            require_regulator(a, h, name)?;
            require_text(helper_id, "the helper's id", h, name)?;
            require_text(helper_name, "the helper's name", h, name)?;
            h.helper = Some(Helper { name: helper_name.clone(), id: helper_id.clone(), assigned_by: a.clone(), at: ev.at });
            Ok(format!("helper {helper_name} ({helper_id})"))
        }
        HazardCmd::Contest { reason, evidence, .. } => {
            if !h.state.is_open() {
                return Err(wrong_state(h, name, "while the hazard is open"));
            }
            if h.contest.as_ref().is_some_and(|c| c.decision.is_none()) {
                return Err(wrong_state(h, name, "when no contest is awaiting a decision (one is pending)"));
            }
            require_mine_side(a, h, name)?;
            require_text(reason, "a reason", h, name)?;
            h.contest = Some(Contest { by: a.clone(), at: ev.at, reason: reason.clone(), evidence: evidence.clone(), decision: None });
            Ok(reason.clone())
        }
        HazardCmd::DecideContest { upheld, notes, .. } => {
            let pending = h.contest.as_ref().is_some_and(|c| c.decision.is_none());
            if !pending {
                return Err(wrong_state(h, name, "while a contest awaits a decision (none does)"));
            }
            if !matches!(a.role, Role::RegulatorHead { .. }) {
                return Err(refuse(
                    RefusalCode::NotAllowed,
                    format!("only the head of a regulator office may decide the contest of hazard {}; {} may not", h.id, who(a)),
                ));
            }
            if let Some(c) = h.contest.as_mut() {
                c.decision = Some(ContestDecision { upheld: *upheld, by: a.clone(), at: ev.at, notes: notes.clone() });
            }
            if *upheld {
                h.state = Withdrawn;
            }
            Ok(format!("{}: {notes}", if *upheld { "contest upheld, hazard withdrawn" } else { "contest dismissed, hazard stands" }))
        }
    }
}

/// Hazards past their deadline and not signed off, as HM-2.3-R1 findings: one
/// per open hazard whose deadline in force is before `now`, starting at that
/// deadline and still running. An extension moves the deadline and so starts a
/// new finding if the new one is missed too.
pub fn overdue(l: &Ledger, now: Timestamp) -> Vec<Finding> {
    const RULE: &str = "HM-2.3-R1";
    let mut out = Vec::new();
    for h in l.hazards.values() {
        let Some(deadline) = h.deadline else { continue };
        if !h.state.is_open() || deadline >= now {
            continue;
        }
        let mut detail = format!(
            "hazard {} ({}, {}) at {} found {} by {}; rectification deadline {}",
            h.id,
            h.kind,
            h.description,
            h.place,
            h.found_at,
            h.source.check_key(),
            deadline
        );
        if let Some(five) = &h.five {
            detail.push_str(&format!(" (planned {}, responsible {})", five.deadline, five.responsible));
        }
        for e in &h.extensions {
            detail.push_str(&format!("; extended {} → {} by {} on {}: {}", e.from, e.to, who(&e.by), e.at, e.reason));
        }
        detail.push_str(&format!("; state {}, not signed off", h.state));
        let evidence = vec![Evidence { file: "ledger".into(), time: Some(deadline), detail: Some(detail), ..Default::default() }];
        let title = format!(
            "Major hazard {} ({}) at {} is past its rectification deadline {} and not signed off (state {})",
            h.id, h.kind, h.place, deadline, h.state
        );
        let mut f = catalog::finding(RULE, &h.mine, deadline, None, Some(&h.place), title, evidence);
        f.id = Finding::stable_id(RULE, &h.mine, &format!("hazard:{}", h.id), deadline);
        f.tags.extend(tables::tables().hooks(RULE, deadline).map(|x| format!("hook:{x}")));
        f.tags.push(format!("hazard:{}", h.id));
        out.push(f);
    }
    out
}

/// Counts for one kind of hazard in a quarterly report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    pub found: usize,
    pub signed_off: usize,
    pub open_at_end: usize,
}

/// One hazard the quarter touched, as it stood at the quarter's end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuarterRow {
    pub id: String,
    pub kind: String,
    pub place: String,
    pub found_at: Timestamp,
    pub state: HazardState,
    /// The deadline in force at the quarter's end.
    pub deadline: Option<Timestamp>,
    /// When it was signed off, if it stood signed off at the quarter's end.
    pub signed_off_at: Option<Timestamp>,
    pub overdue: bool,
    pub repeat_of: Option<String>,
}

/// The enterprise's quarterly major-hazard treatment report (ENF-HAZ-2, R774 Art. 35).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuarterReport {
    pub mine: String,
    pub year: i32,
    pub quarter: u32,
    /// First instant of the quarter (Beijing 00:00 of its first day).
    pub from: Timestamp,
    /// Last instant of the quarter (Beijing 23:59:59 of its last day).
    pub through: Timestamp,
    /// Hazards found in the quarter.
    pub found: usize,
    /// Hazards signed off in the quarter (once each, however often).
    pub signed_off: usize,
    pub open_at_end: usize,
    pub overdue_at_end: usize,
    pub by_kind: BTreeMap<String, KindCounts>,
    pub rows: Vec<QuarterRow>,
}

/// State and deadline of a hazard at `t`, replayed from its decisions. A hazard
/// with no decisions at all (inserted directly) reports what it holds now.
fn as_of(h: &Hazard, t: Timestamp) -> (HazardState, Option<Timestamp>) {
    if h.decisions.is_empty() {
        return (h.state, h.deadline);
    }
    let mut past = h.decisions.iter().rev().filter(|d| d.at <= t);
    let state = past.clone().next().map_or(HazardState::Found, |d| d.to);
    let deadline = match h.extensions.iter().rev().find(|e| e.at <= t) {
        Some(e) => Some(e.to),
        None => past.any(|d| d.action == "plan").then(|| h.five.as_ref().map(|f| f.deadline)).flatten(),
    };
    (state, deadline)
}

/// The quarterly major-hazard treatment report of `mine` (ENF-HAZ-2): what was
/// found, signed off, still open and overdue at the quarter's end, by kind, and
/// one row per hazard the quarter touched (found in it, decided on in it, or open
/// at its end). `quarter` outside 1–4 is clamped.
pub fn quarterly_report(l: &Ledger, mine: &str, year: i32, quarter: u32) -> QuarterReport {
    let quarter = quarter.clamp(1, 4);
    let first = Month { year, month: (quarter - 1) * 3 + 1 };
    let last = Month { year, month: quarter * 3 };
    let (from, through) = (first.first_day().start(), last.last_day().end());
    let mut report = QuarterReport {
        mine: mine.to_string(),
        year,
        quarter,
        from,
        through,
        found: 0,
        signed_off: 0,
        open_at_end: 0,
        overdue_at_end: 0,
        by_kind: BTreeMap::new(),
        rows: Vec::new(),
    };
    let mut hazards: Vec<&Hazard> = l.hazards.values().filter(|h| h.mine == mine && h.found_at <= through).collect();
    hazards.sort_by(|a, b| (a.found_at, &a.id).cmp(&(b.found_at, &b.id)));
    for h in hazards {
        let found_in = h.found_at >= from;
        let decided_in = h.decisions.iter().any(|d| d.at >= from && d.at <= through);
        let signed_in = h.decisions.iter().any(|d| d.action == "sign_off" && d.at >= from && d.at <= through);
        let (state, deadline) = as_of(h, through);
        let open = state.is_open();
        if !(found_in || decided_in || open) {
            continue;
        }
        let overdue = open && deadline.is_some_and(|d| d < through);
        let signed_off_at = (state == HazardState::SignedOff)
            .then(|| h.decisions.iter().rev().find(|d| d.action == "sign_off" && d.at <= through))
            .flatten()
            .map(|d| d.at);
        let k = report.by_kind.entry(h.kind.clone()).or_default();
        k.found += usize::from(found_in);
        k.signed_off += usize::from(signed_in);
        k.open_at_end += usize::from(open);
        report.found += usize::from(found_in);
        report.signed_off += usize::from(signed_in);
        report.open_at_end += usize::from(open);
        report.overdue_at_end += usize::from(overdue);
        report.rows.push(QuarterRow {
            id: h.id.clone(),
            kind: h.kind.clone(),
            place: h.place.clone(),
            found_at: h.found_at,
            state,
            deadline,
            signed_off_at,
            overdue,
            repeat_of: h.repeat_of.clone(),
        });
    }
    report
}

impl Ledger {
    /// Registers a mine without going through `gates` (tests of other record kinds
    /// must not depend on the mine commands). Not part of the ledger's contract.
    #[doc(hidden)]
    pub fn insert_mine_for_tests(&mut self, rec: MineRecord) {
        self.mines.insert(rec.code.clone(), rec);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::MineStatus;
    use crate::inspection::{Inspection, VisitMode};
    use crate::Command;

    const A: &str = "140000000001";
    const B: &str = "140000000002";

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).unwrap()
    }

    fn mine(code: &str, office: &str) -> MineRecord {
        MineRecord {
            code: code.into(),
            name: format!("mine {code}"),
            offices: vec![office.into()],
            coal: true,
            underground: true,
            status: MineStatus::Producing,
            history: Vec::new(),
            licences: Vec::new(),
            closures: Vec::new(),
        }
    }

    fn ledger() -> Ledger {
        let mut l = Ledger::default();
        l.insert_mine_for_tests(mine(A, "OFF-A"));
        l.insert_mine_for_tests(mine(B, "OFF-B"));
        l
    }

    fn staff(id: &str, m: &str) -> Actor {
        Actor::new(id, &format!("staff {id}"), Role::MineStaff { mine: m.into() })
    }

    fn inspector(id: &str, office: &str) -> Actor {
        Actor::new(id, &format!("inspector {id}"), Role::Inspector { office: office.into() })
    }

    fn head(id: &str, office: &str) -> Actor {
        Actor::new(id, &format!("head {id}"), Role::RegulatorHead { office: office.into() })
    }

    fn run(l: &mut Ledger, at: &str, actor: &Actor, cmd: HazardCmd) -> Result<Applied, Refusal> {
        l.apply(&Event { at: t(at), actor: actor.clone(), command: Command::Hazard(cmd) })
    }

    fn open_cmd(id: &str, m: &str, place: &str, kind: &str, found: &str, source: HazardSource) -> HazardCmd {
        HazardCmd::Open {
            id: id.into(),
            mine: m.into(),
            place: place.into(),
            system: Some("ventilation".into()),
            kind: kind.into(),
            description: "回风巷瓦斯超限后未停电撤人".into(),
            found_at: t(found),
            evidence_since: None,
            source,
            evidence: vec!["f-1".into()],
        }
    }

    fn engine(f: &str) -> HazardSource {
        HazardSource::Engine { finding: f.into() }
    }

    fn five(deadline: &str) -> FiveInPlace {
        FiveInPlace {
            responsible: "王矿长".into(),
            measures: "更换传感器并校准断电".into(),
            funds_cny: 50_000,
            deadline: t(deadline),
            contingency_plan: "停止该区域作业，撤出人员".into(),
        }
    }

    /// Opens HZ-1 at mine A from an engine finding (by the system) and plans it.
    fn planned() -> Ledger {
        let mut l = ledger();
        run(
            &mut l,
            "2026-01-31 10:00:00",
            &Actor::system(),
            open_cmd("HZ-1", A, "1201回风巷", "CM-4.2", "2026-01-31 09:00:00", engine("f-1")),
        )
        .unwrap();
        run(&mut l, "2026-02-01 08:00:00", &staff("S1", A), HazardCmd::Plan { id: "HZ-1".into(), five: five("2026-02-28 23:59:59") })
            .unwrap();
        l
    }

    /// HZ-1 submitted by `submitter`.
    fn submitted(submitter: &Actor) -> Ledger {
        let mut l = planned();
        run(&mut l, "2026-02-02 08:00:00", &staff("S1", A), HazardCmd::Start { id: "HZ-1".into() }).unwrap();
        let submit = HazardCmd::Submit { id: "HZ-1".into(), notes: "已更换".into(), evidence: vec!["photo-1.jpg".into()] };
        run(&mut l, "2026-02-10 08:00:00", submitter, submit).unwrap();
        l
    }

    fn refused(l: &mut Ledger, at: &str, actor: &Actor, cmd: HazardCmd) -> Refusal {
        let before = l.hazards.clone();
        let r = run(l, at, actor, cmd).expect_err("must be refused");
        assert_eq!(l.hazards, before, "a refusal must leave the ledger unchanged");
        r
    }

    #[test]
    fn open_from_engine_is_found_and_unconfirmed() {
        let mut l = ledger();
        let a = run(
            &mut l,
            "2026-01-31 10:00:00",
            &Actor::system(),
            open_cmd("HZ-1", A, " 1201回风巷 ", "CM-4.2", "2026-01-31 09:00:00", engine("f-1")),
        )
        .unwrap();
        assert_eq!(a, Applied { record: RecordRef::new("hazard", "HZ-1"), mine: A.into() });
        let h = l.hazard("HZ-1").unwrap();
        assert_eq!(h.state, HazardState::Found);
        assert_eq!(h.place, "1201回风巷");
        assert_eq!(h.evidence_since, h.found_at);
        assert_eq!(h.observations, vec![Observation { at: t("2026-01-31 09:00:00"), source: engine("f-1"), confirmed: false }]);
        assert!(h.decisions.is_empty(), "open is not a decision");
        assert_eq!(h.repeat_of, None);
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn open_refusals_name_the_reason() {
        let mut l = ledger();
        let sys = Actor::system();
        run(&mut l, "2026-01-31 10:00:00", &sys, open_cmd("HZ-1", A, "P", "K", "2026-01-31 09:00:00", engine("f-1"))).unwrap();

        let r = refused(&mut l, "2026-01-31 10:00:00", &sys, open_cmd("HZ-1", A, "P", "K", "2026-01-31 09:00:00", engine("f-2")));
        assert_eq!(r.code, RefusalCode::Duplicate);
        assert!(r.message.contains("HZ-1"), "{}", r.message);

        let r = refused(&mut l, "2026-01-31 10:00:00", &sys, open_cmd("HZ-2", A, " ", "", "2026-01-31 09:00:00", engine("f-2")));
        assert_eq!(r.code, RefusalCode::Invalid);
        assert!(r.message.contains("place, kind"), "{}", r.message);

        let mut late = open_cmd("HZ-2", A, "P", "K", "2026-01-31 09:00:00", engine("f-2"));
        if let HazardCmd::Open { evidence_since, .. } = &mut late {
            *evidence_since = Some(t("2026-01-31 09:00:01"));
        }
        assert_eq!(refused(&mut l, "2026-01-31 10:00:00", &sys, late).code, RefusalCode::Invalid);

        // Who may record what.
        let r =
            refused(&mut l, "2026-01-31 10:00:00", &staff("S1", A), open_cmd("HZ-2", A, "P", "K", "2026-01-31 09:00:00", engine("f-2")));
        assert_eq!(r.code, RefusalCode::NotAllowed);
        let insp = HazardSource::Inspection { inspection: "IN-9".into() };
        let r = refused(&mut l, "2026-01-31 10:00:00", &sys, open_cmd("HZ-2", A, "P", "K", "2026-01-31 09:00:00", insp.clone()));
        assert_eq!(r.code, RefusalCode::NotAllowed);
        let r =
            refused(&mut l, "2026-01-31 10:00:00", &inspector("I1", "OFF-A"), open_cmd("HZ-2", A, "P", "K", "2026-01-31 09:00:00", insp));
        assert_eq!(r.code, RefusalCode::Unknown);
        assert!(r.message.contains("inspection:IN-9"), "{}", r.message);
        let sc = HazardSource::SelfCheck { self_check: "SC-9".into() };
        let r = refused(&mut l, "2026-01-31 10:00:00", &staff("S1", A), open_cmd("HZ-2", A, "P", "K", "2026-01-31 09:00:00", sc.clone()));
        assert_eq!(r.code, RefusalCode::Unknown);
        let r = refused(&mut l, "2026-01-31 10:00:00", &inspector("I1", "OFF-A"), open_cmd("HZ-2", A, "P", "K", "2026-01-31 09:00:00", sc));
        assert_eq!(r.code, RefusalCode::NotAllowed);

        // Out of jurisdiction, and unregistered mines.
        let r = refused(
            &mut l,
            "2026-01-31 10:00:00",
            &inspector("I9", "OFF-B"),
            open_cmd("HZ-2", A, "P", "K", "2026-01-31 09:00:00", engine("f-2")),
        );
        assert_eq!(r.code, RefusalCode::NotAllowed);
        assert!(r.message.contains("jurisdiction"), "{}", r.message);
        let r = refused(&mut l, "2026-01-31 10:00:00", &sys, open_cmd("HZ-2", "999", "P", "K", "2026-01-31 09:00:00", engine("f-2")));
        assert_eq!(r.code, RefusalCode::Unknown);
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn an_inspection_finding_is_confirmed_and_must_be_of_the_same_mine() {
        let mut l = ledger();
        let i1 = inspector("I1", "OFF-A");
        let rec = Inspection {
            id: "IN-3".into(),
            plan: None,
            mine: A.into(),
            office: "OFF-A".into(),
            started_at: t("2026-01-31 08:00:00"),
            ended_at: t("2026-01-31 12:00:00"),
            mode: VisitMode::Unannounced,
            inspectors: vec!["I1".into()],
            places: vec!["1201回风巷".into()],
            systems: vec![],
            findings: vec![],
            notes: String::new(),
            recorded_by: i1.clone(),
            signed: None,
        };
        l.inspections.insert("IN-3".into(), rec.clone());
        l.inspections.insert("IN-4".into(), Inspection { id: "IN-4".into(), mine: B.into(), office: "OFF-B".into(), ..rec });
        let src = HazardSource::Inspection { inspection: "IN-3".into() };
        run(&mut l, "2026-01-31 13:00:00", &i1, open_cmd("HZ-1", A, "P", "K", "2026-01-31 09:00:00", src.clone())).unwrap();
        assert!(l.hazard("HZ-1").unwrap().observations[0].confirmed);
        // Nothing left to confirm.
        let r = refused(&mut l, "2026-01-31 14:00:00", &i1, HazardCmd::Confirm { id: "HZ-1".into(), notes: String::new() });
        assert_eq!(r.code, RefusalCode::Invalid);
        // The same inspection cannot count twice; another mine's inspection is no evidence here.
        let again = HazardCmd::Observe { id: "HZ-1".into(), source: src, at: t("2026-01-31 10:00:00") };
        assert_eq!(refused(&mut l, "2026-01-31 14:00:00", &i1, again).code, RefusalCode::Duplicate);
        let other = HazardCmd::Observe {
            id: "HZ-1".into(),
            source: HazardSource::Inspection { inspection: "IN-4".into() },
            at: t("2026-02-01 10:00:00"),
        };
        assert_eq!(refused(&mut l, "2026-02-01 14:00:00", &i1, other).code, RefusalCode::Invalid);
    }

    #[test]
    fn observe_and_confirm_record_each_check_once() {
        let mut l = planned();
        let i1 = inspector("I1", "OFF-A");
        let obs = |f: &str, at: &str| HazardCmd::Observe { id: "HZ-1".into(), source: engine(f), at: t(at) };
        assert_eq!(
            refused(&mut l, "2026-02-03 08:00:00", &Actor::system(), obs("f-1", "2026-02-03 07:00:00")).code,
            RefusalCode::Duplicate
        );
        assert_eq!(
            refused(&mut l, "2026-02-03 08:00:00", &staff("S1", A), obs("f-2", "2026-02-03 07:00:00")).code,
            RefusalCode::NotAllowed
        );
        assert_eq!(refused(&mut l, "2026-02-03 08:00:00", &Actor::system(), obs("f-2", "2026-01-30 07:00:00")).code, RefusalCode::Invalid);
        run(&mut l, "2026-02-03 08:00:00", &Actor::system(), obs("f-2", "2026-02-03 07:00:00")).unwrap();
        let h = l.hazard("HZ-1").unwrap();
        assert_eq!(h.observations.len(), 2);
        assert!(h.observations.iter().all(|o| !o.confirmed));

        assert_eq!(
            refused(&mut l, "2026-02-03 09:00:00", &staff("S1", A), HazardCmd::Confirm { id: "HZ-1".into(), notes: "".into() }).code,
            RefusalCode::NotAllowed
        );
        run(&mut l, "2026-02-03 09:00:00", &i1, HazardCmd::Confirm { id: "HZ-1".into(), notes: "现场核实".into() }).unwrap();
        let h = l.hazard("HZ-1").unwrap();
        assert!(h.observations.iter().all(|o| o.confirmed));
        let d = h.decisions.last().unwrap();
        assert_eq!(
            (d.action.as_str(), d.from, d.to, d.notes.as_str()),
            ("confirm", HazardState::Planned, HazardState::Planned, "现场核实")
        );
    }

    #[test]
    fn five_in_place_missing_names_the_missing_items() {
        let mut l = ledger();
        run(&mut l, "2026-01-31 10:00:00", &Actor::system(), open_cmd("HZ-1", A, "P", "K", "2026-01-31 09:00:00", engine("f-1"))).unwrap();
        let mut f = five("2026-02-28 23:59:59");
        f.funds_cny = 0;
        f.contingency_plan = "  ".into();
        let r = refused(&mut l, "2026-02-01 08:00:00", &staff("S1", A), HazardCmd::Plan { id: "HZ-1".into(), five: f });
        assert_eq!(r.code, RefusalCode::FiveInPlaceMissing);
        assert_eq!(r.rule.as_deref(), Some("HM-2.1-R2"));
        assert!(r.message.contains("HZ-1") && r.message.contains("资金、预案"), "{}", r.message);
        for present in ["责任", "措施", "时限"] {
            assert!(!r.message.contains(present), "{present} is in place: {}", r.message);
        }
        // A deadline at or before the finding is no deadline; everything empty names all five.
        let none = FiveInPlace {
            responsible: "".into(),
            measures: "".into(),
            funds_cny: 0,
            deadline: t("2026-01-31 09:00:00"),
            contingency_plan: "".into(),
        };
        let r = refused(&mut l, "2026-02-01 08:00:00", &staff("S1", A), HazardCmd::Plan { id: "HZ-1".into(), five: none });
        assert!(r.message.ends_with("责任、措施、资金、时限、预案"), "{}", r.message);
        assert_eq!(l.hazard("HZ-1").unwrap().state, HazardState::Found);
        // Outsiders may not plan at all.
        let r = refused(
            &mut l,
            "2026-02-01 08:00:00",
            &Actor::system(),
            HazardCmd::Plan { id: "HZ-1".into(), five: five("2026-02-28 23:59:59") },
        );
        assert_eq!(r.code, RefusalCode::NotAllowed);
    }

    #[test]
    fn the_full_loop_keeps_each_decision_with_a_snapshot() {
        let s1 = staff("S1", A);
        let mut l = submitted(&s1);
        let (i1, i2) = (inspector("I1", "OFF-A"), inspector("I2", "OFF-A"));
        run(&mut l, "2026-02-11 08:00:00", &i1, HazardCmd::Verify { id: "HZ-1".into(), notes: "现场验收".into() }).unwrap();
        run(&mut l, "2026-02-12 08:00:00", &i2, HazardCmd::SignOff { id: "HZ-1".into(), notes: "销号".into() }).unwrap();
        let h = l.hazard("HZ-1").unwrap();
        assert_eq!(h.state, HazardState::SignedOff);
        assert_eq!(h.submitted_by.as_ref().map(|a| a.id.as_str()), Some("S1"));
        assert!(h.evidence.contains(&"photo-1.jpg".to_string()));
        let steps: Vec<(&str, HazardState, HazardState)> = h.decisions.iter().map(|d| (d.action.as_str(), d.from, d.to)).collect();
        use HazardState::*;
        assert_eq!(
            steps,
            [
                ("plan", Found, Planned),
                ("start", Planned, Rectifying),
                ("submit", Rectifying, Submitted),
                ("verify", Submitted, Verified),
                ("sign_off", Verified, SignedOff)
            ]
        );
        for d in &h.decisions {
            assert!(d.snapshot.get("decisions").is_none(), "snapshots leave out the decision list");
            assert_eq!(d.snapshot["state"], serde_json::json!(d.to.name()));
            assert_eq!(d.snapshot["id"], "HZ-1");
        }
        let verify = &h.decisions[3];
        assert_eq!((verify.by.id.as_str(), verify.at, verify.notes.as_str()), ("I1", t("2026-02-11 08:00:00"), "现场验收"));
        assert_eq!(verify.snapshot["submitted_by"]["id"], "S1");
        assert_eq!(h.decisions[0].snapshot["five"]["funds_cny"], 50_000);

        // Revoke needs a reason and reopens; the mine resubmits.
        assert_eq!(
            refused(&mut l, "2026-03-01 08:00:00", &i1, HazardCmd::Revoke { id: "HZ-1".into(), reason: " ".into() }).code,
            RefusalCode::Invalid
        );
        assert_eq!(
            refused(&mut l, "2026-03-01 08:00:00", &s1, HazardCmd::Revoke { id: "HZ-1".into(), reason: "x".into() }).code,
            RefusalCode::NotAllowed
        );
        run(&mut l, "2026-03-01 08:00:00", &i1, HazardCmd::Revoke { id: "HZ-1".into(), reason: "复查发现未整改到位".into() }).unwrap();
        assert_eq!(l.hazard("HZ-1").unwrap().state, Rectifying);
        let snap = l.snapshot(&RecordRef::new("hazard", "HZ-1")).unwrap();
        assert_eq!(snap["decisions"].as_array().map(Vec::len), Some(6));
    }

    #[test]
    fn reject_needs_a_regulator_and_a_reason() {
        let s1 = staff("S1", A);
        let mut l = submitted(&s1);
        let i1 = inspector("I1", "OFF-A");
        assert_eq!(
            refused(&mut l, "2026-02-11 08:00:00", &i1, HazardCmd::Reject { id: "HZ-1".into(), reason: "".into() }).code,
            RefusalCode::Invalid
        );
        assert_eq!(
            refused(&mut l, "2026-02-11 08:00:00", &s1, HazardCmd::Reject { id: "HZ-1".into(), reason: "r".into() }).code,
            RefusalCode::NotAllowed
        );
        run(&mut l, "2026-02-11 08:00:00", &i1, HazardCmd::Verify { id: "HZ-1".into(), notes: "".into() }).unwrap();
        run(&mut l, "2026-02-11 09:00:00", &i1, HazardCmd::Reject { id: "HZ-1".into(), reason: "资料不全".into() }).unwrap();
        let h = l.hazard("HZ-1").unwrap();
        assert_eq!(h.state, HazardState::Rectifying);
        assert_eq!(h.decisions.last().unwrap().notes, "资料不全");
    }

    #[test]
    fn self_approval_is_refused_on_verify_and_on_sign_off() {
        // The same person (badge P-7) submitted for the mine and now acts as an inspector.
        let as_staff = staff("P-7", A);
        let as_inspector = inspector("P-7", "OFF-A");
        let mut l = submitted(&as_staff);
        let r = refused(&mut l, "2026-02-11 08:00:00", &as_inspector, HazardCmd::Verify { id: "HZ-1".into(), notes: "".into() });
        assert_eq!(r.code, RefusalCode::SelfApproval);
        assert!(r.message.contains("P-7") && r.message.contains("HZ-1") && r.message.contains("verify"), "{}", r.message);
        // The submitter in their own capacity is refused for the same reason.
        assert_eq!(
            refused(&mut l, "2026-02-11 08:00:00", &as_staff, HazardCmd::Verify { id: "HZ-1".into(), notes: "".into() }).code,
            RefusalCode::SelfApproval
        );
        // Another mine-side actor is simply not allowed.
        assert_eq!(
            refused(&mut l, "2026-02-11 08:00:00", &staff("S2", A), HazardCmd::Verify { id: "HZ-1".into(), notes: "".into() }).code,
            RefusalCode::NotAllowed
        );

        run(&mut l, "2026-02-11 08:00:00", &inspector("I1", "OFF-A"), HazardCmd::Verify { id: "HZ-1".into(), notes: "".into() }).unwrap();
        let r = refused(&mut l, "2026-02-12 08:00:00", &as_inspector, HazardCmd::SignOff { id: "HZ-1".into(), notes: "".into() });
        assert_eq!(r.code, RefusalCode::SelfApproval);
        assert!(r.message.contains("sign_off"), "{}", r.message);
        let r = refused(&mut l, "2026-02-12 08:00:00", &staff("S2", A), HazardCmd::SignOff { id: "HZ-1".into(), notes: "".into() });
        assert_eq!(r.code, RefusalCode::NotAllowed);
        assert_eq!(
            refused(&mut l, "2026-02-12 08:00:00", &Actor::system(), HazardCmd::SignOff { id: "HZ-1".into(), notes: "".into() }).code,
            RefusalCode::NotAllowed
        );
        run(&mut l, "2026-02-12 08:00:00", &head("H1", "OFF-A"), HazardCmd::SignOff { id: "HZ-1".into(), notes: "".into() }).unwrap();
        assert_eq!(l.hazard("HZ-1").unwrap().state, HazardState::SignedOff);
    }

    #[test]
    fn wrong_state_names_the_state_and_the_command() {
        let mut l = ledger();
        run(&mut l, "2026-01-31 10:00:00", &Actor::system(), open_cmd("HZ-1", A, "P", "K", "2026-01-31 09:00:00", engine("f-1"))).unwrap();
        let s1 = staff("S1", A);
        let i1 = inspector("I1", "OFF-A");
        let r = refused(&mut l, "2026-02-01 08:00:00", &s1, HazardCmd::Start { id: "HZ-1".into() });
        assert_eq!(r.code, RefusalCode::WrongState);
        assert!(r.message.contains("start") && r.message.contains("found") && r.message.contains("HZ-1"), "{}", r.message);
        for (actor, cmd) in [
            (&s1, HazardCmd::Submit { id: "HZ-1".into(), notes: "".into(), evidence: vec![] }),
            (&i1, HazardCmd::Verify { id: "HZ-1".into(), notes: "".into() }),
            (&i1, HazardCmd::Reject { id: "HZ-1".into(), reason: "r".into() }),
            (&i1, HazardCmd::SignOff { id: "HZ-1".into(), notes: "".into() }),
            (&i1, HazardCmd::Revoke { id: "HZ-1".into(), reason: "r".into() }),
            (&i1, HazardCmd::Extend { id: "HZ-1".into(), to: t("2026-05-01 00:00:00"), reason: "r".into() }),
            (&i1, HazardCmd::DecideContest { id: "HZ-1".into(), upheld: true, notes: "".into() }),
        ] {
            let name = cmd.name();
            let r = refused(&mut l, "2026-02-01 08:00:00", actor, cmd);
            assert_eq!(r.code, RefusalCode::WrongState, "{name}: {}", r.message);
            assert!(r.message.contains(name), "{}", r.message);
        }
        run(&mut l, "2026-02-01 08:00:00", &s1, HazardCmd::Plan { id: "HZ-1".into(), five: five("2026-02-28 23:59:59") }).unwrap();
        let r = refused(&mut l, "2026-02-01 09:00:00", &s1, HazardCmd::Plan { id: "HZ-1".into(), five: five("2026-03-28 23:59:59") });
        assert_eq!(r.code, RefusalCode::WrongState);
        assert!(r.message.contains("planned"), "{}", r.message);
        let r = refused(&mut l, "2026-02-01 09:00:00", &s1, HazardCmd::Start { id: "HZ-2".into() });
        assert_eq!(r.code, RefusalCode::Unknown);
    }

    #[test]
    fn out_of_jurisdiction_actors_are_refused() {
        let mut l = planned();
        let cases = [
            (staff("SB", B), HazardCmd::Start { id: "HZ-1".into() }),
            (inspector("IB", "OFF-B"), HazardCmd::Confirm { id: "HZ-1".into(), notes: "".into() }),
            (head("HB", "OFF-B"), HazardCmd::Extend { id: "HZ-1".into(), to: t("2026-04-01 00:00:00"), reason: "r".into() }),
            (Actor::new("G1", "county", Role::Government { office: "OFF-B".into() }), HazardCmd::Start { id: "HZ-1".into() }),
        ];
        for (actor, cmd) in cases {
            let r = refused(&mut l, "2026-02-02 08:00:00", &actor, cmd);
            assert_eq!(r.code, RefusalCode::NotAllowed, "{}", r.message);
            assert!(r.message.contains("jurisdiction") && r.message.contains(A), "{}", r.message);
        }
        // Government of a covering office is in scope but holds no hazard role.
        l.mines.get_mut(A).unwrap().offices.push("GOV-A".into());
        let gov = Actor::new("G2", "county", Role::Government { office: "GOV-A".into() });
        let r = refused(
            &mut l,
            "2026-02-02 08:00:00",
            &gov,
            HazardCmd::Extend { id: "HZ-1".into(), to: t("2026-04-01 00:00:00"), reason: "r".into() },
        );
        assert_eq!(r.code, RefusalCode::NotAllowed);
        assert!(r.message.contains("regulator"), "{}", r.message);
    }

    #[test]
    fn extensions_record_who_why_and_move_the_deadline() {
        let mut l = planned();
        let i1 = inspector("I1", "OFF-A");
        let ext = |to: &str, reason: &str| HazardCmd::Extend { id: "HZ-1".into(), to: t(to), reason: reason.into() };
        assert_eq!(refused(&mut l, "2026-02-20 08:00:00", &i1, ext("2026-02-28 23:59:59", "r")).code, RefusalCode::Invalid);
        assert_eq!(refused(&mut l, "2026-02-20 08:00:00", &i1, ext("2026-03-31 23:59:59", "")).code, RefusalCode::Invalid);
        assert_eq!(refused(&mut l, "2026-02-20 08:00:00", &staff("S1", A), ext("2026-03-31 23:59:59", "r")).code, RefusalCode::NotAllowed);
        run(&mut l, "2026-02-20 08:00:00", &i1, ext("2026-03-31 23:59:59", "设备到货延迟")).unwrap();
        let h = l.hazard("HZ-1").unwrap();
        assert_eq!(h.deadline, Some(t("2026-03-31 23:59:59")));
        assert_eq!(h.five.as_ref().unwrap().deadline, t("2026-02-28 23:59:59"), "the plan keeps its own deadline");
        assert_eq!(h.extensions.len(), 1);
        let e = &h.extensions[0];
        assert_eq!(
            (e.from, e.to, e.by.id.as_str(), e.at, e.reason.as_str()),
            (t("2026-02-28 23:59:59"), t("2026-03-31 23:59:59"), "I1", t("2026-02-20 08:00:00"), "设备到货延迟")
        );
        // Helpers: a regulator names one, with an id and a name.
        let helper = |id: &str| HazardCmd::AssignHelper { id: "HZ-1".into(), helper_id: id.into(), helper_name: "李工".into() };
        assert_eq!(refused(&mut l, "2026-02-21 08:00:00", &i1, helper("")).code, RefusalCode::Invalid);
        assert_eq!(refused(&mut l, "2026-02-21 08:00:00", &staff("S1", A), helper("E-1")).code, RefusalCode::NotAllowed);
        run(&mut l, "2026-02-21 08:00:00", &i1, helper("E-1")).unwrap();
        assert_eq!(l.hazard("HZ-1").unwrap().helper.as_ref().map(|h| (h.id.as_str(), h.assigned_by.id.as_str())), Some(("E-1", "I1")));
    }

    #[test]
    fn a_contest_is_decided_only_by_an_office_head() {
        let mut l = planned();
        let s1 = staff("S1", A);
        let contest =
            |reason: &str| HazardCmd::Contest { id: "HZ-1".into(), reason: reason.into(), evidence: vec!["calibration.pdf".into()] };
        let decide = |upheld: bool| HazardCmd::DecideContest { id: "HZ-1".into(), upheld, notes: "复核".into() };
        assert_eq!(refused(&mut l, "2026-02-03 08:00:00", &inspector("I1", "OFF-A"), contest("r")).code, RefusalCode::NotAllowed);
        assert_eq!(refused(&mut l, "2026-02-03 08:00:00", &s1, contest(" ")).code, RefusalCode::Invalid);
        run(&mut l, "2026-02-03 08:00:00", &s1, contest("传感器标校期间数据")).unwrap();
        let r = refused(&mut l, "2026-02-03 09:00:00", &staff("S2", A), contest("again"));
        assert_eq!(r.code, RefusalCode::WrongState);
        let r = refused(&mut l, "2026-02-04 08:00:00", &inspector("I1", "OFF-A"), decide(true));
        assert_eq!(r.code, RefusalCode::NotAllowed);
        assert!(r.message.contains("head"), "{}", r.message);
        assert_eq!(refused(&mut l, "2026-02-04 08:00:00", &head("HB", "OFF-B"), decide(true)).code, RefusalCode::NotAllowed);

        // Dismissed: the hazard stands and may be contested again.
        run(&mut l, "2026-02-04 08:00:00", &head("H1", "OFF-A"), decide(false)).unwrap();
        assert_eq!(l.hazard("HZ-1").unwrap().state, HazardState::Planned);
        assert_eq!(refused(&mut l, "2026-02-04 09:00:00", &head("H1", "OFF-A"), decide(true)).code, RefusalCode::WrongState);
        run(&mut l, "2026-02-05 08:00:00", &s1, contest("新证据")).unwrap();
        run(&mut l, "2026-02-06 08:00:00", &head("H1", "OFF-A"), decide(true)).unwrap();
        let h = l.hazard("HZ-1").unwrap();
        assert_eq!(h.state, HazardState::Withdrawn);
        let c = h.contest.as_ref().unwrap();
        assert_eq!(c.decision.as_ref().map(|d| (d.upheld, d.by.id.as_str())), Some((true, "H1")));
        assert_eq!(h.decisions.last().map(|d| (d.from, d.to)), Some((HazardState::Planned, HazardState::Withdrawn)));
        // A withdrawn hazard takes no further moves.
        assert_eq!(refused(&mut l, "2026-02-07 08:00:00", &s1, HazardCmd::Start { id: "HZ-1".into() }).code, RefusalCode::WrongState);
        assert_eq!(refused(&mut l, "2026-02-07 08:00:00", &s1, contest("x")).code, RefusalCode::WrongState);
    }

    #[test]
    fn a_repeat_links_to_the_latest_earlier_hazard_of_the_same_mine_place_and_kind() {
        let mut l = ledger();
        let sys = Actor::system();
        for (id, m, place, kind, found) in [
            ("HZ-1", A, "1201回风巷", "CM-4.2", "2026-01-10 09:00:00"),
            ("HZ-2", A, "1201回风巷", "CM-4.2", "2026-02-10 09:00:00"),
            ("HZ-3", A, "1201回风巷", "CM-4.2", "2026-03-10 09:00:00"),
            ("HZ-4", A, "1202运输巷", "CM-4.2", "2026-03-11 09:00:00"),
            ("HZ-5", A, "1201回风巷", "CM-6.1", "2026-03-12 09:00:00"),
            ("HZ-6", B, "1201回风巷", "CM-4.2", "2026-03-13 09:00:00"),
            // Recorded late, found before HZ-2: links to HZ-1, not to the later ones.
            ("HZ-7", A, "1201回风巷", "CM-4.2", "2026-01-20 09:00:00"),
        ] {
            run(&mut l, "2026-03-20 10:00:00", &sys, open_cmd(id, m, place, kind, found, engine(&format!("f-{id}")))).unwrap();
        }
        let rep = |id: &str| l.hazard(id).unwrap().repeat_of.clone();
        assert_eq!(rep("HZ-1"), None);
        assert_eq!(rep("HZ-2").as_deref(), Some("HZ-1"));
        assert_eq!(rep("HZ-3").as_deref(), Some("HZ-2"));
        assert_eq!(rep("HZ-4"), None);
        assert_eq!(rep("HZ-5"), None);
        assert_eq!(rep("HZ-6"), None);
        assert_eq!(rep("HZ-7").as_deref(), Some("HZ-1"));
    }

    #[test]
    fn overdue_hazard_is_a_finding_until_signed_off() {
        let s1 = staff("S1", A);
        let mut l = planned();
        let deadline = t("2026-02-28 23:59:59");
        // At the deadline itself it is not yet overdue.
        assert!(overdue(&l, deadline).is_empty());
        let now = t("2026-03-02 08:00:00");
        let fs = overdue(&l, now);
        assert_eq!(fs.len(), 1);
        let f = &fs[0];
        assert_eq!(f.rule, "HM-2.3-R1");
        assert_eq!((f.mine.as_str(), f.start, f.end, f.place.as_deref()), (A, deadline, None, Some("1201回风巷")));
        assert_eq!(f.severity, minesafe_model::Severity::Illegal);
        assert_eq!(f.consequence, ["SUPERVISE"]);
        assert!(f.title.contains("HZ-1") && f.title.contains("planned"), "{}", f.title);
        let detail = f.evidence[0].detail.as_deref().unwrap();
        assert!(detail.contains("2026-02-28T23:59:59+08:00") && detail.contains("state planned"), "{detail}");
        assert_eq!(f.evidence[0].time, Some(deadline));
        assert!(f.has_tag("hazard:HZ-1"));
        assert_eq!(overdue(&l, now.plus_secs(86_400))[0].id, f.id, "the id is stable while the finding runs");

        // An extension moves the deadline: no longer overdue until the new one passes, and the evidence names it.
        let i1 = inspector("I1", "OFF-A");
        run(
            &mut l,
            "2026-03-02 09:00:00",
            &i1,
            HazardCmd::Extend { id: "HZ-1".into(), to: t("2026-03-31 23:59:59"), reason: "停产检修".into() },
        )
        .unwrap();
        assert!(overdue(&l, now).is_empty());
        let later = overdue(&l, t("2026-04-01 00:00:00"));
        assert_eq!(later.len(), 1);
        assert_ne!(later[0].id, f.id);
        assert!(later[0].evidence[0].detail.as_deref().unwrap().contains("停产检修"));

        // Through rectifying, submitted and verified it stays a finding; signed off it is not.
        let at = "2026-04-02 08:00:00";
        run(&mut l, at, &s1, HazardCmd::Start { id: "HZ-1".into() }).unwrap();
        run(&mut l, at, &s1, HazardCmd::Submit { id: "HZ-1".into(), notes: "".into(), evidence: vec![] }).unwrap();
        run(&mut l, at, &i1, HazardCmd::Verify { id: "HZ-1".into(), notes: "".into() }).unwrap();
        assert_eq!(overdue(&l, t(at)).len(), 1);
        run(&mut l, at, &i1, HazardCmd::SignOff { id: "HZ-1".into(), notes: "".into() }).unwrap();
        assert!(overdue(&l, t(at)).is_empty());
        // Revoked, it is overdue again.
        run(&mut l, at, &i1, HazardCmd::Revoke { id: "HZ-1".into(), reason: "复查未整改".into() }).unwrap();
        assert_eq!(overdue(&l, t(at)).len(), 1);
        // A hazard never planned has no deadline and is not overdue.
        run(&mut l, at, &Actor::system(), open_cmd("HZ-2", A, "P", "K", "2026-01-01 00:00:00", engine("f-9"))).unwrap();
        assert_eq!(overdue(&l, t("2027-01-01 00:00:00")).len(), 1);
    }

    #[test]
    fn quarterly_report_counts_the_quarter_as_it_ended() {
        let s1 = staff("S1", A);
        let i1 = inspector("I1", "OFF-A");
        let mut l = submitted(&s1); // HZ-1: found 2026-01-31, deadline 2026-02-28, submitted 2026-02-10
        run(&mut l, "2026-02-11 08:00:00", &i1, HazardCmd::Verify { id: "HZ-1".into(), notes: "".into() }).unwrap();
        run(&mut l, "2026-04-02 08:00:00", &i1, HazardCmd::SignOff { id: "HZ-1".into(), notes: "".into() }).unwrap();
        let sys = Actor::system();
        run(&mut l, "2026-03-01 08:00:00", &sys, open_cmd("HZ-2", A, "P2", "CM-6.1", "2026-03-01 07:00:00", engine("f-2"))).unwrap();
        run(&mut l, "2026-03-02 08:00:00", &s1, HazardCmd::Plan { id: "HZ-2".into(), five: five("2026-03-15 23:59:59") }).unwrap();
        run(&mut l, "2026-04-10 08:00:00", &sys, open_cmd("HZ-3", A, "P3", "CM-4.2", "2026-04-10 07:00:00", engine("f-3"))).unwrap();
        run(&mut l, "2026-03-10 08:00:00", &sys, open_cmd("HZ-B", B, "P", "CM-4.2", "2026-03-10 07:00:00", engine("f-b"))).unwrap();

        let q1 = quarterly_report(&l, A, 2026, 1);
        assert_eq!((q1.from, q1.through), (t("2026-01-01 00:00:00"), t("2026-03-31 23:59:59")));
        // HZ-1 stood verified but not signed off past its deadline: overdue like HZ-2.
        assert_eq!((q1.found, q1.signed_off, q1.open_at_end, q1.overdue_at_end), (2, 0, 2, 2));
        let ids: Vec<&str> = q1.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["HZ-1", "HZ-2"]);
        assert_eq!((q1.rows[0].state, q1.rows[0].overdue, q1.rows[0].signed_off_at), (HazardState::Verified, true, None));
        assert_eq!(
            (q1.rows[1].state, q1.rows[1].overdue, q1.rows[1].deadline),
            (HazardState::Planned, true, Some(t("2026-03-15 23:59:59")))
        );
        assert_eq!(q1.by_kind["CM-4.2"], KindCounts { found: 1, signed_off: 0, open_at_end: 1 });

        let q2 = quarterly_report(&l, A, 2026, 2);
        assert_eq!((q2.found, q2.signed_off, q2.open_at_end, q2.overdue_at_end), (1, 1, 2, 1));
        let hz1 = q2.rows.iter().find(|r| r.id == "HZ-1").unwrap();
        assert_eq!((hz1.state, hz1.signed_off_at), (HazardState::SignedOff, Some(t("2026-04-02 08:00:00"))));
        assert_eq!(q2.by_kind["CM-4.2"], KindCounts { found: 1, signed_off: 1, open_at_end: 1 });

        // Before anything was found the quarter is empty; the report serializes.
        let q4 = quarterly_report(&l, A, 2025, 4);
        assert!(q4.rows.is_empty() && q4.found == 0);
        let v = serde_json::to_value(&q2).unwrap();
        assert_eq!(v["quarter"], 2);
        assert_eq!(v["rows"][0]["state"], "signed_off");
    }
}
