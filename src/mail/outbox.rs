//! The outbox table: enqueueing (inside the caller's transaction), the staff list and resend, and
//! the sender's claim on due messages and its record of each attempt.
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::message::{check_key, format};
use super::{MailError, MailIdentity, OutgoingMail};
use crate::db::accounts::{like_pattern, lower};
use crate::db::schema::outbox;
use crate::db::{self, write_tx, DbConn, DbError, LeaseClaim};
use crate::domain::OutboxId;

/// Longest `last_error` kept: enough for any SMTP reply, small enough for a list screen.
const MAX_ERROR_LEN: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// Handed to the SMTP server (or written as `.eml`).
    Sent,
    /// Given up on; staff may resend it.
    Failed,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutboxStatus {
    type Err = DbError;

    fn from_str(stored: &str) -> Result<OutboxStatus, DbError> {
        match stored {
            "pending" => Ok(OutboxStatus::Pending),
            "sent" => Ok(OutboxStatus::Sent),
            "failed" => Ok(OutboxStatus::Failed),
            other => Err(DbError::Corrupt(format!("unknown outbox status '{other}'"))),
        }
    }
}

/// What `enqueue` did: a new message, or the one already queued under the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnqueueOutcome {
    Enqueued { id: OutboxId, message_id: String },
    AlreadyQueued { id: OutboxId, message_id: String },
}

impl EnqueueOutcome {
    pub fn id(&self) -> OutboxId {
        match self {
            EnqueueOutcome::Enqueued { id, .. } | EnqueueOutcome::AlreadyQueued { id, .. } => *id,
        }
    }

    pub fn message_id(&self) -> &str {
        match self {
            EnqueueOutcome::Enqueued { message_id, .. }
            | EnqueueOutcome::AlreadyQueued { message_id, .. } => message_id,
        }
    }
}

/// Formats `mail` and queues it under `mail.key`, unless a message with that key is already
/// queued (in any status): then nothing changes, whatever the new content.
///
/// Call it inside the service's own `db::write_tx`, so the mail is queued if and only if the
/// change it reports commits; it opens no transaction of its own.
pub fn enqueue(
    conn: &mut DbConn,
    identity: &MailIdentity,
    mail: OutgoingMail,
) -> Result<EnqueueOutcome, MailError> {
    check_key(&mail.key)?;
    if let Some((id, message_id)) = find_by_key(conn, &mail.key)? {
        return Ok(EnqueueOutcome::AlreadyQueued { id, message_id });
    }
    let message_id = identity.new_message_id();
    let message = format(identity, &mail, &message_id)?;
    let now = db::timestamp(Utc::now());
    let inserted = crate::insert_ignore!(
        &mut *conn,
        outbox::table,
        (
            outbox::key.eq(&mail.key),
            outbox::message_id.eq(&message_id),
            outbox::recipient.eq(mail.to.email.trim()),
            outbox::subject.eq(&mail.subject),
            outbox::message.eq(&message),
            outbox::status.eq(OutboxStatus::Pending.as_str()),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        )
    )?;
    // A concurrent request may have queued the same key between the look-up and the insert.
    let (id, message_id) = find_by_key(conn, &mail.key)?.ok_or(DbError::NotFound)?;
    Ok(if inserted == 1 {
        EnqueueOutcome::Enqueued { id, message_id }
    } else {
        EnqueueOutcome::AlreadyQueued { id, message_id }
    })
}

fn find_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<(OutboxId, String)>> {
    let found = outbox::table
        .filter(outbox::key.eq(key))
        .select((outbox::id, outbox::message_id))
        .first::<(i64, String)>(conn)
        .optional()?;
    Ok(found.map(|(id, message_id)| (OutboxId::new(id), message_id)))
}

/// One message as staff see it (everything but its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub id: OutboxId,
    pub key: String,
    pub message_id: String,
    pub recipient: String,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: u32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct EntryRow {
    id: i64,
    key: String,
    message_id: String,
    recipient: String,
    subject: String,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

impl TryFrom<EntryRow> for OutboxEntry {
    type Error = DbError;

    fn try_from(row: EntryRow) -> Result<OutboxEntry, DbError> {
        Ok(OutboxEntry {
            id: OutboxId::new(row.id),
            key: row.key,
            message_id: row.message_id,
            recipient: row.recipient,
            subject: row.subject,
            status: row.status.parse()?,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            next_attempt_at: row.next_attempt_at,
            last_error: row.last_error,
            created_at: row.created_at,
            sent_at: row.sent_at,
        })
    }
}

/// Which messages `list` returns: newest first, a page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    pub status: Option<OutboxStatus>,
    /// Exact recipient address.
    pub recipient: Option<String>,
    /// Text the recipient or the subject contains, in any case.
    pub search: Option<String>,
    /// Only messages older than this one (the last id of the previous page).
    pub before: Option<OutboxId>,
    /// Page size: 100 when unset, at most 500.
    pub limit: Option<i64>,
}

pub fn list(conn: &mut DbConn, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, DbError> {
    let mut query = outbox::table
        .select(EntryRow::as_select())
        .order(outbox::id.desc())
        .limit(filter.limit.unwrap_or(100).clamp(1, 500))
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(outbox::status.eq(status.as_str()));
    }
    if let Some(recipient) = &filter.recipient {
        query = query.filter(outbox::recipient.eq(recipient.trim().to_string()));
    }
    if let Some(term) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        let pattern = like_pattern(term);
        query = query.filter(
            lower(outbox::recipient)
                .like(pattern.clone())
                .or(lower(outbox::subject).like(pattern)),
        );
    }
    if let Some(before) = filter.before {
        query = query.filter(outbox::id.lt(before.get()));
    }
    query
        .load::<EntryRow>(conn)?
        .into_iter()
        .map(OutboxEntry::try_from)
        .collect()
}

pub fn get(conn: &mut DbConn, id: OutboxId) -> Result<OutboxEntry, DbError> {
    outbox::table
        .find(id.get())
        .select(EntryRow::as_select())
        .first::<EntryRow>(conn)?
        .try_into()
}

#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    #[error("no message {0} in the outbox")]
    NotFound(OutboxId),
    #[error("message {0} is {1}; only a failed message can be resent")]
    NotFailed(OutboxId, OutboxStatus),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ResendError {
    fn from(err: diesel::result::Error) -> ResendError {
        ResendError::Db(err.into())
    }
}

/// Puts a failed message back in the queue as if new (pending, no attempts, due now); its bytes
/// and Message-ID stay the same. Its last error stays visible until an attempt succeeds.
pub fn resend(conn: &mut DbConn, id: OutboxId) -> Result<OutboxEntry, ResendError> {
    let now = db::timestamp(Utc::now());
    let updated = diesel::update(
        outbox::table
            .find(id.get())
            .filter(outbox::status.eq(OutboxStatus::Failed.as_str())),
    )
    .set((
        outbox::status.eq(OutboxStatus::Pending.as_str()),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::lease_owner.eq(None::<String>),
        outbox::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    match get(conn, id) {
        Ok(entry) if updated == 0 => Err(ResendError::NotFailed(id, entry.status)),
        Ok(entry) => Ok(entry),
        Err(DbError::NotFound) => Err(ResendError::NotFound(id)),
        Err(err) => Err(err.into()),
    }
}

/// A message a sender holds a lease on, with what it needs to deliver it.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    pub id: OutboxId,
    pub key: String,
    pub message_id: String,
    pub recipient: String,
    /// The formatted message, exactly as enqueued.
    pub message: Vec<u8>,
    /// Attempts made before this one.
    pub attempts: u32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct ClaimedRow {
    id: i64,
    key: String,
    message_id: String,
    recipient: String,
    message: Vec<u8>,
    attempts: i32,
}

/// Leases up to `limit` pending messages that are due at `now` to `owner` for `lease`, oldest
/// first, and returns them. Runs its own short transaction: call it outside any other.
pub fn claim_due(
    conn: &mut DbConn,
    owner: &str,
    now: NaiveDateTime,
    lease: TimeDelta,
    limit: i64,
) -> Result<Vec<ClaimedMail>, DbError> {
    let ids = db::claim_due(
        conn,
        &LeaseClaim {
            table: "outbox",
            due: "status = 'pending' AND next_attempt_at <= :now",
            order_by: "next_attempt_at, id",
            limit,
            owner,
            now,
            duration: lease,
        },
    )?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<ClaimedRow> = outbox::table
        .filter(outbox::id.eq_any(&ids))
        .filter(outbox::lease_owner.eq(owner))
        .order((outbox::next_attempt_at, outbox::id))
        .select(ClaimedRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| ClaimedMail {
            id: OutboxId::new(row.id),
            key: row.key,
            message_id: row.message_id,
            recipient: row.recipient,
            message: row.message,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
        })
        .collect())
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Sent,
    /// A temporary failure: try again at `at`.
    Retry {
        error: String,
        at: NaiveDateTime,
    },
    /// A permanent failure, or the last attempt allowed: leave it failed for staff to see.
    GaveUp {
        error: String,
    },
}

/// Records an attempt on a message `owner` holds the lease on, and releases the lease. Returns
/// false when the lease had passed to another instance meanwhile (this one was too slow): the
/// other instance's outcome stands, and the message may have been delivered twice, which the
/// unchanged Message-ID lets the recipient's mail system recognise.
pub fn record_attempt(
    conn: &mut DbConn,
    id: OutboxId,
    owner: &str,
    attempt: &Attempt,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let leased = outbox::table
        .find(id.get())
        .filter(outbox::lease_owner.eq(owner.to_string()));
    let released = (
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::lease_owner.eq(None::<String>),
        outbox::lease_until.eq(None::<NaiveDateTime>),
    );
    let updated = write_tx(conn, |conn| -> Result<usize, DbError> {
        let query = diesel::update(leased);
        Ok(match attempt {
            Attempt::Sent => query
                .set((
                    released,
                    outbox::status.eq(OutboxStatus::Sent.as_str()),
                    outbox::sent_at.eq(Some(now)),
                    outbox::last_error.eq(None::<String>),
                ))
                .execute(conn)?,
            Attempt::Retry { error, at } => query
                .set((
                    released,
                    outbox::next_attempt_at.eq(*at),
                    outbox::last_error.eq(Some(truncate(error))),
                ))
                .execute(conn)?,
            Attempt::GaveUp { error } => query
                .set((
                    released,
                    outbox::status.eq(OutboxStatus::Failed.as_str()),
                    outbox::last_error.eq(Some(truncate(error))),
                ))
                .execute(conn)?,
        })
    })?;
    Ok(updated == 1)
}

fn truncate(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_LEN) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_string(),
    }
}
