//! Settles bookings once they have ended. Two kinds of work per batch:
//! - the tutor hours of each booking made with a tutor are charged; each charge is written at
//!   most once by its unique key (booking, kind, revision), so no lease is needed;
//! - each booking's settlement, due at its end plus the grace period, is claimed under a lease
//!   and closes as used, or as a no-show with its charge, exactly once.
use std::sync::Arc;

use chrono::{NaiveDateTime, TimeDelta};

use super::Job;
use crate::config::Settings;
use crate::db::{claim_due, DbError, LeaseClaim, Pool};
use crate::services::bookings::{self, Context};
use crate::services::{usage, ServiceError};

/// Bookings settled per batch.
const BATCH: i64 = 100;

pub struct Settle {
    settings: Arc<Settings>,
    owner: String,
}

impl Settle {
    pub fn new(settings: &Settings, owner: &str) -> Settle {
        Settle {
            settings: Arc::new(settings.clone()),
            owner: owner.to_string(),
        }
    }
}

fn db_only<T>(result: Result<T, ServiceError>, what: &str) -> Result<Option<T>, DbError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(ServiceError::Db(e)) => Err(e),
        Err(other) => {
            tracing::warn!(error = %other, "{what}");
            Ok(None)
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
        let tutor_hours = db_only(
            bookings::charge_tutor_hours(&mut conn, &ctx, now.and_utc(), BATCH),
            "tutor hours not charged",
        )?
        .unwrap_or(0);
        let claim = LeaseClaim {
            table: "booking_settlements",
            due: "status = 'pending' AND due_at <= :now",
            order_by: "due_at, id",
            limit: BATCH,
            owner: &self.owner,
            now,
            duration: TimeDelta::minutes(5),
        };
        let ids = claim_due(&mut conn, &claim)?;
        for id in &ids {
            db_only(
                usage::settle_booking(&mut conn, &ctx, *id, &self.owner),
                "booking not settled",
            )?;
        }
        Ok(tutor_hours + ids.len())
    }
}
