-- Alarms (预警叫应响应回应): the current state of each alarm as JSON, plus an
-- append-only log of every transition with its actor. The alarm crate owns the
-- JSON; the store indexes what listing needs.
CREATE TABLE alarms (
    id         TEXT    PRIMARY KEY,
    mine       TEXT    NOT NULL,
    rule       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    open       INTEGER NOT NULL,               -- 1 until closed, dismissed or superseded
    raised_at  INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    body       TEXT    NOT NULL
);
CREATE INDEX alarms_open_mine ON alarms(open, mine);
CREATE INDEX alarms_raised ON alarms(raised_at);

CREATE TABLE alarm_events (
    alarm  TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    body   TEXT    NOT NULL,
    PRIMARY KEY (alarm, seq)
) WITHOUT ROWID;

-- The transition log is evidence: rows are never changed or removed.
CREATE TRIGGER alarm_events_no_update BEFORE UPDATE ON alarm_events
BEGIN SELECT RAISE(ABORT, 'alarm_events is append-only'); END;
CREATE TRIGGER alarm_events_no_delete BEFORE DELETE ON alarm_events
BEGIN SELECT RAISE(ABORT, 'alarm_events is append-only'); END;
