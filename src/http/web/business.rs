//! "My business", for a business's admin: billing details, the business's people, adding an
//! employee and changing one. Which business is always the admin's own; the services check the
//! rest, so someone else's employee answers 404.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::Markup;
use serde::Deserialize;

use super::staff::{grantable_roles, sentence, Flash, UserForm};
use super::{chrome, html, no_store, see_other};
use crate::domain::{
    Customer, CustomerId, CustomerInput, Email, InvalidField, Name, RawCustomer, Role, User, UserId,
};
use crate::http::auth::CurrentUser;
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::{AppError, AppState};
use crate::services::accounts::{self, NewUser};
use crate::services::ServiceError;
use crate::views::pages::business::{self as view, BusinessPage, EmployeeFields};
use crate::views::pages::staff::customer::values_of;
use crate::views::pages::staff::user::UserFields;
use crate::views::pages::staff::FormError;

/// The business the signed-in user administers; anyone else may not use these pages.
fn administered(user: &CurrentUser) -> Result<CustomerId, AppError> {
    if user.user.role == Role::BusinessAdmin {
        Ok(user.user.customer_id)
    } else {
        Err(AppError::Forbidden(
            "This page is for the administrator of a business account.".into(),
        ))
    }
}

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "details" => Some("The billing details were saved."),
        "saved" => Some("The changes were saved."),
        _ => None,
    }
}

/// What the page shows besides the stored state: a confirmation, or a refused form as typed.
#[derive(Default)]
struct Outcome<'a> {
    notice: Option<&'a str>,
    details: Option<&'a RawCustomer>,
    details_error: Option<&'a str>,
    employee: EmployeeFields<'a>,
    employee_error: Option<&'a FormError>,
    created: Option<(&'a User, &'a str)>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    outcome: Outcome<'_>,
) -> Result<Markup, AppError> {
    let (by, id) = (user.by(), user.user.customer_id);
    let (customer, people): (Customer, Vec<User>) = state
        .db(move |c| -> Result<_, ServiceError> {
            Ok((
                accounts::customer(c, &by, id)?,
                accounts::users(c, &by, None, Some(id))?,
            ))
        })
        .await?;
    let stored = values_of(&customer);
    let roles = grantable_roles(user);
    let employee = EmployeeFields {
        role: or(outcome.employee.role, Role::Member.as_str()),
        ..outcome.employee
    };
    let data = BusinessPage {
        customer: &customer,
        details: outcome.details.unwrap_or(&stored),
        details_error: outcome.details_error,
        people: &people,
        employee,
        employee_error: outcome.employee_error,
        roles: &roles,
        created: outcome.created,
        notice: outcome.notice,
    };
    Ok(view::page(&chrome(Some(user), csrf), &data))
}

fn or<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() {
        default
    } else {
        value
    }
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    flash: web::Query<Flash>,
) -> Result<Markup, AppError> {
    administered(&user)?;
    let outcome = Outcome {
        notice: notice_for(flash.done.as_deref()),
        ..Outcome::default()
    };
    render(&state, &user, &csrf, outcome).await
}

/// The billing details; the account's kind and price category are the workshop's to set.
#[derive(Deserialize)]
pub struct DetailsForm {
    legal_name: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    billing_email: String,
}

pub async fn save_details(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<DetailsForm>,
) -> Result<HttpResponse, AppError> {
    let id = administered(&user)?;
    let typed = RawCustomer {
        kind: String::new(),
        legal_name: form.legal_name,
        tax_id: Some(form.tax_id),
        address: Some(form.address),
        billing_email: Some(form.billing_email),
        price_category: String::new(),
    };
    let (by, raw) = (user.by(), typed.clone());
    let outcome = state
        .db(move |c| -> Result<_, ServiceError> {
            // Parsed with the stored kind, so a business keeps needing its tax id.
            let stored = accounts::customer(c, &by, id)?;
            let raw = RawCustomer {
                kind: stored.kind.to_string(),
                price_category: stored.price_category.to_string(),
                ..raw
            };
            accounts::update_customer(c, &by, id, &CustomerInput::parse(&raw)?)
        })
        .await;
    let message = match outcome {
        Ok(_) => return Ok(see_other("/business?done=details")),
        Err(AppError::Unprocessable(message) | AppError::Conflict(message)) => sentence(&message),
        Err(other) => return Err(other),
    };
    let outcome = Outcome {
        details: Some(&typed),
        details_error: Some(&message),
        ..Outcome::default()
    };
    let page = render(&state, &user, &csrf, outcome).await?;
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, page))
}

#[derive(Deserialize)]
pub struct EmployeeForm {
    email: String,
    name: String,
    role: String,
}

impl EmployeeForm {
    fn parse(&self, business: CustomerId) -> Result<NewUser, FormError> {
        let on = |field| move |e: InvalidField| FormError::on(field, sentence(&e.0));
        Ok(NewUser {
            email: Email::parse(&self.email).map_err(on("email"))?,
            name: Name::parse(&self.name, "the name").map_err(on("name"))?,
            role: self.role.parse().map_err(on("role"))?,
            business: Some(business),
            password: None,
        })
    }

    fn fields(&self) -> EmployeeFields<'_> {
        EmployeeFields {
            email: &self.email,
            name: &self.name,
            role: &self.role,
        }
    }
}

/// The new employee's password is generated and shown on the answering page only.
pub async fn add_employee(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<EmployeeForm>,
) -> Result<HttpResponse, AppError> {
    let business = administered(&user)?;
    let error = match form.parse(business) {
        Err(error) => error,
        Ok(new) => {
            let (by, identity) = (user.by(), state.mail_identity.clone());
            match state
                .db_sending_mail(move |c| accounts::create_user(c, &by, new, Some(&identity)))
                .await
            {
                Ok((created, Some(password))) => {
                    let outcome = Outcome {
                        created: Some((&created, &password)),
                        ..Outcome::default()
                    };
                    return Ok(no_store(render(&state, &user, &csrf, outcome).await?));
                }
                Ok((_, None)) => return Ok(see_other("/business")),
                Err(AppError::Conflict(message)) => FormError::on("email", message),
                Err(AppError::Unprocessable(message)) => FormError::general(message),
                Err(other) => return Err(other),
            }
        }
    };
    let outcome = Outcome {
        employee: form.fields(),
        employee_error: Some(&error),
        ..Outcome::default()
    };
    let page = render(&state, &user, &csrf, outcome).await?;
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, page))
}

pub async fn person(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
) -> Result<Markup, AppError> {
    administered(&user)?;
    let (by, id) = (user.by(), UserId::new(path.into_inner()));
    let target = state.db(move |c| accounts::user(c, &by, id)).await?;
    let roles = grantable_roles(&user);
    Ok(view::person_page(
        &chrome(Some(&user), &csrf),
        &target,
        &UserFields::of(&target),
        &roles,
        None,
    ))
}

pub async fn save_person(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<UserForm>,
) -> Result<HttpResponse, AppError> {
    administered(&user)?;
    let id = UserId::new(path.into_inner());
    let by = user.by();
    let error = match form.parse() {
        Err(error) => error,
        Ok(update) => match state
            .db(move |c| accounts::update_user(c, &by, id, &update))
            .await
        {
            Ok(_) => return Ok(see_other("/business?done=saved")),
            Err(AppError::Unprocessable(message)) => FormError::general(message),
            Err(other) => return Err(other),
        },
    };
    let by = user.by();
    let target = state.db(move |c| accounts::user(c, &by, id)).await?;
    let roles = grantable_roles(&user);
    let page = view::person_page(
        &chrome(Some(&user), &csrf),
        &target,
        &form.fields(),
        &roles,
        Some(&error),
    );
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, page))
}
