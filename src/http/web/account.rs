//! "My account": change name and password, create and revoke API tokens.
use actix_web::{web, HttpResponse};
use maud::Markup;
use serde::Deserialize;

use super::{chrome, see_other};
use crate::domain::{Name, NewPassword, TokenId};
use crate::http::auth::CurrentUser;
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::{AppError, AppState};
use crate::services::accounts::{self, UserUpdate};
use crate::services::{tokens, ServiceError};
use crate::views::pages::account::{self, AccountPage};

#[derive(Deserialize)]
pub struct Flash {
    done: Option<String>,
}

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "profile" => Some("Your name was saved."),
        "password" => Some("Your password was changed. Other sessions were signed out."),
        "revoked" => Some("The token was revoked."),
        "calendar" => Some("Your calendar link was replaced; the old one no longer works."),
        _ => None,
    }
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    flash: web::Query<Flash>,
) -> Result<Markup, AppError> {
    render(
        &state,
        &user,
        &csrf,
        notice_for(flash.done.as_deref()),
        None,
        None,
    )
    .await
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    notice: Option<&str>,
    error: Option<&str>,
    new_token: Option<&str>,
) -> Result<Markup, AppError> {
    let (by, id, customer_id) = (user.by(), user.user.id, user.user.customer_id);
    let public_url = state.settings.public_url.clone();
    let (customer, list, calendar_url) = state
        .db(move |c| -> Result<_, ServiceError> {
            Ok((
                accounts::customer(c, &by, customer_id)?,
                tokens::list(c, &by, id)?,
                crate::services::calendar::user_feed_url(c, id, &public_url)?,
            ))
        })
        .await?;
    let lines = super::token_lines(list, state.tz);
    let data = AccountPage {
        user: &user.user,
        customer: &customer,
        tokens: &lines,
        notice,
        error,
        new_token,
        calendar_url: &calendar_url,
    };
    Ok(account::page(&chrome(Some(user), csrf), &data))
}

/// Re-renders the page with the error inline, as a 422.
async fn with_error(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    message: &str,
) -> Result<HttpResponse, AppError> {
    let page = render(state, user, csrf, None, Some(message), None).await?;
    Ok(HttpResponse::UnprocessableEntity()
        .content_type("text/html; charset=utf-8")
        .body(page.into_string()))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    name: String,
}

pub async fn save_profile(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let name = match Name::parse(&form.name, "your name") {
        Ok(name) => name,
        Err(e) => return with_error(&state, &user, &csrf, &e.0).await,
    };
    let (by, id) = (user.by(), user.user.id);
    let update = UserUpdate {
        name: Some(name),
        ..UserUpdate::default()
    };
    state
        .db(move |c| accounts::update_user(c, &by, id, &update))
        .await?;
    Ok(see_other("/account?done=profile"))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let new = match NewPassword::parse(&form.new_password) {
        Ok(new) => new,
        Err(e) => {
            return with_error(&state, &user, &csrf, &format!("New password: {}.", e.0)).await
        }
    };
    let (by, id) = (user.by(), user.user.id);
    let keep = user.session_secret().map(str::to_string);
    let current = form.current_password;
    let outcome = state
        .db(move |c| accounts::change_password(c, &by, id, &current, &new, keep.as_deref()))
        .await;
    match outcome {
        Ok(()) => Ok(see_other("/account?done=password")),
        Err(AppError::Unprocessable(message)) => with_error(&state, &user, &csrf, &message).await,
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
}

/// Shows the new token on the page that answers the POST: it is never stored in clear.
pub async fn create_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let name = match Name::parse(&form.name, "the token name") {
        Ok(name) => name,
        Err(e) => return with_error(&state, &user, &csrf, &e.0).await,
    };
    let (by, id) = (user.by(), user.user.id);
    let token = state
        .db(move |c| tokens::create(c, &by, id, &name, None, None))
        .await?;
    let page = render(
        &state,
        &user,
        &csrf,
        Some("Token created."),
        None,
        Some(&token.secret),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(page.into_string()))
}

pub async fn revoke_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), TokenId::new(path.into_inner()));
    state.db(move |c| tokens::revoke(c, &by, id)).await?;
    Ok(see_other("/account?done=revoked"))
}

/// Replaces the calendar feed's secret (when a link was shared by mistake).
pub async fn rotate_calendar(
    state: web::Data<AppState>,
    user: CurrentUser,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (by, id, public_url) = (user.by(), user.user.id, state.settings.public_url.clone());
    state
        .db(move |c| crate::services::calendar::rotate_user_feed(c, &by, id, &public_url))
        .await?;
    Ok(see_other("/account?done=calendar"))
}
