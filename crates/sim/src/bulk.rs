//! Bulk CDSS generation for benchmarks: many snapshot files of normal data, fast.
//!
//! The mines are the simulator's mines without injections or positioning files:
//! one CDDY per mine, then CDSS snapshots round-robin over the mines in time order.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use minesafe_model::ValueKind;

use crate::inject::Plan;
use crate::layout::{MineModel, SimPoint};
use crate::monitor::Monitor;
use crate::{Counter, SimConfig, SimError};

/// Mines of [`write_cdss`].
pub const BULK_MINES: usize = 20;
/// Points a mine of [`write_cdss`].
pub const BULK_POINTS: usize = 130;

/// What a bulk run wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkOutput {
    pub files: usize,
    pub mines: usize,
    /// CDSS records written (CDDY records not counted).
    pub records: u64,
    pub bytes: u64,
}

/// Gives the mine exactly `n` points or more, copying its points under new codes.
fn widen(model: &mut MineModel, n: usize) {
    let base = model.points.len();
    let mut k = 0;
    while model.points.len() < n {
        let src = &model.points[k % base];
        let kind = match src.def.kind {
            ValueKind::Analog => "MN",
            ValueKind::Binary => "KG",
            ValueKind::Accumulator => "LJ",
            ValueKind::MultiState => "DT",
        };
        let mut def = src.def.clone();
        def.code = format!("{}01{kind}{:04}{:05}", model.code, def.sensor_type.0, 50_000 + k);
        def.location = format!("{}-{}", def.location, k / base + 2);
        def.relations.clear();
        let copy = SimPoint {
            def,
            name: src.name,
            model: src.model,
            face: src.face,
            panel: src.panel,
            class: src.class,
            cuts: vec![],
            decimals: src.decimals,
        };
        model.points.push(copy);
        k += 1;
    }
}

/// Writes `snapshots` CDSS files of `points_per_mine` records for each of `cfg.mines`
/// mines (after one CDDY per mine), every `cfg.cdss_interval_secs` from `cfg.start`.
/// Injections in `cfg` are ignored.
pub fn cdss_bulk(
    cfg: &SimConfig,
    points_per_mine: usize,
    snapshots: usize,
    sink: &mut dyn FnMut(&str, &[u8]) -> std::io::Result<()>,
) -> Result<BulkOutput, SimError> {
    let budget = (snapshots as u64).saturating_mul(cfg.mines as u64).saturating_mul(points_per_mine as u64);
    generate(cfg, points_per_mine, budget, sink)
}

fn generate(
    cfg: &SimConfig,
    points: usize,
    budget: u64,
    sink: &mut dyn FnMut(&str, &[u8]) -> std::io::Result<()>,
) -> Result<BulkOutput, SimError> {
    let cfg = SimConfig { injections: vec![], ..cfg.clone() };
    cfg.validate()?;
    if points == 0 {
        return Err(SimError::Config("points per mine must be at least 1".into()));
    }
    let plan = Plan::default();
    let mut mines = Vec::with_capacity(cfg.mines);
    for index in 0..cfg.mines {
        let mut model = MineModel::build(cfg.seed, index)?;
        widen(&mut model, points);
        let monitor = Monitor::new(cfg.seed, &model, cfg.cdss_interval_secs as i64);
        mines.push((model, monitor));
    }
    let mut sink = |f: &crate::SimFile<'_>| sink(f.name, f.bytes);
    let mut out = Counter { sink: &mut sink, files: 0, records: 0, bytes: 0 };
    for (model, _) in &mut mines {
        let (body, _) = model.cddy(cfg.start);
        // The definitions are not counted as records: the budget is CDSS records.
        out.deliver(&minesafe_formats::FileName::format(&model.code, "CDDY", cfg.start), &body, 0, false)?;
    }
    let mut remaining = budget;
    let mut t = cfg.start;
    while remaining > 0 {
        for (model, monitor) in &mut mines {
            if remaining == 0 {
                break;
            }
            let n = points.min(remaining as usize);
            monitor.step(model, &plan, t);
            let body = monitor.write(model, t, n);
            out.emit("CDSS", &model.code, t, &body, n)?;
            remaining -= n as u64;
        }
        t = t.plus_secs(cfg.cdss_interval_secs as i64);
    }
    Ok(BulkOutput { files: out.files, mines: cfg.mines, records: out.records, bytes: out.bytes })
}

/// Writes exactly `records` CDSS records into `dir/<mine code>/aqjk/` for the
/// benchmark: [`BULK_MINES`] mines of [`BULK_POINTS`] points, one-minute snapshots
/// from the default start (the last round may stop part-way, and its last file may
/// hold fewer points), plus one CDDY per mine.
pub fn write_cdss(dir: &Path, records: u64) -> Result<BulkOutput, SimError> {
    let cfg = SimConfig { mines: BULK_MINES, injections: vec![], ..SimConfig::default() };
    std::fs::create_dir_all(dir).map_err(|source| SimError::File { path: dir.to_path_buf(), source })?;
    let mut made: BTreeSet<PathBuf> = BTreeSet::new();
    let mut sink = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let mine = name.split('_').next().unwrap_or("unknown");
        let sub = dir.join(mine).join("aqjk");
        if !made.contains(&sub) {
            std::fs::create_dir_all(&sub)?;
            made.insert(sub.clone());
        }
        std::fs::write(sub.join(name), bytes)
    };
    generate(&cfg, BULK_POINTS, records, &mut sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_record_counts() {
        let cfg = SimConfig { mines: 2, ..SimConfig::default() };
        let mut names = Vec::new();
        let o = cdss_bulk(&cfg, 300, 3, &mut |n, _| {
            names.push(n.to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(o.records, 2 * 300 * 3);
        assert_eq!(o.files, 2 + 6);
        assert!(names[0].contains("_CDDY_") && names[2].contains("_CDSS_"));
        let dir = std::env::temp_dir().join(format!("minesafe-sim-bulk-{}", std::process::id()));
        let o = write_cdss(&dir, 1000).unwrap();
        assert_eq!(o.records, 1000);
        assert_eq!(o.mines, BULK_MINES);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
