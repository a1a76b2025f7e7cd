//! `/api/v1/bookings`: book, list, read, move and cancel machine and tutor time.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{created, openapi, Items};
use crate::domain::{parse_rfc3339_with_offset, BookingId, CustomerId, ResourceId, UserId};
use crate::http::auth::CurrentUser;
use crate::http::{AppError, AppState};
use crate::services::bookings::{self, Booking, Cancelled, ListQuery, NewBooking, SeriesMode};

fn instant(what: &str, text: &str) -> Result<DateTime<Utc>, AppError> {
    parse_rfc3339_with_offset(text).map_err(|e| AppError::Unprocessable(format!("{what}: {e}")))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewBookingBody {
    resource_id: i64,
    #[schema(format = DateTime)]
    starts_at: String,
    #[schema(format = DateTime)]
    ends_at: String,
    customer_id: Option<i64>,
    /// Staff only: the user the booking is for.
    user_id: Option<i64>,
    #[serde(default)]
    note: String,
    /// Book the same time every week for this many weeks (a series).
    weeks: Option<u32>,
    /// For a series: `all_or_nothing` (default) or `book_what_is_free`.
    series_mode: Option<String>,
    /// A tutor (their resource id) booked with the machine for the same interval.
    with_tutor_id: Option<i64>,
}

#[utoipa::path(
    operation_id = "create_booking",
    tag = "bookings",
    summary = "Books machine (or tutor) time; with `weeks`, the same time every week",
    request_body = NewBookingBody,
    responses(
        (status = 201, description = "The booking, or with `weeks` the series' outcome", body = openapi::Booked),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/bookings")]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewBookingBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let new = NewBooking {
        resource_id: ResourceId::new(body.resource_id),
        starts_at: instant("starts_at", &body.starts_at)?,
        ends_at: instant("ends_at", &body.ends_at)?,
        customer_id: body.customer_id.map(CustomerId::new),
        user_id: body.user_id.map(UserId::new),
        note: body.note,
        with_tutor: body.with_tutor_id.map(ResourceId::new),
    };
    let by = user.by();
    match body.weeks {
        None => {
            let booking = state
                .with_context(move |c, ctx| bookings::create(c, ctx, &by, &new))
                .await?;
            Ok(created(&booking))
        }
        Some(weeks) => {
            let mode = match body.series_mode.as_deref() {
                None | Some("all_or_nothing") => SeriesMode::AllOrNothing,
                Some("book_what_is_free") => SeriesMode::BookWhatIsFree,
                Some(other) => {
                    return Err(AppError::Unprocessable(format!(
                        "'{other}' is not a series mode; use all_or_nothing or book_what_is_free"
                    )))
                }
            };
            let outcome = state
                .with_context(move |c, ctx| bookings::create_series(c, ctx, &by, &new, weeks, mode))
                .await?;
            Ok(created(&outcome))
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    #[param(format = DateTime)]
    from: Option<String>,
    #[param(format = DateTime)]
    to: Option<String>,
    resource_id: Option<i64>,
    #[serde(default)]
    include_cancelled: bool,
}

#[utoipa::path(
    operation_id = "list_bookings",
    tag = "bookings",
    summary = "The caller's bookings (staff: everyone's), optionally in `[from, to)` or of one resource",
    params(ListParams),
    responses(
        (status = 200, description = "Bookings, earliest first", body = Items<Booking>),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[get("/bookings")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: web::Query<ListParams>,
) -> Result<web::Json<Items<Booking>>, AppError> {
    let p = params.into_inner();
    let query = ListQuery {
        from: p.from.as_deref().map(|t| instant("from", t)).transpose()?,
        to: p.to.as_deref().map(|t| instant("to", t)).transpose()?,
        resource_id: p.resource_id.map(ResourceId::new),
        include_cancelled: p.include_cancelled,
    };
    let by = user.by();
    Ok(web::Json(Items {
        items: state.db(move |c| bookings::list(c, &by, &query)).await?,
    }))
}

#[utoipa::path(
    operation_id = "get_booking",
    tag = "bookings",
    summary = "A booking the caller may see",
    responses(
        (status = 200, description = "The booking", body = Booking),
    )
)]
#[get("/bookings/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<web::Json<Booking>, AppError> {
    let (by, id) = (user.by(), BookingId::new(path.into_inner()));
    Ok(web::Json(
        state.db(move |c| bookings::get(c, &by, id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MoveBody {
    #[schema(format = DateTime)]
    starts_at: String,
    #[schema(format = DateTime)]
    ends_at: String,
}

#[utoipa::path(
    operation_id = "move_booking",
    tag = "bookings",
    summary = "Moves a booking (same rules as booking)",
    request_body = MoveBody,
    responses(
        (status = 200, description = "The booking as moved", body = Booking),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[patch("/bookings/{id}")]
pub async fn reschedule(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
    body: web::Json<MoveBody>,
) -> Result<web::Json<Booking>, AppError> {
    let (start, end) = (
        instant("starts_at", &body.starts_at)?,
        instant("ends_at", &body.ends_at)?,
    );
    let (by, id) = (user.by(), BookingId::new(path.into_inner()));
    Ok(web::Json(
        state
            .with_context(move |c, ctx| bookings::reschedule(c, ctx, &by, id, start, end))
            .await?,
    ))
}

#[utoipa::path(
    operation_id = "cancel_booking",
    tag = "bookings",
    summary = "Cancels a booking; a late cancellation costs the fee of the policy",
    responses(
        (status = 200, description = "The cancelled booking and its fee", body = Cancelled),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[delete("/bookings/{id}")]
pub async fn cancel(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), BookingId::new(path.into_inner()));
    let cancelled = state
        .with_context(move |c, ctx| bookings::cancel(c, ctx, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(cancelled))
}
