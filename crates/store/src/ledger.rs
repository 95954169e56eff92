//! SQL of the ledger's audit trail (`ledger_events`, `audit_checkpoints`).
//!
//! The store keeps the rows in order and refuses anything but the next entry;
//! hashing and verification belong to the audit crate, which the store does
//! not depend on. Every statement is parameterised.

use minesafe_model::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::types::{CheckpointRow, LedgerEventRow};
use crate::StoreError;

fn db(op: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::Db { op, source: Box::new(e) }
}

fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Invalid(format!("{what} {v} does not fit the database")))
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// `(seq, hash)` of the newest entry.
pub(crate) fn head(c: &Connection) -> Result<Option<(u64, String)>, StoreError> {
    const OP: &str = "reading the ledger head";
    c.prepare_cached("SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1")
        .and_then(|mut st| st.query_row([], |r| Ok((to_u64(r.get(0)?), r.get(1)?))).optional())
        .map_err(db(OP))
}

/// Appends `e` if it is the next entry and links to the stored head. Run inside
/// a write transaction, so the check and the insert see the same head.
pub(crate) fn append_event(c: &Connection, e: &LedgerEventRow) -> Result<(), StoreError> {
    const OP: &str = "appending a ledger event";
    let (last, last_hash) = head(c)?.unwrap_or((0, String::new()));
    if e.seq != last + 1 {
        return Err(StoreError::Invalid(format!(
            "ledger event {} ({} {}) refused: the audit trail holds {last} entries, so the next must be {}; \
             entries are appended in order and never replaced",
            e.seq,
            e.record,
            e.action,
            last + 1
        )));
    }
    if last > 0 && e.prev_hash != last_hash {
        return Err(StoreError::Invalid(format!(
            "ledger event {} ({} {}) refused: its prev_hash does not match the stored hash of entry {last} \
             (another writer appended in between; resume the chain from the stored head)",
            e.seq, e.record, e.action
        )));
    }
    let seq = to_i64(e.seq, "seq")?;
    c.prepare_cached(
        "INSERT INTO ledger_events (seq, at, actor, action, record, mine, body, snapshot_hash, prev_hash, hash, alg)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .and_then(|mut st| {
        st.execute(params![seq, e.at.0, e.actor, e.action, e.record, e.mine, e.body, e.snapshot_hash, e.prev_hash, e.hash, e.alg])
    })
    .map_err(db(OP))?;
    Ok(())
}

fn event(r: &Row<'_>) -> rusqlite::Result<LedgerEventRow> {
    Ok(LedgerEventRow {
        seq: to_u64(r.get(0)?),
        at: Timestamp(r.get(1)?),
        actor: r.get(2)?,
        action: r.get(3)?,
        record: r.get(4)?,
        mine: r.get(5)?,
        body: r.get(6)?,
        snapshot_hash: r.get(7)?,
        prev_hash: r.get(8)?,
        hash: r.get(9)?,
        alg: r.get(10)?,
    })
}

/// Every entry, by seq.
pub(crate) fn events(c: &Connection) -> Result<Vec<LedgerEventRow>, StoreError> {
    const OP: &str = "reading the ledger events";
    let mut st = c
        .prepare_cached(
            "SELECT seq, at, actor, action, record, mine, body, snapshot_hash, prev_hash, hash, alg FROM ledger_events ORDER BY seq",
        )
        .map_err(db(OP))?;
    let rows = st.query_map([], event).map_err(db(OP))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db(OP))
}

/// Stores a checkpoint; the identical checkpoint again is a no-op, a different
/// one for the same count is refused, and so is one for entries the trail does
/// not have.
pub(crate) fn put_checkpoint(c: &Connection, cp: &CheckpointRow) -> Result<(), StoreError> {
    const OP: &str = "storing an audit checkpoint";
    let count = to_i64(cp.count, "checkpoint count")?;
    let existing = checkpoints_where(c, Some(count))?;
    if let Some(old) = existing.first() {
        if old == cp {
            return Ok(());
        }
        return Err(StoreError::Invalid(format!(
            "audit checkpoint of {} entries refused: a different checkpoint of that count is stored and checkpoints are never replaced",
            cp.count
        )));
    }
    let last = head(c)?.map_or(0, |h| h.0);
    if cp.count == 0 || cp.count > last {
        return Err(StoreError::Invalid(format!("audit checkpoint of {} entries refused: the audit trail holds {last} entries", cp.count)));
    }
    c.prepare_cached("INSERT INTO audit_checkpoints (count, head, at, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5)")
        .and_then(|mut st| st.execute(params![count, cp.head, cp.at.0, cp.key_id, cp.signature]))
        .map_err(db(OP))?;
    Ok(())
}

/// Every stored checkpoint, by count.
pub(crate) fn checkpoints(c: &Connection) -> Result<Vec<CheckpointRow>, StoreError> {
    checkpoints_where(c, None)
}

fn checkpoints_where(c: &Connection, count: Option<i64>) -> Result<Vec<CheckpointRow>, StoreError> {
    const OP: &str = "reading audit checkpoints";
    let mut st = c
        .prepare_cached("SELECT count, head, at, key_id, signature FROM audit_checkpoints WHERE ?1 IS NULL OR count = ?1 ORDER BY count")
        .map_err(db(OP))?;
    let rows = st
        .query_map([count], |r| {
            Ok(CheckpointRow {
                count: to_u64(r.get(0)?),
                head: r.get(1)?,
                at: Timestamp(r.get(2)?),
                key_id: r.get(3)?,
                signature: r.get(4)?,
            })
        })
        .map_err(db(OP))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db(OP))
}
