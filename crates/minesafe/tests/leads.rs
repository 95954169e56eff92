//! Leads of illegal operation end to end, through the real binary: spreadsheets
//! in, a ranked lead that says what to pull and where to go, bad rows named and
//! kept aside from the analysis, CSV/XLSX export, and a reviewer's mark kept on
//! the audited ledger.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const MINE: &str = "140211000101";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_minesafe"));
    c.env("RUST_BACKTRACE", "0");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(c: &mut Command) -> Output {
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    out
}

/// Three weeks of a mine with one declared longwall (areas A01, A02) and the shaft
/// bottom, and from day 8 a crew of eight in area X09 — declared nowhere — eight
/// hours a day, with a feeder no face lists drawing power at the same hours.
/// Returns the (1-based data) rows of the two bad lines it writes.
fn write_inputs(dir: &Path) -> (usize, usize) {
    let registry = serde_json::json!({"mines": [{
        "code": MINE, "name": "虚构东山煤矿", "approved_capacity_tpa": 900000.0,
        "shifts": [{"name": "早班", "start": "08:00", "end": "16:00"}, {"name": "中班", "start": "16:00", "end": "00:00"},
                   {"name": "夜班", "start": "00:00", "end": "08:00", "producing": false}],
        "faces": [{"id": "F1201", "name": "1201综采工作面", "kind": "longwall", "areas": ["A01", "A02"], "feeders": ["FD-1201"]}],
        "areas": [{"code": "A01"}, {"code": "A02"}, {"code": "S00"}]
    }]});
    std::fs::write(dir.join("registry.json"), serde_json::to_string_pretty(&registry).unwrap()).unwrap();
    let (mut area, mut energy) =
        (String::from("mine,hour,area,people_max,person_hours\n"), String::from("mine,hour,consumer,feeder,kwh\n"));
    for day in 1..=21 {
        for h in 0..24 {
            let hour = format!("2026-03-{day:02} {h:02}:00:00");
            let working = (8..24).contains(&h);
            let crew = if working { 10 + (day + h) % 3 } else { 2 };
            writeln!(area, "{MINE},{hour},A01,{crew},{crew}.0").unwrap();
            writeln!(area, "{MINE},{hour},S00,2,2.0").unwrap();
            writeln!(energy, "{MINE},{hour},face,FD-1201,{}", if working { 300 + (day * 7 + h) % 40 } else { 20 }).unwrap();
            if day >= 8 && (9..17).contains(&h) {
                writeln!(area, "{MINE},{hour},X09,8,8.0").unwrap();
                writeln!(energy, "{MINE},{hour},face,FD-X,180").unwrap();
            }
        }
    }
    // Two bad rows: a negative count and a truncated last line; everything else must still count.
    let bad = (area.lines().count(), energy.lines().count());
    area.push_str(&format!("{MINE},2026-03-22 00:00:00,A01,-3,1.0\n"));
    std::fs::write(dir.join("area_hours.csv"), area).unwrap();
    energy.push_str(&format!("{MINE},2026-03-22 00:00:00,face"));
    std::fs::write(dir.join("energy.csv"), energy).unwrap();
    bad
}

#[test]
fn a_hidden_face_becomes_a_ranked_lead_that_says_where_to_go_and_a_reviewer_marks_it() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let (bad_area, bad_energy) = write_inputs(&inputs);
    let reg = inputs.join("registry.json");
    let xlsx = dir.path().join("leads.xlsx");
    let out = ok(bin().args(["leads", "analyse"]).arg(&inputs).arg("--registry").arg(&reg).args(["--format", "json", "--out"]).arg(&xlsx));
    let err = text(&out.stderr);
    for needle in [format!("area_hours.csv row {bad_area}:"), format!("energy.csv row {bad_energy}:")] {
        assert!(err.contains(&needle), "bad rows named with file and row ({needle}):\n{err}");
    }
    let leads: Vec<Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let hidden = leads.iter().find(|l| l["finding"]["rule"] == "REC-1").unwrap_or_else(|| panic!("no REC-1 lead in {leads:#?}"));
    assert_eq!(hidden["finding"]["mine"], MINE);
    assert!(hidden["finding"]["place"].as_str().unwrap().contains("X09"), "{hidden}");
    assert!(hidden["walk"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("X09")), "where to go: {hidden}");
    assert!(!hidden["pull"].as_array().unwrap().is_empty(), "which records to pull: {hidden}");
    let tags: Vec<&str> = hidden["finding"]["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(tags.contains(&"hook:CM-15.5") && tags.iter().any(|t| t.starts_with("taxonomy:三瞒")), "{tags:?}");
    let start = hidden["finding"]["start"].as_str().unwrap();
    assert!(start.starts_with("2026-03-08"), "the lead starts with the hidden crew: {start}");
    assert!(leads.iter().all(|l| l["finding"]["place"].as_str().is_none_or(|p| !p.contains("A01"))), "the declared face is not a lead");
    assert!(xlsx.metadata().unwrap().len() > 1000, "the XLSX export is written");

    // CSV export for the inspection team: one row per lead, with what to pull and where to go.
    let csv = dir.path().join("leads.csv");
    ok(bin().args(["leads", "analyse"]).arg(&inputs).arg("--registry").arg(&reg).arg("--out").arg(&csv));
    let table = std::fs::read_to_string(&csv).unwrap();
    assert!(table.starts_with("rank,mine,rule,severity,score,start,end,place,title,evidence,records to pull,where to go,tags"));
    assert!(table.lines().any(|l| l.contains("REC-1") && l.contains("X09")));

    // A reviewer marks it after the site visit; the mark is on the audited ledger.
    let db = dir.path().join("ledger.db");
    let common = |c: &mut Command| {
        c.arg("--db").arg(&db).env("MINESAFE_AUDIT_KEY", dir.path().join("keys/audit.key"));
    };
    let mut c = bin();
    c.args([
        "mine",
        "register",
        MINE,
        "--name",
        "虚构东山煤矿",
        "--offices",
        "county-140211",
        "--since",
        "2026-01-01",
        "--role",
        "system",
        "--now",
        "2026-03-25 09:00:00",
    ]);
    common(&mut c);
    ok(&mut c);
    let id = hidden["finding"]["id"].as_str().unwrap();
    let mark = |verdict: &str, who: &str| {
        let mut c = bin();
        c.args(["leads", "mark", id, "--mine", MINE, "--rule", "REC-1", verdict, "--reason", "井下核实：X09巷道8人作业，未在图纸上"])
            .args(["--as", who, "--role", "inspector", "--scope", "county-140211", "--now", "2026-03-26 10:00:00"]);
        common(&mut c);
        c.output().unwrap()
    };
    let staff = {
        let mut c = bin();
        c.args(["leads", "mark", id, "--mine", MINE, "--rule", "REC-1", "--false", "--reason", "无"]).args([
            "--as",
            "S-1",
            "--role",
            "mine-staff",
            "--scope",
            MINE,
            "--now",
            "2026-03-26 10:00:00",
        ]);
        common(&mut c);
        c.output().unwrap()
    };
    assert_eq!(staff.status.code(), Some(2), "the mine cannot clear its own lead");
    assert!(mark("--confirmed", "I-7").status.success());
    let mut c = bin();
    c.args(["leads", "marks", "--format", "json"]);
    common(&mut c);
    let marks: Vec<Value> = text(&ok(&mut c).stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0]["marks"][0]["verdict"], "confirmed");
    assert_eq!(marks[0]["marks"][0]["by"]["id"], "I-7");
    let mut c = bin();
    c.args(["audit", "verify"]);
    common(&mut c);
    assert!(text(&ok(&mut c).stdout).contains("audit trail intact"));
}

#[test]
fn leads_score_reports_precision_and_recall_for_the_headline_detections() {
    let out = ok(bin().args(["leads", "score"]));
    let md = text(&out.stdout);
    for row in ["| hidden face | REC-1 |", "| over-capacity | CM-1.1, CM26-1.1 |", "| concealment | ACC-LEAD-1, ACC-LEAD-2, ACC-LEAD-3 |"] {
        let line = md.lines().find(|l| l.starts_with(row)).unwrap_or_else(|| panic!("no row {row} in\n{md}"));
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (recall, precision): (f64, f64) = (cells[5].parse().unwrap(), cells[8].parse().unwrap());
        assert!(recall >= 0.9 && precision >= 0.9, "{line}");
    }
    let clean = md.lines().find(|l| l.starts_with("Leads of warning level or above on the")).unwrap();
    assert!(clean.ends_with("**0**."), "{clean}");
}
