//! `POST /api/v1/password-reset`: asks for a password reset link by mail. No token is needed, and
//! the answer is 202 whether or not the address has an account, so it tells nobody which do.
use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::openapi;
use crate::http::{AppError, AppState};
use crate::services::password_reset;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    email: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Accepted {
    detail: &'static str,
}

#[utoipa::path(
    operation_id = "request_password_reset",
    tag = "accounts",
    summary = "Asks for a password reset link by mail (anonymous)",
    request_body = ResetRequest,
    security(()),
    responses(
        (status = 202, description = "Accepted, whether or not the address has an account", body = Accepted),
        (status = 429, response = openapi::TooManyRequests),
    )
)]
#[post("/password-reset")]
pub async fn request(
    state: web::Data<AppState>,
    body: web::Json<ResetRequest>,
) -> Result<HttpResponse, AppError> {
    let (identity, email) = (state.mail_identity.clone(), body.into_inner().email);
    state
        .db_sending_mail(move |c| password_reset::request(c, &identity, &email))
        .await?;
    Ok(HttpResponse::Accepted().json(Accepted {
        detail: "If an account uses this address, a link to choose a new password is on its way.",
    }))
}
