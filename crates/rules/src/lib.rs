//! The rule catalog as code.
//!
//! Regulation lives here as data plus pure checks: the catalog and the threshold
//! tables are versioned TOML files in `tables/` with their legal source and
//! validity dates; the detectors take readings, positions and time as arguments
//! and return [`Finding`](minesafe_model::Finding)s with evidence. No I/O, no clock.
//!
//! Each event is judged by the version in force at its time: the coal
//! major-hazard standard ORD21 (`CM26-*`) from 2026-07-01 and ORD4 (`CM-*`) before;
//! the 2025 规程 thresholds from 2026-02-01 and the 2016/2022 ones before.

pub mod catalog;
pub mod detector;
pub mod docs;
pub mod evacuation;
pub mod forecast;
pub mod integrity;
pub mod monitoring;
pub mod positioning;
pub mod powercut;
pub mod tables;

pub use catalog::{catalog, finding, in_force_id, meta, RuleMeta};
pub use detector::{Detector, Upload};
pub use docs::rules_markdown;
pub use monitoring::MonitoringRules;
pub use positioning::PositioningRules;

use minesafe_model::registry::MineInfo;

/// Settings of the live-supervision detectors.
#[derive(Clone, Debug, Default)]
pub struct LiveConfig {
    pub integrity: integrity::IntegrityConfig,
    pub powercut: powercut::PowerCutConfig,
    pub evacuation: evacuation::EvacuationConfig,
    pub forecast: forecast::ForecastConfig,
}

/// The live-supervision detectors of one mine, in the order the engine feeds them.
pub fn live_detectors(mine: &str, info: Option<&MineInfo>, cfg: &LiveConfig) -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(integrity::IntegrityRules::new(mine, info, &cfg.integrity)),
        Box::new(powercut::PowerCutRules::new(mine, info, &cfg.powercut)),
        Box::new(forecast::ForecastRules::new(mine, info, &cfg.forecast)),
        // Last: it reads the findings of the others (over-limits, SOS).
        Box::new(evacuation::EvacuationRules::new(mine, info, &cfg.evacuation)),
    ]
}
