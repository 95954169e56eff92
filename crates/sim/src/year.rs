//! A simulated year (2026) of a region's enforcement records, written as the
//! ledger import files (`docs/ledger-import.md`): `mines.csv`, `inspections.csv`,
//! `self_checks.csv`, `hazards.csv`, and `truth.jsonl` saying what the ledger must
//! conclude from them.
//!
//! Why a year and not a day: the closure rules (HM-3.3, R774 Art. 70, SPL Art.
//! 113) count calendar months and 180-day windows, so their cases and near misses
//! only show over months of inspections, hazards, penalties and licences.
//!
//! The region: one county office `county-01` and a city office `city-01`, both
//! covering every mine (codes `140000000101`, `140000000102`, …). Every mine is
//! registered with its safety production, mining and business licences, has a
//! signed routine inspection each month and a monthly self-check led by its
//! principal. The first [`SPECIAL_CASES`] mines (shuffled by the seed) each carry
//! one case with a truth line:
//!
//! - closures: (a) a confirmed hazard found by inspection on 2026-01-31 and found
//!   again by another inspection on 2026-04-30 while producing (ENF-HAZ-4);
//!   (b) found, signed off, found again six weeks after the first finding
//!   (ENF-HAZ-4); (c) a major hazard open and 3 SPL penalties within 141 days
//!   (ENF-HAZ-5); (d) producing after the safety production licence expired on
//!   2026-05-31 (ENF-CLOSE-1);
//! - near misses: the second finding on 2026-05-01, the day after the window from
//!   2026-01-31 closes; the second finding while the mine is stopped by order
//!   (the stop is followed by an item-by-item restart); one inspection finding two
//!   hazards of the same place and kind; an engine hazard never confirmed plus one
//!   confirmed observation; 3 SPL penalties spread over 181 days; a licence
//!   renewed the day before it expired (that mine also takes a maintenance stop);
//! - a back-tracing case (a hazard whose evidence predates two signed inspections
//!   that covered its place) and an ignored hazard (a correction order, a plan
//!   written to its deadline, then nothing: past the deadline, HM-2.3-R1); one
//!   mine misses the August self-check (HM-2.1-R1).
//!
//! Every other mine gets at most one major hazard, taken through the whole flow
//! (plan → start → submit → verify by an inspector → sign off by the office head,
//! some with a rejection, an extension or a named helper), R774 penalties only and
//! a referral, so it must end the year with no proposal.
//!
//! Deterministic: one `ChaCha8Rng` from the seed; the case dates are fixed.
//! This crate does not depend on the ledger: the files are plain text.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use minesafe_model::Timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// What [`simulate_year`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearSummary {
    pub files: Vec<PathBuf>,
    /// Data rows over the four import files.
    pub rows: usize,
    /// Truth lines of kind `closure`.
    pub closures: usize,
    /// Truth lines of kind `near_miss`.
    pub near_misses: usize,
}

/// Mines that carry a case; a region needs at least this many.
pub const SPECIAL_CASES: usize = 12;

/// Most mines: codes run `140000000101` … `140000009999`.
pub const MAX_YEAR_MINES: usize = 9_899;

/// The files' columns, as `docs/ledger-import.md` names them (without `kind`: the
/// file name tells the family).
const COMMON: [&str; 6] = ["at", "actor_id", "actor_name", "actor_role", "actor_scope", "action"];
const MINES_COLUMNS: [&str; 25] = [
    "mine",
    "name",
    "offices",
    "coal",
    "underground",
    "status",
    "since",
    "licence_kind",
    "number",
    "valid_from",
    "valid_to",
    "reason",
    "effective",
    "basis",
    "notes",
    "id",
    "plan",
    "items",
    "item",
    "passed",
    "evidence",
    "rule",
    "hazards",
    "penalties",
    "to_government",
];
const HAZARDS_COLUMNS: [&str; 21] = [
    "id",
    "mine",
    "place",
    "system",
    "hazard_kind",
    "description",
    "found_at",
    "evidence_since",
    "source",
    "evidence",
    "notes",
    "observed_at",
    "responsible",
    "measures",
    "funds_cny",
    "deadline",
    "contingency_plan",
    "reason",
    "helper_id",
    "helper_name",
    "upheld",
];
const SELF_CHECKS_COLUMNS: [&str; 8] = ["id", "mine", "month", "held_on", "led_by", "links", "hazards_found", "notes"];
const INSPECTIONS_COLUMNS: [&str; 30] = [
    "id",
    "mine",
    "office",
    "planned_on",
    "mode",
    "focus",
    "inspectors",
    "plan",
    "started_at",
    "ended_at",
    "places",
    "systems",
    "findings",
    "notes",
    "inspection",
    "order_kind",
    "deadline",
    "area",
    "basis",
    "text",
    "target",
    "person_name",
    "person_post",
    "amount_cny",
    "consequence",
    "law",
    "decided_at",
    "refer_to",
    "ack_deadline",
    "ack_by",
];

const COUNTY: &str = "county-01";
const CITY: &str = "city-01";
const DAY: i64 = 86_400;

const KEY_LINKS: &str = "hot_work;blasting;bunker_cleaning;transport_hoisting;opening_seals;gondola;canteen_bath_lamp_dorm";

const PLACES: [&str; 12] = [
    "11201综采工作面",
    "11202运输顺槽",
    "11203回风顺槽",
    "11205掘进工作面",
    "一采区回风上山",
    "主斜井",
    "副斜井",
    "中央变电所",
    "中央水泵房",
    "1号煤仓",
    "井底车场",
    "2号联络巷",
];
const SYSTEMS: [&str; 8] = ["ventilation", "gas", "water", "electrical", "hoisting_transport", "roof", "fire", "monitoring"];

/// Major-hazard kinds the year uses: catalog rule, system, description.
const HAZARD_KINDS: [(&str, &str, &str); 6] = [
    ("CM-5.1", "ventilation", "工作面风量低于规程要求"),
    ("CM-4.2", "monitoring", "甲烷传感器未按规定安装、调校"),
    ("CM-6.3", "water", "应探放水区域未探放水即掘进"),
    ("CM-2.1", "gas", "瓦斯检查漏检、假检, 仍继续作业"),
    ("CM-5.6", "ventilation", "主要进回风巷之间联络巷风门不能正常关闭"),
    ("CM-6.8", "water", "主排水泵排水能力不足"),
];

/// Place reserved for the back-tracing case: routine inspections of that mine cover it only when the case says so.
const BACKTRACE_PLACE: &str = "3号煤仓";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    /// (a) ENF-HAZ-4: 2026-01-31 and 2026-04-30.
    WindowLastDay,
    /// (b) ENF-HAZ-4: found, signed off, found again six weeks later.
    RefoundAfterSignOff,
    /// (c) ENF-HAZ-5: major hazard + 3 SPL penalties within 180 days.
    Spl113,
    /// (d) ENF-CLOSE-1: producing after the licence expired.
    LicenceExpired,
    /// Near miss: 2026-01-31 and 2026-05-01.
    WindowFirstDayOut,
    /// Near miss: second finding while stopped by order; restart accepted item by item.
    StoppedByOrder,
    /// Near miss: one inspection finds two hazards.
    OneInspectionTwoHazards,
    /// Near miss: an engine hazard never confirmed plus one confirmed observation.
    EngineUnconfirmed,
    /// Near miss: 3 SPL penalties spread over 181 days.
    Spl181Days,
    /// Near miss: licence renewed the day before expiry; a maintenance stop.
    LicenceRenewed,
    /// Back-tracing: evidence weeks before the finding, two signed inspections missed it.
    Backtrace,
    /// HM-2.3-R1: planned on paper to its order's deadline, never started.
    Ignored,
    Routine,
}

const CASES: [Case; SPECIAL_CASES] = [
    Case::WindowLastDay,
    Case::RefoundAfterSignOff,
    Case::Spl113,
    Case::LicenceExpired,
    Case::WindowFirstDayOut,
    Case::StoppedByOrder,
    Case::OneInspectionTwoHazards,
    Case::EngineUnconfirmed,
    Case::Spl181Days,
    Case::LicenceRenewed,
    Case::Backtrace,
    Case::Ignored,
];

/// Someone acting: the four `actor_*` columns.
#[derive(Clone, Debug)]
struct Who {
    id: String,
    name: String,
    role: &'static str,
    scope: String,
}

impl Who {
    fn new(id: &str, name: &str, role: &'static str, scope: &str) -> Self {
        Who { id: id.to_string(), name: name.to_string(), role, scope: scope.to_string() }
    }
}

struct Mine {
    code: String,
    name: String,
    principal: Who,
    /// Safety chief: plans, starts and submits rectification.
    staff: Who,
    case: Case,
    /// Day of the month of the routine inspection.
    routine_day: u32,
    /// Counters for ids.
    next_inspection: u32,
    next_hazard: u32,
    next_other: u32,
}

impl Mine {
    fn inspection_id(&mut self) -> String {
        self.next_inspection += 1;
        format!("IN-{}-{:03}", self.code, self.next_inspection)
    }
    fn hazard_id(&mut self) -> String {
        self.next_hazard += 1;
        format!("HZ-{}-{:02}", self.code, self.next_hazard)
    }
    fn other_id(&mut self, prefix: &str) -> String {
        self.next_other += 1;
        format!("{prefix}-{}-{:02}", self.code, self.next_other)
    }
}

type Row = Vec<(&'static str, String)>;

/// Rows of the four files and the truth lines, built in any order and sorted by time when written.
#[derive(Default)]
struct Out {
    mines: Vec<(Timestamp, Row)>,
    hazards: Vec<(Timestamp, Row)>,
    self_checks: Vec<(Timestamp, Row)>,
    inspections: Vec<(Timestamp, Row)>,
    truth: Vec<Value>,
}

fn row(at: Timestamp, who: &Who, action: &str, fields: Vec<(&'static str, String)>) -> (Timestamp, Row) {
    let mut r: Row = vec![
        ("at", at.upload_format()),
        ("actor_id", who.id.clone()),
        ("actor_name", who.name.clone()),
        ("actor_role", who.role.to_string()),
        ("actor_scope", who.scope.clone()),
        ("action", action.to_string()),
    ];
    r.extend(fields);
    (at, r)
}

/// Beijing time on a 2026 day; the dates in this module are constants, all valid.
fn t(month: u32, day: u32, hour: u32, minute: u32) -> Timestamp {
    Timestamp::from_beijing(2026, month, day, hour, minute, 0).unwrap_or_default()
}

fn ts(v: Timestamp) -> String {
    v.upload_format()
}

/// 23:59:59 of the day `v` falls on.
fn end_of_day(v: Timestamp) -> Timestamp {
    v.plus_secs(86_399 - v.beijing_seconds_of_day() as i64)
}

fn field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

fn write_table(path: &Path, columns: &[&str], mut rows: Vec<(Timestamp, Row)>) -> io::Result<usize> {
    rows.sort_by_key(|(at, _)| *at);
    let mut header: Vec<&str> = COMMON.to_vec();
    header.extend(columns);
    let mut out = header.join(",");
    out.push('\n');
    for (_, r) in &rows {
        let map: BTreeMap<&str, &str> = r.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for k in map.keys() {
            if !header.contains(k) {
                return Err(io::Error::other(format!("simulator bug: column {k} not in the header of {}", path.display())));
            }
        }
        let line: Vec<String> = header.iter().map(|h| field(map.get(h).copied().unwrap_or(""))).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    std::fs::write(path, out)?;
    Ok(rows.len())
}

struct People {
    county: Vec<Who>,
    city: Vec<Who>,
    head: Who,
    system: Who,
}

impl People {
    fn new() -> Self {
        let ins = |id: &str, name: &str, office: &str| Who::new(id, name, "inspector", office);
        People {
            county: vec![
                ins("INS-C01", "张伟", COUNTY),
                ins("INS-C02", "李娜", COUNTY),
                ins("INS-C03", "王强", COUNTY),
                ins("INS-C04", "刘洋", COUNTY),
            ],
            city: vec![ins("INS-S01", "陈静", CITY), ins("INS-S02", "杨帆", CITY)],
            head: Who::new("HEAD-C01", "赵国华", "regulator_head", COUNTY),
            system: Who::new("minesafe", "minesafe", "system", ""),
        }
    }

    /// Two different inspectors of one office.
    fn pair(&self, rng: &mut ChaCha8Rng) -> (&'static str, Who, Who) {
        let (office, pool) = if rng.random_bool(0.15) { (CITY, &self.city) } else { (COUNTY, &self.county) };
        let i = rng.random_range(0..pool.len());
        let j = (i + 1 + rng.random_range(0..pool.len() - 1)) % pool.len();
        (office, pool[i].clone(), pool[j].clone())
    }

    fn county_pair(&self, rng: &mut ChaCha8Rng) -> (&'static str, Who, Who) {
        let i = rng.random_range(0..self.county.len());
        let j = (i + 1) % self.county.len();
        (COUNTY, self.county[i].clone(), self.county[j].clone())
    }
}

/// A major finding written into an inspection record: `rule|place|text|basis|major|hazard`.
fn major_finding(kind: (&str, &str, &str), place: &str, hazard: &str) -> String {
    format!("{}|{}|{}|R774 Art. 45|yes|{}", kind.0, place, kind.2.replace([';', '|'], " "), hazard)
}

struct Visit<'a> {
    id: String,
    office: &'a str,
    inspectors: Vec<Who>,
    start: Timestamp,
    mode: &'a str,
    places: Vec<String>,
    systems: Vec<String>,
    findings: Vec<String>,
    plan: Option<String>,
    notes: String,
}

/// Writes an inspection record (at its end, 2 h 30 after the start) and its
/// signature by the first inspector 30 min later; hazards are opened in between.
fn record_visit(out: &mut Out, mine: &Mine, v: &Visit) -> Timestamp {
    let end = v.start.plus_secs(9_000);
    let ids: Vec<&str> = v.inspectors.iter().map(|w| w.id.as_str()).collect();
    out.inspections.push(row(
        end,
        &v.inspectors[0],
        "record",
        vec![
            ("id", v.id.clone()),
            ("plan", v.plan.clone().unwrap_or_default()),
            ("mine", mine.code.clone()),
            ("office", v.office.to_string()),
            ("started_at", ts(v.start)),
            ("ended_at", ts(end)),
            ("mode", v.mode.to_string()),
            ("inspectors", ids.join(";")),
            ("places", v.places.join(";")),
            ("systems", v.systems.join(";")),
            ("findings", v.findings.join(";")),
            ("notes", v.notes.clone()),
        ],
    ));
    out.inspections.push(row(end.plus_secs(1_800), &v.inspectors[0], "sign", vec![("id", v.id.clone())]));
    end
}

/// Opens a hazard found by an inspection (10 min after the record, found at the visit's start).
#[allow(clippy::too_many_arguments)]
fn open_by_inspection(
    out: &mut Out,
    mine: &Mine,
    by: &Who,
    id: &str,
    inspection: &str,
    visit_start: Timestamp,
    place: &str,
    kind: (&str, &str, &str),
    with_system: bool,
    evidence_since: Option<Timestamp>,
) {
    let at = visit_start.plus_secs(9_000 + 600);
    out.hazards.push(row(
        at,
        by,
        "open",
        vec![
            ("id", id.to_string()),
            ("mine", mine.code.clone()),
            ("place", place.to_string()),
            ("system", if with_system { kind.1.to_string() } else { String::new() }),
            ("hazard_kind", kind.0.to_string()),
            ("description", format!("{place}{}", kind.2)),
            ("found_at", ts(visit_start)),
            ("evidence_since", evidence_since.map(ts).unwrap_or_default()),
            ("source", format!("inspection:{inspection}")),
            ("evidence", format!("{inspection} 现场检查记录")),
        ],
    ));
}

fn observe(out: &mut Out, by: &Who, hazard: &str, inspection: &str, visit_start: Timestamp) {
    out.hazards.push(row(
        visit_start.plus_secs(9_000 + 600),
        by,
        "observe",
        vec![("id", hazard.to_string()), ("source", format!("inspection:{inspection}")), ("observed_at", ts(visit_start))],
    ));
}

/// Plan (the five in place) and start the next day, by the mine's safety chief.
fn plan_and_start(out: &mut Out, mine: &Mine, hazard: &str, planned: Timestamp, deadline: Timestamp, funds: u64) {
    plan_only(out, mine, hazard, planned, deadline, funds);
    out.hazards.push(row(planned.plus_secs(DAY), &mine.staff, "start", vec![("id", hazard.to_string())]));
}

/// The five in place, recorded by the mine's safety chief.
fn plan_only(out: &mut Out, mine: &Mine, hazard: &str, planned: Timestamp, deadline: Timestamp, funds: u64) {
    out.hazards.push(row(
        planned,
        &mine.staff,
        "plan",
        vec![
            ("id", hazard.to_string()),
            ("responsible", mine.principal.name.clone()),
            ("measures", "停止该区域作业, 按设计整改并复测".to_string()),
            ("funds_cny", funds.to_string()),
            ("deadline", ts(deadline)),
            ("contingency_plan", "整改期间撤出无关人员, 加强巡检; 异常立即停电撤人".to_string()),
        ],
    ));
}

/// Submit by the mine, verify by an inspector, sign off by the office head.
fn close_out(out: &mut Out, mine: &Mine, hazard: &str, submitted: Timestamp, verifier: &Who, head: &Who) {
    out.hazards.push(row(
        submitted,
        &mine.staff,
        "submit",
        vec![
            ("id", hazard.to_string()),
            ("notes", "整改完成, 申请验收".to_string()),
            ("evidence", format!("整改报告-{hazard};现场照片-{hazard}")),
        ],
    ));
    out.hazards.push(row(
        submitted.plus_secs(2 * DAY),
        verifier,
        "verify",
        vec![("id", hazard.to_string()), ("notes", "现场复查合格".to_string())],
    ));
    out.hazards.push(row(
        submitted.plus_secs(4 * DAY),
        head,
        "sign_off",
        vec![("id", hazard.to_string()), ("notes", "同意销号".to_string())],
    ));
}

#[allow(clippy::too_many_arguments)]
fn penalty(
    out: &mut Out,
    mine: &mut Mine,
    head: &Who,
    decided: Timestamp,
    inspection: Option<&str>,
    law: &str,
    basis: &str,
    consequence: &str,
    amount: u64,
    person: Option<(&str, &str)>,
) -> String {
    let id = mine.other_id("PN");
    let mut f = vec![
        ("id", id.clone()),
        ("mine", mine.code.clone()),
        ("inspection", inspection.unwrap_or_default().to_string()),
        ("target", if person.is_some() { "person" } else { "enterprise" }.to_string()),
        ("amount_cny", amount.to_string()),
        ("consequence", consequence.to_string()),
        ("basis", basis.to_string()),
        ("law", law.to_string()),
        ("decided_at", ts(decided)),
    ];
    if let Some((name, post)) = person {
        f.push(("person_name", name.to_string()));
        f.push(("person_post", post.to_string()));
    }
    out.inspections.push(row(decided, head, "impose_penalty", f));
    id
}

const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"];
const GIVEN: [&str; 12] = ["建国", "志强", "海涛", "振华", "立新", "红军", "永胜", "文斌", "春生", "国庆", "保平", "晓东"];

/// Writes the year into `out` (created if missing). `mines` must be at least
/// [`SPECIAL_CASES`].
pub fn simulate_year(out_dir: &Path, seed: u64, mines: usize) -> io::Result<YearSummary> {
    if !(SPECIAL_CASES..=MAX_YEAR_MINES).contains(&mines) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a simulated year needs {SPECIAL_CASES}–{MAX_YEAR_MINES} mines, not {mines}"),
        ));
    }
    std::fs::create_dir_all(out_dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5945_4152_2026);
    let people = People::new();

    // Which mine carries which case: a seeded shuffle of the first indices.
    let mut order: Vec<usize> = (0..mines).collect();
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    let mut case_of = vec![Case::Routine; mines];
    for (k, case) in CASES.iter().enumerate() {
        case_of[order[k]] = *case;
    }

    let mut ms: Vec<Mine> = (0..mines)
        .map(|i| {
            let code = format!("14000000{:04}", 101 + i);
            let pname = format!("{}{}", SURNAMES[rng.random_range(0..SURNAMES.len())], GIVEN[rng.random_range(0..GIVEN.len())]);
            let sname = format!("{}{}", SURNAMES[rng.random_range(0..SURNAMES.len())], GIVEN[rng.random_range(0..GIVEN.len())]);
            Mine {
                name: format!("东山{:03}煤矿", i + 1),
                principal: Who::new(&format!("P-{code}"), &pname, "mine_principal", &code),
                staff: Who::new(&format!("S-{code}"), &sname, "mine_staff", &code),
                case: case_of[i],
                routine_day: if case_of[i] == Case::Backtrace { 12 } else { rng.random_range(3..=26) },
                code,
                next_inspection: 0,
                next_hazard: 0,
                next_other: 0,
            }
        })
        .collect();

    let mut out = Out::default();
    let first_routine = ms.iter().position(|m| m.case == Case::Routine);
    for (i, m) in ms.iter_mut().enumerate() {
        register(&mut out, m, &people);
        let backtrace_visits = routine_year(&mut out, m, &people, &mut rng);
        self_checks(&mut out, m, &mut rng);
        special_case(&mut out, m, &people, &mut rng, &backtrace_visits);
        if m.case == Case::Routine {
            routine_hazard(&mut out, m, &people, &mut rng);
            if Some(i) == first_routine {
                referral(&mut out, m, &people, "natural_resources", t(9, 8, 10, 0), "HM-3.3-R2", "越界开采线索, 请核查采矿权范围");
            }
        }
    }

    let files = [
        ("mines.csv", &MINES_COLUMNS[..], std::mem::take(&mut out.mines)),
        ("inspections.csv", &INSPECTIONS_COLUMNS[..], std::mem::take(&mut out.inspections)),
        ("self_checks.csv", &SELF_CHECKS_COLUMNS[..], std::mem::take(&mut out.self_checks)),
        ("hazards.csv", &HAZARDS_COLUMNS[..], std::mem::take(&mut out.hazards)),
    ];
    let mut written = Vec::new();
    let mut rows = 0;
    for (name, cols, r) in files {
        let p = out_dir.join(name);
        rows += write_table(&p, cols, r)?;
        written.push(p);
    }
    let mut truth = String::new();
    for line in &out.truth {
        truth.push_str(&line.to_string());
        truth.push('\n');
    }
    let tp = out_dir.join("truth.jsonl");
    std::fs::write(&tp, truth)?;
    written.push(tp);
    let count = |k: &str| out.truth.iter().filter(|v| v["kind"] == k).count();
    Ok(YearSummary { files: written, rows, closures: count("closure"), near_misses: count("near_miss") })
}

fn register(out: &mut Out, m: &Mine, p: &People) {
    let at = t(1, 1, 8, 0);
    out.mines.push(row(
        at,
        &p.head,
        "register",
        vec![
            ("mine", m.code.clone()),
            ("name", m.name.clone()),
            ("offices", format!("{COUNTY};{CITY}")),
            ("coal", "true".into()),
            ("underground", "true".into()),
            ("status", "producing".into()),
            ("since", ts(t(1, 1, 0, 0))),
        ],
    ));
    let y =
        |year: i64, month: u32, day: u32, h: u32, mi: u32, s: u32| Timestamp::from_beijing(year, month, day, h, mi, s).unwrap_or_default();
    let sp_to = match m.case {
        Case::LicenceExpired => y(2026, 5, 31, 23, 59, 59),
        Case::LicenceRenewed => y(2026, 6, 30, 23, 59, 59),
        _ => y(2028, 12, 31, 23, 59, 59),
    };
    let licences = [
        ("safety_production", format!("（晋）MK安许证字〔2023〕{}", &m.code[8..]), y(2023, 7, 1, 0, 0, 0), sp_to),
        ("mining_right", format!("C1400002010{}", &m.code[8..]), y(2020, 1, 1, 0, 0, 0), y(2035, 12, 31, 23, 59, 59)),
        ("business", format!("91140000MA0{}", &m.code[8..]), y(2015, 3, 1, 0, 0, 0), y(2045, 2, 28, 23, 59, 59)),
    ];
    for (k, (kind, number, from, to)) in licences.iter().enumerate() {
        out.mines.push(row(
            at.plus_secs(600 + k as i64 * 60),
            &p.head,
            "licence",
            vec![
                ("mine", m.code.clone()),
                ("licence_kind", kind.to_string()),
                ("number", number.clone()),
                ("valid_from", ts(*from)),
                ("valid_to", ts(*to)),
            ],
        ));
    }
}

/// A signed routine inspection each month (announced ones planned a week ahead).
/// Returns the back-tracing case's May and June inspection ids.
fn routine_year(out: &mut Out, m: &mut Mine, p: &People, rng: &mut ChaCha8Rng) -> Vec<String> {
    let mut backtrace = Vec::new();
    for month in 1..=12u32 {
        let (office, a, b) = p.pair(rng);
        let r: f64 = rng.random();
        let (mode, hour) = match r {
            x if x < 0.6 => ("announced", 9),
            x if x < 0.8 => ("unannounced", 9),
            x if x < 0.9 => ("night", 21),
            _ => ("return", 14),
        };
        let start = t(month, m.routine_day, hour, 0);
        let id = m.inspection_id();
        let mut places: Vec<String> = Vec::new();
        while places.len() < 3 {
            let pl = PLACES[rng.random_range(0..PLACES.len())].to_string();
            if !places.contains(&pl) {
                places.push(pl);
            }
        }
        let mut systems: Vec<String> = Vec::new();
        while systems.len() < 3 {
            let s = SYSTEMS[rng.random_range(0..SYSTEMS.len())].to_string();
            if !systems.contains(&s) {
                systems.push(s);
            }
        }
        if m.case == Case::Backtrace && (month == 5 || month == 6) {
            places.push(BACKTRACE_PLACE.to_string());
            backtrace.push(id.clone());
        }
        let mut findings = Vec::new();
        if rng.random_bool(0.3) {
            findings.push(format!("ENF-HAZ-6|{}|作业规程未及时修订, 现场管理不到位|SPL Art. 65(3)|no|", places[0]));
        }
        let plan = if mode == "announced" {
            let pid = m.other_id("PL");
            // A week ahead, but not before the mines are registered on New Year's Day.
            let planned = start.plus_secs(-7 * DAY + 6 * 3600).max(t(1, 1, 12, 0));
            out.inspections.push(row(
                planned,
                &a,
                "plan",
                vec![
                    ("id", pid.clone()),
                    ("mine", m.code.clone()),
                    ("office", office.to_string()),
                    ("planned_on", ts(start)),
                    ("mode", mode.to_string()),
                    ("focus", systems.join(";")),
                    ("inspectors", format!("{};{}", a.id, b.id)),
                ],
            ));
            Some(pid)
        } else {
            None
        };
        let notes = if findings.is_empty() { "未发现重大事故隐患" } else { "发现一般隐患, 责令立即整改" };
        record_visit(
            out,
            m,
            &Visit { id, office, inspectors: vec![a, b], start, mode, places, systems, findings, plan, notes: notes.to_string() },
        );
    }
    backtrace
}

fn self_checks(out: &mut Out, m: &Mine, rng: &mut ChaCha8Rng) {
    for month in 1..=12u32 {
        if m.case == Case::OneInspectionTwoHazards && month == 8 {
            out.truth.push(json!({"kind": "missing_self_check", "rule": "HM-2.1-R1", "mine": m.code, "month": "2026-08"}));
            continue;
        }
        let held = t(month, rng.random_range(20..=27), 14, 0);
        out.self_checks.push(row(
            held.plus_secs(3 * 3600),
            &m.principal,
            "record",
            vec![
                ("id", format!("SC-{}-{month:02}", m.code)),
                ("mine", m.code.clone()),
                ("month", format!("2026-{month:02}")),
                ("held_on", ts(held)),
                ("led_by", m.principal.name.clone()),
                ("links", KEY_LINKS.to_string()),
                ("notes", format!("{}组织全面排查, 覆盖各重点环节", m.principal.name)),
            ],
        ));
    }
}

/// An unannounced visit of two county inspectors that finds `hazards` at `place`.
struct Finding<'a> {
    hazard: &'a str,
    place: &'a str,
    kind: (&'a str, &'a str, &'a str),
}

fn finding_visit(
    out: &mut Out,
    m: &mut Mine,
    p: &People,
    rng: &mut ChaCha8Rng,
    start: Timestamp,
    mode: &str,
    found: &[Finding],
) -> (String, Who) {
    let (office, a, b) = p.county_pair(rng);
    let id = m.inspection_id();
    let mut places: Vec<String> = found.iter().map(|f| f.place.to_string()).collect();
    places.dedup();
    let mut systems: Vec<String> = found.iter().map(|f| f.kind.1.to_string()).collect();
    systems.dedup();
    record_visit(
        out,
        m,
        &Visit {
            id: id.clone(),
            office,
            inspectors: vec![a.clone(), b],
            start,
            mode,
            places,
            systems,
            findings: found.iter().map(|f| major_finding(f.kind, f.place, f.hazard)).collect(),
            plan: None,
            notes: "发现重大事故隐患".to_string(),
        },
    );
    (id, a)
}

fn referral(out: &mut Out, m: &mut Mine, p: &People, to: &str, sent: Timestamp, basis: &str, text: &str) {
    let id = m.other_id("RF");
    out.inspections.push(row(
        sent,
        &p.head,
        "refer",
        vec![
            ("id", id.clone()),
            ("mine", m.code.clone()),
            ("refer_to", to.to_string()),
            ("basis", basis.to_string()),
            ("text", text.to_string()),
            ("ack_deadline", ts(end_of_day(sent.plus_secs(7 * DAY)))),
        ],
    ));
    out.inspections.push(row(
        sent.plus_secs(2 * DAY),
        &p.county[0],
        "acknowledge_referral",
        vec![("id", id), ("ack_by", "接收部门 王磊".to_string()), ("notes", "已签收, 正在办理".to_string())],
    ));
}

fn special_case(out: &mut Out, m: &mut Mine, p: &People, rng: &mut ChaCha8Rng, backtrace_visits: &[String]) {
    let kind = HAZARD_KINDS[rng.random_range(0..HAZARD_KINDS.len())];
    let place = "11201综采工作面";
    match m.case {
        Case::WindowLastDay | Case::WindowFirstDayOut => {
            let h = m.hazard_id();
            let first = t(1, 31, 9, 0);
            let (in1, a) = finding_visit(out, m, p, rng, first, "unannounced", &[Finding { hazard: &h, place, kind }]);
            open_by_inspection(out, m, &a, &h, &in1, first, place, kind, true, None);
            plan_and_start(out, m, &h, t(2, 3, 10, 0), end_of_day(t(6, 30, 0, 0)), 800_000);
            let second = if m.case == Case::WindowLastDay { t(4, 30, 9, 0) } else { t(5, 1, 9, 0) };
            let (in2, b) = finding_visit(out, m, p, rng, second, "return", &[Finding { hazard: &h, place, kind }]);
            observe(out, &b, &h, &in2, second);
            close_out(out, m, &h, t(5, 20, 10, 0), &b, &p.head);
            if m.case == Case::WindowLastDay {
                out.truth.push(json!({"kind": "closure", "rule": "ENF-HAZ-4", "mine": m.code, "at": second.to_string(),
                    "hazards": [h], "inspections": [in1, in2], "case": "found 2026-01-31 and again 2026-04-30, the window's last day, while producing"}));
            } else {
                out.truth.push(json!({"kind": "near_miss", "mine": m.code, "hazards": [h],
                    "why": "second finding on 2026-05-01, the day after the 3-month window from 2026-01-31 ends (2026-04-30)"}));
            }
        }
        Case::RefoundAfterSignOff => {
            let (h1, h2) = (m.hazard_id(), m.hazard_id());
            let first = t(3, 2, 9, 0);
            let (in1, a) = finding_visit(out, m, p, rng, first, "unannounced", &[Finding { hazard: &h1, place, kind }]);
            open_by_inspection(out, m, &a, &h1, &in1, first, place, kind, true, None);
            plan_and_start(out, m, &h1, t(3, 3, 10, 0), end_of_day(t(4, 10, 0, 0)), 300_000);
            close_out(out, m, &h1, t(3, 20, 10, 0), &a, &p.head);
            let second = first.plus_secs(42 * DAY);
            let (in2, b) = finding_visit(out, m, p, rng, second, "return", &[Finding { hazard: &h2, place, kind }]);
            open_by_inspection(out, m, &b, &h2, &in2, second, place, kind, true, None);
            plan_and_start(out, m, &h2, t(4, 15, 10, 0), end_of_day(t(5, 31, 0, 0)), 500_000);
            close_out(out, m, &h2, t(5, 10, 10, 0), &b, &p.head);
            out.truth.push(json!({"kind": "closure", "rule": "ENF-HAZ-4", "mine": m.code, "at": second.to_string(),
                "hazards": [h1, h2], "inspections": [in1, in2], "case": "found 2026-03-02, signed off 2026-03-24, found again six weeks later"}));
        }
        Case::Spl113 | Case::Spl181Days => {
            let h = m.hazard_id();
            let found = if m.case == Case::Spl113 { t(2, 10, 9, 0) } else { t(1, 10, 9, 0) };
            let (in1, a) = finding_visit(out, m, p, rng, found, "unannounced", &[Finding { hazard: &h, place, kind }]);
            open_by_inspection(out, m, &a, &h, &in1, found, place, kind, true, None);
            let deadline = Timestamp::from_beijing(2027, 3, 31, 23, 59, 59).unwrap_or_default();
            plan_and_start(out, m, &h, found.plus_secs(2 * DAY + 3600), deadline, 2_000_000);
            let dates = if m.case == Case::Spl113 {
                [t(3, 1, 10, 0), t(5, 15, 10, 0), t(7, 20, 10, 0)]
            } else {
                let d0 = t(1, 20, 10, 0);
                [d0, d0.plus_secs(90 * DAY), d0.plus_secs(181 * DAY)]
            };
            let mut pens = Vec::new();
            for (k, d) in dates.iter().enumerate() {
                let insp = (k == 0).then_some(in1.as_str());
                pens.push(penalty(out, m, &p.head, *d, insp, "SPL", "ENF-HAZ-7", "FINE[≤5万]", 50_000, None));
            }
            if m.case == Case::Spl113 {
                out.truth.push(json!({"kind": "closure", "rule": "ENF-HAZ-5", "mine": m.code, "at": dates[2].to_string(),
                    "hazards": [h], "penalties": pens, "case": "major hazard open and 3 SPL penalties within 141 days"}));
            } else {
                out.truth.push(json!({"kind": "near_miss", "mine": m.code, "hazards": [h], "penalties": pens,
                    "why": "3 SPL penalties 2026-01-20, 2026-04-20, 2026-07-20: the first and the last are 181 days apart"}));
            }
        }
        Case::LicenceExpired => {
            out.truth.push(json!({"kind": "closure", "rule": "ENF-CLOSE-1", "mine": m.code, "at": t(6, 1, 0, 0).to_string(),
                "case": "safety production licence expired 2026-05-31, the mine keeps producing"}));
        }
        Case::StoppedByOrder => stopped_by_order(out, m, p, rng, kind, place),
        Case::OneInspectionTwoHazards => {
            let (h1, h2) = (m.hazard_id(), m.hazard_id());
            let found = t(4, 8, 9, 0);
            let kind2 = (kind.0, kind.1, "同类问题另一处: 现场记录与实际不符");
            let (in1, a) = finding_visit(
                out,
                m,
                p,
                rng,
                found,
                "unannounced",
                &[Finding { hazard: &h1, place, kind }, Finding { hazard: &h2, place, kind: kind2 }],
            );
            open_by_inspection(out, m, &a, &h1, &in1, found, place, kind, true, None);
            open_by_inspection(out, m, &a, &h2, &in1, found.plus_secs(60), place, kind2, true, None);
            for h in [&h1, &h2] {
                plan_and_start(out, m, h, t(4, 10, 10, 0), end_of_day(t(5, 31, 0, 0)), 200_000);
                close_out(out, m, h, t(5, 12, 10, 0), &a, &p.head);
            }
            out.truth.push(json!({"kind": "near_miss", "mine": m.code, "hazards": [h1, h2], "inspections": [in1],
                "why": "one inspection found two hazards of the same place and kind: one check counts once"}));
        }
        Case::EngineUnconfirmed => {
            let h = m.hazard_id();
            let found = t(2, 15, 3, 10);
            let finding = format!("f-{:016x}", rng.random::<u64>());
            out.hazards.push(row(
                found.plus_secs(600),
                &p.system,
                "open",
                vec![
                    ("id", h.clone()),
                    ("mine", m.code.clone()),
                    ("place", place.to_string()),
                    ("system", kind.1.to_string()),
                    ("hazard_kind", kind.0.to_string()),
                    ("description", format!("{place}{} (监测数据分析)", kind.2)),
                    ("found_at", ts(found)),
                    ("evidence_since", ts(found.plus_secs(-1_800))),
                    ("source", format!("engine:{finding}")),
                    ("evidence", finding.clone()),
                ],
            ));
            let second = t(3, 20, 9, 0);
            let (in1, a) = finding_visit(out, m, p, rng, second, "unannounced", &[Finding { hazard: &h, place, kind }]);
            observe(out, &a, &h, &in1, second);
            plan_and_start(out, m, &h, t(3, 22, 10, 0), end_of_day(t(4, 30, 0, 0)), 400_000);
            close_out(out, m, &h, t(4, 15, 10, 0), &a, &p.head);
            out.truth.push(json!({"kind": "near_miss", "mine": m.code, "hazards": [h], "inspections": [in1],
                "why": format!("engine finding {finding} on 2026-02-15 never confirmed; only the inspection on 2026-03-20 is a confirmed finding")}));
        }
        Case::LicenceRenewed => {
            out.mines.push(row(
                t(6, 29, 10, 0),
                &p.head,
                "licence",
                vec![
                    ("mine", m.code.clone()),
                    ("licence_kind", "safety_production".into()),
                    ("number", format!("（晋）MK安许证字〔2026〕{}", &m.code[8..])),
                    ("valid_from", ts(t(7, 1, 0, 0))),
                    ("valid_to", ts(Timestamp::from_beijing(2029, 6, 30, 23, 59, 59).unwrap_or_default())),
                ],
            ));
            for (at, to, eff, basis) in [
                (t(7, 3, 10, 0), "maintenance_stop", t(7, 6, 0, 0), "停产检修计划 JX-2026-07"),
                (t(7, 15, 16, 0), "producing", t(7, 16, 0, 0), "检修完成, 恢复生产"),
            ] {
                out.mines.push(row(
                    at,
                    &m.principal,
                    "change_status",
                    vec![
                        ("mine", m.code.clone()),
                        ("status", to.to_string()),
                        ("effective", ts(eff)),
                        ("basis", basis.to_string()),
                        ("notes", "主要负责人决定".to_string()),
                    ],
                ));
            }
            out.truth.push(json!({"kind": "near_miss", "mine": m.code,
                "why": "safety production licence renewed on 2026-06-29, the day before it expired"}));
        }
        Case::Backtrace => {
            let h = m.hazard_id();
            let found = t(6, 22, 9, 0);
            let kind = HAZARD_KINDS[2];
            let since = t(5, 9, 0, 0);
            let (in1, a) = finding_visit(out, m, p, rng, found, "unannounced", &[Finding { hazard: &h, place: BACKTRACE_PLACE, kind }]);
            open_by_inspection(out, m, &a, &h, &in1, found, BACKTRACE_PLACE, kind, false, Some(since));
            plan_and_start(out, m, &h, t(6, 24, 10, 0), end_of_day(t(7, 31, 0, 0)), 600_000);
            close_out(out, m, &h, t(7, 15, 10, 0), &a, &p.head);
            out.truth.push(json!({"kind": "backtrace", "mine": m.code, "hazard": h, "evidence_since": since.to_string(),
                "found_at": found.to_string(), "inspections": backtrace_visits}));
        }
        Case::Ignored => {
            let h = m.hazard_id();
            let found = t(3, 10, 9, 0);
            let (in1, a) = finding_visit(out, m, p, rng, found, "unannounced", &[Finding { hazard: &h, place, kind }]);
            open_by_inspection(out, m, &a, &h, &in1, found, place, kind, true, None);
            let deadline = end_of_day(t(4, 10, 0, 0));
            let order = m.other_id("OR");
            out.inspections.push(row(
                found.plus_secs(4 * 3600),
                &a,
                "issue_order",
                vec![
                    ("id", order.clone()),
                    ("mine", m.code.clone()),
                    ("inspection", in1.clone()),
                    ("order_kind", "correct_by_deadline".into()),
                    ("deadline", ts(deadline)),
                    ("basis", "ENF-HAZ-7".into()),
                    ("text", format!("责令于2026-04-10前整改重大事故隐患 {h}")),
                ],
            ));
            // The mine writes a plan to the order's deadline and then does nothing: the
            // ledger's deadline comes with the five in place, so a hazard that was never
            // planned has none to be overdue against.
            plan_only(out, m, &h, t(3, 12, 10, 0), deadline, 300_000);
            out.truth.push(json!({"kind": "overdue", "rule": "HM-2.3-R1", "mine": m.code, "hazard": h, "order": order,
                "deadline": deadline.to_string(), "why": "planned to the correction order's deadline, never started nor submitted, past the deadline"}));
        }
        Case::Routine => {}
    }
}

/// Near miss: stopped by order at the first finding, found again while stopped,
/// rectified, restart accepted item by item and approved, order lifted.
fn stopped_by_order(out: &mut Out, m: &mut Mine, p: &People, rng: &mut ChaCha8Rng, kind: (&str, &str, &str), place: &str) {
    let h = m.hazard_id();
    let first = t(2, 10, 9, 0);
    let (in1, a) = finding_visit(out, m, p, rng, first, "unannounced", &[Finding { hazard: &h, place, kind }]);
    open_by_inspection(out, m, &a, &h, &in1, first, place, kind, true, None);
    let order = m.other_id("OR");
    out.inspections.push(row(
        t(2, 10, 13, 0),
        &a,
        "issue_order",
        vec![
            ("id", order.clone()),
            ("mine", m.code.clone()),
            ("inspection", in1.clone()),
            ("order_kind", "stop_production".into()),
            ("basis", "ENF-HAZ-3".into()),
            ("text", format!("存在重大事故隐患 {h} 仍组织生产, 责令停产整顿")),
        ],
    ));
    referral(out, m, p, "power_supplier", t(2, 11, 10, 0), "HM-3.3-R2", "停产整顿期间限制供电");
    penalty(out, m, &p.head, t(2, 20, 10, 0), Some(&in1), "R774", "ENF-HAZ-3", "FINE[50万–200万]", 600_000, None);
    let principal = m.principal.name.clone();
    penalty(out, m, &p.head, t(2, 20, 10, 30), Some(&in1), "R774", "ENF-HAZ-3", "FINE[3万–15万]", 50_000, Some((&principal, "矿长")));
    let second = t(3, 5, 9, 0);
    let (in2, b) = finding_visit(out, m, p, rng, second, "return", &[Finding { hazard: &h, place, kind }]);
    observe(out, &b, &h, &in2, second);
    plan_and_start(out, m, &h, t(3, 6, 10, 0), end_of_day(t(3, 31, 0, 0)), 1_500_000);
    close_out(out, m, &h, t(3, 14, 10, 0), &b, &p.head);
    let rs = m.other_id("RS");
    let items = ["通风系统", "瓦斯抽采", "防治水", "机电设备"];
    out.mines.push(row(
        t(3, 22, 10, 0),
        &m.principal,
        "apply_restart",
        vec![
            ("id", rs.clone()),
            ("mine", m.code.clone()),
            ("plan", format!("停产整顿报告及复产方案 (隐患 {h} 已销号)")),
            ("items", items.join(";")),
        ],
    ));
    for (k, item) in items.iter().enumerate() {
        out.mines.push(row(
            t(3, 28, 14, k as u32 * 10),
            &a,
            "accept_item",
            vec![
                ("id", rs.clone()),
                ("item", item.to_string()),
                ("passed", "true".into()),
                ("evidence", format!("验收记录-{rs}-{}", k + 1)),
            ],
        ));
    }
    // The approved restart ends the stop order (it is not lifted separately).
    out.mines.push(row(t(4, 1, 10, 0), &p.head, "approve_restart", vec![("id", rs.clone()), ("notes", "逐项验收合格, 同意复产".into())]));
    out.truth.push(json!({"kind": "near_miss", "mine": m.code, "hazards": [h], "inspections": [in1, in2], "order": order, "restart": rs,
        "why": "second finding on 2026-03-05 while the mine was stopped by order"}));
}

/// At most one major hazard on a routine mine, through the whole flow, with
/// R774 penalties only (they do not count for SPL Art. 113).
fn routine_hazard(out: &mut Out, m: &mut Mine, p: &People, rng: &mut ChaCha8Rng) {
    if !rng.random_bool(0.6) {
        return;
    }
    let month = rng.random_range(2..=10u32);
    let kind = HAZARD_KINDS[rng.random_range(0..HAZARD_KINDS.len())];
    let place = PLACES[rng.random_range(0..PLACES.len())];
    let h = m.hazard_id();
    let found = t(month, 28, 9, 0);
    let (in1, a) = finding_visit(out, m, p, rng, found, "unannounced", &[Finding { hazard: &h, place, kind }]);
    open_by_inspection(out, m, &a, &h, &in1, found, place, kind, true, None);
    let deadline = end_of_day(found.plus_secs(30 * DAY));
    plan_and_start(out, m, &h, found.plus_secs(DAY + 3600), deadline, rng.random_range(1..=20) * 50_000);
    let mut submit = found.plus_secs(20 * DAY);
    if rng.random_bool(0.3) {
        out.hazards.push(row(
            found.plus_secs(3 * DAY),
            &p.head,
            "assign_helper",
            vec![("id", h.clone()), ("helper_id", p.county[1].id.clone()), ("helper_name", p.county[1].name.clone())],
        ));
    }
    if rng.random_bool(0.3) {
        let extended = end_of_day(found.plus_secs(45 * DAY));
        out.hazards.push(row(
            found.plus_secs(25 * DAY),
            &p.head,
            "extend",
            vec![("id", h.clone()), ("deadline", ts(extended)), ("reason", "设备到货延迟, 经审核同意延期".into())],
        ));
        submit = found.plus_secs(35 * DAY);
    }
    if rng.random_bool(0.3) {
        out.hazards.push(row(
            submit,
            &m.staff,
            "submit",
            vec![("id", h.clone()), ("notes", "整改完成".into()), ("evidence", format!("整改报告-{h}"))],
        ));
        out.hazards.push(row(
            submit.plus_secs(DAY),
            &a,
            "reject",
            vec![("id", h.clone()), ("reason", "复查发现整改不彻底, 退回继续整改".into())],
        ));
        submit = submit.plus_secs(3 * DAY);
    }
    close_out(out, m, &h, submit, &a, &p.head);
    if rng.random_bool(0.5) {
        // Work stopped where the hazard is until it is signed off.
        let order = m.other_id("OR");
        out.inspections.push(row(
            found.plus_secs(4 * 3600),
            &a,
            "issue_order",
            vec![
                ("id", order.clone()),
                ("mine", m.code.clone()),
                ("inspection", in1.clone()),
                ("order_kind", "stop_in_area".into()),
                ("area", place.to_string()),
                ("basis", "ENF-HAZ-6".into()),
                ("text", format!("{place} 停止作业, 撤出人员, 隐患 {h} 销号后恢复")),
            ],
        ));
        out.inspections.push(row(
            submit.plus_secs(4 * DAY + 3600),
            &p.head,
            "lift_order",
            vec![("id", order), ("notes", format!("隐患 {h} 已销号"))],
        ));
    }
    if rng.random_bool(0.5) {
        penalty(out, m, &p.head, found.plus_secs(5 * DAY), Some(&in1), "R774", "ENF-HAZ-3", "FINE[50万–200万]", 500_000, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth(dir: &Path) -> Vec<Value> {
        std::fs::read_to_string(dir.join("truth.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
        ["mines.csv", "inspections.csv", "self_checks.csv", "hazards.csv", "truth.jsonl"]
            .iter()
            .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
            .collect()
    }

    #[test]
    fn the_year_is_deterministic_for_a_seed() {
        let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let sa = simulate_year(a.path(), 7, 20).unwrap();
        let sb = simulate_year(b.path(), 7, 20).unwrap();
        simulate_year(c.path(), 8, 20).unwrap();
        assert_eq!(read_all(a.path()), read_all(b.path()));
        assert_ne!(read_all(a.path()), read_all(c.path()), "another seed gives another year");
        assert_eq!((sa.rows, sa.closures, sa.near_misses), (sb.rows, sb.closures, sb.near_misses));
        assert_eq!(sa.files.len(), 5);
    }

    #[test]
    fn the_year_holds_every_truth_case() {
        let dir = tempfile::tempdir().unwrap();
        let s = simulate_year(dir.path(), 3, 16).unwrap();
        let tr = truth(dir.path());
        assert_eq!(s.closures, 4);
        assert_eq!(s.near_misses, 6);
        let rules: Vec<(&str, &str)> =
            tr.iter().filter(|v| v["kind"] == "closure").map(|v| (v["rule"].as_str().unwrap(), v["at"].as_str().unwrap())).collect();
        assert!(rules.contains(&("ENF-HAZ-4", "2026-04-30T09:00:00+08:00")), "{rules:?}");
        assert!(rules.contains(&("ENF-HAZ-4", "2026-04-13T09:00:00+08:00")), "{rules:?}");
        assert!(rules.contains(&("ENF-HAZ-5", "2026-07-20T10:00:00+08:00")), "{rules:?}");
        assert!(rules.contains(&("ENF-CLOSE-1", "2026-06-01T00:00:00+08:00")), "{rules:?}");
        let kinds = |k: &str| tr.iter().filter(|v| v["kind"] == k).count();
        assert_eq!(kinds("backtrace"), 1);
        assert_eq!(kinds("overdue"), 1);
        assert_eq!(kinds("missing_self_check"), 1);
        // Each case on its own mine.
        let mut mines: Vec<&str> = tr.iter().filter(|v| v["kind"] != "missing_self_check").map(|v| v["mine"].as_str().unwrap()).collect();
        mines.sort();
        mines.dedup();
        assert_eq!(mines.len(), SPECIAL_CASES);

        // The back-tracing inspections exist, cover the place, precede the finding and follow the evidence.
        let bt = tr.iter().find(|v| v["kind"] == "backtrace").unwrap();
        let ids: Vec<&str> = bt["inspections"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(ids.len(), 2);
        let insp = std::fs::read_to_string(dir.path().join("inspections.csv")).unwrap();
        for id in &ids {
            let line = insp.lines().find(|l| l.contains(&format!(",record,{id},"))).unwrap();
            assert!(line.contains(BACKTRACE_PLACE), "{line}");
            assert!(line.contains("2026-05-12") || line.contains("2026-06-12"), "{line}");
            assert!(insp.contains(&format!(",sign,{id},")), "{id} is signed");
        }
        // No other inspection covers the place.
        assert_eq!(insp.lines().filter(|l| l.contains(",record,") && l.contains(BACKTRACE_PLACE)).count(), 3);

        // The missed month has no self-check, the other months do.
        let miss = tr.iter().find(|v| v["kind"] == "missing_self_check").unwrap();
        let code = miss["mine"].as_str().unwrap();
        let sc = std::fs::read_to_string(dir.path().join("self_checks.csv")).unwrap();
        assert!(!sc.contains(&format!("SC-{code}-08")));
        assert!(sc.contains(&format!("SC-{code}-07")) && sc.contains(&format!("SC-{code}-09")));
        assert_eq!(sc.lines().count() - 1, 16 * 12 - 1);
    }

    #[test]
    fn windows_in_the_cases_sit_on_their_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        simulate_year(dir.path(), 11, 12).unwrap();
        let hz = std::fs::read_to_string(dir.path().join("hazards.csv")).unwrap();
        // The 181-day spread: 2026-01-20 + 181 days = 2026-07-20.
        assert_eq!(t(1, 20, 10, 0).plus_secs(181 * DAY), t(7, 20, 10, 0));
        // The six-week refinding.
        assert_eq!(t(3, 2, 9, 0).plus_secs(42 * DAY), t(4, 13, 9, 0));
        assert!(hz.contains("observed_at") && hz.contains("2026-05-01 09:00:00") && hz.contains("2026-04-30 09:00:00"));
        let mines = std::fs::read_to_string(dir.path().join("mines.csv")).unwrap();
        assert!(mines.contains("2026-05-31 23:59:59"), "the expiring licence");
        assert!(mines.contains("2026-06-29 10:00:00,HEAD-C01"), "the renewal the day before expiry");
        assert!(mines.contains(",apply_restart,") && mines.contains(",approve_restart,"));
        assert_eq!(mines.matches(",accept_item,").count(), 4);
    }

    #[test]
    fn too_few_mines_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = simulate_year(dir.path(), 1, SPECIAL_CASES - 1).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(simulate_year(dir.path(), 1, SPECIAL_CASES).is_ok());
    }
}
