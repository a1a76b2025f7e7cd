//! Payment reminders for overdue invoices. Each tick, as of a local date: writes the reminders
//! that invoices still owed something have earned (once a day per instance is enough, as that
//! only changes with the date; each reminder row is written at most once anyway), then claims
//! due reminder rows under a lease and sends each in one transaction that re-checks the invoice
//! is still owed, queues the mail and closes the row. Several instances never send a reminder
//! twice; a crash leaves the lease to expire, and the reminder is sent by whoever claims it next.
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use super::Job;
use crate::config::Settings;
use crate::db::{claim_due, DbError, LeaseClaim, Pool};
use crate::mail::MailIdentity;
use crate::services::payments::{self, Context};
use crate::services::ServiceError;

/// Reminders sent per batch.
const BATCH: i64 = 50;

pub struct Overdue {
    settings: Arc<Settings>,
    identity: MailIdentity,
    owner: String,
    /// The last date this instance wrote the reminders due on.
    scheduled_on: Mutex<Option<NaiveDate>>,
}

impl Overdue {
    pub fn new(settings: &Settings, identity: MailIdentity, owner: &str) -> Overdue {
        Overdue {
            settings: Arc::new(settings.clone()),
            identity,
            owner: owner.to_string(),
            scheduled_on: Mutex::new(None),
        }
    }

    /// One tick as of the local date `today`, with leases judged by `now` (the loop passes the
    /// real clock and its local date; tests pass a later day to make invoices overdue). Returns
    /// how many reminders it wrote and handled.
    pub fn tick(
        &self,
        pool: &Pool,
        today: NaiveDate,
        now: NaiveDateTime,
    ) -> Result<usize, DbError> {
        let ctx = match Context::from_settings(&self.settings, self.identity.clone()) {
            Ok(ctx) => ctx,
            Err(err) => {
                tracing::warn!(error = %err, "payment reminders: unusable settings");
                return Ok(0);
            }
        };
        let mut conn = pool.get()?;
        let written = self.schedule(&mut conn, &ctx, today)?;
        let claim = LeaseClaim {
            table: "payment_reminders",
            due: "status = 'pending' AND due_at <= :now",
            order_by: "due_at, id",
            limit: BATCH,
            owner: &self.owner,
            now,
            duration: TimeDelta::minutes(5),
        };
        let ids = claim_due(&mut conn, &claim)?;
        for id in &ids {
            match payments::send_reminder(&mut conn, &ctx, *id, &self.owner) {
                Ok(_) => {}
                Err(ServiceError::Db(e)) => return Err(e),
                // The lease runs out and the reminder is tried again then (after, say, staff
                // corrected a billing address the mail library refused).
                Err(other) => {
                    tracing::warn!(reminder = id, error = %other, "payment reminder not sent")
                }
            }
        }
        Ok(written + ids.len())
    }

    /// Writes the reminders due on `today`, unless this instance already did today.
    fn schedule(
        &self,
        conn: &mut crate::db::DbConn,
        ctx: &Context,
        today: NaiveDate,
    ) -> Result<usize, DbError> {
        let mut last = self
            .scheduled_on
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last == Some(today) {
            return Ok(0);
        }
        match payments::schedule_overdue(conn, ctx, today) {
            Ok(written) => {
                *last = Some(today);
                Ok(written)
            }
            Err(ServiceError::Db(e)) => Err(e),
            Err(other) => {
                tracing::warn!(error = %other, "payment reminders not scheduled");
                Ok(0)
            }
        }
    }
}

impl Job for Overdue {
    fn name(&self) -> &'static str {
        "overdue"
    }

    fn run_batch(&self, pool: &Pool, now: NaiveDateTime) -> Result<usize, DbError> {
        let tz = self.settings.timezone().unwrap_or_default();
        self.tick(pool, tz.local_date(now.and_utc()), now)
    }
}
