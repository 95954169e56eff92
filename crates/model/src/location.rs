//! Location classes (设置地点) of monitoring points.
//!
//! The regulations set limits per place — a methane sensor at a longwall face has
//! other alarm and cut-off settings than one in the main return; a wind-speed limit
//! depends on the roadway. A point's class comes from the mine registry; when the
//! registry has none, the rules crate infers it from the location text and marks
//! the finding as inferred.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationClass {
    /// Longwall (coal-winning) face (采煤工作面), sensor T1.
    LongwallFace,
    /// Return corner of a longwall (上隅角 / 回风隅角), sensor T0.
    ReturnCorner,
    /// Longwall return roadway (采煤工作面回风巷), sensor T2.
    LongwallReturn,
    /// Longwall intake roadway (采煤工作面进风巷).
    LongwallIntake,
    /// Heading (development) face (掘进工作面).
    HeadingFace,
    /// Return air of a heading (掘进工作面回风流).
    HeadingReturn,
    /// District / panel return roadway (采区回风巷).
    PanelReturn,
    /// Wing return (一翼回风巷).
    WingReturn,
    /// Mine total return (总回风巷).
    MainReturn,
    /// Main intake roadway (主要进风巷).
    MainIntake,
    /// Machine-mounted sensor on a shearer (采煤机).
    Shearer,
    /// Machine-mounted sensor on a roadheader (掘进机).
    Roadheader,
    /// Belt-conveyor roadway (带式输送机巷).
    BeltRoadway,
    /// Electromechanical chamber (机电设备硐室).
    MachineChamber,
    /// Underground coal bunker (井下煤仓).
    CoalBunker,
    /// Any other ventilated roadway (其他通风人行巷道).
    OtherRoadway,
}

impl LocationClass {
    pub const ALL: [LocationClass; 16] = [
        Self::LongwallFace,
        Self::ReturnCorner,
        Self::LongwallReturn,
        Self::LongwallIntake,
        Self::HeadingFace,
        Self::HeadingReturn,
        Self::PanelReturn,
        Self::WingReturn,
        Self::MainReturn,
        Self::MainIntake,
        Self::Shearer,
        Self::Roadheader,
        Self::BeltRoadway,
        Self::MachineChamber,
        Self::CoalBunker,
        Self::OtherRoadway,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::LongwallFace => "longwall_face",
            Self::ReturnCorner => "return_corner",
            Self::LongwallReturn => "longwall_return",
            Self::LongwallIntake => "longwall_intake",
            Self::HeadingFace => "heading_face",
            Self::HeadingReturn => "heading_return",
            Self::PanelReturn => "panel_return",
            Self::WingReturn => "wing_return",
            Self::MainReturn => "main_return",
            Self::MainIntake => "main_intake",
            Self::Shearer => "shearer",
            Self::Roadheader => "roadheader",
            Self::BeltRoadway => "belt_roadway",
            Self::MachineChamber => "machine_chamber",
            Self::CoalBunker => "coal_bunker",
            Self::OtherRoadway => "other_roadway",
        }
    }

    pub fn from_id(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == s)
    }

    /// A working face in the sense of the regulations (采掘工作面): where people cut coal or drive roadways.
    pub fn is_working_face(self) -> bool {
        matches!(self, Self::LongwallFace | Self::ReturnCorner | Self::HeadingFace | Self::Shearer | Self::Roadheader)
    }

    /// A face or panel return (采区回风巷、采掘工作面回风巷): CSR-GAS-2 applies.
    pub fn is_face_or_panel_return(self) -> bool {
        matches!(self, Self::LongwallReturn | Self::HeadingReturn | Self::PanelReturn)
    }

    /// Main or wing return: CSR-GAS-1 applies.
    pub fn is_main_return(self) -> bool {
        matches!(self, Self::MainReturn | Self::WingReturn)
    }
}
