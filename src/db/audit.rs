//! Rows and queries of the audit log.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConn, DbError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub changes: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditRow<'a> {
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<i64>,
    pub changes: &'a str,
}

pub fn insert(conn: &mut DbConn, row: &NewAuditRow<'_>) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub struct AuditFilter<'a> {
    pub object_type: Option<&'a str>,
    pub object_id: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Newest first; `before_id` pages backwards.
pub fn list(conn: &mut DbConn, filter: &AuditFilter<'_>) -> Result<Vec<AuditRow>, DbError> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(kind) = filter.object_type {
        query = query.filter(audit_log::object_type.eq(kind));
    }
    if let Some(id) = filter.object_id {
        query = query.filter(audit_log::object_id.eq(id));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(audit_log::id.lt(before));
    }
    Ok(query
        .order(audit_log::id.desc())
        .limit(filter.limit)
        .load(conn)?)
}
