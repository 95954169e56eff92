//! Mines, licences, status gates and closure proposals (HM-3.3, HM-6.2,
//! ENF-HAZ-4/5, ENF-CLOSE-1, ENF-STOP-2).
//!
//! A mine's status changes only through a recorded decision; a restart from
//! "stopped by order" goes through an application accepted item by item and
//! signed by an office head, and is refused while a major hazard is open.

use minesafe_model::{Finding, Timestamp};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::ledger::{Applied, Event, Ledger, Refusal, RefusalCode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MineStatus {
    /// 正常生产.
    Producing,
    /// 基本建设.
    Construction,
    /// 停产检修 (declared by the mine).
    MaintenanceStop,
    /// 责令停产整顿.
    StoppedByOrder,
    /// 关闭中.
    Closing,
    /// 已关闭.
    Closed,
}

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
    RecordLicence { mine: String, licence: Licence },
    RevokeLicence { mine: String, number: String, reason: String },
    /// A status decision. Into "stopped by order" only by a regulator; out of it only by `approve_restart`.
    ChangeStatus { mine: String, to: MineStatus, effective: Timestamp, basis: String, notes: String },
    ApplyRestart { id: String, mine: String, plan: String, items: Vec<String> },
    AcceptItem { id: String, item: String, passed: bool, evidence: String },
    /// Refused while any major hazard of the mine is open, or an item has not passed, or by the applicant.
    ApproveRestart { id: String, notes: String },
    RefuseRestart { id: String, reason: String },
    /// Records that a closure proposal was sent to the government.
    ProposeClosure { id: String, mine: String, rule: String, hazards: Vec<String>, penalties: Vec<String>, to_government: String },
}

pub(crate) fn apply(_l: &mut Ledger, _ev: &Event, _cmd: &MineCmd) -> Result<Applied, Refusal> {
    Err(Refusal::new(RefusalCode::Invalid, "mine commands are not implemented yet"))
}

/// Records a status change decided elsewhere in the ledger (a stop-production
/// order, an approved restart). The caller has checked scope and state.
pub(crate) fn record_status(l: &mut Ledger, mine: &str, to: MineStatus, effective: Timestamp, by: &Actor, basis: &str) {
    if let Some(rec) = l.mines.get_mut(mine) {
        rec.history.push(StatusChange {
            effective,
            from: Some(rec.status),
            to,
            by: by.clone(),
            basis: basis.to_string(),
            notes: String::new(),
        });
        rec.status = to;
    }
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

/// Every closure proposal the records call for up to `now`.
pub fn closure_proposals(_l: &Ledger, _now: Timestamp) -> Vec<Proposal> {
    Vec::new()
}

/// HM-3.3-R3 warnings for licences expiring within the configured days of `now`.
pub fn licence_warnings(_l: &Ledger, _now: Timestamp) -> Vec<Finding> {
    Vec::new()
}
