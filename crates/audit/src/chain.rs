//! The hash chain: one entry per change of a ledger record.

use minesafe_model::Timestamp;
use serde::{Deserialize, Serialize};

use crate::canonical::{canonical_json, json_hash};

/// `prev_hash` of entry 1: nothing came before it.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The only hash algorithm of this version; stored per entry so a later version
/// can change it without rewriting history.
pub const ALG: &str = "blake3";

/// Domain separation of entry hashes, so an entry hash can never be mistaken for
/// (or collide by construction with) any other BLAKE3 use in the platform.
const ENTRY_DOMAIN: &[u8] = b"minesafe-audit-v1";

/// One change of one ledger record (台账变更), as stored and hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the chain, 1-based and contiguous: a gap is a deletion.
    pub seq: u64,
    pub at: Timestamp,
    /// Id of the actor (who signed or submitted the change).
    pub actor: String,
    /// What was done (`hazard.register`, `inspection.sign`, ...).
    pub action: String,
    /// The record changed, `kind:id` (e.g. `hazard:HZ-1`).
    pub record: String,
    pub mine: String,
    /// Canonical JSON of the event (see [`canonical_json`]).
    pub body: String,
    /// BLAKE3 of the canonical JSON of the record as it stood after the change:
    /// ties the entry to the exact state a decision was made on.
    pub snapshot_hash: String,
    /// `hash` of the previous entry ([`GENESIS`] for entry 1).
    pub prev_hash: String,
    /// [`Entry::compute_hash`] at the time of writing.
    pub hash: String,
    /// [`ALG`].
    pub alg: String,
}

fn put(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

impl Entry {
    /// BLAKE3 over every field but `hash`, lowercase hex. Layout (fixed, so any
    /// implementation can recompute it): the domain `minesafe-audit-v1`, then
    /// `seq` (u64 LE), `at` (i64 LE, UTC seconds), then `actor`, `action`,
    /// `record`, `mine`, `body`, `snapshot_hash`, `prev_hash`, `alg`. Domain and
    /// strings are each prefixed with their byte length (u64 LE), so no two
    /// different entries share an encoding (moving bytes between fields changes it).
    pub fn compute_hash(&self) -> String {
        let mut h = blake3::Hasher::new();
        put(&mut h, ENTRY_DOMAIN);
        h.update(&self.seq.to_le_bytes());
        h.update(&self.at.0.to_le_bytes());
        for field in [&self.actor, &self.action, &self.record, &self.mine, &self.body, &self.snapshot_hash, &self.prev_hash, &self.alg] {
            put(&mut h, field.as_bytes());
        }
        h.finalize().to_hex().to_string()
    }
}

/// The writing end of the chain: knows the count and head, and the entry hashes
/// since the last checkpoint (they go into the next checkpoint as a locator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    count: u64,
    head: String,
    since_checkpoint: Vec<String>,
}

impl Default for Chain {
    fn default() -> Self {
        Chain::new()
    }
}

impl Chain {
    /// An empty chain (head [`GENESIS`]).
    pub fn new() -> Self {
        Chain { count: 0, head: GENESIS.to_string(), since_checkpoint: Vec::new() }
    }

    /// Continues a stored chain of `count` entries whose last hash is `head`.
    pub fn resume(count: u64, head: impl Into<String>) -> Self {
        Chain { count, head: head.into(), since_checkpoint: Vec::new() }
    }

    /// Like [`resume`](Chain::resume), also remembering the hashes of the entries
    /// after the last checkpoint (oldest first), for [`Chain::take_since_checkpoint`].
    pub fn resume_with(count: u64, head: impl Into<String>, since_checkpoint: Vec<String>) -> Self {
        Chain { count, head: head.into(), since_checkpoint }
    }

    /// Builds, hashes and links the next entry. `body` is the event, `snapshot`
    /// the record after the change; both are stored/hashed canonically.
    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &mut self,
        at: Timestamp,
        actor: &str,
        action: &str,
        record: &str,
        mine: &str,
        body: &serde_json::Value,
        snapshot: &serde_json::Value,
    ) -> Entry {
        let mut e = Entry {
            seq: self.count + 1,
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            record: record.to_string(),
            mine: mine.to_string(),
            body: canonical_json(body),
            snapshot_hash: json_hash(snapshot),
            prev_hash: self.head.clone(),
            hash: String::new(),
            alg: ALG.to_string(),
        };
        e.hash = e.compute_hash();
        self.count = e.seq;
        self.head = e.hash.clone();
        self.since_checkpoint.push(e.hash.clone());
        e
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn head(&self) -> &str {
        &self.head
    }

    /// The hashes of the entries appended since the last call (or since
    /// `resume_with`), oldest first; clears them. Pass them to
    /// [`Checkpoint::with_hashes`](crate::Checkpoint::with_hashes).
    pub fn take_since_checkpoint(&mut self) -> Vec<String> {
        std::mem::take(&mut self.since_checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t0() -> Timestamp {
        Timestamp::parse_beijing("2026-01-31 10:00:00").unwrap()
    }

    #[test]
    fn entries_link_and_hash() {
        let mut c = Chain::new();
        let a = c.append(t0(), "u-1", "hazard.register", "hazard:HZ-1", "M1", &json!({"b": 1, "a": 2}), &json!({"id": "HZ-1"}));
        let b = c.append(t0().plus_secs(60), "u-2", "hazard.rectify", "hazard:HZ-1", "M1", &json!({}), &json!({"id": "HZ-1", "s": 1}));
        assert_eq!((a.seq, b.seq), (1, 2));
        assert_eq!(a.prev_hash, GENESIS);
        assert_eq!(b.prev_hash, a.hash);
        assert_eq!(a.hash, a.compute_hash());
        assert_eq!(a.body, r#"{"a":2,"b":1}"#);
        assert_eq!(a.snapshot_hash, json_hash(&json!({"id": "HZ-1"})));
        assert_eq!(a.hash.len(), 64);
        assert!(a.hash.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!((c.count(), c.head()), (2, b.hash.as_str()));
        assert_eq!(c.take_since_checkpoint(), vec![a.hash.clone(), b.hash.clone()]);
        assert!(c.take_since_checkpoint().is_empty());
    }

    #[test]
    fn resume_continues_where_the_store_left_off() {
        let mut whole = Chain::new();
        let body = json!({"k": "v"});
        let e1 = whole.append(t0(), "u", "a", "r:1", "M", &body, &body);
        let e2 = whole.append(t0(), "u", "a", "r:1", "M", &body, &body);
        let mut resumed = Chain::resume(1, e1.hash.clone());
        assert_eq!(resumed.append(t0(), "u", "a", "r:1", "M", &body, &body), e2);
    }

    #[test]
    fn moving_bytes_between_fields_changes_the_hash() {
        let mut c = Chain::new();
        let e = c.append(t0(), "ab", "c", "r:1", "M", &json!(null), &json!(null));
        let mut moved = e.clone();
        moved.actor = "a".into();
        moved.action = "bc".into();
        assert_ne!(moved.compute_hash(), e.compute_hash());
    }

    #[test]
    fn entry_round_trips_through_serde() {
        let mut c = Chain::new();
        let e = c.append(t0(), "u", "a", "r:1", "M", &json!({"x": [1, 2]}), &json!({}));
        let back: Entry = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.compute_hash(), e.hash);
    }
}
