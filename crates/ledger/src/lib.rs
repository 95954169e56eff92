//! The enforcement ledger (执法台账): everything a regulator decides about a mine,
//! kept as an ordered log of [`Event`]s and folded into records.
//!
//! Why an event log: the Hard Measures ask that no one can quietly rewrite a
//! hazard's history (HM-2.3) and that "whoever checks signs and answers"
//! (HM-1.2). So the only way to change a record is to append an event carrying
//! its actor and time; [`Ledger::apply`] either accepts it (and says which record
//! changed) or refuses it with a [`Refusal`] that names the rule it enforces.
//! Replaying the same events always gives the same ledger, which is what the
//! audit chain (crate `minesafe-audit`) hashes and what `minesafe audit verify`
//! re-checks.
//!
//! Modules, one per kind of record:
//! - [`hazard`]: the major-hazard ledger (重大事故隐患台账) state machine with the
//!   five in place (五落实), deadlines, extensions, helpers, contests and repeats;
//! - [`selfcheck`]: the principal's monthly full-system check (HM-2.1-R1);
//! - [`inspection`]: inspection plans and records, orders, penalties, referrals,
//!   back-tracing (HM-1.2) and risk-ranked visit planning (HM-2.2);
//! - [`gates`]: mines, licences, status changes, restart acceptance (HM-6.2) and
//!   the closure-proposal rules (HM-3.3, SPL Art. 113);
//! - [`leads`]: reviewers' marks on cross-check leads (confirmed or false, with a reason).
//!
//! No I/O and no clock: every time comes in on the event.

pub mod actor;
pub mod calendar;
pub mod gates;
pub mod hazard;
pub mod inspection;
pub mod leads;
mod ledger;
pub mod selfcheck;

pub use actor::{Actor, Role};
pub use ledger::{Applied, Command, Event, Ledger, LedgerConfig, RecordRef, Refusal, RefusalCode};
