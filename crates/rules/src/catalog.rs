//! The rule catalog as data (`tables/catalog.toml`): metadata of every rule, the
//! dates it is in force, and successors where a provision was replaced.

use std::sync::OnceLock;

use minesafe_model::{Evidence, Finding, Severity, Timestamp};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub source: String,
    #[serde(default)]
    pub measure: Option<String>,
    pub severity: Severity,
    #[serde(default)]
    pub consequence: Vec<String>,
    /// First day in force (Beijing date), inclusive.
    #[serde(default)]
    pub effective_from: Option<String>,
    /// Last day in force (Beijing date), inclusive.
    #[serde(default)]
    pub effective_to: Option<String>,
    /// Legal text not verified: findings are tagged `provisional`.
    #[serde(default)]
    pub provisional: bool,
    /// The test that pins the rule.
    #[serde(default)]
    pub test: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Successor {
    pub rule: String,
    pub by: String,
    pub from: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Catalog {
    pub rule: Vec<RuleMeta>,
    #[serde(default)]
    pub successor: Vec<Successor>,
}

/// Midnight (Beijing) starting the given `yyyy-MM-dd`.
pub fn day_start(date: &str) -> Timestamp {
    Timestamp::parse_beijing(&format!("{date} 00:00:00")).unwrap_or(Timestamp(i64::MIN))
}

impl RuleMeta {
    pub fn in_force(&self, t: Timestamp) -> bool {
        let after_start = self.effective_from.as_deref().is_none_or(|d| t >= day_start(d));
        let before_end = self.effective_to.as_deref().is_none_or(|d| t < day_start(d).plus_secs(86_400));
        after_start && before_end
    }
}

const CATALOG_TOML: &str = include_str!("../tables/catalog.toml");

/// The built-in catalog. A malformed table is a build defect caught by the tests.
pub fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| toml::from_str(CATALOG_TOML).expect("tables/catalog.toml is valid (pinned by catalog tests)"))
}

pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    catalog().rule.iter().find(|r| r.id == id)
}

/// The ID to cite for an event at `t`: the successor's when the provision was replaced.
pub fn in_force_id(id: &str, t: Timestamp) -> &str {
    for s in &catalog().successor {
        if s.rule == id && t >= day_start(&s.from) {
            return &s.by;
        }
    }
    id
}

/// Builds a finding, taking severity, measure and consequences from the catalog.
/// Unknown rule IDs are a programming error caught by tests; they fall back to `info`.
pub fn finding(
    rule: &str,
    mine: &str,
    start: Timestamp,
    end: Option<Timestamp>,
    place: Option<&str>,
    title: String,
    evidence: Vec<Evidence>,
) -> Finding {
    let m = meta(rule);
    let mut tags = Vec::new();
    if m.is_some_and(|m| m.provisional) {
        tags.push("provisional".to_string());
    }
    Finding {
        id: Finding::stable_id(rule, mine, place.unwrap_or(""), start),
        rule: rule.to_string(),
        measure: m.and_then(|m| m.measure.clone()),
        mine: mine.to_string(),
        severity: m.map(|m| m.severity).unwrap_or(Severity::Info),
        start,
        end,
        place: place.map(str::to_string),
        title,
        evidence,
        consequence: m.map(|m| m.consequence.clone()).unwrap_or_default(),
        tags,
        peak: None,
        confidence: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_loads_and_ids_are_unique() {
        let c = catalog();
        assert!(c.rule.len() >= 19);
        let mut ids: Vec<_> = c.rule.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule IDs");
        for r in &c.rule {
            for code in &r.consequence {
                assert!(
                    ["MH", "STOP-AREA", "STOP", "CLOSE-PROP", "REFER", "XFER", "SUPERVISE", "NOTICE", "GATE"].contains(&code.as_str()),
                    "{}: {code}",
                    r.id
                );
            }
            assert!(!r.test.is_empty(), "{} names no pinning test", r.id);
        }
    }

    #[test]
    fn successor_switches_on_its_date() {
        let before = Timestamp::parse_beijing("2026-06-30 23:59:59").unwrap();
        let after = Timestamp::parse_beijing("2026-07-01 00:00:00").unwrap();
        assert_eq!(in_force_id("CM-4.2", before), "CM-4.2");
        assert_eq!(in_force_id("CM-4.2", after), "CM26-11.4");
        assert!(meta("CM-4.2").unwrap().in_force(before));
        assert!(!meta("CM-4.2").unwrap().in_force(after));
        assert!(meta("CM26-11.4").unwrap().in_force(after));
        assert!(!meta("CM26-11.4").unwrap().in_force(before));
    }

    #[test]
    fn finding_takes_catalog_severity() {
        let t = Timestamp::parse_beijing("2026-07-02 08:00:00").unwrap();
        let f = finding("CM26-11.4", "999900000001", t, None, Some("T1"), "x".into(), vec![]);
        assert_eq!(f.severity, Severity::MajorHazard);
        assert_eq!(f.consequence, vec!["MH", "STOP-AREA"]);
        assert_eq!(f.measure.as_deref(), Some("HM-4.2"));
        let p = finding("CSR-TEMP-1", "999900000001", t, None, None, "x".into(), vec![]);
        assert!(p.has_tag("provisional"));
    }
}
