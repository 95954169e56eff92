//! Behaviour of the alarm book: the lifecycle, the timers, the record-only alarms,
//! and a property test against a small reference model.

use minesafe_model::registry::{Contact, MineInfo, RegulatorLevel, RegulatorOffice, Regulators};
use minesafe_model::{Evidence, Finding, MineCode, Registry, Severity, Timestamp};

use crate::*;

const MINE: &str = "140521000001";
/// A major-hazard rule in force in November 2026 (methane over the cut-off).
const GAS: &str = "CM26-11.4";
/// An alarm-severity rule that is never inhibited.
const COVERED: &str = "MON-4";

fn t0() -> Timestamp {
    Timestamp::parse_beijing("2026-11-25 08:00:00").expect("valid time")
}

fn contact(name: &str, role: &str) -> Contact {
    Contact { name: name.into(), role: role.into(), phone: "13800000000".into() }
}

fn registry() -> Registry {
    let mut m = MineInfo::new(MineCode::parse(MINE).expect("mine code"));
    m.jurisdiction = Some("140521".into());
    m.principal = Some(contact("张矿长", "矿长"));
    m.duty_contacts = vec![contact("王调度", "调度员"), contact("李安全", "安全副矿长"), contact("赵机电", "机电科长")];
    Registry { mines: vec![m] }
}

fn regulators() -> Regulators {
    let office = |code: &str, name: &str, level, who: &str| RegulatorOffice {
        code: code.into(),
        name: name.into(),
        level,
        duty_contacts: vec![contact(who, "值班")],
    };
    Regulators {
        offices: vec![
            office("140521", "阳城县应急管理局", RegulatorLevel::County, "县值班员"),
            office("140500", "晋城市应急管理局", RegulatorLevel::City, "市值班员"),
            office("140000", "山西省应急管理厅", RegulatorLevel::Province, "省值班员"),
        ],
    }
}

fn dir() -> Directory {
    Directory::new(&registry(), Some(&regulators()))
}

fn finding_at(rule: &str, point: &str, start: Timestamp, end: Option<Timestamp>) -> Finding {
    let ev = Evidence {
        file: "140521000001_CDSS_20261125080000.txt".into(),
        record: Some(3),
        point: Some(point.into()),
        time: Some(start),
        ..Default::default()
    };
    let mut f =
        minesafe_rules::catalog::finding(rule, MINE, start, end, Some("1201 return corner"), format!("{rule} at {point}"), vec![ev]);
    if end.is_none() {
        f.tags.push("open".into());
    }
    f
}

fn notes(effects: &[Effect]) -> Vec<&Notification> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n),
            _ => None,
        })
        .collect()
}

fn findings(effects: &[Effect]) -> Vec<&Finding> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Finding(f) => Some(f),
            _ => None,
        })
        .collect()
}

fn changed(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Changed(id) => Some(id.as_str()),
            _ => None,
        })
        .collect()
}

/// Raises one alarm from `f` and returns the book, its id and the raise effects.
fn raise(f: &Finding, now: Timestamp) -> (AlarmBook, String, Vec<Effect>) {
    let mut book = AlarmBook::new();
    let eff = book.on_finding(f, now, &Policy::default(), &dir());
    let id = book.alarms().last().map(|a| a.id.clone()).unwrap_or_default();
    (book, id, eff)
}

fn ack(alarm: &str, party: Party, who: &str) -> Command {
    Command::Acknowledge { alarm: alarm.into(), party, who: who.into(), channel: Channel::Phone, comment: "收到".into() }
}

fn respond(alarm: &str, who: &str) -> Command {
    Command::Respond { alarm: alarm.into(), who: who.into(), action: "停止作业，撤出人员，加强通风".into() }
}

fn close(alarm: &str, who: &str, reply: &str) -> Command {
    Command::Close { alarm: alarm.into(), who: who.into(), reply: reply.into() }
}

fn who_of(c: &[Contact]) -> Vec<&str> {
    c.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn unacknowledged_alarm_escalates_along_chain() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let f = finding_at(GAS, "T1", t.plus_secs(-20), None);
    let mut book = AlarmBook::new();

    // Raise: the dispatcher is told at once.
    let eff = book.on_finding(&f, t, &p, &d);
    let n = notes(&eff);
    assert_eq!(n.len(), 1);
    assert_eq!((n[0].level, n[0].reason), (Level::MineDispatcher, Reason::Raised));
    assert_eq!(who_of(&n[0].recipients), ["王调度"]);
    let id = book.alarms()[0].id.clone();
    assert_eq!(changed(&eff), [id.as_str()]);
    assert_eq!(book.get(&id).map(|a| a.required.clone()), Some(vec![Party::Mine, Party::Regulator]));
    // Major hazard: acknowledge in 5 minutes; the server may sleep until then.
    assert_eq!(book.next_due(), Some(t.plus_secs(300)));

    // Each step: one second before its time nothing happens, at its time it fires.
    let steps =
        [(300, Level::MineSafetyChief, "李安全"), (600, Level::CountyRegulator, "县值班员"), (900, Level::CityRegulator, "市值班员")];
    let mut alm1_id = String::new();
    for (secs, level, person) in steps {
        let before = book.tick(t.plus_secs(secs - 1), &p, &d);
        assert!(notes(&before).is_empty(), "{level} notified before its time: {before:?}");
        assert!(findings(&before).is_empty());
        let eff = book.tick(t.plus_secs(secs), &p, &d);
        let n = notes(&eff);
        assert_eq!(n.len(), 1, "{level} at +{secs}s: {eff:?}");
        assert_eq!((n[0].level, n[0].reason, n[0].at), (level, Reason::Escalated, t.plus_secs(secs)));
        assert_eq!(who_of(&n[0].recipients), [person]);
        assert_eq!(book.get(&id).and_then(|a| a.escalation), Some(level));

        if secs == 300 {
            // ALM-1 at the acknowledgement deadline, open, citing alarm, finding and who was told.
            let fs = findings(&eff);
            assert_eq!(fs.len(), 1);
            let alm = fs[0];
            assert_eq!(alm.rule, "ALM-1");
            assert_eq!(alm.severity, Severity::Alarm);
            assert_eq!(alm.measure.as_deref(), Some("HM-4.3"));
            assert_eq!((alm.start, alm.end), (t.plus_secs(300), None));
            assert!(alm.has_tag("open"));
            let detail = alm.evidence[0].detail.clone().unwrap_or_default();
            assert!(detail.contains(&id) && detail.contains(&f.id) && detail.contains("王调度") && detail.contains("李安全"), "{detail}");
            assert_eq!(alm.evidence[0].file, f.evidence[0].file);
            assert_eq!(alm.evidence[0].point.as_deref(), Some("T1"));
            alm1_id = alm.id.clone();
        } else {
            assert!(findings(&eff).is_empty(), "ALM-1 raised once only");
        }

        if secs == 600 {
            // The mine answers; the regulator has not: the regulator side is still chased.
            let eff = book.apply(ack(&id, Party::Mine, "王调度"), t.plus_secs(650), &p).expect("mine ack");
            assert!(findings(&eff).is_empty(), "ALM-1 stays open until both sides answered");
            let a = book.get(&id).expect("alarm");
            assert_eq!(a.state, State::Raised);
            assert!(!a.is_acknowledged() && a.acked_by(Party::Mine));
            assert_eq!(a.missing_parties(), vec![Party::Regulator]);
        }
    }
    // Past the chain: reminders to the city every 5 minutes, nothing more.
    let eff = book.tick(t.plus_secs(1199), &p, &d);
    assert!(notes(&eff).is_empty());
    let eff = book.tick(t.plus_secs(1200), &p, &d);
    let n = notes(&eff);
    assert_eq!(n.len(), 1);
    assert_eq!((n[0].level, n[0].reason), (Level::CityRegulator, Reason::Renotify));

    // The regulator acknowledges: ALM-1 closes, same id, end at the acknowledgement.
    let at = t.plus_secs(1250);
    let eff = book.apply(ack(&id, Party::Regulator, "县值班员"), at, &p).expect("regulator ack");
    let fs = findings(&eff);
    assert_eq!(fs.len(), 1);
    assert_eq!((fs[0].id.as_str(), fs[0].start, fs[0].end), (alm1_id.as_str(), t.plus_secs(300), Some(at)));
    assert!(!fs[0].has_tag("open"));
    let a = book.get(&id).expect("alarm");
    assert_eq!(a.state, State::Acknowledged);
    assert_eq!(a.ack_secs(), Some(1250));
    // Four levels on record, in order, by the system.
    let levels: Vec<&str> = a
        .history
        .iter()
        .filter(|tr| tr.action == Action::Escalate)
        .map(|tr| tr.note.as_deref().unwrap_or("").split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(levels, ["mine_dispatcher", "mine_safety_chief", "county_regulator", "city_regulator"]);
    assert!(a.history.iter().filter(|tr| tr.action == Action::Escalate).all(|tr| tr.actor == SYSTEM));
    // Acknowledged: no more escalation or reminders, only the respond deadline (30 min).
    let eff = book.tick(t.plus_secs(1790), &p, &d);
    assert!(eff.is_empty(), "{eff:?}");
    assert_eq!(book.next_due(), Some(t.plus_secs(1800)));
    let eff = book.tick(t.plus_secs(1800), &p, &d);
    let n = notes(&eff);
    assert_eq!(n.len(), 1);
    assert_eq!((n[0].reason, n[0].level), (Reason::Overdue, Level::CityRegulator));
}

#[test]
fn single_party_alarm_stops_escalating_at_mine_ack_and_regulator_ack_alone_does_not_count() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let (mut book, id, _) = raise(&finding_at(COVERED, "T2", t, None), t);
    assert_eq!(book.get(&id).map(|a| a.required.clone()), Some(vec![Party::Mine]));
    // Severity alarm: 10-minute deadline; at 5 minutes a reminder to the dispatcher.
    let eff = book.tick(t.plus_secs(300), &p, &d);
    assert_eq!(notes(&eff).iter().map(|n| (n.level, n.reason)).collect::<Vec<_>>(), [(Level::MineDispatcher, Reason::Renotify)]);
    // A regulator's acknowledgement is recorded but the mine must still answer.
    book.apply(ack(&id, Party::Regulator, "县值班员"), t.plus_secs(320), &p).expect("regulator ack recorded");
    assert_eq!(book.get(&id).map(|a| a.state), Some(State::Raised));
    let eff = book.tick(t.plus_secs(600), &p, &d);
    assert_eq!(notes(&eff)[0].level, Level::MineSafetyChief);
    assert_eq!(findings(&eff).len(), 1);
    book.apply(ack(&id, Party::Mine, "李安全"), t.plus_secs(700), &p).expect("mine ack");
    assert_eq!(book.get(&id).map(|a| a.state), Some(State::Acknowledged));
    let eff = book.tick(t.plus_secs(1200), &p, &d);
    assert!(notes(&eff).is_empty(), "no county escalation after the mine answered: {eff:?}");
}

#[test]
fn clock_jump_records_and_notifies_every_skipped_level() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let (mut book, id, _) = raise(&finding_at(GAS, "T1", t, None), t);
    let now = t.plus_secs(10_000);
    let eff = book.tick(now, &p, &d);
    let n = notes(&eff);
    let got: Vec<(Level, Reason)> = n.iter().map(|n| (n.level, n.reason)).collect();
    assert_eq!(
        got,
        [
            (Level::MineSafetyChief, Reason::Escalated),
            (Level::CountyRegulator, Reason::Escalated),
            (Level::CityRegulator, Reason::Escalated),
            (Level::CityRegulator, Reason::Overdue),
        ]
    );
    assert_eq!(findings(&eff).len(), 1, "one ALM-1, however far the clock jumped");
    let a = book.get(&id).expect("alarm");
    assert_eq!(a.steps_fired, 4);
    assert_eq!(a.history.iter().filter(|tr| tr.action == Action::Escalate).count(), 4);
    // The jump is visible: each escalation names the instant it was due.
    assert!(a.history.iter().any(|tr| tr.note.as_deref().is_some_and(|n| n.contains(&t.plus_secs(600).to_string()))));
}

#[test]
fn missing_contacts_still_notify_with_a_problem() {
    let (p, t) = (Policy::default(), t0());
    let mut reg = registry();
    reg.mines[0].duty_contacts.clear();
    reg.mines[0].principal = None;
    let d = Directory::new(&reg, None);
    let mut book = AlarmBook::new();
    let eff = book.on_finding(&finding_at(GAS, "T1", t, None), t, &p, &d);
    let n = notes(&eff);
    assert_eq!(n.len(), 1);
    assert!(n[0].recipients.is_empty());
    assert!(n[0].problem.as_deref().is_some_and(|s| s.contains("调度")), "{:?}", n[0].problem);
    let eff = book.tick(t.plus_secs(600), &p, &d);
    let n = notes(&eff);
    assert_eq!(n.len(), 2);
    assert!(n.iter().all(|n| n.recipients.is_empty() && n.problem.is_some()));
    assert!(n[1].problem.as_deref().is_some_and(|s| s.contains("140521")), "{:?}", n[1].problem);
    // ALM-1 says nobody could be told.
    let alm = findings(&book.tick(t.plus_secs(600), &p, &d)).len();
    assert_eq!(alm, 0, "already raised");
    let a = &book.alarms()[0];
    let detail = a.alm1.as_ref().and_then(|f| f.evidence[0].detail.clone()).unwrap_or_default();
    assert!(detail.contains("nobody"), "{detail}");
}

#[test]
fn directory_maps_roles_jurisdiction_and_parents() {
    let d = dir();
    assert_eq!(who_of(&d.recipients(MINE, Level::MineDispatcher)), ["王调度"]);
    assert_eq!(who_of(&d.recipients(MINE, Level::MineSafetyChief)), ["李安全"]);
    assert_eq!(who_of(&d.recipients(MINE, Level::CountyRegulator)), ["县值班员"]);
    assert_eq!(who_of(&d.recipients(MINE, Level::CityRegulator)), ["市值班员"]);
    assert_eq!(who_of(&d.recipients(MINE, Level::ProvinceRegulator)), ["省值班员"]);
    let unknown = d.lookup("999999999999", Level::MineDispatcher);
    assert!(unknown.contacts.is_empty() && unknown.problem.is_some());

    // No safety role: the principal answers. English roles work too. No jurisdiction:
    // the mine code's county part stands in.
    let mut reg = registry();
    reg.mines[0].duty_contacts = vec![contact("Wang", "Shift Dispatcher")];
    reg.mines[0].jurisdiction = None;
    let d = Directory::new(&reg, Some(&regulators()));
    assert_eq!(who_of(&d.recipients(MINE, Level::MineDispatcher)), ["Wang"]);
    assert_eq!(who_of(&d.recipients(MINE, Level::MineSafetyChief)), ["张矿长"]);
    assert_eq!(who_of(&d.recipients(MINE, Level::CountyRegulator)), ["县值班员"]);

    // A county office at another code is not this mine's.
    let mut regs = regulators();
    regs.offices.retain(|o| o.level != RegulatorLevel::City);
    let d = Directory::new(&registry(), Some(&regs));
    let city = d.lookup(MINE, Level::CityRegulator);
    assert!(city.contacts.is_empty());
    assert!(city.problem.as_deref().is_some_and(|p| p.contains("140500")), "{:?}", city.problem);
}

#[test]
fn dismissal_needs_a_second_person() {
    let (p, t) = (Policy::default(), t0());
    let (mut book, id, _) = raise(&finding_at(COVERED, "T2", t, None), t);
    book.apply(Command::Dismiss { alarm: id.clone(), who: "王调度".into(), reason: "传感器标校".into() }, t.plus_secs(60), &p)
        .expect("dismiss");
    assert_eq!(book.get(&id).map(|a| a.state), Some(State::DismissalPending));

    let own = book.apply(Command::ConfirmDismissal { alarm: id.clone(), who: "王调度".into() }, t.plus_secs(70), &p);
    let err = own.expect_err("own dismissal cannot be confirmed");
    assert!(matches!(err, AlarmError::SamePerson { .. }));
    assert!(err.to_string().contains(&id) && err.to_string().contains("王调度"), "{err}");
    let own = book.apply(Command::RejectDismissal { alarm: id.clone(), who: "王调度".into(), reason: "x".into() }, t.plus_secs(70), &p);
    assert!(matches!(own, Err(AlarmError::SamePerson { .. })));
    assert_eq!(book.get(&id).map(|a| a.state), Some(State::DismissalPending));

    let eff = book.apply(Command::ConfirmDismissal { alarm: id.clone(), who: "李安全".into() }, t.plus_secs(80), &p).expect("confirm");
    let a = book.get(&id).expect("alarm");
    assert_eq!(a.state, State::Dismissed);
    assert_eq!(a.close_secs(), Some(80));
    assert_eq!(a.dismissal.as_ref().and_then(|d| d.confirmed_by.as_deref()), Some("李安全"));
    // Those who were told learn it was false.
    assert_eq!(notes(&eff).iter().map(|n| (n.level, n.reason)).collect::<Vec<_>>(), [(Level::MineDispatcher, Reason::Dismissed)]);
    // Final: nothing moves it again, nothing is due.
    let err = book.apply(ack(&id, Party::Mine, "赵"), t.plus_secs(90), &p).expect_err("dismissed");
    assert!(err.to_string().contains("dismissed") && err.to_string().contains("acknowledge"), "{err}");
    assert_eq!(book.next_due(), None);
}

#[test]
fn rejected_dismissal_returns_to_the_previous_state_and_escalation_runs_while_pending() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let (mut book, id, _) = raise(&finding_at(GAS, "T1", t, None), t);
    book.apply(Command::Dismiss { alarm: id.clone(), who: "王调度".into(), reason: "误报".into() }, t.plus_secs(10), &p).expect("dismiss");
    // A pending dismissal is no answer: the chain goes on.
    let eff = book.tick(t.plus_secs(300), &p, &d);
    assert_eq!(notes(&eff)[0].level, Level::MineSafetyChief);
    // Acknowledging while the dismissal is pending is allowed and counts.
    book.apply(ack(&id, Party::Mine, "李安全"), t.plus_secs(320), &p).expect("ack mine");
    book.apply(ack(&id, Party::Regulator, "县值班员"), t.plus_secs(330), &p).expect("ack regulator");
    assert_eq!(book.get(&id).map(|a| a.state), Some(State::DismissalPending));
    let empty = book.apply(Command::RejectDismissal { alarm: id.clone(), who: "李安全".into(), reason: " ".into() }, t.plus_secs(340), &p);
    assert!(matches!(empty, Err(AlarmError::EmptyField { field: "reason", .. })));
    book.apply(Command::RejectDismissal { alarm: id.clone(), who: "李安全".into(), reason: "甲烷确有超限".into() }, t.plus_secs(340), &p)
        .expect("reject");
    let a = book.get(&id).expect("alarm");
    assert_eq!(a.state, State::Acknowledged, "back to where it stood, with the acknowledgements made meanwhile");
    assert!(a.dismissal.is_none());
    assert_eq!(
        a.history.last().map(|tr| (tr.action, tr.from, tr.actor.as_str())),
        Some((Action::RejectDismissal, State::DismissalPending, "李安全"))
    );
}

#[test]
fn illegal_transitions_error() {
    let (p, t) = (Policy::default(), t0());
    let (mut book, id, _) = raise(&finding_at(COVERED, "T2", t, None), t);
    let e = book.apply(respond(&id, "王调度"), t, &p).expect_err("respond before ack");
    assert!(matches!(e, AlarmError::InvalidTransition { state: State::Raised, command: "respond", .. }), "{e:?}");
    assert!(e.to_string().contains(&id) && e.to_string().contains("raised") && e.to_string().contains("respond"), "{e}");
    assert!(matches!(book.apply(close(&id, "王调度", "ok"), t, &p), Err(AlarmError::InvalidTransition { .. })));
    assert!(matches!(
        book.apply(Command::ConfirmDismissal { alarm: id.clone(), who: "x".into() }, t, &p),
        Err(AlarmError::InvalidTransition { .. })
    ));
    assert!(matches!(book.apply(ack("a-nope", Party::Mine, "x"), t, &p), Err(AlarmError::UnknownAlarm { .. })));
    assert!(matches!(book.apply(ack(&id, Party::Mine, "  "), t, &p), Err(AlarmError::EmptyField { field: "who", .. })));

    book.apply(ack(&id, Party::Mine, "王调度"), t.plus_secs(30), &p).expect("ack");
    let twice = book.apply(ack(&id, Party::Mine, "李安全"), t.plus_secs(31), &p);
    assert!(matches!(twice, Err(AlarmError::InvalidTransition { state: State::Acknowledged, .. })), "{twice:?}");
    assert!(matches!(book.apply(close(&id, "王调度", "ok"), t, &p), Err(AlarmError::InvalidTransition { state: State::Acknowledged, .. })));
    let no_action = book.apply(Command::Respond { alarm: id.clone(), who: "王调度".into(), action: "".into() }, t, &p);
    assert!(matches!(no_action, Err(AlarmError::EmptyField { field: "action", .. })));
    book.apply(respond(&id, "王调度"), t.plus_secs(600), &p).expect("respond");
    let e = book.apply(close(&id, "李安全", "   "), t.plus_secs(700), &p).expect_err("empty reply");
    assert!(matches!(e, AlarmError::EmptyField { field: "reply", .. }));
    let eff = book.apply(close(&id, "李安全", "已处理，恢复正常"), t.plus_secs(700), &p).expect("close");
    assert_eq!(notes(&eff).iter().map(|n| n.reason).collect::<Vec<_>>(), [Reason::Closed]);
    let a = book.get(&id).expect("alarm");
    assert_eq!((a.state, a.ack_secs(), a.close_secs()), (State::Closed, Some(30), Some(700)));
    let n = a.history.len();
    let late = book.apply(Command::Dismiss { alarm: id.clone(), who: "x".into(), reason: "y".into() }, t, &p);
    assert!(matches!(late, Err(AlarmError::InvalidTransition { state: State::Closed, command: "dismiss", .. })), "{late:?}");
    // A failed command changes nothing.
    assert_eq!(a_len(&book, &id), n);
}

fn a_len(book: &AlarmBook, id: &str) -> usize {
    book.get(id).map(|a| a.history.len()).unwrap_or(0)
}

#[test]
fn same_party_cannot_acknowledge_twice_on_a_dual_alarm() {
    let (p, t) = (Policy::default(), t0());
    let (mut book, id, _) = raise(&finding_at(GAS, "T1", t, None), t);
    book.apply(ack(&id, Party::Mine, "王调度"), t.plus_secs(30), &p).expect("ack");
    let n = a_len(&book, &id);
    let e = book.apply(ack(&id, Party::Mine, "李安全"), t.plus_secs(40), &p).expect_err("mine twice");
    assert!(matches!(e, AlarmError::AlreadyAcknowledged { party: Party::Mine, .. }));
    assert_eq!(a_len(&book, &id), n, "refused commands leave no trace in the history");
}

#[test]
fn repeat_findings_update_one_alarm() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let mut f1 = finding_at(GAS, "T1", t, None);
    f1.peak = Some(1.6);
    let (mut book, id, _) = raise(&f1, t);
    // The same event closing: same id, updated, no new alarm, nobody called again.
    let mut f1c = f1.clone();
    f1c.end = Some(t.plus_secs(120));
    f1c.tags.retain(|x| x != "open");
    f1c.peak = Some(1.9);
    let eff = book.on_finding(&f1c, t.plus_secs(130), &p, &d);
    assert!(notes(&eff).is_empty());
    assert_eq!(changed(&eff), [id.as_str()]);
    // A second event at the same point: folded in.
    let mut f2 = finding_at(GAS, "T1", t.plus_secs(200), None);
    f2.peak = Some(1.7);
    let eff = book.on_finding(&f2, t.plus_secs(210), &p, &d);
    assert!(notes(&eff).is_empty(), "a repeat does not page anyone again: {eff:?}");
    assert_eq!(book.alarms().len(), 1);
    let a = book.get(&id).expect("alarm");
    assert_eq!(a.repeats, 1);
    assert_eq!(a.finding_ids, vec![f1.id.clone(), f2.id.clone()]);
    assert_eq!(a.latest_finding(), Some(f2.id.as_str()));
    assert_eq!(a.peak, Some(1.9));
    assert_eq!(a.event_end, None, "the latest event is still open");
    assert_eq!(a.event_start, t);
    // Another point is another alarm.
    book.on_finding(&finding_at(GAS, "T2", t.plus_secs(220), None), t.plus_secs(220), &p, &d);
    assert_eq!(book.alarms().len(), 2);

    // Close the first; the same finding id again raises nothing; a new event does.
    book.apply(ack(&id, Party::Mine, "王"), t.plus_secs(230), &p).expect("ack");
    book.apply(ack(&id, Party::Regulator, "县"), t.plus_secs(231), &p).expect("ack");
    book.apply(respond(&id, "王"), t.plus_secs(240), &p).expect("respond");
    book.apply(close(&id, "王", "done"), t.plus_secs(250), &p).expect("close");
    let history = a_len(&book, &id);
    assert!(book.on_finding(&f2, t.plus_secs(260), &p, &d).is_empty());
    assert!(book.on_finding(&f1c, t.plus_secs(260), &p, &d).is_empty());
    assert_eq!((book.alarms().len(), a_len(&book, &id)), (2, history));
    let eff = book.on_finding(&finding_at(GAS, "T1", t.plus_secs(300), None), t.plus_secs(300), &p, &d);
    assert_eq!(notes(&eff).len(), 1);
    assert_eq!(book.alarms().len(), 3);
    assert_ne!(book.alarms()[2].id, id);
}

#[test]
fn warnings_and_alm1_open_no_alarm() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let mut book = AlarmBook::new();
    let w = finding_at("MON-3", "T1", t, None);
    assert_eq!(w.severity, Severity::Warning);
    assert!(book.on_finding(&w, t, &p, &d).is_empty());
    let alm = finding_at("ALM-1", "T1", t, None);
    assert!(book.on_finding(&alm, t, &p, &d).is_empty());
    assert!(book.alarms().is_empty());
    assert_eq!(book.next_due(), None);
}

#[test]
fn withdrawn_closes_as_superseded() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let f = finding_at(GAS, "T1", t, None);
    let (mut book, id, _) = raise(&f, t);
    // Past the deadline: ALM-1 is open when the detector takes the finding back.
    let alm = findings(&book.tick(t.plus_secs(300), &p, &d)).first().map(|f| f.id.clone()).expect("ALM-1");
    let mut w = f.clone();
    w.tags = vec!["withdrawn".into()];
    let eff = book.on_finding(&w, t.plus_secs(310), &p, &d);
    let a = book.get(&id).expect("alarm");
    assert_eq!(a.state, State::Superseded);
    let last = a.history.last().expect("transition");
    assert_eq!((last.action, last.actor.as_str()), (Action::Supersede, SYSTEM));
    assert!(last.note.as_deref().is_some_and(|n| n.contains("withdrawn")));
    // ALM-1 is withdrawn with it; the people told learn it is void.
    let fs = findings(&eff);
    assert_eq!((fs.len(), fs[0].id.as_str()), (1, alm.as_str()));
    assert!(fs[0].has_tag("withdrawn") && !fs[0].has_tag("open"));
    assert!(notes(&eff).iter().all(|n| n.reason == Reason::Superseded));
    assert_eq!(notes(&eff).len(), 2);
    assert!(book.tick(t.plus_secs(5000), &p, &d).is_empty());
    // Withdrawing an unknown finding does nothing.
    let mut other = finding_at(GAS, "T9", t, None);
    other.tags = vec!["withdrawn".into()];
    assert!(book.on_finding(&other, t, &p, &d).is_empty());
    assert_eq!(book.alarms().len(), 1);
}

#[test]
fn withdrawn_after_acknowledgement_keeps_the_alarm_with_a_note() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let f = finding_at(COVERED, "T2", t, None);
    let (mut book, id, _) = raise(&f, t);
    book.apply(ack(&id, Party::Mine, "王调度"), t.plus_secs(60), &p).expect("ack");
    let mut w = f.clone();
    w.tags = vec!["withdrawn".into()];
    let eff = book.on_finding(&w, t.plus_secs(70), &p, &d);
    assert_eq!(changed(&eff), [id.as_str()]);
    let a = book.get(&id).expect("alarm");
    assert_eq!(a.state, State::Acknowledged);
    let last = a.history.last().expect("transition");
    assert_eq!((last.action, last.from, last.to), (Action::WithdrawalNoted, State::Acknowledged, State::Acknowledged));
    assert!(last.note.as_deref().is_some_and(|n| n.contains("王调度")), "{last:?}");
    // A second withdrawal of the same finding adds nothing.
    assert!(book.on_finding(&w, t.plus_secs(80), &p, &d).is_empty());
}

#[test]
fn late_backfilled_findings_never_notify() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let mut book = AlarmBook::new();
    // Ended an hour before the clock: it happened while no data arrived.
    let f = finding_at(GAS, "T1", t.plus_secs(-7200), Some(t.plus_secs(-3600)));
    let eff = book.on_finding(&f, t, &p, &d);
    assert!(notes(&eff).is_empty() && findings(&eff).is_empty());
    assert_eq!(changed(&eff).len(), 1);
    let a = &book.alarms()[0];
    assert!(a.late && a.needs_review() && a.escalation.is_none());
    assert!(a.history[0].note.as_deref().is_some_and(|n| n.contains("late")));
    assert_eq!(book.open_for_mine(MINE).len(), 1);
    assert_eq!(book.next_due(), None);
    for secs in [300, 600, 86_400 * 2] {
        assert!(book.tick(t.plus_secs(secs), &p, &d).is_empty());
    }
    // Seen again: nothing new.
    assert!(book.on_finding(&f, t.plus_secs(10), &p, &d).is_empty());
    assert_eq!(book.alarms().len(), 1);
    // Just inside the threshold is live.
    let fresh = finding_at(GAS, "T3", t.plus_secs(-900), Some(t.plus_secs(-600)));
    assert_eq!(notes(&book.on_finding(&fresh, t, &p, &d)).len(), 1);
    // A live event at the late alarm's point opens its own, notified alarm.
    let eff = book.on_finding(&finding_at(GAS, "T1", t.plus_secs(5), None), t.plus_secs(5), &p, &d);
    assert_eq!(notes(&eff).len(), 1);
    assert_eq!(book.alarms().iter().filter(|a| a.place == "T1").count(), 2);
    // The late one is still reviewed and closed by people, without notifications.
    let id = book.alarms()[0].id.clone();
    book.apply(ack(&id, Party::Mine, "王"), t.plus_secs(20), &p).expect("ack");
    let eff = book.apply(ack(&id, Party::Regulator, "县"), t.plus_secs(7200), &p).expect("ack late past deadline");
    assert!(findings(&eff).is_empty(), "late alarms never produce ALM-1");
    book.apply(respond(&id, "王"), t.plus_secs(7300), &p).expect("respond");
    let eff = book.apply(close(&id, "王", "补录已核查"), t.plus_secs(7400), &p).expect("close");
    assert!(notes(&eff).is_empty());
}

fn outage(start: Timestamp, scope: &str) -> Finding {
    let mut f = minesafe_rules::catalog::finding("MON-1", MINE, start, None, None, "uploads stopped".into(), vec![]);
    f.tags = vec!["open".into(), scope.into()];
    f
}

#[test]
fn inhibition_by_scope_mine() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let mut book = AlarmBook::new();
    let eff = book.on_finding(&outage(t, "scope:mine"), t, &p, &d);
    assert_eq!(notes(&eff).len(), 1, "the outage itself is called");
    let outage_id = book.alarms()[0].id.clone();

    let silent = finding_at("MON-2", "T5", t.plus_secs(30), None);
    let eff = book.on_finding(&silent, t.plus_secs(60), &p, &d);
    assert!(notes(&eff).is_empty(), "{eff:?}");
    let a = &book.alarms()[1];
    assert_eq!(a.inhibited_by.as_deref(), Some(outage_id.as_str()));
    assert!(a.history[0].note.as_deref().is_some_and(|n| n.contains(&outage_id)));
    // Never escalated: the outage alarm escalates, the inhibited one does not.
    let eff = book.tick(t.plus_secs(3600), &p, &d);
    assert!(notes(&eff).iter().all(|n| n.alarm == outage_id));
    assert!(findings(&eff).iter().all(|f| f.evidence[0].detail.as_deref().is_some_and(|d| d.contains(&outage_id))));
    assert_eq!(book.alarms()[1].escalation, None);

    // Gas over the limit during the outage is always called.
    let eff = book.on_finding(&finding_at(GAS, "T1", t.plus_secs(3590), None), t.plus_secs(3600), &p, &d);
    assert_eq!(notes(&eff).len(), 1);
    assert!(book.alarms()[2].inhibited_by.is_none());
    // Another mine is not inhibited.
    let mut other = finding_at("MON-2", "T5", t.plus_secs(30), None);
    other.mine = "140521000002".into();
    other.id = "f-other".into();
    book.on_finding(&other, t.plus_secs(3600), &p, &d);
    assert!(book.alarms()[3].inhibited_by.is_none());

    // The outage over (its event ended before the silence began): live again.
    let mut ended = outage(t, "scope:mine");
    ended.end = Some(t.plus_secs(3000));
    ended.tags.retain(|x| x != "open");
    book.on_finding(&ended, t.plus_secs(3100), &p, &d);
    let eff = book.on_finding(&finding_at("MON-2", "T6", t.plus_secs(3200), None), t.plus_secs(3200), &p, &d);
    assert_eq!(notes(&eff).len(), 1);
}

#[test]
fn inhibition_by_substation_scope_only_covers_its_points() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let mut book = AlarmBook::new();
    let mut fz = finding_at("MON-2", "FZ01", t, None);
    fz.tags.push("scope:substation:FZ01".into());
    book.on_finding(&fz, t, &p, &d);
    let fz_id = book.alarms()[0].id.clone();
    let mut on = finding_at("MON-9", "P1", t.plus_secs(10), None);
    on.tags.push("substation:FZ01".into());
    let mut off = finding_at("MON-2", "P2", t.plus_secs(10), None);
    off.tags.push("substation:FZ02".into());
    let e_on = book.on_finding(&on, t.plus_secs(20), &p, &d);
    let e_off = book.on_finding(&off, t.plus_secs(20), &p, &d);
    assert!(notes(&e_on).is_empty());
    assert_eq!(book.alarms()[1].inhibited_by.as_deref(), Some(fz_id.as_str()));
    assert_eq!(notes(&e_off).len(), 1);
    assert!(book.alarms()[2].inhibited_by.is_none());
}

#[test]
fn ycbj_explanation_attached() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let mut book = AlarmBook::new();
    let mut first = finding_at(GAS, "T1", t, Some(t.plus_secs(120)));
    first.tags.clear();
    book.on_finding(&first, t.plus_secs(130), &p, &d);
    let second = finding_at(GAS, "T1", t.plus_secs(600), None);
    // Second event, new alarm only after the first is finished: close the first.
    let id1 = book.alarms()[0].id.clone();
    for c in [ack(&id1, Party::Mine, "王"), ack(&id1, Party::Regulator, "县"), respond(&id1, "王"), close(&id1, "王", "ok")] {
        book.apply(c, t.plus_secs(500), &p).expect("lifecycle");
    }
    book.on_finding(&second, t.plus_secs(610), &p, &d);
    let id2 = book.alarms()[1].id.clone();

    // The YCBJ record of the first event goes to the first alarm, closed or not.
    let got = book.on_explanation(
        MINE,
        "T1",
        t.plus_secs(60),
        "采空区瓦斯涌出",
        "加强通风，停止作业",
        "140521000001_YCBJ_20261125.txt",
        Some(0),
        t.plus_secs(700),
    );
    assert_eq!(got.as_deref(), Some(id1.as_str()));
    let a = book.get(&id1).expect("alarm");
    assert_eq!(a.state, State::Closed, "an explanation does not change the state");
    assert_eq!(a.explanations.len(), 1);
    assert_eq!(a.explanations[0].cause, "采空区瓦斯涌出");
    let last = a.history.last().expect("transition");
    assert_eq!((last.action, last.actor.as_str()), (Action::Explain, "mine:140521000001"));
    assert!(last.note.as_deref().is_some_and(|n| n.contains("加强通风")));
    // An event time that no alarm covers: the nearest open alarm of the point.
    let got = book.on_explanation(MINE, "T1", t.plus_secs(300), "c", "m", "f", None, t.plus_secs(710));
    assert_eq!(got.as_deref(), Some(id2.as_str()));
    // Unknown point or mine: nothing.
    assert_eq!(book.on_explanation(MINE, "T7", t, "c", "m", "f", None, t), None);
    assert_eq!(book.on_explanation("140521000009", "T1", t, "c", "m", "f", None, t), None);
}

#[test]
fn every_transition_has_an_actor() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let (mut book, id, _) = raise(&finding_at(GAS, "T1", t, None), t);
    book.tick(t.plus_secs(700), &p, &d);
    book.on_finding(&finding_at(GAS, "T1", t.plus_secs(650), None), t.plus_secs(710), &p, &d);
    book.apply(ack(&id, Party::Mine, "王调度"), t.plus_secs(720), &p).expect("ack");
    book.apply(ack(&id, Party::Regulator, "县值班员"), t.plus_secs(730), &p).expect("ack");
    book.apply(Command::Dismiss { alarm: id.clone(), who: "王调度".into(), reason: "误报".into() }, t.plus_secs(740), &p).expect("dismiss");
    book.apply(Command::RejectDismissal { alarm: id.clone(), who: "县值班员".into(), reason: "不是误报".into() }, t.plus_secs(750), &p)
        .expect("reject");
    book.apply(respond(&id, "李安全"), t.plus_secs(760), &p).expect("respond");
    book.apply(close(&id, "李安全", "已处理"), t.plus_secs(770), &p).expect("close");
    book.on_explanation(MINE, "T1", t.plus_secs(10), "c", "m", "f.txt", Some(1), t.plus_secs(780));
    let a = book.get(&id).expect("alarm");
    let actors: Vec<(Action, &str)> = a.history.iter().map(|tr| (tr.action, tr.actor.as_str())).collect();
    assert!(a.history.iter().all(|tr| !tr.actor.trim().is_empty()));
    assert_eq!(
        actors,
        [
            (Action::Raise, SYSTEM),
            (Action::Escalate, SYSTEM),
            (Action::Escalate, SYSTEM),
            (Action::Escalate, SYSTEM),
            (Action::Repeat, SYSTEM),
            (Action::Acknowledge, "王调度"),
            (Action::Acknowledge, "县值班员"),
            (Action::Dismiss, "王调度"),
            (Action::RejectDismissal, "县值班员"),
            (Action::Respond, "李安全"),
            (Action::Close, "李安全"),
            (Action::Explain, "mine:140521000001"),
        ]
    );
    // Every state change is a transition, chained from → to.
    for w in a.history.windows(2) {
        assert_eq!(w[0].to, w[1].from, "{:?} then {:?}", w[0], w[1]);
        assert_eq!(w[0].seq + 1, w[1].seq);
    }
}

#[test]
fn history_times_never_run_backwards_when_the_clock_does() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let (mut book, id, _) = raise(&finding_at(GAS, "T1", t, None), t);
    book.tick(t.plus_secs(400), &p, &d);
    // A caller with a clock behind the record: entries stay in order.
    book.apply(ack(&id, Party::Mine, "王"), t.plus_secs(100), &p).expect("ack");
    let a = book.get(&id).expect("alarm");
    assert!(a.history.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(a.acks[0].at, t.plus_secs(400));
}

#[test]
fn book_serde_round_trip() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let mut book = AlarmBook::new();
    book.on_finding(&finding_at(GAS, "T1", t, None), t, &p, &d);
    book.on_finding(&finding_at(COVERED, "T2", t, None), t, &p, &d);
    book.on_finding(&finding_at(GAS, "T3", t.plus_secs(-9000), Some(t.plus_secs(-8000))), t, &p, &d);
    book.tick(t.plus_secs(700), &p, &d);
    let id = book.alarms()[1].id.clone();
    book.apply(ack(&id, Party::Mine, "王"), t.plus_secs(710), &p).expect("ack");
    book.on_explanation(MINE, "T2", t, "原因", "措施", "y.txt", None, t.plus_secs(720));

    let json = serde_json::to_string(&book).expect("serialise");
    let mut back: AlarmBook = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, book);
    assert_eq!(serde_json::to_string(&back).expect("serialise"), json);
    assert_eq!(back.next_due(), book.next_due());
    // The indexes were rebuilt: a repeat folds into the same alarm, lookups work.
    let eff = back.on_finding(&finding_at(GAS, "T1", t.plus_secs(800), None), t.plus_secs(800), &p, &d);
    assert!(notes(&eff).is_empty());
    assert_eq!(back.alarms().len(), 3);
    assert_eq!(back.get(&id).map(|a| a.state), Some(State::Acknowledged));
    assert!(back.get(&book.alarms()[0].id).is_some_and(|a| a.repeats == 1));
    // Same finding id after reload: still nothing new.
    assert!(back.on_finding(&finding_at(COVERED, "T2", t, None), t.plus_secs(900), &p, &d).is_empty());
    // Commands and effects serialise too (the binary logs them).
    let cmd: Command = serde_json::from_str(&serde_json::to_string(&ack(&id, Party::Mine, "王")).expect("ser")).expect("de");
    assert_eq!(cmd, ack(&id, Party::Mine, "王"));
    assert!(serde_json::from_str::<AlarmBook>(r#"{"alarms": [], "extra": 1}"#).is_err());
}

#[test]
fn report_lists_times_to_acknowledge_and_close() {
    let (p, t) = (Policy::default(), t0());
    let (mut book, id, _) = raise(&finding_at(COVERED, "T2", t, None), t);
    book.apply(ack(&id, Party::Mine, "王"), t.plus_secs(42), &p).expect("ack");
    book.apply(respond(&id, "王"), t.plus_secs(100), &p).expect("respond");
    book.apply(close(&id, "王", "好"), t.plus_secs(3600), &p).expect("close");
    let r = book.report();
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].ack_secs, r[0].close_secs, r[0].state), (Some(42), Some(3600), State::Closed));
}

#[test]
fn policy_defaults_and_toml() {
    let d = Policy::default();
    d.validate().expect("defaults are valid");
    assert_eq!((d.major_hazard.ack_secs, d.major_hazard.respond_secs, d.major_hazard.close_secs), (300, 1800, 86_400));
    assert_eq!((d.alarm.ack_secs, d.illegal.respond_secs), (600, 3600));
    assert_eq!((d.renotify_secs, d.stale_after_secs, d.dual_ack_from), (300, 600, Severity::MajorHazard));
    assert!(d.deadlines(Severity::Warning).is_none());
    // Round trip through TOML; an empty file is the defaults.
    let text = toml::to_string(&d).expect("to toml");
    assert_eq!(Policy::from_toml(&text).expect("parse"), d);
    // The TOML shown in the module doc is the defaults.
    let doc: String = include_str!("policy.rs")
        .lines()
        .filter_map(|l| l.strip_prefix("//! ").or(l.strip_prefix("//!")))
        .skip_while(|l| *l != "```toml")
        .skip(1)
        .take_while(|l| *l != "```")
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(doc.contains("[[escalation]]"), "{doc}");
    assert_eq!(Policy::from_toml(&doc).expect("doc policy"), d);
    assert_eq!(Policy::from_toml("").expect("empty"), d);

    let custom = Policy::from_toml(
        r#"
        renotify_secs = 120
        dual_ack_from = "illegal"
        [major_hazard]
        ack_secs = 120
        respond_secs = 600
        close_secs = 3600
        [[escalation]]
        level = "mine_dispatcher"
        after_secs = 0
        [[escalation]]
        level = "county_regulator"
        after_ack_deadlines = 1
        [[escalation]]
        level = "province_regulator"
        after_secs = 1800
        "#,
    )
    .expect("custom policy");
    assert_eq!(custom.major_hazard.ack_secs, 120);
    assert_eq!(custom.alarm, d.alarm, "tables left out keep their defaults");
    assert_eq!(custom.required_parties(Severity::Illegal), vec![Party::Mine, Party::Regulator]);
    assert_eq!(custom.escalation[1].offset(120), 120);

    for bad in [
        "renotify = 5",
        "[alarm]\nack_secs = 60",
        "[alarm]\nack_secs = 60\nrespond_secs = 30\nclose_secs = 90",
        "renotify_secs = 0",
        "dual_ack_from = \"warning\"",
        "escalation = []",
        "[[escalation]]\nlevel = \"mine_dispatcher\"\nafter_secs = 60",
        "[[escalation]]\nlevel = \"mine_dispatcher\"\nafter_secs = 0\nafter_ack_deadlines = 0",
        "[[escalation]]\nlevel = \"county_regulator\"\nafter_secs = 0\n[[escalation]]\nlevel = \"mine_dispatcher\"\nafter_secs = 10",
        "[[escalation]]\nlevel = \"mine_dispatcher\"\nafter_secs = 0\n[[escalation]]\nlevel = \"county_regulator\"\nafter_secs = 900\n[[escalation]]\nlevel = \"city_regulator\"\nafter_secs = 600",
        "[[escalation]]\nlevel = \"mayor\"\nafter_secs = 0",
    ] {
        assert!(Policy::from_toml(bad).is_err(), "accepted: {bad}");
    }
}

#[test]
fn custom_policy_drives_the_timers() {
    let d = dir();
    let t = t0();
    let p = Policy::from_toml(
        "renotify_secs = 60\n[alarm]\nack_secs = 100\nrespond_secs = 200\nclose_secs = 300\n[[escalation]]\nlevel = \"mine_dispatcher\"\nafter_secs = 0\n[[escalation]]\nlevel = \"county_regulator\"\nafter_secs = 150",
    )
    .expect("policy");
    let mut book = AlarmBook::new();
    book.on_finding(&finding_at(COVERED, "T2", t, None), t, &p, &d);
    let reasons = |e: &[Effect]| notes(e).iter().map(|n| (n.level, n.reason)).collect::<Vec<_>>();
    assert_eq!(reasons(&book.tick(t.plus_secs(60), &p, &d)), [(Level::MineDispatcher, Reason::Renotify)]);
    let eff = book.tick(t.plus_secs(100), &p, &d);
    assert!(reasons(&eff).is_empty() && findings(&eff).len() == 1, "ALM-1 at 100 s, no step due");
    assert_eq!(reasons(&book.tick(t.plus_secs(120), &p, &d)), [(Level::MineDispatcher, Reason::Renotify)]);
    assert_eq!(reasons(&book.tick(t.plus_secs(150), &p, &d)), [(Level::CountyRegulator, Reason::Escalated)]);
}

// ---------------------------------------------------------------------------
// Property test: the book against a small reference model.
// ---------------------------------------------------------------------------

mod model {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    pub enum Op {
        Ack(Party, usize),
        Respond(usize),
        Close(usize, bool),
        Dismiss(usize),
        Confirm(usize),
        Reject(usize),
        Tick(i64),
        /// Move the clock without ticking (commands then come after a deadline the book has not seen).
        Advance(i64),
        /// A new finding at the tracked alarm's point.
        Repeat,
        /// The tracked alarm's first finding again.
        Again,
        /// Record-only noise: a back-filled finding, an outage and a silent point under it.
        Late(u8),
        Outage,
        Silent(u8),
    }

    const PEOPLE: [&str; 3] = ["甲", "乙", "丙"];

    fn op() -> impl Strategy<Value = Op> {
        let person = 0..PEOPLE.len();
        prop_oneof![
            3 => (prop_oneof![Just(Party::Mine), Just(Party::Regulator)], person.clone()).prop_map(|(p, w)| Op::Ack(p, w)),
            2 => person.clone().prop_map(Op::Respond),
            2 => (person.clone(), any::<bool>()).prop_map(|(w, r)| Op::Close(w, r)),
            1 => person.clone().prop_map(Op::Dismiss),
            1 => person.clone().prop_map(Op::Confirm),
            1 => person.clone().prop_map(Op::Reject),
            3 => (0i64..700).prop_map(Op::Tick),
            // Whole multiples of 50 s land exactly on the deadlines (300, 600, 900…).
            2 => (0i64..14).prop_map(|k| Op::Tick(k * 50)),
            1 => (0i64..700).prop_map(Op::Advance),
            1 => Just(Op::Repeat),
            1 => Just(Op::Again),
            1 => (0u8..3).prop_map(Op::Late),
            1 => Just(Op::Outage),
            1 => (0u8..3).prop_map(Op::Silent),
        ]
    }

    /// The obviously-correct model of one alarm.
    #[derive(Debug)]
    struct Model {
        state: State,
        acked: Vec<Party>,
        required: Vec<Party>,
        dismisser: Option<usize>,
        return_to: State,
        raised: Timestamp,
        ack_secs: i64,
        steps: usize,
        alm1: bool,
        repeats: u32,
    }

    impl Model {
        fn waiting(&self) -> bool {
            self.state == State::Raised || (self.state == State::DismissalPending && self.return_to == State::Raised)
        }
        fn acknowledged(&self) -> bool {
            self.required.iter().all(|p| self.acked.contains(p))
        }
        fn fin(&self) -> bool {
            matches!(self.state, State::Closed | State::Dismissed)
        }
        /// Steps of the default chain due by `now` (offsets 0, 1, 2, 3 × the deadline).
        fn due_steps(&self, now: Timestamp) -> usize {
            (0..4).filter(|k| self.raised.plus_secs(k * self.ack_secs) <= now).count()
        }
        /// Applies a command to the model; whether it should succeed.
        fn command(&mut self, op: &Op, now: Timestamp) -> Option<bool> {
            let s = self.state;
            let ok = match *op {
                Op::Ack(p, _) => {
                    let ok = self.waiting() && !self.acked.contains(&p);
                    if ok {
                        self.acked.push(p);
                        if self.acknowledged() {
                            if now >= self.raised.plus_secs(self.ack_secs) {
                                self.alm1 = true;
                            }
                            if s == State::Raised {
                                self.state = State::Acknowledged;
                            } else {
                                self.return_to = State::Acknowledged;
                            }
                        }
                    }
                    ok
                }
                Op::Respond(_) => {
                    let ok = s == State::Acknowledged;
                    if ok {
                        self.state = State::Responded;
                    }
                    ok
                }
                Op::Close(_, reply) => {
                    let ok = s == State::Responded && reply;
                    if ok {
                        self.state = State::Closed;
                    }
                    ok
                }
                Op::Dismiss(w) => {
                    let ok = matches!(s, State::Raised | State::Acknowledged | State::Responded);
                    if ok {
                        self.dismisser = Some(w);
                        self.return_to = s;
                        self.state = State::DismissalPending;
                    }
                    ok
                }
                Op::Confirm(w) => {
                    let ok = s == State::DismissalPending && self.dismisser != Some(w);
                    if ok {
                        self.state = State::Dismissed;
                    }
                    ok
                }
                Op::Reject(w) => {
                    let ok = s == State::DismissalPending && self.dismisser != Some(w);
                    if ok {
                        self.state = self.return_to;
                        self.dismisser = None;
                    }
                    ok
                }
                _ => return None,
            };
            Some(ok)
        }
        fn tick(&mut self, now: Timestamp) {
            if !self.fin() && !self.acknowledged() {
                self.steps = self.steps.max(self.due_steps(now));
                if now >= self.raised.plus_secs(self.ack_secs) {
                    self.alm1 = true;
                }
            }
        }
    }

    fn command_for(op: &Op, id: &str) -> Option<Command> {
        let a = id.to_string();
        Some(match *op {
            Op::Ack(p, w) => {
                Command::Acknowledge { alarm: a, party: p, who: PEOPLE[w].into(), channel: Channel::Radio, comment: String::new() }
            }
            Op::Respond(w) => Command::Respond { alarm: a, who: PEOPLE[w].into(), action: "撤人".into() },
            Op::Close(w, r) => {
                Command::Close { alarm: a, who: PEOPLE[w].into(), reply: if r { "已处理".into() } else { String::new() } }
            }
            Op::Dismiss(w) => Command::Dismiss { alarm: a, who: PEOPLE[w].into(), reason: "误报".into() },
            Op::Confirm(w) => Command::ConfirmDismissal { alarm: a, who: PEOPLE[w].into() },
            Op::Reject(w) => Command::RejectDismissal { alarm: a, who: PEOPLE[w].into(), reason: "属实".into() },
            _ => return None,
        })
    }

    /// Invariants over the whole book after every step.
    fn invariants(
        book: &AlarmBook,
        before: &HashMap<String, (State, Option<Level>, usize)>,
        effects: &[Effect],
    ) -> Result<(), TestCaseError> {
        let chain = Policy::default().escalation.len();
        for a in book.alarms() {
            for w in a.history.windows(2) {
                prop_assert!(w[0].seq < w[1].seq, "seq not increasing in {}", a.id);
                prop_assert!(w[0].at <= w[1].at, "time ran backwards in {}", a.id);
                prop_assert_eq!(w[0].to, w[1].from);
            }
            prop_assert!(a.history.iter().all(|t| !t.actor.is_empty()));
            prop_assert!(a.steps_fired <= chain);
            if let Some((state, level, steps)) = before.get(&a.id) {
                if state.is_final() {
                    prop_assert_eq!(a.state, *state, "final alarm {} changed state", a.id);
                }
                prop_assert!(a.escalation >= *level, "escalation of {} went down", a.id);
                prop_assert!(a.steps_fired >= *steps);
            }
            if !a.is_notifiable() {
                prop_assert!(a.escalation.is_none() && a.alm1.is_none() && a.notified.is_empty());
            }
        }
        for e in effects {
            if let Effect::Notify(n) = e {
                let a = book.get(&n.alarm).ok_or_else(|| TestCaseError::fail("notification for an unknown alarm"))?;
                prop_assert!(a.is_notifiable(), "notified record-only alarm {}", a.id);
            }
            if let Effect::Finding(f) = e {
                prop_assert_eq!(f.rule.as_str(), "ALM-1");
            }
        }
        Ok(())
    }

    fn snapshot(book: &AlarmBook) -> HashMap<String, (State, Option<Level>, usize)> {
        book.alarms().iter().map(|a| (a.id.clone(), (a.state, a.escalation, a.steps_fired))).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn book_matches_reference_model(dual in any::<bool>(), ops in proptest::collection::vec(op(), 1..60)) {
            let (p, d) = (Policy::default(), dir());
            let mut now = t0();
            let rule = if dual { GAS } else { COVERED };
            let first = finding_at(rule, "T1", now, None);
            let mut book = AlarmBook::new();
            let eff = book.on_finding(&first, now, &p, &d);
            let id = book.alarms()[0].id.clone();
            let mut m = Model {
                state: State::Raised,
                acked: vec![],
                required: if dual { vec![Party::Mine, Party::Regulator] } else { vec![Party::Mine] },
                dismisser: None,
                return_to: State::Raised,
                raised: now,
                ack_secs: if dual { 300 } else { 600 },
                steps: 1,
                alm1: false,
                repeats: 0,
            };
            invariants(&book, &HashMap::new(), &eff)?;
            let mut n_findings = 0u32;
            let mut reopened = false;
            for op in &ops {
                let before = snapshot(&book);
                let count = book.alarms().len();
                let mut effects = vec![];
                if let Some(cmd) = command_for(op, &id) {
                    let expect = m.command(op, now);
                    let got = book.apply(cmd, now, &p);
                    prop_assert_eq!(got.is_ok(), expect == Some(true), "{:?} in model state {:?}: {:?}", op, m, got);
                    if let Ok(e) = got { effects = e; }
                } else {
                    n_findings += 1;
                    let at = now.plus_secs(n_findings as i64);
                    match *op {
                        Op::Tick(dt) => { now = now.plus_secs(dt); effects = book.tick(now, &p, &d); m.tick(now); }
                        Op::Advance(dt) => now = now.plus_secs(dt),
                        Op::Repeat => {
                            effects = book.on_finding(&finding_at(rule, "T1", at, None), now, &p, &d);
                            if m.fin() {
                                let grew = if reopened { 0 } else { 1 };
                                prop_assert_eq!(book.alarms().len(), count + grew, "a new event after the end opens one new alarm");
                                prop_assert!(!reopened || notes(&effects).is_empty());
                                reopened = true;
                            } else {
                                m.repeats += 1;
                                prop_assert_eq!(book.alarms().len(), count);
                                prop_assert!(notes(&effects).is_empty());
                            }
                        }
                        Op::Again => {
                            effects = book.on_finding(&first, now, &p, &d);
                            prop_assert_eq!(book.alarms().len(), count);
                            prop_assert!(notes(&effects).is_empty());
                        }
                        Op::Late(k) => {
                            let f = finding_at(COVERED, &format!("L{k}"), at.plus_secs(-7200), Some(at.plus_secs(-3600)));
                            effects = book.on_finding(&f, now, &p, &d);
                            prop_assert!(notes(&effects).is_empty());
                        }
                        Op::Outage => effects = book.on_finding(&outage(at, "scope:mine"), now, &p, &d),
                        Op::Silent(k) => effects = book.on_finding(&finding_at("MON-2", &format!("S{k}"), at, None), now, &p, &d),
                        _ => {}
                    }
                }
                invariants(&book, &before, &effects)?;
                let a = book.get(&id).ok_or_else(|| TestCaseError::fail("tracked alarm lost"))?;
                prop_assert_eq!(a.state, m.state, "after {:?}", op);
                let mut acked: Vec<Party> = a.acks.iter().map(|k| k.party).collect();
                let mut want = m.acked.clone();
                acked.sort();
                want.sort();
                prop_assert_eq!(acked, want);
                prop_assert_eq!(a.is_acknowledged(), m.acknowledged());
                prop_assert_eq!(a.steps_fired, m.steps, "escalation steps after {:?}", op);
                prop_assert_eq!(a.escalation, Some(p.escalation[m.steps - 1].level));
                prop_assert_eq!(a.alm1.is_some(), m.alm1, "ALM-1 after {:?}", op);
                if let Some(f) = &a.alm1 {
                    prop_assert_eq!(f.end.is_some(), m.acknowledged() || m.state == State::Dismissed);
                }
                prop_assert_eq!(a.repeats, m.repeats);
            }
        }
    }
}

#[test]
fn open_finding_back_filled_after_an_outage_is_late() {
    let (p, d, t) = (Policy::default(), dir(), t0());
    let mut book = AlarmBook::new();
    // The event opened 30 min before the clock: its data arrived with a back-fill.
    let f = finding_at(GAS, "T1", t.plus_secs(-1800), None);
    let eff = book.on_finding(&f, t, &p, &d);
    assert!(notes(&eff).is_empty(), "{eff:?}");
    assert!(book.alarms()[0].late);
    assert!(findings(&book.tick(t.plus_secs(3600), &p, &d)).is_empty(), "no ALM-1 for a late alarm");
    // The same event seen as it happens is live.
    let mut live = AlarmBook::new();
    let eff = live.on_finding(&finding_at(GAS, "T1", t.plus_secs(-30), None), t, &p, &d);
    assert_eq!(notes(&eff).len(), 1);
    assert!(!live.alarms()[0].late);
}
