//! The mine registry and regulators files (JSON or TOML; schema in `docs/registry.schema.json`).

use minesafe_model::registry::Regulators;
use minesafe_model::Registry;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("registry JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("registry TOML: {0}")]
    Toml(#[from] toml::de::Error),
}

/// Parses a registry; `toml` chooses TOML over JSON (by the file's extension).
pub fn parse_registry(text: &str, toml: bool) -> Result<Registry, RegistryError> {
    Ok(if toml { toml::from_str(text)? } else { serde_json::from_str(text)? })
}

pub fn parse_regulators(text: &str, toml: bool) -> Result<Regulators, RegistryError> {
    Ok(if toml { toml::from_str(text)? } else { serde_json::from_str(text)? })
}
