//! The alarm lifecycle: 预警 → 叫应 → 响应 → 回应 (warn → call → respond → reply).
//!
//! The Hard Measures (HM-4.3-R2) require that an alert is *answered*: someone at
//! the mine acknowledges it, acts, and reports back, and a regulator can see that
//! it happened and how long it took. The platforms the industry anchors on do not
//! provide that: ThingsBoard's alarm rules are message-driven and have no timers
//! (no "escalate when nobody acknowledges in N minutes", thingsboard#8520, #11803;
//! no reminder until acknowledged, #12501), and Prometheus Alertmanager has no
//! acknowledgement at all (alertmanager#1860, faked with guessed-length silences).
//! This crate is the missing part: an alarm book driven by findings, commands and
//! an injected clock.
//!
//! # Lifecycle
//!
//! - A finding of severity `alarm`, `illegal` or `major_hazard` raises an [`Alarm`]
//!   (`warning` and `info` do not). There is one alarm per (mine, rule, place key)
//!   while it is not final; the place key is the point code of the finding's first
//!   evidence, else its place. A repeat finding updates that alarm (repeat count,
//!   latest values, peak, end) instead of opening a second one.
//! - **Raised** → **Acknowledged** (叫应: who, when, by which channel) → **Responded**
//!   (响应: the action taken) → **Closed** (回应: a non-empty reply). Responding needs
//!   the acknowledgement, closing needs the response.
//! - **Dismiss** (called false) puts it in **DismissalPending**; a *different* person
//!   confirms (**Dismissed**) or rejects (back to where it was). Four eyes, because a
//!   dismissal stops the chain.
//! - A finding the detector **withdraws** closes its alarm as **Superseded** (actor
//!   `system`) unless someone already acknowledged it; then it stays, with a note.
//! - From `dual_ack_from` (default `major_hazard`) both the mine and the regulator
//!   must acknowledge; escalation continues until the party still missing answers.
//! - Every change is a [`Transition`] with its actor (`system` for the book's own).
//!
//! # Timers (all measured from the raise, on the clock passed in as `now`)
//!
//! | severity | acknowledge | respond | close |
//! |---|---|---|---|
//! | `major_hazard` | 5 min | 30 min | 24 h |
//! | `alarm`, `illegal` | 10 min | 60 min | 24 h |
//!
//! Escalation chain (default): mine dispatcher at the raise, mine safety chief when
//! the acknowledgement deadline passes, county regulator at 2× and city regulator at
//! 3× the deadline; a province step may be added. One step per deadline: if the
//! clock jumped, every level passed is still recorded and notified, in order. While
//! unanswered the current level is reminded every 5 minutes. When the
//! acknowledgement deadline passes, an **ALM-1** finding is raised (start = the
//! deadline) and emitted again closed when the alarm is acknowledged. See
//! [`Policy`] for the TOML form and the reasons behind each default.
//!
//! # Record-only alarms
//!
//! - **Late**: a finding that ended more than `stale_after_secs` (default 600 s)
//!   before the clock happened while data was not arriving; calling someone now
//!   helps nobody, but it must be reviewed. It is on record, never notified,
//!   escalated or ALM-1'd.
//! - **Inhibited**: while an outage alarm is open (finding tagged `scope:mine`, e.g.
//!   MON-1, or `scope:substation:<code>`), the data-gap rules MON-2/3/6/9 of the same
//!   mine (for a substation: those tagged `substation:<code>`) are recorded with
//!   `inhibited_by` and not notified: one outage, one call. Gas over-limit rules are
//!   never inhibited.
//!
//! No I/O and no clock: the caller persists the [`AlarmBook`] (serde) and delivers
//! the [`Effect`]s (notifications through a [`Notifier`] of its own, ALM-1 findings
//! to the store); [`AlarmBook::next_due`] says when to call [`AlarmBook::tick`].

pub mod alarm;
pub mod book;
pub mod directory;
pub mod policy;

pub use alarm::{Ack, Action, Alarm, Channel, Dismissal, DueTimes, Explanation, Notified, Reply, Response, State, Transition, SYSTEM};
pub use book::{place_key, AlarmBook, AlarmError, Command, Effect, Notification, Notifier, NotifyError, Reason, ReportRow, ALM_1};
pub use directory::{Directory, Recipients};
pub use policy::{Deadlines, EscalationStep, Level, Party, Policy, PolicyError};

#[cfg(test)]
mod tests;
