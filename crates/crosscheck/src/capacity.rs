//! Over capacity and intensity (超能力、超强度生产, HM-7.2): CM-1.1 until 2026-06-30
//! (a month over 10 % of the approved annual capacity, or a year at or over 110 %),
//! CM26-1.1 from 2026-07-01 (a year over 110 %, or underground a calendar quarter
//! over 30 %), and a run-rate warning before either happens (REC-8).
//!
//! Output of a day is the larger of the declared figure and the best independent
//! one (belt scale, else weighbridge, else rail + road, else sales), so a mine
//! cannot stay under the limit by under-declaring.
//!
//! Which version judges a period: the one in force when the period ends. Months
//! ending on or before 2026-06-30 are judged under CM-1.1 (ORD4 has no quarter
//! test); quarters starting on or after 2026-07-01 under CM26-1.1 (ORD21 has no
//! month test). Years ending before 2026-07-01 are CM-1.1 (ratio ≥ 1.10); the
//! straddling year 2026 and later ones are CM26-1.1 (ratio strictly over 1.10),
//! since the year is only complete after ORD21 came into force. So 2026 is judged
//! by its months January–June (CM-1.1), its quarters Q3–Q4 and the whole year
//! (CM26-1.1); Q1–Q2 2026 and months from July 2026 have no test.

use serde::{Deserialize, Serialize};

use minesafe_model::registry::MineKind;
use minesafe_model::{Evidence, Finding, Timestamp};

use crate::inputs::{day_of, day_start, Day, MineInputs, OutputSource};
use crate::lead::{lead, taxonomy, Lead};
use crate::reconcile::series::{self, fmt_num, span, Grid, Outputs};
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable). The legal
/// values are the defaults; changing them is for what-if analysis only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CapacityConfig {
    /// CM-1.1: a calendar month strictly over this fraction of the approved
    /// annual capacity (0.10).
    pub month_fraction: f64,
    /// CM-1.1: a calendar year at or over this multiple of capacity (1.10).
    pub year_ratio_cm: f64,
    /// CM26-1.1: a calendar year strictly over this multiple (1.10).
    pub year_ratio_cm26: f64,
    /// CM26-1.1: underground, a calendar quarter strictly over this fraction (0.30).
    pub quarter_fraction: f64,
    /// REC-8: share of the current period that must have elapsed before its run
    /// rate is projected (0.2: a week of a month, two and a half months of a year).
    pub run_rate_min_elapsed: f64,
    /// REC-8: warn when the projection exceeds the limit × this (1.0).
    pub run_rate_margin: f64,
    /// Count the independent figure when it is larger than the declared one (true).
    pub use_independent: bool,
}

impl Default for CapacityConfig {
    fn default() -> Self {
        CapacityConfig {
            month_fraction: 0.10,
            year_ratio_cm: 1.10,
            year_ratio_cm26: 1.10,
            quarter_fraction: 0.30,
            run_rate_min_elapsed: 0.2,
            run_rate_margin: 1.0,
            use_independent: true,
        }
    }
}

/// 2026-07-01 00:00 Beijing: ORD21 (CM26-1.1) replaces ORD4 (CM-1.1).
fn switch_day() -> Day {
    Timestamp::from_beijing(2026, 7, 1, 0, 0, 0).map(day_of).unwrap_or(20_635)
}

/// Relative tolerance of the limit comparisons: daily sums of decimals must not
/// turn "exactly 10 %" into "over 10 %".
const EPS: f64 = 1e-9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Month,
    Quarter,
    Year,
}

#[derive(Clone, Copy, Debug)]
struct Period {
    kind: Kind,
    /// First day, and the day after the last.
    start: Day,
    end: Day,
    year: i64,
    /// Month 1–12, or quarter 1–4.
    n: u32,
}

impl Period {
    fn label(&self) -> String {
        match self.kind {
            Kind::Month => format!("{:04}-{:02}", self.year, self.n),
            Kind::Quarter => format!("{:04} Q{}", self.year, self.n),
            Kind::Year => format!("{:04}", self.year),
        }
    }
    fn days(&self) -> i64 {
        (self.end - self.start) as i64
    }
}

fn first_of(year: i64, month: u32) -> Option<Day> {
    Timestamp::from_beijing(year, month, 1, 0, 0, 0).map(day_of)
}

/// Every month, quarter and year touching `[d0, d1)`.
fn periods(d0: Day, d1: Day) -> Vec<Period> {
    let mut out = Vec::new();
    let c0 = day_start(d0).beijing();
    let c1 = day_start(d1 - 1).beijing();
    for year in c0.year..=c1.year {
        let mut push = |kind: Kind, n: u32, m0: u32, m1: u32| {
            let start = first_of(year, m0);
            let end = if m1 > 12 { first_of(year + 1, 1) } else { first_of(year, m1) };
            if let (Some(start), Some(end)) = (start, end) {
                if start < d1 && end > d0 {
                    out.push(Period { kind, start, end, year, n });
                }
            }
        };
        push(Kind::Year, 0, 1, 13);
        for q in 0..4u32 {
            push(Kind::Quarter, q + 1, 3 * q + 1, 3 * q + 4);
        }
        for mo in 1..=12u32 {
            push(Kind::Month, mo, mo, mo + 1);
        }
    }
    out
}

/// The limit that applies to a period: rule, limit in tonnes, whether reaching it
/// exactly counts, and the limit in words.
fn limit(p: &Period, cap: f64, underground: bool, c: &CapacityConfig, switch: Day) -> Option<(&'static str, f64, bool, String)> {
    match p.kind {
        Kind::Month if p.end <= switch => Some((
            "CM-1.1",
            c.month_fraction * cap,
            false,
            format!("more than {:.0} % of the annual capacity in a month", 100.0 * c.month_fraction),
        )),
        Kind::Quarter if p.start >= switch && underground => Some((
            "CM26-1.1",
            c.quarter_fraction * cap,
            false,
            format!("more than {:.0} % of the annual capacity in a calendar quarter", 100.0 * c.quarter_fraction),
        )),
        Kind::Year if p.end <= switch => {
            Some(("CM-1.1", c.year_ratio_cm * cap, true, format!("{:.0} % of the capacity or more in a year", 100.0 * c.year_ratio_cm)))
        }
        Kind::Year => Some((
            "CM26-1.1",
            c.year_ratio_cm26 * cap,
            false,
            format!("more than {:.0} % of the capacity in a year", 100.0 * c.year_ratio_cm26),
        )),
        _ => None,
    }
}

fn exceeds(x: f64, limit: f64, inclusive: bool) -> bool {
    if inclusive {
        x >= limit * (1.0 - EPS)
    } else {
        x > limit * (1.0 + EPS)
    }
}

/// Output of one period, as counted and as declared.
struct Tally {
    counted: f64,
    declared: f64,
    /// Independent tonnes over the days that had them, and the sources used.
    independent: f64,
    sources: Vec<&'static str>,
    /// Days the independent figure exceeded the declared one.
    days_above: usize,
    days_with_data: usize,
    peak: (f64, Day),
}

fn tally(g: Grid, out: &Outputs, a: usize, b: usize, use_independent: bool) -> Tally {
    let mut t = Tally {
        counted: 0.0,
        declared: 0.0,
        independent: 0.0,
        sources: Vec::new(),
        days_above: 0,
        days_with_data: 0,
        peak: (0.0, g.day(a)),
    };
    for i in a..b {
        let d = out.get(OutputSource::Declared, i);
        let (ind, name) = out.independent(i);
        let best = match (d.is_nan(), ind.is_nan() || !use_independent) {
            (true, true) => continue,
            (false, true) => d,
            (true, false) => ind,
            (false, false) => d.max(ind),
        };
        t.days_with_data += 1;
        t.counted += best;
        if !d.is_nan() {
            t.declared += d;
        }
        if !ind.is_nan() {
            t.independent += ind;
            if !t.sources.contains(&name) {
                t.sources.push(name);
            }
            if use_independent && ind > if d.is_nan() { 0.0 } else { d } {
                t.days_above += 1;
            }
        }
        if best > t.peak.0 {
            t.peak = (best, g.day(i));
        }
    }
    t
}

/// The leads of this module for one mine.
pub fn detect(m: &MineInputs, cfg: &Config) -> Vec<Lead> {
    let c = &cfg.capacity;
    let Some(cap) = m.info.approved_capacity_tpa.filter(|v| v.is_finite() && *v > 0.0) else { return Vec::new() };
    let Some(g) = Grid::of(m) else { return Vec::new() };
    let underground = !matches!(m.info.kind, Some(MineKind::CoalOpenPit | MineKind::MnmOpenPit | MineKind::TailingsFacility));
    let out = Outputs::of(m, g);
    let switch = switch_day();
    let (d0, d1) = (g.d0, g.d0 + g.n as Day);
    let mut leads = Vec::new();
    for p in periods(d0, d1) {
        let Some((rule, lim, inclusive, words)) = limit(&p, cap, underground, c, switch) else { continue };
        let (a, b) = (p.start.max(d0), p.end.min(d1));
        let (Some(ia), Some(ib)) = (g.idx(a), g.idx(b - 1)) else { continue };
        let t = tally(g, &out, ia, ib + 1, c.use_independent);
        if t.days_with_data == 0 {
            continue;
        }
        if exceeds(t.counted, lim, inclusive) {
            leads.push(over(m, &p, rule, cap, lim, &words, &t, a, b));
            continue;
        }
        // REC-8: the current period, still running at `to`.
        if p.end > d1 && b == d1 {
            let elapsed = (b - a) as f64;
            if elapsed / p.days() as f64 >= c.run_rate_min_elapsed {
                let projected = t.counted / elapsed * p.days() as f64;
                if exceeds(projected, lim * c.run_rate_margin, inclusive) {
                    leads.push(run_rate(m, &p, rule, cap, lim, &words, &t, a, b, projected));
                }
            }
        }
    }
    leads
}

fn taxonomy_of(p: &Period) -> &'static [&'static str] {
    match p.kind {
        Kind::Year => &[taxonomy::OVER_CAPACITY],
        _ => &[taxonomy::OVER_INTENSITY],
    }
}

fn summary(p: &Period, cap: f64, t: &Tally, a: Day, b: Day) -> Evidence {
    let sources = if t.sources.is_empty() { "no independent source".to_string() } else { t.sources.join(", ") };
    Evidence {
        file: "output".into(),
        value: Some(t.counted),
        time: Some(day_start(a)),
        detail: Some(format!(
            "{} ({}): {} t raw coal counted on {} days with figures ({} t declared; {} t by {}), {:.1} % of the approved capacity {} t/a",
            p.label(),
            span(a, b - 1),
            fmt_num(t.counted),
            t.days_with_data,
            fmt_num(t.declared),
            fmt_num(t.independent),
            sources,
            100.0 * t.counted / cap,
            fmt_num(cap)
        )),
        ..Default::default()
    }
}

fn extra_evidence(t: &Tally, ev: &mut Vec<Evidence>) {
    ev.push(Evidence {
        file: "output".into(),
        value: Some(t.peak.0),
        time: Some(day_start(t.peak.1)),
        detail: Some(format!("largest day {}: {} t", series::date(t.peak.1), fmt_num(t.peak.0))),
        ..Default::default()
    });
    if t.days_above > 0 && t.counted > t.declared * 1.01 {
        ev.push(Evidence {
            file: "output".into(),
            value: Some(t.counted - t.declared),
            detail: Some(format!(
                "on {} days the independent figure ({}) exceeded the declared output: {} t more than declared were counted",
                t.days_above,
                t.sources.join(", "),
                fmt_num(t.counted - t.declared)
            )),
            ..Default::default()
        });
    }
}

fn pull_walk(m: &MineInputs, a: Day, b: Day) -> (Vec<String>, Vec<String>) {
    let when = span(a, b - 1);
    let pull = vec![
        format!("production dispatch reports (调度日报) and monthly output statistics {when}"),
        format!("main-belt scale accumulator readings, weighbridge tickets, haulage waybills and sales invoices {when}"),
        format!("main-shaft hoist operating log (skip counts) {when}"),
    ];
    let mut walk = vec!["main shaft hoist room and main-belt scale (check the accumulator and its calibration)".to_string()];
    walk.extend(crate::reconcile::face_walk(m));
    (pull, walk)
}

#[allow(clippy::too_many_arguments)]
fn over(m: &MineInputs, p: &Period, rule: &str, cap: f64, lim: f64, words: &str, t: &Tally, a: Day, b: Day) -> Lead {
    let ratio = t.counted / lim;
    let mut ev = vec![summary(p, cap, t, a, b)];
    ev[0].detail = ev[0].detail.take().map(|d| format!("{d}; the {rule} limit is {words} ({} t)", fmt_num(lim)));
    extra_evidence(t, &mut ev);
    let (pull, walk) = pull_walk(m, a, b);
    let title = format!(
        "Over capacity: {} output {} t is {:.1} % of the approved {} t/a ({rule}: {words})",
        p.label(),
        fmt_num(t.counted),
        100.0 * t.counted / cap,
        fmt_num(cap)
    );
    let score = 70.0 + 300.0 * (ratio - 1.0).max(0.0);
    let mut l = lead(rule, m.code(), day_start(a), Some(day_start(b)), None, title, ev, score, taxonomy_of(p), pull, walk);
    l.finding.peak = Some(t.counted / cap);
    l.finding.id = Finding::stable_id(rule, m.code(), &p.label(), day_start(p.start));
    l
}

#[allow(clippy::too_many_arguments)]
fn run_rate(m: &MineInputs, p: &Period, rule: &str, cap: f64, lim: f64, words: &str, t: &Tally, a: Day, b: Day, projected: f64) -> Lead {
    let mut ev = vec![summary(p, cap, t, a, b)];
    let elapsed = b - a;
    ev.push(Evidence {
        file: "output".into(),
        value: Some(projected),
        time: Some(day_start(b)),
        detail: Some(format!(
            "at {} t/day over the {} days so far, {} projects to {} t by {}: {:.1} % of the capacity, over the {rule} limit of {words} ({} t); {} t remain before the limit",
            fmt_num(t.counted / elapsed as f64),
            elapsed,
            p.label(),
            fmt_num(projected),
            series::date(p.end - 1),
            100.0 * projected / cap,
            fmt_num(lim),
            fmt_num((lim - t.counted).max(0.0))
        )),
        ..Default::default()
    });
    extra_evidence(t, &mut ev);
    let (pull, walk) = pull_walk(m, a, b);
    let title = format!(
        "Run-rate warning: {} output so far {} t projects to {} t ({:.1} % of the approved {} t/a), over the {rule} limit",
        p.label(),
        fmt_num(t.counted),
        fmt_num(projected),
        100.0 * projected / cap,
        fmt_num(cap)
    );
    let fraction = elapsed as f64 / p.days() as f64;
    let score = (25.0 + 100.0 * (projected / lim - 1.0)).min(45.0) + 15.0 * fraction;
    let mut l = lead("REC-8", m.code(), day_start(a), Some(day_start(b)), None, title, ev, score, taxonomy_of(p), pull, walk);
    l.finding.peak = Some(projected / cap);
    l.finding.id = Finding::stable_id("REC-8", m.code(), &p.label(), day_start(p.start));
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::DailyOutput;
    use minesafe_model::registry::MineInfo;
    use minesafe_model::MineCode;

    const CAP: f64 = 1_200_000.0;

    fn day(y: i64, mo: u32, d: u32) -> Day {
        first_of(y, mo).expect("valid month") + d as Day - 1
    }

    fn mine(kind: Option<MineKind>, cap: Option<f64>, from: Day, to: Day) -> MineInputs {
        let code = MineCode::parse("140000000001").expect("mine code");
        let mut info = MineInfo::new(code);
        info.kind = kind;
        info.approved_capacity_tpa = cap;
        MineInputs::new(info, day_start(from), day_start(to))
    }

    /// Declared output spread evenly over the days of each month `[from, to)`, the
    /// month's total from `month_total(year, month)`.
    fn fill(m: &mut MineInputs, from: Day, to: Day, month_total: impl Fn(i64, u32) -> f64) {
        let mut d = from;
        while d < to {
            let c = day_start(d).beijing();
            let (ny, nm) = if c.month == 12 { (c.year + 1, 1) } else { (c.year, c.month + 1) };
            let len = first_of(ny, nm).expect("month") - first_of(c.year, c.month).expect("month");
            let per_day = month_total(c.year, c.month) / len as f64;
            m.output.push(DailyOutput { day: d, source: OutputSource::Declared, tonnes: per_day });
            d += 1;
        }
    }

    fn rules(leads: &[Lead]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = leads.iter().map(|l| (l.finding.rule.clone(), l.finding.start.beijing_date())).collect();
        v.sort();
        v
    }

    fn run(m: &MineInputs) -> Vec<Lead> {
        detect(m, &Config::default())
    }

    #[test]
    fn month_over_a_tenth_or_year_at_110_percent_before_july_2026() {
        // 2025: eleven months at 100 000 t, March at 130 000 t (10.8 % of capacity).
        let (from, to) = (day(2025, 1, 1), day(2026, 1, 1));
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        fill(&mut m, from, to, |_, mo| if mo == 3 { 130_000.0 } else { 100_000.0 });
        let leads = run(&m);
        assert_eq!(rules(&leads), vec![("CM-1.1".to_string(), "2025-03-01".to_string())]);
        let l = &leads[0];
        assert!(l.finding.has_tag(taxonomy::OVER_INTENSITY));
        assert!(l.finding.title.contains("2025-03") && l.finding.title.contains("10.8 %"), "{}", l.finding.title);
        assert!(l.finding.evidence[0].detail.as_deref().unwrap_or("").contains("130 000 t"));
        assert!(!l.pull.is_empty() && !l.walk.is_empty());
        assert!(l.score >= 70.0);

        // 2025: every month 110 000 t (9.2 %): no month is over, the year is 110 %.
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        fill(&mut m, from, to, |_, _| 110_000.0);
        let leads = run(&m);
        assert_eq!(rules(&leads), vec![("CM-1.1".to_string(), "2025-01-01".to_string())]);
        assert!(leads[0].finding.has_tag(taxonomy::OVER_CAPACITY));
        assert!((leads[0].finding.peak.unwrap_or(0.0) - 1.10).abs() < 1e-6);
    }

    #[test]
    fn year_over_110_percent_or_quarter_over_30_percent_from_july_2026() {
        // 2027: Q2 at 400 000 t (33 %), other quarters 300 000 t: quarter over, year 108 %.
        let (from, to) = (day(2027, 1, 1), day(2028, 1, 1));
        let q = |mo: u32| if (4..=6).contains(&mo) { 400_000.0 / 3.0 } else { 100_000.0 };
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        fill(&mut m, from, to, |_, mo| q(mo));
        let leads = run(&m);
        // Months of 133 333 t (11 %) are no longer a test under CM26-1.1.
        assert_eq!(rules(&leads), vec![("CM26-1.1".to_string(), "2027-04-01".to_string())]);
        assert!(leads[0].finding.title.contains("2027 Q2"), "{}", leads[0].finding.title);
        // An open-pit mine has no quarter test.
        let mut open = mine(Some(MineKind::CoalOpenPit), Some(CAP), from, to);
        fill(&mut open, from, to, |_, mo| q(mo));
        assert!(run(&open).is_empty());
        // An unknown kind is treated as underground.
        let mut unknown = mine(None, Some(CAP), from, to);
        fill(&mut unknown, from, to, |_, mo| q(mo));
        assert_eq!(run(&unknown).len(), 1);

        // 2027 at 111 000 t a month: 111 % of capacity, every quarter 27.75 %.
        let mut m = mine(Some(MineKind::CoalOpenPit), Some(CAP), from, to);
        fill(&mut m, from, to, |_, _| 111_000.0);
        let leads = run(&m);
        assert_eq!(rules(&leads), vec![("CM26-1.1".to_string(), "2027-01-01".to_string())]);
        assert!(leads[0].finding.has_tag(taxonomy::OVER_CAPACITY));
    }

    #[test]
    fn the_year_2026_is_judged_by_months_until_june_and_quarters_from_july() {
        let (from, to) = (day(2026, 1, 1), day(2027, 1, 1));
        // May and August at 130 000 t (over a tenth), Q3 total 370 000 t (30.8 %).
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        fill(&mut m, from, to, |_, mo| match mo {
            5 => 130_000.0,
            7 | 9 => 120_000.0,
            8 => 130_000.0,
            _ => 90_000.0,
        });
        let leads = run(&m);
        // May under CM-1.1; August has no month test; Q3 under CM26-1.1; year 1.205 Mt ≤ 110 %.
        assert_eq!(
            rules(&leads),
            vec![("CM-1.1".to_string(), "2026-05-01".to_string()), ("CM26-1.1".to_string(), "2026-07-01".to_string())]
        );
        // The year 2026 at exactly 110 % is judged under CM26-1.1: not over.
        let mut m = mine(Some(MineKind::CoalOpenPit), Some(CAP), from, to);
        fill(&mut m, from, to, |_, _| 110_000.0);
        assert!(run(&m).is_empty());
    }

    #[test]
    fn limits_at_exactly_the_boundary() {
        // A month at exactly 10 % (120 000 t) is not over; 2025 at 11 × 100 000 + 120 000 = 101.7 %.
        let (from, to) = (day(2025, 1, 1), day(2026, 1, 1));
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        fill(&mut m, from, to, |_, mo| if mo == 3 { 120_000.0 } else { 100_000.0 });
        assert!(run(&m).is_empty(), "{:?}", rules(&run(&m)));
        // 110 % of the year: over before July 2026 (≥), not after (>).
        let mut before = mine(Some(MineKind::CoalOpenPit), Some(CAP), from, to);
        fill(&mut before, from, to, |_, _| 110_000.0);
        assert_eq!(rules(&run(&before)), vec![("CM-1.1".to_string(), "2025-01-01".to_string())]);
        let (f27, t27) = (day(2027, 1, 1), day(2028, 1, 1));
        let mut after = mine(Some(MineKind::CoalOpenPit), Some(CAP), f27, t27);
        fill(&mut after, f27, t27, |_, _| 110_000.0);
        assert!(run(&after).is_empty());
        // A quarter at exactly 30 % (360 000 t) is not over; at 360 100 t it is.
        let mut q = mine(Some(MineKind::CoalUnderground), Some(CAP), f27, t27);
        fill(&mut q, f27, t27, |_, mo| if mo <= 3 { 120_000.0 } else { 90_000.0 });
        assert!(run(&q).is_empty());
        let mut q = mine(Some(MineKind::CoalUnderground), Some(CAP), f27, t27);
        fill(&mut q, f27, t27, |_, mo| if mo <= 3 { 120_033.4 } else { 90_000.0 });
        assert_eq!(rules(&run(&q)), vec![("CM26-1.1".to_string(), "2027-01-01".to_string())]);
    }

    #[test]
    fn run_rate_warns_before_the_limit_is_reached() {
        // 2027 analysed up to 1 October: 1 000 000 t in 273 days (83 % of capacity so
        // far) projects to 1 337 000 t, 111 % > 110 %: a warning, not a violation.
        let (from, to) = (day(2027, 1, 1), day(2027, 10, 1));
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        let n = to - from;
        for d in from..to {
            m.output.push(DailyOutput { day: d, source: OutputSource::Declared, tonnes: 1_000_000.0 / n as f64 });
        }
        let leads = run(&m);
        assert_eq!(rules(&leads), vec![("REC-8".to_string(), "2027-01-01".to_string())]);
        let l = &leads[0];
        assert!(l.finding.title.contains("Run-rate") && l.finding.title.contains("1 336 996"), "{}", l.finding.title);
        assert!(l.finding.evidence.iter().any(|e| e.detail.as_deref().unwrap_or("").contains("projects to 1 336 996 t by 2027-12-31")));
        assert!(l.score < 70.0, "a warning ranks below a violation: {}", l.score);

        // March 2026 analysed up to the 11th: 42 000 t in 10 days projects to 130 200 t > 120 000 t.
        let (from, to) = (day(2026, 3, 1), day(2026, 3, 11));
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        for d in from..to {
            m.output.push(DailyOutput { day: d, source: OutputSource::Declared, tonnes: 4_200.0 });
        }
        let leads = run(&m);
        assert_eq!(rules(&leads), vec![("REC-8".to_string(), "2026-03-01".to_string())]);
        assert!(leads[0].finding.title.contains("2026-03"));
        // Once the month is over the limit, the violation replaces the warning.
        for d in from..to {
            m.output.push(DailyOutput { day: d, source: OutputSource::BeltScale, tonnes: 12_100.0 });
        }
        assert_eq!(rules(&run(&m)), vec![("CM-1.1".to_string(), "2026-03-01".to_string())]);
        // Too early in the period to project: 3 days of a month.
        let (from, to) = (day(2026, 3, 1), day(2026, 3, 4));
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        for d in from..to {
            m.output.push(DailyOutput { day: d, source: OutputSource::Declared, tonnes: 5_000.0 });
        }
        assert!(run(&m).is_empty());
    }

    #[test]
    fn independent_sources_count_when_the_mine_under_declares() {
        // Declared 100 000 t a month; the belt scale in June saw 125 000 t.
        let (from, to) = (day(2025, 1, 1), day(2026, 1, 1));
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        fill(&mut m, from, to, |_, _| 100_000.0);
        for d in day(2025, 6, 1)..day(2025, 7, 1) {
            m.output.push(DailyOutput { day: d, source: OutputSource::BeltScale, tonnes: 125_000.0 / 30.0 });
        }
        let leads = run(&m);
        assert_eq!(rules(&leads), vec![("CM-1.1".to_string(), "2025-06-01".to_string())]);
        let ev = &leads[0].finding.evidence;
        assert!(ev.iter().any(|e| e.detail.as_deref().unwrap_or("").contains("belt scale")));
        assert!(ev.iter().any(|e| e.value.is_some_and(|v| (v - 25_000.0).abs() < 1.0)), "under-declared tonnes in evidence");
        // With the independent figures switched off, only the declared output counts.
        let mut cfg = Config::default();
        cfg.capacity.use_independent = false;
        assert!(detect(&m, &cfg).is_empty());
    }

    #[test]
    fn clean_noisy_mine_and_bad_data_give_no_lead() {
        // A mine at about 85 % of capacity with ±20 % daily noise, a few missing days.
        let (from, to) = (day(2025, 1, 1), day(2027, 6, 15));
        let mut m = mine(Some(MineKind::CoalUnderground), Some(CAP), from, to);
        let mut s: u64 = 42;
        for d in from..to {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let u = (s >> 33) as f64 / (1u64 << 31) as f64;
            if u < 0.02 {
                continue;
            }
            let t = 0.85 * CAP / 365.0 * (0.8 + 0.4 * u);
            m.output.push(DailyOutput { day: d, source: OutputSource::Declared, tonnes: t });
            m.output.push(DailyOutput { day: d, source: OutputSource::Weighbridge, tonnes: t * (0.97 + 0.06 * u) });
        }
        assert!(run(&m).is_empty(), "{:?}", rules(&run(&m)));
        // No capacity, zero capacity, NaN capacity: nothing to judge.
        for cap in [None, Some(0.0), Some(f64::NAN)] {
            let mut x = m.clone();
            x.info.approved_capacity_tpa = cap;
            assert!(run(&x).is_empty());
        }
        // Zero output, garbage values, an empty or inverted period.
        let mut z = mine(None, Some(CAP), from, to);
        for d in from..to {
            z.output.push(DailyOutput { day: d, source: OutputSource::Declared, tonnes: 0.0 });
            z.output.push(DailyOutput { day: d, source: OutputSource::Sales, tonnes: f64::NAN });
            z.output.push(DailyOutput { day: d, source: OutputSource::Weighbridge, tonnes: -1e9 });
            z.output.push(DailyOutput { day: d + 10_000, source: OutputSource::Declared, tonnes: 1e12 });
        }
        assert!(run(&z).is_empty());
        let empty = mine(None, Some(CAP), from, from);
        assert!(run(&empty).is_empty());
        let inverted = mine(None, Some(CAP), to, from);
        assert!(run(&inverted).is_empty());
    }
}
