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
//!
//! What real mines do honestly, and is therefore no lead: ship from the stockpile
//! while declaring nothing (the Spring Festival, a maintenance stop) — weighbridge,
//! haulage and sales count only beyond a plausible stock change, the belt scale at
//! the source counts at once; stop output for a holiday while the fans, pumps and
//! background emission keep running — electricity and methane per tonne count only
//! when they did not fall with the output and the stretch lasts longer than any
//! holiday; raise output in a busy month — a consumer's share counts only with its
//! kWh per tonne. Days of a declared stop are left to REC-5.

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
    /// REC-3: production electricity per declared tonne must rise at least this
    /// much over the baseline (0.25).
    pub energy_min_rise: f64,
    /// REC-3: a consumer's share of the total must rise at least this much,
    /// relative (0.15; the Hebei case went 9.7 % → 13 %, +34 %). The share alone
    /// rises honestly in a month of high output, so it counts only together with
    /// the consumer's kWh per declared tonne (`share_per_tonne_rise`).
    pub share_min_rise: f64,
    /// REC-3/REC-4: the window's electricity (or methane emission) must stay at
    /// least this fraction of its usual weekly level (0.7): per-tonne figures also
    /// rise in an honest slow week with fixed loads, but then the energy falls too.
    pub activity_floor: f64,
    /// REC-4: methane emission (ventilation + drainage) per declared tonne must
    /// rise at least this much over the baseline (0.30).
    pub methane_min_rise: f64,
    /// Hours of a day an hourly series must cover to count the day (20).
    pub min_hours: u32,
    /// Flagged days this far apart are one stretch (2).
    pub max_gap_days: usize,
    /// REC-2: the change of stockpile a mine can make, in days of its median daily
    /// output (5). Weighbridge, haulage and sales take coal from the yard, not from
    /// the face: over the Spring Festival or a maintenance stop a mine ships from its
    /// pile while declaring nothing. When the belt scale (production at the source)
    /// is metered, these downstream figures make a lead only where the tonnes above
    /// the declared output over `stock_span_days` exceed this many days of output.
    pub stock_days: f64,
    /// REC-2: the same allowance, in days of output, for a mine without a belt scale
    /// (2): then the downstream figures are the only witnesses and weekly gaps are
    /// tested, but a gap of less than two days' output over a month is what any
    /// yard absorbs (and what a month of weighing noise adds up to).
    pub stock_days_without_belt: f64,
    /// REC-2: the span, days, over which the excess of shipments over declared output
    /// is added up for the stockpile test (30).
    pub stock_span_days: usize,
    /// REC-3/REC-4: a fall of declared output is real (a holiday, a longwall move)
    /// when the electricity (or methane emission) fell with it by at least this
    /// share of the output's relative fall (0.25). The fixed loads (fans, pumps,
    /// idle feeders) and the background emission of the walls and the goaf keep
    /// part of the activity — 30–70 % of the emission — and the emission lags the
    /// cutting by hours, so an honest fall of output by 40 % lowers the emission by
    /// 12–28 %; a mine that only writes all its output figures down keeps all of it.
    pub companion_drop: f64,
    /// REC-3/REC-4: days the odd figures must last to be a lead (14, counted as
    /// flagged windows): longer than any public holiday or the Spring Festival (9
    /// days), when output stops or falls while the fans, the pumps and the
    /// background emission of the walls and the goaf keep running — on a mine whose
    /// emission is mostly background, an honest holiday raises the methane per
    /// tonne as much as concealment does. Short gaps in declared output are REC-2's,
    /// against the belt scale.
    pub min_sustained_days: usize,
    /// REC-3: a consumer's share of the total is a lead only when its kWh per
    /// declared tonne rose too, by at least this much (0.10): in a month of high
    /// output the hoisting share rises honestly (the fans are fixed) while its kWh
    /// per tonne falls.
    pub share_per_tonne_rise: f64,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        ReconcileConfig {
            window_days: 7,
            monthly: true,
            min_paired_days: 5,
            min_history_days: 28,
            band_mads: 4.0,
            min_relative_gap: 0.15,
            structural_gap: 0.30,
            no_haulage_days: 7,
            energy_min_rise: 0.25,
            share_min_rise: 0.15,
            activity_floor: 0.7,
            methane_min_rise: 0.30,
            min_hours: 20,
            max_gap_days: 2,
            stock_days: 5.0,
            stock_days_without_belt: 2.0,
            stock_span_days: 30,
            companion_drop: 0.25,
            min_sustained_days: 14,
            share_per_tonne_rise: 0.10,
        }
    }
}

/// The leads of this module for one mine.
pub fn detect(m: &MineInputs, cfg: &Config) -> Vec<Lead> {
    let c = &cfg.reconcile;
    let Some(g) = Grid::of(m) else { return Vec::new() };
    if c.window_days == 0 {
        return Vec::new();
    }
    // Days of a declared stop are REC-5's (the stops module judges them against
    // the stop itself); against the producing baseline they would only repeat it.
    let stop = stop_days(m, g);
    let mut out = Outputs::of(m, g);
    let mut energy = Energy::of(m, g);
    for i in (0..g.n).filter(|i| stop[*i]) {
        out.by.iter_mut().for_each(|v| v[i] = f64::NAN);
        energy.hours.iter_mut().filter(|h| !h.is_empty()).for_each(|h| h[i] = 0);
    }
    let mut leads = Vec::new();
    haulage_gap(m, c, g, &out, &mut leads);
    no_haulage(m, c, g, &out, &mut leads);
    let declared = &out.by[series::source_index(OutputSource::Declared)];
    let usual_declared = typical_window_sum(declared, c).unwrap_or(0.0);
    electricity(m, c, g, &out, &energy, usual_declared, &mut leads);
    methane(m, c, g, &out, &stop, usual_declared, &mut leads);
    leads
}

/// Days on which the registry's status is a stop (maintenance stop, stopped by
/// order, closing, closed) at any time of the day.
fn stop_days(m: &MineInputs, g: Grid) -> Vec<bool> {
    use minesafe_model::registry::MineStatus;
    let is_stop = |s: Option<MineStatus>| {
        matches!(s, Some(MineStatus::MaintenanceStop | MineStatus::StoppedByOrder | MineStatus::Closing | MineStatus::Closed))
    };
    if !m.info.status_history.iter().any(|p| is_stop(Some(p.status))) {
        return vec![false; g.n];
    }
    (0..g.n)
        .map(|i| {
            let d = g.day(i);
            is_stop(m.info.status_at(day_start(d))) || is_stop(m.info.status_at(day_start(d + 1).plus_secs(-1)))
        })
        .collect()
}

/// Whether a window's activity (electricity, methane emission) shows that a fall
/// of declared output was real: the output fell and the activity fell with it by
/// at least `companion_drop` of the output's relative fall. `usual_*` are the
/// mine's usual sums over `window_days`.
fn dropped_with_output(c: &ReconcileConfig, w: &series::Window, usual_activity: f64, usual_declared: f64) -> bool {
    if usual_activity <= 0.0 || usual_declared <= 0.0 {
        return false;
    }
    let scale = w.days as f64 / c.window_days as f64;
    let output_fall = 1.0 - w.den / (usual_declared * scale);
    let activity_fall = 1.0 - w.num / (usual_activity * scale);
    output_fall > 0.0 && activity_fall >= c.companion_drop * output_fall
}

/// Whether a flagged stretch `[a, b)` lasted long enough to be a lead: at least
/// `min_sustained_days` flagged windows start in it (`starts`). A window is
/// flagged only when most of it is odd, so the count is about the number of odd
/// days, without the window's own width that widens the stretch on both sides.
fn sustained(c: &ReconcileConfig, starts: &[bool], a: usize, b: usize) -> bool {
    starts[a..b.min(starts.len())].iter().filter(|s| **s).count() >= c.min_sustained_days
}

/// Shared day-grid, output, energy and robust-statistics helpers of the
/// cross-check detectors (capacity, reconcile, stops, periodic).
pub(crate) mod series {
    use minesafe_model::Timestamp;

    use crate::inputs::{day_of, day_start, Consumer, Day, MineInputs, OutputSource};

    /// Periods longer than this (about 110 years) are bad input, not analysis.
    pub const MAX_DAYS: usize = 40_000;

    /// The analysis period `[from, to)` as Beijing day indexes.
    #[derive(Clone, Copy, Debug)]
    pub struct Grid {
        pub d0: Day,
        pub n: usize,
    }

    impl Grid {
        pub fn of(m: &MineInputs) -> Option<Grid> {
            if m.to <= m.from {
                return None;
            }
            let d0 = day_of(m.from);
            let d1 = day_of(Timestamp(m.to.0 - 1));
            let n = usize::try_from(d1 - d0 + 1).ok()?;
            (n <= MAX_DAYS).then_some(Grid { d0, n })
        }
        pub fn idx(&self, d: Day) -> Option<usize> {
            let i = usize::try_from(d.checked_sub(self.d0)?).ok()?;
            (i < self.n).then_some(i)
        }
        pub fn day(&self, i: usize) -> Day {
            self.d0 + i as Day
        }
        /// The day index of an instant.
        pub fn idx_of(&self, t: Timestamp) -> Option<usize> {
            self.idx(day_of(t))
        }
    }

    /// `yyyy-MM-dd` of a day.
    pub fn date(d: Day) -> String {
        day_start(d).beijing_date()
    }

    /// `first – last` (inclusive) as a regulator writes a period.
    pub fn span(first: Day, last: Day) -> String {
        if first == last {
            date(first)
        } else {
            format!("{} – {}", date(first), date(last))
        }
    }

    /// Whole numbers with a thin grouping a reader can take in: `1 234 567`.
    pub fn fmt_num(x: f64) -> String {
        if !x.is_finite() {
            return "—".to_string();
        }
        let neg = x < 0.0;
        let s = format!("{:.0}", x.abs());
        let mut out = String::with_capacity(s.len() + s.len() / 3 + 1);
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(ch);
        }
        if neg && s != "0" {
            format!("-{out}")
        } else {
            out
        }
    }

    /// A usable measurement: finite and not negative.
    pub fn valid(x: f64) -> bool {
        x.is_finite() && x >= 0.0
    }

    /// Adds to a NaN-means-missing accumulator.
    #[inline]
    pub fn add(slot: &mut f64, x: f64) {
        *slot = if slot.is_nan() { x } else { *slot + x };
    }

    /// Daily output by source, NaN where nothing was recorded (several records
    /// of one source on one day add up).
    pub struct Outputs {
        pub by: [Vec<f64>; 6],
    }

    pub fn source_index(s: OutputSource) -> usize {
        match s {
            OutputSource::Declared => 0,
            OutputSource::BeltScale => 1,
            OutputSource::Weighbridge => 2,
            OutputSource::Sales => 3,
            OutputSource::Rail => 4,
            OutputSource::Road => 5,
        }
    }

    impl Outputs {
        pub fn of(m: &MineInputs, g: Grid) -> Outputs {
            let mut by: [Vec<f64>; 6] = std::array::from_fn(|_| vec![f64::NAN; g.n]);
            for r in &m.output {
                if let (true, Some(i)) = (valid(r.tonnes), g.idx(r.day)) {
                    add(&mut by[source_index(r.source)][i], r.tonnes);
                }
            }
            Outputs { by }
        }
        pub fn get(&self, s: OutputSource, i: usize) -> f64 {
            self.by[source_index(s)][i]
        }
        /// Rail + road haulage, NaN when neither was recorded.
        pub fn haulage(&self, i: usize) -> f64 {
            let mut v = f64::NAN;
            for s in [OutputSource::Rail, OutputSource::Road] {
                let x = self.get(s, i);
                if !x.is_nan() {
                    add(&mut v, x);
                }
            }
            v
        }
        /// The best independent figure of a day: belt scale, else weighbridge,
        /// else rail + road, else sales; NaN and `""` when none was recorded.
        pub fn independent(&self, i: usize) -> (f64, &'static str) {
            for (v, name) in [
                (self.get(OutputSource::BeltScale, i), "belt scale"),
                (self.get(OutputSource::Weighbridge, i), "weighbridge"),
                (self.haulage(i), "rail and road haulage"),
                (self.get(OutputSource::Sales, i), "sales"),
            ] {
                if !v.is_nan() {
                    return (v, name);
                }
            }
            (f64::NAN, "")
        }
        /// What was mined that day, as far as the mine's own meters tell: the larger
        /// of declared and belt scale (shipping can come from the stockpile).
        pub fn mined(&self, i: usize) -> f64 {
            let d = self.get(OutputSource::Declared, i);
            let b = self.get(OutputSource::BeltScale, i);
            match (d.is_nan(), b.is_nan()) {
                (true, true) => f64::NAN,
                (true, false) => b,
                (false, true) => d,
                (false, false) => d.max(b),
            }
        }
    }

    /// Median (reorders `v`); `None` when empty. Callers pass finite values.
    pub fn median(v: &mut [f64]) -> Option<f64> {
        if v.is_empty() {
            return None;
        }
        let n = v.len();
        let (_, hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
        let hi = *hi;
        if n % 2 == 1 {
            return Some(hi);
        }
        let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((lo + hi) / 2.0)
    }

    /// Median and robust spread (1.4826 × MAD, the standard deviation under
    /// normal noise) of the finite values of `v`.
    pub fn median_spread(v: &[f64]) -> Option<(f64, f64)> {
        let mut w: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        let med = median(&mut w)?;
        for x in w.iter_mut() {
            *x = (*x - med).abs();
        }
        let mad = median(&mut w)?;
        Some((med, 1.4826 * mad))
    }

    /// Stretches `[a, b)` of set days, joining gaps of up to `max_gap` days.
    pub fn stretches(mask: &[bool], max_gap: usize) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (i, &f) in mask.iter().enumerate() {
            if !f {
                continue;
            }
            match out.last_mut() {
                Some(last) if i - last.1 <= max_gap => last.1 = i + 1,
                _ => out.push((i, i + 1)),
            }
        }
        out
    }

    pub fn consumer_index(c: Consumer) -> usize {
        match c {
            Consumer::Total => 0,
            Consumer::Hoisting => 1,
            Consumer::Ventilation => 2,
            Consumer::Drainage => 3,
            Consumer::Haulage => 4,
            Consumer::Face => 5,
            Consumer::Other => 6,
        }
    }

    /// Beijing hour of day (0–23) of an instant.
    pub fn hour_of_day(t: Timestamp) -> u32 {
        t.beijing_seconds_of_day() / 3600
    }

    /// Daily kWh per consumer, with the hours of the day that had a record.
    pub struct Energy {
        pub kwh: [Vec<f64>; 7],
        pub hours: [Vec<u32>; 7],
        /// Whether any `Total` meter was recorded; else the total is the sum.
        pub has_total: bool,
        /// Whether the consumer was recorded at all.
        pub present: [bool; 7],
    }

    impl Energy {
        pub fn of(m: &MineInputs, g: Grid) -> Energy {
            let mut kwh: [Vec<f64>; 7] = std::array::from_fn(|_| Vec::new());
            let mut hours: [Vec<u32>; 7] = std::array::from_fn(|_| Vec::new());
            let mut present = [false; 7];
            for r in &m.energy {
                if !valid(r.kwh) {
                    continue;
                }
                let Some(i) = g.idx_of(r.hour) else { continue };
                let c = consumer_index(r.consumer);
                if !present[c] {
                    present[c] = true;
                    kwh[c] = vec![0.0; g.n];
                    hours[c] = vec![0; g.n];
                }
                kwh[c][i] += r.kwh;
                hours[c][i] |= 1 << hour_of_day(r.hour);
            }
            Energy { kwh, hours, has_total: present[0], present }
        }

        /// kWh of a consumer on a day; NaN if it was not metered or the day has
        /// fewer than `min_hours` hours of records.
        pub fn day(&self, c: Consumer, i: usize, min_hours: u32) -> f64 {
            let c = consumer_index(c);
            if !self.present[c] || self.hours[c][i].count_ones() < min_hours {
                return f64::NAN;
            }
            self.kwh[c][i]
        }

        /// The mine's total intake: the `Total` meter, else the sum of every
        /// consumer (a day counts when the union of their hours is enough).
        pub fn total(&self, i: usize, min_hours: u32) -> f64 {
            if self.has_total {
                return self.day(Consumer::Total, i, min_hours);
            }
            let (mut sum, mut mask, mut any) = (0.0, 0u32, false);
            for c in 1..7 {
                if self.present[c] {
                    sum += self.kwh[c][i];
                    mask |= self.hours[c][i];
                    any = true;
                }
            }
            if !any || mask.count_ones() < min_hours {
                f64::NAN
            } else {
                sum
            }
        }
    }

    /// Sums of numerator and denominator over the paired days (both present) of a window.
    #[derive(Clone, Copy, Debug)]
    pub struct Window {
        pub start: usize,
        pub end: usize,
        pub num: f64,
        pub den: f64,
        pub days: usize,
    }

    /// Running sums below this are rounding residue (every series is in tonnes,
    /// kWh, m³ or shares of them, far above it).
    const RESIDUE: f64 = 1e-6;

    /// Every rolling window of `w` days with at least `min_days` paired days: O(n).
    pub fn rolling(num: &[f64], den: &[f64], w: usize, min_days: usize) -> Vec<Window> {
        let n = num.len().min(den.len());
        let mut out = Vec::new();
        if w == 0 || n < w {
            return out;
        }
        let (mut sn, mut sd, mut k) = (0.0, 0.0, 0usize);
        let paired = |i: usize| !num[i].is_nan() && !den[i].is_nan();
        for i in 0..n {
            if paired(i) {
                sn += num[i];
                sd += den[i];
                k += 1;
            }
            if i >= w {
                let j = i - w;
                if paired(j) {
                    sn -= num[j];
                    sd -= den[j];
                    k -= 1;
                }
            }
            if i + 1 >= w && k >= min_days.max(1) {
                // Adding and removing leaves rounding residue (1e-12) where the window
                // holds only zeros: that is zero, not a ratio of two residues.
                let clean = |x: f64| if x < RESIDUE { 0.0 } else { x };
                out.push(Window { start: i + 1 - w, end: i + 1, num: clean(sn), den: clean(sd), days: k });
            }
        }
        out
    }

    /// Sums over the paired days of `[a, b)`.
    pub fn sum_paired(num: &[f64], den: &[f64], a: usize, b: usize) -> Window {
        let (mut sn, mut sd, mut k) = (0.0, 0.0, 0);
        for i in a..b.min(num.len()).min(den.len()) {
            if !num[i].is_nan() && !den[i].is_nan() {
                sn += num[i];
                sd += den[i];
                k += 1;
            }
        }
        Window { start: a, end: b, num: sn, den: sd, days: k }
    }

    /// Calendar months `[a, b)` of the grid (clipped to it).
    pub fn months(g: Grid) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut a = 0usize;
        while a < g.n {
            let c = day_start(g.day(a)).beijing();
            let (ny, nm) = if c.month == 12 { (c.year + 1, 1) } else { (c.year, c.month + 1) };
            let next = Timestamp::from_beijing(ny, nm, 1, 0, 0, 0).map(day_of).and_then(|d| g.idx(d)).unwrap_or(g.n);
            let b = next.max(a + 1);
            out.push((a, b));
            a = b;
        }
        out
    }
}

/// One day series compared against another over windows.
struct Test<'a> {
    num: &'a [f64],
    den: &'a [f64],
}

/// Windows (rolling and monthly) whose value is flagged by `flag(window, value,
/// median, spread)`, marked day by day, with the baseline `(median, spread)` of the
/// rolling values, and the first days of the flagged windows (every day of a
/// flagged month): how many there are in a stretch says how long the odd figures
/// lasted, not counting the window's own width. `None` when the mine has too
/// little history to have a baseline.
fn flag_windows(
    c: &ReconcileConfig,
    g: Grid,
    t: &Test,
    value: impl Fn(&series::Window) -> Option<f64>,
    flag: impl Fn(&series::Window, f64, f64, f64) -> bool,
) -> Option<(Vec<bool>, Vec<bool>, f64, f64)> {
    let paired = t.num.iter().zip(t.den).filter(|(a, b)| !a.is_nan() && !b.is_nan()).count();
    if paired < c.min_history_days.max(c.window_days) {
        return None;
    }
    let rolling = series::rolling(t.num, t.den, c.window_days, c.min_paired_days.min(c.window_days));
    let values: Vec<f64> = rolling.iter().filter_map(&value).filter(|v| v.is_finite()).collect();
    let (med, spread) = series::median_spread(&values)?;
    let mut mask = vec![false; g.n];
    let mut starts = vec![false; g.n];
    for w in &rolling {
        if value(w).is_some_and(|v| flag(w, v, med, spread)) {
            mask[w.start..w.end].iter_mut().for_each(|d| *d = true);
            starts[w.start] = true;
        }
    }
    // A month marks its days only when no week in it did: the weeks say more
    // precisely when it happened.
    if c.monthly {
        for (a, b) in series::months(g) {
            let w = series::sum_paired(t.num, t.den, a, b);
            if w.days >= c.window_days * 3 && !mask[a..b].iter().any(|f| *f) && value(&w).is_some_and(|v| flag(&w, v, med, spread)) {
                mask[a..b].iter_mut().for_each(|d| *d = true);
                starts[a..b].iter_mut().for_each(|d| *d = true);
            }
        }
    }
    Some((mask, starts, med, spread))
}

/// Record a regulator pulls for a source of output figures.
fn records_of(source: &str) -> &'static str {
    match source {
        "belt scale" => "main-belt scale accumulator readings",
        "weighbridge" => "weighbridge tickets",
        "rail and road haulage" => "rail waybills and road transport tickets",
        _ => "sales invoices",
    }
}

/// Where a team verifies the declared faces: each face of the registry.
pub(crate) fn face_walk(m: &MineInputs) -> Vec<String> {
    m.info
        .faces
        .iter()
        .map(|f| if f.name.is_empty() { format!("working face {}", f.id) } else { format!("working face {} ({})", f.id, f.name) })
        .collect()
}

/// One independent source's flagged days and its usual declared/independent ratio.
type SourceFlags<'a> = (&'a str, &'a [f64], Vec<bool>, f64, f64);

/// REC-2: declared output below what the independent sources saw.
fn haulage_gap(m: &MineInputs, c: &ReconcileConfig, g: Grid, out: &Outputs, leads: &mut Vec<Lead>) {
    let declared = &out.by[series::source_index(OutputSource::Declared)];
    let haulage: Vec<f64> = (0..g.n).map(|i| out.haulage(i)).collect();
    let sources: [(&str, &[f64]); 4] = [
        ("belt scale", &out.by[series::source_index(OutputSource::BeltScale)]),
        ("weighbridge", &out.by[series::source_index(OutputSource::Weighbridge)]),
        ("rail and road haulage", &haulage),
        ("sales", &out.by[series::source_index(OutputSource::Sales)]),
    ];
    // Per source: the days it flags, and its baseline ratio.
    let mut per: Vec<SourceFlags> = Vec::new();
    for (name, indep) in sources {
        let t = Test { num: declared, den: indep };
        let ratio = |w: &series::Window| (w.den > 0.0).then(|| w.num / w.den);
        let flagged = flag_windows(c, g, &t, ratio, |w, r, med, spread| {
            let relative = r < med * (1.0 - c.min_relative_gap) && r < med - c.band_mads * spread;
            // The structural test is for months only: weeks are too noisy for an absolute cut.
            let structural = w.end - w.start > c.window_days && r < 1.0 - c.structural_gap;
            relative || structural
        });
        if let Some((mask, _, med, spread)) = flagged {
            per.push((name, indep, mask, med, spread));
        }
    }
    // Shipments come from the stockpile: a gap against weighbridge, haulage or
    // sales counts only where it adds up, over a month, to more than the pile can give.
    let has_belt = per.iter().any(|p| p.0 == "belt scale");
    let stock_days = if has_belt { c.stock_days } else { c.stock_days_without_belt };
    let mut producing: Vec<f64> = (0..g.n).map(|i| out.mined(i)).filter(|v| *v > 0.0).collect();
    let allowance = stock_days * series::median(&mut producing).unwrap_or(0.0);
    for (name, indep, mask, med, _) in per.iter_mut() {
        if *name != "belt scale" {
            let beyond = beyond_stock(c, g, declared, indep, *med, allowance);
            mask.iter_mut().zip(&beyond).for_each(|(f, b)| *f &= *b);
        }
    }
    let mut union = vec![false; g.n];
    for (_, _, mask, _, _) in &per {
        union.iter_mut().zip(mask).for_each(|(u, f)| *u |= *f);
    }
    for (a, b) in series::stretches(&union, c.max_gap_days) {
        let (first, last) = (g.day(a), g.day(b - 1));
        let mut evidence = Vec::new();
        let mut agreeing = Vec::new();
        let mut worst_gap: f64 = 0.0;
        for (name, indep, mask, med, spread) in &per {
            if !mask[a..b].iter().any(|f| *f) {
                continue;
            }
            let w = series::sum_paired(declared, indep, a, b);
            if w.den <= 0.0 {
                continue;
            }
            let r = w.num / w.den;
            // Against the mine's usual ratio, or against 1 for a structural gap.
            let usual = med.clamp(1e-9, 1.0);
            let gap = (1.0 - r / usual).max(0.0);
            worst_gap = worst_gap.max(gap);
            agreeing.push(*name);
            evidence.push(Evidence {
                file: "output".into(),
                value: Some(w.num),
                time: Some(day_start(first)),
                detail: Some(format!(
                    "{}: {} t declared against {} t by {} on the {} days with both figures; declared/{} ratio {:.2}, the mine's usual ratio {:.2} ± {:.2} — about {} t ({:.0} %) not declared",
                    span(first, last),
                    fmt_num(w.num),
                    fmt_num(w.den),
                    name,
                    w.days,
                    name,
                    r,
                    med,
                    spread,
                    fmt_num((w.den * usual - w.num).max(0.0)),
                    100.0 * gap,
                )),
                ..Default::default()
            });
        }
        if agreeing.is_empty() {
            continue;
        }
        let days = b - a;
        let score = 35.0 + 15.0 * (agreeing.len() as f64 - 1.0) + (100.0 * worst_gap).min(35.0) + (days as f64 / 2.0).min(15.0);
        let when = span(first, last);
        let mut pull = vec![format!("production dispatch reports (调度日报) {when}")];
        pull.extend(agreeing.iter().map(|s| format!("{} {when}", records_of(s))));
        let mut walk = vec!["coal yard and stockpile (measure the pile), the weighbridge house, the main-belt scale".to_string()];
        walk.extend(face_walk(m));
        let title = format!("Declared output {when} below {} ({:.0} % gap): output not declared", agreeing.join(", "), 100.0 * worst_gap);
        let mut l = lead(
            "REC-2",
            m.code(),
            day_start(first),
            Some(day_start(last + 1)),
            None,
            title,
            evidence,
            score,
            &[taxonomy::FAKE_REPORT],
            pull,
            walk,
        );
        l.finding.id = Finding::stable_id("REC-2", m.code(), "declared-below-independent", day_start(first));
        leads.push(l);
    }
}

/// Days covered by a span of `stock_span_days` (rolling, and each calendar month)
/// over which the downstream figure exceeds the declared output, at the mine's usual
/// ratio, by more than `allowance` tonnes.
fn beyond_stock(c: &ReconcileConfig, g: Grid, declared: &[f64], indep: &[f64], usual: f64, allowance: f64) -> Vec<bool> {
    let usual = usual.clamp(1e-9, 1.0);
    let span = c.stock_span_days.max(1).min(g.n);
    let min_days = (span / 2).max(1);
    let mut mask = vec![false; g.n];
    let excess = |w: &series::Window| w.den * usual - w.num > allowance;
    for w in series::rolling(declared, indep, span, min_days).iter().filter(|w| excess(w)) {
        mask[w.start..w.end].iter_mut().for_each(|d| *d = true);
    }
    for (a, b) in series::months(g) {
        let w = series::sum_paired(declared, indep, a, b);
        if w.days >= min_days.min(b - a) && excess(&w) {
            mask[a..b].iter_mut().for_each(|d| *d = true);
        }
    }
    mask
}

/// REC-2: output declared on days every independent source explicitly records zero.
fn no_haulage(m: &MineInputs, c: &ReconcileConfig, g: Grid, out: &Outputs, leads: &mut Vec<Lead>) {
    if c.no_haulage_days == 0 {
        return;
    }
    let mut declared_days: Vec<f64> = (0..g.n).map(|i| out.get(OutputSource::Declared, i)).filter(|v| *v > 0.0).collect();
    let Some(typical) = series::median(&mut declared_days) else { return };
    let mask: Vec<bool> = (0..g.n)
        .map(|i| {
            let d = out.get(OutputSource::Declared, i);
            let indep = [
                out.get(OutputSource::BeltScale, i),
                out.get(OutputSource::Weighbridge, i),
                out.haulage(i),
                out.get(OutputSource::Sales, i),
            ];
            let recorded = indep.iter().filter(|v| !v.is_nan()).count();
            d > 0.1 * typical && recorded > 0 && indep.iter().all(|v| v.is_nan() || *v == 0.0)
        })
        .collect();
    for (a, b) in series::stretches(&mask, 0) {
        if b - a < c.no_haulage_days {
            continue;
        }
        let (first, last) = (g.day(a), g.day(b - 1));
        let when = span(first, last);
        let declared: f64 = (a..b).map(|i| out.get(OutputSource::Declared, i)).sum();
        let evidence = vec![Evidence {
            file: "output".into(),
            value: Some(declared),
            time: Some(day_start(first)),
            detail: Some(format!(
                "{when}: {} t declared over {} days while every belt-scale, weighbridge, haulage and sales record of those days shows zero",
                fmt_num(declared),
                b - a
            )),
            ..Default::default()
        }];
        let score = 40.0 + ((b - a) as f64).min(30.0);
        let pull = vec![
            format!("production dispatch reports (调度日报) {when}"),
            format!("weighbridge tickets, haulage waybills, sales invoices and stockpile surveys {when}"),
        ];
        let mut l = lead(
            "REC-2",
            m.code(),
            day_start(first),
            Some(day_start(last + 1)),
            None,
            format!("Output declared {when} with no haulage, weighing or sales at all for {} days", b - a),
            evidence,
            score,
            &[taxonomy::FAKE_REPORT],
            pull,
            vec!["coal yard and stockpile (is there coal matching the declared output?)".to_string()],
        );
        l.finding.id = Finding::stable_id("REC-2", m.code(), "declared-without-haulage", day_start(first));
        leads.push(l);
    }
}

/// One REC-3 test that flagged days: per tonne (`share == false`) or a consumer's share.
struct EnergyTest {
    mask: Vec<bool>,
    /// First days of the flagged windows.
    starts: Vec<bool>,
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
fn electricity(m: &MineInputs, c: &ReconcileConfig, g: Grid, out: &Outputs, e: &Energy, typical_declared: f64, leads: &mut Vec<Lead>) {
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
    if let Some(te) = typical_window_sum(&prod, c).filter(|t| *t > 0.0) {
        let t = Test { num: &prod, den: declared };
        let flagged = flag_windows(
            c,
            g,
            &t,
            |w| per_tonne(w, typical_declared, c.window_days),
            |w, v, med, spread| {
                let stays = w.num >= c.activity_floor * te * (w.days as f64 / c.window_days as f64);
                stays
                    && v > med * (1.0 + c.energy_min_rise)
                    && v > med + c.band_mads * spread
                    && !dropped_with_output(c, w, te, typical_declared)
            },
        );
        if let Some((mask, starts, med, spread)) = flagged {
            tests.push(EnergyTest { mask, starts, name: prod_name, share: false, num: prod.clone(), den: declared.clone(), med, spread });
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
            // The consumer's usual kWh per declared tonne: a share that rises with
            // the output (a month of high production) is no lead.
            let per_t: Vec<f64> = series::rolling(&part, declared, c.window_days, c.min_paired_days.min(c.window_days))
                .iter()
                .filter_map(|w| per_tonne(w, typical_declared, c.window_days))
                .filter(|v| v.is_finite())
                .collect();
            let Some((usual_per_t, _)) = series::median_spread(&per_t) else { continue };
            let per_t_rose = |a: usize, b: usize| {
                let w = series::sum_paired(&part, declared, a, b);
                per_tonne(&w, typical_declared, c.window_days).is_some_and(|v| v > usual_per_t * (1.0 + c.share_per_tonne_rise))
            };
            let t = Test { num: &part, den: &total };
            let flagged = flag_windows(
                c,
                g,
                &t,
                |w| (w.den > 0.0).then(|| w.num / w.den),
                |w, v, med, spread| v > med * (1.0 + c.share_min_rise) && v > med + c.band_mads * spread && per_t_rose(w.start, w.end),
            );
            if let Some((mask, starts, med, spread)) = flagged {
                tests.push(EnergyTest {
                    mask,
                    starts,
                    name: consumer_name(k).to_string(),
                    share: true,
                    num: part,
                    den: total.clone(),
                    med,
                    spread,
                });
            }
        }
    }
    let mut mask = vec![false; g.n];
    let mut starts = vec![false; g.n];
    for t in &tests {
        mask.iter_mut().zip(&t.mask).for_each(|(u, f)| *u |= *f);
        starts.iter_mut().zip(&t.starts).for_each(|(u, f)| *u |= *f);
    }
    for (a, b) in series::stretches(&mask, c.max_gap_days) {
        if !sustained(c, &starts, a, b) {
            continue;
        }
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
fn methane(m: &MineInputs, c: &ReconcileConfig, g: Grid, out: &Outputs, stop: &[bool], typical_declared: f64, leads: &mut Vec<Lead>) {
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
            if stop[i] || hours[i].count_ones() < c.min_hours || count[i] == 0 {
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
    let t = Test { num: &emission, den: declared };
    let Some((mask, starts, med, spread)) = flag_windows(
        c,
        g,
        &t,
        |w| per_tonne(w, typical_declared, c.window_days),
        |w, v, med, spread| {
            let stays = w.num >= c.activity_floor * typical * (w.days as f64 / c.window_days as f64);
            stays
                && v > med * (1.0 + c.methane_min_rise)
                && v > med + c.band_mads * spread
                && !dropped_with_output(c, w, typical, typical_declared)
        },
    ) else {
        return;
    };
    let source = if has_drainage { "ventilation emission + gas drainage" } else { "ventilation emission" };
    for (a, b) in series::stretches(&mask, c.max_gap_days) {
        if !sustained(c, &starts, a, b) {
            continue;
        }
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
            format!(
                "Methane emission per declared tonne {:.0} % over the mine's baseline {}: undeclared mining",
                100.0 * rise,
                span(first, last)
            ),
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::inputs::{Consumer, DailyOutput, DailyVolume, Day, HourlyEnergy, HourlyMethane};
    use minesafe_model::registry::{Face, MineInfo};
    use minesafe_model::{MineCode, Timestamp};

    /// Deterministic noise for the tests: a 64-bit LCG giving uniforms in [0, 1).
    pub(crate) struct Lcg(pub u64);
    impl Lcg {
        pub(crate) fn u(&mut self) -> f64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        /// `x` times a factor uniform in `[1 − r, 1 + r]`.
        pub(crate) fn noisy(&mut self, x: f64, r: f64) -> f64 {
            x * (1.0 - r + 2.0 * r * self.u())
        }
    }

    pub(crate) fn day0() -> Day {
        crate::inputs::day_of(Timestamp::parse_beijing("2025-01-01 00:00:00").expect("time"))
    }

    pub(crate) fn base_mine(days: usize) -> MineInputs {
        let mut info = MineInfo::new(MineCode::parse("140000000002").expect("mine code"));
        info.approved_capacity_tpa = Some(1_500_000.0);
        info.faces = vec![
            Face { id: "1201".into(), name: "1201综采工作面".into(), kind: "longwall".into(), ..Default::default() },
            Face { id: "1203J".into(), name: "1203运输顺槽掘进".into(), kind: "heading".into(), ..Default::default() },
        ];
        MineInputs::new(info, day_start(day0()), day_start(day0() + days as Day))
    }

    /// What a scenario changes from an honest, noisy mine.
    #[derive(Default, Clone)]
    pub(crate) struct Scenario {
        pub days: usize,
        /// Days `[a, b)` where the mine declares this fraction of what it mines.
        pub hide: Option<(usize, usize, f64)>,
        /// Days `[a, b)` where output really falls to 40 % (a holiday): every source agrees.
        pub holiday: Option<(usize, usize)>,
        /// Days `[a, b)` "stopped": nothing declared or shipped, one face of two still
        /// cutting and the coal hoisted (the Hebei pattern).
        pub stopped: Option<(usize, usize)>,
        /// Probability that a record is missing.
        pub missing: f64,
        /// Days `[a, b)` of the Spring Festival: nothing mined, declared or on the
        /// belt, while the yard ships `drawdown` t a day from the stockpile.
        pub festival: Option<(usize, usize, f64)>,
        /// Days `[a, b)` where every output figure (declared, belt, weighbridge,
        /// haulage, sales) is written down to this fraction while the mine cuts as usual.
        pub conceal: Option<(usize, usize, f64)>,
        /// Days `[a, b)` of honest production at this multiple of the usual rate.
        pub boost: Option<(usize, usize, f64)>,
        /// Without a belt scale.
        pub no_belt: bool,
    }

    fn within(d: usize, r: Option<(usize, usize)>) -> bool {
        r.is_some_and(|(a, b)| d >= a && d < b)
    }

    /// A mine of about 3 000 t/day: output by every source, hourly electricity by
    /// consumer (hoisting 9.7 % of the total), methane and gas drainage.
    pub(crate) fn simulate(s: &Scenario, seed: u64) -> MineInputs {
        let mut m = base_mine(s.days);
        let mut r = Lcg(seed);
        for d in 0..s.days {
            let day = day0() + d as Day;
            let weekday = (day + 4).rem_euclid(7); // 0 = Sunday
            let mut mined = r.noisy(3000.0 * if weekday == 0 { 0.8 } else { 1.0 }, 0.1);
            if within(d, s.holiday) {
                mined *= 0.4;
            }
            let festival = s.festival.filter(|(a, b, _)| d >= *a && d < *b);
            if festival.is_some() {
                mined = 0.0;
            }
            let boost = s.boost.filter(|(a, b, _)| d >= *a && d < *b).map_or(1.0, |x| x.2);
            mined *= boost;
            let stopped = within(d, s.stopped);
            let written = s.conceal.filter(|(a, b, _)| d >= *a && d < *b).map_or(1.0, |x| x.2);
            let mut shipped = if stopped { 0.0 } else { mined * written };
            let belt = shipped;
            if let Some((_, _, drawdown)) = festival {
                shipped = drawdown;
            }
            let mut declared = if stopped { 0.0 } else { r.noisy(mined * written, 0.02) };
            if let Some((a, b, f)) = s.hide {
                if d >= a && d < b {
                    declared *= f;
                }
            }
            let rows = [
                (OutputSource::Declared, declared),
                (OutputSource::BeltScale, r.noisy(belt, 0.03)),
                (OutputSource::Weighbridge, r.noisy(shipped, 0.05)),
                (OutputSource::Rail, r.noisy(0.6 * shipped, 0.1)),
                (OutputSource::Road, r.noisy(0.4 * shipped, 0.1)),
                (OutputSource::Sales, r.noisy(shipped, 0.15)),
            ];
            for (source, tonnes) in rows {
                if r.u() >= s.missing && !(s.no_belt && source == OutputSource::BeltScale) {
                    m.output.push(DailyOutput { day, source, tonnes });
                }
            }
            // Per hour: faces ~7 500 kWh at full output, hoisting 1 000, haulage 625,
            // ventilation 900, drainage 300.
            let scale = mined / 3000.0;
            let (face, hoist, haul) = if stopped { (0.6, 1.0, 1.0) } else { (scale, scale, scale) };
            for h in 0..24 {
                if r.u() < s.missing {
                    continue;
                }
                let hour = day_start(day).plus_secs(3600 * h);
                let parts = [
                    (Consumer::Face, r.noisy(7500.0 * face, 0.08)),
                    (Consumer::Hoisting, r.noisy(1000.0 * hoist, 0.08)),
                    (Consumer::Haulage, r.noisy(625.0 * haul, 0.08)),
                    (Consumer::Ventilation, r.noisy(900.0, 0.03)),
                    (Consumer::Drainage, r.noisy(300.0, 0.1)),
                ];
                let total: f64 = parts.iter().map(|p| p.1).sum();
                for (consumer, kwh) in parts {
                    m.energy.push(HourlyEnergy { hour, consumer, feeder: format!("{consumer:?}"), kwh });
                }
                m.energy.push(HourlyEnergy { hour, consumer: Consumer::Total, feeder: "intake".into(), kwh: total });
                // Methane: 8 m³/min from the walls and goaf, 4 more at full cutting.
                let cutting = if stopped { 0.6 } else { scale };
                m.methane.push(HourlyMethane { hour, m3_per_min: r.noisy(8.0 + 4.0 * cutting, 0.05) });
            }
            if r.u() >= s.missing {
                m.volumes.push(DailyVolume { day, kind: VolumeKind::GasDrainage, m3: r.noisy(5000.0, 0.1) });
            }
        }
        m
    }

    fn leads_of<'a>(leads: &'a [Lead], rule: &str) -> Vec<&'a Lead> {
        leads.iter().filter(|l| l.finding.rule == rule).collect()
    }

    fn day_index(l: &Lead) -> (i64, i64) {
        let a = crate::inputs::day_of(l.finding.start) - day0();
        let b = l.finding.end.map(|e| crate::inputs::day_of(e) - day0()).unwrap_or(-1);
        (a as i64, b as i64)
    }

    #[test]
    fn declared_output_below_haulage_is_a_lead() {
        // Days 100–120 the mine declares 60 % of what it mines and ships.
        let m = simulate(&Scenario { days: 181, hide: Some((100, 121, 0.6)), ..Default::default() }, 7);
        let leads = detect(&m, &Config::default());
        let rec2 = leads_of(&leads, "REC-2");
        assert_eq!(rec2.len(), 1, "{:#?}", rec2.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        let l = rec2[0];
        let (a, b) = day_index(l);
        assert!((93..=101).contains(&a) && (120..=128).contains(&b), "stretch {a}–{b}");
        assert!(l.finding.has_tag(taxonomy::FAKE_REPORT));
        assert!(l.finding.has_tag("hook:CM-1.1"), "{:?}", l.finding.tags);
        // Every independent source agrees: belt scale, weighbridge, haulage, sales.
        assert_eq!(l.finding.evidence.len(), 4, "{:#?}", l.finding.evidence);
        let text = l.finding.evidence.iter().filter_map(|e| e.detail.clone()).collect::<Vec<_>>().join("\n");
        assert!(text.contains("weighbridge") && text.contains("rail and road haulage") && text.contains("not declared"), "{text}");
        assert!(l.pull.iter().any(|p| p.starts_with("weighbridge tickets 2025-04")), "{:?}", l.pull);
        assert!(l.walk.iter().any(|w| w.contains("1201")));
        assert!(l.score >= 80.0, "{}", l.score);
        // A smaller gap (declaring 90 %) stays inside the minimum relative gap.
        let m = simulate(&Scenario { days: 181, hide: Some((100, 121, 0.9)), ..Default::default() }, 7);
        assert!(leads_of(&detect(&m, &Config::default()), "REC-2").is_empty());
    }

    #[test]
    fn declared_output_with_no_haulage_is_a_lead() {
        let mut m = simulate(&Scenario { days: 120, ..Default::default() }, 3);
        let (a, b) = (day0() + 60, day0() + 70);
        for r in m.output.iter_mut() {
            if r.day >= a && r.day < b && r.source != OutputSource::Declared {
                r.tonnes = 0.0;
            }
        }
        let leads = detect(&m, &Config::default());
        let l = leads
            .iter()
            .find(|l| l.finding.rule == "REC-2" && l.finding.title.contains("no haulage"))
            .unwrap_or_else(|| panic!("{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>()));
        assert_eq!(day_index(l), (60, 70));
        // Missing records (no zeros written) are not "no haulage".
        let mut m = simulate(&Scenario { days: 120, ..Default::default() }, 3);
        m.output.retain(|r| !(r.day >= a && r.day < b && r.source != OutputSource::Declared));
        assert!(detect(&m, &Config::default()).is_empty());
    }

    #[test]
    fn electricity_per_tonne_off_baseline_is_a_lead() {
        let m = simulate(&Scenario { days: 181, hide: Some((100, 121, 0.6)), ..Default::default() }, 11);
        let leads = detect(&m, &Config::default());
        let rec3 = leads_of(&leads, "REC-3");
        assert_eq!(rec3.len(), 1, "{:#?}", rec3.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        let l = rec3[0];
        let (a, b) = day_index(l);
        assert!((93..=101).contains(&a) && (120..=128).contains(&b), "stretch {a}–{b}");
        let text = l.finding.evidence[0].detail.clone().unwrap_or_default();
        assert!(text.contains("face + hoisting") || text.contains("hoisting + haulage + face"), "{text}");
        assert!(text.contains("kWh/t") && text.contains("baseline"), "{text}");
        assert!(l.finding.has_tag(taxonomy::FAKE_REPORT) && l.finding.has_tag(taxonomy::HIDDEN_FACE));
        assert!(l.pull.iter().any(|p| p.contains("hoist operating log")));

        // The Hebei pattern: "stopped" days 120–150, nothing declared or shipped, one
        // face still cutting and every tonne hoisted: the hoisting share of the
        // electricity rises from 9.7 % to about 13.6 %.
        let m = simulate(&Scenario { days: 181, stopped: Some((120, 150)), ..Default::default() }, 5);
        let leads = detect(&m, &Config::default());
        let rec3 = leads_of(&leads, "REC-3");
        assert_eq!(rec3.len(), 1, "{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        let l = rec3[0];
        let (a, b) = day_index(l);
        assert!((114..=121).contains(&a) && (149..=156).contains(&b), "stretch {a}–{b}");
        let share = l.finding.evidence.iter().filter_map(|e| e.detail.clone()).find(|d| d.contains("hoisting share")).unwrap_or_default();
        assert!(share.contains("baseline share 9.7 %"), "{share}");
        assert!(share.contains("share of the mine's electricity 13.") || share.contains("share of the mine's electricity 12."), "{share}");
    }

    #[test]
    fn methane_per_tonne_off_baseline_is_a_lead() {
        let m = simulate(&Scenario { days: 181, hide: Some((100, 121, 0.6)), ..Default::default() }, 13);
        let leads = detect(&m, &Config::default());
        let rec4 = leads_of(&leads, "REC-4");
        assert_eq!(rec4.len(), 1, "{:#?}", rec4.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        let l = rec4[0];
        let (a, b) = day_index(l);
        assert!((93..=101).contains(&a) && (120..=128).contains(&b), "stretch {a}–{b}");
        let text = l.finding.evidence.iter().filter_map(|e| e.detail.clone()).collect::<Vec<_>>().join("\n");
        assert!(
            text.contains("ventilation emission + gas drainage") && text.contains("m³/t") && text.contains("emission stayed"),
            "{text}"
        );
        assert!(l.finding.has_tag("hook:CM-15.5"));
        // Without the hidden output, nothing.
        let m = simulate(&Scenario { days: 181, ..Default::default() }, 13);
        assert!(leads_of(&detect(&m, &Config::default()), "REC-4").is_empty());
    }

    #[test]
    fn clean_noisy_mine_gives_no_lead() {
        for seed in 1..=6 {
            // A real holiday (every source agrees) and 3 % of records missing.
            let m = simulate(&Scenario { days: 365, holiday: Some((35, 42)), missing: 0.03, ..Default::default() }, seed);
            let leads = detect(&m, &Config::default());
            assert!(
                leads.is_empty(),
                "seed {seed}: {:#?}",
                leads.iter().map(|l| (&l.finding.title, &l.finding.evidence)).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn bad_or_missing_data_gives_no_panic_and_no_false_lead() {
        // Nothing at all; too short a history; zero output everywhere; garbage values.
        let empty = base_mine(100);
        assert!(detect(&empty, &Config::default()).is_empty());
        let short = simulate(&Scenario { days: 20, hide: Some((10, 20, 0.5)), ..Default::default() }, 1);
        assert!(detect(&short, &Config::default()).is_empty());
        let mut zero = simulate(&Scenario { days: 90, ..Default::default() }, 2);
        zero.output.iter_mut().for_each(|r| r.tonnes = 0.0);
        zero.energy.clear();
        zero.methane.clear();
        assert!(detect(&zero, &Config::default()).is_empty());
        let mut junk = simulate(&Scenario { days: 90, missing: 0.3, ..Default::default() }, 4);
        for (i, r) in junk.output.iter_mut().enumerate() {
            if i % 17 == 0 {
                r.tonnes = f64::NAN;
            } else if i % 19 == 0 {
                r.tonnes = -5.0;
            }
        }
        junk.energy.iter_mut().step_by(13).for_each(|e| e.kwh = f64::INFINITY);
        junk.methane.iter_mut().step_by(7).for_each(|e| e.m3_per_min = -1.0);
        let leads = detect(&junk, &Config::default());
        assert!(leads.is_empty(), "{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        let mut inverted = base_mine(10);
        std::mem::swap(&mut inverted.from, &mut inverted.to);
        assert!(detect(&inverted, &Config::default()).is_empty());
        let mut cfg = Config::default();
        cfg.reconcile.window_days = 0;
        assert!(detect(&simulate(&Scenario { days: 60, ..Default::default() }, 1), &cfg).is_empty());
    }

    #[test]
    fn stockpile_drawdown_while_declaring_nothing_is_no_lead() {
        // The Spring Festival: nothing mined, declared or on the belt for 9 days while
        // the yard ships 300 t a day (a tenth of a day's output) from the pile.
        for seed in 1..=4 {
            let m = simulate(&Scenario { days: 181, festival: Some((40, 49, 300.0)), ..Default::default() }, seed);
            let leads = detect(&m, &Config::default());
            assert!(leads.is_empty(), "seed {seed}: {:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
            // Without a belt scale the shipments are the only witnesses: a week's
            // drawdown below a day's output is still no lead.
            let m = simulate(&Scenario { days: 181, festival: Some((40, 49, 300.0)), no_belt: true, ..Default::default() }, seed);
            let leads = detect(&m, &Config::default());
            assert!(leads.is_empty(), "no belt, seed {seed}: {:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        }
        // Shipping 2 500 t a day out of a yard while declaring nothing for 9 days
        // (over 7 days of output) is beyond any stockpile: the weighbridge says so.
        let m = simulate(&Scenario { days: 181, festival: Some((40, 49, 2500.0)), ..Default::default() }, 3);
        let leads = detect(&m, &Config::default());
        let rec2 = leads_of(&leads, "REC-2");
        assert_eq!(rec2.len(), 1, "{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        assert!(
            rec2[0].finding.title.contains("weighbridge") && !rec2[0].finding.title.contains("belt scale"),
            "{} {:#?}",
            rec2[0].finding.title,
            rec2[0].finding.evidence.iter().map(|e| e.detail.clone()).collect::<Vec<_>>()
        );
        // Under-declaring against the belt scale is found over a short stretch, and
        // without a belt scale the weighbridge still finds a 40 % gap of three weeks.
        let m = simulate(&Scenario { days: 181, hide: Some((100, 121, 0.6)), no_belt: true, ..Default::default() }, 7);
        let rec2 = leads_of(&detect(&m, &Config::default()), "REC-2").len();
        assert_eq!(rec2, 1);
    }

    #[test]
    fn declared_stop_days_are_left_to_rec5() {
        use minesafe_model::registry::{MineStatus, StatusPeriod};
        // "Stopped" days 120–150 with one face cutting and the coal hoisted and on
        // the belt but not declared: with the stop in the registry, REC-5 (stops)
        // judges those days; REC-2…4 do not repeat it against the producing baseline.
        let mut m = simulate(&Scenario { days: 181, stopped: Some((120, 150)), ..Default::default() }, 5);
        for r in m.output.iter_mut() {
            let d = (r.day - day0()) as usize;
            if (120..150).contains(&d) && r.source == OutputSource::BeltScale {
                r.tonnes = 1800.0;
            }
        }
        let without = detect(&m, &Config::default());
        assert!(leads_of(&without, "REC-2").len() == 1 && leads_of(&without, "REC-3").len() == 1, "{:#?}", without.len());
        m.info.status_history = vec![
            StatusPeriod { status: MineStatus::Producing, from: day_start(day0()), to: Some(day_start(day0() + 120)) },
            StatusPeriod { status: MineStatus::MaintenanceStop, from: day_start(day0() + 120), to: Some(day_start(day0() + 150)) },
            StatusPeriod { status: MineStatus::Producing, from: day_start(day0() + 150), to: None },
        ];
        let leads = detect(&m, &Config::default());
        assert!(leads.is_empty(), "{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
    }

    #[test]
    fn every_output_figure_written_down_is_a_methane_lead() {
        // Days 100–142 every output figure is written down to half while the mine
        // cuts as usual: the sources agree with each other, but the methane emission
        // and the electricity did not fall with the output.
        let m = simulate(&Scenario { days: 240, conceal: Some((100, 142, 0.5)), ..Default::default() }, 17);
        let leads = detect(&m, &Config::default());
        assert!(leads_of(&leads, "REC-2").is_empty());
        let rec4 = leads_of(&leads, "REC-4");
        assert_eq!(rec4.len(), 1, "{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        let (a, b) = day_index(rec4[0]);
        assert!((93..=101).contains(&a) && (141..=149).contains(&b), "stretch {a}–{b}");
        assert!(rec4[0].finding.title.contains("undeclared mining"));
        let rec3 = leads_of(&leads, "REC-3");
        assert_eq!(rec3.len(), 1, "{:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        // A genuine holiday (output and methane fall together; Spring Festival with
        // nothing mined and the background emission staying) is no lead.
        for seed in 1..=4 {
            let m = simulate(&Scenario { days: 240, holiday: Some((150, 157)), festival: Some((40, 49, 0.0)), ..Default::default() }, seed);
            let leads = detect(&m, &Config::default());
            assert!(leads.is_empty(), "seed {seed}: {:#?}", leads.iter().map(|l| &l.finding.title).collect::<Vec<_>>());
        }
        // The odd figures must last: 9 flagged windows (a 15-day stretch) are too
        // few, 14 are a lead.
        let c = ReconcileConfig::default();
        let mut starts = [false; 30];
        starts[3..12].iter_mut().for_each(|s| *s = true);
        assert!(!sustained(&c, &starts, 0, 18));
        starts[3..17].iter_mut().for_each(|s| *s = true);
        assert!(sustained(&c, &starts, 0, 23));
        assert!(!sustained(&c, &starts, 10, 23), "only the windows starting in the stretch count");
        // The activity fell with the output (a holiday at 40 %): emission −36 %.
        let w = series::Window { start: 0, end: 7, num: 0.64 * 700.0, den: 0.4 * 21_000.0, days: 7 };
        assert!(dropped_with_output(&c, &w, 700.0, 21_000.0));
        let w = series::Window { num: 0.98 * 700.0, ..w };
        assert!(!dropped_with_output(&c, &w, 700.0, 21_000.0));
    }

    #[test]
    fn hoisting_share_rising_with_output_is_no_lead() {
        // A month at twice the output: the hoisting share rises (fans and pumps are
        // fixed) but hoisting kWh per tonne does not — honest production.
        let m = simulate(&Scenario { days: 181, boost: Some((90, 120, 2.0)), ..Default::default() }, 9);
        let mut cfg = Config::default();
        cfg.reconcile.share_min_rise = 0.03;
        assert!(leads_of(&detect(&m, &cfg), "REC-3").is_empty());
        // Without the per-tonne condition the share alone would have been a lead.
        cfg.reconcile.share_per_tonne_rise = -1.0;
        let leads = detect(&m, &cfg);
        let rec3 = leads_of(&leads, "REC-3");
        assert!(rec3.len() == 1 && rec3[0].finding.title.contains("hoisting share"), "{:#?}", leads.len());
    }

    /// `cargo test --release -p minesafe-crosscheck -- --ignored year_of_one_mine --nocapture`:
    /// the four detectors of capacity, reconcile, stops and periodic over a year of one
    /// mine with hourly electricity (6 meters), methane and 30 positioning areas.
    #[test]
    #[ignore]
    fn year_of_one_mine_is_fast() {
        use crate::inputs::AreaHour;
        let mut m = simulate(&Scenario { days: 365, ..Default::default() }, 21);
        m.info.faces[0].areas = vec!["A0".into(), "A1".into()];
        let mut r = Lcg(5);
        for d in 0..365 {
            for h in 0..24 {
                let hour = day_start(day0() + d).plus_secs(3600 * h);
                for a in 0..30 {
                    m.area_hours.push(AreaHour { hour, area: format!("A{a}"), people_max: 8, person_hours: r.noisy(6.0, 0.2) as f32 });
                }
            }
        }
        m.sort();
        let cfg = Config::default();
        let t = std::time::Instant::now();
        let mut n = 0;
        for _ in 0..10 {
            n += crate::capacity::detect(&m, &cfg).len()
                + detect(&m, &cfg).len()
                + crate::stops::detect(&m, &cfg).len()
                + crate::periodic::detect(&m, &cfg).len();
        }
        let per_mine = t.elapsed().as_secs_f64() / 10.0;
        println!(
            "one mine-year ({} energy, {} area-hour records): {:.1} ms; 500 mines ≈ {:.1} s on one core",
            m.energy.len(),
            m.area_hours.len(),
            per_mine * 1e3,
            per_mine * 500.0
        );
        assert_eq!(n, 0, "a clean mine");
        assert!(per_mine * 500.0 < 30.0);
    }

    #[test]
    fn robust_helpers() {
        assert_eq!(series::median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(series::median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(series::median(&mut []), None);
        let (m, s) = series::median_spread(&[1.0, 1.0, 2.0, 2.0, 100.0]).expect("values");
        assert_eq!(m, 2.0);
        assert!((s - 1.4826).abs() < 1e-9);
        assert_eq!(series::stretches(&[true, false, false, true, false, false, false, true], 2), vec![(0, 4), (7, 8)]);
        assert_eq!(series::fmt_num(1_234_567.4), "1 234 567");
        assert_eq!(series::fmt_num(-999.0), "-999");
        let w = series::rolling(&[1.0, f64::NAN, 1.0, 1.0], &[2.0, 2.0, 2.0, 2.0], 2, 1);
        assert_eq!(w.len(), 3);
        assert_eq!((w[0].num, w[0].den, w[0].days), (1.0, 2.0, 1));
        assert_eq!((w[2].num, w[2].den, w[2].days), (2.0, 4.0, 2));
        // A window of zeros after large values sums to exactly zero, not to residue.
        let v = [3000.1, 2999.7, 0.3, 0.0, 0.0, 0.0];
        let w = series::rolling(&v, &v, 3, 1);
        assert_eq!((w[3].num, w[3].den), (0.0, 0.0));
    }
}
