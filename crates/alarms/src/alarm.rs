//! One alarm and its record: state, who answered, and every transition.

use minesafe_model::{Finding, Severity, Timestamp};
use serde::{Deserialize, Serialize};

use crate::policy::{Level, Party};

/// The actor of transitions the book makes by itself (raise, escalate, supersede).
pub const SYSTEM: &str = "system";

/// Lifecycle state. `Closed`, `Dismissed` and `Superseded` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 预警: raised, waiting for every required party to answer.
    Raised,
    /// 叫应: every required party answered.
    Acknowledged,
    /// 响应: an action is on record.
    Responded,
    /// 回应: the reply closed it.
    Closed,
    /// Someone called it false; a second person must confirm or reject.
    DismissalPending,
    /// Confirmed false by a second person.
    Dismissed,
    /// Its finding was withdrawn by the detector before anyone answered.
    Superseded,
}

impl State {
    pub fn is_final(self) -> bool {
        matches!(self, State::Closed | State::Dismissed | State::Superseded)
    }

    pub fn id(self) -> &'static str {
        match self {
            State::Raised => "raised",
            State::Acknowledged => "acknowledged",
            State::Responded => "responded",
            State::Closed => "closed",
            State::DismissalPending => "dismissal_pending",
            State::Dismissed => "dismissed",
            State::Superseded => "superseded",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// What a transition did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Raise,
    /// Another finding for the same mine, rule and place.
    Repeat,
    /// A new version of a finding already on the alarm (it closed, its peak grew).
    Update,
    /// The detector withdrew a finding; the alarm stays because someone already answered.
    WithdrawalNoted,
    Supersede,
    Acknowledge,
    Respond,
    Close,
    Dismiss,
    ConfirmDismissal,
    RejectDismissal,
    Escalate,
    /// The respond or close deadline passed.
    Overdue,
    /// The mine's own YCBJ explanation (异常原因 / 处理措施).
    Explain,
}

/// One step on record. Every state change is one, with its actor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// 1, 2, 3… within the alarm.
    pub seq: u32,
    pub at: Timestamp,
    /// A person's name, `system`, or `mine:<code>` for the mine's own uploads.
    pub actor: String,
    pub action: Action,
    pub from: State,
    pub to: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How the person who acknowledged was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Sms,
    Radio,
    InPerson,
    Platform,
}

/// 叫应 by one party.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    pub party: Party,
    pub who: String,
    pub at: Timestamp,
    pub channel: Channel,
    #[serde(default)]
    pub comment: String,
}

/// 响应: the action taken.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub who: String,
    pub at: Timestamp,
    pub action: String,
}

/// 回应: the reply that closes the alarm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub who: String,
    pub at: Timestamp,
    pub text: String,
}

/// A claim that the alarm is false, and its outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dismissal {
    pub who: String,
    pub at: Timestamp,
    pub reason: String,
    /// The state to go back to if the claim is rejected.
    pub return_to: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<Timestamp>,
}

/// The mine's own explanation from a YCBJ (异常报警) record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub point: String,
    pub event_time: Timestamp,
    /// 异常原因.
    pub cause: String,
    /// 处理措施.
    pub measures: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<usize>,
    /// Clock time it was attached.
    pub at: Timestamp,
}

/// One level of the chain that was told about the alarm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notified {
    pub level: Level,
    pub contacts: Vec<minesafe_model::registry::Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    pub at: Timestamp,
}

/// The deadlines of this alarm as instants, fixed at the raise from the policy then in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueTimes {
    pub ack_by: Timestamp,
    pub respond_by: Timestamp,
    pub close_by: Timestamp,
}

/// What an alarm asks of the mine and the regulators. One per (mine, rule,
/// place-key) while not final — per *class*: a live, a late (back-filled) and an
/// inhibited alarm of the same key are kept apart so a live event is never
/// swallowed by a record-only one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// `a-` + hash of the key and the raise time: stable across restarts.
    pub id: String,
    pub mine: String,
    pub rule: String,
    /// The place key: the first evidence's point code, else the finding's place, else empty (mine-wide).
    pub place: String,
    /// The finding's place text, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_text: Option<String>,
    pub severity: Severity,
    pub title: String,
    pub state: State,
    /// Clock time of the raise.
    pub raised_at: Timestamp,
    /// Event time the first finding started.
    pub event_start: Timestamp,
    /// Event end of the latest finding, when it has ended.
    #[serde(default)]
    pub event_end: Option<Timestamp>,
    /// Every finding id folded into this alarm, first first.
    pub finding_ids: Vec<String>,
    /// Findings that the detector withdrew.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn_findings: Vec<String>,
    /// How many findings after the first.
    #[serde(default)]
    pub repeats: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak: Option<f64>,
    /// Tags of the latest finding (carry `scope:*` for inhibition and `substation:*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Evidence file of the first finding, so ALM-1 can cite the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_record: Option<usize>,
    /// Parties whose acknowledgement completes 叫应.
    pub required: Vec<Party>,
    #[serde(default)]
    pub acks: Vec<Ack>,
    /// When the last required party acknowledged.
    #[serde(default)]
    pub acknowledged_at: Option<Timestamp>,
    #[serde(default)]
    pub response: Option<Response>,
    #[serde(default)]
    pub reply: Option<Reply>,
    #[serde(default)]
    pub dismissal: Option<Dismissal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explanations: Vec<Explanation>,
    /// Highest level notified; `None` for alarms that are never notified (late, inhibited).
    #[serde(default)]
    pub escalation: Option<Level>,
    /// How many steps of the chain have fired.
    #[serde(default)]
    pub steps_fired: usize,
    pub due: DueTimes,
    /// The next instant `tick` has something to do for this alarm.
    #[serde(default)]
    pub next_deadline: Option<Timestamp>,
    #[serde(default)]
    pub last_notified_at: Option<Timestamp>,
    #[serde(default)]
    pub renotified: u32,
    #[serde(default)]
    pub respond_overdue: bool,
    #[serde(default)]
    pub close_overdue: bool,
    /// Back-filled: on record and needing review, never notified or escalated.
    #[serde(default)]
    pub late: bool,
    /// The outage alarm that explains this one; never notified or escalated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inhibited_by: Option<String>,
    /// The ALM-1 finding raised when the acknowledgement deadline passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alm1: Option<Finding>,
    /// When it reached a final state.
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    /// Each level told, with whom: ALM-1 cites it, and the close notice goes to the same people.
    #[serde(default)]
    pub notified: Vec<Notified>,
    pub history: Vec<Transition>,
}

impl Alarm {
    /// Seconds from the raise until every required party had acknowledged.
    pub fn ack_secs(&self) -> Option<i64> {
        self.acknowledged_at.map(|t| t.secs_since(self.raised_at))
    }

    /// Seconds from the raise until it was closed, dismissed or superseded.
    pub fn close_secs(&self) -> Option<i64> {
        self.finished_at.map(|t| t.secs_since(self.raised_at))
    }

    /// The finding folded in last (the first one when there was no repeat).
    pub fn latest_finding(&self) -> Option<&str> {
        self.finding_ids.last().map(String::as_str)
    }

    /// Whether notifications and escalation apply at all.
    pub fn is_notifiable(&self) -> bool {
        !self.late && self.inhibited_by.is_none()
    }

    /// Whether a party has acknowledged.
    pub fn acked_by(&self, p: Party) -> bool {
        self.acks.iter().any(|a| a.party == p)
    }

    /// Every required party acknowledged.
    pub fn is_acknowledged(&self) -> bool {
        self.acknowledged_at.is_some()
    }

    /// The parties still to acknowledge.
    pub fn missing_parties(&self) -> Vec<Party> {
        self.required.iter().copied().filter(|p| !self.acked_by(*p)).collect()
    }

    /// Live, not final, and not fully acknowledged: escalation runs.
    pub fn awaiting_ack(&self) -> bool {
        self.is_notifiable() && !self.state.is_final() && !self.is_acknowledged()
    }

    /// Needs a person to look at it: not final (late alarms included).
    pub fn needs_review(&self) -> bool {
        !self.state.is_final()
    }

    /// Appends a transition. The clock given to the book may be wrong by going
    /// backwards; the record must not, so `at` is clamped to the last entry.
    pub(crate) fn record(&mut self, at: Timestamp, actor: &str, action: Action, to: State, note: Option<String>) {
        let (seq, at) = match self.history.last() {
            Some(last) => (last.seq + 1, at.max(last.at)),
            None => (1, at),
        };
        let from = self.state;
        self.state = to;
        if to.is_final() && !from.is_final() {
            self.finished_at = Some(at);
        }
        self.history.push(Transition { seq, at, actor: actor.to_string(), action, from, to, note });
    }

    /// The clock time of the latest transition.
    pub fn last_at(&self) -> Timestamp {
        self.history.last().map(|t| t.at).unwrap_or(self.raised_at)
    }
}

/// A stable alarm id from its key and raise time (FNV-1a, as finding ids).
pub fn alarm_id(mine: &str, rule: &str, place: &str, raised_at: Timestamp, class: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [mine.as_bytes(), b"|", rule.as_bytes(), b"|", place.as_bytes(), b"|", class.as_bytes(), b"|", &raised_at.0.to_le_bytes()] {
        for &b in part {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("a-{:012x}", h & 0xffff_ffff_ffff)
}
