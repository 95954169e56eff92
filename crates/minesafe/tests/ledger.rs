//! The enforcement ledger end to end, through the real binary: a hazard from an
//! engine finding to sign-off, an ignored hazard found again until the closure
//! proposal, the restart gate, back-tracing, a simulated year checked against its
//! truth, and the audit trail detecting direct database tampering.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const MINE: &str = "999902000001";
const OFFICE: &str = "county-999902";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A workspace: its own database, signing key and export folder.
struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new() -> Self {
        Desk { dir: tempfile::tempdir().unwrap() }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("ledger.db")
    }

    fn cmd(&self, now: &str, actor: &[&str], args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_minesafe"));
        c.args(args)
            .arg("--db")
            .arg(self.db())
            .arg("--now")
            .arg(now)
            .args(actor)
            .env("MINESAFE_AUDIT_KEY", self.dir.path().join("keys/audit.key"))
            .env_remove("MINESAFE_AUDIT_EXPORT")
            .env_remove("MINESAFE_ACTOR")
            .env_remove("MINESAFE_ROLE")
            .env_remove("MINESAFE_SCOPE")
            .env("RUST_BACKTRACE", "0");
        c
    }

    /// Runs and expects success.
    fn ok(&self, now: &str, actor: &[&str], args: &[&str]) -> Output {
        let out = self.cmd(now, actor, args).output().unwrap();
        assert!(out.status.success(), "{args:?} failed:\n{}\n{}", text(&out.stdout), text(&out.stderr));
        out
    }

    /// Runs and expects a refusal (exit 2); returns stderr.
    fn refused(&self, now: &str, actor: &[&str], args: &[&str]) -> String {
        let out = self.cmd(now, actor, args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?} should be refused:\n{}\n{}", text(&out.stdout), text(&out.stderr));
        text(&out.stderr)
    }

    fn json_lines(&self, now: &str, actor: &[&str], args: &[&str]) -> Vec<Value> {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        let out = self.ok(now, actor, &a);
        text(&out.stdout).lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const SYSTEM: &[&str] = &["--role", "system"];
const INSPECTOR_1: &[&str] = &["--as", "I-001", "--actor-name", "张检", "--role", "inspector", "--scope", OFFICE];
const INSPECTOR_2: &[&str] = &["--as", "I-002", "--actor-name", "王检", "--role", "inspector", "--scope", OFFICE];
const HEAD: &[&str] = &["--as", "H-001", "--actor-name", "赵局长", "--role", "regulator-head", "--scope", OFFICE];
const STAFF: &[&str] = &["--as", "S-001", "--actor-name", "李安全", "--role", "mine-staff", "--scope", MINE];

fn register(d: &Desk, mine: &str) {
    d.ok("2026-01-01 08:00:00", SYSTEM, &["mine", "register", mine, "--name", "虚构煤矿", "--offices", OFFICE, "--since", "2026-01-01"]);
    for (kind, number) in [("safety-production", "AQ"), ("mining-right", "CK")] {
        let n = format!("{number}-{mine}");
        d.ok(
            "2026-01-01 08:00:00",
            SYSTEM,
            &["mine", "licence", mine, "--kind", kind, "--number", &n, "--from", "2025-01-01", "--to", "2028-12-31"],
        );
    }
}

fn show_hazard(d: &Desk, id: &str) -> Value {
    let out = d.ok("2026-12-01 00:00:00", SYSTEM, &["hazard", "show", id]);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_hazard_from_an_engine_finding_runs_through_the_five_in_place_to_sign_off() {
    let d = Desk::new();
    // An engine finding in the same store: the hand-written scenario's failed power cut.
    let mut ingest = Command::new(env!("CARGO_BIN_EXE_minesafe"));
    let out = ingest.arg("ingest").arg(repo().join("tests/scenarios/uploads")).arg("--db").arg(d.db()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_minesafe"))
        .args(["findings", "--mine", MINE, "--format", "json", "--db"])
        .arg(d.db())
        .output()
        .unwrap();
    let findings: Vec<Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let major = findings.iter().find(|f| f["severity"] == "major_hazard").expect("the scenario has a major-hazard finding");
    let fid = major["id"].as_str().unwrap();

    register(&d, MINE);
    let now = "2026-11-20 10:00:00";
    d.ok(now, INSPECTOR_1, &["hazard", "open", "--id", "HZ-1", "--finding", fid, "--system", "安全监控"]);
    let h = show_hazard(&d, "HZ-1");
    assert_eq!(h["kind"], major["rule"]);
    assert_eq!(h["place"], major["place"]);
    assert_eq!(h["state"], "found");
    assert_eq!(h["evidence_since"], major["start"], "back-tracing starts where the evidence starts");
    assert!(h["evidence"][0].as_str().unwrap().contains(fid));
    assert_eq!(h["observations"][0]["confirmed"], false, "an engine finding counts only once a regulator confirms it");
    d.ok(now, INSPECTOR_1, &["hazard", "confirm", "HZ-1", "--notes", "现场核实属实"]);

    // The five in place are all required; the refusal names what is missing.
    let err = d.refused(
        "2026-11-20 11:00:00",
        STAFF,
        &[
            "hazard",
            "plan",
            "HZ-1",
            "--responsible",
            "李矿长",
            "--measures",
            "更换断电仪",
            "--funds",
            "0",
            "--deadline",
            "2026-12-05",
            "--contingency",
            "",
        ],
    );
    assert!(err.contains("HM-2.1-R2") && err.contains("资金") && err.contains("预案") && !err.contains("措施"), "{err}");
    assert_eq!(show_hazard(&d, "HZ-1")["state"], "found", "a refusal changes nothing");
    d.ok(
        "2026-11-20 11:00:00",
        STAFF,
        &[
            "hazard",
            "plan",
            "HZ-1",
            "--responsible",
            "李矿长",
            "--measures",
            "更换断电仪并试验",
            "--funds",
            "80000",
            "--deadline",
            "2026-12-05",
            "--contingency",
            "断电撤人预案",
        ],
    );
    d.ok("2026-11-20 12:00:00", STAFF, &["hazard", "start", "HZ-1"]);
    d.ok("2026-11-25 09:00:00", STAFF, &["hazard", "submit", "HZ-1", "--notes", "已更换并试验", "--evidence", "试验记录.pdf"]);
    // The mine cannot accept its own work; a regulator verifies, another may sign off.
    let err = d.refused("2026-11-25 10:00:00", STAFF, &["hazard", "verify", "HZ-1"]);
    assert!(err.contains("HZ-1"), "{err}");
    d.ok("2026-11-26 09:00:00", INSPECTOR_2, &["hazard", "verify", "HZ-1", "--notes", "现场试验断电正常"]);
    d.ok("2026-11-26 10:00:00", INSPECTOR_1, &["hazard", "sign-off", "HZ-1", "--notes", "销号"]);

    let h = show_hazard(&d, "HZ-1");
    assert_eq!(h["state"], "signed_off");
    let actions: Vec<(&str, &str)> =
        h["decisions"].as_array().unwrap().iter().map(|x| (x["action"].as_str().unwrap(), x["by"]["id"].as_str().unwrap())).collect();
    assert_eq!(
        actions,
        [("confirm", "I-001"), ("plan", "S-001"), ("start", "S-001"), ("submit", "S-001"), ("verify", "I-002"), ("sign_off", "I-001")]
    );
    assert!(h["decisions"].as_array().unwrap().iter().all(|x| x["snapshot"]["state"].is_string()), "each decision keeps a snapshot");

    // A printable notice drafted from the record.
    let notice = d.dir.path().join("notice.html");
    d.ok("2026-11-26 10:00:00", SYSTEM, &["hazard", "notice", "HZ-1", "--out", notice.to_str().unwrap()]);
    let html = std::fs::read_to_string(&notice).unwrap();
    for part in ["重大事故隐患整改通知", "断电撤人预案", "80000", "王检", "销号"] {
        assert!(html.contains(part), "notice lacks {part}");
    }

    let out = d.ok("2026-11-27 00:00:00", &[], &["audit", "verify"]);
    assert!(text(&out.stdout).contains("audit trail intact"), "{}", text(&out.stdout));
}

fn inspect(d: &Desk, actor: &[&str], id: &str, mine: &str, day: &str, place: &str, finding: Option<&str>) {
    let (start, end, now) = (format!("{day} 09:00:00"), format!("{day} 12:00:00"), format!("{day} 13:00:00"));
    let mut args = vec!["inspect", "record", "--id", id, "--mine", mine, "--office", OFFICE, "--start", &start, "--end", &end];
    args.extend(["--inspectors", if actor == INSPECTOR_1 { "I-001" } else { "I-002" }, "--places", place, "--systems", "通风"]);
    if let Some(f) = finding {
        args.extend(["--finding", f]);
    }
    d.ok(&now, actor, &args);
    d.ok(&now, actor, &["inspect", "sign", id]);
}

#[test]
fn an_ignored_hazard_found_again_proposes_closure_blocks_restart_and_back_traces_the_misses() {
    let d = Desk::new();
    let near = "999902000002";
    register(&d, MINE);
    register(&d, near);
    let place = "1201综采工作面回风隅角";
    // Two routine inspections covered the place while the evidence already existed and found nothing.
    inspect(&d, INSPECTOR_1, "IN-1", MINE, "2026-01-08", place, None);
    inspect(&d, INSPECTOR_2, "IN-2", MINE, "2026-01-20", "2号煤仓", None);
    inspect(&d, INSPECTOR_2, "IN-3", MINE, "2026-01-22", place, None);
    // Found on 31 January …
    let f = format!("CM-3.3|{place}|瓦斯积聚未处理|R774 Art. 36|major");
    inspect(&d, INSPECTOR_1, "IN-4", MINE, "2026-01-31", place, Some(&f));
    d.ok(
        "2026-01-31 14:00:00",
        INSPECTOR_1,
        &[
            "hazard",
            "open",
            "--id",
            "HZ-1",
            "--mine",
            MINE,
            "--place",
            place,
            "--kind",
            "CM-3.3",
            "--description",
            "回风隅角瓦斯积聚",
            "--source",
            "inspection:IN-4",
            "--found-at",
            "2026-01-31 10:00:00",
            "--since",
            "2026-01-05",
        ],
    );
    // … ignored, and found again by a separate inspection on 30 April: the last day of the window.
    inspect(&d, INSPECTOR_2, "IN-5", MINE, "2026-04-30", place, Some(&f));
    d.ok("2026-04-30 14:00:00", INSPECTOR_2, &["hazard", "observe", "HZ-1", "--source", "inspection:IN-5", "--at", "2026-04-30 10:00:00"]);
    // The near miss: the same on 31 January and 1 May, one day outside.
    inspect(&d, INSPECTOR_1, "IN-6", near, "2026-01-31", place, Some(&f));
    d.ok(
        "2026-01-31 14:00:00",
        INSPECTOR_1,
        &[
            "hazard",
            "open",
            "--id",
            "HZ-2",
            "--mine",
            near,
            "--place",
            place,
            "--kind",
            "CM-3.3",
            "--description",
            "回风隅角瓦斯积聚",
            "--source",
            "inspection:IN-6",
            "--found-at",
            "2026-01-31 10:00:00",
        ],
    );
    inspect(&d, INSPECTOR_2, "IN-7", near, "2026-05-01", place, Some(&f));
    d.ok("2026-05-01 14:00:00", INSPECTOR_2, &["hazard", "observe", "HZ-2", "--source", "inspection:IN-7", "--at", "2026-05-01 10:00:00"]);

    let gates = d.json_lines("2026-05-02 00:00:00", SYSTEM, &["ledger", "gates"]);
    let closures: Vec<&Value> = gates.iter().filter(|f| f["consequence"].as_array().unwrap().iter().any(|c| c == "CLOSE-PROP")).collect();
    assert_eq!(closures.len(), 1, "{closures:#?}");
    assert_eq!(closures[0]["rule"], "ENF-HAZ-4");
    assert_eq!(closures[0]["mine"], MINE);
    assert!(closures[0]["title"].as_str().unwrap().contains("HZ-1"));

    // A stop-production order; the restart is refused while HZ-1 is open, whatever the items say.
    d.ok(
        "2026-05-02 09:00:00",
        INSPECTOR_1,
        &["inspect", "order", "--id", "OR-1", "--mine", MINE, "--kind", "stop-production", "--basis", "ENF-HAZ-3"],
    );
    let err = d.refused("2026-05-02 10:00:00", INSPECTOR_1, &["inspect", "lift", "OR-1", "--notes", "解除"]);
    assert!(err.contains("ENF-STOP-2"), "{err}");
    d.ok(
        "2026-05-10 09:00:00",
        STAFF,
        &["mine", "restart-apply", MINE, "--id", "RS-1", "--plan", "整改方案", "--items", "通风系统;瓦斯抽采"],
    );
    for item in ["通风系统", "瓦斯抽采"] {
        d.ok(
            "2026-05-12 09:00:00",
            INSPECTOR_2,
            &["mine", "restart-accept", "RS-1", "--item", item, "--passed", "true", "--evidence", "验收记录"],
        );
    }
    let err = d.refused("2026-05-12 10:00:00", HEAD, &["mine", "restart-approve", "RS-1"]);
    assert!(err.contains("HM-6.2-R1") && err.contains("HZ-1"), "{err}");
    assert!(text(&d.ok("2026-05-12 10:00:00", SYSTEM, &["mine", "list"]).stdout).contains("StoppedByOrder"));

    // Back-tracing names the inspections that covered the place while the evidence existed, and who signed.
    let bt = d.json_lines("2026-05-12 10:00:00", SYSTEM, &["hazard", "backtrace", "HZ-1"]);
    let ids: Vec<&str> = bt.iter().map(|b| b["inspection"].as_str().unwrap()).collect();
    assert_eq!(ids, ["IN-1", "IN-3"]);
    assert_eq!(bt[0]["signed_by"]["name"], "张检");
    assert_eq!(bt[1]["signed_by"]["name"], "王检");

    // The mine's full enforcement history exports to CSV for the inspection team.
    let csv = d.dir.path().join("history.csv");
    d.ok("2026-05-12 10:00:00", SYSTEM, &["mine", "history", MINE, "--out", csv.to_str().unwrap()]);
    let history = std::fs::read_to_string(&csv).unwrap();
    assert!(history.starts_with("at,kind,id,actor,summary"));
    for id in ["IN-1", "IN-4", "HZ-1", "OR-1", "RS-1"] {
        assert!(history.contains(id), "history lacks {id}");
    }
}

#[test]
fn the_simulated_year_imports_and_ends_in_exactly_its_closure_proposals() {
    let d = Desk::new();
    let year = d.dir.path().join("year");
    d.ok("2026-01-01 00:00:00", &[], &["ledger", "simulate", "--out", year.to_str().unwrap(), "--mines", "14", "--seed", "11"]);
    let out = d.ok("2027-01-01 00:00:00", &[], &["ledger", "import", year.to_str().unwrap()]);
    assert!(text(&out.stderr).contains("0 refused"), "{}", text(&out.stderr));
    let truth: Vec<Value> =
        std::fs::read_to_string(year.join("truth.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();

    let gates = d.json_lines("2026-12-31 23:00:00", SYSTEM, &["ledger", "gates", "--from", "2026-01"]);
    let mut proposed: Vec<(String, String)> = gates
        .iter()
        .filter(|f| f["consequence"].as_array().unwrap().iter().any(|c| c == "CLOSE-PROP"))
        .map(|f| (f["mine"].as_str().unwrap().to_string(), f["rule"].as_str().unwrap().to_string()))
        .collect();
    proposed.sort();
    let mut expected: Vec<(String, String)> = truth
        .iter()
        .filter(|t| t["kind"] == "closure")
        .map(|t| (t["mine"].as_str().unwrap().to_string(), t["rule"].as_str().unwrap().to_string()))
        .collect();
    expected.sort();
    assert_eq!(proposed, expected, "closure proposals must be exactly the truth's");
    assert!(expected.len() >= 4);
    for near in truth.iter().filter(|t| t["kind"] == "near_miss") {
        assert!(!proposed.iter().any(|(m, _)| m == near["mine"].as_str().unwrap()), "near miss proposed: {near}");
    }
    for t in truth.iter().filter(|t| t["kind"] == "overdue" || t["kind"] == "missing_self_check") {
        assert!(gates.iter().any(|f| f["rule"] == t["rule"] && f["mine"] == t["mine"]), "missing {t}");
    }
    for t in truth.iter().filter(|t| t["kind"] == "backtrace") {
        let bt = d.json_lines("2026-12-31 23:00:00", SYSTEM, &["hazard", "backtrace", t["hazard"].as_str().unwrap()]);
        let got: Vec<&str> = bt.iter().map(|b| b["inspection"].as_str().unwrap()).collect();
        let want: Vec<&str> = t["inspections"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(got, want, "back-tracing of {}", t["hazard"]);
        assert!(bt.iter().all(|b| b["signed_by"]["id"].is_string()), "the sim signs its inspections");
    }
    let out = d.ok("2027-01-01 00:00:00", &[], &["audit", "verify"]);
    assert!(text(&out.stdout).contains("audit trail intact"));
}

/// Opens the database as someone with write access would: triggers dropped.
fn attacker(db: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch(
        "DROP TRIGGER IF EXISTS ledger_events_no_update; DROP TRIGGER IF EXISTS ledger_events_no_delete;
         DROP TRIGGER IF EXISTS audit_checkpoints_no_update; DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;",
    )
    .unwrap();
    c
}

fn verify(d: &Desk) -> (Option<i32>, Value) {
    let out = d.cmd("2026-03-01 00:00:00", &[], &["audit", "verify", "--format", "json"]).output().unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout))))
}

/// Eight events, checkpoints after events 1, 4 and 7 (the first at once, then every 3):
/// entry 8 is in the unprotected window.
fn eight_events() -> Desk {
    let d = Desk::new();
    let every = ["--checkpoint-every", "3", "--checkpoint-secs", "0"];
    let sys: Vec<&str> = SYSTEM.iter().chain(every.iter()).copied().collect();
    d.ok("2026-01-01 08:00:00", &sys, &["mine", "register", MINE, "--name", "虚构煤矿", "--offices", OFFICE, "--since", "2026-01-01"]);
    let ins: Vec<&str> = INSPECTOR_1.iter().chain(every.iter()).copied().collect();
    for (n, day) in ["2026-01-05", "2026-01-06", "2026-01-07"].iter().enumerate() {
        let id = format!("IN-{n}");
        let (s, e) = (format!("{day} 09:00:00"), format!("{day} 10:00:00"));
        d.ok(
            &format!("{day} 11:00:00"),
            &ins,
            &[
                "inspect",
                "record",
                "--id",
                &id,
                "--mine",
                MINE,
                "--office",
                OFFICE,
                "--start",
                &s,
                "--end",
                &e,
                "--inspectors",
                "I-001",
                "--places",
                "井底车场",
            ],
        );
        d.ok(&format!("{day} 11:05:00"), &ins, &["inspect", "sign", &id]);
    }
    d.ok(
        "2026-01-08 08:00:00",
        &sys,
        &["mine", "licence", MINE, "--kind", "safety-production", "--number", "AQ-1", "--from", "2025-01-01", "--to", "2028-12-31"],
    );
    let (code, report) = verify(&d);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["entries"], 8);
    assert_eq!(report["checkpoints"], 3);
    assert_eq!(report["protected_through"], 7);
    assert_eq!(report["unprotected"], 1);
    d
}

fn first_problem(report: &Value) -> (u64, String) {
    let p = report["problems"].as_array().unwrap().iter().filter(|p| p["seq"].is_u64()).min_by_key(|p| p["seq"].as_u64()).unwrap();
    (p["seq"].as_u64().unwrap(), p["kind"].as_str().unwrap().to_string())
}

#[test]
fn audit_verify_names_the_first_edited_deleted_or_reordered_entry() {
    // An edited record: who signed inspection IN-0 is rewritten.
    let d = eight_events();
    attacker(&d.db()).execute("UPDATE ledger_events SET body = replace(body, 'I-001', 'I-009') WHERE seq = 3", []).unwrap();
    let (code, report) = verify(&d);
    assert_eq!(code, Some(1));
    assert_eq!(first_problem(&report), (3, "edited".to_string()), "{report}");

    // A deleted entry in the middle.
    let d = eight_events();
    attacker(&d.db()).execute("DELETE FROM ledger_events WHERE seq = 4", []).unwrap();
    let (code, report) = verify(&d);
    assert_eq!(code, Some(1));
    assert_eq!(first_problem(&report).0, 4, "{report}");

    // Two entries swapped.
    let d = eight_events();
    let c = attacker(&d.db());
    c.execute_batch("UPDATE ledger_events SET seq = 100 WHERE seq = 2; UPDATE ledger_events SET seq = 2 WHERE seq = 5; UPDATE ledger_events SET seq = 5 WHERE seq = 100;")
        .unwrap();
    let (code, report) = verify(&d);
    assert_eq!(code, Some(1));
    assert_eq!(first_problem(&report).0, 2, "{report}");

    // Also the ledger refuses to open a tampered trail rather than act on it.
    let out = d.cmd("2026-03-01 00:00:00", INSPECTOR_1, &["inspect", "sign", "IN-0"]).output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn truncation_and_restamping_are_caught_before_the_last_checkpoint_but_not_after_it() {
    // Truncating into the checkpointed part is caught.
    let d = eight_events();
    attacker(&d.db()).execute("DELETE FROM ledger_events WHERE seq >= 7", []).unwrap();
    let (code, report) = verify(&d);
    assert_eq!(code, Some(1), "{report}");
    assert!(report["problems"].as_array().unwrap().iter().any(|p| p["kind"] == "truncated"), "{report}");

    // Truncating only the entry after the last checkpoint is the documented window: not detectable.
    let d = eight_events();
    attacker(&d.db()).execute("DELETE FROM ledger_events WHERE seq = 8", []).unwrap();
    let (code, report) = verify(&d);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["entries"], 7);

    // Re-stamping (edit and recompute every later hash) from entry 5: caught by checkpoint 7, named at 5.
    let d = eight_events();
    restamp_from(&d.db(), 5);
    let (code, report) = verify(&d);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(first_problem(&report), (5, "restamped".to_string()), "{report}");

    // Re-stamping only entry 8, inside the window: not detectable, and `verify` says the window is 1 entry.
    let d = eight_events();
    restamp_from(&d.db(), 8);
    let (code, report) = verify(&d);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["unprotected"], 1);

    // A plain edit inside the window, without recomputing hashes, is still caught.
    let d = eight_events();
    attacker(&d.db()).execute("UPDATE ledger_events SET actor = 'I-009' WHERE seq = 8", []).unwrap();
    let (code, report) = verify(&d);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(first_problem(&report), (8, "edited".to_string()));
}

/// Edits entry `from` (its actor) and recomputes its hash and every later one, as
/// an attacker with the (public) hashing scheme would.
fn restamp_from(db: &Path, from: u64) {
    let c = attacker(db);
    let rows: Vec<minesafe_audit::Entry> = {
        let mut st = c
            .prepare(
                "SELECT seq, at, actor, action, record, mine, body, snapshot_hash, prev_hash, hash, alg FROM ledger_events ORDER BY seq",
            )
            .unwrap();
        st.query_map([], |r| {
            Ok(minesafe_audit::Entry {
                seq: r.get::<_, i64>(0)? as u64,
                at: minesafe_model::Timestamp(r.get(1)?),
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
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let mut prev = rows[(from - 2) as usize].hash.clone();
    for mut e in rows.into_iter().filter(|e| e.seq >= from) {
        if e.seq == from {
            e.actor = "I-009".into();
        }
        e.prev_hash = prev.clone();
        e.hash = e.compute_hash();
        prev = e.hash.clone();
        c.execute(
            "UPDATE ledger_events SET actor = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![e.actor, e.prev_hash, e.hash, e.seq as i64],
        )
        .unwrap();
    }
}
