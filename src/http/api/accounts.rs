//! `/api/v1/me`, `/customers` and `/users`.
use actix_web::{get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{created, openapi, Items};
use crate::domain::{
    Customer, CustomerId, CustomerInput, Email, Name, NewPassword, RawCustomer, Role, User, UserId,
};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::{AppError, AppState};
use crate::services::accounts::{self, NewUser, UserUpdate};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    id: UserId,
    email: String,
    name: String,
    role: Role,
    customer_id: CustomerId,
    calendar_url: Option<String>,
}

#[utoipa::path(
    operation_id = "me",
    tag = "accounts",
    summary = "The calling user",
    responses(
        (status = 200, description = "The caller", body = Me),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> Result<web::Json<Me>, AppError> {
    let (id, settings) = (user.user.id, state.settings.clone());
    let calendar_url = state
        .db(move |c| crate::services::calendar::user_feed_url(c, id, &settings.public_url))
        .await?;
    let user = user.user;
    Ok(web::Json(Me {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        customer_id: user.customer_id,
        calendar_url: Some(calendar_url),
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CalendarUrl {
    calendar_url: String,
}

/// A new feed URL for the caller; the old one stops working.
#[utoipa::path(
    operation_id = "rotate_calendar",
    tag = "accounts",
    responses(
        (status = 200, description = "The new feed URL", body = CalendarUrl),
    )
)]
#[post("/me/calendar/rotate")]
pub async fn rotate_calendar(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<CalendarUrl>, AppError> {
    let (by, id, settings) = (user.by(), user.user.id, state.settings.clone());
    let calendar_url = state
        .db(move |c| crate::services::calendar::rotate_user_feed(c, &by, id, &settings.public_url))
        .await?;
    Ok(web::Json(CalendarUrl { calendar_url }))
}

/// A machine's feed URL, for staff.
#[utoipa::path(
    operation_id = "machine_calendar",
    tag = "accounts",
    responses(
        (status = 200, description = "The machine's feed URL", body = CalendarUrl),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[get("/resources/{id}/calendar")]
pub async fn machine_calendar(
    state: web::Data<AppState>,
    crate::http::auth::Staff(user): crate::http::auth::Staff,
    path: web::Path<i64>,
) -> Result<web::Json<CalendarUrl>, AppError> {
    let (by, id, settings) = (
        user.by(),
        crate::domain::ResourceId::new(path.into_inner()),
        state.settings.clone(),
    );
    let calendar_url = state
        .db(move |c| crate::services::calendar::machine_feed_url(c, &by, id, &settings.public_url))
        .await?;
    Ok(web::Json(CalendarUrl { calendar_url }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Search {
    q: Option<String>,
    customer_id: Option<i64>,
}

#[utoipa::path(
    operation_id = "list_customers",
    tag = "accounts",
    summary = "Customer accounts (staff), optionally matching `q`",
    params(Search),
    responses(
        (status = 200, description = "The customers", body = Items<Customer>),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[get("/customers")]
pub async fn list_customers(
    state: web::Data<AppState>,
    Staff(user): Staff,
    query: web::Query<Search>,
) -> Result<web::Json<Items<Customer>>, AppError> {
    let (by, q) = (user.by(), query.into_inner().q);
    let items = state
        .db(move |c| accounts::customers(c, &by, q.as_deref()))
        .await?;
    Ok(web::Json(Items { items }))
}

#[utoipa::path(
    operation_id = "create_customer",
    tag = "accounts",
    summary = "Adds a customer account (staff)",
    request_body = RawCustomer,
    responses(
        (status = 201, description = "The new customer", body = Customer),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/customers")]
pub async fn create_customer(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<RawCustomer>,
) -> Result<HttpResponse, AppError> {
    let input = CustomerInput::parse(&body).map_err(|e| AppError::Unprocessable(e.0))?;
    let by = user.by();
    let customer = state
        .db(move |c| accounts::create_customer(c, &by, &input))
        .await?;
    Ok(created(&customer))
}

#[utoipa::path(
    operation_id = "get_customer",
    tag = "accounts",
    summary = "A customer account: staff, or its own people",
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[get("/customers/{id}")]
pub async fn get_customer(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<web::Json<Customer>, AppError> {
    let (by, id) = (user.by(), CustomerId::new(path.into_inner()));
    Ok(web::Json(
        state.db(move |c| accounts::customer(c, &by, id)).await?,
    ))
}

/// Fields to change; absent fields keep their value.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CustomerPatch {
    kind: Option<String>,
    legal_name: Option<String>,
    tax_id: Option<String>,
    address: Option<String>,
    billing_email: Option<String>,
    price_category: Option<String>,
}

#[utoipa::path(
    operation_id = "update_customer",
    tag = "accounts",
    summary = "Changes a customer account; absent fields keep their value",
    request_body = CustomerPatch,
    responses(
        (status = 200, description = "The customer as saved", body = Customer),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[patch("/customers/{id}")]
pub async fn update_customer(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
    body: web::Json<CustomerPatch>,
) -> Result<web::Json<Customer>, AppError> {
    let (by, id, patch) = (
        user.by(),
        CustomerId::new(path.into_inner()),
        body.into_inner(),
    );
    let customer = state
        .db(move |c| {
            let old = accounts::customer(c, &by, id)?;
            let raw = RawCustomer {
                kind: patch.kind.unwrap_or_else(|| old.kind.to_string()),
                legal_name: patch.legal_name.unwrap_or(old.legal_name),
                tax_id: patch.tax_id.or(old.tax_id),
                address: Some(patch.address.unwrap_or(old.address)),
                billing_email: patch.billing_email.or(old.billing_email),
                price_category: patch
                    .price_category
                    .unwrap_or_else(|| old.price_category.to_string()),
            };
            let input = CustomerInput::parse(&raw)?;
            accounts::update_customer(c, &by, id, &input)
        })
        .await?;
    Ok(web::Json(customer))
}

#[utoipa::path(
    operation_id = "list_users",
    tag = "accounts",
    summary = "Users the caller may see, optionally matching `q` or of one customer",
    params(Search),
    responses(
        (status = 200, description = "The users", body = Items<User>),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<Search>,
) -> Result<web::Json<Items<User>>, AppError> {
    let (by, query) = (user.by(), query.into_inner());
    let customer = query.customer_id.map(CustomerId::new);
    let items = state
        .db(move |c| accounts::users(c, &by, query.q.as_deref(), customer))
        .await?;
    Ok(web::Json(Items { items }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewUserBody {
    email: String,
    name: String,
    role: String,
    /// Join this business customer as an employee; without it the user gets their own account.
    business_id: Option<i64>,
    password: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CreatedUser {
    user: User,
    /// Present only when no password was given: shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

#[utoipa::path(
    operation_id = "create_user",
    tag = "accounts",
    summary = "Adds a user (staff; a business admin adds employees)",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "The new user, with the generated password when none was given", body = CreatedUser),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewUserBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let invalid = |e: crate::domain::InvalidField| AppError::Unprocessable(e.0);
    let new = NewUser {
        email: Email::parse(&body.email).map_err(invalid)?,
        name: Name::parse(&body.name, "the name").map_err(invalid)?,
        role: body.role.parse().map_err(invalid)?,
        business: body.business_id.map(CustomerId::new),
        password: body
            .password
            .as_deref()
            .map(NewPassword::parse)
            .transpose()
            .map_err(invalid)?,
    };
    let (by, identity) = (user.by(), state.mail_identity.clone());
    let (user, password) = state
        .db_sending_mail(move |c| accounts::create_user(c, &by, new, Some(&identity)))
        .await?;
    Ok(created(&CreatedUser { user, password }))
}

#[utoipa::path(
    operation_id = "get_user",
    tag = "accounts",
    summary = "A user the caller may see",
    responses(
        (status = 200, description = "The user", body = User),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<web::Json<User>, AppError> {
    let (by, id) = (user.by(), UserId::new(path.into_inner()));
    Ok(web::Json(
        state.db(move |c| accounts::user(c, &by, id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserPatch {
    name: Option<String>,
    role: Option<String>,
    active: Option<bool>,
}

#[utoipa::path(
    operation_id = "update_user",
    tag = "accounts",
    summary = "Changes a user's name, role or active flag",
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user as saved", body = User),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
    body: web::Json<UserPatch>,
) -> Result<web::Json<User>, AppError> {
    let body = body.into_inner();
    let invalid = |e: crate::domain::InvalidField| AppError::Unprocessable(e.0);
    let update = UserUpdate {
        name: body
            .name
            .as_deref()
            .map(|n| Name::parse(n, "the name"))
            .transpose()
            .map_err(invalid)?,
        role: body
            .role
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(invalid)?,
        active: body.active,
    };
    let (by, id) = (user.by(), UserId::new(path.into_inner()));
    Ok(web::Json(
        state
            .db(move |c| accounts::update_user(c, &by, id, &update))
            .await?,
    ))
}
