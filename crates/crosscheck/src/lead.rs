//! A lead (线索): a finding that tells an inspection team what to check on site.

use minesafe_model::{Evidence, Finding, Timestamp};
use serde::{Deserialize, Serialize};

/// The 七假五超三瞒三不两包 taxonomy of HM-3.1-R1, as finding tags `taxonomy:<group>:<item>`.
pub mod taxonomy {
    /// 七假: 假数据.
    pub const FAKE_DATA: &str = "taxonomy:七假:假数据";
    /// 七假: 假报告 (false reports, e.g. declared output).
    pub const FAKE_REPORT: &str = "taxonomy:七假:假报告";
    /// 七假: 假图纸 (faces missing from the drawings).
    pub const FAKE_DRAWING: &str = "taxonomy:七假:假图纸";
    /// 七假: 假履职 (leaders not going underground as recorded).
    pub const FAKE_DUTY: &str = "taxonomy:七假:假履职";
    /// 五超: 超能力.
    pub const OVER_CAPACITY: &str = "taxonomy:五超:超能力";
    /// 五超: 超强度.
    pub const OVER_INTENSITY: &str = "taxonomy:五超:超强度";
    /// 五超: 超定员.
    pub const OVER_CREW: &str = "taxonomy:五超:超定员";
    /// 五超: 超层越界.
    pub const BEYOND_BOUNDARY: &str = "taxonomy:五超:超层越界";
    /// 三瞒: 隐瞒作业地点.
    pub const HIDDEN_FACE: &str = "taxonomy:三瞒:隐瞒作业地点";
    /// 三瞒: 隐瞒入井人数.
    pub const HIDDEN_HEADCOUNT: &str = "taxonomy:三瞒:隐瞒入井人数";
    /// 三瞒: 瞒报谎报事故.
    pub const CONCEALED_ACCIDENT: &str = "taxonomy:三瞒:瞒报谎报事故";
    /// 三不: 擅自复产 (producing during a declared stop).
    pub const UNAPPROVED_RESTART: &str = "taxonomy:三不:擅自复产";
    /// 三不: 拒不执行监管指令.
    pub const DEFYING_ORDERS: &str = "taxonomy:三不:拒不执行监管指令";
}

/// A ranked lead: the finding (rule, evidence, legal hooks, taxonomy tags,
/// confidence) plus what to do about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub finding: Finding,
    /// 0–100: how strongly the evidence points at illegal operation; ranks leads.
    pub score: f64,
    /// Records to pull on site (调取): e.g. "weighbridge tickets 2026-03-01…03-14".
    pub pull: Vec<String>,
    /// Where to go underground (现场核查): areas, stations, roadways.
    pub walk: Vec<String>,
}

/// Builds a lead: the finding from the catalog (severity, measure, consequence),
/// a stable id, legal hooks in force at `start`, taxonomy tags, and the score as
/// the finding's confidence.
#[allow(clippy::too_many_arguments)]
pub fn lead(
    rule: &str,
    mine: &str,
    start: Timestamp,
    end: Option<Timestamp>,
    place: Option<&str>,
    title: String,
    evidence: Vec<Evidence>,
    score: f64,
    taxonomy: &[&str],
    pull: Vec<String>,
    walk: Vec<String>,
) -> Lead {
    let mut finding = minesafe_rules::catalog::finding(rule, mine, start, end, place, title, evidence);
    for h in minesafe_rules::tables::tables().hooks(rule, start) {
        finding.tags.push(format!("hook:{h}"));
    }
    finding.tags.extend(taxonomy.iter().map(|t| t.to_string()));
    let score = score.clamp(0.0, 100.0);
    finding.confidence = Some(score / 100.0);
    Lead { finding, score, pull, walk }
}

/// Highest score first; ties by time, then rule, then id (deterministic).
pub fn rank(leads: &mut [Lead]) {
    leads.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.finding.start.cmp(&b.finding.start))
            .then(a.finding.rule.cmp(&b.finding.rule))
            .then(a.finding.id.cmp(&b.finding.id))
    });
}
