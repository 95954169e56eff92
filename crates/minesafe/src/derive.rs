//! The cross-check series of each mine, built from its G2 uploads while the
//! engine reads them (`minesafe check`): the engine hands every parsed file to
//! this sink, which feeds the mine's [`UploadSeries`].

use std::collections::HashMap;

use minesafe_crosscheck::uploads::{UploadSeries, UploadSystem, UploadsConfig};
use minesafe_crosscheck::MineInputs;
use minesafe_engine::{ContentSink, FileReport};
use minesafe_formats::{Content, Family};
use minesafe_model::registry::MineInfo;
use minesafe_model::{MineCode, Registry, Timestamp};

/// The system a file family belongs to: positioning (人员定位) or monitoring (安全监控).
pub fn system_of(f: Family) -> UploadSystem {
    use Family::*;
    match f {
        Ryqy | Ryjz | Ryxx | Ryss | Jzss | Rycs | Rycy | Ryxz | Ryqj => UploadSystem::Positioning,
        _ => UploadSystem::Monitoring,
    }
}

/// The registry's entry for a mine, or a bare one for a mine it does not list
/// (judged without declared faces, capacity or status); `None` for a code that
/// is not a mine code.
fn info_of(registry: &Registry, mine: &str) -> Option<MineInfo> {
    match registry.mines.iter().find(|m| m.code.as_str() == mine) {
        Some(i) => Some(i.clone()),
        None => MineCode::parse(mine).ok().map(MineInfo::new),
    }
}

/// Builds one [`UploadSeries`] per mine from the content the engine accepts.
pub struct SeriesSink<'r> {
    registry: &'r Registry,
    cfg: UploadsConfig,
    mines: HashMap<String, (UploadSeries, Timestamp)>,
}

impl<'r> SeriesSink<'r> {
    pub fn new(registry: &'r Registry, cfg: &UploadsConfig) -> Self {
        SeriesSink { registry, cfg: cfg.clone(), mines: HashMap::new() }
    }

    /// Closes every mine's series at `end` (the newest upload time of the whole
    /// input), from the Beijing day of its first upload.
    pub fn finish(self, end: Timestamp) -> Vec<MineInputs> {
        use minesafe_crosscheck::inputs::{day_of, day_start};
        let registry = self.registry;
        let mut out: Vec<MineInputs> = self
            .mines
            .into_iter()
            .filter_map(|(code, (series, first))| {
                let mut m = MineInputs::new(info_of(registry, &code)?, day_start(day_of(first)), end.max(first));
                series.finish(end, &mut m);
                Some(m)
            })
            .collect();
        out.sort_by(|a, b| a.code().cmp(b.code()));
        out
    }
}

impl ContentSink for SeriesSink<'_> {
    fn on_content(&mut self, report: &FileReport, header_time: Timestamp, content: &Content<'_>) {
        let Some(mine) = report.mine.as_deref() else { return };
        if !self.mines.contains_key(mine) {
            let Some(info) = info_of(self.registry, mine) else { return };
            self.mines.insert(mine.to_string(), (UploadSeries::new(&info, &self.cfg), header_time));
        }
        let Some((s, first)) = self.mines.get_mut(mine) else { return };
        *first = (*first).min(header_time);
        match content {
            Content::Cddy(p) | Content::G1Cddy(p) => {
                s.point_defs(p.accepted.iter().map(|(_, d)| d));
            }
            Content::Cdss(p) => {
                for (_, r) in &p.accepted {
                    s.reading(r.point, r.sensor_name, r.location, r.value, r.time);
                }
            }
            Content::G1Sssj(p) => {
                for (_, r) in &p.accepted {
                    s.reading(r.point, "", "", r.value, header_time);
                }
            }
            Content::Ryss(p) => {
                s.positions(header_time, p.accepted.iter().map(|(_, d)| d));
            }
            _ => {}
        }
        s.upload(system_of(content.family()), header_time);
    }
}

/// Puts imported series over the derived ones: for each mine and series, rows
/// from the files replace what the uploads gave (the files are what the mine or
/// its supplier keeps for that series; mixing both would count twice). Mines
/// only one side knows are kept as they are.
pub fn overlay(derived: Vec<MineInputs>, imported: Vec<MineInputs>) -> Vec<MineInputs> {
    let mut by_code: std::collections::BTreeMap<String, MineInputs> = derived.into_iter().map(|m| (m.code().to_string(), m)).collect();
    for imp in imported {
        let code = imp.code().to_string();
        let Some(d) = by_code.get_mut(&code) else {
            by_code.insert(code, imp);
            continue;
        };
        macro_rules! take {
            ($($f:ident),*) => { $( if !imp.$f.is_empty() { d.$f = imp.$f; } )* };
        }
        d.from = d.from.min(imp.from);
        d.to = d.to.max(imp.to);
        // Belt-scale output from CDSS and output files mix by source.
        if !imp.output.is_empty() {
            let sources: std::collections::BTreeSet<_> = imp.output.iter().map(|o| o.source).collect();
            d.output.retain(|o| !sources.contains(&o.source));
            d.output.extend(imp.output);
        }
        take!(energy, explosives, volumes, methane, area_hours, crews, trips, identities, lamps, rota, inspection_days, upload_gaps, power);
        d.sort();
    }
    by_code.into_values().collect()
}

/// The series of every mine (or one) from the uploads the store has read with
/// header times in `[from, to)`: the archived files are parsed again, in
/// header-time order, through the same sink as `check` (rules are not re-run).
/// One mine at a time, so a region-year's file list is never held at once.
/// Gaps end at the newest upload found in the window.
pub fn from_store(
    store: &dyn minesafe_store::Store,
    registry: &Registry,
    cfg: &UploadsConfig,
    mine: Option<&str>,
    from: Timestamp,
    to: Timestamp,
) -> anyhow::Result<Vec<MineInputs>> {
    use anyhow::Context;
    let mines = match mine {
        Some(m) => vec![m.to_string()],
        None => store.mines().context("listing the stored mines")?,
    };
    let engine_cfg = minesafe_engine::EngineConfig { only: Some(vec!["none".into()]), ..Default::default() };
    // Already admitted once: no size or clock-skew limit applies to a replay.
    let opts = minesafe_formats::ParseOptions { max_header_ahead_secs: i64::MAX / 4, max_bytes: usize::MAX, ..Default::default() };
    let mut per_mine = Vec::new();
    let mut end = from;
    for code in &mines {
        let files = store.uploads_between(Some(code), from, to).with_context(|| format!("listing the stored uploads of {code}"))?;
        let mut engine = minesafe_engine::Engine::with_config(registry.clone(), opts.clone(), engine_cfg.clone());
        let mut sink = SeriesSink::new(registry, cfg);
        let mut ignored = Vec::new();
        for f in &files {
            let bytes = store.archived_bytes(&f.sha256).with_context(|| format!("reading the archived upload {}", f.name))?;
            engine.process(&f.name, &bytes, &mut sink, &mut ignored);
            ignored.clear();
            end = end.max(f.header_time.unwrap_or(end));
        }
        per_mine.push(sink);
    }
    // Every mine's series end at the same instant, as in a batch check.
    let mut out: Vec<MineInputs> = per_mine.into_iter().flat_map(|s| s.finish(end)).collect();
    out.sort_by(|a, b| a.code().cmp(b.code()));
    Ok(out)
}
