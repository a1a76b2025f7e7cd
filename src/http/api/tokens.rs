//! `/api/v1/tokens`: a user's own tokens; staff also read and revoke other users' tokens.
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{created, Items};
use crate::domain::{Name, TokenId, UserId};
use crate::http::auth::CurrentUser;
use crate::http::{AppError, AppState};
use crate::services::tokens::{self, TokenInfo};

pub async fn list_mine(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Items<TokenInfo>>, AppError> {
    let (by, id) = (user.by(), user.user.id);
    Ok(web::Json(Items {
        items: state.db(move |c| tokens::list(c, &by, id)).await?,
    }))
}

pub async fn list_for_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<web::Json<Items<TokenInfo>>, AppError> {
    let (by, id) = (user.by(), UserId::new(path.into_inner()));
    Ok(web::Json(Items {
        items: state.db(move |c| tokens::list(c, &by, id)).await?,
    }))
}

#[derive(Deserialize)]
pub struct NewTokenBody {
    name: String,
    expires_at: Option<String>,
}

#[derive(Serialize)]
struct CreatedToken {
    #[serde(flatten)]
    info: TokenInfo,
    /// The bearer token itself: shown this once, never stored.
    token: String,
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewTokenBody>,
) -> Result<HttpResponse, AppError> {
    let name =
        Name::parse(&body.name, "the token name").map_err(|e| AppError::Unprocessable(e.0))?;
    let expires_at: Option<DateTime<Utc>> = body
        .expires_at
        .as_deref()
        .map(crate::domain::parse_rfc3339_with_offset)
        .transpose()
        .map_err(|e| AppError::Unprocessable(e.to_string()))?;
    let (by, id) = (user.by(), user.user.id);
    let token = state
        .db(move |c| tokens::create(c, &by, id, &name, None, expires_at))
        .await?;
    Ok(created(&CreatedToken {
        info: token.info,
        token: token.secret,
    }))
}

pub async fn revoke(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<web::Json<TokenInfo>, AppError> {
    let (by, id) = (user.by(), TokenId::new(path.into_inner()));
    Ok(web::Json(
        state.db(move |c| tokens::revoke(c, &by, id)).await?,
    ))
}
