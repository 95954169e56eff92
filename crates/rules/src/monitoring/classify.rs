//! What a point is and where it sits, when no definition or registry entry says so.
//!
//! CDSS carries the sensor type only as its Chinese name (传感器类型名称) and the
//! place only as free text (测点安装位置). These functions turn both into the
//! codes the tables use. They run once per point, never per reading.

use minesafe_model::{LocationClass, SensorType};

use crate::tables::Quantity;

/// Codes whose Chinese names CDSS may carry (the national code table).
const KNOWN_CODES: &[u16] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 23, 25, 26, 28, 36, 37, 38, 39, 41, 42, 43, 44, 1001, 1002,
    1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015, 3001, 3002, 3003, 3004, 3005, 4001, 4002,
];

/// The sensor type named by a CDSS 传感器类型名称; vendor variants (低浓甲烷, 环境温度, CO)
/// are folded onto the national names. Drainage-pipe sensors (管道…, 抽采…) are kept
/// apart: their gas is not mine air.
pub fn sensor_from_name(name: &str) -> Option<SensorType> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if let Some(&c) = KNOWN_CODES.iter().find(|&&c| SensorType(c).name() == name) {
        return Some(SensorType(c));
    }
    let has = |s: &str| name.contains(s);
    if has("管道") || has("抽采") || has("抽放") {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    let t = if has("激光") && (has("甲烷") || has("瓦斯")) {
        SensorType::LASER_METHANE
    } else if has("高低浓") {
        SensorType::HIGH_LOW_METHANE
    } else if has("甲烷") || has("瓦斯") || upper == "CH4" {
        SensorType::METHANE
    } else if has("一氧化碳") || upper == "CO" {
        SensorType::CO
    } else if has("二氧化碳") || upper == "CO2" {
        SensorType::CO2
    } else if has("氧气") || upper == "O2" {
        SensorType::O2
    } else if has("硫化氢") || upper == "H2S" {
        SensorType::H2S
    } else if has("二氧化氮") || has("氮氧化物") || upper == "NO2" {
        SensorType::NO2
    } else if has("二氧化硫") || upper == "SO2" {
        SensorType::SO2
    } else if has("氨") || upper == "NH3" {
        SensorType::NH3
    } else if has("风速") {
        SensorType::WIND_SPEED
    } else if has("温度") && !has("轴承") && !has("电机") && !has("水") {
        SensorType::TEMPERATURE
    } else if has("主通风机") || has("主扇") {
        SensorType::MAIN_FAN
    } else if has("局部通风机") || has("局扇") {
        SensorType::AUX_FAN
    } else {
        return None;
    };
    Some(t)
}

/// What the tables judge for a sensor type; `None` = not judged by these rules.
pub fn quantity_of(t: SensorType) -> Option<Quantity> {
    Some(match t {
        SensorType::METHANE | SensorType::HIGH_LOW_METHANE | SensorType::LASER_METHANE => Quantity::Methane,
        SensorType::CO => Quantity::Co,
        SensorType::CO2 => Quantity::Co2,
        SensorType::O2 => Quantity::O2,
        SensorType::H2S => Quantity::H2s,
        SensorType::NO2 => Quantity::No2,
        SensorType::SO2 => Quantity::So2,
        SensorType::NH3 => Quantity::Nh3,
        SensorType::WIND_SPEED => Quantity::WindSpeed,
        SensorType::TEMPERATURE => Quantity::Temperature,
        _ => return None,
    })
}

/// A main or auxiliary fan (主通风机 / 局部通风机): its stop excuses CM26-2.8.
pub fn is_fan(t: SensorType) -> bool {
    matches!(t, SensorType::MAIN_FAN | SensorType::AUX_FAN)
}

/// Factor from the point's unit text to the table unit of `q`; `None` when the unit
/// is not one we can convert (the point is then not judged rather than misjudged).
/// An empty unit means the table unit: CDSS often leaves it blank.
pub fn unit_factor(q: Quantity, unit: &str) -> Option<f64> {
    let u: String = unit.trim().chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    let percent = u.starts_with('%') || u.starts_with('％');
    if u.contains("lel") {
        return None;
    }
    match q {
        Quantity::Methane | Quantity::Co2 | Quantity::O2 => {
            if u.is_empty() || percent {
                Some(1.0)
            } else if u == "ppm" {
                Some(1e-4)
            } else {
                None
            }
        }
        Quantity::Co | Quantity::No2 | Quantity::So2 | Quantity::H2s | Quantity::Nh3 => {
            if u.is_empty() || u == "ppm" || u == "μmol/mol" || u == "umol/mol" {
                Some(1.0)
            } else if percent {
                Some(1e4)
            } else {
                None
            }
        }
        Quantity::Temperature => matches!(u.as_str(), "" | "℃" | "°c" | "c" | "度" | "摄氏度").then_some(1.0),
        Quantity::WindSpeed => match u.as_str() {
            "" | "m/s" | "米/秒" => Some(1.0),
            "m/min" => Some(1.0 / 60.0),
            _ => None,
        },
    }
}

/// The location class read from the installation-place text (测点安装位置), used only
/// when the registry has no class for the point; findings relying on it are tagged
/// `inferred`. Machine-mounted and corner sensors are tested first because their
/// text usually also names the face.
pub fn infer_class(location: &str) -> LocationClass {
    let has = |s: &str| location.contains(s);
    let upper = location.to_ascii_uppercase();
    let token = |s: &str| upper.contains(s);
    if has("采煤机") {
        LocationClass::Shearer
    } else if has("掘进机") || has("掘锚") || has("连采机") || has("连续采煤机") {
        LocationClass::Roadheader
    } else if has("隅角") || token("T0") {
        LocationClass::ReturnCorner
    } else if has("总回风") {
        LocationClass::MainReturn
    } else if has("翼回风") || has("回风大巷") || has("主要回风") {
        LocationClass::WingReturn
    } else if has("采区回风") {
        LocationClass::PanelReturn
    } else if has("掘进") || has("掘进头") || has("迎头") {
        if has("回风") || token("T2") {
            LocationClass::HeadingReturn
        } else {
            LocationClass::HeadingFace
        }
    } else if has("回风") || token("T2") {
        LocationClass::LongwallReturn
    } else if has("进风") {
        if has("主要进风") || has("总进风") || has("主进风") || has("进风大巷") || has("井底") {
            LocationClass::MainIntake
        } else {
            LocationClass::LongwallIntake
        }
    } else if has("工作面") || has("综采") || has("综放") || has("采煤") || token("T1") {
        LocationClass::LongwallFace
    } else if has("硐室") || has("变电所") || has("配电") || has("泵房") {
        LocationClass::MachineChamber
    } else if has("煤仓") {
        LocationClass::CoalBunker
    } else if has("皮带") || has("输送机") {
        LocationClass::BeltRoadway
    } else {
        LocationClass::OtherRoadway
    }
}

/// How a title names the place class.
pub fn class_label(c: LocationClass) -> &'static str {
    match c {
        LocationClass::LongwallFace => "longwall face",
        LocationClass::ReturnCorner => "return corner",
        LocationClass::LongwallReturn => "longwall return",
        LocationClass::LongwallIntake => "longwall intake",
        LocationClass::HeadingFace => "heading face",
        LocationClass::HeadingReturn => "heading return",
        LocationClass::PanelReturn => "panel return",
        LocationClass::WingReturn => "wing return",
        LocationClass::MainReturn => "main return",
        LocationClass::MainIntake => "main intake",
        LocationClass::Shearer => "shearer",
        LocationClass::Roadheader => "roadheader",
        LocationClass::BeltRoadway => "belt roadway",
        LocationClass::MachineChamber => "machine chamber",
        LocationClass::CoalBunker => "coal bunker",
        LocationClass::OtherRoadway => "roadway",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensor_names() {
        assert_eq!(sensor_from_name("甲烷"), Some(SensorType::METHANE));
        assert_eq!(sensor_from_name("低浓甲烷"), Some(SensorType::METHANE));
        assert_eq!(sensor_from_name("一氧化碳"), Some(SensorType::CO));
        assert_eq!(sensor_from_name("风速"), Some(SensorType::WIND_SPEED));
        assert_eq!(sensor_from_name("温度"), Some(SensorType::TEMPERATURE));
        assert_eq!(sensor_from_name("氧气"), Some(SensorType::O2));
        assert_eq!(sensor_from_name("二氧化碳"), Some(SensorType::CO2));
        assert_eq!(sensor_from_name("主通风机"), Some(SensorType::MAIN_FAN));
        assert_eq!(sensor_from_name("管道瓦斯"), Some(SensorType(22)));
        assert_eq!(sensor_from_name("抽采管道甲烷"), None);
        assert_eq!(quantity_of(SensorType(22)), None);
        assert_eq!(sensor_from_name(""), None);
    }

    #[test]
    fn location_inference() {
        use LocationClass::*;
        for (text, class) in [
            ("1201综采工作面T1", LongwallFace),
            ("1201工作面上隅角T0", ReturnCorner),
            ("1201工作面回风巷T2", LongwallReturn),
            ("2202掘进工作面", HeadingFace),
            ("2202掘进工作面回风流", HeadingReturn),
            ("一采区回风巷", PanelReturn),
            ("总回风巷测风站", MainReturn),
            ("1201工作面进风巷", LongwallIntake),
            ("主要进风大巷", MainIntake),
            ("1201综采工作面采煤机", Shearer),
            ("2202掘进机机载", Roadheader),
            ("中央变电所", MachineChamber),
            ("井下煤仓上口", CoalBunker),
            ("主斜井皮带机头", BeltRoadway),
            ("+600水平车场", OtherRoadway),
        ] {
            assert_eq!(infer_class(text), class, "{text}");
        }
    }

    #[test]
    fn units() {
        assert_eq!(unit_factor(Quantity::Methane, "%CH4"), Some(1.0));
        assert_eq!(unit_factor(Quantity::Methane, ""), Some(1.0));
        assert_eq!(unit_factor(Quantity::Methane, "%LEL"), None);
        assert_eq!(unit_factor(Quantity::Co, "ppm"), Some(1.0));
        assert_eq!(unit_factor(Quantity::Co, "%"), Some(1e4));
        assert_eq!(unit_factor(Quantity::Temperature, "℃"), Some(1.0));
        assert_eq!(unit_factor(Quantity::WindSpeed, "m/s"), Some(1.0));
        assert_eq!(unit_factor(Quantity::WindSpeed, "kPa"), None);
    }
}
