//! Instants in UTC, read and printed as Beijing time.
//!
//! The national upload formats carry local Beijing time without a zone. China has
//! used a single fixed offset (+08:00, no daylight saving) since 1991, so the
//! conversion is a constant shift; we parse the fixed `yyyy-MM-dd HH:mm:ss` layout
//! by hand because it sits on the hot path of every reading (millions per second).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Offset of Beijing time (Asia/Shanghai) from UTC, in seconds.
pub const BEIJING_OFFSET_SECS: i64 = 8 * 3600;

/// An instant, seconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("not a time of the form yyyy-MM-dd HH:mm:ss: {0:?}")]
    Layout(String),
    #[error("no such calendar time: {0:?}")]
    Range(String),
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days in a month of the proleptic Gregorian calendar.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// Broken-down Beijing civil time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Timestamp {
    /// Builds an instant from Beijing civil time; `None` if the fields are out of range.
    pub fn from_beijing(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(Timestamp(days * 86_400 + (hour * 3600 + minute * 60 + second) as i64 - BEIJING_OFFSET_SECS))
    }

    /// Parses the upload layout `yyyy-MM-dd HH:mm:ss` (Beijing time). A `T` between
    /// date and time is accepted too.
    pub fn parse_beijing(s: &str) -> Result<Self, TimeError> {
        let b = s.as_bytes();
        if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' || b[16] != b':' {
            return Err(TimeError::Layout(s.to_string()));
        }
        let f = |r: std::ops::Range<usize>| digits(&b[r]).ok_or_else(|| TimeError::Layout(s.to_string()));
        let (y, mo, d, h, mi, se) = (f(0..4)?, f(5..7)?, f(8..10)?, f(11..13)?, f(14..16)?, f(17..19)?);
        Self::from_beijing(y as i64, mo, d, h, mi, se).ok_or_else(|| TimeError::Range(s.to_string()))
    }

    /// Parses the compact file-name layout `yyyyMMddHHmmss` (Beijing time).
    pub fn parse_compact(s: &str) -> Result<Self, TimeError> {
        let b = s.as_bytes();
        if b.len() != 14 {
            return Err(TimeError::Layout(s.to_string()));
        }
        let f = |r: std::ops::Range<usize>| digits(&b[r]).ok_or_else(|| TimeError::Layout(s.to_string()));
        let (y, mo, d, h, mi, se) = (f(0..4)?, f(4..6)?, f(6..8)?, f(8..10)?, f(10..12)?, f(12..14)?);
        Self::from_beijing(y as i64, mo, d, h, mi, se).ok_or_else(|| TimeError::Range(s.to_string()))
    }

    /// Parses an RFC 3339 instant with an explicit offset (`2025-03-01T08:06:10+08:00` or `Z`).
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimeError> {
        if s.len() < 20 {
            return Err(TimeError::Layout(s.to_string()));
        }
        let local = Self::parse_beijing(&s[..19])?;
        let rest = &s[19..];
        let offset = if rest == "Z" {
            0
        } else {
            let rb = rest.as_bytes();
            if rb.len() != 6 || rb[3] != b':' || !(rb[0] == b'+' || rb[0] == b'-') {
                return Err(TimeError::Layout(s.to_string()));
            }
            let h = digits(&rb[1..3]).ok_or_else(|| TimeError::Layout(s.to_string()))? as i64;
            let m = digits(&rb[4..6]).ok_or_else(|| TimeError::Layout(s.to_string()))? as i64;
            let o = h * 3600 + m * 60;
            if rb[0] == b'-' {
                -o
            } else {
                o
            }
        };
        // `local` was read as Beijing time; re-read it at the given offset.
        Ok(Timestamp(local.0 + BEIJING_OFFSET_SECS - offset))
    }

    pub fn beijing(self) -> Civil {
        let local = self.0 + BEIJING_OFFSET_SECS;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil { year, month, day, hour: secs / 3600, minute: secs / 60 % 60, second: secs % 60 }
    }

    /// `yyyy-MM-dd HH:mm:ss` in Beijing time, as the upload files write it.
    pub fn upload_format(self) -> String {
        let mut s = String::with_capacity(19);
        self.write_upload(&mut s);
        s
    }

    /// Appends `yyyy-MM-dd HH:mm:ss` without allocating: writers put a time in every record.
    pub fn write_upload(self, out: &mut String) {
        let c = self.beijing();
        let mut b = *b"0000-00-00 00:00:00";
        let two = |b: &mut [u8], v: u32| {
            b[0] = b'0' + (v / 10 % 10) as u8;
            b[1] = b'0' + (v % 10) as u8;
        };
        let y = c.year.clamp(0, 9999) as u32;
        two(&mut b[0..2], y / 100);
        two(&mut b[2..4], y % 100);
        two(&mut b[5..7], c.month);
        two(&mut b[8..10], c.day);
        two(&mut b[11..13], c.hour);
        two(&mut b[14..16], c.minute);
        two(&mut b[17..19], c.second);
        // Only ASCII digits and separators were written.
        out.push_str(std::str::from_utf8(&b).unwrap_or_default());
    }

    /// `yyyyMMddHHmmss` in Beijing time, as file names write it.
    pub fn compact_format(self) -> String {
        let c = self.beijing();
        format!("{:04}{:02}{:02}{:02}{:02}{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    /// `yyyy-MM-dd` of the Beijing calendar day.
    pub fn beijing_date(self) -> String {
        let c = self.beijing();
        format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
    }

    /// Seconds since Beijing midnight.
    pub fn beijing_seconds_of_day(self) -> u32 {
        (self.0 + BEIJING_OFFSET_SECS).rem_euclid(86_400) as u32
    }

    pub fn plus_secs(self, s: i64) -> Self {
        Timestamp(self.0 + s)
    }

    pub fn secs_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }
}

/// Prints RFC 3339 with the Beijing offset, e.g. `2025-03-01T08:06:10+08:00`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.beijing();
        write!(f, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).or_else(|_| Timestamp::parse_beijing(&s)).map_err(serde::de::Error::custom)
    }
}

/// Formats a duration in seconds the way a regulator reads it: `6 min 30 s`.
pub fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_round_trip() {
        let t = Timestamp::parse_beijing("2025-03-01 08:06:10").unwrap();
        assert_eq!(t.0, 1_740_787_570);
        assert_eq!(t.to_string(), "2025-03-01T08:06:10+08:00");
        assert_eq!(t.upload_format(), "2025-03-01 08:06:10");
        let mut s = String::from("x;");
        Timestamp::parse_beijing("1999-12-31 23:59:09").unwrap().write_upload(&mut s);
        assert_eq!(s, "x;1999-12-31 23:59:09");
        assert_eq!(Timestamp::parse_rfc3339("2025-03-01T00:06:10Z").unwrap(), t);
        assert_eq!(Timestamp::parse_rfc3339(&t.to_string()).unwrap(), t);
        assert_eq!(Timestamp::parse_compact("20250301080610").unwrap(), t);
    }

    #[test]
    fn midnight_crossing_is_beijing_day() {
        let t = Timestamp::parse_beijing("2025-03-02 00:30:00").unwrap();
        assert_eq!(t.beijing_date(), "2025-03-02");
        assert_eq!(t.beijing_seconds_of_day(), 1800);
    }

    #[test]
    fn rejects_bad_times() {
        for s in [
            "2025-02-30 00:00:00",
            "2025-13-01 00:00:00",
            "2025-03-01 24:00:00",
            "2025/03/01 08:00:00",
            "2025-03-01 8:00:00",
            "２０２５-03-01 08:00:00",
        ] {
            assert!(Timestamp::parse_beijing(s).is_err(), "{s}");
        }
        assert!(Timestamp::parse_beijing("2024-02-29 23:59:59").is_ok());
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(390), "6 min 30 s");
        assert_eq!(human_duration(3600 * 13 + 60), "13 h 1 min");
    }
}
