//! Staff: create a customer account, and edit one (with the people who belong to it).
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::Markup;

use super::Flash;
use crate::domain::{Customer, CustomerId, CustomerInput, RawCustomer, User};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::{chrome, html, see_other};
use crate::http::{AppError, AppState};
use crate::services::{accounts, ServiceError};
use crate::views::pages::staff::customer::{self as view, CustomerPage};

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The customer account was created."),
        "saved" => Some("The changes were saved."),
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

/// The account and its people.
async fn load(
    state: &AppState,
    user: &CurrentUser,
    id: CustomerId,
) -> Result<(Customer, Vec<User>), AppError> {
    let by = user.by();
    state
        .db(move |c| -> Result<_, ServiceError> {
            Ok((
                accounts::customer(c, &by, id)?,
                accounts::users(c, &by, None, Some(id))?,
            ))
        })
        .await
}

pub async fn edit(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    flash: web::Query<Flash>,
) -> Result<Markup, AppError> {
    let (customer, people) = load(&state, &user, CustomerId::new(path.into_inner())).await?;
    let values = view::values_of(&customer);
    let data = CustomerPage {
        existing: Some(&customer),
        values: &values,
        people: &people,
        notice: notice_for(flash.done.as_deref()),
        error: None,
    };
    Ok(view::page(&chrome(Some(&user), &csrf), &data))
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
    let (customer, people) = load(&state, &user, id).await?;
    let data = CustomerPage {
        existing: Some(&customer),
        values: &raw,
        people: &people,
        notice: None,
        error: Some(&message),
    };
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        view::page(&chrome(Some(&user), &csrf), &data),
    ))
}
