//! Beijing calendar days, months and quarters for deadlines and windows.
//!
//! Statutory windows count calendar months, not days: "within 3 months" from
//! 31 January runs to 30 April (rule-catalog §0.4). Counting follows the Civil
//! Code (Art. 201–203): the period ends on the same day number in the last month,
//! or on that month's last day when it has no such day, and the end day counts.

use std::fmt;

use minesafe_model::Timestamp;
use serde::{Deserialize, Serialize};

/// A Beijing calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

fn days_in_month(y: i32, m: u32) -> u32 {
    minesafe_model::time::days_in_month(y as i64, m)
}

impl Date {
    /// `None` when the day does not exist.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(Date { year, month, day })
    }

    /// The Beijing day an instant falls on.
    pub fn of(t: Timestamp) -> Self {
        let c = t.beijing();
        Date { year: c.year as i32, month: c.month, day: c.day }
    }

    /// Parses `yyyy-MM-dd`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.trim().splitn(3, '-');
        let y = it.next()?.parse().ok()?;
        let m = it.next()?.parse().ok()?;
        let d = it.next()?.parse().ok()?;
        Date::new(y, m, d)
    }

    /// 00:00:00 Beijing time of this day.
    pub fn start(self) -> Timestamp {
        Timestamp::from_beijing(self.year as i64, self.month, self.day, 0, 0, 0).unwrap_or_default()
    }

    /// 23:59:59 Beijing time of this day: the last instant a deadline on this day allows.
    pub fn end(self) -> Timestamp {
        self.start().plus_secs(86_399)
    }

    /// The same day number `n` months later, clamped to the month's last day.
    pub fn plus_months(self, n: u32) -> Self {
        let total = self.year * 12 + (self.month as i32 - 1) + n as i32;
        let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
        Date { year, month, day: self.day.min(days_in_month(year, month)) }
    }

    pub fn plus_days(self, n: i64) -> Self {
        Date::of(self.start().plus_secs(n * 86_400 + 12 * 3600))
    }

    /// The last day of a window of `months` calendar months counted from this day
    /// (Civil Code Art. 201–203): 2026-01-31 + 3 → 2026-04-30; 2026-01-15 + 3 → 2026-04-15.
    pub fn window_end(self, months: u32) -> Self {
        self.plus_months(months)
    }

    pub fn month(self) -> Month {
        Month { year: self.year, month: self.month }
    }

    /// Quarter 1–4.
    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A calendar month, e.g. for the monthly self-check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// Parses `yyyy-MM`.
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.trim().split_once('-')?;
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    pub fn first_day(self) -> Date {
        Date { year: self.year, month: self.month, day: 1 }
    }

    pub fn last_day(self) -> Date {
        Date { year: self.year, month: self.month, day: days_in_month(self.year, self.month) }
    }

    pub fn next(self) -> Self {
        self.plus(1)
    }

    /// `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> Self {
        let total = self.year * 12 + self.month as i32 - 1 + n;
        Month { year: total.div_euclid(12), month: total.rem_euclid(12) as u32 + 1 }
    }

    /// Months from `self` through `last`, inclusive.
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        std::iter::successors(Some(self), move |m| Some(m.next()).filter(|n| *n <= last)).take_while(move |m| *m <= last)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_month_window_from_month_ends() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(d("2026-01-31").window_end(3), d("2026-04-30"));
        assert_eq!(d("2026-01-15").window_end(3), d("2026-04-15"));
        assert_eq!(d("2025-11-30").window_end(3), d("2026-02-28"));
        assert_eq!(d("2027-11-30").window_end(3), d("2028-02-29"));
        assert_eq!(d("2026-10-31").window_end(3), d("2027-01-31"));
        assert_eq!(d("2026-12-31").plus_days(1), d("2027-01-01"));
        assert_eq!(d("2026-03-01").plus_days(-1), d("2026-02-28"));
    }

    #[test]
    fn day_bounds_are_beijing_time() {
        let d = Date::parse("2026-07-01").unwrap();
        assert_eq!(d.start(), Timestamp::parse_beijing("2026-07-01 00:00:00").unwrap());
        assert_eq!(d.end(), Timestamp::parse_beijing("2026-07-01 23:59:59").unwrap());
        assert_eq!(Date::of(Timestamp::parse_beijing("2026-06-30 23:59:59").unwrap()).to_string(), "2026-06-30");
        assert!(Date::parse("2026-02-30").is_none());
        assert!(Date::parse("2026-13-01").is_none());
    }

    #[test]
    fn months_iterate_across_year_end() {
        let ms: Vec<String> = Month::parse("2026-11").unwrap().through(Month::parse("2027-02").unwrap()).map(|m| m.to_string()).collect();
        assert_eq!(ms, ["2026-11", "2026-12", "2027-01", "2027-02"]);
        assert_eq!(Month::parse("2026-02").unwrap().last_day().day, 28);
        assert_eq!(Month::parse("2026-01").unwrap().plus(-1).to_string(), "2025-12");
        assert_eq!(Month::parse("2026-12").unwrap().plus(13).to_string(), "2028-01");
        assert_eq!(Date::parse("2026-08-15").unwrap().quarter(), 3);
    }
}
