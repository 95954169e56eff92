//! `minesafe leads …`: leads of illegal operation (HM-3.1) — analyse imported
//! series, export for an inspection team, mark leads confirmed or false, score
//! the detectors on fixed simulated scenarios, and measure a region-year.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use minesafe_crosscheck::{Config, Lead, MineInputs};
use minesafe_ledger::leads::{LeadCmd, Verdict};
use minesafe_ledger::Command;
use minesafe_sim::ops::{self, OpsConfig, OpsTruth};

use crate::ledger_cli::LedgerArgs;

#[derive(clap::Args, Clone, Debug)]
pub struct LeadsArgs {
    #[command(subcommand)]
    pub command: LeadsVerb,
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum LeadsVerb {
    /// Read cross-check inputs (CSV/XLSX: output, haulage, electricity, explosives, gas,
    /// water, positioning aggregates, crews, card trips, lamp room, rota, inspection days;
    /// docs/crosscheck-inputs.md), analyse every mine and print ranked leads. Read-only.
    Analyse {
        #[arg(required_unless_present = "db")]
        paths: Vec<PathBuf>,
        /// Also derive the series from the uploads this store has read (`ingest`, `serve`):
        /// people, crews, card trips, belt-scale output, electrical activity, upload gaps.
        #[arg(long)]
        db: Option<PathBuf>,
        /// With --db: only uploads from this Beijing day on (yyyy-MM-dd).
        #[arg(long, requires = "db")]
        from: Option<String>,
        /// With --db: only uploads before this Beijing day (yyyy-MM-dd, exclusive).
        #[arg(long, requires = "db")]
        to: Option<String>,
        /// With --db: only this mine.
        #[arg(long, requires = "db")]
        mine: Option<String>,
        /// Mine registry (declared faces, areas, feeders, capacity, shifts, status history).
        #[arg(long)]
        registry: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
        /// Only this many leads (highest scores first).
        #[arg(long)]
        top: Option<usize>,
        /// Also write the leads to a .csv, .xlsx or .jsonl file for an inspection team.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = crate::Format::Table)]
        format: crate::Format,
    },
    /// Mark a lead confirmed or false after checking it on site (kept on the audited ledger).
    Mark {
        lead: String,
        #[arg(long)]
        mine: String,
        #[arg(long)]
        rule: String,
        #[arg(long, conflicts_with = "false_lead", required_unless_present = "false_lead")]
        confirmed: bool,
        #[arg(long = "false")]
        false_lead: bool,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: LedgerArgs,
    },
    /// The marks kept so far.
    Marks {
        #[arg(long)]
        mine: Option<String>,
        #[command(flatten)]
        common: LedgerArgs,
    },
    /// Precision and recall per detection on the fixed simulated scenarios (docs/crosscheck.md).
    Score {
        /// Write the table here (markdown) as well as printing it.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Cross-check thresholds (TOML; default: the documented defaults).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print on stderr the leads that match no injection and the injections no lead found (for tuning).
        #[arg(long)]
        explain: bool,
    },
    /// Analyse a simulated region-year and report mines and rows per second against generation alone.
    Bench {
        #[arg(long, default_value_t = 500)]
        mines: usize,
        #[arg(long)]
        threads: Option<usize>,
        /// Go through files: write the year as CSV in the import format, then time reading them back and analysing.
        #[arg(long)]
        files: bool,
        /// With --files: write here instead of a temporary directory.
        #[arg(long, requires = "files")]
        dir: Option<PathBuf>,
        /// With --files: keep the files (and registry.json) for `leads analyse`.
        #[arg(long, requires = "files")]
        keep: bool,
    },
}

pub fn load_config(path: Option<&std::path::Path>) -> Result<Config> {
    match path {
        None => Ok(Config::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Config::from_toml(&text).with_context(|| format!("{}: not a cross-check configuration", p.display()))
        }
    }
}

pub fn run(a: &LeadsArgs) -> Result<i32> {
    match &a.command {
        LeadsVerb::Analyse { paths, db, from, to, mine, registry, config, top, out, format } => {
            let registry = crate::batch::load_registry(registry.as_deref())?;
            let cfg = load_config(config.as_deref())?;
            let (imported, rejected) = crate::leads_read::read_inputs(paths, &registry)?;
            let mines = match db {
                None => imported,
                Some(db) => {
                    anyhow::ensure!(db.exists(), "no store at {}", db.display());
                    let store = crate::ingest::open_store(db)?;
                    let day = |s: &Option<String>, default: i64| -> Result<minesafe_model::Timestamp> {
                        match s {
                            None => Ok(minesafe_model::Timestamp(default)),
                            Some(d) => minesafe_model::Timestamp::parse_beijing(&format!("{d} 00:00:00"))
                                .map_err(|e| anyhow::anyhow!("--from/--to {d:?}: {e} (expected yyyy-MM-dd)")),
                        }
                    };
                    let (from, to) = (day(from, i64::MIN / 4)?, day(to, i64::MAX / 4)?);
                    let derived = crate::derive::from_store(&store, &registry, &cfg.uploads, mine.as_deref(), from, to)?;
                    crate::derive::overlay(derived, imported)
                }
            };
            let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
            let mut leads: Vec<Lead> = analyse_all(&mines, &cfg, threads).into_iter().flatten().collect();
            minesafe_crosscheck::lead::rank(&mut leads);
            if let Some(n) = top {
                leads.truncate(*n);
            }
            crate::leads_out::print(&leads, *format)?;
            if let Some(p) = out {
                crate::leads_out::export(&leads, p)?;
            }
            eprintln!("{} mine(s) analysed, {} lead(s), {rejected} rejected row(s) or file(s)", mines.len(), leads.len());
            Ok(0)
        }
        LeadsVerb::Mark { lead, mine, rule, confirmed, false_lead: _, reason, common } => {
            let mut db = common.open()?;
            let verdict = if *confirmed { Verdict::Confirmed } else { Verdict::False };
            let ev = minesafe_ledger::Event {
                at: common.now()?,
                actor: common.actor.actor()?,
                command: Command::Lead(LeadCmd::Mark {
                    lead: lead.clone(),
                    mine: mine.clone(),
                    rule: rule.clone(),
                    verdict,
                    reason: reason.clone(),
                }),
            };
            crate::ledger_cli::run_submit(&mut db, ev, common)
        }
        LeadsVerb::Marks { mine, common } => {
            let db = common.open()?;
            for r in db.ledger.lead_reviews().filter(|r| mine.as_ref().is_none_or(|m| &r.mine == m)) {
                if common.format == crate::Format::Json {
                    println!("{}", serde_json::to_string(r)?);
                } else if let Some(m) = r.marks.last() {
                    println!("{} {} {:<10} {:?} by {} ({}) {}: {}", r.lead, r.mine, r.rule, m.verdict, m.by.name, m.by.id, m.at, m.reason);
                }
            }
            Ok(0)
        }
        LeadsVerb::Score { out, config, explain } => {
            let cfg = load_config(config.as_deref())?;
            let md = score(&cfg, *explain)?;
            print!("{md}");
            if let Some(p) = out {
                std::fs::write(p, &md).with_context(|| format!("writing {}", p.display()))?;
            }
            Ok(0)
        }
        LeadsVerb::Bench { mines, threads, files, dir, keep } => {
            let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
            if *files {
                crate::leads_bench::bench_files(*mines, threads, dir.as_deref(), *keep)
            } else {
                bench(*mines, threads)
            }
        }
    }
}

/// Analyses mines on `threads` threads, keeping index order.
pub fn analyse_all(mines: &[MineInputs], cfg: &Config, threads: usize) -> Vec<Vec<Lead>> {
    let threads = threads.clamp(1, 64).min(mines.len().max(1));
    let chunk = mines.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let hs: Vec<_> = mines
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|m| minesafe_crosscheck::analyse(m, cfg)).collect::<Vec<_>>()))
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// A lead matches a truth line when mine and rule agree and the spans overlap.
fn matches(l: &Lead, t: &OpsTruth) -> bool {
    let f = &l.finding;
    let end = f.end.unwrap_or(minesafe_model::Timestamp(i64::MAX));
    f.mine == t.mine && t.rules.contains(&f.rule) && f.start < t.end && t.start < end
}

/// The headline detections of the issue, with the rules that count for each.
pub const GROUPS: [(&str, &[&str]); 3] =
    [("hidden face", &["REC-1"]), ("over-capacity", &["CM-1.1", "CM26-1.1"]), ("concealment", &["ACC-LEAD-1", "ACC-LEAD-2", "ACC-LEAD-3"])];

#[derive(Default)]
pub struct Tally {
    pub truth: usize,
    pub found: usize,
    pub leads: usize,
    pub true_leads: usize,
}

fn ratio(a: usize, b: usize) -> String {
    if b == 0 {
        "–".into()
    } else {
        format!("{:.2}", a as f64 / b as f64)
    }
}

/// What a set of scenarios gave, per pattern × strength, per rule and per headline detection.
#[derive(Default)]
pub struct Tallies {
    pub by_kind: BTreeMap<(String, String), Tally>,
    pub by_rule: BTreeMap<String, Tally>,
    /// One per [`GROUPS`] entry.
    pub groups: Vec<Tally>,
    pub clean_leads: usize,
    pub clean_mines: usize,
    pub scenarios: Vec<String>,
}

/// The fixed scenarios with their seeds moved by `shift`: the same mines, sizes,
/// patterns and strengths, other random draws — never looked at while tuning.
pub fn held_out_scenarios(shift: u64) -> Vec<OpsConfig> {
    ops::fixed_scenarios()
        .into_iter()
        .map(|mut sc| {
            sc.seed += shift;
            sc.name = format!("{}-h", sc.name);
            sc
        })
        .collect()
}

/// Seeds of the held-out check: the fixed ones plus this.
pub const HOLDOUT_SHIFT: u64 = 1_000_000;

fn tally(cfg: &Config, explain: bool, scenarios: Vec<OpsConfig>) -> Tallies {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut t = Tallies::new();
    for sc in scenarios {
        let year = ops::simulate_ops(&sc);
        let leads = analyse_all(&year.mines, cfg, threads);
        t.add(&sc, &year, &leads, explain);
    }
    t
}

impl Tallies {
    pub fn new() -> Self {
        Tallies { groups: GROUPS.iter().map(|_| Tally::default()).collect(), ..Default::default() }
    }

    /// Counts one scenario's leads (`leads[i]` are those of `year.mines[i]`) against its truth.
    pub fn add(&mut self, sc: &OpsConfig, year: &ops::OpsYear, leads: &[Vec<Lead>], explain: bool) {
        let Tallies { by_kind, by_rule, groups, clean_leads, clean_mines, scenarios: names } = self;
        let with_truth: std::collections::BTreeSet<&str> = year.truth.iter().map(|t| t.mine.as_str()).collect();
        names.push(format!("`{}` (seed {}, {} mines)", sc.name, sc.seed, sc.mines));
        for t in &year.truth {
            let found = leads.iter().flatten().any(|l| matches(l, t));
            if explain && !found {
                eprintln!("missed [{}] {} {} {} … {} {:?} wants {}", sc.name, t.kind, t.mine, t.start, t.end, t.place, t.rules.join("|"));
            }
            let k = by_kind.entry((t.kind.clone(), t.strength.clone())).or_default();
            k.truth += 1;
            k.found += found as usize;
            for (g, (_, rules)) in groups.iter_mut().zip(GROUPS.iter()) {
                if rules.contains(&t.rules[0].as_str()) {
                    g.truth += 1;
                    g.found += found as usize;
                }
            }
        }
        for (m, ls) in year.mines.iter().zip(leads) {
            let clean = !with_truth.contains(m.code());
            *clean_mines += clean as usize;
            for l in ls {
                let ok = year.truth.iter().any(|t| matches(l, t));
                if explain && !ok {
                    let f = &l.finding;
                    let kinds: Vec<&str> = year.truth.iter().filter(|t| t.mine == f.mine).map(|t| t.kind.as_str()).collect();
                    eprintln!(
                        "unmatched [{}] {} {} {} … {} {:?} score {:.0} (mine's patterns: {kinds:?}): {} | {}",
                        sc.name,
                        f.rule,
                        f.mine,
                        f.start,
                        f.end.map(|e| e.to_string()).unwrap_or_default(),
                        f.place,
                        l.score,
                        f.title,
                        f.evidence.first().and_then(|e| e.detail.as_deref()).unwrap_or("")
                    );
                }
                *clean_leads += (clean && l.finding.severity >= minesafe_model::Severity::Warning) as usize;
                let r = by_rule.entry(l.finding.rule.clone()).or_default();
                r.leads += 1;
                r.true_leads += ok as usize;
                for (g, (_, rules)) in groups.iter_mut().zip(GROUPS.iter()) {
                    if rules.contains(&l.finding.rule.as_str()) {
                        g.leads += 1;
                        g.true_leads += ok as usize;
                    }
                }
            }
        }
    }
}

fn headline(md: &mut String, t: &Tallies) -> Result<()> {
    writeln!(md, "| detection | rules | injected | found | recall | leads | true | precision |\n|---|---|---|---|---|---|---|---|")?;
    for (g, (name, rules)) in t.groups.iter().zip(GROUPS.iter()) {
        writeln!(
            md,
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            rules.join(", "),
            g.truth,
            g.found,
            ratio(g.found, g.truth),
            g.leads,
            g.true_leads,
            ratio(g.true_leads, g.leads)
        )?;
    }
    writeln!(md, "\nLeads of warning level or above on the {} clean mines: **{}**.\n", t.clean_mines, t.clean_leads)?;
    Ok(())
}

fn per_kind_and_rule(md: &mut String, t: &Tallies) -> Result<()> {
    writeln!(md, "| pattern | strength | injected | found | recall |\n|---|---|---|---|---|")?;
    for ((kind, strength), k) in &t.by_kind {
        writeln!(md, "| {kind} | {strength} | {} | {} | {} |", k.truth, k.found, ratio(k.found, k.truth))?;
    }
    writeln!(md, "\n| rule | leads | matching an injection | precision |\n|---|---|---|---|")?;
    for (rule, r) in &t.by_rule {
        writeln!(md, "| {rule} | {} | {} | {} |", r.leads, r.true_leads, ratio(r.true_leads, r.leads))?;
    }
    Ok(())
}

/// Runs every fixed scenario, and the held-out ones, and renders the
/// precision/recall tables as markdown.
pub fn score(cfg: &Config, explain: bool) -> Result<String> {
    let fixed = tally(cfg, explain, ops::fixed_scenarios());
    let held = tally(cfg, false, held_out_scenarios(HOLDOUT_SHIFT));
    let mut md = String::new();
    writeln!(md, "# Cross-check detections: precision and recall\n")?;
    writeln!(md, "Produced by `minesafe leads score --out docs/crosscheck.md` at default settings over the scenarios fixed in")?;
    writeln!(md, "advance in `minesafe_sim::ops::fixed_scenarios` (committed with their seeds and strengths before tuning):")?;
    writeln!(md, "{}.\n", fixed.scenarios.join(", "))?;
    writeln!(md, "A lead matches an injected pattern when the mine and rule agree and the periods overlap.\n")?;
    writeln!(md, "## Headline detections\n")?;
    headline(&mut md, &fixed)?;
    writeln!(md, "## Recall per injected pattern and strength, precision per rule\n")?;
    per_kind_and_rule(&mut md, &fixed)?;
    writeln!(md, "\n## Held out: the same scenarios with other seeds\n")?;
    writeln!(md, "The thresholds were tuned while looking at the scenarios above. The same scenarios with every seed")?;
    writeln!(md, "moved by {HOLDOUT_SHIFT} (other mines' noise, other days, other injections' exact figures) were never looked at while")?;
    writeln!(md, "tuning; what they give is the better guide to new data:")?;
    writeln!(md, "{}.\n", held.scenarios.join(", "))?;
    headline(&mut md, &held)?;
    per_kind_and_rule(&mut md, &held)?;
    writeln!(md, "\n## The settings used\n")?;
    writeln!(md, "Every threshold, as `--config FILE.toml` takes it (each is explained in the doc comment of its field in `crates/crosscheck/src/<module>.rs`):\n")?;
    writeln!(md, "```toml\n{}```", toml::to_string(cfg).context("rendering the configuration")?)?;
    Ok(md)
}

/// A region-year: generation alone is the baseline measured in the same run;
/// analysis time is what generation plus analysis adds to it.
fn bench(mines: usize, threads: usize) -> Result<i32> {
    let cfg = OpsConfig { name: "bench".into(), seed: 42, mines, ..OpsConfig::default() };
    let t0 = Instant::now();
    let year = ops::simulate_ops(&cfg);
    let t_gen = t0.elapsed().as_secs_f64();
    let rows: usize = year
        .mines
        .iter()
        .map(|m| {
            m.output.len()
                + m.energy.len()
                + m.explosives.len()
                + m.volumes.len()
                + m.methane.len()
                + m.area_hours.len()
                + m.crews.len()
                + m.trips.len()
                + m.lamps.len()
        })
        .sum();
    let ccfg = Config::default();
    // Baseline: one pass over every row (summing values), the least any analysis must do.
    let t1 = Instant::now();
    let mut checksum = 0.0f64;
    for m in &year.mines {
        checksum += m.output.iter().map(|r| r.tonnes).sum::<f64>()
            + m.energy.iter().map(|r| r.kwh).sum::<f64>()
            + m.area_hours.iter().map(|r| r.person_hours as f64).sum::<f64>();
    }
    let t_scan = t1.elapsed().as_secs_f64();
    let mut best = f64::INFINITY;
    let mut n_leads = 0;
    for _ in 0..2 {
        let t2 = Instant::now();
        let leads = analyse_all(&year.mines, &ccfg, threads);
        best = best.min(t2.elapsed().as_secs_f64());
        n_leads = leads.iter().map(Vec::len).sum();
    }
    println!("region-year: {mines} mines, {rows} rows (daily output, haulage, explosives; hourly electricity, methane, positioning per area; crews, card trips); generated in {t_gen:.1} s");
    println!(
        "baseline scan of the rows (1 thread): {t_scan:.2} s ({:.0} M rows/s; checksum {checksum:.0})",
        rows as f64 / t_scan.max(1e-9) / 1e6
    );
    println!(
        "analysis, {threads} thread(s), best of 2: {best:.2} s — {:.0} mines/s, {:.1} M rows/s, {:.1}× the baseline scan; {n_leads} leads; target: < 60 s",
        mines as f64 / best,
        rows as f64 / best / 1e6,
        best / t_scan.max(1e-9)
    );
    Ok(0)
}
