//! Staff: one user — change their name, role and status, and revoke their API tokens.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::Markup;
use serde::Deserialize;

use super::{grantable_roles, sentence, Flash};
use crate::domain::{Customer, Name, TokenId, User, UserId, WorkshopTz};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::{chrome, html, see_other};
use crate::http::{AppError, AppState};
use crate::services::accounts::{self, UserUpdate};
use crate::services::tokens::{self, TokenInfo};
use crate::services::ServiceError;
use crate::views::format::local_minute;
use crate::views::pages::account::TokenLine;
use crate::views::pages::staff::user::{self as view, UserFields, UserPage, ACTIVE, INACTIVE};
use crate::views::pages::staff::FormError;

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The user was created."),
        "saved" => Some("The changes were saved."),
        "revoked" => Some("The token was revoked."),
        _ => None,
    }
}

/// Name, role and status as posted; the business page posts the same fields.
#[derive(Deserialize)]
pub struct UserForm {
    name: String,
    role: String,
    status: String,
}

impl UserForm {
    /// The change these fields ask for, or the first wrong field.
    pub fn parse(&self) -> Result<UserUpdate, FormError> {
        let name = Name::parse(&self.name, "the name")
            .map_err(|e| FormError::on("name", sentence(&e.0)))?;
        let role = self
            .role
            .parse()
            .map_err(|e: crate::domain::InvalidField| FormError::on("role", sentence(&e.0)))?;
        let active = match self.status.as_str() {
            ACTIVE => true,
            INACTIVE => false,
            other => {
                return Err(FormError::on(
                    "status",
                    format!("'{other}' is not a status; use {ACTIVE} or {INACTIVE}."),
                ))
            }
        };
        Ok(UserUpdate {
            name: Some(name),
            role: Some(role),
            active: Some(active),
        })
    }

    pub fn fields(&self) -> UserFields<'_> {
        UserFields {
            name: &self.name,
            role: &self.role,
            status: &self.status,
        }
    }
}

/// The user, their account, whether the staff member may change them, and their tokens.
struct Loaded {
    target: User,
    customer: Customer,
    manages: bool,
    tokens: Option<Vec<TokenInfo>>,
}

async fn load(state: &AppState, user: &CurrentUser, id: UserId) -> Result<Loaded, AppError> {
    let (by, actor) = (user.by(), user.actor());
    state
        .db(move |c| -> Result<_, ServiceError> {
            let target = accounts::user(c, &by, id)?;
            let customer = accounts::customer(c, &by, target.customer_id)?;
            let manages = actor.may_manage_user(&target.facts());
            // The service hides the tokens of people the caller does not manage (staff accounts).
            let tokens = if manages || actor.user_id == id {
                Some(tokens::list(c, &by, id)?)
            } else {
                None
            };
            Ok(Loaded {
                target,
                customer,
                manages,
                tokens,
            })
        })
        .await
}

fn token_line(token: TokenInfo, tz: WorkshopTz) -> TokenLine {
    TokenLine {
        id: token.id.get(),
        name: token.name,
        hint: token.hint,
        created: local_minute(token.created_at, tz),
        last_used: token.last_used_at.map(|at| local_minute(at, tz)),
        revoked: token.revoked_at.is_some(),
        machine: token.resource_id.map(|r| r.get()),
    }
}

fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    loaded: Loaded,
    typed: Option<UserFields<'_>>,
    notice: Option<&str>,
    error: Option<&FormError>,
) -> Markup {
    let tokens: Option<Vec<TokenLine>> = loaded
        .tokens
        .map(|list| list.into_iter().map(|t| token_line(t, state.tz)).collect());
    let roles = grantable_roles(user);
    let fields = loaded
        .manages
        .then(|| typed.unwrap_or_else(|| UserFields::of(&loaded.target)));
    let data = UserPage {
        user: &loaded.target,
        customer: &loaded.customer,
        fields,
        roles: &roles,
        tokens: tokens.as_deref(),
        notice,
        error,
    };
    view::page(&chrome(Some(user), csrf), &data)
}

pub async fn edit(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    flash: web::Query<Flash>,
) -> Result<Markup, AppError> {
    let loaded = load(&state, &user, UserId::new(path.into_inner())).await?;
    Ok(render(
        &state,
        &user,
        &csrf,
        loaded,
        None,
        notice_for(flash.done.as_deref()),
        None,
    ))
}

pub async fn update(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<UserForm>,
) -> Result<HttpResponse, AppError> {
    let id = UserId::new(path.into_inner());
    let error = match form.parse() {
        Err(error) => error,
        Ok(update) => {
            let by = user.by();
            match state
                .db(move |c| accounts::update_user(c, &by, id, &update))
                .await
            {
                Ok(_) => return Ok(see_other(&format!("/staff/users/{id}?done=saved"))),
                Err(AppError::Unprocessable(message)) => FormError::general(message),
                Err(other) => return Err(other),
            }
        }
    };
    let loaded = load(&state, &user, id).await?;
    let page = render(
        &state,
        &user,
        &csrf,
        loaded,
        Some(form.fields()),
        None,
        Some(&error),
    );
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, page))
}

pub async fn revoke_token(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (owner, token) = path.into_inner();
    let (by, owner, token) = (user.by(), UserId::new(owner), TokenId::new(token));
    state
        .db(move |c| -> Result<_, ServiceError> {
            // The address names the owner too; a token of someone else is not found here.
            if !tokens::list(c, &by, owner)?.iter().any(|t| t.id == token) {
                return Err(ServiceError::NotFound);
            }
            tokens::revoke(c, &by, token)
        })
        .await?;
    Ok(see_other(&format!("/staff/users/{owner}?done=revoked")))
}
