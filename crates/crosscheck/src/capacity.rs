//! Over capacity and intensity (超能力、超强度生产, HM-7.2): CM-1.1 until 2026-06-30
//! (a month over 10 % of the approved annual capacity, or a year at or over 110 %),
//! CM26-1.1 from 2026-07-01 (a year over 110 %, or underground a calendar quarter
//! over 30 %), and a run-rate warning before either happens (REC-8).

use serde::{Deserialize, Serialize};

use crate::inputs::MineInputs;
use crate::lead::Lead;
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CapacityConfig {}

/// The leads of this module for one mine.
pub fn detect(_m: &MineInputs, _cfg: &Config) -> Vec<Lead> {
    Vec::new()
}
