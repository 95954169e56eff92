//! Over crew (超定员): people per face per shift against the national limit table
//! (POS-4, provisional, configurable) — CM-1.6 at or above 1.20 × until 2026-06-30,
//! CM26-1.3 above 1.20 × from 2026-07-01, hand-over and approved extra staff not
//! counted — and the rock-burst zone limits of 规程 2025 Art. 358 (POS-8).

use serde::{Deserialize, Serialize};

use crate::inputs::MineInputs;
use crate::lead::Lead;
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrewConfig {}

/// The leads of this module for one mine.
pub fn detect(_m: &MineInputs, _cfg: &Config) -> Vec<Lead> {
    Vec::new()
}
