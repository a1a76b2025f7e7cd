//! `/api/v1/tutors`: staff add and change tutors; a tutor (or staff) reads the tutor's schedule.
use actix_web::{get, post, put, web, HttpResponse};
use serde::Deserialize;

use super::{created, openapi, Items};
use crate::domain::tutors::{RawTutor, Tutor};
use crate::domain::{parse_rfc3339_with_offset, ResourceId};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::{AppError, AppState};
use crate::services::tutors::{self, ScheduleEntry};

fn parse(id: i64, raw: &RawTutor) -> Result<Tutor, AppError> {
    Tutor::parse(ResourceId::new(id), raw).map_err(|e| AppError::Unprocessable(e.0))
}

#[utoipa::path(
    operation_id = "create_tutor",
    tag = "tutors",
    summary = "Makes a user a bookable tutor (staff)",
    request_body = RawTutor,
    responses(
        (status = 201, description = "The new tutor", body = Tutor),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/tutors")]
pub async fn create(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<RawTutor>,
) -> Result<HttpResponse, AppError> {
    let tutor = parse(0, &body)?;
    let by = user.by();
    let tutor = state.db(move |c| tutors::create(c, &by, &tutor)).await?;
    Ok(created(&tutor))
}

/// Replaces a tutor's settings, skills, availability and time off (send them all).
#[utoipa::path(
    operation_id = "update_tutor",
    tag = "tutors",
    request_body = RawTutor,
    responses(
        (status = 200, description = "The tutor as saved", body = Tutor),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[put("/tutors/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<RawTutor>,
) -> Result<web::Json<Tutor>, AppError> {
    let tutor = parse(path.into_inner(), &body)?;
    let by = user.by();
    Ok(web::Json(
        state.db(move |c| tutors::update(c, &by, &tutor)).await?,
    ))
}

/// A tutor with skills, availability and time off: staff only.
#[utoipa::path(
    operation_id = "get_tutor",
    tag = "tutors",
    responses(
        (status = 200, description = "The tutor", body = Tutor),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[get("/tutors/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    Staff(_user): Staff,
    path: web::Path<i64>,
) -> Result<web::Json<Tutor>, AppError> {
    let id = ResourceId::new(path.into_inner());
    Ok(web::Json(state.db(move |c| tutors::find(c, id)).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Window {
    #[param(format = DateTime)]
    from: String,
    #[param(format = DateTime)]
    to: String,
}

/// The tutor's booked time: the tutor themself or staff; anyone else gets 404.
#[utoipa::path(
    operation_id = "tutor_schedule",
    tag = "tutors",
    params(Window),
    responses(
        (status = 200, description = "Booked time in `[from, to)`", body = Items<ScheduleEntry>),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[get("/tutors/{id}/schedule")]
pub async fn schedule(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<Window>,
) -> Result<web::Json<Items<ScheduleEntry>>, AppError> {
    let instant = |what: &str, text: &str| {
        parse_rfc3339_with_offset(text).map_err(|e| AppError::Unprocessable(format!("{what}: {e}")))
    };
    let (from, to) = (instant("from", &query.from)?, instant("to", &query.to)?);
    let (by, id) = (user.by(), ResourceId::new(path.into_inner()));
    Ok(web::Json(Items {
        items: state
            .db(move |c| tutors::schedule(c, &by, id, from, to))
            .await?,
    }))
}
