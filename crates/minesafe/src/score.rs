//! `minesafe score`: recall per injected kind and precision per rule over
//! simulator scenarios fixed in advance (seeds, days, start dates — the defaults
//! below, committed before any tuning), evaluated by batch `check`. Prints the
//! markdown table kept in `docs/detection.md`.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result};
use minesafe_engine::EngineConfig;
use minesafe_model::{Finding, Severity, Timestamp};
use minesafe_sim::{SimConfig, TruthLine};

use crate::batch;
use crate::demo::matches;

#[derive(clap::Args, Clone, Debug)]
pub struct ScoreArgs {
    /// Simulator seeds; each is one region of six mines with the default injections.
    #[arg(long, value_delimiter = ',', default_values_t = vec![11u64, 22, 33, 44, 55])]
    pub seeds: Vec<u64>,
    /// Start days, one scenario per seed and start (before and after the 2026-07-01 revision).
    #[arg(long, value_delimiter = ',', default_values_t = vec!["2026-06-29".to_string(), "2026-11-25".to_string()])]
    pub starts: Vec<String>,
    #[arg(long, default_value_t = 2)]
    pub days: u32,
}

#[derive(Default)]
struct KindScore {
    cases: usize,
    found: usize,
    /// `seed start mine place` of each case not found.
    missed: Vec<String>,
}

#[derive(Default)]
struct RuleScore {
    severity: &'static str,
    alarms: usize,
    matched: usize,
    on_clean: usize,
}

pub fn run(args: &ScoreArgs, quiet: bool) -> Result<i32> {
    let mut kinds: BTreeMap<String, KindScore> = BTreeMap::new();
    let mut rules: BTreeMap<String, RuleScore> = BTreeMap::new();
    let mut scenarios = 0;
    for start in &args.starts {
        let start_ts = Timestamp::parse_beijing(&format!("{start} 00:00:00")).with_context(|| format!("--starts {start}"))?;
        for &seed in &args.seeds {
            let tmp = tempfile::tempdir()?;
            let cfg = SimConfig { seed, days: args.days, start: start_ts, ..SimConfig::default() };
            let sim = minesafe_sim::write_to_dir(&cfg, tmp.path())?;
            let (files, _) = batch::collect(&[tmp.path().to_path_buf()])?;
            let pb = indicatif::ProgressBar::hidden();
            let result = batch::run_partitioned(
                batch::order_files(files),
                &sim.registry,
                &minesafe_formats::ParseOptions::default(),
                &EngineConfig::default(),
                std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
                &pb,
                None,
            );
            scenarios += 1;
            tally(&sim.truth, &sim.registry, &result.findings, &mut kinds, &mut rules, &format!("seed {seed}"));
            if !quiet {
                eprintln!("minesafe score: seed {seed}, start {start}: {} findings", result.findings.len());
            }
        }
    }
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    writeln!(
        w,
        "Scenarios: {scenarios} regions of 6 mines × {} days (seeds {:?}, starts {:?}), default injections, batch `check`.",
        args.days, args.seeds, args.starts
    )?;
    writeln!(w)?;
    writeln!(w, "| injected kind | cases | found | recall |")?;
    writeln!(w, "|---|---|---|---|")?;
    for (k, s) in &kinds {
        let r = if s.cases == 0 { 1.0 } else { s.found as f64 / s.cases as f64 };
        writeln!(w, "| {k} | {} | {} | {r:.2} |", s.cases, s.found)?;
    }
    let missed: Vec<(&String, &String)> = kinds.iter().flat_map(|(k, s)| s.missed.iter().map(move |m| (k, m))).collect();
    if !missed.is_empty() {
        writeln!(w)?;
        writeln!(w, "Missed cases:")?;
        for (k, m) in missed {
            writeln!(w, "- {k}: {m}")?;
        }
    }
    writeln!(w)?;
    writeln!(w, "| rule | severity | findings | matching an injection | precision | on clean mines |")?;
    writeln!(w, "|---|---|---|---|---|---|")?;
    for (rule, s) in &rules {
        let p = if s.alarms == 0 { 1.0 } else { s.matched as f64 / s.alarms as f64 };
        writeln!(w, "| {rule} | {} | {} | {} | {p:.2} | {} |", s.severity, s.alarms, s.matched, s.on_clean)?;
    }
    Ok(0)
}

fn tally(
    truth: &[TruthLine],
    registry: &minesafe_model::Registry,
    findings: &[Finding],
    kinds: &mut BTreeMap<String, KindScore>,
    rules: &mut BTreeMap<String, RuleScore>,
    scenario: &str,
) {
    for t in truth.iter().filter(|t| !t.delivery_order_only()) {
        let k = kinds.entry(t.kind.clone()).or_default();
        k.cases += 1;
        if findings.iter().any(|f| matches(f, t)) {
            k.found += 1;
        } else {
            k.missed.push(format!("{scenario}: {} {} … {} {}", t.mine, t.start, t.end, t.place));
        }
    }
    let clean: Vec<&str> = registry.mines.iter().map(|m| m.code.as_str()).filter(|c| !truth.iter().any(|t| t.mine == *c)).collect();
    for f in findings.iter().filter(|f| f.severity >= Severity::Warning) {
        let r = rules.entry(f.rule.clone()).or_default();
        r.severity = f.severity.id();
        r.alarms += 1;
        if truth.iter().any(|t| matches(f, t) || forewarns(f, t)) {
            r.matched += 1;
        }
        if clean.contains(&f.mine.as_str()) {
            r.on_clean += 1;
        }
    }
}

/// A methane forecast warning (FC-1) is right when an injected methane over-limit
/// of the same mine begins within the next 15 minutes (or is under way).
fn forewarns(f: &Finding, t: &TruthLine) -> bool {
    f.rule == "FC-1"
        && f.mine == t.mine
        && t.rules.iter().any(|r| r.starts_with("CSR-GAS-"))
        && f.start <= t.end
        && t.start.secs_since(f.start) <= 900
}
