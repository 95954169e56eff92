//! `minesafe`: the command line. It only composes the library crates: formats read
//! uploads, rules judge them, the engine routes, the store keeps, the simulator feeds
//! the demo. Errors are `anyhow` here and typed everywhere else.

mod alarm_desk;
mod alarms_cli;
mod batch;
mod bench;
mod bench_live;
mod clock;
mod demo;
mod derive;
mod eval;
mod evidence;
mod ingest;
mod leads_bench;
mod leads_cli;
mod leads_out;
mod leads_read;
mod ledger_cli;
mod ledger_db;
mod ledger_docs;
mod ledger_import;
mod output;
mod peak;
mod people;
mod pipeline;
mod report;
mod score;
mod serve;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "minesafe",
    version,
    about = "Mine-safety supervision: read the national uploads, judge them against the regulations, show the evidence."
)]
struct Cli {
    /// No progress bars or summaries on stderr.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a region of mines with known violations, ingest, evaluate, and compare with the injected truth.
    Demo {
        #[command(flatten)]
        sim: demo::SimArgs,
        /// Where the simulated uploads and the store go.
        #[arg(long, default_value = "demo-out")]
        out: PathBuf,
    },
    /// Write national-format upload files, the mine registry and truth.jsonl.
    Simulate {
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        sim: demo::SimArgs,
    },
    /// Read upload files (files or directory trees), evaluate every rule, print findings. Read-only.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Mine registry (JSON or TOML); everything in it is optional.
        #[arg(long)]
        registry: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Worker threads (mines are partitioned across them); default: the number of cores.
        #[arg(long)]
        threads: Option<usize>,
        /// Write the evacuation reports (who was in the affected areas, time to clear,
        /// who stayed) as JSON lines to this file.
        #[arg(long)]
        evacuations: Option<PathBuf>,
        #[command(flatten)]
        parse: batch::ParseArgs,
        #[command(flatten)]
        leads: batch::LeadArgs,
    },
    /// Store uploads (idempotent by content), evaluate rules, keep rejected files in quarantine.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, default_value = "minesafe.db")]
        db: PathBuf,
        #[arg(long)]
        registry: Option<PathBuf>,
        #[command(flatten)]
        parse: batch::ParseArgs,
    },
    /// Watch a folder: evaluate uploads as they land, raise and escalate alarms, store everything.
    Serve(serve::ServeArgs),
    /// List alarms and answer them: acknowledge (叫应), respond (响应), close with a reply (回应), dismiss.
    Alarms(alarms_cli::AlarmArgs),
    /// A mine's day or shift: over-limit durations per point, upload completeness, alarms with answer times.
    Report(report::ReportArgs),
    /// Run the detectors over the real recordings in shared/datasets and measure the methane forecast (FC-1).
    Eval(eval::EvalArgs),
    /// Recall per injected kind and precision per rule over fixed simulator scenarios (docs/detection.md).
    Score(score::ScoreArgs),
    /// Findings in the store, as `serve` and `ingest` computed them.
    Findings {
        #[arg(long, default_value = "minesafe.db")]
        db: PathBuf,
        #[arg(long)]
        mine: Option<String>,
        #[arg(long)]
        rule: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Who is underground now in a mine: where and since when (for rescue).
    People {
        mine: String,
        #[arg(long, default_value = "minesafe.db")]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Copy the raw upload files a finding rests on, with SHA-256, into a folder.
    Evidence {
        finding: String,
        #[arg(long, default_value = "minesafe.db")]
        db: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print throughput and memory figures as ratios to baselines measured in the same run.
    Bench {
        /// CDSS record counts to generate, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = vec![1_000_000u64, 4_000_000])]
        records: Vec<u64>,
        /// Scratch directory (default: a temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Keep the generated files (with --dir) for inspection or profiling.
        #[arg(long)]
        keep: bool,
    },
    /// Apply the retention policy: raw readings ≥ 92 days, minute/hour statistics ≥ 731 days (AQ 6201).
    Retain {
        #[arg(long, default_value = "minesafe.db")]
        db: PathBuf,
        /// Days of raw readings to keep (at least 92).
        #[arg(long, default_value_t = 92)]
        raw_days: u32,
        /// Days of minute and hour statistics to keep (at least 731).
        #[arg(long, default_value_t = 731)]
        stats_days: u32,
        /// The present, RFC 3339 (default: the system clock).
        #[arg(long)]
        now: Option<String>,
    },
    /// The major-hazard ledger: open, plan (five in place), rectify, verify, sign off; notices and back-tracing.
    Hazard(ledger_cli::HazardArgs),
    /// Inspections and enforcement: plans, signed records, orders, penalties, referrals, visit planning.
    Inspect(ledger_cli::InspectArgs),
    /// Mines, licences, status decisions, restart acceptance, closure proposals, enforcement history.
    Mine(ledger_cli::MineArgs),
    /// The principal's monthly full-system self-check (HM-2.1).
    SelfCheck(ledger_cli::SelfCheckArgs),
    /// Import ledger records (CSV/XLSX) and list what the records call for (closure proposals, overdue hazards …).
    Ledger(ledger_cli::LedgerCmdArgs),
    /// Leads of illegal operation: mark them after checking on site, score the detectors, benchmark a region-year.
    Leads(leads_cli::LeadsArgs),
    /// The tamper-evident audit trail: verify the chain and checkpoints, or write a checkpoint.
    Audit(ledger_cli::AuditArgs),
    /// Print the rule catalog (`--markdown` renders docs/rules.md).
    Rules {
        #[arg(long)]
        markdown: bool,
    },
}

/// A reader that stops early (`| head`) is not an error of ours.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn main() -> Result<()> {
    match run() {
        Err(e) if is_broken_pipe(&e) => std::process::exit(0),
        other => other,
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    let quiet = cli.quiet;
    let code = match cli.command {
        Command::Demo { sim, out } => demo::run(&sim, &out, quiet)?,
        Command::Simulate { out, sim } => demo::simulate(&out, &sim, quiet)?,
        Command::Check { paths, registry, format, threads, evacuations, parse, leads } => {
            batch::check(&paths, registry.as_deref(), &parse, &leads, evacuations.as_deref(), batch::RunOpts { format, threads, quiet })?
        }
        Command::Ingest { paths, db, registry, parse } => ingest::run(&paths, &db, registry.as_deref(), &parse, quiet)?,
        Command::Serve(args) => serve::run(&args, quiet)?,
        Command::Findings { db, mine, rule, format } => {
            use minesafe_store::Store;
            anyhow::ensure!(db.exists(), "no store at {}", db.display());
            let store = ingest::open_store(&db)?;
            let filter = minesafe_store::FindingFilter { mine, rule, ..Default::default() };
            output::print_findings(&store.findings(&filter)?, format)?;
            0
        }
        Command::Alarms(args) => alarms_cli::run(&args)?,
        Command::Hazard(args) => ledger_cli::run_hazard(&args)?,
        Command::Inspect(args) => ledger_cli::run_inspect(&args)?,
        Command::Mine(args) => ledger_cli::run_mine(&args)?,
        Command::SelfCheck(args) => ledger_cli::run_self_check(&args)?,
        Command::Ledger(args) => ledger_cli::run_ledger(&args)?,
        Command::Audit(args) => ledger_cli::run_audit(&args)?,
        Command::Leads(args) => leads_cli::run(&args)?,
        Command::Report(args) => report::run(&args)?,
        Command::Score(args) => score::run(&args, quiet)?,
        Command::Eval(args) => {
            eval::run(&args)?;
            0
        }
        Command::People { mine, db, format } => people::run(&mine, &db, format)?,
        Command::Evidence { finding, db, out } => evidence::run(&finding, &db, &out)?,
        Command::Bench { records, dir, keep } => bench::run(&records, dir.as_deref(), keep)?,
        Command::Retain { db, raw_days, stats_days, now } => ingest::retain(&db, raw_days, stats_days, now.as_deref())?,
        Command::Rules { markdown } => {
            use std::io::Write;
            let stdout = std::io::stdout();
            let mut w = stdout.lock();
            if markdown {
                write!(w, "{}", minesafe_rules::docs::rules_markdown())?;
            } else {
                for r in &minesafe_rules::catalog().rule {
                    writeln!(w, "{:<12} {:<13} {}", r.id, r.severity.id(), r.title)?;
                }
            }
            0
        }
    };
    peak::report_if_asked();
    std::process::exit(code);
}
