//! Domain model of minesafe.
//!
//! Everything the other crates talk about — mines, monitoring points, readings,
//! people, areas, findings — is defined here, so that formats, rules, the engine
//! and the store agree on one vocabulary. This crate does no I/O and never reads
//! the system clock: time always arrives as an argument.
//!
//! Instants are stored as UTC ([`Timestamp`]); mine data is Beijing local time
//! (Asia/Shanghai, a fixed +08:00 with no daylight saving), converted at the edges.

pub mod finding;
pub mod ids;
pub mod location;
pub mod monitoring;
pub mod positioning;
pub mod registry;
pub mod time;

pub use finding::{Consequence, Evidence, Finding, Severity};
pub use ids::{Generation, MineCode, MineCodeError};
pub use location::LocationClass;
pub use monitoring::{PointDef, Reading, Relation, SensorType, Status, Thresholds, ValueKind};
pub use positioning::{Area, AreaKind, Person, Position, PositionState, Station};
pub use registry::Registry;
pub use time::{TimeError, Timestamp};
