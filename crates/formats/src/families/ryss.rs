//! RYSS — 人员实时信息, the positioning snapshot (format spec §4.4).

use minesafe_model::{Position, PositionState, Timestamp};

use crate::container::{flag, opt, opt_f64, opt_time, req, Fields, Record};
use crate::error::FieldError;

impl<'a> Record<'a> for Position {
    const FIELDS: usize = 15;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let st = req(f, 3, "出入井标志")?;
        let state = PositionState::parse(st).ok_or_else(|| FieldError::new(3, "出入井标志", format!("expected 0, 1 or 2, got {st:?}")))?;
        let sos = match opt(f, 12) {
            "求救" => true,
            "正常" | "" => false,
            s => return Err(FieldError::new(12, "人员工作状态", format!("expected 正常 or 求救, got {s:?}"))),
        };
        let mut track = Vec::new();
        for item in opt(f, 15).split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (station, t) =
                item.split_once('&').ok_or_else(|| FieldError::new(15, "行进轨迹", format!("item without `&`: {item:?}")))?;
            let t = Timestamp::parse_beijing(t.trim()).map_err(|e| FieldError::new(15, "行进轨迹", e.to_string()))?;
            track.push((station.trim().to_string(), t));
        }
        let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Ok(Position {
            card: req(f, 1, "人员卡编码")?.to_string(),
            name: opt(f, 2).to_string(),
            state,
            entered: opt_time(f, 4, "入井时刻")?,
            exited: opt_time(f, 5, "出井时刻")?,
            area: nonempty(opt(f, 6)),
            area_since: opt_time(f, 7, "进入当前区域时刻")?,
            station: nonempty(opt(f, 8)),
            station_since: opt_time(f, 9, "进入当前基站时刻")?,
            shift_system: opt(f, 10).to_string(),
            distance: opt_f64(f, 11, "距离基站距离")?,
            sos,
            is_leader: flag(f, 13, "是否矿领导")?,
            is_special: flag(f, 14, "是否特种人员")?,
            track,
        })
    }

    fn write(&self, out: &mut String) {
        let track = self.track.iter().map(|(s, t)| format!("{s}&{}", t.upload_format())).collect::<Vec<_>>().join(",");
        Fields::new(out)
            .s(&self.card)
            .s(&self.name)
            .s(self.state.code())
            .t(self.entered)
            .t(self.exited)
            .s(self.area.as_deref().unwrap_or(""))
            .t(self.area_since)
            .s(self.station.as_deref().unwrap_or(""))
            .t(self.station_since)
            .s(&self.shift_system)
            .f(self.distance)
            .s(if self.sos { "求救" } else { "正常" })
            .b(self.is_leader)
            .b(self.is_special)
            .s(&track);
    }

    fn data_time(&self) -> Option<Timestamp> {
        [self.entered, self.exited, self.area_since, self.station_since].into_iter().flatten().max()
    }
}
