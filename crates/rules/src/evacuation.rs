//! Evacuation after withdraw-people conditions (ALM-2, ALM-3).
//!
//! (Being written.)

use minesafe_model::registry::MineInfo;

use crate::detector::Detector;

/// Settings; the defaults are documented per field.
#[derive(Clone, Debug, Default)]
pub struct EvacuationConfig {}

/// The detector of one mine.
pub struct EvacuationRules {
    #[allow(dead_code)]
    mine: String,
}

impl EvacuationRules {
    pub fn new(mine: &str, _info: Option<&MineInfo>, _cfg: &EvacuationConfig) -> Self {
        EvacuationRules { mine: mine.to_string() }
    }
}

impl Detector for EvacuationRules {
    fn name(&self) -> &'static str {
        "evacuation"
    }
}
