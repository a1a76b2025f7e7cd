//! The iCalendar feeds: `/calendar/{secret}.ics` (a user's bookings) and
//! `/calendar/machines/{secret}.ics` (a machine's, for staff). The secret in the URL is the only
//! credential, as calendar apps cannot sign in; an unknown or rotated secret is a 404.
use actix_web::{web, HttpResponse};

use crate::http::{AppError, AppState};
use crate::services::calendar;

fn ics(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("cache-control", "private, max-age=60"))
        .body(body)
}

pub async fn user_feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let secret = path.into_inner();
    let settings = state.settings.clone();
    let feed = state
        .db(move |c| {
            calendar::feed(
                c,
                &secret,
                &settings.public_url,
                &settings.workshop.legal_name,
            )
        })
        .await?;
    feed.map(ics).ok_or(AppError::NotFound)
}

pub async fn machine_feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let secret = path.into_inner();
    let settings = state.settings.clone();
    let feed = state
        .db(move |c| calendar::machine_feed(c, &secret, &settings.public_url))
        .await?;
    feed.map(ics).ok_or(AppError::NotFound)
}
