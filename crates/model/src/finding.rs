//! Findings: what a rule concluded, with the records that prove it.
//!
//! A finding is evidence first: a regulator must be able to put it in an
//! enforcement document. Its JSON form is the contract of `interfaces.md`.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Severity follows the consequence, not the detector's mood (interfaces.md).
/// Tag of a finding pushed when its event opens (live evaluation); the same id is
/// pushed again when it closes.
pub const TAG_OPEN: &str = "open";
/// Tag of a finding pushed open earlier that did not qualify in the end: consumers
/// drop it.
pub const TAG_WITHDRAWN: &str = "withdrawn";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Alarm,
    Illegal,
    MajorHazard,
}

impl Severity {
    pub fn id(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Alarm => "alarm",
            Self::Illegal => "illegal",
            Self::MajorHazard => "major_hazard",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Info, Self::Warning, Self::Alarm, Self::Illegal, Self::MajorHazard].into_iter().find(|v| v.id() == s)
    }
}

/// Consequence codes of rule-catalog §0.3 (`MH`, `STOP-AREA`, …), kept as their codes.
pub type Consequence = String;

/// One record a finding rests on.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// Upload file name.
    pub file: String,
    /// Record index: 0 = first record after the header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Names of the status bits set (alarm, power_cut, calibration, …).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub status_bits: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// What the record shows, when values alone do not say it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A rule's conclusion about a mine over a span of event time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable: the same inputs give the same id.
    pub id: String,
    /// Catalog rule ID in the version in force at the event's time.
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    pub mine: String,
    pub severity: Severity,
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    pub title: String,
    pub evidence: Vec<Evidence>,
    pub consequence: Vec<Consequence>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<String>,
    /// Peak value over the event, for over-limit events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

impl Finding {
    /// A stable id from what identifies the event: rule, mine, place and start.
    pub fn stable_id(rule: &str, mine: &str, place: &str, start: Timestamp) -> String {
        // FNV-1a: tiny, deterministic across platforms and releases.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [rule.as_bytes(), b"|", mine.as_bytes(), b"|", place.as_bytes(), b"|", &start.0.to_le_bytes()] {
            for &b in part {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("f-{:012x}", h & 0xffff_ffff_ffff)
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// Duration in seconds, when closed.
    pub fn duration_secs(&self) -> Option<i64> {
        self.end.map(|e| e.secs_since(self.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_json_has_contract_fields() {
        let t = Timestamp::parse_beijing("2025-03-01 08:06:10").unwrap();
        let f = Finding {
            id: Finding::stable_id("CM-4.2", "999900000001", "1201综采工作面T1", t),
            rule: "CM-4.2".into(),
            measure: Some("HM-4.2".into()),
            mine: "999900000001".into(),
            severity: Severity::MajorHazard,
            start: t,
            end: None,
            place: Some("1201综采工作面T1".into()),
            title: "t".into(),
            evidence: vec![Evidence { file: "a.txt".into(), record: Some(0), value: Some(1.66), time: Some(t), ..Default::default() }],
            consequence: vec!["MH".into()],
            tags: vec![],
            peak: None,
            confidence: None,
        };
        let v: serde_json::Value = serde_json::to_value(&f).unwrap();
        assert_eq!(v["severity"], "major_hazard");
        assert_eq!(v["start"], "2025-03-01T08:06:10+08:00");
        assert!(v["end"].is_null());
        assert_eq!(v["evidence"][0]["record"], 0);
        assert!(f.id.starts_with("f-") && f.id.len() == 14);
        let back: Finding = serde_json::from_value(v).unwrap();
        assert_eq!(back, f);
    }
}
