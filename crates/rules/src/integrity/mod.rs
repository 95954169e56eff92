//! Monitoring integrity (MON-1…MON-9): upload stops, silent or faulty points, flat or cloned series, covered sensors, data times, calibration status, loosened definitions, silence where people work.
//!
//! (Being written.)

use minesafe_model::registry::MineInfo;

use crate::detector::Detector;

/// Settings; the defaults are documented per field.
#[derive(Clone, Debug, Default)]
pub struct IntegrityConfig {}

/// The detector of one mine.
pub struct IntegrityRules {
    #[allow(dead_code)]
    mine: String,
}

impl IntegrityRules {
    pub fn new(mine: &str, _info: Option<&MineInfo>, _cfg: &IntegrityConfig) -> Self {
        IntegrityRules { mine: mine.to_string() }
    }
}

impl Detector for IntegrityRules {
    fn name(&self) -> &'static str {
        "integrity"
    }
}
