//! Who acts. Every event names one actor; what it may do depends on its role
//! and on the mines its office covers (jurisdiction).

use serde::{Deserialize, Serialize};

/// A person (or minesafe itself) acting on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Stable identity (staff or badge number); compared for "requester ≠ approver".
    pub id: String,
    /// Name as it appears on signed documents.
    pub name: String,
    pub role: Role,
}

/// The capacity an actor acts in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Role {
    /// Mine staff (矿方人员): acts for its own mine only.
    MineStaff { mine: String },
    /// Mine principal (主要负责人, including the actual controller): leads the monthly
    /// self-check and signs the mine's reports.
    MinePrincipal { mine: String },
    /// Regulator or inspection-office inspector (监管监察执法人员).
    Inspector { office: String },
    /// Head of a regulator office (部门负责人): decides contests, signs restart acceptance.
    RegulatorHead { office: String },
    /// Local government (地方政府): receives closure proposals.
    Government { office: String },
    /// minesafe itself: hazards opened from engine findings, scheduled checks.
    System,
}

impl Actor {
    pub fn new(id: &str, name: &str, role: Role) -> Self {
        Actor { id: id.to_string(), name: name.to_string(), role }
    }

    pub fn system() -> Self {
        Actor::new("minesafe", "minesafe", Role::System)
    }

    /// The mine this actor belongs to, for mine-side roles.
    pub fn mine(&self) -> Option<&str> {
        match &self.role {
            Role::MineStaff { mine } | Role::MinePrincipal { mine } => Some(mine),
            _ => None,
        }
    }

    /// The regulator office, for regulator-side roles.
    pub fn office(&self) -> Option<&str> {
        match &self.role {
            Role::Inspector { office } | Role::RegulatorHead { office } | Role::Government { office } => Some(office),
            _ => None,
        }
    }

    /// Inspectors and office heads (not government, not the mine, not the system).
    pub fn is_regulator(&self) -> bool {
        matches!(self.role, Role::Inspector { .. } | Role::RegulatorHead { .. })
    }
}
