//! The alarm book: every alarm of the region, the commands people give, and the
//! timers. The caller persists the book and delivers the [`Effect`]s.

use std::collections::HashMap;

use minesafe_model::registry::Contact;
use minesafe_model::{Evidence, Finding, Severity, Timestamp};
use serde::{Deserialize, Serialize};

use crate::alarm::{alarm_id, Ack, Action, Alarm, Channel, Dismissal, DueTimes, Explanation, Notified, Reply, Response, State, SYSTEM};
use crate::directory::Directory;
use crate::policy::{Level, Party, Policy};

/// The rule raised when an acknowledgement deadline passes.
pub const ALM_1: &str = "ALM-1";
/// Tag of a finding pushed when its event opens (detector convention).
pub const TAG_OPEN: &str = "open";
/// Tag of a finding pushed again because it did not qualify.
pub const TAG_WITHDRAWN: &str = "withdrawn";
/// Tag of an outage finding that explains every data gap of its mine (MON-1).
pub const TAG_SCOPE_MINE: &str = "scope:mine";
/// Prefix of the tag of a substation outage: `scope:substation:<code>`.
pub const TAG_SCOPE_SUBSTATION: &str = "scope:substation:";
/// Prefix of the tag naming the substation a point hangs on: `substation:<code>`.
pub const TAG_SUBSTATION: &str = "substation:";
/// The data-gap rules an open outage explains. Only these are ever inhibited:
/// gas over-limit rules are not in the list, so a real methane alarm during an
/// outage is always notified (an outage is exactly when it matters most).
pub const INHIBITABLE_RULES: [&str; 4] = ["MON-2", "MON-3", "MON-6", "MON-9"];

/// Why a notification goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// First level, at the raise.
    Raised,
    /// A further level of the chain.
    Escalated,
    /// Reminder at the current level while its party has not answered.
    Renotify,
    /// The respond or close deadline passed.
    Overdue,
    /// Closed with a reply: those who were told learn it is over.
    Closed,
    Dismissed,
    Superseded,
}

/// One message to deliver. An empty `recipients` list with a `problem` still goes
/// to the log: a missing duty contact must be seen, not skipped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub alarm: String,
    pub mine: String,
    pub level: Level,
    pub recipients: Vec<Contact>,
    pub reason: Reason,
    pub title: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// What the caller must do after a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Notify(Notification),
    /// An ALM-1 finding (opened, closed or withdrawn; consumers keep the last per id).
    Finding(Finding),
    /// This alarm changed: persist it.
    Changed(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotifyError {
    #[error("notification of alarm {alarm} failed: {reason}")]
    Delivery { alarm: String, reason: String },
}

/// Delivery of notifications; implementations (log, webhook, SMS gateway) live in the binary.
pub trait Notifier {
    fn notify(&mut self, n: &Notification) -> Result<(), NotifyError>;
}

/// A person's instruction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "command")]
pub enum Command {
    Acknowledge { alarm: String, party: Party, who: String, channel: Channel, comment: String },
    Respond { alarm: String, who: String, action: String },
    Close { alarm: String, who: String, reply: String },
    Dismiss { alarm: String, who: String, reason: String },
    ConfirmDismissal { alarm: String, who: String },
    RejectDismissal { alarm: String, who: String, reason: String },
}

impl Command {
    pub fn alarm(&self) -> &str {
        match self {
            Command::Acknowledge { alarm, .. }
            | Command::Respond { alarm, .. }
            | Command::Close { alarm, .. }
            | Command::Dismiss { alarm, .. }
            | Command::ConfirmDismissal { alarm, .. }
            | Command::RejectDismissal { alarm, .. } => alarm,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Command::Acknowledge { .. } => "acknowledge",
            Command::Respond { .. } => "respond",
            Command::Close { .. } => "close",
            Command::Dismiss { .. } => "dismiss",
            Command::ConfirmDismissal { .. } => "confirm_dismissal",
            Command::RejectDismissal { .. } => "reject_dismissal",
        }
    }

    fn who(&self) -> &str {
        match self {
            Command::Acknowledge { who, .. }
            | Command::Respond { who, .. }
            | Command::Close { who, .. }
            | Command::Dismiss { who, .. }
            | Command::ConfirmDismissal { who, .. }
            | Command::RejectDismissal { who, .. } => who,
        }
    }
}

/// Why a command was refused. Each names the alarm, and where it matters its state
/// and the command, so the operator sees what to do instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlarmError {
    #[error("no alarm {alarm} (command {command})")]
    UnknownAlarm { alarm: String, command: &'static str },
    #[error("alarm {alarm} is {state}: cannot {command}; {needs}")]
    InvalidTransition { alarm: String, state: State, command: &'static str, needs: &'static str },
    #[error("alarm {alarm} is {state}: cannot {command}: {field} is empty")]
    EmptyField { alarm: String, state: State, command: &'static str, field: &'static str },
    #[error("alarm {alarm} is {state}: cannot {command}: the {party} side already acknowledged")]
    AlreadyAcknowledged { alarm: String, state: State, command: &'static str, party: Party },
    #[error("alarm {alarm} is {state}: cannot {command}: {who} proposed the dismissal; a different person must decide it")]
    SamePerson { alarm: String, state: State, command: &'static str, who: String },
}

/// Which alarms a key may fold into: live, back-filled and inhibited alarms of
/// the same key are kept apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Class {
    Live,
    Late,
    Inhibited,
}

impl Class {
    fn of(a: &Alarm) -> Class {
        if a.late {
            Class::Late
        } else if a.inhibited_by.is_some() {
            Class::Inhibited
        } else {
            Class::Live
        }
    }
    fn id(self) -> &'static str {
        match self {
            Class::Live => "live",
            Class::Late => "late",
            Class::Inhibited => "inhibited",
        }
    }
}

type Key = (String, String, String, Class);

/// Every alarm, open and finished. Serialises as `{"alarms": [...]}`; the indexes
/// are rebuilt on load.
#[derive(Clone, Debug, Default)]
pub struct AlarmBook {
    alarms: Vec<Alarm>,
    by_id: HashMap<String, usize>,
    open: HashMap<Key, usize>,
    seen: HashMap<String, usize>,
}

#[derive(Serialize)]
struct BookRef<'a> {
    alarms: &'a [Alarm],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BookOwned {
    alarms: Vec<Alarm>,
}

impl Serialize for AlarmBook {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        BookRef { alarms: &self.alarms }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for AlarmBook {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(AlarmBook::from_alarms(BookOwned::deserialize(d)?.alarms))
    }
}

impl PartialEq for AlarmBook {
    fn eq(&self, other: &Self) -> bool {
        self.alarms == other.alarms
    }
}

/// The newest instant the finding's data speaks for: its end, else its newest
/// evidence, else its start. An open event first seen long after its data (a
/// back-fill after a link outage) is as stale as a closed one.
fn data_time(f: &Finding) -> Timestamp {
    f.end.unwrap_or_else(|| f.evidence.iter().filter_map(|e| e.time).max().unwrap_or(f.start).max(f.start))
}

/// The place key of a finding: the point code of its first evidence, else its place.
pub fn place_key(f: &Finding) -> String {
    f.evidence.first().and_then(|e| e.point.clone()).or_else(|| f.place.clone()).unwrap_or_default()
}

fn key_of(a: &Alarm) -> Key {
    (a.mine.clone(), a.rule.clone(), a.place.clone(), Class::of(a))
}

fn names(contacts: &[Contact]) -> String {
    contacts
        .iter()
        .map(|c| if c.role.is_empty() { c.name.clone() } else { format!("{} ({})", c.name, c.role) })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Collects effects and the ids of the alarms changed, each once.
#[derive(Default)]
struct Out {
    effects: Vec<Effect>,
    changed: Vec<String>,
}

impl Out {
    fn changed(&mut self, id: &str) {
        if !self.changed.iter().any(|c| c == id) {
            self.changed.push(id.to_string());
        }
    }
    fn finish(mut self) -> Vec<Effect> {
        self.effects.extend(self.changed.into_iter().map(Effect::Changed));
        self.effects
    }
}

impl AlarmBook {
    pub fn new() -> AlarmBook {
        AlarmBook::default()
    }

    /// Rebuilds a book from stored alarms (what the caller persisted).
    pub fn from_alarms(alarms: Vec<Alarm>) -> AlarmBook {
        let mut b = AlarmBook { alarms, ..Default::default() };
        for (i, a) in b.alarms.iter().enumerate() {
            b.by_id.insert(a.id.clone(), i);
            for f in &a.finding_ids {
                b.seen.insert(f.clone(), i);
            }
            if !a.state.is_final() {
                b.open.insert(key_of(a), i);
            }
        }
        b
    }

    pub fn alarms(&self) -> &[Alarm] {
        &self.alarms
    }

    pub fn get(&self, id: &str) -> Option<&Alarm> {
        self.by_id.get(id).map(|&i| &self.alarms[i])
    }

    /// The alarms of a mine that are not final (late and inhibited ones included: they need review).
    pub fn open_for_mine(&self, mine: &str) -> Vec<&Alarm> {
        self.alarms.iter().filter(|a| a.mine == mine && !a.state.is_final()).collect()
    }

    /// The earliest instant at which [`tick`](Self::tick) has work, so a server can sleep until then.
    /// Computed with the policy of the last call that touched each alarm: after a
    /// policy reload, call `tick` once to refresh it.
    pub fn next_due(&self) -> Option<Timestamp> {
        self.alarms.iter().filter_map(|a| a.next_deadline).min()
    }

    /// Per alarm, the times to acknowledge and to close, for the 叫应 statistics.
    pub fn report(&self) -> Vec<ReportRow> {
        self.alarms
            .iter()
            .map(|a| ReportRow {
                alarm: a.id.clone(),
                mine: a.mine.clone(),
                rule: a.rule.clone(),
                severity: a.severity,
                state: a.state,
                late: a.late,
                inhibited: a.inhibited_by.is_some(),
                escalation: a.escalation,
                ack_secs: a.ack_secs(),
                close_secs: a.close_secs(),
            })
            .collect()
    }

    /// Takes a finding from the engine: opens an alarm (severity alarm and up),
    /// folds a repeat into the open one, updates or withdraws a known one.
    pub fn on_finding(&mut self, f: &Finding, now: Timestamp, policy: &Policy, dir: &Directory) -> Vec<Effect> {
        let mut out = Out::default();
        // ALM-1 is the escalation of an alarm already in the book: alarming on it would loop.
        if f.rule == ALM_1 {
            return vec![];
        }
        if let Some(&i) = self.seen.get(&f.id) {
            self.update_known(i, f, now, policy, &mut out);
            return out.finish();
        }
        if f.has_tag(TAG_WITHDRAWN) {
            return vec![];
        }
        let Some(deadlines) = policy.deadlines(f.severity) else {
            return vec![];
        };
        let key = place_key(f);
        let late = data_time(f) < now.plus_secs(-policy.stale_after_secs);
        let inhibitor = self.inhibitor(f);
        let class = if late {
            Class::Late
        } else if inhibitor.is_some() {
            Class::Inhibited
        } else {
            Class::Live
        };
        // A back-filled finding joins a live alarm of its key if one is open: the
        // event is being handled anyway. A live finding never joins a record-only alarm.
        let mut tries = vec![class];
        if class != Class::Live {
            tries.insert(0, Class::Live);
        }
        for c in tries {
            if let Some(&i) = self.open.get(&(f.mine.clone(), f.rule.clone(), key.clone(), c)) {
                self.repeat(i, f, now, policy, &mut out);
                return out.finish();
            }
        }

        let mut id = alarm_id(&f.mine, &f.rule, &key, now, class.id());
        let mut n = 2;
        while self.by_id.contains_key(&id) {
            id = format!("{}-{n}", alarm_id(&f.mine, &f.rule, &key, now, class.id()));
            n += 1;
        }
        let first = f.evidence.first();
        let mut a = Alarm {
            id: id.clone(),
            mine: f.mine.clone(),
            rule: f.rule.clone(),
            place: key,
            place_text: f.place.clone(),
            severity: f.severity,
            title: f.title.clone(),
            state: State::Raised,
            raised_at: now,
            event_start: f.start,
            event_end: f.end,
            finding_ids: vec![f.id.clone()],
            withdrawn_findings: vec![],
            repeats: 0,
            peak: f.peak,
            tags: f.tags.clone(),
            source_file: first.map(|e| e.file.clone()).filter(|s| !s.is_empty()),
            source_record: first.and_then(|e| e.record),
            required: policy.required_parties(f.severity),
            acks: vec![],
            acknowledged_at: None,
            response: None,
            reply: None,
            dismissal: None,
            explanations: vec![],
            escalation: None,
            steps_fired: 0,
            due: DueTimes {
                ack_by: now.plus_secs(deadlines.ack_secs),
                respond_by: now.plus_secs(deadlines.respond_secs),
                close_by: now.plus_secs(deadlines.close_secs),
            },
            next_deadline: None,
            last_notified_at: None,
            renotified: 0,
            respond_overdue: false,
            close_overdue: false,
            late,
            inhibited_by: inhibitor.clone(),
            alm1: None,
            finished_at: None,
            notified: vec![],
            history: vec![],
        };
        let mut note = format!("finding {} ({} at {}, event start {})", f.id, f.rule, a.place, f.start);
        if late {
            let end = f.end.map(|e| e.to_string()).unwrap_or_default();
            note.push_str(&format!(
                "; late: the event ended {end}, more than {} s before the clock, so it is on record for review and not notified",
                policy.stale_after_secs
            ));
        }
        if let Some(by) = &inhibitor {
            note.push_str(&format!("; inhibited by outage alarm {by}: on record, not notified"));
        }
        a.record(now, SYSTEM, Action::Raise, State::Raised, Some(note));
        let i = self.alarms.len();
        self.by_id.insert(id.clone(), i);
        self.seen.insert(f.id.clone(), i);
        self.open.insert(key_of(&a), i);
        self.alarms.push(a);
        out.changed(&id);
        self.run_timers(i, now, policy, dir, &mut out);
        out.finish()
    }

    /// Advances every alarm's timers to `now`: escalation step by step, ALM-1 at
    /// the acknowledgement deadline, reminders, overdue notices.
    pub fn tick(&mut self, now: Timestamp, policy: &Policy, dir: &Directory) -> Vec<Effect> {
        let mut out = Out::default();
        for i in 0..self.alarms.len() {
            let a = &self.alarms[i];
            if a.state.is_final() || !a.is_notifiable() {
                continue;
            }
            self.run_timers(i, now, policy, dir, &mut out);
        }
        out.finish()
    }

    /// Applies a person's command.
    pub fn apply(&mut self, cmd: Command, now: Timestamp, policy: &Policy) -> Result<Vec<Effect>, AlarmError> {
        let command = cmd.name();
        let Some(&i) = self.by_id.get(cmd.alarm()) else {
            return Err(AlarmError::UnknownAlarm { alarm: cmd.alarm().to_string(), command });
        };
        let mut out = Out::default();
        let a = &mut self.alarms[i];
        let (alarm, state) = (a.id.clone(), a.state);
        let invalid = |needs: &'static str| AlarmError::InvalidTransition { alarm: alarm.clone(), state, command, needs };
        let empty = |field: &'static str| AlarmError::EmptyField { alarm: alarm.clone(), state, command, field };
        if cmd.who().trim().is_empty() {
            return Err(empty("who"));
        }
        let at = now.max(a.last_at());
        match cmd {
            Command::Acknowledge { party, who, channel, comment, .. } => {
                let waiting = state == State::Raised
                    || (state == State::DismissalPending && a.dismissal.as_ref().is_some_and(|d| d.return_to == State::Raised));
                if !waiting {
                    return Err(invalid("only a raised alarm is acknowledged"));
                }
                if a.acked_by(party) {
                    return Err(AlarmError::AlreadyAcknowledged { alarm, state, command, party });
                }
                a.acks.push(Ack { party, who: who.clone(), at, channel, comment: comment.clone() });
                let missing = a.missing_parties();
                let complete = missing.is_empty();
                let mut note = format!("{party} acknowledged via {channel:?}");
                if !comment.trim().is_empty() {
                    note.push_str(&format!(": {comment}"));
                }
                let to = if complete {
                    a.acknowledged_at = Some(at);
                    if state == State::DismissalPending {
                        if let Some(d) = a.dismissal.as_mut() {
                            d.return_to = State::Acknowledged;
                        }
                        State::DismissalPending
                    } else {
                        State::Acknowledged
                    }
                } else {
                    if !a.required.contains(&party) {
                        note.push_str("; this party's acknowledgement is not required at this severity");
                    }
                    note.push_str(&format!(
                        "; still waiting for: {}",
                        missing.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
                    ));
                    state
                };
                a.record(at, &who, Action::Acknowledge, to, Some(note));
                if complete && a.is_notifiable() {
                    // The deadline passed with no tick in between: the miss still goes on record.
                    if a.alm1.is_none() && at >= a.due.ack_by {
                        raise_alm1(a, &mut out);
                    }
                    close_alm1(a, at, &mut out);
                }
            }
            Command::Respond { who, action, .. } => {
                if state != State::Acknowledged {
                    return Err(invalid("responding (响应) needs the alarm acknowledged (叫应) first"));
                }
                if action.trim().is_empty() {
                    return Err(empty("action"));
                }
                a.response = Some(Response { who: who.clone(), at, action: action.clone() });
                a.record(at, &who, Action::Respond, State::Responded, Some(action));
            }
            Command::Close { who, reply, .. } => {
                if state != State::Responded {
                    return Err(invalid("closing needs a response (响应) on record first"));
                }
                if reply.trim().is_empty() {
                    return Err(empty("reply"));
                }
                a.reply = Some(Reply { who: who.clone(), at, text: reply.clone() });
                a.record(at, &who, Action::Close, State::Closed, Some(reply));
                finish_notice(a, Reason::Closed, at, &mut out);
            }
            Command::Dismiss { who, reason, .. } => {
                if !matches!(state, State::Raised | State::Acknowledged | State::Responded) {
                    return Err(invalid("only an alarm that is raised, acknowledged or responded can be called false"));
                }
                if reason.trim().is_empty() {
                    return Err(empty("reason"));
                }
                a.dismissal = Some(Dismissal {
                    who: who.clone(),
                    at,
                    reason: reason.clone(),
                    return_to: state,
                    confirmed_by: None,
                    confirmed_at: None,
                });
                a.record(at, &who, Action::Dismiss, State::DismissalPending, Some(reason));
            }
            Command::ConfirmDismissal { who, .. } => {
                let Some(d) = a.dismissal.as_mut().filter(|_| state == State::DismissalPending) else {
                    return Err(invalid("there is no dismissal pending"));
                };
                if d.who == who {
                    return Err(AlarmError::SamePerson { alarm, state, command, who });
                }
                d.confirmed_by = Some(who.clone());
                d.confirmed_at = Some(at);
                let note = format!("confirmed the dismissal proposed by {}: {}", d.who, d.reason);
                a.record(at, &who, Action::ConfirmDismissal, State::Dismissed, Some(note));
                if a.is_notifiable() {
                    close_alm1(a, at, &mut out);
                }
                finish_notice(a, Reason::Dismissed, at, &mut out);
            }
            Command::RejectDismissal { who, reason, .. } => {
                let Some(d) = a.dismissal.as_ref().filter(|_| state == State::DismissalPending) else {
                    return Err(invalid("there is no dismissal pending"));
                };
                if d.who == who {
                    return Err(AlarmError::SamePerson { alarm, state, command, who });
                }
                if reason.trim().is_empty() {
                    return Err(empty("reason"));
                }
                let back = d.return_to;
                let note = format!("rejected the dismissal proposed by {} ({}): {reason}", d.who, d.reason);
                a.dismissal = None;
                a.record(at, &who, Action::RejectDismissal, back, Some(note));
            }
        }
        let a = &mut self.alarms[i];
        a.next_deadline = next_deadline(a, policy);
        let id = a.id.clone();
        if a.state.is_final() {
            let k = key_of(a);
            if self.open.get(&k) == Some(&i) {
                self.open.remove(&k);
            }
        }
        out.changed(&id);
        Ok(out.finish())
    }

    /// Attaches the mine's own explanation (YCBJ 异常原因 / 处理措施) to the alarm of
    /// that mine and point whose event covers `event_time` (the latest-starting one
    /// if several do), else to the open alarm of that point nearest in event time.
    /// Returns the alarm id, or `None` when the point has no alarm.
    #[allow(clippy::too_many_arguments)]
    pub fn on_explanation(
        &mut self,
        mine: &str,
        point: &str,
        event_time: Timestamp,
        cause: &str,
        measures: &str,
        file: &str,
        record: Option<usize>,
        now: Timestamp,
    ) -> Option<String> {
        let of_point = || self.alarms.iter().enumerate().filter(|(_, a)| a.mine == mine && a.place == point);
        let covering = of_point()
            .filter(|(_, a)| a.event_start <= event_time && a.event_end.is_none_or(|e| event_time <= e))
            .max_by_key(|(i, a)| (a.event_start, *i))
            .map(|(i, _)| i);
        let i = covering.or_else(|| {
            of_point()
                .filter(|(_, a)| !a.state.is_final())
                .min_by_key(|(i, a)| (a.event_start.secs_since(event_time).abs(), *i))
                .map(|(i, _)| i)
        })?;
        let a = &mut self.alarms[i];
        a.explanations.push(Explanation {
            point: point.to_string(),
            event_time,
            cause: cause.to_string(),
            measures: measures.to_string(),
            file: file.to_string(),
            record,
            at: now,
        });
        let state = a.state;
        let note = format!("YCBJ {file}: 异常原因 {cause}; 处理措施 {measures}");
        a.record(now, &format!("mine:{mine}"), Action::Explain, state, Some(note));
        Some(a.id.clone())
    }

    /// The open outage alarm that explains this finding, if any.
    fn inhibitor(&self, f: &Finding) -> Option<String> {
        if !INHIBITABLE_RULES.contains(&f.rule.as_str()) {
            return None;
        }
        self.alarms
            .iter()
            .filter(|a| a.mine == f.mine && !a.state.is_final() && a.event_end.is_none_or(|e| f.start <= e))
            .find(|a| {
                a.tags.iter().any(|t| {
                    t == TAG_SCOPE_MINE
                        || t.strip_prefix(TAG_SCOPE_SUBSTATION).is_some_and(|code| f.has_tag(&format!("{TAG_SUBSTATION}{code}")))
                })
            })
            .map(|a| a.id.clone())
    }

    /// Another finding for an open alarm's key.
    fn repeat(&mut self, i: usize, f: &Finding, now: Timestamp, policy: &Policy, out: &mut Out) {
        self.seen.insert(f.id.clone(), i);
        let a = &mut self.alarms[i];
        a.finding_ids.push(f.id.clone());
        a.repeats += 1;
        absorb(a, f);
        let state = a.state;
        a.record(now, SYSTEM, Action::Repeat, state, Some(format!("repeat {}: finding {} (event start {})", a.repeats, f.id, f.start)));
        a.next_deadline = next_deadline(a, policy);
        out.changed(&a.id);
    }

    /// A finding id already on an alarm: a new version (closed, peak grown) or a withdrawal.
    fn update_known(&mut self, i: usize, f: &Finding, now: Timestamp, policy: &Policy, out: &mut Out) {
        let a = &mut self.alarms[i];
        let state = a.state;
        if f.has_tag(TAG_WITHDRAWN) {
            if a.withdrawn_findings.contains(&f.id) {
                return;
            }
            a.withdrawn_findings.push(f.id.clone());
            let all_withdrawn = a.finding_ids.iter().all(|id| a.withdrawn_findings.contains(id));
            if all_withdrawn && a.acks.is_empty() && !state.is_final() {
                a.record(
                    now,
                    SYSTEM,
                    Action::Supersede,
                    State::Superseded,
                    Some(format!("finding {} was withdrawn by its detector before anyone answered", f.id)),
                );
                if let Some(mut alm) = a.alm1.take() {
                    alm.tags.retain(|t| t != TAG_OPEN);
                    if !alm.has_tag(TAG_WITHDRAWN) {
                        alm.tags.push(TAG_WITHDRAWN.to_string());
                    }
                    out.effects.push(Effect::Finding(alm.clone()));
                    a.alm1 = Some(alm);
                }
                finish_notice(a, Reason::Superseded, now, out);
                let k = key_of(a);
                if self.open.get(&k) == Some(&i) {
                    self.open.remove(&k);
                }
            } else {
                let why = if !a.acks.is_empty() {
                    let who: Vec<&str> = a.acks.iter().map(|k| k.who.as_str()).collect();
                    format!("kept: already acknowledged by {}", who.join(", "))
                } else if state.is_final() {
                    format!("kept: already {state}")
                } else {
                    "kept: other findings of this alarm stand".to_string()
                };
                a.record(
                    now,
                    SYSTEM,
                    Action::WithdrawalNoted,
                    state,
                    Some(format!("finding {} was withdrawn by its detector; {why}", f.id)),
                );
            }
        } else {
            if state.is_final() {
                return;
            }
            let before = (a.event_end, a.peak);
            absorb(a, f);
            if (a.event_end, a.peak) == before {
                return;
            }
            let end = a.event_end.map(|e| format!("event ended {e}")).unwrap_or_else(|| "event still open".into());
            a.record(now, SYSTEM, Action::Update, state, Some(format!("finding {} updated: {end}", f.id)));
        }
        let a = &mut self.alarms[i];
        a.next_deadline = next_deadline(a, policy);
        out.changed(&a.id);
    }

    fn run_timers(&mut self, i: usize, now: Timestamp, policy: &Policy, dir: &Directory, out: &mut Out) {
        let a = &mut self.alarms[i];
        let before = (a.history.len(), a.last_notified_at, a.renotified, a.alm1.is_some());
        timers(a, now, policy, dir, out);
        a.next_deadline = next_deadline(a, policy);
        if (a.history.len(), a.last_notified_at, a.renotified, a.alm1.is_some()) != before {
            out.changed(&a.id);
        }
    }
}

/// Folds a finding's latest values into the alarm.
fn absorb(a: &mut Alarm, f: &Finding) {
    a.event_end = f.end;
    a.peak = match (a.peak, f.peak) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    a.severity = a.severity.max(f.severity);
    a.title = f.title.clone();
    a.tags = f.tags.clone();
}

/// Seconds after the raise at which step `k` of the chain is due for this alarm.
fn step_due(a: &Alarm, policy: &Policy, k: usize) -> Option<Timestamp> {
    let ack_secs = a.due.ack_by.secs_since(a.raised_at);
    policy.escalation.get(k).map(|s| a.raised_at.plus_secs(s.offset(ack_secs)))
}

fn notify(a: &Alarm, level: Level, recipients: Vec<Contact>, problem: Option<String>, reason: Reason, at: Timestamp, out: &mut Out) {
    out.effects.push(Effect::Notify(Notification {
        alarm: a.id.clone(),
        mine: a.mine.clone(),
        level,
        recipients,
        reason,
        title: a.title.clone(),
        at,
        problem,
    }));
}

fn timers(a: &mut Alarm, now: Timestamp, policy: &Policy, dir: &Directory, out: &mut Out) {
    if a.state.is_final() || !a.is_notifiable() {
        return;
    }
    let at = now.max(a.last_at());
    if a.awaiting_ack() {
        // One step per deadline: if the clock jumped, every level passed is still
        // recorded and told, in order, so nobody in the chain is skipped silently.
        while let Some(due) = step_due(a, policy, a.steps_fired) {
            if due > now {
                break;
            }
            let level = policy.escalation[a.steps_fired].level;
            a.steps_fired += 1;
            a.escalation = Some(level);
            let found = dir.lookup(&a.mine, level);
            let reason = if a.steps_fired == 1 { Reason::Raised } else { Reason::Escalated };
            let answered = a.acked_by(level.party());
            let mut note = format!("{level} (due {due})");
            if answered {
                note.push_str(&format!(": not notified, the {} side already acknowledged", level.party()));
            } else if found.contacts.is_empty() {
                note.push_str(&format!(": nobody to notify: {}", found.problem.clone().unwrap_or_default()));
            } else {
                note.push_str(&format!(": notified {}", names(&found.contacts)));
            }
            let state = a.state;
            a.record(at, SYSTEM, Action::Escalate, state, Some(note));
            if !answered {
                a.notified.push(Notified { level, contacts: found.contacts.clone(), problem: found.problem.clone(), at });
                notify(a, level, found.contacts, found.problem, reason, at, out);
                a.last_notified_at = Some(at);
            }
        }
        if a.alm1.is_none() && now >= a.due.ack_by {
            raise_alm1(a, out);
        }
        if let (Some(level), Some(last)) = (a.escalation, a.last_notified_at) {
            if !a.acked_by(level.party()) && now >= last.plus_secs(policy.renotify_secs) {
                let found = dir.lookup(&a.mine, level);
                notify(a, level, found.contacts, found.problem, Reason::Renotify, at, out);
                a.renotified += 1;
                a.last_notified_at = Some(at);
            }
        }
    }
    if a.response.is_none() && !a.respond_overdue && now >= a.due.respond_by {
        a.respond_overdue = true;
        overdue(a, at, format!("no response (响应) by {}", a.due.respond_by), out);
    }
    if a.reply.is_none() && !a.close_overdue && now >= a.due.close_by {
        a.close_overdue = true;
        overdue(a, at, format!("no reply (回应) by {}", a.due.close_by), out);
    }
}

/// Records an overdue stage and tells the highest level reached.
fn overdue(a: &mut Alarm, at: Timestamp, what: String, out: &mut Out) {
    let state = a.state;
    a.record(at, SYSTEM, Action::Overdue, state, Some(what));
    if let Some(n) = a.notified.last().cloned() {
        notify(a, n.level, n.contacts, n.problem, Reason::Overdue, at, out);
    }
}

/// Tells everyone who was notified that the alarm is finished.
fn finish_notice(a: &Alarm, reason: Reason, at: Timestamp, out: &mut Out) {
    if !a.is_notifiable() {
        return;
    }
    for n in &a.notified {
        notify(a, n.level, n.contacts.clone(), n.problem.clone(), reason, at, out);
    }
}

/// The ALM-1 finding: the acknowledgement deadline passed unanswered.
fn raise_alm1(a: &mut Alarm, out: &mut Out) {
    let start = a.due.ack_by;
    let told: Vec<String> = a
        .notified
        .iter()
        .map(|n| {
            if n.contacts.is_empty() {
                format!("{}: nobody ({})", n.level, n.problem.clone().unwrap_or_default())
            } else {
                format!("{}: {}", n.level, names(&n.contacts))
            }
        })
        .collect();
    let missing: Vec<String> = a.missing_parties().iter().map(|p| p.to_string()).collect();
    let detail = format!(
        "Alarm {} (rule {}, finding {}, raised {}) was not acknowledged (叫应) by the {} side by its deadline {}; notified: {}",
        a.id,
        a.rule,
        a.finding_ids.first().map(String::as_str).unwrap_or(""),
        a.raised_at,
        missing.join(" and "),
        start,
        if told.is_empty() { "nobody".to_string() } else { told.join("; ") }
    );
    let evidence = vec![Evidence {
        file: a.source_file.clone().unwrap_or_default(),
        record: a.source_record,
        point: Some(a.place.clone()).filter(|p| !p.is_empty()),
        time: Some(start),
        detail: Some(detail),
        ..Default::default()
    }];
    let title = format!("Alarm {} not acknowledged within {} s: {}", a.id, start.secs_since(a.raised_at), a.title);
    let place = Some(a.place.as_str()).filter(|p| !p.is_empty());
    let mut f = minesafe_rules::catalog::finding(ALM_1, &a.mine, start, None, place, title, evidence);
    f.id = Finding::stable_id(ALM_1, &a.mine, &a.id, start);
    f.tags.push(TAG_OPEN.to_string());
    f.tags.push(format!("alarm:{}", a.id));
    for hook in minesafe_rules::tables::tables().hooks(ALM_1, start) {
        f.tags.push(format!("hook:{hook}"));
    }
    if f.severity < Severity::Alarm {
        f.severity = Severity::Alarm;
    }
    out.effects.push(Effect::Finding(f.clone()));
    a.alm1 = Some(f);
}

/// Closes an open ALM-1 at `at`.
fn close_alm1(a: &mut Alarm, at: Timestamp, out: &mut Out) {
    if let Some(f) = a.alm1.as_mut() {
        if f.end.is_none() {
            f.end = Some(at.max(f.start));
            f.tags.retain(|t| t != TAG_OPEN);
            out.effects.push(Effect::Finding(f.clone()));
        }
    }
}

/// When `tick` next has something to do for this alarm.
fn next_deadline(a: &Alarm, policy: &Policy) -> Option<Timestamp> {
    if a.state.is_final() || !a.is_notifiable() {
        return None;
    }
    let mut c: Vec<Timestamp> = vec![];
    if a.awaiting_ack() {
        c.extend(step_due(a, policy, a.steps_fired));
        if a.alm1.is_none() {
            c.push(a.due.ack_by);
        }
        if let (Some(level), Some(last)) = (a.escalation, a.last_notified_at) {
            if !a.acked_by(level.party()) {
                c.push(last.plus_secs(policy.renotify_secs));
            }
        }
    }
    if a.response.is_none() && !a.respond_overdue {
        c.push(a.due.respond_by);
    }
    if a.reply.is_none() && !a.close_overdue {
        c.push(a.due.close_by);
    }
    c.into_iter().min()
}

/// One row of the acknowledgement statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub alarm: String,
    pub mine: String,
    pub rule: String,
    pub severity: Severity,
    pub state: State,
    pub late: bool,
    pub inhibited: bool,
    pub escalation: Option<Level>,
    pub ack_secs: Option<i64>,
    pub close_secs: Option<i64>,
}
