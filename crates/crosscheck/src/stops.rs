//! Production signs during a declared stop (REC-5): output, hoisting power,
//! explosives, face crews while the registry says maintenance stop, stopped by
//! order or closed.

use serde::{Deserialize, Serialize};

use crate::inputs::MineInputs;
use crate::lead::Lead;
use crate::Config;

/// Thresholds of this module (documented defaults; all configurable).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StopsConfig {}

/// The leads of this module for one mine.
pub fn detect(_m: &MineInputs, _cfg: &Config) -> Vec<Lead> {
    Vec::new()
}
