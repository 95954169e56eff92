//! The alarm policy: deadlines per severity, the escalation chain, re-notification
//! and the back-fill threshold. It is data (TOML) so a region can tighten it without
//! a release; every default is documented on its field. An empty file is the
//! defaults; the defaults written out are:
//!
//! ```toml
//! dual_ack_from = "major_hazard"
//! renotify_secs = 300
//! stale_after_secs = 600
//!
//! [alarm]
//! ack_secs = 600
//! respond_secs = 3600
//! close_secs = 86400
//!
//! [illegal]
//! ack_secs = 600
//! respond_secs = 3600
//! close_secs = 86400
//!
//! [major_hazard]
//! ack_secs = 300
//! respond_secs = 1800
//! close_secs = 86400
//!
//! [[escalation]]
//! level = "mine_dispatcher"
//! after_ack_deadlines = 0
//! [[escalation]]
//! level = "mine_safety_chief"
//! after_ack_deadlines = 1
//! [[escalation]]
//! level = "county_regulator"
//! after_ack_deadlines = 2
//! [[escalation]]
//! level = "city_regulator"
//! after_ack_deadlines = 3
//! ```

use minesafe_model::Severity;
use serde::{Deserialize, Serialize};

/// Who is told, in escalation order. The order is the chain of command that
/// HM-4.3-R2 leaves implicit: the mine's dispatch room first, then the mine's safety
/// chief, then the county regulator (县级监管), the city (市级), the province.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 调度室 / 值班调度员.
    MineDispatcher,
    /// 安全副矿长 / 安全科长; the principal (矿长) when no safety role is on file.
    MineSafetyChief,
    /// The county office of the mine's jurisdiction.
    CountyRegulator,
    /// The city office above it.
    CityRegulator,
    /// The province office; optional in the chain.
    ProvinceRegulator,
}

impl Level {
    /// Which side answers for this level: acknowledging is per party (双叫应).
    pub fn party(self) -> Party {
        match self {
            Level::MineDispatcher | Level::MineSafetyChief => Party::Mine,
            _ => Party::Regulator,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Level::MineDispatcher => "mine_dispatcher",
            Level::MineSafetyChief => "mine_safety_chief",
            Level::CountyRegulator => "county_regulator",
            Level::CityRegulator => "city_regulator",
            Level::ProvinceRegulator => "province_regulator",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The two sides that may have to answer an alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Mine,
    Regulator,
}

impl std::fmt::Display for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Party::Mine => "mine",
            Party::Regulator => "regulator",
        })
    }
}

/// Deadlines of one severity, in seconds after the alarm was raised (clock time).
/// All three count from the raise, not from the previous step, so a slow
/// acknowledgement does not silently extend the time to respond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// 叫应: someone must answer the call.
    pub ack_secs: i64,
    /// 响应: an action must be on record.
    pub respond_secs: i64,
    /// 回应: the reply that closes the alarm.
    pub close_secs: i64,
}

/// One step of the escalation chain: notify `level` once the alarm has gone
/// unacknowledged this long. Give exactly one of `after_secs` (fixed) or
/// `after_ack_deadlines` (a multiple of the severity's acknowledgement deadline,
/// so one chain serves 5-minute and 10-minute deadlines alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    pub level: Level,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_ack_deadlines: Option<u32>,
}

impl EscalationStep {
    /// Seconds after the raise at which this step is due, for an alarm whose
    /// acknowledgement deadline is `ack_secs`.
    pub fn offset(&self, ack_secs: i64) -> i64 {
        match (self.after_secs, self.after_ack_deadlines) {
            (Some(s), _) => s,
            (None, Some(k)) => ack_secs.saturating_mul(k as i64),
            (None, None) => 0,
        }
    }
}

/// The whole policy. Missing tables take the defaults below; a table that is
/// present must be complete, and unknown keys are errors (a typo must not silently
/// fall back to a default deadline).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Severity `alarm`: 10 min / 60 min / 24 h.
    pub alarm: Deadlines,
    /// Severity `illegal` (a breach of a rule, not yet a major hazard): 10 min / 60 min / 24 h.
    pub illegal: Deadlines,
    /// Severity `major_hazard` (重大事故隐患): 5 min / 30 min / 24 h. Shorter because
    /// the consequence is stopping work and withdrawing people.
    pub major_hazard: Deadlines,
    /// From this severity both the mine and the regulator must acknowledge.
    /// Default `major_hazard`: a major hazard is a regulator's matter by law.
    pub dual_ack_from: Severity,
    /// Default: dispatcher at the raise, safety chief when the acknowledgement
    /// deadline passes, county at 2×, city at 3× the deadline. The province is
    /// left out by default: it is told by the city's own procedure.
    pub escalation: Vec<EscalationStep>,
    /// Re-notify the current level this often while its party has not answered.
    /// Default 300 s: one missed call is common underground, five minutes of silence is not.
    pub renotify_secs: i64,
    /// A finding that ended more than this long before the clock is back-filled
    /// (it happened while data was not arriving): it is put on record as `late`,
    /// never notified. Default 600 s, two upload cycles of slack past the 5-minute timer.
    pub stale_after_secs: i64,
}

impl Default for Policy {
    fn default() -> Self {
        let ten = Deadlines { ack_secs: 600, respond_secs: 3600, close_secs: 86_400 };
        let step = |level, k| EscalationStep { level, after_secs: None, after_ack_deadlines: Some(k) };
        Policy {
            alarm: ten,
            illegal: ten,
            major_hazard: Deadlines { ack_secs: 300, respond_secs: 1800, close_secs: 86_400 },
            dual_ack_from: Severity::MajorHazard,
            escalation: vec![
                step(Level::MineDispatcher, 0),
                step(Level::MineSafetyChief, 1),
                step(Level::CountyRegulator, 2),
                step(Level::CityRegulator, 3),
            ],
            renotify_secs: 300,
            stale_after_secs: 600,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("alarm policy is not valid TOML for this schema: {0}")]
    Toml(String),
    #[error("alarm policy: {0}")]
    Invalid(String),
}

impl Policy {
    /// Parses and validates a policy file.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| PolicyError::Toml(e.to_string()))?;
        p.validate()?;
        Ok(p)
    }

    /// Deadlines of a severity; `None` for warnings and info, which open no alarm.
    pub fn deadlines(&self, s: Severity) -> Option<&Deadlines> {
        match s {
            Severity::Info | Severity::Warning => None,
            Severity::Alarm => Some(&self.alarm),
            Severity::Illegal => Some(&self.illegal),
            Severity::MajorHazard => Some(&self.major_hazard),
        }
    }

    /// The parties whose acknowledgement completes 叫应 at this severity. Below
    /// `dual_ack_from` it is the mine alone: the mine is who must act; a regulator's
    /// acknowledgement is recorded but does not stand in for it.
    pub fn required_parties(&self, s: Severity) -> Vec<Party> {
        if s >= self.dual_ack_from {
            vec![Party::Mine, Party::Regulator]
        } else {
            vec![Party::Mine]
        }
    }

    /// Rejects what would make the timers misbehave: a chain that does not notify
    /// at the raise, levels out of order, deadlines that are not positive or that
    /// run backwards, a zero re-notify interval (a notification storm).
    pub fn validate(&self) -> Result<(), PolicyError> {
        let bad = |m: String| Err(PolicyError::Invalid(m));
        for (name, d) in [("alarm", &self.alarm), ("illegal", &self.illegal), ("major_hazard", &self.major_hazard)] {
            if d.ack_secs <= 0 || d.respond_secs < d.ack_secs || d.close_secs < d.respond_secs {
                return bad(format!("[{name}] needs 0 < ack_secs <= respond_secs <= close_secs, got {d:?}"));
            }
        }
        if self.dual_ack_from < Severity::Alarm {
            return bad(format!("dual_ack_from must be alarm or higher, got {}", self.dual_ack_from.id()));
        }
        if self.escalation.is_empty() {
            return bad("the escalation chain is empty: nobody would be told".into());
        }
        for (i, s) in self.escalation.iter().enumerate() {
            if s.after_secs.is_some() == s.after_ack_deadlines.is_some() {
                return bad(format!("escalation step {i} ({}) needs exactly one of after_secs, after_ack_deadlines", s.level));
            }
            if s.after_secs.is_some_and(|v| v < 0) {
                return bad(format!("escalation step {i} ({}) has a negative after_secs", s.level));
            }
            if i > 0 && self.escalation[i - 1].level >= s.level {
                return bad(format!("escalation levels must strictly increase: {} after {}", s.level, self.escalation[i - 1].level));
            }
        }
        for d in [&self.alarm, &self.illegal, &self.major_hazard] {
            let offsets: Vec<i64> = self.escalation.iter().map(|s| s.offset(d.ack_secs)).collect();
            if offsets[0] != 0 {
                return bad("the first escalation step must be due at the raise (0 s)".into());
            }
            if offsets.windows(2).any(|w| w[1] < w[0]) {
                return bad(format!("escalation times must not decrease: {offsets:?}"));
            }
        }
        if self.renotify_secs <= 0 {
            return bad("renotify_secs must be positive".into());
        }
        if self.stale_after_secs < 0 {
            return bad("stale_after_secs must not be negative".into());
        }
        Ok(())
    }
}
