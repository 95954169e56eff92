//! Import of enforcement-ledger records (执法台账) from CSV and XLSX.
//!
//! Regulators and mines keep their records in spreadsheets, so every ledger
//! [`Command`] can be written as one spreadsheet row. There is one file kind per
//! record family ([`Family`]: `mines`, `hazards`, `self_checks`, `inspections`),
//! each a header row of named columns in any order; the format is documented,
//! with an example per file, in `docs/ledger-import.md`.
//!
//! Why so strict: an import is a decision record that later feeds the audit chain
//! and closure proposals, so nothing may be dropped silently. An unknown column
//! rejects the file; a row with a bad time, an unknown action, a missing field, a
//! value in a column its action does not use, or the wrong number of fields is
//! rejected on its own ([`ImportReject`], naming file and record) while the other
//! rows are kept.
//!
//! Rows become [`Event`]s but are not applied here: the caller orders them
//! ([`chronological`]) and feeds them to `minesafe_ledger::Ledger::apply`, which
//! has the last word on whether a decision is allowed.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use minesafe_ledger::calendar::{Date, Month};
use minesafe_ledger::gates::{Licence, LicenceKind, MineCmd, MineStatus};
use minesafe_ledger::hazard::{FiveInPlace, HazardCmd, HazardSource};
use minesafe_ledger::inspection::{InspectionCmd, InspectionFinding, OrderKind, PenaltyTarget, ReferralTarget, VisitMode};
use minesafe_ledger::selfcheck::{KeyLink, SelfCheckCmd};
use minesafe_ledger::{Actor, Command, Event, Role};
use minesafe_model::Timestamp;
use serde::de::DeserializeOwned;

/// One accepted row.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedEvent {
    pub event: Event,
    /// The file name the row came from.
    pub file: String,
    /// Data-row index, 0 = the first row after the header (spreadsheet row `record + 2`).
    pub record: usize,
}

/// A row (or a whole file, `record: None`) that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReject {
    pub file: String,
    pub record: Option<usize>,
    pub reason: String,
    /// The row as written (CSV text, or XLSX cells joined with commas).
    pub raw: String,
}

impl std::fmt::Display for ImportReject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.record {
            Some(r) => write!(f, "{} record {r}: {}", self.file, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// The record family a file (or, with a `kind` column, a row) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Mines, licences, status decisions, restarts and closure proposals.
    Mines,
    /// The major-hazard ledger.
    Hazards,
    /// Monthly self-checks.
    SelfChecks,
    /// Inspection plans and records, orders, penalties, referrals.
    Inspections,
}

/// Columns every row has (`kind` only when one file mixes families).
pub const COMMON_COLUMNS: [&str; 7] = ["kind", "at", "actor_id", "actor_name", "actor_role", "actor_scope", "action"];

/// Each family's actions and the columns each action reads, beyond the common ones.
const ACTIONS: &[(Family, &str, &[&str])] = &[
    (Family::Mines, "register", &["mine", "name", "offices", "coal", "underground", "status", "since"]),
    (Family::Mines, "licence", &["mine", "licence_kind", "number", "valid_from", "valid_to"]),
    (Family::Mines, "revoke_licence", &["mine", "number", "reason"]),
    (Family::Mines, "change_status", &["mine", "status", "effective", "basis", "notes"]),
    (Family::Mines, "apply_restart", &["id", "mine", "plan", "items"]),
    (Family::Mines, "accept_item", &["id", "item", "passed", "evidence"]),
    (Family::Mines, "approve_restart", &["id", "notes"]),
    (Family::Mines, "refuse_restart", &["id", "reason"]),
    (Family::Mines, "propose_closure", &["id", "mine", "rule", "hazards", "penalties", "to_government"]),
    (
        Family::Hazards,
        "open",
        &["id", "mine", "place", "system", "hazard_kind", "description", "found_at", "evidence_since", "source", "evidence"],
    ),
    (Family::Hazards, "confirm", &["id", "notes"]),
    (Family::Hazards, "observe", &["id", "source", "observed_at"]),
    (Family::Hazards, "plan", &["id", "responsible", "measures", "funds_cny", "deadline", "contingency_plan"]),
    (Family::Hazards, "start", &["id"]),
    (Family::Hazards, "submit", &["id", "notes", "evidence"]),
    (Family::Hazards, "verify", &["id", "notes"]),
    (Family::Hazards, "reject", &["id", "reason"]),
    (Family::Hazards, "sign_off", &["id", "notes"]),
    (Family::Hazards, "revoke", &["id", "reason"]),
    (Family::Hazards, "extend", &["id", "deadline", "reason"]),
    (Family::Hazards, "assign_helper", &["id", "helper_id", "helper_name"]),
    (Family::Hazards, "contest", &["id", "reason", "evidence"]),
    (Family::Hazards, "decide_contest", &["id", "upheld", "notes"]),
    (Family::SelfChecks, "record", &["id", "mine", "month", "held_on", "led_by", "links", "hazards_found", "notes"]),
    (Family::Inspections, "plan", &["id", "mine", "office", "planned_on", "mode", "focus", "inspectors"]),
    (
        Family::Inspections,
        "record",
        &["id", "plan", "mine", "office", "started_at", "ended_at", "mode", "inspectors", "places", "systems", "findings", "notes"],
    ),
    (Family::Inspections, "sign", &["id"]),
    (Family::Inspections, "issue_order", &["id", "mine", "inspection", "order_kind", "deadline", "area", "basis", "text"]),
    (Family::Inspections, "lift_order", &["id", "notes"]),
    (
        Family::Inspections,
        "impose_penalty",
        &["id", "mine", "inspection", "target", "person_name", "person_post", "amount_cny", "consequence", "basis", "law", "decided_at"],
    ),
    (Family::Inspections, "refer", &["id", "mine", "refer_to", "basis", "text", "ack_deadline"]),
    (Family::Inspections, "acknowledge_referral", &["id", "ack_by", "notes"]),
];

/// Columns holding a deadline-like instant: a bare date there means the end of that day.
const END_OF_DAY_COLUMNS: [&str; 3] = ["valid_to", "deadline", "ack_deadline"];

impl Family {
    pub const ALL: [Family; 4] = [Family::Mines, Family::Hazards, Family::SelfChecks, Family::Inspections];

    /// The file-name stem and `kind` value.
    pub fn name(self) -> &'static str {
        match self {
            Family::Mines => "mines",
            Family::Hazards => "hazards",
            Family::SelfChecks => "self_checks",
            Family::Inspections => "inspections",
        }
    }

    /// Accepts the plural or singular name, in any case, `-` for `_`.
    pub fn parse(s: &str) -> Option<Family> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Family::ALL.into_iter().find(|f| s == f.name() || s == f.name().trim_end_matches('s'))
    }

    /// The family of a file named `mines.csv`, `hazards-2026q1.xlsx`, `self_checks_03.csv` …
    pub fn from_stem(stem: &str) -> Option<Family> {
        let s = stem.trim().to_ascii_lowercase().replace('-', "_");
        Family::ALL.into_iter().find(|f| {
            let n = f.name();
            let single = n.trim_end_matches('s');
            [n, single].iter().any(|p| s == *p || (s.starts_with(p) && s[p.len()..].starts_with(['_', '.'])))
        })
    }

    /// The actions of this family, in documentation order.
    pub fn actions(self) -> impl Iterator<Item = &'static str> {
        ACTIONS.iter().filter(move |(f, _, _)| *f == self).map(|(_, a, _)| *a)
    }

    /// Every column a file of this family may have, common ones first.
    pub fn columns(self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = COMMON_COLUMNS.to_vec();
        for (_, _, cols) in ACTIONS.iter().filter(|(f, _, _)| *f == self) {
            for c in cols.iter() {
                if !out.contains(c) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// Order among events at the same instant: a mine exists before it is inspected,
    /// an inspection before the hazards it found.
    fn rank(self) -> u8 {
        match self {
            Family::Mines => 0,
            Family::Inspections => 1,
            Family::SelfChecks => 2,
            Family::Hazards => 3,
        }
    }
}

fn action_columns(family: Family, action: &str) -> Option<&'static [&'static str]> {
    ACTIONS.iter().find(|(f, a, _)| *f == family && *a == action).map(|(_, _, c)| *c)
}

/// Reads a file, or every `.csv`/`.xlsx` file of a directory (not recursive) in
/// name order. Errors only when the path itself cannot be read; problems inside a
/// file are rejects.
pub fn read_path(path: &Path) -> anyhow::Result<(Vec<ImportedEvent>, Vec<ImportReject>)> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let files = if meta.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).with_context(|| format!("cannot list {}", path.display()))? {
            let p = entry?.path();
            if p.is_file() && matches!(extension(&p).as_deref(), Some("csv" | "xlsx")) {
                files.push(p);
            }
        }
        files.sort_by_key(|p| p.file_name().map(|n| n.to_os_string()));
        files
    } else {
        vec![path.to_path_buf()]
    };
    let (mut events, mut rejects) = (Vec::new(), Vec::new());
    for f in &files {
        let (e, r) = read_file(f);
        events.extend(e);
        rejects.extend(r);
    }
    Ok((events, rejects))
}

/// Sorts events into the order to apply them: by decision time, then family (mines,
/// inspections, self-checks, hazards), then file and record. Stable.
pub fn chronological(events: &mut [ImportedEvent]) {
    events.sort_by(|a, b| {
        let fa = family_of_command(&a.event.command).rank();
        let fb = family_of_command(&b.event.command).rank();
        (a.event.at, fa, &a.file, a.record).cmp(&(b.event.at, fb, &b.file, b.record))
    });
}

fn family_of_command(c: &Command) -> Family {
    match c {
        Command::Mine(_) => Family::Mines,
        Command::Hazard(_) => Family::Hazards,
        Command::SelfCheck(_) => Family::SelfChecks,
        Command::Inspection(_) => Family::Inspections,
        // Lead marks are not imported from spreadsheets; were one built, it sorts last.
        Command::Lead(_) => Family::Hazards,
    }
}

fn extension(p: &Path) -> Option<String> {
    p.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase())
}

/// Reads one file; never fails (a file that cannot be read is one reject).
pub fn read_file(path: &Path) -> (Vec<ImportedEvent>, Vec<ImportReject>) {
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
    let whole = |reason: String| (Vec::new(), vec![ImportReject { file: file.clone(), record: None, reason, raw: String::new() }]);
    let table = match extension(path).as_deref() {
        Some("csv") => match std::fs::read(path) {
            Ok(bytes) => csv_table(&bytes),
            Err(e) => return whole(format!("cannot read: {e}")),
        },
        Some("xlsx") => xlsx_table(path),
        _ => return whole("not a .csv or .xlsx file".to_string()),
    };
    match table {
        Ok(t) => rows_to_events(&file, path, t),
        Err(reason) => whole(reason),
    }
}

/// A data row as text: `Ok((record, cells, raw))`, or `Err((record, reason, raw))`
/// for a row broken at the text level (field count, quoting, cell error).
type TextRow = Result<(usize, Vec<String>, String), (usize, String, String)>;

/// A file's content as text cells, before any meaning is given to them.
struct Table {
    header: Vec<String>,
    rows: Vec<TextRow>,
}

/// Decodes UTF-8 (with or without BOM), else GBK (GB18030).
fn decode(bytes: &[u8]) -> Result<String, String> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => Ok(s.to_string()),
        Err(_) => {
            let (s, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(b);
            if had_errors {
                Err("neither UTF-8 nor GBK text".to_string())
            } else {
                Ok(s.into_owned())
            }
        }
    }
}

fn csv_table(bytes: &[u8]) -> Result<Table, String> {
    let text = decode(bytes)?;
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut index = 0usize;
    loop {
        let start = rdr.position().byte() as usize;
        let read = rdr.read_record(&mut rec);
        let end = rdr.position().byte() as usize;
        let raw = text.get(start..end.min(text.len())).unwrap_or_default().trim_end_matches(['\r', '\n']).to_string();
        match read {
            Ok(false) => break,
            Ok(true) => {
                let cells: Vec<String> = rec.iter().map(|c| c.to_string()).collect();
                match &header {
                    None => header = Some(cells),
                    Some(h) => {
                        let r = index;
                        index += 1;
                        if raw.matches('"').count() % 2 == 1 {
                            rows.push(Err((r, "unterminated quoted field (the file looks truncated)".to_string(), raw)));
                        } else if cells.len() != h.len() {
                            let last = end >= text.len() && !text.ends_with('\n');
                            let hint = if last && cells.len() < h.len() { " (the last line looks truncated)" } else { "" };
                            rows.push(Err((r, format!("{} fields where the header has {}{hint}", cells.len(), h.len()), raw)));
                        } else {
                            rows.push(Ok((r, cells, raw)));
                        }
                    }
                }
            }
            Err(e) => {
                if header.is_none() {
                    return Err(format!("unreadable header: {e}"));
                }
                rows.push(Err((index, format!("unreadable CSV record: {e}"), raw)));
                index += 1;
            }
        }
    }
    Ok(Table { header: header.ok_or_else(|| "empty file: no header row".to_string())?, rows })
}

fn xlsx_table(path: &Path) -> Result<Table, String> {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(path).map_err(|e| format!("not a readable workbook: {e}"))?;
    let range = wb.worksheet_range_at(0).ok_or("the workbook has no sheet")?.map_err(|e| format!("unreadable first sheet: {e}"))?;
    let cell = |d: &Data| -> Result<String, String> {
        Ok(match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(dt) => {
                let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
                let t = Timestamp::from_beijing(y as i64, mo as u32, d as u32, h as u32, mi as u32, s as u32)
                    .ok_or_else(|| format!("date cell out of range: {}", dt.as_f64()))?
                    .plus_secs(if ms >= 500 { 1 } else { 0 });
                // A whole-day cell is a date: deadline columns then mean the end of that day.
                if dt.as_f64().fract() == 0.0 {
                    t.beijing_date()
                } else {
                    t.upload_format()
                }
            }
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.replacen('T', " ", 1),
            Data::Error(e) => return Err(format!("cell error {e:?}")),
        })
    };
    let mut it = range.rows();
    let header = it.next().ok_or("empty sheet: no header row")?;
    let header: Vec<String> = header.iter().map(|d| cell(d).unwrap_or_default()).collect();
    let mut rows = Vec::new();
    for (r, row) in it.enumerate() {
        let raw = row.iter().map(|d| cell(d).unwrap_or_else(|e| format!("#{e}"))).collect::<Vec<_>>().join(",");
        match row.iter().map(cell).collect::<Result<Vec<_>, _>>() {
            Ok(cells) => rows.push(Ok((r, cells, raw))),
            Err(e) => rows.push(Err((r, e, raw))),
        }
    }
    Ok(Table { header, rows })
}

fn rows_to_events(file: &str, path: &Path, t: Table) -> (Vec<ImportedEvent>, Vec<ImportReject>) {
    let (mut events, mut rejects) = (Vec::new(), Vec::new());
    let whole = |reason: String, raw: String| ImportReject { file: file.to_string(), record: None, reason, raw };
    let header: Vec<String> = t.header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    let header_raw = t.header.join(",");
    // The family: per row from a `kind` column, else from the file name.
    let has_kind = header.iter().any(|h| h == "kind");
    let stem_family = path.file_stem().and_then(|s| s.to_str()).and_then(Family::from_stem);
    if !has_kind && stem_family.is_none() {
        let names: Vec<&str> = Family::ALL.iter().map(|f| f.name()).collect();
        rejects
            .push(whole(format!("cannot tell the record family: no `kind` column and the file name is not one of {names:?}"), header_raw));
        return (events, rejects);
    }
    let allowed: BTreeSet<&str> = match (has_kind, stem_family) {
        (false, Some(f)) => f.columns().into_iter().collect(),
        _ => Family::ALL.iter().flat_map(|f| f.columns()).collect(),
    };
    let mut seen = BTreeSet::new();
    for h in &header {
        if h.is_empty() {
            rejects.push(whole("a header cell is empty".to_string(), header_raw));
            return (events, rejects);
        }
        if !allowed.contains(h.as_str()) {
            rejects.push(whole(format!("unknown column `{h}`"), header_raw));
            return (events, rejects);
        }
        if !seen.insert(h.as_str()) {
            rejects.push(whole(format!("column `{h}` appears twice"), header_raw));
            return (events, rejects);
        }
    }
    for c in ["at", "actor_id", "actor_role", "action"] {
        if !seen.contains(c) {
            rejects.push(whole(format!("missing column `{c}`"), header_raw));
            return (events, rejects);
        }
    }
    for row in t.rows {
        match row {
            Err((record, reason, raw)) => rejects.push(ImportReject { file: file.to_string(), record: Some(record), reason, raw }),
            Ok((record, cells, raw)) => {
                if cells.iter().all(|c| c.trim().is_empty()) {
                    // Spreadsheets export trailing empty rows as `,,,`; they are not records.
                    continue;
                }
                let row = Row { header: &header, cells: &cells, used: RefCell::new(BTreeSet::new()) };
                match row_event(&row, stem_family) {
                    Ok(event) => events.push(ImportedEvent { event, file: file.to_string(), record }),
                    Err(reason) => rejects.push(ImportReject { file: file.to_string(), record: Some(record), reason, raw }),
                }
            }
        }
    }
    (events, rejects)
}

/// One row's cells by column name; remembers which columns were read so that a
/// value in a column its action does not use is an error, not silently dropped.
struct Row<'a> {
    header: &'a [String],
    cells: &'a [String],
    used: RefCell<BTreeSet<String>>,
}

type R<T> = Result<T, String>;

impl Row<'_> {
    fn opt(&self, col: &str) -> Option<&str> {
        self.used.borrow_mut().insert(col.to_string());
        let i = self.header.iter().position(|h| h == col)?;
        let v = self.cells.get(i)?.trim();
        (!v.is_empty()).then_some(v)
    }

    fn req(&self, col: &str) -> R<&str> {
        self.opt(col).ok_or_else(|| format!("missing required field `{col}`"))
    }

    fn text(&self, col: &str) -> String {
        self.opt(col).unwrap_or_default().to_string()
    }

    fn string(&self, col: &str) -> R<String> {
        self.req(col).map(str::to_string)
    }

    fn time(&self, col: &str) -> R<Timestamp> {
        parse_time(col, self.req(col)?)
    }

    fn opt_time(&self, col: &str) -> R<Option<Timestamp>> {
        self.opt(col).map(|v| parse_time(col, v)).transpose()
    }

    fn list(&self, col: &str) -> Vec<String> {
        self.opt(col).map(split_list).unwrap_or_default()
    }

    fn req_list(&self, col: &str) -> R<Vec<String>> {
        let l = self.list(col);
        if l.is_empty() {
            Err(format!("missing required field `{col}` (a list separated by `;`)"))
        } else {
            Ok(l)
        }
    }

    fn boolean(&self, col: &str) -> R<bool> {
        let v = self.req(col)?;
        match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "是" => Ok(true),
            "false" | "no" | "n" | "0" | "否" => Ok(false),
            _ => Err(format!("`{col}`: {v:?} is not true/false (yes/no, 是/否)")),
        }
    }

    fn money(&self, col: &str) -> R<u64> {
        let v = self.req(col)?;
        v.replace([',', '_'], "").parse::<u64>().map_err(|_| format!("`{col}`: {v:?} is not a whole number of yuan"))
    }

    fn enumerated<T: DeserializeOwned>(&self, col: &str) -> R<T> {
        parse_enum(col, self.req(col)?)
    }

    fn opt_string(&self, col: &str) -> Option<String> {
        self.opt(col).map(str::to_string)
    }

    /// Non-empty columns the action did not read.
    fn unused(&self) -> Vec<String> {
        let used = self.used.borrow();
        self.header
            .iter()
            .zip(self.cells)
            .filter(|(h, v)| !v.trim().is_empty() && !COMMON_COLUMNS.contains(&h.as_str()) && !used.contains(h.as_str()))
            .map(|(h, _)| h.clone())
            .collect()
    }
}

/// `yyyy-MM-dd HH:mm:ss` Beijing time (`T` or `/` accepted); a bare `yyyy-MM-dd` is
/// 00:00:00, or 23:59:59 in deadline columns (a deadline "on" a day allows the whole day).
fn parse_time(col: &str, v: &str) -> R<Timestamp> {
    let s = v.trim().replace('/', "-");
    if let Ok(t) = Timestamp::parse_beijing(&s) {
        return Ok(t);
    }
    if s.len() == 16 {
        if let Ok(t) = Timestamp::parse_beijing(&format!("{s}:00")) {
            return Ok(t);
        }
    }
    if let Some(d) = Date::parse(&s).filter(|_| s.len() == 10) {
        return Ok(if END_OF_DAY_COLUMNS.contains(&col) { d.end() } else { d.start() });
    }
    Err(format!("`{col}`: {v:?} is not a Beijing time yyyy-MM-dd HH:mm:ss"))
}

fn split_list(v: &str) -> Vec<String> {
    v.split([';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Reads a snake_case enum value (`maintenance_stop`, `Natural-Resources` …) through its serde name.
fn parse_enum<T: DeserializeOwned>(col: &str, v: &str) -> R<T> {
    let norm = v.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    serde_json::from_value(serde_json::Value::String(norm)).map_err(|_| format!("`{col}`: unknown value {v:?}"))
}

fn parse_source(col: &str, v: &str) -> R<HazardSource> {
    let (kind, id) =
        v.split_once(':').ok_or_else(|| format!("`{col}`: {v:?} is not kind:id (inspection:IN-1, engine:f-…, self_check:SC-1)"))?;
    let id = id.trim().to_string();
    if id.is_empty() {
        return Err(format!("`{col}`: {v:?} has no id"));
    }
    match kind.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "inspection" => Ok(HazardSource::Inspection { inspection: id }),
        "engine" => Ok(HazardSource::Engine { finding: id }),
        "self_check" | "selfcheck" => Ok(HazardSource::SelfCheck { self_check: id }),
        k => Err(format!("`{col}`: unknown source kind {k:?} (inspection, engine, self_check)")),
    }
}

/// `findings`: entries separated by `;`, each `rule|place|text|basis|major|hazard`
/// (`major` yes/no; `hazard` the hazard id or empty).
fn parse_findings(v: &str) -> R<Vec<InspectionFinding>> {
    split_list(v)
        .iter()
        .map(|f| {
            let parts: Vec<&str> = f.split('|').map(str::trim).collect();
            if parts.len() < 5 || parts.len() > 6 {
                return Err(format!("`findings`: {f:?} is not rule|place|text|basis|major|hazard"));
            }
            let major = match parts[4].to_ascii_lowercase().as_str() {
                "yes" | "true" | "1" | "是" | "major" => true,
                "no" | "false" | "0" | "否" | "" => false,
                m => return Err(format!("`findings`: major {m:?} is not yes/no")),
            };
            if parts[0].is_empty() {
                return Err(format!("`findings`: {f:?} has no rule"));
            }
            Ok(InspectionFinding {
                rule: parts[0].to_string(),
                place: parts[1].to_string(),
                text: parts[2].to_string(),
                basis: parts[3].to_string(),
                major,
                hazard: parts.get(5).filter(|h| !h.is_empty()).map(|h| h.to_string()),
            })
        })
        .collect()
}

fn row_actor(row: &Row) -> R<Actor> {
    let role = row.req("actor_role")?.to_ascii_lowercase();
    let scope = row.opt("actor_scope").map(str::to_string);
    let scoped = |what: &str| scope.clone().ok_or_else(|| format!("missing required field `actor_scope` ({what} for role {role})"));
    let role = match role.as_str() {
        "mine_staff" => Role::MineStaff { mine: scoped("the mine code")? },
        "mine_principal" => Role::MinePrincipal { mine: scoped("the mine code")? },
        "inspector" => Role::Inspector { office: scoped("the office")? },
        "regulator_head" => Role::RegulatorHead { office: scoped("the office")? },
        "government" => Role::Government { office: scoped("the office")? },
        "system" => Role::System,
        r => {
            return Err(format!(
                "`actor_role`: unknown role {r:?} (mine_staff, mine_principal, inspector, regulator_head, government, system)"
            ))
        }
    };
    let id = row.req("actor_id")?;
    let name = row.opt("actor_name").unwrap_or(id);
    Ok(Actor::new(id, name, role))
}

fn row_event(row: &Row, stem_family: Option<Family>) -> R<Event> {
    let family = match row.opt("kind") {
        Some(k) => Family::parse(k).ok_or_else(|| format!("`kind`: unknown record family {k:?}"))?,
        None => stem_family.ok_or("missing required field `kind` (the file name does not tell the family)")?,
    };
    let at = row.time("at")?;
    let actor = row_actor(row)?;
    let action = row.req("action")?.to_ascii_lowercase().replace('-', "_");
    if action_columns(family, &action).is_none() {
        let known: Vec<&str> = family.actions().collect();
        return Err(format!("unknown {} action {action:?} (one of {})", family.name(), known.join(", ")));
    }
    let command = match family {
        Family::Mines => Command::Mine(mine_cmd(row, &action)?),
        Family::Hazards => Command::Hazard(hazard_cmd(row, &action)?),
        Family::SelfChecks => Command::SelfCheck(self_check_cmd(row, &action)?),
        Family::Inspections => Command::Inspection(inspection_cmd(row, &action)?),
    };
    let unused = row.unused();
    if !unused.is_empty() {
        return Err(format!("{} action {action:?} does not use column(s) {}, which hold a value", family.name(), unused.join(", ")));
    }
    Ok(Event { at, actor, command })
}

fn mine_cmd(r: &Row, action: &str) -> R<MineCmd> {
    Ok(match action {
        "register" => MineCmd::Register {
            mine: r.string("mine")?,
            name: r.string("name")?,
            offices: r.req_list("offices")?,
            coal: r.boolean("coal")?,
            underground: r.boolean("underground")?,
            status: r.enumerated::<MineStatus>("status")?,
            since: r.time("since")?,
        },
        "licence" => MineCmd::RecordLicence {
            mine: r.string("mine")?,
            licence: Licence {
                kind: r.enumerated::<LicenceKind>("licence_kind")?,
                number: r.string("number")?,
                valid_from: r.time("valid_from")?,
                valid_to: r.time("valid_to")?,
                revoked_at: None,
            },
        },
        "revoke_licence" => MineCmd::RevokeLicence { mine: r.string("mine")?, number: r.string("number")?, reason: r.string("reason")? },
        "change_status" => MineCmd::ChangeStatus {
            mine: r.string("mine")?,
            to: r.enumerated::<MineStatus>("status")?,
            effective: r.time("effective")?,
            basis: r.string("basis")?,
            notes: r.text("notes"),
        },
        "apply_restart" => {
            MineCmd::ApplyRestart { id: r.string("id")?, mine: r.string("mine")?, plan: r.string("plan")?, items: r.req_list("items")? }
        }
        "accept_item" => {
            MineCmd::AcceptItem { id: r.string("id")?, item: r.string("item")?, passed: r.boolean("passed")?, evidence: r.text("evidence") }
        }
        "approve_restart" => MineCmd::ApproveRestart { id: r.string("id")?, notes: r.text("notes") },
        "refuse_restart" => MineCmd::RefuseRestart { id: r.string("id")?, reason: r.string("reason")? },
        "propose_closure" => MineCmd::ProposeClosure {
            id: r.string("id")?,
            mine: r.string("mine")?,
            rule: r.string("rule")?,
            hazards: r.list("hazards"),
            penalties: r.list("penalties"),
            to_government: r.string("to_government")?,
        },
        a => return Err(format!("unknown mines action {a:?}")),
    })
}

fn hazard_cmd(r: &Row, action: &str) -> R<HazardCmd> {
    let id = r.string("id")?;
    Ok(match action {
        "open" => HazardCmd::Open {
            id,
            mine: r.string("mine")?,
            place: r.string("place")?,
            system: r.opt_string("system"),
            kind: r.string("hazard_kind")?,
            description: r.string("description")?,
            found_at: r.time("found_at")?,
            evidence_since: r.opt_time("evidence_since")?,
            source: parse_source("source", r.req("source")?)?,
            evidence: r.list("evidence"),
        },
        "confirm" => HazardCmd::Confirm { id, notes: r.text("notes") },
        "observe" => HazardCmd::Observe { id, source: parse_source("source", r.req("source")?)?, at: r.time("observed_at")? },
        "plan" => HazardCmd::Plan {
            id,
            five: FiveInPlace {
                responsible: r.string("responsible")?,
                measures: r.string("measures")?,
                funds_cny: r.money("funds_cny")?,
                deadline: r.time("deadline")?,
                contingency_plan: r.string("contingency_plan")?,
            },
        },
        "start" => HazardCmd::Start { id },
        "submit" => HazardCmd::Submit { id, notes: r.text("notes"), evidence: r.list("evidence") },
        "verify" => HazardCmd::Verify { id, notes: r.text("notes") },
        "reject" => HazardCmd::Reject { id, reason: r.string("reason")? },
        "sign_off" => HazardCmd::SignOff { id, notes: r.text("notes") },
        "revoke" => HazardCmd::Revoke { id, reason: r.string("reason")? },
        "extend" => HazardCmd::Extend { id, to: r.time("deadline")?, reason: r.string("reason")? },
        "assign_helper" => HazardCmd::AssignHelper { id, helper_id: r.string("helper_id")?, helper_name: r.string("helper_name")? },
        "contest" => HazardCmd::Contest { id, reason: r.string("reason")?, evidence: r.list("evidence") },
        "decide_contest" => HazardCmd::DecideContest { id, upheld: r.boolean("upheld")?, notes: r.text("notes") },
        a => return Err(format!("unknown hazards action {a:?}")),
    })
}

fn self_check_cmd(r: &Row, action: &str) -> R<SelfCheckCmd> {
    match action {
        "record" => {
            let m = r.req("month")?;
            // A month cell may arrive as a date (XLSX) or `yyyy-MM`.
            let month = Month::parse(m)
                .filter(|_| m.len() <= 7)
                .or_else(|| Date::parse(m.get(..10).unwrap_or(m)).map(Date::month))
                .ok_or_else(|| format!("`month`: {m:?} is not yyyy-MM"))?;
            let links = r.req_list("links")?.iter().map(|l| parse_enum::<KeyLink>("links", l)).collect::<R<Vec<_>>>()?;
            Ok(SelfCheckCmd::Record {
                id: r.string("id")?,
                mine: r.string("mine")?,
                month,
                held_on: r.time("held_on")?,
                led_by: r.string("led_by")?,
                links,
                hazards_found: r.list("hazards_found"),
                notes: r.text("notes"),
            })
        }
        a => Err(format!("unknown self_checks action {a:?}")),
    }
}

fn inspection_cmd(r: &Row, action: &str) -> R<InspectionCmd> {
    let id = r.string("id")?;
    Ok(match action {
        "plan" => InspectionCmd::Plan {
            id,
            mine: r.string("mine")?,
            office: r.string("office")?,
            planned_on: r.time("planned_on")?,
            mode: r.enumerated::<VisitMode>("mode")?,
            focus: r.list("focus"),
            inspectors: r.req_list("inspectors")?,
        },
        "record" => InspectionCmd::Record {
            id,
            plan: r.opt_string("plan"),
            mine: r.string("mine")?,
            office: r.string("office")?,
            started_at: r.time("started_at")?,
            ended_at: r.time("ended_at")?,
            mode: r.enumerated::<VisitMode>("mode")?,
            inspectors: r.req_list("inspectors")?,
            places: r.list("places"),
            systems: r.list("systems"),
            findings: r.opt("findings").map(parse_findings).transpose()?.unwrap_or_default(),
            notes: r.text("notes"),
        },
        "sign" => InspectionCmd::Sign { id },
        "issue_order" => {
            let kind = match r.req("order_kind")?.to_ascii_lowercase().replace('-', "_").as_str() {
                "correct_by_deadline" => OrderKind::CorrectByDeadline { deadline: r.time("deadline")? },
                "stop_in_area" => OrderKind::StopInArea { area: r.string("area")? },
                "stop_production" => OrderKind::StopProduction,
                k => return Err(format!("`order_kind`: unknown value {k:?} (correct_by_deadline, stop_in_area, stop_production)")),
            };
            InspectionCmd::IssueOrder {
                id,
                mine: r.string("mine")?,
                inspection: r.opt_string("inspection"),
                kind,
                basis: r.string("basis")?,
                text: r.string("text")?,
            }
        }
        "lift_order" => InspectionCmd::LiftOrder { id, notes: r.text("notes") },
        "impose_penalty" => {
            let target = match r.req("target")?.to_ascii_lowercase().as_str() {
                "enterprise" => PenaltyTarget::Enterprise,
                "person" => PenaltyTarget::Person { name: r.string("person_name")?, post: r.string("person_post")? },
                t => return Err(format!("`target`: unknown value {t:?} (enterprise, person)")),
            };
            InspectionCmd::ImposePenalty {
                id,
                mine: r.string("mine")?,
                inspection: r.opt_string("inspection"),
                target,
                amount_cny: r.money("amount_cny")?,
                consequence: r.string("consequence")?,
                basis: r.string("basis")?,
                law: r.string("law")?,
                decided_at: r.time("decided_at")?,
            }
        }
        "refer" => InspectionCmd::Refer {
            id,
            mine: r.string("mine")?,
            to: r.enumerated::<ReferralTarget>("refer_to")?,
            basis: r.string("basis")?,
            text: r.string("text")?,
            ack_deadline: r.time("ack_deadline")?,
        },
        "acknowledge_referral" => InspectionCmd::AcknowledgeReferral { id, by: r.string("ack_by")?, notes: r.text("notes") },
        a => return Err(format!("unknown inspections action {a:?}")),
    })
}

/// Quotes one CSV field when it needs it (comma, quote, line break).
#[cfg(test)]
pub fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

/// Writes a header and rows as CSV text (UTF-8, `\n` line ends); for tests and examples.
#[cfg(test)]
pub fn write_csv_rows(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = header.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ledger")
    }

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).unwrap()
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn family_prefix(f: Family) -> &'static str {
        match f {
            Family::Mines => "mine",
            Family::Hazards => "hazard",
            Family::SelfChecks => "self_check",
            Family::Inspections => "inspection",
        }
    }

    #[test]
    fn every_family_parses_into_its_commands() {
        let (events, rejects) = read_path(&fixtures()).unwrap();
        assert!(rejects.is_empty(), "{rejects:#?}");
        let got: BTreeSet<String> = events.iter().map(|e| e.event.command.name()).collect();
        let want: BTreeSet<String> = ACTIONS
            .iter()
            .map(|(f, a, _)| format!("{}.{}", family_prefix(*f), if *a == "licence" { "record_licence" } else { a }))
            .collect();
        assert_eq!(got, want, "one example per action, each the right command");
        // Files in name order, records numbered from the first data row.
        let files: Vec<&str> = events.iter().map(|e| e.file.as_str()).collect();
        assert_eq!(files.first(), Some(&"hazards.csv"));
        assert_eq!(files.last(), Some(&"self_checks.csv"));
        assert_eq!(events[0].record, 0);

        let find = |name: &str| events.iter().find(|e| e.event.command.name() == name).unwrap();
        match &find("mine.register").event.command {
            Command::Mine(MineCmd::Register { mine, offices, coal, status, since, .. }) => {
                assert_eq!(mine, "140000000101");
                assert_eq!(offices, &["county-01", "city-01"]);
                assert!(*coal);
                assert_eq!(*status, MineStatus::Producing);
                assert_eq!(*since, ts("2026-01-01 00:00:00"));
            }
            c => panic!("{c:?}"),
        }
        match &find("mine.record_licence").event.command {
            Command::Mine(MineCmd::RecordLicence { licence, .. }) => {
                assert_eq!(licence.kind, LicenceKind::SafetyProduction);
                // A bare date in a validity end means the whole day.
                assert_eq!(licence.valid_to, ts("2026-06-30 23:59:59"));
                assert_eq!(licence.valid_from, ts("2023-07-01 00:00:00"));
            }
            c => panic!("{c:?}"),
        }
        match &find("mine.accept_item").event.command {
            Command::Mine(MineCmd::AcceptItem { passed, item, .. }) => assert!(*passed && item == "通风系统"),
            c => panic!("{c:?}"),
        }
        let open = find("hazard.open");
        assert_eq!(open.event.actor, Actor::new("INS-C01", "张伟", Role::Inspector { office: "county-01".into() }));
        assert_eq!(open.event.at, ts("2026-01-31 11:40:00"));
        match &open.event.command {
            Command::Hazard(HazardCmd::Open { kind, description, source, evidence, evidence_since, system, .. }) => {
                assert_eq!(kind, "CM-5.1");
                assert!(description.contains(", 实测"), "quoted comma kept: {description}");
                assert_eq!(source, &HazardSource::Inspection { inspection: "IN-0101-001".into() });
                assert_eq!(evidence.len(), 2);
                assert_eq!(*evidence_since, Some(ts("2026-01-20 00:00:00")));
                assert_eq!(system.as_deref(), Some("ventilation"));
            }
            c => panic!("{c:?}"),
        }
        let engine = events
            .iter()
            .find(|e| matches!(&e.event.command, Command::Hazard(HazardCmd::Open { source: HazardSource::Engine { .. }, .. })))
            .unwrap();
        assert_eq!(engine.event.actor, Actor::system());
        match &find("hazard.plan").event.command {
            Command::Hazard(HazardCmd::Plan { five, .. }) => {
                assert_eq!(five.funds_cny, 800_000);
                assert_eq!(five.deadline, ts("2026-06-30 23:59:59"));
                assert_eq!(five.responsible, "王建国");
            }
            c => panic!("{c:?}"),
        }
        match &find("hazard.decide_contest").event.command {
            Command::Hazard(HazardCmd::DecideContest { upheld, .. }) => assert!(!upheld),
            c => panic!("{c:?}"),
        }
        match &find("self_check.record").event.command {
            Command::SelfCheck(SelfCheckCmd::Record { month, links, hazards_found, .. }) => {
                assert_eq!(month.to_string(), "2026-01");
                assert_eq!(links, &KeyLink::ALL.to_vec());
                assert_eq!(hazards_found, &["HZ-0101-03"]);
            }
            c => panic!("{c:?}"),
        }
        match &find("inspection.record").event.command {
            Command::Inspection(InspectionCmd::Record { findings, plan, mode, places, .. }) => {
                assert_eq!(plan.as_deref(), Some("PL-0101-01"));
                assert_eq!(*mode, VisitMode::Unannounced);
                assert_eq!(places.len(), 3);
                assert_eq!(findings.len(), 2);
                assert!(findings[0].major && findings[0].hazard.as_deref() == Some("HZ-0101-01"));
                assert!(!findings[1].major && findings[1].hazard.is_none());
                assert_eq!(findings[1].basis, "SPL Art. 65(3)");
            }
            c => panic!("{c:?}"),
        }
        let orders: Vec<&OrderKind> = events
            .iter()
            .filter_map(|e| match &e.event.command {
                Command::Inspection(InspectionCmd::IssueOrder { kind, .. }) => Some(kind),
                _ => None,
            })
            .collect();
        assert_eq!(orders[0], &OrderKind::CorrectByDeadline { deadline: ts("2026-03-31 23:59:59") });
        assert_eq!(orders[1], &OrderKind::StopInArea { area: "11205掘进工作面".into() });
        let targets: Vec<&PenaltyTarget> = events
            .iter()
            .filter_map(|e| match &e.event.command {
                Command::Inspection(InspectionCmd::ImposePenalty { target, .. }) => Some(target),
                _ => None,
            })
            .collect();
        assert_eq!(targets, [&PenaltyTarget::Enterprise, &PenaltyTarget::Person { name: "王建国".into(), post: "矿长".into() }]);
        match &find("inspection.refer").event.command {
            Command::Inspection(InspectionCmd::Refer { to, ack_deadline, .. }) => {
                assert_eq!(*to, ReferralTarget::PowerSupplier);
                assert_eq!(*ack_deadline, ts("2026-02-18 23:59:59"));
            }
            c => panic!("{c:?}"),
        }
    }

    const SC_HEADER: &str = "at,actor_id,actor_name,actor_role,actor_scope,action,id,mine,month,held_on,led_by,links,notes";
    const SC_ROW: &str =
        "2026-03-24 17:00:00,P-1,王建国,mine_principal,140000000101,record,SC-1,140000000101,2026-03,2026-03-24 14:00:00,王建国,hot_work;blasting,备注";

    fn led_by(e: &ImportedEvent) -> String {
        match &e.event.command {
            Command::SelfCheck(SelfCheckCmd::Record { led_by, .. }) => led_by.clone(),
            c => panic!("{c:?}"),
        }
    }

    #[test]
    fn gbk_files_are_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{SC_HEADER}\r\n{SC_ROW}\r\n");
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
        let (events, rejects) = read_path(&write(dir.path(), "self_checks.csv", &gbk)).unwrap();
        assert!(rejects.is_empty(), "{rejects:?}");
        assert_eq!(led_by(&events[0]), "王建国");
        // Bytes that are neither UTF-8 nor GBK reject the file, naming it.
        let (events, rejects) = read_path(&write(dir.path(), "self_checks.csv", b"at,action\n\xff\xff\xff\n")).unwrap();
        assert!(events.is_empty());
        assert_eq!((rejects[0].file.as_str(), rejects[0].record), ("self_checks.csv", None));
    }

    #[test]
    fn a_utf8_bom_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("\u{feff}{SC_HEADER}\n{SC_ROW}\n");
        let (events, rejects) = read_path(&write(dir.path(), "self_checks.csv", text.as_bytes())).unwrap();
        assert!(rejects.is_empty(), "{rejects:?}");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event.at, ts("2026-03-24 17:00:00"));
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "{SC_HEADER}\n{}\"第一行, 含逗号\n第二行 \"\"引号\"\"\"\n{SC_ROW}\n",
            SC_ROW.trim_end_matches("备注").replace("SC-1", "SC-0")
        );
        let (events, rejects) = read_path(&write(dir.path(), "self_checks.csv", text.as_bytes())).unwrap();
        assert!(rejects.is_empty(), "{rejects:?}");
        match &events[0].event.command {
            Command::SelfCheck(SelfCheckCmd::Record { notes, .. }) => assert_eq!(notes, "第一行, 含逗号\n第二行 \"引号\""),
            c => panic!("{c:?}"),
        }
        // Records are numbered by row, not by line.
        assert_eq!(events.iter().map(|e| e.record).collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn bad_rows_are_rejected_with_file_and_record_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let good = SC_ROW;
        let rows = [
            good.to_string(),
            good.replace("2026-03-24 17:00:00", "2026-03-24 25:00:00"), // 1 bad time
            good.replace(",record,", ",erase,"),                        // 2 unknown action
            good.replace(",王建国,hot_work", ",,hot_work"),             // 3 missing led_by
            format!("{good},extra"),                                    // 4 wrong column count
            good.replace(",inspector,", ",mayor,").replace("mine_principal", "mayor"), // 5 bad role
            good.replace("SC-1", "SC-6"),                               // 6 good
            good.replace("hot_work;blasting", "hot_work;karaoke"),      // 7 unknown key link
            "2026-03-25 17:00:00,P-1,王建国,mine_principal,140000000101,record,SC-8,140000000101,2026-03,\"2026-03-2".to_string(), // 8 truncated
        ];
        let text = format!("{SC_HEADER}\n{}", rows.join("\n"));
        let (events, rejects) = read_path(&write(dir.path(), "self_checks-2026.csv", text.as_bytes())).unwrap();
        assert_eq!(events.iter().map(|e| e.record).collect::<Vec<_>>(), [0, 6]);
        let by: BTreeMap<usize, &ImportReject> = rejects.iter().map(|r| (r.record.unwrap(), r)).collect();
        assert_eq!(by.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5, 7, 8]);
        assert!(rejects.iter().all(|r| r.file == "self_checks-2026.csv"));
        assert!(by[&1].reason.contains("`at`"), "{}", by[&1].reason);
        assert!(by[&2].reason.contains("unknown self_checks action \"erase\""), "{}", by[&2].reason);
        assert!(by[&3].reason.contains("missing required field `led_by`"), "{}", by[&3].reason);
        assert!(by[&4].reason.contains("14 fields where the header has 13"), "{}", by[&4].reason);
        assert!(by[&5].reason.contains("unknown role"), "{}", by[&5].reason);
        assert!(by[&7].reason.contains("karaoke"), "{}", by[&7].reason);
        assert!(by[&8].reason.contains("truncated"), "{}", by[&8].reason);
        assert_eq!(by[&4].raw, format!("{good},extra"), "the raw row is kept for the operator");
        assert!(by[&8].to_string().starts_with("self_checks-2026.csv record 8: "));
    }

    #[test]
    fn a_truncated_last_line_without_quotes_is_a_short_row() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{SC_HEADER}\n{SC_ROW}\n2026-03-25 17:00:00,P-1,王建国,mine_principal,1400");
        let (events, rejects) = read_path(&write(dir.path(), "self_checks.csv", text.as_bytes())).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].record, Some(1));
        assert!(rejects[0].reason.contains("the last line looks truncated"), "{}", rejects[0].reason);
    }

    #[test]
    fn unknown_columns_and_unused_values_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{SC_HEADER},colour\n{SC_ROW},red\n");
        let (events, rejects) = read_path(&write(dir.path(), "self_checks.csv", text.as_bytes())).unwrap();
        assert!(events.is_empty());
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].record, None);
        assert!(rejects[0].reason.contains("unknown column `colour`"));

        // A hazards file: `reason` belongs to the family, but `start` does not read it.
        let text = "at,actor_id,actor_name,actor_role,actor_scope,action,id,reason\n\
                    2026-03-01 10:00:00,S-1,李,mine_staff,140000000101,start,HZ-1,\n\
                    2026-03-01 10:00:00,S-1,李,mine_staff,140000000101,start,HZ-1,why\n";
        let (events, rejects) = read_path(&write(dir.path(), "hazards.csv", text.as_bytes())).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(rejects[0].record, Some(1));
        assert!(rejects[0].reason.contains("does not use column(s) reason"), "{}", rejects[0].reason);

        // No family from the name and no `kind` column.
        let (_, rejects) = read_path(&write(dir.path(), "ledger.csv", format!("{SC_HEADER}\n{SC_ROW}\n").as_bytes())).unwrap();
        assert!(rejects[0].reason.contains("cannot tell the record family"));
    }

    #[test]
    fn a_kind_column_mixes_families_in_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = "kind,at,actor_id,actor_name,actor_role,actor_scope,action,id,mine,reason\n\
                    hazards,2026-03-01 10:00:00,S-1,李,mine_staff,140000000101,start,HZ-1,,\n\
                    mine,2026-03-01 11:00:00,H-1,赵,regulator_head,county-01,refuse_restart,RS-1,,仍有隐患\n\
                    hazards,2026-03-01 12:00:00,S-1,李,mine_staff,140000000101,start,HZ-2,140000000101,\n\
                    ledgers,2026-03-01 12:00:00,S-1,李,mine_staff,140000000101,start,HZ-3,,\n";
        let (events, rejects) = read_path(&write(dir.path(), "export.csv", text.as_bytes())).unwrap();
        let names: Vec<String> = events.iter().map(|e| e.event.command.name()).collect();
        assert_eq!(names, ["hazard.start", "mine.refuse_restart"]);
        assert_eq!(rejects.iter().map(|r| r.record).collect::<Vec<_>>(), [Some(2), Some(3)]);
        assert!(rejects[0].reason.contains("mine"), "{}", rejects[0].reason);
        assert!(rejects[1].reason.contains("unknown record family"), "{}", rejects[1].reason);
    }

    #[test]
    fn family_names_come_from_file_stems() {
        assert_eq!(Family::from_stem("mines"), Some(Family::Mines));
        assert_eq!(Family::from_stem("Hazards-2026Q1"), Some(Family::Hazards));
        assert_eq!(Family::from_stem("self_checks_03"), Some(Family::SelfChecks));
        assert_eq!(Family::from_stem("inspection"), Some(Family::Inspections));
        assert_eq!(Family::from_stem("minesweeper"), None);
        assert_eq!(Family::from_stem("ledger"), None);
        assert_eq!(Family::parse("Self-Check"), Some(Family::SelfChecks));
    }

    #[test]
    fn xlsx_round_trip_reads_date_cells_numbers_and_text() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let dir = tempfile::tempdir().unwrap();
        let header = [
            "at",
            "actor_id",
            "actor_name",
            "actor_role",
            "actor_scope",
            "action",
            "id",
            "responsible",
            "measures",
            "funds_cny",
            "deadline",
            "contingency_plan",
        ];
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let dt = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let d = Format::new().set_num_format("yyyy-mm-dd");
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        // Row 1: an Excel date-time cell, a number, a date-only deadline.
        ws.write_datetime_with_format(1, 0, ExcelDateTime::parse_from_str("2026-02-03 10:00:00").unwrap(), &dt).unwrap();
        for (c, v) in ["S-140000000101", "李志强", "mine_staff"].iter().enumerate() {
            ws.write_string(1, 1 + c as u16, *v).unwrap();
        }
        ws.write_number(1, 4, 140000000101.0).unwrap();
        ws.write_string(1, 5, "plan").unwrap();
        ws.write_string(1, 6, "HZ-1").unwrap();
        ws.write_string(1, 7, "王建国").unwrap();
        ws.write_string(1, 8, "调整风量, 复测").unwrap();
        ws.write_number(1, 9, 800000.0).unwrap();
        ws.write_datetime_with_format(1, 10, ExcelDateTime::parse_from_str("2026-06-30").unwrap(), &d).unwrap();
        ws.write_string(1, 11, "撤出无关人员").unwrap();
        // Row 2: times as text, a bad amount.
        let text = [
            "2026-02-04 10:00:00",
            "S-1",
            "李",
            "mine_staff",
            "140000000101",
            "plan",
            "HZ-2",
            "王",
            "措施",
            "八十万",
            "2026-06-30",
            "预案",
        ];
        for (c, v) in text.iter().enumerate() {
            ws.write_string(2, c as u16, *v).unwrap();
        }
        let path = dir.path().join("hazards.xlsx");
        wb.save(&path).unwrap();

        let (events, rejects) = read_path(dir.path()).unwrap();
        assert_eq!(events.len(), 1, "{rejects:?}");
        let e = &events[0];
        assert_eq!((e.file.as_str(), e.record), ("hazards.xlsx", 0));
        assert_eq!(e.event.at, ts("2026-02-03 10:00:00"));
        assert_eq!(e.event.actor.role, Role::MineStaff { mine: "140000000101".into() });
        match &e.event.command {
            Command::Hazard(HazardCmd::Plan { id, five }) => {
                assert_eq!(id, "HZ-1");
                assert_eq!(five.funds_cny, 800_000);
                assert_eq!(five.deadline, ts("2026-06-30 23:59:59"));
                assert_eq!(five.measures, "调整风量, 复测");
            }
            c => panic!("{c:?}"),
        }
        assert_eq!(rejects.len(), 1);
        assert_eq!((rejects[0].file.as_str(), rejects[0].record), ("hazards.xlsx", Some(1)));
        assert!(rejects[0].reason.contains("funds_cny"), "{}", rejects[0].reason);
        assert!(rejects[0].raw.contains("八十万"));

        // The same row written as CSV gives the same event.
        let csv = write_csv_rows(
            &header,
            &[vec![
                "2026-02-03 10:00:00",
                "S-140000000101",
                "李志强",
                "mine_staff",
                "140000000101",
                "plan",
                "HZ-1",
                "王建国",
                "调整风量, 复测",
                "800000",
                "2026-06-30",
                "撤出无关人员",
            ]
            .into_iter()
            .map(String::from)
            .collect()],
        );
        let sub = dir.path().join("csv");
        std::fs::create_dir(&sub).unwrap();
        let (from_csv, r) = read_path(&write(&sub, "hazards.csv", csv.as_bytes())).unwrap();
        assert!(r.is_empty(), "{r:?}");
        assert_eq!(from_csv[0].event, e.event);
    }

    #[test]
    fn a_missing_path_is_an_error_and_other_files_in_a_directory_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_path(&dir.path().join("nope")).is_err());
        write(dir.path(), "truth.jsonl", b"{}");
        write(dir.path(), "README.txt", b"hello");
        let (e, r) = read_path(dir.path()).unwrap();
        assert!(e.is_empty() && r.is_empty());
        // An empty CSV is a file-level reject.
        let (_, r) = read_path(&write(dir.path(), "mines.csv", b"")).unwrap();
        assert_eq!(r[0].record, None);
        assert!(r[0].reason.contains("no header"));
    }

    /// A simulated year imports without a single reject.
    fn simulated_year(mines: usize) -> (tempfile::TempDir, Vec<ImportedEvent>, minesafe_sim::year::YearSummary) {
        let dir = tempfile::tempdir().unwrap();
        let summary = minesafe_sim::year::simulate_year(dir.path(), 2026, mines).unwrap();
        let (mut events, rejects) = read_path(dir.path()).unwrap();
        assert!(rejects.is_empty(), "{:#?}", &rejects[..rejects.len().min(5)]);
        assert_eq!(events.len(), summary.rows);
        chronological(&mut events);
        (dir, events, summary)
    }

    #[test]
    fn a_simulated_year_imports_without_rejects() {
        let (_dir, events, summary) = simulated_year(16);
        assert!(summary.rows > 16 * 12 * 3, "monthly inspections, signatures and self-checks at least: {}", summary.rows);
        assert!(events.windows(2).all(|w| w[0].event.at <= w[1].event.at));
        // Every family is present.
        for f in Family::ALL {
            assert!(events.iter().any(|e| family_of_command(&e.event.command) == f), "{f:?}");
        }
    }

    #[test]
    fn a_simulated_year_applies_without_refusals() {
        let (_dir, events, _) = simulated_year(16);
        let mut ledger = minesafe_ledger::Ledger::new(minesafe_ledger::LedgerConfig::default());
        let refusals: Vec<String> = events
            .iter()
            .filter_map(|e| {
                ledger
                    .apply(&e.event)
                    .err()
                    .map(|r| format!("{} record {} ({}): {:?} {}", e.file, e.record, e.event.command.name(), r.code, r))
            })
            .collect();
        assert!(refusals.is_empty(), "{} refusals, first: {:#?}", refusals.len(), &refusals[..refusals.len().min(10)]);
        assert_eq!(ledger.len() as usize, events.len());
    }

    #[test]
    fn a_simulated_year_ends_in_its_truth() {
        let (dir, events, _) = simulated_year(16);
        let mut ledger = minesafe_ledger::Ledger::new(minesafe_ledger::LedgerConfig::default());
        for e in &events {
            let _ = ledger.apply(&e.event);
        }
        let truth: Vec<serde_json::Value> =
            std::fs::read_to_string(dir.path().join("truth.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let end = ts("2026-12-31 23:59:59");
        let mut got: Vec<(String, String)> =
            minesafe_ledger::gates::closure_proposals(&ledger, end).into_iter().map(|p| (p.mine, p.rule)).collect();
        got.sort();
        got.dedup();
        let mut want: Vec<(String, String)> = truth
            .iter()
            .filter(|v| v["kind"] == "closure")
            .map(|v| (v["mine"].as_str().unwrap().to_string(), v["rule"].as_str().unwrap().to_string()))
            .collect();
        want.sort();
        assert_eq!(got, want, "closures on the closure cases only, none on the near misses or the other mines");
        for v in truth.iter().filter(|v| v["kind"] == "backtrace") {
            let bt: Vec<String> =
                minesafe_ledger::inspection::backtrace(&ledger, v["hazard"].as_str().unwrap()).into_iter().map(|b| b.inspection).collect();
            let want: Vec<String> = v["inspections"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
            assert_eq!(bt, want);
        }
        let tags = |kind: &str, key: &str| -> Vec<String> {
            let mut v: Vec<String> = truth.iter().filter(|v| v["kind"] == kind).map(|v| v[key].as_str().unwrap().to_string()).collect();
            v.sort();
            v
        };
        let mut overdue: Vec<String> = minesafe_ledger::hazard::overdue(&ledger, end)
            .into_iter()
            .filter_map(|f| f.tags.iter().find_map(|t| t.strip_prefix("hazard:").map(str::to_string)))
            .collect();
        overdue.sort();
        assert_eq!(overdue, tags("overdue", "hazard"), "only the ignored hazard is overdue at the year's end");
        let months = minesafe_ledger::calendar::Month { year: 2026, month: 1 };
        let last = minesafe_ledger::calendar::Month { year: 2026, month: 12 };
        let mut missing: Vec<String> =
            ledger.mines().flat_map(|m| minesafe_ledger::selfcheck::missing(&ledger, &m.code, months, last)).map(|f| f.mine).collect();
        missing.sort();
        assert_eq!(missing, tags("missing_self_check", "mine"), "one missed month on one mine");
    }
}
