//! A deterministic simulator of a region of coal mines that writes the real
//! national upload formats, with injectable violations and their ground truth.
//!
//! Each simulated mine has a layout (panels 采区, longwall faces 综采工作面, heading
//! faces 掘进工作面, main and panel returns), 100–150 monitoring points with declared
//! thresholds that comply with the regulations, positioning areas and stations, and
//! a workforce on the 三八制 (three eight-hour shifts) schedule. [`simulate`] walks
//! the clock and hands every upload file — CDDY, RYQY, RYJZ, RYXX daily (and CDDY
//! again when an injection changes a definition); CDSS every `cdss_interval_secs`;
//! FZSS (substation state) every 5 min; RYSS every `ryss_interval_secs`; YCBJ (the
//! mine's abnormal-event record) 10–25 min after each injected over-limit event —
//! to a sink in delivery order, which is time order except for the files an
//! [`InjectionKind::LateBackfill`] holds back ([`simulate_files`] marks them `late`).
//!
//! Normal variation never crosses a regulation limit or a declared alarm, so every
//! finding on the output is caused by an [`Injection`]; each injection produces one
//! [`TruthLine`] whose start and end are the first and last snapshot in which its
//! trace is visible in the files (for a missing file or point: the first and last
//! snapshot it is missing from). A `late_backfill` line describes a delay in
//! delivery only ([`TruthLine::delivery_order_only`]): a batch run over every file
//! sees no gap.
//!
//! Determinism: every mine draws from its own `ChaCha8Rng` streams derived from
//! (seed, mine index, purpose), so the same seed gives byte-identical output and a
//! mine's normal data does not depend on the other mines or on the injections.
//! This crate does no I/O except in [`write_to_dir`] and [`bulk::write_cdss`].

mod abnormal;
pub mod bulk;
mod inject;
mod layout;
mod monitor;
pub mod ops;
pub mod ops_csv;
mod people;
pub mod year;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use minesafe_formats::FileName;
use minesafe_model::{Registry, Timestamp};
use serde::{Deserialize, Serialize};

pub use inject::{Injection, InjectionKind, ParseInjectionError};

/// Most mines a region can have: 99 fictional counties 999901–999999 of three mines each.
pub const MAX_MINES: usize = 297;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;
/// Cadence of FZSS (分站实时数据) files.
pub(crate) const FZSS_INTERVAL: i64 = 300;

/// What to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// Number of mines (1–[`MAX_MINES`]).
    pub mines: usize,
    /// Simulated days (1–366).
    pub days: u32,
    pub seed: u64,
    /// First instant simulated.
    pub start: Timestamp,
    /// Cadence of CDSS snapshots (测点实时数据).
    pub cdss_interval_secs: u32,
    /// Cadence of RYSS snapshots (人员实时信息).
    pub ryss_interval_secs: u32,
    /// Violations to inject; [`Injection::standard_set`] by default, empty for none.
    pub injections: Vec<Injection>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            mines: 6,
            days: 2,
            seed: 1,
            start: Timestamp::from_beijing(2026, 11, 25, 0, 0, 0).unwrap_or_default(),
            cdss_interval_secs: 60,
            ryss_interval_secs: 300,
            injections: Injection::standard_set(),
        }
    }
}

impl SimConfig {
    /// The end of the simulated period (exclusive).
    pub fn end(&self) -> Timestamp {
        self.start.plus_secs(self.days as i64 * DAY)
    }

    fn validate(&self) -> Result<(), SimError> {
        let bad = |m: String| Err(SimError::Config(m));
        if !(1..=MAX_MINES).contains(&self.mines) {
            return bad(format!("mines must be 1–{MAX_MINES}, got {}", self.mines));
        }
        if !(1..=366).contains(&self.days) {
            return bad(format!("days must be 1–366, got {}", self.days));
        }
        if !(1..=3600).contains(&self.cdss_interval_secs) || !(1..=3600).contains(&self.ryss_interval_secs) {
            return bad(format!(
                "snapshot intervals must be 1–3600 s, got CDSS {} s and RYSS {} s",
                self.cdss_interval_secs, self.ryss_interval_secs
            ));
        }
        for i in &self.injections {
            if let Some(m) = i.mine {
                if m >= self.mines {
                    return bad(format!("injection {} targets mine #{} but only {} mines are simulated", i.kind, m + 1, self.mines));
                }
            }
        }
        Ok(())
    }
}

/// Why a simulation failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid simulator configuration: {0}")]
    Config(String),
    #[error("writing simulator output: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("serialising simulator output: {0}")]
    Json(#[from] serde_json::Error),
}

/// One injected violation (interfaces.md "Simulator ground truth").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TruthLine {
    /// Injection kind, snake case (`methane_no_cut`, …).
    pub kind: String,
    /// 12-digit mine code.
    pub mine: String,
    /// Rule IDs a correct evaluation reports for it (any one counts).
    pub rules: Vec<String>,
    /// First snapshot in which the violation is visible.
    pub start: Timestamp,
    /// Last snapshot in which it is visible.
    pub end: Timestamp,
    /// Location text of the point, or the area name.
    pub place: String,
}

impl TruthLine {
    /// Whether only a consumer that sees the files in delivery order can see the
    /// violation (a `late_backfill`: its files come late, but a batch run over
    /// every file sees no gap). Batch recall should leave these lines out.
    pub fn delivery_order_only(&self) -> bool {
        InjectionKind::parse(&self.kind).is_some_and(InjectionKind::delivery_order_only)
    }
}

/// One file as the simulator delivers it.
#[derive(Clone, Copy, Debug)]
pub struct SimFile<'a> {
    /// Upload file name, `<mine>_<FAMILY>_<yyyyMMddHHmmss>.txt`.
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// Delivered after files with later times (a late backfill); [`write_to_dir`] puts it under `<mine>/late/`.
    pub late: bool,
}

/// What a simulation produced besides the files.
#[derive(Clone, Debug)]
pub struct SimOutput {
    /// Injected violations, ordered by start time.
    pub truth: Vec<TruthLine>,
    /// The mines' master data.
    pub registry: Registry,
    pub files: usize,
    /// Records written (headers not counted).
    pub records: u64,
    pub bytes: u64,
}

/// Counts what went through the sink.
pub(crate) struct Counter<'s> {
    pub sink: &'s mut dyn FnMut(&SimFile<'_>) -> std::io::Result<()>,
    pub files: usize,
    pub records: u64,
    pub bytes: u64,
}

impl Counter<'_> {
    pub fn emit(&mut self, kind: &str, mine: &str, time: Timestamp, body: &str, records: usize) -> Result<(), SimError> {
        self.deliver(&FileName::format(mine, kind, time), body, records, false)
    }

    pub fn deliver(&mut self, name: &str, body: &str, records: usize, late: bool) -> Result<(), SimError> {
        (self.sink)(&SimFile { name, bytes: body.as_bytes(), late })?;
        self.files += 1;
        self.records += records as u64;
        self.bytes += body.len() as u64;
        Ok(())
    }
}

/// Greatest common divisor.
pub(crate) fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

/// Simulates the region and hands every file (name, bytes) to `sink` in delivery order.
pub fn simulate(cfg: &SimConfig, sink: &mut dyn FnMut(&str, &[u8]) -> std::io::Result<()>) -> Result<SimOutput, SimError> {
    simulate_files(cfg, &mut |f| sink(f.name, f.bytes))
}

/// Simulates the region and hands every file to `sink` in delivery order, saying
/// which files come late.
pub fn simulate_files(cfg: &SimConfig, sink: &mut dyn FnMut(&SimFile<'_>) -> std::io::Result<()>) -> Result<SimOutput, SimError> {
    cfg.validate()?;
    let assigned = inject::assign(cfg);
    let mut mines = Vec::with_capacity(cfg.mines);
    for (index, kinds) in assigned.iter().enumerate() {
        let mut model = layout::MineModel::build(cfg.seed, index)?;
        let plan = inject::plan(cfg, &mut model, kinds)?;
        mines.push(MineRun::new(cfg, model, plan));
    }
    let mut out = Counter { sink, files: 0, records: 0, bytes: 0 };
    let (start, end) = (cfg.start, cfg.end());
    let cdss = cfg.cdss_interval_secs as i64;
    let ryss = cfg.ryss_interval_secs as i64;
    let step = gcd(gcd(gcd(cdss, ryss), FZSS_INTERVAL), DAY);
    let mut t = start;
    while t < end {
        let off = t.secs_since(start);
        for run in &mut mines {
            if off % DAY == 0 {
                run.master_files(t, &mut out)?;
            }
            if off % cdss == 0 {
                run.cdss(t, &mut out)?;
            }
            if off % FZSS_INTERVAL == 0 {
                run.fzss(t, &mut out)?;
            }
            if off % ryss == 0 {
                run.ryss(t, &mut out)?;
            }
            run.release(t, &mut out)?;
        }
        t = t.plus_secs(step);
    }
    for run in &mut mines {
        run.release(Timestamp(i64::MAX), &mut out)?;
    }
    let mut truth = Vec::new();
    let mut registry = Registry::default();
    for run in mines {
        truth.extend(run.plan.truth(&run.model.code));
        registry.mines.push(run.model.info);
    }
    truth.sort_by(|a, b| (a.start, &a.mine, &a.kind).cmp(&(b.start, &b.mine, &b.kind)));
    Ok(SimOutput { truth, registry, files: out.files, records: out.records, bytes: out.bytes })
}

/// One mine while the clock runs.
struct MineRun {
    model: layout::MineModel,
    plan: inject::Plan,
    monitor: monitor::Monitor,
    people: people::Tracker,
    recorder: abnormal::Recorder,
    /// Redefinitions already uploaded.
    redefined: usize,
    /// Files held back by a late backfill: (release, name, text, records).
    held: Vec<(Timestamp, String, String, usize)>,
}

impl MineRun {
    fn new(cfg: &SimConfig, mut model: layout::MineModel, plan: inject::Plan) -> Self {
        for &p in &plan.lax_points {
            model.points[p].def.thresholds.cut_high = Some(inject::LAX_CUT);
        }
        let monitor = monitor::Monitor::new(cfg.seed, &model, cfg.cdss_interval_secs as i64);
        let people = people::Tracker::new(cfg.seed, layout::MineModel::day_start(cfg.start, 0));
        let recorder = abnormal::Recorder::new(&model, &plan);
        MineRun { model, plan, monitor, people, recorder, redefined: 0, held: Vec::new() }
    }

    fn master_files(&mut self, t: Timestamp, out: &mut Counter<'_>) -> Result<(), SimError> {
        let (body, n) = self.model.cddy(t);
        out.emit("CDDY", &self.model.code, t, &body, n)?;
        self.plan.saw_cddy(t, false);
        let (body, n) = self.model.ryqy(t);
        out.emit("RYQY", &self.model.code, t, &body, n)?;
        let (body, n) = self.model.ryjz(t);
        out.emit("RYJZ", &self.model.code, t, &body, n)?;
        let (body, n) = self.model.ryxx(t);
        out.emit("RYXX", &self.model.code, t, &body, n)?;
        Ok(())
    }

    fn cdss(&mut self, t: Timestamp, out: &mut Counter<'_>) -> Result<(), SimError> {
        // A definition changed by an injection goes out in its own CDDY before the next snapshot.
        let mut changed = false;
        while let Some(r) = self.plan.redefinitions.get(self.redefined).filter(|r| r.at <= t).copied() {
            self.model.points[r.point].def.thresholds = r.thresholds;
            self.redefined += 1;
            changed = true;
        }
        if changed {
            let (body, n) = self.model.cddy(t);
            out.emit("CDDY", &self.model.code, t, &body, n)?;
            self.plan.saw_cddy(t, true);
        }
        self.monitor.step(&self.model, &self.plan, t);
        self.recorder.observe(&self.model, &self.plan, &self.monitor, t);
        match self.plan.outage_at(t).copied() {
            None => {
                self.plan.observe_cdss(t, &self.monitor);
                let (body, n) = self.monitor.write_snapshot(&self.model, &self.plan, t);
                out.emit("CDSS", &self.model.code, t, &body, n)?;
                if let Some((body, n)) = self.recorder.file(&self.model, t) {
                    out.emit("YCBJ", &self.model.code, t, &body, n)?;
                }
            }
            Some(o) => {
                self.plan.saw_outage(t);
                if let Some(release) = o.release {
                    let (body, n) = self.monitor.write_snapshot(&self.model, &self.plan, t);
                    self.held.push((release, FileName::format(&self.model.code, "CDSS", t), body, n));
                }
            }
        }
        Ok(())
    }

    fn fzss(&mut self, t: Timestamp, out: &mut Counter<'_>) -> Result<(), SimError> {
        let (body, n) = self.model.fzss(t);
        match self.plan.outage_at(t).map(|o| o.release) {
            None => out.emit("FZSS", &self.model.code, t, &body, n),
            Some(Some(release)) => {
                self.held.push((release, FileName::format(&self.model.code, "FZSS", t), body, n));
                Ok(())
            }
            Some(None) => Ok(()),
        }
    }

    /// Delivers the held-back files whose release time has come, in their time order.
    fn release(&mut self, t: Timestamp, out: &mut Counter<'_>) -> Result<(), SimError> {
        if self.held.first().is_some_and(|h| h.0 <= t) {
            for (_, name, body, n) in std::mem::take(&mut self.held) {
                out.deliver(&name, &body, n, true)?;
            }
        }
        Ok(())
    }

    fn ryss(&mut self, t: Timestamp, out: &mut Counter<'_>) -> Result<(), SimError> {
        let (recs, body) = self.people.snapshot(&self.model, &self.plan, t);
        self.plan.observe_ryss(t, &recs);
        out.emit("RYSS", &self.model.code, t, &body, recs.len())
    }
}

/// The sub-directory a file belongs in: `rydw` (人员定位) for positioning files, `aqjk` (安全监控) otherwise.
fn subdir(name: &str) -> &'static str {
    match name.split('_').nth(1) {
        Some(k) if k.starts_with("RY") || k == "JZSS" => "rydw",
        _ => "aqjk",
    }
}

/// Simulates into `dir`: uploads under `dir/<mine code>/{aqjk,rydw}/`, the files
/// of a late backfill under `dir/<mine code>/late/` (so that a streaming test can
/// deliver them after later files), plus `dir/truth.jsonl` (one [`TruthLine`] a
/// line) and `dir/registry.json`.
pub fn write_to_dir(cfg: &SimConfig, dir: &Path) -> Result<SimOutput, SimError> {
    let mut made: BTreeSet<PathBuf> = BTreeSet::new();
    let mut sink = |f: &SimFile<'_>| -> std::io::Result<()> {
        let mine = f.name.split('_').next().unwrap_or("unknown");
        let sub = dir.join(mine).join(if f.late { "late" } else { subdir(f.name) });
        if !made.contains(&sub) {
            std::fs::create_dir_all(&sub)?;
            made.insert(sub.clone());
        }
        std::fs::write(sub.join(f.name), f.bytes)
    };
    std::fs::create_dir_all(dir).map_err(|source| SimError::File { path: dir.to_path_buf(), source })?;
    let out = simulate_files(cfg, &mut sink)?;
    let mut truth = String::new();
    for t in &out.truth {
        truth.push_str(&serde_json::to_string(t)?);
        truth.push('\n');
    }
    let path = dir.join("truth.jsonl");
    std::fs::write(&path, truth).map_err(|source| SimError::File { path, source })?;
    let path = dir.join("registry.json");
    std::fs::write(&path, serde_json::to_string_pretty(&out.registry)?).map_err(|source| SimError::File { path, source })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdirs_by_family() {
        assert_eq!(subdir("999901000001_RYSS_20261125000000.txt"), "rydw");
        assert_eq!(subdir("999901000001_JZSS_20261125000000.txt"), "rydw");
        assert_eq!(subdir("999901000001_CDSS_20261125000000.txt"), "aqjk");
    }

    #[test]
    fn config_is_checked() {
        let bad = SimConfig { mines: 0, ..SimConfig::default() };
        assert!(matches!(simulate(&bad, &mut |_, _| Ok(())), Err(SimError::Config(_))));
        let bad = SimConfig { injections: vec![Injection { kind: InjectionKind::Sos, mine: Some(9) }], ..SimConfig::default() };
        assert!(matches!(simulate(&bad, &mut |_, _| Ok(())), Err(SimError::Config(_))));
    }
}
