//! The server-rendered web UI: one module per screen.
mod account;
mod assets;
mod booking_form;
mod bookings;
mod business;
mod calendar;
mod home;
mod invoices;
mod machines;
mod password_reset;
mod session;
mod staff;
mod training;
mod tutor;
mod usage;
mod wall_clock;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, ServiceConfig};
use actix_web::HttpResponse;
use maud::Markup;

use super::auth::CurrentUser;
use super::csrf::CsrfToken;
use super::AppError;
use crate::views::Chrome;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/", web::get().to(home::show))
        .route("/static/app.css", web::get().to(assets::stylesheet))
        .route("/login", web::get().to(session::form))
        .route("/login", web::post().to(session::login))
        .route("/logout", web::post().to(session::logout))
        .route(
            "/calendar/machines/{secret}.ics",
            web::get().to(calendar::machine_feed),
        )
        .route("/calendar/{secret}.ics", web::get().to(calendar::user_feed))
        .route(
            "/account/calendar/rotate",
            web::post().to(account::rotate_calendar),
        )
        .route("/password-reset", web::get().to(password_reset::ask_form))
        .route("/password-reset", web::post().to(password_reset::ask))
        .route(
            "/password-reset/{secret}",
            web::get().to(password_reset::choose_form),
        )
        .route(
            "/password-reset/{secret}",
            web::post().to(password_reset::choose),
        )
        .route("/account", web::get().to(account::show))
        .route("/account/profile", web::post().to(account::save_profile))
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route("/account/tokens", web::post().to(account::create_token))
        .route(
            "/account/tokens/{id}/revoke",
            web::post().to(account::revoke_token),
        )
        .route("/business", web::get().to(business::show))
        .route("/business/details", web::post().to(business::save_details))
        .route(
            "/business/employees",
            web::post().to(business::add_employee),
        )
        .route("/business/people/{id}", web::get().to(business::person))
        .route(
            "/business/people/{id}",
            web::post().to(business::save_person),
        )
        .route("/tutor/schedule", web::get().to(tutor::schedule))
        .route("/usage", web::get().to(usage::mine))
        .configure(invoices::configure)
        .configure(bookings::configure)
        .configure(training::configure)
        .configure(staff::configure);
}

/// The page frame's view of the visitor.
pub fn chrome<'a>(user: Option<&'a CurrentUser>, csrf: &'a CsrfToken) -> Chrome<'a> {
    Chrome {
        user: user.map(|u| &u.user),
        csrf: &csrf.0,
    }
}

/// Post/redirect/get: after a change, show the page again with a GET.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A service refusal a form shows with its own status (422, 403 or 409) and message; anything
/// else becomes an error page.
pub fn refusal(error: AppError) -> Result<(StatusCode, String), AppError> {
    match error {
        AppError::Unprocessable(m) => Ok((StatusCode::UNPROCESSABLE_ENTITY, m)),
        AppError::Forbidden(m) => Ok((StatusCode::FORBIDDEN, m)),
        AppError::Conflict(m) => Ok((StatusCode::CONFLICT, m)),
        other => Err(other),
    }
}

/// Like `refusal`, as a form error not tied to one field.
pub fn form_refusal(
    error: AppError,
) -> Result<(StatusCode, crate::views::pages::staff::FormError), AppError> {
    refusal(error).map(|(status, m)| (status, crate::views::pages::staff::FormError::general(m)))
}

/// A page with a status of its own, such as a form shown again with its errors (422).
pub fn html(status: StatusCode, page: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.into_string())
}

/// A page that shows a secret once (a generated password): no browser or proxy may keep a copy.
pub fn no_store(page: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(page.into_string())
}

/// Percent-encodes a value for a query string.
pub fn encode_query_value(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|s| s[2..].to_string())
        .unwrap_or_default()
}

/// Only same-site paths are followed after signing in, so a link cannot bounce a user elsewhere.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/",
    }
}

/// Tokens as the token table lists them, with times in the workshop's zone.
pub fn token_lines(
    list: Vec<crate::services::tokens::TokenInfo>,
    tz: crate::domain::WorkshopTz,
) -> Vec<crate::views::tokens::TokenLine> {
    use crate::views::format::local_minute;
    list.into_iter()
        .map(|t| crate::views::tokens::TokenLine {
            id: t.id.get(),
            name: t.name,
            hint: t.hint,
            created: local_minute(t.created_at, tz),
            last_used: t.last_used_at.map(|at| local_minute(at, tz)),
            revoked: t.revoked_at.is_some(),
            machine: t.resource_id.map(|r| r.get()),
        })
        .collect()
}
