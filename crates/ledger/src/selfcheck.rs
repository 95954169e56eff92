//! The principal's monthly full-system self-check (HM-2.1, HM-2.1-R1).

use minesafe_model::{Finding, Timestamp};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::calendar::Month;
use crate::ledger::{Applied, Event, Ledger, Refusal, RefusalCode};

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

pub(crate) fn apply(_l: &mut Ledger, _ev: &Event, _cmd: &SelfCheckCmd) -> Result<Applied, Refusal> {
    Err(Refusal::new(RefusalCode::Invalid, "self-check commands are not implemented yet"))
}

/// HM-2.1-R1 findings for each month from `from` through `through` in which `mine` has no self-check.
pub fn missing(_l: &Ledger, _mine: &str, _from: Month, _through: Month) -> Vec<Finding> {
    Vec::new()
}
