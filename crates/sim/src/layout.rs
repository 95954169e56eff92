//! The static side of a simulated mine: panels, faces, monitoring points with their
//! declared thresholds, positioning areas and stations, the workforce, and the
//! registry entry. Everything is drawn from a layout stream of (seed, mine index).

use minesafe_formats::{SubstationState, UploadWriter};
use minesafe_model::monitoring::{LinkState, RelationKind, SupplyState};
use minesafe_model::registry::{
    AirPath, AreaEntry, Authorisation, Contact, Face, GasGrade, HydroClass, Licence, MineInfo, MineKind, MineStatus, PointEntry, Shift,
    StatusPeriod,
};
use minesafe_model::{
    Area, AreaKind, LocationClass, MineCode, Person, PointDef, Relation, SensorType, Station, Thresholds, Timestamp, ValueKind,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{SimError, DAY};

/// Length of a shift (班) of the 三八制.
pub(crate) const SHIFT: i64 = 8 * 3600;
/// The maintenance shift (检修班): 08:00–16:00; the other two produce coal.
pub(crate) const MAINTENANCE_SHIFT: usize = 1;
/// Shift system written in RYSS field 10.
pub(crate) const SHIFT_SYSTEM: &str = "三八制";

/// Stream purposes, so that every use of randomness has its own sequence.
pub(crate) mod stream {
    pub const LAYOUT: u64 = 1;
    pub const MONITOR: u64 = 2;
    pub const TRIP: u64 = 3;
    pub const INJECT: u64 = 4;
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A hash of the parts, for seeding and cheap deterministic jitter.
pub(crate) fn mix(seed: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(splitmix(seed), |h, &p| splitmix(h ^ p.wrapping_mul(0xD6E8_FEB8_6659_FD93)))
}

/// A random stream for (seed, parts).
pub(crate) fn rng(seed: u64, parts: &[u64]) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(seed, parts))
}

/// How a point's value evolves (see `monitor`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Model {
    /// Methane %: `base + gain × activity + noise`, never above `cap`.
    Methane { base: f64, gain: f64, cap: f64 },
    /// CO ppm, integer, never above `cap`.
    Co { base: f64, cap: f64 },
    /// Wind speed m/s.
    Wind { base: f64 },
    /// Temperature ℃.
    Temp { base: f64 },
    /// Oxygen %.
    O2 { base: f64 },
    /// Fan negative pressure Pa.
    Pressure { base: f64 },
    /// A binary or multi-state point that keeps its value.
    Const(f64),
    /// On/off of face machinery (设备开停): on while the face works and its feeder has power.
    Running,
    /// 馈电 / 馈电器: 1 (load side energised) unless a controlling sensor has cut the power.
    Feeder,
}

pub(crate) struct SimPoint {
    pub def: PointDef,
    /// CDSS 传感器类型名称.
    pub name: &'static str,
    pub model: Model,
    /// The face whose activity drives the value, if any.
    pub face: Option<usize>,
    /// The panel whose faces drive the value, if any.
    pub panel: Option<usize>,
    pub class: Option<LocationClass>,
    /// Feeder points this point cuts (CDDY relations `D-<feeder>`).
    pub cuts: Vec<usize>,
    /// Decimal places written.
    pub decimals: u8,
}

pub(crate) struct FaceModel {
    /// Face number, e.g. `1201`.
    pub id: String,
    /// e.g. `1201综采工作面`.
    pub name: String,
    pub longwall: bool,
    pub panel: usize,
    /// Positioning area of the face (重点区域).
    pub area: usize,
    pub stations: [usize; 2],
    /// Methane at the face (T1 for a longwall, the heading-face sensor otherwise).
    pub t1: usize,
    /// CO in the face's return.
    pub co_return: usize,
    /// The feeder of the face's machinery.
    pub feeder: usize,
    /// Methane in the face's return (T2 of a longwall, 回风流 of a heading).
    pub t2: usize,
    /// The heading's main auxiliary fan (局部通风机(主)) and its air-duct sensor (风筒); `None` for a longwall.
    pub aux_fan: Option<usize>,
    pub duct: Option<usize>,
    /// On/off points of the face machinery (设备开停), driven by the cutting cycle.
    pub running: Vec<usize>,
    /// Cutting cycle: on for `run` s, off for `stop` s, shifted by `phase` s.
    pub run: i64,
    pub stop: i64,
    pub phase: i64,
    /// Crew per shift (00–08, 08–16, 16–24).
    pub crew: [u32; 3],
    /// Every point of the face, for the registry.
    pub points: Vec<usize>,
    pub feeders: Vec<usize>,
}

impl FaceModel {
    /// Whether the shearer or roadheader cuts at `t`.
    pub fn working(&self, t: Timestamp) -> bool {
        let sod = t.beijing_seconds_of_day() as i64;
        let shift = (sod / SHIFT) as usize;
        let off = sod % SHIFT;
        if shift == MAINTENANCE_SHIFT || !(1800..SHIFT - 900).contains(&off) {
            return false;
        }
        (off + self.phase) % (self.run + self.stop) < self.run
    }
}

pub(crate) struct PanelModel {
    pub name: String,
    pub area: usize,
    pub station: usize,
    pub faces: Vec<usize>,
}

pub(crate) struct StationModel {
    pub station: Station,
    pub area: usize,
}

/// What a person does underground.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Face crew of a longwall or heading.
    Face(usize),
    /// Transport, electrical and pump staff at a fixed station.
    Roadway(usize),
    /// Gas inspectors and air measurers (瓦斯检查工, 测风工), who walk between faces; `n` within the shift.
    Ventilation(usize),
    /// Mine leaders (矿领导), one of whom leads each shift underground (带班下井).
    Leader(usize),
    /// An outside contractor (外委队), underground only when an injection sends them.
    Contractor,
}

pub(crate) struct PersonModel {
    pub person: Person,
    pub role: Role,
    /// Shift index 0–2 (00–08, 08–16, 16–24).
    pub shift: usize,
}

pub(crate) struct MineModel {
    pub index: usize,
    pub code: String,
    pub name: String,
    pub grade: GasGrade,
    pub points: Vec<SimPoint>,
    pub faces: Vec<FaceModel>,
    pub panels: Vec<PanelModel>,
    pub areas: Vec<Area>,
    pub stations: Vec<StationModel>,
    pub people: Vec<PersonModel>,
    pub approved_headcount: u32,
    pub leaders: usize,
    /// Station indices of the route from the surface: 井口, 井底车场, 大巷.
    pub mouth: usize,
    pub yard: usize,
    pub roadway: usize,
    pub chamber: usize,
    /// The restricted area (限制区域) and its station.
    pub restricted_area: usize,
    pub restricted_station: usize,
    pub info: MineInfo,
    /// First contractor (外委队) in `people`.
    pub first_contractor: usize,
}

const MINE_NAMES: [&str; 12] = ["东山", "青龙", "白杨河", "石门", "红岭", "金川", "北坡", "柳林", "南沟", "大湾", "西岔", "枣园"];
const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "梁", "宋",
    "郑", "谢",
];
const GIVEN: [&str; 32] = [
    "建国", "志强", "海涛", "永刚", "文军", "国平", "立新", "红旗", "保华", "振宇", "德明", "春生", "金山", "宏伟", "卫东", "小龙", "庆丰",
    "树林", "兴旺", "学军", "长江", "少华", "晓峰", "国栋", "俊杰", "大勇", "世伟", "玉林", "永福", "光明", "继红", "新民",
];
const PANEL_NAMES: [&str; 4] = ["一采区", "二采区", "三采区", "四采区"];
const LEADER_TITLES: [&str; 5] = ["矿长", "总工程师", "安全副矿长", "生产副矿长", "机电副矿长"];

/// (longwalls, headings, panels) by mine index.
const SHAPES: [(usize, usize, usize); 6] = [(2, 3, 2), (3, 3, 2), (2, 4, 2), (3, 4, 2), (2, 3, 1), (3, 2, 2)];
const GRADES: [GasGrade; 6] = [GasGrade::High, GasGrade::Low, GasGrade::Outburst, GasGrade::High, GasGrade::Low, GasGrade::Outburst];

fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn methane_th(alarm: f64, cut: Option<f64>, restore: Option<f64>) -> Thresholds {
    Thresholds { alarm_high: Some(alarm), clear_high: Some(alarm), cut_high: cut, restore_high: restore, ..Thresholds::default() }
}

fn wind_th(low: Option<f64>, high: f64) -> Thresholds {
    Thresholds { alarm_high: Some(high), clear_high: Some(high), alarm_low: low, clear_low: low, ..Thresholds::default() }
}

fn high_th(alarm: f64) -> Thresholds {
    Thresholds { alarm_high: Some(alarm), clear_high: Some(alarm), ..Thresholds::default() }
}

/// Builds the point list of a mine.
struct Points<'a> {
    mine: &'a str,
    rng: &'a mut ChaCha8Rng,
    points: Vec<SimPoint>,
    substations: u32,
    serials: Vec<(u16, u32)>,
    /// Substation the next points hang on.
    current_substation: String,
}

impl Points<'_> {
    fn serial(&mut self, st: SensorType) -> u32 {
        match self.serials.iter_mut().find(|(t, _)| *t == st.0) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.serials.push((st.0, 1));
                1
            }
        }
    }

    fn coords(&mut self) -> (Option<f64>, Option<f64>, Option<f64>) {
        let x = r2(self.rng.random_range(2800.0..4200.0));
        let y = r2(self.rng.random_range(900.0..1800.0));
        let z = r2(self.rng.random_range(-460.0..-380.0));
        (Some(x), Some(y), Some(z))
    }

    /// A substation (分站, DT 4001); the following points hang on it.
    fn substation(&mut self, location: &str) -> usize {
        self.substations += 1;
        let code = format!("{}01DT4001{:04}", self.mine, self.substations);
        self.current_substation = code.clone();
        self.push(
            SensorType::SUBSTATION,
            ValueKind::MultiState,
            "",
            format!("{location}分站"),
            Model::Const(1.0),
            None,
            Thresholds::default(),
            code,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        st: SensorType,
        kind: ValueKind,
        unit: &str,
        location: String,
        model: Model,
        class: Option<LocationClass>,
        thresholds: Thresholds,
        code: String,
    ) -> usize {
        let (x, y, z) = self.coords();
        let (range_high, range_low) = match st {
            SensorType::METHANE => (Some(4.0), Some(0.0)),
            SensorType::CO => (Some(1000.0), Some(0.0)),
            SensorType::WIND_SPEED => (Some(15.0), Some(0.0)),
            SensorType::TEMPERATURE => (Some(40.0), Some(0.0)),
            SensorType::O2 => (Some(25.0), Some(0.0)),
            SensorType(6) => (Some(5000.0), Some(0.0)),
            _ => (None, None),
        };
        let (on, off) = match st.0 {
            1001 | 1004 | 1010 => ("开", "停"),
            1003 => ("有风", "无风"),
            1008 => ("有烟雾", "无烟雾"),
            1011 => ("有电", "无电"),
            1015 => ("开", "关"),
            4001 => ("正常", "故障"),
            _ => ("", ""),
        };
        let decimals = match st {
            SensorType::METHANE | SensorType::WIND_SPEED => 2,
            SensorType::TEMPERATURE | SensorType::O2 => 1,
            _ => 0,
        };
        let def = PointDef {
            code,
            system: "01".into(),
            substation: self.current_substation.clone(),
            sensor_type: st,
            kind,
            unit: unit.into(),
            range_high,
            range_low,
            thresholds,
            on_label: on.into(),
            off_label: off.into(),
            location,
            x,
            y,
            z,
            relations: vec![],
            time: None,
        };
        self.points.push(SimPoint { def, name: st.name(), model, face: None, panel: None, class, cuts: vec![], decimals });
        self.points.len() - 1
    }

    fn analog(&mut self, st: SensorType, location: String, model: Model, class: LocationClass, th: Thresholds) -> usize {
        let unit = match st {
            SensorType::METHANE => "%CH4",
            SensorType::CO => "ppm",
            SensorType::WIND_SPEED => "m/s",
            SensorType::TEMPERATURE => "℃",
            SensorType::O2 => "%",
            _ => "Pa",
        };
        let serial = self.serial(st);
        let code = format!("{}01MN{:04}{serial:04}", self.mine, st.0);
        self.push(st, ValueKind::Analog, unit, location, model, Some(class), th, code)
    }

    fn binary(&mut self, st: SensorType, location: String, model: Model) -> usize {
        let serial = self.serial(st);
        let code = format!("{}01KG{:04}{serial:04}", self.mine, st.0);
        self.push(st, ValueKind::Binary, "", location, model, None, Thresholds::default(), code)
    }

    /// Declares that `sensor` cuts the power of `feeder` (CDDY field 23 `D-<feeder>`).
    fn cuts(&mut self, sensor: usize, feeder: usize) {
        let code = self.points[feeder].def.code.clone();
        self.points[sensor].def.relations.push(Relation { kind: RelationKind::PowerCut, point: code, device: None, controller: None });
        self.points[sensor].cuts.push(feeder);
    }
}

fn person_name(i: usize) -> String {
    format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[(i * 7 + i / SURNAMES.len()) % GIVEN.len()])
}

fn round_up10(v: f64) -> u32 {
    ((v / 10.0).ceil() * 10.0) as u32
}

impl MineModel {
    /// The 12-digit code of mine `index` (0-based): a fictional county 999901… (three mines a county) + a 6-digit sequence (index + 1).
    pub fn code_of(index: usize) -> String {
        format!("{}{:06}", 999_901 + index / 3, index + 1)
    }

    pub fn build(seed: u64, index: usize) -> Result<MineModel, SimError> {
        let mut rng = rng(seed, &[index as u64, stream::LAYOUT]);
        let code = Self::code_of(index);
        let mine_code = MineCode::parse(&code).map_err(|e| SimError::Config(format!("mine #{}: {e}", index + 1)))?;
        let name = format!("虚构{}煤矿", MINE_NAMES[index % MINE_NAMES.len()]);
        let (n_long, n_head, n_panels) = SHAPES[index % SHAPES.len()];
        let grade = GRADES[index % GRADES.len()];
        // Gas level of the coal seam: higher in high-gas and outburst mines.
        let (gas_base, gas_gain) = match grade {
            GasGrade::Low => (0.10, 0.10),
            GasGrade::High => (0.22, 0.15),
            GasGrade::Outburst => (0.28, 0.18),
        };
        let mut areas: Vec<Area> = Vec::new();
        let mut stations: Vec<StationModel> = Vec::new();
        let add_area = |areas: &mut Vec<Area>, kind: AreaKind, quota: Option<u32>, name: String| {
            areas.push(Area { kind, code: format!("{code}{:04}", areas.len() + 1), quota, name });
            areas.len() - 1
        };
        let add_station = |stations: &mut Vec<StationModel>, areas: &Vec<Area>, rng: &mut ChaCha8Rng, area: usize, name: String| {
            let n = stations.iter().filter(|s| s.area == area).count() + 1;
            let station = Station {
                code: format!("{}{:06}", areas[area].code, n * 10),
                name: format!("{name}基站"),
                x: Some(r2(rng.random_range(2800.0..4200.0))),
                y: Some(r2(rng.random_range(900.0..1800.0))),
                z: Some(r2(rng.random_range(-460.0..-380.0))),
                description: name,
                time: None,
            };
            stations.push(StationModel { station, area });
            stations.len() - 1
        };

        // Quotas of the big areas are set once the headcount is known.
        let mouth_area = add_area(&mut areas, AreaKind::ShaftMouth, None, "副井井口".into());
        let yard_area = add_area(&mut areas, AreaKind::Other, None, "井底车场".into());
        let roadway_area = add_area(&mut areas, AreaKind::Other, None, "主要运输大巷".into());
        let chamber_area = add_area(&mut areas, AreaKind::Other, Some(12), "中央变电所".into());
        let mouth = add_station(&mut stations, &areas, &mut rng, mouth_area, "副井井口".into());
        let yard = add_station(&mut stations, &areas, &mut rng, yard_area, "井底车场".into());
        let roadway = add_station(&mut stations, &areas, &mut rng, roadway_area, "主要运输大巷".into());
        let chamber = add_station(&mut stations, &areas, &mut rng, chamber_area, "中央变电所".into());

        let mut pts =
            Points { mine: &code, rng: &mut rng, points: vec![], substations: 0, serials: vec![], current_substation: String::new() };

        // Main ventilation and surface-connected points.
        pts.substation("中央变电所");
        let main_return_ch4 = pts.analog(
            SensorType::METHANE,
            "总回风巷".into(),
            Model::Methane { base: gas_base * 0.6, gain: 0.0, cap: 0.45 },
            LocationClass::MainReturn,
            methane_th(0.75, None, None),
        );
        pts.analog(SensorType::CO, "总回风巷".into(), Model::Co { base: 2.0, cap: 8.0 }, LocationClass::MainReturn, high_th(24.0));
        pts.analog(
            SensorType::WIND_SPEED,
            "总回风巷测风站".into(),
            Model::Wind { base: 2.6 },
            LocationClass::MainReturn,
            wind_th(None, 8.0),
        );
        pts.analog(SensorType::TEMPERATURE, "总回风巷".into(), Model::Temp { base: 22.5 }, LocationClass::MainReturn, high_th(26.0));
        pts.binary(SensorType::MAIN_FAN, "主要通风机1号".into(), Model::Const(1.0));
        pts.binary(SensorType::MAIN_FAN, "主要通风机2号(备用)".into(), Model::Const(0.0));
        pts.analog(
            SensorType(6),
            "主要通风机风硐".into(),
            Model::Pressure { base: 2150.0 },
            LocationClass::MainReturn,
            Thresholds::default(),
        );
        pts.analog(
            SensorType::O2,
            "副井井底进风".into(),
            Model::O2 { base: 20.8 },
            LocationClass::MainIntake,
            Thresholds { alarm_low: Some(20.0), clear_low: Some(20.0), ..Thresholds::default() },
        );
        pts.analog(SensorType::WIND_SPEED, "主要进风巷".into(), Model::Wind { base: 2.2 }, LocationClass::MainIntake, wind_th(None, 8.0));
        pts.analog(SensorType::TEMPERATURE, "主要进风巷".into(), Model::Temp { base: 18.8 }, LocationClass::MainIntake, high_th(26.0));
        pts.analog(SensorType::TEMPERATURE, "中央变电所".into(), Model::Temp { base: 23.0 }, LocationClass::MachineChamber, high_th(30.0));
        pts.analog(
            SensorType::METHANE,
            "中央变电所".into(),
            Model::Methane { base: 0.03, gain: 0.0, cap: 0.1 },
            LocationClass::MachineChamber,
            methane_th(0.5, None, None),
        );
        pts.substation("主运输大巷");
        pts.analog(
            SensorType::METHANE,
            "井下煤仓".into(),
            Model::Methane { base: gas_base * 0.8, gain: 0.0, cap: 0.6 },
            LocationClass::CoalBunker,
            methane_th(1.5, Some(1.5), Some(1.5)),
        );
        pts.analog(
            SensorType::CO,
            "主运输大巷带式输送机".into(),
            Model::Co { base: 3.0, cap: 8.0 },
            LocationClass::BeltRoadway,
            high_th(24.0),
        );
        pts.binary(SensorType::SMOKE, "主运输大巷带式输送机机头".into(), Model::Const(0.0));
        pts.binary(SensorType::DEVICE_ON_OFF, "主运输大巷带式输送机".into(), Model::Const(1.0));
        pts.binary(SensorType::DEVICE_ON_OFF, "中央水泵房1号水泵".into(), Model::Const(1.0));
        pts.analog(
            SensorType::WIND_SPEED,
            "主运输大巷".into(),
            Model::Wind { base: 1.9 },
            LocationClass::BeltRoadway,
            wind_th(Some(0.25), 6.0),
        );

        // Panels.
        let mut panels = Vec::new();
        let mut panel_return_ch4 = Vec::new();
        for p in 0..n_panels {
            let pname = PANEL_NAMES[p % PANEL_NAMES.len()].to_string();
            pts.substation(&format!("{pname}回风巷"));
            let ch4 = pts.analog(
                SensorType::METHANE,
                format!("{pname}回风巷"),
                Model::Methane { base: gas_base * 0.8, gain: gas_gain * 0.4, cap: 0.55 },
                LocationClass::PanelReturn,
                methane_th(1.0, Some(1.0), Some(1.0)),
            );
            pts.points[ch4].panel = Some(p);
            pts.analog(
                SensorType::CO,
                format!("{pname}回风巷"),
                Model::Co { base: 2.0, cap: 8.0 },
                LocationClass::PanelReturn,
                high_th(24.0),
            );
            pts.analog(
                SensorType::WIND_SPEED,
                format!("{pname}回风巷测风站"),
                Model::Wind { base: 2.0 },
                LocationClass::PanelReturn,
                wind_th(Some(0.25), 6.0),
            );
            pts.analog(
                SensorType::TEMPERATURE,
                format!("{pname}回风巷"),
                Model::Temp { base: 22.0 },
                LocationClass::PanelReturn,
                high_th(26.0),
            );
            let feeder = pts.binary(SensorType::FEED, format!("{pname}回风巷馈电"), Model::Feeder);
            pts.cuts(ch4, feeder);
            pts.analog(
                SensorType::WIND_SPEED,
                format!("{pname}轨道上山"),
                Model::Wind { base: 1.7 },
                LocationClass::OtherRoadway,
                wind_th(Some(0.15), 8.0),
            );
            panel_return_ch4.push(ch4);
            panels.push(PanelModel { name: pname, area: 0, station: 0, faces: vec![] });
        }

        // Faces: longwalls first, then headings, spread over the panels.
        let mut faces: Vec<FaceModel> = Vec::new();
        for f in 0..n_long + n_head {
            let longwall = f < n_long;
            let panel = f % n_panels;
            let id = format!("1{}0{}", panel + 2, f / n_panels + 1);
            let gb = r2(gas_base * pts.rng.random_range(0.85..1.15));
            let before = pts.points.len();
            let (name, t1, t2, co_return, feeder, feeders);
            let (mut aux_fan, mut duct, mut running) = (None, None, Vec::new());
            if longwall {
                name = format!("{id}综采工作面");
                pts.substation(&format!("{id}回风巷"));
                let face_feeder = pts.binary(SensorType::FEEDER, format!("{name}馈电器"), Model::Feeder);
                let return_feeder = pts.binary(SensorType::FEED, format!("{id}回风巷馈电"), Model::Feeder);
                let face_th = methane_th(1.0, Some(1.5), Some(1.0));
                let ret_th = methane_th(1.0, Some(1.0), Some(1.0));
                t1 = pts.analog(
                    SensorType::METHANE,
                    format!("{name}T1"),
                    Model::Methane { base: gb, gain: gas_gain, cap: 0.7 },
                    LocationClass::LongwallFace,
                    face_th,
                );
                let t0 = pts.analog(
                    SensorType::METHANE,
                    format!("{name}上隅角T0"),
                    Model::Methane { base: gb + 0.05, gain: gas_gain, cap: 0.75 },
                    LocationClass::ReturnCorner,
                    face_th,
                );
                t2 = pts.analog(
                    SensorType::METHANE,
                    format!("{id}回风巷T2"),
                    Model::Methane { base: gb * 0.85, gain: gas_gain * 0.7, cap: 0.6 },
                    LocationClass::LongwallReturn,
                    ret_th,
                );
                let shearer = pts.analog(
                    SensorType::METHANE,
                    format!("{id}采煤机"),
                    Model::Methane { base: gb, gain: gas_gain * 1.1, cap: 0.7 },
                    LocationClass::Shearer,
                    face_th,
                );
                let mut cutters = vec![t1, t0, t2, shearer];
                if grade != GasGrade::Low {
                    cutters.push(pts.analog(
                        SensorType::METHANE,
                        format!("{id}回风巷中部"),
                        Model::Methane { base: gb * 0.8, gain: gas_gain * 0.6, cap: 0.6 },
                        LocationClass::LongwallReturn,
                        ret_th,
                    ));
                }
                if grade == GasGrade::Outburst {
                    cutters.push(pts.analog(
                        SensorType::METHANE,
                        format!("{id}进风巷"),
                        Model::Methane { base: 0.04, gain: 0.0, cap: 0.15 },
                        LocationClass::LongwallIntake,
                        methane_th(0.5, Some(0.5), Some(0.5)),
                    ));
                }
                for &c in &cutters {
                    pts.cuts(c, face_feeder);
                    pts.cuts(c, return_feeder);
                    pts.points[c].face = Some(f);
                }
                co_return = pts.analog(
                    SensorType::CO,
                    format!("{id}回风巷"),
                    Model::Co { base: 2.5, cap: 8.0 },
                    LocationClass::LongwallReturn,
                    high_th(24.0),
                );
                pts.analog(
                    SensorType::CO,
                    format!("{name}上隅角"),
                    Model::Co { base: 3.0, cap: 8.0 },
                    LocationClass::ReturnCorner,
                    high_th(24.0),
                );
                pts.analog(
                    SensorType::WIND_SPEED,
                    format!("{id}回风巷测风站"),
                    Model::Wind { base: 1.8 },
                    LocationClass::LongwallReturn,
                    wind_th(Some(0.25), 6.0),
                );
                pts.analog(SensorType::TEMPERATURE, name.clone(), Model::Temp { base: 23.0 }, LocationClass::LongwallFace, high_th(26.0));
                pts.analog(
                    SensorType::TEMPERATURE,
                    format!("{id}回风巷"),
                    Model::Temp { base: 22.5 },
                    LocationClass::LongwallReturn,
                    high_th(26.0),
                );
                pts.substation(&format!("{id}运输巷"));
                pts.analog(
                    SensorType::O2,
                    format!("{id}进风巷"),
                    Model::O2 { base: 20.7 },
                    LocationClass::LongwallIntake,
                    Thresholds { alarm_low: Some(20.0), clear_low: Some(20.0), ..Thresholds::default() },
                );
                pts.analog(
                    SensorType::WIND_SPEED,
                    format!("{id}进风巷"),
                    Model::Wind { base: 1.6 },
                    LocationClass::LongwallIntake,
                    wind_th(Some(0.25), 6.0),
                );
                pts.analog(
                    SensorType::CO,
                    format!("{id}运输巷带式输送机"),
                    Model::Co { base: 3.5, cap: 8.0 },
                    LocationClass::BeltRoadway,
                    high_th(24.0),
                );
                pts.binary(SensorType::SMOKE, format!("{id}运输巷带式输送机机头"), Model::Const(0.0));
                for dev in ["采煤机", "刮板输送机", "转载机", "运输巷带式输送机"] {
                    let d = pts.binary(SensorType::DEVICE_ON_OFF, format!("{id}{dev}"), Model::Running);
                    pts.points[d].face = Some(f);
                    running.push(d);
                }
                feeder = face_feeder;
                feeders = vec![face_feeder, return_feeder];
            } else {
                name = format!("{id}掘进工作面");
                pts.substation(&name);
                let face_feeder = pts.binary(SensorType::FEEDER, format!("{name}馈电器"), Model::Feeder);
                t1 = pts.analog(
                    SensorType::METHANE,
                    format!("{name}T1"),
                    Model::Methane { base: gb, gain: gas_gain * 0.9, cap: 0.7 },
                    LocationClass::HeadingFace,
                    methane_th(1.0, Some(1.5), Some(1.0)),
                );
                t2 = pts.analog(
                    SensorType::METHANE,
                    format!("{name}回风流"),
                    Model::Methane { base: gb * 0.85, gain: gas_gain * 0.6, cap: 0.6 },
                    LocationClass::HeadingReturn,
                    methane_th(1.0, Some(1.0), Some(1.0)),
                );
                let rh = pts.analog(
                    SensorType::METHANE,
                    format!("{id}掘进机"),
                    Model::Methane { base: gb, gain: gas_gain, cap: 0.7 },
                    LocationClass::Roadheader,
                    methane_th(1.0, Some(1.5), Some(1.0)),
                );
                for c in [t1, t2, rh] {
                    pts.cuts(c, face_feeder);
                    pts.points[c].face = Some(f);
                }
                co_return = pts.analog(
                    SensorType::CO,
                    format!("{name}回风流"),
                    Model::Co { base: 2.0, cap: 8.0 },
                    LocationClass::HeadingReturn,
                    high_th(24.0),
                );
                pts.analog(
                    SensorType::WIND_SPEED,
                    format!("{name}回风流"),
                    Model::Wind { base: 1.2 },
                    LocationClass::HeadingReturn,
                    wind_th(Some(0.25), 4.0),
                );
                pts.analog(SensorType::TEMPERATURE, name.clone(), Model::Temp { base: 23.5 }, LocationClass::HeadingFace, high_th(26.0));
                aux_fan = Some(pts.binary(SensorType::AUX_FAN, format!("{name}局部通风机(主)"), Model::Const(1.0)));
                pts.binary(SensorType::AUX_FAN, format!("{name}局部通风机(备)"), Model::Const(0.0));
                duct = Some(pts.binary(SensorType(1003), format!("{name}风筒"), Model::Const(1.0)));
                let d = pts.binary(SensorType::DEVICE_ON_OFF, format!("{id}掘进机"), Model::Running);
                pts.points[d].face = Some(f);
                running.push(d);
                feeder = face_feeder;
                feeders = vec![face_feeder];
            }
            let run = pts.rng.random_range(50..80) * 60;
            let stop = pts.rng.random_range(15..30) * 60;
            let phase = pts.rng.random_range(0..run + stop);
            let crew = if longwall {
                [pts.rng.random_range(12..=15), pts.rng.random_range(15..=18), pts.rng.random_range(12..=15)]
            } else {
                [pts.rng.random_range(6..=8), pts.rng.random_range(7..=9), pts.rng.random_range(6..=8)]
            };
            let points: Vec<usize> = (before..pts.points.len()).collect();
            panels[panel].faces.push(f);
            faces.push(FaceModel {
                id,
                name,
                longwall,
                panel,
                area: 0,
                stations: [0, 0],
                t1,
                co_return,
                feeder,
                t2,
                aux_fan,
                duct,
                running,
                run,
                stop,
                phase,
                crew,
                points,
                feeders,
            });
        }
        let points = pts.points;

        // Positioning areas of panels, faces and the restricted goaf seal.
        for panel in panels.iter_mut() {
            let max_crews: u32 = panel.faces.iter().map(|&f| faces[f].crew.iter().copied().max().unwrap_or(0)).sum();
            let a = add_area(&mut areas, AreaKind::Other, Some(2 * max_crews + 20), format!("{}轨道巷", panel.name));
            panel.area = a;
            panel.station = add_station(&mut stations, &areas, &mut rng, a, format!("{}轨道巷", panel.name));
        }
        for face in faces.iter_mut() {
            let max = face.crew.iter().copied().max().unwrap_or(0);
            let a = add_area(&mut areas, AreaKind::Key, Some(2 * max + 10), face.name.clone());
            face.area = a;
            let (ends, heads) = if face.longwall { ("机头", "机尾") } else { ("迎头", "后配套") };
            face.stations[0] = add_station(&mut stations, &areas, &mut rng, a, format!("{}{ends}", face.name));
            face.stations[1] = add_station(&mut stations, &areas, &mut rng, a, format!("{}{heads}", face.name));
        }
        let restricted_area = add_area(&mut areas, AreaKind::Restricted, Some(0), format!("{}采空区密闭处", panels[0].name));
        let restricted_station = add_station(&mut stations, &areas, &mut rng, restricted_area, format!("{}采空区密闭外5m", panels[0].name));

        // Workforce: face crews, roadway staff and gas inspectors on each shift, leaders, contractors.
        let mut people: Vec<PersonModel> = Vec::new();
        let add_person =
            |people: &mut Vec<PersonModel>, role: Role, shift: usize, job: &str, title: Option<&str>, team: &str, special: bool| {
                let n = people.len();
                let person = Person {
                    card: format!("{code}{:05}", n + 1),
                    name: person_name(n + index * 13),
                    job: (!job.is_empty()).then(|| job.to_string()),
                    title: title.map(str::to_string),
                    team: team.to_string(),
                    birth: format!("{}-{:02}-01", 1968 + (n * 7) % 32, 1 + n % 12),
                    education: String::new(),
                    is_leader: matches!(role, Role::Leader(_)),
                    is_special: special,
                };
                people.push(PersonModel { person, role, shift });
            };
        let mut crew_total = [0u32; 3];
        for (f, face) in faces.iter().enumerate() {
            let team = if face.longwall { format!("综采{}队", f + 1) } else { format!("掘进{}队", f + 1 - n_long) };
            for (s, total) in crew_total.iter_mut().enumerate() {
                for k in 0..face.crew[s] {
                    let (job, special) = match (face.longwall, k) {
                        (_, 0) => ("班长", false),
                        (_, 1) => ("瓦斯检查工", true),
                        (_, 2) => ("电工", true),
                        (true, 3) => ("采煤机司机", true),
                        (true, 4) => ("输送机司机", false),
                        (true, _) => ("液压支架工", false),
                        (false, 3) => ("掘进机司机", true),
                        (false, _) => ("锚杆支护工", false),
                    };
                    let title = (k == 0).then_some("班长");
                    add_person(&mut people, Role::Face(f), s, job, title, &team, special);
                }
                *total += face.crew[s];
            }
        }
        let roadway_posts = [
            (yard, "信号工"),
            (yard, "把钩工"),
            (roadway, "电机车司机"),
            (roadway, "带式输送机司机"),
            (roadway, "带式输送机司机"),
            (chamber, "变电所值班电工"),
            (chamber, "水泵司机"),
        ];
        for (s, total) in crew_total.iter_mut().enumerate() {
            for &(station, job) in &roadway_posts {
                add_person(&mut people, Role::Roadway(station), s, job, None, "机运队", job.contains("电工") || job.contains("司机"));
            }
            for n in 0..3 {
                add_person(&mut people, Role::Ventilation(n), s, if n == 2 { "测风工" } else { "瓦斯检查工" }, None, "通风队", true);
            }
            *total += roadway_posts.len() as u32 + 3 + 1;
        }
        let leaders = LEADER_TITLES.len();
        for (n, title) in LEADER_TITLES.iter().enumerate() {
            add_person(&mut people, Role::Leader(n), 0, "", Some(title), "矿领导", false);
        }
        // Approved headcount (核定下井人数): the busiest shift handover with a margin.
        let peak = (0..3).map(|s| crew_total[s] + crew_total[(s + 1) % 3]).max().unwrap_or(0);
        let approved_headcount = round_up10(peak as f64 * 1.25);
        let max_face_quota = areas.iter().filter(|a| a.kind == AreaKind::Key).filter_map(|a| a.quota).max().unwrap_or(0);
        let first_contractor = people.len();
        for _ in 0..approved_headcount + max_face_quota + 20 {
            add_person(&mut people, Role::Contractor, 0, "辅助工", None, "外委队", false);
        }
        areas[yard_area].quota = Some(approved_headcount);
        areas[roadway_area].quota = Some(approved_headcount);

        let mut model = MineModel {
            index,
            code: code.clone(),
            name,
            grade,
            points,
            faces,
            panels,
            areas,
            stations,
            people,
            approved_headcount,
            leaders,
            mouth,
            yard,
            roadway,
            chamber,
            restricted_area,
            restricted_station,
            info: MineInfo::new(mine_code.clone()),
            first_contractor,
        };
        model.info = model.registry_entry(mine_code, main_return_ch4, &panel_return_ch4);
        Ok(model)
    }

    /// The registry entry; authorisations are added by the planner.
    fn registry_entry(&self, code: MineCode, main_return_ch4: usize, panel_return_ch4: &[usize]) -> MineInfo {
        let at = |y, m, d| Timestamp::from_beijing(y, m, d, 0, 0, 0).unwrap_or_default();
        let mut info = MineInfo::new(code);
        info.name = self.name.clone();
        info.kind = Some(MineKind::CoalUnderground);
        info.jurisdiction = Some(self.code[..6].to_string());
        info.approved_capacity_tpa = Some(if self.faces.iter().filter(|f| f.longwall).count() >= 3 { 1_800_000.0 } else { 1_200_000.0 });
        info.approved_headcount = Some(self.approved_headcount);
        info.gas_grade = Some(self.grade);
        info.hydro_class = Some(match self.index % 2 {
            0 => HydroClass::Medium,
            _ => HydroClass::Simple,
        });
        info.status_history = vec![StatusPeriod { status: MineStatus::Producing, from: at(2015, 1, 1), to: None }];
        let phone = |n: usize| format!("0000-{:07}", self.index * 100 + n);
        info.principal = Some(Contact { name: self.leader_name(0), role: "矿长".into(), phone: phone(1) });
        info.duty_contacts = vec![
            Contact { name: self.leader_name(2), role: "安全副矿长".into(), phone: phone(2) },
            Contact { name: "调度室".into(), role: "调度值班".into(), phone: phone(3) },
        ];
        info.licences = vec![Licence {
            kind: "safety_production".into(),
            number: format!("（虚）MK安许证字〔{}〕", 2_024_000 + self.index),
            valid_from: at(2024, 1, 1),
            valid_to: at(2027, 12, 31),
        }];
        info.shifts = vec![
            Shift { name: "零点班".into(), start: "00:00".into(), end: "08:00".into(), producing: true },
            Shift { name: "八点班(检修)".into(), start: "08:00".into(), end: "16:00".into(), producing: false },
            Shift { name: "四点班".into(), start: "16:00".into(), end: "24:00".into(), producing: true },
        ];
        info.faces = self
            .faces
            .iter()
            .map(|f| Face {
                id: f.id.clone(),
                name: f.name.clone(),
                kind: if f.longwall { "longwall".into() } else { "heading".into() },
                areas: vec![self.areas[f.area].code.clone()],
                points: f.points.iter().map(|&p| self.points[p].def.code.clone()).collect(),
                feeders: f.feeders.iter().map(|&p| self.points[p].def.code.clone()).collect(),
            })
            .collect();
        info.points = self.points.iter().filter_map(|p| p.class.map(|class| PointEntry { code: p.def.code.clone(), class })).collect();
        info.air_paths = self
            .faces
            .iter()
            .filter(|f| f.longwall)
            .map(|f| {
                let by_class = |c: LocationClass| f.points.iter().copied().filter(move |&p| self.points[p].class == Some(c));
                let mut pts: Vec<usize> = by_class(LocationClass::LongwallIntake).collect();
                pts.extend(by_class(LocationClass::LongwallFace));
                pts.extend(by_class(LocationClass::ReturnCorner));
                pts.extend(by_class(LocationClass::LongwallReturn));
                pts.push(panel_return_ch4[f.panel]);
                pts.push(main_return_ch4);
                AirPath {
                    name: format!("{}通风系统", f.name),
                    points: pts.into_iter().map(|p| self.points[p].def.code.clone()).collect(),
                    areas: vec![self.areas[self.panels[f.panel].area].code.clone(), self.areas[f.area].code.clone()],
                }
            })
            .collect();
        info.areas = self
            .areas
            .iter()
            .map(|a| AreaEntry { code: a.code.clone(), rock_burst_level: Some("none".into()), water_zone: Some("minable".into()) })
            .collect();
        info.overtime_hours = Some(12.0);
        info
    }

    fn leader_name(&self, n: usize) -> String {
        self.people.iter().find(|p| p.role == Role::Leader(n)).map(|p| p.person.name.clone()).unwrap_or_default()
    }

    /// Adds a restricted-area authorisation to the registry.
    pub fn authorise(&mut self, person: usize, from: Timestamp, to: Timestamp, reason: &str) {
        self.info.authorisations.push(Authorisation {
            card: self.people[person].person.card.clone(),
            area: self.areas[self.restricted_area].code.clone(),
            from,
            to,
            reason: reason.into(),
        });
    }

    /// CDDY (测点基本信息) with the 7-field system header.
    pub fn cddy(&mut self, t: Timestamp) -> (String, usize) {
        let time = t.upload_format();
        let mut w =
            UploadWriter::with_header(&[&self.code, &self.name, "KJ95X", "煤矿安全监控系统", "虚构监控设备厂", "2028-12-31", &time]);
        for p in &mut self.points {
            p.def.time = Some(t);
            w.record(&p.def);
        }
        (w.finish(), self.points.len())
    }

    /// FZSS (分站实时数据): every substation communicating (0) and on mains power (1).
    /// No injection takes a substation down, so the state never changes and the
    /// regular cadence carries it; a point silenced by an injection therefore
    /// hangs on a substation that FZSS shows up.
    pub fn fzss(&self, t: Timestamp) -> (String, usize) {
        let mut w = UploadWriter::new(&self.code, &self.name, t);
        let mut n = 0;
        for p in self.points.iter().filter(|p| p.def.sensor_type == SensorType::SUBSTATION) {
            w.record(&SubstationState { code: p.def.code.clone(), run: LinkState::Normal, supply: SupplyState::Ac, time: Some(t) });
            n += 1;
        }
        (w.finish(), n)
    }

    /// RYQY (区域信息).
    pub fn ryqy(&self, t: Timestamp) -> (String, usize) {
        let mut w = UploadWriter::new(&self.code, &self.name, t);
        for a in &self.areas {
            w.record(a);
        }
        (w.finish(), self.areas.len())
    }

    /// RYJZ (基站信息).
    pub fn ryjz(&self, t: Timestamp) -> (String, usize) {
        let mut w = UploadWriter::new(&self.code, &self.name, t);
        for s in &self.stations {
            w.record(&s.station);
        }
        (w.finish(), self.stations.len())
    }

    /// RYXX (人员信息) with the 8-field header carrying the approved headcount.
    pub fn ryxx(&self, t: Timestamp) -> (String, usize) {
        let time = t.upload_format();
        let approved = self.approved_headcount.to_string();
        let mut w = UploadWriter::with_header(&[
            &self.code,
            &self.name,
            &approved,
            "KJ236",
            "煤矿井下人员定位系统",
            "虚构定位设备厂",
            "2028-06-30",
            &time,
        ]);
        for p in &self.people {
            w.record(&p.person);
        }
        (w.finish(), self.people.len())
    }

    /// Beijing midnight of simulation day `day`, counted from the day of `start`.
    pub fn day_start(start: Timestamp, day: i64) -> Timestamp {
        Timestamp(start.0 - start.beijing_seconds_of_day() as i64 + day * DAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mines_have_100_to_150_points_and_compliant_thresholds() {
        for i in 0..6 {
            let m = MineModel::build(7, i).unwrap();
            let n = m.points.len();
            assert!((100..=150).contains(&n), "mine {i}: {n} points");
            for p in &m.points {
                let th = p.def.thresholds;
                if p.def.sensor_type == SensorType::METHANE {
                    let alarm = th.alarm_high.unwrap();
                    match p.class.unwrap() {
                        LocationClass::LongwallFace
                        | LocationClass::ReturnCorner
                        | LocationClass::HeadingFace
                        | LocationClass::Shearer
                        | LocationClass::Roadheader => {
                            assert_eq!((alarm, th.cut_high, th.restore_high), (1.0, Some(1.5), Some(1.0)), "{}", p.def.location)
                        }
                        LocationClass::LongwallReturn | LocationClass::HeadingReturn | LocationClass::PanelReturn => {
                            assert_eq!((alarm, th.cut_high, th.restore_high), (1.0, Some(1.0), Some(1.0)), "{}", p.def.location)
                        }
                        LocationClass::MainReturn => assert_eq!(alarm, 0.75),
                        _ => assert!(alarm <= 1.5),
                    }
                }
                if p.def.sensor_type == SensorType::CO {
                    assert_eq!(th.alarm_high, Some(24.0));
                }
            }
            // Codes are unique and follow the <mine>01MN0001xxxx convention.
            let mut codes: Vec<&str> = m.points.iter().map(|p| p.def.code.as_str()).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), n);
            assert!(m.points.iter().any(|p| p.def.code == format!("{}01MN00010001", m.code)));
            assert_eq!(m.info.points.len(), m.points.iter().filter(|p| p.class.is_some()).count());
        }
    }

    #[test]
    fn codes_and_areas() {
        assert_eq!(MineModel::code_of(0), "999901000001");
        assert_eq!(MineModel::code_of(4), "999902000005");
        let m = MineModel::build(1, 0).unwrap();
        assert!(m.areas.iter().all(|a| a.code.len() == 16 && a.code.starts_with(&m.code)));
        assert!(m.stations.iter().all(|s| s.station.code.len() == 22 && s.station.code.starts_with(&m.areas[s.area].code)));
        assert!(m.people.iter().all(|p| p.person.card.len() == 17));
        assert_eq!(m.areas.iter().filter(|a| a.kind == AreaKind::Restricted).count(), 1);
        assert_eq!(m.people.iter().filter(|p| p.person.is_leader).count(), 5);
    }
}
