//! Usage: what was used, from when to when, and how that becomes billable time — the billing
//! basis against the booking, real elapsed time (across clock changes), rounding up to the
//! increment and the minimum charge. Device events and their checks live here too.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::accounts::InvalidField;
use super::billing::{hours, BillingBasis, BillingIncrement};
use super::ids::{CustomerId, ResourceId};
use super::money::Money;
use super::time::parse_rfc3339_with_offset;

/// Where a usage record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsageSource {
    Booking,
    FrontDesk,
    Device,
    Staff,
}

impl UsageSource {
    pub fn as_str(self) -> &'static str {
        match self {
            UsageSource::Booking => "booking",
            UsageSource::FrontDesk => "front_desk",
            UsageSource::Device => "device",
            UsageSource::Staff => "staff",
        }
    }
}

impl std::str::FromStr for UsageSource {
    type Err = InvalidField;

    fn from_str(input: &str) -> Result<UsageSource, InvalidField> {
        Ok(match input {
            "booking" => UsageSource::Booking,
            "front_desk" => UsageSource::FrontDesk,
            "device" => UsageSource::Device,
            "staff" => UsageSource::Staff,
            other => return Err(InvalidField(format!("unknown usage source '{other}'"))),
        })
    }
}

/// Real elapsed minutes between two instants, a started minute counting as a whole one. Instants
/// are UTC, so a night across a clock change lasts what it really lasted.
pub fn elapsed_minutes(start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    let seconds = (end - start).num_seconds().max(0);
    (seconds + 59) / 60
}

/// What a machine's use is billed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tariff {
    pub hourly: Money,
    pub basis: BillingBasis,
    pub increment: BillingIncrement,
    pub minimum: Money,
}

/// The billable time and its price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Billed {
    /// Minutes billed: the basis's minutes rounded up to the increment.
    pub minutes: i64,
    /// `minutes` at the hourly rate, rounded to cents.
    pub time_price: Money,
    /// What the minimum charge adds on top (zero when the time costs at least the minimum).
    pub minimum_top_up: Money,
}

impl Billed {
    pub fn total(&self) -> Money {
        self.time_price + self.minimum_top_up
    }
}

impl Tariff {
    /// Bills `actual` minutes of use of a booking of `booked` minutes (`None` for use without a
    /// booking, always billed by actual time).
    pub fn bill(&self, booked: Option<i64>, actual: i64) -> Billed {
        let minutes = match booked {
            Some(booked) => self.basis.minutes(booked, actual),
            None => actual,
        };
        let minutes = self.increment.round_up(minutes.max(0));
        let time_price = self.hourly.times(hours(minutes));
        let minimum_top_up = if minutes > 0 && time_price < self.minimum {
            self.minimum - time_price
        } else {
            Money::ZERO
        };
        Billed {
            minutes,
            time_price,
            minimum_top_up,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Start,
    Stop,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Start => "start",
            EventKind::Stop => "stop",
        }
    }
}

/// A device event as sent.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RawUsageEvent {
    pub event_id: String,
    pub resource_id: i64,
    pub kind: String,
    #[schema(format = DateTime)]
    pub at: String,
    #[serde(default)]
    pub customer_id: Option<i64>,
}

/// A checked device event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEvent {
    pub event_id: String,
    pub resource_id: ResourceId,
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub customer_id: Option<CustomerId>,
}

/// How far ahead of the server's clock a device may be.
pub const MAX_CLOCK_AHEAD_MINUTES: i64 = 10;
/// How old an event may be when it arrives (a device that was offline for weeks).
pub const MAX_EVENT_AGE_DAYS: i64 = 90;

impl UsageEvent {
    /// Checks an event against `now`: a sensible id, a known kind, a time with an offset that is
    /// neither in the future (beyond clock skew) nor older than `MAX_EVENT_AGE_DAYS`.
    pub fn parse(raw: &RawUsageEvent, now: DateTime<Utc>) -> Result<UsageEvent, InvalidField> {
        let event_id = raw.event_id.trim();
        if event_id.is_empty()
            || event_id.len() > 100
            || !event_id
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '/' && c != '\\')
        {
            return Err(InvalidField(
                "event_id must be 1 to 100 printable ASCII characters without slashes".into(),
            ));
        }
        let kind = match raw.kind.as_str() {
            "start" => EventKind::Start,
            "stop" => EventKind::Stop,
            other => {
                return Err(InvalidField(format!(
                    "kind must be start or stop, not '{other}'"
                )))
            }
        };
        let at =
            parse_rfc3339_with_offset(&raw.at).map_err(|e| InvalidField(format!("at: {e}")))?;
        if at > now + Duration::minutes(MAX_CLOCK_AHEAD_MINUTES) {
            return Err(InvalidField(
                "at is in the future; check the device's clock".into(),
            ));
        }
        if at < now - Duration::days(MAX_EVENT_AGE_DAYS) {
            return Err(InvalidField(format!(
                "at is more than {MAX_EVENT_AGE_DAYS} days old; enter it by hand instead"
            )));
        }
        Ok(UsageEvent {
            event_id: event_id.to_string(),
            resource_id: ResourceId::new(raw.resource_id),
            kind,
            at,
            customer_id: raw.customer_id.map(CustomerId::new),
        })
    }
}

/// A usage interval entered by a person (front desk or staff): the end may be open.
pub fn check_interval(
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), InvalidField> {
    if start > now + Duration::minutes(MAX_CLOCK_AHEAD_MINUTES) {
        return Err(InvalidField("usage cannot start in the future".into()));
    }
    if let Some(end) = end {
        if end <= start {
            return Err(InvalidField("usage must end after it starts".into()));
        }
        if end > now + Duration::minutes(MAX_CLOCK_AHEAD_MINUTES) {
            return Err(InvalidField("usage cannot end in the future".into()));
        }
        if end - start > Duration::hours(24) {
            return Err(InvalidField(
                "one usage record lasts at most 24 hours".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::time::{Ambiguity, WorkshopTz};

    fn madrid(local: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").expect("time");
        WorkshopTz::DEFAULT
            .to_utc(naive, Ambiguity::Earlier)
            .expect("exists")
    }

    fn tariff(basis: BillingBasis, increment: i64, minimum: i64) -> Tariff {
        Tariff {
            hourly: Money::from_cents(1800),
            basis,
            increment: BillingIncrement::new(increment).expect("allowed"),
            minimum: Money::from_cents(minimum),
        }
    }

    #[test]
    fn worked_examples() {
        // Booked 10:00–11:00, used 10:05–11:20 (75 min), 6-minute increments at 18 €/h.
        let max = tariff(BillingBasis::Max, 6, 0).bill(Some(60), 75);
        assert_eq!(max.minutes, 78);
        assert_eq!(max.time_price, Money::from_cents(2340));
        let booked = tariff(BillingBasis::Booked, 6, 0).bill(Some(60), 75);
        assert_eq!(
            (booked.minutes, booked.time_price),
            (60, Money::from_cents(1800))
        );
        // Used only 20 minutes of an hour booked by actual time, 15-minute increments.
        let actual = tariff(BillingBasis::Actual, 15, 0).bill(Some(60), 20);
        assert_eq!(
            (actual.minutes, actual.time_price),
            (30, Money::from_cents(900))
        );
        // A walk-in is billed by actual time whatever the basis.
        let walk_in = tariff(BillingBasis::Booked, 15, 0).bill(None, 40);
        assert_eq!(walk_in.minutes, 45);
        // The minimum charge tops a short use up; nothing used costs nothing.
        let short = tariff(BillingBasis::Actual, 6, 500).bill(None, 5);
        assert_eq!(short.time_price, Money::from_cents(180));
        assert_eq!(short.minimum_top_up, Money::from_cents(320));
        assert_eq!(short.total(), Money::from_cents(500));
        assert_eq!(
            tariff(BillingBasis::Actual, 6, 500).bill(None, 0).total(),
            Money::ZERO
        );
    }

    #[test]
    fn elapsed_time_is_real_across_clock_changes() {
        // The night the clocks go back in Madrid (2026-10-25): 00:00 to 06:00 local is 7 hours.
        let autumn = elapsed_minutes(madrid("2026-10-25 00:00"), madrid("2026-10-25 06:00"));
        assert_eq!(autumn, 7 * 60);
        // The night they go forward (2026-03-29): 00:00 to 06:00 local is 5 hours.
        let spring = elapsed_minutes(madrid("2026-03-29 00:00"), madrid("2026-03-29 06:00"));
        assert_eq!(spring, 5 * 60);
        // A started minute counts.
        let start = madrid("2026-05-04 10:00");
        assert_eq!(elapsed_minutes(start, start + Duration::seconds(61)), 2);
        assert_eq!(elapsed_minutes(start, start), 0);
    }

    #[test]
    fn device_events_are_checked() {
        let now = madrid("2026-05-04 12:00");
        let raw = RawUsageEvent {
            event_id: "trotec-1:4711".into(),
            resource_id: 3,
            kind: "start".into(),
            at: "2026-05-04T11:58:00+02:00".into(),
            customer_id: None,
        };
        let event = UsageEvent::parse(&raw, now).expect("valid");
        assert_eq!(event.kind, EventKind::Start);
        for (bad, why) in [
            (
                RawUsageEvent {
                    event_id: String::new(),
                    ..raw.clone()
                },
                "event_id",
            ),
            (
                RawUsageEvent {
                    kind: "pause".into(),
                    ..raw.clone()
                },
                "kind",
            ),
            (
                RawUsageEvent {
                    at: "2026-05-04 11:58".into(),
                    ..raw.clone()
                },
                "at",
            ),
            (
                RawUsageEvent {
                    at: "2031-05-04T11:58:00+02:00".into(),
                    ..raw.clone()
                },
                "future",
            ),
            (
                RawUsageEvent {
                    at: "2020-05-04T11:58:00+02:00".into(),
                    ..raw.clone()
                },
                "old",
            ),
        ] {
            let err = UsageEvent::parse(&bad, now).expect_err(why);
            assert!(err.0.contains(why), "{} should mention {why}", err.0);
        }
    }

    proptest! {
        #[test]
        fn billed_minutes_cover_the_basis_within_one_increment(
            booked in proptest::option::of(0i64..1_000),
            actual in 0i64..1_000,
            pick in 0usize..6,
            basis in 0usize..3,
        ) {
            let increment = [3, 6, 12, 15, 30, 60][pick];
            let basis = BillingBasis::ALL[basis];
            let billed = tariff(basis, increment, 0).bill(booked, actual);
            let wanted = booked.map_or(actual, |b| basis.minutes(b, actual));
            prop_assert!(billed.minutes >= wanted);
            prop_assert!(billed.minutes < wanted + increment);
            prop_assert_eq!(billed.minutes % increment, 0);
            // Hours are exact to two places.
            let cents_of_hours = hours(billed.minutes) * rust_decimal::Decimal::from(100);
            prop_assert!(cents_of_hours.fract().is_zero());
        }

        #[test]
        fn the_total_is_never_below_the_minimum_once_something_was_used(
            actual in 1i64..600,
            minimum in 0i64..10_000,
        ) {
            let billed = tariff(BillingBasis::Actual, 6, minimum).bill(None, actual);
            prop_assert!(billed.total() >= Money::from_cents(minimum));
            prop_assert!(billed.minimum_top_up >= Money::ZERO);
            prop_assert!(billed.total() == billed.time_price.max(Money::from_cents(minimum)));
        }

        #[test]
        fn the_max_basis_never_bills_less_than_booked_or_actual(
            booked in 0i64..1_000,
            actual in 0i64..1_000,
        ) {
            let max = tariff(BillingBasis::Max, 15, 0).bill(Some(booked), actual);
            let by_booked = tariff(BillingBasis::Booked, 15, 0).bill(Some(booked), actual);
            let by_actual = tariff(BillingBasis::Actual, 15, 0).bill(Some(booked), actual);
            prop_assert!(max.time_price >= by_booked.time_price);
            prop_assert!(max.time_price >= by_actual.time_price);
        }

        #[test]
        fn elapsed_minutes_round_seconds_up(seconds in 0i64..1_000_000) {
            let start = madrid("2026-10-24 22:00");
            let minutes = elapsed_minutes(start, start + Duration::seconds(seconds));
            prop_assert!(minutes * 60 >= seconds);
            prop_assert!(minutes * 60 < seconds + 60);
        }
    }
}
