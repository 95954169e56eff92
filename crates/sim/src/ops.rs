//! A simulated year of a region's operations data (生产经营数据) for the cross-checks
//! of illegal operation (HM-3.1, issue 4), in memory: per mine the registry entry
//! and every series [`minesafe_crosscheck::MineInputs`] holds, plus the ground
//! truth ([`OpsTruth`]) of the patterns injected into it.
//!
//! Why a separate simulator from the upload one ([`crate::simulate`]): the
//! cross-checks compare daily and hourly figures over months (output by source,
//! electricity by consumer, explosives, gas, water, crews, cards), which the
//! minute-level upload simulator cannot produce for 500 mines × a year.
//!
//! # The normal mine
//! - Registry: 12-digit code `140000` + a 6-digit sequence (index + 1), approved
//!   capacity 0.3 / 0.6 / 0.9 / 1.5 / 3.0 / 5.0 Mt/a, underground, gas grade
//!   low / high / outburst, hydro class, 1–3 declared faces (face 0 a
//!   fully-mechanised longwall, kind `longwall`; then headings, kind `heading`
//!   (mechanised, 综掘) or `heading_conventional` (drill-and-blast, 炮掘)), each
//!   with one positioning area, methane/CO points and one feeder; one common area
//!   (大巷及井底车场) with roadway staff on the maintenance shift; on about a sixth of the larger mines
//!   rock-burst zones (`rock_burst_level` of the face areas); the 三八制 schedule
//!   as [`crate::simulate`] writes it (零点班 00–08 and 四点班 16–24 produce,
//!   八点班(检修) 08–16 maintains); status `producing`, with a declared
//!   `maintenance_stop` of 2–4 weeks on a quarter of the clean mines.
//! - Output: on working days 85–95 % of capacity / 330, Sundays 75 %, public
//!   holidays 60 %, nothing over the Spring Festival or a declared stop, with
//!   bounded noise (so that a clean month stays ≤ 9 % of capacity, a quarter ≤
//!   26 %, the year under 100 %). Declared ≈ true ± 0.7 %; belt scale ≈ true ±
//!   1.2 % (within 2 % of declared). Shipments are the day's output ± 4 % through
//!   a stockpile of 2.5 days that the yard pulls back to size (so nothing is
//!   sold from it during a stop), and every haulage source is the same coal:
//!   weighbridge (地磅: trucks at the gate and wagons on the track scale) ≈ rail
//!   and road together ≈ sales ≈ shipments, within 3 % of the declared output
//!   over any four weeks with a week's output (within 1 % in practice). Every
//!   source has a row every day (0 when nothing moved); rail only for mines of
//!   1.5 Mt/a and more.
//! - Electricity, kWh per hour by consumer: ventilation constant; drainage ∝ water
//!   inflow (seasonal peak in the rainy season); hoisting 20 % men and material
//!   (peaks at shift changes) + 80 % ∝ the hour's tonnes, 9.7 % of the total on a
//!   normal working day (the Hebei baseline, anchors §1.7); haulage 30 % fixed +
//!   70 % ∝ tonnes; each face on its own feeder (30 % idle + 70 % ∝ its share of
//!   the tonnes). Mine-wide consumers carry an empty `feeder`; no `Total` row (the
//!   sum of the consumers is the total).
//! - Explosives: each heading, each producing day (drill-and-blast every day,
//!   mechanised headings on about half of the days for rock sections).
//! - Gas: hourly absolute methane emission by ventilation 40 % background + 60 %
//!   ∝ the tonnes of the last ~12 h, by gas grade (low 2–5 m³/t, high 12–20,
//!   outburst 15–28); daily drainage (high 45 %, outburst 55 % of the methane, none
//!   in low-gas mines); daily water inflow.
//! - People: per face and shift a crew below the limit (national POS-4 table:
//!   longwall 25, mechanised heading 18, conventional heading 15; in rock-burst
//!   zones 规程 Art. 358: longwall 16 producing / 40 maintenance, headings in
//!   medium-or-higher zones 9 cutting / 15 otherwise), `approved_extra` 0; hourly
//!   area aggregates only for areas with people; a roster of 60–150 cards with
//!   identities; 3–5 leaders (矿领导) with a monthly rota of 15–20 shifts, always
//!   met; card trips and lamp records for every leader and a sample of 6 workers
//!   (to keep memory small), each trip with its lamp record; 10–20 inspection days
//!   a year on working days; no upload gaps.
//!
//! # Patterns
//! [`PatternKind`] lists them with the rules that should fire; each injected
//! instance gives one or more [`OpsTruth`] lines. `rules[0]` is the detection the
//! pattern is built for; the others are consequences a correct detector may
//! also report (e.g. under-declared output also raises electricity per declared
//! tonne). Strengths scale people, hours, duration and the number of signals.
//! Clean mines (a `clean_share` of the mines, drawn by the seed) carry no pattern
//! and no truth; pattern mines carry the patterns round-robin (one each as long as
//! there are enough pattern mines).
//!
//! Memory: one mine-year is ~6 MB, ~85k rows (hourly energy ~3.2 MB and hourly
//! area rows ~1.5 MB dominate: the row types carry a `String` each); 500 mines at
//! once ([`simulate_ops`]) peak at ~3.0 GB and take ~9 s on 2 cores (release).
//! To stay small, stream with [`simulate_mine`], which gives the same mine. Determinism: each mine draws from its own `ChaCha8Rng`
//! streams of (seed, mine index, purpose), so a mine's data does not depend on
//! the other mines.

use minesafe_crosscheck::inputs::{
    day_of, day_start, AreaHour, CardIdentity, CardTrip, Consumer, CrewActivity, DailyOutput, DailyVolume, Day, ExplosivesIssue,
    HourlyEnergy, HourlyMethane, LampRecord, LeaderRota, OutputSource, ShiftCrew, UploadGap, VolumeKind,
};
use minesafe_crosscheck::MineInputs;
use minesafe_model::registry::{AreaEntry, Contact, Face, GasGrade, HydroClass, MineInfo, MineKind, MineStatus, Shift, StatusPeriod};
use minesafe_model::{MineCode, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How strongly a pattern shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Weak,
    Medium,
    Strong,
}

impl Strength {
    pub const ALL: [Strength; 3] = [Strength::Weak, Strength::Medium, Strength::Strong];

    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Weak => "weak",
            Strength::Medium => "medium",
            Strength::Strong => "strong",
        }
    }

    pub fn parse(s: &str) -> Option<Strength> {
        Strength::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The value for this strength out of (weak, medium, strong).
    fn pick<T: Copy>(self, v: [T; 3]) -> T {
        v[self as usize]
    }
}

/// An injectable pattern of illegal operation or concealment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternKind {
    /// 隐蔽工作面: a crew in an undeclared area one shift a day (weak: 5 people 5 h;
    /// medium: 8 people 8 h + power on an undeclared feeder; strong: 12 people 8 h +
    /// feeder + explosives issued to the area), 3 / 5 / 8 weeks → REC-1.
    HiddenFace,
    /// A month between March and May at 11 / 14 / 19 % of the annual capacity → CM-1.1, REC-8.
    OverCapacityMonth,
    /// The third or fourth quarter at 31 / 34 / 38 % of the annual capacity → CM26-1.1, REC-8.
    OverCapacityQuarter,
    /// Declared output 15 / 25 / 40 % below the belt, weighbridge and sales for 3 / 5 / 8 weeks → REC-2 (REC-3, REC-4).
    UnderDeclared,
    /// Hoisting share of the electricity up from 9.7 % to 11.5 / 13 / 15 %, the extra
    /// at night, all output figures flat, 4 / 6 / 8 weeks → REC-3.
    ElectricityPerTonne,
    /// Every output figure × 0.65 / 0.5 / 0.4 while methane emission (and
    /// electricity) stay, 4 / 6 / 8 weeks → REC-4 (REC-3).
    MethanePerTonne,
    /// During a declared maintenance stop, production 00–06 at 35 / 60 / 80 % of the
    /// normal hourly rate (weak: 60 % of the nights, hoisting, haulage and face
    /// power; medium: every night + explosives; strong: + night crews and the belt
    /// scale counting it) → REC-5, REC-6.
    ProductionDuringStop,
    /// Output, crews and explosives down to 55 % (on 70 % of the inspection days) /
    /// 30 % / 10 % on inspection days → REC-6.
    AvoidInspections,
    /// 06:00–20:00 activity (tonnes, crews) down to 50 / 25 / 5 %, moved to the
    /// night, daily output unchanged, 3 / 5 / 8 weeks → REC-6.
    NightWork,
    /// A face at 1.25 / 1.35 / 1.5 × its national limit for 3 / 6 / 12 producing
    /// shifts, once before 2026-07-01 (CM-1.6) and once after (CM26-1.3).
    OverCrew,
    /// A face in a rock-burst zone above 规程 Art. 358 (longwall 18 / 20 / 23 against
    /// 16; heading in a medium-or-higher zone 11 / 12 / 14 against 9) but under the
    /// national limit, for 3 / 6 / 12 producing shifts → POS-8.
    RockBurstCrew,
    /// A leader underground 30 / 50 / 70 % fewer shifts than the rota in one month → REC-7.
    LeaderAbsent,
    /// 1 / 2 / 3 cards of one shift go down and never come up, lamps not returned,
    /// the cards never seen again → ACC-LEAD-1 (one truth line per card).
    CardNeverUp,
    /// One worker with a second card on the identity list, both underground together
    /// on 2 / 5 / 10 shifts → ACC-LEAD-2.
    SeveralCards,
    /// A worker's card goes underground and moves between areas on 2 / 5 / 10 days
    /// when the worker drew no lamp → ACC-LEAD-2.
    CardMovesHolderOut,
    /// A positioning upload gap of 1 / 3 / 6 h (strong: monitoring too) in a
    /// producing night shift while hoisting power continues; afterwards the face
    /// headcount is 30 / 50 / 70 % lower for the rest of the day → ACC-LEAD-3.
    UploadStopPowerOn,
}

impl PatternKind {
    pub const ALL: [PatternKind; 16] = [
        PatternKind::HiddenFace,
        PatternKind::OverCapacityMonth,
        PatternKind::OverCapacityQuarter,
        PatternKind::UnderDeclared,
        PatternKind::ElectricityPerTonne,
        PatternKind::MethanePerTonne,
        PatternKind::ProductionDuringStop,
        PatternKind::AvoidInspections,
        PatternKind::NightWork,
        PatternKind::OverCrew,
        PatternKind::RockBurstCrew,
        PatternKind::LeaderAbsent,
        PatternKind::CardNeverUp,
        PatternKind::SeveralCards,
        PatternKind::CardMovesHolderOut,
        PatternKind::UploadStopPowerOn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PatternKind::HiddenFace => "hidden_face",
            PatternKind::OverCapacityMonth => "over_capacity_month",
            PatternKind::OverCapacityQuarter => "over_capacity_quarter",
            PatternKind::UnderDeclared => "under_declared",
            PatternKind::ElectricityPerTonne => "electricity_per_tonne",
            PatternKind::MethanePerTonne => "methane_per_tonne",
            PatternKind::ProductionDuringStop => "production_during_stop",
            PatternKind::AvoidInspections => "avoid_inspections",
            PatternKind::NightWork => "night_work",
            PatternKind::OverCrew => "over_crew",
            PatternKind::RockBurstCrew => "rock_burst_crew",
            PatternKind::LeaderAbsent => "leader_absent",
            PatternKind::CardNeverUp => "card_never_up",
            PatternKind::SeveralCards => "several_cards",
            PatternKind::CardMovesHolderOut => "card_moves_holder_out",
            PatternKind::UploadStopPowerOn => "upload_stop_power_on",
        }
    }

    pub fn parse(s: &str) -> Option<PatternKind> {
        PatternKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The rules that should fire, the one the pattern is built for first
    /// (over-crew and rock-burst lines may add the rule of the period or zone).
    pub fn rules(self) -> &'static [&'static str] {
        match self {
            PatternKind::HiddenFace => &["REC-1"],
            PatternKind::OverCapacityMonth => &["CM-1.1", "REC-8"],
            PatternKind::OverCapacityQuarter => &["CM26-1.1", "REC-8"],
            PatternKind::UnderDeclared => &["REC-2", "REC-3", "REC-4"],
            PatternKind::ElectricityPerTonne => &["REC-3"],
            PatternKind::MethanePerTonne => &["REC-4", "REC-3"],
            PatternKind::ProductionDuringStop => &["REC-5", "REC-6"],
            PatternKind::AvoidInspections | PatternKind::NightWork => &["REC-6"],
            PatternKind::OverCrew => &["CM-1.6", "CM26-1.3"],
            PatternKind::RockBurstCrew => &["POS-8"],
            PatternKind::LeaderAbsent => &["REC-7"],
            PatternKind::CardNeverUp => &["ACC-LEAD-1"],
            PatternKind::SeveralCards | PatternKind::CardMovesHolderOut => &["ACC-LEAD-2"],
            PatternKind::UploadStopPowerOn => &["ACC-LEAD-3"],
        }
    }
}

/// How many mines carry a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternMines {
    Count(usize),
    /// Share of all mines, rounded (at least one when positive).
    Share(f64),
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatternSpec {
    pub kind: PatternKind,
    pub strength: Strength,
    pub mines: PatternMines,
}

impl PatternSpec {
    pub fn new(kind: PatternKind, strength: Strength, count: usize) -> Self {
        PatternSpec { kind, strength, mines: PatternMines::Count(count) }
    }
}

/// What to simulate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpsConfig {
    /// A label for reports (e.g. the scenario name).
    pub name: String,
    pub seed: u64,
    pub mines: usize,
    /// Calendar year simulated (Beijing days); clamped to 2000–2100.
    pub year: i32,
    pub patterns: Vec<PatternSpec>,
    /// Share of the mines kept clean (no pattern), 0–1.
    pub clean_share: f64,
}

impl Default for OpsConfig {
    /// 24 mines of 2026, a third clean, every pattern once at medium strength.
    fn default() -> Self {
        OpsConfig {
            name: "default".into(),
            seed: 1,
            mines: 24,
            year: 2026,
            patterns: PatternKind::ALL.iter().map(|&k| PatternSpec::new(k, Strength::Medium, 1)).collect(),
            clean_share: 1.0 / 3.0,
        }
    }
}

/// One injected pattern instance: what should be found, where and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpsTruth {
    /// [`PatternKind::as_str`].
    pub kind: String,
    /// 12-digit mine code.
    pub mine: String,
    /// Rules a correct analysis reports for it (any one counts; the first is the one the pattern targets).
    pub rules: Vec<String>,
    /// Start of the injected period.
    pub start: Timestamp,
    /// End of the injected period (exclusive).
    pub end: Timestamp,
    /// Face id, area code, card or person id when the pattern has a place.
    pub place: Option<String>,
    /// [`Strength::as_str`].
    pub strength: String,
}

/// A simulated region-year.
#[derive(Clone, Debug)]
pub struct OpsYear {
    /// One entry per mine, index order, series sorted ([`MineInputs::sort`]).
    pub mines: Vec<MineInputs>,
    /// Ordered by start, mine, kind.
    pub truth: Vec<OpsTruth>,
}

/// The fixed scenarios of the precision/recall table, committed before any
/// detector was tuned (do not change them to fit a detector; add new ones):
///
/// | name | seed | mines | strength | clean |
/// |---|---|---|---|---|
/// | `s1-weak` | 20_260_401 | 48 | weak | 16 |
/// | `s2-medium` | 20_260_402 | 48 | medium | 16 |
/// | `s3-strong` | 20_260_403 | 48 | strong | 16 |
/// | `s4-weak` | 20_260_404 | 48 | weak | 16 |
/// | `s5-medium` | 20_260_405 | 48 | medium | 16 |
/// | `s6-strong` | 20_260_406 | 48 | strong | 16 |
///
/// Each scenario is the year 2026 with a third of its mines clean and every
/// [`PatternKind`] on 2 mines at the scenario's strength (32 pattern mines, one
/// pattern each), so over the six every pattern is present 4 times at each
/// strength (12 in all; over-crew gives two truth lines per instance, card-never-up
/// one per card) and 96 mines are clean. Mine sizes, gas grades, hydro classes,
/// rock-burst zones, stops on clean mines and the pattern periods are drawn from
/// the seed.
pub fn fixed_scenarios() -> Vec<OpsConfig> {
    (0..6)
        .map(|i| {
            let strength = Strength::ALL[i % 3];
            OpsConfig {
                name: format!("s{}-{}", i + 1, strength.as_str()),
                seed: 20_260_401 + i as u64,
                mines: 48,
                year: 2026,
                patterns: PatternKind::ALL.iter().map(|&k| PatternSpec::new(k, strength, 2)).collect(),
                clean_share: 1.0 / 3.0,
            }
        })
        .collect()
}

/// Simulates every mine (in parallel over the available cores; the result does not depend on it).
pub fn simulate_ops(cfg: &OpsConfig) -> OpsYear {
    let plan = assign(cfg);
    let n = cfg.mines;
    let threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1).clamp(1, 16).min(n.max(1));
    let chunk = n.div_ceil(threads).max(1);
    let mut parts: Vec<Vec<(MineInputs, Vec<OpsTruth>)>> = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|lo| {
                let plan = &plan;
                s.spawn(move || (lo..(lo + chunk).min(n)).map(|i| mine(cfg, i, &plan[i])).collect::<Vec<_>>())
            })
            .collect();
        for h in handles {
            // A panic in a worker is a bug in this module; re-raise it on the caller's thread.
            parts.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
    });
    let mut mines = Vec::with_capacity(n);
    let mut truth = Vec::new();
    for (m, t) in parts.into_iter().flatten() {
        mines.push(m);
        truth.extend(t);
    }
    truth.sort_by(|a, b| (a.start, &a.mine, &a.kind).cmp(&(b.start, &b.mine, &b.kind)));
    OpsYear { mines, truth }
}

/// Simulates one mine (index 0-based, < `cfg.mines`) exactly as [`simulate_ops`] does,
/// so that a benchmark can stream a large region without holding it all.
pub fn simulate_mine(cfg: &OpsConfig, index: usize) -> (MineInputs, Vec<OpsTruth>) {
    let plan = assign(cfg);
    let none = Vec::new();
    mine(cfg, index, plan.get(index).unwrap_or(&none))
}

/// The patterns of each mine (empty for a clean mine).
pub fn assign(cfg: &OpsConfig) -> Vec<Vec<(PatternKind, Strength)>> {
    let n = cfg.mines;
    let mut out = vec![Vec::new(); n];
    if n == 0 {
        return out;
    }
    let mut r = Rand::new(cfg.seed, &[u64::MAX, stream::ASSIGN]);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, r.int(0, i));
    }
    let clean = if cfg.clean_share.is_finite() { (cfg.clean_share.clamp(0.0, 1.0) * n as f64).round() as usize } else { 0 };
    let carriers = &order[clean.min(n)..];
    if carriers.is_empty() {
        return out;
    }
    let mut k = 0;
    for spec in &cfg.patterns {
        let count = match spec.mines {
            PatternMines::Count(c) => c,
            PatternMines::Share(s) if s.is_finite() && s > 0.0 => ((s.min(1.0) * n as f64).round() as usize).max(1),
            PatternMines::Share(_) => 0,
        };
        for _ in 0..count {
            out[carriers[k % carriers.len()]].push((spec.kind, spec.strength));
            k += 1;
        }
    }
    out
}

/// The national single-shift crew limit (POS-4, provisional) of a registry face
/// kind as this simulator writes it; `None` for a kind it does not write.
pub fn national_crew_limit(kind: &str) -> Option<u32> {
    FaceKind::ALL.into_iter().find(|k| k.registry() == kind).map(FaceKind::national_limit)
}

/// The 规程 2025 Art. 358 limit for a face kind in a rock-burst zone of `level`
/// (`none`, `weak`, `medium`, `strong`) on a producing shift or not; `None` where
/// the article sets no limit.
pub fn rock_burst_crew_limit(kind: &str, level: &str, producing: bool) -> Option<u32> {
    let longwall = kind == FaceKind::Longwall.registry();
    match level {
        "weak" | "medium" | "strong" if longwall => Some(if producing { 16 } else { 40 }),
        "medium" | "strong" if kind.starts_with("heading") => Some(if producing { 9 } else { 15 }),
        _ => None,
    }
}

// ---------------------------------------------------------------------------

mod stream {
    pub const ASSIGN: u64 = 10;
    pub const LAYOUT: u64 = 11;
    pub const SERIES: u64 = 12;
    pub const PEOPLE: u64 = 13;
    pub const PATTERN: u64 = 14;
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

struct Rand(ChaCha8Rng);

impl Rand {
    fn new(seed: u64, parts: &[u64]) -> Self {
        let s = parts.iter().fold(splitmix(seed ^ 0x6F70_735F_7369_6D00), |h, &p| splitmix(h ^ p.wrapping_mul(0xD6E8_FEB8_6659_FD93)));
        Rand(ChaCha8Rng::seed_from_u64(s))
    }

    fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    fn int(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo {
            lo
        } else {
            self.0.random_range(lo..=hi)
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Mean 0, sd 1, bounded by ±3.47 (Irwin–Hall of four uniforms): bounded noise
    /// is what lets clean data stay provably under the limits.
    fn noise(&mut self) -> f64 {
        let s = self.unit() + self.unit() + self.unit() + self.unit();
        (s - 2.0) * 3f64.sqrt()
    }

    fn pick<T: Copy>(&mut self, v: &[(T, u32)]) -> T {
        let total: u32 = v.iter().map(|x| x.1).sum();
        let mut x = self.int(0, total.saturating_sub(1) as usize) as u32;
        for &(t, w) in v {
            if x < w {
                return t;
            }
            x -= w;
        }
        v[v.len() - 1].0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FaceKind {
    /// 综采工作面.
    Longwall,
    /// 综掘工作面.
    Heading,
    /// 炮掘工作面.
    HeadingConventional,
}

impl FaceKind {
    const ALL: [FaceKind; 3] = [FaceKind::Longwall, FaceKind::Heading, FaceKind::HeadingConventional];

    fn registry(self) -> &'static str {
        match self {
            FaceKind::Longwall => "longwall",
            FaceKind::Heading => "heading",
            FaceKind::HeadingConventional => "heading_conventional",
        }
    }

    fn national_limit(self) -> u32 {
        match self {
            FaceKind::Longwall => 25,
            FaceKind::Heading => 18,
            FaceKind::HeadingConventional => 15,
        }
    }

    fn label(self) -> &'static str {
        match self {
            FaceKind::Longwall => "综采工作面",
            FaceKind::Heading => "综掘工作面",
            FaceKind::HeadingConventional => "炮掘工作面",
        }
    }
}

/// Day types of the national calendar that change how much a mine works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DayKind {
    Work,
    Sunday,
    Holiday,
    /// Spring Festival (春节): the mine stands (no production, skeleton staff).
    Festival,
}

struct Calendar {
    d0: Day,
    days: usize,
    kinds: Vec<DayKind>,
    /// Day index of the first day of each month; `[12]` = `days`.
    months: [usize; 13],
}

fn date(year: i32, month: u32, day: u32) -> Day {
    day_of(Timestamp::from_beijing(year as i64, month, day, 0, 0, 0).unwrap_or_default())
}

impl Calendar {
    fn new(year: i32) -> Calendar {
        let d0 = date(year, 1, 1);
        let days = (date(year + 1, 1, 1) - d0) as usize;
        let mut months = [days; 13];
        for (m, slot) in months.iter_mut().enumerate().take(12) {
            *slot = (date(year, m as u32 + 1, 1) - d0) as usize;
        }
        let mut kinds: Vec<DayKind> =
            (0..days).map(|i| if (d0 + i as Day + 4).rem_euclid(7) == 0 { DayKind::Sunday } else { DayKind::Work }).collect();
        let mut mark = |m: u32, d: u32, len: i32, kind: DayKind| {
            let start = date(year, m, d) - d0;
            for i in start..start + len {
                if (0..days as i32).contains(&i) {
                    kinds[i as usize] = kind;
                }
            }
        };
        // Public holidays (the 2026 dates; Dragon Boat and Mid-Autumn only where known).
        mark(1, 1, 3, DayKind::Holiday);
        mark(4, 4, 3, DayKind::Holiday);
        mark(5, 1, 5, DayKind::Holiday);
        mark(10, 1, 7, DayKind::Holiday);
        if year == 2026 {
            mark(6, 19, 3, DayKind::Holiday);
            mark(9, 25, 3, DayKind::Holiday);
        }
        let (m, d) = match year {
            2024 => (2, 10),
            2025 => (1, 29),
            2026 => (2, 17),
            2027 => (2, 6),
            2028 => (1, 26),
            2029 => (2, 13),
            2030 => (2, 3),
            _ => (2, 5),
        };
        let lny = date(year, m, d) - d0;
        for i in lny - 2..=lny + 6 {
            if (0..days as i32).contains(&i) {
                kinds[i as usize] = DayKind::Festival;
            }
        }
        Calendar { d0, days, kinds, months }
    }

    fn day_ts(&self, di: usize) -> Timestamp {
        day_start(self.d0 + di as Day)
    }

    fn hour_ts(&self, h: usize) -> Timestamp {
        self.day_ts(0).plus_secs(h as i64 * 3600)
    }

    fn month_of(&self, di: usize) -> usize {
        (0..12).rev().find(|&m| self.months[m] <= di).unwrap_or(0)
    }

    /// Day index of (month 1–12, day).
    fn index(&self, month: usize, day: usize) -> usize {
        (self.months[month - 1] + day - 1).min(self.days - 1)
    }
}

const SHIFT_NAMES: [&str; 3] = ["零点班", "八点班(检修)", "四点班"];
/// The maintenance shift (08–16); the other two produce.
const MAINT: usize = 1;

/// Share of a day's tonnes in each hour: the two producing shifts ramp up after the
/// hand-over and slow before it; the maintenance shift hoists little.
fn normal_profile() -> [f32; 24] {
    let mut w = [0f32; 24];
    for (h, v) in w.iter_mut().enumerate() {
        *v = if h / 8 == MAINT {
            0.04
        } else {
            match h % 8 {
                0 => 0.4,
                7 => 0.6,
                _ => 1.0,
            }
        };
    }
    let s: f32 = w.iter().sum();
    w.map(|v| v / s)
}

/// Night work: the 06:00–20:00 share scaled by `q`, the rest moved to the night.
fn night_profile(normal: &[f32; 24], q: f32) -> [f32; 24] {
    let day = |h: usize| (6..20).contains(&h);
    let s_day: f32 = (0..24).filter(|&h| day(h)).map(|h| normal[h]).sum();
    let k = (1.0 - q * s_day) / (1.0 - s_day);
    let mut w = *normal;
    for (h, v) in w.iter_mut().enumerate() {
        *v *= if day(h) { q } else { k };
    }
    w
}

/// Weights of the men-and-material hoisting by hour (peaks at the shift changes).
fn hoist_base_profile() -> [f32; 24] {
    let mut w = [1f32; 24];
    for h in [23, 0, 7, 8, 15, 16] {
        w[h] = 2.5;
    }
    let s: f32 = w.iter().sum();
    w.map(|v| v / s)
}

struct FaceSpec {
    id: String,
    name: String,
    kind: FaceKind,
    area: String,
    feeder: String,
    /// Rock-burst level of the face area, `None` outside rock-burst zones.
    rb: Option<&'static str>,
    /// Share of the mine's tonnes (and of the face electricity).
    share: f64,
    /// Usual crew per shift.
    base: [u32; 3],
}

impl FaceSpec {
    /// The most people the clean simulation puts on a shift: the national limit,
    /// and in rock-burst zones the Art. 358 limit too.
    fn cap(&self, shift: usize) -> u32 {
        let nat = self.kind.national_limit();
        match rock_burst_crew_limit(self.kind.registry(), self.rb.unwrap_or("none"), shift != MAINT) {
            Some(rb) => rb.min(nat),
            None => nat,
        }
    }

    fn activity(&self, shift: usize) -> CrewActivity {
        match (self.kind, shift == MAINT) {
            (FaceKind::Longwall, false) => CrewActivity::Production,
            (FaceKind::Longwall, true) => CrewActivity::Maintenance,
            (_, false) => CrewActivity::CuttingAndSupport,
            (_, true) => CrewActivity::Other,
        }
    }
}

struct Person {
    card: String,
    person_id: String,
    name: String,
    post: String,
}

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "梁", "宋",
    "郑", "谢",
];
const GIVEN: [&str; 32] = [
    "建国", "志强", "海涛", "永刚", "文军", "国平", "立新", "红旗", "保华", "振宇", "德明", "春生", "金山", "宏伟", "卫东", "小龙", "庆丰",
    "树林", "兴旺", "学军", "长江", "少华", "晓峰", "国栋", "俊杰", "大勇", "世伟", "玉林", "永福", "光明", "继红", "新民",
];
const LEADER_POSTS: [&str; 5] = ["矿长", "总工程师", "安全副矿长", "生产副矿长", "机电副矿长"];
const WORKER_POSTS: [&str; 6] = ["采煤工", "掘进工", "机电工", "运输工", "通风工", "安全员"];
const MINE_NAMES: [&str; 12] = ["东山", "青龙", "白杨河", "石门", "红岭", "金川", "北坡", "柳林", "南沟", "大湾", "西岔", "枣园"];
/// Workers whose trips and lamps are written (besides every leader).
const SAMPLE: usize = 6;

/// The static side of one mine.
struct Layout {
    code: String,
    cap: f64,
    grade: GasGrade,
    hydro: HydroClass,
    faces: Vec<FaceSpec>,
    common_area: String,
    /// Declared maintenance stop, day indices `[from, to)`.
    stop: Option<(usize, usize)>,
    /// Usual utilisation of capacity on a working day.
    level: f64,
    rail_share: f64,
    roster: Vec<Person>,
    leaders: usize,
    info: MineInfo,
}

fn layout(cfg: &OpsConfig, cal: &Calendar, index: usize, patterns: &[(PatternKind, Strength)]) -> Layout {
    let mut r = Rand::new(cfg.seed, &[index as u64, stream::LAYOUT]);
    let code = format!("140000{:06}", (index + 1) % 1_000_000);
    let cap_mt: f64 = r.pick(&[(0.3, 22), (0.6, 24), (0.9, 20), (1.5, 16), (3.0, 11), (5.0, 7)]);
    let grade = r.pick(&[(GasGrade::Low, 55), (GasGrade::High, 30), (GasGrade::Outburst, 15)]);
    let hydro = r.pick(&[(HydroClass::Simple, 40), (HydroClass::Medium, 45), (HydroClass::Complex, 15)]);
    let n_faces = match cap_mt {
        c if c < 0.5 => r.int(1, 2),
        c if c < 1.2 => 2,
        c if c < 2.0 => r.int(2, 3),
        _ => 3,
    };
    let has = |k: PatternKind| patterns.iter().any(|p| p.0 == k);
    // Rolls drawn whatever the patterns, so that a pattern does not shift the layout's other draws.
    let rb_roll = r.chance(0.17);
    let rock_burst = has(PatternKind::RockBurstCrew) || (cap_mt >= 0.9 && rb_roll);
    let mut faces = Vec::with_capacity(n_faces);
    for j in 0..n_faces {
        let kind = if j == 0 || (j == 1 && cap_mt >= 5.0) {
            FaceKind::Longwall
        } else if cap_mt >= 0.9 || r.chance(0.5) {
            FaceKind::Heading
        } else {
            FaceKind::HeadingConventional
        };
        let rb = if !rock_burst {
            None
        } else if kind == FaceKind::Longwall {
            Some(r.pick(&[("weak", 1), ("medium", 2), ("strong", 1)]))
        } else {
            Some(r.pick(&[("medium", 3), ("strong", 1)]))
        };
        let id = match kind {
            FaceKind::Longwall => format!("{}", 1301 + j),
            _ => format!("{}", 1311 + j),
        };
        faces.push(FaceSpec {
            name: format!("{id}{}", kind.label()),
            id,
            kind,
            area: format!("{code}{:04}", j + 1),
            feeder: format!("{code}01KG1011{:04}", j + 1),
            rb,
            share: 0.0,
            base: [0; 3],
        });
    }
    let weights: Vec<f64> = faces.iter().map(|f| if f.kind == FaceKind::Longwall { 4.0 } else { 1.0 }).collect();
    let total: f64 = weights.iter().sum();
    for (f, w) in faces.iter_mut().zip(&weights) {
        f.share = w / total;
        for s in 0..3 {
            let lim = f.cap(s) as f64;
            let frac = if s == MAINT { r.range(0.55, 0.8) } else { r.range(0.6, 0.8) };
            f.base[s] = ((lim * frac).round() as u32).clamp(3, f.cap(s));
        }
    }
    let level = r.range(0.85, 0.95);
    let rail_share = if cap_mt >= 1.5 { r.range(0.4, 0.8) } else { 0.0 };
    // Declared maintenance stops: forced for the stop pattern, a quarter of the clean mines otherwise.
    let (stop_roll, stop_len, stop_from) = (r.chance(0.25), r.int(14, 28), r.int(cal.index(4, 1), cal.index(10, 1)));
    let stop = if has(PatternKind::ProductionDuringStop) {
        // Long enough for the night production to show.
        Some((stop_from, (stop_from + stop_len + 7).min(cal.days)))
    } else if patterns.is_empty() && stop_roll {
        Some((stop_from, (stop_from + stop_len).min(cal.days)))
    } else {
        None
    };
    // Roster: leaders first, then the workers.
    let leaders = r.int(3, 5);
    let size = (60.0 + 90.0 * (cap_mt - 0.3) / 4.7).round() as usize + r.int(0, 10);
    let size = size.clamp(60, 150);
    let roster: Vec<Person> = (0..size)
        .map(|i| {
            let n = i + index * 7;
            Person {
                card: format!("{:06}", 100_001 + i),
                person_id: format!("140000{}{:02}{:02}{:03}{}", 1965 + i % 30, 1 + i % 12, 1 + i % 28, index % 1000, i % 10),
                name: format!("{}{}", SURNAMES[n % SURNAMES.len()], GIVEN[(n * 7 + n / SURNAMES.len()) % GIVEN.len()]),
                post: if i < leaders { LEADER_POSTS[i].to_string() } else { WORKER_POSTS[i % WORKER_POSTS.len()].to_string() },
            }
        })
        .collect();
    let info = registry_entry(cal, index, &code, cap_mt * 1e6, grade, hydro, &faces, stop, &roster[..leaders]);
    let common_area = format!("{code}{:04}", 10);
    Layout { code, cap: cap_mt * 1e6, grade, hydro, faces, common_area, stop, level, rail_share, roster, leaders, info }
}

#[allow(clippy::too_many_arguments)]
fn registry_entry(
    cal: &Calendar,
    index: usize,
    code: &str,
    cap: f64,
    grade: GasGrade,
    hydro: HydroClass,
    faces: &[FaceSpec],
    stop: Option<(usize, usize)>,
    leaders: &[Person],
) -> MineInfo {
    // The code is 12 digits by construction.
    let mut info = MineInfo::new(MineCode::parse(code).unwrap_or_else(|_| unreachable!("12-digit code {code}")));
    info.name = format!("虚构{}{}号煤矿", MINE_NAMES[index % MINE_NAMES.len()], index + 1);
    info.kind = Some(MineKind::CoalUnderground);
    info.jurisdiction = Some(code[..6].to_string());
    info.approved_capacity_tpa = Some(cap);
    info.gas_grade = Some(grade);
    info.hydro_class = Some(hydro);
    info.rock_burst = faces.iter().any(|f| f.rb.is_some());
    let since = Timestamp::from_beijing(2015, 1, 1, 0, 0, 0).unwrap_or_default();
    info.status_history = match stop {
        None => vec![StatusPeriod { status: MineStatus::Producing, from: since, to: None }],
        Some((a, b)) => vec![
            StatusPeriod { status: MineStatus::Producing, from: since, to: Some(cal.day_ts(a)) },
            StatusPeriod { status: MineStatus::MaintenanceStop, from: cal.day_ts(a), to: Some(cal.day_ts(b)) },
            StatusPeriod { status: MineStatus::Producing, from: cal.day_ts(b), to: None },
        ],
    };
    info.principal = leaders.first().map(|l| Contact { name: l.name.clone(), role: l.post.clone(), phone: format!("0000-{:07}", index) });
    info.shifts = vec![
        Shift { name: SHIFT_NAMES[0].into(), start: "00:00".into(), end: "08:00".into(), producing: true },
        Shift { name: SHIFT_NAMES[1].into(), start: "08:00".into(), end: "16:00".into(), producing: false },
        Shift { name: SHIFT_NAMES[2].into(), start: "16:00".into(), end: "24:00".into(), producing: true },
    ];
    info.faces = faces
        .iter()
        .enumerate()
        .map(|(j, f)| Face {
            id: f.id.clone(),
            name: f.name.clone(),
            kind: f.kind.registry().into(),
            areas: vec![f.area.clone()],
            points: (0..if f.kind == FaceKind::Longwall { 3 } else { 2 }).map(|p| format!("{code}01MN0001{:04}", j * 4 + p + 1)).collect(),
            feeders: vec![f.feeder.clone()],
        })
        .collect();
    info.areas = faces
        .iter()
        .map(|f| AreaEntry {
            code: f.area.clone(),
            rock_burst_level: Some(f.rb.unwrap_or("none").into()),
            water_zone: Some("minable".into()),
        })
        .chain(std::iter::once(AreaEntry {
            code: format!("{code}{:04}", 10),
            rock_burst_level: Some("none".into()),
            water_zone: Some("minable".into()),
        }))
        .collect();
    info.overtime_hours = Some(12.0);
    info
}

/// What the patterns of a mine change, decided before the series are written.
struct Plan {
    truth: Vec<OpsTruth>,
    /// Per day: multiplier of the true tonnes.
    p_mul: Vec<f32>,
    /// Per day: multipliers of the declared, belt-scale and booked (shipped) tonnes.
    decl_mul: Vec<f32>,
    belt_mul: Vec<f32>,
    ship_mul: Vec<f32>,
    /// Per day: share of the day's activity left between 06:00 and 20:00 (1 = normal).
    day_q: Vec<f32>,
    /// Per day: multiplier of the explosives.
    expl_mul: Vec<f32>,
    /// Per hour: tonnes produced off the books (during a stop).
    extra_tonnes: Vec<f32>,
    /// Per hour: tonnes of the hidden production counted by the belt scale.
    belt_extra: Vec<f32>,
    /// Per hour: extra hoisting kWh as a share of the normal daily hoisting energy.
    hoist_extra: Vec<f32>,
    /// Per hour: multiplier of the people at the faces.
    people_mul: Vec<f32>,
    pos_gap: Vec<bool>,
    mon_gap: Vec<bool>,
    gaps: Vec<UploadGap>,
    /// Crew overrides: (face, day, shift, people).
    crew_set: Vec<(usize, usize, usize, u32)>,
    /// Extra explosives issues: (day, place, kg).
    expl_extra: Vec<(usize, String, f64)>,
    hidden: Option<Hidden>,
    /// (leader, month, share of the rota gone underground).
    leader_cut: Vec<(usize, usize, f64)>,
    /// Workers (sample index) whose cards never come up on a day, and which.
    never_up: Option<(usize, usize)>,
    /// Days on which sample worker 3 carries a second card.
    several: Vec<usize>,
    /// Days on which sample worker 4's card goes down without them.
    holder_out: Vec<usize>,
    /// Days on which the stop-pattern night shift is staffed.
    stop_crew_days: Vec<usize>,
    avoid_inspections: bool,
}

struct Hidden {
    area: String,
    feeder: String,
    days: Vec<usize>,
    /// First hour of the day and length.
    from_hour: usize,
    hours: usize,
    people: u32,
    power: bool,
    /// Sample worker 5 goes there on the hidden days.
    trips: bool,
}

impl Plan {
    fn new(days: usize) -> Plan {
        let hours = days * 24;
        Plan {
            truth: Vec::new(),
            p_mul: vec![1.0; days],
            decl_mul: vec![1.0; days],
            belt_mul: vec![1.0; days],
            ship_mul: vec![1.0; days],
            day_q: vec![1.0; days],
            expl_mul: vec![1.0; days],
            extra_tonnes: Vec::new(),
            belt_extra: Vec::new(),
            hoist_extra: Vec::new(),
            people_mul: vec![1.0; hours],
            pos_gap: Vec::new(),
            mon_gap: Vec::new(),
            gaps: Vec::new(),
            crew_set: Vec::new(),
            expl_extra: Vec::new(),
            hidden: None,
            leader_cut: Vec::new(),
            never_up: None,
            several: Vec::new(),
            holder_out: Vec::new(),
            stop_crew_days: Vec::new(),
            avoid_inspections: false,
        }
    }
}

/// A run of `weeks` weeks starting between 1 March and early November.
fn period(r: &mut Rand, cal: &Calendar, weeks: usize) -> (usize, usize) {
    let lo = cal.index(3, 1);
    let hi = cal.index(11, 1).saturating_sub(weeks * 7).max(lo);
    let from = r.int(lo, hi);
    (from, (from + weeks * 7).min(cal.days))
}

fn work_days(cal: &Calendar, stop: Option<(usize, usize)>, from: usize, to: usize) -> Vec<usize> {
    (from..to).filter(|&d| cal.kinds[d] == DayKind::Work && !stop.is_some_and(|(a, b)| (a..b).contains(&d))).collect()
}

#[allow(clippy::too_many_arguments)]
fn truth(
    lay: &Layout,
    kind: PatternKind,
    s: Strength,
    rules: &[&str],
    start: Timestamp,
    end: Timestamp,
    place: Option<String>,
) -> OpsTruth {
    OpsTruth {
        kind: kind.as_str().into(),
        mine: lay.code.clone(),
        rules: rules.iter().map(|r| r.to_string()).collect(),
        start,
        end,
        place,
        strength: s.as_str().into(),
    }
}

fn plan(cfg: &OpsConfig, cal: &Calendar, index: usize, lay: &Layout, patterns: &[(PatternKind, Strength)], base_p: &[f32]) -> Plan {
    let mut r = Rand::new(cfg.seed, &[index as u64, stream::PATTERN]);
    let mut p = Plan::new(cal.days);
    let hours = cal.days * 24;
    let july = cal.index(7, 1);
    for &(kind, s) in patterns {
        let rules = kind.rules();
        match kind {
            PatternKind::HiddenFace => {
                let (a, b) = period(&mut r, cal, s.pick([3, 5, 8]));
                let days = work_days(cal, lay.stop, a, b);
                let (from_hour, len, people) = s.pick([(1, 5, 5), (0, 8, 8), (0, 8, 12)]);
                let area = format!("{}{:04}", lay.code, 91);
                if s == Strength::Strong {
                    for &d in &days {
                        p.expl_extra.push((d, area.clone(), r.range(30.0, 60.0)));
                    }
                }
                if let (Some(&f), Some(&l)) = (days.first(), days.last()) {
                    p.truth.push(truth(
                        lay,
                        kind,
                        s,
                        rules,
                        cal.hour_ts(f * 24 + from_hour),
                        cal.hour_ts(l * 24 + from_hour + len),
                        Some(area.clone()),
                    ));
                }
                p.hidden = Some(Hidden {
                    area,
                    feeder: format!("{}01KG1011{:04}", lay.code, 91),
                    days,
                    from_hour,
                    hours: len,
                    people,
                    power: s != Strength::Weak,
                    trips: s != Strength::Weak,
                });
            }
            PatternKind::OverCapacityMonth | PatternKind::OverCapacityQuarter => {
                let (a, b, target) = if kind == PatternKind::OverCapacityMonth {
                    let m = r.int(3, 5);
                    (cal.months[m - 1], cal.months[m], s.pick([0.11, 0.14, 0.19]))
                } else {
                    let q = r.int(2, 3);
                    (cal.months[q * 3], cal.months[q * 3 + 3], s.pick([0.31, 0.34, 0.38]))
                };
                let sum: f64 = base_p[a..b].iter().map(|&v| v as f64).sum();
                let f = if sum > 0.0 { (target * lay.cap / sum) as f32 } else { 1.0 };
                p.p_mul[a..b].iter_mut().for_each(|v| *v *= f);
                p.truth.push(truth(lay, kind, s, rules, cal.day_ts(a), cal.day_ts(b), None));
            }
            PatternKind::UnderDeclared => {
                let (a, b) = period(&mut r, cal, s.pick([3, 5, 8]));
                let u = s.pick([0.15f32, 0.25, 0.40]);
                p.decl_mul[a..b].iter_mut().for_each(|v| *v *= 1.0 - u);
                p.truth.push(truth(lay, kind, s, rules, cal.day_ts(a), cal.day_ts(b), None));
            }
            PatternKind::ElectricityPerTonne => {
                let (a, b) = period(&mut r, cal, s.pick([4, 6, 8]));
                // Hoisting share from 9.7 % to `share`: H' = share × (T − H) / (1 − share).
                let share = s.pick([0.115, 0.13, 0.15]);
                let f = share * (1.0 - 0.097) / ((1.0 - share) * 0.097);
                p.hoist_extra.resize(hours, 0.0);
                let night = [20, 21, 22, 23, 0, 1, 2, 3, 4, 5];
                for d in a..b {
                    for h in night {
                        p.hoist_extra[d * 24 + h] = ((f - 1.0) / night.len() as f64) as f32;
                    }
                }
                p.truth.push(truth(lay, kind, s, rules, cal.day_ts(a), cal.day_ts(b), None));
            }
            PatternKind::MethanePerTonne => {
                let (a, b) = period(&mut r, cal, s.pick([4, 6, 8]));
                let m = s.pick([0.65f32, 0.5, 0.4]);
                for d in a..b {
                    p.decl_mul[d] *= m;
                    p.belt_mul[d] *= m;
                    p.ship_mul[d] *= m;
                }
                p.truth.push(truth(lay, kind, s, rules, cal.day_ts(a), cal.day_ts(b), None));
            }
            PatternKind::ProductionDuringStop => {
                let Some((a, b)) = lay.stop else { continue };
                let rate = s.pick([0.35f32, 0.6, 0.8]);
                let every = s != Strength::Weak;
                // Normal tonnes in a full producing hour.
                let hourly = (lay.cap * lay.level / 330.0 / 14.32) as f32;
                p.extra_tonnes.resize(hours, 0.0);
                p.belt_extra.resize(hours, 0.0);
                let mut nights = Vec::new();
                for d in (a + 3).min(b)..b {
                    if every || r.chance(0.6) {
                        nights.push(d);
                        for h in 0..6 {
                            p.extra_tonnes[d * 24 + h] = hourly * rate;
                            if s == Strength::Strong {
                                p.belt_extra[d * 24 + h] = hourly * rate;
                            }
                        }
                        if s != Strength::Weak {
                            for f in lay.faces.iter().filter(|f| f.kind != FaceKind::Longwall) {
                                p.expl_extra.push((d, f.id.clone(), r.range(15.0, 40.0)));
                            }
                        }
                    }
                }
                for d in a..b {
                    p.decl_mul[d] = 0.0;
                    p.ship_mul[d] = 0.0;
                }
                if s == Strength::Strong {
                    p.stop_crew_days = nights.clone();
                }
                if let (Some(&f), Some(&l)) = (nights.first(), nights.last()) {
                    p.truth.push(truth(lay, kind, s, rules, cal.day_ts(f), cal.hour_ts(l * 24 + 6), None));
                }
            }
            PatternKind::AvoidInspections => p.avoid_inspections = true,
            PatternKind::NightWork => {
                let (a, b) = period(&mut r, cal, s.pick([3, 5, 8]));
                let q = s.pick([0.5f32, 0.25, 0.05]);
                for d in a..b {
                    p.day_q[d] = q;
                    for h in 6..20 {
                        p.people_mul[d * 24 + h] *= q;
                    }
                }
                p.truth.push(truth(lay, kind, s, rules, cal.day_ts(a), cal.day_ts(b), None));
            }
            PatternKind::OverCrew => {
                let fi = lay.faces.iter().position(|f| f.rb.is_none()).unwrap_or(0);
                let face = &lay.faces[fi];
                let factor = s.pick([1.25, 1.35, 1.5]);
                let people = (face.kind.national_limit() as f64 * factor).ceil() as u32;
                let n = s.pick([3, 6, 12]);
                for (lo, hi, rule) in [(cal.index(3, 1), cal.index(6, 1), "CM-1.6"), (july + 14, cal.index(11, 1), "CM26-1.3")] {
                    let start = r.int(lo, hi);
                    let shifts = producing_shifts(cal, lay.stop, start, n);
                    for &(d, sh) in &shifts {
                        p.crew_set.push((fi, d, sh, people));
                    }
                    let mut rl = vec![rule];
                    if face.rb.is_some() {
                        rl.push("POS-8");
                    }
                    if let (Some(&(d0, s0)), Some(&(d1, s1))) = (shifts.first(), shifts.last()) {
                        p.truth.push(truth(
                            lay,
                            kind,
                            s,
                            &rl,
                            cal.hour_ts(d0 * 24 + s0 * 8),
                            cal.hour_ts(d1 * 24 + s1 * 8 + 8),
                            Some(face.id.clone()),
                        ));
                    }
                }
            }
            PatternKind::RockBurstCrew => {
                let candidates: Vec<usize> = (0..lay.faces.len())
                    .filter(|&i| rock_burst_crew_limit(lay.faces[i].kind.registry(), lay.faces[i].rb.unwrap_or("none"), true).is_some())
                    .collect();
                if candidates.is_empty() {
                    continue;
                }
                let fi = candidates[r.int(0, candidates.len() - 1)];
                let face = &lay.faces[fi];
                let people = if face.kind == FaceKind::Longwall { s.pick([18, 20, 23]) } else { s.pick([11, 12, 14]) };
                let (a, _) = period(&mut r, cal, 4);
                let shifts = producing_shifts(cal, lay.stop, a, s.pick([3, 6, 12]));
                for &(d, sh) in &shifts {
                    p.crew_set.push((fi, d, sh, people));
                }
                if let (Some(&(d0, s0)), Some(&(d1, s1))) = (shifts.first(), shifts.last()) {
                    p.truth.push(truth(
                        lay,
                        kind,
                        s,
                        rules,
                        cal.hour_ts(d0 * 24 + s0 * 8),
                        cal.hour_ts(d1 * 24 + s1 * 8 + 8),
                        Some(face.id.clone()),
                    ));
                }
            }
            PatternKind::LeaderAbsent => {
                let leader = r.int(0, lay.leaders - 1);
                let month = r.int(3, 11) - 1;
                let cut = s.pick([0.3, 0.5, 0.7]);
                p.leader_cut.push((leader, month, 1.0 - cut));
                p.truth.push(truth(
                    lay,
                    kind,
                    s,
                    rules,
                    cal.day_ts(cal.months[month]),
                    cal.day_ts(cal.months[month + 1]),
                    Some(lay.roster[leader].person_id.clone()),
                ));
            }
            PatternKind::CardNeverUp => {
                let (a, _) = period(&mut r, cal, 1);
                let d = work_days(cal, lay.stop, a, cal.days).first().copied().unwrap_or(a);
                let k = s.pick([1, 2, 3]);
                p.never_up = Some((d, k));
                // Sample workers 0..k work the 零点班 on such mines (see `people`).
                for w in 0..k {
                    let card = &lay.roster[lay.leaders + w].card;
                    p.truth.push(truth(lay, kind, s, rules, cal.day_ts(d), cal.day_ts(d + 2), Some(card.clone())));
                }
            }
            PatternKind::SeveralCards | PatternKind::CardMovesHolderOut => {
                let (a, b) = period(&mut r, cal, 6);
                let n = s.pick([2, 5, 10]);
                let mut days = work_days(cal, lay.stop, a, b);
                while days.len() > n {
                    days.remove(r.int(0, days.len() - 1));
                }
                let (start, end) = match (days.first(), days.last()) {
                    (Some(&f), Some(&l)) => (cal.day_ts(f), cal.day_ts(l + 2)),
                    _ => continue,
                };
                let card = if kind == PatternKind::SeveralCards {
                    p.several = days;
                    second_card(lay)
                } else {
                    p.holder_out = days;
                    lay.roster[lay.leaders + 4].card.clone()
                };
                p.truth.push(truth(lay, kind, s, rules, start, end, Some(card)));
            }
            PatternKind::UploadStopPowerOn => {
                let (a, _) = period(&mut r, cal, 1);
                let d = work_days(cal, lay.stop, a, cal.days).first().copied().unwrap_or(a);
                let len = s.pick([1, 3, 6]);
                let drop = s.pick([0.3f32, 0.5, 0.7]);
                let h0 = d * 24 + r.int(1, 2);
                p.pos_gap.resize(hours, false);
                p.mon_gap.resize(hours, false);
                for h in h0..h0 + len {
                    p.pos_gap[h] = true;
                    if s == Strength::Strong {
                        p.mon_gap[h] = true;
                    }
                }
                for h in h0 + len..(d + 1) * 24 {
                    p.people_mul[h] *= 1.0 - drop;
                }
                let (from, to) = (cal.hour_ts(h0), cal.hour_ts(h0 + len));
                p.gaps.push(UploadGap { system: "positioning".into(), from, to });
                if s == Strength::Strong {
                    p.gaps.push(UploadGap { system: "monitoring".into(), from, to });
                }
                p.truth.push(truth(lay, kind, s, rules, from, cal.day_ts(d + 1), Some("positioning".into())));
            }
        }
    }
    p
}

fn second_card(lay: &Layout) -> String {
    format!("{:06}", 900_001 + lay.leaders)
}

/// `n` consecutive producing shifts (零点班, 四点班) on working days from `start`.
fn producing_shifts(cal: &Calendar, stop: Option<(usize, usize)>, start: usize, n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(n);
    for d in work_days(cal, stop, start, cal.days) {
        for sh in [0, 2] {
            if out.len() < n {
                out.push((d, sh));
            }
        }
    }
    out
}

/// One mine-year.
fn mine(cfg: &OpsConfig, index: usize, patterns: &[(PatternKind, Strength)]) -> (MineInputs, Vec<OpsTruth>) {
    let cal = Calendar::new(cfg.year.clamp(2000, 2100));
    let lay = layout(cfg, &cal, index, patterns);
    let mut r = Rand::new(cfg.seed, &[index as u64, stream::SERIES]);
    let days = cal.days;
    let hours = days * 24;
    let in_stop = |d: usize| lay.stop.is_some_and(|(a, b)| (a..b).contains(&d));
    let dn = lay.cap * lay.level / 330.0;

    // True daily tonnes before the patterns.
    let mut monthly = [1f64; 12];
    for m in monthly.iter_mut() {
        *m = r.range(0.97, 1.03);
    }
    let base_p: Vec<f32> = (0..days)
        .map(|d| {
            let k = match cal.kinds[d] {
                _ if in_stop(d) => 0.0,
                DayKind::Work => 1.0,
                DayKind::Sunday => 0.75,
                DayKind::Holiday => 0.6,
                DayKind::Festival => 0.0,
            };
            (dn * k * monthly[cal.month_of(d)] * (1.0 + 0.05 * r.noise())) as f32
        })
        .collect();
    let mut p = plan(cfg, &cal, index, &lay, patterns, &base_p);
    let inspections = inspection_days(cfg, &cal, index, &lay);
    if p.avoid_inspections {
        let s = patterns.iter().find(|x| x.0 == PatternKind::AvoidInspections).map(|x| x.1).unwrap_or(Strength::Medium);
        let q = s.pick([0.55f32, 0.3, 0.1]);
        let mut rr = Rand::new(cfg.seed, &[index as u64, stream::PATTERN, 2]);
        let mut hit: Vec<usize> = inspections.iter().copied().filter(|_| s != Strength::Weak || rr.chance(0.7)).collect();
        if hit.len() < 5 {
            hit = inspections.clone();
        }
        for &d in &hit {
            p.p_mul[d] *= q;
            p.expl_mul[d] *= if s == Strength::Strong { 0.0 } else { q };
            for h in d * 24..d * 24 + 24 {
                p.people_mul[h] *= q;
            }
        }
        if let (Some(&f), Some(&l)) = (inspections.first(), inspections.last()) {
            p.truth.push(truth(
                &lay,
                PatternKind::AvoidInspections,
                s,
                PatternKind::AvoidInspections.rules(),
                cal.day_ts(f),
                cal.day_ts(l + 1),
                None,
            ));
        }
    }
    let true_p: Vec<f32> = base_p.iter().zip(&p.p_mul).map(|(a, b)| a * b).collect();

    let mut m = MineInputs::new(lay.info.clone(), cal.day_ts(0), cal.day_ts(days));
    m.inspection_days = inspections.iter().map(|&d| cal.d0 + d as Day).collect();
    m.upload_gaps = std::mem::take(&mut p.gaps);

    // Hourly tonnes.
    let normal = normal_profile();
    let mut tonnes = vec![0f32; hours];
    for d in 0..days {
        let prof = if p.day_q[d] == 1.0 { normal } else { night_profile(&normal, p.day_q[d]) };
        for h in 0..24 {
            tonnes[d * 24 + h] = true_p[d] * prof[h] + p.extra_tonnes.get(d * 24 + h).copied().unwrap_or(0.0);
        }
    }

    output_series(&mut m, &mut r, &cal, &lay, &p, &true_p);
    let water = energy_series(&mut m, &mut r, &cal, &lay, &p, &tonnes, dn);
    gas_series(&mut m, &mut r, &cal, &lay, &p, &true_p, &tonnes, &water, dn);
    people_series(&mut m, cfg, index, &cal, &lay, &p);
    explosives(&mut m, &mut r, &cal, &lay, &p, &true_p);
    // Everything hourly and daily is written in time order; these are not.
    m.explosives.sort_by_key(|r| r.day);
    m.crews.sort_by_key(|r| (r.day, r.at));
    m.trips.sort_by_key(|r| r.down);
    m.lamps.sort_by_key(|r| r.lamp_out);
    (m, p.truth)
}

fn inspection_days(cfg: &OpsConfig, cal: &Calendar, index: usize, lay: &Layout) -> Vec<usize> {
    let mut r = Rand::new(cfg.seed, &[index as u64, stream::SERIES, 7]);
    let mut pool = work_days(cal, lay.stop, cal.index(1, 10), cal.index(12, 20));
    let n = r.int(10, 20).min(pool.len());
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(pool.swap_remove(r.int(0, pool.len() - 1)));
    }
    out.sort_unstable();
    out
}

fn output_series(m: &mut MineInputs, r: &mut Rand, cal: &Calendar, lay: &Layout, p: &Plan, true_p: &[f32]) {
    let dn = lay.cap * lay.level / 330.0;
    let target = 2.5 * dn;
    let mut stock = target;
    let rail = lay.rail_share > 0.0;
    m.output.reserve_exact(cal.days * if rail { 6 } else { 5 });
    for (d, &tp) in true_p.iter().enumerate() {
        let day = cal.d0 + d as Day;
        let tp = tp as f64;
        let hidden_belt: f64 =
            if p.belt_extra.is_empty() { 0.0 } else { p.belt_extra[d * 24..d * 24 + 24].iter().map(|&v| v as f64).sum() };
        let declared = tp * p.decl_mul[d] as f64 * (1.0 + 0.002 * r.noise());
        let belt = (tp * p.belt_mul[d] as f64 + hidden_belt) * (1.0 + 0.0035 * r.noise());
        let booked = tp * p.ship_mul[d] as f64;
        // Trucks and trains take the day's coal give or take 4 %, and the yard
        // pulls the stockpile back towards its usual size.
        let ship = (booked * (1.0 + 0.04 * r.noise()) + 0.3 * (stock - target)).clamp(0.0, stock + booked);
        stock += booked - ship;
        let weigh = ship * (1.0 + 0.003 * r.noise());
        let rail_t = if rail { ship * lay.rail_share * (1.0 + 0.02 * r.noise()) } else { 0.0 };
        let road = (ship - rail_t).max(0.0) * (1.0 + 0.003 * r.noise());
        let sales = ship * (1.0 + 0.005 * r.noise());
        let mut push = |source, t: f64| m.output.push(DailyOutput { day, source, tonnes: (t.max(0.0) * 10.0).round() / 10.0 });
        push(OutputSource::Declared, declared);
        push(OutputSource::BeltScale, belt);
        push(OutputSource::Weighbridge, weigh);
        if rail {
            push(OutputSource::Rail, rail_t);
        }
        push(OutputSource::Road, road);
        push(OutputSource::Sales, sales);
    }
}

/// Writes the hourly electricity; returns the daily water inflow (m³) that drives drainage.
fn energy_series(m: &mut MineInputs, r: &mut Rand, cal: &Calendar, lay: &Layout, p: &Plan, tonnes: &[f32], dn: f64) -> Vec<f64> {
    let cap_mt = lay.cap / 1e6;
    let e_day = 30.0 * cap_mt.powf(-0.15) * dn;
    let drain_share = match lay.hydro {
        HydroClass::Simple => 0.08,
        HydroClass::Medium => 0.13,
        _ => 0.20,
    };
    let water_base = match lay.hydro {
        HydroClass::Simple => r.range(300.0, 1500.0),
        HydroClass::Medium => r.range(1500.0, 6000.0),
        _ => r.range(6000.0, 20000.0),
    };
    let water: Vec<f64> = (0..cal.days)
        .map(|d| {
            let x = (d as f64 - 215.0) / 40.0;
            water_base * (1.0 + 0.3 * (-x * x).exp()) * (1.0 + 0.03 * r.noise())
        })
        .collect();
    let kwh_per_m3 = drain_share * e_day / water_base;
    let vent = 0.27 * e_day / 24.0;
    let hoist = 0.097 * e_day;
    let hoist_fixed = 0.2 * hoist;
    let hoist_k = 0.8 * hoist / dn;
    let haul = 0.13 * e_day;
    let haul_fixed = 0.3 * haul / 24.0;
    let haul_k = 0.7 * haul / dn;
    let faces_e = (1.0 - 0.27 - drain_share - 0.097 - 0.13) * e_day;
    let face_idle: Vec<f64> = lay.faces.iter().map(|f| 0.3 * faces_e * f.share / 24.0).collect();
    let face_k = 0.7 * faces_e / dn;
    let hb = hoist_base_profile();
    let hidden_hours = p.hidden.as_ref().map_or(0, |h| h.days.len() * 24);
    m.energy.reserve_exact(cal.days * 24 * (4 + lay.faces.len()) + hidden_hours + 24);
    let hidden_kw = faces_e / (lay.faces.len() as f64 + 1.0) / 24.0;
    for (h, &t) in tonnes.iter().enumerate() {
        let d = h / 24;
        let hod = h % 24;
        let t = t as f64;
        let hour = cal.hour_ts(h);
        let idle = if cal.kinds[d] == DayKind::Festival || lay.stop.is_some_and(|(a, b)| (a..b).contains(&d)) { 0.5 } else { 1.0 };
        let extra = p.hoist_extra.get(h).copied().unwrap_or(0.0) as f64 * hoist;
        let mut push = |consumer, feeder: String, kwh: f64| {
            m.energy.push(HourlyEnergy { hour, consumer, feeder, kwh: (kwh.max(0.0) * 10.0).round() / 10.0 })
        };
        push(Consumer::Hoisting, String::new(), (hoist_fixed * hb[hod] as f64 * idle + hoist_k * t + extra) * (1.0 + 0.02 * r.noise()));
        push(Consumer::Ventilation, String::new(), vent * (1.0 + 0.01 * r.noise()));
        push(Consumer::Drainage, String::new(), water[d] / 24.0 * kwh_per_m3 * (1.0 + 0.03 * r.noise()));
        push(Consumer::Haulage, String::new(), (haul_fixed * idle + haul_k * t) * (1.0 + 0.02 * r.noise()));
        for (j, f) in lay.faces.iter().enumerate() {
            push(Consumer::Face, f.feeder.clone(), (face_idle[j] * idle + face_k * t * f.share) * (1.0 + 0.03 * r.noise()));
        }
        if let Some(hd) = p.hidden.as_ref().filter(|hd| hd.power) {
            if let (Some(&first), Some(&last)) = (hd.days.first(), hd.days.last()) {
                if (first..=last).contains(&d) {
                    let working = hd.days.binary_search(&d).is_ok() && (hd.from_hour..hd.from_hour + hd.hours).contains(&hod);
                    let kwh = hidden_kw * if working { 1.6 } else { 0.15 };
                    push(Consumer::Face, hd.feeder.clone(), kwh * (1.0 + 0.03 * r.noise()));
                }
            }
        }
    }
    water
}

#[allow(clippy::too_many_arguments)]
fn gas_series(
    m: &mut MineInputs,
    r: &mut Rand,
    cal: &Calendar,
    lay: &Layout,
    p: &Plan,
    true_p: &[f32],
    tonnes: &[f32],
    water: &[f64],
    dn: f64,
) {
    let (mut q, drain) = match lay.grade {
        GasGrade::Low => (r.range(2.0, 5.0), 0.0),
        GasGrade::High => (r.range(12.0, 20.0), 0.45),
        GasGrade::Outburst => (r.range(15.0, 28.0), 0.55),
    };
    if lay.grade == GasGrade::Low {
        // A low-gas mine stays under 40 m³/min absolute.
        q = q.min(30.0 * 1440.0 / dn);
    }
    let nominal = q * dn * (1.0 - drain) / 1440.0;
    let dh = dn / 24.0;
    let mut smooth = 0.6 * dh;
    m.methane.reserve_exact(cal.days * 24);
    for (h, &t) in tonnes.iter().enumerate() {
        smooth += (t as f64 - smooth) / 12.0;
        if p.mon_gap.get(h).copied().unwrap_or(false) {
            continue;
        }
        let v = nominal * (0.4 + 0.6 * smooth / dh) * (1.0 + 0.03 * r.noise());
        m.methane.push(HourlyMethane { hour: cal.hour_ts(h), m3_per_min: (v.max(0.0) * 100.0).round() / 100.0 });
    }
    m.volumes.reserve_exact(cal.days * 2);
    for d in 0..cal.days {
        let day = cal.d0 + d as Day;
        if drain > 0.0 {
            let v = q * dn * drain * (0.5 + 0.5 * true_p[d] as f64 / dn) * (1.0 + 0.04 * r.noise());
            m.volumes.push(DailyVolume { day, kind: VolumeKind::GasDrainage, m3: v.round() });
        }
        m.volumes.push(DailyVolume { day, kind: VolumeKind::WaterInflow, m3: water[d].round() });
    }
}

fn explosives(m: &mut MineInputs, r: &mut Rand, cal: &Calendar, lay: &Layout, p: &Plan, true_p: &[f32]) {
    let headings: Vec<&FaceSpec> = lay.faces.iter().filter(|f| f.kind != FaceKind::Longwall).collect();
    m.explosives.reserve_exact(cal.days * headings.len() + p.expl_extra.len());
    let mut push = |d: usize, place: String, kg: f64, r: &mut Rand| {
        let kg = (kg * 10.0).round() / 10.0;
        if kg > 0.0 {
            m.explosives.push(ExplosivesIssue {
                day: cal.d0 + d as Day,
                place,
                explosive_kg: kg,
                detonators: (kg * r.range(2.0, 3.0)).round() as u32,
            });
        }
    };
    for (d, &tp) in true_p.iter().enumerate() {
        if tp <= 0.0 {
            continue;
        }
        let k = match cal.kinds[d] {
            DayKind::Work => 1.0,
            DayKind::Sunday => 0.75,
            DayKind::Holiday => 0.6,
            DayKind::Festival => 0.0,
        } * p.expl_mul[d] as f64;
        for f in &headings {
            let kg = match f.kind {
                FaceKind::HeadingConventional => r.range(40.0, 90.0),
                _ if r.chance(0.5) => r.range(8.0, 25.0),
                _ => 0.0,
            };
            push(d, f.id.clone(), kg * k, r);
        }
    }
    for (d, place, kg) in &p.expl_extra {
        push(*d, place.clone(), *kg, r);
    }
}

fn people_series(m: &mut MineInputs, cfg: &OpsConfig, index: usize, cal: &Calendar, lay: &Layout, p: &Plan) {
    let mut r = Rand::new(cfg.seed, &[index as u64, stream::PEOPLE]);
    let days = cal.days;
    let nf = lay.faces.len();
    let in_stop = |d: usize| lay.stop.is_some_and(|(a, b)| (a..b).contains(&d));

    // Crews per face, day and shift.
    let mut crews = vec![[0u32; 3]; nf * days];
    for (j, f) in lay.faces.iter().enumerate() {
        for d in 0..days {
            for (s, slot) in crews[j * days + d].iter_mut().enumerate() {
                let cap = f.cap(s);
                let base = f.base[s] as i64 + r.int(0, 3) as i64 - 2;
                let k = match cal.kinds[d] {
                    _ if in_stop(d) => {
                        if s == MAINT && f.kind == FaceKind::Longwall {
                            0.4
                        } else {
                            0.0
                        }
                    }
                    DayKind::Work => 1.0,
                    DayKind::Sunday | DayKind::Holiday => 0.85,
                    DayKind::Festival => 0.0,
                };
                let c = (base.max(2) as f64 * k).round() as u32;
                *slot = c.min(cap);
            }
        }
    }
    for &d in &p.stop_crew_days {
        for (j, f) in lay.faces.iter().enumerate() {
            crews[j * days + d][0] = f.base[0];
        }
    }
    for &(j, d, s, n) in &p.crew_set {
        crews[j * days + d][s] = n;
    }

    // Shift crews (pass 1), then hourly area aggregates hour by hour (pass 2), so
    // that the rows come out in time order without a sort.
    let gap = |h: usize| p.pos_gap.get(h).copied().unwrap_or(false);
    let hidden_rows = p.hidden.as_ref().map_or(0, |hd| hd.days.len() * hd.hours);
    let mut peaks = vec![(usize::MAX, 0u32); nf * days * 3];
    m.crews.reserve_exact(days * 3 * nf);
    for (j, f) in lay.faces.iter().enumerate() {
        for d in 0..days {
            for s in 0..3 {
                let crew = crews[j * days + d][s];
                if crew == 0 {
                    continue;
                }
                let h0 = d * 24 + s * 8;
                let hrs = h0..h0 + 8;
                let best = hrs.clone().filter(|&h| !gap(h)).map(|h| p.people_mul[h]).fold(f32::NEG_INFINITY, f32::max);
                if best == f32::NEG_INFINITY {
                    continue;
                }
                let want = h0 + 1 + r.int(0, 5);
                let peak = if !gap(want) && p.people_mul[want] == best {
                    want
                } else {
                    hrs.clone().find(|&h| !gap(h) && p.people_mul[h] == best).unwrap_or(h0)
                };
                let top = ((crew as f32 * best).round() as u32).max(1);
                peaks[(j * days + d) * 3 + s] = (peak, top);
                m.crews.push(ShiftCrew {
                    day: cal.d0 + d as Day,
                    shift: SHIFT_NAMES[s].into(),
                    site: f.id.clone(),
                    people_max: top,
                    at: cal.hour_ts(peak).plus_secs(r.int(0, 3599) as i64),
                    activity: f.activity(s),
                    approved_extra: 0,
                });
            }
        }
    }
    let face_rows: usize = crews.iter().map(|c| c.iter().filter(|&&x| x > 0).count() * 8).sum();
    m.area_hours.reserve_exact(face_rows + days * 8 + hidden_rows);
    for h in 0..days * 24 {
        if gap(h) {
            continue;
        }
        let (d, hod) = (h / 24, h % 24);
        let s = hod / 8;
        let hour = cal.hour_ts(h);
        for (j, f) in lay.faces.iter().enumerate() {
            let crew = crews[j * days + d][s];
            let (peak, top) = peaks[(j * days + d) * 3 + s];
            if crew == 0 || peak == usize::MAX {
                continue;
            }
            let full = (crew as f32 * p.people_mul[h]).round() as u32;
            let people = if h == peak { top } else { full.saturating_sub(r.int(0, 2) as u32).max(u32::from(full > 0)) };
            if people == 0 {
                continue;
            }
            let stay = if hod % 8 == 0 { 0.55 } else { r.range(0.75, 0.95) };
            m.area_hours.push(AreaHour { hour, area: f.area.clone(), people_max: people, person_hours: (people as f64 * stay) as f32 });
        }
        // Roadway staff (transport, electrical, pumps) in the common area on the
        // maintenance shift; on the producing shifts they stay at their stations,
        // which positioning files under the face areas' readers (a simplification
        // that keeps memory down).
        if s == MAINT {
            let people = match cal.kinds[d] {
                DayKind::Festival => r.int(1, 3),
                _ if in_stop(d) => r.int(2, 4),
                _ => r.int(4, 9),
            } as u32;
            m.area_hours.push(AreaHour { hour, area: lay.common_area.clone(), people_max: people, person_hours: people as f32 * 0.8 });
        }
        if let Some(hd) = &p.hidden {
            if (hd.from_hour..hd.from_hour + hd.hours).contains(&hod) && hd.days.binary_search(&d).is_ok() {
                let people = hd.people - r.int(0, 1) as u32;
                m.area_hours.push(AreaHour { hour, area: hd.area.clone(), people_max: people, person_hours: people as f32 * 0.85 });
            }
        }
    }

    // Identities of the whole roster (+ the second card of one worker).
    m.identities = lay
        .roster
        .iter()
        .map(|x| CardIdentity { card: x.card.clone(), person_id: x.person_id.clone(), name: x.name.clone(), post: x.post.clone() })
        .collect();
    if !p.several.is_empty() {
        let w = &lay.roster[lay.leaders + 3];
        m.identities.push(CardIdentity {
            card: second_card(lay),
            person_id: w.person_id.clone(),
            name: w.name.clone(),
            post: w.post.clone(),
        });
    }

    // Trips and lamps: leaders and sampled workers.
    let trip = |m: &mut MineInputs, r: &mut Rand, who: &Person, d: usize, s: usize, area: &str, lamp: bool, up: bool| {
        let start = cal.hour_ts(d * 24 + s * 8);
        let down = start.plus_secs(-(r.int(10, 45) as i64) * 60);
        let at = down.plus_secs(r.int(25, 40) as i64 * 60);
        let up_t = start.plus_secs(8 * 3600 + r.int(10, 50) as i64 * 60);
        let (areas, last_seen, up_v) = if up {
            (vec![(down, lay.common_area.clone()), (at, area.to_string())], up_t.plus_secs(-60), Some(up_t))
        } else {
            (vec![(down, lay.common_area.clone()), (at, area.to_string())], at.plus_secs(r.int(2 * 3600, 5 * 3600) as i64), None)
        };
        m.trips.push(CardTrip { card: who.card.clone(), down, up: up_v, last_seen, areas });
        if lamp {
            let lamp_in = up_v.map(|u| u.plus_secs(r.int(5, 20) as i64 * 60));
            m.lamps.push(LampRecord { person_id: who.person_id.clone(), lamp_out: down.plus_secs(-(r.int(5, 15) as i64) * 60), lamp_in });
        }
        (down, up_v.unwrap_or(last_seen))
    };
    let face_area = |r: &mut Rand| lay.faces[r.int(0, nf - 1)].area.clone();
    // Leaders: a monthly rota of 15–20 shifts, met (+0–3) unless the pattern cuts it.
    for l in 0..lay.leaders {
        let required = r.int(15, 20);
        for mo in 0..12 {
            let avail: Vec<usize> = (cal.months[mo]..cal.months[mo + 1]).filter(|&d| cal.kinds[d] != DayKind::Festival).collect();
            let req = required.min(avail.len().saturating_sub(1));
            let mut n = (req + r.int(0, 3)).min(avail.len());
            if let Some(&(_, _, share)) = p.leader_cut.iter().find(|c| c.0 == l && c.1 == mo) {
                n = (req as f64 * share).round() as usize;
            }
            m.rota.push(LeaderRota {
                person_id: lay.roster[l].person_id.clone(),
                name: lay.roster[l].name.clone(),
                post: lay.roster[l].post.clone(),
                month: cal.d0 + cal.months[mo] as Day,
                required_shifts: req as u32,
            });
            let mut pool = avail;
            let mut chosen = Vec::with_capacity(n);
            for _ in 0..n.min(pool.len()) {
                chosen.push(pool.swap_remove(r.int(0, pool.len() - 1)));
            }
            chosen.sort_unstable();
            for d in chosen {
                let s = r.int(0, 2);
                let a = face_area(&mut r);
                trip(m, &mut r, &lay.roster[l], d, s, &a, true, true);
            }
        }
    }
    // Sampled workers on a fixed shift.
    let never = p.never_up;
    for w in 0..SAMPLE.min(lay.roster.len() - lay.leaders) {
        let who = &lay.roster[lay.leaders + w];
        let vanishing = never.filter(|&(_, k)| w < k);
        let s = if vanishing.is_some() { 0 } else { w % 3 };
        let home = lay.faces[w % nf].area.clone();
        for d in 0..days {
            if let Some((nd, _)) = vanishing {
                if d > nd {
                    break;
                }
            }
            let works = match cal.kinds[d] {
                _ if in_stop(d) => false,
                DayKind::Work => true,
                DayKind::Sunday => r.chance(0.6),
                DayKind::Holiday => r.chance(0.5),
                DayKind::Festival => false,
            };
            let forced = (w == 3 && p.several.binary_search(&d).is_ok()) || (w == 4 && p.holder_out.binary_search(&d).is_ok());
            if !(works || forced) {
                continue;
            }
            let hidden_here = w == 5 && p.hidden.as_ref().is_some_and(|hd| hd.trips && hd.days.binary_search(&d).is_ok());
            let (s, area) = match &p.hidden {
                Some(hd) if hidden_here => (hd.from_hour / 8, hd.area.clone()),
                _ => (s, home.clone()),
            };
            let lost = vanishing.is_some_and(|(nd, _)| nd == d);
            let lamp = !(w == 4 && p.holder_out.binary_search(&d).is_ok());
            let (down, up) = trip(m, &mut r, who, d, s, &area, lamp, !lost);
            if w == 3 && p.several.binary_search(&d).is_ok() {
                let start = down.plus_secs(r.int(60, 180) as i64);
                let end = up.plus_secs(-(r.int(60, 240) as i64));
                let at = start.plus_secs(r.int(25, 40) as i64 * 60);
                m.trips.push(CardTrip {
                    card: second_card(lay),
                    down: start,
                    up: Some(end),
                    last_seen: end.plus_secs(-60),
                    areas: vec![(start, lay.common_area.clone()), (at, area.clone())],
                });
            }
        }
    }
    m.trips.shrink_to_fit();
    m.lamps.shrink_to_fit();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    fn small(seed: u64, mines: usize, patterns: Vec<PatternSpec>, clean_share: f64) -> OpsConfig {
        OpsConfig { name: "t".into(), seed, mines, year: 2026, patterns, clean_share }
    }

    fn all_kinds(strength: Strength) -> Vec<PatternSpec> {
        PatternKind::ALL.iter().map(|&k| PatternSpec::new(k, strength, 1)).collect()
    }

    fn same(a: &MineInputs, b: &MineInputs) -> bool {
        a.info == b.info
            && a.from == b.from
            && a.to == b.to
            && a.output == b.output
            && a.energy == b.energy
            && a.explosives == b.explosives
            && a.volumes == b.volumes
            && a.methane == b.methane
            && a.area_hours == b.area_hours
            && a.crews == b.crews
            && a.trips == b.trips
            && a.identities == b.identities
            && a.lamps == b.lamps
            && a.rota == b.rota
            && a.inspection_days == b.inspection_days
            && a.upload_gaps == b.upload_gaps
    }

    fn declared_by_day(m: &MineInputs) -> BTreeMap<Day, f64> {
        m.output.iter().filter(|o| o.source == OutputSource::Declared).map(|o| (o.day, o.tonnes)).collect()
    }

    fn clean_mines(cfg: &OpsConfig) -> Vec<usize> {
        assign(cfg).iter().enumerate().filter(|(_, p)| p.is_empty()).map(|(i, _)| i).collect()
    }

    #[test]
    fn deterministic_for_a_seed() {
        let cfg = small(7, 6, all_kinds(Strength::Strong), 0.0);
        let a = simulate_ops(&cfg);
        let b = simulate_ops(&cfg);
        assert_eq!(a.truth, b.truth);
        assert_eq!(a.mines.len(), 6);
        for (x, y) in a.mines.iter().zip(&b.mines) {
            assert!(same(x, y), "mine {} differs between two runs", x.code());
        }
        // One mine alone is the same mine.
        let (one, t) = simulate_mine(&cfg, 3);
        assert!(same(&one, &a.mines[3]));
        assert_eq!(t.len(), a.truth.iter().filter(|x| x.mine == one.code()).count());
        // Another seed is another region.
        let c = simulate_ops(&OpsConfig { seed: 8, ..cfg });
        assert!(a.mines.iter().zip(&c.mines).any(|(x, y)| x.output != y.output));
    }

    #[test]
    fn every_pattern_is_in_the_truth_with_its_strength() {
        for strength in Strength::ALL {
            let cfg = small(11, 24, all_kinds(strength), 1.0 / 3.0);
            let year = simulate_ops(&cfg);
            for kind in PatternKind::ALL {
                let lines: Vec<&OpsTruth> = year.truth.iter().filter(|t| t.kind == kind.as_str()).collect();
                assert!(!lines.is_empty(), "{} missing at {}", kind.as_str(), strength.as_str());
                for t in lines {
                    assert_eq!(t.strength, strength.as_str());
                    assert!(t.start < t.end, "{t:?}");
                    assert!(!t.rules.is_empty());
                    assert!(kind.rules().contains(&t.rules[0].as_str()), "{t:?}");
                }
            }
            // Over-crew is found once under each order.
            let crew: Vec<&str> = year.truth.iter().filter(|t| t.kind == "over_crew").map(|t| t.rules[0].as_str()).collect();
            assert_eq!(crew, ["CM-1.6", "CM26-1.3"]);
            let cards = year.truth.iter().filter(|t| t.kind == "card_never_up").count();
            assert_eq!(cards, strength.pick([1, 2, 3]));
        }
    }

    #[test]
    fn clean_mines_have_no_truth() {
        let cfg = small(3, 30, all_kinds(Strength::Medium), 0.4);
        let year = simulate_ops(&cfg);
        let clean = clean_mines(&cfg);
        assert_eq!(clean.len(), 30 - 16, "12 clean by share + the pattern mines left over");
        for i in clean {
            let code = year.mines[i].code();
            assert!(year.truth.iter().all(|t| t.mine != code), "clean mine {code} has truth");
        }
        // No pattern, no truth at all.
        let none = simulate_ops(&small(3, 5, vec![], 0.0));
        assert!(none.truth.is_empty());
        // Every mine clean: the patterns go nowhere.
        let all_clean = small(3, 5, all_kinds(Strength::Weak), 1.0);
        assert!(assign(&all_clean).iter().all(Vec::is_empty));
    }

    #[test]
    fn clean_capacity_stays_under_the_limits() {
        for seed in [1, 2, 3] {
            let cfg = small(seed, 30, vec![], 1.0);
            let year = simulate_ops(&cfg);
            let cal = Calendar::new(2026);
            for m in &year.mines {
                let cap = m.info.approved_capacity_tpa.unwrap_or(0.0);
                assert!(cap > 0.0);
                let by_day = declared_by_day(m);
                let sum = |a: usize, b: usize| (a..b).map(|d| by_day.get(&(cal.d0 + d as Day)).copied().unwrap_or(0.0)).sum::<f64>();
                for mo in 0..12 {
                    let share = sum(cal.months[mo], cal.months[mo + 1]) / cap;
                    assert!(share <= 0.10, "{} month {} at {:.3}", m.code(), mo + 1, share);
                }
                for q in 0..4 {
                    let share = sum(cal.months[q * 3], cal.months[q * 3 + 3]) / cap;
                    assert!(share <= 0.30, "{} quarter {} at {:.3}", m.code(), q + 1, share);
                }
                let y = sum(0, cal.days) / cap;
                assert!(y < 1.10 && y > 0.6, "{} year at {y:.3}", m.code());
                // Belt within 2 % of declared each working day with output.
                for o in m.output.iter().filter(|o| o.source == OutputSource::BeltScale) {
                    let d = by_day[&o.day];
                    if d > 100.0 {
                        assert!((o.tonnes / d - 1.0).abs() <= 0.02 + 1e-9, "belt {} vs declared {d}", o.tonnes);
                    }
                }
            }
        }
    }

    #[test]
    fn clean_crews_stay_within_the_limits() {
        let cfg = small(5, 40, vec![], 1.0);
        let year = simulate_ops(&cfg);
        let mut rock_burst_mines = 0;
        for m in &year.mines {
            let face: HashMap<&str, &Face> = m.info.faces.iter().map(|f| (f.id.as_str(), f)).collect();
            let level: HashMap<&str, &str> =
                m.info.areas.iter().map(|a| (a.code.as_str(), a.rock_burst_level.as_deref().unwrap_or("none"))).collect();
            rock_burst_mines += usize::from(m.info.rock_burst);
            assert!(!m.crews.is_empty());
            for c in &m.crews {
                let f = face[c.site.as_str()];
                let limit = national_crew_limit(&f.kind).expect("known kind");
                assert!(c.people_max <= limit, "{} {} {} > {limit}", m.code(), c.site, c.people_max);
                assert_eq!(c.approved_extra, 0);
                let producing = c.shift != SHIFT_NAMES[MAINT];
                if let Some(rb) = rock_burst_crew_limit(&f.kind, level[f.areas[0].as_str()], producing) {
                    assert!(c.people_max <= rb, "{} {} {} > Art. 358 {rb}", m.code(), c.site, c.people_max);
                }
            }
            // Area aggregates never show more people at a face than its shift crew.
            let top: u32 = m.crews.iter().map(|c| c.people_max).max().unwrap_or(0);
            assert!(m.area_hours.iter().all(|a| a.people_max <= top.max(9)));
        }
        assert!(rock_burst_mines > 0, "some clean mines have rock-burst zones");
    }

    #[test]
    fn clean_mines_account_for_people_and_uploads() {
        let cfg = small(9, 12, vec![], 1.0);
        let year = simulate_ops(&cfg);
        for m in &year.mines {
            assert!(m.upload_gaps.is_empty());
            assert!((10..=20).contains(&m.inspection_days.len()));
            assert!((60..=150).contains(&m.identities.len()));
            let ids: BTreeSet<&str> = m.identities.iter().map(|i| i.person_id.as_str()).collect();
            assert_eq!(ids.len(), m.identities.len(), "one card per person");
            let person: HashMap<&str, &str> = m.identities.iter().map(|i| (i.card.as_str(), i.person_id.as_str())).collect();
            for t in &m.trips {
                let up = t.up.expect("every card comes up");
                assert!(up.secs_since(t.down) < 12 * 3600);
                let pid = person[t.card.as_str()];
                assert!(
                    m.lamps.iter().any(|l| l.person_id == pid && l.lamp_out <= t.down && l.lamp_in.is_some_and(|i| i >= up)),
                    "trip of {} has no lamp",
                    t.card
                );
            }
            // Leaders meet their rota every month.
            let leaders: BTreeSet<&str> = m.rota.iter().map(|r| r.person_id.as_str()).collect();
            assert!((3..=5).contains(&leaders.len()));
            for r in &m.rota {
                assert!(r.required_shifts >= 10 && r.required_shifts <= 20);
                let next = m.rota.iter().filter(|o| o.person_id == r.person_id && o.month > r.month).map(|o| o.month).min();
                let next = next.unwrap_or(day_of(m.to));
                let done = m
                    .trips
                    .iter()
                    .filter(|t| person[t.card.as_str()] == r.person_id && (r.month..next).contains(&day_of(t.down.plus_secs(3600))))
                    .count();
                assert!(done as u32 >= r.required_shifts, "{} did {done} of {}", r.name, r.required_shifts);
            }
            // Faces never get explosives for longwalls; headings do.
            let longwalls: BTreeSet<&str> = m.info.faces.iter().filter(|f| f.kind == "longwall").map(|f| f.id.as_str()).collect();
            assert!(m.explosives.iter().all(|e| !longwalls.contains(e.place.as_str())));
        }
    }

    #[test]
    fn patterns_show_in_the_series() {
        let cfg = small(21, 16, all_kinds(Strength::Medium), 0.0);
        let year = simulate_ops(&cfg);
        let by_mine: HashMap<&str, &MineInputs> = year.mines.iter().map(|m| (m.code(), m)).collect();
        let find = |k: &str| year.truth.iter().find(|t| t.kind == k).expect(k);

        // Over capacity: the month is over a tenth of the capacity.
        let t = find("over_capacity_month");
        let m = by_mine[t.mine.as_str()];
        let (a, b) = (day_of(t.start), day_of(t.end));
        let month: f64 = declared_by_day(m).range(a..b).map(|(_, v)| v).sum();
        assert!(month / m.info.approved_capacity_tpa.unwrap_or(1.0) > 0.13, "month share {month}");

        // Hidden face: people in an area the registry does not list.
        let t = find("hidden_face");
        let m = by_mine[t.mine.as_str()];
        let area = t.place.as_deref().unwrap_or_default();
        assert!(m.info.areas.iter().all(|a| a.code != area));
        assert!(m.area_hours.iter().filter(|a| a.area == area).count() > 50);
        let feeders: BTreeSet<&str> = m.info.faces.iter().flat_map(|f| f.feeders.iter().map(String::as_str)).collect();
        assert!(m.energy.iter().any(|e| e.consumer == Consumer::Face && !feeders.contains(e.feeder.as_str())));

        // Over crew: at least 1.25 × the limit.
        for t in year.truth.iter().filter(|t| t.kind == "over_crew") {
            let m = by_mine[t.mine.as_str()];
            let face = m.info.faces.iter().find(|f| Some(&f.id) == t.place.as_ref()).expect("face");
            let limit = national_crew_limit(&face.kind).unwrap_or(0) as f64;
            let over = m.crews.iter().filter(|c| c.site == face.id && c.people_max as f64 >= 1.25 * limit).count();
            assert_eq!(over, 12, "6 shifts before and 6 after July");
        }

        // Cards that never come up.
        let t = find("card_never_up");
        let m = by_mine[t.mine.as_str()];
        let card = t.place.as_deref().unwrap_or_default();
        let trips: Vec<&CardTrip> = m.trips.iter().filter(|x| x.card == card).collect();
        assert!(trips.last().is_some_and(|x| x.up.is_none()));
        assert_eq!(trips.iter().filter(|x| x.up.is_none()).count(), 1);

        // One person, two cards, underground together.
        let t = find("several_cards");
        let m = by_mine[t.mine.as_str()];
        let card = t.place.as_deref().unwrap_or_default();
        let pid = &m.identities.iter().find(|i| i.card == card).expect("second card listed").person_id;
        assert_eq!(m.identities.iter().filter(|i| &i.person_id == pid).count(), 2);
        assert_eq!(m.trips.iter().filter(|x| x.card == card).count(), 5);

        // Upload gap while hoisting runs.
        let t = find("upload_stop_power_on");
        let m = by_mine[t.mine.as_str()];
        let g = &m.upload_gaps[0];
        assert_eq!(g.to.secs_since(g.from), 3 * 3600);
        assert!(m.area_hours.iter().all(|a| a.hour < g.from || a.hour >= g.to));
        assert!(m.energy.iter().any(|e| e.consumer == Consumer::Hoisting && e.hour >= g.from && e.hour < g.to && e.kwh > 0.0));

        // Production during a stop: declared nothing, hoisting at night.
        let t = find("production_during_stop");
        let m = by_mine[t.mine.as_str()];
        assert!(m.info.status_history.iter().any(|s| s.status == MineStatus::MaintenanceStop));
        let (a, b) = (day_of(t.start), day_of(t.end));
        assert!(declared_by_day(m).range(a..b).all(|(_, v)| *v == 0.0));
        assert!(m.explosives.iter().any(|e| (a..b).contains(&e.day)));

        // Leader below rota in the month.
        let t = find("leader_absent");
        let m = by_mine[t.mine.as_str()];
        let pid = t.place.as_deref().unwrap_or_default();
        let month = day_of(t.start);
        let rota = m.rota.iter().find(|r| r.person_id == pid && r.month == month).expect("rota");
        let cards: BTreeSet<&str> = m.identities.iter().filter(|i| i.person_id == pid).map(|i| i.card.as_str()).collect();
        let done = m
            .trips
            .iter()
            .filter(|x| cards.contains(x.card.as_str()) && (month..day_of(t.end)).contains(&day_of(x.down.plus_secs(3600))))
            .count();
        assert!((done as f64) <= 0.5 * rota.required_shifts as f64 + 0.5, "{done} of {}", rota.required_shifts);
    }

    #[test]
    fn fixed_scenarios_cover_every_pattern_at_every_strength() {
        let s = fixed_scenarios();
        assert_eq!(s.len(), 6);
        let names: BTreeSet<&str> = s.iter().map(|c| c.name.as_str()).collect();
        let seeds: BTreeSet<u64> = s.iter().map(|c| c.seed).collect();
        assert_eq!((names.len(), seeds.len()), (6, 6));
        let mut covered = BTreeMap::new();
        for c in &s {
            let plan = assign(c);
            let clean = plan.iter().filter(|p| p.is_empty()).count();
            assert_eq!(clean * 3, c.mines, "a third clean in {}", c.name);
            assert!(plan.iter().all(|p| p.len() <= 1), "one pattern per mine in {}", c.name);
            for p in plan.iter().flatten() {
                *covered.entry(*p).or_insert(0) += 1;
            }
        }
        for k in PatternKind::ALL {
            for st in Strength::ALL {
                assert_eq!(covered.get(&(k, st)), Some(&4), "{} {}", k.as_str(), st.as_str());
            }
        }
    }

    #[test]
    fn names_parse_and_codes_are_mine_codes() {
        for k in PatternKind::ALL {
            assert_eq!(PatternKind::parse(k.as_str()), Some(k));
            let json = serde_json::to_string(&k).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert_eq!(PatternKind::parse("hidden-face"), None);
        assert_eq!(PatternKind::parse(""), None);
        assert_eq!(Strength::parse("strong"), Some(Strength::Strong));
        assert_eq!(Strength::parse("Strong"), None);
        assert_eq!(national_crew_limit("longwall"), Some(25));
        assert_eq!(national_crew_limit("heading"), Some(18));
        assert_eq!(national_crew_limit("heading_conventional"), Some(15));
        assert_eq!(national_crew_limit("shaft"), None);
        assert_eq!(rock_burst_crew_limit("heading", "weak", true), None);
        assert_eq!(rock_burst_crew_limit("heading_conventional", "medium", true), Some(9));
        assert_eq!(rock_burst_crew_limit("longwall", "weak", false), Some(40));
        let (m, _) = simulate_mine(&small(1, 3, vec![], 1.0), 2);
        assert_eq!(m.code(), "140000000003");
        assert!(MineCode::parse(m.code()).is_ok());
        // Out of range: an empty region, an index past the end, a nonsense share.
        assert!(simulate_ops(&small(1, 0, all_kinds(Strength::Weak), 0.5)).mines.is_empty());
        let odd = small(
            1,
            4,
            vec![PatternSpec { kind: PatternKind::NightWork, strength: Strength::Weak, mines: PatternMines::Share(f64::NAN) }],
            f64::NAN,
        );
        assert!(assign(&odd).iter().all(Vec::is_empty));
        let (past, t) = simulate_mine(&small(1, 2, all_kinds(Strength::Weak), 0.0), 5);
        assert!(t.is_empty() && !past.energy.is_empty());
    }

    #[test]
    fn a_twenty_mine_year_generates() {
        let cfg = small(2026, 20, all_kinds(Strength::Weak), 1.0 / 3.0);
        let year = simulate_ops(&cfg);
        assert_eq!(year.mines.len(), 20);
        for m in &year.mines {
            assert_eq!(m.from, Timestamp::parse_beijing("2026-01-01 00:00:00").unwrap_or_default());
            assert_eq!(m.to, Timestamp::parse_beijing("2027-01-01 00:00:00").unwrap_or_default());
            assert!(m.energy.windows(2).all(|w| w[0].hour <= w[1].hour));
            assert!(m.methane.len() >= 365 * 24 - 6);
            assert!(m.area_hours.iter().all(|a| a.hour >= m.from && a.hour < m.to));
            assert!(m.output.iter().all(|o| o.tonnes >= 0.0 && o.tonnes.is_finite()));
        }
        assert!(year.truth.windows(2).all(|w| w[0].start <= w[1].start));
    }

    fn by_source(m: &MineInputs, src: OutputSource) -> BTreeMap<Day, f64> {
        m.output.iter().filter(|o| o.source == src).map(|o| (o.day, o.tonnes)).collect()
    }

    fn hoist_share(m: &MineInputs, from: Timestamp, to: Timestamp) -> f64 {
        let rows = m.energy.iter().filter(|e| e.hour >= from && e.hour < to);
        let total: f64 = rows.clone().map(|e| e.kwh).sum();
        let hoist: f64 = rows.filter(|e| e.consumer == Consumer::Hoisting).map(|e| e.kwh).sum();
        hoist / total
    }

    #[test]
    fn haulage_and_sales_add_up_to_declared_output_on_clean_mines() {
        let year = simulate_ops(&small(31, 12, vec![], 1.0));
        for m in &year.mines {
            let decl = by_source(m, OutputSource::Declared);
            let rail = by_source(m, OutputSource::Rail);
            let road = by_source(m, OutputSource::Road);
            let cap = m.info.approved_capacity_tpa.unwrap_or(0.0);
            let d0 = day_of(m.from);
            for src in [OutputSource::Weighbridge, OutputSource::Sales, OutputSource::BeltScale] {
                let other = by_source(m, src);
                for w in 0..13 {
                    let a = d0 + w * 28;
                    let s1: f64 = decl.range(a..a + 28).map(|x| x.1).sum();
                    let s2: f64 = other.range(a..a + 28).map(|x| x.1).sum();
                    // Four weeks with at least a week's output: within 3 %.
                    if s1 > cap / 50.0 {
                        assert!((s2 / s1 - 1.0).abs() <= 0.03, "{} {src:?} from day {a}: {s2} vs {s1}", m.code());
                    }
                }
            }
            // Rail + road is what crossed the weighbridge.
            let wb = by_source(m, OutputSource::Weighbridge);
            let sum_wb: f64 = wb.values().sum();
            let sum_haul: f64 = rail.values().chain(road.values()).sum();
            assert!((sum_haul / sum_wb - 1.0).abs() < 0.01, "{} rail+road {sum_haul} vs weighbridge {sum_wb}", m.code());
            assert_eq!(rail.is_empty(), cap < 1.5e6, "rail only for large mines");
        }
    }

    #[test]
    fn hoisting_share_is_the_hebei_baseline_and_rises_under_the_pattern() {
        let cfg = small(31, 12, vec![PatternSpec::new(PatternKind::ElectricityPerTonne, Strength::Medium, 4)], 0.5);
        let year = simulate_ops(&cfg);
        let march = Timestamp::parse_beijing("2026-03-01 00:00:00").unwrap_or_default();
        let april = Timestamp::parse_beijing("2026-04-01 00:00:00").unwrap_or_default();
        let mut seen = 0;
        for m in &year.mines {
            match year.truth.iter().find(|t| t.mine == m.code()) {
                None => {
                    let share = hoist_share(m, march, april);
                    assert!((0.088..=0.102).contains(&share), "{} clean hoisting share {share:.3}", m.code());
                }
                Some(t) => {
                    let share = hoist_share(m, t.start, t.end);
                    assert!((0.12..=0.14).contains(&share), "{} hoisting share {share:.3} under the pattern", m.code());
                    seen += 1;
                }
            }
        }
        assert_eq!(seen, 4);
    }

    /// `cargo test --release -p minesafe-sim ops::tests::five_hundred_mines -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn five_hundred_mines() {
        let t = std::time::Instant::now();
        let cfg = small(1, 500, all_kinds(Strength::Medium), 1.0 / 3.0);
        let year = simulate_ops(&cfg);
        let records: usize = year.mines.iter().map(|m| m.energy.len() + m.area_hours.len() + m.methane.len() + m.output.len()).sum();
        let rss = std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("VmHWM"))
            .map(str::to_string)
            .unwrap_or_default();
        println!("500 mines: {:.1} s, {records} records, {rss}", t.elapsed().as_secs_f64());
        let count = |f: &dyn Fn(&MineInputs) -> usize| year.mines.iter().map(f).sum::<usize>();
        println!(
            "energy {} (face {}), area_hours {}, methane {}, trips {}, lamps {}, crews {}, output {}, explosives {}",
            count(&|m| m.energy.len()),
            count(&|m| m.energy.iter().filter(|e| !e.feeder.is_empty()).count()),
            count(&|m| m.area_hours.len()),
            count(&|m| m.methane.len()),
            count(&|m| m.trips.len()),
            count(&|m| m.lamps.len()),
            count(&|m| m.crews.len()),
            count(&|m| m.output.len()),
            count(&|m| m.explosives.len()),
        );
        assert_eq!(year.mines.len(), 500);
    }
}
