//! Checking a stored chain against the exported checkpoints.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::checkpoint::{key_id_of, parse_verifying_key, verify_checkpoint};
use crate::{Checkpoint, Entry, ALG, GENESIS};

/// What is wrong with an entry or a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A sequence number is skipped: entries were deleted.
    Deleted,
    /// A sequence number repeats or goes back, or a row carries the content of
    /// another position: entries were reordered.
    Reordered,
    /// `prev_hash` is not the previous entry's hash.
    BrokenLink,
    /// The entry no longer hashes to its stored hash: it was edited in place.
    Edited,
    /// The entry names a hash algorithm this version does not know.
    UnknownAlgorithm,
    /// The verifying key given to [`verify`] is malformed.
    BadKey,
    /// An exported checkpoint's signature does not verify: it is not evidence.
    BadSignature,
    /// The database has fewer entries than a checkpoint committed to.
    Truncated,
    /// The chain is internally consistent but its hash at a checkpoint differs
    /// from the signed head: history was rewritten and every later hash recomputed.
    Restamped,
    /// The database holds a checkpoint the export does not.
    StoredNotExported,
    /// The database's copy of a checkpoint differs from the exported one.
    StoredMismatch,
}

/// One finding of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The first entry affected (for checkpoint-only problems, `None`).
    pub seq: Option<u64>,
    /// The record of that entry, when the entry is still there to name it.
    pub record: Option<String>,
    pub kind: ProblemKind,
    /// A sentence naming the entry (seq, record, action, actor) and what is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Result of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Entries in the database.
    pub entries: u64,
    /// Exported checkpoints examined.
    pub checkpoints: usize,
    /// Count of the last exported checkpoint that verified and matched the chain:
    /// entries up to here cannot be changed, removed or re-stamped undetected.
    pub protected_through: u64,
    /// Entries after `protected_through`: only edits that leave the hashes stale
    /// are detectable there (see the crate docs).
    pub unprotected: u64,
    /// Everything found, chain problems first (in chain order), then checkpoint problems.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problem at the earliest entry (ties: the one found first); if no
    /// problem names an entry, the first one found.
    pub fn first(&self) -> Option<&Problem> {
        self.problems.iter().filter(|p| p.seq.is_some()).min_by_key(|p| p.seq).or_else(|| self.problems.first())
    }
}

fn describe(e: &Entry) -> String {
    format!("entry {} ({} {} by {} at {})", e.seq, e.record, e.action, e.actor, e.at)
}

fn entry_problem(e: &Entry, seq: u64, kind: ProblemKind, message: String) -> Problem {
    Problem { seq: Some(seq), record: Some(e.record.clone()), kind, message }
}

/// Verifies `entries` (as read from the database, by seq) against the exported
/// checkpoints, which are trusted over the database's own copies (`stored`).
///
/// In order: sequence numbers contiguous from 1, each `prev_hash` the previous
/// entry's hash, each hash recomputed; then each exported checkpoint's signature
/// by `verifying_key_hex`, that the database still has its `count` entries, and
/// that the entry at `count` still has the signed head; then that every stored
/// checkpoint is exported unchanged. Each entry is reported at most once (its
/// first failed check). See [`VerifyReport::first`] for the first bad entry.
pub fn verify(entries: &[Entry], stored: &[Checkpoint], exported: &[Checkpoint], verifying_key_hex: &str) -> VerifyReport {
    let mut problems = check_chain(entries);

    let mut by_seq: HashMap<u64, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_seq.entry(e.seq).or_insert(i);
    }
    let n = entries.len() as u64;
    let mut protected = 0;

    if parse_verifying_key(verifying_key_hex).is_none() {
        problems.push(Problem {
            seq: None,
            record: None,
            kind: ProblemKind::BadKey,
            message: format!("the verifying key {verifying_key_hex:?} is not an Ed25519 public key in hex; no checkpoint can be checked"),
        });
    } else {
        let key_id = parse_verifying_key(verifying_key_hex).map(|k| key_id_of(k.as_bytes())).unwrap_or_default();
        let signed: Vec<bool> = exported.iter().map(|cp| verify_checkpoint(cp, verifying_key_hex)).collect();
        let valid: Vec<&Checkpoint> = exported.iter().zip(&signed).filter(|(_, ok)| **ok).map(|(cp, _)| cp).collect();
        let known = known_hashes(&valid);
        for (k, cp) in exported.iter().enumerate() {
            let label = format!("exported checkpoint {} of {} ({} entries, signed {})", k + 1, exported.len(), cp.count, cp.at);
            if !signed[k] {
                let why = if cp.key_id != key_id {
                    format!("it names key {} but the export's key is {key_id}", cp.key_id)
                } else {
                    "its signature does not verify".to_string()
                };
                problems.push(Problem {
                    seq: None,
                    record: None,
                    kind: ProblemKind::BadSignature,
                    message: format!("{label} is not valid evidence: {why}"),
                });
                continue;
            }
            if cp.count == 0 {
                continue;
            }
            match by_seq.get(&cp.count) {
                Some(&i) if entries[i].hash == cp.head => protected = protected.max(cp.count),
                Some(_) => problems.push(restamped(entries, &by_seq, &known, cp, &label)),
                None if cp.count > n => problems.push(Problem {
                    seq: Some(n + 1),
                    record: None,
                    kind: ProblemKind::Truncated,
                    message: format!(
                        "the database has {n} entries but {label} committed to {}: entries {}..={} were removed{}",
                        cp.count,
                        n + 1,
                        cp.count,
                        entries.last().map(|e| format!(" after {}", describe(e))).unwrap_or_default()
                    ),
                }),
                // A hole in the middle: already reported as a deletion by the chain check.
                None => {}
            }
        }
    }

    for s in stored {
        match exported.iter().find(|x| x.count == s.count) {
            None => problems.push(Problem {
                seq: None,
                record: None,
                kind: ProblemKind::StoredNotExported,
                message: format!(
                    "the database holds a checkpoint of {} entries (signed {}) that is not in the export: the export lost a file or the row was forged",
                    s.count, s.at
                ),
            }),
            Some(x) if x.signed_part() != s.signed_part() => problems.push(Problem {
                seq: None,
                record: None,
                kind: ProblemKind::StoredMismatch,
                message: format!("the database's checkpoint of {} entries differs from the exported one (head, time, key or signature)", s.count),
            }),
            Some(_) => {}
        }
    }

    VerifyReport {
        entries: n,
        checkpoints: exported.len(),
        protected_through: protected,
        unprotected: n.saturating_sub(protected),
        problems,
    }
}

/// Sequence, link and hash of every entry, in chain order.
fn check_chain(entries: &[Entry]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut by_hash: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_hash.entry(e.hash.as_str()).or_insert(i);
    }
    let mut max_seq = 0u64;
    let mut prev: Option<&Entry> = None;
    for (i, e) in entries.iter().enumerate() {
        let expected = max_seq.saturating_add(1);
        let after = prev.map_or_else(|| "the start of the chain".to_string(), describe);
        if e.seq > expected {
            let missing =
                if e.seq - expected == 1 { format!("entry {expected} is") } else { format!("entries {expected}..={} are", e.seq - 1) };
            problems.push(Problem {
                seq: Some(expected),
                record: None,
                kind: ProblemKind::Deleted,
                message: format!("{missing} missing: {after} is followed by {}", describe(e)),
            });
        } else if e.seq < expected {
            problems.push(entry_problem(
                e,
                expected,
                ProblemKind::Reordered,
                format!("row {} should be entry {expected} but is {}, out of order after {after}", i + 1, describe(e)),
            ));
        } else if e.prev_hash != prev.map_or(GENESIS, |p| p.hash.as_str()) {
            // Does the row's content belong at another position (rows swapped)?
            let elsewhere = by_hash
                .get(e.prev_hash.as_str())
                .map(|&j| entries[j].seq.saturating_add(1))
                .filter(|&s| s != e.seq && Entry { seq: s, ..e.clone() }.compute_hash() == e.hash);
            problems.push(match elsewhere {
                Some(s) => entry_problem(
                    e,
                    e.seq,
                    ProblemKind::Reordered,
                    format!("{} holds the content of entry {s}: its hash and link fit position {s}, so rows were reordered", describe(e)),
                ),
                None => entry_problem(
                    e,
                    e.seq,
                    ProblemKind::BrokenLink,
                    format!("{} does not link to {after}: its prev_hash is not that entry's hash", describe(e)),
                ),
            });
        } else if e.alg != ALG {
            problems.push(entry_problem(
                e,
                e.seq,
                ProblemKind::UnknownAlgorithm,
                format!("{} names hash algorithm {:?}, expected {ALG:?}", describe(e), e.alg),
            ));
        } else if e.hash != e.compute_hash() {
            problems.push(entry_problem(
                e,
                e.seq,
                ProblemKind::Edited,
                format!("{} was altered after it was written: its content no longer hashes to its stored hash", describe(e)),
            ));
        }
        max_seq = max_seq.max(e.seq);
        prev = Some(e);
    }
    problems
}

/// seq → hash the export vouches for: signed heads, plus the locator hashes of
/// checkpoints whose list ends in their signed head.
fn known_hashes<'a>(valid: &[&'a Checkpoint]) -> BTreeMap<u64, &'a str> {
    let mut known = BTreeMap::new();
    for cp in valid {
        let len = cp.hashes.len() as u64;
        if len > 0 && len <= cp.count && cp.hashes.last().is_some_and(|h| *h == cp.head) {
            for (k, h) in cp.hashes.iter().enumerate() {
                known.entry(cp.count - len + 1 + k as u64).or_insert(h.as_str());
            }
        }
        known.insert(cp.count, cp.head.as_str());
    }
    known
}

/// A checkpoint's head differs from the stored hash at its count. Because each
/// hash covers the previous one, an entry whose stored hash still equals an
/// exported one proves everything before it intact; so the first rewritten
/// entry lies after the last such match and at or before the first mismatch.
fn restamped(entries: &[Entry], by_seq: &HashMap<u64, usize>, known: &BTreeMap<u64, &str>, cp: &Checkpoint, label: &str) -> Problem {
    let stored = |s: u64| by_seq.get(&s).map(|&i| entries[i].hash.as_str());
    let first_bad = known.range(..=cp.count).find(|(&s, &h)| stored(s).is_some_and(|x| x != h)).map_or(cp.count, |(&s, _)| s);
    let last_good = known.range(..first_bad).rev().find(|(&s, &h)| stored(s) == Some(h)).map_or(0, |(&s, _)| s);
    let start = last_good + 1;
    let at = by_seq.get(&start).map(|&i| &entries[i]);
    let name = at.map_or_else(|| format!("entry {start}"), describe);
    let range = if start == first_bad {
        format!("{name} is the first entry whose hash differs from the exported one")
    } else {
        format!(
            "the first rewritten entry is one of {start}..={first_bad}, from {name} (checkpoints vouch for entry {last_good} and before)"
        )
    };
    Problem {
        seq: Some(start),
        record: at.map(|e| e.record.clone()),
        kind: ProblemKind::Restamped,
        message: format!(
            "history was rewritten and re-hashed: {label} signed head {} at entry {}, the database now has {}; {range}",
            short(&cp.head),
            cp.count,
            stored(cp.count).map(short).unwrap_or("nothing")
        ),
    }
}

fn short(h: &str) -> &str {
    h.get(..16).unwrap_or(h)
}
