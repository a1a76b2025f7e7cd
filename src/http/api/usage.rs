//! `/api/v1/usage-events` (machine controllers report power on/off, idempotently), `/api/v1/usage`
//! (records: staff see and correct everyone's, members their own), the front desk's check-in,
//! check-out and no-show, anomalies, and `/api/v1/charges` (a month's charges so far).
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{created, openapi, Items};
use crate::domain::usage::{RawUsageEvent, UsageEvent, UsageSource};
use crate::domain::{
    parse_rfc3339_with_offset, BookingId, CustomerId, LocalMonth, ResourceId, TokenId, UsageId,
    UserId,
};
use crate::http::auth::{CurrentUser, Staff, Via};
use crate::http::{AppError, AppState};
use crate::services::usage::{
    self, Anomaly, EventOutcome, EventStatus, MonthCharges, NewUsage, UsageChange, UsageQuery,
    UsageRecord,
};

/// The most events one batch may carry.
pub const MAX_BATCH: usize = 1000;

fn scope_of(user: &CurrentUser) -> (Option<ResourceId>, Option<TokenId>) {
    match &user.via {
        Via::Token {
            token_id,
            resource_id,
        } => (*resource_id, Some(*token_id)),
        Via::Session { .. } => (None, None),
    }
}

fn instant(what: &str, text: &str) -> Result<DateTime<Utc>, AppError> {
    parse_rfc3339_with_offset(text).map_err(|e| AppError::Unprocessable(format!("{what}: {e}")))
}

fn optional_instant(what: &str, text: &Option<String>) -> Result<Option<DateTime<Utc>>, AppError> {
    text.as_deref().map(|t| instant(what, t)).transpose()
}

/// One device event: 201 when recorded, 200 when it is a repeat (nothing changes).
#[utoipa::path(
    operation_id = "record_usage_event",
    tag = "usage",
    request_body = RawUsageEvent,
    responses(
        (status = 201, description = "Recorded", body = EventOutcome),
        (status = 200, description = "A repeat of an event already recorded: nothing changed", body = EventOutcome),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/usage-events")]
pub async fn record_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<RawUsageEvent>,
) -> Result<HttpResponse, AppError> {
    let event = UsageEvent::parse(&body, Utc::now()).map_err(|e| AppError::Unprocessable(e.0))?;
    let (scope, token) = scope_of(&user);
    let by = user.by();
    let outcome = state
        .with_context(move |c, ctx| usage::record_event(c, ctx, &by, scope, token, &event))
        .await?;
    Ok(match outcome.status {
        EventStatus::Recorded => created(&outcome),
        EventStatus::Duplicate => HttpResponse::Ok().json(outcome),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Batch {
    /// Each event is answered on its own: one of the wrong shape is rejected in its result.
    #[schema(value_type = Vec<RawUsageEvent>, min_items = 1, max_items = 1000)]
    events: Vec<serde_json::Value>,
}

/// Up to 1,000 events, each answered on its own; one bad event does not stop the rest.
#[utoipa::path(
    operation_id = "record_usage_events",
    tag = "usage",
    request_body = Batch,
    responses(
        (status = 200, description = "One result per event, in order", body = openapi::BatchResults),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[post("/usage-events/batch")]
pub async fn record_batch(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<Batch>,
) -> Result<HttpResponse, AppError> {
    let Batch { events } = body.into_inner();
    if events.is_empty() || events.len() > MAX_BATCH {
        return Err(AppError::Unprocessable(format!(
            "Send 1 to {MAX_BATCH} events at once."
        )));
    }
    let now = Utc::now();
    let parsed: Vec<(String, Result<UsageEvent, String>)> = events
        .into_iter()
        .map(|value| {
            let event_id = value
                .get("event_id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let event = serde_json::from_value::<RawUsageEvent>(value)
                .map_err(|e| format!("The event has the wrong shape: {e}."))
                .and_then(|raw| UsageEvent::parse(&raw, now).map_err(|e| e.0));
            (event_id, event)
        })
        .collect();
    let (scope, token) = scope_of(&user);
    let by = user.by();
    let results = state
        .with_context(move |c, ctx| usage::record_events(c, ctx, &by, scope, token, &parsed))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "results": results })))
}

#[utoipa::path(
    operation_id = "dismiss_usage_event",
    tag = "usage",
    summary = "Dismisses a stored event that made an anomaly (staff)",
    responses(
        (status = 204, description = "Dismissed"),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/usage-events/{id}/dismiss")]
pub async fn dismiss_event(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), path.into_inner());
    state.db(move |c| usage::dismiss_event(c, &by, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(format = DateTime)]
    from: Option<String>,
    #[param(format = DateTime)]
    to: Option<String>,
    resource_id: Option<i64>,
    customer_id: Option<i64>,
    status: Option<String>,
}

#[utoipa::path(
    operation_id = "list_usage",
    tag = "usage",
    summary = "Usage records (staff: everyone's; others: their account's)",
    params(ListQuery),
    responses(
        (status = 200, description = "Usage records", body = Items<UsageRecord>),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[get("/usage")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    if let Some(status) = query.status.as_deref() {
        if !matches!(status, "open" | "closed" | "void") {
            return Err(AppError::Unprocessable(
                "status is open, closed or void.".into(),
            ));
        }
    }
    let query = UsageQuery {
        from: optional_instant("from", &query.from)?,
        to: optional_instant("to", &query.to)?,
        resource_id: query.resource_id.map(ResourceId::new),
        customer_id: query.customer_id.map(CustomerId::new),
        status: query.status.clone(),
    };
    let by = user.by();
    let items = state.db(move |c| usage::list(c, &by, &query)).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewUsageBody {
    resource_id: i64,
    customer_id: i64,
    user_id: Option<i64>,
    booking_id: Option<i64>,
    #[schema(format = DateTime)]
    started_at: String,
    #[schema(format = DateTime)]
    ended_at: Option<String>,
    #[serde(default)]
    note: String,
}

/// A walk-in (open when `ended_at` is left out) or a staff entry of past use.
#[utoipa::path(
    operation_id = "enter_usage",
    tag = "usage",
    request_body = NewUsageBody,
    responses(
        (status = 201, description = "The usage record", body = UsageRecord),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/usage")]
pub async fn enter(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<NewUsageBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let ended_at = optional_instant("ended_at", &body.ended_at)?;
    let new = NewUsage {
        resource_id: ResourceId::new(body.resource_id),
        customer_id: CustomerId::new(body.customer_id),
        user_id: body.user_id.map(UserId::new),
        booking_id: body.booking_id.map(BookingId::new),
        started_at: instant("started_at", &body.started_at)?,
        ended_at,
        source: if ended_at.is_some() {
            UsageSource::Staff
        } else {
            UsageSource::FrontDesk
        },
        note: body.note,
    };
    let by = user.by();
    let record = state
        .with_context(move |c, ctx| usage::enter(c, ctx, &by, &new))
        .await?;
    Ok(created(&record))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CorrectionBody {
    #[schema(format = DateTime)]
    started_at: String,
    #[schema(format = DateTime)]
    ended_at: Option<String>,
    customer_id: Option<i64>,
    user_id: Option<i64>,
    #[serde(default)]
    void: bool,
    note: String,
}

/// A staff correction (audited; the charge is reversed and written again).
#[utoipa::path(
    operation_id = "correct_usage",
    tag = "usage",
    request_body = CorrectionBody,
    responses(
        (status = 200, description = "The corrected record", body = UsageRecord),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[patch("/usage/{id}")]
pub async fn correct(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<CorrectionBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let change = UsageChange {
        started_at: instant("started_at", &body.started_at)?,
        ended_at: optional_instant("ended_at", &body.ended_at)?,
        customer_id: body.customer_id.map(CustomerId::new),
        user_id: body.user_id.map(UserId::new),
        void: body.void,
        note: body.note,
    };
    let (by, id) = (user.by(), UsageId::new(path.into_inner()));
    let record = state
        .with_context(move |c, ctx| usage::correct(c, ctx, &by, id, &change))
        .await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    operation_id = "check_in",
    tag = "usage",
    summary = "Checks a booking in at the front desk: opens its usage (staff)",
    responses(
        (status = 201, description = "The open usage record", body = UsageRecord),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[post("/bookings/{id}/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), BookingId::new(path.into_inner()));
    let record = state.db(move |c| usage::check_in(c, &by, id)).await?;
    Ok(created(&record))
}

#[utoipa::path(
    operation_id = "check_out",
    tag = "usage",
    summary = "Closes an open usage record at the front desk (staff)",
    responses(
        (status = 200, description = "The closed record", body = UsageRecord),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[post("/usage/{id}/check-out")]
pub async fn check_out(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), UsageId::new(path.into_inner()));
    let record = state
        .with_context(move |c, ctx| usage::check_out(c, ctx, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    operation_id = "mark_no_show",
    tag = "usage",
    summary = "Marks a started booking as a no-show (staff)",
    responses(
        (status = 200, description = "The fee charged", body = openapi::NoShow),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[post("/bookings/{id}/no-show")]
pub async fn no_show(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), BookingId::new(path.into_inner()));
    let fee = state
        .with_context(move |c, ctx| usage::mark_no_show(c, ctx, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "booking_id": id, "no_show_fee": fee })))
}

#[utoipa::path(
    operation_id = "usage_anomalies",
    tag = "usage",
    summary = "Usage that needs a look: open too long, a stop without a start, no customer (staff)",
    responses(
        (status = 200, description = "Anomalies", body = Items<Anomaly>),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[get("/usage/anomalies")]
pub async fn anomalies(
    state: web::Data<AppState>,
    Staff(user): Staff,
) -> Result<HttpResponse, AppError> {
    let by = user.by();
    let items = state.db(move |c| usage::anomalies(c, &by)).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChargesQuery {
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    month: Option<String>,
    customer_id: Option<i64>,
}

/// The month's charges so far (default: this month) of the caller's account, or (staff) of
/// `customer_id`.
#[utoipa::path(
    operation_id = "month_charges",
    tag = "usage",
    params(ChargesQuery),
    responses(
        (status = 200, description = "The month's charges", body = MonthCharges),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[get("/charges")]
pub async fn charges(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ChargesQuery>,
) -> Result<HttpResponse, AppError> {
    let month = match query.month.as_deref() {
        Some(text) => {
            LocalMonth::parse(text).map_err(|e| AppError::Unprocessable(format!("month: {e}")))?
        }
        None => LocalMonth::of(state.tz.local_date(Utc::now())),
    };
    let (by, customer) = (user.by(), query.customer_id.map(CustomerId::new));
    let charges = state
        .db(move |c| usage::month_charges(c, &by, customer, month))
        .await?;
    Ok(HttpResponse::Ok().json(charges))
}
