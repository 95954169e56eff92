//! Legacy G1 CDDY — 测点定义, point definitions of the old format (spec §7, [I]).
//!
//! Two record layouts share the file, told apart by their field count:
//! * analog (16): `测点编码;分站编码;区域名称;区域位置编码;单位;高量程;低量程;上限报警;
//!   上限解报;下限报警;下限解报;上限断电;上限复电;下限断电;下限复电;关联关系`;
//! * binary (11): `测点编码;分站编码;区域名称;区域位置编码;1态描述;0态描述;<four 0/1
//!   flags>;关联关系`.
//!
//! G1 has no sensor-type or value-kind field, so both are inferred, best first:
//! 1. from the point code, when it follows the vendor convention
//!    `<mine><2-digit system><MN|KG|LJ|DT><4-digit sensor type><serial>` (§2.1);
//! 2. for analog points, from the unit (`%CH4` → methane, `m/s` → wind speed,
//!    `℃` → temperature, `ppm` → carbon monoxide, the most common ppm sensor,
//!    `%O2`, `%CO2`, `mg/m³` → dust);
//! 3. otherwise `SensorType(0)`, which no rule treats as a gas sensor.
//!
//! The 区域位置编码, the binary flags (meaning unknown) and coordinates have no
//! place in [`PointDef`] and are dropped; the time is the header's 数据时间.

use minesafe_model::{PointDef, SensorType, Thresholds, ValueKind};

use crate::container::{opt, opt_f64, req, Fields, Record};
use crate::error::FieldError;
use crate::families::cddy::{parse_relations, write_relations};

/// Header field holding the 数据时间 (`系统型号;系统名称;生产厂家;数据时间;…`).
pub const HEADER_TIME_FIELD: usize = 4;

const ANALOG_FIELDS: usize = 16;
const BINARY_FIELDS: usize = 11;

/// Sensor type for points whose type cannot be inferred.
pub const UNKNOWN_SENSOR: SensorType = SensorType(0);

/// Wire type of a G1 CDDY record; the parser hands out the inner [`PointDef`].
#[derive(Clone, Debug, PartialEq)]
pub struct G1CddyRecord(pub PointDef);

/// (system code, value kind, sensor type) from a conventional point code.
pub fn infer_from_code(code: &str) -> Option<(&str, ValueKind, SensorType)> {
    let b = code.as_bytes();
    (2..b.len().saturating_sub(5)).find_map(|i| {
        let kind = ValueKind::parse(std::str::from_utf8(&b[i..i + 2]).ok()?)?;
        let digits = &b[i + 2..i + 6];
        if !digits.iter().all(u8::is_ascii_digit) || !b[i - 2..i].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sensor = SensorType::parse(std::str::from_utf8(digits).ok()?)?;
        // All bytes checked are ASCII, so these are char boundaries.
        Some((code.get(i - 2..i)?, kind, sensor))
    })
}

/// Sensor type from an analog unit string; `None` when the unit does not decide it.
pub fn infer_from_unit(unit: &str) -> Option<SensorType> {
    let u = unit.trim().to_ascii_lowercase();
    Some(match u.as_str() {
        "%ch4" | "ch4%" | "%ch₄" => SensorType::METHANE,
        "m/s" => SensorType::WIND_SPEED,
        "℃" | "°c" => SensorType::TEMPERATURE,
        "ppm" => SensorType::CO,
        "%o2" | "%o₂" => SensorType::O2,
        "%co2" | "%co₂" => SensorType::CO2,
        "mg/m3" | "mg/m³" => SensorType(14),
        _ => return None,
    })
}

impl<'a> Record<'a> for G1CddyRecord {
    const FIELDS: usize = ANALOG_FIELDS;
    const MIN_FIELDS: usize = BINARY_FIELDS;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        // A binary record with a trailing `;` arrives as 12 fields.
        let f = match f {
            [head @ .., ""] if f.len() == BINARY_FIELDS + 1 => head,
            _ => f,
        };
        let code = req(f, 1, "测点编码")?;
        let from_code = infer_from_code(code);
        let system = from_code.map(|(s, _, _)| s.to_string()).unwrap_or_default();
        let base = |kind, sensor_type| PointDef {
            code: code.to_string(),
            system: system.clone(),
            substation: opt(f, 2).to_string(),
            sensor_type,
            kind,
            unit: String::new(),
            range_high: None,
            range_low: None,
            thresholds: Thresholds::default(),
            on_label: String::new(),
            off_label: String::new(),
            location: opt(f, 3).to_string(),
            x: None,
            y: None,
            z: None,
            relations: Vec::new(),
            time: None,
        };
        match f.len() {
            BINARY_FIELDS => {
                let sensor = from_code.map_or(UNKNOWN_SENSOR, |(_, _, s)| s);
                let mut p = base(ValueKind::Binary, sensor);
                p.on_label = opt(f, 5).to_string();
                p.off_label = opt(f, 6).to_string();
                p.relations = parse_relations(opt(f, 11));
                Ok(G1CddyRecord(p))
            }
            ANALOG_FIELDS => {
                let unit = opt(f, 5);
                let (kind, sensor) = match from_code {
                    Some((_, k @ (ValueKind::Analog | ValueKind::Accumulator), s)) => (k, s),
                    _ => (ValueKind::Analog, infer_from_unit(unit).unwrap_or(UNKNOWN_SENSOR)),
                };
                let mut p = base(kind, sensor);
                p.unit = unit.to_string();
                p.range_high = opt_f64(f, 6, "高量程")?;
                p.range_low = opt_f64(f, 7, "低量程")?;
                p.thresholds = super::cddy::thresholds_at(f, 8)?;
                p.relations = parse_relations(opt(f, 16));
                Ok(G1CddyRecord(p))
            }
            n => Err(FieldError::new(n, "记录", format!("{n} fields: neither the analog (16) nor the binary (11) layout"))),
        }
    }

    fn write(&self, out: &mut String) {
        let p = &self.0;
        let mut w = Fields::new(out);
        w.s(&p.code).s(&p.substation).s(&p.location).s("");
        if p.kind == ValueKind::Binary {
            w.s(&p.on_label).s(&p.off_label).s("0").s("0").s("0").s("0");
        } else {
            let t = &p.thresholds;
            w.s(&p.unit)
                .f(p.range_high)
                .f(p.range_low)
                .f(t.alarm_high)
                .f(t.clear_high)
                .f(t.alarm_low)
                .f(t.clear_low)
                .f(t.cut_high)
                .f(t.restore_high)
                .f(t.cut_low)
                .f(t.restore_low);
        }
        w.s(&write_relations(&p.relations));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{Document, ParseOptions};
    use minesafe_model::monitoring::RelationKind;

    const SAMPLE: &str = "KJ1031X;煤矿安全监控系统;示例厂家;2025-03-01 08:00:00;1;3;0;0;0;0;~\
        150622B001200020009201MN00010001;150622B001200020009201DT40010001;1201综采工作面;0101;%CH4;4.00;0.00;1.00;1.00;;;1.50;1.00;;;D-150622B001200020009201KG10150001~\
        KJ-77;F01;1201回风巷;0102;ppm;1000;0;24;24;;;;;;;~\
        P-99;F01;某处;0103;kPa;100;0;;;;;;;;;;~\
        150622B001200020009201KG10010001;F02;1202掘进工作面;0201;开;停;0;1;0;0;;~\
        坏;F02;x;0;%CH4;四;0;0;0;0;0;0;0;0;0;~\
        150622B001200020009201MN00010002;F02;1202掘进工作面;0202;%CH4;4;0;1;1;;;;~\
        ||";

    #[test]
    fn both_layouts_and_inference() {
        let opts = ParseOptions { max_bad_ratio: 1.0, ..ParseOptions::default() };
        let doc = Document::split_g1(SAMPLE, HEADER_TIME_FIELD, &opts).unwrap();
        assert_eq!(doc.header.time.upload_format(), "2025-03-01 08:00:00");
        let p = doc.parse::<G1CddyRecord>(&opts).unwrap();
        assert_eq!(p.total, 6);
        let defs: Vec<&PointDef> = p.accepted.iter().map(|(_, r)| &r.0).collect();
        assert_eq!(defs.len(), 4);
        assert_eq!((defs[0].system.as_str(), defs[0].kind, defs[0].sensor_type), ("01", ValueKind::Analog, SensorType::METHANE));
        assert_eq!(
            (defs[0].thresholds.alarm_high, defs[0].thresholds.cut_high, defs[0].thresholds.restore_high),
            (Some(1.0), Some(1.5), Some(1.0))
        );
        assert_eq!(defs[0].relations.len(), 1);
        assert_eq!(defs[0].relations[0].kind, RelationKind::PowerCut);
        assert_eq!(defs[0].location, "1201综采工作面");
        assert_eq!((defs[1].sensor_type, defs[1].system.as_str()), (SensorType::CO, ""), "ppm → CO when the code says nothing");
        assert_eq!(defs[2].sensor_type, UNKNOWN_SENSOR);
        assert_eq!((defs[3].kind, defs[3].sensor_type), (ValueKind::Binary, SensorType::AUX_FAN));
        assert_eq!((defs[3].on_label.as_str(), defs[3].off_label.as_str()), ("开", "停"));
        let rej: Vec<_> = p.rejected.iter().map(|r| (r.record, r.field())).collect();
        assert_eq!(rej, vec![(4, Some(6)), (5, Some(13))]);
    }

    #[test]
    fn code_inference_ignores_non_ascii_and_short_codes() {
        assert_eq!(infer_from_code("MN0001"), None);
        assert_eq!(infer_from_code("甲烷01MN0001"), Some(("01", ValueKind::Analog, SensorType::METHANE)));
        assert_eq!(infer_from_code("01MN000"), None);
        assert_eq!(infer_from_code("01XX0001"), None);
        assert_eq!(infer_from_unit(" %ch4 "), Some(SensorType::METHANE));
    }
}
