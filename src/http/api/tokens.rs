//! `/api/v1/tokens`: a user's own tokens; staff also read and revoke other users' tokens.
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{created, openapi, Items};
use crate::domain::{Name, TokenId, UserId};
use crate::http::auth::CurrentUser;
use crate::http::{AppError, AppState};
use crate::services::tokens::{self, TokenInfo};

#[utoipa::path(
    operation_id = "list_my_tokens",
    tag = "tokens",
    summary = "The caller's API tokens",
    responses(
        (status = 200, description = "The tokens (never their secrets)", body = Items<TokenInfo>),
    )
)]
#[get("/tokens")]
pub async fn list_mine(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Items<TokenInfo>>, AppError> {
    let (by, id) = (user.by(), user.user.id);
    Ok(web::Json(Items {
        items: state.db(move |c| tokens::list(c, &by, id)).await?,
    }))
}

#[utoipa::path(
    operation_id = "list_user_tokens",
    tag = "tokens",
    summary = "A user's API tokens: the user themself or staff",
    responses(
        (status = 200, description = "The tokens (never their secrets)", body = Items<TokenInfo>),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[get("/users/{id}/tokens")]
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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewTokenBody {
    name: String,
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CreatedToken {
    #[serde(flatten)]
    info: TokenInfo,
    /// The bearer token itself: shown this once, never stored.
    token: String,
}

#[utoipa::path(
    operation_id = "create_token",
    tag = "tokens",
    summary = "A new API token for the caller",
    request_body = NewTokenBody,
    responses(
        (status = 201, description = "The token, with its secret shown this once", body = CreatedToken),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[post("/tokens")]
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

#[utoipa::path(
    operation_id = "revoke_token",
    tag = "tokens",
    summary = "Revokes a token: its owner or staff",
    responses(
        (status = 200, description = "The revoked token", body = TokenInfo),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[delete("/tokens/{id}")]
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
