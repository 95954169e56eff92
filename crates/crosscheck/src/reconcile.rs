//! Output that does not add up (REC-2, REC-3, REC-4): declared output against
//! haulage, weighbridge and sales; electricity per tonne and by consumer; methane
//! emission per tonne — each against the mine's own robust baseline.

use serde::{Deserialize, Serialize};

use crate::inputs::MineInputs;
use crate::lead::Lead;
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReconcileConfig {}

/// The leads of this module for one mine.
pub fn detect(_m: &MineInputs, _cfg: &Config) -> Vec<Lead> {
    Vec::new()
}
