//! `/api/v1/plans` and `/api/v1/subscriptions`: membership plans (anyone signed in reads them;
//! staff define them) and which customer is on which plan from which month.
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use super::{created, openapi, Items};
use crate::domain::{CustomerId, LocalMonth, Money};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::{AppError, AppState};
use crate::services::plans::{self, NewPlan, Plan, Subscription};

fn month(field: &str, text: &str) -> Result<LocalMonth, AppError> {
    LocalMonth::parse(text).map_err(|e| AppError::Unprocessable(format!("{field}: {e}")))
}

#[utoipa::path(
    operation_id = "list_plans",
    tag = "plans",
    summary = "Membership plans",
    responses(
        (status = 200, description = "The plans", body = Items<Plan>),
    )
)]
#[get("/plans")]
pub async fn list(
    state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let items = state.db(plans::list_plans).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncludedBody {
    category_id: i64,
    /// Minutes included per month.
    minutes: i32,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    name: String,
    monthly_fee: String,
    #[serde(default)]
    discount_percent: i32,
    #[serde(default)]
    included: Vec<IncludedBody>,
}

/// Defines a plan: 201 with it.
#[utoipa::path(
    operation_id = "create_plan",
    tag = "plans",
    request_body = PlanBody,
    responses(
        (status = 201, description = "The new plan", body = Plan),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/plans")]
pub async fn create(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<PlanBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let plan = NewPlan {
        name: body.name,
        monthly_fee: Money::parse(&body.monthly_fee)
            .map_err(|e| AppError::Unprocessable(format!("monthly_fee: {e}")))?,
        discount_percent: body.discount_percent,
        included: body
            .included
            .iter()
            .map(|i| (i.category_id, i.minutes))
            .collect(),
    };
    let by = user.by();
    let made = state.db(move |c| plans::create_plan(c, &by, &plan)).await?;
    Ok(created(&made))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionParams {
    customer_id: i64,
}

/// A customer's subscriptions (staff, or the customer's own people).
#[utoipa::path(
    operation_id = "list_subscriptions",
    tag = "plans",
    params(SubscriptionParams),
    responses(
        (status = 200, description = "The customer's subscriptions", body = Items<Subscription>),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
    )
)]
#[get("/subscriptions")]
pub async fn subscriptions(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<SubscriptionParams>,
) -> Result<HttpResponse, AppError> {
    let (by, customer) = (user.by(), CustomerId::new(query.customer_id));
    let items = state
        .db(move |c| plans::subscriptions(c, &by, customer))
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeBody {
    customer_id: i64,
    plan_id: i64,
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    first_month: String,
}

/// Subscribes a customer from a month on: 201.
#[utoipa::path(
    operation_id = "subscribe",
    tag = "plans",
    request_body = SubscribeBody,
    responses(
        (status = 201, description = "The subscription", body = Subscription),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/subscriptions")]
pub async fn subscribe(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<SubscribeBody>,
) -> Result<HttpResponse, AppError> {
    let first = month("first_month", &body.first_month)?;
    let (by, customer, plan) = (user.by(), CustomerId::new(body.customer_id), body.plan_id);
    let made = state
        .db(move |c| plans::subscribe(c, &by, customer, plan, first))
        .await?;
    Ok(created(&made))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndBody {
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    last_month: String,
}

/// Ends a subscription after a month (inclusive).
#[utoipa::path(
    operation_id = "end_subscription",
    tag = "plans",
    request_body = EndBody,
    responses(
        (status = 200, description = "The subscription with its last month", body = Subscription),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/subscriptions/{id}/end")]
pub async fn end(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<EndBody>,
) -> Result<HttpResponse, AppError> {
    let last = month("last_month", &body.last_month)?;
    let (by, id) = (user.by(), path.into_inner());
    let ended = state
        .db(move |c| plans::unsubscribe(c, &by, id, last))
        .await?;
    Ok(HttpResponse::Ok().json(ended))
}
