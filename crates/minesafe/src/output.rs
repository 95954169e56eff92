//! Printing findings as a table for people or JSON lines for scripts.

use std::io::{BufWriter, Write};

use anyhow::Result;
use minesafe_model::Finding;

use crate::Format;

pub fn print_findings(findings: &[Finding], format: Format) -> Result<()> {
    let stdout = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 16, stdout.lock());
    match format {
        Format::Json => {
            for f in findings {
                serde_json::to_writer(&mut w, f)?;
                w.write_all(b"\n")?;
            }
        }
        Format::Table => {
            if findings.is_empty() {
                writeln!(w, "No findings.")?;
            }
            for f in findings {
                let end = f.end.map(|e| e.to_string()).unwrap_or_else(|| "open".into());
                let tags = if f.tags.is_empty() { String::new() } else { format!(" [{}]", f.tags.join(", ")) };
                writeln!(
                    w,
                    "{}  {}  {:<12} {:<12} {}  {}{}",
                    f.start,
                    f.mine,
                    f.rule,
                    f.severity.id(),
                    f.place.as_deref().unwrap_or("-"),
                    f.title,
                    tags
                )?;
                writeln!(
                    w,
                    "    until {end}; id {}; evidence: {} record(s), first {}",
                    f.id,
                    f.evidence.len(),
                    f.evidence
                        .first()
                        .map(|e| match e.record {
                            Some(r) => format!("{}#{r}", e.file),
                            None => e.file.clone(),
                        })
                        .unwrap_or_default()
                )?;
            }
        }
    }
    w.flush()?;
    Ok(())
}
