//! Mine status and restart commands by random actors, against a reference model.
//!
//! The model below restates the gate rules on its own (it does not call
//! `gates::status_move`): who may move a mine between statuses, that nobody
//! leaves "stopped by order" except through an approved restart (or into
//! closure), that a restart needs every acceptance item passed, an office head
//! who did not apply, and no open major hazard (HM-6.2-R1, ENF-STOP-2). Every
//! command is applied to the ledger and to the model; the outcome (accepted, or
//! the refusal code) and the resulting state must agree, and a refusal must
//! leave the ledger unchanged.
//!
//! Hazards are opened through the public hazard API (an engine finding recorded
//! by minesafe); they are closed through `gates::put_hazard_for_tests`, so this
//! test does not depend on the whole rectification chain.

use std::collections::{BTreeMap, BTreeSet};

use minesafe_ledger::gates::{self, MineCmd, MineStatus, RestartState};
use minesafe_ledger::hazard::{HazardCmd, HazardSource, HazardState};
use minesafe_ledger::{Actor, Command, Event, Ledger, LedgerConfig, RefusalCode, Role};
use minesafe_model::Timestamp;
use proptest::prelude::*;

const MINE: &str = "140100000001";
const OTHER_MINE: &str = "140100000002";
const OFFICE: &str = "county-A";
const ITEMS: [&str; 3] = ["通风系统", "瓦斯抽采", "防治水"];
const STATUSES: [MineStatus; 6] = [
    MineStatus::Producing,
    MineStatus::Construction,
    MineStatus::MaintenanceStop,
    MineStatus::StoppedByOrder,
    MineStatus::Closing,
    MineStatus::Closed,
];

fn actors() -> Vec<Actor> {
    vec![
        Actor::new("S1", "矿方 S1", Role::MineStaff { mine: MINE.into() }),
        Actor::new("P1", "矿长 P1", Role::MinePrincipal { mine: MINE.into() }),
        Actor::new("X1", "other mine X1", Role::MineStaff { mine: OTHER_MINE.into() }),
        Actor::new("I1", "inspector I1", Role::Inspector { office: OFFICE.into() }),
        Actor::new("I9", "inspector I9", Role::Inspector { office: "county-B".into() }),
        Actor::new("H1", "head H1", Role::RegulatorHead { office: OFFICE.into() }),
        Actor::new("H9", "head H9", Role::RegulatorHead { office: "county-B".into() }),
        // The applicant's identity in a regulator's capacity: still may not approve.
        Actor::new("S1", "S1 seconded", Role::RegulatorHead { office: OFFICE.into() }),
        Actor::new("G1", "county government", Role::Government { office: OFFICE.into() }),
        Actor::system(),
    ]
}

#[derive(Clone, Debug)]
enum Op {
    Status { actor: usize, to: usize, basis: bool },
    Apply { actor: usize, id: usize, items: Vec<usize> },
    Accept { actor: usize, id: Target, item: usize, passed: bool },
    Approve { actor: usize, id: Target },
    Refuse { actor: usize, id: Target, reason: bool },
    OpenHazard,
    CloseHazard { pick: usize },
}

/// Which application a decision is about: the latest one, or `R-n`.
#[derive(Clone, Copy, Debug)]
enum Target {
    Latest,
    Id(usize),
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![4 => Just(Target::Latest), 1 => (0..APP_IDS).prop_map(Target::Id)]
}

const APP_IDS: usize = 6;

/// Mostly an actor who may act (so sequences reach approvals), sometimes anyone.
fn actor(likely: &'static [usize]) -> impl Strategy<Value = usize> {
    let n = actors().len();
    prop_oneof![3 => prop::sample::select(likely), 1 => 0..n]
}

fn op() -> impl Strategy<Value = Op> {
    // Indices into `actors()`: 0 S1, 1 P1, 3 I1, 5 H1, 7 S1 as a head, 9 minesafe.
    let items = prop_oneof![
        3 => Just(vec![0]),
        2 => Just(vec![0, 1, 2]),
        1 => prop::collection::vec(0..ITEMS.len() + 1, 0..4),
    ];
    let to = prop_oneof![2 => Just(3usize), 3 => 0..STATUSES.len()];
    prop_oneof![
        3 => (actor(&[0, 1, 3, 5, 9]), to, prop::bool::weighted(0.9)).prop_map(|(actor, to, basis)| Op::Status { actor, to, basis }),
        3 => (actor(&[0, 1]), 0..APP_IDS, items).prop_map(|(actor, id, items)| Op::Apply { actor, id, items }),
        6 => (actor(&[3, 5]), target(), prop_oneof![2 => Just(0usize), 3 => 0..ITEMS.len() + 1], prop::bool::weighted(0.85))
            .prop_map(|(actor, id, item, passed)| Op::Accept { actor, id, item, passed }),
        3 => (actor(&[5, 5, 7]), target()).prop_map(|(actor, id)| Op::Approve { actor, id }),
        1 => (actor(&[3, 5]), target(), prop::bool::weighted(0.8)).prop_map(|(actor, id, reason)| Op::Refuse { actor, id, reason }),
        2 => Just(Op::OpenHazard),
        2 => (0..8usize).prop_map(|pick| Op::CloseHazard { pick }),
    ]
}

/// An item name; index `ITEMS.len()` is a blank name (or an unknown item).
fn item_name(i: usize) -> String {
    ITEMS.get(i).map(|s| s.to_string()).unwrap_or_default()
}

#[derive(Clone, Debug, PartialEq)]
struct App {
    applicant: String,
    items: BTreeMap<String, Option<bool>>,
    state: RestartState,
}

#[derive(Debug)]
struct Model {
    status: MineStatus,
    history: usize,
    apps: BTreeMap<String, App>,
    open: BTreeSet<String>,
    latest: Option<String>,
}

fn is_regulator(a: &Actor) -> bool {
    matches!(a.role, Role::Inspector { .. } | Role::RegulatorHead { .. })
}

fn in_scope(a: &Actor) -> bool {
    match &a.role {
        Role::System => true,
        Role::MineStaff { mine } | Role::MinePrincipal { mine } => mine == MINE,
        Role::Inspector { office } | Role::RegulatorHead { office } | Role::Government { office } => office == OFFICE,
    }
}

fn mine_side(a: &Actor) -> bool {
    matches!(a.role, Role::MineStaff { .. } | Role::MinePrincipal { .. })
}

/// The moves a regulator (or an imported decision) may record, and whether the mine may record it itself.
fn allowed(from: MineStatus, to: MineStatus) -> Option<bool> {
    use MineStatus::*;
    match (from, to) {
        (Producing, MaintenanceStop) | (MaintenanceStop, Producing) => Some(true),
        (Producing | Construction | MaintenanceStop, StoppedByOrder) => Some(false),
        (Producing | Construction | MaintenanceStop | StoppedByOrder, Closing) => Some(false),
        (Construction, Producing | MaintenanceStop) => Some(false),
        (Closing, Closed) => Some(false),
        _ => None,
    }
}

impl Model {
    /// The application a decision targets; "latest" is the last one applied for.
    fn resolve(&self, t: Target) -> String {
        match t {
            Target::Latest => self.latest.clone().unwrap_or_else(|| "R-0".to_string()),
            Target::Id(n) => format!("R-{n}"),
        }
    }

    fn status(&mut self, a: &Actor, to: MineStatus, basis: bool) -> Result<(), RefusalCode> {
        if !(mine_side(a) || is_regulator(a) || a.role == Role::System) || !in_scope(a) {
            return Err(RefusalCode::NotAllowed);
        }
        if !basis {
            return Err(RefusalCode::Invalid);
        }
        match allowed(self.status, to) {
            None => Err(RefusalCode::WrongState),
            Some(false) if mine_side(a) => Err(RefusalCode::NotAllowed),
            Some(_) => {
                self.status = to;
                self.history += 1;
                Ok(())
            }
        }
    }

    fn apply(&mut self, a: &Actor, id: &str, items: &[String]) -> Result<(), RefusalCode> {
        if self.apps.contains_key(id) {
            return Err(RefusalCode::Duplicate);
        }
        if a.mine() != Some(MINE) {
            return Err(RefusalCode::NotAllowed);
        }
        if self.status != MineStatus::StoppedByOrder || self.apps.values().any(|x| x.state == RestartState::Applied) {
            return Err(RefusalCode::WrongState);
        }
        let names: BTreeSet<&String> = items.iter().collect();
        if items.is_empty() || items.iter().any(|i| i.is_empty()) || names.len() != items.len() {
            return Err(RefusalCode::Invalid);
        }
        let items = items.iter().map(|i| (i.clone(), None)).collect();
        self.apps.insert(id.to_string(), App { applicant: a.id.clone(), items, state: RestartState::Applied });
        self.latest = Some(id.to_string());
        Ok(())
    }

    /// The checks shared by every decision on an application, in the ledger's order.
    fn decidable(&self, a: &Actor, id: &str, heads_only: bool) -> Result<&App, RefusalCode> {
        let app = self.apps.get(id).ok_or(RefusalCode::Unknown)?;
        let role_ok = if heads_only { matches!(a.role, Role::RegulatorHead { .. }) } else { is_regulator(a) };
        if !role_ok || !in_scope(a) {
            return Err(RefusalCode::NotAllowed);
        }
        if a.id == app.applicant {
            return Err(RefusalCode::SelfApproval);
        }
        if app.state != RestartState::Applied {
            return Err(RefusalCode::WrongState);
        }
        Ok(app)
    }

    fn accept(&mut self, a: &Actor, id: &str, item: &str, passed: bool) -> Result<(), RefusalCode> {
        let app = self.decidable(a, id, false)?;
        if !app.items.contains_key(item) {
            return Err(RefusalCode::Unknown);
        }
        if let Some(app) = self.apps.get_mut(id) {
            app.items.insert(item.to_string(), Some(passed));
        }
        Ok(())
    }

    fn approve(&mut self, a: &Actor, id: &str) -> Result<(), RefusalCode> {
        let app = self.decidable(a, id, true)?;
        if self.status != MineStatus::StoppedByOrder {
            return Err(RefusalCode::WrongState);
        }
        if app.items.values().any(|p| *p != Some(true)) {
            return Err(RefusalCode::AcceptanceIncomplete);
        }
        if !self.open.is_empty() {
            return Err(RefusalCode::OpenMajorHazard);
        }
        if let Some(app) = self.apps.get_mut(id) {
            app.state = RestartState::Approved;
        }
        self.status = MineStatus::Producing;
        self.history += 1;
        Ok(())
    }

    fn refuse(&mut self, a: &Actor, id: &str, reason: bool) -> Result<(), RefusalCode> {
        self.decidable(a, id, false)?;
        if !reason {
            return Err(RefusalCode::Invalid);
        }
        if let Some(app) = self.apps.get_mut(id) {
            app.state = RestartState::Refused;
        }
        Ok(())
    }
}

fn mine_cmd(l: &mut Ledger, at: Timestamp, actor: &Actor, cmd: MineCmd) -> Result<(), RefusalCode> {
    l.apply(&Event { at, actor: actor.clone(), command: Command::Mine(cmd) }).map(|_| ()).map_err(|r| r.code)
}

/// What a refusal must not change.
fn state_of(l: &Ledger) -> String {
    let apps: Vec<_> = l.restarts().collect();
    format!("{:?}|{:?}|{}", l.mine(MINE), apps, l.len())
}

fn start() -> (Ledger, Model, Timestamp) {
    let mut l = Ledger::new(LedgerConfig::default());
    let t0 = Timestamp::parse_beijing("2026-01-01 08:00:00").unwrap();
    let register = MineCmd::Register {
        mine: MINE.into(),
        name: "晋源煤矿".into(),
        offices: vec![OFFICE.into()],
        coal: true,
        underground: true,
        status: MineStatus::Producing,
        since: t0,
    };
    mine_cmd(&mut l, t0, &Actor::system(), register).unwrap();
    (l, Model { status: MineStatus::Producing, history: 1, apps: BTreeMap::new(), open: BTreeSet::new(), latest: None }, t0)
}

/// Runs one command sequence against the ledger and the model; `outcomes` counts
/// what each kind of command led to, so the test can show it reached the moves
/// that matter.
fn run_case(ops: &[Op], stopped_first: bool, outcomes: &mut BTreeMap<String, usize>) -> Result<(), TestCaseError> {
    let people = actors();
    let (mut l, mut m, t0) = start();
    if stopped_first {
        let stop = MineCmd::ChangeStatus {
            mine: MINE.into(),
            to: MineStatus::StoppedByOrder,
            effective: t0,
            basis: "ORD-0".into(),
            notes: String::new(),
        };
        mine_cmd(&mut l, t0, &people[3], stop).map_err(|c| TestCaseError::fail(format!("stop order refused: {c:?}")))?;
        m.status(&people[3], MineStatus::StoppedByOrder, true)
            .map_err(|c| TestCaseError::fail(format!("model refused the stop: {c:?}")))?;
    }
    let mut hazards = 0usize;
    for (step, op) in ops.iter().enumerate() {
        let at = t0.plus_secs((step as i64 + 1) * 86_400);
        let before = state_of(&l);
        let (got, want) = match op {
            Op::Status { actor, to, basis } => {
                let a = &people[*actor];
                let to = STATUSES[*to];
                let basis_text = if *basis { format!("decision {step}") } else { String::new() };
                let cmd = MineCmd::ChangeStatus { mine: MINE.into(), to, effective: at, basis: basis_text, notes: String::new() };
                (mine_cmd(&mut l, at, a, cmd), m.status(a, to, *basis))
            }
            Op::Apply { actor, id, items } => {
                let a = &people[*actor];
                let id = format!("R-{id}");
                let items: Vec<String> = items.iter().map(|i| item_name(*i)).collect();
                let cmd = MineCmd::ApplyRestart { id: id.clone(), mine: MINE.into(), plan: "整改方案".into(), items: items.clone() };
                (mine_cmd(&mut l, at, a, cmd), m.apply(a, &id, &items))
            }
            Op::Accept { actor, id, item, passed } => {
                let a = &people[*actor];
                let id = m.resolve(*id);
                let item = ITEMS.get(*item).map(|s| s.to_string()).unwrap_or_else(|| "未列项".to_string());
                let cmd = MineCmd::AcceptItem { id: id.clone(), item: item.clone(), passed: *passed, evidence: "现场核查".into() };
                (mine_cmd(&mut l, at, a, cmd), m.accept(a, &id, &item, *passed))
            }
            Op::Approve { actor, id } => {
                let a = &people[*actor];
                let id = m.resolve(*id);
                let cmd = MineCmd::ApproveRestart { id: id.clone(), notes: String::new() };
                (mine_cmd(&mut l, at, a, cmd), m.approve(a, &id))
            }
            Op::Refuse { actor, id, reason } => {
                let a = &people[*actor];
                let id = m.resolve(*id);
                let reason_text = if *reason { "整改不到位".to_string() } else { String::new() };
                let cmd = MineCmd::RefuseRestart { id: id.clone(), reason: reason_text };
                (mine_cmd(&mut l, at, a, cmd), m.refuse(a, &id, *reason))
            }
            Op::OpenHazard => {
                hazards += 1;
                let id = format!("HZ-{hazards}");
                let cmd = HazardCmd::Open {
                    id: id.clone(),
                    mine: MINE.into(),
                    place: "1201综采工作面".into(),
                    system: None,
                    kind: "CM-4.2".into(),
                    description: "甲烷超限未断电".into(),
                    found_at: at,
                    evidence_since: None,
                    source: HazardSource::Engine { finding: format!("f-{hazards}") },
                    evidence: vec![],
                };
                let r = l.apply(&Event { at, actor: Actor::system(), command: Command::Hazard(cmd) });
                prop_assert!(r.is_ok(), "opening an engine hazard: {:?}", r);
                m.open.insert(id);
                continue;
            }
            Op::CloseHazard { pick } => {
                let Some(id) = m.open.iter().nth(pick % m.open.len().max(1)).cloned() else { continue };
                let mut h = l.hazard(&id).cloned().expect("an open hazard of the model is on the ledger");
                h.state = HazardState::SignedOff;
                gates::put_hazard_for_tests(&mut l, h);
                m.open.remove(&id);
                continue;
            }
        };
        let kind = match op {
            Op::Status { .. } => "status",
            Op::Apply { .. } => "apply",
            Op::Accept { .. } => "accept",
            Op::Approve { .. } => "approve",
            Op::Refuse { .. } => "refuse",
            Op::OpenHazard | Op::CloseHazard { .. } => "hazard",
        };
        let outcome = got.map_or_else(|c| format!("{c:?}"), |()| "Ok".to_string());
        *outcomes.entry(format!("{kind} {outcome}")).or_insert(0) += 1;
        prop_assert_eq!(got, want, "step {} {:?} (model status {:?})", step, op, m.status);
        if got.is_err() {
            prop_assert_eq!(state_of(&l), before, "a refusal changed the ledger at step {}", step);
        }
        let rec = l.mine(MINE).expect("registered");
        prop_assert_eq!(rec.status, m.status);
        prop_assert_eq!(rec.history.len(), m.history);
        prop_assert_eq!(gates::status_at(rec, at), Some(m.status));
        prop_assert_eq!(rec.history.last().map(|c| c.to), Some(m.status));
        for (id, app) in &m.apps {
            let real = l.restart(id).expect("the model's application is on the ledger");
            prop_assert_eq!(real.state, app.state);
            let items: BTreeMap<String, Option<bool>> = real.items.iter().map(|i| (i.name.clone(), i.passed)).collect();
            prop_assert_eq!(&items, &app.items);
        }
        prop_assert_eq!(l.restarts().count(), m.apps.len());
    }
    Ok(())
}

#[test]
fn status_and_restart_commands_follow_the_model() {
    let outcomes = std::cell::RefCell::new(BTreeMap::new());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 400, ..ProptestConfig::default() });
    let cases = (prop::collection::vec(op(), 1..60), prop::bool::ANY);
    let result = runner.run(&cases, |(ops, stopped_first)| run_case(&ops, stopped_first, &mut outcomes.borrow_mut()));
    if let Err(e) = result {
        panic!("{e}");
    }
    let outcomes = outcomes.into_inner();
    // The sequences reach every move that matters, the forbidden ones included.
    for key in [
        "approve Ok",
        "approve OpenMajorHazard",
        "approve SelfApproval",
        "approve AcceptanceIncomplete",
        "status Ok",
        "status WrongState",
        "status NotAllowed",
        "accept Ok",
        "refuse Ok",
    ] {
        assert!(outcomes.get(key).copied().unwrap_or(0) > 0, "no case reached {key}: {outcomes:?}");
    }
}

/// The forbidden move spelled out: a restart with every item passed is refused
/// while a major hazard is open, with the hazard named, and goes through once it
/// is signed off.
#[test]
fn restart_with_an_open_major_hazard_is_refused_with_a_clear_reason() {
    let (mut l, _, t0) = start();
    let day = |n: i64| t0.plus_secs(n * 86_400);
    let people = actors();
    let (staff, inspector, head) = (&people[0], &people[3], &people[5]);
    let stop = MineCmd::ChangeStatus {
        mine: MINE.into(),
        to: MineStatus::StoppedByOrder,
        effective: day(1),
        basis: "ORD-1".into(),
        notes: String::new(),
    };
    mine_cmd(&mut l, day(1), inspector, stop).unwrap();
    let open = HazardCmd::Open {
        id: "HZ-1".into(),
        mine: MINE.into(),
        place: "1201综采工作面".into(),
        system: None,
        kind: "CM-4.2".into(),
        description: "甲烷超限未断电".into(),
        found_at: day(1),
        evidence_since: None,
        source: HazardSource::Engine { finding: "f-1".into() },
        evidence: vec![],
    };
    l.apply(&Event { at: day(1), actor: Actor::system(), command: Command::Hazard(open) }).unwrap();
    let apply = MineCmd::ApplyRestart { id: "R-1".into(), mine: MINE.into(), plan: "整改方案".into(), items: vec![ITEMS[0].into()] };
    mine_cmd(&mut l, day(2), staff, apply).unwrap();
    let accept = MineCmd::AcceptItem { id: "R-1".into(), item: ITEMS[0].into(), passed: true, evidence: "现场核查".into() };
    mine_cmd(&mut l, day(3), inspector, accept).unwrap();
    let approve = || Event {
        at: day(4),
        actor: head.clone(),
        command: Command::Mine(MineCmd::ApproveRestart { id: "R-1".into(), notes: String::new() }),
    };
    let e = l.apply(&approve()).unwrap_err();
    assert_eq!(e.code, RefusalCode::OpenMajorHazard);
    assert_eq!(e.rule.as_deref(), Some("HM-6.2-R1"));
    assert!(e.message.contains("HZ-1") && e.message.contains("major hazard"), "{}", e.message);
    assert_eq!(l.mine(MINE).unwrap().status, MineStatus::StoppedByOrder);
    let mut h = l.hazard("HZ-1").cloned().unwrap();
    h.state = HazardState::SignedOff;
    gates::put_hazard_for_tests(&mut l, h);
    l.apply(&approve()).unwrap();
    assert_eq!(l.mine(MINE).unwrap().status, MineStatus::Producing);
}
