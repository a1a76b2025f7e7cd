//! Manufacturing training: courses, their sessions with seats, enrollments with a FIFO waiting
//! list, and the rules of signing up, leaving and attending.
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::accounts::InvalidField;
use super::booking::CancellationPolicy;
use super::ids::{CourseId, EnrollmentId, QualificationId, ResourceId, SessionId, UserId};
use super::money::Money;
use super::resources::Rates;
use super::time::parse_rfc3339_with_offset;

/// The most seats one session may have.
pub const MAX_SEATS: i32 = 500;

/// A course as sent as JSON; money as decimal strings ("15.00").
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RawCourse {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub qualification_id: Option<i64>,
    #[serde(default)]
    pub free_cancel_hours: Option<i64>,
    #[serde(default)]
    pub late_cancel_percent: Option<i64>,
    #[serde(default)]
    pub no_show_fee: Option<String>,
}

/// A course: what it teaches, what attending grants and what leaving late costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Course {
    pub id: CourseId,
    pub name: String,
    pub description: String,
    pub qualification_id: Option<QualificationId>,
    pub free_cancel_hours: i64,
    pub late_cancel_percent: i64,
    pub no_show_fee: Money,
    pub active: bool,
}

impl Course {
    /// A course from raw input: free cancellation until 48 hours before, half the seat after.
    pub fn parse(id: CourseId, raw: &RawCourse) -> Result<Course, InvalidField> {
        let name = raw.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(InvalidField(
                "the course needs a name of at most 120 characters".into(),
            ));
        }
        let free_cancel_hours = raw.free_cancel_hours.unwrap_or(48);
        if !(0..=8760).contains(&free_cancel_hours) {
            return Err(InvalidField(
                "free_cancel_hours must be between 0 and 8760".into(),
            ));
        }
        let late_cancel_percent = raw.late_cancel_percent.unwrap_or(50);
        if !(0..=100).contains(&late_cancel_percent) {
            return Err(InvalidField(
                "late_cancel_percent must be between 0 and 100".into(),
            ));
        }
        let no_show_fee = match raw.no_show_fee.as_deref() {
            None => Money::ZERO,
            Some(text) => non_negative("the no-show fee", text)?,
        };
        Ok(Course {
            id,
            name: name.to_string(),
            description: raw.description.trim().to_string(),
            qualification_id: raw.qualification_id.map(QualificationId::new),
            free_cancel_hours,
            late_cancel_percent,
            no_show_fee,
            active: true,
        })
    }

    /// The deadline-and-fee rule for giving up a seat, the same rule as for bookings.
    pub fn cancellation_policy(&self) -> CancellationPolicy {
        CancellationPolicy {
            free_until_hours: self.free_cancel_hours,
            late_fee_percent: Decimal::from(self.late_cancel_percent),
        }
    }
}

fn non_negative(what: &str, text: &str) -> Result<Money, InvalidField> {
    let money = Money::parse(text).map_err(|e| InvalidField(format!("{what}: {e}")))?;
    if money < Money::ZERO {
        return Err(InvalidField(format!("{what} cannot be negative")));
    }
    Ok(money)
}

/// A session as sent as JSON.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RawSession {
    pub course_id: i64,
    pub tutor_id: i64,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub seats: i64,
    pub seat_price_member: String,
    pub seat_price_business: String,
    pub seat_price_public: String,
    /// Machines the session occupies besides its tutor.
    #[serde(default)]
    pub machine_ids: Vec<i64>,
    #[serde(default)]
    pub note: String,
}

/// What staff decide about a new session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub course_id: CourseId,
    pub tutor_id: ResourceId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub seats: i32,
    pub seat_prices: Rates,
    pub machine_ids: Vec<ResourceId>,
    pub note: String,
}

impl NewSession {
    pub fn parse(raw: &RawSession) -> Result<NewSession, InvalidField> {
        let instant = |what: &str, text: &str| {
            parse_rfc3339_with_offset(text).map_err(|e| InvalidField(format!("{what}: {e}")))
        };
        let starts_at = instant("starts_at", &raw.starts_at)?;
        let ends_at = instant("ends_at", &raw.ends_at)?;
        if ends_at <= starts_at {
            return Err(InvalidField("the session must end after it starts".into()));
        }
        if ends_at - starts_at > Duration::hours(24) {
            return Err(InvalidField(
                "a session lasts at most 24 hours; make one per day".into(),
            ));
        }
        let seats = parse_seats(raw.seats)?;
        let mut machine_ids: Vec<ResourceId> = raw
            .machine_ids
            .iter()
            .map(|m| ResourceId::new(*m))
            .collect();
        machine_ids.sort();
        machine_ids.dedup();
        Ok(NewSession {
            course_id: CourseId::new(raw.course_id),
            tutor_id: ResourceId::new(raw.tutor_id),
            starts_at,
            ends_at,
            seats,
            seat_prices: Rates {
                member: non_negative("the member seat price", &raw.seat_price_member)?,
                business: non_negative("the business seat price", &raw.seat_price_business)?,
                public: non_negative("the public seat price", &raw.seat_price_public)?,
            },
            machine_ids,
            note: raw.note.trim().to_string(),
        })
    }
}

/// A number of seats a session may have (1 to `MAX_SEATS`).
pub fn parse_seats(seats: i64) -> Result<i32, InvalidField> {
    i32::try_from(seats)
        .ok()
        .filter(|s| (1..=MAX_SEATS).contains(s))
        .ok_or_else(|| InvalidField(format!("a session has 1 to {MAX_SEATS} seats")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Scheduled,
    Cancelled,
}

/// A session as everyone sees it: when, who teaches, seats left and the waiting list's length.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub id: SessionId,
    pub course_id: CourseId,
    pub course_name: String,
    pub tutor_id: ResourceId,
    pub tutor_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub seats: i32,
    pub seats_taken: i32,
    pub seats_left: i32,
    pub waiting: i64,
    pub seat_prices: Rates,
    pub machine_ids: Vec<ResourceId>,
    pub status: SessionStatus,
    pub sequence: i32,
    pub note: String,
}

impl Session {
    /// Whether people may still sign up (scheduled and not yet started).
    pub fn open_for_sign_up(&self, now: DateTime<Utc>) -> bool {
        self.status == SessionStatus::Scheduled && now < self.starts_at
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
    Attended,
    NoShow,
}

impl EnrollmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrollmentStatus::Confirmed => "confirmed",
            EnrollmentStatus::Waitlisted => "waitlisted",
            EnrollmentStatus::Cancelled => "cancelled",
            EnrollmentStatus::Attended => "attended",
            EnrollmentStatus::NoShow => "no_show",
        }
    }

    /// Whether this enrollment holds one of the session's seats.
    pub fn holds_seat(self) -> bool {
        matches!(
            self,
            EnrollmentStatus::Confirmed | EnrollmentStatus::Attended | EnrollmentStatus::NoShow
        )
    }
}

impl std::str::FromStr for EnrollmentStatus {
    type Err = InvalidField;

    fn from_str(input: &str) -> Result<EnrollmentStatus, InvalidField> {
        Ok(match input {
            "confirmed" => EnrollmentStatus::Confirmed,
            "waitlisted" => EnrollmentStatus::Waitlisted,
            "cancelled" => EnrollmentStatus::Cancelled,
            "attended" => EnrollmentStatus::Attended,
            "no_show" => EnrollmentStatus::NoShow,
            other => return Err(InvalidField(format!("unknown enrollment status '{other}'"))),
        })
    }
}

/// One person's place in a session: a seat, or a place in line (`position` 1 = next).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enrollment {
    pub id: EnrollmentId,
    pub session_id: SessionId,
    pub user_id: UserId,
    pub user_name: String,
    pub customer_id: super::ids::CustomerId,
    pub status: EnrollmentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    /// The seat's price at the customer's price category when signing up, VAT excluded.
    pub seat_price: Money,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// How attendance is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    Attended,
    NoShow,
}

impl Attendance {
    pub fn status(self) -> EnrollmentStatus {
        match self {
            Attendance::Attended => EnrollmentStatus::Attended,
            Attendance::NoShow => EnrollmentStatus::NoShow,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_session() -> RawSession {
        RawSession {
            course_id: 1,
            tutor_id: 2,
            starts_at: "2026-12-01T10:00:00+01:00".into(),
            ends_at: "2026-12-01T13:00:00+01:00".into(),
            seats: 8,
            seat_price_member: "30".into(),
            seat_price_business: "45.50".into(),
            seat_price_public: "60".into(),
            machine_ids: vec![5, 3, 5],
            note: " bring glasses ".into(),
        }
    }

    #[test]
    fn a_session_parses_with_sorted_unique_machines() {
        let session = NewSession::parse(&raw_session()).expect("valid");
        assert_eq!(session.seats, 8);
        assert_eq!(
            session.machine_ids,
            vec![ResourceId::new(3), ResourceId::new(5)]
        );
        assert_eq!(session.seat_prices.business, Money::from_cents(4550));
        assert_eq!(session.note, "bring glasses");
    }

    #[test]
    fn bad_sessions_are_refused_with_a_reason() {
        let cases: Vec<(RawSession, &str)> = vec![
            (
                RawSession {
                    seats: 0,
                    ..raw_session()
                },
                "1 to 500 seats",
            ),
            (
                RawSession {
                    seats: 501,
                    ..raw_session()
                },
                "1 to 500 seats",
            ),
            (
                RawSession {
                    ends_at: "2026-12-01T10:00:00+01:00".into(),
                    ..raw_session()
                },
                "end after it starts",
            ),
            (
                RawSession {
                    ends_at: "2026-12-03T10:00:00+01:00".into(),
                    ..raw_session()
                },
                "at most 24 hours",
            ),
            (
                RawSession {
                    seat_price_member: "-1".into(),
                    ..raw_session()
                },
                "cannot be negative",
            ),
            (
                RawSession {
                    starts_at: "tomorrow".into(),
                    ..raw_session()
                },
                "starts_at",
            ),
        ];
        for (raw, expected) in cases {
            let err = NewSession::parse(&raw).expect_err(expected);
            assert!(
                err.0.contains(expected),
                "{} should mention {expected}",
                err.0
            );
        }
    }

    #[test]
    fn a_course_has_a_cancellation_policy_of_its_own() {
        let raw = RawCourse {
            name: "Laser cutter safety".into(),
            description: String::new(),
            qualification_id: Some(1),
            free_cancel_hours: Some(72),
            late_cancel_percent: Some(100),
            no_show_fee: Some("10".into()),
        };
        let course = Course::parse(CourseId::new(0), &raw).expect("valid");
        let policy = course.cancellation_policy();
        let start = DateTime::parse_from_rfc3339("2026-12-10T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let seat = Money::from_cents(3000);
        assert_eq!(
            policy.fee(start, start - Duration::hours(73), seat),
            Money::ZERO
        );
        assert_eq!(policy.fee(start, start - Duration::hours(71), seat), seat);
        assert_eq!(course.no_show_fee, Money::from_cents(1000));
        let bad = RawCourse {
            late_cancel_percent: Some(101),
            ..raw
        };
        assert!(Course::parse(CourseId::new(0), &bad).is_err());
    }

    #[test]
    fn statuses_round_trip_and_know_who_holds_a_seat() {
        for status in [
            EnrollmentStatus::Confirmed,
            EnrollmentStatus::Waitlisted,
            EnrollmentStatus::Cancelled,
            EnrollmentStatus::Attended,
            EnrollmentStatus::NoShow,
        ] {
            assert_eq!(
                status.as_str().parse::<EnrollmentStatus>().ok(),
                Some(status)
            );
        }
        assert!(EnrollmentStatus::NoShow.holds_seat());
        assert!(!EnrollmentStatus::Waitlisted.holds_seat());
    }
}
