//! Leads for people: a ranked table per mine on the terminal, JSON lines for
//! scripts, and CSV/XLSX for an inspection team (one row per lead with what to
//! pull and where to go).

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use minesafe_crosscheck::Lead;

use crate::Format;

const COLUMNS: [&str; 13] =
    ["rank", "mine", "rule", "severity", "score", "start", "end", "place", "title", "evidence", "records to pull", "where to go", "tags"];

fn evidence_text(l: &Lead) -> String {
    l.finding
        .evidence
        .iter()
        .map(|e| {
            let mut s = e.detail.clone().unwrap_or_default();
            if s.is_empty() {
                s = e.file.clone();
            }
            s
        })
        .collect::<Vec<_>>()
        .join("；")
}

fn row(rank: usize, l: &Lead) -> [String; 13] {
    let f = &l.finding;
    [
        rank.to_string(),
        f.mine.clone(),
        f.rule.clone(),
        f.severity.id().to_string(),
        format!("{:.0}", l.score),
        f.start.to_string(),
        f.end.map(|e| e.to_string()).unwrap_or_default(),
        f.place.clone().unwrap_or_default(),
        f.title.clone(),
        evidence_text(l),
        l.pull.join("；"),
        l.walk.join("；"),
        f.tags.join(" "),
    ]
}

/// Prints leads ranked (the caller ranks them) as a table or JSON lines.
pub fn print(leads: &[Lead], format: Format) -> Result<()> {
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match format {
        Format::Json => {
            for l in leads {
                writeln!(w, "{}", serde_json::to_string(l)?)?;
            }
        }
        Format::Table => {
            for (n, l) in leads.iter().enumerate() {
                let f = &l.finding;
                writeln!(w, "{:>3}. [{:>3.0}] {} {:<10} {} {}", n + 1, l.score, f.mine, f.rule, f.start, f.title)?;
                writeln!(w, "       id {}  place {}", f.id, f.place.as_deref().unwrap_or("-"))?;
                for e in &f.evidence {
                    writeln!(w, "       evidence: {}", e.detail.as_deref().unwrap_or(&e.file))?;
                }
                if !l.pull.is_empty() {
                    writeln!(w, "       pull: {}", l.pull.join("; "))?;
                }
                if !l.walk.is_empty() {
                    writeln!(w, "       go to: {}", l.walk.join("; "))?;
                }
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// Leads as JSON lines that are findings with `score`, `pull` and `walk` added, so
/// that `check --format json` stays one stream of findings a reader can parse alike.
pub fn print_finding_lines(leads: &[Lead]) -> Result<()> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        #[serde(flatten)]
        finding: &'a minesafe_model::Finding,
        score: f64,
        pull: &'a [String],
        walk: &'a [String],
    }
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    for l in leads {
        serde_json::to_writer(&mut w, &Line { finding: &l.finding, score: l.score, pull: &l.pull, walk: &l.walk })?;
        writeln!(w)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes leads to `.csv`, `.xlsx` or `.jsonl` by the file's extension.
pub fn export(leads: &[Lead], out: &Path) -> Result<()> {
    let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            let mut w = csv::Writer::from_path(out).with_context(|| format!("writing {}", out.display()))?;
            w.write_record(COLUMNS)?;
            for (n, l) in leads.iter().enumerate() {
                w.write_record(row(n + 1, l))?;
            }
            w.flush()?;
        }
        "xlsx" => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (c, h) in COLUMNS.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)?;
            }
            for (n, l) in leads.iter().enumerate() {
                for (c, v) in row(n + 1, l).iter().enumerate() {
                    if c == 4 {
                        ws.write_number(n as u32 + 1, c as u16, l.score)?;
                    } else {
                        ws.write_string(n as u32 + 1, c as u16, v)?;
                    }
                }
            }
            ws.set_freeze_panes(1, 0)?;
            wb.save(out).with_context(|| format!("writing {}", out.display()))?;
        }
        "jsonl" | "json" => {
            let mut s = String::new();
            for l in leads {
                s.push_str(&serde_json::to_string(l)?);
                s.push('\n');
            }
            std::fs::write(out, s).with_context(|| format!("writing {}", out.display()))?;
        }
        other => bail!("{}: unknown export format {other:?} (csv, xlsx, jsonl)", out.display()),
    }
    Ok(())
}
