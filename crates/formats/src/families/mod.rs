//! The file families of the national formats, one module each.

use minesafe_model::Generation;

use crate::error::FileError;

pub mod cddy;
pub mod cdss;
pub mod fzdy;
pub mod fzss;
pub mod g1_cddy;
pub mod g1_sssj;
pub mod jzss;
pub mod person_alarm;
pub mod rycs;
pub mod rycy;
pub mod ryjz;
pub mod ryqj;
pub mod ryqy;
pub mod ryss;
pub mod ryxx;
pub mod ryxz;
#[cfg(test)]
pub(crate) mod testutil;
pub mod tjsj;
pub mod ycbj;

/// A file family, dispatched on (generation, type code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// 分站基本信息 substation definitions.
    Fzdy,
    /// 分站实时数据 substation state.
    Fzss,
    /// 测点基本信息 point definitions.
    Cddy,
    /// 测点实时数据 real-time values (snapshot).
    Cdss,
    /// 测点统计信息 interval statistics.
    Tjsj,
    /// 测点异常信息 abnormal events.
    Ycbj,
    /// 区域信息 areas.
    Ryqy,
    /// 基站信息 stations.
    Ryjz,
    /// 人员信息 people.
    Ryxx,
    /// 人员实时信息 positions (snapshot).
    Ryss,
    /// 基站实时状态 station state.
    Jzss,
    /// 超时报警 overtime alarms (G2 meaning).
    Rycs,
    /// 超员报警 over-quota alarms.
    Rycy,
    /// 进入限制区域报警 restricted-area alarms.
    Ryxz,
    /// 人员求救 SOS.
    Ryqj,
    /// Legacy G1 point definitions.
    G1Cddy,
    /// Legacy G1 real-time values (实时数据).
    G1Sssj,
}

impl Family {
    pub const G2: [Family; 15] = [
        Family::Fzdy,
        Family::Fzss,
        Family::Cddy,
        Family::Cdss,
        Family::Tjsj,
        Family::Ycbj,
        Family::Ryqy,
        Family::Ryjz,
        Family::Ryxx,
        Family::Ryss,
        Family::Jzss,
        Family::Rycs,
        Family::Rycy,
        Family::Ryxz,
        Family::Ryqj,
    ];

    pub fn from_type(generation: Generation, kind: &str) -> Result<Family, FileError> {
        match generation {
            Generation::G2 => {
                Family::G2.into_iter().find(|f| f.type_code() == kind).ok_or_else(|| FileError::UnknownType(kind.to_string()))
            }
            Generation::G1 => match kind {
                "CDDY" => Ok(Family::G1Cddy),
                "SSSJ" => Ok(Family::G1Sssj),
                other => Err(FileError::LegacyG1(format!("{other} files of the legacy format are not read; only CDDY and SSSJ"))),
            },
        }
    }

    /// The type code written in file names.
    pub fn type_code(self) -> &'static str {
        match self {
            Family::Fzdy => "FZDY",
            Family::Fzss => "FZSS",
            Family::Cddy | Family::G1Cddy => "CDDY",
            Family::Cdss => "CDSS",
            Family::Tjsj => "TJSJ",
            Family::Ycbj => "YCBJ",
            Family::Ryqy => "RYQY",
            Family::Ryjz => "RYJZ",
            Family::Ryxx => "RYXX",
            Family::Ryss => "RYSS",
            Family::Jzss => "JZSS",
            Family::Rycs => "RYCS",
            Family::Rycy => "RYCY",
            Family::Ryxz => "RYXZ",
            Family::Ryqj => "RYQJ",
            Family::G1Sssj => "SSSJ",
        }
    }

    /// Every family this crate reads, G2 then legacy G1.
    pub const ALL: [Family; 17] = [
        Family::Fzdy,
        Family::Fzss,
        Family::Cddy,
        Family::Cdss,
        Family::Tjsj,
        Family::Ycbj,
        Family::Ryqy,
        Family::Ryjz,
        Family::Ryxx,
        Family::Ryss,
        Family::Jzss,
        Family::Rycs,
        Family::Rycy,
        Family::Ryxz,
        Family::Ryqj,
        Family::G1Cddy,
        Family::G1Sssj,
    ];

    /// The legacy G1 families, whose header has no mine code.
    pub fn is_legacy(self) -> bool {
        matches!(self, Family::G1Cddy | Family::G1Sssj)
    }

    /// Safety monitoring (安全监控) or personnel positioning (人员定位).
    pub fn is_positioning(self) -> bool {
        matches!(
            self,
            Family::Ryqy
                | Family::Ryjz
                | Family::Ryxx
                | Family::Ryss
                | Family::Jzss
                | Family::Rycs
                | Family::Rycy
                | Family::Ryxz
                | Family::Ryqj
        )
    }
}
