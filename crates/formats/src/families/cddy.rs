//! CDDY — 测点基本信息, point definitions with declared thresholds (format spec §3.3).

use minesafe_model::monitoring::RelationKind;
use minesafe_model::{PointDef, Relation, SensorType, Thresholds, Timestamp, ValueKind};

use crate::container::{opt, opt_f64, opt_time, req, Fields, Record};
use crate::error::FieldError;

impl<'a> Record<'a> for PointDef {
    const FIELDS: usize = 24;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let st = req(f, 4, "传感器类型")?;
        let sensor_type =
            SensorType::parse(st).ok_or_else(|| FieldError::new(4, "传感器类型", format!("not a sensor type code: {st:?}")))?;
        let vk = req(f, 5, "数值类型")?;
        let kind = ValueKind::parse(vk).ok_or_else(|| FieldError::new(5, "数值类型", format!("expected MN, LJ, KG or DT, got {vk:?}")))?;
        Ok(PointDef {
            code: req(f, 1, "测点编码")?.to_string(),
            system: opt(f, 2).to_string(),
            substation: opt(f, 3).to_string(),
            sensor_type,
            kind,
            unit: opt(f, 6).to_string(),
            range_high: opt_f64(f, 7, "高量程")?,
            range_low: opt_f64(f, 8, "低量程")?,
            thresholds: thresholds_at(f, 9)?,
            on_label: opt(f, 17).to_string(),
            off_label: opt(f, 18).to_string(),
            location: opt(f, 19).to_string(),
            x: opt_f64(f, 20, "X坐标")?,
            y: opt_f64(f, 21, "Y坐标")?,
            z: opt_f64(f, 22, "Z坐标")?,
            relations: parse_relations(opt(f, 23)),
            time: opt_time(f, 24, "数据时间")?,
        })
    }

    fn write(&self, out: &mut String) {
        let t = &self.thresholds;
        Fields::new(out)
            .s(&self.code)
            .s(&self.system)
            .s(&self.substation)
            .s(&self.sensor_type.code())
            .s(self.kind.code())
            .s(&self.unit)
            .f(self.range_high)
            .f(self.range_low)
            .f(t.alarm_high)
            .f(t.clear_high)
            .f(t.alarm_low)
            .f(t.clear_low)
            .f(t.cut_high)
            .f(t.restore_high)
            .f(t.cut_low)
            .f(t.restore_low)
            .s(&self.on_label)
            .s(&self.off_label)
            .s(&self.location)
            .f(self.x)
            .f(self.y)
            .f(self.z)
            .s(&write_relations(&self.relations))
            .t(self.time);
    }

    fn data_time(&self) -> Option<Timestamp> {
        self.time
    }
}

/// The eight declared thresholds, in the order both generations write them,
/// starting at 1-based field `first` (9 in G2, 8 in G1).
pub(crate) fn thresholds_at(f: &[&str], first: usize) -> Result<Thresholds, FieldError> {
    Ok(Thresholds {
        alarm_high: opt_f64(f, first, "上限报警门限")?,
        clear_high: opt_f64(f, first + 1, "上限解报门限")?,
        alarm_low: opt_f64(f, first + 2, "下限报警门限")?,
        clear_low: opt_f64(f, first + 3, "下限解报门限")?,
        cut_high: opt_f64(f, first + 4, "上限断电门限")?,
        restore_high: opt_f64(f, first + 5, "上限复电门限")?,
        cut_low: opt_f64(f, first + 6, "下限断电门限")?,
        restore_low: opt_f64(f, first + 7, "下限复电门限")?,
    })
}

/// Parses CDDY field 23. G2 groups are separated by `◇`, each
/// `<code>-<point>-<device name>:<code>-<point>` (device names may contain `-`);
/// G1 writes `D-<point>`. Unreadable groups are skipped: the relation list is
/// context for rules, never a reason to lose the point definition.
pub fn parse_relations(s: &str) -> Vec<Relation> {
    let mut out = Vec::new();
    for group in s.split(['◇', '|']).map(str::trim).filter(|g| !g.is_empty()) {
        let (left, right) = match group.split_once(':') {
            Some((l, r)) => (l, Some(r)),
            None => (group, None),
        };
        let mut parts = left.splitn(3, '-');
        let (Some(code), Some(point)) = (parts.next(), parts.next()) else { continue };
        let Some(kind) = RelationKind::parse(code.trim()) else { continue };
        let device = parts.next().map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
        let controller = right.and_then(|r| r.split_once('-').map(|(_, p)| p.trim().to_string())).filter(|p| !p.is_empty());
        out.push(Relation { kind, point: point.trim().to_string(), device, controller });
    }
    out
}

pub fn write_relations(rels: &[Relation]) -> String {
    rels.iter()
        .map(|r| {
            let mut s = format!("{}-{}", r.kind.code(), r.point);
            if let Some(d) = &r.device {
                s.push('-');
                s.push_str(d);
            }
            if let Some(c) = &r.controller {
                s.push_str(&format!(":{}-{}", r.kind.code(), c));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("◇")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_both_syntaxes() {
        let r = parse_relations("D-P1-1201工作面-馈电开关:D-M1◇D-P2");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].point, "P1");
        assert_eq!(r[0].device.as_deref(), Some("1201工作面-馈电开关"));
        assert_eq!(r[0].controller.as_deref(), Some("M1"));
        assert_eq!(r[1].kind, RelationKind::PowerCut);
        assert_eq!(parse_relations(&write_relations(&r)), r);
        assert!(parse_relations("garbage").is_empty());
    }
}
