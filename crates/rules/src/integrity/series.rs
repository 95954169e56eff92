//! Per-point series state for MON-3 (flat lines) and MON-5 (copied or replayed data).
//!
//! Values are compared after quantising to 1e-4 of the point's unit, so decimal text
//! like `0.35` and `0.350` is one value. The last `W` values sit in a ring with a
//! polynomial rolling hash over them; a copy between two points shows as equal hashes
//! in the same snapshot (confirmed value by value), a replay as a hash equal to one
//! sampled from the point's own past. Memory is fixed per point: the ring plus at most
//! [`IntegrityConfig::replay_history`] sampled hashes.

use std::collections::VecDeque;

use minesafe_model::{Reading, Timestamp};

use super::{IntegrityConfig, Snap};
use crate::detector::Upload;

/// Odd multiplier of the rolling hash.
const BASE: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(q: i64) -> u64 {
    // splitmix64 finaliser: spreads small integers over the whole word.
    let mut z = (q as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn quant(v: f64) -> i64 {
    (v * 1e4).round() as i64
}

/// A replayed segment of one point.
#[derive(Clone, Debug)]
pub(super) struct ReplayEvent {
    /// First reading of the first replayed window.
    pub start: Timestamp,
    /// Start of the original segment it copies.
    pub source_start: Timestamp,
    pub last: Timestamp,
    last_n: u64,
    pub file: String,
    pub record: usize,
    pub window: usize,
}

/// Two points carrying the same values.
#[derive(Clone, Debug)]
pub(super) struct CloneEvent {
    pub start: Timestamp,
    pub last: Timestamp,
    pub last_file: String,
    pub readings: usize,
    pub distinct: usize,
    pub changes: u32,
    pub sample: String,
    pub seen: bool,
}

pub(super) struct Series {
    w: usize,
    ring_q: Vec<i64>,
    ring_t: Vec<Timestamp>,
    pos: usize,
    len: usize,
    pub hash: u64,
    pow_w: u64,
    /// Value changes between consecutive readings inside the window.
    pub window_changes: u32,
    /// Readings and value changes since the start (neighbours of MON-3 read these).
    pub reads: u64,
    pub changes: u64,

    // MON-3: the current run of equal values.
    run_q: i64,
    pub run_value: f64,
    pub run_len: u32,
    pub run_start: Snap,
    pub run_last: Timestamp,
    pub run_last_file: String,
    pub run_last_record: usize,
    /// Decayed counts over completed, unreported runs: changes / comparisons.
    hist_changes: f64,
    hist_cmp: f64,
    /// Longest completed, unreported run.
    longest: u32,
    /// Smallest non-zero step seen: the sensor's resolution.
    min_step: f64,
    pub flat_open: bool,
    pub flat_conf: f64,
    pub flat_reason: Option<String>,
    /// Neighbour counters (point, reads, changes) at the start of the run.
    pub nb_base: Vec<(usize, u64, u64)>,

    // MON-5 replay.
    samples: VecDeque<(u64, u64, Timestamp)>,
    since_sample: u32,
    pub replay: Option<ReplayEvent>,
    pub replay_new: bool,
    pub replay_closed: Option<ReplayEvent>,
}

impl Series {
    pub fn new(cfg: &IntegrityConfig) -> Self {
        let w = cfg.clone_readings.max(2);
        let mut pow_w: u64 = 1;
        for _ in 0..w {
            pow_w = pow_w.wrapping_mul(BASE);
        }
        Series {
            w,
            ring_q: vec![0; w],
            ring_t: vec![Timestamp(0); w],
            pos: 0,
            len: 0,
            hash: 0,
            pow_w,
            window_changes: 0,
            reads: 0,
            changes: 0,
            run_q: 0,
            run_value: 0.0,
            run_len: 0,
            run_start: Snap::default(),
            run_last: Timestamp(0),
            run_last_file: String::new(),
            run_last_record: 0,
            hist_changes: 0.0,
            hist_cmp: 0.0,
            longest: 0,
            min_step: f64::INFINITY,
            flat_open: false,
            flat_conf: 0.0,
            flat_reason: None,
            nb_base: Vec::new(),
            samples: VecDeque::new(),
            since_sample: 0,
            replay: None,
            replay_new: false,
            replay_closed: None,
        }
    }

    /// Whether `v` ends the current run.
    pub fn breaks(&self, v: f64) -> bool {
        self.run_len > 0 && quant(v) != self.run_q
    }

    /// Appends a reliable reading.
    pub fn push(&mut self, cfg: &IntegrityConfig, v: f64, up: &Upload<'_>, record: usize, r: &Reading<'_>) {
        let q = quant(v);
        let w = self.w;
        let changed = self.len > 0 && self.ring_q[(self.pos + w - 1) % w] != q;
        self.reads += 1;
        if changed {
            self.changes += 1;
        }
        // Window: drop the oldest pair, add the newest.
        let m = mix(q);
        if self.len == w {
            let (old, second) = (self.ring_q[self.pos], self.ring_q[(self.pos + 1) % w]);
            if old != second {
                self.window_changes -= 1;
            }
            self.hash = self.hash.wrapping_mul(BASE).wrapping_add(m).wrapping_sub(mix(old).wrapping_mul(self.pow_w));
        } else {
            self.hash = self.hash.wrapping_mul(BASE).wrapping_add(m);
            self.len += 1;
        }
        if changed {
            self.window_changes += 1;
        }
        self.ring_q[self.pos] = q;
        self.ring_t[self.pos] = r.time;
        self.pos = (self.pos + 1) % w;

        // The run.
        if self.run_len == 0 || q != self.run_q {
            if self.run_len > 0 {
                if !self.flat_open {
                    self.hist_changes += 1.0;
                    self.hist_cmp += self.run_len as f64;
                    self.longest = self.longest.max(self.run_len);
                    if self.hist_cmp > 5000.0 {
                        self.hist_changes /= 2.0;
                        self.hist_cmp /= 2.0;
                    }
                }
                let step = ((v - self.run_value).abs() * 1e6).round() / 1e6;
                if step > 0.0 {
                    self.min_step = self.min_step.min(step);
                }
            }
            self.run_q = q;
            self.run_value = v;
            self.run_len = 1;
            self.run_start.set(up, record, r);
            self.flat_open = false;
            self.flat_reason = None;
            self.nb_base.clear();
        } else {
            self.run_len += 1;
        }
        self.run_last = r.time;
        self.run_last_file.clear();
        self.run_last_file.push_str(up.file);
        self.run_last_record = record;

        self.replay_step(cfg, up, record, r);
    }

    /// Share of readings that change the value, over completed normal runs.
    pub fn change_rate(&self) -> f64 {
        if self.hist_cmp <= 0.0 {
            0.0
        } else {
            self.hist_changes / self.hist_cmp
        }
    }

    /// The sensor's resolution: its smallest step seen, else the decimals of `v`.
    pub fn resolution(&self, v: f64) -> f64 {
        if self.min_step.is_finite() {
            return self.min_step;
        }
        let mut r = 1.0;
        for _ in 0..4 {
            if ((v / r).round() * r - v).abs() < 1e-9 {
                return r;
            }
            r /= 10.0;
        }
        r
    }

    /// MON-3 verdict on the current run: `Some(confidence)` when it is implausibly flat.
    /// `nb_vary` tells whether the air-path neighbours changed meanwhile.
    pub fn flat_verdict(&mut self, cfg: &IntegrityConfig, nb_vary: impl FnOnce(&[(usize, u64, u64)]) -> bool) -> Option<f64> {
        if self.run_len < cfg.flat_min_readings || self.run_last.secs_since(self.run_start.time) < cfg.flat_window_secs {
            return None;
        }
        let v = self.run_value;
        let res = self.resolution(v);
        // At or next to zero a quantised sensor legitimately reads a constant.
        let steps = v.abs() / res;
        if steps < 5.0 {
            return None;
        }
        let p = self.change_rate();
        let known = self.hist_cmp >= cfg.flat_history_readings as f64;
        // (a) Its own history: it used to change in most readings, and this run is far
        // longer than any before.
        if known && p >= 0.5 && self.run_len >= 3 * self.longest.max(1) {
            let chance = (1.0 - p).powi(self.run_len as i32);
            if chance <= 1e-6 {
                self.flat_reason = Some(format!(
                    "in its history the sensor changed value in {:.0} % of readings and never stayed unchanged for more than {} readings",
                    p * 100.0,
                    self.longest
                ));
                self.flat_conf = (1.0 - chance).min(0.97);
                return Some(self.flat_conf);
            }
        }
        // (b) Its air-path neighbours keep changing while it sits well above its resolution.
        if steps >= 10.0 && (!known || p >= 0.3) && !self.nb_base.is_empty() && nb_vary(&self.nb_base) {
            self.flat_reason = Some("methane sensors on the same air path kept changing over the same time".into());
            self.flat_conf = 0.75;
            return Some(self.flat_conf);
        }
        None
    }

    pub fn window_full(&self, need: usize) -> bool {
        self.len >= need && self.len == self.w
    }

    /// Real variation: at least a third of the consecutive pairs change.
    pub fn window_varies(&self, need: usize) -> bool {
        self.window_changes as usize * 3 >= need
    }

    fn window(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len).map(move |k| self.ring_q[(self.pos + self.w - self.len + k) % self.w])
    }

    pub fn same_window(&self, o: &Series, _need: usize) -> bool {
        self.len == o.len && self.window().eq(o.window())
    }

    pub fn distinct(&self, _need: usize) -> usize {
        let mut v: Vec<i64> = self.window().collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    }

    pub fn window_start(&self, _need: usize) -> Timestamp {
        self.ring_t[(self.pos + self.w - self.len) % self.w]
    }

    pub fn sample(&self, _need: usize) -> String {
        let vals: Vec<String> = self.window().take(8).map(|q| format!("{}", q as f64 / 1e4)).collect();
        format!("{} …", vals.join(", "))
    }

    fn replay_step(&mut self, cfg: &IntegrityConfig, up: &Upload<'_>, record: usize, r: &Reading<'_>) {
        let n = self.reads;
        let w = self.w as u64;
        let full = self.len == self.w;
        let varies = full && self.window_varies(self.w);
        let mut matched = None;
        if varies {
            matched = self.samples.iter().find(|(h, at, _)| *h == self.hash && n >= at + w).map(|s| s.2);
            if matched.is_some() && self.distinct(self.w) < 4 {
                matched = None;
            }
        }
        match (matched, self.replay.as_mut()) {
            (Some(_), Some(e)) => {
                e.last = r.time;
                e.last_n = n;
            }
            (Some(src), None) => {
                self.replay = Some(ReplayEvent {
                    start: self.window_start(self.w),
                    source_start: src,
                    last: r.time,
                    last_n: n,
                    file: up.file.to_string(),
                    record,
                    window: self.w,
                });
                self.replay_new = true;
            }
            (None, Some(e)) if n > e.last_n + cfg.replay_sample_every as u64 + 1 => {
                self.replay_closed = self.replay.take();
            }
            _ => {}
        }
        if full {
            self.since_sample += 1;
            if self.since_sample >= cfg.replay_sample_every.max(1) {
                self.since_sample = 0;
                if cfg.replay_history > 0 {
                    if self.samples.len() >= cfg.replay_history {
                        self.samples.pop_front();
                    }
                    self.samples.push_back((self.hash, n, self.window_start(self.w)));
                }
            }
        }
    }
}
