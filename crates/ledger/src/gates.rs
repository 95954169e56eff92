//! Mines, licences, status gates and closure proposals (HM-3.3, HM-6.2,
//! ENF-HAZ-4/5, ENF-CLOSE-1, ENF-STOP-2).
//!
//! A mine's status changes only through a recorded decision; a restart from
//! "stopped by order" goes through an application accepted item by item and
//! signed by an office head, and is refused while a major hazard is open.

use std::collections::{BTreeMap, BTreeSet};

use minesafe_model::{Evidence, Finding, MineCode, Timestamp};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::calendar::Date;
use crate::hazard::{Hazard, HazardSource, HazardState};
use crate::inspection::{Penalty, PenaltyTarget};
use crate::ledger::{Applied, Event, Ledger, RecordRef, Refusal, RefusalCode};

/// The model's mine status: the registry and the ledger speak of the same thing.
pub use minesafe_model::registry::MineStatus;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceKind {
    /// 安全生产许可证.
    SafetyProduction,
    /// 采矿许可证.
    MiningRight,
    /// 营业执照.
    Business,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub kind: LicenceKind,
    pub number: String,
    pub valid_from: Timestamp,
    /// Last instant of validity.
    pub valid_to: Timestamp,
    #[serde(default)]
    pub revoked_at: Option<Timestamp>,
}

/// A recorded status decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// When the new status takes effect.
    pub effective: Timestamp,
    pub from: Option<MineStatus>,
    pub to: MineStatus,
    pub by: Actor,
    /// The decision document or record (order id, restart id, …).
    pub basis: String,
    pub notes: String,
}

/// A closure proposal the regulator recorded as sent (提请关闭).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureRecord {
    pub id: String,
    /// `ENF-HAZ-4`, `ENF-HAZ-5` or `ENF-CLOSE-1`.
    pub rule: String,
    pub hazards: Vec<String>,
    pub penalties: Vec<String>,
    pub to_government: String,
    pub by: Actor,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MineRecord {
    pub code: String,
    pub name: String,
    /// Regulator offices with jurisdiction (county, city, province …).
    pub offices: Vec<String>,
    pub coal: bool,
    pub underground: bool,
    pub status: MineStatus,
    /// Every status decision, oldest first; the first is the registration.
    pub history: Vec<StatusChange>,
    pub licences: Vec<Licence>,
    pub closures: Vec<ClosureRecord>,
}

/// One acceptance item of a restart (复产验收), checked and signed one by one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptanceItem {
    pub name: String,
    pub passed: Option<bool>,
    pub evidence: String,
    pub by: Option<Actor>,
    pub at: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestartState {
    Applied,
    Approved,
    Refused,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RestartApplication {
    pub id: String,
    pub mine: String,
    pub applied_at: Timestamp,
    pub applicant: Actor,
    pub plan: String,
    pub items: Vec<AcceptanceItem>,
    pub state: RestartState,
    /// Who approved or refused, when and why.
    pub decided_by: Option<Actor>,
    pub decided_at: Option<Timestamp>,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MineCmd {
    Register {
        mine: String,
        name: String,
        offices: Vec<String>,
        coal: bool,
        underground: bool,
        status: MineStatus,
        since: Timestamp,
    },
    RecordLicence {
        mine: String,
        licence: Licence,
    },
    RevokeLicence {
        mine: String,
        number: String,
        reason: String,
    },
    /// A status decision. Into "stopped by order" only by a regulator; out of it only by
    /// `approve_restart`, or by a regulator into "closing" (a mine still unsafe after the
    /// stop is closed, SPL Art. 113(2)). The table is [`status_move`].
    ChangeStatus {
        mine: String,
        to: MineStatus,
        effective: Timestamp,
        basis: String,
        notes: String,
    },
    ApplyRestart {
        id: String,
        mine: String,
        plan: String,
        items: Vec<String>,
    },
    AcceptItem {
        id: String,
        item: String,
        passed: bool,
        evidence: String,
    },
    /// Refused while any major hazard of the mine is open, or an item has not passed, or by the applicant.
    ApproveRestart {
        id: String,
        notes: String,
    },
    RefuseRestart {
        id: String,
        reason: String,
    },
    /// Records that a closure proposal was sent to the government.
    ProposeClosure {
        id: String,
        mine: String,
        rule: String,
        hazards: Vec<String>,
        penalties: Vec<String>,
        to_government: String,
    },
}

/// The rules a recorded closure proposal may rest on.
pub const CLOSURE_RULES: [&str; 3] = ["ENF-HAZ-4", "ENF-HAZ-5", "ENF-CLOSE-1"];

const STOP_RULE: &str = "ENF-STOP-2";
const GATE_RULE: &str = "HM-6.2-R1";

impl LicenceKind {
    /// How documents name the licence.
    pub fn label(self) -> &'static str {
        match self {
            LicenceKind::SafetyProduction => "safety production licence (安全生产许可证)",
            LicenceKind::MiningRight => "mining licence (采矿许可证)",
            LicenceKind::Business => "business licence (营业执照)",
        }
    }
}

impl Licence {
    /// Valid at `t`: inside its validity and not revoked by then.
    pub fn valid_at(&self, t: Timestamp) -> bool {
        self.valid_from <= t && t <= self.valid_to && self.revoked_at.is_none_or(|r| t < r)
    }
}

/// Who may move a mine from one status to another through `change_status`.
///
/// The mine itself only declares and ends its own maintenance stops; every other
/// move is a regulator's decision. Nobody leaves "stopped by order" this way except
/// into closure (SPL Art. 113(2): a mine still unsafe after the stop is closed):
/// the way back to producing is a restart application (ENF-STOP-2). "Closed" is final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusMove {
    /// The mine's own staff or principal may decide it.
    MineOrRegulator,
    /// Only a regulator (inspector or office head) or a decision imported by the system.
    Regulator,
    /// Out of "stopped by order" other than into closure: only an approved restart.
    RestartOnly,
    /// Not a move anyone may record.
    Forbidden,
}

/// The table of status moves (see [`StatusMove`]).
pub fn status_move(from: MineStatus, to: MineStatus) -> StatusMove {
    use MineStatus::*;
    match (from, to) {
        _ if from == to => StatusMove::Forbidden,
        (Closed, _) => StatusMove::Forbidden,
        (StoppedByOrder, Closing) => StatusMove::Regulator,
        (StoppedByOrder, _) => StatusMove::RestartOnly,
        (Producing, MaintenanceStop) | (MaintenanceStop, Producing) => StatusMove::MineOrRegulator,
        (Producing | Construction | MaintenanceStop, StoppedByOrder) => StatusMove::Regulator,
        (_, Closing) => StatusMove::Regulator,
        (Construction, MaintenanceStop | Producing) => StatusMove::Regulator,
        (Closing, Closed) => StatusMove::Regulator,
        _ => StatusMove::Forbidden,
    }
}

fn refuse(code: RefusalCode, message: impl Into<String>) -> Refusal {
    Refusal::new(code, message)
}

fn required(field: &str, value: &str) -> Result<(), Refusal> {
    if value.trim().is_empty() {
        Err(refuse(RefusalCode::Invalid, format!("{field} is required")))
    } else {
        Ok(())
    }
}

fn role_name(role: &Role) -> &'static str {
    match role {
        Role::MineStaff { .. } => "mine staff",
        Role::MinePrincipal { .. } => "mine principal",
        Role::Inspector { .. } => "inspector",
        Role::RegulatorHead { .. } => "regulator office head",
        Role::Government { .. } => "local government",
        Role::System => "minesafe",
    }
}

fn who(a: &Actor) -> String {
    format!("{} ({}, {})", a.name, a.id, role_name(&a.role))
}

fn mine_exists(l: &Ledger, mine: &str) -> Result<(), Refusal> {
    if l.mines.contains_key(mine) {
        Ok(())
    } else {
        Err(refuse(RefusalCode::Unknown, format!("mine {mine} is not registered")))
    }
}

/// An inspector or office head whose office covers the mine.
fn require_regulator(l: &Ledger, actor: &Actor, mine: &str, what: &str) -> Result<(), Refusal> {
    mine_exists(l, mine)?;
    if !actor.is_regulator() {
        return Err(refuse(RefusalCode::NotAllowed, format!("{what} is a regulator's decision; {} may not take it", who(actor))));
    }
    l.check_scope(actor, mine)
}

/// The system (importing decisions recorded elsewhere) or a regulator in scope.
fn require_regulator_or_system(l: &Ledger, actor: &Actor, mine: &str, what: &str) -> Result<(), Refusal> {
    if actor.role == Role::System {
        mine_exists(l, mine)
    } else {
        require_regulator(l, actor, mine, what)
    }
}

fn applied(kind: &str, id: &str, mine: &str) -> Applied {
    Applied { record: RecordRef::new(kind, id), mine: mine.to_string() }
}

/// Applies a mine command; refusals leave the ledger unchanged (every check runs before any change).
pub(crate) fn apply(l: &mut Ledger, ev: &Event, cmd: &MineCmd) -> Result<Applied, Refusal> {
    match cmd {
        MineCmd::Register { mine, name, offices, coal, underground, status, since } => {
            if MineCode::parse(mine).is_err() {
                return Err(refuse(
                    RefusalCode::Invalid,
                    format!("\"{mine}\" is not a mine code (煤矿编码: 12 digits, or 20 digits and capital letters)"),
                ));
            }
            if l.mines.contains_key(mine) {
                return Err(refuse(RefusalCode::Duplicate, format!("mine {mine} is registered already")));
            }
            required("the mine's name", name)?;
            if offices.is_empty() || offices.iter().any(|o| o.trim().is_empty()) {
                return Err(refuse(
                    RefusalCode::Invalid,
                    format!("mine {mine} needs at least one regulator office with jurisdiction, none blank"),
                ));
            }
            let ok = match (&ev.actor.role, ev.actor.office()) {
                (Role::System, _) => true,
                (_, Some(o)) if ev.actor.is_regulator() => offices.iter().any(|x| x == o),
                _ => false,
            };
            if !ok {
                return Err(refuse(
                    RefusalCode::NotAllowed,
                    format!(
                        "{} may not register mine {mine}: only minesafe or a regulator of one of its offices ({})",
                        who(&ev.actor),
                        offices.join(", ")
                    ),
                ));
            }
            l.mines.insert(
                mine.clone(),
                MineRecord {
                    code: mine.clone(),
                    name: name.clone(),
                    offices: offices.clone(),
                    coal: *coal,
                    underground: *underground,
                    status: *status,
                    history: vec![StatusChange {
                        effective: *since,
                        from: None,
                        to: *status,
                        by: ev.actor.clone(),
                        basis: "registration".to_string(),
                        notes: String::new(),
                    }],
                    licences: Vec::new(),
                    closures: Vec::new(),
                },
            );
            Ok(applied("mine", mine, mine))
        }
        MineCmd::RecordLicence { mine, licence } => {
            require_regulator_or_system(l, &ev.actor, mine, "recording a licence")?;
            required("the licence number", &licence.number)?;
            if licence.valid_from > licence.valid_to {
                return Err(refuse(
                    RefusalCode::Invalid,
                    format!("licence {}: valid from {} is after valid to {}", licence.number, licence.valid_from, licence.valid_to),
                ));
            }
            let rec = l.mines.get_mut(mine).ok_or_else(|| refuse(RefusalCode::Unknown, format!("mine {mine} is not registered")))?;
            if rec.licences.iter().any(|x| x.number == licence.number) {
                return Err(refuse(RefusalCode::Duplicate, format!("mine {mine} already has licence {}", licence.number)));
            }
            rec.licences.push(licence.clone());
            Ok(applied("mine", mine, mine))
        }
        MineCmd::RevokeLicence { mine, number, reason } => {
            require_regulator_or_system(l, &ev.actor, mine, "revoking a licence")?;
            required("the reason for revoking", reason)?;
            let rec = l.mines.get_mut(mine).ok_or_else(|| refuse(RefusalCode::Unknown, format!("mine {mine} is not registered")))?;
            let lic = rec
                .licences
                .iter_mut()
                .find(|x| &x.number == number)
                .ok_or_else(|| refuse(RefusalCode::Unknown, format!("mine {mine} has no licence {number}")))?;
            if let Some(r) = lic.revoked_at {
                return Err(refuse(RefusalCode::WrongState, format!("licence {number} of mine {mine} was revoked already at {r}")));
            }
            lic.revoked_at = Some(ev.at);
            Ok(applied("mine", mine, mine))
        }
        MineCmd::ChangeStatus { mine, to, effective, basis, notes } => change_status(l, ev, mine, *to, *effective, basis, notes),
        MineCmd::ApplyRestart { id, mine, plan, items } => apply_restart(l, ev, id, mine, plan, items),
        MineCmd::AcceptItem { id, item, passed, evidence } => accept_item(l, ev, id, item, *passed, evidence),
        MineCmd::ApproveRestart { id, notes } => approve_restart(l, ev, id, notes),
        MineCmd::RefuseRestart { id, reason } => {
            let app = l.restarts.get(id).ok_or_else(|| refuse(RefusalCode::Unknown, format!("no restart application {id}")))?;
            require_regulator(l, &ev.actor, &app.mine, "refusing a restart")?;
            if ev.actor.id == app.applicant.id {
                return Err(refuse(
                    RefusalCode::SelfApproval,
                    format!("{} applied for restart {id} and may not decide it", who(&ev.actor)),
                )
                .with_rule(STOP_RULE));
            }
            if app.state != RestartState::Applied {
                return Err(refuse(RefusalCode::WrongState, format!("restart {id} was decided already ({:?})", app.state)));
            }
            required("the reason for refusing", reason)?;
            let mine = app.mine.clone();
            if let Some(app) = l.restarts.get_mut(id) {
                app.state = RestartState::Refused;
                app.decided_by = Some(ev.actor.clone());
                app.decided_at = Some(ev.at);
                app.notes = reason.clone();
            }
            Ok(applied("restart", id, &mine))
        }
        MineCmd::ProposeClosure { id, mine, rule, hazards, penalties, to_government } => {
            require_regulator(l, &ev.actor, mine, "proposing closure")?;
            required("the proposal id", id)?;
            if l.mines.values().any(|m| m.closures.iter().any(|c| &c.id == id)) {
                return Err(refuse(RefusalCode::Duplicate, format!("closure proposal {id} is recorded already")));
            }
            if !CLOSURE_RULES.contains(&rule.as_str()) {
                return Err(refuse(
                    RefusalCode::Invalid,
                    format!("\"{rule}\" is not a closure rule; use one of {}", CLOSURE_RULES.join(", ")),
                ));
            }
            required("the government the proposal goes to", to_government)?;
            for h in hazards {
                if l.hazards.get(h).is_none_or(|x| &x.mine != mine) {
                    return Err(refuse(RefusalCode::Unknown, format!("mine {mine} has no hazard {h}")));
                }
            }
            for p in penalties {
                if l.penalties.get(p).is_none_or(|x| &x.mine != mine) {
                    return Err(refuse(RefusalCode::Unknown, format!("mine {mine} has no penalty {p}")));
                }
            }
            if rule != "ENF-CLOSE-1" && hazards.is_empty() {
                return Err(
                    refuse(RefusalCode::Invalid, format!("a proposal under {rule} names the major hazards it rests on")).with_rule(rule)
                );
            }
            if rule == "ENF-HAZ-5" && penalties.is_empty() {
                return Err(refuse(RefusalCode::Invalid, "a proposal under ENF-HAZ-5 names the SPL penalties it rests on").with_rule(rule));
            }
            let rec = l.mines.get_mut(mine).ok_or_else(|| refuse(RefusalCode::Unknown, format!("mine {mine} is not registered")))?;
            rec.closures.push(ClosureRecord {
                id: id.clone(),
                rule: rule.clone(),
                hazards: hazards.clone(),
                penalties: penalties.clone(),
                to_government: to_government.clone(),
                by: ev.actor.clone(),
                at: ev.at,
            });
            Ok(applied("mine", mine, mine))
        }
    }
}

fn change_status(
    l: &mut Ledger,
    ev: &Event,
    mine: &str,
    to: MineStatus,
    effective: Timestamp,
    basis: &str,
    notes: &str,
) -> Result<Applied, Refusal> {
    let rec = l.mines.get(mine).ok_or_else(|| refuse(RefusalCode::Unknown, format!("mine {mine} is not registered")))?;
    let a = &ev.actor;
    let mine_side = a.mine().is_some();
    if !(mine_side || a.is_regulator() || a.role == Role::System) {
        return Err(refuse(RefusalCode::NotAllowed, format!("{} may not decide a mine's status", who(a))));
    }
    l.check_scope(a, mine)?;
    required("the basis of a status decision (order, decision document)", basis)?;
    let from = rec.status;
    match status_move(from, to) {
        StatusMove::Forbidden if from == MineStatus::Closed => {
            return Err(refuse(RefusalCode::WrongState, format!("mine {mine} is closed; a closed mine has no further status")));
        }
        StatusMove::Forbidden if from == to => {
            return Err(refuse(RefusalCode::WrongState, format!("mine {mine} is already {to}")));
        }
        StatusMove::Forbidden => {
            return Err(refuse(RefusalCode::WrongState, format!("mine {mine} cannot move from {from} to {to}")));
        }
        StatusMove::RestartOnly => {
            return Err(refuse(
                RefusalCode::WrongState,
                format!(
                    "mine {mine} is stopped by order: a restart needs an application accepted item by item and approved by an office head (restart_apply, accept_item, approve_restart), not a status change to {to}"
                ),
            )
            .with_rule(STOP_RULE));
        }
        StatusMove::Regulator if mine_side => {
            return Err(refuse(
                RefusalCode::NotAllowed,
                format!("moving mine {mine} from {from} to {to} is a regulator's decision, not {}", who(a)),
            ));
        }
        StatusMove::Regulator | StatusMove::MineOrRegulator => {}
    }
    if let Some(last) = rec.history.iter().map(|c| c.effective).max() {
        if effective < last {
            return Err(refuse(
                RefusalCode::Invalid,
                format!("mine {mine}: a status decision effective {effective} would precede the one in force since {last}"),
            ));
        }
    }
    push_status(l, mine, to, effective, a, basis, notes);
    Ok(applied("mine", mine, mine))
}

fn apply_restart(l: &mut Ledger, ev: &Event, id: &str, mine: &str, plan: &str, items: &[String]) -> Result<Applied, Refusal> {
    required("the application id", id)?;
    if l.restarts.contains_key(id) {
        return Err(refuse(RefusalCode::Duplicate, format!("restart application {id} exists already")));
    }
    let rec = l.mines.get(mine).ok_or_else(|| refuse(RefusalCode::Unknown, format!("mine {mine} is not registered")))?;
    if ev.actor.mine() != Some(mine) {
        return Err(refuse(
            RefusalCode::NotAllowed,
            format!("a restart application for mine {mine} comes from the mine's own staff or principal, not {}", who(&ev.actor)),
        )
        .with_rule(STOP_RULE));
    }
    if rec.status != MineStatus::StoppedByOrder {
        return Err(refuse(
            RefusalCode::WrongState,
            format!("mine {mine} is {}, not stopped by order: there is no restart to apply for", rec.status),
        )
        .with_rule(STOP_RULE));
    }
    if let Some(open) = l.restarts.values().find(|r| r.mine == mine && r.state == RestartState::Applied) {
        return Err(refuse(RefusalCode::WrongState, format!("restart application {} of mine {mine} is still pending", open.id))
            .with_rule(STOP_RULE));
    }
    required("the rectification plan", plan)?;
    if items.is_empty() {
        return Err(refuse(RefusalCode::Invalid, "a restart application lists the acceptance items to check").with_rule(STOP_RULE));
    }
    let mut seen = BTreeSet::new();
    for it in items {
        required("every acceptance item's name", it)?;
        if !seen.insert(it.trim()) {
            return Err(refuse(RefusalCode::Invalid, format!("acceptance item \"{it}\" is listed twice")));
        }
    }
    l.restarts.insert(
        id.to_string(),
        RestartApplication {
            id: id.to_string(),
            mine: mine.to_string(),
            applied_at: ev.at,
            applicant: ev.actor.clone(),
            plan: plan.to_string(),
            items: items
                .iter()
                .map(|n| AcceptanceItem { name: n.trim().to_string(), passed: None, evidence: String::new(), by: None, at: None })
                .collect(),
            state: RestartState::Applied,
            decided_by: None,
            decided_at: None,
            notes: String::new(),
        },
    );
    Ok(applied("restart", id, mine))
}

fn accept_item(l: &mut Ledger, ev: &Event, id: &str, item: &str, passed: bool, evidence: &str) -> Result<Applied, Refusal> {
    let app = l.restarts.get(id).ok_or_else(|| refuse(RefusalCode::Unknown, format!("no restart application {id}")))?;
    require_regulator(l, &ev.actor, &app.mine, "checking a restart acceptance item")?;
    if ev.actor.id == app.applicant.id {
        return Err(refuse(RefusalCode::SelfApproval, format!("{} applied for restart {id} and may not check its items", who(&ev.actor)))
            .with_rule(STOP_RULE));
    }
    if app.state != RestartState::Applied {
        return Err(refuse(RefusalCode::WrongState, format!("restart {id} was decided already ({:?}); its items are closed", app.state)));
    }
    let Some(idx) = app.items.iter().position(|x| x.name == item.trim()) else {
        let names: Vec<&str> = app.items.iter().map(|x| x.name.as_str()).collect();
        return Err(refuse(RefusalCode::Unknown, format!("restart {id} has no item \"{item}\"; its items: {}", names.join(", "))));
    };
    required("the evidence of the check", evidence)?;
    let mine = app.mine.clone();
    if let Some(it) = l.restarts.get_mut(id).and_then(|a| a.items.get_mut(idx)) {
        it.passed = Some(passed);
        it.evidence = evidence.to_string();
        it.by = Some(ev.actor.clone());
        it.at = Some(ev.at);
    }
    Ok(applied("restart", id, &mine))
}

/// Major hazards of the mine still open (everything but signed off and withdrawn),
/// confirmed or not: a restart waits for all of them (HM-6.2-R1).
pub fn open_major_hazards<'a>(l: &'a Ledger, mine: &str) -> Vec<&'a Hazard> {
    l.hazards.values().filter(|h| h.mine == mine && h.state.is_open()).collect()
}

fn approve_restart(l: &mut Ledger, ev: &Event, id: &str, notes: &str) -> Result<Applied, Refusal> {
    let app = l.restarts.get(id).ok_or_else(|| refuse(RefusalCode::Unknown, format!("no restart application {id}")))?;
    let mine = app.mine.clone();
    mine_exists(l, &mine)?;
    if !matches!(ev.actor.role, Role::RegulatorHead { .. }) {
        return Err(refuse(
            RefusalCode::NotAllowed,
            format!("restart {id} is approved by the head of a regulator office (部门负责人), not {}", who(&ev.actor)),
        )
        .with_rule(STOP_RULE));
    }
    l.check_scope(&ev.actor, &mine)?;
    if ev.actor.id == app.applicant.id {
        return Err(refuse(RefusalCode::SelfApproval, format!("{} applied for restart {id} and may not approve it", who(&ev.actor)))
            .with_rule(STOP_RULE));
    }
    if app.state != RestartState::Applied {
        return Err(refuse(RefusalCode::WrongState, format!("restart {id} was decided already ({:?})", app.state)));
    }
    let status = l.mines.get(&mine).map(|m| m.status);
    if status != Some(MineStatus::StoppedByOrder) {
        return Err(refuse(RefusalCode::WrongState, format!("mine {mine} is no longer stopped by order; restart {id} cannot be approved"))
            .with_rule(STOP_RULE));
    }
    let pending: Vec<&str> = app.items.iter().filter(|x| x.passed.is_none()).map(|x| x.name.as_str()).collect();
    let failed: Vec<&str> = app.items.iter().filter(|x| x.passed == Some(false)).map(|x| x.name.as_str()).collect();
    if !pending.is_empty() || !failed.is_empty() {
        let mut parts = Vec::new();
        if !pending.is_empty() {
            parts.push(format!("not yet checked: {}", pending.join(", ")));
        }
        if !failed.is_empty() {
            parts.push(format!("failed: {}", failed.join(", ")));
        }
        return Err(refuse(
            RefusalCode::AcceptanceIncomplete,
            format!("restart {id} of mine {mine} cannot be approved until every acceptance item has passed; {}", parts.join("; ")),
        )
        .with_rule(STOP_RULE));
    }
    let open = open_major_hazards(l, &mine);
    if !open.is_empty() {
        let list: Vec<String> =
            open.iter().map(|h| format!("{} ({}, {:?}, found {})", h.id, h.kind, h.state, h.found_at.upload_format())).collect();
        return Err(refuse(
            RefusalCode::OpenMajorHazard,
            format!(
                "restart {id} of mine {mine} refused: major hazards still open: {}; a restart is refused while any major hazard remains (HM-6.2-R1)",
                list.join("; ")
            ),
        )
        .with_rule(GATE_RULE));
    }
    if let Some(app) = l.restarts.get_mut(id) {
        app.state = RestartState::Approved;
        app.decided_by = Some(ev.actor.clone());
        app.decided_at = Some(ev.at);
        app.notes = notes.to_string();
    }
    push_status(l, &mine, MineStatus::Producing, ev.at, &ev.actor, id, notes);
    Ok(applied("restart", id, &mine))
}

fn push_status(l: &mut Ledger, mine: &str, to: MineStatus, effective: Timestamp, by: &Actor, basis: &str, notes: &str) {
    if let Some(rec) = l.mines.get_mut(mine) {
        rec.history.push(StatusChange {
            effective,
            from: Some(rec.status),
            to,
            by: by.clone(),
            basis: basis.to_string(),
            notes: notes.to_string(),
        });
        rec.status = to;
    }
}

/// Puts a hazard record straight into the ledger, bypassing `hazard::apply`: for
/// tests of the gates that need hazards in a given state. Not part of the API.
#[doc(hidden)]
pub fn put_hazard_for_tests(l: &mut Ledger, h: Hazard) {
    l.hazards.insert(h.id.clone(), h);
}

/// Records a status change decided elsewhere in the ledger (a stop-production
/// order, an approved restart). The caller has checked scope and state.
pub(crate) fn record_status(l: &mut Ledger, mine: &str, to: MineStatus, effective: Timestamp, by: &Actor, basis: &str) {
    push_status(l, mine, to, effective, by, basis, "");
}

/// The mine's status at `t`, from its recorded decisions.
pub fn status_at(rec: &MineRecord, t: Timestamp) -> Option<MineStatus> {
    rec.history.iter().filter(|c| c.effective <= t).max_by_key(|c| c.effective).map(|c| c.to)
}

/// A closure proposal the ledger calls for, with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub mine: String,
    /// `ENF-HAZ-4` (2 confirmed findings in 3 months while producing), `ENF-HAZ-5`
    /// (SPL Art. 113(1)) or `ENF-CLOSE-1` (producing without a valid licence).
    pub rule: String,
    /// When the condition was met.
    pub at: Timestamp,
    pub hazards: Vec<String>,
    pub penalties: Vec<String>,
    pub finding: Finding,
}

/// Whole Beijing calendar days from `a` to `b` (Beijing has no daylight saving).
fn days_between(a: Date, b: Date) -> i64 {
    (b.start().0 - a.start().0).div_euclid(86_400)
}

fn ledger_evidence(detail: String, time: Timestamp) -> Evidence {
    Evidence { file: "ledger".to_string(), detail: Some(detail), time: Some(time), ..Default::default() }
}

fn check_text(source: &HazardSource) -> String {
    match source {
        HazardSource::Engine { finding } => format!("engine finding {finding}"),
        HazardSource::Inspection { inspection } => format!("inspection {inspection}"),
        HazardSource::SelfCheck { self_check } => format!("self-check {self_check}"),
    }
}

/// A finding for a ledger rule, with its legal hooks as tags.
fn ledger_finding(
    rule: &str,
    mine: &str,
    start: Timestamp,
    end: Option<Timestamp>,
    key: &str,
    title: String,
    ev: Vec<Evidence>,
) -> Finding {
    let mut f = minesafe_rules::catalog::finding(rule, mine, start, end, None, title, ev);
    f.id = Finding::stable_id(rule, mine, key, start);
    f.tags.extend(minesafe_rules::tables::tables().hooks(rule, start).map(|h| format!("hook:{h}")));
    f
}

/// Every closure proposal (提请关闭) the records call for up to `now`, oldest first.
///
/// Semantics, as implemented (defaults from [`crate::LedgerConfig`]):
///
/// - **ENF-HAZ-4** (R774 Art. 70(2), HM-3.3-R1). An *occasion* is one check — an
///   observation's [`HazardSource::check_key`] — that found a confirmed major hazard
///   of the mine: the observation is `confirmed`, its `at <= now`, and the hazard is
///   not withdrawn. One check finding several hazards is one occasion (at its
///   earliest observation); the same hazard found by a separate check, or found
///   again after its sign-off (a new hazard record, new check), is a new occasion.
///   Only occasions at which the mine was producing ([`status_at`] is `Producing`)
///   count. Taking the counting occasions in time order, an occasion *completes* a
///   cluster when it and the earlier occasions whose window still contains it number
///   at least `closure_min_findings`; a window runs `closure_window_months` calendar
///   months from the earlier occasion's Beijing day, end day included
///   ([`Date::window_end`]: from 2026-01-31 a second occasion on 2026-04-30 counts,
///   on 2026-05-01 it does not). One proposal per completing occasion, except that
///   an occasion inside the window of a cluster that already produced a proposal
///   produces none (no duplicates for the same cluster). `at` is the completing
///   occasion; `hazards` every hazard found at the cluster's occasions.
/// - **ENF-HAZ-5** (SPL Art. 113(1)). Looked at each SPL penalty on the enterprise
///   (`law == "SPL"`, [`PenaltyTarget::Enterprise`]) of the mine, at its
///   `decided_at = t <= now`: the mine has a major hazard open at `t` — not withdrawn,
///   found at or before `t`, with a confirmed observation at or before `t`, and open
///   at `t` by its decisions (the `to` state of its last decision at or before `t`;
///   a hazard without decisions is judged by its current state) — and its enterprise
///   SPL penalties decided in the `spl113_short_days` days ending on `t`'s day
///   (at most that many whole days before it; by default 180 days before counts,
///   181 does not) number at least `spl113_short_penalties`, or those in the 365
///   days ending on `t`'s day (365 counts, 366 does not) at least
///   `spl113_year_penalties`. `penalties` are the ones counted (the short window's
///   when it is met, else the year's); `hazards` the ones open at `t`. A penalty
///   supports one proposal only: the next proposal for the mine must reach the
///   count with penalties not counted before.
/// - **ENF-CLOSE-1** (R774 Art. 70(1)). A period in which the mine's status is
///   `Producing` while it holds no valid [`LicenceKind::SafetyProduction`] or no
///   valid [`LicenceKind::MiningRight`] licence (valid at `t`: `valid_from <= t <=
///   valid_to` and not revoked by `t`). One proposal per such period starting at or
///   before `now`; `at` is the period's start; the finding's `end` is the first
///   instant it was over, when before `now`.
///
/// Each proposal carries a finding from the catalog (`CLOSE-PROP`) whose evidence
/// names every hazard, observation, penalty, status decision and licence it rests on.
pub fn closure_proposals(l: &Ledger, now: Timestamp) -> Vec<Proposal> {
    let mut out = Vec::new();
    for rec in l.mines.values() {
        repeated_findings(l, rec, now, &mut out);
        spl_113(l, rec, now, &mut out);
        unlicensed_production(rec, now, &mut out);
    }
    out.sort_by(|a, b| (a.at, &a.mine, &a.rule).cmp(&(b.at, &b.mine, &b.rule)));
    out
}

/// One check that found confirmed major hazards of a mine.
struct Occasion<'a> {
    at: Timestamp,
    check: String,
    source: &'a HazardSource,
    hazards: Vec<&'a Hazard>,
}

fn occasions<'a>(l: &'a Ledger, mine: &str, now: Timestamp) -> Vec<Occasion<'a>> {
    let mut by_check: BTreeMap<String, Occasion<'a>> = BTreeMap::new();
    for h in l.hazards.values().filter(|h| h.mine == mine && h.state != HazardState::Withdrawn) {
        for o in h.observations.iter().filter(|o| o.confirmed && o.at <= now) {
            let key = o.source.check_key();
            let occ =
                by_check.entry(key.clone()).or_insert_with(|| Occasion { at: o.at, check: key, source: &o.source, hazards: Vec::new() });
            occ.at = occ.at.min(o.at);
            if !occ.hazards.iter().any(|x| x.id == h.id) {
                occ.hazards.push(h);
            }
        }
    }
    let mut v: Vec<Occasion<'a>> = by_check.into_values().collect();
    v.sort_by(|a, b| (a.at, &a.check).cmp(&(b.at, &b.check)));
    v
}

fn repeated_findings(l: &Ledger, rec: &MineRecord, now: Timestamp, out: &mut Vec<Proposal>) {
    let rule = "ENF-HAZ-4";
    let months = l.config.closure_window_months;
    let min = l.config.closure_min_findings.max(1);
    let occ: Vec<Occasion> =
        occasions(l, &rec.code, now).into_iter().filter(|o| status_at(rec, o.at) == Some(MineStatus::Producing)).collect();
    let mut covered_until: Option<Date> = None;
    for j in 0..occ.len() {
        let dj = Date::of(occ[j].at);
        if covered_until.is_some_and(|end| dj <= end) {
            continue;
        }
        let first = (0..=j).find(|&i| dj <= Date::of(occ[i].at).window_end(months)).unwrap_or(j);
        if j + 1 - first < min {
            continue;
        }
        let cluster = &occ[first..=j];
        let window_end = Date::of(occ[first].at).window_end(months);
        covered_until = Some(window_end);
        let mut hazards: Vec<String> = Vec::new();
        let mut evidence = Vec::new();
        for o in cluster {
            for h in &o.hazards {
                if !hazards.contains(&h.id) {
                    hazards.push(h.id.clone());
                }
                evidence.push(ledger_evidence(
                    format!(
                        "major hazard {} ({}: {} at {}) found {} by {}, confirmed; mine {} producing",
                        h.id,
                        h.kind,
                        h.description,
                        h.place,
                        o.at.upload_format(),
                        check_text(o.source),
                        rec.code
                    ),
                    o.at,
                ));
            }
        }
        let at = occ[j].at;
        let title = format!(
            "Mine {} ({}): confirmed major hazards found on {} separate checks within {} months ({} – {}) while it kept producing ({}): propose closure to the local government (R774 Art. 70(2))",
            rec.code,
            rec.name,
            cluster.len(),
            months,
            Date::of(occ[first].at),
            window_end,
            hazards.join(", "),
        );
        let finding = ledger_finding(rule, &rec.code, at, None, &occ[j].check, title, evidence);
        out.push(Proposal { mine: rec.code.clone(), rule: rule.to_string(), at, hazards, penalties: Vec::new(), finding });
    }
}

/// The hazard's state at `t`, from its decisions (each records the state it led to).
fn hazard_state_at(h: &Hazard, t: Timestamp) -> HazardState {
    match (h.decisions.first(), h.decisions.iter().rev().find(|d| d.at <= t)) {
        (None, _) => h.state,
        (_, Some(d)) => d.to,
        (Some(d), None) => d.from,
    }
}

fn spl_113(l: &Ledger, rec: &MineRecord, now: Timestamp, out: &mut Vec<Proposal>) {
    let rule = "ENF-HAZ-5";
    let c = &l.config;
    let mut pens: Vec<&Penalty> = l
        .penalties
        .values()
        .filter(|p| p.mine == rec.code && p.target == PenaltyTarget::Enterprise && p.law.trim() == "SPL" && p.decided_at <= now)
        .collect();
    pens.sort_by(|a, b| (a.decided_at, &a.id).cmp(&(b.decided_at, &b.id)));
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for (idx, p) in pens.iter().enumerate() {
        let t = p.decided_at;
        let day = Date::of(t);
        let open: Vec<&Hazard> = l
            .hazards
            .values()
            .filter(|h| {
                h.mine == rec.code
                    && h.state != HazardState::Withdrawn
                    && h.found_at <= t
                    && h.observations.iter().any(|o| o.confirmed && o.at <= t)
                    && hazard_state_at(h, t).is_open()
            })
            .collect();
        if open.is_empty() {
            continue;
        }
        let within = |days: i64| -> Vec<&Penalty> {
            pens[..=idx]
                .iter()
                .filter(|q| !used.contains(q.id.as_str()) && days_between(Date::of(q.decided_at), day) <= days)
                .copied()
                .collect()
        };
        let short = within(c.spl113_short_days);
        let year = within(365);
        let (counted, span) = if short.len() >= c.spl113_short_penalties.max(1) {
            (short, c.spl113_short_days)
        } else if year.len() >= c.spl113_year_penalties.max(1) {
            (year, 365)
        } else {
            continue;
        };
        let mut evidence: Vec<Evidence> = open
            .iter()
            .map(|h| {
                ledger_evidence(
                    format!(
                        "major hazard {} ({}: {} at {}) found {}, confirmed and still open at penalty {}",
                        h.id,
                        h.kind,
                        h.description,
                        h.place,
                        h.found_at.upload_format(),
                        p.id
                    ),
                    h.found_at,
                )
            })
            .collect();
        evidence.extend(counted.iter().map(|q| {
            ledger_evidence(
                format!(
                    "SPL penalty {} on the enterprise decided {} by {}: {} ({}), basis {}",
                    q.id,
                    q.decided_at.upload_format(),
                    q.decided_by.name,
                    q.consequence,
                    q.amount_cny,
                    q.basis
                ),
                q.decided_at,
            )
        }));
        let hazards: Vec<String> = open.iter().map(|h| h.id.clone()).collect();
        let penalties: Vec<String> = counted.iter().map(|q| q.id.clone()).collect();
        used.extend(counted.iter().map(|q| q.id.as_str()));
        let title = format!(
            "Mine {} ({}): a major hazard open ({}) and {} penalties under the Work Safety Law within {} days ({}): propose closure (SPL Art. 113(1))",
            rec.code,
            rec.name,
            hazards.join(", "),
            penalties.len(),
            span,
            penalties.join(", ")
        );
        let finding = ledger_finding(rule, &rec.code, t, None, &p.id, title, evidence);
        out.push(Proposal { mine: rec.code.clone(), rule: rule.to_string(), at: t, hazards, penalties, finding });
    }
}

/// Licence kinds without a valid licence at `t`, among those a producing mine needs.
fn missing_licences(rec: &MineRecord, t: Timestamp) -> Vec<LicenceKind> {
    [LicenceKind::SafetyProduction, LicenceKind::MiningRight]
        .into_iter()
        .filter(|k| !rec.licences.iter().any(|x| x.kind == *k && x.valid_at(t)))
        .collect()
}

fn unlicensed_production(rec: &MineRecord, now: Timestamp, out: &mut Vec<Proposal>) {
    let rule = "ENF-CLOSE-1";
    // The condition can only change at a status decision or a licence boundary.
    let mut marks: Vec<Timestamp> = rec.history.iter().map(|c| c.effective).collect();
    for x in &rec.licences {
        marks.push(x.valid_from);
        marks.push(x.valid_to.plus_secs(1));
        marks.extend(x.revoked_at);
    }
    marks.retain(|t| *t <= now);
    marks.sort();
    marks.dedup();
    let violating = |t: Timestamp| status_at(rec, t) == Some(MineStatus::Producing) && !missing_licences(rec, t).is_empty();
    let mut start: Option<Timestamp> = None;
    let mut periods = Vec::new();
    for &m in &marks {
        match (start, violating(m)) {
            (None, true) => start = Some(m),
            (Some(s), false) => {
                periods.push((s, Some(m)));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        periods.push((s, None));
    }
    for (s, end) in periods {
        let missing = missing_licences(rec, s);
        let mut evidence = Vec::new();
        if let Some(c) = rec.history.iter().filter(|c| c.effective <= s && c.to == MineStatus::Producing).max_by_key(|c| c.effective) {
            evidence.push(ledger_evidence(
                format!("mine {} producing since {} by decision {} of {}", rec.code, c.effective.upload_format(), c.basis, c.by.name),
                c.effective,
            ));
        }
        for k in &missing {
            let last = rec.licences.iter().filter(|x| x.kind == *k && x.valid_from <= s).max_by_key(|x| x.valid_to);
            let detail = match last {
                Some(x) => match x.revoked_at.filter(|r| *r <= s) {
                    Some(r) => format!("{} {} revoked {}", k.label(), x.number, r.upload_format()),
                    None => format!(
                        "{} {} valid {} – {}, expired",
                        k.label(),
                        x.number,
                        x.valid_from.upload_format(),
                        x.valid_to.upload_format()
                    ),
                },
                None => format!("no {} valid on {} recorded for mine {}", k.label(), s.upload_format(), rec.code),
            };
            evidence.push(ledger_evidence(detail, s));
        }
        let names: Vec<&str> = missing.iter().map(|k| k.label()).collect();
        let title = format!(
            "Mine {} ({}) produced from {} without a valid {}: propose closure to the local government (R774 Art. 70(1))",
            rec.code,
            rec.name,
            s.upload_format(),
            names.join(" or ")
        );
        let finding = ledger_finding(rule, &rec.code, s, end, "", title, evidence);
        out.push(Proposal { mine: rec.code.clone(), rule: rule.to_string(), at: s, hazards: Vec::new(), penalties: Vec::new(), finding });
    }
}

/// HM-3.3-R3 warnings for licences expiring within `licence_warning_days` of `now`.
///
/// A licence warns when its mine is not closed, it is valid at `now` and its last
/// day of validity (Beijing) is at most `licence_warning_days` days after today's
/// (90 days ahead warns, 91 does not) — unless another
/// licence of the same kind, not revoked, takes over: it starts no later than one
/// second after this one ends and ends later. The finding's id is stable across
/// runs: it rests on the licence number and its expiry, not on `now`.
pub fn licence_warnings(l: &Ledger, now: Timestamp) -> Vec<Finding> {
    let rule = "HM-3.3-R3";
    let today = Date::of(now);
    let mut out = Vec::new();
    for rec in l.mines.values().filter(|m| m.status != MineStatus::Closed) {
        for x in
            rec.licences.iter().filter(|x| x.valid_at(now) && days_between(today, Date::of(x.valid_to)) <= l.config.licence_warning_days)
        {
            let successor = rec.licences.iter().find(|y| {
                y.number != x.number
                    && y.kind == x.kind
                    && y.revoked_at.is_none()
                    && y.valid_from <= x.valid_to.plus_secs(1)
                    && y.valid_to > x.valid_to
            });
            if successor.is_some() {
                continue;
            }
            let days_left = days_between(today, Date::of(x.valid_to));
            let title = format!(
                "Mine {} ({}): {} {} expires {} ({} days from now) and no renewal is recorded; producing after it would call for closure (HM-3.3-R1)",
                rec.code,
                rec.name,
                x.kind.label(),
                x.number,
                x.valid_to.upload_format(),
                days_left
            );
            let evidence = vec![ledger_evidence(
                format!("{} {} valid {} – {}", x.kind.label(), x.number, x.valid_from.upload_format(), x.valid_to.upload_format()),
                x.valid_to,
            )];
            out.push(ledger_finding(rule, &rec.code, x.valid_to, None, &x.number, title, evidence));
        }
    }
    out.sort_by(|a, b| (a.start, &a.mine, &a.id).cmp(&(b.start, &b.mine, &b.id)));
    out
}

/// Restart applications still undecided after `restart_acceptance_days` (ENF-STOP-2:
/// the regulator completes acceptance within 20 days of the application): the
/// deadline is the end of the Beijing day that many days after the application day,
/// and an application is due once `now` is past it. Oldest first.
pub fn mines_due_for_restart_acceptance(l: &Ledger, now: Timestamp) -> Vec<&RestartApplication> {
    let mut v: Vec<&RestartApplication> = l
        .restarts
        .values()
        .filter(|r| r.state == RestartState::Applied && now > Date::of(r.applied_at).plus_days(l.config.restart_acceptance_days).end())
        .collect();
    v.sort_by(|a, b| (a.applied_at, &a.id).cmp(&(b.applied_at, &b.id)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::{Decision, Observation};
    use crate::inspection::Penalty;
    use crate::ledger::{Command, LedgerConfig};
    use minesafe_model::Severity;

    const MINE: &str = "140100000001";
    const OFFICE: &str = "county-A";

    /// Beijing time; a bare date means 10:00 that day.
    fn t(s: &str) -> Timestamp {
        let full = if s.len() == 10 { format!("{s} 10:00:00") } else { s.to_string() };
        Timestamp::parse_beijing(&full).unwrap()
    }

    fn inspector(id: &str) -> Actor {
        Actor::new(id, &format!("inspector {id}"), Role::Inspector { office: OFFICE.into() })
    }

    fn head(id: &str) -> Actor {
        Actor::new(id, &format!("head {id}"), Role::RegulatorHead { office: OFFICE.into() })
    }

    fn staff(id: &str) -> Actor {
        Actor::new(id, &format!("staff {id}"), Role::MineStaff { mine: MINE.into() })
    }

    fn run(l: &mut Ledger, at: &str, actor: &Actor, cmd: MineCmd) -> Result<Applied, Refusal> {
        l.apply(&Event { at: t(at), actor: actor.clone(), command: Command::Mine(cmd) })
    }

    fn register(l: &mut Ledger, status: MineStatus, since: &str) {
        run(
            l,
            since,
            &Actor::system(),
            MineCmd::Register {
                mine: MINE.into(),
                name: "晋源煤矿".into(),
                offices: vec![OFFICE.into()],
                coal: true,
                underground: true,
                status,
                since: t(since),
            },
        )
        .unwrap();
    }

    fn producing_mine() -> Ledger {
        let mut l = Ledger::new(LedgerConfig::default());
        register(&mut l, MineStatus::Producing, "2025-01-01");
        l
    }

    fn inspection(id: &str) -> HazardSource {
        HazardSource::Inspection { inspection: id.into() }
    }

    fn hazard(id: &str, found: &str, source: HazardSource, confirmed: bool) -> Hazard {
        Hazard {
            id: id.into(),
            mine: MINE.into(),
            place: "1201综采工作面".into(),
            system: Some("ventilation".into()),
            kind: "CM-5.1".into(),
            description: "通风系统不完善".into(),
            found_at: t(found),
            evidence_since: t(found),
            source: source.clone(),
            evidence: Vec::new(),
            opened_by: inspector("I1"),
            state: HazardState::Found,
            observations: vec![Observation { at: t(found), source, confirmed }],
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

    fn put(l: &mut Ledger, h: Hazard) {
        put_hazard_for_tests(l, h);
    }

    /// A confirmed hazard found by its own inspection.
    fn found(l: &mut Ledger, id: &str, at: &str) {
        put(l, hazard(id, at, inspection(&format!("IN-{id}")), true));
    }

    fn signed_off(mut h: Hazard, at: &str) -> Hazard {
        h.decisions.push(Decision {
            action: "sign_off".into(),
            by: head("H1"),
            at: t(at),
            notes: String::new(),
            from: HazardState::Verified,
            to: HazardState::SignedOff,
            snapshot: serde_json::Value::Null,
        });
        h.state = HazardState::SignedOff;
        h
    }

    fn haz4(l: &Ledger, now: &str) -> Vec<Proposal> {
        closure_proposals(l, t(now)).into_iter().filter(|p| p.rule == "ENF-HAZ-4").collect()
    }

    fn haz5(l: &Ledger, now: &str) -> Vec<Proposal> {
        closure_proposals(l, t(now)).into_iter().filter(|p| p.rule == "ENF-HAZ-5").collect()
    }

    fn close1(l: &Ledger, now: &str) -> Vec<Proposal> {
        closure_proposals(l, t(now)).into_iter().filter(|p| p.rule == "ENF-CLOSE-1").collect()
    }

    fn penalty(l: &mut Ledger, id: &str, at: &str) {
        l.penalties.insert(
            id.into(),
            Penalty {
                id: id.into(),
                mine: MINE.into(),
                inspection: None,
                target: PenaltyTarget::Enterprise,
                amount_cny: 50_000,
                consequence: "FINE[≤5万]".into(),
                basis: "ENF-HAZ-7".into(),
                law: "SPL".into(),
                decided_at: t(at),
                decided_by: inspector("I1"),
            },
        );
    }

    fn licence(kind: LicenceKind, number: &str, from: &str, to: &str) -> Licence {
        Licence { kind, number: number.into(), valid_from: t(from), valid_to: t(to), revoked_at: None }
    }

    fn record_licence(l: &mut Ledger, lic: Licence) {
        run(l, "2025-01-01", &Actor::system(), MineCmd::RecordLicence { mine: MINE.into(), licence: lic }).unwrap();
    }

    // ---- ENF-HAZ-4 ---------------------------------------------------------

    #[test]
    fn two_confirmed_findings_within_three_months_propose_closure() {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-01-31");
        assert!(haz4(&l, "2026-12-31").is_empty(), "one finding is not a repeat");
        found(&mut l, "HZ-2", "2026-03-10");
        // Not yet at the time of the first finding.
        assert!(haz4(&l, "2026-03-09").is_empty());
        let ps = haz4(&l, "2026-12-31");
        assert_eq!(ps.len(), 1);
        let p = &ps[0];
        assert_eq!(p.mine, MINE);
        assert_eq!(p.at, t("2026-03-10"));
        assert_eq!(p.hazards, ["HZ-1", "HZ-2"]);
        assert!(p.penalties.is_empty());
        let f = &p.finding;
        assert_eq!(f.rule, "ENF-HAZ-4");
        assert_eq!(f.severity, Severity::Illegal);
        assert_eq!(f.consequence, ["CLOSE-PROP"]);
        assert_eq!(f.start, t("2026-03-10"));
        assert!(f.title.contains("2026-01-31 – 2026-04-30"), "{}", f.title);
        assert!(f.title.contains("HZ-1, HZ-2"), "{}", f.title);
        assert_eq!(f.evidence.len(), 2);
        assert!(f.evidence.iter().all(|e| e.file == "ledger"));
        let details: Vec<&str> = f.evidence.iter().filter_map(|e| e.detail.as_deref()).collect();
        assert!(details[0].contains("HZ-1") && details[0].contains("inspection IN-HZ-1"), "{details:?}");
        assert!(details[1].contains("HZ-2") && details[1].contains("2026-03-10"), "{details:?}");
        assert_eq!(f.evidence[1].time, Some(t("2026-03-10")));
        // Stable: same records, same id.
        assert_eq!(haz4(&l, "2027-01-01")[0].finding.id, f.id);
    }

    fn window_case(first: &str, second: &str) -> usize {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", first);
        found(&mut l, "HZ-2", second);
        haz4(&l, "2027-12-31").len()
    }

    #[test]
    fn window_from_january_31_ends_april_30() {
        assert_eq!(window_case("2026-01-31", "2026-04-30 23:59:59"), 1);
        assert_eq!(window_case("2026-01-31", "2026-05-01 00:00:00"), 0);
    }

    #[test]
    fn window_from_november_30_ends_february_28() {
        assert_eq!(window_case("2025-11-30", "2026-02-28"), 1);
        assert_eq!(window_case("2025-11-30", "2026-03-01"), 0);
    }

    #[test]
    fn window_from_mid_month_ends_on_the_same_day_number() {
        assert_eq!(window_case("2026-01-15", "2026-04-15"), 1);
        assert_eq!(window_case("2026-01-15", "2026-04-16"), 0);
    }

    #[test]
    fn one_confirmed_finding_does_not_propose_closure_two_do() {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-02-01");
        assert!(haz4(&l, "2026-12-31").is_empty());
        found(&mut l, "HZ-2", "2026-02-02");
        assert_eq!(haz4(&l, "2026-12-31").len(), 1);
    }

    #[test]
    fn unconfirmed_engine_hazards_do_not_count() {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-02-01");
        put(&mut l, hazard("HZ-2", "2026-02-10", HazardSource::Engine { finding: "f-9".into() }, false));
        put(&mut l, hazard("HZ-3", "2026-02-12", HazardSource::SelfCheck { self_check: "SC-1".into() }, false));
        assert!(haz4(&l, "2026-12-31").is_empty(), "raw engine and self-check findings are not confirmed findings");
        // A regulator confirms the engine finding: it counts, at the time it was found.
        l.hazards.get_mut("HZ-2").unwrap().observations[0].confirmed = true;
        let ps = haz4(&l, "2026-12-31");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].at, t("2026-02-10"));
        assert_eq!(ps[0].hazards, ["HZ-1", "HZ-2"]);
    }

    #[test]
    fn withdrawn_hazards_do_not_count() {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-02-01");
        let mut h = hazard("HZ-2", "2026-02-10", inspection("IN-2"), true);
        h.state = HazardState::Withdrawn;
        put(&mut l, h);
        assert!(haz4(&l, "2026-12-31").is_empty());
    }

    #[test]
    fn same_check_finding_two_hazards_counts_once() {
        let mut l = producing_mine();
        put(&mut l, hazard("HZ-1", "2026-02-01 09:00:00", inspection("IN-1"), true));
        put(&mut l, hazard("HZ-2", "2026-02-01 11:00:00", inspection("IN-1"), true));
        assert!(haz4(&l, "2026-12-31").is_empty(), "one inspection is one occasion");
        // The same hazard found again by a separate check is a second occasion.
        l.hazards.get_mut("HZ-1").unwrap().observations.push(Observation {
            at: t("2026-03-01"),
            source: inspection("IN-2"),
            confirmed: true,
        });
        let ps = haz4(&l, "2026-12-31");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].at, t("2026-03-01"));
        assert_eq!(ps[0].hazards, ["HZ-1", "HZ-2"]);
        assert_eq!(ps[0].finding.evidence.len(), 3, "each hazard at each occasion is named");
    }

    #[test]
    fn a_finding_after_sign_off_counts_again() {
        let mut l = producing_mine();
        put(&mut l, signed_off(hazard("HZ-1", "2026-01-10", inspection("IN-1"), true), "2026-01-25"));
        let mut again = hazard("HZ-2", "2026-03-01", inspection("IN-2"), true);
        again.repeat_of = Some("HZ-1".into());
        put(&mut l, again);
        let ps = haz4(&l, "2026-12-31");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].hazards, ["HZ-1", "HZ-2"]);
    }

    #[test]
    fn a_second_finding_while_stopped_by_order_does_not_count() {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-02-01");
        let stop = MineCmd::ChangeStatus {
            mine: MINE.into(),
            to: MineStatus::StoppedByOrder,
            effective: t("2026-02-05"),
            basis: "ORD-1".into(),
            notes: "责令停产整顿".into(),
        };
        run(&mut l, "2026-02-05", &inspector("I1"), stop).unwrap();
        found(&mut l, "HZ-2", "2026-03-01");
        assert!(haz4(&l, "2026-12-31").is_empty());
        // The first occasion before the stop counted; a third while producing again would.
        assert_eq!(status_at(l.mine(MINE).unwrap(), t("2026-02-01")), Some(MineStatus::Producing));
    }

    #[test]
    fn findings_in_construction_do_not_count() {
        let mut l = Ledger::new(LedgerConfig::default());
        register(&mut l, MineStatus::Construction, "2025-01-01");
        found(&mut l, "HZ-1", "2026-02-01");
        found(&mut l, "HZ-2", "2026-02-02");
        assert!(haz4(&l, "2026-12-31").is_empty());
    }

    #[test]
    fn one_cluster_gives_one_proposal_and_a_later_cluster_another() {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-01-31");
        found(&mut l, "HZ-2", "2026-02-15");
        found(&mut l, "HZ-3", "2026-04-30");
        let ps = haz4(&l, "2026-12-31");
        assert_eq!(ps.len(), 1, "the third finding is inside the window that produced a proposal: {ps:?}");
        assert_eq!(ps[0].at, t("2026-02-15"));
        // After the window: a new cluster (HZ-3, HZ-4) and a new proposal.
        found(&mut l, "HZ-4", "2026-06-01");
        let ps = haz4(&l, "2026-12-31");
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[1].at, t("2026-06-01"));
        assert_eq!(ps[1].hazards, ["HZ-3", "HZ-4"]);
        assert_ne!(ps[0].finding.id, ps[1].finding.id);
    }

    #[test]
    fn config_changes_the_count_and_window() {
        let mut l = producing_mine();
        l.config.closure_min_findings = 3;
        found(&mut l, "HZ-1", "2026-01-31");
        found(&mut l, "HZ-2", "2026-02-15");
        assert!(haz4(&l, "2026-12-31").is_empty());
        found(&mut l, "HZ-3", "2026-04-30");
        assert_eq!(haz4(&l, "2026-12-31")[0].hazards, ["HZ-1", "HZ-2", "HZ-3"]);
        l.config.closure_window_months = 2;
        assert!(haz4(&l, "2026-12-31").is_empty());
    }

    // ---- ENF-HAZ-5 ---------------------------------------------------------

    #[test]
    fn spl_113_counts_penalties_in_both_windows() {
        // Three within 180 days.
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-01-05");
        penalty(&mut l, "P-1", "2026-01-10");
        penalty(&mut l, "P-2", "2026-03-10");
        assert!(haz5(&l, "2026-12-31").is_empty());
        penalty(&mut l, "P-3", "2026-05-10");
        let ps = haz5(&l, "2026-12-31");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].at, t("2026-05-10"));
        assert_eq!(ps[0].penalties, ["P-1", "P-2", "P-3"]);
        assert_eq!(ps[0].hazards, ["HZ-1"]);
        assert_eq!(ps[0].finding.rule, "ENF-HAZ-5");
        assert_eq!(ps[0].finding.consequence, ["CLOSE-PROP"]);
        assert!(ps[0].finding.title.contains("180 days"), "{}", ps[0].finding.title);
        assert_eq!(ps[0].finding.evidence.len(), 4);
        assert!(ps[0].finding.evidence.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("P-2"))));

        // Four within a year, never three within 180 days.
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-01-05");
        for (id, at) in [("P-1", "2026-01-10"), ("P-2", "2026-05-01"), ("P-3", "2026-08-20")] {
            penalty(&mut l, id, at);
        }
        assert!(haz5(&l, "2026-12-31").is_empty());
        penalty(&mut l, "P-4", "2026-12-01");
        let ps = haz5(&l, "2026-12-31");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].penalties, ["P-1", "P-2", "P-3", "P-4"]);
        assert!(ps[0].finding.title.contains("365 days"), "{}", ps[0].finding.title);
    }

    fn spl_case(dates: &[&str]) -> Vec<Proposal> {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2025-01-01");
        for (i, d) in dates.iter().enumerate() {
            penalty(&mut l, &format!("P-{}", i + 1), d);
        }
        haz5(&l, "2027-12-31")
    }

    #[test]
    fn spl_113_short_window_is_180_days_not_181() {
        // 2026-01-01 + 180 days = 2026-06-30.
        assert_eq!(spl_case(&["2026-01-01", "2026-03-01", "2026-06-30"]).len(), 1);
        assert_eq!(spl_case(&["2026-01-01", "2026-03-01", "2026-07-01"]).len(), 0);
    }

    #[test]
    fn spl_113_year_window_is_365_days_not_366() {
        // 2026-01-01 + 365 days = 2027-01-01; + 366 = 2027-01-02.
        assert_eq!(spl_case(&["2026-01-01", "2026-04-15", "2026-08-01", "2027-01-01"]).len(), 1);
        assert_eq!(spl_case(&["2026-01-01", "2026-04-15", "2026-08-01", "2027-01-02"]).len(), 0);
    }

    #[test]
    fn spl_113_needs_an_open_confirmed_hazard_at_the_penalty() {
        let dates = [("P-1", "2026-01-10"), ("P-2", "2026-02-10"), ("P-3", "2026-03-10")];
        // No hazard.
        let mut l = producing_mine();
        for (id, at) in dates {
            penalty(&mut l, id, at);
        }
        assert!(haz5(&l, "2026-12-31").is_empty());
        // Signed off before the third penalty: not open then.
        put(&mut l, signed_off(hazard("HZ-1", "2025-12-01", inspection("IN-1"), true), "2026-03-01"));
        assert!(haz5(&l, "2026-12-31").is_empty());
        // Unconfirmed engine hazard: not a confirmed major hazard.
        put(&mut l, hazard("HZ-2", "2026-01-01", HazardSource::Engine { finding: "f-1".into() }, false));
        assert!(haz5(&l, "2026-12-31").is_empty());
        // Found after the penalties: not at the time.
        found(&mut l, "HZ-3", "2026-03-11");
        assert!(haz5(&l, "2026-12-31").is_empty());
        // Confirmed, open on 2026-03-10.
        found(&mut l, "HZ-4", "2026-03-10 09:00:00");
        assert_eq!(haz5(&l, "2026-12-31")[0].hazards, ["HZ-4"]);
    }

    #[test]
    fn spl_113_counts_only_enterprise_penalties_under_spl() {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-01-01");
        penalty(&mut l, "P-1", "2026-01-10");
        penalty(&mut l, "P-2", "2026-02-10");
        penalty(&mut l, "P-3", "2026-03-10");
        l.penalties.get_mut("P-2").unwrap().law = "R774".into();
        l.penalties.get_mut("P-3").unwrap().target = PenaltyTarget::Person { name: "王五".into(), post: "矿长".into() };
        assert!(haz5(&l, "2026-12-31").is_empty());
    }

    #[test]
    fn spl_113_penalties_support_one_proposal_each() {
        let ps = spl_case(&["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06"]);
        assert_eq!(ps.len(), 2, "{ps:?}");
        assert_eq!(ps[0].penalties, ["P-1", "P-2", "P-3"]);
        assert_eq!(ps[1].penalties, ["P-4", "P-5", "P-6"]);
    }

    // ---- ENF-CLOSE-1 -------------------------------------------------------

    #[test]
    fn producing_without_a_valid_licence_proposes_closure() {
        let mut l = producing_mine();
        record_licence(&mut l, licence(LicenceKind::SafetyProduction, "AQ-1", "2024-01-01 00:00:00", "2026-03-31 23:59:59"));
        record_licence(&mut l, licence(LicenceKind::MiningRight, "CK-1", "2020-01-01 00:00:00", "2030-12-31 23:59:59"));
        assert!(close1(&l, "2026-03-31 23:59:59").is_empty());
        let ps = close1(&l, "2026-06-01");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].at, t("2026-04-01 00:00:00"));
        let f = &ps[0].finding;
        assert_eq!(f.rule, "ENF-CLOSE-1");
        assert_eq!(f.consequence, ["CLOSE-PROP"]);
        assert_eq!(f.end, None, "still going on");
        assert!(f.title.contains("safety production licence"), "{}", f.title);
        assert!(f.evidence.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("AQ-1") && d.contains("expired"))));
        // Renewed on 1 May: the period ends there.
        record_licence(&mut l, licence(LicenceKind::SafetyProduction, "AQ-2", "2026-05-01 00:00:00", "2029-04-30 23:59:59"));
        let ps = close1(&l, "2026-06-01");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].finding.end, Some(t("2026-05-01 00:00:00")));
        // The mining licence revoked: a second period, a second proposal.
        run(
            &mut l,
            "2026-07-01",
            &inspector("I1"),
            MineCmd::RevokeLicence { mine: MINE.into(), number: "CK-1".into(), reason: "越界开采".into() },
        )
        .unwrap();
        let ps = close1(&l, "2026-08-01");
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[1].at, t("2026-07-01"));
        assert!(ps[1].finding.evidence.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("CK-1") && d.contains("revoked"))));
    }

    #[test]
    fn not_producing_without_a_licence_is_no_closure_case() {
        let mut l = producing_mine();
        record_licence(&mut l, licence(LicenceKind::SafetyProduction, "AQ-1", "2024-01-01 00:00:00", "2026-03-31 23:59:59"));
        record_licence(&mut l, licence(LicenceKind::MiningRight, "CK-1", "2020-01-01 00:00:00", "2030-12-31 23:59:59"));
        let stop = MineCmd::ChangeStatus {
            mine: MINE.into(),
            to: MineStatus::MaintenanceStop,
            effective: t("2026-03-20"),
            basis: "停产检修通知 2026-3".into(),
            notes: String::new(),
        };
        run(&mut l, "2026-03-20", &staff("S1"), stop).unwrap();
        assert!(close1(&l, "2026-06-01").is_empty());
        // Resuming production without the licence starts a period at the resumption.
        let resume = MineCmd::ChangeStatus {
            mine: MINE.into(),
            to: MineStatus::Producing,
            effective: t("2026-06-10"),
            basis: "复工".into(),
            notes: String::new(),
        };
        run(&mut l, "2026-06-10", &staff("S1"), resume).unwrap();
        let ps = close1(&l, "2026-07-01");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].at, t("2026-06-10"));
    }

    #[test]
    fn a_mine_with_no_licences_recorded_is_unlicensed_from_its_registration() {
        let l = producing_mine();
        let ps = close1(&l, "2025-02-01");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].at, t("2025-01-01"));
        assert_eq!(ps[0].finding.evidence.len(), 3, "the status decision and both missing licences");
    }

    // ---- HM-3.3-R3 ---------------------------------------------------------

    #[test]
    fn licence_expiry_is_warned_ahead_of_time() {
        let mut l = producing_mine();
        record_licence(&mut l, licence(LicenceKind::SafetyProduction, "AQ-1", "2024-01-01 00:00:00", "2026-06-30 23:59:59"));
        record_licence(&mut l, licence(LicenceKind::MiningRight, "CK-1", "2020-01-01 00:00:00", "2030-12-31 23:59:59"));
        // 91 days ahead: no warning yet; 90 days ahead: a warning.
        assert!(licence_warnings(&l, t("2026-03-31 23:59:58")).is_empty());
        let w = licence_warnings(&l, t("2026-04-01 00:00:00"));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].rule, "HM-3.3-R3");
        assert_eq!(w[0].severity, Severity::Warning);
        assert_eq!(w[0].start, t("2026-06-30 23:59:59"));
        assert!(w[0].title.contains("AQ-1") && w[0].title.contains("2026-06-30"), "{}", w[0].title);
        // Stable id whatever the day it is computed.
        assert_eq!(licence_warnings(&l, t("2026-06-01"))[0].id, w[0].id);
        // Expired: no longer a warning (ENF-CLOSE-1 takes over).
        assert!(licence_warnings(&l, t("2026-07-01")).is_empty());
        // A renewal that takes over without a gap silences it.
        record_licence(&mut l, licence(LicenceKind::SafetyProduction, "AQ-2", "2026-07-01 00:00:00", "2029-06-30 23:59:59"));
        assert!(licence_warnings(&l, t("2026-06-01")).is_empty());
    }

    #[test]
    fn renewal_with_a_gap_does_not_silence_the_warning_and_closed_mines_are_not_warned() {
        let mut l = producing_mine();
        record_licence(&mut l, licence(LicenceKind::SafetyProduction, "AQ-1", "2024-01-01 00:00:00", "2026-06-30 23:59:59"));
        record_licence(&mut l, licence(LicenceKind::SafetyProduction, "AQ-2", "2026-07-02 00:00:00", "2029-06-30 23:59:59"));
        assert_eq!(licence_warnings(&l, t("2026-06-01")).len(), 1);
        l.mines.get_mut(MINE).unwrap().status = MineStatus::Closed;
        assert!(licence_warnings(&l, t("2026-06-01")).is_empty());
    }

    // ---- commands ----------------------------------------------------------

    #[test]
    fn register_checks_code_uniqueness_offices_and_actor() {
        let mut l = Ledger::new(LedgerConfig::default());
        let reg = |mine: &str, offices: Vec<String>| MineCmd::Register {
            mine: mine.into(),
            name: "n".into(),
            offices,
            coal: true,
            underground: true,
            status: MineStatus::Producing,
            since: t("2025-01-01"),
        };
        let e = run(&mut l, "2025-01-01", &Actor::system(), reg("14010", vec![OFFICE.into()])).unwrap_err();
        assert_eq!(e.code, RefusalCode::Invalid);
        assert!(e.message.contains("\"14010\""), "{}", e.message);
        let e = run(&mut l, "2025-01-01", &Actor::system(), reg(MINE, vec![])).unwrap_err();
        assert_eq!(e.code, RefusalCode::Invalid);
        let other = Actor::new("X", "x", Role::Inspector { office: "county-B".into() });
        assert_eq!(run(&mut l, "2025-01-01", &other, reg(MINE, vec![OFFICE.into()])).unwrap_err().code, RefusalCode::NotAllowed);
        assert_eq!(run(&mut l, "2025-01-01", &staff("S1"), reg(MINE, vec![OFFICE.into()])).unwrap_err().code, RefusalCode::NotAllowed);
        assert!(l.is_empty());
        let a = run(&mut l, "2025-01-01", &inspector("I1"), reg(MINE, vec![OFFICE.into()])).unwrap();
        assert_eq!(a.record, RecordRef::new("mine", MINE));
        let rec = l.mine(MINE).unwrap();
        assert_eq!(rec.history.len(), 1);
        assert_eq!(rec.history[0].from, None);
        assert_eq!(rec.history[0].to, MineStatus::Producing);
        assert_eq!(run(&mut l, "2025-01-01", &Actor::system(), reg(MINE, vec![OFFICE.into()])).unwrap_err().code, RefusalCode::Duplicate);
    }

    #[test]
    fn licences_are_recorded_and_revoked_by_regulators() {
        let mut l = producing_mine();
        let bad = licence(LicenceKind::SafetyProduction, "AQ-1", "2027-01-01", "2026-01-01");
        let e = run(&mut l, "2025-01-01", &inspector("I1"), MineCmd::RecordLicence { mine: MINE.into(), licence: bad }).unwrap_err();
        assert_eq!(e.code, RefusalCode::Invalid);
        let ok = licence(LicenceKind::SafetyProduction, "AQ-1", "2024-01-01", "2027-01-01");
        let e = run(&mut l, "2025-01-01", &staff("S1"), MineCmd::RecordLicence { mine: MINE.into(), licence: ok.clone() }).unwrap_err();
        assert_eq!(e.code, RefusalCode::NotAllowed);
        run(&mut l, "2025-01-01", &inspector("I1"), MineCmd::RecordLicence { mine: MINE.into(), licence: ok.clone() }).unwrap();
        let e = run(&mut l, "2025-01-01", &inspector("I1"), MineCmd::RecordLicence { mine: MINE.into(), licence: ok }).unwrap_err();
        assert_eq!(e.code, RefusalCode::Duplicate);
        let revoke = |n: &str| MineCmd::RevokeLicence { mine: MINE.into(), number: n.into(), reason: "吊销".into() };
        assert_eq!(run(&mut l, "2025-06-01", &inspector("I1"), revoke("AQ-9")).unwrap_err().code, RefusalCode::Unknown);
        run(&mut l, "2025-06-01", &inspector("I1"), revoke("AQ-1")).unwrap();
        assert_eq!(l.mine(MINE).unwrap().licences[0].revoked_at, Some(t("2025-06-01")));
        assert_eq!(run(&mut l, "2025-06-02", &inspector("I1"), revoke("AQ-1")).unwrap_err().code, RefusalCode::WrongState);
    }

    fn change(to: MineStatus, at: &str) -> MineCmd {
        MineCmd::ChangeStatus { mine: MINE.into(), to, effective: t(at), basis: format!("decision {at}"), notes: "n".into() }
    }

    #[test]
    fn status_changes_follow_the_table_and_leaving_a_stop_needs_a_restart() {
        let mut l = Ledger::new(LedgerConfig::default());
        register(&mut l, MineStatus::Construction, "2025-01-01");
        // The mine cannot declare itself producing after construction.
        let e = run(&mut l, "2025-02-01", &staff("S1"), change(MineStatus::Producing, "2025-02-01")).unwrap_err();
        assert_eq!(e.code, RefusalCode::NotAllowed);
        run(&mut l, "2025-02-01", &inspector("I1"), change(MineStatus::Producing, "2025-02-01")).unwrap();
        run(&mut l, "2025-03-01", &staff("S1"), change(MineStatus::MaintenanceStop, "2025-03-01")).unwrap();
        run(&mut l, "2025-03-05", &staff("S1"), change(MineStatus::Producing, "2025-03-05")).unwrap();
        assert_eq!(
            run(&mut l, "2025-03-06", &staff("S1"), change(MineStatus::StoppedByOrder, "2025-03-06")).unwrap_err().code,
            RefusalCode::NotAllowed
        );
        // A basis is required, and decisions cannot be backdated before the one in force.
        let mut no_basis = change(MineStatus::StoppedByOrder, "2025-04-01");
        if let MineCmd::ChangeStatus { basis, .. } = &mut no_basis {
            basis.clear();
        }
        assert_eq!(run(&mut l, "2025-04-01", &inspector("I1"), no_basis).unwrap_err().code, RefusalCode::Invalid);
        assert_eq!(
            run(&mut l, "2025-04-01", &inspector("I1"), change(MineStatus::StoppedByOrder, "2025-03-04")).unwrap_err().code,
            RefusalCode::Invalid
        );
        run(&mut l, "2025-04-01", &inspector("I1"), change(MineStatus::StoppedByOrder, "2025-04-01")).unwrap();
        for a in [staff("S1"), inspector("I1"), head("H1"), Actor::system()] {
            let e = run(&mut l, "2025-05-01", &a, change(MineStatus::Producing, "2025-05-01")).unwrap_err();
            assert_eq!(e.code, RefusalCode::WrongState);
            assert_eq!(e.rule.as_deref(), Some("ENF-STOP-2"));
            assert!(e.message.contains("accepted item by item"), "{}", e.message);
        }
        assert_eq!(l.mine(MINE).unwrap().status, MineStatus::StoppedByOrder);
        // Into closure, then closed, then nothing.
        assert_eq!(
            run(&mut l, "2025-05-01", &inspector("I1"), change(MineStatus::Closed, "2025-05-01")).unwrap_err().code,
            RefusalCode::WrongState
        );
        run(&mut l, "2025-05-01", &inspector("I1"), change(MineStatus::Closing, "2025-05-01")).unwrap();
        run(&mut l, "2025-09-01", &head("H1"), change(MineStatus::Closed, "2025-09-01")).unwrap();
        let e = run(&mut l, "2025-10-01", &head("H1"), change(MineStatus::Producing, "2025-10-01")).unwrap_err();
        assert_eq!(e.code, RefusalCode::WrongState);
        assert!(e.message.contains("closed"), "{}", e.message);
        let rec = l.mine(MINE).unwrap();
        assert_eq!(rec.history.len(), 7);
        assert_eq!(rec.history[3].notes, "n");
        assert_eq!(status_at(rec, t("2025-03-02")), Some(MineStatus::MaintenanceStop));
        // Other offices and the government do not decide statuses.
        let gov = Actor::new("G", "gov", Role::Government { office: OFFICE.into() });
        assert_eq!(run(&mut l, "2025-10-01", &gov, change(MineStatus::Closing, "2025-10-01")).unwrap_err().code, RefusalCode::NotAllowed);
    }

    /// A mine stopped by order with a restart application R-1 by staff S1.
    fn stopped_with_application(items: &[&str]) -> Ledger {
        let mut l = producing_mine();
        run(&mut l, "2026-02-01", &inspector("I1"), change(MineStatus::StoppedByOrder, "2026-02-01")).unwrap();
        let apply = MineCmd::ApplyRestart {
            id: "R-1".into(),
            mine: MINE.into(),
            plan: "整改方案 2026-2".into(),
            items: items.iter().map(|s| s.to_string()).collect(),
        };
        let a = run(&mut l, "2026-03-01", &staff("S1"), apply).unwrap();
        assert_eq!(a.record, RecordRef::new("restart", "R-1"));
        l
    }

    fn accept(l: &mut Ledger, who: &Actor, item: &str, passed: bool) -> Result<Applied, Refusal> {
        run(l, "2026-03-05", who, MineCmd::AcceptItem { id: "R-1".into(), item: item.into(), passed, evidence: "现场核查记录".into() })
    }

    fn approve(l: &mut Ledger, who: &Actor) -> Result<Applied, Refusal> {
        run(l, "2026-03-10", who, MineCmd::ApproveRestart { id: "R-1".into(), notes: "同意复产".into() })
    }

    #[test]
    fn restart_application_checks() {
        let mut l = producing_mine();
        let apply = |id: &str, items: Vec<String>| MineCmd::ApplyRestart { id: id.into(), mine: MINE.into(), plan: "p".into(), items };
        let e = run(&mut l, "2026-03-01", &staff("S1"), apply("R-1", vec!["通风".into()])).unwrap_err();
        assert_eq!((e.code, e.rule.as_deref()), (RefusalCode::WrongState, Some("ENF-STOP-2")));
        run(&mut l, "2026-02-01", &inspector("I1"), change(MineStatus::StoppedByOrder, "2026-02-01")).unwrap();
        assert_eq!(run(&mut l, "2026-03-01", &staff("S1"), apply("R-1", vec![])).unwrap_err().code, RefusalCode::Invalid);
        assert_eq!(
            run(&mut l, "2026-03-01", &staff("S1"), apply("R-1", vec!["a".into(), "a".into()])).unwrap_err().code,
            RefusalCode::Invalid
        );
        assert_eq!(run(&mut l, "2026-03-01", &inspector("I1"), apply("R-1", vec!["a".into()])).unwrap_err().code, RefusalCode::NotAllowed);
        let other = Actor::new("S9", "s", Role::MineStaff { mine: "140100000002".into() });
        assert_eq!(run(&mut l, "2026-03-01", &other, apply("R-1", vec!["a".into()])).unwrap_err().code, RefusalCode::NotAllowed);
        run(&mut l, "2026-03-01", &staff("S1"), apply("R-1", vec!["a".into()])).unwrap();
        assert_eq!(run(&mut l, "2026-03-02", &staff("S1"), apply("R-1", vec!["a".into()])).unwrap_err().code, RefusalCode::Duplicate);
        assert_eq!(run(&mut l, "2026-03-02", &staff("S1"), apply("R-2", vec!["a".into()])).unwrap_err().code, RefusalCode::WrongState);
        assert_eq!(accept(&mut l, &inspector("I1"), "b", true).unwrap_err().code, RefusalCode::Unknown);
        assert_eq!(accept(&mut l, &staff("S2"), "a", true).unwrap_err().code, RefusalCode::NotAllowed);
    }

    #[test]
    fn restart_is_refused_while_a_major_hazard_is_open() {
        let mut l = stopped_with_application(&["通风系统", "瓦斯抽采"]);
        accept(&mut l, &inspector("I1"), "通风系统", true).unwrap();
        accept(&mut l, &inspector("I2"), "瓦斯抽采", true).unwrap();
        put(&mut l, signed_off(hazard("HZ-1", "2026-01-20", inspection("IN-1"), true), "2026-02-20"));
        let mut open = hazard("HZ-7", "2026-01-25", HazardSource::Engine { finding: "f-7".into() }, false);
        open.state = HazardState::Rectifying;
        put(&mut l, open);
        let before = l.restart("R-1").cloned();
        let e = approve(&mut l, &head("H1")).unwrap_err();
        assert_eq!(e.code, RefusalCode::OpenMajorHazard);
        assert_eq!(e.rule.as_deref(), Some("HM-6.2-R1"));
        assert!(e.message.contains("HZ-7") && !e.message.contains("HZ-1"), "{}", e.message);
        assert!(e.message.contains("major hazard"), "{}", e.message);
        assert_eq!(l.restart("R-1").cloned(), before, "a refusal changes nothing");
        assert_eq!(l.mine(MINE).unwrap().status, MineStatus::StoppedByOrder);
        // Signed off: the restart goes through.
        let h = l.hazards.remove("HZ-7").unwrap();
        put(&mut l, signed_off(h, "2026-03-09"));
        approve(&mut l, &head("H1")).unwrap();
        assert_eq!(l.mine(MINE).unwrap().status, MineStatus::Producing);
    }

    #[test]
    fn restart_is_refused_to_the_applicant_and_to_non_heads() {
        let mut l = stopped_with_application(&["通风系统"]);
        // The applicant's identity acting as a regulator still may not check or approve.
        let same = Actor::new("S1", "staff S1", Role::RegulatorHead { office: OFFICE.into() });
        let e = accept(&mut l, &same, "通风系统", true).unwrap_err();
        assert_eq!(e.code, RefusalCode::SelfApproval);
        accept(&mut l, &inspector("I1"), "通风系统", true).unwrap();
        let e = approve(&mut l, &same).unwrap_err();
        assert_eq!(e.code, RefusalCode::SelfApproval);
        assert!(e.message.contains("applied"), "{}", e.message);
        let e = approve(&mut l, &inspector("I1")).unwrap_err();
        assert_eq!((e.code, e.rule.as_deref()), (RefusalCode::NotAllowed, Some("ENF-STOP-2")));
        let far = Actor::new("H9", "h", Role::RegulatorHead { office: "county-B".into() });
        assert_eq!(approve(&mut l, &far).unwrap_err().code, RefusalCode::NotAllowed);
        assert_eq!(l.restart("R-1").unwrap().state, RestartState::Applied);
    }

    #[test]
    fn restart_is_refused_with_a_failed_or_unchecked_item() {
        let mut l = stopped_with_application(&["通风系统", "瓦斯抽采", "防治水"]);
        accept(&mut l, &inspector("I1"), "通风系统", true).unwrap();
        accept(&mut l, &inspector("I1"), "瓦斯抽采", false).unwrap();
        let e = approve(&mut l, &head("H1")).unwrap_err();
        assert_eq!(e.code, RefusalCode::AcceptanceIncomplete);
        assert!(e.message.contains("not yet checked: 防治水") && e.message.contains("failed: 瓦斯抽采"), "{}", e.message);
        // Re-checked: the last check counts.
        accept(&mut l, &inspector("I2"), "瓦斯抽采", true).unwrap();
        accept(&mut l, &inspector("I2"), "防治水", true).unwrap();
        let item = &l.restart("R-1").unwrap().items[1];
        assert_eq!((item.passed, item.by.as_ref().map(|a| a.id.as_str())), (Some(true), Some("I2")));
        approve(&mut l, &head("H1")).unwrap();
    }

    #[test]
    fn restart_is_accepted_when_all_is_clear() {
        let mut l = stopped_with_application(&["通风系统"]);
        accept(&mut l, &inspector("I1"), "通风系统", true).unwrap();
        let a = approve(&mut l, &head("H1")).unwrap();
        assert_eq!(a, Applied { record: RecordRef::new("restart", "R-1"), mine: MINE.into() });
        let app = l.restart("R-1").unwrap();
        assert_eq!(app.state, RestartState::Approved);
        assert_eq!(app.decided_by.as_ref().map(|a| a.id.as_str()), Some("H1"));
        let rec = l.mine(MINE).unwrap();
        assert_eq!(rec.status, MineStatus::Producing);
        let last = rec.history.last().unwrap();
        assert_eq!(
            (last.from, last.to, last.effective, last.basis.as_str()),
            (Some(MineStatus::StoppedByOrder), MineStatus::Producing, t("2026-03-10"), "R-1")
        );
        // Decided: no more items, no second decision.
        assert_eq!(accept(&mut l, &inspector("I1"), "通风系统", false).unwrap_err().code, RefusalCode::WrongState);
        assert_eq!(approve(&mut l, &head("H1")).unwrap_err().code, RefusalCode::WrongState);
    }

    #[test]
    fn restart_can_be_refused_with_a_reason() {
        let mut l = stopped_with_application(&["通风系统"]);
        let refuse_cmd = |reason: &str| MineCmd::RefuseRestart { id: "R-1".into(), reason: reason.into() };
        assert_eq!(run(&mut l, "2026-03-10", &inspector("I1"), refuse_cmd(" ")).unwrap_err().code, RefusalCode::Invalid);
        assert_eq!(run(&mut l, "2026-03-10", &staff("S2"), refuse_cmd("x")).unwrap_err().code, RefusalCode::NotAllowed);
        run(&mut l, "2026-03-10", &inspector("I1"), refuse_cmd("整改不到位")).unwrap();
        let app = l.restart("R-1").unwrap();
        assert_eq!((app.state, app.notes.as_str()), (RestartState::Refused, "整改不到位"));
        assert_eq!(l.mine(MINE).unwrap().status, MineStatus::StoppedByOrder);
        // A new application may follow.
        let again = MineCmd::ApplyRestart { id: "R-2".into(), mine: MINE.into(), plan: "p2".into(), items: vec!["通风系统".into()] };
        run(&mut l, "2026-03-20", &staff("S1"), again).unwrap();
    }

    #[test]
    fn restart_acceptance_is_due_after_twenty_days() {
        let l = stopped_with_application(&["通风系统"]);
        // Applied 2026-03-01: accept by the end of 2026-03-21.
        assert!(mines_due_for_restart_acceptance(&l, t("2026-03-21 23:59:59")).is_empty());
        let due = mines_due_for_restart_acceptance(&l, t("2026-03-22 00:00:00"));
        assert_eq!(due.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["R-1"]);
        let mut l = l;
        run(&mut l, "2026-03-10", &inspector("I1"), MineCmd::RefuseRestart { id: "R-1".into(), reason: "r".into() }).unwrap();
        assert!(mines_due_for_restart_acceptance(&l, t("2026-04-01")).is_empty());
    }

    #[test]
    fn closure_proposals_are_recorded_with_their_basis() {
        let mut l = producing_mine();
        found(&mut l, "HZ-1", "2026-01-31");
        found(&mut l, "HZ-2", "2026-03-01");
        let cmd = |id: &str, rule: &str, hazards: Vec<String>| MineCmd::ProposeClosure {
            id: id.into(),
            mine: MINE.into(),
            rule: rule.into(),
            hazards,
            penalties: vec![],
            to_government: "某县人民政府".into(),
        };
        let hz = vec!["HZ-1".to_string(), "HZ-2".to_string()];
        assert_eq!(
            run(&mut l, "2026-03-05", &inspector("I1"), cmd("CP-1", "ENF-HAZ-9", hz.clone())).unwrap_err().code,
            RefusalCode::Invalid
        );
        assert_eq!(
            run(&mut l, "2026-03-05", &inspector("I1"), cmd("CP-1", "ENF-HAZ-4", vec!["HZ-9".into()])).unwrap_err().code,
            RefusalCode::Unknown
        );
        assert_eq!(run(&mut l, "2026-03-05", &inspector("I1"), cmd("CP-1", "ENF-HAZ-4", vec![])).unwrap_err().code, RefusalCode::Invalid);
        assert_eq!(
            run(&mut l, "2026-03-05", &inspector("I1"), cmd("CP-1", "ENF-HAZ-5", hz.clone())).unwrap_err().code,
            RefusalCode::Invalid
        );
        assert_eq!(
            run(&mut l, "2026-03-05", &staff("S1"), cmd("CP-1", "ENF-HAZ-4", hz.clone())).unwrap_err().code,
            RefusalCode::NotAllowed
        );
        run(&mut l, "2026-03-05", &inspector("I1"), cmd("CP-1", "ENF-HAZ-4", hz.clone())).unwrap();
        assert_eq!(run(&mut l, "2026-03-05", &inspector("I1"), cmd("CP-1", "ENF-HAZ-4", hz)).unwrap_err().code, RefusalCode::Duplicate);
        let c = &l.mine(MINE).unwrap().closures[0];
        assert_eq!((c.rule.as_str(), c.at, c.by.id.as_str()), ("ENF-HAZ-4", t("2026-03-05"), "I1"));
    }
}
