//! Staff and the mail outbox: the list of messages with their delivery state, and resending a
//! message the sender gave up on (audited).
use super::audit::{self, Changes};
use super::{staff_only, By, ServiceError};
use crate::db::{write_tx, DbConn};
use crate::domain::OutboxId;
use crate::mail::outbox::{self as queue, ResendError};
use crate::mail::{OutboxEntry, OutboxFilter, OutboxStatus};

/// Newest first, as `filter` asks.
pub fn list(
    conn: &mut DbConn,
    by: &By,
    filter: &OutboxFilter,
) -> Result<Vec<OutboxEntry>, ServiceError> {
    staff_only(by, "see the outbox")?;
    Ok(queue::list(conn, filter)?)
}

/// Queues a failed message again, as it was (same bytes, same Message-ID).
pub fn resend(conn: &mut DbConn, by: &By, id: OutboxId) -> Result<OutboxEntry, ServiceError> {
    staff_only(by, "see the outbox")?;
    write_tx(conn, |c| {
        let entry = queue::resend(c, id).map_err(|err| match err {
            ResendError::NotFound(_) => ServiceError::NotFound,
            ResendError::NotFailed(id, status) => ServiceError::Conflict(format!(
                "Message {id} is {status}; only a failed message can be resent."
            )),
            ResendError::Db(db) => db.into(),
        })?;
        let changes = Changes::new().field(
            "status",
            OutboxStatus::Failed.as_str(),
            entry.status.as_str(),
        );
        audit::record(c, by, "outbox.resend", "outbox", Some(id.get()), changes)?;
        Ok(entry)
    })
}
