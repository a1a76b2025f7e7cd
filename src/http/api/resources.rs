//! `/api/v1/resources` and the workshop calendar: machines with their rates and rules,
//! availability, categories, qualifications, opening hours, closures and maintenance.
use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{created, openapi, Items};
use crate::domain::booking::{Closure, WeeklyHours};
use crate::domain::resources::{RawResource, Resource};
use crate::domain::{parse_rfc3339_with_offset, QualificationId, ResourceId, UserId};
use crate::http::auth::{CurrentUser, MaybeUser, Staff};
use crate::http::{AppError, AppState};
use crate::services::bookings::{self, Availability};
use crate::services::resources::{self, Category, HeldQualification, Qualification};

/// Machines are public: anyone may see what the workshop offers and at what price.
#[utoipa::path(
    operation_id = "list_resources",
    tag = "resources",
    summary = "Machines and tutors with their rates and rules (anonymous allowed)",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The resources", body = Items<Resource>),
    )
)]
#[get("/resources")]
pub async fn list(
    state: web::Data<AppState>,
    _user: MaybeUser,
) -> Result<web::Json<Items<Resource>>, AppError> {
    Ok(web::Json(Items {
        items: state.db(resources::resources).await?,
    }))
}

#[utoipa::path(
    operation_id = "get_resource",
    tag = "resources",
    summary = "A machine or tutor (anonymous allowed)",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The resource", body = Resource),
    )
)]
#[get("/resources/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _user: MaybeUser,
    path: web::Path<i64>,
) -> Result<web::Json<Resource>, AppError> {
    let id = ResourceId::new(path.into_inner());
    Ok(web::Json(
        state.db(move |c| resources::resource(c, id)).await?,
    ))
}

fn invalid(e: crate::domain::InvalidField) -> AppError {
    AppError::Unprocessable(e.0)
}

#[utoipa::path(
    operation_id = "create_machine",
    tag = "resources",
    summary = "Adds a machine (staff)",
    request_body = RawResource,
    responses(
        (status = 201, description = "The new machine", body = Resource),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/resources")]
pub async fn create(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<RawResource>,
) -> Result<HttpResponse, AppError> {
    let machine = Resource::parse_machine(ResourceId::new(0), &body).map_err(invalid)?;
    let by = user.by();
    let machine = state
        .db(move |c| resources::create_machine(c, &by, &machine))
        .await?;
    Ok(created(&machine))
}

/// Replaces a machine's settings (send them all, as for creation).
#[utoipa::path(
    operation_id = "update_machine",
    tag = "resources",
    request_body = RawResource,
    responses(
        (status = 200, description = "The machine as saved", body = Resource),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[put("/resources/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<RawResource>,
) -> Result<web::Json<Resource>, AppError> {
    let machine =
        Resource::parse_machine(ResourceId::new(path.into_inner()), &body).map_err(invalid)?;
    let by = user.by();
    Ok(web::Json(
        state
            .db(move |c| resources::update_machine(c, &by, &machine))
            .await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Window {
    #[param(format = DateTime)]
    from: String,
    #[param(format = DateTime)]
    to: String,
}

#[utoipa::path(
    operation_id = "resource_availability",
    tag = "resources",
    summary = "Free and busy intervals of a resource in `[from, to)` (anonymous allowed)",
    params(Window),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Free and busy intervals", body = Availability),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[get("/resources/{id}/availability")]
pub async fn availability(
    state: web::Data<AppState>,
    _user: MaybeUser,
    path: web::Path<i64>,
    query: web::Query<Window>,
) -> Result<web::Json<Availability>, AppError> {
    let instant = |what: &str, text: &str| {
        parse_rfc3339_with_offset(text).map_err(|e| AppError::Unprocessable(format!("{what}: {e}")))
    };
    let (from, to) = (instant("from", &query.from)?, instant("to", &query.to)?);
    let (id, tz) = (ResourceId::new(path.into_inner()), state.tz);
    Ok(web::Json(
        state
            .db(move |c| bookings::availability(c, tz, id, from, to))
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Maintenance {
    #[schema(format = DateTime)]
    starts_at: String,
    #[schema(format = DateTime)]
    ends_at: String,
    reason: String,
}

#[utoipa::path(
    operation_id = "add_maintenance",
    tag = "resources",
    summary = "Takes a machine out for maintenance (staff); refused where bookings hold the time",
    request_body = Maintenance,
    responses(
        (status = 201, description = "The maintenance block", body = openapi::MaintenanceCreated),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/resources/{id}/maintenance")]
pub async fn add_maintenance(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<Maintenance>,
) -> Result<HttpResponse, AppError> {
    let instant = |text: &str| {
        parse_rfc3339_with_offset(text).map_err(|e| AppError::Unprocessable(e.to_string()))
    };
    let (start, end) = (instant(&body.starts_at)?, instant(&body.ends_at)?);
    let (by, id, reason) = (
        user.by(),
        ResourceId::new(path.into_inner()),
        body.reason.clone(),
    );
    let maintenance = state
        .db(move |c| resources::add_maintenance(c, &by, id, start, end, &reason))
        .await?;
    Ok(created(
        &serde_json::json!({ "id": maintenance, "resource_id": id, "starts_at": start, "ends_at": end }),
    ))
}

#[utoipa::path(
    operation_id = "list_categories",
    tag = "resources",
    summary = "Machine categories (anonymous allowed)",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The categories", body = Items<Category>),
    )
)]
#[get("/categories")]
pub async fn categories(
    state: web::Data<AppState>,
    _user: MaybeUser,
) -> Result<web::Json<Items<Category>>, AppError> {
    Ok(web::Json(Items {
        items: state.db(resources::categories).await?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewCategory {
    name: String,
    #[serde(default)]
    description: String,
}

#[utoipa::path(
    operation_id = "create_category",
    tag = "resources",
    summary = "Adds a machine category (staff)",
    request_body = NewCategory,
    responses(
        (status = 201, description = "The new category's id", body = openapi::CreatedId),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<NewCategory>,
) -> Result<HttpResponse, AppError> {
    let (by, body) = (user.by(), body.into_inner());
    let id = state
        .db(move |c| resources::create_category(c, &by, &body.name, &body.description))
        .await?;
    Ok(created(&serde_json::json!({ "id": id })))
}

#[utoipa::path(
    operation_id = "list_qualifications",
    tag = "resources",
    summary = "Qualifications that unlock machines (anonymous allowed)",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The qualifications", body = Items<Qualification>),
    )
)]
#[get("/qualifications")]
pub async fn qualifications(
    state: web::Data<AppState>,
    _user: MaybeUser,
) -> Result<web::Json<Items<Qualification>>, AppError> {
    Ok(web::Json(Items {
        items: state.db(resources::qualifications).await?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewQualification {
    name: String,
    #[serde(default)]
    description: String,
    valid_months: Option<i32>,
}

#[utoipa::path(
    operation_id = "create_qualification",
    tag = "resources",
    summary = "Adds a qualification (staff)",
    request_body = NewQualification,
    responses(
        (status = 201, description = "The new qualification's id", body = openapi::CreatedId),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/qualifications")]
pub async fn create_qualification(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<NewQualification>,
) -> Result<HttpResponse, AppError> {
    let (by, b) = (user.by(), body.into_inner());
    let id = state
        .db(move |c| {
            resources::create_qualification(c, &by, &b.name, &b.description, b.valid_months)
        })
        .await?;
    Ok(created(&serde_json::json!({ "id": id })))
}

/// A user's live qualifications: the user themself or staff.
#[utoipa::path(
    operation_id = "list_user_qualifications",
    tag = "resources",
    responses(
        (status = 200, description = "Live qualifications", body = Items<HeldQualification>),
    )
)]
#[get("/users/{id}/qualifications")]
pub async fn held(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<web::Json<Items<HeldQualification>>, AppError> {
    let id = UserId::new(path.into_inner());
    if !user.user.role.is_staff() && user.user.id != id {
        return Err(AppError::NotFound);
    }
    Ok(web::Json(Items {
        items: state.db(move |c| resources::held_by(c, id)).await?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Grant {
    qualification_id: i64,
}

#[utoipa::path(
    operation_id = "grant_qualification",
    tag = "resources",
    summary = "Grants a qualification to a user (staff)",
    request_body = Grant,
    responses(
        (status = 201, description = "The grant", body = openapi::Granted),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/users/{id}/qualifications")]
pub async fn grant(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<Grant>,
) -> Result<HttpResponse, AppError> {
    let (by, id, q) = (
        user.by(),
        UserId::new(path.into_inner()),
        QualificationId::new(body.qualification_id),
    );
    let expires_at = state
        .db(move |c| resources::grant_qualification(c, &by, id, q))
        .await?;
    Ok(created(
        &serde_json::json!({ "user_id": id, "qualification_id": q, "expires_at": expires_at }),
    ))
}

#[utoipa::path(
    operation_id = "revoke_qualification",
    tag = "resources",
    summary = "Takes a qualification from a user (staff)",
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[delete("/users/{id}/qualifications/{qualification_id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (user_id, q) = path.into_inner();
    let by = user.by();
    state
        .db(move |c| {
            resources::revoke_qualification(c, &by, UserId::new(user_id), QualificationId::new(q))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    operation_id = "opening_hours",
    tag = "resources",
    summary = "The workshop's weekly opening hours (anonymous allowed)",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Opening hours", body = WeeklyHours),
    )
)]
#[get("/opening-hours")]
pub async fn opening_hours(
    state: web::Data<AppState>,
    _user: MaybeUser,
) -> Result<web::Json<WeeklyHours>, AppError> {
    Ok(web::Json(state.db(resources::weekly_hours).await?))
}

#[utoipa::path(
    operation_id = "set_opening_hours",
    tag = "resources",
    summary = "Replaces the weekly opening hours (staff)",
    request_body = WeeklyHours,
    responses(
        (status = 200, description = "Opening hours as saved", body = WeeklyHours),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[put("/opening-hours")]
pub async fn set_opening_hours(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<WeeklyHours>,
) -> Result<web::Json<WeeklyHours>, AppError> {
    let (by, hours) = (user.by(), body.into_inner());
    let saved = hours.clone();
    state
        .db(move |c| resources::set_weekly_hours(c, &by, &hours))
        .await?;
    Ok(web::Json(saved))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewClosure {
    first_day: NaiveDate,
    last_day: NaiveDate,
    reason: String,
}

#[utoipa::path(
    operation_id = "add_closure",
    tag = "resources",
    summary = "Closes the workshop for whole days (staff)",
    request_body = NewClosure,
    responses(
        (status = 201, description = "The closure", body = Closure),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/closures")]
pub async fn add_closure(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<NewClosure>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let closure = Closure {
        first_day: b.first_day,
        last_day: b.last_day,
        reason: b.reason,
    };
    let by = user.by();
    let saved = closure.clone();
    state
        .db(move |c| resources::add_closure(c, &by, &closure))
        .await?;
    Ok(created(&saved))
}
