//! Safety-monitoring system (安全监控系统) types: point definitions, sensor types,
//! status bits, declared thresholds and relations.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Sensor type code (传感器类型), 4 digits, from the national code table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SensorType(pub u16);

impl SensorType {
    pub const METHANE: SensorType = SensorType(1);
    pub const WIND_SPEED: SensorType = SensorType(2);
    pub const TEMPERATURE: SensorType = SensorType(3);
    pub const CO: SensorType = SensorType(4);
    pub const H2S: SensorType = SensorType(9);
    pub const HIGH_LOW_METHANE: SensorType = SensorType(11);
    pub const O2: SensorType = SensorType(12);
    pub const CO2: SensorType = SensorType(13);
    pub const NO2: SensorType = SensorType(41);
    pub const SO2: SensorType = SensorType(42);
    pub const LASER_METHANE: SensorType = SensorType(43);
    pub const NH3: SensorType = SensorType(44);
    pub const AUX_FAN: SensorType = SensorType(1001);
    pub const DEVICE_ON_OFF: SensorType = SensorType(1004);
    pub const SMOKE: SensorType = SensorType(1008);
    pub const POWER_BREAKER: SensorType = SensorType(1009);
    pub const MAIN_FAN: SensorType = SensorType(1010);
    pub const FEEDER: SensorType = SensorType(1011);
    pub const FEED: SensorType = SensorType(1015);
    pub const OUTPUT: SensorType = SensorType(3001);
    pub const SUBSTATION: SensorType = SensorType(4001);

    /// Parses the 4-digit code; leading zeros may be missing.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().map(SensorType)
    }

    pub fn code(self) -> String {
        format!("{:04}", self.0)
    }

    /// Methane of any measuring principle (catalytic, high/low, laser).
    pub fn is_methane(self) -> bool {
        matches!(self, Self::METHANE | Self::HIGH_LOW_METHANE | Self::LASER_METHANE)
    }

    /// The Chinese name used in CDSS field 2 (传感器类型名称).
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "甲烷",
            2 => "风速",
            3 => "温度",
            4 => "一氧化碳",
            5 => "风压",
            6 => "负压",
            7 => "水池水位",
            8 => "煤位",
            9 => "硫化氢",
            10 => "水温度",
            11 => "高低浓度瓦斯",
            12 => "氧气",
            13 => "二氧化碳",
            14 => "粉尘",
            15 => "电压",
            16 => "频率",
            17 => "电流",
            18 => "湿度",
            19 => "风量",
            20 => "顶板离层位移",
            22 => "管道瓦斯",
            23 => "管道温度",
            25 => "管道压力",
            26 => "轴承温度",
            28 => "电机温度",
            36 => "混合瓦斯流量",
            37 => "纯瓦斯流量",
            38 => "管道一氧化碳",
            39 => "氢气",
            41 => "二氧化氮",
            42 => "二氧化硫",
            43 => "激光甲烷",
            44 => "氨气",
            1001 => "局部通风机",
            1002 => "风门",
            1003 => "风筒状态",
            1004 => "设备开停",
            1005 => "开关",
            1006 => "风向",
            1007 => "煤仓空满",
            1008 => "烟雾",
            1009 => "断电器",
            1010 => "主通风机",
            1011 => "馈电器",
            1012 => "声光报警器",
            1013 => "计量开停控制器",
            1014 => "控制量",
            1015 => "馈电",
            3001 => "产量",
            3002 => "瓦斯抽放量",
            3003 => "排水量",
            3004 => "钩数",
            3005 => "水流量",
            4001 | 3006 => "分站",
            4002 | 3007 => "电源状态",
            _ => "其他",
        }
    }
}

/// Value kind (数值类型) of a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ValueKind {
    /// 模拟量 analog (`MN`).
    Analog,
    /// 累计量 accumulator (`LJ`).
    Accumulator,
    /// 开关量 binary (`KG`).
    Binary,
    /// 多态量 multi-state (`DT`).
    MultiState,
}

impl ValueKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "MN" => Some(Self::Analog),
            "LJ" => Some(Self::Accumulator),
            "KG" => Some(Self::Binary),
            "DT" => Some(Self::MultiState),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Analog => "MN",
            Self::Accumulator => "LJ",
            Self::Binary => "KG",
            Self::MultiState => "DT",
        }
    }
}

/// Point status (测点状态), a bitmask; values combine by addition (3 = alarm + power cut).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Status(pub u16);

impl Status {
    pub const ALARM: u16 = 1;
    pub const POWER_CUT: u16 = 2;
    pub const CALIBRATION: u16 = 4;
    pub const OVER_RANGE: u16 = 8;
    pub const SUBSTATION_FAULT: u16 = 16;
    pub const NOT_POLLED: u16 = 32;
    pub const SUSPENDED: u16 = 64;
    pub const SENSOR_FAULT: u16 = 128;

    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    /// A reading that does not describe the air: calibration, faults, suspension.
    pub fn unreliable(self) -> bool {
        self.has(Self::CALIBRATION | Self::SUBSTATION_FAULT | Self::NOT_POLLED | Self::SUSPENDED | Self::SENSOR_FAULT)
    }

    /// English names of the set bits, for evidence.
    pub fn names(self) -> Vec<&'static str> {
        const NAMES: [(u16, &str); 8] = [
            (Status::ALARM, "alarm"),
            (Status::POWER_CUT, "power_cut"),
            (Status::CALIBRATION, "calibration"),
            (Status::OVER_RANGE, "over_range"),
            (Status::SUBSTATION_FAULT, "substation_fault"),
            (Status::NOT_POLLED, "not_polled"),
            (Status::SUSPENDED, "suspended"),
            (Status::SENSOR_FAULT, "sensor_fault"),
        ];
        NAMES.iter().filter(|(b, _)| self.has(*b)).map(|(_, n)| *n).collect()
    }
}

/// Thresholds a mine declares for a point in CDDY (fields 9–16). `None` = not set.
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Thresholds {
    /// 上限报警门限: alarm when value ≥ this.
    pub alarm_high: Option<f64>,
    /// 上限解报门限.
    pub clear_high: Option<f64>,
    /// 下限报警门限: for sensors with a lower limit (wind speed, O₂).
    pub alarm_low: Option<f64>,
    /// 下限解报门限.
    pub clear_low: Option<f64>,
    /// 上限断电门限: power cut when value ≥ this.
    pub cut_high: Option<f64>,
    /// 上限复电门限: power may return when value < this.
    pub restore_high: Option<f64>,
    /// 下限断电门限.
    pub cut_low: Option<f64>,
    /// 下限复电门限.
    pub restore_low: Option<f64>,
}

/// Relation code of CDDY field 23 (表 B.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RelationKind {
    /// B 闭锁 interlock.
    Interlock,
    /// G 关联风门 linked air door.
    AirDoor,
    /// K 控制 control.
    Control,
    /// H 保护 protection.
    Protection,
    /// Z 主备 main/standby.
    Standby,
    /// D 断电 power cut.
    PowerCut,
    /// T 调节 adjustment.
    Adjust,
}

impl RelationKind {
    pub fn parse(c: &str) -> Option<Self> {
        Some(match c {
            "B" => Self::Interlock,
            "G" => Self::AirDoor,
            "K" => Self::Control,
            "H" => Self::Protection,
            "Z" => Self::Standby,
            "D" => Self::PowerCut,
            "T" => Self::Adjust,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Interlock => "B",
            Self::AirDoor => "G",
            Self::Control => "K",
            Self::Protection => "H",
            Self::Standby => "Z",
            Self::PowerCut => "D",
            Self::Adjust => "T",
        }
    }
}

/// One relation of CDDY field 23: a controlled device and the point that controls it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    pub kind: RelationKind,
    /// The controlled device's point code (e.g. a feeder 馈电 point).
    pub point: String,
    /// Device name, when given (G2 syntax).
    pub device: Option<String>,
    /// The controlling point, when given (G2 syntax right-hand side).
    pub controller: Option<String>,
}

/// A measuring point as declared in CDDY (测点基本信息).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointDef {
    pub code: String,
    /// 系统编码: `01` safety monitoring, `02` gas drainage.
    pub system: String,
    pub substation: String,
    pub sensor_type: SensorType,
    pub kind: ValueKind,
    pub unit: String,
    pub range_high: Option<f64>,
    pub range_low: Option<f64>,
    pub thresholds: Thresholds,
    /// Label of state 1 (开描述) for binary points.
    pub on_label: String,
    /// Label of state 0 (停描述).
    pub off_label: String,
    /// 测点安装位置.
    pub location: String,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub z: Option<f64>,
    pub relations: Vec<Relation>,
    pub time: Option<Timestamp>,
}

/// A substation (分站) as declared in FZDY.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Substation {
    pub code: String,
    pub location: String,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub z: Option<f64>,
    pub time: Option<Timestamp>,
}

/// Running / supply state codes shared by FZSS and JZSS (表 B.8 / B.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    /// 0 通信正常
    Normal,
    /// 1 通信中断
    Interrupted,
    /// 2 故障
    Fault,
    /// 9 未知
    Unknown,
}

impl LinkState {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "0" => Self::Normal,
            "1" => Self::Interrupted,
            "2" => Self::Fault,
            "9" => Self::Unknown,
            _ => return None,
        })
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "0",
            Self::Interrupted => "1",
            Self::Fault => "2",
            Self::Unknown => "9",
        }
    }
}

/// Power supply state codes of FZSS / JZSS (表 B.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupplyState {
    /// 0 直流供电 (on battery)
    Dc,
    /// 1 交流供电
    Ac,
    /// 2 电源故障
    Fault,
    /// 9 未知
    Unknown,
}

impl SupplyState {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "0" => Self::Dc,
            "1" => Self::Ac,
            "2" => Self::Fault,
            "9" => Self::Unknown,
            _ => return None,
        })
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::Dc => "0",
            Self::Ac => "1",
            Self::Fault => "2",
            Self::Unknown => "9",
        }
    }
}

/// One real-time reading of a point, as the rules see it (from CDSS or G1 SSSJ).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading<'a> {
    pub point: &'a str,
    /// CDSS 传感器类型名称 (Chinese name), the fallback when no CDDY defined the point.
    pub sensor_name: &'a str,
    /// CDSS 测点安装位置.
    pub location: &'a str,
    pub unit: &'a str,
    pub value: Option<f64>,
    pub status: Status,
    pub time: Timestamp,
}
