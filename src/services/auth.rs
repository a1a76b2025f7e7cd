//! Signing in: password check with throttling kept in the database (so it holds across
//! instances), web sessions, and who a session or bearer token belongs to.
use chrono::{DateTime, Duration, Utc};

use super::audit::{self, Changes};
use super::credentials::{new_secret, sha256_hex, verify_password};
use super::{now, By, ServiceError};
use crate::db::accounts as rows;
use crate::db::{timestamp, write_tx, DbConn};
use crate::domain::{Email, User};

/// Failures allowed per email, and per client address, within the window before a lock-out.
const MAX_FAILURES_PER_EMAIL: i32 = 5;
const MAX_FAILURES_PER_CLIENT: i32 = 20;
const WINDOW: Duration = Duration::minutes(15);
const LOCKOUT: Duration = Duration::minutes(15);
/// Sessions last this long after their last use.
pub const SESSION_IDLE: Duration = Duration::days(14);
/// Refreshing a session's expiry is a write; do it at most this often per session.
const SESSION_REFRESH: Duration = Duration::hours(1);

/// A new web session: the secret goes into the cookie, only its hash into the database.
pub struct NewSession {
    pub secret: String,
    pub user: User,
}

/// Checks the credentials and opens a session. Wrong email and wrong password answer alike.
pub fn login(
    conn: &mut DbConn,
    email: &str,
    password: &str,
    client: &str,
) -> Result<NewSession, ServiceError> {
    let keys = throttle_keys(email, client);
    let at = now();
    for (key, _) in &keys {
        check_throttle(conn, key, at)?;
    }
    let found = Email::parse(email)
        .ok()
        .map(|email| rows::find_user_by_email(conn, email.as_str()))
        .transpose()?
        .flatten();
    let hash = found.as_ref().and_then(|(_, hash)| hash.as_deref());
    let password_ok = verify_password(hash, password);
    let user = found
        .map(|(user, _)| user)
        .filter(|u| password_ok && u.active);
    write_tx(
        conn,
        |c| -> Result<Result<NewSession, ServiceError>, ServiceError> {
            match user {
                Some(user) => {
                    rows::clear_throttle(c, &keys[0].0)?;
                    let (secret, hash) = new_secret("obs_");
                    rows::insert_session(
                        c,
                        user.id,
                        &hash,
                        timestamp(at),
                        timestamp(at + SESSION_IDLE),
                    )?;
                    let by = By::User {
                        actor: user.actor(),
                        email: user.email.clone(),
                    };
                    audit::record(
                        c,
                        &by,
                        "session.login",
                        "user",
                        Some(user.id.get()),
                        Changes::new(),
                    )?;
                    Ok(Ok(NewSession { secret, user }))
                }
                None => {
                    for (key, limit) in &keys {
                        let failures =
                            rows::record_failure(c, key, timestamp(at), timestamp(at - WINDOW))?;
                        if failures >= *limit {
                            rows::lock_until(c, key, timestamp(at + LOCKOUT))?;
                        }
                    }
                    Ok(Err(ServiceError::Unauthenticated(
                        "The email or the password is not right.".into(),
                    )))
                }
            }
        },
    )?
}

fn throttle_keys(email: &str, client: &str) -> [(String, i32); 2] {
    [
        (
            format!("email:{}", email.trim().to_lowercase()),
            MAX_FAILURES_PER_EMAIL,
        ),
        (format!("client:{client}"), MAX_FAILURES_PER_CLIENT),
    ]
}

fn check_throttle(conn: &mut DbConn, key: &str, at: DateTime<Utc>) -> Result<(), ServiceError> {
    let Some(row) = rows::throttle(conn, key)? else {
        return Ok(());
    };
    match row.locked_until.map(|t| t.and_utc()) {
        Some(until) if until > at => {
            let secs = (until - at).num_seconds().max(1);
            Err(ServiceError::Throttled {
                retry_after_secs: secs.unsigned_abs(),
            })
        }
        _ => Ok(()),
    }
}

/// The active user of a live session, refreshing the session's expiry now and then.
pub fn session_user(conn: &mut DbConn, secret: &str) -> Result<Option<User>, ServiceError> {
    let at = now();
    let Some((session, user)) =
        rows::live_session_by_hash(conn, &sha256_hex(secret), timestamp(at))?
    else {
        return Ok(None);
    };
    if at - session.last_seen_at.and_utc() > SESSION_REFRESH {
        write_tx(conn, |c| {
            rows::extend_session(c, session.id, timestamp(at), timestamp(at + SESSION_IDLE))
        })?;
    }
    Ok(Some(user))
}

pub fn logout(conn: &mut DbConn, secret: &str) -> Result<(), ServiceError> {
    write_tx(conn, |c| {
        rows::delete_session_by_hash(c, &sha256_hex(secret))
    })?;
    Ok(())
}
