-- minesafe store, schema 1.
-- Times are UTC seconds since the Unix epoch (minesafe_model::Timestamp.0).

-- Uploads, one row per distinct content (SHA-256). The bytes live in the archive.
CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL UNIQUE,
    size        INTEGER NOT NULL,
    archive     TEXT    NOT NULL,               -- path relative to the archive dir
    received_at INTEGER NOT NULL DEFAULT (unixepoch()), -- chain of custody only; never used by rules
    mine        TEXT,
    family      TEXT,
    header_time INTEGER,
    encoding    TEXT,
    total       INTEGER NOT NULL DEFAULT 0,
    accepted    INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'accepted', 'partial', 'rejected')),
    reason      TEXT
);
CREATE INDEX files_name ON files(name);
CREATE INDEX files_mine_time ON files(mine, header_time);

-- Every time already-stored bytes arrived again (under this or another name).
CREATE TABLE duplicates (
    id          INTEGER PRIMARY KEY,
    file        INTEGER NOT NULL REFERENCES files(id),
    name        TEXT    NOT NULL,
    received_at INTEGER NOT NULL DEFAULT (unixepoch())
);
CREATE INDEX duplicates_name ON duplicates(name);

CREATE TABLE rejects (
    file    INTEGER NOT NULL REFERENCES files(id),
    record  INTEGER,                            -- NULL = the whole file
    field   TEXT,
    code    TEXT    NOT NULL,
    message TEXT    NOT NULL
);
CREATE INDEX rejects_file ON rejects(file, record);

CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,               -- name as received
    stored_name TEXT    NOT NULL,               -- name in the quarantine dir (may carry a .N suffix)
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    received_at INTEGER NOT NULL DEFAULT (unixepoch()),
    UNIQUE (stored_name, sha256)
);

-- Interned point codes: readings store the small integer.
CREATE TABLE points (
    id   INTEGER PRIMARY KEY,
    mine TEXT NOT NULL,
    code TEXT NOT NULL,
    UNIQUE (mine, code)
);

-- Raw readings in arrival order, time-first key (benches/schema.rs: ~0.7M rows/s,
-- range deletes and time-window aggregates use the key). `file` in the key keeps
-- both values when two different uploads carry the same (ts, point): conflicting
-- re-sends are evidence. A duplicate within one upload is ignored.
CREATE TABLE readings (
    ts     INTEGER NOT NULL,
    point  INTEGER NOT NULL,
    value  REAL,
    status INTEGER NOT NULL,
    file   INTEGER NOT NULL,
    PRIMARY KEY (ts, point, file)
) WITHOUT ROWID;

-- Statistics per point, point-first (they are read as series of one point).
CREATE TABLE stats_minute (
    point   INTEGER NOT NULL,
    bucket  INTEGER NOT NULL,                   -- start of the minute
    samples INTEGER NOT NULL,
    n       INTEGER NOT NULL,                   -- readings with a value
    vmin    REAL,
    vmax    REAL,
    vsum    REAL,
    PRIMARY KEY (point, bucket)
) WITHOUT ROWID;
CREATE INDEX stats_minute_bucket ON stats_minute(bucket);

CREATE TABLE stats_hour (
    point   INTEGER NOT NULL,
    bucket  INTEGER NOT NULL,                   -- start of the hour
    samples INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    vmin    REAL,
    vmax    REAL,
    vsum    REAL,
    PRIMARY KEY (point, bucket)
) WITHOUT ROWID;
CREATE INDEX stats_hour_bucket ON stats_hour(bucket);

-- Point definitions (CDDY): every version received, and the current one per point.
CREATE TABLE point_def_history (
    id   INTEGER PRIMARY KEY,
    mine TEXT    NOT NULL,
    code TEXT    NOT NULL,
    file INTEGER NOT NULL,
    time INTEGER,                               -- PointDef.time
    def  TEXT    NOT NULL                       -- PointDef as JSON
);
CREATE INDEX point_def_history_point ON point_def_history(mine, code);

CREATE TABLE point_defs (
    mine TEXT    NOT NULL,
    code TEXT    NOT NULL,
    file INTEGER NOT NULL,
    time INTEGER,
    def  TEXT    NOT NULL,
    PRIMARY KEY (mine, code)
) WITHOUT ROWID;

-- Newest personnel snapshot (RYSS) per mine, by header (upload) time.
CREATE TABLE position_snapshots (
    mine        TEXT    PRIMARY KEY,
    file        INTEGER NOT NULL,
    upload_time INTEGER NOT NULL,
    positions   TEXT    NOT NULL                -- Vec<Position> as JSON
) WITHOUT ROWID;

-- Findings, upserted by their stable id; `body` is the contract JSON.
CREATE TABLE findings (
    id       TEXT    PRIMARY KEY,
    rule     TEXT    NOT NULL,
    mine     TEXT    NOT NULL,
    severity INTEGER NOT NULL,                  -- 0 info .. 4 major_hazard
    start_ts INTEGER NOT NULL,
    end_ts   INTEGER,
    body     TEXT    NOT NULL
);
CREATE INDEX findings_mine_start ON findings(mine, start_ts);
CREATE INDEX findings_start ON findings(start_ts);

-- Hours that received raw readings since they were last rolled up
-- (Store::rollup_pending works these off; apply_retention runs it first).
CREATE TABLE rollup_dirty (
    hour INTEGER PRIMARY KEY                    -- start of the hour
) WITHOUT ROWID;
