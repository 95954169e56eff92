//! The mine's own record of its abnormal events (YCBJ, 测点异常信息): for every
//! injected over-limit event, the over-limit alarm (001) and, when the power was
//! cut, the power cut (002), with the statistics of the period as the monitoring
//! system saw it and the cause (异常原因) and measures (处理措施) staff enter some
//! minutes after the event ended.

use minesafe_formats::{AbnormalEvent, AbnormalKind, UploadWriter};
use minesafe_model::{Status, Timestamp};

use crate::inject::Plan;
use crate::layout::{MineModel, Role};
use crate::monitor::Monitor;

/// Running statistics of an open event.
#[derive(Clone, Copy, Debug)]
struct Open {
    start: Timestamp,
    max: (f64, Timestamp),
    min: (f64, Timestamp),
    sum: f64,
    n: u32,
}

struct Track {
    /// Index in [`Plan::reported`].
    reported: usize,
    kind: AbnormalKind,
    bit: u16,
    open: Option<Open>,
}

/// Watches the injected events and hands out their YCBJ records when they are due.
pub(crate) struct Recorder {
    tracks: Vec<Track>,
    /// (due, event) of closed events not yet uploaded.
    due: Vec<(Timestamp, AbnormalEvent)>,
    /// 录入人: the mine's duty gas inspector.
    clerk: String,
}

fn r3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

impl Recorder {
    pub fn new(model: &MineModel, plan: &Plan) -> Self {
        let mut tracks = Vec::new();
        for reported in 0..plan.reported.len() {
            tracks.push(Track { reported, kind: AbnormalKind::OVER_LIMIT, bit: Status::ALARM, open: None });
            tracks.push(Track { reported, kind: AbnormalKind::POWER_CUT, bit: Status::POWER_CUT, open: None });
        }
        let clerk = model
            .people
            .iter()
            .find(|p| matches!(p.role, Role::Ventilation(_)))
            .map(|p| p.person.name.clone())
            .unwrap_or_else(|| "调度员".into());
        Recorder { tracks, due: Vec::new(), clerk }
    }

    /// Follows the snapshot at `t` (whether or not it is uploaded: the mine's system records it anyway).
    pub fn observe(&mut self, model: &MineModel, plan: &Plan, m: &Monitor, t: Timestamp) {
        for tr in &mut self.tracks {
            let rep = &plan.reported[tr.reported];
            if t < rep.from || (t > rep.to && tr.open.is_none()) {
                continue;
            }
            let v = m.values[rep.point];
            let on = m.status[rep.point] & tr.bit != 0;
            match (&mut tr.open, on) {
                (None, true) => tr.open = Some(Open { start: t, max: (v, t), min: (v, t), sum: v, n: 1 }),
                (Some(o), true) => {
                    if v > o.max.0 {
                        o.max = (v, t);
                    }
                    if v < o.min.0 {
                        o.min = (v, t);
                    }
                    o.sum += v;
                    o.n += 1;
                }
                (Some(o), false) => {
                    let o = *o;
                    tr.open = None;
                    let p = &model.points[rep.point];
                    let due = t.plus_secs(rep.delay_secs);
                    self.due.push((
                        due,
                        AbnormalEvent {
                            point: p.def.code.clone(),
                            sensor_name: p.name.to_string(),
                            location: p.def.location.clone(),
                            unit: p.def.unit.clone(),
                            kind: tr.kind,
                            start: o.start,
                            end: Some(t),
                            max: Some(o.max.0),
                            max_time: Some(o.max.1),
                            min: Some(o.min.0),
                            min_time: Some(o.min.1),
                            avg: Some(r3(o.sum / o.n as f64)),
                            cause: rep.cause.into(),
                            measures: rep.measures.into(),
                            entered_at: Some(due.plus_secs(-120)),
                            entered_by: self.clerk.clone(),
                            time: None,
                        },
                    ));
                }
                (None, false) => {}
            }
        }
    }

    /// The YCBJ file of the records due by `t`, if any: (text, records).
    pub fn file(&mut self, model: &MineModel, t: Timestamp) -> Option<(String, usize)> {
        if !self.due.iter().any(|(d, _)| *d <= t) {
            return None;
        }
        let mut w = UploadWriter::new(&model.code, &model.name, t);
        let mut n = 0;
        self.due.retain_mut(|(d, ev)| {
            if *d > t {
                return true;
            }
            ev.time = Some(t);
            w.record(ev);
            n += 1;
            false
        });
        Some((w.finish(), n))
    }
}
