//! The home page.
use actix_web::web;
use maud::Markup;

use super::chrome;
use crate::http::auth::MaybeUser;
use crate::http::csrf::CsrfToken;
use crate::http::{AppError, AppState};
use crate::services::accounts;
use crate::views;

pub async fn show(
    state: web::Data<AppState>,
    user: MaybeUser,
    csrf: CsrfToken,
) -> Result<Markup, AppError> {
    let first_run = user.0.is_none() && !state.db(accounts::has_users).await?;
    Ok(views::pages::home::page(
        &chrome(user.0.as_ref(), &csrf),
        &state.settings.workshop.legal_name,
        first_run,
    ))
}
