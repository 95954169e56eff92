//! `minesafe check`: read-only batch evaluation over files and directory trees.
//!
//! Mines are independent, so files are partitioned by mine across worker threads;
//! each worker runs its own engine over its files in event-time order. The newest
//! upload time seen (for the far-future header check) is computed from the global
//! order first, so the result does not depend on the number of threads.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use minesafe_engine::{latest_findings, order, ContentSink, Engine, EngineConfig, FileReport, NoSink, Summary};
use minesafe_formats::{FileName, ParseOptions};
use minesafe_model::{Finding, Registry, Timestamp};

use crate::{output, Format};

/// The admission policy for uploads, shared by `check` and `ingest`.
#[derive(clap::Args, Clone, Debug)]
pub struct ParseArgs {
    /// Reject a whole file when more than this share of its records is bad.
    #[arg(long, default_value_t = 0.20)]
    pub max_bad_ratio: f64,
    /// Reject a file whose header time is more than this many hours ahead of the newest upload seen.
    #[arg(long, default_value_t = 24)]
    pub max_header_ahead_hours: i64,
    /// Reject a record whose own time is more than this many seconds ahead of its file's upload time.
    #[arg(long, default_value_t = 300)]
    pub max_record_ahead_secs: i64,
    /// Largest accepted upload, in MiB.
    #[arg(long, default_value_t = 20)]
    pub max_file_mib: usize,
    /// Run only these detectors (comma-separated: monitoring, positioning, integrity,
    /// powercut, forecast, evacuation; `none` parses only). For benchmarks.
    #[arg(long, value_delimiter = ',', hide = true)]
    pub detectors: Option<Vec<String>>,
}

impl ParseArgs {
    pub fn options(&self) -> ParseOptions {
        ParseOptions {
            max_bytes: self.max_file_mib.saturating_mul(1024 * 1024),
            max_bad_ratio: self.max_bad_ratio.clamp(0.0, 1.0),
            max_record_ahead_secs: self.max_record_ahead_secs,
            newest_seen: None,
            max_header_ahead_secs: self.max_header_ahead_hours.saturating_mul(3600),
        }
    }
}

/// Leads of illegal operation (HM-3.1) after the findings: the cross-checks run
/// on the series derived from the uploads, overlaid with the imported ones.
#[derive(clap::Args, Clone, Debug)]
pub struct LeadArgs {
    /// Cross-check inputs (CSV/XLSX files or folders: output, haulage, electricity,
    /// explosives, lamp room, rota …; docs/crosscheck-inputs.md). A series given here
    /// replaces the one derived from the uploads for that mine.
    #[arg(long = "inputs")]
    pub inputs: Vec<PathBuf>,
    /// Cross-check thresholds (TOML, as `leads score` prints them).
    #[arg(long = "crosscheck-config")]
    pub config: Option<PathBuf>,
    /// Also write the leads to a .csv, .xlsx or .jsonl file for an inspection team.
    #[arg(long = "leads-out")]
    pub out: Option<PathBuf>,
    /// Findings only: do not derive the cross-check series nor print leads.
    #[arg(long = "no-leads", conflicts_with_all = ["inputs", "out"])]
    pub none: bool,
}

/// An upload file found under the given paths.
#[derive(Clone, Debug)]
pub struct InputFile {
    pub path: PathBuf,
    pub name: String,
    pub len: u64,
}

/// Walks files and directory trees (any depth, symlinks not followed). Only `.txt`
/// files are uploads; dot-files (temporary names) are skipped; other files are counted.
pub fn collect(paths: &[PathBuf]) -> Result<(Vec<InputFile>, usize)> {
    let mut files = Vec::new();
    let mut ignored = 0;
    for root in paths {
        let meta = std::fs::symlink_metadata(root).with_context(|| format!("cannot read {}", root.display()))?;
        if meta.is_file() {
            let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push(InputFile { path: root.clone(), name, len: meta.len() });
            continue;
        }
        for entry in walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name() {
            let entry = entry.with_context(|| format!("cannot walk {}", root.display()))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if !(name.ends_with(".txt") || name.ends_with(".TXT")) {
                ignored += 1;
                continue;
            }
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            files.push(InputFile { path: entry.into_path(), name, len });
        }
    }
    Ok((files, ignored))
}

pub fn load_registry(path: Option<&Path>) -> Result<Registry> {
    let Some(path) = path else { return Ok(Registry::default()) };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read registry {}", path.display()))?;
    let toml = path.extension().is_some_and(|e| e == "toml");
    minesafe_formats::registry::parse_registry(&text, toml).with_context(|| format!("registry {}", path.display()))
}

/// Sorts files into event-time order and gives each the newest upload time seen before it.
pub fn order_files(mut files: Vec<InputFile>) -> Vec<(InputFile, Option<Timestamp>)> {
    files.sort_by_cached_key(|f| order::sort_key(&f.name));
    let mut newest: Option<Timestamp> = None;
    files
        .into_iter()
        .map(|f| {
            let before = newest;
            if let Ok(n) = FileName::parse(&f.name) {
                newest = Some(newest.map_or(n.time, |t| t.max(n.time)));
            }
            (f, before)
        })
        .collect()
}

/// The newest upload time among the files: the batch clock at end of input.
pub fn watermark(files: &[(InputFile, Option<Timestamp>)]) -> Timestamp {
    files.iter().filter_map(|(f, _)| FileName::parse(&f.name).ok().map(|n| n.time)).max().unwrap_or_default()
}

pub fn mine_of(name: &str) -> String {
    name.split('_').next().unwrap_or("").to_string()
}

/// What one worker returns: findings, per-file reports, totals, detector summaries.
type PartResult = (Vec<Finding>, Vec<(PathBuf, FileReport)>, Summary, Vec<serde_json::Value>, Vec<minesafe_crosscheck::MineInputs>);

pub struct BatchResult {
    pub findings: Vec<Finding>,
    pub reports: Vec<(PathBuf, FileReport)>,
    pub summary: Summary,
    /// Evacuation reports (time to clear, who stayed), one JSON object each.
    pub evacuations: Vec<serde_json::Value>,
    /// The cross-check series derived from the uploads, one per mine (when asked for).
    pub series: Vec<minesafe_crosscheck::MineInputs>,
}

pub fn progress(total_bytes: u64, quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(total_bytes);
    pb.set_style(
        ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message(what.to_string());
    pb
}

/// Runs one engine over an ordered list of files; returns the reports of files with
/// problems (rejected, partial) and the totals over all files.
pub fn run_engine(
    files: &[(InputFile, Option<Timestamp>)],
    engine: &mut Engine,
    sink: &mut dyn ContentSink,
    pb: &ProgressBar,
    findings: &mut Vec<Finding>,
) -> (Vec<(PathBuf, FileReport)>, Summary) {
    let mut reports = Vec::new();
    let mut summary = Summary::default();
    for (f, newest) in files {
        engine.set_newest_seen(*newest);
        // The batch clock is the watermark: clock-driven rules of this file's mine
        // see it before the file, as a streaming run driven by the same watermark would.
        if let Some(now) = newest {
            engine.tick_mine(&mine_of(&f.name), *now, findings);
        }
        let report = match std::fs::read(&f.path) {
            Ok(bytes) => {
                let r = engine.process(&f.name, &bytes, sink, findings);
                summary.add(&r, bytes.len() as u64);
                r
            }
            Err(e) => {
                let mut r = FileReport::new(&f.name);
                r.outcome = minesafe_engine::Outcome::Rejected;
                r.error = Some(minesafe_formats::FileError::BadHeader(format!("cannot read the file: {e}")));
                summary.add(&r, 0);
                r
            }
        };
        pb.inc(f.len);
        // Only reports with something to say are kept: memory grows with problems, not files.
        if report.outcome != minesafe_engine::Outcome::Accepted || !report.record_errors.is_empty() {
            reports.push((f.path.clone(), report));
        }
    }
    (reports, summary)
}

/// Partitions by mine across threads and merges the results in file order.
pub fn run_partitioned(
    files: Vec<(InputFile, Option<Timestamp>)>,
    registry: &Registry,
    opts: &ParseOptions,
    cfg: &EngineConfig,
    threads: usize,
    pb: &ProgressBar,
    derive: Option<&minesafe_crosscheck::uploads::UploadsConfig>,
) -> BatchResult {
    let threads = threads.max(1);
    // End of input is judged at the global watermark, whatever the partition.
    let watermark = watermark(&files);
    let mut parts: Vec<Vec<(InputFile, Option<Timestamp>)>> = vec![Vec::new(); threads];
    for f in files {
        let mut h = DefaultHasher::new();
        mine_of(&f.0.name).hash(&mut h);
        parts[(h.finish() % threads as u64) as usize].push(f);
    }
    let results: Vec<PartResult> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                s.spawn(move || {
                    let mut engine = Engine::with_config(registry.clone(), opts.clone(), cfg.clone());
                    let mut findings = Vec::new();
                    let (reports, summary, series) = match derive {
                        Some(dc) => {
                            let mut sink = crate::derive::SeriesSink::new(registry, dc);
                            let (r, s) = run_engine(part, &mut engine, &mut sink, pb, &mut findings);
                            (r, s, sink.finish(watermark))
                        }
                        None => {
                            let (r, s) = run_engine(part, &mut engine, &mut NoSink, pb, &mut findings);
                            (r, s, Vec::new())
                        }
                    };
                    engine.finish_at(watermark, &mut findings);
                    (findings, reports, summary, engine.summaries(), series)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut out =
        BatchResult { findings: Vec::new(), reports: Vec::new(), summary: Summary::default(), evacuations: Vec::new(), series: Vec::new() };
    for (f, r, s, e, m) in results {
        out.series.extend(m);
        out.findings.extend(f);
        out.reports.extend(r);
        out.summary.merge(&s);
        out.evacuations.extend(e);
    }
    out.series.sort_by(|a, b| a.code().cmp(b.code()));
    out.evacuations.sort_by(|a, b| (a["mine"].as_str(), a["start"].as_str()).cmp(&(b["mine"].as_str(), b["start"].as_str())));
    out.findings = latest_findings(std::mem::take(&mut out.findings));
    sort_findings(&mut out.findings);
    out.reports.sort_by_cached_key(|(_, r)| order::sort_key(&r.name));
    out
}

pub fn sort_findings(f: &mut [Finding]) {
    f.sort_by(|a, b| (a.start, &a.mine, &a.rule, &a.id).cmp(&(b.start, &b.mine, &b.rule, &b.id)));
}

/// Names every bad file and record on stderr.
pub fn report_problems(reports: &[(PathBuf, FileReport)]) {
    let stderr = std::io::stderr();
    let mut w = BufWriter::new(stderr.lock());
    for (path, r) in reports {
        for line in r.problem_lines(&path.display().to_string()) {
            let _ = writeln!(w, "minesafe: {line}");
        }
    }
}

/// How a batch runs and prints.
#[derive(Clone, Copy, Debug)]
pub struct RunOpts {
    pub format: Format,
    /// Worker threads; default: the number of cores.
    pub threads: Option<usize>,
    pub quiet: bool,
}

pub fn check(
    paths: &[PathBuf],
    registry: Option<&Path>,
    parse: &ParseArgs,
    leads: &LeadArgs,
    evacuations: Option<&Path>,
    how: RunOpts,
) -> Result<i32> {
    let RunOpts { format, threads, quiet } = how;
    let registry = load_registry(registry)?;
    let ccfg = crate::leads_cli::load_config(leads.config.as_deref())?;
    let (files, ignored) = collect(paths)?;
    let total_bytes: u64 = files.iter().map(|f| f.len).sum();
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let pb = progress(total_bytes, quiet, "check");
    let cfg = EngineConfig { only: parse.detectors.clone(), ..Default::default() };
    let derive = (!leads.none).then_some(&ccfg.uploads);
    let mut result = run_partitioned(order_files(files), &registry, &parse.options(), &cfg, threads, &pb, derive);
    pb.finish_and_clear();
    report_problems(&result.reports);
    output::print_findings(&result.findings, format)?;
    let mut n_leads = None;
    if !leads.none {
        let (imported, rejected) = crate::leads_read::read_inputs(&leads.inputs, &registry)?;
        if rejected > 0 {
            eprintln!("minesafe check: {rejected} cross-check input row(s) or file(s) rejected (named above)");
        }
        let mines = crate::derive::overlay(std::mem::take(&mut result.series), imported);
        let mut found: Vec<minesafe_crosscheck::Lead> =
            crate::leads_cli::analyse_all(&mines, &ccfg, threads).into_iter().flatten().collect();
        minesafe_crosscheck::lead::rank(&mut found);
        if format == Format::Table {
            let mut w = std::io::stdout().lock();
            writeln!(w)?;
            if found.is_empty() {
                writeln!(w, "No leads of illegal operation ({} mine(s) cross-checked).", mines.len())?;
            } else {
                writeln!(w, "Leads of illegal operation ({} over {} mine(s)), highest score first:", found.len(), mines.len())?;
            }
        }
        match format {
            Format::Table => crate::leads_out::print(&found, format)?,
            Format::Json => crate::leads_out::print_finding_lines(&found)?,
        }
        if let Some(p) = &leads.out {
            crate::leads_out::export(&found, p)?;
        }
        n_leads = Some(found.len());
    }
    if let Some(path) = evacuations {
        let mut w = BufWriter::new(std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?);
        for e in &result.evacuations {
            serde_json::to_writer(&mut w, e)?;
            writeln!(w)?;
        }
        w.flush()?;
    }
    if !quiet {
        eprintln!("minesafe check: {}", result.summary);
        if ignored > 0 {
            eprintln!("minesafe check: {ignored} files are not uploads (*.txt) and were not read");
        }
        eprintln!("minesafe check: {} findings", result.findings.len());
        if let Some(n) = n_leads {
            eprintln!("minesafe check: {n} leads");
        }
    }
    Ok(0)
}
