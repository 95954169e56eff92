//! Behaviour of the SQLite store against a real database file in a tempdir.

use std::fs;
use std::path::{Path, PathBuf};

use minesafe_model::{Evidence, Finding, PointDef, Position, PositionState, SensorType, Severity, Thresholds, Timestamp, ValueKind};
use minesafe_store::*;

const MINE: &str = "999900000001";
const DAY: i64 = 86_400;

fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(&dir.join("m.db"), StoreOptions { sync_archive: false, ..Default::default() }).unwrap()
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse_beijing(s).unwrap()
}

/// Regular files below `dir`, skipping the archive's `.tmp` staging folder.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != ".tmp") {
                out.extend(files_under(&p));
            }
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn summary(status: FileStatus, total: u64, rejected: u64) -> UploadSummary {
    UploadSummary {
        mine: Some(MINE.into()),
        family: Some("CDSS".into()),
        header_time: Some(t("2025-03-01 08:06:10")),
        encoding: Some("utf-8".into()),
        total,
        accepted: total - rejected,
        rejected,
        status,
        reason: (rejected > 0).then(|| "bad records".to_string()),
    }
}

#[test]
fn reingest_of_same_bytes_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let bytes = b"999900000001;demo;2025-03-01 08:06:10~||".to_vec();
    let first = s.begin_upload("999900000001_CDSS_20250301080610.txt", &bytes).unwrap();
    let UploadStatus::New { id, sha256 } = first.clone() else { panic!("first upload must be new: {first:?}") };
    assert_eq!(sha256, sha256_hex(&bytes));
    assert_eq!(s.begin_upload("999900000001_CDSS_20250301080610.txt", &bytes).unwrap(), UploadStatus::Duplicate { id });
    // Same bytes under another name are the same upload too.
    assert_eq!(s.begin_upload("resent.txt", &bytes).unwrap(), UploadStatus::Duplicate { id });

    let archived = files_under(s.archive_dir());
    assert_eq!(archived.len(), 1, "{archived:?}");
    assert_eq!(archived[0].file_name().unwrap().to_str().unwrap(), sha256);
    assert_eq!(fs::read(&archived[0]).unwrap(), bytes);
    let st = s.stats().unwrap();
    assert_eq!((st.files, st.duplicates), (1, 2));

    // Idempotent across a reopen as well.
    drop(s);
    let mut s = open(dir.path());
    assert_eq!(s.begin_upload("x.txt", &bytes).unwrap(), UploadStatus::Duplicate { id });
    assert_eq!(s.stats().unwrap().files, 1);
    assert_eq!(s.file_by_name("resent.txt").unwrap().unwrap().id, id);
    assert_eq!(s.archived_bytes(&sha256).unwrap(), bytes);
}

#[test]
fn archive_is_write_once_and_tampering_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let bytes = b"original upload".to_vec();
    let sha = sha256_hex(&bytes);

    // Archive the bytes, then lose the row (rolled back): the file stays.
    s.begin().unwrap();
    assert!(s.begin_upload("a.txt", &bytes).unwrap().is_new());
    s.rollback().unwrap();
    assert_eq!(s.stats().unwrap().files, 0);
    let path = files_under(s.archive_dir()).pop().unwrap();
    assert!(fs::metadata(&path).unwrap().permissions().readonly(), "archive files are read-only");
    let before = fs::metadata(&path).unwrap().modified().unwrap();

    // Storing the same content again reuses the file without touching it.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let UploadStatus::New { id, sha256 } = s.begin_upload("a.txt", &bytes).unwrap() else { panic!() };
    assert_eq!(sha256, sha);
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
    assert_eq!(files_under(s.archive_dir()).len(), 1);
    let f = s.file(id).unwrap().unwrap();
    assert_eq!(f.archive_path, path);
    assert_eq!(f.size, bytes.len() as u64);
    assert_eq!(f.status, FileStatus::Pending);

    // Tamper with the archived file: reads refuse it.
    let mut perm = fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    fs::set_permissions(&path, perm).unwrap();
    fs::write(&path, b"altered upload!").unwrap();
    match s.archived_bytes(&sha) {
        Err(StoreError::Tampered { sha256, actual }) => {
            assert_eq!(sha256, sha);
            assert_eq!(actual, sha256_hex(b"altered upload!"));
        }
        other => panic!("expected Tampered, got {other:?}"),
    }

    // An altered orphan is never overwritten either: storing its content fails loudly.
    let other = b"second upload".to_vec();
    s.begin().unwrap();
    s.begin_upload("b.txt", &other).unwrap();
    s.rollback().unwrap();
    let orphan = s.archive_dir().join(&sha256_hex(&other)[..2]).join(sha256_hex(&other));
    let mut perm = fs::metadata(&orphan).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    fs::set_permissions(&orphan, perm).unwrap();
    fs::write(&orphan, b"forged").unwrap();
    assert!(matches!(s.begin_upload("b.txt", &other), Err(StoreError::Tampered { .. })));
    assert_eq!(fs::read(&orphan).unwrap(), b"forged");
    assert!(s.file_by_name("b.txt").unwrap().is_none());

    // Names that are not a SHA-256 never reach the file system.
    assert!(matches!(s.archived_bytes("../../m.db"), Err(StoreError::Invalid(_))));
    assert!(matches!(s.archived_bytes(&sha256_hex(b"never stored")), Err(StoreError::NotArchived(_))));
}

#[test]
fn upload_summary_rejects_and_evidence_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let name = "999900000001_CDSS_20250301080610.txt";
    let id = s.begin_upload(name, b"content").unwrap().id();
    s.finish_upload(id, &summary(FileStatus::Partial, 10, 2)).unwrap();
    s.record_rejects(
        id,
        &[
            RejectRow { record: Some(7), field: Some("value".into()), code: "bad_number".into(), message: "not a number: 1,2".into() },
            RejectRow { record: Some(3), field: None, code: "field_count".into(), message: "7 fields, expected 9".into() },
        ],
    )
    .unwrap();
    let f = s.file_by_name(name).unwrap().unwrap();
    assert_eq!(f.id, id);
    assert_eq!(f.sha256, sha256_hex(b"content"));
    assert_eq!((f.mine.as_deref(), f.family.as_deref(), f.encoding.as_deref()), (Some(MINE), Some("CDSS"), Some("utf-8")));
    assert_eq!(f.header_time, Some(t("2025-03-01 08:06:10")));
    assert_eq!((f.total, f.accepted, f.rejected, f.status), (10, 8, 2, FileStatus::Partial));
    assert_eq!(f.reason.as_deref(), Some("bad records"));
    assert_eq!(s.archived_bytes(&f.sha256).unwrap(), b"content");
    let rej = s.rejects(id).unwrap();
    assert_eq!(rej.iter().map(|r| r.record).collect::<Vec<_>>(), vec![Some(3), Some(7)]);
    assert_eq!(rej[1].field.as_deref(), Some("value"));
    assert_eq!(rej[1].code, "bad_number");

    let bad = s.begin_upload("bad.txt", b"garbage").unwrap().id();
    s.finish_upload(
        bad,
        &UploadSummary { status: FileStatus::Rejected, reason: Some("no header".into()), ..summary(FileStatus::Rejected, 0, 0) },
    )
    .unwrap();
    let st = s.stats().unwrap();
    assert_eq!((st.files, st.partial_files, st.rejected_files), (2, 1, 1));
    assert_eq!(s.mines().unwrap(), vec![MINE.to_string()]);

    assert!(matches!(s.finish_upload(999, &summary(FileStatus::Accepted, 1, 0)), Err(StoreError::UnknownFile(999))));
    assert!(matches!(s.record_rejects(999, &[]), Err(StoreError::UnknownFile(999))));
    assert!(s.file_by_name("never.txt").unwrap().is_none());
}

#[test]
fn quarantine_keeps_same_named_different_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let name = "999900000001_CDSS_20250301080610.txt";
    let p1 = s.quarantine(name, b"first body", "not a G2 file").unwrap();
    let p2 = s.quarantine(name, b"second body", "truncated").unwrap();
    let p3 = s.quarantine(name, b"first body", "not a G2 file").unwrap();
    assert_eq!(p1, s.quarantine_dir().join(name));
    assert_eq!(p2, s.quarantine_dir().join("999900000001_CDSS_20250301080610.1.txt"));
    assert_eq!(p3, p1, "the same file again is not copied twice");
    assert_eq!(fs::read(&p1).unwrap(), b"first body");
    assert_eq!(fs::read(&p2).unwrap(), b"second body");
    let r2 = fs::read_to_string(format!("{}.reason.txt", p2.display())).unwrap();
    assert!(r2.contains("truncated") && r2.contains(name), "{r2}");
    assert!(Path::new(&format!("{}.reason.txt", p1.display())).exists());
    assert_eq!(files_under(s.quarantine_dir()).len(), 4);
    assert_eq!(s.stats().unwrap().quarantined, 2);

    // A hostile name cannot escape the folder.
    let p = s.quarantine("../../escape.txt", b"x", "bad name").unwrap();
    assert_eq!(p, s.quarantine_dir().join("escape.txt"));
    assert!(!dir.path().parent().unwrap().join("escape.txt").exists());
}

#[test]
fn readings_round_trip_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let f1 = s.begin_upload("f1", b"1").unwrap().id();
    let f2 = s.begin_upload("f2", b"2").unwrap().id();
    let ch4 = s.point_id(MINE, "999900000001MN0001").unwrap();
    let co = s.point_id(MINE, "999900000001MN0004").unwrap();
    assert_ne!(ch4, co);
    assert_eq!(s.point_id(MINE, "999900000001MN0001").unwrap(), ch4);
    assert_ne!(s.point_id("999900000002", "999900000001MN0001").unwrap(), ch4, "points are per mine");
    assert_eq!(s.point_code(co).unwrap(), Some((MINE.to_string(), "999900000001MN0004".to_string())));
    assert_eq!(s.point_code(9999).unwrap(), None);

    let t0 = t("2025-03-01 08:00:00");
    let rows: Vec<ReadingRow> = (0..100)
        .flat_map(|i| {
            [
                ReadingRow { time: t0.plus_secs(i * 10), point: ch4, value: Some(0.1 + i as f64 * 0.01), status: 0 },
                ReadingRow { time: t0.plus_secs(i * 10), point: co, value: if i == 5 { None } else { Some(i as f64) }, status: 4 },
            ]
        })
        .collect();
    s.append_readings(f1, &rows).unwrap();
    // The same rows again from the same file are ignored; a different file's are kept.
    s.append_readings(f1, &rows[..10]).unwrap();
    s.append_readings(f2, &[ReadingRow { time: t0, point: ch4, value: Some(f64::NAN), status: 1 }]).unwrap();
    assert_eq!(s.stats().unwrap().readings, 201);

    let all = s.readings(None, t0, t0.plus_secs(1000)).unwrap();
    assert_eq!(all.len(), 201);
    assert!(all.windows(2).all(|w| (w[0].time, w[0].point) <= (w[1].time, w[1].point)));
    assert_eq!(all[0], StoredReading { time: t0, point: ch4, value: Some(0.1), status: 0, file_id: f1 });
    assert_eq!(all[1], StoredReading { time: t0, point: ch4, value: None, status: 1, file_id: f2 }, "NaN is stored as no value");

    let co_rows = s.readings(Some(co), t0.plus_secs(40), t0.plus_secs(60)).unwrap();
    assert_eq!(co_rows.len(), 2);
    assert_eq!((co_rows[0].value, co_rows[0].status), (Some(4.0), 4));
    assert_eq!(co_rows[1].value, None);

    assert!(matches!(s.append_readings(42, &rows[..1]), Err(StoreError::UnknownFile(42))));

    // Interned ids survive a reopen.
    drop(s);
    let mut s = open(dir.path());
    assert_eq!(s.point_id(MINE, "999900000001MN0004").unwrap(), co);
    assert_eq!(s.readings(Some(co), t0, t0.plus_secs(1000)).unwrap().len(), 100);
}

#[test]
fn group_commit_and_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let f = s.begin_upload("f", b"f").unwrap().id();
    let t0 = t("2025-03-01 08:00:00");

    s.begin().unwrap();
    assert!(s.in_transaction());
    assert!(matches!(s.begin(), Err(StoreError::Transaction(_))));
    let p = s.point_id(MINE, "P1").unwrap();
    s.append_readings(f, &[ReadingRow { time: t0, point: p, value: Some(1.0), status: 0 }]).unwrap();
    s.rollback().unwrap();
    assert!(!s.in_transaction());
    assert_eq!(s.stats().unwrap().readings, 0);
    assert_eq!(s.point_code(p).unwrap(), None, "the interned point was rolled back");

    // The cache forgot it, so the point is interned again for real.
    s.begin().unwrap();
    let p = s.point_id(MINE, "P1").unwrap();
    for i in 0..3 {
        s.append_readings(f, &[ReadingRow { time: t0.plus_secs(i), point: p, value: Some(1.0), status: 0 }]).unwrap();
    }
    s.commit().unwrap();
    assert!(matches!(s.commit(), Err(StoreError::Transaction(_))));
    assert_eq!(s.point_code(p).unwrap().unwrap().1, "P1");
    drop(s);
    assert_eq!(open(dir.path()).stats().unwrap().readings, 3);

    // Dropping a store mid-transaction loses the uncommitted work only.
    let mut s = open(dir.path());
    s.begin().unwrap();
    s.append_readings(f, &[ReadingRow { time: t0.plus_secs(99), point: p, value: Some(1.0), status: 0 }]).unwrap();
    drop(s);
    assert_eq!(open(dir.path()).stats().unwrap().readings, 3);
}

#[test]
fn minute_and_hour_rollups() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let f1 = s.begin_upload("f1", b"1").unwrap().id();
    let f2 = s.begin_upload("f2", b"2").unwrap().id();
    let p = s.point_id(MINE, "CH4").unwrap();
    let q = s.point_id(MINE, "CO").unwrap();
    let h0 = t("2025-03-01 08:00:00");
    // Point p: every 10 s for two hours, value = minute index (0..119) + second/100.
    let mut rows = Vec::new();
    for i in 0..720 {
        let ts = h0.plus_secs(i * 10);
        let minute = (i * 10 / 60) as f64;
        rows.push(ReadingRow { time: ts, point: p, value: Some(minute + (i * 10 % 60) as f64 / 100.0), status: 0 });
        rows.push(ReadingRow { time: ts, point: q, value: None, status: 128 });
    }
    s.append_readings(f1, &rows).unwrap();
    // A conflicting re-send of one sample by another upload.
    s.append_readings(f2, &[ReadingRow { time: h0, point: p, value: Some(9.0), status: 1 }]).unwrap();

    let r = s.rollup_pending().unwrap();
    assert_eq!((r.minute_rows, r.hour_rows), (240, 4));
    assert_eq!(s.rollup_pending().unwrap(), RollupReport::default(), "nothing left pending");

    let mins = s.stats_series(p, Resolution::Minute, h0, h0.plus_secs(7200)).unwrap();
    assert_eq!(mins.len(), 120);
    let m1 = mins[1];
    assert_eq!(m1.bucket, h0.plus_secs(60));
    assert_eq!((m1.samples, m1.count), (6, 6));
    assert_eq!((m1.min, m1.max), (Some(1.0), Some(1.5)));
    assert!((m1.avg.unwrap() - 1.25).abs() < 1e-9);
    // Minute 0: the re-sent sample counts once, its conflicting value shows in max.
    let m0 = mins[0];
    assert_eq!((m0.samples, m0.min, m0.max), (6, Some(0.0), Some(9.0)));
    assert!((m0.avg.unwrap() - (4.5 + 0.1 + 0.2 + 0.3 + 0.4 + 0.5) / 6.0).abs() < 1e-9);

    let hours = s.stats_series(p, Resolution::Hour, h0, h0.plus_secs(7200)).unwrap();
    assert_eq!(hours.len(), 2);
    assert_eq!((hours[1].bucket, hours[1].samples, hours[1].min, hours[1].max), (h0.plus_secs(3600), 360, Some(60.0), Some(119.5)));
    let qh = s.stats_series(q, Resolution::Hour, h0, h0.plus_secs(7200)).unwrap();
    assert_eq!((qh[0].samples, qh[0].count, qh[0].min, qh[0].avg), (360, 0, None, None));

    // An explicit rollup over a range recomputes the same numbers.
    let again = s.rollup(h0.plus_secs(30), h0.plus_secs(3700)).unwrap();
    assert_eq!((again.minute_rows, again.hour_rows), (240, 4));
    assert_eq!(s.stats_series(p, Resolution::Minute, h0, h0.plus_secs(7200)).unwrap(), mins);
}

#[test]
fn retention_deletes_only_what_is_older_than_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let f = s.begin_upload("f", b"f").unwrap().id();
    let p = s.point_id(MINE, "CH4").unwrap();
    let now = t("2027-01-01 00:00:00");
    let ages_days: [i64; 6] = [800, 700, 100, 93, 91, 1];
    let rows: Vec<ReadingRow> =
        ages_days.iter().map(|d| ReadingRow { time: now.plus_secs(-d * DAY), point: p, value: Some(*d as f64), status: 0 }).collect();
    s.append_readings(f, &rows).unwrap();

    // Below the legal minimum: refused, nothing touched.
    for bad in [
        RetentionPolicy { raw_days: 30, ..Default::default() },
        RetentionPolicy { minute_days: 365, hour_days: 365, ..Default::default() },
        RetentionPolicy { hour_days: 730, ..Default::default() },
    ] {
        assert!(matches!(s.apply_retention(now, &bad), Err(StoreError::BelowMinimum { .. })), "{bad:?}");
    }
    assert!(matches!(
        s.apply_retention(now, &RetentionPolicy { raw_days: 800, minute_days: 731, ..Default::default() }),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.stats().unwrap().readings, 6);

    let rep = s.apply_retention(now, &RetentionPolicy::default()).unwrap();
    assert_eq!(rep.raw_cutoff, now.plus_secs(-92 * DAY));
    assert_eq!(rep.minute_cutoff, now.plus_secs(-731 * DAY));
    assert_eq!((rep.rolled_up.minute_rows, rep.rolled_up.hour_rows), (6, 6), "pending hours rolled up before deleting raw");
    assert_eq!((rep.raw_deleted, rep.minute_deleted, rep.hour_deleted), (4, 1, 1));
    let left: Vec<f64> = s.readings(Some(p), Timestamp(0), now).unwrap().iter().map(|r| r.value.unwrap()).collect();
    assert_eq!(left, vec![91.0, 1.0]);
    let stats: Vec<f64> = s.stats_series(p, Resolution::Hour, Timestamp(0), now).unwrap().iter().map(|r| r.max.unwrap()).collect();
    assert_eq!(stats, vec![700.0, 100.0, 93.0, 91.0, 1.0], "statistics outlive raw data");
    assert_eq!(s.stats_series(p, Resolution::Minute, Timestamp(0), now).unwrap().len(), 5);

    // Running it again deletes nothing more.
    let rep = s.apply_retention(now, &RetentionPolicy::default()).unwrap();
    assert_eq!((rep.raw_deleted, rep.minute_deleted, rep.hour_deleted), (0, 0, 0));

    // Scratch databases may go below the minimum when asked to.
    let rep = s.apply_retention(now, &RetentionPolicy { raw_days: 7, minute_days: 7, hour_days: 7, allow_below_minimum: true }).unwrap();
    assert_eq!((rep.raw_deleted, rep.minute_deleted, rep.hour_deleted), (1, 4, 4));
}

fn person(card: &str, state: PositionState) -> Position {
    Position {
        card: card.into(),
        name: format!("工人{card}"),
        state,
        entered: None,
        exited: None,
        area: Some("9999000000010001".into()),
        area_since: None,
        station: None,
        station_since: None,
        shift_system: "三八制".into(),
        distance: Some(-3.5),
        sos: false,
        is_leader: false,
        is_special: false,
        track: vec![("9999000000010001000001".into(), t("2025-03-01 07:55:00"))],
    }
}

#[test]
fn late_older_snapshot_does_not_overwrite_a_newer_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    assert_eq!(s.people_underground(MINE).unwrap(), (None, vec![]));
    let f_new = s.begin_upload("new", b"new").unwrap().id();
    let f_old = s.begin_upload("old", b"old").unwrap().id();
    let (t_old, t_new) = (t("2025-03-01 08:00:00"), t("2025-03-01 08:05:00"));
    let newer = vec![
        person("99990000000100001", PositionState::Underground),
        person("99990000000100002", PositionState::Out),
        person("99990000000100003", PositionState::Underground),
    ];
    assert!(s.put_positions(MINE, f_new, t_new, &newer).unwrap());
    let older: Vec<Position> = (10..20).map(|i| person(&format!("999900000001000{i}"), PositionState::Underground)).collect();
    assert!(!s.put_positions(MINE, f_old, t_old, &older).unwrap(), "an older snapshot arriving late is not applied");

    let (at, people) = s.people_underground(MINE).unwrap();
    assert_eq!(at, Some(t_new));
    assert_eq!(people, vec![newer[0].clone(), newer[2].clone()]);
    assert_eq!(s.mines().unwrap(), vec![MINE.to_string()]);

    let t3 = t("2025-03-01 08:10:00");
    assert!(s.put_positions(MINE, f_old, t3, &older[..1]).unwrap());
    assert_eq!(s.people_underground(MINE).unwrap(), (Some(t3), older[..1].to_vec()));
    assert_eq!(s.people_underground("999900000002").unwrap(), (None, vec![]));
}

fn def(code: &str, location: &str, time: Option<Timestamp>) -> PointDef {
    PointDef {
        code: code.into(),
        system: "01".into(),
        substation: "999900000001".into(),
        sensor_type: SensorType::METHANE,
        kind: ValueKind::Analog,
        unit: "%CH4".into(),
        range_high: Some(4.0),
        range_low: Some(0.0),
        thresholds: Thresholds { alarm_high: Some(1.0), cut_high: Some(1.5), ..Default::default() },
        on_label: String::new(),
        off_label: String::new(),
        location: location.into(),
        x: None,
        y: None,
        z: None,
        relations: vec![],
        time,
    }
}

#[test]
fn point_definitions_latest_wins_with_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let f1 = s.begin_upload("d1", b"d1").unwrap().id();
    let f2 = s.begin_upload("d2", b"d2").unwrap().id();
    let (t1, t2) = (t("2025-03-01 08:00:00"), t("2025-03-02 08:00:00"));
    s.put_point_defs(MINE, f1, &[def("A", "1201工作面", Some(t1)), def("B", "回风巷", Some(t1))]).unwrap();
    s.put_point_defs(MINE, f2, &[def("A", "1201工作面上隅角", Some(t2))]).unwrap();
    s.put_point_defs(MINE, f1, &[def("A", "stale", Some(t1))]).unwrap(); // late, older
    let defs = s.point_defs(MINE).unwrap();
    assert_eq!(defs.len(), 2);
    assert_eq!(defs[0], def("A", "1201工作面上隅角", Some(t2)));
    assert_eq!(defs[1].location, "回风巷");
    assert!(s.point_defs("999900000002").unwrap().is_empty());
    // History keeps every version.
    let c = sql_i64(&dir.path().join("m.db"), "SELECT count(*) FROM point_def_history WHERE code = 'A'");
    assert_eq!(c, 3);
}

/// A second connection straight to the file: the store's tables are plain SQL.
fn sql_i64(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn finding(id_place: &str, rule: &str, sev: Severity, start: Timestamp, end: Option<Timestamp>) -> Finding {
    Finding {
        id: Finding::stable_id(rule, MINE, id_place, start),
        rule: rule.into(),
        measure: Some("HM-4.2".into()),
        mine: MINE.into(),
        severity: sev,
        start,
        end,
        place: Some(id_place.into()),
        title: format!("{rule} at {id_place}"),
        evidence: vec![Evidence {
            file: "999900000001_CDSS_20250301080610.txt".into(),
            record: Some(3),
            value: Some(1.66),
            time: Some(start),
            ..Default::default()
        }],
        consequence: vec!["MH".into()],
        tags: vec![],
        peak: Some(1.66),
        confidence: None,
    }
}

#[test]
fn findings_upsert_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let t0 = t("2025-03-01 08:06:10");
    let open_f = finding("T1", "CM-4.2", Severity::MajorHazard, t0, None);
    s.put_findings(std::slice::from_ref(&open_f)).unwrap();
    s.put_findings(std::slice::from_ref(&open_f)).unwrap();
    assert_eq!(s.stats().unwrap().findings, 1);
    assert_eq!(s.finding(&open_f.id).unwrap(), Some(open_f.clone()));

    let closed = Finding { end: Some(t0.plus_secs(390)), peak: Some(1.9), ..open_f.clone() };
    s.put_findings(std::slice::from_ref(&closed)).unwrap();
    assert_eq!(s.finding(&open_f.id).unwrap(), Some(closed.clone()));
    // A replayed open version does not reopen it.
    s.put_findings(std::slice::from_ref(&open_f)).unwrap();
    assert_eq!(s.finding(&open_f.id).unwrap(), Some(closed.clone()));
    assert_eq!(s.stats().unwrap().findings, 1);

    let warn = finding("T2", "CSR-GAS-2", Severity::Warning, t0.plus_secs(3600), None);
    let other_mine =
        Finding { mine: "999900000002".into(), id: "f-other".into(), ..finding("T3", "CM-4.2", Severity::Alarm, t0.plus_secs(7200), None) };
    s.put_findings(&[warn.clone(), other_mine.clone()]).unwrap();

    let ids = |f: &FindingFilter| s.findings(f).unwrap().into_iter().map(|x| x.id).collect::<Vec<_>>();
    assert_eq!(ids(&FindingFilter::default()), vec![closed.id.clone(), warn.id.clone(), other_mine.id.clone()]);
    assert_eq!(ids(&FindingFilter { mine: Some(MINE.into()), ..Default::default() }), vec![closed.id.clone(), warn.id.clone()]);
    assert_eq!(ids(&FindingFilter { rule: Some("CM-4.2".into()), ..Default::default() }), vec![closed.id.clone(), other_mine.id.clone()]);
    assert_eq!(
        ids(&FindingFilter { min_severity: Some(Severity::Alarm), ..Default::default() }),
        vec![closed.id.clone(), other_mine.id.clone()]
    );
    // Time overlap: the closed finding ended at t0+390; the open ones extend to now.
    assert_eq!(ids(&FindingFilter { from: Some(t0.plus_secs(1000)), ..Default::default() }), vec![warn.id.clone(), other_mine.id.clone()]);
    assert_eq!(
        ids(&FindingFilter { from: Some(t0.plus_secs(390)), to: Some(t0.plus_secs(3600)), ..Default::default() }),
        vec![closed.id.clone()]
    );
    assert_eq!(ids(&FindingFilter { limit: Some(1), ..Default::default() }), vec![closed.id.clone()]);
    assert_eq!(s.finding("f-nope").unwrap(), None);
}

#[test]
fn migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    drop(SqliteStore::open(&path, StoreOptions::default()).unwrap());
    let s = SqliteStore::open(&path, StoreOptions::default()).unwrap();
    let applied = s.applied_migrations().unwrap();
    assert_eq!(applied, MIGRATIONS.iter().map(|(v, n, _)| (*v, n.to_string())).collect::<Vec<_>>());
    assert_eq!(sql_i64(&path, "PRAGMA user_version"), MIGRATIONS.last().unwrap().0);
    let mode: String = rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(s.archive_dir(), dir.path().join("m.archive"));
    assert_eq!(s.quarantine_dir(), dir.path().join("m.quarantine"));
    drop(s);

    // A database from a newer build is refused, not damaged.
    rusqlite::Connection::open(&path).unwrap().execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')", []).unwrap();
    match SqliteStore::open(&path, StoreOptions::default()) {
        Err(StoreError::SchemaTooNew { found: 999, known }) => assert_eq!(known, MIGRATIONS.last().unwrap().0),
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn configured_dirs_and_urls() {
    let dir = tempfile::tempdir().unwrap();
    let opts =
        StoreOptions { archive_dir: Some(dir.path().join("arch")), quarantine_dir: Some(dir.path().join("q")), ..Default::default() };
    let mut s = SqliteStore::open(&dir.path().join("sub/x.db"), opts).unwrap();
    let sha = sha256_hex(b"z");
    s.begin_upload("z", b"z").unwrap();
    assert!(dir.path().join("arch").join(&sha[..2]).join(&sha).exists());
    s.quarantine("q.txt", b"q", "r").unwrap();
    assert!(dir.path().join("q/q.txt").exists());

    assert!(matches!(open_url("postgres://localhost/minesafe", StoreOptions::default()), Err(StoreError::Unsupported(_))));
    let url = format!("sqlite://{}", dir.path().join("u.db").display());
    let mut boxed: Box<dyn Store> = open_url(&url, StoreOptions::default()).unwrap();
    assert!(boxed.begin_upload("a", b"a").unwrap().is_new());
    assert!(dir.path().join("u.archive").is_dir());
}

#[test]
fn bench_append_runs_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let r = bench_append(dir.path(), 25_000, 1_000, 10_000).unwrap();
    assert_eq!(r.rows, 25_000);
    assert!(r.rows_per_sec > 0.0);
    let s = SqliteStore::open(&dir.path().join("bench.db"), StoreOptions::default()).unwrap();
    assert_eq!(s.stats().unwrap().readings, 25_000);
    assert!(r.to_string().contains("rows/s"));
}

#[test]
fn two_writers_racing_on_the_same_bytes_get_one_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path());
    let mut b = open(dir.path());
    a.begin().unwrap();
    let id = a.begin_upload("x.txt", b"same bytes").unwrap().id();
    // b cannot see a's uncommitted row, finds the archive file already there,
    // then waits for a's write lock and must detect the conflict.
    let racer = std::thread::spawn(move || b.begin_upload("y.txt", b"same bytes").unwrap());
    std::thread::sleep(std::time::Duration::from_millis(200));
    a.commit().unwrap();
    assert_eq!(racer.join().unwrap(), UploadStatus::Duplicate { id });
    let st = a.stats().unwrap();
    assert_eq!((st.files, st.duplicates), (1, 1));
    assert_eq!(a.file_by_name("y.txt").unwrap().unwrap().id, id);
}

fn alarm_row(id: &str, state: &str, open: bool, at: &str) -> AlarmRow {
    AlarmRow {
        id: id.into(),
        mine: "999901000001".into(),
        rule: "CSR-GAS-3".into(),
        state: state.into(),
        open,
        raised_at: t("2026-11-25 08:00:00"),
        updated_at: t(at),
        body: format!("{{\"id\":\"{id}\",\"state\":\"{state}\"}}"),
    }
}

fn event(id: &str, seq: i64, actor: &str, action: &str) -> AlarmEventRow {
    AlarmEventRow {
        alarm: id.into(),
        seq,
        at: t("2026-11-25 08:00:00").plus_secs(seq * 60),
        actor: actor.into(),
        action: action.into(),
        body: "{}".into(),
    }
}

#[test]
fn alarms_upsert_and_their_transition_log_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    s.put_alarm(&alarm_row("a-1", "raised", true, "2026-11-25 08:00:00"), &[event("a-1", 1, "system", "raise")]).unwrap();
    s.put_alarm(&alarm_row("a-2", "raised", true, "2026-11-25 08:00:00"), &[event("a-2", 1, "system", "raise")]).unwrap();
    // The next state re-sends the whole history: stored rows stay as they were.
    let mut changed = event("a-1", 1, "someone else", "raise");
    changed.body = "{\"forged\":true}".into();
    s.put_alarm(&alarm_row("a-1", "acknowledged", true, "2026-11-25 08:03:00"), &[changed, event("a-1", 2, "张调度", "acknowledge")])
        .unwrap();
    let log = s.alarm_events("a-1").unwrap();
    assert_eq!(log.iter().map(|e| (e.seq, e.actor.as_str())).collect::<Vec<_>>(), vec![(1, "system"), (2, "张调度")]);
    assert_eq!(log[0].body, "{}");
    s.put_alarm(&alarm_row("a-2", "closed", false, "2026-11-25 09:00:00"), &[]).unwrap();

    let open_only = s.alarms(&AlarmFilter { open_only: true, ..Default::default() }).unwrap();
    assert_eq!(open_only.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), vec!["a-1"]);
    assert_eq!(open_only[0].state, "acknowledged");
    let one = s.alarms(&AlarmFilter { id: Some("a-2".into()), ..Default::default() }).unwrap();
    assert_eq!(one.len(), 1);
    assert!(!one[0].open);
    assert!(s.alarms(&AlarmFilter { mine: Some("999901000002".into()), ..Default::default() }).unwrap().is_empty());

    // The log cannot be rewritten behind the store's back either.
    let conn = rusqlite::Connection::open(dir.path().join("m.db")).unwrap();
    let upd = conn.execute("UPDATE alarm_events SET actor = 'x' WHERE alarm = 'a-1'", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = conn.execute("DELETE FROM alarm_events", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
}

#[test]
fn withdrawn_findings_are_removed_and_upload_times_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let start = t("2026-11-25 08:00:00");
    let mut f = Finding {
        id: "f-000000000001".into(),
        rule: "CSR-GAS-5".into(),
        measure: None,
        mine: "999901000001".into(),
        severity: Severity::Alarm,
        start,
        end: None,
        place: Some("T1".into()),
        title: "t".into(),
        evidence: vec![],
        consequence: vec![],
        tags: vec!["open".into()],
        peak: None,
        confidence: None,
    };
    s.put_findings(std::slice::from_ref(&f)).unwrap();
    assert!(s.finding(&f.id).unwrap().is_some());
    f.tags = vec!["withdrawn".into()];
    f.end = Some(start.plus_secs(60));
    s.put_findings(&[f.clone()]).unwrap();
    assert!(s.finding(&f.id).unwrap().is_none(), "a withdrawn finding leaves the store");

    for (i, name) in ["999901000001_CDSS_20261125080000.txt", "999901000001_CDSS_20261125080100.txt"].iter().enumerate() {
        let bytes = format!("x{i}");
        let UploadStatus::New { id, .. } = s.begin_upload(name, bytes.as_bytes()).unwrap() else { panic!("new") };
        let mut sum = summary(FileStatus::Accepted, 1, 0);
        sum.mine = Some("999901000001".into());
        sum.family = Some("CDSS".into());
        sum.header_time = Some(start.plus_secs(60 * i as i64));
        s.finish_upload(id, &sum).unwrap();
    }
    let times = s.upload_times("999901000001", "CDSS", start, start.plus_secs(3600)).unwrap();
    assert_eq!(times, vec![start, start.plus_secs(60)]);
    assert!(s.upload_times("999901000001", "RYSS", start, start.plus_secs(3600)).unwrap().is_empty());
}

#[test]
fn uploads_between_lists_read_files_in_header_time_order_with_their_archived_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let start = t("2026-11-25 08:00:00");
    // Stored out of order, one rejected, one of another mine.
    let files = [
        ("999901000001_RYSS_20261125081000.txt", "999901000001", 600, FileStatus::Accepted),
        ("999901000001_CDSS_20261125080000.txt", "999901000001", 0, FileStatus::Partial),
        ("999901000001_CDSS_20261125080500.txt", "999901000001", 300, FileStatus::Rejected),
        ("999901000002_CDSS_20261125080000.txt", "999901000002", 0, FileStatus::Accepted),
        ("999901000001_CDSS_20261125090000.txt", "999901000001", 3600, FileStatus::Accepted),
    ];
    for (name, mine, offset, status) in files {
        let UploadStatus::New { id, .. } = s.begin_upload(name, name.as_bytes()).unwrap() else { panic!("new") };
        let mut sum = summary(status, 1, 0);
        sum.mine = Some(mine.into());
        sum.family = Some(name[13..17].to_string());
        sum.header_time = Some(start.plus_secs(offset));
        s.finish_upload(id, &sum).unwrap();
    }
    let got = s.uploads_between(Some("999901000001"), start, start.plus_secs(3600)).unwrap();
    let names: Vec<&str> = got.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["999901000001_CDSS_20261125080000.txt", "999901000001_RYSS_20261125081000.txt"],
        "read files only, by header time, [from, to)"
    );
    assert_eq!(s.archived_bytes(&got[1].sha256).unwrap(), got[1].name.as_bytes());
    assert_eq!(s.uploads_between(None, start, start.plus_secs(3601)).unwrap().len(), 4, "every mine");
}
