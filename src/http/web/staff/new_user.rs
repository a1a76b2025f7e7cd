//! Staff: create a user — in a business, or with an individual account of their own — and show a
//! generated password once.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{grantable_roles, sentence};
use crate::domain::{CustomerId, Email, Name, NewPassword};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::{chrome, html, no_store, see_other};
use crate::http::{AppError, AppState};
use crate::services::accounts::{self, NewUser};
use crate::views::pages::staff::new_user::{self as view, NewUserFields, NewUserPage};
use crate::views::pages::staff::FormError;

#[derive(Deserialize)]
pub struct Preselect {
    /// The business the form was opened from ("add a user to this business").
    business: Option<String>,
}

pub async fn form(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    query: web::Query<Preselect>,
) -> Result<HttpResponse, AppError> {
    let business = query.into_inner().business.unwrap_or_default();
    let values = NewUserFields {
        role: "member",
        business: &business,
        ..NewUserFields::default()
    };
    render(&state, &user, &csrf, values, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    email: String,
    name: String,
    role: String,
    #[serde(default)]
    business: String,
    #[serde(default)]
    password: String,
}

impl NewUserForm {
    /// The user these fields describe, or the first wrong field in the order the form shows them.
    fn parse(&self) -> Result<NewUser, FormError> {
        let on = |field| move |e: crate::domain::InvalidField| FormError::on(field, sentence(&e.0));
        let email = Email::parse(&self.email).map_err(on("email"))?;
        let name = Name::parse(&self.name, "the name").map_err(on("name"))?;
        let role = self.role.parse().map_err(on("role"))?;
        let business = match self.business.trim() {
            "" => None,
            id => Some(
                id.parse::<CustomerId>()
                    .map_err(|e| FormError::on("business", sentence(&e.to_string())))?,
            ),
        };
        let password = match self.password.as_str() {
            "" => None,
            typed => Some(NewPassword::parse(typed).map_err(on("password"))?),
        };
        Ok(NewUser {
            email,
            name,
            role,
            business,
            password,
        })
    }

    fn fields(&self) -> NewUserFields<'_> {
        NewUserFields {
            email: &self.email,
            name: &self.name,
            role: &self.role,
            business: &self.business,
        }
    }
}

pub async fn create(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<NewUserForm>,
) -> Result<HttpResponse, AppError> {
    let new = match form.parse() {
        Ok(new) => new,
        Err(error) => return refused(&state, &user, &csrf, &form, &error).await,
    };
    let (by, identity) = (user.by(), state.mail_identity.clone());
    match state
        .db_sending_mail(move |c| accounts::create_user(c, &by, new, Some(&identity)))
        .await
    {
        Ok((created, Some(password))) => Ok(no_store(view::created(
            &chrome(Some(&user), &csrf),
            &created,
            &password,
        ))),
        Ok((created, None)) => Ok(see_other(&format!(
            "/staff/users/{}?done=created",
            created.id
        ))),
        // The only conflict creating a user can meet is a taken email.
        Err(AppError::Conflict(message)) => {
            refused(
                &state,
                &user,
                &csrf,
                &form,
                &FormError::on("email", message),
            )
            .await
        }
        Err(AppError::Unprocessable(message)) => {
            refused(&state, &user, &csrf, &form, &FormError::general(message)).await
        }
        Err(other) => Err(other),
    }
}

async fn refused(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    form: &NewUserForm,
    error: &FormError,
) -> Result<HttpResponse, AppError> {
    render(
        state,
        user,
        csrf,
        form.fields(),
        Some(error),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    values: NewUserFields<'_>,
    error: Option<&FormError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let by = user.by();
    let businesses = state.db(move |c| accounts::businesses(c, &by)).await?;
    let roles = grantable_roles(user);
    let data = NewUserPage {
        values,
        roles: &roles,
        businesses: &businesses,
        error,
    };
    Ok(html(status, view::page(&chrome(Some(user), csrf), &data)))
}
