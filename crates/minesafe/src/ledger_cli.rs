//! `minesafe hazard|inspect|mine|self-check|ledger|audit …`: the enforcement
//! ledger from the command line. Every verb builds one ledger command, signed
//! by the acting person (`--as`, `--role`, `--scope`, or the `MINESAFE_*`
//! environment), and either records it in the audit chain or prints the
//! refusal with its reason and rule (exit status 2).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use minesafe_ledger::calendar::{Date, Month};
use minesafe_ledger::gates::{self, Licence, LicenceKind, MineCmd, MineStatus};
use minesafe_ledger::hazard::{self, FiveInPlace, HazardCmd, HazardSource};
use minesafe_ledger::inspection::{self, InspectionCmd, InspectionFinding, OrderKind, PenaltyTarget, ReferralTarget, VisitMode};
use minesafe_ledger::selfcheck::{self, KeyLink, SelfCheckCmd};
use minesafe_ledger::{Actor, Command, Event, Role};
use minesafe_model::{Finding, Timestamp};
use minesafe_store::Store;

use crate::ledger_db::{AuditPaths, LedgerDb};
use crate::Format;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleArg {
    MineStaff,
    MinePrincipal,
    Inspector,
    RegulatorHead,
    Government,
    System,
}

/// Who acts. Each ledger change carries this identity into the audit chain.
#[derive(clap::Args, Clone, Debug)]
pub struct ActorArgs {
    /// The acting person's id (staff or badge number).
    #[arg(id = "actor_id", long = "as", env = "MINESAFE_ACTOR", global = true)]
    pub actor_id: Option<String>,
    /// The acting person's name, as signed.
    #[arg(id = "actor_name", long = "actor-name", env = "MINESAFE_ACTOR_NAME", global = true)]
    pub actor_name: Option<String>,
    #[arg(id = "actor_role", long = "role", value_enum, env = "MINESAFE_ROLE", global = true)]
    pub actor_role: Option<RoleArg>,
    /// The actor's mine (mine roles) or office (regulator and government roles).
    #[arg(id = "actor_scope", long = "scope", env = "MINESAFE_SCOPE", global = true)]
    pub actor_scope: Option<String>,
}

impl ActorArgs {
    pub fn actor(&self) -> Result<Actor> {
        let role = self
            .actor_role
            .context("who acts? give --as ID --role ROLE --scope MINE|OFFICE (or MINESAFE_ACTOR, MINESAFE_ROLE, MINESAFE_SCOPE)")?;
        if role == RoleArg::System {
            return Ok(Actor::system());
        }
        let id = self.actor_id.clone().context("--as ID is required")?;
        let scope = self.actor_scope.clone().context("--scope MINE|OFFICE is required")?;
        let role = match role {
            RoleArg::MineStaff => Role::MineStaff { mine: scope },
            RoleArg::MinePrincipal => Role::MinePrincipal { mine: scope },
            RoleArg::Inspector => Role::Inspector { office: scope },
            RoleArg::RegulatorHead => Role::RegulatorHead { office: scope },
            RoleArg::Government => Role::Government { office: scope },
            RoleArg::System => unreachable!("handled above"),
        };
        let name = self.actor_name.clone().unwrap_or_else(|| id.clone());
        Ok(Actor { id, name, role })
    }
}

/// Options every ledger verb shares.
#[derive(clap::Args, Clone, Debug)]
pub struct LedgerArgs {
    #[arg(long, default_value = "minesafe.db", global = true)]
    pub db: PathBuf,
    /// The present, RFC 3339 or Beijing `yyyy-MM-dd HH:mm:ss` (default: the system clock).
    #[arg(long, global = true)]
    pub now: Option<String>,
    /// Ledger windows and limits (TOML; see docs/ledger.md).
    #[arg(long, global = true)]
    pub ledger_config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    pub format: Format,
    #[command(flatten)]
    pub actor: ActorArgs,
    #[command(flatten)]
    pub audit: AuditPaths,
}

impl LedgerArgs {
    pub fn now(&self) -> Result<Timestamp> {
        match &self.now {
            Some(s) => parse_time(s),
            None => Ok(crate::clock::wall_now()),
        }
    }

    pub fn open(&self) -> Result<LedgerDb> {
        LedgerDb::open(&self.db, &self.audit, crate::ledger_db::load_config(self.ledger_config.as_deref())?)
    }
}

/// Beijing `yyyy-MM-dd HH:mm:ss`, a Beijing day `yyyy-MM-dd` (its start), or RFC 3339.
pub fn parse_time(s: &str) -> Result<Timestamp> {
    let s = s.trim();
    if let Ok(t) = Timestamp::parse_beijing(s) {
        return Ok(t);
    }
    if let Some(d) = Date::parse(s) {
        return Ok(d.start());
    }
    Timestamp::parse_rfc3339(s)
        .map_err(|_| anyhow::anyhow!("not a time: {s:?} (want yyyy-MM-dd HH:mm:ss Beijing time, yyyy-MM-dd, or RFC 3339)"))
}

/// A deadline given as a day means the end of that day.
fn parse_deadline(s: &str) -> Result<Timestamp> {
    match Date::parse(s) {
        Some(d) if s.trim().len() == 10 => Ok(d.end()),
        _ => parse_time(s),
    }
}

fn list(s: &str) -> Vec<String> {
    s.split([';', ',']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn make_id(prefix: &str, db: &LedgerDb) -> String {
    format!("{prefix}-{:06}", db.ledger.len() + 1)
}

fn parse_source(s: &str) -> Result<HazardSource> {
    let (kind, id) = s.split_once(':').context("a source is engine:FINDING, inspection:ID or self_check:ID")?;
    let id = id.to_string();
    Ok(match kind {
        "engine" | "finding" => HazardSource::Engine { finding: id },
        "inspection" => HazardSource::Inspection { inspection: id },
        "self_check" | "self-check" => HazardSource::SelfCheck { self_check: id },
        other => bail!("unknown source kind {other:?} (engine, inspection, self_check)"),
    })
}

#[derive(clap::Args, Clone, Debug)]
pub struct HazardArgs {
    #[command(flatten)]
    pub common: LedgerArgs,
    #[command(subcommand)]
    pub command: HazardVerb,
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum HazardVerb {
    /// Record a major hazard found by a check: an engine finding (`--finding ID`, its
    /// evidence and place are taken from the store), an inspection or a self-check.
    Open {
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        mine: Option<String>,
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        system: Option<String>,
        /// The catalog rule it is a hazard under (CM-…, CM26-…).
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// An engine finding in the store.
        #[arg(long, conflicts_with = "source")]
        finding: Option<String>,
        /// inspection:ID or self_check:ID.
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        found_at: Option<String>,
        /// Since when the evidence existed (default: when found, or the finding's start).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value = "")]
        evidence: String,
    },
    /// A regulator confirms an engine or self-check hazard.
    Confirm {
        id: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// The hazard found again by another check.
    Observe {
        id: String,
        #[arg(long)]
        source: String,
        #[arg(long)]
        at: String,
    },
    /// The five in place (五落实): responsibility, measures, funds, deadline, contingency plan.
    Plan {
        id: String,
        #[arg(long)]
        responsible: String,
        #[arg(long)]
        measures: String,
        #[arg(long)]
        funds: u64,
        #[arg(long)]
        deadline: String,
        #[arg(long)]
        contingency: String,
    },
    Start {
        id: String,
    },
    Submit {
        id: String,
        #[arg(long, default_value = "")]
        notes: String,
        #[arg(long, default_value = "")]
        evidence: String,
    },
    Verify {
        id: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// 销号.
    SignOff {
        id: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    Revoke {
        id: String,
        #[arg(long)]
        reason: String,
    },
    Extend {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: String,
    },
    Helper {
        id: String,
        #[arg(long)]
        helper_id: String,
        #[arg(long)]
        helper_name: String,
    },
    Contest {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "")]
        evidence: String,
    },
    Decide {
        id: String,
        #[arg(long)]
        upheld: bool,
        #[arg(long, default_value = "")]
        notes: String,
    },
    List {
        #[arg(long)]
        mine: Option<String>,
        /// Only hazards not signed off or withdrawn.
        #[arg(long)]
        open: bool,
    },
    Show {
        id: String,
    },
    /// Inspections that covered the hazard's place while its evidence existed, and who signed them.
    Backtrace {
        id: String,
    },
    /// The quarterly treatment report (ENF-HAZ-2).
    Report {
        mine: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        quarter: u32,
    },
    /// A printable hazard notice (HTML).
    Notice {
        id: String,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run_submit(db: &mut LedgerDb, ev: Event, args: &LedgerArgs) -> Result<i32> {
    match db.submit(&ev)? {
        Ok(applied) => {
            let cp = db.checkpoint_if_due(ev.at, false)?;
            let seq = db.store.ledger_head()?.map(|(n, _)| n).unwrap_or(0);
            if args.format == Format::Json {
                let v = serde_json::json!({"ok": true, "record": applied.record.to_string(), "mine": applied.mine, "event": seq,
                    "snapshot": db.ledger.snapshot(&applied.record)});
                println!("{v}");
            } else {
                println!("{} {} (event #{seq})", ev.command.name(), applied.record);
                if let Some(cp) = cp {
                    eprintln!("checkpoint {} signed and exported to {}", cp.count, db.export_dir().display());
                }
            }
            Ok(0)
        }
        Err(r) => {
            if args.format == Format::Json {
                println!("{}", serde_json::json!({"ok": false, "code": r.code, "rule": r.rule, "message": r.message}));
            }
            let rule = r.rule.as_deref().map(|x| format!(", {x}")).unwrap_or_default();
            eprintln!("refused ({}{rule}): {}", serde_json::to_value(r.code)?.as_str().unwrap_or("refused"), r.message);
            Ok(2)
        }
    }
}

fn event(args: &LedgerArgs, command: Command) -> Result<Event> {
    Ok(Event { at: args.now()?, actor: args.actor.actor()?, command })
}

pub fn run_hazard(a: &HazardArgs) -> Result<i32> {
    let c = &a.common;
    let mut db = c.open()?;
    let h = |cmd: HazardCmd| Command::Hazard(cmd);
    let cmd = match &a.command {
        HazardVerb::Open { id, mine, place, system, kind, description, finding, source, found_at, since, evidence } => {
            let mut ev_list = list(evidence);
            let (mut mine, mut place, mut kind, mut description) = (mine.clone(), place.clone(), kind.clone(), description.clone());
            let (mut found, mut since_t) =
                (found_at.as_deref().map(parse_time).transpose()?, since.as_deref().map(parse_time).transpose()?);
            let source = match (finding, source) {
                (Some(fid), _) => {
                    let f = engine_finding(&db, fid)?;
                    mine.get_or_insert(f.mine.clone());
                    place.get_or_insert(f.place.clone().unwrap_or_default());
                    kind.get_or_insert(f.rule.clone());
                    description.get_or_insert(f.title.clone());
                    found.get_or_insert(f.end.unwrap_or(f.start));
                    since_t.get_or_insert(f.start);
                    ev_list.insert(0, format!("finding:{fid}"));
                    HazardSource::Engine { finding: fid.clone() }
                }
                (None, Some(s)) => parse_source(s)?,
                (None, None) => bail!("say where it was found: --finding ID or --source inspection:ID|self_check:ID"),
            };
            let id = id.clone().unwrap_or_else(|| make_id("HZ", &db));
            h(HazardCmd::Open {
                id,
                mine: mine.context("--mine is required")?,
                place: place.context("--place is required")?,
                system: system.clone(),
                kind: kind.context("--kind is required")?,
                description: description.context("--description is required")?,
                found_at: match found {
                    Some(t) => t,
                    None => c.now()?,
                },
                evidence_since: since_t,
                source,
                evidence: ev_list,
            })
        }
        HazardVerb::Confirm { id, notes } => h(HazardCmd::Confirm { id: id.clone(), notes: notes.clone() }),
        HazardVerb::Observe { id, source, at } => {
            h(HazardCmd::Observe { id: id.clone(), source: parse_source(source)?, at: parse_time(at)? })
        }
        HazardVerb::Plan { id, responsible, measures, funds, deadline, contingency } => h(HazardCmd::Plan {
            id: id.clone(),
            five: FiveInPlace {
                responsible: responsible.clone(),
                measures: measures.clone(),
                funds_cny: *funds,
                deadline: parse_deadline(deadline)?,
                contingency_plan: contingency.clone(),
            },
        }),
        HazardVerb::Start { id } => h(HazardCmd::Start { id: id.clone() }),
        HazardVerb::Submit { id, notes, evidence } => {
            h(HazardCmd::Submit { id: id.clone(), notes: notes.clone(), evidence: list(evidence) })
        }
        HazardVerb::Verify { id, notes } => h(HazardCmd::Verify { id: id.clone(), notes: notes.clone() }),
        HazardVerb::Reject { id, reason } => h(HazardCmd::Reject { id: id.clone(), reason: reason.clone() }),
        HazardVerb::SignOff { id, notes } => h(HazardCmd::SignOff { id: id.clone(), notes: notes.clone() }),
        HazardVerb::Revoke { id, reason } => h(HazardCmd::Revoke { id: id.clone(), reason: reason.clone() }),
        HazardVerb::Extend { id, to, reason } => h(HazardCmd::Extend { id: id.clone(), to: parse_deadline(to)?, reason: reason.clone() }),
        HazardVerb::Helper { id, helper_id, helper_name } => {
            h(HazardCmd::AssignHelper { id: id.clone(), helper_id: helper_id.clone(), helper_name: helper_name.clone() })
        }
        HazardVerb::Contest { id, reason, evidence } => {
            h(HazardCmd::Contest { id: id.clone(), reason: reason.clone(), evidence: list(evidence) })
        }
        HazardVerb::Decide { id, upheld, notes } => h(HazardCmd::DecideContest { id: id.clone(), upheld: *upheld, notes: notes.clone() }),
        HazardVerb::List { mine, open } => {
            let rows: Vec<_> =
                db.ledger.hazards().filter(|x| mine.as_ref().is_none_or(|m| &x.mine == m) && (!open || x.state.is_open())).collect();
            let mut out = std::io::stdout().lock();
            if c.format == Format::Json {
                for r in rows {
                    writeln!(out, "{}", serde_json::to_string(r)?)?;
                }
            } else {
                writeln!(out, "{:<14} {:<13} {:<10} {:<11} {:<26} {:<20} place", "id", "mine", "kind", "state", "found", "deadline")?;
                for r in rows {
                    writeln!(
                        out,
                        "{:<14} {:<13} {:<10} {:<11} {:<26} {:<20} {}",
                        r.id,
                        r.mine,
                        r.kind,
                        serde_json::to_value(r.state)?.as_str().unwrap_or(""),
                        r.found_at.to_string(),
                        r.deadline.map(|d| Date::of(d).to_string()).unwrap_or_else(|| "-".into()),
                        r.place
                    )?;
                }
            }
            return Ok(0);
        }
        HazardVerb::Show { id } => {
            let x = db.ledger.hazard(id).with_context(|| format!("no hazard {id}"))?;
            println!("{}", serde_json::to_string_pretty(x)?);
            return Ok(0);
        }
        HazardVerb::Backtrace { id } => {
            db.ledger.hazard(id).with_context(|| format!("no hazard {id}"))?;
            let rows = inspection::backtrace(&db.ledger, id);
            if c.format == Format::Json {
                for r in &rows {
                    println!("{}", serde_json::to_string(r)?);
                }
            } else {
                println!("{} earlier inspection(s) covered hazard {id} while its evidence existed:", rows.len());
                for r in &rows {
                    let signer = r.signed_by.as_ref().map(|s| format!("{} ({})", s.name, s.id)).unwrap_or_else(|| "UNSIGNED".into());
                    println!(
                        "  {} {} {:?} inspectors {} signed by {} covered {}",
                        r.inspection,
                        r.started_at,
                        r.mode,
                        r.inspectors.join(","),
                        signer,
                        r.covered.join(", ")
                    );
                }
            }
            return Ok(0);
        }
        HazardVerb::Report { mine, year, quarter } => {
            let r = hazard::quarterly_report(&db.ledger, mine, *year, *quarter);
            println!("{}", serde_json::to_string_pretty(&r)?);
            return Ok(0);
        }
        HazardVerb::Notice { id, out } => {
            let html = crate::ledger_docs::hazard_notice(&db.ledger, id)?;
            std::fs::write(out, html).with_context(|| format!("writing {}", out.display()))?;
            println!("{}", out.display());
            return Ok(0);
        }
    };
    let ev = event(c, cmd)?;
    run_submit(&mut db, ev, c)
}

fn engine_finding(db: &LedgerDb, id: &str) -> Result<Finding> {
    let all = db.store.findings(&minesafe_store::FindingFilter::default())?;
    all.into_iter().find(|f| f.id == id).with_context(|| format!("no finding {id} in the store (see `minesafe findings`)"))
}

#[derive(clap::Args, Clone, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    pub common: LedgerArgs,
    #[command(subcommand)]
    pub command: InspectVerb,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ModeArg {
    Announced,
    Unannounced,
    Night,
    Return,
}

impl From<ModeArg> for VisitMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Announced => VisitMode::Announced,
            ModeArg::Unannounced => VisitMode::Unannounced,
            ModeArg::Night => VisitMode::Night,
            ModeArg::Return => VisitMode::Return,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum OrderArg {
    Correct,
    StopArea,
    StopProduction,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ReferArg {
    NaturalResources,
    PowerSupplier,
    Police,
    Judicial,
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum InspectVerb {
    /// Plan a visit.
    Plan {
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        mine: String,
        #[arg(long)]
        office: String,
        #[arg(long)]
        on: String,
        #[arg(long, value_enum, default_value_t = ModeArg::Announced)]
        mode: ModeArg,
        #[arg(long, default_value = "")]
        focus: String,
        #[arg(long)]
        inspectors: String,
    },
    /// Record a visit: who, when, the places and systems covered, what was found.
    /// Findings as `RULE|PLACE|TEXT|BASIS|major` (repeat --finding).
    Record {
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        plan: Option<String>,
        #[arg(long)]
        mine: String,
        #[arg(long)]
        office: String,
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        #[arg(long, value_enum, default_value_t = ModeArg::Announced)]
        mode: ModeArg,
        #[arg(long)]
        inspectors: String,
        #[arg(long, default_value = "")]
        places: String,
        #[arg(long, default_value = "")]
        systems: String,
        #[arg(long = "finding")]
        findings: Vec<String>,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// 谁检查、谁签名: the acting inspector signs; the record cannot change afterwards.
    Sign {
        id: String,
    },
    Order {
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        mine: String,
        #[arg(long)]
        inspection: Option<String>,
        #[arg(long, value_enum)]
        kind: OrderArg,
        /// Deadline for `correct`.
        #[arg(long)]
        deadline: Option<String>,
        /// Area for `stop-area`.
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        basis: String,
        #[arg(long, default_value = "")]
        text: String,
    },
    Lift {
        id: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    Penalty {
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        mine: String,
        #[arg(long)]
        inspection: Option<String>,
        /// A person (name) instead of the enterprise.
        #[arg(long)]
        person: Option<String>,
        #[arg(long, default_value = "")]
        post: String,
        #[arg(long)]
        amount: u64,
        #[arg(long, default_value = "")]
        consequence: String,
        #[arg(long)]
        basis: String,
        #[arg(long, default_value = "SPL")]
        law: String,
        #[arg(long)]
        decided: Option<String>,
    },
    Refer {
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        mine: String,
        #[arg(long, value_enum)]
        to: ReferArg,
        #[arg(long)]
        basis: String,
        #[arg(long, default_value = "")]
        text: String,
        #[arg(long, default_value_t = 5)]
        ack_days: i64,
    },
    Ack {
        id: String,
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    Show {
        id: String,
    },
    /// A printable inspection record (HTML).
    Print {
        id: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Risk-ranked visits: open hazards, recent findings in the store, time since the last visit.
    Planning {
        #[arg(long, default_value_t = 20)]
        top: usize,
    },
}

fn parse_finding(s: &str) -> Result<InspectionFinding> {
    let p: Vec<&str> = s.split('|').collect();
    anyhow::ensure!(p.len() >= 4, "a finding is RULE|PLACE|TEXT|BASIS[|major]: {s:?}");
    Ok(InspectionFinding {
        rule: p[0].trim().into(),
        place: p[1].trim().into(),
        text: p[2].trim().into(),
        basis: p[3].trim().into(),
        major: p.get(4).is_some_and(|m| m.trim() == "major"),
        hazard: None,
    })
}

pub fn run_inspect(a: &InspectArgs) -> Result<i32> {
    let c = &a.common;
    let mut db = c.open()?;
    let now = c.now()?;
    let i = |cmd: InspectionCmd| Command::Inspection(cmd);
    let cmd = match &a.command {
        InspectVerb::Plan { id, mine, office, on, mode, focus, inspectors } => i(InspectionCmd::Plan {
            id: id.clone().unwrap_or_else(|| make_id("PL", &db)),
            mine: mine.clone(),
            office: office.clone(),
            planned_on: parse_time(on)?,
            mode: (*mode).into(),
            focus: list(focus),
            inspectors: list(inspectors),
        }),
        InspectVerb::Record { id, plan, mine, office, start, end, mode, inspectors, places, systems, findings, notes } => {
            i(InspectionCmd::Record {
                id: id.clone().unwrap_or_else(|| make_id("IN", &db)),
                plan: plan.clone(),
                mine: mine.clone(),
                office: office.clone(),
                started_at: parse_time(start)?,
                ended_at: parse_time(end)?,
                mode: (*mode).into(),
                inspectors: list(inspectors),
                places: list(places),
                systems: list(systems),
                findings: findings.iter().map(|f| parse_finding(f)).collect::<Result<_>>()?,
                notes: notes.clone(),
            })
        }
        InspectVerb::Sign { id } => i(InspectionCmd::Sign { id: id.clone() }),
        InspectVerb::Order { id, mine, inspection, kind, deadline, area, basis, text } => i(InspectionCmd::IssueOrder {
            id: id.clone().unwrap_or_else(|| make_id("OR", &db)),
            mine: mine.clone(),
            inspection: inspection.clone(),
            kind: match kind {
                OrderArg::Correct => {
                    OrderKind::CorrectByDeadline { deadline: parse_deadline(deadline.as_deref().context("--deadline is required")?)? }
                }
                OrderArg::StopArea => OrderKind::StopInArea { area: area.clone().context("--area is required")? },
                OrderArg::StopProduction => OrderKind::StopProduction,
            },
            basis: basis.clone(),
            text: text.clone(),
        }),
        InspectVerb::Lift { id, notes } => i(InspectionCmd::LiftOrder { id: id.clone(), notes: notes.clone() }),
        InspectVerb::Penalty { id, mine, inspection, person, post, amount, consequence, basis, law, decided } => {
            i(InspectionCmd::ImposePenalty {
                id: id.clone().unwrap_or_else(|| make_id("PN", &db)),
                mine: mine.clone(),
                inspection: inspection.clone(),
                target: match person {
                    Some(n) => PenaltyTarget::Person { name: n.clone(), post: post.clone() },
                    None => PenaltyTarget::Enterprise,
                },
                amount_cny: *amount,
                consequence: consequence.clone(),
                basis: basis.clone(),
                law: law.clone(),
                decided_at: match decided {
                    Some(d) => parse_time(d)?,
                    None => now,
                },
            })
        }
        InspectVerb::Refer { id, mine, to, basis, text, ack_days } => i(InspectionCmd::Refer {
            id: id.clone().unwrap_or_else(|| make_id("RF", &db)),
            mine: mine.clone(),
            to: match to {
                ReferArg::NaturalResources => ReferralTarget::NaturalResources,
                ReferArg::PowerSupplier => ReferralTarget::PowerSupplier,
                ReferArg::Police => ReferralTarget::Police,
                ReferArg::Judicial => ReferralTarget::Judicial,
            },
            basis: basis.clone(),
            text: text.clone(),
            ack_deadline: Date::of(now).plus_days(*ack_days).end(),
        }),
        InspectVerb::Ack { id, by, notes } => {
            i(InspectionCmd::AcknowledgeReferral { id: id.clone(), by: by.clone(), notes: notes.clone() })
        }
        InspectVerb::Show { id } => {
            let x = db.ledger.inspection(id).with_context(|| format!("no inspection {id}"))?;
            println!("{}", serde_json::to_string_pretty(x)?);
            return Ok(0);
        }
        InspectVerb::Print { id, out } => {
            let html = crate::ledger_docs::inspection_record(&db.ledger, id)?;
            std::fs::write(out, html).with_context(|| format!("writing {}", out.display()))?;
            println!("{}", out.display());
            return Ok(0);
        }
        InspectVerb::Planning { top } => {
            let signals = risk_signals(&db, now)?;
            let plan = inspection::plan_visits(&db.ledger, now, &signals);
            if c.format == Format::Json {
                for p in plan.iter().take(*top) {
                    println!("{}", serde_json::to_string(p)?);
                }
            } else {
                for (n, p) in plan.iter().take(*top).enumerate() {
                    println!("{:>3}. {} score {:.1} {:?}: {}", n + 1, p.mine, p.score, p.mode, p.reasons.join("; "));
                }
            }
            return Ok(0);
        }
    };
    let ev = event(c, cmd)?;
    run_submit(&mut db, ev, c)
}

/// Engine findings of the last 30 days in the store, as planning signals.
fn risk_signals(db: &LedgerDb, now: Timestamp) -> Result<Vec<inspection::RiskSignal>> {
    let filter = minesafe_store::FindingFilter {
        from: Some(now.plus_secs(-30 * 86_400)),
        to: Some(now),
        min_severity: Some(minesafe_model::Severity::Warning),
        ..Default::default()
    };
    Ok(db
        .store
        .findings(&filter)?
        .into_iter()
        .map(|f| {
            let hour = f.start.beijing().hour;
            inspection::RiskSignal {
                lead: f.rule.starts_with("REC-") || f.rule.starts_with("ACC-LEAD-"),
                night: !(6..22).contains(&hour),
                mine: f.mine,
                rule: f.rule,
                severity: f.severity,
                at: f.start,
            }
        })
        .collect())
}

#[derive(clap::Args, Clone, Debug)]
pub struct MineArgs {
    #[command(flatten)]
    pub common: LedgerArgs,
    #[command(subcommand)]
    pub command: MineVerb,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum StatusArg {
    Producing,
    Construction,
    MaintenanceStop,
    StoppedByOrder,
    Closing,
    Closed,
}

impl From<StatusArg> for MineStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Producing => MineStatus::Producing,
            StatusArg::Construction => MineStatus::Construction,
            StatusArg::MaintenanceStop => MineStatus::MaintenanceStop,
            StatusArg::StoppedByOrder => MineStatus::StoppedByOrder,
            StatusArg::Closing => MineStatus::Closing,
            StatusArg::Closed => MineStatus::Closed,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum LicenceArg {
    SafetyProduction,
    MiningRight,
    Business,
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum MineVerb {
    Register {
        mine: String,
        #[arg(long)]
        name: String,
        /// Offices with jurisdiction (county, city, …), comma-separated.
        #[arg(long)]
        offices: String,
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        coal: bool,
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        underground: bool,
        #[arg(long, value_enum, default_value_t = StatusArg::Producing)]
        status: StatusArg,
        #[arg(long)]
        since: String,
    },
    Licence {
        mine: String,
        #[arg(long, value_enum)]
        kind: LicenceArg,
        #[arg(long)]
        number: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
    RevokeLicence {
        mine: String,
        #[arg(long)]
        number: String,
        #[arg(long)]
        reason: String,
    },
    /// A recorded status decision.
    Status {
        mine: String,
        #[arg(long, value_enum)]
        to: StatusArg,
        #[arg(long)]
        effective: Option<String>,
        #[arg(long)]
        basis: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// The mine applies to restart, with the acceptance items.
    RestartApply {
        mine: String,
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        plan: String,
        #[arg(long)]
        items: String,
    },
    /// A regulator checks one acceptance item.
    RestartAccept {
        id: String,
        #[arg(long)]
        item: String,
        #[arg(long, action = clap::ArgAction::Set)]
        passed: bool,
        #[arg(long, default_value = "")]
        evidence: String,
    },
    /// An office head signs the restart (refused while a major hazard is open).
    RestartApprove {
        id: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    RestartRefuse {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Record that a closure proposal went to the government.
    ProposeClosure {
        mine: String,
        #[arg(long)]
        rule: String,
        #[arg(long, default_value = "")]
        hazards: String,
        #[arg(long, default_value = "")]
        penalties: String,
        #[arg(long)]
        to: String,
    },
    List,
    /// The mine's full enforcement history (CSV, XLSX or JSON by the --out extension; stdout table without).
    History {
        mine: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run_mine(a: &MineArgs) -> Result<i32> {
    let c = &a.common;
    let mut db = c.open()?;
    let now = c.now()?;
    let m = |cmd: MineCmd| Command::Mine(cmd);
    let cmd = match &a.command {
        MineVerb::Register { mine, name, offices, coal, underground, status, since } => m(MineCmd::Register {
            mine: mine.clone(),
            name: name.clone(),
            offices: list(offices),
            coal: *coal,
            underground: *underground,
            status: (*status).into(),
            since: parse_time(since)?,
        }),
        MineVerb::Licence { mine, kind, number, from, to } => m(MineCmd::RecordLicence {
            mine: mine.clone(),
            licence: Licence {
                kind: match kind {
                    LicenceArg::SafetyProduction => LicenceKind::SafetyProduction,
                    LicenceArg::MiningRight => LicenceKind::MiningRight,
                    LicenceArg::Business => LicenceKind::Business,
                },
                number: number.clone(),
                valid_from: parse_time(from)?,
                valid_to: parse_deadline(to)?,
                revoked_at: None,
            },
        }),
        MineVerb::RevokeLicence { mine, number, reason } => {
            m(MineCmd::RevokeLicence { mine: mine.clone(), number: number.clone(), reason: reason.clone() })
        }
        MineVerb::Status { mine, to, effective, basis, notes } => m(MineCmd::ChangeStatus {
            mine: mine.clone(),
            to: (*to).into(),
            effective: match effective {
                Some(e) => parse_time(e)?,
                None => now,
            },
            basis: basis.clone(),
            notes: notes.clone(),
        }),
        MineVerb::RestartApply { mine, id, plan, items } => m(MineCmd::ApplyRestart {
            id: id.clone().unwrap_or_else(|| make_id("RS", &db)),
            mine: mine.clone(),
            plan: plan.clone(),
            items: list(items),
        }),
        MineVerb::RestartAccept { id, item, passed, evidence } => {
            m(MineCmd::AcceptItem { id: id.clone(), item: item.clone(), passed: *passed, evidence: evidence.clone() })
        }
        MineVerb::RestartApprove { id, notes } => m(MineCmd::ApproveRestart { id: id.clone(), notes: notes.clone() }),
        MineVerb::RestartRefuse { id, reason } => m(MineCmd::RefuseRestart { id: id.clone(), reason: reason.clone() }),
        MineVerb::ProposeClosure { mine, rule, hazards, penalties, to } => m(MineCmd::ProposeClosure {
            id: make_id("CP", &db),
            mine: mine.clone(),
            rule: rule.clone(),
            hazards: list(hazards),
            penalties: list(penalties),
            to_government: to.clone(),
        }),
        MineVerb::List => {
            for r in db.ledger.mines() {
                println!("{} {} {:?} offices {}", r.code, r.name, r.status, r.offices.join(","));
            }
            return Ok(0);
        }
        MineVerb::History { mine, out } => {
            db.ledger.mine(mine).with_context(|| format!("mine {mine} is not registered"))?;
            let rows = inspection::history(&db.ledger, mine);
            crate::ledger_docs::write_history(&rows, out.as_deref())?;
            return Ok(0);
        }
    };
    let ev = event(c, cmd)?;
    run_submit(&mut db, ev, c)
}

#[derive(clap::Args, Clone, Debug)]
pub struct SelfCheckArgs {
    #[command(flatten)]
    pub common: LedgerArgs,
    #[command(subcommand)]
    pub command: SelfCheckVerb,
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum SelfCheckVerb {
    /// Record the principal-led monthly full-system check.
    Record {
        mine: String,
        #[arg(long)]
        id: Option<String>,
        /// yyyy-MM (default: the month of --held).
        #[arg(long)]
        month: Option<String>,
        #[arg(long)]
        held: String,
        #[arg(long)]
        led_by: String,
        /// Key links covered: hot_work, blasting, bunker_cleaning, transport_hoisting, opening_seals, gondola, canteen_bath_lamp_dorm (or `all`).
        #[arg(long, default_value = "all")]
        links: String,
        #[arg(long, default_value = "")]
        hazards: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Months without a self-check (HM-2.1-R1).
    Missing {
        mine: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        through: String,
    },
}

pub fn run_self_check(a: &SelfCheckArgs) -> Result<i32> {
    let c = &a.common;
    let mut db = c.open()?;
    let cmd = match &a.command {
        SelfCheckVerb::Record { mine, id, month, held, led_by, links, hazards, notes } => {
            let held = parse_time(held)?;
            let month = match month {
                Some(m) => Month::parse(m).with_context(|| format!("--month {m}: want yyyy-MM"))?,
                None => Date::of(held).month(),
            };
            let links = if links.trim() == "all" {
                KeyLink::ALL.to_vec()
            } else {
                list(links)
                    .iter()
                    .map(|l| {
                        serde_json::from_value(serde_json::Value::String(l.clone())).with_context(|| format!("unknown key link {l:?}"))
                    })
                    .collect::<Result<_>>()?
            };
            Command::SelfCheck(SelfCheckCmd::Record {
                id: id.clone().unwrap_or_else(|| make_id("SC", &db)),
                mine: mine.clone(),
                month,
                held_on: held,
                led_by: led_by.clone(),
                links,
                hazards_found: list(hazards),
                notes: notes.clone(),
            })
        }
        SelfCheckVerb::Missing { mine, from, through } => {
            let from = Month::parse(from).context("--from yyyy-MM")?;
            let through = Month::parse(through).context("--through yyyy-MM")?;
            crate::output::print_findings(&selfcheck::missing(&db.ledger, mine, from, through), c.format)?;
            return Ok(0);
        }
    };
    let ev = event(c, cmd)?;
    run_submit(&mut db, ev, c)
}

#[derive(clap::Args, Clone, Debug)]
pub struct LedgerCmdArgs {
    #[command(flatten)]
    pub common: LedgerArgs,
    #[command(subcommand)]
    pub command: LedgerVerb,
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum LedgerVerb {
    /// Import ledger records from CSV or XLSX files (docs/ledger-import.md). Rows the
    /// ledger refuses or cannot read are reported with file and row and kept aside.
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Write a simulated year of a region's enforcement records (import files and truth.jsonl).
    Simulate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 12)]
        mines: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// What the records call for now: closure proposals, overdue hazards, missing
    /// self-checks, licence warnings, overdue referrals and restart acceptances.
    Gates {
        /// Months checked for self-checks (default: the 12 months before --now).
        #[arg(long)]
        from: Option<String>,
    },
}

pub fn run_ledger(a: &LedgerCmdArgs) -> Result<i32> {
    let c = &a.common;
    if let LedgerVerb::Simulate { out, mines, seed } = &a.command {
        let s = minesafe_sim::year::simulate_year(out, *seed, *mines).with_context(|| format!("writing {}", out.display()))?;
        println!(
            "{} files, {} rows: {} closure cases, {} near misses; truth in {}",
            s.files.len(),
            s.rows,
            s.closures,
            s.near_misses,
            out.join("truth.jsonl").display()
        );
        return Ok(0);
    }
    let mut db = c.open()?;
    let now = c.now()?;
    match &a.command {
        LedgerVerb::Simulate { .. } => unreachable!("handled before opening the store"),
        LedgerVerb::Import { paths } => import(&mut db, paths, now, c),
        LedgerVerb::Gates { from } => {
            let mut findings: Vec<Finding> = Vec::new();
            let proposals = gates::closure_proposals(&db.ledger, now);
            findings.extend(proposals.iter().map(|p| p.finding.clone()));
            findings.extend(hazard::overdue(&db.ledger, now));
            findings.extend(gates::licence_warnings(&db.ledger, now));
            // Only months that are over can lack their self-check.
            let last_full = Date::of(now).month().plus(-1);
            let from = match from {
                Some(f) => Month::parse(f).context("--from yyyy-MM")?,
                None => last_full.plus(-11),
            };
            for m in db.ledger.mines() {
                if m.status == MineStatus::Closed {
                    continue;
                }
                let start = from.max(Date::of(m.history.first().map(|h| h.effective).unwrap_or(now)).month());
                if start <= last_full {
                    findings.extend(selfcheck::missing(&db.ledger, &m.code, start, last_full));
                }
            }
            findings.sort_by(|a, b| (a.mine.as_str(), a.start, a.rule.as_str()).cmp(&(b.mine.as_str(), b.start, b.rule.as_str())));
            crate::output::print_findings(&findings, c.format)?;
            if c.format == Format::Table {
                for r in inspection::overdue_referrals(&db.ledger, now) {
                    println!("referral {} to {:?} for mine {} not acknowledged since {}", r.id, r.to, r.mine, r.ack_deadline);
                }
                for r in gates::mines_due_for_restart_acceptance(&db.ledger, now) {
                    println!("restart {} of mine {} applied {} still awaits acceptance (ENF-STOP-2: 20 days)", r.id, r.mine, r.applied_at);
                }
            }
            Ok(0)
        }
    }
}

/// Applies imported rows in time order (file order among equal times). A row that
/// cannot be read or that the ledger refuses is reported with its file and row and
/// written to the quarantine beside the database; every other row is kept.
fn import(db: &mut LedgerDb, paths: &[PathBuf], now: Timestamp, c: &LedgerArgs) -> Result<i32> {
    let mut events = Vec::new();
    let mut rejects = Vec::new();
    for p in paths {
        let (ev, rj) = crate::ledger_import::read_path(p)?;
        events.extend(ev);
        rejects.extend(rj.into_iter().map(|r| (r.file, r.record, r.reason, r.raw)));
    }
    crate::ledger_import::chronological(&mut events);
    let (mut accepted, mut refused) = (0usize, 0usize);
    db.store.begin()?;
    for e in &events {
        match db.submit(&e.event)? {
            Ok(_) => accepted += 1,
            Err(r) => {
                refused += 1;
                let rule = r.rule.as_deref().map(|x| format!(" ({x})")).unwrap_or_default();
                rejects.push((e.file.clone(), Some(e.record), format!("refused{rule}: {}", r.message), serde_json::to_string(&e.event)?));
            }
        }
    }
    db.store.commit()?;
    db.checkpoint_if_due(now, false)?;
    if !rejects.is_empty() {
        let dir = {
            let mut s = c.db.as_os_str().to_owned();
            s.push(".quarantine");
            PathBuf::from(s).join("ledger")
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(format!("import-{}.jsonl", now.compact_format()));
        let mut f =
            std::fs::OpenOptions::new().create(true).append(true).open(&path).with_context(|| format!("writing {}", path.display()))?;
        for (file, record, reason, raw) in &rejects {
            let row = record.map(|r| format!(" row {r}")).unwrap_or_default();
            eprintln!("{file}{row}: {reason}");
            writeln!(f, "{}", serde_json::json!({"file": file, "record": record, "reason": reason, "raw": raw}))?;
        }
        eprintln!("{} row(s) kept aside in {}", rejects.len(), path.display());
    }
    eprintln!("imported {accepted} event(s); {refused} refused; {} unreadable", rejects.len() - refused);
    Ok(if rejects.is_empty() { 0 } else { 3 })
}

#[derive(clap::Args, Clone, Debug)]
pub struct AuditArgs {
    #[arg(long, default_value = "minesafe.db", global = true)]
    pub db: PathBuf,
    #[command(flatten)]
    pub audit: AuditPaths,
    #[arg(long, global = true)]
    pub now: Option<String>,
    #[command(subcommand)]
    pub command: AuditVerb,
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum AuditVerb {
    /// Check the chain and the checkpoints against the export; names the first bad entry.
    Verify {
        /// The verifying key (hex); default: the one in the export folder.
        #[arg(long)]
        key: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Sign and export a checkpoint of the current head now.
    Checkpoint,
}

pub fn run_audit(a: &AuditArgs) -> Result<i32> {
    anyhow::ensure!(a.db.exists(), "no store at {}", a.db.display());
    match &a.command {
        AuditVerb::Verify { key, format } => {
            let store = crate::ingest::open_store(&a.db)?;
            let entries: Vec<_> = store.ledger_events()?.iter().map(crate::ledger_db::entry_of).collect();
            let stored: Vec<_> = store.checkpoints()?.iter().map(crate::ledger_db::checkpoint_of).collect();
            let export = minesafe_audit::ExportDir::open(&a.audit.export_path(&a.db))?;
            let (export_key, exported) = export.read()?;
            let key = match (key, export_key) {
                (Some(k), _) => k.clone(),
                (None, Some(k)) => k,
                (None, None) if exported.is_empty() && stored.is_empty() => String::new(),
                (None, None) => bail!("no verifying key in {} and none given (--key)", a.audit.export_path(&a.db).display()),
            };
            let report = minesafe_audit::verify(&entries, &stored, &exported, &key);
            if *format == Format::Json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "{} entries, {} exported checkpoint(s); protected through entry {}; {} entr{} after the last checkpoint (not protected against truncation or re-stamping)",
                    report.entries,
                    report.checkpoints,
                    report.protected_through,
                    report.unprotected,
                    if report.unprotected == 1 { "y" } else { "ies" }
                );
                match report.first() {
                    None => println!("audit trail intact"),
                    Some(p) => {
                        println!("TAMPERED: {}", p.message);
                        for q in report.problems.iter().skip(1) {
                            println!("  also: {}", q.message);
                        }
                    }
                }
            }
            Ok(if report.ok() { 0 } else { 1 })
        }
        AuditVerb::Checkpoint => {
            let mut db = LedgerDb::open(&a.db, &a.audit, minesafe_ledger::LedgerConfig::default())?;
            let now = match &a.now {
                Some(s) => parse_time(s)?,
                None => crate::clock::wall_now(),
            };
            match db.checkpoint_if_due(now, true)? {
                Some(cp) => println!("checkpoint {} head {} exported to {}", cp.count, cp.head, db.export_dir().display()),
                None => println!("nothing new since the last checkpoint"),
            }
            Ok(0)
        }
    }
}
