//! Typed row ids, so that a machine id can never be passed where a customer id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A text that is not a whole number was given as an id (typically from a URL path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not a valid {what} id; ids are whole numbers")]
pub struct IdParseError {
    what: &'static str,
    input: String,
}

impl IdParseError {
    /// What kind of id was expected, in words ("customer", "booking"…).
    pub fn what(&self) -> &'static str {
        self.what
    }

    pub fn input(&self) -> &str {
        &self.input
    }
}

/// Defines one `pub struct $name(i64)` per line: `$name => "what it identifies, in words";`.
macro_rules! define_ids {
    ($($(#[$doc:meta])* $name:ident => $what:literal;)+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;

            fn from_str(input: &str) -> Result<Self, IdParseError> {
                input.parse().map(Self).map_err(|_| IdParseError {
                    what: $what,
                    input: input.to_owned(),
                })
            }
        }
    )+};
}

define_ids! {
    /// A customer account: a member, or a business that several users book for.
    CustomerId => "customer";
    /// A person who signs in (member, employee, tutor, staff).
    UserId => "user";
    /// Anything that can be booked: a machine or a tutor.
    ResourceId => "resource";
    BookingId => "booking";
    /// A span of time that occupies a resource (booking, tutor time, session, maintenance).
    BlockId => "block";
    /// A row of the charges ledger.
    ChargeId => "charge";
    /// An invoice or a credit note.
    InvoiceId => "invoice";
    /// An API token (for example a machine controller's).
    TokenId => "token";
    /// A course of manufacturing training (e.g. "Laser cutter safety").
    CourseId => "course";
    /// A training session (one date of a course), not a login session.
    SessionId => "training session";
    /// One person's seat (or waiting-list place) in a training session.
    EnrollmentId => "enrollment";
    /// A usage record: who used which resource from when to when.
    UsageId => "usage";
    /// A message waiting in the email outbox.
    OutboxId => "outbox";
    /// An entry of the audit log.
    AuditId => "audit";
    /// A machine category (laser cutters, 3D printers…).
    CategoryId => "category";
    /// Something a person must hold to book a machine (a safety course passed).
    QualificationId => "qualification";
    /// A day or span of days the workshop is closed.
    ClosureId => "closure";
    /// A weekly series of bookings.
    SeriesId => "booking series";
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Checks serde, Display and FromStr for one id type.
    fn assert_round_trips<T>(id: T, raw: i64)
    where
        T: Serialize + for<'de> Deserialize<'de> + fmt::Display + FromStr + PartialEq + fmt::Debug,
        T::Err: fmt::Debug,
    {
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(json, raw.to_string(), "serializes as a plain integer");
        assert_eq!(serde_json::from_str::<T>(&json).expect("deserialize"), id);
        assert_eq!(id.to_string(), raw.to_string());
        assert_eq!(raw.to_string().parse::<T>().expect("parse"), id);
    }

    #[test]
    fn every_id_round_trips_as_a_plain_integer() {
        assert_round_trips(CustomerId::new(1), 1);
        assert_round_trips(UserId::new(2), 2);
        assert_round_trips(ResourceId::new(3), 3);
        assert_round_trips(BookingId::new(4), 4);
        assert_round_trips(BlockId::new(5), 5);
        assert_round_trips(ChargeId::new(6), 6);
        assert_round_trips(InvoiceId::new(7), 7);
        assert_round_trips(TokenId::new(8), 8);
        assert_round_trips(SessionId::new(9), 9);
        assert_round_trips(EnrollmentId::new(10), 10);
        assert_round_trips(UsageId::new(11), 11);
        assert_round_trips(OutboxId::new(12), 12);
        assert_round_trips(AuditId::new(i64::MAX), i64::MAX);
    }

    #[test]
    fn get_returns_what_new_was_given() {
        assert_eq!(BookingId::new(42).get(), 42);
        assert!(BookingId::new(1) < BookingId::new(2));
    }

    #[test]
    fn deserializing_rejects_non_integers() {
        assert!(serde_json::from_str::<CustomerId>("\"1\"").is_err());
        assert!(serde_json::from_str::<CustomerId>("1.5").is_err());
        assert!(serde_json::from_str::<CustomerId>("{\"id\": 1}").is_err());
    }

    #[test]
    fn parse_error_names_the_kind_of_id_and_the_input() {
        let error = "abc".parse::<SessionId>().unwrap_err();
        assert_eq!(error.what(), "training session");
        assert_eq!(error.input(), "abc");
        assert_eq!(
            error.to_string(),
            "'abc' is not a valid training session id; ids are whole numbers"
        );
        assert!("".parse::<BookingId>().is_err());
        assert!("1.0".parse::<BookingId>().is_err());
        assert!("99999999999999999999".parse::<BookingId>().is_err());
    }

    proptest! {
        #[test]
        fn display_then_parse_is_the_identity(raw in any::<i64>()) {
            let id = InvoiceId::new(raw);
            prop_assert_eq!(id.to_string().parse::<InvoiceId>(), Ok(id));
        }
    }
}
