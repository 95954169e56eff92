//! `minesafe simulate` and `minesafe demo`: a simulated region of mines with known
//! violations, ingested and evaluated, compared with the injected truth.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use minesafe_model::{Finding, Severity, Timestamp};
use minesafe_sim::{Injection, SimConfig, TruthLine};

use crate::{batch, ingest};

/// What to simulate; shared by `simulate` and `demo`.
#[derive(clap::Args, Clone, Debug)]
pub struct SimArgs {
    #[arg(long, default_value_t = 6)]
    pub mines: usize,
    #[arg(long, default_value_t = 2)]
    pub days: u32,
    #[arg(long, default_value_t = 20261125)]
    pub seed: u64,
    /// First simulated day (Beijing time), `yyyy-MM-dd`; rules are judged by the version in force then.
    #[arg(long, default_value = "2026-11-25")]
    pub start: String,
    /// Violations to inject, `KIND[@MINE]` comma-separated (e.g. `methane_no_cut@1,sos`); default: the standard set.
    #[arg(long, value_delimiter = ',')]
    pub inject: Vec<String>,
    /// Seconds between CDSS snapshots.
    #[arg(long, default_value_t = 60)]
    pub cdss_interval: u32,
}

impl SimArgs {
    fn config(&self) -> Result<SimConfig> {
        let start = Timestamp::parse_beijing(&format!("{} 00:00:00", self.start))
            .with_context(|| format!("--start {} (expected yyyy-MM-dd)", self.start))?;
        let mut cfg = SimConfig {
            mines: self.mines,
            days: self.days,
            seed: self.seed,
            start,
            cdss_interval_secs: self.cdss_interval,
            ..SimConfig::default()
        };
        if !self.inject.is_empty() {
            cfg.injections =
                self.inject.iter().map(|s| Injection::parse(s).with_context(|| format!("--inject {s}"))).collect::<Result<_>>()?;
        }
        Ok(cfg)
    }
}

pub fn simulate(out: &Path, args: &SimArgs, quiet: bool) -> Result<i32> {
    let cfg = args.config()?;
    let t0 = Instant::now();
    let o = minesafe_sim::write_to_dir(&cfg, out).with_context(|| format!("simulating into {}", out.display()))?;
    write_regulators(&o.registry, &out.join("regulators.json"))?;
    if !quiet {
        eprintln!(
            "minesafe simulate: {} files, {} records, {:.1} MB, {} injected violations in {:.1} s → {}",
            o.files,
            o.records,
            o.bytes as f64 / 1e6,
            o.truth.len(),
            t0.elapsed().as_secs_f64(),
            out.display()
        );
    }
    Ok(0)
}

/// A regulators file for the simulated region: the county office of each mine's
/// jurisdiction and its city and province (GB/T 2260 `PPCCDD` layout), each with a
/// duty officer, so alarms escalate beyond the mine in the demo and the tests.
pub fn write_regulators(registry: &minesafe_model::Registry, path: &Path) -> Result<()> {
    use minesafe_model::registry::{Contact, RegulatorLevel, RegulatorOffice, Regulators};
    let mut codes = std::collections::BTreeSet::new();
    for m in &registry.mines {
        if let Some(j) = m.jurisdiction.as_deref().filter(|j| j.len() == 6 && j.is_ascii()) {
            codes.insert((j.to_string(), RegulatorLevel::County));
            codes.insert((format!("{}00", &j[..4]), RegulatorLevel::City));
            codes.insert((format!("{}0000", &j[..2]), RegulatorLevel::Province));
        }
    }
    let offices = codes
        .into_iter()
        .enumerate()
        .map(|(i, (code, level))| {
            let (name, role) = match level {
                RegulatorLevel::County => (format!("{code} 县应急管理局"), "县局值班"),
                RegulatorLevel::City => (format!("{code} 市应急管理局"), "市局值班"),
                _ => (format!("{code} 省矿山安全监管局"), "省局值班"),
            };
            RegulatorOffice {
                code,
                name,
                level,
                duty_contacts: vec![Contact {
                    name: format!("值班员{}", i + 1), role: role.into(), phone: format!("0351-7{:06}", i + 1)
                }],
            }
        })
        .collect();
    let text = serde_json::to_string_pretty(&Regulators { offices })?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Recall and false positives of findings against the simulator's truth.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub truth_total: usize,
    pub truth_found: usize,
    pub missed: Vec<TruthLine>,
    /// Alarm-level (or worse) findings that match no truth line.
    pub false_positives: Vec<Finding>,
}

impl Evaluation {
    pub fn recall(&self) -> f64 {
        if self.truth_total == 0 {
            1.0
        } else {
            self.truth_found as f64 / self.truth_total as f64
        }
    }
}

/// Evacuation findings (ALM-2, ALM-3) begin at a deadline after the over-limit
/// that triggered them: they match a truth window this much later.
const EVACUATION_LAG_SECS: i64 = 3600;

fn overlaps(f: &Finding, t: &TruthLine) -> bool {
    let f_end = f.end.unwrap_or(minesafe_model::Timestamp(i64::MAX));
    let lag = if f.rule == "ALM-2" || f.rule == "ALM-3" { EVACUATION_LAG_SECS } else { 0 };
    f.start <= t.end.plus_secs(lag) && t.start <= f_end
}

/// A finding matches a truth line: same mine, one of the expected rules, spans overlap.
pub fn matches(f: &Finding, t: &TruthLine) -> bool {
    f.mine == t.mine && t.rules.contains(&f.rule) && overlaps(f, t)
}

/// Truth lines that only delivery order shows (a late back-fill) are not counted
/// for recall here — a batch run reads every file in time order and sees no gap;
/// `tests/serve.rs` replays them late — but findings matching them are not false
/// positives either.
pub fn evaluate(truth: &[TruthLine], findings: &[Finding]) -> Evaluation {
    let counted: Vec<&TruthLine> = truth.iter().filter(|t| !t.delivery_order_only()).collect();
    let mut e = Evaluation { truth_total: counted.len(), ..Default::default() };
    for t in counted {
        if findings.iter().any(|f| matches(f, t)) {
            e.truth_found += 1;
        } else {
            e.missed.push(t.clone());
        }
    }
    e.false_positives =
        findings.iter().filter(|f| f.severity >= Severity::Alarm && !truth.iter().any(|t| matches(f, t))).cloned().collect();
    e
}

fn clean_out(out: &Path) -> Result<()> {
    for sub in
        ["uploads", "minesafe.archive", "minesafe.quarantine", "ledger-year", "ledger-checkpoints", "ledger.archive", "ledger.quarantine"]
    {
        let p = out.join(sub);
        if p.exists() {
            std::fs::remove_dir_all(&p).with_context(|| format!("cannot clear {}", p.display()))?;
        }
    }
    for f in ["minesafe.db", "minesafe.db-wal", "minesafe.db-shm", "ledger.db", "ledger.db-wal", "ledger.db-shm"] {
        let p = out.join(f);
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}

pub fn run(args: &SimArgs, out: &Path, quiet: bool) -> Result<i32> {
    let (mines, days, seed) = (args.mines, args.days, args.seed);
    let t0 = Instant::now();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    clean_out(out)?;
    let uploads = out.join("uploads");
    let cfg = args.config()?;
    eprintln!("minesafe demo: simulating {mines} mines × {days} days (seed {seed}) into {}", uploads.display());
    let sim = minesafe_sim::write_to_dir(&cfg, &uploads)?;
    let t_sim = t0.elapsed();
    let db = out.join("minesafe.db");
    let store = ingest::open_store(&db)?;
    let (files, _) = batch::collect(std::slice::from_ref(&uploads))?;
    let pb = batch::progress(files.iter().map(|f| f.len).sum(), quiet, "ingest + evaluate");
    let (result, store) = ingest::ingest_files(store, files, sim.registry.clone(), minesafe_formats::ParseOptions::default(), &pb)?;
    pb.finish_and_clear();
    batch::report_problems(&result.reports);
    let t_all = t0.elapsed();
    let eval = evaluate(&sim.truth, &result.findings);

    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    writeln!(w, "minesafe demo — {} mines, {} days, seed {seed}", mines, days)?;
    writeln!(w, "uploads: {}", result.summary)?;
    writeln!(
        w,
        "simulated in {:.1} s; ingested and evaluated in {:.1} s; store: {}",
        t_sim.as_secs_f64(),
        (t_all - t_sim).as_secs_f64(),
        db.display()
    )?;
    writeln!(w)?;
    let mut by_mine: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &result.findings {
        by_mine.entry(f.mine.as_str()).or_default().push(f);
    }
    for m in &sim.registry.mines {
        let code = m.code.as_str();
        let fs = by_mine.get(code).map(Vec::as_slice).unwrap_or(&[]);
        let injected: Vec<&TruthLine> = sim.truth.iter().filter(|t| t.mine == code).collect();
        writeln!(w, "{code} {} — {} findings, {} injected", m.name, fs.len(), injected.len())?;
        let mut by_rule: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for f in fs {
            *by_rule.entry((f.rule.as_str(), f.severity.id())).or_default() += 1;
        }
        for ((rule, sev), n) in by_rule {
            writeln!(w, "    {rule:<12} {sev:<12} × {n}")?;
        }
        for t in injected {
            let found = result.findings.iter().any(|f| matches(f, t));
            writeln!(
                w,
                "    injected {:<18} {} … {} {:<24} expects {:<22} {}",
                t.kind,
                t.start,
                t.end,
                t.place,
                t.rules.join("|"),
                if found {
                    "found"
                } else if t.delivery_order_only() {
                    "delivered late: only a streaming replay sees the gap"
                } else {
                    "MISSED"
                }
            )?;
        }
    }
    writeln!(w)?;
    writeln!(w, "evacuations (withdraw-people conditions, followed in the positioning data):")?;
    if result.evacuations.is_empty() {
        writeln!(w, "    none")?;
    }
    for e in &result.evacuations {
        let at_start = e["people_at_start"].as_array().map_or(0, Vec::len);
        let stayed = e["stayed"].as_array().map_or(0, Vec::len);
        let clear = e["time_to_clear_secs"]
            .as_i64()
            .map(|s| format!("cleared in {}", minesafe_model::time::human_duration(s)))
            .unwrap_or_else(|| "not cleared".into());
        writeln!(
            w,
            "    {} {} {:<10} {} people in the affected areas, {clear}, {stayed} stayed past the deadline",
            e["mine"].as_str().unwrap_or(""),
            e["start"].as_str().unwrap_or(""),
            e["trigger_rule"].as_str().unwrap_or(""),
            at_start
        )?;
    }
    let mut by_measure: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &result.findings {
        *by_measure.entry(f.measure.as_deref().unwrap_or("-")).or_default() += 1;
    }
    writeln!(w)?;
    writeln!(w, "findings per Hard Measure: {}", by_measure.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", "))?;
    let clean: Vec<&str> = sim.registry.mines.iter().map(|m| m.code.as_str()).filter(|c| !sim.truth.iter().any(|t| t.mine == *c)).collect();
    let clean_alarms = result.findings.iter().filter(|f| f.severity >= Severity::Alarm && clean.contains(&f.mine.as_str())).count();
    writeln!(w, "recall: {:.3} ({} of {} injected violations found)", eval.recall(), eval.truth_found, eval.truth_total)?;
    writeln!(w, "false positives (alarm level or above, matching no injection): {}", eval.false_positives.len())?;
    writeln!(w, "alarm-level findings on the {} mines with nothing injected: {clean_alarms}", clean.len())?;
    for t in &eval.missed {
        writeln!(w, "  missed: {} {} {} {}", t.kind, t.mine, t.start, t.place)?;
    }
    for f in eval.false_positives.iter().take(10) {
        writeln!(w, "  false positive: {} {} {} {}", f.rule, f.mine, f.start, f.title)?;
    }
    writeln!(w)?;
    leads(&store, &sim.registry, &sim.truth, out, &mut w)?;
    writeln!(w)?;
    ledger_year(out, &mut w)?;
    writeln!(
        w,
        "total time {:.1} s. Next: `minesafe people <mine> --db {}` · `minesafe evidence <finding id> --db {} --out evidence/`",
        t0.elapsed().as_secs_f64(),
        db.display(),
        db.display()
    )?;
    Ok(0)
}

/// Leads of illegal operation: first from the demo's own uploads (replayed from
/// the store's archive), then on a simulated region-year of operations series
/// (the fixed `s2-medium` scenario) scored against its truth.
fn leads(
    store: &minesafe_store::SqliteStore,
    registry: &minesafe_model::Registry,
    truth: &[TruthLine],
    out: &Path,
    w: &mut impl Write,
) -> Result<()> {
    use minesafe_crosscheck::Config;
    let cfg = Config::default();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let t = minesafe_model::Timestamp;
    let mines = crate::derive::from_store(store, registry, &cfg.uploads, None, t(i64::MIN / 4), t(i64::MAX / 4))?;
    let mut found: Vec<minesafe_crosscheck::Lead> = crate::leads_cli::analyse_all(&mines, &cfg, threads).into_iter().flatten().collect();
    minesafe_crosscheck::lead::rank(&mut found);
    writeln!(
        w,
        "leads of illegal operation from the uploads ({} mines, {} days: too short for the multi-day baselines): {}",
        mines.len(),
        mines.first().map_or(0, |m| (m.to.0 - m.from.0 + 86_399) / 86_400),
        found.len()
    )?;
    for l in &found {
        let f = &l.finding;
        let injected = truth.iter().find(|t| t.mine == f.mine && f.start <= t.end && t.start <= f.end.unwrap_or(f.start));
        writeln!(
            w,
            "    [{:>3.0}] {} {:<9} {} — {}{}",
            l.score,
            f.mine,
            f.rule,
            f.start,
            f.title,
            injected.map(|t| format!(" (injected: {})", t.kind)).unwrap_or_default()
        )?;
    }
    let Some(sc) = minesafe_sim::ops::fixed_scenarios().into_iter().find(|s| s.name == "s2-medium") else { return Ok(()) };
    let t0 = Instant::now();
    let year = minesafe_sim::ops::simulate_ops(&sc);
    let leads = crate::leads_cli::analyse_all(&year.mines, &cfg, threads);
    let secs = t0.elapsed().as_secs_f64();
    writeln!(
        w,
        "leads on a simulated region-year ({}: {} mines, seed {}; simulated and analysed in {secs:.1} s):",
        sc.name, sc.mines, sc.seed
    )?;
    let mut tally = crate::leads_cli::Tallies::new();
    tally.add(&sc, &year, &leads, false);
    for (g, (name, _)) in tally.groups.iter().zip(crate::leads_cli::GROUPS) {
        writeln!(w, "    {name:<14} found {}/{} injected; {}/{} leads match an injection", g.found, g.truth, g.true_leads, g.leads)?;
    }
    writeln!(w, "    leads of warning level or above on the {} clean mines: {}", tally.clean_mines, tally.clean_leads)?;
    let mut all: Vec<_> = leads.into_iter().flatten().collect();
    minesafe_crosscheck::lead::rank(&mut all);
    if let Some(top) = all.first() {
        let f = &top.finding;
        writeln!(w, "    highest: [{:.0}] {} {} {} — {}", top.score, f.mine, f.rule, f.start, f.title)?;
        writeln!(w, "      pull: {}", top.pull.join("; "))?;
        writeln!(w, "      go to: {}", top.walk.join("; "))?;
    }
    let xlsx = out.join("leads.xlsx");
    crate::leads_out::export(&all, &xlsx)?;
    writeln!(w, "    all {} leads for the inspection team: {}", all.len(), xlsx.display())?;
    Ok(())
}

/// The enforcement ledger on a simulated year of a region (12 mines): import, the
/// closure proposals against the year's truth, back-tracing and the audit check.
fn ledger_year(out: &Path, w: &mut impl Write) -> Result<()> {
    use minesafe_ledger::gates;
    use minesafe_store::Store;
    let dir = out.join("ledger-year");
    let summary = minesafe_sim::year::simulate_year(&dir, 7, 12).with_context(|| format!("writing {}", dir.display()))?;
    let db_path = out.join("ledger.db");
    let paths = crate::ledger_db::AuditPaths {
        // A demo key beside the demo output; production keeps it apart from the database (docs/ledger.md).
        audit_key: Some(out.join("keys").join("audit-signing.key")),
        audit_export: Some(out.join("ledger-checkpoints")),
        checkpoint_every: 100,
        checkpoint_secs: 0,
    };
    let mut db = crate::ledger_db::LedgerDb::open(&db_path, &paths, minesafe_ledger::LedgerConfig::default())?;
    let (mut events, rejects) = crate::ledger_import::read_path(&dir)?;
    crate::ledger_import::chronological(&mut events);
    let mut refused = 0;
    for e in &events {
        if db.submit(&e.event)?.is_err() {
            refused += 1;
        }
        db.checkpoint_if_due(e.event.at, false)?;
    }
    let end = minesafe_ledger::calendar::Date::parse("2026-12-31").map(|d| d.end()).unwrap_or_default();
    db.checkpoint_if_due(end, true)?;
    let truth: Vec<serde_json::Value> =
        std::fs::read_to_string(dir.join("truth.jsonl"))?.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let proposals = gates::closure_proposals(&db.ledger, end);
    let expected: Vec<(&str, &str)> = truth
        .iter()
        .filter(|t| t["kind"] == "closure")
        .map(|t| (t["mine"].as_str().unwrap_or(""), t["rule"].as_str().unwrap_or("")))
        .collect();
    let hit = expected.iter().filter(|(m, r)| proposals.iter().any(|p| p.mine == *m && p.rule == *r)).count();
    let near: Vec<&str> = truth.iter().filter(|t| t["kind"] == "near_miss").filter_map(|t| t["mine"].as_str()).collect();
    let on_near = proposals.iter().filter(|p| near.contains(&p.mine.as_str())).count();
    let extra = proposals.iter().filter(|p| !expected.contains(&(p.mine.as_str(), p.rule.as_str()))).count();
    writeln!(
        w,
        "enforcement ledger — a simulated year of 12 mines: {} rows, {} events recorded, {refused} refused, {} unreadable; store {}",
        summary.rows,
        db.ledger.len(),
        rejects.len(),
        db_path.display()
    )?;
    writeln!(
        w,
        "closure proposals: {hit} of {} expected, {extra} unexpected, {on_near} on the {} near misses",
        expected.len(),
        near.len()
    )?;
    for p in &proposals {
        writeln!(w, "    {} {:<11} {} {}", p.mine, p.rule, p.at, p.finding.title)?;
    }
    let overdue = minesafe_ledger::hazard::overdue(&db.ledger, end);
    writeln!(w, "hazards past their deadline at year end (HM-2.3-R1): {}", overdue.len())?;
    for t in truth.iter().filter(|t| t["kind"] == "backtrace") {
        let h = t["hazard"].as_str().unwrap_or("");
        let bt = minesafe_ledger::inspection::backtrace(&db.ledger, h);
        let who: Vec<String> = bt
            .iter()
            .map(|b| format!("{} signed by {}", b.inspection, b.signed_by.as_ref().map(|s| s.name.as_str()).unwrap_or("nobody")))
            .collect();
        writeln!(w, "back-tracing {h}: covered earlier by {}", if who.is_empty() { "none".to_string() } else { who.join(", ") })?;
    }
    let rows: Vec<_> = db.store.ledger_events()?.iter().map(crate::ledger_db::entry_of).collect();
    let stored: Vec<_> = db.store.checkpoints()?.iter().map(crate::ledger_db::checkpoint_of).collect();
    let (key, exported) = minesafe_audit::ExportDir::open(&db.export_dir())?.read()?;
    let report = minesafe_audit::verify(&rows, &stored, &exported, key.as_deref().unwrap_or(""));
    writeln!(
        w,
        "audit trail: {} entries, {} signed checkpoints exported to {}: {}",
        report.entries,
        report.checkpoints,
        db.export_dir().display(),
        if report.ok() { "intact" } else { "TAMPERED" }
    )?;
    writeln!(
        w,
        "    try: minesafe ledger gates --db {} --now 2026-12-31 · minesafe audit verify --db {} --audit-export {}",
        db_path.display(),
        db_path.display(),
        db.export_dir().display()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).unwrap()
    }

    fn finding(rule: &str, mine: &str, start: &str, end: Option<&str>, sev: Severity) -> Finding {
        let mut f = minesafe_rules::finding(rule, mine, ts(start), end.map(ts), None, "t".into(), vec![]);
        f.severity = sev;
        f
    }

    #[test]
    fn recall_and_false_positives() {
        let truth = vec![TruthLine {
            kind: "methane_no_cut".into(),
            mine: "999901000001".into(),
            rules: vec!["CM26-11.4".into(), "CSR-GAS-3".into()],
            start: ts("2026-11-25 08:06:00"),
            end: ts("2026-11-25 08:12:00"),
            place: "T1".into(),
        }];
        let hit = finding("CSR-GAS-3", "999901000001", "2026-11-25 08:07:00", Some("2026-11-25 08:11:00"), Severity::Alarm);
        let wrong_mine = finding("CSR-GAS-3", "999901000002", "2026-11-25 08:07:00", None, Severity::Alarm);
        let too_late = finding("CM26-11.4", "999901000001", "2026-11-25 09:00:00", Some("2026-11-25 09:01:00"), Severity::MajorHazard);
        let info = finding("CSR-GAS-1", "999901000003", "2026-11-25 09:00:00", None, Severity::Info);
        let e = evaluate(&truth, &[hit.clone(), wrong_mine, too_late, info]);
        assert_eq!(e.truth_found, 1);
        assert_eq!(e.recall(), 1.0);
        assert_eq!(e.false_positives.len(), 2, "wrong mine and wrong time are false positives; info is not counted");
        let e = evaluate(&truth, &[]);
        assert_eq!(e.recall(), 0.0);
        assert_eq!(e.missed.len(), 1);
    }
}
