//! CDSS — 测点实时数据, a snapshot of every point's value (format spec §3.4).
//! The hot path: records borrow from the file text, nothing is allocated per record.

use minesafe_model::{Status, Timestamp};

use crate::container::{opt, opt_f64, req, req_time, Fields, Record};
use crate::error::FieldError;

#[derive(Clone, Debug, PartialEq)]
pub struct CdssRecord<'a> {
    pub point: &'a str,
    /// 传感器类型名称: the Chinese name, not the code.
    pub sensor_name: &'a str,
    pub location: &'a str,
    /// `None` when the field is empty (faulty or not polled points).
    pub value: Option<f64>,
    pub unit: &'a str,
    pub status: Status,
    pub time: Timestamp,
}

impl<'a> Record<'a> for CdssRecord<'a> {
    const FIELDS: usize = 7;

    fn parse(f: &[&'a str]) -> Result<Self, FieldError> {
        let status = match opt(f, 6) {
            "" => Status(0),
            s => Status(s.parse::<u16>().map_err(|_| FieldError::new(6, "测点状态", format!("not a status bitmask: {s:?}")))?),
        };
        Ok(CdssRecord {
            point: req(f, 1, "测点编码")?,
            sensor_name: opt(f, 2),
            location: opt(f, 3),
            value: opt_f64(f, 4, "测点值")?,
            unit: opt(f, 5),
            status,
            time: req_time(f, 7, "数据时间")?,
        })
    }

    fn write(&self, out: &mut String) {
        Fields::new(out)
            .s(self.point)
            .s(self.sensor_name)
            .s(self.location)
            .f(self.value)
            .s(self.unit)
            .s(&self.status.0.to_string())
            .t(Some(self.time));
    }

    fn data_time(&self) -> Option<Timestamp> {
        Some(self.time)
    }
}

impl<'a> CdssRecord<'a> {
    /// The reading as the rules see it.
    pub fn reading(&self) -> minesafe_model::Reading<'a> {
        minesafe_model::Reading {
            point: self.point,
            sensor_name: self.sensor_name,
            location: self.location,
            unit: self.unit,
            value: self.value,
            status: self.status,
            time: self.time,
        }
    }
}
