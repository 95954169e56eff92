//! The person alarm files RYCS (超时报警), RYXZ (进入限制区域报警) and RYQJ (人员求救)
//! share one shape — nine fields about one card — but not one field order (format
//! spec §4.6). The orders come from a production schema only [I], so every field
//! after the alarm start may be missing (`MIN_FIELDS = 4`), and each file has its
//! own wire type ([`OvertimeAlarm`](super::rycs::OvertimeAlarm),
//! [`RestrictedAreaAlarm`](super::ryxz::RestrictedAreaAlarm),
//! [`SosAlarm`](super::ryqj::SosAlarm)) that only fixes the order.

use minesafe_model::Timestamp;

use crate::container::{opt, opt_string, opt_time, req, req_time, Fields};
use crate::error::FieldError;

/// Which alarm file a [`PersonAlarm`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PersonAlarmKind {
    /// RYCS 超时报警: underground longer than allowed.
    Overtime,
    /// RYXZ 进入限制区域报警: entered a restricted area.
    RestrictedArea,
    /// RYQJ 人员求救: the person pressed SOS.
    Sos,
}

/// One person alarm as the mine's positioning system reports it. Events are
/// re-sent with and without an end time; de-duplicate on [`PersonAlarm::key`].
#[derive(Clone, Debug, PartialEq)]
pub struct PersonAlarm {
    pub kind: PersonAlarmKind,
    /// 人员卡编码.
    pub card: String,
    /// 姓名.
    pub name: String,
    /// 入井时刻.
    pub entered: Option<Timestamp>,
    /// 报警开始时间 / 求救开始时间.
    pub start: Timestamp,
    /// 报警结束时间 / 求救结束时间; `None` while the alarm is open.
    pub end: Option<Timestamp>,
    /// 区域编码.
    pub area: Option<String>,
    /// 进入当前区域时刻.
    pub area_since: Option<Timestamp>,
    /// 基站编码.
    pub station: Option<String>,
    /// 进入当前基站时刻.
    pub station_since: Option<Timestamp>,
}

impl PersonAlarm {
    /// (card, start): the de-duplication key of a re-sent alarm.
    pub fn key(&self) -> (&str, Timestamp) {
        (&self.card, self.start)
    }

    pub(crate) fn data_time(&self) -> Option<Timestamp> {
        [Some(self.start), self.end, self.entered, self.area_since, self.station_since].into_iter().flatten().max()
    }
}

/// A field of a person alarm record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Card,
    Name,
    Entered,
    Start,
    End,
    Area,
    AreaSince,
    Station,
    StationSince,
}

/// RYCS: card, name, 入井时刻, start, end, area, since, station, since.
pub(crate) const OVERTIME_ORDER: [Slot; 9] =
    [Slot::Card, Slot::Name, Slot::Entered, Slot::Start, Slot::End, Slot::Area, Slot::AreaSince, Slot::Station, Slot::StationSince];
/// RYXZ and RYQJ: card, name, start, end, 入井时刻, area, since, station, since.
pub(crate) const START_FIRST_ORDER: [Slot; 9] =
    [Slot::Card, Slot::Name, Slot::Start, Slot::End, Slot::Entered, Slot::Area, Slot::AreaSince, Slot::Station, Slot::StationSince];

pub(crate) const FIELDS: usize = 9;
pub(crate) const MIN_FIELDS: usize = 4;

fn pos(order: &[Slot; 9], slot: Slot) -> usize {
    order.iter().position(|s| *s == slot).map_or(0, |i| i + 1)
}

fn slot_name(kind: PersonAlarmKind, slot: Slot) -> &'static str {
    let sos = kind == PersonAlarmKind::Sos;
    match slot {
        Slot::Card => "人员卡编码",
        Slot::Name => "姓名",
        Slot::Entered => "入井时刻",
        Slot::Start if sos => "求救开始时间",
        Slot::Start => "报警开始时间",
        Slot::End if sos => "求救结束时间",
        Slot::End => "报警结束时间",
        Slot::Area => "区域编码",
        Slot::AreaSince => "进入当前区域时刻",
        Slot::Station => "基站编码",
        Slot::StationSince => "进入当前基站时刻",
    }
}

pub(crate) fn parse(kind: PersonAlarmKind, order: &[Slot; 9], f: &[&str]) -> Result<PersonAlarm, FieldError> {
    let at = |s| pos(order, s);
    let time = |s| opt_time(f, at(s), slot_name(kind, s));
    let start = req_time(f, at(Slot::Start), slot_name(kind, Slot::Start))?;
    let end = time(Slot::End)?;
    if end.is_some_and(|e| e < start) {
        return Err(FieldError::new(at(Slot::End), slot_name(kind, Slot::End), "before the start of the alarm"));
    }
    Ok(PersonAlarm {
        kind,
        card: req(f, at(Slot::Card), slot_name(kind, Slot::Card))?.to_string(),
        name: opt(f, at(Slot::Name)).to_string(),
        entered: time(Slot::Entered)?,
        start,
        end,
        area: opt_string(f, at(Slot::Area)),
        area_since: time(Slot::AreaSince)?,
        station: opt_string(f, at(Slot::Station)),
        station_since: time(Slot::StationSince)?,
    })
}

pub(crate) fn write(a: &PersonAlarm, order: &[Slot; 9], out: &mut String) {
    let mut w = Fields::new(out);
    for slot in order {
        match slot {
            Slot::Card => w.s(&a.card),
            Slot::Name => w.s(&a.name),
            Slot::Entered => w.t(a.entered),
            Slot::Start => w.t(Some(a.start)),
            Slot::End => w.t(a.end),
            Slot::Area => w.s(a.area.as_deref().unwrap_or("")),
            Slot::AreaSince => w.t(a.area_since),
            Slot::Station => w.s(a.station.as_deref().unwrap_or("")),
            Slot::StationSince => w.t(a.station_since),
        };
    }
}

/// Defines the wire type of one alarm file around [`PersonAlarm`].
macro_rules! person_alarm_record {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $order:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name(pub $crate::families::person_alarm::PersonAlarm);

        impl<'a> $crate::container::Record<'a> for $name {
            const FIELDS: usize = $crate::families::person_alarm::FIELDS;
            const MIN_FIELDS: usize = $crate::families::person_alarm::MIN_FIELDS;

            fn parse(f: &[&'a str]) -> Result<Self, $crate::error::FieldError> {
                $crate::families::person_alarm::parse($kind, &$order, f).map($name)
            }

            /// Writes in this file's order, whatever `kind` the alarm carries.
            fn write(&self, out: &mut String) {
                $crate::families::person_alarm::write(&self.0, &$order, out)
            }

            fn data_time(&self) -> Option<minesafe_model::Timestamp> {
                self.0.data_time()
            }
        }
    };
}
pub(crate) use person_alarm_record;
