//! The use cases. Each takes a connection and domain values, runs in one write transaction where
//! it writes, checks who may do it, and returns domain values or a `ServiceError`.
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod bookings;
pub mod calendar;
mod credentials;
mod error;
pub mod outbox;
pub mod password_reset;
pub mod resources;
pub mod tokens;
pub mod tutors;

pub use audit::By;
pub use credentials::generate_password;
pub use error::ServiceError;

use chrono::{DateTime, Utc};

/// The current instant; every service asks here, so there is one clock to reason about.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}
