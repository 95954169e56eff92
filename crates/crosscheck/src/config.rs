//! Every threshold of the cross-checks in one place, loadable from TOML
//! (`--crosscheck-config`). Defaults are documented in `docs/crosscheck.md`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub capacity: crate::capacity::CapacityConfig,
    pub reconcile: crate::reconcile::ReconcileConfig,
    pub stops: crate::stops::StopsConfig,
    pub periodic: crate::periodic::PeriodicConfig,
    pub hidden: crate::hidden::HiddenConfig,
    pub crew: crate::crew::CrewConfig,
    pub leaders: crate::leaders::LeadersConfig,
    pub concealment: crate::concealment::ConcealmentConfig,
    pub uploads: crate::uploads::UploadsConfig,
}

impl Config {
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}
