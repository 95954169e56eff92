//! CSV and XLSX imports of the cross-check inputs (documented in
//! `docs/crosscheck-inputs.md`), with the same guarantees as the uploads: a bad
//! row is rejected with file, row and reason, the others are kept. Pure: bytes in.
//!
//! The files come from the mine's own ledgers, the power supplier, the lamp room
//! and the explosives store, exported by whatever tool each of them has: UTF-8
//! with or without BOM or GBK, English or Chinese headers, text or Excel dates.
//! One reader takes all of them; the kind of a file is told by its name
//! (`energy_2026-03.csv`, `产量.xlsx`) or, for files that mix kinds, by a `kind`
//! column. Every row names its mine (`mine` / `煤矿编码`), so one file may hold
//! many mines: the result is grouped per mine code for [`merge_into`].
//!
//! A year of 500 mines is tens of millions of hourly rows, so CSV is read as
//! byte records over the (decoded once) file, fields are parsed in place, and a
//! mine's code is validated once, not per row.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use csv::ByteRecord;
use minesafe_model::{MineCode, Timestamp};
use serde::{Deserialize, Serialize};

use crate::inputs::{
    day_of, AreaHour, CardIdentity, CardTrip, Consumer, CrewActivity, DailyOutput, DailyVolume, Day, ExplosivesIssue, HourlyEnergy,
    HourlyMethane, LampRecord, LeaderRota, MineInputs, OutputSource, ShiftCrew, UploadGap, VolumeKind,
};

/// The input series a file can hold, one per series of [`MineInputs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Output,
    Energy,
    Explosives,
    Volumes,
    Methane,
    AreaHours,
    Crews,
    Trips,
    Identities,
    Lamps,
    Rota,
    InspectionDays,
    UploadGaps,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Output,
        Kind::Energy,
        Kind::Explosives,
        Kind::Volumes,
        Kind::Methane,
        Kind::AreaHours,
        Kind::Crews,
        Kind::Trips,
        Kind::Identities,
        Kind::Lamps,
        Kind::Rota,
        Kind::InspectionDays,
        Kind::UploadGaps,
    ];

    /// The file-name stem and `kind` value of this series.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Output => "output",
            Kind::Energy => "energy",
            Kind::Explosives => "explosives",
            Kind::Volumes => "volumes",
            Kind::Methane => "methane",
            Kind::AreaHours => "area_hours",
            Kind::Crews => "crews",
            Kind::Trips => "trips",
            Kind::Identities => "identities",
            Kind::Lamps => "lamps",
            Kind::Rota => "rota",
            Kind::InspectionDays => "inspection_days",
            Kind::UploadGaps => "upload_gaps",
        }
    }

    /// Chinese names the ledgers use for the same series.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Kind::Output => &["产量"],
            Kind::Energy => &["电量", "用电"],
            Kind::Explosives => &["火工品"],
            Kind::Volumes => &["抽采", "涌水"],
            Kind::Methane => &["瓦斯涌出"],
            Kind::AreaHours => &["区域人员"],
            Kind::Crews => &["单班人数", "班组人数"],
            Kind::Trips => &["下井记录", "入井记录"],
            Kind::Identities => &["人卡对应", "人员卡"],
            Kind::Lamps => &["灯房考勤", "灯房"],
            Kind::Rota => &["带班计划"],
            Kind::InspectionDays => &["检查日", "执法检查"],
            Kind::UploadGaps => &["上传中断"],
        }
    }

    /// A `kind` cell: the name or a Chinese alias, any ASCII case.
    pub fn from_name(s: &str) -> Option<Kind> {
        let s = s.trim();
        Kind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(s) || k.aliases().contains(&s))
    }

    /// The kind a file name announces: its stem starts with a kind's name (or
    /// alias), followed by nothing or by a character that is not a letter
    /// (`energy_2026-03.csv`, `area_hours.xlsx`, `灯房考勤3月.csv`).
    pub fn from_file_name(name: &str) -> Option<Kind> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let stem = base.rsplit_once('.').map_or(base, |(s, _)| s).to_ascii_lowercase();
        let mut best: Option<(usize, Kind)> = None;
        for k in Kind::ALL {
            for n in std::iter::once(k.name()).chain(k.aliases().iter().copied()) {
                let fits = stem.strip_prefix(n).is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_ascii_alphabetic()));
                if fits && best.is_none_or(|(len, _)| n.len() > len) {
                    best = Some((n.len(), k));
                }
            }
        }
        best.map(|(_, k)| k)
    }

    fn required(self) -> &'static [Col] {
        use Col::*;
        match self {
            Self::Output => &[Mine, Day, Source, Tonnes],
            Self::Energy => &[Mine, Hour, Consumer, Kwh],
            Self::Explosives => &[Mine, Day, Place, ExplosiveKg, Detonators],
            Self::Volumes => &[Mine, Day, Volume, M3],
            Self::Methane => &[Mine, Hour, M3PerMin],
            Self::AreaHours => &[Mine, Hour, Area, PeopleMax, PersonHours],
            Self::Crews => &[Mine, Day, Shift, Site, PeopleMax, At, Activity],
            Self::Trips => &[Mine, Card, Down, LastSeen],
            Self::Identities => &[Mine, Card, PersonId],
            Self::Lamps => &[Mine, PersonId, LampOut],
            Self::Rota => &[Mine, PersonId, Month, RequiredShifts],
            Self::InspectionDays => &[Mine, Day],
            Self::UploadGaps => &[Mine, System, From, To],
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every column any kind reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Mine,
    Kind,
    Day,
    Source,
    Tonnes,
    Hour,
    Consumer,
    Feeder,
    Kwh,
    Place,
    ExplosiveKg,
    Detonators,
    Volume,
    M3,
    M3PerMin,
    Area,
    PeopleMax,
    PersonHours,
    Shift,
    Site,
    At,
    Activity,
    ApprovedExtra,
    Card,
    Down,
    Up,
    LastSeen,
    Areas,
    PersonId,
    Name,
    Post,
    LampOut,
    LampIn,
    Month,
    RequiredShifts,
    System,
    From,
    To,
}

const N_COLS: usize = Col::To as usize + 1;

/// Header names per column: the canonical name first, then aliases (Chinese
/// headers as the ledgers print them).
const COLUMNS: [(Col, &[&str]); N_COLS] = [
    (Col::Mine, &["mine", "mine_code", "煤矿编码", "矿井编码"]),
    (Col::Kind, &["kind", "数据类别"]),
    (Col::Day, &["day", "date", "日期"]),
    (Col::Source, &["source", "来源", "产量来源"]),
    (Col::Tonnes, &["tonnes", "产量", "吨数"]),
    (Col::Hour, &["hour", "时间", "小时"]),
    (Col::Consumer, &["consumer", "用电类别"]),
    (Col::Feeder, &["feeder", "meter", "回路", "电表"]),
    (Col::Kwh, &["kwh", "电量", "用电量"]),
    (Col::Place, &["place", "地点", "领用地点"]),
    (Col::ExplosiveKg, &["explosive_kg", "炸药", "炸药量"]),
    (Col::Detonators, &["detonators", "雷管", "雷管数"]),
    (Col::Volume, &["volume", "量类"]),
    (Col::M3, &["m3", "立方米", "体积"]),
    (Col::M3PerMin, &["m3_per_min", "绝对瓦斯涌出量"]),
    (Col::Area, &["area", "区域", "区域编码"]),
    (Col::PeopleMax, &["people_max", "最大人数"]),
    (Col::PersonHours, &["person_hours", "人时"]),
    (Col::Shift, &["shift", "班次"]),
    (Col::Site, &["site", "作业地点"]),
    (Col::At, &["at", "出现时间"]),
    (Col::Activity, &["activity", "作业类型"]),
    (Col::ApprovedExtra, &["approved_extra", "核准增员"]),
    (Col::Card, &["card", "卡号", "定位卡号"]),
    (Col::Down, &["down", "入井时间"]),
    (Col::Up, &["up", "出井时间"]),
    (Col::LastSeen, &["last_seen", "最后出现时间"]),
    (Col::Areas, &["areas", "经过区域"]),
    (Col::PersonId, &["person_id", "身份证号", "人员编号"]),
    (Col::Name, &["name", "姓名"]),
    (Col::Post, &["post", "职务"]),
    (Col::LampOut, &["lamp_out", "领灯时间"]),
    (Col::LampIn, &["lamp_in", "还灯时间"]),
    (Col::Month, &["month", "月份"]),
    (Col::RequiredShifts, &["required_shifts", "应带班次数"]),
    (Col::System, &["system", "系统"]),
    (Col::From, &["from", "开始时间"]),
    (Col::To, &["to", "结束时间"]),
];

impl Col {
    fn name(self) -> &'static str {
        COLUMNS[self as usize].1[0]
    }

    fn from_header(h: &str) -> Option<Col> {
        let h = h.trim().trim_start_matches('\u{feff}');
        let norm: String = h.chars().map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() }).collect();
        COLUMNS.iter().find(|(_, names)| names.contains(&norm.as_str())).map(|(c, _)| *c)
    }
}

/// A row (or a whole file) that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub file: String,
    /// 1-based data row (the header is row 0); `None` for the whole file.
    pub row: Option<usize>,
    pub reason: String,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row {
            Some(r) => write!(f, "{} row {r}: {}", self.file, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// One mine's imported rows, by series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    pub output: Vec<DailyOutput>,
    pub energy: Vec<HourlyEnergy>,
    pub explosives: Vec<ExplosivesIssue>,
    pub volumes: Vec<DailyVolume>,
    pub methane: Vec<HourlyMethane>,
    pub area_hours: Vec<AreaHour>,
    pub crews: Vec<ShiftCrew>,
    pub trips: Vec<CardTrip>,
    pub identities: Vec<CardIdentity>,
    pub lamps: Vec<LampRecord>,
    pub rota: Vec<LeaderRota>,
    pub inspection_days: Vec<Day>,
    pub upload_gaps: Vec<UploadGap>,
}

/// Moves every series of `$src` (a [`Rows`]) into the same-named series of
/// `$dst` (a `Rows` or a [`MineInputs`]). Every field by name, so that a series
/// added to `Rows` cannot be dropped here unnoticed.
macro_rules! move_series {
    ($dst:expr, $src:expr) => {{
        let Rows {
            output,
            energy,
            explosives,
            volumes,
            methane,
            area_hours,
            crews,
            trips,
            identities,
            lamps,
            rota,
            inspection_days,
            upload_gaps,
        } = $src;
        take(&mut $dst.output, output);
        take(&mut $dst.energy, energy);
        take(&mut $dst.explosives, explosives);
        take(&mut $dst.volumes, volumes);
        take(&mut $dst.methane, methane);
        take(&mut $dst.area_hours, area_hours);
        take(&mut $dst.crews, crews);
        take(&mut $dst.trips, trips);
        take(&mut $dst.identities, identities);
        take(&mut $dst.lamps, lamps);
        take(&mut $dst.rota, rota);
        take(&mut $dst.inspection_days, inspection_days);
        take(&mut $dst.upload_gaps, upload_gaps);
    }};
}

impl Rows {
    pub fn len(&self) -> usize {
        self.output.len()
            + self.energy.len()
            + self.explosives.len()
            + self.volumes.len()
            + self.methane.len()
            + self.area_hours.len()
            + self.crews.len()
            + self.trips.len()
            + self.identities.len()
            + self.lamps.len()
            + self.rota.len()
            + self.inspection_days.len()
            + self.upload_gaps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends another import's rows for the same mine.
    pub fn append(&mut self, o: Rows) {
        move_series!(self, o);
    }

    /// Appends the rows to a mine's inputs and re-sorts them, as detectors expect.
    pub fn append_into(self, m: &mut MineInputs) {
        move_series!(m, self);
        m.sort();
        m.inspection_days.dedup();
    }
}

/// Moves `src` into an empty `dst` (no copy: a region-year's series are
/// gigabytes) or appends it.
fn take<T>(dst: &mut Vec<T>, mut src: Vec<T>) {
    if dst.is_empty() {
        *dst = src;
    } else {
        dst.append(&mut src);
    }
}

/// What one or more files gave: rows per mine code, and what was rejected.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Import {
    pub mines: BTreeMap<String, Rows>,
    pub rejects: Vec<Reject>,
    /// Header cells no column is known by (`file: column`); they are skipped, so
    /// that an extra `煤矿名称` does not stop a file, but a misspelt optional
    /// column shows up here.
    pub ignored_columns: Vec<String>,
}

impl Import {
    /// Rows kept over all mines.
    pub fn accepted(&self) -> usize {
        self.mines.values().map(Rows::len).sum()
    }

    /// Adds another file's import (duplicates are checked within a file only).
    pub fn extend(&mut self, other: Import) {
        for (code, rows) in other.mines {
            self.mines.entry(code).or_default().append(rows);
        }
        self.rejects.extend(other.rejects);
        self.ignored_columns.extend(other.ignored_columns);
    }
}

/// Moves the rows of `inputs`' mine out of the import into `inputs` (appended,
/// then sorted). Returns how many rows were moved.
pub fn merge_into(import: &mut Import, inputs: &mut MineInputs) -> usize {
    match import.mines.remove(inputs.code()) {
        Some(rows) => {
            let n = rows.len();
            rows.append_into(inputs);
            n
        }
        None => 0,
    }
}

/// Reads one file (CSV, or XLSX by its `.xlsx` name or zip signature). Never
/// fails: a file that cannot be read at all is one reject without a row.
pub fn read(name: &str, bytes: &[u8]) -> Import {
    let mut r = Reader::new(name);
    let is_xlsx = name.to_ascii_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04");
    let res = if is_xlsx { read_xlsx(&mut r, bytes) } else { read_csv(&mut r, bytes) };
    if let Err(reason) = res {
        r.rejects.push(Reject { file: name.to_string(), row: None, reason });
    }
    r.finish()
}

/// UTF-8 (a BOM is dropped) as it is; else GBK (read as GB18030, its superset).
fn decode(bytes: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(b).is_ok() {
        return Ok(Cow::Borrowed(b));
    }
    let (s, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(b);
    if had_errors {
        return Err("neither UTF-8 nor GBK text".to_string());
    }
    Ok(Cow::Owned(s.into_owned().into_bytes()))
}

fn read_csv(r: &mut Reader, bytes: &[u8]) -> Result<(), String> {
    let text = decode(bytes)?;
    let text: &[u8] = &text;
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text);
    let mut rec = ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => return Err("empty file: no header row".to_string()),
        Err(e) => return Err(format!("unreadable header: {e}")),
    }
    r.header(&rec)?;
    let mut row = 0usize;
    loop {
        let start = rdr.position().byte() as usize;
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                row += 1;
                let at_end = rdr.position().byte() as usize >= text.len();
                if at_end && text.get(start..).is_some_and(|raw| raw.iter().filter(|&&b| b == b'"').count() % 2 == 1) {
                    r.reject(row, "unterminated quoted field (the file looks truncated)".to_string());
                } else if rec.len() != r.width {
                    let truncated = at_end && rec.len() < r.width && !text.ends_with(b"\n");
                    let hint = if truncated { " (the last line looks truncated)" } else { "" };
                    r.reject(row, format!("{} fields where the header has {}{hint}", rec.len(), r.width));
                } else {
                    r.row(row, &rec);
                }
            }
            Err(e) => {
                row += 1;
                r.reject(row, format!("unreadable CSV record: {e}"));
                if e.is_io_error() {
                    break;
                }
            }
        }
    }
    Ok(())
}

fn read_xlsx(r: &mut Reader, bytes: &[u8]) -> Result<(), String> {
    use calamine::{Data, Reader as _, Xlsx};
    use std::fmt::Write as _;
    let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a readable workbook: {e}"))?;
    let range = wb.worksheet_range_at(0).ok_or("the workbook has no sheet")?.map_err(|e| format!("unreadable first sheet: {e}"))?;
    let mut rows = range.rows();
    let mut rec = ByteRecord::new();
    let mut buf = String::new();
    // Cells as the text a CSV export would hold; Excel dates become Beijing times.
    let cell_text = |d: &Data, buf: &mut String| -> Result<(), String> {
        buf.clear();
        match d {
            Data::Empty => {}
            Data::String(s) | Data::DurationIso(s) => buf.push_str(s),
            Data::DateTimeIso(s) => buf.push_str(&s.replacen('T', " ", 1)),
            Data::Int(i) => {
                let _ = write!(buf, "{i}");
            }
            Data::Float(f) => {
                let _ = write!(buf, "{f}");
            }
            Data::Bool(b) => {
                let _ = write!(buf, "{b}");
            }
            Data::DateTime(dt) => {
                let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
                let t = Timestamp::from_beijing(y as i64, mo as u32, d as u32, h as u32, mi as u32, s as u32)
                    .ok_or_else(|| format!("date cell out of range: {}", dt.as_f64()))?
                    .plus_secs(if ms >= 500 { 1 } else { 0 });
                t.write_upload(buf);
            }
            Data::Error(e) => return Err(format!("cell error {e:?}")),
        }
        Ok(())
    };
    let header = rows.next().ok_or("empty sheet: no header row")?;
    rec.clear();
    for d in header {
        cell_text(d, &mut buf).ok();
        rec.push_field(buf.as_bytes());
    }
    // Trailing empty header cells are the sheet's width, not columns.
    let mut hdr = ByteRecord::new();
    let used = header.iter().rposition(|d| !matches!(d, Data::Empty)).map_or(0, |i| i + 1);
    for f in rec.iter().take(used) {
        hdr.push_field(f);
    }
    r.header(&hdr)?;
    'rows: for (i, cells) in rows.enumerate() {
        let row = i + 1;
        if cells.iter().all(|d| matches!(d, Data::Empty)) {
            continue;
        }
        if cells.iter().skip(used).any(|d| !matches!(d, Data::Empty)) {
            r.reject(row, format!("a value beyond the header's {used} columns"));
            continue;
        }
        rec.clear();
        for d in cells.iter().take(used) {
            if let Err(reason) = cell_text(d, &mut buf) {
                r.reject(row, reason);
                continue 'rows;
            }
            rec.push_field(buf.as_bytes());
        }
        r.row(row, &rec);
    }
    Ok(())
}

/// One mine's rows while a file is read, with the data-row number of each (for
/// naming duplicates).
#[derive(Default)]
struct Building {
    rows: Rows,
    lines: [Vec<u32>; 13],
}

struct Reader {
    file: String,
    width: usize,
    /// Column → field index.
    cols: [Option<usize>; N_COLS],
    /// The file's kind, when its name tells it; else rows carry a `kind`.
    kind: Option<Kind>,
    /// Mines in order of first appearance, their index by code, and the last one used.
    mines: Vec<(String, Building)>,
    index: BTreeMap<String, usize>,
    last: Option<(String, usize)>,
    rejects: Vec<Reject>,
    ignored: Vec<String>,
}

impl Reader {
    fn new(file: &str) -> Self {
        Reader {
            file: file.to_string(),
            width: 0,
            cols: [None; N_COLS],
            kind: Kind::from_file_name(file),
            mines: Vec::new(),
            index: BTreeMap::new(),
            last: None,
            rejects: Vec::new(),
            ignored: Vec::new(),
        }
    }

    fn header(&mut self, rec: &ByteRecord) -> Result<(), String> {
        self.width = rec.len();
        for (i, f) in rec.iter().enumerate() {
            let h = std::str::from_utf8(f).map_err(|_| "the header is not text".to_string())?;
            let h = h.trim().trim_start_matches('\u{feff}');
            if h.is_empty() {
                continue;
            }
            match Col::from_header(h) {
                Some(c) => {
                    if let Some(j) = self.cols[c as usize] {
                        return Err(format!("column `{}` appears twice (header cells {} and {})", c.name(), j + 1, i + 1));
                    }
                    self.cols[c as usize] = Some(i);
                }
                None => self.ignored.push(format!("{}: {h}", self.file)),
            }
        }
        if self.cols[Col::Kind as usize].is_some() {
            // Rows say what they are.
            self.kind = None;
            return Ok(());
        }
        let kind = self.kind.ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            format!("cannot tell what the file holds: no `kind` column and the file name does not start with one of {names:?}")
        })?;
        let missing: Vec<&str> = kind.required().iter().filter(|c| self.cols[**c as usize].is_none()).map(|c| c.name()).collect();
        if !missing.is_empty() {
            return Err(format!("a `{kind}` file needs the column(s) {}", missing.join(", ")));
        }
        Ok(())
    }

    fn reject(&mut self, row: usize, reason: String) {
        self.rejects.push(Reject { file: self.file.clone(), row: Some(row), reason });
    }

    fn row(&mut self, row: usize, rec: &ByteRecord) {
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            // Spreadsheets export trailing empty rows as `,,,`: not records.
            return;
        }
        if let Err(reason) = self.parse_row(row, rec) {
            self.reject(row, reason);
        }
    }

    fn parse_row(&mut self, row: usize, rec: &ByteRecord) -> Result<(), String> {
        let f = Fields { rec, cols: &self.cols };
        let kind = match self.kind {
            Some(k) => k,
            None => {
                let k = f.req(Col::Kind)?;
                let kind = Kind::from_name(k).ok_or_else(|| format!("unknown kind `{k}`"))?;
                if let Some(c) = kind.required().iter().find(|c| self.cols[**c as usize].is_none()) {
                    return Err(format!("a `{kind}` row needs the column `{}`, which the header lacks", c.name()));
                }
                kind
            }
        };
        let mine = f.req(Col::Mine)?;
        // Rows of one mine come in runs: look the mine up only when it changes.
        if self.last.as_ref().is_none_or(|(code, _)| code != mine) {
            let i = match self.index.get(mine) {
                Some(&i) => i,
                None => {
                    MineCode::parse(mine).map_err(|e| format!("bad mine code: {e}"))?;
                    self.mines.push((mine.to_string(), Building::default()));
                    self.index.insert(mine.to_string(), self.mines.len() - 1);
                    self.mines.len() - 1
                }
            };
            self.last = Some((mine.to_string(), i));
        }
        let Some(b) = self.last.as_ref().and_then(|(_, i)| self.mines.get_mut(*i)).map(|x| &mut x.1) else {
            return Err("mine code lost".to_string());
        };
        let rows = &mut b.rows;
        match kind {
            Kind::Output => rows.output.push(DailyOutput {
                day: f.day(Col::Day)?,
                source: f.parse(Col::Source, source)?,
                tonnes: f.amount(Col::Tonnes)?,
            }),
            Kind::Energy => rows.energy.push(HourlyEnergy {
                hour: f.hour(Col::Hour)?,
                consumer: f.parse(Col::Consumer, consumer)?,
                feeder: f.opt(Col::Feeder)?.unwrap_or("").to_string(),
                kwh: f.amount(Col::Kwh)?,
            }),
            Kind::Explosives => rows.explosives.push(ExplosivesIssue {
                day: f.day(Col::Day)?,
                place: f.req(Col::Place)?.to_string(),
                explosive_kg: f.amount(Col::ExplosiveKg)?,
                detonators: f.count(Col::Detonators)?,
            }),
            Kind::Volumes => {
                rows.volumes.push(DailyVolume { day: f.day(Col::Day)?, kind: f.parse(Col::Volume, volume)?, m3: f.amount(Col::M3)? })
            }
            Kind::Methane => rows.methane.push(HourlyMethane { hour: f.hour(Col::Hour)?, m3_per_min: f.amount(Col::M3PerMin)? }),
            Kind::AreaHours => {
                let people_max = f.count(Col::PeopleMax)?;
                let person_hours = f.amount(Col::PersonHours)?;
                if person_hours > people_max as f64 + 1e-6 {
                    return Err(format!("person_hours {person_hours} in one hour exceed people_max {people_max}"));
                }
                rows.area_hours.push(AreaHour {
                    hour: f.hour(Col::Hour)?,
                    area: f.req(Col::Area)?.to_string(),
                    people_max,
                    person_hours: person_hours as f32,
                })
            }
            Kind::Crews => rows.crews.push(ShiftCrew {
                day: f.day(Col::Day)?,
                shift: f.req(Col::Shift)?.to_string(),
                site: f.req(Col::Site)?.to_string(),
                people_max: f.count(Col::PeopleMax)?,
                at: f.time(Col::At)?,
                activity: f.parse(Col::Activity, activity)?,
                approved_extra: match f.opt(Col::ApprovedExtra)? {
                    Some(_) => f.count(Col::ApprovedExtra)?,
                    None => 0,
                },
            }),
            Kind::Trips => {
                let down = f.time(Col::Down)?;
                let up = f.opt_time(Col::Up)?;
                let last_seen = f.time(Col::LastSeen)?;
                if up.is_some_and(|u| u < down) {
                    return Err("up is before down".to_string());
                }
                if last_seen < down {
                    return Err("last_seen is before down".to_string());
                }
                let areas = match f.opt(Col::Areas)? {
                    Some(s) => trip_areas(s)?,
                    None => Vec::new(),
                };
                rows.trips.push(CardTrip { card: f.req(Col::Card)?.to_string(), down, up, last_seen, areas })
            }
            Kind::Identities => rows.identities.push(CardIdentity {
                card: f.req(Col::Card)?.to_string(),
                person_id: f.req(Col::PersonId)?.to_string(),
                name: f.opt(Col::Name)?.unwrap_or("").to_string(),
                post: f.opt(Col::Post)?.unwrap_or("").to_string(),
            }),
            Kind::Lamps => {
                let lamp_out = f.time(Col::LampOut)?;
                let lamp_in = f.opt_time(Col::LampIn)?;
                if lamp_in.is_some_and(|i| i < lamp_out) {
                    return Err("lamp_in is before lamp_out".to_string());
                }
                rows.lamps.push(LampRecord { person_id: f.req(Col::PersonId)?.to_string(), lamp_out, lamp_in })
            }
            Kind::Rota => rows.rota.push(LeaderRota {
                person_id: f.req(Col::PersonId)?.to_string(),
                name: f.opt(Col::Name)?.unwrap_or("").to_string(),
                post: f.opt(Col::Post)?.unwrap_or("").to_string(),
                month: f.month(Col::Month)?,
                required_shifts: f.count(Col::RequiredShifts)?,
            }),
            Kind::InspectionDays => rows.inspection_days.push(f.day(Col::Day)?),
            Kind::UploadGaps => {
                let (from, to) = (f.time(Col::From)?, f.time(Col::To)?);
                if to <= from {
                    return Err("to is not after from".to_string());
                }
                rows.upload_gaps.push(UploadGap { system: f.parse(Col::System, system)?.to_string(), from, to })
            }
        }
        b.lines[kind.index()].push(row as u32);
        Ok(())
    }

    /// Drops the second and later rows of a key (naming the first), and empty mines.
    fn finish(self) -> Import {
        let Reader { file, mines, mut rejects, ignored, .. } = self;
        let mut out = Import { mines: BTreeMap::new(), rejects: Vec::new(), ignored_columns: ignored };
        for (code, b) in mines {
            let before = rejects.len();
            let Building { mut rows, lines } = b;
            let mut d = Dedup { file: &file, rejects: &mut rejects };
            d.run(
                &mut rows.output,
                &lines[Kind::Output.index()],
                |a, b| a.day.cmp(&b.day).then(a.source.cmp(&b.source)),
                |r| format!("{} {:?}", day_text(r.day), r.source),
            );
            d.run(
                &mut rows.energy,
                &lines[Kind::Energy.index()],
                |a, b| a.hour.cmp(&b.hour).then(a.consumer.cmp(&b.consumer)).then(a.feeder.cmp(&b.feeder)),
                |r| format!("{} {:?} {}", r.hour.upload_format(), r.consumer, r.feeder),
            );
            d.run(
                &mut rows.explosives,
                &lines[Kind::Explosives.index()],
                |a, b| a.day.cmp(&b.day).then(a.place.cmp(&b.place)),
                |r| format!("{} {}", day_text(r.day), r.place),
            );
            d.run(
                &mut rows.volumes,
                &lines[Kind::Volumes.index()],
                |a, b| a.day.cmp(&b.day).then(a.kind.cmp(&b.kind)),
                |r| format!("{} {:?}", day_text(r.day), r.kind),
            );
            d.run(&mut rows.methane, &lines[Kind::Methane.index()], |a, b| a.hour.cmp(&b.hour), |r| r.hour.upload_format());
            d.run(
                &mut rows.area_hours,
                &lines[Kind::AreaHours.index()],
                |a, b| a.hour.cmp(&b.hour).then(a.area.cmp(&b.area)),
                |r| format!("{} {}", r.hour.upload_format(), r.area),
            );
            d.run(
                &mut rows.crews,
                &lines[Kind::Crews.index()],
                |a, b| a.day.cmp(&b.day).then(a.shift.cmp(&b.shift)).then(a.site.cmp(&b.site)),
                |r| format!("{} {} {}", day_text(r.day), r.shift, r.site),
            );
            d.run(
                &mut rows.trips,
                &lines[Kind::Trips.index()],
                |a, b| a.card.cmp(&b.card).then(a.down.cmp(&b.down)),
                |r| format!("{} {}", r.card, r.down.upload_format()),
            );
            d.run(&mut rows.identities, &lines[Kind::Identities.index()], |a, b| a.card.cmp(&b.card), |r| r.card.clone());
            d.run(
                &mut rows.lamps,
                &lines[Kind::Lamps.index()],
                |a, b| a.person_id.cmp(&b.person_id).then(a.lamp_out.cmp(&b.lamp_out)),
                |r| format!("{} {}", r.person_id, r.lamp_out.upload_format()),
            );
            d.run(
                &mut rows.rota,
                &lines[Kind::Rota.index()],
                |a, b| a.person_id.cmp(&b.person_id).then(a.month.cmp(&b.month)),
                |r| format!("{} {}", r.person_id, day_text(r.month)),
            );
            d.run(&mut rows.inspection_days, &lines[Kind::InspectionDays.index()], |a, b| a.cmp(b), |r| day_text(*r));
            d.run(
                &mut rows.upload_gaps,
                &lines[Kind::UploadGaps.index()],
                |a, b| a.system.cmp(&b.system).then(a.from.cmp(&b.from)),
                |r| format!("{} {}", r.system, r.from.upload_format()),
            );
            // A duplicate names the mine too: one file may hold several.
            for rj in &mut rejects[before..] {
                rj.reason.push_str(&format!(" (mine {code})"));
            }
            if !rows.is_empty() {
                out.mines.insert(code, rows);
            }
        }
        rejects.sort_by_key(|r| r.row);
        out.rejects = rejects;
        out
    }
}

fn day_text(d: Day) -> String {
    crate::inputs::day_start(d).beijing_date()
}

struct Dedup<'a> {
    file: &'a str,
    rejects: &'a mut Vec<Reject>,
}

impl Dedup<'_> {
    /// Keeps the first row of each key (by row number) and rejects the others.
    fn run<T>(&mut self, v: &mut Vec<T>, lines: &[u32], cmp: impl Fn(&T, &T) -> Ordering, show: impl Fn(&T) -> String) {
        if v.len() < 2 {
            return;
        }
        let mut idx: Vec<u32> = (0..v.len() as u32).collect();
        // Push order is row order, so a stable sort keeps the first row first.
        idx.sort_by(|&a, &b| cmp(&v[a as usize], &v[b as usize]));
        let mut drop = vec![false; v.len()];
        let mut any = false;
        let mut first = idx[0] as usize;
        for &i in &idx[1..] {
            let i = i as usize;
            if cmp(&v[first], &v[i]) == Ordering::Equal {
                drop[i] = true;
                any = true;
                self.rejects.push(Reject {
                    file: self.file.to_string(),
                    row: Some(lines[i] as usize),
                    reason: format!("duplicate of row {}: same key ({}); the first is kept", lines[first], show(&v[i])),
                });
            } else {
                first = i;
            }
        }
        if any {
            let mut k = 0;
            v.retain(|_| {
                k += 1;
                !drop[k - 1]
            });
        }
    }
}

/// The cells of one row, looked up by column.
struct Fields<'a> {
    rec: &'a ByteRecord,
    cols: &'a [Option<usize>; N_COLS],
}

impl<'a> Fields<'a> {
    /// The trimmed cell, `None` when the column is absent or the cell empty.
    fn opt(&self, c: Col) -> Result<Option<&'a str>, String> {
        let Some(i) = self.cols[c as usize] else { return Ok(None) };
        let raw = self.rec.get(i).unwrap_or_default();
        let s = std::str::from_utf8(raw).map_err(|_| format!("`{}` is not text", c.name()))?.trim();
        Ok((!s.is_empty()).then_some(s))
    }

    fn req(&self, c: Col) -> Result<&'a str, String> {
        self.opt(c)?.ok_or_else(|| format!("`{}` is empty", c.name()))
    }

    /// A quantity: finite and not negative.
    fn amount(&self, c: Col) -> Result<f64, String> {
        let s = self.req(c)?;
        let v: f64 = s.parse().map_err(|_| format!("`{}` is not a number: {s:?}", c.name()))?;
        if !v.is_finite() {
            return Err(format!("`{}` is not a finite number: {s:?}", c.name()));
        }
        if v < 0.0 {
            return Err(format!("`{}` is negative: {s}", c.name()));
        }
        Ok(v)
    }

    fn count(&self, c: Col) -> Result<u32, String> {
        let s = self.req(c)?;
        s.parse().map_err(|_| format!("`{}` is not a whole number of at least 0: {s:?}", c.name()))
    }

    fn time(&self, c: Col) -> Result<Timestamp, String> {
        let s = self.req(c)?;
        parse_time(s).ok_or_else(|| format!("`{}` is not a time yyyy-MM-dd HH:mm[:ss]: {s:?}", c.name()))
    }

    fn opt_time(&self, c: Col) -> Result<Option<Timestamp>, String> {
        match self.opt(c)? {
            Some(s) => parse_time(s).map(Some).ok_or_else(|| format!("`{}` is not a time yyyy-MM-dd HH:mm[:ss]: {s:?}", c.name())),
            None => Ok(None),
        }
    }

    /// The start of an hour (hourly series are keyed by it).
    fn hour(&self, c: Col) -> Result<Timestamp, String> {
        let t = self.time(c)?;
        if t.0.rem_euclid(3600) != 0 {
            return Err(format!("`{}` is not the start of an hour: {}", c.name(), t.upload_format()));
        }
        Ok(t)
    }

    fn day(&self, c: Col) -> Result<Day, String> {
        let s = self.req(c)?;
        parse_day(s).ok_or_else(|| format!("`{}` is not a day yyyy-MM-dd: {s:?}", c.name()))
    }

    /// A month, `yyyy-MM` or its first day `yyyy-MM-01`.
    fn month(&self, c: Col) -> Result<Day, String> {
        let s = self.req(c)?;
        let bad = || format!("`{}` is not a month yyyy-MM: {s:?}", c.name());
        let d = if s.len() == 7 {
            let mut b = *b"0000-00-01";
            b[..7].copy_from_slice(s.as_bytes());
            parse_day(std::str::from_utf8(&b).map_err(|_| bad())?)
        } else {
            parse_day(s).filter(|d| crate::inputs::day_start(*d).beijing().day == 1)
        };
        d.ok_or_else(bad)
    }

    fn parse<T>(&self, c: Col, f: fn(&str) -> Option<T>) -> Result<T, String> {
        let s = self.req(c)?;
        f(s).ok_or_else(|| format!("unknown `{}` value {s:?}", c.name()))
    }
}

/// `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-dd HH:mm` (a `T` or `/` separators
/// accepted), Beijing time; no allocation.
fn parse_time(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let mut buf = *b"0000-00-00 00:00:00";
    match b.len() {
        19 => buf.copy_from_slice(b),
        16 => buf[..16].copy_from_slice(b),
        _ => return None,
    }
    for i in [4, 7] {
        if buf[i] == b'/' {
            buf[i] = b'-';
        }
    }
    Timestamp::parse_beijing(std::str::from_utf8(&buf).ok()?).ok()
}

/// `yyyy-MM-dd` (or `/`), or a time at midnight as an Excel date cell gives it.
fn parse_day(s: &str) -> Option<Day> {
    let t = match s.len() {
        10 => {
            let mut buf = *b"0000-00-00 00:00:00";
            buf[..10].copy_from_slice(s.as_bytes());
            parse_time(std::str::from_utf8(&buf).ok()?)?
        }
        _ => parse_time(s).filter(|t| t.beijing_seconds_of_day() == 0)?,
    };
    Some(day_of(t))
}

/// `area@time;area@time…` (times as in [`parse_time`]; `；` accepted).
fn trip_areas(s: &str) -> Result<Vec<(Timestamp, String)>, String> {
    let mut v = Vec::new();
    for part in s.split([';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let (area, at) = part.rsplit_once('@').ok_or_else(|| format!("`areas` item {part:?} is not area@time"))?;
        let t = parse_time(at.trim()).ok_or_else(|| format!("`areas` item {part:?} has a bad time"))?;
        let area = area.trim();
        if area.is_empty() {
            return Err(format!("`areas` item {part:?} has no area"));
        }
        v.push((t, area.to_string()));
    }
    v.sort_by_key(|x| x.0);
    Ok(v)
}

fn one_of<T: Copy>(s: &str, table: &[(&[&str], T)]) -> Option<T> {
    table.iter().find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(s))).map(|(_, v)| *v)
}

fn source(s: &str) -> Option<OutputSource> {
    one_of(
        s,
        &[
            (&["declared", "报表", "报表产量"], OutputSource::Declared),
            (&["belt_scale", "皮带秤"], OutputSource::BeltScale),
            (&["weighbridge", "地磅"], OutputSource::Weighbridge),
            (&["sales", "销售"], OutputSource::Sales),
            (&["rail", "铁路", "铁路外运"], OutputSource::Rail),
            (&["road", "公路", "公路外运"], OutputSource::Road),
        ],
    )
}

fn consumer(s: &str) -> Option<Consumer> {
    one_of(
        s,
        &[
            (&["total", "全矿", "总"], Consumer::Total),
            (&["hoisting", "提升"], Consumer::Hoisting),
            (&["ventilation", "通风"], Consumer::Ventilation),
            (&["drainage", "排水"], Consumer::Drainage),
            (&["haulage", "运输"], Consumer::Haulage),
            (&["face", "工作面", "采掘工作面"], Consumer::Face),
            (&["other", "其他"], Consumer::Other),
        ],
    )
}

fn volume(s: &str) -> Option<VolumeKind> {
    one_of(
        s,
        &[
            (&["gas_drainage", "瓦斯抽采", "抽采"], VolumeKind::GasDrainage),
            (&["water_inflow", "矿井涌水", "涌水"], VolumeKind::WaterInflow),
        ],
    )
}

fn activity(s: &str) -> Option<CrewActivity> {
    one_of(
        s,
        &[
            (&["production", "生产", "生产班"], CrewActivity::Production),
            (&["maintenance", "检修", "检修班"], CrewActivity::Maintenance),
            (&["cutting_and_support", "掘进", "支护", "掘进支护"], CrewActivity::CuttingAndSupport),
            (&["other", "其他"], CrewActivity::Other),
        ],
    )
}

fn system(s: &str) -> Option<&'static str> {
    one_of(s, &[(&["monitoring", "安全监控", "监控"], "monitoring"), (&["positioning", "人员定位", "定位"], "positioning")])
}

#[cfg(test)]
mod tests {
    use minesafe_model::registry::MineInfo;

    use super::*;
    use crate::inputs::day_start;

    const MINE: &str = "140211011234";
    const MINE2: &str = "140211019999";

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).expect("test time")
    }

    fn d(s: &str) -> Day {
        day_of(t(&format!("{s} 00:00:00")))
    }

    fn rows(imp: &Import) -> &Rows {
        imp.mines.get(MINE).unwrap_or_else(|| panic!("no rows for {MINE}: {:#?}", imp.rejects))
    }

    fn clean(name: &str, text: &str) -> Import {
        let imp = read(name, text.as_bytes());
        assert!(imp.rejects.is_empty(), "{name}: {:#?}", imp.rejects);
        imp
    }

    #[test]
    fn every_kind_parses() {
        let imp =
            clean("output.csv", &format!("mine,day,source,tonnes\n{MINE},2026-03-02,declared,3000.5\n{MINE},2026-03-02,皮带秤,2990\n"));
        assert_eq!(
            rows(&imp).output,
            vec![
                DailyOutput { day: d("2026-03-02"), source: OutputSource::Declared, tonnes: 3000.5 },
                DailyOutput { day: d("2026-03-02"), source: OutputSource::BeltScale, tonnes: 2990.0 },
            ]
        );
        let imp = clean(
            "energy_2026-03.csv",
            &format!("mine,hour,consumer,feeder,kwh\n{MINE},2026-03-02 08:00:00,hoisting,H1,120.5\n{MINE},2026-03-02 09:00,total,,1000\n"),
        );
        let e = &rows(&imp).energy;
        assert_eq!(e[0], HourlyEnergy { hour: t("2026-03-02 08:00:00"), consumer: Consumer::Hoisting, feeder: "H1".into(), kwh: 120.5 });
        assert_eq!((e[1].hour, e[1].consumer, e[1].feeder.as_str()), (t("2026-03-02 09:00:00"), Consumer::Total, ""));
        let imp = clean("explosives.csv", &format!("mine,day,place,explosive_kg,detonators\n{MINE},2026-03-02,H2203,36.0,120\n"));
        assert_eq!(
            rows(&imp).explosives,
            vec![ExplosivesIssue { day: d("2026-03-02"), place: "H2203".into(), explosive_kg: 36.0, detonators: 120 }]
        );
        let imp = clean("volumes.csv", &format!("mine,day,volume,m3\n{MINE},2026-03-02,gas_drainage,5200\n{MINE},2026-03-02,涌水,800\n"));
        assert_eq!(rows(&imp).volumes[1], DailyVolume { day: d("2026-03-02"), kind: VolumeKind::WaterInflow, m3: 800.0 });
        let imp = clean("methane.csv", &format!("mine,hour,m3_per_min\n{MINE},2026-03-02 08:00:00,12.5\n"));
        assert_eq!(rows(&imp).methane, vec![HourlyMethane { hour: t("2026-03-02 08:00:00"), m3_per_min: 12.5 }]);
        let imp = clean("area_hours.csv", &format!("mine,hour,area,people_max,person_hours\n{MINE},2026-03-02 08:00:00,F1101,21,18.5\n"));
        assert_eq!(
            rows(&imp).area_hours,
            vec![AreaHour { hour: t("2026-03-02 08:00:00"), area: "F1101".into(), people_max: 21, person_hours: 18.5 }]
        );
        let imp = clean(
            "crews.csv",
            &format!(
                "mine,day,shift,site,people_max,at,activity,approved_extra\n{MINE},2026-03-02,早班,F1101,24,2026-03-02 10:20:00,production,2\n\
                 {MINE},2026-03-02,中班,F1101,30,2026-03-02 18:00:00,检修,\n"
            ),
        );
        let c = &rows(&imp).crews;
        assert_eq!(
            c[0],
            ShiftCrew {
                day: d("2026-03-02"),
                shift: "早班".into(),
                site: "F1101".into(),
                people_max: 24,
                at: t("2026-03-02 10:20:00"),
                activity: CrewActivity::Production,
                approved_extra: 2
            }
        );
        assert_eq!((c[1].activity, c[1].approved_extra), (CrewActivity::Maintenance, 0));
        let imp = clean(
            "trips.csv",
            &format!(
                "mine,card,down,up,last_seen,areas\n{MINE},C1,2026-03-02 08:00:00,,2026-03-02 21:30:00,F1101@2026-03-02 09:00;A01@2026-03-02 08:10:00\n"
            ),
        );
        assert_eq!(
            rows(&imp).trips,
            vec![CardTrip {
                card: "C1".into(),
                down: t("2026-03-02 08:00:00"),
                up: None,
                last_seen: t("2026-03-02 21:30:00"),
                areas: vec![(t("2026-03-02 08:10:00"), "A01".into()), (t("2026-03-02 09:00:00"), "F1101".into())],
            }]
        );
        let imp = clean("identities.csv", &format!("mine,card,person_id,name,post\n{MINE},C1,P1,张三,矿长\n{MINE},C2,P1,张三,\n"));
        assert_eq!(
            rows(&imp).identities[0],
            CardIdentity { card: "C1".into(), person_id: "P1".into(), name: "张三".into(), post: "矿长".into() }
        );
        let imp = clean(
            "lamps.csv",
            &format!("mine,person_id,lamp_out,lamp_in\n{MINE},P1,2026-03-02 07:50:00,\n{MINE},P2,2026-03-02 07:51,2026-03-02 16:10\n"),
        );
        assert_eq!(
            rows(&imp).lamps,
            vec![
                LampRecord { person_id: "P1".into(), lamp_out: t("2026-03-02 07:50:00"), lamp_in: None },
                LampRecord { person_id: "P2".into(), lamp_out: t("2026-03-02 07:51:00"), lamp_in: Some(t("2026-03-02 16:10:00")) },
            ]
        );
        let imp = clean(
            "rota.csv",
            &format!("mine,person_id,name,post,month,required_shifts\n{MINE},P1,张三,矿长,2026-03,8\n{MINE},P1,张三,矿长,2026-04-01,9\n"),
        );
        let r = &rows(&imp).rota;
        assert_eq!((r[0].month, r[0].required_shifts, r[1].month), (d("2026-03-01"), 8, d("2026-04-01")));
        let imp = clean("inspection_days.csv", &format!("mine,day\n{MINE},2026-03-05\n{MINE},2026-03-19\n"));
        assert_eq!(rows(&imp).inspection_days, vec![d("2026-03-05"), d("2026-03-19")]);
        let imp = clean("upload_gaps.csv", &format!("mine,system,from,to\n{MINE},安全监控,2026-03-06 10:00:00,2026-03-06 11:30:00\n"));
        assert_eq!(
            rows(&imp).upload_gaps,
            vec![UploadGap { system: "monitoring".into(), from: t("2026-03-06 10:00:00"), to: t("2026-03-06 11:30:00") }]
        );
    }

    #[test]
    fn kind_from_file_name_or_kind_column() {
        assert_eq!(Kind::from_file_name("data/energy_2026-03.csv"), Some(Kind::Energy));
        assert_eq!(Kind::from_file_name("AREA_HOURS.xlsx"), Some(Kind::AreaHours));
        assert_eq!(Kind::from_file_name("灯房考勤3月.csv"), Some(Kind::Lamps));
        assert_eq!(Kind::from_file_name("energyx.csv"), None);
        assert_eq!(Kind::from_file_name("ledger.csv"), None);
        // A mixed file: each row says what it is.
        let imp = clean(
            "ledger-export.csv",
            &format!("kind,mine,day,source,tonnes,煤矿名称\noutput,{MINE},2026-03-02,sales,2800,某矿\n检查日,{MINE},2026-03-05,,,某矿\n"),
        );
        assert_eq!(rows(&imp).output.len(), 1);
        assert_eq!(rows(&imp).inspection_days, vec![d("2026-03-05")]);
        assert_eq!(imp.ignored_columns, vec!["ledger-export.csv: 煤矿名称".to_string()]);
        // A row of a kind whose columns the header lacks, and an unknown kind.
        let imp = read("mixed.csv", format!("kind,mine,day\nenergy,{MINE},2026-03-02\nsnow,{MINE},2026-03-02\n").as_bytes());
        assert_eq!(imp.rejects.len(), 2);
        assert!(imp.rejects[0].reason.contains("`energy` row needs the column `hour`"), "{:?}", imp.rejects);
        assert!(imp.rejects[1].reason.contains("unknown kind `snow`"));
        // Neither a kind name nor a kind column; a known kind missing a column.
        let imp = read("stuff.csv", format!("mine,day\n{MINE},2026-03-02\n").as_bytes());
        assert_eq!((imp.rejects.len(), imp.rejects[0].row, imp.accepted()), (1, None, 0));
        assert!(imp.rejects[0].reason.contains("cannot tell what the file holds"));
        let imp = read("output.csv", format!("mine,day,tonnes\n{MINE},2026-03-02,1\n").as_bytes());
        assert!(imp.rejects[0].reason.contains("needs the column(s) source"), "{:?}", imp.rejects);
        let imp = read("output.csv", format!("mine,day,日期,source,tonnes\n{MINE},2026-03-02,2026-03-02,sales,1\n").as_bytes());
        assert!(imp.rejects[0].reason.contains("`day` appears twice"), "{:?}", imp.rejects);
        assert!(read("output.csv", b"").rejects[0].reason.contains("empty file"));
    }

    #[test]
    fn gbk_with_chinese_headers() {
        let text = format!("煤矿编码,日期,来源,产量\r\n{MINE},2026-03-02,报表,3000\r\n{MINE},2026-03-03,地磅,2950\r\n");
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&gbk).is_err(), "the test must really be GBK");
        let imp = read("产量.csv", &gbk);
        assert!(imp.rejects.is_empty(), "{:?}", imp.rejects);
        let o = &rows(&imp).output;
        assert_eq!(
            (o[0].source, o[0].tonnes, o[1].source, o[1].day),
            (OutputSource::Declared, 3000.0, OutputSource::Weighbridge, d("2026-03-03"))
        );
        // Bytes that are neither UTF-8 nor GBK: the file is rejected whole.
        let imp = read("output.csv", b"mine,day\n\xff\xff\xff\n");
        assert_eq!((imp.rejects.len(), imp.rejects[0].row), (1, None));
        assert!(imp.rejects[0].reason.contains("neither UTF-8 nor GBK"));
    }

    #[test]
    fn bom_and_quoted_fields() {
        let text = format!(
            "\u{feff}mine,day,place,explosive_kg,detonators\n{MINE},2026-03-02,\"H2203, 切眼\",36,120\n\"{MINE}\",\"2026-03-03\",\"F1101 \"\"east\"\"\",\"12.5\",40\n"
        );
        let imp = clean("explosives.csv", &text);
        let x = &rows(&imp).explosives;
        assert_eq!(x[0].place, "H2203, 切眼");
        assert_eq!((x[1].place.as_str(), x[1].explosive_kg, x[1].day), ("F1101 \"east\"", 12.5, d("2026-03-03")));
    }

    #[test]
    fn truncated_last_line() {
        // The export stopped mid-row: the last row is short and has no newline.
        let imp = read("methane.csv", format!("mine,hour,m3_per_min\n{MINE},2026-03-02 08:00:00,12.5\n{MINE},2026-03-02 09:0").as_bytes());
        assert_eq!(rows(&imp).methane.len(), 1);
        assert_eq!(imp.rejects.len(), 1);
        assert_eq!(imp.rejects[0].row, Some(2));
        assert!(imp.rejects[0].reason.contains("2 fields where the header has 3 (the last line looks truncated)"), "{:?}", imp.rejects);
        // Stopped inside a quoted field.
        let imp = read("methane.csv", format!("mine,hour,m3_per_min\n{MINE},2026-03-02 08:00:00,12.5\n{MINE},\"2026-03-02 09:").as_bytes());
        assert_eq!(rows(&imp).methane.len(), 1);
        assert!(imp.rejects[0].reason.contains("unterminated quoted field"), "{:?}", imp.rejects);
        assert_eq!(imp.rejects[0].to_string(), "methane.csv row 2: unterminated quoted field (the file looks truncated)");
    }

    #[test]
    fn bad_rows_are_rejected_with_file_row_and_reason_and_the_rest_kept() {
        let text = format!(
            "mine,day,source,tonnes\n\
             {MINE},2026-03-01,declared,3000\n\
             {MINE},2026-03-02,declared\n\
             {MINE},2026-03-03,declared,lots\n\
             {MINE},2026-03-32,declared,3000\n\
             {MINE},2026-03-05,rumour,3000\n\
             {MINE},2026-03-06,declared,-5\n\
             14021101123,2026-03-07,declared,3000\n\
             {MINE},2026-03-08,declared,NaN\n\
             {MINE},,declared,3000\n\
             ,,,\n\
             {MINE2},2026-03-09,sales,2500\n"
        );
        let imp = read("output.csv", text.as_bytes());
        let got: Vec<(Option<usize>, &str)> = imp.rejects.iter().map(|r| (r.row, r.reason.as_str())).collect();
        let want_rows = [2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), want_rows.map(Some).to_vec(), "{got:#?}");
        let reasons = [
            "3 fields where the header has 4",
            "`tonnes` is not a number",
            "`day` is not a day",
            "unknown `source` value \"rumour\"",
            "`tonnes` is negative",
            "bad mine code",
            "not a finite number",
            "`day` is empty",
        ];
        for ((_, got), want) in got.iter().zip(reasons) {
            assert!(got.contains(want), "{got:?} should say {want:?}");
        }
        assert!(imp.rejects.iter().all(|r| r.file == "output.csv"));
        assert_eq!(rows(&imp).output, vec![DailyOutput { day: d("2026-03-01"), source: OutputSource::Declared, tonnes: 3000.0 }]);
        assert_eq!(imp.mines[MINE2].output[0].tonnes, 2500.0);
        assert_eq!(imp.accepted(), 2);
        // Times: a bad time, an hourly row not on the hour, a trip coming up before it went down.
        let imp = read(
            "energy.csv",
            format!("mine,hour,consumer,kwh\n{MINE},2026-03-02 8:00,total,1\n{MINE},2026-03-02 08:30:00,total,1\n{MINE},2026-03-02 09:00:00,total,1\n").as_bytes(),
        );
        assert_eq!(rows(&imp).energy.len(), 1);
        assert!(
            imp.rejects[0].reason.contains("not a time") && imp.rejects[1].reason.contains("not the start of an hour"),
            "{:?}",
            imp.rejects
        );
        let imp = read(
            "trips.csv",
            format!("mine,card,down,up,last_seen\n{MINE},C1,2026-03-02 08:00:00,2026-03-02 07:00:00,2026-03-02 08:00:00\n").as_bytes(),
        );
        assert!(imp.rejects[0].reason.contains("up is before down"));
        let imp = read(
            "trips.csv",
            format!("mine,card,down,last_seen,areas\n{MINE},C1,2026-03-02 08:00:00,2026-03-02 09:00:00,F1101\n").as_bytes(),
        );
        assert!(imp.rejects[0].reason.contains("not area@time"), "{:?}", imp.rejects);
        let imp =
            read("area_hours.csv", format!("mine,hour,area,people_max,person_hours\n{MINE},2026-03-02 08:00:00,F1,3,4.5\n").as_bytes());
        assert!(imp.rejects[0].reason.contains("exceed people_max"));
    }

    #[test]
    fn duplicates_keep_the_first_and_name_both_rows() {
        let text = format!(
            "mine,hour,consumer,feeder,kwh\n\
             {MINE},2026-03-02 08:00:00,hoisting,H1,100\n\
             {MINE},2026-03-02 08:00:00,hoisting,H2,90\n\
             {MINE2},2026-03-02 08:00:00,hoisting,H1,80\n\
             {MINE},2026-03-02 08:00,提升,H1,999\n\
             {MINE},2026-03-02 09:00:00,hoisting,H1,110\n\
             {MINE},2026-03-02 08:00:00,hoisting,H1,5\n"
        );
        let imp = read("energy.csv", text.as_bytes());
        assert_eq!(imp.rejects.len(), 2, "{:#?}", imp.rejects);
        assert_eq!(imp.rejects[0].row, Some(4));
        assert_eq!(
            imp.rejects[0].to_string(),
            format!("energy.csv row 4: duplicate of row 1: same key (2026-03-02 08:00:00 Hoisting H1); the first is kept (mine {MINE})")
        );
        assert_eq!(imp.rejects[1].row, Some(6));
        assert!(imp.rejects[1].reason.contains("duplicate of row 1"));
        let kwh: Vec<f64> = rows(&imp).energy.iter().map(|e| e.kwh).collect();
        assert_eq!(kwh, vec![100.0, 90.0, 110.0]);
        // The same key in another mine is no duplicate.
        assert_eq!(imp.mines[MINE2].energy.len(), 1);
    }

    #[test]
    fn xlsx_round_trip() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let day = Format::new().set_num_format("yyyy-mm-dd");
        let time = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        for (c, h) in ["煤矿编码", "card", "down", "up", "last_seen", "areas"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).expect("write");
        }
        let dt = |y, mo, d, h, mi| ExcelDateTime::from_ymd(y, mo, d).and_then(|x| x.and_hms(h, mi, 0)).expect("date");
        // Row 1: Excel date cells and a numeric mine code.
        ws.write_number(1, 0, 140211011234.0).expect("write");
        ws.write_string(1, 1, "C1").expect("write");
        ws.write_datetime_with_format(1, 2, dt(2026, 3, 2, 8, 0), &time).expect("write");
        ws.write_datetime_with_format(1, 4, dt(2026, 3, 2, 21, 30), &time).expect("write");
        ws.write_string(1, 5, "A01@2026-03-02 08:10;F1101@2026-03-02 09:00").expect("write");
        // Row 2: text dates; row 3: empty (skipped); row 4: a bad time.
        for (c, v) in [MINE, "C2", "2026-03-02 08:00:00", "2026-03-02 16:00", "2026-03-02 16:00:00", ""].iter().enumerate() {
            ws.write_string(2, c as u16, *v).expect("write");
        }
        for (c, v) in [MINE, "C3", "yesterday", "", "2026-03-02 16:00:00", ""].iter().enumerate() {
            ws.write_string(4, c as u16, *v).expect("write");
        }
        let bytes = wb.save_to_buffer().expect("xlsx");
        let imp = read("trips.xlsx", &bytes);
        assert_eq!(imp.rejects.len(), 1, "{:#?}", imp.rejects);
        assert_eq!(imp.rejects[0].row, Some(4));
        assert!(imp.rejects[0].reason.contains("`down` is not a time"));
        let tr = &rows(&imp).trips;
        assert_eq!(tr.len(), 2);
        assert_eq!(
            (tr[0].card.as_str(), tr[0].down, tr[0].up, tr[0].last_seen),
            ("C1", t("2026-03-02 08:00:00"), None, t("2026-03-02 21:30:00"))
        );
        assert_eq!(tr[0].areas[1], (t("2026-03-02 09:00:00"), "F1101".to_string()));
        assert_eq!(tr[1].up, Some(t("2026-03-02 16:00:00")));

        // A day column from Excel date cells (no time part).
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["mine", "day"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).expect("write");
        }
        ws.write_string(1, 0, MINE).expect("write");
        ws.write_datetime_with_format(1, 1, ExcelDateTime::from_ymd(2026, 3, 5).expect("date"), &day).expect("write");
        let imp = read("inspection_days.xlsx", &wb.save_to_buffer().expect("xlsx"));
        assert!(imp.rejects.is_empty(), "{:?}", imp.rejects);
        assert_eq!(rows(&imp).inspection_days, vec![d("2026-03-05")]);
        // Not a workbook at all.
        let imp = read("trips.xlsx", b"PK\x03\x04 broken");
        assert!(imp.rejects[0].reason.contains("not a readable workbook"));
    }

    #[test]
    fn merge_into_fills_the_mine_and_feeds_the_detectors() {
        let mut imp = read(
            "trips.csv",
            format!(
                "mine,card,down,up,last_seen,areas\n\
                 {MINE},C2,2026-03-02 08:00:00,2026-03-02 16:00:00,2026-03-02 16:00:00,A01@2026-03-02 08:10\n\
                 {MINE},C1,2026-03-02 07:00:00,,2026-03-02 21:30:00,A01@2026-03-02 07:10;F1101@2026-03-02 09:00\n\
                 {MINE2},C9,2026-03-02 07:00:00,,2026-03-02 21:30:00,\n"
            )
            .as_bytes(),
        );
        imp.extend(read("identities.csv", format!("mine,card,person_id,name\n{MINE},C1,P1,张三\n{MINE},C2,P2,李四\n").as_bytes()));
        imp.extend(read(
            "lamps.csv",
            format!("mine,person_id,lamp_out,lamp_in\n{MINE},P1,2026-03-02 06:50,\n{MINE},P2,2026-03-02 07:50,2026-03-02 16:10\n")
                .as_bytes(),
        ));
        assert!(imp.rejects.is_empty(), "{:?}", imp.rejects);
        let mut m =
            MineInputs::new(MineInfo::new(MineCode::parse(MINE).expect("code")), t("2026-03-01 00:00:00"), t("2026-03-05 00:00:00"));
        assert_eq!(merge_into(&mut imp, &mut m), 6);
        assert!(!imp.mines.contains_key(MINE) && imp.mines.contains_key(MINE2));
        // Sorted as detectors expect.
        assert_eq!(m.trips[0].card, "C1");
        assert_eq!(merge_into(&mut imp, &mut m), 0);
        let leads = crate::concealment::detect(&m, &crate::Config::default());
        assert_eq!(leads.len(), 1, "{leads:#?}");
        assert_eq!((leads[0].finding.rule.as_str(), leads[0].finding.place.as_deref()), ("ACC-LEAD-1", Some("C1")));
        assert_eq!(day_start(d("2026-03-02")), t("2026-03-02 00:00:00"));
    }
}
