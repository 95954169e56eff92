//! The ledger aggregate: commands in, records out, refusals with reasons.

use std::collections::BTreeMap;

use minesafe_model::Timestamp;
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::gates::{MineCmd, MineRecord, RestartApplication};
use crate::hazard::{Hazard, HazardCmd};
use crate::inspection::{Inspection, InspectionCmd, InspectionPlan, Order, Penalty, Referral};
use crate::leads::{LeadCmd, LeadReview};
use crate::selfcheck::{SelfCheck, SelfCheckCmd};

/// One change to the ledger: who, when, what. `at` is when the decision was
/// taken (the CLI's `--now` or the wall clock); business times such as when a
/// hazard was found travel inside the command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: Timestamp,
    pub actor: Actor,
    pub command: Command,
}

/// Every change the ledger knows, grouped by the record it acts on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Mine(MineCmd),
    Hazard(HazardCmd),
    SelfCheck(SelfCheckCmd),
    Inspection(InspectionCmd),
    Lead(LeadCmd),
}

impl Command {
    /// Short name for logs and the audit trail, e.g. `hazard.plan`.
    pub fn name(&self) -> String {
        fn variant<T: Serialize>(c: &T) -> String {
            match serde_json::to_value(c) {
                Ok(serde_json::Value::Object(m)) => m.keys().next().cloned().unwrap_or_default(),
                Ok(serde_json::Value::String(s)) => s,
                _ => String::new(),
            }
        }
        match self {
            Command::Mine(c) => format!("mine.{}", variant(c)),
            Command::Hazard(c) => format!("hazard.{}", variant(c)),
            Command::SelfCheck(c) => format!("self_check.{}", variant(c)),
            Command::Inspection(c) => format!("inspection.{}", variant(c)),
            Command::Lead(c) => format!("lead.{}", variant(c)),
        }
    }
}

/// The record an event changed: `kind` is one of `mine`, `hazard`, `self_check`,
/// `plan`, `inspection`, `order`, `penalty`, `referral`, `restart`, `lead`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    pub kind: String,
    pub id: String,
}

impl RecordRef {
    pub fn new(kind: &str, id: &str) -> Self {
        RecordRef { kind: kind.to_string(), id: id.to_string() }
    }
}

impl std::fmt::Display for RecordRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

/// What an accepted event changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub record: RecordRef,
    /// The mine the record belongs to.
    pub mine: String,
}

/// Why a command was refused. `code` is stable for scripts; `rule` names the
/// catalog rule the refusal enforces, when there is one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub code: RefusalCode,
    pub rule: Option<String>,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// The record does not exist.
    Unknown,
    /// A record with this id exists already.
    Duplicate,
    /// The actor's role or jurisdiction does not allow this.
    NotAllowed,
    /// The record is not in a state that allows this move.
    WrongState,
    /// Entering "planned" without all five in place (HM-2.1-R2).
    FiveInPlaceMissing,
    /// The person who submitted (or applied) may not verify, sign off or approve.
    SelfApproval,
    /// Restart while a major hazard is open (HM-6.2-R1, ENF-STOP-2).
    OpenMajorHazard,
    /// Restart before every acceptance item passed.
    AcceptanceIncomplete,
    /// A signed record cannot change.
    Signed,
    /// The command's content is invalid (empty field, date out of order, …).
    Invalid,
}

impl Refusal {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        Refusal { code, rule: None, message: message.into() }
    }

    pub fn with_rule(mut self, rule: &str) -> Self {
        self.rule = Some(rule.to_string());
        self
    }
}

/// Defaults of the legal windows, documented in `docs/ledger.md`; all configurable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LedgerConfig {
    /// HM-3.3-R1 / ENF-HAZ-4: window in calendar months, counted from the earlier confirmed finding.
    pub closure_window_months: u32,
    /// HM-3.3-R1 / ENF-HAZ-4: confirmed findings within the window that call for a proposal.
    pub closure_min_findings: usize,
    /// SPL Art. 113(1) / ENF-HAZ-5: penalties within `spl113_short_days` …
    pub spl113_short_days: i64,
    pub spl113_short_penalties: usize,
    /// … or within a year.
    pub spl113_year_penalties: usize,
    /// HM-3.3-R3: warn this many days before a licence expires.
    pub licence_warning_days: i64,
    /// ENF-STOP-2: the regulator completes restart acceptance within this many days of the application.
    pub restart_acceptance_days: i64,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            closure_window_months: 3,
            closure_min_findings: 2,
            spl113_short_days: 180,
            spl113_short_penalties: 3,
            spl113_year_penalties: 4,
            licence_warning_days: 90,
            restart_acceptance_days: 20,
        }
    }
}

/// All records, folded from the events applied so far.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub config: LedgerConfig,
    pub(crate) mines: BTreeMap<String, MineRecord>,
    pub(crate) restarts: BTreeMap<String, RestartApplication>,
    pub(crate) hazards: BTreeMap<String, Hazard>,
    pub(crate) self_checks: BTreeMap<String, SelfCheck>,
    pub(crate) plans: BTreeMap<String, InspectionPlan>,
    pub(crate) inspections: BTreeMap<String, Inspection>,
    pub(crate) orders: BTreeMap<String, Order>,
    pub(crate) penalties: BTreeMap<String, Penalty>,
    pub(crate) referrals: BTreeMap<String, Referral>,
    pub(crate) lead_reviews: BTreeMap<String, LeadReview>,
    /// Events accepted so far.
    pub(crate) applied: u64,
}

impl Ledger {
    pub fn new(config: LedgerConfig) -> Self {
        Ledger { config, ..Ledger::default() }
    }

    /// Applies one event, or refuses it and leaves the ledger unchanged.
    pub fn apply(&mut self, ev: &Event) -> Result<Applied, Refusal> {
        let applied = match &ev.command {
            Command::Mine(c) => crate::gates::apply(self, ev, c)?,
            Command::Hazard(c) => crate::hazard::apply(self, ev, c)?,
            Command::SelfCheck(c) => crate::selfcheck::apply(self, ev, c)?,
            Command::Inspection(c) => crate::inspection::apply(self, ev, c)?,
            Command::Lead(c) => crate::leads::apply(self, ev, c)?,
        };
        self.applied += 1;
        Ok(applied)
    }

    /// Number of events accepted.
    pub fn len(&self) -> u64 {
        self.applied
    }

    pub fn is_empty(&self) -> bool {
        self.applied == 0
    }

    /// The current state of a record as JSON, for the audit snapshot hash and for export.
    pub fn snapshot(&self, r: &RecordRef) -> Option<serde_json::Value> {
        let id = r.id.as_str();
        let v = match r.kind.as_str() {
            "mine" => serde_json::to_value(self.mines.get(id)?),
            "restart" => serde_json::to_value(self.restarts.get(id)?),
            "hazard" => serde_json::to_value(self.hazards.get(id)?),
            "self_check" => serde_json::to_value(self.self_checks.get(id)?),
            "plan" => serde_json::to_value(self.plans.get(id)?),
            "inspection" => serde_json::to_value(self.inspections.get(id)?),
            "order" => serde_json::to_value(self.orders.get(id)?),
            "penalty" => serde_json::to_value(self.penalties.get(id)?),
            "referral" => serde_json::to_value(self.referrals.get(id)?),
            "lead" => serde_json::to_value(self.lead_reviews.get(id)?),
            _ => return None,
        };
        v.ok()
    }

    pub fn mine(&self, code: &str) -> Option<&MineRecord> {
        self.mines.get(code)
    }

    pub fn mines(&self) -> impl Iterator<Item = &MineRecord> {
        self.mines.values()
    }

    pub fn hazard(&self, id: &str) -> Option<&Hazard> {
        self.hazards.get(id)
    }

    pub fn hazards(&self) -> impl Iterator<Item = &Hazard> {
        self.hazards.values()
    }

    pub fn self_checks(&self) -> impl Iterator<Item = &SelfCheck> {
        self.self_checks.values()
    }

    pub fn plans(&self) -> impl Iterator<Item = &InspectionPlan> {
        self.plans.values()
    }

    pub fn inspection(&self, id: &str) -> Option<&Inspection> {
        self.inspections.get(id)
    }

    pub fn inspections(&self) -> impl Iterator<Item = &Inspection> {
        self.inspections.values()
    }

    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values()
    }

    pub fn penalties(&self) -> impl Iterator<Item = &Penalty> {
        self.penalties.values()
    }

    pub fn referrals(&self) -> impl Iterator<Item = &Referral> {
        self.referrals.values()
    }

    /// Reviewers' marks on a cross-check lead.
    pub fn lead_review(&self, lead: &str) -> Option<&LeadReview> {
        self.lead_reviews.get(lead)
    }

    pub fn lead_reviews(&self) -> impl Iterator<Item = &LeadReview> {
        self.lead_reviews.values()
    }

    pub fn restart(&self, id: &str) -> Option<&RestartApplication> {
        self.restarts.get(id)
    }

    pub fn restarts(&self) -> impl Iterator<Item = &RestartApplication> {
        self.restarts.values()
    }

    /// Checks that the actor may act on `mine`: mine-side roles on their own mine,
    /// regulator roles on mines their office covers, the system everywhere.
    pub fn check_scope(&self, actor: &Actor, mine: &str) -> Result<(), Refusal> {
        let rec = self.mines.get(mine).ok_or_else(|| Refusal::new(RefusalCode::Unknown, format!("mine {mine} is not registered")))?;
        let ok = match (&actor.role, actor.mine(), actor.office()) {
            (crate::Role::System, _, _) => true,
            (_, Some(m), _) => m == mine,
            (_, _, Some(o)) => rec.offices.iter().any(|x| x == o),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Refusal::new(RefusalCode::NotAllowed, format!("{} ({}) has no jurisdiction over mine {mine}", actor.name, actor.id)))
        }
    }
}
