//! `minesafe serve --watch DIR`: the live door. Uploads are evaluated as they land
//! in the watched folder, in event time per mine; findings go to standard output
//! (JSON lines) the moment the engine computes them, and to the store with the
//! next group commit (about once a second). A file counts as consumed only once
//! that commit holds its records; restarting re-reads the folder and skips what the
//! store already has (uploads are idempotent by SHA-256).
//!
//! Two clocks (design.md): rules over data run in event time; clock-driven rules
//! (uploads that stop, alarm deadlines) run on the clock chosen by `--clock` — the
//! wall clock in production, or the watermark (newest upload time seen) to replay
//! recorded uploads and to test that streaming gives what batch `check` gives.

use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use minesafe_engine::{order, EngineConfig, Outcome};
use minesafe_model::{Finding, Timestamp};
use notify::Watcher;

use crate::batch::{self, ParseArgs};
use crate::pipeline::Pipeline;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ClockKind {
    /// The system clock (production).
    Wall,
    /// The newest upload time seen across all mines (replays, tests).
    Watermark,
}

#[derive(clap::Args, Clone, Debug)]
pub struct ServeArgs {
    /// Folder the mines' uploads land in; watched recursively.
    #[arg(long)]
    pub watch: PathBuf,
    #[arg(long, default_value = "minesafe.db")]
    pub db: PathBuf,
    /// Mine registry (JSON or TOML).
    #[arg(long)]
    pub registry: Option<PathBuf>,
    /// Regulators file (offices and their duty contacts) for alarm escalation.
    #[arg(long)]
    pub regulators: Option<PathBuf>,
    /// Alarm policy (TOML): deadlines per severity, escalation chain.
    #[arg(long)]
    pub alarm_policy: Option<PathBuf>,
    /// The clock of clock-driven rules and alarm deadlines.
    #[arg(long, value_enum, default_value_t = ClockKind::Wall)]
    pub clock: ClockKind,
    /// Group commit interval in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub commit_ms: u64,
    /// Full rescan of the folder every so many seconds (events can be missed on
    /// network file systems or when the kernel queue overflows).
    #[arg(long, default_value_t = 10)]
    pub rescan_secs: u64,
    /// Where alarm notifications go: `log` (standard error) and/or `webhook=URL`
    /// (HTTP POST of the notification as JSON). Repeatable.
    #[arg(long, default_values_t = vec!["log".to_string()])]
    pub notify: Vec<String>,
    /// Exit after this many seconds without a new file (replays and tests).
    #[arg(long)]
    pub idle_exit_secs: Option<f64>,
    /// Also print `{"committed": [...]}` lines naming the files each commit consumed.
    #[arg(long)]
    pub report_commits: bool,
    #[command(flatten)]
    pub parse: ParseArgs,
}

/// Files seen and not yet consumed, by path: how far each got.
#[derive(Default)]
struct Inbox {
    /// Paths to try.
    queue: BTreeSet<PathBuf>,
    /// (path, length, mtime) already taken: a rescan does not re-read them.
    done: HashSet<(PathBuf, u64, SystemTime)>,
}

fn file_key(path: &Path) -> Option<(PathBuf, u64, SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((path.to_path_buf(), m.len(), m.modified().ok()?))
}

fn is_upload(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    !name.starts_with('.') && (name.ends_with(".txt") || name.ends_with(".TXT"))
}

pub fn run(args: &ServeArgs, quiet: bool) -> Result<i32> {
    let registry = batch::load_registry(args.registry.as_deref())?;
    std::fs::create_dir_all(&args.watch).with_context(|| format!("cannot create {}", args.watch.display()))?;
    let store = crate::ingest::open_store(&args.db)?;
    let cfg = EngineConfig { announce: true, ..Default::default() };
    let mut pipe = Pipeline::new(store, registry.clone(), args.parse.options(), cfg);
    let mut desk =
        crate::alarm_desk::AlarmDesk::new(&registry, args.regulators.as_deref(), args.alarm_policy.as_deref(), &args.notify, quiet)?;

    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    // Without kernel events (inotify limits, some network file systems) the folder
    // is rescanned every second instead: slower to notice, nothing missed.
    let watcher = notify::recommended_watcher(tx).and_then(|mut w| w.watch(&args.watch, notify::RecursiveMode::Recursive).map(|_| w));
    let (_watcher, rescan_secs) = match watcher {
        Ok(w) => (Some(w), args.rescan_secs),
        Err(e) => {
            eprintln!("minesafe serve: no file events for {} ({e}); rescanning every second", args.watch.display());
            (None, 1)
        }
    };
    if !quiet {
        eprintln!("minesafe serve: watching {} (clock: {:?}), store {}", args.watch.display(), args.clock, args.db.display());
    }

    let mut inbox = Inbox::default();
    rescan(&args.watch, &mut inbox)?;
    let stdout = std::io::stdout();
    let commit_every = Duration::from_millis(args.commit_ms.max(10));
    let rescan_every = Duration::from_secs(rescan_secs.max(1));
    let mut last_commit = Instant::now();
    let mut last_rescan = Instant::now();
    let mut last_tick = Instant::now() - Duration::from_secs(2);
    let mut last_file = Instant::now();
    let mut consumed: Vec<String> = Vec::new();
    let mut fresh: Vec<Finding> = Vec::new();
    // Watermark clock: the instants the engine and the alarm desk last saw.
    let mut wm_engine: Option<Timestamp> = None;
    let mut wm_desk: Option<Timestamp> = None;
    loop {
        // Wait for an event, but not past the next commit, and not at all with work queued.
        let wait = if inbox.queue.is_empty() {
            commit_every.saturating_sub(last_commit.elapsed()).max(Duration::from_millis(1))
        } else {
            Duration::ZERO
        };
        match rx.recv_timeout(wait) {
            Ok(ev) => take_event(ev, &mut inbox),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // No watcher (polling mode): wait out the interval instead.
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
        while let Ok(ev) = rx.try_recv() {
            take_event(ev, &mut inbox);
        }
        if last_rescan.elapsed() >= rescan_every {
            rescan(&args.watch, &mut inbox)?;
            last_rescan = Instant::now();
        }

        // Files in event-time order (definitions first), as batch `check` orders them;
        // a flood is taken in slices so commits stay about `commit_ms` apart.
        let mut ready: Vec<(PathBuf, String)> =
            inbox.queue.iter().filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(|n| (p.clone(), n.to_string()))).collect();
        ready.sort_by_cached_key(|(_, n)| order::sort_key(n));
        for (path, name) in ready {
            if last_commit.elapsed() >= commit_every {
                break;
            }
            inbox.queue.remove(&path);
            let Some(key) = file_key(&path) else { continue };
            if inbox.done.contains(&key) {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let mine = batch::mine_of(&name);
            if args.clock == ClockKind::Watermark {
                if let Some(now) = pipe.engine.newest_seen() {
                    pipe.tick_mine(&mine, now, &mut fresh);
                }
            }
            let report = pipe.offer(&path, &name, &bytes, None, Some(&mut desk), &mut fresh)?;
            if report.outcome == Outcome::Incomplete {
                // Still being written: the next change event (or rescan) brings it back.
                continue;
            }
            inbox.done.insert(key);
            last_file = Instant::now();
            if report.outcome != Outcome::Accepted && report.outcome != Outcome::Duplicate || !report.record_errors.is_empty() {
                for line in report.problem_lines(&path.display().to_string()) {
                    eprintln!("minesafe: {line}");
                }
            }
            consumed.push(name);
            emit(&stdout, &mut fresh, &mut desk)?;
            if args.clock == ClockKind::Watermark {
                // Replays follow the data: every mine's clock-driven rules and the alarm
                // deadlines see the watermark as it moves, not only once a second.
                let wm = pipe.engine.newest_seen();
                if let Some(now) = wm.filter(|w| wm_engine.is_none_or(|e| w.secs_since(e) >= ENGINE_TICK_SECS)) {
                    pipe.tick(now, &mut fresh);
                    emit(&stdout, &mut fresh, &mut desk)?;
                    wm_engine = Some(now);
                }
                if let Some(now) = wm.filter(|w| wm_desk.is_none_or(|d| *w > d)) {
                    print_findings(&stdout, &desk.sync(&mut pipe.store, now)?)?;
                    wm_desk = Some(now);
                }
            }
        }

        let now = match args.clock {
            ClockKind::Wall => Some(crate::clock::wall_now()),
            ClockKind::Watermark => pipe.engine.newest_seen(),
        };
        if last_tick.elapsed() >= Duration::from_secs(1) {
            if let Some(now) = now {
                pipe.tick(now, &mut fresh);
                emit(&stdout, &mut fresh, &mut desk)?;
            }
            last_tick = Instant::now();
        }
        if last_commit.elapsed() >= commit_every {
            if let Some(now) = now {
                print_findings(&stdout, &desk.sync(&mut pipe.store, now)?)?;
            }
            pipe.commit()?;
            if args.report_commits && !consumed.is_empty() {
                let mut w = stdout.lock();
                serde_json::to_writer(&mut w, &serde_json::json!({ "committed": consumed }))?;
                writeln!(w)?;
                w.flush()?;
            }
            consumed.clear();
            last_commit = Instant::now();
        }
        if args.idle_exit_secs.is_some_and(|s| last_file.elapsed().as_secs_f64() >= s) && inbox.queue.is_empty() {
            // End of a replay: events still open are reported as batch `check` reports them.
            if let Some(now) = now {
                pipe.finish(now, &mut fresh)?;
                emit(&stdout, &mut fresh, &mut desk)?;
                print_findings(&stdout, &desk.sync(&mut pipe.store, now)?)?;
            }
            pipe.commit()?;
            if !quiet {
                eprintln!("minesafe serve: idle for {:?}; stopping", args.idle_exit_secs.unwrap_or_default());
            }
            return Ok(0);
        }
    }
}

/// With the watermark clock, the engine's clock-driven rules are ticked at least
/// this often in event time (a minute: the shortest upload cycle they judge).
const ENGINE_TICK_SECS: i64 = 60;

fn print_findings(stdout: &std::io::Stdout, findings: &[Finding]) -> Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let mut w = stdout.lock();
    for f in findings {
        serde_json::to_writer(&mut w, f)?;
        writeln!(w)?;
    }
    w.flush()?;
    Ok(())
}

/// Prints new findings as JSON lines at once and hands them to the alarm desk.
fn emit(stdout: &std::io::Stdout, fresh: &mut Vec<Finding>, desk: &mut crate::alarm_desk::AlarmDesk) -> Result<()> {
    print_findings(stdout, fresh)?;
    desk.queue(fresh.drain(..));
    Ok(())
}

fn take_event(ev: notify::Result<notify::Event>, inbox: &mut Inbox) {
    let Ok(ev) = ev else { return };
    if matches!(ev.kind, notify::EventKind::Remove(_) | notify::EventKind::Access(notify::event::AccessKind::Open(_))) {
        return;
    }
    for p in ev.paths {
        if is_upload(&p) {
            inbox.queue.insert(p);
        }
    }
}

fn rescan(dir: &Path, inbox: &mut Inbox) -> Result<()> {
    let (files, _) = batch::collect(&[dir.to_path_buf()])?;
    for f in files {
        if file_key(&f.path).is_some_and(|k| !inbox.done.contains(&k)) {
            inbox.queue.insert(f.path);
        }
    }
    Ok(())
}
