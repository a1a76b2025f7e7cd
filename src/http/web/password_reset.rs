//! Forgotten passwords: `/password-reset` asks for a link by mail, `/password-reset/{secret}` (the
//! link) sets a new password and sends the user to sign in.
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{chrome, html, see_other};
use crate::domain::NewPassword;
use crate::http::auth::MaybeUser;
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::{AppError, AppState};
use crate::services::password_reset;
use crate::views::pages::password_reset as view;

pub async fn ask_form(user: MaybeUser, csrf: CsrfToken) -> HttpResponse {
    let page = view::ask(&chrome(user.0.as_ref(), &csrf), "", None);
    html(StatusCode::OK, page)
}

#[derive(Deserialize)]
pub struct AskForm {
    email: String,
}

/// Answers with the same page whether or not the address has an account.
pub async fn ask(
    state: web::Data<AppState>,
    user: MaybeUser,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<AskForm>,
) -> Result<HttpResponse, AppError> {
    let (identity, email) = (state.mail_identity.clone(), form.email.clone());
    let asked = state
        .db_sending_mail(move |c| password_reset::request(c, &identity, &email))
        .await;
    let chrome = chrome(user.0.as_ref(), &csrf);
    match asked {
        Ok(()) => Ok(html(StatusCode::OK, view::sent(&chrome))),
        // Only an input that is no email address at all is refused.
        Err(AppError::Unprocessable(message)) => Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            view::ask(&chrome, &form.email, Some(&message)),
        )),
        Err(other) => Err(other),
    }
}

pub async fn choose_form(
    state: web::Data<AppState>,
    csrf: CsrfToken,
    secret: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let secret = secret.into_inner();
    let link = secret.clone();
    let pending = state.db(move |c| password_reset::pending(c, &link)).await;
    match pending {
        Ok(user) => Ok(private(view::choose(
            &chrome(None, &csrf),
            &action(&secret),
            &user.email,
            None,
        ))),
        Err(AppError::Unprocessable(message)) => Ok(spent(&csrf, &message)),
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct ChooseForm {
    new_password: String,
}

pub async fn choose(
    state: web::Data<AppState>,
    csrf: CsrfToken,
    secret: web::Path<String>,
    CsrfForm(form): CsrfForm<ChooseForm>,
) -> Result<HttpResponse, AppError> {
    let secret = secret.into_inner();
    let new = match NewPassword::parse(&form.new_password) {
        Ok(new) => new,
        Err(e) => return too_weak(&state, &csrf, secret, &e.0).await,
    };
    let link = secret.clone();
    let done = state
        .db(move |c| password_reset::complete(c, &link, &new))
        .await;
    match done {
        Ok(_) => Ok(see_other("/login?done=reset")),
        // The password was checked above: what is left to refuse is the link.
        Err(AppError::Unprocessable(message)) => Ok(spent(&csrf, &message)),
        Err(other) => Err(other),
    }
}

/// The form again with the password's problem, if the link is still good.
async fn too_weak(
    state: &AppState,
    csrf: &CsrfToken,
    secret: String,
    problem: &str,
) -> Result<HttpResponse, AppError> {
    let link = secret.clone();
    match state.db(move |c| password_reset::pending(c, &link)).await {
        Ok(user) => {
            let message = format!("New password: {problem}.");
            let page = view::choose(
                &chrome(None, csrf),
                &action(&secret),
                &user.email,
                Some(&message),
            );
            let mut response = private(page);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(AppError::Unprocessable(message)) => Ok(spent(csrf, &message)),
        Err(other) => Err(other),
    }
}

/// The link's own address, for the form to post to (only an open link's secret gets here).
fn action(secret: &str) -> String {
    format!("/password-reset/{secret}")
}

/// A page whose address carries the link's secret: no cache may keep it.
fn private(page: maud::Markup) -> HttpResponse {
    let mut response = html(StatusCode::OK, page);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn spent(csrf: &CsrfToken, message: &str) -> HttpResponse {
    html(StatusCode::GONE, view::spent(&chrome(None, csrf), message))
}
