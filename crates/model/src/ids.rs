//! Identifier codes of the national formats.
//!
//! Mine code (煤矿编码): 12 digits in the current (G2) format, whose first six digits
//! are the county's administrative code; 20 characters in the legacy (G1) format.
//! The other codes (point, area, station, card) are kept as plain strings: the
//! standard treats point codes as vendor-defined and opaque.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Generation of the upload format, told apart by the mine-code length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Generation {
    /// The national networking format (煤安监办〔2019〕42号 附件2 / MT/T 1201-2023), 12-digit codes.
    G2,
    /// The legacy "online monitoring" format (2016 trial standard), 20-character codes.
    G1,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a mine code (12 digits, or 20 upper-case letters and digits for legacy uploads): {0:?}")]
pub struct MineCodeError(pub String);

/// Mine code (煤矿编码).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MineCode(String);

impl MineCode {
    pub fn parse(s: &str) -> Result<Self, MineCodeError> {
        let b = s.as_bytes();
        let ok = (b.len() == 12 && b.iter().all(u8::is_ascii_digit))
            || (b.len() == 20 && b.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        if ok {
            Ok(MineCode(s.to_string()))
        } else {
            Err(MineCodeError(s.to_string()))
        }
    }

    pub fn generation(&self) -> Generation {
        if self.0.len() == 12 {
            Generation::G2
        } else {
            Generation::G1
        }
    }

    /// The county (administrative division) code: the first six characters.
    pub fn county(&self) -> &str {
        &self.0[..6]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MineCode {
    type Error = MineCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        MineCode::parse(&s)
    }
}

impl From<MineCode> for String {
    fn from(m: MineCode) -> String {
        m.0
    }
}

impl fmt::Display for MineCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations() {
        assert_eq!(MineCode::parse("999900000001").unwrap().generation(), Generation::G2);
        assert_eq!(MineCode::parse("150622B0012000200092").unwrap().generation(), Generation::G1);
        assert!(MineCode::parse("99990000001").is_err());
        assert!(MineCode::parse("99990000000a").is_err());
    }
}
