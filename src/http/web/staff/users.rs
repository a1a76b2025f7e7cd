//! Staff: the list of users, searched by name or email, each with the account they belong to.
use actix_web::web;
use maud::Markup;

use super::Search;
use crate::http::auth::Staff;
use crate::http::csrf::CsrfToken;
use crate::http::web::chrome;
use crate::http::{AppError, AppState};
use crate::services::{accounts, ServiceError};
use crate::views::pages::staff::users::{self as view, UserLine};

pub async fn list(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    query: web::Query<Search>,
) -> Result<Markup, AppError> {
    let search = query.into_inner().q.unwrap_or_default();
    let (by, term) = (user.by(), search.clone());
    let (users, names) = state
        .db(move |c| -> Result<_, ServiceError> {
            let users = accounts::users(c, &by, Some(&term), None)?;
            let ids: Vec<_> = users.iter().map(|u| u.customer_id).collect();
            let names = accounts::customer_names(c, &by, &ids)?;
            Ok((users, names))
        })
        .await?;
    let lines: Vec<UserLine> = users
        .iter()
        .map(|u| UserLine {
            user: u,
            customer_name: names.get(&u.customer_id).map_or("", String::as_str),
        })
        .collect();
    Ok(view::page(&chrome(Some(&user), &csrf), &search, &lines))
}
