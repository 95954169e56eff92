//! Output that does not add up (REC-2, REC-3, REC-4): declared output against
//! haulage, weighbridge and sales; electricity per tonne and by consumer; methane
//! emission per tonne — each against the mine's own robust baseline.
//!
//! The baseline of every test is the median of the mine's own rolling-window
//! values over the whole analysis period, with the spread as 1.4826 × MAD: it
//! stays put while fewer than half of the windows are contaminated, so a mine that
//! hides output for weeks or months is measured against its own normal weeks. A
//! window is flagged only when it is beyond the robust band (`band_mads` spreads)
//! *and* beyond a minimum relative change, so a very regular mine does not turn
//! a 3 % wobble into a lead. Flagged windows are merged into stretches (gaps of
//! up to `max_gap_days`), and each stretch is one lead.

use serde::{Deserialize, Serialize};

use minesafe_model::{Evidence, Finding};

use crate::inputs::{day_start, MineInputs, OutputSource, VolumeKind};
use crate::lead::{lead, taxonomy, Lead};
use crate::Config;

use series::{fmt_num, span, Energy, Grid, Outputs};

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReconcileConfig {
    /// Length of the rolling window, days (7): one week smooths stockpile and
    /// dispatch timing between mining and shipping.
    pub window_days: usize,
    /// Also test each calendar month as a window (true): slow, small gaps that a
    /// week cannot separate from noise add up over a month.
    pub monthly: bool,
    /// Days of a window that must have both figures (5 of 7; a month needs
    /// `window_days × 3` such days): a window of holes says nothing.
    pub min_paired_days: usize,
    /// Paired days the mine must have over the period before its baseline is
    /// trusted (28).
    pub min_history_days: usize,
    /// Width of the robust band, in spreads (1.4826 × MAD) from the median (4).
    pub band_mads: f64,
    /// REC-2: the declared/independent ratio must also fall this far below the
    /// mine's usual ratio (0.15 = declared 15 % lower than usual).
    pub min_relative_gap: f64,
    /// REC-2: a calendar month whose declared output is below (1 − this) × the
    /// independent figure is a lead whatever the history (0.30): a mine that
    /// under-declares from the first day has no honest baseline.
    pub structural_gap: f64,
    /// REC-2: consecutive days with output declared while every independent source
    /// records an explicit zero (7). Missing records never count.
    pub no_haulage_days: usize,
    /// One REC-3 test that flagged days: per tonne (`share == false`) or a consumer's share.
struct EnergyTest {
    mask: Vec<bool>,
    name: String,
    share: bool,
    num: Vec<f64>,
    den: Vec<f64>,
    med: f64,
    spread: f64,
}

impl EnergyTest {
    /// The relative rise over the baseline on `[a, b)` and the sentence that shows it.
    fn describe(&self, a: usize, b: usize, when: &str) -> Option<(f64, String)> {
        let w = series::sum_paired(&self.num, &self.den, a, b);
        if w.days == 0 {
            return None;
        }
        if self.share {
            if w.den <= 0.0 {
                return None;
            }
            let v = w.num / w.den;
            return Some((
                v / self.med.max(1e-9) - 1.0,
                format!(
                    "{when}: {} share of the mine's electricity {:.1} % ({} of {} kWh on {} days); the mine's baseline share {:.1} % ± {:.1}",
                    self.name,
                    100.0 * v,
                    fmt_num(w.num),
                    fmt_num(w.den),
                    w.days,
                    100.0 * self.med,
                    100.0 * self.spread
                ),
            ));
        }
        let v = if w.den > 0.0 { w.num / w.den } else { f64::INFINITY };
        let rise = if v.is_finite() { v / self.med.max(1e-9) - 1.0 } else { 1.0 };
        Some((
            rise,
            format!(
                "{when}: {} kWh of {} against {} t declared on {} days = {}; the mine's baseline {:.1} ± {:.1} kWh/t",
                fmt_num(w.num),
                self.name,
                fmt_num(w.den),
                w.days,
                if v.is_finite() { format!("{v:.1} kWh/t") } else { "no declared output".to_string() },
                self.med,
                self.spread
            ),
        ))
    }
}

/// Per-window value of "something per declared tonne": infinite when the energy
/// or emission is there but (almost) no output was declared.
fn per_tonne(w: &series::Window, typical_declared: f64, window_days: usize) -> Option<f64> {
    if w.den > 0.0 && w.den > 0.01 * typical_declared * (w.days as f64 / window_days as f64) {
        Some(w.num / w.den)
    } else if w.num > 0.0 {
        Some(f64::INFINITY)
    } else {
        None
    }
}

/// Median of the rolling window sums of a series.
fn typical_window_sum(v: &[f64], c: &ReconcileConfig) -> Option<f64> {
    let mut sums: Vec<f64> = series::rolling(v, v, c.window_days, c.min_paired_days.min(c.window_days)).iter().map(|w| w.num).collect();
    series::median(&mut sums)
}

/// REC-3: production electricity per declared tonne, and consumers' shares of the total.
fn electricity(m: &MineInputs, c: &ReconcileConfig, g: Grid, out: &Outputs, e: &Energy, leads: &mut Vec<Lead>) {
    use crate::inputs::Consumer;
    let declared = &out.by[series::source_index(OutputSource::Declared)];
    let metered: Vec<Consumer> =
        [Consumer::Hoisting, Consumer::Haulage, Consumer::Face].into_iter().filter(|k| e.present[series::consumer_index(*k)]).collect();
    // Production consumers scale with tonnes; the total carries fixed loads (fans, pumps).
    let (prod, prod_name): (Vec<f64>, String) = if metered.is_empty() {
        ((0..g.n).map(|i| e.total(i, c.min_hours)).collect(), "total electricity".to_string())
    } else {
        let v = (0..g.n).map(|i| metered.iter().map(|k| e.day(*k, i, c.min_hours)).sum::<f64>()).collect();
        let names: Vec<&str> = metered.iter().map(|k| consumer_name(*k)).collect();
        (v, format!("{} electricity", names.join(" + ")))
    };
    let mut tests: Vec<EnergyTest> = Vec::new();
    let typical_declared = typical_window_sum(declared, c).unwrap_or(0.0);
    if let Some(te) = typical_window_sum(&prod, c).filter(|t| *t > 0.0) {
        let t = Test { num: &prod, den: declared };
        let flagged = flag_windows(
            c,
            g,
            &t,
            |w| per_tonne(w, typical_declared, c.window_days),
            |w, v, med, spread| {
                let stays = w.num >= c.activity_floor * te * (w.days as f64 / c.window_days as f64);
                stays && v > med * (1.0 + c.energy_min_rise) && v > med + c.band_mads * spread
            },
        );
        if let Some((mask, med, spread)) = flagged {
            tests.push(EnergyTest { mask, name: prod_name, share: false, num: prod.clone(), den: declared.clone(), med, spread });
        }
    }
    // Shares need a total that is more than the consumer itself.
    let consumers = e.present[1..].iter().filter(|p| **p).count();
    if e.has_total || consumers >= 2 {
        let total: Vec<f64> = (0..g.n).map(|i| e.total(i, c.min_hours)).collect();
        for k in [Consumer::Hoisting, Consumer::Haulage] {
            if !e.present[series::consumer_index(k)] {
                continue;
            }
            let part: Vec<f64> = (0..g.n).map(|i| e.day(k, i, c.min_hours)).collect();
            let t = Test { num: &part, den: &total };
            let flagged = flag_windows(
                c,
                g,
                &t,
                |w| (w.den > 0.0).then(|| w.num / w.den),
                |_, v, med, spread| v > med * (1.0 + c.share_min_rise) && v > med + c.band_mads * spread,
            );
            if let Some((mask, med, spread)) = flagged {
                tests.push(EnergyTest { mask, name: consumer_name(k).to_string(), share: true, num: part, den: total.clone(), med, spread });
            }
        }
    }
    let mut mask = vec![false; g.n];
    for t in &tests {
        mask.iter_mut().zip(&t.mask).for_each(|(u, f)| *u |= *f);
    }
    for (a, b) in series::stretches(&mask, c.max_gap_days) {
        let (first, last) = (g.day(a), g.day(b - 1));
        let when = span(first, last);
        let mut evidence = Vec::new();
        let mut named = Vec::new();
        let mut strongest: f64 = 0.0;
        for t in tests.iter().filter(|t| t.mask[a..b].iter().any(|f| *f)) {
            if let Some((rise, text)) = t.describe(a, b, &when) {
                strongest = strongest.max(rise);
                named.push(if t.share { format!("{} share", t.name) } else { format!("{} per tonne", t.name) });
                evidence.push(Evidence {
                    file: "energy".into(),
                    time: Some(day_start(first)),
                    value: Some(rise),
                    detail: Some(text),
                    ..Default::default()
                });
            }
        }
        if evidence.is_empty() {
            continue;
        }
        let days = b - a;
        let score = 35.0 + 10.0 * (evidence.len() as f64 - 1.0) + (50.0 * strongest).min(35.0) + (days as f64 / 2.0).min(15.0);
        let pull = vec![
            format!("feeder meter readings and the power supplier's bills {when}"),
            format!("main-shaft hoist operating log (skip counts) {when}"),
            format!("production dispatch reports (调度日报) {when}"),
        ];
        let mut walk = vec!["main shaft hoist room and the main substation (read the meters)".to_string()];
        walk.extend(face_walk(m));
        let title = format!("Electricity does not match declared output {when}: {} off the mine's baseline", named.join(", "));
        let mut l = lead(
            "REC-3",
            m.code(),
            day_start(first),
            Some(day_start(last + 1)),
            None,
            title,
            evidence,
            score,
            &[taxonomy::FAKE_REPORT, taxonomy::HIDDEN_FACE],
            pull,
            walk,
        );
        l.finding.id = Finding::stable_id("REC-3", m.code(), "electricity", day_start(first));
        leads.push(l);
    }
}

fn consumer_name(c: crate::inputs::Consumer) -> &'static str {
    use crate::inputs::Consumer::*;
    match c {
        Total => "total",
        Hoisting => "hoisting",
        Ventilation => "ventilation",
        Drainage => "drainage",
        Haulage => "haulage",
        Face => "face",
        Other => "other",
    }
}

/// REC-4: methane emission (ventilation + drainage) per declared tonne.
fn methane(m: &MineInputs, c: &ReconcileConfig, g: Grid, out: &Outputs, leads: &mut Vec<Lead>) {
    if m.methane.is_empty() {
        return;
    }
    let mut sum = vec![0.0f64; g.n];
    let mut hours = vec![0u32; g.n];
    let mut count = vec![0u32; g.n];
    for r in &m.methane {
        if !series::valid(r.m3_per_min) {
            continue;
        }
        if let Some(i) = g.idx_of(r.hour) {
            sum[i] += r.m3_per_min;
            count[i] += 1;
            hours[i] |= 1 << series::hour_of_day(r.hour);
        }
    }
    let mut drainage = vec![f64::NAN; g.n];
    let mut has_drainage = false;
    for v in &m.volumes {
        if v.kind == VolumeKind::GasDrainage && series::valid(v.m3) {
            if let Some(i) = g.idx(v.day) {
                series::add(&mut drainage[i], v.m3);
                has_drainage = true;
            }
        }
    }
    let emission: Vec<f64> = (0..g.n)
        .map(|i| {
            if hours[i].count_ones() < c.min_hours || count[i] == 0 {
                return f64::NAN;
            }
            let ventilation = sum[i] / count[i] as f64 * 1440.0;
            if has_drainage {
                ventilation + drainage[i] // NaN when drainage is missing that day
            } else {
                ventilation
            }
        })
        .collect();
    let declared = &out.by[series::source_index(OutputSource::Declared)];
    let Some(typical) = typical_window_sum(&emission, c).filter(|t| *t > 0.0) else { return };
    let typical_declared = typical_window_sum(declared, c).unwrap_or(0.0);
    let t = Test { num: &emission, den: declared };
    let Some((mask, med, spread)) = flag_windows(c, g, &t, |w| per_tonne(w, typical_declared, c.window_days), |w, v, med, spread| {
        let stays = w.num >= c.activity_floor * typical * (w.days as f64 / c.window_days as f64);
        stays && v > med * (1.0 + c.methane_min_rise) && v > med + c.band_mads * spread
    }) else {
        return;
    };
    let source = if has_drainage { "ventilation emission + gas drainage" } else { "ventilation emission" };
    for (a, b) in series::stretches(&mask, c.max_gap_days) {
        let (first, last) = (g.day(a), g.day(b - 1));
        let w = series::sum_paired(&emission, declared, a, b);
        if w.days == 0 {
            continue;
        }
        let v = if w.den > 0.0 { w.num / w.den } else { f64::INFINITY };
        let rise = if v.is_finite() { v / med.max(1e-9) - 1.0 } else { 1.0 };
        let daily_emission = w.num / w.days as f64;
        let usual_daily = typical / c.window_days as f64;
        let evidence = vec![
            Evidence {
                file: "methane".into(),
                time: Some(day_start(first)),
                value: Some(v),
                detail: Some(format!(
                    "{}: {} m³ methane ({}) against {} t declared on {} days = {} m³/t; the mine's baseline {:.1} ± {:.1} m³/t",
                    span(first, last),
                    fmt_num(w.num),
                    source,
                    fmt_num(w.den),
                    w.days,
                    if v.is_finite() { format!("{v:.1}") } else { "no declared output".to_string() },
                    med,
                    spread
                )),
                ..Default::default()
            },
            Evidence {
                file: "methane".into(),
                time: Some(day_start(first)),
                value: Some(daily_emission),
                detail: Some(format!(
                    "emission stayed at {} m³/day (usually {} m³/day) while declared output averaged {} t/day: coal is being cut that is not declared",
                    fmt_num(daily_emission),
                    fmt_num(usual_daily),
                    fmt_num(w.den / w.days as f64)
                )),
                ..Default::default()
            },
        ];
        let score = 40.0 + (40.0 * rise).min(40.0) + ((b - a) as f64 / 2.0).min(15.0);
        let pull = vec![
            format!("gas monitoring records of the return airways and the gas drainage station log {}", span(first, last)),
            format!("production dispatch reports (调度日报) and belt-scale readings {}", span(first, last)),
        ];
        let mut walk = vec!["main return airway and the gas drainage pump station".to_string()];
        walk.extend(face_walk(m));
        let mut l = lead(
            "REC-4",
            m.code(),
            day_start(first),
            Some(day_start(last + 1)),
            None,
            format!("Methane emission per declared tonne {:.0} % over the mine's baseline {}: undeclared mining", 100.0 * rise, span(first, last)),
            evidence,
            score,
            &[taxonomy::HIDDEN_FACE, taxonomy::FAKE_REPORT],
            pull,
            walk,
        );
        l.finding.id = Finding::stable_id("REC-4", m.code(), "methane", day_start(first));
        leads.push(l);
    }
}
