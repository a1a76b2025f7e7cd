//! Staff: create a customer account, and edit one (with the people who belong to it and their
//! membership plan).
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::Markup;

use super::plans::{customer_plans, PlanForms};
use super::Flash;
use crate::domain::{Customer, CustomerId, CustomerInput, RawCustomer, User};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::{chrome, html, see_other};
use crate::http::{AppError, AppState};
use crate::services::plans::{self, Plan, Subscription};
use crate::services::{accounts, ServiceError};
use crate::views::pages::staff::customer::{self as view, CustomerPage};

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The customer account was created."),
        "saved" => Some("The changes were saved."),
        "subscribed" => Some("The customer was subscribed to the plan."),
        "ended" => Some("The plan's last month was set."),
        _ => None,
    }
}

/// Staff create businesses here; individual accounts usually come with their user.
pub async fn new_form(Staff(user): Staff, csrf: CsrfToken) -> Markup {
    let values = RawCustomer {
        kind: "business".into(),
        price_category: "business".into(),
        ..RawCustomer::default()
    };
    let data = CustomerPage {
        existing: None,
        values: &values,
        people: &[],
        plans: None,
        notice: None,
        error: None,
    };
    view::page(&chrome(Some(&user), &csrf), &data)
}

pub async fn create(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(raw): CsrfForm<RawCustomer>,
) -> Result<HttpResponse, AppError> {
    let refused = |message: &str| {
        let data = CustomerPage {
            existing: None,
            values: &raw,
            people: &[],
            plans: None,
            notice: None,
            error: Some(message),
        };
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            view::page(&chrome(Some(&user), &csrf), &data),
        )
    };
    let input = match CustomerInput::parse(&raw) {
        Ok(input) => input,
        Err(e) => return Ok(refused(&e.0)),
    };
    let by = user.by();
    match state
        .db(move |c| accounts::create_customer(c, &by, &input))
        .await
    {
        Ok(customer) => Ok(see_other(&format!(
            "/staff/customers/{}?done=created",
            customer.id
        ))),
        Err(AppError::Unprocessable(message) | AppError::Conflict(message)) => {
            Ok(refused(&message))
        }
        Err(other) => Err(other),
    }
}

/// The account, its people, its subscriptions and the plans there are.
struct Loaded {
    customer: Customer,
    people: Vec<User>,
    subscriptions: Vec<Subscription>,
    plans: Vec<Plan>,
}

async fn load(state: &AppState, user: &CurrentUser, id: CustomerId) -> Result<Loaded, AppError> {
    let by = user.by();
    state
        .db(move |c| -> Result<_, ServiceError> {
            Ok(Loaded {
                customer: accounts::customer(c, &by, id)?,
                people: accounts::users(c, &by, None, Some(id))?,
                subscriptions: plans::subscriptions(c, &by, id)?,
                plans: plans::list_plans(c)?,
            })
        })
        .await
}

/// The customer's page as shown: the stored values, or a form as typed with its problem.
#[derive(Default)]
pub(super) struct Shown<'a> {
    /// The account form as typed when it was refused.
    pub values: Option<&'a RawCustomer>,
    pub error: Option<&'a str>,
    pub notice: Option<&'static str>,
    pub plan: PlanForms,
}

/// The page of an existing account.
pub(super) async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    id: CustomerId,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let loaded = load(state, user, id).await?;
    let stored;
    let values = match shown.values {
        Some(typed) => typed,
        None => {
            stored = view::values_of(&loaded.customer);
            &stored
        }
    };
    let plans = customer_plans(state.tz, id, loaded.subscriptions, loaded.plans, shown.plan);
    let data = CustomerPage {
        existing: Some(&loaded.customer),
        values,
        people: &loaded.people,
        plans: Some(&plans),
        notice: shown.notice,
        error: shown.error,
    };
    Ok(html(status, view::page(&chrome(Some(user), csrf), &data)))
}

pub async fn edit(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice: notice_for(flash.done.as_deref()),
        ..Shown::default()
    };
    let id = CustomerId::new(path.into_inner());
    render(&state, &user, &csrf, id, shown, StatusCode::OK).await
}

pub async fn update(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(raw): CsrfForm<RawCustomer>,
) -> Result<HttpResponse, AppError> {
    let id = CustomerId::new(path.into_inner());
    let message = match CustomerInput::parse(&raw) {
        Err(e) => e.0,
        Ok(input) => {
            let by = user.by();
            match state
                .db(move |c| accounts::update_customer(c, &by, id, &input))
                .await
            {
                Ok(_) => return Ok(see_other(&format!("/staff/customers/{id}?done=saved"))),
                Err(AppError::Unprocessable(message) | AppError::Conflict(message)) => message,
                Err(other) => return Err(other),
            }
        }
    };
    let shown = Shown {
        values: Some(&raw),
        error: Some(&message),
        ..Shown::default()
    };
    render(
        &state,
        &user,
        &csrf,
        id,
        shown,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
