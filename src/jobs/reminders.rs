//! Sends each booking's reminder mail once, some hours before it starts: claims due rows of the
//! reminder queue under a lease, and queues the mail and closes the row in one transaction.
use std::sync::Arc;

use chrono::{NaiveDateTime, TimeDelta};

use super::Job;
use crate::config::Settings;
use crate::db::{claim_due, DbError, LeaseClaim, Pool};
use crate::mail::MailIdentity;
use crate::services::bookings::{self, Context};
use crate::services::ServiceError;

pub struct Reminders {
    settings: Arc<Settings>,
    identity: MailIdentity,
    owner: String,
}

impl Reminders {
    pub fn new(settings: &Settings, identity: MailIdentity, owner: &str) -> Reminders {
        Reminders {
            settings: Arc::new(settings.clone()),
            identity,
            owner: owner.to_string(),
        }
    }
}

impl Job for Reminders {
    fn name(&self) -> &'static str {
        "reminders"
    }

    fn run_batch(&self, pool: &Pool, now: NaiveDateTime) -> Result<usize, DbError> {
        let mut conn = pool.get()?;
        let claim = LeaseClaim {
            table: "booking_reminders",
            due: "status = 'pending' AND due_at <= :now",
            order_by: "due_at, id",
            limit: 20,
            owner: &self.owner,
            now,
            duration: TimeDelta::minutes(5),
        };
        let ids = claim_due(&mut conn, &claim)?;
        let ctx = Context::from_settings(&self.settings, Some(&self.identity));
        for id in &ids {
            match bookings::send_reminder(&mut conn, &ctx, *id, &self.owner) {
                Ok(_) => {}
                Err(ServiceError::Db(e)) => return Err(e),
                Err(other) => tracing::warn!(reminder = id, error = %other, "reminder not sent"),
            }
        }
        Ok(ids.len())
    }
}
