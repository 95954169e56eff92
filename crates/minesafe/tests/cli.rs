//! End-to-end tests that drive the real `minesafe` binary, as a user would.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use minesafe_model::{Finding, Severity, Timestamp};
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_minesafe"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scenarios() -> PathBuf {
    repo().join("tests/scenarios")
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run minesafe");
    assert!(out.status.success(), "minesafe failed: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    out
}

fn findings(out: &Output) -> Vec<Finding> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
        .collect()
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn ts(v: &Value) -> Option<Timestamp> {
    v.as_str().map(|s| Timestamp::parse_rfc3339(s).unwrap())
}

/// A finding matches an expected line when mine and rule agree and the spans overlap
/// within a minute of slack (expected times are given to the snapshot minute).
fn matches(f: &Finding, e: &Value) -> bool {
    let start = ts(&e["start"]).unwrap();
    let end = ts(&e["end"]).unwrap_or(Timestamp(i64::MAX));
    let f_end = f.end.unwrap_or(Timestamp(i64::MAX));
    f.mine == e["mine"].as_str().unwrap()
        && f.rule == e["rule"].as_str().unwrap()
        && f.start.0 <= end.0.saturating_add(60)
        && start.0 <= f_end.0.saturating_add(60)
}

fn sha_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect()
}

#[test]
fn hand_written_scenarios_give_the_expected_findings_and_name_every_bad_file() {
    let uploads = scenarios().join("uploads");
    let before = sha_tree(&uploads);
    let out =
        run(bin().arg("check").arg(&uploads).arg("--registry").arg(repo().join("docs/registry.example.json")).args(["--format", "json"]));
    let got = findings(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for e in lines(&scenarios().join("expected.jsonl")) {
        assert!(
            got.iter().any(|f| matches(f, &e)),
            "expected finding not reported: {e}\ngot:\n{}",
            got.iter().map(|f| format!("{} {} {} {:?} {}", f.rule, f.mine, f.start, f.end, f.title)).collect::<Vec<_>>().join("\n")
        );
    }
    for r in lines(&scenarios().join("expected_rejects.jsonl")) {
        let file = r["file"].as_str().unwrap();
        if r["outcome"] == "accepted" {
            assert!(!stderr.contains(file), "{file} should be accepted silently:\n{stderr}");
            continue;
        }
        let reason = r["reason"].as_str().unwrap();
        let line = stderr.lines().find(|l| l.contains(file) && l.contains(reason));
        assert!(line.is_some(), "{file} not reported on stderr with reason {reason}:\n{stderr}");
        if let Some(rec) = r["record"].as_u64() {
            assert!(
                stderr.lines().any(|l| l.contains(file) && l.contains(&format!("record {rec}"))),
                "{file}: record {rec} not named:\n{stderr}"
            );
        }
    }
    // Nothing lost: the summary reconciles.
    let summary = stderr.lines().find(|l| l.contains("records =")).expect("summary line");
    let (head, tail) = summary.split_once(" records = ").unwrap();
    let total: u64 = head.rsplit(' ').next().unwrap().parse().unwrap();
    let nums: Vec<u64> = tail.split(|c: char| !c.is_ascii_digit()).filter_map(|s| s.parse().ok()).take(2).collect();
    assert_eq!(nums[0] + nums[1], total, "{summary}");
    // Read-only: inputs untouched.
    assert_eq!(before, sha_tree(&uploads));
}

#[test]
fn findings_do_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    run(bin().args(["simulate", "--mines", "3", "--days", "1", "--seed", "7", "--out"]).arg(dir.path()));
    let one = run(bin()
        .arg("check")
        .arg(dir.path())
        .args(["--format", "json", "--threads", "1", "--registry"])
        .arg(dir.path().join("registry.json")));
    let two = run(bin()
        .arg("check")
        .arg(dir.path())
        .args(["--format", "json", "--threads", "3", "--registry"])
        .arg(dir.path().join("registry.json")));
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn demo_finds_the_injected_violations_and_nothing_on_clean_mines() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(bin().args(["demo", "--mines", "6", "--days", "1", "--quiet", "--out"]).arg(dir.path()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let recall: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("recall: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("recall line");
    assert!(recall >= 0.95, "recall {recall}\n{stdout}");
    let clean = stdout.lines().find(|l| l.contains("with nothing injected")).expect("clean-mine line");
    assert!(clean.ends_with(": 0"), "{clean}\n{stdout}");
    assert!(!clean.contains("on the 0 mines"), "the demo must include a mine with nothing injected\n{stdout}");
}

#[test]
fn ingest_is_idempotent_and_people_and_evidence_work() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    run(bin().args(["simulate", "--mines", "2", "--days", "1", "--seed", "3", "--out"]).arg(&sim));
    let db = dir.path().join("m.db");
    let first = run(bin().arg("ingest").arg(&sim).arg("--db").arg(&db).arg("--registry").arg(sim.join("registry.json")));
    let second = run(bin().arg("ingest").arg(&sim).arg("--db").arg(&db));
    let s1 = String::from_utf8_lossy(&first.stderr);
    let s2 = String::from_utf8_lossy(&second.stderr);
    assert!(!s1.contains("duplicate"), "{s1}");
    let files: usize = s1.split_once("minesafe ingest: ").unwrap().1.split_whitespace().next().unwrap().parse().unwrap();
    assert!(s2.contains(&format!("{files} files ({files} duplicate); 0 records")), "second ingest must see only duplicates: {s2}");

    let registry: Value = serde_json::from_str(&std::fs::read_to_string(sim.join("registry.json")).unwrap()).unwrap();
    let mine = registry["mines"][0]["code"].as_str().unwrap().to_string();
    let people = run(bin().args(["people", &mine, "--format", "json", "--db"]).arg(&db));
    let v: Value = serde_json::from_slice(&people.stdout).unwrap();
    assert!(v["snapshot"].is_string(), "{v}");

    // Evidence: the archived bytes of the files a stored finding names, verified by SHA-256.
    let conn_findings = run(bin().arg("check").arg(&sim).args(["--format", "json", "--registry"]).arg(sim.join("registry.json")));
    let f = findings(&conn_findings).into_iter().find(|f| f.severity >= Severity::Alarm).expect("a finding");
    let ev = dir.path().join("ev");
    run(bin().args(["evidence", &f.id, "--db"]).arg(&db).arg("--out").arg(&ev));
    let sums = std::fs::read_to_string(ev.join("SHA256SUMS")).unwrap();
    assert!(!sums.is_empty());
    for line in sums.lines() {
        let (sha, name) = line.split_once("  ").unwrap();
        let bytes = std::fs::read(ev.join(name)).unwrap();
        use sha2::Digest;
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), sha);
        let original =
            walkdir::WalkDir::new(&sim).into_iter().filter_map(Result::ok).find(|e| e.file_name().to_string_lossy() == name).unwrap();
        assert_eq!(std::fs::read(original.path()).unwrap(), bytes);
    }
}

#[test]
fn bad_input_never_stops_a_run_and_check_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("999900000001_CDSS_20261120080000.txt"), b"\x00\x01\x02garbage").unwrap();
    std::fs::write(dir.path().join("not-an-upload.txt"), b"hello").unwrap();
    std::fs::write(
        dir.path().join("999900000001_CDSS_20261120080100.txt"),
        "999900000001;矿;2026-11-20 08:01:00~P1;甲烷;1201综采工作面T1;0.3;%CH4;0;2026-11-20 08:01:00~||",
    )
    .unwrap();
    let out = run(bin().arg("check").arg(dir.path()).args(["--format", "json"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("999900000001_CDSS_20261120080000.txt"), "{stderr}");
    assert!(stderr.contains("not-an-upload.txt") && stderr.contains("bad_name"), "{stderr}");
    assert!(stderr.contains("1 accepted"), "{stderr}");
}

#[test]
fn ingest_waits_for_incomplete_files_and_quarantines_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("up");
    std::fs::create_dir(&up).unwrap();
    let name = "999900000001_CDSS_20261120080000.txt";
    let body = "999900000001;矿;2026-11-20 08:00:00~P1;甲烷;1201综采工作面T1;0.3;%CH4;0;2026-11-20 08:00:00~";
    std::fs::write(up.join(name), body).unwrap();
    std::fs::write(up.join("999900000001_CDSS_20261120080100.txt"), "999900000002;矿;2026-11-20 08:01:00~||").unwrap();
    let db = dir.path().join("m.db");
    let first = run(bin().arg("ingest").arg(&up).arg("--db").arg(&db));
    let s1 = String::from_utf8_lossy(&first.stderr);
    assert!(s1.contains(name) && s1.contains("[incomplete]"), "{s1}");
    assert!(s1.contains("mine_code_mismatch"), "{s1}");
    let quarantine = dir.path().join("m.quarantine");
    let kept: Vec<String> =
        std::fs::read_dir(&quarantine).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(kept.iter().any(|n| n == "999900000001_CDSS_20261120080100.txt"), "{kept:?}");
    assert!(!kept.iter().any(|n| n == name), "an incomplete file is waited for, not quarantined: {kept:?}");
    // The upload finishes; the next ingest takes it.
    std::fs::write(up.join(name), format!("{body}||")).unwrap();
    let second = run(bin().arg("ingest").arg(&up).arg("--db").arg(&db));
    let s2 = String::from_utf8_lossy(&second.stderr);
    assert!(s2.contains("1 accepted") && s2.contains("1 duplicate"), "{s2}");
}

#[test]
fn admission_policy_is_configurable() {
    let uploads = scenarios().join("uploads");
    let out = run(bin().arg("check").arg(&uploads).args(["--format", "json", "--max-bad-ratio", "0.1"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 1 bad record of 8 is within the default 20 % but over 10 %: the whole file goes.
    assert!(stderr.lines().any(|l| l.contains("999902000002_CDSS_20261120081530.txt") && l.contains("too_many_bad_records")), "{stderr}");
}

#[test]
fn evacuations_report_time_to_clear_and_who_stayed() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    run(bin()
        .args(["--quiet", "simulate", "--mines", "1", "--days", "1", "--inject", "methane_cut_ok,ignored_evacuation", "--out"])
        .arg(&sim));
    let evac = tmp.path().join("evacuations.jsonl");
    let out = run(bin()
        .args(["--quiet", "check", "--format", "json", "--registry"])
        .arg(sim.join("registry.json"))
        .arg("--evacuations")
        .arg(&evac)
        .arg(&sim));
    let found = findings(&out);
    let reports = lines(&evac);
    assert!(reports.len() >= 2, "{reports:#?}");
    // The crew that withdrew: everyone out, within the deadline, nobody stayed.
    let cleared: Vec<&Value> = reports
        .iter()
        .filter(|r| r["stayed"].as_array().is_some_and(Vec::is_empty) && !r["people_at_start"].as_array().unwrap().is_empty())
        .collect();
    assert!(!cleared.is_empty(), "{reports:#?}");
    for r in &cleared {
        let secs = r["time_to_clear_secs"].as_i64().expect("cleared");
        assert!((0..=1800).contains(&secs), "{r}");
    }
    // The crew that worked on: named, with the area and when last seen, and ALM-2 cites them.
    let stayed: Vec<&Value> = reports.iter().filter(|r| r["stayed"].as_array().is_some_and(|s| !s.is_empty())).collect();
    assert!(!stayed.is_empty(), "{reports:#?}");
    let alm2: Vec<&Finding> = found.iter().filter(|f| f.rule == "ALM-2").collect();
    assert!(!alm2.is_empty());
    let card = stayed[0]["stayed"][0][0].as_str().unwrap();
    assert!(alm2.iter().any(|f| f.evidence.iter().any(|e| e.card.as_deref() == Some(card))), "ALM-2 names {card}");
}
