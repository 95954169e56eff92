//! `minesafe bench` (live part): latency of `serve --watch` from a file landing in
//! the watched folder to its finding on the output stream and to the commit that
//! consumes it, and throughput per detector through `check`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use minesafe_formats::container::UploadWriter;
use minesafe_formats::FileName;
use minesafe_model::Timestamp;

const MINE: &str = "999903000001";

/// One CDSS snapshot of a face methane sensor: even files over the 1.5 % limit,
/// odd files back to normal, so every file opens or closes an event — each one
/// produces a finding the moment it is evaluated.
fn snapshot(i: usize, t: Timestamp) -> (String, String) {
    let mut w = UploadWriter::new(MINE, "基准煤矿", t);
    let value = if i.is_multiple_of(2) { "1.80" } else { "0.20" };
    w.raw(&format!("{MINE}01MN00010001;甲烷;1101掘进工作面;{value};%CH4;0;{}", t.upload_format()));
    w.raw(&format!("{MINE}01MN00010002;甲烷;1101回风巷;0.30;%CH4;0;{}", t.upload_format()));
    (FileName::format(MINE, "CDSS", t), w.finish())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Starts `serve`, drops `n` files at a steady pace, and measures per file the time
/// to its finding on standard output and to the commit line naming it.
pub fn latency(root: &Path, n: usize, pace: Duration) -> Result<()> {
    let watch = root.join("inbox");
    std::fs::create_dir_all(&watch)?;
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args([
            "--quiet",
            "serve",
            "--clock",
            "watermark",
            "--notify",
            "none",
            "--commit-ms",
            "1000",
            "--report-commits",
            "--idle-exit-secs",
            "4",
        ])
        .arg("--watch")
        .arg(&watch)
        .arg("--db")
        .arg(root.join("live.db"))
        // Generated snapshot times are fixed, not the wall clock.
        .args(["--max-header-ahead-hours", "1000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting serve")?;
    let stdout = child.stdout.take().context("serve output")?;
    let (tx, rx) = mpsc::channel::<(Instant, String)>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    // Let the watcher start.
    std::thread::sleep(Duration::from_millis(500));
    let t0 = Timestamp::parse_beijing("2026-11-20 08:00:00").unwrap_or_default();
    let mut landed: HashMap<String, Instant> = HashMap::new();
    for i in 0..n {
        let (name, body) = snapshot(i, t0.plus_secs(10 * i as i64));
        let tmp = watch.join(format!(".{name}.part"));
        std::fs::write(&tmp, body)?;
        std::fs::rename(&tmp, watch.join(&name))?;
        landed.insert(name, Instant::now());
        std::thread::sleep(pace);
    }
    let status = child.wait()?;
    let _ = reader.join();
    if !status.success() {
        bail!("serve failed during the latency run");
    }
    let mut to_finding = Vec::new();
    let mut to_commit = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (at, line) in rx.try_iter() {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if let Some(files) = v.get("committed").and_then(|c| c.as_array()) {
            for f in files.iter().filter_map(|f| f.as_str()) {
                if let Some(t) = landed.get(f) {
                    to_commit.push(at.duration_since(*t).as_secs_f64() * 1e3);
                }
            }
        } else if let Some(ev) = v.get("evidence").and_then(|e| e.as_array()) {
            // The newest evidence file of the finding is the file that produced it.
            if let Some(f) = ev.iter().filter_map(|e| e.get("file").and_then(|f| f.as_str())).max() {
                if seen.insert((f.to_string(), v.get("end").is_some_and(|e| !e.is_null()))) {
                    if let Some(t) = landed.get(f) {
                        to_finding.push(at.duration_since(*t).as_secs_f64() * 1e3);
                    }
                }
            }
        }
    }
    to_finding.sort_by(f64::total_cmp);
    to_commit.sort_by(f64::total_cmp);
    println!("serve --watch latency, {n} files dropped every {} ms (targets: finding p99 < 100 ms, committed < 1.5 s)", pace.as_millis());
    println!(
        "  file landed → finding on the stream   p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms   ({} findings)",
        percentile(&to_finding, 0.5),
        percentile(&to_finding, 0.99),
        to_finding.last().copied().unwrap_or(f64::NAN),
        to_finding.len()
    );
    println!(
        "  file landed → committed in the store   p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms   ({} files)",
        percentile(&to_commit, 0.5),
        percentile(&to_commit, 0.99),
        to_commit.last().copied().unwrap_or(f64::NAN),
        to_commit.len()
    );
    Ok(())
}

/// Readings per second through `check` with one detector at a time, with none
/// (parsing and routing only, the baseline) and with all of them.
pub fn per_detector(dir: &Path, records: u64, bytes: u64) -> Result<()> {
    let exe = std::env::current_exe()?;
    let mut names: Vec<&str> = vec!["none"];
    names.extend(minesafe_engine::DETECTORS);
    names.push("all");
    println!("throughput per detector on {records} readings (best of 3; target for all together ≥ 300k readings/s)");
    let mut base = None;
    for name in names {
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let mut cmd = Command::new(&exe);
            cmd.arg("--quiet").arg("check").arg(dir).args(["--format", "json", "--threads", "1"]);
            if name != "all" {
                cmd.args(["--detectors", name]);
            }
            let t = Instant::now();
            let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
            if !out.status.success() {
                bail!("check --detectors {name}: {}", String::from_utf8_lossy(&out.stderr));
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        let rate = records as f64 / best;
        let base_secs = *base.get_or_insert(best);
        println!(
            "  {name:<12} {:>7.2} s {:>9.0}k readings/s {:>6.0} MB/s   detector cost {:>6.2} s over parsing",
            best,
            rate / 1e3,
            bytes as f64 / 1e6 / best,
            (best - base_secs).max(0.0)
        );
    }
    Ok(())
}
