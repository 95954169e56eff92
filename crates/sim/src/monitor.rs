//! Safety-monitoring values (CDSS, 测点实时数据) of one mine, snapshot by snapshot.
//!
//! Analog values are a level set by the point's model (methane follows the cutting
//! activity of its face) plus AR(1) noise, clamped to a cap well inside every
//! regulation limit and declared threshold. Injected events replace the value of
//! one point for a while. Status bits follow the declared thresholds with their
//! hysteresis (alarm at ≥ alarm, clear below the clear value; power cut at ≥ cut,
//! restore below the restore value), unless an event says the cut failed; feeders
//! (馈电) drop to 0 while a sensor that cuts them is in the cut state.

use minesafe_formats::{CdssRecord, UploadWriter};
use minesafe_model::{Status, Timestamp};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::inject::{Plan, Tamper};
use crate::layout::{self, stream, MineModel, Model};

pub(crate) struct Monitor {
    rng: ChaCha8Rng,
    noise: Vec<f64>,
    activity: Vec<f64>,
    panel_activity: Vec<f64>,
    /// Smoothing of face activity per snapshot.
    alpha: f64,
    alarm_high: Vec<bool>,
    alarm_low: Vec<bool>,
    cut: Vec<bool>,
    /// Sensors that cut each feeder.
    controllers: Vec<Vec<usize>>,
    /// Values held by a [`Tamper::Frozen`] sensor.
    frozen: Vec<Option<f64>>,
    pub values: Vec<f64>,
    pub status: Vec<u16>,
}

fn round(v: f64, decimals: u8) -> f64 {
    let k = match decimals {
        0 => 1.0,
        1 => 10.0,
        2 => 100.0,
        _ => 1000.0,
    };
    (v * k).round() / k
}

impl Monitor {
    pub fn new(seed: u64, model: &MineModel, interval_secs: i64) -> Self {
        let n = model.points.len();
        let mut controllers = vec![Vec::new(); n];
        for (i, p) in model.points.iter().enumerate() {
            for &f in &p.cuts {
                controllers[f].push(i);
            }
        }
        Monitor {
            rng: layout::rng(seed, &[model.index as u64, stream::MONITOR]),
            noise: vec![0.0; n],
            activity: vec![0.0; model.faces.len()],
            panel_activity: vec![0.0; model.panels.len()],
            alpha: 1.0 - (-(interval_secs as f64) / 600.0).exp(),
            alarm_high: vec![false; n],
            alarm_low: vec![false; n],
            cut: vec![false; n],
            controllers,
            frozen: vec![None; n],
            values: vec![0.0; n],
            status: vec![0; n],
        }
    }

    /// Advances to the snapshot at `t`.
    pub fn step(&mut self, model: &MineModel, plan: &Plan, t: Timestamp) {
        // Almost every snapshot has no tampering; look up per point only when one is active.
        let tampered = plan.tampers_at(t).next().is_some();
        let tamper = |i: usize| if tampered { plan.tampers_at(t).find(|x| x.point == i).map(|x| x.how) } else { None };
        for (f, face) in model.faces.iter().enumerate() {
            let target = if face.working(t) { 1.0 } else { 0.0 };
            self.activity[f] += (target - self.activity[f]) * self.alpha;
        }
        for (p, panel) in model.panels.iter().enumerate() {
            let n = panel.faces.len().max(1) as f64;
            self.panel_activity[p] = panel.faces.iter().map(|&f| self.activity[f]).sum::<f64>() / n;
        }
        let day_phase = (t.beijing_seconds_of_day() as f64 / 86_400.0) * std::f64::consts::TAU;
        for (i, p) in model.points.iter().enumerate() {
            let (rho, sigma) = match p.model {
                Model::Methane { .. } => (0.9, 0.02),
                Model::Co { .. } => (0.9, 0.35),
                Model::Wind { .. } => (0.85, 0.04),
                Model::Temp { .. } => (0.95, 0.03),
                Model::O2 { .. } => (0.9, 0.02),
                Model::Pressure { .. } => (0.9, 15.0),
                Model::Const(v) => {
                    self.values[i] = match tamper(i) {
                        Some(Tamper::Fixed(x)) => x,
                        _ => v,
                    };
                    continue;
                }
                Model::Running | Model::Feeder => continue,
            };
            let u: f64 = self.rng.random::<f64>() * 2.0 - 1.0;
            self.noise[i] = rho * self.noise[i] + sigma * u;
            let n = self.noise[i];
            let mut v = match p.model {
                Model::Methane { base, gain, cap } => {
                    let act = match (p.face, p.panel) {
                        (Some(f), _) => self.activity[f],
                        (None, Some(pn)) => self.panel_activity[pn],
                        _ => 0.0,
                    };
                    (base + gain * act + n).clamp(0.01, cap)
                }
                Model::Co { base, cap } => (base + n).clamp(0.0, cap),
                Model::Wind { base } => (base + n).clamp((base - 0.4).max(1.0), (base + 0.4).min(3.0)),
                Model::Temp { base } => (base + 0.4 * day_phase.sin() + n).clamp(18.0, 25.5),
                Model::O2 { base } => (base + n).clamp(20.4, 20.9),
                Model::Pressure { base } => base + n,
                Model::Const(_) | Model::Running | Model::Feeder => 0.0,
            };
            let mut cut_fails = false;
            if let Some((ev, fails)) = plan.event_value(i, t) {
                v = ev;
                cut_fails = fails;
            }
            let how = tamper(i);
            match how {
                Some(Tamper::Fixed(x)) => v = x,
                Some(Tamper::Covered { lo, hi }) => {
                    let j = layout::mix(model.index as u64, &[i as u64, t.0 as u64]) % 1000;
                    v = lo + (hi - lo) * j as f64 / 999.0;
                }
                Some(Tamper::Frozen) => v = *self.frozen[i].get_or_insert(round(v, p.decimals).max(0.05)),
                _ => {}
            }
            let v = round(v, p.decimals);
            self.values[i] = v;
            let th = &p.def.thresholds;
            if let Some(a) = th.alarm_high {
                if v >= a {
                    self.alarm_high[i] = true;
                } else if v < th.clear_high.unwrap_or(a) {
                    self.alarm_high[i] = false;
                }
            }
            if let Some(a) = th.alarm_low {
                if v <= a {
                    self.alarm_low[i] = true;
                } else if v > th.clear_low.unwrap_or(a) {
                    self.alarm_low[i] = false;
                }
            }
            if let Some(c) = th.cut_high {
                if v >= c {
                    self.cut[i] = true;
                } else if v < th.restore_high.unwrap_or(c) {
                    self.cut[i] = false;
                }
            }
            if cut_fails || how == Some(Tamper::ForcedRestore) {
                self.cut[i] = false;
            }
            let mut s = 0;
            if self.alarm_high[i] || self.alarm_low[i] {
                s |= Status::ALARM;
            }
            if self.cut[i] {
                s |= Status::POWER_CUT;
            }
            if let Some(Tamper::StatusBits(b)) = how {
                s |= b;
            }
            self.status[i] = s;
        }
        for (i, p) in model.points.iter().enumerate() {
            if p.model == Model::Feeder {
                let off = self.controllers[i].iter().any(|&c| self.cut[c]);
                self.values[i] = if off { 0.0 } else { 1.0 };
                self.status[i] = 0;
            }
        }
        for (i, p) in model.points.iter().enumerate() {
            if p.model == Model::Running {
                let forced = tamper(i) == Some(Tamper::ForcedRunning);
                let on = p.face.is_some_and(|f| (forced || model.faces[f].working(t)) && self.values[model.faces[f].feeder] > 0.5);
                self.values[i] = if on { 1.0 } else { 0.0 };
                self.status[i] = 0;
            }
        }
        if tampered {
            for x in plan.tampers_at(t) {
                if let Tamper::CopyOf(source) = x.how {
                    self.values[x.point] = self.values[source];
                    self.status[x.point] = self.status[source];
                }
            }
        }
    }

    /// The current snapshot's records of the first `limit` points.
    fn records<'m>(&self, model: &'m MineModel, t: Timestamp, limit: usize) -> impl Iterator<Item = CdssRecord<'m>> + use<'_, 'm> {
        model.points.iter().enumerate().take(limit).map(move |(i, p)| CdssRecord {
            point: &p.def.code,
            sensor_name: p.name,
            location: &p.def.location,
            value: Some(self.values[i]),
            unit: &p.def.unit,
            status: Status(self.status[i]),
            time: t,
        })
    }

    /// Writes the current snapshot as a CDSS file with the injected omissions and
    /// record times; returns the text and the number of records.
    pub fn write_snapshot(&self, model: &MineModel, plan: &Plan, t: Timestamp) -> (String, usize) {
        if plan.tampers_at(t).next().is_none() {
            return (self.write(model, t, usize::MAX), model.points.len());
        }
        let mut w = UploadWriter::new(&model.code, &model.name, t);
        let mut n = 0;
        for (i, mut r) in self.records(model, t, usize::MAX).enumerate() {
            match plan.tampers_at(t).find(|x| x.point == i).map(|x| (x.how, x.from)) {
                Some((Tamper::Missing, _)) => continue,
                Some((Tamper::TimeBackwards, from)) => {
                    // The first record repeats the previous snapshot's time; each later one goes back a step further.
                    let step = t.secs_since(from);
                    r.time = from.plus_secs(-step - plan.cdss_interval.max(1));
                }
                _ => {}
            }
            w.record(&r);
            n += 1;
        }
        (w.finish(), n)
    }

    /// Writes the first `limit` points of the current snapshot as a CDSS file.
    pub fn write(&self, model: &MineModel, t: Timestamp, limit: usize) -> String {
        let mut w = UploadWriter::new(&model.code, &model.name, t);
        for r in self.records(model, t, limit) {
            w.record(&r);
        }
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_operation_stays_within_caps() {
        let model = MineModel::build(5, 1).unwrap();
        let mut m = Monitor::new(5, &model, 60);
        let plan = Plan::default();
        let mut t = Timestamp::from_beijing(2026, 11, 25, 17, 0, 0).unwrap();
        for _ in 0..30 {
            m.step(&model, &plan, t);
            let text = m.write(&model, t, usize::MAX);
            assert!(text.ends_with("~||") && text.contains(&t.upload_format()));
            t = t.plus_secs(60);
        }
        // Statuses stay 0 and values inside their caps in normal operation.
        assert!(m.status.iter().all(|&s| s == 0));
    }
}
