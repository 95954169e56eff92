//! Who to call at each escalation level, from the registry and the regulators' duty file.
//!
//! Rules (documented because the registry has no explicit links):
//! - **Mine dispatcher** (调度): the mine's duty contacts whose role contains `调度` or
//!   `dispatcher` (any case).
//! - **Mine safety chief** (安全): duty contacts whose role contains `安全` or `safety`;
//!   when none is on file, the mine's principal (矿长) — someone must be answerable.
//! - **County regulator**: the office of level `county` whose code equals the
//!   mine's `jurisdiction` (the supervising county's administrative division code);
//!   when the registry leaves it empty, the county part of a 12-digit mine code
//!   (its first six digits) stands in.
//! - **City / province regulator**: offices carry no parent link, so the parent is
//!   found by the GB/T 2260 code layout `PPCCDD`: the city is `PPCC00` at level
//!   `city`, the province `PP0000` at level `province`.
//!
//! A lookup that finds nobody still yields a result with an empty contact list and
//! a `problem` sentence, so the notification log shows who is missing instead of
//! the escalation stopping quietly.

use std::collections::HashMap;

use minesafe_model::registry::{Contact, MineInfo, RegulatorLevel, RegulatorOffice, Regulators};
use minesafe_model::{Generation, Registry};
use serde::{Deserialize, Serialize};

use crate::policy::Level;

/// The contacts of one level, and what is missing when nobody is found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Recipients {
    pub contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct MineContacts {
    jurisdiction: Option<String>,
    duty: Vec<Contact>,
    principal: Option<Contact>,
}

/// An owned snapshot of the contacts, so the book can be driven without holding
/// the registry borrowed. Rebuild it when the registry is reloaded.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    mines: HashMap<String, MineContacts>,
    offices: Vec<RegulatorOffice>,
}

fn role_has(c: &Contact, needles: &[&str]) -> bool {
    let role = c.role.to_lowercase();
    needles.iter().any(|n| role.contains(n))
}

impl Directory {
    pub fn new(registry: &Registry, regulators: Option<&Regulators>) -> Directory {
        let mut mines = HashMap::new();
        let entry = |m: &MineInfo| MineContacts {
            jurisdiction: m
                .jurisdiction
                .clone()
                .filter(|j| !j.trim().is_empty())
                .or_else(|| (m.code.generation() == Generation::G2).then(|| m.code.county().to_string())),
            duty: m.duty_contacts.clone(),
            principal: m.principal.clone(),
        };
        for m in &registry.mines {
            mines.insert(m.code.to_string(), entry(m));
            if let Some(l) = &m.legacy_code {
                mines.insert(l.clone(), entry(m));
            }
        }
        Directory { mines, offices: regulators.map(|r| r.offices.clone()).unwrap_or_default() }
    }

    /// The contacts to notify for `mine` at `level`.
    pub fn recipients(&self, mine: &str, level: Level) -> Vec<Contact> {
        self.lookup(mine, level).contacts
    }

    /// Like [`recipients`](Self::recipients), with the reason when nobody is found.
    pub fn lookup(&self, mine: &str, level: Level) -> Recipients {
        let Some(m) = self.mines.get(mine) else {
            return missing(format!("mine {mine} is not in the registry: no {level} contact"));
        };
        match level {
            Level::MineDispatcher => {
                let c: Vec<Contact> = m.duty.iter().filter(|c| role_has(c, &["调度", "dispatcher"])).cloned().collect();
                found_or(c, || format!("mine {mine} has no duty contact with a dispatcher (调度) role"))
            }
            Level::MineSafetyChief => {
                let c: Vec<Contact> = m.duty.iter().filter(|c| role_has(c, &["安全", "safety"])).cloned().collect();
                if !c.is_empty() {
                    return Recipients { contacts: c, problem: None };
                }
                match &m.principal {
                    Some(p) => Recipients { contacts: vec![p.clone()], problem: None },
                    None => missing(format!("mine {mine} has no safety (安全) duty contact and no principal")),
                }
            }
            Level::CountyRegulator | Level::CityRegulator | Level::ProvinceRegulator => {
                let Some(j) = &m.jurisdiction else {
                    return missing(format!("mine {mine} has no jurisdiction in the registry: no {level} office"));
                };
                let (code, want) = match level {
                    Level::CountyRegulator => (j.clone(), RegulatorLevel::County),
                    Level::CityRegulator => (parent_code(j, 4), RegulatorLevel::City),
                    _ => (parent_code(j, 2), RegulatorLevel::Province),
                };
                match self.offices.iter().find(|o| o.code == code && o.level == want) {
                    None => missing(format!("no {want:?} regulator office with code {code} (mine {mine}, jurisdiction {j})")),
                    Some(o) => found_or(o.duty_contacts.clone(), || format!("regulator office {} ({code}) has no duty contact", o.name)),
                }
            }
        }
    }
}

/// `PPCCDD` → keep the first `keep` digits, zero the rest (`140521`, 4 → `140500`).
fn parent_code(code: &str, keep: usize) -> String {
    let head: String = code.chars().take(keep).collect();
    let len = code.chars().count().max(6);
    format!("{head:0<len$}")
}

fn missing(problem: String) -> Recipients {
    Recipients { contacts: vec![], problem: Some(problem) }
}

fn found_or(contacts: Vec<Contact>, problem: impl FnOnce() -> String) -> Recipients {
    if contacts.is_empty() {
        missing(problem())
    } else {
        Recipients { contacts, problem: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_codes_follow_the_division_layout() {
        assert_eq!(parent_code("140521", 4), "140500");
        assert_eq!(parent_code("140521", 2), "140000");
        assert_eq!(parent_code("14", 4), "140000");
    }
}
