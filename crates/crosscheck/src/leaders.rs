//! Leaders underground (REC-7, POS-6): each leader's shifts underground per
//! month, from their cards, against the rota.

use serde::{Deserialize, Serialize};

use crate::inputs::MineInputs;
use crate::lead::Lead;
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadersConfig {}

/// The leads of this module for one mine.
pub fn detect(_m: &MineInputs, _cfg: &Config) -> Vec<Lead> {
    Vec::new()
}
