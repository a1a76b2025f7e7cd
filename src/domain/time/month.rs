//! A calendar month on the workshop's wall clock — the period invoices and reports cover.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::WorkshopTz;

/// A local calendar month, written `2026-03`. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalMonth {
    // Field order matters: the derived `Ord` compares the year first.
    year: i32,
    month: u32,
}

/// A text that is not a month written `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonthParseError {
    #[error("'{input}' is not a month; write it as YYYY-MM, like 2026-03")]
    Format { input: String },
    #[error("'{input}' is not a month: {month} is not between 01 and 12")]
    MonthOutOfRange { input: String, month: u32 },
}

impl LocalMonth {
    /// The month `month` (1–12) of `year`, if chrono's calendar has it.
    pub fn new(year: i32, month: u32) -> Option<LocalMonth> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| LocalMonth { year, month })
    }

    /// The month a local date falls in.
    pub fn of(date: NaiveDate) -> LocalMonth {
        LocalMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Reads exactly `YYYY-MM`: four-digit year, two-digit month, nothing else.
    pub fn parse(input: &str) -> Result<LocalMonth, MonthParseError> {
        let format_error = || MonthParseError::Format {
            input: input.to_owned(),
        };
        let (year, month) = input.split_once('-').ok_or_else(format_error)?;
        let digits =
            |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(format_error());
        }
        let year: i32 = year.parse().map_err(|_| format_error())?;
        let month: u32 = month.parse().map_err(|_| format_error())?;
        LocalMonth::new(year, month).ok_or_else(|| MonthParseError::MonthOutOfRange {
            input: input.to_owned(),
            month,
        })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1 for January … 12 for December.
    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .expect("every constructor checks that the month's first day is in chrono's calendar")
    }

    /// The following month.
    ///
    /// # Panics
    /// After December of year 262 142, where chrono's calendar ends.
    pub fn next(self) -> LocalMonth {
        let (year, month) = match self.month {
            12 => (self.year + 1, 1),
            month => (self.year, month + 1),
        };
        LocalMonth::new(year, month).expect("chrono's calendar runs to year 262 142")
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        LocalMonth::of(date) == self
    }

    /// The half-open span `[start, end)` of the month in UTC: from the first instant of its
    /// first local day to the first instant of the next month's.
    pub fn bounds_utc(self, tz: &WorkshopTz) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            tz.start_of_day(self.first_day()),
            tz.start_of_day(self.next().first_day()),
        )
    }
}

impl fmt::Display for LocalMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for LocalMonth {
    type Err = MonthParseError;

    fn from_str(input: &str) -> Result<LocalMonth, MonthParseError> {
        LocalMonth::parse(input)
    }
}

impl Serialize for LocalMonth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalMonth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LocalMonth, D::Error> {
        let text = String::deserialize(deserializer)?;
        LocalMonth::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn month(text: &str) -> LocalMonth {
        LocalMonth::parse(text).expect("test month")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test instant")
            .to_utc()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("test date")
    }

    #[test]
    fn parses_and_displays_yyyy_mm() {
        let march = month("2026-03");
        assert_eq!((march.year(), march.month()), (2026, 3));
        assert_eq!(march.to_string(), "2026-03");
        assert_eq!(
            "2026-12".parse::<LocalMonth>().map(LocalMonth::month),
            Ok(12)
        );
    }

    #[test]
    fn rejects_anything_but_strict_yyyy_mm() {
        for bad in [
            "",
            "2026",
            "2026-3",
            "26-03",
            "2026/03",
            "2026-03-01",
            " 2026-03",
            "2026-03 ",
            "abcd-ef",
            "+026-03",
            "2026--3",
            "2026-+3",
            "２０２６-03",
        ] {
            assert_eq!(
                LocalMonth::parse(bad),
                Err(MonthParseError::Format {
                    input: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
        assert_eq!(
            LocalMonth::parse("2026-3").unwrap_err().to_string(),
            "'2026-3' is not a month; write it as YYYY-MM, like 2026-03"
        );
    }

    #[test]
    fn rejects_months_outside_1_to_12() {
        for (bad, number) in [("2026-00", 0), ("2026-13", 13)] {
            assert_eq!(
                LocalMonth::parse(bad),
                Err(MonthParseError::MonthOutOfRange {
                    input: bad.to_owned(),
                    month: number
                })
            );
        }
        assert_eq!(
            LocalMonth::parse("2026-13").unwrap_err().to_string(),
            "'2026-13' is not a month: 13 is not between 01 and 12"
        );
        assert_eq!(LocalMonth::new(2026, 0), None);
        assert_eq!(LocalMonth::new(2026, 13), None);
    }

    #[test]
    fn knows_its_first_day_and_the_next_month() {
        assert_eq!(month("2026-03").first_day(), date("2026-03-01"));
        assert_eq!(month("2026-03").next(), month("2026-04"));
        assert_eq!(month("2026-12").next(), month("2027-01"));
        assert_eq!(LocalMonth::of(date("2026-02-28")), month("2026-02"));
        assert!(month("2026-02").contains(date("2026-02-28")));
        assert!(!month("2026-02").contains(date("2026-03-01")));
        assert!(month("2025-12") < month("2026-01"));
    }

    #[test]
    fn bounds_run_from_local_midnight_to_local_midnight() {
        let madrid = WorkshopTz::DEFAULT;
        // March: winter time at the start, summer time at the end, so one hour short.
        assert_eq!(
            month("2026-03").bounds_utc(&madrid),
            (utc("2026-02-28T23:00:00Z"), utc("2026-03-31T22:00:00Z"))
        );
        // October: one hour long.
        assert_eq!(
            month("2026-10").bounds_utc(&madrid),
            (utc("2026-09-30T22:00:00Z"), utc("2026-10-31T23:00:00Z"))
        );
        let (start, end) = month("2026-12").bounds_utc(&madrid);
        assert_eq!(end, utc("2026-12-31T23:00:00Z"));
        assert_eq!((end - start).num_days(), 31);
    }

    #[test]
    fn serializes_as_text() {
        let march = month("2026-03");
        assert_eq!(
            serde_json::to_string(&march).expect("serialize"),
            "\"2026-03\""
        );
        assert_eq!(
            serde_json::from_str::<LocalMonth>("\"2026-03\"").expect("deserialize"),
            march
        );
        assert!(serde_json::from_str::<LocalMonth>("\"2026-3\"").is_err());
    }

    fn any_month() -> impl Strategy<Value = LocalMonth> {
        (2000i32..=2100, 1u32..=12)
            .prop_map(|(year, number)| LocalMonth::new(year, number).expect("valid month"))
    }

    fn any_zone() -> impl Strategy<Value = WorkshopTz> {
        prop::sample::select(vec![
            "Europe/Madrid",
            "America/Santiago",
            "America/Havana",
            "Pacific/Apia",
            "Asia/Kathmandu",
        ])
        .prop_map(|name| WorkshopTz::parse(name).expect("test time zone"))
    }

    proptest! {
        #[test]
        fn month_bounds_are_contiguous(m in any_month(), tz in any_zone()) {
            let (start, end) = m.bounds_utc(&tz);
            let (next_start, _) = m.next().bounds_utc(&tz);
            prop_assert_eq!(end, next_start);
            prop_assert!(start < end);
            prop_assert_eq!(LocalMonth::of(tz.local_date(start)), m);
            let hours = (end - start).num_hours();
            prop_assert!((27 * 24..=32 * 24).contains(&hours), "{} lasts {} h", m, hours);
        }

        #[test]
        fn parse_reads_back_what_display_prints(m in any_month()) {
            prop_assert_eq!(LocalMonth::parse(&m.to_string()), Ok(m));
        }
    }
}
