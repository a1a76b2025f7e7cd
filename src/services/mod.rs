//! The use cases. Each takes a connection and domain values, runs in one write transaction where
//! it writes, checks who may do it, and returns domain values or a `ServiceError`.
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod bookings;
pub mod calendar;
mod credentials;
mod error;
pub mod invoicing;
pub mod outbox;
pub mod password_reset;
pub mod payments;
pub mod plans;
pub mod resources;
pub mod tokens;
pub mod training;
pub mod tutors;
pub mod usage;

pub use audit::By;
pub use credentials::generate_password;
pub use error::ServiceError;

use chrono::{DateTime, Utc};

/// Refuses a signed-in user who is not staff; the system itself (CLI, demo, jobs) may do anything.
fn staff_only(by: &By, what: &str) -> Result<(), ServiceError> {
    match by.actor() {
        Some(actor) if !actor.is_staff() => {
            Err(ServiceError::Forbidden(format!("Only staff can {what}.")))
        }
        _ => Ok(()),
    }
}

/// The current instant; every service asks here, so there is one clock to reason about.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}
