//! Civil dates for what the law dates (an administrative unit's validity, a
//! succession): no time zone, no clock, ordered, shown `dd/mm/yyyy`.

use autosurgeon::{Hydrate, Reconcile};

/// A calendar date. Fields in order, so the derived ordering is the
/// calendar's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub struct Date {
    /// Year, e.g. 2025.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date (dd/mm/yyyy or yyyy-mm-dd)")]
pub struct DateError(pub String);

impl Date {
    /// A date, if it exists in the calendar.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Reads `dd/mm/yyyy` (as people write it) or `yyyy-mm-dd` (as files do).
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let bad = || DateError(text.to_owned());
        let t = text.trim();
        let parts: Vec<&str> = if t.contains('/') {
            t.split('/').rev().collect()
        } else {
            t.split('-').collect()
        };
        let [y, m, d] = parts.as_slice() else {
            return Err(bad());
        };
        let number = |s: &str| s.parse::<u32>().map_err(|_| bad());
        let year = i32::try_from(number(y)?).map_err(|_| bad())?;
        if !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        Date::new(year, number(m)?, number(d)?).ok_or_else(bad)
    }

    /// The date of a unix time in Vietnam (UTC+7).
    pub fn of_unix_vn(unix_seconds: i64) -> Date {
        let (y, m, d) = crate::format::civil_date_vn(unix_seconds);
        Date {
            year: y as i32,
            month: m,
            day: d,
        }
    }

    /// The day after.
    pub fn next_day(self) -> Date {
        Date::new(self.year, self.month, self.day + 1)
            .or_else(|| Date::new(self.year, self.month + 1, 1))
            .unwrap_or(Date {
                year: self.year + 1,
                month: 1,
                day: 1,
            })
    }

    /// The day before (for "valid until the day before the successor").
    pub fn previous_day(self) -> Date {
        if self.day > 1 {
            return Date {
                day: self.day - 1,
                ..self
            };
        }
        let (year, month) = if self.month == 1 {
            (self.year - 1, 12)
        } else {
            (self.year, self.month - 1)
        };
        let last = (28..=31)
            .rev()
            .find(|d| Date::new(year, month, *d).is_some())
            .unwrap_or(28);
        Date {
            year,
            month,
            day: last,
        }
    }
}

impl std::fmt::Display for Date {
    /// `dd/mm/yyyy`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_both_ways_order_and_show_vietnamese_style() {
        let reform = Date::parse("01/07/2025").unwrap();
        assert_eq!(reform, Date::parse("2025-07-01").unwrap());
        assert_eq!(reform.to_string(), "01/07/2025");
        assert!(Date::parse("30/06/2025").unwrap() < reform);
        assert_eq!(reform.previous_day(), Date::new(2025, 6, 30).unwrap());
        assert_eq!(reform.previous_day().next_day(), reform);
        assert_eq!(
            Date::new(2025, 12, 31).unwrap().next_day(),
            Date::new(2026, 1, 1).unwrap()
        );
        assert_eq!(
            Date::new(2024, 3, 1).unwrap().previous_day(),
            Date::new(2024, 2, 29).unwrap()
        );
        assert_eq!(
            Date::new(2026, 1, 1).unwrap().previous_day(),
            Date::new(2025, 12, 31).unwrap()
        );
        for bad in [
            "31/02/2025",
            "2025-13-01",
            "1/7",
            "",
            "hôm qua",
            "01/07/0025",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Date::of_unix_vn(1_751_302_800),
            Date::new(2025, 7, 1).unwrap()
        ); // 2025-06-30 17:00 UTC = 01/07/2025 00:00 in Viet Nam
    }
}
