//! Event-time order for batch runs: files sorted by upload time, definitions first.

use minesafe_formats::{Family, FileName};
use minesafe_model::Timestamp;

/// Sort rank within one upload time: master data before the data it defines.
pub fn family_rank(f: Option<Family>) -> u8 {
    match f {
        Some(Family::Cddy | Family::G1Cddy | Family::Fzdy | Family::Ryqy | Family::Ryjz | Family::Ryxx) => 0,
        Some(_) => 1,
        None => 2,
    }
}

/// Sort key of a file name: (time from the name, rank, name). Unparseable names sort first
/// so they are reported early; their time is unknown.
pub fn sort_key(name: &str) -> (Timestamp, u8, String) {
    match FileName::parse(name) {
        Ok(n) => {
            let fam = n.family().ok();
            (n.time, family_rank(fam), name.to_string())
        }
        Err(_) => (Timestamp(i64::MIN), 2, name.to_string()),
    }
}
