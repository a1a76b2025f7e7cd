//! The public course catalog: the courses with their sessions yet to start, seats left or the
//! waiting list, and the seat price of the visitor's price category (all three for a visitor).
use actix_web::web;
use maud::Markup;

use super::summary;
use crate::domain::training::{Course, Session};
use crate::domain::PriceCategory;
use crate::http::auth::MaybeUser;
use crate::http::csrf::CsrfToken;
use crate::http::web::chrome;
use crate::http::{AppError, AppState};
use crate::services::training::{self, SessionQuery};
use crate::services::{accounts, now, ServiceError};
use crate::views::pages::training::{self as view, CatalogCourse};

/// The price category the signed-in visitor pays seats at.
pub(super) fn category_of(
    c: &mut crate::db::DbConn,
    user: Option<&crate::http::auth::CurrentUser>,
) -> Result<Option<PriceCategory>, ServiceError> {
    match user {
        Some(user) => {
            let customer = accounts::customer(c, &user.by(), user.user.customer_id)?;
            Ok(Some(customer.price_category))
        }
        None => Ok(None),
    }
}

pub async fn show(
    state: web::Data<AppState>,
    user: MaybeUser,
    csrf: CsrfToken,
) -> Result<Markup, AppError> {
    let viewer = user.0.clone();
    let (courses, sessions, category): (Vec<Course>, Vec<Session>, _) = state
        .db(move |c| -> Result<_, ServiceError> {
            Ok((
                training::courses(c)?,
                training::sessions(c, &SessionQuery::default())?,
                category_of(c, viewer.as_ref())?,
            ))
        })
        .await?;
    let at = now();
    let listed: Vec<CatalogCourse> = courses
        .into_iter()
        .filter(|course| course.active)
        .map(|course| CatalogCourse {
            sessions: sessions
                .iter()
                .filter(|s| s.course_id == course.id && s.open_for_sign_up(at))
                .map(|s| summary(s, state.tz, category))
                .collect(),
            name: course.name,
            description: course.description,
        })
        .collect();
    Ok(view::catalog(&chrome(user.0.as_ref(), &csrf), &listed))
}
