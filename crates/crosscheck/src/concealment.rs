//! Concealment leads (ACC-LEAD-1…3, POS-3-R1): cards that went down and never
//! came up; one person with several cards, or a card moving while its holder is
//! recorded elsewhere; uploads that stop while power continues.

use serde::{Deserialize, Serialize};

use crate::inputs::MineInputs;
use crate::lead::Lead;
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConcealmentConfig {}

/// The leads of this module for one mine.
pub fn detect(_m: &MineInputs, _cfg: &Config) -> Vec<Lead> {
    Vec::new()
}
