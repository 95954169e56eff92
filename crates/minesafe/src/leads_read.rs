//! Reading the cross-check inputs (CSV/XLSX, docs/crosscheck-inputs.md) from
//! files and directory trees into one `MineInputs` per mine.

use std::path::PathBuf;

use anyhow::{Context, Result};
use minesafe_crosscheck::MineInputs;

/// Reads every CSV/XLSX under `paths` into per-mine inputs, with the registry's
/// declared faces; rejected rows and files are printed on stderr with file and row.
pub fn read_inputs(paths: &[PathBuf], registry: &minesafe_model::Registry) -> Result<(Vec<MineInputs>, usize)> {
    let mut import = minesafe_crosscheck::import::Import::default();
    for p in paths {
        for e in walkdir::WalkDir::new(p).sort_by_file_name() {
            let e = e.with_context(|| format!("reading {}", p.display()))?;
            let ext = e.path().extension().and_then(|x| x.to_str()).unwrap_or("").to_ascii_lowercase();
            if !e.file_type().is_file() || !(ext == "csv" || ext == "xlsx") {
                continue;
            }
            let bytes = std::fs::read(e.path()).with_context(|| format!("reading {}", e.path().display()))?;
            import.extend(minesafe_crosscheck::import::read(&e.path().display().to_string(), &bytes));
        }
    }
    for r in &import.rejects {
        eprintln!("rejected: {r}");
    }
    for c in &import.ignored_columns {
        eprintln!("ignored column: {c}");
    }
    let rejected = import.rejects.len();
    let codes: Vec<String> = import.mines.keys().cloned().collect();
    let mut mines = Vec::new();
    for code in codes {
        let info = match registry.mines.iter().find(|m| m.code.as_str() == code) {
            Some(i) => i.clone(),
            None => {
                eprintln!("mine {code} is not in the registry: judged without declared faces, capacity or status");
                let Ok(mc) = minesafe_model::MineCode::parse(&code) else {
                    eprintln!("rejected: mine code {code:?} is not a valid mine code; its rows are skipped");
                    continue;
                };
                minesafe_model::registry::MineInfo::new(mc)
            }
        };
        let mut m = MineInputs::new(info, minesafe_model::Timestamp(i64::MIN), minesafe_model::Timestamp(i64::MIN));
        minesafe_crosscheck::import::merge_into(&mut import, &mut m);
        let (from, to) = span(&m);
        m.from = from;
        m.to = to;
        mines.push(m);
    }
    Ok((mines, rejected))
}

/// The period the data covers: from the first day to the end of the last.
pub fn span(m: &MineInputs) -> (minesafe_model::Timestamp, minesafe_model::Timestamp) {
    use minesafe_crosscheck::inputs::{day_of, day_start};
    let days = m
        .output
        .iter()
        .map(|r| r.day)
        .chain(m.energy.iter().map(|r| day_of(r.hour)))
        .chain(m.area_hours.iter().map(|r| day_of(r.hour)))
        .chain(m.crews.iter().map(|r| r.day))
        .chain(m.trips.iter().map(|r| day_of(r.down)))
        .chain(m.explosives.iter().map(|r| r.day))
        .chain(m.methane.iter().map(|r| day_of(r.hour)));
    let (lo, hi) = days.fold((i32::MAX, i32::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
    if lo > hi {
        (minesafe_model::Timestamp(0), minesafe_model::Timestamp(0))
    } else {
        (day_start(lo), day_start(hi + 1))
    }
}

