//! The wall clock, read at the binary's edge only: libraries take time as an
//! argument (design.md, "two clocks").

use anyhow::{Context, Result};
use minesafe_model::Timestamp;

/// The system clock, to the second.
pub fn wall_now() -> Timestamp {
    Timestamp(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0))
}

/// A `--now` option (RFC 3339) for replays and tests, else the system clock.
pub fn now_or_wall(now: Option<&str>) -> Result<Timestamp> {
    match now {
        Some(s) => Timestamp::parse_rfc3339(s).with_context(|| format!("--now {s}")),
        None => Ok(wall_now()),
    }
}
