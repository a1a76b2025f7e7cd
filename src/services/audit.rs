//! The audit log: who did what to which object, when, with the old and new values of what changed.
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{now, ServiceError};
use crate::db::audit::{self as rows, AuditFilter, NewAuditRow};
use crate::db::{timestamp, DbConn};
use crate::domain::{Actor, AuditId, UserId};

/// Who is acting: a signed-in user, or the system itself (the CLI, the demo loader, a job).
#[derive(Debug, Clone)]
pub enum By {
    User { actor: Actor, email: String },
    System(&'static str),
}

impl By {
    /// The user, or `None` for the system, which may do anything.
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            By::User { actor, .. } => Some(actor),
            By::System(_) => None,
        }
    }

    fn label(&self) -> &str {
        match self {
            By::User { email, .. } => email,
            By::System(name) => name,
        }
    }
}

/// The fields a change touched, each with its old and new value; unchanged fields are left out.
#[derive(Debug, Default)]
pub struct Changes(Map<String, Value>);

impl Changes {
    pub fn new() -> Changes {
        Changes::default()
    }

    /// Records `field` if `old` and `new` differ.
    pub fn field<T: Serialize + PartialEq + ?Sized>(
        mut self,
        field: &str,
        old: &T,
        new: &T,
    ) -> Changes {
        if old != new {
            self.0
                .insert(field.to_string(), json!({ "old": old, "new": new }));
        }
        self
    }

    /// Records a value that was set (a creation), with no old value.
    pub fn set<T: Serialize + ?Sized>(mut self, field: &str, new: &T) -> Changes {
        self.0
            .insert(field.to_string(), json!({ "old": null, "new": new }));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Writes one audit entry; call it inside the transaction that makes the change.
pub fn record(
    conn: &mut DbConn,
    by: &By,
    action: &str,
    object_type: &str,
    object_id: Option<i64>,
    changes: Changes,
) -> Result<(), ServiceError> {
    let changes = Value::Object(changes.0).to_string();
    rows::insert(
        conn,
        &NewAuditRow {
            at: timestamp(now()),
            actor_user_id: by.actor().map(|a| a.user_id.get()),
            actor: by.label(),
            action,
            object_type,
            object_id,
            changes: &changes,
        },
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub changes: Value,
}

pub struct Query<'a> {
    pub object_type: Option<&'a str>,
    pub object_id: Option<i64>,
    pub before: Option<AuditId>,
    pub limit: i64,
}

/// Staff read the log, newest first.
pub fn list(
    conn: &mut DbConn,
    by: &By,
    query: &Query<'_>,
) -> Result<Vec<AuditEntry>, ServiceError> {
    if by.actor().is_some_and(|a| !a.is_staff()) {
        return Err(ServiceError::Forbidden(
            "Only staff can read the audit log.".into(),
        ));
    }
    let rows = rows::list(
        conn,
        &AuditFilter {
            object_type: query.object_type,
            object_id: query.object_id,
            before_id: query.before.map(AuditId::get),
            limit: query.limit.clamp(1, 500),
        },
    )?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            id: AuditId::new(row.id),
            at: row.at.and_utc(),
            actor_user_id: row.actor_user_id.map(UserId::new),
            actor: row.actor,
            action: row.action,
            object_type: row.object_type,
            object_id: row.object_id,
            changes: serde_json::from_str(&row.changes).unwrap_or(Value::Null),
        })
        .collect())
}
