//! What the cross-checks read, one mine at a time. Days are Beijing calendar
//! days (`yyyy-MM-dd`), hours are the UTC instant at the start of the hour.

use minesafe_model::registry::MineInfo;
use minesafe_model::Timestamp;
use serde::{Deserialize, Serialize};

/// A Beijing calendar day as `yyyy-MM-dd` text is awkward to compare; days are
/// counted from 1970-01-01 (Beijing), so `Timestamp::beijing_date()` maps to it.
pub type Day = i32;

/// The Beijing day an instant falls on.
pub fn day_of(t: Timestamp) -> Day {
    (t.0 + minesafe_model::time::BEIJING_OFFSET_SECS).div_euclid(86_400) as Day
}

/// 00:00 Beijing time of a day.
pub fn day_start(d: Day) -> Timestamp {
    Timestamp(d as i64 * 86_400 - minesafe_model::time::BEIJING_OFFSET_SECS)
}

/// Where a daily output figure comes from. The declared figure is the mine's own
/// production report; the others are independent of it to different degrees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputSource {
    /// 报表产量: the mine's declared output.
    Declared,
    /// 皮带秤: main-belt scale accumulator (CDSS point type 3001, daily difference).
    BeltScale,
    /// 地磅: weighbridge at the gate.
    Weighbridge,
    /// 销售: sales invoices.
    Sales,
    /// 铁路外运.
    Rail,
    /// 公路外运.
    Road,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyOutput {
    pub day: Day,
    pub source: OutputSource,
    pub tonnes: f64,
}

/// Electricity consumers the supplier or the mine's own meters separate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consumer {
    /// The mine's total intake.
    Total,
    /// 提升: hoisting (main and auxiliary shafts).
    Hoisting,
    /// 通风: main fans.
    Ventilation,
    /// 排水: drainage pumps.
    Drainage,
    /// 运输: belts and haulage.
    Haulage,
    /// 采掘工作面: a face's feeder (`feeder` names it; the registry maps feeders to faces).
    Face,
    Other,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HourlyEnergy {
    /// Start of the hour.
    pub hour: Timestamp,
    pub consumer: Consumer,
    /// Feeder or meter id; matched against `Face.feeders` in the registry.
    pub feeder: String,
    pub kwh: f64,
}

/// Explosives issued (火工品领用) to a place on a day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExplosivesIssue {
    pub day: Day,
    /// Face id or area code the issue names.
    pub place: String,
    pub explosive_kg: f64,
    pub detonators: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeKind {
    /// 瓦斯抽采量: pure methane drained, m³.
    GasDrainage,
    /// 矿井涌水量: water inflow, m³ (YSL where present).
    WaterInflow,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyVolume {
    pub day: Day,
    pub kind: VolumeKind,
    pub m3: f64,
}

/// Absolute methane emission by ventilation (绝对瓦斯涌出量) in an hour, m³/min:
/// return-air methane concentration × return air quantity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HourlyMethane {
    pub hour: Timestamp,
    pub m3_per_min: f64,
}

/// Positioning aggregated per area and hour (from RYSS): how many people, and
/// which reader stations saw them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AreaHour {
    pub hour: Timestamp,
    /// RYQY area code (or a station code when the area is unknown).
    pub area: String,
    /// Most people present at once in the hour.
    pub people_max: u32,
    /// Person-hours spent in the area in the hour.
    pub person_hours: f32,
}

/// What a heading crew was doing, for the rock-burst limits (规程 2025 Art. 358).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrewActivity {
    /// 生产班 on a longwall.
    Production,
    /// 检修班.
    Maintenance,
    /// 掘进、支护 in a heading.
    CuttingAndSupport,
    Other,
}

/// The most people at a work site at once during one shift, outside the
/// hand-over window at the shift's start and end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShiftCrew {
    pub day: Day,
    /// Shift name as in the registry's schedule.
    pub shift: String,
    /// Face id (preferred) or area code.
    pub site: String,
    pub people_max: u32,
    /// When the maximum was seen.
    pub at: Timestamp,
    pub activity: CrewActivity,
    /// Extra staff the province approved for this site and shift (not counted).
    #[serde(default)]
    pub approved_extra: u32,
}

/// One card's trip underground (入井 → 出井), from the positioning data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardTrip {
    pub card: String,
    pub down: Timestamp,
    /// `None`: no exit seen.
    pub up: Option<Timestamp>,
    /// The last snapshot the card appeared in.
    pub last_seen: Timestamp,
    /// Areas with the time the card entered each, in order.
    pub areas: Vec<(Timestamp, String)>,
}

/// The lamp room's identity list (灯房发放登记): which card belongs to whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardIdentity {
    pub card: String,
    /// 身份证号 or staff number: one person, one id.
    pub person_id: String,
    pub name: String,
    /// Leaders (矿领导) are checked against the rota (REC-7).
    #[serde(default)]
    pub post: String,
}

/// Lamp issued and returned (灯房考勤): the person is underground between the two.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LampRecord {
    pub person_id: String,
    pub lamp_out: Timestamp,
    pub lamp_in: Option<Timestamp>,
}

/// How many shifts underground a leader owes in a month (带班下井计划).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaderRota {
    pub person_id: String,
    pub name: String,
    pub post: String,
    /// First day of the month.
    pub month: Day,
    pub required_shifts: u32,
}

/// Which electrical quantity a monitoring point measures (CDSS sensor types
/// 0015 电压, 0016 频率, 0017 电流). Instantaneous values, not energy: they say
/// whether a feeder is energised and loaded, never how many kWh it used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerQuantity {
    Voltage,
    Frequency,
    Current,
}

/// One electrical point's readings in an hour (from CDSS), an activity signal
/// for the hours no metered kWh is available.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PowerActivity {
    /// Start of the hour.
    pub hour: Timestamp,
    pub point: String,
    /// The declared face whose `points` list the point (registry), if any.
    pub face: Option<String>,
    /// 安装位置 as uploaded.
    pub location: String,
    pub quantity: PowerQuantity,
    pub mean: f64,
    pub max: f64,
    /// Readings with a value in the hour.
    pub readings: u32,
}

/// A stretch with no upload of a system, from the store's upload times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadGap {
    /// `monitoring` or `positioning`.
    pub system: String,
    pub from: Timestamp,
    pub to: Timestamp,
}

/// Everything known about one mine over the analysis period. Series are sorted
/// by time; detectors may rely on it ([`MineInputs::sort`]).
#[derive(Clone, Debug)]
pub struct MineInputs {
    pub info: MineInfo,
    /// The period analysed, `[from, to)`.
    pub from: Timestamp,
    pub to: Timestamp,
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
    /// Days regulators inspected the mine (their visits are known in advance to
    /// the mine only if it is tipped off: REC-6 looks for activity that avoids them).
    pub inspection_days: Vec<Day>,
    pub upload_gaps: Vec<UploadGap>,
    /// Electrical activity per point and hour (CDSS 0015–0017), derived from uploads.
    pub power: Vec<PowerActivity>,
}

impl MineInputs {
    /// A mine with no series yet.
    pub fn new(info: MineInfo, from: Timestamp, to: Timestamp) -> Self {
        MineInputs {
            info,
            from,
            to,
            output: Vec::new(),
            energy: Vec::new(),
            explosives: Vec::new(),
            volumes: Vec::new(),
            methane: Vec::new(),
            area_hours: Vec::new(),
            crews: Vec::new(),
            trips: Vec::new(),
            identities: Vec::new(),
            lamps: Vec::new(),
            rota: Vec::new(),
            inspection_days: Vec::new(),
            upload_gaps: Vec::new(),
            power: Vec::new(),
        }
    }

    pub fn code(&self) -> &str {
        self.info.code.as_str()
    }

    /// Sorts every series by time (stable), as detectors expect.
    pub fn sort(&mut self) {
        self.output.sort_by_key(|r| r.day);
        self.energy.sort_by_key(|r| r.hour);
        self.explosives.sort_by_key(|r| r.day);
        self.volumes.sort_by_key(|r| r.day);
        self.methane.sort_by_key(|r| r.hour);
        self.area_hours.sort_by_key(|r| r.hour);
        self.crews.sort_by_key(|r| (r.day, r.at));
        self.trips.sort_by_key(|r| r.down);
        self.lamps.sort_by_key(|r| r.lamp_out);
        self.inspection_days.sort_unstable();
        self.upload_gaps.sort_by_key(|r| r.from);
        self.power.sort_by_key(|r| r.hour);
    }
}
