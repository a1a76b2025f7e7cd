//! API bearer tokens: created for a user (optionally scoped to one machine), listed, revoked.
//! Only a SHA-256 of each token is stored; the token itself is shown once.
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::audit::{self, Changes};
use super::credentials::{new_secret, sha256_hex};
use super::{accounts, now, By, ServiceError};
use crate::db::accounts::{self as rows, NewTokenRow, TokenRow};
use crate::db::{timestamp, write_tx, DbConn};
use crate::domain::{Name, ResourceId, TokenId, User, UserId};

/// Writing `last_used_at` on every call would make each API request a write; once a minute is
/// precise enough to spot unused tokens.
const TOUCH_EVERY: Duration = Duration::minutes(1);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    /// The first characters, to recognise a token in a list.
    pub hint: String,
    pub resource_id: Option<ResourceId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for TokenInfo {
    fn from(row: TokenRow) -> TokenInfo {
        TokenInfo {
            id: TokenId::new(row.id),
            user_id: UserId::new(row.user_id),
            name: row.name,
            hint: row.hint,
            resource_id: row.resource_id.map(ResourceId::new),
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.map(|t| t.and_utc()),
            last_used_at: row.last_used_at.map(|t| t.and_utc()),
            revoked_at: row.revoked_at.map(|t| t.and_utc()),
        }
    }
}

/// A token as created: `secret` is shown to the caller once and never stored.
pub struct NewToken {
    pub info: TokenInfo,
    pub secret: String,
}

/// Who a request's bearer token acts for, and the machine it is limited to, if any.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub token_id: TokenId,
    pub user: User,
    pub resource_id: Option<ResourceId>,
}

/// Users make tokens for themselves; staff (and the CLI) for anyone they may manage.
pub fn create(
    conn: &mut DbConn,
    by: &By,
    owner: UserId,
    name: &Name,
    resource: Option<ResourceId>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<NewToken, ServiceError> {
    if expires_at.is_some_and(|t| t <= now()) {
        return Err(ServiceError::Invalid(
            "The expiry must be in the future.".into(),
        ));
    }
    write_tx(conn, |c| {
        let user = accounts::user(c, by, owner)?;
        if let Some(actor) = by.actor() {
            if actor.user_id != owner && !actor.may_manage_user(&user.facts()) {
                return Err(ServiceError::Forbidden(
                    "You may only create tokens for yourself.".into(),
                ));
            }
        }
        let (secret, hash) = new_secret("obr_");
        let row = NewTokenRow {
            user_id: owner,
            name: name.as_str(),
            token_hash: &hash,
            hint: &secret[..12],
            resource_id: resource.map(ResourceId::get),
            expires_at: expires_at.map(timestamp),
        };
        let info = TokenInfo::from(rows::insert_token(c, &row, timestamp(now()))?);
        let changes = Changes::new()
            .set("name", &info.name)
            .set("user_id", &info.user_id)
            .set("resource_id", &info.resource_id);
        audit::record(
            c,
            by,
            "token.create",
            "api_token",
            Some(info.id.get()),
            changes,
        )?;
        Ok(NewToken { info, secret })
    })
}

/// The tokens of a user the caller may see.
pub fn list(conn: &mut DbConn, by: &By, owner: UserId) -> Result<Vec<TokenInfo>, ServiceError> {
    let user = accounts::user(conn, by, owner)?;
    if let Some(actor) = by.actor() {
        if actor.user_id != owner && !actor.may_manage_user(&user.facts()) {
            return Err(ServiceError::NotFound);
        }
    }
    Ok(rows::tokens_of(conn, owner)?
        .into_iter()
        .map(TokenInfo::from)
        .collect())
}

/// The owner or whoever manages the owner revokes a token; anyone else gets `NotFound`.
pub fn revoke(conn: &mut DbConn, by: &By, id: TokenId) -> Result<TokenInfo, ServiceError> {
    write_tx(conn, |c| {
        let token = rows::find_token(c, id.get())?;
        let owner = UserId::new(token.user_id);
        if let Some(actor) = by.actor() {
            let user = accounts::user(c, by, owner)?;
            if actor.user_id != owner && !actor.may_manage_user(&user.facts()) {
                return Err(ServiceError::NotFound);
            }
        }
        rows::revoke_token(c, id.get(), timestamp(now()))?;
        audit::record(
            c,
            by,
            "token.revoke",
            "api_token",
            Some(id.get()),
            Changes::new(),
        )?;
        Ok(TokenInfo::from(rows::find_token(c, id.get())?))
    })
}

/// The live token `secret` names, if any (revoked, expired or unknown tokens answer `None`).
pub fn authenticate(conn: &mut DbConn, secret: &str) -> Result<Option<Bearer>, ServiceError> {
    let at = now();
    let Some((token, user)) = rows::live_token_by_hash(conn, &sha256_hex(secret), timestamp(at))?
    else {
        return Ok(None);
    };
    let stale = token
        .last_used_at
        .is_none_or(|t| at - t.and_utc() > TOUCH_EVERY);
    if stale {
        write_tx(conn, |c| rows::touch_token(c, token.id, timestamp(at)))?;
    }
    Ok(Some(Bearer {
        token_id: TokenId::new(token.id),
        user,
        resource_id: token.resource_id.map(ResourceId::new),
    }))
}
