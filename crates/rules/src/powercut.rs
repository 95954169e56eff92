//! Power-cut verification (MON-10…MON-12) from CDDY relations and feed points.
//!
//! (Being written.)

use minesafe_model::registry::MineInfo;

use crate::detector::Detector;

/// Settings; the defaults are documented per field.
#[derive(Clone, Debug, Default)]
pub struct PowerCutConfig {}

/// The detector of one mine.
pub struct PowerCutRules {
    #[allow(dead_code)]
    mine: String,
}

impl PowerCutRules {
    pub fn new(mine: &str, _info: Option<&MineInfo>, _cfg: &PowerCutConfig) -> Self {
        PowerCutRules { mine: mine.to_string() }
    }
}

impl Detector for PowerCutRules {
    fn name(&self) -> &'static str {
        "powercut"
    }
}
