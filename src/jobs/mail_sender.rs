//! The mail sender job: leases due outbox messages, hands each to the transport, and records the
//! attempt: sent; retried later with exponential backoff; or failed, after the last attempt
//! allowed or a permanent refusal. A message is sent at least once, always as the same bytes.
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use lettre::Address;

use super::{Job, JobError};
use crate::config::{JobsSettings, Settings};
use crate::db::{DbError, Pool};
use crate::mail::outbox::{self, Attempt, ClaimedMail};
use crate::mail::{DeliveryError, MailError, MailIdentity, Transport};

/// Messages leased per claim.
pub const BATCH: i64 = 5;
/// The first retry comes this soon after a failure; each later one waits twice as long.
pub const FIRST_RETRY: Duration = Duration::from_secs(5);

/// A lease must outlast a whole batch of slow SMTP exchanges (each may wait a couple of
/// timeouts), or another instance would take a message over while it is still being sent.
fn lease_for(batch: i64) -> TimeDelta {
    let per_message = 2 * crate::mail::SMTP_TIMEOUT.as_secs();
    TimeDelta::seconds(batch.max(1) * i64::try_from(per_message).unwrap_or(60) + 60)
}

/// When to try again after a failure, and when to stop trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    pub fn from_settings(jobs: &JobsSettings) -> RetryPolicy {
        RetryPolicy {
            max_attempts: jobs.mail_max_attempts.max(1),
            first_delay: FIRST_RETRY,
            max_delay: Duration::from_secs(jobs.mail_max_backoff_secs).max(FIRST_RETRY),
        }
    }

    /// The wait after the `failed`-th failed attempt (1 for the first), or `None` to give up.
    pub fn delay_after(&self, failed: u32) -> Option<Duration> {
        if failed >= self.max_attempts {
            return None;
        }
        let doublings = failed.saturating_sub(1).min(30);
        Some(
            self.first_delay
                .saturating_mul(1 << doublings)
                .min(self.max_delay),
        )
    }
}

/// Everything one instance's sender needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct MailSender {
    transport: Arc<Transport>,
    envelope_from: Address,
    policy: RetryPolicy,
    owner: String,
    batch: i64,
}

impl MailSender {
    /// `owner` is the lease owner written into claimed rows: unique per running instance.
    pub fn new(
        transport: Transport,
        identity: &MailIdentity,
        policy: RetryPolicy,
        owner: impl Into<String>,
    ) -> MailSender {
        MailSender {
            transport: Arc::new(transport),
            envelope_from: identity.address().clone(),
            policy,
            owner: owner.into(),
            batch: BATCH,
        }
    }

    pub fn from_settings(settings: &Settings, owner: &str) -> Result<MailSender, MailError> {
        Ok(MailSender::new(
            Transport::from_settings(settings)?,
            &MailIdentity::from_settings(settings)?,
            RetryPolicy::from_settings(&settings.jobs),
            owner,
        ))
    }

    /// Messages per claim (default [`BATCH`]); tests use small batches to interleave senders.
    pub fn with_batch_size(mut self, batch: i64) -> MailSender {
        self.batch = batch.max(1);
        self
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Claims one batch of due messages and attempts each; returns how many it attempted.
    /// Blocking. Delivery failures are recorded on the messages, not returned.
    pub fn send_batch(&self, pool: &Pool, now: NaiveDateTime) -> Result<usize, DbError> {
        let mut conn = pool.get()?;
        let lease = lease_for(self.batch);
        let claimed = outbox::claim_due(&mut conn, &self.owner, now, lease, self.batch)?;
        for mail in &claimed {
            let attempt = match self.transport.deliver(&self.envelope_from, mail) {
                Ok(()) => Attempt::Sent,
                Err(error) => self.after_failure(mail, error, now),
            };
            log(mail, &attempt);
            if !outbox::record_attempt(&mut conn, mail.id, &self.owner, &attempt, now)? {
                tracing::warn!(
                    outbox_id = %mail.id,
                    key = %mail.key,
                    "the lease passed to another instance during the attempt; its outcome stands"
                );
            }
        }
        Ok(claimed.len())
    }

    fn after_failure(
        &self,
        mail: &ClaimedMail,
        error: DeliveryError,
        now: NaiveDateTime,
    ) -> Attempt {
        let failed = mail.attempts.saturating_add(1);
        let delay = if error.permanent {
            None
        } else {
            self.policy.delay_after(failed)
        };
        match delay.and_then(|d| TimeDelta::from_std(d).ok()) {
            Some(delay) => Attempt::Retry {
                error: error.message,
                at: now + delay,
            },
            None => Attempt::GaveUp {
                error: error.message,
            },
        }
    }
}

fn log(mail: &ClaimedMail, attempt: &Attempt) {
    let (id, key, message_id) = (&mail.id, &mail.key, &mail.message_id);
    match attempt {
        Attempt::Sent => tracing::info!(outbox_id = %id, %key, %message_id, "mail sent"),
        Attempt::Retry { error, at } => {
            tracing::warn!(outbox_id = %id, %key, %error, retry_at = %at, "mail not sent yet")
        }
        Attempt::GaveUp { error } => {
            tracing::error!(outbox_id = %id, %key, %error, "mail not sent; gave up")
        }
    }
}

impl Job for MailSender {
    fn name(&self) -> &'static str {
        "mail_sender"
    }

    fn run_batch(&self, pool: &Pool, now: NaiveDateTime) -> Result<usize, DbError> {
        self.send_batch(pool, now)
    }
}

/// One batch, exactly as the background loop runs it (on the blocking pool), for callers that
/// must not wait for the poll: tests, and a future "send now" command. Returns how many messages
/// were attempted; 0 means nothing was due at `now`.
pub async fn run_once(
    pool: &Pool,
    sender: &MailSender,
    now: NaiveDateTime,
) -> Result<usize, JobError> {
    super::run_batch_blocking(Arc::new(sender.clone()), pool.clone(), now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_seconds_up_to_the_cap_then_gives_up() {
        let policy = RetryPolicy {
            max_attempts: 6,
            first_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(30),
        };
        let delays: Vec<_> = (1..=6).map(|n| policy.delay_after(n)).collect();
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(
            delays,
            vec![secs(5), secs(10), secs(20), secs(30), secs(30), None]
        );
    }

    #[test]
    fn huge_attempt_counts_do_not_overflow() {
        let policy = RetryPolicy {
            max_attempts: u32::MAX,
            first_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
        };
        assert_eq!(policy.delay_after(1000), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn the_lease_outlasts_a_batch_of_timeouts() {
        let batch_worst = crate::mail::SMTP_TIMEOUT * 2 * u32::try_from(BATCH).unwrap_or(1);
        assert!(lease_for(BATCH).to_std().expect("positive") > batch_worst);
    }
}
