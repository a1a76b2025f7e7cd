//! Answers that handlers write with `json!`, or that take one of two shapes: their schemas only.
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::training::Enrollment;
use crate::domain::{BookingId, Money, QualificationId, ResourceId, UserId};
use crate::http::api::Items;
use crate::services::bookings::{Booking, SeriesOutcome};
use crate::services::usage::BatchResult;

/// `{"id": …}`: what a created category or qualification answers.
#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    pub id: i64,
}

/// What `POST /resources/{id}/maintenance` answers.
#[derive(Serialize, ToSchema)]
pub struct MaintenanceCreated {
    pub id: i64,
    pub resource_id: ResourceId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// What `POST /users/{id}/qualifications` answers.
#[derive(Serialize, ToSchema)]
pub struct Granted {
    pub user_id: UserId,
    pub qualification_id: QualificationId,
    /// When the qualification lapses; null when it does not.
    pub expires_at: Option<DateTime<Utc>>,
}

/// What `POST /invoices/{id}/resend` answers.
#[derive(Serialize, ToSchema)]
pub struct Queued {
    /// How many mails were queued.
    pub queued: usize,
}

/// What `POST /usage-events/batch` answers.
#[derive(Serialize, ToSchema)]
pub struct BatchResults {
    pub results: Vec<BatchResult>,
}

/// What `POST /bookings/{id}/no-show` answers.
#[derive(Serialize, ToSchema)]
pub struct NoShow {
    pub booking_id: BookingId,
    /// The no-show fee charged (zero where the policy charges none).
    pub no_show_fee: Money,
}

/// One booking, or with `weeks` a series' outcome.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Booked {
    One(Booking),
    Series(SeriesOutcome),
}

/// One enrollment, or with `user_ids` one per person.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum SignedUp {
    One(Enrollment),
    Several(Items<Enrollment>),
}
