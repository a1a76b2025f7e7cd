//! Local dates and times as people type them in forms ("2027-03-01", "10:30"), and the instants
//! they name on the workshop's clock. A time the clocks skip is refused with the domain's own
//! words; a time they show twice means the first of the two.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc};

use super::staff::sentence;
use crate::domain::{Ambiguity, WorkshopTz};

/// The years the forms accept: far enough for any booking, near enough that no arithmetic on
/// them can leave chrono's calendar.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2999;

pub fn parse_date(text: &str, what: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
        .ok_or_else(|| format!("{what}: '{text}' is not a date; write it like 2027-03-01."))
}

/// `HH:MM` (browsers may add seconds; they must be zero).
pub fn parse_time(text: &str, what: &str) -> Result<NaiveTime, String> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()
        .filter(|t| t.second() == 0)
        .ok_or_else(|| format!("{what}: '{text}' is not a time; write it like 09:30."))
}

/// The instant a local date and time name.
pub fn instant(tz: WorkshopTz, date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, String> {
    tz.to_utc(date.and_time(time), Ambiguity::Earlier)
        .map_err(|e| sentence(&e.to_string()))
}

/// The instant an end time names on the day of `start`: 00:00 after a later start is the
/// midnight that closes the day.
pub fn end_instant(
    tz: WorkshopTz,
    date: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
) -> Result<DateTime<Utc>, String> {
    if end == NaiveTime::MIN && start != NaiveTime::MIN {
        Ok(tz.start_of_day(date + Duration::days(1)))
    } else {
        instant(tz, date, end)
    }
}

/// `HH:MM`, as the forms show a time.
pub fn hh_mm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// Minutes after midnight as `HH:MM` (1440 and later show as 00:00, the next midnight).
pub fn minute_label(minute: i64) -> String {
    let minute = minute.rem_euclid(1440);
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The Monday of the week `date` falls in.
pub fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        parse_date(text, "date").expect("date")
    }

    fn time(text: &str) -> NaiveTime {
        parse_time(text, "time").expect("time")
    }

    #[test]
    fn typed_dates_and_times_are_read_or_named() {
        assert_eq!(date("2027-03-01").to_string(), "2027-03-01");
        assert_eq!(hh_mm(time("09:30")), "09:30");
        assert_eq!(hh_mm(time("09:30:00")), "09:30");
        assert!(parse_time("9.30", "Start").is_err_and(|m| m.contains("Start: '9.30'")));
        assert!(parse_date("01/03/2027", "Date").is_err());
        assert!(parse_date("+99999-01-01", "Date").is_err());
        assert_eq!(monday_of(date("2027-03-28")), date("2027-03-22"));
        assert_eq!(monday_of(date("2027-03-22")), date("2027-03-22"));
        assert_eq!(minute_label(1440), "00:00");
        assert_eq!(minute_label(570), "09:30");
    }

    #[test]
    fn a_skipped_time_is_refused_and_midnight_closes_the_day() {
        let tz = WorkshopTz::DEFAULT;
        let gap = instant(tz, date("2027-03-28"), time("02:30")).expect_err("skipped");
        assert!(gap.starts_with("2027-03-28 02:30 does not exist in Europe/Madrid"));
        assert!(gap.ends_with('.'));
        let start = instant(tz, date("2027-03-01"), time("23:00")).expect("start");
        let end = end_instant(tz, date("2027-03-01"), time("23:00"), time("00:00")).expect("end");
        assert_eq!((end - start).num_minutes(), 60);
    }
}
