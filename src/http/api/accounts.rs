//! `/api/v1/me`, `/customers` and `/users`.
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{created, Items};
use crate::domain::{
    Customer, CustomerId, CustomerInput, Email, Name, NewPassword, RawCustomer, Role, User, UserId,
};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::{AppError, AppState};
use crate::services::accounts::{self, NewUser, UserUpdate};

#[derive(Serialize)]
pub struct Me {
    id: UserId,
    email: String,
    name: String,
    role: Role,
    customer_id: CustomerId,
    calendar_url: Option<String>,
}

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

#[derive(Serialize)]
pub struct CalendarUrl {
    calendar_url: String,
}

/// A new feed URL for the caller; the old one stops working.
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

#[derive(Deserialize)]
pub struct Search {
    q: Option<String>,
    customer_id: Option<i64>,
}

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
#[derive(Deserialize)]
pub struct CustomerPatch {
    kind: Option<String>,
    legal_name: Option<String>,
    tax_id: Option<String>,
    address: Option<String>,
    billing_email: Option<String>,
    price_category: Option<String>,
}

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

#[derive(Deserialize)]
pub struct NewUserBody {
    email: String,
    name: String,
    role: String,
    /// Join this business customer as an employee; without it the user gets their own account.
    business_id: Option<i64>,
    password: Option<String>,
}

#[derive(Serialize)]
struct CreatedUser {
    user: User,
    /// Present only when no password was given: shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

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

#[derive(Deserialize)]
pub struct UserPatch {
    name: Option<String>,
    role: Option<String>,
    active: Option<bool>,
}

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
