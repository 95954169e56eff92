//! `minesafe people MINE`: who is underground now, where, since when — for rescue.

use std::path::Path;

use std::io::Write;

use anyhow::Result;
use minesafe_store::Store;

use crate::Format;

pub fn run(mine: &str, db: &Path, format: Format) -> Result<i32> {
    let store = crate::ingest::open_store(db)?;
    let (snapshot, people) = store.people_underground(mine)?;
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match format {
        Format::Json => {
            writeln!(w, "{}", serde_json::to_string(&serde_json::json!({"mine": mine, "snapshot": snapshot, "people": people}))?)?
        }
        Format::Table => {
            let Some(snapshot) = snapshot else {
                writeln!(w, "No positioning snapshot (RYSS) stored for mine {mine}.")?;
                return Ok(0);
            };
            writeln!(w, "Mine {mine}: {} people underground at {snapshot}", people.len())?;
            writeln!(w, "{:<18} {:<10} {:<18} {:<27} {:<24} underground since", "card", "name", "area", "in area since", "station")?;
            for p in &people {
                let t = |t: Option<minesafe_model::Timestamp>| t.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
                let since = p
                    .entered
                    .map(|e| format!("{} ({})", e, minesafe_model::time::human_duration(snapshot.secs_since(e))))
                    .unwrap_or_else(|| "-".into());
                writeln!(
                    w,
                    "{:<18} {:<10} {:<18} {:<27} {:<24} {}",
                    p.card,
                    p.name,
                    p.area.as_deref().unwrap_or("-"),
                    t(p.area_since),
                    p.station.as_deref().unwrap_or("-"),
                    since
                )?;
            }
        }
    }
    w.flush()?;
    Ok(0)
}
