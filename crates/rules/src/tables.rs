//! Versioned regulation tables (`tables/*.toml`): the numbers the monitoring rules
//! judge by, each row with its legal source and the Beijing days it is in force.
//!
//! A changed regulation is a new row with dates, not a code change. The tables are
//! embedded at build time and parsed once; the tests pin their content. Rows the
//! spec asks to verify before use carry `provisional = true`, and every finding that
//! rests on one says so.

use std::sync::OnceLock;

use minesafe_model::registry::GasGrade;
use minesafe_model::{LocationClass, Timestamp};
use serde::Deserialize;

const METHANE_SENSORS_TOML: &str = include_str!("../tables/methane_sensors.toml");
const GAS_LIMITS_TOML: &str = include_str!("../tables/gas_limits.toml");
const AIR_QUALITY_TOML: &str = include_str!("../tables/air_quality.toml");
const TEMPERATURE_TOML: &str = include_str!("../tables/temperature.toml");
const AIR_VELOCITY_TOML: &str = include_str!("../tables/air_velocity.toml");
const HOOKS_TOML: &str = include_str!("../tables/hooks.toml");

/// What a sensor measures, in the unit the regulation states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Methane (甲烷), volume %.
    Methane,
    /// Carbon dioxide (二氧化碳), volume %.
    Co2,
    /// Oxygen (氧气), volume %.
    O2,
    /// Carbon monoxide (一氧化碳), ppm.
    Co,
    /// Nitrogen oxides as NO₂ (二氧化氮), ppm.
    No2,
    /// Sulphur dioxide (二氧化硫), ppm.
    So2,
    /// Hydrogen sulphide (硫化氢), ppm.
    H2s,
    /// Ammonia (氨气), ppm.
    Nh3,
    /// Air temperature (温度), °C.
    Temperature,
    /// Air velocity (风速), m/s.
    WindSpeed,
}

impl Quantity {
    /// The unit the tables use for this quantity; readings are converted to it.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Methane | Self::Co2 | Self::O2 => "%",
            Self::Co | Self::No2 | Self::So2 | Self::H2s | Self::Nh3 => "ppm",
            Self::Temperature => "°C",
            Self::WindSpeed => "m/s",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Methane => "Methane",
            Self::Co2 => "CO2",
            Self::O2 => "Oxygen",
            Self::Co => "CO",
            Self::No2 => "NO2",
            Self::So2 => "SO2",
            Self::H2s => "H2S",
            Self::Nh3 => "NH3",
            Self::Temperature => "Air temperature",
            Self::WindSpeed => "Air velocity",
        }
    }
}

/// The comparison under which a value is over the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// 达到 / 以上: value ≥ limit.
    Ge,
    /// 超过 / 大于: value > limit.
    Gt,
    /// value ≤ limit.
    Le,
    /// 低于 / 不足: value < limit.
    Lt,
}

impl Op {
    #[inline]
    pub fn over(self, value: f64, limit: f64) -> bool {
        match self {
            Self::Ge => value >= limit,
            Self::Gt => value > limit,
            Self::Le => value <= limit,
            Self::Lt => value < limit,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::Ge => "≥",
            Self::Gt => ">",
            Self::Le => "≤",
            Self::Lt => "<",
        }
    }

    /// A lower limit: the worst value of an event is its minimum.
    pub fn is_low(self) -> bool {
        matches!(self, Self::Le | Self::Lt)
    }
}

/// Builds the half-open UTC span `[from, to)` of inclusive Beijing days; a bad date
/// is reported by [`load`].
fn span(from: &Option<String>, to: &Option<String>) -> Result<(Timestamp, Timestamp), TableError> {
    let parse = |d: &str| Timestamp::parse_beijing(&format!("{d} 00:00:00")).map_err(|_| TableError::Date(d.to_string()));
    let lo = match from {
        Some(d) => parse(d)?,
        None => Timestamp(i64::MIN),
    };
    let hi = match to {
        Some(d) => parse(d)?.plus_secs(86_400),
        None => Timestamp(i64::MAX),
    };
    Ok((lo, hi))
}

/// One row of the methane-sensor table (规程 2016 Art 498 / 2025 Art 536 Table 19).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethaneRow {
    /// The regulation's 设置地点 wording.
    pub place: String,
    pub classes: Vec<LocationClass>,
    /// Alarm at value ≥ this (% CH4).
    pub alarm: f64,
    /// Cut power at value ≥ this; `None` = alarm-only location.
    #[serde(default)]
    pub cut: Option<f64>,
    /// Restore power only when value < this.
    #[serde(default)]
    pub restore: Option<f64>,
    /// Non-empty: the row applies only to mines of these gas grades.
    #[serde(default)]
    pub mine_gas_grades: Vec<GasGrade>,
    pub source: String,
    #[serde(default)]
    pub confidence: String,
    #[serde(default)]
    pub provisional: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub effective_from: Option<String>,
    #[serde(default)]
    pub effective_to: Option<String>,
    #[serde(skip)]
    pub from: Timestamp,
    #[serde(skip)]
    pub to: Timestamp,
}

impl MethaneRow {
    pub fn in_force(&self, t: Timestamp) -> bool {
        self.from <= t && t < self.to
    }

    fn applies(&self, class: LocationClass, grade: Option<GasGrade>) -> bool {
        self.classes.contains(&class) && (self.mine_gas_grades.is_empty() || grade.is_some_and(|g| self.mine_gas_grades.contains(&g)))
    }
}

/// One limit: `rule` fires when a `quantity` reading at one of `classes` satisfies `op limit`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitRow {
    pub rule: String,
    pub quantity: Quantity,
    /// Empty = every location class.
    #[serde(default)]
    pub classes: Vec<LocationClass>,
    pub op: Op,
    pub limit: f64,
    pub unit: String,
    /// The condition must hold longer than this to count (CM26-2.8: 10 min).
    #[serde(default)]
    pub longer_than_secs: Option<i64>,
    pub source: String,
    #[serde(default)]
    pub confidence: String,
    #[serde(default)]
    pub provisional: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub effective_from: Option<String>,
    #[serde(default)]
    pub effective_to: Option<String>,
    #[serde(skip)]
    pub from: Timestamp,
    #[serde(skip)]
    pub to: Timestamp,
}

impl LimitRow {
    pub fn in_force(&self, t: Timestamp) -> bool {
        self.from <= t && t < self.to
    }

    pub fn applies_to(&self, class: LocationClass) -> bool {
        self.classes.is_empty() || self.classes.contains(&class)
    }
}

/// One row of the air-velocity table (规程 2016 Art 136 / 2025 Art 157 Table 6).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VelocityRow {
    /// The regulation's 井巷名称 wording.
    pub roadway: String,
    pub classes: Vec<LocationClass>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    pub source: String,
    #[serde(default)]
    pub confidence: String,
    #[serde(default)]
    pub provisional: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub effective_from: Option<String>,
    #[serde(default)]
    pub effective_to: Option<String>,
}

/// A legal hook a detection cites, in the version in force (`hook:<ID>` tags).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookRow {
    pub detection: String,
    pub hook: String,
    #[serde(default)]
    pub effective_from: Option<String>,
    #[serde(default)]
    pub effective_to: Option<String>,
    #[serde(skip)]
    pub from: Timestamp,
    #[serde(skip)]
    pub to: Timestamp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MethaneFile {
    row: Vec<MethaneRow>,
    #[serde(default)]
    hook: Vec<HookRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HookFile {
    hook: Vec<HookRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitFile {
    limit: Vec<LimitRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VelocityFile {
    row: Vec<VelocityRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("tables/{file}: {source}")]
    Toml { file: &'static str, source: toml::de::Error },
    #[error("not a Beijing date yyyy-MM-dd: {0:?}")]
    Date(String),
}

/// All monitoring tables, parsed.
#[derive(Debug)]
pub struct Tables {
    pub methane: Vec<MethaneRow>,
    /// Action limits, air quality, temperature, and the velocity table as limits.
    pub limits: Vec<LimitRow>,
    /// The velocity table as written (for the docs).
    pub velocity: Vec<VelocityRow>,
    pub hooks: Vec<HookRow>,
    /// Every instant at which some row starts or stops being in force, sorted.
    boundaries: Vec<Timestamp>,
}

/// What the tables say for one location class at one instant.
#[derive(Clone, Debug)]
pub struct ClassLimits {
    /// The methane-sensor row, if the class has one (and the mine's gas grade fits).
    pub methane: Option<&'static MethaneRow>,
    /// Every limit row in force for the class, all quantities.
    pub limits: Vec<&'static LimitRow>,
}

fn parse<T: for<'de> Deserialize<'de>>(file: &'static str, text: &str) -> Result<T, TableError> {
    toml::from_str(text).map_err(|source| TableError::Toml { file, source })
}

/// Parses the embedded tables. Used once by [`tables`]; public so tests and tools can
/// see a table error instead of a panic.
pub fn load() -> Result<Tables, TableError> {
    let mut methane: MethaneFile = parse("methane_sensors.toml", METHANE_SENSORS_TOML)?;
    let hooks: HookFile = parse("hooks.toml", HOOKS_TOML)?;
    methane.hook.extend(hooks.hook);
    let mut limits = Vec::new();
    for (file, text) in
        [("gas_limits.toml", GAS_LIMITS_TOML), ("air_quality.toml", AIR_QUALITY_TOML), ("temperature.toml", TEMPERATURE_TOML)]
    {
        let f: LimitFile = parse(file, text)?;
        limits.extend(f.limit);
    }
    let velocity: VelocityFile = parse("air_velocity.toml", AIR_VELOCITY_TOML)?;
    for v in &velocity.row {
        // Rows without a location class document the regulation but judge nothing.
        if v.classes.is_empty() {
            continue;
        }
        let bounds = [(v.min, Op::Lt, "minimum"), (v.max, Op::Gt, "maximum")];
        for (value, op, which) in bounds {
            if let Some(limit) = value {
                limits.push(LimitRow {
                    rule: "CSR-WIND-1".into(),
                    quantity: Quantity::WindSpeed,
                    classes: v.classes.clone(),
                    op,
                    limit,
                    unit: "m/s".into(),
                    longer_than_secs: None,
                    source: format!("{} ({} {which})", v.source, v.roadway),
                    confidence: v.confidence.clone(),
                    provisional: v.provisional,
                    note: v.note.clone(),
                    effective_from: v.effective_from.clone(),
                    effective_to: v.effective_to.clone(),
                    from: Timestamp::default(),
                    to: Timestamp::default(),
                });
            }
        }
    }
    let mut boundaries = Vec::new();
    for r in &mut methane.row {
        (r.from, r.to) = span(&r.effective_from, &r.effective_to)?;
        boundaries.extend([r.from, r.to]);
    }
    for r in &mut limits {
        (r.from, r.to) = span(&r.effective_from, &r.effective_to)?;
        boundaries.extend([r.from, r.to]);
    }
    for r in &mut methane.hook {
        (r.from, r.to) = span(&r.effective_from, &r.effective_to)?;
        boundaries.extend([r.from, r.to]);
    }
    for r in &velocity.row {
        span(&r.effective_from, &r.effective_to)?;
    }
    boundaries.retain(|t| t.0 != i64::MIN && t.0 != i64::MAX);
    boundaries.sort_unstable();
    boundaries.dedup();
    Ok(Tables { methane: methane.row, limits, velocity: velocity.row, hooks: methane.hook, boundaries })
}

/// The built-in tables. A malformed table is a build defect caught by the tests
/// (`tables::tests::tables_load`), like the catalog.
pub fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| load().expect("tables/*.toml are valid (pinned by tables::tests)"))
}

impl Tables {
    /// The methane-sensor row for a class at `t`; `grade` selects grade-specific rows.
    pub fn methane_row(&self, class: LocationClass, grade: Option<GasGrade>, t: Timestamp) -> Option<&MethaneRow> {
        self.methane.iter().find(|r| r.in_force(t) && r.applies(class, grade))
    }

    /// Limit rows in force at `t` for a quantity measured at a class.
    pub fn limit_rows(&self, quantity: Quantity, class: LocationClass, t: Timestamp) -> impl Iterator<Item = &LimitRow> {
        self.limits.iter().filter(move |r| r.quantity == quantity && r.in_force(t) && r.applies_to(class))
    }

    /// The legal hooks a detection cites at `t`.
    pub fn hooks<'a>(&'a self, detection: &'a str, t: Timestamp) -> impl Iterator<Item = &'a str> {
        self.hooks.iter().filter(move |h| h.detection == detection && h.from <= t && t < h.to).map(|h| h.hook.as_str())
    }

    /// The span `[lo, hi)` around `t` in which no row changes: a detector may cache
    /// what it looked up at `t` until the reading time leaves this span.
    pub fn window(&self, t: Timestamp) -> (Timestamp, Timestamp) {
        let i = self.boundaries.partition_point(|b| *b <= t);
        let lo = if i == 0 { Timestamp(i64::MIN) } else { self.boundaries[i - 1] };
        let hi = self.boundaries.get(i).copied().unwrap_or(Timestamp(i64::MAX));
        (lo, hi)
    }
}

/// Limits for `(class, t)`: the methane-sensor row and every limit row in force.
pub fn limits_for(class: LocationClass, grade: Option<GasGrade>, t: Timestamp) -> ClassLimits {
    let tb = tables();
    ClassLimits {
        methane: tb.methane_row(class, grade, t),
        limits: tb.limits.iter().filter(|r| r.in_force(t) && r.applies_to(class)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::meta;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).unwrap()
    }

    #[test]
    fn tables_load() {
        let tb = load().unwrap();
        assert!(tb.methane.len() >= 20);
        assert!(tb.limits.len() >= 30);
        for r in &tb.limits {
            assert!(meta(&r.rule).is_some(), "{} is not in the catalog", r.rule);
            assert_eq!(r.unit, r.quantity.unit(), "{} {:?}", r.rule, r.quantity);
            assert!(!r.source.is_empty());
            assert!(r.from < r.to);
        }
        for r in &tb.methane {
            assert!(!r.classes.is_empty() && !r.source.is_empty() && r.from < r.to);
            if let Some(cut) = r.cut {
                assert!(cut >= r.alarm, "{}: cut below alarm", r.place);
            }
        }
    }

    #[test]
    fn methane_rows_do_not_overlap() {
        let tb = tables();
        for (i, a) in tb.methane.iter().enumerate() {
            for b in &tb.methane[i + 1..] {
                let same_class = a.classes.iter().any(|c| b.classes.contains(c));
                let same_grades = a.mine_gas_grades == b.mine_gas_grades;
                let overlap = a.from < b.to && b.from < a.to;
                assert!(!(same_class && same_grades && overlap), "{} / {}", a.place, b.place);
            }
        }
    }

    #[test]
    fn methane_table_switches_on_2026_02_01() {
        let tb = tables();
        let before = t("2026-01-31 23:59:59");
        let after = t("2026-02-01 00:00:00");
        let face = tb.methane_row(LocationClass::LongwallFace, None, before).unwrap();
        assert_eq!((face.alarm, face.cut, face.restore), (1.0, Some(1.5), Some(1.0)));
        assert!(face.source.contains("Art 498") && !face.provisional);
        let face = tb.methane_row(LocationClass::LongwallFace, None, after).unwrap();
        assert!(face.source.contains("Art 536") && face.provisional);
        // The 2025 table adds an alarm-only row for electrical chambers and drops the wing return.
        assert!(tb.methane_row(LocationClass::MachineChamber, None, before).is_none());
        assert_eq!(tb.methane_row(LocationClass::MachineChamber, None, after).unwrap().alarm, 0.5);
        assert_eq!(tb.methane_row(LocationClass::WingReturn, None, before).unwrap().alarm, 0.75);
        assert!(tb.methane_row(LocationClass::WingReturn, None, after).is_none());
        // Grade-specific rows need the grade.
        assert!(tb.methane_row(LocationClass::LongwallIntake, None, before).is_none());
        assert!(tb.methane_row(LocationClass::LongwallIntake, Some(GasGrade::High), before).is_none());
        assert_eq!(tb.methane_row(LocationClass::LongwallIntake, Some(GasGrade::Outburst), before).unwrap().cut, Some(0.5));
    }

    #[test]
    fn gas2_comparison_changes_with_the_2025_text() {
        let tb = tables();
        let ops = |at: &str| -> Vec<(Op, f64)> {
            tb.limit_rows(Quantity::Methane, LocationClass::LongwallReturn, t(at))
                .filter(|r| r.rule == "CSR-GAS-2")
                .map(|r| (r.op, r.limit))
                .collect()
        };
        assert_eq!(ops("2026-01-31 23:59:59"), vec![(Op::Gt, 1.0)]);
        assert_eq!(ops("2026-02-01 00:00:00"), vec![(Op::Ge, 1.0)]);
    }

    #[test]
    fn harmful_gas_and_wind_limits() {
        let l = limits_for(LocationClass::LongwallFace, None, t("2025-03-01 08:00:00"));
        let co = l.limits.iter().find(|r| r.quantity == Quantity::Co).unwrap();
        assert_eq!((co.op, co.limit), (Op::Gt, 24.0));
        let wind: Vec<_> = l.limits.iter().filter(|r| r.rule == "CSR-WIND-1").map(|r| (r.op, r.limit)).collect();
        assert_eq!(wind, vec![(Op::Lt, 0.25), (Op::Gt, 4.0)]);
        let temp = l.limits.iter().find(|r| r.quantity == Quantity::Temperature).unwrap();
        assert_eq!((temp.op, temp.limit, temp.provisional), (Op::Gt, 30.0, true));
        let m = l.methane.unwrap();
        assert_eq!(m.cut, Some(1.5));
        let cm = limits_for(LocationClass::LongwallFace, None, t("2026-07-01 00:00:00"));
        let long = cm.limits.iter().find(|r| r.rule == "CM26-2.8").unwrap();
        assert_eq!((long.limit, long.longer_than_secs), (3.0, Some(600)));
        assert!(!limits_for(LocationClass::LongwallFace, None, t("2026-06-30 23:59:59")).limits.iter().any(|r| r.rule == "CM26-2.8"));
    }

    #[test]
    fn windows_split_at_switch_dates() {
        let tb = tables();
        let (lo, hi) = tb.window(t("2025-06-01 00:00:00"));
        assert_eq!(lo, Timestamp(i64::MIN));
        assert_eq!(hi, t("2026-02-01 00:00:00"));
        let (lo, hi) = tb.window(t("2026-03-01 00:00:00"));
        assert_eq!((lo, hi), (t("2026-02-01 00:00:00"), t("2026-07-01 00:00:00")));
        assert_eq!(tb.window(t("2027-01-01 00:00:00")).1, Timestamp(i64::MAX));
    }

    #[test]
    fn sens_hook_switches_on_2026_07_01() {
        let tb = tables();
        assert_eq!(tb.hooks("CSR-SENS-1", t("2026-06-30 23:59:59")).collect::<Vec<_>>(), vec!["CM-4.2"]);
        assert_eq!(tb.hooks("CSR-SENS-1", t("2026-07-01 00:00:00")).collect::<Vec<_>>(), vec!["CM26-11.5"]);
    }
}
