//! Signing in and out of the web UI.
use actix_web::cookie::SameSite;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{chrome, safe_next, see_other};
use crate::http::auth::MaybeUser;
use crate::http::cookies;
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::{AppError, AppState};
use crate::services::auth;
use crate::views::pages::login;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// What happened before, as a code (no text from the URL reaches the page).
    done: Option<String>,
}

fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "reset" => {
            Some("Your new password is set, and every session was signed out. Sign in with it.")
        }
        _ => None,
    }
}

pub async fn form(user: MaybeUser, csrf: CsrfToken, query: web::Query<NextQuery>) -> HttpResponse {
    let next = safe_next(query.next.as_deref());
    if user.0.is_some() {
        return see_other(next);
    }
    let notice = notice_for(query.done.as_deref());
    let page = login::page(&chrome(None, &csrf), "", next, notice, None);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.into_string())
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let client = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let (email, password) = (form.email.clone(), form.password);
    let outcome = state
        .db(move |c| auth::login(c, &email, &password, &client))
        .await;
    let next = safe_next(form.next.as_deref()).to_string();
    match outcome {
        Ok(session) => {
            let cookie = cookies::signed(&state, cookies::SESSION, session.secret, SameSite::Lax);
            let mut response = see_other(&next);
            response
                .add_cookie(&cookie)
                .map_err(|e| AppError::Internal(e.into()))?;
            Ok(response)
        }
        Err(AppError::Unauthorized(message)) => Ok(form_again(
            &csrf,
            &form.email,
            &next,
            &message,
            StatusCode::UNAUTHORIZED,
        )),
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let message = format!(
                "Too many failed attempts. Try again in {} minutes, or reset your password.",
                retry_after_secs.div_ceil(60)
            );
            let mut response = form_again(
                &csrf,
                &form.email,
                &next,
                &message,
                StatusCode::TOO_MANY_REQUESTS,
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(retry_after_secs),
            );
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

fn form_again(
    csrf: &CsrfToken,
    email: &str,
    next: &str,
    message: &str,
    status: StatusCode,
) -> HttpResponse {
    let page = login::page(&chrome(None, csrf), email, next, None, Some(message));
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.into_string())
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    if let Some(secret) = cookies::read_signed(&req, &state.cookie_key, cookies::SESSION) {
        state.db(move |c| auth::logout(c, &secret)).await?;
    }
    let mut response = see_other("/");
    response
        .add_removal_cookie(&cookies::removal(cookies::SESSION))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}
