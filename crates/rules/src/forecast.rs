//! Methane early warning (FC-1).
//!
//! (Being written.)

use minesafe_model::registry::MineInfo;

use crate::detector::Detector;

/// Settings; the defaults are documented per field.
#[derive(Clone, Debug, Default)]
pub struct ForecastConfig {}

/// The detector of one mine.
pub struct ForecastRules {
    #[allow(dead_code)]
    mine: String,
}

impl ForecastRules {
    pub fn new(mine: &str, _info: Option<&MineInfo>, _cfg: &ForecastConfig) -> Self {
        ForecastRules { mine: mine.to_string() }
    }
}

impl Detector for ForecastRules {
    fn name(&self) -> &'static str {
        "forecast"
    }
}
