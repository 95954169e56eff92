//! `minesafe report`: the day (or one shift) of a mine for its safety chief and
//! the regulator — over-limit events and their durations per point, how complete
//! the uploads were, and every alarm with how fast it was acknowledged and closed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use minesafe_alarms::Alarm;
use minesafe_model::time::human_duration;
use minesafe_model::{Finding, Severity, Timestamp};
use minesafe_store::{AlarmFilter, FindingFilter, Store};

use crate::alarm_desk::load_book;

/// Expected snapshot interval when fewer than two uploads exist to measure it.
const DEFAULT_CYCLE_SECS: i64 = 60;

#[derive(clap::Args, Clone, Debug)]
pub struct ReportArgs {
    pub mine: String,
    /// Beijing calendar day, `yyyy-MM-dd`.
    #[arg(long)]
    pub day: String,
    /// Only this shift of the registry's schedule (by name), for the shift's safety chief.
    #[arg(long)]
    pub shift: Option<String>,
    #[arg(long, default_value = "minesafe.db")]
    pub db: std::path::PathBuf,
    /// Mine registry (for the shift schedule).
    #[arg(long)]
    pub registry: Option<std::path::PathBuf>,
}

/// Over-limit figures of one point.
#[derive(Default)]
struct PointLine {
    events: usize,
    secs: i64,
    peak: Option<f64>,
    rules: Vec<String>,
}

fn clip(f: &Finding, from: Timestamp, to: Timestamp) -> i64 {
    let s = f.start.max(from);
    let e = f.end.unwrap_or(to).min(to);
    e.secs_since(s).max(0)
}

/// Share of expected snapshots received: the cycle is the median gap between the
/// mine's own uploads (mines poll at 10–60 s), the span the requested period.
fn completeness(times: &[Timestamp], from: Timestamp, to: Timestamp) -> (f64, i64, usize) {
    let mut gaps: Vec<i64> = times.windows(2).map(|w| w[1].secs_since(w[0])).filter(|g| *g > 0).collect();
    gaps.sort_unstable();
    let cycle = gaps.get(gaps.len() / 2).copied().unwrap_or(DEFAULT_CYCLE_SECS).max(1);
    let expected = (to.secs_since(from) / cycle).max(1);
    ((times.len() as f64 / expected as f64).min(1.0), cycle, times.len())
}

pub fn run(args: &ReportArgs) -> Result<i32> {
    anyhow::ensure!(args.db.exists(), "no store at {}", args.db.display());
    let store = crate::ingest::open_store(&args.db)?;
    let day = Timestamp::parse_beijing(&format!("{} 00:00:00", args.day)).with_context(|| format!("--day {}", args.day))?;
    let (from, to, label) = match &args.shift {
        None => (day, day.plus_secs(86_400), format!("day {}", args.day)),
        Some(name) => shift_span(args.registry.as_deref(), &args.mine, name, day)?,
    };
    let findings =
        store.findings(&FindingFilter { mine: Some(args.mine.clone()), from: Some(from), to: Some(to), ..Default::default() })?;
    let book = load_book(&store, &AlarmFilter { mine: Some(args.mine.clone()), ..Default::default() })?;
    let alarms: Vec<&Alarm> = book.alarms().iter().filter(|a| a.raised_at < to && a.last_at() >= from).collect();
    let cdss = store.upload_times(&args.mine, "CDSS", from, to)?;
    let ryss = store.upload_times(&args.mine, "RYSS", from, to)?;

    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    writeln!(w, "minesafe report — mine {}, {label} ({from} – {to})", args.mine)?;
    writeln!(w)?;
    writeln!(w, "Upload completeness")?;
    for (name, times) in [("safety monitoring (CDSS)", &cdss), ("personnel positioning (RYSS)", &ryss)] {
        let (share, cycle, n) = completeness(times, from, to);
        writeln!(w, "  {name:<30} {n:>6} snapshots, cycle {cycle} s, {:.1} % of expected", share * 100.0)?;
    }
    writeln!(w)?;
    writeln!(w, "Over-limit and other findings per point (alarm level and above)")?;
    let mut per_point: BTreeMap<String, PointLine> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.severity >= Severity::Alarm) {
        let point = f.evidence.first().and_then(|e| e.point.clone()).unwrap_or_default();
        let key = format!("{} {}", f.place.clone().unwrap_or_default(), point).trim().to_string();
        let line = per_point.entry(key).or_default();
        line.events += 1;
        line.secs += clip(f, from, to);
        line.peak = match (line.peak, f.peak) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if !line.rules.contains(&f.rule) {
            line.rules.push(f.rule.clone());
        }
    }
    if per_point.is_empty() {
        writeln!(w, "  none")?;
    }
    for (place, l) in &per_point {
        let peak = l.peak.map(|p| format!(", peak {p}")).unwrap_or_default();
        writeln!(w, "  {place:<40} {:>3} events, {}{peak}  ({})", l.events, human_duration(l.secs), l.rules.join(", "))?;
    }
    writeln!(w)?;
    writeln!(w, "Alarms (叫应 / 回应)")?;
    if alarms.is_empty() {
        writeln!(w, "  none")?;
    }
    for a in &alarms {
        let ack = a.ack_secs().map(human_duration).unwrap_or_else(|| "not acknowledged".into());
        let close = a.close_secs().map(human_duration).unwrap_or_else(|| "not closed".into());
        let mut flags = String::new();
        if a.late {
            flags.push_str(" [late: back-filled]");
        }
        if a.inhibited_by.is_some() {
            flags.push_str(" [inhibited by an outage]");
        }
        writeln!(
            w,
            "  {} {} {:<10} {:<16} acknowledged after {ack}; closed after {close}{flags}",
            a.raised_at,
            a.id,
            a.rule,
            a.state.id()
        )?;
    }
    let unanswered = alarms.iter().filter(|a| a.ack_secs().is_none() && !a.late && a.inhibited_by.is_none()).count();
    writeln!(w)?;
    writeln!(w, "{} findings, {} alarms, {unanswered} never acknowledged", findings.len(), alarms.len())?;
    Ok(0)
}

/// The span of a named shift on `day` from the registry (a night shift may end the next day).
fn shift_span(registry: Option<&Path>, mine: &str, name: &str, day: Timestamp) -> Result<(Timestamp, Timestamp, String)> {
    let reg = crate::batch::load_registry(registry)?;
    let info = reg.mine(mine).with_context(|| format!("mine {mine} is not in the registry (needed for --shift)"))?;
    let s = info.shifts.iter().find(|s| s.name == name).with_context(|| {
        let names: Vec<_> = info.shifts.iter().map(|s| s.name.as_str()).collect();
        format!("mine {mine} has no shift {name:?}; its shifts: {}", names.join(", "))
    })?;
    let secs = |hhmm: &str| -> Result<i64> {
        let (h, m) = hhmm.split_once(':').with_context(|| format!("shift time {hhmm:?} is not HH:MM"))?;
        Ok(h.trim().parse::<i64>()? * 3600 + m.trim().parse::<i64>()? * 60)
    };
    let (a, b) = (secs(&s.start)?, secs(&s.end)?);
    let from = day.plus_secs(a);
    let to = if b > a { day.plus_secs(b) } else { day.plus_secs(86_400 + b) };
    Ok((from, to, format!("shift {name}")))
}
