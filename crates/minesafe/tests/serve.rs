//! The live door end to end: `serve --watch` on a folder the test fills as a mine's
//! uploader would (write to a dot-name, then rename), compared with batch `check`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use minesafe_model::{Finding, Timestamp};
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_minesafe"))
}

fn ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("run minesafe");
    assert!(out.status.success(), "minesafe failed: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    out
}

fn json_lines<T: serde::de::DeserializeOwned>(text: &str) -> Vec<T> {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l}: {e}"))).collect()
}

/// Upload files under `dir`, in the order batch `check` evaluates them.
fn uploads_in_order(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(".txt"))
        .map(|e| e.into_path())
        .collect();
    v.sort_by_cached_key(|p| minesafe_engine::order::sort_key(&p.file_name().unwrap().to_string_lossy()));
    v
}

/// Delivers one file the way an uploader does: a temporary dot-name, then rename.
fn deliver(src: &Path, to: &Path) {
    let name = src.file_name().unwrap().to_string_lossy().into_owned();
    let tmp = to.join(format!(".{name}.part"));
    std::fs::copy(src, &tmp).unwrap();
    std::fs::rename(&tmp, to.join(&name)).unwrap();
}

fn simulate(dir: &Path, extra: &[&str]) -> PathBuf {
    let sim = dir.join("sim");
    let mut c = bin();
    c.args(["--quiet", "simulate", "--out"]).arg(&sim).args(["--mines", "3", "--days", "1"]).args(extra);
    ok(&mut c);
    sim
}

fn serve(dir: &Path, sim: &Path, watch: &Path, db: &Path) -> Child {
    std::fs::create_dir_all(watch).unwrap();
    bin()
        .args([
            "--quiet",
            "serve",
            "--clock",
            "watermark",
            "--commit-ms",
            "200",
            "--idle-exit-secs",
            "3",
            "--notify",
            "log",
            "--report-commits",
            "--watch",
        ])
        .arg(watch)
        .arg("--db")
        .arg(db)
        .arg("--registry")
        .arg(sim.join("registry.json"))
        .arg("--regulators")
        .arg(sim.join("regulators.json"))
        .stdout(Stdio::from(std::fs::File::create(dir.join("serve.out")).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(dir.join("serve.err")).unwrap()))
        .spawn()
        .expect("start serve")
}

fn wait(mut child: Child, limit: Duration) {
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "serve exited with {status}");
            return;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            panic!("serve did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Findings on the server's output stream (commit reports left out).
fn streamed(dir: &Path) -> Vec<Finding> {
    let text = std::fs::read_to_string(dir.join("serve.out")).unwrap();
    json_lines::<Value>(&text).into_iter().filter(|v| v.get("committed").is_none()).map(|v| serde_json::from_value(v).unwrap()).collect()
}

/// Waits until the server has committed `n` files: delivery is faster than
/// evaluation, and a test that means "later" must not hand over a queue the server
/// would sort back into time order.
fn wait_consumed(dir: &Path, n: usize) {
    let t0 = Instant::now();
    loop {
        let text = std::fs::read_to_string(dir.join("serve.out")).unwrap_or_default();
        // The server may be mid-line: only whole lines count.
        let whole = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        let done: usize =
            json_lines::<Value>(whole).iter().filter_map(|v| v.get("committed")).filter_map(|c| c.as_array()).map(|a| a.len()).sum();
        if done >= n {
            return;
        }
        assert!(t0.elapsed() < Duration::from_secs(180), "serve consumed {done} of {n} files");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stored_findings(db: &Path) -> Vec<Finding> {
    let out = ok(bin().args(["findings", "--format", "json", "--db"]).arg(db));
    json_lines(&String::from_utf8_lossy(&out.stdout))
}

fn key(f: &Finding) -> (String, String, String, Timestamp, Option<Timestamp>) {
    (f.id.clone(), f.mine.clone(), f.rule.clone(), f.start, f.end)
}

/// Rules driven by the alarm book (not the engine): batch `check` has no alarms.
fn engine_rule(f: &Finding) -> bool {
    !f.rule.starts_with("ALM-1")
}

#[test]
fn streaming_gives_the_findings_batch_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = simulate(tmp.path(), &[]);
    // The engine's findings only: the cross-check leads `check` adds are not a streaming result.
    let batch =
        ok(bin().args(["--quiet", "check", "--no-leads", "--format", "json", "--registry"]).arg(sim.join("registry.json")).arg(&sim));
    let batch: Vec<Finding> = json_lines(&String::from_utf8_lossy(&batch.stdout));
    assert!(!batch.is_empty(), "the default simulation has injected violations");

    let watch = tmp.path().join("inbox");
    let db = tmp.path().join("live.db");
    let child = serve(tmp.path(), &sim, &watch, &db);
    for f in uploads_in_order(&sim) {
        deliver(&f, &watch);
    }
    wait(child, Duration::from_secs(240));

    let live = stored_findings(&db);
    let b: BTreeSet<_> = batch.iter().filter(|f| engine_rule(f)).map(key).collect();
    let l: BTreeSet<_> = live.iter().filter(|f| engine_rule(f)).map(key).collect();
    let only_batch: Vec<_> = b.difference(&l).collect();
    let only_live: Vec<_> = l.difference(&b).collect();
    assert!(only_batch.is_empty() && only_live.is_empty(), "batch only: {only_batch:#?}\nstreaming only: {only_live:#?}");

    // Findings were streamed as computed: every stored one appeared on standard output.
    let streamed_ids: BTreeSet<_> = streamed(tmp.path()).iter().map(|f| f.id.clone()).collect();
    assert!(live.iter().all(|f| streamed_ids.contains(&f.id)));
    // Every upload was consumed exactly once.
    let again = ok(bin().args(["--quiet", "ingest", "--db"]).arg(&db).arg(&sim));
    assert!(again.status.success());
}

fn notifications(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("serve.err"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v.get("notify").cloned())
        .collect()
}

fn alarms(db: &Path, now: &str) -> Vec<Value> {
    let out = ok(bin().args(["alarms", "list", "--all", "--format", "json", "--now", now, "--db"]).arg(db));
    json_lines(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn unanswered_alarm_escalates_on_the_watermark_and_answers_are_on_record() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = simulate(tmp.path(), &["--inject", "methane_no_cut@1"]);
    let watch = tmp.path().join("inbox");
    let db = tmp.path().join("live.db");
    let child = serve(tmp.path(), &sim, &watch, &db);
    for f in uploads_in_order(&sim) {
        deliver(&f, &watch);
    }
    wait(child, Duration::from_secs(240));

    let all = alarms(&db, "2026-11-26T08:00:00+08:00");
    let major: Vec<&Value> = all.iter().filter(|a| a["severity"] == "major_hazard" && a["late"] != true).collect();
    assert!(!major.is_empty(), "the failed power cut raises a major-hazard alarm: {all:#?}");
    let alarm = major[0];
    let id = alarm["id"].as_str().unwrap();
    // Nobody answered: the chain ran dispatcher → safety chief → county → city, in order.
    let all_notes = notifications(tmp.path());
    let notes: Vec<&Value> = all_notes.iter().filter(|n| n["alarm"] == id).collect();
    let levels: Vec<&str> =
        notes.iter().filter(|n| n["reason"] == "raised" || n["reason"] == "escalated").map(|n| n["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["mine_dispatcher", "mine_safety_chief", "county_regulator", "city_regulator"], "{notes:#?}");
    let raised = Timestamp::parse_rfc3339(alarm["raised_at"].as_str().unwrap()).unwrap();
    let at = |lvl: &str| {
        notes
            .iter()
            .find(|n| n["level"] == lvl && (n["reason"] == "raised" || n["reason"] == "escalated"))
            .map(|n| Timestamp::parse_rfc3339(n["at"].as_str().unwrap()).unwrap().secs_since(raised))
            .unwrap()
    };
    // Major hazard: acknowledge within 5 min; the watermark moves in 60 s snapshots.
    assert!((300..360).contains(&at("mine_safety_chief")), "{}", at("mine_safety_chief"));
    assert!((600..660).contains(&at("county_regulator")));
    assert!((900..960).contains(&at("city_regulator")));
    // ALM-1 is on record for the missed deadline.
    let alm1 = stored_findings(&db).into_iter().filter(|f| f.rule == "ALM-1").count();
    assert!(alm1 >= 1);

    // Answers from the command line: both parties acknowledge, respond, close.
    let now = "2026-11-26T09:00:00+08:00";
    ok(bin().args(["alarms", "ack", id, "--as", "张调度", "--channel", "phone", "--now", now, "--db"]).arg(&db));
    ok(bin().args(["alarms", "ack", id, "--as", "李监管", "--party", "regulator", "--now", now, "--db"]).arg(&db));
    ok(bin().args(["alarms", "respond", id, "--as", "张调度", "--action", "切断1201工作面电源，撤出人员", "--now", now, "--db"]).arg(&db));
    let bad = bin().args(["alarms", "close", id, "--as", "张调度", "--reply", "", "--now", now, "--db"]).arg(&db).output().unwrap();
    assert!(!bad.status.success(), "closing without a reply is refused");
    ok(bin().args(["alarms", "close", id, "--as", "王矿长", "--reply", "瓦斯已排放至0.3%，馈电复核正常", "--now", now, "--db"]).arg(&db));
    let after = alarms(&db, now);
    let a = after.iter().find(|a| a["id"] == id).unwrap();
    assert_eq!(a["state"], "closed");
    let show = ok(bin().args(["alarms", "show", id, "--db"]).arg(&db));
    let text = String::from_utf8_lossy(&show.stdout);
    for actor in ["张调度", "李监管", "王矿长", "system"] {
        assert!(text.contains(actor), "transition log names {actor}: {text}");
    }

    // The day report for the mine's safety chief and the regulator.
    let mine = alarm["mine"].as_str().unwrap();
    let day = alarm["raised_at"].as_str().unwrap()[..10].to_string();
    let rep = ok(bin().args(["report", mine, "--day", &day, "--db"]).arg(&db));
    let rep = String::from_utf8_lossy(&rep.stdout);
    assert!(rep.contains("Upload completeness") && rep.contains("% of expected"), "{rep}");
    assert!(rep.contains(id) && rep.contains("acknowledged after"), "{rep}");
    let raised_line = rep.lines().find(|l| l.contains(id)).unwrap();
    assert!(raised_line.contains("closed"), "{raised_line}");
    // One shift, by the registry's schedule; an unknown shift is a clear error.
    let shift = ok(bin()
        .args(["report", mine, "--day", &day, "--shift", "四点班", "--db"])
        .arg(&db)
        .arg("--registry")
        .arg(sim.join("registry.json")));
    assert!(String::from_utf8_lossy(&shift.stdout).contains("shift 四点班"));
    let bad = bin()
        .args(["report", mine, "--day", &day, "--shift", "夜班", "--db"])
        .arg(&db)
        .arg("--registry")
        .arg(sim.join("registry.json"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("零点班"), "the error lists the mine's shifts");
}

#[test]
fn backfill_after_a_link_outage_completes_history_without_stale_alarms() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = simulate(tmp.path(), &["--inject", "methane_no_cut@2"]);
    let truth: Vec<Value> = json_lines(&std::fs::read_to_string(sim.join("truth.jsonl")).unwrap());
    let event = truth.iter().find(|t| t["kind"] == "methane_no_cut").expect("injected event");
    let mine = event["mine"].as_str().unwrap().to_string();
    let start = Timestamp::parse_rfc3339(event["start"].as_str().unwrap()).unwrap();
    let end = Timestamp::parse_rfc3339(event["end"].as_str().unwrap()).unwrap();
    // The mine's link fails 10 min before the event; its uploads wait in the mine's
    // buffer and arrive, oldest first, once the others are 40 min past the event.
    let outage_from = start.plus_secs(-600);
    let release_at = end.plus_secs(2400);
    let time_of = |p: &Path| minesafe_formats::FileName::parse(&p.file_name().unwrap().to_string_lossy()).unwrap().time;
    let watch = tmp.path().join("inbox");
    let db = tmp.path().join("live.db");
    let child = serve(tmp.path(), &sim, &watch, &db);
    let mut held: Vec<PathBuf> = Vec::new();
    let mut released = false;
    let mut delivered = 0;
    for f in uploads_in_order(&sim) {
        let t = time_of(&f);
        if !released && t >= release_at {
            wait_consumed(tmp.path(), delivered);
            for h in held.drain(..) {
                deliver(&h, &watch);
                delivered += 1;
            }
            released = true;
        }
        if !released && t >= outage_from && f.file_name().unwrap().to_string_lossy().starts_with(&mine) {
            held.push(f);
            continue;
        }
        deliver(&f, &watch);
        delivered += 1;
    }
    for h in held.drain(..) {
        deliver(&h, &watch);
    }
    wait(child, Duration::from_secs(240));

    let stored = stored_findings(&db);
    // History is complete: the back-filled event is judged like any other.
    let gas: Vec<&Finding> = stored.iter().filter(|f| f.mine == mine && (f.rule == "CM26-11.4" || f.rule == "CM-4.2")).collect();
    assert!(!gas.is_empty(), "the failed power cut inside the back-fill is found");
    // The outage itself was live: uploads stopped while the others kept coming.
    let stop = stored.iter().find(|f| f.mine == mine && f.rule == "MON-1").expect("MON-1 for the silent mine");
    assert!(stop.end.is_some() && stop.has_tag("backfill"), "the stop closes when the back-fill arrives: {stop:#?}");
    assert!(stop.end.unwrap().secs_since(stop.start) >= 2400, "it lasted as long as nothing reached the regulator");
    // No stale alarm: alarms for events inside the back-fill are on record as late,
    // and nobody was called for them.
    let all = alarms(&db, "2026-11-26T08:00:00+08:00");
    let backfilled: Vec<&Value> = all
        .iter()
        .filter(|a| a["mine"] == mine.as_str() && a["rule"] != "MON-1")
        .filter(|a| {
            let s = Timestamp::parse_rfc3339(a["event_start"].as_str().unwrap()).unwrap();
            s >= outage_from && s < release_at
        })
        .collect();
    assert!(!backfilled.is_empty(), "{all:#?}");
    assert!(backfilled.iter().all(|a| a["late"] == true), "{backfilled:#?}");
    let notes = notifications(tmp.path());
    for a in &backfilled {
        assert!(!notes.iter().any(|n| n["alarm"] == a["id"]), "no call for back-filled alarm {}", a["id"]);
    }
}
