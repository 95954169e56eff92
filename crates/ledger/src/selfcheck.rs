//! The principal's monthly full-system self-check (HM-2.1, HM-2.1-R1).

use minesafe_model::{Evidence, Finding, Timestamp};
use minesafe_rules::{catalog, tables};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::calendar::{Date, Month};
use crate::gates::{status_at, MineStatus};
use crate::ledger::{Applied, Event, Ledger, RecordRef, Refusal, RefusalCode};

/// The key links a self-check must cover (HM-2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyLink {
    /// 动火作业.
    HotWork,
    /// 爆破作业.
    Blasting,
    /// 清理煤仓.
    BunkerCleaning,
    /// 运输提升.
    TransportHoisting,
    /// 启封密闭.
    OpeningSeals,
    /// 吊篮 (gondola) work.
    Gondola,
    /// 三堂一舍: canteen, bathhouse, lamp room, dormitory.
    CanteenBathLampDorm,
}

impl KeyLink {
    pub const ALL: [KeyLink; 7] = [
        KeyLink::HotWork,
        KeyLink::Blasting,
        KeyLink::BunkerCleaning,
        KeyLink::TransportHoisting,
        KeyLink::OpeningSeals,
        KeyLink::Gondola,
        KeyLink::CanteenBathLampDorm,
    ];
}

/// A monthly self-check record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelfCheck {
    pub id: String,
    pub mine: String,
    pub month: Month,
    pub held_on: Timestamp,
    /// The principal who led it (name), as signed.
    pub led_by: String,
    pub links: Vec<KeyLink>,
    /// Hazard ids it found.
    pub hazards_found: Vec<String>,
    pub notes: String,
    pub recorded_by: Actor,
    pub recorded_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfCheckCmd {
    Record {
        id: String,
        mine: String,
        month: Month,
        held_on: Timestamp,
        led_by: String,
        links: Vec<KeyLink>,
        #[serde(default)]
        hazards_found: Vec<String>,
        #[serde(default)]
        notes: String,
    },
}

impl KeyLink {
    /// The link's name as the Hard Measures write it.
    pub fn chinese(self) -> &'static str {
        match self {
            KeyLink::HotWork => "动火作业",
            KeyLink::Blasting => "爆破作业",
            KeyLink::BunkerCleaning => "清理煤仓",
            KeyLink::TransportHoisting => "运输提升",
            KeyLink::OpeningSeals => "启封密闭",
            KeyLink::Gondola => "吊篮作业",
            KeyLink::CanteenBathLampDorm => "三堂一舍",
        }
    }
}

/// Records a monthly self-check. Only the mine itself (or minesafe importing its
/// records) writes one; a regulator cannot do the mine's self-check for it.
pub(crate) fn apply(l: &mut Ledger, ev: &Event, cmd: &SelfCheckCmd) -> Result<Applied, Refusal> {
    let SelfCheckCmd::Record { id, mine, month, held_on, led_by, links, hazards_found, notes } = cmd;
    let a = &ev.actor;
    if l.self_checks.contains_key(id) {
        return Err(Refusal::new(RefusalCode::Duplicate, format!("self-check {id} is already on the ledger")));
    }
    l.check_scope(a, mine)?;
    if !(a.mine() == Some(mine.as_str()) || matches!(a.role, Role::System)) {
        return Err(Refusal::new(
            RefusalCode::NotAllowed,
            format!("only the staff of mine {mine} may record its self-check {id}; {} ({}) may not", a.name, a.id),
        ));
    }
    if led_by.trim().is_empty() {
        return Err(Refusal::new(RefusalCode::Invalid, format!("self-check {id}: the principal who led it (led_by) is required")));
    }
    let held = Date::of(*held_on);
    if held.month() != *month {
        return Err(Refusal::new(RefusalCode::Invalid, format!("self-check {id} for {month} was held on {held}, outside that month")));
    }
    for hz in hazards_found {
        match l.hazards.get(hz) {
            None => return Err(Refusal::new(RefusalCode::Unknown, format!("self-check {id}: hazard {hz} is not on the ledger"))),
            Some(h) if h.mine != *mine => {
                return Err(Refusal::new(
                    RefusalCode::Invalid,
                    format!("self-check {id} of mine {mine}: hazard {hz} belongs to mine {}", h.mine),
                ))
            }
            Some(_) => {}
        }
    }
    let mut links = links.clone();
    links.sort();
    links.dedup();
    l.self_checks.insert(
        id.clone(),
        SelfCheck {
            id: id.clone(),
            mine: mine.clone(),
            month: *month,
            held_on: *held_on,
            led_by: led_by.trim().to_string(),
            links,
            hazards_found: hazards_found.clone(),
            notes: notes.clone(),
            recorded_by: a.clone(),
            recorded_at: ev.at,
        },
    );
    Ok(Applied { record: RecordRef::new("self_check", id), mine: mine.clone() })
}

/// The key links (HM-2.1) a self-check did not cover, in the order of [`KeyLink::ALL`].
pub fn missing_links(check: &SelfCheck) -> Vec<KeyLink> {
    KeyLink::ALL.into_iter().filter(|k| !check.links.contains(k)).collect()
}

/// HM-2.1-R1 findings for each month from `from` through `through` in which `mine`
/// has no self-check: one finding per month, spanning the whole Beijing month.
/// Months wholly before the mine's registration, or in which it was closed
/// throughout, owe no self-check.
pub fn missing(l: &Ledger, mine: &str, from: Month, through: Month) -> Vec<Finding> {
    const RULE: &str = "HM-2.1-R1";
    let rec = l.mines.get(mine);
    let registered = rec.and_then(|r| r.history.iter().map(|c| c.effective).min());
    let mut out = Vec::new();
    for m in from.through(through) {
        let (start, end) = (m.first_day().start(), m.last_day().end());
        if registered.is_some_and(|r| r > end) {
            continue;
        }
        if let Some(r) = rec {
            let closed_all_month = status_at(r, start) == Some(MineStatus::Closed)
                && r.history.iter().all(|c| c.effective <= start || c.effective > end || c.to == MineStatus::Closed);
            if closed_all_month {
                continue;
            }
        }
        if l.self_checks.values().any(|c| c.mine == mine && c.month == m) {
            continue;
        }
        let last = l.self_checks.values().filter(|c| c.mine == mine && c.month < m).max_by_key(|c| (c.month, c.held_on));
        let detail = match last {
            Some(c) => format!(
                "no principal-led full-system self-check of mine {mine} is recorded for {m}; the last one before it is {} held {} led by {}",
                c.id,
                Date::of(c.held_on),
                c.led_by
            ),
            None => format!("no principal-led full-system self-check of mine {mine} is recorded for {m}, nor any month before it"),
        };
        let evidence = vec![Evidence { file: "ledger".into(), time: Some(start), detail: Some(detail), ..Default::default() }];
        let title = format!("Mine {mine}: no monthly major-hazard self-check led by the principal recorded for {m}");
        let mut f = catalog::finding(RULE, mine, start, Some(end), None, title, evidence);
        f.tags.extend(tables::tables().hooks(RULE, start).map(|x| format!("hook:{x}")));
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::{MineRecord, StatusChange};
    use crate::hazard::{HazardCmd, HazardSource};
    use crate::Command;

    const A: &str = "140000000001";
    const B: &str = "140000000002";

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).unwrap()
    }

    fn month(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    fn mine(code: &str, office: &str, since: &str) -> MineRecord {
        MineRecord {
            code: code.into(),
            name: format!("mine {code}"),
            offices: vec![office.into()],
            coal: true,
            underground: true,
            status: MineStatus::Producing,
            history: vec![StatusChange {
                effective: t(since),
                from: None,
                to: MineStatus::Producing,
                by: Actor::system(),
                basis: "registration".into(),
                notes: String::new(),
            }],
            licences: Vec::new(),
            closures: Vec::new(),
        }
    }

    fn ledger() -> Ledger {
        let mut l = Ledger::default();
        l.insert_mine_for_tests(mine(A, "OFF-A", "2025-06-15 00:00:00"));
        l.insert_mine_for_tests(mine(B, "OFF-B", "2025-06-15 00:00:00"));
        l
    }

    fn principal(m: &str) -> Actor {
        Actor::new("P1", "赵矿长", Role::MinePrincipal { mine: m.into() })
    }

    fn record(id: &str, m: &str, mon: &str, held: &str, hazards: &[&str]) -> SelfCheckCmd {
        SelfCheckCmd::Record {
            id: id.into(),
            mine: m.into(),
            month: month(mon),
            held_on: t(held),
            led_by: "赵矿长".into(),
            links: vec![KeyLink::Blasting, KeyLink::HotWork, KeyLink::Blasting],
            hazards_found: hazards.iter().map(|h| h.to_string()).collect(),
            notes: String::new(),
        }
    }

    fn run(l: &mut Ledger, actor: &Actor, cmd: SelfCheckCmd) -> Result<Applied, Refusal> {
        l.apply(&Event { at: t("2026-03-31 18:00:00"), actor: actor.clone(), command: Command::SelfCheck(cmd) })
    }

    fn refused(l: &mut Ledger, actor: &Actor, cmd: SelfCheckCmd) -> Refusal {
        let before = l.self_checks.clone();
        let r = run(l, actor, cmd).expect_err("must be refused");
        assert_eq!(l.self_checks, before, "a refusal leaves the ledger unchanged");
        r
    }

    #[test]
    fn a_recorded_self_check_keeps_its_links_once_and_names_what_it_missed() {
        let mut l = ledger();
        let a = run(&mut l, &principal(A), record("SC-1", A, "2026-03", "2026-03-31 23:59:59", &[])).unwrap();
        assert_eq!((a.record, a.mine.as_str()), (RecordRef::new("self_check", "SC-1"), A));
        let c = l.self_checks().next().unwrap();
        assert_eq!(c.links, [KeyLink::HotWork, KeyLink::Blasting]);
        assert_eq!(c.recorded_by.id, "P1");
        assert_eq!(
            missing_links(c),
            [KeyLink::BunkerCleaning, KeyLink::TransportHoisting, KeyLink::OpeningSeals, KeyLink::Gondola, KeyLink::CanteenBathLampDorm]
        );
        // The system may import one too.
        run(&mut l, &Actor::system(), record("SC-2", A, "2026-04", "2026-04-01 00:00:00", &[])).unwrap();
        assert_eq!(l.self_checks().count(), 2);
    }

    #[test]
    fn self_check_refusals_name_the_reason() {
        let mut l = ledger();
        run(&mut l, &principal(A), record("SC-1", A, "2026-03", "2026-03-05 09:00:00", &[])).unwrap();
        assert_eq!(refused(&mut l, &principal(A), record("SC-1", A, "2026-04", "2026-04-05 09:00:00", &[])).code, RefusalCode::Duplicate);
        // Another mine's staff: out of jurisdiction. A regulator: not the mine's own check.
        let r = refused(&mut l, &principal(B), record("SC-2", A, "2026-04", "2026-04-05 09:00:00", &[]));
        assert_eq!(r.code, RefusalCode::NotAllowed);
        let insp = Actor::new("I1", "inspector", Role::Inspector { office: "OFF-A".into() });
        let r = refused(&mut l, &insp, record("SC-2", A, "2026-04", "2026-04-05 09:00:00", &[]));
        assert_eq!(r.code, RefusalCode::NotAllowed);
        assert!(r.message.contains("SC-2"), "{}", r.message);
        // Held outside the month it is for (Beijing calendar: 2026-03-31 16:00 UTC is already April in Beijing).
        let r = refused(&mut l, &principal(A), record("SC-2", A, "2026-03", "2026-04-01 00:00:00", &[]));
        assert_eq!(r.code, RefusalCode::Invalid);
        assert!(r.message.contains("2026-04-01") && r.message.contains("2026-03"), "{}", r.message);
        let mut no_leader = record("SC-2", A, "2026-04", "2026-04-05 09:00:00", &[]);
        let SelfCheckCmd::Record { led_by, .. } = &mut no_leader;
        *led_by = " ".into();
        assert_eq!(refused(&mut l, &principal(A), no_leader).code, RefusalCode::Invalid);
        // Hazards it lists must be on the ledger, and the mine's own.
        assert_eq!(
            refused(&mut l, &principal(A), record("SC-2", A, "2026-04", "2026-04-05 09:00:00", &["HZ-9"])).code,
            RefusalCode::Unknown
        );
        let open = HazardCmd::Open {
            id: "HZ-B".into(),
            mine: B.into(),
            place: "P".into(),
            system: None,
            kind: "K".into(),
            description: "d".into(),
            found_at: t("2026-04-02 09:00:00"),
            evidence_since: None,
            source: HazardSource::Engine { finding: "f-1".into() },
            evidence: vec![],
        };
        l.apply(&Event { at: t("2026-04-02 10:00:00"), actor: Actor::system(), command: Command::Hazard(open) }).unwrap();
        let r = refused(&mut l, &principal(A), record("SC-2", A, "2026-04", "2026-04-05 09:00:00", &["HZ-B"]));
        assert_eq!(r.code, RefusalCode::Invalid);
        assert!(r.message.contains(B), "{}", r.message);
        assert_eq!(l.self_checks().count(), 1);
    }

    #[test]
    fn a_month_without_a_self_check_is_a_finding() {
        let mut l = ledger();
        run(&mut l, &principal(A), record("SC-1", A, "2026-01", "2026-01-20 09:00:00", &[])).unwrap();
        run(&mut l, &principal(A), record("SC-3", A, "2026-03", "2026-03-02 09:00:00", &[])).unwrap();
        // Mine B's check does not count for A.
        run(&mut l, &principal(B), record("SC-B", B, "2026-02", "2026-02-02 09:00:00", &[])).unwrap();

        let fs = missing(&l, A, month("2026-01"), month("2026-04"));
        let months: Vec<Timestamp> = fs.iter().map(|f| f.start).collect();
        assert_eq!(months, [t("2026-02-01 00:00:00"), t("2026-04-01 00:00:00")]);
        let f = &fs[0];
        assert_eq!(f.rule, "HM-2.1-R1");
        assert_eq!((f.mine.as_str(), f.end, f.place.as_deref()), (A, Some(t("2026-02-28 23:59:59")), None));
        assert_eq!(f.severity, minesafe_model::Severity::Illegal);
        assert!(f.title.contains("2026-02") && f.title.contains(A), "{}", f.title);
        let detail = f.evidence[0].detail.as_deref().unwrap();
        assert!(detail.contains("SC-1") && detail.contains("2026-01-20"), "{detail}");
        assert_eq!(missing(&l, A, month("2026-01"), month("2026-04"))[0].id, f.id, "ids are stable");
        assert_ne!(fs[0].id, fs[1].id);

        // Recording the missing month clears it.
        run(&mut l, &principal(A), record("SC-2", A, "2026-02", "2026-02-27 09:00:00", &[])).unwrap();
        assert_eq!(missing(&l, A, month("2026-01"), month("2026-04")).len(), 1);
        // Across the year end; months before registration owe nothing; an empty range gives nothing.
        let fs = missing(&l, A, month("2025-05"), month("2026-01"));
        let months: Vec<String> = fs.iter().map(|f| Date::of(f.start).month().to_string()).collect();
        assert_eq!(months, ["2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]);
        assert!(missing(&l, A, month("2026-03"), month("2026-02")).is_empty());
    }

    #[test]
    fn a_closed_mine_owes_no_self_check() {
        let mut l = ledger();
        let rec = l.mines.get_mut(A).unwrap();
        rec.history.push(StatusChange {
            effective: t("2026-02-10 00:00:00"),
            from: Some(MineStatus::Producing),
            to: MineStatus::Closed,
            by: Actor::system(),
            basis: "closure".into(),
            notes: String::new(),
        });
        let months: Vec<String> =
            missing(&l, A, month("2026-01"), month("2026-04")).iter().map(|f| Date::of(f.start).month().to_string()).collect();
        assert_eq!(months, ["2026-01", "2026-02"], "February still owed one: the mine was open part of it");
    }
}
