//! Personnel-positioning system (人员位置监测系统) types.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Area type (区域类型) of RYQY, written as text in real files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    /// 井口区域 shaft / adit mouth.
    ShaftMouth,
    /// 重点区域 key area (faces, dangerous places).
    Key,
    /// 限制区域 restricted area.
    Restricted,
    /// 其它区域 other.
    Other,
}

impl AreaKind {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "井口区域" => Self::ShaftMouth,
            "重点区域" => Self::Key,
            "限制区域" => Self::Restricted,
            "其它区域" | "其他区域" => Self::Other,
            _ => return None,
        })
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::ShaftMouth => "井口区域",
            Self::Key => "重点区域",
            Self::Restricted => "限制区域",
            Self::Other => "其它区域",
        }
    }
}

/// An area (区域) of RYQY.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub kind: AreaKind,
    /// 16 digits: mine code + 4.
    pub code: String,
    /// 区域核定人数; `None` or 0 = no quota set.
    pub quota: Option<u32>,
    pub name: String,
}

/// A reader station (基站) of RYJZ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Station {
    /// 22 digits: area code + 6.
    pub code: String,
    pub name: String,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub z: Option<f64>,
    pub description: String,
    pub time: Option<Timestamp>,
}

/// A person (人员) of RYXX.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// 人员卡编码, 17 digits.
    pub card: String,
    pub name: String,
    /// 工种; `None` for the placeholder 未设置.
    pub job: Option<String>,
    /// 职务.
    pub title: Option<String>,
    /// 队组/班组/部门.
    pub team: String,
    pub birth: String,
    pub education: String,
    /// 是否矿领导.
    pub is_leader: bool,
    /// 是否特种作业人员.
    pub is_special: bool,
}

/// 出入井标志 of RYSS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionState {
    /// 0 在井口
    AtMouth,
    /// 1 已入井
    Underground,
    /// 2 已出井
    Out,
}

impl PositionState {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "0" => Self::AtMouth,
            "1" => Self::Underground,
            "2" => Self::Out,
            _ => return None,
        })
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::AtMouth => "0",
            Self::Underground => "1",
            Self::Out => "2",
        }
    }
}

/// One person's position in an RYSS snapshot (人员实时信息).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub card: String,
    pub name: String,
    pub state: PositionState,
    /// 入井时刻.
    pub entered: Option<Timestamp>,
    /// 出井时刻.
    pub exited: Option<Timestamp>,
    pub area: Option<String>,
    pub area_since: Option<Timestamp>,
    pub station: Option<String>,
    pub station_since: Option<Timestamp>,
    /// 劳动组织方式, e.g. 三八制.
    pub shift_system: String,
    /// 距离基站距离 (m, signed).
    pub distance: Option<f64>,
    /// 人员工作状态 = 求救.
    pub sos: bool,
    pub is_leader: bool,
    pub is_special: bool,
    /// 行进轨迹: (station, time entered).
    pub track: Vec<(String, Timestamp)>,
}
