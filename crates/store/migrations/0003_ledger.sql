-- Audit trail of the enforcement ledger (审计留痕): one row per change of a
-- ledger record, hash-chained by the audit crate, and the signed checkpoints
-- that commit to the chain. `body` is canonical JSON kept as TEXT, byte for
-- byte: its hash must recompute on any backend (never store it as jsonb).
CREATE TABLE ledger_events (
    seq           INTEGER PRIMARY KEY,         -- 1-based, contiguous
    at            INTEGER NOT NULL,            -- UTC seconds
    actor         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    record        TEXT    NOT NULL,            -- kind:id, e.g. hazard:HZ-1
    mine          TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    snapshot_hash TEXT    NOT NULL,
    prev_hash     TEXT    NOT NULL,
    hash          TEXT    NOT NULL,
    alg           TEXT    NOT NULL
);
CREATE INDEX ledger_events_mine ON ledger_events(mine);
CREATE INDEX ledger_events_record ON ledger_events(record);

CREATE TABLE audit_checkpoints (
    count     INTEGER PRIMARY KEY,             -- entries committed to
    head      TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    key_id    TEXT    NOT NULL,
    signature TEXT    NOT NULL
);

-- Both are evidence: rows are never changed or removed.
CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON ledger_events
BEGIN SELECT RAISE(ABORT, 'ledger_events is append-only'); END;
CREATE TRIGGER ledger_events_no_delete BEFORE DELETE ON ledger_events
BEGIN SELECT RAISE(ABORT, 'ledger_events is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
