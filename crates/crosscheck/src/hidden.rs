//! Hidden working faces (隐蔽工作面, REC-1): sustained people, power, explosives or
//! methane emission where no declared face is; crews dwelling a shift long away
//! from declared faces; new areas or stations appearing.

use serde::{Deserialize, Serialize};

use crate::inputs::MineInputs;
use crate::lead::Lead;
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HiddenConfig {}

/// The leads of this module for one mine.
pub fn detect(_m: &MineInputs, _cfg: &Config) -> Vec<Lead> {
    Vec::new()
}
