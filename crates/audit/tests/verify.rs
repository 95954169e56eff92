//! `verify` against every kind of tampering, on both sides of the unprotected window.

use minesafe_audit::*;
use minesafe_model::Timestamp;
use proptest::prelude::*;
use serde_json::json;

fn t0() -> Timestamp {
    Timestamp::parse_beijing("2026-01-31 10:00:00").unwrap()
}

struct Trail {
    entries: Vec<Entry>,
    exported: Vec<Checkpoint>,
    signer: Signer,
}

impl Trail {
    /// `n` entries, a checkpoint (with locator hashes) after every `every`.
    fn new(n: u64, every: u64) -> Trail {
        let signer = Signer::from_seed([9; 32]);
        let mut chain = Chain::new();
        let (mut entries, mut exported) = (Vec::new(), Vec::new());
        for i in 0..n {
            let at = t0().plus_secs(60 * i as i64);
            let hz = format!("HZ-{}", i % 3 + 1);
            let body = json!({"hazard": hz, "step": i, "note": "整改"});
            let e = chain.append(
                at,
                &format!("u-{}", i % 2),
                "hazard.update",
                &format!("hazard:{hz}"),
                "M1",
                &body,
                &json!({"id": hz, "v": i}),
            );
            entries.push(e);
            if chain.count() / every * every == chain.count() {
                let hashes = chain.take_since_checkpoint();
                exported.push(signer.sign(chain.count(), chain.head(), at).with_hashes(hashes));
            }
        }
        Trail { entries, exported, signer }
    }

    fn key(&self) -> String {
        self.signer.verifying_key_hex()
    }

    fn stored(&self) -> Vec<Checkpoint> {
        self.exported.iter().map(Checkpoint::signed_part).collect()
    }

    fn verify(&self) -> VerifyReport {
        verify(&self.entries, &self.stored(), &self.exported, &self.key())
    }

    /// Recomputes every link and hash from index `from` on, as an attacker would.
    fn restamp_from(&mut self, from: usize) {
        for i in from..self.entries.len() {
            let prev = if i == 0 { GENESIS.to_string() } else { self.entries[i - 1].hash.clone() };
            self.entries[i].prev_hash = prev;
            self.entries[i].hash = self.entries[i].compute_hash();
        }
    }
}

fn first(r: &VerifyReport) -> (Option<u64>, ProblemKind) {
    let p = r.first().expect("a problem");
    (p.seq, p.kind)
}

#[test]
fn an_honest_trail_verifies() {
    let t = Trail::new(10, 4);
    let r = t.verify();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.entries, r.checkpoints, r.protected_through, r.unprotected), (10, 2, 8, 2));
    assert!(r.first().is_none());
}

#[test]
fn an_edited_body_is_named() {
    let mut t = Trail::new(10, 4);
    t.entries[4].body = t.entries[4].body.replace("整改", "已整改");
    let r = t.verify();
    assert_eq!(first(&r), (Some(5), ProblemKind::Edited));
    let p = r.first().unwrap();
    assert_eq!(p.record.as_deref(), Some("hazard:HZ-2"));
    for part in ["entry 5", "hazard:HZ-2", "hazard.update", "by u-0"] {
        assert!(p.message.contains(part), "{part} not in {}", p.message);
    }
    assert_eq!(r.problems.len(), 1, "the following entries are not blamed: {:?}", r.problems);
}

#[test]
fn a_deleted_middle_entry_is_named() {
    let mut t = Trail::new(10, 4);
    t.entries.remove(2);
    let r = t.verify();
    assert_eq!(first(&r), (Some(3), ProblemKind::Deleted));
    assert!(r.first().unwrap().message.starts_with("entry 3 is missing"), "{}", r.first().unwrap().message);
}

#[test]
fn swapped_rows_are_named_as_reordering() {
    let mut t = Trail::new(10, 4);
    // Swap the positions of entries 3 and 5, keeping the seq column in order.
    let (a, b) = (t.entries[2].clone(), t.entries[4].clone());
    t.entries[2] = Entry { seq: 3, ..b };
    t.entries[4] = Entry { seq: 5, ..a };
    let r = t.verify();
    assert_eq!(first(&r), (Some(3), ProblemKind::Reordered));
    assert!(r.first().unwrap().message.contains("content of entry 5"), "{}", r.first().unwrap().message);
    // A repeated seq is reordering too.
    let mut t = Trail::new(5, 4);
    t.entries[3].seq = 3;
    assert_eq!(first(&t.verify()), (Some(4), ProblemKind::Reordered));
}

#[test]
fn truncation_before_the_last_checkpoint_is_detected() {
    let mut t = Trail::new(10, 4);
    t.entries.truncate(6);
    let r = t.verify();
    assert_eq!(first(&r), (Some(7), ProblemKind::Truncated));
    assert!(
        r.first().unwrap().message.contains("the database has 6 entries but exported checkpoint 2 of 2"),
        "{}",
        r.first().unwrap().message
    );
    assert_eq!(r.protected_through, 4);
}

#[test]
fn restamping_before_the_last_checkpoint_is_detected_and_located() {
    let mut t = Trail::new(10, 4);
    t.entries[5].actor = "u-forged".into();
    t.restamp_from(5);
    // The chain alone is consistent again ...
    assert!(verify(&t.entries, &[], &[], &t.key()).ok());
    // ... the signed checkpoint is not fooled, and the locator names entry 6.
    let r = t.verify();
    assert_eq!(first(&r), (Some(6), ProblemKind::Restamped));
    assert!(r.first().unwrap().message.contains("entry 6 (hazard:HZ-3 hazard.update by u-forged"), "{}", r.first().unwrap().message);
    assert_eq!(r.protected_through, 4);

    // Without locator hashes the entry is bounded by the checkpoints around it.
    for cp in &mut t.exported {
        cp.hashes.clear();
    }
    let r = t.verify();
    assert_eq!(first(&r), (Some(5), ProblemKind::Restamped));
    assert!(r.first().unwrap().message.contains("one of 5..=8"), "{}", r.first().unwrap().message);
}

#[test]
fn the_unprotected_window_truncation_and_restamping_go_unseen() {
    // Right at the boundary: checkpoint at 8, entries 9 and 10 after it.
    let mut t = Trail::new(10, 4);
    t.entries.truncate(9);
    let r = t.verify();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.protected_through, r.unprotected), (8, 1));

    let mut t = Trail::new(10, 4);
    t.entries[8].body = r#"{"forged":true}"#.into();
    t.restamp_from(8);
    let r = t.verify();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!(r.unprotected, 2);

    // One entry further back (the checkpointed head itself) is protected.
    let mut t = Trail::new(10, 4);
    t.entries[7].body = r#"{"forged":true}"#.into();
    t.restamp_from(7);
    assert_eq!(first(&t.verify()), (Some(8), ProblemKind::Restamped));
    let mut t = Trail::new(10, 4);
    t.entries.truncate(7);
    assert_eq!(first(&t.verify()), (Some(8), ProblemKind::Truncated));
}

#[test]
fn the_unprotected_window_still_catches_plain_edits() {
    let mut t = Trail::new(10, 4);
    t.entries[9].mine = "M2".into();
    let r = t.verify();
    assert_eq!(first(&r), (Some(10), ProblemKind::Edited));
    assert_eq!(r.unprotected, 2);
    let mut t = Trail::new(10, 4);
    t.entries.remove(8);
    assert_eq!(first(&t.verify()), (Some(9), ProblemKind::Deleted));
}

#[test]
fn checkpoints_must_be_signed_by_the_export_key() {
    let t = Trail::new(8, 4);
    let mut forged = t.exported.clone();
    forged[1].signature = Signer::from_seed([1; 32]).sign(8, &forged[1].head, forged[1].at).signature;
    let r = verify(&t.entries, &[], &forged, &t.key());
    assert_eq!(first(&r), (None, ProblemKind::BadSignature));
    assert_eq!(r.protected_through, 4, "an invalid checkpoint protects nothing");
    let other = Signer::from_seed([2; 32]);
    let r = verify(&t.entries, &[], &t.exported, &other.verifying_key_hex());
    assert!(r.problems.iter().all(|p| p.kind == ProblemKind::BadSignature && p.message.contains("names key")), "{:?}", r.problems);
    let r = verify(&t.entries, &[], &t.exported, "xyz");
    assert_eq!(first(&r), (None, ProblemKind::BadKey));
    assert_eq!(r.protected_through, 0);
}

#[test]
fn stored_checkpoints_must_match_the_export() {
    let t = Trail::new(8, 4);
    let mut stored = t.stored();
    let r = verify(&t.entries, &stored, &t.exported[..1], &t.key());
    assert_eq!(first(&r), (None, ProblemKind::StoredNotExported));
    stored[0].at = stored[0].at.plus_secs(1);
    let r = verify(&t.entries, &stored, &t.exported, &t.key());
    assert_eq!(first(&r), (None, ProblemKind::StoredMismatch));
    // The export being ahead of the database is not a problem (crash between the two writes).
    assert!(verify(&t.entries, &t.stored()[..1], &t.exported, &t.key()).ok());
}

#[test]
fn first_names_the_earliest_entry_across_checks() {
    let mut t = Trail::new(12, 4);
    // A re-stamp from entry 3 and a plain edit of entry 11 (after the last checkpoint).
    t.entries[2].action = "hazard.close".into();
    t.restamp_from(2);
    t.entries[10].actor = "x".into();
    let r = t.verify();
    assert_eq!(r.problems[0].seq, Some(11), "chain problems come first");
    assert_eq!(first(&r), (Some(3), ProblemKind::Restamped));
}

#[test]
fn an_empty_trail_is_sound_and_unprotected_nothing() {
    let r = verify(&[], &[], &[], &Signer::from_seed([1; 32]).verifying_key_hex());
    assert!(r.ok());
    assert_eq!((r.entries, r.protected_through, r.unprotected), (0, 0, 0));
}

/// Applies a one-byte change to field `field` of `e`, or `None` if the change
/// would not be valid UTF-8 (strings) or would not change anything.
fn mutate(e: &mut Entry, field: usize, pos: usize, byte: u8) -> Option<()> {
    fn in_str(s: &mut String, pos: usize, byte: u8) -> Option<()> {
        if s.is_empty() {
            return None;
        }
        let mut b = s.clone().into_bytes();
        let i = pos % b.len();
        if b[i] == byte {
            return None;
        }
        b[i] = byte;
        *s = String::from_utf8(b).ok()?;
        Some(())
    }
    let flip = |x: [u8; 8]| {
        let mut x = x;
        x[pos % 8] ^= byte.max(1);
        x
    };
    match field {
        0 => e.seq = u64::from_le_bytes(flip(e.seq.to_le_bytes())),
        1 => e.at = Timestamp(i64::from_le_bytes(flip(e.at.0.to_le_bytes()))),
        2 => in_str(&mut e.actor, pos, byte)?,
        3 => in_str(&mut e.action, pos, byte)?,
        4 => in_str(&mut e.record, pos, byte)?,
        5 => in_str(&mut e.mine, pos, byte)?,
        6 => in_str(&mut e.body, pos, byte)?,
        7 => in_str(&mut e.snapshot_hash, pos, byte)?,
        8 => in_str(&mut e.prev_hash, pos, byte)?,
        9 => in_str(&mut e.hash, pos, byte)?,
        _ => in_str(&mut e.alg, pos, byte)?,
    }
    Some(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any single-byte change of any field of any entry is reported at that entry.
    #[test]
    fn any_single_byte_change_is_detected_at_that_entry(
        raw in proptest::collection::vec(("[a-z0-9-]{1,8}|[隐患整改]{1,3}", "[a-z.]{1,10}", "[a-zA-Z0-9 ]{0,12}"), 1..12),
        which in any::<prop::sample::Index>(),
        field in 0usize..11,
        pos in any::<usize>(),
        byte in 0x20u8..0x7f,
    ) {
        let mut chain = Chain::new();
        let mut entries: Vec<Entry> = raw.iter().enumerate().map(|(i, (actor, action, note))| {
            chain.append(t0().plus_secs(i as i64), actor, action, &format!("hazard:HZ-{i}"), "M1", &json!({"note": note}), &json!({"i": i}))
        }).collect();
        let k = which.index(entries.len());
        let seq = entries[k].seq;
        prop_assume!(mutate(&mut entries[k], field, pos, byte).is_some());
        let r = verify(&entries, &[], &[], &Signer::from_seed([5; 32]).verifying_key_hex());
        prop_assert!(!r.ok());
        prop_assert_eq!(r.first().and_then(|p| p.seq), Some(seq), "{:?}", r.problems);
    }
}
