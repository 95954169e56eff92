//! Compares candidate layouts of the `readings` table (arrival-order appends,
//! then a retention range delete and a one-hour aggregate). Run with
//! `cargo bench -p minesafe-store --bench schema`. Not part of the store API:
//! it is the measurement behind the layout chosen in `migrations/0001_init.sql`.

use std::time::Instant;

use rusqlite::{params, Connection};

const POINTS: i64 = 1_000;
const STEPS: i64 = 2_000; // one snapshot per 10 s → 2M rows
const BATCH: usize = 10_000;

struct Variant {
    name: &'static str,
    ddl: &'static str,
    insert: &'static str,
}

fn run(v: &Variant) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;").unwrap();
    conn.execute_batch(v.ddl).unwrap();
    let t0 = Instant::now();
    let mut n = 0usize;
    let mut since = 0usize;
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut st = conn.prepare_cached(v.insert).unwrap();
        for s in 0..STEPS {
            let ts = 1_740_787_200 + s * 10;
            for p in 0..POINTS {
                st.execute(params![ts, p, 0.01 * (p as f64), 0i64, s]).unwrap();
                n += 1;
                since += 1;
                if since == BATCH {
                    since = 0;
                    conn.execute_batch("COMMIT; BEGIN").unwrap();
                }
            }
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    let el = t0.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&path).unwrap().len() + std::fs::metadata(path.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0);
    // Re-sent file: the same 1,000 (ts, point) again from another file id.
    let dup =
        conn.execute("INSERT OR IGNORE INTO readings SELECT ts, point, value + 1, status, 999999 FROM readings WHERE ts = 1740787200", []);
    let t1 = Instant::now();
    let agg: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT ts/60, point, min(value), max(value), avg(value) FROM readings WHERE ts >= ?1 AND ts < ?2 GROUP BY 1, 2)",
            params![1_740_787_200 + 10_000, 1_740_787_200 + 13_600],
            |r| r.get(0),
        )
        .unwrap();
    let agg_ms = t1.elapsed().as_secs_f64() * 1e3;
    let t2 = Instant::now();
    let del = conn.execute("DELETE FROM readings WHERE ts < ?1", params![1_740_787_200 + 2_000]).unwrap();
    let del_ms = t2.elapsed().as_secs_f64() * 1e3;
    println!(
        "{:<44} {:>9.0} rows/s  {:>5.1} B/row  dup-insert {:?}  1h-agg {} groups {:>7.1} ms  delete {} rows {:>7.1} ms",
        v.name,
        n as f64 / el,
        bytes as f64 / n as f64,
        dup.map_err(|e| e.to_string()),
        agg,
        agg_ms,
        del,
        del_ms
    );
}

fn main() {
    let variants = [
        Variant {
            name: "rowid, no index",
            ddl: "CREATE TABLE readings(ts INTEGER, point INTEGER, value REAL, status INTEGER, file INTEGER);",
            insert: "INSERT INTO readings VALUES (?1, ?2, ?3, ?4, ?5)",
        },
        Variant {
            name: "rowid + index(ts)",
            ddl: "CREATE TABLE readings(ts INTEGER, point INTEGER, value REAL, status INTEGER, file INTEGER); CREATE INDEX r_ts ON readings(ts);",
            insert: "INSERT INTO readings VALUES (?1, ?2, ?3, ?4, ?5)",
        },
        Variant {
            name: "WITHOUT ROWID PK(ts, point), OR IGNORE",
            ddl: "CREATE TABLE readings(ts INTEGER NOT NULL, point INTEGER NOT NULL, value REAL, status INTEGER NOT NULL, file INTEGER NOT NULL, PRIMARY KEY (ts, point)) WITHOUT ROWID;",
            insert: "INSERT OR IGNORE INTO readings VALUES (?1, ?2, ?3, ?4, ?5)",
        },
        Variant {
            name: "WITHOUT ROWID PK(ts, point, file), OR IGNORE",
            ddl: "CREATE TABLE readings(ts INTEGER NOT NULL, point INTEGER NOT NULL, value REAL, status INTEGER NOT NULL, file INTEGER NOT NULL, PRIMARY KEY (ts, point, file)) WITHOUT ROWID;",
            insert: "INSERT OR IGNORE INTO readings VALUES (?1, ?2, ?3, ?4, ?5)",
        },
    ];
    for v in &variants {
        run(v);
    }
}
