//! The major-hazard state machine driven by random command sequences from random
//! actors, checked after every step against a small reference model written
//! here from the rules (HM-2.1, HM-2.3): which moves are allowed from which
//! state, by whom, and which refusal code a forbidden move gets. Public API only.

use std::collections::BTreeSet;

use minesafe_ledger::calendar::Month;
use minesafe_ledger::gates::{MineCmd, MineRecord, MineStatus};
use minesafe_ledger::hazard::{FiveInPlace, HazardCmd, HazardSource, HazardState};
use minesafe_ledger::selfcheck::{KeyLink, SelfCheckCmd};
use minesafe_ledger::{Actor, Command, Event, Ledger, RefusalCode, Role};
use minesafe_model::Timestamp;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

const MINES: [&str; 2] = ["140000000001", "140000000002"];
const OFFICES: [&str; 2] = ["OFF-A", "OFF-B"];
const HAZARDS: [&str; 3] = ["HZ-0", "HZ-1", "HZ-2"];
const DAY: i64 = 86_400;

/// Two staff of mine A, one of mine B, two inspectors of the office covering A,
/// the head of that office, and minesafe itself.
fn actors() -> Vec<Actor> {
    vec![
        Actor::new("A1", "甲一", Role::MineStaff { mine: MINES[0].into() }),
        Actor::new("A2", "甲二", Role::MinePrincipal { mine: MINES[0].into() }),
        Actor::new("B1", "乙一", Role::MineStaff { mine: MINES[1].into() }),
        Actor::new("I1", "监察一", Role::Inspector { office: OFFICES[0].into() }),
        Actor::new("I2", "监察二", Role::Inspector { office: OFFICES[0].into() }),
        Actor::new("H1", "处长", Role::RegulatorHead { office: OFFICES[0].into() }),
        Actor::system(),
    ]
}
const SYSTEM: usize = 6;
const HEAD: usize = 5;

fn base() -> Timestamp {
    Timestamp::parse_beijing("2026-03-01 08:00:00").unwrap()
}

/// Which check a finding comes from, abstractly.
#[derive(Clone, Debug)]
enum Src {
    Engine(u8),
    /// No inspection is ever on the ledger here: always unknown once allowed.
    Inspection,
    /// `true`: the mine's own recorded self-check; `false`: an id never recorded.
    SelfCheck(bool),
}

#[derive(Clone, Debug)]
enum Op {
    Open {
        mine: usize,
        src: Src,
        described: bool,
    },
    Confirm,
    Observe(Src),
    /// Bit i set: item i of the five is missing.
    Plan(u8),
    Start,
    Submit,
    Verify,
    Reject(bool),
    SignOff,
    Revoke(bool),
    Extend {
        days: i64,
        reason: bool,
    },
    AssignHelper,
    Contest,
    DecideContest(bool),
}

#[derive(Clone, Debug)]
struct Step {
    hazard: usize,
    op: Op,
    actor: Who,
}

#[derive(Clone, Debug)]
enum Who {
    /// The actor who would normally do this, so sequences get far.
    Natural,
    /// Whoever submitted the hazard's rectification last (natural when none did): tries self-approval.
    Submitter,
    Any(usize),
}

fn src() -> impl Strategy<Value = Src> {
    prop_oneof![4 => (0u8..4).prop_map(Src::Engine), 1 => Just(Src::Inspection), 2 => any::<bool>().prop_map(Src::SelfCheck)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..2, src(), prop::bool::weighted(0.9)).prop_map(|(mine, src, described)| Op::Open { mine, src, described }),
        1 => Just(Op::Confirm),
        1 => src().prop_map(Op::Observe),
        3 => prop_oneof![3 => Just(0u8), 1 => 1u8..32].prop_map(Op::Plan),
        2 => Just(Op::Start),
        2 => Just(Op::Submit),
        2 => Just(Op::Verify),
        1 => prop::bool::weighted(0.8).prop_map(Op::Reject),
        2 => Just(Op::SignOff),
        1 => prop::bool::weighted(0.8).prop_map(Op::Revoke),
        1 => (-3i64..20, prop::bool::weighted(0.8)).prop_map(|(days, reason)| Op::Extend { days, reason }),
        1 => Just(Op::AssignHelper),
        1 => Just(Op::Contest),
        1 => any::<bool>().prop_map(Op::DecideContest),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    // Mostly the first hazard, mostly its natural actor: so sequences get as far as sign-off and revoke.
    let hazard = prop_oneof![4 => Just(0usize), 1 => Just(1), 1 => Just(2)];
    let actor = prop_oneof![5 => Just(Who::Natural), 2 => Just(Who::Submitter), 3 => (0usize..7).prop_map(Who::Any)];
    (hazard, op(), actor).prop_map(|(hazard, op, actor)| Step { hazard, op, actor })
}

/// The reference model of one hazard.
#[derive(Clone, Debug)]
struct Model {
    mine: usize,
    state: HazardState,
    found_at: Timestamp,
    submitter: Option<String>,
    deadline: Option<Timestamp>,
    contest_pending: bool,
    keys: BTreeSet<String>,
    unconfirmed: usize,
    decisions: usize,
    repeat_of: Option<String>,
}

fn is_open(s: HazardState) -> bool {
    !matches!(s, HazardState::SignedOff | HazardState::Withdrawn)
}

fn is_mine_side(a: usize, mine: usize) -> bool {
    matches!((a, mine), (0 | 1, 0) | (2, 1))
}

fn is_regulator(a: usize) -> bool {
    (3..=5).contains(&a)
}

/// Mine-side actors on their own mine, the office covering A on A, the system everywhere.
fn in_scope(a: usize, mine: usize) -> bool {
    a == SYSTEM || is_mine_side(a, mine) || (is_regulator(a) && mine == 0)
}

fn source(src: &Src, mine: usize) -> HazardSource {
    match src {
        Src::Engine(n) => HazardSource::Engine { finding: format!("f-{n}") },
        Src::Inspection => HazardSource::Inspection { inspection: "IN-none".into() },
        Src::SelfCheck(true) => HazardSource::SelfCheck { self_check: format!("SC-{mine}") },
        Src::SelfCheck(false) => HazardSource::SelfCheck { self_check: "SC-none".into() },
    }
}

/// May this actor record a finding by this source on this mine (scope already checked)?
fn source_allowed(src: &Src, a: usize, mine: usize) -> bool {
    match src {
        Src::Engine(_) => a == SYSTEM || is_regulator(a),
        Src::Inspection => is_regulator(a),
        Src::SelfCheck(_) => a == SYSTEM || is_mine_side(a, mine),
    }
}

fn natural_actor(op: &Op, mine: usize) -> usize {
    let staff = if mine == 0 { 0 } else { 2 };
    match op {
        Op::Open { src: Src::Engine(_), .. } | Op::Observe(_) => SYSTEM,
        Op::Open { src: Src::Inspection, .. } | Op::Confirm | Op::Reject(_) | Op::Revoke(_) | Op::AssignHelper => 3,
        Op::Open { src: Src::SelfCheck(_), .. } | Op::Plan(_) | Op::Submit => staff,
        Op::Start | Op::Contest => {
            if mine == 0 {
                1
            } else {
                2
            }
        }
        Op::Verify | Op::Extend { .. } => 4,
        Op::SignOff | Op::DecideContest(_) => HEAD,
    }
}

fn five(found_at: Timestamp, missing: u8) -> FiveInPlace {
    let has = |bit: u8| missing & (1 << bit) == 0;
    FiveInPlace {
        responsible: if has(0) { "王矿长".into() } else { " ".into() },
        measures: if has(1) { "加强通风".into() } else { String::new() },
        funds_cny: if has(2) { 20_000 } else { 0 },
        deadline: if has(3) { found_at.plus_secs(10 * DAY) } else { found_at },
        contingency_plan: if has(4) { "撤人断电".into() } else { String::new() },
    }
}

/// Sets up mines A and B (office OFF-A covers A only) and one self-check each.
fn setup() -> Ledger {
    let mut l = Ledger::default();
    for (i, code) in MINES.iter().enumerate() {
        let register = MineCmd::Register {
            mine: code.to_string(),
            name: format!("矿 {i}"),
            offices: vec![OFFICES[i].into()],
            coal: true,
            underground: true,
            status: MineStatus::Producing,
            since: base().plus_secs(-365 * DAY),
        };
        let ev = Event { at: base().plus_secs(-DAY), actor: Actor::system(), command: Command::Mine(register) };
        if l.apply(&ev).is_err() {
            // The mine commands are another module's; do not depend on them being done.
            l.insert_mine_for_tests(MineRecord {
                code: code.to_string(),
                name: format!("矿 {i}"),
                offices: vec![OFFICES[i].into()],
                coal: true,
                underground: true,
                status: MineStatus::Producing,
                history: Vec::new(),
                licences: Vec::new(),
                closures: Vec::new(),
            });
        }
        let held = base().plus_secs(-DAY);
        let sc = SelfCheckCmd::Record {
            id: format!("SC-{i}"),
            mine: code.to_string(),
            month: Month { year: 2026, month: 2 },
            held_on: held,
            led_by: "矿长".into(),
            links: KeyLink::ALL.to_vec(),
            hazards_found: vec![],
            notes: String::new(),
        };
        l.apply(&Event { at: held, actor: Actor::system(), command: Command::SelfCheck(sc) }).expect("self-check recorded");
    }
    l
}

/// What a sequence reached, for the coverage test.
#[derive(Default)]
struct Reached {
    states: BTreeSet<String>,
    codes: BTreeSet<String>,
    /// `command:Code` pairs.
    refusals: BTreeSet<String>,
}

/// Runs a sequence, comparing the ledger with the model after every step.
fn run(steps: &[Step], reached: &mut Reached) -> Result<(), TestCaseError> {
    let people = actors();
    let mut l = setup();
    let mut accepted = l.len();
    let mut model: Vec<Option<Model>> = vec![None; HAZARDS.len()];
    let mut last_opened: [Option<String>; 2] = [None, None];

    for (i, st) in steps.iter().enumerate() {
        let at = base().plus_secs(i as i64 * 3600);
        let hid = HAZARDS[st.hazard];
        let m = model[st.hazard].clone();
        let mine = match (&st.op, &m) {
            (Op::Open { mine, .. }, _) => *mine,
            (_, Some(h)) => h.mine,
            _ => 0,
        };
        let submitter = m.as_ref().and_then(|h| h.submitter.as_ref()).and_then(|id| people.iter().position(|p| &p.id == id));
        let a = match st.actor {
            Who::Any(a) => a,
            Who::Submitter => submitter.unwrap_or_else(|| natural_actor(&st.op, mine)),
            Who::Natural => natural_actor(&st.op, mine),
        };
        let actor = &people[a];

        // The model's verdict, in the machine's order: record, scope, state,
        // requester ≠ approver, role, content.
        use HazardState::*;
        use RefusalCode::*;
        let expect: Result<(), RefusalCode> = (|| {
            if let Op::Open { src, described, .. } = &st.op {
                if m.is_some() {
                    return Err(Duplicate);
                }
                if !in_scope(a, mine) || !source_allowed(src, a, mine) {
                    return Err(NotAllowed);
                }
                if !described {
                    return Err(Invalid);
                }
                return match src {
                    Src::Inspection | Src::SelfCheck(false) => Err(Unknown),
                    _ => Ok(()),
                };
            }
            let h = m.as_ref().ok_or(Unknown)?;
            if !in_scope(a, h.mine) {
                return Err(NotAllowed);
            }
            let regulator = || if is_regulator(a) { Ok(()) } else { Err(NotAllowed) };
            let mine_side = || if is_mine_side(a, h.mine) { Ok(()) } else { Err(NotAllowed) };
            let state = |ok: bool| if ok { Ok(()) } else { Err(WrongState) };
            let not_submitter = || if h.submitter.as_deref() == Some(actor.id.as_str()) { Err(SelfApproval) } else { Ok(()) };
            let reason = |r: bool| if r { Ok(()) } else { Err(Invalid) };
            match &st.op {
                Op::Open { .. } => unreachable!(),
                Op::Confirm => {
                    state(h.state != Withdrawn)?;
                    regulator()?;
                    if h.unconfirmed == 0 {
                        return Err(Invalid);
                    }
                }
                Op::Observe(src) => {
                    state(is_open(h.state))?;
                    if !source_allowed(src, a, h.mine) {
                        return Err(NotAllowed);
                    }
                    if h.keys.contains(&source(src, h.mine).check_key()) {
                        return Err(Duplicate);
                    }
                    if matches!(src, Src::Inspection | Src::SelfCheck(false)) {
                        return Err(Unknown);
                    }
                }
                Op::Plan(missing) => {
                    state(h.state == Found)?;
                    if !(is_mine_side(a, h.mine) || is_regulator(a)) {
                        return Err(NotAllowed);
                    }
                    if *missing != 0 {
                        return Err(FiveInPlaceMissing);
                    }
                }
                Op::Start => {
                    state(h.state == Planned)?;
                    mine_side()?;
                }
                Op::Submit => {
                    state(h.state == Rectifying)?;
                    mine_side()?;
                }
                Op::Verify => {
                    state(h.state == Submitted)?;
                    not_submitter()?;
                    regulator()?;
                }
                Op::Reject(r) => {
                    state(matches!(h.state, Submitted | Verified))?;
                    regulator()?;
                    reason(*r)?;
                }
                Op::SignOff => {
                    state(h.state == Verified)?;
                    not_submitter()?;
                    regulator()?;
                }
                Op::Revoke(r) => {
                    state(h.state == SignedOff)?;
                    regulator()?;
                    reason(*r)?;
                }
                Op::Extend { days, reason: r } => {
                    state(is_open(h.state) && h.deadline.is_some())?;
                    regulator()?;
                    reason(*r)?;
                    if *days <= 0 {
                        return Err(Invalid);
                    }
                }
                Op::AssignHelper => {
                    state(is_open(h.state))?;
                    regulator()?;
                }
                Op::Contest => {
                    state(is_open(h.state) && !h.contest_pending)?;
                    mine_side()?;
                }
                Op::DecideContest(_) => {
                    state(h.contest_pending)?;
                    if a != HEAD {
                        return Err(NotAllowed);
                    }
                }
            }
            Ok(())
        })();

        let found_at = m.as_ref().map_or(at.plus_secs(-60), |h| h.found_at);
        let cmd = match &st.op {
            Op::Open { mine, src, described } => HazardCmd::Open {
                id: hid.into(),
                mine: MINES[*mine].into(),
                place: "1201回风巷".into(),
                system: None,
                kind: "CM-4.2".into(),
                description: if *described { "瓦斯超限未撤人".into() } else { " ".into() },
                found_at,
                evidence_since: None,
                source: source(src, *mine),
                evidence: vec![],
            },
            Op::Confirm => HazardCmd::Confirm { id: hid.into(), notes: "核实".into() },
            Op::Observe(src) => HazardCmd::Observe { id: hid.into(), source: source(src, mine), at },
            Op::Plan(missing) => HazardCmd::Plan { id: hid.into(), five: five(found_at, *missing) },
            Op::Start => HazardCmd::Start { id: hid.into() },
            Op::Submit => HazardCmd::Submit { id: hid.into(), notes: "完成".into(), evidence: vec![format!("photo-{i}")] },
            Op::Verify => HazardCmd::Verify { id: hid.into(), notes: String::new() },
            Op::Reject(r) => HazardCmd::Reject { id: hid.into(), reason: if *r { "不合格".into() } else { String::new() } },
            Op::SignOff => HazardCmd::SignOff { id: hid.into(), notes: String::new() },
            Op::Revoke(r) => HazardCmd::Revoke { id: hid.into(), reason: if *r { "复查".into() } else { " ".into() } },
            Op::Extend { days, reason } => HazardCmd::Extend {
                id: hid.into(),
                to: m.as_ref().and_then(|h| h.deadline).unwrap_or(at).plus_secs(days * DAY),
                reason: if *reason { "延期".into() } else { String::new() },
            },
            Op::AssignHelper => HazardCmd::AssignHelper { id: hid.into(), helper_id: "E-1".into(), helper_name: "李工".into() },
            Op::Contest => HazardCmd::Contest { id: hid.into(), reason: "误报".into(), evidence: vec![] },
            Op::DecideContest(upheld) => HazardCmd::DecideContest { id: hid.into(), upheld: *upheld, notes: String::new() },
        };

        let before = l.hazard(hid).cloned();
        let got = l.apply(&Event { at, actor: actor.clone(), command: Command::Hazard(cmd.clone()) });
        let ctx = format!("step {i}: {} by {} on {hid} ({:?})", cmd.name(), actor.id, m.as_ref().map(|h| h.state));
        match (&got, &expect) {
            (Ok(applied), Ok(())) => {
                prop_assert_eq!(&applied.record.id, hid, "{}", ctx);
                prop_assert_eq!(&applied.mine, MINES[mine], "{}", ctx);
            }
            (Err(r), Err(code)) => {
                prop_assert_eq!(r.code, *code, "{}: {}", ctx, r.message);
                prop_assert!(!r.message.is_empty());
                prop_assert_eq!(r.rule.as_deref(), (*code == FiveInPlaceMissing).then_some("HM-2.1-R2"), "{}", ctx);
                prop_assert_eq!(&l.hazard(hid).cloned(), &before, "{}: a refusal changed the hazard", ctx);
                reached.codes.insert(format!("{code:?}"));
                reached.refusals.insert(format!("{}:{code:?}", cmd.name()));
            }
            _ => prop_assert!(
                false,
                "{}: ledger said {:?}, model expected {:?}",
                ctx,
                got.as_ref().map(|_| ()).map_err(|r| (r.code, &r.message)),
                expect
            ),
        }

        // Advance the model.
        if expect.is_ok() {
            accepted += 1;
            if let Op::Open { mine, src, .. } = &st.op {
                let repeat_of = last_opened[*mine].replace(hid.to_string());
                model[st.hazard] = Some(Model {
                    mine: *mine,
                    state: Found,
                    found_at,
                    submitter: None,
                    deadline: None,
                    contest_pending: false,
                    keys: BTreeSet::from([source(src, *mine).check_key()]),
                    unconfirmed: 1,
                    decisions: 0,
                    repeat_of,
                });
            } else if let Some(h) = model[st.hazard].as_mut() {
                h.decisions += 1;
                match &st.op {
                    Op::Confirm => h.unconfirmed = 0,
                    Op::Observe(src) => {
                        h.keys.insert(source(src, h.mine).check_key());
                        h.unconfirmed += 1;
                    }
                    Op::Plan(_) => {
                        h.state = Planned;
                        h.deadline = Some(found_at.plus_secs(10 * DAY));
                    }
                    Op::Start | Op::Reject(_) | Op::Revoke(_) => h.state = Rectifying,
                    Op::Submit => {
                        h.state = Submitted;
                        h.submitter = Some(actor.id.clone());
                    }
                    Op::Verify => h.state = Verified,
                    Op::SignOff => h.state = SignedOff,
                    Op::Extend { days, .. } => h.deadline = h.deadline.map(|d| d.plus_secs(days * DAY)),
                    Op::Contest => h.contest_pending = true,
                    Op::DecideContest(upheld) => {
                        h.contest_pending = false;
                        if *upheld {
                            h.state = Withdrawn;
                        }
                    }
                    Op::AssignHelper | Op::Open { .. } => {}
                }
            }
        }

        // Compare every hazard with the model.
        prop_assert_eq!(l.len(), accepted, "{}", ctx);
        prop_assert_eq!(l.hazards().count(), model.iter().flatten().count(), "{}", ctx);
        for (k, mh) in model.iter().enumerate() {
            let Some(mh) = mh else {
                prop_assert!(l.hazard(HAZARDS[k]).is_none());
                continue;
            };
            let h = l.hazard(HAZARDS[k]).expect("opened hazard is on the ledger");
            reached.states.insert(h.state.name().to_string());
            prop_assert_eq!(h.state, mh.state, "{} ({})", ctx, HAZARDS[k]);
            prop_assert_eq!(&h.mine, MINES[mh.mine]);
            prop_assert_eq!(h.submitted_by.as_ref().map(|a| &a.id), mh.submitter.as_ref(), "{}", ctx);
            prop_assert_eq!(h.deadline, mh.deadline, "{}", ctx);
            prop_assert_eq!(h.contest.as_ref().is_some_and(|c| c.decision.is_none()), mh.contest_pending, "{}", ctx);
            let keys: BTreeSet<String> = h.observations.iter().map(|o| o.source.check_key()).collect();
            prop_assert_eq!(&keys, &mh.keys, "{}", ctx);
            prop_assert_eq!(keys.len(), h.observations.len(), "one observation per check");
            prop_assert_eq!(h.observations.iter().filter(|o| !o.confirmed).count(), mh.unconfirmed, "{}", ctx);
            prop_assert_eq!(h.decisions.len(), mh.decisions, "{}", ctx);
            prop_assert_eq!(&h.repeat_of, &mh.repeat_of, "{}", ctx);
            // Every decision chains: each starts where the previous ended, and its snapshot shows where it ended.
            let mut prev = HazardState::Found;
            for d in &h.decisions {
                prop_assert_eq!(d.from, prev);
                prop_assert_eq!(&d.snapshot["state"], &serde_json::json!(d.to.name()));
                prop_assert!(d.snapshot.get("decisions").is_none());
                prev = d.to;
            }
            prop_assert_eq!(prev, h.state);
            // Nothing reaches planned or beyond without all five in place.
            if !matches!(h.state, Found) && h.decisions.iter().any(|d| d.action == "plan") {
                let f = h.five.as_ref().expect("planned hazards keep the five");
                prop_assert!(!f.responsible.trim().is_empty() && f.funds_cny > 0 && f.deadline > h.found_at);
            }
            // The submitter never verified or signed off.
            for d in h.decisions.iter().filter(|d| d.action == "verify" || d.action == "sign_off") {
                let submit = h.decisions.iter().rev().find(|s| s.action == "submit" && s.at <= d.at).map(|s| s.by.id.clone());
                prop_assert_ne!(Some(d.by.id.clone()), submit, "self-approval slipped through");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hazard_machine_follows_the_reference_model(steps in prop::collection::vec(step(), 1..60)) {
        run(&steps, &mut Reached::default())?;
    }
}

/// The generator reaches every state and every refusal the machine can give, so
/// the property above is not vacuous.
#[test]
fn random_sequences_reach_every_state_and_refusal() {
    let mut runner = TestRunner::deterministic();
    let strategy = prop::collection::vec(step(), 1..60);
    let mut reached = Reached::default();
    for _ in 0..300 {
        let steps = strategy.new_tree(&mut runner).expect("strategy generates").current();
        run(&steps, &mut reached).expect("model agrees");
    }
    let states: Vec<&str> = reached.states.iter().map(String::as_str).collect();
    assert_eq!(states, ["found", "planned", "rectifying", "signed_off", "submitted", "verified", "withdrawn"]);
    let codes: Vec<&str> = reached.codes.iter().map(String::as_str).collect();
    assert_eq!(codes, ["Duplicate", "FiveInPlaceMissing", "Invalid", "NotAllowed", "SelfApproval", "Unknown", "WrongState"]);
    for pair in [
        "verify:SelfApproval",
        "sign_off:SelfApproval",
        "decide_contest:NotAllowed",
        "contest:WrongState",
        "reject:Invalid",
        "observe:Duplicate",
        "extend:Invalid",
    ] {
        assert!(reached.refusals.contains(pair), "never reached {pair}: {:?}", reached.refusals);
    }
}
