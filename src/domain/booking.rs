//! Whether an interval may be booked: the slot grid, length, notice and horizon, opening hours
//! and closures — all judged on the workshop's local clock, while lengths are real elapsed time.
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::Money;
use super::resources::BookingRules;
use super::time::WorkshopTz;

/// Opening hours: for each weekday (0 = Monday), local intervals in minutes from midnight
/// (`[opens, closes)`, `closes` up to 1440).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    pub days: [Vec<(u16, u16)>; 7],
}

impl WeeklyHours {
    /// Open every day, all day (a workshop that has not set its hours yet).
    pub fn always() -> WeeklyHours {
        WeeklyHours {
            days: std::array::from_fn(|_| vec![(0, 1440)]),
        }
    }

    fn contains(&self, weekday: usize, from: u16, to: u16) -> bool {
        self.days[weekday]
            .iter()
            .any(|(opens, closes)| *opens <= from && to <= *closes)
    }

    pub fn describe(&self, weekday: usize) -> String {
        let day = &self.days[weekday];
        if day.is_empty() {
            return "closed".into();
        }
        day.iter()
            .map(|(o, c)| format!("{:02}:{:02}–{:02}:{:02}", o / 60, o % 60, c / 60, c % 60))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Days the workshop is closed, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Closure {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub reason: String,
}

/// Why an interval cannot be booked; each message names the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleBroken {
    #[error("the end must be after the start")]
    EndNotAfterStart,
    #[error("bookings start and end on the {0}-minute grid (e.g. 10:00, 10:{0:02})")]
    OffGrid(i64),
    #[error("a booking must last at least {0} minutes")]
    TooShort(i64),
    #[error("a booking may last at most {0} minutes")]
    TooLong(i64),
    #[error("that time has already started")]
    InThePast,
    #[error("bookings must be made at least {0} minutes ahead")]
    TooSoon(i64),
    #[error("bookings open {0} days ahead")]
    TooFar(i64),
    #[error("the workshop is closed on {day} ({reason})")]
    Closed { day: NaiveDate, reason: String },
    #[error("that is outside opening hours: on {weekday} the workshop is open {hours}")]
    OutsideHours {
        weekday: &'static str,
        hours: String,
    },
    #[error("this machine is out of service")]
    OutOfService,
}

/// What the rules look at besides the interval.
pub struct Calendar<'a> {
    pub tz: WorkshopTz,
    pub hours: &'a WeeklyHours,
    pub closures: &'a [Closure],
    pub now: DateTime<Utc>,
}

/// Checks `[start, end)` against a resource's rules and the workshop's calendar.
pub fn check_interval(
    rules: &BookingRules,
    calendar: &Calendar<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), RuleBroken> {
    if end <= start {
        return Err(RuleBroken::EndNotAfterStart);
    }
    let (local_start, local_end) = (calendar.tz.to_local(start), calendar.tz.to_local(end));
    let on_grid = |m: u32| i64::from(m) % rules.slot_minutes == 0;
    let minute_of = |t: chrono::DateTime<chrono_tz::Tz>| t.hour() * 60 + t.minute();
    if start.timestamp() % 60 != 0
        || end.timestamp() % 60 != 0
        || !on_grid(minute_of(local_start))
        || !on_grid(minute_of(local_end))
    {
        return Err(RuleBroken::OffGrid(rules.slot_minutes));
    }
    let minutes = (end - start).num_minutes();
    if minutes < rules.min_minutes {
        return Err(RuleBroken::TooShort(rules.min_minutes));
    }
    if minutes > rules.max_minutes {
        return Err(RuleBroken::TooLong(rules.max_minutes));
    }
    if start < calendar.now {
        return Err(RuleBroken::InThePast);
    }
    if start < calendar.now + Duration::minutes(rules.notice_minutes) {
        return Err(RuleBroken::TooSoon(rules.notice_minutes));
    }
    if start > calendar.now + Duration::days(rules.horizon_days) {
        return Err(RuleBroken::TooFar(rules.horizon_days));
    }
    check_calendar(calendar, start, end)
}

/// Opening hours and closures only (staff overrides skip the rest, but never these silently).
pub fn check_calendar(
    calendar: &Calendar<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), RuleBroken> {
    let (local_start, local_end) = (calendar.tz.to_local(start), calendar.tz.to_local(end));
    let day = local_start.date_naive();
    if let Some(closure) = calendar
        .closures
        .iter()
        .find(|c| c.first_day <= local_end.date_naive() && day <= c.last_day)
    {
        return Err(RuleBroken::Closed {
            day: day.max(closure.first_day),
            reason: closure.reason.clone(),
        });
    }
    let from = local_start.hour() * 60 + local_start.minute();
    // An end at the next local midnight counts as minute 1440 of the start's day.
    let to = match local_end.date_naive() {
        d if d == day => local_end.hour() * 60 + local_end.minute(),
        d if d == day.succ_opt().unwrap_or(day)
            && local_end.hour() == 0
            && local_end.minute() == 0 =>
        {
            1440
        }
        _ => u32::MAX,
    };
    let weekday = day.weekday().num_days_from_monday() as usize;
    let fits = u16::try_from(to).is_ok_and(|to| calendar.hours.contains(weekday, from as u16, to));
    if !fits {
        return Err(RuleBroken::OutsideHours {
            weekday: WEEKDAYS[weekday],
            hours: calendar.hours.describe(weekday),
        });
    }
    Ok(())
}

/// The open time within `[from, to)`: each local day's opening intervals, minus closed days,
/// as instants (sorted). Local times the clocks skip open at the jump.
pub fn open_spans(
    tz: WorkshopTz,
    hours: &WeeklyHours,
    closures: &[Closure],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut spans = Vec::new();
    let mut day = tz.local_date(from);
    let last = tz.local_date(to);
    while day <= last {
        let closed = closures
            .iter()
            .any(|c| c.first_day <= day && day <= c.last_day);
        let weekday = day.weekday().num_days_from_monday() as usize;
        if !closed {
            let midnight = tz.start_of_day(day);
            for (opens, closes) in &hours.days[weekday] {
                let at = |minute: u16| local_minute(tz, day, minute).unwrap_or(midnight);
                let (start, end) = (at(*opens).max(from), at(*closes).min(to));
                if start < end {
                    spans.push((start, end));
                }
            }
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    spans
}

/// The instant of `minute` minutes past local midnight on `day` (1440 = the next midnight).
fn local_minute(tz: WorkshopTz, day: NaiveDate, minute: u16) -> Option<DateTime<Utc>> {
    if minute >= 1440 {
        return day.succ_opt().map(|next| tz.start_of_day(next));
    }
    let local = day.and_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?;
    tz.to_utc(local, super::time::Ambiguity::Earlier)
        .ok()
        .or_else(|| {
            tz.to_utc(local + Duration::hours(1), super::time::Ambiguity::Earlier)
                .ok()
        })
}

/// The cancellation policy: free until `free_until_hours` before the start, then a fee of
/// `late_fee_percent` of the booked price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancellationPolicy {
    pub free_until_hours: i64,
    pub late_fee_percent: Decimal,
}

impl CancellationPolicy {
    /// The fee for cancelling at `now` a booking that starts at `start` and costs `price`.
    pub fn fee(&self, start: DateTime<Utc>, now: DateTime<Utc>, price: Money) -> Money {
        if now < start - Duration::hours(self.free_until_hours) {
            Money::ZERO
        } else {
            price.percent(self.late_fee_percent)
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDateTime, TimeZone};
    use proptest::prelude::*;

    use super::*;
    use crate::domain::time::Ambiguity;

    fn madrid(local: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").expect("time");
        WorkshopTz::DEFAULT
            .to_utc(naive, Ambiguity::Earlier)
            .expect("exists")
    }

    fn weekdays_9_to_21() -> WeeklyHours {
        let mut hours = WeeklyHours::default();
        for day in 0..6 {
            hours.days[day] = vec![(9 * 60, 21 * 60)];
        }
        hours
    }

    fn check(
        start: &str,
        end: &str,
        hours: &WeeklyHours,
        closures: &[Closure],
    ) -> Result<(), RuleBroken> {
        let calendar = Calendar {
            tz: WorkshopTz::DEFAULT,
            hours,
            closures,
            now: Utc
                .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
                .single()
                .expect("now"),
        };
        check_interval(
            &BookingRules::DEFAULT,
            &calendar,
            madrid(start),
            madrid(end),
        )
    }

    #[test]
    fn each_rule_names_itself() {
        let hours = weekdays_9_to_21();
        assert_eq!(
            check("2026-03-02 10:00", "2026-03-02 11:00", &hours, &[]),
            Ok(())
        );
        assert_eq!(
            check("2026-03-02 10:00", "2026-03-02 10:00", &hours, &[]),
            Err(RuleBroken::EndNotAfterStart)
        );
        assert_eq!(
            check("2026-03-02 10:10", "2026-03-02 11:10", &hours, &[]),
            Err(RuleBroken::OffGrid(30))
        );
        assert_eq!(
            check("2026-03-02 10:00", "2026-03-02 19:00", &hours, &[]),
            Err(RuleBroken::TooLong(480))
        );
        assert_eq!(
            check("2026-02-27 10:00", "2026-02-27 11:00", &hours, &[]),
            Err(RuleBroken::InThePast)
        );
        assert_eq!(
            check("2026-06-01 10:00", "2026-06-01 11:00", &hours, &[]),
            Err(RuleBroken::TooFar(60))
        );
        let sunday =
            check("2026-03-08 10:00", "2026-03-08 11:00", &hours, &[]).expect_err("closed");
        assert_eq!(
            sunday.to_string(),
            "that is outside opening hours: on Sunday the workshop is open closed"
        );
        assert!(check("2026-03-02 20:30", "2026-03-02 21:30", &hours, &[]).is_err());
        let closures = [Closure {
            first_day: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            last_day: NaiveDate::from_ymd_opt(2026, 3, 3).expect("date"),
            reason: "inventory".into(),
        }];
        let closed =
            check("2026-03-03 10:00", "2026-03-03 11:00", &hours, &closures).expect_err("closed");
        assert!(closed.to_string().contains("inventory"));
    }

    #[test]
    fn lengths_are_real_time_across_clock_changes() {
        let always = WeeklyHours::always();
        let rules = BookingRules {
            max_minutes: 600,
            ..BookingRules::DEFAULT
        };
        let calendar = Calendar {
            tz: WorkshopTz::DEFAULT,
            hours: &always,
            closures: &[],
            now: Utc
                .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
                .single()
                .expect("now"),
        };
        // Spring forward: 01:00 → 04:00 local is two real hours.
        let (start, end) = (madrid("2026-03-29 01:00"), madrid("2026-03-29 04:00"));
        assert_eq!((end - start).num_minutes(), 120);
        assert_eq!(check_interval(&rules, &calendar, start, end), Ok(()));
        let short = BookingRules {
            min_minutes: 150,
            ..rules
        };
        assert_eq!(
            check_interval(&short, &calendar, start, end),
            Err(RuleBroken::TooShort(150))
        );
    }

    #[test]
    fn an_end_at_midnight_closes_the_day() {
        let always = WeeklyHours::always();
        assert_eq!(
            check("2026-03-02 22:00", "2026-03-03 00:00", &always, &[]),
            Ok(())
        );
        assert!(
            check("2026-03-02 23:00", "2026-03-03 01:00", &always, &[]).is_err(),
            "crosses midnight"
        );
    }

    #[test]
    fn late_cancellation_costs_the_policy_percentage() {
        let policy = CancellationPolicy {
            free_until_hours: 24,
            late_fee_percent: Decimal::new(50, 0),
        };
        let start = madrid("2026-03-10 10:00");
        let price = Money::from_cents(3001);
        assert_eq!(
            policy.fee(start, start - Duration::hours(25), price),
            Money::ZERO
        );
        assert_eq!(
            policy.fee(start, start - Duration::hours(24), price),
            Money::from_cents(1501)
        );
        assert_eq!(
            policy.fee(start, start - Duration::hours(1), price),
            Money::from_cents(1501)
        );
    }

    proptest! {
        #[test]
        fn the_fee_is_zero_or_the_percentage_and_never_more_than_the_price(
            hours_before in -48i64..200, cents in 0i64..1_000_000, percent in 0i64..=100,
        ) {
            let policy = CancellationPolicy { free_until_hours: 24, late_fee_percent: Decimal::new(percent, 0) };
            let start = madrid("2026-03-10 10:00");
            let price = Money::from_cents(cents);
            let fee = policy.fee(start, start - Duration::hours(hours_before), price);
            prop_assert!((Money::ZERO..=price).contains(&fee));
            if hours_before > 24 { prop_assert_eq!(fee, Money::ZERO); }
        }

        #[test]
        fn accepted_intervals_follow_every_rule(day in 2u32..28, start_slot in 0i64..48, slots in 1i64..20) {
            let always = WeeklyHours::always();
            let calendar = Calendar {
                tz: WorkshopTz::DEFAULT,
                hours: &always,
                closures: &[],
                now: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).single().expect("now"),
            };
            let date = NaiveDate::from_ymd_opt(2026, 4, day).expect("date");
            let local = date.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(start_slot * 30);
            let Ok(start) = WorkshopTz::DEFAULT.to_utc(local, Ambiguity::Earlier) else { return Ok(()) };
            let end = start + Duration::minutes(slots * 30);
            if check_interval(&BookingRules::DEFAULT, &calendar, start, end).is_ok() {
                let minutes = (end - start).num_minutes();
                prop_assert!((30..=480).contains(&minutes));
                prop_assert_eq!(WorkshopTz::DEFAULT.local_date(start), WorkshopTz::DEFAULT.local_date(end - Duration::minutes(1)));
            }
        }
    }
}
