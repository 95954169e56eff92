//! The tamper-evident audit trail (审计留痕) of the enforcement ledger.
//!
//! Every change to a ledger record becomes one [`Entry`]: the event as
//! [canonical JSON](canonical_json), who did it, the BLAKE3 hash of the record
//! snapshot it produced, and a BLAKE3 hash over all of that plus the previous
//! entry's hash. The chain alone catches an entry edited in place, a row deleted
//! from the middle, and rows reordered, and [`verify`] names the entry.
//!
//! A chain alone cannot catch two things anyone with write access to the
//! database can do without any key: **truncation** (deleting the newest
//! entries) and **re-stamping** (editing an entry and recomputing every later
//! hash, so the chain is consistent again). Hence [`Checkpoint`]s: every N
//! entries or T seconds ([`CheckpointPolicy`]) the platform signs "count and head"
//! with an Ed25519 key ([`Signer`]) kept in its own file, apart from the
//! database, and writes the checkpoint to an [`ExportDir`] — a write-once folder
//! that should live elsewhere (another disk, a WORM mount, the regulator's
//! copy). [`verify`] trusts the export, not the database: a checkpoint whose
//! count the database no longer reaches is truncation; one whose head no longer
//! matches is re-stamping, and the checkpoint's locator hashes
//! ([`Checkpoint::hashes`]) name the first rewritten entry.
//!
//! # The window that cannot be protected
//! Entries written after the last exported checkpoint are covered by the chain
//! only. Until the next checkpoint, someone who can write the database can
//! **truncate** them or **re-stamp** them (edit and recompute all their hashes)
//! and [`verify`] will report the chain as sound: nothing outside the database
//! has committed to them yet. [`VerifyReport::unprotected`] says how many entries
//! are in that window; [`CheckpointPolicy`] bounds it (by default at most 100
//! entries or 300 seconds). What *is* still caught there: any edit, deletion
//! or reordering that does not recompute the hashes, and any re-stamp that
//! reaches back before the last checkpoint (its head no longer matches).
//! Closing the window needs a checkpoint per entry, or an external witness per
//! entry; the policy is the trade-off.
//!
//! Order of writing, so a crash never makes an honest trail look tampered:
//! append the entry to the database; when the policy says so, sign, write the
//! checkpoint to the export, then store its copy in the database.
//!
//! Pure functions except [`Signer::generate`]/[`Signer::load_or_create`] (key
//! file, `/dev/urandom`) and [`ExportDir`] (the export folder). No clock: times
//! come in as arguments.

mod canonical;
mod chain;
mod checkpoint;
mod error;
mod export;
mod verify;

pub use canonical::{canonical_json, json_hash};
pub use chain::{Chain, Entry, ALG, GENESIS};
pub use checkpoint::{checkpoint_message, key_id_of, verify_checkpoint, Checkpoint, CheckpointPolicy, Signer};
pub use error::AuditError;
pub use export::ExportDir;
pub use verify::{verify, Problem, ProblemKind, VerifyReport};
