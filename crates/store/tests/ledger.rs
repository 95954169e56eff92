//! The ledger's audit trail in a real SQLite file: append through the store,
//! verify against the write-once export, then tamper as someone with database
//! access would (through a second connection, triggers dropped first).

use std::path::PathBuf;

use minesafe_audit::{verify, Chain, Checkpoint, CheckpointPolicy, Entry, ExportDir, ProblemKind, Signer, VerifyReport};
use minesafe_model::Timestamp;
use minesafe_store::*;
use rusqlite::{params, Connection};
use serde_json::json;

/// 11 entries, a checkpoint after the first and then after every 4: checkpoints
/// at 1, 5 and 9, entries 10 and 11 in the unprotected window.
const N: u64 = 11;
const EVERY: u64 = 4;

fn t0() -> Timestamp {
    Timestamp::parse_beijing("2026-01-31 10:00:00").unwrap()
}

fn row(e: &Entry) -> LedgerEventRow {
    LedgerEventRow {
        seq: e.seq,
        at: e.at,
        actor: e.actor.clone(),
        action: e.action.clone(),
        record: e.record.clone(),
        mine: e.mine.clone(),
        body: e.body.clone(),
        snapshot_hash: e.snapshot_hash.clone(),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
        alg: e.alg.clone(),
    }
}

fn entry(r: &LedgerEventRow) -> Entry {
    Entry {
        seq: r.seq,
        at: r.at,
        actor: r.actor.clone(),
        action: r.action.clone(),
        record: r.record.clone(),
        mine: r.mine.clone(),
        body: r.body.clone(),
        snapshot_hash: r.snapshot_hash.clone(),
        prev_hash: r.prev_hash.clone(),
        hash: r.hash.clone(),
        alg: r.alg.clone(),
    }
}

fn checkpoint_row(c: &Checkpoint) -> CheckpointRow {
    CheckpointRow { count: c.count, head: c.head.clone(), at: c.at, key_id: c.key_id.clone(), signature: c.signature.clone() }
}

fn checkpoint(c: &CheckpointRow) -> Checkpoint {
    Checkpoint {
        count: c.count,
        head: c.head.clone(),
        at: c.at,
        key_id: c.key_id.clone(),
        signature: c.signature.clone(),
        hashes: Vec::new(),
    }
}

/// The database, the export and the key, each in its own folder.
struct Site {
    _dir: tempfile::TempDir,
    db: PathBuf,
    export: ExportDir,
    signer: Signer,
    store: SqliteStore,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("data/m.db");
        let store = SqliteStore::open(&db, StoreOptions { sync_archive: false, ..Default::default() }).unwrap();
        let export = ExportDir::open(&dir.path().join("export")).unwrap();
        let signer = Signer::load_or_create(&dir.path().join("keys/audit.key")).unwrap();
        export.write_verifying_key(&signer.verifying_key_hex()).unwrap();
        Site { _dir: dir, db, export, signer, store }
    }

    /// Appends `n` ledger changes the way the application does: resume from the
    /// stored head, append, and checkpoint when the policy says so (export first,
    /// then the database's copy).
    fn append(&mut self, n: u64) {
        let policy = CheckpointPolicy { every_events: EVERY, every_secs: 0 };
        let (count, head) = self.store.ledger_head().unwrap().unwrap_or((0, minesafe_audit::GENESIS.to_string()));
        let mut chain = Chain::resume(count, head);
        let mut last = self.store.checkpoints().unwrap().last().map(checkpoint);
        self.store.begin().unwrap();
        for _ in 0..n {
            let i = chain.count();
            let at = t0().plus_secs(600 * i as i64);
            let hz = format!("HZ-{}", i % 3 + 1);
            let e = chain.append(
                at,
                &format!("inspector-{}", i % 2),
                ["hazard.register", "hazard.rectify", "hazard.rectify"][(i % 3) as usize],
                &format!("hazard:{hz}"),
                "999900000001",
                &json!({"hazard": hz, "step": i, "note": "瓦斯超限整改"}),
                &json!({"id": hz, "version": i}),
            );
            self.store.append_ledger_event(&row(&e)).unwrap();
            if policy.due(last.as_ref(), chain.count(), at) {
                let cp = self.signer.sign(chain.count(), chain.head(), at).with_hashes(chain.take_since_checkpoint());
                self.export.write(&cp).unwrap();
                self.store.put_checkpoint(&checkpoint_row(&cp)).unwrap();
                last = Some(cp);
            }
        }
        self.store.commit().unwrap();
    }

    fn verify(&self) -> VerifyReport {
        let entries: Vec<Entry> = self.store.ledger_events().unwrap().iter().map(entry).collect();
        let stored: Vec<Checkpoint> = self.store.checkpoints().unwrap().iter().map(checkpoint).collect();
        let (key, exported) = self.export.read().unwrap();
        verify(&entries, &stored, &exported, &key.expect("exported key"))
    }

    /// A second connection with the append-only triggers dropped.
    fn attacker(&self) -> Connection {
        let c = Connection::open(&self.db).unwrap();
        c.execute_batch(
            "DROP TRIGGER ledger_events_no_update; DROP TRIGGER ledger_events_no_delete;
             DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;",
        )
        .unwrap();
        c
    }

    /// Edits entry `seq` with `edit`, then recomputes the links and hashes of it
    /// and everything after it, and writes them back (re-stamping).
    fn restamp(&self, seq: u64, edit: impl FnOnce(&mut Entry)) {
        let mut entries: Vec<Entry> = self.store.ledger_events().unwrap().iter().map(entry).collect();
        let from = (seq - 1) as usize;
        edit(&mut entries[from]);
        let c = self.attacker();
        for i in from..entries.len() {
            if i > 0 {
                entries[i].prev_hash = entries[i - 1].hash.clone();
            }
            entries[i].hash = entries[i].compute_hash();
            let e = &entries[i];
            c.execute(
                "UPDATE ledger_events SET actor = ?2, action = ?3, body = ?4, prev_hash = ?5, hash = ?6 WHERE seq = ?1",
                params![e.seq as i64, e.actor, e.action, e.body, e.prev_hash, e.hash],
            )
            .unwrap();
        }
    }
}

fn site() -> Site {
    let mut s = Site::new();
    s.append(6);
    s.append(N - 6); // a second session resumes the chain from the store
    s
}

fn first(r: &VerifyReport) -> (Option<u64>, ProblemKind, String) {
    let p = r.first().unwrap_or_else(|| panic!("tampering not detected: {r:?}"));
    (p.seq, p.kind, p.message.clone())
}

#[test]
fn an_honest_trail_in_sqlite_verifies() {
    let s = site();
    let r = s.verify();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.entries, r.checkpoints, r.protected_through, r.unprotected), (N, 3, 9, 2));
    assert_eq!(s.store.ledger_head().unwrap().map(|h| h.0), Some(N));
    assert_eq!(s.store.checkpoints().unwrap().iter().map(|c| c.count).collect::<Vec<_>>(), vec![1, 5, 9]);
    // The body is stored byte for byte (canonical: sorted keys, no spaces).
    let events = s.store.ledger_events().unwrap();
    assert_eq!(events[0].body, r#"{"hazard":"HZ-1","note":"瓦斯超限整改","step":0}"#);
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=N).collect::<Vec<_>>());
}

#[test]
fn the_store_takes_only_the_next_entry_of_the_same_chain() {
    let mut s = site();
    let events = s.store.ledger_events().unwrap();
    let mut next = Chain::resume(N, events.last().unwrap().hash.clone());
    let e = row(&next.append(t0(), "u", "hazard.close", "hazard:HZ-1", "999900000001", &json!({}), &json!({})));
    for bad_seq in [N, N + 2, 1] {
        let err = s.store.append_ledger_event(&LedgerEventRow { seq: bad_seq, ..e.clone() }).unwrap_err();
        assert!(err.to_string().contains(&format!("the next must be {}", N + 1)), "{err}");
    }
    let err = s.store.append_ledger_event(&LedgerEventRow { prev_hash: events[0].hash.clone(), ..e.clone() }).unwrap_err();
    assert!(err.to_string().contains("prev_hash does not match"), "{err}");
    s.store.append_ledger_event(&e).unwrap();
    assert_eq!(s.store.ledger_head().unwrap(), Some((N + 1, e.hash.clone())));

    // Checkpoints: the same again is fine, a different one or one beyond the trail is not.
    let stored = s.store.checkpoints().unwrap();
    s.store.put_checkpoint(&stored[0]).unwrap();
    let err = s.store.put_checkpoint(&CheckpointRow { at: t0().plus_secs(1), ..stored[0].clone() }).unwrap_err();
    assert!(err.to_string().contains("never replaced"), "{err}");
    let err = s.store.put_checkpoint(&CheckpointRow { count: N + 5, ..stored[0].clone() }).unwrap_err();
    assert!(err.to_string().contains(&format!("holds {} entries", N + 1)), "{err}");
    assert_eq!(s.store.checkpoints().unwrap(), stored);
}

#[test]
fn ledger_writes_follow_begin_and_rollback() {
    let mut s = Site::new();
    let mut chain = Chain::new();
    let e = row(&chain.append(t0(), "u", "hazard.register", "hazard:HZ-1", "M", &json!({"a": 1}), &json!({})));
    s.store.begin().unwrap();
    s.store.append_ledger_event(&e).unwrap();
    assert_eq!(s.store.ledger_head().unwrap().map(|h| h.0), Some(1), "visible inside the transaction");
    s.store.rollback().unwrap();
    assert_eq!(s.store.ledger_head().unwrap(), None);
    assert!(s.store.ledger_events().unwrap().is_empty());
    // A checkpoint for entries that were rolled back is refused.
    let cp = checkpoint_row(&s.signer.sign(1, &e.hash, t0()));
    assert!(s.store.put_checkpoint(&cp).is_err());
    // Without begin, each write commits on its own.
    s.store.append_ledger_event(&e).unwrap();
    s.store.put_checkpoint(&cp).unwrap();
    let other = SqliteStore::open(&s.db, StoreOptions::default()).unwrap();
    assert_eq!(other.ledger_events().unwrap(), vec![e]);
    assert_eq!(other.checkpoints().unwrap(), vec![cp]);
}

#[test]
fn the_trail_refuses_update_and_delete() {
    let s = site();
    let c = Connection::open(&s.db).unwrap();
    for sql in [
        "UPDATE ledger_events SET body = '{}' WHERE seq = 3",
        "DELETE FROM ledger_events WHERE seq = 10",
        "UPDATE audit_checkpoints SET head = 'x'",
        "DELETE FROM audit_checkpoints",
    ] {
        let err = c.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert!(s.verify().ok());
}

#[test]
fn an_edited_body_is_named() {
    let s = site();
    s.attacker().execute("UPDATE ledger_events SET body = replace(body, '整改', '已整改') WHERE seq = 5", []).unwrap();
    let (seq, kind, msg) = first(&s.verify());
    assert_eq!((seq, kind), (Some(5), ProblemKind::Edited));
    assert!(msg.contains("entry 5 (hazard:HZ-2 hazard.rectify by inspector-0"), "{msg}");
}

#[test]
fn a_deleted_middle_row_is_named() {
    let s = site();
    s.attacker().execute("DELETE FROM ledger_events WHERE seq = 3", []).unwrap();
    let (seq, kind, msg) = first(&s.verify());
    assert_eq!((seq, kind), (Some(3), ProblemKind::Deleted));
    assert!(msg.contains("entry 3 is missing: entry 2 (hazard:HZ-2"), "{msg}");
}

#[test]
fn swapped_rows_are_named() {
    let s = site();
    s.attacker()
        .execute_batch(
            "UPDATE ledger_events SET seq = -1 WHERE seq = 3;
             UPDATE ledger_events SET seq = 3 WHERE seq = 5;
             UPDATE ledger_events SET seq = 5 WHERE seq = -1;",
        )
        .unwrap();
    let (seq, kind, msg) = first(&s.verify());
    assert_eq!((seq, kind), (Some(3), ProblemKind::Reordered));
    assert!(msg.contains("content of entry 5"), "{msg}");
}

#[test]
fn truncating_before_the_last_checkpoint_is_detected() {
    let s = site();
    let c = s.attacker();
    // The attacker removes entries 8..11 and the database's copy of checkpoint 9.
    c.execute_batch("DELETE FROM ledger_events WHERE seq >= 8; DELETE FROM audit_checkpoints WHERE count = 9;").unwrap();
    let r = s.verify();
    let (seq, kind, msg) = first(&r);
    assert_eq!((seq, kind), (Some(8), ProblemKind::Truncated));
    assert!(msg.contains("the database has 7 entries but exported checkpoint 3 of 3 (9 entries"), "{msg}");
    assert_eq!(r.protected_through, 5);
}

#[test]
fn restamping_before_the_last_checkpoint_is_detected_at_the_edited_entry() {
    let s = site();
    s.restamp(6, |e| e.actor = "inspector-forged".into());
    // The chain in the database is consistent again: only the export catches it.
    let entries: Vec<Entry> = s.store.ledger_events().unwrap().iter().map(entry).collect();
    assert!(verify(&entries, &[], &[], &s.signer.verifying_key_hex()).ok());
    let r = s.verify();
    let (seq, kind, msg) = first(&r);
    assert_eq!((seq, kind), (Some(6), ProblemKind::Restamped));
    assert!(msg.contains("entry 6 (hazard:HZ-3 hazard.rectify by inspector-forged"), "{msg}");
    assert_eq!(r.protected_through, 5);
}

#[test]
fn after_the_last_checkpoint_truncation_and_restamping_are_not_detected() {
    // The documented window: nothing outside the database has committed to 10 and 11.
    let s = site();
    s.attacker().execute("DELETE FROM ledger_events WHERE seq = 11", []).unwrap();
    let r = s.verify();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.entries, r.protected_through, r.unprotected), (10, 9, 1));

    let s = site();
    s.restamp(10, |e| e.body = r#"{"hazard":"HZ-1","note":"无隐患","step":9}"#.into());
    let r = s.verify();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.protected_through, r.unprotected), (9, 2));
    assert!(s.store.ledger_events().unwrap()[9].body.contains("无隐患"), "the forgery is in place");

    // One entry earlier is the checkpointed head, and it is protected.
    let s = site();
    s.restamp(9, |e| e.body = "{}".into());
    let (seq, kind, _) = first(&s.verify());
    assert_eq!((seq, kind), (Some(9), ProblemKind::Restamped));
    let s = site();
    s.attacker().execute("DELETE FROM ledger_events WHERE seq >= 9", []).unwrap();
    let (seq, kind, _) = first(&s.verify());
    assert_eq!((seq, kind), (Some(9), ProblemKind::Truncated));
}

#[test]
fn after_the_last_checkpoint_a_plain_edit_is_still_detected() {
    let s = site();
    s.attacker().execute("UPDATE ledger_events SET actor = 'someone-else' WHERE seq = 11", []).unwrap();
    let r = s.verify();
    let (seq, kind, msg) = first(&r);
    assert_eq!((seq, kind), (Some(11), ProblemKind::Edited));
    assert!(msg.contains("entry 11 (hazard:HZ-2 hazard.rectify by someone-else"), "{msg}");
    assert!(r.unprotected > 0);
}

#[test]
fn a_forged_checkpoint_row_in_the_database_is_reported() {
    let s = site();
    let forged = s.signer.sign(9, "00", t0());
    s.attacker()
        .execute("UPDATE audit_checkpoints SET head = ?1, signature = ?2 WHERE count = 9", params![forged.head, forged.signature])
        .unwrap();
    let (seq, kind, _) = first(&s.verify());
    assert_eq!((seq, kind), (None, ProblemKind::StoredMismatch));
}
