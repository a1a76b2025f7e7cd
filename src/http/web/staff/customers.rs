//! Staff: the list of customer accounts, searched by name, tax id or billing email.
use actix_web::web;
use maud::Markup;

use super::Search;
use crate::http::auth::Staff;
use crate::http::csrf::CsrfToken;
use crate::http::web::chrome;
use crate::http::{AppError, AppState};
use crate::services::accounts;
use crate::views::pages::staff::customers as view;

pub async fn list(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    query: web::Query<Search>,
) -> Result<Markup, AppError> {
    let search = query.into_inner().q.unwrap_or_default();
    let (by, term) = (user.by(), search.clone());
    let found = state
        .db(move |c| accounts::customers(c, &by, Some(&term)))
        .await?;
    Ok(view::page(&chrome(Some(&user), &csrf), &search, &found))
}
