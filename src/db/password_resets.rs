//! Rows of `password_resets`: one-time links to choose a new password, kept as SHA-256 hashes.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::password_resets;
use super::{DbConn, DbError};
use crate::domain::UserId;

/// A link as stored (never its secret).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = password_resets)]
pub struct ResetRow {
    pub id: i64,
    pub user_id: i64,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

impl ResetRow {
    /// Not used yet and not expired at `now`.
    pub fn is_open(&self, now: NaiveDateTime) -> bool {
        self.used_at.is_none() && self.expires_at > now
    }
}

/// Stores a new link for `user`; returns its id.
pub fn insert(
    conn: &mut DbConn,
    user: UserId,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(password_resets::table)
        .values((
            password_resets::user_id.eq(user.get()),
            password_resets::token_hash.eq(token_hash),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(expires_at),
        ))
        .returning(password_resets::id)
        .get_result(conn)?)
}

/// How many links `user` was given since `since` (used or not).
pub fn issued_since(conn: &mut DbConn, user: UserId, since: NaiveDateTime) -> Result<i64, DbError> {
    Ok(password_resets::table
        .filter(password_resets::user_id.eq(user.get()))
        .filter(password_resets::created_at.gt(since))
        .count()
        .get_result(conn)?)
}

pub fn find_by_hash(conn: &mut DbConn, token_hash: &str) -> Result<Option<ResetRow>, DbError> {
    Ok(password_resets::table
        .filter(password_resets::token_hash.eq(token_hash))
        .select(ResetRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks the link used if it is still open at `now`; false when it was not (already used,
/// expired, or used by a concurrent request that got here first).
pub fn claim(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, DbError> {
    let updated = diesel::update(
        password_resets::table
            .find(id)
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(now)),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Closes every link of `user` that is still unused, so older mails stop working too.
pub fn close_open_of(conn: &mut DbConn, user: UserId, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user.get()))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    Ok(())
}
