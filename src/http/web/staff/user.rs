//! Staff: one user — change their name, role and status, revoke their API tokens, and grant or
//! revoke their qualifications.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::Markup;
use serde::Deserialize;

use super::{grantable_roles, sentence, Flash};
use crate::domain::{Customer, Name, QualificationId, TokenId, User, UserId, WorkshopTz};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::{chrome, html, see_other};
use crate::http::{AppError, AppState};
use crate::services::accounts::{self, UserUpdate};
use crate::services::resources::{self, HeldQualification, Qualification};
use crate::services::tokens::{self, TokenInfo};
use crate::services::ServiceError;
use crate::views::pages::staff::user::{
    self as view, HeldLine, UserFields, UserPage, ACTIVE, INACTIVE,
};
use crate::views::pages::staff::FormError;
use crate::views::tokens::TokenLine;

/// Confirmations after a redirect, by code, so no text from the URL reaches the page.
fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The user was created."),
        "saved" => Some("The changes were saved."),
        "revoked" => Some("The token was revoked."),
        "granted" => Some("The qualification was granted."),
        "qualification-revoked" => Some("The qualification was revoked."),
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

/// The user, their account, whether the staff member may change them, their tokens, the
/// qualifications they hold and all there are.
struct Loaded {
    target: User,
    customer: Customer,
    manages: bool,
    tokens: Option<Vec<TokenInfo>>,
    held: Vec<HeldQualification>,
    grantable: Vec<Qualification>,
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
                held: resources::held_by(c, id)?,
                grantable: resources::qualifications(c)?,
            })
        })
        .await
}

/// The page's forms as shown: stored values, or what was typed with its problem.
#[derive(Default)]
struct Shown<'a> {
    typed: Option<UserFields<'a>>,
    notice: Option<&'a str>,
    error: Option<&'a FormError>,
    grant_error: Option<&'a FormError>,
}

/// Held qualifications as listed, expiring on a date in the workshop's zone.
fn held_lines(held: Vec<HeldQualification>, tz: WorkshopTz) -> Vec<HeldLine> {
    held.into_iter()
        .map(|q| HeldLine {
            id: q.id.get(),
            name: q.name,
            expires_on: q
                .expires_at
                .map(|at| tz.local_date(at).format("%Y-%m-%d").to_string()),
        })
        .collect()
}

fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    loaded: Loaded,
    shown: Shown<'_>,
) -> Markup {
    let tokens: Option<Vec<TokenLine>> = loaded
        .tokens
        .map(|list| super::super::token_lines(list, state.tz));
    let roles = grantable_roles(user);
    let fields = loaded.manages.then(|| {
        shown
            .typed
            .unwrap_or_else(|| UserFields::of(&loaded.target))
    });
    let held = held_lines(loaded.held, state.tz);
    let grantable: Vec<(String, String)> = loaded
        .grantable
        .into_iter()
        .map(|q| (q.id.to_string(), q.name))
        .collect();
    let data = UserPage {
        user: &loaded.target,
        customer: &loaded.customer,
        fields,
        roles: &roles,
        tokens: tokens.as_deref(),
        held: &held,
        grantable: &grantable,
        notice: shown.notice,
        error: shown.error,
        grant_error: shown.grant_error,
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
    let shown = Shown {
        notice: notice_for(flash.done.as_deref()),
        ..Shown::default()
    };
    Ok(render(&state, &user, &csrf, loaded, shown))
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
    let shown = Shown {
        typed: Some(form.fields()),
        error: Some(&error),
        ..Shown::default()
    };
    let page = render(&state, &user, &csrf, loaded, shown);
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

/// The grant form: the chosen qualification's id.
#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    qualification_id: String,
}

pub async fn grant_qualification(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let id = UserId::new(path.into_inner());
    let error = match form.qualification_id.trim().parse::<i64>() {
        Err(_) => FormError::general("Choose a qualification to grant."),
        Ok(qualification) => {
            let (by, qualification) = (user.by(), QualificationId::new(qualification));
            match state
                .db(move |c| resources::grant_qualification(c, &by, id, qualification))
                .await
            {
                Ok(_) => return Ok(see_other(&format!("/staff/users/{id}?done=granted"))),
                Err(AppError::Unprocessable(message)) => FormError::general(message),
                Err(other) => return Err(other),
            }
        }
    };
    // Loaded after the refusal, so an unknown user is a 404 rather than a form problem.
    let loaded = load(&state, &user, id).await?;
    let shown = Shown {
        grant_error: Some(&error),
        ..Shown::default()
    };
    let page = render(&state, &user, &csrf, loaded, shown);
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, page))
}

/// Revokes a qualification the user holds; one they do not hold is not found.
pub async fn revoke_qualification(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (holder, qualification) = path.into_inner();
    let (by, holder) = (user.by(), UserId::new(holder));
    let qualification = QualificationId::new(qualification);
    state
        .db(move |c| resources::revoke_qualification(c, &by, holder, qualification))
        .await?;
    Ok(see_other(&format!(
        "/staff/users/{holder}?done=qualification-revoked"
    )))
}
