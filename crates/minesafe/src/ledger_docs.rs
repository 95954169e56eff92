//! Documents drafted from the ledger: a printable hazard notice (重大事故隐患
//! 整改通知) and inspection record (现场检查记录) as self-contained HTML (print
//! to PDF from any browser), and a mine's enforcement history as CSV, XLSX or
//! JSON for an inspection team.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use minesafe_ledger::calendar::Date;
use minesafe_ledger::inspection::HistoryRow;
use minesafe_ledger::Ledger;
use minesafe_model::Timestamp;

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn day(t: Timestamp) -> String {
    let d = Date::of(t);
    format!("{}年{}月{}日", d.year, d.month, d.day)
}

const STYLE: &str = "body{font-family:'Noto Serif CJK SC','Songti SC',serif;max-width:46em;margin:2em auto;line-height:1.6}\
h1{text-align:center;font-size:1.5em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #333;padding:.3em .5em;vertical-align:top}\
th{width:9em;text-align:left;background:#f4f4f4}.sign{margin-top:3em;display:flex;justify-content:space-between}@media print{body{margin:0}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head>\n<body>\n<h1>{t}</h1>\n{body}</body></html>\n",
        t = esc(title)
    )
}

fn row(out: &mut String, k: &str, v: &str) {
    let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
}

/// 重大事故隐患整改通知: the hazard, its evidence, the five in place, the decisions so far.
pub fn hazard_notice(l: &Ledger, id: &str) -> Result<String> {
    let h = l.hazard(id).with_context(|| format!("no hazard {id}"))?;
    let mine = l.mine(&h.mine);
    let mut b = String::new();
    let _ = writeln!(b, "<p>编号 {}</p>\n<table>", esc(&h.id));
    row(&mut b, "煤矿 Mine", &format!("{} {}", h.mine, mine.map(|m| m.name.as_str()).unwrap_or("")));
    row(&mut b, "地点 Place", &h.place);
    row(&mut b, "隐患类别 Rule", &h.kind);
    row(&mut b, "隐患描述 Hazard", &h.description);
    row(&mut b, "发现时间 Found", &day(h.found_at));
    row(&mut b, "证据 Evidence", &h.evidence.join("；"));
    row(&mut b, "状态 State", serde_json::to_value(h.state)?.as_str().unwrap_or(""));
    if let Some(f) = &h.five {
        row(&mut b, "责任 Responsible", &f.responsible);
        row(&mut b, "措施 Measures", &f.measures);
        row(&mut b, "资金 Funds (CNY)", &f.funds_cny.to_string());
        row(&mut b, "时限 Deadline", &day(f.deadline));
        row(&mut b, "预案 Contingency plan", &f.contingency_plan);
    } else {
        row(&mut b, "五落实 Five in place", "未制定 (not yet planned)");
    }
    if let Some(d) = h.deadline {
        row(&mut b, "现行时限 Deadline in force", &day(d));
    }
    for e in &h.extensions {
        row(&mut b, "延期 Extension", &format!("{} → {}，{}（{}）", day(e.from), day(e.to), e.reason, e.by.name));
    }
    if let Some(hp) = &h.helper {
        row(&mut b, "帮扶责任人 Helper", &hp.name);
    }
    if let Some(r) = &h.repeat_of {
        row(&mut b, "重复发现 Repeat of", r);
    }
    b.push_str("</table>\n<h2>处理记录 Decisions</h2>\n<table><tr><th>时间</th><th>操作</th><th>人员</th><th>说明</th></tr>\n");
    for d in &h.decisions {
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}（{}）</td><td>{}</td></tr>",
            esc(&d.at.to_string()),
            esc(&d.action),
            esc(&d.by.name),
            esc(&d.by.id),
            esc(&d.notes)
        );
    }
    b.push_str("</table>\n<p>依据《煤矿安全生产条例》第三十六条，应立即停止受影响区域生产、作业，消除隐患。</p>\n");
    b.push_str("<div class=\"sign\"><span>检查人员（签名）：</span><span>被检查单位负责人（签名）：</span></div>\n");
    Ok(page("重大事故隐患整改通知", &b))
}

/// 现场检查记录: who, when, how, what was covered and found, and the signature.
pub fn inspection_record(l: &Ledger, id: &str) -> Result<String> {
    let i = l.inspection(id).with_context(|| format!("no inspection {id}"))?;
    let mine = l.mine(&i.mine);
    let mut b = String::new();
    let _ = writeln!(b, "<p>编号 {}</p>\n<table>", esc(&i.id));
    row(&mut b, "被检查单位 Mine", &format!("{} {}", i.mine, mine.map(|m| m.name.as_str()).unwrap_or("")));
    row(&mut b, "检查机构 Office", &i.office);
    row(&mut b, "检查时间 Time", &format!("{} — {}", i.started_at, i.ended_at));
    row(&mut b, "方式 Mode", serde_json::to_value(i.mode)?.as_str().unwrap_or(""));
    row(&mut b, "检查人员 Inspectors", &i.inspectors.join("、"));
    row(&mut b, "检查地点 Places", &i.places.join("、"));
    row(&mut b, "检查系统 Systems", &i.systems.join("、"));
    row(&mut b, "备注 Notes", &i.notes);
    b.push_str("</table>\n<h2>发现问题 Findings</h2>\n<table><tr><th>规则</th><th>地点</th><th>问题</th><th>依据</th></tr>\n");
    for f in &i.findings {
        let major = if f.major { "（重大事故隐患）" } else { "" };
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
            esc(&f.rule),
            esc(&f.place),
            esc(&f.text),
            major,
            esc(&f.basis)
        );
    }
    b.push_str("</table>\n");
    match &i.signed {
        Some(s) => {
            let _ =
                writeln!(b, "<p>谁检查、谁签名、谁负责。签名：{}（{}），{}</p>", esc(&s.by.name), esc(&s.by.id), esc(&s.at.to_string()));
        }
        None => b.push_str("<p><strong>未签名 (unsigned)</strong></p>\n"),
    }
    Ok(page("现场检查记录", &b))
}

/// Writes history rows by the extension of `out` (`.csv`, `.xlsx`, `.json`), or a table on stdout.
pub fn write_history(rows: &[HistoryRow], out: Option<&Path>) -> Result<()> {
    let Some(out) = out else {
        for r in rows {
            println!("{} {:<12} {:<14} {:<12} {}", r.at, r.kind, r.id, r.actor, r.summary);
        }
        return Ok(());
    };
    let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            let mut w = csv::Writer::from_path(out).with_context(|| format!("writing {}", out.display()))?;
            w.write_record(["at", "kind", "id", "actor", "summary"])?;
            for r in rows {
                w.write_record([r.at.to_string().as_str(), &r.kind, &r.id, &r.actor, &r.summary])?;
            }
            w.flush()?;
        }
        "xlsx" => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (c, h) in ["at", "kind", "id", "actor", "summary"].iter().enumerate() {
                ws.write_string(0, c as u16, *h)?;
            }
            for (n, r) in rows.iter().enumerate() {
                let n = n as u32 + 1;
                ws.write_string(n, 0, r.at.to_string())?;
                ws.write_string(n, 1, &r.kind)?;
                ws.write_string(n, 2, &r.id)?;
                ws.write_string(n, 3, &r.actor)?;
                ws.write_string(n, 4, &r.summary)?;
            }
            wb.save(out).with_context(|| format!("writing {}", out.display()))?;
        }
        "json" | "jsonl" => {
            let mut s = String::new();
            for r in rows {
                s.push_str(&serde_json::to_string(r)?);
                s.push('\n');
            }
            std::fs::write(out, s).with_context(|| format!("writing {}", out.display()))?;
        }
        other => anyhow::bail!("{}: unknown export format {other:?} (csv, xlsx, json)", out.display()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_in_record_text() {
        assert_eq!(esc("<b>\"A&B\"</b>"), "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;");
        assert!(page("T<", "x").contains("<title>T&lt;</title>"));
    }
}
