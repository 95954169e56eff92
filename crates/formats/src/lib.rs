//! Parsers and writers for the national mine upload formats.
//!
//! Bytes in, typed records out — and the reverse for the simulator. The container
//! rules (file names, encodings, `;` fields, `~` records, `||` end of file) live in
//! [`container`]; each file family (CDDY, CDSS, RYSS, …) is a [`Record`] type in
//! [`families`]. This crate does no I/O: callers hand it a file name and its bytes.
//!
//! [`upload`] ties the steps together for every family, G2 and legacy G1 alike:
//! [`open`] (name, size, encoding), [`split`] (header and records, by generation),
//! [`parse_content`] (typed records); [`with_upload`] runs all of them.
//! Where the format spec marks a layout inferred or uncertain, the family accepts
//! fewer trailing fields (`Record::MIN_FIELDS`) and its module says which.
//!
//! Nothing here panics on input: every problem is a [`FileError`] for the whole
//! file or a [`RecordError`] for one record, with the file, record index, field
//! and a named reason, so that accepted + rejected always equals the record count.

pub mod container;
pub mod error;
pub mod families;
pub mod registry;
pub mod upload;

pub use container::{decode, Decoded, Document, Encoding, FileName, Header, ParseOptions, Parsed, Record, UploadWriter};
pub use error::{FieldError, FileError, RecordError, RejectReason};
pub use families::cdss::CdssRecord;
pub use families::fzss::SubstationState;
pub use families::g1_cddy::G1CddyRecord;
pub use families::g1_sssj::SssjRecord;
pub use families::jzss::StationState;
pub use families::person_alarm::{PersonAlarm, PersonAlarmKind};
pub use families::rycs::OvertimeAlarm;
pub use families::rycy::CrowdAlarm;
pub use families::ryqj::SosAlarm;
pub use families::ryxz::RestrictedAreaAlarm;
pub use families::tjsj::Statistic;
pub use families::ycbj::{AbnormalEvent, AbnormalKind};
pub use families::Family;
pub use upload::{open, parse_content, parse_text, split, with_upload, Content, Upload};
