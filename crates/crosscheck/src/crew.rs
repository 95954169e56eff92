//! Over crew (超定员): people per face per shift against the national limit table
//! (POS-4, provisional, configurable) — CM-1.6 at or above 1.20 × until 2026-06-30,
//! CM26-1.3 above 1.20 × from 2026-07-01, hand-over and approved extra staff not
//! counted — and the rock-burst zone limits of 规程 2025 Art. 358 (POS-8).
//!
//! The limits live in `tables/crew_limits.toml`, which is the default
//! [`CrewConfig`]. A site is a declared face (its id, or one of its areas); its
//! kind comes from the registry's free-text `Face.kind` through the table's
//! `kind_map` (a bare `longwall` → fully-mechanised longwall, a bare `heading` →
//! mechanised heading, 炮掘/普掘/drill… → conventional heading, 炮采/普采 →
//! conventional longwall, which has no national figure). A site whose kind is
//! unknown is not judged: guessing a limit would make false major hazards.
//!
//! Which rule applies is decided by the crew's Beijing day: the ORD21 row
//! (CM26-1.3) from the day the catalog puts it in force (2026-07-01), the ORD4 row
//! (CM-1.6) before. Runs of consecutive days at one site under one rule are one
//! lead carrying the worst figure and the number of shifts.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use minesafe_model::registry::{Face, MineInfo};
use minesafe_model::{Evidence, Timestamp};
use serde::{Deserialize, Serialize};

use crate::inputs::{day_of, day_start, CrewActivity, Day, MineInputs, ShiftCrew};
use crate::lead::{self, taxonomy, Lead};
use crate::Config;

const TABLE: &str = include_str!("../tables/crew_limits.toml");

/// Work-site kinds of the national single-shift limit table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// 综采/综放工作面.
    FullyMechanisedLongwall,
    /// 炮采/普采工作面.
    ConventionalLongwall,
    /// 综掘工作面.
    MechanisedHeading,
    /// 炮掘/普掘工作面.
    ConventionalHeading,
}

impl SiteKind {
    pub fn is_longwall(self) -> bool {
        matches!(self, Self::FullyMechanisedLongwall | Self::ConventionalLongwall)
    }

    fn label(self) -> &'static str {
        match self {
            Self::FullyMechanisedLongwall => "fully-mechanised longwall (综采)",
            Self::ConventionalLongwall => "conventional longwall (炮采/普采)",
            Self::MechanisedHeading => "mechanised heading (综掘)",
            Self::ConventionalHeading => "conventional heading (炮掘)",
        }
    }
}

/// Single-shift limits per site kind; `None` = no figure (no judgement).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteLimits {
    pub fully_mechanised_longwall: Option<u32>,
    pub conventional_longwall: Option<u32>,
    pub mechanised_heading: Option<u32>,
    pub conventional_heading: Option<u32>,
}

impl SiteLimits {
    pub fn get(&self, kind: SiteKind) -> Option<u32> {
        match kind {
            SiteKind::FullyMechanisedLongwall => self.fully_mechanised_longwall,
            SiteKind::ConventionalLongwall => self.conventional_longwall,
            SiteKind::MechanisedHeading => self.mechanised_heading,
            SiteKind::ConventionalHeading => self.conventional_heading,
        }
    }
}

/// Rock-burst danger level of an area (冲击地压危险等级).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RockBurstLevel {
    None,
    Weak,
    Medium,
    Strong,
}

impl RockBurstLevel {
    /// Reads the registry's text in English or Chinese (`medium`, `中等`, `强`,
    /// `无冲击危险`…); `None` for text it cannot place.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_lowercase();
        if t.is_empty() {
            return None;
        }
        if t.starts_with('无') || t == "none" || t == "no" {
            Some(Self::None)
        } else if t.starts_with('弱') || t == "weak" || t == "low" {
            Some(Self::Weak)
        } else if t.starts_with("中等") || t.starts_with('中') || t == "medium" || t == "moderate" {
            Some(Self::Medium)
        } else if t.starts_with('强') || t == "strong" || t == "high" || t == "severe" {
            Some(Self::Strong)
        } else {
            Option::None
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Weak => "weak (弱)",
            Self::Medium => "medium (中等)",
            Self::Strong => "strong (强)",
        }
    }
}

/// 规程 2025 Art. 358 crew limits in rock-burst danger zones (POS-8).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RockBurstLimits {
    /// Lowest danger level of the site's areas the limits apply from (default medium).
    pub min_level: RockBurstLevel,
    /// Longwall, production shift: 16.
    pub longwall_production: u32,
    /// Longwall, maintenance shift: 40.
    pub longwall_maintenance: u32,
    /// Heading during cutting and support (掘进、支护): 9.
    pub heading_cutting_support: u32,
    /// Heading otherwise: 15.
    pub heading_other: u32,
}

impl Default for RockBurstLimits {
    fn default() -> Self {
        table().rock_burst.clone()
    }
}

/// One row of the face-kind mapping: lower-cased `Face.kind` containing `contains`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRule {
    pub contains: String,
    pub kind: SiteKind,
}

/// Thresholds of this module; the default is `tables/crew_limits.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrewConfig {
    /// The national figures are recalled, not verified: leads judged on them are
    /// tagged `provisional` while this is true.
    pub provisional: bool,
    /// Where the figures come from, quoted in the evidence.
    pub source: String,
    /// National single-shift limits per site kind (POS-4). Replacing this table
    /// replaces all four figures; to change one, use `overrides` with key `""`.
    pub limits: SiteLimits,
    /// Provincial (or city, county) limits keyed by a prefix of the mine's
    /// jurisdiction code (`"14"` = Shanxi); the longest matching prefix wins and a
    /// kind it leaves out falls back to a shorter prefix, then to `limits`.
    pub overrides: BTreeMap<String, SiteLimits>,
    /// A limit for one site (face id or area code), e.g. a 定员 the province set for it.
    pub sites: BTreeMap<String, u32>,
    /// Multiple of the limit for the major hazard: CM-1.6 at or above, CM26-1.3 above (1.20).
    pub major_ratio: f64,
    pub rock_burst: RockBurstLimits,
    /// `Face.kind` text → site kind, first match wins; no match → no judgement.
    pub kind_map: Vec<KindRule>,
    /// At most this many shifts are itemised in a lead's evidence (the rest summarised).
    pub max_evidence: usize,
}

impl Default for CrewConfig {
    fn default() -> Self {
        let t = table();
        CrewConfig {
            provisional: t.provisional,
            source: t.source.clone(),
            limits: t.limits.clone(),
            overrides: BTreeMap::new(),
            sites: BTreeMap::new(),
            major_ratio: t.major_ratio,
            rock_burst: t.rock_burst.clone(),
            kind_map: t.kind_map.clone(),
            max_evidence: 31,
        }
    }
}

/// `tables/crew_limits.toml` as written (no defaults: every field is required there).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    provisional: bool,
    source: String,
    major_ratio: f64,
    limits: SiteLimits,
    rock_burst: RockBurstTable,
    kind_map: Vec<KindRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RockBurstTable {
    min_level: RockBurstLevel,
    longwall_production: u32,
    longwall_maintenance: u32,
    heading_cutting_support: u32,
    heading_other: u32,
}

struct Parsed {
    provisional: bool,
    source: String,
    major_ratio: f64,
    limits: SiteLimits,
    rock_burst: RockBurstLimits,
    kind_map: Vec<KindRule>,
}

/// The built-in table. A malformed table is a build defect caught by the tests.
fn table() -> &'static Parsed {
    static T: OnceLock<Parsed> = OnceLock::new();
    T.get_or_init(|| {
        let t: Table = toml::from_str(TABLE).expect("tables/crew_limits.toml is valid (pinned by crew tests)");
        let r = t.rock_burst;
        Parsed {
            provisional: t.provisional,
            source: t.source,
            major_ratio: t.major_ratio,
            limits: t.limits,
            rock_burst: RockBurstLimits {
                min_level: r.min_level,
                longwall_production: r.longwall_production,
                longwall_maintenance: r.longwall_maintenance,
                heading_cutting_support: r.heading_cutting_support,
                heading_other: r.heading_other,
            },
            kind_map: t.kind_map,
        }
    })
}

impl CrewConfig {
    /// The site kind the registry's face-kind text maps to.
    pub fn site_kind(&self, kind_text: &str) -> Option<SiteKind> {
        let t = kind_text.trim().to_lowercase();
        if t.is_empty() {
            return None;
        }
        self.kind_map.iter().find(|r| !r.contains.is_empty() && t.contains(&r.contains.to_lowercase())).map(|r| r.kind)
    }

    /// The national limit for a kind, after the overrides of the mine's jurisdiction.
    pub fn limit(&self, jurisdiction: Option<&str>, kind: SiteKind) -> Option<u32> {
        let j = jurisdiction.unwrap_or("");
        let mut best: Option<(usize, u32)> = None;
        for (prefix, l) in &self.overrides {
            if let Some(v) = l.get(kind) {
                if j.starts_with(prefix.as_str()) && best.is_none_or(|(len, _)| prefix.len() > len) {
                    best = Some((prefix.len(), v));
                }
            }
        }
        best.map(|(_, v)| v).or(self.limits.get(kind))
    }
}

/// What is known of one `ShiftCrew.site`.
struct Site<'a> {
    face: Option<&'a Face>,
    kind: Option<SiteKind>,
    /// Areas of the site: the face's, or the site code itself.
    areas: Vec<&'a str>,
    /// Highest rock-burst level of its areas the registry gives.
    rock_burst: Option<RockBurstLevel>,
}

fn resolve<'a>(info: &'a MineInfo, cfg: &CrewConfig, site: &'a str) -> Site<'a> {
    let face = info.faces.iter().find(|f| f.id == site).or_else(|| info.faces.iter().find(|f| f.areas.iter().any(|a| a == site)));
    let areas: Vec<&str> = match face {
        Some(f) if !f.areas.is_empty() => f.areas.iter().map(String::as_str).collect(),
        _ => vec![site],
    };
    let rock_burst = info
        .areas
        .iter()
        .filter(|a| areas.contains(&a.code.as_str()))
        .filter_map(|a| a.rock_burst_level.as_deref().and_then(RockBurstLevel::parse))
        .max();
    Site { face, kind: face.and_then(|f| cfg.site_kind(&f.kind)), areas, rock_burst }
}

/// One shift over a limit.
struct Hit {
    rule: &'static str,
    /// Index into `m.crews`.
    idx: usize,
    /// People counted against `limit`.
    counted: u32,
    limit: u32,
    /// What the limit is, for the evidence.
    basis: String,
    /// Judged on the provisional national table.
    provisional: bool,
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn date(d: Day) -> String {
    day_start(d).beijing_date()
}

/// The leads of this module for one mine.
pub fn detect(m: &MineInputs, cfg: &Config) -> Vec<Lead> {
    let c = &cfg.crew;
    if m.crews.is_empty() {
        return Vec::new();
    }
    let (first_day, last_day) = (day_of(m.from), day_of(m.to.plus_secs(-1)));
    let ord21_from = minesafe_rules::catalog::meta("CM26-1.3")
        .and_then(|r| r.effective_from.as_deref())
        .map(minesafe_rules::catalog::day_start)
        .unwrap_or(Timestamp(i64::MAX));
    let mut sites: HashMap<&str, Site> = HashMap::new();
    let mut hits: Vec<Hit> = Vec::new();
    for (idx, r) in m.crews.iter().enumerate() {
        if r.day < first_day || r.day > last_day {
            continue;
        }
        let site = sites.entry(r.site.as_str()).or_insert_with(|| resolve(&m.info, c, r.site.as_str()));
        national(m, c, r, idx, site, ord21_from, &mut hits);
        rock_burst(m, c, r, idx, site, &mut hits);
    }
    hits.sort_by(|a, b| {
        let (ra, rb) = (&m.crews[a.idx], &m.crews[b.idx]);
        a.rule.cmp(b.rule).then(ra.site.cmp(&rb.site)).then(ra.day.cmp(&rb.day)).then(ra.at.cmp(&rb.at))
    });
    let mut leads = Vec::new();
    let mut start = 0;
    while start < hits.len() {
        let mut end = start + 1;
        while end < hits.len() {
            let (prev, next) = (&m.crews[hits[end - 1].idx], &m.crews[hits[end].idx]);
            if hits[end].rule != hits[start].rule || next.site != prev.site || next.day - prev.day > 1 {
                break;
            }
            end += 1;
        }
        let site = &sites[m.crews[hits[start].idx].site.as_str()];
        leads.push(build(m, c, &hits[start..end], site));
        start = end;
    }
    leads
}

/// The national limit (POS-4) and its major-hazard bar (CM-1.6 / CM26-1.3).
fn national(m: &MineInputs, c: &CrewConfig, r: &ShiftCrew, idx: usize, site: &Site, ord21_from: Timestamp, hits: &mut Vec<Hit>) {
    let by_site = site.face.and_then(|f| c.sites.get(&f.id)).or_else(|| c.sites.get(&r.site)).copied();
    let (limit, basis, provisional) = match (by_site, site.kind) {
        (Some(l), _) => (l, format!("the limit configured for {}", r.site), false),
        (None, Some(k)) => match c.limit(m.info.jurisdiction.as_deref(), k) {
            Some(l) => (l, format!("the single-shift limit for a {} ({})", k.label(), c.source), c.provisional),
            None => return,
        },
        (None, None) => return,
    };
    if limit == 0 {
        return;
    }
    let counted = r.people_max.saturating_sub(r.approved_extra);
    let bar = round6(c.major_ratio * limit as f64);
    let ord21 = day_start(r.day) >= ord21_from;
    let major = if ord21 { counted as f64 > bar } else { counted as f64 >= bar };
    let rule = if major {
        if ord21 {
            "CM26-1.3"
        } else {
            "CM-1.6"
        }
    } else if counted > limit {
        "POS-4"
    } else {
        return;
    };
    hits.push(Hit { rule, idx, counted, limit, basis, provisional });
}

/// 规程 2025 Art. 358 in the registry's rock-burst zones (POS-8): everyone present counts.
fn rock_burst(m: &MineInputs, c: &CrewConfig, r: &ShiftCrew, idx: usize, site: &Site, hits: &mut Vec<Hit>) {
    let (Some(level), Some(kind)) = (site.rock_burst, site.kind) else { return };
    let rb = &c.rock_burst;
    if level < rb.min_level || level == RockBurstLevel::None {
        return;
    }
    let (limit, what) = if kind.is_longwall() {
        let maintenance = match r.activity {
            CrewActivity::Maintenance => true,
            CrewActivity::Production => false,
            // The registry's schedule says whether the shift produces; unknown → production (stricter).
            _ => m.info.shifts.iter().any(|s| s.name == r.shift && !s.producing),
        };
        if maintenance {
            (rb.longwall_maintenance, "a longwall's maintenance shift (检修班)")
        } else {
            (rb.longwall_production, "a longwall's production shift (生产班)")
        }
    } else if r.activity == CrewActivity::CuttingAndSupport {
        (rb.heading_cutting_support, "a heading during cutting and support (掘进、支护)")
    } else {
        (rb.heading_other, "a heading outside cutting and support")
    };
    if r.people_max > limit {
        let basis = format!("规程 2025 Art. 358: at most {limit} in {what} in a {} rock-burst danger zone", level.label());
        hits.push(Hit { rule: "POS-8", idx, counted: r.people_max, limit, basis, provisional: false });
    }
}

fn build(m: &MineInputs, c: &CrewConfig, hits: &[Hit], site: &Site) -> Lead {
    let rule = hits[0].rule;
    let first = &m.crews[hits[0].idx];
    let last = &m.crews[hits[hits.len() - 1].idx];
    let worst = hits.iter().max_by(|a, b| (a.counted as f64 / a.limit as f64).total_cmp(&(b.counted as f64 / b.limit as f64)));
    let worst = worst.unwrap_or(&hits[0]);
    let ratio = worst.counted as f64 / worst.limit as f64;
    let shifts = hits.len();
    let site_name = match site.face {
        Some(f) if !f.name.is_empty() => format!("{} ({})", f.name, f.id),
        Some(f) => f.id.clone(),
        None => first.site.clone(),
    };
    let span = if first.day == last.day { date(first.day) } else { format!("{}…{}", date(first.day), date(last.day)) };
    let what = match rule {
        "CM-1.6" => format!("at or above {:.2} × the limit: major hazard (ORD4 Art. 4(6))", c.major_ratio),
        "CM26-1.3" => format!("more than {:.0} % over the limit: major hazard (ORD21 Art. 4(3))", (c.major_ratio - 1.0) * 100.0),
        "POS-8" => "over the rock-burst zone limit of 规程 Art. 358".to_string(),
        _ => "over the single-shift limit (below the major-hazard bar)".to_string(),
    };
    let title = format!(
        "Over crew (超定员) at {site_name}: {} people in one shift against a limit of {} ({:.0} %), {} shift{} {span} — {what}",
        worst.counted,
        worst.limit,
        ratio * 100.0,
        shifts,
        if shifts == 1 { "" } else { "s" }
    );
    let mut evidence: Vec<Evidence> = Vec::new();
    for h in hits.iter().take(c.max_evidence.max(1)) {
        let r = &m.crews[h.idx];
        let counted_note = if rule == "POS-8" {
            "everyone present counts".to_string()
        } else if r.approved_extra > 0 {
            format!("{} seen, {} extra staff approved by the province not counted", r.people_max, r.approved_extra)
        } else {
            "no approved extra staff".to_string()
        };
        let bar = if matches!(rule, "CM-1.6" | "CM26-1.3" | "POS-4") {
            format!("; {:.2} × the limit = {:.1}", c.major_ratio, round6(c.major_ratio * h.limit as f64))
        } else {
            String::new()
        };
        evidence.push(Evidence {
            file: "crews".into(),
            area: Some(r.site.clone()),
            value: Some(h.counted as f64),
            time: Some(r.at),
            detail: Some(format!(
                "{} shift {}: {} people at {} at {} outside the hand-over ({counted_note}); limit {} — {}{bar}",
                date(r.day),
                r.shift,
                h.counted,
                r.site,
                r.at.upload_format(),
                h.limit,
                h.basis
            )),
            ..Default::default()
        });
    }
    if shifts > evidence.len() {
        evidence.push(Evidence {
            file: "crews".into(),
            area: Some(first.site.clone()),
            detail: Some(format!("{} further shifts over the limit in {span} are not itemised here", shifts - evidence.len())),
            ..Default::default()
        });
    }
    let excess = ratio - if rule == "POS-4" || rule == "POS-8" { 1.0 } else { c.major_ratio };
    let persistence = (shifts - 1) as f64;
    let score = match rule {
        "CM-1.6" | "CM26-1.3" => 70.0 + (excess * 100.0).min(20.0) + (2.0 * persistence).min(10.0),
        "POS-8" => 60.0 + (excess * 100.0).min(25.0) + (3.0 * persistence).min(15.0),
        _ => 25.0 + (excess * 150.0).min(30.0) + (3.0 * persistence).min(15.0),
    };
    let areas = site.areas.join(", ");
    let mut pull = vec![
        format!("positioning history (RYSS/人员定位) of {areas} for {span}, per shift"),
        format!("dispatch sheets and attendance (派班单/考勤) of {site_name} for the shifts listed"),
        format!("the mine's crew-limit table (定员表) for {site_name}"),
    ];
    if hits.iter().any(|h| m.crews[h.idx].approved_extra > 0) {
        pull.push(format!("the province's approval of extra staff for {site_name}"));
    }
    if rule == "POS-8" {
        pull.push(format!("the rock-burst danger assessment and prevention plan (冲击地压防治) covering {areas}"));
    }
    let walk = vec![format!("{site_name}: count the crew at the site during a shift, outside the hand-over"), format!("areas {areas}")];
    let tags: &[&str] = &[taxonomy::OVER_CREW];
    let mut l = lead::lead(
        rule,
        m.code(),
        first.at,
        Some(last.at.max(first.at)),
        Some(first.site.as_str()),
        title,
        evidence,
        score,
        tags,
        pull,
        walk,
    );
    l.finding.peak = Some(worst.counted as f64);
    if hits.iter().any(|h| h.provisional) && !l.finding.has_tag("provisional") {
        l.finding.tags.push("provisional".into());
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use minesafe_model::registry::{AreaEntry, Shift};
    use minesafe_model::MineCode;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_beijing(s).expect("time")
    }

    fn day(s: &str) -> Day {
        day_of(t(&format!("{s} 12:00:00")))
    }

    fn face(id: &str, kind: &str, area: &str) -> Face {
        Face { id: id.into(), name: format!("{id}工作面"), kind: kind.into(), areas: vec![area.into()], ..Default::default() }
    }

    fn mine(from: &str, to: &str) -> MineInputs {
        let mut info = MineInfo::new(MineCode::parse("140000000101").expect("code"));
        info.jurisdiction = Some("140105".into());
        info.faces =
            vec![face("LW1", "longwall", "A1"), face("HD1", "heading", "A2"), face("HD2", "炮掘", "A3"), face("X1", "shaft sinking", "A4")];
        info.shifts = vec![
            Shift { name: "零点班".into(), start: "00:00".into(), end: "08:00".into(), producing: true },
            Shift { name: "八点班".into(), start: "08:00".into(), end: "16:00".into(), producing: false },
        ];
        MineInputs::new(info, t(&format!("{from} 00:00:00")), t(&format!("{to} 00:00:00")))
    }

    fn crew(d: &str, site: &str, people: u32, extra: u32, activity: CrewActivity) -> ShiftCrew {
        ShiftCrew {
            day: day(d),
            shift: "零点班".into(),
            site: site.into(),
            people_max: people,
            at: t(&format!("{d} 03:00:00")),
            activity,
            approved_extra: extra,
        }
    }

    fn run(m: &MineInputs) -> Vec<Lead> {
        detect(m, &Config::default())
    }

    fn rules(leads: &[Lead]) -> Vec<&str> {
        leads.iter().map(|l| l.finding.rule.as_str()).collect()
    }

    #[test]
    fn the_table_loads_with_the_recalled_national_limits() {
        let c = CrewConfig::default();
        assert_eq!(c.limits.fully_mechanised_longwall, Some(25));
        assert_eq!(c.limits.mechanised_heading, Some(18));
        assert_eq!(c.limits.conventional_heading, Some(15));
        assert_eq!(c.limits.conventional_longwall, None);
        assert!(c.provisional);
        assert_eq!(c.rock_burst.longwall_production, 16);
        assert_eq!(c.rock_burst.longwall_maintenance, 40);
        assert_eq!(c.rock_burst.heading_cutting_support, 9);
        assert_eq!(c.rock_burst.heading_other, 15);
        assert_eq!(c.site_kind("longwall"), Some(SiteKind::FullyMechanisedLongwall));
        assert_eq!(c.site_kind("Heading"), Some(SiteKind::MechanisedHeading));
        assert_eq!(c.site_kind("conventional_heading"), Some(SiteKind::ConventionalHeading));
        assert_eq!(c.site_kind("炮掘工作面"), Some(SiteKind::ConventionalHeading));
        assert_eq!(c.site_kind("综放工作面"), Some(SiteKind::FullyMechanisedLongwall));
        assert_eq!(c.site_kind("普采"), Some(SiteKind::ConventionalLongwall));
        assert_eq!(c.site_kind("shaft sinking"), None);
        assert_eq!(c.site_kind(""), None);
    }

    #[test]
    fn crew_at_120_percent_is_a_major_hazard_before_july_2026() {
        let mut m = mine("2026-03-01", "2026-04-01");
        // 30 = 1.20 × 25 on the longwall: at the bar is enough under ORD4.
        m.crews.push(crew("2026-03-10", "LW1", 30, 0, CrewActivity::Production));
        let leads = run(&m);
        assert_eq!(rules(&leads), ["CM-1.6"]);
        let f = &leads[0].finding;
        assert_eq!(f.severity, minesafe_model::Severity::MajorHazard);
        assert_eq!(f.peak, Some(30.0));
        assert!(f.has_tag("provisional"));
        assert!(f.has_tag(taxonomy::OVER_CREW));
        assert!(f.title.contains("30 people") && f.title.contains("limit of 25"), "{}", f.title);
        assert!(f.evidence[0].detail.as_deref().is_some_and(|d| d.contains("30.0")));
        assert!(leads[0].score >= 70.0);
        assert!(leads[0].walk.iter().any(|w| w.contains("LW1")));
        // 29 is below the bar: a POS-4 warning only.
        m.crews[0].people_max = 29;
        assert_eq!(rules(&run(&m)), ["POS-4"]);
    }

    #[test]
    fn crew_above_120_percent_from_july_2026_excludes_handover_and_approved_extra() {
        let mut m = mine("2026-07-01", "2026-08-01");
        // Exactly 1.20 × 25 = 30 is no longer a major hazard under ORD21.
        m.crews.push(crew("2026-07-01", "LW1", 30, 0, CrewActivity::Production));
        assert_eq!(rules(&run(&m)), ["POS-4"]);
        // 33 seen with 2 approved extra: 31 counted > 30.
        m.crews[0].people_max = 33;
        m.crews[0].approved_extra = 2;
        let leads = run(&m);
        assert_eq!(rules(&leads), ["CM26-1.3"]);
        assert_eq!(leads[0].finding.peak, Some(31.0));
        assert!(leads[0].finding.evidence[0].detail.as_deref().is_some_and(|d| d.contains("2 extra staff approved")));
        assert!(leads[0].pull.iter().any(|p| p.contains("approval of extra staff")));
        // 34 seen with 4 approved: 30 counted, not above the bar.
        m.crews[0].people_max = 34;
        m.crews[0].approved_extra = 4;
        assert_eq!(rules(&run(&m)), ["POS-4"]);
        // Approved extra larger than the crew: nothing counted, no underflow.
        m.crews[0].people_max = 3;
        m.crews[0].approved_extra = 10;
        assert!(run(&m).is_empty());
    }

    #[test]
    fn the_bar_at_exactly_120_percent_flips_on_2026_07_01() {
        let mut m = mine("2026-06-01", "2026-08-01");
        // Mechanised heading 18 → 21.6; conventional heading 15 → 18.0; longwall 25 → 30.
        for (site, at_bar) in [("LW1", 30), ("HD2", 18)] {
            m.crews =
                vec![crew("2026-06-30", site, at_bar, 0, CrewActivity::Other), crew("2026-07-01", site, at_bar, 0, CrewActivity::Other)];
            let leads = run(&m);
            let mut r = rules(&leads);
            r.sort_unstable();
            assert_eq!(r, ["CM-1.6", "POS-4"], "{site}");
            let before = leads.iter().find(|l| l.finding.rule == "CM-1.6").map(|l| day_of(l.finding.start));
            assert_eq!(before, Some(day("2026-06-30")));
            m.crews = vec![crew("2026-07-01", site, at_bar + 1, 0, CrewActivity::Other)];
            assert_eq!(rules(&run(&m)), ["CM26-1.3"], "{site}");
            m.crews = vec![crew("2026-06-30", site, at_bar - 1, 0, CrewActivity::Other)];
            assert_eq!(rules(&run(&m)), ["POS-4"], "{site}");
        }
        // 21.6 for the mechanised heading: 22 is a major hazard on both sides, 21 on neither.
        m.crews = vec![crew("2026-06-30", "HD1", 22, 0, CrewActivity::Other), crew("2026-07-01", "HD1", 22, 0, CrewActivity::Other)];
        let mut r: Vec<String> = run(&m).into_iter().map(|l| l.finding.rule).collect();
        r.sort_unstable();
        assert_eq!(r, ["CM-1.6", "CM26-1.3"]);
        m.crews = vec![crew("2026-06-30", "HD1", 21, 0, CrewActivity::Other)];
        assert_eq!(rules(&run(&m)), ["POS-4"]);
    }

    #[test]
    fn crew_above_the_limit_warns() {
        let mut m = mine("2026-03-01", "2026-04-01");
        m.crews.push(crew("2026-03-10", "HD1", 18, 0, CrewActivity::CuttingAndSupport));
        assert!(run(&m).is_empty(), "at the limit is allowed");
        m.crews[0].people_max = 19;
        let leads = run(&m);
        assert_eq!(rules(&leads), ["POS-4"]);
        assert_eq!(leads[0].finding.severity, minesafe_model::Severity::Warning);
        assert!(leads[0].score < 70.0);
        // Consecutive days merge into one lead with the worst figure and the shift count.
        m.crews.push(crew("2026-03-11", "HD1", 20, 0, CrewActivity::Other));
        m.crews.push(crew("2026-03-12", "HD1", 19, 0, CrewActivity::Other));
        // A gap of a day starts a new lead.
        m.crews.push(crew("2026-03-14", "HD1", 19, 0, CrewActivity::Other));
        m.sort();
        let leads = run(&m);
        assert_eq!(rules(&leads), ["POS-4", "POS-4"]);
        assert_eq!(leads[0].finding.peak, Some(20.0));
        assert_eq!(leads[0].finding.evidence.len(), 3);
        assert!(leads[0].finding.title.contains("3 shifts"), "{}", leads[0].finding.title);
        assert!(leads[0].score > leads[1].score);
        assert_ne!(leads[0].finding.id, leads[1].finding.id);
    }

    #[test]
    fn rock_burst_zone_limits_of_article_358() {
        let mut m = mine("2026-03-01", "2026-04-01");
        m.info.areas = vec![
            AreaEntry { code: "A1".into(), rock_burst_level: Some("strong".into()), water_zone: None },
            AreaEntry { code: "A2".into(), rock_burst_level: Some("中等".into()), water_zone: None },
            AreaEntry { code: "A3".into(), rock_burst_level: Some("weak".into()), water_zone: None },
        ];
        let mut c = crew("2026-03-10", "LW1", 16, 0, CrewActivity::Production);
        m.crews = vec![c.clone()];
        assert!(run(&m).is_empty(), "16 on a production shift is allowed");
        c.people_max = 17;
        m.crews = vec![c.clone()];
        let leads = run(&m);
        assert_eq!(rules(&leads), ["POS-8"]);
        assert!(leads[0].finding.evidence[0].detail.as_deref().is_some_and(|d| d.contains("Art. 358") && d.contains("16")));
        assert!(!leads[0].finding.has_tag("provisional"));
        // The maintenance shift allows 40; the registry's schedule decides when the activity is unknown.
        c.people_max = 24;
        c.activity = CrewActivity::Maintenance;
        m.crews = vec![c.clone()];
        assert!(run(&m).is_empty());
        c.activity = CrewActivity::Other;
        c.shift = "八点班".into();
        m.crews = vec![c.clone()];
        assert!(run(&m).is_empty(), "八点班 is a maintenance shift in the registry");
        c.shift = "零点班".into();
        m.crews = vec![c.clone()];
        assert_eq!(rules(&run(&m)), ["POS-8"]);
        c.people_max = 41;
        c.activity = CrewActivity::Maintenance;
        m.crews = vec![c.clone()];
        let mut r = rules(&run(&m)).into_iter().map(str::to_string).collect::<Vec<_>>();
        r.sort_unstable();
        assert_eq!(r, ["CM-1.6", "POS-8"], "41 is also over 1.2 × 25");
        // Heading in a medium zone: 9 during cutting and support, 15 otherwise.
        let mut h = crew("2026-03-10", "HD1", 10, 0, CrewActivity::CuttingAndSupport);
        m.crews = vec![h.clone()];
        assert_eq!(rules(&run(&m)), ["POS-8"]);
        h.activity = CrewActivity::Other;
        m.crews = vec![h.clone()];
        assert!(run(&m).is_empty());
        h.people_max = 16;
        m.crews = vec![h.clone()];
        assert_eq!(rules(&run(&m)), ["POS-8"]);
        // A weak zone is below the default level; approved extra staff do not lower a rock-burst count.
        m.crews = vec![crew("2026-03-10", "HD2", 12, 5, CrewActivity::CuttingAndSupport)];
        assert!(run(&m).is_empty());
        m.info.areas[2].rock_burst_level = Some("强".into());
        assert_eq!(rules(&run(&m)), ["POS-8"]);
    }

    #[test]
    fn provincial_and_site_overrides_replace_the_national_figure() {
        let mut m = mine("2026-03-01", "2026-04-01");
        m.crews.push(crew("2026-03-10", "LW1", 23, 0, CrewActivity::Production));
        let mut cfg = Config::default();
        assert!(detect(&m, &cfg).is_empty());
        cfg.crew.overrides.insert("14".into(), SiteLimits { fully_mechanised_longwall: Some(20), ..Default::default() });
        cfg.crew.overrides.insert("1401".into(), SiteLimits { mechanised_heading: Some(12), ..Default::default() });
        assert_eq!(cfg.crew.limit(Some("140105"), SiteKind::FullyMechanisedLongwall), Some(20));
        assert_eq!(cfg.crew.limit(Some("140105"), SiteKind::MechanisedHeading), Some(12));
        assert_eq!(cfg.crew.limit(Some("610105"), SiteKind::MechanisedHeading), Some(18));
        let leads = detect(&m, &cfg);
        assert_eq!(rules(&leads), ["POS-4"]);
        assert!(leads[0].finding.title.contains("limit of 20"));
        cfg.crew.sites.insert("LW1".into(), 19);
        let leads = detect(&m, &cfg);
        assert_eq!(rules(&leads), ["CM-1.6"], "23 ≥ 1.2 × 19 = 22.8");
        assert!(!leads[0].finding.has_tag("provisional"), "a configured site limit is not the recalled table");
        let parsed = Config::from_toml("[crew]\nmajor_ratio = 1.5\n[crew.overrides.14]\nfully_mechanised_longwall = 20\n").expect("toml");
        assert_eq!(parsed.crew.major_ratio, 1.5);
        assert_eq!(parsed.crew.limits.fully_mechanised_longwall, Some(25));
        assert_eq!(parsed.crew.limit(Some("14"), SiteKind::FullyMechanisedLongwall), Some(20));
    }

    #[test]
    fn unknown_sites_kinds_and_bad_data_give_no_lead() {
        let mut m = mine("2026-03-01", "2026-04-01");
        // Unknown kind, unknown site, empty site, outside the period.
        m.crews.push(crew("2026-03-10", "X1", 200, 0, CrewActivity::Production));
        m.crews.push(crew("2026-03-10", "nowhere", 200, 0, CrewActivity::Production));
        m.crews.push(crew("2026-03-10", "", 200, 0, CrewActivity::Production));
        m.crews.push(crew("2026-05-10", "LW1", 200, 0, CrewActivity::Production));
        m.crews.push(crew("2026-03-11", "LW1", 0, 0, CrewActivity::Production));
        assert!(run(&m).is_empty());
        // An area of a face resolves to the face.
        m.crews.push(crew("2026-03-12", "A1", 26, 0, CrewActivity::Production));
        assert_eq!(rules(&run(&m)), ["POS-4"]);
        // Empty registry: nothing is judged.
        let mut e = mine("2026-03-01", "2026-04-01");
        e.info.faces.clear();
        e.info.shifts.clear();
        e.crews = m.crews.clone();
        assert!(run(&e).is_empty());
        // Unreadable rock-burst text is not a zone.
        m.info.areas = vec![AreaEntry { code: "A1".into(), rock_burst_level: Some("??".into()), water_zone: None }];
        m.crews = vec![crew("2026-03-12", "LW1", 20, 0, CrewActivity::Production)];
        assert!(run(&m).is_empty());
        assert_eq!(RockBurstLevel::parse("中等冲击危险"), Some(RockBurstLevel::Medium));
        assert_eq!(RockBurstLevel::parse("无"), Some(RockBurstLevel::None));
        assert_eq!(RockBurstLevel::parse(" Strong "), Some(RockBurstLevel::Strong));
        assert_eq!(RockBurstLevel::parse(""), None);
    }

    #[test]
    fn a_clean_noisy_mine_gives_no_lead() {
        let mut m = mine("2026-01-01", "2026-12-31");
        let mut x: u64 = 12345;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) as u32
        };
        let (a, b) = (day("2026-01-01"), day("2026-12-30"));
        for d in a..=b {
            for (site, base, spread) in [("LW1", 17, 8), ("HD1", 11, 7), ("HD2", 9, 6)] {
                let people = base + next() % (spread + 1);
                let extra = next() % 3;
                m.crews.push(ShiftCrew {
                    day: d,
                    shift: "零点班".into(),
                    site: site.into(),
                    people_max: people + extra,
                    at: day_start(d).plus_secs(3 * 3600 + (next() % 3600) as i64),
                    activity: CrewActivity::Other,
                    approved_extra: extra,
                });
            }
        }
        m.sort();
        assert!(run(&m).is_empty());
    }
}
