//! Settles bookings once they have ended: writes the charge for the tutor hours of each booking
//! made with a tutor. Every charge is written at most once by its unique key
//! (booking, kind, revision), so instances running this side by side need no lease: a second
//! write of the same charge is a no-op.
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::Job;
use crate::config::Settings;
use crate::db::{DbError, Pool};
use crate::services::bookings::{self, Context};
use crate::services::ServiceError;

/// Bookings settled per batch (one transaction).
const BATCH: i64 = 100;

pub struct Settle {
    settings: Arc<Settings>,
}

impl Settle {
    pub fn new(settings: &Settings) -> Settle {
        Settle {
            settings: Arc::new(settings.clone()),
        }
    }
}

impl Job for Settle {
    fn name(&self) -> &'static str {
        "settle"
    }

    fn run_batch(&self, pool: &Pool, now: NaiveDateTime) -> Result<usize, DbError> {
        let mut conn = pool.get()?;
        let ctx = Context::from_settings(&self.settings, None);
        match bookings::charge_tutor_hours(&mut conn, &ctx, now.and_utc(), BATCH) {
            Ok(written) => Ok(written),
            Err(ServiceError::Db(e)) => Err(e),
            Err(other) => {
                tracing::warn!(error = %other, "tutor hours not charged");
                Ok(0)
            }
        }
    }
}
